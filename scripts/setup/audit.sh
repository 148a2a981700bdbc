#!/usr/bin/env bash
# Test-only dependency of the audit tests: Debian's Chromium, driven headless over the DevTools
# protocol to check the HTML report. Idempotent and quiet; refreshes apt lists only when needed.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1; then
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi

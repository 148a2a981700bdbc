#!/usr/bin/env bash
# Test-only dependencies of the evidence tests: the Sigstore project's JavaScript verifier
# (@sigstore/verify), installed from the npm registry into tests/evidence/js/node_modules
# (project-local, never global). Idempotent and quiet.
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=tests/evidence/js
if [ -f "$dir/node_modules/@sigstore/verify/package.json" ] && [ -f "$dir/node_modules/@sigstore/bundle/package.json" ]; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi
cd "$dir"
if [ -f package-lock.json ]; then
  npm ci --no-audit --no-fund --silent >/dev/null
else
  npm install --no-audit --no-fund --silent >/dev/null
fi

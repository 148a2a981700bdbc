#!/usr/bin/env bash
# Re-lock requirements.txt (what the image installs, with --require-hashes) from pyproject.toml:
# the core dependencies plus the iac extra, every release file's sha256, one resolution valid on
# every Python the project supports (>= 3.11; pins fork where a release needs a newer Python).
# Run after changing dependencies in pyproject.toml; commit the result.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .cache && { [ -f .cache/.gitignore ] || printf "*\n" > .cache/.gitignore; }
TOOLS=.cache/lock-tools
if [ ! -x "$TOOLS/bin/uv" ]; then
  "${PYTHON:-python3}" -m venv "$TOOLS"
  "$TOOLS/bin/pip" install --quiet --disable-pip-version-check 'uv>=0.5'
fi
SSL_CERT_FILE="${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}" "$TOOLS/bin/uv" pip compile --native-tls --quiet \
  --generate-hashes --extra iac --python-version 3.11 --universal --no-emit-index-url \
  --custom-compile-command ./scripts/lock.sh -o requirements.txt pyproject.toml

#!/usr/bin/env bash
# Set up, then run changeproof's local demo on the bundled example pull requests.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
exec .venv/bin/changeproof demo "$@"

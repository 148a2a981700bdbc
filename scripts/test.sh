#!/usr/bin/env bash
# Set up everything the tests need (Python packages, system packages, local images), then run them.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
for step in scripts/setup/*.sh; do
  [ -e "$step" ] || continue
  echo "setup: $step"
  bash "$step"
done
exec .venv/bin/python -m pytest "$@"

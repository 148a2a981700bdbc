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
# the property-based tests run their full CI budget here (tests/conftest.py)
export HYPOTHESIS_PROFILE="${HYPOTHESIS_PROFILE:-ci}"
exec .venv/bin/python -m pytest "$@"

#!/usr/bin/env bash
# Test-only: the official SARIF 2.1.0 JSON schema (sarif-2.1.0-rtm.5.json, OASIS), as shipped in
# Microsoft's npm package @microsoft/jest-sarif. Fetched with `npm pack` (the registry's integrity
# hash is checked against the pinned one) into .cache/sarif/ inside the clone; only the schema
# file is unpacked. Idempotent and quiet.
set -euo pipefail
cd "$(dirname "$0")/../.."
PACKAGE="@microsoft/jest-sarif@1.0.0-beta.0"
INTEGRITY="sha512-A1fOhPd6Ic5iDk4F9YPw1qNB4XF+7+IviR7xl8r2F6QzQkx5cpY9LsGk2rExiFIEcBbjpVnSmwWGBukASkiQ9A=="
DEST=.cache/sarif
SCHEMA="$DEST/sarif-2.1.0-rtm.5.json"
[ -s "$SCHEMA" ] && exit 0
mkdir -p "$DEST"
[ -f .cache/.gitignore ] || printf '*\n' > .cache/.gitignore
if ! command -v npm >/dev/null 2>&1; then
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent --json "$PACKAGE" > pack.json)
got="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["integrity"])' "$work/pack.json")"
[ "$got" = "$INTEGRITY" ] || { echo "sarif setup: $PACKAGE integrity $got, expected $INTEGRITY" >&2; exit 1; }
tar -xzf "$work"/*.tgz -C "$work" package/lib/schemas/sarif-2.1.0-rtm.5.json
mv "$work/package/lib/schemas/sarif-2.1.0-rtm.5.json" "$SCHEMA"

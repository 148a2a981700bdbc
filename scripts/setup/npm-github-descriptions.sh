#!/usr/bin/env bash
# Test-only data: GitHub's own descriptions of its REST API (@octokit/openapi) and example webhook
# payloads (@octokit/webhooks-examples), pinned, installed from the npm registry into .cache/npm
# inside the clone (git-ignored). The fake GitHub server validates every request and response
# against the first; the event tests feed the second through entrypoint.py. Idempotent and quiet.
set -euo pipefail
cd "$(dirname "$0")/../.."
OPENAPI_VERSION=23.0.2
EXAMPLES_VERSION=7.6.1
dir=.cache/npm
mkdir -p "$dir"
[ -f .cache/.gitignore ] || printf '*\n' > .cache/.gitignore
installed() {  # installed NAME VERSION: the pinned version is already there
  node -e 'const p=require(process.argv[1]); process.exit(p.version===process.argv[2]?0:1)' \
    "$PWD/$dir/node_modules/$1/package.json" "$2" 2>/dev/null
}
if installed @octokit/openapi "$OPENAPI_VERSION" && installed @octokit/webhooks-examples "$EXAMPLES_VERSION"; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi
[ -f "$dir/package.json" ] || printf '{"name":"changeproof-test-data","private":true}\n' > "$dir/package.json"
npm install --prefix "$dir" --no-audit --no-fund --silent --save-exact \
  "@octokit/openapi@$OPENAPI_VERSION" "@octokit/webhooks-examples@$EXAMPLES_VERSION" >/dev/null

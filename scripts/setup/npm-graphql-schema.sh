#!/usr/bin/env bash
# Test-only data: GitHub's official GraphQL schema (@octokit/graphql-schema), pinned, installed from
# the npm registry into .cache/npm inside the clone (git-ignored). The fake GitHub server validates
# every GraphQL query and answer against it. Idempotent and quiet.
set -euo pipefail
cd "$(dirname "$0")/../.."
VERSION=15.26.1
dir=.cache/npm
mkdir -p "$dir"
[ -f .cache/.gitignore ] || printf '*\n' > .cache/.gitignore
if node -e 'const p=require(process.argv[1]); process.exit(p.version===process.argv[2]?0:1)' \
  "$PWD/$dir/node_modules/@octokit/graphql-schema/package.json" "$VERSION" 2>/dev/null; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi
[ -f "$dir/package.json" ] || printf '{"name":"changeproof-test-data","private":true}\n' > "$dir/package.json"
npm install --prefix "$dir" --no-audit --no-fund --silent --save-exact "@octokit/graphql-schema@$VERSION" >/dev/null

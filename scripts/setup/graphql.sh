#!/usr/bin/env bash
# Test-only: GitHub's official GraphQL schema (npm @octokit/graphql-schema, pinned), installed into
# tests/github/graphql/node_modules so the tests can validate every GraphQL query changeproof sends.
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=tests/github/graphql
if [ -f "$dir/node_modules/@octokit/graphql-schema/schema.graphql" ]; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi
cd "$dir"
npm install --no-audit --no-fund --silent >/dev/null

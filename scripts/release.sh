#!/usr/bin/env bash
# Publish a release: build the action's image with podman, push it to REGISTRY, and make the
# version tag point at a release commit whose action.yml runs that image by digest:
#     runs: { using: docker, image: docker://REGISTRY/changeproof@sha256:... }
# so `uses: changeproof/changeproof@vX.Y.Z` (or @vX) pulls the published image instead of building
# the Dockerfile in every job. The release commit sits on top of the current commit, reachable only
# through the tags (the branch keeps `image: Dockerfile` for development and the tests).
#
#   scripts/release.sh REGISTRY VERSION      e.g. scripts/release.sh ghcr.io/changeproof 1.4.0
#
# Creates the tags vX.Y.Z and (moved) vX locally; pushing them is the caller's step (the release
# workflow runs `git push --force origin vX.Y.Z vX`). Needs a clean work tree and a registry
# login (podman login). Environment: CHANGEPROOF_BASE_IMAGE (build base, default the Dockerfile's),
# CHANGEPROOF_REGISTRY_TLS_VERIFY=false for a plain-HTTP local registry. Prints the pinned image
# reference; writes image=/digest= to $GITHUB_OUTPUT when run in a workflow.
# Exit codes: 0 released, 2 usage (arguments, dirty tree, existing tag), 3 build or push failed.
set -euo pipefail

usage() { echo "release: $*" >&2; echo "usage: scripts/release.sh REGISTRY VERSION (VERSION like 1.4.0)" >&2; exit 2; }
infra() { echo "release: $*" >&2; exit 3; }

[ "$#" -eq 2 ] || usage "expected 2 arguments, got $#"
REGISTRY="${1%/}"
VERSION="${2#v}"
[[ "$REGISTRY" =~ ^[A-Za-z0-9.-]+(:[0-9]+)?(/[a-z0-9._-]+)*$ ]] \
  || usage "REGISTRY '$1' is not a registry host with an optional namespace (e.g. ghcr.io/changeproof)"
[[ "$VERSION" =~ ^([0-9]+)\.[0-9]+\.[0-9]+$ ]] || usage "VERSION '$2' is not MAJOR.MINOR.PATCH"
MAJOR="v${BASH_REMATCH[1]}"
TAG="v$VERSION"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
[ -z "$(git status --porcelain --untracked-files=no)" ] || usage "the work tree has uncommitted changes; commit or stash them"
git rev-parse -q --verify "refs/tags/$TAG" >/dev/null && usage "tag $TAG already exists"
grep -qE '^  image: ' action.yml || usage "action.yml has no 'runs: image:' line to pin"

IMAGE="$REGISTRY/changeproof"
TLS="--tls-verify=${CHANGEPROOF_REGISTRY_TLS_VERIFY:-true}"
BUILD_ARGS=()
[ -n "${CHANGEPROOF_BASE_IMAGE:-}" ] && BUILD_ARGS+=(--build-arg "BASE_IMAGE=$CHANGEPROOF_BASE_IMAGE")
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

echo "release: building $IMAGE:$VERSION from $(git rev-parse --short HEAD)" >&2
podman build --quiet --network host "${BUILD_ARGS[@]}" \
  --label "org.opencontainers.image.version=$VERSION" \
  --label "org.opencontainers.image.revision=$(git rev-parse HEAD)" \
  -t "$IMAGE:$VERSION" . >/dev/null || infra "podman build failed"
podman push --quiet "$TLS" --digestfile "$WORK/digest" "$IMAGE:$VERSION" >/dev/null \
  || infra "podman push to $IMAGE failed (logged in? podman login ${REGISTRY%%/*})"
DIGEST="$(cat "$WORK/digest")"
[[ "$DIGEST" =~ ^sha256:[0-9a-f]{64}$ ]] || infra "podman push reported no digest ('$DIGEST')"
PINNED="docker://$IMAGE@$DIGEST"

# The release commit: the current tree with action.yml pinned to the pushed digest.
START="$(git symbolic-ref -q --short HEAD || git rev-parse HEAD)"
git checkout -q --detach
restore() { git checkout -q "$START"; rm -rf "$WORK"; }
trap restore EXIT
sed -E -i "s#^  image: .*#  image: $PINNED#" action.yml
IDENT=()
git config user.email >/dev/null || IDENT=(-c "user.name=changeproof release" -c "user.email=release@changeproof.invalid")
git add action.yml
git "${IDENT[@]}" commit -q -m "Release $TAG: action.yml runs $PINNED"
git "${IDENT[@]}" tag -a "$TAG" -m "changeproof $TAG ($PINNED)"
git "${IDENT[@]}" tag -f -a "$MAJOR" -m "changeproof $MAJOR -> $TAG" >/dev/null
echo "release: $TAG and $MAJOR point at $(git rev-parse --short HEAD)" >&2

if [ -n "${GITHUB_OUTPUT:-}" ]; then
  { echo "image=$IMAGE"; echo "digest=$DIGEST"; echo "tag=$TAG"; echo "major=$MAJOR"; } >> "$GITHUB_OUTPUT"
fi
echo "$PINNED"

#!/usr/bin/env bash
# Prepare this machine to build and run changeproof's image with podman (see
# ../shared/container-recipe.md): Debian packages, a podman config that works on this host, and a
# debootstrapped local base image (public registries are unreachable). Idempotent and quiet:
# every step is skipped when its result already exists. The base rootfs tarball is cached in
# .cache/ inside the clone (self-ignored), so a re-run after `podman system reset` is fast.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE="${CHANGEPROOF_CACHE:-$ROOT/.cache/container}"
BASE_IMAGE="${CHANGEPROOF_BASE_IMAGE:-localhost/changeproof-base:bookworm}"
mkdir -p "$CACHE"
[ -f "$ROOT/.cache/.gitignore" ] || printf '*\n' > "$ROOT/.cache/.gitignore"

log() { printf 'container setup: %s\n' "$*" >&2; }

# 1. Packages (docker-registry: the local OCI registry the release test pushes to; the test
#    starts its own instance on 127.0.0.1, never the packaged service).
missing=()
for tool in podman buildah debootstrap runc docker-registry; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ "${#missing[@]}" -gt 0 ]; then
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq podman buildah debootstrap runc docker-registry >/dev/null
fi

# 2. podman configuration without touching /etc (runc: crun fails on this host's cgroup layout;
#    ulimits: podman's default nofile is above the host's hard limit).
CONF="$CACHE/containers.conf"
if [ ! -f "$CONF" ]; then
  cat > "$CONF" <<'CONFEOF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]
[engine]
runtime = "runc"
CONFEOF
fi
export CONTAINERS_CONF="$CONF"

# 3. The local base image.
if podman image exists "$BASE_IMAGE" 2>/dev/null; then
  exit 0
fi
TARBALL="$CACHE/base-bookworm.tar"
if [ ! -s "$TARBALL" ]; then
  mirror="$(grep -hE '^(URIs:|deb )' /etc/apt/sources.list /etc/apt/sources.list.d/*.sources \
            /etc/apt/sources.list.d/*.list 2>/dev/null \
            | grep -v security | head -n1 | sed -E 's/^URIs:[[:space:]]*//; s/^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?//' \
            | awk '{print $1}' || true)"
  mirror="${mirror:-http://deb.debian.org/debian}"
  rootfs="$(mktemp -d "$CACHE/rootfs.XXXXXX")"
  trap 'rm -rf "$rootfs"' EXIT
  log "debootstrapping bookworm from $mirror (a few minutes)"
  debootstrap --variant=minbase --include=python3,python3-venv,python3-pip,ca-certificates,git \
    bookworm "$rootfs" "$mirror" >"$CACHE/debootstrap.log" 2>&1 \
    || { log "debootstrap failed; see $CACHE/debootstrap.log"; exit 1; }
  mkdir -p "$rootfs/etc/ssl/certs"
  cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"
  printf '[global]\ncert = /etc/ssl/certs/ca-certificates.crt\n' > "$rootfs/etc/pip.conf"
  if [ -f /etc/pip.conf ]; then
    # Keep the host's index settings (the package index this machine reaches) as well.
    grep -v '^\[global\]' /etc/pip.conf | grep -v '^cert' >> "$rootfs/etc/pip.conf" || true
  fi
  rm -rf "$rootfs/var/cache/apt/archives/"*.deb "$rootfs/var/lib/apt/lists/"*
  tar -C "$rootfs" -cf "$TARBALL.tmp" .
  mv "$TARBALL.tmp" "$TARBALL"
  rm -rf "$rootfs"
  trap - EXIT
fi
log "importing $BASE_IMAGE"
podman import "$TARBALL" "$BASE_IMAGE" >/dev/null

#!/usr/bin/env bash
# The local Node 24 base image for machines with no image registry (this project's CI): a Debian bookworm minbase
# made with debootstrap, imported into podman, plus Node 24 from the npm `node` package and this machine's npm.
# It stands in for docker.io/library/node:24-bookworm-slim: pass it as BASE (and NODE_IMAGE for the worker).
# Kept in podman's image store, so later runs reuse it (seconds); REBUILD=1 makes it again.
#
#   sudo bash deploy/containers/local-base.sh        # → localhost/refdiff-node:24-bookworm
#
# Needs: podman, runc, debootstrap (apt-get install podman runc debootstrap), npm, a Debian mirror and the npm registry.
set -euo pipefail
cd "$(dirname "$0")/../.."

NODE_TAG=${NODE_TAG:-localhost/refdiff-node:24-bookworm}
DEBIAN_TAG=${DEBIAN_TAG:-localhost/debian:bookworm-min}
NODE_VERSION=${NODE_VERSION:-24}
# This sandbox: runc (crun fails on its cgroups), explicit ulimits, host networking (no CNI) — ../shared/docs/offline-install.md.
BUILD_FLAGS=(--runtime runc --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 --network host)

if [ "${REBUILD:-}" != 1 ] && podman image exists "$NODE_TAG"; then
  echo "local base: $NODE_TAG exists ($(podman image inspect --format '{{.Size}}' "$NODE_TAG" | numfmt --to=si)B)"
  exit 0
fi

work=$(mktemp -d /var/tmp/refdiff-base.XXXXXX)
trap 'rm -rf "$work"' EXIT

if [ "${REBUILD:-}" = 1 ] || ! podman image exists "$DEBIAN_TAG"; then
  echo "local base: debootstrap --variant=minbase bookworm"
  debootstrap --variant=minbase bookworm "$work/rootfs" ${DEBIAN_MIRROR:-} >"$work/debootstrap.log" 2>&1 \
    || { tail -20 "$work/debootstrap.log"; exit 1; }
  # What a slim image leaves out: docs, manuals, the package download cache and lists.
  rm -rf "$work"/rootfs/usr/share/doc/* "$work"/rootfs/usr/share/man/* "$work"/rootfs/usr/share/info/* \
    "$work"/rootfs/var/cache/apt/archives/*.deb "$work"/rootfs/var/lib/apt/lists/*
  tar -C "$work/rootfs" -c . | podman import --quiet - "$DEBIAN_TAG" >/dev/null
  rm -rf "$work/rootfs"
fi

echo "local base: Node $NODE_VERSION from the npm package node@$NODE_VERSION"
mkdir -p "$work/node" "$work/ctx"
# The `node` package's install script fetches the platform binary; it is the one script this install runs, reviewed
# here (strict-allow-scripts reaches this npm from the repository's .npmrc when run through `npm run`).
echo '{"name": "refdiff-node-binary", "private": true, "allowScripts": {"node": true}}' >"$work/node/package.json"
(cd "$work/node" && npm install --no-save --no-audit --no-fund --loglevel=error "node@$NODE_VERSION" >/dev/null)
cp "$work/node/node_modules/node/bin/node" "$work/ctx/node"
cp -r "$(npm root -g)/npm" "$work/ctx/npm"
# The host's trust store (a TLS-intercepting proxy's CA, where there is one), so npm can reach the registry in builds.
cp "${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}" "$work/ctx/ca-certificates.crt"
podman build "${BUILD_FLAGS[@]}" --quiet --build-arg "DEBIAN=$DEBIAN_TAG" \
  -f deploy/containers/local-node.Containerfile -t "$NODE_TAG" "$work/ctx" >/dev/null
echo "local base: $NODE_TAG ($(podman image inspect --format '{{.Size}}' "$NODE_TAG" | numfmt --to=si)B)"

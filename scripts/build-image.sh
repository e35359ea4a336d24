#!/usr/bin/env bash
# Builds the connector's Airbyte image with buildah, for machines without a Docker daemon:
#   bash scripts/build-image.sh [TAG] [CONTEXT]
# TAG defaults to airbyte/source-dynamodb-ts:dev (acceptance-test-config.yml's connector_image); CONTEXT to this
# repository. The Dockerfile is built exactly as `docker build .` builds it, FROM node:20-slim: with no registry
# reachable, that name resolves to the local stand-in scripts/base-image.sh builds, caches and tags
# localhost/node:20-slim (made here when missing). BASE_IMAGE=<image> builds on another base instead.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TAG=${1:-airbyte/source-dynamodb-ts:dev}
CONTEXT=${2:-$ROOT}
export STORAGE_DRIVER=${STORAGE_DRIVER:-vfs}
build_args=()
if [ -n "${BASE_IMAGE:-}" ]; then
  build_args=(--build-arg "BASE_IMAGE=$BASE_IMAGE")
else
  BASE_IMAGE="node:20-slim = $(bash "$ROOT/scripts/base-image.sh")"
fi

t0=$SECONDS
previous=$(buildah inspect --type image --format '{{.FromImageID}}' "$TAG" 2>/dev/null || true)
echo "build-image: $TAG from $CONTEXT on $BASE_IMAGE" >&2
# chroot isolation and the host network: what works without a daemon, user namespaces or CAP_SYS_RESOURCE.
buildah bud --quiet --isolation chroot --network host --layers=false \
  ${build_args[@]+"${build_args[@]}"} \
  -f "$CONTEXT/Dockerfile" -t "$TAG" "$CONTEXT" >&2
# The image this tag named before is no longer wanted (unless something else still uses it).
current=$(buildah inspect --type image --format '{{.FromImageID}}' "$TAG")
if [ -n "$previous" ] && [ "$previous" != "$current" ]; then buildah rmi "$previous" >/dev/null 2>&1 || true; fi
echo "build-image: built $TAG in $((SECONDS - t0)) s" >&2
echo "$TAG"

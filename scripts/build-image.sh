#!/usr/bin/env bash
# Builds the connector's Airbyte image with buildah, for machines without a Docker daemon:
#   bash scripts/build-image.sh [TAG] [CONTEXT]
# TAG defaults to airbyte/source-dynamodb-ts:dev (acceptance-test-config.yml's connector_image); CONTEXT to this
# repository. The Dockerfile is built as it is (with `docker build .` elsewhere); the only difference is its base:
# where no registry is reachable, BASE_IMAGE (default: the local stand-in for node:20-slim that
# scripts/base-image.sh builds and caches) replaces the official node:20-slim. Set BASE_IMAGE=node:20-slim to
# pull the official one.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TAG=${1:-airbyte/source-dynamodb-ts:dev}
CONTEXT=${2:-$ROOT}
export STORAGE_DRIVER=${STORAGE_DRIVER:-vfs}
BASE_IMAGE=${BASE_IMAGE:-$(bash "$ROOT/scripts/base-image.sh")}

t0=$SECONDS
previous=$(buildah inspect --type image --format '{{.FromImageID}}' "$TAG" 2>/dev/null || true)
echo "build-image: $TAG from $CONTEXT on $BASE_IMAGE" >&2
# chroot isolation and the host network: what works without a daemon, user namespaces or CAP_SYS_RESOURCE.
buildah bud --quiet --isolation chroot --network host --layers=false \
  --build-arg BASE_IMAGE="$BASE_IMAGE" \
  -f "$CONTEXT/Dockerfile" -t "$TAG" "$CONTEXT" >&2
# The image this tag named before is no longer wanted (unless something else still uses it).
current=$(buildah inspect --type image --format '{{.FromImageID}}' "$TAG")
if [ -n "$previous" ] && [ "$previous" != "$current" ]; then buildah rmi "$previous" >/dev/null 2>&1 || true; fi
echo "build-image: built $TAG in $((SECONDS - t0)) s" >&2
echo "$TAG"

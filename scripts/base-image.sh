#!/usr/bin/env bash
# A local stand-in for the official node:20-slim image, for machines that can build images (buildah) but reach
# no container registry: Debian bookworm from Debian's own packages (debootstrap --variant=minbase, plus CA
# certificates), this machine's Node 20 and npm under /usr/local as node:20-slim has them, and the user `node`
# (uid/gid 1000). The certificate authorities this machine adds to Debian's (/usr/local/share/ca-certificates, e.g.
# a proxy's) are trusted inside too, and npm is told to use the system's bundle, as this machine's npm is; else
# `npm ci` in the build could not reach the registry through such a proxy. The Dockerfile builds on it with `--build-arg BASE_IMAGE=<the name this prints>`.
#
# Built once and cached in buildah's storage: the image's tag carries a hash of this recipe and of the Node and
# npm it copies, so a later run only checks that the image is there (a second or two) and prints its name; a
# changed recipe or Node builds a new one. Prints the image name as its last line of stdout; progress on stderr.
#
# Environment:
#   DEBIAN_MIRROR    where debootstrap fetches bookworm (default http://deb.debian.org/debian)
#   STORAGE_DRIVER   buildah's storage driver (default vfs, the one that works without kernel overlay support)
set -euo pipefail
cd "$(dirname "$0")/.."
export STORAGE_DRIVER=${STORAGE_DRIVER:-vfs}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SUITE=bookworm
REPO=localhost/source-dynamodb-node-base

log() { echo "base-image: $*" >&2; }

# --- the Node and npm to copy: wherever this machine installed them (a distribution package or a tarball)
node_bin=$(node -p 'require("fs").realpathSync(process.execPath)')
npm_cli=$(readlink -f "$(command -v npm)")      # …/lib/node_modules/npm/bin/npm-cli.js
npm_dir=$(dirname "$(dirname "$npm_cli")")
modules_dir=$(dirname "$npm_dir")               # the global node_modules holding npm (and corepack, if any)
node_version=$(node -p 'process.versions.node')
npm_version=$(node -p "require('$npm_dir/package.json').version")
case $node_version in 20.*) ;; *) log "Node $node_version found; the image stands in for node:20-slim and needs Node 20"; exit 1 ;; esac

local_cas=(/usr/local/share/ca-certificates/*.crt)
[ -e "${local_cas[0]}" ] || local_cas=()
key=$( { cat "$0" ${local_cas[@]+"${local_cas[@]}"}; echo "$SUITE $MIRROR node $node_version npm $npm_version"; } | sha256sum | cut -c1-12)
IMAGE=$REPO:node$node_version-$SUITE-$key

# Also tagged localhost/node:20-slim: buildah and podman resolve the short name `node:20-slim` to a local
# localhost/ image before any registry, so a plain `buildah bud .` of the unchanged Dockerfile builds on it too.
ALIAS=localhost/node:20-slim

if buildah inspect --type image "$IMAGE" >/dev/null 2>&1; then
  buildah tag "$IMAGE" "$ALIAS"
  log "cached: $IMAGE (also $ALIAS)"
  echo "$IMAGE"
  exit 0
fi

t0=$SECONDS
work=$(mktemp -d /var/tmp/source-dynamodb-base.XXXXXX)
ctr=
cleanup() {
  [ -z "$ctr" ] || buildah rm "$ctr" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
root=$work/rootfs

log "debootstrap $SUITE (minbase) from $MIRROR"
debootstrap --variant=minbase --include=ca-certificates "$SUITE" "$root" "$MIRROR" >"$work/debootstrap.log" 2>&1 || {
  tail -n 30 "$work/debootstrap.log" >&2
  exit 1
}

log "Node $node_version and npm $npm_version under /usr/local"
install -D -m 0755 "$node_bin" "$root/usr/local/bin/node"
mkdir -p "$root/usr/local/lib/node_modules"
cp -a "$npm_dir" "$root/usr/local/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
if [ -d "$modules_dir/corepack" ]; then
  cp -a "$modules_dir/corepack" "$root/usr/local/lib/node_modules/corepack"
  ln -s ../lib/node_modules/corepack/dist/corepack.js "$root/usr/local/bin/corepack"
fi

log "CA certificates: Debian's, and the ones this machine adds: ${local_cas[*]:-none}"
if [ ${#local_cas[@]} -gt 0 ]; then
  cp "${local_cas[@]}" "$root/usr/local/share/ca-certificates/"
  chroot "$root" update-ca-certificates >/dev/null
fi
mkdir -p "$root/usr/local/etc"
echo "cafile=/etc/ssl/certs/ca-certificates.crt" >"$root/usr/local/etc/npmrc"

log "user node (uid/gid 1000); apt caches dropped"
chroot "$root" groupadd --gid 1000 node
chroot "$root" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
chroot "$root" /usr/local/bin/node --version >/dev/null
chroot "$root" /usr/local/bin/npm --version >/dev/null
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb "$root"/var/log/*.log

log "committing $IMAGE"
ctr=$(buildah from scratch)
mnt=$(buildah mount "$ctr")
cp -a "$root/." "$mnt/"
buildah umount "$ctr" >/dev/null
buildah config \
  --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  --env NODE_VERSION="$node_version" \
  --cmd node \
  --os linux --arch amd64 \
  --label org.opencontainers.image.description="Local stand-in for node:20-slim: Debian $SUITE minbase, Node $node_version, npm $npm_version" \
  --label source-dynamodb.base-recipe="$key" \
  "$ctr"
buildah commit --quiet --rm "$ctr" "$IMAGE" >/dev/null
ctr=
buildah tag "$IMAGE" "$ALIAS"
# Earlier builds of this stand-in are no longer wanted.
for old in $(buildah images --noheading --format '{{.Name}}:{{.Tag}}' 2>/dev/null | grep "^$REPO:" || true); do
  [ "$old" = "$IMAGE" ] || buildah rmi "$old" >/dev/null 2>&1 || true
done
log "built in $((SECONDS - t0)) s"
echo "$IMAGE"

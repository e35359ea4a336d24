#!/usr/bin/env bash
# Everything the demo and the tests need, on a machine that has only the toolchains (Node 20+, Python 3.11, apt):
#   Java 17 (DynamoDB Local runs on it), npm dependencies, the build, DynamoDB Local, buildah and the cached base
#   image the connector's Airbyte image is built on, a PostgreSQL server (the warehouse the Postgres host tests load
#   into; they make their own cluster), and the Python hosts the tests run the connector under (Meltano,
#   target-jsonl, PyAirbyte, airbyte-cdk's standard tests, target-postgres), each in its own virtual environment.
# Idempotent, and fast when everything is cached: npm ci runs only when package-lock.json changed since the last
# one, DynamoDB Local and each venv are fetched once into ~/.cache/source-dynamodb/ (a venv's folder name carries a
# hash of its requirements file, so editing the pins installs a new one).
#
# Environment:
#   SOURCE_DYNAMODB_VENVS  where the venvs live (default ~/.cache/source-dynamodb/venvs); test/support/hosts.ts
#                          computes the same folders
#   PYTHON                 the Python 3.11+ to build the venvs with (default: python3.11, else python3)
#   DYNAMODB_LOCAL_DIR     where DynamoDB Local is cached (see src/local/dynamodbLocal.ts)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
HOSTS=(meltano target-jsonl pyairbyte airbyte-cdk target-postgres)
VENVS=${SOURCE_DYNAMODB_VENVS:-$HOME/.cache/source-dynamodb/venvs}
started=$SECONDS

step() { echo "--- $*"; }

apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  if [ -z "${APT_UPDATED:-}" ]; then apt-get update -q; APT_UPDATED=1; fi
  apt-get install -y -q --no-install-recommends "$@"
}

# --- Java 17 (DynamoDB Local)
if ! command -v java >/dev/null 2>&1 && [ -z "${JAVA_HOME:-}" ]; then
  step "installing Java 17 (DynamoDB Local needs it)"
  apt_install openjdk-17-jre-headless
fi
java -version 2>&1 | head -1

# --- Python 3.11+ with venv
python_ok() { "$1" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; }
PY=${PYTHON:-}
if [ -z "$PY" ]; then
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 && python_ok "$candidate"; then PY=$(command -v "$candidate"); break; fi
  done
fi
if [ -z "$PY" ]; then
  step "installing Python 3 with venv (the test hosts need Python 3.11+)"
  apt_install python3 python3-venv python3-dev
  PY=$(command -v python3)
fi
python_ok "$PY" || { echo "setup: $PY is not a Python 3.11+ with the venv module" >&2; exit 1; }
"$PY" --version

# --- PostgreSQL server binaries (test/support/postgres.ts runs initdb and postgres from them, as the postgres user)
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  step "installing PostgreSQL (the warehouse the Postgres host tests load into)"
  apt_install postgresql
fi
id postgres >/dev/null 2>&1 || { echo "setup: no postgres user (Debian's postgresql package makes it)" >&2; exit 1; }
ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1

# --- npm dependencies (skipped when node_modules was installed from this very package-lock.json)
lock_sum=$(sha256sum package-lock.json | cut -d' ' -f1)
stamp=node_modules/.setup-package-lock.sha256
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$lock_sum" ]; then
  step "npm dependencies: up to date"
else
  step "npm ci"
  npm ci --no-audit --no-fund
  echo "$lock_sum" >"$stamp"
fi

# --- build and DynamoDB Local
step "build"
npm run --silent build
step "DynamoDB Local"
node dist/src/local/dynamodbLocal.js fetch

# --- the Airbyte image's tools (test/image): buildah builds and runs images without a daemon; debootstrap makes
# the local stand-in for node:20-slim (scripts/base-image.sh), built once and cached in buildah's storage.
missing=()
command -v buildah >/dev/null 2>&1 || missing+=(buildah)
command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
if [ ${#missing[@]} -gt 0 ]; then
  step "installing ${missing[*]} (the image tests build and run the connector's image with them)"
  apt_install "${missing[@]}"
fi
step "base image for the connector's image"
t_base=$SECONDS
bash scripts/base-image.sh >/dev/null
echo "base image ready in $((SECONDS - t_base)) s"

# --- Python hosts, installed in parallel
venv_dir() {
  local key
  key=$(sha256sum "test/hosts/requirements/$1.txt" | cut -c1-16)
  echo "$VENVS/$1-$key"
}

install_venv() { # host logfile
  local host=$1 log=$2 dir req
  req=$ROOT/test/hosts/requirements/$host.txt
  dir=$(venv_dir "$host")
  mkdir -p "$VENVS"
  exec 9>"$VENVS/.$host.lock"
  flock 9 # another setup installing the same venv: wait for it
  if [ -f "$dir/.installed" ] && "$dir/bin/python" -c '' >/dev/null 2>&1; then
    echo "$host: cached ($dir)"
    return 0
  fi
  local t0=$SECONDS
  rm -rf "$dir"
  # A venv records its own path, so it is built in place; .installed is written last and marks it whole.
  "$PY" -m venv "$dir" >>"$log" 2>&1
  "$dir/bin/pip" install --disable-pip-version-check --no-input -q -r "$req" >>"$log" 2>&1
  "$dir/bin/pip" check >>"$log" 2>&1
  "$dir/bin/python" --version >"$dir/.installed"
  # Venvs of older pins of this host are no longer wanted.
  for old in "$VENVS/$host"-*; do [ "$old" = "$dir" ] || rm -rf "$old"; done
  echo "$host: installed in $((SECONDS - t0)) s ($dir)"
}

step "Python hosts: ${HOSTS[*]} (under $VENVS)"
logs=$(mktemp -d)
declare -A pids
for host in "${HOSTS[@]}"; do
  install_venv "$host" "$logs/$host.log" &
  pids[$host]=$!
done
failed=0
for host in "${HOSTS[@]}"; do
  if ! wait "${pids[$host]}"; then
    echo "setup: installing the $host venv failed; pip said:" >&2
    tail -n 40 "$logs/$host.log" >&2
    failed=1
  fi
done
rm -rf "$logs"
[ "$failed" = 0 ] || exit 1

step "set-up done in $((SECONDS - started)) s"

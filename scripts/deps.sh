#!/usr/bin/env bash
# Installs what ihala needs to build, run and test, from Debian packages and
# the npm registry. Idempotent: a second run installs nothing and is quick.
# Run as root (it calls apt-get); `make run` and `make test` call it.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)

debs=(
  build-essential pkg-config clang libclang-rt-14-dev
  libmicrohttpd-dev libjansson-dev libsqlite3-dev sqlite3 libpq-dev
  libsodium-dev liboath-dev libutf8proc-dev libcmocka-dev libgnutls28-dev libxlsxwriter-dev libexpat1-dev libzip-dev
  libcurl4-openssl-dev
  postgresql postgresql-contrib
  chromium
  curl wrk procps openssl
)

missing=()
for p in "${debs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# Node.js: the machine may already carry a newer build than Debian's (which
# conflicts with Debian's npm package); install Debian's only when none is there.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  missing+=(nodejs npm)
fi
if [ "${#missing[@]}" -gt 0 ]; then
  echo "deps: installing ${missing[*]}" >&2
  if [ "$(id -u)" != 0 ]; then
    echo "deps: these Debian packages are missing and installing needs root: ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Front-end packages, at the versions pinned by ui/package-lock.json. (`npm ci`
# refuses this lock file: npm leaves the other platforms' optional rollup
# binaries out of it here, so `npm install` installs from it instead.)
if [ -f "$top/ui/package.json" ]; then
  stamp="$top/ui/node_modules/.ihala-stamp"
  if [ ! -f "$stamp" ] || [ "$top/ui/package-lock.json" -nt "$stamp" ]; then
    echo "deps: installing npm packages for ui/" >&2
    (cd "$top/ui" && npm install --no-audit --no-fund --loglevel=error)
    touch "$stamp"
  fi
fi

#!/usr/bin/env bash
# Installs what lifeboat needs on a Debian bookworm machine and fetches the
# pinned lwIP / mbedTLS / BearSSL orig tarballs with `apt-get source` into build/deps.
#
# Usage: scripts/deps.sh [packages|sources|all] [BUILD_DIR]
# Nothing under /etc/apt is edited: the deb-src entries are derived from the
# machine's own configured sources into a project-local apt tree.
set -euo pipefail

what=${1:-all}
build=${2:-build}
mkdir -p "$build/deps"
deps=$(cd "$build/deps" && pwd)

# Debian packages the build and the test suite use. Keep in sync with
# docs/DESIGN.md "Dependencies".
PKGS=(
  make gcc libc6-dev gcc-arm-none-eabi libnewlib-arm-none-eabi binutils-arm-none-eabi
  qemu-system-arm libyaml-dev libmbedtls-dev libcmocka-dev zlib1g-dev
  clang libfuzzer-14-dev libclang-rt-14-dev
  python3 python3-pytest python3-cryptography python3-selenium
  nginx-light chromium chromium-driver curl xz-utils ca-certificates
  device-tree-compiler
)

LWIP_TARBALL=lwip_2.1.3+dfsg1.orig.tar.xz
LWIP_SHA=0a8276d09fc4e97bbba2f953d74af2388fc2195ea156be9d7589e297a68fde24
MBEDTLS_TARBALL=mbedtls_2.28.3.orig.tar.gz
MBEDTLS_SHA=3b4953aa55a681e084d31892d9904cc5328d6b4958ea57b90ae4b4f94ae69a8d
BEARSSL_TARBALL=bearssl_0.6+dfsg.1.orig.tar.xz
BEARSSL_SHA=102a625bd8f6155260867a50c508df8d8c3f796985dd744df1a68e5cd1a79004

say() { printf 'deps: %s\n' "$*"; }

missing_packages() {
  local p
  for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || echo "$p"
  done
}

do_packages() {
  local miss
  miss=$(missing_packages | tr '\n' ' ')
  if [ -z "${miss// /}" ]; then
    say "all Debian packages present"
    return 0
  fi
  local cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $miss"
  if [ "$(id -u)" -ne 0 ]; then
    say "missing packages: $miss"
    say "run as root:  $cmd"
    exit 1
  fi
  say "installing: $miss"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $miss
}

# Builds $deps/apt with deb-src twins of every configured Debian source.
make_apt_tree() {
  local apt="$deps/apt"
  mkdir -p "$apt/parts" "$apt/empty" "$apt/lists/partial" "$apt/cache/archives/partial"
  : > "$apt/sources.list"
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    sed -E 's/^Types:.*/Types: deb-src/' "$f" > "$apt/parts/$(basename "$f")"
  done
  if [ -f /etc/apt/sources.list ]; then
    sed -nE 's/^[[:space:]]*deb[[:space:]]+/deb-src /p' /etc/apt/sources.list >> "$apt/sources.list"
  fi
  for f in /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    sed -nE 's/^[[:space:]]*deb[[:space:]]+/deb-src /p' "$f" >> "$apt/sources.list"
  done
}

apt_local() {
  local apt="$deps/apt"
  local opts=(-o "Dir::Etc::SourceList=$apt/sources.list" -o "Dir::Etc::SourceParts=$apt/parts"
              -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache"
              -o "Debug::NoLocking=1")
  [ "$(id -u)" -eq 0 ] && opts+=(-o APT::Sandbox::User=root)
  apt-get "${opts[@]}" "$@"
}

sha_ok() { [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$2" ]; }

# Why fetching failed, and how to work without the network.
offline_help() {
  say "the pinned sources come from Debian's archive (apt-get source): the network is"
  say "needed once. To work offline, place these files in $deps/ (SHA-256 checked):"
  say "  $LWIP_TARBALL  $LWIP_SHA"
  say "  $MBEDTLS_TARBALL  $MBEDTLS_SHA"
  say "  $BEARSSL_TARBALL  $BEARSSL_SHA"
}

# The source lists, fetched once. apt-get update exits 0 even when every
# source failed (it only warns), so success is judged by the lists it left:
# the marker is written only when Sources indexes are there, and a failed
# attempt leaves none, so the next run tries again.
update_lists() {
  [ -f "$deps/apt/.updated" ] && return 0
  if apt_local update -q > "$deps/apt/update.log" 2>&1 &&
     compgen -G "$deps/apt/lists/*Sources*" > /dev/null; then
    touch "$deps/apt/.updated"
    return 0
  fi
  say "apt-get update found no deb-src lists (log: $deps/apt/update.log)"
  offline_help
  exit 1
}

fetch_one() { # package tarball sha
  local pkg=$1 tarball=$2 sha=$3
  if sha_ok "$deps/$tarball" "$sha"; then
    return 0
  fi
  say "fetching $pkg source (apt-get source)"
  update_lists
  (cd "$deps/src-dl" && apt_local source --download-only -q "$pkg" > "$deps/apt/source.log" 2>&1) || {
    # Stale lists (or the archive moved on): refresh them next time.
    rm -f "$deps/apt/.updated"
    say "apt-get source $pkg failed (log: $deps/apt/source.log)"; offline_help; exit 1; }
  mv -f "$deps/src-dl/$tarball" "$deps/$tarball" 2>/dev/null || { say "no $tarball in the $pkg source package"; exit 1; }
  if ! sha_ok "$deps/$tarball" "$sha"; then
    say "SHA-256 mismatch for $tarball (want $sha)"; rm -f "$deps/$tarball"; exit 1
  fi
}

do_sources() {
  mkdir -p "$deps/src-dl"
  make_apt_tree
  fetch_one lwip "$LWIP_TARBALL" "$LWIP_SHA"
  fetch_one mbedtls "$MBEDTLS_TARBALL" "$MBEDTLS_SHA"
  fetch_one bearssl "$BEARSSL_TARBALL" "$BEARSSL_SHA"
  rm -rf "$deps/src-dl"
  # Unpack as they are (no Debian patches) into fixed folder names.
  if [ ! -f "$deps/lwip/.ok" ]; then
    rm -rf "$deps/lwip" && mkdir -p "$deps/lwip"
    tar -xJf "$deps/$LWIP_TARBALL" -C "$deps/lwip" --strip-components=1 --wildcards 'lwip-2.1.3/*'
    touch "$deps/lwip/.ok"
  fi
  if [ ! -f "$deps/mbedtls/.ok" ]; then
    rm -rf "$deps/mbedtls" && mkdir -p "$deps/mbedtls"
    tar -xzf "$deps/$MBEDTLS_TARBALL" -C "$deps/mbedtls" --strip-components=1 --wildcards 'Mbed-TLS-mbedtls-8f97ca5/*'
    touch "$deps/mbedtls/.ok"
  fi
  if [ ! -f "$deps/bearssl/.ok" ]; then
    rm -rf "$deps/bearssl" && mkdir -p "$deps/bearssl"
    tar -xJf "$deps/$BEARSSL_TARBALL" -C "$deps/bearssl" --strip-components=1 --wildcards 'bearssl-0.6/*'
    touch "$deps/bearssl/.ok"
  fi
  say "lwIP 2.1.3 in $deps/lwip, mbedTLS 2.28.3 in $deps/mbedtls, BearSSL 0.6 in $deps/bearssl (SHA-256 checked)"
}

case "$what" in
  packages) do_packages ;;
  sources) do_sources ;;
  all) do_packages; do_sources ;;
  check) m=$(missing_packages); [ -z "$m" ] ;;
  *) echo "usage: $0 [packages|sources|all|check] [BUILD_DIR]" >&2; exit 2 ;;
esac

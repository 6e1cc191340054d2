#!/bin/sh
# Installs every Debian package pcvm needs to build, run and test.
# Idempotent: packages already present are left alone by apt-get.
set -e
SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo

build="build-essential meson ninja-build pkg-config libglib2.0-dev
       libpixman-1-dev libsdl2-dev libaio-dev liburing-dev zlib1g-dev libslirp-dev
       libjson-glib-dev seabios qemu-system-data"
guest="linux-source-6.1 bc flex bison libelf-dev libssl-dev cpio xz-utils lz4
       busybox-static"
tests="qemu-system-x86 qemu-utils linux-image-amd64 seabios kmod xorriso
       grub-pc-bin grub-common e2fsprogs clang-format acpica-tools fio
       vncsnapshot libjpeg-turbo-progs xvfb x11-apps xdotool ovmf"

here=$(cd "$(dirname "$0")/.." && pwd)
cache=${PCVM_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/pcvm}

missing=
for p in $build $guest $tests; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' \
        || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "install-deps: installing$missing"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# Debian's 32-bit kernels for the nested tests: downloaded and unpacked
# into the cache, not installed.
if [ ! -x "$cache/debian-i386/bin/busybox" ] ||
   ! ls "$cache"/debian-i386/lib/modules/*/modules.dep >/dev/null 2>&1; then
    "$here/tests/functional/fetch-debian-i386" >/dev/null
fi

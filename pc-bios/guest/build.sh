#!/bin/sh
# Builds pcvm's default guest: a minimal Linux 6.1 kernel from Debian's
# linux-source-6.1 (x86_64.config + patches/*.patch) and a busybox
# initramfs from Debian's busybox-static (init + fstab). See README.md.
#
# usage: build.sh [OUTDIR]
#
# Two caches, each keyed by a hash of its own inputs, under
# ${PCVM_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/pcvm}/:
#   kernel-<kkey>/   bzImage, vmlinux (stripped ELF with the PVH entry
#                    note), config; <kkey> hashes the kernel source
#                    package, x86_64.config, the patches and the kernel
#                    recipe below. This is the build that takes minutes.
#   guest-<kkey>-<ikey>/  the kernel's files (hard links) with
#                    initramfs.cpio (uncompressed: fastest to unpack under
#                    emulation) and initramfs.cpio.gz; <ikey> hashes
#                    busybox, init, fstab, shrc and the initramfs recipe: a
#                    changed init script costs a second, not a kernel build.
# The guest directory is printed on stdout; with OUTDIR its four files are
# also copied there.
#
# Environment: PCVM_LINUX_SOURCE (default /usr/src/linux-source-6.1.tar.xz),
# PCVM_BUSYBOX (default /bin/busybox), PCVM_GUEST_KEEP_BUILD=1 keeps the
# kernel build tree (its path is printed) for debugging.
#
# Everything runs from main() at the end, so the shell has read the whole
# file before it starts: editing or checking out this script during a
# build is safe.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src_tar=${PCVM_LINUX_SOURCE:-/usr/src/linux-source-6.1.tar.xz}
busybox=${PCVM_BUSYBOX:-/bin/busybox}
cache_root=${PCVM_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/pcvm}
files="bzImage vmlinux initramfs.cpio initramfs.cpio.gz"
kernel_files="bzImage vmlinux config gen_init_cpio"

# Bump when build_kernel() changes what it makes; build_initramfs() the same
# with INITRAMFS_RECIPE. (The rest of this script only moves files.)
KERNEL_RECIPE=2
INITRAMFS_RECIPE=2

say() { echo "pcvm-guest: $*" >&2; }
die() { say "error: $*"; exit 1; }

check_tools() {
    [ -r "$src_tar" ] || die "$src_tar not found (apt-get install linux-source-6.1)"
    [ -x "$busybox" ] || die "$busybox not found (apt-get install busybox-static)"
    for tool in make cc flex bison bc xz lz4 gzip patch sha256sum objcopy; do
        command -v "$tool" >/dev/null 2>&1 ||
            die "$tool not found (run scripts/install-deps.sh)"
    done
    for f in x86_64.config init fstab shrc; do
        [ -r "$here/$f" ] || die "$here/$f missing"
    done
}

# Prints the kernel's cache key. The source tarball is named by its
# package version when dpkg knows it (cheap), otherwise hashed.
kernel_key() {
    src_id=$(dpkg-query -S "$src_tar" 2>/dev/null | cut -d: -f1 | head -n1) || true
    if [ -n "$src_id" ]; then
        src_id="$src_id $(dpkg-query -W -f='${Version}' "$src_id")"
    else
        src_id=$(sha256sum < "$src_tar")
    fi
    (
        cd "$here"
        echo "kernel recipe $KERNEL_RECIPE"
        echo "source $src_id"
        for f in x86_64.config patches/*.patch; do
            [ -e "$f" ] && echo "file $f $(sha256sum < "$f")"
        done
    ) | sha256sum | cut -c1-16
}

initramfs_key() {
    (
        cd "$here"
        echo "initramfs recipe $INITRAMFS_RECIPE"
        echo "busybox $(sha256sum < "$busybox")"
        for f in init fstab shrc; do
            echo "file $f $(sha256sum < "$f")"
        done
    ) | sha256sum | cut -c1-16
}

# complete DIR FILE...: every file is there and not empty.
complete() {
    d=$1
    shift
    for f in "$@"; do
        [ -s "$d/$f" ] || return 1
    done
}

publish() {
    if [ -n "$outdir" ]; then
        mkdir -p "$outdir"
        for f in $files; do
            cmp -s "$dest/$f" "$outdir/$f" 2>/dev/null ||
                cp -p "$dest/$f" "$outdir/$f"
        done
    fi
    echo "$dest"
}

# Runs a build step with its output in the log; on failure shows the tail
# and keeps the whole log next to the cache entries.
step() {
    if ! "$@" >> "$log" 2>&1; then
        say "build step failed: $*"
        tail -n 40 "$log" >&2
        cp "$log" "$failed_log" 2>/dev/null &&
            say "full log: $failed_log"
        exit 1
    fi
}

kmake() {
    make -C "$work/src" O="$work/obj" "$@"
}

build_kernel() {
    mkdir -p "$work/src" "$work/obj"
    step tar -xJf "$src_tar" -C "$work/src" --strip-components=1
    for p in "$here"/patches/*.patch; do
        [ -e "$p" ] || continue
        echo "applying $p" >> "$log"
        step patch -d "$work/src" -p1 --forward --no-backup-if-mismatch -i "$p"
    done

    # Reproducible version string: no builder name or clock in it.
    export KBUILD_BUILD_USER=pcvm KBUILD_BUILD_HOST=pcvm
    export KBUILD_BUILD_TIMESTAMP="2023-01-01 00:00:00 UTC"

    cp "$here/x86_64.config" "$work/obj/.config"
    step kmake olddefconfig
    # Every option the config file sets must survive olddefconfig; a
    # dropped one means the file and the kernel source disagree.
    missing=$(
        grep -E '^CONFIG_[A-Za-z0-9_]+=' "$here/x86_64.config" |
            while read -r line; do
                grep -qxF "$line" "$work/obj/.config" || echo "$line"
            done
    )
    [ -z "$missing" ] ||
        die "x86_64.config options dropped by olddefconfig:" "$missing"

    jobs=$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)
    step kmake -j"$jobs" bzImage
    cp "$work/obj/arch/x86/boot/bzImage" "$work/out/bzImage"
    # Stripping keeps the ELF notes (PT_NOTE), among them the PVH entry.
    step objcopy --strip-all "$work/obj/vmlinux" "$work/out/vmlinux"
    cp "$work/obj/.config" "$work/out/config"
    # The initramfs is written with the kernel tree's own cpio tool: kept
    # with the kernel, so a new initramfs needs no kernel source.
    step cc -O2 -o "$work/out/gen_init_cpio" "$work/src/usr/gen_init_cpio.c"
}

# gen_init_cpio (from the kernel tree) writes the archive from a list, so
# device nodes and root ownership need no root privileges. Only busybox
# and /bin/sh go in: every entry costs the guest kernel ~10 ms to unpack
# under emulation, and Debian's static busybox finds its applets without
# links (see init).
build_initramfs() {
    {
        echo "dir /dev 0755 0 0"
        echo "nod /dev/console 0600 0 0 c 5 1"
        echo "nod /dev/null 0666 0 0 c 1 3"
        for d in bin etc proc sys tmp root; do
            echo "dir /$d 0755 0 0"
        done
        echo "file /bin/busybox $busybox 0755 0 0"
        echo "slink /bin/sh busybox 0777 0 0"
        echo "file /init $here/init 0755 0 0"
        echo "file /etc/fstab $here/fstab 0644 0 0"
        echo "file /etc/shrc $here/shrc 0644 0 0"
    } > "$work/initramfs.list"
    step sh -c '"$1" -t 0 "$2" > "$3"' sh "$kdir/gen_init_cpio" \
        "$work/initramfs.list" "$work/out/initramfs.cpio"
    step sh -c 'gzip -9 -n -c "$1" > "$2"' sh "$work/out/initramfs.cpio" \
        "$work/out/initramfs.cpio.gz"
}

cleanup() {
    if [ "${PCVM_GUEST_KEEP_BUILD:-0}" = 1 ]; then
        say "build tree kept in $work"
    else
        rm -rf "$work"
    fi
}

# locked_build DIR FILES DESCRIPTION FUNCTION: runs FUNCTION into a fresh
# $work/out and moves it to DIR, unless DIR already holds FILES. One
# builder per DIR: a second caller waits for the first, then finds it.
locked_build() {
    dir=$1 want=$2 what=$3 func=$4
    # shellcheck disable=SC2086
    complete "$dir" $want && return 0
    mkdir -p "$cache_root"
    exec 9> "$dir.lock"
    if command -v flock >/dev/null 2>&1; then
        flock 9
        # shellcheck disable=SC2086
        if complete "$dir" $want; then
            exec 9>&-
            return 0
        fi
    fi
    work=$(mktemp -d "$dir.build.XXXXXX")
    trap cleanup EXIT
    trap 'exit 130' INT TERM
    log=$work/build.log
    failed_log=$dir-failed.log
    : > "$log"
    mkdir -p "$work/out"
    say "building $what"
    say "log: $log"
    start=$(date +%s)
    "$func"
    rm -rf "$dir" "$failed_log"
    mv "$work/out" "$dir"
    say "built in $(($(date +%s) - start)) s: $dir"
    cleanup
    trap - EXIT INT TERM
    exec 9>&-
}

# The guest directory: the kernel's files linked in beside the initramfs.
link_kernel() {
    build_initramfs
    for f in bzImage vmlinux config; do
        ln "$kdir/$f" "$work/out/$f" 2>/dev/null || cp -p "$kdir/$f" "$work/out/$f"
    done
}

main() {
    outdir=${1:-}
    check_tools
    kkey=$(kernel_key)
    ikey=$(initramfs_key)
    kdir=$cache_root/kernel-$kkey
    dest=$cache_root/guest-$kkey-$ikey

    locked_build "$kdir" "$kernel_files" \
        "guest kernel $kkey (Linux from source: minutes)" build_kernel
    locked_build "$dest" "$files" "guest $kkey-$ikey (initramfs)" link_kernel
    publish
}

main "$@"

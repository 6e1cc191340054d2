#!/bin/sh
# Boots pcvm's default guest (pc-bios/guest) on the console: builds it the
# first time (cached), then starts pcvm with the console on this terminal.
# usage: run-default-guest.sh PCVM [OUTDIR] [extra pcvm options...]
set -e
pcvm=$1
outdir=${2:-}
shift 2 2>/dev/null || shift $#
here=$(cd "$(dirname "$0")/.." && pwd)
guest=$("$here/pc-bios/guest/build.sh" $outdir | tail -n 1)
cmdline=$(cat "$here/pc-bios/guest/cmdline")
echo "pcvm: booting the default guest (Ctrl-A x quits, Ctrl-A h for help)" >&2
exec "$pcvm" -m 256 -smp 2 -nographic \
    -kernel "$guest/vmlinux" -initrd "$guest/initramfs.cpio" \
    -append "$cmdline" "$@"

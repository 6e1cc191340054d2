#!/usr/bin/env python3
"""Boots Debian's stock amd64 kernel under a VMM inside the test host.

    nested-linux-boot.py [options] VMM

VMM is pcvm or qemu-system-x86_64; both get the same command line:

    VMM -accel kvm -m 256 -nographic -no-reboot -smp N \\
        -kernel /boot/vmlinuz-*-amd64 -initrd BUSYBOX-INITRD \\
        -append 'console=ttyS0 quiet nokaslr panic=-1 pcvm.case=CASE'

The initramfs (Debian's busybox-static plus a shell /init) is built into
--build-dir, or the cache directory.  /init prints "pcvm-guest: init reached"
on ttyS0, runs the commands of one case, prints their results there and
powers off.  Cases, each reported as its own result:

  boot    the kernel reaches the busybox shell, which runs commands
          (uname, shell arithmetic) and prints their results;
  smp     with -smp 2 the guest's /proc/cpuinfo lists 2 processors;
  reboot  `reboot -f` in the guest ends the VMM (because of -no-reboot)
          promptly, with exit status 0;
  virtio-blk  with a raw image on virtio-blk-pci (-drive if=none plus
          -device), the guest loads Debian's virtio_blk module, sees
          /dev/vda of the image's size, reads the pattern the host wrote,
          writes its own with dd (conv=fsync) and reads it back past its
          page cache, lists the ACPI tables it found, and powers off: the
          VMM must exit by itself with status 0 (ACPI S5), and the host
          finds the guest's pattern in the image.
  qcow2   an ext2 file system (holding a busybox) in a raw backing file,
          under two qcow2 overlays qemu-img made: one on virtio-blk, one on
          IDE (Debian's ata_piix and sd_mod). The guest mounts both, runs
          the busybox from the disk, reads the backing file's /hello
          through each, writes files (4 MiB on virtio), unmounts and powers
          off; then qemu-img check finds both overlays clean, debugfs finds
          the guest's files in them, and the backing file is unchanged;
  snapshot  the same overlay on -drive ...,snapshot=on: the guest writes
          and reads back its change, yet the image is unchanged afterwards
          and no temporary overlay is left in $TMPDIR;
  virtio-net  virtio-net-pci on -netdev user (libslirp) with a hostfwd=
          rule: the guest loads Debian's virtio_net, gets 10.0.2.15 by DHCP
          (busybox udhcpc), pings the virtual router 10.0.2.2 and listens
          on its port 8080, where the test connects through the host port
          and sends a line the guest prints back.
  net-hub the same through QEMU's legacy options: -net nic,model=virtio
          and -net user on hub 0.
  net-socket  virtio-net-pci on -netdev socket,connect= to the test, which
          speaks QEMU's length-prefixed framing and answers ARP and ICMP
          echo for 10.0.3.1: the guest pings it.
  balloon with virtio-balloon-pci, the guest loads Debian's virtio_balloon,
          touches 160 MiB and frees it; the host's `balloon 128` (HMP, on
          the console's mux) makes the guest's MemTotal drop by ~128 MiB,
          and the VMM's resident memory drops too (most of the pages the
          driver hands back were touched).
  bochs-drm with -vga std, the guest loads Debian's bochs DRM driver (the
          EDID and DISPI through BAR2, the framebuffer in BAR0), which
          sets the EDID's 1280x800 in 32 bpp and registers /dev/fb0; the
          guest fills it with "y\n" bytes in one write and the host's
          `screendump` (HMP, on the console's mux) is the framebuffer's
          size with every pixel 0x790a79.

All cases run in one test host (tests/functional/nested-host), one after
another.  --direct runs them on this machine instead (for a machine with
hardware KVM; this project's development machines cannot boot a stock kernel
directly).  A guest that has not reached init by the case's time limit is
looked at before it is killed: the VMM's monitor (on the console's mux,
Ctrl-A c) shows the vCPUs' registers a few times, and each RIP is named
from the kernel's System.map (hence nokaslr).  --tap prints TAP for meson.  Exit status: 0 all passed, 1 a case
failed, 77 a prerequisite is missing, 99 the test host failed.
"""

import argparse
import bisect
import json
import os
import re
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.realpath(__file__))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, HERE)
import pcvmtest  # noqa: E402

RESULT_TAG = "@@pcvm-result "
# The case the inner runner is in and its VMM run, for the heartbeat.
PROGRESS = {"case": None, "t0": 0.0, "run": None}
HEARTBEAT = 60
EXIT_STALL = 126  # nested-host: the test host stopped printing

GUEST_INIT = r"""#!/bin/sh
export PATH=/bin
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
echo "pcvm-guest: init reached"
case=
for w in $(cat /proc/cmdline); do
    case "$w" in pcvm.case=*) case=${w#pcvm.case=} ;; esac
done
if [ -f "/cases/$case" ]; then
    . "/cases/$case"
else
    echo "pcvm-guest: unknown case '$case'"
fi
echo "pcvm-guest: poweroff"
poweroff -f
sleep 60
"""

CASE_SCRIPTS = {
    "boot": r"""
echo "pcvm-guest: uname $(uname -s -r -m)"
echo "pcvm-guest: arith $((6 * 7))"
echo "pcvm-guest: done"
""",
    "smp": r"""
echo "pcvm-guest: processors $(grep -c ^processor /proc/cpuinfo)"
echo "pcvm-guest: online $(cat /sys/devices/system/cpu/online)"
echo "pcvm-guest: done"
""",
    "virtio-blk": r"""
for m in $(cat /modules/order-virtio-blk); do insmod /modules/$m || echo "pcvm-guest: insmod $m failed"; done
n=0
while [ ! -b /dev/vda ] && [ $n -lt 50 ]; do sleep 0.2; n=$((n + 1)); done
echo "pcvm-guest: vda-sectors $(cat /sys/block/vda/size 2>/dev/null)"
echo "pcvm-guest: host-pattern $(dd if=/dev/vda bs=512 count=1 2>/dev/null | head -c 18)"
yes pcvm-guest-pattern | head -c 1048576 > /tmp/pattern
dd if=/tmp/pattern of=/dev/vda bs=65536 seek=16 conv=fsync 2>/dev/null
echo 3 > /proc/sys/vm/drop_caches
want=$(md5sum < /tmp/pattern)
got=$(dd if=/dev/vda bs=65536 skip=16 count=16 2>/dev/null | md5sum)
[ "$want" = "$got" ] && echo "pcvm-guest: readback ok" || echo "pcvm-guest: readback differs"
echo "pcvm-guest: acpi-tables $(ls /sys/firmware/acpi/tables 2>/dev/null | tr '\n' ' ')"
echo "pcvm-guest: done"
""",
    "balloon": r"""
for m in $(cat /modules/order-balloon); do insmod /modules/$m || echo "pcvm-guest: insmod $m failed"; done
# MemTotal into $now and the uptime's seconds into $up, without a fork
# (the wait below is bounded by time, however slow the guest runs)
memtotal() { while read k v _; do [ "$k" = MemTotal: ] && now=$v && return; done < /proc/meminfo; }
uptime_s() { read up _ < /proc/uptime; up=${up%.*}; }
mkdir -p /mnt && mount -t tmpfs -o size=200m tmpfs /mnt
dd if=/dev/zero of=/mnt/fill bs=1048576 count=160 2>/dev/null
rm /mnt/fill
memtotal
before=$now
echo "pcvm-guest: memtotal-before $before"
echo "pcvm-guest: balloon-ready"
uptime_s
start=$up
while [ $up -lt $((start + 120)) ]; do
    memtotal
    [ $now -le $((before - 125 * 1024)) ] && break
    sleep 0.2
    uptime_s
done
echo "pcvm-guest: balloon-seconds $((up - start))"
echo "pcvm-guest: memtotal-after $now"
echo "pcvm-guest: done"
""",
    "bochs-drm": r"""
for m in $(cat /modules/order-bochs-drm); do insmod /modules/$m || echo "pcvm-guest: insmod $m failed"; done
n=0
while [ ! -e /dev/fb0 ] && [ $n -lt 100 ]; do sleep 0.2; n=$((n + 1)); done
echo "pcvm-guest: drm-driver $(basename "$(readlink /sys/class/drm/card0/device/driver)")"
size=$(cat /sys/class/graphics/fb0/virtual_size 2>/dev/null)
echo "pcvm-guest: fb-size $size"
echo "pcvm-guest: fb-bpp $(cat /sys/class/graphics/fb0/bits_per_pixel 2>/dev/null)"
w=${size%,*}
h=${size#*,}
# One write(): the 6.1 fbdev emulation can lose the damage of writes that
# arrive while it copies an earlier one to video memory.
yes | head -c $((w * h * 4)) > /tmp/picture
dd if=/tmp/picture of=/dev/fb0 bs=$((w * h * 4)) count=1 2>/dev/null
rm /tmp/picture
sleep 1
echo "pcvm-guest: fb-written"
n=0
while [ ! -e /tmp/dumped ] && [ $n -lt 100 ]; do
    read -t 1 line && [ "$line" = dumped ] && touch /tmp/dumped
    n=$((n + 1))
done
echo "pcvm-guest: done"
""",
    "qcow2": r"""
for m in $(cat /modules/order-qcow2); do insmod /modules/$m 2>/dev/null || echo "pcvm-guest: insmod $m failed"; done
n=0
while { [ ! -b /dev/vda ] || [ ! -b /dev/sda ]; } && [ $n -lt 100 ]; do sleep 0.2; n=$((n + 1)); done
mkdir -p /v /s
mount -t ext2 /dev/vda /v && mount -t ext2 /dev/sda /s && echo "pcvm-guest: mounted"
echo "pcvm-guest: from-disk $(/v/bin/busybox sh -c 'echo ran $((6 * 7))')"
echo "pcvm-guest: vda-hello $(cat /v/hello)"
echo "pcvm-guest: sda-hello $(cat /s/hello)"
echo pcvm-wrote-vda > /v/written
echo pcvm-wrote-sda > /s/written
dd if=/dev/urandom of=/v/big bs=65536 count=64 2>/dev/null
echo "pcvm-guest: big-md5 $(md5sum < /v/big | cut -d' ' -f1)"
sync
umount /v && umount /s && echo "pcvm-guest: unmounted"
echo "pcvm-guest: done"
""",
    "snapshot": r"""
for m in $(cat /modules/order-snapshot); do insmod /modules/$m 2>/dev/null || echo "pcvm-guest: insmod $m failed"; done
n=0
while [ ! -b /dev/vda ] && [ $n -lt 100 ]; do sleep 0.2; n=$((n + 1)); done
mkdir -p /v
mount -t ext2 /dev/vda /v && echo "pcvm-guest: mounted"
echo "pcvm-guest: vda-hello $(cat /v/hello)"
dd if=/dev/urandom of=/v/big bs=65536 count=64 2>/dev/null
echo changed > /v/hello
sync
echo "pcvm-guest: vda-hello-now $(cat /v/hello)"
umount /v && echo "pcvm-guest: unmounted"
echo "pcvm-guest: done"
""",
    "virtio-net": r"""
for m in $(cat /modules/order-virtio-net); do insmod /modules/$m || echo "pcvm-guest: insmod $m failed"; done
n=0
while [ ! -e /sys/class/net/eth0 ] && [ $n -lt 50 ]; do sleep 0.2; n=$((n + 1)); done
echo "pcvm-guest: mac $(cat /sys/class/net/eth0/address 2>/dev/null)"
ip link set lo up
ip link set eth0 up
lease=$(udhcpc -i eth0 -n -q -t 10 -T 1 -s /bin/true 2>&1 | grep -o 'lease of [0-9.]* obtained' | head -n 1)
echo "pcvm-guest: dhcp $lease"
ip addr add 10.0.2.15/24 dev eth0
ip route add default via 10.0.2.2
ping -c 2 -W 5 10.0.2.2 >/dev/null 2>&1 && echo "pcvm-guest: ping ok" || echo "pcvm-guest: ping failed"
nc -l -p 8080 > /tmp/got &
sleep 0.5
echo "pcvm-guest: net-ready"
n=0
while [ ! -s /tmp/got ] && [ $n -lt 100 ]; do sleep 0.2; n=$((n + 1)); done
sleep 0.5
echo "pcvm-guest: hostfwd $(cat /tmp/got)"
echo "pcvm-guest: done"
""",
    "reboot": r"""
echo "pcvm-guest: rebooting"
reboot -f
sleep 30
echo "pcvm-guest: still running after reboot -f"
""",
}

# name: vCPUs
CASES = {"boot": 1, "smp": 2, "reboot": 1, "virtio-blk": 1, "balloon": 1,
         "qcow2": 1, "snapshot": 1,
         "virtio-net": 1, "net-hub": 1,
         "bochs-drm": 1}
CASE_SCRIPTS["net-hub"] = CASE_SCRIPTS["virtio-net"].replace(
    "order-virtio-net", "order-net-hub")
CASES["net-socket"] = 1
CASE_SCRIPTS["net-socket"] = r"""
for m in $(cat /modules/order-net-socket); do insmod /modules/$m || echo "pcvm-guest: insmod $m failed"; done
n=0
while [ ! -e /sys/class/net/eth0 ] && [ $n -lt 50 ]; do sleep 0.2; n=$((n + 1)); done
ip link set eth0 up
ip addr add 10.0.3.15/24 dev eth0
ping -c 3 -W 5 10.0.3.1 >/dev/null 2>&1 && echo "pcvm-guest: ping ok" || echo "pcvm-guest: ping failed"
echo "pcvm-guest: done"
"""

# virtio-blk: the image the guest sees, and the patterns on it
VBLK_SIZE = 64 << 20
HOST_PATTERN = b"pcvm-host-pattern\n"
GUEST_PATTERN = (b"pcvm-guest-pattern\n" * (1048576 // 19 + 1))[:1048576]
GUEST_PATTERN_AT = 16 * 65536
# Modules each case loads (with their dependencies, found in modules.dep).
CASE_MODULES = {"virtio-blk": ["virtio_pci", "virtio_blk"],
                "balloon": ["virtio_pci", "virtio_balloon"],
                "qcow2": ["virtio_pci", "virtio_blk", "ata_piix", "sd_mod", "crc32c_generic",
                          "ext4"],
                "snapshot": ["virtio_pci", "virtio_blk", "crc32c_generic", "ext4"],
                "virtio-net": ["virtio_pci", "virtio_net"],
                "net-hub": ["virtio_pci", "virtio_net"],
                "net-socket": ["virtio_pci", "virtio_net"],
                "bochs-drm": ["bochs"]}
# net-socket: the test's end of the link
NET_PEER_IP = bytes([10, 0, 3, 1])
NET_PEER_MAC = bytes([0x52, 0x54, 0x00, 0xfe, 0xed, 0x01])
# virtio-net: the host port forwarded to the guest's 8080, and the line sent
NET_HOST_PORT = 18080
NET_LINE = b"pcvm-hostfwd-ok"
NET_MAC = "52:54:00:12:34:99"
# qcow2, snapshot: an ext2 file system (with the guest's busybox, which the
# guest runs from it) in a raw backing file, under qcow2 overlays
QCOW2_FS_MB = 32
QCOW2_HELLO = "pcvm-hello-from-the-backing-file"
# Kernel command-line words a case adds (no fbcon cursor over the picture).
CASE_APPEND = {"bochs-drm": "vt.global_cursor_default=0"}
# bochs-drm: what "y\n" bytes are as 32-bit XRGB pixels.
BOCHS_PIXEL = 0x790a79
# balloon: the guest's target, and how far the VMM's resident memory
# must fall (of the 128 MiB the driver hands back, most were touched)
BALLOON_TARGET_MB = 128
BALLOON_RSS_DROP_MB = 64

# Once the guest asked for power-off, the VMM gets this long to exit by
# itself before it is killed (power-off is not what these cases test).
POWEROFF_GRACE = 10
# "promptly" for reboot: seconds from the guest's last line to the VMM's exit.
REBOOT_PROMPT = 20


def guest_initrd(dest, busybox, kernel, root="/"):
    """The guest's initramfs: /init, the case scripts, and the kernel's
    modules each case needs under /modules (their load order in
    /modules/order-CASE) when the kernel's module tree is under root.
    Returns (path, the cases whose modules are in)."""
    files = {"init": (GUEST_INIT.encode(), 0o755)}
    for name, text in CASE_SCRIPTS.items():
        files[f"cases/{name}"] = (text.encode(), 0o644)
    mdir = os.path.join(root, "lib", "modules", pcvmtest.kernel_version(kernel) or "-")
    ready = set()
    for case, wanted in CASE_MODULES.items():
        try:
            mods = pcvmtest.module_load_order(mdir, wanted)
        except (OSError, LookupError):
            mods = []
        names = []
        try:
            for m in mods:
                base = re.sub(r"\.(xz|gz|zst)$", "", os.path.basename(m))
                files[f"modules/{base}"] = (pcvmtest.read_module(os.path.join(mdir, m)),
                                            0o644)
                names.append(base)
        except OSError:
            # listed in modules.dep but not in the tree (a partial i386
            # fetch): the case is skipped, not the whole run
            mods = []
        files[f"modules/order-{case}"] = ("".join(n + "\n" for n in names).encode(), 0o644)
        if mods:
            ready.add(case)
    return pcvmtest.build_initramfs(dest, files, busybox), ready


def sha256(path):
    import hashlib
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def qcow2_setup(case, workdir, busybox):
    """The raw ext2 backing file and its overlays (made by qemu-img)."""
    tree = os.path.join(workdir, f"{case}-tree")
    subprocess.run(["rm", "-rf", tree], check=True)
    os.makedirs(os.path.join(tree, "bin"))
    with open(os.path.join(tree, "hello"), "w") as f:
        f.write(QCOW2_HELLO + "\n")
    subprocess.run(["cp", busybox, os.path.join(tree, "bin", "busybox")], check=True)
    base = os.path.join(workdir, f"{case}-base.raw")
    if os.path.exists(base):
        os.unlink(base)
    subprocess.run(["mke2fs", "-q", "-F", "-t", "ext2", "-d", tree, base,
                    f"{QCOW2_FS_MB}M"], check=True)
    overlays = []
    for name in (("vda", "sda") if case == "qcow2" else ("vda",)):
        ov = os.path.join(workdir, f"{case}-{name}.qcow2")
        subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", "-b", base, "-F", "raw",
                        ov], check=True)
        overlays.append(ov)
    info = {"base": base, "base_sha": sha256(base), "overlays": overlays,
            "overlay_sha": [sha256(o) for o in overlays],
            "tmpdir": os.path.join(workdir, f"{case}-tmp")}
    subprocess.run(["rm", "-rf", info["tmpdir"]], check=True)
    os.makedirs(info["tmpdir"])
    if case == "qcow2":
        args = ["-drive", f"file={overlays[0]},format=qcow2,if=none,id=vd0",
                "-device", "virtio-blk-pci,drive=vd0",
                "-drive", f"file={overlays[1]},format=qcow2,if=ide,index=0"]
    else:
        args = ["-drive", f"file={overlays[0]},if=virtio,snapshot=on"]
    return args, info


def fs_file(image, path, workdir):
    """A file's bytes from the ext2 file system inside a qcow2 image."""
    raw = image + ".raw"
    subprocess.run(["qemu-img", "convert", "-O", "raw", image, raw], check=True)
    p = subprocess.run(["debugfs", "-R", f"cat {path}", raw], capture_output=True)
    os.unlink(raw)
    return p.stdout


def check_qcow2(case, text, info, run, problems):
    import hashlib
    if line_value(text, "vda-hello") != QCOW2_HELLO:
        problems.append("the guest did not read the backing file's /hello through the overlay")
    if run.killed or run.returncode != 0:
        problems.append(f"VMM did not exit by itself with status 0 (status {run.returncode})")
    if sha256(info["base"]) != info["base_sha"]:
        problems.append("the raw backing file changed")
    if line_value(text, "unmounted") is None and "pcvm-guest: unmounted" not in text:
        problems.append("the guest could not unmount its file systems")
    if case == "snapshot":
        if line_value(text, "vda-hello-now") != "changed":
            problems.append("the guest's write did not read back under snapshot=on")
        if sha256(info["overlays"][0]) != info["overlay_sha"][0]:
            problems.append("snapshot=on: the image changed")
        left = os.listdir(info["tmpdir"])
        if left:
            problems.append(f"snapshot=on left temporary files: {left}")
        return
    if line_value(text, "from-disk") != "ran 42":
        problems.append("the guest did not run the busybox on its qcow2 disk")
    if line_value(text, "sda-hello") != QCOW2_HELLO:
        problems.append("the guest did not read /hello through the IDE disk's overlay")
    for ov, want in zip(info["overlays"], ("pcvm-wrote-vda", "pcvm-wrote-sda")):
        p = subprocess.run(["qemu-img", "check", ov], capture_output=True, text=True)
        if p.returncode != 0:
            problems.append(f"qemu-img check {os.path.basename(ov)}: exit {p.returncode}: "
                            + (p.stdout + p.stderr).strip().replace("\n", " / "))
            continue
        if fs_file(ov, "/written", os.path.dirname(ov)).decode().strip() != want:
            problems.append(f"{os.path.basename(ov)} does not hold the guest's /written")
    big = fs_file(info["overlays"][0], "/big", os.path.dirname(info["overlays"][0]))
    if hashlib.md5(big).hexdigest() != line_value(text, "big-md5"):
        problems.append("the 4 MiB file the guest wrote differs in the image")


def case_setup(case, workdir, busybox=None):
    """Extra VMM arguments of a case, and what it left for the checks."""
    if case in ("qcow2", "snapshot"):
        return qcow2_setup(case, workdir, busybox)
    if case == "balloon":
        return ["-device", "virtio-balloon-pci"], None
    if case == "virtio-net":
        return ["-netdev", f"user,id=n0,hostfwd=tcp:127.0.0.1:{NET_HOST_PORT}-:8080",
                "-device", f"virtio-net-pci,netdev=n0,mac={NET_MAC}"], None
    if case == "net-socket":
        import socket
        lsock = socket.socket()
        lsock.bind(("127.0.0.1", 0))
        lsock.listen(1)
        port = lsock.getsockname()[1]
        return ["-netdev", f"socket,id=n0,connect=127.0.0.1:{port}",
                "-device", f"virtio-net-pci,netdev=n0,mac={NET_MAC}"], lsock
    if case == "net-hub":
        return ["-net", f"nic,model=virtio,macaddr={NET_MAC}",
                "-net", f"user,hostfwd=tcp:127.0.0.1:{NET_HOST_PORT}-:8080"], None
    if case == "bochs-drm":
        return ["-vga", "std"], os.path.join(workdir, "bochs-drm.ppm")
    if case != "virtio-blk":
        return [], None
    image = os.path.join(workdir, "virtio-blk.img")
    with open(image, "wb") as f:
        f.write(HOST_PATTERN)
        f.truncate(VBLK_SIZE)
    return ["-drive", f"file={image},format=raw,if=none,id=vd0",
            "-device", "virtio-blk-pci,drive=vd0"], image


def vmm_rss_mb(pid):
    """The VMM's resident memory (VmRSS) in MiB, or None."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return None


def balloon_inflate(run, timeout, rss):
    """Once the guest is ready: 'balloon TARGET' on the monitor (the
    console's mux), with the VMM's resident memory before and after the
    guest's MemTotal fell (rss: a dict that gets 'before' and 'after')."""
    if not run.wait_for("balloon-ready", timeout):
        return
    rss["before"] = vmm_rss_mb(run.pid)
    run.send(b"\x01c")
    run.send(f"balloon {BALLOON_TARGET_MB}\n".encode())
    run.send(b"\x01c")
    if run.wait_for("done", timeout):
        rss["after"] = vmm_rss_mb(run.pid)


def ip_checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(int.from_bytes(data[i:i + 2], "big") for i in range(0, len(data), 2))
    while total >> 16:
        total = (total & 0xffff) + (total >> 16)
    return (~total) & 0xffff


def peer_answer(frame):
    """The test's reply to a guest frame: ARP for NET_PEER_IP, ICMP echo."""
    if len(frame) >= 42 and frame[12:14] == b"\x08\x06" and frame[20:22] == b"\x00\x01" \
            and frame[38:42] == NET_PEER_IP:
        arp = frame[14:20] + b"\x00\x02"  # the same header, a reply
        arp += NET_PEER_MAC + NET_PEER_IP + frame[22:28] + frame[28:32]
        return frame[6:12] + NET_PEER_MAC + b"\x08\x06" + arp
    if len(frame) >= 42 and frame[12:14] == b"\x08\x00" and frame[23] == 1 \
            and frame[30:34] == NET_PEER_IP:
        ihl = (frame[14] & 0xf) * 4
        ip = bytearray(frame[14:14 + ihl])
        ip[12:16], ip[16:20] = frame[30:34], frame[26:30]
        icmp = bytearray(frame[14 + ihl:])
        if icmp[0] != 8:
            return None
        icmp[0] = 0
        icmp[2:4] = b"\0\0"
        icmp[2:4] = ip_checksum(bytes(icmp)).to_bytes(2, "big")
        return frame[6:12] + NET_PEER_MAC + b"\x08\x00" + bytes(ip) + bytes(icmp)
    return None


def net_peer(lsock, stats):
    """Serves the pcvm end that connects to lsock: frames framed as QEMU's
    socket backend frames them, answered by peer_answer."""
    lsock.settimeout(60)
    try:
        conn, _ = lsock.accept()
    except OSError:
        return
    buf = b""
    conn.settimeout(1)
    while not stats.get("stop"):
        try:
            data = conn.recv(65536)
        except OSError:
            continue
        if not data:
            break
        buf += data
        while len(buf) >= 4 and len(buf) >= 4 + int.from_bytes(buf[:4], "big"):
            n = int.from_bytes(buf[:4], "big")
            frame, buf = buf[4:4 + n], buf[4 + n:]
            stats["frames"] = stats.get("frames", 0) + 1
            reply = peer_answer(frame)
            if reply:
                stats["replies"] = stats.get("replies", 0) + 1
                conn.sendall(len(reply).to_bytes(4, "big") + reply)
    conn.close()


def net_connect(run, timeout):
    """Once the guest listens: a connection to the forwarded host port
    carrying NET_LINE."""
    import socket
    if not run.wait_for("net-ready", timeout):
        return
    for _ in range(20):
        try:
            with socket.create_connection(("127.0.0.1", NET_HOST_PORT), timeout=10) as c:
                c.sendall(NET_LINE + b"\n")
                time.sleep(1)
            return
        except OSError:
            time.sleep(0.5)


def check_virtio_net(text, problems):
    if line_value(text, "mac") != NET_MAC:
        problems.append(f"guest eth0 MAC {line_value(text, 'mac')!r}, expected {NET_MAC}")
    if line_value(text, "dhcp") != "lease of 10.0.2.15 obtained":
        problems.append(f"guest DHCP: {line_value(text, 'dhcp')!r}")
    if line_value(text, "ping") != "ok":
        problems.append("guest could not ping 10.0.2.2")
    if line_value(text, "hostfwd") != NET_LINE.decode():
        problems.append(f"guest received {line_value(text, 'hostfwd')!r} through hostfwd, "
                        f"expected {NET_LINE.decode()!r}")
def bochs_screendump(run, timeout, path):
    """Once the guest filled /dev/fb0: 'screendump PATH' on the monitor
    (the console's mux), then tells the guest it may power off."""
    if os.path.exists(path):
        os.unlink(path)
    if not run.wait_for("fb-written", timeout):
        return
    run.send(b"\x01c")
    # A few bytes at a time: the monitor's line editor takes what the mux
    # hands it, and a long line in one write loses its tail.
    line = f"screendump {path}\n".encode()
    for i in range(0, len(line), 8):
        run.send(line[i:i + 8])
        time.sleep(0.05)
    run.send(b"\x01c")
    end = time.monotonic() + 20
    while not os.path.exists(path) and time.monotonic() < end:
        time.sleep(0.2)
    time.sleep(0.5)
    run.send(b"dumped\n")


def check_bochs_drm(text, path, problems):
    """The driver, the framebuffer's geometry, and the screendump."""
    driver = line_value(text, "drm-driver")
    if driver != "bochs-drm":
        problems.append(f"card0's driver is {driver!r}, not bochs-drm")
        return
    size = line_value(text, "fb-size") or ""
    try:
        w, h = (int(v) for v in size.split(","))
    except ValueError:
        problems.append(f"no framebuffer size ({size!r})")
        return
    if line_value(text, "fb-bpp") != "32":
        problems.append(f"fb0 has {line_value(text, 'fb-bpp')} bits per pixel")
    if not os.path.exists(path):
        problems.append("no screendump file")
        return
    fields = open(path, "rb").read().split(maxsplit=4)
    if fields[:4] != [b"P6", str(w).encode(), str(h).encode(), b"255"]:
        problems.append(f"screendump header {fields[:4]}, fb0 is {w}x{h}")
        return
    rgb, want = fields[4][:w * h * 3], BOCHS_PIXEL.to_bytes(3, "big") * (w * h)
    if rgb != want:
        bad = next((i for i in range(0, len(want), 3) if rgb[i:i + 3] != want[i:i + 3]), 0)
        problems.append(f"pixel ({bad // 3 % w}, {bad // 3 // w}) is "
                        f"{rgb[bad:bad + 3].hex()}, not {BOCHS_PIXEL:06x}")


def check_balloon(text, rss, problems):
    try:
        before = int(line_value(text, "memtotal-before"))
        after = int(line_value(text, "memtotal-after"))
    except (TypeError, ValueError):
        problems.append("no MemTotal lines from the guest")
        return
    drop = (before - after) / 1024
    if drop < BALLOON_TARGET_MB - 3:
        problems.append(f"guest MemTotal fell by {drop:.0f} MiB in "
                        f"{line_value(text, 'balloon-seconds')} s after balloon "
                        f"{BALLOON_TARGET_MB} (of 256), expected ~{256 - BALLOON_TARGET_MB}")
    if rss.get("before") is None or rss.get("after") is None:
        problems.append("VMM resident memory not measured")
    elif rss["before"] - rss["after"] < BALLOON_RSS_DROP_MB:
        problems.append(f"VMM resident memory {rss['before']:.0f} -> {rss['after']:.0f} MiB, "
                        f"expected a drop of at least {BALLOON_RSS_DROP_MB} MiB")


def check_virtio_blk(text, image, run, problems):
    sectors = line_value(text, "vda-sectors")
    if sectors != str(VBLK_SIZE // 512):
        problems.append(f"guest /sys/block/vda/size {sectors!r}, expected {VBLK_SIZE // 512}")
    if line_value(text, "host-pattern") != HOST_PATTERN.decode().strip():
        problems.append("guest did not read the host's pattern from sector 0")
    if line_value(text, "readback") != "ok":
        problems.append("guest's pattern read back differs from what it wrote")
    tables = (line_value(text, "acpi-tables") or "").split()
    for t in ("FACP", "APIC", "DSDT"):
        if t not in tables:
            problems.append(f"guest found no ACPI {t} table (has: {' '.join(tables) or 'none'})")
    if run.killed or run.returncode != 0:
        problems.append("VMM did not exit by itself with status 0 after the guest's poweroff "
                        f"(status {run.returncode}, killed {run.killed})")
    with open(image, "rb") as f:
        f.seek(GUEST_PATTERN_AT)
        if f.read(len(GUEST_PATTERN)) != GUEST_PATTERN:
            problems.append("the image does not hold the guest's pattern at 1 MiB")


# Linux calibrates the local APIC timer against PIT interrupts and checks
# the result with the ACPI PM timer, which pcvm's direct boot now describes
# in its FADT as QEMU's firmware does. (Without a PM timer the test host's
# late, bunched PIT ticks made that check hang about one first boot in four,
# which is why this line once carried noapictimer.)
APPEND = "console=ttyS0 quiet nokaslr panic=-1"


def vmm_command(vmm, kernel, initrd, case, smp, extra):
    append = " ".join(w for w in (APPEND, CASE_APPEND.get(case), f"pcvm.case={case}") if w)
    return [vmm, "-accel", "kvm", "-m", "256", "-nographic", "-no-reboot",
            "-smp", str(smp), "-kernel", kernel, "-initrd", initrd,
            "-append", append] + extra


def line_value(text, key):
    """Value after 'pcvm-guest: KEY ' in the guest output, or None."""
    for line in text.split("\n"):
        i = line.find(f"pcvm-guest: {key} ")
        if i >= 0:
            return line[i + len(f"pcvm-guest: {key} "):].strip()
    return None


def kernel_symbols(kernel):
    """(addresses, names) of the text symbols in the System.map beside
    kernel (/boot/vmlinuz-V -> /boot/System.map-V), sorted; empty if none."""
    path = os.path.join(os.path.dirname(kernel),
                        os.path.basename(kernel).replace("vmlinuz-", "System.map-"))
    syms = []
    try:
        with open(path) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 3 and parts[1] in "tTwW":
                    syms.append((int(parts[0], 16), parts[2]))
    except (OSError, ValueError):
        return [], []
    syms.sort()
    return [a for a, _ in syms], [n for _, n in syms]


def symbolize(addr, symbols):
    addrs, names = symbols
    i = bisect.bisect_right(addrs, addr) - 1
    if i < 0:
        return "?"
    return f"{names[i]}+0x{addr - addrs[i]:x}"


def diagnose_hang(run, kernel, smp):
    """Where a guest that stopped making progress is: the monitor's 'info
    registers' for each vCPU, three times a second apart; one line per
    sample with RIP (named from System.map), RFL and CR0."""
    symbols = kernel_symbols(kernel)
    start = len(run.output)
    try:
        run.send(b"\x01c")  # the mux: console -> monitor
        for _ in range(3):
            for cpu in range(smp):
                run.send(f"cpu {cpu}\ninfo registers\n".encode())
            run.drain(1.0)
    except OSError as e:
        return [f"monitor not reachable: {e}"]
    text = bytes(run.output[start:]).decode(errors="replace")
    lines = []
    for m in re.finditer(r"[RE]IP=([0-9a-f]+) [RE]FL=([0-9a-f]+)", text):
        rip = int(m.group(1), 16)
        lines.append(f"RIP {rip:x} ({symbolize(rip, symbols)}) RFL {m.group(2)}")
    return lines or ["no registers from the monitor:\n" + pcvmtest.tail(text, 20)]


def run_case(case, vmm, kernel, initrd, timeout, extra, logdir, busybox=None):
    """Runs one case; returns a result dict."""
    smp = CASES[case]
    case_args, image = case_setup(case, logdir, busybox)
    cmd = vmm_command(vmm, kernel, initrd, case, smp, extra + case_args)
    errpath = os.path.join(logdir, f"{case}.stderr")
    env = None
    if case == "snapshot":
        env = dict(os.environ, TMPDIR=image["tmpdir"])
    run = PROGRESS["run"] = pcvmtest.SerialRun(cmd, stderr_path=errpath, stdin=True, env=env, events={
        "init": rb"pcvm-guest: init reached",
        "done": rb"pcvm-guest: done",
        "rebooting": rb"pcvm-guest: rebooting",
        "balloon-ready": rb"pcvm-guest: balloon-ready",
        "net-ready": rb"pcvm-guest: net-ready",
        "fb-written": rb"pcvm-guest: fb-written",
        "poweroff": rb"pcvm-guest: poweroff",
        "panic": rb"Kernel panic",
    })
    res = {"name": case, "status": "fail", "detail": ""}
    hang = []
    rss = {}
    peer = {}
    if case == "net-socket":
        import threading
        threading.Thread(target=net_peer, args=(image, peer), daemon=True).start()
    try:
        if case == "balloon":
            balloon_inflate(run, timeout, rss)
        if case in ("virtio-net", "net-hub"):
            net_connect(run, timeout)
        if case == "bochs-drm":
            bochs_screendump(run, timeout, image)
        last = "rebooting" if case == "reboot" else "poweroff"
        seen = run.wait_for(last, timeout)
        if seen and case == "reboot":
            run.wait_exit(REBOOT_PROMPT)
        elif seen:
            run.wait_exit(POWEROFF_GRACE)
        elif not run.exited():
            run.wait_for("panic", 0)
            if "init" not in run.times and not run.exited():
                hang = diagnose_hang(run, kernel, smp)
    finally:
        run.kill()
    text = run.text()
    try:
        with open(errpath, errors="replace") as f:
            stderr = f.read()
    except OSError:
        stderr = ""
    t = run.times
    res["times"] = {"first_byte": run.first_byte, "init": t.get("init"),
                    "exit": run.exit_time}
    timing = []
    if run.first_byte is not None:
        timing.append(f"first byte {run.first_byte:.1f} s")
    if "init" in t:
        timing.append(f"init {t['init']:.1f} s")
    if run.exit_time is not None and not run.killed:
        timing.append(f"exit {run.exit_time:.1f} s, status {run.returncode}")
    elif run.killed:
        timing.append("killed")
    problems = []
    if "init" not in t:
        if run.killed:
            problems.append(f"no 'pcvm-guest: init reached' within {timeout} s")
        else:
            problems.append(f"VMM exited (status {run.returncode}) before init was reached")
    if "panic" in t:
        problems.append("kernel panic")
    if hang:
        problems.append("guest stuck at: " + "; ".join(hang))
    if run.unkillable:
        problems.append(run.unkillable)

    if case == "boot" and "init" in t:
        uname = line_value(text, "uname")
        ver = pcvmtest.kernel_version(kernel)
        if not uname:
            problems.append("no uname line from the guest shell")
        elif ver and ver not in uname:
            problems.append(f"guest runs {uname!r}, expected kernel {ver}")
        if line_value(text, "arith") != "42":
            problems.append("the guest shell did not print its result (arith 42)")
        if "done" not in t:
            problems.append("no 'pcvm-guest: done'")
    if case == "smp" and "init" in t:
        n = line_value(text, "processors")
        if n != "2":
            problems.append(f"guest /proc/cpuinfo lists {n} processors, expected 2")
        online = line_value(text, "online")
        if online != "0-1":
            problems.append(f"guest cpus online {online!r}, expected '0-1'")
    if case == "reboot" and "init" in t:
        if "rebooting" not in t:
            problems.append("guest never reached 'reboot -f'")
        elif run.killed:
            problems.append(f"VMM still running {REBOOT_PROMPT} s after the guest's reboot -f")
        else:
            lag = run.exit_time - t["rebooting"]
            timing.append(f"exit {lag:.2f} s after reboot -f")
            if run.returncode != 0:
                problems.append(f"VMM exit status {run.returncode} after reboot -f, expected 0")
            if "still running after reboot" in text:
                problems.append("reboot -f returned in the guest")
    if case == "virtio-blk" and "init" in t:
        check_virtio_blk(text, image, run, problems)
    if case in ("qcow2", "snapshot") and "init" in t:
        check_qcow2(case, text, image, run, problems)
    if case in ("virtio-net", "net-hub") and "init" in t:
        check_virtio_net(text, problems)
    if case == "net-socket":
        peer["stop"] = True
        image.close()
        if "init" in t and line_value(text, "ping") != "ok":
            problems.append("guest could not ping the test's end of the socket")
        timing.append(f"{peer.get('frames', 0)} frames to the test, "
                      f"{peer.get('replies', 0)} answered")
    if case == "bochs-drm" and "init" in t:
        check_bochs_drm(text, image, problems)
    if case == "balloon" and "init" in t:
        check_balloon(text, rss, problems)
        if rss.get("after") is not None:
            timing.append(f"VMM RSS {rss['before']:.0f} -> {rss['after']:.0f} MiB")
    if case in ("boot", "smp") and not run.killed and run.returncode not in (0, None) \
            and "init" in t:
        problems.append(f"VMM exited with status {run.returncode}")

    if problems:
        res["detail"] = "; ".join(problems) + " (" + ", ".join(timing) + ")"
        res["log"] = ("command: " + " ".join(cmd) + "\n---- guest serial (tail) ----\n"
                      + pcvmtest.tail(text, 50)
                      + "\n---- VMM stderr (tail) ----\n" + pcvmtest.tail(stderr, 20))
    else:
        res["status"] = "pass"
        res["detail"] = ", ".join(timing)
    return res


def host_load():
    """Where the VMM runs: free memory and load, for the heartbeat."""
    avail = "?"
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    avail = f"{int(line.split()[1]) // 1024} MiB"
        with open("/proc/loadavg") as f:
            load = " ".join(f.read().split()[:3])
    except (OSError, ValueError, IndexError):
        load = "?"
    return f"available {avail}, load {load}"


def heartbeat():
    """Every HEARTBEAT s, one line: the case, how long it has run, and the
    VMM console's last line.  A run that outlives its limits then shows
    whether this runner (and the test host) still went on, and where."""
    while True:
        time.sleep(HEARTBEAT)
        case, run = PROGRESS["case"], PROGRESS["run"]
        if case is None:
            continue
        last = ""
        if run is not None:
            tail = bytes(run.output[-300:]).decode(errors="replace").replace("\r", "")
            last = (tail.strip().splitlines() or [""])[-1][-120:]
        print(f"nested-linux-boot: heartbeat: case {case} at "
              f"{time.monotonic() - PROGRESS['t0']:.0f} s, {host_load()}, "
              f"console: {last!r}", flush=True)


def inner_main(a):
    """Runs the cases where the VMM is to run; prints one tagged JSON line
    per case."""
    logdir = pcvmtest.cache_dir("functional", "logs")
    threading.Thread(target=heartbeat, daemon=True).start()
    for case in a.cases:
        print(f"nested-linux-boot: running case {case}", flush=True)
        t0 = time.monotonic()
        PROGRESS.update(case=case, t0=t0, run=None)
        try:
            res = run_case(case, a.vmm, a.kernel, a.initrd, a.case_timeout, a.vmm_arg, logdir,
                           a.busybox)
        except OSError as e:
            res = {"name": case, "status": "fail", "detail": f"cannot run {a.vmm}: {e}"}
        res["wall"] = time.monotonic() - t0
        PROGRESS.update(case=None, run=None)
        print(RESULT_TAG + json.dumps(res), flush=True)
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("vmm", nargs="?", default=os.environ.get("PCVM_TEST_VMM"),
                    help="VMM binary (pcvm or qemu-system-x86_64); default $PCVM_TEST_VMM")
    ap.add_argument("--arch", choices=("amd64", "i386"), default="amd64",
                    help="guest architecture (default amd64); i386 needs fetch-debian-i386")
    ap.add_argument("--kernel", help="guest kernel (default: newest /boot/vmlinuz-*-amd64; "
                    "for i386 the newest *-686-pae fetched by fetch-debian-i386)")
    ap.add_argument("--busybox", help="static busybox for the guest (default /bin/busybox; "
                    "for i386 the one fetched by fetch-debian-i386)")
    ap.add_argument("--initrd", help=argparse.SUPPRESS)
    ap.add_argument("--build-dir", help="where to build the initramfs (default: cache dir)")
    ap.add_argument("--cases", default=",".join(CASES),
                    help="comma-separated subset of: " + ", ".join(CASES))
    ap.add_argument("--case-timeout", type=int, default=240,
                    help="seconds for one guest run (default 240)")
    ap.add_argument("--total-timeout", type=int,
                    help="seconds for the whole run; the test host is stopped before it "
                         "(meson passes its own limit, so that a hung run still reports)")
    ap.add_argument("--vmm-arg", action="append", default=[],
                    help="extra argument for the VMM (repeatable)")
    ap.add_argument("--direct", action="store_true",
                    help="run the VMM on this machine, not in the test host")
    ap.add_argument("--nested-arg", action="append", default=[],
                    help="extra argument for nested-host (repeatable), e.g. --cpu=EPYC,+svm")
    ap.add_argument("--tap", action="store_true", help="print TAP (for meson)")
    ap.add_argument("--verbose", action="store_true", help="print guest output of passing cases")
    ap.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    a.cases = [c for c in a.cases.split(",") if c]
    for c in a.cases:
        if c not in CASES:
            ap.error(f"unknown case {c}")
    if a.inner:
        return inner_main(a)

    rep = pcvmtest.Reporter(tap=a.tap, planned=len(a.cases))
    if not a.vmm:
        return rep.bail("no VMM given (argument or $PCVM_TEST_VMM)")
    vmm = pcvmtest.which(a.vmm)
    if not vmm:
        # the VMM under test missing is a failure, not a skip
        for c in a.cases:
            rep.result(c, "fail", f"VMM {a.vmm} not found")
        return rep.finish()
    if a.arch == "amd64":
        a.kernel = a.kernel or pcvmtest.debian_kernel("amd64")
        if not a.kernel or not os.access(a.kernel, os.R_OK):
            return rep.skip_all("no readable /boot/vmlinuz-*-amd64 (install linux-image-amd64)")
        busybox = pcvmtest.static_busybox(a.busybox)
        if not busybox:
            return rep.skip_all("no static amd64 /bin/busybox (install busybox-static)")
    else:
        root = os.path.join(pcvmtest.cache_dir(), "debian-i386")
        a.kernel = a.kernel or pcvmtest.debian_kernel("686-pae", root)
        busybox = pcvmtest.static_busybox(a.busybox or os.path.join(root, "bin", "busybox"),
                                          "i386")
        if not a.kernel or not busybox:
            return rep.skip_all(f"no i386 kernel and busybox in {root}: run "
                                "tests/functional/fetch-debian-i386 once")
        if os.path.basename(vmm).startswith("qemu-system"):
            # QEMU's kvmvapic answers the guest's TPR writes with a full
            # register sync; KVM reports TR as busy and QEMU writes that
            # back, and the test host's TCG then aborts ("invalid tss type")
            # at the guest's next user-to-kernel interrupt.  See
            # fetch-debian-i386.
            a.vmm_arg = ["-global", "kvm-apic.vapic=off"] + a.vmm_arg
        if not any("npt" in x for x in a.nested_arg):
            # the test host's TCG nested paging hangs a PAE guest early in
            # boot; kvm-amd's shadow paging works (and is ~1.5x slower)
            a.nested_arg = a.nested_arg + ["--append=kvm_amd.npt=0"]
    initrd, ready = guest_initrd(
        os.path.join(a.build_dir or pcvmtest.cache_dir("functional"), a.arch), busybox,
        a.kernel, "/" if a.arch == "amd64" else root)
    for case in CASE_MODULES:
        if case in a.cases and case not in ready:
            a.cases.remove(case)
            rep.result(case, "skip", f"no {' '.join(CASE_MODULES[case])} modules for "
                       f"{a.kernel} (for i386: run tests/functional/fetch-debian-i386 again)")
    if not a.direct and not pcvmtest.which("qemu-system-x86_64"):
        return rep.skip_all("qemu-system-x86_64 missing: the test host needs it "
                            "(install qemu-system-x86)")

    inner = [sys.executable, os.path.realpath(__file__), "--inner", "--kernel", a.kernel,
             "--arch", a.arch, "--busybox", busybox,
             "--initrd", initrd, "--cases", ",".join(a.cases),
             "--case-timeout", str(a.case_timeout)]
    for x in a.vmm_arg:
        inner.append(f"--vmm-arg={x}")
    inner.append(vmm)
    where = "this machine" if a.direct else "test host: nested-host " + " ".join(a.nested_arg)
    rep.note(f"VMM: {vmm} {' '.join(a.vmm_arg)}\nkernel: {a.kernel}\ninitrd: {initrd}\n"
             f"where: {where}")
    t_start = time.monotonic()
    # the test host's boot, then each case to its own limit, with the
    # grace after its last line and the wait for a killed VMM
    per_case = a.case_timeout + max(POWEROFF_GRACE, REBOOT_PROMPT) \
        + pcvmtest.SerialRun.KILL_WAIT

    def host_command(cases, again=False):
        at = inner.index("--cases")
        args = inner[:at] + ["--cases", ",".join(cases)] + inner[at + 2:]
        if a.direct:
            return args, None
        limit = 120 + per_case * len(cases)
        if a.total_timeout:
            # room for the report after the test host is stopped
            left = a.total_timeout - 60 - (time.monotonic() - t_start)
            if again and left < 120 + per_case:
                return None, None
            limit = min(limit, left)
        # the runner's heartbeat comes every HEARTBEAT s: silence for five
        # of them is a test host that stopped, which nested-host stops
        return [os.path.join(HERE, "nested-host"), f"--timeout={limit}",
                f"--stall={5 * HEARTBEAT}"] + a.nested_arg + ["--"] + args, limit

    reported = set()
    other = []

    def run_host(cmd):
        t0 = time.monotonic()
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT)
        for raw in proc.stdout:
            line = raw.decode(errors="replace").rstrip("\r\n")
            if line.startswith(RESULT_TAG):
                r = json.loads(line[len(RESULT_TAG):])
                reported.add(r["name"])
                detail = r.get("detail", "")
                detail += f" [run {r.get('wall', 0):.1f} s]"
                rep.result(r["name"], r["status"], detail, r.get("log"))
                if a.verbose and r.get("log") and r["status"] != "fail":
                    rep.note(r["log"])
            elif line.startswith("nested-linux-boot: running case"):
                rep.note(line)
            else:
                other.append(line)
        rc = proc.wait()
        rep.note(f"wall time {time.monotonic() - t0:.1f} s (test host boot and cases)")
        return rc

    cmd, _ = host_command(a.cases)
    rc = run_host(cmd)
    missing = [c for c in a.cases if c not in reported]
    if rc == EXIT_STALL and missing:
        # The test host itself stopped (no heartbeat; seen about once in
        # twenty runs, in different cases, under TCG's nested SVM): say
        # where, with its vCPUs' registers, and run what is left in a new
        # test host, once.
        rep.note("the test host stopped during case " + missing[0]
                 + "; its diagnostics:\n" + "\n".join(other[-100:]))
        other.clear()
        cmd, _ = host_command(missing, again=True)
        if cmd:
            rep.note("running " + ", ".join(missing) + " again in a new test host")
            rc = run_host(cmd)
            missing = [c for c in a.cases if c not in reported]
        else:
            rc = 124
    if rc == EXIT_STALL:
        rc = 124
    if missing and rc != 124:
        why = "test host failed" if rc == 125 else "case runner failed"
        rep.note("\n".join(other[-60:]))
        if not a.tap:
            for c in missing:
                rep.result(c, "fail", f"not run: {why} (status {rc})")
            rep.finish()
            return pcvmtest.EXIT_HARD_ERROR
        return rep.bail(f"{why} (status {rc})")
    for c in missing:
        rep.result(c, "fail", "time limit of the test host run reached", "\n".join(other[-120:]))
    return rep.finish()


if __name__ == "__main__":
    sys.exit(main())

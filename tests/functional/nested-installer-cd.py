#!/usr/bin/env python3
"""Boots an installer-style CD through SeaBIOS and GRUB, inside the test host.

    nested-installer-cd.py [--tap] [--build-dir DIR] [--direct] VMM

The test makes, on this machine:
  * an ISO with grub-mkrescue (GRUB for BIOS, on COM1) holding Debian's
    amd64 kernel and a busybox initramfs with the kernel's own ata_piix,
    sr_mod, sd_mod and ext4 modules;
  * an ext2 disk image (mke2fs -d) holding a file with a random token.
Then, inside the test host (tests/functional/nested-host), the VMM boots

    VMM -accel kvm -m 256 -nographic -no-reboot -boot d \\
        -cdrom ISO -drive file=DISK,format=raw,if=ide,index=0

the way a user starts an installer: SeaBIOS boots the IDE CD-ROM (El
Torito), GRUB loads the kernel and initramfs from the CD, the guest loads
its IDE driver, mounts the disk, prints the file and runs `poweroff -f`,
which powers off through ACPI (PIIX4 PM, S5). Results:

  boot      the kernel from the CD reaches the initramfs shell
  disk      the guest reads the token back from the ext2 disk
  cdrom     the guest sees its boot CD-ROM (/dev/sr0) and reads it
  poweroff  the VMM exits by itself with status 0 after the guest's poweroff

--direct runs the VMM on this machine (hardware KVM only).
"""

import argparse
import json
import lzma
import os
import secrets
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.realpath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, HERE)
import pcvmtest  # noqa: E402

RESULT_TAG = "@@pcvm-result "
CASES = ["boot", "disk", "cdrom", "poweroff"]
MODULES = ["ata_piix", "sr_mod", "sd_mod", "ext4", "isofs", "crc32c_generic"]
TIMEOUT = 300

GUEST_INIT = r"""#!/bin/sh
export PATH=/bin
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
echo "pcvm-guest: init reached"
for m in $(cat /modules/order); do insmod /modules/$m.ko || echo "pcvm-guest: insmod $m failed"; done
i=0
while [ ! -b /dev/sda -o ! -b /dev/sr0 ] && [ $i -lt 30 ]; do sleep 1; i=$((i + 1)); done
mkdir -p /mnt/disk /mnt/cd
if mount -t ext2 -o ro /dev/sda /mnt/disk; then
    echo "pcvm-guest: file $(cat /mnt/disk/token.txt)"
else
    echo "pcvm-guest: mount of /dev/sda failed"
fi
if mount -t iso9660 -o ro /dev/sr0 /mnt/cd; then
    echo "pcvm-guest: cdrom $(ls /mnt/cd/boot | tr '\n' ' ')"
else
    echo "pcvm-guest: mount of /dev/sr0 failed"
fi
echo "pcvm-guest: poweroff"
poweroff -f
sleep 60
echo "pcvm-guest: still running after poweroff"
"""

GRUB_CFG = """serial --unit=0 --speed=115200
terminal_input serial
terminal_output serial
set timeout=0
menuentry "pcvm test installer" {
    linux /boot/vmlinuz console=ttyS0 quiet panic=-1
    initrd /boot/initrd.img
}
"""


def module_files(kver):
    """The .ko files for MODULES and their dependencies, in load order."""
    base = f"/lib/modules/{kver}"
    deps = {}
    with open(os.path.join(base, "modules.dep")) as f:
        for line in f:
            path, _, rest = line.partition(":")
            deps[path] = rest.split()
    by_name = {}
    for path in deps:
        name = os.path.basename(path).split(".ko")[0].replace("-", "_")
        by_name[name] = path
    order = []

    def visit(path):
        for d in deps.get(path, []):
            visit(d)
        if path not in order:
            order.append(path)

    for m in MODULES:
        if m in by_name:
            visit(by_name[m])
    files = {}
    names = []
    for path in order:
        with open(os.path.join(base, path), "rb") as f:
            data = f.read()
        if path.endswith(".xz"):
            data = lzma.decompress(data)
        name = os.path.basename(path).split(".ko")[0]
        files[f"modules/{name}.ko"] = (data, 0o644)
        names.append(name)
    files["modules/order"] = ("\n".join(names).encode() + b"\n", 0o644)
    return files


def build_artifacts(build_dir, kernel, busybox, token):
    kver = pcvmtest.kernel_version(kernel)
    files = {"init": (GUEST_INIT.encode(), 0o755)}
    files.update(module_files(kver))
    initrd = pcvmtest.build_initramfs(os.path.join(build_dir, "initrd"), files, busybox)
    stage = os.path.join(build_dir, "iso-root")
    shutil.rmtree(stage, ignore_errors=True)
    os.makedirs(os.path.join(stage, "boot", "grub"))
    shutil.copy(kernel, os.path.join(stage, "boot", "vmlinuz"))
    shutil.copy(initrd, os.path.join(stage, "boot", "initrd.img"))
    with open(os.path.join(stage, "boot", "grub", "grub.cfg"), "w") as f:
        f.write(GRUB_CFG)
    iso = os.path.join(build_dir, "installer.iso")
    subprocess.run(["grub-mkrescue", "-o", iso, stage], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    content = os.path.join(build_dir, "disk-root")
    shutil.rmtree(content, ignore_errors=True)
    os.makedirs(content)
    with open(os.path.join(content, "token.txt"), "w") as f:
        f.write(token + "\n")
    disk = os.path.join(build_dir, "disk.img")
    if os.path.exists(disk):
        os.unlink(disk)
    subprocess.run(["mke2fs", "-q", "-t", "ext2", "-d", content, "-F", disk, "16M"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return iso, disk


def line_value(text, key):
    for line in text.split("\n"):
        i = line.find(f"pcvm-guest: {key} ")
        if i >= 0:
            return line[i + len(f"pcvm-guest: {key} "):].strip()
    return None


def inner_main(a):
    cmd = [a.vmm, "-accel", "kvm", "-m", "256", "-nographic", "-no-reboot",
           "-boot", "d", "-cdrom", a.iso,
           "-drive", f"file={a.disk},format=raw,if=ide,index=0"]
    run = pcvmtest.SerialRun(cmd, events={
        "init": rb"pcvm-guest: init reached",
        "poweroff": rb"pcvm-guest: poweroff",
        "panic": rb"Kernel panic",
    }, stderr_path=os.path.join(a.build_dir, "vmm.stderr"))
    try:
        if run.wait_for("poweroff", a.timeout):
            run.wait_exit(30)
    finally:
        run.kill()
    text = run.text()
    log = ("command: " + " ".join(cmd) + "\n---- guest serial (tail) ----\n"
           + pcvmtest.tail(text, 60))
    t = run.times

    def report(name, ok, detail):
        print(RESULT_TAG + json.dumps({"name": name, "status": "pass" if ok else "fail",
                                       "detail": detail, "log": log}), flush=True)

    report("boot", "init" in t,
           f"init {t['init']:.1f} s" if "init" in t else "no 'init reached' from the CD's kernel")
    got = line_value(text, "file")
    report("disk", got == a.token, f"read {got!r}, expected {a.token!r}")
    cd = line_value(text, "cdrom") or ""
    report("cdrom", "vmlinuz" in cd and "initrd.img" in cd, f"/boot on sr0: {cd!r}")
    ok = "poweroff" in t and not run.killed and run.returncode == 0
    if ok:
        detail = f"exit status 0, {run.exit_time - t['poweroff']:.1f} s after poweroff"
    elif run.killed:
        detail = "VMM still running 30 s after the guest's poweroff" if "poweroff" in t \
            else "guest never reached poweroff"
        if run.unkillable:
            detail += "; " + run.unkillable
    else:
        detail = f"VMM exit status {run.returncode}"
    report("poweroff", ok, detail)
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("vmm", nargs="?")
    ap.add_argument("--tap", action="store_true")
    ap.add_argument("--build-dir")
    ap.add_argument("--direct", action="store_true")
    ap.add_argument("--timeout", type=int, default=TIMEOUT)
    ap.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--iso", help=argparse.SUPPRESS)
    ap.add_argument("--disk", help=argparse.SUPPRESS)
    ap.add_argument("--token", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.inner:
        return inner_main(a)
    rep = pcvmtest.Reporter(tap=a.tap, planned=len(CASES))
    vmm = pcvmtest.which(a.vmm) if a.vmm else None
    if not vmm:
        return rep.bail(f"VMM {a.vmm} not found")
    kernel = pcvmtest.debian_kernel("amd64")
    busybox = pcvmtest.static_busybox()
    for tool in ("grub-mkrescue", "xorriso", "mke2fs", "qemu-system-x86_64"):
        if not shutil.which(tool):
            return rep.skip_all(f"{tool} is not installed (scripts/install-deps.sh)")
    if not kernel or not busybox:
        return rep.skip_all("needs linux-image-amd64 and busybox-static")
    build = os.path.abspath(os.path.join(a.build_dir or pcvmtest.cache_dir("functional"),
                                         "installer-cd"))
    os.makedirs(build, exist_ok=True)
    token = secrets.token_hex(8)
    iso, disk = build_artifacts(build, kernel, busybox, token)
    inner = [sys.executable, os.path.realpath(__file__), "--inner", "--iso", iso,
             "--disk", disk, "--token", token, "--build-dir", build,
             "--timeout", str(a.timeout), vmm]
    cmd = inner if a.direct else \
        [os.path.join(HERE, "nested-host"), f"--timeout={a.timeout + 30 + pcvmtest.SerialRun.KILL_WAIT + 120}", "--"] + inner
    rep.note(f"VMM: {vmm}\nkernel: {kernel}\nISO: {iso}")
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    reported, other = set(), []
    for raw in proc.stdout:
        line = raw.decode(errors="replace").rstrip("\r\n")
        if line.startswith(RESULT_TAG):
            r = json.loads(line[len(RESULT_TAG):])
            reported.add(r["name"])
            rep.result(r["name"], r["status"], r["detail"], r.get("log"))
        else:
            other.append(line)
    rc = proc.wait()
    rep.note(f"wall time {time.monotonic() - t0:.1f} s")
    for c in CASES:
        if c not in reported:
            rep.result(c, "fail", f"not run (test host status {rc})", "\n".join(other[-60:]))
    return rep.finish()


if __name__ == "__main__":
    sys.exit(main())

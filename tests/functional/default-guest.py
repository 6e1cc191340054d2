#!/usr/bin/env python3
"""The default guest (pc-bios/guest) boots under pcvm on this machine's KVM.

Builds the guest if the cache lacks it, boots it with -smp 2 and a command
that prints the number of processors and reboots, and checks that the init
marker and "2" appear and that pcvm ends (with -no-reboot) with status 0.
This is what the README's first command does, minus the interactive shell.
"""
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))


def main():
    pcvm = sys.argv[1]
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        print("SKIP: /dev/kvm not usable")
        return 77
    build = subprocess.run([os.path.join(TOP, "pc-bios/guest/build.sh")],
                           stdout=subprocess.PIPE, text=True)
    if build.returncode != 0:
        print("FAIL: the default guest did not build")
        return 1
    guest = build.stdout.strip().splitlines()[-1]
    cmdline = open(os.path.join(TOP, "pc-bios/guest/cmdline")).read().strip()
    cmdline += ' pcvm_cmd="grep -c ^processor /proc/cpuinfo; reboot -f"'
    cmd = [pcvm, "-m", "256", "-smp", "2", "-display", "none", "-no-reboot",
           "-serial", "stdio", "-kernel", os.path.join(guest, "vmlinux"),
           "-initrd", os.path.join(guest, "initramfs.cpio"),
           "-append", cmdline]
    print("command:", " ".join(cmd))
    start = time.monotonic()
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=600)
    except subprocess.TimeoutExpired as e:
        print((e.stdout or b"").decode(errors="replace"))
        print("FAIL: no reboot within 600 s")
        return 1
    out = p.stdout.decode(errors="replace").replace("\r", "")
    print(out)
    lines = [l.strip() for l in out.splitlines()]
    problems = []
    if "pcvm-guest: init reached" not in lines:
        problems.append("init marker missing")
    if "2" not in lines:
        problems.append("/proc/cpuinfo did not show 2 processors")
    if p.returncode != 0:
        problems.append("exit status %d" % p.returncode)
    print("elapsed %.1f s" % (time.monotonic() - start))
    if problems:
        print("FAIL: " + "; ".join(problems))
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Reset and triple-fault tests: checks how the VMM ends, not a guest status.

  run-reset-test.py VMM reset IMAGE            reboots once, exits 99
  run-reset-test.py VMM reset-noreboot IMAGE   -no-reboot: first reset ends
                                               the VMM with status 0
  run-reset-test.py VMM triplefault IMAGE      -no-reboot: status 0 and a
                                               report naming RIP and 0f 0b
  run-reset-test.py VMM debugcon IMAGE         -debugcon file: receives the
                                               guest's port 0xE9 line
  run-reset-test.py VMM emulfail IMAGE         POPCNT runs (status 99), or
                                               KVM refuses it: status 1 and
                                               a report naming RIP, f3 0f b8
"""
import os
import re
import subprocess
import sys
import tempfile


def main():
    vmm, mode, image = sys.argv[1:4]
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        print("SKIP: /dev/kvm not usable")
        return 77
    cmd = [vmm, "-display", "none", "-serial", "stdio", "-m", "64",
           "-device", "isa-debug-exit,iobase=0xf4,iosize=4", "-kernel", image]
    if mode != "reset":
        cmd.append("-no-reboot")
    debugcon = None
    if mode == "debugcon":
        debugcon = tempfile.NamedTemporaryFile(prefix="pcvm-debugcon-")
        cmd += ["-debugcon", "file:" + debugcon.name]
    print("command:", " ".join(cmd))
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True,
                           timeout=60)
    except subprocess.TimeoutExpired:
        print("FAIL: the VMM did not end within 60 s")
        return 1
    out = p.stdout.decode(errors="replace")
    err = p.stderr.decode(errors="replace")
    print("---- serial ----\n" + out + "---- stderr ----\n" + err)
    problems = []
    if mode == "reset":
        if p.returncode != 99:
            problems.append("exit status %d, expected 99" % p.returncode)
        for line in ("reset: first boot, resetting",
                     "reset: second boot after reset"):
            if line not in out:
                problems.append("missing serial line: " + line)
    elif mode == "reset-noreboot":
        if p.returncode != 0:
            problems.append("exit status %d, expected 0" % p.returncode)
        if "reset: first boot, resetting" not in out:
            problems.append("the guest did not run")
        if "second boot" in out:
            problems.append("-no-reboot rebooted anyway")
    elif mode == "debugcon":
        got = open(debugcon.name, "rb").read().decode(errors="replace")
        print("---- debugcon ----\n" + got)
        if p.returncode != 99:
            problems.append("exit status %d, expected 99" % p.returncode)
        if got != "debugcon: hello on port 0xe9\n":
            problems.append("debugcon file holds %r" % got)
    elif mode == "emulfail":
        if p.returncode == 99:
            print("the instruction ran: no emulation failure on this host")
        elif p.returncode != 1:
            problems.append("exit status %d, expected 99 (ran) or 1 "
                            "(reported failure)" % p.returncode)
        elif not re.search(r"KVM internal error.*RIP=0x[0-9a-f]+.*"
                           r"code: f3 0f b8", err):
            problems.append("no internal-error report with RIP and the "
                            "POPCNT bytes on stderr")
        elif not re.search(r"^[ER]AX=", err, re.M):
            problems.append("no register dump with the report")
    elif mode == "triplefault":
        if p.returncode != 0:
            problems.append("exit status %d, expected 0" % p.returncode)
        if not re.search(r"triple fault.*RIP=0x[0-9a-f]+.*code: 0f 0b", err):
            problems.append("no triple-fault report with RIP and the UD2 "
                            "bytes on stderr")
    if problems:
        print("FAIL: " + "; ".join(problems))
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())

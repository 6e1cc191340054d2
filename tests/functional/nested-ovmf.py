#!/usr/bin/env python3
"""UEFI firmware (Debian's OVMF) from two -drive if=pflash, in the test host.

    nested-ovmf.py [--tap] [--direct] VMM

This machine's /dev/kvm refuses OVMF's first x87 instruction, so the VMM
runs inside the test host (tests/functional/nested-host) as a user would
start a UEFI guest:

    VMM -accel kvm -m 256 -nographic -nodefaults -serial stdio \\
        -drive if=pflash,format=raw,unit=0,readonly=on,file=OVMF_CODE_4M.fd \\
        -drive if=pflash,format=raw,unit=1,file=COPY-OF-OVMF_VARS_4M.fd

Results:

  shell     OVMF's boot manager finds no disk and starts its built-in UEFI
            Shell, whose banner and startup.nsh countdown reach COM1
  varstore  the variable store copy changed on disk (OVMF wrote its boot
            variables through the flash chip's program and erase
            commands), and the read-only code image did not
  vars-kept a second boot from that store starts the shell as well (the
            variables OVMF wrote are read back)

--direct runs the VMM on this machine (hardware KVM only).
"""

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.realpath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, HERE)
import pcvmtest  # noqa: E402

RESULT_TAG = "@@pcvm-result "
CASES = ["shell", "varstore", "vars-kept"]
OVMF_DIR = "/usr/share/OVMF"
CODE = os.path.join(OVMF_DIR, "OVMF_CODE_4M.fd")
VARS = os.path.join(OVMF_DIR, "OVMF_VARS_4M.fd")
TIMEOUT = 240


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def boot(vmm, vars_path, timeout, logdir, n):
    """One boot to the shell's countdown; the run, stopped."""
    cmd = [vmm, "-accel", "kvm", "-m", "256", "-nographic", "-nodefaults",
           "-serial", "stdio",
           "-drive", f"if=pflash,format=raw,unit=0,readonly=on,file={CODE}",
           "-drive", f"if=pflash,format=raw,unit=1,file={vars_path}"]
    run = pcvmtest.SerialRun(cmd, events={
        "shell": rb"UEFI Interactive Shell",
        "countdown": rb"startup\.nsh",
    }, stderr_path=os.path.join(logdir, f"ovmf-{n}.stderr"))
    try:
        run.wait_for("countdown", timeout)
    finally:
        run.kill()
    return cmd, run


def inner_main(a):
    work = tempfile.mkdtemp(prefix="pcvm-ovmf-")
    vars_path = os.path.join(work, "vars.fd")
    shutil.copyfile(VARS, vars_path)
    code_before = digest(CODE)

    def report(name, ok, detail, cmd, run):
        log = ("command: " + " ".join(cmd) + "\n---- COM1 (tail) ----\n"
               + pcvmtest.tail(run.text(), 30))
        print(RESULT_TAG + json.dumps({"name": name, "status": "pass" if ok else "fail",
                                       "detail": detail, "log": log}), flush=True)

    try:
        cmd, run = boot(a.vmm, vars_path, a.timeout, work, 1)
        t = run.times
        report("shell", "countdown" in t,
               f"shell banner {t['shell']:.1f} s, countdown {t['countdown']:.1f} s"
               if "countdown" in t else f"no UEFI Shell within {a.timeout} s", cmd, run)
        changed = digest(vars_path) != digest(VARS)
        report("varstore", changed and digest(CODE) == code_before,
               "variable store written, code image unchanged" if changed
               else "the variable store file is as shipped", cmd, run)
        cmd, run = boot(a.vmm, vars_path, a.timeout, work, 2)
        t = run.times
        report("vars-kept", "countdown" in t,
               f"shell again {t['countdown']:.1f} s" if "countdown" in t
               else "no UEFI Shell from the written store", cmd, run)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("vmm", nargs="?")
    ap.add_argument("--tap", action="store_true")
    ap.add_argument("--direct", action="store_true")
    ap.add_argument("--timeout", type=int, default=TIMEOUT)
    ap.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.inner:
        return inner_main(a)
    rep = pcvmtest.Reporter(tap=a.tap, planned=len(CASES))
    vmm = pcvmtest.which(a.vmm) if a.vmm else None
    if not vmm:
        return rep.bail(f"VMM {a.vmm} not found")
    for path in (CODE, VARS):
        if not os.access(path, os.R_OK):
            return rep.skip_all(f"{path} missing: install Debian's ovmf "
                                "(scripts/install-deps.sh)")
    if not a.direct and not shutil.which("qemu-system-x86_64"):
        return rep.skip_all("qemu-system-x86_64 missing: the test host needs it")
    inner = [sys.executable, os.path.realpath(__file__), "--inner",
             "--timeout", str(a.timeout), vmm]
    limit = 120 + 2 * (a.timeout + pcvmtest.SerialRun.KILL_WAIT)
    cmd = inner if a.direct else \
        [os.path.join(HERE, "nested-host"), f"--timeout={limit}", "--"] + inner
    rep.note(f"VMM: {vmm}\nfirmware: {CODE}, {VARS}")
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

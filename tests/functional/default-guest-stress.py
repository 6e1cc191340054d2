#!/usr/bin/env python3
"""Boots the default guest again and again on a loaded machine.

Not part of `make check`: a loop that looks for what one boot rarely shows
(programs dying under host load, a VMM that does not end). Each round
boots the default guest with -smp 2 under pcvm, then under
qemu-system-x86_64 -accel kvm as a reference, while a CPU hog and a
parallel compile (pcvm's own tree, rebuilt over and over in a scratch
directory) load every core. A run passes when the guest reaches init,
its commands print what they should, no program dies of a signal, and
the VMM ends by itself with status 0 after the guest powers off.

usage: tests/functional/default-guest-stress.py [--runs N] [--no-load]
           [--no-qemu] [--pcvm build/pcvm] [--qemu qemu-system-x86_64]

Prints one line per round (pcvm beside QEMU) and a summary; exits 1 if a
pcvm run failed.
"""
import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import pcvmtest  # noqa: E402

COMMANDS = ("grep -c ^processor /proc/cpuinfo; echo sum=$((6*7)); "
            "busybox uname -s; ls /proc/self/fd > /dev/null; echo stress-done")
EXPECT = ["sum=42", "Linux", "stress-done",
          "pcvm-guest: command exited with status 0"]
BOOT_LIMIT = 900
STOP_LIMIT = 30


class Load:
    """A CPU hog and a parallel compile, until stop()."""

    def __init__(self):
        self.scratch = tempfile.mkdtemp(prefix="pcvm-stress-")
        self.procs = []
        build = os.path.join(self.scratch, "build")
        compile_loop = (
            f"cd {TOP} && meson setup {build} >/dev/null 2>&1; "
            f"while :; do ninja -C {build} clean >/dev/null 2>&1; "
            f"ninja -C {build} -j2 >/dev/null 2>&1; done")
        for cmd in (["sh", "-c", "exec yes > /dev/null"],
                    ["sh", "-c", compile_loop]):
            self.procs.append(subprocess.Popen(
                cmd, start_new_session=True, preexec_fn=pcvmtest.die_with_parent))

    def stop(self):
        for p in self.procs:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait()
        shutil.rmtree(self.scratch, ignore_errors=True)


def boot(vmm, guest, cmdline):
    """One boot; returns (ok, seconds, what went wrong or the CPU count)."""
    cmd = vmm + ["-m", "256", "-smp", "2", "-nographic", "-no-reboot",
                 "-kernel", os.path.join(guest, "vmlinux"),
                 "-initrd", os.path.join(guest, "initramfs.cpio"),
                 "-append", f'{cmdline} pcvm_cmd="{COMMANDS}"']
    run = pcvmtest.SerialRun(cmd, {"init": rb"pcvm-guest: init reached",
                                   "down": rb"reboot: Power down"})
    problems = []
    try:
        if not run.wait_for("init", BOOT_LIMIT):
            problems.append("no init")
        if not run.wait_for("down", BOOT_LIMIT):
            problems.append("no power-off")
        elif not run.wait_exit(STOP_LIMIT):
            problems.append(f"running {STOP_LIMIT} s after power-off")
        elif run.returncode != 0:
            problems.append(f"status {run.returncode}")
    finally:
        run.kill()
    text = run.text()
    lines = [line.strip() for line in text.splitlines()]
    for want in EXPECT:
        if want not in lines:
            problems.append(f"no '{want}'")
    for bad in ("Segmentation fault", "Illegal instruction", "Bus error",
                "Kernel panic"):
        if bad in text:
            problems.append(bad)
    cpus = next((l for l in lines if l.isdigit()), "?")
    took = run.exit_time if run.exit_time is not None else run.elapsed()
    if problems:
        with open(f"/tmp/pcvm-stress-{os.path.basename(vmm[0])}-{time.time():.0f}.log",
                  "w") as f:
            f.write(" ".join(cmd) + "\n" + text)
    return not problems, took, "; ".join(problems) if problems else f"{cpus} CPUs"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--pcvm", default=os.path.join(TOP, "build", "pcvm"))
    ap.add_argument("--qemu", default="qemu-system-x86_64")
    ap.add_argument("--no-qemu", action="store_true")
    ap.add_argument("--no-load", action="store_true")
    args = ap.parse_args()

    guest, cmdline = pcvmtest.default_guest()
    if not guest:
        sys.exit("the default guest did not build")
    vmms = [("pcvm", [args.pcvm])]
    if not args.no_qemu and pcvmtest.which(args.qemu):
        vmms.append(("qemu", [args.qemu, "-accel", "kvm"]))
    print(f"guest {guest}, {args.runs} rounds, load: "
          f"{'none' if args.no_load else 'yes > /dev/null + ninja -j2 loop'}",
          flush=True)
    print(f"command: {COMMANDS}", flush=True)
    load = None if args.no_load else Load()
    passed = {name: 0 for name, _ in vmms}
    times = {name: [] for name, _ in vmms}
    try:
        if load:
            time.sleep(5)  # let the compile get going
        for i in range(1, args.runs + 1):
            cells = []
            for name, vmm in vmms:
                ok, took, what = boot(vmm, guest, cmdline)
                passed[name] += ok
                times[name].append(took)
                cells.append(f"{name} {'PASS' if ok else 'FAIL'} {took:6.1f} s ({what})")
            with open("/proc/loadavg") as f:
                loadavg = f.read().split()[0]
            print(f"round {i:2d}: " + " | ".join(cells) + f" | load {loadavg}",
                  flush=True)
    finally:
        if load:
            load.stop()
    for name, _ in vmms:
        t = sorted(times[name])
        print(f"{name}: {passed[name]} of {args.runs} passed, median "
              f"{t[len(t) // 2]:.1f} s", flush=True)
    return 0 if passed["pcvm"] == args.runs else 1


if __name__ == "__main__":
    sys.exit(main())

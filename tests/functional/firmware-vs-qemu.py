#!/usr/bin/env python3
"""Firmware tier beside QEMU: SeaBIOS's console and boot order under pcvm
and qemu-system-x86_64 in the same run, on this machine's /dev/kvm.

Usage: firmware-vs-qemu.py [--tap] [--rounds N] PCVM [QEMU]

Both VMMs get `-accel kvm -m 128 -nodefaults -nographic -serial stdio
-no-reboot` (plus `-boot menu=on` for the menu cases), alternating, N
rounds (default 5); times are from process start, and each VMM's best
(lowest) of its rounds is compared: a busy machine only ever adds time,
so the minimum is the estimate least moved by other load. Cases:

  banner-line   the banner "SeaBIOS (version ...)" with its line end (the
                moment a reader by lines sees it) within 0.3 s of QEMU's
  menu-prompt   the bytes "Press ESC for boot menu" within 0.3 s of QEMU's
  menu-key      ESC sent while the prompt waits opens the menu ("Select
                boot device") under pcvm, as under QEMU
  boot-order    with no -boot option and no drives, the "Booting from ..."
                lines come in QEMU's order
  vga-screen    with -vga std, QMP's screendump of the text screen at "No
                bootable device" is QEMU's pixel for pixel (the cursor's
                scan lines may differ: QEMU blinks it)

Exit status: 0 all passed, 1 a case failed, 77 no /dev/kvm or no QEMU.
"""

import argparse
import json
import os
import re
import socket
import tempfile
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pcvmtest  # noqa: E402

TIMEOUT = 60
SLACK = 0.3  # seconds: the "within 0.3 s of QEMU's"
BASE = ["-accel", "kvm", "-m", "128", "-nodefaults", "-nographic", "-serial", "stdio",
        "-no-reboot"]


def plain_run(vmm):
    """Banner line time and the boot attempts, up to "No bootable device"."""
    run = pcvmtest.SerialRun([vmm] + BASE, events={
        "banner": rb"SeaBIOS \(version", "nodev": rb"No bootable device"})
    try:
        run.wait_for("nodev", TIMEOUT)
    finally:
        run.kill()
    order = re.findall(r"Booting from ([A-Za-z ]+)\.\.\.", run.text())
    return run.times.get("banner"), order


def menu_run(vmm):
    """Prompt time, and whether ESC during the prompt opened the menu."""
    run = pcvmtest.SerialRun([vmm] + BASE + ["-boot", "menu=on,splash-time=3000"],
                             stdin=True)
    prompt, opened = None, False
    try:
        if run.wait_output(b"Press ESC for boot menu", TIMEOUT):
            prompt = run.elapsed()
            run.send(b"\x1b")
            opened = run.wait_output(b"Select boot device", run.elapsed() + 10)
    finally:
        run.kill()
    return prompt, opened


def screen_run(vmm, work):
    """The screendump (width, height, RGB bytes) at "No bootable device"."""
    sock = os.path.join(work, f"qmp-{os.path.basename(vmm)}.sock")
    path = os.path.join(work, f"screen-{os.path.basename(vmm)}.ppm")
    run = pcvmtest.SerialRun([vmm] + BASE + ["-vga", "std", "-qmp",
                                             f"unix:{sock},server=on,wait=off"],
                             events={"nodev": rb"No bootable device"})
    try:
        if not run.wait_for("nodev", TIMEOUT):
            return None
        conn = socket.socket(socket.AF_UNIX)
        conn.settimeout(10)
        conn.connect(sock)
        f = conn.makefile("rw")
        f.readline()
        for cmd in ({"execute": "qmp_capabilities"},
                    {"execute": "screendump", "arguments": {"filename": path}}):
            f.write(json.dumps(cmd) + "\n")
            f.flush()
            while True:
                reply = json.loads(f.readline())
                if "return" in reply or "error" in reply:
                    break
            if "error" in reply:
                return None
    finally:
        run.kill()
    data = open(path, "rb").read()
    fields = data.split(maxsplit=4)
    return int(fields[1]), int(fields[2]), fields[4]


def screen_differences(ours, theirs):
    """Text cells (column, row) whose pixels differ outside the cursor's
    scan lines (13-15 of a 16-line cell), and cells differing at all."""
    width = ours[0]
    bad, cursor = set(), set()
    for i in range(min(len(ours[2]), len(theirs[2]))):
        if ours[2][i] != theirs[2][i]:
            x, y = (i // 3) % width, (i // 3) // width
            (cursor if y % 16 >= 13 else bad).add((x // 9, y // 16))
    return bad, cursor


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tap", action="store_true")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("pcvm")
    ap.add_argument("qemu", nargs="?", default="qemu-system-x86_64")
    a = ap.parse_args()
    rep = pcvmtest.Reporter(tap=a.tap, planned=5)
    qemu = pcvmtest.which(a.qemu)
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        return rep.skip_all("no usable /dev/kvm")
    if not qemu:
        return rep.skip_all(f"{a.qemu} not found (install qemu-system-x86)")
    vmms = {"pcvm": a.pcvm, "qemu": qemu}
    banner = {k: [] for k in vmms}
    order = {k: [] for k in vmms}
    prompt = {k: [] for k in vmms}
    opened = {k: [] for k in vmms}
    for _ in range(a.rounds):
        for name, vmm in vmms.items():
            b, o = plain_run(vmm)
            banner[name].append(b)
            order[name].append(o)
            p, m = menu_run(vmm)
            prompt[name].append(p)
            opened[name].append(m)

    def compare(case, values):
        got = {k: [v for v in values[k] if v is not None] for k in vmms}
        if len(got["pcvm"]) < a.rounds or not got["qemu"]:
            rep.result(case, "fail", f"not seen in every run: {values}")
            return
        p, q = min(got["pcvm"]), min(got["qemu"])
        status = "pass" if p <= q + SLACK else "fail"

        def runs(k):
            return " ".join(f"{v:.2f}" for v in got[k])
        rep.result(case, status, f"pcvm {p:.2f} s, QEMU {q:.2f} s (best of {a.rounds}; "
                   f"pcvm {runs('pcvm')}, QEMU {runs('qemu')})")

    compare("banner-line", banner)
    compare("menu-prompt", prompt)
    ok = all(opened["pcvm"]) and any(opened["qemu"])
    rep.result("menu-key", "pass" if ok else "fail",
               f"menu opened in {sum(opened['pcvm'])} of {a.rounds} pcvm runs, "
               f"{sum(opened['qemu'])} QEMU runs")
    want = order["qemu"][0]
    same = all(o == want for o in order["pcvm"]) and want
    rep.result("boot-order", "pass" if same else "fail",
               f"QEMU: {', '.join(want) or 'none'}; pcvm: "
               + "; ".join(", ".join(o) or "none" for o in order["pcvm"]))

    work = tempfile.mkdtemp(prefix="pcvm-fwq-")
    ours, theirs = screen_run(a.pcvm, work), screen_run(qemu, work)
    if not ours or not theirs:
        rep.result("vga-screen", "fail",
                   f"no screendump from {'pcvm' if not ours else 'QEMU'}")
    elif ours[:2] != theirs[:2]:
        rep.result("vga-screen", "fail",
                   f"pcvm {ours[0]}x{ours[1]}, QEMU {theirs[0]}x{theirs[1]}")
    else:
        bad, cursor = screen_differences(ours, theirs)
        ok = not bad and len(cursor) <= 1
        rep.result("vga-screen", "pass" if ok else "fail",
                   f"{ours[0]}x{ours[1]}; cells that differ: "
                   f"{sorted(bad | cursor)[:8] or 'none'}")
    for name in os.listdir(work):
        os.unlink(os.path.join(work, name))
    os.rmdir(work)
    return rep.finish()


if __name__ == "__main__":
    sys.exit(main())

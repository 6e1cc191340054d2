#!/usr/bin/env python3
"""The default guest (pc-bios/guest) under pcvm on this machine's KVM.

What the README's first command boots, ended in each way a guest can stop.
Every case boots the guest once and checks what it printed, how pcvm ended,
and that pcvm ended within STOP_LIMIT seconds of the kernel's last word
(its "reboot: ..." or "Kernel panic" line), since a guest that has stopped
must never leave pcvm running:

  smp-reboot     -smp 2: two processors; `reboot` with -no-reboot ends pcvm
  command-fails  a failing command: init reports status 1 and powers off
  poweroff       `poweroff` (busybox's, without -f) ends pcvm
  panic          init dies, the kernel panics; panic=-1 with -no-reboot
                 ends pcvm
  reboot-resets  `reboot` without -no-reboot resets the machine: the guest
                 boots again (pcvm is then ended by SIGTERM, status 0)
  shell-exit     scripts/run-default-guest.sh, which `make run` runs: the
                 shell takes a command on the console, `exit` ends pcvm
  e1000-net      the default NIC: a DHCP lease from slirp, a ping
  pcnet-net      the same on -nic user,model=pcnet

usage: default-guest.py [--tap] [--case NAME ...] VMM [VMM args...]
VMM may be qemu-system-x86_64 (with -accel kvm among its arguments) to check
the test itself.
"""
import argparse
import os
import signal
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import pcvmtest  # noqa: E402

BOOT_LIMIT = 600   # seconds to init; generous for a loaded machine
STOP_LIMIT = 10    # seconds from the kernel's last line to the VMM's exit
INIT = r"pcvm-guest: init reached"  # after SeaBIOS text on the same line under QEMU
STOPPED = {
    "power-down": r"reboot: Power down",
    "restart": r"reboot: Restarting system",
    "panic": r"Kernel panic - not syncing",
}
PROMPT = b"pcvm-guest:/root# "
CMDLINE = None  # the default guest's kernel command line, set by main()


def base_cmdline():
    return CMDLINE


def vmm_cmd(vmm, guest, smp, append, no_reboot=True):
    return vmm + ["-m", "256", "-smp", str(smp), "-nographic",
                  "-kernel", os.path.join(guest, "vmlinux"),
                  "-initrd", os.path.join(guest, "initramfs.cpio"),
                  "-append", append] + (["-no-reboot"] if no_reboot else [])


def as_bytes(patterns):
    """SerialRun matches lines of raw console bytes."""
    return {k: v.encode() for k, v in patterns.items()}


def events():
    ev = {"init": INIT, "status": r"^pcvm-guest: command exited with status"}
    ev.update(STOPPED)
    return ev


def check_stop(run, marker, problems):
    """The VMM must end by itself within STOP_LIMIT s of the marker line."""
    if not run.wait_for(marker, BOOT_LIMIT):
        problems.append(f"no '{STOPPED[marker]}' line")
        return
    if not run.wait_exit(STOP_LIMIT):
        problems.append(f"still running {STOP_LIMIT} s after '{STOPPED[marker]}'")
        return
    took = run.exit_time - run.times[marker]
    if run.returncode != 0:
        problems.append(f"exit status {run.returncode}")
    return took


def case_command(vmm, guest, smp, command, expect_lines, marker, extra=""):
    def run_case():
        append = f'{base_cmdline()}{extra} pcvm_cmd="{command}"'
        run = pcvmtest.SerialRun(vmm_cmd(vmm, guest, smp, append), as_bytes(events()))
        problems = []
        try:
            if not run.wait_for("init", BOOT_LIMIT):
                problems.append("init marker missing")
            took = check_stop(run, marker, problems)
        finally:
            run.kill()
        lines = [l.strip() for l in run.text().splitlines()]
        for want in expect_lines:
            if want not in lines:
                problems.append(f"no line '{want}'")
        if "Segmentation fault" in run.text():
            problems.append("a guest program died of SIGSEGV")
        return run, problems, took
    return run_case


def case_reboot_resets(vmm, guest):
    def run_case():
        append = f'{base_cmdline()} pcvm_cmd="reboot"'
        run = pcvmtest.SerialRun(vmm_cmd(vmm, guest, 1, append, no_reboot=False),
                                 as_bytes({"init": INIT, "restart": STOPPED["restart"]}))
        problems = []
        took = None
        try:
            if not run.wait_for("restart", BOOT_LIMIT):
                problems.append("no 'reboot: Restarting system' line")
            else:
                # The marker regexes match once each: count boots by text.
                end = run.times["restart"] + BOOT_LIMIT
                while run.text().count("pcvm-guest: init reached") < 2:
                    if run.exited() or run.elapsed() > end or not run.step(0.25):
                        break
                if run.text().count("pcvm-guest: init reached") < 2:
                    problems.append("the guest did not boot a second time")
                if run.exited():
                    problems.append(f"the VMM exited ({run.returncode}) instead of resetting")
                else:
                    os.killpg(run.pid, signal.SIGTERM)
                    if not run.wait_exit(STOP_LIMIT):
                        problems.append("SIGTERM did not end the VMM")
                    elif run.returncode != 0:
                        problems.append(f"exit status {run.returncode} after SIGTERM")
        finally:
            run.kill()
        return run, problems, took
    return run_case


def case_shell_exit(vmm, guest):
    """The interactive shell, started as `make run` starts it."""
    def run_case():
        cmd = [os.path.join(TOP, "scripts/run-default-guest.sh"), vmm[0], ""] + \
            vmm[1:] + ["-no-reboot"]
        run = pcvmtest.SerialRun(cmd, as_bytes(events()), stdin=True)
        problems = []
        took = None
        try:
            if not run.wait_output(PROMPT, BOOT_LIMIT):
                problems.append("no shell prompt")
            else:
                run.send(b"echo hello-$((6*7))\n")
                if not run.wait_output(b"hello-42\r\n", BOOT_LIMIT):
                    problems.append("the shell did not run the command")
                else:
                    run.send(b"exit\n")
                    took = check_stop(run, "power-down", problems)
        finally:
            run.kill()
        return run, problems, took
    return run_case


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tap", action="store_true")
    ap.add_argument("--case", action="append", default=[])
    ap.add_argument("vmm", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    vmm = args.vmm
    cases = [
        ("smp-reboot", lambda g: case_command(
            vmm, g, 2, "grep -c ^processor /proc/cpuinfo; reboot", ["2"],
            "restart")),
        ("command-fails", lambda g: case_command(
            vmm, g, 1, "false", ["pcvm-guest: command exited with status 1"],
            "power-down")),
        ("poweroff", lambda g: case_command(
            vmm, g, 1, "poweroff", [], "power-down")),
        ("panic", lambda g: case_command(
            vmm, g, 1, "exit 3", [], "panic", extra=" panic=-1")),
        ("reboot-resets", lambda g: case_reboot_resets(vmm, g)),
        ("shell-exit", lambda g: case_shell_exit(vmm, g)),
        # -nic user picks the pc's default NIC, the e1000: Linux's driver
        # probes it, gets a DHCP lease from slirp and pings the gateway.
        ("e1000-net", lambda g: case_command(
            vmm + ["-nic", "user"], g, 1,
            "busybox ip link set eth0 up; "
            "busybox udhcpc -i eth0 -n -q -t 5 -s /bin/true; "
            "busybox ip addr add 10.0.2.15/24 dev eth0; "
            "busybox ping -c 2 10.0.2.2 | busybox grep -c ttl=",
            ["udhcpc: lease of 10.0.2.15 obtained from 10.0.2.2, "
             "lease time 86400", "2"], "power-down")),
        # The same on the PCnet-PCI II: pcnet32 probes it (word I/O,
        # software style 2), gets its lease and pings the gateway.
        ("pcnet-net", lambda g: case_command(
            vmm + ["-nic", "user,model=pcnet"], g, 1,
            "busybox ip link set eth0 up; "
            "busybox udhcpc -i eth0 -n -q -t 5 -s /bin/true; "
            "busybox ip addr add 10.0.2.15/24 dev eth0; "
            "busybox ping -c 2 10.0.2.2 | busybox grep -c ttl=",
            ["udhcpc: lease of 10.0.2.15 obtained from 10.0.2.2, "
             "lease time 86400", "2"], "power-down")),
    ]
    if args.case:
        cases = [c for c in cases if c[0] in args.case]
    rep = pcvmtest.Reporter(tap=args.tap, planned=len(cases))
    if not vmm:
        return rep.bail("no VMM given")
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        return rep.skip_all("/dev/kvm not usable")
    global CMDLINE
    guest, CMDLINE = pcvmtest.default_guest()
    if not guest:
        return rep.bail("the default guest did not build")
    rep.note(f"guest: {guest}")
    for name, make in cases:
        run, problems, took = make(guest)()
        rep.note(f"{name}: {' '.join(run.cmd)}")
        timing = f"boot to init {run.times['init']:.1f} s" if "init" in run.times else ""
        if took is not None:
            timing += f", VMM ended {took:.2f} s after the kernel's last line"
        rep.note(f"{name}: {timing}")
        rep.result(name, "fail" if problems else "pass", "; ".join(problems),
                   log=pcvmtest.tail(run.text()))
    return rep.finish()


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Run one freestanding test guest under a VMM and check what it did.

Usage: run-guest-test.py [--vmm-arg=ARG]... [--timeout S] VMM TEST IMAGE

VMM is pcvm (or qemu-system-x86_64, given --vmm-arg=-accel --vmm-arg=kvm),
TEST one of the names in TESTS below, IMAGE the guest built for it. The
environment variable PCVM_GUEST_TEST_VMM, if set, replaces VMM and its
--vmm-arg options (split like a shell would), so the same meson tests can
be pointed at QEMU for comparison:

    PCVM_GUEST_TEST_VMM='qemu-system-x86_64 -accel kvm' meson test --suite guest

A test passes when the VMM exits with the guest's isa-debug-exit status
and the serial output contains every expected line and no "FAIL:" line.
The VMM is killed after the timeout, or soon after it reports a KVM
emulation failure (QEMU then pauses the guest instead of exiting).
Exit status: 0 pass, 1 fail, 77 skip (no usable /dev/kvm), as meson expects.
"""

import argparse
import atexit
import os
import re
import shlex
import signal
import subprocess
import tempfile
import sys
import threading
import time

# Options every guest gets. -display none rather than -nographic: with
# -nographic QEMU puts its monitor on stdio too and refuses -serial stdio.
COMMON_OPTIONS = [
    "-display", "none",
    "-no-reboot",
    "-serial", "stdio",
    "-device", "isa-debug-exit,iobase=0xf4,iosize=4",
    "-m", "64",
]

# Exit codes written to port 0xf4 (see lib/guest.h); the process status is
# (code << 1) | 1.
FAILURE_CODES = {
    0x40: "EXIT_FAIL_BSS (loader left .bss dirty)",
    0x41: "EXIT_FAIL_MAGIC (wrong boot magic)",
    0x42: "EXIT_FAIL_BOOTINFO (boot info missing or inconsistent)",
    0x43: "EXIT_FAIL_CMDLINE (command line missing or unparsable)",
    0x44: "EXIT_FAIL_MODE (CPU not in the expected mode)",
    0x45: "EXIT_FAIL_TIMEOUT",
    0x46: "EXIT_FAIL_COUNT (wrong number of CPUs or interrupts)",
    0x47: "EXIT_FAIL_EXCEPTION (unexpected CPU exception)",
    0x48: "EXIT_FAIL_UNEXPECTED (unexpected interrupt vector)",
}


def pit_test(path):
    return {
        "options": lambda image: ["-kernel", image, "-append", path],
        "code": 0x25,
        "expect": [
            r"^pit: channel 0 mode 2 at 1000 Hz, waiting for 100 interrupts via %s$" % path,
            r"^pit: \d+ timer interrupts via %s \(\d+ TSC cycles\)$" % path,
            r"^pit: ok$",
        ],
    }


def multiboot_test():
    return {
        "options": lambda image: ["-kernel", image, "-append", "hello multiboot"],
        "code": 0x23,
        "expect": [
            r"^multiboot: entered with eax=0x2badb002 ebx=0x[0-9a-f]{8}$",
            r"^multiboot: mem_lower=\d+ KiB mem_upper=\d+ KiB$",
            r"^multiboot: mmap base=0x[0-9a-f]{16} length=0x[0-9a-f]{16} type=1$",
            # QEMU passes "<kernel path> <-append>", as GRUB does.
            r"^multiboot: cmdline='(\S+ )?hello multiboot'$",
            r"^multiboot: all checks passed$",
        ],
    }


def disk_image():
    """A 1 MiB raw image for the test, removed when the runner exits."""
    fd, path = tempfile.mkstemp(prefix="pcvm-guest-", suffix=".img")
    os.ftruncate(fd, 1 << 20)
    os.close(fd)
    atexit.register(os.unlink, path)
    return path


def virtio_blk_test(mode, device_extra="", extra=()):
    def options(image):
        return ["-drive", "file=%s,format=raw,if=none,id=d0" % disk_image(),
                "-device", "virtio-blk-pci,drive=d0,serial=guest-disk-0" +
                device_extra] + list(extra) + [
                "-kernel", image, "-append", mode]
    return {
        "options": options,
        "code": 0x27,
        "expect": [
            r"^virtio-blk: device at [0-9a-f]{2}\.\d, notify multiplier 4, %s$" % mode,
            r"^virtio-blk: request type 1 done, used len 1$",
            r"^virtio-blk: request type 0 done, used len 513$",
            r"^virtio-blk: request type 8 done, used len 21$",
            r"^virtio-blk: ok$",
        ] + ([] if mode == "intx" else [
            r"^virtio-blk: masked vector held its interrupt until unmasked$",
            r"^virtio-blk: rewritten MSI-X entry followed$",
        ]),
    }


# Per test: extra VMM options (a function of the image path), the code the
# guest writes to isa-debug-exit on success, and regular expressions each
# of which must match a whole line of serial output.
TESTS = {
    "realmode": {
        "options": lambda image: ["-bios", image],
        "code": 0x21,
        "expect": [
            r"^realmode: hello from real mode$",
            r"^realmode: cs=f000 edx-at-reset=[0-9a-f]{8}$",
            r"^realmode: cr0\.pe=0, low ram ok$",
        ],
    },
    "long64": {
        "options": lambda image: ["-kernel", image, "-append", "hello pvh"],
        "code": 0x22,
        "expect": [
            r"^long64: hello from 64-bit mode$",
            r"^long64: efer=0x[0-9a-f]+ cr0=0x[0-9a-f]+ cr4=0x[0-9a-f]+ cs=0x18$",
            r"^long64: EFER\.LMA set, 64-bit operations ok$",
            r"^long64: start_info at 0x[0-9a-f]+ magic=0x336ec578 version=\d+ flags=0x[0-9a-f]+$",
            r"^long64: cmdline='hello pvh'$",
            r"^long64: all checks passed$",
        ],
    },
    "multiboot": multiboot_test(),
    "multiboot-elf": multiboot_test(),
    # 4 GiB of RAM: the PC splits it at 3 GiB (the PCI hole) and maps the
    # last GiB above 4 GiB.
    "multiboot-highmem": {
        "options": lambda image: ["-m", "4G", "-kernel", image,
                                  "-append", "hello multiboot"],
        "code": 0x23,
        "expect": [
            # RAM from 1 MiB up to 3 GiB (firmware may keep a little at the top)
            r"^multiboot: mmap base=0x0000000000100000 length=0x00000000bf[ef][0-9a-f]{5} type=1$",
            r"^multiboot: mmap base=0x0000000100000000 length=0x0000000040000000 type=1$",
            r"^multiboot: all checks passed$",
        ],
    },
    "smp": {
        "options": lambda image: ["-smp", "3", "-kernel", image, "-append", "cpus=3"],
        "code": 0x24,
        "expect": [
            r"^smp: BSP apic id 0, lapic version 0x[0-9a-f]+, expecting 2 APs$",
            r"^AP 1 up$",
            r"^AP 2 up$",
            r"^smp: 2 of 2 APs up \(2 trampoline entries\)$",
            r"^smp: all 2 APs up$",
        ],
    },
    # The exit benchmark's guest with no timing rounds: dispatch checks only.
    "exits": {
        "options": lambda image: ["-device", "pci-testdev", "-kernel", image,
                                  "-append", "rounds=0"],
        "code": 0x26,
        "expect": [
            r"^exit-bench: pci-testdev at [0-9a-f]{2}\.\d, mmio 0x[0-9a-f]+, io 0x[0-9a-f]+$",
            r"^exit-bench: dispatch checks passed$",
            r"^exit-bench: done$",
        ],
    },
    "pit-pic": pit_test("pic"),
    "pit-ioapic": pit_test("ioapic"),
    "pit32-pic": pit_test("pic"),
    "pit32-ioapic": pit_test("ioapic"),
    "virtio-blk-msix": virtio_blk_test("msix"),
    "virtio-blk-intx": virtio_blk_test("intx", ",vectors=0"),
    "virtio-blk-iothread": virtio_blk_test(
        "msix", ",iothread=io0", ["-object", "iothread,id=io0"]),
}

# Seen on stderr when KVM_RUN fails; QEMU then stops the guest and waits.
FATAL_STDERR = re.compile(r"KVM internal error|emulation failure|"
                          r"KVM_EXIT_INTERNAL_ERROR", re.IGNORECASE)


def describe_status(status):
    if status < 0:
        return "killed by signal %d" % -status
    if status & 1 and status > 1:
        code = status >> 1
        name = FAILURE_CODES.get(code, "")
        return "exit status %d (debug-exit code 0x%x%s)" % (
            status, code, ", " + name if name else "")
    return "exit status %d (not a debug-exit status)" % status


def run(cmd, timeout):
    """Runs cmd; returns (status or None on timeout, stdout, stderr, why)."""
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    out, err = [], []
    fatal = threading.Event()

    def pump(stream, sink, watch):
        while True:
            chunk = stream.read1(4096) if hasattr(stream, "read1") else stream.read(4096)
            if not chunk:
                return
            sink.append(chunk)
            if watch and FATAL_STDERR.search(b"".join(sink).decode(errors="replace")):
                fatal.set()

    threads = [threading.Thread(target=pump, args=(proc.stdout, out, False)),
               threading.Thread(target=pump, args=(proc.stderr, err, True))]
    for t in threads:
        t.daemon = True
        t.start()

    deadline = time.monotonic() + timeout
    why = None
    while proc.poll() is None:
        if time.monotonic() > deadline:
            why = "timed out after %d s" % timeout
            break
        if fatal.wait(0.05):
            # Let the VMM finish printing its register dump, then stop it.
            time.sleep(1)
            why = "VMM reported a KVM internal error / emulation failure"
            break
    if why:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
    for t in threads:
        t.join(5)
    stdout = b"".join(out).decode(errors="replace")
    stderr = b"".join(err).decode(errors="replace")
    return (None if why else proc.returncode), stdout, stderr, why


def kvm_usable():
    return os.access("/dev/kvm", os.R_OK | os.W_OK)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--vmm-arg", action="append", default=[],
                        help="extra VMM option (repeat; use --vmm-arg=-x)")
    parser.add_argument("--timeout", type=float, default=60,
                        help="seconds before the VMM is killed (default 60)")
    parser.add_argument("vmm")
    parser.add_argument("test", choices=sorted(TESTS))
    parser.add_argument("image")
    args = parser.parse_args()

    label = "guest-" + args.test
    test = TESTS[args.test]
    override = os.environ.get("PCVM_GUEST_TEST_VMM")
    vmm = shlex.split(override) if override else [args.vmm] + args.vmm_arg

    if not kvm_usable():
        print("SKIP: %s: /dev/kvm is not usable" % label)
        return 77
    if not os.path.exists(args.image):
        print("FAIL: %s: guest image %s does not exist" % (label, args.image))
        return 1

    cmd = vmm + COMMON_OPTIONS + test["options"](args.image)
    print("command: " + " ".join(shlex.quote(c) for c in cmd))
    start = time.monotonic()
    status, stdout, stderr, why = run(cmd, args.timeout)
    elapsed = time.monotonic() - start

    lines = stdout.replace("\r", "").split("\n")
    print("---- serial output ----")
    print("\n".join(lines).rstrip("\n"))
    if stderr.strip():
        print("---- VMM stderr ----")
        print(stderr.rstrip("\n"))
    print("----")

    problems = []
    expected_status = (test["code"] << 1) | 1
    if why:
        problems.append(why)
    elif status != expected_status:
        problems.append("expected exit status %d, got %s" %
                        (expected_status, describe_status(status)))
    for pattern in test["expect"]:
        if not any(re.search(pattern, line) for line in lines):
            problems.append("no serial line matches /%s/" % pattern)
    for line in lines:
        if line.startswith("FAIL:"):
            problems.append("guest reported: " + line)

    if problems:
        for p in problems:
            print("  - " + p)
        print("FAIL: %s (%.1f s)" % (label, elapsed))
        return 1
    print("PASS: %s (exit status %d, %.1f s)" % (label, status, elapsed))
    return 0


if __name__ == "__main__":
    sys.exit(main())

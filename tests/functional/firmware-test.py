#!/usr/bin/env python3
"""Firmware tier: Debian's SeaBIOS (bios-256k.bin) running under pcvm on
this machine's /dev/kvm, checked by what it prints.

Usage: firmware-test.py [--tap] [--build-dir DIR] VMM [VMM-ARG...]

VMM is pcvm, or qemu-system-x86_64 with "-accel kvm" after it, to tell a
pcvm fault from a test fault. Cases:

  banner         -nographic: the SeaBIOS banner and "No bootable device."
                 on COM1 (fw_cfg sercon, CMOS, PCI, PAM all play a part)
  boot-menu      -boot menu=on shows "Press ESC for boot menu."
  debug-log      SeaBIOS's debug port log (0x402) names the chipset and
                 PIIX4 PM, installs pcvm's ACPI tables from fw_cfg (the
                 linker/loader files: it finds the FADT through the XSDT
                 and parses the DSDT), finds the PS/2 keyboard and prints
                 no WARNING about missing hardware
  mbr-disk       a raw disk image whose MBR (written here) prints a line on
                 COM1 and leaves through isa-debug-exit
  virtio-mbr     the same on virtio-blk-pci (SeaBIOS's virtio-blk driver)
  cdrom-eltorito an El Torito ISO (xorriso, no-emulation boot image written
                 here) boots from the IDE CD-ROM with -boot d
  firmware-kernel -machine pc,firmware=seabios -kernel: SeaBIOS runs the
                 linuxboot_dma.bin option ROM, which loads a bzImage (made
                 here, its setup code prints and exits) from fw_cfg

Each VMM run is killed after its timeout.
"""

import argparse
import os
import shutil
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pcvmtest  # noqa: E402

TIMEOUT = 90  # SeaBIOS takes ~4 s to its boot menu here; slow CI margin

EXIT_PORT = 0xf4
EXIT_CODE = 0x2a  # the process ends with (0x2a << 1) | 1 = 85


def real_mode_payload(message, base=0x7c00, data_from_cs=False):
    """16-bit code loaded at offset base of its data segment: print message
    on COM1, then write EXIT_CODE to the isa-debug-exit port. The data
    segment is 0, or CS when data_from_cs. Hand-assembled; the message
    follows the code."""
    code = bytearray()
    code += b"\xfa"                  # cli
    if data_from_cs:
        code += b"\x0e\x1f"          # push cs; pop ds
    else:
        code += b"\x31\xc0"          # xor ax, ax
        code += b"\x8e\xd8"          # mov ds, ax
    code += b"\xbe\x00\x00"          # mov si, MSG (patched below)
    si_fixup = len(code) - 2
    code += b"\xba\xf8\x03"          # mov dx, 0x3f8
    loop = len(code)
    code += b"\xac"                  # lodsb
    code += b"\x84\xc0"              # test al, al
    code += b"\x74\x03"              # jz done (skip the out and jmp)
    code += b"\xee"                  # out dx, al
    code += b"\xeb" + bytes([(loop - (len(code) + 2)) & 0xff])  # jmp loop
    code += b"\xb0" + bytes([EXIT_CODE])           # done: mov al, code
    code += b"\xe6" + bytes([EXIT_PORT])           # out EXIT_PORT, al
    code += b"\xf4"                  # hlt
    code += b"\xeb\xfd"              # jmp hlt
    struct.pack_into("<H", code, si_fixup, base + len(code))
    return bytes(code) + message.encode() + b"\r\n\x00"


def make_fake_bzimage(path, message):
    """A Linux boot protocol 2.06 image whose real-mode setup entry (file
    offset 0x200, run by the firmware's linuxboot option ROM as CS:0 with
    CS = setup segment + 0x20) is the payload. Its protected-mode part is
    never reached."""
    image = bytearray(3 * 512)
    image[0x1f1] = 1                                 # setup_sects
    struct.pack_into("<H", image, 0x1fe, 0xaa55)     # boot_flag
    image[0x200:0x202] = b"\xeb\x7e"                # jmp 0x280
    image[0x202:0x206] = b"HdrS"
    struct.pack_into("<H", image, 0x206, 0x0206)     # protocol version
    image[0x211] = 0x01                              # LOADED_HIGH
    struct.pack_into("<I", image, 0x214, 0x100000)   # code32_start
    struct.pack_into("<I", image, 0x22c, 0x37ffffff) # initrd_addr_max
    struct.pack_into("<I", image, 0x238, 0x7ff)      # cmdline_size
    payload = real_mode_payload(message, base=0x80, data_from_cs=True)
    image[0x280:0x280 + len(payload)] = payload
    with open(path, "wb") as f:
        f.write(image)


def make_mbr_disk(path, message):
    sector = bytearray(512)
    payload = real_mode_payload(message)
    sector[: len(payload)] = payload
    sector[510:512] = b"\x55\xaa"
    with open(path, "wb") as f:
        f.write(sector)
        f.truncate(1 << 20)


def make_eltorito_iso(path, workdir, message):
    """An ISO whose no-emulation boot image (4 sectors loaded at 0x7c00) is
    the same payload. Needs xorriso."""
    root = os.path.join(workdir, "isoroot")
    os.makedirs(root, exist_ok=True)
    image = bytearray(2048)
    payload = real_mode_payload(message)
    image[: len(payload)] = payload
    with open(os.path.join(root, "boot.img"), "wb") as f:
        f.write(image)
    with open(os.path.join(root, "README"), "w") as f:
        f.write("pcvm firmware test\n")
    subprocess.run(["xorriso", "-as", "mkisofs", "-quiet", "-o", path,
                    "-b", "boot.img", "-no-emul-boot", "-boot-load-size", "4",
                    root], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


def run(vmm, args, events, stderr_path, timeout=TIMEOUT, want_exit=None):
    """Runs the VMM until every event is seen (or it exits, or times out)."""
    run = pcvmtest.SerialRun(vmm + args, events=events, stderr_path=stderr_path)
    try:
        for name in events:
            if not run.wait_for(name, timeout):
                break
        if want_exit is not None:
            run.wait_exit(max(1, timeout - run.elapsed()))
    finally:
        run.kill()
    return run


def boot_case(rep, name, vmm, args, line, err):
    """A boot that prints line on COM1 and leaves through isa-debug-exit."""
    r = run(vmm, args, {"line": line.encode()}, err, want_exit=True)
    ok = "line" in r.times and r.returncode == (EXIT_CODE << 1) | 1
    rep.result(name, "pass" if ok else "fail", f"exit status {r.returncode}",
               log=pcvmtest.tail(r.text() + open(err, errors="replace").read()))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tap", action="store_true")
    ap.add_argument("--build-dir", default=None)
    ap.add_argument("vmm", nargs=argparse.REMAINDER)
    opts = ap.parse_args()
    rep = pcvmtest.Reporter(tap=opts.tap)
    if not opts.vmm:
        return rep.bail("no VMM given")
    vmm = opts.vmm
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        return rep.skip_all("no usable /dev/kvm")
    work = tempfile.mkdtemp(prefix="pcvm-fw-", dir=opts.build_dir)
    err = os.path.join(work, "stderr.log")
    base = ["-nographic", "-m", "128", "-no-reboot"]

    # banner
    r = run(vmm, base, {"banner": rb"SeaBIOS \(version", "nodev": rb"No bootable device"}, err)
    ok = "banner" in r.times and "nodev" in r.times
    rep.result("banner", "pass" if ok else "fail",
               f"{r.times.get('nodev', 0):.1f} s to No bootable device" if ok else "",
               log=pcvmtest.tail(r.text()))

    # boot-menu
    r = run(vmm, base + ["-boot", "menu=on,splash-time=500"],
            {"menu": rb"Press ESC for boot menu"}, err)
    rep.result("boot-menu", "pass" if "menu" in r.times else "fail",
               log=pcvmtest.tail(r.text()))

    # debug-log
    log = os.path.join(work, "seabios.log")
    r = run(vmm, base + ["-chardev", f"file,id=dbg,path={log}",
                         "-device", "isa-debugcon,iobase=0x402,chardev=dbg"],
            {"nodev": rb"No bootable device"}, err)
    text = open(log, errors="replace").read() if os.path.exists(log) else ""
    needed = ["Running on QEMU (i440fx)", "Found QEMU fw_cfg",
              "PCI: init bdf=00:01.1 id=8086:7010",
              "PCI: init bdf=00:01.3 id=8086:7113", "(via xsdt)",
              "ACPI: parse DSDT at",
              "PS2 keyboard initialized"]
    missing = [n for n in needed if n not in text]
    warnings = [line for line in text.splitlines() if "WARNING" in line]
    ok = "nodev" in r.times and not missing and not warnings
    detail = ""
    if missing:
        detail = "missing: " + "; ".join(missing)
    elif warnings:
        detail = "; ".join(warnings[:3])
    rep.result("debug-log", "pass" if ok else "fail", detail,
               log=pcvmtest.tail(text))

    # mbr-disk
    disk = os.path.join(work, "mbr.img")
    make_mbr_disk(disk, "pcvm-mbr: booted from the hard disk")
    dev_exit = ["-device", f"isa-debug-exit,iobase={EXIT_PORT:#x},iosize=1"]
    boot_case(rep, "mbr-disk", vmm,
              base + dev_exit + ["-drive", f"file={disk},format=raw,if=ide"],
              "pcvm-mbr: booted from the hard disk", err)

    # virtio-mbr: SeaBIOS's own virtio-blk driver reads the MBR
    vdisk = os.path.join(work, "virtio-mbr.img")
    make_mbr_disk(vdisk, "pcvm-mbr: booted from virtio-blk")
    boot_case(rep, "virtio-mbr", vmm,
              base + dev_exit + ["-drive", f"file={vdisk},format=raw,if=none,id=vd0",
                                 "-device", "virtio-blk-pci,drive=vd0"],
              "pcvm-mbr: booted from virtio-blk", err)

    # cdrom-eltorito
    if not shutil.which("xorriso"):
        rep.result("cdrom-eltorito", "skip", "xorriso is not installed")
    else:
        iso = os.path.join(work, "boot.iso")
        make_eltorito_iso(iso, work, "pcvm-iso: booted from the CD-ROM")
        boot_case(rep, "cdrom-eltorito", vmm,
                  base + dev_exit + ["-cdrom", iso, "-boot", "d"],
                  "pcvm-iso: booted from the CD-ROM", err)

    # firmware-kernel: -kernel through SeaBIOS, fw_cfg and linuxboot_dma.bin
    kernel = os.path.join(work, "fake-bzImage")
    make_fake_bzimage(kernel, "pcvm-linuxboot: setup code entered")
    boot_case(rep, "firmware-kernel", vmm,
              base + dev_exit + ["-machine", "pc,firmware=seabios",
                                 "-kernel", kernel, "-append", "quiet"],
              "pcvm-linuxboot: setup code entered", err)

    shutil.rmtree(work, ignore_errors=True)
    return rep.finish()


if __name__ == "__main__":
    sys.exit(main())

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
  vga-banner     -vga std: the VGA BIOS (vgabios-stdvga.bin) sets mode 3 and
                 SeaBIOS prints its banner and "No bootable device." into
                 text memory at 0xB8000 (read back with pmemsave); QMP's
                 screendump shows those cells: 720x400, every cell of one
                 character and attribute drawn alike, different letters
                 differently, spaces blank, grey on black, the cursor where
                 the BIOS data area says
  vga-vbe        -vga std: an MBR (written here) sets VBE mode 0x101 through
                 the VGA BIOS's int 10h (which programs the DISPI registers)
                 and draws 16 lines of colour bars through the banked window;
                 the screendump is 640x480 with the bars in the BIOS's
                 standard colours and black below
  vga-vnc        the vga-vbe boot with -vnc on a unix socket: an RFB 3.8
                 client here asks for a raw full update of what the guest
                 drew, which must be the screendump's picture pixel for
                 pixel

Each VMM run is killed after its timeout.
"""

import argparse
import json
import os
import shutil
import socket
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


VBE_OK_LINE = "pcvm-vbe: mode 0x101 set, 16 lines drawn"
VBE_FAIL_LINE = "pcvm-vbe: mode set failed"


def vbe_mode_payload(base=0x7c00):
    """16-bit boot code: VBE function 4F02h sets mode 0x101 (640x480, 256
    colours, banked) through the int 10h vector (called as a far call
    with the flags pushed: the same as INT 10h), fills the first 16 lines
    at A000:0000 with colour (offset >> 3) & 15, i.e. 8-pixel bars of the
    16 EGA colours, prints a line on COM1 and halts. Hand-assembled."""
    code = bytearray()
    fix = {}
    code += b"\xfa\xfc"              # cli; cld
    code += b"\x31\xc0"              # xor ax, ax
    code += b"\x8e\xd8\x8e\xd0"      # mov ds, ax; mov ss, ax
    code += b"\xbc" + struct.pack("<H", base)   # mov sp, base
    code += b"\xb8\x02\x4f"          # mov ax, 0x4f02
    code += b"\xbb\x01\x01"          # mov bx, 0x0101
    code += b"\x9c"                  # pushf
    code += b"\xff\x1e\x40\x00"      # call far [0x0040] (int 10h vector)
    code += b"\xbe\x00\x00"          # mov si, FAIL
    fix["fail"] = len(code) - 2
    code += b"\x3d\x4f\x00"          # cmp ax, 0x004f
    code += b"\x75\x00"              # jne print
    jne = len(code) - 1
    code += b"\xb8\x00\xa0\x8e\xc0"  # mov ax, 0xa000; mov es, ax
    code += b"\x31\xff"              # xor di, di
    code += b"\xb9" + struct.pack("<H", 640 * 16)  # mov cx, 640 * 16
    fill = len(code)
    code += b"\x89\xf8"              # mov ax, di
    code += b"\xc1\xe8\x03"          # shr ax, 3
    code += b"\x24\x0f"              # and al, 0x0f
    code += b"\xaa"                  # stosb
    code += b"\xe2" + bytes([(fill - (len(code) + 2)) & 0xff])  # loop fill
    code += b"\xbe\x00\x00"          # mov si, OK
    fix["ok"] = len(code) - 2
    code[jne] = len(code) - (jne + 1)
    code += b"\xba\xf8\x03"          # print: mov dx, 0x3f8
    loop = len(code)
    code += b"\xac\x84\xc0"          # lodsb; test al, al
    code += b"\x74\x03"              # jz done
    code += b"\xee"                  # out dx, al
    code += b"\xeb" + bytes([(loop - (len(code) + 2)) & 0xff])  # jmp loop
    code += b"\xf4\xeb\xfd"          # done: hlt; jmp done
    for name, text in (("ok", VBE_OK_LINE), ("fail", VBE_FAIL_LINE)):
        struct.pack_into("<H", code, fix[name], base + len(code))
        code += text.encode() + b"\r\n\x00"
    return bytes(code)


def make_mbr_disk(path, message, payload=None):
    sector = bytearray(512)
    payload = payload or real_mode_payload(message)
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


def qmp_session(path, timeout=10):
    """A QMP client on a unix socket: returns cmd(name, **args) -> reply."""
    sock = socket.socket(socket.AF_UNIX)
    sock.settimeout(timeout)
    sock.connect(path)
    f = sock.makefile("rw")
    json.loads(f.readline())  # greeting

    def cmd(name, **args):
        f.write(json.dumps({"execute": name, "arguments": args}) + "\n")
        f.flush()
        while True:
            reply = json.loads(f.readline())
            if "return" in reply or "error" in reply:
                return reply

    cmd("qmp_capabilities")
    return cmd


def read_ppm(path):
    data = open(path, "rb").read()
    fields = data.split(maxsplit=4)
    assert fields[0] == b"P6" and fields[3] == b"255", fields[:4]
    width, height = int(fields[1]), int(fields[2])
    return width, height, fields[4][:width * height * 3]


def vga_banner_case(rep, vmm, base, work, err):
    """SeaBIOS's banner in text memory, and in the screendump."""
    sock = os.path.join(work, "qmp.sock")
    text_path = os.path.join(work, "text.bin")
    bda_path = os.path.join(work, "bda.bin")
    shot = os.path.join(work, "shot.ppm")
    r = pcvmtest.SerialRun(vmm + base + ["-vga", "std", "-qmp",
                                         f"unix:{sock},server=on,wait=off"],
                           events={"nodev": rb"No bootable device"},
                           stderr_path=err)
    problems = []
    try:
        if not r.wait_for("nodev", TIMEOUT):
            problems.append("no 'No bootable device' on COM1")
        else:
            cmd = qmp_session(sock)
            for line in (f"pmemsave 0xb8000 4000 {text_path}",
                         f"pmemsave 0x450 2 {bda_path}"):
                cmd("human-monitor-command", **{"command-line": line})
            reply = cmd("screendump", filename=shot)
            if "error" in reply:
                problems.append(f"screendump: {reply['error']['desc']}")
    finally:
        r.kill()
    if not problems:
        problems = check_text_screen(open(text_path, "rb").read(),
                                     open(bda_path, "rb").read(),
                                     read_ppm(shot))
    rep.result("vga-banner", "fail" if problems else "pass",
               "; ".join(problems[:3]), log=pcvmtest.tail(r.text()))


def check_text_screen(text, bda, image):
    """Problems found comparing 80x25 text memory with its 9x16 picture."""
    width, height, rgb = image
    cols, rows, cw, ch = 80, 25, 9, 16
    problems = []
    lines = ["".join(chr(text[2 * (r * cols + c)]) for c in range(cols))
             for r in range(rows)]
    if not lines[0].startswith("SeaBIOS (version"):
        problems.append(f"row 0 of text memory is {lines[0].rstrip()!r}")
    if not any("No bootable device." in line for line in lines):
        problems.append("'No bootable device.' is not in text memory")
    if (width, height) != (cols * cw, rows * ch):
        return problems + [f"screendump is {width}x{height}, not 720x400"]
    cursor = bda[1] * cols + bda[0]

    def cell(i):
        r, c = divmod(i, cols)
        return bytes(b"".join(
            rgb[3 * ((r * ch + y) * width + c * cw):
                3 * ((r * ch + y) * width + (c + 1) * cw)]
            for y in range(ch)))

    seen = {}
    for i in range(rows * cols):
        if i == cursor:
            continue
        key = (text[2 * i], text[2 * i + 1])
        img = cell(i)
        if seen.setdefault(key, img) != img:
            problems.append(f"cells of {key} drawn differently (cell {i})")
            break
    letters = {k: v for k, v in seen.items() if chr(k[0]).isalnum()}
    if len(set(letters.values())) != len(letters):
        problems.append("two letters share a glyph")
    blank = seen.get((0x20, 0x07))
    if blank is None or set(blank) != {0}:
        problems.append("a space in grey on black is not all black")
    s_cell = seen.get((ord("S"), 0x07))
    if s_cell is None or set(s_cell) != {0, 0xa8}:
        problems.append("'S' is not drawn in grey 0xa8a8a8 on black")
    if cell(cursor) == blank and text[2 * cursor] == 0x20:
        problems.append(f"no cursor at cell {cursor}")
    return problems


# The first 16 DAC entries a VGA BIOS loads (6-bit values), and how the
# 6-bit DAC shows them in a screendump (QEMU's expansion).
EGA_DAC = [(0, 0, 0), (0, 0, 42), (0, 42, 0), (0, 42, 42), (42, 0, 0),
           (42, 0, 42), (42, 21, 0), (42, 42, 42), (21, 21, 21), (21, 21, 63),
           (21, 63, 21), (21, 63, 63), (63, 21, 21), (63, 21, 63),
           (63, 63, 21), (63, 63, 63)]


def dac8(v):
    return (v << 2) | (3 if v & 1 else 0)


def vga_vbe_case(rep, vmm, base, work, err):
    """A VBE mode set by the VGA BIOS, drawn by the guest, in a screendump."""
    sock = os.path.join(work, "qmp-vbe.sock")
    disk = os.path.join(work, "vbe.img")
    shot = os.path.join(work, "vbe.ppm")
    make_mbr_disk(disk, None, vbe_mode_payload())
    r = pcvmtest.SerialRun(vmm + base + ["-vga", "std",
                                         "-drive", f"file={disk},format=raw,if=ide",
                                         "-qmp", f"unix:{sock},server=on,wait=off"],
                           events={"ok": VBE_OK_LINE.encode(),
                                   "fail": VBE_FAIL_LINE.encode()},
                           stderr_path=err)
    problems = []
    try:
        r.wait_for("ok", TIMEOUT)
        if "ok" not in r.times:
            problems.append("the mode set failed" if "fail" in r.times
                            else "the boot code did not finish")
        else:
            reply = qmp_session(sock)("screendump", filename=shot)
            if "error" in reply:
                problems.append(f"screendump: {reply['error']['desc']}")
    finally:
        r.kill()
    if not problems:
        width, height, rgb = read_ppm(shot)
        if (width, height) != (640, 480):
            problems.append(f"screendump is {width}x{height}, not 640x480")
        else:
            for y in range(480):
                for x in range(640):
                    want = (bytes(dac8(c) for c in EGA_DAC[(x >> 3) & 15])
                            if y < 16 else b"\0\0\0")
                    got = rgb[3 * (y * 640 + x):3 * (y * 640 + x) + 3]
                    if got != want:
                        problems.append(f"pixel ({x}, {y}) is {got.hex()}, "
                                        f"not {want.hex()}")
                        break
                if problems:
                    break
    rep.result("vga-vbe", "fail" if problems else "pass", "; ".join(problems),
               log=pcvmtest.tail(r.text()))


def rfb_full_update(path, timeout=20):
    """RFB 3.8 with security None; returns (width, height, rgb bytes)."""
    sock = socket.socket(socket.AF_UNIX)
    sock.settimeout(timeout)
    sock.connect(path)

    def read(n):
        data = b""
        while len(data) < n:
            chunk = sock.recv(n - len(data))
            if not chunk:
                raise EOFError("the VNC server closed the connection")
            data += chunk
        return data

    if read(12) != b"RFB 003.008\n":
        raise ValueError("not an RFB 3.8 server")
    sock.sendall(b"RFB 003.008\n")
    types = read(read(1)[0])
    if 1 not in types:
        raise ValueError(f"no security type None in {list(types)}")
    sock.sendall(b"\x01")
    if struct.unpack(">I", read(4))[0] != 0:
        raise ValueError("security None refused")
    sock.sendall(b"\x01")  # shared
    width, height = struct.unpack(">HH", read(4))
    pixel_format = read(16)
    read(struct.unpack(">I", read(4))[0])  # the name
    if pixel_format[:4] != b"\x20\x18\x00\x01":
        raise ValueError(f"pixel format {pixel_format.hex()}")
    sock.sendall(struct.pack(">BBHi", 2, 0, 1, 0))  # raw only
    sock.sendall(struct.pack(">BBHHHH", 3, 0, 0, 0, width, height))
    rgb = bytearray(width * height * 3)
    msg_type, _, rects = struct.unpack(">BBH", read(4))
    if msg_type != 0:
        raise ValueError(f"message type {msg_type}, not an update")
    for _ in range(rects):
        x, y, w, h, enc = struct.unpack(">HHHHi", read(12))
        if enc != 0:
            raise ValueError(f"encoding {enc}, not raw")
        data = read(w * h * 4)
        for row in range(h):
            for col in range(w):
                b, g, r = data[4 * (row * w + col):4 * (row * w + col) + 3]
                o = 3 * ((y + row) * width + x + col)
                rgb[o:o + 3] = bytes((r, g, b))
    return sock, width, height, bytes(rgb)


def vga_vnc_case(rep, vmm, base, work, err):
    """The guest's VBE picture through the VNC server."""
    sock = os.path.join(work, "qmp-vnc.sock")
    vnc = os.path.join(work, "vnc.sock")
    disk = os.path.join(work, "vnc.img")
    shot = os.path.join(work, "vnc.ppm")
    make_mbr_disk(disk, None, vbe_mode_payload())
    r = pcvmtest.SerialRun(vmm + base + ["-vga", "std", "-vnc", f"unix:{vnc}",
                                         "-drive", f"file={disk},format=raw,if=ide",
                                         "-qmp", f"unix:{sock},server=on,wait=off"],
                           events={"ok": VBE_OK_LINE.encode(),
                                   "fail": VBE_FAIL_LINE.encode()},
                           stderr_path=err)
    problems = []
    try:
        r.wait_for("ok", TIMEOUT)
        if "ok" not in r.times:
            problems.append("the mode set failed" if "fail" in r.times
                            else "the boot code did not finish")
        else:
            cmd = qmp_session(sock)
            client, width, height, rgb = rfb_full_update(vnc)
            reply = cmd("screendump", filename=shot)
            if "error" in reply:
                problems.append(f"screendump: {reply['error']['desc']}")
            else:
                want = read_ppm(shot)
                if (width, height, rgb) != want:
                    problems.append(f"VNC picture {width}x{height} differs "
                                    f"from the {want[0]}x{want[1]} screendump")
            client.close()
    except (OSError, ValueError, EOFError) as e:
        problems.append(f"VNC: {e}")
    finally:
        r.kill()
    rep.result("vga-vnc", "fail" if problems else "pass", "; ".join(problems),
               log=pcvmtest.tail(r.text()))


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

    # kvm-pit: SeaBIOS's timer ticks with the PIT dropping missed ticks,
    # and the policy KVM's PIT lacks refused in QEMU's words
    boot_case(rep, "kvm-pit-discard", vmm,
              base + dev_exit + ["-global", "kvm-pit.lost_tick_policy=discard",
                                 "-drive", f"file={disk},format=raw,if=ide"],
              "pcvm-mbr: booted from the hard disk", err)
    r = run(vmm, base + ["-global", "kvm-pit.lost_tick_policy=slew"], {}, err,
            timeout=20, want_exit=True)
    stderr = open(err, errors="replace").read()
    ok = r.returncode == 1 and "Lost tick policy not supported." in stderr
    rep.result("kvm-pit-slew", "pass" if ok else "fail",
               f"exit status {r.returncode}", log=pcvmtest.tail(stderr))

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

    # vga-banner: the VGA BIOS and SeaBIOS in text mode, seen by screendump
    vga_banner_case(rep, vmm, base, work, err)

    # vga-vbe: the VGA BIOS's VBE mode set, drawn into by the guest
    vga_vbe_case(rep, vmm, base, work, err)

    # vga-vnc: the same picture through the VNC server
    vga_vnc_case(rep, vmm, base, work, err)

    shutil.rmtree(work, ignore_errors=True)
    return rep.finish()


if __name__ == "__main__":
    sys.exit(main())

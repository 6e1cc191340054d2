#!/usr/bin/env python3
"""The SDL display (-display sdl) in a real X server (Xvfb), with Debian's
SeaBIOS and the standard VGA on this machine's /dev/kvm.

Usage: sdl-display.py [--tap] PCVM

Cases:
  no-display   without $DISPLAY (and $WAYLAND_DISPLAY), -display sdl fails
               at once with one line on stderr and exit status 1
  gl-on        -display sdl,gl=on is refused with one line, status 1
  title        the window of a run with -name sdltest is titled
               "pcvm (sdltest-0)", QEMU's format
  picture      after "No bootable device." the window (xwd -id) is the
               720x400 text screen, pixel for pixel what QMP's screendump
               writes (the window is 1:1: no scaling)
  stopped      QMP stop adds " [Stopped]" to the title, cont takes it away
  grab         Ctrl-Alt-G typed into the window (xdotool, XTEST) grabs:
               the title says "Press Ctrl-Alt-G to exit grab"; again
               ungrabs
  mode-change  a boot sector sets VBE mode 0x101 and draws colour bars
               (firmware-test.py's): the window follows the guest to
               640x480 and equals the screendump
  scaled       that window resized to 1000x700 (xdotool) shows the
               picture fitted, its aspect kept, black bars beside it;
               Ctrl-Alt-U brings it back to 640x480
  keys         with -boot menu=on, ESC typed into the window while SeaBIOS
               waits reaches the guest's PS/2 keyboard: SeaBIOS opens its
               boot menu, "Select boot device" on COM1
  close        closing the window (WM_DELETE_WINDOW, what a window
               manager's close button sends) ends pcvm with status 0

Skipped (exit 77, or a TAP skip) when Xvfb, xwd or xdotool is missing or
/dev/kvm is not usable.
"""

import argparse
import ctypes
import ctypes.util
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pcvmtest  # noqa: E402

TIMEOUT = 90


def start_xvfb(work):
    """An Xvfb on a display number of its choosing; (process, ':N')."""
    rfd, wfd = os.pipe()
    proc = subprocess.Popen(["Xvfb", "-displayfd", str(wfd), "-screen", "0",
                             "1024x768x24", "-nolisten", "tcp"],
                            pass_fds=(wfd,), stdout=subprocess.DEVNULL,
                            stderr=open(os.path.join(work, "xvfb.log"), "wb"),
                            preexec_fn=pcvmtest.die_with_parent)
    os.close(wfd)
    number = b""
    with os.fdopen(rfd, "rb") as f:
        while not number.endswith(b"\n"):
            chunk = f.read(1)
            if not chunk:
                break
            number += chunk
    if not number.strip():
        proc.kill()
        raise RuntimeError("Xvfb did not start")
    return proc, ":" + number.decode().strip()


def x_env(display):
    env = dict(os.environ)
    env.pop("WAYLAND_DISPLAY", None)
    env.pop("SDL_VIDEODRIVER", None)
    env["DISPLAY"] = display
    return env


def xdotool(env, *args):
    r = subprocess.run(["xdotool", *args], env=env, capture_output=True,
                       text=True, timeout=20)
    return r.stdout.strip() if r.returncode == 0 else None


def find_window(env, pattern, timeout=20, pid=None):
    """The first window whose title matches pattern; with pid, only that
    process's (a window of a VMM that just ended may still be listed)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        out = (xdotool(env, "search", "--pid", str(pid), "--name", pattern)
               if pid else xdotool(env, "search", "--name", pattern))
        if out:
            return out.split()[0]
        time.sleep(0.2)
    return None


def wait_title(env, win, want, timeout=10):
    end = time.monotonic() + timeout
    title = None
    while time.monotonic() < end:
        title = xdotool(env, "getwindowname", win)
        if title == want:
            return True, title
        time.sleep(0.1)
    return False, title


def read_xwd(data):
    """A ZPixmap XWD of a 24/32-bit TrueColor window: (w, h, rgb bytes)."""
    fields = struct.unpack(">25I", data[:100])
    (header_size, version, pixmap_format, depth, width, height, _xoff,
     byte_order, _unit, _bit_order, _pad, bpp, bpl, _vclass, rmask, gmask,
     bmask, _bits, _centries, ncolors) = fields[:20]
    if version != 7 or pixmap_format != 2 or bpp != 32:
        raise ValueError(f"XWD version {version} format {pixmap_format} "
                         f"{bpp} bpp is not a 32-bit ZPixmap")
    pixels = data[header_size + 12 * ncolors:]
    endian = "<" if byte_order == 0 else ">"
    shifts = [(m, (m & -m).bit_length() - 1) for m in (rmask, gmask, bmask)]
    rgb = bytearray(width * height * 3)
    for y in range(height):
        row = struct.unpack_from(f"{endian}{width}I", pixels, y * bpl)
        o = y * width * 3
        for x, p in enumerate(row):
            rgb[o + 3 * x] = (p & shifts[0][0]) >> shifts[0][1]
            rgb[o + 3 * x + 1] = (p & shifts[1][0]) >> shifts[1][1]
            rgb[o + 3 * x + 2] = (p & shifts[2][0]) >> shifts[2][1]
    return width, height, bytes(rgb)


def read_ppm(path):
    data = open(path, "rb").read()
    fields = data.split(maxsplit=4)
    assert fields[0] == b"P6" and fields[3] == b"255", fields[:4]
    width, height = int(fields[1]), int(fields[2])
    return width, height, fields[4][:width * height * 3]


def qmp_session(path, timeout=10):
    """A QMP client on a unix socket: returns cmd(name, **args) -> reply."""
    end = time.monotonic() + timeout
    while True:
        sock = socket.socket(socket.AF_UNIX)
        sock.settimeout(timeout)
        try:
            sock.connect(path)
            break
        except OSError:
            sock.close()
            if time.monotonic() > end:
                raise
            time.sleep(0.1)
    f = sock.makefile("rw")
    json.loads(f.readline())

    def cmd(name, **args):
        f.write(json.dumps({"execute": name, "arguments": args}) + "\n")
        f.flush()
        while True:
            reply = json.loads(f.readline())
            if "return" in reply or "error" in reply:
                return reply

    cmd("qmp_capabilities")
    return cmd


class XClientMessageEvent(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("serial", ctypes.c_ulong),
                ("send_event", ctypes.c_int), ("display", ctypes.c_void_p),
                ("window", ctypes.c_ulong), ("message_type", ctypes.c_ulong),
                ("format", ctypes.c_int), ("data", ctypes.c_long * 5)]


class XEvent(ctypes.Union):
    _fields_ = [("xclient", XClientMessageEvent), ("pad", ctypes.c_long * 24)]


def send_wm_delete(display, win):
    """What a window manager's close button does: a WM_DELETE_WINDOW
    WM_PROTOCOLS message to the window (libX11 through ctypes)."""
    x11 = ctypes.CDLL(ctypes.util.find_library("X11") or "libX11.so.6")
    x11.XOpenDisplay.restype = ctypes.c_void_p
    x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x11.XInternAtom.restype = ctypes.c_ulong
    x11.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    x11.XSendEvent.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int,
                               ctypes.c_long, ctypes.POINTER(XEvent)]
    x11.XFlush.argtypes = [ctypes.c_void_p]
    x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
    dpy = x11.XOpenDisplay(display.encode())
    if not dpy:
        raise RuntimeError(f"cannot open X display {display}")
    ev = XEvent()
    ev.xclient.type = 33  # ClientMessage
    ev.xclient.window = int(win)
    ev.xclient.message_type = x11.XInternAtom(dpy, b"WM_PROTOCOLS", 0)
    ev.xclient.format = 32
    ev.xclient.data[0] = x11.XInternAtom(dpy, b"WM_DELETE_WINDOW", 0)
    ev.xclient.data[1] = 0  # CurrentTime
    x11.XSendEvent(dpy, int(win), 0, 0, ctypes.byref(ev))
    x11.XFlush(dpy)
    x11.XCloseDisplay(dpy)


def one_line_error(rep, name, vmm, args, env, want):
    r = subprocess.run(vmm + args, env=env, capture_output=True, text=True,
                       timeout=30, stdin=subprocess.DEVNULL)
    lines = r.stderr.splitlines()
    ok = (r.returncode == 1 and len(lines) == 1 and
          lines[0].startswith(want) and not r.stdout)
    rep.result(name, "pass" if ok else "fail",
               f"status {r.returncode}, stderr {r.stderr!r}")


def picture_run(rep, vmm, env, work):
    sock = os.path.join(work, "qmp.sock")
    shot = os.path.join(work, "shot.ppm")
    r = pcvmtest.SerialRun(vmm + ["-display", "sdl", "-vga", "std",
                                  "-serial", "stdio", "-m", "128",
                                  "-no-reboot", "-name", "sdltest", "-qmp",
                                  f"unix:{sock},server=on,wait=off"],
                           events={"nodev": rb"No bootable device"},
                           stderr_path=os.path.join(work, "stderr.log"),
                           env=env)
    try:
        win = find_window(env, r"^pcvm \(sdltest-0\)", pid=r.pid)
        ok, title = (wait_title(env, win, "pcvm (sdltest-0)") if win
                     else (False, None))
        rep.result("title", "pass" if ok else "fail", f"title {title!r}")
        if not r.wait_for("nodev", TIMEOUT) or not win:
            for case in ("picture", "stopped", "grab"):
                rep.result(case, "fail", "no window or no 'No bootable "
                           "device' on COM1", log=pcvmtest.tail(r.text()))
            return
        cmd = qmp_session(sock)
        detail = "no try matched"
        ok = False
        for attempt in range(10):
            reply = cmd("screendump", filename=shot)
            if "error" in reply:
                detail = f"screendump: {reply['error']['desc']}"
                break
            want = read_ppm(shot)
            time.sleep(0.3)  # several refreshes of the window
            data = subprocess.run(["xwd", "-silent", "-id", win], env=env,
                                  capture_output=True, timeout=20).stdout
            got = read_xwd(data)
            if got == want and len(set(got[2])) > 1:
                ok = True
                detail = (f"{got[0]}x{got[1]}, equal to the screendump "
                          f"(try {attempt + 1})")
                break
            if got[:2] != want[:2]:
                detail = (f"window {got[0]}x{got[1]}, screendump "
                          f"{want[0]}x{want[1]}")
            else:
                diff = sum(a != b for a, b in zip(got[2], want[2]))
                detail = f"{diff} of {len(got[2])} colour bytes differ"
        rep.result("picture", "pass" if ok else "fail", detail)

        cmd("stop")
        ok1, t1 = wait_title(env, win, "pcvm (sdltest-0) [Stopped]")
        cmd("cont")
        ok2, t2 = wait_title(env, win, "pcvm (sdltest-0)")
        rep.result("stopped", "pass" if ok1 and ok2 else "fail",
                   f"titles {t1!r}, {t2!r}")

        xdotool(env, "windowfocus", "--sync", win)
        xdotool(env, "key", "ctrl+alt+g")
        ok1, t1 = wait_title(
            env, win, "pcvm (sdltest-0) - Press Ctrl-Alt-G to exit grab")
        xdotool(env, "key", "ctrl+alt+g")
        ok2, t2 = wait_title(env, win, "pcvm (sdltest-0)")
        rep.result("grab", "pass" if ok1 and ok2 else "fail",
                   f"titles {t1!r}, {t2!r}")
    finally:
        r.kill()


def firmware_test_module():
    """firmware-test.py, for its VBE boot sector."""
    import importlib.util
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        "firmware-test.py")
    spec = importlib.util.spec_from_file_location("firmware_test", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def window_picture(env, win):
    data = subprocess.run(["xwd", "-silent", "-id", win], env=env,
                          capture_output=True, timeout=20).stdout
    return read_xwd(data)


def vbe_run(rep, vmm, env, work):
    """A mode change: the window follows the guest to 640x480."""
    fw = firmware_test_module()
    sock = os.path.join(work, "qmp-vbe.sock")
    disk = os.path.join(work, "vbe.img")
    shot = os.path.join(work, "vbe.ppm")
    fw.make_mbr_disk(disk, None, fw.vbe_mode_payload())
    r = pcvmtest.SerialRun(vmm + ["-display", "sdl", "-vga", "std",
                                  "-serial", "stdio", "-m", "128",
                                  "-no-reboot", "-drive",
                                  f"file={disk},format=raw,if=ide", "-qmp",
                                  f"unix:{sock},server=on,wait=off"],
                           events={"ok": fw.VBE_OK_LINE.encode()},
                           stderr_path=os.path.join(work, "stderr-vbe.log"),
                           env=env)
    try:
        win = find_window(env, r"^pcvm$", pid=r.pid)
        if not win or not r.wait_for("ok", TIMEOUT):
            rep.result("mode-change", "fail", "no window or no VBE mode",
                       log=pcvmtest.tail(r.text()))
            return
        cmd = qmp_session(sock)
        detail, ok = "no try matched", False
        for attempt in range(10):
            reply = cmd("screendump", filename=shot)
            want = read_ppm(shot) if "error" not in reply else None
            time.sleep(0.3)
            got = window_picture(env, win)
            if want and got == want and got[:2] == (640, 480):
                ok = True
                detail = ("the window is 640x480, equal to the screendump "
                          f"(try {attempt + 1})")
                break
            detail = (f"window {got[0]}x{got[1]}, screendump "
                      f"{want[0]}x{want[1]}" if want else "no screendump")
        rep.result("mode-change", "pass" if ok else "fail", detail)
        scaled_case(rep, env, win, 640, 480)
    finally:
        r.kill()


def scaled_case(rep, env, win, tw, th):
    """The user resizes the window: the picture is fitted, aspect kept."""
    # xwd sees only what is on the 1024x768 screen
    xdotool(env, "windowmove", "--sync", win, "0", "0")
    xdotool(env, "windowsize", "--sync", win, "1000", "700")
    time.sleep(0.5)
    w, h, rgb = window_picture(env, win)
    problems = []
    if (w, h) != (1000, 700):
        problems.append(f"the window is {w}x{h}, not 1000x700")
    else:
        if w * th <= h * tw:
            dw, dh = w, w * th // tw
        else:
            dw, dh = h * tw // th, h
        x0, y0 = (w - dw) // 2, (h - dh) // 2

        def lit(x, y):
            return any(rgb[3 * (y * w + x):3 * (y * w + x) + 3])
        outside = [(x, y) for y in range(0, h, 4) for x in range(0, w, 4)
                   if not (x0 <= x < x0 + dw and y0 <= y < y0 + dh)]
        inside = [(x, y) for y in range(y0, y0 + dh, 4)
                  for x in range(x0, x0 + dw, 4)]
        if any(lit(x, y) for x, y in outside):
            problems.append("the bars around the picture are not black")
        if not any(lit(x, y) for x, y in inside):
            problems.append(f"no picture in {dw}x{dh} at ({x0}, {y0})")
    xdotool(env, "key", "ctrl+alt+u")
    time.sleep(0.5)
    back = window_picture(env, win)
    if back[:2] != (tw, th):
        problems.append(f"Ctrl-Alt-U gave {back[0]}x{back[1]}")
    rep.result("scaled", "fail" if problems else "pass",
               "; ".join(problems) or
               f"1000x700 shows {dw}x{dh} at ({x0}, {y0}), black around; "
               f"Ctrl-Alt-U back to {tw}x{th}")


def keys_run(rep, vmm, env, work):
    r = pcvmtest.SerialRun(vmm + ["-display", "sdl", "-vga", "std",
                                  "-serial", "stdio", "-m", "128",
                                  "-no-reboot", "-boot",
                                  "menu=on,splash-time=30000"],
                           events={"prompt": rb"Press ESC for boot menu",
                                   "menu": rb"Select boot device"},
                           stderr_path=os.path.join(work, "stderr-keys.log"),
                           env=env)
    try:
        win = find_window(env, r"^pcvm$", pid=r.pid)
        if not win or not r.wait_for("prompt", TIMEOUT):
            with open(os.path.join(work, "stderr-keys.log"), errors="replace") as f:
                stderr = f.read()
            rep.result("keys", "fail",
                       f"window {win}, VMM exit status {r.returncode}: no window "
                       "or no boot menu prompt",
                       log=pcvmtest.tail(r.text() + stderr))
            rep.result("close", "fail", "no window")
            return
        xdotool(env, "windowfocus", "--sync", win)
        xdotool(env, "key", "Escape")
        ok = r.wait_for("menu", r.elapsed() + 15)
        rep.result("keys", "pass" if ok else "fail",
                   "ESC opened SeaBIOS's boot menu" if ok else
                   "no 'Select boot device' after ESC",
                   log=pcvmtest.tail(r.text()))
        send_wm_delete(env["DISPLAY"], win)
        exited = r.wait_exit(15)
        ok = exited and r.returncode == 0
        rep.result("close", "pass" if ok else "fail",
                   f"exit status {r.returncode}" if exited
                   else "still running 15 s after the close")
    finally:
        r.kill()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tap", action="store_true")
    ap.add_argument("vmm", nargs=argparse.REMAINDER)
    opts = ap.parse_args()
    rep = pcvmtest.Reporter(tap=opts.tap)
    if not opts.vmm:
        return rep.bail("no VMM given")
    vmm = opts.vmm
    for prog in ("Xvfb", "xwd", "xdotool"):
        if not shutil.which(prog):
            return rep.skip_all(f"{prog} is not installed")

    no_x = dict(os.environ)
    for var in ("DISPLAY", "WAYLAND_DISPLAY", "SDL_VIDEODRIVER"):
        no_x.pop(var, None)
    one_line_error(rep, "no-display", vmm, ["-display", "sdl"], no_x,
                   "pcvm: -display sdl: ")
    one_line_error(rep, "gl-on", vmm, ["-display", "sdl,gl=on"], no_x,
                   "pcvm: -display sdl,gl=on: OpenGL is not supported")

    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        for case in ("title", "picture", "stopped", "grab", "mode-change",
                     "scaled",
                     "keys", "close"):
            rep.result(case, "skip", "no usable /dev/kvm")
        return rep.finish()
    work = tempfile.mkdtemp(prefix="pcvm-sdl-")
    xvfb = None
    try:
        xvfb, display = start_xvfb(work)
        env = x_env(display)
        picture_run(rep, vmm, env, work)
        vbe_run(rep, vmm, env, work)
        keys_run(rep, vmm, env, work)
    finally:
        if xvfb:
            xvfb.kill()
            xvfb.wait()
        shutil.rmtree(work, ignore_errors=True)
    return rep.finish()


if __name__ == "__main__":
    sys.exit(main())

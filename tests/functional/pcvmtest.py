"""Helpers shared by pcvm's functional tests, nested-host and tests/bench.

Python standard library only.  Nothing here is specific to one VMM: the
same code drives pcvm and qemu-system-x86_64.
"""

import gzip
import hashlib
import lzma
import os
import re
import select
import signal
import stat
import subprocess
import sys
import tempfile
import time

EXIT_SKIP = 77
EXIT_HARD_ERROR = 99


def cache_dir(*sub):
    """${PCVM_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/pcvm}/SUB..., created."""
    d = os.environ.get("PCVM_CACHE_DIR")
    if not d:
        xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        d = os.path.join(xdg, "pcvm")
    d = os.path.join(d, *sub)
    os.makedirs(d, exist_ok=True)
    return d


def default_guest():
    """(directory, kernel command line) of pcvm's default guest
    (pc-bios/guest), built or found in the cache by its build.sh; the
    directory is None if it did not build."""
    top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    guest = os.path.join(top, "pc-bios", "guest")
    build = subprocess.run([os.path.join(guest, "build.sh")],
                           stdout=subprocess.PIPE, text=True)
    with open(os.path.join(guest, "cmdline")) as f:
        cmdline = f.read().strip()
    if build.returncode != 0:
        return None, cmdline
    return build.stdout.strip().splitlines()[-1], cmdline


class Cpio:
    """Minimal writer of the newc cpio format that the kernel unpacks."""

    def __init__(self):
        self.parts = []
        self.ino = 1

    def _entry(self, name, mode, data=b""):
        name_b = name.encode() + b"\0"
        fields = (self.ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(name_b), 0)
        self.ino += 1
        blob = b"070701" + "".join(f"{v:08x}" for v in fields).encode() + name_b
        blob += b"\0" * (-len(blob) % 4)
        blob += data
        blob += b"\0" * (-len(blob) % 4)
        self.parts.append(blob)

    def dir(self, name, mode=0o755):
        self._entry(name, stat.S_IFDIR | mode)

    def file(self, name, data, mode=0o644):
        self._entry(name, stat.S_IFREG | mode, data)

    def symlink(self, name, target):
        self._entry(name, stat.S_IFLNK | 0o777, target.encode())

    def bytes(self):
        self._entry("TRAILER!!!", 0)
        out = b"".join(self.parts)
        return out + b"\0" * (-len(out) % 512)


def elf_info(path):
    """(elf class 32/64, machine, static?) of an ELF file, or None."""
    try:
        with open(path, "rb") as f:
            data = f.read(1 << 16)
    except OSError:
        return None
    if data[:4] != b"\x7fELF" or data[5] != 1:  # little endian only
        return None
    bits = 64 if data[4] == 2 else 32
    machine = int.from_bytes(data[18:20], "little")
    if bits == 64:
        phoff = int.from_bytes(data[32:40], "little")
        phentsize = int.from_bytes(data[54:56], "little")
        phnum = int.from_bytes(data[56:58], "little")
    else:
        phoff = int.from_bytes(data[28:32], "little")
        phentsize = int.from_bytes(data[42:44], "little")
        phnum = int.from_bytes(data[44:46], "little")
    static = True
    for i in range(phnum):
        off = phoff + i * phentsize
        if int.from_bytes(data[off:off + 4], "little") == 3:  # PT_INTERP
            static = False
    return bits, machine, static


ELF_MACHINES = {"amd64": (64, 62), "i386": (32, 3)}


def static_busybox(path=None, arch="amd64"):
    """path (default $PCVM_BUSYBOX or /bin/busybox) if it is a statically
    linked busybox for arch (amd64 or i386), else None."""
    path = path or os.environ.get("PCVM_BUSYBOX", "/bin/busybox")
    info = elf_info(path)
    if info and (info[0], info[1]) == ELF_MACHINES[arch] and info[2]:
        return path
    return None


def _verkey(v):
    return [int(x) if x.isdigit() else x for x in re.split(r"[.\-+~]", v)]


def debian_kernel(flavour="amd64", root="/"):
    """Newest /boot/vmlinuz-*-FLAVOUR under root, or None."""
    boot = os.path.join(root, "boot")
    found = []
    if os.path.isdir(boot):
        for name in os.listdir(boot):
            m = re.match(rf"^vmlinuz-(.*-{re.escape(flavour)})$", name)
            if m:
                found.append((m.group(1), os.path.join(boot, name)))
    if not found:
        return None
    found.sort(key=lambda x: _verkey(x[0]))
    return found[-1][1]


def kernel_version(path):
    """Version string embedded in a bzImage (setup header kernel_version)."""
    try:
        with open(path, "rb") as f:
            head = f.read(1 << 15)
        if head[0x202:0x206] == b"HdrS":
            off = int.from_bytes(head[0x20e:0x210], "little") + 0x200
            with open(path, "rb") as f:
                f.seek(off)
                s = f.read(256)
            return s.split(b"\0")[0].decode(errors="replace").split(" ")[0]
    except (OSError, IndexError):
        pass
    m = re.match(r"^vmlinuz-(.*)$", os.path.basename(path))
    return m.group(1) if m else None


def norm_mod(name):
    return name.replace("-", "_")


def module_load_order(mdir, wanted):
    """Module files (relative to mdir) in load order, dependencies first;
    LookupError names a module that is neither a file nor built in."""
    deps = {}
    files = {}
    with open(os.path.join(mdir, "modules.dep")) as f:
        for line in f:
            path, _, rest = line.partition(":")
            base = os.path.basename(path)
            name = norm_mod(re.sub(r"\.ko(\.(xz|gz|zst))?$", "", base))
            files[name] = path
            deps[name] = rest.split()
    builtin = set()
    try:
        with open(os.path.join(mdir, "modules.builtin")) as f:
            for line in f:
                builtin.add(norm_mod(re.sub(r"\.ko$", "", os.path.basename(line.strip()))))
    except OSError:
        pass
    order = []
    seen = set()

    def visit(name):
        if name in seen:
            return
        seen.add(name)
        if name not in files:
            if name in builtin:
                return
            raise LookupError(f"kernel module {name} not found in {mdir}")
        for d in deps[name]:
            visit(norm_mod(re.sub(r"\.ko(\.(xz|gz|zst))?$", "", os.path.basename(d))))
        order.append(files[name])

    for w in wanted:
        visit(norm_mod(w))
    return order


def read_module(path):
    if path.endswith(".xz"):
        with lzma.open(path) as f:
            return f.read()
    if path.endswith(".gz"):
        with gzip.open(path) as f:
            return f.read()
    if path.endswith(".zst"):
        return subprocess.run(["zstd", "-dc", path], check=True, stdout=subprocess.PIPE).stdout
    with open(path, "rb") as f:
        return f.read()


def build_initramfs(dest, files, busybox):
    """Writes (if not already there) a busybox initramfs into directory dest.

    files: {path in the image: (bytes, mode)}; /bin/busybox and the applet
    symlinks are added.  The file name carries a hash of the contents, so a
    changed init script gives a new file.  Returns the path.
    """
    with open(busybox, "rb") as f:
        bb = f.read()
    h = hashlib.sha256(bb)
    for name in sorted(files):
        data, mode = files[name]
        h.update(f"{name} {mode:o} {len(data)}\n".encode())
        h.update(data)
    os.makedirs(dest, exist_ok=True)
    path = os.path.join(dest, f"busybox-initrd-{h.hexdigest()[:12]}.cpio")
    if os.path.exists(path):
        return path
    c = Cpio()
    dirs = {"bin", "dev", "proc", "sys", "tmp", "etc", "root"}
    for name in files:
        parts = name.strip("/").split("/")[:-1]
        for i in range(1, len(parts) + 1):
            dirs.add("/".join(parts[:i]))
    for d in sorted(dirs):
        c.dir(d)
    c.file("bin/busybox", bb, 0o755)
    c.symlink("bin/sh", "busybox")
    for name in sorted(files):
        data, mode = files[name]
        c.file(name.strip("/"), data, mode)
    fd, tmp = tempfile.mkstemp(dir=dest, prefix=".tmp-initrd-")
    with os.fdopen(fd, "wb") as f:
        f.write(c.bytes())
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)  # atomic: parallel tests may build the same image
    return path


def die_with_parent():
    """preexec_fn: the child gets SIGKILL when the process that started it
    dies, so that no VMM outlives a killed test (PR_SET_PDEATHSIG)."""
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


def process_threads(pid):
    """One line per thread of pid: name, state and kernel wait channel, with
    its kernel stack where /proc shows it (root)."""
    out = []
    try:
        tids = sorted(os.listdir(f"/proc/{pid}/task"), key=int)
    except OSError as e:
        return f"  (cannot read /proc/{pid}/task: {e.strerror})"
    for tid in tids:
        base = f"/proc/{pid}/task/{tid}"
        fields = {}
        for name in ("comm", "wchan", "stack"):
            try:
                with open(f"{base}/{name}") as f:
                    fields[name] = f.read().strip()
            except OSError:
                fields[name] = "?"
        state = "?"
        try:
            with open(f"{base}/status") as f:
                for line in f:
                    if line.startswith("State:"):
                        state = line.split(":", 1)[1].strip()
        except OSError:
            pass
        out.append(f"  thread {tid} {fields['comm']}: {state}, wchan {fields['wchan']}")
        if fields["stack"] not in ("?", ""):
            out += ["    " + l for l in fields["stack"].splitlines()[:12]]
    return "\n".join(out)


class SerialRun:
    """Runs a VMM whose guest console is on its stdout and records when bytes
    and marker lines arrive.  stdin is /dev/null (or, with stdin=True, a pipe
    that send() writes to), stderr goes to a file.

    events: {name: regex on bytes}; self.times[name] = seconds from the start
    to the first complete output line matching it.  self.first_byte: seconds
    to the first byte on stdout.  self.exit_time: seconds to the VMM's exit.
    """

    def __init__(self, cmd, events=None, stderr_path=None, env=None, stdin=False):
        self.cmd = cmd
        self.events = {k: re.compile(v) for k, v in (events or {}).items()}
        self.times = {}
        self.first_byte = None
        self.output = bytearray()
        self.returncode = None
        self.exit_time = None
        self.killed = False
        self.unkillable = None
        self._scanned = 0
        self._eof = False
        self._stderr = open(stderr_path or os.devnull, "wb")
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                                     stdout=subprocess.PIPE,
                                     stderr=self._stderr, start_new_session=True, env=env,
                                     preexec_fn=die_with_parent)
        self.pid = self.proc.pid
        self._fd = self.proc.stdout.fileno()

    def elapsed(self):
        return time.monotonic() - self.t0

    def _scan(self):
        while True:
            nl = self.output.find(b"\n", self._scanned)
            if nl < 0:
                return
            line = bytes(self.output[self._scanned:nl])
            self._scanned = nl + 1
            for name, rx in self.events.items():
                if name not in self.times and rx.search(line):
                    self.times[name] = self.elapsed()

    def _read(self, timeout):
        """One select+read; returns False once stdout is at EOF."""
        if self._eof:
            return False
        r, _, _ = select.select([self._fd], [], [], max(timeout, 0))
        if not r:
            return True
        data = os.read(self._fd, 65536)
        if not data:
            self._eof = True
            return False
        if self.first_byte is None:
            self.first_byte = self.elapsed()
        self.output += data
        self._scan()
        return True

    def _check_exit(self):
        if self.returncode is None:
            rc = self.proc.poll()
            if rc is None and self._eof:
                try:
                    rc = self.proc.wait(timeout=1)
                except subprocess.TimeoutExpired:
                    rc = None
            if rc is not None:
                self.returncode = rc
                self.exit_time = self.elapsed()
                # what is still in the pipe
                while self._read(0):
                    r, _, _ = select.select([self._fd], [], [], 0)
                    if not r:
                        break
        return self.returncode is not None

    def exited(self):
        """True once the VMM has exited (returncode and exit_time are set)."""
        return self._check_exit()

    def step(self, timeout):
        """Reads output for up to timeout seconds; True while the VMM runs."""
        if self._check_exit():
            return False
        if self._eof:
            time.sleep(min(timeout, 0.05))
        else:
            self._read(timeout)
        return not self._check_exit()

    def wait_for(self, name, timeout):
        """Waits until event name is seen, the VMM exits, or timeout seconds
        after the VMM started.  True if the event was seen."""
        end = self.t0 + timeout
        while name not in self.times:
            left = end - time.monotonic()
            if left <= 0 or not self.step(min(0.25, left)):
                break
        return name in self.times

    def wait_output(self, data, timeout):
        """Waits until bytes data have appeared on the console, the VMM
        exits, or timeout seconds after the VMM started."""
        end = self.t0 + timeout
        while data not in self.output:
            left = end - time.monotonic()
            if left <= 0 or not self.step(min(0.25, left)):
                break
        return data in self.output

    def drain(self, seconds):
        """Reads the console for seconds (or until the VMM exits)."""
        end = time.monotonic() + seconds
        while time.monotonic() < end and self.step(min(0.25, end - time.monotonic())):
            pass

    def wait_first_byte(self, timeout):
        end = self.t0 + timeout
        while self.first_byte is None:
            left = end - time.monotonic()
            if left <= 0 or not self.step(min(0.25, left)):
                break
        return self.first_byte is not None

    def wait_exit(self, seconds):
        """Waits up to seconds (from now) for the VMM to end by itself."""
        end = time.monotonic() + seconds
        while not self._check_exit():
            left = end - time.monotonic()
            if left <= 0:
                return False
            self.step(min(0.25, left))
        return True

    def send(self, data):
        """Writes data to the VMM's stdin (the guest console with -nographic)."""
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    # How long a SIGKILLed VMM may take to go away before kill() gives up
    # on it and says where it is stuck (a process in the kernel, e.g. a VM
    # teardown that never ends, does not die of SIGKILL).
    KILL_WAIT = 60

    def kill(self):
        """Kills the VMM (and anything it started) if it still runs.  A VMM
        still there KILL_WAIT s after SIGKILL is left behind: self.unkillable
        then says what its threads were doing, for the test to report."""
        self.unkillable = None
        if not self._check_exit():
            self.killed = True
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=self.KILL_WAIT)
            except subprocess.TimeoutExpired:
                self.unkillable = (f"VMM (pid {self.pid}) still there {self.KILL_WAIT} s "
                                   f"after SIGKILL:\n{process_threads(self.pid)}")
            self._check_exit()
        try:  # children of the VMM may outlive it in its process group
            os.killpg(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self._stderr.close()
        self.proc.stdout.close()
        if self.proc.stdin:
            try:
                self.proc.stdin.close()
            except BrokenPipeError:
                pass

    def text(self):
        return self.output.decode(errors="replace").replace("\r", "")


class Reporter:
    """Prints results as 'PASS: name' lines, or as TAP for meson (--tap).

    In TAP mode everything that is not a result goes out as a '# ' comment
    and the exit status is 0 (meson takes the verdict from the TAP lines).
    """

    def __init__(self, tap=False, planned=None):
        self.tap = tap
        self.n = 0
        self.results = []
        if tap:
            print("TAP version 13", flush=True)
            if planned is not None:
                print(f"1..{planned}", flush=True)
        self.planned = planned

    def note(self, text):
        for line in str(text).rstrip("\n").split("\n"):
            if self.tap:
                print(f"# {line}", flush=True)
            else:
                print(line, flush=True)

    def result(self, name, status, detail="", log=None):
        """status: 'pass', 'fail' or 'skip'."""
        self.n += 1
        self.results.append((name, status))
        if self.tap:
            word = "not ok" if status == "fail" else "ok"
            suffix = f" # SKIP {detail}" if status == "skip" else (f" - {detail}" if detail else "")
            print(f"{word} {self.n} {name}{suffix}", flush=True)
        else:
            print(f"{status.upper()}: {name}" + (f": {detail}" if detail else ""), flush=True)
        if log and status == "fail":
            self.note(log)

    def skip_all(self, reason):
        if self.tap:
            if self.planned is None:
                print(f"1..0 # SKIP {reason}", flush=True)
            else:
                for _ in range(self.planned - self.n):
                    self.result("skipped", "skip", reason)
            return 0
        print(f"SKIP: {reason}", flush=True)
        return EXIT_SKIP

    def bail(self, reason):
        if self.tap:
            print(f"Bail out! {reason}", flush=True)
        else:
            print(f"ERROR: {reason}", flush=True)
        return EXIT_HARD_ERROR

    def finish(self):
        if self.tap:
            if self.planned is None:
                print(f"1..{self.n}", flush=True)
            return 0
        if any(s == "fail" for _, s in self.results):
            return 1
        if self.results and all(s == "skip" for _, s in self.results):
            return EXIT_SKIP
        return 0


def which(prog):
    if "/" in prog:
        return os.path.abspath(prog) if os.access(prog, os.X_OK) else None
    for d in os.environ.get("PATH", "").split(os.pathsep):
        p = os.path.join(d, prog)
        if os.access(p, os.X_OK) and not os.path.isdir(p):
            return p
    return None


def tail(text, n=60):
    lines = text.rstrip("\n").split("\n")
    return "\n".join(lines[-n:])


if __name__ == "__main__":
    sys.exit("pcvmtest.py is a library")

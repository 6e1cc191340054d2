#!/usr/bin/env python3
"""pcvm-img against qemu-img, in one run (TAP).

    tests/tools/pcvm-img-test.py build/pcvm-img

Every image pcvm-img writes must pass `qemu-img check`, and qemu-img's
description of it (info, human and JSON) must be the one pcvm-img gives;
snapshots either tool makes are listed the same by both; convert (also
compressed), resize, commit and rebase -u leave images that qemu-img
compares equal to what they should hold; check finds and repairs the
leaks and errors qemu-img finds. Skips without qemu-img (qemu-utils).
"""
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

PCVM_IMG = os.path.abspath(sys.argv[1])
QEMU_IMG = shutil.which("qemu-img")
results = []


def run(tool, *args, ok=(0,)):
    p = subprocess.run([tool, *args], capture_output=True, text=True)
    if p.returncode not in ok:
        raise AssertionError("%s %s: exit %d: %s" % (
            os.path.basename(tool), " ".join(args), p.returncode,
            p.stderr.strip()))
    return p


def pimg(*args, ok=(0,)):
    return run(PCVM_IMG, *args, ok=ok)


def qimg(*args, ok=(0,)):
    return run(QEMU_IMG, *args, ok=ok)


def case(fn):
    results.append(fn)
    return fn


def info_json(tool, path):
    data = json.loads(tool("info", "--output", "json", path).stdout)
    data.pop("actual-size", None)  # both stat the same file, but later
    return data


@case
def create_and_info(d):
    """qcow2 images of several kinds: qemu-img check clean, info equal."""
    base = os.path.join(d, "base.raw")
    pimg("create", "-q", "-f", "raw", base, "8M")
    kinds = [
        ["-o", "cluster_size=65536"],
        ["-o", "compat=0.10,cluster_size=4096"],
        ["-o", "cluster_size=512,refcount_bits=8"],
        ["-o", "cluster_size=2M,refcount_bits=64"],
        ["-b", "base.raw", "-F", "raw"],
    ]
    for i, opts in enumerate(kinds):
        img = os.path.join(d, "k%d.qcow2" % i)
        size = [] if "-b" in opts else ["64M"]
        pimg("create", "-q", "-f", "qcow2", *opts, img, *size)
        qimg("check", img)
        q, p = info_json(qimg, img), info_json(pimg, img)
        assert q == p, "info --output json differs:\n%s\n%s" % (q, p)
        qh = qimg("info", img).stdout
        ph = pimg("info", img).stdout
        assert qh == ph, "info differs:\n%s\n---\n%s" % (qh, ph)


@case
def snapshots(d):
    """Snapshots made by either tool, listed, applied, deleted by both."""
    img = os.path.join(d, "snap.qcow2")
    pimg("create", "-q", "-f", "qcow2", img, "4M")
    qemu_io = shutil.which("qemu-io")
    run(qemu_io, "-c", "write -P 7 0 192k", img)
    pimg("snapshot", "-c", "first", img)
    qimg("check", img)
    run(qemu_io, "-c", "write -P 9 64k 64k", img)
    qimg("snapshot", "-c", "second", img)
    assert qimg("snapshot", "-l", img).stdout == \
        pimg("snapshot", "-l", img).stdout
    pimg("snapshot", "-a", "first", img)
    qimg("check", img)
    run(qemu_io, "-c", "read -P 7 0 192k", img)
    qimg("snapshot", "-a", "second", img)
    run(qemu_io, "-c", "read -P 9 64k 64k", img)
    pimg("snapshot", "-d", "first", img)
    pimg("snapshot", "-d", "2", img)  # by id
    qimg("check", img)
    assert pimg("snapshot", "-l", img).stdout == ""
    err = pimg("snapshot", "-d", "nope", img, ok=(1,)).stderr
    assert "Could not delete snapshot 'nope'" in err, err


def write_pattern(path, size):
    with open(path, "wb") as f:
        for i in range(size // 4096):
            f.write((b"pcvm%05d" % i * 512) if i % 3 else bytes(4096))


@case
def convert(d):
    """raw -> qcow2, compressed too, and back: equal, and checked clean."""
    raw = os.path.join(d, "data.raw")
    write_pattern(raw, 6 << 20)
    for opts in ([], ["-c"], ["-o", "cluster_size=4096"]):
        out = os.path.join(d, "conv.qcow2")
        pimg("convert", *opts, "-f", "raw", "-O", "qcow2", raw, out)
        qimg("check", out)
        qimg("compare", "-f", "raw", "-F", "qcow2", raw, out)
        back = os.path.join(d, "back.raw")
        pimg("convert", "-O", "raw", out, back)
        qimg("compare", "-f", "raw", "-F", "raw", raw, back)
        if opts == ["-c"]:
            assert os.path.getsize(out) < os.path.getsize(raw) // 4
    # qemu-img's compressed image read by pcvm-img.
    qc = os.path.join(d, "qc.qcow2")
    qimg("convert", "-c", "-f", "raw", "-O", "qcow2", raw, qc)
    back = os.path.join(d, "back2.raw")
    pimg("convert", "-O", "raw", qc, back)
    qimg("compare", "-f", "raw", "-F", "raw", raw, back)


@case
def resize_commit_rebase(d):
    """resize grows the L1 table; commit copies into the backing file."""
    img = os.path.join(d, "r.qcow2")
    pimg("create", "-q", "-f", "qcow2", "-o", "cluster_size=512", img, "1M")
    pimg("resize", img, "+100M")
    assert info_json(qimg, img)["virtual-size"] == 101 << 20
    qimg("check", img)
    err = pimg("resize", img, "1M", ok=(1,)).stderr
    assert "--shrink" in err, err
    base = os.path.join(d, "cbase.raw")
    write_pattern(base, 2 << 20)
    top = os.path.join(d, "ctop.qcow2")
    pimg("create", "-q", "-f", "qcow2", "-b", "cbase.raw", "-F", "raw", top)
    qemu_io = shutil.which("qemu-io")
    run(qemu_io, "-c", "write -P 0x5a 100k 300k", top)
    assert "Image committed." in pimg("commit", top).stdout
    run(qemu_io, "-f", "raw", "-c", "read -P 0x5a 100k 300k", base)
    qimg("check", top)
    qimg("compare", top, base)  # emptied: reads through to the base
    pimg("rebase", "-u", "-b", "other.raw", "-F", "raw", top)
    p = info_json(qimg, top)
    assert p["backing-filename"] == "other.raw", p


def same_check(d, img, *repair):
    """Both tools check (and repair) copies: same exit status, same end."""
    codes = []
    for tool in (pimg, qimg):
        copy = os.path.join(d, "copy-" + tool.__name__ + ".qcow2")
        shutil.copy(img, copy)
        code = tool("check", *repair, copy, ok=(0, 2, 3)).returncode
        after = qimg("check", copy, ok=(0, 2, 3)).returncode
        codes.append((code, after))
    assert codes[0] == codes[1], "pcvm-img, qemu-img: %s" % codes
    return codes[0]


@case
def check_and_repair(d):
    """Leaks and refcount errors: found as qemu-img finds them, repaired."""
    img = os.path.join(d, "l.qcow2")
    pimg("create", "-q", "-f", "qcow2", img, "16M")
    run(shutil.which("qemu-io"), "-c", "write 0 1M", img)
    assert same_check(d, img) == (0, 0)
    # Cluster 2 is the refcount block: cluster 5 (data) counted twice
    # (a leak, and a COPIED flag that no longer fits).
    with open(img, "r+b") as f:
        f.seek(0x20000 + 2 * 5)
        f.write(struct.pack(">H", 2))
    assert same_check(d, img) == (2, 2)
    assert same_check(d, img, "-r", "leaks") == (0, 0)
    assert same_check(d, img, "-r", "all") == (0, 0)
    # Cluster 6 (data) not counted at all: corruption.
    with open(img, "r+b") as f:
        f.seek(0x20000 + 2 * 6)
        f.write(struct.pack(">H", 0))
    out = pimg("check", img, ok=(2,)).stdout
    assert "ERROR cluster 6 refcount=0 reference=1" in out, out
    assert same_check(d, img, "-r", "all") == (0, 0)


@case
def errors(d):
    """Bad input: one line, exit status 1."""
    assert "Command not found" in pimg("frobnicate", ok=(1,)).stderr
    err = pimg("create", "-f", "qcow2", os.path.join(d, "x"), ok=(1,)).stderr
    assert "Size must be specified" in err, err
    err = pimg("info", os.path.join(d, "missing"), ok=(1,)).stderr
    assert "No such file or directory" in err, err


def main():
    print("1..%d" % len(results))
    failed = 0
    for n, fn in enumerate(results, 1):
        if not QEMU_IMG or not shutil.which("qemu-io"):
            print("ok %d %s # SKIP qemu-img (qemu-utils) is not installed"
                  % (n, fn.__name__))
            continue
        with tempfile.TemporaryDirectory(prefix="pcvm-img-") as d:
            try:
                fn(d)
                print("ok %d %s" % (n, fn.__name__))
            except AssertionError as e:
                failed += 1
                print("not ok %d %s" % (n, fn.__name__))
                for line in str(e).splitlines():
                    print("# " + line)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

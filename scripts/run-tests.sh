#!/bin/sh
# Runs the Meson test suites (all, or the ones named) and ends with the line
# "N passed, N failed[, N skipped]". Exits non-zero if anything failed.
#
# With no suite named (make check, CI), the unit, qtest and style tiers run
# a second time from BUILD-san, a build with AddressSanitizer and UBSan
# (./configure --enable-sanitizers), with leaks checked and any UBSan report
# fatal; their results count as "asan:" tests.
build=${1:-build}
shift
suites=""
for s in "$@"; do
    suites="$suites --suite $s"
done
status=0
meson test -C "$build" --print-errorlogs --num-processes 2 $suites || status=$?
logs="$build/meson-logs/testlog.json"
if [ -z "$suites" ]; then
    san="$build-san"
    if [ ! -f "$san/build.ninja" ]; then
        meson setup "$san" -Dsanitizers=true >/dev/null || status=1
    fi
    if ninja -C "$san" >/dev/null; then
        ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
        UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
            meson test -C "$san" --print-errorlogs --num-processes 2 \
                --suite unit --suite qtest --suite style || status=$?
        logs="$logs $san/meson-logs/testlog.json"
    else
        echo "run-tests: the sanitizer build failed" >&2
        status=1
    fi
fi
python3 - $logs <<'PY'
import json, sys
passed = failed = skipped = 0
digest = []
for n, path in enumerate(sys.argv[1:]):
    prefix = "asan:" if n else ""
    for line in open(path):
        t = json.loads(line)
        r = t["result"]
        if r in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif r == "SKIP":
            skipped += 1
        else:
            failed += 1
            # Only the end of a CI log may be kept: repeat why each failure
            # failed here, its failing TAP lines and the notes right after.
            digest.append(f"FAILED {prefix}{t['name']} ({r}, "
                          f"{t.get('duration', 0):.0f} s)")
            keep = 0
            lines = (t.get("stdout") or "").splitlines()
            if not any(x.startswith(("not ok", "Bail out!")) for x in lines):
                digest.extend("  " + x[:300] for x in lines[-20:])
                lines = []
            for out in lines:
                if out.startswith(("not ok", "Bail out!")):
                    keep = 40
                elif out.startswith("ok "):
                    keep = 0
                if keep:
                    digest.append("  " + out[:300])
                    keep -= 1
if digest:
    print("---- failures ----")
    print("\n".join(digest[-150:]))
print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
PY
exit $status

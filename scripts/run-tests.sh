#!/bin/sh
# Runs the Meson test suites (all, or the ones named) and ends with the line
# "N passed, N failed[, N skipped]". Exits non-zero if anything failed.
build=${1:-build}
shift
suites=""
for s in "$@"; do
    suites="$suites --suite $s"
done
status=0
meson test -C "$build" --print-errorlogs --num-processes 2 $suites || status=$?
python3 - "$build/meson-logs/testlog.json" <<'PY'
import json, sys
passed = failed = skipped = 0
digest = []
for line in open(sys.argv[1]):
    t = json.loads(line)
    r = t["result"]
    if r in ("OK", "EXPECTEDFAIL"):
        passed += 1
    elif r == "SKIP":
        skipped += 1
    else:
        failed += 1
        # Only the end of a CI log may be kept: repeat why each failure
        # failed here, its failing TAP lines and the notes right after them.
        digest.append(f"FAILED {t['name']} ({r}, {t.get('duration', 0):.0f} s)")
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

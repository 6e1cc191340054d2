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
for line in open(sys.argv[1]):
    r = json.loads(line)["result"]
    if r in ("OK", "EXPECTEDFAIL"):
        passed += 1
    elif r == "SKIP":
        skipped += 1
    else:
        failed += 1
print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
PY
exit $status

#!/bin/sh
# Checks that every C file in the tree is formatted as .clang-format says.
# Lists the files that are not, with the fix, and exits 1 if there are any.
#   scripts/check-format.sh            check
#   clang-format -i FILE...            fix (or: git clang-format for a change)
cd "$(dirname "$0")/.." || exit 2
if ! command -v clang-format >/dev/null; then
    echo "check-format: clang-format not installed (scripts/install-deps.sh)" >&2
    exit 2
fi
bad=0
for f in $(git ls-files '*.c' '*.h' 2>/dev/null || find . -name '*.[ch]' -not -path './build*'); do
    if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
        echo "check-format: $f differs from .clang-format (clang-format -i $f)"
        bad=1
    fi
done
exit $bad

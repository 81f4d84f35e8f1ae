#!/usr/bin/env bash
# `tyr dump BIN --asserts` of every given binary compiles with gcc: the declarations are valid C
# and every struct's sizeof and member offsets equal the DWARF's (_Static_assert).
#   dump_compiles.sh TYR GCC BIN...
set -uo pipefail
tyr=$1 gcc=$2
shift 2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
n=0 failed=0
for bin in "$@"; do
    # Separate debug files and dwz'd pieces are checked through the binaries that use them.
    [[ -x $bin && ! -d $bin ]] || continue
    n=$((n + 1))
    c="$work/$(basename "$bin").c"
    if ! "$tyr" dump "$bin" --asserts >"$c"; then
        echo "FAILED: tyr dump $bin"
        failed=$((failed + 1))
    elif ! "$gcc" -std=gnu11 -c -o /dev/null "$c"; then
        echo "FAILED: gcc on the dump of $bin"
        failed=$((failed + 1))
    fi
done
echo "dumped and compiled $n binaries: $failed failed"
((n > 0 && failed == 0))

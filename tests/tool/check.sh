#!/usr/bin/env bash
# One tool test: run a command, check its exit status and compare its whole stdout with a
# golden file (reviewed by a person, not just regenerated). With exit status 1 or 2, stderr must
# be exactly one line starting with "tyr".
#   check.sh STATUS GOLDEN|- COMMAND [ARGS...]
# GOLDEN "-" checks the status and stderr only. TYR_UPDATE_GOLDEN=1 rewrites the golden file
# instead of comparing (then review the diff before committing). A GNU build-id in stdout is
# compared as BUILD-ID: it changes with the build directory (tests/tool.cmake's
# tool_source_build_id checks the recorded one against readelf).
set -uo pipefail
want=$1 golden=$2
shift 2
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
"$@" >"$out" 2>"$err"
got=$?
fail=0
if [[ $got -ne $want ]]; then
    echo "exit status $got, expected $want: $*"
    fail=1
fi
if [[ $want -ne 0 ]]; then
    lines=$(wc -l <"$err")
    if [[ $lines -ne 1 ]] || ! grep -q '^tyr' "$err"; then
        echo "stderr should be one line starting with 'tyr', got $lines lines:"
        fail=1
    fi
fi
cat "$err" >&2
sed -i -E 's/build-id [0-9a-f]{16,}/build-id BUILD-ID/g' "$out"
if [[ $golden != - ]]; then
    if [[ ${TYR_UPDATE_GOLDEN:-0} == 1 ]]; then
        cp "$out" "$golden"
        echo "updated $golden"
    elif ! diff -u "$golden" "$out"; then
        echo "stdout differs from $golden"
        fail=1
    fi
fi
exit $fail

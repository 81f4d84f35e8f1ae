#!/usr/bin/env bash
# The tyr command's contract, as a table. Every bad input and every usage error: the exact
# exit code (1 bad input, 2 usage), exactly one line on stderr, starting with "tyr", nothing
# on stdout. Then the grammar's promises that succeed: help both ways, --version both ways,
# options after operands, `--`, the colour rules, decode's leftover count.
# Runs in the example's directory (./linked_list, walk.tyr).
#   cli_table.sh TYR TOOL_SRC_DIR
set -uo pipefail
tyr=$1 src=$2
failed=0 ran=0

fail() { echo "FAIL: $*"; failed=$((failed + 1)); }

# case STATUS ARGS...: runs tyr ARGS.
case_() {
    local want=$1
    shift
    ran=$((ran + 1))
    local out err
    out=$("$tyr" "$@" 2>/tmp/tyr_cli_err.$$)
    local got=$?
    err=$(cat /tmp/tyr_cli_err.$$)
    local lines
    lines=$(printf '%s' "$err" | grep -c '')
    if [[ $got -ne $want ]]; then
        fail "exit $got, want $want: tyr $*  [$err]"
    elif [[ -n $out ]]; then
        fail "stdout not empty: tyr $*: $(head -c 200 <<<"$out")"
    elif [[ $lines -ne 1 || $err != tyr* ]]; then
        fail "stderr is $lines lines, want one starting with 'tyr': tyr $*: $err"
    else
        printf 'ok %d  %-60s %s\n' "$want" "tyr $*" "$err"
    fi
}

rm -f none.tyr
head -c 100 walk.tyr >short.tyr
cp walk.tyr bad.tyr && printf '\377' | dd of=bad.tyr bs=1 seek=300 conv=notrunc 2>/dev/null
head -c 3 walk.tyr >three.bin

# ---- usage errors: exit 2 ----
case_ 2
case_ 2 frobnicate
case_ 2 argz ./linked_list walk
case_ 2 --bogus
case_ 2 --verison
case_ 2 -x
case_ 2 help frobnicate
case_ 2 help args extra
case_ 2 args
case_ 2 args ./linked_list
case_ 2 args --jsn ./linked_list walk
case_ 2 args ./linked_list walk --jsn
case_ 2 args -q ./linked_list walk
case_ 2 args --json=yes ./linked_list walk
case_ 2 list
case_ 2 list ./linked_list 'w*' extra
case_ 2 list ./linked_list --format xml
case_ 2 list ./linked_list --format
case_ 2 import ./linked_list
case_ 2 import ./linked_list -f walk
case_ 2 import -o none.tyr -f walk
case_ 2 import ./linked_list -f walk -o none.tyr --append-to none.bin
case_ 2 import ./linked_list -f walk -o
case_ 2 import ./linked_list -f walk -o none.tyr --page-align
case_ 2 import ./linked_list -f walk -o none.tyr --fucntion walk
case_ 2 dump
case_ 2 dump walk.tyr --format xml
case_ 2 dump walk.tyr --asserts=1
case_ 2 verify
case_ 2 verify walk.tyr walk.tyr
case_ 2 verify walk.tyr --offset banana
case_ 2 verify walk.tyr --offset -8
case_ 2 verify walk.tyr --format yaml
case_ 2 stats walk.tyr --audit
case_ 2 stats
case_ 2 stats walk.tyr extra
case_ 2 decode walk.tyr
case_ 2 decode walk.tyr "struct Node"
case_ 2 decode walk.tyr "struct Node" --hex 00 --raw three.bin
case_ 2 decode walk.tyr "struct Node" --hex zz
case_ 2 decode walk.tyr "struct Node" --hex 123

# ---- bad input: exit 1 ----
case_ 1 args ./linked_list no_such_function
case_ 1 args ./linked_list 'zz*'
case_ 1 args ./linked_list walk 'zz*'
case_ 1 args walk.tyr 'zz*'
case_ 1 args walk.tyr no_such_function
case_ 1 args ./no-such-file walk
case_ 1 args "$src/check.sh" walk
case_ 1 args / walk
[[ -x /usr/bin/true ]] && case_ 1 args /usr/bin/true main
case_ 1 list ./linked_list 'zz*'
case_ 1 list walk.tyr 'zz*'
case_ 1 list ./no-such-file
case_ 1 list "$src/check.sh"
case_ 1 import ./linked_list -f 'zz*' -o none.tyr
case_ 1 import ./linked_list -f no_such_function -o none.tyr
case_ 1 import ./linked_list -t "struct Nope" -o none.tyr
case_ 1 import walk.tyr -f walk -o none.tyr
case_ 1 import ./no-such-file -f walk -o none.tyr
[[ -e none.tyr ]] && fail "a failed import wrote none.tyr"
case_ 1 dump walk.tyr "struct Nope"
case_ 1 dump walk.tyr int --format layout
case_ 1 dump ./linked_list "enum node_state" --format layout
case_ 1 dump ./no-such-file
case_ 1 decode walk.tyr "struct Node" --hex 8877
case_ 1 decode walk.tyr "struct Node" --raw three.bin
case_ 1 decode walk.tyr "struct Node" --raw ./no-such-file
case_ 1 decode walk.tyr "struct Nope" --hex 00
case_ 1 decode walk.tyr walk --hex 00
case_ 1 verify ./linked_list
case_ 1 verify --audit bad.tyr
case_ 1 verify short.tyr
case_ 1 verify walk.tyr --offset 8
case_ 1 verify walk.tyr --offset 99999999
case_ 1 verify /
case_ 1 stats ./no-such-file
case_ 1 stats short.tyr

# ---- what succeeds ----
same() { # same DESCRIPTION CMD1 :: CMD2: equal stdout, both exit 0
    local what=$1
    shift
    local a=() b=()
    while [[ $1 != :: ]]; do a+=("$1"); shift; done
    shift
    b=("$@")
    ran=$((ran + 1))
    local x y
    x=$("$tyr" "${a[@]}" 2>&1) || { fail "$what: tyr ${a[*]} failed"; return; }
    y=$("$tyr" "${b[@]}" 2>&1) || { fail "$what: tyr ${b[*]} failed"; return; }
    [[ -n $x && $x == "$y" ]] && echo "ok    $what" || fail "$what: differ"
}
same "tyr help args = tyr args --help" help args :: args --help
same "tyr help import = tyr import -h" help import :: import -h
same "tyr help = tyr --help" help :: --help
same "-V = --version" -V :: --version
same "options after operands" args --json walk.tyr walk :: args walk.tyr walk --json
same "option between operands" args ./linked_list -j walk :: args -j ./linked_list walk
same "-- ends options" args -- ./linked_list walk :: args ./linked_list walk
same "--opt=value = --opt value" dump --format=layout walk.tyr "struct Node" :: dump walk.tyr "struct Node" -F layout
same "a glob and the names it matches" args ./linked_list 'w*' :: args ./linked_list walk
same "a typedef's layout is its record's" dump ./linked_list node_t -F layout :: dump ./linked_list "struct Node" -F layout

ran=$((ran + 1))
"$tyr" list ./linked_list | grep -qx walk && echo "ok    tyr list BINARY names walk" ||
    fail "tyr list ./linked_list does not list walk"
ran=$((ran + 1))
if command -v python3 >/dev/null; then
    set -f # the patterns below are tyr's to match, not the shell's
    bad=0
    for c in "list walk.tyr" "list ./linked_list w*" "stats walk.tyr" "verify walk.tyr"; do
        # shellcheck disable=SC2086
        "$tyr" $c --format json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["command"] and d["file"]' ||
            { fail "tyr $c --format json is not the documented JSON"; bad=1; }
    done
    for lv in "safe:" "audit:--audit"; do
        "$tyr" verify walk.tyr --format json ${lv#*:} |
            python3 -c 'import json,sys; assert json.load(sys.stdin)["level"] == sys.argv[1]' "${lv%%:*}" ||
            { fail "tyr verify ${lv#*:} --format json does not say level ${lv%%:*}"; bad=1; }
    done
    set +f
    ((bad)) || echo "ok    --format json parses (list, stats, verify) and verify names its level"
fi

# decode: more bytes than the type decodes, and says how many are left over.
ran=$((ran + 1))
hex="8877665544332211 2a000000 00000000 6865616400000000 8d000000 01000000 000000000000e03f 0000000000000000"
out=$("$tyr" decode walk.tyr "struct Node" --hex "$hex ffff" 2>/tmp/tyr_cli_err.$$)
rc=$?
err=$(cat /tmp/tyr_cli_err.$$)
if [[ $rc -eq 0 && $out == "{ .next = 0x1122334455667788"* && $err == *"2 bytes left over"* ]]; then
    echo "ok    decode with 2 extra bytes: $err"
else
    fail "decode with extra bytes: rc $rc, out '$out', err '$err'"
fi

# Colour: on a terminal only, never with NO_COLOR, never into a pipe or file.
if command -v script >/dev/null; then
    ran=$((ran + 1))
    tty_err=$(script -qec "$tyr args ./no-such-file walk" /dev/null)
    nocolor_err=$(NO_COLOR=1 script -qec "$tyr args ./no-such-file walk" /dev/null)
    pipe_err=$("$tyr" args ./no-such-file walk 2>&1)
    esc=$'\033['
    if [[ $tty_err == *"$esc"* && $nocolor_err != *"$esc"* && $pipe_err != *"$esc"* ]]; then
        echo "ok    colour on a terminal only, not with NO_COLOR"
    else
        fail "colour: tty '$tty_err', NO_COLOR '$nocolor_err', pipe '$pipe_err'"
    fi
fi

rm -f /tmp/tyr_cli_err.$$ short.tyr bad.tyr three.bin
echo "$((ran - failed)) of $ran cases pass"
((failed == 0))

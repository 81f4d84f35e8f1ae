#!/usr/bin/env bash
# Function patterns find what a uprobe attaches to. For each pattern of the table, over the
# installed libc (debug info from libc6-dbg):
#   - `tyr list LIB PAT` prints exactly the names `bpftrace -l 'uprobe:LIB:PAT'` prints, its
#     versioned spellings (fopen@@GLIBC_2.2.5) folded into the plain name;
#   - `tyr args LIB PAT` (the matcher shared with import --function) finds the same names;
#   - `tyr args BLOB PAT`, BLOB being `tyr import LIB --all`, finds the same names again.
# Then the whole library: how many of bpftrace's names tyr list and tyr args agree on.
# Skips (exit 77) without bpftrace, libc or its debug info.
#   patterns_vs_bpftrace.sh TYR WORKDIR
set -uo pipefail
tyr=$1 work=$2
lib=/lib/x86_64-linux-gnu/libc.so.6
command -v bpftrace >/dev/null || { echo "skip: bpftrace is not installed"; exit 77; }
[[ -r $lib ]] || { echo "skip: no $lib"; exit 77; }
mkdir -p "$work" && cd "$work" || exit 1
if ! "$tyr" args "$lib" fopen >/dev/null 2>err.txt; then
    echo "skip: no debug info for $lib (install libc6-dbg): $(cat err.txt)"
    exit 77
fi
"$tyr" import "$lib" --all -o libc.tyr >/dev/null || { echo "FAIL: import --all"; exit 1; }

# bpftrace 0.17 matches a pattern against the versioned spelling and without backtracking:
# `pthread_mutex_*lock` misses pthread_mutex_clocklock (its "lock" is found inside "clock"),
# `*lock` misses a name bpftrace only has as name@@VERSION. So the reference is bpftrace's
# whole listing, folded, filtered by the pattern as fnmatch(3) reads it; bpftrace's own answer
# for the pattern is shown beside it where it differs.
patterns=('fope*' 'pthread_mutex_*lock' 'str*to*' 'qsort*' 'getaddrinfo*' 'malloc*'
          '*printf' 'mem*' 'getpw*' 'fclose*' '__libc_*' 'pthread_cond_*' 'sig*set*'
          'getline' 'fopen' 'fgets*' 'pthread_*_init' 'inet_*' 'regcomp*' 'wcs*len*')
names() { sed -n 's/^uprobe:[^:]*:\(.*\)$/\1/p' | sed 's/@.*//' | sort -u; }
all=$(timeout 120 bpftrace -l "uprobe:$lib:*" 2>/dev/null | names)
[[ -n $all ]] || { echo "skip: bpftrace -l cannot list $lib here"; exit 77; }
mapfile -t all_names <<<"$all"
failed=0
for p in "${patterns[@]}"; do
    want=$(for n in "${all_names[@]}"; do [[ $n == $p ]] && echo "$n"; done)
    own=$(timeout 60 bpftrace -l "uprobe:$lib:$p" 2>/dev/null | names)
    list=$("$tyr" list "$lib" "$p" 2>/dev/null)
    bin=$("$tyr" args "$lib" "$p" 2>/dev/null | names)
    blob=$("$tyr" args libc.tyr "$p" 2>/dev/null | names)
    n=$(grep -c . <<<"$want")
    note=""
    [[ $own == "$want" ]] ||
        note="(bpftrace -l '$p' itself: $(grep -c . <<<"$own"), missing $(comm -23 <(echo "$want") <(echo "$own") | tr '\n' ' '))"
    if [[ -z $want ]]; then
        echo "FAIL: bpftrace -l lists nothing for '$p': pick another pattern"
        failed=$((failed + 1))
    elif [[ $list == "$want" && $bin == "$want" && $blob == "$want" ]]; then
        printf 'ok   %-22s %3d functions %s\n' "$p" "$n" "$note"
    else
        failed=$((failed + 1))
        printf 'FAIL %-22s bpftrace %d, list %d, args %d, blob %d\n' "$p" "$n" \
            "$(grep -c . <<<"$list")" "$(grep -c . <<<"$bin")" "$(grep -c . <<<"$blob")"
        diff <(echo "$want") <(echo "$bin") | head -20
    fi
done

# The whole library: names only (list), and names with a signature (args over binary and
# blob, which must agree with each other exactly).
list=$("$tyr" list "$lib")
bin=$("$tyr" args "$lib" '*' | names)
blob=$("$tyr" args libc.tyr '*' | names)
total=$(grep -c . <<<"$all")
agree_list=$(comm -12 <(echo "$all") <(echo "$list") | grep -c .)
agree_args=$(comm -12 <(echo "$all") <(echo "$bin") | grep -c .)
no_sig=$(comm -23 <(echo "$all") <(echo "$bin"))
echo "whole libc: $(grep -c . <<<"$no_sig") names have no DWARF definition for tyr args," \
     "$(grep -c '\.cold$' <<<"$no_sig") of them .cold parts; the others:" \
     "$(grep -v '\.cold$' <<<"$no_sig" | head -12 | tr '\n' ' ')..."
echo "whole libc: tyr list agrees on $agree_list of $total names bpftrace -l lists" \
     "($(comm -13 <(echo "$all") <(echo "$list") | grep -c .) extra);" \
     "tyr args answers for $agree_args of them ($(comm -13 <(echo "$all") <(echo "$bin") | grep -c .) extra)"
[[ $list == "$all" ]] || { echo "FAIL: tyr list differs from bpftrace -l over the whole library"; failed=$((failed + 1)); }
[[ $bin == "$blob" ]] || { echo "FAIL: tyr args '*' differs between the binary and its blob"; diff <(echo "$bin") <(echo "$blob") | head; failed=$((failed + 1)); }
# tyr list over a non-PIE executable: its PLT entries are probes too.
checks=2
py=/usr/bin/python3.11d
if [[ -r $py ]]; then
    checks=3
    want=$(timeout 120 bpftrace -l "uprobe:$py:*" 2>/dev/null | names)
    got=$("$tyr" list "$py")
    echo "whole python3.11d: tyr list agrees on $(comm -12 <(echo "$want") <(echo "$got") | grep -c .)" \
         "of $(grep -c . <<<"$want") names bpftrace -l lists ($(comm -13 <(echo "$want") <(echo "$got") | grep -c .) extra)"
    [[ $got == "$want" ]] || { echo "FAIL: tyr list differs from bpftrace -l over $py"; failed=$((failed + 1)); }
fi
echo "$failed failed of ${#patterns[@]} patterns and $checks whole-binary checks"
((failed == 0))

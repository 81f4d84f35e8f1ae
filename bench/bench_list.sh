#!/usr/bin/env bash
# tyr list against bpftrace -l: the same binary and pattern, runs interleaved, wall time of
# each process (start to exit), medians and their ratio. Target: tyr list <= 0.2x.
# bench/run runs it as build-bench/bench/bench_list (the tyr beside it); by hand:
#   bench/bench_list.sh [RUNS] [TYR]
set -uo pipefail
runs=${1:-11}
[[ $runs =~ ^[0-9]+$ ]] || runs=11
tyr=${2:-$(dirname "$0")/../tyr}
command -v bpftrace >/dev/null || { echo "bench_list: no bpftrace, skipped"; exit 0; }
[[ -x $tyr ]] || { echo "bench_list: no tyr at $tyr"; exit 1; }

now_ns() { date +%s%N; }
median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

echo "tyr list vs bpftrace -l: median wall ms of $runs runs each, interleaved"
printf '%-34s %-14s %9s %9s %9s %7s\n' binary pattern names tyr bpftrace ratio
for target in "/lib/x86_64-linux-gnu/libc.so.6 fope*" "/lib/x86_64-linux-gnu/libc.so.6 *" \
              "/usr/bin/python3.11d PyDict_*" "/usr/bin/python3.11d *"; do
    bin=${target% *} pat=${target##* }
    [[ -r $bin ]] || { printf '%-34s %-14s skipped: not installed\n' "$bin" "$pat"; continue; }
    names=$("$tyr" list "$bin" "$pat" 2>/dev/null | wc -l)
    t=() b=()
    for ((i = 0; i < runs; i++)); do
        s=$(now_ns); "$tyr" list "$bin" "$pat" >/dev/null 2>&1; e=$(now_ns)
        t+=($(((e - s) / 1000)))
        s=$(now_ns); bpftrace -l "uprobe:$bin:$pat" >/dev/null 2>&1; e=$(now_ns)
        b+=($(((e - s) / 1000)))
    done
    tm=$(printf '%s\n' "${t[@]}" | median) bm=$(printf '%s\n' "${b[@]}" | median)
    awk -v bin="$bin" -v pat="$pat" -v n="$names" -v t="$tm" -v b="$bm" 'BEGIN {
        printf "%-34s %-14s %9d %9.1f %9.1f %6.2fx %s\n", bin, pat, n, t / 1000, b / 1000,
               t / b, (t / b <= 0.2 ? "(<= 0.2x: met)" : "(<= 0.2x: NOT met)") }'
done

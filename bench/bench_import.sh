#!/bin/sh
# DWARF import benchmark, side by side in one run, ratios printed (medians of $RUNS runs):
#   1. every type of BIN:  tyr import_all  vs  pahole -j --btf_encode_detached (and pahole)
#   2. one function:       tyr import_func vs  bpftrace -lv 'uprobe:BIN:FUNC'
# Wall time process to process and peak RSS of each.
# Usage: bench/bench_import.sh [BUILD_DIR] [BIN] [FUNC]   (defaults: build, python3.11d)
set -eu
BUILD=${1:-build}
BIN=${2:-/usr/bin/python3.11d}
FUNC=${3:-PyObject_Call}
RUNS=${RUNS:-5}
TYR=$BUILD/bench/bench_import
[ -x "$TYR" ] || { echo "build first: cmake --build $BUILD --target bench_import" >&2; exit 1; }
[ -r "$BIN" ] || { echo "$BIN missing (Debian: apt-get install python3.11-dbg)" >&2; exit 1; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cp "$BIN" "$TMP/copy"

# run NAME CMD...: RUNS runs; prints "NAME median_ms median_rss_kb"
run() {
    name=$1; shift
    : > "$TMP/$name.t"
    i=0
    while [ $i -lt "$RUNS" ]; do
        s=$(date +%s%N)
        /usr/bin/time -f "%M" -o "$TMP/rss" "$@" > "$TMP/$name.out" 2> "$TMP/$name.err" || true
        e=$(date +%s%N)
        echo "$(( (e - s) / 1000 )) $(tail -1 "$TMP/rss")" >> "$TMP/$name.t"
        i=$((i + 1))
    done
    ms=$(awk '{print $1}' "$TMP/$name.t" | sort -n | awk '{a[NR]=$1} END {printf "%.1f", a[int((NR+1)/2)]/1000}')
    kb=$(awk '{print $2}' "$TMP/$name.t" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    echo "$name $ms $kb"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

echo "binary: $BIN ($(readelf -S -W "$BIN" | awk '$2==".debug_info" {print "debug_info 0x" $6 " bytes"}'))"
echo "runs: $RUNS (medians)"
echo
set -- $(run tyr_all "$TYR" all "$TMP/copy"); tyr_ms=$2; tyr_kb=$3
echo "tyr import_all:                 $tyr_ms ms  $((tyr_kb / 1024)) MB   [$(cat "$TMP/tyr_all.out")]"
if command -v pahole >/dev/null; then
    set -- $(run pahole_j pahole -j --btf_encode_detached="$TMP/j.btf" "$TMP/copy"); pj_ms=$2; pj_kb=$3
    set -- $(run pahole pahole --btf_encode_detached="$TMP/s.btf" "$TMP/copy"); p_ms=$2; p_kb=$3
    echo "pahole -j --btf_encode_detached: $pj_ms ms  $((pj_kb / 1024)) MB   ($(grep -c DW_TAG_atomic_type "$TMP/pahole_j.err" 2>/dev/null || echo 0) warnings about dropped _Atomic)"
    echo "pahole --btf_encode_detached:    $p_ms ms  $((p_kb / 1024)) MB"
    echo "  ratio tyr/pahole -j: time $(ratio "$tyr_ms" "$pj_ms")x (target <= 1.0), RSS $(ratio "$tyr_kb" "$pj_kb")x (target <= 40 MB)"
    echo "  ratio tyr/pahole:    time $(ratio "$tyr_ms" "$p_ms")x"
else
    echo "pahole: not installed (apt-get install dwarves)"
fi
echo
set -- $(run tyr_func "$TYR" func "$TMP/copy" "$FUNC"); tf_ms=$2; tf_kb=$3
echo "tyr import_func $FUNC:      $tf_ms ms  $((tf_kb / 1024)) MB"
sed 's/^/    | /' "$TMP/tyr_func.out"
if command -v bpftrace >/dev/null; then
    set -- $(run bpftrace bpftrace -lv "uprobe:$TMP/copy:$FUNC"); b_ms=$2; b_kb=$3
    if grep -q '^uprobe:' "$TMP/bpftrace.out"; then
        echo "bpftrace -lv uprobe:…:$FUNC:     $b_ms ms  $((b_kb / 1024)) MB"
        sed 's/^/    | /' "$TMP/bpftrace.out"
        echo "  ratio tyr/bpftrace: time $(ratio "$tf_ms" "$b_ms")x (target <= 0.3), RSS $(ratio "$tf_kb" "$b_kb")x"
    else
        echo "bpftrace: cannot list here ($(head -1 "$TMP/bpftrace.err"))"
    fi
else
    echo "bpftrace: not installed"
fi

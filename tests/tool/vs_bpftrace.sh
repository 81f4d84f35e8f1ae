#!/usr/bin/env bash
# `tyr args BIN F` must print exactly what `bpftrace -lv 'uprobe:BIN:F'` prints, for every
# function of BIN with debug info that bpftrace lists arguments for. Functions where bpftrace
# 0.17 prints `<unknown type>` (function pointers, const volatile pointees: its own gaps) are
# compared on every other line. Skips (exit 77) when bpftrace is missing or cannot list here.
#   vs_bpftrace.sh TYR BIN...
set -uo pipefail
tyr=$1
shift
command -v bpftrace >/dev/null || { echo "skip: bpftrace is not installed"; exit 77; }
compared=0 failed=0
for bin in "$@"; do
    dir=$(dirname "$bin") base=./$(basename "$bin")
    cd "$dir" || exit 1
    if ! listing=$(timeout 60 bpftrace -l "uprobe:$base:*" 2>/dev/null); then
        echo "skip: bpftrace -l cannot run here"
        exit 77
    fi
    for probe in $listing; do
        fn=${probe##*:}
        [[ $fn == _* || $fn == main || $fn == frame_dummy || $fn == *_tm_clones ]] && continue
        want=$(timeout 60 bpftrace -lv "uprobe:$base:$fn" 2>/dev/null)
        # Only functions bpftrace found arguments for: the probe line alone says nothing.
        [[ $(wc -l <<<"$want") -gt 1 ]] || continue
        got=$("$tyr" args "$base" "$fn" 2>&1)
        ok=1
        mapfile -t w <<<"$want"
        mapfile -t g <<<"$got"
        if [[ ${#w[@]} -ne ${#g[@]} ]]; then
            ok=0
        else
            for i in "${!w[@]}"; do
                [[ ${w[$i]} == *"<unknown type>"* ]] && continue
                [[ ${w[$i]} == "${g[$i]}" ]] || ok=0
            done
        fi
        compared=$((compared + 1))
        if ((!ok)); then
            failed=$((failed + 1))
            echo "DIFFERS: $bin $fn"
            diff <(echo "$want") <(echo "$got")
        fi
    done
    cd - >/dev/null || exit 1
done
echo "compared $compared functions with bpftrace -lv: $failed differ"
((compared > 0)) || { echo "nothing compared"; exit 1; }
((failed == 0))

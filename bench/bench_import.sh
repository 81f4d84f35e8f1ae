#!/bin/sh
# The DWARF import benchmark from a shell: builds bench_import if needed and runs it (tyr vs
# pahole -j --btf_encode_detached and bpftrace -lv on python3.11d, medians of RUNS runs).
# Usage: bench/bench_import.sh [BUILD_DIR] [RUNS]
#   TYR_BENCH_BIN=/path/to/binary TYR_BENCH_FUNC=name to change the target.
set -eu
BUILD=${1:-build}
RUNS=${2:-5}
cmake --build "$BUILD" --target bench_import >/dev/null
exec "$BUILD/bench/bench_import" "$RUNS"

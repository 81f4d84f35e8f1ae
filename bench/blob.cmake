# bench_blob: open+verify, trusted open and plain read() of a ~130,000-type blob, as ratios;
# full versus pruned blob bytes. Prints figures; not a timed test.
#   build/bench/bench_blob [runs] [ntypes]
tyr_add_bench(bench_blob ${CMAKE_CURRENT_SOURCE_DIR}/bench_blob.c)

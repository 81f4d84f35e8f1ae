# bench_blob: open at each verification level, trusted open and plain read() of a
# ~130,000-type blob; python3.11d's blob against pahole's BTF of it and the running kernel's
# blob against its BTF (bytes, btf__parse against each open level, interleaved). Links libbpf
# (its btf__parse is the anchor). Prints figures; not a timed test.
#   build/bench/bench_blob [runs] [ntypes]
tyr_add_bench(bench_blob ${CMAKE_CURRENT_SOURCE_DIR}/bench_blob.c)
tyr_need_pkg(LIBBPF libbpf libbpf-dev)
target_link_libraries(bench_blob PRIVATE PkgConfig::LIBBPF)

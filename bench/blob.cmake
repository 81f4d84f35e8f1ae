# bench_blob: open+verify, trusted open and plain read() of a ~130,000-type blob, as ratios;
# full versus pruned blob bytes. Prints figures; not a CTest test. Run: build/bench/bench_blob
add_executable(bench_blob ${CMAKE_CURRENT_SOURCE_DIR}/bench_blob.c)
target_include_directories(bench_blob PRIVATE ${PROJECT_SOURCE_DIR}/lib)
target_link_libraries(bench_blob PRIVATE tyr_static PkgConfig::XXHASH tyr_libdwarf PkgConfig::LIBELF)
if(LIBBPF_FOUND)
  target_link_libraries(bench_blob PRIVATE PkgConfig::LIBBPF)
endif()

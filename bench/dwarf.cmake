# The DWARF import benchmark. bench_import with no argument runs tyr side by side with
# pahole and bpftrace on python3.11d (medians of 5 runs, wall time and peak RSS, ratios);
# bench_import.sh is the same from a shell. libdwarf_walk.c: the bare libdwarf walk it also
# times, for reference.
tyr_add_bench(bench_import ${CMAKE_CURRENT_SOURCE_DIR}/bench_import.c
  ${CMAKE_CURRENT_SOURCE_DIR}/libdwarf_walk.c)

# Smoke test: one import of a fixture (its figures are not checked).
if(TYR_BUILD_TESTS AND TARGET tyr_dwarf_fixtures)
  add_test(NAME bench_import_smoke
    COMMAND bench_import all ${PROJECT_BINARY_DIR}/tests/fixtures/fx-gcc-d5-O0)
  set_tests_properties(bench_import_smoke PROPERTIES LABELS "bench" TIMEOUT 120)
  add_test(NAME bench_import_walk_smoke
    COMMAND bench_import walk ${PROJECT_BINARY_DIR}/tests/fixtures/fx-gcc-d5-O0)
  set_tests_properties(bench_import_walk_smoke PROPERTIES LABELS "bench" TIMEOUT 120)
endif()

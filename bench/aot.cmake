# bench_aot: the AOT runtime side by side with bpftrace 0.17's (start to first printed event,
# peak RSS), decode cost per event (3 and 50 fields), and the event rate it keeps up with on
# one core. Prints figures; not a timed test. The targets are built here with gcc -g -O0.
find_program(TYR_BENCH_GCC NAMES gcc-12 gcc)
if(TYR_BENCH_GCC AND TARGET tyr_aot_static)
  set(dir ${CMAKE_CURRENT_BINARY_DIR})
  tyr_compile(${dir}/aot_loop ${TYR_BENCH_GCC} FLAGS -g -O0
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/aot_loop.c)
  tyr_compile(${dir}/aot_load ${TYR_BENCH_GCC} FLAGS -g -O0 -pthread
    SOURCES ${PROJECT_SOURCE_DIR}/tests/aot/aot_load.c)
  add_custom_target(tyr_bench_aot_targets ALL DEPENDS ${dir}/aot_loop ${dir}/aot_load)
  add_executable(bench_aot ${CMAKE_CURRENT_SOURCE_DIR}/bench_aot.c)
  target_link_libraries(bench_aot PRIVATE tyr_aot_static)
  target_compile_definitions(bench_aot PRIVATE TYR_BENCH_TOOL="$<TARGET_FILE:tyr_tool>"
    TYR_BENCH_LOOP="${dir}/aot_loop" TYR_BENCH_LOAD="${dir}/aot_load")
endif()

# bench_list: tyr list against bpftrace -l (a script: bench/run runs every bench_* here).
configure_file(${CMAKE_CURRENT_SOURCE_DIR}/bench_list.sh ${CMAKE_CURRENT_BINARY_DIR}/bench_list
  COPYONLY)

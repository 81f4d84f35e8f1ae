# The DWARF import benchmark: bench_import (a tiny driver) and bench_import.sh, which runs it
# side by side with pahole and bpftrace and prints ratios.
add_executable(bench_import ${CMAKE_CURRENT_SOURCE_DIR}/bench_import.c)
target_link_libraries(bench_import PRIVATE tyr_static PkgConfig::XXHASH tyr_libdwarf PkgConfig::LIBELF)
if(LIBBPF_FOUND)
  target_link_libraries(bench_import PRIVATE PkgConfig::LIBBPF)
endif()

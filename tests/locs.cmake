# Parameter locations at a function's entry (tyr_dwarf_param_locations, lib/dwarf_loc.c):
# print_locs prints them, tests/locs/locs_vs_gdb.py compares them with gdb's `info scope` at
# the entry pc, on -O2 fixtures (tests/locs/clones.c: gcc's .isra and .constprop copies; the
# -O2 and -O0 variants of the main fixture; the dwz fixture) and on the installed libbfd.
set(TYR_LOCS_DIR ${CMAKE_CURRENT_BINARY_DIR}/locs)
file(MAKE_DIRECTORY ${TYR_LOCS_DIR})
add_executable(print_locs ${CMAKE_CURRENT_SOURCE_DIR}/locs/print_locs.c)
target_link_libraries(print_locs PRIVATE tyr_dwarf_static PkgConfig::XXHASH tyr_libdwarf
  PkgConfig::LIBELF)

if(TYR_FX_GCC)
  tyr_compile(${TYR_LOCS_DIR}/clones ${TYR_FX_GCC} FLAGS -g -O2
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/locs/clones.c)
  add_custom_target(tyr_locs_fixtures ALL DEPENDS ${TYR_LOCS_DIR}/clones)
  if(TARGET test_dwarf_locs)
    add_dependencies(test_dwarf_locs tyr_locs_fixtures)
    target_compile_definitions(test_dwarf_locs PRIVATE
      TYR_LOCS_CLONES="${TYR_LOCS_DIR}/clones")
  endif()
elseif(TARGET test_dwarf_locs)
  target_compile_definitions(test_dwarf_locs PRIVATE TYR_LOCS_CLONES="")
  set_tests_properties(test_dwarf_locs PROPERTIES SKIP_RETURN_CODE 77)
endif()

find_program(TYR_LOCS_PYTHON3 python3)
if(TYR_LOCS_PYTHON3)
  set(L ${TYR_LOCS_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/locs/locs_vs_gdb.py
        --print $<TARGET_FILE:print_locs> --tyr $<TARGET_FILE:tyr_tool>)
  set(locs_tests)
  if(TYR_FX_GCC)
    add_test(NAME locs_vs_gdb_clones COMMAND ${L} --bin ${TYR_LOCS_DIR}/clones --clones
      --min-compared 10)
    list(APPEND locs_tests locs_vs_gdb_clones)
  endif()
  foreach(v ${TYR_FX_VARIANTS})
    if(v MATCHES "-d5-O[02]$")
      add_test(NAME locs_vs_gdb_${v} COMMAND ${L} --bin ${TYR_FX_DIR}/${v} --clones
        --min-compared 20)
      list(APPEND locs_tests locs_vs_gdb_${v})
    endif()
  endforeach()
  if(TARGET tyr_dwz_fixtures)
    add_test(NAME locs_vs_gdb_dwz COMMAND ${L} --bin ${TYR_FX_DIR}/dz/dz-gnu1 --min-compared 40)
    list(APPEND locs_tests locs_vs_gdb_dwz)
  endif()
  # libbinutils-dbg: every function with a body and the 52 out-of-line copies (77: absent).
  add_test(NAME locs_vs_gdb_libbfd COMMAND ${L}
    --bin /usr/lib/x86_64-linux-gnu/libbfd-2.40-system.so --clones --min-compared 3000
    --need /usr/lib/debug/.dwz/x86_64-linux-gnu/libbinutils.debug)
  list(APPEND locs_tests locs_vs_gdb_libbfd)
  set_tests_properties(${locs_tests} PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 600
    LABELS "locs;oracle;nomemcheck")
endif()

# Wiring of tests/test_btf*.c (the BTF importer, lib/btf/): they link libtyr-btf and libbpf.
# test_btf also reads BTF that pahole writes from a DWARF fixture (the same types from both
# worlds, for the one-registry test); without pahole that test skips.
find_program(TYR_PAHOLE pahole)
# Kept out of fixtures/, whose fx-* files other wiring globs as ELF files.
set(TYR_FX_BTF ${CMAKE_CURRENT_BINARY_DIR}/btf/fx-gcc-d4-O0.btf)
file(MAKE_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/btf)
# (tests/dwarf.cmake makes fx-gcc-d4-O0 in this same directory scope.)
if(TYR_PAHOLE)
  add_custom_command(OUTPUT ${TYR_FX_BTF}
    COMMAND ${TYR_PAHOLE} --btf_encode_detached=${TYR_FX_BTF}
            ${CMAKE_CURRENT_BINARY_DIR}/fixtures/fx-gcc-d4-O0
    DEPENDS ${CMAKE_CURRENT_BINARY_DIR}/fixtures/fx-gcc-d4-O0 VERBATIM)
  add_custom_target(tyr_btf_fixtures ALL DEPENDS ${TYR_FX_BTF})
  # The fixture is tyr_dwarf_fixtures' output: built there first, so that the two targets'
  # copies of its rule never run at once (make -j2 raced them: pahole read a half-written file).
  add_dependencies(tyr_btf_fixtures tyr_dwarf_fixtures)
endif()

file(GLOB TYR_BTF_TESTS CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/test_btf*.c)
foreach(src ${TYR_BTF_TESTS})
  get_filename_component(name ${src} NAME_WE)
  if(TARGET ${name})
    target_link_libraries(${name} PRIVATE tyr_btf_static)
    target_compile_definitions(${name} PRIVATE TYR_FX_BTF="${TYR_FX_BTF}"
      TYR_FX_ELF="${CMAKE_CURRENT_BINARY_DIR}/fixtures/fx-gcc-d4-O0")
    if(TARGET tyr_btf_fixtures)
      add_dependencies(${name} tyr_btf_fixtures)
    endif()
  endif()
endforeach()

# The --btf forms of the tool against its DWARF forms on the same fixture (tests/btf_tool.sh).
if(TYR_PAHOLE)
  add_test(NAME tool_btf COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/btf_tool.sh $<TARGET_FILE:tyr_tool>
    ${TYR_FX_BTF} ${CMAKE_CURRENT_BINARY_DIR}/fixtures/fx-gcc-d4-O0
    ${CMAKE_CURRENT_BINARY_DIR}/tool_btf)
  # The script runs the tool through bash: valgrind would watch bash, not tyr.
  set_tests_properties(tool_btf PROPERTIES LABELS "tool;nomemcheck" TIMEOUT 300)
endif()

# test_btf_rollback fails allocations of tyr's static libraries through these wraps (tests/alloc_fail.h).
if(TARGET test_btf_rollback)
  target_link_options(test_btf_rollback PRIVATE
    -Wl,--wrap=malloc -Wl,--wrap=calloc -Wl,--wrap=realloc)
endif()

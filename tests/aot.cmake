# The AOT runtime's tests (tests/aot/): the container and its hostile variants (no BPF needed),
# and the runtime traced for real on a test target built here with -g -O0 by gcc, whatever
# the build's compiler and sanitizers (its DWARF and calls are then plain), stripped by the
# test. test_aot_run exits 77 (skipped, reason printed) where BPF cannot be loaded.
find_program(TYR_AOT_GCC NAMES gcc-12 gcc)
set(TYR_AOT_TEST_DIR ${CMAKE_CURRENT_BINARY_DIR}/aot)
file(MAKE_DIRECTORY ${TYR_AOT_TEST_DIR})

foreach(name test_aot_file)
  add_executable(${name} ${CMAKE_CURRENT_SOURCE_DIR}/aot/${name}.c)
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/lib/aot ${CMAKE_CURRENT_SOURCE_DIR})
  target_link_libraries(${name} PRIVATE tyr_aot_static PkgConfig::CMOCKA PkgConfig::XXHASH)
  add_test(NAME ${name} COMMAND ${name} $<TARGET_FILE:tyr_tool> ${TYR_AOT_TEST_DIR}/${name})
  set_tests_properties(${name} PROPERTIES TIMEOUT 120 LABELS aot)
endforeach()

if(TYR_AOT_GCC)
  tyr_compile(${TYR_AOT_TEST_DIR}/aot_target ${TYR_AOT_GCC} FLAGS -g -O0
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/aot/aot_target.c)
  tyr_compile(${TYR_AOT_TEST_DIR}/aot_load ${TYR_AOT_GCC} FLAGS -g -O0 -pthread
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/aot/aot_load.c)
  add_custom_target(tyr_aot_target ALL DEPENDS ${TYR_AOT_TEST_DIR}/aot_target
    ${TYR_AOT_TEST_DIR}/aot_load)

  add_executable(test_aot_run ${CMAKE_CURRENT_SOURCE_DIR}/aot/test_aot_run.c)
  target_link_libraries(test_aot_run PRIVATE tyr_aot_static PkgConfig::CMOCKA)
  add_test(NAME test_aot_run COMMAND test_aot_run $<TARGET_FILE:tyr_tool>
    ${TYR_AOT_TEST_DIR}/aot_target ${TYR_AOT_TEST_DIR}/run ${TYR_AOT_TEST_DIR}/aot_load)
  # Forks the tool and the target: valgrind would watch the driver, not the runtime.
  set_tests_properties(test_aot_run PROPERTIES TIMEOUT 300 SKIP_RETURN_CODE 77
    LABELS "aot;nomemcheck" RUN_SERIAL ON)

  # The same with the target compiled by clang (its DWARF, its code; the same ABI).
  find_program(TYR_AOT_CLANG NAMES clang-14 clang)
  if(TYR_AOT_CLANG)
    tyr_compile(${TYR_AOT_TEST_DIR}/aot_target_clang ${TYR_AOT_CLANG} FLAGS -g -O0
      SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/aot/aot_target.c)
    add_custom_target(tyr_aot_target_clang ALL DEPENDS ${TYR_AOT_TEST_DIR}/aot_target_clang)
    add_test(NAME test_aot_run_clang COMMAND test_aot_run $<TARGET_FILE:tyr_tool>
      ${TYR_AOT_TEST_DIR}/aot_target_clang ${TYR_AOT_TEST_DIR}/run-clang
      ${TYR_AOT_TEST_DIR}/aot_load)
    set_tests_properties(test_aot_run_clang PROPERTIES TIMEOUT 300 SKIP_RETURN_CODE 77
      LABELS "aot;nomemcheck" RUN_SERIAL ON)
  endif()
endif()

# Build-side refusals through the tool, each one line on stderr and exit 1 (tests/tool/check.sh):
# a function that exists only as a compiler clone whose DWARF gives a parameter only as an
# expression (gcc -O2 makes pick.constprop.0.isra.0 of aot_clone.c's pick), a field path through
# a member that is not there, a function that is not there; and a usage error (exit 2). A clone
# whose DWARF places every parameter (scale.constprop.0) is built from those places, and traced.
if(TYR_AOT_GCC)
  tyr_compile(${TYR_AOT_TEST_DIR}/aot_clone ${TYR_AOT_GCC} FLAGS -g -O2
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/aot/aot_clone.c)
  add_custom_target(tyr_aot_clone ALL DEPENDS ${TYR_AOT_TEST_DIR}/aot_clone)
  set(aot_check ${CMAKE_CURRENT_SOURCE_DIR}/tool/check.sh)
  add_test(NAME tool_aot_clone_refused COMMAND ${aot_check} 1 - $<TARGET_FILE:tyr_tool> aot build
    ${TYR_AOT_TEST_DIR}/aot_clone pick -o ${TYR_AOT_TEST_DIR}/clone_refused.aot)
  set_tests_properties(tool_aot_clone_refused PROPERTIES PASS_REGULAR_EXPRESSION
    "pick\\.[a-z.0-9]*: parameter '(unused|p)' has no usable location at the clone's entry")
  # The plan of the clone: b from rdi (where DWARF says, as the ABI would), k the constant 2.
  add_test(NAME tool_aot_clone_plan COMMAND sh -c "\"$1\" aot build \"$2\" scale -o \"$3\" >/dev/null && \"$1\" aot stats \"$3\""
    sh $<TARGET_FILE:tyr_tool> ${TYR_AOT_TEST_DIR}/aot_clone ${TYR_AOT_TEST_DIR}/clone.aot)
  set_tests_properties(tool_aot_clone_plan PROPERTIES LABELS "aot;tool" PASS_REGULAR_EXPRESSION
    "probe 0: scale\\.constprop\\.[0-9]+ at file offset 0x[0-9a-f]+.*arg +struct Big \\* b: rdi.*arg +int k: not captured \\(not passed to the clone: DWARF says it is the constant 2\\)")
  # The clone named by its own symbol gets the same plan, not the ABI's (which would read k
  # from rsi).
  add_test(NAME tool_aot_clone_named COMMAND sh -c "\"$1\" aot build \"$2\" scale.constprop.0 -o \"$3\" >/dev/null && \"$1\" aot stats \"$3\""
    sh $<TARGET_FILE:tyr_tool> ${TYR_AOT_TEST_DIR}/aot_clone ${TYR_AOT_TEST_DIR}/clone_named.aot)
  set_tests_properties(tool_aot_clone_named PROPERTIES LABELS "aot;tool" PASS_REGULAR_EXPRESSION
    "arg +int k: not captured \\(not passed to the clone: DWARF says it is the constant 2\\)")
  add_executable(test_aot_clone_run ${CMAKE_CURRENT_SOURCE_DIR}/aot/test_aot_clone_run.c)
  target_link_libraries(test_aot_clone_run PRIVATE tyr_aot_static PkgConfig::CMOCKA)
  add_test(NAME test_aot_clone_run COMMAND test_aot_clone_run $<TARGET_FILE:tyr_tool>
    ${TYR_AOT_TEST_DIR}/aot_clone ${TYR_AOT_TEST_DIR}/clone-run)
  set_tests_properties(test_aot_clone_run PROPERTIES TIMEOUT 120 SKIP_RETURN_CODE 77
    LABELS "aot;nomemcheck" RUN_SERIAL ON)
  add_test(NAME tool_aot_bad_field COMMAND ${aot_check} 1 - $<TARGET_FILE:tyr_tool> aot build
    ${TYR_AOT_TEST_DIR}/aot_target walk --field n->nope -o ${TYR_AOT_TEST_DIR}/bad.aot)
  set_tests_properties(tool_aot_bad_field PROPERTIES PASS_REGULAR_EXPRESSION "no member 'nope'")
  add_test(NAME tool_aot_no_function COMMAND ${aot_check} 1 - $<TARGET_FILE:tyr_tool> aot build
    ${TYR_AOT_TEST_DIR}/aot_target no_such_function -o ${TYR_AOT_TEST_DIR}/bad.aot)
  add_test(NAME tool_aot_usage COMMAND ${aot_check} 2 - $<TARGET_FILE:tyr_tool> aot build
    ${TYR_AOT_TEST_DIR}/aot_target walk)
  # A pass regex makes CTest ignore the exit status: check.sh's own complaints fail the test.
  set_tests_properties(tool_aot_clone_refused tool_aot_bad_field tool_aot_no_function
    tool_aot_usage PROPERTIES LABELS "aot;tool;nomemcheck"
    FAIL_REGULAR_EXPRESSION "exit status|stderr should be|differs")
endif()

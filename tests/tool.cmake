# The tyr command, end to end: whole outputs compared with golden files (tests/tool/golden,
# reviewed, not just regenerated: TYR_UPDATE_GOLDEN=1 ctest -L tool rewrites them), exit codes
# and one-line errors, `tyr args` against `bpftrace -lv`, and C dumps that compile with their
# layouts asserted. The example is compiled here with gcc whatever the build's compiler, and
# without the build's paths in it, so that its DWARF and build-id (and the goldens, which
# show the build-id a blob records) are the same in every build directory.
find_program(TYR_TOOL_GCC NAMES gcc-12 gcc)
set(TYR_TOOL_DIR ${CMAKE_CURRENT_BINARY_DIR}/tool)
set(TYR_TOOL_SRC ${CMAKE_CURRENT_SOURCE_DIR}/tool)
set(TYR_GOLDEN ${TYR_TOOL_SRC}/golden)
file(MAKE_DIRECTORY ${TYR_TOOL_DIR})

if(TYR_TOOL_GCC)
  add_custom_command(OUTPUT ${TYR_TOOL_DIR}/linked_list
    COMMAND ${TYR_TOOL_GCC} -g -O0 -ffile-prefix-map=${PROJECT_SOURCE_DIR}=/tyr
            -ffile-prefix-map=${TYR_TOOL_DIR}=. -o ${TYR_TOOL_DIR}/linked_list
            ${PROJECT_SOURCE_DIR}/docs/examples/linked_list.c
    WORKING_DIRECTORY ${TYR_TOOL_DIR}
    DEPENDS ${PROJECT_SOURCE_DIR}/docs/examples/linked_list.c
            ${PROJECT_SOURCE_DIR}/docs/examples/linked_list.h VERBATIM)
  add_custom_target(tyr_tool_example ALL DEPENDS ${TYR_TOOL_DIR}/linked_list)

  set(T $<TARGET_FILE:tyr_tool>)
  # tool_test(NAME STATUS GOLDEN|- COMMAND...): runs in the example's directory.
  function(tool_test name status golden)
    if(NOT golden STREQUAL "-")
      set(golden ${TYR_GOLDEN}/${golden})
    endif()
    add_test(NAME tool_${name} COMMAND ${TYR_TOOL_SRC}/check.sh ${status} ${golden} ${ARGN}
      WORKING_DIRECTORY ${TYR_TOOL_DIR})
    # The scripts run the tool through bash: valgrind would watch bash, not tyr.
    set_tests_properties(tool_${name} PROPERTIES LABELS "tool;nomemcheck")
  endfunction()

  tool_test(help 0 help.txt ${T} --help)
  tool_test(args_walk 0 args_walk.txt ${T} args ./linked_list walk)
  tool_test(args_json 0 args_json.txt ${T} args --json ./linked_list walk)
  tool_test(args_glob 0 args_glob.txt ${T} args ./linked_list "w*" "cou*")
  tool_test(import_walk 0 import_walk.txt ${T} import ./linked_list --function walk -o walk.tyr)
  set_tests_properties(tool_import_walk PROPERTIES FIXTURES_SETUP walk_blob)
  tool_test(import_full 0 import_full.txt ${T} import ./linked_list --all --full -o full.tyr)
  tool_test(import_type 0 import_type.txt ${T} import ./linked_list --type "struct List" -o list.tyr)
  tool_test(args_blob 0 args_blob.txt ${T} args walk.tyr walk)
  tool_test(dump_c 0 dump_c.txt ${T} dump walk.tyr)
  tool_test(dump_layout 0 dump_layout.txt ${T} dump --format layout walk.tyr "struct Node")
  tool_test(dump_json 0 dump_json.txt ${T} dump --format json walk.tyr)
  tool_test(stats 0 stats.txt ${T} stats walk.tyr)
  tool_test(verify 0 verify.txt ${T} verify walk.tyr)
  # next = 0x1122334455667788, val = 42, tag "head", flags 5, kind 17, NODE_LIVE, 0.5, NULL
  tool_test(decode 0 decode.txt ${T} decode walk.tyr "struct Node" --hex
    "8877665544332211 2a000000 00000000 6865616400000000 8d000000 01000000 000000000000e03f 0000000000000000")
  tool_test(decode_short 1 - ${T} decode walk.tyr "struct Node" --hex "8877")
  tool_test(decode_badhex 2 - ${T} decode walk.tyr "struct Node" --hex "zz")
  tool_test(verify_corrupt 1 - bash -c
    "cp walk.tyr bad.tyr && printf '\\377' | dd of=bad.tyr bs=1 seek=300 conv=notrunc 2>/dev/null && exec \"$0\" verify --audit bad.tyr" ${T})
  tool_test(verify_truncated 1 - bash -c
    "head -c 100 walk.tyr > short.tyr && exec \"$0\" verify short.tyr" ${T})
  tool_test(verify_elf_without_blob 1 - ${T} verify ./linked_list)
  # The build-id a blob records is the binary's own (the goldens show it as BUILD-ID).
  add_test(NAME tool_source_build_id COMMAND bash -c
    "want=$(readelf -n ./linked_list | sed -n 's/.*Build ID: //p') && [ -n \"$want\" ] && \"$0\" verify walk.tyr | grep -q \"build-id $want)\"" ${T}
    WORKING_DIRECTORY ${TYR_TOOL_DIR})
  set_tests_properties(tool_source_build_id PROPERTIES LABELS "tool;nomemcheck"
    FIXTURES_REQUIRED walk_blob)
  tool_test(append 0 append.txt bash -c
    "printf 'AOTHEADER' > aot.bin && \"$0\" import ./linked_list -f walk --append-to aot.bin && \"$0\" verify aot.bin --offset 16 && \"$0\" stats aot.bin --offset 16" ${T})
  tool_test(args_missing_function 1 - ${T} args ./linked_list no_such_function)
  tool_test(args_not_elf 1 - ${T} args ${TYR_TOOL_SRC}/check.sh walk)
  tool_test(args_missing_file 1 - ${T} args ./no-such-file walk)
  tool_test(dump_missing_type 1 - ${T} dump walk.tyr "struct Nope")
  tool_test(usage_no_command 2 - ${T})
  tool_test(usage_bad_command 2 - ${T} frobnicate)
  tool_test(usage_args 2 - ${T} args ./linked_list)
  tool_test(usage_import 2 - ${T} import ./linked_list --function walk)
  tool_test(usage_dump_format 2 - ${T} dump walk.tyr --format xml)
  tool_test(usage_verify_offset 2 - ${T} verify walk.tyr --offset banana)
  # The one-line error, also on stdout so that its words are compared with a golden file.
  set(both [[m=$("$0" "$@" 2>&1)
rc=$?
echo "$m"
echo "$m" >&2
exit $rc]])
  tool_test(verify_offset_past_end 1 verify_offset_past_end.txt bash -c "${both}" ${T}
    verify walk.tyr --offset 99999999)
  tool_test(verify_offset_no_blob 1 verify_offset_no_blob.txt bash -c "${both}" ${T}
    verify walk.tyr --offset 8)
  tool_test(verify_directory 1 verify_directory.txt bash -c "${both}" ${T} verify /)
  foreach(t args_blob dump_c dump_layout dump_json stats verify decode decode_short decode_badhex
            verify_corrupt verify_truncated dump_missing_type usage_dump_format usage_verify_offset
            verify_offset_past_end verify_offset_no_blob)
    set_tests_properties(tool_${t} PROPERTIES FIXTURES_REQUIRED walk_blob)
  endforeach()

  # The JSON dump parses, and lists the probe signature.
  find_program(TYR_PYTHON3 python3)
  if(TYR_PYTHON3)
    add_test(NAME tool_dump_json_parses COMMAND bash -c
      "\"$0\" dump --format json walk.tyr | python3 -c 'import json,sys; d=json.load(sys.stdin); assert any(t.get(\"name\")==\"walk\" for t in d[\"types\"]), d'" ${T}
      WORKING_DIRECTORY ${TYR_TOOL_DIR})
    set_tests_properties(tool_dump_json_parses PROPERTIES LABELS "tool;nomemcheck"
      FIXTURES_REQUIRED walk_blob)
  endif()

  # `tyr args` equals `bpftrace -lv` on the example and the gcc fixtures (77: skipped).
  set(TYR_TOOL_BPFTRACE_BINS ${TYR_TOOL_DIR}/linked_list)
  foreach(v ${TYR_FX_VARIANTS})
    if(v MATCHES "^fx-gcc-")
      list(APPEND TYR_TOOL_BPFTRACE_BINS ${TYR_FX_DIR}/${v})
    endif()
  endforeach()
  add_test(NAME tool_args_vs_bpftrace
    COMMAND ${TYR_TOOL_SRC}/vs_bpftrace.sh ${T} ${TYR_TOOL_BPFTRACE_BINS})
  set_tests_properties(tool_args_vs_bpftrace PROPERTIES LABELS "tool;oracle;nomemcheck"
    SKIP_RETURN_CODE 77 TIMEOUT 600)

  # C++ as gdb reads it: every function of the C++ fixture by symbol and by qualified name,
  # every class layout (tests/tool/cxx_vs_gdb.py; 77: skipped without gdb or a C++ compiler).
  if(TYR_PYTHON3 AND TYR_FX_CXX_BINS)
    add_test(NAME tool_cxx_vs_gdb
      COMMAND ${TYR_PYTHON3} ${TYR_TOOL_SRC}/cxx_vs_gdb.py ${T} ${TYR_FX_CXX_BINS})
  else()
    add_test(NAME tool_cxx_vs_gdb COMMAND sh -c "echo 'skip: no g++/clang++ or python3'; exit 77")
  endif()
  set_tests_properties(tool_cxx_vs_gdb PROPERTIES LABELS "tool;oracle;nomemcheck" SKIP_RETURN_CODE 77
    TIMEOUT 600)

  # The command's contract as a table: every usage error and bad input (exit code, one line on
  # stderr, nothing on stdout), and the grammar's promises.
  add_test(NAME tool_cli_table COMMAND ${TYR_TOOL_SRC}/cli_table.sh ${T} ${TYR_TOOL_SRC}
    WORKING_DIRECTORY ${TYR_TOOL_DIR})
  set_tests_properties(tool_cli_table PROPERTIES LABELS "tool;nomemcheck"
    FIXTURES_REQUIRED walk_blob TIMEOUT 300)

  # The man page and the bash completion the install ships.
  add_test(NAME tool_man_and_completion COMMAND ${TYR_TOOL_SRC}/man_and_completion.sh ${T}
    ${PROJECT_SOURCE_DIR}/docs/tyr.1 ${PROJECT_SOURCE_DIR}/tools/completion/tyr.bash
    WORKING_DIRECTORY ${TYR_TOOL_DIR})
  set_tests_properties(tool_man_and_completion PROPERTIES LABELS "tool;nomemcheck"
    SKIP_RETURN_CODE 77)

  # Patterns over libc: tyr list, tyr args over the binary and over its blob, against
  # `bpftrace -l` (77: skipped without bpftrace or libc6-dbg).
  add_test(NAME tool_patterns_vs_bpftrace
    COMMAND ${TYR_TOOL_SRC}/patterns_vs_bpftrace.sh ${T} ${TYR_TOOL_DIR}/patterns)
  set_tests_properties(tool_patterns_vs_bpftrace PROPERTIES LABELS "tool;oracle;nomemcheck"
    SKIP_RETURN_CODE 77 TIMEOUT 600)

  # The C dump of every fixture compiles, with sizeof/offsetof of every struct asserted.
  # Not fx-gcc-d4-tu: DWARF 4 type units (.debug_types) are refused by design (docs/dwarf.md).
  set(TYR_TOOL_DUMP_BINS ${TYR_FX_OUTPUTS})
  list(FILTER TYR_TOOL_DUMP_BINS EXCLUDE REGEX "-d4-tu$")
  add_test(NAME tool_dump_c_compiles COMMAND ${TYR_TOOL_SRC}/dump_compiles.sh ${T}
    ${TYR_TOOL_GCC} ${TYR_TOOL_DIR}/linked_list ${TYR_TOOL_DUMP_BINS})
  set_tests_properties(tool_dump_c_compiles PROPERTIES LABELS "tool;nomemcheck" TIMEOUT 600)
endif()

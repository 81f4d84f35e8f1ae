# DWARF shared through dwz supplementary files, as distributions ship it: the fixtures of
# tests/fixtures/dz (built by its build.sh: GNU and DWARF 5 forms, a compressed supplementary
# file, a separate debug file, and broken supplementary files), the check that they hold what
# they are for, tyr against gdb on them and on an installed Debian -dbg package, and the tool's
# messages on the broken ones. Needs gcc, dwz and objcopy (otherwise nothing here is built).
set(TYR_DZ_SRC ${CMAKE_CURRENT_SOURCE_DIR}/fixtures/dz)
set(TYR_DZ_DIR ${TYR_FX_DIR}/dz)
find_program(TYR_DZ_PYTHON3 python3)
find_program(TYR_DZ_READELF readelf)

if(TYR_FX_GCC AND TYR_FX_DWZ AND TYR_FX_OBJCOPY)
  file(GLOB TYR_DZ_SOURCES ${TYR_DZ_SRC}/*.c ${TYR_DZ_SRC}/*.h ${TYR_DZ_SRC}/build.sh)
  add_custom_command(OUTPUT ${TYR_DZ_DIR}/dz-gnu1 ${TYR_DZ_DIR}/dz-sup1
    COMMAND sh ${TYR_DZ_SRC}/build.sh ${TYR_FX_GCC} ${TYR_FX_DWZ} ${TYR_FX_OBJCOPY}
            ${TYR_DZ_SRC} ${TYR_DZ_DIR}
    DEPENDS ${TYR_DZ_SOURCES} VERBATIM)
  add_custom_target(tyr_dwz_fixtures ALL DEPENDS ${TYR_DZ_DIR}/dz-gnu1 ${TYR_DZ_DIR}/dz-sup1)
  if(TARGET test_dwarf_dwz)
    add_dependencies(test_dwarf_dwz tyr_dwz_fixtures)
    target_compile_definitions(test_dwarf_dwz PRIVATE TYR_DZ_DIR="${TYR_DZ_DIR}")
  endif()
elseif(TARGET test_dwarf_dwz)
  # no fixtures: the test skips, saying why
  target_compile_definitions(test_dwarf_dwz PRIVATE TYR_DZ_DIR="")
  set_tests_properties(test_dwarf_dwz PROPERTIES SKIP_RETURN_CODE 77)
endif()

if(TYR_FX_GCC AND TYR_FX_DWZ AND TYR_FX_OBJCOPY)

  # The fixtures hold what they are for: names in the supplementary file's strings (GNU and
  # DWARF 5 forms), partial units imported from both files, types in the supplementary file.
  if(TYR_DZ_READELF)
    add_test(NAME dwz_fixture_forms COMMAND sh -c [[
set -e
cd "$1"
has() { grep -q -- "$2" "$1" || { echo "missing in $1: $2"; exit 1; }; }
readelf -wa dz-gnu1.debug >gnu.txt 2>/dev/null || true
readelf -wi dz-gnu.dwz >gnu-dwz.txt 2>/dev/null || true
readelf -wa dz-sup1 >sup.txt 2>/dev/null || true
readelf -S -W dz-gnu.dwz >gnu-dwz-sections.txt
has gnu.txt DW_FORM_GNU_strp_alt
has gnu.txt DW_FORM_GNU_ref_alt
has gnu.txt DW_TAG_partial_unit
has gnu.txt DW_TAG_imported_unit
has gnu-dwz.txt DW_TAG_partial_unit
has gnu-dwz.txt DW_TAG_typedef
has gnu-dwz.txt DW_TAG_structure_type
has gnu-dwz.txt dz_arch_info_type
has gnu-dwz.txt dz_value
grep -E -q '\.debug_str .* MSC|\.debug_str .* C ' gnu-dwz-sections.txt || { echo "dz-gnu.dwz: .debug_str not compressed"; exit 1; }
has sup.txt DW_FORM_strp_sup
has sup.txt DW_FORM_ref_sup4
readelf -S dz-sup1 | grep -q .debug_sup || { echo "dz-sup1: no .debug_sup"; exit 1; }
echo "dwz fixtures: GNU and DWARF 5 supplementary forms, partial units in both files"
]] sh ${TYR_DZ_DIR})
  endif()

  if(TYR_DZ_PYTHON3)
    set(T $<TARGET_FILE:tyr_tool>)
    set(V ${CMAKE_CURRENT_SOURCE_DIR}/dwarf_vs_gdb.py)
    # Every function and every named struct and union, as gdb reads them (77: no gdb).
    add_test(NAME dwz_vs_gdb_gnu COMMAND ${TYR_DZ_PYTHON3} ${V} --tyr ${T}
      --bin ${TYR_DZ_DIR}/dz-gnu1 --funcs dwarf --layouts all --all-types --min-compared 20)
    add_test(NAME dwz_vs_gdb_sup COMMAND ${TYR_DZ_PYTHON3} ${V} --tyr ${T}
      --bin ${TYR_DZ_DIR}/dz-sup1 --gdb-bin ${TYR_DZ_DIR}/dz-sup1.orig --funcs dwarf
      --layouts all --all-types --min-compared 20)
    # The installed Debian package whose dwz file showed the empty names (libbinutils-dbg):
    # every exported function, every named struct and union (77 when not installed).
    add_test(NAME dwz_vs_gdb_libbfd COMMAND ${TYR_DZ_PYTHON3} ${V} --tyr ${T}
      --bin /usr/lib/x86_64-linux-gnu/libbfd-2.40-system.so --funcs exported
      --layouts all --all-types --min-funcs 99 --min-compared 500
      --need /usr/lib/debug/.dwz/x86_64-linux-gnu/libbinutils.debug)
    set_tests_properties(dwz_vs_gdb_gnu dwz_vs_gdb_sup dwz_vs_gdb_libbfd PROPERTIES
      SKIP_RETURN_CODE 77 TIMEOUT 600 LABELS "dwz;oracle;nomemcheck")
  endif()

  # The tool on broken supplementary files: one error line naming the DIE or the file, or
  # the count of names left out of a lookup, never a listing with blanks.
  set(T $<TARGET_FILE:tyr_tool>)
  set(expect [[
want=$1 rc_want=$2
shift 2
out=$("$@" 2>&1)
rc=$?
echo "$out"
[ "$rc" = "$rc_want" ] || { echo "exit $rc, wanted $rc_want"; exit 1; }
printf '%s\n' "$out" | grep -E -q -- "$want" || { echo "wanted: $want"; exit 1; }
]])
  add_test(NAME dwz_tool_missing COMMAND sh -c "${expect}" sh
    "dwz file dz-miss.dwz not found" 1 ${T} args ${TYR_DZ_DIR}/dz-miss1 dz_find_line)
  add_test(NAME dwz_tool_truncated COMMAND sh -c "${expect}" sh
    "dwz file .*dz-trunc.dwz is not an ELF file" 1 ${T} args ${TYR_DZ_DIR}/dz-trunc1 dz_find_line)
  add_test(NAME dwz_tool_badstr_args COMMAND sh -c "${expect}" sh
    "DIE 0x[0-9a-f]+: DW_AT_name \\(DW_FORM_GNU_strp_alt\\) unreadable: offset 0x[0-9a-f]+ outside the dwz file's 13-byte .debug_str"
    1 ${T} args ${TYR_DZ_DIR}/dz-badstr1 dz_find_line)
  add_test(NAME dwz_tool_badstr_dump COMMAND sh -c "${expect}" sh
    "warning: .*dz-badstr1: [0-9]+ names unreadable, left out of lookups; first at DIE 0x[0-9a-f]+"
    1 ${T} dump ${TYR_DZ_DIR}/dz-badstr1 dz_symbol)
  add_test(NAME dwz_tool_badstr_import COMMAND sh -c "${expect}" sh
    "DIE 0x[0-9a-f]+: .*DW_AT_name \\(DW_FORM_[a-z_]+\\) unreadable"
    1 ${T} import ${TYR_DZ_DIR}/dz-badstr1 --all -o ${TYR_DZ_DIR}/badstr.tyr)
  # Types that only the supplementary file defines, found by name.
  add_test(NAME dwz_tool_dump_alt_only COMMAND sh -c "${expect}" sh
    "typedef struct dz_arch_info dz_arch_info_type;" 0
    ${T} dump ${TYR_DZ_DIR}/dz-gnu1 dz_arch_info_type)
  add_test(NAME dwz_tool_import_alt_only COMMAND sh -c "${expect}" sh
    "dz_value" 0 sh -c "\"$0\" import \"$1\" --type 'union dz_value' -o \"$2\" && \"$0\" dump \"$2\""
    ${T} ${TYR_DZ_DIR}/dz-gnu1 ${TYR_DZ_DIR}/alt-only.tyr)
  set_tests_properties(dwz_tool_missing dwz_tool_truncated dwz_tool_badstr_args
    dwz_tool_badstr_dump dwz_tool_badstr_import dwz_tool_dump_alt_only dwz_tool_import_alt_only
    PROPERTIES LABELS "dwz;tool;nomemcheck")
endif()

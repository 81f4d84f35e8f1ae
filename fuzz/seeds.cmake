# Seed corpora generated at build time into BUILD/fuzz/seeds/NAME (replayed by NAME_replay and
# used by scripts/fuzz next to the committed fuzz/corpus/NAME), so that seeds follow the blob
# format and the fixtures as they change:
#  - blob_fuzzer: make_seeds writes blobs of the test registries (every kind, the AOT Node
#    list, pruned writes, 4-byte pointers, deep anonymous nesting);
#  - dwarf_fuzzer: every DWARF fixture of tests/dwarf.cmake reduced to its debug sections and
#    symbol table (objcopy --only-keep-debug: code becomes NOBITS, a few KB each).
set(TYR_FUZZ_SEEDS ${CMAKE_CURRENT_BINARY_DIR}/seeds)

add_executable(make_seeds ${CMAKE_CURRENT_SOURCE_DIR}/make_seeds.c)
target_link_libraries(make_seeds PRIVATE ${TYR_FUZZ_LIBS})
target_include_directories(make_seeds PRIVATE ${PROJECT_SOURCE_DIR}/lib)
add_custom_command(OUTPUT ${TYR_FUZZ_SEEDS}/blob_fuzzer.stamp
  COMMAND ${CMAKE_COMMAND} -E make_directory ${TYR_FUZZ_SEEDS}/blob_fuzzer
  COMMAND make_seeds ${TYR_FUZZ_SEEDS}/blob_fuzzer
  COMMAND ${CMAKE_COMMAND} -E touch ${TYR_FUZZ_SEEDS}/blob_fuzzer.stamp
  DEPENDS make_seeds VERBATIM)
set(TYR_FUZZ_SEED_STAMPS ${TYR_FUZZ_SEEDS}/blob_fuzzer.stamp)
if(TYR_BUILD_TESTS)
  # The committed copies must still verify when the format changes.
  add_test(NAME blob_fuzzer_seeds_verify
    COMMAND make_seeds --verify ${CMAKE_CURRENT_SOURCE_DIR}/corpus/blob_fuzzer)
endif()

find_program(TYR_FUZZ_OBJCOPY objcopy)
if(TARGET tyr_dwarf_fixtures AND TYR_FUZZ_OBJCOPY)
  set(fx ${PROJECT_BINARY_DIR}/tests/fixtures)
  add_custom_command(OUTPUT ${TYR_FUZZ_SEEDS}/dwarf_fuzzer.stamp
    COMMAND ${CMAKE_COMMAND} -E make_directory ${TYR_FUZZ_SEEDS}/dwarf_fuzzer
    COMMAND sh -c "for f in \"$1\"/fx-* \"$1\"/dwz/fx-dwz1 \"$1\"/dwz/fx-common.debug \"$1\"/split/fx-split.debug; do [ -f \"$f\" ] && \"$0\" --only-keep-debug \"$f\" \"$2/$(basename \"$f\")\" || exit 1; done"
            ${TYR_FUZZ_OBJCOPY} ${fx} ${TYR_FUZZ_SEEDS}/dwarf_fuzzer
    COMMAND ${CMAKE_COMMAND} -E touch ${TYR_FUZZ_SEEDS}/dwarf_fuzzer.stamp
    DEPENDS tyr_dwarf_fixtures VERBATIM)
  list(APPEND TYR_FUZZ_SEED_STAMPS ${TYR_FUZZ_SEEDS}/dwarf_fuzzer.stamp)
endif()
# btf_fuzzer: make_btf_seeds writes BTF holding every kind libbpf knows, and split BTF on the
# harness's base, with libbpf's writer (it links libbpf through tyr_btf_static).
if(TARGET tyr_btf_static)
  add_executable(make_btf_seeds ${CMAKE_CURRENT_SOURCE_DIR}/make_btf_seeds.c)
  target_link_libraries(make_btf_seeds PRIVATE tyr_btf_static)
  add_custom_command(OUTPUT ${TYR_FUZZ_SEEDS}/btf_fuzzer.stamp
    COMMAND ${CMAKE_COMMAND} -E make_directory ${TYR_FUZZ_SEEDS}/btf_fuzzer
    COMMAND make_btf_seeds ${TYR_FUZZ_SEEDS}/btf_fuzzer
    COMMAND ${CMAKE_COMMAND} -E touch ${TYR_FUZZ_SEEDS}/btf_fuzzer.stamp
    DEPENDS make_btf_seeds VERBATIM)
  list(APPEND TYR_FUZZ_SEED_STAMPS ${TYR_FUZZ_SEEDS}/btf_fuzzer.stamp)
endif()
add_custom_target(tyr_fuzz_seeds ALL DEPENDS ${TYR_FUZZ_SEED_STAMPS})

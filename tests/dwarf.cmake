# Fixtures for the DWARF importer (lib/dwarf/dwarf_*.c) and the wiring of tests/test_dwarf*.c.
# Builds tests/fixtures/fx_{a,b}.c with gcc and clang, DWARF 4 and 5, -O0 and -O2; a
# separate-debug-file variant (debuglink + build-id directory); and a pair run through
# `dwz -m` (partial units and DW_FORM_GNU_ref_alt into a supplementary file).
set(TYR_FX_SRC ${CMAKE_CURRENT_SOURCE_DIR}/fixtures)
set(TYR_FX_DIR ${CMAKE_CURRENT_BINARY_DIR}/fixtures)
file(MAKE_DIRECTORY ${TYR_FX_DIR})
set(TYR_FX_SOURCES ${TYR_FX_SRC}/fx_a.c ${TYR_FX_SRC}/fx_b.c ${TYR_FX_SRC}/fx.h)

find_program(TYR_FX_GCC NAMES gcc-12 gcc)
find_program(TYR_FX_CLANG NAMES clang-14 clang)
find_program(TYR_FX_DWZ dwz)
find_program(TYR_FX_OBJCOPY objcopy)

set(TYR_FX_OUTPUTS)
set(TYR_FX_VARIANTS)
foreach(cc gcc clang)
  if(cc STREQUAL "gcc")
    set(ccpath ${TYR_FX_GCC})
  else()
    set(ccpath ${TYR_FX_CLANG})
  endif()
  if(NOT ccpath)
    continue()
  endif()
  foreach(ver 4 5)
    foreach(opt O0 O2)
      set(name fx-${cc}-d${ver}-${opt})
      tyr_compile(${TYR_FX_DIR}/${name} ${ccpath}
        FLAGS -g -gdwarf-${ver} -${opt} -Wl,--build-id
        SOURCES ${TYR_FX_SRC}/fx_a.c ${TYR_FX_SRC}/fx_b.c
        DEPENDS ${TYR_FX_SOURCES})
      list(APPEND TYR_FX_OUTPUTS ${TYR_FX_DIR}/${name})
      list(APPEND TYR_FX_VARIANTS ${name})
    endforeach()
  endforeach()
endforeach()

# DWARF 2 (strict): member locations as DW_OP_plus_uconst expressions in blocks, bitfields
# as DW_AT_bit_offset, enums without an underlying type. A variant like the others.
if(TYR_FX_GCC)
  tyr_compile(${TYR_FX_DIR}/fx-gcc-d2-O0 ${TYR_FX_GCC}
    FLAGS -g -gdwarf-2 -gstrict-dwarf -O0 -Wl,--build-id
    SOURCES ${TYR_FX_SRC}/fx_a.c ${TYR_FX_SRC}/fx_b.c
    DEPENDS ${TYR_FX_SOURCES})
  list(APPEND TYR_FX_OUTPUTS ${TYR_FX_DIR}/fx-gcc-d2-O0)
  list(APPEND TYR_FX_VARIANTS fx-gcc-d2-O0)
endif()

# Type units (-fdebug-types-section): DWARF 5 puts them in .debug_info (followed through
# DW_FORM_ref_sig8); DWARF 4 puts them in .debug_types (not read: an error, never a guess).
if(TYR_FX_GCC)
  foreach(ver 4 5)
    tyr_compile(${TYR_FX_DIR}/fx-gcc-d${ver}-tu ${TYR_FX_GCC}
      FLAGS -g -gdwarf-${ver} -fdebug-types-section -O0
      SOURCES ${TYR_FX_SRC}/fx_a.c ${TYR_FX_SRC}/fx_b.c
      DEPENDS ${TYR_FX_SOURCES})
    list(APPEND TYR_FX_OUTPUTS ${TYR_FX_DIR}/fx-gcc-d${ver}-tu)
  endforeach()
endif()

# Compressed debug sections (SHF_COMPRESSED, zlib): libdwarf inflates them.
if(TYR_FX_GCC)
  tyr_compile(${TYR_FX_DIR}/fx-gcc-d5-gz ${TYR_FX_GCC} FLAGS -g -gdwarf-5 -gz=zlib -O0
    SOURCES ${TYR_FX_SRC}/fx_a.c ${TYR_FX_SRC}/fx_b.c
    DEPENDS ${TYR_FX_SOURCES})
  list(APPEND TYR_FX_OUTPUTS ${TYR_FX_DIR}/fx-gcc-d5-gz)
endif()

# C++: classes as structs (data members only).
find_program(TYR_FX_GXX NAMES g++-12 g++)
if(TYR_FX_GXX)
  tyr_compile(${TYR_FX_DIR}/fx-cpp ${TYR_FX_GXX} FLAGS -g -O0
    SOURCES ${TYR_FX_SRC}/fx_cpp.cc)
  list(APPEND TYR_FX_OUTPUTS ${TYR_FX_DIR}/fx-cpp)
endif()

# C++17 (tests/fixtures/fx_cxx.cc) by g++ and clang++, -g -O0: what test_cxx_vs_gdb compares
# with gdb. The project is LANGUAGES C: the C++ compilers are called directly.
find_program(TYR_FX_CLANGXX NAMES clang++-14 clang++)
set(TYR_FX_CXX_BINS)
foreach(cxx gxx clangxx)
  if(cxx STREQUAL "gxx")
    set(cxxpath ${TYR_FX_GXX})
    set(cxxname fx-cxx-gcc)
  else()
    set(cxxpath ${TYR_FX_CLANGXX})
    set(cxxname fx-cxx-clang)
  endif()
  if(NOT cxxpath)
    continue()
  endif()
  tyr_compile(${TYR_FX_DIR}/${cxxname} ${cxxpath} FLAGS -std=c++17 -g -O0
    SOURCES ${TYR_FX_SRC}/fx_cxx.cc)
  list(APPEND TYR_FX_OUTPUTS ${TYR_FX_DIR}/${cxxname})
  list(APPEND TYR_FX_CXX_BINS ${TYR_FX_DIR}/${cxxname})
endforeach()

# Separate debug info: fx-split (stripped, .gnu_debuglink -> fx-split.debug in split/), and
# the same debug file under split/dbg/.build-id/xx/rest.debug for the build-id lookup.
if(TYR_FX_GCC AND TYR_FX_OBJCOPY)
  add_custom_command(OUTPUT ${TYR_FX_DIR}/split/fx-split ${TYR_FX_DIR}/split/fx-split.debug
    COMMAND ${CMAKE_COMMAND} -E make_directory ${TYR_FX_DIR}/split
    COMMAND ${TYR_FX_GCC} -g -gdwarf-5 -O0 -Wl,--build-id -o ${TYR_FX_DIR}/split/fx-split
            ${TYR_FX_SRC}/fx_a.c ${TYR_FX_SRC}/fx_b.c
    COMMAND ${TYR_FX_OBJCOPY} --only-keep-debug ${TYR_FX_DIR}/split/fx-split
            ${TYR_FX_DIR}/split/fx-split.debug
    COMMAND ${TYR_FX_OBJCOPY} --strip-debug
            --add-gnu-debuglink=${TYR_FX_DIR}/split/fx-split.debug ${TYR_FX_DIR}/split/fx-split
    COMMAND sh -c "id=$(readelf -n \"$0\" | sed -n 's/.*Build ID: //p'); d=\"$1/.build-id/$(echo $id | cut -c1-2)\"; mkdir -p \"$d\" && cp \"$0.debug\" \"$d/$(echo $id | cut -c3-).debug\" && cp \"$0\" \"$1/../fx-buildid\" && objcopy --remove-section=.gnu_debuglink \"$1/../fx-buildid\""
            ${TYR_FX_DIR}/split/fx-split ${TYR_FX_DIR}/split/dbg
    DEPENDS ${TYR_FX_SOURCES} VERBATIM)
  list(APPEND TYR_FX_OUTPUTS ${TYR_FX_DIR}/split/fx-split)
endif()

# dwz pair: two programs from the same units share their types in fx-common.debug.
if(TYR_FX_GCC AND TYR_FX_DWZ)
  add_custom_command(OUTPUT ${TYR_FX_DIR}/dwz/fx-dwz1 ${TYR_FX_DIR}/dwz/fx-dwz2
    COMMAND ${CMAKE_COMMAND} -E make_directory ${TYR_FX_DIR}/dwz
    COMMAND ${TYR_FX_GCC} -g -gdwarf-4 -O0 -o ${TYR_FX_DIR}/dwz/fx-dwz1
            ${TYR_FX_SRC}/fx_a.c ${TYR_FX_SRC}/fx_b.c
    COMMAND ${TYR_FX_GCC} -g -gdwarf-4 -O2 -DFX_SECOND=1 -o ${TYR_FX_DIR}/dwz/fx-dwz2
            ${TYR_FX_SRC}/fx_a.c ${TYR_FX_SRC}/fx_b.c
    COMMAND ${TYR_FX_DWZ} -m ${TYR_FX_DIR}/dwz/fx-common.debug
            ${TYR_FX_DIR}/dwz/fx-dwz1 ${TYR_FX_DIR}/dwz/fx-dwz2
    DEPENDS ${TYR_FX_SOURCES} VERBATIM)
  list(APPEND TYR_FX_OUTPUTS ${TYR_FX_DIR}/dwz/fx-dwz1)
endif()

add_custom_target(tyr_dwarf_fixtures ALL DEPENDS ${TYR_FX_OUTPUTS})
string(REPLACE ";" "," TYR_FX_VARIANT_LIST "${TYR_FX_VARIANTS}")

file(GLOB TYR_DWARF_TESTS CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/test_dwarf*.c)
foreach(src ${TYR_DWARF_TESTS})
  get_filename_component(name ${src} NAME_WE)
  if(TARGET ${name})
    add_dependencies(${name} tyr_dwarf_fixtures)
    target_compile_definitions(${name} PRIVATE
      TYR_FX_DIR="${TYR_FX_DIR}" TYR_FX_VARIANTS="${TYR_FX_VARIANT_LIST}")
  endif()
endforeach()

# test_dwarf_rollback fails allocations of tyr's static libraries through these wraps (tests/alloc_fail.h).
if(TARGET test_dwarf_rollback)
  target_link_options(test_dwarf_rollback PRIVATE
    -Wl,--wrap=malloc -Wl,--wrap=calloc -Wl,--wrap=realloc)
endif()

# test_dwarf imports all of python3.11d several ways: minutes under valgrind (memcheck stage).
if(TARGET test_dwarf)
  set_tests_properties(test_dwarf PROPERTIES TIMEOUT 900)
endif()

# The files of lib/dwarf/ call each other in one direction only, in the order
# docs/architecture.md lists them (scripts/check-layers scans which file defines each function
# another calls; perl strips the comments).
find_program(TYR_PERL perl)
if(TYR_PERL)
  add_test(NAME dwarf_layers COMMAND sh ${PROJECT_SOURCE_DIR}/scripts/check-layers ${PROJECT_SOURCE_DIR})
  # A shell and perl script reading sources: no tyr code runs, and valgrind would judge sh's
  # and perl's own memory (it reports their reachable blocks and fd warnings as defects).
  set_tests_properties(dwarf_layers PROPERTIES LABELS nomemcheck)
  # And no two files of lib/, lib/btf/ or lib/aot/ call each other, directly or around a
  # loop (scripts/check-cycles; tsort finds the loop). Same reason for nomemcheck.
  add_test(NAME lib_call_cycles COMMAND sh ${PROJECT_SOURCE_DIR}/scripts/check-cycles ${PROJECT_SOURCE_DIR})
  set_tests_properties(lib_call_cycles PROPERTIES LABELS nomemcheck)
endif()

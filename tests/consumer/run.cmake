# Run by the install_consumer test (tests/install.cmake) with cmake -P:
#   1. install the build tree into a scratch prefix (cmake --install --prefix);
#   2. check the installed files are where tyr.pc and tyrConfig.cmake say;
#   3. build and run tests/consumer with find_package(tyr): the core consumer (tyr::tyr, then
#      tyr::tyr_static), which must need neither libdwarf nor libelf, and the importer's
#      consumer (tyr::tyr_dwarf, then tyr::tyr_dwarf_static), the AOT runtime's and the BTF
#      importer's (tyr::tyr_btf, then tyr::tyr_btf_static), which must need no libdwarf;
#   4. compile and run the same programs with `pkg-config --cflags --libs tyr`, `tyr-dwarf`,
#      `tyr-aot` and `tyr-btf libbpf` (shared), and with `pkg-config --static` against the .a
#      files.
# Inputs (-D): TYR_BUILD_DIR, TYR_WORK_DIR, TYR_CONSUMER_SRC, TYR_LIBDIR, TYR_C_COMPILER,
# TYR_C_FLAGS (sanitizer flags of a sanitized build, or empty), TYR_CONFIG.
cmake_minimum_required(VERSION 3.25)
foreach(v TYR_BUILD_DIR TYR_WORK_DIR TYR_CONSUMER_SRC TYR_LIBDIR TYR_C_COMPILER)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "run.cmake needs -D${v}=...")
  endif()
endforeach()
if(NOT TYR_CONFIG)
  set(TYR_CONFIG RelWithDebInfo)
endif()
set(prefix "${TYR_WORK_DIR}/prefix")
file(REMOVE_RECURSE "${TYR_WORK_DIR}")
file(MAKE_DIRECTORY "${TYR_WORK_DIR}")

# step(NAME COMMAND...): runs a command, fails the test with its output if it fails.
# The output is kept in step_out.
function(step name)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    list(JOIN ARGN " " cmd)
    message(FATAL_ERROR "install_consumer: ${name} failed (${rc}): ${cmd}\n${out}")
  endif()
  message(STATUS "ok: ${name}")
  set(step_out "${out}" PARENT_SCOPE)
endfunction()

# 1. Install.
step("install into ${prefix}"
  ${CMAKE_COMMAND} --install "${TYR_BUILD_DIR}" --prefix "${prefix}" --config "${TYR_CONFIG}")

# 2. The files a user relies on.
foreach(f include/tyr/tyr.h include/tyr/registry.h bin/tyr share/man/man1/tyr.1
    share/bash-completion/completions/tyr
    ${TYR_LIBDIR}/libtyr.so ${TYR_LIBDIR}/libtyr.a ${TYR_LIBDIR}/pkgconfig/tyr.pc
    ${TYR_LIBDIR}/libtyr-dwarf.so ${TYR_LIBDIR}/libtyr-dwarf.a ${TYR_LIBDIR}/pkgconfig/tyr-dwarf.pc
    ${TYR_LIBDIR}/libtyr-aot.so ${TYR_LIBDIR}/libtyr-aot.a ${TYR_LIBDIR}/pkgconfig/tyr-aot.pc
    include/tyr/aot.h
    ${TYR_LIBDIR}/libtyr-btf.so ${TYR_LIBDIR}/libtyr-btf.a ${TYR_LIBDIR}/pkgconfig/tyr-btf.pc
    include/tyr/btf.h
    ${TYR_LIBDIR}/cmake/tyr/tyrConfig.cmake ${TYR_LIBDIR}/cmake/tyr/tyrConfigVersion.cmake
    ${TYR_LIBDIR}/cmake/tyr/tyrTargets.cmake)
  if(NOT EXISTS "${prefix}/${f}")
    message(FATAL_ERROR "install_consumer: ${f} is not installed under ${prefix}")
  endif()
endforeach()
step("installed tool runs" "${prefix}/bin/tyr" --version)

set(c_flags "${TYR_C_FLAGS}")

# 3. CMake consumers, shared then static.
foreach(link shared static)
  set(bdir "${TYR_WORK_DIR}/consumer-${link}")
  step("configure consumer (${link})" ${CMAKE_COMMAND} -S "${TYR_CONSUMER_SRC}" -B "${bdir}"
    -DCMAKE_BUILD_TYPE=Debug "-DCMAKE_C_COMPILER=${TYR_C_COMPILER}" "-DCMAKE_C_FLAGS=${c_flags}"
    "-DCMAKE_PREFIX_PATH=${prefix}" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
    -DTYR_CONSUMER_LINK=${link})
  # It must have found the scratch install, not the build tree or a system copy.
  if(NOT step_out MATCHES "from ${prefix}/")
    message(FATAL_ERROR "install_consumer: consumer found tyr elsewhere:\n${step_out}")
  endif()
  step("build consumer (${link})" ${CMAKE_COMMAND} --build "${bdir}")
  step("run consumer (${link})" "${bdir}/consumer")
  if(NOT step_out MATCHES "tyr consumer ok")
    message(FATAL_ERROR "install_consumer: unexpected output:\n${step_out}")
  endif()
  step("run consumer_dwarf (${link})" "${bdir}/consumer_dwarf" "${bdir}/consumer_dwarf")
  if(NOT step_out MATCHES "tyr dwarf consumer ok: consumer_probe\\(struct consumer_pair \\*p\\)")
    message(FATAL_ERROR "install_consumer: unexpected output:\n${step_out}")
  endif()
  step("run consumer_aot (${link})" "${bdir}/consumer_aot" "${bdir}/consumer_aot"
    "${bdir}/walk.aot")
  if(NOT step_out MATCHES "tyr aot consumer ok: consumer_walk")
    message(FATAL_ERROR "install_consumer: unexpected output:\n${step_out}")
  endif()
  step("run consumer_btf (${link})" "${bdir}/consumer_btf")
  set(want "tyr btf consumer ok: consumer_probe\\(struct consumer_pair \\*p\\), value at 8")
  if(NOT step_out MATCHES "${want}")
    message(FATAL_ERROR "install_consumer: unexpected output:\n${step_out}")
  endif()
  find_program(READELF readelf)
  if(READELF)
    step("runtime consumer needs no libdwarf" ${READELF} -d "${bdir}/consumer_aot")
    if(step_out MATCHES "libdwarf|libtyr-dwarf")
      message(FATAL_ERROR "install_consumer: the AOT consumer needs the importer:\n${step_out}")
    endif()
    # The BTF importer reads BTF through libbpf alone: no DWARF reader comes with it.
    step("BTF consumer needs no libdwarf" ${READELF} -d "${bdir}/consumer_btf")
    if(step_out MATCHES "libdwarf|libtyr-dwarf")
      message(FATAL_ERROR
        "install_consumer: the BTF consumer needs the DWARF importer:\n${step_out}")
    endif()
    if(link STREQUAL "shared" AND NOT step_out MATCHES "libtyr-btf\\.so")
      message(FATAL_ERROR
        "install_consumer: the BTF consumer does not link libtyr-btf.so:\n${step_out}")
    endif()
    # What a runtime embeds must be small: the core consumer needs no DWARF or ELF reader.
    step("core consumer needs no libdwarf or libelf" ${READELF} -d "${bdir}/consumer")
    if(step_out MATCHES "libdwarf|libelf|libtyr-dwarf")
      message(FATAL_ERROR "install_consumer: the core consumer needs the importer:\n${step_out}")
    endif()
  endif()
  if(link STREQUAL "static")
    if(READELF)
      step("static consumer needs no libtyr.so" ${READELF} -d "${bdir}/consumer")
      if(step_out MATCHES "libtyr\\.so")
        message(FATAL_ERROR "install_consumer: the static consumer links libtyr.so:\n${step_out}")
      endif()
    endif()
  endif()
endforeach()

# 4. pkg-config consumers.
find_program(PKG_CONFIG NAMES pkg-config pkgconf REQUIRED)
set(ENV{PKG_CONFIG_PATH} "${prefix}/${TYR_LIBDIR}/pkgconfig")
separate_arguments(extra UNIX_COMMAND "${c_flags}")

# pc_consumer(MODULE SOURCE [OTHER_MODULE...]): compiles SOURCE with `pkg-config MODULE
# OTHER_MODULE...`, shared then static (against the .a files), and runs each; the program is
# given its own path.
function(pc_consumer module src)
  step("pkg-config --cflags --libs ${module}" ${PKG_CONFIG} --cflags --libs ${module} ${ARGN})
  string(STRIP "${step_out}" pc_flags)
  if(NOT pc_flags MATCHES "/include")
    message(FATAL_ERROR "install_consumer: pkg-config gave no include directory: ${pc_flags}")
  endif()
  separate_arguments(pc_flags UNIX_COMMAND "${pc_flags}")
  set(exe "${TYR_WORK_DIR}/${module}-pkgconfig")
  step("compile with pkg-config ${module} (shared)" ${TYR_C_COMPILER} -std=c11 -g -Wall -Wextra
    -Wpedantic -Werror ${extra} "${TYR_CONSUMER_SRC}/${src}" -o "${exe}" ${pc_flags}
    "-Wl,-rpath,${prefix}/${TYR_LIBDIR}")
  step("run pkg-config consumer ${module} (shared)" "${exe}" "${exe}" "${exe}.aot")

  step("pkg-config --static --cflags --libs ${module}" ${PKG_CONFIG} --static --cflags --libs
    ${module} ${ARGN})
  string(STRIP "${step_out}" pc_flags)
  separate_arguments(pc_flags UNIX_COMMAND "${pc_flags}")
  list(TRANSFORM pc_flags REPLACE "^-ltyr$" "-l:libtyr.a")
  list(TRANSFORM pc_flags REPLACE "^-ltyr-dwarf$" "-l:libtyr-dwarf.a")
  list(TRANSFORM pc_flags REPLACE "^-ltyr-aot$" "-l:libtyr-aot.a")
  list(TRANSFORM pc_flags REPLACE "^-ltyr-btf$" "-l:libtyr-btf.a")
  set(exe "${TYR_WORK_DIR}/${module}-pkgconfig-static")
  step("compile with pkg-config ${module} (static)" ${TYR_C_COMPILER} -std=c11 -g -Wall -Wextra
    -Wpedantic -Werror ${extra} "${TYR_CONSUMER_SRC}/${src}" -o "${exe}" ${pc_flags})
  step("run pkg-config consumer ${module} (static)" "${exe}" "${exe}" "${exe}.aot")
endfunction()

pc_consumer(tyr main.c)
pc_consumer(tyr-dwarf dwarf_main.c)
pc_consumer(tyr-aot aot_main.c)
pc_consumer(tyr-btf btf_main.c libbpf)
message(STATUS "install_consumer: all consumers built and ran")

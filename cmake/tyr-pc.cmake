# Writes tyr.pc, tyr-dwarf.pc, tyr-btf.pc and tyr-aot.pc into the build tree (installed by the
# top CMakeLists.txt).
# The file is relocatable: unless the install directories are absolute, its prefix is
# computed from where pkg-config found it (${pcfiledir}), so `cmake --install --prefix DIR`
# gives a working tyr.pc wherever DIR is, without reconfiguring.
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(TYR_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
  set(TYR_PC_LIBDIR "${CMAKE_INSTALL_LIBDIR}")
else()
  file(RELATIVE_PATH _tyr_pc_up "/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/")
  string(REGEX REPLACE "/$" "" _tyr_pc_up "${_tyr_pc_up}")
  set(TYR_PC_PREFIX "\${pcfiledir}/${_tyr_pc_up}")
  set(TYR_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
endif()
if(IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(TYR_PC_INCLUDEDIR "${CMAKE_INSTALL_INCLUDEDIR}")
else()
  set(TYR_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
configure_file(${CMAKE_CURRENT_LIST_DIR}/tyr.pc.in ${PROJECT_BINARY_DIR}/tyr.pc @ONLY)
configure_file(${CMAKE_CURRENT_LIST_DIR}/tyr-dwarf.pc.in ${PROJECT_BINARY_DIR}/tyr-dwarf.pc @ONLY)
configure_file(${CMAKE_CURRENT_LIST_DIR}/tyr-btf.pc.in ${PROJECT_BINARY_DIR}/tyr-btf.pc @ONLY)
configure_file(${CMAKE_CURRENT_LIST_DIR}/tyr-aot.pc.in ${PROJECT_BINARY_DIR}/tyr-aot.pc @ONLY)

# tyr against a real debuginfod server on a loopback port, and a stub that misbehaves on
# purpose (tests/debuginfod/check.sh). Exits 77 (skipped, reason printed) without the
# `debuginfod` program (Debian package debuginfod).
add_test(NAME tool_debuginfod COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/debuginfod/check.sh
  $<TARGET_FILE:tyr_tool> ${CMAKE_C_COMPILER} ${CMAKE_CURRENT_SOURCE_DIR}/debuginfod
  ${CMAKE_CURRENT_BINARY_DIR}/tool_debuginfod)
# The script runs the tool through bash: valgrind would watch bash, not tyr.
set_tests_properties(tool_debuginfod PROPERTIES LABELS "tool;nomemcheck" TIMEOUT 300
  SKIP_RETURN_CODE 77)

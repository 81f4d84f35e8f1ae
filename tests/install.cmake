# install_consumer: installs this build into a scratch prefix and builds a tiny consumer
# project against it (find_package(tyr) with tyr::tyr and tyr::tyr_static, and pkg-config,
# shared and static). See tests/consumer/run.cmake.
# Label nomemcheck: the test runs cmake, the compiler and pkg-config, not tyr code; the calls
# the consumer makes are covered under valgrind by the unit tests.
set(_tyr_consumer_flags "")
if(TYR_SANITIZE)
  # The installed library then needs the sanitizer runtime: the consumer links it too.
  set(_tyr_consumer_flags "-fsanitize=address,undefined -fno-sanitize-recover=all")
endif()
add_test(NAME install_consumer COMMAND ${CMAKE_COMMAND}
  -DTYR_BUILD_DIR=${PROJECT_BINARY_DIR}
  -DTYR_WORK_DIR=${CMAKE_CURRENT_BINARY_DIR}/install_consumer
  -DTYR_CONSUMER_SRC=${CMAKE_CURRENT_SOURCE_DIR}/consumer
  -DTYR_LIBDIR=${CMAKE_INSTALL_LIBDIR}
  -DTYR_C_COMPILER=${CMAKE_C_COMPILER}
  "-DTYR_C_FLAGS=${_tyr_consumer_flags}"
  -DTYR_CONFIG=$<CONFIG>
  -P ${CMAKE_CURRENT_SOURCE_DIR}/consumer/run.cmake)
set_tests_properties(install_consumer PROPERTIES LABELS "install;nomemcheck" TIMEOUT 600)

# tests/test_hostile.c reads the fuzzers' committed findings.
if(TARGET test_hostile)
  target_compile_definitions(test_hostile PRIVATE
    TYR_REGRESSIONS="${PROJECT_SOURCE_DIR}/fuzz/regressions")
endif()

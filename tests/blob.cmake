# Extra wiring for the blob tests (included by tests/CMakeLists.txt).
# test_blob_threads runs 8 reader threads: link pthreads and label it so that a TSan build
# can run just the concurrency test:
#   cmake -S . -B build-tsan -DTYR_TSAN=ON -DCMAKE_C_COMPILER=clang
#   cmake --build build-tsan -j2 && (cd build-tsan && ctest -L tsan --output-on-failure)
find_package(Threads REQUIRED)
if(TARGET test_blob_threads)
  target_link_libraries(test_blob_threads PRIVATE Threads::Threads)
  set_tests_properties(test_blob_threads PROPERTIES LABELS "tsan;blob")
endif()
foreach(t test_blob test_blob_aot test_verify)
  if(TARGET ${t})
    set_tests_properties(${t} PROPERTIES LABELS "blob")
  endif()
endforeach()

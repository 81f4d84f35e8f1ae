# test_fmt_float compares against snprintf over values made with libm (pow, ldexp, nextafter).
# Label nomemcheck: it allocates nothing, and its 7 million snprintf comparisons take minutes
# under valgrind; the ASan+UBSan stage runs it in full.
target_link_libraries(test_fmt_float PRIVATE m)
set_tests_properties(test_fmt_float PROPERTIES LABELS nomemcheck)

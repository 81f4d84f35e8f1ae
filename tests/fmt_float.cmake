# test_fmt_float compares against snprintf over values made with libm (pow, ldexp, nextafter).
target_link_libraries(test_fmt_float PRIVATE m)

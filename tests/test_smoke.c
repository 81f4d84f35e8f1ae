/* SPDX-License-Identifier: MIT */
/* Error strings and versions: the static tables agree with the headers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tyr/tyr.h"

/* Every listed code has its own message, and unknown codes say so. */
static void test_strerror(void **state)
{
    (void)state;
    assert_string_equal(tyr_strerror(0), "success");
    assert_string_equal(tyr_strerror(TYR_EINVAL), "invalid argument");
    assert_string_equal(tyr_strerror(-TYR_EINVAL), "invalid argument");
    assert_string_equal(tyr_strerror(-9999), "unknown error");
    assert_string_not_equal(tyr_strerror(TYR_ECORRUPT), tyr_strerror(TYR_EHANDLE));
}

/* The linked library is the one the headers describe. */
static void test_version(void **state)
{
    (void)state;
    assert_int_equal(tyr_version_number(), TYR_VERSION_NUMBER);
    assert_string_equal(tyr_kind_name(TYR_KIND_STRUCT), "struct");
    assert_string_equal(tyr_kind_name(99), "?");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strerror),
        cmocka_unit_test(test_version),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

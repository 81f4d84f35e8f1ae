/* SPDX-License-Identifier: MIT */
/*
 * tyr_dwarf_param_locations() as a caller uses it, on tests/locs/clones.c built with gcc -O2
 * (tests/locs.cmake): a .constprop copy whose constant parameter is not passed, an .isra
 * copy found by its symbol, the count when the array is short, the errors. Where each
 * parameter is, function by function, is compared with gdb by locs_vs_gdb.py (CTest
 * locs_vs_gdb_*).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tyr/tyr.h"

#ifndef TYR_LOCS_CLONES
#error "TYR_LOCS_CLONES comes from tests/locs.cmake (empty when gcc is missing)"
#endif

static int open_clones(void **state)
{
    if (!TYR_LOCS_CLONES[0]) {
        print_message("SKIPPED: the -O2 clones fixture was not built (no gcc)\n");
        exit(77);
    }
    tyr_dwarf *dw = NULL;
    tyr_diag diag = {0};
    if (tyr_dwarf_open(TYR_LOCS_CLONES, NULL, &dw, &diag)) {
        print_message("%s: %s\n", TYR_LOCS_CLONES, diag.what);
        return -1;
    }
    *state = dw;
    return 0;
}

static int close_clones(void **state)
{
    tyr_dwarf_free(*state);
    return 0;
}

static const tyr_dwarf_param_loc *by_name(const tyr_dwarf_param_loc *v, uint32_t n,
                                          const char *name)
{
    for (uint32_t i = 0; i < n; i++)
        if (strcmp(v[i].name, name) == 0)
            return &v[i];
    return NULL;
}

/* scaled(v, 3, tag) is always called with factor 3: its .constprop copy takes v and tag in
 * the first two argument registers, and factor is the constant 3, passed nowhere. */
static void test_constprop_copy(void **state)
{
    tyr_dwarf *dw = *state;
    tyr_dwarf_param_loc v[8];
    uint32_t n = 0;
    uint64_t pc = 0;
    tyr_diag diag = {0};
    int err = tyr_dwarf_param_locations(dw, "scaled.constprop.0", v, 8, &n, &pc, &diag);
    if (err)
        print_message("%s\n", diag.what);
    assert_int_equal(err, 0);
    assert_int_equal(n, 3);
    assert_true(pc != 0);
    const tyr_dwarf_param_loc *f = by_name(v, n, "factor");
    assert_non_null(f);
    assert_int_equal(f->kind, TYR_DWARF_LOC_CONST);
    assert_int_equal(f->value, 3);
    const tyr_dwarf_param_loc *x = by_name(v, n, "v"), *t = by_name(v, n, "tag");
    assert_non_null(x);
    assert_non_null(t);
    assert_int_equal(x->kind, TYR_DWARF_LOC_REG);
    assert_int_equal(x->reg, 5); /* %rdi */
    assert_int_equal(t->kind, TYR_DWARF_LOC_REG);
    assert_int_equal(t->reg, 4); /* %rsi: second, although tag is third in the source */

    /* The base name finds the same copy (the only code there is for it). */
    uint32_t n2 = 0;
    uint64_t pc2 = 0;
    assert_int_equal(tyr_dwarf_param_locations(dw, "scaled", v, 8, &n2, &pc2, &diag), 0);
    assert_int_equal(n2, n);
    assert_int_equal(pc2, pc);
}

/* A short array: the count is the parameters there are, only max are written. */
static void test_count_beyond_max(void **state)
{
    tyr_dwarf *dw = *state;
    tyr_dwarf_param_loc v[2];
    memset(v, 0xa5, sizeof v);
    uint32_t n = 0;
    assert_int_equal(tyr_dwarf_param_locations(dw, "use_all", v, 1, &n, NULL, NULL), 0);
    assert_int_equal(n, 3);
    assert_string_equal(v[0].name, "p");
    assert_int_equal(v[1].kind, 0xa5a5); /* untouched */
    assert_int_equal(tyr_dwarf_param_locations(dw, "use_all", NULL, 0, &n, NULL, NULL), 0);
    assert_int_equal(n, 3);
}

static void test_errors(void **state)
{
    tyr_dwarf *dw = *state;
    tyr_dwarf_param_loc v[2];
    uint32_t n = 0;
    tyr_diag diag = {0};
    assert_int_equal(tyr_dwarf_param_locations(dw, "no_such_function", v, 2, &n, NULL, &diag),
                     TYR_ENOENT);
    assert_int_equal(tyr_dwarf_param_locations(NULL, "use_all", v, 2, &n, NULL, NULL),
                     TYR_EINVAL);
    assert_int_equal(tyr_dwarf_param_locations(dw, "", v, 2, &n, NULL, NULL), TYR_EINVAL);
    assert_int_equal(tyr_dwarf_param_locations(dw, "use_all", NULL, 2, &n, NULL, NULL),
                     TYR_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_constprop_copy),
        cmocka_unit_test(test_count_beyond_max),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, open_clones, close_clones);
}

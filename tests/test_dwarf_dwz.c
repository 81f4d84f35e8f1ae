/* SPDX-License-Identifier: MIT */
/*
 * The importer on dwz supplementary files (tests/fixtures/dz, built by tests/dwz.cmake):
 * names and types that live in the supplementary file are read (GNU forms from a compressed
 * supplementary file behind a separate debug file, DWARF 5 forms), every named type of the
 * supplementary file is found by name through the program, and a missing, cut or stringless
 * supplementary file gives an error or a count, never an empty name. What each function's
 * parameters and each layout should be is checked against gdb by dwarf_vs_gdb.py (CTest
 * dwz_vs_gdb_*); here, what the library itself promises.
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

#ifndef TYR_DZ_DIR
#error "TYR_DZ_DIR comes from tests/dwz.cmake (empty when the fixtures cannot be built)"
#endif

static const char *dz(const char *name)
{
    static char buf[4][1024];
    static unsigned k;
    char *p = buf[k++ % 4];
    snprintf(p, sizeof buf[0], "%s/%s", TYR_DZ_DIR, name);
    return p;
}

/* The fixtures need gcc, dwz and objcopy at build time (tests/dwz.cmake). */
static int need_fixtures(void **state)
{
    (void)state;
    if (!TYR_DZ_DIR[0]) {
        print_message("SKIPPED: the dwz fixtures were not built (gcc, dwz or objcopy missing)\n");
        exit(77);
    }
    return 0;
}

static tyr_dwarf *open_dz(const char *name)
{
    tyr_dwarf *dw = NULL;
    tyr_diag diag = {0};
    int err = tyr_dwarf_open(dz(name), NULL, &dw, &diag);
    if (err)
        print_message("%s: %s\n", name, diag.what);
    assert_int_equal(err, 0);
    return dw;
}

static tyr_registry *new_reg(void)
{
    tyr_registry *reg = NULL;
    assert_int_equal(tyr_registry_new(NULL, &reg), 0);
    return reg;
}

static bool ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), m = strlen(tail);
    return n >= m && strcmp(s + n - m, tail) == 0;
}

struct names {
    char v[64][64];
    int n;
};

static int collect(void *ctx, const char *name)
{
    struct names *ns = ctx;
    if (ns->n < 64)
        snprintf(ns->v[ns->n++], sizeof ns->v[0], "%s", name);
    return 0;
}

/* Every function of the program imports with every parameter named (the fixture names them
 * all), no type spelled as an anonymous record, and no name left unread. */
static void check_all_functions(const char *bin)
{
    tyr_dwarf *dw = open_dz(bin);
    tyr_registry *reg = new_reg();
    struct names ns = {.n = 0};
    tyr_diag diag = {0};
    assert_int_equal(tyr_dwarf_list_funcs(dw, NULL, collect, &ns, &diag), 0);
    assert_true(ns.n >= 20);
    for (int i = 0; i < ns.n; i++) {
        tyr_type fn;
        int err = tyr_dwarf_import_func(dw, reg, ns.v[i], &fn, &diag);
        if (err)
            print_message("%s: %s: %s\n", bin, ns.v[i], diag.what);
        assert_int_equal(err, 0);
        tyr_type_info fi;
        assert_int_equal(tyr_type_get(reg, fn, &fi), 0);
        for (uint32_t p = 0; p < fi.count; p++) {
            tyr_param_info pi;
            char spelled[256];
            assert_int_equal(tyr_param_at(reg, fn, p, &pi), 0);
            assert_int_not_equal(tyr_type_spell(reg, pi.type, pi.name, 0, spelled,
                                                sizeof spelled), 0);
            if (!pi.name[0] || strstr(spelled, "<anonymous>"))
                print_message("%s: %s: parameter %u: '%s'\n", bin, ns.v[i], p, spelled);
            assert_true(pi.name[0] != 0);
            assert_null(strstr(spelled, "<anonymous>"));
        }
    }
    assert_int_equal(tyr_dwarf_unreadable_names(dw, NULL, NULL), 0);
    tyr_registry_free(reg);
    tyr_dwarf_free(dw);
}

/* Debian's shape: separate debug file, GNU forms, compressed supplementary file. */
static void test_gnu_forms_compressed_dwz(void **state)
{
    (void)state;
    tyr_dwarf *dw = open_dz("dz-gnu1");
    assert_true(ends_with(tyr_dwarf_debug_path(dw), "dz-gnu1.debug"));
    assert_true(ends_with(tyr_dwarf_alt_path(dw), "dz-gnu.dwz"));
    tyr_dwarf_free(dw);
    check_all_functions("dz-gnu1");
}

/* DWARF 5 supplementary file: .debug_sup, DW_FORM_ref_sup4, DW_FORM_strp_sup. */
static void test_dwarf5_sup_forms(void **state)
{
    (void)state;
    tyr_dwarf *dw = open_dz("dz-sup1");
    assert_true(ends_with(tyr_dwarf_alt_path(dw), "dz-sup.dwz"));
    tyr_dwarf_free(dw);
    check_all_functions("dz-sup1");
}

/* Every named type the supplementary file defines (read by opening that file alone) is found
 * by name through the program, with the same kind and size. */
static void check_alt_types_found(const char *bin, const char *alt)
{
    tyr_dwarf *adw = open_dz(alt);
    tyr_registry *areg = new_reg();
    tyr_diag diag = {0};
    assert_int_equal(tyr_dwarf_import_all(adw, areg, NULL, &diag), 0);
    tyr_dwarf *dw = open_dz(bin);
    tyr_registry *reg = new_reg();
    uint32_t n = tyr_registry_type_count(areg), checked = 0;
    for (uint32_t id = 1; id < n; id++) {
        tyr_type_info ai;
        assert_int_equal(tyr_type_get(areg, (tyr_type){id}, &ai), 0);
        if (!ai.name[0] || (ai.kind != TYR_KIND_STRUCT && ai.kind != TYR_KIND_UNION &&
                            ai.kind != TYR_KIND_ENUM && ai.kind != TYR_KIND_TYPEDEF))
            continue;
        tyr_type t;
        int err = tyr_dwarf_import_type(dw, reg, ai.name, ai.kind, &t, &diag);
        if (err)
            print_message("%s: %s '%s': %d %s\n", bin, tyr_kind_name(ai.kind), ai.name, err,
                          diag.what);
        assert_int_equal(err, 0);
        assert_int_equal(tyr_type_kind(reg, t), ai.kind);
        assert_int_equal(tyr_type_size(reg, t), ai.size);
        checked++;
    }
    assert_true(checked >= 10); /* dz.h's shared types, and the C library's */
    tyr_registry_free(reg);
    tyr_dwarf_free(dw);
    tyr_registry_free(areg);
    tyr_dwarf_free(adw);
}

static void test_types_only_in_dwz_found_by_name(void **state)
{
    (void)state;
    check_alt_types_found("dz-gnu1", "dz-gnu.dwz");
    check_alt_types_found("dz-sup1", "dz-sup.dwz");
}

/* The supplementary file's strings cut short: the import fails naming the DIE and the
 * offset; a lookup by name goes on without those DIEs and counts them. */
static void test_strings_outside_dwz_str(void **state)
{
    (void)state;
    tyr_dwarf *dw = open_dz("dz-badstr1");
    tyr_registry *reg = new_reg();
    tyr_diag diag = {0};
    tyr_type t;
    assert_int_equal(tyr_dwarf_import_func(dw, reg, "dz_find_line", &t, &diag), TYR_EDWARF);
    assert_int_equal(diag.err, TYR_EDWARF);
    assert_true(diag.offset != 0);
    assert_non_null(strstr(diag.what, "DW_AT_name (DW_FORM_GNU_strp_alt) unreadable"));
    assert_non_null(strstr(diag.what, "outside the dwz file's"));

    uint64_t first = 0;
    int in_alt = -1;
    assert_int_equal(tyr_dwarf_import_type(dw, reg, "dz_symbol", TYR_KIND_ANY, &t, &diag),
                     TYR_ENOENT);
    assert_true(tyr_dwarf_unreadable_names(dw, &first, &in_alt) > 0);
    assert_true(first != 0);
    assert_int_equal(in_alt, 0);

    memset(&diag, 0, sizeof diag);
    assert_int_equal(tyr_dwarf_import_all(dw, reg, NULL, &diag), TYR_EDWARF);
    assert_non_null(strstr(diag.what, "unreadable"));
    tyr_registry_free(reg);
    tyr_dwarf_free(dw);
}

/* A supplementary file that is missing, or cut in the middle: the open fails and says which
 * file. */
static void test_missing_or_cut_dwz(void **state)
{
    (void)state;
    static const struct {
        const char *bin, *what;
    } cases[] = {
        {"dz-miss1", "dwz file dz-miss.dwz not found"},
        {"dz-trunc1", "dz-trunc.dwz is not an ELF file with debug info"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tyr_dwarf *dw = NULL;
        tyr_diag diag = {0};
        assert_int_equal(tyr_dwarf_open(dz(cases[i].bin), NULL,
                                        &dw, &diag),
                         TYR_ENODEBUG);
        assert_null(dw);
        if (!strstr(diag.what, cases[i].what))
            print_message("%s: %s\n", cases[i].bin, diag.what);
        assert_non_null(strstr(diag.what, cases[i].what));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gnu_forms_compressed_dwz),
        cmocka_unit_test(test_dwarf5_sup_forms),
        cmocka_unit_test(test_types_only_in_dwz_found_by_name),
        cmocka_unit_test(test_strings_outside_dwz_str),
        cmocka_unit_test(test_missing_or_cut_dwz),
    };
    return cmocka_run_group_tests(tests, need_fixtures, NULL);
}

/* SPDX-License-Identifier: MIT */
/* tyr_layout: pahole-like blocks with offsets, sizes, bit positions, holes and padding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "format_fixture.h"
#include "random_registry.h"
#include "tyr/tyr.h"

static char *layout(const tyr_registry *reg, const tyr_type *roots, uint32_t n, int want)
{
    struct tyr_buf b = {0};
    tyr_sink sink = tyr_sink_buf(&b);
    assert_int_equal(tyr_layout(reg, TYR_OPTS(tyr_dump_opts, .nroots = n, .roots = roots), &sink),
                     want);
    return b.data;
}

/* Holes, trailing padding, bitfield positions and bit padding, an anonymous union expanded
 * in place, a typedef'd anonymous struct, a name shared by two layouts, a packed struct
 * (no holes), and a declaration: whole blocks, exactly. */
static void test_golden_blocks(void **state)
{
    struct zoo_ctx *c = *state;
    tyr_struct d;
    assert_int_equal(tyr_struct_declare(c->reg, TYR_KIND_STRUCT, "later", &d), 0);
    tyr_type r[] = {c->z.holes, c->z.flags, c->z.rec, c->z.pair_t, c->z.node2, c->z.packed,
                    tyr_struct_type(d)};
    char *s = layout(c->reg, r, 7, 0);
    assert_non_null(s);
    assert_string_equal(s,
        "struct holes {\n"
        "\tchar a;                                 /*     0     1 */\n"
        "\n"
        "\t/* XXX 3 bytes hole */\n"
        "\n"
        "\tint b;                                  /*     4     4 */\n"
        "\tchar c;                                 /*     8     1 */\n"
        "\n"
        "\t/* XXX 7 bytes hole */\n"
        "\n"
        "\tlong d;                                 /*    16     8 */\n"
        "\tchar e;                                 /*    24     1 */\n"
        "\n"
        "\t/* size: 32, cachelines: 1, align: 8, members: 5 */\n"
        "\t/* holes: 2, sum holes: 10 bytes */\n"
        "\t/* padding: 7 */\n"
        "};\n"
        "\n"
        "struct flags {\n"
        "\tunsigned int a:3;                       /*     0: 0    4 */\n"
        "\tunsigned int b:5;                       /*     0: 3    4 */\n"
        "\tint c:4;                                /*     0: 8    4 */\n"
        "\tenum color col:3;                       /*     0:12    4 */\n"
        "\n"
        "\t/* size: 4, cachelines: 1, align: 4, members: 4 */\n"
        "\t/* padding: 2, bit_padding: 1 bit */\n"
        "};\n"
        "\n"
        "struct rec {\n"
        "\tnode_t *head;                           /*     0     8 */\n"
        "\tchar name[8];                           /*     8     8 */\n"
        "\tint arr[3];                             /*    16    12 */\n"
        "\tstruct flags fl;                        /*    28     4 */\n"
        "\tunion {\n"
        "\t\tint i;                          /*    32     4 */\n"
        "\t\tfloat f;                        /*    32     4 */\n"
        "\t};                                      /*    32     4 */\n"
        "\t_Bool ok;                               /*    36     1 */\n"
        "\n"
        "\t/* XXX 3 bytes hole */\n"
        "\n"
        "\tdouble d;                               /*    40     8 */\n"
        "\tenum color c;                           /*    48     4 */\n"
        "\tenum small s;                           /*    52     1 */\n"
        "\n"
        "\t/* XXX 3 bytes hole */\n"
        "\n"
        "\tconst char *str;                        /*    56     8 */\n"
        "\t/* --- cacheline 1 boundary (64 bytes) --- */\n"
        "\tvoid (*cb)(int, struct rec *);          /*    64     8 */\n"
        "\tlong big;                               /*    72     8 */\n"
        "\n"
        "\t/* size: 80, cachelines: 2, align: 8, members: 12 */\n"
        "\t/* holes: 2, sum holes: 6 bytes */\n"
        "};\n"
        "\n"
        "struct { /* pair_t */\n"
        "\tint a;                                  /*     0     4 */\n"
        "\tint b;                                  /*     4     4 */\n"
        "\n"
        "\t/* size: 8, cachelines: 1, align: 4, members: 2 */\n"
        "};\n"
        "\n"
        "struct Node { /* type 32 */\n"
        "\tint x;                                  /*     0     4 */\n"
        "\n"
        "\t/* size: 4, cachelines: 1, align: 4, members: 1 */\n"
        "};\n"
        "\n"
        "struct packed_s {\n"
        "\tchar c;                                 /*     0     1 */\n"
        "\tint x;                                  /*     1     4 */\n"
        "\n"
        "\t/* size: 5, cachelines: 1, align: 1, members: 2 */\n"
        "};\n"
        "\n"
        "struct later; /* declaration only */\n"
        "\n");
    free(s);
}

/* Without roots: every defined named record and typedef'd anonymous one, in id order. */
static void test_all_records(void **state)
{
    struct zoo_ctx *c = *state;
    char *s = layout(c->reg, NULL, 0, 0);
    assert_non_null(s);
    const char *order[] = {"struct Node { /* type 12 */\n", "struct flags {\n", "struct rec {\n",
                           "struct packed_s {\n", "struct holes {\n", "union u2 {\n",
                           "struct Node { /* type 32 */\n", "struct flex {\n",
                           "struct { /* pair_t */\n", "struct hasunk {\n", "struct A {\n",
                           "struct B {\n", "struct aligned16 {\n", "struct grid {\n"};
    const char *at = s;
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        const char *p = strstr(at, order[i]);
        assert_non_null(p);
        at = p + 1;
    }
    assert_non_null(strstr(s, "\tint data[];                             /*     4     0 */\n"));
    assert_non_null(strstr(s, "\tchar cells[2][3];                       /*     0     6 */\n"));
    free(s);
}

/* Bit holes, an unnamed bitfield, a hole of bytes and bits, and trailing bit padding. */
static void test_golden_bit_holes(void **state)
{
    struct zoo_ctx *c = *state;
    tyr_struct s;
    assert_int_equal(tyr_struct_new(c->reg, TYR_KIND_STRUCT, "bithole", 16, 8, 0, &s), 0);
    assert_int_equal(tyr_struct_add_field(c->reg, s, "a", c->z.chr, 0, 0, 0), 0);
    assert_int_equal(tyr_struct_add_field(c->reg, s, "b", c->z.u32, 0, 12, 3), 0);
    assert_int_equal(tyr_struct_add_field(c->reg, s, NULL, c->z.u32, 0, 20, 5), 0);
    assert_int_equal(tyr_struct_add_field(c->reg, s, "d", c->z.i32, 8, 0, 0), 0);
    assert_int_equal(tyr_struct_add_field(c->reg, s, "e", c->z.u32, 12, 0, 9), 0);
    tyr_type root = tyr_struct_type(s);
    char *text = layout(c->reg, &root, 1, 0);
    assert_non_null(text);
    assert_string_equal(text,
        "struct bithole {\n"
        "\tchar a;                                 /*     0     1 */\n"
        "\n"
        "\t/* XXX 4 bits hole */\n"
        "\n"
        "\tunsigned int b:3;                       /*     0:12    4 */\n"
        "\n"
        "\t/* XXX 5 bits hole */\n"
        "\n"
        "\tunsigned int :5;                        /*     0:20    4 */\n"
        "\n"
        "\t/* XXX 4 bytes 7 bits hole */\n"
        "\n"
        "\tint d;                                  /*     8     4 */\n"
        "\tunsigned int e:9;                       /*    12: 0    4 */\n"
        "\n"
        "\t/* size: 16, cachelines: 1, align: 8, members: 5 */\n"
        "\t/* holes: 3, sum holes: 6 bytes */\n"
        "\t/* padding: 2, bit_padding: 7 bits */\n"
        "};\n\n");
    free(text);
}

/* Random registries: every record lays out, as a root and in the all-records listing. */
static void test_random_registries(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 8; seed++) {
        rnd_seed(seed);
        tyr_registry *reg;
        assert_int_equal(tyr_registry_new(NULL, &reg), 0);
        random_registry(reg, 200);
        free(layout(reg, NULL, 0, 0));
        for (uint32_t id = 1; id < tyr_registry_type_count(reg); id++) {
            int k = tyr_type_kind(reg, (tyr_type){id});
            if (k != TYR_KIND_STRUCT && k != TYR_KIND_UNION)
                continue;
            tyr_type root = {id};
            char *s = layout(reg, &root, 1, 0);
            assert_non_null(s);
            free(s);
        }
        tyr_registry_free(reg);
    }
}

/* A root that is not a record, a bad handle, a failing sink. */
static void test_errors(void **state)
{
    struct zoo_ctx *c = *state;
    tyr_type bad = {9999999};
    free(layout(c->reg, &c->z.i32, 1, TYR_EKIND));
    free(layout(c->reg, &bad, 1, TYR_EHANDLE));
    tyr_sink sink = {zoo_fail_write, NULL};
    assert_int_equal(tyr_layout(c->reg, NULL, &sink), TYR_EIO);
    assert_int_equal(tyr_layout(NULL, NULL, &sink), TYR_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_golden_blocks, zoo_setup, zoo_teardown),
        cmocka_unit_test_setup_teardown(test_all_records, zoo_setup, zoo_teardown),
        cmocka_unit_test_setup_teardown(test_golden_bit_holes, zoo_setup, zoo_teardown),
        cmocka_unit_test(test_random_registries),
        cmocka_unit_test_setup_teardown(test_errors, zoo_setup, zoo_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

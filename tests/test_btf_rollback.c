/* SPDX-License-Identifier: MIT */
/*
 * BTF imports are all or nothing under memory pressure too: each allocation an import makes
 * fails in an attempt of its own, and each attempt either fails with TYR_ENOMEM, the
 * registry byte for byte as it was (the general path's snapshot rolled back, or the bulk
 * path's registry emptied again), or absorbs the failure and imports whole. The failing
 * allocations are tests/alloc_fail.h's (libbpf's, in its shared library, are not failed).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <bpf/btf.h>

#include "alloc_fail.h"
#include "tyr/btf.h"
#include "tyr/tyr.h"

#include "reg_state.h"

/* ---- The BTF and a registry's observable state ---- */

/* Enough shapes that an import allocates many times on every path: a struct holding a
 * struct, an array and a bitfield, a pointer cycle, a typedef chain, an enum and an enum64,
 * a union, two functions. Owner: the caller (btf__free). */
static struct btf *build_btf(void)
{
    struct btf *btf = btf__new_empty();
    assert_non_null(btf);
    int i32 = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
    int chr = btf__add_int(btf, "char", 1, BTF_INT_SIGNED);
    int name = btf__add_array(btf, i32, chr, 16);
    int en = btf__add_enum(btf, "state", 4);
    btf__add_enum_value(btf, "LIVE", 1);
    btf__add_enum_value(btf, "DEAD", 2);
    btf__add_enum64(btf, "wide", 8, false);
    btf__add_enum64_value(btf, "FAR", 1ull << 40);
    int inner = btf__add_struct(btf, "payload", 24);
    btf__add_field(btf, "tag", name, 0, 0);
    btf__add_field(btf, "st", en, 128, 0);
    btf__add_field(btf, "bits", i32, 160, 5);
    int pnode = btf__add_ptr(btf, (int)btf__type_cnt(btf) + 1);
    int node = btf__add_struct(btf, "node", 40);
    assert_int_equal(node, pnode + 1);
    btf__add_field(btf, "next", pnode, 0, 0);
    btf__add_field(btf, "p", inner, 64, 0);
    int un = btf__add_union(btf, "either", 8);
    btf__add_field(btf, "i", i32, 0, 0);
    btf__add_field(btf, "n", pnode, 0, 0);
    int td = btf__add_typedef(btf, "node_t", node);
    int ctd = btf__add_const(btf, td);
    int pctd = btf__add_ptr(btf, ctd);
    int proto = btf__add_func_proto(btf, i32);
    btf__add_func_param(btf, "n", pctd);
    btf__add_func_param(btf, "e", un);
    assert_true(btf__add_func(btf, "walk", BTF_FUNC_GLOBAL, proto) > 0);
    int proto2 = btf__add_func_proto(btf, 0);
    btf__add_func_param(btf, "s", en);
    assert_true(btf__add_func(btf, "set_state", BTF_FUNC_GLOBAL, proto2) > 0);
    return btf;
}

/* Owner: the caller (tyr_btf_free). */
static tyr_btf *open_btf(const struct btf *btf)
{
    __u32 size;
    const void *raw = btf__raw_data(btf, &size);
    assert_non_null(raw);
    tyr_btf *b = NULL;
    assert_int_equal(tyr_btf_open_mem(raw, size, NULL, &b, NULL), 0);
    return b;
}

enum how { FUNC, ALL };

/*
 * One import of btf on a new handle into a new registry (holding one builder type first
 * unless empty, where import_all takes the bulk path), with allocation n of the import
 * failing (-1: none). Either it fails with TYR_ENOMEM and the registry is byte for byte as
 * before, or it succeeds, the failure absorbed (an allocation the import can do without: a
 * cache of type offsets), and what it imported is whole. Returns 1 when it failed; the
 * import's allocations go to *allocs.
 */
static int attempt(const struct btf *btf, enum how how, int empty, long n, long *allocs)
{
    tyr_btf *b = open_btf(btf);
    tyr_registry *reg = NULL;
    tyr_type own, t;
    assert_int_equal(tyr_registry_new(NULL, &reg), 0);
    if (!empty)
        assert_int_equal(tyr_add_int(reg, "long", 8, TYR_INT_SIGNED, &own), 0);
    struct reg_state before = reg_state_of(reg);
    alloc_count = 0;
    alloc_countdown = n;
    int err = how == FUNC ? tyr_btf_import_func(b, reg, "walk", &t, NULL)
                          : tyr_btf_import_all(b, reg, NULL, NULL);
    alloc_countdown = -1;
    *allocs = alloc_count;
    if (err) {
        if (err != TYR_ENOMEM)
            print_message("allocation %ld failing: %s\n", n, tyr_strerror(err));
        assert_int_equal(err, TYR_ENOMEM);
        reg_state_expect(reg, &before);
    } else {
        assert_int_equal(tyr_find(reg, "walk", TYR_KIND_FUNC, &t), 0);
        assert_int_equal(tyr_find(reg, "node", TYR_KIND_STRUCT, &t), 0);
        if (how == ALL)
            assert_int_equal(tyr_find(reg, "set_state", TYR_KIND_FUNC, &t), 0);
        void *blob = NULL;
        size_t len = 0;
        assert_int_equal(tyr_blob_write_mem(reg, NULL, &blob, &len), 0);
        assert_int_equal(tyr_blob_verify(blob, len, NULL), 0);
        tyr_blob_buf_free(blob);
    }
    reg_state_free(&before);
    tyr_registry_free(reg);
    tyr_btf_free(b);
    return err != 0;
}

/* Every allocation of one import, each failing in its own attempt; returns how many of them
 * failed the import (the others were absorbed). */
static long fail_each(enum how how, int empty)
{
    struct btf *btf = build_btf();
    long total = 0, allocs, failed = 0;
    assert_int_equal(attempt(btf, how, empty, -1, &total), 0);
    assert_true(total > 0);
    for (long n = 0; n < total; n++)
        failed += attempt(btf, how, empty, n, &allocs);
    btf__free(btf);
    return failed;
}

/* The general path, a function's signature, into a registry that holds a type already. */
static void test_func_alloc_failure_each(void **state)
{
    (void)state;
    assert_true(fail_each(FUNC, 0) > 0);
}

/* import_all into a registry that holds a type: the general path, its snapshot rolled back. */
static void test_all_alloc_failure_each(void **state)
{
    (void)state;
    assert_true(fail_each(ALL, 0) > 0);
}

/* import_all into an empty registry: the bulk path. An allocation that fails after it
 * adopted the BTF's strings (the room for the records) must empty the registry again. */
static void test_bulk_alloc_failure_each(void **state)
{
    (void)state;
    assert_true(fail_each(ALL, 1) > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_func_alloc_failure_each),
        cmocka_unit_test(test_all_alloc_failure_each),
        cmocka_unit_test(test_bulk_alloc_failure_each),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/*
 * BTF imports are all or nothing under memory pressure too: the Nth allocation tyr makes
 * fails, for every N of an import, and each failure is TYR_ENOMEM with the registry byte for
 * byte as it was (the general path's snapshot rolled back, or the bulk path's registry
 * emptied again); then the import succeeds on the same handle. This program is linked with
 * --wrap=malloc,calloc,realloc (tests/btf.cmake), so the allocations of tyr's static
 * libraries go through the wrappers below (libbpf's, in its shared library, do not).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <bpf/btf.h>

#include "tyr/btf.h"
#include "tyr/tyr.h"

/* ---- Failing allocations on demand ---- */

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);

static long alloc_countdown = -1; /* the allocation that fails when this reaches 0; -1 = none */

static int alloc_fails(void)
{
    return alloc_countdown >= 0 && alloc_countdown-- == 0;
}
void *__wrap_malloc(size_t n)
{
    return alloc_fails() ? NULL : __real_malloc(n);
}
void *__wrap_calloc(size_t n, size_t size)
{
    return alloc_fails() ? NULL : __real_calloc(n, size);
}
void *__wrap_realloc(void *p, size_t n)
{
    return alloc_fails() ? NULL : __real_realloc(p, n);
}

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

/* The bytes of a full blob of reg (the whole arena, index included), and its type count. */
struct state {
    void *blob;
    size_t len;
    uint32_t types;
};

static struct state state_of(const tyr_registry *reg)
{
    struct state s = {.types = tyr_registry_type_count(reg)};
    assert_int_equal(tyr_blob_write_mem(reg, NULL, &s.blob, &s.len), 0);
    return s;
}

static void assert_state(const tyr_registry *reg, const struct state *want)
{
    struct state now = state_of(reg);
    assert_int_equal(now.types, want->types);
    assert_int_equal(now.len, want->len);
    assert_memory_equal(now.blob, want->blob, want->len);
    tyr_blob_buf_free(now.blob);
}

enum how { FUNC, ALL };

static int import(tyr_btf *b, tyr_registry *reg, enum how how)
{
    tyr_type fn;
    return how == FUNC ? tyr_btf_import_func(b, reg, "walk", &fn, NULL)
                       : tyr_btf_import_all(b, reg, NULL, NULL);
}

/*
 * Fail the Nth allocation of one import, for every N until it succeeds: each failure is
 * TYR_ENOMEM and leaves reg as `before`; returns how many failed. The handle is the same
 * throughout, so each retry also starts from the state a failure left it in.
 */
static long fail_every_n(tyr_btf *b, tyr_registry *reg, enum how how,
                         const struct state *before)
{
    long n, failures = 0;
    for (n = 0;; n++) {
        alloc_countdown = n;
        int err = import(b, reg, how);
        alloc_countdown = -1;
        if (err == 0)
            break;
        if (err != TYR_ENOMEM)
            print_message("allocation %ld failing: %s\n", n, tyr_strerror(err));
        assert_int_equal(err, TYR_ENOMEM);
        assert_state(reg, before);
        failures++;
        assert_true(n < 100000);
    }
    return failures;
}

/* The general path, a function's signature, into a registry that holds a type already. */
static void test_func_alloc_failure_every_n(void **state)
{
    (void)state;
    struct btf *btf = build_btf();
    tyr_btf *b = open_btf(btf);
    tyr_registry *reg = NULL;
    tyr_type own;
    assert_int_equal(tyr_registry_new(NULL, &reg), 0);
    assert_int_equal(tyr_add_int(reg, "long", 8, TYR_INT_SIGNED, &own), 0);
    struct state before = state_of(reg);
    assert_true(fail_every_n(b, reg, FUNC, &before) > 0);
    assert_true(tyr_registry_type_count(reg) > before.types);
    tyr_type fn, node;
    assert_int_equal(tyr_find(reg, "walk", TYR_KIND_FUNC, &fn), 0);
    assert_int_equal(tyr_find(reg, "node", TYR_KIND_STRUCT, &node), 0);
    void *blob = NULL;
    size_t len = 0;
    assert_int_equal(tyr_blob_write_mem(reg, NULL, &blob, &len), 0);
    assert_int_equal(tyr_blob_verify(blob, len, NULL), 0);
    tyr_blob_buf_free(blob);
    tyr_blob_buf_free(before.blob);
    tyr_registry_free(reg);
    tyr_btf_free(b);
    btf__free(btf);
}

/* import_all through both paths: into a registry that holds a type (the general path, its
 * snapshot rolled back) and into an empty one (the bulk path: it makes all its room before
 * it adopts the strings, so an allocation that fails leaves the registry as new; its undo of
 * a failure after that, a bad type, is test_btf_bulk's test_failure_empties). */
static void test_all_alloc_failure_every_n(void **state)
{
    (void)state;
    struct btf *btf = build_btf();
    for (int bulk = 0; bulk < 2; bulk++) {
        tyr_btf *b = open_btf(btf);
        tyr_registry *reg = NULL;
        tyr_type own;
        assert_int_equal(tyr_registry_new(NULL, &reg), 0);
        if (!bulk)
            assert_int_equal(tyr_add_int(reg, "long", 8, TYR_INT_SIGNED, &own), 0);
        struct state before = state_of(reg);
        assert_true(fail_every_n(b, reg, ALL, &before) > 0);
        tyr_type t;
        assert_int_equal(tyr_find(reg, "set_state", TYR_KIND_FUNC, &t), 0);
        assert_int_equal(tyr_find(reg, "wide", TYR_KIND_ENUM, &t), 0);
        assert_int_equal(tyr_find(reg, "either", TYR_KIND_UNION, &t), 0);
        void *blob = NULL;
        size_t len = 0;
        assert_int_equal(tyr_blob_write_mem(reg, NULL, &blob, &len), 0);
        assert_int_equal(tyr_blob_verify(blob, len, NULL), 0);
        tyr_blob_buf_free(blob);
        tyr_blob_buf_free(before.blob);
        tyr_registry_free(reg);
        tyr_btf_free(b);
    }
    btf__free(btf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_func_alloc_failure_every_n),
        cmocka_unit_test(test_all_alloc_failure_every_n),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

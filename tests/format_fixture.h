/* SPDX-License-Identifier: MIT */
/*
 * A "zoo" registry shared by the formatter tests and fuzz/decode_fuzzer.c: one of every
 * construct the formatters handle, with x86-64 (LP64, SysV) layouts written out by hand.
 * zoo_build returns 0 or the first builder error; handles land in *z.
 */
#ifndef TYR_FORMAT_FIXTURE_H
#define TYR_FORMAT_FIXTURE_H

#include <stdlib.h>

#include "tyr/tyr.h"

struct zoo {
    tyr_type i32, u32, chr, uchr, boolean, i64, u64, i16, f32, f64, f80;
    tyr_type node, node_ptr, color, small, node_t, flags, rec, packed, holes, u2, node2,
        flex, pair_t, unknown, hasunk, walk, a, b, aligned, big_enum, e16, grid, cv;
    tyr_type cb_proto, cb_ptr;
};

#define ZOO_TRY(call)                                                                        \
    do {                                                                                     \
        int zoo_err_ = (call);                                                               \
        if (zoo_err_)                                                                        \
            return zoo_err_;                                                                 \
    } while (0)

static inline tyr_type zoo_struct_type(tyr_struct s)
{
    return tyr_struct_type(s);
}

static inline int zoo_build(tyr_registry *reg, struct zoo *z)
{
    tyr_struct s;
    tyr_type t, t2;
    ZOO_TRY(tyr_add_int(reg, "int", 4, TYR_INT_SIGNED, &z->i32));
    ZOO_TRY(tyr_add_int(reg, "unsigned int", 4, 0, &z->u32));
    ZOO_TRY(tyr_add_int(reg, "char", 1, TYR_INT_SIGNED | TYR_INT_CHAR, &z->chr));
    ZOO_TRY(tyr_add_int(reg, "unsigned char", 1, TYR_INT_CHAR, &z->uchr));
    ZOO_TRY(tyr_add_int(reg, "_Bool", 1, TYR_INT_BOOL, &z->boolean));
    ZOO_TRY(tyr_add_int(reg, "long", 8, TYR_INT_SIGNED, &z->i64));
    ZOO_TRY(tyr_add_int(reg, "unsigned long", 8, 0, &z->u64));
    ZOO_TRY(tyr_add_int(reg, "short", 2, TYR_INT_SIGNED, &z->i16));
    ZOO_TRY(tyr_add_float(reg, "float", 4, 32, &z->f32));
    ZOO_TRY(tyr_add_float(reg, "double", 8, 64, &z->f64));
    ZOO_TRY(tyr_add_float(reg, "long double", 16, 80, &z->f80));

    /* struct Node { struct Node *next; int val; }: declared first, as the seed does. */
    ZOO_TRY(tyr_struct_declare(reg, TYR_KIND_STRUCT, "Node", &s));
    z->node = zoo_struct_type(s);
    ZOO_TRY(tyr_add_ptr(reg, z->node, &z->node_ptr));
    ZOO_TRY(tyr_struct_complete(reg, s, 16, 8, 0));
    ZOO_TRY(tyr_struct_add_field(reg, s, "next", z->node_ptr, 0, 0, 0));
    ZOO_TRY(tyr_struct_add_field(reg, s, "val", z->i32, 8, 0, 0));

    /* enum color { RED, GREEN, BLUE = 7 }; enum small: signed, 1 byte. */
    ZOO_TRY(tyr_enum_new(reg, "color", 4, 0, &z->color));
    ZOO_TRY(tyr_enum_add(reg, z->color, "RED", 0));
    ZOO_TRY(tyr_enum_add(reg, z->color, "GREEN", 1));
    ZOO_TRY(tyr_enum_add(reg, z->color, "BLUE", 7));
    ZOO_TRY(tyr_enum_new(reg, "small", 1, TYR_ENUM_SIGNED, &z->small));
    ZOO_TRY(tyr_enum_add(reg, z->small, "NEG", (uint64_t)(int64_t)-1));
    ZOO_TRY(tyr_enum_add(reg, z->small, "POS", 1));

    ZOO_TRY(tyr_add_typedef(reg, "node_t", z->node, &z->node_t));

    /* struct flags { unsigned a:3, b:5; int c:4; enum color col:3; }: 4 bytes. */
    ZOO_TRY(tyr_struct_new(reg, TYR_KIND_STRUCT, "flags", 4, 4, 0, &s));
    z->flags = zoo_struct_type(s);
    ZOO_TRY(tyr_struct_add_field(reg, s, "a", z->u32, 0, 0, 3));
    ZOO_TRY(tyr_struct_add_field(reg, s, "b", z->u32, 0, 3, 5));
    ZOO_TRY(tyr_struct_add_field(reg, s, "c", z->i32, 0, 8, 4));
    ZOO_TRY(tyr_struct_add_field(reg, s, "col", z->color, 0, 12, 3));

    /* void (*)(int, struct rec *), with struct rec declared first. */
    tyr_struct rs;
    ZOO_TRY(tyr_struct_declare(reg, TYR_KIND_STRUCT, "rec", &rs));
    z->rec = zoo_struct_type(rs);
    ZOO_TRY(tyr_func_proto_new(reg, TYR_VOID, 0, &z->cb_proto));
    ZOO_TRY(tyr_func_proto_add_param(reg, z->cb_proto, NULL, z->i32));
    ZOO_TRY(tyr_add_ptr(reg, z->rec, &t));
    ZOO_TRY(tyr_func_proto_add_param(reg, z->cb_proto, "r", t));
    ZOO_TRY(tyr_add_ptr(reg, z->cb_proto, &z->cb_ptr));

    /* An anonymous union { int i; float f; } used as an anonymous member of rec. */
    tyr_struct anon;
    ZOO_TRY(tyr_struct_new(reg, TYR_KIND_UNION, NULL, 4, 4, 0, &anon));
    ZOO_TRY(tyr_struct_add_field(reg, anon, "i", z->i32, 0, 0, 0));
    ZOO_TRY(tyr_struct_add_field(reg, anon, "f", z->f32, 0, 0, 0));

    /* struct rec { node_t *head; char name[8]; int arr[3]; struct flags fl;
     *              union { int i; float f; }; _Bool ok; double d; enum color c;
     *              enum small s; const char *str; void (*cb)(int, struct rec *); long big; } */
    ZOO_TRY(tyr_struct_complete(reg, rs, 80, 8, 0));
    ZOO_TRY(tyr_add_ptr(reg, z->node_t, &t));
    ZOO_TRY(tyr_struct_add_field(reg, rs, "head", t, 0, 0, 0));
    ZOO_TRY(tyr_add_array(reg, z->chr, 8, 0, &t));
    ZOO_TRY(tyr_struct_add_field(reg, rs, "name", t, 8, 0, 0));
    ZOO_TRY(tyr_add_array(reg, z->i32, 3, 0, &t));
    ZOO_TRY(tyr_struct_add_field(reg, rs, "arr", t, 16, 0, 0));
    ZOO_TRY(tyr_struct_add_field(reg, rs, "fl", z->flags, 28, 0, 0));
    ZOO_TRY(tyr_struct_add_field(reg, rs, NULL, zoo_struct_type(anon), 32, 0, 0));
    ZOO_TRY(tyr_struct_add_field(reg, rs, "ok", z->boolean, 36, 0, 0));
    ZOO_TRY(tyr_struct_add_field(reg, rs, "d", z->f64, 40, 0, 0));
    ZOO_TRY(tyr_struct_add_field(reg, rs, "c", z->color, 48, 0, 0));
    ZOO_TRY(tyr_struct_add_field(reg, rs, "s", z->small, 52, 0, 0));
    ZOO_TRY(tyr_add_qual(reg, TYR_KIND_CONST, z->chr, &t));
    ZOO_TRY(tyr_add_ptr(reg, t, &t));
    ZOO_TRY(tyr_struct_add_field(reg, rs, "str", t, 56, 0, 0));
    ZOO_TRY(tyr_struct_add_field(reg, rs, "cb", z->cb_ptr, 64, 0, 0));
    ZOO_TRY(tyr_struct_add_field(reg, rs, "big", z->i64, 72, 0, 0));

    /* struct packed_s { char c; int x; } __attribute__((packed)): 5 bytes. */
    ZOO_TRY(tyr_struct_new(reg, TYR_KIND_STRUCT, "packed_s", 5, 1, TYR_STRUCT_PACKED, &s));
    z->packed = zoo_struct_type(s);
    ZOO_TRY(tyr_struct_add_field(reg, s, "c", z->chr, 0, 0, 0));
    ZOO_TRY(tyr_struct_add_field(reg, s, "x", z->i32, 1, 0, 0));

    /* struct holes { char a; int b; char c; long d; char e; }: 32 bytes, holes 3 and 7. */
    ZOO_TRY(tyr_struct_new(reg, TYR_KIND_STRUCT, "holes", 32, 8, 0, &s));
    z->holes = zoo_struct_type(s);
    ZOO_TRY(tyr_struct_add_field(reg, s, "a", z->chr, 0, 0, 0));
    ZOO_TRY(tyr_struct_add_field(reg, s, "b", z->i32, 4, 0, 0));
    ZOO_TRY(tyr_struct_add_field(reg, s, "c", z->chr, 8, 0, 0));
    ZOO_TRY(tyr_struct_add_field(reg, s, "d", z->i64, 16, 0, 0));
    ZOO_TRY(tyr_struct_add_field(reg, s, "e", z->chr, 24, 0, 0));

    /* union u2 { int i; unsigned char bytes[4]; long l; }. */
    ZOO_TRY(tyr_struct_new(reg, TYR_KIND_UNION, "u2", 8, 8, 0, &s));
    z->u2 = zoo_struct_type(s);
    ZOO_TRY(tyr_struct_add_field(reg, s, "i", z->i32, 0, 0, 0));
    ZOO_TRY(tyr_add_array(reg, z->uchr, 4, 0, &t));
    ZOO_TRY(tyr_struct_add_field(reg, s, "bytes", t, 0, 0, 0));
    ZOO_TRY(tyr_struct_add_field(reg, s, "l", z->i64, 0, 0, 0));

    /* A second layout under the name Node: struct Node { int x; }. */
    ZOO_TRY(tyr_struct_new(reg, TYR_KIND_STRUCT, "Node", 4, 4, 0, &s));
    z->node2 = zoo_struct_type(s);
    ZOO_TRY(tyr_struct_add_field(reg, s, "x", z->i32, 0, 0, 0));

    /* struct flex { int n; int data[]; }. */
    ZOO_TRY(tyr_struct_new(reg, TYR_KIND_STRUCT, "flex", 4, 4, 0, &s));
    z->flex = zoo_struct_type(s);
    ZOO_TRY(tyr_struct_add_field(reg, s, "n", z->i32, 0, 0, 0));
    ZOO_TRY(tyr_add_array(reg, z->i32, 0, TYR_ARRAY_FLEX, &t));
    ZOO_TRY(tyr_struct_add_field(reg, s, "data", t, 4, 0, 0));

    /* typedef struct { int a; int b; } pair_t; */
    ZOO_TRY(tyr_struct_new(reg, TYR_KIND_STRUCT, NULL, 8, 4, 0, &s));
    ZOO_TRY(tyr_struct_add_field(reg, s, "a", z->i32, 0, 0, 0));
    ZOO_TRY(tyr_struct_add_field(reg, s, "b", z->i32, 4, 0, 0));
    ZOO_TRY(tyr_add_typedef(reg, "pair_t", zoo_struct_type(s), &z->pair_t));

    /* struct hasunk { <unknown weird, 6 bytes> w; int after; }. */
    ZOO_TRY(tyr_add_unknown(reg, "weird", 6, &z->unknown));
    ZOO_TRY(tyr_struct_new(reg, TYR_KIND_STRUCT, "hasunk", 12, 4, 0, &s));
    z->hasunk = zoo_struct_type(s);
    ZOO_TRY(tyr_struct_add_field(reg, s, "w", z->unknown, 0, 0, 0));
    ZOO_TRY(tyr_struct_add_field(reg, s, "after", z->i32, 8, 0, 0));

    /* int walk(struct Node *n, const char *mode): a probe signature. */
    ZOO_TRY(tyr_func_proto_new(reg, z->i32, 0, &t));
    ZOO_TRY(tyr_func_proto_add_param(reg, t, "n", z->node_ptr));
    ZOO_TRY(tyr_add_qual(reg, TYR_KIND_CONST, z->chr, &t2));
    ZOO_TRY(tyr_add_ptr(reg, t2, &t2));
    ZOO_TRY(tyr_func_proto_add_param(reg, t, "mode", t2));
    ZOO_TRY(tyr_func_new(reg, "walk", t, &z->walk));

    /* struct A { struct B *b; }; struct B { struct A *a; int v; }: a pointer cycle. */
    tyr_struct sa, sb;
    ZOO_TRY(tyr_struct_declare(reg, TYR_KIND_STRUCT, "A", &sa));
    ZOO_TRY(tyr_struct_declare(reg, TYR_KIND_STRUCT, "B", &sb));
    z->a = zoo_struct_type(sa);
    z->b = zoo_struct_type(sb);
    ZOO_TRY(tyr_struct_complete(reg, sa, 8, 8, 0));
    ZOO_TRY(tyr_struct_complete(reg, sb, 16, 8, 0));
    ZOO_TRY(tyr_add_ptr(reg, z->b, &t));
    ZOO_TRY(tyr_struct_add_field(reg, sa, "b", t, 0, 0, 0));
    ZOO_TRY(tyr_add_ptr(reg, z->a, &t));
    ZOO_TRY(tyr_struct_add_field(reg, sb, "a", t, 0, 0, 0));
    ZOO_TRY(tyr_struct_add_field(reg, sb, "v", z->i32, 8, 0, 0));

    /* struct aligned16 { int x; } __attribute__((aligned(16))). */
    ZOO_TRY(tyr_struct_new(reg, TYR_KIND_STRUCT, "aligned16", 16, 16, 0, &s));
    z->aligned = zoo_struct_type(s);
    ZOO_TRY(tyr_struct_add_field(reg, s, "x", z->i32, 0, 0, 0));

    /* Enums of 8 and 2 bytes. */
    ZOO_TRY(tyr_enum_new(reg, "big_enum", 8, 0, &z->big_enum));
    ZOO_TRY(tyr_enum_add(reg, z->big_enum, "BIG_ONE", 1));
    ZOO_TRY(tyr_enum_add(reg, z->big_enum, "BIG_HUGE", 0x100000000ull));
    ZOO_TRY(tyr_enum_new(reg, "e16", 2, 0, &z->e16));
    ZOO_TRY(tyr_enum_add(reg, z->e16, "E16_A", 1));

    /* struct grid { char cells[2][3]; volatile short v; enum e16 e; big_enum b; }:
     * cells 0..6, v 6, e 8, b 16: 24 bytes. */
    ZOO_TRY(tyr_struct_new(reg, TYR_KIND_STRUCT, "grid", 24, 8, 0, &s));
    z->grid = zoo_struct_type(s);
    ZOO_TRY(tyr_add_array(reg, z->chr, 3, 0, &t));
    ZOO_TRY(tyr_add_array(reg, t, 2, 0, &t));
    ZOO_TRY(tyr_struct_add_field(reg, s, "cells", t, 0, 0, 0));
    ZOO_TRY(tyr_add_qual(reg, TYR_KIND_VOLATILE, z->i16, &z->cv));
    ZOO_TRY(tyr_struct_add_field(reg, s, "v", z->cv, 6, 0, 0));
    ZOO_TRY(tyr_struct_add_field(reg, s, "e", z->e16, 8, 0, 0));
    ZOO_TRY(tyr_struct_add_field(reg, s, "b", z->big_enum, 16, 0, 0));
    return 0;
}

/* One zoo registry per test, for cmocka's setup and teardown. */
struct zoo_ctx {
    tyr_registry *reg;
    struct zoo z;
};

static inline int zoo_setup(void **state)
{
    struct zoo_ctx *c = calloc(1, sizeof(*c));
    if (!c || tyr_registry_new(NULL, &c->reg) || zoo_build(c->reg, &c->z)) {
        if (c)
            tyr_registry_free(c->reg);
        free(c);
        return -1;
    }
    *state = c;
    return 0;
}

static inline int zoo_teardown(void **state)
{
    struct zoo_ctx *c = *state;
    tyr_registry_free(c->reg);
    free(c);
    return 0;
}

/* A sink whose every write fails, for the formatters' error paths. */
static inline int zoo_fail_write(void *ctx, const char *data, size_t len)
{
    (void)ctx;
    (void)data;
    (void)len;
    return TYR_EIO;
}

#endif /* TYR_FORMAT_FIXTURE_H */

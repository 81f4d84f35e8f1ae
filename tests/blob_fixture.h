/* SPDX-License-Identifier: MIT */
/*
 * Shared by the blob tests: a representative registry holding every kind (with stale member
 * copies, a declared-only struct, a recursive struct, bitfields, a flexible array, anonymous
 * members, a prototype and a function), a query sweep that touches every query on every type,
 * and a comparison of two registries through an old-to-new map.
 */
#ifndef TYR_TEST_BLOB_FIXTURE_H
#define TYR_TEST_BLOB_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <xxhash.h>

#include "blob_format.h"
#include "internal.h"
#include "tyr/tyr.h"

/* The handles the tests name. */
struct fx {
    tyr_registry *reg;
    tyr_type t_int, t_uint, t_char, t_bool, t_long, t_float, t_double, t_ldouble;
    tyr_type node, node_ptr, node_t, cnode_t, arr2x3, buf, color, u, outer, opaque_ptr;
    tyr_type proto, walk, unknown, vint, rptr, aint, unused, unused_enum, unused_ptr, pair;
};

#define FX_OK(call) assert_int_equal((call), 0)

static inline void fx_build(struct fx *f)
{
    tyr_registry *r;
    tyr_struct s;
    tyr_type t, arr3, chararr, flex, anon, vptr;

    memset(f, 0, sizeof *f);
    FX_OK(tyr_registry_new(NULL, &f->reg));
    r = f->reg;
    FX_OK(tyr_add_int(r, "int", 4, TYR_INT_SIGNED, &f->t_int));
    FX_OK(tyr_add_int(r, "unsigned int", 4, 0, &f->t_uint));
    FX_OK(tyr_add_int(r, "char", 1, TYR_INT_SIGNED | TYR_INT_CHAR, &f->t_char));
    FX_OK(tyr_add_int(r, "_Bool", 1, TYR_INT_BOOL, &f->t_bool));
    FX_OK(tyr_add_int(r, "long", 8, TYR_INT_SIGNED, &f->t_long));
    FX_OK(tyr_add_float(r, "float", 4, 32, &f->t_float));
    FX_OK(tyr_add_float(r, "double", 8, 64, &f->t_double));
    FX_OK(tyr_add_float(r, "long double", 16, 80, &f->t_ldouble));

    /* struct Node { struct Node *next; int value; unsigned a:3, b:5; char name[16];
     *               double d; }  -- declared first, so that the pointer exists before it */
    FX_OK(tyr_struct_declare(r, TYR_KIND_STRUCT, "Node", &s));
    f->node = tyr_struct_type(s);
    FX_OK(tyr_add_ptr(r, f->node, &f->node_ptr));
    FX_OK(tyr_struct_complete(r, s, 40, 8, 0));
    FX_OK(tyr_struct_add_field(r, s, "next", f->node_ptr, 0, 0, 0));
    FX_OK(tyr_struct_add_field(r, s, "value", f->t_int, 8, 0, 0));

    /* struct Pair { int x; int y; }: its range is no longer the tail once Node grows below,
     * so Node's range moves and leaves stale copies behind */
    FX_OK(tyr_struct_new(r, TYR_KIND_STRUCT, "Pair", 8, 4, 0, &s));
    f->pair = tyr_struct_type(s);
    FX_OK(tyr_struct_add_field(r, s, "x", f->t_int, 0, 0, 0));
    FX_OK(tyr_struct_add_field(r, s, "y", f->t_int, 4, 0, 0));
    s = tyr_type_as_struct_id(f->node);
    FX_OK(tyr_struct_add_field(r, s, "a", f->t_uint, 12, 0, 3));
    FX_OK(tyr_struct_add_field(r, s, "b", f->t_uint, 12, 3, 5));
    FX_OK(tyr_add_array(r, f->t_char, 16, 0, &chararr));
    FX_OK(tyr_struct_add_field(r, s, "name", chararr, 16, 0, 0));
    FX_OK(tyr_struct_add_field(r, s, "d", f->t_double, 32, 0, 0));

    FX_OK(tyr_add_typedef(r, "node_t", f->node, &f->node_t));
    FX_OK(tyr_add_qual(r, TYR_KIND_CONST, f->node_t, &f->cnode_t));
    FX_OK(tyr_add_qual(r, TYR_KIND_VOLATILE, f->t_int, &f->vint));
    FX_OK(tyr_add_qual(r, TYR_KIND_RESTRICT, f->node_ptr, &f->rptr));
    FX_OK(tyr_add_qual(r, TYR_KIND_ATOMIC, f->t_int, &f->aint));

    /* char [2][3] */
    FX_OK(tyr_add_array(r, f->t_char, 3, 0, &arr3));
    FX_OK(tyr_add_array(r, arr3, 2, 0, &f->arr2x3));

    /* struct Buf { int len; char data[]; } */
    FX_OK(tyr_struct_new(r, TYR_KIND_STRUCT, "Buf", 4, 4, 0, &s));
    f->buf = tyr_struct_type(s);
    FX_OK(tyr_add_array(r, f->t_char, 0, TYR_ARRAY_FLEX, &flex));
    FX_OK(tyr_struct_add_field(r, s, "len", f->t_int, 0, 0, 0));
    FX_OK(tyr_struct_add_field(r, s, "data", flex, 4, 0, 0));

    FX_OK(tyr_enum_new(r, "Color", 4, TYR_ENUM_SIGNED, &f->color));
    FX_OK(tyr_enum_add(r, f->color, "RED", 0));
    FX_OK(tyr_enum_add(r, f->color, "GREEN", 1));
    FX_OK(tyr_enum_add(r, f->color, "BLUE", (uint64_t)(int64_t)-1));

    FX_OK(tyr_struct_new(r, TYR_KIND_UNION, "U", 4, 4, 0, &s));
    f->u = tyr_struct_type(s);
    FX_OK(tyr_struct_add_field(r, s, "i", f->t_int, 0, 0, 0));
    FX_OK(tyr_struct_add_field(r, s, "f", f->t_float, 0, 0, 0));

    /* struct Outer { int a; union { int x; float y; }; struct Pair p; node_t n; }, packed */
    FX_OK(tyr_struct_new(r, TYR_KIND_UNION, NULL, 4, 4, 0, &s));
    anon = tyr_struct_type(s);
    FX_OK(tyr_struct_add_field(r, s, "x", f->t_int, 0, 0, 0));
    FX_OK(tyr_struct_add_field(r, s, "y", f->t_float, 0, 0, 0));
    FX_OK(tyr_struct_new(r, TYR_KIND_STRUCT, "Outer", 56, 8, TYR_STRUCT_PACKED, &s));
    f->outer = tyr_struct_type(s);
    FX_OK(tyr_struct_add_field(r, s, "a", f->t_int, 0, 0, 0));
    FX_OK(tyr_struct_add_field(r, s, NULL, anon, 4, 0, 0));
    FX_OK(tyr_struct_add_field(r, s, "p", f->pair, 8, 0, 0));
    FX_OK(tyr_struct_add_field(r, s, "n", f->node_t, 16, 0, 0));

    FX_OK(tyr_struct_declare(r, TYR_KIND_STRUCT, "Opaque", &s));
    FX_OK(tyr_add_ptr(r, tyr_struct_type(s), &f->opaque_ptr));

    /* int walk(struct Node *n, void *, ...) */
    FX_OK(tyr_add_ptr(r, TYR_VOID, &vptr));
    FX_OK(tyr_func_proto_new(r, f->t_int, TYR_FUNC_VARARGS, &f->proto));
    FX_OK(tyr_func_proto_add_param(r, f->proto, "n", f->node_ptr));
    FX_OK(tyr_func_proto_add_param(r, f->proto, NULL, vptr));
    FX_OK(tyr_func_new(r, "walk", f->proto, &f->walk));

    FX_OK(tyr_add_unknown(r, "weird", 12, &f->unknown));

    /* Reachable from nothing the tests use as a root. */
    FX_OK(tyr_struct_new(r, TYR_KIND_STRUCT, "Unused", 8, 8, 0, &s));
    f->unused = tyr_struct_type(s);
    FX_OK(tyr_struct_add_field(r, s, "l", f->t_long, 0, 0, 0));
    FX_OK(tyr_enum_new(r, "UnusedEnum", 1, 0, &f->unused_enum));
    FX_OK(tyr_enum_add(r, f->unused_enum, "ONLY", 7));
    FX_OK(tyr_add_ptr(r, f->unused, &f->unused_ptr));
    FX_OK(tyr_add_typedef(r, "unused_t", f->unused_ptr, &t));
}

static inline void fx_free(struct fx *f)
{
    tyr_registry_free(f->reg);
    f->reg = NULL;
}

/* A copy of buf at an 8-aligned heap address (caller frees). */
static inline unsigned char *fx_aligned_copy(const void *buf, size_t len)
{
    unsigned char *p = aligned_alloc(8, len ? (len + 7) / 8 * 8 : 8);
    assert_non_null(p);
    if (len && buf)
        memcpy(p, buf, len);
    return p;
}

/* reg's whole blob at an 8-aligned heap address that a test may edit, its length in *len; NULL
 * if the write fails. Owner: the caller (free). */
static inline unsigned char *fx_blob_copy(tyr_registry *reg, size_t *len)
{
    void *buf = NULL;
    unsigned char *copy;
    if (tyr_blob_write_mem(reg, NULL, &buf, len) != 0)
        return NULL;
    copy = fx_aligned_copy(buf, *len);
    tyr_blob_buf_free(buf);
    return copy;
}

static inline struct tyr_blob_header *fx_hdr(void *blob)
{
    return blob;
}

static inline struct tyr_blob_sect *fx_sect(void *blob)
{
    return (struct tyr_blob_sect *)(void *)((unsigned char *)blob + fx_hdr(blob)->fixed_len);
}

/* Recompute the checksum after a test edited the bytes. */
static inline void fx_fix_checksum(void *blob, size_t len)
{
    struct tyr_blob_header *h = blob;
    uint64_t hdr_len = h->fixed_len + (uint64_t)h->nsect * sizeof(struct tyr_blob_sect);
    if (h->total_len < hdr_len || h->total_len > len)
        return; /* a hostile header: nothing sensible to checksum */
    h->checksum = XXH3_64bits((unsigned char *)blob + hdr_len, (size_t)(h->total_len - hdr_len));
}

/* A registry written to memory and the registry mapped back from those bytes. */
struct fx_blob {
    void *buf;
    size_t len;
    tyr_registry *m;
};

/* reg written with wo (NULL: the whole registry) into b->buf, asserted to succeed; b->m stays
 * NULL for the test to open the bytes (often after editing them). Owner: the caller
 * (fx_blob_free). */
static inline void fx_write(tyr_registry *reg, const struct tyr_write_opts *wo, struct fx_blob *b)
{
    memset(b, 0, sizeof *b);
    assert_int_equal(tyr_blob_write_mem(reg, wo, &b->buf, &b->len), 0);
}

/* reg written with wo (NULL: the whole registry) into b->buf and opened again from it with lo
 * (NULL: the default, verified open), each step asserted to succeed. Owner: the caller
 * (fx_blob_free). */
static inline void fx_reopen(tyr_registry *reg, const struct tyr_write_opts *wo,
                             const struct tyr_load_opts *lo, struct fx_blob *b)
{
    fx_write(reg, wo, b);
    assert_int_equal(tyr_registry_open_mem(b->buf, b->len, lo, &b->m, NULL), 0);
}

/* reg's pruned write from nroots roots (rewritten in place to the blob's ids), reopened; map
 * (reg->ntypes entries) receives the old-to-new ids. Owner: the caller (fx_blob_free). */
static inline void fx_prune(tyr_registry *reg, tyr_type *roots, size_t nroots, uint32_t *map,
                            struct fx_blob *b)
{
    fx_reopen(reg,
              TYR_OPTS(tyr_write_opts, .roots = roots, .nroots = nroots, .map = map,
                       .map_len = reg->ntypes),
              NULL, b);
}

/* The mapped registry first: it reads the bytes until it is freed. */
static inline void fx_blob_free(struct fx_blob *b)
{
    tyr_registry_free(b->m);
    tyr_blob_buf_free(b->buf);
    memset(b, 0, sizeof *b);
}

/*
 * Every query on every type, results folded into a hash so that callers can compare runs.
 * Touches every name byte (so ASan sees any read out of bounds).
 */
static inline uint64_t fx_sweep(const tyr_registry *reg)
{
    uint64_t acc = 0;
    uint32_t n = tyr_registry_type_count(reg), id, i;
    char sp[512];
#define MIX_(v) (acc = (acc ^ (uint64_t)(v)) * 0x100000001b3u)
#define MIXS_(s) (acc = XXH3_64bits_withSeed((s), strlen(s), acc))
    for (id = 0; id < n; id++) {
        tyr_type t = {id}, out;
        tyr_type_info ti;
        tyr_sized_type st;
        int k = tyr_type_kind(reg, t);
        MIX_(k);
        MIXS_(tyr_type_name(reg, t));
        MIX_(tyr_type_size(reg, t));
        MIX_(tyr_type_align(reg, t));
        st = tyr_sized(reg, t);
        MIX_(st.kind), MIX_(st.flags), MIX_(st.id), MIX_(st.size);
        st = tyr_sized_pointee(reg, st);
        MIX_(st.kind), MIX_(st.id), MIX_(st.size);
        MIX_(tyr_type_strip(reg, t, TYR_STRIP_ALL).id);
        MIX_(tyr_type_strip(reg, t, TYR_STRIP_TYPEDEFS).id);
        MIX_(tyr_type_strip(reg, t, TYR_STRIP_QUALS).id);
        MIX_(tyr_type_spell(reg, t, "x", 0, sp, sizeof sp));
        MIXS_(sp);
        MIX_(tyr_type_spell(reg, t, NULL, TYR_SPELL_TIGHT, sp, sizeof sp));
        if (tyr_type_get(reg, t, &ti) != 0)
            continue;
        MIX_(ti.kind), MIX_(ti.flags), MIX_(ti.size), MIX_(ti.align), MIX_(ti.target.id);
        MIX_(ti.count), MIX_(ti.bits);
        MIXS_(ti.name);
        if (ti.name[0] && tyr_find(reg, ti.name, TYR_KIND_ANY, &out) == 0) {
            int guard = 0;
            MIX_(out.id);
            while (tyr_find_next(reg, ti.name, TYR_KIND_ANY, out, &out) == 0 && guard++ < 1000)
                MIX_(out.id);
            if (tyr_find(reg, ti.name, ti.kind, &out) == 0)
                MIX_(out.id);
        }
        for (i = 0; i < ti.count && i < 4096; i++) {
            tyr_field_info fi, fj;
            tyr_enumerator_info ei;
            tyr_param_info pi;
            if (tyr_field_at(reg, t, i, &fi) == 0) {
                MIXS_(fi.name);
                MIX_(fi.type.id), MIX_(fi.offset), MIX_(fi.bit_offset), MIX_(fi.bit_size);
                if (fi.name[0] && tyr_field_by_name(reg, t, fi.name, &fj) == 0)
                    MIX_(fj.offset), MIX_(fj.type.id);
                if (fi.name[0] && tyr_field_path(reg, t, fi.name, &fj) == 0)
                    MIX_(fj.offset);
            }
            if (tyr_enumerator_at(reg, t, i, &ei) == 0) {
                MIXS_(ei.name);
                MIX_(ei.value);
            }
            if (tyr_param_at(reg, t, i, &pi) == 0) {
                MIXS_(pi.name);
                MIX_(pi.type.id);
            }
        }
    }
#undef MIX_
#undef MIXS_
    return acc;
}

static inline void assert_same_string(const char *a, const char *b)
{
    assert_non_null(a);
    assert_non_null(b);
    assert_string_equal(a, b);
}

/*
 * b answers every query about map[id] as a answers about id, for every id of a that map
 * keeps (map NULL: the identity, and every id must exist in b).
 */
static inline void fx_compare(const tyr_registry *a, const tyr_registry *b, const uint32_t *map)
{
    uint32_t n = tyr_registry_type_count(a), id, i;
    char sa[512], sb[512];
#define M_(x) (map ? map[(x)] : (x))
    if (!map)
        assert_int_equal(tyr_registry_type_count(b), n);
    assert_int_equal(tyr_registry_pointer_size(a), tyr_registry_pointer_size(b));
    for (id = 0; id < n; id++) {
        tyr_type ta = {id}, tb = {M_(id)};
        tyr_type_info ia, ib;
        tyr_sized_type sa_, sb_;
        if (map && id && !map[id])
            continue;
        assert_int_equal(tyr_type_get(a, ta, &ia), 0);
        assert_int_equal(tyr_type_get(b, tb, &ib), 0);
        assert_int_equal(ia.kind, ib.kind);
        assert_int_equal(ia.flags, ib.flags);
        assert_same_string(ia.name, ib.name);
        assert_int_equal(ia.size, ib.size);
        assert_int_equal(ia.align, ib.align);
        assert_int_equal(M_(ia.target.id), ib.target.id);
        assert_int_equal(ia.count, ib.count);
        assert_int_equal(ia.bits, ib.bits);
        sa_ = tyr_sized(a, ta);
        sb_ = tyr_sized(b, tb);
        assert_int_equal(sa_.kind, sb_.kind);
        assert_int_equal(sa_.flags, sb_.flags);
        assert_int_equal(M_(sa_.id), sb_.id);
        assert_int_equal(sa_.size, sb_.size);
        assert_int_equal(M_(tyr_type_strip(a, ta, TYR_STRIP_ALL).id),
                         tyr_type_strip(b, tb, TYR_STRIP_ALL).id);
        assert_int_equal(tyr_type_spell(a, ta, "v", 0, sa, sizeof sa),
                         tyr_type_spell(b, tb, "v", 0, sb, sizeof sb));
        assert_string_equal(sa, sb);
        for (i = 0; i < ia.count; i++) {
            tyr_field_info fa, fb;
            tyr_enumerator_info ea, eb;
            tyr_param_info pa, pb;
            int ra = tyr_field_at(a, ta, i, &fa), rb = tyr_field_at(b, tb, i, &fb);
            assert_int_equal(ra, rb);
            if (!ra) {
                assert_same_string(fa.name, fb.name);
                assert_int_equal(M_(fa.type.id), fb.type.id);
                assert_int_equal(fa.offset, fb.offset);
                assert_int_equal(fa.bit_offset, fb.bit_offset);
                assert_int_equal(fa.bit_size, fb.bit_size);
            }
            ra = tyr_enumerator_at(a, ta, i, &ea);
            rb = tyr_enumerator_at(b, tb, i, &eb);
            assert_int_equal(ra, rb);
            if (!ra) {
                assert_same_string(ea.name, eb.name);
                assert_int_equal(ea.value, eb.value);
            }
            ra = tyr_param_at(a, ta, i, &pa);
            rb = tyr_param_at(b, tb, i, &pb);
            assert_int_equal(ra, rb);
            if (!ra) {
                assert_same_string(pa.name, pb.name);
                assert_int_equal(M_(pa.type.id), pb.type.id);
            }
        }
        if (ia.name[0]) {
            tyr_type fa, fb;
            int ra = tyr_find(a, ia.name, ia.kind, &fa);
            int rb = tyr_find(b, ia.name, ib.kind, &fb);
            assert_int_equal(ra, 0);
            assert_int_equal(rb, 0);
            if (!map)
                assert_int_equal(fa.id, fb.id);
        }
    }
#undef M_
}

#endif /* TYR_TEST_BLOB_FIXTURE_H */

/* SPDX-License-Identifier: MIT */
/*
 * Random registries for the formatter tests (cmocka): valid through the builder, but with
 * odd offsets, packed and over-aligned records, bitfields, anonymous members, name
 * collisions, pointer cycles, prototypes, enums of every size and unknown types. The same
 * seed gives the same registry.
 */
#ifndef TYR_RANDOM_REGISTRY_H
#define TYR_RANDOM_REGISTRY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tyr/tyr.h"

static uint64_t rnd_state;
static unsigned char anon_used[4096];

/* Start the sequence for seed (and forget which anonymous types were used). */
static inline void rnd_seed(uint64_t seed)
{
    rnd_state = seed * 0x9e3779b97f4a7c15ull;
    memset(anon_used, 0, sizeof(anon_used));
}
static inline uint32_t rnd(uint32_t n)
{
    rnd_state ^= rnd_state << 13;
    rnd_state ^= rnd_state >> 7;
    rnd_state ^= rnd_state << 17;
    return n ? (uint32_t)(rnd_state % n) : 0;
}

/* A random member type: anything complete that can be held by value. */
static inline tyr_type pick_value_type(tyr_registry *reg)
{
    uint32_t n = tyr_registry_type_count(reg);
    for (int tries = 0; tries < 64; tries++) {
        tyr_type t = {1 + rnd(n - 1)};
        tyr_type r = tyr_type_strip(reg, t, TYR_STRIP_ALL);
        int k = tyr_type_kind(reg, r);
        tyr_type_info info;
        assert_int_equal(tyr_type_get(reg, r, &info), 0);
        if (k == TYR_KIND_FUNC || k == TYR_KIND_FUNC_PROTO || k == TYR_KIND_VOID)
            continue;
        if ((k == TYR_KIND_STRUCT || k == TYR_KIND_UNION) && (info.flags & TYR_STRUCT_DECL))
            continue;
        if (k == TYR_KIND_ARRAY && (info.flags & TYR_ARRAY_FLEX))
            continue;
        return t;
    }
    return (tyr_type){1};
}

/* One random record: members at natural or random offsets, bitfields, anonymous members. */
static inline void random_record(tyr_registry *reg, bool anon)
{
    enum { MAXF = 8 };
    tyr_type ft[MAXF];
    uint64_t off[MAXF];
    uint32_t bo[MAXF], bs[MAXF];
    bool is_union = rnd(4) == 0;
    uint32_t nf = rnd(MAXF + 1);
    uint64_t cursor = 0; /* bits */
    uint32_t maxalign = 1;
    for (uint32_t i = 0; i < nf; i++) {
        ft[i] = pick_value_type(reg);
        tyr_type r = tyr_type_strip(reg, ft[i], TYR_STRIP_ALL);
        int k = tyr_type_kind(reg, r);
        uint64_t size = tyr_type_size(reg, ft[i]);
        uint32_t align = tyr_type_align(reg, ft[i]);
        align = align ? align : 1;
        bs[i] = bo[i] = 0;
        if ((k == TYR_KIND_INT || k == TYR_KIND_ENUM) && size <= 8 && rnd(3) == 0) {
            uint32_t unit = (uint32_t)size * 8;
            bs[i] = 1 + rnd(unit);
            uint64_t at = is_union ? 0 : cursor + (rnd(2) ? 0 : rnd(6));
            if (!is_union && rnd(2)) {
                /* keep it inside one naturally aligned unit, as a compiler would */
                if (at % unit + bs[i] > unit)
                    at = (at + unit - 1) / unit * unit;
            }
            off[i] = at / 8 / size * size;
            if ((at - off[i] * 8) + bs[i] > unit)
                off[i] = at / 8;
            bo[i] = (uint32_t)(at - off[i] * 8);
            cursor = at + bs[i];
        } else {
            uint64_t at = (cursor + 7) / 8;
            if (!is_union) {
                if (rnd(4))
                    at = (at + align - 1) / align * align;
                else
                    at += rnd(3);
            } else {
                at = 0;
            }
            off[i] = at;
            cursor = (at + size) * 8;
        }
        if (align > maxalign)
            maxalign = align;
        if (is_union)
            cursor = 0;
    }
    uint64_t end = 0;
    for (uint32_t i = 0; i < nf; i++) {
        uint64_t e = bs[i] ? (off[i] * 8 + bo[i] + bs[i] + 7) / 8
                           : off[i] + tyr_type_size(reg, ft[i]);
        if (e > end)
            end = e;
    }
    uint32_t align = rnd(3) ? maxalign : 1u << rnd(5);
    uint64_t size = (end + align - 1) / align * align;
    if (rnd(5) == 0)
        size += rnd(9);
    uint32_t flags = rnd(8) == 0 ? TYR_STRUCT_PACKED : 0;
    char name[32];
    snprintf(name, sizeof(name), "r%u", rnd(40));
    tyr_struct s;
    assert_int_equal(tyr_struct_new(reg, is_union ? TYR_KIND_UNION : TYR_KIND_STRUCT,
                                    anon ? NULL : name, size, align, flags, &s), 0);
    for (uint32_t i = 0; i < nf; i++) {
        char fname[32]; /* unique across records: anonymous members share a scope */
        snprintf(fname, sizeof(fname), "f%u_%u", i, tyr_registry_type_count(reg));
        const char *fn = fname;
        tyr_type_info info;
        assert_int_equal(tyr_type_get(reg, ft[i], &info), 0);
        if (!info.name[0] && (info.kind == TYR_KIND_STRUCT || info.kind == TYR_KIND_UNION) &&
            ft[i].id < sizeof(anon_used) && !anon_used[ft[i].id] && rnd(2)) {
            fn = NULL; /* an anonymous member: as in C, each anonymous type once */
            anon_used[ft[i].id] = 1;
        }
        else if (bs[i] && rnd(6) == 0)
            fn = NULL; /* an unnamed bitfield */
        (void)tyr_struct_add_field(reg, s, fn, ft[i], off[i], bo[i], bs[i]);
    }
}

static inline void random_registry(tyr_registry *reg, uint32_t ntypes)
{
    tyr_type t, u;
    static const struct { const char *name; uint32_t size, flags; } ints[] = {
        {"char", 1, TYR_INT_SIGNED | TYR_INT_CHAR}, {"unsigned char", 1, TYR_INT_CHAR},
        {"_Bool", 1, TYR_INT_BOOL}, {"short", 2, TYR_INT_SIGNED}, {"unsigned short", 2, 0},
        {"int", 4, TYR_INT_SIGNED}, {"unsigned int", 4, 0}, {"long", 8, TYR_INT_SIGNED},
        {"unsigned long", 8, 0}, {"__int128", 16, TYR_INT_SIGNED},
    };
    for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
        assert_int_equal(tyr_add_int(reg, ints[i].name, ints[i].size, ints[i].flags, &t), 0);
    assert_int_equal(tyr_add_float(reg, "double", 8, 64, &t), 0);
    assert_int_equal(tyr_add_float(reg, "long double", 16, 80, &t), 0);
    tyr_struct decl;
    assert_int_equal(tyr_struct_declare(reg, TYR_KIND_STRUCT, "r1", &decl), 0);
    while (tyr_registry_type_count(reg) < ntypes) {
        uint32_t n = tyr_registry_type_count(reg);
        tyr_type any = {1 + rnd(n - 1)};
        char name[32];
        switch (rnd(10)) {
        case 0:
        case 1:
        case 2:
            random_record(reg, rnd(3) == 0);
            break;
        case 3:
            (void)tyr_add_ptr(reg, any, &t);
            break;
        case 4:
            (void)tyr_add_array(reg, pick_value_type(reg), rnd(4), 0, &t);
            break;
        case 5:
            snprintf(name, sizeof(name), "t%u", rnd(30));
            (void)tyr_add_typedef(reg, name, any, &t);
            break;
        case 6: {
            uint32_t size = 1u << rnd(4);
            bool sgn = rnd(2);
            snprintf(name, sizeof(name), "e%u", rnd(10));
            if (tyr_enum_new(reg, rnd(4) ? name : NULL, size, sgn ? TYR_ENUM_SIGNED : 0, &t))
                break;
            for (uint32_t i = 0, m = rnd(4); i < m; i++) {
                char en[16];
                snprintf(en, sizeof(en), "E%u", rnd(12));
                (void)tyr_enum_add(reg, t, en, sgn ? (uint64_t)-(int64_t)rnd(100) : rnd(200));
            }
            break;
        }
        case 7:
            (void)tyr_add_qual(reg, TYR_KIND_CONST + (int)rnd(2), any, &t);
            break;
        case 8:
            if (tyr_func_proto_new(reg, rnd(3) ? TYR_VOID : pick_value_type(reg),
                                   rnd(4) ? 0 : TYR_FUNC_VARARGS, &t))
                break;
            for (uint32_t i = 0, m = rnd(3); i < m; i++)
                (void)tyr_func_proto_add_param(reg, t, rnd(2) ? "p" : NULL, pick_value_type(reg));
            if (rnd(2)) {
                (void)tyr_add_ptr(reg, t, &u);
            } else {
                snprintf(name, sizeof(name), "fn%u", rnd(20));
                (void)tyr_func_new(reg, name, t, &u);
            }
            break;
        default:
            snprintf(name, sizeof(name), "u%u", rnd(5));
            (void)tyr_add_unknown(reg, name, rnd(9), &t);
            break;
        }
    }
}


#endif /* TYR_RANDOM_REGISTRY_H */

/* SPDX-License-Identifier: MIT */
/*
 * A registry whose members and enumerators need the format's escapes (docs/format.md, "Field
 * record", "Enumerator record"): fields past the PLAIN form's 256 MiB and past 4 GiB, a
 * bitfield past the BITFIELD form's 32 KiB and one wider than 64 bits, enumerators whose
 * high half is not the sign extension of the low one, at the limits. A struct that holds
 * escapes of its own comes first, so that a pruned write that drops it renumbers the rest.
 * Used by tests/test_blob.c, tests/test_verify.c and fuzz/make_seeds.c.
 */
#ifndef TYR_ESCAPE_FIXTURE_H
#define TYR_ESCAPE_FIXTURE_H

#include <stdint.h>

#include "tyr/tyr.h"

#define ESC_TRY(call)                                                                        \
    do {                                                                                     \
        int esc_err_ = (call);                                                               \
        if (esc_err_)                                                                        \
            return esc_err_;                                                                 \
    } while (0)

/* One member as added, to compare with what a registry reads back. */
struct esc_field {
    const char *name;
    int type; /* index into struct escapes.t */
    uint64_t offset;
    uint32_t bit_offset, bit_size;
};
#define ESC_BIG_SIZE ((UINT64_C(1) << 33) + 16)
static const struct esc_field esc_big_fields[] = {
    {"head", 0, 0, 0, 0},                            /* PLAIN */
    {"bits", 1, 4, 3, 5},                            /* BITFIELD */
    {"last_plain", 0, (UINT64_C(1) << 28) - 4, 0, 0}, /* PLAIN, at its limit */
    {"far", 0, (UINT64_C(1) << 28) + 4, 0, 0},       /* WIDE: past 256 MiB */
    {"bf_edge", 1, (UINT64_C(1) << 15) - 4, 0, 32},  /* BITFIELD, at its offset limit */
    {"farbits", 1, 40000, 2, 7},                     /* WIDE: a bitfield past 32 KiB */
    {"huge", 3, 64, 20, 100},                        /* WIDE: 100 bits of an __int128 */
    {"bit127", 3, 80, 127, 1},                       /* BITFIELD: the largest bit offset */
    {"past4g", 2, (UINT64_C(1) << 32) + 8, 0, 0},    /* WIDE: past 4 GiB */
    {"end", 4, ESC_BIG_SIZE - 1, 0, 0},              /* WIDE: the last byte */
};
#define ESC_NBIG (sizeof esc_big_fields / sizeof esc_big_fields[0])

struct esc_enumerator {
    const char *name;
    uint64_t value;
};
static const struct esc_enumerator esc_e64[] = {
    {"E_MIN", (uint64_t)INT64_MIN},  {"E_MAX", (uint64_t)INT64_MAX},
    {"E_NEG1", (uint64_t)-1},        {"E_I32MIN", (uint64_t)(int64_t)INT32_MIN},
    {"E_2P31", UINT64_C(0x80000000)}, {"E_2P40", UINT64_C(1) << 40},
    {"E_ZERO", 0},
};
static const struct esc_enumerator esc_u32[] = {
    {"U_MAX", UINT32_MAX}, {"U_I32MAX", INT32_MAX}, {"U_2P31", UINT64_C(0x80000000)}, {"U_0", 0},
};
#define ESC_NE64 (sizeof esc_e64 / sizeof esc_e64[0])
#define ESC_NU32 (sizeof esc_u32 / sizeof esc_u32[0])

struct escapes {
    tyr_type t[5]; /* int, unsigned int, unsigned long, __int128, char */
    tyr_type pad, big, e64, u32, take;
};

static inline int escapes_build(tyr_registry *r, struct escapes *x)
{
    tyr_struct s;
    tyr_type ptr, proto;
    ESC_TRY(tyr_add_int(r, "int", 4, TYR_INT_SIGNED, &x->t[0]));
    ESC_TRY(tyr_add_int(r, "unsigned int", 4, 0, &x->t[1]));
    ESC_TRY(tyr_add_int(r, "unsigned long", 8, 0, &x->t[2]));
    ESC_TRY(tyr_add_int(r, "__int128", 16, TYR_INT_SIGNED, &x->t[3]));
    ESC_TRY(tyr_add_int(r, "char", 1, TYR_INT_CHAR | TYR_INT_SIGNED, &x->t[4]));
    /* reached by no root below: a pruned write drops it and its escapes */
    ESC_TRY(tyr_struct_new(r, TYR_KIND_STRUCT, "Pad", UINT64_C(1) << 30, 4, 0, &s));
    ESC_TRY(tyr_struct_add_field(r, s, "pad_far", x->t[0], UINT64_C(1) << 29, 0, 0));
    x->pad = tyr_struct_type(s);
    ESC_TRY(tyr_enum_new(r, "Pad_e", 8, 0, &proto));
    ESC_TRY(tyr_enum_add(r, proto, "PAD_HI", UINT64_C(1) << 63));
    ESC_TRY(tyr_struct_new(r, TYR_KIND_STRUCT, "Big", ESC_BIG_SIZE, 16, 0, &s));
    for (size_t i = 0; i < ESC_NBIG; i++) {
        const struct esc_field *f = &esc_big_fields[i];
        ESC_TRY(tyr_struct_add_field(r, s, f->name, x->t[f->type], f->offset, f->bit_offset,
                                     f->bit_size));
    }
    x->big = tyr_struct_type(s);
    ESC_TRY(tyr_enum_new(r, "E64", 8, TYR_ENUM_SIGNED, &x->e64));
    for (size_t i = 0; i < ESC_NE64; i++)
        ESC_TRY(tyr_enum_add(r, x->e64, esc_e64[i].name, esc_e64[i].value));
    ESC_TRY(tyr_enum_new(r, "U32", 4, 0, &x->u32));
    for (size_t i = 0; i < ESC_NU32; i++)
        ESC_TRY(tyr_enum_add(r, x->u32, esc_u32[i].name, esc_u32[i].value));
    ESC_TRY(tyr_add_ptr(r, x->big, &ptr));
    ESC_TRY(tyr_func_proto_new(r, x->t[0], 0, &proto));
    ESC_TRY(tyr_func_proto_add_param(r, proto, "b", ptr));
    ESC_TRY(tyr_func_proto_add_param(r, proto, "e", x->e64));
    ESC_TRY(tyr_func_proto_add_param(r, proto, "u", x->u32));
    return tyr_func_new(r, "take", proto, &x->take);
}

#endif /* TYR_ESCAPE_FIXTURE_H */

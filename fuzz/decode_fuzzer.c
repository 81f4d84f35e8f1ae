/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for tyr_decode: a fixed, valid registry (the formatter tests' zoo, plus
 * deep nesting and odd widths) is built once; each input picks a type with its first two
 * bytes and the rest is the value. Any length, shorter or longer than the type, must give
 * 0 or an error code, never a crash or an out-of-bounds read (ASan), and never a hang.
 *
 *   clang -fsanitize=fuzzer,address,undefined -Iinclude -Ilib fuzz/decode_fuzzer.c \
 *         build-asan/libtyr.a -lxxhash -ldwarf -lelf
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../tests/format_fixture.h"
#include "fuzz.h"
#include "tyr/tyr.h"

static tyr_registry *reg;

/* Extra shapes the zoo lacks: deep nesting (past the default depth), 16-byte ints and
 * bitfields, __float128, arrays of empty structs, and a struct that nests arrays. */
static int extras(tyr_registry *r, const struct zoo *z)
{
    tyr_type t = z->i32, t2;
    for (int i = 0; i < 40; i++) {
        tyr_struct s;
        ZOO_TRY(tyr_struct_new(r, i % 2 ? TYR_KIND_UNION : TYR_KIND_STRUCT, NULL, 4, 4, 0, &s));
        ZOO_TRY(tyr_struct_add_field(r, s, i % 3 ? "in" : NULL, t, 0, 0, 0));
        t = tyr_struct_type(s);
    }
    tyr_type i128, q;
    ZOO_TRY(tyr_add_int(r, "__int128", 16, TYR_INT_SIGNED, &i128));
    ZOO_TRY(tyr_add_float(r, "__float128", 16, 128, &q));
    tyr_struct s;
    ZOO_TRY(tyr_struct_new(r, TYR_KIND_STRUCT, "wide", 48, 16, 0, &s));
    ZOO_TRY(tyr_struct_add_field(r, s, "w", i128, 0, 0, 0));
    ZOO_TRY(tyr_struct_add_field(r, s, "bits", i128, 16, 3, 100));
    ZOO_TRY(tyr_struct_add_field(r, s, "q", q, 32, 0, 0));
    tyr_struct empty;
    ZOO_TRY(tyr_struct_new(r, TYR_KIND_STRUCT, "empty", 0, 1, 0, &empty));
    ZOO_TRY(tyr_add_array(r, tyr_struct_type(empty), 1000000, 0, &t2));
    ZOO_TRY(tyr_struct_new(r, TYR_KIND_STRUCT, "arrays", 40, 8, 0, &s));
    ZOO_TRY(tyr_struct_add_field(r, s, "none", t2, 0, 0, 0));
    ZOO_TRY(tyr_add_array(r, z->node, 2, 0, &t2));
    ZOO_TRY(tyr_struct_add_field(r, s, "nodes", t2, 0, 0, 0));
    ZOO_TRY(tyr_add_array(r, z->small, 8, 0, &t2));
    ZOO_TRY(tyr_struct_add_field(r, s, "smalls", t2, 32, 0, 0));
    return 0;
}

static int init(void)
{
    struct zoo z;
    if (tyr_registry_new(NULL, &reg) || zoo_build(reg, &z) || extras(reg, &z))
        return -1;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!reg && init())
        abort(); /* the fixture itself is broken: not a finding about inputs */
    if (size < 2)
        return 0;
    uint32_t n = tyr_registry_type_count(reg);
    tyr_type t = {(uint32_t)(data[0] | data[1] << 8) % n};
    /* An exact-size copy so that ASan sees any read past the value. */
    size_t len = size - 2;
    uint8_t *value = malloc(len ? len : 1);
    if (!value)
        return 0;
    memcpy(value, data + 2, len);
    tyr_sink sink = tyr_sink_null();
    uint32_t depth = len ? value[0] % (TYR_DECODE_DEPTH_MAX + 1) : 0;
    (void)tyr_decode(reg, t, value, len, NULL, &sink);
    (void)tyr_decode(reg, t, value, len, TYR_OPTS(tyr_decode_opts, .max_depth = depth), &sink);
    free(value);
    return 0;
}

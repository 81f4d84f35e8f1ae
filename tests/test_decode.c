/* SPDX-License-Identifier: MIT */
/* tyr_decode: bpftrace-style values from raw bytes, bounds and depth checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "format_fixture.h"
#include "internal.h"
#include "random_registry.h"
#include "tyr/tyr.h"

static void put_le(unsigned char *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* Decode into a buffer; returns the code and leaves the text in *out (caller frees). */
static int decode(const tyr_registry *reg, tyr_type t, const void *data, size_t len,
                  struct tyr_buf *out)
{
    memset(out, 0, sizeof(*out));
    tyr_sink sink = tyr_sink_buf(out);
    return tyr_decode(reg, t, data, len, NULL, &sink);
}

static void expect(const tyr_registry *reg, tyr_type t, const void *data, size_t len,
                   const char *want)
{
    struct tyr_buf b;
    assert_int_equal(decode(reg, t, data, len, &b), 0);
    assert_non_null(b.data);
    assert_string_equal(b.data, want);
    tyr_buf_free(&b);
}

/* The seed's linked list node prints as bpftrace prints it. */
static void test_node(void **state)
{
    struct zoo_ctx *c = *state;
    unsigned char v[16] = {0};
    put_le(v, 0x7ffd12345678ull, 8);
    put_le(v + 8, 3, 4);
    expect(c->reg, c->z.node, v, sizeof(v), "{ .next = 0x7ffd12345678, .val = 3 }");
    expect(c->reg, c->z.node_t, v, sizeof(v), "{ .next = 0x7ffd12345678, .val = 3 }");
    memset(v, 0, 8);
    put_le(v + 8, (uint64_t)-5, 4);
    expect(c->reg, c->z.node, v, sizeof(v), "{ .next = 0x0, .val = -5 }");
}

/* Every member kind of struct rec: string, array, bitfields, anonymous union, bool, double,
 * enums by name and by number, pointers, function pointer. */
static void test_rec_every_member(void **state)
{
    struct zoo_ctx *c = *state;
    unsigned char v[80] = {0};
    put_le(v, 0x1000, 8);
    memcpy(v + 8, "hi\"\\", 4);
    put_le(v + 16, 1, 4);
    put_le(v + 20, 2, 4);
    put_le(v + 24, (uint64_t)-3, 4);
    /* flags: a=5 (bits 0-2), b=17 (3-7), c=-2 (8-11), col=BLUE=7 (12-14) */
    uint32_t fl = 5u | 17u << 3 | (0xeu << 8) | 7u << 12;
    put_le(v + 28, fl, 4);
    put_le(v + 32, 42, 4);
    v[36] = 1;
    double d = 2.5;
    memcpy(v + 40, &d, 8);
    put_le(v + 48, 9, 4);
    v[52] = 0xff;
    put_le(v + 56, 0xdeadbeef, 8);
    put_le(v + 64, 0, 8);
    put_le(v + 72, (uint64_t)INT64_MIN, 8);
    expect(c->reg, c->z.rec, v, sizeof(v),
           "{ .head = 0x1000, .name = \"hi\\\"\\\\\", .arr = [1,2,-3], "
           ".fl = { .a = 5, .b = 17, .c = -2, .col = BLUE }, { .i = 42, .f = 5.88545355e-44 }, "
           ".ok = true, .d = 2.5, .c = 9, .s = NEG, .str = 0xdeadbeef, .cb = 0x0, "
           ".big = -9223372036854775808 }");
}

/* Char arrays that are not printable print as numbers; 2-D arrays nest. */
static void test_arrays(void **state)
{
    struct zoo_ctx *c = *state;
    unsigned char v[24] = {0};
    memcpy(v, "ab\0cd\x01", 6);
    put_le(v + 6, 7, 2);
    put_le(v + 8, 1, 2);
    put_le(v + 16, 0x100000000ull, 8);
    expect(c->reg, c->z.grid, v, sizeof(v),
           "{ .cells = [\"ab\",[99,100,1]], .v = 7, .e = E16_A, .b = BIG_HUGE }");
    unsigned char u[8] = {0x41, 0x42, 0x43, 0x44, 0, 0, 0, 0};
    expect(c->reg, c->z.u2, u, sizeof(u),
           "{ .i = 1145258561, .bytes = \"ABCD\", .l = 1145258561 }");
}

/* Flexible arrays print empty; unknown types print their size; packed layouts read
 * unaligned members. */
static void test_flex_unknown_packed(void **state)
{
    struct zoo_ctx *c = *state;
    unsigned char v[12] = {3, 0, 0, 0};
    expect(c->reg, c->z.flex, v, 4, "{ .n = 3, .data = [] }");
    put_le(v + 8, 77, 4);
    expect(c->reg, c->z.hasunk, v, 12, "{ .w = <unknown 6 bytes>, .after = 77 }");
    unsigned char p[5] = {'x', 0x10, 0x27, 0, 0};
    expect(c->reg, c->z.packed, p, 5, "{ .c = 120, .x = 10000 }");
}

/* Scalars at the top level: ints, bool, floats (including x87 long double), enums. */
static void test_scalars(void **state)
{
    struct zoo_ctx *c = *state;
    unsigned char v[16] = {0};
    put_le(v, 0xffffffff, 4);
    expect(c->reg, c->z.i32, v, 4, "-1");
    expect(c->reg, c->z.u32, v, 4, "4294967295");
    expect(c->reg, c->z.boolean, "\0", 1, "false");
    float f = 0.5f;
    memcpy(v, &f, 4);
    expect(c->reg, c->z.f32, v, 4, "0.5");
    long double ld = 1.25L;
    memset(v, 0, sizeof(v));
    memcpy(v, &ld, sizeof(ld) < 16 ? sizeof(ld) : 16);
    expect(c->reg, c->z.f80, v, 16, "1.25");
    memset(v, 0, sizeof(v));
    put_le(v, 1, 4);
    expect(c->reg, c->z.color, v, 4, "GREEN");
    put_le(v, 3, 4);
    expect(c->reg, c->z.color, v, 4, "3");
    expect(c->reg, c->z.node_ptr, "\x10\0\0\0\0\0\0\0", 8, "0x10");
}

/* Every length shorter than the type gives TYR_ETRUNC and writes nothing; longer is fine. */
static void test_truncation_every_length(void **state)
{
    struct zoo_ctx *c = *state;
    unsigned char v[96];
    memset(v, 0x41, sizeof(v));
    const tyr_type types[] = {c->z.node, c->z.rec, c->z.flags, c->z.grid, c->z.packed,
                              c->z.holes, c->z.u2, c->z.hasunk, c->z.i64, c->z.f80};
    for (size_t k = 0; k < sizeof(types) / sizeof(types[0]); k++) {
        size_t size = (size_t)tyr_type_size(c->reg, types[k]);
        for (size_t len = 0; len < size; len++) {
            /* An exact-length heap copy, so ASan/valgrind catch any over-read. */
            unsigned char *exact = malloc(len ? len : 1);
            assert_non_null(exact);
            memcpy(exact, v, len);
            struct tyr_buf b;
            assert_int_equal(decode(c->reg, types[k], exact, len, &b), TYR_ETRUNC);
            assert_null(b.data);
            free(exact);
        }
        unsigned char *exact = malloc(size);
        assert_non_null(exact);
        memcpy(exact, v, size);
        struct tyr_buf b;
        assert_int_equal(decode(c->reg, types[k], exact, size, &b), 0);
        tyr_buf_free(&b);
        free(exact);
        assert_int_equal(decode(c->reg, types[k], v, sizeof(v), &b), 0);
        tyr_buf_free(&b);
    }
}

/* Nesting deeper than max_depth is TYR_EDEPTH before any output; the limit is explicit. */
static void test_depth_limit(void **state)
{
    struct zoo_ctx *c = *state;
    tyr_type t = c->z.i32;
    for (int i = 0; i < 40; i++) {
        tyr_struct s;
        assert_int_equal(tyr_struct_new(c->reg, TYR_KIND_STRUCT, NULL, 4, 4, 0, &s), 0);
        assert_int_equal(tyr_struct_add_field(c->reg, s, "in", t, 0, 0, 0), 0);
        t = tyr_struct_type(s);
    }
    unsigned char v[4] = {1, 0, 0, 0};
    struct tyr_buf b = {0};
    tyr_sink sink = tyr_sink_buf(&b);
    assert_int_equal(tyr_decode(c->reg, t, v, 4, NULL, &sink), TYR_EDEPTH);
    assert_null(b.data);
    assert_int_equal(tyr_decode(c->reg, t, v, 4, TYR_OPTS(tyr_decode_opts, .max_depth = 40),
                                &sink), 0);
    assert_non_null(strstr(b.data, "{ .in = { .in = 1 } }"));
    tyr_buf_free(&b);
    assert_int_equal(tyr_decode(c->reg, t, v, 4, TYR_OPTS(tyr_decode_opts, .max_depth = 39),
                                &sink), TYR_EDEPTH);
}

/* A trusted but damaged registry (member offsets far past the struct) still never reads
 * outside data[0, len): every read is checked again, not only the type's size. */
static void test_damaged_registry_never_overreads(void **state)
{
    struct zoo_ctx *c = *state;
    tyr_registry *reg = c->reg;
    /* Offsets are 40-bit for the builders; a damaged record (or its wide entry) may hold
     * these and more. */
    const uint64_t offsets[] = {80, 77, 1u << 20, TYR_FIELD_OFFSET_MAX / 8,
                                TYR_FIELD_OFFSET_MAX - 3, TYR_FIELD_OFFSET_MAX};
    const uint32_t fields[] = {tyr__t_first(&reg->types[c->z.node.id]) + 1,
                               tyr__t_first(&reg->types[c->z.flags.id]) + 2,
                               tyr__t_first(&reg->types[c->z.rec.id]) + 1};
    const tyr_type types[] = {c->z.node, c->z.flags, c->z.rec};
    for (size_t k = 0; k < 3; k++) {
        struct tyr_rec_field saved = reg->fields[fields[k]];
        const struct tyr_field_pos p = tyr__f_pos(reg, &saved);
        struct tyr_rec_wide_field *saved_w = reg->wfields, w;
        const uint32_t saved_nw = reg->nwfields;
        for (size_t i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
            /* a wide place is looked up in a one-entry table of its own */
            if (tyr__field_encode(&reg->fields[fields[k]], saved.name, saved.type, offsets[i],
                                  p.bit_offset, p.bit_size, p.flags, &w)) {
                w.field = fields[k];
                reg->wfields = &w;
                reg->nwfields = 1;
            }
            assert_int_equal(tyr__f_offset(reg, &reg->fields[fields[k]]), offsets[i]);
            size_t len = (size_t)tyr_type_size(reg, types[k]);
            unsigned char *exact = calloc(1, len);
            assert_non_null(exact);
            tyr_sink sink = tyr_sink_null();
            assert_int_equal(tyr_decode(reg, types[k], exact, len, NULL, &sink), TYR_ETRUNC);
            free(exact);
            reg->wfields = saved_w;
            reg->nwfields = saved_nw;
        }
        reg->fields[fields[k]] = saved;
    }
}

/* Property over random registries: every type decodes from exactly its size (an exact heap
 * copy: ASan and valgrind see any over-read), to 0 or a documented refusal, and every
 * shorter length gives TYR_ETRUNC with no output. */
static void test_random_registries(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 12; seed++) {
        rnd_seed(seed);
        tyr_registry *reg;
        assert_int_equal(tyr_registry_new(NULL, &reg), 0);
        random_registry(reg, 200);
        uint32_t n = tyr_registry_type_count(reg);
        for (uint32_t id = 1; id < n; id++) {
            tyr_type t = {id};
            uint64_t size = tyr_type_size(reg, t);
            if (size > 4096)
                continue;
            unsigned char *v = malloc(size ? (size_t)size : 1);
            assert_non_null(v);
            for (uint64_t i = 0; i < size; i++)
                v[i] = (unsigned char)rnd(256);
            struct tyr_buf b;
            int err = decode(reg, t, v, (size_t)size, &b);
            tyr_buf_free(&b);
            int k = tyr_type_kind(reg, tyr_type_strip(reg, t, TYR_STRIP_ALL));
            if (k == TYR_KIND_FUNC || k == TYR_KIND_FUNC_PROTO || k == TYR_KIND_VOID)
                assert_int_equal(err, TYR_EKIND);
            else if (err)
                assert_true(err == TYR_EINCOMPLETE || err == TYR_EDEPTH);
            for (uint64_t len = 0; len < size && !err; len++) {
                assert_int_equal(decode(reg, t, v, (size_t)len, &b), TYR_ETRUNC);
                assert_null(b.data);
            }
            free(v);
        }
        tyr_registry_free(reg);
    }
}

/* Bad arguments, kinds and a failing sink. */
static void test_errors(void **state)
{
    struct zoo_ctx *c = *state;
    unsigned char v[16] = {0};
    tyr_sink null = tyr_sink_null();
    tyr_sink bad = {zoo_fail_write, NULL};
    assert_int_equal(tyr_decode(NULL, c->z.i32, v, 4, NULL, &null), TYR_EINVAL);
    assert_int_equal(tyr_decode(c->reg, c->z.i32, NULL, 4, NULL, &null), TYR_EINVAL);
    assert_int_equal(tyr_decode(c->reg, c->z.i32, v, 4, NULL, NULL), TYR_EINVAL);
    assert_int_equal(tyr_decode(c->reg, (tyr_type){999999}, v, 4, NULL, &null), TYR_EHANDLE);
    assert_int_equal(tyr_decode(c->reg, TYR_VOID, v, 4, NULL, &null), TYR_EKIND);
    assert_int_equal(tyr_decode(c->reg, c->z.walk, v, 4, NULL, &null), TYR_EKIND);
    assert_int_equal(tyr_decode(c->reg, c->z.i32, v, 4, TYR_OPTS(tyr_decode_opts, .flags = 1),
                                &null), TYR_EINVAL);
    assert_int_equal(tyr_decode(c->reg, c->z.node, v, 16, NULL, &bad), TYR_EIO);
    tyr_struct d;
    assert_int_equal(tyr_struct_declare(c->reg, TYR_KIND_STRUCT, "opaque", &d), 0);
    assert_int_equal(tyr_decode(c->reg, tyr_struct_type(d), v, 16, NULL, &null),
                     TYR_EINCOMPLETE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_node, zoo_setup, zoo_teardown),
        cmocka_unit_test_setup_teardown(test_rec_every_member, zoo_setup, zoo_teardown),
        cmocka_unit_test_setup_teardown(test_arrays, zoo_setup, zoo_teardown),
        cmocka_unit_test_setup_teardown(test_flex_unknown_packed, zoo_setup, zoo_teardown),
        cmocka_unit_test_setup_teardown(test_scalars, zoo_setup, zoo_teardown),
        cmocka_unit_test_setup_teardown(test_truncation_every_length, zoo_setup, zoo_teardown),
        cmocka_unit_test_setup_teardown(test_depth_limit, zoo_setup, zoo_teardown),
        cmocka_unit_test_setup_teardown(test_damaged_registry_never_overreads, zoo_setup, zoo_teardown),
        cmocka_unit_test(test_random_registries),
        cmocka_unit_test_setup_teardown(test_errors, zoo_setup, zoo_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

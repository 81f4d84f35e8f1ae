/* SPDX-License-Identifier: MIT */
/* Every formatter gives the same bytes for a building registry and for the blob written from
 * it and mapped back: they read only what a verified blob holds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "format_fixture.h"
#include "tyr/tyr.h"

struct ctx {
    tyr_registry *reg, *mapped;
    void *blob;
    struct zoo z;
};

static int setup(void **state)
{
    struct ctx *c = calloc(1, sizeof(*c));
    size_t len;
    if (!c || tyr_registry_new(NULL, &c->reg) || zoo_build(c->reg, &c->z) ||
        tyr_blob_write_mem(c->reg, NULL, &c->blob, &len) ||
        tyr_registry_open_mem(c->blob, len, NULL, &c->mapped, NULL)) {
        if (c) {
            tyr_registry_free(c->reg);
            tyr_blob_buf_free(c->blob);
        }
        free(c);
        return -1;
    }
    *state = c;
    return 0;
}

static int teardown(void **state)
{
    struct ctx *c = *state;
    tyr_registry_free(c->mapped);
    tyr_registry_free(c->reg);
    tyr_blob_buf_free(c->blob);
    free(c);
    return 0;
}

typedef int (*dump_fn)(const tyr_registry *, const struct tyr_dump_opts *, const tyr_sink *);

static char *run(dump_fn fn, const tyr_registry *reg, const struct tyr_dump_opts *opts)
{
    struct tyr_buf b = {0};
    tyr_sink sink = tyr_sink_buf(&b);
    assert_int_equal(fn(reg, opts, &sink), 0);
    assert_non_null(b.data);
    return b.data;
}

/* C, JSON and layout dumps, of everything and of a probe's closure, are byte-identical. */
static void test_dumps_identical(void **state)
{
    struct ctx *c = *state;
    assert_true(tyr_registry_is_mapped(c->mapped));
    const dump_fn fns[] = {tyr_dump_c, tyr_dump_json, tyr_layout};
    const struct tyr_dump_opts *opts[] = {
        NULL,
        TYR_OPTS(tyr_dump_opts, .flags = TYR_DUMP_C_ASSERTS),
        TYR_OPTS(tyr_dump_opts, .nroots = 1, .roots = &c->z.walk),
    };
    for (size_t f = 0; f < 3; f++) {
        for (size_t o = 0; o < 3; o++) {
            if (fns[f] == tyr_layout && o == 2)
                continue; /* layout roots must be records */
            char *a = run(fns[f], c->reg, opts[o]);
            char *b = run(fns[f], c->mapped, opts[o]);
            assert_string_equal(a, b);
            free(a);
            free(b);
        }
    }
}

/* Decoding every type of the zoo from the same bytes gives the same text and code. */
static void test_decode_identical(void **state)
{
    struct ctx *c = *state;
    unsigned char v[128];
    for (size_t i = 0; i < sizeof(v); i++)
        v[i] = (unsigned char)(i * 37 + 11);
    uint32_t n = tyr_registry_type_count(c->reg);
    assert_int_equal(tyr_registry_type_count(c->mapped), n);
    for (uint32_t id = 0; id < n; id++) {
        struct tyr_buf a = {0}, b = {0};
        tyr_sink sa = tyr_sink_buf(&a), sb = tyr_sink_buf(&b);
        int ea = tyr_decode(c->reg, (tyr_type){id}, v, sizeof(v), NULL, &sa);
        int eb = tyr_decode(c->mapped, (tyr_type){id}, v, sizeof(v), NULL, &sb);
        assert_int_equal(ea, eb);
        if (a.data || b.data) {
            assert_non_null(a.data);
            assert_non_null(b.data);
            assert_string_equal(a.data, b.data);
        }
        tyr_buf_free(&a);
        tyr_buf_free(&b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_dumps_identical, setup, teardown),
        cmocka_unit_test_setup_teardown(test_decode_identical, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/*
 * A registry's observable state, for the tests of what a failed import leaves behind: the
 * bytes of a full blob of it (every record, string and the name index) and its type count.
 * Include after <cmocka.h> and tyr/tyr.h.
 */
#ifndef TYR_TESTS_REG_STATE_H
#define TYR_TESTS_REG_STATE_H

struct reg_state {
    void *blob; /* owned: reg_state_free() */
    size_t len;
    uint32_t types;
};

static inline struct reg_state reg_state_of(const tyr_registry *reg)
{
    struct reg_state s = {.types = tyr_registry_type_count(reg)};
    assert_int_equal(tyr_blob_write_mem(reg, NULL, &s.blob, &s.len), 0);
    return s;
}

/* reg is byte for byte in state s. */
static inline void reg_state_expect(const tyr_registry *reg, const struct reg_state *s)
{
    struct reg_state now = reg_state_of(reg);
    assert_int_equal(now.types, s->types);
    assert_int_equal(now.len, s->len);
    assert_memory_equal(now.blob, s->blob, s->len);
    tyr_blob_buf_free(now.blob);
}

static inline void reg_state_free(struct reg_state *s)
{
    tyr_blob_buf_free(s->blob);
    s->blob = NULL;
}

/* reg is byte for byte what other is. */
static inline void reg_state_expect_same(const tyr_registry *reg, const tyr_registry *other)
{
    struct reg_state s = reg_state_of(other);
    reg_state_expect(reg, &s);
    reg_state_free(&s);
}

#endif

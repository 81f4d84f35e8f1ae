/* SPDX-License-Identifier: MIT */
/*
 * Findings of the fuzzers (docs/robustness.md), each pinned as a crafted input: a blob that
 * verifies but holds values no writer produces, and what every consumer must still do with
 * it. The raw inputs the fuzzers found are also replayed from fuzz/regressions/.
 */
#include "blob_fixture.h"
#include "tyr/output.h"

/* The blob of fx_build's registry with every type record and its layout record (the none
 * record for kinds without one) given to edit(), checksum fixed. */
static unsigned char *edited_blob(void (*edit)(struct tyr_rec_type *, struct tyr_rec_layout *),
                                  size_t *len)
{
    struct fx f;
    void *out;
    fx_build(&f);
    FX_OK(tyr_blob_write_mem(f.reg, NULL, &out, len));
    unsigned char *blob = fx_aligned_copy(out, *len);
    tyr_blob_buf_free(out);
    struct tyr_blob_sect *s = &fx_sect(blob)[TYR_SECT_TYPES];
    struct tyr_rec_type *t = (struct tyr_rec_type *)(void *)(blob + s->off);
    struct tyr_rec_layout *l =
        (struct tyr_rec_layout *)(void *)(blob + fx_sect(blob)[TYR_SECT_LAYOUTS].off);
    for (uint32_t id = 0; id < fx_hdr(blob)->ntypes; id++)
        edit(&t[id], &l[tyr__has_layout(t[id].kind) ? t[id].b : 0]);
    fx_fix_checksum(blob, *len);
    fx_free(&f);
    return blob;
}

static void rank_to_max(struct tyr_rec_type *t, struct tyr_rec_layout *l)
{
    if (tyr__is_record_kind(t->kind) || t->kind == TYR_KIND_ARRAY)
        l->rank = UINT32_MAX - 64 + l->rank; /* still ordered: holders keep higher ranks */
}

/* Ranks only have to decrease along by-value edges: a blob may use values up to 2^32 - 1.
 * tyr_dump_c sorted records by rank with a counting sort sized by the largest rank (16 GiB,
 * TYR_ENOMEM or a very long loop); it must not depend on rank values. */
static void test_dump_c_huge_ranks(void **state)
{
    (void)state;
    size_t len;
    unsigned char *blob = edited_blob(rank_to_max, &len);
    tyr_registry *reg;
    FX_OK(tyr_registry_open_mem(blob, len, NULL, &reg, NULL));
    tyr_sink null = tyr_sink_null();
    assert_int_equal(tyr_dump_c(reg, NULL, &null), 0);
    assert_int_equal(tyr_dump_json(reg, NULL, &null), 0);
    assert_int_equal(tyr_layout(reg, NULL, &null), 0);
    tyr_registry_free(reg);
    free(blob);
}

/* A member 2^39 bytes into its struct (offsets are 40-bit): tyr_layout stepped to its
 * cacheline boundary 64 bytes at a time (2^33 steps: a hang under the fuzzer); the boundary
 * is computed in one step. */
static void test_layout_member_far_away(void **state)
{
    (void)state;
    tyr_registry *reg;
    tyr_type c;
    tyr_struct s;
    FX_OK(tyr_registry_new(NULL, &reg));
    FX_OK(tyr_add_int(reg, "char", 1, TYR_INT_CHAR, &c));
    FX_OK(tyr_struct_new(reg, TYR_KIND_STRUCT, "Far", (uint64_t)1 << 41, 1, 0, &s));
    FX_OK(tyr_struct_add_field(reg, s, "near", c, 0, 0, 0));
    FX_OK(tyr_struct_add_field(reg, s, "far", c, (uint64_t)1 << 39, 0, 0));
    FX_OK(tyr_struct_add_field(reg, s, "last", c, TYR_FIELD_OFFSET_MAX, 0, 0));
    /* one byte further is inside the struct but does not fit a field record */
    assert_int_equal(tyr_struct_add_field(reg, s, "past", c, TYR_FIELD_OFFSET_MAX + 1, 0, 0),
                     TYR_EOVERFLOW);
    struct tyr_buf buf = {0};
    tyr_sink sink = tyr_sink_buf(&buf);
    assert_int_equal(tyr_layout(reg, NULL, &sink), 0);
    assert_non_null(strstr(buf.data, "cacheline 8589934592 boundary (549755813888 bytes)"));
    tyr_buf_free(&buf);
    tyr_registry_free(reg);
}

static void *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static unsigned char buf[1 << 20];
    *len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    return buf;
}

/* A .debug_rnglists header libdwarf 20210528 rejects, then frees twice (dwarf_rnglists.c):
 * refused by tyr before libdwarf reads the section, with the section offset. */
static void test_dwarf_rnglists_bad_header(void **state)
{
    (void)state;
    size_t len;
    void *img = read_file(TYR_REGRESSIONS "/dwarf_fuzzer/rnglists-bad-header-double-free", &len);
    tyr_diag diag = {0};
    tyr_dwarf *dw = NULL;
    assert_int_equal(tyr_dwarf_open_mem(img, len, NULL, &dw, &diag),
                     TYR_EDWARF);
    assert_null(dw);
    assert_non_null(strstr(diag.what, ".debug_rnglists header at offset 0x0"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dump_c_huge_ranks),
        cmocka_unit_test(test_dwarf_rnglists_bad_header),
        cmocka_unit_test(test_layout_member_far_away),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

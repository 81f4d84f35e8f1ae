/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the blob loader: arbitrary bytes are copied into an 8-aligned buffer
 * and opened with tyr_registry_open_mem(). Most inputs must be refused with an error code.
 * When one verifies, every query runs over every type (the promise of tyr/blob.h: a verified
 * blob can never make a query read out of bounds or loop), the registry is dumped as C, JSON
 * and layouts into a null sink, a zero value of each type is decoded, and the registry is
 * written again, in full and pruned to two roots: what a verified blob writes must verify.
 *
 * Most inputs are opened at the default (safe) level, which does not read the checksum. One
 * in four (size % 4 == 3) is opened at the audit level, whose checksum (XXH3-64 over the
 * sections) would stop nearly every mutation at its first check: so the harness recomputes
 * it in its copy before loading, unless size % 8 == 7 (then the bytes are loaded as given,
 * and the checksum check itself is fuzzed). Everything after the checksum is still hostile:
 * the verifier must catch it.
 *
 * A broken promise that ASan/UBSan cannot see (a re-written blob that fails verification, a
 * tyr_find_next chain longer than the registry) calls abort(), which libFuzzer reports.
 *
 * Seeds: fuzz/corpus/blob_fuzzer (committed) and BUILD/fuzz/seeds/blob_fuzzer (written at build
 * time by fuzz/make_seeds.c from the registries the tests build).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "blob_format.h"
#include "fuzz.h"
#include "tyr/tyr.h"

/* Zero values decoded are at most this long; a bigger type gets TYR_ETRUNC (also a path). */
#define DECODE_CAP (64u << 10)

static const uint8_t zeros[DECODE_CAP];

/* Field paths that are not member names: syntax errors, indexes, overflow. */
static const char *const odd_paths[] = {
    "", ".", "[", "[0]", "[1]", "[4294967296]", "[99999999999999999999]", "a.b[2].c",
    "x[0][0]", "..", "[0].",
};

/* Both styles, with and without a declarator; the short buffer truncates most spellings. */
static void spell(const tyr_registry *reg, tyr_type t)
{
    char small[8], big[512];
    (void)tyr_type_spell(reg, t, NULL, TYR_SPELL_TIGHT, big, sizeof big);
    (void)tyr_type_spell(reg, t, "fn", 0, small, sizeof small);
}

/* Every lookup of a name must end: the chain of same-named types is at most n long. */
static void find_all(const tyr_registry *reg, const char *name, int kind, uint32_t n)
{
    tyr_type t;
    uint32_t steps = 0;
    for (int err = tyr_find(reg, name, kind, &t); err == 0;
         err = tyr_find_next(reg, name, kind, t, &t)) {
        if (tyr_type_kind(reg, t) < 0 || ++steps > n)
            abort();
    }
}

static void members(const tyr_registry *reg, tyr_type t, uint32_t count)
{
    tyr_field_info f, g;
    for (uint32_t i = 0; i <= count; i++) {
        if (tyr_field_at(reg, t, i, &f))
            continue;
        (void)tyr_field_by_name(reg, t, f.name, &g);
        (void)tyr_field_path(reg, t, f.name, &g);
    }
    for (size_t i = 0; i < sizeof odd_paths / sizeof *odd_paths; i++)
        (void)tyr_field_path(reg, t, odd_paths[i], &g);
    (void)tyr_field_by_name(reg, t, "", &g);
}

static void one_type(const tyr_registry *reg, tyr_type t, uint32_t n)
{
    tyr_type_info info;
    int kind = tyr_type_kind(reg, t);
    (void)tyr_kind_name(kind);
    const char *name = tyr_type_name(reg, t);
    uint64_t size = tyr_type_size(reg, t);
    (void)tyr_type_align(reg, t);
    tyr_sized_type st = tyr_sized(reg, t);
    if (st.kind == TYR_KIND_PTR)
        (void)tyr_sized_pointee(reg, st);
    (void)tyr_type_strip(reg, t, TYR_STRIP_TYPEDEFS);
    (void)tyr_type_strip(reg, t, TYR_STRIP_QUALS);
    (void)tyr_type_strip(reg, t, TYR_STRIP_ALL);
    spell(reg, t);
    if (tyr_type_get(reg, t, &info))
        return;
    members(reg, t, info.count);
    tyr_enumerator_info e;
    tyr_param_info p;
    for (uint32_t i = 0; i <= info.count; i++) {
        if (tyr_enumerator_at(reg, t, i, &e) == 0)
            find_all(reg, e.name, TYR_KIND_ANY, n);
        (void)tyr_param_at(reg, t, i, &p);
    }
    if (name[0]) {
        find_all(reg, name, TYR_KIND_ANY, n);
        find_all(reg, name, kind, n);
    }
    tyr_sink null = tyr_sink_null();
    size_t len = size < DECODE_CAP ? (size_t)size : DECODE_CAP;
    (void)tyr_decode(reg, t, zeros, len, NULL, &null);
}

/* Write reg again (full, then pruned to two roots) and check that what it wrote verifies. */
static void rewrite(const tyr_registry *reg, uint32_t n)
{
    void *out = NULL;
    size_t len = 0;
    int err = tyr_blob_write_mem(reg, NULL, &out, &len);
    if (err == 0 && tyr_blob_verify(out, len, NULL) != 0)
        abort();
    tyr_blob_buf_free(out);

    tyr_type roots[2] = {{n - 1}, {n / 2}};
    uint32_t *map = malloc(n * sizeof *map);
    if (!map)
        return;
    out = NULL;
    err = tyr_blob_write_mem(reg, &(struct tyr_write_opts){.sz = sizeof(struct tyr_write_opts),
        .roots = roots, .nroots = 2, .map = map, .map_len = n}, &out, &len);
    if (err == 0) {
        tyr_registry *pruned = NULL;
        if (tyr_registry_open_mem(out, len, NULL, &pruned, NULL) != 0)
            abort();
        uint32_t m = tyr_registry_type_count(pruned);
        for (int i = 0; i < 2; i++)
            if (roots[i].id >= m)
                abort();
        tyr_registry_free(pruned);
    }
    tyr_blob_buf_free(out);
    free(map);
}

/* Recompute the header's checksum in buf when the header says where the sections end. */
static void fix_checksum(uint8_t *buf, size_t size)
{
    struct tyr_blob_header h;
    if (size < sizeof h)
        return;
    memcpy(&h, buf, sizeof h);
    uint64_t hdr_len = h.fixed_len + (uint64_t)h.nsect * sizeof(struct tyr_blob_sect);
    if (h.total_len < hdr_len || h.total_len > size)
        return;
    uint64_t sum = XXH3_64bits(buf + hdr_len, (size_t)(h.total_len - hdr_len));
    memcpy(buf + offsetof(struct tyr_blob_header, checksum), &sum, sizeof sum);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* malloc's alignment is at least 8 on every target tyr supports; exact size for ASan. */
    uint8_t *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    if (size % 8 != 7)
        fix_checksum(buf, size);
    tyr_registry *reg = NULL;
    tyr_diag diag;
    uint32_t flags = size % 4 == 3 ? TYR_LOAD_AUDIT : 0;
    if (tyr_registry_open_mem(buf, size, &(struct tyr_load_opts){
            .sz = sizeof(struct tyr_load_opts), .flags = flags}, &reg, &diag) != 0) {
        free(buf);
        return 0;
    }
    (void)tyr_registry_is_mapped(reg);
    (void)tyr_registry_pointer_size(reg);
    (void)tyr_registry_blob_offset(reg);
    uint32_t n = tyr_registry_type_count(reg);
    for (uint32_t id = 0; id <= n; id++) /* n itself: one past the end, a bad handle */
        one_type(reg, (tyr_type){id}, n);
    find_all(reg, "", TYR_KIND_ANY, n);

    tyr_sink null = tyr_sink_null();
    tyr_type roots[2] = {{n ? n - 1 : 0}, {n / 2}};
    (void)tyr_dump_c(reg, NULL, &null);
    (void)tyr_dump_c(reg, &(struct tyr_dump_opts){.sz = sizeof(struct tyr_dump_opts),
        .flags = TYR_DUMP_C_ASSERTS, .nroots = 2, .roots = roots}, &null);
    (void)tyr_dump_json(reg, NULL, &null);
    (void)tyr_layout(reg, NULL, &null);
    if (n)
        rewrite(reg, n);
    tyr_registry_free(reg);
    free(buf);
    return 0;
}

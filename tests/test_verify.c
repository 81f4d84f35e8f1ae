/* SPDX-License-Identifier: MIT */
/*
 * The verifier against hostile input: one hand-made blob per rule (each with its expected
 * code and, where the rule names one, the byte offset in the diag), every single-bit flip
 * (with and without a repaired checksum) and every truncation of a representative blob.
 */
#include "blob_fixture.h"

struct blob {
    unsigned char *b;
    size_t len;
    struct fx f;
};

static int setup(void **state)
{
    struct blob *x = calloc(1, sizeof *x);
    void *buf = NULL;
    if (!x)
        return -1;
    fx_build(&x->f);
    if (tyr_blob_write_mem(x->f.reg, NULL, &buf, &x->len) != 0)
        return -1;
    x->b = fx_aligned_copy(buf, x->len);
    tyr_blob_buf_free(buf);
    *state = x;
    return 0;
}

static int teardown(void **state)
{
    struct blob *x = *state;
    fx_free(&x->f);
    free(x->b);
    free(x);
    return 0;
}

static struct tyr_blob_header *H(struct blob *x)
{
    return fx_hdr(x->b);
}
static struct tyr_blob_sect *S(struct blob *x)
{
    return fx_sect(x->b);
}
static uint64_t type_off(struct blob *x, uint32_t id)
{
    return S(x)[TYR_SECT_TYPES].off + (uint64_t)id * sizeof(struct tyr_rec_type);
}
static struct tyr_rec_type *T(struct blob *x, tyr_type t)
{
    return (struct tyr_rec_type *)(void *)(x->b + type_off(x, t.id));
}
static uint64_t field_off(struct blob *x, uint32_t i)
{
    return S(x)[TYR_SECT_FIELDS].off + (uint64_t)i * sizeof(struct tyr_rec_field);
}
static struct tyr_rec_field *F(struct blob *x, uint32_t i)
{
    return (struct tyr_rec_field *)(void *)(x->b + field_off(x, i));
}
/* Blob offset of the relocation mask byte of record i of section sect (1 types .. 6 chain). */
static uint64_t mask_off(struct blob *x, unsigned sect, uint32_t i)
{
    const uint64_t count[] = {0, H(x)->ntypes, H(x)->nfields, H(x)->nenums, H(x)->nparams,
                              H(x)->nbuckets};
    uint64_t off = S(x)[TYR_SECT_RELOCS].off + TYR_RELOC_TABLE_LEN;
    unsigned k;
    for (k = 1; k < sect; k++)
        off += count[k];
    return off + i;
}
static unsigned char *M(struct blob *x, unsigned sect, uint32_t i)
{
    return x->b + mask_off(x, sect, i);
}

/* Verify after repairing the checksum; assert the code and (if off != ANY) the offset. */
#define ANY UINT64_MAX
static void expect(struct blob *x, int err, uint64_t off)
{
    tyr_diag d;
    tyr_registry *m = NULL;
    memset(&d, 0, sizeof d);
    fx_fix_checksum(x->b, x->len);
    assert_int_equal(tyr_blob_verify(x->b, x->len, &d), err);
    if (err) {
        assert_int_equal(d.err, err);
        assert_true(d.what[0] != '\0');
        if (off != ANY)
            assert_int_equal(d.offset, off);
        assert_int_equal(tyr_registry_open_mem(x->b, x->len, NULL, &m), err);
        assert_null(m);
    }
}

/* The untouched fixture blob verifies (the baseline every hostile test departs from). */
static void test_valid(void **state)
{
    expect(*state, 0, 0);
}

/* ---- Header and sections ---- */

/* Not "tyr\0": ECORRUPT at byte 0, even before the length is known to be enough. */
static void test_bad_magic(void **state)
{
    struct blob *x = *state;
    x->b[1] = 'Y';
    expect(x, TYR_ECORRUPT, 0);
    assert_int_equal(tyr_blob_verify(x->b, 8, NULL), TYR_ECORRUPT);
}

/* A big-endian blob is refused with TYR_EBYTEORDER; an unknown order is corrupt. */
static void test_byte_order(void **state)
{
    struct blob *x = *state;
    H(x)->byte_order = TYR_BLOB_BE;
    expect(x, TYR_EBYTEORDER, 4);
    H(x)->byte_order = 3;
    expect(x, TYR_ECORRUPT, 4);
}

/* Another major version is refused, older or newer. */
static void test_major_version(void **state)
{
    struct blob *x = *state;
    H(x)->major = TYR_FORMAT_MAJOR + 1;
    expect(x, TYR_EVERSION, 5);
    H(x)->major = 0;
    expect(x, TYR_EVERSION, 5);
}

/* A newer minor that appended a header field and a section (the 1.1 source section, which
 * every minor from 1 on lists) is read; the same shape under the current minor is refused. */
static void test_newer_minor_appends(void **state)
{
    struct blob *x = *state;
    const size_t grow = 8 + 16; /* one header field (8 bytes) and one section entry */
    size_t nlen = x->len + grow + 16;
    unsigned char *n = fx_aligned_copy(NULL, nlen);
    struct tyr_blob_header *h;
    struct tyr_blob_sect *s;
    tyr_registry *m = NULL;
    unsigned i;

    memset(n, 0, nlen);
    memcpy(n, x->b, 64);
    h = (struct tyr_blob_header *)(void *)n;
    h->minor = TYR_FORMAT_MINOR + 1;
    h->fixed_len = 72;
    h->nsect = TYR_SECT_COUNT + 1;
    memset(n + 64, 0xAB, 8); /* the new header field: skipped */
    memcpy(n + 72, x->b + 64, TYR_SECT_COUNT * 16);
    memcpy(n + 72 + 16 * TYR_SECT_COUNT + 16, x->b + 64 + 16 * TYR_SECT_COUNT,
           x->len - 64 - 16 * TYR_SECT_COUNT);
    s = (struct tyr_blob_sect *)(void *)(n + 72);
    for (i = 0; i < TYR_SECT_COUNT; i++)
        s[i].off += grow;
    s[TYR_SECT_COUNT].off = x->len + grow; /* the source: "./bin", no build-id */
    s[TYR_SECT_COUNT].len = 7;
    memcpy(n + x->len + grow, "./bin\0", 7);
    h->total_len = nlen;
    fx_fix_checksum(n, nlen);
    assert_int_equal(tyr_registry_open_mem(n, nlen, NULL, &m), 0);
    fx_compare(x->f.reg, m, NULL);
    tyr_registry_free(m);
    h->minor = TYR_FORMAT_MINOR;
    fx_fix_checksum(n, nlen);
    assert_int_equal(tyr_blob_verify(n, nlen, NULL), TYR_ECORRUPT);
    free(n);
}

/* Header flags this reader does not know; a reserved word; a bad pointer size. */
static void test_header_fields(void **state)
{
    struct blob *x = *state;
    H(x)->flags = 0x100;
    expect(x, TYR_ECORRUPT, 8);
    H(x)->flags = 0;
    H(x)->reserved = 1;
    expect(x, TYR_ECORRUPT, 60);
    H(x)->reserved = 0;
    H(x)->pointer_size = 2;
    expect(x, TYR_ECORRUPT, 7);
}

/* The header claims more bytes than given: TYR_ETRUNC; a total below the header: corrupt. */
static void test_total_len(void **state)
{
    struct blob *x = *state;
    H(x)->total_len = x->len + 8;
    expect(x, TYR_ETRUNC, 16);
    H(x)->total_len = 64;
    expect(x, TYR_ECORRUPT, 16);
    H(x)->total_len = UINT64_MAX - 7;
    expect(x, TYR_ETRUNC, 16);
}

/* Sections: misaligned, overlapping, out of order, past the end, wrapping. */
static void test_sections(void **state)
{
    struct blob *x = *state;
    struct tyr_blob_sect keep = S(x)[TYR_SECT_FIELDS];
    const uint64_t at = 64 + 16 * TYR_SECT_FIELDS;

    S(x)[TYR_SECT_FIELDS].off += 4;
    expect(x, TYR_ECORRUPT, at);
    S(x)[TYR_SECT_FIELDS].off = S(x)[TYR_SECT_TYPES].off; /* overlaps types */
    expect(x, TYR_ECORRUPT, at);
    S(x)[TYR_SECT_FIELDS] = keep;
    S(x)[TYR_SECT_RELOCS].len = UINT64_MAX - 7; /* off + len wraps */
    expect(x, TYR_ECORRUPT, 64 + 16 * TYR_SECT_RELOCS);
    S(x)[TYR_SECT_RELOCS].len = x->len; /* past the end */
    expect(x, TYR_ECORRUPT, 64 + 16 * TYR_SECT_RELOCS);
    S(x)[TYR_SECT_RELOCS].off = UINT64_MAX - 7;
    expect(x, TYR_ECORRUPT, 64 + 16 * TYR_SECT_RELOCS);
}

/* A count that disagrees with its section length; counts wrapping on multiply. */
static void test_counts(void **state)
{
    struct blob *x = *state;
    H(x)->ntypes += 1;
    expect(x, TYR_ECORRUPT, 64 + 16 * TYR_SECT_TYPES + 8);
    H(x)->ntypes = UINT32_MAX;
    expect(x, TYR_ECORRUPT, 64 + 16 * TYR_SECT_TYPES + 8);
    H(x)->ntypes = 0;
    expect(x, TYR_ECORRUPT, 32);
}

/* The name index bucket count must be a power of two. */
static void test_nbuckets_pow2(void **state)
{
    struct blob *x = *state;
    H(x)->nbuckets = 3;
    expect(x, TYR_ECORRUPT, 52);
}

/* A wrong checksum, without repair. */
static void test_checksum(void **state)
{
    struct blob *x = *state;
    tyr_diag d;
    x->b[x->len - 1] ^= 0x10;
    assert_int_equal(tyr_blob_verify(x->b, x->len, &d), TYR_ECORRUPT);
    assert_int_equal(d.offset, 24);
}

/* ---- Strings and handles ---- */

/* The string table must end (and start) with NUL. */
static void test_string_without_nul(void **state)
{
    struct blob *x = *state;
    uint64_t last = S(x)[TYR_SECT_STRINGS].off + H(x)->strs_len - 1;
    x->b[last] = 'z';
    expect(x, TYR_ECORRUPT, last);
}

/* A name offset past the string table, for a type and for a field. */
static void test_name_out_of_range(void **state)
{
    struct blob *x = *state;
    uint32_t keep = T(x, x->f.node)->name;
    T(x, x->f.node)->name = H(x)->strs_len;
    expect(x, TYR_ECORRUPT, type_off(x, x->f.node.id) + 4);
    T(x, x->f.node)->name = keep;
    F(x, 1)->name = UINT32_MAX;
    expect(x, TYR_ECORRUPT, field_off(x, 1));
}

/* A ref that is not a lower id (self, higher, way out of range). */
static void test_ref_out_of_range(void **state)
{
    struct blob *x = *state;
    uint64_t at = type_off(x, x->f.node_ptr.id) + 16;
    T(x, x->f.node_ptr)->ref = x->f.node_ptr.id;
    expect(x, TYR_ECORRUPT, at);
    T(x, x->f.node_ptr)->ref = UINT32_MAX;
    expect(x, TYR_ECORRUPT, at);
}

/* A member type out of range. */
static void test_field_type_out_of_range(void **state)
{
    struct blob *x = *state;
    F(x, 1)->type = H(x)->ntypes;
    expect(x, TYR_ECORRUPT, field_off(x, 1));
}

/* ---- Records ---- */

/* Kind out of range, or VOID at a non-zero id; void not all zero. */
static void test_kind(void **state)
{
    struct blob *x = *state;
    T(x, x->f.t_int)->kind = TYR_KIND_COUNT_;
    expect(x, TYR_ECORRUPT, type_off(x, x->f.t_int.id));
    T(x, x->f.t_int)->kind = TYR_KIND_VOID;
    expect(x, TYR_ECORRUPT, type_off(x, x->f.t_int.id));
    T(x, x->f.t_int)->kind = TYR_KIND_INT;
    x->b[type_off(x, 0) + 8] = 1;
    expect(x, TYR_ECORRUPT, type_off(x, 0));
}

/* A flag not valid for the kind; SEALED is allowed. */
static void test_flags(void **state)
{
    struct blob *x = *state;
    T(x, x->f.t_int)->flags |= 0x40;
    expect(x, TYR_ECORRUPT, type_off(x, x->f.t_int.id) + 1);
    T(x, x->f.t_int)->flags = TYR_INT_SIGNED | TYR_TF_SEALED;
    expect(x, 0, 0);
    T(x, x->f.proto)->flags |= TYR_INT_CHAR;
    expect(x, TYR_ECORRUPT, type_off(x, x->f.proto.id) + 1);
}

/* Sizes per kind: int, float, pointer, enum; alignment a power of two. */
static void test_scalar_sizes(void **state)
{
    struct blob *x = *state;
    T(x, x->f.t_int)->size = 3;
    expect(x, TYR_ECORRUPT, type_off(x, x->f.t_int.id) + 8);
    T(x, x->f.t_int)->size = 4;
    T(x, x->f.t_int)->count = 33;
    expect(x, TYR_ECORRUPT, type_off(x, x->f.t_int.id) + 8);
    T(x, x->f.t_int)->count = 32;
    T(x, x->f.t_double)->count = 80;
    expect(x, TYR_ECORRUPT, type_off(x, x->f.t_double.id) + 8);
    T(x, x->f.t_double)->count = 64;
    T(x, x->f.opaque_ptr)->size = 4;
    expect(x, TYR_ECORRUPT, type_off(x, x->f.opaque_ptr.id) + 8);
    T(x, x->f.opaque_ptr)->size = 8;
    T(x, x->f.color)->size = 3;
    expect(x, TYR_ECORRUPT, type_off(x, x->f.color.id) + 8);
    T(x, x->f.color)->size = 4;
    T(x, x->f.t_long)->align = 6;
    expect(x, TYR_ECORRUPT, type_off(x, x->f.t_long.id) + 2);
}

/* An unused slot holding a value (a ref on an int, a first on a pointer, a rank on an enum). */
static void test_unused_slots(void **state)
{
    struct blob *x = *state;
    T(x, x->f.t_int)->ref = 1;
    expect(x, TYR_ECORRUPT, type_off(x, x->f.t_int.id) + 16);
    T(x, x->f.t_int)->ref = 0;
    T(x, x->f.opaque_ptr)->first = 1;
    expect(x, TYR_ECORRUPT, type_off(x, x->f.opaque_ptr.id) + 20);
    T(x, x->f.opaque_ptr)->first = 0;
    T(x, x->f.color)->rank = 1;
    expect(x, TYR_ECORRUPT, type_off(x, x->f.color.id) + 28);
}

/* Array: size != count x element (also when the product overflows); flexible with a count. */
static void test_array_sizes(void **state)
{
    struct blob *x = *state;
    struct tyr_rec_type *a = T(x, x->f.arr2x3);
    uint64_t at = type_off(x, x->f.arr2x3.id) + 8;
    a->size = 7;
    expect(x, TYR_ECORRUPT, at);
    a->count = UINT32_MAX;
    a->size = (uint64_t)UINT32_MAX * 3;
    expect(x, 0, 0); /* a big array is fine when the size is right */
    /* count x element size wraps to 0 in 64 bits: Node made 2^62 bytes, 4 of them */
    T(x, x->f.node)->size = UINT64_C(1) << 62;
    a->ref = x->f.node.id;
    a->count = 4;
    a->size = 0;
    expect(x, TYR_ECORRUPT, type_off(x, x->f.arr2x3.id) + 8);
}

/* A flexible array must have count 0 and size 0. */
static void test_flex_array(void **state)
{
    struct blob *x = *state;
    tyr_field_info fi;
    struct tyr_rec_type *a;
    assert_int_equal(tyr_field_by_name(x->f.reg, x->f.buf, "data", &fi), 0);
    a = T(x, fi.type);
    a->count = 1;
    a->size = 1;
    expect(x, TYR_ECORRUPT, type_off(x, fi.type.id) + 8);
}

/* An array of void, of a function, of a prototype or of a declared struct (the pointer made
 * late in the fixture is turned into an array of an earlier type: same ref slot). */
static void test_array_element_kind(void **state)
{
    struct blob *x = *state;
    struct tyr_rec_type *a = T(x, x->f.unused_ptr);
    uint64_t at = type_off(x, x->f.unused_ptr.id) + 16;
    tyr_type opaque = {T(x, x->f.opaque_ptr)->ref};
    a->kind = TYR_KIND_ARRAY;
    a->count = 1;
    a->size = 4;
    a->ref = x->f.t_int.id;
    T(x, x->f.unused_ptr)->rank = 0;
    expect(x, 0, 0); /* int[1]: fine, so what follows fails for the element alone */
    a->ref = x->f.walk.id;
    expect(x, TYR_ECORRUPT, at);
    a->ref = x->f.proto.id;
    expect(x, TYR_ECORRUPT, at);
    a->ref = opaque.id;
    a->size = 0;
    expect(x, TYR_ECORRUPT, at);
    a->ref = 0;
    expect(x, TYR_ECORRUPT, at);
}

/* A declared struct with a size or members. */
static void test_declared_struct(void **state)
{
    struct blob *x = *state;
    tyr_type opaque = {T(x, x->f.opaque_ptr)->ref};
    T(x, opaque)->size = 8;
    expect(x, TYR_ECORRUPT, type_off(x, opaque.id) + 8);
}

/* A member range outside the table, and ranges that overlap past the table's length. */
static void test_range_overflow(void **state)
{
    struct blob *x = *state;
    struct tyr_rec_type *n = T(x, x->f.node);
    uint32_t keep = n->count;
    n->count = UINT32_MAX;
    expect(x, TYR_ECORRUPT, type_off(x, x->f.node.id) + 20);
    n->count = keep;
    n->first = 0;
    expect(x, TYR_ECORRUPT, type_off(x, x->f.node.id) + 20); /* count without a first */
}

/* Ranges that overlap: every struct pointed at the whole fields table passes each bound on
 * its own, but their counts sum past the table's length (so pass C stays linear). */
static void test_ranges_overlap(void **state)
{
    struct blob *x = *state;
    uint32_t nf = H(x)->nfields;
    struct tyr_rec_type *p = T(x, x->f.pair), *u = T(x, x->f.u);
    tyr_diag d;
    /* Pair and U both claim fields [1, nf): each fits the table, but with Node's range
     * (a lower id, counted first) the sum passes it at the first of them */
    p->first = 1;
    p->count = nf - 1;
    u->first = 1;
    u->count = nf - 1;
    fx_fix_checksum(x->b, x->len);
    assert_int_equal(tyr_blob_verify(x->b, x->len, &d), TYR_ECORRUPT);
    assert_true(x->f.node.id < x->f.pair.id && x->f.pair.id < x->f.u.id);
    assert_int_equal(d.offset, type_off(x, x->f.pair.id) + 24);
    assert_non_null(strstr(d.what, "more than the table"));
}

/* A member that ends past its struct; a bitfield past its unit or past its struct;
 * a bitfield of a struct type; a bit offset without a width. */
static void test_field_past_struct(void **state)
{
    struct blob *x = *state;
    struct tyr_rec_type *n = T(x, x->f.node);
    struct tyr_rec_field *d = F(x, n->first + 5); /* "d", a double at 32 of 40 */
    struct tyr_rec_field *a = F(x, n->first + 2); /* "a", unsigned :3 at 12 */
    d->offset = 33;
    expect(x, TYR_ECORRUPT, field_off(x, n->first + 5) + 8);
    d->offset = UINT64_MAX - 3; /* offset + size wraps */
    expect(x, TYR_ECORRUPT, field_off(x, n->first + 5) + 8);
    d->offset = 32;
    a->bit_offset = 30;
    expect(x, TYR_ECORRUPT, field_off(x, n->first + 2) + 16);
    a->bit_offset = 0;
    a->offset = 39; /* a 4-byte unit at 39 of 40: bits 312..315 of 320 still fit */
    expect(x, 0, 0);
    a->bit_offset = 6;
    expect(x, TYR_ECORRUPT, field_off(x, n->first + 2) + 8);
    a->offset = 12;
    a->bit_offset = 0;
    a->type = x->f.pair.id;
    expect(x, TYR_ECORRUPT, field_off(x, n->first + 2) + 4);
    a->type = x->f.t_uint.id;
    a->bit_size = 0;
    a->bit_offset = 1;
    expect(x, TYR_ECORRUPT, field_off(x, n->first + 2) + 16);
}

/* A member of void, a function, or a declared struct type. */
static void test_field_kind(void **state)
{
    struct blob *x = *state;
    struct tyr_rec_field *fp = F(x, T(x, x->f.pair)->first);
    tyr_type opaque = {T(x, x->f.opaque_ptr)->ref};
    fp->type = x->f.walk.id;
    expect(x, TYR_ECORRUPT, field_off(x, T(x, x->f.pair)->first) + 4);
    fp->type = opaque.id;
    expect(x, TYR_ECORRUPT, field_off(x, T(x, x->f.pair)->first) + 4);
}

/* Size cycles: a struct holding itself by value (sizes consistent, only the rank catches
 * it), two structs holding each other, a typedef or an array of itself. */
static void test_size_cycles(void **state)
{
    struct blob *x = *state;
    struct tyr_rec_type *p = T(x, x->f.pair), *o = T(x, x->f.outer);
    struct tyr_rec_field *px = F(x, p->first);
    tyr_type td = x->f.node_t;

    /* Pair { Pair x; } with Pair 8 bytes: x at 0, size 8: fits, but is a cycle */
    px->type = x->f.pair.id;
    F(x, p->first + 1)->offset = 0;
    expect(x, TYR_ECORRUPT, type_off(x, x->f.pair.id) + 28);
    px->type = x->f.t_int.id;
    F(x, p->first + 1)->offset = 4;
    /* Pair holds Outer while Outer holds Pair: give them equal ranks, sizes fitting */
    p->size = o->size;
    px->type = x->f.outer.id;
    F(x, p->first + 1)->offset = 0;
    p->rank = o->rank;
    expect(x, TYR_ECORRUPT, ANY);
    p->rank = o->rank + 1; /* Pair above Outer, Outer above Pair: still caught */
    expect(x, TYR_ECORRUPT, ANY);
    /* a typedef of itself */
    teardown(state);
    setup(state);
    x = *state;
    T(x, td)->ref = td.id;
    expect(x, TYR_ECORRUPT, type_off(x, td.id) + 16);
    /* an array of itself */
    teardown(state);
    setup(state);
    x = *state;
    T(x, x->f.arr2x3)->ref = x->f.arr2x3.id;
    expect(x, TYR_ECORRUPT, type_off(x, x->f.arr2x3.id) + 16);
}

/* A typedef whose resolved type disagrees with its chain; an unnamed typedef. */
static void test_typedef_first(void **state)
{
    struct blob *x = *state;
    T(x, x->f.cnode_t)->first = x->f.node_ptr.id;
    expect(x, TYR_ECORRUPT, type_off(x, x->f.cnode_t.id) + 20);
    T(x, x->f.cnode_t)->first = x->f.node.id;
    T(x, x->f.node_t)->name = 0;
    expect(x, TYR_ECORRUPT, type_off(x, x->f.node_t.id) + 4);
}

/* A function whose ref is not a prototype; a void parameter. */
static void test_func_and_params(void **state)
{
    struct blob *x = *state;
    struct tyr_rec_param *p;
    T(x, x->f.walk)->ref = x->f.t_int.id;
    expect(x, TYR_ECORRUPT, type_off(x, x->f.walk.id) + 16);
    T(x, x->f.walk)->ref = x->f.proto.id;
    p = (struct tyr_rec_param *)(void *)(x->b + S(x)[TYR_SECT_PARAMS].off) +
        T(x, x->f.proto)->first;
    p->type = x->f.vint.id; /* fine: volatile int */
    expect(x, 0, 0);
    p->type = 0;
    expect(x, TYR_ECORRUPT, ANY); /* its relocation entry is now extra, or void: rejected */
}

/* A member's name hint must be its name's (lookups skip members by it); an enumerator's
 * reserved word must be 0. */
static void test_member_hint(void **state)
{
    struct blob *x = *state;
    struct tyr_rec_enumerator *e =
        (struct tyr_rec_enumerator *)(void *)(x->b + S(x)[TYR_SECT_ENUMS].off) + 1;
    F(x, 1)->name_hint ^= 0x100;
    expect(x, TYR_ECORRUPT, field_off(x, 1) + 20);
    F(x, 1)->name_hint ^= 0x100;
    expect(x, 0, 0);
    e->reserved = 1;
    expect(x, TYR_ECORRUPT, S(x)[TYR_SECT_ENUMS].off + 16);
}

/* ---- Relocation table ---- */

/* The relocation map: a slot listed in the wrong space (a struct's `first` as a type), a slot
 * left out (a hostile file hiding a handle) or added, a bit with no slot, a none record with
 * a slot, a changed slot table, non-zero padding, a header slot count that is not the map's:
 * all rejected, at the byte. */
static void test_relocs_exact(void **state)
{
    struct blob *x = *state;
    unsigned char *m = M(x, TYR_SECT_TYPES, x->f.node.id), keep = *m;
    uint64_t end, stop;
    assert_int_equal(keep, TYR_TM_NAME | TYR_TM_FIRST_FIELD);
    *m = TYR_TM_NAME | TYR_TM_FIRST_TYPE; /* wrong space */
    expect(x, TYR_ECORRUPT, mask_off(x, TYR_SECT_TYPES, x->f.node.id));
    *m = TYR_TM_FIRST_FIELD; /* the name left out */
    expect(x, TYR_ECORRUPT, mask_off(x, TYR_SECT_TYPES, x->f.node.id));
    *m = keep | TYR_TM_REF; /* an extra slot */
    expect(x, TYR_ECORRUPT, mask_off(x, TYR_SECT_TYPES, x->f.node.id));
    *m = keep;
    expect(x, 0, 0);
    m = M(x, TYR_SECT_FIELDS, 1);
    keep = *m;
    *m = keep | 4u; /* a bit with no slot behind it */
    expect(x, TYR_ECORRUPT, mask_off(x, TYR_SECT_FIELDS, 1));
    *m = keep;
    *M(x, TYR_SECT_PARAMS, 0) = 1; /* the none record */
    expect(x, TYR_ECORRUPT, mask_off(x, TYR_SECT_PARAMS, 0));
    *M(x, TYR_SECT_PARAMS, 0) = 0;
    x->b[S(x)[TYR_SECT_RELOCS].off + 5] ^= 1; /* the slot table: a type's name as a type */
    expect(x, TYR_ECORRUPT, S(x)[TYR_SECT_RELOCS].off + 5);
    x->b[S(x)[TYR_SECT_RELOCS].off + 5] ^= 1;
    expect(x, 0, 0);
    H(x)->nrelocs++;
    expect(x, TYR_ECORRUPT, 56);
    H(x)->nrelocs--;
    end = mask_off(x, TYR_SECT_CHAIN, H(x)->ntypes);
    stop = S(x)[TYR_SECT_RELOCS].off + S(x)[TYR_SECT_RELOCS].len;
    if (end < stop) {
        x->b[stop - 1] = 1;
        expect(x, TYR_ECORRUPT, stop - 1);
        x->b[stop - 1] = 0;
    }
    expect(x, 0, 0);
}

/* ---- Name index ---- */

/* A named type left out of the index; one filed in the wrong bucket; a chain that does not
 * strictly decrease (would loop); a chain entry on an unnamed type. */
static void test_name_index(void **state)
{
    struct blob *x = *state;
    uint32_t *bk = (uint32_t *)(void *)(x->b + S(x)[TYR_SECT_BUCKETS].off);
    uint32_t *ch = (uint32_t *)(void *)(x->b + S(x)[TYR_SECT_CHAIN].off);
    uint32_t nb = H(x)->nbuckets, i, a = UINT32_MAX, b = UINT32_MAX, t1 = 0, t2 = 0;
    /* two non-empty buckets whose heads have empty chains */
    for (i = 0; i < nb; i++) {
        if (bk[i] && !ch[bk[i]]) {
            if (a == UINT32_MAX)
                a = i;
            else if (b == UINT32_MAX)
                b = i;
        }
    }
    assert_true(b != UINT32_MAX);
    t1 = bk[a];
    t2 = bk[b];
    bk[a] = t2;
    bk[b] = t1;
    expect(x, TYR_ECORRUPT, ANY); /* wrong bucket */
    bk[a] = t1;
    bk[b] = t2;
    expect(x, 0, 0);
    /* leave t1 out: its bucket slot becomes 0 and its relocation entry extra */
    teardown(state);
    setup(state);
    x = *state;
    bk = (uint32_t *)(void *)(x->b + S(x)[TYR_SECT_BUCKETS].off);
    ch = (uint32_t *)(void *)(x->b + S(x)[TYR_SECT_CHAIN].off);
    ch[x->f.t_int.id] = x->f.t_int.id; /* a self loop */
    expect(x, TYR_ECORRUPT, S(x)[TYR_SECT_CHAIN].off + 4u * x->f.t_int.id);
    ch[x->f.t_int.id] = 0;
    ch[x->f.node_ptr.id] = 1; /* unnamed pointer chained */
    expect(x, TYR_ECORRUPT, S(x)[TYR_SECT_CHAIN].off + 4u * x->f.node_ptr.id);
}

/* A chain that leads into another bucket (its type would be reached twice), with the chain
 * entry's relocation slot listed so that only the index walk can tell. */
static void test_name_index_cross_bucket(void **state)
{
    struct blob *x = *state;
    uint32_t *bk = (uint32_t *)(void *)(x->b + S(x)[TYR_SECT_BUCKETS].off);
    uint32_t *ch = (uint32_t *)(void *)(x->b + S(x)[TYR_SECT_CHAIN].off);
    uint32_t *hs = (uint32_t *)(void *)(x->b + S(x)[TYR_SECT_HASHES].off);
    uint32_t nb = H(x)->nbuckets, i, h = 0, c;
    for (i = 0; i < nb && !h; i++)
        if (bk[i] && !ch[bk[i]])
            h = bk[i];
    assert_true(h != 0);
    for (c = h - 1; c > 0; c--)
        if (T(x, (tyr_type){c})->name && (hs[c] & (nb - 1)) != (hs[h] & (nb - 1)))
            break;
    assert_true(c > 0);
    ch[h] = c;
    *M(x, TYR_SECT_CHAIN, h) = 1;
    H(x)->nrelocs++;
    expect(x, TYR_ECORRUPT, type_off(x, c) + 4);
}

/* A named type missing from the index entirely (its bucket and relocation consistent). */
static void test_name_index_missing(void **state)
{
    struct blob *x = *state;
    uint32_t *bk = (uint32_t *)(void *)(x->b + S(x)[TYR_SECT_BUCKETS].off);
    uint32_t *ch = (uint32_t *)(void *)(x->b + S(x)[TYR_SECT_CHAIN].off);
    uint32_t nb = H(x)->nbuckets, i;
    for (i = 0; i < nb; i++)
        if (bk[i] && !ch[bk[i]])
            break;
    assert_true(i < nb);
    bk[i] = 0;
    /* drop the bucket's relocation slot so that only the name index counts can tell */
    *M(x, TYR_SECT_BUCKETS, i) = 0;
    H(x)->nrelocs -= 1;
    expect(x, TYR_ECORRUPT, S(x)[TYR_SECT_BUCKETS].off);
}

/* The stored name hashes must be the names' (named types) and 0 (unnamed ones). */
static void test_name_hashes(void **state)
{
    struct blob *x = *state;
    uint32_t *hs = (uint32_t *)(void *)(x->b + S(x)[TYR_SECT_HASHES].off);
    uint64_t at = S(x)[TYR_SECT_HASHES].off;
    hs[x->f.node.id] ^= 1;
    expect(x, TYR_ECORRUPT, at + 4u * x->f.node.id);
    hs[x->f.node.id] ^= 1;
    hs[x->f.node_ptr.id] = 5;
    expect(x, TYR_ECORRUPT, at + 4u * x->f.node_ptr.id);
    hs[x->f.node_ptr.id] = 0;
    expect(x, 0, 0);
}

/* ---- Sweeps ---- */

static uint64_t accepted_flips, rejected_flips;

static void flip_sweep(struct blob *x, int repair)
{
    unsigned char *c = fx_aligned_copy(x->b, x->len);
    size_t bit;
    for (bit = 0; bit < x->len * 8; bit++) {
        tyr_registry *m = NULL;
        int err;
        memcpy(c, x->b, x->len);
        c[bit / 8] ^= (unsigned char)(1u << (bit % 8));
        if (repair && bit / 8 >= 64 + 16 * TYR_SECT_COUNT)
            fx_fix_checksum(c, x->len);
        err = tyr_registry_open_mem(c, x->len, NULL, &m);
        if (err) {
            assert_true(err < 0);
            assert_null(m);
            rejected_flips++;
            continue;
        }
        accepted_flips++;
        (void)fx_sweep(m); /* in bounds, terminates: ASan and the timeout watch */
        tyr_registry_free(m);
    }
    free(c);
}

/* Every single-bit flip, checksum left alone: all rejected except the informational PRUNED
 * flag; everything after the header is checksummed. (A raised minor version must bring the
 * source section that minors from 1.1 on list: this 1.0 blob lacks it.) */
static void test_every_bit_flip(void **state)
{
    struct blob *x = *state;
    accepted_flips = rejected_flips = 0;
    flip_sweep(x, 0);
    assert_int_equal(accepted_flips, 1);
    assert_int_equal(rejected_flips, x->len * 8 - 1);
}

/* Every single-bit flip with the checksum repaired, so the structural checks face each
 * one: each is rejected or loads and answers every query in bounds. */
static void test_every_bit_flip_repaired(void **state)
{
    struct blob *x = *state;
    accepted_flips = rejected_flips = 0;
    flip_sweep(x, 1);
    print_message("repaired flips: %llu loaded and answered, %llu rejected\n",
                  (unsigned long long)accepted_flips, (unsigned long long)rejected_flips);
    /* both outcomes occur: flags, names' bytes, offsets inside bounds load; handles fail */
    assert_true(accepted_flips > 0);
    assert_true(rejected_flips > accepted_flips);
}

/* Every truncation is rejected, whether the header still claims the full length or is
 * patched to claim the truncated one. */
static void test_every_truncation(void **state)
{
    struct blob *x = *state;
    unsigned char *c = fx_aligned_copy(x->b, x->len);
    size_t n;
    for (n = 0; n < x->len; n++) {
        tyr_registry *m = NULL;
        int err = tyr_registry_open_mem(c, n, NULL, &m);
        assert_true(err == TYR_ETRUNC || (n >= 4 && err == TYR_ECORRUPT) ||
                    (n < 4 && err == TYR_ETRUNC));
        assert_null(m);
        if (n >= 64 && n % 8 == 0) {
            memcpy(c, x->b, x->len);
            fx_hdr(c)->total_len = n;
            fx_fix_checksum(c, x->len);
            assert_int_equal(tyr_registry_open_mem(c, n, NULL, &m), TYR_ECORRUPT);
            memcpy(c, x->b, x->len);
        }
    }
    free(c);
}

/* A large blob (>= 4 MiB): the checksum's verdict comes first, a body failure is reported at
 * its offset once the checksum matches, and a clean blob verifies. */
static void test_large_blob_checksum_first(void **state)
{
    tyr_registry *r;
    tyr_diag d;
    void *buf = NULL;
    size_t len = 0;
    unsigned char *b;
    uint32_t i;
    uint64_t at;
    tyr_type t_int;
    char name[32];
    (void)state;
    assert_int_equal(tyr_registry_new(NULL, &r), 0);
    assert_int_equal(tyr_add_int(r, "int", 4, TYR_INT_SIGNED, &t_int), 0);
    for (i = 0; i < 40000; i++) {
        tyr_struct s;
        snprintf(name, sizeof name, "s%u", i);
        assert_int_equal(tyr_struct_new(r, TYR_KIND_STRUCT, name, 16, 4, 0, &s), 0);
        assert_int_equal(tyr_struct_add_field(r, s, "a", t_int, 0, 0, 0), 0);
        assert_int_equal(tyr_struct_add_field(r, s, "b", t_int, 4, 0, 0), 0);
        assert_int_equal(tyr_struct_add_field(r, s, "c", t_int, 8, 0, 0), 0);
        assert_int_equal(tyr_struct_add_field(r, s, "d", t_int, 12, 0, 0), 0);
    }
    assert_int_equal(tyr_blob_write_mem(r, NULL, &buf, &len), 0);
    assert_true(len >= (size_t)4 << 20);
    b = fx_aligned_copy(buf, len);
    tyr_blob_buf_free(buf);
    assert_int_equal(tyr_blob_verify(b, len, &d), 0);
    /* a body failure (a field past its struct) with the checksum not repaired */
    at = fx_sect(b)[TYR_SECT_FIELDS].off + 3 * sizeof(struct tyr_rec_field) + 8;
    b[at] = 0x40;
    memset(&d, 0, sizeof d);
    assert_int_equal(tyr_blob_verify(b, len, &d), TYR_ECORRUPT);
    assert_int_equal(d.offset, 24);
    fx_fix_checksum(b, len);
    memset(&d, 0, sizeof d);
    assert_int_equal(tyr_blob_verify(b, len, &d), TYR_ECORRUPT);
    assert_int_equal(d.offset, at);
    assert_true(d.what[0] != '\0');
    free(b);
    tyr_registry_free(r);
}

int main(void)
{
#define T_(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T_(test_valid),
        T_(test_bad_magic),
        T_(test_byte_order),
        T_(test_major_version),
        T_(test_newer_minor_appends),
        T_(test_header_fields),
        T_(test_total_len),
        T_(test_sections),
        T_(test_counts),
        T_(test_nbuckets_pow2),
        T_(test_checksum),
        T_(test_string_without_nul),
        T_(test_name_out_of_range),
        T_(test_ref_out_of_range),
        T_(test_field_type_out_of_range),
        T_(test_kind),
        T_(test_flags),
        T_(test_scalar_sizes),
        T_(test_unused_slots),
        T_(test_array_sizes),
        T_(test_flex_array),
        T_(test_array_element_kind),
        T_(test_declared_struct),
        T_(test_range_overflow),
        T_(test_ranges_overlap),
        T_(test_field_past_struct),
        T_(test_field_kind),
        T_(test_size_cycles),
        T_(test_typedef_first),
        T_(test_func_and_params),
        T_(test_member_hint),
        T_(test_relocs_exact),
        cmocka_unit_test(test_large_blob_checksum_first),
        T_(test_name_index),
        T_(test_name_index_cross_bucket),
        T_(test_name_index_missing),
        T_(test_name_hashes),
        T_(test_every_bit_flip),
        T_(test_every_bit_flip_repaired),
        T_(test_every_truncation),
    };
#undef T_
    return cmocka_run_group_tests(tests, NULL, NULL);
}

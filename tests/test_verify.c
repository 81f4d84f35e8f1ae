/* SPDX-License-Identifier: MIT */
/*
 * The verifier against hostile input, format 2: one hand-made blob per check of the safe
 * level (each with its expected code and the byte offset in the diag), the audit-only
 * corruptions (accepted by the safe level, refused by the audit level), format 1 refused with
 * TYR_EVERSION, every single-bit flip (with and without a repaired checksum) and every
 * truncation of a representative blob.
 */
#include <unistd.h>

#include "blob_fixture.h"
#include "escape_fixture.h"

struct blob {
    unsigned char *b;
    size_t len;
    struct fx f;
};

static int setup(void **state)
{
    struct blob *x = calloc(1, sizeof *x);
    if (!x)
        return -1;
    fx_build(&x->f);
    x->b = fx_blob_copy(x->f.reg, &x->len);
    *state = x;
    return x->b ? 0 : -1;
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
/* Blob offset of section entry sect in the section table (2.0: right after the header). */
static uint64_t sect_at(unsigned sect)
{
    return 64 + 16u * sect;
}
static uint64_t type_off(struct blob *x, uint32_t id)
{
    return S(x)[TYR_SECT_TYPES].off + (uint64_t)id * sizeof(struct tyr_rec_type);
}
static struct tyr_rec_type *T(struct blob *x, tyr_type t)
{
    return (struct tyr_rec_type *)(void *)(x->b + type_off(x, t.id));
}
static uint64_t layout_off(struct blob *x, uint32_t i)
{
    return S(x)[TYR_SECT_LAYOUTS].off + (uint64_t)i * sizeof(struct tyr_rec_layout);
}
/* The layout record of a layout-holding type. */
static struct tyr_rec_layout *L(struct blob *x, tyr_type t)
{
    return (struct tyr_rec_layout *)(void *)(x->b + layout_off(x, T(x, t)->b));
}
static uint64_t field_off(struct blob *x, uint32_t i)
{
    return S(x)[TYR_SECT_FIELDS].off + (uint64_t)i * sizeof(struct tyr_rec_field);
}
static struct tyr_rec_field *F(struct blob *x, uint32_t i)
{
    return (struct tyr_rec_field *)(void *)(x->b + field_off(x, i));
}
static uint64_t enum_off(struct blob *x, uint32_t i)
{
    return S(x)[TYR_SECT_ENUMS].off + (uint64_t)i * sizeof(struct tyr_rec_enumerator);
}
static uint64_t param_off(struct blob *x, uint32_t i)
{
    return S(x)[TYR_SECT_PARAMS].off + (uint64_t)i * sizeof(struct tyr_rec_param);
}
static struct tyr_rec_param *P(struct blob *x, uint32_t i)
{
    return (struct tyr_rec_param *)(void *)(x->b + param_off(x, i));
}
static uint32_t *starts(struct blob *x)
{
    return (uint32_t *)(void *)(x->b + S(x)[TYR_SECT_STARTS].off);
}
static uint32_t *named(struct blob *x)
{
    return (uint32_t *)(void *)(x->b + S(x)[TYR_SECT_NAMED].off);
}

static int check(struct blob *x, enum tyr_check_level level, tyr_diag *d)
{
    memset(d, 0, sizeof *d);
    return tyr__blob_check(x->b, x->len, level, d);
}

/*
 * Verify after repairing the checksum; assert the code and (if off != ANY) the offset, at
 * the safe level (tyr_blob_verify, a default open) and at the audit level (the same verdict:
 * it runs every safe check in the same order), while the header level accepts whatever the
 * header and section table allow.
 */
#define ANY UINT64_MAX
static void expect(struct blob *x, int err, uint64_t off)
{
    tyr_diag d;
    tyr_registry *m = NULL;
    struct tyr_load_opts audit = {.sz = sizeof audit, .flags = TYR_LOAD_AUDIT};
    memset(&d, 0, sizeof d);
    fx_fix_checksum(x->b, x->len);
    assert_int_equal(tyr_blob_verify(x->b, x->len, &d), err);
    if (err) {
        assert_int_equal(d.err, err);
        assert_true(d.what[0] != '\0');
        if (off != ANY)
            assert_int_equal(d.offset, off);
        assert_int_equal(tyr_registry_open_mem(x->b, x->len, NULL, &m, NULL), err);
        assert_null(m);
        assert_int_equal(tyr_registry_open_mem(x->b, x->len, &audit, &m, NULL), err);
        assert_null(m);
        assert_int_equal(check(x, TYR_CHECK_AUDIT, &d), err);
        if (off != ANY)
            assert_int_equal(d.offset, off);
    } else {
        assert_int_equal(check(x, TYR_CHECK_AUDIT, &d), 0);
    }
}

/* Passes the safe level (and a default open, which answers every query in bounds) but
 * fails the audit level at off. */
static void expect_audit_only(struct blob *x, uint64_t off)
{
    tyr_diag d;
    tyr_registry *m = NULL;
    struct tyr_load_opts audit = {.sz = sizeof audit, .flags = TYR_LOAD_AUDIT};
    assert_int_equal(check(x, TYR_CHECK_SAFE, &d), 0);
    assert_int_equal(tyr_blob_verify(x->b, x->len, NULL), 0);
    assert_int_equal(tyr_registry_open_mem(x->b, x->len, NULL, &m, NULL), 0);
    (void)fx_sweep(m);
    tyr_registry_free(m);
    m = NULL;
    assert_int_equal(check(x, TYR_CHECK_AUDIT, &d), TYR_ECORRUPT);
    assert_true(d.what[0] != '\0');
    assert_int_equal(d.offset, off);
    assert_int_equal(tyr_registry_open_mem(x->b, x->len, &audit, &m, NULL), TYR_ECORRUPT);
    assert_null(m);
}

/* The untouched fixture blob verifies at every level (the baseline of every test). */
static void test_valid(void **state)
{
    struct blob *x = *state;
    tyr_diag d;
    tyr_registry *m = NULL;
    struct tyr_load_opts o = {.sz = sizeof o, .flags = TYR_LOAD_AUDIT};
    assert_int_equal(check(x, TYR_CHECK_HEADER, &d), 0);
    assert_int_equal(check(x, TYR_CHECK_SAFE, &d), 0);
    assert_int_equal(check(x, TYR_CHECK_AUDIT, &d), 0);
    assert_int_equal(H(x)->major, 2);
    assert_int_equal(tyr_registry_open_mem(x->b, x->len, &o, &m, NULL), 0);
    fx_compare(x->f.reg, m, NULL);
    tyr_registry_free(m);
}

/* ---- Header and sections (level HEADER) ---- */

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

/* Format 1 is refused with TYR_EVERSION and a diagnostic saying to import again; another
 * major too, older or newer. A format-1 header as format 1.1 wrote it (64 bytes, 10
 * sections, a reserved word) gets the same verdict, whatever follows it. */
static void test_major_version(void **state)
{
    struct blob *x = *state;
    tyr_diag d;
    unsigned char v1[64];
    unsigned char *a;
    H(x)->major = 1;
    expect(x, TYR_EVERSION, 5);
    assert_int_equal(tyr_blob_verify(x->b, x->len, &d), TYR_EVERSION);
    assert_non_null(strstr(d.what, "format 1"));
    assert_non_null(strstr(d.what, "import it again"));
    H(x)->major = TYR_FORMAT_MAJOR + 1;
    expect(x, TYR_EVERSION, 5);
    H(x)->major = 0;
    expect(x, TYR_EVERSION, 5);

    memset(v1, 0, sizeof v1);
    memcpy(v1, "tyr\0", 4);
    v1[4] = 1, v1[5] = 1, v1[6] = 1, v1[7] = 8;
    v1[12] = 64, v1[14] = 10;
    v1[16] = 0x80, v1[17] = 0x02; /* total_len 640 */
    a = fx_aligned_copy(v1, sizeof v1);
    memset(&d, 0, sizeof d);
    assert_int_equal(tyr_blob_verify(a, sizeof v1, &d), TYR_EVERSION);
    assert_int_equal(d.offset, 5);
    assert_non_null(strstr(d.what, "import it again"));
    free(a);
}

/* Write len bytes of b to a new temporary file after `gap` zero bytes; returns its fd
 * (unlinked, so it goes with the test). */
static int temp_file_with(const unsigned char *b, size_t len, size_t gap)
{
    char path[] = "/tmp/tyr_test_verify_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    unlink(path);
    for (size_t i = 0; i < gap; i++)
        assert_int_equal(write(fd, "", 1), 1);
    assert_int_equal(write(fd, b, len), (ssize_t)len);
    return fd;
}

/* A file is opened from a copy of its header and source read with pread (a trusted open
 * reads no page of the mapping): at an offset inside a bigger file, at each level, with a
 * source section; a newer minor's section table longer than the copy is read in place; a
 * file that ends inside the blob is refused. */
static void test_file_open_reads_copies(void **state)
{
    struct blob *x = *state;
    static const uint32_t levels[] = {0, TYR_LOAD_TRUSTED, TYR_LOAD_AUDIT};
    const unsigned nsect = 300; /* 64 + 16 * 300 header bytes: past the 4 KiB copy */
    const size_t old_hdr = 64 + 16 * TYR_SECT_COUNT, grow = 16 * (nsect - TYR_SECT_COUNT);
    const char *path, *id;
    tyr_registry *m = NULL;
    void *buf;
    size_t len;
    int fd;

    assert_int_equal(tyr_registry_set_source(x->f.reg, "/bin/walk", "0badf00d"), 0);
    assert_int_equal(tyr_blob_write_mem(x->f.reg, NULL, &buf, &len), 0);
    fd = temp_file_with(buf, len, 4096 + 40);
    for (size_t l = 0; l < sizeof levels / sizeof levels[0]; l++) {
        assert_int_equal(tyr_registry_open_fd(fd,
                                              TYR_OPTS(tyr_load_opts, .offset = 4096 + 40,
                                                       .flags = levels[l]),
                                              &m, NULL),
                         0);
        tyr_registry_source(m, &path, &id);
        assert_string_equal(path, "/bin/walk");
        assert_string_equal(id, "0badf00d");
        fx_compare(x->f.reg, m, NULL);
        tyr_registry_free(m);
        m = NULL;
    }
    /* the file ends inside the blob: refused, whatever the level */
    assert_int_equal(ftruncate(fd, 4096 + 40 + (off_t)len - 8), 0);
    for (size_t l = 0; l < sizeof levels / sizeof levels[0]; l++)
        assert_int_equal(tyr_registry_open_fd(fd,
                                              TYR_OPTS(tyr_load_opts, .offset = 4096 + 40,
                                                       .flags = levels[l]),
                                              &m, NULL),
                         TYR_ETRUNC);
    assert_null(m);
    close(fd);
    tyr_blob_buf_free(buf);

    /* a newer minor with 300 sections: the 290 it adds are empty, at the blob's end */
    size_t nlen = x->len + grow;
    unsigned char *n = fx_aligned_copy(NULL, nlen);
    struct tyr_blob_header *h = (struct tyr_blob_header *)(void *)n;
    struct tyr_blob_sect *s = (struct tyr_blob_sect *)(void *)(n + 64);
    memset(n, 0, nlen);
    memcpy(n, x->b, old_hdr);
    memcpy(n + old_hdr + grow, x->b + old_hdr, x->len - old_hdr);
    h->minor = TYR_FORMAT_MINOR + 1;
    h->nsect = (uint16_t)nsect;
    h->total_len = nlen;
    for (unsigned i = 0; i < nsect; i++) {
        if (i < TYR_SECT_COUNT)
            s[i].off += grow;
        else
            s[i] = (struct tyr_blob_sect){.off = nlen, .len = 0};
    }
    fx_fix_checksum(n, nlen);
    fd = temp_file_with(n, nlen, 0);
    for (size_t l = 0; l < sizeof levels / sizeof levels[0]; l++) {
        assert_int_equal(tyr_registry_open_fd(fd, TYR_OPTS(tyr_load_opts, .flags = levels[l]),
                                              &m, NULL),
                         0);
        fx_compare(x->f.reg, m, NULL);
        tyr_registry_free(m);
        m = NULL;
    }
    /* a section beyond the copy that overlaps the one before it is still refused */
    s[nsect - 1].off = nlen - 8;
    s[nsect - 1].len = 8;
    s[nsect - 2].off = nlen - 16;
    s[nsect - 2].len = 16;
    assert_int_equal(pwrite(fd, n, old_hdr + grow, 0), (ssize_t)(old_hdr + grow));
    assert_int_equal(tyr_registry_open_fd(fd, TYR_OPTS(tyr_load_opts, .flags = TYR_LOAD_TRUSTED),
                                          &m, NULL),
                     TYR_ECORRUPT);
    assert_null(m);
    close(fd);
    free(n);
}

/* A newer minor that appended a header field and a section is read; the same shape under
 * the current minor is refused. */
static void test_newer_minor_appends(void **state)
{
    struct blob *x = *state;
    const size_t grow = 8 + 16; /* one header field (8 bytes) and one section entry */
    const size_t old_hdr = 64 + 16 * TYR_SECT_COUNT;
    size_t nlen = x->len + grow + 16;
    unsigned char *n = fx_aligned_copy(NULL, nlen);
    struct tyr_blob_header *h;
    struct tyr_blob_sect *s;
    tyr_registry *m = NULL;
    tyr_diag d;
    unsigned i;

    memset(n, 0, nlen);
    memcpy(n, x->b, 64);
    h = (struct tyr_blob_header *)(void *)n;
    h->minor = TYR_FORMAT_MINOR + 1;
    h->fixed_len = 72;
    h->nsect = TYR_SECT_COUNT + 1;
    memset(n + 64, 0xAB, 8); /* the new header field: skipped */
    memcpy(n + 72, x->b + 64, TYR_SECT_COUNT * 16);
    memcpy(n + 72 + 16 * TYR_SECT_COUNT + 16, x->b + old_hdr, x->len - old_hdr);
    s = (struct tyr_blob_sect *)(void *)(n + 72);
    for (i = 0; i < TYR_SECT_COUNT; i++)
        s[i].off += grow;
    s[TYR_SECT_COUNT].off = x->len + grow; /* a section this reader does not know */
    s[TYR_SECT_COUNT].len = 16;
    memset(n + x->len + grow, 0xCD, 16);
    h->total_len = nlen;
    fx_fix_checksum(n, nlen);
    assert_int_equal(tyr_registry_open_mem(n, nlen, NULL, &m, NULL), 0);
    fx_compare(x->f.reg, m, NULL);
    tyr_registry_free(m);
    assert_int_equal(tyr__blob_check(n, nlen, TYR_CHECK_AUDIT, &d), 0);
    h->minor = TYR_FORMAT_MINOR;
    fx_fix_checksum(n, nlen);
    memset(&d, 0, sizeof d);
    assert_int_equal(tyr_blob_verify(n, nlen, &d), TYR_ECORRUPT);
    assert_int_equal(d.offset, 12);
    free(n);
}

/* Header flags this reader does not know; a bad pointer size; a header length or section
 * count other than 2.0's. */
static void test_header_fields(void **state)
{
    struct blob *x = *state;
    H(x)->flags |= 0x100;
    expect(x, TYR_ECORRUPT, 8);
    H(x)->flags &= ~0x100u;
    H(x)->pointer_size = 3;
    expect(x, TYR_ECORRUPT, 7);
    H(x)->pointer_size = 8;
    H(x)->nsect = TYR_SECT_COUNT - 1;
    expect(x, TYR_ECORRUPT, 12);
    H(x)->nsect = TYR_SECT_COUNT;
    H(x)->fixed_len = 60;
    expect(x, TYR_ECORRUPT, 12);
    H(x)->fixed_len = 64;
    expect(x, 0, 0);
}

/* total_len: a multiple of 8, at least the header, at most the bytes there. */
static void test_total_len(void **state)
{
    struct blob *x = *state;
    H(x)->total_len = x->len + 8;
    expect(x, TYR_ETRUNC, 16);
    H(x)->total_len = x->len - 4;
    expect(x, TYR_ECORRUPT, 16);
    H(x)->total_len = 64;
    expect(x, TYR_ECORRUPT, 16);
    H(x)->total_len = x->len;
    assert_int_equal(tyr_blob_verify(x->b, x->len - 8, NULL), TYR_ETRUNC);
    assert_int_equal(tyr_blob_verify(x->b, 40, NULL), TYR_ETRUNC);
}

/* Sections misaligned, overlapping, wrapping or past the end; lengths their counts imply. */
static void test_sections(void **state)
{
    struct blob *x = *state;
    struct tyr_blob_sect keep = S(x)[TYR_SECT_FIELDS];
    const uint64_t at = sect_at(TYR_SECT_FIELDS);
    S(x)[TYR_SECT_FIELDS].off += 4;
    expect(x, TYR_ECORRUPT, at);
    S(x)[TYR_SECT_FIELDS].off = S(x)[TYR_SECT_TYPES].off; /* overlaps types */
    expect(x, TYR_ECORRUPT, at);
    S(x)[TYR_SECT_FIELDS] = keep;
    S(x)[TYR_SECT_SOURCE].len = UINT64_MAX - 7; /* off + len wraps */
    expect(x, TYR_ECORRUPT, sect_at(TYR_SECT_SOURCE));
    S(x)[TYR_SECT_SOURCE].len = x->len; /* past the end */
    expect(x, TYR_ECORRUPT, sect_at(TYR_SECT_SOURCE));
    S(x)[TYR_SECT_SOURCE].off = UINT64_MAX - 7;
    expect(x, TYR_ECORRUPT, sect_at(TYR_SECT_SOURCE));
}

/* Every table's count must match its section's length; every table has its none record. */
static void test_counts(void **state)
{
    struct blob *x = *state;
    uint32_t *counts[] = {&H(x)->ntypes,  &H(x)->nlayouts, &H(x)->nfields,
                          &H(x)->nenums,  &H(x)->nparams,  &H(x)->strs_len};
    const unsigned sects[] = {TYR_SECT_TYPES, TYR_SECT_LAYOUTS, TYR_SECT_FIELDS,
                              TYR_SECT_ENUMS, TYR_SECT_PARAMS,  TYR_SECT_STRINGS};
    for (unsigned i = 0; i < 6; i++) {
        uint32_t keep = *counts[i];
        *counts[i] = keep + 1;
        expect(x, TYR_ECORRUPT, sect_at(sects[i]) + 8);
        *counts[i] = 0;
        expect(x, TYR_ECORRUPT, 32);
        *counts[i] = keep;
    }
    H(x)->nnamed += 1;
    expect(x, TYR_ECORRUPT, sect_at(TYR_SECT_NAMED) + 8);
    H(x)->nnamed -= 1;
    S(x)[TYR_SECT_RELOCS].len -= 4;
    expect(x, TYR_ECORRUPT, sect_at(TYR_SECT_RELOCS) + 8);
}

/* nbuckets must be 0 or a power of two (and STARTS one entry longer). */
static void test_nbuckets_pow2(void **state)
{
    struct blob *x = *state;
    uint32_t keep = H(x)->nbuckets;
    assert_true(keep >= 1);
    H(x)->nbuckets = 3;
    expect(x, TYR_ECORRUPT, 56);
    H(x)->nbuckets = keep * 2;
    expect(x, TYR_ECORRUPT, sect_at(TYR_SECT_STARTS) + 8);
}

/* The source section: empty, or a path and an even count of lowercase hex digits, both
 * NUL-terminated; checked at the header level, so a trusted open never trusts it. */
static void test_source(void **state)
{
    struct blob *x = *state;
    void *buf = NULL;
    size_t len = 0;
    unsigned char *b;
    tyr_diag d;
    uint64_t at;
    FX_OK(tyr_registry_set_source(x->f.reg, "/usr/bin/prog", "ab12"));
    FX_OK(tyr_blob_write_mem(x->f.reg, NULL, &buf, &len));
    b = fx_aligned_copy(buf, len);
    tyr_blob_buf_free(buf);
    assert_int_equal(tyr__blob_check(b, len, TYR_CHECK_AUDIT, &d), 0);
    at = fx_sect(b)[TYR_SECT_SOURCE].off;
    assert_int_equal(fx_sect(b)[TYR_SECT_SOURCE].len, sizeof "/usr/bin/prog" + sizeof "ab12");
    b[at + sizeof "/usr/bin/prog"] = 'G'; /* not lowercase hex */
    memset(&d, 0, sizeof d);
    assert_int_equal(tyr__blob_check(b, len, TYR_CHECK_HEADER, &d), TYR_ECORRUPT);
    assert_int_equal(d.offset, 64 + 16 * TYR_SECT_SOURCE);
    b[at + sizeof "/usr/bin/prog"] = 'a';
    b[at + fx_sect(b)[TYR_SECT_SOURCE].len - 1] = 'c'; /* no final NUL */
    assert_int_equal(tyr__blob_check(b, len, TYR_CHECK_HEADER, &d), TYR_ECORRUPT);
    assert_int_equal(d.offset, 64 + 16 * TYR_SECT_SOURCE);
    free(b);
}

/* ---- The safe level ---- */

/* The string table must start and end with NUL. */
static void test_string_without_nul(void **state)
{
    struct blob *x = *state;
    uint64_t last = S(x)[TYR_SECT_STRINGS].off + H(x)->strs_len - 1;
    x->b[last] = 'z';
    expect(x, TYR_ECORRUPT, last);
    x->b[last] = 0;
    x->b[S(x)[TYR_SECT_STRINGS].off] = 'z';
    expect(x, TYR_ECORRUPT, S(x)[TYR_SECT_STRINGS].off);
}

/* The relocation table is the format's, byte for byte. */
static void test_relocs_exact(void **state)
{
    struct blob *x = *state;
    struct tyr_blob_reloc want[TYR_RELOC_MAX];
    uint32_t n = tyr__reloc_table(want);
    uint64_t at = S(x)[TYR_SECT_RELOCS].off;
    assert_int_equal(S(x)[TYR_SECT_RELOCS].len, n * 4u);
    assert_memory_equal(x->b + at, want, n * 4u);
    for (uint32_t i = 0; i < n * 4u; i += 7) {
        x->b[at + i] ^= 0x20;
        expect(x, TYR_ECORRUPT, at + i);
        x->b[at + i] ^= 0x20;
    }
    expect(x, 0, 0);
}

/* A type's name offset past the string table; a field's, an enumerator's, a param's. */
static void test_name_out_of_range(void **state)
{
    struct blob *x = *state;
    struct tyr_rec_enumerator *e = (struct tyr_rec_enumerator *)(void *)(x->b + enum_off(x, 1));
    uint32_t keep = T(x, x->f.node)->name;
    T(x, x->f.node)->name = H(x)->strs_len;
    expect(x, TYR_ECORRUPT, type_off(x, x->f.node.id) + 4);
    T(x, x->f.node)->name = H(x)->strs_len - 1; /* the final NUL: "" at a non-zero offset */
    expect(x, TYR_ECORRUPT, type_off(x, x->f.node.id) + 4);
    T(x, x->f.node)->name = keep;
    keep = F(x, 1)->name;
    F(x, 1)->name = UINT32_MAX;
    expect(x, TYR_ECORRUPT, field_off(x, 1));
    F(x, 1)->name = keep;
    keep = e->name;
    e->name = H(x)->strs_len;
    expect(x, TYR_ECORRUPT, enum_off(x, 1));
    e->name = keep;
    expect(x, 0, 0);
    P(x, 1)->name = H(x)->strs_len;
    expect(x, TYR_ECORRUPT, param_off(x, 1));
}

/* A target that is not a lower id (self, higher, out of range), for each kind with one. */
static void test_target_not_lower(void **state)
{
    struct blob *x = *state;
    tyr_type ts[] = {x->f.node_ptr, x->f.arr2x3, x->f.node_t, x->f.cnode_t, x->f.proto,
                     x->f.walk};
    for (unsigned i = 0; i < sizeof ts / sizeof ts[0]; i++) {
        uint32_t keep = T(x, ts[i])->a;
        T(x, ts[i])->a = ts[i].id;
        expect(x, TYR_ECORRUPT, type_off(x, ts[i].id) + 8);
        T(x, ts[i])->a = UINT32_MAX;
        expect(x, TYR_ECORRUPT, type_off(x, ts[i].id) + 8);
        T(x, ts[i])->a = keep;
    }
    expect(x, 0, 0);
}

/* Field and param types out of range. */
static void test_tail_type_out_of_range(void **state)
{
    struct blob *x = *state;
    uint32_t keep = F(x, 1)->type;
    F(x, 1)->type = H(x)->ntypes;
    expect(x, TYR_ECORRUPT, field_off(x, 1) + 4);
    F(x, 1)->type = keep;
    P(x, 1)->type = H(x)->ntypes;
    expect(x, TYR_ECORRUPT, param_off(x, 1) + 4);
}

/* The none records: type 0, layout 0, field 0, enumerator 0, param 0 all zero. */
static void test_none_records(void **state)
{
    struct blob *x = *state;
    const uint64_t at[] = {type_off(x, 0) + 4, layout_off(x, 0) + 8, field_off(x, 0) + 8,
                           enum_off(x, 0) + 4, param_off(x, 0) + 4};
    const uint64_t want[] = {type_off(x, 0), layout_off(x, 0), field_off(x, 0), enum_off(x, 0),
                             param_off(x, 0)};
    for (unsigned i = 0; i < 5; i++) {
        x->b[at[i]] = 1;
        expect(x, TYR_ECORRUPT, want[i]);
        x->b[at[i]] = 0;
    }
    expect(x, 0, 0);
}

/* Kind out of range, or VOID at a non-zero id. */
static void test_kind(void **state)
{
    struct blob *x = *state;
    T(x, x->f.t_int)->kind = TYR_KIND_COUNT_;
    expect(x, TYR_ECORRUPT, type_off(x, x->f.t_int.id));
    T(x, x->f.t_int)->kind = 0;
    expect(x, TYR_ECORRUPT, type_off(x, x->f.t_int.id));
}

/* Flags the kind does not have; more than one sort of reference; alignment not a power of
 * two. */
static void test_flags(void **state)
{
    struct blob *x = *state;
    T(x, x->f.t_float)->flags = TYR_INT_SIGNED;
    expect(x, TYR_ECORRUPT, type_off(x, x->f.t_float.id) + 1);
    T(x, x->f.t_float)->flags = TYR_TF_SEALED; /* allowed on every kind */
    expect(x, 0, 0);
    T(x, x->f.node_ptr)->flags = TYR_PTR_REF | TYR_PTR_RVREF;
    expect(x, TYR_ECORRUPT, type_off(x, x->f.node_ptr.id) + 1);
    T(x, x->f.node_ptr)->flags = 0;
    T(x, x->f.node)->aux = 3;
    expect(x, TYR_ECORRUPT, type_off(x, x->f.node.id) + 2);
}

/* INT, FLOAT, PTR, ENUM sizes and bits. */
static void test_scalar_sizes(void **state)
{
    struct blob *x = *state;
    T(x, x->f.t_int)->b = 3;
    expect(x, TYR_ECORRUPT, type_off(x, x->f.t_int.id) + 8);
    T(x, x->f.t_int)->b = 4;
    T(x, x->f.t_int)->a = 33;
    expect(x, TYR_ECORRUPT, type_off(x, x->f.t_int.id) + 8);
    T(x, x->f.t_int)->a = 32;
    T(x, x->f.t_double)->a = 80;
    expect(x, TYR_ECORRUPT, type_off(x, x->f.t_double.id) + 8);
    T(x, x->f.t_double)->a = 64;
    T(x, x->f.opaque_ptr)->b = 4;
    expect(x, TYR_ECORRUPT, type_off(x, x->f.opaque_ptr.id) + 12);
    T(x, x->f.opaque_ptr)->b = 8;
    L(x, x->f.color)->size = 3;
    expect(x, TYR_ECORRUPT, layout_off(x, T(x, x->f.color)->b));
    L(x, x->f.color)->size = 4;
    L(x, x->f.color)->rank = 1;
    expect(x, TYR_ECORRUPT, layout_off(x, T(x, x->f.color)->b));
}

/* Slots a kind does not use must be 0. */
static void test_unused_slots(void **state)
{
    struct blob *x = *state;
    T(x, x->f.unknown)->a = 1;
    expect(x, TYR_ECORRUPT, type_off(x, x->f.unknown.id) + 8);
    T(x, x->f.unknown)->a = 0;
    T(x, x->f.walk)->b = 1;
    expect(x, TYR_ECORRUPT, type_off(x, x->f.walk.id) + 12);
    T(x, x->f.walk)->b = 0;
    L(x, x->f.unknown)->count = 1;
    expect(x, TYR_ECORRUPT, layout_off(x, T(x, x->f.unknown)->b) + 8);
}

/* Layouts in type order: each layout-holding type owns the next layout, none is left over,
 * none is past the table. */
static void test_layout_order(void **state)
{
    struct blob *x = *state;
    struct tyr_rec_type *c = T(x, x->f.color), keep = *T(x, x->f.unused_enum);
    uint32_t b = c->b;
    c->b = b + 1;
    expect(x, TYR_ECORRUPT, type_off(x, x->f.color.id) + 12);
    c->b = b - 1;
    expect(x, TYR_ECORRUPT, type_off(x, x->f.color.id) + 12);
    c->b = H(x)->nlayouts;
    expect(x, TYR_ECORRUPT, type_off(x, x->f.color.id) + 12);
    c->b = b;
    /* the last layout-holding type turned into an int: its layout belongs to no type */
    assert_int_equal(keep.b, H(x)->nlayouts - 1);
    *T(x, x->f.unused_enum) = (struct tyr_rec_type){TYR_KIND_INT, 0, 1, keep.name, 8, 1};
    expect(x, TYR_ECORRUPT, layout_off(x, keep.b));
}

/* Array sizes: count x element size, without overflow. */
static void test_array_sizes(void **state)
{
    struct blob *x = *state;
    struct tyr_rec_layout *a = L(x, x->f.arr2x3);
    uint64_t at = layout_off(x, T(x, x->f.arr2x3)->b);
    a->size = 7; /* 2 x char[3] is 6 */
    expect(x, TYR_ECORRUPT, at);
    a->count = UINT32_MAX;
    a->size = (uint64_t)UINT32_MAX * 3; /* right: the element is 3 bytes */
    expect(x, 0, 0);
    /* an element of 2^62 bytes (struct Node, a lower id): 4 of them overflow 64 bits */
    assert_true(x->f.node.id < x->f.arr2x3.id);
    L(x, x->f.node)->size = UINT64_C(1) << 62;
    T(x, x->f.arr2x3)->a = x->f.node.id;
    a->count = 4;
    a->size = 0;
    expect(x, TYR_ECORRUPT, at);
}

/* A flexible array has count and size 0; an incomplete one is of a struct, sizeless. */
static void test_flex_and_incomplete(void **state)
{
    struct blob *x = *state;
    struct tyr_rec_field *data = NULL;
    struct tyr_rec_layout *bl = L(x, x->f.buf);
    tyr_type flex;
    data = F(x, T(x, x->f.buf)->a + bl->count - 1);
    flex.id = data->type;
    assert_true(T(x, flex)->flags & TYR_ARRAY_FLEX);
    L(x, flex)->count = 1;
    L(x, flex)->size = 1;
    expect(x, TYR_ECORRUPT, layout_off(x, T(x, flex)->b));
    L(x, flex)->count = 0;
    L(x, flex)->size = 0;
    T(x, x->f.arr2x3)->flags = TYR_ARRAY_INCOMPLETE; /* of char[3]: not of a struct */
    expect(x, TYR_ECORRUPT, type_off(x, x->f.arr2x3.id) + 1);
}

/* An array element must be holdable: not void, a function, a prototype, a declared struct. */
static void test_array_element_kind(void **state)
{
    struct blob *x = *state;
    tyr_type opaque = {T(x, x->f.opaque_ptr)->a};
    struct tyr_rec_type *a = T(x, x->f.arr2x3);
    a->a = 0;
    expect(x, TYR_ECORRUPT, type_off(x, x->f.arr2x3.id) + 8);
    if (opaque.id < x->f.arr2x3.id) {
        a->a = opaque.id;
        expect(x, TYR_ECORRUPT, type_off(x, x->f.arr2x3.id) + 8);
    }
}

/* A declared struct has no size and no members. */
static void test_declared_struct(void **state)
{
    struct blob *x = *state;
    tyr_type opaque = {T(x, x->f.opaque_ptr)->a};
    L(x, opaque)->size = 8;
    expect(x, TYR_ECORRUPT, layout_off(x, T(x, opaque)->b));
}

/* Ranges: first == 0 iff count == 0, inside the table, counts summing to at most it. */
static void test_ranges(void **state)
{
    struct blob *x = *state;
    struct tyr_rec_type *n = T(x, x->f.node);
    struct tyr_rec_layout *nl = L(x, x->f.node);
    uint32_t keep = nl->count, kfirst = n->a, nf = H(x)->nfields;
    nl->count = UINT32_MAX;
    expect(x, TYR_ECORRUPT, type_off(x, x->f.node.id) + 8);
    nl->count = keep;
    n->a = 0;
    expect(x, TYR_ECORRUPT, type_off(x, x->f.node.id) + 8);
    n->a = kfirst;
    /* two unions owning the whole table: each fits, the sum does not */
    T(x, x->f.u)->a = 1;
    L(x, x->f.u)->count = nf - 1;
    T(x, x->f.pair)->a = 1;
    L(x, x->f.pair)->count = nf - 1;
    /* Node (6 fields) comes first, then Pair's nf - 1 exceed the table */
    assert_true(x->f.node.id < x->f.pair.id && x->f.pair.id < x->f.u.id);
    expect(x, TYR_ECORRUPT, type_off(x, x->f.pair.id) + 8);
}

/* Enumerator and param ranges likewise. */
static void test_tail_ranges(void **state)
{
    struct blob *x = *state;
    L(x, x->f.color)->count = H(x)->nenums;
    expect(x, TYR_ECORRUPT, type_off(x, x->f.color.id) + 8);
    L(x, x->f.color)->count = 3;
    T(x, x->f.proto)->aux = (uint16_t)H(x)->nparams;
    expect(x, TYR_ECORRUPT, type_off(x, x->f.proto.id) + 12);
}

/* A field's packed place (lib/internal.h): PLAIN, or a BITFIELD of bit_size bits. */
static uint32_t plain(uint64_t off, uint32_t flags)
{
    return (uint32_t)off << 4 | flags;
}
static uint32_t bitfield(uint64_t off, uint32_t bit_offset, uint32_t bit_size)
{
    return (uint32_t)off << 17 | bit_offset << 10 | (bit_size - 1) << 4 |
           TYR_FPOS_BITFIELD << TYR_FPOS_FORM_SHIFT;
}

/* Field records on their own: a form that does not exist; a WIDE one with a place of its
 * own; flags invalid. */
static void test_field_records(void **state)
{
    struct blob *x = *state;
    const uint32_t keep = F(x, 1)->pos;
    F(x, 1)->pos = keep | 3u << TYR_FPOS_FORM_SHIFT;
    expect(x, TYR_ECORRUPT, field_off(x, 1) + 8);
    F(x, 1)->pos = 5u << 4 | TYR_FPOS_WIDE << TYR_FPOS_FORM_SHIFT;
    expect(x, TYR_ECORRUPT, field_off(x, 1) + 8);
    F(x, 1)->pos = plain(0, TYR_FIELD_VIRTUAL); /* virtual without base */
    expect(x, TYR_ECORRUPT, field_off(x, 1) + 8);
    F(x, 1)->pos = keep | TYR_FIELD_BASE; /* a base with a name */
    expect(x, TYR_ECORRUPT, field_off(x, 1) + 8);
    F(x, 1)->pos = keep;
    expect(x, 0, 0);
}

/* Members: inside the record, bitfields inside their unit, of holdable types. */
static void test_members(void **state)
{
    struct blob *x = *state;
    uint32_t first = T(x, x->f.node)->a;
    struct tyr_rec_field *d = F(x, first + 5); /* "d", a double at 32 of 40 */
    struct tyr_rec_field *a = F(x, first + 2); /* "a", unsigned :3 at 12 */
    assert_int_equal(d->pos, plain(32, 0));
    assert_int_equal(a->pos, bitfield(12, 0, 3));
    d->pos = plain(33, 0);
    expect(x, TYR_ECORRUPT, field_off(x, first + 5) + 8);
    d->pos = plain(TYR_FPOS_PLAIN_MAX, 0); /* the farthest PLAIN place */
    expect(x, TYR_ECORRUPT, field_off(x, first + 5) + 8);
    d->pos = plain(32, 0);
    a->pos = bitfield(12, 30, 3);
    expect(x, TYR_ECORRUPT, field_off(x, first + 2) + 8);
    a->pos = bitfield(12, 0, 64); /* wider than its unsigned */
    expect(x, TYR_ECORRUPT, field_off(x, first + 2) + 8);
    a->pos = bitfield(39, 0, 3); /* 3 bits in the last byte: fits; 41: starts past */
    expect(x, 0, 0);
    a->pos = bitfield(41, 0, 3);
    expect(x, TYR_ECORRUPT, field_off(x, first + 2) + 8);
    a->pos = bitfield(39, 6, 3); /* ends 1 bit past the struct */
    expect(x, TYR_ECORRUPT, field_off(x, first + 2) + 8);
    a->pos = bitfield(12, 0, 3);
    a->type = x->f.t_float.id; /* a float bitfield */
    expect(x, TYR_ECORRUPT, field_off(x, first + 2) + 4);
    a->type = x->f.t_uint.id;
    d->type = x->f.walk.id; /* a function held by value */
    expect(x, TYR_ECORRUPT, field_off(x, first + 5) + 4);
    d->type = 0; /* void */
    expect(x, TYR_ECORRUPT, field_off(x, first + 5) + 4);
    d->type = x->f.t_double.id;
    d->pos = plain(32, TYR_FIELD_BASE); /* named: caught on its own */
    expect(x, TYR_ECORRUPT, field_off(x, first + 5) + 8);
    d->pos = plain(32, 0);
    a = F(x, T(x, x->f.outer)->a + 2); /* "p", struct Pair at 8 */
    a->name = 0;
    a->pos |= TYR_FIELD_BASE;
    expect(x, 0, 0);
    a->type = x->f.u.id; /* a base that is a union */
    expect(x, TYR_ECORRUPT, field_off(x, T(x, x->f.outer)->a + 2) + 4);
}

/* By-value edges strictly decrease the rank: struct in struct, struct in array. */
static void test_size_cycles(void **state)
{
    struct blob *x = *state;
    uint32_t keep = L(x, x->f.outer)->rank;
    L(x, x->f.outer)->rank = L(x, x->f.pair)->rank;
    expect(x, TYR_ECORRUPT, layout_off(x, T(x, x->f.outer)->b) + 12);
    L(x, x->f.outer)->rank = keep;
    keep = L(x, x->f.arr2x3)->rank;
    {
        tyr_type arr3 = {T(x, x->f.arr2x3)->a};
        L(x, x->f.arr2x3)->rank = L(x, arr3)->rank;
    }
    expect(x, TYR_ECORRUPT, layout_off(x, T(x, x->f.arr2x3)->b) + 12);
}

/* Typedefs and qualifiers: resolved == resolve(target); a typedef is named. */
static void test_resolved(void **state)
{
    struct blob *x = *state;
    T(x, x->f.cnode_t)->b = x->f.node_t.id; /* a typedef, not what it resolves to */
    expect(x, TYR_ECORRUPT, type_off(x, x->f.cnode_t.id) + 12);
    T(x, x->f.cnode_t)->b = x->f.node.id;
    T(x, x->f.vint)->b = x->f.t_uint.id;
    expect(x, TYR_ECORRUPT, type_off(x, x->f.vint.id) + 12);
    T(x, x->f.vint)->b = x->f.t_int.id;
    T(x, x->f.node_t)->name = 0;
    expect(x, TYR_ECORRUPT, type_off(x, x->f.node_t.id) + 4);
}

/* A function is named and points at a prototype; a parameter is not void. */
static void test_func_and_params(void **state)
{
    struct blob *x = *state;
    uint32_t p0 = T(x, x->f.proto)->b;
    T(x, x->f.walk)->a = x->f.t_int.id;
    expect(x, TYR_ECORRUPT, type_off(x, x->f.walk.id) + 8);
    T(x, x->f.walk)->a = x->f.proto.id;
    T(x, x->f.walk)->name = 0;
    expect(x, TYR_ECORRUPT, type_off(x, x->f.walk.id) + 4);
    T(x, x->f.walk)->name = T(x, x->f.node)->name;
    P(x, p0)->type = 0;
    expect(x, TYR_ECORRUPT, param_off(x, p0) + 4);
    /* void through a chain: `const void`, consistent in itself, as a parameter */
    T(x, x->f.cnode_t)->a = 0;
    T(x, x->f.cnode_t)->b = 0;
    P(x, p0)->type = x->f.cnode_t.id;
    expect(x, TYR_ECORRUPT, param_off(x, p0) + 4);
}

/* The name index, safe level: STARTS rises from 0 to nnamed; NAMED holds named ids. */
static void test_name_index_safe(void **state)
{
    struct blob *x = *state;
    uint32_t nb = H(x)->nbuckets, *s = starts(x), *n = named(x);
    uint64_t sat = S(x)[TYR_SECT_STARTS].off, nat = S(x)[TYR_SECT_NAMED].off;
    uint32_t keep;
    assert_true(nb >= 2);
    assert_int_equal(s[nb], H(x)->nnamed);
    s[0] = 1;
    expect(x, TYR_ECORRUPT, sat);
    s[0] = 0;
    s[nb] -= 1;
    expect(x, TYR_ECORRUPT, sat + 4u * nb);
    s[nb] += 1;
    keep = s[nb - 1];
    s[nb - 1] = s[nb] + 1; /* the last bucket starts after the end */
    expect(x, TYR_ECORRUPT, sat + 4u * nb);
    s[nb - 1] = keep;
    expect(x, 0, 0);
    keep = n[0];
    n[0] = H(x)->ntypes;
    expect(x, TYR_ECORRUPT, nat);
    n[0] = x->f.node_ptr.id; /* unnamed */
    expect(x, TYR_ECORRUPT, nat);
    n[0] = keep;
    expect(x, 0, 0);
}

/* ---- Audit-only corruptions: the safe level accepts them, the audit level does not ---- */

/* A wrong checksum. */
static void test_audit_checksum(void **state)
{
    struct blob *x = *state;
    x->b[x->len - 1] ^= 0x10;
    expect_audit_only(x, 24);
}

/* A named id in a bucket its name does not hash to (replacing another entry). */
static void test_audit_wrong_bucket(void **state)
{
    struct blob *x = *state;
    uint32_t nb = H(x)->nbuckets, *s = starts(x), *n = named(x), b, j, k;
    const char *strs = (const char *)x->b + S(x)[TYR_SECT_STRINGS].off;
    for (b = 0; b < nb && s[b] == s[b + 1]; b++)
        ;
    assert_true(b < nb);
    j = s[b]; /* the first entry of the first non-empty bucket */
    for (k = 0; k < H(x)->nnamed; k++) {
        uint32_t id = n[k];
        if ((tyr__name_hash(strs + T(x, (tyr_type){id})->name) & (nb - 1)) != b)
            break;
    }
    assert_true(k < H(x)->nnamed);
    n[j] = n[k];
    fx_fix_checksum(x->b, x->len);
    expect_audit_only(x, S(x)[TYR_SECT_NAMED].off + 4u * j);
}

/* Two ids of one bucket in decreasing order. */
static void test_audit_order(void **state)
{
    struct blob *x = *state;
    uint32_t nb = H(x)->nbuckets, *s = starts(x), *n = named(x), b, t;
    for (b = 0; b < nb && s[b + 1] - s[b] < 2; b++)
        ;
    if (b == nb) {
        print_message("no bucket with two names in the fixture: nothing to reorder\n");
        skip();
    }
    t = n[s[b]], n[s[b]] = n[s[b] + 1], n[s[b] + 1] = t;
    fx_fix_checksum(x->b, x->len);
    expect_audit_only(x, S(x)[TYR_SECT_NAMED].off + 4u * (s[b] + 1));
}

/* A named type missing from the index (the last entry dropped). */
static void test_audit_missing(void **state)
{
    struct blob *x = *state;
    uint32_t nb = H(x)->nbuckets, *s = starts(x), last = H(x)->nnamed - 1;
    for (uint32_t b = 0; b <= nb; b++)
        if (s[b] > last)
            s[b] = last;
    H(x)->nnamed = last;
    S(x)[TYR_SECT_NAMED].len -= 4;
    fx_fix_checksum(x->b, x->len);
    expect_audit_only(x, 60);
}

/* ---- Sweeps ---- */

static uint64_t accepted_flips, rejected_flips, accepted_body;

static void flip_sweep(struct blob *x, int repair, uint32_t flags)
{
    unsigned char *c = fx_aligned_copy(x->b, x->len);
    const size_t hdr_len = 64 + 16 * TYR_SECT_COUNT;
    struct tyr_load_opts o = {.sz = sizeof o, .flags = flags};
    for (size_t bit = 0; bit < x->len * 8; bit++) {
        tyr_registry *m = NULL;
        int err;
        memcpy(c, x->b, x->len);
        c[bit / 8] ^= (unsigned char)(1u << (bit % 8));
        if (repair && bit / 8 >= hdr_len)
            fx_fix_checksum(c, x->len);
        err = tyr_registry_open_mem(c, x->len, &o, &m, NULL);
        if (err) {
            assert_true(err < 0);
            assert_null(m);
            rejected_flips++;
            continue;
        }
        accepted_flips++;
        accepted_body += bit / 8 >= hdr_len;
        (void)fx_sweep(m); /* in bounds, terminates: ASan and the timeout watch */
        tyr_registry_free(m);
    }
    free(c);
}

/* Every single-bit flip, checksum left alone, at the audit level: every flip after the
 * header is refused (the checksum covers it); in the header only the informational PRUNED
 * flag and a newer minor load. */
static void test_every_bit_flip_audit(void **state)
{
    struct blob *x = *state;
    accepted_flips = rejected_flips = accepted_body = 0;
    flip_sweep(x, 0, TYR_LOAD_AUDIT);
    print_message("audit flips: %llu loaded (all in the header), %llu rejected\n",
                  (unsigned long long)accepted_flips, (unsigned long long)rejected_flips);
    assert_int_equal(accepted_body, 0);
    assert_true(accepted_flips >= 1 + 8); /* PRUNED; each bit of the minor */
    assert_true(rejected_flips > x->len * 8 - 100);
}

/* Every single-bit flip at the safe level, raw and with the checksum repaired: each is
 * rejected or loads and answers every query in bounds. */
static void test_every_bit_flip_safe(void **state)
{
    struct blob *x = *state;
    for (int repair = 0; repair < 2; repair++) {
        accepted_flips = rejected_flips = accepted_body = 0;
        flip_sweep(x, repair, 0);
        print_message("flips%s: %llu loaded and answered, %llu rejected\n",
                      repair ? " (checksum repaired)" : "", (unsigned long long)accepted_flips,
                      (unsigned long long)rejected_flips);
        /* both outcomes occur: flags, names' bytes, offsets inside bounds load; handles fail */
        assert_true(accepted_body > 0);
        assert_true(rejected_flips > 0);
    }
}

/* Every truncation is rejected, whether the header still claims the full length or is
 * patched to claim the truncated one. */
static void test_every_truncation(void **state)
{
    struct blob *x = *state;
    unsigned char *c = fx_aligned_copy(x->b, x->len);
    for (size_t n = 0; n < x->len; n++) {
        tyr_registry *m = NULL;
        int err = tyr_registry_open_mem(c, n, NULL, &m, NULL);
        assert_true(err == TYR_ETRUNC || (n >= 4 && err == TYR_ECORRUPT));
        assert_null(m);
        if (n >= 64 && n % 8 == 0) {
            memcpy(c, x->b, x->len);
            fx_hdr(c)->total_len = n;
            fx_fix_checksum(c, x->len);
            assert_int_equal(tyr_registry_open_mem(c, n, NULL, &m, NULL), TYR_ECORRUPT);
            memcpy(c, x->b, x->len);
        }
    }
    free(c);
}

/* A large blob: a body failure is reported at its offset by the safe level whatever the
 * checksum says; the audit level reports the checksum first, then the same failure once
 * the checksum matches. */
static void test_large_blob(void **state)
{
    tyr_registry *r;
    tyr_diag d;
    void *buf = NULL;
    size_t len = 0;
    unsigned char *b;
    uint64_t at;
    tyr_type t_int;
    char name[32];
    (void)state;
    assert_int_equal(tyr_registry_new(NULL, &r), 0);
    assert_int_equal(tyr_add_int(r, "int", 4, TYR_INT_SIGNED, &t_int), 0);
    for (uint32_t i = 0; i < 40000; i++) {
        tyr_struct s;
        snprintf(name, sizeof name, "s%u", i);
        assert_int_equal(tyr_struct_new(r, TYR_KIND_STRUCT, name, 16, 4, 0, &s), 0);
        assert_int_equal(tyr_struct_add_field(r, s, "a", t_int, 0, 0, 0), 0);
        assert_int_equal(tyr_struct_add_field(r, s, "b", t_int, 4, 0, 0), 0);
        assert_int_equal(tyr_struct_add_field(r, s, "c", t_int, 8, 0, 0), 0);
        assert_int_equal(tyr_struct_add_field(r, s, "d", t_int, 12, 0, 0), 0);
    }
    assert_int_equal(tyr_blob_write_mem(r, NULL, &buf, &len), 0);
    b = fx_aligned_copy(buf, len);
    tyr_blob_buf_free(buf);
    assert_int_equal(tyr__blob_check(b, len, TYR_CHECK_AUDIT, &d), 0);
    /* a field past its struct, the checksum not repaired */
    at = fx_sect(b)[TYR_SECT_FIELDS].off + 3 * sizeof(struct tyr_rec_field) + 8;
    b[at + 1] = 0x40; /* PLAIN at 1024 + 8 */
    memset(&d, 0, sizeof d);
    assert_int_equal(tyr_blob_verify(b, len, &d), TYR_ECORRUPT);
    assert_int_equal(d.offset, at);
    memset(&d, 0, sizeof d);
    assert_int_equal(tyr__blob_check(b, len, TYR_CHECK_AUDIT, &d), TYR_ECORRUPT);
    assert_int_equal(d.offset, 24);
    fx_fix_checksum(b, len);
    memset(&d, 0, sizeof d);
    assert_int_equal(tyr__blob_check(b, len, TYR_CHECK_AUDIT, &d), TYR_ECORRUPT);
    assert_int_equal(d.offset, at);
    assert_true(d.what[0] != '\0');
    /* the header level (a trusted open) does not look at the records */
    assert_int_equal(tyr__blob_check(b, len, TYR_CHECK_HEADER, &d), 0);
    free(b);
    tyr_registry_free(r);
}

/* The escape tables against hostile edits: an entry naming a record out of range, out of
 * order, or one that is not escaped; an escaped record without its entry; an entry whose
 * content its record's rules refuse; a wide place past its record; a wide value whose high
 * half is the sign extension; lengths that are not whole entries. */
static void test_escapes_hostile(void **state)
{
    struct blob x = {0};
    struct escapes e;
    (void)state;
    FX_OK(tyr_registry_new(NULL, &x.f.reg));
    FX_OK(escapes_build(x.f.reg, &e));
    x.b = fx_blob_copy(x.f.reg, &x.len);
    assert_non_null(x.b);
    expect(&x, 0, 0);
    const uint64_t wf = S(&x)[TYR_SECT_WFIELDS].off, we = S(&x)[TYR_SECT_WENUMS].off;
    struct tyr_rec_wide_field *w = (struct tyr_rec_wide_field *)(void *)(x.b + wf);
    struct tyr_rec_wide_enum *v = (struct tyr_rec_wide_enum *)(void *)(x.b + we);
    const uint32_t nf = H(&x)->nfields, ne = H(&x)->nenums;
    assert_int_equal(S(&x)[TYR_SECT_WFIELDS].len, 6 * sizeof *w);
    assert_int_equal(S(&x)[TYR_SECT_WENUMS].len, 7 * sizeof *v);
    const struct tyr_rec_wide_field w0 = w[0], w1 = w[1];
    const uint32_t plain_id = w0.field + 1; /* pad_far, then Big's "head": PLAIN */
    assert_int_equal((F(&x, plain_id)->pos >> TYR_FPOS_FORM_SHIFT) & 3u, TYR_FPOS_PLAIN);

    const uint32_t bad_field[] = {nf, UINT32_MAX, 0, plain_id};
    for (size_t i = 0; i < sizeof bad_field / sizeof bad_field[0]; i++) {
        w[0].field = bad_field[i];
        expect(&x, TYR_ECORRUPT, wf);
    }
    w[0] = w0;
    w[1].field = w0.field; /* twice */
    expect(&x, TYR_ECORRUPT, wf + sizeof *w);
    w[1] = w1;
    F(&x, w0.field)->pos = plain(0, 0); /* escaped no more: one entry too many */
    expect(&x, TYR_ECORRUPT, sect_at(TYR_SECT_WFIELDS) + 8);
    F(&x, w0.field)->pos = TYR_FPOS_WIDE << TYR_FPOS_FORM_SHIFT;
    F(&x, plain_id)->pos = TYR_FPOS_WIDE << TYR_FPOS_FORM_SHIFT; /* escaped without an entry */
    expect(&x, TYR_ECORRUPT, sect_at(TYR_SECT_WFIELDS) + 8);
    F(&x, plain_id)->pos = plain(0, 0);
    expect(&x, 0, 0);
    w[0].bit_offset = 3; /* a bit offset without a width */
    expect(&x, TYR_ECORRUPT, wf + 4);
    w[0].bit_offset = 0;
    w[0].zero = 1;
    expect(&x, TYR_ECORRUPT, wf + 4);
    w[0].zero = 0;
    w[1].offset = UINT64_MAX; /* Big's "far", past its record, at every width */
    expect(&x, TYR_ECORRUPT, field_off(&x, w1.field) + 8);
    w[1].offset = ESC_BIG_SIZE - 3;
    expect(&x, TYR_ECORRUPT, field_off(&x, w1.field) + 8);
    w[1].offset = ESC_BIG_SIZE - 4; /* an int in the last four bytes: fits */
    expect(&x, 0, 0);
    w[1].bit_size = 33; /* a bitfield wider than its int */
    expect(&x, TYR_ECORRUPT, field_off(&x, w1.field) + 8);
    w[1] = w1;
    expect(&x, 0, 0);

    const struct tyr_rec_wide_enum v0 = v[0], v1 = v[1];
    const uint32_t bad_enum[] = {ne, UINT32_MAX, 0};
    for (size_t i = 0; i < sizeof bad_enum / sizeof bad_enum[0]; i++) {
        v[0].enumerator = bad_enum[i];
        expect(&x, TYR_ECORRUPT, we);
    }
    v[0] = v0;
    v[1].enumerator = v0.enumerator; /* twice */
    expect(&x, TYR_ECORRUPT, we + sizeof *v);
    v[1] = v1;
    expect(&x, 0, 0);
    /* a high half made the sign extension of its low half (an entry that says nothing) */
    const uint32_t keep_hi = v[2].hi;
    v[2].hi = (int32_t)((const struct tyr_rec_enumerator *)(void *)(
                  x.b + S(&x)[TYR_SECT_ENUMS].off))[v[2].enumerator].value < 0
                  ? UINT32_MAX
                  : 0;
    expect(&x, TYR_ECORRUPT, we + 2 * sizeof *v);
    v[2].hi = keep_hi;
    expect(&x, 0, 0);

    S(&x)[TYR_SECT_WFIELDS].len -= 8; /* half an entry */
    expect(&x, TYR_ECORRUPT, sect_at(TYR_SECT_WFIELDS) + 8);
    S(&x)[TYR_SECT_WFIELDS].len += 8;
    S(&x)[TYR_SECT_WENUMS].len = (uint64_t)ne * sizeof *v; /* more entries than enumerators */
    expect(&x, TYR_ECORRUPT, ANY);
    free(x.b);
    tyr_registry_free(x.f.reg);
}

/* A blob of the 16-byte-field layout (ten sections) is refused as a version to import again,
 * at every level, never read. */
static void test_ten_sections_refused(void **state)
{
    struct blob *x = *state;
    tyr_diag d;
    H(x)->nsect = 10;
    fx_fix_checksum(x->b, x->len);
    for (int level = TYR_CHECK_HEADER; level <= TYR_CHECK_AUDIT; level++) {
        assert_int_equal(check(x, (enum tyr_check_level)level, &d), TYR_EVERSION);
        assert_int_equal(d.offset, 14);
        assert_non_null(strstr(d.what, "import it again"));
    }
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
        T_(test_file_open_reads_copies),
        T_(test_header_fields),
        T_(test_total_len),
        T_(test_sections),
        T_(test_counts),
        T_(test_nbuckets_pow2),
        T_(test_source),
        T_(test_string_without_nul),
        T_(test_relocs_exact),
        T_(test_name_out_of_range),
        T_(test_target_not_lower),
        T_(test_tail_type_out_of_range),
        T_(test_none_records),
        T_(test_kind),
        T_(test_flags),
        T_(test_scalar_sizes),
        T_(test_unused_slots),
        T_(test_layout_order),
        T_(test_array_sizes),
        T_(test_flex_and_incomplete),
        T_(test_array_element_kind),
        T_(test_declared_struct),
        T_(test_ranges),
        T_(test_tail_ranges),
        T_(test_field_records),
        T_(test_members),
        T_(test_size_cycles),
        T_(test_resolved),
        T_(test_func_and_params),
        T_(test_name_index_safe),
        T_(test_audit_checksum),
        T_(test_audit_wrong_bucket),
        T_(test_audit_order),
        T_(test_audit_missing),
        T_(test_every_bit_flip_audit),
        T_(test_every_bit_flip_safe),
        T_(test_every_truncation),
        cmocka_unit_test(test_large_blob),
        cmocka_unit_test(test_escapes_hostile),
        T_(test_ten_sections_refused),
    };
#undef T_
    return cmocka_run_group_tests(tests, NULL, NULL);
}

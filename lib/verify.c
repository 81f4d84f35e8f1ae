/* SPDX-License-Identifier: MIT */
/*
 * The blob verifier, format 2: everything a reader may assume about a blob is checked here,
 * once, before the first query (docs/format.md, "What the verifier checks", says which check
 * belongs to which level and why).
 *
 * Levels (enum tyr_check_level):
 *   HEADER  header, section table and source section: O(1) in the blob's size;
 *   SAFE    + every check memory safety and termination depend on, in a fixed number of
 *           sequential passes, no recursion, no allocation:
 *             1. strings, relocation table, none records, layout record 0;
 *             2. types in id order: kind, flags, slots in range for their space, targets
 *                lower than the own id, resolved ids, layouts in type order, tails in range,
 *                sizes, array elements and ranks (all of which look only at lower ids);
 *             3. fields, enumerators, params on their own (names and types in range, a
 *                parameter not void);
 *             4. members of every record (a member may name a higher id, verified by
 *                pass 2 by now);
 *             5. the name index: STARTS monotonic from 0 to nnamed, NAMED ids named;
 *   AUDIT   + integrity: the checksum (first, so that a blob whose bytes are not the ones
 *           written is reported as such), every NAMED id in the bucket its name hashes to,
 *           increasing within its bucket, and as many entries as named types.
 * Each failure names the blob byte offset of the slot that failed and what was expected.
 */
#include <inttypes.h>
#include <string.h>

#include <xxhash.h>

#include "blob_format.h"
#include "internal.h"
#include "kinds.h"

/* Failure reports and the rarer kinds' rules stay out of line, so that the hot loops keep
 * their state in registers. */
#if defined(__GNUC__)
#define V_COLD __attribute__((noinline, cold))
#define V_NOINLINE __attribute__((noinline))
#else
#define V_COLD
#define V_NOINLINE
#endif

static int is_zero(const void *p, size_t n)
{
    const unsigned char *c = p;
    unsigned char acc = 0;
    for (size_t i = 0; i < n; i++)
        acc |= c[i];
    return acc == 0;
}

/* The state of one verification: where the tables are and how many records each holds. */
struct vctx {
    const unsigned char *base;
    tyr_diag *diag;
    struct tyr_blob_geom *g; /* check_header's copy of the header */
    const struct tyr_blob_header *h;
    const struct tyr_blob_sect *sect;
    const char *strs;
    const struct tyr_rec_type *types;
    const struct tyr_rec_layout *layouts;
    const struct tyr_rec_field *fields;
    const struct tyr_rec_enumerator *enums;
    const struct tyr_rec_wide_field *wfields;
    const struct tyr_rec_wide_enum *wenums;
    uint32_t nwfields, nwenums;
    const struct tyr_rec_param *params;
    const uint32_t *starts, *named;
    uint32_t named_types; /* types with a name, counted by pass 2 */
};

static uint64_t pos_of(const struct vctx *v, unsigned sect, uint64_t index, size_t entsize,
                       unsigned byte)
{
    return v->sect[sect].off + index * entsize + byte;
}
#define TPOS(v, i, byte) pos_of((v), TYR_SECT_TYPES, (i), sizeof(struct tyr_rec_type), (byte))
#define LPOS(v, i, byte) pos_of((v), TYR_SECT_LAYOUTS, (i), sizeof(struct tyr_rec_layout), (byte))
#define FPOS(v, i, byte) pos_of((v), TYR_SECT_FIELDS, (i), sizeof(struct tyr_rec_field), (byte))
#define WFPOS(v, i, byte)                                                                    \
    pos_of((v), TYR_SECT_WFIELDS, (i), sizeof(struct tyr_rec_wide_field), (byte))
#define EPOS(v, i, byte) pos_of((v), TYR_SECT_ENUMS, (i), sizeof(struct tyr_rec_enumerator), (byte))
#define WEPOS(v, i, byte) pos_of((v), TYR_SECT_WENUMS, (i), sizeof(struct tyr_rec_wide_enum), (byte))
#define PPOS(v, i, byte) pos_of((v), TYR_SECT_PARAMS, (i), sizeof(struct tyr_rec_param), (byte))

#define FAIL(v, off, ...) tyr_diag_set((v)->diag, TYR_ECORRUPT, (off), __VA_ARGS__)

/* The source section: empty, or "path\0build-id\0" exactly, the path at most
 * TYR_SOURCE_PATH_MAX bytes, the build-id an even count of lowercase hex digits. Checked with
 * the header (it is small and bounded), so even a trusted open never hands out a string
 * without its NUL. */
static int check_source(struct vctx *v, const unsigned char *p, uint64_t len, uint64_t at)
{
    if (len == 0)
        return 0;
    if (len < 2 || len > TYR_SOURCE_PATH_MAX + TYR_SOURCE_ID_MAX + 2)
        return FAIL(v, at, "source section of %" PRIu64 " bytes: not a path and a build-id", len);
    size_t np = strnlen((const char *)p, (size_t)len);
    if (np == len)
        return FAIL(v, at, "source path is not NUL-terminated");
    const unsigned char *id = p + np + 1;
    size_t rest = (size_t)len - np - 1, nb = strnlen((const char *)id, rest);
    if (np > TYR_SOURCE_PATH_MAX || nb + 1 != rest || nb > TYR_SOURCE_ID_MAX || nb % 2)
        return FAIL(v, at, "source section: path of %zu bytes, build-id of %zu, %zu bytes after",
                    np, nb, rest > nb ? rest - nb - 1 : 0);
    for (size_t i = 0; i < nb; i++)
        if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
            return FAIL(v, at, "source build-id has a byte 0x%02x that is not lowercase hex",
                        id[i]);
    return 0;
}

/* Header and section table (level HEADER): O(1) whatever the blob holds. Reads the header
 * from head (head_len bytes: a copy of the blob's first bytes, or the blob itself) and keeps
 * a copy in v->g; len is the bytes available at base. Returns 1 when the header and section
 * table are longer than head_len (the caller tries again with the blob itself). */
static int check_header(struct vctx *v, const void *base, size_t len, const void *head,
                        size_t head_len)
{
    const struct tyr_blob_header *h = head;
    const struct tyr_blob_sect *sect;
    uint64_t hdr_len, end, want[TYR_SECT_COUNT];
    unsigned i;

    if ((uintptr_t)base % 8 != 0)
        return tyr_diag_set(v->diag, TYR_EALIGN, 0, "blob at %p is not 8-byte aligned", base);
    if (len >= 4 && (h->magic[0] != TYR_BLOB_MAGIC0 || h->magic[1] != TYR_BLOB_MAGIC1 ||
                     h->magic[2] != TYR_BLOB_MAGIC2 || h->magic[3] != TYR_BLOB_MAGIC3))
        return FAIL(v, 0, "bad magic (not a tyr blob)");
    if (len < sizeof *h)
        return tyr_diag_set(v->diag, TYR_ETRUNC, len,
                            "%zu bytes: shorter than the %zu-byte header", len, sizeof *h);
    if (!tyr__host_is_le())
        return tyr_diag_set(v->diag, TYR_EBYTEORDER, 4, "this host is big-endian");
    if (h->byte_order == TYR_BLOB_BE)
        return tyr_diag_set(v->diag, TYR_EBYTEORDER, 4, "blob is big-endian");
    if (h->byte_order != TYR_BLOB_LE)
        return FAIL(v, 4, "byte order %u is neither 1 (little) nor 2 (big)", h->byte_order);
    if (h->major == 1)
        return tyr_diag_set(v->diag, TYR_EVERSION, 5,
                            "format 1 blob: import it again with this tyr (it reads format %u)",
                            TYR_FORMAT_MAJOR);
    if (h->major != TYR_FORMAT_MAJOR)
        return tyr_diag_set(v->diag, TYR_EVERSION, 5,
                            "format %u.%u; this reader knows major %u only", h->major, h->minor,
                            TYR_FORMAT_MAJOR);
    if (h->pointer_size != 4 && h->pointer_size != 8)
        return FAIL(v, 7, "pointer size %u is neither 4 nor 8", h->pointer_size);
    if (h->flags & ~(uint32_t)TYR_BLOB_F_KNOWN_)
        return FAIL(v, 8, "unknown header flags 0x%" PRIx32,
                    h->flags & ~(uint32_t)TYR_BLOB_F_KNOWN_);
    /* 2.0 has 64 header bytes and 12 sections exactly; a newer minor at least that much.
     * Ten sections at 2.0 is the layout before fields and enumerators were packed (16- and
     * 12-byte records): refused as such, never read. */
    if (h->nsect == 10 && h->minor == 0 && h->fixed_len == sizeof *h)
        return tyr_diag_set(v->diag, TYR_EVERSION, 14,
                            "format 2 blob with 16-byte fields (10 sections, an earlier layout):"
                            " import it again with this tyr");
    if (h->fixed_len < sizeof *h || h->fixed_len % 8 != 0 || h->nsect < TYR_SECT_COUNT ||
        (h->minor <= TYR_FORMAT_MINOR &&
         (h->fixed_len != sizeof *h || h->nsect != TYR_SECT_COUNT)))
        return FAIL(v, 12, "header length %u with %u sections is not valid for format %u.%u",
                    h->fixed_len, h->nsect, h->major, h->minor);
    hdr_len = (uint64_t)h->fixed_len + (uint64_t)h->nsect * sizeof(struct tyr_blob_sect);
    if (h->total_len < hdr_len || h->total_len % 8 != 0)
        return FAIL(v, 16,
                    "total length %" PRIu64 " is below the %" PRIu64
                    "-byte header or not a multiple of 8",
                    h->total_len, hdr_len);
    if (h->total_len > len)
        return tyr_diag_set(v->diag, TYR_ETRUNC, 16,
                            "blob says %" PRIu64 " bytes; only %zu are there", h->total_len,
                            len);
    if (hdr_len > head_len)
        return 1; /* a newer minor's long section table: read it in the blob */

    sect = (const struct tyr_blob_sect *)(const void *)((const unsigned char *)head +
                                                         h->fixed_len);
    end = hdr_len;
    for (i = 0; i < h->nsect; i++) {
        const struct tyr_blob_sect *s = &sect[i];
        uint64_t at = h->fixed_len + (uint64_t)i * sizeof *s;
        if (s->off % 8 != 0 || s->off < end || s->off > h->total_len ||
            s->len > h->total_len - s->off)
            return FAIL(v, at,
                        "section %u [%" PRIu64 ", +%" PRIu64 ") is misaligned, overlaps the"
                        " one before (which ends at %" PRIu64 ") or ends past the %" PRIu64
                        "-byte blob",
                        i, s->off, s->len, end, h->total_len);
        end = s->off + s->len;
    }

    if (h->ntypes < 1 || h->nlayouts < 1 || h->nfields < 1 || h->nenums < 1 ||
        h->nparams < 1 || h->strs_len < 1)
        return FAIL(v, 32,
                    "a table lacks its none record (types %" PRIu32 ", layouts %" PRIu32
                    ", fields %" PRIu32 ", enumerators %" PRIu32 ", params %" PRIu32
                    ", strings %" PRIu32 ")",
                    h->ntypes, h->nlayouts, h->nfields, h->nenums, h->nparams, h->strs_len);
    if (h->nbuckets && !tyr__is_pow2(h->nbuckets))
        return FAIL(v, 56, "%" PRIu32 " buckets: not a power of two", h->nbuckets);
    if (sect[TYR_SECT_WFIELDS].len / sizeof(struct tyr_rec_wide_field) >= h->nfields ||
        sect[TYR_SECT_WENUMS].len / sizeof(struct tyr_rec_wide_enum) >= h->nenums)
        return FAIL(v, h->fixed_len + (uint64_t)(sect[TYR_SECT_WENUMS].len /
                                                      sizeof(struct tyr_rec_wide_enum) >=
                                                  h->nenums
                                              ? TYR_SECT_WENUMS
                                              : TYR_SECT_WFIELDS) *
                                     sizeof(struct tyr_blob_sect) + 8,
                    "more escapes than fields (%" PRIu32 ") or enumerators (%" PRIu32 ")",
                    h->nfields - 1, h->nenums - 1);
    tyr__sect_lens(h, sect[TYR_SECT_SOURCE].len,
                   sect[TYR_SECT_WFIELDS].len / sizeof(struct tyr_rec_wide_field),
                   sect[TYR_SECT_WENUMS].len / sizeof(struct tyr_rec_wide_enum), want);
    for (i = 0; i < TYR_SECT_COUNT; i++)
        if (sect[i].len != want[i])
            return FAIL(v, h->fixed_len + (uint64_t)i * sizeof(struct tyr_blob_sect) + 8,
                        "section %u is %" PRIu64 " bytes; its count in the header implies %"
                        PRIu64,
                        i, sect[i].len, want[i]);
    memcpy(&v->g->h, h, sizeof *h);
    memcpy(v->g->sect, sect, sizeof v->g->sect);
    return 0;
}

/* Point v at the sections of a blob whose header g is checked. */
static void vctx_bind(struct vctx *v, const void *base, const struct tyr_blob_geom *g)
{
    const struct tyr_blob_header *h = &g->h;
    v->h = h;
    v->sect = g->sect;
    v->base = base;
#define SECT_PTR_(id) ((const void *)(v->base + v->sect[id].off))
    v->strs = SECT_PTR_(TYR_SECT_STRINGS);
    v->types = SECT_PTR_(TYR_SECT_TYPES);
    v->layouts = SECT_PTR_(TYR_SECT_LAYOUTS);
    v->fields = SECT_PTR_(TYR_SECT_FIELDS);
    v->enums = SECT_PTR_(TYR_SECT_ENUMS);
    v->params = SECT_PTR_(TYR_SECT_PARAMS);
    v->wfields = SECT_PTR_(TYR_SECT_WFIELDS);
    v->wenums = SECT_PTR_(TYR_SECT_WENUMS);
    v->nwfields = (uint32_t)(v->sect[TYR_SECT_WFIELDS].len / sizeof(struct tyr_rec_wide_field));
    v->nwenums = (uint32_t)(v->sect[TYR_SECT_WENUMS].len / sizeof(struct tyr_rec_wide_enum));
    v->starts = SECT_PTR_(TYR_SECT_STARTS);
    v->named = SECT_PTR_(TYR_SECT_NAMED);
#undef SECT_PTR_
}

/* The relocation table equals the one this format derives from lib/kinds.c, byte for byte:
 * a blob can never list fewer (or other) slots than its records hold. */
static int check_relocs(struct vctx *v)
{
    struct tyr_blob_reloc want[TYR_RELOC_MAX];
    uint32_t n = tyr__reloc_table(want);
    const unsigned char *have = v->base + v->sect[TYR_SECT_RELOCS].off;
    const unsigned char *w = (const unsigned char *)want;
    size_t nb = (size_t)n * sizeof want[0];
    if (memcmp(have, w, nb) != 0) {
        size_t i;
        for (i = 0; have[i] == w[i]; i++)
            ;
        return FAIL(v, v->sect[TYR_SECT_RELOCS].off + i,
                    "relocation table byte %zu is 0x%02x; format %u.%u has 0x%02x", i, have[i],
                    TYR_FORMAT_MAJOR, TYR_FORMAT_MINOR, w[i]);
    }
    return 0;
}

/* resolve() over verified lower ids: a typedef/qualifier's `b`, or the id itself. */
static inline uint32_t vresolve(const struct vctx *v, uint32_t id)
{
    const struct tyr_rec_type *r = &v->types[id];
    return (r->kind == TYR_KIND_TYPEDEF || tyr__is_qual_kind(r->kind)) ? r->b : id;
}

/* The size of a verified type record as stored (tyr__t_size over the blob's tables). */
static inline uint64_t vsize(const struct vctx *v, const struct tyr_rec_type *r)
{
    if (r->kind == TYR_KIND_INT || r->kind == TYR_KIND_FLOAT || r->kind == TYR_KIND_PTR)
        return r->b;
    return tyr__has_layout(r->kind) ? v->layouts[r->b].size : 0;
}

/* Rank of a verified record or array (0 for the kinds without one). */
static inline uint32_t vrank(const struct vctx *v, const struct tyr_rec_type *r)
{
    return tyr__kind(r->kind)->rank ? v->layouts[r->b].rank : 0;
}

/*
 * Per-kind facts pass 2 consults for every record, derived once per verification from the
 * per-kind table (lib/kinds.h) as masks and limits, so that the slot checks of every kind
 * are one expression of ands, ors and compares, without a branch each.
 */
struct kind_props {
    uint32_t bad;       /* all ones for VOID: only id 0 has that kind */
    uint32_t flags_bad; /* flag bits the kind may not carry (SEALED is allowed on all) */
    uint32_t aux_mask;  /* 0xffff: `aux` is an alignment (0 or a power of two); 0: a count */
    uint32_t a_max;     /* the largest `a` allowed: 0 when unused (or a target, see ref) */
    uint32_t ref;       /* all ones: `a` is a target id, below the record's own */
    uint32_t b_mask;    /* all ones: `b` is checked here: 0 when unused, the next layout */
    uint32_t layout;    /* 1: `b` is the next layout */
    uint32_t pad_;      /* to 32 bytes: a row is found by a shift */
};

static void kind_props_fill(struct kind_props kp[TYR_KIND_COUNT_])
{
    for (unsigned k = 0; k < TYR_KIND_COUNT_; k++) {
        const struct tyr_kind_row *row = &tyr__kind_rows[k];
        int value_a = k == TYR_KIND_INT || k == TYR_KIND_FLOAT; /* bits */
        int value_b = value_a || k == TYR_KIND_PTR;             /* size */
        int layout = row->b_space == TYR_SPACE_LAYOUT;
        kp[k].bad = k == TYR_KIND_VOID ? UINT32_MAX : 0;
        kp[k].flags_bad = 0xffu & ~(uint32_t)(row->flags | TYR_TF_SEALED);
        kp[k].aux_mask = k == TYR_KIND_FUNC_PROTO ? 0 : 0xffffu;
        kp[k].a_max = value_a || (row->a_space && !row->ref) ? UINT32_MAX : 0;
        kp[k].ref = row->ref ? UINT32_MAX : 0;
        kp[k].b_mask = layout || (!row->b_space && !value_b) ? UINT32_MAX : 0;
        kp[k].layout = (uint32_t)layout;
        kp[k].pad_ = 0;
    }
}

/* The precise form of the generic slot checks, run when the fast form suspects something:
 * names the first failure. Returns 0 when the suspicion was unfounded. */
V_COLD static int type_slots_fail(struct vctx *v, uint32_t i, uint32_t next_layout)
{
    const struct tyr_rec_type *t = &v->types[i];
    unsigned k = t->kind;
    uint64_t at = TPOS(v, i, 0);
    const struct tyr_kind_row *row;
    int value_a, value_b;

    if (k == TYR_KIND_VOID || k >= TYR_KIND_COUNT_)
        return FAIL(v, at, "type %" PRIu32 ": kind %u is not valid here", i, k);
    row = &tyr__kind_rows[k];
    value_a = k == TYR_KIND_INT || k == TYR_KIND_FLOAT;
    value_b = value_a || k == TYR_KIND_PTR;
    if (t->flags & ~(row->flags | TYR_TF_SEALED))
        return FAIL(v, at + 1, "type %" PRIu32 " (%s): flags 0x%x not valid for the kind", i,
                    tyr_kind_name((int)k), t->flags);
    if (k != TYR_KIND_FUNC_PROTO && (t->aux & (t->aux - 1)))
        return FAIL(v, at + 2, "type %" PRIu32 ": alignment %u is not a power of two", i,
                    t->aux);
    if (t->name >= v->h->strs_len)
        return FAIL(v, at + 4,
                    "type %" PRIu32 ": name offset %" PRIu32 " past the %" PRIu32
                    "-byte string table",
                    i, t->name, v->h->strs_len);
    if (row->ref && t->a >= i)
        return FAIL(v, at + 8, "type %" PRIu32 " (%s): target %" PRIu32 " is not a lower id",
                    i, tyr_kind_name((int)k), t->a);
    if (!row->a_space && !value_a && t->a)
        return FAIL(v, at + 8, "type %" PRIu32 " (%s): unused slot a holds %" PRIu32, i,
                    tyr_kind_name((int)k), t->a);
    if (!row->b_space && !value_b && t->b)
        return FAIL(v, at + 12, "type %" PRIu32 " (%s): unused slot b holds %" PRIu32, i,
                    tyr_kind_name((int)k), t->b);
    if (row->b_space == TYR_SPACE_LAYOUT && t->b != next_layout)
        return FAIL(v, at + 12,
                    "type %" PRIu32 " (%s): layout %" PRIu32 "; the next layout in type order"
                    " is %" PRIu32 " of %" PRIu32,
                    i, tyr_kind_name((int)k), t->b, next_layout, v->h->nlayouts);
    if (t->name && !v->strs[t->name])
        return FAIL(v, at + 4, "type %" PRIu32 ": name offset %" PRIu32 " names \"\"", i,
                    t->name);
    return 0;
}

/* The report of a counted tail (first, count) that check_range refused. */
V_COLD static int range_fail(struct vctx *v, uint32_t i, uint32_t first, uint32_t count, uint32_t n,
                      uint64_t sum, uint64_t at)
{
    if ((first == 0) != (count == 0) || (uint64_t)first + count > n)
        return FAIL(v, at,
                    "type %" PRIu32 " (%s): range [%" PRIu32 ", +%" PRIu32
                    ") outside its %" PRIu32 "-record table",
                    i, tyr_kind_name(v->types[i].kind), first, count, n);
    return FAIL(v, at,
                "type %" PRIu32 ": ranges so far hold %" PRIu64
                " records, more than the table's %" PRIu32,
                i, sum, n);
}

/* A counted tail (first, count) into a table of n records: first == 0 iff count == 0, and
 * first + count <= n; the counts into one table sum to at most n (linear work). Returns
 * nonzero when any of it fails (range_fail says which). */
static inline int range_bad(uint32_t first, uint32_t count, uint32_t n, uint64_t *sum)
{
    *sum += count;
    return ((first == 0) != (count == 0)) | ((uint64_t)first + count > n) | (*sum > n);
}

/* The kind's own rules of type i (the generic slot checks passed), which read only lower
 * ids: 0 or the failure. */
V_NOINLINE static int check_kind_rules(struct vctx *v, uint32_t i, const struct tyr_rec_type *t,
                            uint64_t sums[3])
{
    const unsigned k = t->kind;
    const struct tyr_rec_layout *L = &v->layouts[tyr__has_layout(k) ? t->b : 0];
    const uint64_t at = TPOS(v, i, 0);

    if (k == TYR_KIND_TYPEDEF || tyr__is_qual_kind((int)k)) {
        if (k == TYR_KIND_TYPEDEF && !t->name)
            return FAIL(v, at + 4, "typedef %" PRIu32 " has no name", i);
        if (t->b != vresolve(v, t->a))
            return FAIL(v, at + 12,
                        "%s %" PRIu32 ": resolved type %" PRIu32
                        ", the chain below resolves to %" PRIu32,
                        tyr_kind_name((int)k), i, t->b, vresolve(v, t->a));
        return 0;
    }
    switch (k) {
    case TYR_KIND_INT:
        if (!(t->b == 1 || t->b == 2 || t->b == 4 || t->b == 8 || t->b == 16) || t->a > 8 * t->b)
            return FAIL(v, at + 8,
                        "int %" PRIu32 ": size %" PRIu32 " / %" PRIu32 " bits is not an integer",
                        i, t->b, t->a);
        break;
    case TYR_KIND_FLOAT:
        if (!((t->b == 4 && t->a == 32) || (t->b == 8 && t->a == 64) ||
              (t->b == 16 && (t->a == 80 || t->a == 128))))
            return FAIL(v, at + 8,
                        "float %" PRIu32 ": size %" PRIu32 " / %" PRIu32 " bits is not a float",
                        i, t->b, t->a);
        break;
    case TYR_KIND_PTR:
        if ((t->flags & TYR_PTR_REF ? 1 : 0) + (t->flags & TYR_PTR_RVREF ? 1 : 0) +
                (t->flags & TYR_PTR_INVISIBLE ? 1 : 0) >
            1)
            return FAIL(v, at + 1, "pointer %" PRIu32 ": more than one sort of reference", i);
        if (t->b != v->h->pointer_size)
            return FAIL(v, at + 12,
                        "pointer %" PRIu32 ": size %" PRIu32
                        " is not the blob's pointer size %" PRIu32,
                        i, t->b, v->h->pointer_size);
        break;
    case TYR_KIND_ARRAY: {
        uint32_t e = vresolve(v, t->a);
        const struct tyr_rec_type *er = &v->types[e];
        uint64_t esize;
        if (t->flags & TYR_ARRAY_INCOMPLETE) {
            /* of a struct only declared when it was made: no size, no rank, no alignment
             * of its own, never held by value (tyr__holdable says so) */
            if ((t->flags & TYR_ARRAY_FLEX) || L->size || L->rank || t->aux ||
                !(tyr__is_record_kind(er->kind) ||
                  (er->kind == TYR_KIND_ARRAY && (er->flags & TYR_ARRAY_INCOMPLETE))))
                return FAIL(v, at + 1,
                            "incomplete array %" PRIu32 ": not of a struct or "
                            "incomplete array, or with a size, rank or alignment",
                            i);
            break;
        }
        if (tyr__holdable(er) != 0)
            return FAIL(v, at + 8,
                        "array %" PRIu32 ": element type %" PRIu32
                        " (%s) cannot be held by value",
                        i, e, tyr_kind_name(er->kind));
        esize = vsize(v, er);
        if (t->flags & TYR_ARRAY_FLEX) {
            if (L->count || L->size)
                return FAIL(v, LPOS(v, t->b, 0),
                            "flexible array %" PRIu32 " has count %" PRIu32 " and size %" PRIu64
                            ", not 0",
                            i, L->count, L->size);
        } else if ((L->count && esize > UINT64_MAX / L->count) ||
                   L->size != (uint64_t)L->count * esize) {
            return FAIL(v, LPOS(v, t->b, 0),
                        "array %" PRIu32 ": size %" PRIu64 " is not %" PRIu32 " x %" PRIu64
                        " (or that overflows)",
                        i, L->size, L->count, esize);
        }
        if (tyr__kind(er->kind)->rank && vrank(v, er) >= L->rank)
            return FAIL(v, LPOS(v, t->b, 12),
                        "array %" PRIu32 " (rank %" PRIu32 ") holds type %" PRIu32
                        " of rank %" PRIu32 ": a size cycle",
                        i, L->rank, e, vrank(v, er));
        break;
    }
    case TYR_KIND_STRUCT:
    case TYR_KIND_UNION:
        if ((t->flags & TYR_STRUCT_DECL) && (L->size || L->count))
            return FAIL(v, LPOS(v, t->b, 0),
                        "declared %s %" PRIu32 " has size %" PRIu64 " and %" PRIu32 " members",
                        tyr_kind_name((int)k), i, L->size, L->count);
        if (range_bad(t->a, L->count, v->h->nfields, &sums[0]))
            return range_fail(v, i, t->a, L->count, v->h->nfields, sums[0], at + 8);
        break;
    case TYR_KIND_ENUM:
        if (!(L->size == 1 || L->size == 2 || L->size == 4 || L->size == 8) || L->rank)
            return FAIL(v, LPOS(v, t->b, 0),
                        "enum %" PRIu32 ": size %" PRIu64 " not 1, 2, 4 or 8, or a rank", i,
                        L->size);
        if (range_bad(t->a, L->count, v->h->nenums, &sums[1]))
            return range_fail(v, i, t->a, L->count, v->h->nenums, sums[1], at + 8);
        break;
    case TYR_KIND_FUNC_PROTO:
        if (range_bad(t->b, t->aux, v->h->nparams, &sums[2]))
            return range_fail(v, i, t->b, t->aux, v->h->nparams, sums[2], at + 12);
        break;
    case TYR_KIND_FUNC:
        if (!t->name)
            return FAIL(v, at + 4, "function %" PRIu32 " has no name", i);
        if (t->a == 0 || v->types[t->a].kind != TYR_KIND_FUNC_PROTO)
            return FAIL(v, at + 8, "function %" PRIu32 ": %" PRIu32 " is not a prototype", i,
                        t->a);
        break;
    case TYR_KIND_UNKNOWN:
        if (L->count || L->rank)
            return FAIL(v, LPOS(v, t->b, 8), "unknown type %" PRIu32 ": count or rank not 0", i);
        break;
    default:
        break;
    }
    return 0;
}

/* Pass 2: every type record, in id order. The commonest kinds (functions, prototypes,
 * pointers, qualifiers: two thirds of a C program's types) are checked inline with one
 * branch each that a valid blob never takes; the others call check_kind_rules. */
static int check_types(struct vctx *v)
{
    struct kind_props kps[TYR_KIND_COUNT_];
    uint64_t sums[3] = {0, 0, 0}; /* fields, enumerators, params held by ranges so far */
    const struct tyr_rec_type *const types = v->types;
    const char *const strs = v->strs;
    const uint32_t ns = v->h->strs_len, nlayouts = v->h->nlayouts, nparams = v->h->nparams;
    const uint32_t psize = v->h->pointer_size, ntypes = v->h->ntypes;
    uint32_t next_layout = 1, named = 0;
    int err;

    kind_props_fill(kps);
    if (!is_zero(&types[0], sizeof types[0]))
        return FAIL(v, TPOS(v, 0, 0), "type 0 (void) is not all zero");
    if (!is_zero(&v->layouts[0], sizeof v->layouts[0]))
        return FAIL(v, LPOS(v, 0, 0), "layout record 0 is not all zero");

    for (uint32_t i = 1; i < ntypes; i++) {
        const struct tyr_rec_type *t = &types[i];
        const unsigned k = t->kind;
        const uint32_t name = t->name, a = t->a, b = t->b, aux = t->aux;
        /* Functions and anonymous prototypes (two thirds of a C program's types): every
         * rule of the kind in one test. When it fails, the general path below runs and
         * reports the first failure in the usual order. */
        if (k == TYR_KIND_FUNC) {
            if (((t->flags & ~TYR_TF_SEALED) | aux | b) == 0 && name - 1 < ns - 1 &&
                a - 1 < i - 1 && strs[name] && types[a].kind == TYR_KIND_FUNC_PROTO) {
                named++;
                continue;
            }
        } else if (k == TYR_KIND_FUNC_PROTO && name == 0 && a < i &&
                   (t->flags & ~(TYR_FUNC_VARARGS | TYR_TF_SEALED)) == 0) {
            if (range_bad(b, aux, nparams, &sums[2]))
                return range_fail(v, i, b, aux, nparams, sums[2], TPOS(v, i, 12));
            continue;
        }
        /* the slot checks of every kind at once, without a branch each; a name, if any, is
         * not "" (a writer interns "" as offset 0): "named" means one thing to the index,
         * the typedef and function rules, and a rewrite of the blob */
        const struct kind_props *kp = &kps[k & (TYR_KIND_COUNT_ - 1)];
        const uint32_t a_max = kp->a_max | ((i - 1) & kp->ref);
        uint32_t bad = kp->bad | (k >> 4) | (t->flags & kp->flags_bad) |
                       ((aux & (aux - 1)) & kp->aux_mask) | (uint32_t)(name >= ns) |
                       (uint32_t)(a > a_max) |
                       ((b ^ (next_layout & (0u - kp->layout))) & kp->b_mask);
        if (bad || (name && !strs[name])) {
            if ((err = type_slots_fail(v, i, next_layout)))
                return err;
        }
        named += name != 0;
        if (kp->layout) {
            /* b == next_layout, proved above; the layouts must not run out */
            if (next_layout >= nlayouts)
                return FAIL(v, TPOS(v, i, 12),
                            "type %" PRIu32 " (%s): layout %" PRIu32 " past the %" PRIu32
                            " layout records",
                            i, tyr_kind_name((int)k), b, nlayouts);
            next_layout++;
        }
        switch (k) {
        case TYR_KIND_FUNC:
            if (!name || types[a].kind != TYR_KIND_FUNC_PROTO) /* a < i: verified */
                break;
            continue;
        case TYR_KIND_FUNC_PROTO:
            if (range_bad(b, aux, nparams, &sums[2]))
                return range_fail(v, i, b, aux, nparams, sums[2], TPOS(v, i, 12));
            continue;
        case TYR_KIND_PTR: {
            const unsigned refs = t->flags & (TYR_PTR_REF | TYR_PTR_RVREF | TYR_PTR_INVISIBLE);
            if (b != psize || (refs & (refs - 1)) != 0)
                break;
            continue;
        }
        default:
            /* a typedef or qualifier: named if a typedef, its resolved type as below */
            if ((k == TYR_KIND_TYPEDEF || tyr__is_qual_kind((int)k)) &&
                (name || k != TYR_KIND_TYPEDEF) && b == vresolve(v, a))
                continue;
            break;
        }
        if ((err = check_kind_rules(v, i, t, sums)))
            return err;
    }
    if (next_layout != v->h->nlayouts)
        return FAIL(v, LPOS(v, next_layout, 0),
                    "layout records %" PRIu32 " to %" PRIu32 " belong to no type", next_layout,
                    v->h->nlayouts - 1);
    v->named_types = named;
    return 0;
}

/* Pass 3: fields, enumerators, params, each record on its own (every record is checked,
 * also those no range owns: a full write keeps stale copies). Branch-light: one test per
 * record, the precise report only on failure. */
static int check_tail_tables(struct vctx *v)
{
    const uint32_t nt = v->h->ntypes, ns = v->h->strs_len;
    uint32_t i;

    if (!is_zero(&v->fields[0], sizeof v->fields[0]))
        return FAIL(v, FPOS(v, 0, 0), "field record 0 is not all zero");
    const uint32_t nfields = v->h->nfields;
    uint32_t nwide = 0;
    for (i = 1; i < nfields; i++) {
        const struct tyr_rec_field *f = &v->fields[i];
        const uint32_t pos = f->pos, form = (pos >> TYR_FPOS_FORM_SHIFT) & 3u,
                       fl = pos & TYR_FPOS_FLAGS;
        /* a WIDE word holds its flags and nothing else; the forms past it are refused */
        const uint32_t wide =
            (pos | TYR_FPOS_FLAGS) == (TYR_FPOS_WIDE << TYR_FPOS_FORM_SHIFT | TYR_FPOS_FLAGS);
        nwide += wide;
        /* flags are rare (C++ bases): their rules are looked at only when some are set; a
         * WIDE field's place is checked with its entry, below */
        if ((f->name >= ns) | (f->type >= nt) | ((form >= TYR_FPOS_WIDE) & !wide) |
            (fl != 0 && (((fl & TYR_FIELD_VIRTUAL) && !(fl & TYR_FIELD_BASE)) |
                         ((fl & TYR_FIELD_BASE) && (f->name || form == TYR_FPOS_BITFIELD)) |
                         ((fl & TYR_FIELD_VIRTUAL) && form == TYR_FPOS_PLAIN && pos >> 4)))) {
            if (f->name >= ns || f->type >= nt)
                return FAIL(v, FPOS(v, i, f->name >= ns ? 0 : 4),
                            "field record %" PRIu32 ": name %" PRIu32 " or type %" PRIu32
                            " out of range",
                            i, f->name, f->type);
            if (form == 3u || form == TYR_FPOS_WIDE)
                return FAIL(v, FPOS(v, i, 8),
                            "field record %" PRIu32 ": place 0x%08" PRIx32
                            " is of no form (a wide one holds only its flags)",
                            i, pos);
            return FAIL(v, FPOS(v, i, 8),
                        "field record %" PRIu32 ": flags 0x%x invalid (a base is an unnamed"
                        " non-bitfield; a virtual one at 0)",
                        i, fl);
        }
    }
    /* the escapes: one per WIDE field, in increasing field order, so each has exactly one */
    if (v->nwfields != nwide)
        return FAIL(v, v->h->fixed_len + TYR_SECT_WFIELDS * sizeof(struct tyr_blob_sect) + 8,
                    "%" PRIu32 " wide-field entries for %" PRIu32 " wide field records",
                    v->nwfields, nwide);
    for (uint32_t k = 0, prev = 0; k < v->nwfields; k++) {
        const struct tyr_rec_wide_field *w = &v->wfields[k];
        const uint32_t fi = w->field;
        const uint32_t fpos = fi < nfields ? v->fields[fi].pos : 0;
        const uint32_t fl = fpos & TYR_FPOS_FLAGS;
        if (fi <= prev || fi >= nfields ||
            ((fpos >> TYR_FPOS_FORM_SHIFT) & 3u) != TYR_FPOS_WIDE)
            return FAIL(v, WFPOS(v, k, 0),
                        "wide-field entry %" PRIu32 " names field %" PRIu32
                        ": out of range, out of order or not a wide field",
                        k, fi);
        if (w->zero || (w->bit_size == 0 && w->bit_offset) ||
            ((fl & TYR_FIELD_BASE) && w->bit_size) || ((fl & TYR_FIELD_VIRTUAL) && w->offset))
            return FAIL(v, WFPOS(v, k, 4),
                        "wide-field entry %" PRIu32 " (field %" PRIu32 "): bit offset %u,"
                        " width %u, offset %" PRIu64 " invalid for its flags 0x%x",
                        k, fi, w->bit_offset, w->bit_size, w->offset, fl);
        prev = fi;
    }
    if (!is_zero(&v->enums[0], sizeof v->enums[0]))
        return FAIL(v, EPOS(v, 0, 0), "enumerator record 0 is not all zero");
    for (i = 1; i < v->h->nenums; i++)
        if (v->enums[i].name >= ns)
            return FAIL(v, EPOS(v, i, 0), "enumerator %" PRIu32 ": name %" PRIu32
                        " out of range", i, v->enums[i].name);
    for (uint32_t k = 0, prev = 0; k < v->nwenums; k++) {
        const struct tyr_rec_wide_enum *w = &v->wenums[k];
        const uint32_t ei = w->enumerator;
        if (ei <= prev || ei >= v->h->nenums ||
            w->hi == (uint32_t)((int32_t)v->enums[ei].value < 0 ? UINT32_MAX : 0))
            return FAIL(v, WEPOS(v, k, 0),
                        "wide-enumerator entry %" PRIu32 " names enumerator %" PRIu32
                        ": out of range, out of order, or its high half is the sign extension",
                        k, ei);
        prev = ei;
    }
    if (!is_zero(&v->params[0], sizeof v->params[0]))
        return FAIL(v, PPOS(v, 0, 0), "param record 0 is not all zero");
    const uint32_t nparams = v->h->nparams;
    const struct tyr_rec_type *const types = v->types;
    for (i = 1; i < nparams; i++) {
        const struct tyr_rec_param *p = &v->params[i];
        /* not void, through its chain: pass 2 proved that a typedef's or qualifier's `b` is
         * what its chain resolves to, so one record tells. Every record, owned or stale:
         * the builders never take a void parameter, so no writer leaves one behind. An
         * out-of-range type reads type 0 here and is reported as out of range. */
        const struct tyr_rec_type *r = &types[p->type < nt ? p->type : 0];
        const int chain = r->kind == TYR_KIND_TYPEDEF || tyr__is_qual_kind(r->kind);
        if ((p->name >= ns) | (p->type >= nt) | (r->kind == TYR_KIND_VOID) | (chain & !r->b)) {
            if ((p->name >= ns) | (p->type >= nt))
                return FAIL(v, PPOS(v, i, p->name >= ns ? 0 : 4),
                            "param %" PRIu32 ": name %" PRIu32 " or type %" PRIu32
                            " out of range",
                            i, p->name, p->type);
            return FAIL(v, PPOS(v, i, 4), "param %" PRIu32 ": type %" PRIu32 " is void", i,
                        p->type);
        }
    }
    return 0;
}

/* The member rules for member j of record i (layout L), each failure named: 0 when all
 * hold. The member loop calls it for bitfields, bases and whatever its one test doubts. */
V_NOINLINE static int member_check(struct vctx *v, uint32_t i, const struct tyr_rec_type *t,
                                   const struct tyr_rec_layout *L, uint32_t j)
{
    const uint64_t S = L->size;
    uint32_t fi = t->a + j;
    const struct tyr_rec_field *f = &v->fields[fi];
    uint32_t rt = vresolve(v, f->type);
    const struct tyr_rec_type *r = &v->types[rt];
    const struct tyr_field_pos p = tyr__field_pos_decode(f->pos, v->wfields, v->nwfields, fi);
    uint64_t off = p.offset, rsize;
    if (tyr__holdable(r) != 0)
        return FAIL(v, FPOS(v, fi, 4),
                    "member %" PRIu32 " of %s %" PRIu32 ": type %" PRIu32
                    " (%s) cannot be held by value",
                    j, tyr_kind_name(t->kind), i, rt, tyr_kind_name(r->kind));
    if ((p.flags & TYR_FIELD_BASE) && r->kind != TYR_KIND_STRUCT)
        return FAIL(v, FPOS(v, fi, 4),
                    "base member %" PRIu32 " of %" PRIu32 " is not a struct", j, i);
    rsize = vsize(v, r);
    if (p.bit_size) {
        uint64_t room;
        if (r->kind != TYR_KIND_INT && r->kind != TYR_KIND_ENUM)
            return FAIL(v, FPOS(v, fi, 4),
                        "bitfield member %" PRIu32 " of %" PRIu32
                        " is not an integer or enum",
                        j, i);
        if ((uint64_t)p.bit_offset + p.bit_size > 8 * rsize)
            return FAIL(v, FPOS(v, fi, 8),
                        "bitfield member %" PRIu32 " of %" PRIu32
                        " overruns its %" PRIu64 "-byte unit",
                        j, i, rsize);
        if (off > S)
            return FAIL(v, FPOS(v, fi, 8),
                        "member %" PRIu32 " of %" PRIu32
                        " starts past the record's %" PRIu64 " bytes",
                        j, i, S);
        room = S - off;
        if (room < (UINT64_C(1) << 60) &&
            (uint64_t)p.bit_offset + p.bit_size > 8 * room)
            return FAIL(v, FPOS(v, fi, 8),
                        "bitfield member %" PRIu32 " of %" PRIu32
                        " ends past the record's %" PRIu64 " bytes",
                        j, i, S);
    } else if (rsize > S || off > S - rsize) {
        return FAIL(v, FPOS(v, fi, 8),
                    "member %" PRIu32 " of %s %" PRIu32 " [%" PRIu64 ", +%" PRIu64
                    ") ends past its %" PRIu64 " bytes",
                    j, tyr_kind_name(t->kind), i, off, rsize, S);
    }
    if (tyr__kind(r->kind)->rank && vrank(v, r) >= L->rank)
        return FAIL(v, LPOS(v, t->b, 12),
                    "%s %" PRIu32 " (rank %" PRIu32 ") holds type %" PRIu32
                    " of rank %" PRIu32 " by value: a size cycle",
                    tyr_kind_name(t->kind), i, L->rank, rt, vrank(v, r));
    return 0;
}

/* What the member loop's one test needs of a member's resolved type, per kind. */
struct member_props {
    uint32_t never;       /* 1: never held by value (void, a function, a prototype) */
    uint32_t incomplete;  /* the flag that makes it incomplete (DECL, INCOMPLETE), or 0 */
    uint32_t size_in_b;   /* 1: the size is `b` (INT, FLOAT, PTR); else the layout's */
    uint32_t layout_mask; /* all ones: `b` is its layout */
    uint32_t ranked;      /* 1: a record or array, whose rank must be below the holder's */
};

static void member_props_fill(struct member_props mp[TYR_KIND_COUNT_])
{
    for (unsigned k = 0; k < TYR_KIND_COUNT_; k++) {
        mp[k].never = k == TYR_KIND_VOID || k == TYR_KIND_FUNC || k == TYR_KIND_FUNC_PROTO;
        mp[k].incomplete = tyr__is_record_kind((int)k) ? TYR_STRUCT_DECL
                           : k == TYR_KIND_ARRAY       ? TYR_ARRAY_INCOMPLETE
                                                       : 0;
        mp[k].size_in_b = k == TYR_KIND_INT || k == TYR_KIND_FLOAT || k == TYR_KIND_PTR;
        mp[k].layout_mask = tyr__has_layout(k) ? UINT32_MAX : 0;
        mp[k].ranked = tyr__kind_rows[k].rank;
    }
}

/* Pass 4: members inside their record, held types complete and of lower rank. */
static int check_members(struct vctx *v)
{
    const struct tyr_rec_type *const types = v->types;
    const struct tyr_rec_layout *const layouts = v->layouts;
    const uint32_t ntypes = v->h->ntypes;
    struct member_props mps[TYR_KIND_COUNT_];

    member_props_fill(mps);
    for (uint32_t i = 1; i < ntypes; i++) {
        const struct tyr_rec_type *t = &types[i];
        if (!tyr__is_record_kind(t->kind))
            continue;
        const struct tyr_rec_layout *L = &v->layouts[t->b];
        const uint64_t S = L->size;
        const uint32_t rank = L->rank;
        const struct tyr_rec_field *f = &v->fields[t->a];
        for (uint32_t j = 0; j < L->count; j++) {
            /* an ordinary member, in one test; the rest by member_check */
            const struct tyr_rec_type *r = &types[vresolve(v, f[j].type)];
            const struct member_props *m = &mps[r->kind & (TYR_KIND_COUNT_ - 1)];
            const struct tyr_rec_layout *Lr = &layouts[r->b & m->layout_mask];
            /* a PLAIN field without flags has pos = offset << 4; anything else goes to
             * member_check */
            const uint32_t pos = f[j].pos;
            const uint64_t rsize = m->size_in_b ? r->b : Lr->size, off = pos >> 4;
            if ((m->never | (r->flags & m->incomplete) | (pos & 15u)) ||
                rsize > S || off > S - rsize || (m->ranked && Lr->rank >= rank)) {
                int err = member_check(v, i, t, L, j);
                if (err)
                    return err;
            }
        }
    }
    return 0;
}

/* Pass 5: the name index is safe to walk: STARTS rises from 0 to nnamed, every NAMED id is
 * a named type. */
static int check_index(struct vctx *v)
{
    const uint32_t *s = v->starts, *n = v->named;
    uint32_t b, bad = 0;

    if (s[0] != 0 || s[v->h->nbuckets] != v->h->nnamed)
        return FAIL(v, pos_of(v, TYR_SECT_STARTS, s[0] != 0 ? 0 : v->h->nbuckets, 4u, 0),
                    "name index starts at %" PRIu32 " and ends at %" PRIu32
                    "; it must run from 0 to the %" PRIu32 " named entries",
                    s[0], s[v->h->nbuckets], v->h->nnamed);
    for (b = 0; b < v->h->nbuckets; b++)
        bad |= s[b + 1] < s[b];
    if (bad)
        for (b = 0; b < v->h->nbuckets; b++)
            if (s[b + 1] < s[b])
                return FAIL(v, pos_of(v, TYR_SECT_STARTS, b + 1, 4u, 0),
                            "name index bucket %" PRIu32 " starts at %" PRIu32
                            ", before the bucket before it (%" PRIu32 ")",
                            b + 1, s[b + 1], s[b]);
    const uint32_t nnamed = v->h->nnamed, ntypes = v->h->ntypes;
    const struct tyr_rec_type *const types = v->types;
    for (uint32_t j = 0; j < nnamed; j++) {
        uint32_t id = n[j];
        if (id >= ntypes || types[id].name == 0)
            return FAIL(v, pos_of(v, TYR_SECT_NAMED, j, 4u, 0),
                        "name index entry %" PRIu32 " is type %" PRIu32
                        ", out of range or unnamed",
                        j, id);
    }
    return 0;
}

/* Audit: every entry in the bucket its name hashes to, increasing within its bucket, and
 * as many entries as named types. With the safe checks (every entry a named type) that is
 * completeness: nnamed distinct named ids, so every named type once. */
static int check_index_audit(struct vctx *v)
{
    const uint32_t *s = v->starts, *n = v->named;
    const uint32_t mask = v->h->nbuckets - 1;

    if (v->named_types != v->h->nnamed)
        return FAIL(v, 60, "the name index has %" PRIu32 " entries; %" PRIu32 " types are named",
                    v->h->nnamed, v->named_types);
    for (uint32_t b = 0; b < v->h->nbuckets; b++)
        for (uint32_t j = s[b]; j < s[b + 1]; j++) {
            uint32_t id = n[j];
            uint32_t h = tyr__name_hash(v->strs + v->types[id].name);
            if ((h & mask) != b)
                return FAIL(v, pos_of(v, TYR_SECT_NAMED, j, 4u, 0),
                            "type %" PRIu32 " is in bucket %" PRIu32
                            " but its name hashes to bucket %" PRIu32,
                            id, b, h & mask);
            if (j > s[b] && n[j - 1] >= id)
                return FAIL(v, pos_of(v, TYR_SECT_NAMED, j, 4u, 0),
                            "bucket %" PRIu32 ": type %" PRIu32 " follows %" PRIu32
                            " (ids increase within a bucket)",
                            b, id, n[j - 1]);
        }
    return 0;
}

int tyr__blob_check_head(const void *base, size_t len, const void *head, size_t head_len,
                         struct tyr_blob_geom *g, tyr_diag *diag)
{
    struct vctx v;
    memset(&v, 0, sizeof v);
    v.diag = diag;
    v.g = g;
    if (!base || !head)
        return tyr_diag_set(diag, TYR_EINVAL, 0, "no buffer");
    return check_header(&v, base, len, head, head_len);
}

int tyr__blob_check_source(const void *src, const struct tyr_blob_geom *g, tyr_diag *diag)
{
    struct vctx v;
    memset(&v, 0, sizeof v);
    v.diag = diag;
    return check_source(&v, src, g->sect[TYR_SECT_SOURCE].len,
                        g->h.fixed_len + (uint64_t)TYR_SECT_SOURCE * sizeof(struct tyr_blob_sect));
}

int tyr__blob_check_body(const void *base, const struct tyr_blob_geom *g,
                         enum tyr_check_level level, tyr_diag *diag)
{
    struct vctx v;
    int err;

    if (level == TYR_CHECK_HEADER)
        return 0;
    memset(&v, 0, sizeof v);
    v.diag = diag;
    vctx_bind(&v, base, g);
    if (level >= TYR_CHECK_AUDIT) {
        uint64_t hdr_len = (uint64_t)v.h->fixed_len + (uint64_t)v.h->nsect * sizeof(struct tyr_blob_sect);
        if (XXH3_64bits(v.base + hdr_len, (size_t)(v.h->total_len - hdr_len)) != v.h->checksum)
            return FAIL(&v, 24, "checksum of bytes [%" PRIu64 ", %" PRIu64 ") does not match",
                        hdr_len, v.h->total_len);
    }
    if (v.strs[0] != '\0' || v.strs[v.h->strs_len - 1] != '\0')
        return FAIL(&v, v.sect[TYR_SECT_STRINGS].off + (v.strs[0] ? 0 : v.h->strs_len - 1),
                    "string table does not start and end with NUL");
    if ((err = check_relocs(&v)) || (err = check_types(&v)) || (err = check_tail_tables(&v)) ||
        (err = check_members(&v)) || (err = check_index(&v)))
        return err;
    if (level >= TYR_CHECK_AUDIT)
        return check_index_audit(&v);
    return 0;
}

int tyr__blob_check(const void *buf, size_t len, enum tyr_check_level level, tyr_diag *diag)
{
    struct tyr_blob_geom g;
    int err = tyr__blob_check_head(buf, len, buf, len, &g, diag);
    if (err)
        return err; /* never 1: the whole blob was given as its head */
    if ((err = tyr__blob_check_source((const unsigned char *)buf + g.sect[TYR_SECT_SOURCE].off,
                                      &g, diag)))
        return err;
    return tyr__blob_check_body(buf, &g, level, diag);
}

void tyr__blob_attach(tyr_registry *reg, const void *base, const struct tyr_blob_geom *g,
                      const char *src)
{
    const unsigned char *b = base;
    const struct tyr_blob_header *h = &g->h;
    const struct tyr_blob_sect *s = g->sect;

    reg->mode = TYR_MODE_MAPPED;
    reg->pointer_size = h->pointer_size;
    /* The registry's table pointers are not const (they are heap arrays in building mode);
     * a mapped registry never writes through them: builders refuse TYR_MODE_MAPPED. */
    reg->strs = (char *)(uintptr_t)(b + s[TYR_SECT_STRINGS].off);
    reg->strs_len = h->strs_len;
    reg->types = (struct tyr_rec_type *)(uintptr_t)(b + s[TYR_SECT_TYPES].off);
    reg->ntypes = h->ntypes;
    reg->layouts = (struct tyr_rec_layout *)(uintptr_t)(b + s[TYR_SECT_LAYOUTS].off);
    reg->nlayouts = h->nlayouts;
    reg->fields = (struct tyr_rec_field *)(uintptr_t)(b + s[TYR_SECT_FIELDS].off);
    reg->nfields = h->nfields;
    reg->enums = (struct tyr_rec_enumerator *)(uintptr_t)(b + s[TYR_SECT_ENUMS].off);
    reg->nenums = h->nenums;
    reg->wfields = (struct tyr_rec_wide_field *)(uintptr_t)(b + s[TYR_SECT_WFIELDS].off);
    reg->nwfields = (uint32_t)(s[TYR_SECT_WFIELDS].len / sizeof(struct tyr_rec_wide_field));
    reg->wenums = (struct tyr_rec_wide_enum *)(uintptr_t)(b + s[TYR_SECT_WENUMS].off);
    reg->nwenums = (uint32_t)(s[TYR_SECT_WENUMS].len / sizeof(struct tyr_rec_wide_enum));
    reg->params = (struct tyr_rec_param *)(uintptr_t)(b + s[TYR_SECT_PARAMS].off);
    reg->nparams = h->nparams;
    reg->starts = (const uint32_t *)(const void *)(b + s[TYR_SECT_STARTS].off);
    reg->named = (const uint32_t *)(const void *)(b + s[TYR_SECT_NAMED].off);
    reg->nbuckets = h->nbuckets;
    reg->nnamed = h->nnamed;
    reg->buckets = reg->chain = reg->name_hash = NULL;
    reg->cap_types = reg->cap_layouts = reg->cap_fields = reg->cap_enums = reg->cap_params =
        reg->cap_strs = reg->cap_wfields = reg->cap_wenums = 0;
    if (s[TYR_SECT_SOURCE].len) {
        reg->src = (char *)(uintptr_t)src;
        reg->src_len = (uint32_t)s[TYR_SECT_SOURCE].len;
    }
    reg->intern = NULL;
    reg->intern_cap = reg->intern_used = 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * The blob verifier: everything a reader may assume about a blob is checked here, once,
 * before the first query (docs/format.md, "What the verifier checks").
 *
 * Shape: header and section table (O(1)); checksum; then a fixed number of sequential passes over the tables, no
 * recursion, O(1) memory:
 *   A. types in id order: kind, flags, sizes, ranges, ref < id, typedef/qualifier `first`,
 *      array elements (they have lower ids, so they are already verified), the name hash,
 *      the relocation mask byte each record implies, and for a type heading its bucket the
 *      walk of that bucket's chain (every id on it is lower: already verified);
 *   then fields, enumerators, params, buckets, chain, each with its relocation mask bytes,
 *   and the name index counts (every head found, every named type reached);
 *   C. types again: every member of every struct and every parameter of every prototype
 *      (a member may name a higher id, verified by pass A by now).
 * Each check names the blob byte offset of the slot that failed.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <xxhash.h>

#include "blob_format.h"
#include "internal.h"

static int is_zero(const void *p, size_t n)
{
    const unsigned char *c = p;
    size_t i;
    for (i = 0; i < n; i++)
        if (c[i])
            return 0;
    return 1;
}

static int is_pow2(uint64_t v)
{
    return v && !(v & (v - 1));
}

/* The state of one verification. */
struct vctx {
    const unsigned char *base;
    tyr_diag *diag;
    const struct tyr_blob_header *h;
    const struct tyr_blob_sect *sect;
    const char *strs;
    const struct tyr_rec_type *types;
    const struct tyr_rec_field *fields;
    const struct tyr_rec_enumerator *enums;
    const struct tyr_rec_param *params;
    const uint32_t *buckets;
    const uint32_t *chain;
    const uint32_t *hashes;
    const unsigned char *mask[TYR_SECT_COUNT]; /* relocation mask bytes of sections 1-6 */
    uint64_t mask_off[TYR_SECT_COUNT];         /* their blob offsets */
    uint32_t ntypes, nfields, nenums, nparams, strs_len, nbuckets, nrelocs;
    uint64_t nslots; /* set bits of the masks checked so far */
    uint64_t heads;   /* pass A: named types found at the head of the bucket they hash to */
    uint64_t reached; /* pass A: named types reached from those heads (heads included) */
    uint64_t nonempty; /* index tables: buckets with a head */
};

static uint64_t pos_of(const struct vctx *v, unsigned sect, uint64_t index, size_t entsize,
                       unsigned byte)
{
    return v->sect[sect].off + index * entsize + byte;
}
#define TPOS(v, i, byte) pos_of((v), TYR_SECT_TYPES, (i), sizeof(struct tyr_rec_type), (byte))
#define FPOS(v, i, byte) pos_of((v), TYR_SECT_FIELDS, (i), sizeof(struct tyr_rec_field), (byte))

#define FAIL(v, off, ...) tyr_diag_set((v)->diag, TYR_ECORRUPT, (off), __VA_ARGS__)

/* Handle slots a mask byte lists (bits 0-5: no record has more than six slots; the caller
 * passes a mask it derived, never a byte from the blob). */
static inline uint32_t mask_bits(uint32_t m)
{
    static const unsigned char pop[64] = {
        0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, /* 0x00 */
        1, 2, 2, 3, 2, 3, 3, 4, 2, 3, 3, 4, 3, 4, 4, 5, /* 0x10 */
        1, 2, 2, 3, 2, 3, 3, 4, 2, 3, 3, 4, 3, 4, 4, 5, /* 0x20 */
        2, 3, 3, 4, 3, 4, 4, 5, 3, 4, 4, 5, 4, 5, 5, 6, /* 0x30 */
    };
    return pop[m & 63u];
}

/* Record index of a section disagrees with its relocation mask byte (the cold path). */
static int mask_mismatch(struct vctx *v, unsigned sect, uint32_t index, unsigned want)
{
    return FAIL(v, v->mask_off[sect] + index,
                "relocation mask of section %u record %" PRIu32 " is 0x%02x; the record's"
                " handle slots imply 0x%02x",
                sect, index, v->mask[sect][index], want);
}

/* The record's mask byte must list exactly the slots that hold a handle (the hot path). */
static inline int expect_mask(struct vctx *v, unsigned sect, uint32_t index, unsigned want)
{
    if (v->mask[sect][index] != want)
        return mask_mismatch(v, sect, index, want);
    v->nslots += mask_bits(want);
    return 0;
}

/* The source section (1.1): "path\0build-id\0" exactly, the path at most
 * TYR_SOURCE_PATH_MAX bytes, the build-id an even count of lowercase hex digits. Checked with
 * the header (it is small and bounded), so even a trusted open never hands out a string
 * without its NUL. */
static int check_source(struct vctx *v, const unsigned char *p, uint64_t len, uint64_t at)
{
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

/* Header and section table: O(1) whatever the blob holds. */
static int check_header(struct vctx *v, const void *buf, size_t len)
{
    const struct tyr_blob_header *h = buf;
    uint64_t hdr_len, end, want[TYR_SECT_COUNT];
    unsigned i;

    if ((uintptr_t)buf % 8 != 0)
        return tyr_diag_set(v->diag, TYR_EALIGN, 0, "blob at %p is not 8-byte aligned", buf);
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
    if (h->major != TYR_FORMAT_MAJOR)
        return tyr_diag_set(v->diag, TYR_EVERSION, 5,
                         "format %u.%u; this reader knows major %u only", h->major, h->minor,
                         TYR_FORMAT_MAJOR);
    if (h->pointer_size != 4 && h->pointer_size != 8)
        return FAIL(v, 7, "pointer size %u is neither 4 nor 8", h->pointer_size);
    if (h->flags & ~(uint32_t)TYR_BLOB_F_KNOWN_)
        return FAIL(v, 8, "unknown header flags 0x%" PRIx32, h->flags & ~(uint32_t)TYR_BLOB_F_KNOWN_);
    /* 1.0 lists 9 sections, 1.1 ten (the source); a newer minor at least that many. */
    if (h->fixed_len < sizeof *h || h->fixed_len % 8 != 0 ||
        h->nsect < (h->minor >= 1 ? TYR_SECT_COUNT_1_1 : TYR_SECT_COUNT) ||
        (h->minor <= TYR_FORMAT_MINOR &&
         (h->fixed_len != sizeof *h ||
          h->nsect != (h->minor >= 1 ? TYR_SECT_COUNT_1_1 : TYR_SECT_COUNT))))
        return FAIL(v, 12, "header length %u with %u sections is not valid for format %u.%u",
                    h->fixed_len, h->nsect, h->major, h->minor);
    if (h->reserved != 0)
        return FAIL(v, 60, "reserved header word is 0x%" PRIx32 ", not 0", h->reserved);
    hdr_len = (uint64_t)h->fixed_len + (uint64_t)h->nsect * sizeof(struct tyr_blob_sect);
    if (h->total_len < hdr_len || h->total_len % 8 != 0)
        return FAIL(v, 16, "total length %" PRIu64 " is below the %" PRIu64
                           "-byte header or not a multiple of 8",
                    h->total_len, hdr_len);
    if (h->total_len > len)
        return tyr_diag_set(v->diag, TYR_ETRUNC, 16,
                         "blob says %" PRIu64 " bytes; only %zu are there", h->total_len, len);

    v->sect = (const struct tyr_blob_sect *)(const void *)((const unsigned char *)buf +
                                                            h->fixed_len);
    end = hdr_len;
    for (i = 0; i < h->nsect; i++) {
        const struct tyr_blob_sect *s = &v->sect[i];
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

    if (h->ntypes < 1 || h->nfields < 1 || h->nenums < 1 || h->nparams < 1 || h->strs_len < 1)
        return FAIL(v, 32, "a table lacks its none record (types %" PRIu32 ", fields %" PRIu32
                           ", enumerators %" PRIu32 ", params %" PRIu32 ", strings %" PRIu32 ")",
                    h->ntypes, h->nfields, h->nenums, h->nparams, h->strs_len);
    if (h->nbuckets && !is_pow2(h->nbuckets))
        return FAIL(v, 52, "%" PRIu32 " buckets: not a power of two", h->nbuckets);
    want[TYR_SECT_STRINGS] = h->strs_len;
    want[TYR_SECT_TYPES] = (uint64_t)h->ntypes * sizeof(struct tyr_rec_type);
    want[TYR_SECT_FIELDS] = (uint64_t)h->nfields * sizeof(struct tyr_rec_field);
    want[TYR_SECT_ENUMS] = (uint64_t)h->nenums * sizeof(struct tyr_rec_enumerator);
    want[TYR_SECT_PARAMS] = (uint64_t)h->nparams * sizeof(struct tyr_rec_param);
    want[TYR_SECT_BUCKETS] = (uint64_t)h->nbuckets * 4u;
    want[TYR_SECT_CHAIN] = (uint64_t)h->ntypes * 4u;
    want[TYR_SECT_HASHES] = (uint64_t)h->ntypes * 4u;
    want[TYR_SECT_RELOCS] = tyr__reloc_map_len(h->ntypes, h->nfields, h->nenums, h->nparams,
                                               h->nbuckets);
    for (i = 0; i < TYR_SECT_COUNT; i++)
        if (v->sect[i].len != want[i])
            return FAIL(v, h->fixed_len + (uint64_t)i * sizeof(struct tyr_blob_sect) + 8,
                        "section %u is %" PRIu64 " bytes; its count in the header implies %"
                        PRIu64,
                        i, v->sect[i].len, want[i]);

    if (h->minor >= 1) {
        int err = check_source(v, (const unsigned char *)buf + v->sect[TYR_SECT_SOURCE].off,
                               v->sect[TYR_SECT_SOURCE].len,
                               h->fixed_len + (uint64_t)TYR_SECT_SOURCE *
                                                  sizeof(struct tyr_blob_sect));
        if (err)
            return err;
    }

    v->h = h;
    v->base = buf;
    v->ntypes = h->ntypes;
    v->nfields = h->nfields;
    v->nenums = h->nenums;
    v->nparams = h->nparams;
    v->strs_len = h->strs_len;
    v->nbuckets = h->nbuckets;
    v->nrelocs = h->nrelocs;
#define SECT_PTR_(id) ((const void *)(v->base + v->sect[id].off))
    v->strs = SECT_PTR_(TYR_SECT_STRINGS);
    v->types = SECT_PTR_(TYR_SECT_TYPES);
    v->fields = SECT_PTR_(TYR_SECT_FIELDS);
    v->enums = SECT_PTR_(TYR_SECT_ENUMS);
    v->params = SECT_PTR_(TYR_SECT_PARAMS);
    v->buckets = SECT_PTR_(TYR_SECT_BUCKETS);
    v->chain = SECT_PTR_(TYR_SECT_CHAIN);
    v->hashes = SECT_PTR_(TYR_SECT_HASHES);
#undef SECT_PTR_
    {
        static const unsigned order[TYR_RELOC_NSECTS] = {
            TYR_SECT_TYPES, TYR_SECT_FIELDS, TYR_SECT_ENUMS, TYR_SECT_PARAMS, TYR_SECT_BUCKETS,
            TYR_SECT_CHAIN};
        const uint64_t count[TYR_RELOC_NSECTS] = {h->ntypes, h->nfields, h->nenums,
                                                  h->nparams, h->nbuckets, h->ntypes};
        uint64_t at = v->sect[TYR_SECT_RELOCS].off + TYR_RELOC_TABLE_LEN;
        for (i = 0; i < TYR_RELOC_NSECTS; i++) {
            v->mask_off[order[i]] = at;
            v->mask[order[i]] = v->base + at;
            at += count[i];
        }
    }
    return 0;
}

/* The relocation map's fixed parts: its slot table is this format's, byte for byte; the
 * none records (index 0 of every table but the buckets) list no slot; the padding is 0. */
static int check_reloc_map(struct vctx *v)
{
    static const unsigned none[] = {TYR_SECT_TYPES, TYR_SECT_FIELDS, TYR_SECT_ENUMS,
                                    TYR_SECT_PARAMS, TYR_SECT_CHAIN};
    const unsigned char *map = v->base + v->sect[TYR_SECT_RELOCS].off;
    const unsigned char *want = (const unsigned char *)tyr__reloc_slots();
    uint64_t end = v->mask_off[TYR_SECT_CHAIN] + v->ntypes;
    uint64_t stop = v->sect[TYR_SECT_RELOCS].off + v->sect[TYR_SECT_RELOCS].len;
    unsigned i;
    if (memcmp(map, want, TYR_RELOC_TABLE_LEN) != 0) {
        for (i = 0; map[i] == want[i]; i++)
            ;
        return FAIL(v, v->sect[TYR_SECT_RELOCS].off + i,
                    "relocation slot table byte %u is 0x%02x; format %u.%u has 0x%02x", i,
                    map[i], TYR_FORMAT_MAJOR, TYR_FORMAT_MINOR, want[i]);
    }
    for (i = 0; i < sizeof none / sizeof none[0]; i++)
        if (v->mask[none[i]][0])
            return mask_mismatch(v, none[i], 0, 0);
    for (; end < stop; end++)
        if (v->base[end])
            return FAIL(v, end, "relocation map padding is not zero");
    return 0;
}

/* resolve() over verified lower ids: a typedef/qualifier's `first`, or the id itself. */
static uint32_t vresolve(const struct vctx *v, uint32_t id)
{
    const struct tyr_rec_type *r = &v->types[id];
    if (r->kind == TYR_KIND_TYPEDEF || tyr__is_qual_kind(r->kind))
        return r->first;
    return id;
}

/* Can a value of (resolved) type id be held by value, as a member or array element? */
static int holdable(const struct vctx *v, uint32_t id)
{
    return tyr__holdable(&v->types[id]) == 0; /* type 0 is void: all zero, verified */
}

#define PREFETCH_AHEAD 16u
#if defined(__GNUC__)
#define TYR_PREFETCH(p) __builtin_prefetch((p))
#else
#define TYR_PREFETCH(p) ((void)(p))
#endif

/*
 * Pass A's part of the name index check (pass B in earlier drafts walked every bucket in a
 * separate pass, a random read of the head's hash per bucket). Named type i, its hash just
 * verified, heads bucket b = hash & mask exactly when buckets[b] == i; then its chain is
 * followed here: every id on it is lower than i, so pass A
 * has already verified its record and hash. Each id must be lower than the one before (the
 * walk ends, visiting each id once) and hash to b (so no id is reached from two buckets).
 * The tables' own checks and the counts come later (check_index_counts).
 */
static int walk_from_head(struct vctx *v, uint32_t i, uint32_t b)
{
    uint32_t prev = i, c, h, mask = v->nbuckets - 1;
    v->heads++;
    v->reached++;
    for (c = v->chain[i]; c; prev = c, c = v->chain[c]) {
        if (c >= prev)
            return FAIL(v, pos_of(v, TYR_SECT_CHAIN, prev, 4u, 0),
                        "chain entry of type %" PRIu32 " is %" PRIu32 ": not a lower id", prev,
                        c);
        h = v->hashes[c];
        if ((h & mask) != b || (h == 0 && !v->types[c].name))
            return FAIL(v, TPOS(v, c, 4), "type %" PRIu32 " is in bucket %" PRIu32
                                          " but is unnamed or hashes elsewhere",
                        c, b);
        v->reached++;
    }
    return 0;
}

/* Pass A, one type record (id >= 1). Sums of range counts are accumulated in *sum. */
/* The precise form of check_type's slot checks, run when the fast form suspects something:
 * names the first failure in the documented order. */
static int type_slots_fail(struct vctx *v, uint32_t i)
{
    const struct tyr_rec_type *t = &v->types[i];
    unsigned k = t->kind, fs;
    uint64_t at = TPOS(v, i, 0);

    if (k == TYR_KIND_VOID || k >= TYR_KIND_COUNT_)
        return FAIL(v, at, "type %" PRIu32 ": kind %u is not valid here", i, k);
    if (t->flags & ~(tyr__kind(k)->flags | TYR_TF_SEALED))
        return FAIL(v, at + 1, "type %" PRIu32 " (%s): flags 0x%x not valid for the kind", i,
                    tyr_kind_name((int)k), t->flags);
    if (t->align & (t->align - 1))
        return FAIL(v, at + 2, "type %" PRIu32 ": alignment %u is not a power of two", i,
                    t->align);
    if (t->name >= v->strs_len)
        return FAIL(v, at + 4, "type %" PRIu32 ": name offset %" PRIu32
                               " past the %" PRIu32 "-byte string table",
                    i, t->name, v->strs_len);
    if (tyr__kind_has_ref(k)) {
        if (t->ref >= i)
            return FAIL(v, at + 16, "type %" PRIu32 " (%s): ref %" PRIu32
                                    " is not a lower id",
                        i, tyr_kind_name((int)k), t->ref);
    } else if (t->ref) {
        return FAIL(v, at + 16, "type %" PRIu32 " (%s): unused ref slot holds %" PRIu32, i,
                    tyr_kind_name((int)k), t->ref);
    }
    if (!tyr__kind(k)->rank && t->rank)
        return FAIL(v, at + 28, "type %" PRIu32 " (%s): unused rank slot holds %" PRIu32, i,
                    tyr_kind_name((int)k), t->rank);
    fs = tyr__first_space(k);
    if (!fs && t->first)
        return FAIL(v, at + 20, "type %" PRIu32 " (%s): unused first slot holds %" PRIu32, i,
                    tyr_kind_name((int)k), t->first);
    return 0;
}

/* Per-kind facts pass A consults for every record, copied once per verification from the
 * per-kind table (lib/kinds.h) into the form the branch-free check below wants. */
struct kind_props {
    uint8_t flags;       /* the row's flags | TYR_TF_SEALED */
    uint8_t has_ref;     /* the row's ref */
    uint8_t has_rank;    /* the row's rank */
    uint8_t first_space; /* the row's first */
    uint8_t first_mask;  /* tyr__first_mask(first_space) */
};

static void kind_props_fill(struct kind_props kp[TYR_KIND_COUNT_])
{
    unsigned k;
    for (k = 0; k < TYR_KIND_COUNT_; k++) {
        const struct tyr_kind_row *row = tyr__kind(k);
        kp[k].flags = (uint8_t)(row->flags | TYR_TF_SEALED);
        kp[k].has_ref = row->ref;
        kp[k].has_rank = row->rank;
        kp[k].first_space = row->first;
        kp[k].first_mask = (uint8_t)tyr__first_mask(kp[k].first_space);
    }
}

static int check_type(struct vctx *v, const struct kind_props *kps, uint32_t i, uint64_t sum[3],
                      uint32_t *named)
{
    const struct tyr_rec_type *t = &v->types[i];
    unsigned k = t->kind;
    uint64_t at = TPOS(v, i, 0);
    /* an invalid kind reads the void entry, and is caught by the first term */
    const struct kind_props *kp = &kps[k < TYR_KIND_COUNT_ ? k : 0];

    /* the slot checks of every kind at once, without a branch each (see type_slots_fail) */
    if ((k - 1u >= TYR_KIND_COUNT_ - 1u) | ((t->flags & ~kp->flags) != 0) |
        ((t->align & (t->align - 1)) != 0) | (t->name >= v->strs_len) |
        (kp->has_ref ? t->ref >= i : t->ref != 0) | (!kp->has_rank & (t->rank != 0)) |
        (!kp->first_space & (t->first != 0))) {
        int err = type_slots_fail(v, i);
        if (err)
            return err;
    }

    switch (k) {
    case TYR_KIND_INT:
        if (!(t->size == 1 || t->size == 2 || t->size == 4 || t->size == 8 || t->size == 16) ||
            t->count > 8 * t->size)
            return FAIL(v, at + 8, "int %" PRIu32 ": size %" PRIu64 " / %" PRIu32
                                   " bits is not an integer",
                        i, t->size, t->count);
        break;
    case TYR_KIND_FLOAT:
        if (!((t->size == 4 && t->count == 32) || (t->size == 8 && t->count == 64) ||
              (t->size == 16 && (t->count == 80 || t->count == 128))))
            return FAIL(v, at + 8, "float %" PRIu32 ": size %" PRIu64 " / %" PRIu32
                                   " bits is not a float",
                        i, t->size, t->count);
        break;
    case TYR_KIND_PTR:
        if ((t->flags & TYR_PTR_REF ? 1 : 0) + (t->flags & TYR_PTR_RVREF ? 1 : 0) +
                (t->flags & TYR_PTR_INVISIBLE ? 1 : 0) > 1)
            return FAIL(v, at + 1, "pointer %" PRIu32 ": more than one sort of reference", i);
        if (t->size != v->h->pointer_size || t->count)
            return FAIL(v, at + 8, "pointer %" PRIu32 ": size %" PRIu64
                                   " is not the blob's pointer size %u",
                        i, t->size, v->h->pointer_size);
        break;
    case TYR_KIND_ARRAY: {
        uint32_t e = vresolve(v, t->ref);
        const struct tyr_rec_type *er = &v->types[e];
        if (t->flags & TYR_ARRAY_INCOMPLETE) {
            /* of a struct only declared when it was made: no size, no rank, no alignment of
             * its own, never held by value (holdable() says so) */
            if ((t->flags & TYR_ARRAY_FLEX) || t->size || t->rank || t->align ||
                !(tyr__is_record_kind(er->kind) ||
                  (er->kind == TYR_KIND_ARRAY && (er->flags & TYR_ARRAY_INCOMPLETE))))
                return FAIL(v, at + 1, "incomplete array %" PRIu32 ": not of a struct or "
                                       "incomplete array, or with a size, rank or alignment",
                            i);
            break;
        }
        if (!holdable(v, e))
            return FAIL(v, at + 16, "array %" PRIu32 ": element type %" PRIu32
                                    " (%s) cannot be held by value",
                        i, e, tyr_kind_name(er->kind));
        if (t->flags & TYR_ARRAY_FLEX) {
            if (t->count || t->size)
                return FAIL(v, at + 8, "flexible array %" PRIu32 " has count %" PRIu32
                                       " and size %" PRIu64 ", not 0",
                            i, t->count, t->size);
        } else if ((t->count && er->size > UINT64_MAX / t->count) ||
                   t->size != (uint64_t)t->count * er->size) {
            return FAIL(v, at + 8, "array %" PRIu32 ": size %" PRIu64 " is not %" PRIu32
                                   " x %" PRIu64 " (or that overflows)",
                        i, t->size, t->count, er->size);
        }
        if (tyr__kind(er->kind)->rank && er->rank >= t->rank)
            return FAIL(v, at + 28, "array %" PRIu32 " (rank %" PRIu32 ") holds type %" PRIu32
                                    " of rank %" PRIu32 ": a size cycle",
                        i, t->rank, e, er->rank);
        break;
    }
    case TYR_KIND_STRUCT:
    case TYR_KIND_UNION:
    case TYR_KIND_ENUM:
    case TYR_KIND_FUNC_PROTO: {
        unsigned which = k == TYR_KIND_ENUM ? 1u : k == TYR_KIND_FUNC_PROTO ? 2u : 0u;
        uint32_t tab = which == 0 ? v->nfields : which == 1 ? v->nenums : v->nparams;
        if (k == TYR_KIND_ENUM && !(t->size == 1 || t->size == 2 || t->size == 4 || t->size == 8))
            return FAIL(v, at + 8, "enum %" PRIu32 ": size %" PRIu64 " not 1, 2, 4 or 8", i,
                        t->size);
        if (k == TYR_KIND_FUNC_PROTO && t->size)
            return FAIL(v, at + 8, "prototype %" PRIu32 ": size %" PRIu64 ", not 0", i,
                        t->size);
        if (tyr__is_record_kind((int)k) && (t->flags & TYR_STRUCT_DECL) && (t->size || t->count))
            return FAIL(v, at + 8, "declared %s %" PRIu32 " has size %" PRIu64
                                   " and %" PRIu32 " members",
                        tyr_kind_name((int)k), i, t->size, t->count);
        if ((t->first == 0) != (t->count == 0) || (uint64_t)t->first + t->count > tab)
            return FAIL(v, at + 20, "type %" PRIu32 " (%s): range [%" PRIu32 ", +%" PRIu32
                                    ") outside its %" PRIu32 "-record table",
                        i, tyr_kind_name((int)k), t->first, t->count, tab);
        sum[which] += t->count;
        if (sum[which] > tab)
            return FAIL(v, at + 24, "type %" PRIu32 ": ranges so far hold %" PRIu64
                                    " records, more than the table's %" PRIu32,
                        i, sum[which], tab);
        break;
    }
    case TYR_KIND_TYPEDEF:
    case TYR_KIND_CONST:
    case TYR_KIND_VOLATILE:
    case TYR_KIND_RESTRICT:
    case TYR_KIND_ATOMIC:
        if (k == TYR_KIND_TYPEDEF && !t->name)
            return FAIL(v, at + 4, "typedef %" PRIu32 " has no name", i);
        if (t->size || t->count)
            return FAIL(v, at + 8, "%s %" PRIu32 ": size/count slots not 0",
                        tyr_kind_name((int)k), i);
        if (t->first != vresolve(v, t->ref))
            return FAIL(v, at + 20, "%s %" PRIu32 ": resolved type %" PRIu32
                                    ", the chain below resolves to %" PRIu32,
                        tyr_kind_name((int)k), i, t->first, vresolve(v, t->ref));
        break;
    case TYR_KIND_FUNC:
        if (!t->name)
            return FAIL(v, at + 4, "function %" PRIu32 " has no name", i);
        if (v->types[t->ref].kind != TYR_KIND_FUNC_PROTO || t->ref == 0)
            return FAIL(v, at + 16, "function %" PRIu32 ": ref %" PRIu32
                                    " is not a prototype",
                        i, t->ref);
        if (t->size || t->count)
            return FAIL(v, at + 8, "function %" PRIu32 ": size/count slots not 0", i);
        break;
    case TYR_KIND_UNKNOWN:
        if (t->count)
            return FAIL(v, at + 24, "unknown type %" PRIu32 ": count slot not 0", i);
        break;
    default:
        break;
    }

    if (t->name) {
        if (v->hashes[i] != tyr__name_hash(v->strs + t->name))
            return FAIL(v, pos_of(v, TYR_SECT_HASHES, i, 4u, 0),
                        "type %" PRIu32 ": stored name hash 0x%08" PRIx32
                        " is not the name's",
                        i, v->hashes[i]);
        (*named)++;
        if (v->nbuckets) {
            uint32_t b = v->hashes[i] & (v->nbuckets - 1);
            if (v->buckets[b] == i) {
                int err = walk_from_head(v, i, b);
                if (err)
                    return err;
            }
        }
    } else if (v->hashes[i]) {
        return FAIL(v, pos_of(v, TYR_SECT_HASHES, i, 4u, 0),
                    "type %" PRIu32 " is unnamed but has a name hash", i);
    }
    /* ref != 0 only where the kind has one, first != 0 only where it has a space: checked */
    return expect_mask(v, TYR_SECT_TYPES, i,
                       (t->name ? TYR_TM_NAME : 0u) | (t->ref ? TYR_TM_REF : 0u) |
                           (t->first ? kp->first_mask : 0u));
}

/* Fields, enumerators, params: each record's own slots, in range, and its relocations. */
/*
 * Member names repeat (next, len, flags...): a small direct-mapped cache of name offset ->
 * hint, on the stack (fixed size, whatever the blob), spares most hint computations.
 */
#define HINT_CACHE 256u
struct hint_cache {
    uint32_t off[HINT_CACHE], hint[HINT_CACHE];
};

static inline uint32_t cached_hint(const struct vctx *v, struct hint_cache *c, uint32_t name)
{
    uint32_t k = (name * 2654435761u) >> 24; /* 8 bits: HINT_CACHE slots */
    if (c->off[k] != name) {
        c->off[k] = name;
        c->hint[k] = tyr__member_hint(v->strs + name);
    }
    return c->hint[k];
}

static int check_member_tables(struct vctx *v)
{
    struct hint_cache hc;
    uint32_t i;
    int err;

    memset(&hc, 0, sizeof hc); /* offset 0 ("") has hint 0: a correct entry to start from */

    if (!is_zero(&v->fields[0], sizeof v->fields[0]))
        return FAIL(v, FPOS(v, 0, 0), "field record 0 is not all zero");
    for (i = 1; i < v->nfields; i++) {
        const struct tyr_rec_field *f = &v->fields[i];
        if (f->name >= v->strs_len || f->type >= v->ntypes)
            return FAIL(v, FPOS(v, i, 0), "field record %" PRIu32 ": name %" PRIu32
                                          " or type %" PRIu32 " out of range",
                        i, f->name, f->type);
        if (f->bit_size == 0 && f->bit_offset)
            return FAIL(v, FPOS(v, i, 16), "field record %" PRIu32
                                           ": a bit offset without a bit width",
                        i);
        if ((f->flags & ~(TYR_FIELD_BASE | TYR_FIELD_VIRTUAL)) ||
            ((f->flags & TYR_FIELD_VIRTUAL) && !(f->flags & TYR_FIELD_BASE)) ||
            ((f->flags & TYR_FIELD_BASE) && (f->bit_size || f->name)) ||
            ((f->flags & TYR_FIELD_VIRTUAL) && f->offset))
            return FAIL(v, FPOS(v, i, 17), "field record %" PRIu32 ": flags 0x%x invalid (a base "
                                           "is an unnamed non-bitfield; a virtual one at 0)",
                        i, f->flags);
        if (f->name_hint != cached_hint(v, &hc, f->name))
            return FAIL(v, FPOS(v, i, 20), "field record %" PRIu32 ": name hint 0x%08" PRIx32
                                           " is not its name's",
                        i, f->name_hint);
        if ((err = expect_mask(v, TYR_SECT_FIELDS, i, (f->name ? 1u : 0u) | (f->type ? 2u : 0u))))
            return err;
    }
#define EPOS(i, b) pos_of(v, TYR_SECT_ENUMS, (i), sizeof(struct tyr_rec_enumerator), (b))
    if (!is_zero(&v->enums[0], sizeof v->enums[0]))
        return FAIL(v, EPOS(0, 0), "enumerator record 0 is not all zero");
    for (i = 1; i < v->nenums; i++) {
        const struct tyr_rec_enumerator *e = &v->enums[i];
        if (e->name >= v->strs_len || e->reserved)
            return FAIL(v, EPOS(i, 0), "enumerator %" PRIu32 ": name %" PRIu32
                                       " out of range or reserved word set",
                        i, e->name);
        if ((err = expect_mask(v, TYR_SECT_ENUMS, i, e->name ? 1u : 0u)))
            return err;
    }
#undef EPOS
#define PPOS(i, b) pos_of(v, TYR_SECT_PARAMS, (i), sizeof(struct tyr_rec_param), (b))
    if (!is_zero(&v->params[0], sizeof v->params[0]))
        return FAIL(v, PPOS(0, 0), "param record 0 is not all zero");
    for (i = 1; i < v->nparams; i++) {
        const struct tyr_rec_param *p = &v->params[i];
        if (p->name >= v->strs_len || p->type >= v->ntypes)
            return FAIL(v, PPOS(i, 0), "param %" PRIu32 ": name %" PRIu32 " or type %" PRIu32
                                       " out of range",
                        i, p->name, p->type);
        if ((err = expect_mask(v, TYR_SECT_PARAMS, i, (p->name ? 1u : 0u) | (p->type ? 2u : 0u))))
            return err;
    }
#undef PPOS
    return 0;
}

/* Buckets and chain: in range, chains strictly decreasing, unnamed types unchained. */
/*
 * Fast, branch-free form of one index table's check (half the entries are 0, so a branch per
 * entry would mispredict half the time): returns nonzero if anything may be wrong; the
 * caller then reruns the precise check, which names the failure (or finds none: a named
 * type whose hash happens to be 0 takes that path too).
 */
static int chain_suspect(struct vctx *v)
{
    uint64_t bad = 0, slots = 0;
    const unsigned char *m = v->mask[TYR_SECT_CHAIN];
    uint32_t i;
    for (i = 1; i < v->ntypes; i++) {
        uint32_t e = v->chain[i];
        uint32_t nz = e != 0;
        bad |= nz & (uint64_t)((e >= i) | (v->hashes[i] == 0));
        bad |= (uint64_t)(m[i] != nz);
        slots += nz;
    }
    if (!bad)
        v->nslots += slots;
    return bad != 0;
}

/* The same for the buckets: the head id in range, and its mask bit. */
static int buckets_suspect(struct vctx *v)
{
    uint64_t bad = 0, slots = 0, heads = 0;
    const unsigned char *m = v->mask[TYR_SECT_BUCKETS];
    uint32_t i;
    for (i = 0; i < v->nbuckets; i++) {
        uint32_t e = v->buckets[i];
        uint32_t nz = e != 0;
        bad |= (uint64_t)(e >= v->ntypes) | (uint64_t)(m[i] != nz);
        slots += nz;
        heads += nz;
    }
    if (!bad) {
        v->nslots += slots;
        v->nonempty = heads;
    }
    return bad != 0;
}

/* Buckets and chain: in range, chains strictly decreasing, unnamed types unchained. */
static int check_index_tables(struct vctx *v)
{
    uint32_t i;
    int err;
#define BPOS(i) pos_of(v, TYR_SECT_BUCKETS, (i), 4u, 0)
#define CPOS(i) pos_of(v, TYR_SECT_CHAIN, (i), 4u, 0)
    if (buckets_suspect(v)) {
        for (i = 0; i < v->nbuckets; i++) {
            uint32_t b = v->buckets[i];
            if (b >= v->ntypes)
                return FAIL(v, BPOS(i), "bucket %" PRIu32 ": type %" PRIu32 " out of range", i,
                            b);
            if ((err = expect_mask(v, TYR_SECT_BUCKETS, i, b ? 1u : 0u)))
                return err;
            v->nonempty += b != 0;
        }
    }
    if (v->chain[0])
        return FAIL(v, CPOS(0), "chain entry of void is %" PRIu32 ", not 0", v->chain[0]);
    if (!chain_suspect(v))
        return 0;
    for (i = 1; i < v->ntypes; i++) {
        uint32_t c = v->chain[i];
        /* hashes[] is checked against the names: 0 there means unnamed unless the record
         * says otherwise (a name that hashes to 0) */
        if (c && (c >= i || (v->hashes[i] == 0 && !v->types[i].name)))
            return FAIL(v, CPOS(i), "chain entry of type %" PRIu32 " is %" PRIu32
                                    ": not a lower id, or the type is unnamed",
                        i, c);
        if ((err = expect_mask(v, TYR_SECT_CHAIN, i, c ? 1u : 0u)))
            return err;
    }
    return 0;
}

/*
 * The name index's counts, after pass A walked every chain from its head and the index
 * tables were checked: every bucket with a head had it found by pass A (so it is named and
 * hashes to that bucket), and the walks reached every named type (each at most once: chains
 * strictly decrease and every id on one hashes to its bucket). The precise rescan below
 * names the bucket whose head is misplaced.
 */
static int check_index_counts(struct vctx *v, uint32_t named)
{
    uint32_t b, mask = v->nbuckets - 1;

    if (named && !v->nbuckets)
        return FAIL(v, 52, "%" PRIu32 " named types but no name index", named);
    if (v->hashes[0])
        return FAIL(v, pos_of(v, TYR_SECT_HASHES, 0, 4u, 0), "void has a name hash");
    if (v->heads != v->nonempty) {
        for (b = 0; b < v->nbuckets; b++) {
            uint32_t id = v->buckets[b], h = v->hashes[id];
            if (id && ((h & mask) != b || (h == 0 && !v->types[id].name)))
                return FAIL(v, TPOS(v, id, 4), "type %" PRIu32 " is in bucket %" PRIu32
                                               " but is unnamed or hashes elsewhere",
                            id, b);
        }
        /* not reached: a head that hashes to its bucket and is named is found by pass A */
        return FAIL(v, v->sect[TYR_SECT_BUCKETS].off,
                    "%" PRIu64 " buckets have a head; pass A found %" PRIu64, v->nonempty,
                    v->heads);
    }
    if (v->reached != named)
        return FAIL(v, v->sect[TYR_SECT_BUCKETS].off,
                    "the name index reaches %" PRIu64 " types; %" PRIu32 " are named",
                    v->reached, named);
    return 0;
}

/* Pass C: members inside their struct, held types complete and of lower rank; params. */
static int check_members(struct vctx *v)
{
    uint32_t i, j;
    for (i = 1; i < v->ntypes; i++) {
        const struct tyr_rec_type *t = &v->types[i];
        if (t->kind == TYR_KIND_FUNC_PROTO) {
            for (j = 0; j < t->count; j++)
                if (vresolve(v, v->params[t->first + j].type) == 0)
                    return FAIL(v, pos_of(v, TYR_SECT_PARAMS, t->first + j,
                                          sizeof(struct tyr_rec_param), 4),
                                "parameter %" PRIu32 " of prototype %" PRIu32 " is void", j, i);
            continue;
        }
        if (!tyr__is_record_kind(t->kind))
            continue;
        for (j = 0; j < t->count; j++) {
            uint32_t fi = t->first + j;
            const struct tyr_rec_field *f = &v->fields[fi];
            uint32_t rt = vresolve(v, f->type);
            const struct tyr_rec_type *r = &v->types[rt];
            if (!holdable(v, rt))
                return FAIL(v, FPOS(v, fi, 4), "member %" PRIu32 " of %s %" PRIu32
                                               ": type %" PRIu32 " (%s) cannot be held by value",
                            j, tyr_kind_name(t->kind), i, rt, tyr_kind_name(r->kind));
            if ((f->flags & TYR_FIELD_BASE) && r->kind != TYR_KIND_STRUCT)
                return FAIL(v, FPOS(v, fi, 4), "base member %" PRIu32 " of %" PRIu32
                                               " is not a struct",
                            j, i);
            if (f->bit_size) {
                uint64_t room;
                if (r->kind != TYR_KIND_INT && r->kind != TYR_KIND_ENUM)
                    return FAIL(v, FPOS(v, fi, 4), "bitfield member %" PRIu32 " of %" PRIu32
                                                   " is not an integer or enum",
                                j, i);
                if ((uint64_t)f->bit_offset + f->bit_size > 8 * r->size)
                    return FAIL(v, FPOS(v, fi, 16), "bitfield member %" PRIu32 " of %" PRIu32
                                                    " overruns its %" PRIu64 "-byte unit",
                                j, i, r->size);
                if (f->offset > t->size)
                    return FAIL(v, FPOS(v, fi, 8), "member %" PRIu32 " of %" PRIu32
                                                   " starts past the struct's %" PRIu64 " bytes",
                                j, i, t->size);
                room = t->size - f->offset;
                if (room < (UINT64_C(1) << 60) &&
                    (uint64_t)f->bit_offset + f->bit_size > 8 * room)
                    return FAIL(v, FPOS(v, fi, 8), "bitfield member %" PRIu32 " of %" PRIu32
                                                   " ends past the struct's %" PRIu64 " bytes",
                                j, i, t->size);
            } else if (r->size > t->size || f->offset > t->size - r->size) {
                return FAIL(v, FPOS(v, fi, 8), "member %" PRIu32 " of %s %" PRIu32
                                               " [%" PRIu64 ", +%" PRIu64
                                               ") ends past its %" PRIu64 " bytes",
                            j, tyr_kind_name(t->kind), i, f->offset, r->size, t->size);
            }
            if (tyr__kind(r->kind)->rank && r->rank >= t->rank)
                return FAIL(v, TPOS(v, i, 28), "%s %" PRIu32 " (rank %" PRIu32
                                               ") holds type %" PRIu32 " of rank %" PRIu32
                                               " by value: a size cycle",
                            tyr_kind_name(t->kind), i, t->rank, rt, r->rank);
        }
    }
    return 0;
}

/* Steps 4-9 (docs/format.md): every check after the checksum. Safe on any bytes that passed
 * the header checks, whether or not the checksum has been compared yet. */
static int check_body(struct vctx *v)
{
    uint64_t sum[3] = {0, 0, 0};
    struct kind_props kps[TYR_KIND_COUNT_];
    uint32_t i, named = 0;
    int err;

    kind_props_fill(kps);

    if (v->strs[0] != '\0' || v->strs[v->strs_len - 1] != '\0')
        return FAIL(v, v->sect[TYR_SECT_STRINGS].off + (v->strs[0] ? 0 : v->strs_len - 1),
                    "string table does not start and end with NUL");
    if (!is_zero(&v->types[0], sizeof v->types[0]))
        return FAIL(v, TPOS(v, 0, 0), "type 0 (void) is not all zero");
    if ((err = check_reloc_map(v)))
        return err;

    for (i = 1; i < v->ntypes; i++) {
        /* Pass A reads buckets[hash & mask] for each named type, a random read: ask for a
         * later type's bucket now so that the misses overlap (any index is in bounds after
         * the mask; a hash not yet verified only makes the prefetch useless). */
        if (v->nbuckets && i + PREFETCH_AHEAD < v->ntypes) {
            uint32_t c = v->chain[i + PREFETCH_AHEAD];
            TYR_PREFETCH(&v->buckets[v->hashes[i + PREFETCH_AHEAD] & (v->nbuckets - 1)]);
            TYR_PREFETCH(&v->hashes[c < v->ntypes ? c : 0]); /* its chain's next hash */
        }
        if ((err = check_type(v, kps, i, sum, &named)))
            return err;
    }
    if ((err = check_member_tables(v)) || (err = check_index_tables(v)))
        return err;
    if (v->nslots != v->nrelocs)
        return FAIL(v, 56, "the header counts %" PRIu32 " handle slots; the records hold %"
                           PRIu64, v->nrelocs, v->nslots);
    if ((err = check_index_counts(v, named)))
        return err;
    return check_members(v);
}

/*
 * The checksum comes first: a blob whose bytes are not the ones written is reported as such,
 * whatever else is wrong in it. (Computing it on a second thread while the body is checked
 * saved ~0.7 ms on an idle machine and cost more than that when both cores were busy; a
 * loader that starts threads inside its caller is a surprise too, so it is computed in line.)
 */
int tyr__blob_check(const void *buf, size_t len, int full, tyr_diag *diag)
{
    struct vctx v;
    uint64_t hdr_len;
    int err;

    memset(&v, 0, sizeof v);
    v.diag = diag;
    if (!buf)
        return tyr_diag_set(diag, TYR_EINVAL, 0, "no buffer");
    err = check_header(&v, buf, len);
    if (err || !full)
        return err;

    hdr_len = (uint64_t)v.h->fixed_len + (uint64_t)v.h->nsect * sizeof(struct tyr_blob_sect);
    if (XXH3_64bits(v.base + hdr_len, (size_t)(v.h->total_len - hdr_len)) != v.h->checksum)
        return FAIL(&v, 24, "checksum of bytes [%" PRIu64 ", %" PRIu64 ") does not match",
                    hdr_len, v.h->total_len);
    return check_body(&v);
}

void tyr__blob_attach(tyr_registry *reg, const void *buf)
{
    const unsigned char *b = buf;
    const struct tyr_blob_header *h = buf;
    const struct tyr_blob_sect *s = (const void *)(b + h->fixed_len);

    reg->mode = TYR_MODE_MAPPED;
    reg->pointer_size = h->pointer_size;
    /* The registry's table pointers are not const (they are heap arrays in building mode);
     * a mapped registry never writes through them: builders refuse TYR_MODE_MAPPED. */
    reg->strs = (char *)(uintptr_t)(b + s[TYR_SECT_STRINGS].off);
    reg->strs_len = h->strs_len;
    reg->types = (struct tyr_rec_type *)(uintptr_t)(b + s[TYR_SECT_TYPES].off);
    reg->ntypes = h->ntypes;
    reg->fields = (struct tyr_rec_field *)(uintptr_t)(b + s[TYR_SECT_FIELDS].off);
    reg->nfields = h->nfields;
    reg->enums = (struct tyr_rec_enumerator *)(uintptr_t)(b + s[TYR_SECT_ENUMS].off);
    reg->nenums = h->nenums;
    reg->params = (struct tyr_rec_param *)(uintptr_t)(b + s[TYR_SECT_PARAMS].off);
    reg->nparams = h->nparams;
    reg->buckets = (uint32_t *)(uintptr_t)(b + s[TYR_SECT_BUCKETS].off);
    reg->nbuckets = h->nbuckets;
    reg->chain = (uint32_t *)(uintptr_t)(b + s[TYR_SECT_CHAIN].off);
    reg->cap_types = reg->cap_fields = reg->cap_enums = reg->cap_params = reg->cap_strs = 0;
    if (h->minor >= 1 && h->nsect > TYR_SECT_SOURCE) {
        reg->src = (char *)(uintptr_t)(b + s[TYR_SECT_SOURCE].off);
        reg->src_len = (uint32_t)s[TYR_SECT_SOURCE].len;
    }
    reg->intern = NULL;
    reg->intern_cap = reg->intern_used = 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * The on-disk blob, format 2: header, section table, relocation table. docs/format.md is the
 * source of truth; this file mirrors it and every offset is pinned by a static assertion.
 *
 * Little-endian only. Every offset is in bytes from the blob's first byte (the header's).
 *
 *   [0, fixed_len)                    struct tyr_blob_header (64 bytes in format 2.0)
 *   [fixed_len, hdr_len)              nsect section entries (struct tyr_blob_sect, 16 bytes)
 *   [hdr_len, total_len)              the sections, 8-aligned, in order, not overlapping;
 *                                     covered by the XXH3-64 checksum
 */
#ifndef TYR_BLOB_FORMAT_H
#define TYR_BLOB_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "internal.h"
#include "kinds.h"
#include "opts.h"

#define TYR_BLOB_MAGIC0 't'
#define TYR_BLOB_MAGIC1 'y'
#define TYR_BLOB_MAGIC2 'r'
#define TYR_BLOB_MAGIC3 '\0'
#define TYR_BLOB_LE 1u       /* byte_order: little-endian, the only order written */
#define TYR_BLOB_BE 2u       /* byte_order: big-endian, recognised to be refused */
#define TYR_FORMAT_MAJOR 2u  /* a reader refuses any other major (1: "import again") */
#define TYR_FORMAT_MINOR 0u  /* a reader accepts a newer minor (it only appends) */

/* Header flags; a reader refuses a bit it does not know. */
#define TYR_BLOB_F_PRUNED 0x1u /* written by a pruned write (informational) */
#define TYR_BLOB_F_KNOWN_ TYR_BLOB_F_PRUNED

/* Sections, in the order they must appear; a 2.0 blob lists all of them (SOURCE may be
 * empty). A newer minor may list more after them. */
enum tyr_sect_id {
    TYR_SECT_STRINGS = 0, /* bytes; offset 0 is "" and the last byte is NUL */
    TYR_SECT_TYPES = 1,   /* struct tyr_rec_type[ntypes] */
    TYR_SECT_LAYOUTS = 2, /* struct tyr_rec_layout[nlayouts] */
    TYR_SECT_FIELDS = 3,  /* struct tyr_rec_field[nfields] */
    TYR_SECT_ENUMS = 4,   /* struct tyr_rec_enumerator[nenums] */
    TYR_SECT_PARAMS = 5,  /* struct tyr_rec_param[nparams] */
    TYR_SECT_STARTS = 6,  /* uint32_t[nbuckets + 1]: where each bucket's ids start in NAMED */
    TYR_SECT_NAMED = 7,   /* uint32_t[nnamed]: named type ids, by bucket, increasing in one */
    TYR_SECT_RELOCS = 8,  /* the relocation table: struct tyr_blob_reloc[nrelocs] */
    TYR_SECT_SOURCE = 9,  /* "path\0build-id-hex\0" (tyr_registry_set_source), or empty */
    TYR_SECT_WFIELDS = 10, /* struct tyr_rec_wide_field[len / 16]: the WIDE fields' places */
    TYR_SECT_WENUMS = 11,  /* struct tyr_rec_wide_enum[len / 8]: wide enumerator values */
    TYR_SECT_COUNT = 12
};

struct tyr_blob_header { /* off */
    char magic[4];        /*  0  "tyr\0" */
    uint8_t byte_order;   /*  4  TYR_BLOB_LE */
    uint8_t major;        /*  5  TYR_FORMAT_MAJOR */
    uint8_t minor;        /*  6  TYR_FORMAT_MINOR as written */
    uint8_t pointer_size; /*  7  4 or 8 */
    uint32_t flags;       /*  8  TYR_BLOB_F_* */
    uint16_t fixed_len;   /* 12  bytes of header fields; 64 in 2.0; 8-aligned */
    uint16_t nsect;       /* 14  section entries after the fields; >= TYR_SECT_COUNT */
    uint64_t total_len;   /* 16  header and every section */
    uint64_t checksum;    /* 24  XXH3-64 (seed 0) of bytes [hdr_len, total_len) */
    uint32_t ntypes;      /* 32  type records, void included (>= 1) */
    uint32_t nlayouts;    /* 36  layout records, the none record included (>= 1) */
    uint32_t nfields;     /* 40  field records, the none record included (>= 1) */
    uint32_t nenums;      /* 44  enumerator records (>= 1) */
    uint32_t nparams;     /* 48  param records (>= 1) */
    uint32_t strs_len;    /* 52  bytes of the string table (>= 1) */
    uint32_t nbuckets;    /* 56  name-index buckets: 0 or a power of two */
    uint32_t nnamed;      /* 60  entries of NAMED: the named types */
};

struct tyr_blob_sect {
    uint64_t off; /* from the blob's first byte; 8-aligned */
    uint64_t len; /* bytes */
};

/*
 * The relocation table (section 8): every handle slot of every record, as entries naming a
 * section, the records of that section it applies to, a byte offset inside the record and
 * the handle space of the value there. A type record's entries apply to the kind given
 * (the kind is the record's byte 0), every other section's to all its records. A rewrite
 * (pruning, rebasing) maps every listed slot through the old-to-new map of its space, where
 * 0 maps to 0, without knowing the records' layouts; the verifier derives the table and
 * compares it byte for byte. Entries are sorted by (sect, kind, byte).
 */
#define TYR_RELOC_ANY_KIND 0xffu
struct tyr_blob_reloc {
    uint8_t sect;  /* enum tyr_sect_id holding the slot */
    uint8_t kind;  /* TYPES: the enum tyr_kind it applies to; others: TYR_RELOC_ANY_KIND */
    uint8_t byte;  /* offset of the 32-bit slot inside the record */
    uint8_t space; /* enum tyr_space */
};

_Static_assert(sizeof(struct tyr_blob_header) == 64, "docs/format.md: header is 64 bytes");
_Static_assert(offsetof(struct tyr_blob_header, flags) == 8, "docs/format.md");
_Static_assert(offsetof(struct tyr_blob_header, total_len) == 16, "docs/format.md");
_Static_assert(offsetof(struct tyr_blob_header, checksum) == 24, "docs/format.md");
_Static_assert(offsetof(struct tyr_blob_header, ntypes) == 32, "docs/format.md");
_Static_assert(offsetof(struct tyr_blob_header, nnamed) == 60, "docs/format.md");
_Static_assert(sizeof(struct tyr_blob_sect) == 16, "docs/format.md: section entry");
_Static_assert(sizeof(struct tyr_blob_reloc) == 4, "docs/format.md: relocation entry");
_Static_assert(offsetof(struct tyr_rec_type, name) == 4, "docs/format.md: type record");
_Static_assert(offsetof(struct tyr_rec_type, a) == 8, "docs/format.md: type record");
_Static_assert(offsetof(struct tyr_rec_type, b) == 12, "docs/format.md: type record");
_Static_assert(offsetof(struct tyr_rec_field, type) == 4, "docs/format.md: field record");
_Static_assert(offsetof(struct tyr_rec_field, pos) == 8, "docs/format.md: field record");
_Static_assert(offsetof(struct tyr_rec_wide_field, offset) == 8, "docs/format.md: wide field");
_Static_assert(offsetof(struct tyr_rec_enumerator, value) == 4, "docs/format.md: enumerator");
_Static_assert(offsetof(struct tyr_rec_wide_enum, hi) == 4, "docs/format.md: wide enumerator");
_Static_assert(offsetof(struct tyr_rec_param, type) == 4, "docs/format.md: param record");

static inline uint64_t tyr__align_up(uint64_t v, uint64_t a)
{
    return (v + (a - 1)) & ~(a - 1);
}

static inline int tyr__host_is_le(void)
{
    const uint16_t one = 1;
    const unsigned char *p = (const unsigned char *)&one;
    return p[0] == 1;
}

/* Entries of the relocation table tyr__reloc_table derives (docs/format.md lists them). A
 * constant, so that laying out or checking a section table derives nothing; the verifier
 * compares the derived table with the blob's, so a derivation of another length fails every
 * blob at once. */
#define TYR_RELOC_COUNT 47u
_Static_assert(TYR_RELOC_COUNT <= TYR_RELOC_MAX, "the relocation table fits its buffer");

/* The bytes each section holds for the header's counts: the writer lays the sections out
 * with it, the verifier compares the section table with it. SOURCE is src_len, whatever it
 * is (its content is checked on its own); the escape tables have no count in the header:
 * nwfields and nwenums are what the writer holds, or what the section table says (the
 * verifier checks the lengths are whole entries). */
static inline void tyr__sect_lens(const struct tyr_blob_header *h, uint64_t src_len,
                                  uint64_t nwfields, uint64_t nwenums,
                                  uint64_t len[TYR_SECT_COUNT])
{
    len[TYR_SECT_STRINGS] = h->strs_len;
    len[TYR_SECT_TYPES] = (uint64_t)h->ntypes * sizeof(struct tyr_rec_type);
    len[TYR_SECT_LAYOUTS] = (uint64_t)h->nlayouts * sizeof(struct tyr_rec_layout);
    len[TYR_SECT_FIELDS] = (uint64_t)h->nfields * sizeof(struct tyr_rec_field);
    len[TYR_SECT_ENUMS] = (uint64_t)h->nenums * sizeof(struct tyr_rec_enumerator);
    len[TYR_SECT_PARAMS] = (uint64_t)h->nparams * sizeof(struct tyr_rec_param);
    len[TYR_SECT_STARTS] = ((uint64_t)h->nbuckets + 1) * sizeof(uint32_t);
    len[TYR_SECT_NAMED] = (uint64_t)h->nnamed * sizeof(uint32_t);
    len[TYR_SECT_RELOCS] = (uint64_t)TYR_RELOC_COUNT * sizeof(struct tyr_blob_reloc);
    len[TYR_SECT_SOURCE] = src_len;
    len[TYR_SECT_WFIELDS] = nwfields * sizeof(struct tyr_rec_wide_field);
    len[TYR_SECT_WENUMS] = nwenums * sizeof(struct tyr_rec_wide_enum);
}

/* ---- Shared between writer, pruner and loader (lib/blob_write.c, lib/verify.c) ---- */

/* Serialize reg's tables as they are into one malloc'd blob (owned by the caller, free()).
 * flags: TYR_BLOB_F_*. Returns 0, TYR_ENOMEM, TYR_EOVERFLOW. */
TYR_HIDDEN int tyr__blob_build(const tyr_registry *reg, uint32_t flags, void **out,
                               size_t *out_len);

/* How much tyr__blob_check verifies (docs/format.md says which check is at which level). */
enum tyr_check_level {
    TYR_CHECK_HEADER = 0, /* header and section table only: the trusted path, O(1) */
    TYR_CHECK_SAFE = 1,   /* + everything memory safety and termination depend on (default) */
    TYR_CHECK_AUDIT = 2,  /* + integrity: checksum, name hashes, the index's completeness */
};
/* Verify a blob in place (every step below at the level asked). Returns 0 or an error,
 * diag filled on error. */
TYR_HIDDEN int tyr__blob_check(const void *buf, size_t len, enum tyr_check_level level,
                               tyr_diag *diag);

/*
 * The same in steps, for a loader that reads the header and the source section with pread()
 * instead of through its mapping (a trusted open then touches no page of the mapping):
 *   tyr__blob_check_head    the header and section table (level HEADER, the source section's
 *                           bounds but not its bytes), from head: the blob's first head_len
 *                           bytes, a copy or the blob itself; len is the bytes available at
 *                           base. Fills *g, a checked copy every later step reads instead of
 *                           the blob's header. Returns 1 (not an error) when the header and
 *                           section table are longer than head_len: call again with the blob.
 *   tyr__blob_check_source  the source section's bytes (src, g->sect[TYR_SECT_SOURCE].len of
 *                           them: a copy, or the blob's own).
 *   tyr__blob_check_body    every later step of level SAFE or AUDIT over the sections at base.
 */
struct tyr_blob_geom {
    struct tyr_blob_header h;
    struct tyr_blob_sect sect[TYR_SECT_COUNT]; /* the first TYR_SECT_COUNT of h.nsect */
};
TYR_HIDDEN int tyr__blob_check_head(const void *base, size_t len, const void *head,
                                    size_t head_len, struct tyr_blob_geom *g, tyr_diag *diag);
TYR_HIDDEN int tyr__blob_check_source(const void *src, const struct tyr_blob_geom *g,
                                      tyr_diag *diag);
TYR_HIDDEN int tyr__blob_check_body(const void *base, const struct tyr_blob_geom *g,
                                    enum tyr_check_level level, tyr_diag *diag);

/* Point a registry (zeroed by the caller) at a checked blob's sections; src: the checked
 * source section's bytes (g->sect[TYR_SECT_SOURCE].len of them, living as long as reg). */
TYR_HIDDEN void tyr__blob_attach(tyr_registry *reg, const void *base,
                                 const struct tyr_blob_geom *g, const char *src);

/* A pruned copy of reg (lib/prune.c): a building registry holding what roots reach, identical
 * prototypes merged, that the caller releases with tyr__pruned_free(). map[ntypes of reg]
 * receives old id -> new id (0 dropped; a merged prototype: the survivor's). roots are read
 * (not rewritten; the caller checked them). Returns 0, TYR_ENOMEM, TYR_EOVERFLOW. */
TYR_HIDDEN int tyr__prune(const tyr_registry *reg, const tyr_type *roots, size_t nroots,
                          uint32_t *map, tyr_registry **out);
TYR_HIDDEN void tyr__pruned_free(tyr_registry *reg);

#endif /* TYR_BLOB_FORMAT_H */

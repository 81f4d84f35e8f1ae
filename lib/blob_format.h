/* SPDX-License-Identifier: MIT */
/*
 * The on-disk blob: header, section table, relocation map. docs/format.md is the
 * source of truth; this file mirrors it and every offset is pinned by a static assertion.
 *
 * Little-endian only. Every offset is in bytes from the blob's first byte (the header's).
 *
 *   [0, fixed_len)                    struct tyr_blob_header (64 bytes in format 1.0)
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
#define TYR_FORMAT_MAJOR 1u  /* a reader refuses any other major */
#define TYR_FORMAT_MINOR 1u  /* a reader accepts a newer minor (it only appends) */

/* Header flags; a reader refuses a bit it does not know. */
#define TYR_BLOB_F_PRUNED 0x1u /* written by a pruned write (informational) */
#define TYR_BLOB_F_KNOWN_ TYR_BLOB_F_PRUNED

/* Sections, in the order they must appear. */
enum tyr_sect_id {
    TYR_SECT_STRINGS = 0, /* bytes; offset 0 is "" and the last byte is NUL */
    TYR_SECT_TYPES = 1,   /* struct tyr_rec_type[ntypes] */
    TYR_SECT_FIELDS = 2,  /* struct tyr_rec_field[nfields] */
    TYR_SECT_ENUMS = 3,   /* struct tyr_rec_enumerator[nenums] */
    TYR_SECT_PARAMS = 4,  /* struct tyr_rec_param[nparams] */
    TYR_SECT_BUCKETS = 5, /* uint32_t[nbuckets] */
    TYR_SECT_CHAIN = 6,   /* uint32_t[ntypes] */
    TYR_SECT_HASHES = 7,  /* uint32_t[ntypes]: tyr__name_hash of each name; 0 if unnamed */
    TYR_SECT_RELOCS = 8,  /* the relocation map: slot table, then one mask byte per record */
    TYR_SECT_COUNT = 9,   /* sections a 1.0 reader knows; a newer minor may list more */
    /* Format 1.1: the source binary, "path\0build-id-hex\0" (tyr_registry_set_source).
     * Written, and the format marked 1.1, only when a source is recorded: a blob without one
     * is a 1.0 blob byte for byte. */
    TYR_SECT_SOURCE = 9,
    TYR_SECT_COUNT_1_1 = 10
};

struct tyr_blob_header { /* off */
    char magic[4];        /*  0  "tyr\0" */
    uint8_t byte_order;   /*  4  TYR_BLOB_LE */
    uint8_t major;        /*  5  TYR_FORMAT_MAJOR */
    uint8_t minor;        /*  6  TYR_FORMAT_MINOR as written */
    uint8_t pointer_size; /*  7  4 or 8 */
    uint32_t flags;       /*  8  TYR_BLOB_F_* */
    uint16_t fixed_len;   /* 12  bytes of header fields; 64 in 1.0; 8-aligned */
    uint16_t nsect;       /* 14  section entries after the fields; >= TYR_SECT_COUNT */
    uint64_t total_len;   /* 16  header and every section */
    uint64_t checksum;    /* 24  XXH3-64 (seed 0) of bytes [hdr_len, total_len) */
    uint32_t ntypes;      /* 32  type records, void included (>= 1) */
    uint32_t nfields;     /* 36  field records, the none record included (>= 1) */
    uint32_t nenums;      /* 40  enumerator records (>= 1) */
    uint32_t nparams;     /* 44  param records (>= 1) */
    uint32_t strs_len;    /* 48  bytes of the string table (>= 1) */
    uint32_t nbuckets;    /* 52  name-index buckets: 0 or a power of two */
    uint32_t nrelocs;     /* 56  handle slots the relocation map lists (its set bits) */
    uint32_t reserved;    /* 60  0 */
};

struct tyr_blob_sect {
    uint64_t off; /* from the blob's first byte; 8-aligned */
    uint64_t len; /* bytes */
};

/*
 * The relocation map (section 8). It starts with the slot table: for each of the sections
 * that hold handle slots (1 types .. 6 chain), TYR_RELOC_SLOTS entries naming a slot of that
 * section's records (byte offset inside the record, handle space; unused entries all zero).
 * Then one mask byte per record of each of those sections, in section order: bit k set iff
 * slot k of the record holds a non-zero handle. Then zero bytes up to a multiple of 8.
 */
#define TYR_RELOC_FIRST_SECT 1u /* types */
#define TYR_RELOC_NSECTS 6u     /* types, fields, enums, params, buckets, chain */
#define TYR_RELOC_SLOTS 8u      /* slot entries per section (one mask byte) */
struct tyr_blob_slot {
    uint16_t byte;    /* byte offset of the slot inside the record */
    uint8_t space;    /* enum tyr_space; 0 = unused entry */
    uint8_t reserved; /* 0 */
};
#define TYR_RELOC_TABLE_LEN (TYR_RELOC_NSECTS * TYR_RELOC_SLOTS * sizeof(struct tyr_blob_slot))

/* Mask bits of a type record: name, ref, and `first` in the space its kind gives it. */
#define TYR_TM_NAME 0x01u
#define TYR_TM_REF 0x02u
#define TYR_TM_FIRST_FIELD 0x04u
#define TYR_TM_FIRST_ENUM 0x08u
#define TYR_TM_FIRST_PARAM 0x10u
#define TYR_TM_FIRST_TYPE 0x20u

/* The slot table every blob of this format holds (and the verifier compares byte for byte). */
static inline const struct tyr_blob_slot *tyr__reloc_slots(void)
{
    static const struct tyr_blob_slot t[TYR_RELOC_NSECTS * TYR_RELOC_SLOTS] = {
        /* 1 types */
        {4, TYR_SPACE_STRING, 0}, {16, TYR_SPACE_TYPE, 0}, {20, TYR_SPACE_FIELD, 0},
        {20, TYR_SPACE_ENUMERATOR, 0}, {20, TYR_SPACE_PARAM, 0}, {20, TYR_SPACE_TYPE, 0},
        {0, 0, 0}, {0, 0, 0},
        /* 2 fields */
        {0, TYR_SPACE_STRING, 0}, {4, TYR_SPACE_TYPE, 0}, {0, 0, 0}, {0, 0, 0},
        {0, 0, 0}, {0, 0, 0}, {0, 0, 0}, {0, 0, 0},
        /* 3 enumerators */
        {0, TYR_SPACE_STRING, 0}, {0, 0, 0}, {0, 0, 0}, {0, 0, 0},
        {0, 0, 0}, {0, 0, 0}, {0, 0, 0}, {0, 0, 0},
        /* 4 params */
        {0, TYR_SPACE_STRING, 0}, {4, TYR_SPACE_TYPE, 0}, {0, 0, 0}, {0, 0, 0},
        {0, 0, 0}, {0, 0, 0}, {0, 0, 0}, {0, 0, 0},
        /* 5 buckets */
        {0, TYR_SPACE_TYPE, 0}, {0, 0, 0}, {0, 0, 0}, {0, 0, 0},
        {0, 0, 0}, {0, 0, 0}, {0, 0, 0}, {0, 0, 0},
        /* 6 chain */
        {0, TYR_SPACE_TYPE, 0}, {0, 0, 0}, {0, 0, 0}, {0, 0, 0},
        {0, 0, 0}, {0, 0, 0}, {0, 0, 0}, {0, 0, 0},
    };
    return t;
}

/* The mask bit of a type record's `first` slot for a kind (0: the kind has no such slot). */
static inline unsigned tyr__first_mask(unsigned space)
{
    switch (space) {
    case TYR_SPACE_FIELD:
        return TYR_TM_FIRST_FIELD;
    case TYR_SPACE_ENUMERATOR:
        return TYR_TM_FIRST_ENUM;
    case TYR_SPACE_PARAM:
        return TYR_TM_FIRST_PARAM;
    case TYR_SPACE_TYPE:
        return TYR_TM_FIRST_TYPE;
    default:
        return 0;
    }
}

/* Bytes of the relocation map for these counts (64-bit, cannot overflow for 32-bit counts). */
static inline uint64_t tyr__reloc_map_len(uint64_t ntypes, uint64_t nfields, uint64_t nenums,
                                          uint64_t nparams, uint64_t nbuckets)
{
    uint64_t n = TYR_RELOC_TABLE_LEN + 2 * ntypes + nfields + nenums + nparams + nbuckets;
    return (n + 7) & ~(uint64_t)7;
}

_Static_assert(sizeof(struct tyr_blob_header) == 64, "docs/format.md: header is 64 bytes");
_Static_assert(offsetof(struct tyr_blob_header, flags) == 8, "docs/format.md");
_Static_assert(offsetof(struct tyr_blob_header, total_len) == 16, "docs/format.md");
_Static_assert(offsetof(struct tyr_blob_header, checksum) == 24, "docs/format.md");
_Static_assert(offsetof(struct tyr_blob_header, ntypes) == 32, "docs/format.md");
_Static_assert(offsetof(struct tyr_blob_header, reserved) == 60, "docs/format.md");
_Static_assert(sizeof(struct tyr_blob_sect) == 16, "docs/format.md: section entry");
_Static_assert(sizeof(struct tyr_blob_slot) == 4, "docs/format.md: slot table entry");
_Static_assert(TYR_RELOC_TABLE_LEN == 192, "docs/format.md: slot table is 192 bytes");
_Static_assert(offsetof(struct tyr_rec_type, name) == 4, "docs/format.md: type record");
_Static_assert(offsetof(struct tyr_rec_type, ref) == 16, "docs/format.md: type record");
_Static_assert(offsetof(struct tyr_rec_type, first) == 20, "docs/format.md: type record");
_Static_assert(offsetof(struct tyr_rec_field, type) == 4, "docs/format.md: field record");
_Static_assert(offsetof(struct tyr_rec_param, type) == 4, "docs/format.md: param record");

/* Byte positions of the handle slots inside records. */
#define TYR_SLOT_TYPE_NAME 4u
#define TYR_SLOT_TYPE_REF 16u
#define TYR_SLOT_TYPE_FIRST 20u
#define TYR_SLOT_NAME 0u /* field, enumerator, param */
#define TYR_SLOT_MTYPE 4u /* field, param */

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

/* ---- Shared between writer, pruner and loader (lib/blob_write.c, lib/verify.c) ---- */

/* Serialize reg's tables as they are into one malloc'd blob (owned by the caller, free()).
 * flags: TYR_BLOB_F_*. Returns 0, TYR_ENOMEM, TYR_EOVERFLOW. */
TYR_HIDDEN int tyr__blob_build(const tyr_registry *reg, uint32_t flags, void **out,
                               size_t *out_len);

/* Verify a blob in place. Returns 0 or an error, diag filled on error.
 * `full` = 0 checks only the header and section table (the trusted path, O(1)). */
TYR_HIDDEN int tyr__blob_check(const void *buf, size_t len, int full, tyr_diag *diag);

/* Point a registry (zeroed by the caller) at a checked blob's sections. */
TYR_HIDDEN void tyr__blob_attach(tyr_registry *reg, const void *buf);

/* A pruned copy of reg: every table on the heap, in a registry struct that the caller
 * releases with tyr__pruned_free(). map[ntypes of reg] receives old id -> new id (0 dropped).
 * roots are read (not rewritten). Returns 0, TYR_ENOMEM, TYR_EHANDLE. */
TYR_HIDDEN int tyr__prune(const tyr_registry *reg, const tyr_sized_type *roots, size_t nroots,
                          uint32_t *map, tyr_registry **out);
TYR_HIDDEN void tyr__pruned_free(tyr_registry *reg);

#endif /* TYR_BLOB_FORMAT_H */

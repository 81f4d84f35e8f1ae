/* SPDX-License-Identifier: MIT */
/*
 * Private to the library: the arena's record layouts and the registry object.
 *
 * The arena is a set of tables, each an array of fixed-size records indexed by handle
 * (entry 0 of every table is the "none" record, so handle 0 means none everywhere):
 *   strings     bytes; offset 0 is "" ; every name slot is an offset here
 *   types       struct tyr_rec_type, 32 bytes, indexed by type id
 *   fields      struct tyr_rec_field, 24 bytes; a record owns a (first, count) range
 *   enumerators struct tyr_rec_enumerator, 16 bytes; an enum owns a range
 *   params      struct tyr_rec_param, 8 bytes; a function prototype owns a range
 *   buckets     uint32_t type id heads of the name index (power-of-two count)
 *   chain       uint32_t per type id: the next type id in the same bucket (strictly lower)
 * In building mode each table is a heap array grown by realloc; a blob stores each one
 * byte for byte as a section, and a mapped registry points into those sections.
 * All records are little-endian and 8-byte-aligned tables of naturally aligned fields.
 */
#ifndef TYR_INTERNAL_H
#define TYR_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tyr/registry.h"

#if defined(__GNUC__)
#define TYR_HIDDEN __attribute__((visibility("hidden")))
#else
#define TYR_HIDDEN
#endif

/* Handle spaces: what a slot points into. Values are on disk (in the relocation map). */
enum tyr_space {
    TYR_SPACE_STRING = 1,
    TYR_SPACE_TYPE = 2,
    TYR_SPACE_FIELD = 3,
    TYR_SPACE_ENUMERATOR = 4,
    TYR_SPACE_PARAM = 5,
};

/* Internal-only type flag: the record is a member/element of something by value. */
#define TYR_TF_SEALED 0x80u

/*
 * A type record. Which slots mean what, per kind (unused slots are 0):
 *   name   string offset (0 = anonymous)
 *   size   bytes: INT, FLOAT, PTR, ARRAY, STRUCT/UNION (0 while declared), ENUM, UNKNOWN.
 *          TYPEDEF and qualifiers store 0: their size is the resolved type's (O(1), below)
 *   ref    type id: PTR pointee, ARRAY element, TYPEDEF/qualifier target,
 *          FUNC_PROTO return type, FUNC prototype
 *   first  STRUCT/UNION: first field; ENUM: first enumerator; FUNC_PROTO: first param
 *          (0 when count is 0). TYPEDEF/qualifiers: the resolved type, the first type down
 *          the ref chain that is neither a typedef nor a qualifier (makes strip O(1))
 *   count  fields / enumerators / params / array elements; INT, FLOAT: value bits
 *   rank   STRUCT/UNION/ARRAY: 1 + the largest rank among the records and arrays it holds
 *          by value (0 if none). Every by-value edge goes to a strictly lower rank.
 * Invariants the builder keeps and the verifier checks:
 *   - every `ref` is a strictly lower id than its record (a target exists before anything
 *     that refers to it), so ref chains end; only fields and params may name higher ids;
 *   - a field's or array element's resolved type, if a STRUCT/UNION/ARRAY, has a strictly
 *     lower rank than the record or array holding it: no size cycle can exist;
 *   - a TYPEDEF/qualifier's `first` equals tyr__resolve(ref).
 */
struct tyr_rec_type {
    uint8_t kind;   /* enum tyr_kind */
    uint8_t flags;  /* TYR_* flags of the kind, plus TYR_TF_SEALED */
    uint16_t align; /* bytes; 0 for TYPEDEF/qualifiers (resolved), void, functions */
    uint32_t name;
    uint64_t size;
    uint32_t ref;
    uint32_t first;
    uint32_t count;
    uint32_t rank;
};

struct tyr_rec_field {
    uint32_t name;
    uint32_t type;
    uint64_t offset;     /* bytes from the record's start */
    uint8_t bit_offset;  /* bitfields only (below 128: a unit is at most 16 bytes) */
    uint8_t flags;       /* TYR_FIELD_* */
    uint16_t bit_size;   /* 0 = not a bitfield */
    uint32_t name_hint;  /* tyr__member_hint(name) */
};

struct tyr_rec_enumerator {
    uint32_t name;
    uint32_t reserved; /* 0 */
    uint64_t value;    /* two's complement */
};

struct tyr_rec_param {
    uint32_t name;
    uint32_t type;
};

_Static_assert(sizeof(struct tyr_rec_type) == 32, "docs/format.md: type record is 32 bytes");
_Static_assert(sizeof(struct tyr_rec_field) == 24, "docs/format.md: field record is 24 bytes");
_Static_assert(sizeof(struct tyr_rec_enumerator) == 16, "enumerator record is 16 bytes");
_Static_assert(sizeof(struct tyr_rec_param) == 8, "param record is 8 bytes");

enum tyr_mode { TYR_MODE_BUILDING = 0, TYR_MODE_MAPPED = 1 };

/*
 * The registry. The table pointers and counts are the only thing queries read, in both
 * modes. In building mode they are heap arrays (owned, with capacities); in mapped mode they
 * point into `map` (owned when map_len != 0, unmapped by tyr_registry_free) or into memory
 * the caller keeps alive.
 */
struct tyr_registry {
    enum tyr_mode mode;
    uint32_t pointer_size;
    /* tyr_registry_generation(): unique in the process, renewed by every rollback. */
    uint64_t generation;

    struct tyr_rec_type *types;
    uint32_t ntypes, cap_types;
    struct tyr_rec_field *fields;
    uint32_t nfields, cap_fields;
    struct tyr_rec_enumerator *enums;
    uint32_t nenums, cap_enums;
    struct tyr_rec_param *params;
    uint32_t nparams, cap_params;
    char *strs;
    uint32_t strs_len, cap_strs;
    uint32_t *buckets; /* nbuckets is 0 or a power of two */
    uint32_t nbuckets;
    uint32_t *chain; /* ntypes entries, capacity cap_types */

    /* Building only: the string intern set, open addressing (off 0 = empty slot), each
     * slot keeping its string's hash so that growing never rereads the strings; and each
     * type's name hash, so that growing the name index does not either. */
    struct tyr_intern_slot {
        uint32_t off, hash;
    } *intern;
    uint32_t intern_cap, intern_used;
    uint32_t *name_hash; /* ntypes entries, capacity cap_types */
    uint32_t nnamed;     /* named types, i.e. entries in the name index */

    /* Building only: the undo log of open snapshots (tyr_registry_snapshot). Before a
     * builder changes a record that existed when the innermost open snapshot was taken (a
     * struct completed, a member added, a record sealed), it logs the record's old value;
     * a rollback writes the log back in reverse. Cleared when the last snapshot closes. */
    struct tyr_undo {
        uint32_t id;
        struct tyr_rec_type old;
    } *undo;
    uint32_t nundo, cap_undo;
    uint32_t open_snapshots;
    uint32_t log_below; /* records with a lower id are logged before a change; 0 = none */
    /* The binary the types came from (tyr_registry_set_source): "path\0build-id\0",
     * src_len bytes with both NULs; NULL/0 when unknown. Building: owned (free); mapped: a
     * view of the blob's source section. */
    char *src;
    uint32_t src_len;

    /* Mapped only. */
    void *map;        /* mmap base to munmap, or NULL */
    size_t map_len;
    uint64_t blob_off; /* where the blob starts in the file it was loaded from */
};

/* Shared helpers (lib/registry.c). */
/* The name index hashes at most this many leading bytes of a name, so that verifying the
 * index costs at most TYR_NAME_HASH_MAX bytes per named type whatever the strings hold. */
#define TYR_NAME_HASH_MAX 256u
/* XXH3-64 of the first strnlen(name, TYR_NAME_HASH_MAX) bytes, folded to 32 bits; the
 * bucket is hash & (nbuckets - 1). Every named type (name != 0) is in the index. */
TYR_HIDDEN uint32_t tyr__name_hash(const char *name);
/* A member's name hint (struct tyr_rec_field.name_hint): its length (at most 255) and its
 * first, middle and last bytes, so a lookup by name skips most members without reading their
 * strings. Cheap enough for the verifier to check on every field; 0 for "". */
static inline uint32_t tyr__member_hint(const char *name)
{
    uint32_t len = 0;
    while (len < 255 && name[len])
        len++;
    if (!len)
        return 0;
    return len | (uint32_t)(unsigned char)name[0] << 8 |
           (uint32_t)(unsigned char)name[len / 2] << 16 |
           (uint32_t)(unsigned char)name[len - 1] << 24;
}
/* The type record for id, or NULL if out of range. */
static inline const struct tyr_rec_type *tyr__type(const tyr_registry *reg, uint32_t id)
{
    return id < reg->ntypes ? &reg->types[id] : NULL;
}
static inline const char *tyr__str(const tyr_registry *reg, uint32_t off)
{
    return off < reg->strs_len ? reg->strs + off : "";
}
static inline bool tyr__is_qual_kind(int kind)
{
    return kind >= TYR_KIND_CONST && kind <= TYR_KIND_ATOMIC;
}
static inline bool tyr__is_record_kind(int kind)
{
    return kind == TYR_KIND_STRUCT || kind == TYR_KIND_UNION;
}
/* The first type down t's chain that is neither a typedef nor a qualifier (O(1)). */
static inline uint32_t tyr__resolve(const tyr_registry *reg, uint32_t id)
{
    const struct tyr_rec_type *r = tyr__type(reg, id);
    if (!r)
        return 0;
    if (r->kind == TYR_KIND_TYPEDEF || tyr__is_qual_kind(r->kind))
        return r->first;
    return id;
}
/* Whether a value of resolved type r can be held by value (a member, an array element, a
 * decoded value): 0, TYR_EKIND (void, a function, a prototype) or TYR_EINCOMPLETE (a struct
 * or union only declared). */
static inline int tyr__holdable(const struct tyr_rec_type *r)
{
    switch (r->kind) {
    case TYR_KIND_VOID:
    case TYR_KIND_FUNC:
    case TYR_KIND_FUNC_PROTO:
        return TYR_EKIND;
    case TYR_KIND_STRUCT:
    case TYR_KIND_UNION:
        return (r->flags & TYR_STRUCT_DECL) ? TYR_EINCOMPLETE : 0;
    case TYR_KIND_ARRAY:
        return (r->flags & TYR_ARRAY_INCOMPLETE) ? TYR_EINCOMPLETE : 0;
    default:
        return 0;
    }
}
/* Size and alignment of a TYR_ARRAY_INCOMPLETE array, asked of its innermost element now:
 * count x count x ... x the element's size, 0 (and align 0) while the element is still only
 * declared or the product overflows. Bounded by the ref < id invariant. */
TYR_HIDDEN uint64_t tyr__incomplete_array_size(const tyr_registry *reg, uint32_t id,
                                               uint32_t *align);

/* A generation number not handed out before in this process (tyr_registry_generation). */
TYR_HIDDEN uint64_t tyr__next_generation(void);

/* Rebuild the name index (buckets + chain) from the types table, for a building registry
 * after pruning. Returns 0 or TYR_ENOMEM. */
TYR_HIDDEN int tyr__index_rebuild(tyr_registry *reg);

#endif /* TYR_INTERNAL_H */

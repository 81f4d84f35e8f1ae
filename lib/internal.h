/*
 * Private to the library: the arena's record layouts and the registry object.
 *
 * The arena is a set of tables, each an array of fixed-size records indexed by handle
 * (entry 0 of every table is the "none" record, so handle 0 means none everywhere):
 *   strings     bytes; offset 0 is "" ; every name slot is an offset here
 *   types       struct tyr_rec_type, 16 bytes, indexed by type id
 *   layouts     struct tyr_rec_layout, 16 bytes: size, count and rank of the kinds that
 *               need more than a type record holds (struct, union, enum, array, unknown),
 *               one per such type, in type-id order
 *   fields      struct tyr_rec_field, 12 bytes; a record owns a (first, count) range
 *   enumerators struct tyr_rec_enumerator, 8 bytes; an enum owns a range
 *   wide fields struct tyr_rec_wide_field, 16 bytes, and wide enumerators, struct
 *               tyr_rec_wide_enum, 8 bytes: the rare places and values a packed field or
 *               enumerator record cannot hold, keyed by the record's handle, sorted
 *   params      struct tyr_rec_param, 8 bytes; a function prototype owns a range
 * and the name index: in building mode a chained hash (buckets, chain, name_hash on the heap,
 * never written); in a blob and a mapped registry a bucketed array (starts[nbuckets + 1]
 * into named[nnamed], the ids of every named type grouped by bucket, increasing within one).
 * In building mode each table is a heap array grown by realloc; a blob stores each one
 * byte for byte as a section, and a mapped registry points into those sections.
 * All records are little-endian, in 8-byte-aligned tables of naturally aligned fields.
 * Read records through the accessors below (tyr__t_size, tyr__t_ref, ...), never by slot:
 * what slot `a` and `b` hold depends on the kind (lib/kinds.h has the table).
 */
#ifndef TYR_INTERNAL_H
#define TYR_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tyr/registry.h"

#if defined(__GNUC__)
#define TYR_HIDDEN __attribute__((visibility("hidden")))
#else
#define TYR_HIDDEN
#endif

/* Handle spaces: what a slot points into. Values are on disk (in the relocation table). */
enum tyr_space {
    TYR_SPACE_STRING = 1,
    TYR_SPACE_TYPE = 2,
    TYR_SPACE_FIELD = 3,
    TYR_SPACE_ENUMERATOR = 4,
    TYR_SPACE_PARAM = 5,
    TYR_SPACE_LAYOUT = 6,
};

/* Internal-only type flag: the record is a member/element of something by value. */
#define TYR_TF_SEALED 0x80u

/*
 * A type record: 16 bytes. `name` is a string offset in every kind (0 = anonymous); `aux`
 * is the alignment in bytes, except for a FUNC_PROTO where it is the parameter count. What
 * `a` and `b` hold, per kind:
 *
 *   kind              a                          b
 *   VOID              0                          0
 *   INT, FLOAT        value bits                 size (bytes)
 *   PTR               target type id             size (bytes)
 *   ARRAY             element type id            layout (size, elements, rank)
 *   STRUCT, UNION     first field (0 if none)    layout (size, fields, rank)
 *   ENUM              first enumerator           layout (size, enumerators)
 *   TYPEDEF, quals    target type id             resolved type id
 *   FUNC_PROTO        return type id (0 = void)  first param (0 if none)
 *   FUNC              prototype type id          0
 *   UNKNOWN           0                          layout (size)
 *
 * "resolved" is the first type down the target chain that is neither a typedef nor a
 * qualifier (makes strip O(1)). Alignment is 0 for TYPEDEF/qualifiers (the resolved type's
 * counts), void and functions.
 * Invariants the builder keeps and the verifier checks:
 *   - every target id (the `a` of PTR, ARRAY, TYPEDEF, qualifiers, FUNC_PROTO, FUNC) is
 *     strictly lower than its record's id (a target exists before anything that refers to
 *     it), so target chains end; only fields and params may name higher ids;
 *   - a field's or array element's resolved type, if a STRUCT/UNION/ARRAY, has a strictly
 *     lower rank than the record or array holding it: no size cycle can exist;
 *   - a TYPEDEF/qualifier's resolved id equals tyr__resolve(target);
 *   - the layout-holding types own layouts 1, 2, 3, ... in type-id order.
 */
struct tyr_rec_type {
    uint8_t kind;  /* enum tyr_kind */
    uint8_t flags; /* TYR_* flags of the kind, plus TYR_TF_SEALED */
    uint16_t aux;  /* alignment in bytes; FUNC_PROTO: parameter count */
    uint32_t name;
    uint32_t a;
    uint32_t b;
};

/* What a STRUCT, UNION, ENUM, ARRAY or UNKNOWN needs beyond its type record. */
struct tyr_rec_layout {
    uint64_t size;  /* bytes (0 while a struct is only declared, for [] and incomplete arrays) */
    uint32_t count; /* fields, enumerators or array elements; 0 for UNKNOWN */
    uint32_t rank;  /* STRUCT/UNION/ARRAY: 1 + the largest rank among the records and arrays
                     * it holds by value (0 if none); 0 for ENUM and UNKNOWN */
};

/*
 * A field record: 12 bytes. `pos` packs the member's place in its record into one word, in
 * one of three forms; the rare members a packed form cannot hold (a byte offset past its
 * limit, a wide bitfield, a bitfield far into its record) are WIDE: their place is in the
 * wide-field table, keyed by the field's handle.
 *
 *   bits 0-1   flags: TYR_FIELD_BASE 1, TYR_FIELD_VIRTUAL 2 (every form)
 *   bits 2-3   form:
 *     0 PLAIN     not a bitfield; the byte offset is pos >> 4 (below 2^28: 256 MiB)
 *     1 BITFIELD  bits 4-9: bit_size - 1 (a width of 1..64); bits 10-16: bit_offset
 *                 (0..127); bits 17-31: the byte offset (below 2^15: 32 KiB)
 *     2 WIDE      bits 4-31 are 0; the wide-field table has this field's entry
 *     3           invalid
 * Read a field through tyr__f_pos() (or tyr__f_offset ...), write one with
 * tyr__field_encode(); never by bit.
 */
#define TYR_FIELD_OFFSET_MAX ((UINT64_C(1) << 40) - 1) /* the builders' limit (1 TiB - 1) */
#define TYR_FPOS_FLAGS 0x3u
#define TYR_FPOS_FORM_SHIFT 2
#define TYR_FPOS_PLAIN 0u
#define TYR_FPOS_BITFIELD 1u
#define TYR_FPOS_WIDE 2u
#define TYR_FPOS_PLAIN_MAX ((UINT64_C(1) << 28) - 1)
#define TYR_FPOS_BF_OFFSET_MAX ((UINT64_C(1) << 15) - 1)
#define TYR_FPOS_BF_SIZE_MAX 64u
#define TYR_FPOS_BF_BITOFF_MAX 127u
struct tyr_rec_field {
    uint32_t name;
    uint32_t type;
    uint32_t pos; /* flags, form and place, above */
};

/* The place of a WIDE field (16 bytes), in the wide-field table, which holds one entry per
 * WIDE field record (stale copies included), in increasing field order, and nothing else. */
struct tyr_rec_wide_field {
    uint32_t field;      /* the field record's handle (a FIELD-space slot) */
    uint8_t bit_offset;  /* bitfields only, from offset */
    uint8_t bit_size;    /* 0 = not a bitfield */
    uint16_t zero;       /* 0 */
    uint64_t offset;     /* bytes from the record's start */
};

/* An enumerator record: 8 bytes. `value` is the low 32 bits of the value, two's complement;
 * the high 32 bits are value's sign extension, unless the wide-enumerator table has an entry
 * for this enumerator, which holds them (and then they are not the sign extension). */
struct tyr_rec_enumerator {
    uint32_t name;
    uint32_t value;
};

/* The high half of a value that is not the sign extension of its low half (8 bytes), in the
 * wide-enumerator table: one entry per such enumerator, in increasing enumerator order. */
struct tyr_rec_wide_enum {
    uint32_t enumerator; /* the enumerator's handle (an ENUMERATOR-space slot) */
    uint32_t hi;         /* bits 32-63 of the value */
};

struct tyr_rec_param {
    uint32_t name;
    uint32_t type;
};

_Static_assert(sizeof(struct tyr_rec_type) == 16, "docs/format.md: type record is 16 bytes");
_Static_assert(sizeof(struct tyr_rec_layout) == 16, "docs/format.md: layout record is 16 bytes");
_Static_assert(sizeof(struct tyr_rec_field) == 12, "docs/format.md: field record is 12 bytes");
_Static_assert(sizeof(struct tyr_rec_wide_field) == 16, "docs/format.md: wide field is 16 bytes");
_Static_assert(sizeof(struct tyr_rec_enumerator) == 8, "enumerator record is 8 bytes");
_Static_assert(sizeof(struct tyr_rec_wide_enum) == 8, "wide enumerator is 8 bytes");
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
    struct tyr_rec_layout *layouts;
    uint32_t nlayouts, cap_layouts;
    struct tyr_rec_field *fields;
    uint32_t nfields, cap_fields;
    struct tyr_rec_enumerator *enums;
    uint32_t nenums, cap_enums;
    /* The escapes of the fields and enumerators a packed record cannot hold, sorted by the
     * handle they belong to. */
    struct tyr_rec_wide_field *wfields;
    uint32_t nwfields, cap_wfields;
    struct tyr_rec_wide_enum *wenums;
    uint32_t nwenums, cap_wenums;
    struct tyr_rec_param *params;
    uint32_t nparams, cap_params;
    char *strs;
    uint32_t strs_len, cap_strs;
    /* The name index. nbuckets is 0 or a power of two; a name's bucket is
     * tyr__name_hash(name) & (nbuckets - 1). nnamed: named types, its entries.
     * Building: buckets[b] is the highest named id of bucket b (0 = empty) and chain[id]
     * the next lower one (capacity cap_types). Mapped: starts[b] .. starts[b + 1] index
     * named[], the ids of bucket b in increasing order. */
    uint32_t nbuckets, nnamed;
    uint32_t *buckets;
    uint32_t *chain;
    const uint32_t *starts; /* mapped: nbuckets + 1 entries */
    const uint32_t *named;  /* mapped: nnamed entries */

    /* Building only: the string intern set, open addressing over intern_cap slots: the
     * string's offset in intern[] and a tag of its hash (never 0; 0 = empty slot) in
     * intern_tag[], which a probe reads first: five bytes a slot. And each type's name
     * hash, so that growing the name index never rereads the names. */
    uint32_t *intern;
    uint8_t *intern_tag;
    uint32_t intern_cap, intern_used;
    uint32_t *name_hash; /* ntypes entries, capacity cap_types */

    /* Building only: the undo log of open snapshots (tyr_registry_snapshot). Before a
     * builder changes a record that existed when the innermost open snapshot was taken (a
     * struct completed, a member added, a record sealed), it logs the record's old value
     * and its layout's;
     * a rollback writes the log back in reverse. Cleared when the last snapshot closes. */
    struct tyr_undo {
        uint32_t id;
        struct tyr_rec_type old;
        struct tyr_rec_layout old_layout; /* the layout old.b named (none: all zero) */
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
/* The name hash of named type id: kept by a building registry, else hashed again. */
static inline uint32_t tyr__type_name_hash(const tyr_registry *reg, uint32_t id)
{
    return reg->name_hash ? reg->name_hash[id]
                          : tyr__name_hash(reg->strs + reg->types[id].name);
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
/* ---- Reading records: what each slot means for each kind (the table at struct
 * tyr_rec_type). Every reader goes through these; none reads `a`, `b` or `aux` itself. */

static inline bool tyr__has_layout(unsigned kind)
{
    return kind == TYR_KIND_STRUCT || kind == TYR_KIND_UNION || kind == TYR_KIND_ENUM ||
           kind == TYR_KIND_ARRAY || kind == TYR_KIND_UNKNOWN;
}
/* The layout of r, or the all-zero none record (kinds without one, or an out-of-range
 * index, which the verifier rejects and a builder never makes). */
static inline const struct tyr_rec_layout *tyr__layout(const tyr_registry *reg,
                                                       const struct tyr_rec_type *r)
{
    static const struct tyr_rec_layout none;
    if (!tyr__has_layout(r->kind) || r->b >= reg->nlayouts)
        return &none;
    return &reg->layouts[r->b];
}
/* The target: PTR pointee, ARRAY element, TYPEDEF/qualifier target, FUNC_PROTO return
 * type, FUNC prototype; 0 for the other kinds. */
static inline uint32_t tyr__t_ref(const struct tyr_rec_type *r)
{
    switch (r->kind) {
    case TYR_KIND_PTR:
    case TYR_KIND_ARRAY:
    case TYR_KIND_TYPEDEF:
    case TYR_KIND_CONST:
    case TYR_KIND_VOLATILE:
    case TYR_KIND_RESTRICT:
    case TYR_KIND_ATOMIC:
    case TYR_KIND_FUNC_PROTO:
    case TYR_KIND_FUNC:
        return r->a;
    default:
        return 0;
    }
}
/* Size in bytes as stored: 0 for TYPEDEF/qualifiers (ask the resolved type), void and
 * functions. */
static inline uint64_t tyr__t_size(const tyr_registry *reg, const struct tyr_rec_type *r)
{
    switch (r->kind) {
    case TYR_KIND_INT:
    case TYR_KIND_FLOAT:
    case TYR_KIND_PTR:
        return r->b;
    default:
        return tyr__layout(reg, r)->size;
    }
}
static inline uint32_t tyr__t_align(const struct tyr_rec_type *r)
{
    return r->kind == TYR_KIND_FUNC_PROTO ? 0 : r->aux;
}
/* INT, FLOAT: value bits; 0 otherwise. */
static inline uint32_t tyr__t_bits(const struct tyr_rec_type *r)
{
    return r->kind == TYR_KIND_INT || r->kind == TYR_KIND_FLOAT ? r->a : 0;
}
/* The first record of the counted tail (fields, enumerators, params); 0 without one. */
static inline uint32_t tyr__t_first(const struct tyr_rec_type *r)
{
    switch (r->kind) {
    case TYR_KIND_STRUCT:
    case TYR_KIND_UNION:
    case TYR_KIND_ENUM:
        return r->a;
    case TYR_KIND_FUNC_PROTO:
        return r->b;
    default:
        return 0;
    }
}
/* Fields, enumerators, params, or ARRAY elements; 0 for the other kinds. */
static inline uint32_t tyr__t_count(const tyr_registry *reg, const struct tyr_rec_type *r)
{
    if (r->kind == TYR_KIND_FUNC_PROTO)
        return r->aux;
    if (r->kind == TYR_KIND_UNKNOWN)
        return 0;
    return tyr__layout(reg, r)->count;
}
static inline uint32_t tyr__t_rank(const tyr_registry *reg, const struct tyr_rec_type *r)
{
    return tyr__layout(reg, r)->rank;
}
/* A field's place, decoded. */
struct tyr_field_pos {
    uint64_t offset; /* bytes from the record's start */
    uint32_t bit_offset, bit_size, flags;
};
/* In an escape table of n entries of `stride` bytes, sorted by their leading 32-bit record
 * handle: the first entry whose handle is >= rec, n if none (binary search). */
static inline uint32_t tyr__escape_bound(const void *table, size_t stride, uint32_t n,
                                         uint32_t rec)
{
    const unsigned char *p = table;
    uint32_t lo = 0, hi = n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2, h;
        memcpy(&h, p + (size_t)mid * stride, sizeof h);
        if (h < rec)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}
/* The wide entry of field fi in a sorted table of n, or NULL. */
static inline const struct tyr_rec_wide_field *tyr__wide_field_find(
    const struct tyr_rec_wide_field *w, uint32_t n, uint32_t fi)
{
    uint32_t i = n ? tyr__escape_bound(w, sizeof *w, n, fi) : 0;
    return i < n && w[i].field == fi ? &w[i] : NULL;
}
/* Decode pos of field fi, whose WIDE entry (if any) is in w[0..n). A WIDE field without an
 * entry (a verifier rejects it; a builder never makes one) reads as offset 0. */
static inline struct tyr_field_pos tyr__field_pos_decode(uint32_t pos,
                                                         const struct tyr_rec_wide_field *w,
                                                         uint32_t n, uint32_t fi)
{
    struct tyr_field_pos p = {0, 0, 0, pos & TYR_FPOS_FLAGS};
    switch ((pos >> TYR_FPOS_FORM_SHIFT) & 3u) {
    case TYR_FPOS_PLAIN:
        p.offset = pos >> 4;
        break;
    case TYR_FPOS_BITFIELD:
        p.bit_size = ((pos >> 4) & 0x3fu) + 1;
        p.bit_offset = (pos >> 10) & 0x7fu;
        p.offset = pos >> 17;
        break;
    default: {
        const struct tyr_rec_wide_field *e = tyr__wide_field_find(w, n, fi);
        if (e) {
            p.offset = e->offset;
            p.bit_offset = e->bit_offset;
            p.bit_size = e->bit_size;
        }
        break;
    }
    }
    return p;
}
/* The place of f, a record of reg->fields. */
static inline struct tyr_field_pos tyr__f_pos(const tyr_registry *reg,
                                              const struct tyr_rec_field *f)
{
    return tyr__field_pos_decode(f->pos, reg->wfields, reg->nwfields,
                                 (uint32_t)(f - reg->fields));
}
static inline uint64_t tyr__f_offset(const tyr_registry *reg, const struct tyr_rec_field *f)
{
    return tyr__f_pos(reg, f).offset;
}
static inline uint32_t tyr__f_bit_offset(const tyr_registry *reg, const struct tyr_rec_field *f)
{
    return tyr__f_pos(reg, f).bit_offset;
}
/* 0: not a bitfield. */
static inline uint32_t tyr__f_bit_size(const tyr_registry *reg, const struct tyr_rec_field *f)
{
    return tyr__f_pos(reg, f).bit_size;
}
/* TYR_FIELD_*: in the record itself, whatever its form. */
static inline uint32_t tyr__f_flags(const struct tyr_rec_field *f)
{
    return f->pos & TYR_FPOS_FLAGS;
}
/*
 * Encode a member into a field record: *f gets name, type and pos. Returns true when the
 * place needs a WIDE entry: then *w is filled but for w->field, which the caller sets to the
 * record's handle, appending w to the wide-field table in handle order. offset must be at
 * most TYR_FIELD_OFFSET_MAX, bit_offset + bit_size at most 255, flags TYR_FIELD_* (the
 * builders check all three).
 */
static inline bool tyr__field_encode(struct tyr_rec_field *f, uint32_t name, uint32_t type,
                                     uint64_t offset, uint32_t bit_offset, uint32_t bit_size,
                                     uint32_t flags, struct tyr_rec_wide_field *w)
{
    f->name = name;
    f->type = type;
    flags &= TYR_FPOS_FLAGS;
    if (bit_size == 0 && bit_offset == 0 && offset <= TYR_FPOS_PLAIN_MAX) {
        f->pos = (uint32_t)offset << 4 | TYR_FPOS_PLAIN << TYR_FPOS_FORM_SHIFT | flags;
        return false;
    }
    if (bit_size >= 1 && bit_size <= TYR_FPOS_BF_SIZE_MAX && bit_offset <= TYR_FPOS_BF_BITOFF_MAX &&
        offset <= TYR_FPOS_BF_OFFSET_MAX) {
        f->pos = (uint32_t)offset << 17 | bit_offset << 10 | (bit_size - 1) << 4 |
                 TYR_FPOS_BITFIELD << TYR_FPOS_FORM_SHIFT | flags;
        return false;
    }
    f->pos = TYR_FPOS_WIDE << TYR_FPOS_FORM_SHIFT | flags;
    *w = (struct tyr_rec_wide_field){.field = 0, .bit_offset = (uint8_t)bit_offset,
                                     .bit_size = (uint8_t)bit_size, .zero = 0,
                                     .offset = offset};
    return true;
}

/* The high half of enumerator ei's value, given its low half: from its entry in the sorted
 * wide table w[0..n), else the sign extension. */
static inline uint64_t tyr__enum_value_decode(uint32_t lo, const struct tyr_rec_wide_enum *w,
                                              uint32_t n, uint32_t ei)
{
    uint64_t v = (uint64_t)(int64_t)(int32_t)lo;
    if (n && ei >= w[0].enumerator && ei <= w[n - 1].enumerator) {
        uint32_t a = tyr__escape_bound(w, sizeof *w, n, ei);
        if (a < n && w[a].enumerator == ei)
            v = (uint64_t)lo | (uint64_t)w[a].hi << 32;
    }
    return v;
}
/* The value of e, a record of reg->enums, two's complement. */
static inline uint64_t tyr__e_value(const tyr_registry *reg, const struct tyr_rec_enumerator *e)
{
    return tyr__enum_value_decode(e->value, reg->wenums, reg->nwenums,
                                  (uint32_t)(e - reg->enums));
}
/* Encode an enumerator: *e gets name and the low half. Returns true when the value needs a
 * wide entry: then *w is filled but for w->enumerator, which the caller sets to the record's
 * handle, appending w to the wide-enumerator table in handle order. */
static inline bool tyr__enum_encode(struct tyr_rec_enumerator *e, uint32_t name, uint64_t value,
                                    struct tyr_rec_wide_enum *w)
{
    e->name = name;
    e->value = (uint32_t)value;
    if ((uint64_t)(int64_t)(int32_t)(uint32_t)value == value)
        return false;
    *w = (struct tyr_rec_wide_enum){.enumerator = 0, .hi = (uint32_t)(value >> 32)};
    return true;
}

/* The first type down t's chain that is neither a typedef nor a qualifier (O(1)). */
static inline uint32_t tyr__resolve(const tyr_registry *reg, uint32_t id)
{
    const struct tyr_rec_type *r = tyr__type(reg, id);
    if (!r)
        return 0;
    if (r->kind == TYR_KIND_TYPEDEF || tyr__is_qual_kind(r->kind))
        return r->b;
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
/* Type id held by value (a member, an array element): its resolved id in *res, and 0,
 * TYR_EHANDLE (no such id) or tyr__holdable's refusal. */
static inline int tyr__by_value(const tyr_registry *reg, uint32_t id, uint32_t *res)
{
    if (id >= reg->ntypes)
        return TYR_EHANDLE;
    *res = tyr__resolve(reg, id);
    return tyr__holdable(&reg->types[*res]);
}
/* Rank contributed by holding r by value (see struct tyr_rec_type). */
static inline uint32_t tyr__held_rank(const tyr_registry *reg, const struct tyr_rec_type *r)
{
    bool bearing = tyr__is_record_kind(r->kind) || r->kind == TYR_KIND_ARRAY;
    return bearing ? tyr__t_rank(reg, r) + 1 : 0;
}
static inline bool tyr__is_pow2(uint64_t v)
{
    return v && !(v & (v - 1));
}
/* The shapes the builders accept (tyr_add_int, tyr_add_float, tyr_struct_new and
 * tyr_struct_complete, tyr_enum_new, tyr_enum_add), checked alike by the bulk appends. */
static inline bool tyr__int_ok(uint32_t size, uint32_t flags)
{
    return tyr__is_pow2(size) && size <= 16 &&
           !(flags & ~(uint32_t)(TYR_INT_SIGNED | TYR_INT_CHAR | TYR_INT_BOOL));
}
static inline bool tyr__float_ok(uint32_t size, uint32_t bits)
{
    return (size == 4 && bits == 32) || (size == 8 && bits == 64) ||
           (size == 16 && (bits == 80 || bits == 128));
}
static inline bool tyr__struct_ok(uint32_t align, uint32_t flags)
{
    return tyr__is_pow2(align) && align <= UINT16_MAX && !(flags & ~(uint32_t)TYR_STRUCT_PACKED);
}
static inline bool tyr__enum_ok(uint32_t size, uint32_t flags)
{
    return tyr__is_pow2(size) && size <= 8 && !(flags & ~(uint32_t)TYR_ENUM_SIGNED);
}
/* Does value (two's complement) fit an enum of size bytes and that signedness? */
static inline bool tyr__enum_value_fits(uint64_t value, uint64_t size, bool is_signed)
{
    if (size >= 8)
        return true;
    unsigned bits = (unsigned)size * 8;
    if (!is_signed)
        return value >> bits == 0;
    int64_t v = (int64_t)value;
    int64_t lim = (int64_t)1 << (bits - 1);
    return v >= -lim && v < lim;
}
/* Size and alignment of a TYR_ARRAY_INCOMPLETE array, asked of its innermost element now:
 * count x count x ... x the element's size, 0 (and align 0) while the element is still only
 * declared or the product overflows. Bounded by the ref < id invariant. */
TYR_HIDDEN uint64_t tyr__incomplete_array_size(const tyr_registry *reg, uint32_t id,
                                               uint32_t *align);

/* Appending to a building registry without the builders' checks, for the pruner, which
 * copies records already checked (lib/registry.c). All three are all-or-nothing. */
/* Append rec named `name` (interned and indexed; rec.name is ignored) and, for a kind with
 * one, a copy of *layout as its layout record (rec.b becomes its index). *id: the new id. */
TYR_HIDDEN int tyr__append_type(tyr_registry *reg, struct tyr_rec_type rec,
                                const struct tyr_rec_layout *layout, const char *name,
                                uint32_t *id);
/* Intern s ("" and NULL are offset 0) into *off. */
TYR_HIDDEN int tyr__intern(tyr_registry *reg, const char *s, uint32_t *off);
/* Append a copy of records [from_first, from_first + n) of a tail space (TYR_SPACE_FIELD,
 * _ENUMERATOR, _PARAM) of `from` (another registry, or reg itself), with their escapes;
 * *first: the first copy's handle (0 when n is 0). */
TYR_HIDDEN int tyr__append_tail(tyr_registry *reg, unsigned space, const tyr_registry *from,
                                uint32_t from_first, uint32_t n, uint32_t *first);
/* Does a member of type size tsize at offset (and bit_offset/bit_size, a bitfield when
 * bit_size != 0) fit its storage unit and a struct of struct_size bytes? 0, TYR_EINVAL (a
 * bit offset without a width) or TYR_ERANGE: tyr_struct_add_field's check, shared with the
 * bulk appends. */
TYR_HIDDEN int tyr__member_fits(uint64_t struct_size, uint64_t tsize, uint64_t offset,
                                uint32_t bit_offset, uint32_t bit_size);
/* Append one field or enumerator record at the end of its table, with its escape when it
 * needs one (tyr__field_encode, tyr__enum_encode): a bulk importer's one way to write a
 * member, after it checked the member. The range owning it must end at the table's end.
 * All-or-nothing: 0, TYR_ENOMEM, TYR_EOVERFLOW. */
TYR_HIDDEN int tyr__field_append(tyr_registry *reg, uint32_t name, uint32_t type,
                                 uint64_t offset, uint32_t bit_offset, uint32_t bit_size,
                                 uint32_t flags);
TYR_HIDDEN int tyr__enum_append(tyr_registry *reg, uint32_t name, uint64_t value);
static inline size_t tyr__tail_stride(unsigned space)
{
    return space == TYR_SPACE_FIELD        ? sizeof(struct tyr_rec_field)
           : space == TYR_SPACE_ENUMERATOR ? sizeof(struct tyr_rec_enumerator)
           : space == TYR_SPACE_PARAM      ? sizeof(struct tyr_rec_param)
                                           : 0;
}

/* A generation number not handed out before in this process (tyr_registry_generation). */
TYR_HIDDEN uint64_t tyr__next_generation(void);

/* The highest type id < below whose name is `name`, 0 if none (or name is ""): building
 * registries walk the bucket's chain, mapped ones the bucket's run of NAMED. Pass below =
 * UINT32_MAX first, then the previous result: that gives every type of the name in
 * decreasing id order (tyr_find, tyr_find_next). Results strictly decrease whatever a
 * SAFE-checked index holds, so a caller's loop ends. The kind filter is the caller's. */
/* Buckets of the name index a blob holds for nnamed named types: 0 without names, else
 * the smallest power of two >= nnamed / 16 (8 to 16 ids per bucket: 4 bytes of STARTS per
 * 8 to 16 names; a lookup reads the names of half a bucket on a hit and of the whole bucket
 * on a miss, most of them told apart by their first byte without a call). */
static inline uint32_t tyr__blob_buckets(uint32_t nnamed)
{
    uint32_t want = nnamed / 16 + (nnamed % 16 != 0), n = 1;
    if (!nnamed)
        return 0;
    while (n < want)
        n <<= 1;
    return n;
}
/* The buckets of reg's index as a blob holds it (building: as the writer will emit it). */
static inline uint32_t tyr__index_buckets(const tyr_registry *reg)
{
    return reg->mode == TYR_MODE_MAPPED ? reg->nbuckets : tyr__blob_buckets(reg->nnamed);
}
TYR_HIDDEN uint32_t tyr__name_below(const tyr_registry *reg, const char *name, uint32_t below);

/* ==== Bulk appends (lib/registry_bulk.c) =================================================
 * For an importer that fills an EMPTY building registry from a source bringing its own
 * string table (the BTF importer): the table is adopted whole, so a name is an offset into
 * it (0 for none) and nothing is interned; the string set is built at the first later
 * intern (lib/registry.c, intern_build). Each call makes the checks of the public builder it
 * stands for, with the same error codes, all before it appends anything, and appends its
 * record and its tail in one go. The caller reserves room first (tyr_registry_reserve);
 * a call past the reservation grows the table. Only valid until anything but these calls
 * changes the registry (no snapshot is taken in between: nothing is logged for undo).
 * Exported from libtyr for libtyr-btf only (TYR_API): not part of the public API. */
TYR_API int tyr__bulk_adopt_strings(tyr_registry *reg, const char *strs, uint32_t len);
/* Undoes a bulk fill that failed: back to the empty registry tyr__bulk_adopt_strings accepted
 * (void alone, the one empty string, an empty name index), with a new generation, since the
 * ids issued since may be issued again. Only after that adoption and the bulk appends. */
TYR_API void tyr__bulk_abandon(tyr_registry *reg);
/* Every name argument: 0, or an offset of a non-empty string of the adopted table. */
TYR_API int tyr__bulk_int(tyr_registry *reg, uint32_t name, uint32_t size, uint32_t flags,
                          uint32_t *id);
TYR_API int tyr__bulk_float(tyr_registry *reg, uint32_t name, uint32_t size, uint32_t bits,
                            uint32_t *id);
TYR_API int tyr__bulk_unknown(tyr_registry *reg, uint32_t name, uint64_t size, uint32_t *id);
TYR_API int tyr__bulk_ptr(tyr_registry *reg, uint32_t target, uint32_t *id);
TYR_API int tyr__bulk_qual(tyr_registry *reg, int kind, uint32_t target, uint32_t *id);
TYR_API int tyr__bulk_typedef(tyr_registry *reg, uint32_t name, uint32_t target, uint32_t *id);
TYR_API int tyr__bulk_array(tyr_registry *reg, uint32_t elem, uint32_t count, uint32_t *id);
TYR_API int tyr__bulk_func(tyr_registry *reg, uint32_t name, uint32_t proto, uint32_t *id);
TYR_API int tyr__bulk_declare(tyr_registry *reg, int kind, uint32_t name, uint32_t *id);
struct tyr_bulk_param {
    uint32_t name, type;
};
/* A prototype and its n params; *bad: the param a check failed on (n: the prototype). */
TYR_API int tyr__bulk_proto(tyr_registry *reg, uint32_t ret, uint32_t flags,
                            const struct tyr_bulk_param *p, uint32_t n, uint32_t *bad,
                            uint32_t *id);
struct tyr_bulk_enumerator {
    uint64_t value;
    uint32_t name;
};
/* An enum and its n enumerators; dup: the first one whose name an earlier one has (n if
 * none: the caller compares the names, tyr_enum_add's TYR_EEXIST); *bad as above. */
TYR_API int tyr__bulk_enum(tyr_registry *reg, uint32_t name, uint32_t size, uint32_t flags,
                           const struct tyr_bulk_enumerator *e, uint32_t n, uint32_t dup,
                           uint32_t *bad, uint32_t *id);
struct tyr_bulk_member {
    uint64_t offset; /* bytes */
    uint32_t name, type, bit_offset, bit_size;
};
/* Complete declared struct/union id (tyr_struct_complete) and add its n members
 * (tyr_struct_add_field; names are not compared: the caller does that). *bad: the member a
 * check failed on, n for the completion. */
TYR_API int tyr__bulk_fill(tyr_registry *reg, uint32_t id, uint64_t size, uint32_t align,
                           uint32_t flags, const struct tyr_bulk_member *m, uint32_t n,
                           uint32_t *bad);
/* What a member of type `type` holds by value: the resolved type's kind, flags (no
 * internal ones), size and alignment, as tyr_type_get on tyr_type_strip(type, ALL) gives
 * them. TYR_EHANDLE for a type out of range. */
struct tyr_bulk_held {
    uint64_t size;
    uint32_t kind, flags, align;
};
TYR_API int tyr__bulk_held(const tyr_registry *reg, uint32_t type, struct tyr_bulk_held *out);
/* Name index and string set helpers of lib/registry.c for the above. */
TYR_HIDDEN void tyr__index_add(tyr_registry *reg, uint32_t id, uint32_t hash);
/* ==== End of the bulk appends ============================================================ */

#endif /* TYR_INTERNAL_H */

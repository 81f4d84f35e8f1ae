/* SPDX-License-Identifier: MIT */
/*
 * What each kind stores: one row per enum tyr_kind saying what slots `a` and `b` of struct
 * tyr_rec_type point into (type ids, a layout, a counted tail) and two iterators over the
 * handle slots (type ids, string offsets). The writer's relocation map, the verifier's
 * slot checks, the pruner's mark and rewrite and the dump's closure all read this table, so a
 * new kind is one row here plus its semantics (spelling, sizes) where those live.
 *
 * C++ references are PTR records with TYR_PTR_REF/_RVREF, and base classes are fields with
 * TYR_FIELD_BASE: neither is a kind of its own, so neither has a row.
 */
#ifndef TYR_KINDS_H
#define TYR_KINDS_H

#include <stdint.h>

#include "internal.h"

struct tyr_kind_row {
    uint8_t flags;   /* TYR_* flags the kind may carry (TYR_TF_SEALED is allowed on every kind) */
    uint8_t a_space; /* the TYR_SPACE_* slot `a` points into; 0: a plain value or unused */
    uint8_t b_space; /* the same for slot `b` (TYPE: the resolved type; LAYOUT; PARAM) */
    uint8_t tail;    /* TYR_SPACE_FIELD, _ENUMERATOR or _PARAM: the kind's counted tail */
    uint8_t ref;     /* 1: `a` is a target type id, strictly lower than the record's own */
    uint8_t rank;    /* 1: the rank of its layout is used (records and arrays by value) */
};

/* Indexed by enum tyr_kind. The name slot is a string offset in every kind. */
TYR_HIDDEN extern const struct tyr_kind_row tyr__kind_rows[TYR_KIND_COUNT_];

/* The row of a kind; an out-of-range kind reads as VOID's row (no slot in use). */
static inline const struct tyr_kind_row *tyr__kind(unsigned kind)
{
    return &tyr__kind_rows[kind < TYR_KIND_COUNT_ ? kind : TYR_KIND_VOID];
}
static inline int tyr__kind_has_ref(unsigned kind)
{
    return tyr__kind(kind)->ref;
}
/* The tail space of a kind (FIELD, ENUMERATOR, PARAM), 0 when it has no counted tail. */
static inline unsigned tyr__tail_space(unsigned kind)
{
    return tyr__kind(kind)->tail;
}

/* The relocation table every format-2 blob holds (lib/blob_format.h), derived from the
 * rows: at most TYR_RELOC_MAX entries, sorted. */
#define TYR_RELOC_MAX 64u
struct tyr_blob_reloc;
TYR_HIDDEN uint32_t tyr__reloc_table(struct tyr_blob_reloc *out);

/* The records of a tail space: their size and the byte offsets of their slots. */
struct tyr_tail_row {
    uint8_t stride;   /* bytes per record */
    uint8_t name;     /* offset of the string slot (every tail record has one) */
    uint8_t has_type; /* 1: a type-id slot at offset `type` */
    uint8_t type;
};
/* Indexed by TYR_SPACE_FIELD, _ENUMERATOR, _PARAM; the other entries are all zero. */
TYR_HIDDEN extern const struct tyr_tail_row tyr__tail_rows[TYR_SPACE_PARAM + 1];

/* The table of a tail space in reg and its record count (NULL/0 for any other space). */
static inline const unsigned char *tyr__tail_table(const tyr_registry *reg, unsigned space,
                                                   uint32_t *n)
{
    switch (space) {
    case TYR_SPACE_FIELD:
        *n = reg->nfields;
        return (const unsigned char *)reg->fields;
    case TYR_SPACE_ENUMERATOR:
        *n = reg->nenums;
        return (const unsigned char *)reg->enums;
    case TYR_SPACE_PARAM:
        *n = reg->nparams;
        return (const unsigned char *)reg->params;
    default:
        *n = 0;
        return NULL;
    }
}

/*
 * The iterators: every type-id slot, or every string-offset slot, of one type record and of
 * the records of its tail, in record order (own slots first, then the tail's in order),
 * zero-valued slots included. A tail reaching past its table is cut at the table's end (the
 * verifier rejects such a blob; a building registry never makes one).
 *
 *     struct tyr_slot_iter it;
 *     const uint32_t *s;
 *     tyr__slot_iter_init(&it, reg, t, TYR_SLOTS_TYPE_IDS);
 *     while ((s = tyr__slot_iter_next(&it)))
 *         visit(*s);
 *
 * The slots point into t and into reg's tables; a caller that owns both may write through
 * them (the pruner's rewrite does, on its heap copy).
 */
enum tyr_slot_what { TYR_SLOTS_TYPE_IDS = 0, TYR_SLOTS_STRINGS = 1 };

struct tyr_slot_iter {
    const uint32_t *own[2]; /* slots inside the type record */
    unsigned nown, iown;
    const unsigned char *tail; /* the current tail record's slot */
    uint32_t ntail;            /* tail slots left */
    unsigned stride;
};

TYR_HIDDEN void tyr__slot_iter_init(struct tyr_slot_iter *it, const tyr_registry *reg,
                                    const struct tyr_rec_type *t, enum tyr_slot_what what);

static inline const uint32_t *tyr__slot_iter_next(struct tyr_slot_iter *it)
{
    const uint32_t *s;
    if (it->iown < it->nown)
        return it->own[it->iown++];
    if (!it->ntail)
        return 0;
    s = (const uint32_t *)(const void *)it->tail;
    it->tail += it->stride;
    it->ntail--;
    return s;
}

#endif /* TYR_KINDS_H */

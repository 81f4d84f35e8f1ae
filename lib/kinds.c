/* SPDX-License-Identifier: MIT */
/* The per-kind table and the slot iterators (lib/kinds.h). */
#include <stddef.h>

#include "kinds.h"

#define QUAL_ROW {0, 1, TYR_SPACE_TYPE, TYR_COUNT_NONE, 0}
#define RECORD_ROW {TYR_STRUCT_DECL | TYR_STRUCT_PACKED, 0, TYR_SPACE_FIELD, TYR_COUNT_TAIL, 1}

const struct tyr_kind_row tyr__kind_rows[TYR_KIND_COUNT_] = {
    /*                     flags                                      ref first                 count            rank */
    [TYR_KIND_VOID] = {0, 0, 0, TYR_COUNT_NONE, 0},
    [TYR_KIND_INT] = {TYR_INT_SIGNED | TYR_INT_CHAR | TYR_INT_BOOL, 0, 0, TYR_COUNT_BITS, 0},
    [TYR_KIND_FLOAT] = {0, 0, 0, TYR_COUNT_BITS, 0},
    [TYR_KIND_PTR] = {TYR_PTR_REF | TYR_PTR_RVREF | TYR_PTR_INVISIBLE, 1, 0, TYR_COUNT_NONE, 0},
    [TYR_KIND_ARRAY] = {TYR_ARRAY_FLEX | TYR_ARRAY_INCOMPLETE, 1, 0, TYR_COUNT_ELEMS, 1},
    [TYR_KIND_STRUCT] = RECORD_ROW,
    [TYR_KIND_UNION] = RECORD_ROW,
    [TYR_KIND_ENUM] = {TYR_ENUM_SIGNED, 0, TYR_SPACE_ENUMERATOR, TYR_COUNT_TAIL, 0},
    [TYR_KIND_TYPEDEF] = QUAL_ROW,
    [TYR_KIND_CONST] = QUAL_ROW,
    [TYR_KIND_VOLATILE] = QUAL_ROW,
    [TYR_KIND_RESTRICT] = QUAL_ROW,
    [TYR_KIND_ATOMIC] = QUAL_ROW,
    [TYR_KIND_FUNC_PROTO] = {TYR_FUNC_VARARGS, 1, TYR_SPACE_PARAM, TYR_COUNT_TAIL, 0},
    [TYR_KIND_FUNC] = {0, 1, 0, TYR_COUNT_NONE, 0},
    [TYR_KIND_UNKNOWN] = {0, 0, 0, TYR_COUNT_NONE, 0},
};

const struct tyr_tail_row tyr__tail_rows[TYR_SPACE_PARAM + 1] = {
    [TYR_SPACE_FIELD] = {sizeof(struct tyr_rec_field), offsetof(struct tyr_rec_field, name), 1,
                         offsetof(struct tyr_rec_field, type)},
    [TYR_SPACE_ENUMERATOR] = {sizeof(struct tyr_rec_enumerator),
                              offsetof(struct tyr_rec_enumerator, name), 0, 0},
    [TYR_SPACE_PARAM] = {sizeof(struct tyr_rec_param), offsetof(struct tyr_rec_param, name), 1,
                         offsetof(struct tyr_rec_param, type)},
};

void tyr__slot_iter_init(struct tyr_slot_iter *it, const tyr_registry *reg,
                         const struct tyr_rec_type *t, enum tyr_slot_what what)
{
    const struct tyr_kind_row *k = tyr__kind(t->kind);
    unsigned space = tyr__tail_space(t->kind);
    const struct tyr_tail_row *tr = &tyr__tail_rows[space];
    const unsigned char *table;
    uint32_t n;

    it->nown = it->iown = 0;
    it->ntail = 0;
    it->tail = NULL;
    it->stride = tr->stride;
    if (what == TYR_SLOTS_STRINGS) {
        it->own[it->nown++] = &t->name;
    } else {
        if (k->ref)
            it->own[it->nown++] = &t->ref;
        if (k->first == TYR_SPACE_TYPE)
            it->own[it->nown++] = &t->first;
        if (!tr->has_type)
            return; /* no tail, or a tail without type ids (enumerators) */
    }
    table = tyr__tail_table(reg, space, &n);
    if (!table || !t->count || t->first >= n)
        return;
    it->ntail = t->count < n - t->first ? t->count : n - t->first;
    it->tail = table + (size_t)t->first * tr->stride +
               (what == TYR_SLOTS_STRINGS ? tr->name : tr->type);
}

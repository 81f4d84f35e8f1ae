/* SPDX-License-Identifier: MIT */
/* The per-kind table and the slot iterators (lib/kinds.h). */
#include <stddef.h>

#include "blob_format.h"
#include "kinds.h"

#define QUAL_ROW {0, TYR_SPACE_TYPE, TYR_SPACE_TYPE, 0, 1, 0}
#define RECORD_ROW                                                                           \
    {TYR_STRUCT_DECL | TYR_STRUCT_PACKED, TYR_SPACE_FIELD, TYR_SPACE_LAYOUT, TYR_SPACE_FIELD, 0, 1}

const struct tyr_kind_row tyr__kind_rows[TYR_KIND_COUNT_] = {
    /*                  flags  a_space  b_space  tail  ref  rank */
    [TYR_KIND_VOID] = {0, 0, 0, 0, 0, 0},
    [TYR_KIND_INT] = {TYR_INT_SIGNED | TYR_INT_CHAR | TYR_INT_BOOL, 0, 0, 0, 0, 0},
    [TYR_KIND_FLOAT] = {0, 0, 0, 0, 0, 0},
    [TYR_KIND_PTR] = {TYR_PTR_REF | TYR_PTR_RVREF | TYR_PTR_INVISIBLE, TYR_SPACE_TYPE, 0, 0, 1, 0},
    [TYR_KIND_ARRAY] = {TYR_ARRAY_FLEX | TYR_ARRAY_INCOMPLETE, TYR_SPACE_TYPE, TYR_SPACE_LAYOUT, 0,
                        1, 1},
    [TYR_KIND_STRUCT] = RECORD_ROW,
    [TYR_KIND_UNION] = RECORD_ROW,
    [TYR_KIND_ENUM] = {TYR_ENUM_SIGNED, TYR_SPACE_ENUMERATOR, TYR_SPACE_LAYOUT,
                       TYR_SPACE_ENUMERATOR, 0, 0},
    [TYR_KIND_TYPEDEF] = QUAL_ROW,
    [TYR_KIND_CONST] = QUAL_ROW,
    [TYR_KIND_VOLATILE] = QUAL_ROW,
    [TYR_KIND_RESTRICT] = QUAL_ROW,
    [TYR_KIND_ATOMIC] = QUAL_ROW,
    [TYR_KIND_FUNC_PROTO] = {TYR_FUNC_VARARGS, TYR_SPACE_TYPE, TYR_SPACE_PARAM, TYR_SPACE_PARAM, 1,
                             0},
    [TYR_KIND_FUNC] = {0, TYR_SPACE_TYPE, 0, 0, 1, 0},
    [TYR_KIND_UNKNOWN] = {0, 0, TYR_SPACE_LAYOUT, 0, 0, 0},
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
    const struct tyr_tail_row *tr = &tyr__tail_rows[k->tail];
    const unsigned char *table;
    uint32_t n, first, count;

    it->nown = it->iown = 0;
    it->ntail = 0;
    it->tail = NULL;
    it->stride = tr->stride;
    if (what == TYR_SLOTS_STRINGS) {
        it->own[it->nown++] = &t->name;
    } else {
        if (k->a_space == TYR_SPACE_TYPE)
            it->own[it->nown++] = &t->a;
        if (k->b_space == TYR_SPACE_TYPE)
            it->own[it->nown++] = &t->b;
        if (!tr->has_type)
            return; /* no tail, or a tail without type ids (enumerators) */
    }
    table = tyr__tail_table(reg, k->tail, &n);
    first = tyr__t_first(t);
    count = tyr__t_count(reg, t);
    if (!table || !count || first >= n)
        return;
    it->ntail = count < n - first ? count : n - first;
    it->tail = table + (size_t)first * tr->stride +
               (what == TYR_SLOTS_STRINGS ? tr->name : tr->type);
}

uint32_t tyr__reloc_table(struct tyr_blob_reloc *out)
{
    static const struct {
        uint8_t sect, space;
    } tails[] = {
        {TYR_SECT_FIELDS, TYR_SPACE_FIELD},
        {TYR_SECT_ENUMS, TYR_SPACE_ENUMERATOR},
        {TYR_SECT_PARAMS, TYR_SPACE_PARAM},
    };
    uint32_t n = 0;
    for (unsigned kind = 0; kind < TYR_KIND_COUNT_; kind++) {
        const struct tyr_kind_row *k = &tyr__kind_rows[kind];
        out[n++] = (struct tyr_blob_reloc){TYR_SECT_TYPES, (uint8_t)kind,
                                           offsetof(struct tyr_rec_type, name), TYR_SPACE_STRING};
        if (k->a_space)
            out[n++] = (struct tyr_blob_reloc){TYR_SECT_TYPES, (uint8_t)kind,
                                               offsetof(struct tyr_rec_type, a), k->a_space};
        if (k->b_space)
            out[n++] = (struct tyr_blob_reloc){TYR_SECT_TYPES, (uint8_t)kind,
                                               offsetof(struct tyr_rec_type, b), k->b_space};
    }
    for (size_t i = 0; i < sizeof tails / sizeof tails[0]; i++) {
        const struct tyr_tail_row *tr = &tyr__tail_rows[tails[i].space];
        out[n++] = (struct tyr_blob_reloc){tails[i].sect, TYR_RELOC_ANY_KIND, tr->name,
                                           TYR_SPACE_STRING};
        if (tr->has_type)
            out[n++] = (struct tyr_blob_reloc){tails[i].sect, TYR_RELOC_ANY_KIND, tr->type,
                                               TYR_SPACE_TYPE};
    }
    out[n++] = (struct tyr_blob_reloc){TYR_SECT_NAMED, TYR_RELOC_ANY_KIND, 0, TYR_SPACE_TYPE};
    /* the escapes name the record they belong to */
    out[n++] = (struct tyr_blob_reloc){TYR_SECT_WFIELDS, TYR_RELOC_ANY_KIND,
                                       offsetof(struct tyr_rec_wide_field, field),
                                       TYR_SPACE_FIELD};
    out[n++] = (struct tyr_blob_reloc){TYR_SECT_WENUMS, TYR_RELOC_ANY_KIND,
                                       offsetof(struct tyr_rec_wide_enum, enumerator),
                                       TYR_SPACE_ENUMERATOR};
    return n;
}

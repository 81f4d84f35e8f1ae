/* SPDX-License-Identifier: MIT */
/*
 * Attribute plans: which of a DIE's attributes the importer reads, known from its
 * abbreviation once instead of from every DIE.
 *
 * dwarf_attrlist() allocates every attribute of a DIE one by one (calloc, which glibc does
 * not serve from its per-thread cache, and which takes the arena lock once a second thread
 * exists), and the importer then ignores half of them (DW_AT_decl_file/line/column,
 * DW_AT_sibling, ...). A plan lists, for one abbreviation, the attributes tdw_decode reads
 * and their forms, read through libdwarf's own abbreviation API (dwarf_get_abbrev,
 * dwarf_get_abbrev_entry_b). A DIE is then decoded with one dwarf_attr() per wanted
 * attribute, dwarf_bytesize()/dwarf_bitsize()/dwarf_bitoffset() (no allocation) for sizes in
 * data forms, and nothing at all for attributes whose presence is all that matters
 * (DW_AT_declaration, DW_AT_GNU_vector, DW_AT_ranges).
 *
 * An abbreviation the plan cannot describe exactly (a wanted attribute twice, too many
 * wanted attributes, anything libdwarf's abbreviation reader refuses) gets a plan that says
 * "use dwarf_attrlist", so that such DIEs decode, and fail, exactly as before.
 */
#include <stdlib.h>
#include <string.h>

#include "dwarf_internal.h"

#define EMPTY UINT64_MAX
/* Plans kept per Dwarf_Debug before the table starts afresh: a unit's abbreviations are a
 * few hundred at most, and the units are read in order, so a bounded cache loses little. */
#define MAX_PLANS 2048

/* The attributes tdw_decode_in reads (see its switch); an attribute's index here is its bit
 * in plan_build's duplicate check. */
static const Dwarf_Half wanted_attrs[] = {
    DW_AT_name, DW_AT_type, DW_AT_signature, DW_AT_specification, DW_AT_abstract_origin,
    DW_AT_byte_size, DW_AT_bit_size, DW_AT_data_bit_offset, DW_AT_bit_offset,
    DW_AT_data_member_location, DW_AT_count, DW_AT_upper_bound, DW_AT_lower_bound,
    DW_AT_const_value, DW_AT_encoding, DW_AT_alignment, DW_AT_declaration, DW_AT_GNU_vector,
    DW_AT_low_pc, DW_AT_ranges,
};
_Static_assert(sizeof wanted_attrs / sizeof wanted_attrs[0] <= 32, "one bit each in a uint32_t");

/* The index of at in wanted_attrs, or -1 when the importer does not read it. */
static int wanted_index(Dwarf_Unsigned at)
{
    for (unsigned i = 0; i < sizeof wanted_attrs / sizeof wanted_attrs[0]; i++)
        if (wanted_attrs[i] == at)
            return (int)i;
    return -1;
}

static uint32_t slot_of(Dwarf_Off goff, uint32_t cap)
{
    uint64_t x = goff * UINT64_C(0x9e3779b97f4a7c15);
    return (uint32_t)(x >> 32) & (cap - 1);
}

static int plans_grow(struct tdw_plans *p)
{
    p->last = NULL; /* slots move or are cleared */
    uint32_t cap = p->cap ? p->cap * 2 : 256;
    if (p->used >= MAX_PLANS) {
        /* Start afresh rather than grow without bound. */
        cap = p->cap;
        for (uint32_t i = 0; i < cap; i++)
            p->v[i].goff = EMPTY;
        p->used = 0;
        return 0;
    }
    struct tdw_plan *v = malloc((size_t)cap * sizeof *v);
    if (!v)
        return TYR_ENOMEM;
    for (uint32_t i = 0; i < cap; i++)
        v[i].goff = EMPTY;
    for (uint32_t i = 0; i < p->cap; i++) {
        if (p->v[i].goff == EMPTY)
            continue;
        uint32_t j = slot_of(p->v[i].goff, cap);
        while (v[j].goff != EMPTY)
            j = (j + 1) & (cap - 1);
        v[j] = p->v[i];
    }
    free(p->v);
    p->v = v;
    p->cap = cap;
    return 0;
}

/* Fill a plan from the abbreviation at goff; on any doubt, plan->attrlist = 1. */
static void plan_build(Dwarf_Debug dbg, Dwarf_Off goff, struct tdw_plan *plan)
{
    memset(plan, 0, sizeof *plan);
    plan->goff = goff;
    plan->attrlist = 1;
    Dwarf_Abbrev ab = NULL;
    Dwarf_Unsigned len = 0, count = 0;
    Dwarf_Error e = NULL;
    if (dwarf_get_abbrev(dbg, goff, &ab, &len, &count, &e) != DW_DLV_OK) {
        tdw_err_free(dbg, &e);
        return;
    }
    Dwarf_Signed ch = 0;
    if (dwarf_get_abbrev_children_flag(ab, &ch, &e) != DW_DLV_OK) {
        tdw_err_free(dbg, &e);
        dwarf_dealloc(dbg, ab, DW_DLA_ABBREV);
        return;
    }
    uint32_t seen = 0; /* which wanted attributes were met (duplicates: attrlist) */
    bool ok = true, sibling = false;
    Dwarf_Unsigned i = 0;
    for (; i < count; i++) {
        Dwarf_Unsigned at, form;
        if (!tdw_abbrev_attr(dbg, ab, i, &at, &form)) {
            ok = false;
            break;
        }
        sibling |= at == DW_AT_sibling;
        int id = wanted_index(at);
        if (id < 0 || !ok)
            continue; /* (once !ok, the walk goes on for DW_AT_sibling only) */
        uint32_t bit = 0;
        switch (at) {
        case DW_AT_declaration: bit = TDW_DECL; break;
        case DW_AT_GNU_vector: bit = TDW_VECTOR; break;
        case DW_AT_ranges: bit = TDW_HAS_RANGES; break;
        default: break;
        }
        if (seen & (UINT32_C(1) << id)) {
            ok = false; /* the same attribute twice: which one wins is attrlist's rule */
            continue;
        }
        seen |= UINT32_C(1) << id;
        if (bit) {
            plan->has |= bit; /* only its presence is used */
            continue;
        }
        if (plan->n == TDW_PLAN_MAX) {
            ok = false;
            continue;
        }
        plan->at[plan->n] = (uint16_t)at;
        plan->form[plan->n] = (uint16_t)form;
        plan->n++;
    }
    dwarf_dealloc(dbg, ab, DW_DLA_ABBREV);
    if (i == count) /* every entry read */
        plan->sibling = sibling ? TDW_SIB_SOME : TDW_SIB_NONE;
    if (!ok)
        return;
    if (ch)
        plan->has |= TDW_HAS_CHILDREN;
    plan->attrlist = 0;
}

const struct tdw_plan *tdw_plan_get(struct tdw_plans *p, Dwarf_Debug dbg, Dwarf_Die die)
{
    Dwarf_Off goff = 0;
    Dwarf_Unsigned count = 0;
    Dwarf_Error e = NULL;
    if (!p || dwarf_die_abbrev_global_offset(die, &goff, &count, &e) != DW_DLV_OK) {
        tdw_err_free(dbg, &e);
        return NULL;
    }
    if (goff == EMPTY)
        return NULL;
    /* consecutive DIEs (a struct's members) often share their abbreviation */
    if (p->last && p->last->goff == goff)
        return p->last;
    if (p->cap) {
        uint32_t j = slot_of(goff, p->cap);
        while (p->v[j].goff != EMPTY) {
            if (p->v[j].goff == goff)
                return p->last = &p->v[j];
            j = (j + 1) & (p->cap - 1);
        }
    }
    if (((uint64_t)p->used + 1) * 2 > p->cap && plans_grow(p))
        return NULL;
    uint32_t j = slot_of(goff, p->cap);
    while (p->v[j].goff != EMPTY)
        j = (j + 1) & (p->cap - 1);
    plan_build(dbg, goff, &p->v[j]);
    p->used++;
    return p->last = &p->v[j];
}

int tdw_name_decl(struct tdw_plans *p, Dwarf_Debug dbg, Dwarf_Die die, char **name,
                  Dwarf_Bool *decl, Dwarf_Error *e)
{
    const struct tdw_plan *plan = tdw_plan_get(p, dbg, die);
    if (!plan || plan->attrlist) {
        int res = tdw_diename(die, name, e);
        if (res != DW_DLV_OK)
            return res;
        return dwarf_hasattr(die, DW_AT_declaration, decl, e) == DW_DLV_OK ? DW_DLV_OK
                                                                            : DW_DLV_ERROR;
    }
    /* The abbreviation says whether there is a name and a DW_AT_declaration: no walk of
     * the attributes for either (a dwarf_hasattr that finds nothing walks them all). */
    bool named = false;
    for (uint8_t i = 0; i < plan->n; i++)
        named |= plan->at[i] == DW_AT_name;
    if (!named)
        return DW_DLV_NO_ENTRY;
    int res = tdw_diename(die, name, e);
    if (res != DW_DLV_OK)
        return res;
    *decl = (plan->has & TDW_DECL) != 0;
    return DW_DLV_OK;
}

void tdw_plans_free(struct tdw_plans *p)
{
    free(p->v);
    memset(p, 0, sizeof *p);
}

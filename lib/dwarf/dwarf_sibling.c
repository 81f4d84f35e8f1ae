/* SPDX-License-Identifier: MIT */
/*
 * The sibling step every walk over DIEs takes (dwarf_die.c, dwarf_prefetch.c), guarded.
 *
 * dwarf_siblingof_b() on a DIE that has children but no DW_AT_sibling walks its subtree
 * (_dwarf_siblingof_internal in dwarf_die_deliv.c), jumping over each nested DIE that has a
 * DW_AT_sibling. The walk refuses to move back, but not to stand still: a nested DIE whose
 * DW_AT_sibling names the DIE itself keeps it in place for ever (an endless loop inside
 * libdwarf on a 12 KB input). tdw_siblingof() checks that every sibling step moves forward,
 * and walks such a subtree first, one level at a time through itself; only files whose
 * abbreviations use DW_AT_sibling at all need that walk (clang emits none; gcc puts one on
 * most DIEs with children).
 */

#include <stdatomic.h>
#include <stdbool.h>

#include "dwarf_internal.h"

/* Nesting below a DIE whose subtree tdw_siblingof() walks before libdwarf does. */
#define SIBLING_WALK_DEPTH 128

/* Does any abbreviation in dbg's .debug_abbrev list DW_AT_sibling? On any doubt, yes. */
static bool abbrevs_use_sibling(Dwarf_Debug dbg)
{
    Dwarf_Unsigned off = 0;
    for (;;) {
        Dwarf_Abbrev ab = NULL;
        Dwarf_Unsigned len = 0, count = 0;
        Dwarf_Error e = NULL;
        int res = dwarf_get_abbrev(dbg, off, &ab, &len, &count, &e);
        if (res == DW_DLV_NO_ENTRY)
            return false; /* past the section's end */
        if (res != DW_DLV_OK) {
            tdw_err_free(dbg, &e);
            return true;
        }
        bool found = false;
        for (Dwarf_Unsigned i = 0; i < count && !found; i++) {
            Dwarf_Unsigned at, form;
            /* an entry libdwarf cannot read: in doubt, yes */
            found = !tdw_abbrev_attr(dbg, ab, i, &at, &form) || at == DW_AT_sibling;
        }
        dwarf_dealloc(dbg, ab, DW_DLA_ABBREV);
        if (found)
            return true;
        off += len ? len : 1; /* a 0 entry (end of one unit's list) is 1 byte */
    }
}

/* The file's answer, found once (by whichever thread asks first: both find the same). */
static bool file_uses_sibling(tyr_dwarf *dw, unsigned file, Dwarf_Debug dbg)
{
    int v = atomic_load_explicit(&dw->f[file].sibling_attrs, memory_order_relaxed);
    if (v == TDW_SIB_UNKNOWN) {
        v = abbrevs_use_sibling(dbg) ? TDW_SIB_SOME : TDW_SIB_NONE;
        atomic_store_explicit(&dw->f[file].sibling_attrs, v, memory_order_relaxed);
    }
    return v == TDW_SIB_SOME;
}

/* Whether die has DW_AT_sibling: from its abbreviation's plan when it tells (no walk over
 * the DIE's attributes, as dwarf_hasattr makes), DW_DLV_* like dwarf_hasattr. */
static int has_sibling_attr(Dwarf_Debug dbg, struct tdw_plans *plans, Dwarf_Die die,
                            Dwarf_Bool *has, Dwarf_Error *e)
{
    const struct tdw_plan *plan = tdw_plan_get(plans, dbg, die);
    if (plan && plan->sibling != TDW_SIB_UNKNOWN) {
        *has = plan->sibling == TDW_SIB_SOME;
        return DW_DLV_OK;
    }
    return dwarf_hasattr(die, DW_AT_sibling, has, e);
}

static int sibling_at(tyr_dwarf *dw, unsigned file, Dwarf_Debug dbg, struct tdw_plans *plans,
                      Dwarf_Die die, Dwarf_Die *out, Dwarf_Error *e, unsigned depth)
{
    Dwarf_Half ch = 0;
    if (dwarf_die_abbrev_children_flag(die, &ch) == DW_DLV_OK && ch &&
        file_uses_sibling(dw, file, dbg)) {
        Dwarf_Bool has = 0;
        int res = has_sibling_attr(dbg, plans, die, &has, e);
        if (res != DW_DLV_OK)
            return DW_DLV_ERROR;
        if (!has) {
            Dwarf_Die c = NULL;
            if (depth >= SIBLING_WALK_DEPTH)
                return DW_DLV_ERROR; /* no libdwarf error: the caller names the DIE */
            res = dwarf_child(die, &c, e);
            while (res == DW_DLV_OK) {
                Dwarf_Die n = NULL;
                res = sibling_at(dw, file, dbg, plans, c, &n, e, depth + 1);
                dwarf_dealloc_die(c);
                c = n;
            }
            if (res == DW_DLV_ERROR)
                return res;
        }
    }
    int res = dwarf_siblingof_b(dbg, die, 1, out, e);
    if (res == DW_DLV_OK) {
        /* Siblings only move forward: a DW_AT_sibling pointing back would loop for ever. */
        Dwarf_Off a = 0, b = 0;
        if (dwarf_dieoffset(die, &a, e) != DW_DLV_OK || dwarf_dieoffset(*out, &b, e) != DW_DLV_OK ||
            b <= a) {
            dwarf_dealloc_die(*out);
            *out = NULL;
            return DW_DLV_ERROR;
        }
    }
    return res;
}

int tdw_siblingof(tyr_dwarf *dw, unsigned file, Dwarf_Debug dbg, struct tdw_plans *plans,
                  Dwarf_Die die, Dwarf_Die *out, Dwarf_Error *e)
{
    return sibling_at(dw, file, dbg, plans, die, out, e, 0);
}

/* SPDX-License-Identifier: MIT */
/*
 * Where a function's parameters are when it is entered (tyr_dwarf_param_locations): for the
 * AOT runtime, which reads a uprobe's arguments at the function's first instruction. An
 * optimized function, and above all an out-of-line copy (name.isra.N drops or splits
 * parameters, name.constprop.N replaces some by constants, name.part.N is a piece), does not
 * take its parameters where the ABI puts the source signature's: its DWARF says where each
 * one is, in DW_AT_location, as one expression or as a location list whose entry covering
 * the entry pc applies. DW_AT_const_value marks a parameter replaced by a constant.
 *
 * The expressions decoded are the ones compilers use for a parameter at entry: a register
 * (DW_OP_regN, DW_OP_regx), memory at a register plus an offset (DW_OP_bregN, DW_OP_bregx),
 * memory in the frame (DW_OP_fbreg, resolved through the function's DW_AT_frame_base when
 * that is DW_OP_call_frame_cfa or a register), and a known value (a constant and
 * DW_OP_stack_value). Anything else (DW_OP_piece, computed addresses) is reported as
 * TYR_DWARF_LOC_EXPR, never guessed.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "dwarf_internal.h"

/* A probe signature holds at most this many parameters (as tyr_dwarf_import_func). */
#define MAX_PARAMS 128

/* The function's frame base, for DW_OP_fbreg. */
struct frame_base {
    bool known;
    uint16_t base;   /* TYR_DWARF_LOC_CFA or a DWARF register */
    int64_t offset;
};

struct locs {
    tyr_dwarf_param_loc *out;
    uint32_t max, n;
    tdw_ref listed[MAX_PARAMS]; /* the abstract origins of the parameters listed */
    uint32_t nlisted;
};

static void put(struct locs *l, const tyr_dwarf_param_loc *p)
{
    if (l->n < l->max)
        l->out[l->n] = *p;
    l->n++;
}

/* One location description (its operations) into p; false when it is not one of the forms
 * described at the top. */
static bool decode_ops(Dwarf_Locdesc_c desc, Dwarf_Unsigned nops, const struct frame_base *fb,
                       tyr_dwarf_param_loc *p)
{
    Dwarf_Small atom = 0, atom2 = 0;
    Dwarf_Unsigned o1 = 0, o2 = 0, o3 = 0, br = 0;
    Dwarf_Error e = NULL;
    if (nops < 1 || nops > 2 ||
        dwarf_get_location_op_value_c(desc, 0, &atom, &o1, &o2, &o3, &br, &e) != DW_DLV_OK) {
        tdw_err_free(NULL, &e);
        return false;
    }
    if (nops == 2) {
        Dwarf_Unsigned x1 = 0, x2 = 0, x3 = 0, xb = 0;
        if (dwarf_get_location_op_value_c(desc, 1, &atom2, &x1, &x2, &x3, &xb, &e) !=
                DW_DLV_OK ||
            atom2 != DW_OP_stack_value) {
            tdw_err_free(NULL, &e);
            return false;
        }
        /* a known value */
        if (atom >= DW_OP_lit0 && atom <= DW_OP_lit31)
            p->value = (uint64_t)(atom - DW_OP_lit0);
        else if (atom == DW_OP_const1u || atom == DW_OP_const2u || atom == DW_OP_const4u ||
                 atom == DW_OP_const8u || atom == DW_OP_constu || atom == DW_OP_const1s ||
                 atom == DW_OP_const2s || atom == DW_OP_const4s || atom == DW_OP_const8s ||
                 atom == DW_OP_consts)
            p->value = o1;
        else
            return false;
        p->kind = TYR_DWARF_LOC_CONST;
        return true;
    }
    if (atom >= DW_OP_reg0 && atom <= DW_OP_reg31) {
        p->kind = TYR_DWARF_LOC_REG;
        p->reg = (uint16_t)(atom - DW_OP_reg0);
    } else if (atom == DW_OP_regx && o1 < TYR_DWARF_LOC_CFA) {
        p->kind = TYR_DWARF_LOC_REG;
        p->reg = (uint16_t)o1;
    } else if (atom >= DW_OP_breg0 && atom <= DW_OP_breg31) {
        p->kind = TYR_DWARF_LOC_STACK;
        p->base = (uint16_t)(atom - DW_OP_breg0);
        p->offset = (int64_t)o1;
    } else if (atom == DW_OP_bregx && o1 < TYR_DWARF_LOC_CFA) {
        p->kind = TYR_DWARF_LOC_STACK;
        p->base = (uint16_t)o1;
        p->offset = (int64_t)o2;
    } else if (atom == DW_OP_fbreg && fb->known) {
        p->kind = TYR_DWARF_LOC_STACK;
        p->base = fb->base;
        p->offset = fb->offset + (int64_t)o1;
    } else {
        return false;
    }
    return true;
}

/* The location of attribute a (DW_AT_location or DW_AT_frame_base) at pc: *found = false
 * when no entry covers pc; *desc and *nops describe the one that does (valid until
 * dwarf_loc_head_c_dealloc(*head), which the caller calls when *head is set). */
static int loc_at(Dwarf_Attribute a, uint64_t pc, Dwarf_Loc_Head_c *head, bool *whole,
                  bool *found, Dwarf_Locdesc_c *desc, Dwarf_Unsigned *nops)
{
    Dwarf_Unsigned count = 0;
    Dwarf_Error e = NULL;
    *found = false;
    if (dwarf_get_loclist_c(a, head, &count, &e) != DW_DLV_OK) {
        tdw_err_free(NULL, &e);
        *head = NULL;
        return -1;
    }
    unsigned int kind = DW_LKIND_unknown;
    if (dwarf_get_loclist_head_kind(*head, &kind, &e) != DW_DLV_OK) {
        tdw_err_free(NULL, &e);
        return -1;
    }
    *whole = kind == DW_LKIND_expression;
    for (Dwarf_Unsigned i = 0; i < count; i++) {
        Dwarf_Small lle = 0, src = 0;
        Dwarf_Unsigned rawlo = 0, rawhi = 0, n = 0, eoff = 0, doff = 0;
        Dwarf_Bool unavail = 0;
        Dwarf_Addr lo = 0, hi = 0;
        Dwarf_Locdesc_c d = NULL;
        if (dwarf_get_locdesc_entry_d(*head, i, &lle, &rawlo, &rawhi, &unavail, &lo, &hi, &n,
                                      &d, &src, &eoff, &doff, &e) != DW_DLV_OK) {
            tdw_err_free(NULL, &e);
            return -1;
        }
        if (*whole || (!unavail && n > 0 && lo <= pc && pc < hi)) {
            *found = true;
            *desc = d;
            *nops = n;
            return 0;
        }
    }
    return 0;
}

/* The function's DW_AT_frame_base, when it is the CFA or one register (plus an offset). */
static struct frame_base frame_base_of(Dwarf_Die fn, uint64_t pc)
{
    struct frame_base fb = {.known = false};
    Dwarf_Attribute a = NULL;
    Dwarf_Error e = NULL;
    if (dwarf_attr(fn, DW_AT_frame_base, &a, &e) != DW_DLV_OK) {
        tdw_err_free(NULL, &e);
        return fb;
    }
    Dwarf_Loc_Head_c head = NULL;
    Dwarf_Locdesc_c desc = NULL;
    Dwarf_Unsigned nops = 0;
    bool whole = false, found = false;
    if (loc_at(a, pc, &head, &whole, &found, &desc, &nops) == 0 && found && nops == 1) {
        Dwarf_Small atom = 0;
        Dwarf_Unsigned o1 = 0, o2 = 0, o3 = 0, br = 0;
        if (dwarf_get_location_op_value_c(desc, 0, &atom, &o1, &o2, &o3, &br, &e) ==
            DW_DLV_OK) {
            if (atom == DW_OP_call_frame_cfa) {
                fb = (struct frame_base){true, TYR_DWARF_LOC_CFA, 0};
            } else if (atom >= DW_OP_reg0 && atom <= DW_OP_reg31) {
                fb = (struct frame_base){true, (uint16_t)(atom - DW_OP_reg0), 0};
            } else if (atom >= DW_OP_breg0 && atom <= DW_OP_breg31) {
                fb = (struct frame_base){true, (uint16_t)(atom - DW_OP_breg0), (int64_t)o1};
            }
        }
        tdw_err_free(NULL, &e);
    }
    if (head)
        dwarf_loc_head_c_dealloc(head);
    dwarf_dealloc_attribute(a);
    return fb;
}

/* One formal parameter of the function's DIE. */
static int one_param(tyr_dwarf *dw, unsigned file, Dwarf_Die die, uint64_t pc,
                     const struct frame_base *fb, struct locs *l, tyr_diag *diag)
{
    struct tdw_die d;
    int err = tdw_decode(dw, file, die, &d, diag);
    if (err)
        return err;
    tyr_dwarf_param_loc p = {.name = d.name ? d.name : "", .kind = TYR_DWARF_LOC_UNAVAILABLE};
    if (d.has & TDW_HAS_ORIGIN) {
        if (l->nlisted < MAX_PARAMS)
            l->listed[l->nlisted++] = d.origin;
        if (!d.name) {
            struct tdw_die o;
            if ((err = tdw_read(dw, d.origin, &o, NULL, diag)))
                return err;
            p.name = o.name ? o.name : "";
        }
    }
    if (d.has & TDW_HAS_CONST) {
        p.kind = TYR_DWARF_LOC_CONST;
        p.value = d.const_value;
    }
    Dwarf_Attribute a = NULL;
    Dwarf_Error e = NULL;
    int res = dwarf_attr(die, DW_AT_location, &a, &e);
    if (res == DW_DLV_ERROR) {
        tdw_err_free(NULL, &e);
        return tyr_diag_set(diag, TYR_EDWARF, tdw_ref_off(d.ref), "unreadable DW_AT_location");
    }
    if (res == DW_DLV_OK) {
        Dwarf_Loc_Head_c head = NULL;
        Dwarf_Locdesc_c desc = NULL;
        Dwarf_Unsigned nops = 0;
        bool whole = false, found = false;
        if (loc_at(a, pc, &head, &whole, &found, &desc, &nops) != 0)
            err = tyr_diag_set(diag, TYR_EDWARF, tdw_ref_off(d.ref),
                           "unreadable DW_AT_location (location list)");
        else if (found && !decode_ops(desc, nops, fb, &p))
            p.kind = TYR_DWARF_LOC_EXPR;
        if (!err && found && whole)
            p.flags |= TYR_DWARF_LOC_WHOLE_FUNCTION;
        if (head)
            dwarf_loc_head_c_dealloc(head);
        dwarf_dealloc_attribute(a);
    }
    if (!err)
        put(l, &p);
    return err;
}

/* The origin's parameters that the copy does not list: dropped by the compiler. */
static int dropped_params(tyr_dwarf *dw, tdw_ref origin, struct locs *l, tyr_diag *diag)
{
    struct tdw_kids k;
    struct tdw_die p;
    int got = tdw_kids_first(dw, origin, NULL, &k, &p, diag);
    for (; got == 1; got = tdw_kids_next(dw, &k, &p, diag)) {
        if (p.tag != DW_TAG_formal_parameter)
            continue;
        bool listed = false;
        for (uint32_t i = 0; i < l->nlisted && !listed; i++)
            listed = l->listed[i] == p.ref;
        if (!listed)
            put(l, &(tyr_dwarf_param_loc){.name = p.name ? p.name : "",
                                          .kind = TYR_DWARF_LOC_UNAVAILABLE,
                                          .flags = TYR_DWARF_LOC_DROPPED});
    }
    tdw_kids_end(&k);
    return got < 0 ? got : 0;
}

static int entry_pc_of(tyr_dwarf *dw, const char *name, const struct tdw_die *d, uint64_t *pc,
                       tyr_diag *diag)
{
    if (d->has & TDW_HAS_LOW_PC) {
        *pc = d->low_pc;
        return 0;
    }
    uint64_t addr = 0;
    /* the name's own symbol first (a local alias, name.localalias, is one), then its copies */
    if (tdw_syms_need(dw))
        return tyr_diag_set(diag, TYR_ENOMEM, 0, "out of memory reading the symbol table");
    if (tdw_syms_lookup(dw, name, false, &addr, 1) == 0 &&
        tdw_syms_lookup(dw, name, true, &addr, 1) == 0)
        return tyr_diag_set(diag, TYR_ENOTSUP, tdw_ref_off(d->ref),
                        "%s: no DW_AT_low_pc and no symbol: entry pc unknown", name);
    *pc = addr;
    return 0;
}

int tyr_dwarf_param_locations(tyr_dwarf *dw, const char *name, tyr_dwarf_param_loc *out,
                              uint32_t max, uint32_t *count, uint64_t *entry_pc, tyr_diag *diag)
{
    if (!dw || !name || !*name || (max && !out))
        return TYR_EINVAL;
    tdw_ref fn;
    int err = tdw_find_function(dw, name, &fn, diag);
    if (!err && fn == TDW_REF_NONE) {
        /* A copy in hot and cold parts has only DW_AT_ranges, no DW_AT_low_pc that its
         * symbol's address would match: its DIE is the base name's definition with code. */
        static const char *const sfx[] = {".isra.", ".constprop.", ".part.", ".cold"};
        const char *cut = NULL;
        for (size_t i = 0; i < sizeof sfx / sizeof sfx[0] && !cut; i++)
            cut = strstr(name, sfx[i]);
        char base[512];
        if (cut && cut > name && (size_t)(cut - name) < sizeof base) {
            memcpy(base, name, (size_t)(cut - name));
            base[cut - name] = 0;
            err = tdw_find_function(dw, base, &fn, diag);
        }
    }
    if (err)
        return err;
    if (fn == TDW_REF_NONE)
        return tyr_diag_set(diag, TYR_ENOENT, 0, "function %s not found", name);
    struct tdw_die d;
    Dwarf_Die fdie = NULL;
    if ((err = tdw_read(dw, fn, &d, &fdie, diag)))
        return err;
    uint64_t pc = 0;
    err = entry_pc_of(dw, name, &d, &pc, diag);
    struct locs l = {.out = out, .max = max};
    unsigned file = tdw_ref_file(fn);
    struct frame_base fb = err ? (struct frame_base){.known = false} : frame_base_of(fdie, pc);
    Dwarf_Die c = NULL;
    int got = err ? 0 : tdw_child(dw, file, fdie, &c, diag);
    while (got == 1 && !err) {
        Dwarf_Half tag = 0;
        Dwarf_Error e = NULL;
        if (dwarf_tag(c, &tag, &e) != DW_DLV_OK)
            tdw_err_free(NULL, &e);
        if (tag == DW_TAG_formal_parameter) {
            if (l.n >= MAX_PARAMS)
                err = tyr_diag_set(diag, TYR_ENOTSUP, tdw_ref_off(fn), "more than %d parameters",
                               MAX_PARAMS);
            else
                err = one_param(dw, file, c, pc, &fb, &l, diag);
        }
        Dwarf_Die next = NULL;
        if (!err)
            got = tdw_sibling(dw, file, c, &next, diag);
        dwarf_dealloc_die(c);
        c = next;
    }
    if (c)
        dwarf_dealloc_die(c);
    dwarf_dealloc_die(fdie);
    if (!err && got < 0)
        err = got;
    if (!err && (d.has & TDW_HAS_ORIGIN))
        err = dropped_params(dw, d.origin, &l, diag);
    if (err)
        return err;
    if (count)
        *count = l.n;
    if (entry_pc)
        *entry_pc = pc;
    return 0;
}

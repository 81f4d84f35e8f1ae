/* SPDX-License-Identifier: MIT */
/*
 * Reading one DIE: its tag and the attributes the importer uses, decoded once into a plain
 * struct. References are made global (tdw_ref), following DW_FORM_GNU_ref_alt and
 * DW_FORM_ref_sup4/8 into the dwz supplementary file; DW_FORM_GNU_strp_alt/strp_sup names
 * are read from that file's .debug_str.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dwarf_internal.h"

static bool is_alt_form(Dwarf_Half form)
{
    return form == DW_FORM_GNU_ref_alt || form == DW_FORM_ref_sup4 ||
           form == DW_FORM_ref_sup8 || form == DW_FORM_GNU_strp_alt ||
           form == DW_FORM_strp_sup;
}

/* A DWARF 5 DW_FORM_ref_sup4/8: an offset into the supplementary file's .debug_info, which
 * libdwarf 20210528 does not read (DW_DLE_BAD_REF_FORM): read from the file's own
 * .debug_info bytes at the attribute's value. */
static int read_sup_ref(const tyr_dwarf *dw, unsigned file, Dwarf_Die die, Dwarf_Attribute a,
                        Dwarf_Half form, tdw_ref *out)
{
    const struct tdw_file *f = &dw->f[file];
    unsigned n = form == DW_FORM_ref_sup4 ? 4 : 8;
    Dwarf_Off at = 0;
    Dwarf_Error e = NULL;
    if (file != 0 || !f->info || !dw->f[1].dbg)
        return -1; /* no supplementary file, or a reference out of one */
    if (dwarf_attr_offset(die, a, &at, &e) != DW_DLV_OK) {
        tdw_err_free(NULL, &e);
        return -1;
    }
    if (at > f->info_len || n > f->info_len - at)
        return -1;
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)f->info[at + (f->info_big ? i : n - 1 - i)] << (8 * (n - 1 - i));
    if (v & TDW_ALT_BIT)
        return -1;
    *out = (tdw_ref)v | TDW_ALT_BIT;
    return 0;
}

static int read_ref(const tyr_dwarf *dw, unsigned file, Dwarf_Die die, Dwarf_Attribute a,
                    Dwarf_Half form, tdw_ref *out)
{
    Dwarf_Off off = 0;
    Dwarf_Error e = NULL;
    if (form == DW_FORM_ref_sup4 || form == DW_FORM_ref_sup8)
        return read_sup_ref(dw, file, die, a, form, out);
    if (form == DW_FORM_ref_sig8) {
        /* A DWARF 5 type unit in .debug_info, by signature. (DWARF 4 .debug_types units are
         * not read: their signatures are not in the table, and the reference fails.) */
        Dwarf_Sig8 sig;
        if (dwarf_formsig8(a, &sig, &e) != DW_DLV_OK) {
            tdw_err_free(NULL, &e);
            return -1;
        }
        uint64_t sv;
        memcpy(&sv, sig.signature, sizeof sv);
        *out = tdw_type_unit(dw, file, sv);
        return *out == TDW_REF_NONE ? -1 : 0;
    }
    if (dwarf_global_formref(a, &off, &e) != DW_DLV_OK) {
        tdw_err_free(NULL, &e);
        return -1;
    }
    if (off & TDW_ALT_BIT)
        return -1;
    *out = (tdw_ref)off | ((file || is_alt_form(form)) ? TDW_ALT_BIT : 0);
    return 0;
}

static int read_udata(Dwarf_Attribute a, Dwarf_Half form, uint64_t *out, bool *is_signed)
{
    Dwarf_Error e = NULL;
    if (form == DW_FORM_sdata || form == DW_FORM_implicit_const) {
        Dwarf_Signed v = 0;
        if (dwarf_formsdata(a, &v, &e) != DW_DLV_OK) {
            tdw_err_free(NULL, &e);
            return -1;
        }
        *out = (uint64_t)v;
        if (is_signed)
            *is_signed = true;
        return 0;
    }
    switch (form) {
    case DW_FORM_data1: case DW_FORM_data2: case DW_FORM_data4: case DW_FORM_data8:
    case DW_FORM_udata:
        break;
    default:
        return -1; /* a reference, an expression, a location list: not a constant */
    }
    Dwarf_Unsigned v = 0;
    if (dwarf_formudata(a, &v, &e) != DW_DLV_OK) {
        tdw_err_free(NULL, &e);
        return -1;
    }
    *out = v;
    if (is_signed)
        *is_signed = false;
    return 0;
}

static uint64_t uleb(const uint8_t **p, const uint8_t *end, bool *ok)
{
    uint64_t v = 0;
    unsigned shift = 0;
    while (*p < end) {
        uint8_t b = *(*p)++;
        if (shift < 64)
            v |= (uint64_t)(b & 0x7f) << shift;
        shift += 7;
        if (!(b & 0x80))
            return v;
    }
    *ok = false;
    return 0;
}

/* A member location expression: DW_OP_plus_uconst N, or DW_OP_constu N [DW_OP_plus], or
 * DW_OP_litN: the simple forms compilers emit for C structs. Anything else fails. */
static int member_expr(const uint8_t *p, uint64_t len, uint64_t *out)
{
    const uint8_t *end = p + len;
    bool ok = true;
    uint64_t v = 0;
    if (p == end)
        return -1;
    uint8_t op = *p++;
    if (op == DW_OP_plus_uconst || op == DW_OP_constu)
        v = uleb(&p, end, &ok);
    else if (op >= DW_OP_lit0 && op <= DW_OP_lit31)
        v = (uint64_t)(op - DW_OP_lit0);
    else
        return -1;
    if (p < end && *p == DW_OP_plus && op != DW_OP_plus_uconst)
        p++;
    if (!ok || p != end)
        return -1;
    *out = v;
    return 0;
}

static void read_member_loc(Dwarf_Attribute a, Dwarf_Half form, struct tdw_die *d)
{
    Dwarf_Error e = NULL;
    uint64_t v = 0;
    if (read_udata(a, form, &v, NULL) == 0) {
        d->member_loc = v;
        d->has |= TDW_HAS_MEMBER_LOC;
        return;
    }
    if (form == DW_FORM_exprloc) {
        Dwarf_Unsigned len = 0;
        Dwarf_Ptr ptr = NULL;
        if (dwarf_formexprloc(a, &len, &ptr, &e) == DW_DLV_OK &&
            member_expr(ptr, len, &v) == 0) {
            d->member_loc = v;
            d->has |= TDW_HAS_MEMBER_LOC;
            return;
        }
        tdw_err_free(NULL, &e);
    } else if (form == DW_FORM_block1 || form == DW_FORM_block2 || form == DW_FORM_block4 ||
               form == DW_FORM_block) {
        Dwarf_Block *b = NULL;
        if (dwarf_formblock(a, &b, &e) == DW_DLV_OK) {
            int r = member_expr(b->bl_data, b->bl_len, &v);
            dwarf_dealloc(NULL, b, DW_DLA_BLOCK);
            if (r == 0) {
                d->member_loc = v;
                d->has |= TDW_HAS_MEMBER_LOC;
                return;
            }
        }
        tdw_err_free(NULL, &e);
    }
    d->has |= TDW_BAD_MEMBER_LOC;
}

/* TYR_EDWARF for a DW_AT_name that cannot be read, saying why. */
static int bad_name(const struct tdw_die *d, unsigned file, Dwarf_Half form, const char *why,
                    tyr_diag *diag)
{
    const char *fname = NULL;
    char hex[16];
    if (dwarf_get_FORM_name(form, &fname) != DW_DLV_OK || !fname) {
        snprintf(hex, sizeof hex, "form 0x%x", form);
        fname = hex;
    }
    return tyr_diag_set(diag, TYR_EDWARF, tdw_ref_off(d->ref), "%sDW_AT_name (%s) unreadable: %s",
                    file ? "in the dwz file: " : "", fname, why);
}

/* A DIE's name: from the file's own string sections through libdwarf, or from the dwz
 * file's .debug_str (DW_FORM_GNU_strp_alt, DW_FORM_strp_sup: libdwarf cannot read those
 * without a tied file). A name that cannot be read is TYR_EDWARF, never an empty name. */
static int read_name(const tyr_dwarf *dw, unsigned file, Dwarf_Attribute a, Dwarf_Half form,
                     struct tdw_die *d, tyr_diag *diag)
{
    Dwarf_Error e = NULL;
    char why[96];
    if (form == DW_FORM_GNU_strp_alt || form == DW_FORM_strp_sup) {
        Dwarf_Off off = 0;
        const struct tdw_file *alt = &dw->f[1];
        if (file == 1)
            return bad_name(d, file, form, "a string of another dwz file", diag);
        if (!alt->dbg)
            return bad_name(d, file, form, "a string of the dwz file, and none is open", diag);
        if (!alt->str)
            return bad_name(d, file, form, "the dwz file has no .debug_str", diag);
        if (dwarf_global_formref(a, &off, &e) != DW_DLV_OK) {
            tdw_err_free(NULL, &e);
            return bad_name(d, file, form, "no offset", diag);
        }
        if (off >= alt->str_len || !memchr(alt->str + off, 0, alt->str_len - off)) {
            snprintf(why, sizeof why, "offset 0x%llx outside the dwz file's %llu-byte .debug_str",
                     (unsigned long long)off, (unsigned long long)alt->str_len);
            return bad_name(d, file, form, why, diag);
        }
        d->name = alt->str + off;
        return 0;
    }
    char *s = NULL;
    if (dwarf_formstring(a, &s, &e) != DW_DLV_OK) {
        snprintf(why, sizeof why, "%s", e ? dwarf_errmsg(e) : "no string");
        tdw_err_free(NULL, &e);
        return bad_name(d, file, form, why, diag);
    }
    d->name = s;
    return 0;
}

/* A DIE with nothing: no references, no values. Cleared in pieces of at most 64 bytes: gcc
 * turns one larger memset (or struct copy) into `rep stos`, whose start-up cost is most of
 * the work for these 144 bytes, and this runs for every DIE decoded or read back. */
static void die_reset(struct tdw_die *d)
{
    char *p = (char *)d;
    size_t n = sizeof *d;
    while (n > 64) {
        memset(p, 0, 64);
        p += 64;
        n -= 64;
    }
    memset(p, 0, n);
    d->type = d->spec = d->origin = d->sig = TDW_REF_NONE;
}

int tdw_decode(tyr_dwarf *dw, unsigned file, Dwarf_Die die, struct tdw_die *d, tyr_diag *diag)
{
    dw->imp.stat_dies++;
    return tdw_decode_in(dw, dw->f[file].dbg, &dw->f[file].plans, file, die, d, diag);
}

/* One attribute into d; an error only where the DIE cannot be used (a bad DW_AT_type). */
static int decode_attr(const tyr_dwarf *dw, unsigned file, Dwarf_Die die, Dwarf_Attribute a,
                       Dwarf_Half at, Dwarf_Half form, struct tdw_die *d, tyr_diag *diag)
{
    Dwarf_Error e = NULL;
    bool sgn = false;
    uint64_t v = 0;
    switch (at) {
    case DW_AT_name:
        /* unreadable: the rest is still decoded (a function is found by its address without
         * its name), and the decode fails at the end (diag says why) */
        if (read_name(dw, file, a, form, d, diag) != 0)
            d->has |= TDW_BAD_NAME;
        else
            d->has |= TDW_HAS_NAME;
        break;
    case DW_AT_type:
        if (read_ref(dw, file, die, a, form, &d->type) != 0)
            return tyr_diag_set(diag, TYR_EDWARF, tdw_ref_off(d->ref), "bad DW_AT_type");
        d->has |= TDW_HAS_TYPE;
        break;
    case DW_AT_signature:
        if (read_ref(dw, file, die, a, form, &d->sig) == 0)
            d->has |= TDW_HAS_SIG;
        else
            d->has |= TDW_BAD_SIG;
        break;
    case DW_AT_specification:
        if (read_ref(dw, file, die, a, form, &d->spec) == 0)
            d->has |= TDW_HAS_SPEC;
        break;
    case DW_AT_abstract_origin:
        if (read_ref(dw, file, die, a, form, &d->origin) == 0)
            d->has |= TDW_HAS_ORIGIN;
        break;
    case DW_AT_byte_size:
        if (read_udata(a, form, &d->byte_size, NULL) == 0)
            d->has |= TDW_HAS_BYTE_SIZE;
        break;
    case DW_AT_bit_size:
        if (read_udata(a, form, &d->bit_size, NULL) == 0)
            d->has |= TDW_HAS_BIT_SIZE;
        break;
    case DW_AT_data_bit_offset:
        if (read_udata(a, form, &d->data_bit_offset, NULL) == 0)
            d->has |= TDW_HAS_DATA_BIT_OFFSET;
        break;
    case DW_AT_bit_offset:
        if (read_udata(a, form, &d->bit_offset, NULL) == 0)
            d->has |= TDW_HAS_BIT_OFFSET;
        break;
    case DW_AT_data_member_location:
        read_member_loc(a, form, d);
        break;
    case DW_AT_count:
        if (read_udata(a, form, &d->count, NULL) == 0)
            d->has |= TDW_HAS_COUNT;
        else
            d->has |= TDW_BAD_BOUND;
        break;
    case DW_AT_upper_bound:
        if (read_udata(a, form, &d->upper, NULL) == 0)
            d->has |= TDW_HAS_UPPER;
        else
            d->has |= TDW_BAD_BOUND;
        break;
    case DW_AT_lower_bound:
        if (read_udata(a, form, &d->lower, NULL) == 0)
            d->has |= TDW_HAS_LOWER;
        else
            d->has |= TDW_BAD_BOUND;
        break;
    case DW_AT_const_value:
        if (read_udata(a, form, &v, &sgn) == 0) {
            d->const_value = v;
            d->has |= TDW_HAS_CONST | (sgn ? TDW_CONST_SIGNED : 0);
        }
        break;
    case DW_AT_encoding:
        if (read_udata(a, form, &d->encoding, NULL) == 0)
            d->has |= TDW_HAS_ENCODING;
        break;
    case DW_AT_alignment:
        if (read_udata(a, form, &d->align, NULL) == 0)
            d->has |= TDW_HAS_ALIGN;
        break;
    case DW_AT_declaration:
        d->has |= TDW_DECL;
        break;
    case DW_AT_GNU_vector:
        d->has |= TDW_VECTOR;
        break;
    case DW_AT_low_pc: {
        Dwarf_Addr pc = 0;
        if (dwarf_formaddr(a, &pc, &e) == DW_DLV_OK) {
            d->low_pc = pc;
            d->has |= TDW_HAS_LOW_PC;
        }
        tdw_err_free(NULL, &e);
        break;
    }
    case DW_AT_ranges:
        d->has |= TDW_HAS_RANGES;
        break;
    default:
        break;
    }
    return 0;
}

static int unreadable(const struct tdw_die *d, tyr_diag *diag)
{
    return tyr_diag_set(diag, TYR_EDWARF, tdw_ref_off(d->ref), "unreadable attributes (tag 0x%x)",
                    d->tag);
}

/* Every attribute through dwarf_attrlist: DIEs whose abbreviation has no plan. */
static int decode_list(const tyr_dwarf *dw, Dwarf_Debug dbg, unsigned file, Dwarf_Die die,
                       struct tdw_die *d, tyr_diag *diag)
{
    Dwarf_Error e = NULL;
    Dwarf_Attribute *list = NULL;
    Dwarf_Signed n = 0;
    int res = dwarf_attrlist(die, &list, &n, &e);
    if (res == DW_DLV_NO_ENTRY)
        return 0;
    if (res != DW_DLV_OK) {
        tdw_err_free(NULL, &e);
        return unreadable(d, diag);
    }
    int err = 0;
    for (Dwarf_Signed i = 0; i < n && !err; i++) {
        Dwarf_Attribute a = list[i];
        Dwarf_Half at = 0, form = 0;
        if (dwarf_whatattr(a, &at, &e) != DW_DLV_OK || dwarf_whatform(a, &form, &e) != DW_DLV_OK) {
            tdw_err_free(NULL, &e);
            err = tyr_diag_set(diag, TYR_EDWARF, tdw_ref_off(d->ref), "bad attribute %lld",
                           (long long)i);
            break;
        }
        err = decode_attr(dw, file, die, a, at, form, d, diag);
    }
    for (Dwarf_Signed i = 0; i < n; i++)
        dwarf_dealloc_attribute(list[i]);
    dwarf_dealloc(dbg, list, DW_DLA_LIST);
    return err ? err : (d->has & TDW_BAD_NAME) ? TYR_EDWARF : 0;
}

/* A size in a data form read without a Dwarf_Attribute (no allocation). 1 = done, 0 = take
 * the general path, <0 = unreadable. */
static int size_direct(Dwarf_Debug dbg, Dwarf_Die die, Dwarf_Half at, Dwarf_Half form,
                       struct tdw_die *d)
{
    switch (form) {
    case DW_FORM_data1: case DW_FORM_data2: case DW_FORM_data4: case DW_FORM_data8:
    case DW_FORM_udata:
        break;
    default:
        return 0;
    }
    Dwarf_Unsigned v = 0;
    Dwarf_Error e = NULL;
    int res;
    uint64_t *dst;
    uint32_t bit;
    switch (at) {
    case DW_AT_byte_size:
        res = dwarf_bytesize(die, &v, &e);
        dst = &d->byte_size;
        bit = TDW_HAS_BYTE_SIZE;
        break;
    case DW_AT_bit_size:
        res = dwarf_bitsize(die, &v, &e);
        dst = &d->bit_size;
        bit = TDW_HAS_BIT_SIZE;
        break;
    case DW_AT_bit_offset:
        res = dwarf_bitoffset(die, &v, &e);
        dst = &d->bit_offset;
        bit = TDW_HAS_BIT_OFFSET;
        break;
    default:
        return 0;
    }
    if (res != DW_DLV_OK) {
        tdw_err_free(dbg, &e);
        return -1;
    }
    *dst = v;
    d->has |= bit;
    return 1;
}

int tdw_decode_in(const tyr_dwarf *dw, Dwarf_Debug dbg, struct tdw_plans *plans, unsigned file,
                  Dwarf_Die die, struct tdw_die *d, tyr_diag *diag)
{
    return tdw_decode_named(dw, dbg, plans, file, die, false, NULL, d, diag);
}

int tdw_decode_named(const tyr_dwarf *dw, Dwarf_Debug dbg, struct tdw_plans *plans,
                     unsigned file, Dwarf_Die die, bool known, const char *name,
                     struct tdw_die *d, tyr_diag *diag)
{
    Dwarf_Error e = NULL;
    die_reset(d);
    d->ref = tdw_die_ref(file, die);
    if (dwarf_tag(die, &d->tag, &e) != DW_DLV_OK) {
        tdw_err_free(NULL, &e);
        return tyr_diag_set(diag, TYR_EDWARF, tdw_ref_off(d->ref), "DIE without a tag");
    }
    const struct tdw_plan *plan = tdw_plan_get(plans, dbg, die);
    if (!plan || plan->attrlist) {
        Dwarf_Half ch = 0;
        if (dwarf_die_abbrev_children_flag(die, &ch) == DW_DLV_OK && ch)
            d->has |= TDW_HAS_CHILDREN;
        return decode_list(dw, dbg, file, die, d, diag);
    }
    /* The plan: only the attributes read below, each found by dwarf_attr (which walks the
     * abbreviation up to it) or, for sizes, without an allocation. */
    d->has |= plan->has;
    for (uint8_t i = 0; i < plan->n; i++) {
        Dwarf_Half at = plan->at[i];
        if (at == DW_AT_name && known) {
            d->name = name;
            if (name)
                d->has |= TDW_HAS_NAME;
            continue;
        }
        int r = size_direct(dbg, die, at, plan->form[i], d);
        if (r < 0)
            return unreadable(d, diag);
        if (r > 0)
            continue;
        Dwarf_Attribute a = NULL;
        Dwarf_Half form = plan->form[i];
        int res = dwarf_attr(die, at, &a, &e);
        /* the abbreviation's form is the attribute's, unless the DIE itself names it */
        if (res == DW_DLV_OK && form == DW_FORM_indirect &&
            dwarf_whatform(a, &form, &e) != DW_DLV_OK)
            res = DW_DLV_ERROR;
        if (res != DW_DLV_OK) {
            tdw_err_free(dbg, &e);
            if (a)
                dwarf_dealloc_attribute(a);
            return unreadable(d, diag);
        }
        int err = decode_attr(dw, file, die, a, at, form, d, diag);
        dwarf_dealloc_attribute(a);
        if (err)
            return err;
    }
    return (d->has & TDW_BAD_NAME) ? TYR_EDWARF : 0; /* diag filled by read_name */
}

/* ---- The prefetched unit (see dwarf_prefetch.c) ---- */

/* The values a cache entry keeps only when present, in this order. */
#define CACHE_VALS(X)                                                                          \
    X(TDW_HAS_SPEC, spec) X(TDW_HAS_ORIGIN, origin) X(TDW_HAS_SIG, sig)                        \
    X(TDW_HAS_BYTE_SIZE, byte_size) X(TDW_HAS_BIT_SIZE, bit_size)                              \
    X(TDW_HAS_DATA_BIT_OFFSET, data_bit_offset) X(TDW_HAS_BIT_OFFSET, bit_offset)              \
    X(TDW_HAS_MEMBER_LOC, member_loc) X(TDW_HAS_COUNT, count) X(TDW_HAS_UPPER, upper)          \
    X(TDW_HAS_LOWER, lower) X(TDW_HAS_CONST, const_value) X(TDW_HAS_ENCODING, encoding)        \
    X(TDW_HAS_LOW_PC, low_pc) X(TDW_HAS_ALIGN, align)
#define BIT_OF(bit, field) | (bit)
#define CACHE_VAL_BITS (0u CACHE_VALS(BIT_OF))

int tdw_cache_push(struct tdw_cache *c, const struct tdw_die *d, uint32_t *idx)
{
    struct tdw_cdie *v = tdw_grow(c->v, &c->cap, (uint64_t)c->n + 1, sizeof *v, 1024);
    if (!v)
        return TYR_ENOMEM;
    c->v = v;
    uint32_t nv = 0;
    for (uint32_t m = d->has & CACHE_VAL_BITS; m; m &= m - 1)
        nv++;
    if (nv) {
        uint64_t *vals = tdw_grow(c->vals, &c->cap_vals, (uint64_t)c->nvals + nv, sizeof *vals,
                                  1024);
        if (!vals)
            return TYR_ENOMEM;
        c->vals = vals;
    }
    struct tdw_cdie *e = &c->v[c->n];
    e->ref = d->ref;
    e->type = d->type;
    e->name = d->name;
    e->has = d->has;
    e->tag = d->tag;
    e->child = e->sib = 0;
    e->val = c->nvals;
    if (!nv) {
        *idx = ++c->n;
        return 0;
    }
    uint64_t *out = c->vals + c->nvals;
#define PUT(bit, field)                                                                        \
    if (d->has & (bit))                                                                        \
        *out++ = d->field;
    CACHE_VALS(PUT)
#undef PUT
    c->nvals += nv;
    *idx = ++c->n;
    return 0;
}

void tdw_cache_get(const struct tdw_cache *c, uint32_t i, struct tdw_die *d)
{
    const struct tdw_cdie *e = &c->v[i];
    die_reset(d);
    d->ref = e->ref;
    d->type = e->type;
    d->name = e->name;
    d->has = e->has;
    d->tag = e->tag;
    if (!(e->has & CACHE_VAL_BITS))
        return; /* and c->vals may be NULL */
    const uint64_t *in = c->vals + e->val;
#define GET(bit, field)                                                                        \
    if (e->has & (bit))                                                                        \
        d->field = *in++;
    CACHE_VALS(GET)
#undef GET
}

static uint32_t ref_slot(tdw_ref ref, uint32_t cap)
{
    return (uint32_t)((ref * UINT64_C(0x9e3779b97f4a7c15)) >> 32) & (cap - 1);
}

void tdw_cache_index(struct tdw_cache *c)
{
    uint32_t cap = 16;
    while (cap < c->n * 2u && cap < (UINT32_C(1) << 30))
        cap *= 2;
    if (cap < c->n * 2u)
        return;
    uint32_t *h = calloc(cap, sizeof *h);
    if (!h)
        return;
    for (uint32_t i = 0; i < c->n; i++) {
        uint32_t j = ref_slot(c->v[i].ref, cap);
        while (h[j])
            j = (j + 1) & (cap - 1);
        h[j] = i + 1;
    }
    free(c->hidx);
    c->hidx = h;
    c->hcap = cap;
}

int tdw_cache_append(struct tdw_cache *dst, const struct tdw_cache *src)
{
    if (!dst->n || src->n <= 1)
        return 0;
    uint32_t add = src->n - 1;
    if (add > UINT32_MAX - dst->n || src->nvals > UINT32_MAX - dst->nvals)
        return TYR_ENOMEM;
    if (dst->n + add > dst->cap) {
        struct tdw_cdie *v = realloc(dst->v, (size_t)(dst->n + add) * sizeof *v);
        if (!v)
            return TYR_ENOMEM;
        dst->v = v;
        dst->cap = dst->n + add;
    }
    if (dst->nvals + src->nvals > dst->cap_vals) {
        uint64_t *vals = realloc(dst->vals, (size_t)(dst->nvals + src->nvals) * sizeof *vals);
        if (!vals)
            return TYR_ENOMEM;
        dst->vals = vals;
        dst->cap_vals = dst->nvals + src->nvals;
    }
    uint32_t last = 0; /* dst's last top-level entry */
    for (uint32_t i = dst->v[0].child; i; i = dst->v[i - 1].sib)
        last = i;
    /* src's entry j (1-based, j >= 2) becomes dst's j + shift */
    uint32_t shift = dst->n - 1;
    struct tdw_cdie *out = dst->v + dst->n;
    memcpy(out, src->v + 1, (size_t)add * sizeof *out);
    for (uint32_t i = 0; i < add; i++) {
        out[i].child = out[i].child ? out[i].child + shift : 0;
        out[i].sib = out[i].sib ? out[i].sib + shift : 0;
        out[i].val += dst->nvals;
    }
    if (src->nvals)
        memcpy(dst->vals + dst->nvals, src->vals, (size_t)src->nvals * sizeof *dst->vals);
    if (src->v[0].child) {
        if (last)
            dst->v[last - 1].sib = src->v[0].child + shift;
        else
            dst->v[0].child = src->v[0].child + shift;
    }
    dst->n += add;
    dst->nvals += src->nvals;
    return 0;
}

void tdw_cache_free(struct tdw_cache *c)
{
    free(c->v);
    free(c->vals);
    free(c->hidx);
    memset(c, 0, sizeof *c);
}

/* Index (1-based) of ref in the current unit's cache, or 0. */
static uint32_t cache_find(const tyr_dwarf *dw, tdw_ref ref)
{
    const struct tdw_cache *c = dw->cache;
    if (!c || ref < c->lo || ref >= c->hi)
        return 0;
    if (c->hcap) {
        for (uint32_t j = ref_slot(ref, c->hcap);; j = (j + 1) & (c->hcap - 1)) {
            uint32_t i = c->hidx[j];
            if (!i || c->v[i - 1].ref == ref)
                return i;
        }
    }
    uint32_t lo = tdw_bound(c->v, c->n, sizeof *c->v, offsetof(struct tdw_cdie, ref), ref, false);
    return lo < c->n && c->v[lo].ref == ref ? lo + 1 : 0;
}

void tdw_die_free(Dwarf_Die die)
{
    if (die)
        dwarf_dealloc_die(die);
}

int tdw_die_read_cached(tyr_dwarf *dw, tdw_ref ref, struct tdw_die *out, Dwarf_Die *die_out,
                        tyr_diag *diag)
{
    uint32_t ci = cache_find(dw, ref);
    if (ci) {
        tdw_cache_get(dw->cache, ci - 1, out);
        if (die_out)
            *die_out = NULL; /* children come from the cache too (tdw_kids_first) */
        return 0;
    }
    return tdw_die_read(dw, ref, out, die_out, diag);
}

int tdw_die_read(tyr_dwarf *dw, tdw_ref ref, struct tdw_die *out, Dwarf_Die *die_out,
                 tyr_diag *diag)
{
    if (!die_out) {
        uint32_t ci = cache_find(dw, ref);
        if (ci) {
            tdw_cache_get(dw->cache, ci - 1, out);
            return 0;
        }
    }
    unsigned file = tdw_ref_file(ref);
    Dwarf_Debug dbg = dw->f[file].dbg;
    if (!dbg)
        return tyr_diag_set(diag, TYR_EDWARF, tdw_ref_off(ref),
                        "reference into a missing dwz supplementary file");
    Dwarf_Die die = NULL;
    Dwarf_Error e = NULL;
    int res = dwarf_offdie_b(dbg, tdw_ref_off(ref), 1, &die, &e);
    if (res != DW_DLV_OK) {
        tdw_err_free(dbg, &e);
        return tyr_diag_set(diag, TYR_EDWARF, tdw_ref_off(ref), "no DIE at offset 0x%llx%s",
                        (unsigned long long)tdw_ref_off(ref), file ? " of the dwz file" : "");
    }
    int err = tdw_decode(dw, file, die, out, diag);
    if (err || !die_out)
        dwarf_dealloc_die(die);
    else
        *die_out = die;
    return err;
}

int tdw_child(tyr_dwarf *dw, unsigned file, Dwarf_Die die, Dwarf_Die *out, tyr_diag *diag)
{
    Dwarf_Half ch = 0;
    if (dwarf_die_abbrev_children_flag(die, &ch) != DW_DLV_OK || !ch)
        return 0;
    Dwarf_Error e = NULL;
    int res = dwarf_child(die, out, &e);
    if (res == DW_DLV_NO_ENTRY)
        return 0;
    if (res != DW_DLV_OK) {
        tdw_err_free(dw->f[file].dbg, &e);
        return tyr_diag_set(diag, TYR_EDWARF, tdw_ref_off(tdw_die_ref(file, die)),
                        "cannot read the children");
    }
    return 1;
}

int tdw_sibling(tyr_dwarf *dw, unsigned file, Dwarf_Die die, Dwarf_Die *out, tyr_diag *diag)
{
    Dwarf_Error e = NULL;
    int res = tdw_siblingof(dw, file, dw->f[file].dbg, &dw->f[file].plans, die, out, &e);
    if (res == DW_DLV_NO_ENTRY)
        return 0;
    if (res != DW_DLV_OK) {
        tdw_ref here = tdw_die_ref(file, die);
        bool libdwarf_err = e != NULL;
        tdw_err_free(dw->f[file].dbg, &e);
        if (libdwarf_err)
            return tyr_diag_set(diag, TYR_EDWARF, tdw_ref_off(here), "cannot read the next sibling");
        return tyr_diag_set(diag, TYR_EDWARF, tdw_ref_off(here),
                        "DIE 0x%llx: its next sibling does not follow it, or its children nest"
                        " too deep",
                        (unsigned long long)tdw_ref_off(here));
    }
    return 1;
}

int tdw_kids_first(tyr_dwarf *dw, tdw_ref parent, Dwarf_Die parent_die, struct tdw_kids *k,
                   struct tdw_die *out, tyr_diag *diag)
{
    memset(k, 0, sizeof *k);
    k->file = tdw_ref_file(parent);
    uint32_t ci = parent_die ? 0 : cache_find(dw, parent);
    if (ci) {
        k->cache = dw->cache;
        k->next = k->cache->v[ci - 1].child;
        return tdw_kids_next(dw, k, out, diag);
    }
    Dwarf_Die owned = NULL;
    if (!parent_die) {
        struct tdw_die pd;
        int err = tdw_die_read(dw, parent, &pd, &owned, diag);
        if (err)
            return err;
        parent_die = owned;
    }
    int got = tdw_child(dw, k->file, parent_die, &k->cur, diag);
    tdw_die_free(owned);
    if (got != 1)
        return got;
    k->started = true;
    int err = tdw_decode(dw, k->file, k->cur, out, diag);
    return err ? err : 1;
}

int tdw_kids_next(tyr_dwarf *dw, struct tdw_kids *k, struct tdw_die *out, tyr_diag *diag)
{
    if (k->cache) {
        if (!k->next)
            return 0;
        tdw_cache_get(k->cache, k->next - 1, out);
        k->next = k->cache->v[k->next - 1].sib;
        return 1;
    }
    if (!k->cur)
        return 0;
    if (k->started) {
        Dwarf_Die next = NULL;
        int got = tdw_sibling(dw, k->file, k->cur, &next, diag);
        dwarf_dealloc_die(k->cur);
        k->cur = next;
        if (got != 1) {
            k->cur = NULL;
            return got;
        }
        int err = tdw_decode(dw, k->file, k->cur, out, diag);
        return err ? err : 1;
    }
    k->started = true;
    return 1; /* unreachable for libdwarf mode: first is decoded by tdw_kids_first */
}

void tdw_kids_end(struct tdw_kids *k)
{
    tdw_die_free(k->cur);
    k->cur = NULL;
}

bool tdw_index_tag(int part, Dwarf_Half tag)
{
    if (part == TDW_IX_FUNCS)
        return tag == DW_TAG_subprogram;
    return tag == DW_TAG_structure_type ||
           tag == DW_TAG_union_type || tag == DW_TAG_class_type ||
           tag == DW_TAG_enumeration_type || tag == DW_TAG_typedef || tag == DW_TAG_base_type;
}

void tdw_note_bad_name(tyr_dwarf *dw, tdw_ref ref)
{
    atomic_fetch_add(&dw->bad_names, 1);
    uint64_t cur = atomic_load(&dw->first_bad_name);
    while (ref < cur && !atomic_compare_exchange_weak(&dw->first_bad_name, &cur, ref))
        ;
}

bool tdw_is_type_tag(Dwarf_Half tag)
{
    switch (tag) {
    case DW_TAG_base_type: case DW_TAG_pointer_type: case DW_TAG_reference_type:
    case DW_TAG_rvalue_reference_type: case DW_TAG_const_type: case DW_TAG_volatile_type:
    case DW_TAG_restrict_type: case DW_TAG_atomic_type: case DW_TAG_typedef:
    case DW_TAG_structure_type: case DW_TAG_union_type: case DW_TAG_class_type:
    case DW_TAG_enumeration_type: case DW_TAG_array_type: case DW_TAG_subroutine_type:
    case DW_TAG_unspecified_type: case DW_TAG_ptr_to_member_type:
        return true;
    default:
        return false;
    }
}

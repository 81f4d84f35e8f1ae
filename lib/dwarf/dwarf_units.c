/* SPDX-License-Identifier: MIT */
/*
 * The units of both files (compile, partial and type units, in section order), making one
 * libdwarf's current unit, and .debug_aranges (address -> unit, for a function found through
 * its ELF symbol).
 */
#include <stdlib.h>
#include <string.h>

#include "dwarf_internal.h"

int tdw_next_unit_header(Dwarf_Debug dbg, struct tdw_unit_header *h, Dwarf_Error *e)
{
    Dwarf_Unsigned hlen = 0;
    Dwarf_Half ver = 0, asz = 0, lsz = 0, esz = 0;
    Dwarf_Off abbr = 0;
    h->next = h->type_off = 0;
    h->unit_type = 0;
    return dwarf_next_cu_header_d(dbg, 1, &hlen, &ver, &abbr, &asz, &lsz, &esz, &h->sig,
                                  &h->type_off, &h->next, &h->unit_type, e);
}

static int next_header(struct tdw_file *f, tyr_diag *diag)
{
    struct tdw_unit_header h;
    Dwarf_Error e = NULL;
    int res = tdw_next_unit_header(f->dbg, &h, &e);
    if (res == DW_DLV_NO_ENTRY) {
        f->cursor = -1;
        return 0;
    }
    if (res != DW_DLV_OK) {
        tdw_err_free(f->dbg, &e);
        return tyr_diag_set(diag, TYR_EDWARF, 0, "%s: unit header after %lld unreadable", f->path,
                        (long long)f->cursor);
    }
    f->cursor++;
    return 1;
}

static int cmp_arange(const void *a, const void *b)
{
    const struct tdw_arange *x = a, *y = b;
    return x->lo < y->lo ? -1 : x->lo > y->lo;
}

int tdw_units_load(tyr_dwarf *dw, unsigned file, tyr_diag *diag)
{
    struct tdw_file *f = &dw->f[file];
    uint32_t cap = 0, cap_sigs = 0;
    Dwarf_Unsigned hdr_off = 0;
    f->cursor = -1;
    for (uint32_t guard = 0; guard < (1u << 24); guard++) {
        struct tdw_unit_header h;
        Dwarf_Error e = NULL;
        int res = tdw_next_unit_header(f->dbg, &h, &e);
        if (res == DW_DLV_NO_ENTRY)
            return 0;
        if (res != DW_DLV_OK) {
            int err = tyr_diag_set(diag, TYR_EDWARF, 0, "%s: unit header %u: %s", f->path, f->nunits,
                               e ? dwarf_errmsg(e) : "unreadable");
            tdw_err_free(f->dbg, &e);
            return err;
        }
        Dwarf_Die cu = NULL;
        if (dwarf_siblingof_b(f->dbg, NULL, 1, &cu, &e) != DW_DLV_OK) {
            tdw_err_free(f->dbg, &e);
            return tyr_diag_set(diag, TYR_EDWARF, 0, "%s: unit %u has no DIE", f->path, f->nunits);
        }
        Dwarf_Half tag = 0;
        if (dwarf_tag(cu, &tag, &e) != DW_DLV_OK)
            tdw_err_free(f->dbg, &e);
        tdw_ref ref = tdw_die_ref(file, cu);
        dwarf_dealloc_die(cu);
        if (f->nunits == cap) {
            cap = cap ? cap * 2 : 64;
            tdw_ref *u = realloc(f->units, cap * sizeof *u);
            if (!u)
                return tyr_diag_set(diag, TYR_ENOMEM, 0, "out of memory");
            f->units = u;
            Dwarf_Half *t = realloc(f->unit_tags, cap * sizeof *t);
            if (!t)
                return tyr_diag_set(diag, TYR_ENOMEM, 0, "out of memory");
            f->unit_tags = t;
        }
        f->units[f->nunits] = ref;
        f->unit_tags[f->nunits] = tag;
        f->nunits++;
        if ((h.unit_type == DW_UT_type || h.unit_type == DW_UT_split_type) && h.type_off) {
            if (f->ntsigs == cap_sigs) {
                cap_sigs = cap_sigs ? cap_sigs * 2 : 16;
                struct tdw_tsig *t = realloc(f->tsigs, cap_sigs * sizeof *t);
                if (!t)
                    return tyr_diag_set(diag, TYR_ENOMEM, 0, "out of memory");
                f->tsigs = t;
            }
            uint64_t sv;
            memcpy(&sv, h.sig.signature, sizeof sv);
            f->tsigs[f->ntsigs].sig = sv;
            f->tsigs[f->ntsigs].die = (tdw_ref)(hdr_off + h.type_off) | (file ? TDW_ALT_BIT : 0);
            f->ntsigs++;
        }
        hdr_off = h.next;
    }
    return tyr_diag_set(diag, TYR_EDWARF, 0, "%s: too many units", dw->f[file].path);
}

tdw_ref tdw_type_unit(const tyr_dwarf *dw, unsigned file, uint64_t sig)
{
    const struct tdw_file *f = &dw->f[file];
    for (uint32_t i = 0; i < f->ntsigs; i++)
        if (f->tsigs[i].sig == sig)
            return f->tsigs[i].die;
    return TDW_REF_NONE;
}

int tdw_seek_unit(tyr_dwarf *dw, unsigned file, uint32_t k, tyr_diag *diag)
{
    struct tdw_file *f = &dw->f[file];
    if (k >= f->nunits)
        return 0;
    if (f->cursor >= (int64_t)k) {
        /* run to the end: the iteration restarts from the first unit */
        for (uint32_t guard = 0; f->cursor >= 0 && guard <= f->nunits; guard++) {
            int r = next_header(f, diag);
            if (r < 0)
                return r;
        }
        if (f->cursor >= 0)
            return 0;
    }
    for (uint32_t guard = 0; f->cursor < (int64_t)k && guard <= f->nunits; guard++) {
        int r = next_header(f, diag);
        if (r <= 0)
            return r;
    }
    return 0;
}

uint32_t tdw_unit_index(const tyr_dwarf *dw, tdw_ref cu)
{
    const struct tdw_file *f = &dw->f[tdw_ref_file(cu)];
    uint32_t lo = tdw_bound(f->units, f->nunits, sizeof *f->units, 0, cu, false);
    return lo < f->nunits && f->units[lo] == cu ? lo : UINT32_MAX;
}

int tdw_aranges_load(tyr_dwarf *dw, tyr_diag *diag)
{
    (void)diag;
    if (dw->aranges_loaded)
        return 0;
    dw->aranges_loaded = true;
    Dwarf_Debug dbg = dw->f[0].dbg;
    Dwarf_Arange *ar = NULL;
    Dwarf_Signed n = 0;
    Dwarf_Error e = NULL;
    int res = dwarf_get_aranges(dbg, &ar, &n, &e);
    if (res != DW_DLV_OK) {
        tdw_err_free(dbg, &e);
        return 0; /* no or unusable aranges: the caller scans instead */
    }
    dw->aranges = calloc((size_t)n ? (size_t)n : 1, sizeof *dw->aranges);
    int err = dw->aranges ? 0 : TYR_ENOMEM;
    for (Dwarf_Signed i = 0; i < n; i++) {
        Dwarf_Unsigned seg = 0, seglen = 0, len = 0;
        Dwarf_Addr start = 0;
        Dwarf_Off cu = 0;
        if (!err && dwarf_get_arange_info_b(ar[i], &seg, &seglen, &start, &len, &cu, &e) ==
                        DW_DLV_OK && len > 0) {
            dw->aranges[dw->naranges].lo = start;
            dw->aranges[dw->naranges].hi = start + len;
            dw->aranges[dw->naranges].cu = cu;
            dw->naranges++;
        }
        tdw_err_free(dbg, &e);
        dwarf_dealloc(dbg, ar[i], DW_DLA_ARANGE);
    }
    dwarf_dealloc(dbg, ar, DW_DLA_LIST);
    if (err)
        return tyr_diag_set(diag, err, 0, "out of memory");
    qsort(dw->aranges, dw->naranges, sizeof *dw->aranges, cmp_arange);
    return 0;
}

tdw_ref tdw_aranges_find(const tyr_dwarf *dw, uint64_t addr)
{
    uint32_t lo = tdw_bound(dw->aranges, dw->naranges, sizeof *dw->aranges,
                            offsetof(struct tdw_arange, lo), addr, true);
    /* Ranges may overlap (rare): look back a few. */
    for (uint32_t i = lo, k = 0; i > 0 && k < 8; i--, k++)
        if (dw->aranges[i - 1].lo <= addr && addr < dw->aranges[i - 1].hi)
            return dw->aranges[i - 1].cu;
    return TDW_REF_NONE;
}

void tdw_units_free(tyr_dwarf *dw)
{
    for (unsigned i = 0; i < 2; i++) {
        struct tdw_file *f = &dw->f[i];
        free(f->units);
        f->units = NULL;
        free(f->unit_tags);
        f->unit_tags = NULL;
        free(f->tsigs);
        f->tsigs = NULL;
        tdw_plans_free(&f->plans);
        f->ntsigs = 0;
        f->nunits = 0;
    }
    free(dw->aranges);
    dw->aranges = NULL;
}

/* SPDX-License-Identifier: MIT */
/*
 * Finding DIEs without importing: the list of units (compile and dwz partial units of both
 * files), .debug_aranges (address -> unit, for a function found through its ELF symbol),
 * and a lazily built index of every unit's top-level named DIEs (types and functions),
 * made by one scan that reads only top-level DIEs and jumps over their subtrees.
 */
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "dwarf_internal.h"

int tdw_units_load(tyr_dwarf *dw, unsigned file, tyr_diag *diag)
{
    struct tdw_file *f = &dw->f[file];
    uint32_t cap = 0, cap_sigs = 0;
    Dwarf_Unsigned hdr_off = 0;
    f->cursor = -1;
    for (uint32_t guard = 0; guard < (1u << 24); guard++) {
        Dwarf_Unsigned hlen = 0, toff = 0, next = 0;
        Dwarf_Half ver = 0, asz = 0, lsz = 0, esz = 0, utype = 0;
        Dwarf_Off abbr = 0;
        Dwarf_Sig8 sig;
        Dwarf_Error e = NULL;
        int res = dwarf_next_cu_header_d(f->dbg, 1, &hlen, &ver, &abbr, &asz, &lsz, &esz, &sig,
                                         &toff, &next, &utype, &e);
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
        if ((utype == DW_UT_type || utype == DW_UT_split_type) && toff) {
            if (f->ntsigs == cap_sigs) {
                cap_sigs = cap_sigs ? cap_sigs * 2 : 16;
                struct tdw_tsig *t = realloc(f->tsigs, cap_sigs * sizeof *t);
                if (!t)
                    return tyr_diag_set(diag, TYR_ENOMEM, 0, "out of memory");
                f->tsigs = t;
            }
            uint64_t sv;
            memcpy(&sv, sig.signature, sizeof sv);
            f->tsigs[f->ntsigs].sig = sv;
            f->tsigs[f->ntsigs].die = (tdw_ref)(hdr_off + toff) | (file ? TDW_ALT_BIT : 0);
            f->ntsigs++;
        }
        hdr_off = next;
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

static int next_header(struct tdw_file *f, tyr_diag *diag)
{
    Dwarf_Unsigned hlen = 0, toff = 0, next = 0;
    Dwarf_Half ver = 0, asz = 0, lsz = 0, esz = 0, utype = 0;
    Dwarf_Off abbr = 0;
    Dwarf_Sig8 sig;
    Dwarf_Error e = NULL;
    int res = dwarf_next_cu_header_d(f->dbg, 1, &hlen, &ver, &abbr, &asz, &lsz, &esz, &sig, &toff,
                                     &next, &utype, &e);
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
    uint32_t lo = 0, hi = f->nunits;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (f->units[mid] < cu)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < f->nunits && f->units[lo] == cu ? lo : UINT32_MAX;
}

static int cmp_arange(const void *a, const void *b)
{
    const struct tdw_arange *x = a, *y = b;
    return x->lo < y->lo ? -1 : x->lo > y->lo;
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
    uint32_t lo = 0, hi = dw->naranges;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (dw->aranges[mid].lo <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    /* Ranges may overlap (rare): look back a few. */
    for (uint32_t i = lo, k = 0; i > 0 && k < 8; i--, k++)
        if (dw->aranges[i - 1].lo <= addr && addr < dw->aranges[i - 1].hi)
            return dw->aranges[i - 1].cu;
    return TDW_REF_NONE;
}

bool tdw_index_tag(int part, Dwarf_Half tag)
{
    if (part == TDW_IX_FUNCS)
        return tag == DW_TAG_subprogram;
    return tag == DW_TAG_structure_type ||
           tag == DW_TAG_union_type || tag == DW_TAG_class_type ||
           tag == DW_TAG_enumeration_type || tag == DW_TAG_typedef || tag == DW_TAG_base_type;
}

static void hash_insert(tyr_dwarf *dw, uint32_t i)
{
    const char *n = dw->index[i].name;
    uint32_t b = (uint32_t)XXH3_64bits(n, strlen(n)) & (dw->index_hcap - 1);
    dw->index_next[i] = dw->index_hash[b];
    dw->index_hash[b] = i + 1;
}

static int index_add_entry(tyr_dwarf *dw, const struct tdw_entry *e);

static int index_add(tyr_dwarf *dw, const struct tdw_die *d, const char *name)
{
    struct tdw_entry en = {
        .name = name,
        .ref = d->ref,
        .low_pc = d->low_pc,
        .tag = d->tag,
        .decl = (d->has & TDW_DECL) != 0,
        .has_pc = (d->has & (TDW_HAS_LOW_PC | TDW_HAS_RANGES)) != 0,
    };
    return index_add_entry(dw, &en);
}

static int index_add_entry(tyr_dwarf *dw, const struct tdw_entry *e)
{
    if (dw->nindex == dw->cap_index) {
        uint32_t c = dw->cap_index ? dw->cap_index * 2 : 1024;
        struct tdw_entry *p = realloc(dw->index, (size_t)c * sizeof *p);
        if (!p)
            return TYR_ENOMEM;
        dw->index = p;
        uint32_t *nx = realloc(dw->index_next, (size_t)c * sizeof *nx);
        if (!nx)
            return TYR_ENOMEM;
        dw->index_next = nx;
        dw->cap_index = c;
    }
    if ((dw->nindex + 1) * 2 > dw->index_hcap) {
        uint32_t hcap = dw->index_hcap ? dw->index_hcap * 2 : 2048;
        uint32_t *h = calloc(hcap, sizeof *h);
        if (!h)
            return TYR_ENOMEM;
        free(dw->index_hash);
        dw->index_hash = h;
        dw->index_hcap = hcap;
        for (uint32_t i = 0; i < dw->nindex; i++)
            hash_insert(dw, i);
    }
    dw->index[dw->nindex] = *e;
    hash_insert(dw, dw->nindex);
    dw->nindex++;
    return 0;
}

/* The name of a function DIE that only refers to its declaration or abstract instance. */
const char *tdw_origin_name(tyr_dwarf *dw, const struct tdw_die *d, tyr_diag *diag)
{
    struct tdw_die o = *d;
    for (int hop = 0; hop < 4; hop++) {
        tdw_ref next = (o.has & TDW_HAS_ORIGIN) ? o.origin : (o.has & TDW_HAS_SPEC) ? o.spec
                                                                                    : TDW_REF_NONE;
        if (next == TDW_REF_NONE || tdw_read(dw, next, &o, NULL, diag) != 0)
            return NULL;
        if (o.has & TDW_HAS_NAME)
            return o.name;
    }
    return NULL;
}

void tdw_note_bad_name(tyr_dwarf *dw, tdw_ref ref)
{
    atomic_fetch_add(&dw->bad_names, 1);
    uint64_t cur = atomic_load(&dw->first_bad_name);
    while (ref < cur && !atomic_compare_exchange_weak(&dw->first_bad_name, &cur, ref))
        ;
}

/* Scan the next unscanned unit's top level; 1 = scanned one, 0 = all done, <0 error. */
static int index_scan_next(tyr_dwarf *dw, int part, tyr_diag *diag)
{
    uint32_t *done = dw->index_units[part];
    unsigned file = done[1] < dw->f[1].nunits ? 1u : 0u; /* dwz types first */
    struct tdw_file *f = &dw->f[file];
    uint32_t u = done[file];
    if (u >= f->nunits) {
        dw->index_built[part] = true;
        return 0;
    }
    done[file]++;
    if (part == TDW_IX_TYPES && file == 0 && dw->prefetch) {
        /* import-all: the names may have been scanned by the worker thread already */
        const struct tdw_entry *v = NULL;
        uint32_t n = 0;
        if (tdw_prefetch_names(dw->prefetch, u, &v, &n)) {
            const struct tdw_entry *cv = NULL;
            uint32_t cn = 0;
            int err = tdw_cxx_entries(dw, file, u, &cv, &cn, diag);
            if (err) {
                /* C++ (or unreadable): the worker's top-level names are not the whole */
                tdw_prefetch_names_done(dw->prefetch, u);
                for (uint32_t i = 0; err > 0 && i < cn; i++)
                    if (tdw_index_tag(part, cv[i].tag) && index_add_entry(dw, &cv[i]))
                        return tyr_diag_set(diag, TYR_ENOMEM, 0, "out of memory");
                return err < 0 ? err : 1;
            }
            for (uint32_t i = 0; i < n && !err; i++)
                err = index_add_entry(dw, &v[i]);
            tdw_prefetch_names_done(dw->prefetch, u);
            return err ? tyr_diag_set(diag, err, 0, "out of memory") : 1;
        }
    }
    {
        /* C++: the entries nested in namespaces and classes too, by qualified name */
        const struct tdw_entry *v = NULL;
        uint32_t n = 0;
        int r = tdw_cxx_entries(dw, file, u, &v, &n, diag);
        if (r < 0)
            return r;
        for (uint32_t i = 0; r && i < n; i++) {
            if (tdw_index_tag(part, v[i].tag) && index_add_entry(dw, &v[i]))
                return tyr_diag_set(diag, TYR_ENOMEM, 0, "out of memory");
        }
        if (r)
            return 1;
    }
    Dwarf_Die cu = NULL, die = NULL;
    struct tdw_die d;
    int err = tdw_seek_unit(dw, file, u, diag);
    if (!err)
        err = tdw_read(dw, f->units[u], &d, &cu, diag);
    if (err)
        return err;
    int got = tdw_child(dw, file, cu, &die, diag);
    dwarf_dealloc_die(cu);
    while (got == 1) {
        Dwarf_Half tag = 0;
        Dwarf_Error e = NULL;
        if (dwarf_tag(die, &tag, &e) != DW_DLV_OK)
            tdw_err_free(f->dbg, &e);
        if (tdw_index_tag(part, tag) && part == TDW_IX_TYPES) {
            /* Types need only a name and the declaration flag: two cheap libdwarf calls
             * instead of decoding every attribute (the full decode reads alt-file names). */
            char *nm = NULL;
            Dwarf_Bool decl = 0;
            Dwarf_Error e2 = NULL;
            int res = tdw_name_decl(&f->plans, f->dbg, die, &nm, &decl, &e2);
            if (res == DW_DLV_NO_ENTRY) {
                err = 0; /* anonymous: nothing to find it by */
            } else if (res == DW_DLV_OK) {
                memset(&d, 0, sizeof d);
                d.ref = tdw_die_ref(file, die);
                d.tag = tag;
                d.has = decl ? TDW_DECL : 0;
                err = index_add(dw, &d, nm);
            } else {
                tdw_err_free(f->dbg, &e2);
                err = tdw_decode(dw, file, die, &d, diag);
                if (tdw_is_bad_name(err, &d)) {
                    tdw_note_bad_name(dw, d.ref); /* not findable by name: counted */
                    err = 0;
                } else if (!err && d.name) {
                    err = index_add(dw, &d, d.name);
                }
            }
            if (err) {
                dwarf_dealloc_die(die);
                return err == TYR_ENOMEM ? tyr_diag_set(diag, err, 0, "out of memory") : err;
            }
        } else if (tdw_index_tag(part, tag)) {
            err = tdw_decode(dw, file, die, &d, diag);
            const char *name = d.name;
            if (tdw_is_bad_name(err, &d)) {
                tdw_note_bad_name(dw, d.ref);
                err = 0;
                name = NULL;
            } else if (!err && !name && tag == DW_TAG_subprogram) {
                name = tdw_origin_name(dw, &d, NULL);
            }
            if (!err && name)
                err = index_add(dw, &d, name);
            if (err) {
                dwarf_dealloc_die(die);
                return err == TYR_ENOMEM ? tyr_diag_set(diag, err, 0, "out of memory") : err;
            }
        }
        Dwarf_Die next = NULL;
        got = tdw_sibling(dw, file, die, &next, diag);
        dwarf_dealloc_die(die);
        die = next;
    }
    return got < 0 ? got : 1;
}

int tdw_index_build(tyr_dwarf *dw, int part, tyr_diag *diag)
{
    uint64_t n = (uint64_t)dw->f[0].nunits + dw->f[1].nunits;
    for (uint64_t guard = 0; !dw->index_built[part] && guard <= n; guard++) {
        int r = index_scan_next(dw, part, diag);
        if (r < 0)
            return r;
    }
    return 0;
}

const struct tdw_entry *tdw_index_next(const tyr_dwarf *dw, const char *name, uint32_t *cursor)
{
    if (!dw->index_hcap)
        return NULL;
    uint32_t i;
    if (*cursor == 0)
        i = dw->index_hash[(uint32_t)XXH3_64bits(name, strlen(name)) & (dw->index_hcap - 1)];
    else
        i = dw->index_next[*cursor - 1];
    for (; i; i = dw->index_next[i - 1]) {
        if (strcmp(dw->index[i - 1].name, name) == 0) {
            *cursor = i;
            return &dw->index[i - 1];
        }
    }
    *cursor = 0;
    return NULL;
}

const struct tdw_entry *tdw_index_first(tyr_dwarf *dw, int part, const char *name,
                                        bool (*want)(const struct tdw_entry *, void *), void *arg,
                                        tyr_diag *diag, int *err)
{
    *err = 0;
    for (uint64_t guard = 0; guard <= (uint64_t)dw->f[0].nunits + dw->f[1].nunits + 1; guard++) {
        /* chains are newest first: the last match seen is the first in unit order */
        const struct tdw_entry *best = NULL;
        uint32_t cur = 0;
        for (const struct tdw_entry *e = tdw_index_next(dw, name, &cur); e;
             e = tdw_index_next(dw, name, &cur))
            if (want(e, arg))
                best = e;
        if (best || dw->index_built[part])
            return best;
        int r = index_scan_next(dw, part, diag);
        if (r < 0) {
            *err = r;
            return NULL;
        }
    }
    return NULL;
}

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

static void hash_insert(tyr_dwarf *dw, uint32_t i)
{
    const char *n = dw->ix.index[i].name;
    uint32_t b = (uint32_t)XXH3_64bits(n, strlen(n)) & (dw->ix.index_hcap - 1);
    dw->ix.index_next[i] = dw->ix.index_hash[b];
    dw->ix.index_hash[b] = i + 1;
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
    if (dw->ix.nindex == dw->ix.cap_index) {
        uint32_t c = dw->ix.cap_index ? dw->ix.cap_index * 2 : 1024;
        struct tdw_entry *p = realloc(dw->ix.index, (size_t)c * sizeof *p);
        if (!p)
            return TYR_ENOMEM;
        dw->ix.index = p;
        uint32_t *nx = realloc(dw->ix.index_next, (size_t)c * sizeof *nx);
        if (!nx)
            return TYR_ENOMEM;
        dw->ix.index_next = nx;
        dw->ix.cap_index = c;
    }
    if ((dw->ix.nindex + 1) * 2 > dw->ix.index_hcap) {
        uint32_t hcap = dw->ix.index_hcap ? dw->ix.index_hcap * 2 : 2048;
        uint32_t *h = calloc(hcap, sizeof *h);
        if (!h)
            return TYR_ENOMEM;
        free(dw->ix.index_hash);
        dw->ix.index_hash = h;
        dw->ix.index_hcap = hcap;
        for (uint32_t i = 0; i < dw->ix.nindex; i++)
            hash_insert(dw, i);
    }
    dw->ix.index[dw->ix.nindex] = *e;
    hash_insert(dw, dw->ix.nindex);
    dw->ix.nindex++;
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

/* Scan the next unscanned unit's top level; 1 = scanned one, 0 = all done, <0 error. */
static int index_scan_next(tyr_dwarf *dw, int part, tyr_diag *diag)
{
    uint32_t *done = dw->ix.index_units[part];
    unsigned file = done[1] < dw->f[1].nunits ? 1u : 0u; /* dwz types first */
    struct tdw_file *f = &dw->f[file];
    uint32_t u = done[file];
    if (u >= f->nunits) {
        dw->ix.index_built[part] = true;
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
    for (uint64_t guard = 0; !dw->ix.index_built[part] && guard <= n; guard++) {
        int r = index_scan_next(dw, part, diag);
        if (r < 0)
            return r;
    }
    return 0;
}

const struct tdw_entry *tdw_index_next(const tyr_dwarf *dw, const char *name, uint32_t *cursor)
{
    if (!dw->ix.index_hcap)
        return NULL;
    uint32_t i;
    if (*cursor == 0)
        i = dw->ix.index_hash[(uint32_t)XXH3_64bits(name, strlen(name)) & (dw->ix.index_hcap - 1)];
    else
        i = dw->ix.index_next[*cursor - 1];
    for (; i; i = dw->ix.index_next[i - 1]) {
        if (strcmp(dw->ix.index[i - 1].name, name) == 0) {
            *cursor = i;
            return &dw->ix.index[i - 1];
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
        if (best || dw->ix.index_built[part])
            return best;
        int r = index_scan_next(dw, part, diag);
        if (r < 0) {
            *err = r;
            return NULL;
        }
    }
    return NULL;
}

void tdw_index_free(tyr_dwarf *dw)
{
    free(dw->ix.index);
    free(dw->ix.index_hash);
    free(dw->ix.index_next);
    dw->ix.index = NULL;
    dw->ix.index_hash = NULL;
    dw->ix.index_next = NULL;
}

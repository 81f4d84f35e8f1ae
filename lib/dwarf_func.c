/* SPDX-License-Identifier: MIT */
/*
 * The importer's entry points: a function's probe signature, a named type, every type,
 * and the list of functions. Finding a function reads as little as it can: the ELF symbol
 * gives an address, .debug_aranges the unit, and only that unit's top level is scanned;
 * the name index (one top-level scan of every unit) is the fallback.
 */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "dwarf_internal.h"

/* Scan one unit's top level for a subprogram whose DW_AT_low_pc is addr. */
static int scan_unit_for_pc(tyr_dwarf *dw, tdw_ref cu, uint64_t addr, tdw_ref *found,
                            tyr_diag *diag)
{
    unsigned file = tdw_ref_file(cu);
    struct tdw_die d;
    Dwarf_Die cud = NULL, die = NULL;
    uint32_t k = tdw_unit_index(dw, cu);
    int err = k == UINT32_MAX ? 0 : tdw_seek_unit(dw, file, k, diag);
    if (!err)
        err = tdw_read(dw, cu, &d, &cud, diag);
    if (err)
        return err;
    int got = tdw_child(dw, file, cud, &die, diag);
    dwarf_dealloc_die(cud);
    while (got == 1) {
        Dwarf_Half tag = 0;
        Dwarf_Error e = NULL;
        if (dwarf_tag(die, &tag, &e) != DW_DLV_OK)
            tdw_err_free(dw->f[file].dbg, &e);
        if (tag == DW_TAG_subprogram) {
            err = tdw_decode(dw, file, die, &d, diag);
            if (!err && (d.has & TDW_HAS_LOW_PC) && d.low_pc == addr) {
                *found = d.ref;
                dwarf_dealloc_die(die);
                return 0;
            }
            if (err) {
                dwarf_dealloc_die(die);
                return err;
            }
        }
        Dwarf_Die next = NULL;
        got = tdw_sibling(dw, file, die, &next, diag);
        dwarf_dealloc_die(die);
        die = next;
    }
    return got < 0 ? got : 0;
}

static int find_by_addr(tyr_dwarf *dw, uint64_t addr, tdw_ref *found, tyr_diag *diag)
{
    int err = tdw_aranges_load(dw, diag);
    if (err)
        return err;
    tdw_ref cu = tdw_aranges_find(dw, addr);
    if (cu != TDW_REF_NONE) {
        err = scan_unit_for_pc(dw, cu, addr, found, diag);
        if (err || *found != TDW_REF_NONE)
            return err;
    }
    /* No aranges (or a unit they miss): the index knows every top-level low_pc. */
    if ((err = tdw_index_build(dw, TDW_IX_FUNCS, diag)))
        return err;
    for (uint32_t i = 0; i < dw->nindex; i++) {
        const struct tdw_entry *e = &dw->index[i];
        if (e->tag == DW_TAG_subprogram && e->has_pc && e->low_pc == addr) {
            *found = e->ref;
            return 0;
        }
    }
    return 0;
}

static bool is_function_body(const struct tdw_entry *e, void *arg)
{
    (void)arg;
    return e->tag == DW_TAG_subprogram && e->has_pc;
}

static int find_function(tyr_dwarf *dw, const char *name, tdw_ref *found, tyr_diag *diag)
{
    uint64_t addrs[8];
    *found = TDW_REF_NONE;
    for (int pass = 0; pass < 2; pass++) {
        uint32_t n = tdw_syms_lookup(dw, name, pass == 1, addrs, 8);
        for (uint32_t i = 0; i < n && i < 8; i++) {
            int err = find_by_addr(dw, addrs[i], found, diag);
            if (err || *found != TDW_REF_NONE)
                return err;
        }
        /* A DIE with DW_AT_ranges (a function split in hot and cold parts) has no
         * DW_AT_low_pc to match: try the other names of the symbol's address instead
         * (glibc's fclose is _IO_new_fclose). */
        for (uint32_t i = 0; i < n && i < 8; i++) {
            uint32_t cur = 0;
            for (const char *other = tdw_syms_at(dw, addrs[i], &cur); other;
                 other = tdw_syms_at(dw, addrs[i], &cur)) {
                if (strcmp(other, name) == 0)
                    continue;
                int err;
                const struct tdw_entry *e =
                    tdw_index_first(dw, TDW_IX_FUNCS, other, is_function_body, NULL, diag, &err);
                if (err)
                    return err;
                if (e) {
                    *found = e->ref;
                    return 0;
                }
            }
        }
        if (pass == 0) {
            /* By name: a definition with code (not a declaration), first in unit order. */
            int err;
            const struct tdw_entry *e = tdw_index_first(dw, TDW_IX_FUNCS, name, is_function_body, NULL, diag,
                                                        &err);
            if (err)
                return err;
            if (e) {
                *found = e->ref;
                return 0;
            }
        }
    }
    return 0;
}

/* Gather the parameters: the concrete DIE's own formal parameters when it has any (an
 * out-of-line copy lists the ones it kept), else the origin's. */
static int collect_params(tyr_dwarf *dw, tdw_ref fn, tdw_ref *types, const char **names,
                          uint32_t max, uint32_t *n, bool *varargs, tyr_diag *diag)
{
    unsigned file = tdw_ref_file(fn);
    struct tdw_die d;
    Dwarf_Die die = NULL, ch = NULL;
    int err = tdw_read(dw, fn, &d, &die, diag);
    if (err)
        return err;
    *n = 0;
    int got = tdw_child(dw, file, die, &ch, diag);
    dwarf_dealloc_die(die);
    while (got == 1) {
        struct tdw_die p;
        err = tdw_decode(dw, file, ch, &p, diag);
        if (!err && p.tag == DW_TAG_formal_parameter) {
            /* name and type may live on the abstract parameter */
            struct tdw_die o = p;
            for (int hop = 0; hop < 4 && !err && (!(o.has & TDW_HAS_TYPE)) &&
                              (o.has & (TDW_HAS_ORIGIN | TDW_HAS_SPEC));
                 hop++) {
                const char *nm = o.name;
                err = tdw_read(dw, (o.has & TDW_HAS_ORIGIN) ? o.origin : o.spec, &o, NULL, diag);
                if (!o.name)
                    o.name = nm;
            }
            if (!err && *n < max) {
                types[*n] = (o.has & TDW_HAS_TYPE) ? o.type : TDW_REF_NONE;
                names[*n] = o.name ? o.name : p.name;
                (*n)++;
            } else if (!err) {
                err = tdw_fail(diag, TYR_ENOTSUP, tdw_ref_off(fn), "more than %u parameters", max);
            }
        } else if (!err && p.tag == DW_TAG_unspecified_parameters) {
            *varargs = true;
        }
        Dwarf_Die next = NULL;
        got = err ? err : tdw_sibling(dw, file, ch, &next, diag);
        dwarf_dealloc_die(ch);
        ch = next;
        if (err)
            return err;
    }
    return got < 0 ? got : 0;
}

#define MAX_PARAMS 128

/* Is FUNC fn's prototype exactly (ret, flags, params)? */
static bool same_signature(const tyr_registry *reg, tyr_type fn, tyr_type ret, uint32_t flags,
                           const tyr_type *pt, const char *const *names, uint32_t np)
{
    tyr_type_info fi, pi;
    if (tyr_type_get(reg, fn, &fi) != 0 || tyr_type_get(reg, fi.target, &pi) != 0)
        return false;
    if (pi.target.id != ret.id || pi.flags != flags || pi.count != np)
        return false;
    for (uint32_t i = 0; i < np; i++) {
        tyr_param_info p;
        if (tyr_param_at(reg, fn, i, &p) != 0 || p.type.id != pt[i].id ||
            strcmp(p.name, names[i] ? names[i] : "") != 0)
            return false;
    }
    return true;
}

int tyr_dwarf_import_func(tyr_dwarf *dw, tyr_registry *reg, const char *name, tyr_type *out,
                          tyr_diag *diag)
{
    if (!dw || !reg || !name || !*name)
        return TYR_EINVAL;
    if (tyr_registry_is_mapped(reg))
        return TYR_EREADONLY;
    tdw_ref fn;
    int err = find_function(dw, name, &fn, diag);
    if (err)
        return err;
    if (fn == TDW_REF_NONE)
        return tdw_fail(diag, TYR_ENOENT, 0, "function %s not found", name);
    /* Follow abstract_origin / specification to the DIE with the return type. */
    struct tdw_die d, o;
    if ((err = tdw_read(dw, fn, &d, NULL, diag)))
        return err;
    o = d;
    tdw_ref chain[5] = {fn, TDW_REF_NONE, TDW_REF_NONE, TDW_REF_NONE, TDW_REF_NONE};
    uint32_t nchain = 1;
    while (nchain < 5 && (o.has & (TDW_HAS_ORIGIN | TDW_HAS_SPEC))) {
        tdw_ref next = (o.has & TDW_HAS_ORIGIN) ? o.origin : o.spec;
        if ((err = tdw_read(dw, next, &o, NULL, diag)))
            return err;
        chain[nchain++] = next;
        if (o.has & TDW_HAS_TYPE)
            break;
    }
    tdw_ref ret = TDW_REF_NONE;
    bool varargs = false;
    tdw_ref ptypes[MAX_PARAMS];
    const char *pnames[MAX_PARAMS];
    uint32_t np = 0;
    /* Return type: the first DIE of the chain that has one. */
    for (uint32_t i = 0; i < nchain && ret == TDW_REF_NONE; i++) {
        struct tdw_die x;
        if ((err = tdw_read(dw, chain[i], &x, NULL, diag)))
            return err;
        if (x.has & TDW_HAS_TYPE)
            ret = x.type;
    }
    for (uint32_t i = 0; i < nchain; i++) {
        bool va = false;
        if ((err = collect_params(dw, chain[i], ptypes, pnames, MAX_PARAMS, &np, &va, diag)))
            return err;
        varargs |= va;
        if (np > 0)
            break;
    }
    if (!varargs) {
        for (uint32_t i = 1; i < nchain && !varargs; i++) {
            uint32_t n2 = 0;
            tdw_ref t2[1];
            const char *n2s[1];
            bool va = false;
            /* only the varargs flag matters here; a longer list is fine to truncate */
            int e2 = collect_params(dw, chain[i], t2, n2s, 1, &n2, &va, NULL);
            if (!e2 || e2 == TYR_ENOTSUP)
                varargs |= va;
        }
    }
    tdw_bind(dw, reg);
    tyr_type rt, pt[MAX_PARAMS];
    if ((err = tdw_import_type(dw, ret, &rt, diag)))
        goto out;
    for (uint32_t i = 0; i < np; i++)
        if ((err = tdw_import_type(dw, ptypes[i], &pt[i], diag)))
            goto out;
    /* The same probe imported again into this registry: the record it already has. */
    tyr_type prev;
    uint32_t flags = varargs ? TYR_FUNC_VARARGS : 0;
    for (int e = tyr_find(reg, name, TYR_KIND_FUNC, &prev); !e;
         e = tyr_find_next(reg, name, TYR_KIND_FUNC, prev, &prev)) {
        if (same_signature(reg, prev, rt, flags, pt, pnames, np)) {
            if (out)
                *out = prev;
            goto out;
        }
    }
    /* Arrays and functions are adjusted to pointers in C parameters; DWARF has done it. */
    tyr_type proto, f;
    if ((err = tyr_func_proto_new(reg, rt, varargs ? TYR_FUNC_VARARGS : 0, &proto))) {
        err = tdw_fail(diag, err, tdw_ref_off(fn), "prototype of %s: %s", name, tyr_strerror(err));
        goto out;
    }
    for (uint32_t i = 0; i < np; i++) {
        if ((err = tyr_func_proto_add_param(reg, proto, pnames[i], pt[i]))) {
            err = tdw_fail(diag, err, tdw_ref_off(fn), "parameter %u of %s: %s", i, name,
                           tyr_strerror(err));
            goto out;
        }
    }
    if ((err = tyr_func_new(reg, name, proto, &f))) {
        err = tdw_fail(diag, err, tdw_ref_off(fn), "function %s: %s", name, tyr_strerror(err));
        goto out;
    }
    if (out)
        *out = f;
out:
    if (err)
        tyr_dwarf_forget(dw);
    else
        tdw_unbind(dw);
    return err;
}

static bool kind_matches(int kind, Dwarf_Half tag)
{
    switch (kind) {
    case TYR_KIND_ANY:
        return tag != DW_TAG_subprogram;
    case TYR_KIND_STRUCT:
        return tag == DW_TAG_structure_type || tag == DW_TAG_class_type;
    case TYR_KIND_UNION:
        return tag == DW_TAG_union_type;
    case TYR_KIND_ENUM:
        return tag == DW_TAG_enumeration_type;
    case TYR_KIND_TYPEDEF:
        return tag == DW_TAG_typedef;
    default:
        return false;
    }
}

struct want_type {
    int kind;
    bool decl_ok;
};

static bool want_type_entry(const struct tdw_entry *e, void *arg)
{
    const struct want_type *w = arg;
    return kind_matches(w->kind, e->tag) && (w->decl_ok || !e->decl);
}

int tyr_dwarf_import_type(tyr_dwarf *dw, tyr_registry *reg, const char *name, int kind,
                          tyr_type *out, tyr_diag *diag)
{
    if (!dw || !reg || !name || !*name)
        return TYR_EINVAL;
    if (kind != TYR_KIND_ANY && kind != TYR_KIND_STRUCT && kind != TYR_KIND_UNION &&
        kind != TYR_KIND_ENUM && kind != TYR_KIND_TYPEDEF)
        return TYR_EINVAL;
    if (tyr_registry_is_mapped(reg))
        return TYR_EREADONLY;
    struct want_type w = {kind, false};
    int err;
    const struct tdw_entry *e = tdw_index_first(dw, TDW_IX_TYPES, name, want_type_entry, &w, diag, &err);
    if (!e && !err) {
        w.decl_ok = true; /* only declared anywhere: an opaque struct */
        e = tdw_index_first(dw, TDW_IX_TYPES, name, want_type_entry, &w, diag, &err);
    }
    if (err)
        return err;
    tdw_ref best = e ? e->ref : TDW_REF_NONE;
    if (best == TDW_REF_NONE)
        return tdw_fail(diag, TYR_ENOENT, 0, "type %s not found", name);
    tdw_bind(dw, reg);
    err = tdw_import_type(dw, best, out, diag);
    if (err)
        tyr_dwarf_forget(dw);
    else
        tdw_unbind(dw);
    return err;
}

/* One unit's top-level types, read from libdwarf by this thread. */
static int import_unit_direct(tyr_dwarf *dw, unsigned file, uint32_t u, tyr_diag *diag)
{
    struct tdw_file *f = &dw->f[file];
    Dwarf_Die cu = NULL, die = NULL;
    struct tdw_die d;
    int err = tdw_read(dw, f->units[u], &d, &cu, diag);
    if (err)
        return err;
    int got = tdw_child(dw, file, cu, &die, diag);
    tdw_die_free(cu);
    while (got == 1 && !err) {
        Dwarf_Half tag = 0;
        Dwarf_Error e = NULL;
        if (dwarf_tag(die, &tag, &e) != DW_DLV_OK)
            tdw_err_free(f->dbg, &e);
        dw->stat_dies++;
        if (tdw_is_type_tag(tag))
            err = tdw_import_type(dw, tdw_die_ref(file, die), NULL, diag);
        Dwarf_Die next = NULL;
        if (!err)
            got = tdw_sibling(dw, file, die, &next, diag);
        dwarf_dealloc_die(die);
        die = next;
    }
    tdw_die_free(die);
    return err ? err : got < 0 ? got : 0;
}

int tyr_dwarf_import_all(tyr_dwarf *dw, tyr_registry *reg, tyr_dwarf_progress_fn progress,
                         void *ctx, tyr_dwarf_stats *stats, tyr_diag *diag)
{
    if (!dw || !reg)
        return TYR_EINVAL;
    if (tyr_registry_is_mapped(reg))
        return TYR_EREADONLY;
    tdw_bind(dw, reg);
    dw->stat_dies = 0;
    uint32_t total = dw->f[0].nunits + dw->f[1].nunits, done = 0;
    int err = 0;
    /* The supplementary file first: its partial units hold the shared types. The main
     * file's units are decoded ahead by worker threads (dwarf_prefetch.c). */
    uint64_t worker_dies = 0;
    for (int fi = 1; fi >= 0 && !err; fi--) {
        unsigned file = (unsigned)fi;
        struct tdw_file *f = &dw->f[file];
        struct prefetch *pf = file == 0 ? tdw_prefetch_start(dw, file) : NULL;
        for (uint32_t u = 0; u < f->nunits && !err; u++) {
            if ((err = tdw_seek_unit(dw, file, u, diag)))
                break;
            const struct tdw_cache *cache = tdw_prefetch_take(pf, u);
            if (cache) {
                dw->cache = cache;
                struct tdw_kids k;
                struct tdw_die d;
                int got = tdw_kids_first(dw, f->units[u], NULL, &k, &d, diag);
                for (; got == 1 && !err; got = tdw_kids_next(dw, &k, &d, diag)) {
                    dw->stat_dies++;
                    if (tdw_is_type_tag(d.tag))
                        err = tdw_import_type(dw, d.ref, NULL, diag);
                }
                tdw_kids_end(&k);
                if (!err && got < 0)
                    err = got;
                dw->cache = NULL;
                tdw_prefetch_done(pf, u);
            } else {
                err = import_unit_direct(dw, file, u, diag);
            }
            done++;
            if (!err && progress && progress(ctx, done, total))
                err = tdw_fail(diag, TYR_EINVAL, 0, "stopped by the progress callback");
        }
        worker_dies += tdw_prefetch_stop(pf);
    }
    dw->stat_dies += worker_dies;
    if (err) {
        tyr_dwarf_forget(dw);
        return err;
    }
    tdw_unbind(dw);
    if (stats) {
        stats->units = total;
        stats->dies = dw->stat_dies;
        stats->types = tyr_registry_type_count(reg);
    }
    return 0;
}

int tyr_dwarf_list_funcs(tyr_dwarf *dw, const char *glob, tyr_dwarf_func_fn fn, void *ctx,
                         tyr_diag *diag)
{
    if (!dw || !fn)
        return TYR_EINVAL;
    int err = tdw_index_build(dw, TDW_IX_FUNCS, diag);
    if (err)
        return err;
    for (uint32_t i = 0; i < dw->nindex; i++) {
        const struct tdw_entry *e = &dw->index[i];
        if (e->tag != DW_TAG_subprogram || !e->has_pc)
            continue;
        if (glob && fnmatch(glob, e->name, 0) != 0)
            continue;
        /* once per name: skip if an earlier entry with code has it */
        bool seen = false;
        uint32_t cur = 0;
        for (const struct tdw_entry *p = tdw_index_next(dw, e->name, &cur); p;
             p = tdw_index_next(dw, e->name, &cur))
            if (p < e && p->tag == DW_TAG_subprogram && p->has_pc) {
                seen = true;
                break;
            }
        if (seen)
            continue;
        int r = fn(ctx, e->name);
        if (r)
            return r;
    }
    return 0;
}

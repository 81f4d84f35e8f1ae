/* SPDX-License-Identifier: MIT */
/*
 * What the import entries of dwarf_api.c do: a function's probe signature, a named type,
 * every type, and the list of functions. Finding a function reads as little as it can: the ELF symbol
 * gives an address, .debug_aranges the unit, and only that unit's top level is scanned;
 * the name index (one top-level scan of every unit) is the fallback.
 */
#include <fnmatch.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "dwarf_internal.h"
#include "opts.h"

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
            if (tdw_is_bad_name(err, &d))
                err = 0; /* found by its address, its name is not needed (the name
                          * index's scan counts it) */
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
    for (uint32_t i = 0; i < dw->ix.nindex; i++) {
        const struct tdw_entry *e = &dw->ix.index[i];
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

int tdw_find_function(tyr_dwarf *dw, const char *name, tdw_ref *found, tyr_diag *diag)
{
    uint64_t addrs[8];
    *found = TDW_REF_NONE;
    if (tdw_syms_need(dw))
        return tyr_diag_set(diag, TYR_ENOMEM, 0, "out of memory reading the symbol table");
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
 * out-of-line copy lists the ones it kept), else the origin's. The children come from the
 * prefetched unit when import-all has it. */
static int collect_params(tyr_dwarf *dw, tdw_ref fn, tdw_ref *types, const char **names,
                          uint32_t max, uint32_t *n, bool *varargs, tyr_diag *diag)
{
    struct tdw_kids k;
    struct tdw_die p;
    int err = 0;
    *n = 0;
    int got = tdw_kids_first(dw, fn, NULL, &k, &p, diag);
    for (; got == 1 && !err; got = err ? 0 : tdw_kids_next(dw, &k, &p, diag)) {
        if (p.tag == DW_TAG_formal_parameter) {
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
                err = tyr_diag_set(diag, TYR_ENOTSUP, tdw_ref_off(fn), "more than %u parameters", max);
            }
        } else if (p.tag == DW_TAG_unspecified_parameters) {
            *varargs = true;
        }
    }
    tdw_kids_end(&k);
    return err ? err : got < 0 ? got : 0;
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

/* Store the probe signature of the function DIE fn as a FUNC named `name` (or find the
 * identical one the registry already has). The caller binds and unbinds. */
static int store_signature(tyr_dwarf *dw, tyr_registry *reg, tdw_ref fn, const char *name,
                           tyr_type *out, tyr_diag *diag)
{
    /* Follow abstract_origin / specification to the DIE with the return type. */
    struct tdw_die d, o;
    int err;
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
    tyr_type rt, pt[MAX_PARAMS];
    if ((err = tdw_import_type(dw, ret, &rt, diag)))
        return err;
    for (uint32_t i = 0; i < np; i++) {
        if ((err = tdw_import_type(dw, ptypes[i], &pt[i], diag)))
            return err;
        /* C++: a class passed by value the ABI passes by its address */
        int inv = ptypes[i] == TDW_REF_NONE ? 0 : tdw_cxx_by_invisible_ref(dw, ptypes[i], diag);
        if (inv < 0)
            return inv;
        if (inv && (err = tdw_invisible_ref(dw, pt[i], &pt[i], diag)))
            return err;
    }
    /* The same probe imported again into this registry: the record it already has. */
    tyr_type prev;
    uint32_t flags = varargs ? TYR_FUNC_VARARGS : 0;
    for (int e = tyr_find(reg, name, TYR_KIND_FUNC, &prev); !e;
         e = tyr_find_next(reg, name, TYR_KIND_FUNC, prev, &prev)) {
        if (same_signature(reg, prev, rt, flags, pt, pnames, np)) {
            if (out)
                *out = prev;
            return 0;
        }
    }
    /* Arrays and functions are adjusted to pointers in C parameters; DWARF has done it. */
    tyr_type proto, f;
    if ((err = tyr_func_proto_new(reg, rt, flags, &proto)))
        return tyr_diag_set(diag, err, tdw_ref_off(fn), "prototype of %s: %s", name, tyr_strerror(err));
    for (uint32_t i = 0; i < np; i++) {
        if ((err = tyr_func_proto_add_param(reg, proto, pnames[i], pt[i])))
            return tyr_diag_set(diag, err, tdw_ref_off(fn), "parameter %u of %s: %s", i, name,
                            tyr_strerror(err));
    }
    if ((err = tyr_func_new(reg, name, proto, &f)))
        return tyr_diag_set(diag, err, tdw_ref_off(fn), "function %s: %s", name, tyr_strerror(err));
    if (out)
        *out = f;
    return 0;
}

/* Ends an import begun with a snapshot of reg: a failed one (an error, a cancel, an
 * allocation failure) is undone whole, and the DIE-to-type cache, which may name types the
 * rollback removed, is dropped; a successful one is kept. */
static void end_import(tyr_dwarf *dw, tyr_registry *reg, const tyr_snapshot *snap, int err)
{
    if (err) {
        tyr_registry_rollback(reg, snap);
        tdw_import_forget(dw);
    } else {
        tyr_registry_release(reg, snap);
        tdw_unbind(dw);
    }
}

int tdw_func_import(tyr_dwarf *dw, tyr_registry *reg, const char *name, tyr_type *out,
                    tyr_diag *diag)
{
    if (!dw || !reg || !name || !*name)
        return TYR_EINVAL;
    if (tyr_registry_is_mapped(reg))
        return TYR_EREADONLY;
    tdw_ref fn;
    int err = tdw_find_function(dw, name, &fn, diag);
    if (err)
        return err;
    if (fn == TDW_REF_NONE)
        return tyr_diag_set(diag, TYR_ENOENT, 0, "function %s not found", name);
    tyr_snapshot snap; /* all or nothing: a failure leaves reg as it was */
    if ((err = tyr_registry_snapshot(reg, &snap)))
        return err;
    tdw_bind(dw, reg);
    err = store_signature(dw, reg, fn, name, out, diag);
    end_import(dw, reg, &snap, err);
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

/* Does the qualified name q end in "::" + name, that "::" outside template arguments
 * ("app::net::Conn::Stats" for "Stats" or "Conn::Stats"; not "Box<app::Point>" for
 * "Point>")? */
static bool ends_in_scope(const char *q, const char *name)
{
    size_t lq = strlen(q), ln = strlen(name);
    if (lq < ln + 2 || strcmp(q + lq - ln, name) || q[lq - ln - 1] != ':' || q[lq - ln - 2] != ':')
        return false;
    int angle = 0;
    for (size_t i = 0; i < lq - ln - 2; i++)
        angle += q[i] == '<' ? 1 : q[i] == '>' ? -1 : 0;
    return angle == 0;
}

/* A C++ type asked for by its short name ("Stats", "Box<long int>"): the one type whose
 * qualified name ends in it, or NULL (with TYR_ENOENT and the candidates in diag when
 * several scopes have one). Reads the whole type index. */
static const struct tdw_entry *by_short_name(tyr_dwarf *dw, const char *name,
                                             struct want_type *w, tyr_diag *diag, int *err)
{
    if ((*err = tdw_index_build(dw, TDW_IX_TYPES, diag)))
        return NULL;
    const struct tdw_entry *found = NULL, *other = NULL;
    for (int pass = 0; pass < 2 && !found; pass++) {
        w->decl_ok = pass == 1;
        for (uint32_t i = 0; i < dw->ix.nindex; i++) {
            const struct tdw_entry *e = &dw->ix.index[i];
            if (!want_type_entry(e, w) || !ends_in_scope(e->name, name))
                continue;
            if (!found)
                found = e;
            else if (strcmp(found->name, e->name) && !other)
                other = e;
        }
    }
    if (other) {
        *err = tyr_diag_set(diag, TYR_ENOENT, 0, "type %s is ambiguous: %s, %s, ...", name,
                        found->name, other->name);
        return NULL;
    }
    if (!found)
        return NULL;
    /* the first definition in unit order of that qualified name */
    const struct tdw_entry *e = tdw_index_first(dw, TDW_IX_TYPES, found->name, want_type_entry,
                                                w, diag, err);
    return e ? e : found;
}

int tdw_named_type_import(tyr_dwarf *dw, tyr_registry *reg, const char *name, int kind,
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
    if (!e && !err)
        e = by_short_name(dw, name, &w, diag, &err);
    if (err)
        return err;
    tdw_ref best = e ? e->ref : TDW_REF_NONE;
    if (best == TDW_REF_NONE)
        return tyr_diag_set(diag, TYR_ENOENT, 0, "type %s not found", name);
    tyr_snapshot snap;
    if ((err = tyr_registry_snapshot(reg, &snap)))
        return err;
    tdw_bind(dw, reg);
    err = tdw_import_type(dw, best, out, diag);
    end_import(dw, reg, &snap, err);
    return err;
}

/* ---- Import-all ---- */

/* Function names given a FUNC during one import-all (first definition wins): an open
 * addressing set of FUNC type ids, compared by the registry's name of the record. */
struct fnset {
    uint32_t *ids;  /* 0 = empty */
    uint64_t *hs;
    uint32_t cap, used;
};

/* A FUNC stored for a DIE with DW_AT_low_pc: the address its ELF aliases are found by. */
struct fnaddr {
    uint64_t addr;
    uint32_t id;
    uint32_t seq;   /* walk order */
};

/* The ELF function symbol names: tyr_dwarf_import_func() takes the DIE at the first address
 * (in symbol table order) of the name's symbols that has one, so import-all stores a DIE
 * whose DW_AT_low_pc is that first address at once, and keeps any other definition of a
 * named symbol as a candidate until the end of the walk (static functions of several units,
 * glibc's two memcpy). */
#define DUP_ADDRS 8
struct dupname {
    const char *name;            /* view into dw->sym.symstr; NULL = empty slot */
    uint64_t h;
    uint32_t first, naddrs;      /* distinct addresses, symbol table order, in all_state.pool */
    uint32_t best;               /* index into all_state.cands + 1 of the best so far; 0 none */
};
/* A definition of a dup name met by the walk. rank: the index of its low_pc in addrs, or
 * DUP_ADDRS when it matches none (then the first in unit order, as the by-name lookup). */
struct dupcand {
    tdw_ref ref;
    uint64_t low_pc;
    uint32_t rank;
    bool has_low_pc;
};

struct all_state {
    tyr_registry *reg;
    uint32_t flags;
    struct fnset seen;
    struct dupname *dups; /* owned; open addressing by h */
    uint32_t cap_dups;
    uint64_t *pool;       /* owned: the addresses of dups[] */
    struct dupcand *cands; /* owned */
    uint32_t ncands, cap_cands;
    struct fnaddr *addrs; /* owned */
    uint32_t naddrs, cap_addrs;
    uint64_t funcs;
    bool skip_funcs;      /* a C++ unit: its functions come from all_cxx_unit */
};

static uint64_t name_hash(const char *s)
{
    uint64_t h = UINT64_C(1469598103934665603); /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * UINT64_C(1099511628211);
    return h;
}

/* Slot of name in the set: its id, or the empty slot where it goes. */
static uint32_t fnset_slot(const struct all_state *st, const char *name, uint64_t h)
{
    const struct fnset *s = &st->seen;
    uint32_t m = s->cap - 1, i = (uint32_t)h & m;
    for (; s->ids[i]; i = (i + 1) & m) {
        if (s->hs[i] == h && strcmp(tyr_type_name(st->reg, (tyr_type){s->ids[i]}), name) == 0)
            break;
    }
    return i;
}

/* The FUNC stored for name in this walk, or 0. */
static uint32_t fnset_get(const struct all_state *st, const char *name)
{
    return st->seen.cap ? st->seen.ids[fnset_slot(st, name, name_hash(name))] : 0;
}

static bool fnset_has(const struct all_state *st, const char *name)
{
    return fnset_get(st, name) != 0;
}

static int fnset_add(struct all_state *st, const char *name, uint32_t id)
{
    struct fnset *s = &st->seen;
    if ((s->used + 1) * 2 > s->cap) {
        uint32_t cap = s->cap ? s->cap * 2 : 1024;
        struct fnset n = {calloc(cap, sizeof *n.ids), calloc(cap, sizeof *n.hs), cap, s->used};
        if (!n.ids || !n.hs) {
            free(n.ids);
            free(n.hs);
            return TYR_ENOMEM;
        }
        for (uint32_t i = 0; i < s->cap; i++) {
            if (!s->ids[i])
                continue;
            uint32_t j = (uint32_t)s->hs[i] & (cap - 1);
            while (n.ids[j])
                j = (j + 1) & (cap - 1);
            n.ids[j] = s->ids[i];
            n.hs[j] = s->hs[i];
        }
        free(s->ids);
        free(s->hs);
        *s = n;
    }
    uint64_t h = name_hash(name);
    uint32_t i = fnset_slot(st, name, h);
    if (!s->ids[i]) {
        s->ids[i] = id;
        s->hs[i] = h;
        s->used++;
    }
    return 0;
}

static struct dupname *dup_find(const struct all_state *st, const char *name)
{
    if (!st->cap_dups)
        return NULL;
    uint64_t h = name_hash(name);
    uint32_t m = st->cap_dups - 1;
    for (uint32_t i = (uint32_t)h & m; st->dups[i].name; i = (i + 1) & m)
        if (st->dups[i].h == h && strcmp(st->dups[i].name, name) == 0)
            return &st->dups[i];
    return NULL;
}

struct symref {
    const char *name;
    uint64_t addr;
    uint32_t i;
};

static int cmp_symref(const void *a, const void *b)
{
    const struct symref *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : (x->i > y->i) - (x->i < y->i);
}

/* Index the function symbol names with their addresses. */
static int dups_build(tyr_dwarf *dw, struct all_state *st, tyr_diag *diag)
{
    if (tdw_syms_need(dw))
        return tyr_diag_set(diag, TYR_ENOMEM, 0, "out of memory reading the symbol table");
    if (!dw->sym.nsyms)
        return 0;
    struct symref *v = malloc((size_t)dw->sym.nsyms * sizeof *v);
    st->pool = malloc((size_t)dw->sym.nsyms * sizeof *st->pool);
    uint32_t cap = 16;
    while (cap < 2 * dw->sym.nsyms)
        cap *= 2;
    st->dups = calloc(cap, sizeof *st->dups);
    if (!v || !st->pool || !st->dups) {
        free(v);
        return tyr_diag_set(diag, TYR_ENOMEM, 0, "out of memory");
    }
    st->cap_dups = cap;
    for (uint32_t i = 0; i < dw->sym.nsyms; i++)
        v[i] = (struct symref){dw->sym.symstr + dw->sym.syms[i].name, dw->sym.syms[i].addr, i};
    qsort(v, dw->sym.nsyms, sizeof *v, cmp_symref);
    uint32_t npool = 0;
    for (uint32_t g = 0; g < dw->sym.nsyms;) {
        uint32_t end = g + 1;
        while (end < dw->sym.nsyms && strcmp(v[end].name, v[g].name) == 0)
            end++;
        uint64_t h = name_hash(v[g].name);
        uint32_t m = st->cap_dups - 1, j = (uint32_t)h & m;
        while (st->dups[j].name)
            j = (j + 1) & m;
        struct dupname *dn = &st->dups[j];
        dn->name = v[g].name;
        dn->h = h;
        dn->first = npool;
        for (uint32_t k = g; k < end; k++) {
            bool seen = false;
            for (uint32_t a = 0; a < dn->naddrs; a++)
                seen |= st->pool[dn->first + a] == v[k].addr;
            if (!seen && dn->naddrs < DUP_ADDRS)
                st->pool[npool + dn->naddrs++] = v[k].addr;
        }
        npool += dn->naddrs;
        g = end;
    }
    free(v);
    return 0;
}

/* The rank of a definition: the index of its low_pc among the name's symbol addresses, or
 * DUP_ADDRS (then the first in unit order wins, as the lookup by name). */
static uint32_t dup_rank(const struct all_state *st, const struct dupname *dn,
                         const struct tdw_die *d)
{
    for (uint32_t a = 0; a < dn->naddrs && (d->has & TDW_HAS_LOW_PC); a++)
        if (st->pool[dn->first + a] == d->low_pc)
            return a;
    return DUP_ADDRS;
}

/* A definition of a dup name: remember it if it is better than the best so far. */
static int dup_offer(struct all_state *st, struct dupname *dn, const struct tdw_die *d,
                     uint32_t rank)
{
    if (dn->best && st->cands[dn->best - 1].rank <= rank)
        return 0; /* ties: the first in unit order */
    if (dn->best) {
        st->cands[dn->best - 1] = (struct dupcand){d->ref, d->low_pc, rank,
                                                   (d->has & TDW_HAS_LOW_PC) != 0};
        return 0;
    }
    struct dupcand *c = tdw_grow(st->cands, &st->cap_cands, (uint64_t)st->ncands + 1, sizeof *c, 64);
    if (!c)
        return TYR_ENOMEM;
    st->cands = c;
    st->cands[st->ncands++] = (struct dupcand){d->ref, d->low_pc, rank,
                                               (d->has & TDW_HAS_LOW_PC) != 0};
    dn->best = st->ncands;
    return 0;
}

static int store_func(tyr_dwarf *dw, struct all_state *st, tdw_ref ref, bool has_low_pc,
                      uint64_t low_pc, const char *name, tyr_diag *diag);

/* A top-level subprogram met by the walk: its signature if it has a body and its name
 * has none yet, at once if it is the definition at the name's first ELF symbol (or the name has
 * no symbol), else at the end of the walk if no better definition came. */
static int all_func(tyr_dwarf *dw, struct all_state *st, const struct tdw_die *d, tyr_diag *diag)
{
    if (!(d->has & (TDW_HAS_LOW_PC | TDW_HAS_RANGES)) || st->skip_funcs)
        return 0;
    const char *name = d->name;
    if (!name)
        name = tdw_origin_name(dw, d, NULL);
    if (!name || !*name || fnset_has(st, name))
        return 0;
    struct dupname *dn = dup_find(st, name);
    uint32_t rank = dn ? dup_rank(st, dn, d) : 0;
    if (rank > 0) /* not at the name's first symbol: maybe another definition is */
        return dup_offer(st, dn, d, rank) ? tyr_diag_set(diag, TYR_ENOMEM, 0, "out of memory") : 0;
    return store_func(dw, st, d->ref, (d->has & TDW_HAS_LOW_PC) != 0, d->low_pc, name, diag);
}

/* A C++ unit's types nested in namespaces and classes, and its functions by qualified name
 * (the walk's top level has neither): from the unit's index entries. */
static int all_cxx_unit(tyr_dwarf *dw, struct all_state *st, const struct tdw_entry *v,
                        uint32_t n, tyr_diag *diag)
{
    int err = 0;
    for (uint32_t i = 0; i < n && !err; i++) {
        const struct tdw_entry *e = &v[i];
        if (e->tag != DW_TAG_subprogram) {
            if (!e->decl && tdw_is_type_tag(e->tag))
                err = tdw_import_type(dw, e->ref, NULL, diag);
            continue;
        }
        if (!(st->flags & TYR_DWARF_ALL_FUNCS) || !e->has_pc || !*e->name ||
            fnset_has(st, e->name))
            continue;
        struct tdw_die d = {.ref = e->ref, .tag = DW_TAG_subprogram, .low_pc = e->low_pc,
                            .has = e->low_pc ? TDW_HAS_LOW_PC : TDW_HAS_RANGES};
        struct dupname *dn = dup_find(st, e->name);
        uint32_t rank = dn ? dup_rank(st, dn, &d) : 0;
        if (rank > 0) {
            if (dup_offer(st, dn, &d, rank))
                err = tyr_diag_set(diag, TYR_ENOMEM, 0, "out of memory");
            continue;
        }
        err = store_func(dw, st, e->ref, e->low_pc != 0, e->low_pc, e->name, diag);
    }
    return err;
}

static int store_func(tyr_dwarf *dw, struct all_state *st, tdw_ref ref, bool has_low_pc,
                      uint64_t low_pc, const char *name, tyr_diag *diag)
{
    tyr_type f;
    int err = store_signature(dw, st->reg, ref, name, &f, diag);
    if (err == TYR_ENOTSUP)
        return 0; /* more parameters than a probe signature holds: not this one */
    if (!err)
        err = fnset_add(st, name, f.id);
    if (!err && (st->flags & TYR_DWARF_ALL_ALIASES) && has_low_pc) {
        if (st->naddrs == st->cap_addrs) {
            uint32_t cap = st->cap_addrs ? st->cap_addrs * 2 : 1024;
            struct fnaddr *a = realloc(st->addrs, (size_t)cap * sizeof *a);
            if (!a)
                return tyr_diag_set(diag, TYR_ENOMEM, 0, "out of memory");
            st->addrs = a;
            st->cap_addrs = cap;
        }
        st->addrs[st->naddrs] = (struct fnaddr){low_pc, f.id, st->naddrs};
        st->naddrs++;
    }
    if (err == TYR_ENOMEM)
        return tyr_diag_set(diag, err, 0, "out of memory");
    st->funcs += !err;
    return err;
}

/* After the walk: the deferred names, each from its best definition. */
static int dups_store(tyr_dwarf *dw, struct all_state *st, tyr_diag *diag)
{
    int err = 0;
    for (uint32_t i = 0; i < st->cap_dups && !err; i++) {
        const struct dupname *dn = &st->dups[i];
        if (!dn->name || !dn->best || fnset_has(st, dn->name))
            continue;
        const struct dupcand *c = &st->cands[dn->best - 1];
        err = store_func(dw, st, c->ref, c->has_low_pc, c->low_pc, dn->name, diag);
    }
    return err;
}

static int cmp_fnaddr(const void *a, const void *b)
{
    const struct fnaddr *x = a, *y = b;
    if (x->addr != y->addr)
        return x->addr < y->addr ? -1 : 1;
    return (x->seq > y->seq) - (x->seq < y->seq); /* the first DIE at an address wins */
}

static int cmp_sym_addr(const void *a, const void *b)
{
    const struct tdw_sym *x = a, *y = b;
    return x->addr < y->addr ? -1 : x->addr > y->addr ? 1 : (x->name > y->name) - (x->name < y->name);
}

/* The FUNC stored for the DIE whose DW_AT_low_pc is addr (first in unit order), or 0. */
static uint32_t func_at(const struct all_state *st, uint64_t addr)
{
    uint32_t lo = tdw_bound(st->addrs, st->naddrs, sizeof *st->addrs,
                            offsetof(struct fnaddr, addr), addr, false);
    return lo < st->naddrs && st->addrs[lo].addr == addr ? st->addrs[lo].id : 0;
}

/* The first FUNC, in symbol table order, of the other names at addr (syms sorted by
 * address, then symbol table order), or 0. */
static uint32_t func_of_other_name(const tyr_dwarf *dw, const struct all_state *st,
                                   const struct tdw_sym *syms, uint64_t addr, const char *name)
{
    uint32_t lo = tdw_bound(syms, dw->sym.nsyms, sizeof *syms, offsetof(struct tdw_sym, addr),
                            addr, false);
    for (uint32_t k = lo; k < dw->sym.nsyms && syms[k].addr == addr; k++) {
        const char *other = dw->sym.symstr + syms[k].name;
        uint32_t id = strcmp(other, name) ? fnset_get(st, other) : 0;
        if (id)
            return id;
    }
    return 0;
}

/* After the walk: every ELF function symbol name without a FUNC gets the prototype
 * tyr_dwarf_import_func() would find for it: the function whose DW_AT_low_pc is one of the
 * name's addresses (in symbol table order), else (a DIE with DW_AT_ranges only, glibc's
 * _IO_new_fclose for fclose) the first other name at one of them that has a FUNC. The
 * results are gathered first and stored after, so an alias never resolves to an alias.
 * Sorting makes it O(n log n). */
static int all_aliases(tyr_dwarf *dw, struct all_state *st, tyr_diag *diag)
{
    if (tdw_syms_need(dw))
        return tyr_diag_set(diag, TYR_ENOMEM, 0, "out of memory reading the symbol table");
    if (!dw->sym.nsyms || !st->seen.used || !st->cap_dups)
        return 0;
    struct tdw_sym *syms = malloc((size_t)dw->sym.nsyms * sizeof *syms);
    struct fnaddr *out = malloc((size_t)dw->sym.nsyms * sizeof *out);
    if (!syms || !out) {
        free(syms);
        free(out);
        return tyr_diag_set(diag, TYR_ENOMEM, 0, "out of memory");
    }
    memcpy(syms, dw->sym.syms, (size_t)dw->sym.nsyms * sizeof *syms);
    qsort(syms, dw->sym.nsyms, sizeof *syms, cmp_sym_addr);
    qsort(st->addrs, st->naddrs, sizeof *st->addrs, cmp_fnaddr);
    uint32_t nout = 0;
    for (uint32_t i = 0; i < st->cap_dups; i++) {
        const struct dupname *dn = &st->dups[i];
        if (!dn->name || fnset_has(st, dn->name))
            continue;
        uint32_t id = 0;
        for (uint32_t a = 0; a < dn->naddrs && !id; a++)
            id = func_at(st, st->pool[dn->first + a]);
        for (uint32_t a = 0; a < dn->naddrs && !id; a++)
            id = func_of_other_name(dw, st, syms, st->pool[dn->first + a], dn->name);
        if (id && nout < dw->sym.nsyms)
            out[nout++] = (struct fnaddr){0, id, i};
    }
    int err = 0;
    for (uint32_t j = 0; j < nout && !err; j++) {
        const char *name = st->dups[out[j].seq].name;
        tyr_type_info fi;
        tyr_type f;
        if ((err = tyr_type_get(st->reg, (tyr_type){out[j].id}, &fi)))
            break;
        if ((err = tyr_func_new(st->reg, name, fi.target, &f))) {
            err = tyr_diag_set(diag, err, 0, "function %s: %s", name, tyr_strerror(err));
            break;
        }
        if ((err = fnset_add(st, name, f.id)))
            err = tyr_diag_set(diag, err, 0, "out of memory");
        st->funcs += !err;
    }
    free(out);
    free(syms);
    return err;
}

/* One unit's top-level types (and functions), read from libdwarf by this thread. */
static int import_unit_direct(tyr_dwarf *dw, struct all_state *st, unsigned file, uint32_t u,
                              tyr_diag *diag)
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
        dw->imp.stat_dies++;
        if (tdw_is_type_tag(tag)) {
            err = tdw_import_type(dw, tdw_die_ref(file, die), NULL, diag);
        } else if (tag == DW_TAG_subprogram && (st->flags & TYR_DWARF_ALL_FUNCS)) {
            err = tdw_decode(dw, file, die, &d, diag);
            if (tdw_is_bad_name(err, &d)) {
                /* No name to store it under: left out and counted (by the name index's
                 * scan instead, when that has been through this unit). */
                if (dw->ix.index_units[TDW_IX_FUNCS][file] <= u)
                    tdw_note_bad_name(dw, d.ref);
                err = 0;
            } else if (!err) {
                err = all_func(dw, st, &d, diag);
            }
        }
        Dwarf_Die next = NULL;
        if (!err)
            got = tdw_sibling(dw, file, die, &next, diag);
        dwarf_dealloc_die(die);
        die = next;
    }
    tdw_die_free(die);
    return err ? err : got < 0 ? got : 0;
}

int tdw_import_all(tyr_dwarf *dw, tyr_registry *reg, uint32_t flags, uint32_t pieces,
                      tyr_dwarf_progress_fn progress, void *ctx, tyr_dwarf_stats *stats,
                      uint64_t *funcs_out, tyr_diag *diag)
{
    if (!dw || !reg)
        return TYR_EINVAL;
    if (tyr_registry_is_mapped(reg))
        return TYR_EREADONLY;
    tdw_bind(dw, reg);
    dw->imp.stat_dies = 0;
    bool funcs = (flags & TYR_DWARF_ALL_FUNCS) != 0;
    /* The main file's units are decoded ahead by worker threads (dwarf_prefetch.c), which
     * start now: they decode while this thread sizes its maps and indexes the symbols. */
    struct prefetch *pf0 =
        flags & TYR_DWARF_ALL_ONE_THREAD ? NULL : tdw_prefetch_start(dw, 0, funcs, pieces);
    /* About one imported type DIE per 100 bytes of .debug_info, and a chain hash per 120
     * (python3.11d: 106k and 86k for 10 MB); an estimate only, the maps still grow. */
    uint64_t info = 0;
    for (unsigned fi = 0; fi < 2; fi++)
        if (dw->f[fi].nunits)
            info += tdw_ref_off(dw->f[fi].units[dw->f[fi].nunits - 1]);
    if (tdw_reserve(dw, (uint32_t)(info / 100 < UINT32_MAX ? info / 100 : UINT32_MAX),
                    (uint32_t)(info / 120 < UINT32_MAX ? info / 120 : UINT32_MAX))) {
        tdw_prefetch_stop(pf0);
        return tyr_diag_set(diag, TYR_ENOMEM, 0, "out of memory");
    }
    tyr_snapshot snap;
    int err = tyr_registry_snapshot(reg, &snap);
    if (err) {
        tdw_prefetch_stop(pf0);
        return err;
    }
    struct all_state st = {.reg = reg, .flags = flags};
    uint32_t total = dw->f[0].nunits + dw->f[1].nunits, done = 0, ahead = 0;
    err = funcs ? dups_build(dw, &st, diag) : 0;
    /* The supplementary file first: its partial units hold the shared types. */
    uint64_t worker_dies = 0;
    for (int fi = 1; fi >= 0 && !err; fi--) {
        unsigned file = (unsigned)fi;
        struct tdw_file *f = &dw->f[file];
        struct prefetch *pf = file == 0 ? pf0 : NULL;
        if (file == 0)
            pf0 = NULL; /* stopped below */
        dw->prefetch = pf;
        for (uint32_t u = 0; u < f->nunits && !err; u++) {
            /* Waiting for unit u, this thread may decode later units itself through its
             * Dwarf_Debug, which moves libdwarf's current unit (tdw_seek_unit): a prefetched
             * unit is imported without seeking back (the reads the cache cannot answer are a
             * few hundred in all, and seeking back means a pass over every unit header). */
            const struct tdw_cache *cache = tdw_prefetch_take(pf, u);
            /* C++: functions by qualified name and nested types come from the unit's
             * entries (dwarf_cxx.c), after its top level */
            const struct tdw_entry *cxx = NULL;
            uint32_t ncxx = 0;
            int is_cxx = tdw_cxx_entries(dw, file, u, &cxx, &ncxx, diag);
            if (is_cxx < 0) {
                err = is_cxx;
                if (cache)
                    tdw_prefetch_done(pf, u);
                break;
            }
            st.skip_funcs = is_cxx > 0;
            if (cache) {
                ahead++;
                dw->cache = cache;
                struct tdw_kids k;
                struct tdw_die d;
                int got = tdw_kids_first(dw, f->units[u], NULL, &k, &d, diag);
                for (; got == 1 && !err; got = tdw_kids_next(dw, &k, &d, diag)) {
                    dw->imp.stat_dies++;
                    /* the next top-level DIE's map slots load while this one imports */
                    if (k.next)
                        tdw_map_prefetch(dw, cache->v[k.next - 1].ref);
                    if (tdw_is_type_tag(d.tag))
                        err = tdw_import_type(dw, d.ref, NULL, diag);
                    else if (funcs && d.tag == DW_TAG_subprogram)
                        err = all_func(dw, &st, &d, diag);
                }
                tdw_kids_end(&k);
                if (!err && got < 0)
                    err = got;
                dw->cache = NULL;
                tdw_prefetch_done(pf, u);
            } else if (!(err = tdw_seek_unit(dw, file, u, diag))) {
                err = import_unit_direct(dw, &st, file, u, diag);
            }
            if (!err && is_cxx > 0)
                err = all_cxx_unit(dw, &st, cxx, ncxx, diag);
            st.skip_funcs = false;
            done++;
            int stop = !err && progress ? progress(ctx, done, total) : 0;
            if (stop) /* the callback rule of tyr/common.h: its value, unchanged */
                err = tyr_diag_set(diag, stop, 0, "stopped by the progress callback");
        }
        dw->prefetch = NULL;
        worker_dies += tdw_prefetch_stop(pf);
    }
    worker_dies += tdw_prefetch_stop(pf0); /* not reached: an error before file 0 */
    if (!err && funcs)
        err = dups_store(dw, &st, diag);
    if (!err && (flags & TYR_DWARF_ALL_ALIASES))
        err = all_aliases(dw, &st, diag);
    free(st.dups);
    free(st.pool);
    free(st.cands);
    free(st.seen.ids);
    free(st.seen.hs);
    free(st.addrs);
    dw->imp.stat_dies += worker_dies;
    end_import(dw, reg, &snap, err);
    if (err)
        return err;
    if (stats) {
        tyr_dwarf_stats all = {.sz = sizeof all,
                               .units = total,
                               .dies = dw->imp.stat_dies,
                               .types = tyr_registry_type_count(reg),
                               .units_ahead = ahead};
        tyr__stats_fill(stats, &all, sizeof all);
    }
    if (funcs_out)
        *funcs_out = st.funcs;
    return 0;
}

int tdw_list_funcs(tyr_dwarf *dw, const char *glob, tyr_dwarf_func_fn fn, void *ctx,
                   tyr_diag *diag)
{
    if (!dw || !fn)
        return TYR_EINVAL;
    int err = tdw_index_build(dw, TDW_IX_FUNCS, diag);
    if (err)
        return err;
    for (uint32_t i = 0; i < dw->ix.nindex; i++) {
        const struct tdw_entry *e = &dw->ix.index[i];
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

int tdw_func_overloads(tyr_dwarf *dw, const char *name, tyr_dwarf_func_fn fn, void *ctx,
                       uint32_t *count, tyr_diag *diag)
{
    if (!dw || !name || !fn || !count)
        return TYR_EINVAL;
    *count = 0;
    if (tdw_syms_need(dw))
        return tyr_diag_set(diag, TYR_ENOMEM, 0, "out of memory reading the symbol table");
    /* A symbol of that very name (every C function; C++'s extern "C" ones): one definition,
     * and no need to read the whole function index. Overloads have mangled symbols. */
    uint64_t addr;
    if (tdw_syms_lookup(dw, name, false, &addr, 1)) {
        *count = 1;
        return fn(ctx, name);
    }
    int err = tdw_index_build(dw, TDW_IX_FUNCS, diag);
    if (err)
        return err;
    /* entries of the name, oldest (first in unit order) first: chains are newest first */
    uint32_t n = 0, cur = 0;
    for (const struct tdw_entry *e = tdw_index_next(dw, name, &cur); e;
         e = tdw_index_next(dw, name, &cur))
        n++;
    for (uint32_t k = n; k-- > 0;) {
        uint32_t i = 0;
        const struct tdw_entry *e = NULL;
        cur = 0;
        for (e = tdw_index_next(dw, name, &cur); e && i < k; e = tdw_index_next(dw, name, &cur))
            i++;
        if (!e || e->tag != DW_TAG_subprogram || !e->has_pc)
            continue;
        /* the same code listed twice (a unit's copy of an inline function): once */
        bool seen = false;
        uint32_t c2 = 0, j = 0;
        for (const struct tdw_entry *p = tdw_index_next(dw, name, &c2); p && !seen;
             p = tdw_index_next(dw, name, &c2), j++)
            seen = j > k && p->tag == DW_TAG_subprogram && p->has_pc && p->low_pc == e->low_pc &&
                   (p->low_pc || p->ref == e->ref);
        if (seen)
            continue;
        /* the symbol at the definition's address: the mangled one if it has several */
        const char *sym = NULL;
        uint32_t sc = 0;
        if (e->low_pc)
            for (const char *s = tdw_syms_at(dw, e->low_pc, &sc); s; s = tdw_syms_at(dw, e->low_pc, &sc))
                if (!sym || (strncmp(sym, "_Z", 2) && !strncmp(s, "_Z", 2)))
                    sym = s;
        (*count)++;
        int r = fn(ctx, sym ? sym : name);
        if (r)
            return r;
    }
    return 0;
}


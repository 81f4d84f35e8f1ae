/* SPDX-License-Identifier: MIT */
/* The public import calls: find what is asked in the BTF, bind, import, report. */
#include <fnmatch.h>
#include <string.h>

#include "btf_internal.h"
#include "../internal.h"
#include "../opts.h"

static int start(tyr_btf *b, tyr_registry *reg)
{
    if (!b || !reg)
        return TYR_EINVAL;
    if (tyr_registry_is_mapped(reg))
        return TYR_EREADONLY;
    int err = tbtf_bind(b, reg);
    return err ? err : tbtf_anon_update(b);
}

/* Every import call is all or nothing. The general path runs under a snapshot of its own
 * (nested in any the caller holds) and rolls back on failure; the rollback renews the
 * registry's generation, so the next call on any handle binds afresh and reuses no id that
 * was rolled back. The bulk path cannot run under a snapshot: its failure empties the
 * registry again (tyr__bulk_abandon), which renews the generation too. Either way the
 * counters of b and its bases are put back. */
static void stats_save(tyr_btf *b)
{
    for (tyr_btf *h = b; h; h = h->base)
        h->stats_before = h->stats;
}

static void stats_restore(tyr_btf *b)
{
    for (tyr_btf *h = b; h; h = h->base)
        h->stats = h->stats_before;
}

static int atomic_begin(tyr_btf *b, tyr_registry *reg, tyr_snapshot *snap)
{
    stats_save(b);
    return tyr_registry_snapshot(reg, snap);
}

static int atomic_end(tyr_btf *b, tyr_registry *reg, const tyr_snapshot *snap, int err)
{
    if (err) {
        tyr_registry_rollback(reg, snap);
        stats_restore(b);
    } else {
        tyr_registry_release(reg, snap);
    }
    return err;
}

int tyr_btf_import_id(tyr_btf *b, tyr_registry *reg, uint32_t id, tyr_type *out, tyr_diag *diag)
{
    int err = start(b, reg);
    if (err)
        return err;
    if (id >= b->n)
        return tbtf_fail(diag, TYR_EHANDLE, id, "BTF type %u: past the last id %u", id,
                         b->n - 1);
    const struct btf_type *t = id ? btf__type_by_id(b->btf, id) : NULL;
    if (t && (btf_is_var(t) || btf_is_datasec(t) || btf_is_decl_tag(t)))
        return tbtf_fail(diag, TYR_ENOTSUP, id,
                         "BTF type %u: a var, datasec or decl_tag has no registry kind", id);
    uint32_t rid = 0;
    if (id) {
        tyr_snapshot snap;
        if ((err = atomic_begin(b, reg, &snap)))
            return err;
        if ((err = atomic_end(b, reg, &snap, tbtf_import(b, id, TBTF_WANT_FULL, &rid, diag))))
            return err;
    }
    if (out)
        *out = (tyr_type){rid};
    return 0;
}

int tyr_btf_import_func(tyr_btf *b, tyr_registry *reg, const char *name, tyr_type *out,
                        tyr_diag *diag)
{
    if (!b || !name || !*name)
        return TYR_EINVAL;
    /* libbpf searches the base of a split BTF too */
    __s32 id = btf__find_by_name_kind(b->btf, name, BTF_KIND_FUNC);
    if (id <= 0)
        return tbtf_fail(diag, TYR_ENOENT, 0, "no BTF function '%s'", name);
    return tyr_btf_import_id(b, reg, (uint32_t)id, out, diag);
}

int tyr_btf_import_type(tyr_btf *b, tyr_registry *reg, const char *name, int kind,
                        tyr_type *out, tyr_diag *diag)
{
    if (!b || !name || !*name)
        return TYR_EINVAL;
    /* BTF kinds to try, in order of preference (a definition before a declaration). */
    int kinds[6], nk = 0;
    switch (kind) {
    case TYR_KIND_STRUCT: kinds[nk++] = BTF_KIND_STRUCT; break;
    case TYR_KIND_UNION: kinds[nk++] = BTF_KIND_UNION; break;
    case TYR_KIND_ENUM: kinds[nk++] = BTF_KIND_ENUM; kinds[nk++] = BTF_KIND_ENUM64; break;
    case TYR_KIND_TYPEDEF: kinds[nk++] = BTF_KIND_TYPEDEF; break;
    case TYR_KIND_INT: kinds[nk++] = BTF_KIND_INT; break;
    case TYR_KIND_FLOAT: kinds[nk++] = BTF_KIND_FLOAT; break;
    case TYR_KIND_ANY:
        kinds[nk++] = BTF_KIND_STRUCT;
        kinds[nk++] = BTF_KIND_UNION;
        kinds[nk++] = BTF_KIND_TYPEDEF;
        kinds[nk++] = BTF_KIND_ENUM;
        kinds[nk++] = BTF_KIND_ENUM64;
        kinds[nk++] = BTF_KIND_INT;
        break;
    default:
        return TYR_EINVAL;
    }
    for (int i = 0; i < nk; i++) {
        __s32 id = btf__find_by_name_kind(b->btf, name, (__u32)kinds[i]);
        if (id > 0)
            return tyr_btf_import_id(b, reg, (uint32_t)id, out, diag);
    }
    /* only declared: the FWD */
    if (kind == TYR_KIND_STRUCT || kind == TYR_KIND_UNION || kind == TYR_KIND_ANY) {
        __s32 id = btf__find_by_name_kind(b->btf, name, BTF_KIND_FWD);
        if (id > 0) {
            const struct btf_type *t = btf__type_by_id(b->btf, (__u32)id);
            if (kind == TYR_KIND_ANY || (kind == TYR_KIND_UNION) == btf_kflag(t))
                return tyr_btf_import_id(b, reg, (uint32_t)id, out, diag);
        }
    }
    return tbtf_fail(diag, TYR_ENOENT, 0, "no BTF type '%s' of kind %s", name,
                     kind == TYR_KIND_ANY ? "any" : tyr_kind_name(kind));
}

int tyr_btf_import_all(tyr_btf *b, tyr_registry *reg, const struct tyr_btf_all_opts *opts,
                       tyr_diag *diag)
{
    if (!tyr__opts_valid(opts, sizeof *opts) || TYR__OPT(opts, tyr_btf_all_opts, flags, 0u))
        return TYR_EINVAL;
    int err = start(b, reg);
    if (err)
        return err;
    /* The bulk path: a registry this BTF alone fills (solo: void and nothing else, no base
     * BTF, so every name is in b's own string section) takes that section whole as its
     * string table, and the records are appended without the public builders. A registry
     * that is not empty after all (strings, an open snapshot) refuses: the general path. */
    const char *strs = NULL;
    uint32_t len = 0;
    if (b->solo && !b->base && tyr_registry_type_count(reg) == 1 && !tbtf_strings(b, &strs, &len)) {
        err = tyr__bulk_adopt_strings(reg, strs, len);
        if (err == TYR_EINVAL)
            strs = NULL;
        else if (err)
            return err;
    }
    if (strs) {
        stats_save(b);
        err = tbtf_room(b, TYR_OPTS(tyr_registry_room, .types = 0), false);
        if (!err)
            err = tbtf_import_own(b, strs, len, diag);
        if (err) {
            tyr__bulk_abandon(reg);
            stats_restore(b);
        }
        return err;
    }
    tyr_snapshot snap;
    if ((err = atomic_begin(b, reg, &snap)))
        return err;
    err = tbtf_room(b, TYR_OPTS(tyr_registry_room, .types = 0), true);
    if (!err)
        err = tbtf_import_own(b, NULL, 0, diag);
    return atomic_end(b, reg, &snap, err);
}

int tyr_btf_list_funcs(const tyr_btf *b, const char *glob, tyr_btf_func_fn fn, void *ctx)
{
    if (!b || !fn)
        return TYR_EINVAL;
    for (uint32_t id = b->start; id < b->n; id++) {
        const struct btf_type *t = btf__type_by_id(b->btf, id);
        if (!t || !btf_is_func(t))
            continue;
        const char *name = tbtf_name(b, t->name_off);
        if (!*name || (glob && fnmatch(glob, name, 0)))
            continue;
        int r = fn(ctx, name);
        if (r)
            return r;
    }
    return 0;
}

int tyr_btf_get_stats(const tyr_btf *b, tyr_btf_stats *out)
{
    if (!b || !tyr__stats_valid(out, sizeof *out))
        return TYR_EINVAL;
    tyr__stats_fill(out, &b->stats, sizeof b->stats);
    return 0;
}

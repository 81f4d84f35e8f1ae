/* SPDX-License-Identifier: MIT */
/*
 * Pruning: what the roots reach, copied into a new building registry, renumbered.
 *
 *   mark       every type the roots reach through the type-id slots of lib/kinds.h
 *              (targets, members, parameters, resolved ids);
 *   merge      identical function prototypes (same flags, return type, parameter names and
 *              types) get one representative, the lowest id: DWARF gives each function its
 *              own prototype, and most of them are the same;
 *   number     kept ids renumbered in their old order, so `target < id`, the rank order and
 *              the layouts' type order still hold; a merged prototype maps to its
 *              representative's new id;
 *   copy       each kept record appended to the new registry through the registry's own
 *              appenders (its interner and name index), its tail and layout copied, then
 *              every slot rewritten through the relocation spaces: type ids through the map
 *              (0 -> 0), names interned again. Stale tail copies left by the builder and
 *              strings nothing uses are not copied.
 * The result is written by the common writer and released with tyr__pruned_free().
 */
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "blob_format.h"
#include "internal.h"
#include "kinds.h"

void tyr__pruned_free(tyr_registry *reg)
{
    tyr_registry_free(reg);
}

/* mark[id] = 1 for void and everything the roots reach. stk: room for ntypes ids (each id is
 * pushed at most once). */
static void mark_from_roots(const tyr_registry *reg, const tyr_type *roots, size_t nroots,
                            uint8_t *mark, uint32_t *stk)
{
    const uint32_t n = reg->ntypes;
    uint32_t sp = 0;
    mark[0] = 1;
    for (size_t r = 0; r < nroots; r++) {
        uint32_t id = roots[r].id;
        if (id < n && !mark[id]) {
            mark[id] = 1;
            stk[sp++] = id;
        }
    }
    while (sp) {
        struct tyr_slot_iter it;
        const uint32_t *slot;
        tyr__slot_iter_init(&it, reg, &reg->types[stk[--sp]], TYR_SLOTS_TYPE_IDS);
        while ((slot = tyr__slot_iter_next(&it))) {
            uint32_t id = *slot;
            if (id < n && !mark[id]) {
                mark[id] = 1;
                stk[sp++] = id;
            }
        }
    }
}

/* ---- merge: identical prototypes ------------------------------------------------------- */

static const struct tyr_rec_param *params_of(const tyr_registry *reg,
                                             const struct tyr_rec_type *t)
{
    return &reg->params[tyr__t_first(t)];
}

/* A type id as the merge sees it: a merged prototype is its representative. */
static uint32_t rep_of(const uint32_t *rep, uint32_t n, uint32_t id)
{
    return id < n ? rep[id] : id;
}

static uint64_t proto_hash(const tyr_registry *reg, const uint32_t *rep, uint32_t id)
{
    const struct tyr_rec_type *t = &reg->types[id];
    const struct tyr_rec_param *p = params_of(reg, t);
    uint32_t head[3] = {t->flags, rep_of(rep, reg->ntypes, t->a), t->aux};
    uint64_t h = XXH3_64bits(head, sizeof head);
    for (uint32_t i = 0; i < t->aux; i++) {
        uint32_t type = rep_of(rep, reg->ntypes, p[i].type);
        const char *name = tyr__str(reg, p[i].name);
        h = XXH3_64bits_withSeed(&type, sizeof type, h);
        h = XXH3_64bits_withSeed(name, strlen(name), h);
    }
    return h;
}

static bool proto_equal(const tyr_registry *reg, const uint32_t *rep, uint32_t x, uint32_t y)
{
    const struct tyr_rec_type *a = &reg->types[x], *b = &reg->types[y];
    if (a->flags != b->flags || a->aux != b->aux ||
        rep_of(rep, reg->ntypes, a->a) != rep_of(rep, reg->ntypes, b->a))
        return false;
    const struct tyr_rec_param *pa = params_of(reg, a), *pb = params_of(reg, b);
    for (uint32_t i = 0; i < a->aux; i++)
        if (rep_of(rep, reg->ntypes, pa[i].type) != rep_of(rep, reg->ntypes, pb[i].type) ||
            strcmp(tyr__str(reg, pa[i].name), tyr__str(reg, pb[i].name)))
            return false;
    return true;
}

/* Does prototype id's parameter range lie inside the params table? (Always, in a building
 * registry or a checked blob; a prototype that does not is simply not merged.) */
static bool proto_in_range(const tyr_registry *reg, const struct tyr_rec_type *t)
{
    return (uint64_t)tyr__t_first(t) + t->aux <= reg->nparams;
}

/* rep[id]: id itself, or for a marked prototype the lowest marked prototype identical to it.
 * One pass in id order: a prototype naming a later prototype directly is compared by id. */
static int merge_protos(const tyr_registry *reg, const uint8_t *mark, uint32_t *rep)
{
    const uint32_t n = reg->ntypes;
    uint32_t nprotos = 0, cap = 1;
    for (uint32_t id = 0; id < n; id++) {
        rep[id] = id;
        nprotos += mark[id] && reg->types[id].kind == TYR_KIND_FUNC_PROTO;
    }
    while (cap < (uint64_t)nprotos * 2 && cap < (UINT32_C(1) << 31))
        cap <<= 1;
    uint32_t *set = calloc(cap, sizeof *set); /* open addressing over ids; 0 = empty */
    if (!set)
        return TYR_ENOMEM;
    for (uint32_t id = 1; id < n; id++) {
        const struct tyr_rec_type *t = &reg->types[id];
        if (!mark[id] || t->kind != TYR_KIND_FUNC_PROTO || !proto_in_range(reg, t))
            continue;
        uint32_t h = (uint32_t)proto_hash(reg, rep, id) & (cap - 1);
        for (; set[h]; h = (h + 1) & (cap - 1))
            if (proto_equal(reg, rep, set[h], id))
                break;
        if (set[h])
            rep[id] = set[h];
        else
            set[h] = id;
    }
    free(set);
    return 0;
}

/* map[id]: the new id of every kept type (0: dropped), merged prototypes their
 * representative's. Returns how many types the new registry has. */
static uint32_t number_kept(uint32_t n, const uint8_t *mark, const uint32_t *rep, uint32_t *map)
{
    uint32_t nk = 1;
    map[0] = 0;
    for (uint32_t id = 1; id < n; id++) {
        if (!mark[id])
            map[id] = 0;
        else if (rep[id] != id)
            map[id] = map[rep[id]]; /* rep[id] < id: numbered already */
        else
            map[id] = nk++;
    }
    return nk;
}

/* ---- copy ----------------------------------------------------------------------------- */

/* Rewrite the slots of p's record id and of its tail: type ids through map, the tail's
 * names interned again from reg's strings (the record's own name was interned on append). */
static int rewrite_slots(const tyr_registry *reg, tyr_registry *p, uint32_t id,
                         const uint32_t *map)
{
    struct tyr_slot_iter it;
    uint32_t *slot;
    int err = 0;
    tyr__slot_iter_init(&it, p, &p->types[id], TYR_SLOTS_TYPE_IDS);
    while ((slot = (uint32_t *)(uintptr_t)tyr__slot_iter_next(&it)))
        *slot = *slot < reg->ntypes ? map[*slot] : 0;
    tyr__slot_iter_init(&it, p, &p->types[id], TYR_SLOTS_STRINGS);
    (void)tyr__slot_iter_next(&it); /* the record's own name comes first */
    while (!err && (slot = (uint32_t *)(uintptr_t)tyr__slot_iter_next(&it))) {
        uint32_t old = *slot;
        err = tyr__intern(p, tyr__str(reg, old), slot);
    }
    return err;
}

/* Append a copy of reg's record id (its tail, its layout) to p as type `want`. */
static int copy_one(const tyr_registry *reg, tyr_registry *p, uint32_t id, uint32_t want,
                    const uint32_t *map)
{
    const struct tyr_rec_type *t = &reg->types[id];
    struct tyr_rec_type rec = *t;
    struct tyr_rec_layout layout = *tyr__layout(reg, t);
    unsigned space = tyr__tail_space(t->kind);
    uint32_t got;
    int err;
    if (space) {
        uint32_t ntab, first = tyr__t_first(t), count = tyr__t_count(reg, t), nf;
        (void)tyr__tail_table(reg, space, &ntab);
        if ((uint64_t)first + count > ntab)
            return TYR_ECORRUPT;
        err = tyr__append_tail(p, space, reg, first, count, &nf);
        if (err)
            return err;
        if (t->kind == TYR_KIND_FUNC_PROTO)
            rec.b = nf;
        else
            rec.a = nf;
    }
    if ((err = tyr__append_type(p, rec, &layout, tyr__str(reg, t->name), &got)))
        return err;
    if (got != want)
        return TYR_ECORRUPT; /* cannot happen: ids are appended in map order */
    return rewrite_slots(reg, p, got, map);
}

/* A building registry holding the kept, merged types of reg (owned by the caller). */
static int copy_kept(const tyr_registry *reg, const uint8_t *mark, const uint32_t *rep,
                     const uint32_t *map, uint32_t nk, tyr_registry **out)
{
    tyr_registry *p;
    int err = tyr_registry_new(TYR_OPTS(tyr_registry_opts, .pointer_size = reg->pointer_size,
                                        .type_hint = nk),
                               &p);
    if (err)
        return err;
    if (reg->src_len) {
        p->src = malloc(reg->src_len); /* owned by p, like tyr_registry_set_source's */
        if (!p->src) {
            tyr_registry_free(p);
            return TYR_ENOMEM;
        }
        memcpy(p->src, reg->src, reg->src_len);
        p->src_len = reg->src_len;
    }
    for (uint32_t id = 1; id < reg->ntypes && !err; id++)
        if (mark[id] && rep[id] == id)
            err = copy_one(reg, p, id, map[id], map);
    if (err) {
        tyr_registry_free(p);
        return err;
    }
    *out = p;
    return 0;
}

int tyr__prune(const tyr_registry *reg, const tyr_type *roots, size_t nroots,
               uint32_t *map, tyr_registry **out)
{
    const uint32_t n = reg->ntypes;
    uint8_t *mark = calloc(n ? n : 1, 1);
    uint32_t *work = malloc((size_t)(n ? n : 1) * sizeof *work); /* the mark's stack, then rep */
    int err = TYR_ENOMEM;
    if (mark && work) {
        mark_from_roots(reg, roots, nroots, mark, work);
        err = merge_protos(reg, mark, work);
    }
    if (!err)
        err = copy_kept(reg, mark, work, map, number_kept(n, mark, work, map), out);
    free(work);
    free(mark);
    return err;
}

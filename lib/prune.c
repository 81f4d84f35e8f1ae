/* SPDX-License-Identifier: MIT */
/*
 * Pruning: mark what the roots reach, sweep the rest, compact.
 *
 * Mark: an explicit stack (each type pushed at most once, so ntypes entries suffice) through
 * every edge: pointer and array targets, typedef and qualifier targets, members, prototype
 * return and parameter types, function to prototype. Sweep: kept ids are renumbered in their
 * old order, so `ref < id` and the rank order still hold. Compact: each kept record's field,
 * enumerator and parameter range is copied in type order (stale copies left by the builder
 * disappear), strings are rebuilt with only the names in use (interned once), and the name
 * index is rebuilt. The result is a registry struct with heap tables, written by the common
 * writer and then released with tyr__pruned_free().
 */
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "blob_format.h"
#include "internal.h"
#include "kinds.h"

struct strtab {
    char *buf;
    uint32_t len, cap;
    uint32_t *set; /* open addressing over offsets into buf; 0 = empty */
    uint32_t set_cap;
};

/* Intern s; returns its offset in the new table or 0 with *err set. "" is offset 0. */
static uint32_t str_add(struct strtab *st, const char *s, int *err)
{
    size_t n = strlen(s);
    uint32_t mask = st->set_cap - 1, h, off;

    if (!n || *err)
        return 0;
    h = (uint32_t)XXH3_64bits(s, n) & mask;
    for (; st->set[h]; h = (h + 1) & mask)
        if (!strcmp(st->buf + st->set[h], s))
            return st->set[h];
    if (n + 1 > UINT32_MAX - st->len) {
        *err = TYR_EOVERFLOW;
        return 0;
    }
    if (st->len + n + 1 > st->cap) {
        uint64_t cap = (uint64_t)st->cap * 2;
        char *nb;
        if (cap < st->len + n + 1)
            cap = st->len + n + 1;
        if (cap > UINT32_MAX)
            cap = UINT32_MAX;
        nb = realloc(st->buf, (size_t)cap);
        if (!nb) {
            *err = TYR_ENOMEM;
            return 0;
        }
        st->buf = nb;
        st->cap = (uint32_t)cap;
    }
    off = st->len;
    memcpy(st->buf + off, s, n + 1);
    st->len += (uint32_t)n + 1;
    st->set[h] = off;
    return off;
}

static uint32_t pow2_at_least(uint64_t n)
{
    uint32_t p = 1;
    while (p < n && p < (UINT32_C(1) << 31))
        p <<= 1;
    return p;
}

void tyr__pruned_free(tyr_registry *reg)
{
    if (!reg)
        return;
    free(reg->types);
    free(reg->fields);
    free(reg->enums);
    free(reg->params);
    free(reg->strs);
    free(reg->buckets);
    free(reg->chain);
    free(reg);
}

/* Push id if not yet marked. */
static void push(uint8_t *mark, uint32_t *stk, uint32_t *sp, uint32_t id, uint32_t ntypes)
{
    if (id < ntypes && !mark[id]) {
        mark[id] = 1;
        stk[(*sp)++] = id;
    }
}

int tyr__prune(const tyr_registry *reg, const tyr_sized_type *roots, size_t nroots,
               uint32_t *map, tyr_registry **out)
{
    const uint32_t n = reg->ntypes;
    uint8_t *mark = calloc(n ? n : 1, 1);
    uint32_t *stk = malloc((size_t)(n ? n : 1) * sizeof *stk);
    struct strtab st = {0};
    tyr_registry *p = NULL;
    uint64_t nf = 1, ne = 1, np = 1, names = 1;
    uint32_t sp = 0, nk = 0, named = 0, i, fo = 1, eo = 1, po = 1;
    int err = TYR_ENOMEM;
    size_t r;

    if (!mark || !stk)
        goto out;

    /* ---- mark ---- */
    mark[0] = 1;
    for (r = 0; r < nroots; r++)
        push(mark, stk, &sp, roots[r].ref, n);
    while (sp) {
        struct tyr_slot_iter it;
        const uint32_t *slot;
        tyr__slot_iter_init(&it, reg, &reg->types[stk[--sp]], TYR_SLOTS_TYPE_IDS);
        while ((slot = tyr__slot_iter_next(&it)))
            push(mark, stk, &sp, *slot, n);
    }

    /* ---- sweep: the map, and how big each new table is ---- */
    for (i = 0; i < n; i++) {
        const struct tyr_rec_type *t = &reg->types[i];
        map[i] = mark[i] ? nk++ : 0;
        if (!mark[i])
            continue;
        switch (tyr__tail_space(t->kind)) {
        case TYR_SPACE_FIELD:
            nf += t->count;
            break;
        case TYR_SPACE_ENUMERATOR:
            ne += t->count;
            break;
        case TYR_SPACE_PARAM:
            np += t->count;
            break;
        default:
            break;
        }
        names += 1u + t->count;
        if (t->name)
            named++;
    }
    if (nf > UINT32_MAX || ne > UINT32_MAX || np > UINT32_MAX) {
        err = TYR_EOVERFLOW;
        goto out;
    }

    /* ---- compact ---- */
    p = calloc(1, sizeof *p);
    if (!p)
        goto out;
    p->mode = TYR_MODE_BUILDING;
    p->pointer_size = reg->pointer_size;
    p->src = reg->src; /* a view: the pruned registry lives only while it is written */
    p->src_len = reg->src_len;
    p->types = calloc(nk, sizeof *p->types);
    p->fields = calloc((size_t)nf, sizeof *p->fields);
    p->enums = calloc((size_t)ne, sizeof *p->enums);
    p->params = calloc((size_t)np, sizeof *p->params);
    p->chain = calloc(nk, sizeof *p->chain);
    st.set_cap = pow2_at_least(names * 2);
    st.set = calloc(st.set_cap, sizeof *st.set);
    st.cap = 256;
    st.buf = malloc(st.cap);
    if (!p->types || !p->fields || !p->enums || !p->params || !p->chain || !st.set || !st.buf)
        goto out;
    st.buf[0] = '\0';
    st.len = 1;
    err = 0;
    p->ntypes = nk;
    p->nfields = (uint32_t)nf; /* the tails' room, for the iterators below */
    p->nenums = (uint32_t)ne;
    p->nparams = (uint32_t)np;
    /* copy each kept record and its tail, then rewrite every slot through the iterators:
     * type ids through the map, names re-interned (in record order, so the string table's
     * layout depends only on what is kept) */
    for (i = 0; i < n; i++) {
        const struct tyr_rec_type *t = &reg->types[i];
        struct tyr_rec_type *d;
        unsigned space = tyr__tail_space(t->kind);
        struct tyr_slot_iter it;
        uint32_t *slot;
        if (!mark[i] || i == 0)
            continue;
        d = &p->types[map[i]];
        *d = *t;
        if (t->count == 0 && tyr__first_space(t->kind) != TYR_SPACE_TYPE)
            d->first = 0;
        if (space && t->count) {
            uint32_t *next = space == TYR_SPACE_FIELD        ? &fo
                             : space == TYR_SPACE_ENUMERATOR ? &eo
                                                             : &po;
            uint32_t nold, nnew;
            const unsigned char *from = tyr__tail_table(reg, space, &nold);
            unsigned char *to = (unsigned char *)tyr__tail_table(p, space, &nnew);
            size_t stride = tyr__tail_rows[space].stride;
            memcpy(to + (size_t)*next * stride, from + (size_t)t->first * stride,
                   (size_t)t->count * stride);
            d->first = *next;
            *next += t->count;
        }
        tyr__slot_iter_init(&it, p, d, TYR_SLOTS_STRINGS);
        while ((slot = (uint32_t *)tyr__slot_iter_next(&it)))
            *slot = str_add(&st, tyr__str(reg, *slot), &err);
        tyr__slot_iter_init(&it, p, d, TYR_SLOTS_TYPE_IDS);
        while ((slot = (uint32_t *)tyr__slot_iter_next(&it)))
            *slot = map[*slot];
    }
    if (err)
        goto out;
    p->nfields = fo;
    p->nenums = eo;
    p->nparams = po;
    p->strs = st.buf;
    p->strs_len = st.len;
    st.buf = NULL;

    /* ---- name index: every named type, newest first in its chain ---- */
    p->nbuckets = named ? pow2_at_least(named) : 0;
    if (p->nbuckets) {
        p->buckets = calloc(p->nbuckets, sizeof *p->buckets);
        if (!p->buckets) {
            err = TYR_ENOMEM;
            goto out;
        }
        for (i = 1; i < nk; i++) {
            uint32_t b;
            if (!p->types[i].name)
                continue;
            b = tyr__name_hash(p->strs + p->types[i].name) & (p->nbuckets - 1);
            p->chain[i] = p->buckets[b];
            p->buckets[b] = i;
        }
    }
    *out = p;
    p = NULL;
out:
    free(st.buf);
    free(st.set);
    tyr__pruned_free(p);
    free(stk);
    free(mark);
    return err;
}

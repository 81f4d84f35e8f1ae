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
    uint32_t sp = 0, nk = 0, named = 0, i, j, fo = 1, eo = 1, po = 1;
    int err = TYR_ENOMEM;
    size_t r;

    if (!mark || !stk)
        goto out;

    /* ---- mark ---- */
    mark[0] = 1;
    for (r = 0; r < nroots; r++)
        push(mark, stk, &sp, roots[r].ref, n);
    while (sp) {
        uint32_t id = stk[--sp];
        const struct tyr_rec_type *t = &reg->types[id];
        if (tyr__kind_has_ref(t->kind))
            push(mark, stk, &sp, t->ref, n);
        if (tyr__is_record_kind(t->kind)) {
            for (j = 0; j < t->count && (uint64_t)t->first + j < reg->nfields; j++)
                push(mark, stk, &sp, reg->fields[t->first + j].type, n);
        } else if (t->kind == TYR_KIND_FUNC_PROTO) {
            for (j = 0; j < t->count && (uint64_t)t->first + j < reg->nparams; j++)
                push(mark, stk, &sp, reg->params[t->first + j].type, n);
        } else if (tyr__first_space(t->kind) == TYR_SPACE_TYPE) {
            push(mark, stk, &sp, t->first, n);
        }
    }

    /* ---- sweep: the map, and how big each new table is ---- */
    for (i = 0; i < n; i++) {
        const struct tyr_rec_type *t = &reg->types[i];
        map[i] = mark[i] ? nk++ : 0;
        if (!mark[i])
            continue;
        if (tyr__is_record_kind(t->kind))
            nf += t->count;
        else if (t->kind == TYR_KIND_ENUM)
            ne += t->count;
        else if (t->kind == TYR_KIND_FUNC_PROTO)
            np += t->count;
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
    for (i = 0; i < n; i++) {
        const struct tyr_rec_type *t = &reg->types[i];
        struct tyr_rec_type *d;
        if (!mark[i] || i == 0)
            continue;
        d = &p->types[map[i]];
        *d = *t;
        d->name = str_add(&st, tyr__str(reg, t->name), &err);
        if (tyr__kind_has_ref(t->kind))
            d->ref = map[t->ref];
        if (t->count == 0 && tyr__first_space(t->kind) != TYR_SPACE_TYPE)
            d->first = 0;
        if (tyr__is_record_kind(t->kind) && t->count) {
            d->first = fo;
            for (j = 0; j < t->count; j++) {
                struct tyr_rec_field f = reg->fields[t->first + j];
                f.name = str_add(&st, tyr__str(reg, f.name), &err);
                f.type = map[f.type];
                p->fields[fo++] = f;
            }
        } else if (t->kind == TYR_KIND_ENUM && t->count) {
            d->first = eo;
            for (j = 0; j < t->count; j++) {
                struct tyr_rec_enumerator e = reg->enums[t->first + j];
                e.name = str_add(&st, tyr__str(reg, e.name), &err);
                p->enums[eo++] = e;
            }
        } else if (t->kind == TYR_KIND_FUNC_PROTO && t->count) {
            d->first = po;
            for (j = 0; j < t->count; j++) {
                struct tyr_rec_param q = reg->params[t->first + j];
                q.name = str_add(&st, tyr__str(reg, q.name), &err);
                q.type = map[q.type];
                p->params[po++] = q;
            }
        } else if (tyr__first_space(t->kind) == TYR_SPACE_TYPE) {
            d->first = map[t->first];
        }
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

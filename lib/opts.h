/* SPDX-License-Identifier: MIT */
/*
 * The one check of an options struct (libbpf's OPTS_VALID rule): every tyr *_opts struct
 * starts with `size_t sz`, the caller's sizeof. A caller built against an older header passes
 * a smaller sz and the fields past it read as their defaults; one built against a newer header
 * passes a larger sz, accepted only if every byte this library does not know is zero.
 * Header-only, so the importers use it without linking anything.
 */
#ifndef TYR_OPTS_H
#define TYR_OPTS_H

#include <stddef.h>
#include <string.h>

/* 1 if opts is NULL or valid: sz covers sz itself, and bytes [known, sz) are all zero. */
static inline int tyr__opts_valid(const void *opts, size_t known)
{
    const unsigned char *p = opts;
    size_t sz, i;
    if (!opts)
        return 1;
    sz = *(const size_t *)opts;
    if (sz < sizeof(size_t))
        return 0;
    for (i = known; i < sz; i++)
        if (p[i])
            return 0;
    return 1;
}

/*
 * Stats structs (tyr_registry_stats, tyr_dwarf_stats, tyr_btf_stats) are outputs that start
 * with `size_t sz` too, set by the caller: the same check (a larger struct's unknown bytes are
 * zero, as TYR_OPTS or `= {.sz = sizeof st}` leaves them), then the library fills only the
 * fields the caller's struct holds.
 */
static inline int tyr__stats_valid(const void *stats, size_t known)
{
    return stats && tyr__opts_valid(stats, known);
}

/* Copies full's fields (a library-side struct of `known` bytes) into the caller's out, as far
 * as out's sz reaches; out->sz is kept. out passed tyr__stats_valid. */
static inline void tyr__stats_fill(void *out, const void *full, size_t known)
{
    size_t sz = *(const size_t *)out, n = sz < known ? sz : known;
    if (n > sizeof(size_t))
        memcpy((char *)out + sizeof(size_t), (const char *)full + sizeof(size_t),
               n - sizeof(size_t));
}

/* A field is read only if the caller's struct holds it. */
#define TYR__OPT_HAS(opts, type, field) \
    ((opts) && (opts)->sz >= offsetof(struct type, field) + sizeof((opts)->field))
#define TYR__OPT(opts, type, field, def) (TYR__OPT_HAS(opts, type, field) ? (opts)->field : (def))

#endif /* TYR_OPTS_H */

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

/* A field is read only if the caller's struct holds it. */
#define TYR__OPT_HAS(opts, type, field) \
    ((opts) && (opts)->sz >= offsetof(struct type, field) + sizeof((opts)->field))
#define TYR__OPT(opts, type, field, def) (TYR__OPT_HAS(opts, type, field) ? (opts)->field : (def))

#endif /* TYR_OPTS_H */

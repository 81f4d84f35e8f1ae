/* SPDX-License-Identifier: MIT */
/* Which types a dump covers: all of them, or the closure of caller-given roots. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "kinds.h"
#include "opts.h"
#include "out.h"

int tyr__dump_opts_check(const struct tyr_dump_opts *o)
{
    if (!o)
        return 0;
    if (!tyr__opts_valid(o, sizeof(*o)))
        return TYR_EINVAL;
    if (!TYR__OPT_HAS(o, tyr_dump_opts, roots))
        return TYR_EINVAL; /* every field so far is needed to read the struct at all */
    if (o->nroots && !o->roots)
        return TYR_EINVAL;
    return 0;
}

int tyr__select(const tyr_registry *reg, const struct tyr_dump_opts *o, uint8_t *in)
{
    uint32_t n = reg->ntypes;
    if (!o || !o->nroots) {
        memset(in, 1, n);
        in[0] = 0;
        return 0;
    }
    uint32_t *work = malloc(sizeof(uint32_t) * n);
    if (!work)
        return TYR_ENOMEM;
    uint32_t top = 0;
    for (size_t i = 0; i < o->nroots; i++) {
        uint32_t id = o->roots[i].id;
        if (id >= n) {
            free(work);
            return TYR_EHANDLE;
        }
        if (id && !in[id]) {
            in[id] = 1;
            work[top++] = id;
        }
    }
    /* everything a type's type-id slots name (lib/kinds.h): targets, members, parameters */
    while (top) {
        struct tyr_slot_iter it;
        const uint32_t *slot;
        tyr__slot_iter_init(&it, reg, &reg->types[work[--top]], TYR_SLOTS_TYPE_IDS);
        while ((slot = tyr__slot_iter_next(&it))) {
            uint32_t m = *slot;
            if (m && m < n && !in[m]) {
                in[m] = 1;
                work[top++] = m;
            }
        }
    }
    free(work);
    return 0;
}


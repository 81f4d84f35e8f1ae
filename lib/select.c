/* SPDX-License-Identifier: MIT */
/* Which types a dump covers: all of them, or the closure of caller-given roots. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "out.h"

int tyr__dump_opts_check(const struct tyr_dump_opts *o)
{
    if (!o)
        return 0;
    if (o->sz < offsetof(struct tyr_dump_opts, roots) + sizeof(o->roots))
        return TYR_EINVAL; /* every field so far is needed to read the struct at all */
    /* A newer caller: accept only if every byte this library does not know is zero. */
    const unsigned char *b = (const unsigned char *)o;
    for (size_t i = sizeof(*o); i < o->sz; i++)
        if (b[i])
            return TYR_EINVAL;
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
    for (uint32_t i = 0; i < o->nroots; i++) {
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
#define MARK(x)                                                                              \
    do {                                                                                     \
        uint32_t m_ = (x);                                                                   \
        if (m_ && m_ < n && !in[m_]) {                                                       \
            in[m_] = 1;                                                                      \
            work[top++] = m_;                                                                \
        }                                                                                    \
    } while (0)
    while (top) {
        const struct tyr_rec_type *r = &reg->types[work[--top]];
        switch (r->kind) {
        case TYR_KIND_STRUCT:
        case TYR_KIND_UNION:
            for (uint32_t i = 0; i < r->count && (uint64_t)r->first + i < reg->nfields; i++)
                MARK(reg->fields[r->first + i].type);
            break;
        case TYR_KIND_FUNC_PROTO:
            for (uint32_t i = 0; i < r->count && (uint64_t)r->first + i < reg->nparams; i++)
                MARK(reg->params[r->first + i].type);
            MARK(r->ref);
            break;
        case TYR_KIND_ENUM:
            break;
        default:
            MARK(r->ref);
            break;
        }
    }
#undef MARK
    free(work);
    return 0;
}


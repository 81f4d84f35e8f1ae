/* SPDX-License-Identifier: MIT */
/*
 * Private to the BTF importer: the handle, its per-id import state, and the registry-side
 * matching that lets BTF and DWARF types share one registry. Layers, each calling only down:
 *   btf_open.c    handles: libbpf's struct btf, the split chain, binding to a registry
 *   btf_match.c   is this BTF type one the registry already holds? (names, layouts, keys)
 *   btf_import.c  the import itself: an explicit job stack over BTF ids
 *   btf_api.c     the public import calls, stats and the FUNC listing
 * Only the public registry API is used (tyr/registry.h), and the bulk appends lib/internal.h
 * declares for this importer (lib/registry_bulk.c): no other registry internals.
 */
#ifndef TYR_BTF_INTERNAL_H
#define TYR_BTF_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include <bpf/btf.h>

#include "tyr/btf.h"

struct tyr_bulk_param;

#if defined(__GNUC__)
#define TBTF_HIDDEN __attribute__((visibility("hidden")))
#define TBTF_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define TBTF_HIDDEN
#define TBTF_PRINTF(a, b)
#endif

/* Import state of one BTF id. */
enum tbtf_state {
    TBTF_NONE = 0,     /* not met yet */
    TBTF_HANDLING = 1, /* its targets are being imported (met again: a reference loop) */
    TBTF_HANDLED = 2,  /* has a registry type (a struct or union: declared, not filled yet) */
    TBTF_FILLING = 3,  /* struct/union: its members' types are being imported */
    TBTF_FILLED = 4,   /* struct/union with its layout (or one the registry already held) */
    TBTF_SKIPPED = 5,  /* VAR, DATASEC, DECL_TAG: counted, no registry type */
};

/* Anonymous registry types (pointers, qualifiers, arrays, prototypes) by structural key,
 * so that an equal one is shared; open addressing, several ids may share a key. A slot keeps
 * 32 bits of the 64-bit key (the bits the slot index does not come from), enough to skip
 * almost every other key; a hit is checked field by field anyway. 8 bytes a slot. */
struct tbtf_key {
    uint32_t tag; /* 0 = empty */
    uint32_t id;
};

struct tyr_btf {
    struct btf *btf;  /* owned (btf__free) */
    tyr_btf *base;    /* split BTF: the handle of its base; not owned */
    uint32_t start;   /* first id of this BTF: 1, or the base's type count */
    uint32_t n;       /* btf__type_cnt: ids are < n */
    /* Where each own id's type sits in libbpf's type data, by id - start (owned; built by
     * tbtf_room, so by the first import_all; NULL before, or if libbpf's types are not one
     * block): tbtf_type reads a type without a call into libbpf. */
    uint32_t *toff;
    const char *tdata;

    /* Bound to one registry (tbtf_bind): state and registry type of each own id, indexed
     * by id - start (owned, calloc'ed). The binding is keyed by the registry's generation
     * (tyr_registry_generation), never its address: a freed registry's successor at the same
     * address, or a rolled-back registry, starts afresh. */
    tyr_registry *reg;
    uint64_t gen;
    uint8_t *state;
    uint32_t *map;
    /* Own structs/unions declared and not filled yet (owned): filled at the end of the
     * import that declared them (emptied when it fails). */
    uint32_t *pending;
    uint32_t npending, cap_pending;
    /* The anonymous-type key set over reg's types [0, scanned) (owned). */
    struct tbtf_key *keys;
    uint32_t keys_cap, keys_used, scanned;
    /* Every type of reg was made by imports started on this handle: reg held only void when
     * it was bound, and held exactly `scanned` types whenever an import began. Then no
     * registry type can equal a BTF type but one this BTF made, and a deduplicated BTF (as
     * the kernel's and pahole's are) has no two equal ids: nothing is looked for, and the
     * key set stays empty until another importer adds a type (then it is built whole). */
    bool solo;
    /* Scratch of the imports started on this handle, kept between them (owned). */
    struct tbtf_scratch {
        struct tbtf_job *jobs;
        uint32_t njobs, cap;
        struct tbtf_member *members; /* a struct's members before it is completed */
        const char **names;
        uint32_t members_cap, names_cap;
        uint32_t *seen; /* a set of names[] indices, to find a name given twice */
        uint32_t seen_cap;
        uint32_t *ptypes; /* a prototype's parameters */
        const char **pnames;
        uint32_t ptypes_cap, pnames_cap;
        void *bulk; /* bulk: a record's tail as lib/registry_bulk.c takes it */
        uint32_t bulk_cap;
    } scratch;

    tyr_btf_stats stats;
    /* The counters when the import call running on this handle's chain began: put back when
     * it fails, as the registry is (btf_api.c). */
    tyr_btf_stats stats_before;
};

/* ---- btf_open.c ---- */
/* BTF type id of b or its bases, or NULL past the last id (btf__type_by_id). */
static inline const struct btf_type *tbtf_type(const tyr_btf *b, uint32_t id)
{
    if (b->toff && id >= b->start && id < b->n)
        return (const struct btf_type *)(const void *)(b->tdata + b->toff[id - b->start]);
    return id < b->n ? btf__type_by_id(b->btf, id) : NULL;
}
/* The handle owning id (this one or a base down the chain). */
static inline tyr_btf *tbtf_owner(tyr_btf *b, uint32_t id)
{
    while (id < b->start && b->base)
        b = b->base;
    return b;
}
static inline uint8_t *tbtf_state(tyr_btf *b, uint32_t id)
{
    tyr_btf *o = tbtf_owner(b, id);
    return &o->state[id - o->start];
}
static inline uint32_t *tbtf_map(tyr_btf *b, uint32_t id)
{
    tyr_btf *o = tbtf_owner(b, id);
    return &o->map[id - o->start];
}
/* Bind b and its bases to reg (another generation, or one that shrank: state reset).
 * 0 or TYR_ENOMEM. The key set is brought up to date after it (tbtf_anon_update). */
TBTF_HIDDEN int tbtf_bind(tyr_btf *b, tyr_registry *reg);
/* Size reg's tables once for every own id of b not imported yet (room: all zero, sz set;
 * filled with the counts), and its strings too unless the registry adopted b's string
 * section. 0 or what tyr_registry_reserve returns. */
TBTF_HIDDEN int tbtf_room(tyr_btf *b, struct tyr_registry_room *room, bool strings);
/* b's own string section as libbpf holds it (a view, valid while b lives): 0 or TYR_EBTF. */
TBTF_HIDDEN int tbtf_strings(const tyr_btf *b, const char **strs, uint32_t *len);
/* Fill diag (if any) with err, the BTF id and a message; returns err. */
TBTF_HIDDEN int tbtf_fail(tyr_diag *diag, int err, uint32_t id, const char *fmt, ...)
    TBTF_PRINTF(4, 5);
/* The BTF name at a string offset ("" for none or a bad offset). */
TBTF_HIDDEN const char *tbtf_name(const tyr_btf *b, uint32_t off);
/* Enumerator i of ENUM or ENUM64 t: its name, and its value as a 64-bit pattern (a 32-bit
 * value sign-extended when t is signed, its kind_flag). */
TBTF_HIDDEN const char *tbtf_enumerator(const tyr_btf *b, const struct btf_type *t, uint32_t i,
                                        uint64_t *value);

/* ---- btf_match.c ---- */
/* A registry struct/union already holding the layout of BTF struct/union `id` under its
 * name, or 0. */
TBTF_HIDDEN uint32_t tbtf_match_record(tyr_btf *b, uint32_t id);
/* A declared-only registry struct/union of that name and kind, or 0 (for a FWD). */
TBTF_HIDDEN uint32_t tbtf_match_decl(const tyr_registry *reg, const char *name, int kind);
/* A named registry type equal to the given one (INT: size+flags; FLOAT: size+bits;
 * TYPEDEF/FUNC: target), or 0. */
TBTF_HIDDEN uint32_t tbtf_match_named(const tyr_registry *reg, int kind, const char *name,
                                      uint64_t size, uint32_t flags, uint32_t bits,
                                      uint32_t target);
/* An enum of that name, size, signedness and enumerators, or 0. */
TBTF_HIDDEN uint32_t tbtf_match_enum(tyr_btf *b, uint32_t id, uint32_t size, uint32_t flags);

/* The key of an anonymous type: kind, flags, target, count and, for a prototype, its
 * parameters (names and types). A prototype's params are given as arrays. */
struct tbtf_anon {
    int kind;
    uint32_t flags, target, count;
    const uint32_t *ptypes;
    const char *const *pnames;
    const struct tyr_bulk_param *bparams; /* bulk: the params as lib/registry_bulk.c takes them */
};
TBTF_HIDDEN uint64_t tbtf_anon_key(const struct tbtf_anon *a);
/* The registry type equal to a, or 0. */
TBTF_HIDDEN uint32_t tbtf_anon_find(tyr_btf *b, const struct tbtf_anon *a, uint64_t key);
/* Remember registry type id under key. 0, TYR_ENOMEM or TYR_EHANDLE. */
TBTF_HIDDEN int tbtf_anon_put(tyr_btf *b, uint64_t key, uint32_t id);
/* Make room in the key set for `more` keys at once (one table, sized once). 0, TYR_ENOMEM,
 * or TYR_EHANDLE (a type of the set unreadable). */
TBTF_HIDDEN int tbtf_anon_reserve(tyr_btf *b, uint64_t more);
/* Add registry types [b->scanned, count) to the key set. 0, TYR_ENOMEM or TYR_EHANDLE. */
TBTF_HIDDEN int tbtf_anon_scan(tyr_btf *b);
/* After tbtf_bind: nothing to do while b alone fills its registry (b->solo); once another
 * importer added types, b looks for equal ones from then on: the key set sized once and
 * every registry type not scanned yet added. 0, TYR_ENOMEM or TYR_EHANDLE. */
TBTF_HIDDEN int tbtf_anon_update(tyr_btf *b);

/* ---- btf_import.c ---- */
enum tbtf_want {
    TBTF_WANT_HANDLE = 0, /* a registry type id */
    TBTF_WANT_FULL = 1,   /* and, if it resolves to a struct/union, its layout */
};
/* Import BTF id (b must be bound) and what it reaches; *out = its registry type. */
TBTF_HIDDEN int tbtf_import(tyr_btf *b, uint32_t id, enum tbtf_want want, uint32_t *out,
                            tyr_diag *diag);
/* Import every own id of b (bound) with its layout, but VARs, DATASECs and DECL_TAGs, which
 * are counted. strs: NULL, or b's string section when the registry adopted it (bulk: the
 * records are appended through lib/registry_bulk.c, names as offsets of strs). */
TBTF_HIDDEN int tbtf_import_own(tyr_btf *b, const char *strs, uint32_t strs_len,
                                tyr_diag *diag);

#endif /* TYR_BTF_INTERNAL_H */

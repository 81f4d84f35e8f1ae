/* SPDX-License-Identifier: MIT */
/*
 * The registry in building mode: its lifecycle, the growable tables, interned strings, the
 * name index, and every builder. Each builder validates everything first and only then
 * commits, so a failed call leaves the registry exactly as it was.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* xxHash's own header-only mode (the Debian package's header): hashing a short name is a
 * few instructions, not worth a call through the shared library. */
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "internal.h"
#include "kinds.h"
#include "opts.h"

/* ---- Lifecycle ------------------------------------------------------------------------ */

#define TYR_INITIAL_BUCKETS 64u

/* Grow *base (elements of elem bytes, capacity *cap) to hold at least need elements.
 * The array keeps its contents; only capacity changes. Returns 0 or TYR_ENOMEM/EOVERFLOW. */
static int grow(void **base, uint32_t *cap, uint64_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    if (need > UINT32_MAX)
        return TYR_EOVERFLOW;
    uint64_t ncap = *cap ? *cap : 16;
    while (ncap < need)
        ncap *= 2;
    if (ncap > UINT32_MAX)
        ncap = UINT32_MAX;
    void *p = realloc(*base, (size_t)ncap * elem);
    if (!p)
        return TYR_ENOMEM;
    *base = p;
    *cap = (uint32_t)ncap;
    return 0;
}

/* Types and their index chain share one capacity. */
static int reserve_types(tyr_registry *reg, uint32_t more)
{
    uint64_t need = (uint64_t)reg->ntypes + more;
    if (need <= reg->cap_types)
        return 0;
    uint32_t cap = reg->cap_types;
    int err = grow((void **)&reg->types, &cap, need, sizeof(*reg->types));
    if (err)
        return err;
    /* types grew; if chain or name_hash does not, cap_types stays the old, valid value */
    uint32_t ccap = reg->cap_types;
    if ((err = grow((void **)&reg->chain, &ccap, cap, sizeof(*reg->chain))))
        return err;
    ccap = reg->cap_types;
    if ((err = grow((void **)&reg->name_hash, &ccap, cap, sizeof(*reg->name_hash))))
        return err;
    reg->cap_types = cap;
    return 0;
}

/* Owner: the caller, through tyr_registry_free(). */
int tyr_registry_new(const struct tyr_registry_opts *opts, tyr_registry **out)
{
    uint32_t psize = 8, hint = 0;
    if (!out)
        return TYR_EINVAL;
    if (opts) {
        if (!tyr__opts_valid(opts, sizeof(*opts)))
            return TYR_EINVAL;
        if (opts->sz >= offsetof(struct tyr_registry_opts, pointer_size) + sizeof(uint32_t) &&
            opts->pointer_size)
            psize = opts->pointer_size;
        if (opts->sz >= offsetof(struct tyr_registry_opts, type_hint) + sizeof(uint32_t))
            hint = opts->type_hint;
    }
    if (psize != 4 && psize != 8)
        return TYR_EINVAL;

    tyr_registry *reg = calloc(1, sizeof(*reg));
    if (!reg)
        return TYR_ENOMEM;
    reg->mode = TYR_MODE_BUILDING;
    reg->pointer_size = psize;
    reg->generation = tyr__next_generation();
    int err = reserve_types(reg, hint > 16 ? hint : 16);
    err = err ? err : grow((void **)&reg->layouts, &reg->cap_layouts, 16, sizeof(*reg->layouts));
    err = err ? err : grow((void **)&reg->fields, &reg->cap_fields, 16, sizeof(*reg->fields));
    err = err ? err : grow((void **)&reg->enums, &reg->cap_enums, 16, sizeof(*reg->enums));
    err = err ? err : grow((void **)&reg->params, &reg->cap_params, 16, sizeof(*reg->params));
    err = err ? err : grow((void **)&reg->strs, &reg->cap_strs, 256, 1);
    reg->buckets = calloc(TYR_INITIAL_BUCKETS, sizeof(*reg->buckets));
    reg->intern = calloc(TYR_INITIAL_BUCKETS, sizeof(*reg->intern));
    reg->intern_tag = calloc(TYR_INITIAL_BUCKETS, sizeof(*reg->intern_tag));
    if (err || !reg->buckets || !reg->intern || !reg->intern_tag) {
        tyr_registry_free(reg);
        return err ? err : TYR_ENOMEM;
    }
    reg->nbuckets = TYR_INITIAL_BUCKETS;
    reg->intern_cap = TYR_INITIAL_BUCKETS;
    /* Entry 0 of every table is the all-zero "none" record; string offset 0 is "". */
    memset(&reg->types[0], 0, sizeof(reg->types[0]));
    reg->chain[0] = 0;
    reg->name_hash[0] = 0;
    reg->ntypes = 1;
    memset(&reg->layouts[0], 0, sizeof(reg->layouts[0]));
    reg->nlayouts = 1;
    memset(&reg->fields[0], 0, sizeof(reg->fields[0]));
    reg->nfields = 1;
    memset(&reg->enums[0], 0, sizeof(reg->enums[0]));
    reg->nenums = 1;
    memset(&reg->params[0], 0, sizeof(reg->params[0]));
    reg->nparams = 1;
    reg->strs[0] = '\0';
    reg->strs_len = 1;
    *out = reg;
    return 0;
}

void tyr_registry_free(tyr_registry *reg)
{
    if (!reg)
        return;
    if (reg->mode == TYR_MODE_BUILDING) {
        /* a building registry owns each of its tables (mapped ones point into the map) */
        void *tables[] = {reg->types,   reg->layouts,    reg->chain,     reg->fields,
                          reg->enums,   reg->wfields,    reg->wenums,    reg->params,
                          reg->strs,    reg->buckets,    reg->intern,    reg->intern_tag,
                          reg->name_hash, reg->undo,     reg->src};
        for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++)
            free(tables[i]);
    } else if (reg->map) {
        munmap(reg->map, reg->map_len);
    }
    free(reg);
}

/* Forward: the tables' own reserve steps, defined with the tables. */
static int intern_reserve(tyr_registry *reg, uint64_t more);
static int index_reserve(tyr_registry *reg, uint64_t more);

int tyr_registry_reserve(tyr_registry *reg, const struct tyr_registry_room *room)
{
    if (!reg || !tyr__opts_valid(room, sizeof(*room)))
        return TYR_EINVAL;
    if (reg->mode != TYR_MODE_BUILDING)
        return TYR_EREADONLY;
    if (!room)
        return 0;
    uint32_t types = TYR__OPT(room, tyr_registry_room, types, 0);
    uint32_t named = TYR__OPT(room, tyr_registry_room, named, 0);
    uint32_t sized = TYR__OPT(room, tyr_registry_room, sized, 0);
    uint32_t fields = TYR__OPT(room, tyr_registry_room, fields, 0);
    uint32_t enums = TYR__OPT(room, tyr_registry_room, enumerators, 0);
    uint32_t params = TYR__OPT(room, tyr_registry_room, params, 0);
    uint32_t strings = TYR__OPT(room, tyr_registry_room, strings, 0);
    uint64_t bytes = TYR__OPT(room, tyr_registry_room, string_bytes, 0);
    int err = reserve_types(reg, types);
    err = err ? err : grow((void **)&reg->layouts, &reg->cap_layouts,
                           (uint64_t)reg->nlayouts + sized, sizeof(*reg->layouts));
    err = err ? err : grow((void **)&reg->fields, &reg->cap_fields,
                           (uint64_t)reg->nfields + fields, sizeof(*reg->fields));
    err = err ? err : grow((void **)&reg->enums, &reg->cap_enums,
                           (uint64_t)reg->nenums + enums, sizeof(*reg->enums));
    err = err ? err : grow((void **)&reg->params, &reg->cap_params,
                           (uint64_t)reg->nparams + params, sizeof(*reg->params));
    err = err ? err : grow((void **)&reg->strs, &reg->cap_strs, reg->strs_len + bytes, 1);
    err = err ? err : intern_reserve(reg, strings);
    return err ? err : index_reserve(reg, named);
}

/* The source buffer is "path\0build-id\0": one allocation, replaced whole. */
int tyr_registry_set_source(tyr_registry *reg, const char *path, const char *build_id)
{
    if (!reg || !path)
        return TYR_EINVAL;
    if (reg->mode != TYR_MODE_BUILDING)
        return TYR_EREADONLY;
    if (!build_id)
        build_id = "";
    size_t np = strlen(path), nb = strlen(build_id);
    if (np > TYR_SOURCE_PATH_MAX || nb > TYR_SOURCE_ID_MAX || nb % 2)
        return TYR_EINVAL;
    for (size_t i = 0; i < nb; i++)
        if (!((build_id[i] >= '0' && build_id[i] <= '9') ||
              (build_id[i] >= 'a' && build_id[i] <= 'f')))
            return TYR_EINVAL;
    char *src = malloc(np + nb + 2); /* owned by reg: freed by tyr_registry_free() */
    if (!src)
        return TYR_ENOMEM;
    memcpy(src, path, np + 1);
    memcpy(src + np + 1, build_id, nb + 1);
    free(reg->src);
    reg->src = src;
    reg->src_len = (uint32_t)(np + nb + 2);
    return 0;
}

void tyr_registry_source(const tyr_registry *reg, const char **path, const char **build_id)
{
    const char *p = reg && reg->src ? reg->src : "";
    if (path)
        *path = p;
    if (build_id)
        *build_id = reg && reg->src ? p + strlen(p) + 1 : "";
}

bool tyr_registry_is_mapped(const tyr_registry *reg)
{
    return reg && reg->mode == TYR_MODE_MAPPED;
}

uint32_t tyr_registry_type_count(const tyr_registry *reg)
{
    return reg ? reg->ntypes : 0;
}

uint32_t tyr_registry_pointer_size(const tyr_registry *reg)
{
    return reg ? reg->pointer_size : 0;
}

/* ---- Strings -------------------------------------------------------------------------- */

/* One hash for interning and for the name index: XXH3-64 of at most TYR_NAME_HASH_MAX bytes,
 * folded to 32 bits. Strings longer than that collide by prefix and are told apart by
 * comparing them. */
static uint32_t hash_bytes(const char *s, size_t len)
{
    uint64_t h = XXH3_64bits(s, len < TYR_NAME_HASH_MAX ? len : TYR_NAME_HASH_MAX);
    return (uint32_t)(h ^ (h >> 32));
}

uint32_t tyr__name_hash(const char *name)
{
    return hash_bytes(name, strnlen(name, TYR_NAME_HASH_MAX));
}

/* The intern set's slots: a string's home slot is its hash scaled to the capacity (its
 * high bits; any capacity works, so a reserved set is sized to its strings, not to a power
 * of two), and a probe goes on to the next slot, wrapping at the end. The tag is the hash's
 * low byte (1 for 0): independent of the home, so a cluster's tags tell its strings apart. */
static uint32_t intern_home(uint32_t hash, uint32_t cap)
{
    return (uint32_t)(((uint64_t)hash * cap) >> 32);
}

static uint32_t intern_next(uint32_t i, uint32_t cap)
{
    return i + 1 == cap ? 0 : i + 1;
}

static uint8_t intern_tag(uint32_t hash)
{
    return (uint8_t)(hash & 0xff) ? (uint8_t)(hash & 0xff) : 1;
}

/* Put string off of that hash in the first free slot from its home (one is free). */
static void intern_place(uint32_t *offs, uint8_t *tags, uint32_t cap, uint32_t off,
                         uint32_t hash)
{
    uint32_t i = intern_home(hash, cap);
    while (tags[i])
        i = intern_next(i, cap);
    offs[i] = off;
    tags[i] = intern_tag(hash);
}

/* The offset of s if interned, else 0; *slot receives where it would go. */
static uint32_t intern_find(const tyr_registry *reg, const char *s, size_t len, uint32_t hash,
                            uint32_t *slot)
{
    uint8_t tag = intern_tag(hash);
    for (uint32_t i = intern_home(hash, reg->intern_cap);; i = intern_next(i, reg->intern_cap)) {
        uint8_t t = reg->intern_tag[i];
        if (!t) {
            *slot = i;
            return 0;
        }
        uint32_t off = reg->intern[i];
        /* a shorter string near the table's end must not make the compare read past it */
        if (t == tag && (uint64_t)off + len < reg->strs_len && !memcmp(reg->strs + off, s, len) &&
            reg->strs[off + len] == '\0')
            return off;
    }
}

/* Slots for a set of n strings: at most 80% full, a multiple of 64. */
static uint64_t intern_cap_for(uint64_t n)
{
    return (n * 5 / 4 + 64) & ~UINT64_C(63);
}

/* Rebuild the intern set with ncap slots (more than it holds): the strings are hashed
 * again, which a reservation sized once makes rare. */
static int intern_resize(tyr_registry *reg, uint32_t ncap)
{
    uint32_t *offs = calloc(ncap, sizeof(*offs)); /* both owned by reg: tyr_registry_free */
    uint8_t *tags = calloc(ncap, sizeof(*tags));
    if (!offs || !tags) {
        free(offs);
        free(tags);
        return TYR_ENOMEM;
    }
    for (uint32_t i = 0; i < reg->intern_cap; i++) {
        if (!reg->intern_tag[i])
            continue;
        uint32_t off = reg->intern[i];
        intern_place(offs, tags, ncap, off,
                     hash_bytes(reg->strs + off, strlen(reg->strs + off)));
    }
    free(reg->intern);
    free(reg->intern_tag);
    reg->intern = offs;
    reg->intern_tag = tags;
    reg->intern_cap = ncap;
    return 0;
}

/* The set is at most 80% full, so a miss probes a few slots (each slot's hash is compared
 * first, eight slots a cache line): room for `more` strings. It doubles when one more
 * string does not fit, and is sized at once for a reservation. */
static int intern_reserve(tyr_registry *reg, uint64_t more)
{
    if (!reg->intern_cap)
        return 0; /* not built: intern_build sizes it when it is */
    uint64_t need = reg->intern_used + more;
    if (need * 5 <= (uint64_t)reg->intern_cap * 4)
        return 0;
    uint64_t ncap = (uint64_t)reg->intern_cap * 2;
    if (need * 5 > ncap * 4)
        ncap = intern_cap_for(need);
    if (ncap > UINT32_MAX)
        return TYR_EOVERFLOW;
    return intern_resize(reg, (uint32_t)ncap);
}

/* The string set of a registry whose string table was adopted whole (lib/registry_bulk.c:
 * intern_cap 0, no slots) is built at the first intern or lookup that needs it, in one pass
 * sized to the table's strings and `more`; a bulk import that never interns pays nothing. */
static void intern_refill(tyr_registry *reg);
static int intern_build(tyr_registry *reg, uint64_t more)
{
    uint64_t n = 0;
    for (uint32_t off = 1; off < reg->strs_len; off += (uint32_t)strlen(reg->strs + off) + 1)
        n++;
    uint64_t cap = intern_cap_for(n + more);
    if (cap > UINT32_MAX)
        return TYR_EOVERFLOW;
    int err = intern_resize(reg, (uint32_t)cap); /* empty: no slot to carry over */
    if (!err)
        intern_refill(reg);
    return err;
}

/* A name on its way in: its length and hash are computed once per builder call. */
struct name {
    const char *s;
    size_t len;
    uint32_t hash;
};

static struct name name_of(const char *s)
{
    struct name n = {s, 0, 0};
    if (s && *s) {
        n.len = strlen(s);
        n.hash = hash_bytes(s, n.len);
    } else {
        n.s = NULL;
    }
    return n;
}

/* The offset of an already interned name, or 0 (also when the set cannot be built: the
 * intern that follows reports that). */
static uint32_t interned(tyr_registry *reg, struct name n)
{
    uint32_t slot;
    if (!n.s || (!reg->intern_cap && intern_build(reg, 1)))
        return 0;
    return intern_find(reg, n.s, n.len, n.hash, &slot);
}

/* Intern n (NULL is offset 0). All-or-nothing: on error nothing changed. */
static int intern(tyr_registry *reg, struct name n, uint32_t *off)
{
    if (!n.s) {
        *off = 0;
        return 0;
    }
    if (n.len >= UINT32_MAX - reg->strs_len)
        return TYR_EOVERFLOW;
    int err;
    if (!reg->intern_cap && (err = intern_build(reg, 1)))
        return err;
    uint32_t slot = 0; /* set by intern_find whenever it finds nothing (n is never "") */
    uint32_t found = intern_find(reg, n.s, n.len, n.hash, &slot);
    if (found) {
        *off = found;
        return 0;
    }
    if ((err = grow((void **)&reg->strs, &reg->cap_strs, (uint64_t)reg->strs_len + n.len + 1, 1)))
        return err;
    if ((uint64_t)(reg->intern_used + 1) * 5 > (uint64_t)reg->intern_cap * 4) {
        if ((err = intern_reserve(reg, 1)))
            return err;
        intern_find(reg, n.s, n.len, n.hash, &slot);
    }
    uint32_t at = reg->strs_len;
    memcpy(reg->strs + at, n.s, n.len);
    reg->strs[at + n.len] = '\0';
    reg->strs_len += (uint32_t)n.len + 1;
    reg->intern[slot] = at;
    reg->intern_tag[slot] = intern_tag(n.hash);
    reg->intern_used++;
    *off = at;
    return 0;
}

/* ---- Name index ----------------------------------------------------------------------- */

/* Insert id at the head of its bucket: ids only grow, so every chain stays strictly
 * decreasing (the verifier relies on that to bound its walk). */
static void index_insert(tyr_registry *reg, uint32_t id, uint32_t hash)
{
    uint32_t b = hash & (reg->nbuckets - 1);
    reg->chain[id] = reg->buckets[b];
    reg->buckets[b] = id;
}

void tyr__index_add(tyr_registry *reg, uint32_t id, uint32_t hash)
{
    index_insert(reg, id, hash);
    reg->nnamed++;
}

/* Fills the name index for nbuckets buckets in place (the array holds at least that many):
 * ids inserted in increasing order, so every chain is strictly decreasing and the same
 * registry always gives the same index. */
static void index_refill(tyr_registry *reg, uint32_t nbuckets)
{
    reg->nbuckets = nbuckets;
    memset(reg->buckets, 0, (size_t)nbuckets * sizeof(*reg->buckets));
    reg->nnamed = 0;
    for (uint32_t id = 1; id < reg->ntypes; id++) {
        reg->chain[id] = 0;
        uint32_t name = reg->types[id].name;
        if (!name)
            continue;
        index_insert(reg, id, reg->name_hash[id]);
        reg->nnamed++;
    }
}

/* Rebuild buckets and chains for nbuckets buckets in a new array. */
static int index_resize(tyr_registry *reg, uint32_t nbuckets)
{
    uint32_t *b = calloc(nbuckets, sizeof(*b));
    if (!b)
        return TYR_ENOMEM;
    free(reg->buckets);
    reg->buckets = b;
    index_refill(reg, nbuckets);
    return 0;
}

/* Building: the bucket's chain from its head (or from below's successor when below is a
 * type of this name, as in a tyr_find_next loop), every id lower than the one before. */
static uint32_t chain_below(const tyr_registry *reg, const char *name, uint32_t below)
{
    uint32_t id, hash = tyr__name_hash(name);
    if (below < reg->ntypes && reg->types[below].name && reg->name_hash[below] == hash &&
        !strcmp(reg->strs + reg->types[below].name, name))
        id = reg->chain[below];
    else
        id = reg->buckets[hash & (reg->nbuckets - 1)];
    /* the kept hashes tell most other names of the bucket apart without reading them */
    for (; id; id = reg->chain[id])
        if (id < below && reg->name_hash[id] == hash &&
            !strcmp(reg->strs + reg->types[id].name, name))
            return id;
    return 0;
}

/* Mapped: the bucket's run of NAMED from its end down. A checked index has the run
 * increasing, so the first id below `below` that matches is the highest; on any other
 * SAFE-checked index the result is still lower than below, so callers' loops end. */
static uint32_t run_below(const tyr_registry *reg, const char *name, uint32_t below)
{
    uint32_t b = tyr__name_hash(name) & (reg->nbuckets - 1);
    uint32_t lo = reg->starts[b], j = reg->starts[b + 1];
    while (j > lo) {
        uint32_t id = reg->named[--j];
        if (id >= below || id >= reg->ntypes)
            continue;
        /* most names of a bucket differ from the one asked in their first byte: tell them
         * apart without a call */
        const char *s = tyr__str(reg, reg->types[id].name);
        if (s[0] == name[0] && !strcmp(s + 1, name + 1))
            return id;
    }
    return 0;
}

uint32_t tyr__name_below(const tyr_registry *reg, const char *name, uint32_t below)
{
    if (!name || !*name || !reg->nbuckets)
        return 0;
    return reg->mode == TYR_MODE_MAPPED ? run_below(reg, name, below)
                                        : chain_below(reg, name, below);
}

/* Make room for `more` named types, before anything else is committed: at most four names
 * per bucket on average, as in a blob's index (a lookup compares the kept hashes of about
 * two, and the name of the one that matches). */
static int index_reserve(tyr_registry *reg, uint64_t more)
{
    uint64_t need = reg->nnamed + more;
    if (need <= (uint64_t)reg->nbuckets * 4)
        return 0;
    uint64_t n = reg->nbuckets;
    while (n * 4 < need)
        n *= 2;
    if (n > (UINT64_C(1) << 31))
        return TYR_EOVERFLOW;
    return index_resize(reg, (uint32_t)n);
}

/* ---- Snapshots ------------------------------------------------------------------------ */

/* Does changing record id need its old value logged? */
static bool logged(const tyr_registry *reg, uint32_t id)
{
    return id < reg->log_below;
}

/* Room in the undo log for n more records, taken before a builder changes anything. */
static int undo_reserve(tyr_registry *reg, uint32_t n)
{
    if (!reg->open_snapshots)
        return 0;
    return grow((void **)&reg->undo, &reg->cap_undo, (uint64_t)reg->nundo + n,
                sizeof(*reg->undo));
}

/* Log record id's value, and its layout's, before they change (room reserved by
 * undo_reserve). */
static void undo_save(tyr_registry *reg, uint32_t id)
{
    if (!logged(reg, id))
        return;
    const struct tyr_rec_type *r = &reg->types[id];
    reg->undo[reg->nundo++] = (struct tyr_undo){id, *r, *tyr__layout(reg, r)};
}

int tyr_registry_snapshot(tyr_registry *reg, tyr_snapshot *out)
{
    if (!reg || !out)
        return TYR_EINVAL;
    if (reg->mode != TYR_MODE_BUILDING)
        return TYR_EREADONLY;
    *out = (tyr_snapshot){.ntypes = reg->ntypes, .nlayouts = reg->nlayouts,
                          .nfields = reg->nfields,
                          .nenums = reg->nenums, .nparams = reg->nparams,
                          .strs_len = reg->strs_len, .nbuckets = reg->nbuckets,
                          .nnamed = reg->nnamed, .nundo = reg->nundo,
                          .log_below = reg->log_below, .depth = reg->open_snapshots};
    reg->open_snapshots++;
    reg->log_below = reg->ntypes;
    return 0;
}

static void snapshot_close(tyr_registry *reg, const tyr_snapshot *snap)
{
    reg->open_snapshots = snap->depth;
    reg->log_below = snap->log_below;
    if (!reg->open_snapshots)
        reg->nundo = 0;
}

void tyr_registry_release(tyr_registry *reg, const tyr_snapshot *snap)
{
    if (reg && snap && reg->mode == TYR_MODE_BUILDING && reg->open_snapshots == snap->depth + 1)
        snapshot_close(reg, snap);
}

/* Re-creates the intern set from the string table in place (its capacity only grew since
 * the snapshot, so everything fits without allocating). */
static void intern_refill(tyr_registry *reg)
{
    memset(reg->intern_tag, 0, (size_t)reg->intern_cap * sizeof(*reg->intern_tag));
    reg->intern_used = 0;
    for (uint32_t off = 1; off < reg->strs_len;) {
        size_t len = strlen(reg->strs + off);
        intern_place(reg->intern, reg->intern_tag, reg->intern_cap, off,
                     hash_bytes(reg->strs + off, len));
        reg->intern_used++;
        off += (uint32_t)len + 1;
    }
}

void tyr_registry_rollback(tyr_registry *reg, const tyr_snapshot *snap)
{
    if (!reg || !snap || reg->mode != TYR_MODE_BUILDING ||
        reg->open_snapshots != snap->depth + 1)
        return;
    while (reg->nundo > snap->nundo) {
        const struct tyr_undo *u = &reg->undo[--reg->nundo];
        reg->types[u->id] = u->old;
        if (tyr__has_layout(u->old.kind) && u->old.b && u->old.b < reg->nlayouts)
            reg->layouts[u->old.b] = u->old_layout;
    }
    reg->ntypes = snap->ntypes;
    reg->nlayouts = snap->nlayouts;
    reg->nfields = snap->nfields;
    reg->nenums = snap->nenums;
    /* the escapes of the records dropped: the tables are sorted by record */
    while (reg->nwfields && reg->wfields[reg->nwfields - 1].field >= reg->nfields)
        reg->nwfields--;
    while (reg->nwenums && reg->wenums[reg->nwenums - 1].enumerator >= reg->nenums)
        reg->nwenums--;
    reg->nparams = snap->nparams;
    if (reg->strs_len != snap->strs_len) {
        reg->strs_len = snap->strs_len;
        if (reg->intern_cap) /* else built from the table when first needed */
            intern_refill(reg);
    }
    if (reg->nbuckets != snap->nbuckets || reg->nnamed != snap->nnamed)
        index_refill(reg, snap->nbuckets);
    /* Ids issued since the snapshot may be issued again for other types: whatever a caller
     * cached by (generation, id) must not match them. */
    reg->generation = tyr__next_generation();
    snapshot_close(reg, snap);
}

uint64_t tyr__next_generation(void)
{
    static _Atomic uint64_t last;
    return atomic_fetch_add(&last, 1) + 1;
}

uint64_t tyr_registry_generation(const tyr_registry *reg)
{
    return reg ? reg->generation : 0;
}

/* ---- Type creation -------------------------------------------------------------------- */

static bool valid_id(const tyr_registry *reg, uint32_t id)
{
    return id < reg->ntypes;
}

static int check_building(const tyr_registry *reg)
{
    if (!reg)
        return TYR_EINVAL;
    return reg->mode == TYR_MODE_BUILDING ? 0 : TYR_EREADONLY;
}

/* Append rec with the given name and, for the kinds that have one (tyr__has_layout), its
 * layout record, appended too (so layouts stay in type-id order) and named by rec.b;
 * all-or-nothing. */
static int push_type(tyr_registry *reg, struct tyr_rec_type rec,
                     const struct tyr_rec_layout *layout, const char *name, tyr_type *out)
{
    if (reg->ntypes == UINT32_MAX || (layout && reg->nlayouts == UINT32_MAX))
        return TYR_EOVERFLOW;
    int err = reserve_types(reg, 1);
    if (err)
        return err;
    if (layout && (err = grow((void **)&reg->layouts, &reg->cap_layouts,
                              (uint64_t)reg->nlayouts + 1, sizeof(*reg->layouts))))
        return err;
    struct name n = name_of(name);
    if (n.s && (err = index_reserve(reg, 1)))
        return err;
    if ((err = intern(reg, n, &rec.name)))
        return err;
    if (layout) {
        rec.b = reg->nlayouts;
        reg->layouts[reg->nlayouts++] = *layout;
    }
    uint32_t id = reg->ntypes++;
    reg->types[id] = rec;
    reg->chain[id] = 0;
    reg->name_hash[id] = n.hash;
    if (n.s) {
        index_insert(reg, id, n.hash);
        reg->nnamed++;
    }
    if (out)
        out->id = id;
    return 0;
}

int tyr__append_type(tyr_registry *reg, struct tyr_rec_type rec,
                     const struct tyr_rec_layout *layout, const char *name, uint32_t *id)
{
    tyr_type t;
    int err = push_type(reg, rec, tyr__has_layout(rec.kind) ? layout : NULL, name, &t);
    if (!err)
        *id = t.id;
    return err;
}

int tyr__intern(tyr_registry *reg, const char *s, uint32_t *off)
{
    return intern(reg, name_of(s), off);
}

/* A member table (fields, enumerators or params: a tail space) and a range of it, one
 * record's members; elem is 0 for a space that is not a tail space. */
struct members {
    void **table;
    uint32_t *n, *cap;
    size_t elem;
    uint32_t first, count;
};

static struct members members_of(tyr_registry *reg, unsigned space, uint32_t first,
                                  uint32_t count)
{
    struct members m = {.elem = tyr__tail_stride(space), .first = first, .count = count};
    switch (space) {
    case TYR_SPACE_FIELD:
        m.table = (void **)&reg->fields, m.n = &reg->nfields, m.cap = &reg->cap_fields;
        break;
    case TYR_SPACE_ENUMERATOR:
        m.table = (void **)&reg->enums, m.n = &reg->nenums, m.cap = &reg->cap_enums;
        break;
    case TYR_SPACE_PARAM:
        m.table = (void **)&reg->params, m.n = &reg->nparams, m.cap = &reg->cap_params;
        break;
    default:
        break;
    }
    return m;
}

/*
 * The escape table of a tail space (wide fields, wide enumerators; params have none): its
 * entries start with the 32-bit handle of the record they belong to, sorted by it.
 */
struct wide {
    void **table;
    uint32_t *n, *cap;
    size_t elem; /* 0: the space has no escapes */
};

static struct wide wide_of(const tyr_registry *reg, unsigned space)
{
    tyr_registry *r = (tyr_registry *)(uintptr_t)reg; /* callers that only read take const */
    struct wide w = {0};
    if (space == TYR_SPACE_FIELD)
        w = (struct wide){(void **)&r->wfields, &r->nwfields, &r->cap_wfields,
                          sizeof(*r->wfields)};
    else if (space == TYR_SPACE_ENUMERATOR)
        w = (struct wide){(void **)&r->wenums, &r->nwenums, &r->cap_wenums, sizeof(*r->wenums)};
    return w;
}
_Static_assert(offsetof(struct tyr_rec_wide_field, field) == 0 &&
                   offsetof(struct tyr_rec_wide_enum, enumerator) == 0,
               "an escape starts with its record's handle");

static uint32_t wide_key(const struct wide *w, uint32_t i)
{
    uint32_t key;
    memcpy(&key, (const char *)*w->table + (size_t)i * w->elem, sizeof key);
    return key;
}

/* The first entry whose record is >= key. */
static uint32_t wide_lower(const struct wide *w, uint32_t key)
{
    return w->elem && *w->n ? tyr__escape_bound(*w->table, w->elem, *w->n, key) : 0;
}

/* Room for more entries at the end of w. */
static int wide_reserve(const struct wide *w, uint64_t more)
{
    return w->elem && more ? grow(w->table, w->cap, (uint64_t)*w->n + more, w->elem) : 0;
}

/* Append the escapes of records [first, first + count) of `from` (another table's, or this
 * one's) as those of the records from `to` on, which lie past every record escaped so far.
 * Room was reserved. */
static void wide_copy(const struct wide *dst, const struct wide *src, uint32_t first,
                      uint32_t count, uint32_t to)
{
    if (!dst->elem || !count)
        return;
    uint32_t a = wide_lower(src, first), b = wide_lower(src, first + count);
    for (uint32_t i = a; i < b; i++) {
        char *e = (char *)*dst->table + (size_t)*dst->n * dst->elem;
        uint32_t key = wide_key(src, i) - first + to;
        memcpy(e, (const char *)*src->table + (size_t)i * src->elem, dst->elem);
        memcpy(e, &key, sizeof key);
        (*dst->n)++;
    }
}

/* Escapes of records [first, first + count). */
static uint32_t wide_count(const struct wide *w, uint32_t first, uint32_t count)
{
    return w->elem && count ? wide_lower(w, first + count) - wide_lower(w, first) : 0;
}

int tyr__append_tail(tyr_registry *reg, unsigned space, const tyr_registry *from,
                     uint32_t from_first, uint32_t n, uint32_t *first)
{
    struct members m = members_of(reg, space, 0, 0);
    struct wide w = wide_of(reg, space), fw = wide_of(from, space);
    uint32_t nfrom;
    const unsigned char *recs = tyr__tail_table(from, space, &nfrom);
    if (!m.elem || (uint64_t)from_first + n > nfrom)
        return TYR_EINVAL;
    int err = grow(m.table, m.cap, (uint64_t)*m.n + n, m.elem);
    if (!err)
        err = wide_reserve(&w, wide_count(&fw, from_first, n));
    if (err)
        return err;
    if (n) {
        memcpy((char *)*m.table + (size_t)*m.n * m.elem, recs + (size_t)from_first * m.elem,
               (size_t)n * m.elem);
        wide_copy(&w, &fw, from_first, n, *m.n);
    }
    *first = n ? *m.n : 0;
    *m.n += n;
    return 0;
}

int tyr__field_append(tyr_registry *reg, uint32_t name, uint32_t type, uint64_t offset,
                      uint32_t bit_offset, uint32_t bit_size, uint32_t flags)
{
    struct tyr_rec_field f;
    struct tyr_rec_wide_field wf;
    bool wide = tyr__field_encode(&f, name, type, offset, bit_offset, bit_size, flags, &wf);
    int err = grow((void **)&reg->fields, &reg->cap_fields, (uint64_t)reg->nfields + 1,
                   sizeof(*reg->fields));
    if (!err && wide)
        err = grow((void **)&reg->wfields, &reg->cap_wfields, (uint64_t)reg->nwfields + 1,
                   sizeof(*reg->wfields));
    if (err)
        return err;
    if (wide) {
        wf.field = reg->nfields;
        reg->wfields[reg->nwfields++] = wf;
    }
    reg->fields[reg->nfields++] = f;
    return 0;
}

int tyr__enum_append(tyr_registry *reg, uint32_t name, uint64_t value)
{
    struct tyr_rec_enumerator e;
    struct tyr_rec_wide_enum we;
    bool wide = tyr__enum_encode(&e, name, value, &we);
    int err = grow((void **)&reg->enums, &reg->cap_enums, (uint64_t)reg->nenums + 1,
                   sizeof(*reg->enums));
    if (!err && wide)
        err = grow((void **)&reg->wenums, &reg->cap_wenums, (uint64_t)reg->nwenums + 1,
                   sizeof(*reg->wenums));
    if (err)
        return err;
    if (wide) {
        we.enumerator = reg->nenums;
        reg->wenums[reg->nwenums++] = we;
    }
    reg->enums[reg->nenums++] = e;
    return 0;
}

int tyr_add_int(tyr_registry *reg, const char *name, uint32_t size, uint32_t flags, tyr_type *out)
{
    int err = check_building(reg);
    if (err)
        return err;
    if (!tyr__int_ok(size, flags))
        return TYR_EINVAL;
    struct tyr_rec_type r = {.kind = TYR_KIND_INT, .flags = (uint8_t)flags, .aux = (uint16_t)size,
                             .a = size * 8, .b = size};
    return push_type(reg, r, NULL, name, out);
}

int tyr_add_float(tyr_registry *reg, const char *name, uint32_t size, uint32_t bits, tyr_type *out)
{
    int err = check_building(reg);
    if (err)
        return err;
    if (!tyr__float_ok(size, bits))
        return TYR_EINVAL;
    struct tyr_rec_type r = {.kind = TYR_KIND_FLOAT, .aux = (uint16_t)size, .a = bits, .b = size};
    return push_type(reg, r, NULL, name, out);
}

int tyr_add_ptr(tyr_registry *reg, tyr_type target, tyr_type *out)
{
    int err = check_building(reg);
    if (err)
        return err;
    if (!valid_id(reg, target.id))
        return TYR_EHANDLE;
    struct tyr_rec_type r = {.kind = TYR_KIND_PTR, .aux = (uint16_t)reg->pointer_size,
                             .a = target.id, .b = reg->pointer_size};
    return push_type(reg, r, NULL, NULL, out);
}

int tyr_add_ref(tyr_registry *reg, tyr_type target, uint32_t flags, tyr_type *out)
{
    int err = check_building(reg);
    if (err)
        return err;
    if (flags != TYR_PTR_REF && flags != TYR_PTR_RVREF && flags != TYR_PTR_INVISIBLE)
        return TYR_EINVAL;
    if (!valid_id(reg, target.id))
        return TYR_EHANDLE;
    struct tyr_rec_type r = {.kind = TYR_KIND_PTR, .flags = (uint8_t)flags,
                             .aux = (uint16_t)reg->pointer_size, .a = target.id,
                             .b = reg->pointer_size};
    return push_type(reg, r, NULL, NULL, out);
}

/* What a member or element of type id holds by value: the resolved record, or an error
 * for things that cannot be held by value. */
static int by_value(const tyr_registry *reg, uint32_t id, const struct tyr_rec_type **res,
                    uint32_t *res_id)
{
    int err = tyr__by_value(reg, id, res_id);
    if (!err)
        *res = &reg->types[*res_id];
    return err;
}

/* The layout record of a layout-holding type of a building registry. */
static struct tyr_rec_layout *layout_of(tyr_registry *reg, const struct tyr_rec_type *r)
{
    return &reg->layouts[r->b];
}

/* Marks a record or array as held by value. Needs one undo record reserved. */
static void seal(tyr_registry *reg, uint32_t id)
{
    struct tyr_rec_type *r = &reg->types[id];
    if ((tyr__is_record_kind(r->kind) || r->kind == TYR_KIND_ARRAY) &&
        !(r->flags & TYR_TF_SEALED)) {
        undo_save(reg, id);
        r->flags |= TYR_TF_SEALED;
    }
}

int tyr_add_array(tyr_registry *reg, tyr_type elem, uint32_t count, uint32_t flags, tyr_type *out)
{
    int err = check_building(reg);
    if (err)
        return err;
    if ((flags & ~(uint32_t)TYR_ARRAY_FLEX) || ((flags & TYR_ARRAY_FLEX) && count))
        return TYR_EINVAL;
    const struct tyr_rec_type *e;
    uint32_t eid;
    if ((err = by_value(reg, elem.id, &e, &eid))) {
        /* A struct still being defined (or such an array): an incomplete array, for
         * `struct S (*p)[4]` inside S. Nothing is held by value, nothing is sealed. */
        if (err != TYR_EINCOMPLETE || (flags & TYR_ARRAY_FLEX))
            return err;
        struct tyr_rec_type r = {.kind = TYR_KIND_ARRAY, .flags = TYR_ARRAY_INCOMPLETE,
                                 .a = elem.id};
        struct tyr_rec_layout l = {.count = count};
        return push_type(reg, r, &l, NULL, out);
    }
    if (e->kind == TYR_KIND_ARRAY && (e->flags & TYR_ARRAY_FLEX))
        return TYR_EINCOMPLETE; /* an array of flexible arrays has no size */
    uint64_t esize = tyr__t_size(reg, e);
    if (esize && count > UINT64_MAX / esize)
        return TYR_EOVERFLOW;
    struct tyr_rec_type r = {.kind = TYR_KIND_ARRAY, .flags = (uint8_t)flags,
                             .aux = (uint16_t)tyr__t_align(e), .a = elem.id};
    struct tyr_rec_layout l = {.size = esize * count, .count = count,
                               .rank = tyr__held_rank(reg, e)};
    if ((err = undo_reserve(reg, 1)) || (err = push_type(reg, r, &l, NULL, out)))
        return err;
    seal(reg, eid);
    return 0;
}

/* What a builder naming a type made from another checks first: a building registry, a
 * name, a target in range. */
static int check_named_ref(const tyr_registry *reg, const char *name, uint32_t target)
{
    int err = check_building(reg);
    if (err)
        return err;
    if (!name || !*name)
        return TYR_EINVAL;
    return valid_id(reg, target) ? 0 : TYR_EHANDLE;
}

int tyr_add_typedef(tyr_registry *reg, const char *name, tyr_type target, tyr_type *out)
{
    int err = check_named_ref(reg, name, target.id);
    if (err)
        return err;
    struct tyr_rec_type r = {.kind = TYR_KIND_TYPEDEF, .a = target.id,
                             .b = tyr__resolve(reg, target.id)};
    return push_type(reg, r, NULL, name, out);
}

int tyr_add_qual(tyr_registry *reg, int kind, tyr_type target, tyr_type *out)
{
    int err = check_building(reg);
    if (err)
        return err;
    if (!tyr__is_qual_kind(kind))
        return TYR_EINVAL;
    if (!valid_id(reg, target.id))
        return TYR_EHANDLE;
    uint32_t res = tyr__resolve(reg, target.id);
    if (kind == TYR_KIND_RESTRICT && reg->types[res].kind != TYR_KIND_PTR)
        return TYR_EKIND;
    struct tyr_rec_type r = {.kind = (uint8_t)kind, .a = target.id, .b = res};
    return push_type(reg, r, NULL, NULL, out);
}

int tyr_add_unknown(tyr_registry *reg, const char *name, uint64_t size, tyr_type *out)
{
    int err = check_building(reg);
    if (err)
        return err;
    struct tyr_rec_type r = {.kind = TYR_KIND_UNKNOWN, .aux = 1};
    struct tyr_rec_layout l = {.size = size};
    return push_type(reg, r, &l, name, out);
}

/* ---- Records -------------------------------------------------------------------------- */

static int record_of(const tyr_registry *reg, tyr_struct s, struct tyr_rec_type **rec)
{
    if (!valid_id(reg, s.id))
        return TYR_EHANDLE;
    struct tyr_rec_type *r = &reg->types[s.id];
    if (!tyr__is_record_kind(r->kind))
        return TYR_EKIND;
    *rec = r;
    return 0;
}

/* A struct or union record (flags, alignment, size) appended under name; its handle in *out. */
static int push_record(tyr_registry *reg, int kind, const char *name, uint8_t flags,
                       uint16_t align, uint64_t size, tyr_struct *out)
{
    int err = check_building(reg);
    if (err)
        return err;
    if (!tyr__is_record_kind(kind))
        return TYR_EINVAL;
    struct tyr_rec_type r = {.kind = (uint8_t)kind, .flags = flags, .aux = align};
    struct tyr_rec_layout l = {.size = size};
    tyr_type t;
    if ((err = push_type(reg, r, &l, name, &t)))
        return err;
    if (out)
        out->id = t.id;
    return 0;
}

int tyr_struct_declare(tyr_registry *reg, int kind, const char *name, tyr_struct *out)
{
    return push_record(reg, kind, name, TYR_STRUCT_DECL, 0, 0, out);
}

static int check_layout(uint64_t size, uint32_t align, uint32_t flags)
{
    if (!tyr__struct_ok(align, flags))
        return TYR_EINVAL;
    (void)size;
    return 0;
}

int tyr_struct_new(tyr_registry *reg, int kind, const char *name, uint64_t size, uint32_t align,
                   uint32_t flags, tyr_struct *out)
{
    int err = check_building(reg);
    if (!err)
        err = check_layout(size, align, flags);
    if (err)
        return err;
    return push_record(reg, kind, name, (uint8_t)flags, (uint16_t)align, size, out);
}

int tyr_struct_complete(tyr_registry *reg, tyr_struct s, uint64_t size, uint32_t align,
                        uint32_t flags)
{
    int err = check_building(reg);
    struct tyr_rec_type *r;
    if (err || (err = record_of(reg, s, &r)))
        return err;
    if (!(r->flags & TYR_STRUCT_DECL))
        return TYR_EEXIST;
    if ((err = check_layout(size, align, flags)) || (err = undo_reserve(reg, 1)))
        return err;
    undo_save(reg, s.id);
    r->flags = (uint8_t)flags;
    r->aux = (uint16_t)align;
    layout_of(reg, r)->size = size;
    return 0;
}

/*
 * Make room to append one member to the range (*first, *count) of a member table: if the
 * range is not the table's tail, it is copied to the tail (the old records stay behind as
 * unowned copies, which a pruned write drops). On return the range is the tail and one more
 * record fits. Nothing observable changes on error.
 */
static int member_slot(void **table, uint32_t *n, uint32_t *cap, size_t elem, uint32_t first,
                       uint32_t count, uint32_t *new_first)
{
    bool at_tail = count == 0 || (uint64_t)first + count == *n;
    uint64_t need = (uint64_t)*n + 1 + (at_tail ? 0 : count);
    int err = grow(table, cap, need, elem);
    if (err)
        return err;
    if (at_tail) {
        *new_first = count ? first : *n;
        return 0;
    }
    char *base = *table;
    memcpy(base + (size_t)*n * elem, base + (size_t)first * elem, (size_t)count * elem);
    *new_first = *n;
    *n += count;
    return 0;
}


/* Does the range hold a member named `name`? Every member record starts with its name. */
static bool member_name_taken(const struct members *m, uint32_t name)
{
    const char *rec = (const char *)*m->table + (size_t)m->first * m->elem;
    for (uint32_t i = 0; i < m->count; i++, rec += m->elem) {
        uint32_t at;
        memcpy(&at, rec, sizeof at);
        if (at == name)
            return true;
    }
    return false;
}
_Static_assert(offsetof(struct tyr_rec_field, name) == 0 &&
                   offsetof(struct tyr_rec_enumerator, name) == 0 &&
                   offsetof(struct tyr_rec_param, name) == 0,
               "member_name_taken reads a member's name at its start");

/* What adding one member needs before it commits: its name interned (a name the range
 * holds already is TYR_EEXIST when `unique`), `undo` undo records, and room at the table's
 * tail for the range plus one (*first: where the range starts then). */
static int member_prepare(tyr_registry *reg, const struct members *m, const struct wide *w,
                          bool wide, struct name n, bool unique, uint32_t undo,
                          uint32_t *name_off, uint32_t *first)
{
    uint32_t off = unique ? interned(reg, n) : 0;
    if (off && member_name_taken(m, off))
        return TYR_EEXIST;
    if (m->count == UINT32_MAX)
        return TYR_EOVERFLOW;
    /* room for the range's escapes, should it move, and the new member's (wide: it has one) */
    int err = wide_reserve(w, (uint64_t)wide_count(w, m->first, m->count) + wide);
    err = err ? err : undo_reserve(reg, undo);
    if (!err && !off)
        err = intern(reg, n, &off);
    if (!err) {
        uint32_t n_before = *m->n;
        err = member_slot(m->table, m->n, m->cap, m->elem, m->first, m->count, first);
        if (!err && *first == n_before && m->count) /* moved to the tail: escapes too */
            wide_copy(w, w, m->first, m->count, *first);
    }
    *name_off = off;
    return err;
}

/* Append rec, a member member_prepare made room for, after logging its owner's record;
 * and its escape wrec (its first 4 bytes set here to rec's handle) if not NULL. */
static void member_commit(tyr_registry *reg, const struct members *m, const struct wide *w,
                          uint32_t owner, const void *rec, void *wrec)
{
    undo_save(reg, owner);
    if (wrec) {
        memcpy(wrec, m->n, sizeof(uint32_t));
        memcpy((char *)*w->table + (size_t)*w->n * w->elem, wrec, w->elem);
        (*w->n)++;
    }
    memcpy((char *)*m->table + (size_t)*m->n * m->elem, rec, m->elem);
    (*m->n)++;
}

int tyr__member_fits(uint64_t struct_size, uint64_t tsize, uint64_t offset,
                             uint32_t bit_offset, uint32_t bit_size)
{
    if (bit_size == 0) {
        if (bit_offset)
            return TYR_EINVAL;
        return tsize <= struct_size && offset <= struct_size - tsize ? 0 : TYR_ERANGE;
    }
    if (bit_size > tsize * 8 || bit_offset > tsize * 8 - bit_size)
        return TYR_ERANGE;
    if (offset > struct_size)
        return TYR_ERANGE;
    uint64_t room = struct_size - offset;
    uint64_t need_bits = (uint64_t)bit_offset + bit_size;
    if (room < UINT64_MAX / 8 && room * 8 < need_bits)
        return TYR_ERANGE;
    return 0;
}

/* A member of either sort: flags TYR_FIELD_* (a base: checked by tyr_struct_add_base). */
static int add_member(tyr_registry *reg, tyr_struct s, const char *name, tyr_type type,
                      uint64_t offset, uint32_t bit_offset, uint32_t bit_size, uint32_t flags)
{
    int err = check_building(reg);
    struct tyr_rec_type *r;
    if (err || (err = record_of(reg, s, &r)))
        return err;
    if (r->flags & TYR_STRUCT_DECL)
        return TYR_EINCOMPLETE;
    if (r->flags & TYR_TF_SEALED)
        return TYR_ESEALED;
    if (!valid_id(reg, type.id))
        return TYR_EHANDLE;
    if (tyr__resolve(reg, type.id) == s.id)
        return TYR_ECYCLE;
    const struct tyr_rec_type *ft;
    uint32_t fid;
    if ((err = by_value(reg, type.id, &ft, &fid)))
        return err;
    if (bit_size && ft->kind != TYR_KIND_INT && ft->kind != TYR_KIND_ENUM)
        return TYR_EKIND;
    if ((flags & TYR_FIELD_BASE) && ft->kind != TYR_KIND_STRUCT)
        return TYR_EKIND;
    struct tyr_rec_layout *l = layout_of(reg, r);
    if ((err = tyr__member_fits(l->size, tyr__t_size(reg, ft), offset, bit_offset, bit_size)))
        return err;
    if (offset > TYR_FIELD_OFFSET_MAX)
        return TYR_EOVERFLOW; /* a field record holds 40 bits of byte offset */
    struct members m = members_of(reg, TYR_SPACE_FIELD, r->a, l->count);
    struct wide w = wide_of(reg, TYR_SPACE_FIELD);
    uint32_t name_off, first;
    /* undo room for the record and the member's type sealed */
    struct tyr_rec_field f;
    struct tyr_rec_wide_field wf;
    bool wide = tyr__field_encode(&f, 0, type.id, offset, bit_offset, bit_size, flags, &wf);
    if ((err = member_prepare(reg, &m, &w, wide, name_of(name), true, 2, &name_off, &first)))
        return err;
    f.name = name_off;
    member_commit(reg, &m, &w, s.id, &f, wide ? &wf : NULL);
    r->a = first;
    l->count++;
    uint32_t rank = tyr__held_rank(reg, ft);
    if (rank > l->rank)
        l->rank = rank;
    seal(reg, fid);
    return 0;
}

int tyr_struct_add_field(tyr_registry *reg, tyr_struct s, const char *name, tyr_type type,
                         uint64_t offset, uint32_t bit_offset, uint32_t bit_size)
{
    return add_member(reg, s, name, type, offset, bit_offset, bit_size, 0);
}

int tyr_struct_add_base(tyr_registry *reg, tyr_struct s, tyr_type base, uint64_t offset,
                        uint32_t flags)
{
    if (flags & ~(uint32_t)TYR_FIELD_VIRTUAL)
        return TYR_EINVAL;
    if ((flags & TYR_FIELD_VIRTUAL) && offset)
        return TYR_EINVAL;
    return add_member(reg, s, NULL, base, offset, 0, 0, flags | TYR_FIELD_BASE);
}

/* ---- Enums ---------------------------------------------------------------------------- */

int tyr_enum_new(tyr_registry *reg, const char *name, uint32_t size, uint32_t flags, tyr_type *out)
{
    int err = check_building(reg);
    if (err)
        return err;
    if (!tyr__enum_ok(size, flags))
        return TYR_EINVAL;
    struct tyr_rec_type r = {.kind = TYR_KIND_ENUM, .flags = (uint8_t)flags,
                             .aux = (uint16_t)size};
    struct tyr_rec_layout l = {.size = size};
    return push_type(reg, r, &l, name, out);
}

/* Does value, a two's-complement bit pattern, fit an enum of size bytes? */
int tyr_enum_add(tyr_registry *reg, tyr_type enum_type, const char *name, uint64_t value)
{
    int err = check_building(reg);
    if (err)
        return err;
    if (!valid_id(reg, enum_type.id))
        return TYR_EHANDLE;
    struct tyr_rec_type *r = &reg->types[enum_type.id];
    if (r->kind != TYR_KIND_ENUM)
        return TYR_EKIND;
    if (!name || !*name)
        return TYR_EINVAL;
    struct tyr_rec_layout *l = layout_of(reg, r);
    if (!tyr__enum_value_fits(value, l->size, r->flags & TYR_ENUM_SIGNED))
        return TYR_ERANGE;
    struct members m = members_of(reg, TYR_SPACE_ENUMERATOR, r->a, l->count);
    struct wide w = wide_of(reg, TYR_SPACE_ENUMERATOR);
    uint32_t off, first;
    struct tyr_rec_enumerator e;
    struct tyr_rec_wide_enum we;
    bool wide = tyr__enum_encode(&e, 0, value, &we);
    if ((err = member_prepare(reg, &m, &w, wide, name_of(name), true, 1, &off, &first)))
        return err;
    e.name = off;
    member_commit(reg, &m, &w, enum_type.id, &e, wide ? &we : NULL);
    r->a = first;
    l->count++;
    return 0;
}

/* ---- Functions ------------------------------------------------------------------------ */

int tyr_func_proto_new(tyr_registry *reg, tyr_type ret, uint32_t flags, tyr_type *out)
{
    int err = check_building(reg);
    if (err)
        return err;
    if (flags & ~(uint32_t)TYR_FUNC_VARARGS)
        return TYR_EINVAL;
    if (!valid_id(reg, ret.id))
        return TYR_EHANDLE;
    int k = reg->types[tyr__resolve(reg, ret.id)].kind;
    if (k == TYR_KIND_FUNC || k == TYR_KIND_FUNC_PROTO || k == TYR_KIND_ARRAY)
        return TYR_EKIND; /* C returns neither functions nor arrays */
    struct tyr_rec_type r = {.kind = TYR_KIND_FUNC_PROTO, .flags = (uint8_t)flags, .a = ret.id};
    return push_type(reg, r, NULL, NULL, out);
}

int tyr_func_proto_add_param(tyr_registry *reg, tyr_type proto, const char *name, tyr_type type)
{
    int err = check_building(reg);
    if (err)
        return err;
    if (!valid_id(reg, proto.id) || !valid_id(reg, type.id))
        return TYR_EHANDLE;
    struct tyr_rec_type *r = &reg->types[proto.id];
    if (r->kind != TYR_KIND_FUNC_PROTO)
        return TYR_EKIND;
    int k = reg->types[tyr__resolve(reg, type.id)].kind;
    if (k == TYR_KIND_VOID)
        return TYR_EKIND; /* `(void)` is zero parameters */
    if (r->aux == UINT16_MAX)
        return TYR_EOVERFLOW; /* the record holds 16 bits of parameter count */
    struct members m = members_of(reg, TYR_SPACE_PARAM, r->b, r->aux);
    uint32_t first, off;
    struct wide w = wide_of(reg, TYR_SPACE_PARAM); /* none: params have no escapes */
    if ((err = member_prepare(reg, &m, &w, false, name_of(name), false, 1, &off, &first)))
        return err;
    struct tyr_rec_param p = {.name = off, .type = type.id};
    member_commit(reg, &m, &w, proto.id, &p, NULL);
    r->b = first;
    r->aux++;
    return 0;
}

int tyr_func_new(tyr_registry *reg, const char *name, tyr_type proto, tyr_type *out)
{
    int err = check_named_ref(reg, name, proto.id);
    if (err)
        return err;
    if (reg->types[proto.id].kind != TYR_KIND_FUNC_PROTO)
        return TYR_EKIND;
    struct tyr_rec_type r = {.kind = TYR_KIND_FUNC, .a = proto.id};
    return push_type(reg, r, NULL, name, out);
}

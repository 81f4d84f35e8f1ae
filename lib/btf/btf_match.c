/* SPDX-License-Identifier: MIT */
/*
 * Is this BTF type one the registry already holds? The registry may hold types of an earlier
 * BTF import, of the DWARF importer, or of a caller: they are compared through the public
 * registry API only.
 *
 * Records (struct/union) are compared as the DWARF importer keys them across units: kind,
 * name, size, and per member its name, bit position, bit width and the shape of its type:
 * the chain of kinds (pointers, qualifiers, arrays with their element counts over all
 * dimensions) down to the first named type, whose kind and name (and, for base types, size)
 * must agree; an INT and a FLOAT of one name and size agree (BTF without float support). Two structs of one name
 * that differ only deeper than that are taken as one (as in DWARF import; docs/btf.md).
 * BTF TYPE_TAGs are transparent; a FWD matches a struct or union of its name.
 *
 * Anonymous pointers, qualifiers, arrays and prototypes are shared through a key set over
 * the registry's types (kind, flags, target, count, parameters), each hit checked field by
 * field, so a hash collision never merges two types.
 */
#include <stdlib.h>
#include <string.h>

#include "btf_internal.h"

#define SHAPE_STEPS 16

/* Every registry type named `name` of kind `kind` into t (a tyr_type), highest id first. */
#define EACH_NAMED(reg, name, kind, t)                                                       \
    for (int each_err_ = tyr_find(reg, name, kind, &(t)); !each_err_;                        \
         each_err_ = tyr_find_next(reg, name, kind, t, &(t)))

static int tyr_kind_of_btf(const struct btf_type *t)
{
    switch (btf_kind(t)) {
    case BTF_KIND_INT: return TYR_KIND_INT;
    case BTF_KIND_FLOAT: return TYR_KIND_FLOAT;
    case BTF_KIND_PTR: return TYR_KIND_PTR;
    case BTF_KIND_ARRAY: return TYR_KIND_ARRAY;
    case BTF_KIND_STRUCT: return TYR_KIND_STRUCT;
    case BTF_KIND_UNION: return TYR_KIND_UNION;
    case BTF_KIND_ENUM:
    case BTF_KIND_ENUM64: return TYR_KIND_ENUM;
    case BTF_KIND_FWD: return btf_kflag(t) ? TYR_KIND_UNION : TYR_KIND_STRUCT;
    case BTF_KIND_TYPEDEF: return TYR_KIND_TYPEDEF;
    case BTF_KIND_CONST: return TYR_KIND_CONST;
    case BTF_KIND_VOLATILE: return TYR_KIND_VOLATILE;
    case BTF_KIND_RESTRICT: return TYR_KIND_RESTRICT;
    case BTF_KIND_FUNC_PROTO: return TYR_KIND_FUNC_PROTO;
    case BTF_KIND_FUNC: return TYR_KIND_FUNC;
    default: return -1;
    }
}

/* An array's element count over all its dimensions, and its innermost element: BTF from
 * pahole flattens `char m[2][3][5]` into one array of 30 where DWARF nests three. */
static uint64_t btf_flat_array(const tyr_btf *b, uint32_t *bid)
{
    uint64_t total = 1;
    for (int step = 0; step < SHAPE_STEPS; step++) {
        const struct btf_type *t = *bid ? btf__type_by_id(b->btf, *bid) : NULL;
        if (t && btf_is_type_tag(t)) {
            *bid = t->type;
            continue;
        }
        if (!t || !btf_is_array(t) || total > (UINT64_C(1) << 40))
            break;
        total *= btf_array(t)->nelems;
        *bid = btf_array(t)->type;
    }
    return total;
}

static bool is_base_kind(int kind)
{
    return kind == TYR_KIND_INT || kind == TYR_KIND_FLOAT;
}

/* Whether BTF type bid and registry type rid have the same shape (see above). */
static bool same_shape(const tyr_btf *b, uint32_t bid, const tyr_registry *reg, uint32_t rid)
{
    for (int step = 0; step < SHAPE_STEPS; step++) {
        const struct btf_type *t = bid ? btf__type_by_id(b->btf, bid) : NULL;
        while (t && btf_is_type_tag(t) && step++ < SHAPE_STEPS) {
            bid = t->type;
            t = bid ? btf__type_by_id(b->btf, bid) : NULL;
        }
        if (!bid || !rid)
            return !bid && !rid;
        if (!t)
            return false;
        tyr_type_info ri;
        if (tyr_type_get(reg, (tyr_type){rid}, &ri))
            return false;
        int k = tyr_kind_of_btf(t);
        const char *name = tbtf_name(b, t->name_off);
        /* BTF written without float support (pahole's default before --btf_gen_floats)
         * holds `double` as an INT of the same name and size */
        if (is_base_kind(k) && is_base_kind(ri.kind))
            return !strcmp(name, ri.name) && t->size == ri.size;
        if (k != ri.kind)
            return false;
        switch (k) {
        case TYR_KIND_STRUCT:
        case TYR_KIND_UNION:
        case TYR_KIND_ENUM:
            if (*name)
                return !strcmp(name, ri.name);
            if (btf_is_fwd(t) || ri.name[0])
                return false;
            return t->size == ri.size && btf_vlen(t) == ri.count;
        case TYR_KIND_TYPEDEF:
            return !strcmp(name, ri.name);
        case TYR_KIND_FUNC_PROTO: {
            uint32_t n = btf_vlen(t);
            /* a trailing void parameter is the `...` */
            if (n && !btf_params(t)[n - 1].type)
                n--;
            return n == ri.count;
        }
        case TYR_KIND_ARRAY: {
            tyr_type inner;
            if (btf_flat_array(b, &bid) != tyr_array_flat(reg, (tyr_type){rid}, &inner))
                return false;
            rid = inner.id;
            continue;
        }
        default: /* pointers and qualifiers */
            bid = t->type;
            break;
        }
        rid = ri.target.id;
    }
    return false;
}

static bool same_layout(const tyr_btf *b, const struct btf_type *t, const tyr_registry *reg,
                        uint32_t rid)
{
    tyr_type_info ri;
    if (tyr_type_get(reg, (tyr_type){rid}, &ri) || ri.size != t->size ||
        ri.count != btf_vlen(t))
        return false;
    /* Declared only: the layout is unknown, not equal. */
    if (ri.flags & TYR_STRUCT_DECL)
        return false;
    const struct btf_member *m = btf_members(t);
    for (uint32_t i = 0; i < ri.count; i++) {
        tyr_field_info f;
        if (tyr_field_at(reg, (tyr_type){rid}, i, &f))
            return false;
        uint64_t pos = btf_member_bit_offset(t, i);
        uint32_t width = btf_member_bitfield_size(t, i);
        if (!btf_kflag(t)) {
            /* old-style bitfield: the width and extra offset sit on the member's INT */
            const struct btf_type *mt = btf__type_by_id(b->btf, m[i].type);
            for (int s = 0; mt && s < SHAPE_STEPS && (btf_is_mod(mt) || btf_is_typedef(mt) ||
                                                        btf_is_type_tag(mt)); s++)
                mt = btf__type_by_id(b->btf, mt->type);
            if (mt && btf_is_int(mt) && (btf_int_offset(mt) || btf_int_bits(mt) != mt->size * 8)) {
                pos += btf_int_offset(mt);
                width = btf_int_bits(mt);
            }
        }
        if (strcmp(tbtf_name(b, m[i].name_off), f.name) || f.bit_size != width ||
            f.offset * 8 + f.bit_offset != pos || !same_shape(b, m[i].type, reg, f.type.id))
            return false;
    }
    return true;
}

uint32_t tbtf_match_record(tyr_btf *b, uint32_t id)
{
    const struct btf_type *t = btf__type_by_id(b->btf, id);
    const char *name = t ? tbtf_name(b, t->name_off) : "";
    if (!*name)
        return 0;
    int kind = btf_is_union(t) ? TYR_KIND_UNION : TYR_KIND_STRUCT;
    tyr_type prev;
    EACH_NAMED(b->reg, name, kind, prev)
        if (same_layout(b, t, b->reg, prev.id))
            return prev.id;
    return 0;
}

uint32_t tbtf_match_decl(const tyr_registry *reg, const char *name, int kind)
{
    tyr_type prev;
    if (!*name)
        return 0;
    EACH_NAMED(reg, name, kind, prev) {
        tyr_type_info ri;
        if (!tyr_type_get(reg, prev, &ri) && (ri.flags & TYR_STRUCT_DECL))
            return prev.id;
    }
    return 0;
}

uint32_t tbtf_match_named(const tyr_registry *reg, int kind, const char *name, uint64_t size,
                          uint32_t flags, uint32_t bits, uint32_t target)
{
    tyr_type prev;
    if (!*name)
        return 0;
    EACH_NAMED(reg, name, kind, prev) {
        tyr_type_info ri;
        if (tyr_type_get(reg, prev, &ri))
            continue;
        switch (kind) {
        case TYR_KIND_INT:
        case TYR_KIND_FLOAT:
            if (ri.size == size && ri.flags == flags && ri.bits == bits)
                return prev.id;
            break;
        default: /* TYPEDEF, FUNC */
            if (ri.target.id == target)
                return prev.id;
            break;
        }
    }
    return 0;
}

uint32_t tbtf_match_enum(tyr_btf *b, uint32_t id, uint32_t size, uint32_t flags)
{
    const struct btf_type *t = btf__type_by_id(b->btf, id);
    const char *name = t ? tbtf_name(b, t->name_off) : "";
    tyr_type prev;
    if (!*name)
        return 0;
    EACH_NAMED(b->reg, name, TYR_KIND_ENUM, prev) {
        tyr_type_info ri;
        if (tyr_type_get(b->reg, prev, &ri) || ri.size != size || ri.flags != flags ||
            ri.count != btf_vlen(t))
            continue;
        bool same = true;
        for (uint32_t i = 0; same && i < ri.count; i++) {
            tyr_enumerator_info en;
            uint64_t v;
            const char *name_i = tbtf_enumerator(b, t, i, &v);
            same = !tyr_enumerator_at(b->reg, prev, i, &en) && en.value == v &&
                   !strcmp(en.name, name_i);
        }
        if (same)
            return prev.id;
    }
    return 0;
}

/* ---- Anonymous types ---- */

static uint64_t mix(uint64_t h, uint64_t v)
{
    h ^= v + UINT64_C(0x9e3779b97f4a7c15) + (h << 6) + (h >> 2);
    h ^= h >> 31;
    h *= UINT64_C(0xbf58476d1ce4e5b9);
    h ^= h >> 29;
    return h;
}

static uint64_t mix_str(uint64_t h, const char *s)
{
    uint64_t v = 0xcbf29ce484222325ull; /* FNV-1a */
    for (; s && *s; s++)
        v = (v ^ (unsigned char)*s) * 0x100000001b3ull;
    return mix(h, v);
}

uint64_t tbtf_anon_key(const struct tbtf_anon *a)
{
    uint64_t h = mix(mix(mix(mix(0, (uint64_t)a->kind), a->flags), a->target), a->count);
    if (a->kind == TYR_KIND_FUNC_PROTO)
        for (uint32_t i = 0; i < a->count; i++)
            h = mix_str(mix(h, a->ptypes[i]), a->pnames[i]);
    return h ? h : 1;
}

static bool is_anon_kind(int kind)
{
    return kind == TYR_KIND_PTR || kind == TYR_KIND_ARRAY || kind == TYR_KIND_CONST ||
           kind == TYR_KIND_VOLATILE || kind == TYR_KIND_RESTRICT || kind == TYR_KIND_ATOMIC ||
           kind == TYR_KIND_FUNC_PROTO;
}

static bool equal(const tyr_registry *reg, uint32_t id, const struct tbtf_anon *a)
{
    tyr_type_info ri;
    if (tyr_type_get(reg, (tyr_type){id}, &ri) || ri.kind != a->kind || ri.flags != a->flags ||
        ri.target.id != a->target || ri.count != a->count)
        return false;
    if (a->kind == TYR_KIND_FUNC_PROTO)
        for (uint32_t i = 0; i < a->count; i++) {
            tyr_param_info p;
            if (tyr_param_at(reg, (tyr_type){id}, i, &p) || p.type.id != a->ptypes[i] ||
                strcmp(p.name, a->pnames[i] ? a->pnames[i] : ""))
                return false;
        }
    return true;
}

/* The slot's tag of a key: its high half (the index comes from the low bits), never 0. */
static uint32_t key_tag(uint64_t key)
{
    uint32_t tag = (uint32_t)(key >> 32);
    return tag ? tag : 1;
}

uint32_t tbtf_anon_find(tyr_btf *b, const struct tbtf_anon *a, uint64_t key)
{
    if (!b->keys_cap)
        return 0;
    uint32_t mask = b->keys_cap - 1, tag = key_tag(key);
    for (uint32_t j = (uint32_t)key & mask; b->keys[j].tag; j = (j + 1) & mask)
        if (b->keys[j].tag == tag && equal(b->reg, b->keys[j].id, a))
            return b->keys[j].id;
    return 0;
}

/* A slot holds only the tag: when the table grows, the index is recomputed from the type. */
static int key_of_type(tyr_btf *b, uint32_t id, uint64_t *key);

int tbtf_anon_reserve(tyr_btf *b, uint64_t more)
{
    /* at most 3/4 full */
    uint64_t need = ((uint64_t)b->keys_used + more) * 4 / 3 + 1;
    if (need <= b->keys_cap)
        return 0;
    if (need > (UINT64_C(1) << 31))
        return TYR_ENOMEM;
    uint32_t cap = 4096;
    while (cap < need)
        cap *= 2;
    struct tbtf_key *k = calloc(cap, sizeof *k);
    if (!k)
        return TYR_ENOMEM;
    for (uint32_t i = 0; i < b->keys_cap; i++) {
        uint64_t key;
        if (!b->keys[i].tag)
            continue;
        int err = key_of_type(b, b->keys[i].id, &key);
        if (err) {
            free(k);
            return err;
        }
        uint32_t j = (uint32_t)key & (cap - 1);
        while (k[j].tag)
            j = (j + 1) & (cap - 1);
        k[j] = b->keys[i];
    }
    free(b->keys);
    b->keys = k;
    b->keys_cap = cap;
    return 0;
}

int tbtf_anon_put(tyr_btf *b, uint64_t key, uint32_t id)
{
    if ((uint64_t)(b->keys_used + 1) * 4 >= (uint64_t)b->keys_cap * 3) {
        int err = tbtf_anon_reserve(b, b->keys_used ? b->keys_used : 1024);
        if (err)
            return err;
    }
    uint32_t mask = b->keys_cap - 1, j = (uint32_t)key & mask;
    while (b->keys[j].tag)
        j = (j + 1) & mask;
    b->keys[j].tag = key_tag(key);
    b->keys[j].id = id;
    b->keys_used++;
    return 0;
}

/* The key of registry type id, from the registry as the import computes it from BTF.
 * 0, TYR_EHANDLE, or TYR_ENOMEM (a prototype of more than 64 parameters needs arrays). */
static int key_of_type(tyr_btf *b, uint32_t id, uint64_t *key)
{
    tyr_type_info ri;
    if (tyr_type_get(b->reg, (tyr_type){id}, &ri))
        return TYR_EHANDLE;
    uint32_t small_types[64];
    const char *small_names[64];
    uint32_t *ptypes = small_types;
    const char **pnames = small_names;
    if (ri.kind == TYR_KIND_FUNC_PROTO && ri.count > 64) { /* rare: freed below */
        ptypes = malloc(ri.count * sizeof *ptypes);
        pnames = malloc(ri.count * sizeof *pnames);
    }
    int err = ptypes && pnames ? 0 : TYR_ENOMEM;
    for (uint32_t i = 0; !err && ri.kind == TYR_KIND_FUNC_PROTO && i < ri.count; i++) {
        tyr_param_info p;
        if (tyr_param_at(b->reg, (tyr_type){id}, i, &p)) {
            err = TYR_EHANDLE;
            break;
        }
        ptypes[i] = p.type.id;
        pnames[i] = p.name;
    }
    if (!err) {
        struct tbtf_anon a = {.kind = ri.kind, .flags = ri.flags, .target = ri.target.id,
                              .count = ri.count, .ptypes = ptypes, .pnames = pnames};
        *key = tbtf_anon_key(&a);
    }
    if (ptypes != small_types)
        free(ptypes);
    if (pnames != small_names)
        free(pnames);
    return err;
}

int tbtf_anon_scan(tyr_btf *b)
{
    uint32_t n = tyr_registry_type_count(b->reg);
    for (uint32_t id = b->scanned; id < n; id++) {
        tyr_type_info ri;
        if (tyr_type_get(b->reg, (tyr_type){id}, &ri) || !is_anon_kind(ri.kind) || ri.name[0])
            continue;
        uint64_t key;
        int err = key_of_type(b, id, &key);
        if (!err)
            err = tbtf_anon_put(b, key, id);
        if (err)
            return err;
    }
    b->scanned = n;
    return 0;
}

/* How many own ids of h become anonymous registry types (pointers, qualifiers, arrays,
 * prototypes): what the key set may have to hold for them. */
static uint32_t count_anon(const tyr_btf *h)
{
    uint32_t n = 0;
    for (uint32_t id = h->start; id < h->n; id++) {
        const struct btf_type *t = btf__type_by_id(h->btf, id);
        switch (t ? btf_kind(t) : BTF_KIND_UNKN) {
        case BTF_KIND_PTR:
        case BTF_KIND_ARRAY:
        case BTF_KIND_CONST:
        case BTF_KIND_VOLATILE:
        case BTF_KIND_RESTRICT:
        case BTF_KIND_FUNC_PROTO: n++; break;
        default: break;
        }
    }
    return n;
}

int tbtf_anon_update(tyr_btf *b)
{
    if (b->solo) {
        if (tyr_registry_type_count(b->reg) == b->scanned || b->scanned == 0)
            return 0;
        /* another importer added types: from now on, look for equal types, all of them */
        b->solo = false;
        b->scanned = 0;
    }
    /* A fresh key set is sized once, for the registry's types still to scan and every
     * anonymous type of the chain (the most the import can add), not grown step by step. */
    if (!b->keys_cap) {
        uint64_t more = tyr_registry_type_count(b->reg) - b->scanned;
        for (tyr_btf *h = b; h; h = h->base)
            more += count_anon(h);
        int err = tbtf_anon_reserve(b, more);
        if (err)
            return err;
    }
    return tbtf_anon_scan(b);
}

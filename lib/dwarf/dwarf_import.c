/* SPDX-License-Identifier: MIT */
/*
 * Type import: DWARF type DIEs to registry types, with an explicit work stack (no C
 * recursion in proportion to the input's depth) and dedup by name and layout.
 *
 * The registry's rules shape the algorithm:
 *   - a target needs a handle before whatever refers to it (pointer, typedef, qualifier,
 *     array, prototype): a struct gets its handle by being *declared*, so pointer cycles
 *     (struct Node { struct Node *next; }) close through declared structs;
 *   - a struct or array held by value is sealed: its members must all be added before. So a
 *     struct is *filled* (completed, members added) only after every member type it holds
 *     by value is itself complete.
 * Three jobs drive this:
 *   HANDLE(ref)  give the DIE a type id (structs: declared only, queued to be filled);
 *   FULL(ref)    HANDLE, then, if it resolves to a struct not yet filled, FILL it;
 *   FILL(id)     read the members, FULL every member type, then complete and add members.
 * A HANDLE in progress is marked; meeting it again is a reference cycle that does not pass
 * through a struct (malformed DWARF: TYR_EDWARF). A FILL in progress met by a FULL is a struct
 * holding itself by value (TYR_EDWARF). Each job revisits its frame at most twice, so the loop
 * is bounded by the number of DIEs.
 *
 * Dedup: a struct or union's key is its kind, name, size and a signature of its members
 * (name, offset, bit position, and the chain of tags and names of their types up to the first
 * named type), computed from the DWARF alone before anything is created. So the same struct
 * from many units maps to one id, and two layouts under one name get two. Enums hash their
 * enumerators; typedefs, pointers, qualifiers, arrays and prototypes are keyed by the ids of
 * their targets. Keys are 64-bit XXH3 hashes (a collision would merge two types; see
 * docs/dwarf.md).
 */
#include <stdlib.h>
#include <string.h>

#define XXH_STATIC_LINKING_ONLY /* XXH3_state_t on the stack */
#include <xxhash.h>

#include "dwarf_internal.h"

#define IN_PROGRESS UINT32_MAX

/* ---- Maps ---- */

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= UINT64_C(0xff51afd7ed558ccd);
    x ^= x >> 33;
    return x;
}

static int map_resize(struct tdw_map *m, uint32_t cap);

static int map_grow(struct tdw_map *m)
{
    return map_resize(m, m->cap ? m->cap * 2 : 4096);
}

/* Rehash into cap slots (a power of two larger than the entries). */
static int map_resize(struct tdw_map *m, uint32_t cap)
{
    struct tdw_ment *e = malloc((size_t)cap * sizeof *e);
    if (!e)
        return TYR_ENOMEM;
    for (uint32_t i = 0; i < cap; i++)
        e[i].key = TDW_REF_NONE;
    for (uint32_t i = 0; i < m->cap; i++) {
        if (m->e[i].key == TDW_REF_NONE)
            continue;
        uint32_t j = (uint32_t)mix64(m->e[i].key) & (cap - 1);
        while (e[j].key != TDW_REF_NONE)
            j = (j + 1) & (cap - 1);
        e[j] = m->e[i];
    }
    free(m->e);
    m->e = e;
    m->cap = cap;
    return 0;
}

/* Grow m so that `entries` fit without another rehash. */
static int map_reserve(struct tdw_map *m, uint32_t entries)
{
    if (entries > (UINT32_C(1) << 28))
        entries = UINT32_C(1) << 28;
    uint32_t cap = m->cap ? m->cap : 4096;
    while ((uint64_t)entries * 4 >= (uint64_t)cap * 3)
        cap *= 2;
    /* one allocation of the final size, not one per doubling */
    return cap == m->cap ? 0 : map_resize(m, cap);
}

int tdw_reserve(tyr_dwarf *dw, uint32_t types, uint32_t memo)
{
    int err = map_reserve(&dw->imp.die2type, types);
    return err ? err : map_reserve(&dw->imp.chain_memo, memo);
}

static uint64_t *map_slot(struct tdw_map *m, tdw_ref key, bool insert)
{
    if (insert && (m->used + 1) * 4 >= m->cap * 3 && map_grow(m))
        return NULL;
    if (!m->cap)
        return NULL;
    uint32_t j = (uint32_t)mix64(key) & (m->cap - 1);
    while (m->e[j].key != TDW_REF_NONE) {
        if (m->e[j].key == key)
            return &m->e[j].val;
        j = (j + 1) & (m->cap - 1);
    }
    if (!insert)
        return NULL;
    m->e[j].key = key;
    m->e[j].val = 0;
    m->used++;
    return &m->e[j].val;
}

void tdw_map_prefetch(const tyr_dwarf *dw, tdw_ref ref)
{
#if defined(__GNUC__)
    const struct tdw_map *ms[2] = {&dw->imp.die2type, &dw->imp.chain_memo};
    for (int i = 0; i < 2; i++)
        if (ms[i]->cap)
            __builtin_prefetch(&ms[i]->e[(uint32_t)mix64(ref) & (ms[i]->cap - 1)]);
#else
    (void)dw;
    (void)ref;
#endif
}

/* Mapped id of ref, or 0 with *found false (IN_PROGRESS counts as not mapped). */
static bool mapped(tyr_dwarf *dw, tdw_ref ref, uint32_t *id)
{
    if (ref == TDW_REF_NONE) {
        *id = 0;
        return true;
    }
    uint64_t *v = map_slot(&dw->imp.die2type, ref, false);
    if (!v || *v == IN_PROGRESS)
        return false;
    *id = (uint32_t)*v;
    return true;
}

static int map_set(tyr_dwarf *dw, tdw_ref ref, uint32_t id)
{
    uint64_t *v = map_slot(&dw->imp.die2type, ref, true);
    if (!v)
        return TYR_ENOMEM;
    *v = id;
    return 0;
}

static struct tdw_key *key_slot(struct tdw_keyset *s, uint64_t h, uint32_t kind, bool insert)
{
    if (insert && (s->used + 1) * 4 >= s->cap * 3) {
        uint32_t cap = s->cap ? s->cap * 2 : 1024;
        struct tdw_key *n = calloc(cap, sizeof *n);
        if (!n)
            return NULL;
        for (uint32_t i = 0; i < s->cap; i++) {
            if (!s->slots[i].kind)
                continue;
            uint32_t j = (uint32_t)s->slots[i].h & (cap - 1);
            while (n[j].kind)
                j = (j + 1) & (cap - 1);
            n[j] = s->slots[i];
        }
        free(s->slots);
        s->slots = n;
        s->cap = cap;
    }
    if (!s->cap)
        return NULL;
    uint32_t j = (uint32_t)h & (s->cap - 1);
    while (s->slots[j].kind) {
        if (s->slots[j].h == h && s->slots[j].kind == kind)
            return &s->slots[j];
        j = (j + 1) & (s->cap - 1);
    }
    if (!insert)
        return NULL;
    s->slots[j].h = h;
    s->slots[j].kind = kind;
    s->slots[j].id = 0;
    s->used++;
    return &s->slots[j];
}

/* Look up a structural key; *id = 0 when absent. */
static uint32_t dedup_get(tyr_dwarf *dw, uint32_t kind, uint64_t h)
{
    struct tdw_key *k = key_slot(&dw->imp.dedup, h, kind + 1, false);
    return k ? k->id : 0;
}

static int dedup_put(tyr_dwarf *dw, uint32_t kind, uint64_t h, uint32_t id)
{
    struct tdw_key *k = key_slot(&dw->imp.dedup, h, kind + 1, true);
    if (!k)
        return TYR_ENOMEM;
    k->id = id;
    return 0;
}

/* Incremental key hashing. */
/* The key bytes are gathered in a buffer and hashed in one XXH3_64bits() call: the same
 * value as streaming them through XXH3_64bits_update() (XXH3 guarantees it), without the
 * cost of a streaming reset and an update per 8-byte field. Keys longer than the buffer
 * (large structs) stream it out as it fills. */
typedef struct hstate {
    size_t n;              /* bytes in buf */
    bool spilled;          /* st holds the bytes before buf */
    unsigned char buf[512];
    XXH3_state_t st;
} hstate;
static void h_reset(hstate *s)
{
    s->n = 0;
    s->spilled = false;
}
static void h_bytes(hstate *s, const void *p, size_t len)
{
    if (s->n + len > sizeof s->buf) {
        if (!s->spilled) {
            XXH3_64bits_reset(&s->st);
            s->spilled = true;
        }
        XXH3_64bits_update(&s->st, s->buf, s->n);
        s->n = 0;
        if (len > sizeof s->buf) {
            XXH3_64bits_update(&s->st, p, len);
            return;
        }
    }
    memcpy(s->buf + s->n, p, len);
    s->n += len;
}
static uint64_t h_digest(hstate *s)
{
    if (!s->spilled)
        return XXH3_64bits(s->buf, s->n);
    XXH3_64bits_update(&s->st, s->buf, s->n);
    s->n = 0;
    return XXH3_64bits_digest(&s->st);
}
static void h_u64(hstate *s, uint64_t v)
{
    h_bytes(s, &v, sizeof v);
}
static void h_str(hstate *s, const char *p)
{
    if (p)
        h_bytes(s, p, strlen(p) + 1);
    else
        h_u64(s, 0x6e6f6e616d65ull);
}

/* Per type id bookkeeping (grown with the registry). */
static int ids_reserve(tyr_dwarf *dw, uint32_t id)
{
    if (id < dw->imp.cap_ids)
        return 0;
    uint32_t cap = dw->imp.cap_ids ? dw->imp.cap_ids : 1024;
    while (cap <= id)
        cap *= 2;
    tdw_ref *r = realloc(dw->imp.fill_ref, (size_t)cap * sizeof *r);
    if (!r)
        return TYR_ENOMEM;
    dw->imp.fill_ref = r;
    uint8_t *f = realloc(dw->imp.filling, cap);
    if (!f)
        return TYR_ENOMEM;
    dw->imp.filling = f;
    for (uint32_t i = dw->imp.cap_ids; i < cap; i++) {
        dw->imp.fill_ref[i] = TDW_REF_NONE;
        dw->imp.filling[i] = 0;
    }
    dw->imp.cap_ids = cap;
    return 0;
}

void tdw_import_forget(tyr_dwarf *dw)
{
    free(dw->imp.die2type.e);
    memset(&dw->imp.die2type, 0, sizeof dw->imp.die2type);
    free(dw->imp.dedup.slots);
    memset(&dw->imp.dedup, 0, sizeof dw->imp.dedup);
    free(dw->imp.fill_ref);
    free(dw->imp.filling);
    dw->imp.fill_ref = NULL;
    dw->imp.filling = NULL;
    dw->imp.cap_ids = 0;
    dw->imp.reg = NULL;
    dw->imp.reg_gen = 0;
    dw->imp.reg_types = 0;
}

int tdw_bind(tyr_dwarf *dw, tyr_registry *reg)
{
    /* Keyed by the registry's generation, not its address: a registry freed and another
     * made at the same address, or a rollback, must not find this one's DIE -> type map. */
    uint64_t gen = tyr_registry_generation(reg);
    if (dw->imp.reg_gen != gen || tyr_registry_type_count(reg) < dw->imp.reg_types)
        tdw_import_forget(dw);
    dw->imp.reg = reg;
    dw->imp.reg_gen = gen;
    return 0;
}

void tdw_unbind(tyr_dwarf *dw)
{
    if (dw->imp.reg)
        dw->imp.reg_types = tyr_registry_type_count(dw->imp.reg);
}

/* ---- The work stack ---- */

enum { J_HANDLE, J_FULL, J_FILL };

struct tdw_job {
    tdw_ref ref;
    tdw_ref target;     /* HANDLE of ptr/typedef/qual/array/proto: the target DIE */
    const char *name;
    uint64_t size;
    uint32_t id;        /* FILL: the struct */
    uint32_t ifirst, icount; /* items owned by this frame */
    uint32_t flags;
    uint16_t tag;
    uint8_t kind, stage;
};

/* Members of a struct being filled, dimensions of an array, parameters of a prototype. */
struct tdw_item {
    const char *name;
    tdw_ref type;
    uint64_t off;       /* member: byte offset; dimension: count */
    uint32_t bit_off, bit_size;
    uint32_t flags;     /* dimension: 1 = flexible; member: ITEM_* */
};
enum { ITEM_BITFIELD = 1, ITEM_BASE = 2, ITEM_VBASE = 4 };

struct ctx {
    tyr_dwarf *dw;
    tyr_registry *reg;
    tyr_diag *diag;
    struct tdw_scratch s; /* the handle's buffers, lent for one import and handed back */
    uint32_t njobs, nitems, npending;
};

static int push_job(struct ctx *c, int kind, tdw_ref ref, uint32_t id)
{
    struct tdw_job *jobs = tdw_grow(c->s.jobs, &c->s.cap_jobs, (uint64_t)c->njobs + 1, sizeof *jobs, 64);
    if (!jobs)
        return TYR_ENOMEM;
    c->s.jobs = jobs;
    struct tdw_job *j = &c->s.jobs[c->njobs++];
    memset(j, 0, sizeof *j);
    j->kind = (uint8_t)kind;
    j->ref = ref;
    j->target = TDW_REF_NONE;
    j->id = id;
    j->ifirst = c->nitems;
    return 0;
}

static struct tdw_item *push_item(struct ctx *c)
{
    struct tdw_item *items = tdw_grow(c->s.items, &c->s.cap_items, (uint64_t)c->nitems + 1,
                                  sizeof *items, 256);
    if (!items)
        return NULL;
    c->s.items = items;
    struct tdw_item *it = &c->s.items[c->nitems++];
    memset(it, 0, sizeof *it);
    it->type = TDW_REF_NONE;
    return it;
}

static void pop_job(struct ctx *c)
{
    c->nitems = c->s.jobs[c->njobs - 1].ifirst;
    c->njobs--;
}

/* The registry refused what the DWARF describes: for input that is the input's fault
 * (TYR_EDWARF, naming the registry's reason), except running out of memory. */
static int reg_fail(struct ctx *c, int err, tdw_ref ref, const char *what)
{
    int code = (err == TYR_ENOMEM || err == TYR_EOVERFLOW) ? err : TYR_EDWARF;
    return tyr_diag_set(c->diag, code, tdw_ref_off(ref), "DIE 0x%llx: %s: %s",
                    (unsigned long long)tdw_ref_off(ref), what, tyr_strerror(err));
}

static int oom(struct ctx *c)
{
    return tyr_diag_set(c->diag, TYR_ENOMEM, 0, "out of memory");
}

static int add_unknown(struct ctx *c, const struct tdw_die *d, uint64_t size)
{
    tyr_type t;
    int err = tyr_add_unknown(c->reg, d->name, size, &t);
    if (err)
        return reg_fail(c, err, d->ref, "unknown type");
    return map_set(c->dw, d->ref, t.id) ? oom(c) : 0;
}

/* ---- Base types ---- */

static int do_base(struct ctx *c, const struct tdw_die *d)
{
    uint64_t size = d->byte_size;
    uint64_t enc = d->encoding;
    uint32_t kind = 0, flags = 0, bits = 0;
    if (!(d->has & TDW_HAS_BYTE_SIZE))
        return add_unknown(c, d, 0);
    switch (enc) {
    case DW_ATE_boolean: kind = TYR_KIND_INT; flags = TYR_INT_BOOL; break;
    case DW_ATE_signed: kind = TYR_KIND_INT; flags = TYR_INT_SIGNED; break;
    case DW_ATE_unsigned: kind = TYR_KIND_INT; break;
    case DW_ATE_signed_char: kind = TYR_KIND_INT; flags = TYR_INT_SIGNED | TYR_INT_CHAR; break;
    case DW_ATE_unsigned_char: kind = TYR_KIND_INT; flags = TYR_INT_CHAR; break;
    case DW_ATE_UTF: kind = TYR_KIND_INT; break;
    case DW_ATE_float:
        kind = TYR_KIND_FLOAT;
        bits = size == 4 ? 32 : size == 8 ? 64 : 0;
        if (size == 16)
            bits = d->name && strstr(d->name, "long double") ? 80 : 128;
        if (size == 10 || size == 12) /* x87 long double on 32-bit ABIs: no float record */
            bits = 0;
        break;
    default:
        break;
    }
    /* "char" is plain char: signed or not per the DWARF encoding. */
    uint64_t h;
    hstate s;
    h_reset(&s);
    h_str(&s, d->name);
    h_u64(&s, size);
    h_u64(&s, enc);
    h = h_digest(&s);
    uint32_t id = dedup_get(c->dw, TYR_KIND_INT, h);
    if (id)
        return map_set(c->dw, d->ref, id) ? oom(c) : 0;
    tyr_type t = {0};
    int err = TYR_EINVAL;
    if (kind == TYR_KIND_INT && size <= 16)
        err = tyr_add_int(c->reg, d->name, (uint32_t)size, flags, &t);
    else if (kind == TYR_KIND_FLOAT && bits)
        err = tyr_add_float(c->reg, d->name, (uint32_t)size, bits, &t);
    if (err == TYR_EINVAL) /* complex, decimal, fixed point, odd sizes: explicit unknown */
        err = tyr_add_unknown(c->reg, d->name, size, &t);
    if (err)
        return reg_fail(c, err, d->ref, "base type");
    if (dedup_put(c->dw, TYR_KIND_INT, h, t.id) || map_set(c->dw, d->ref, t.id))
        return oom(c);
    return 0;
}

/* ---- Enums ---- */

static int do_enum(struct ctx *c, const struct tdw_die *d, Dwarf_Die die)
{
    tyr_dwarf *dw = c->dw;
    uint64_t size = d->byte_size;
    if (!(d->has & TDW_HAS_BYTE_SIZE) || (size != 1 && size != 2 && size != 4 && size != 8))
        return add_unknown(c, d, (d->has & TDW_HAS_BYTE_SIZE) ? size : 0);
    bool is_signed = false, known = false;
    if (d->has & TDW_HAS_TYPE) {
        /* DWARF 5 / gcc, clang: the underlying type says the signedness. Follow typedefs. */
        struct tdw_die u;
        tdw_ref r = d->type;
        for (int hop = 0; hop < 8 && r != TDW_REF_NONE; hop++) {
            int err = tdw_read(dw, r, &u, NULL, c->diag);
            if (err)
                return err;
            if (u.tag == DW_TAG_base_type) {
                is_signed = u.encoding == DW_ATE_signed || u.encoding == DW_ATE_signed_char;
                known = true;
                break;
            }
            r = (u.has & TDW_HAS_TYPE) ? u.type : TDW_REF_NONE;
        }
    }
    /* Read the enumerators once into items (name, raw value, signed form). */
    uint32_t first = c->nitems;
    struct tdw_kids k;
    struct tdw_die e;
    int got = tdw_kids_first(dw, d->ref, die, &k, &e, c->diag);
    for (; got == 1; got = tdw_kids_next(dw, &k, &e, c->diag)) {
        if (e.tag != DW_TAG_enumerator || !(e.has & TDW_HAS_CONST))
            continue;
        struct tdw_item *it = push_item(c);
        if (!it) {
            tdw_kids_end(&k);
            return oom(c);
        }
        it->name = e.name;
        it->off = e.const_value;
        it->flags = (e.has & TDW_CONST_SIGNED) ? 1u : 0u;
        if (!known && it->flags && (int64_t)e.const_value < 0)
            is_signed = true;
    }
    tdw_kids_end(&k);
    if (got < 0)
        return got;
    unsigned bits = (unsigned)size * 8;
    hstate s;
    h_reset(&s);
    h_str(&s, d->name);
    h_u64(&s, size | (is_signed ? 0x100u : 0));
    for (uint32_t i = first; i < c->nitems; i++) {
        struct tdw_item *it = &c->s.items[i];
        uint64_t v = it->off;
        if (bits < 64) {
            v &= (UINT64_C(1) << bits) - 1;
            if (is_signed && (v >> (bits - 1)))
                v |= ~((UINT64_C(1) << bits) - 1); /* sign-extend a dataN form */
        }
        it->off = v;
        h_str(&s, it->name);
        h_u64(&s, v);
    }
    uint64_t h = h_digest(&s);
    uint32_t id = dedup_get(dw, TYR_KIND_ENUM, h);
    if (!id) {
        tyr_type t;
        int err = tyr_enum_new(c->reg, d->name, (uint32_t)size, is_signed ? TYR_ENUM_SIGNED : 0, &t);
        if (err)
            return reg_fail(c, err, d->ref, "enum");
        for (uint32_t i = first; i < c->nitems && !err; i++) {
            err = tyr_enum_add(c->reg, t, c->s.items[i].name, c->s.items[i].off);
            if (err == TYR_EEXIST || err == TYR_EINVAL)
                err = 0; /* duplicate or unnamed enumerator: C forbids it, keep the first */
        }
        if (err)
            return reg_fail(c, err, d->ref, "enumerator");
        id = t.id;
        if (dedup_put(dw, TYR_KIND_ENUM, h, id))
            return oom(c);
    }
    c->nitems = first;
    return map_set(dw, d->ref, id) ? oom(c) : 0;
}

/* ---- Struct signature (DWARF only, before anything is created) ---- */

static uint64_t chain_end_hash(const struct tdw_die *t)
{
    hstate one;
    h_reset(&one);
    h_u64(&one, t->tag);
    if (t->name)
        h_str(&one, t->name);
    h_u64(&one, t->byte_size);
    return h_digest(&one);
}

static bool is_chain_end(const struct tdw_die *t)
{
    return t->name || t->tag == DW_TAG_structure_type || t->tag == DW_TAG_union_type ||
           t->tag == DW_TAG_class_type || t->tag == DW_TAG_enumeration_type;
}

/* A DIE that ends a chain (named, or an anonymous record: its members are not followed)
 * hashes from what was just read: remember it so that members referring to it need not
 * read it again. */
static void memo_chain_end(struct ctx *c, const struct tdw_die *t)
{
    if (!is_chain_end(t) || map_slot(&c->dw->imp.chain_memo, t->ref, false))
        return;
    uint64_t *v = map_slot(&c->dw->imp.chain_memo, t->ref, true);
    if (v)
        *v = chain_end_hash(t);
}

/*
 * The signature of a member's type: chain(r) = H(tag, name, size) when r is named or an
 * anonymous record, else H(tag, chain(target)) (void: a constant). Memoized per DIE, and
 * defined link by link so that the memo can be used at any link whatever the order in which
 * chains are met. Chains longer than 16 links (malformed) hash as a constant.
 */
static int hash_type_chain(struct ctx *c, tdw_ref r, hstate *s)
{
    tdw_ref refs[16];
    uint16_t tags[16];
    int n = 0;
    uint64_t h = 0x766f6964; /* void */
    for (;; n++) {
        if (r == TDW_REF_NONE)
            break;
        uint64_t *v = map_slot(&c->dw->imp.chain_memo, r, false);
        if (v) {
            h = *v;
            break;
        }
        if (n == 16) {
            h = 0xdeeb;
            break;
        }
        struct tdw_die t;
        int err = tdw_read(c->dw, r, &t, NULL, c->diag);
        if (err)
            return err;
        if (is_chain_end(&t)) {
            h = chain_end_hash(&t);
            memo_chain_end(c, &t);
            break;
        }
        refs[n] = r;
        tags[n] = t.tag;
        r = (t.has & TDW_HAS_TYPE) ? t.type : TDW_REF_NONE;
    }
    for (int i = n; i > 0; i--) {
        hstate one;
        h_reset(&one);
        h_u64(&one, tags[i - 1]);
        h_u64(&one, h);
        h = h_digest(&one);
        uint64_t *v = map_slot(&c->dw->imp.chain_memo, refs[i - 1], true);
        if (!v)
            return oom(c);
        *v = h;
    }
    h_u64(s, h);
    return 0;
}

/* Bit position of a bitfield member from the start of the struct (both encodings).
 * DWARF 4/5 DW_AT_data_bit_offset counts from the struct's first bit. DWARF 2/3
 * DW_AT_bit_offset counts from the most significant bit of a storage unit of
 * DW_AT_byte_size bytes at DW_AT_data_member_location: on a little-endian target the
 * field's lowest bit is at unit_bits - bit_offset - bit_size from the unit's start. */
static bool bit_position(const struct tdw_die *m, uint64_t type_size, uint64_t *pos)
{
    if (m->has & TDW_HAS_DATA_BIT_OFFSET) {
        *pos = m->data_bit_offset + ((m->has & TDW_HAS_MEMBER_LOC) ? m->member_loc * 8 : 0);
        return true;
    }
    if (m->has & TDW_HAS_BIT_OFFSET) {
        uint64_t unit = (m->has & TDW_HAS_BYTE_SIZE) ? m->byte_size : type_size;
        uint64_t ubits = unit * 8;
        if (m->bit_offset + m->bit_size > ubits)
            return false;
        uint64_t base = (m->has & TDW_HAS_MEMBER_LOC) ? m->member_loc : 0;
        *pos = base * 8 + (ubits - m->bit_offset - m->bit_size);
        return true;
    }
    *pos = ((m->has & TDW_HAS_MEMBER_LOC) ? m->member_loc : 0) * 8;
    return true;
}

/* Read a struct's data members into items of the frame; fail = unsupported layout. */
static int read_members(struct ctx *c, const struct tdw_die *d, Dwarf_Die die, hstate *s,
                        bool *unsupported)
{
    tyr_dwarf *dw = c->dw;
    struct tdw_kids k;
    struct tdw_die m;
    int err = 0;
    int got = tdw_kids_first(dw, d->ref, die, &k, &m, c->diag);
    for (; got == 1 && !err; got = err ? got : tdw_kids_next(dw, &k, &m, c->diag)) {
        /* C++ static members are DW_TAG_member with DW_AT_declaration (or DW_TAG_variable):
         * not part of the layout. */
        if (m.tag == DW_TAG_member && !(m.has & TDW_DECL)) {
            struct tdw_item *it = push_item(c);
            if (!it) {
                tdw_kids_end(&k);
                return oom(c);
            }
            it->name = m.name;
            it->type = (m.has & TDW_HAS_TYPE) ? m.type : TDW_REF_NONE;
            if (m.has & TDW_BAD_MEMBER_LOC)
                *unsupported = true;
            if (m.has & TDW_HAS_BIT_SIZE) {
                /* Keep what is needed to place it once the type size is known. */
                uint64_t pos = 0;
                uint64_t unit = (m.has & TDW_HAS_BYTE_SIZE) ? m.byte_size : 0;
                if (m.has & TDW_HAS_BIT_OFFSET && !unit) {
                    /* the storage unit is the type's size: read it now */
                    struct tdw_die t;
                    tdw_ref r = it->type;
                    for (int hop = 0; hop < 8 && r != TDW_REF_NONE; hop++) {
                        if ((err = tdw_read(dw, r, &t, NULL, c->diag)))
                            break;
                        if (t.has & TDW_HAS_BYTE_SIZE) {
                            unit = t.byte_size;
                            break;
                        }
                        r = (t.has & TDW_HAS_TYPE) ? t.type : TDW_REF_NONE;
                    }
                }
                if (!err && !bit_position(&m, unit, &pos))
                    *unsupported = true;
                it->off = pos;     /* absolute bit position for now */
                it->bit_size = (uint32_t)(m.bit_size > UINT32_MAX ? 0 : m.bit_size);
                it->flags = ITEM_BITFIELD;
            } else {
                it->off = (m.has & TDW_HAS_MEMBER_LOC) ? m.member_loc : 0;
            }
            if (!err) {
                h_str(s, it->name);
                h_u64(s, it->off);
                h_u64(s, it->bit_size);
                err = hash_type_chain(c, it->type, s);
            }
        } else if (m.tag == DW_TAG_inheritance) {
            /* A C++ base: a member flagged as one. A virtual base's location is an
             * expression that reads the vtable (DW_AT_virtuality says so): no offset. */
            uint64_t virt = 0;
            if (m.has & TDW_BAD_MEMBER_LOC) {
                int r = tdw_cxx_attr_udata(dw, m.ref, DW_AT_virtuality, &virt, c->diag);
                if (r < 0) {
                    err = r;
                    break;
                }
                if (r == 0 || virt == DW_VIRTUALITY_none)
                    *unsupported = true; /* a non-constant location, not virtual */
            }
            struct tdw_item *it = push_item(c);
            if (!it) {
                tdw_kids_end(&k);
                return oom(c);
            }
            it->type = (m.has & TDW_HAS_TYPE) ? m.type : TDW_REF_NONE;
            it->flags = virt ? ITEM_VBASE : ITEM_BASE;
            it->off = virt ? 0 : (m.has & TDW_HAS_MEMBER_LOC) ? m.member_loc : 0;
            h_u64(s, 0xba5e0000u | it->flags);
            h_u64(s, it->off);
            err = hash_type_chain(c, it->type, s);
        } else if (m.tag == DW_TAG_variant_part) {
            *unsupported = true; /* Rust/Ada variants: not expressed */
        }
    }
    tdw_kids_end(&k);
    if (err)
        return err;
    return got < 0 ? got : 0;
}

/* Find the definition for a declaration (same tag family, by name, first in unit order). */
static bool is_definition_of(const struct tdw_entry *e, void *arg)
{
    const struct tdw_die *d = arg;
    if (e->decl)
        return false;
    if (d->tag == DW_TAG_enumeration_type)
        return e->tag == DW_TAG_enumeration_type;
    if (d->tag == DW_TAG_union_type)
        return e->tag == DW_TAG_union_type;
    return e->tag == DW_TAG_structure_type || e->tag == DW_TAG_class_type;
}

static tdw_ref find_definition(struct ctx *c, const struct tdw_die *d)
{
    if (!d->name)
        return TDW_REF_NONE;
    int err;
    const struct tdw_entry *e =
        tdw_index_first(c->dw, TDW_IX_TYPES, d->name, is_definition_of, (void *)(uintptr_t)d, c->diag, &err);
    return e ? e->ref : TDW_REF_NONE;
}

/* ---- Records the registry holds from elsewhere ----
 *
 * The dedup key above finds the records this DWARF made; a record the registry got from
 * another source (the BTF importer, another DWARF handle, a caller) has no key here, so a
 * DWARF record whose key is new is compared with the registry's complete records of its
 * name and kind before one is made: size, member count, and per member its name, bit
 * position, width and the shape of its type (the chain of pointers, qualifiers and arrays,
 * with arrays' element counts over all their dimensions, down to the first named type,
 * whose kind and name agree, and for base types their size; an anonymous record or enum
 * agrees by size). The rule of the BTF importer's btf_match.c, so that a type imported from
 * BTF and then from DWARF is one type, and two layouts under one name stay two.
 */

/* One data member of the DWARF record: its name (NULL: none), its type's DIE, its bit
 * position from the record's start and its width (0: not a bitfield). */
struct member_shape {
    const char *name;
    tdw_ref type;
    uint64_t bit_pos;
    uint32_t bit_size;
};
/* Member i into *out; false when it cannot be compared (a C++ base): nothing matches then. */
typedef bool (*member_fn)(void *ctx, uint32_t i, struct member_shape *out);

#define SHAPE_STEPS 16

static bool same_name(const char *dwarf, const char *reg)
{
    return !strcmp(dwarf ? dwarf : "", reg);
}

/* Elements of DWARF array DIE a over its subranges (1 for a flexible or variable one, which
 * then only agrees with a registry array of 1: an approximation on the safe side, as a
 * mismatch only keeps two types), or an error. */
static int dwarf_array_count(tyr_dwarf *dw, tdw_ref a, uint64_t *total, tyr_diag *diag)
{
    struct tdw_kids k;
    struct tdw_die s;
    *total = 1;
    int got = tdw_kids_first(dw, a, NULL, &k, &s, diag);
    for (; got == 1; got = tdw_kids_next(dw, &k, &s, diag)) {
        if (s.tag != DW_TAG_subrange_type)
            continue;
        uint64_t n = 0;
        if (s.has & TDW_HAS_COUNT)
            n = s.count;
        else if ((s.has & TDW_HAS_UPPER) && s.upper != UINT64_MAX && s.upper != UINT32_MAX)
            n = s.upper - ((s.has & TDW_HAS_LOWER) ? s.lower : 0) + 1;
        if (*total <= (UINT64_C(1) << 40))
            *total *= n;
    }
    tdw_kids_end(&k);
    return got < 0 ? got : 0;
}

/* Formal parameters of DWARF prototype DIE p, or an error. */
static int dwarf_param_count(tyr_dwarf *dw, tdw_ref p, uint32_t *n, tyr_diag *diag)
{
    struct tdw_kids k;
    struct tdw_die s;
    *n = 0;
    int got = tdw_kids_first(dw, p, NULL, &k, &s, diag);
    for (; got == 1; got = tdw_kids_next(dw, &k, &s, diag))
        *n += s.tag == DW_TAG_formal_parameter;
    tdw_kids_end(&k);
    return got < 0 ? got : 0;
}

static int qual_kind(Dwarf_Half tag)
{
    switch (tag) {
    case DW_TAG_pointer_type: return TYR_KIND_PTR;
    case DW_TAG_const_type: return TYR_KIND_CONST;
    case DW_TAG_volatile_type: return TYR_KIND_VOLATILE;
    case DW_TAG_restrict_type: return TYR_KIND_RESTRICT;
    case DW_TAG_atomic_type: return TYR_KIND_ATOMIC;
    default: return -1;
    }
}

/* Whether DWARF type d and registry type rid have the same shape (above). 1, 0, or an
 * error reading a DIE. */
static int same_shape_of(tyr_dwarf *dw, tdw_ref d, const tyr_registry *reg, uint32_t rid,
                      tyr_diag *diag)
{
    for (int step = 0; step < SHAPE_STEPS; step++) {
        if (d == TDW_REF_NONE || !rid)
            return d == TDW_REF_NONE && !rid;
        struct tdw_die t;
        tyr_type_info ri;
        int err = tdw_read(dw, d, &t, NULL, diag);
        if (err)
            return err;
        if (tyr_type_get(reg, (tyr_type){rid}, &ri))
            return 0;
        tdw_ref next = (t.has & TDW_HAS_TYPE) ? t.type : TDW_REF_NONE;
        int qk = qual_kind(t.tag);
        switch (t.tag) {
        case DW_TAG_base_type:
            return (ri.kind == TYR_KIND_INT || ri.kind == TYR_KIND_FLOAT) &&
                   same_name(t.name, ri.name) && t.byte_size == ri.size;
        case DW_TAG_typedef:
            return ri.kind == TYR_KIND_TYPEDEF && same_name(t.name, ri.name);
        case DW_TAG_structure_type:
        case DW_TAG_class_type:
        case DW_TAG_union_type:
        case DW_TAG_enumeration_type: {
            int k = t.tag == DW_TAG_union_type         ? TYR_KIND_UNION
                    : t.tag == DW_TAG_enumeration_type ? TYR_KIND_ENUM
                                                       : TYR_KIND_STRUCT;
            if (ri.kind != k || !same_name(t.name, ri.name))
                return 0;
            return t.name || t.byte_size == ri.size;
        }
        case DW_TAG_subroutine_type: {
            uint32_t n;
            if (ri.kind != TYR_KIND_FUNC_PROTO)
                return 0;
            if ((err = dwarf_param_count(dw, d, &n, diag)))
                return err;
            return n == ri.count;
        }
        case DW_TAG_array_type: {
            uint64_t n;
            tyr_type inner;
            if (ri.kind != TYR_KIND_ARRAY)
                return 0;
            if ((err = dwarf_array_count(dw, d, &n, diag)))
                return err;
            if (n != tyr_array_flat(reg, (tyr_type){rid}, &inner))
                return 0;
            rid = inner.id;
            d = next;
            continue;
        }
        default:
            if (qk < 0 || ri.kind != qk || (qk == TYR_KIND_PTR && ri.flags))
                return 0; /* references, pointers to members, ...: not compared */
            d = next;
            rid = ri.target.id;
            continue;
        }
    }
    return 0;
}

/* Whether registry record rid is complete with the DWARF record's layout: 1, 0 or an
 * error. */
static int same_layout_of(tyr_dwarf *dw, const tyr_registry *reg, uint32_t rid, uint64_t size,
                       uint32_t n, member_fn member, void *ctx, tyr_diag *diag)
{
    tyr_type_info ri;
    if (tyr_type_get(reg, (tyr_type){rid}, &ri) || (ri.flags & TYR_STRUCT_DECL) ||
        ri.size != size || ri.count != n)
        return 0;
    for (uint32_t i = 0; i < n; i++) {
        struct member_shape m;
        tyr_field_info f;
        if (!member(ctx, i, &m) || tyr_field_at(reg, (tyr_type){rid}, i, &f) || f.flags ||
            !same_name(m.name, f.name) || f.bit_size != m.bit_size ||
            f.offset * 8 + f.bit_offset != m.bit_pos)
            return 0;
        int r = same_shape_of(dw, m.type, reg, f.type.id, diag);
        if (r != 1)
            return r;
    }
    return 1;
}

static uint32_t match_record(tyr_dwarf *dw, const tyr_registry *reg, int kind,
                             const char *name, uint64_t size, uint32_t n, member_fn member,
                             void *ctx, tyr_diag *diag, int *err)
{
    tyr_type t;
    *err = 0;
    if (!name || !*name)
        return 0;
    for (int e = tyr_find(reg, name, kind, &t); !e; e = tyr_find_next(reg, name, kind, t, &t)) {
        int r = same_layout_of(dw, reg, t.id, size, n, member, ctx, diag);
        if (r < 0)
            *err = r;
        if (r)
            return r > 0 ? t.id : 0;
    }
    return 0;
}

/* The items of a record read by read_members, as match_record compares them. */
struct held_items {
    const struct tdw_item *it;
};

static bool held_member(void *ctx, uint32_t i, struct member_shape *out)
{
    const struct tdw_item *it = &((const struct held_items *)ctx)->it[i];
    bool bits = it->flags & ITEM_BITFIELD;
    if (it->flags & (ITEM_BASE | ITEM_VBASE))
        return false;
    *out = (struct member_shape){.name = it->name, .type = it->type,
                                     .bit_pos = bits ? it->off : it->off * 8,
                                     .bit_size = bits ? it->bit_size : 0};
    return true;
}

/* A complete record of d's name and layout the registry holds from another source, or 0
 * (items [first, first + n) of c are d's members). */
static uint32_t held_record(struct ctx *c, const struct tdw_die *d, int kind, uint32_t first,
                           uint32_t n, int *err)
{
    /* no pointer arithmetic on the item array before its first item exists (n is then 0) */
    struct held_items h = {n ? &c->s.items[first] : NULL};
    return match_record(c->dw, c->reg, kind, d->name, d->byte_size, n, held_member, &h, c->diag,
                        err);
}

static int do_record(struct ctx *c, struct tdw_job *j, const struct tdw_die *d, Dwarf_Die die)
{
    tyr_dwarf *dw = c->dw;
    int kind = d->tag == DW_TAG_union_type ? TYR_KIND_UNION : TYR_KIND_STRUCT;
    if ((d->has & TDW_DECL) || !(d->has & TDW_HAS_BYTE_SIZE)) {
        if (j->stage == 0) {
            tdw_ref def = find_definition(c, d);
            if (def != TDW_REF_NONE && def != d->ref) {
                j->stage = 1;
                j->target = def;
                return push_job(c, J_HANDLE, def, 0) ? oom(c) : 0;
            }
        } else {
            uint32_t id;
            if (mapped(dw, j->target, &id))
                return map_set(dw, d->ref, id) ? oom(c) : 0;
        }
        /* Opaque: a declared struct, shared by name. */
        hstate s;
        h_reset(&s);
        h_str(&s, d->name);
        h_u64(&s, 0xdec1);
        uint64_t h = h_digest(&s);
        uint32_t id = dedup_get(dw, (uint32_t)kind, h);
        if (!id) {
            tyr_struct st;
            int err = tyr_struct_declare(c->reg, kind, d->name, &st);
            if (err)
                return reg_fail(c, err, d->ref, "declaration");
            id = st.id;
            if (dedup_put(dw, (uint32_t)kind, h, id))
                return oom(c);
        }
        return map_set(dw, d->ref, id) ? oom(c) : 0;
    }
    hstate s;
    h_reset(&s);
    h_str(&s, d->name);
    h_u64(&s, d->byte_size);
    bool unsupported = false;
    uint32_t first = c->nitems;
    int err = read_members(c, d, die, &s, &unsupported);
    uint32_t nmembers = c->nitems - first;
    c->nitems = first; /* the items stay readable until the next push_item */
    if (err)
        return err;
    if (unsupported)
        return add_unknown(c, d, d->byte_size);
    uint64_t h = h_digest(&s);
    uint32_t id = dedup_get(dw, (uint32_t)kind, h);
    /* not imported from this DWARF yet: one the registry got elsewhere (BTF) may agree */
    if (!id && (id = held_record(c, d, kind, first, nmembers, &err)) != 0 &&
        dedup_put(dw, (uint32_t)kind, h, id))
        return oom(c);
    if (err)
        return err;
    if (id)
        return map_set(dw, d->ref, id) ? oom(c) : 0;
    tyr_struct st;
    err = tyr_struct_declare(c->reg, kind, d->name, &st);
    if (err)
        return reg_fail(c, err, d->ref, "struct");
    if (ids_reserve(dw, st.id) || dedup_put(dw, (uint32_t)kind, h, st.id) ||
        map_set(dw, d->ref, st.id))
        return oom(c);
    dw->imp.fill_ref[st.id] = d->ref;
    uint32_t *p = tdw_grow(c->s.pending, &c->s.cap_pending, (uint64_t)c->npending + 1, sizeof *p, 64);
    if (!p)
        return oom(c);
    c->s.pending = p;
    c->s.pending[c->npending++] = st.id;
    return 0;
}

/* ---- Derived types: one target ---- */

static int create_derived(struct ctx *c, const struct tdw_die *d, uint32_t target)
{
    tyr_dwarf *dw = c->dw;
    int kind;
    switch (d->tag) {
    case DW_TAG_pointer_type: case DW_TAG_reference_type: case DW_TAG_rvalue_reference_type:
        kind = TYR_KIND_PTR;
        break;
    case DW_TAG_typedef: kind = TYR_KIND_TYPEDEF; break;
    case DW_TAG_const_type: kind = TYR_KIND_CONST; break;
    case DW_TAG_volatile_type: kind = TYR_KIND_VOLATILE; break;
    case DW_TAG_restrict_type: kind = TYR_KIND_RESTRICT; break;
    default: kind = TYR_KIND_ATOMIC; break;
    }
    if (kind == TYR_KIND_PTR && (d->has & TDW_HAS_BYTE_SIZE) &&
        d->byte_size != tyr_registry_pointer_size(c->reg))
        return add_unknown(c, d, d->byte_size);
    if (kind == TYR_KIND_RESTRICT &&
        tyr_type_kind(c->reg, tyr_type_strip(c->reg, (tyr_type){target}, TYR_STRIP_ALL)) !=
            TYR_KIND_PTR)
        return map_set(dw, d->ref, target) ? oom(c) : 0; /* restrict on a non-pointer: drop */
    /* C++ references are pointers that say so: keyed apart from plain pointers */
    uint32_t ref_flags = d->tag == DW_TAG_reference_type ? TYR_PTR_REF
                         : d->tag == DW_TAG_rvalue_reference_type ? TYR_PTR_RVREF : 0;
    hstate s;
    h_reset(&s);
    h_u64(&s, target);
    h_u64(&s, ref_flags);
    if (kind == TYR_KIND_TYPEDEF)
        h_str(&s, d->name);
    uint64_t h = h_digest(&s);
    uint32_t id = dedup_get(dw, (uint32_t)kind, h);
    if (!id) {
        tyr_type t;
        int err;
        if (kind == TYR_KIND_PTR && ref_flags)
            err = tyr_add_ref(c->reg, (tyr_type){target}, ref_flags, &t);
        else if (kind == TYR_KIND_PTR)
            err = tyr_add_ptr(c->reg, (tyr_type){target}, &t);
        else if (kind == TYR_KIND_TYPEDEF)
            err = d->name ? tyr_add_typedef(c->reg, d->name, (tyr_type){target}, &t) : TYR_EINVAL;
        else
            err = tyr_add_qual(c->reg, kind, (tyr_type){target}, &t);
        if (err == TYR_EINVAL && kind == TYR_KIND_TYPEDEF)
            return map_set(dw, d->ref, target) ? oom(c) : 0; /* unnamed typedef: transparent */
        if (err)
            return reg_fail(c, err, d->ref, tyr_kind_name(kind));
        id = t.id;
        if (dedup_put(dw, (uint32_t)kind, h, id))
            return oom(c);
    }
    return map_set(dw, d->ref, id) ? oom(c) : 0;
}

/* ---- Arrays ---- */

static int read_dims(struct ctx *c, const struct tdw_die *d, Dwarf_Die die, bool *bad)
{
    struct tdw_kids k;
    struct tdw_die s;
    int got = tdw_kids_first(c->dw, d->ref, die, &k, &s, c->diag);
    for (; got == 1; got = tdw_kids_next(c->dw, &k, &s, c->diag)) {
        if (s.tag != DW_TAG_subrange_type && s.tag != DW_TAG_enumeration_type)
            continue;
        struct tdw_item *it = push_item(c);
        if (!it) {
            tdw_kids_end(&k);
            return oom(c);
        }
        if (s.has & TDW_BAD_BOUND) {
            *bad = true; /* variable length */
        } else if (s.has & TDW_HAS_COUNT) {
            it->off = s.count;
        } else if (s.has & TDW_HAS_UPPER) {
            uint64_t lo = (s.has & TDW_HAS_LOWER) ? s.lower : 0;
            /* An upper bound of -1 (any width) is a zero-length array. */
            if (s.upper == UINT64_MAX || s.upper == UINT32_MAX || s.upper + 1 == lo)
                it->off = 0;
            else if (s.upper < lo)
                *bad = true;
            else
                it->off = s.upper - lo + 1;
        } else {
            it->flags = 1; /* no bound: flexible */
        }
        if (it->off > UINT32_MAX)
            *bad = true;
    }
    tdw_kids_end(&k);
    return got < 0 ? got : 0;
}

static int create_array(struct ctx *c, struct tdw_job *j, const struct tdw_die *d, uint32_t elem)
{
    tyr_dwarf *dw = c->dw;
    uint32_t t = elem;
    /* Items are outermost first: build from the innermost. */
    for (uint32_t i = j->ifirst + j->icount; i > j->ifirst; i--) {
        const struct tdw_item *it = &c->s.items[i - 1];
        uint32_t flags = it->flags ? TYR_ARRAY_FLEX : 0;
        hstate s;
        h_reset(&s);
        h_u64(&s, t);
        h_u64(&s, it->off);
        h_u64(&s, flags);
        /* made while the element is only declared, it is incomplete: keyed apart from the
         * complete array of the same element made once it is defined */
        h_u64(&s, tyr_type_size(c->reg, (tyr_type){t}) == 0 &&
                      tyr_type_align(c->reg, (tyr_type){t}) == 0);
        uint64_t h = h_digest(&s);
        uint32_t id = dedup_get(dw, TYR_KIND_ARRAY, h);
        if (!id) {
            tyr_type a;
            int err = tyr_add_array(c->reg, (tyr_type){t}, (uint32_t)it->off, flags, &a);
            if (err == TYR_EINCOMPLETE || err == TYR_EKIND || err == TYR_EOVERFLOW ||
                err == TYR_EINVAL)
                return add_unknown(c, d, (d->has & TDW_HAS_BYTE_SIZE) ? d->byte_size : 0);
            if (err)
                return reg_fail(c, err, d->ref, "array");
            id = a.id;
            if (dedup_put(dw, TYR_KIND_ARRAY, h, id))
                return oom(c);
        }
        t = id;
    }
    return map_set(dw, d->ref, t) ? oom(c) : 0;
}

/* ---- Prototypes ---- */

static int read_params(struct ctx *c, const struct tdw_die *d, Dwarf_Die die, bool *varargs)
{
    struct tdw_kids k;
    struct tdw_die p;
    int got = tdw_kids_first(c->dw, d->ref, die, &k, &p, c->diag);
    for (; got == 1; got = tdw_kids_next(c->dw, &k, &p, c->diag)) {
        if (p.tag == DW_TAG_formal_parameter) {
            struct tdw_item *it = push_item(c);
            if (!it) {
                tdw_kids_end(&k);
                return oom(c);
            }
            it->name = p.name;
            it->type = (p.has & TDW_HAS_TYPE) ? p.type : TDW_REF_NONE;
        } else if (p.tag == DW_TAG_unspecified_parameters) {
            *varargs = true;
        }
    }
    tdw_kids_end(&k);
    return got < 0 ? got : 0;
}

static int create_proto(struct ctx *c, struct tdw_job *j, tdw_ref self, uint32_t ret)
{
    tyr_dwarf *dw = c->dw;
    hstate s;
    h_reset(&s);
    h_u64(&s, ret);
    h_u64(&s, j->flags);
    uint32_t ids[64];
    for (uint32_t i = 0; i < j->icount; i++) {
        uint32_t id = 0;
        if (!mapped(dw, c->s.items[j->ifirst + i].type, &id))
            return tyr_diag_set(c->diag, TYR_EDWARF, tdw_ref_off(self),
                            "DIE 0x%llx: parameter type unresolved (reference cycle)",
                            (unsigned long long)tdw_ref_off(self));
        if (i < 64)
            ids[i] = id;
        h_u64(&s, id);
        h_str(&s, c->s.items[j->ifirst + i].name);
    }
    uint64_t h = h_digest(&s);
    uint32_t id = dedup_get(dw, TYR_KIND_FUNC_PROTO, h);
    if (!id) {
        tyr_type p;
        int err = tyr_func_proto_new(c->reg, (tyr_type){ret}, j->flags, &p);
        if (err == TYR_EKIND) {
            struct tdw_die d = {.ref = self};
            return add_unknown(c, &d, 0);
        }
        if (err)
            return reg_fail(c, err, self, "prototype");
        for (uint32_t i = 0; i < j->icount && !err; i++) {
            uint32_t pid = i < 64 ? ids[i] : 0;
            if (i >= 64)
                mapped(dw, c->s.items[j->ifirst + i].type, &pid);
            err = tyr_func_proto_add_param(c->reg, p, c->s.items[j->ifirst + i].name,
                                           (tyr_type){pid});
        }
        if (err)
            return reg_fail(c, err, self, "parameter");
        id = p.id;
        if (dedup_put(dw, TYR_KIND_FUNC_PROTO, h, id))
            return oom(c);
    }
    return map_set(dw, self, id) ? oom(c) : 0;
}

/* ---- The HANDLE job ---- */

/* Is the element of array DIE d a struct whose members are being added right now? */
static bool elem_filling(struct ctx *c, const struct tdw_die *d)
{
    uint32_t id;
    tdw_ref t = (d->has & TDW_HAS_TYPE) ? d->type : TDW_REF_NONE;
    if (t == TDW_REF_NONE || !mapped(c->dw, t, &id))
        return false;
    uint32_t r = tyr_type_strip(c->reg, (tyr_type){id}, TYR_STRIP_ALL).id;
    return r && r < c->dw->imp.cap_ids && c->dw->imp.filling[r];
}

/* Frame ji's type waits for jobs about to be pushed above it: its DIE is marked in progress
 * (a HANDLE meeting it again before it is made is a loop that no struct breaks) and the frame
 * comes back at stage 1, when what it waited for is made. */
static int await_jobs(struct ctx *c, uint32_t ji, bool *done)
{
    uint64_t *m = map_slot(&c->dw->imp.die2type, c->s.jobs[ji].ref, true);
    if (!m)
        return oom(c);
    *m = IN_PROGRESS;
    c->s.jobs[ji].stage = 1;
    *done = false;
    return 0;
}

/* At stage 1 the type a frame waited for is still not made: the DIE's `what` is broken. */
static int unresolved(struct ctx *c, tdw_ref ref, const char *what)
{
    return tyr_diag_set(c->diag, TYR_EDWARF, tdw_ref_off(ref), "DIE 0x%llx: %s unresolved",
                        (unsigned long long)tdw_ref_off(ref), what);
}

/* A declaration standing for a type unit's type (DW_AT_signature): the DIE is mapped to that
 * type, made first when it is not yet. */
static int handle_signature(struct ctx *c, uint32_t ji, const struct tdw_die *d, uint8_t stage)
{
    bool done;
    tyr_dwarf *dw = c->dw;
    struct tdw_job *j = &c->s.jobs[ji];
    tdw_ref ref = j->ref;
    uint32_t id;
    if (!(d->has & TDW_HAS_SIG) || d->sig == ref)
        return tyr_diag_set(c->diag, TYR_EDWARF, tdw_ref_off(ref),
                        "DIE 0x%llx: DW_AT_signature names no type unit (DWARF 4 "
                        ".debug_types is not read)", (unsigned long long)tdw_ref_off(ref));
    if (mapped(dw, d->sig, &id)) {
        if (map_set(dw, ref, id))
            return oom(c);
        pop_job(c);
        return 0;
    }
    if (stage != 0)
        return unresolved(c, ref, "type unit type");
    int err = await_jobs(c, ji, &done);
    return err ? err : push_job(c, J_HANDLE, d->sig, 0) ? oom(c) : 0;
}

/* An enum; a declaration of one is first completed from its definition elsewhere. */
static int handle_enum(struct ctx *c, uint32_t ji, const struct tdw_die *d, Dwarf_Die die,
                       uint8_t stage, bool *done)
{
    tyr_dwarf *dw = c->dw;
    struct tdw_job *j = &c->s.jobs[ji];
    tdw_ref ref = j->ref;
    uint32_t id;
    if ((d->has & TDW_DECL) && stage == 0) {
        tdw_ref def = find_definition(c, d);
        if (def != TDW_REF_NONE && def != ref) {
            j->stage = 1;
            j->target = def;
            *done = false;
            return push_job(c, J_HANDLE, def, 0) ? oom(c) : 0;
        }
    } else if (d->has & TDW_DECL) {
        if (mapped(dw, j->target, &id))
            return map_set(dw, ref, id) ? oom(c) : 0;
    }
    return do_enum(c, d, die);
}

/* A pointer, reference, typedef or qualifier: made once its target is. */
static int handle_derived(struct ctx *c, uint32_t ji, const struct tdw_die *d, uint8_t stage,
                          bool *done)
{
    tyr_dwarf *dw = c->dw;
    struct tdw_job *j = &c->s.jobs[ji];
    tdw_ref ref = j->ref;
    uint32_t id;
    tdw_ref t = (d->has & TDW_HAS_TYPE) ? d->type : TDW_REF_NONE;
    if (mapped(dw, t, &id))
        return create_derived(c, d, id);
    if (stage != 0)
        return unresolved(c, ref, "target type");
    int err = await_jobs(c, ji, done);
    return err ? err : push_job(c, J_HANDLE, t, 0) ? oom(c) : 0;
}

/* An array: its dimensions read first, then made once its element type is complete. */
static int handle_array(struct ctx *c, uint32_t ji, const struct tdw_die *d, Dwarf_Die die,
                        uint8_t stage, bool *done)
{
    tyr_dwarf *dw = c->dw;
    struct tdw_job *j = &c->s.jobs[ji];
    tdw_ref ref = j->ref;
    uint32_t id;
    tdw_ref t = (d->has & TDW_HAS_TYPE) ? d->type : TDW_REF_NONE;
    if (d->has & TDW_VECTOR)
        return add_unknown(c, d, d->byte_size);
    if (stage != 0) {
        if (mapped(dw, t, &id))
            return create_array(c, j, d, id);
        return unresolved(c, ref, "element type");
    }
    bool bad = false;
    j->ifirst = c->nitems;
    int err = read_dims(c, d, die, &bad);
    j = &c->s.jobs[ji];
    j->icount = c->nitems - j->ifirst;
    if (!err && (bad || j->icount == 0 || t == TDW_REF_NONE)) {
        c->nitems = j->ifirst;
        j->icount = 0;
        return add_unknown(c, d, (d->has & TDW_HAS_BYTE_SIZE) ? d->byte_size : 0);
    }
    if (err)
        return err;
    /* An array of the struct being filled (`struct S (*p)[4]` in S) is only ever
     * behind a pointer: the registry makes it incomplete; FULL would be a cycle. */
    if (elem_filling(c, d) && mapped(dw, t, &id))
        return create_array(c, j, d, id);
    err = await_jobs(c, ji, done);
    return err ? err : push_job(c, J_FULL, t, 0) ? oom(c) : 0;
}

/* A function type: its parameters read first, then made once they and its return type are. */
static int handle_subroutine(struct ctx *c, uint32_t ji, const struct tdw_die *d, Dwarf_Die die,
                             uint8_t stage, bool *done)
{
    tyr_dwarf *dw = c->dw;
    struct tdw_job *j = &c->s.jobs[ji];
    tdw_ref ref = j->ref;
    uint32_t id;
    tdw_ref rt = (d->has & TDW_HAS_TYPE) ? d->type : TDW_REF_NONE;
    if (stage != 0) {
        if (mapped(dw, rt, &id))
            return create_proto(c, j, ref, id);
        return unresolved(c, ref, "return type");
    }
    bool varargs = false;
    j->ifirst = c->nitems;
    int err = read_params(c, d, die, &varargs);
    j = &c->s.jobs[ji];
    j->icount = c->nitems - j->ifirst;
    j->flags = varargs ? TYR_FUNC_VARARGS : 0;
    if (!err)
        err = await_jobs(c, ji, done);
    if (err)
        return err;
    /* Push every unresolved target; they run before this frame again. */
    uint32_t n = j->icount, f0 = j->ifirst;
    if (!mapped(dw, rt, &id) && push_job(c, J_HANDLE, rt, 0))
        return oom(c);
    for (uint32_t i = 0; i < n; i++) {
        tdw_ref pt = c->s.items[f0 + i].type;
        if (!mapped(dw, pt, &id) && push_job(c, J_HANDLE, pt, 0))
            return oom(c);
    }
    return 0;
}

/* The type of DIE d, by its tag; *done false when it waits for jobs pushed above it. */
static int handle_tag(struct ctx *c, uint32_t ji, const struct tdw_die *d, Dwarf_Die die,
                      uint8_t stage, bool *done)
{
    uint32_t id;
    int err;
    switch (d->tag) {
    case DW_TAG_base_type:
        return do_base(c, d);
    case DW_TAG_enumeration_type:
        return handle_enum(c, ji, d, die, stage, done);
    case DW_TAG_structure_type: case DW_TAG_union_type: case DW_TAG_class_type:
        err = do_record(c, &c->s.jobs[ji], d, die);
        *done = mapped(c->dw, c->s.jobs[ji].ref, &id);
        return err;
    case DW_TAG_pointer_type: case DW_TAG_reference_type: case DW_TAG_rvalue_reference_type:
    case DW_TAG_typedef: case DW_TAG_const_type: case DW_TAG_volatile_type:
    case DW_TAG_restrict_type: case DW_TAG_atomic_type:
        return handle_derived(c, ji, d, stage, done);
    case DW_TAG_array_type:
        return handle_array(c, ji, d, die, stage, done);
    case DW_TAG_subroutine_type:
        return handle_subroutine(c, ji, d, die, stage, done);
    case DW_TAG_ptr_to_member_type: case DW_TAG_unspecified_type: case DW_TAG_string_type:
    case DW_TAG_set_type: case DW_TAG_file_type: case DW_TAG_subrange_type:
    case DW_TAG_interface_type: case DW_TAG_shared_type: case DW_TAG_coarray_type:
    case DW_TAG_dynamic_type: case DW_TAG_immutable_type:
        return add_unknown(c, d, (d->has & TDW_HAS_BYTE_SIZE) ? d->byte_size : 0);
    default:
        return tyr_diag_set(c->diag, TYR_EDWARF, tdw_ref_off(c->s.jobs[ji].ref),
                       "DIE 0x%llx: tag 0x%x used as a type",
                       (unsigned long long)tdw_ref_off(c->s.jobs[ji].ref), d->tag);
    }
}

static int step_handle(struct ctx *c, uint32_t ji)
{
    tyr_dwarf *dw = c->dw;
    struct tdw_job *j = &c->s.jobs[ji];
    tdw_ref ref = j->ref;
    uint32_t id;
    if (mapped(dw, ref, &id)) {
        pop_job(c);
        return 0;
    }
    uint64_t *mark = map_slot(&dw->imp.die2type, ref, false);
    bool again = j->stage == 0 && mark && *mark == IN_PROGRESS;
    struct tdw_die d;
    Dwarf_Die die = NULL;
    int err = tdw_read_cached(dw, ref, &d, &die, c->diag);
    if (err)
        return err;
    if (again && !(d.tag == DW_TAG_array_type && elem_filling(c, &d))) {
        tdw_die_free(die);
        return tyr_diag_set(c->diag, TYR_EDWARF, tdw_ref_off(ref),
                        "DIE 0x%llx: type reference cycle not through a struct",
                        (unsigned long long)tdw_ref_off(ref));
    }
    /* (an array met again while its element struct fills: made incomplete below) */
    uint8_t stage = c->s.jobs[ji].stage;
    if (d.has & (TDW_HAS_SIG | TDW_BAD_SIG)) {
        tdw_die_free(die);
        return handle_signature(c, ji, &d, stage);
    }
    if (stage == 0)
        memo_chain_end(c, &d);
    bool done = true;
    err = handle_tag(c, ji, &d, die, stage, &done);
    tdw_die_free(die);
    if (err)
        return err;
    if (done) {
        if (!mapped(dw, ref, &id))
            return tyr_diag_set(c->diag, TYR_EDWARF, tdw_ref_off(ref), "DIE 0x%llx: not importable",
                            (unsigned long long)tdw_ref_off(ref));
        /* pop exactly this frame: nothing was pushed above it */
        pop_job(c);
    }
    return 0;
}

/* ---- FULL and FILL ---- */

static int step_full(struct ctx *c, uint32_t ji)
{
    tyr_dwarf *dw = c->dw;
    struct tdw_job *j = &c->s.jobs[ji];
    uint32_t id;
    if (!mapped(dw, j->ref, &id)) {
        if (j->stage != 0)
            return unresolved(c, j->ref, "type");
        j->stage = 1;
        return push_job(c, J_HANDLE, j->ref, 0) ? oom(c) : 0;
    }
    uint32_t r = tyr_type_strip(c->reg, (tyr_type){id}, TYR_STRIP_ALL).id;
    if (r < dw->imp.cap_ids && dw->imp.fill_ref[r] != TDW_REF_NONE) {
        if (dw->imp.filling[r] || j->stage == 2)
            return tyr_diag_set(c->diag, TYR_EDWARF, tdw_ref_off(j->ref),
                            "DIE 0x%llx: struct holds itself by value",
                            (unsigned long long)tdw_ref_off(j->ref));
        j->stage = 2;
        return push_job(c, J_FILL, dw->imp.fill_ref[r], r) ? oom(c) : 0;
    }
    pop_job(c);
    return 0;
}

static uint32_t struct_align_of(struct ctx *c, uint32_t type)
{
    uint32_t a = tyr_type_align(c->reg, (tyr_type){type});
    return a ? a : 1;
}

/* A member whose type is only declared anywhere (std::string under clang's plain -g): kept
 * as an UNKNOWN of size 0 named after the type, as gdb shows an incomplete type, instead of
 * refusing the struct. *id is the member's type; replaced when it is such a declaration. */
static int incomplete_member(struct ctx *c, uint32_t *id)
{
    tyr_type_info ti;
    tyr_type t = tyr_type_strip(c->reg, (tyr_type){*id}, TYR_STRIP_ALL);
    if (tyr_type_get(c->reg, t, &ti) || (ti.kind != TYR_KIND_STRUCT && ti.kind != TYR_KIND_UNION) ||
        !(ti.flags & TYR_STRUCT_DECL))
        return 0;
    tyr_type u;
    if (*ti.name && tyr_find(c->reg, ti.name, TYR_KIND_UNKNOWN, &u) == 0) {
        *id = u.id;
        return 0;
    }
    int err = tyr_add_unknown(c->reg, ti.name, 0, &u);
    if (err)
        return err;
    *id = u.id;
    return 0;
}

static int finish_fill(struct ctx *c, struct tdw_job *j, const struct tdw_die *d)
{
    tyr_dwarf *dw = c->dw;
    tyr_struct st = {j->id};
    uint64_t size = d->byte_size;
    /* Alignment: DW_AT_alignment when given, else the largest member alignment; a member
     * off its natural alignment, or a size not a multiple of it, means packed. */
    uint32_t align = 1;
    bool packed = false;
    for (uint32_t i = 0; i < j->icount; i++) {
        const struct tdw_item *it = &c->s.items[j->ifirst + i];
        uint32_t id = 0;
        mapped(dw, it->type, &id);
        uint32_t a = struct_align_of(c, id);
        if (a > align)
            align = a;
        if (!(it->flags & (ITEM_BITFIELD | ITEM_VBASE)) && it->off % a)
            packed = true;
    }
    if (d->has & TDW_HAS_ALIGN && d->align && !(d->align & (d->align - 1)) && d->align <= 32768)
        align = (uint32_t)d->align;
    else if (size % align)
        packed = true;
    if (packed)
        align = 1;
    int err = tyr_struct_complete(c->reg, st, size, align, packed ? TYR_STRUCT_PACKED : 0);
    if (err)
        return reg_fail(c, err, d->ref, "struct size");
    for (uint32_t i = 0; i < j->icount && !err; i++) {
        const struct tdw_item *it = &c->s.items[j->ifirst + i];
        uint32_t id = 0;
        if (!mapped(dw, it->type, &id))
            return tyr_diag_set(c->diag, TYR_EDWARF, tdw_ref_off(d->ref),
                            "DIE 0x%llx: member %u type unresolved",
                            (unsigned long long)tdw_ref_off(d->ref), i);
        uint64_t off = it->off;
        uint32_t bo = 0, bs = 0;
        if (it->flags & (ITEM_BASE | ITEM_VBASE)) {
            err = tyr_struct_add_base(c->reg, st, (tyr_type){id}, off,
                                      (it->flags & ITEM_VBASE) ? TYR_FIELD_VIRTUAL : 0);
            continue;
        }
        if ((err = incomplete_member(c, &id)))
            break;
        if (it->flags & ITEM_BITFIELD) {
            /* it->off is the absolute bit position: pick the storage unit of the member
             * type's size that holds it (aligned), else the byte that starts it. */
            uint64_t ts = tyr_type_size(c->reg, (tyr_type){id});
            uint64_t pos = it->off;
            bs = it->bit_size;
            if (ts == 0 || ts > 16 || bs == 0 || bs > ts * 8) {
                err = TYR_ERANGE;
                break;
            }
            uint64_t unit = pos / (ts * 8) * ts;
            if (pos - unit * 8 + bs <= ts * 8 && unit + ts <= size) {
                off = unit;
            } else {
                off = pos / 8;
                if (pos % 8 + bs > ts * 8 || off + ts > size) {
                    /* no unit of the declared type holds it inside the struct: use the
                     * last unit that ends at the struct's end */
                    if (size < ts) {
                        err = TYR_ERANGE;
                        break;
                    }
                    off = size - ts;
                    if (pos < off * 8 || pos - off * 8 + bs > ts * 8) {
                        err = TYR_ERANGE;
                        break;
                    }
                }
            }
            bo = (uint32_t)(pos - off * 8);
        }
        err = tyr_struct_add_field(c->reg, st, it->name, (tyr_type){id}, off, bo, bs);
        if (err == TYR_EEXIST) /* duplicate member names (C++ oddities): keep it unnamed */
            err = tyr_struct_add_field(c->reg, st, NULL, (tyr_type){id}, off, bo, bs);
    }
    if (err) /* the input's fault, unless memory ran out (a wide member's escape entry) */
        return tyr_diag_set(c->diag, err == TYR_ENOMEM ? err : TYR_EDWARF, tdw_ref_off(d->ref),
                        "DIE 0x%llx: struct %s member rejected: %s",
                        (unsigned long long)tdw_ref_off(d->ref), d->name ? d->name : "(anon)",
                        tyr_strerror(err));
    return 0;
}

static int step_fill(struct ctx *c, uint32_t ji)
{
    tyr_dwarf *dw = c->dw;
    struct tdw_job *j = &c->s.jobs[ji];
    uint32_t sid = j->id;
    if (dw->imp.fill_ref[sid] == TDW_REF_NONE) { /* filled meanwhile */
        pop_job(c);
        return 0;
    }
    struct tdw_die d;
    Dwarf_Die die = NULL;
    int err = tdw_read_cached(dw, j->ref, &d, &die, c->diag);
    if (err)
        return err;
    j = &c->s.jobs[ji];
    if (j->stage == 0) {
        hstate s;
        h_reset(&s);
        bool unsupported = false;
        j->ifirst = c->nitems;
        err = read_members(c, &d, die, &s, &unsupported);
        tdw_die_free(die);
        if (err)
            return err;
        j = &c->s.jobs[ji];
        j->icount = c->nitems - j->ifirst;
        j->stage = 1;
        dw->imp.filling[sid] = 1;
        uint32_t n = j->icount, f0 = j->ifirst;
        for (uint32_t i = 0; i < n; i++)
            if (push_job(c, J_FULL, c->s.items[f0 + i].type, 0))
                return oom(c);
        return 0;
    }
    tdw_die_free(die);
    err = finish_fill(c, j, &d);
    if (err)
        return err;
    dw->imp.filling[sid] = 0;
    dw->imp.fill_ref[sid] = TDW_REF_NONE;
    pop_job(c);
    return 0;
}

static int run(struct ctx *c)
{
    /* Each frame is visited a bounded number of times (stage 0, 1, 2): the loop ends. */
    while (c->njobs > 0 || c->npending > 0) {
        if (c->njobs == 0) {
            uint32_t sid = c->s.pending[--c->npending];
            if (c->dw->imp.fill_ref[sid] != TDW_REF_NONE &&
                push_job(c, J_FILL, c->dw->imp.fill_ref[sid], sid))
                return oom(c);
            continue;
        }
        uint32_t ji = c->njobs - 1;
        int err;
        switch (c->s.jobs[ji].kind) {
        case J_HANDLE: err = step_handle(c, ji); break;
        case J_FULL: err = step_full(c, ji); break;
        default: err = step_fill(c, ji); break;
        }
        if (err)
            return err;
    }
    return 0;
}

void tdw_scratch_free(tyr_dwarf *dw)
{
    free(dw->imp.scratch.jobs);
    free(dw->imp.scratch.items);
    free(dw->imp.scratch.pending);
    memset(&dw->imp.scratch, 0, sizeof dw->imp.scratch);
}

/* After a failure, forget the partial state of in-progress DIEs (their marks). */
static void clear_marks(tyr_dwarf *dw)
{
    struct tdw_map *m = &dw->imp.die2type;
    for (uint32_t i = 0; i < m->cap; i++)
        if (m->e[i].key != TDW_REF_NONE && m->e[i].val == IN_PROGRESS)
            m->e[i].val = 0; /* void: a failed import never leaves a mark that loops */
    for (uint32_t i = 0; i < dw->imp.cap_ids; i++)
        dw->imp.filling[i] = 0;
}

int tdw_invisible_ref(tyr_dwarf *dw, tyr_type t, tyr_type *out, tyr_diag *diag)
{
    hstate s;
    h_reset(&s);
    h_u64(&s, t.id);
    h_u64(&s, TYR_PTR_INVISIBLE);
    uint64_t h = h_digest(&s);
    uint32_t id = dedup_get(dw, TYR_KIND_PTR, h);
    if (id) {
        *out = (tyr_type){id};
        return 0;
    }
    int err = tyr_add_ref(dw->imp.reg, t, TYR_PTR_INVISIBLE, out);
    if (err)
        return tyr_diag_set(diag, err, 0, "invisible reference: %s", tyr_strerror(err));
    return dedup_put(dw, TYR_KIND_PTR, h, out->id) ? tyr_diag_set(diag, TYR_ENOMEM, 0, "out of memory")
                                                   : 0;
}

int tdw_import_type(tyr_dwarf *dw, tdw_ref ref, tyr_type *out, tyr_diag *diag)
{
    uint32_t id = 0;
    if (mapped(dw, ref, &id)) {
        /* Already imported: done unless it is a struct still waiting for its members. */
        uint32_t r = tyr_type_strip(dw->imp.reg, (tyr_type){id}, TYR_STRIP_ALL).id;
        if (r >= dw->imp.cap_ids || dw->imp.fill_ref[r] == TDW_REF_NONE) {
            if (out)
                out->id = id;
            return 0;
        }
    }
    struct ctx c = {.dw = dw, .reg = dw->imp.reg, .diag = diag, .s = dw->imp.scratch};
    memset(&dw->imp.scratch, 0, sizeof dw->imp.scratch); /* the ctx owns them until the end */
    int err = ids_reserve(dw, tyr_registry_type_count(dw->imp.reg));
    if (!err)
        err = push_job(&c, J_FULL, ref, 0) ? oom(&c) : 0;
    /* ids grow as types are created: reserve as we go */
    while (!err && (c.njobs || c.npending)) {
        err = ids_reserve(dw, tyr_registry_type_count(dw->imp.reg) + 64);
        if (!err)
            err = run(&c);
    }
    dw->imp.scratch = c.s; /* handed back for the next import */
    if (err) {
        clear_marks(dw);
        return err;
    }
    if (!mapped(dw, ref, &id))
        return tyr_diag_set(diag, TYR_EDWARF, tdw_ref_off(ref), "DIE 0x%llx: not imported",
                        (unsigned long long)tdw_ref_off(ref));
    if (out)
        out->id = id;
    return 0;
}

void tdw_import_free(tyr_dwarf *dw)
{
    tdw_import_forget(dw);
    tdw_scratch_free(dw);
    free(dw->imp.chain_memo.e);
    dw->imp.chain_memo.e = NULL;
}

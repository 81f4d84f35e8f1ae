/* SPDX-License-Identifier: MIT */
/*
 * BTF types to registry types, with an explicit job stack (no C recursion in proportion to
 * the input's depth).
 *
 * BTF ids may refer forwards and backwards; the registry wants every target to have a handle
 * before whatever refers to it, and every struct held by value to be complete before it is
 * used (it is sealed then). So, as in the DWARF importer, three jobs:
 *   HANDLE(id)  give the BTF id a registry type once its targets have one (a struct or
 *               union is only declared: that is what closes pointer cycles);
 *   FULL(id)    HANDLE, then, if it resolves (typedefs, qualifiers, type tags) to a struct
 *               or union not yet laid out, FILL it;
 *   FILL(id)    FULL every member's type, then complete the struct and add its members.
 * An array's element is FULL before the array exists. A HANDLE met again while in progress
 * is a reference loop that no struct breaks (typedef A -> typedef B -> A, a pointer to
 * itself): TYR_EBTF naming the id. A FILL met again by a FULL is a struct holding itself
 * by value: TYR_EBTF. Every job is pushed at most once per id and state, so the loop ends.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "btf_internal.h"
#include "../internal.h"

enum { OP_HANDLE = 0, OP_FULL = 1, OP_FILL = 2 };

struct tbtf_job {
    uint32_t id;
    uint8_t op;
    uint8_t started;
    uint32_t i; /* next dependency to check */
};

struct tbtf_member {
    uint64_t offset;
    uint32_t bit_offset, width, type;
    uint32_t name_off; /* bulk: the registry's string offset of name */
    uint32_t align;    /* of its type */
    const char *name;
};

struct ctx {
    tyr_btf *b; /* the handle the import was started on (ids of its bases resolve through it) */
    tyr_registry *reg;
    tyr_diag *diag;
    bool solo;  /* b->solo: nothing to look for in the registry */
    /* Bulk (tbtf_import_own on an empty registry that adopted the BTF's string section):
     * records are appended by lib/registry_bulk.c, names as offsets of that section. */
    bool bulk;
    const char *strs; /* the section (libbpf's) */
    uint32_t strs_len;
    struct tbtf_scratch s; /* b's scratch, lent for the import and handed back after it */
};

/* The BTF name at a string offset, as tbtf_name gives it; in bulk, read from the section
 * without a call into libbpf (the same bytes). */
static const char *cname(const struct ctx *c, uint32_t off)
{
    if (c->strs)
        return off < c->strs_len ? c->strs + off : "";
    return tbtf_name(c->b, off);
}

static const char *btf_kind_str(const struct btf_type *t)
{
    static const char *const names[] = {
        "unknown", "int", "ptr", "array", "struct", "union", "enum", "fwd", "typedef",
        "volatile", "const", "restrict", "func", "func_proto", "var", "datasec", "float",
        "decl_tag", "type_tag", "enum64"};
    unsigned k = t ? btf_kind(t) : 0;
    return k < sizeof names / sizeof *names ? names[k] : "unknown";
}

static const struct btf_type *type_of(const struct ctx *c, uint32_t id)
{
    return tbtf_type(c->b, id);
}

static int fail(const struct ctx *c, int err, uint32_t id, const char *what)
{
    const struct btf_type *t = type_of(c, id);
    return tbtf_fail(c->diag, err, id, "BTF type %u (%s '%s'): %s", id, btf_kind_str(t),
                     t ? cname(c, t->name_off) : "", what);
}

static int reg_fail(const struct ctx *c, int err, uint32_t id, const char *what)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s: %s", what, tyr_strerror(err));
    return fail(c, err, id, buf);
}

/* Make the array *arr (capacity *cap elements of elem bytes) hold at least need: 64 at
 * first, doubling after. 0 or TYR_ENOMEM (*arr is kept). */
static int room_for(void **arr, uint32_t *cap, uint64_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    uint64_t n = *cap ? *cap : 64;
    while (n < need)
        n *= 2;
    void *p = n <= UINT32_MAX ? realloc(*arr, (size_t)n * elem) : NULL;
    if (!p)
        return TYR_ENOMEM;
    *arr = p;
    *cap = (uint32_t)n;
    return 0;
}

static int push(struct ctx *c, uint8_t op, uint32_t id)
{
    if (room_for((void **)&c->s.jobs, &c->s.cap, (uint64_t)c->s.njobs + 1, sizeof *c->s.jobs))
        return TYR_ENOMEM;
    c->s.jobs[c->s.njobs++] = (struct tbtf_job){.id = id, .op = op};
    return 0;
}

/* Bulk: the registry's string offset of BTF name offset off: 0 where tbtf_name gives "" (no
 * name, an empty one, an offset past the section). */
static uint32_t bname(const struct ctx *c, uint32_t off)
{
    return off < c->strs_len && c->strs[off] ? off : 0;
}

/* Bulk: scratch for n records of elem bytes each (the lent scratch's bulk buffer). */
static void *bulk_scratch(struct ctx *c, uint32_t n, size_t elem)
{
    uint64_t bytes = (uint64_t)n * elem;
    if (bytes > UINT32_MAX || room_for(&c->s.bulk, &c->s.bulk_cap, bytes ? bytes : 1, 1))
        return NULL;
    return c->s.bulk;
}

static tyr_btf_stats *stats_of(struct ctx *c, uint32_t id)
{
    return &tbtf_owner(c->b, id)->stats;
}

/* A typedef, qualifier or type tag: a link of a chain that resolve() follows. */
static bool chain_kind(const struct btf_type *t)
{
    unsigned k = btf_kind(t);
    return k == BTF_KIND_TYPEDEF || k == BTF_KIND_CONST || k == BTF_KIND_VOLATILE ||
           k == BTF_KIND_RESTRICT || k == BTF_KIND_TYPE_TAG;
}

/* The first type down id's chain that is not a typedef, qualifier or type tag; 0 for void.
 * Only called on handled ids (their chains are loop-free), bounded all the same. */
static uint32_t resolve(const struct ctx *c, uint32_t id)
{
    for (uint32_t steps = 0; id && steps <= c->b->n; steps++) {
        const struct btf_type *t = type_of(c, id);
        if (!t || !chain_kind(t))
            return id; /* most ids, at the first step: no chain */
        id = t->type;
    }
    return id;
}

/* The job that imports id as far as a FULL job does: FULL, or HANDLE for a type that is no
 * struct or union and heads no typedef/qualifier chain (its FULL job is its HANDLE). */
static uint8_t full_op(const struct ctx *c, uint32_t id)
{
    const struct btf_type *t = type_of(c, id);
    return !t || btf_is_composite(t) || chain_kind(t) ? OP_FULL : OP_HANDLE;
}

/* 1 if dep is imported as far as `want` asks, 0 if not yet, or an error. */
static int ready(struct ctx *c, uint32_t from, uint32_t dep, int want)
{
    if (!dep)
        return 1;
    if (dep >= c->b->n)
        return fail(c, TYR_EBTF, from, "refers to a type id past the last one");
    uint8_t st = *tbtf_state(c->b, dep);
    if (st == TBTF_SKIPPED)
        return fail(c, TYR_EBTF, from, "refers to a var, datasec or decl_tag as a type");
    if (st < TBTF_HANDLED)
        return 0;
    if (want == OP_HANDLE)
        return 1;
    uint32_t s = resolve(c, dep);
    const struct btf_type *t = type_of(c, s);
    if (!t || !btf_is_composite(t))
        return 1;
    return *tbtf_state(c->b, s) == TBTF_FILLED;
}

/* ---- HANDLE ---- */

static uint32_t ndeps(const struct btf_type *t)
{
    switch (btf_kind(t)) {
    case BTF_KIND_PTR:
    case BTF_KIND_TYPEDEF:
    case BTF_KIND_VOLATILE:
    case BTF_KIND_CONST:
    case BTF_KIND_RESTRICT:
    case BTF_KIND_TYPE_TAG:
    case BTF_KIND_FUNC:
    case BTF_KIND_ARRAY:
        return 1;
    case BTF_KIND_FUNC_PROTO:
        return 1 + btf_vlen(t);
    default:
        return 0;
    }
}

static uint32_t dep_of(const struct btf_type *t, uint32_t i, int *want)
{
    *want = OP_HANDLE;
    switch (btf_kind(t)) {
    case BTF_KIND_ARRAY:
        *want = OP_FULL;
        return btf_array(t)->type;
    case BTF_KIND_FUNC_PROTO:
        return i ? btf_params(t)[i - 1].type : t->type;
    default:
        return t->type;
    }
}

static uint32_t mapped(struct ctx *c, uint32_t id)
{
    return id ? *tbtf_map(c->b, id) : 0;
}

static void set(struct ctx *c, uint32_t id, uint32_t rid, uint8_t st, bool shared)
{
    *tbtf_map(c->b, id) = rid;
    *tbtf_state(c->b, id) = st;
    tyr_btf_stats *s = stats_of(c, id);
    s->imported++;
    if (shared)
        s->shared++;
}

/* An anonymous type shared with an equal one in the registry, or made by make(). */
static int anon(struct ctx *c, uint32_t id, struct tbtf_anon *a, uint32_t *rid, bool *shared)
{
    uint64_t key = c->solo ? 0 : tbtf_anon_key(a);
    uint32_t found = c->solo ? 0 : tbtf_anon_find(c->b, a, key);
    if (found) {
        *rid = found;
        *shared = true;
        return 0;
    }
    tyr_type t;
    int err;
    if (c->bulk) {
        uint32_t bad;
        switch (a->kind) {
        case TYR_KIND_PTR: err = tyr__bulk_ptr(c->reg, a->target, &t.id); break;
        case TYR_KIND_ARRAY: err = tyr__bulk_array(c->reg, a->target, a->count, &t.id); break;
        case TYR_KIND_FUNC_PROTO:
            err = tyr__bulk_proto(c->reg, a->target, a->flags, a->bparams, a->count, &bad, &t.id);
            break;
        default: err = tyr__bulk_qual(c->reg, a->kind, a->target, &t.id); break;
        }
        goto made;
    }
    switch (a->kind) {
    case TYR_KIND_PTR:
        err = tyr_add_ptr(c->reg, (tyr_type){a->target}, &t);
        break;
    case TYR_KIND_ARRAY:
        err = tyr_add_array(c->reg, (tyr_type){a->target}, a->count, a->flags, &t);
        break;
    case TYR_KIND_FUNC_PROTO:
        err = tyr_func_proto_new(c->reg, (tyr_type){a->target}, a->flags, &t);
        for (uint32_t i = 0; !err && i < a->count; i++)
            err = tyr_func_proto_add_param(c->reg, t, a->pnames[i], (tyr_type){a->ptypes[i]});
        break;
    default:
        err = tyr_add_qual(c->reg, a->kind, (tyr_type){a->target}, &t);
        break;
    }
made:
    if (err)
        return err == TYR_EKIND && a->kind == TYR_KIND_RESTRICT ? err
                                                                 : reg_fail(c, err, id, "rejected");
    *rid = t.id;
    *shared = false;
    return c->solo ? 0 : tbtf_anon_put(c->b, key, t.id);
}

static int make_int(struct ctx *c, uint32_t id, const struct btf_type *t, uint32_t *rid,
                    bool *shared)
{
    const char *name = cname(c, t->name_off);
    uint8_t enc = btf_int_encoding(t);
    if (enc & ~(BTF_INT_SIGNED | BTF_INT_CHAR | BTF_INT_BOOL))
        return fail(c, TYR_EBTF, id, "unknown int encoding bits");
    uint32_t flags = ((enc & BTF_INT_SIGNED) ? TYR_INT_SIGNED : 0) |
                     ((enc & BTF_INT_CHAR) ? TYR_INT_CHAR : 0) |
                     ((enc & BTF_INT_BOOL) ? TYR_INT_BOOL : 0);
    /* C's character types are characters by name; BTF producers rarely set BTF_INT_CHAR. */
    if (t->size == 1 && (!strcmp(name, "char") || !strcmp(name, "signed char") ||
                         !strcmp(name, "unsigned char")))
        flags |= TYR_INT_CHAR;
    if (btf_int_offset(t) || btf_int_bits(t) != t->size * 8)
        stats_of(c, id)->int_bits++;
    *rid = tbtf_match_named(c->reg, TYR_KIND_INT, name, t->size, flags, t->size * 8, 0);
    if ((*shared = *rid != 0))
        return 0;
    tyr_type r;
    int err = c->bulk ? tyr__bulk_int(c->reg, bname(c, t->name_off), t->size, flags, &r.id)
                      : tyr_add_int(c->reg, name, t->size, flags, &r);
    if (err)
        return reg_fail(c, err, id, "int size");
    *rid = r.id;
    return 0;
}

static int make_float(struct ctx *c, uint32_t id, const struct btf_type *t, uint32_t *rid,
                      bool *shared)
{
    const char *name = cname(c, t->name_off);
    uint32_t bits = 0;
    if (t->size == 4 || t->size == 8)
        bits = t->size * 8;
    else if (t->size == 16)
#if defined(__x86_64__) || defined(__i386__)
        bits = 80; /* long double: x87 extended precision in 16 bytes */
#else
        bits = 128;
#endif
    tyr_type r;
    int err;
    if (!bits) {
        /* _Float16 (2) or i386's long double (12): no registry float of that size */
        stats_of(c, id)->float_unknown++;
        *shared = false;
        err = c->bulk ? tyr__bulk_unknown(c->reg, bname(c, t->name_off), t->size, &r.id)
                      : tyr_add_unknown(c->reg, name, t->size, &r);
    } else {
        *rid = tbtf_match_named(c->reg, TYR_KIND_FLOAT, name, t->size, 0, bits, 0);
        if ((*shared = *rid != 0))
            return 0;
        err = c->bulk ? tyr__bulk_float(c->reg, bname(c, t->name_off), t->size, bits, &r.id)
                      : tyr_add_float(c->reg, name, t->size, bits, &r);
    }
    if (err)
        return reg_fail(c, err, id, "float size");
    *rid = r.id;
    return 0;
}

static uint32_t first_twice(struct ctx *c, const char **names, uint32_t n, int *err);

/* Bulk: the enum and its enumerators in one call (tyr_enum_new, tyr_enum_add). */
static int bulk_enum(struct ctx *c, uint32_t id, const struct btf_type *t, uint32_t flags,
                     uint32_t *rid)
{
    uint32_t n = btf_vlen(t), bad;
    struct tyr_bulk_enumerator *e = bulk_scratch(c, n, sizeof *e);
    if (!e || room_for((void **)&c->s.names, &c->s.names_cap, n, sizeof *c->s.names))
        return TYR_ENOMEM;
    for (uint32_t i = 0; i < n; i++) {
        const char *en = tbtf_enumerator(c->b, t, i, &e[i].value);
        e[i].name = bname(c, btf_is_enum64(t) ? btf_enum64(t)[i].name_off
                                              : btf_enum(t)[i].name_off);
        c->s.names[i] = en;
    }
    int err;
    uint32_t dup = first_twice(c, c->s.names, n, &err);
    if (err)
        return err;
    err = tyr__bulk_enum(c->reg, bname(c, t->name_off), t->size, flags, e, n, dup, &bad, rid);
    if (err && bad == n)
        return reg_fail(c, err, id, "enum size");
    if (err) {
        char what[64];
        snprintf(what, sizeof what, "enumerator %u", bad);
        return reg_fail(c, err, id, what);
    }
    return 0;
}

static int make_enum(struct ctx *c, uint32_t id, const struct btf_type *t, uint32_t *rid,
                     bool *shared)
{
    uint32_t flags = btf_kflag(t) ? TYR_ENUM_SIGNED : 0;
    if (!btf_vlen(t))
        stats_of(c, id)->enum_fwd++;
    *rid = c->solo ? 0 : tbtf_match_enum(c->b, id, t->size, flags);
    if ((*shared = *rid != 0))
        return 0;
    if (c->bulk)
        return bulk_enum(c, id, t, flags, rid);
    tyr_type e;
    int err = tyr_enum_new(c->reg, cname(c, t->name_off), t->size, flags, &e);
    if (err)
        return reg_fail(c, err, id, "enum size");
    for (uint32_t i = 0; i < btf_vlen(t); i++) {
        uint64_t v;
        const char *en = tbtf_enumerator(c->b, t, i, &v);
        if ((err = tyr_enum_add(c->reg, e, en, v))) {
            char what[64];
            snprintf(what, sizeof what, "enumerator %u", i);
            return reg_fail(c, err, id, what);
        }
    }
    *rid = e.id;
    return 0;
}

static int make_proto(struct ctx *c, uint32_t id, const struct btf_type *t, uint32_t *rid,
                      bool *shared)
{
    uint32_t n = btf_vlen(t), flags = 0;
    const struct btf_param *p = btf_params(t);
    if (n && !p[n - 1].type) { /* a trailing void parameter is the `...` */
        flags = TYR_FUNC_VARARGS;
        n--;
    }
    if (room_for((void **)&c->s.ptypes, &c->s.ptypes_cap, n, sizeof *c->s.ptypes) ||
        room_for((void **)&c->s.pnames, &c->s.pnames_cap, n, sizeof *c->s.pnames))
        return TYR_ENOMEM;
    struct tyr_bulk_param *bp = c->bulk ? bulk_scratch(c, n, sizeof *bp) : NULL;
    if (c->bulk && !bp)
        return TYR_ENOMEM;
    for (uint32_t i = 0; i < n; i++) {
        if (!p[i].type)
            return fail(c, TYR_EBTF, id, "a void parameter before the last");
        if (bp) {
            bp[i] = (struct tyr_bulk_param){bname(c, p[i].name_off), mapped(c, p[i].type)};
            continue;
        }
        c->s.ptypes[i] = mapped(c, p[i].type);
        c->s.pnames[i] = cname(c, p[i].name_off);
    }
    struct tbtf_anon a = {.kind = TYR_KIND_FUNC_PROTO, .flags = flags,
                          .target = mapped(c, t->type), .count = n, .ptypes = c->s.ptypes,
                          .pnames = c->s.pnames, .bparams = bp};
    return anon(c, id, &a, rid, shared);
}

static int make_func(struct ctx *c, uint32_t id, const struct btf_type *t, uint32_t *rid,
                     bool *shared)
{
    const char *name = cname(c, t->name_off);
    const struct btf_type *pt = type_of(c, t->type);
    if (!*name)
        return fail(c, TYR_EBTF, id, "a function without a name");
    if (!pt || !btf_is_func_proto(pt))
        return fail(c, TYR_EBTF, id, "a function whose type is not a func_proto");
    tyr_btf_stats *s = stats_of(c, id);
    s->funcs++;
    if (btf_vlen(t) == BTF_FUNC_STATIC) /* a FUNC's vlen holds its linkage */
        s->func_static++;
    else if (btf_vlen(t) == BTF_FUNC_EXTERN)
        s->func_extern++;
    uint32_t proto = mapped(c, t->type);
    *rid = c->solo ? 0 : tbtf_match_named(c->reg, TYR_KIND_FUNC, name, 0, 0, 0, proto);
    if ((*shared = *rid != 0))
        return 0;
    tyr_type f;
    int err = c->bulk ? tyr__bulk_func(c->reg, bname(c, t->name_off), proto, &f.id)
                      : tyr_func_new(c->reg, name, (tyr_type){proto}, &f);
    if (err)
        return reg_fail(c, err, id, "function");
    *rid = f.id;
    return 0;
}

/* Remember a declared struct/union to fill, in the handle that owns its id. */
static int add_pending(struct ctx *c, uint32_t id)
{
    tyr_btf *o = tbtf_owner(c->b, id);
    if (room_for((void **)&o->pending, &o->cap_pending, (uint64_t)o->npending + 1,
                 sizeof *o->pending))
        return TYR_ENOMEM;
    o->pending[o->npending++] = id;
    return 0;
}

/* Every target of id has a registry type: give id its own. */
static int create(struct ctx *c, uint32_t id, const struct btf_type *t)
{
    uint32_t rid = 0;
    bool shared = false;
    uint8_t st = TBTF_HANDLED;
    int err = 0;
    const char *name = cname(c, t->name_off);
    struct tbtf_anon a = {0};
    switch (btf_kind(t)) {
    case BTF_KIND_INT:
        err = make_int(c, id, t, &rid, &shared);
        break;
    case BTF_KIND_FLOAT:
        err = make_float(c, id, t, &rid, &shared);
        break;
    case BTF_KIND_ENUM:
    case BTF_KIND_ENUM64:
        err = make_enum(c, id, t, &rid, &shared);
        break;
    case BTF_KIND_STRUCT:
    case BTF_KIND_UNION:
    case BTF_KIND_FWD: {
        int kind = (btf_is_union(t) || (btf_is_fwd(t) && btf_kflag(t))) ? TYR_KIND_UNION
                                                                           : TYR_KIND_STRUCT;
        if (!c->solo && !btf_is_fwd(t) && (rid = tbtf_match_record(c->b, id))) {
            shared = true;
            st = TBTF_FILLED; /* an equal layout the registry already holds */
            break;
        }
        if (!c->solo && btf_is_fwd(t) && (rid = tbtf_match_decl(c->reg, name, kind))) {
            shared = true;
            break;
        }
        /* declared now; a struct or union is filled by a FILL job, at the latest once the
         * import's jobs are done (one reached only through pointers) */
        tyr_struct s;
        if ((err = c->bulk ? tyr__bulk_declare(c->reg, kind, bname(c, t->name_off), &s.id)
                           : tyr_struct_declare(c->reg, kind, name, &s)))
            return reg_fail(c, err, id, "declaration");
        rid = s.id;
        if (!btf_is_fwd(t) && (err = add_pending(c, id)))
            return err;
        break;
    }
    case BTF_KIND_TYPEDEF: {
        uint32_t target = mapped(c, t->type);
        if (!*name)
            return fail(c, TYR_EBTF, id, "a typedef without a name");
        if (!c->solo &&
            (rid = tbtf_match_named(c->reg, TYR_KIND_TYPEDEF, name, 0, 0, 0, target))) {
            shared = true;
            break;
        }
        tyr_type r;
        if ((err = c->bulk ? tyr__bulk_typedef(c->reg, bname(c, t->name_off), target, &r.id)
                           : tyr_add_typedef(c->reg, name, (tyr_type){target}, &r)))
            return reg_fail(c, err, id, "typedef");
        rid = r.id;
        break;
    }
    case BTF_KIND_TYPE_TAG: /* transparent: the tagged type itself */
        stats_of(c, id)->type_tags++;
        rid = mapped(c, t->type);
        break;
    case BTF_KIND_PTR:
        a.kind = TYR_KIND_PTR;
        a.target = mapped(c, t->type);
        err = anon(c, id, &a, &rid, &shared);
        break;
    case BTF_KIND_CONST:
    case BTF_KIND_VOLATILE:
    case BTF_KIND_RESTRICT:
        a.kind = btf_is_const(t) ? TYR_KIND_CONST
                 : btf_is_volatile(t) ? TYR_KIND_VOLATILE : TYR_KIND_RESTRICT;
        a.target = mapped(c, t->type);
        err = anon(c, id, &a, &rid, &shared);
        if (err == TYR_EKIND) { /* restrict on a non-pointer: dropped, counted */
            stats_of(c, id)->restrict_dropped++;
            rid = a.target;
            shared = false;
            err = 0;
        }
        break;
    case BTF_KIND_ARRAY:
        a.kind = TYR_KIND_ARRAY;
        a.target = mapped(c, btf_array(t)->type);
        a.count = btf_array(t)->nelems;
        err = anon(c, id, &a, &rid, &shared);
        break;
    case BTF_KIND_FUNC_PROTO:
        err = make_proto(c, id, t, &rid, &shared);
        break;
    case BTF_KIND_FUNC:
        err = make_func(c, id, t, &rid, &shared);
        break;
    default:
        return fail(c, TYR_EBTF, id, "not a type tyr imports");
    }
    if (err)
        return err;
    set(c, id, rid, st, shared);
    return 0;
}

/* The frame on top of the job stack, with its id's state and BTF type (NULL: no such id). */
static struct tbtf_job *top(struct ctx *c, uint8_t **st, const struct btf_type **t)
{
    struct tbtf_job *j = &c->s.jobs[c->s.njobs - 1];
    *st = tbtf_state(c->b, j->id);
    *t = type_of(c, j->id);
    return j;
}

/* The frame on top is done. */
static int pop(struct ctx *c)
{
    c->s.njobs--;
    return 0;
}

/* Frame j's dependencies from j->i on, in order: its type's (ndeps/dep_of), or a struct's
 * members (each wanted complete). 1 when every one is ready; 0 after pushing the job of the
 * first that is not, past which j->i has moved: once that job is done the dependency is
 * ready (a job ends done or the import fails), so the frame goes on with the next one
 * without checking it again; or a negative error. j is not valid after a push. */
static int await_deps(struct ctx *c, struct tbtf_job *j, const struct btf_type *t, bool members)
{
    uint32_t n = members ? btf_vlen(t) : ndeps(t);
    while (j->i < n) {
        int want = OP_FULL;
        uint32_t d = members ? btf_members(t)[j->i].type : dep_of(t, j->i, &want);
        int r = ready(c, j->id, d, want);
        if (r < 0)
            return r;
        j->i++;
        if (!r)
            return push(c, want == OP_FULL ? full_op(c, d) : OP_HANDLE, d);
    }
    return 1;
}

static int step_handle(struct ctx *c)
{
    uint8_t *st;
    const struct btf_type *t;
    struct tbtf_job *j = top(c, &st, &t);
    uint32_t id = j->id;
    if (!j->started) {
        if (*st >= TBTF_HANDLED && *st != TBTF_SKIPPED) {
            return pop(c);
        }
        if (!t)
            return tbtf_fail(c->diag, TYR_EBTF, id, "BTF type %u: no such type", id);
        if (*st == TBTF_HANDLING)
            return fail(c, TYR_EBTF, id, "a reference loop that passes through no struct");
        if (*st == TBTF_SKIPPED || btf_is_var(t) || btf_is_datasec(t) || btf_is_decl_tag(t))
            return fail(c, TYR_EBTF, id, "a var, datasec or decl_tag used as a type");
        *st = TBTF_HANDLING;
        j->started = 1;
    }
    int r = await_deps(c, j, t, false);
    if (r <= 0)
        return r;
    int err = create(c, id, t);
    if (err) {
        *st = TBTF_NONE;
        return err;
    }
    return pop(c);
}

/* ---- FULL and FILL ---- */

static int step_full(struct ctx *c)
{
    struct tbtf_job *j = &c->s.jobs[c->s.njobs - 1];
    uint32_t id = j->id;
    if (!j->started) {
        j->started = 1;
        if (*tbtf_state(c->b, id) < TBTF_HANDLED || *tbtf_state(c->b, id) == TBTF_SKIPPED)
            return push(c, OP_HANDLE, id);
    }
    uint32_t s = resolve(c, id);
    const struct btf_type *t = type_of(c, s);
    if (!t || !btf_is_composite(t)) {
        return pop(c);
    }
    uint8_t st = *tbtf_state(c->b, s);
    if (st == TBTF_FILLED) {
        return pop(c);
    }
    if (st == TBTF_FILLING)
        return fail(c, TYR_EBTF, s, "holds itself by value");
    *j = (struct tbtf_job){.id = s, .op = OP_FILL};
    return 0;
}

/* Storage unit of a bitfield at absolute bit pos, width bs, of a type of ts bytes, inside a
 * record of size bytes: the aligned unit that holds it, else the byte that starts it, else
 * the last unit of the record (as the DWARF importer places them). */
static bool place_bitfield(uint64_t pos, uint32_t bs, uint64_t ts, uint64_t size, uint64_t *off)
{
    if (ts == 0 || ts > 16 || bs == 0 || bs > ts * 8)
        return false;
    uint64_t unit = pos / (ts * 8) * ts;
    if (pos - unit * 8 + bs <= ts * 8 && unit + ts <= size) {
        *off = unit;
        return true;
    }
    *off = pos / 8;
    if (pos % 8 + bs <= ts * 8 && *off + ts <= size)
        return true;
    if (size < ts)
        return false;
    *off = size - ts;
    return pos >= *off * 8 && pos - *off * 8 + bs <= ts * 8;
}

/* Bit position and width of member i of struct t (both kind_flag encodings). */
static void member_bits(const struct ctx *c, const struct btf_type *t, uint32_t i, uint64_t *pos,
                        uint32_t *width)
{
    *pos = btf_member_bit_offset(t, i);
    *width = btf_member_bitfield_size(t, i);
    if (btf_kflag(t))
        return;
    /* kind_flag 0: a bitfield's width (and any extra offset) sits on its member's INT */
    const struct btf_type *mt = type_of(c, btf_members(t)[i].type);
    for (uint32_t s = 0; mt && s < 16 && (btf_is_mod(mt) || btf_is_typedef(mt) ||
                                          btf_is_type_tag(mt)); s++)
        mt = type_of(c, mt->type);
    if (mt && btf_is_int(mt) && (btf_int_offset(mt) || btf_int_bits(mt) != mt->size * 8)) {
        *pos += btf_int_offset(mt);
        *width = btf_int_bits(mt);
    }
}

/* Where member i goes: registry type, byte offset, bit offset and width; and the check the
 * registry would make when it is added (so that a struct is completed only once every
 * member is known to fit: a failure leaves it declared, never half-filled). */
static int place_member(struct ctx *c, uint32_t id, const struct btf_type *t, uint32_t i,
                        struct tbtf_member *out)
{
    uint64_t pos;
    char what[96];
    member_bits(c, t, i, &pos, &out->width);
    out->type = mapped(c, btf_members(t)[i].type);
    out->name = cname(c, btf_members(t)[i].name_off);
    out->name_off = c->bulk ? bname(c, btf_members(t)[i].name_off) : 0;
    out->bit_offset = 0;
    struct tyr_bulk_held ri;
    int err = tyr__bulk_held(c->reg, out->type, &ri);
    if (err == TYR_EHANDLE) /* as tyr_type_strip gives: void */
        err = tyr__bulk_held(c->reg, 0, &ri);
    out->align = ri.align;
    if (!err && (ri.kind == TYR_KIND_VOID || ri.kind == TYR_KIND_FUNC ||
                 ri.kind == TYR_KIND_FUNC_PROTO))
        err = TYR_EKIND;
    else if (!err && (ri.kind == TYR_KIND_STRUCT || ri.kind == TYR_KIND_UNION) &&
             (ri.flags & TYR_STRUCT_DECL))
        err = TYR_EINCOMPLETE;
    else if (!err && out->width && ri.kind != TYR_KIND_INT && ri.kind != TYR_KIND_ENUM)
        err = TYR_EKIND;
    if (err) {
        snprintf(what, sizeof what, "member %u ('%s') of a type no member can have", i, out->name);
        return reg_fail(c, err, id, what);
    }
    if (out->width) {
        if (!place_bitfield(pos, out->width, ri.size, t->size, &out->offset)) {
            snprintf(what, sizeof what, "bitfield member %u ('%s') fits no storage unit", i,
                     out->name);
            return reg_fail(c, TYR_ERANGE, id, what);
        }
        out->bit_offset = (uint32_t)(pos - out->offset * 8);
        return 0;
    }
    if (pos % 8) {
        snprintf(what, sizeof what, "member %u ('%s') at bit %llu, not on a byte", i, out->name,
                 (unsigned long long)pos);
        return fail(c, TYR_EBTF, id, what);
    }
    out->offset = pos / 8;
    if (ri.size > t->size || out->offset > t->size - ri.size) {
        snprintf(what, sizeof what, "member %u ('%s') ends past the struct", i, out->name);
        return reg_fail(c, TYR_ERANGE, id, what);
    }
    return 0;
}

static uint32_t name_hash(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* The first i whose names[i] an earlier name equals, or n (TYR_ENOMEM: *err). Most
 * structs have a few members: those are compared pair by pair, the others through a set of
 * hashes. */
static uint32_t first_twice(struct ctx *c, const char **names, uint32_t n, int *err)
{
    *err = 0;
    if (n <= 16) {
        for (uint32_t i = 1; i < n; i++)
            for (uint32_t j = 0; j < i; j++)
                if (names[i][0] == names[j][0] && !strcmp(names[i], names[j]))
                    return i;
        return n;
    }
    uint32_t cap = 64;
    while (cap < 2 * (uint64_t)n)
        cap *= 2;
    if ((*err = room_for((void **)&c->s.seen, &c->s.seen_cap, cap, sizeof *c->s.seen)))
        return n;
    uint32_t *seen = c->s.seen;
    memset(seen, 0, cap * sizeof *seen);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t j = name_hash(names[i]) & (cap - 1);
        for (; seen[j]; j = (j + 1) & (cap - 1))
            if (!strcmp(names[seen[j] - 1], names[i]))
                return i;
        seen[j] = i + 1;
    }
    return n;
}

/* Bulk: complete struct sid and add its members in one call (tyr_struct_complete,
 * tyr_struct_add_field), with the same messages. */
static int bulk_fill(struct ctx *c, uint32_t id, const struct btf_type *t, uint32_t sid,
                     uint32_t align, uint32_t flags)
{
    uint32_t n = btf_vlen(t), bad;
    struct tyr_bulk_member *m = bulk_scratch(c, n, sizeof *m);
    if (!m)
        return TYR_ENOMEM;
    for (uint32_t i = 0; i < n; i++) {
        const struct tbtf_member *mb = &c->s.members[i];
        m[i] = (struct tyr_bulk_member){.offset = mb->offset, .name = mb->name_off,
                                        .type = mb->type, .bit_offset = mb->bit_offset,
                                        .bit_size = mb->width};
    }
    int err = tyr__bulk_fill(c->reg, sid, t->size, align, flags, m, n, &bad);
    if (err && bad == n)
        return reg_fail(c, err, id, "size");
    if (err) {
        char what[96];
        snprintf(what, sizeof what, "member %u ('%s')", bad, c->s.members[bad].name);
        return reg_fail(c, err, id, what);
    }
    return 0;
}

static int fill(struct ctx *c, uint32_t id, const struct btf_type *t)
{
    tyr_struct s = {mapped(c, id)};
    uint32_t n = btf_vlen(t), align = 1, named = 0;
    bool packed = false;
    if (room_for((void **)&c->s.members, &c->s.members_cap, n, sizeof *c->s.members) ||
        room_for((void **)&c->s.names, &c->s.names_cap, n, sizeof *c->s.names))
        return TYR_ENOMEM;
    /* BTF has no alignment: the largest member alignment; a member off its natural
     * alignment, or a size not a multiple of it, means packed (as for DWARF without
     * DW_AT_alignment). */
    for (uint32_t i = 0; i < n; i++) {
        struct tbtf_member *mb = &c->s.members[i];
        int err = place_member(c, id, t, i, mb);
        if (err)
            return err;
        if (*mb->name)
            c->s.names[named++] = mb->name;
        uint32_t a = mb->align ? mb->align : 1;
        if (a > align)
            align = a;
        if (!mb->width && mb->offset % a)
            packed = true;
    }
    int err;
    uint32_t dup = first_twice(c, c->s.names, named, &err);
    if (err)
        return err;
    if (dup < named) {
        char what[96];
        snprintf(what, sizeof what, "two members named '%s'", c->s.names[dup]);
        return reg_fail(c, TYR_EEXIST, id, what);
    }
    if (t->size % align)
        packed = true;
    if (packed)
        align = 1;
    if (c->bulk)
        return bulk_fill(c, id, t, s.id, align, packed ? TYR_STRUCT_PACKED : 0);
    err = tyr_struct_complete(c->reg, s, t->size, align, packed ? TYR_STRUCT_PACKED : 0);
    if (err)
        return reg_fail(c, err, id, "size");
    for (uint32_t i = 0; i < n; i++) {
        const struct tbtf_member *mb = &c->s.members[i];
        if ((err = tyr_struct_add_field(c->reg, s, mb->name, (tyr_type){mb->type}, mb->offset,
                                        mb->bit_offset, mb->width))) {
            char what[96];
            snprintf(what, sizeof what, "member %u ('%s')", i, mb->name);
            return reg_fail(c, err, id, what);
        }
    }
    return 0;
}

static int step_fill(struct ctx *c)
{
    uint8_t *st;
    const struct btf_type *t;
    struct tbtf_job *j = top(c, &st, &t);
    uint32_t id = j->id;
    if (!j->started) {
        if (*st == TBTF_FILLED) {
            return pop(c);
        }
        *st = TBTF_FILLING;
        j->started = 1;
    }
    int r = await_deps(c, j, t, true);
    if (r <= 0)
        return r;
    int err = fill(c, id, t);
    if (err)
        return err;
    *st = TBTF_FILLED;
    return pop(c);
}

/* ---- Driver ---- */

static int run(struct ctx *c, uint32_t id, int want)
{
    int err = push(c, (uint8_t)want, id);
    while (!err && c->s.njobs) {
        switch (c->s.jobs[c->s.njobs - 1].op) {
        case OP_HANDLE: err = step_handle(c); break;
        case OP_FULL: err = step_full(c); break;
        default: err = step_fill(c); break;
        }
    }
    /* On failure the ids in progress go back to not met (a reference) or declared (a struct
     * being filled) and nothing waits to be filled: the handle's state holds only what is
     * done. The public call then undoes the import (btf_api.c) with a new generation, so the
     * next call binds afresh anyway. */
    if (err) {
        for (uint32_t k = 0; k < c->s.njobs; k++) {
            uint8_t *st = tbtf_state(c->b, c->s.jobs[k].id);
            if (c->s.jobs[k].op == OP_HANDLE && *st == TBTF_HANDLING)
                *st = TBTF_NONE;
            else if (c->s.jobs[k].op == OP_FILL && *st == TBTF_FILLING)
                *st = TBTF_HANDLED;
        }
        for (tyr_btf *h = c->b; h; h = h->base)
            h->npending = 0;
    }
    c->s.njobs = 0;
    return err;
}

/* Fill every struct/union declared and not filled yet, in b and its bases (filling one may
 * declare more; each id is declared once, so this ends). */
static int drain_pending(struct ctx *c)
{
    bool more = true;
    while (more) {
        more = false;
        for (tyr_btf *h = c->b; h; h = h->base) {
            while (h->npending) {
                uint32_t s = h->pending[--h->npending];
                more = true;
                if (*tbtf_state(c->b, s) != TBTF_HANDLED)
                    continue;
                int err = run(c, s, OP_FILL);
                if (err)
                    return err;
            }
        }
    }
    return 0;
}

int tbtf_import(tyr_btf *b, uint32_t id, enum tbtf_want want, uint32_t *out, tyr_diag *diag)
{
    struct ctx c = {.b = b, .reg = b->reg, .diag = diag, .solo = b->solo, .s = b->scratch};
    /* id, then the structs it reaches only through pointers: they get their layout too */
    int err = run(&c, id, want == TBTF_WANT_FULL ? OP_FULL : OP_HANDLE);
    if (!err)
        err = drain_pending(&c);
    if (!err && out)
        *out = mapped(&c, id);
    b->scratch = c.s;
    b->scanned = tyr_registry_type_count(b->reg);
    return err;
}

/* A VAR, DATASEC or DECL_TAG: no registry type, counted once. */
static bool skipped(struct ctx *c, uint32_t id, const struct btf_type *t)
{
    if (!btf_is_var(t) && !btf_is_datasec(t) && !btf_is_decl_tag(t))
        return false;
    uint8_t *st = tbtf_state(c->b, id);
    if (*st == TBTF_NONE) {
        *st = TBTF_SKIPPED;
        tyr_btf_stats *s = stats_of(c, id);
        if (btf_is_var(t))
            s->vars++;
        else if (btf_is_datasec(t))
            s->datasecs++;
        else
            s->decl_tags++;
    }
    return true;
}

int tbtf_import_own(tyr_btf *b, const char *strs, uint32_t strs_len, tyr_diag *diag)
{
    struct ctx c = {.b = b, .reg = b->reg, .diag = diag, .solo = b->solo, .s = b->scratch,
                    .bulk = strs != NULL, .strs = strs, .strs_len = strs_len};
    int err = 0;
    /* every own id in one run of jobs; the structs reached only through pointers are
     * filled once at the end */
    for (uint32_t id = b->start; id < b->n && !err; id++) {
        const struct btf_type *t = tbtf_type(b, id);
        if (!t)
            err = tbtf_fail(diag, TYR_EBTF, id, "BTF type %u: no such type", id);
        else if (skipped(&c, id, t) || *tbtf_state(b, id) == TBTF_FILLED)
            continue;
        else if (*tbtf_state(b, id) == TBTF_HANDLED && ready(&c, id, id, OP_FULL) == 1)
            continue; /* what a FULL job would find: nothing to do */
        else /* a FULL job on a type that is no struct and heads no chain is its HANDLE */
            err = run(&c, id, btf_is_composite(t) || chain_kind(t) ? OP_FULL : OP_HANDLE);
    }
    if (!err)
        err = drain_pending(&c);
    b->scratch = c.s;
    b->scanned = tyr_registry_type_count(b->reg);
    return err;
}

/* SPDX-License-Identifier: MIT */
/*
 * Queries on `const tyr_registry *`: the same code reads a building registry and a mapped,
 * verified one. Every loop here is bounded by an invariant the builder keeps and the verifier
 * checks (refs point to lower ids, index chains strictly decrease), and is guarded anyway so
 * that a trusted but damaged blob cannot make it spin.
 */
#include <string.h>

#include "internal.h"

static const struct tyr_rec_type *resolved(const tyr_registry *reg, uint32_t id)
{
    return tyr__type(reg, tyr__resolve(reg, id));
}

int tyr_type_kind(const tyr_registry *reg, tyr_type t)
{
    const struct tyr_rec_type *r = reg ? tyr__type(reg, t.id) : NULL;
    return r ? r->kind : TYR_EHANDLE;
}

const char *tyr_type_name(const tyr_registry *reg, tyr_type t)
{
    const struct tyr_rec_type *r = reg ? tyr__type(reg, t.id) : NULL;
    return r ? tyr__str(reg, r->name) : "";
}

uint64_t tyr_type_size(const tyr_registry *reg, tyr_type t)
{
    const struct tyr_rec_type *r = reg ? resolved(reg, t.id) : NULL;
    if (!r || r->kind == TYR_KIND_FUNC || r->kind == TYR_KIND_FUNC_PROTO)
        return 0;
    if (r->kind == TYR_KIND_ARRAY && (r->flags & TYR_ARRAY_INCOMPLETE)) {
        uint32_t a;
        return tyr__incomplete_array_size(reg, tyr__resolve(reg, t.id), &a);
    }
    return tyr__t_size(reg, r);
}

uint32_t tyr_type_align(const tyr_registry *reg, tyr_type t)
{
    const struct tyr_rec_type *r = reg ? resolved(reg, t.id) : NULL;
    if (r && r->kind == TYR_KIND_ARRAY && (r->flags & TYR_ARRAY_INCOMPLETE)) {
        uint32_t a = 0;
        tyr__incomplete_array_size(reg, tyr__resolve(reg, t.id), &a);
        return a;
    }
    return r ? tyr__t_align(r) : 0;
}

uint64_t tyr__incomplete_array_size(const tyr_registry *reg, uint32_t id, uint32_t *align)
{
    uint64_t n = 1;
    *align = 0;
    for (uint32_t guard = 0; guard <= reg->ntypes; guard++) {
        const struct tyr_rec_type *r = tyr__type(reg, id);
        if (!r)
            return 0;
        if (r->kind != TYR_KIND_ARRAY || !(r->flags & TYR_ARRAY_INCOMPLETE)) {
            uint64_t size = tyr__t_size(reg, r);
            if (!tyr__is_record_kind(r->kind) || (r->flags & TYR_STRUCT_DECL) ||
                (size && n > UINT64_MAX / size))
                return 0;
            *align = tyr__t_align(r);
            return n * size;
        }
        uint32_t count = tyr__t_count(reg, r);
        if (count && n > UINT64_MAX / count)
            return 0;
        n *= count;
        uint32_t elem = tyr__t_ref(r);
        if (elem >= id)
            return 0; /* a damaged trusted blob: refs go down */
        id = tyr__resolve(reg, elem);
    }
    return 0;
}

int tyr_type_get(const tyr_registry *reg, tyr_type t, tyr_type_info *out)
{
    if (!reg || !out)
        return TYR_EINVAL;
    const struct tyr_rec_type *r = tyr__type(reg, t.id);
    if (!r)
        return TYR_EHANDLE;
    tyr_type_info info = {
        .kind = r->kind,
        .flags = r->flags & ~TYR_TF_SEALED,
        .name = tyr__str(reg, r->name),
        .size = tyr_type_size(reg, t),
        .align = tyr_type_align(reg, t),
        .target = {tyr__t_ref(r)},
    };
    switch (r->kind) {
    case TYR_KIND_ARRAY:
    case TYR_KIND_STRUCT:
    case TYR_KIND_UNION:
    case TYR_KIND_ENUM:
    case TYR_KIND_FUNC_PROTO:
        info.count = tyr__t_count(reg, r);
        break;
    case TYR_KIND_FUNC: {
        const struct tyr_rec_type *p = tyr__type(reg, tyr__t_ref(r));
        info.count = p ? tyr__t_count(reg, p) : 0;
        break;
    }
    case TYR_KIND_INT:
    case TYR_KIND_FLOAT:
        info.bits = tyr__t_bits(r);
        break;
    default:
        break;
    }
    *out = info;
    return 0;
}

tyr_sized_type tyr_sized(const tyr_registry *reg, tyr_type t)
{
    tyr_sized_type st = {0, 0, 0, 0};
    const struct tyr_rec_type *r = reg ? tyr__type(reg, t.id) : NULL;
    if (!r)
        return st;
    st.kind = r->kind;
    st.flags = (uint16_t)(r->flags & ~TYR_TF_SEALED);
    st.id = t.id;
    st.size = tyr_type_size(reg, t);
    return st;
}

tyr_sized_type tyr_sized_pointee(const tyr_registry *reg, tyr_sized_type ptr)
{
    tyr_sized_type none = {0, 0, 0, 0};
    const struct tyr_rec_type *r = reg ? resolved(reg, ptr.id) : NULL;
    if (!r || r->kind != TYR_KIND_PTR)
        return none;
    return tyr_sized(reg, (tyr_type){tyr__t_ref(r)});
}

tyr_type tyr_type_strip(const tyr_registry *reg, tyr_type t, uint32_t what)
{
    if (!reg || !tyr__type(reg, t.id))
        return TYR_VOID;
    if ((what & TYR_STRIP_ALL) == TYR_STRIP_ALL)
        return (tyr_type){tyr__resolve(reg, t.id)};
    for (uint32_t guard = 0; guard < reg->ntypes; guard++) {
        const struct tyr_rec_type *r = &reg->types[t.id];
        bool strip = (r->kind == TYR_KIND_TYPEDEF && (what & TYR_STRIP_TYPEDEFS)) ||
                     (tyr__is_qual_kind(r->kind) && (what & TYR_STRIP_QUALS));
        uint32_t target = tyr__t_ref(r);
        if (!strip || target >= t.id)
            break;
        t.id = target;
    }
    return t;
}

uint64_t tyr_array_flat(const tyr_registry *reg, tyr_type t, tyr_type *elem)
{
    uint64_t total = 1;
    tyr_type_info ti;
    /* an element type is older than its array, so the walk ends; the guard bounds it anyway */
    for (uint32_t guard = 0; reg && guard < reg->ntypes; guard++) {
        if (tyr_type_get(reg, t, &ti) || ti.kind != TYR_KIND_ARRAY)
            break;
        total = ti.count && total > UINT64_MAX / ti.count ? UINT64_MAX : total * ti.count;
        t = ti.target;
    }
    if (elem)
        *elem = t;
    return total;
}

/* ---- Members -------------------------------------------------------------------------- */

/* The resolved record behind rec, or NULL with *err set. */
static const struct tyr_rec_type *record(const tyr_registry *reg, uint32_t rec, int *err)
{
    const struct tyr_rec_type *r = tyr__type(reg, rec);
    if (!r) {
        *err = TYR_EHANDLE;
        return NULL;
    }
    r = resolved(reg, rec);
    if (!r || !tyr__is_record_kind(r->kind)) {
        *err = TYR_EKIND;
        return NULL;
    }
    return r;
}

static void field_info(const tyr_registry *reg, const struct tyr_rec_field *f, uint64_t base,
                       tyr_field_info *out)
{
    out->name = tyr__str(reg, f->name);
    out->type.id = f->type;
    out->offset = base + tyr__f_offset(reg, f);
    out->bit_offset = tyr__f_bit_offset(reg, f);
    out->bit_size = tyr__f_bit_size(reg, f);
    out->flags = tyr__f_flags(f);
}

int tyr_field_at(const tyr_registry *reg, tyr_type rec, uint32_t i, tyr_field_info *out)
{
    int err = TYR_EINVAL;
    if (!reg || !out)
        return err;
    const struct tyr_rec_type *r = record(reg, rec.id, &err);
    if (!r)
        return err;
    if (i >= tyr__t_count(reg, r))
        return TYR_ENOENT;
    field_info(reg, &reg->fields[tyr__t_first(r) + i], 0, out);
    return 0;
}

#define TYR_ANON_DEPTH 32

int tyr_field_by_name(const tyr_registry *reg, tyr_type rec, const char *name,
                      tyr_field_info *out)
{
    int err = TYR_EINVAL;
    if (!reg || !name || !*name)
        return err;
    const struct tyr_rec_type *r = record(reg, rec.id, &err);
    if (!r)
        return err;
    /* Depth-first through anonymous members, with an explicit stack: C finds `x` in
     * `struct { union { int x; }; }` as if it were a direct member. */
    struct frame {
        uint32_t next, end; /* field handles: the next to visit, one past the last */
        uint64_t base;
    } stack[TYR_ANON_DEPTH];
    int depth = 0;
    bool too_deep = false;
    /* Each member of a tree of anonymous members is visited once, so a walk longer than the
     * field table means types shared within the tree (a DAG): exponential, and refused. */
    uint64_t budget = reg->nfields;
    uint32_t first = tyr__t_first(r);
    stack[0] = (struct frame){first, first + tyr__t_count(reg, r), 0};
    while (depth >= 0) {
        struct frame *fr = &stack[depth];
        if (fr->next >= fr->end) {
            depth--;
            continue;
        }
        if (budget-- == 0)
            return TYR_EDEPTH;
        const struct tyr_rec_field *f = &reg->fields[fr->next++];
        if (f->name) {
            const char *s = tyr__str(reg, f->name);
            if (s[0] == name[0] && !strcmp(s, name)) {
                if (out)
                    field_info(reg, f, fr->base, out);
                return 0;
            }
            continue;
        }
        const struct tyr_rec_type *inner = resolved(reg, f->type);
        if (!inner || !tyr__is_record_kind(inner->kind))
            continue;
        if (depth + 1 >= TYR_ANON_DEPTH) {
            too_deep = true;
            continue;
        }
        uint64_t base = fr->base + tyr__f_offset(reg, f);
        uint32_t inner_first = tyr__t_first(inner);
        stack[++depth] =
            (struct frame){inner_first, inner_first + tyr__t_count(reg, inner), base};
    }
    return too_deep ? TYR_EDEPTH : TYR_ENOENT;
}

static bool is_ident_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '$';
}

int tyr_field_path(const tyr_registry *reg, tyr_type t, const char *path, tyr_field_info *out)
{
    if (!reg || !path || !tyr__type(reg, t.id))
        return reg && path ? TYR_EHANDLE : TYR_EINVAL;
    tyr_field_info cur = {.name = "", .type = t};
    const char *p = path;
    bool first = true;
    while (*p) {
        if (*p == '[') {
            const struct tyr_rec_type *a = resolved(reg, cur.type.id);
            if (!a || a->kind != TYR_KIND_ARRAY)
                return TYR_EKIND;
            p++;
            if (*p < '0' || *p > '9')
                return TYR_EINVAL;
            uint64_t idx = 0;
            for (; *p >= '0' && *p <= '9'; p++) {
                if (idx > (UINT64_MAX - 9) / 10)
                    return TYR_EOVERFLOW;
                idx = idx * 10 + (uint64_t)(*p - '0');
            }
            if (*p++ != ']')
                return TYR_EINVAL;
            if (!(a->flags & TYR_ARRAY_FLEX) && idx >= tyr__t_count(reg, a))
                return TYR_ERANGE;
            uint32_t elem = tyr__t_ref(a);
            uint64_t esize = tyr_type_size(reg, (tyr_type){elem});
            if (esize && idx > (UINT64_MAX - cur.offset) / esize)
                return TYR_EOVERFLOW;
            cur.offset += idx * esize;
            cur.type.id = elem;
            cur.bit_offset = cur.bit_size = 0;
            first = false;
            continue;
        }
        if (*p == '.') {
            p++;
        } else if (!first) {
            return TYR_EINVAL;
        }
        const char *start = p;
        while (is_ident_char(*p))
            p++;
        size_t len = (size_t)(p - start);
        char name[256];
        if (len == 0 || len >= sizeof(name))
            return TYR_EINVAL;
        memcpy(name, start, len);
        name[len] = '\0';
        if (cur.bit_size)
            return TYR_EKIND; /* a bitfield has no members */
        tyr_field_info f;
        int err = tyr_field_by_name(reg, cur.type, name, &f);
        if (err)
            return err;
        if (f.offset > UINT64_MAX - cur.offset)
            return TYR_EOVERFLOW;
        f.offset += cur.offset;
        cur = f;
        first = false;
    }
    if (first)
        return TYR_EINVAL;
    if (out)
        *out = cur;
    return 0;
}

int tyr_enumerator_at(const tyr_registry *reg, tyr_type e, uint32_t i, tyr_enumerator_info *out)
{
    if (!reg || !out)
        return TYR_EINVAL;
    const struct tyr_rec_type *r = tyr__type(reg, e.id);
    if (!r)
        return TYR_EHANDLE;
    r = resolved(reg, e.id);
    if (r->kind != TYR_KIND_ENUM)
        return TYR_EKIND;
    if (i >= tyr__t_count(reg, r))
        return TYR_ENOENT;
    const struct tyr_rec_enumerator *en = &reg->enums[tyr__t_first(r) + i];
    out->name = tyr__str(reg, en->name);
    out->value = tyr__e_value(reg, en);
    return 0;
}

int tyr_param_at(const tyr_registry *reg, tyr_type fn, uint32_t i, tyr_param_info *out)
{
    if (!reg || !out)
        return TYR_EINVAL;
    const struct tyr_rec_type *r = tyr__type(reg, fn.id);
    if (!r)
        return TYR_EHANDLE;
    if (r->kind == TYR_KIND_FUNC)
        r = tyr__type(reg, tyr__t_ref(r));
    if (!r || r->kind != TYR_KIND_FUNC_PROTO)
        return TYR_EKIND;
    if (i >= tyr__t_count(reg, r))
        return TYR_ENOENT;
    const struct tyr_rec_param *p = &reg->params[tyr__t_first(r) + i];
    out->name = tyr__str(reg, p->name);
    out->type.id = p->type;
    return 0;
}

/* ---- Name index ----------------------------------------------------------------------- */

/* The highest id below `below` named name and of kind (TYR_KIND_ANY: any), 0 if none. The
 * index (tyr__name_below: the building registry's chains or a mapped one's buckets) gives
 * every type of a name in decreasing id order, strictly decreasing, so the loop ends. */
static uint32_t find_below(const tyr_registry *reg, const char *name, int kind, uint32_t below)
{
    uint32_t id = tyr__name_below(reg, name, below);
    while (id && kind != TYR_KIND_ANY && reg->types[id].kind != kind)
        id = tyr__name_below(reg, name, id);
    return id;
}

int tyr_find(const tyr_registry *reg, const char *name, int kind, tyr_type *out)
{
    if (!reg || !name)
        return TYR_EINVAL;
    uint32_t id = find_below(reg, name, kind, UINT32_MAX);
    if (!id)
        return TYR_ENOENT;
    if (out)
        out->id = id;
    return 0;
}

int tyr_find_next(const tyr_registry *reg, const char *name, int kind, tyr_type prev,
                  tyr_type *out)
{
    if (!reg || !name)
        return TYR_EINVAL;
    if (!prev.id || prev.id >= reg->ntypes)
        return TYR_EHANDLE;
    uint32_t id = find_below(reg, name, kind, prev.id);
    if (!id)
        return TYR_ENOENT;
    if (out)
        out->id = id;
    return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * Bulk appends to an empty building registry (the declarations in lib/internal.h say who may
 * call them and when). The BTF importer fills a registry with a whole kernel's types; the
 * public builders would intern and hash every name and re-check the registry's state on
 * every member. Here the source's string table becomes the registry's, names are offsets
 * into it, and a record arrives with all of its members: each call makes the checks of the
 * builders it stands for (the same codes, in the same order), then writes the record and its
 * tail. What a builder keeps besides the records is kept the same way: each named type's
 * hash and its place in the name index, the layout records in type-id order, the sealed
 * flag of what is held by value, the ranks.
 *
 * Field and enumerator records are written by tyr__field_append and tyr__enum_append (which
 * add an escape entry where a place or value needs one), parameter records by put_param,
 * and nowhere else in this file.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* ---- The tails: one writer each ------------------------------------------------------- */

/* Room for n more records of a tail table (grows it once when the reservation is short). */
static int tail_room(tyr_registry *reg, unsigned space, uint32_t n)
{
    uint32_t have = space == TYR_SPACE_FIELD        ? reg->cap_fields - reg->nfields
                    : space == TYR_SPACE_ENUMERATOR ? reg->cap_enums - reg->nenums
                                                    : reg->cap_params - reg->nparams;
    if (n <= have)
        return 0;
    struct tyr_registry_room room = {.sz = sizeof room};
    if (space == TYR_SPACE_FIELD)
        room.fields = n;
    else if (space == TYR_SPACE_ENUMERATOR)
        room.enumerators = n;
    else
        room.params = n;
    return tyr_registry_reserve(reg, &room);
}

/* The only writer of param records here (room made by tail_room). */
static void put_param(tyr_registry *reg, uint32_t name, uint32_t type)
{
    reg->params[reg->nparams++] = (struct tyr_rec_param){.name = name, .type = type};
}

/* ---- Types ---------------------------------------------------------------------------- */

/* A name argument: 0 (none), or the offset of a non-empty string of the adopted table. */
static bool name_ok(const tyr_registry *reg, uint32_t name)
{
    return !name || (name < reg->strs_len && reg->strs[name]);
}

static int check_name(const tyr_registry *reg, uint32_t name)
{
    if (reg->mode != TYR_MODE_BUILDING)
        return TYR_EREADONLY;
    return name_ok(reg, name) ? 0 : TYR_EINVAL;
}

/* Append rec (its name an offset of the table) and, when given, its layout; all-or-nothing. */
static int push(tyr_registry *reg, struct tyr_rec_type rec, const struct tyr_rec_layout *layout,
                uint32_t *id)
{
    if (reg->ntypes == UINT32_MAX || (layout && reg->nlayouts == UINT32_MAX))
        return TYR_EOVERFLOW;
    if (reg->ntypes >= reg->cap_types || (layout && reg->nlayouts >= reg->cap_layouts) ||
        (rec.name && (uint64_t)reg->nnamed >= (uint64_t)reg->nbuckets * 4)) {
        int err = tyr_registry_reserve(reg, TYR_OPTS(tyr_registry_room, .types = 1,
                                                     .named = rec.name != 0,
                                                     .sized = layout != NULL));
        if (err)
            return err;
    }
    if (layout) {
        rec.b = reg->nlayouts;
        reg->layouts[reg->nlayouts++] = *layout;
    }
    uint32_t n = reg->ntypes++;
    uint32_t hash = rec.name ? tyr__name_hash(reg->strs + rec.name) : 0;
    reg->types[n] = rec;
    reg->chain[n] = 0;
    reg->name_hash[n] = hash;
    if (rec.name)
        tyr__index_add(reg, n, hash);
    *id = n;
    return 0;
}

int tyr__bulk_adopt_strings(tyr_registry *reg, const char *strs, uint32_t len)
{
    if (!reg || !strs)
        return TYR_EINVAL;
    if (reg->mode != TYR_MODE_BUILDING)
        return TYR_EREADONLY;
    if (reg->ntypes != 1 || reg->strs_len != 1 || reg->nlayouts != 1 || reg->nfields != 1 ||
        reg->nenums != 1 || reg->nparams != 1 || reg->open_snapshots)
        return TYR_EINVAL; /* not empty */
    if (!len || strs[0] || strs[len - 1])
        return TYR_EINVAL; /* the table starts with "" and ends with a NUL */
    int err = tyr_registry_reserve(reg, TYR_OPTS(tyr_registry_room, .string_bytes = len - 1));
    if (err)
        return err;
    memcpy(reg->strs, strs, len);
    reg->strs_len = len;
    free(reg->intern);
    free(reg->intern_tag);
    reg->intern = NULL;
    reg->intern_tag = NULL;
    reg->intern_cap = reg->intern_used = 0; /* built at the first intern (intern_build) */
    return 0;
}

void tyr__bulk_abandon(tyr_registry *reg)
{
    if (!reg || reg->mode != TYR_MODE_BUILDING)
        return;
    /* Entry 0 of every table, the "none" record, is left as tyr_registry_new wrote it: no
     * bulk append writes it (a seal reaches records and arrays only). */
    reg->ntypes = reg->nlayouts = reg->nfields = reg->nenums = reg->nparams = 1;
    reg->nwfields = reg->nwenums = 0; /* escapes of members and enumerators now gone */
    reg->strs_len = 1;                /* the adopted table goes; offset 0 is still "" */
    /* The string set: absent since the adoption unless an intern built it since; either way
     * it holds no string now. */
    if (reg->intern_cap)
        memset(reg->intern_tag, 0, (size_t)reg->intern_cap * sizeof(*reg->intern_tag));
    reg->intern_used = 0;
    /* The name index: as many buckets as it grew to, all empty (a blob sizes its own). */
    memset(reg->buckets, 0, (size_t)reg->nbuckets * sizeof(*reg->buckets));
    reg->nnamed = 0;
    reg->generation = tyr__next_generation();
}

int tyr__bulk_int(tyr_registry *reg, uint32_t name, uint32_t size, uint32_t flags, uint32_t *id)
{
    int err = check_name(reg, name);
    if (err)
        return err;
    if (!tyr__int_ok(size, flags))
        return TYR_EINVAL;
    struct tyr_rec_type r = {.kind = TYR_KIND_INT, .flags = (uint8_t)flags, .aux = (uint16_t)size,
                             .name = name, .a = size * 8, .b = size};
    return push(reg, r, NULL, id);
}

int tyr__bulk_float(tyr_registry *reg, uint32_t name, uint32_t size, uint32_t bits, uint32_t *id)
{
    int err = check_name(reg, name);
    if (err)
        return err;
    if (!tyr__float_ok(size, bits))
        return TYR_EINVAL;
    struct tyr_rec_type r = {.kind = TYR_KIND_FLOAT, .aux = (uint16_t)size, .name = name,
                             .a = bits, .b = size};
    return push(reg, r, NULL, id);
}

int tyr__bulk_unknown(tyr_registry *reg, uint32_t name, uint64_t size, uint32_t *id)
{
    int err = check_name(reg, name);
    if (err)
        return err;
    struct tyr_rec_type r = {.kind = TYR_KIND_UNKNOWN, .aux = 1, .name = name};
    struct tyr_rec_layout l = {.size = size};
    return push(reg, r, &l, id);
}

int tyr__bulk_ptr(tyr_registry *reg, uint32_t target, uint32_t *id)
{
    int err = check_name(reg, 0);
    if (err)
        return err;
    if (target >= reg->ntypes)
        return TYR_EHANDLE;
    struct tyr_rec_type r = {.kind = TYR_KIND_PTR, .aux = (uint16_t)reg->pointer_size,
                             .a = target, .b = reg->pointer_size};
    return push(reg, r, NULL, id);
}

int tyr__bulk_qual(tyr_registry *reg, int kind, uint32_t target, uint32_t *id)
{
    int err = check_name(reg, 0);
    if (err)
        return err;
    if (!tyr__is_qual_kind(kind))
        return TYR_EINVAL;
    if (target >= reg->ntypes)
        return TYR_EHANDLE;
    uint32_t res = tyr__resolve(reg, target);
    if (kind == TYR_KIND_RESTRICT && reg->types[res].kind != TYR_KIND_PTR)
        return TYR_EKIND;
    struct tyr_rec_type r = {.kind = (uint8_t)kind, .a = target, .b = res};
    return push(reg, r, NULL, id);
}

int tyr__bulk_typedef(tyr_registry *reg, uint32_t name, uint32_t target, uint32_t *id)
{
    int err = check_name(reg, name);
    if (err)
        return err;
    if (!name)
        return TYR_EINVAL;
    if (target >= reg->ntypes)
        return TYR_EHANDLE;
    struct tyr_rec_type r = {.kind = TYR_KIND_TYPEDEF, .name = name, .a = target,
                             .b = tyr__resolve(reg, target)};
    return push(reg, r, NULL, id);
}

int tyr__bulk_func(tyr_registry *reg, uint32_t name, uint32_t proto, uint32_t *id)
{
    int err = check_name(reg, name);
    if (err)
        return err;
    if (!name)
        return TYR_EINVAL;
    if (proto >= reg->ntypes)
        return TYR_EHANDLE;
    if (reg->types[proto].kind != TYR_KIND_FUNC_PROTO)
        return TYR_EKIND;
    struct tyr_rec_type r = {.kind = TYR_KIND_FUNC, .name = name, .a = proto};
    return push(reg, r, NULL, id);
}

int tyr__bulk_declare(tyr_registry *reg, int kind, uint32_t name, uint32_t *id)
{
    int err = check_name(reg, name);
    if (err)
        return err;
    if (!tyr__is_record_kind(kind))
        return TYR_EINVAL;
    struct tyr_rec_type r = {.kind = (uint8_t)kind, .flags = TYR_STRUCT_DECL, .name = name};
    struct tyr_rec_layout l = {0};
    return push(reg, r, &l, id);
}

/* ---- Held by value: arrays and members ------------------------------------------------ */

/* Marks a record or array as held by value (new records only: nothing to log). */
static void seal(tyr_registry *reg, uint32_t id)
{
    struct tyr_rec_type *r = &reg->types[id];
    if (tyr__is_record_kind(r->kind) || r->kind == TYR_KIND_ARRAY)
        r->flags |= TYR_TF_SEALED;
}

int tyr__bulk_array(tyr_registry *reg, uint32_t elem, uint32_t count, uint32_t *id)
{
    int err = check_name(reg, 0);
    if (err)
        return err;
    uint32_t eid;
    if ((err = tyr__by_value(reg, elem, &eid))) {
        /* an element only declared: an incomplete array, nothing sealed (tyr_add_array) */
        if (err != TYR_EINCOMPLETE)
            return err;
        struct tyr_rec_type r = {.kind = TYR_KIND_ARRAY, .flags = TYR_ARRAY_INCOMPLETE,
                                 .a = elem};
        struct tyr_rec_layout l = {.count = count};
        return push(reg, r, &l, id);
    }
    const struct tyr_rec_type *e = &reg->types[eid];
    if (e->kind == TYR_KIND_ARRAY && (e->flags & TYR_ARRAY_FLEX))
        return TYR_EINCOMPLETE;
    uint64_t esize = tyr__t_size(reg, e);
    if (esize && count > UINT64_MAX / esize)
        return TYR_EOVERFLOW;
    struct tyr_rec_type r = {.kind = TYR_KIND_ARRAY, .aux = (uint16_t)tyr__t_align(e), .a = elem};
    struct tyr_rec_layout l = {.size = esize * count, .count = count,
                               .rank = tyr__held_rank(reg, e)};
    if ((err = push(reg, r, &l, id)))
        return err;
    seal(reg, eid);
    return 0;
}

int tyr__bulk_held(const tyr_registry *reg, uint32_t type, struct tyr_bulk_held *out)
{
    if (type >= reg->ntypes)
        return TYR_EHANDLE;
    uint32_t res = tyr__resolve(reg, type);
    const struct tyr_rec_type *r = &reg->types[res];
    *out = (struct tyr_bulk_held){.kind = r->kind, .flags = r->flags & ~TYR_TF_SEALED};
    if (r->kind == TYR_KIND_ARRAY && (r->flags & TYR_ARRAY_INCOMPLETE)) {
        out->size = tyr__incomplete_array_size(reg, res, &out->align);
        return 0;
    }
    /* as tyr_type_size and tyr_type_align give them; a function has no size */
    if (r->kind != TYR_KIND_FUNC && r->kind != TYR_KIND_FUNC_PROTO)
        out->size = tyr__t_size(reg, r);
    out->align = tyr__t_align(r);
    return 0;
}

int tyr__bulk_fill(tyr_registry *reg, uint32_t id, uint64_t size, uint32_t align,
                   uint32_t flags, const struct tyr_bulk_member *m, uint32_t n, uint32_t *bad)
{
    *bad = n;
    if (reg->mode != TYR_MODE_BUILDING)
        return TYR_EREADONLY;
    if (id >= reg->ntypes)
        return TYR_EHANDLE;
    struct tyr_rec_type *r = &reg->types[id];
    if (!tyr__is_record_kind(r->kind))
        return TYR_EKIND;
    if (!(r->flags & TYR_STRUCT_DECL))
        return TYR_EEXIST;
    if (!tyr__struct_ok(align, flags))
        return TYR_EINVAL;
    /* every member checked as tyr_struct_add_field would, against the completed size */
    uint32_t rank = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t fid;
        int err = m[i].type >= reg->ntypes                ? TYR_EHANDLE
                  : tyr__resolve(reg, m[i].type) == id   ? TYR_ECYCLE
                                                         : tyr__by_value(reg, m[i].type, &fid);
        const struct tyr_rec_type *ft = err ? NULL : &reg->types[fid];
        if (!err && m[i].bit_size && ft->kind != TYR_KIND_INT && ft->kind != TYR_KIND_ENUM)
            err = TYR_EKIND;
        if (!err)
            err = tyr__member_fits(size, tyr__t_size(reg, ft), m[i].offset, m[i].bit_offset,
                              m[i].bit_size);
        if (!err && m[i].offset > TYR_FIELD_OFFSET_MAX)
            err = TYR_EOVERFLOW;
        if (!err && !name_ok(reg, m[i].name))
            err = TYR_EINVAL;
        if (err) {
            *bad = i;
            return err;
        }
        uint32_t hr = tyr__held_rank(reg, ft);
        rank = hr > rank ? hr : rank;
    }
    int err = tail_room(reg, TYR_SPACE_FIELD, n);
    if (err)
        return err;
    /* The members first: a put that fails leaves records nothing owns (as a range move
     * does) and the struct still only declared, never a struct owning missing members. */
    uint32_t first = reg->nfields;
    for (uint32_t i = 0; i < n; i++) {
        if ((err = tyr__field_append(reg, m[i].name, m[i].type, m[i].offset, m[i].bit_offset,
                                     m[i].bit_size, 0)))
            return err;
    }
    r->flags = (uint8_t)flags;
    r->aux = (uint16_t)align;
    struct tyr_rec_layout *l = &reg->layouts[r->b];
    l->size = size;
    r->a = n ? first : 0;
    l->count = n;
    l->rank = rank;
    for (uint32_t i = 0; i < n; i++)
        seal(reg, tyr__resolve(reg, m[i].type));
    return 0;
}

int tyr__bulk_enum(tyr_registry *reg, uint32_t name, uint32_t size, uint32_t flags,
                   const struct tyr_bulk_enumerator *e, uint32_t n, uint32_t dup,
                   uint32_t *bad, uint32_t *id)
{
    *bad = n;
    int err = check_name(reg, name);
    if (err)
        return err;
    if (!tyr__enum_ok(size, flags))
        return TYR_EINVAL;
    for (uint32_t i = 0; i < n; i++) {
        /* tyr_enum_add's checks in its order: a name, a value that fits, a new name */
        bool fits = tyr__enum_value_fits(e[i].value, size, flags & TYR_ENUM_SIGNED);
        err = !e[i].name || !name_ok(reg, e[i].name) ? TYR_EINVAL
              : !fits                                  ? TYR_ERANGE
              : i == dup                               ? TYR_EEXIST
                                                       : 0;
        if (err) {
            *bad = i;
            return err;
        }
    }
    if ((err = tail_room(reg, TYR_SPACE_ENUMERATOR, n)))
        return err;
    /* The enumerators before the enum, as a struct's members before it is filled. */
    struct tyr_rec_type r = {.kind = TYR_KIND_ENUM, .flags = (uint8_t)flags,
                             .aux = (uint16_t)size, .name = name, .a = n ? reg->nenums : 0};
    struct tyr_rec_layout l = {.size = size, .count = n};
    for (uint32_t i = 0; i < n; i++) {
        if ((err = tyr__enum_append(reg, e[i].name, e[i].value)))
            return err;
    }
    return push(reg, r, &l, id);
}

int tyr__bulk_proto(tyr_registry *reg, uint32_t ret, uint32_t flags,
                    const struct tyr_bulk_param *p, uint32_t n, uint32_t *bad, uint32_t *id)
{
    *bad = n;
    int err = check_name(reg, 0);
    if (err)
        return err;
    if (flags & ~(uint32_t)TYR_FUNC_VARARGS)
        return TYR_EINVAL;
    if (ret >= reg->ntypes)
        return TYR_EHANDLE;
    int k = reg->types[tyr__resolve(reg, ret)].kind;
    if (k == TYR_KIND_FUNC || k == TYR_KIND_FUNC_PROTO || k == TYR_KIND_ARRAY)
        return TYR_EKIND;
    for (uint32_t i = 0; i < n; i++) {
        err = p[i].type >= reg->ntypes                                         ? TYR_EHANDLE
              : reg->types[tyr__resolve(reg, p[i].type)].kind == TYR_KIND_VOID ? TYR_EKIND
              : i == UINT16_MAX                                                ? TYR_EOVERFLOW
              : !name_ok(reg, p[i].name)                                       ? TYR_EINVAL
                                                                               : 0;
        if (err) {
            *bad = i;
            return err;
        }
    }
    if ((err = tail_room(reg, TYR_SPACE_PARAM, n)))
        return err;
    struct tyr_rec_type r = {.kind = TYR_KIND_FUNC_PROTO, .flags = (uint8_t)flags,
                             .aux = (uint16_t)n, .a = ret, .b = n ? reg->nparams : 0};
    if ((err = push(reg, r, NULL, id)))
        return err;
    for (uint32_t i = 0; i < n; i++)
        put_param(reg, p[i].name, p[i].type);
    return 0;
}

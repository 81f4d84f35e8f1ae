/* SPDX-License-Identifier: MIT */
/*
 * tyr_dump_json: the registry (or what the roots reach) as one JSON document. The schema is
 * docs/json.md; keep the two in step. One type per line, keys in a fixed order, so that the
 * output diffs well and is deterministic.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "out.h"

#define JSON_VERSION 1

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if s does not start one. */
static size_t utf8_len(const unsigned char *s)
{
    unsigned char c = s[0];
    size_t n;
    uint32_t cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        cp = c & 0x1fu;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        cp = c & 0x0fu;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        cp = c & 0x07u;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0; /* also stops at the NUL */
        cp = cp << 6 | (s[i] & 0x3fu);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

/* A JSON string: quotes, escapes for `"`, `\` and controls; invalid UTF-8 becomes U+FFFD. */
static void json_str(struct tyr_out *o, const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    tyr__out_write(o, "\"", 1);
    while (*s) {
        size_t n = utf8_len(s);
        if (n == 0) {
            tyr__out_puts(o, "\\ufffd");
            s++;
        } else if (*s == '"' || *s == '\\') {
            tyr__out_write(o, "\\", 1);
            tyr__out_write(o, (const char *)s, 1);
            s++;
        } else if (*s < 0x20) {
            tyr__out_printf(o, "\\u%04x", *s);
            s++;
        } else {
            tyr__out_write(o, (const char *)s, n);
            s += n;
        }
    }
    tyr__out_write(o, "\"", 1);
}

static void json_bool(struct tyr_out *o, const char *key, bool v)
{
    tyr__out_printf(o, ", \"%s\": %s", key, v ? "true" : "false");
}

/* Opens item i of a list of named objects (members, enumerators, parameters) with its name:
 * `{"name": "x"` after a comma unless it is the first. */
static void json_item_name(struct tyr_out *o, uint32_t i, const char *name)
{
    tyr__out_puts(o, i ? ", {\"name\": " : "{\"name\": ");
    json_str(o, name);
}

static void json_params(struct tyr_out *o, const tyr_registry *reg,
                        const struct tyr_rec_type *proto)
{
    uint32_t count = tyr__t_count(reg, proto), first = tyr__t_first(proto);
    tyr__out_puts(o, ", \"params\": [");
    for (uint32_t i = 0; i < count; i++) {
        const struct tyr_rec_param *p = &reg->params[first + i];
        json_item_name(o, i, tyr__str(reg, p->name));
        tyr__out_printf(o, ", \"type\": %" PRIu32 "}", p->type);
    }
    tyr__out_puts(o, "]");
}

static void json_type(struct tyr_out *o, const tyr_registry *reg, uint32_t id)
{
    const struct tyr_rec_type *r = &reg->types[id];
    tyr_type t = {id};
    tyr__out_printf(o, "{\"id\": %" PRIu32 ", \"kind\": \"%s\", \"name\": ", id,
                    r->kind < TYR_KIND_COUNT_ ? tyr_kind_name(r->kind) : "unknown");
    json_str(o, tyr__str(reg, r->name));
    tyr__out_printf(o, ", \"size\": %" PRIu64 ", \"align\": %" PRIu32, tyr_type_size(reg, t),
                    tyr_type_align(reg, t));
    switch (r->kind) {
    case TYR_KIND_INT:
        json_bool(o, "signed", r->flags & TYR_INT_SIGNED);
        json_bool(o, "char", r->flags & TYR_INT_CHAR);
        json_bool(o, "bool", r->flags & TYR_INT_BOOL);
        tyr__out_printf(o, ", \"bits\": %" PRIu32, tyr__t_bits(r));
        break;
    case TYR_KIND_FLOAT:
        tyr__out_printf(o, ", \"bits\": %" PRIu32, tyr__t_bits(r));
        break;
    case TYR_KIND_PTR:
        tyr__out_printf(o, ", \"pointee\": %" PRIu32, tyr__t_ref(r));
        if (r->flags & (TYR_PTR_REF | TYR_PTR_RVREF | TYR_PTR_INVISIBLE)) /* only in C++ */
            tyr__out_puts(o, (r->flags & TYR_PTR_RVREF)       ? ", \"reference\": \"rvalue\""
                             : (r->flags & TYR_PTR_INVISIBLE) ? ", \"reference\": \"invisible\""
                                                              : ", \"reference\": \"lvalue\"");
        break;
    case TYR_KIND_ARRAY:
        tyr__out_printf(o, ", \"element\": %" PRIu32 ", \"count\": %" PRIu32, tyr__t_ref(r),
                        tyr__t_count(reg, r));
        json_bool(o, "flexible", r->flags & TYR_ARRAY_FLEX);
        if (r->flags & TYR_ARRAY_INCOMPLETE) /* only on an array of a struct then declared */
            tyr__out_puts(o, ", \"incomplete\": true");
        break;
    case TYR_KIND_STRUCT:
    case TYR_KIND_UNION:
        json_bool(o, "packed", r->flags & TYR_STRUCT_PACKED);
        json_bool(o, "declaration", r->flags & TYR_STRUCT_DECL);
        tyr__out_puts(o, ", \"fields\": [");
        for (uint32_t i = 0, n = tyr__t_count(reg, r); i < n; i++) {
            const struct tyr_rec_field *f = &reg->fields[tyr__t_first(r) + i];
            json_item_name(o, i, tyr__str(reg, f->name));
            tyr__out_printf(o, ", \"type\": %" PRIu32 ", \"offset\": %" PRIu64
                            ", \"bit_offset\": %" PRIu32 ", \"bit_size\": %" PRIu32,
                            f->type, tyr__f_offset(reg, f), tyr__f_bit_offset(reg, f),
                            tyr__f_bit_size(reg, f));
            if (tyr__f_flags(f) & TYR_FIELD_BASE) /* only on C++ base classes */
                tyr__out_puts(o, (tyr__f_flags(f) & TYR_FIELD_VIRTUAL) ? ", \"base\": \"virtual\""
                                                                : ", \"base\": \"direct\"");
            tyr__out_puts(o, "}");
        }
        tyr__out_puts(o, "]");
        break;
    case TYR_KIND_ENUM:
        json_bool(o, "signed", r->flags & TYR_ENUM_SIGNED);
        tyr__out_puts(o, ", \"enumerators\": [");
        for (uint32_t i = 0, n = tyr__t_count(reg, r); i < n; i++) {
            const struct tyr_rec_enumerator *e = &reg->enums[tyr__t_first(r) + i];
            json_item_name(o, i, tyr__str(reg, e->name));
            if (r->flags & TYR_ENUM_SIGNED)
                tyr__out_printf(o, ", \"value\": %" PRId64 "}", (int64_t)tyr__e_value(reg, e));
            else
                tyr__out_printf(o, ", \"value\": %" PRIu64 "}", tyr__e_value(reg, e));
        }
        tyr__out_puts(o, "]");
        break;
    case TYR_KIND_TYPEDEF:
    case TYR_KIND_CONST:
    case TYR_KIND_VOLATILE:
    case TYR_KIND_RESTRICT:
    case TYR_KIND_ATOMIC:
        tyr__out_printf(o, ", \"target\": %" PRIu32, tyr__t_ref(r));
        break;
    case TYR_KIND_FUNC_PROTO:
        tyr__out_printf(o, ", \"return\": %" PRIu32, tyr__t_ref(r));
        json_bool(o, "varargs", r->flags & TYR_FUNC_VARARGS);
        json_params(o, reg, r);
        break;
    case TYR_KIND_FUNC:
        tyr__out_printf(o, ", \"proto\": %" PRIu32, tyr__t_ref(r));
        break;
    default:
        break;
    }
    tyr__out_puts(o, "}");
}

/* A probe signature: the function, its return type and parameters with C spellings. */
static int json_function(struct tyr_out *o, const tyr_registry *reg, uint32_t id)
{
    const struct tyr_rec_type *f = &reg->types[id];
    const struct tyr_rec_type *p = tyr__type(reg, tyr__t_ref(f));
    if (!p || p->kind != TYR_KIND_FUNC_PROTO)
        return TYR_ECORRUPT;
    char buf[512];
    tyr__out_printf(o, "{\"id\": %" PRIu32 ", \"name\": ", id);
    json_str(o, tyr__str(reg, f->name));
    tyr__out_printf(o, ", \"proto\": %" PRIu32 ", \"return\": %" PRIu32, tyr__t_ref(f),
                    tyr__t_ref(p));
    json_bool(o, "varargs", p->flags & TYR_FUNC_VARARGS);
    tyr__out_puts(o, ", \"params\": [");
    for (uint32_t i = 0, nparams = tyr__t_count(reg, p); i < nparams; i++) {
        const struct tyr_rec_param *pa = &reg->params[tyr__t_first(p) + i];
        tyr__out_puts(o, i ? ", {\"name\": " : "{\"name\": ");
        json_str(o, tyr__str(reg, pa->name));
        tyr__out_printf(o, ", \"type\": %" PRIu32 ", \"c\": ", pa->type);
        int n = tyr_type_spell(reg, (tyr_type){pa->type}, NULL, TYR_SPELL_TIGHT, buf,
                               sizeof(buf));
        if (n < 0)
            return n;
        if ((size_t)n >= sizeof(buf)) {
            char *big = malloc((size_t)n + 1);
            if (!big)
                return TYR_ENOMEM;
            n = tyr_type_spell(reg, (tyr_type){pa->type}, NULL, TYR_SPELL_TIGHT, big,
                               (size_t)n + 1);
            if (n >= 0)
                json_str(o, big);
            free(big);
            if (n < 0)
                return n;
        } else {
            json_str(o, buf);
        }
        tyr__out_puts(o, "}");
    }
    tyr__out_puts(o, "]}");
    return 0;
}

int tyr_dump_json(const tyr_registry *reg, const struct tyr_dump_opts *opts, const tyr_sink *sink)
{
    if (!reg || !sink || !sink->write)
        return TYR_EINVAL;
    int err = tyr__dump_opts_check(opts);
    if (err)
        return err;
    uint8_t *in = calloc(reg->ntypes ? reg->ntypes : 1, 1);
    struct tyr_out *o = malloc(sizeof(*o));
    if (!in || !o) {
        free(in);
        free(o);
        return TYR_ENOMEM;
    }
    if ((err = tyr__select(reg, opts, in)))
        goto out;
    tyr__out_init(o, sink);
    tyr__out_printf(o, "{\"format\": \"tyr\", \"version\": %d, \"pointer_size\": %" PRIu32
                    ",\n\"types\": [", JSON_VERSION, reg->pointer_size);
    bool first = true;
    for (uint32_t id = 1; id < reg->ntypes && !o->err; id++) {
        if (!in[id])
            continue;
        tyr__out_puts(o, first ? "\n  " : ",\n  ");
        first = false;
        json_type(o, reg, id);
    }
    tyr__out_puts(o, "\n],\n\"functions\": [");
    first = true;
    for (uint32_t id = 1; id < reg->ntypes && !o->err && !err; id++) {
        if (!in[id] || reg->types[id].kind != TYR_KIND_FUNC)
            continue;
        tyr__out_puts(o, first ? "\n  " : ",\n  ");
        first = false;
        err = json_function(o, reg, id);
    }
    tyr__out_puts(o, "\n]}\n");
    int oerr = tyr__out_finish(o);
    if (!err)
        err = oerr;
out:
    free(in);
    free(o);
    return err;
}

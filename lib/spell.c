/* SPDX-License-Identifier: MIT */
/*
 * The C spelling of a type: the declarator engine (lib/out.h says how it is built and
 * printed) and tyr_type_spell, which spells a type as declared with it. lib/dump_c.c spells
 * its declarations with the same engine under the TYR_DECL_AS_C policy.
 *
 * C declarators read inside out: `int (*fp)(void)` is built by walking from the outermost
 * type inward and growing the declarator around the name. The walk follows targets, which
 * always point to lower ids, so it ends; a prototype's parameters are spelled by a bounded
 * recursion (the style's max_depth).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "out.h"

#define TYR_SPELL_DEPTH 8

/* ---- The declarator stack ------------------------------------------------------------- */

static int decl_push(struct tyr_decl *d, struct tyr_decl_node node)
{
    if (d->n == d->cap) {
        uint32_t cap = d->cap * 2;
        struct tyr_decl_node *p = malloc(sizeof(*p) * cap);
        if (!p)
            return TYR_ENOMEM;
        memcpy(p, d->nodes, sizeof(*p) * d->n);
        if (d->nodes != d->small)
            free(d->nodes);
        d->nodes = p;
        d->cap = cap;
    }
    d->nodes[d->n++] = node;
    return 0;
}

void tyr__decl_fini(struct tyr_decl *d)
{
    if (d->nodes != d->small)
        free(d->nodes);
    d->nodes = d->small;
    d->n = 0;
    d->cap = TYR_DECL_SMALL;
}

static bool resolves_to(const tyr_registry *reg, uint32_t id, int kind, int kind2)
{
    const struct tyr_rec_type *r = tyr__type(reg, tyr__resolve(reg, id));
    return r && (r->kind == kind || r->kind == kind2);
}

int tyr__decl_build(const tyr_registry *reg, uint32_t id, unsigned policy, struct tyr_decl *d)
{
    bool as_c = policy & TYR_DECL_AS_C;
    unsigned quals = 0;     /* bit k: qualifier kind TYR_KIND_CONST + k is pending */
    bool at_return = false; /* the next type is a function's return type */
    int err = 0;
    d->nodes = d->small;
    d->n = 0;
    d->cap = TYR_DECL_SMALL;
    d->base = 0;
    d->base_quals = 0;
    d->base_bytes = false;
    /* Bounded by the target < id invariant, checked at each step: a trusted, damaged blob
     * ends in TYR_ECORRUPT. */
    for (;;) {
        const struct tyr_rec_type *r = tyr__type(reg, id);
        if (!r)
            return TYR_ECORRUPT;
        bool ret = at_return;
        at_return = false;
        switch (r->kind) {
        case TYR_KIND_CONST:
        case TYR_KIND_VOLATILE:
        case TYR_KIND_RESTRICT:
        case TYR_KIND_ATOMIC:
            /* Qualifiers on a return type mean nothing in C (and gcc warns). */
            if (!(as_c && ret))
                quals |= 1u << (r->kind - TYR_KIND_CONST);
            at_return = ret;
            break;
        case TYR_KIND_PTR:
            /* a by-value parameter passed by invisible reference: spelled as declared */
            if (!as_c && (r->flags & TYR_PTR_INVISIBLE))
                break;
            err = decl_push(d, (struct tyr_decl_node){TYR_DECL_PTR, (uint8_t)quals, id, 0});
            quals = 0;
            break;
        case TYR_KIND_ARRAY:
            if (as_c && (r->flags & TYR_ARRAY_INCOMPLETE)) {
                /* C refuses an array of a struct still being defined even behind a pointer
                 * (`struct S (*p)[4]` in S, which C++ accepts): the pointer is a void one */
                id = 0;
                continue;
            }
            err = decl_push(d, (struct tyr_decl_node){TYR_DECL_ARRAY, 0, id, 0});
            break;
        case TYR_KIND_FUNC:
        case TYR_KIND_FUNC_PROTO: {
            uint32_t name = 0;
            if (r->kind == TYR_KIND_FUNC) {
                uint32_t proto = tyr__t_ref(r);
                name = r->name;
                r = tyr__type(reg, proto);
                if (!r || r->kind != TYR_KIND_FUNC_PROTO || proto >= id)
                    return TYR_ECORRUPT;
                id = proto;
            }
            if (as_c)
                quals = 0; /* a qualified function type means nothing (clang warns) */
            err = decl_push(d, (struct tyr_decl_node){TYR_DECL_FUNC, 0, id, name});
            at_return = true;
            if (as_c && resolves_to(reg, tyr__t_ref(r), TYR_KIND_UNKNOWN, TYR_KIND_UNKNOWN)) {
                id = 0; /* an unknown is an array in C, which no function returns: void */
                continue;
            }
            break;
        }
        case TYR_KIND_UNKNOWN:
            if (as_c && !ret) {
                /* An unknown type is a byte array of its size wherever it is used, except
                 * as a return type (C returns no arrays): there it is void. */
                d->base = id;
                d->base_quals = (uint8_t)quals;
                d->base_bytes = true;
                return decl_push(d, (struct tyr_decl_node){TYR_DECL_BYTES, 0, id, 0});
            }
            /* fall through */
        case TYR_KIND_VOID:
        case TYR_KIND_INT:
        case TYR_KIND_FLOAT:
        case TYR_KIND_STRUCT:
        case TYR_KIND_UNION:
        case TYR_KIND_ENUM:
        case TYR_KIND_TYPEDEF:
            /* a typedef of a function type, qualified: as above */
            if (as_c && resolves_to(reg, id, TYR_KIND_FUNC_PROTO, TYR_KIND_FUNC))
                quals = 0;
            d->base = id;
            d->base_quals = (uint8_t)quals;
            return 0;
        default:
            return TYR_ECORRUPT;
        }
        if (err)
            return err;
        uint32_t target = tyr__t_ref(r);
        if (target >= id)
            return TYR_ECORRUPT;
        id = target;
    }
}

/* ---- Printing a stack ----------------------------------------------------------------- */

/* Qualifier words in C's usual order, whatever order the type chain had them in. */
static const char *const qual_word[] = {"const", "volatile", "restrict", "_Atomic"};

static void paren_if_pointer(struct tyr_str *decl, bool *pointer_first)
{
    if (*pointer_first) {
        tyr__str_prepend(decl, "(");
        tyr__str_puts(decl, ")");
    }
    *pointer_first = false;
}

int tyr__decl_print(const tyr_registry *reg, const struct tyr_decl *d, const char *declarator,
                    const struct tyr_decl_style *st, int depth, struct tyr_str *out)
{
    struct tyr_str decl = {.budget = out->budget};
    declarator = declarator ? declarator : "";
    /* whether decl starts with a pointer's token, which an array or function suffix must
     * parenthesise: `(*p)[4]`, not `*p[4]` */
    bool pointer_first = declarator[0] == '*' || declarator[0] == '&';
    bool first_func = true;
    tyr__str_puts(&decl, declarator);
    for (uint32_t i = 0; i < d->n && !decl.err; i++) {
        const struct tyr_decl_node *node = &d->nodes[i];
        const struct tyr_rec_type *r = tyr__type(reg, node->id);
        switch (node->kind) {
        case TYR_DECL_PTR:
            if (node->quals) {
                if (decl.len)
                    tyr__str_prepend(&decl, " ");
                for (unsigned k = 4; k-- > 0;)
                    if (node->quals & (1u << k)) {
                        tyr__str_prepend(&decl, qual_word[k]);
                        if (node->quals & ((1u << k) - 1))
                            tyr__str_prepend(&decl, " ");
                    }
            }
            tyr__str_prepend(&decl, st->pointer(st->ctx, r));
            pointer_first = true;
            break;
        case TYR_DECL_ARRAY:
            paren_if_pointer(&decl, &pointer_first);
            if (r->flags & TYR_ARRAY_FLEX)
                tyr__str_puts(&decl, "[]");
            else
                tyr__str_printf(&decl, "[%" PRIu32 "]", tyr__t_count(reg, r));
            break;
        case TYR_DECL_BYTES:
            paren_if_pointer(&decl, &pointer_first);
            tyr__str_printf(&decl, "[%" PRIu64 "]", tyr__t_size(reg, r));
            break;
        case TYR_DECL_FUNC:
            if (st->func_names && node->name && !decl.len)
                tyr__str_puts(&decl, tyr__str(reg, node->name));
            paren_if_pointer(&decl, &pointer_first);
            st->params(st->ctx, r, first_func, depth, &decl);
            first_func = false;
            break;
        default:
            decl.err = TYR_ECORRUPT;
            break;
        }
    }
    if (decl.err) {
        free(decl.s);
        return decl.err;
    }
    struct tyr_str base = {.budget = decl.budget};
    for (unsigned k = 0; k < 4; k++)
        if (d->base_quals & (1u << k)) {
            tyr__str_puts(&base, qual_word[k]);
            tyr__str_puts(&base, " ");
        }
    if (d->base_bytes)
        tyr__str_puts(&base, "unsigned char");
    else
        st->base(st->ctx, d->base, tyr__type(reg, d->base), &base);
    if (decl.len) {
        if (!(st->tight && pointer_first))
            tyr__str_puts(&base, " ");
        tyr__str_puts(&base, decl.s);
    }
    free(decl.s);
    if (base.err) {
        free(base.s);
        return base.err;
    }
    *out = base;
    return 0;
}

int tyr__decl_spell(const tyr_registry *reg, uint32_t id, const char *declarator,
                    unsigned policy, const struct tyr_decl_style *st, int depth,
                    struct tyr_str *out)
{
    if (depth > st->max_depth)
        return TYR_EDEPTH;
    struct tyr_decl d;
    int err = tyr__decl_build(reg, id, policy, &d);
    if (!err)
        err = tyr__decl_print(reg, &d, declarator, st, depth, out);
    tyr__decl_fini(&d);
    return err;
}

/* ---- tyr_type_spell: the type as declared ---------------------------------------------- */

struct spell_ctx {
    const tyr_registry *reg;
    const struct tyr_decl_style *style;
};

/* a C++ reference is spelled as one, and cannot itself be qualified */
static const char *pointer_token(void *ctx, const struct tyr_rec_type *r)
{
    (void)ctx;
    return (r->flags & TYR_PTR_RVREF) ? "&&" : (r->flags & TYR_PTR_REF) ? "&" : "*";
}

/* "(int, char *, ...)" for a prototype. */
static void spell_params(void *ctx, const struct tyr_rec_type *proto, bool first, int depth,
                         struct tyr_str *d)
{
    const struct spell_ctx *c = ctx;
    const tyr_registry *reg = c->reg;
    uint32_t count = tyr__t_count(reg, proto), at = tyr__t_first(proto);
    (void)first;
    tyr__str_puts(d, "(");
    if (count == 0 && !(proto->flags & TYR_FUNC_VARARGS))
        tyr__str_puts(d, "void");
    for (uint32_t i = 0; i < count && !d->err; i++) {
        const struct tyr_rec_param *p = &reg->params[at + i];
        struct tyr_str ps = {.budget = d->budget};
        if (i)
            tyr__str_puts(d, ", ");
        tyr__str_take(d, &ps, tyr__decl_spell(reg, p->type, "", 0, c->style, depth + 1, &ps));
    }
    if (proto->flags & TYR_FUNC_VARARGS)
        tyr__str_puts(d, count ? ", ..." : "...");
    tyr__str_puts(d, ")");
}

/* The base name of a type that ends a declarator: "struct Node", "unsigned int", "cv_t". */
static void base_name(void *ctx, uint32_t id, const struct tyr_rec_type *r, struct tyr_str *d)
{
    const tyr_registry *reg = ((const struct spell_ctx *)ctx)->reg;
    const char *name = tyr__str(reg, r->name);
    char tmp[48];
    (void)id;
    switch (r->kind) {
    case TYR_KIND_VOID:
        tyr__str_puts(d, "void");
        return;
    case TYR_KIND_STRUCT:
    case TYR_KIND_UNION:
    case TYR_KIND_ENUM:
        tyr__str_puts(d, r->kind == TYR_KIND_STRUCT  ? "struct "
                         : r->kind == TYR_KIND_UNION ? "union "
                                                     : "enum ");
        tyr__str_puts(d, *name ? name : "<anonymous>");
        return;
    case TYR_KIND_INT:
        if (!*name) {
            snprintf(tmp, sizeof(tmp), "%sint%" PRIu64 "_t",
                     (r->flags & TYR_INT_SIGNED) ? "" : "u", tyr__t_size(reg, r) * 8);
            name = tmp;
        }
        break;
    case TYR_KIND_FLOAT:
        if (!*name) {
            snprintf(tmp, sizeof(tmp), "<float%" PRIu32 ">", tyr__t_bits(r));
            name = tmp;
        }
        break;
    case TYR_KIND_UNKNOWN:
        if (!*name)
            name = "<unknown>";
        break;
    default:
        break;
    }
    tyr__str_puts(d, name);
}

int tyr_type_spell(const tyr_registry *reg, tyr_type t, const char *declarator, uint32_t flags,
                   char *buf, size_t len)
{
    if (!reg || (!buf && len))
        return TYR_EINVAL;
    if (!tyr__type(reg, t.id))
        return TYR_EHANDLE;
    size_t budget = TYR_SPELL_BUDGET;
    struct tyr_str d = {.budget = &budget};
    struct spell_ctx ctx = {reg, NULL};
    const struct tyr_decl_style style = {
        .ctx = &ctx,
        .max_depth = TYR_SPELL_DEPTH,
        .tight = flags & TYR_SPELL_TIGHT,
        .func_names = true,
        .pointer = pointer_token,
        .params = spell_params,
        .base = base_name,
    };
    ctx.style = &style;
    /* bpftrace style keeps the declarator apart: "struct Node* n", not "struct Node *n". */
    bool apart = (flags & TYR_SPELL_TIGHT) && declarator && *declarator;
    int err = tyr__decl_spell(reg, t.id, apart ? "" : declarator, 0, &style, 0, &d);
    if (!err && apart) {
        tyr__str_puts(&d, " ");
        tyr__str_puts(&d, declarator);
        err = d.err;
    }
    if (err) {
        free(d.s);
        return err;
    }
    const char *s = d.s ? d.s : "";
    size_t n = strlen(s);
    if (len) {
        size_t c = n < len - 1 ? n : len - 1;
        memcpy(buf, s, c);
        buf[c] = '\0';
    }
    free(d.s);
    return n > INT32_MAX ? TYR_EOVERFLOW : (int)n;
}

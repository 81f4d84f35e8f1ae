/* SPDX-License-Identifier: MIT */
/*
 * The C spelling of a type. C declarators read inside out: `int (*fp)(void)` is built by
 * walking from the outermost type inward, growing the declarator around the name: a pointer
 * prefixes `*`, an array or a function suffixes `[N]` or `(...)`, parenthesising a pointer
 * declarator first. Qualifiers wait for the next pointer (`int *const p`) or the base type
 * (`const int`). The walk follows refs, which always point to lower ids, so it ends; a
 * prototype's parameters are spelled by a bounded recursion (TYR_SPELL_DEPTH).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "out.h"

#define TYR_SPELL_DEPTH 8

static int spell(const tyr_registry *reg, uint32_t id, const char *declarator, uint32_t flags,
                 int depth, struct tyr_str *out);

/* Pending qualifiers in C's usual order, whatever order the type chain had them in. */
static const char *qual_words(unsigned quals, char buf[40])
{
    static const char *const words[] = {"const", "volatile", "restrict", "_Atomic"};
    buf[0] = '\0';
    for (unsigned k = 0; k < 4; k++) {
        if (!(quals & (1u << k)))
            continue;
        if (buf[0])
            strcat(buf, " ");
        strcat(buf, words[k]);
    }
    return buf;
}

/* "(int, char *, ...)" for a prototype. */
static void spell_params(const tyr_registry *reg, const struct tyr_rec_type *proto,
                         uint32_t flags, int depth, struct tyr_str *d)
{
    uint32_t count = tyr__t_count(reg, proto), first = tyr__t_first(proto);
    tyr__str_puts(d, "(");
    if (count == 0 && !(proto->flags & TYR_FUNC_VARARGS))
        tyr__str_puts(d, "void");
    for (uint32_t i = 0; i < count && !d->err; i++) {
        const struct tyr_rec_param *p = &reg->params[first + i];
        struct tyr_str ps = {.budget = d->budget};
        if (i)
            tyr__str_puts(d, ", ");
        int err = spell(reg, p->type, "", flags, depth + 1, &ps);
        if (err)
            d->err = err;
        else
            tyr__str_puts(d, ps.s ? ps.s : "");
        free(ps.s);
    }
    if (proto->flags & TYR_FUNC_VARARGS)
        tyr__str_puts(d, count ? ", ..." : "...");
    tyr__str_puts(d, ")");
}

/* The base name of a type that ends a declarator: "struct Node", "unsigned int", "cv_t". */
static void base_name(const tyr_registry *reg, const struct tyr_rec_type *r, struct tyr_str *d)
{
    const char *name = tyr__str(reg, r->name);
    char tmp[48];
    switch (r->kind) {
    case TYR_KIND_VOID:
        tyr__str_puts(d, "void");
        return;
    case TYR_KIND_STRUCT:
    case TYR_KIND_UNION:
    case TYR_KIND_ENUM:
        tyr__str_puts(d, r->kind == TYR_KIND_STRUCT ? "struct " : r->kind == TYR_KIND_UNION ? "union " : "enum ");
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

static int spell(const tyr_registry *reg, uint32_t id, const char *declarator, uint32_t flags,
                 int depth, struct tyr_str *out)
{
    if (depth > TYR_SPELL_DEPTH)
        return TYR_EDEPTH;
    struct tyr_str decl = {.budget = out->budget};
    unsigned quals = 0; /* bit k: qualifier kind TYR_KIND_CONST + k is pending */
    char qbuf[40];
    char buf[48];
    int err = 0;
    tyr__str_puts(&decl, declarator ? declarator : "");
    /* Bounded by the ref < id invariant; the guard covers a trusted, damaged blob. */
    for (uint32_t guard = 0; guard <= reg->ntypes && !decl.err; guard++) {
        const struct tyr_rec_type *r = tyr__type(reg, id);
        if (!r) {
            err = TYR_EHANDLE;
            break;
        }
        if (tyr__is_qual_kind(r->kind)) {
            quals |= 1u << (r->kind - TYR_KIND_CONST);
        } else if (r->kind == TYR_KIND_PTR && (r->flags & TYR_PTR_INVISIBLE)) {
            /* a by-value parameter passed by invisible reference: spelled as declared */
        } else if (r->kind == TYR_KIND_PTR) {
            if (quals) {
                if (decl.len)
                    tyr__str_prepend(&decl, " ");
                tyr__str_prepend(&decl, qual_words(quals, qbuf));
                quals = 0;
            }
            /* a C++ reference is spelled as one, and cannot itself be qualified */
            tyr__str_prepend(&decl, (r->flags & TYR_PTR_RVREF) ? "&&"
                                    : (r->flags & TYR_PTR_REF) ? "&" : "*");
        } else if (r->kind == TYR_KIND_ARRAY) {
            if (decl.len && (decl.s[0] == '*' || decl.s[0] == '&')) {
                tyr__str_prepend(&decl, "(");
                tyr__str_puts(&decl, ")");
            }
            if (r->flags & TYR_ARRAY_FLEX)
                snprintf(buf, sizeof(buf), "[]");
            else
                snprintf(buf, sizeof(buf), "[%" PRIu32 "]", tyr__t_count(reg, r));
            tyr__str_puts(&decl, buf);
        } else if (r->kind == TYR_KIND_FUNC_PROTO || r->kind == TYR_KIND_FUNC) {
            const struct tyr_rec_type *proto = r;
            if (r->kind == TYR_KIND_FUNC) {
                if (!decl.len)
                    tyr__str_puts(&decl, tyr__str(reg, r->name));
                proto = tyr__type(reg, tyr__t_ref(r));
                if (!proto || proto->kind != TYR_KIND_FUNC_PROTO) {
                    err = TYR_EKIND;
                    break;
                }
            }
            if (decl.len && (decl.s[0] == '*' || decl.s[0] == '&')) {
                tyr__str_prepend(&decl, "(");
                tyr__str_puts(&decl, ")");
            }
            spell_params(reg, proto, flags, depth, &decl);
            if (decl.err)
                break;
            uint32_t ret = tyr__t_ref(proto);
            if (ret >= id && r == proto) {
                err = TYR_ECORRUPT;
                break;
            }
            id = ret;
            continue;
        } else {
            /* A base: void, int, float, struct, union, enum, typedef, unknown. */
            struct tyr_str base = {.budget = decl.budget};
            if (quals) {
                tyr__str_puts(&base, qual_words(quals, qbuf));
                tyr__str_puts(&base, " ");
            }
            base_name(reg, r, &base);
            if (decl.len) {
                bool tight = (flags & TYR_SPELL_TIGHT) && (decl.s[0] == '*' || decl.s[0] == '&');
                if (!tight)
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
        uint32_t target = tyr__t_ref(r);
        if (target >= id) {
            err = TYR_ECORRUPT;
            break;
        }
        id = target;
    }
    if (!err)
        err = decl.err ? decl.err : TYR_ECORRUPT;
    free(decl.s);
    return err;
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
    /* bpftrace style keeps the declarator apart: "struct Node* n", not "struct Node *n". */
    bool apart = (flags & TYR_SPELL_TIGHT) && declarator && *declarator;
    int err = spell(reg, t.id, apart ? "" : declarator, flags, 0, &d);
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

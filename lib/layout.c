/* SPDX-License-Identifier: MIT */
/*
 * tyr_layout: pahole-like struct layouts. One block per record: each member with its offset
 * and size (bitfields with their bit position and storage-unit size), holes between members,
 * trailing padding and a summary. Anonymous struct/union members are expanded in place with
 * absolute offsets, through an explicit stack of at most EXPAND_MAX levels (deeper ones are
 * shown as one line).
 *
 *   struct holes {
 *           char a;                                  //     0     1
 *   ...
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "out.h"

#define EXPAND_MAX 8
#define DECL_WIDTH 40
#define CACHELINE 64u

struct level {
    const struct tyr_rec_type *rec;
    uint32_t id;
    uint64_t base;   /* absolute byte offset of this record */
    uint32_t next;   /* next member */
    uint64_t cursor; /* bits from base: end of what has been laid out (structs) */
    uint64_t maxend; /* bits from base: furthest member end */
    uint64_t holes, hole_bytes, hole_bits;
};

/* "type name" as a declaration, padded to DECL_WIDTH after ind tabs. */
static int member_decl(struct tyr_out *o, const tyr_registry *reg, uint32_t type,
                       const char *name, uint32_t bit_size, unsigned ind)
{
    char buf[256];
    char *s = buf;
    int n = tyr_type_spell(reg, (tyr_type){type}, name, 0, buf, sizeof(buf));
    if (n < 0)
        return n;
    if ((size_t)n >= sizeof(buf)) {
        s = malloc((size_t)n + 1);
        if (!s)
            return TYR_ENOMEM;
        n = tyr_type_spell(reg, (tyr_type){type}, name, 0, s, (size_t)n + 1);
        if (n < 0) {
            free(s);
            return n;
        }
    }
    for (unsigned i = 0; i < ind; i++)
        tyr__out_write(o, "\t", 1);
    size_t len = strlen(s);
    tyr__out_write(o, s, len);
    if (bit_size) {
        char bits[16];
        int bl = snprintf(bits, sizeof(bits), "%s:%" PRIu32, *name ? "" : " ", bit_size);
        tyr__out_write(o, bits, (size_t)bl);
        len += (size_t)bl;
    }
    tyr__out_write(o, ";", 1);
    len++;
    if (s != buf)
        free(s);
    /* tabs count as 8 columns for alignment of the comments */
    size_t col = len + 8 * ind;
    size_t width = DECL_WIDTH + 8;
    tyr__out_indent(o, (unsigned)(col < width ? width - col : 1));
    return 0;
}

/* C++ bases come in declaration order, not offset order (`class T : A, B` may place B
 * first): bits [from, to) are no hole when a later base of the record covers them. Looks
 * at a bounded number of later members, so a hostile record costs linear time. */
static bool covered_later(const tyr_registry *reg, const struct level *lv, uint64_t from,
                          uint64_t to)
{
    uint32_t count = tyr__t_count(reg, lv->rec), first = tyr__t_first(lv->rec);
    for (uint32_t k = lv->next, n = 0; k < count && n < 64; k++, n++) {
        const struct tyr_rec_field *g = &reg->fields[first + k];
        if (!(tyr__f_flags(g) & TYR_FIELD_BASE) || (tyr__f_flags(g) & TYR_FIELD_VIRTUAL))
            continue;
        uint64_t lo = tyr__f_offset(reg, g) * 8, sz = tyr_type_size(reg, (tyr_type){g->type});
        if (lo < to && lo + sz * 8 > from)
            return true;
    }
    return false;
}

static void hole_line(struct tyr_out *o, unsigned ind, uint64_t bits)
{
    tyr__out_puts(o, "\n");
    for (unsigned i = 0; i < ind; i++)
        tyr__out_write(o, "\t", 1);
    if (bits % 8 == 0)
        tyr__out_printf(o, "/* XXX %" PRIu64 " byte%s hole */\n\n", bits / 8,
                        bits == 8 ? "" : "s");
    else if (bits > 8)
        tyr__out_printf(o, "/* XXX %" PRIu64 " byte%s %" PRIu64 " bit%s hole */\n\n", bits / 8,
                        bits / 8 == 1 ? "" : "s", bits % 8, bits % 8 == 1 ? "" : "s");
    else
        tyr__out_printf(o, "/* XXX %" PRIu64 " bit%s hole */\n\n", bits, bits == 1 ? "" : "s");
}

/* The anonymous record a member expands into, or 0. */
static uint32_t expandable(const tyr_registry *reg, const struct tyr_rec_field *f)
{
    if (f->name)
        return 0;
    uint32_t id = tyr__resolve(reg, f->type);
    const struct tyr_rec_type *r = tyr__type(reg, id);
    if (!r || !tyr__is_record_kind(r->kind) || (r->flags & TYR_STRUCT_DECL))
        return 0;
    return id;
}

static void summary(struct tyr_out *o, const tyr_registry *reg, const struct level *lv,
                    unsigned ind)
{
    const struct tyr_rec_type *r = lv->rec;
    uint64_t size = tyr__t_size(reg, r);
    uint64_t end_bits = lv->maxend;
    uint64_t size_bits = size * 8;
    for (unsigned i = 0; i < ind; i++)
        tyr__out_write(o, "\t", 1);
    tyr__out_printf(o, "/* size: %" PRIu64 ", cachelines: %" PRIu64 ", align: %" PRIu32
                    ", members: %" PRIu32 " */\n", size, (size + CACHELINE - 1) / CACHELINE,
                    tyr__t_align(r), tyr__t_count(reg, r));
    if (lv->holes) {
        for (unsigned i = 0; i < ind; i++)
            tyr__out_write(o, "\t", 1);
        uint64_t bytes = lv->hole_bytes + lv->hole_bits / 8, bits = lv->hole_bits % 8;
        tyr__out_printf(o, "/* holes: %" PRIu64 ", sum holes: %" PRIu64 " bytes", lv->holes,
                        bytes);
        if (bits)
            tyr__out_printf(o, " %" PRIu64 " bit%s", bits, bits == 1 ? "" : "s");
        tyr__out_puts(o, " */\n");
    }
    if (size_bits > end_bits) {
        uint64_t pad = size_bits - end_bits;
        for (unsigned i = 0; i < ind; i++)
            tyr__out_write(o, "\t", 1);
        if (pad % 8 == 0)
            tyr__out_printf(o, "/* padding: %" PRIu64 " */\n", pad / 8);
        else if (pad / 8)
            tyr__out_printf(o, "/* padding: %" PRIu64 ", bit_padding: %" PRIu64 " bit%s */\n",
                            pad / 8, pad % 8, pad % 8 == 1 ? "" : "s");
        else
            tyr__out_printf(o, "/* bit_padding: %" PRIu64 " bit%s */\n", pad,
                            pad == 1 ? "" : "s");
    }
}

static int layout_one(struct tyr_out *o, const tyr_registry *reg, uint32_t root)
{
    char head[256];
    int n = tyr_type_spell(reg, (tyr_type){root}, NULL, 0, head, sizeof(head));
    if (n < 0)
        return n;
    uint32_t id = tyr__resolve(reg, root);
    const struct tyr_rec_type *r = tyr__type(reg, id);
    if (!r || !tyr__is_record_kind(r->kind))
        return TYR_EKIND;
    if (r->flags & TYR_STRUCT_DECL) {
        tyr__out_printf(o, "%s; /* declaration only */\n\n", head);
        return 0;
    }
    /* Anonymous records named by a typedef, and names shared by several layouts, say
     * which type they are. */
    const struct tyr_rec_type *top = tyr__type(reg, root);
    tyr_type other;
    if (!r->name && top->name)
        tyr__out_printf(o, "%s { /* %s */\n", r->kind == TYR_KIND_UNION ? "union" : "struct",
                        tyr__str(reg, top->name));
    else if (!r->name)
        tyr__out_printf(o, "%s { /* type %" PRIu32 " */\n",
                        r->kind == TYR_KIND_UNION ? "union" : "struct", id);
    else if (!tyr_find(reg, tyr__str(reg, r->name), r->kind, &other) &&
             (other.id != id || !tyr_find_next(reg, tyr__str(reg, r->name), r->kind, other,
                                               &other)))
        tyr__out_printf(o, "%s { /* type %" PRIu32 " */\n", head, id);
    else
        tyr__out_printf(o, "%s {\n", head);
    struct level stack[EXPAND_MAX];
    unsigned depth = 0;
    uint64_t boundary = CACHELINE;
    stack[depth++] = (struct level){.rec = r, .id = id};
    while (depth && !o->err) {
        struct level *lv = &stack[depth - 1];
        unsigned ind = depth;
        bool is_union = lv->rec->kind == TYR_KIND_UNION;
        if (lv->next >= tyr__t_count(reg, lv->rec)) {
            if (depth == 1) {
                if (tyr__t_count(reg, lv->rec))
                    tyr__out_puts(o, "\n");
                summary(o, reg, lv, 1);
                tyr__out_puts(o, "};\n\n");
                depth--;
                continue;
            }
            /* close an expanded anonymous member */
            struct level *up = &stack[depth - 2];
            for (unsigned i = 0; i < ind - 1; i++)
                tyr__out_write(o, "\t", 1);
            tyr__out_puts(o, "};");
            tyr__out_indent(o, (unsigned)(DECL_WIDTH + 8 - 2 - 8 * (ind - 1)));
            uint64_t size = tyr__t_size(reg, lv->rec);
            tyr__out_printf(o, "/* %5" PRIu64 " %5" PRIu64 " */\n", lv->base, size);
            uint64_t end = (lv->base - up->base) * 8 + size * 8;
            if (up->rec->kind != TYR_KIND_UNION)
                up->cursor = end;
            if (end > up->maxend)
                up->maxend = end;
            depth--;
            continue;
        }
        const struct tyr_rec_field *f = &reg->fields[tyr__t_first(lv->rec) + lv->next++];
        uint64_t t = tyr__f_offset(reg, f) * 8 + tyr__f_bit_offset(reg, f);
        if (tyr__f_flags(f) & TYR_FIELD_VIRTUAL) {
            /* no static place: where it lies is read from the vtable at run time */
            int err = member_decl(o, reg, f->type, "<virtual base>", 0, ind);
            if (err)
                return err;
            tyr__out_printf(o, "/* offset from the vtable */\n");
            continue;
        }
        if (!is_union && t > lv->cursor && !covered_later(reg, lv, lv->cursor, t)) {
            uint64_t gap = t - lv->cursor;
            hole_line(o, ind, gap);
            lv->holes++;
            lv->hole_bytes += gap / 8;
            lv->hole_bits += gap % 8;
        }
        uint64_t abs = lv->base + tyr__f_offset(reg, f);
        /* pahole's cacheline markers, before the first member at or past a boundary */
        if (abs >= boundary) {
            /* the first boundary past abs, in O(1): members of a verified blob may sit at
             * offsets near 2^64, too many lines to step through one at a time */
            uint64_t line = abs / CACHELINE;
            boundary = line < UINT64_MAX / CACHELINE ? (line + 1) * CACHELINE
                                                     : UINT64_MAX / CACHELINE * CACHELINE;
            for (unsigned i = 0; i < ind; i++)
                tyr__out_write(o, "\t", 1);
            tyr__out_printf(o, "/* --- cacheline %" PRIu64 " boundary (%" PRIu64
                            " bytes) --- */\n", (boundary - CACHELINE) / CACHELINE,
                            boundary - CACHELINE);
        }
        uint32_t in = (tyr__f_flags(f) & TYR_FIELD_BASE) ? 0 : expandable(reg, f);
        if (in && depth < EXPAND_MAX) {
            const struct tyr_rec_type *ir = tyr__type(reg, in);
            for (unsigned i = 0; i < ind; i++)
                tyr__out_write(o, "\t", 1);
            tyr__out_puts(o, ir->kind == TYR_KIND_UNION ? "union {\n" : "struct {\n");
            stack[depth++] = (struct level){.rec = ir, .id = in, .base = abs};
            continue;
        }
        uint64_t size = tyr_type_size(reg, (tyr_type){f->type});
        const char *name = (tyr__f_flags(f) & TYR_FIELD_BASE) ? "<base>" : tyr__str(reg, f->name);
        int err = member_decl(o, reg, f->type, name, tyr__f_bit_size(reg, f), ind);
        if (err)
            return err;
        uint64_t end;
        if (tyr__f_bit_size(reg, f)) {
            tyr__out_printf(o, "/* %5" PRIu64 ":%2" PRIu32 " %4" PRIu64 " */\n", abs,
                            tyr__f_bit_offset(reg, f), size);
            end = t + tyr__f_bit_size(reg, f);
        } else {
            tyr__out_printf(o, "/* %5" PRIu64 " %5" PRIu64 " */\n", abs, size);
            end = t + size * 8;
        }
        if (!is_union && end > lv->cursor)
            lv->cursor = end;
        if (end > lv->maxend)
            lv->maxend = end;
    }
    return 0;
}

int tyr_layout(const tyr_registry *reg, const struct tyr_dump_opts *opts, const tyr_sink *sink)
{
    if (!reg || !sink || !sink->write)
        return TYR_EINVAL;
    int err = tyr__dump_opts_check(opts);
    if (err)
        return err;
    struct tyr_out *o = malloc(sizeof(*o));
    if (!o)
        return TYR_ENOMEM;
    tyr__out_init(o, sink);
    if (opts && opts->nroots) {
        for (size_t i = 0; i < opts->nroots && !err; i++) {
            if (!tyr__type(reg, opts->roots[i].id))
                err = TYR_EHANDLE;
            else
                err = layout_one(o, reg, opts->roots[i].id);
        }
    } else {
        /* Every defined named record, and anonymous ones under the first typedef naming
         * them, in id order. */
        uint8_t *seen = calloc(reg->ntypes ? reg->ntypes : 1, 1);
        if (!seen)
            err = TYR_ENOMEM;
        for (uint32_t id = 1; id < reg->ntypes && !err && !o->err; id++) {
            const struct tyr_rec_type *r = &reg->types[id];
            if (tyr__is_record_kind(r->kind) && r->name && !(r->flags & TYR_STRUCT_DECL)) {
                err = layout_one(o, reg, id);
            } else if (r->kind == TYR_KIND_TYPEDEF) {
                uint32_t target = tyr__t_ref(r);
                const struct tyr_rec_type *t = tyr__type(reg, target);
                if (t && tyr__is_record_kind(t->kind) && !t->name &&
                    !(t->flags & TYR_STRUCT_DECL) && !seen[target]) {
                    seen[target] = 1;
                    err = layout_one(o, reg, id);
                }
            }
        }
        free(seen);
    }
    int oerr = tyr__out_finish(o);
    free(o);
    return err ? err : oerr;
}

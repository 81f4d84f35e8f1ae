/* SPDX-License-Identifier: MIT */
/*
 * One event as one line: the probe's values decoded by tyr_decode() through the mapped
 * registry. `walk(n = 0x7ffd5a10 -> { .next = 0x0, .val = 1 }) n->next->val = 2` for an entry
 * probe (arguments, each pointer-to-record followed by what it points to, then field paths),
 * `walk() = 3` for a return probe. What was not captured or could not be read says so in
 * angle brackets; nothing is guessed.
 */
#include <string.h>

#include "aot_internal.h"
#include "tyr/output.h"

/*
 * The line is built in one buffer and reaches the sink in one write (more only past its
 * 4 KiB), the values decoded straight into it through the public tyr_decode(): a runtime
 * prints every event this way, and libtyr-aot needs nothing of the core but its API.
 */
struct line {
    char buf[4096];
    size_t n;
    const tyr_sink *out;
    int err; /* the first error of the final sink; later bytes are dropped */
};

static int line_write(void *ctx, const char *data, size_t len)
{
    struct line *l = ctx;
    const char *p = data;
    while (len && !l->err) {
        if (l->n == sizeof l->buf) {
            l->err = l->out->write(l->out->ctx, l->buf, l->n);
            l->n = 0;
            continue;
        }
        size_t k = sizeof l->buf - l->n < len ? sizeof l->buf - l->n : len;
        memcpy(l->buf + l->n, p, k);
        l->n += k;
        p += k;
        len -= k;
    }
    return l->err;
}

static int line_finish(struct line *l)
{
    if (!l->err && l->n)
        l->err = l->out->write(l->out->ctx, l->buf, l->n);
    l->n = 0;
    return l->err;
}

static void put(const tyr_sink *o, const char *str)
{
    o->write(o->ctx, str, strlen(str));
}

static int put_value(const tyr_aot *a, const struct aot_value *v, const tyr_aot_event *ev,
                     uint32_t first_item, const tyr_sink *o)
{
    if (v->where == TYR_AOT_NOT_CAPTURED) {
        put(o, "<not captured: ");
        put(o, a->strings + v->why);
        put(o, ">");
        return ((struct line *)o->ctx)->err;
    }
    uint32_t first = first_item + v->first_item;
    for (uint32_t i = 0; i < v->nitems; i++)
        if (first + i < 32 && (ev->fail >> (first + i)) & 1u) {
            put(o, "<unreadable>");
            return ((struct line *)o->ctx)->err;
        }
    return tyr_decode(a->reg, (tyr_type){v->type}, ev->data + v->data_off, v->data_len, NULL,
                      o);
}

static int print_text(const tyr_aot *a, const struct aot_probe *p, const tyr_aot_event *ev,
                      const tyr_sink *o)
{
    const struct aot_value *vals = &a->values[p->first_value];
    int err = 0;
    put(o, a->strings + p->symbol);
    put(o, "(");
    bool first = true;
    for (uint32_t i = 0; i < p->nvalues && !err; i++) {
        const struct aot_value *v = &vals[i];
        if (v->kind == TYR_AOT_ARG) {
            put(o, first ? "" : ", ");
            first = false;
            put(o, a->strings + v->name);
            put(o, " = ");
        } else if (v->kind == TYR_AOT_DEREF) {
            put(o, " -> ");
        } else {
            continue;
        }
        err = put_value(a, v, ev, 0, o);
    }
    if (!err)
        put(o, ")");
    for (uint32_t i = 0; i < p->nvalues && !err; i++) {
        const struct aot_value *v = &vals[i];
        if (v->kind != TYR_AOT_FIELD && v->kind != TYR_AOT_RET)
            continue;
        if (v->kind == TYR_AOT_FIELD) {
            put(o, " ");
            put(o, a->strings + v->name);
        }
        put(o, " = ");
        err = put_value(a, v, ev, 0, o);
    }
    return err;
}

int tyr_aot_event_print(const tyr_aot *a, const tyr_aot_event *ev, int format,
                        const tyr_sink *s)
{
    if (!a || !ev || !s || !s->write)
        return TYR_EINVAL;
    if (format != TYR_AOT_PRINT_TEXT && format != TYR_AOT_PRINT_JSON)
        return TYR_EINVAL;
    if (ev->probe >= a->nprobes)
        return TYR_ECORRUPT;
    const struct aot_probe *p = &a->probes[ev->probe];
    if (ev->data_len < p->data_len || (p->data_len && !ev->data))
        return TYR_ECORRUPT;
    if (format == TYR_AOT_PRINT_JSON)
        return aot_event_json(a, ev, s);
    struct line line;
    line.n = 0;
    line.out = s;
    line.err = 0;
    tyr_sink o = {.write = line_write, .ctx = &line};
    int err = print_text(a, p, ev, &o);
    int oerr = line_finish(&line); /* what was printed before an error too */
    return err ? err : oerr;
}

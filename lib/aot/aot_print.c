/* SPDX-License-Identifier: MIT */
/*
 * One event as one line: the probe's values decoded by tyr_decode() through the mapped
 * registry. `walk(n = 0x7ffd5a10 -> { .next = 0x0, .val = 1 }) n->next->val = 2` for an entry
 * probe (arguments, each pointer-to-record followed by what it points to, then field paths),
 * `walk() = 3` for a return probe. What was not captured or could not be read says so in
 * angle brackets; nothing is guessed.
 */
#include <stdio.h>
#include <string.h>

#include "aot_internal.h"
#include "tyr/format.h"

static int put(const tyr_sink *s, const char *str)
{
    size_t n = strlen(str);
    return n ? s->write(s->ctx, str, n) : 0;
}

static int put_value(const tyr_aot *a, const struct aot_value *v, const tyr_aot_event *ev,
                     uint32_t first_item, const tyr_sink *s)
{
    if (v->where == TYR_AOT_NOT_CAPTURED) {
        int err = put(s, "<not captured: ");
        if (!err)
            err = put(s, a->strings + v->why);
        return err ? err : put(s, ">");
    }
    uint32_t first = first_item + v->first_item;
    for (uint32_t i = 0; i < v->nitems; i++)
        if (first + i < 32 && (ev->fail >> (first + i)) & 1u)
            return put(s, "<unreadable>");
    return tyr_decode(a->reg, (tyr_type){v->type}, ev->data + v->data_off, v->data_len, NULL, s);
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
    const struct aot_value *vals = &a->values[p->first_value];
    int err = put(s, a->strings + p->symbol);
    if (!err)
        err = put(s, "(");
    bool first = true;
    for (uint32_t i = 0; i < p->nvalues && !err; i++) {
        const struct aot_value *v = &vals[i];
        if (v->kind == TYR_AOT_ARG) {
            err = put(s, first ? "" : ", ");
            first = false;
            if (!err)
                err = put(s, a->strings + v->name);
            if (!err)
                err = put(s, " = ");
        } else if (v->kind == TYR_AOT_DEREF) {
            err = put(s, " -> ");
        } else {
            continue;
        }
        if (!err)
            err = put_value(a, v, ev, 0, s);
    }
    if (!err)
        err = put(s, ")");
    for (uint32_t i = 0; i < p->nvalues && !err; i++) {
        const struct aot_value *v = &vals[i];
        if (v->kind != TYR_AOT_FIELD && v->kind != TYR_AOT_RET)
            continue;
        if (v->kind == TYR_AOT_FIELD) {
            err = put(s, " ");
            if (!err)
                err = put(s, a->strings + v->name);
        }
        if (!err)
            err = put(s, " = ");
        if (!err)
            err = put_value(a, v, ev, 0, s);
    }
    return err;
}

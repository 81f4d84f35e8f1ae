/* SPDX-License-Identifier: MIT */
/*
 * One event as one JSON object (`tyr aot run --format json`):
 *   {"probe": "walk", "tid": 123, "values": {"n": "0x7ffd5a10", "*n": {"next": "0x0",
 *    "val": 1}, "n->next->val": 2}}
 * Values keep the names the text form prints ("*n" is what n points to, "retval" the return
 * value). Integers a double cannot hold exactly (beyond 2^53) are strings, as bpftrace's JSON
 * output writes them; pointers are "0x..." strings; enums their enumerator's name (the number
 * when none fits); char arrays that are printable up to their NUL strings; floats numbers
 * (non-finite ones the strings "nan", "inf", "-inf"); anonymous members' fields inline. A value
 * not captured is {"not_captured": "why"}, one whose read failed {"unreadable": true}.
 * The walk is recursive with a depth bound (a verified registry has no size cycle); every read
 * is checked against the value's captured bytes.
 */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "aot_internal.h"

#define JSON_DEPTH 32

struct jw {
    const tyr_sink *s;
    int err;
};

static void put_n(struct jw *w, const char *p, size_t n)
{
    if (!w->err && n)
        w->err = w->s->write(w->s->ctx, p, n);
}

static void put(struct jw *w, const char *p)
{
    put_n(w, p, strlen(p));
}

static void putf(struct jw *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(struct jw *w, const char *fmt, ...)
{
    char b[64];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b, sizeof(b), fmt, ap);
    va_end(ap);
    if (n > 0)
        put_n(w, b, (size_t)n < sizeof(b) ? (size_t)n : sizeof(b) - 1);
}

/* A JSON string of n bytes (control characters and non-ASCII escaped as \u00XX). */
static void put_str(struct jw *w, const char *p, size_t n)
{
    put(w, "\"");
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
            run++;
            continue;
        }
        put_n(w, p + i - run, run);
        run = 0;
        if (c == '"' || c == '\\')
            putf(w, "\\%c", c);
        else
            putf(w, "\\u%04x", c);
    }
    put_n(w, p + n - run, run);
    put(w, "\"");
}

static void put_int(struct jw *w, uint64_t raw, bool is_signed)
{
    const uint64_t exact = (uint64_t)1 << 53;
    if (is_signed) {
        int64_t v = (int64_t)raw;
        bool big = v > (int64_t)exact || v < -(int64_t)exact;
        putf(w, big ? "\"%" PRId64 "\"" : "%" PRId64, v);
    } else {
        putf(w, raw > exact ? "\"%" PRIu64 "\"" : "%" PRIu64, raw);
    }
}

static uint64_t read_le(const uint8_t *p, uint64_t size)
{
    uint64_t v = 0;
    for (uint64_t i = 0; i < size && i < 8; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static uint64_t sign_extend(uint64_t v, unsigned bits)
{
    if (bits == 0 || bits >= 64)
        return v;
    uint64_t m = (uint64_t)1 << (bits - 1);
    v &= ((uint64_t)1 << bits) - 1;
    return (v ^ m) - m;
}

static void put_enum(struct jw *w, const tyr_registry *reg, tyr_type t, const tyr_type_info *ti,
                     uint64_t raw, unsigned bits)
{
    bool sgn = ti->flags & TYR_ENUM_SIGNED;
    uint64_t v = sgn ? sign_extend(raw, bits) : raw;
    for (uint32_t i = 0; i < ti->count; i++) {
        tyr_enumerator_info e;
        if (!tyr_enumerator_at(reg, t, i, &e) && e.value == v) {
            put_str(w, e.name, strlen(e.name));
            return;
        }
    }
    put_int(w, v, sgn);
}

static int value(struct jw *w, const tyr_registry *reg, tyr_type t, const uint8_t *data,
                 uint64_t len, uint32_t bit_off, uint32_t bit_size, unsigned depth);

static int members(struct jw *w, const tyr_registry *reg, tyr_type rec, uint32_t count,
                   const uint8_t *data, uint64_t len, bool *first, unsigned depth)
{
    for (uint32_t i = 0; i < count && !w->err; i++) {
        tyr_field_info f;
        int err = tyr_field_at(reg, rec, i, &f);
        if (err)
            return err;
        tyr_type ft = tyr_type_strip(reg, f.type, TYR_STRIP_ALL);
        int k = tyr_type_kind(reg, ft);
        bool is_rec = k == TYR_KIND_STRUCT || k == TYR_KIND_UNION;
        if (f.offset > len)
            return TYR_ETRUNC;
        if (!f.name[0]) {
            if (!is_rec)
                continue; /* padding bitfield */
            tyr_type_info fi;
            if ((err = tyr_type_get(reg, ft, &fi)))
                return err;
            if (depth >= JSON_DEPTH)
                return TYR_EDEPTH;
            if ((err = members(w, reg, ft, fi.count, data + f.offset, len - f.offset, first,
                               depth + 1)))
                return err;
            continue;
        }
        put(w, *first ? "" : ", ");
        *first = false;
        put_str(w, f.name, strlen(f.name));
        put(w, ": ");
        if ((err = value(w, reg, f.type, data + f.offset, len - f.offset, f.bit_offset,
                         f.bit_size, depth + 1)))
            return err;
    }
    return w->err;
}

static int value(struct jw *w, const tyr_registry *reg, tyr_type t, const uint8_t *data,
                 uint64_t len, uint32_t bit_off, uint32_t bit_size, unsigned depth)
{
    if (depth > JSON_DEPTH)
        return TYR_EDEPTH;
    t = tyr_type_strip(reg, t, TYR_STRIP_ALL);
    tyr_type_info ti;
    int err = tyr_type_get(reg, t, &ti);
    if (err)
        return err;
    if (bit_size) {
        uint64_t last = ((uint64_t)bit_off + bit_size - 1) / 8;
        if (bit_size > 64 || last >= len)
            return TYR_ETRUNC;
        uint64_t v = 0;
        for (uint32_t i = 0; i < bit_size; i++) {
            uint64_t b = (uint64_t)bit_off + i;
            if ((data[b / 8] >> (b % 8)) & 1u)
                v |= (uint64_t)1 << i;
        }
        if (ti.kind == TYR_KIND_ENUM)
            put_enum(w, reg, t, &ti, v, bit_size);
        else if (ti.flags & TYR_INT_BOOL)
            put(w, v ? "true" : "false");
        else
            put_int(w, (ti.flags & TYR_INT_SIGNED) ? sign_extend(v, bit_size) : v,
                    ti.flags & TYR_INT_SIGNED);
        return w->err;
    }
    if (ti.size > len)
        return TYR_ETRUNC;
    switch (ti.kind) {
    case TYR_KIND_INT:
        if (ti.flags & TYR_INT_BOOL)
            put(w, read_le(data, ti.size) ? "true" : "false");
        else if (ti.size > 8) {
            put(w, "\"0x");
            for (uint64_t i = ti.size; i-- > 0;)
                putf(w, "%02x", data[i]);
            put(w, "\"");
        } else {
            uint64_t v = read_le(data, ti.size);
            bool sgn = ti.flags & TYR_INT_SIGNED;
            put_int(w, sgn ? sign_extend(v, (unsigned)ti.size * 8) : v, sgn);
        }
        break;
    case TYR_KIND_ENUM:
        put_enum(w, reg, t, &ti, read_le(data, ti.size), (unsigned)ti.size * 8);
        break;
    case TYR_KIND_FLOAT: {
        double d;
        if (ti.size == 4) {
            float f;
            memcpy(&f, data, 4);
            d = f;
        } else if (ti.size == 8) {
            memcpy(&d, data, 8);
        } else {
            put(w, "\"0x");
            for (uint64_t i = ti.size; i-- > 0;)
                putf(w, "%02x", data[i]);
            put(w, "\"");
            break;
        }
        if (isnan(d))
            put(w, "\"nan\"");
        else if (isinf(d))
            put(w, d > 0 ? "\"inf\"" : "\"-inf\"");
        else
            putf(w, ti.size == 4 ? "%.9g" : "%.17g", d);
        break;
    }
    case TYR_KIND_PTR:
        putf(w, "\"0x%" PRIx64 "\"", read_le(data, ti.size));
        break;
    case TYR_KIND_ARRAY: {
        if (ti.flags & TYR_ARRAY_FLEX) {
            put(w, "[]");
            break;
        }
        tyr_type et = tyr_type_strip(reg, ti.target, TYR_STRIP_ALL);
        tyr_type_info ei;
        if ((err = tyr_type_get(reg, et, &ei)))
            return err;
        if (ei.kind == TYR_KIND_INT && (ei.flags & TYR_INT_CHAR) && ei.size == 1) {
            size_t n = 0;
            while (n < ti.count && data[n] >= 0x20 && data[n] < 0x7f)
                n++;
            if (n == ti.count || !data[n]) {
                put_str(w, (const char *)data, n);
                break;
            }
        }
        put(w, "[");
        for (uint32_t i = 0; i < ti.count && !w->err; i++) {
            put(w, i ? "," : "");
            if ((err = value(w, reg, ti.target, data + (uint64_t)i * ei.size,
                             len - (uint64_t)i * ei.size, 0, 0, depth + 1)))
                return err;
        }
        put(w, "]");
        break;
    }
    case TYR_KIND_STRUCT:
    case TYR_KIND_UNION: {
        if (ti.flags & TYR_STRUCT_DECL)
            return TYR_EINCOMPLETE;
        bool first = true;
        put(w, "{");
        if ((err = members(w, reg, t, ti.count, data, len, &first, depth)))
            return err;
        put(w, "}");
        break;
    }
    case TYR_KIND_UNKNOWN:
        putf(w, "\"<unknown %" PRIu64 " bytes>\"", ti.size);
        break;
    default:
        return TYR_EKIND;
    }
    return w->err;
}

int aot_event_json(const tyr_aot *a, const tyr_aot_event *ev, const tyr_sink *s)
{
    const struct aot_probe *p = &a->probes[ev->probe];
    const struct aot_value *vals = &a->values[p->first_value];
    struct jw w = {.s = s};
    put(&w, "{\"probe\": ");
    const char *sym = a->strings + p->symbol;
    put_str(&w, sym, strlen(sym));
    if (p->flags & AOT_PROBE_RETURN)
        put(&w, ", \"return\": true");
    putf(&w, ", \"pid\": %u, \"tid\": %u, \"values\": {", ev->tgid, ev->tid);
    for (uint32_t i = 0; i < p->nvalues && !w.err; i++) {
        const struct aot_value *v = &vals[i];
        const char *name = a->strings + v->name;
        put(&w, i ? ", " : "");
        if (v->kind == TYR_AOT_DEREF) {
            char star[256];
            snprintf(star, sizeof(star), "*%s", name);
            put_str(&w, star, strlen(star));
        } else {
            put_str(&w, name, strlen(name));
        }
        put(&w, ": ");
        if (v->where == TYR_AOT_NOT_CAPTURED) {
            put(&w, "{\"not_captured\": ");
            put_str(&w, a->strings + v->why, strlen(a->strings + v->why));
            put(&w, "}");
            continue;
        }
        bool failed = false;
        for (uint32_t k = 0; k < v->nitems; k++)
            if (v->first_item + k < 32 && (ev->fail >> (v->first_item + k)) & 1u)
                failed = true;
        if (failed) {
            put(&w, "{\"unreadable\": true}");
            continue;
        }
        int err = value(&w, a->reg, (tyr_type){v->type}, ev->data + v->data_off, v->data_len, 0,
                        0, 0);
        if (err)
            return err;
    }
    put(&w, "}}");
    return w.err;
}

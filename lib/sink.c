/* SPDX-License-Identifier: MIT */
/* Sinks (FILE *, growable buffer, discard) and the formatters' buffered writer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "out.h"

/* ---- Public sinks --------------------------------------------------------------------- */

static int file_write(void *ctx, const char *data, size_t len)
{
    return fwrite(data, 1, len, (FILE *)ctx) == len ? 0 : TYR_EIO;
}

tyr_sink tyr_sink_file(FILE *f)
{
    tyr_sink s = {file_write, f};
    return s;
}

static int buf_write(void *ctx, const char *data, size_t len)
{
    struct tyr_buf *b = ctx;
    if (len > SIZE_MAX - 1 - b->len)
        return TYR_EOVERFLOW;
    size_t need = b->len + len + 1;
    if (need > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < need)
            cap = cap > SIZE_MAX / 2 ? need : cap * 2;
        char *p = realloc(b->data, cap);
        if (!p)
            return TYR_ENOMEM;
        b->data = p;
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return 0;
}

tyr_sink tyr_sink_buf(struct tyr_buf *b)
{
    tyr_sink s = {buf_write, b};
    return s;
}

void tyr_buf_free(struct tyr_buf *b)
{
    if (!b)
        return;
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

static int null_write(void *ctx, const char *data, size_t len)
{
    (void)ctx;
    (void)data;
    (void)len;
    return 0;
}

tyr_sink tyr_sink_null(void)
{
    tyr_sink s = {null_write, NULL};
    return s;
}

/* ---- Buffered writer ------------------------------------------------------------------ */

void tyr__out_flush(struct tyr_out *o)
{
    if (!o->err && o->len) {
        int err = o->sink->write(o->sink->ctx, o->buf, o->len);
        if (err)
            o->err = err;
    }
    o->len = 0;
}

void tyr__out_write_slow(struct tyr_out *o, const char *s, size_t n)
{
    while (n && !o->err) {
        size_t room = sizeof(o->buf) - o->len;
        if (!room) {
            tyr__out_flush(o);
            continue;
        }
        size_t c = n < room ? n : room;
        memcpy(o->buf + o->len, s, c);
        o->len += c;
        s += c;
        n -= c;
    }
}

void tyr__out_printf(struct tyr_out *o, const char *fmt, ...)
{
    if (o->err)
        return;
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n < 0) {
        o->err = TYR_EINVAL;
        return;
    }
    if ((size_t)n < sizeof(tmp)) {
        tyr__out_write(o, tmp, (size_t)n);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (!big) {
        o->err = TYR_ENOMEM;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    tyr__out_write(o, big, (size_t)n);
    free(big);
}

/* "00" to "99": two digits per division. */
static const char digit_pairs[201] = "00010203040506070809101112131415161718192021222324"
                                     "25262728293031323334353637383940414243444546474849"
                                     "50515253545556575859606162636465666768697071727374"
                                     "75767778798081828384858687888990919293949596979899";

/* v in decimal, ending at end; returns where it starts (20 bytes before end hold any v). */
static char *u64_digits(char *end, uint64_t v)
{
    char *p = end;
    while (v >= 100) {
        unsigned r = (unsigned)(v % 100);
        v /= 100;
        p -= 2;
        memcpy(p, digit_pairs + 2 * r, 2);
    }
    if (v >= 10) {
        p -= 2;
        memcpy(p, digit_pairs + 2 * v, 2);
    } else {
        *--p = (char)('0' + v);
    }
    return p;
}

void tyr__out_u64(struct tyr_out *o, uint64_t v)
{
    char b[20];
    char *p = u64_digits(b + sizeof(b), v);
    tyr__out_write(o, p, (size_t)(b + sizeof(b) - p));
}

void tyr__out_i64(struct tyr_out *o, int64_t v)
{
    char b[21];
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v; /* INT64_MIN too */
    char *p = u64_digits(b + sizeof(b), u);
    if (v < 0)
        *--p = '-';
    tyr__out_write(o, p, (size_t)(b + sizeof(b) - p));
}

void tyr__out_hex(struct tyr_out *o, uint64_t v)
{
    static const char digits[] = "0123456789abcdef";
    char b[18];
    size_t i = sizeof(b);
    do {
        b[--i] = digits[v & 15];
        v >>= 4;
    } while (v);
    b[--i] = 'x';
    b[--i] = '0';
    tyr__out_write(o, b + i, sizeof(b) - i);
}

void tyr__out_indent(struct tyr_out *o, unsigned n)
{
    static const char spaces[] = "                                ";
    while (n) {
        unsigned c = n < 32 ? n : 32;
        tyr__out_write(o, spaces, c);
        n -= c;
    }
}

int tyr__out_finish(struct tyr_out *o)
{
    tyr__out_flush(o);
    return o->err;
}

/* ---- Growable strings ----------------------------------------------------------------- */

static void str_reserve(struct tyr_str *d, size_t more)
{
    if (d->err)
        return;
    if (more > SIZE_MAX / 2 - d->len || (d->budget && more > *d->budget)) {
        d->err = TYR_EOVERFLOW;
        return;
    }
    if (d->budget)
        *d->budget -= more;
    if (d->len + more + 1 <= d->cap)
        return;
    size_t cap = d->cap ? d->cap : 64;
    while (cap < d->len + more + 1)
        cap *= 2;
    char *p = realloc(d->s, cap);
    if (!p) {
        d->err = TYR_ENOMEM;
        return;
    }
    if (!d->s)
        p[0] = '\0';
    d->s = p;
    d->cap = cap;
}

void tyr__str_append(struct tyr_str *d, const char *s, size_t n)
{
    str_reserve(d, n);
    if (d->err)
        return;
    memcpy(d->s + d->len, s, n);
    d->len += n;
    d->s[d->len] = '\0';
}

void tyr__str_puts(struct tyr_str *d, const char *s)
{
    tyr__str_append(d, s, strlen(s));
}

void tyr__str_take(struct tyr_str *d, struct tyr_str *part, int err)
{
    if (err)
        d->err = err;
    else
        tyr__str_puts(d, part->s ? part->s : "");
    free(part->s);
    part->s = NULL;
}

void tyr__str_prepend(struct tyr_str *d, const char *s)
{
    size_t n = strlen(s);
    str_reserve(d, n);
    if (d->err)
        return;
    memmove(d->s + n, d->s, d->len + 1);
    memcpy(d->s, s, n);
    d->len += n;
}

void tyr__str_printf(struct tyr_str *d, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(tmp)) {
        if (!d->err)
            d->err = TYR_EOVERFLOW; /* callers format numbers and short names only */
        return;
    }
    tyr__str_append(d, tmp, (size_t)n);
}

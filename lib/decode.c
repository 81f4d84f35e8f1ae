/* SPDX-License-Identifier: MIT */
/*
 * tyr_decode: print a value from raw bytes the way bpftrace prints records. A runtime calls
 * this on probe data, so: the length is checked against the type's size before any output,
 * every read is checked again against len (a trusted but damaged blob cannot make it read
 * past the buffer), and nesting uses an explicit stack of at most max_depth frames.
 */
#include <float.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "out.h"

/* Arrays of zero-size elements (arrays of empty structs) print at most this many. */
#define ZERO_SIZE_ELEMS 16u

struct frame {
    const struct tyr_rec_type *rec; /* the record, or NULL for an array frame */
    uint32_t first;                 /* record frames: the record's first field */
    uint64_t base;                  /* byte offset of the value in data */
    uint32_t next, count;           /* next member or element; how many */
    uint32_t printed;               /* members or elements printed so far */
    uint32_t elem;                  /* array frames: element type id */
    uint64_t esize;                 /* array frames: element size */
    bool more;                      /* array frames: elements left unprinted */
};

struct dec {
    const tyr_registry *reg;
    const unsigned char *data;
    size_t len;
    struct tyr_out *o;
};

/* Little-endian unsigned read of n <= 8 bytes at off. */
static int read_le(const struct dec *d, uint64_t off, uint64_t n, uint64_t *out)
{
    if (n > 8 || off > d->len || n > d->len - off)
        return TYR_ETRUNC;
    uint64_t v = 0;
    for (uint64_t i = 0; i < n; i++)
        v |= (uint64_t)d->data[off + i] << (8 * i);
    *out = v;
    return 0;
}

static int64_t sign_extend(uint64_t v, unsigned bits)
{
    if (bits == 0 || bits >= 64)
        return (int64_t)v;
    uint64_t m = (uint64_t)1 << (bits - 1);
    v &= (m << 1) - 1;
    return (int64_t)((v ^ m) - m);
}

static void print_enum(struct dec *d, const struct tyr_rec_type *e, uint64_t raw, unsigned bits)
{
    bool is_signed = e->flags & TYR_ENUM_SIGNED;
    uint64_t v = is_signed ? (uint64_t)sign_extend(raw, bits) : raw;
    const tyr_registry *reg = d->reg;
    uint32_t count = tyr__t_count(reg, e), first = tyr__t_first(e);
    for (uint32_t i = 0; i < count; i++) {
        uint64_t idx = (uint64_t)first + i;
        if (idx >= reg->nenums)
            break;
        if (tyr__e_value(reg, &reg->enums[idx]) == v) {
            tyr__out_puts(d->o, tyr__str(reg, reg->enums[idx].name));
            return;
        }
    }
    if (is_signed)
        tyr__out_i64(d->o, (int64_t)v);
    else
        tyr__out_u64(d->o, v);
}

/* An integer (or bool) value of `bits` significant bits. */
static void print_int(struct dec *d, const struct tyr_rec_type *r, uint64_t raw, unsigned bits)
{
    if (r->flags & TYR_INT_BOOL)
        tyr__out_puts(d->o, raw ? "true" : "false");
    else if (r->flags & TYR_INT_SIGNED)
        tyr__out_i64(d->o, sign_extend(raw, bits));
    else
        tyr__out_u64(d->o, raw);
}

static void print_hex128(struct dec *d, uint64_t lo, uint64_t hi)
{
    if (hi)
        tyr__out_printf(d->o, "0x%" PRIx64 "%016" PRIx64, hi, lo);
    else
        tyr__out_hex(d->o, lo);
}

/* A bitfield: bits [bitpos, bitpos + w) of data, little-endian numbering. */
static int print_bitfield(struct dec *d, const struct tyr_rec_type *r, uint64_t bitpos,
                          unsigned w)
{
    if (w == 0 || w > 128)
        return TYR_EKIND;
    uint64_t first = bitpos / 8;
    uint64_t last = first + (bitpos % 8 + w - 1) / 8; /* no overflow for any bitpos */
    if (first >= d->len || last >= d->len)
        return TYR_ETRUNC;
    uint64_t v[2] = {0, 0};
    for (unsigned i = 0; i < w && i < 128; i++) {
        uint64_t b = bitpos + i;
        if ((d->data[b / 8] >> (b % 8)) & 1u)
            v[i / 64] |= (uint64_t)1 << (i % 64);
    }
    if (r->kind == TYR_KIND_ENUM)
        print_enum(d, r, v[0], w);
    else if (w > 64)
        print_hex128(d, v[0], v[1]);
    else
        print_int(d, r, v[0], w);
    return 0;
}

static void print_float(struct dec *d, const struct tyr_rec_type *r, uint64_t off)
{
    const unsigned char *p = d->data + off;
    uint64_t size = tyr__t_size(d->reg, r);
    if (size == 4 || size == 8) {
        /* "%.9g" for a float, "%.17g" for a double: without printf where the digits allow. */
        double f;
        int prec;
        if (size == 4) {
            float f4;
            memcpy(&f4, p, 4);
            f = (double)f4;
            prec = 9;
        } else {
            memcpy(&f, p, 8);
            prec = 17;
        }
        char b[32];
        size_t n = tyr__fmt_g(b, f, prec);
        if (n)
            tyr__out_write(d->o, b, n);
        else
            tyr__out_printf(d->o, "%.*g", prec, f);
#if LDBL_MANT_DIG == 64
    } else if (tyr__t_bits(r) == 80 && sizeof(long double) == 16) {
        long double f;
        unsigned char tmp[sizeof(long double)] = {0};
        memcpy(tmp, p, 10); /* the x87 value is the first 10 bytes; the rest is padding */
        memcpy(&f, tmp, sizeof(f));
        tyr__out_printf(d->o, "%.21Lg", f);
#endif
    } else {
        tyr__out_puts(d->o, "0x");
        for (uint64_t i = size; i-- > 0;)
            tyr__out_printf(d->o, "%02x", p[i]);
    }
}

static bool is_char_elem(const tyr_registry *reg, uint32_t elem)
{
    const struct tyr_rec_type *e = tyr__type(reg, tyr__resolve(reg, elem));
    return e && e->kind == TYR_KIND_INT && (e->flags & TYR_INT_CHAR) && tyr__t_size(reg, e) == 1;
}

/* Print count chars at off as a string if printable up to the first NUL. */
static bool try_string(struct dec *d, uint64_t off, uint64_t count)
{
    if (off > d->len || count > d->len - off)
        return false;
    const unsigned char *p = d->data + off;
    uint64_t n = 0;
    for (; n < count && p[n]; n++) {
        unsigned char c = p[n];
        if (!((c >= 0x20 && c < 0x7f) || c == '\n' || c == '\t' || c == '\r'))
            return false;
    }
    tyr__out_write(d->o, "\"", 1);
    for (uint64_t i = 0; i < n; i++) {
        unsigned char c = p[i];
        const char *esc = c == '"' ? "\\\"" : c == '\\' ? "\\\\" : c == '\n' ? "\\n"
                          : c == '\t' ? "\\t" : c == '\r' ? "\\r" : NULL;
        if (esc)
            tyr__out_puts(d->o, esc);
        else
            tyr__out_write(d->o, (const char *)&p[i], 1);
    }
    tyr__out_write(d->o, "\"", 1);
    return true;
}

/*
 * Print the value of type id at byte off (or, when bit_size != 0, the bitfield at bit
 * bit_offset of it). A record or (non-string) array is opened and pushed on the stack;
 * its members are printed by the main loop.
 */
static int print_value(struct dec *d, uint32_t id, uint64_t off, uint32_t bit_offset,
                       uint32_t bit_size, struct frame *stack, uint32_t *depth,
                       uint32_t max_depth)
{
    const tyr_registry *reg = d->reg;
    const struct tyr_rec_type *r = tyr__type(reg, tyr__resolve(reg, id));
    if (!r)
        return TYR_EHANDLE;
    if (bit_size) {
        if (r->kind != TYR_KIND_INT && r->kind != TYR_KIND_ENUM)
            return TYR_EKIND;
        if (off > (UINT64_MAX - bit_offset) / 8)
            return TYR_ETRUNC;
        return print_bitfield(d, r, off * 8 + bit_offset, bit_size);
    }
    uint64_t v;
    int err;
    uint64_t size; /* read in each case, where the compiler knows the kind */
    switch (r->kind) {
    case TYR_KIND_INT:
        size = tyr__t_size(reg, r);
        if (size == 16) {
            uint64_t hi;
            if ((err = read_le(d, off, 8, &v)) || (err = read_le(d, off + 8, 8, &hi)))
                return err;
            print_hex128(d, v, hi);
            return 0;
        }
        if ((err = read_le(d, off, size, &v)))
            return err;
        print_int(d, r, v, (unsigned)size * 8);
        return 0;
    case TYR_KIND_ENUM:
        size = tyr__t_size(reg, r);
        if ((err = read_le(d, off, size, &v)))
            return err;
        print_enum(d, r, v, (unsigned)size * 8);
        return 0;
    case TYR_KIND_PTR:
        size = tyr__t_size(reg, r);
        if ((err = read_le(d, off, size, &v)))
            return err;
        tyr__out_hex(d->o, v);
        return 0;
    case TYR_KIND_FLOAT:
        size = tyr__t_size(reg, r);
        if (size > 16 || off > d->len || size > d->len - off)
            return TYR_ETRUNC;
        print_float(d, r, off);
        return 0;
    case TYR_KIND_UNKNOWN:
        size = tyr__t_size(reg, r);
        if (off > d->len || size > d->len - off)
            return TYR_ETRUNC;
        tyr__out_printf(d->o, "<unknown %" PRIu64 " bytes>", size);
        return 0;
    case TYR_KIND_STRUCT:
    case TYR_KIND_UNION:
        if (r->flags & TYR_STRUCT_DECL)
            return TYR_EINCOMPLETE;
        const struct tyr_rec_layout *lay = tyr__layout(reg, r); /* size and fields */
        if (off > d->len || lay->size > d->len - off)
            return TYR_ETRUNC;
        uint32_t nfields = lay->count;
        if (nfields == 0) {
            tyr__out_puts(d->o, "{}");
            return 0;
        }
        if (*depth >= max_depth)
            return TYR_EDEPTH;
        stack[(*depth)++] =
            (struct frame){.rec = r, .first = tyr__t_first(r), .base = off, .count = nfields};
        tyr__out_puts(d->o, "{ ");
        return 0;
    case TYR_KIND_ARRAY: {
        if (r->flags & TYR_ARRAY_FLEX) {
            tyr__out_puts(d->o, "[]");
            return 0;
        }
        size = tyr__t_size(reg, r);
        if (off > d->len || size > d->len - off)
            return TYR_ETRUNC;
        uint32_t elem = tyr__t_ref(r), n = tyr__t_count(reg, r);
        if (is_char_elem(reg, elem) && try_string(d, off, n))
            return 0;
        uint64_t esize = tyr_type_size(reg, (tyr_type){elem});
        bool more = false;
        if (esize == 0 && n > ZERO_SIZE_ELEMS) {
            n = ZERO_SIZE_ELEMS;
            more = true;
        }
        if (n == 0) {
            tyr__out_puts(d->o, "[]");
            return 0;
        }
        if (*depth >= max_depth)
            return TYR_EDEPTH;
        stack[(*depth)++] = (struct frame){.base = off, .count = n, .elem = elem,
                                           .esize = esize, .more = more};
        tyr__out_puts(d->o, "[");
        return 0;
    }
    case TYR_KIND_VOID:
    case TYR_KIND_FUNC:
    case TYR_KIND_FUNC_PROTO:
    default:
        return TYR_EKIND;
    }
}

static int check_opts(const struct tyr_decode_opts *opts, uint32_t *max_depth)
{
    *max_depth = TYR_DECODE_DEPTH_DEFAULT;
    if (!opts)
        return 0;
    if (opts->sz < sizeof(size_t))
        return TYR_EINVAL;
    if (opts->sz > sizeof(*opts)) {
        const unsigned char *b = (const unsigned char *)opts;
        for (size_t i = sizeof(*opts); i < opts->sz; i++)
            if (b[i])
                return TYR_EINVAL;
    }
    struct tyr_decode_opts o = {0};
    memcpy(&o, opts, opts->sz < sizeof(o) ? opts->sz : sizeof(o));
    if (o.flags)
        return TYR_EINVAL;
    if (o.max_depth > TYR_DECODE_DEPTH_MAX)
        return TYR_EINVAL;
    if (o.max_depth)
        *max_depth = o.max_depth;
    return 0;
}

int tyr__decode_out(const tyr_registry *reg, tyr_type t, const void *data, size_t len,
                    uint32_t max_depth, struct tyr_out *o)
{
    int err;
    if (!reg || !o || (!data && len) || !max_depth || max_depth > TYR_DECODE_DEPTH_MAX)
        return TYR_EINVAL;
    const struct tyr_rec_type *top = tyr__type(reg, t.id);
    if (!top)
        return TYR_EHANDLE;
    const struct tyr_rec_type *r = tyr__type(reg, tyr__resolve(reg, t.id));
    if (!r)
        return TYR_EHANDLE;
    if ((err = tyr__holdable(r)))
        return err;
    /* Everything checked before the first byte of output. */
    /* One look at the layout for both checks: this runs once per event. */
    const struct tyr_rec_layout *lay = tyr__layout(reg, r);
    bool in_layout = tyr__has_layout(r->kind);
    if (len < (in_layout ? lay->size : tyr__t_size(reg, r)))
        return TYR_ETRUNC;
    if ((tyr__is_record_kind(r->kind) || r->kind == TYR_KIND_ARRAY) && lay->rank >= max_depth)
        return TYR_EDEPTH;

    /* No allocation at the default depth: a runtime decodes every event. */
    struct frame small[TYR_DECODE_DEPTH_DEFAULT];
    struct frame *stack = small;
    if (max_depth > TYR_DECODE_DEPTH_DEFAULT && !(stack = malloc(sizeof(*stack) * max_depth)))
        return TYR_ENOMEM;
    struct dec d = {reg, data, len, o};
    uint32_t depth = 0;
    err = print_value(&d, t.id, 0, 0, 0, stack, &depth, max_depth);
    while (!err && !o->err && depth) {
        struct frame *f = &stack[depth - 1];
        if (f->next >= f->count) {
            if (f->rec)
                tyr__out_puts(o, f->printed ? " }" : "}");
            else
                tyr__out_puts(o, f->more ? ",...]" : "]");
            depth--;
            continue;
        }
        uint32_t i = f->next++;
        if (f->rec) {
            uint64_t idx = (uint64_t)f->first + i;
            if (idx >= reg->nfields) {
                err = TYR_ECORRUPT;
                break;
            }
            const struct tyr_rec_field *fl = &reg->fields[idx];
            /* An unnamed member that is not a record is padding (`int :3;`): skip it. */
            const struct tyr_rec_type *ft = tyr__type(reg, tyr__resolve(reg, fl->type));
            if (!fl->name && (!ft || !tyr__is_record_kind(ft->kind)))
                continue;
            /* A virtual base lies where the object's vtable says: not in these bytes. */
            if (tyr__f_flags(fl) & TYR_FIELD_VIRTUAL)
                continue;
            if (f->printed++)
                tyr__out_puts(o, ", ");
            if (fl->name) {
                tyr__out_write(o, ".", 1);
                tyr__out_puts(o, tyr__str(reg, fl->name));
                tyr__out_write(o, " = ", 3);
            }
            uint64_t foff = tyr__f_offset(reg, fl);
            if (foff > UINT64_MAX - f->base) {
                err = TYR_ETRUNC;
                break;
            }
            err = print_value(&d, fl->type, f->base + foff, tyr__f_bit_offset(reg, fl), tyr__f_bit_size(reg, fl),
                              stack, &depth, max_depth);
        } else {
            if (f->printed++)
                tyr__out_puts(o, ",");
            uint64_t off = f->base + (uint64_t)i * f->esize; /* i * esize <= array size */
            err = print_value(&d, f->elem, off, 0, 0, stack, &depth, max_depth);
        }
    }
    if (stack != small)
        free(stack);
    return err ? err : o->err;
}

int tyr_decode(const tyr_registry *reg, tyr_type t, const void *data, size_t len,
               const struct tyr_decode_opts *opts, const tyr_sink *sink)
{
    uint32_t max_depth;
    int err;
    if (!reg || !sink || !sink->write || (!data && len))
        return TYR_EINVAL;
    if ((err = check_opts(opts, &max_depth)))
        return err;
    struct tyr_out out;
    tyr__out_init(&out, sink);
    err = tyr__decode_out(reg, t, data, len, max_depth, &out);
    int oerr = tyr__out_finish(&out);
    return err ? err : oerr;
}

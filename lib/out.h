/* SPDX-License-Identifier: MIT */
/*
 * Private to the formatters (dump_c, dump_json, layout, decode): a small buffered writer over
 * a tyr_sink. The first error (a sink's, or TYR_ENOMEM/TYR_EOVERFLOW) sticks in `err`; later
 * calls do nothing, so a formatter writes freely and checks `err` at the end.
 */
#ifndef TYR_OUT_H
#define TYR_OUT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "internal.h"
#include "tyr/output.h"

#if defined(__GNUC__)
#define TYR_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define TYR_PRINTF(f, a)
#endif

struct tyr_out {
    const tyr_sink *sink;
    int err;
    size_t len;
    char buf[4096];
};

static inline void tyr__out_init(struct tyr_out *o, const tyr_sink *sink)
{
    o->sink = sink;
    o->err = 0;
    o->len = 0;
}

/* Pass buffered bytes to the sink. */
TYR_HIDDEN void tyr__out_flush(struct tyr_out *o);
/* tyr__out_write for bytes that do not fit in what is left of the buffer. */
TYR_HIDDEN void tyr__out_write_slow(struct tyr_out *o, const char *s, size_t n);

/*
 * Inline: a decoder writes a handful of short pieces per value. Bytes written after an error
 * land in the buffer but never reach the sink: flushing does nothing once err is set.
 */
static inline void tyr__out_write(struct tyr_out *o, const char *s, size_t n)
{
    if (n <= sizeof(o->buf) - o->len) {
        memcpy(o->buf + o->len, s, n);
        o->len += n;
    } else {
        tyr__out_write_slow(o, s, n);
    }
}

static inline void tyr__out_puts(struct tyr_out *o, const char *s)
{
    tyr__out_write(o, s, strlen(s));
}

static inline void tyr__out_char(struct tyr_out *o, char c)
{
    if (o->len < sizeof(o->buf))
        o->buf[o->len++] = c;
    else
        tyr__out_write_slow(o, &c, 1);
}

TYR_HIDDEN void tyr__out_printf(struct tyr_out *o, const char *fmt, ...) TYR_PRINTF(2, 3);
/* Integers without printf: decimal unsigned and signed, and "0x" hex. */
TYR_HIDDEN void tyr__out_u64(struct tyr_out *o, uint64_t v);
TYR_HIDDEN void tyr__out_i64(struct tyr_out *o, int64_t v);
TYR_HIDDEN void tyr__out_hex(struct tyr_out *o, uint64_t v);
/*
 * printf's "%.<prec>g" of v (prec 1 to 17) into out (at least 32 bytes), not terminated;
 * returns its length, or 0 where the exact digits need more than 128-bit arithmetic (below
 * about 1e-6 or above about 1e38, subnormals) or v is inf or nan: then use snprintf.
 */
TYR_HIDDEN size_t tyr__fmt_g(char *out, double v, int prec);
/* n spaces. */
TYR_HIDDEN void tyr__out_indent(struct tyr_out *o, unsigned n);
/* Flush, and return the sticky error (0 if none). */
TYR_HIDDEN int tyr__out_finish(struct tyr_out *o);

/*
 * A growable string owned by its user (free(s)); errors stick in err. budget, when set, is a
 * count of bytes shared by every string of one spelling: growing past it is TYR_EOVERFLOW.
 * Spelling a prototype spells its parameters, and types shared by the parameters of nested
 * prototypes make the text exponential in the nesting: the budget bounds the work whatever a
 * (verified) blob holds.
 */
struct tyr_str {
    char *s;
    size_t len, cap;
    int err;
    size_t *budget;
};
/* Bytes one declaration's spelling may append in all, copies between levels included. */
#define TYR_SPELL_BUDGET ((size_t)1 << 20)
TYR_HIDDEN void tyr__str_append(struct tyr_str *d, const char *s, size_t n);
TYR_HIDDEN void tyr__str_puts(struct tyr_str *d, const char *s);
TYR_HIDDEN void tyr__str_prepend(struct tyr_str *d, const char *s);
/* Append part to d, or d takes err when part could not be spelled (err != 0); part is
 * freed either way. How a spelled parameter joins its prototype's list. */
TYR_HIDDEN void tyr__str_take(struct tyr_str *d, struct tyr_str *part, int err);
TYR_HIDDEN void tyr__str_printf(struct tyr_str *d, const char *fmt, ...) TYR_PRINTF(2, 3);

/*
 * The declarator engine (lib/spell.c): the one place that knows how C writes a type around
 * a name. Spelling is two steps, as in libctf's ctf-decl.c: the type chain is walked once
 * into a declarator stack (tyr__decl_build: pointers, arrays and functions from the
 * outermost in, then the base type with the qualifiers left for it), and the stack is
 * printed around the declarator (tyr__decl_print): a pointer prefixes its token, an array or
 * function suffixes `[N]` or `(...)`, parenthesising a pointer declarator first, and
 * qualifiers follow the pointer they apply to (`int *const p`) or lead the base
 * (`const int`). `tyr_type_spell` (the type as declared) and `tyr_dump_c` (a type gcc and
 * clang accept) differ only in the policy flags and the style's callbacks.
 */
enum tyr_decl_node_kind { TYR_DECL_PTR = 1, TYR_DECL_ARRAY, TYR_DECL_FUNC, TYR_DECL_BYTES };
struct tyr_decl_node {
    uint8_t kind;  /* enum tyr_decl_node_kind */
    uint8_t quals; /* PTR: the qualifiers of the pointer itself (bit k: TYR_KIND_CONST + k) */
    uint32_t id;   /* PTR, ARRAY: the type; FUNC: the prototype; BYTES: the unknown type */
    uint32_t name; /* FUNC: the function's name (string offset), 0 for a bare prototype */
};
#define TYR_DECL_SMALL 16
/* Owned by its user: tyr__decl_fini frees what tyr__decl_build allocated. */
struct tyr_decl {
    struct tyr_decl_node *nodes; /* outermost first: `small` or malloc'd */
    uint32_t n, cap;
    uint32_t base;      /* the base type's id (void, int, struct, typedef, unknown, ...) */
    uint8_t base_quals; /* qualifiers leading the base */
    bool base_bytes;    /* the base is the bytes of an unknown type: "unsigned char" */
    struct tyr_decl_node small[TYR_DECL_SMALL];
};
/* Build policy: 0 spells the type as declared (a by-value parameter passed by invisible
 * reference is its value type). TYR_DECL_AS_C makes it a type C compilers accept: invisible
 * and C++ references are pointers, qualifiers on function and return types are dropped, an
 * incomplete array (of a struct still being defined) is void, and an unknown type is a byte
 * array of its size (void as a return type: C returns no arrays). */
#define TYR_DECL_AS_C 1u
TYR_HIDDEN int tyr__decl_build(const tyr_registry *reg, uint32_t id, unsigned policy,
                               struct tyr_decl *d);
TYR_HIDDEN void tyr__decl_fini(struct tyr_decl *d);

struct tyr_decl_style {
    void *ctx;
    int max_depth; /* prototypes nested in parameters deeper than this: TYR_EDEPTH */
    bool tight;      /* no space between the base and a pointer declarator ("struct Node*") */
    bool func_names; /* a function with no declarator is declared by its own name */
    /* The token of pointer r: "*", "&", "&&", or a pointer after a comment that marks it
     * as a C++ reference. */
    const char *(*pointer)(void *ctx, const struct tyr_rec_type *r);
    /* Append "(params)" of proto to d; first: the outermost function of the declaration. */
    void (*params)(void *ctx, const struct tyr_rec_type *proto, bool first, int depth,
                   struct tyr_str *d);
    /* Append the base name of type id (qualifiers are written already). */
    void (*base)(void *ctx, uint32_t id, const struct tyr_rec_type *r, struct tyr_str *d);
};
/* The declaration of declarator (may be "") with stack d, into *out (out->s owned by the
 * caller, out->budget shared by the whole spelling). Returns 0 or a negative TYR_E*. */
TYR_HIDDEN int tyr__decl_print(const tyr_registry *reg, const struct tyr_decl *d,
                               const char *declarator, const struct tyr_decl_style *st,
                               int depth, struct tyr_str *out);
/* Build and print: the C spelling of id declaring declarator. depth: nesting in parameters. */
TYR_HIDDEN int tyr__decl_spell(const tyr_registry *reg, uint32_t id, const char *declarator,
                               unsigned policy, const struct tyr_decl_style *st, int depth,
                               struct tyr_str *out);

/*
 * lib/decode.c: tyr_decode into a writer the caller owns (a runtime printing a line of
 * several values), max_depth as tyr_decode_opts gives it (1 to TYR_DECODE_DEPTH_MAX). Nothing
 * is written when the arguments or the value's size are refused; on an error while printing,
 * what was printed stays in o. Returns tyr_decode's error, else o->err.
 */
TYR_HIDDEN int tyr__decode_out(const tyr_registry *reg, tyr_type t, const void *data,
                               size_t len, uint32_t max_depth, struct tyr_out *o);

/* lib/select.c: NULL or a valid tyr_dump_opts (0 or TYR_EINVAL). */
TYR_HIDDEN int tyr__dump_opts_check(const struct tyr_dump_opts *o);
/* Mark in[id] = 1 for every selected type (in: ntypes zeroed bytes; id 0 never). Every type
 * without roots, else the roots' closure through targets, members and parameters, found
 * with a worklist. Returns 0, TYR_EHANDLE (a root out of range) or TYR_ENOMEM. */
TYR_HIDDEN int tyr__select(const tyr_registry *reg, const struct tyr_dump_opts *o, uint8_t *in);

#endif /* TYR_OUT_H */

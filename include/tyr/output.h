/* SPDX-License-Identifier: MIT */
/*
 * Output formats: a registry as C declarations, as JSON, struct layouts (pahole-like), and
 * values decoded from raw bytes (bpftrace-like). Everything writes to a caller-supplied sink.
 *
 * A sink is a write callback and its context. The library calls write() with chunks of
 * output (never NUL-terminated, never empty); its return value follows the callback rule of
 * tyr/common.h (0 goes on; anything else stops the producer, which returns it unchanged).
 * Output is deterministic: the same registry and options give the same bytes.
 *
 *   struct tyr_buf buf = {0};
 *   tyr_sink sink = tyr_sink_buf(&buf);
 *   int err = tyr_dump_c(reg, NULL, &sink);
 *   if (!err) fputs(buf.data, stdout);
 *   tyr_buf_free(&buf);
 *
 * On error, what was already written stays written: a caller that wants all-or-nothing writes
 * into a buffer sink and discards it. tyr_decode() checks the length before writing anything,
 * so TYR_ETRUNC never leaves partial output.
 */
#ifndef TYR_OUTPUT_H
#define TYR_OUTPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tyr/common.h"
#include "tyr/error.h"
#include "tyr/registry.h"
#include "tyr/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Sinks ------------------------------------------------------------------------------ */

/**
 * @brief Receive len > 0 bytes of output.
 * @return 0 to go on; anything else stops the producer, which returns that value unchanged
 *         (the callback rule of tyr/common.h).
 */
typedef int (*tyr_write_fn)(void *ctx, const char *data, size_t len);

typedef struct tyr_sink {
    tyr_write_fn write; /* required */
    void *ctx;          /* passed to write; not owned by the sink */
} tyr_sink;

/** @brief A sink that writes to f with fwrite(); a short write gives TYR_EIO. f is not
 *  retained beyond the sink's use and is not closed. */
TYR_API tyr_sink tyr_sink_file(FILE *f);

/*
 * A growable heap buffer. Zero-initialise it. After any successful write `data` is
 * NUL-terminated and `len` excludes the NUL. The caller owns `data`: free it with
 * tyr_buf_free() (or free(data)); the buffer may be reused after tyr_buf_free().
 */
struct tyr_buf {
    char *data;
    size_t len;
    size_t cap;
};
/** @brief A sink appending to b (grows with realloc; TYR_ENOMEM on failure, b unchanged). */
TYR_API tyr_sink tyr_sink_buf(struct tyr_buf *b);
/** @brief Free b->data and zero b. NULL is accepted. */
TYR_API void tyr_buf_free(struct tyr_buf *b);
/** @brief A sink that discards everything and never fails. */
TYR_API tyr_sink tyr_sink_null(void);

/* ---- Which types --------------------------------------------------------------------- */

enum {
    /* tyr_dump_c: emit _Static_assert checks of sizeof and offsetof after each struct. */
    TYR_DUMP_C_ASSERTS = 1u << 0,
};

/*
 * Options for tyr_dump_c, tyr_dump_json and tyr_layout. roots: NULL/0 means every type of
 * the registry; otherwise the given types and everything they reach (members, targets,
 * parameters), in the registry's id order. The roots array is read during the call only.
 */
struct tyr_dump_opts {
    size_t sz;             /* set by TYR_OPTS */
    uint32_t flags;        /* TYR_DUMP_* */
    const tyr_type *roots; /* nroots handles; NULL when nroots is 0 (as tyr_write_opts) */
    size_t nroots;
};

/**
 * @brief Write C declarations that a C compiler (gcc, clang; GNU C for attributes) accepts,
 *        with the same sizeof and member offsets as the registry's layouts.
 *
 * Order: forward declarations where a type is used through a pointer before its definition
 * (cycles), then every definition after what it holds by value. Named structs, unions, enums
 * and typedefs keep their names; a second layout under a name already used gets `name__2`
 * (then `__3`, ...) in id order; the same for enumerators and functions. Anonymous members
 * are written inline; an anonymous struct/union/enum named by a typedef is written inside
 * the typedef and spelled by its name elsewhere; one used by a single named member only is
 * written there (`struct { ... } name;`); other anonymous ones get the tag
 * `__tyr_anon_<id>`. Layout: `__attribute__((packed))` / `aligned(N)` / padding members
 * (unnamed bitfields, `__tyr_pad_<struct id>_<offset>` byte arrays) only where the natural C
 * layout would differ; enums of sizes other than 4 keep their size with
 * `__attribute__((mode(QI|HI|DI)))`, or `packed`, or (8-byte values) GNU C's widening;
 * bitfields whose C type would not compile or warn (a _Bool wider than a bit, an enum
 * narrower than its values) are declared with the integer type of that size. A struct whose
 * layout C cannot express (overlapping members, say) becomes an opaque byte array with a
 * comment. Unknown types are `unsigned char [size]` with a comment. FUNC types (probe
 * signatures) become function declarations at the end. Names that are not C identifiers
 * (C++ "ns::T<int>") have their other characters replaced by '_'; keywords get a '_' after.
 * Integer and float spellings are chosen by size for an LP64 compiler (x86-64, aarch64):
 * a registry built for 4-byte pointers dumps declarations whose pointers are the host's.
 * Layout checks assume the SysV bitfield rules gcc and clang follow on Linux.
 * @param opts NULL for every type, no asserts.
 * @return 0; TYR_EINVAL; TYR_EHANDLE (bad root); TYR_ENOMEM; TYR_EDEPTH (a type nests
 *         prototypes or anonymous members deeper than 16); TYR_EOVERFLOW (a declaration
 *         whose spelling would take more than 1 MiB of work: types shared by the parameters
 *         of nested prototypes); a sink's error.
 */
TYR_API int tyr_dump_c(const tyr_registry *reg, const struct tyr_dump_opts *opts,
                       const tyr_sink *sink);

/**
 * @brief Write the registry (or what the roots reach) as one JSON document; the schema is
 *        docs/json.md (version 1). Ids are the registry's type ids.
 * @return 0; TYR_EINVAL; TYR_EHANDLE; TYR_ENOMEM; a sink's error.
 */
TYR_API int tyr_dump_json(const tyr_registry *reg, const struct tyr_dump_opts *opts,
                          const tyr_sink *sink);

/**
 * @brief Write the layout of each struct and union (the roots, typedefs and qualifiers
 *        resolved; without roots every defined named struct/union, and each anonymous one
 *        under the first typedef naming it, in id order), one block each:
 *        members with offsets and sizes, bitfields with bit positions, holes, trailing
 *        padding, and a summary line. Roots that are not records are TYR_EKIND.
 * @return 0; TYR_EINVAL; TYR_EHANDLE; TYR_EKIND; TYR_ENOMEM; a sink's error.
 */
TYR_API int tyr_layout(const tyr_registry *reg, const struct tyr_dump_opts *opts,
                       const tyr_sink *sink);

/* ---- Decoding values ------------------------------------------------------------------ */

#define TYR_DECODE_DEPTH_DEFAULT 32u
#define TYR_DECODE_DEPTH_MAX 256u

struct tyr_decode_opts {
    size_t sz;          /* set by TYR_OPTS */
    uint32_t flags;     /* none defined yet: must be 0 */
    uint32_t max_depth; /* records/arrays nested deeper give TYR_EDEPTH; 0: the default 32;
                           at most TYR_DECODE_DEPTH_MAX */
};

/**
 * @brief Print the value of type t held in data[0, len) the way bpftrace prints records:
 *        `{ .next = 0x7ffd12345678, .val = 3 }`. Typedefs and qualifiers are transparent.
 *
 * Integers in decimal (sign from the type; 16-byte integers in hex), bools `true`/`false`,
 * floats round-trip exact (`%.9g`, `%.17g`, x87 `%.21Lg`; __float128 in hex), pointers (and
 * function pointers) in
 * hex (`0x0` for NULL), enums by enumerator name (the number when none matches), bitfields
 * from bits [offset*8 + bit_offset, + bit_size) in little-endian bit numbering, arrays as
 * `[1,2,3]`, char arrays as a quoted, escaped string up to the first NUL when every byte before
 * it is printable ASCII (else as a number array), records as `{ .a = 1, .b = { .c = 2 } }`,
 * anonymous members as an unnamed nested `{ ... }`, unions with every member, flexible arrays
 * as `[]`, unknown types as `<unknown N bytes>`. Values are read as little-endian.
 *
 * Nothing is read outside data[0, len): len < the type's size gives TYR_ETRUNC before any
 * output; extra bytes are ignored. Every read is checked against len again, so even a
 * trusted but damaged registry (members past their struct) gets TYR_ETRUNC, possibly after
 * partial output. Nesting uses an explicit stack bounded by max_depth. No allocation at the
 * default depth; reentrant (any number of threads may decode with one registry).
 * @param opts NULL for defaults.
 * @return 0; TYR_EINVAL; TYR_EHANDLE; TYR_EKIND (void or a function); TYR_EINCOMPLETE (a
 *         declared-only struct); TYR_ETRUNC; TYR_EDEPTH; TYR_ENOMEM; a sink's error.
 */
TYR_API int tyr_decode(const tyr_registry *reg, tyr_type t, const void *data, size_t len,
                       const struct tyr_decode_opts *opts, const tyr_sink *sink);

#ifdef __cplusplus
}
#endif

#endif /* TYR_OUTPUT_H */

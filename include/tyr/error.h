/* SPDX-License-Identifier: MIT */
/* tyr error codes: 0 on success, a negative TYR_E* code on failure. */
#ifndef TYR_ERROR_H
#define TYR_ERROR_H

#include <stdint.h>

#include "tyr/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One list: the enum and tyr_strerror() both expand it, so they cannot drift. */
#define TYR_ERRORS(X)                                                          \
    X(TYR_EINVAL, 1, "invalid argument")                                       \
    X(TYR_ENOMEM, 2, "out of memory")                                          \
    X(TYR_EHANDLE, 3, "handle out of range")                                   \
    X(TYR_EKIND, 4, "handle of the wrong kind for this call")                  \
    X(TYR_EOVERFLOW, 5, "size or count overflow")                              \
    X(TYR_ERANGE, 6, "member or bitfield outside its struct or storage unit")  \
    X(TYR_EEXIST, 7, "already exists (duplicate name or struct completed twice)") \
    X(TYR_ENOENT, 8, "not found")                                              \
    X(TYR_EINCOMPLETE, 9, "type is incomplete (declaration only)")             \
    X(TYR_ESEALED, 10, "struct is already used by value; its members are fixed") \
    X(TYR_ECYCLE, 11, "type would contain itself by value")                    \
    X(TYR_EREADONLY, 12, "registry is mapped read-only")                       \
    X(TYR_EDEPTH, 13, "nesting deeper than the supported limit")               \
    X(TYR_ENOSPC, 14, "buffer too small")                                      \
    X(TYR_ECORRUPT, 15, "blob failed verification")                            \
    X(TYR_EVERSION, 16, "unsupported blob format version")                     \
    X(TYR_EBYTEORDER, 17, "blob byte order differs from this host")            \
    X(TYR_EALIGN, 18, "misaligned offset or buffer")                           \
    X(TYR_EIO, 19, "I/O error")                                                \
    X(TYR_ENOTELF, 20, "not an ELF file")                                      \
    X(TYR_ENODEBUG, 21, "no DWARF debug info found")                           \
    X(TYR_EDWARF, 22, "malformed or unsupported DWARF")                        \
    X(TYR_ENOTSUP, 23, "not supported")                                        \
    X(TYR_ETRUNC, 24, "input ends before the value it describes")              \
    X(TYR_EBTF, 25, "malformed or unsupported BTF")

enum tyr_error {
    TYR_OK = 0,
#define TYR_ERR_ENUM_(name, n, msg) name = -(n),
    TYR_ERRORS(TYR_ERR_ENUM_)
#undef TYR_ERR_ENUM_
};

/**
 * @brief The message for an error code.
 * @param err 0 or a negative TYR_E* code (a positive value is read as its negation).
 * @return A static string; "unknown error" for codes not in the list. Never NULL.
 */
TYR_API const char *tyr_strerror(int err);

/*
 * Where bad input was found. Filled only on failure by calls that take one, always as their
 * last argument (NULL: not wanted); never allocated by the library (the caller owns it,
 * usually on its stack).
 */
typedef struct tyr_diag {
    int err;          /* the code that was returned */
    uint64_t offset;  /* blob byte offset or DWARF DIE offset; see the call's doc */
    char what[160];   /* "field 3 of type 812 ends at bit 72 past its 8-byte struct" */
} tyr_diag;

/**
 * Fills diag (when not NULL) with err, offset and a printf-formatted message (truncated to
 * fit), and returns err: `return tyr_diag_set(diag, TYR_ECORRUPT, off, "...", ...);`.
 * The one diagnostic helper of the library and of every importer built on it.
 */
TYR_API int tyr_diag_set(tyr_diag *diag, int err, uint64_t offset, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

#ifdef __cplusplus
}
#endif

#endif /* TYR_ERROR_H */

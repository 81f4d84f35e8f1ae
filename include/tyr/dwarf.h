/* SPDX-License-Identifier: MIT */
/*
 * The DWARF importer: open an ELF binary (or an in-memory ELF image), find its debug info
 * (in the file, or in a separate debug file found through the build-id or .gnu_debuglink,
 * plus the dwz supplementary file named by .gnu_debugaltlink), and import into a caller's
 * registry:
 *   - a function's probe signature (its parameters in order, names and types): a
 *     TYR_KIND_FUNC named after the function, found later with tyr_find(reg, name, FUNC);
 *   - a named struct/union/enum/typedef with everything it reaches;
 *   - every type of every unit, optionally with every function's probe signature
 *     (tyr_dwarf_import_all with TYR_DWARF_ALL_FUNCS).
 * Only what is asked for is imported; what is reached is imported once per registry.
 *
 * Ownership: tyr_dwarf_open*() returns a handle the caller frees with tyr_dwarf_free().
 * It owns the libdwarf and libelf state and the file descriptors it opened. Types it
 * imports belong to the registry they were imported into. Names handed to callbacks are
 * views valid only during the callback.
 *
 * Caching: a handle remembers which DWARF DIE became which type of the registry it last
 * imported into, so importing several functions into one registry shares their types.
 * Passing another registry starts afresh. A registry must not be freed and another created
 * at the same address while the handle is used with it: call tyr_dwarf_forget() in between.
 *
 * Threads: a handle is used by one thread at a time. tyr_dwarf_open*() sets libdwarf's
 * process-wide allocation-tracking flag off (dwarf_set_de_alloc_flag(0)) the first time
 * it runs; open the first handle before starting threads that use libdwarf themselves.
 * tyr_dwarf_import_all() runs a worker thread of its own during the call (joined before it
 * returns) when the machine has 2 cores or more;
 * TYR_DWARF_ALL_ONE_THREAD turns it off. The library reads no environment variable of its
 * own (libdebuginfod reads DEBUGINFOD_URLS).
 *
 * Errors: 0 or a negative TYR_E* code; outputs are untouched on failure, and the diag
 * (the last argument of every call that fills one; optional) says where: the DIE offset for TYR_EDWARF and TYR_ENOENT of a referenced
 * DIE, and for TYR_ENODEBUG the list of places searched for separate debug files.
 */
#ifndef TYR_DWARF_H
#define TYR_DWARF_H

#include <stddef.h>
#include <stdint.h>

#include "tyr/common.h"
#include "tyr/error.h"
#include "tyr/registry.h"
#include "tyr/types.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tyr_dwarf tyr_dwarf;

struct tyr_dwarf_opts {
    size_t sz;                     /* set by TYR_OPTS */
    /* Directories searched for separate debug files, in order, instead of the default
     * {"/usr/lib/debug"}: each D is tried as D/.build-id/xx/rest.debug, D/<dir of the
     * binary>/<debuglink name>, and D/<debuglink name>; the binary's own directory and its
     * .debug subdirectory are always tried for the debuglink name. NULL-terminated; read
     * during the open call only, not retained. */
    const char *const *debug_dirs;
    /* debuginfod servers asked for the debug file (and the dwz file) by build-id when no
     * local place has it, through libdebuginfod and its cache (DEBUGINFOD_CACHE_PATH).
     * NULL: the DEBUGINFOD_URLS environment variable; "": never; otherwise a
     * space-separated URL list used instead of the environment's. libdebuginfod reads its
     * servers from the environment only, so a list given here is put in DEBUGINFOD_URLS
     * for the duration of the fetch (under a lock; the previous value is restored): do not
     * read the environment from another thread meanwhile. Read during the call only. */
    const char *debuginfod_urls;
    /* Called during a download with the bytes received and the total (0 or less: not
     * known yet). The callback rule of tyr/common.h: non-zero cancels the download and the
     * open returns that value. NULL: none. The library prints nothing. */
    int (*debuginfod_progress)(void *arg, long done, long total);
    void *debuginfod_progress_arg;
};

/**
 * @brief Open an ELF executable, shared object or separate debug file by path.
 * @param path  Not retained.
 * @param opts  NULL for defaults.
 * @param[out] out  The handle, freed with tyr_dwarf_free(); untouched on failure.
 * @param diag  Optional; filled on failure.
 * @return 0; TYR_EINVAL; TYR_EIO (cannot open or read the file); TYR_ENOTELF;
 *         TYR_ENODEBUG (no .debug_info here nor in any separate debug file nor on a
 *         debuginfod server: diag->what lists the places searched); TYR_EIO also for a
 *         debuginfod server that could not be reached, timed out (DEBUGINFOD_TIMEOUT) or
 *         broke off; TYR_ENODEBUG too for a server's file whose build-id is not the one
 *         asked for (refused and removed from the cache); TYR_EDWARF (libdwarf refused the debug info);
 *         TYR_ENOMEM; the debuginfod_progress callback's non-zero value when it cancelled.
 */
TYR_API int tyr_dwarf_open(const char *path, const struct tyr_dwarf_opts *opts,
                           tyr_dwarf **out, tyr_diag *diag);

/**
 * @brief Open an ELF image held in memory (a fuzzer's input). No separate debug files are
 *        searched. The bytes are copied (into an anonymous memfd): the caller may free them
 *        as soon as this returns.
 * @return As tyr_dwarf_open().
 */
TYR_API int tyr_dwarf_open_mem(const void *data, size_t len, const struct tyr_dwarf_opts *opts,
                               tyr_dwarf **out, tyr_diag *diag);

/** @brief Free a handle, its libdwarf/libelf state and descriptors. NULL is accepted. */
TYR_API void tyr_dwarf_free(tyr_dwarf *dw);

/** @brief Forget which DIEs were imported into which types (see "Caching" above). */
TYR_API void tyr_dwarf_forget(tyr_dwarf *dw);

/**
 * @brief The path the DWARF was actually read from (the separate debug file when one was
 *        followed), and the dwz supplementary file ("" when none).
 * @return Strings owned by the handle, valid until tyr_dwarf_free().
 */
TYR_API const char *tyr_dwarf_debug_path(const tyr_dwarf *dw);
TYR_API const char *tyr_dwarf_alt_path(const tyr_dwarf *dw);

/**
 * @brief DIEs the name lookups left out because their DW_AT_name cannot be read (a form
 *        that is not a string, an offset outside its string table, a dwz file without the
 *        string): a lookup by name may then miss what it would otherwise find, and a tool
 *        should say so. An import never leaves such a name blank: reading the DIE fails it
 *        with TYR_EDWARF, the diag naming the DIE and why.
 * @param[out] first_die  The lowest such DIE offset (may be NULL); untouched when none.
 * @param[out] in_alt     1 if that DIE is in the dwz supplementary file (may be NULL).
 * @return How many were left out since the handle was opened.
 */
TYR_API uint64_t tyr_dwarf_unreadable_names(const tyr_dwarf *dw, uint64_t *first_die,
                                           int *in_alt);

/**
 * @brief The binary's GNU build-id as lowercase hex ("" when it has none), for
 *        tyr_registry_set_source(). len: at least 129 holds any.
 * @return The number of hex digits written (0: none); TYR_EINVAL; TYR_ENOSPC.
 */
TYR_API int tyr_dwarf_build_id(const tyr_dwarf *dw, char *hex, size_t len);

/**
 * @brief Import a function's probe signature and every type its parameters and return
 *        type reach.
 * The function is found by name through the ELF symbol tables and .debug_aranges (one unit
 * is scanned), then by a scan of every unit's top level; an ELF alias is matched by address
 * to the DIE's DW_AT_low_pc (fopen -> _IO_new_fopen); a function that exists only as an
 * out-of-line copy (name.part.N, name.isra.N, name.constprop.N, name.cold) is found by its
 * base name. DW_AT_specification and DW_AT_abstract_origin are followed for the name,
 * parameters and return type.
 * @param name  The function name as the caller probes it; not retained. The FUNC record is
 *              named `name` (the alias asked for, not the DIE's name).
 * @param[out] out  The TYR_KIND_FUNC type (its target is the FUNC_PROTO). May be NULL.
 * @param diag  Optional; filled on failure (the DIE offset on TYR_EDWARF).
 * @return 0; TYR_ENOENT (no such function); TYR_EDWARF; TYR_ENOMEM; a registry error.
 */
TYR_API int tyr_dwarf_import_func(tyr_dwarf *dw, tyr_registry *reg, const char *name,
                                  tyr_type *out, tyr_diag *diag);

/**
 * @brief Import a named type (a definition is preferred over a declaration) and what it
 *        reaches. kind: TYR_KIND_STRUCT, _UNION, _ENUM, _TYPEDEF or TYR_KIND_ANY. When
 *        several units define the name with different layouts, the first in unit order is
 *        imported (tyr_dwarf_import_all() imports every one).
 * @return 0; TYR_ENOENT; TYR_EINVAL (kind); TYR_EDWARF; TYR_ENOMEM; a registry error.
 */
TYR_API int tyr_dwarf_import_type(tyr_dwarf *dw, tyr_registry *reg, const char *name,
                                  int kind, tyr_type *out, tyr_diag *diag);

/** Progress: units done of total. The callback rule of tyr/common.h: 0 goes on; a non-zero
 *  value stops the import, which rolls the registry back and returns that value. */
typedef int (*tyr_dwarf_progress_fn)(void *ctx, uint32_t done, uint32_t total);

/** Counters of the last import_all (for benchmarks). Set sz (TYR_OPTS) before passing it. */
typedef struct tyr_dwarf_stats {
    size_t sz;          /* set by the caller to sizeof (TYR_OPTS) */
    uint64_t units;     /* units walked (compile and partial units, both files) */
    uint64_t dies;      /* DIEs visited */
    uint64_t types;     /* type ids in the registry afterwards */
    /* units imported from a decode made ahead on two threads (0 with
     * TYR_DWARF_ALL_ONE_THREAD); a unit whose decode ahead failed is read again through
     * libdwarf by the importing thread, with the same result, only slower */
    uint64_t units_ahead;
} tyr_dwarf_stats;

/* Flags of tyr_dwarf_all_opts. */
enum {
    /* Also import the probe signature of every function with a body (DW_AT_low_pc or
     * DW_AT_ranges, on the DIE or through DW_AT_specification/DW_AT_abstract_origin): the
     * TYR_KIND_FUNC tyr_dwarf_import_func() would store, in the same walk over the units. */
    TYR_DWARF_ALL_FUNCS = 1u << 0,
    /* With TYR_DWARF_ALL_FUNCS: also a FUNC for every ELF function symbol name that has
     * none yet, with the prototype tyr_dwarf_import_func() finds for it by address (libc's
     * fopen: _IO_new_fopen's; fclose: _IO_new_fclose's). Without ALL_FUNCS: ignored. */
    TYR_DWARF_ALL_ALIASES = 1u << 1,
    /* Decode every unit on the calling thread: no worker thread, whatever the machine. The
     * result is the same type for type (the worker changes where bytes come from, never
     * what is built); for callers that may not start threads, and for tests. */
    TYR_DWARF_ALL_ONE_THREAD = 1u << 2,
};

struct tyr_dwarf_all_opts {
    size_t sz;                      /* set by TYR_OPTS */
    uint32_t flags;                 /* TYR_DWARF_ALL_* */
    tyr_dwarf_progress_fn progress; /* optional: called after each unit */
    void *ctx;                      /* for progress */
    tyr_dwarf_stats *stats;         /* optional [out]; its sz set by the caller */
    uint64_t *funcs;                /* optional [out]: FUNC records stored or found, aliases included */
    /* 0: the worker splits only large units. 2 or more: it splits every unit that has that
     * many kept top-level DIEs into that many pieces (at most 16), to test the pieces'
     * hand-over on small files. Same result either way. */
    uint32_t pieces;
};

/**
 * @brief Import every type DIE of every unit (function bodies are skipped) once each,
 *        deduplicated by name and layout. With TYR_DWARF_ALL_FUNCS, each function name gets
 *        one FUNC, from the definition tyr_dwarf_import_func() would pick: for a name with
 *        ELF symbols, the DIE whose DW_AT_low_pc is the first of the name's symbol addresses
 *        that has one; otherwise (no symbol, or no DIE at any of them) the first definition
 *        with a body in unit order (the dwz file's units first, as tyr_dwarf_list_funcs()
 *        lists them). Other definitions of the name (static functions of several units) are
 *        skipped. A name the registry already holds as a FUNC of the same signature is not
 *        stored twice. Aliases (TYR_DWARF_ALL_ALIASES) are resolved after the walk, from
 *        the FUNCs of DIEs only.
 * @param opts  NULL for defaults: types only, no callback, the worker thread when useful.
 * @param diag  Optional; filled on failure (the DIE offset on TYR_EDWARF).
 * @return 0; TYR_EINVAL for unknown flags, non-zero bytes past the known fields of opts, or
 *         a stats struct with a bad sz; the progress callback's non-zero value; TYR_EDWARF;
 *         TYR_ENOMEM; a registry error. On any failure the registry is as it was.
 */
TYR_API int tyr_dwarf_import_all(tyr_dwarf *dw, tyr_registry *reg,
                                 const struct tyr_dwarf_all_opts *opts, tyr_diag *diag);

/* Where a parameter is when its function is entered (tyr_dwarf_param_locations). */
enum tyr_dwarf_loc_kind {
    TYR_DWARF_LOC_UNAVAILABLE = 0, /* nowhere at entry: optimized out, not passed to this
                                      copy of the function, or no location list entry covers
                                      the entry pc */
    TYR_DWARF_LOC_REG = 1,         /* in DWARF register `reg` */
    TYR_DWARF_LOC_STACK = 2,       /* in memory at `offset` bytes from `base` */
    TYR_DWARF_LOC_CONST = 3,       /* not passed: its value is known, `value` */
    TYR_DWARF_LOC_EXPR = 4,        /* a location this library does not decode (pieces of
                                      several registers, a computed address) */
};
/* `base` of a STACK location: a DWARF register number, or the canonical frame address
 * (DW_OP_fbreg in a function whose frame base is DW_OP_call_frame_cfa; at the entry
 * instruction on x86-64 the CFA is %rsp + 8). */
#define TYR_DWARF_LOC_CFA UINT16_MAX
/* Flags of a location. */
enum {
    /* One expression for the whole function (DW_AT_location as an expression, not a list):
     * DWARF states no pc range. At -O0 it is a stack slot that the prologue fills: at the
     * entry instruction itself the parameter is still where the ABI passed it. */
    TYR_DWARF_LOC_WHOLE_FUNCTION = 1u << 0,
    /* The parameter is not among the ones this copy of the function lists (an .isra or
     * .constprop clone dropped it): it comes from the abstract origin, kind UNAVAILABLE. */
    TYR_DWARF_LOC_DROPPED = 1u << 1,
};

typedef struct tyr_dwarf_param_loc {
    const char *name; /* the parameter's name, "" when unnamed; owned by the handle, valid
                         until tyr_dwarf_free() */
    uint16_t kind;    /* enum tyr_dwarf_loc_kind */
    uint16_t base;    /* STACK: a DWARF register or TYR_DWARF_LOC_CFA */
    uint16_t reg;     /* REG: the DWARF register (x86-64: 0 rax, 1 rdx, 2 rcx, 3 rbx, 4 rsi,
                         5 rdi, 6 rbp, 7 rsp, 8-15 r8-r15, 17-32 xmm0-15) */
    uint16_t flags;   /* TYR_DWARF_LOC_* flags */
    int64_t offset;   /* STACK: bytes from base */
    uint64_t value;   /* CONST: the value (two's complement for a signed one) */
} tyr_dwarf_param_loc;

/**
 * @brief Where each parameter of a function is at its entry pc, as its DWARF says: for an
 *        optimized function or an out-of-line copy (name.isra.N, name.constprop.N,
 *        name.part.N: give the copy's symbol name to ask about that copy) whose parameters
 *        DWARF places in registers or in location lists, instead of assuming the ABI.
 * The function is found as tyr_dwarf_import_func() finds it. The entry pc is its
 * DW_AT_low_pc, or the address of its ELF symbol when it has only DW_AT_ranges. Parameters
 * come in the order of the function's DIE (the copy's own parameters first, as it receives
 * them), then those of its abstract origin that the copy dropped (TYR_DWARF_LOC_DROPPED).
 * Varargs (`...`) have no entry.
 * @param out      Up to max entries written (may be NULL when max is 0).
 * @param[out] count     How many parameters there are (may exceed max). May be NULL.
 * @param[out] entry_pc  The entry pc the locations are for. May be NULL.
 * @return 0; TYR_EINVAL; TYR_ENOENT (no such function); TYR_ENOTSUP (no entry pc: no
 *         DW_AT_low_pc and no symbol); TYR_EDWARF (an unreadable DIE or location list: the
 *         diag names the DIE); TYR_ENOMEM.
 */
TYR_API int tyr_dwarf_param_locations(tyr_dwarf *dw, const char *name, tyr_dwarf_param_loc *out,
                                      uint32_t max, uint32_t *count, uint64_t *entry_pc,
                                      tyr_diag *diag);

/** Called once per distinct function name; `name` is valid during the call only. The
 *  callback rule of tyr/common.h: non-zero stops the walk, which returns that value. */
typedef int (*tyr_dwarf_func_fn)(void *ctx, const char *name);

/**
 * @brief List the functions with a body (a DW_AT_low_pc or ranges), whose names match an
 *        fnmatch(3) glob ("PyDict_*"; NULL matches all), in unit order, each name once.
 * @return 0, the callback's non-zero value, TYR_EINVAL, TYR_ENOMEM, TYR_EDWARF.
 */
TYR_API int tyr_dwarf_list_funcs(tyr_dwarf *dw, const char *glob, tyr_dwarf_func_fn fn,
                                 void *ctx, tyr_diag *diag);

/**
 * @brief The definitions of a function name, one symbol per definition: for a C++
 *        qualified name ("app::handle", from the DIE scope chain) that several overloads
 *        share, each overload's ELF symbol (its mangled name, "_ZN3app6handleEi"), which
 *        tyr_dwarf_import_func() then finds exactly. A definition without a symbol at its
 *        DW_AT_low_pc is listed under `name` itself, and so is a name that is itself an ELF
 *        symbol (a C function: one definition, found without reading the whole index).
 * @param count [out] the number of definitions listed (0: no definition named `name`).
 * @return 0, the callback's non-zero value, TYR_EINVAL, TYR_ENOMEM, TYR_EDWARF.
 */
TYR_API int tyr_dwarf_func_overloads(tyr_dwarf *dw, const char *name, tyr_dwarf_func_fn fn,
                                     void *ctx, uint32_t *count, tyr_diag *diag);

/**
 * @brief The names a uprobe can attach to in a binary, read from its symbol tables only (no
 *        DWARF is opened: fast). Every function symbol with an address (STT_FUNC,
 *        STT_GNU_IFUNC; an undefined one with an address is a non-PIE executable's PLT entry
 *        for a function it imports) of the binary's .symtab and .dynsym, and, when it has no
 *        .debug_info, of its separate debug file's .symtab (found as tyr_dwarf_open() finds
 *        it; not finding one is no error). A version suffix is folded into the plain name
 *        (fopen@@GLIBC_2.2.5 is fopen); a compiler's split-off function tail (name.part.N) is
 *        left out, as `bpftrace -l` leaves it out. Names matching glob (fnmatch(3); NULL
 *        matches all) go to fn sorted by strcmp, each once.
 * @param opts  debug_dirs is used; NULL for defaults.
 * @return 0, fn's non-zero value, TYR_EINVAL, TYR_EIO (cannot open path), TYR_ENOTELF,
 *         TYR_ENOMEM.
 */
TYR_API int tyr_probe_names(const char *path, const struct tyr_dwarf_opts *opts,
                            const char *glob, tyr_dwarf_func_fn fn, void *ctx, tyr_diag *diag);

/**
 * @brief The one matcher of function patterns over a binary: the names of
 *        tyr_probe_names() (the handle's binary and debug file) that match glob and for which
 *        tyr_dwarf_import_func() finds a definition, sorted by strcmp, each once. These are
 *        the probe names a full blob of the binary (`tyr import --all`) holds a signature
 *        for. A binary without any function symbol is matched by its DWARF names
 *        (tyr_dwarf_list_funcs()).
 * @return 0, fn's non-zero value, TYR_EINVAL, TYR_ENOMEM, TYR_EDWARF.
 */
TYR_API int tyr_dwarf_match_funcs(tyr_dwarf *dw, const char *glob, tyr_dwarf_func_fn fn,
                                  void *ctx, tyr_diag *diag);

#ifdef __cplusplus
}
#endif

#endif /* TYR_DWARF_H */

/* SPDX-License-Identifier: MIT */
/*
 * The .aot file and the runtime that traces from it (docs/aot.md, byte by byte).
 *
 * An .aot file holds data only: a probe table (per probe: the target binary's path and GNU
 * build-id, the symbol and its file offset, entry or return, and per value its name, its type
 * as a handle into the embedded blob and its capture plan under the x86-64 System V ABI), and
 * a tyr blob pruned to what the probes reach, at an aligned offset. It never holds BPF code:
 * the one BPF program is part of this library, and a plan is verified against its limits
 * before it reaches a map.
 *
 * Writing (the build side) takes a registry and probe specs whose FUNC types came from
 * anywhere (tyr_dwarf_import_func, or built by hand); the ABI classification, field paths and
 * dereference levels are resolved here, at build time. Opening verifies the container and the
 * blob (never in trusted mode). Attaching loads the BPF program through libbpf, fills its
 * plan map, and attaches a uprobe per probe by file offset; polling calls back per event;
 * tyr_aot_event_print() decodes an event through the mapped registry.
 *
 * Errors: 0 or a negative TYR_E* code, with the byte offset (from the file's start) and what
 * failed in the diag, the last argument of every call that fills one (attach: which probe
 * failed, and libbpf's errno).
 * Ownership: written next to each function.
 */
#ifndef TYR_AOT_H
#define TYR_AOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tyr/common.h"
#include "tyr/error.h"
#include "tyr/output.h"
#include "tyr/registry.h"
#include "tyr/types.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TYR_AOT_BUILD_ID_MAX 32u   /* bytes of a GNU build-id kept (SHA1 is 20) */
#define TYR_AOT_DEREF_DEFAULT 1u   /* pointer levels followed to records by default */
#define TYR_AOT_DEREF_MAX 1u       /* the runtime follows argument pointers one level */
#define TYR_AOT_CAPTURE_CAP 2048u  /* bytes captured per dereferenced value at most */

/* ---- Writing -------------------------------------------------------------------------- */

/* One probe to write. Every pointer is read during tyr_aot_write_path() only. */
struct tyr_aot_probe_spec {
    const char *target;        /* the binary's path as the runtime will attach to it */
    const uint8_t *build_id;   /* its GNU build-id (NULL/0: none; the runtime then checks nothing) */
    size_t build_id_len;       /* <= TYR_AOT_BUILD_ID_MAX */
    const char *symbol;        /* the function's symbol */
    uint64_t file_offset;      /* where its first instruction is in the file */
    bool ret;                  /* a return probe: the return value is captured */
    tyr_type func;             /* its TYR_KIND_FUNC in the registry */
    uint32_t deref;            /* pointer-to-record arguments followed this many levels (0, 1) */
    const char *const *fields; /* "n->next->val" paths, captured and printed after the args */
    size_t nfields;
    /* A compiler clone's parameters at its entry, from its DWARF (tyr_dwarf_param_locations),
     * matched to func's parameters by name: the plan reads them there instead of where the
     * ABI puts the signature's. NULL: the ABI's places. */
    const struct tyr_dwarf_param_loc *entry_locs;
    uint32_t nentry_locs;
};

struct tyr_aot_write_opts {
    size_t sz;       /* set by TYR_OPTS */
    uint32_t flags;  /* none yet: 0 */
};

/**
 * @brief Write an .aot file atomically (temporary file in the same directory, fsync, rename):
 *        header, probe tables, capture plans, then the registry pruned to what the probes
 *        reach, appended at a page-aligned offset by tyr_blob_write_fd().
 * @param reg Not modified.
 * @return 0; TYR_EINVAL (a spec field missing or out of range); TYR_EKIND (func is not a
 *         FUNC; a field path through something that is not a pointer to a record);
 *         TYR_ENOENT (no such argument or member in a field path); TYR_ENOTSUP (a plan the
 *         runtime cannot carry out: too many values, too deep a path); TYR_ENOMEM; TYR_EIO.
 */
TYR_API int tyr_aot_write_path(const tyr_registry *reg, const struct tyr_aot_probe_spec *probes,
                               size_t nprobes, const char *path,
                               const struct tyr_aot_write_opts *opts, tyr_diag *diag);

/* ---- Reading -------------------------------------------------------------------------- */

typedef struct tyr_aot tyr_aot;

struct tyr_aot_open_opts {
    size_t sz;      /* set by TYR_OPTS */
    uint32_t flags; /* none yet: 0 (the blob is always verified) */
};

/**
 * @brief Map an .aot file read-only and verify it: header, section table, strings, targets,
 *        probes, values, every capture item against the BPF program's limits, every type
 *        handle against the blob, and the blob itself (tyr_registry_open_mem, verified).
 * @param[out] out Freed with tyr_aot_free() (which unmaps); untouched on failure.
 * @return 0; TYR_ENOENT; TYR_EIO; TYR_ECORRUPT (diag says where); TYR_ETRUNC; TYR_EVERSION;
 *         TYR_EALIGN; TYR_ENOMEM; the blob's errors.
 */
TYR_API int tyr_aot_open_path(const char *path, const struct tyr_aot_open_opts *opts,
                              tyr_aot **out, tyr_diag *diag);
/**
 * @brief As tyr_aot_open_path() over bytes the caller owns (8-aligned; alive and unchanged
 *        until tyr_aot_free()). Nothing is copied.
 */
TYR_API int tyr_aot_open_mem(const void *buf, size_t len, const struct tyr_aot_open_opts *opts,
                             tyr_aot **out, tyr_diag *diag);
/** @brief Free (and unmap) an opened file. NULL is accepted. */
TYR_API void tyr_aot_free(tyr_aot *aot);

/** @return The mapped, verified registry of the file's blob; owned by aot. */
TYR_API const tyr_registry *tyr_aot_registry(const tyr_aot *aot);

typedef struct tyr_aot_file_info {
    uint32_t version;
    uint32_t probes, targets, values, items;
    uint64_t file_bytes;
    uint64_t blob_offset, blob_bytes;
    uint64_t full_blob_bytes; /* the blob the build side would have written unpruned */
    uint32_t full_types;      /* types of the registry before pruning */
} tyr_aot_file_info;
TYR_API void tyr_aot_get_info(const tyr_aot *aot, tyr_aot_file_info *out);

typedef struct tyr_aot_target_info {
    const char *path;          /* views into the mapping, valid until tyr_aot_free() */
    const uint8_t *build_id;
    uint32_t build_id_len;     /* 0: none recorded */
} tyr_aot_target_info;
TYR_API int tyr_aot_target_get(const tyr_aot *aot, uint32_t i, tyr_aot_target_info *out);

typedef struct tyr_aot_probe_info {
    const char *symbol;
    uint32_t target;       /* index for tyr_aot_target_get() */
    uint64_t file_offset;
    bool ret;
    tyr_type func;         /* its FUNC in tyr_aot_registry() */
    uint32_t values;       /* tyr_aot_value_get(aot, probe, 0 .. values-1) */
    uint32_t items;        /* capture items */
    uint32_t data_len;     /* captured bytes per event */
} tyr_aot_probe_info;
TYR_API int tyr_aot_probe_get(const tyr_aot *aot, uint32_t i, tyr_aot_probe_info *out);

enum tyr_aot_value_kind {
    TYR_AOT_ARG = 1,    /* an argument, as it was at entry */
    TYR_AOT_DEREF = 2,  /* what the previous ARG points to */
    TYR_AOT_FIELD = 3,  /* a --field path */
    TYR_AOT_RET = 4,    /* the return value */
};

enum tyr_aot_where {
    TYR_AOT_IN_REGS = 1,      /* INTEGER class: one or two integer registers */
    TYR_AOT_ON_STACK = 2,     /* MEMORY class, or past the integer registers: stack at entry */
    TYR_AOT_IN_MEMORY = 3,    /* read through a pointer chain (DEREF, FIELD, a MEMORY return) */
    TYR_AOT_NOT_CAPTURED = 4, /* what a uprobe cannot read (SSE registers); printed as such */
};

typedef struct tyr_aot_value_info {
    int kind;            /* enum tyr_aot_value_kind */
    int where;           /* enum tyr_aot_where */
    const char *name;    /* "n", "n->next->val"; view into the mapping */
    const char *why;     /* NOT_CAPTURED: the reason ("SSE register xmm0"); else "" */
    tyr_type type;       /* the type the captured bytes are decoded as */
    uint32_t regs[2];    /* IN_REGS: enum of aot_capture.h (0 rdi .. 5 r9, 6 rax); nregs of them */
    uint32_t nregs;
    int64_t stack_offset; /* ON_STACK: bytes above the first stack argument (rsp + 8 at entry) */
    uint32_t data_off;   /* where its bytes are in an event's data */
    uint32_t data_len;   /* how many (at most the type's size: less when over the cap) */
    uint32_t first_item, nitems; /* the capture items that fill them */
} tyr_aot_value_info;
TYR_API int tyr_aot_value_get(const tyr_aot *aot, uint32_t probe, uint32_t i,
                              tyr_aot_value_info *out);

/* ---- Decoding one event --------------------------------------------------------------- */

/* An event as the BPF program sends it (the ring buffer's bytes): probe index, a bitmask of
 * items that failed, the thread, and the captured data. */
typedef struct tyr_aot_event {
    uint32_t probe;
    uint32_t fail;
    uint32_t tid, tgid;
    const uint8_t *data; /* view, valid during the callback only */
    uint32_t data_len;
} tyr_aot_event;

enum { TYR_AOT_PRINT_TEXT = 0, TYR_AOT_PRINT_JSON = 1 };

/**
 * @brief Print one event as one line (no newline): `walk(n = 0x7ffd5a10 -> { .next = 0x0,
 *        .val = 1 })`, a return probe as `walk() = 3`. Values whose items failed print
 *        `<unreadable>`; NOT_CAPTURED values `<not captured: why>`. Checks the event against
 *        the probe's plan (probe index, data length) first: a bad event is TYR_ECORRUPT.
 *        TYR_AOT_PRINT_JSON prints one JSON object instead (docs/aot.md, "JSON"): {"probe":
 *        "walk", "pid": N, "tid": N, "values": {"n": "0x7ffd5a10", "*n": {...}}}.
 * @return 0; TYR_EINVAL; TYR_ECORRUPT; the decoder's errors; a sink's error.
 */
TYR_API int tyr_aot_event_print(const tyr_aot *aot, const tyr_aot_event *ev, int format,
                                const tyr_sink *sink);

/* ---- Attaching and polling (libbpf) ---------------------------------------------------- */

typedef struct tyr_aot_session tyr_aot_session;

struct tyr_aot_attach_opts {
    size_t sz;            /* set by TYR_OPTS */
    int32_t pid;          /* only this process's hits (> 0); 0: every process */
    uint32_t ringbuf_kb;  /* ring buffer size in KiB: a power of two, 16 .. 1 GiB; 0: 512.
                             Its pages are mapped into the runtime and count in its RSS. */
    /* Optional: paths[i] replaces target i's recorded path (a copy of the binary elsewhere,
     * say one stripped of its debug info); NULL entries keep it. Its build-id is checked as
     * the recorded path's would be. npaths entries, read during the call only. */
    const char *const *paths;
    uint32_t npaths;
};

/**
 * @brief Check each target's build-id against the file on disk, load the BPF program, fill
 *        its plan map and attach one uprobe (uretprobe) per probe by file offset, its BPF
 *        cookie the probe's index.
 * @param aot Must outlive the session.
 * @param[out] out Freed with tyr_aot_detach(); untouched on failure.
 * @return 0; TYR_ECORRUPT for a build-id mismatch (diag->what names both ids);
 *         TYR_ENOENT (a target is missing); TYR_EIO (libbpf failed: errno and diag say why);
 *         TYR_ENOMEM.
 */
TYR_API int tyr_aot_attach(const tyr_aot *aot, const struct tyr_aot_attach_opts *opts,
                           tyr_aot_session **out, tyr_diag *diag);

/** Called per event. The callback rule of tyr/common.h: 0 goes on; a non-zero value stops
 *  the poll, which returns that value. */
typedef int (*tyr_aot_event_fn)(void *ctx, const tyr_aot_event *ev);

/**
 * @brief Wait up to timeout_ms (-1: forever; 0: only what is there) for events and call fn for
 *        each one, until none is left or fn returns non-zero.
 * @param[out] handled Optional: the number of events handed to fn.
 * @return 0; fn's non-zero value when it stopped the poll; TYR_EINVAL; TYR_EIO (errno set;
 *         EINTR when a signal arrived).
 */
TYR_API int tyr_aot_poll(tyr_aot_session *s, int timeout_ms, tyr_aot_event_fn fn, void *ctx,
                         uint32_t *handled);

/** @brief Events handed to callbacks and events the BPF side could not send, per probe. */
TYR_API int tyr_aot_counts(const tyr_aot_session *s, uint32_t probe, uint64_t *seen,
                           uint64_t *lost);

/** @brief Detach every probe and free the session. NULL is accepted. */
TYR_API void tyr_aot_detach(tyr_aot_session *s);

/* ---- Build-ids ------------------------------------------------------------------------- */

/**
 * @brief Read an ELF file's GNU build-id (the NT_GNU_BUILD_ID note), with bounds-checked
 *        reads of its headers only (no libelf).
 * @param[out] len Its length; 0 with return 0 when the file has none.
 * @return 0; TYR_ENOENT; TYR_EIO; TYR_ENOTELF; TYR_ENOSPC (longer than cap).
 */
TYR_API int tyr_aot_read_build_id(const char *path, uint8_t *buf, size_t cap, size_t *len);

/* ---- Build side: ELF symbols (libtyr-aot reads them through libelf, as libbpf does) --- */

/**
 * @brief The file offset of a function's first instruction (the uprobe's offset), from the
 *        ELF symbol tables (.symtab, then .dynsym) and the PT_LOAD segments.
 * @return 0; TYR_ENOENT (no such function symbol); TYR_ENOTSUP (only a compiler clone,
 *         name.isra.N / .constprop.N / .part.N / .cold, exists: diag names it); TYR_ENOTELF;
 *         TYR_EIO.
 */
TYR_API int tyr_aot_find_symbol(const char *path, const char *name, uint64_t *file_offset,
                                tyr_diag *diag);

/**
 * @brief The compiler clone (name.isra.N, name.constprop.N, name.part.N) that exists in place
 *        of a function `name` the binary has no symbol for, and its first instruction's file
 *        offset: the symbol a probe attaches to when the clone's DWARF says where each
 *        parameter is at its entry (tyr_dwarf_param_locations).
 * @param clone [out] its symbol, NUL-terminated, cut to clone_cap bytes.
 * @return 0; TYR_ENOENT (no clone: `name` itself exists, or neither does); TYR_ENOTSUP (only
 *         a split-off cold part, name.cold, exists: diag says so); TYR_ENOTELF; TYR_EIO.
 */
TYR_API int tyr_aot_find_clone(const char *path, const char *name, char *clone,
                               size_t clone_cap, uint64_t *file_offset, tyr_diag *diag);

#ifdef __cplusplus
}
#endif

#endif /* TYR_AOT_H */

/* SPDX-License-Identifier: MIT */
/*
 * The blob: a registry written out byte for byte, and mapped back read-only.
 *
 * Writing copies the registry's tables (types, layouts, fields, enumerators, params, strings)
 * into sections after a fixed header, with the name index, a relocation table listing every
 * slot that holds a handle, and an XXH3-64 checksum (docs/format.md, byte by byte). A *full*
 * write keeps every handle as it is; a *pruned* write keeps only what the caller's root
 * types reach (through pointers, members, array elements, typedefs, qualifiers, prototypes),
 * stores identical function prototypes once, renumbers the kept types in their old relative
 * order, rewrites the roots in place and can hand back the old-to-new map.
 *
 * Loading maps the bytes (or uses the caller's), verifies them in one linear pass with O(1)
 * memory, and returns a registry in mapped mode: every query of tyr/registry.h works on it
 * unchanged, nothing of the arena is copied, nothing is allocated per type. A verified blob
 * can never make a query read out of bounds or loop. TYR_LOAD_AUDIT adds the integrity checks
 * (checksum, name hashes, index completeness); TYR_LOAD_TRUSTED skips the per-record pass
 * (for files the caller wrote itself) and is never the default.
 *
 * Threads: a mapped registry holds no mutable state; any number of threads may query it.
 *
 * Errors: 0 or a negative TYR_E* code; on failure no output is touched. Bad input gives
 * TYR_ECORRUPT (or TYR_ETRUNC, TYR_EVERSION, TYR_EBYTEORDER, TYR_EALIGN) and, when the
 * caller passes a tyr_diag (the last argument of every call that fills one), the blob byte
 * offset (from the blob's start) and what failed.
 *
 * Example (the AOT runtime):
 *   tyr_registry *reg;
 *   tyr_diag d;
 *   int err = tyr_registry_open_path("x.aot",
 *       TYR_OPTS(tyr_load_opts, .offset = blob_off), &reg, &d);
 *   if (err) fprintf(stderr, "x.aot+%llu: %s\n", (unsigned long long)d.offset, d.what);
 *   ... queries ...
 *   tyr_registry_free(reg);
 */
#ifndef TYR_BLOB_H
#define TYR_BLOB_H

#include <stddef.h>
#include <stdint.h>

#include "tyr/common.h"
#include "tyr/error.h"
#include "tyr/registry.h"
#include "tyr/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Writing ------------------------------------------------------------------------- */

enum {
    /* tyr_blob_write_fd: start the blob at a page-aligned offset (default: 8-aligned). */
    TYR_WRITE_PAGE_ALIGN = 1u << 0,
};

struct tyr_write_opts {
    size_t sz;             /* set by TYR_OPTS */
    uint32_t flags;        /* TYR_WRITE_* */
    /*
     * Pruned write when roots is not NULL: keep only what roots[0 .. nroots) reach (the
     * roots of tyr_dump_opts, typed and counted the same). On success each root is
     * rewritten in place to its new handle. The caller owns the array; it is not retained.
     */
    tyr_type *roots;
    size_t nroots;
    /*
     * Optional, pruned writes only: map[old id] = new id (0 = dropped; void stays 0; a
     * prototype identical to a lower one maps to that one's id), for every old id < map_len. map_len must be at least tyr_registry_type_count(reg).
     * Caller-owned; written only on success.
     */
    uint32_t *map;
    size_t map_len;
};

/**
 * @brief Serialize a registry (building or mapped) into a new memory buffer.
 * @param reg Not modified (a pruned write works on a copy).
 * @param opts NULL for a full write.
 * @param[out] buf The blob, 8-aligned; free it with tyr_blob_buf_free(). Untouched on failure.
 * @param[out] len Its length in bytes.
 * @return 0, TYR_EINVAL (bad opts), TYR_EHANDLE (a root out of range), TYR_ENOMEM,
 *         TYR_EOVERFLOW (a table past 4 GiB).
 */
TYR_API int tyr_blob_write_mem(const tyr_registry *reg, const struct tyr_write_opts *opts,
                               void **buf, size_t *len);

/** @brief Free a buffer from tyr_blob_write_mem(). NULL is accepted. */
TYR_API void tyr_blob_buf_free(void *buf);

/**
 * @brief Write a blob to a path atomically: a temporary file in the same directory
 * ("<path>.tmp.XXXXXX", mode 0644 minus the umask), fsync, rename over path, fsync the
 * directory (best effort: once the rename is done the write has succeeded, whatever the
 * directory sync says). A failed write removes the temporary file and leaves an existing file
 * at path as it was; a process killed mid-write leaves the old file (or no file) at path, never a
 * partial one (its temporary file may remain).
 * @param path Not retained.
 * @return 0, TYR_EINVAL, TYR_EHANDLE, TYR_ENOMEM, TYR_EIO (errno says why).
 */
TYR_API int tyr_blob_write_path(const tyr_registry *reg, const char *path,
                                const struct tyr_write_opts *opts);

/**
 * @brief Append a blob to an open file (the `.aot` case): at the file's end rounded up to 8
 * (or to the page size with TYR_WRITE_PAGE_ALIGN), the gap zero-filled.
 * @param fd Open for writing; not closed, not synced (fsync it if the file must be durable).
 *           Its file offset ends after the blob.
 * @param[out] off Where the blob starts (pass it to tyr_load_opts.offset). May be NULL.
 * @param[out] len Its length in bytes. May be NULL.
 * @return 0, TYR_EINVAL, TYR_EHANDLE, TYR_ENOMEM, TYR_EIO. On TYR_EIO the file is truncated
 *         back to its old length (best effort: not possible on a pipe).
 */
TYR_API int tyr_blob_write_fd(const tyr_registry *reg, int fd, const struct tyr_write_opts *opts,
                              uint64_t *off, uint64_t *len);

/* ---- Loading ------------------------------------------------------------------------- */

enum {
    /* Skip the per-record verification pass (the header and section table are still
     * checked, in O(1)). Only for blobs the caller wrote itself. Never the default. */
    TYR_LOAD_TRUSTED = 1u << 0,
    /* Verify integrity too, beyond safety: the checksum, every name's hash bucket and the
     * name index's completeness (docs/format.md lists the checks of each level). A hostile
     * writer can always write a consistent file; these catch accidents. Not with TRUSTED. */
    TYR_LOAD_AUDIT = 1u << 1,
};

struct tyr_load_opts {
    size_t sz;           /* set by TYR_OPTS */
    uint64_t offset;     /* path/fd: where the blob starts in the file; 8-aligned */
    uint64_t length;     /* path/fd: bytes available from offset; 0 = to the end of file */
    uint32_t flags;      /* TYR_LOAD_* */
    const char *section; /* ELF: section name; NULL = ".tyr". Not retained */
};

/**
 * @brief Map a blob read-only (mmap PROT_READ, MAP_PRIVATE) and verify it.
 * @param path Not retained; the file may be closed, renamed or unlinked afterwards.
 * @param opts NULL for defaults; offset/length select the blob inside a bigger file.
 * @param[out] out A mapped registry; untouched on failure.
 * @return 0, TYR_EINVAL, TYR_ENOENT (no such file), TYR_EIO, TYR_EALIGN (offset not
 *         8-aligned), TYR_ETRUNC (the file or the range ends before the blob does),
 *         TYR_ECORRUPT, TYR_EVERSION, TYR_EBYTEORDER, TYR_ENOMEM.
 * @note Free with tyr_registry_free(), which unmaps: names returned by queries die with it.
 */
TYR_API int tyr_registry_open_path(const char *path, const struct tyr_load_opts *opts,
                                   tyr_registry **out, tyr_diag *diag);

/**
 * @brief As tyr_registry_open_path(), from an open file descriptor (offsets that are not
 * page-aligned are mapped from the page below). The fd is not retained or closed.
 */
TYR_API int tyr_registry_open_fd(int fd, const struct tyr_load_opts *opts, tyr_registry **out,
                                 tyr_diag *diag);

/**
 * @brief Load the blob stored in an ELF file's section (opts->section, default ".tyr"),
 * mapped in place. The section must be SHT_PROGBITS and start at an 8-aligned file offset
 * (`objcopy --add-section .tyr=blob --set-section-alignment .tyr=8`).
 * @return As tyr_registry_open_path(), plus TYR_ENOTELF (not ELF, or malformed section
 *         headers) and TYR_ENOENT (no such section).
 */
TYR_API int tyr_registry_open_elf(const char *path, const struct tyr_load_opts *opts,
                                  tyr_registry **out, tyr_diag *diag);

/**
 * @brief Use a blob in memory the caller owns. Nothing is copied.
 * @param buf 8-aligned (TYR_EALIGN otherwise). @pre It stays alive and unchanged until
 *        tyr_registry_free() of the result.
 * @param len Bytes available at buf (the blob may be shorter; its header says how long).
 * opts->offset and ->length are ignored (pass buf + offset yourself).
 */
TYR_API int tyr_registry_open_mem(const void *buf, size_t len, const struct tyr_load_opts *opts,
                                  tyr_registry **out, tyr_diag *diag);

/**
 * @brief Verify a blob without loading it (the `tyr verify` tool).
 * @param buf 8-aligned. @param len Bytes available.
 * @param[out] diag Optional; filled on failure.
 * @return 0 or the error tyr_registry_open_mem() would return.
 */
TYR_API int tyr_blob_verify(const void *buf, size_t len, tyr_diag *diag);

/**
 * @brief Where a mapped registry's blob started in the file it was loaded from.
 * @return The offset; 0 for building registries and blobs loaded from memory.
 */
TYR_API uint64_t tyr_registry_blob_offset(const tyr_registry *reg);

#ifdef __cplusplus
}
#endif

#endif /* TYR_BLOB_H */

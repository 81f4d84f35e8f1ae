/* SPDX-License-Identifier: MIT */
/*
 * The public face of libtyr-dwarf (include/tyr/dwarf.h): opening and freeing a handle, its
 * accessors, and the import entries that bind a registry. Each entry checks its arguments
 * and options here and hands the work to the layer below that does it (docs/architecture.md
 * lists the layers).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memfd_create */
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "dwarf_internal.h"
#include "opts.h"

static tyr_dwarf *dw_alloc(void)
{
    tyr_dwarf *dw = calloc(1, sizeof *dw);
    if (!dw)
        return NULL;
    dw->f[0].fd = dw->f[1].fd = -1;
    dw->elf_fd = -1;
    atomic_init(&dw->bad_names, 0);
    atomic_init(&dw->first_bad_name, TDW_REF_NONE);
    return dw;
}

/* Open from an fd we own (closed on failure). */
static int open_fd(int fd, const char *path, bool search, const struct tyr_dwarf_opts *opts,
                   tyr_dwarf **out, tyr_diag *diag)
{
    tyr_dwarf *dw = dw_alloc();
    if (!dw) {
        close(fd);
        return tyr_diag_set(diag, TYR_ENOMEM, 0, "out of memory");
    }
    int err = tdw_files_open(dw, fd, path, search, opts, diag);
    for (unsigned i = 0; i < 2 && !err; i++)
        if (dw->f[i].dbg)
            err = tdw_units_load(dw, i, diag);
    if (err) {
        tyr_dwarf_free(dw);
        return err;
    }
    *out = dw;
    return 0;
}

int tyr_dwarf_open(const char *path, const struct tyr_dwarf_opts *opts, tyr_dwarf **out,
                   tyr_diag *diag)
{
    if (!path || !out || !tyr__opts_valid(opts, sizeof *opts))
        return TYR_EINVAL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return tyr_diag_set(diag, errno == ENOENT ? TYR_ENOENT : TYR_EIO, 0, "%s: %s", path,
                        strerror(errno));
    return open_fd(fd, path, true, opts, out, diag);
}

int tyr_dwarf_open_mem(const void *data, size_t len, const struct tyr_dwarf_opts *opts,
                       tyr_dwarf **out, tyr_diag *diag)
{
    if ((!data && len) || !out || !tyr__opts_valid(opts, sizeof *opts))
        return TYR_EINVAL;
    int fd = memfd_create("tyr-dwarf", MFD_CLOEXEC);
    if (fd < 0)
        return tyr_diag_set(diag, TYR_EIO, 0, "memfd_create: %s", strerror(errno));
    const char *p = data;
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, p + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            close(fd);
            return tyr_diag_set(diag, TYR_EIO, 0, "memfd write: %s", strerror(errno));
        }
        done += (size_t)n;
    }
    return open_fd(fd, "<memory>", false, opts, out, diag);
}

void tyr_dwarf_free(tyr_dwarf *dw)
{
    if (!dw)
        return;
    tdw_import_free(dw);
    tdw_cxx_free(dw);
    tdw_index_free(dw);
    tdw_units_free(dw);
    tdw_syms_free(dw);
    tdw_files_close(dw);
    free(dw);
}

void tyr_dwarf_forget(tyr_dwarf *dw)
{
    if (dw)
        tdw_import_forget(dw);
}

const char *tyr_dwarf_debug_path(const tyr_dwarf *dw)
{
    return dw && dw->f[0].path ? dw->f[0].path : "";
}

const char *tyr_dwarf_alt_path(const tyr_dwarf *dw)
{
    return dw && dw->f[1].path ? dw->f[1].path : "";
}

uint64_t tyr_dwarf_unreadable_names(const tyr_dwarf *dw, uint64_t *first_die, int *in_alt)
{
    if (!dw)
        return 0;
    uint64_t n = atomic_load(&dw->bad_names);
    tdw_ref first = atomic_load(&dw->first_bad_name);
    if (n && first != TDW_REF_NONE) {
        if (first_die)
            *first_die = tdw_ref_off(first);
        if (in_alt)
            *in_alt = (int)tdw_ref_file(first);
    }
    return n;
}

int tyr_dwarf_build_id(const tyr_dwarf *dw, char *hex, size_t len)
{
    if (!dw || !hex || len == 0)
        return TYR_EINVAL;
    unsigned char id[64];
    size_t n = dw->elf ? tdw_build_id(dw->elf, id, sizeof id) : 0;
    if (2 * n + 1 > len)
        return TYR_ENOSPC;
    for (size_t i = 0; i < n; i++)
        snprintf(hex + 2 * i, 3, "%02x", id[i]);
    hex[2 * n] = 0;
    return (int)(2 * n);
}

int tyr_dwarf_import_func(tyr_dwarf *dw, tyr_registry *reg, const char *name, tyr_type *out,
                          tyr_diag *diag)
{
    return tdw_func_import(dw, reg, name, out, diag);
}

int tyr_dwarf_import_type(tyr_dwarf *dw, tyr_registry *reg, const char *name, int kind,
                          tyr_type *out, tyr_diag *diag)
{
    return tdw_named_type_import(dw, reg, name, kind, out, diag);
}

int tyr_dwarf_import_all(tyr_dwarf *dw, tyr_registry *reg,
                         const struct tyr_dwarf_all_opts *opts, tyr_diag *diag)
{
    if (!tyr__opts_valid(opts, sizeof *opts))
        return TYR_EINVAL;
    uint32_t flags = TYR__OPT(opts, tyr_dwarf_all_opts, flags, 0u);
    if (flags & ~(uint32_t)(TYR_DWARF_ALL_FUNCS | TYR_DWARF_ALL_ALIASES |
                            TYR_DWARF_ALL_ONE_THREAD))
        return TYR_EINVAL;
    tyr_dwarf_stats *stats = TYR__OPT(opts, tyr_dwarf_all_opts, stats, NULL);
    if (stats && !tyr__stats_valid(stats, sizeof *stats))
        return TYR_EINVAL;
    return tdw_import_all(dw, reg, flags, TYR__OPT(opts, tyr_dwarf_all_opts, pieces, 0u),
                          TYR__OPT(opts, tyr_dwarf_all_opts, progress, NULL),
                          TYR__OPT(opts, tyr_dwarf_all_opts, ctx, NULL), stats,
                          TYR__OPT(opts, tyr_dwarf_all_opts, funcs, NULL), diag);
}

int tyr_dwarf_list_funcs(tyr_dwarf *dw, const char *glob, tyr_dwarf_func_fn fn, void *ctx,
                         tyr_diag *diag)
{
    return tdw_list_funcs(dw, glob, fn, ctx, diag);
}

int tyr_dwarf_func_overloads(tyr_dwarf *dw, const char *name, tyr_dwarf_func_fn fn, void *ctx,
                             uint32_t *count, tyr_diag *diag)
{
    return tdw_func_overloads(dw, name, fn, ctx, count, diag);
}

/* SPDX-License-Identifier: MIT */
/*
 * The blob loader: map (or borrow) the bytes, verify them (lib/verify.c), and hand back a
 * registry in mapped mode whose tables point into them. One allocation (the registry
 * struct), whatever the blob holds; no copy of the arena, no fix-ups.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blob_format.h"
#include "elf_section.h"
#include "internal.h"
#include "tyr/blob.h"

static int opts_ok(const struct tyr_load_opts *opts)
{
    if (!tyr__opts_valid(opts, sizeof(struct tyr_load_opts)))
        return 0;
    uint32_t flags = TYR__OPT(opts, tyr_load_opts, flags, 0u);
    if (flags & ~(uint32_t)(TYR_LOAD_TRUSTED | TYR_LOAD_AUDIT))
        return 0;
    return (flags & (TYR_LOAD_TRUSTED | TYR_LOAD_AUDIT)) != (TYR_LOAD_TRUSTED | TYR_LOAD_AUDIT);
}

/* The check level the load flags ask for: SAFE unless told otherwise. */
static enum tyr_check_level level_of(uint32_t flags)
{
    if (flags & TYR_LOAD_TRUSTED)
        return TYR_CHECK_HEADER;
    return (flags & TYR_LOAD_AUDIT) ? TYR_CHECK_AUDIT : TYR_CHECK_SAFE;
}

/*
 * Verify buf and wrap it. map/map_len: the mapping the registry will own (NULL/0 when the
 * caller owns the memory). On failure nothing is owned (the caller unmaps).
 */
static int wrap(const void *buf, size_t len, const struct tyr_load_opts *opts, void *map,
                size_t map_len, uint64_t blob_off, tyr_registry **out, tyr_diag *diag)
{
    uint32_t flags = TYR__OPT(opts, tyr_load_opts, flags, 0u);
    tyr_registry *reg;
    int err;

    err = tyr__blob_check(buf, len, level_of(flags), diag);
    if (err)
        return err; /* diag filled by the check */
    reg = calloc(1, sizeof *reg); /* owned by the result: tyr_registry_free() */
    if (!reg)
        return tyr_diag_set(diag, TYR_ENOMEM, 0, "out of memory for the registry");
    tyr__blob_attach(reg, buf);
    reg->generation = tyr__next_generation();
    reg->map = map;
    reg->map_len = map_len;
    reg->blob_off = blob_off;
    *out = reg;
    return 0;
}

int tyr_registry_open_mem(const void *buf, size_t len, const struct tyr_load_opts *opts,
                          tyr_registry **out, tyr_diag *diag)
{
    if (!buf || !out || !opts_ok(opts))
        return TYR_EINVAL;
    return wrap(buf, len, opts, NULL, 0, 0, out, diag);
}

int tyr_blob_verify(const void *buf, size_t len, tyr_diag *diag)
{
    return tyr__blob_check(buf, len, TYR_CHECK_SAFE, diag);
}

/* Map [offset, offset + length) of fd (length 0: to the end of the file) and wrap it. */
static int open_range(int fd, uint64_t offset, uint64_t length, const struct tyr_load_opts *opts,
                      tyr_registry **out, tyr_diag *diag)
{
    struct stat st;
    uint64_t avail, floor, delta, pg;
    long pgl;
    void *map;
    int err;

    if (offset % 8 != 0)
        return tyr_diag_set(diag, TYR_EALIGN, offset, "blob offset %llu is not 8-aligned",
                         (unsigned long long)offset);
    if (fstat(fd, &st) != 0)
        return tyr_diag_set(diag, TYR_EIO, 0, "fstat: %s", strerror(errno));
    if (st.st_size < 0 || offset > (uint64_t)st.st_size)
        return tyr_diag_set(diag, TYR_ETRUNC, offset, "offset %llu is past the file's end",
                         (unsigned long long)offset);
    avail = (uint64_t)st.st_size - offset;
    if (length) {
        if (length > avail)
            return tyr_diag_set(diag, TYR_ETRUNC, offset,
                             "%llu bytes asked, %llu in the file from there",
                             (unsigned long long)length, (unsigned long long)avail);
        avail = length;
    }
    if (avail == 0)
        return tyr_diag_set(diag, TYR_ETRUNC, 0, "no bytes at offset %llu",
                         (unsigned long long)offset);
    pgl = sysconf(_SC_PAGESIZE);
    pg = pgl > 0 ? (uint64_t)pgl : 4096u;
    floor = offset & ~(pg - 1);
    delta = offset - floor;
    if (avail + delta > SIZE_MAX)
        return tyr_diag_set(diag, TYR_ENOMEM, 0, "blob larger than the address space");
    map = mmap(NULL, (size_t)(avail + delta), PROT_READ, MAP_PRIVATE, fd, (off_t)floor);
    if (map == MAP_FAILED)
        return tyr_diag_set(diag, errno == ENOMEM ? TYR_ENOMEM : TYR_EIO, 0, "mmap: %s",
                         strerror(errno));
    err = wrap((const unsigned char *)map + delta, (size_t)avail, opts, map,
               (size_t)(avail + delta), offset, out, diag);
    if (err)
        munmap(map, (size_t)(avail + delta));
    return err;
}

int tyr_registry_open_fd(int fd, const struct tyr_load_opts *opts, tyr_registry **out,
                         tyr_diag *diag)
{
    if (fd < 0 || !out || !opts_ok(opts))
        return TYR_EINVAL;
    return open_range(fd, TYR__OPT(opts, tyr_load_opts, offset, 0),
                      TYR__OPT(opts, tyr_load_opts, length, 0), opts, out, diag);
}

int tyr_registry_open_path(const char *path, const struct tyr_load_opts *opts,
                           tyr_registry **out, tyr_diag *diag)
{
    int fd, err;

    if (!path || !out || !opts_ok(opts))
        return TYR_EINVAL;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return tyr_diag_set(diag, errno == ENOENT ? TYR_ENOENT : TYR_EIO, 0, "open %s: %s", path,
                         strerror(errno));
    err = tyr_registry_open_fd(fd, opts, out, diag);
    close(fd); /* the mapping outlives the descriptor */
    return err;
}

int tyr_registry_open_elf(const char *path, const struct tyr_load_opts *opts,
                          tyr_registry **out, tyr_diag *diag)
{
    const char *name;
    uint64_t off = 0, size = 0;
    int fd, err;

    if (!path || !out || !opts_ok(opts))
        return TYR_EINVAL;
    name = TYR__OPT(opts, tyr_load_opts, section, NULL);
    if (!name)
        name = ".tyr";
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return tyr_diag_set(diag, errno == ENOENT ? TYR_ENOENT : TYR_EIO, 0, "open %s: %s", path,
                         strerror(errno));
    err = tyr__elf_find_section(fd, name, &off, &size, diag);
    if (!err && size == 0)
        err = tyr_diag_set(diag, TYR_ETRUNC, off, "section %s is empty", name);
    if (!err)
        err = open_range(fd, off, size, opts, out, diag);
    close(fd);
    return err;
}

uint64_t tyr_registry_blob_offset(const tyr_registry *reg)
{
    return reg && reg->mode == TYR_MODE_MAPPED ? reg->blob_off : 0;
}

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
 * Where a loader reads a blob's header and source section from: a file (pread, so that a
 * trusted open touches no page of the mapping: on a guest whose page faults are costly the
 * first touch of a fresh mapping costs more than the rest of a trusted open) or the bytes
 * themselves.
 */
struct blob_src {
    int fd;        /* -1: read at buf */
    uint64_t foff; /* the blob's first byte in the file */
};

/* Read n bytes at blob offset off into dst: 0, or a TYR_E* code with diag filled. */
static int read_at(const struct blob_src *from, const void *buf, void *dst, size_t n,
                   uint64_t off, size_t *got, tyr_diag *diag)
{
    if (from->fd < 0) {
        memcpy(dst, (const unsigned char *)buf + off, n);
        *got = n;
        return 0;
    }
    size_t have = 0;
    while (have < n) {
        ssize_t r = pread(from->fd, (unsigned char *)dst + have, n - have,
                          (off_t)(from->foff + off + have));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return tyr_diag_set(diag, TYR_EIO, off, "pread: %s", strerror(errno));
        if (r == 0)
            break;
        have += (size_t)r;
    }
    *got = have;
    return 0;
}

/*
 * Verify buf (len bytes) and wrap it. map/map_len: the mapping the registry will own
 * (NULL/0 when the caller owns the memory). On failure nothing is owned (the caller unmaps).
 * The header is checked on a copy read through `from`, and the source section is copied
 * into the registry's allocation and checked there, so the registry reads neither at buf.
 */
static int wrap(const void *buf, size_t len, const struct blob_src *from,
                const struct tyr_load_opts *opts, void *map, size_t map_len, uint64_t blob_off,
                tyr_registry **out, tyr_diag *diag)
{
    uint32_t flags = TYR__OPT(opts, tyr_load_opts, flags, 0u);
    uint64_t head_buf[512]; /* 4 KiB: a 2.0 header and section table need 224 bytes */
    struct tyr_blob_geom g;
    size_t head_len = 0, src_len;
    tyr_registry *reg;
    int err;

    if (from->fd < 0) {
        err = tyr__blob_check_head(buf, len, buf, len, &g, diag);
    } else {
        size_t want = len < sizeof head_buf ? len : sizeof head_buf;
        err = read_at(from, buf, head_buf, want, 0, &head_len, diag);
        if (!err && head_len != want)
            err = tyr_diag_set(diag, TYR_ETRUNC, head_len,
                               "the file ends at byte %zu of the blob", head_len);
        if (!err)
            err = tyr__blob_check_head(buf, len, head_buf, head_len, &g, diag);
    }
    if (err == 1) /* a section table longer than the copy: read it in place */
        err = tyr__blob_check_head(buf, len, buf, len, &g, diag);
    if (err)
        return err; /* diag filled by the check */
    src_len = (size_t)g.sect[TYR_SECT_SOURCE].len; /* checked: at most a few KiB */
    /* owned by the result: tyr_registry_free(); the source's copy lives in the same block */
    reg = calloc(1, sizeof *reg + src_len);
    if (!reg)
        return tyr_diag_set(diag, TYR_ENOMEM, 0, "out of memory for the registry");
    if (src_len) {
        size_t got = 0;
        err = read_at(from, buf, reg + 1, src_len, g.sect[TYR_SECT_SOURCE].off, &got, diag);
        if (!err && got != src_len)
            err = tyr_diag_set(diag, TYR_ETRUNC, g.sect[TYR_SECT_SOURCE].off,
                               "the file ends inside the source section");
    }
    if (!err)
        err = tyr__blob_check_source(reg + 1, &g, diag);
    if (!err)
        err = tyr__blob_check_body(buf, &g, level_of(flags), diag);
    if (err) {
        free(reg);
        return err; /* diag filled by the check */
    }
    tyr__blob_attach(reg, buf, &g, (const char *)(reg + 1));
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
    const struct blob_src from = {.fd = -1};
    return wrap(buf, len, &from, opts, NULL, 0, 0, out, diag);
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
    /* A verifying open reads nearly every page: map them all in one call rather than a
     * fault every few pages (docs/performance.md has the cost of both). A trusted open reads
     * none (wrap() reads the header and source with pread), so its pages come on demand. */
    map = mmap(NULL, (size_t)(avail + delta), PROT_READ,
               MAP_PRIVATE | (level_of(TYR__OPT(opts, tyr_load_opts, flags, 0u)) ==
                                      TYR_CHECK_HEADER
                                  ? 0
                                  : MAP_POPULATE),
               fd, (off_t)floor);
    if (map == MAP_FAILED)
        return tyr_diag_set(diag, errno == ENOMEM ? TYR_ENOMEM : TYR_EIO, 0, "mmap: %s",
                         strerror(errno));
    const struct blob_src from = {.fd = fd, .foff = offset};
    err = wrap((const unsigned char *)map + delta, (size_t)avail, &from, opts, map,
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

/* SPDX-License-Identifier: MIT */
/*
 * The blob writer: the registry's tables copied out byte for byte behind a header, plus the
 * name index, the relocation table and the checksum (docs/format.md). Destinations: memory, a path
 * (atomically), the end of an open file (the .aot case). Pruning lives in lib/prune.c.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <xxhash.h>

#include "blob_format.h"
#include "internal.h"
#include "tyr/blob.h"

/*
 * The name index a blob holds: STARTS[nbuckets + 1] and NAMED[nnamed], every named id
 * grouped by bucket (a counting sort), increasing within a bucket. starts and named are
 * zeroed and sized by the caller: nbuckets = tyr__blob_buckets(nnamed). A building registry
 * kept each name's hash; any other hashes the names again.
 */
static void fill_name_index(const tyr_registry *reg, uint32_t nbuckets, uint32_t *starts,
                            uint32_t *named)
{
    const uint32_t mask = nbuckets - 1;
    uint32_t id, b;
    if (!nbuckets)
        return;
    for (id = 1; id < reg->ntypes; id++)
        if (reg->types[id].name)
            starts[(tyr__type_name_hash(reg, id) & mask) + 1]++;
    for (b = 0; b < nbuckets; b++)
        starts[b + 1] += starts[b];
    /* starts[b] is where bucket b begins: use it as the bucket's cursor while filling */
    for (id = 1; id < reg->ntypes; id++)
        if (reg->types[id].name)
            named[starts[tyr__type_name_hash(reg, id) & mask]++] = id;
    /* every bucket's cursor ended at the next bucket's start: shift back by one bucket */
    for (b = nbuckets; b > 0; b--)
        starts[b] = starts[b - 1];
    starts[0] = 0;
}

/* Copy n bytes of src (NULL: zeros) to dst; n may be 0. */
static void copy_or_zero(unsigned char *dst, const void *src, uint64_t n)
{
    if (!n)
        return;
    if (src)
        memcpy(dst, src, (size_t)n);
    else
        memset(dst, 0, (size_t)n);
}

int tyr__blob_build(const tyr_registry *reg, uint32_t flags, void **out, size_t *out_len)
{
    struct tyr_blob_sect sect[TYR_SECT_COUNT];
    uint64_t len[TYR_SECT_COUNT];
    struct tyr_blob_reloc relocs[TYR_RELOC_MAX];
    struct tyr_blob_header *h, counts;
    unsigned char *buf;
    uint64_t pos;
    const uint64_t hdr_len = sizeof(struct tyr_blob_header) + TYR_SECT_COUNT * sizeof sect[0];
    uint32_t nnamed = 0, nbuckets, id;
    unsigned s;

    if (reg->ntypes < 1 || reg->nlayouts < 1 || reg->nfields < 1 || reg->nenums < 1 ||
        reg->nparams < 1 || reg->strs_len < 1)
        return TYR_EINVAL; /* not a registry tyr_registry_new() made */
    for (id = 1; id < reg->ntypes; id++)
        nnamed += reg->types[id].name != 0;
    nbuckets = tyr__blob_buckets(nnamed);
    tyr__reloc_table(relocs);
    counts = (struct tyr_blob_header){.ntypes = reg->ntypes, .nlayouts = reg->nlayouts,
                                      .nfields = reg->nfields, .nenums = reg->nenums,
                                      .nparams = reg->nparams, .strs_len = reg->strs_len,
                                      .nbuckets = nbuckets, .nnamed = nnamed};
    tyr__sect_lens(&counts, reg->src_len, reg->nwfields, reg->nwenums, len);
    /* What each section is a copy of; the name index's two (NULL) are filled below. */
    const void *const src[TYR_SECT_COUNT] = {
        [TYR_SECT_STRINGS] = reg->strs,     [TYR_SECT_TYPES] = reg->types,
        [TYR_SECT_LAYOUTS] = reg->layouts,  [TYR_SECT_FIELDS] = reg->fields,
        [TYR_SECT_ENUMS] = reg->enums,      [TYR_SECT_PARAMS] = reg->params,
        [TYR_SECT_RELOCS] = relocs,         [TYR_SECT_SOURCE] = reg->src,
        [TYR_SECT_WFIELDS] = reg->wfields,  [TYR_SECT_WENUMS] = reg->wenums};

    pos = hdr_len;
    for (s = 0; s < TYR_SECT_COUNT; s++) {
        pos = tyr__align_up(pos, 8);
        sect[s].off = pos;
        sect[s].len = len[s];
        pos += len[s];
    }
    pos = tyr__align_up(pos, 8);
    if (pos > SIZE_MAX)
        return TYR_EOVERFLOW;

    buf = calloc(1, (size_t)pos); /* zeroed: the padding between sections is 0 */
    if (!buf)
        return TYR_ENOMEM;
    for (s = 0; s < TYR_SECT_COUNT; s++)
        copy_or_zero(buf + sect[s].off, src[s], len[s]);
    fill_name_index(reg, nbuckets, (uint32_t *)(void *)(buf + sect[TYR_SECT_STARTS].off),
                    (uint32_t *)(void *)(buf + sect[TYR_SECT_NAMED].off));

    h = (struct tyr_blob_header *)(void *)buf;
    *h = counts; /* the counts; every other field is set below */
    h->magic[0] = TYR_BLOB_MAGIC0;
    h->magic[1] = TYR_BLOB_MAGIC1;
    h->magic[2] = TYR_BLOB_MAGIC2;
    h->magic[3] = TYR_BLOB_MAGIC3;
    h->byte_order = TYR_BLOB_LE;
    h->major = TYR_FORMAT_MAJOR;
    h->minor = TYR_FORMAT_MINOR;
    h->pointer_size = (uint8_t)reg->pointer_size;
    h->flags = flags;
    h->fixed_len = sizeof(struct tyr_blob_header);
    h->nsect = TYR_SECT_COUNT;
    h->total_len = pos;
    memcpy(buf + sizeof *h, sect, TYR_SECT_COUNT * sizeof sect[0]);
    h->checksum = XXH3_64bits(buf + hdr_len, (size_t)(pos - hdr_len));

    *out = buf;
    *out_len = (size_t)pos;
    return 0;
}

/*
 * Build the blob the options ask for: full, or pruned (then the roots and the map are
 * rewritten only once the caller says the write succeeded, through commit_prune()).
 */
struct build_result {
    void *buf;
    size_t len;
    uint32_t *map; /* pruned writes: old -> new, reg->ntypes entries; owned, free() */
};

static int build_for(const tyr_registry *reg, const struct tyr_write_opts *opts,
                     struct build_result *res)
{
    tyr_type *roots;
    size_t nroots, i;
    uint32_t *umap;
    size_t umap_len;
    tyr_registry *pruned = NULL;
    int err;

    memset(res, 0, sizeof *res);
    if (!reg || !tyr__opts_valid(opts, sizeof(struct tyr_write_opts)))
        return TYR_EINVAL;
    roots = TYR__OPT(opts, tyr_write_opts, roots, NULL);
    nroots = TYR__OPT(opts, tyr_write_opts, nroots, 0);
    umap = TYR__OPT(opts, tyr_write_opts, map, NULL);
    umap_len = TYR__OPT(opts, tyr_write_opts, map_len, 0);
    if (!roots)
        return tyr__blob_build(reg, 0, &res->buf, &res->len);

    if (umap && umap_len < reg->ntypes)
        return TYR_EINVAL;
    for (i = 0; i < nroots; i++)
        if (roots[i].id >= reg->ntypes)
            return TYR_EHANDLE;
    res->map = malloc((size_t)reg->ntypes * sizeof *res->map);
    if (!res->map)
        return TYR_ENOMEM;
    err = tyr__prune(reg, roots, nroots, res->map, &pruned);
    if (!err)
        err = tyr__blob_build(pruned, TYR_BLOB_F_PRUNED, &res->buf, &res->len);
    tyr__pruned_free(pruned);
    if (err) {
        free(res->map);
        res->map = NULL;
    }
    return err;
}

/* The write succeeded: hand the caller its rewritten roots and map. */
static void commit_prune(const tyr_registry *reg, const struct tyr_write_opts *opts,
                         struct build_result *res)
{
    tyr_type *roots = TYR__OPT(opts, tyr_write_opts, roots, NULL);
    size_t nroots = TYR__OPT(opts, tyr_write_opts, nroots, 0);
    uint32_t *umap = TYR__OPT(opts, tyr_write_opts, map, NULL);
    size_t i;

    if (!res->map)
        return;
    for (i = 0; i < nroots; i++)
        roots[i].id = res->map[roots[i].id];
    if (umap) {
        memcpy(umap, res->map, (size_t)reg->ntypes * sizeof *umap);
        /* ids past the registry (map_len > count) were never types: dropped */
        for (i = reg->ntypes; i < TYR__OPT(opts, tyr_write_opts, map_len, 0); i++)
            umap[i] = 0;
    }
}

static void release(struct build_result *res)
{
    free(res->buf);
    free(res->map);
}

int tyr_blob_write_mem(const tyr_registry *reg, const struct tyr_write_opts *opts, void **buf,
                       size_t *len)
{
    struct build_result res;
    int err;

    if (!buf || !len)
        return TYR_EINVAL;
    err = build_for(reg, opts, &res);
    if (err)
        return err;
    commit_prune(reg, opts, &res);
    free(res.map);
    *buf = res.buf; /* ownership passes to the caller: tyr_blob_buf_free() */
    *len = res.len;
    return 0;
}

void tyr_blob_buf_free(void *buf)
{
    free(buf);
}

/* write() all of it, through EINTR and short writes. 0 or TYR_EIO (errno kept). */
static int write_all(int fd, const void *p, size_t n)
{
    const unsigned char *c = p;
    while (n) {
        ssize_t w = write(fd, c, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return TYR_EIO;
        }
        if (w == 0) {
            errno = EIO;
            return TYR_EIO;
        }
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Make "<path>.tmp.XXXXXX" exclusively, mode 0644 (minus the umask). */
static int open_temp(const char *path, char **tmp_out)
{
    static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    size_t plen = strlen(path);
    char *tmp = malloc(plen + sizeof ".tmp.XXXXXX");
    uint64_t seed = (uint64_t)getpid() * 0x9e3779b97f4a7c15u;
    struct timespec ts;
    int tries, fd;

    if (!tmp)
        return TYR_ENOMEM;
    clock_gettime(CLOCK_REALTIME, &ts);
    seed ^= (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32) ^ (uint64_t)(uintptr_t)tmp;
    for (tries = 0; tries < 100; tries++) {
        uint64_t v;
        int k;
        seed = seed * 6364136223846793005u + 1442695040888963407u;
        v = seed >> 16;
        memcpy(tmp, path, plen);
        memcpy(tmp + plen, ".tmp.", 5);
        for (k = 0; k < 6; k++) {
            tmp[plen + 5 + (size_t)k] = digits[v % 36];
            v /= 36;
        }
        tmp[plen + 11] = '\0';
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd >= 0) {
            *tmp_out = tmp;
            return fd;
        }
        if (errno != EEXIST)
            break;
    }
    free(tmp);
    return TYR_EIO;
}

/* fsync the directory holding path, so that the rename is durable. */
static int sync_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir;
    int fd, err = 0;

    if (!slash) {
        dir = strdup(".");
    } else {
        size_t n = slash == path ? 1 : (size_t)(slash - path);
        dir = malloc(n + 1);
        if (dir) {
            memcpy(dir, path, n);
            dir[n] = '\0';
        }
    }
    if (!dir)
        return TYR_ENOMEM;
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(dir);
    if (fd < 0)
        return TYR_EIO;
    if (fsync(fd) != 0 && errno != EINVAL) /* some filesystems cannot sync a directory */
        err = TYR_EIO;
    close(fd);
    return err;
}

int tyr_blob_write_path(const tyr_registry *reg, const char *path,
                        const struct tyr_write_opts *opts)
{
    struct build_result res;
    char *tmp = NULL;
    int fd, err;

    if (!path || !*path)
        return TYR_EINVAL;
    err = build_for(reg, opts, &res);
    if (err)
        return err;
    fd = open_temp(path, &tmp);
    if (fd < 0) {
        release(&res);
        return fd;
    }
    err = write_all(fd, res.buf, res.len);
    if (!err && fsync(fd) != 0)
        err = TYR_EIO;
    if (close(fd) != 0 && !err)
        err = TYR_EIO;
    if (!err && rename(tmp, path) != 0)
        err = TYR_EIO;
    if (err) {
        int saved = errno;
        unlink(tmp); /* the old file at path, if any, was never touched */
        errno = saved;
    } else {
        /* The rename happened: the new file is in place, so the write has succeeded and the
         * roots must now match it. Syncing the directory makes the rename durable; it is best
         * effort (some filesystems cannot sync a directory), documented in tyr/blob.h. */
        (void)sync_dir(path);
    }
    free(tmp);
    if (!err)
        commit_prune(reg, opts, &res);
    release(&res);
    return err;
}

int tyr_blob_write_fd(const tyr_registry *reg, int fd, const struct tyr_write_opts *opts,
                      uint64_t *off, uint64_t *len)
{
    static const unsigned char zeros[512];
    struct build_result res;
    uint32_t flags;
    uint64_t align, start, pad;
    off_t end;
    int err;

    if (fd < 0)
        return TYR_EINVAL;
    err = build_for(reg, opts, &res);
    if (err)
        return err;
    flags = TYR__OPT(opts, tyr_write_opts, flags, 0u);
    if (flags & ~(uint32_t)TYR_WRITE_PAGE_ALIGN) {
        release(&res);
        return TYR_EINVAL;
    }
    align = 8;
    if (flags & TYR_WRITE_PAGE_ALIGN) {
        long pg = sysconf(_SC_PAGESIZE);
        align = pg > 8 ? (uint64_t)pg : 8;
    }
    end = lseek(fd, 0, SEEK_END);
    if (end < 0) {
        release(&res);
        return TYR_EIO;
    }
    start = tyr__align_up((uint64_t)end, align);
    for (pad = start - (uint64_t)end; pad && !err;) {
        size_t n = pad < sizeof zeros ? (size_t)pad : sizeof zeros;
        err = write_all(fd, zeros, n);
        pad -= n;
    }
    if (!err)
        err = write_all(fd, res.buf, res.len);
    if (err) {
        int saved = errno;
        if (ftruncate(fd, end) == 0)
            (void)lseek(fd, end, SEEK_SET);
        errno = saved;
        release(&res);
        return err;
    }
    commit_prune(reg, opts, &res);
    if (off)
        *off = start;
    if (len)
        *len = res.len;
    release(&res);
    return 0;
}

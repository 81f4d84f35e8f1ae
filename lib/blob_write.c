/* SPDX-License-Identifier: MIT */
/*
 * The blob writer: the registry's tables copied out byte for byte behind a header, plus the
 * relocation map and the checksum (docs/format.md). Destinations: memory, a path
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

static uint32_t slot_at(const unsigned char *rec, unsigned off)
{
    uint32_t v;
    memcpy(&v, rec + off, sizeof v);
    return v;
}

/*
 * The relocation map: every handle slot, derived from the records through the per-kind table
 * (lib/kinds.h), as the verifier derives them (lib/verify.c). With map == NULL only count the
 * slots; else write the slot table and the mask bytes into map (zeroed, tyr__reloc_map_len
 * bytes).
 */
static uint64_t walk_relocs(const tyr_registry *reg, unsigned char *map)
{
    uint64_t n = 0;
    uint32_t i;
    unsigned space;
    unsigned char *m = map ? map + TYR_RELOC_TABLE_LEN : NULL;
    if (map)
        memcpy(map, tyr__reloc_slots(), TYR_RELOC_TABLE_LEN);
#define PUT_(mask)                          \
    do {                                    \
        unsigned m_ = (mask);               \
        n += (m_ & 1u) + (m_ >> 1 & 1u) + (m_ >> 2 & 1u) + (m_ >> 3 & 1u) + \
             (m_ >> 4 & 1u) + (m_ >> 5 & 1u); \
        if (m)                              \
            *m++ = (unsigned char)m_;       \
    } while (0)
    for (i = 0; i < reg->ntypes; i++) {
        const struct tyr_rec_type *t = &reg->types[i];
        const struct tyr_kind_row *k = tyr__kind(t->kind);
        PUT_((t->name ? TYR_TM_NAME : 0u) | (t->ref && k->ref ? TYR_TM_REF : 0u) |
             (t->first ? tyr__first_mask(k->first) : 0u));
    }
    /* the tail tables in section order; bit 0 the name slot, bit 1 the type-id slot */
    for (space = TYR_SPACE_FIELD; space <= TYR_SPACE_PARAM; space++) {
        const struct tyr_tail_row *tr = &tyr__tail_rows[space];
        uint32_t nrec;
        const unsigned char *rec = tyr__tail_table(reg, space, &nrec);
        for (i = 0; i < nrec; i++, rec += tr->stride)
            PUT_((slot_at(rec, tr->name) ? 1u : 0u) |
                 (tr->has_type && slot_at(rec, tr->type) ? 2u : 0u));
    }
    for (i = 0; i < reg->nbuckets; i++)
        PUT_(reg->buckets[i] ? 1u : 0u);
    for (i = 0; i < reg->ntypes; i++)
        PUT_(reg->chain && reg->chain[i] ? 1u : 0u);
#undef PUT_
    return n;
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
    struct tyr_blob_sect sect[TYR_SECT_COUNT_1_1];
    uint64_t len[TYR_SECT_COUNT_1_1];
    const void *src[TYR_SECT_COUNT_1_1];
    struct tyr_blob_header *h;
    unsigned char *buf;
    uint64_t nrelocs, pos;
    /* 1.1 only when there is a source to record (see TYR_SECT_SOURCE). */
    const unsigned nsect = reg->src_len ? TYR_SECT_COUNT_1_1 : TYR_SECT_COUNT;
    const uint64_t hdr_len = sizeof(struct tyr_blob_header) + nsect * sizeof sect[0];
    unsigned s;

    if (reg->ntypes < 1 || reg->nfields < 1 || reg->nenums < 1 || reg->nparams < 1 ||
        reg->strs_len < 1)
        return TYR_EINVAL; /* not a registry tyr_registry_new() made */
    nrelocs = walk_relocs(reg, NULL);
    if (nrelocs > UINT32_MAX)
        return TYR_EOVERFLOW;

    len[TYR_SECT_STRINGS] = reg->strs_len;
    len[TYR_SECT_TYPES] = (uint64_t)reg->ntypes * sizeof(struct tyr_rec_type);
    len[TYR_SECT_FIELDS] = (uint64_t)reg->nfields * sizeof(struct tyr_rec_field);
    len[TYR_SECT_ENUMS] = (uint64_t)reg->nenums * sizeof(struct tyr_rec_enumerator);
    len[TYR_SECT_PARAMS] = (uint64_t)reg->nparams * sizeof(struct tyr_rec_param);
    len[TYR_SECT_BUCKETS] = (uint64_t)reg->nbuckets * 4u;
    len[TYR_SECT_CHAIN] = (uint64_t)reg->ntypes * 4u;
    len[TYR_SECT_HASHES] = (uint64_t)reg->ntypes * 4u;
    len[TYR_SECT_RELOCS] = tyr__reloc_map_len(reg->ntypes, reg->nfields, reg->nenums,
                                              reg->nparams, reg->nbuckets);
    src[TYR_SECT_STRINGS] = reg->strs;
    src[TYR_SECT_TYPES] = reg->types;
    src[TYR_SECT_FIELDS] = reg->fields;
    src[TYR_SECT_ENUMS] = reg->enums;
    src[TYR_SECT_PARAMS] = reg->params;
    src[TYR_SECT_BUCKETS] = reg->buckets;
    src[TYR_SECT_CHAIN] = reg->chain; /* NULL while no name is indexed: zeros */
    src[TYR_SECT_HASHES] = NULL;      /* computed below */
    src[TYR_SECT_RELOCS] = NULL;      /* filled below */
    len[TYR_SECT_SOURCE] = reg->src_len;
    src[TYR_SECT_SOURCE] = reg->src;

    pos = hdr_len;
    for (s = 0; s < nsect; s++) {
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
    for (s = 0; s < nsect; s++)
        if (s != TYR_SECT_RELOCS && s != TYR_SECT_HASHES)
            copy_or_zero(buf + sect[s].off, src[s], len[s]);
    {
        /* The name hashes let the verifier check the index without chasing type records. */
        uint32_t *hashes = (uint32_t *)(void *)(buf + sect[TYR_SECT_HASHES].off), i;
        for (i = 0; i < reg->ntypes; i++)
            hashes[i] = reg->types[i].name ? tyr__name_hash(tyr__str(reg, reg->types[i].name))
                                           : 0;
    }
    walk_relocs(reg, buf + sect[TYR_SECT_RELOCS].off);

    h = (struct tyr_blob_header *)(void *)buf;
    h->magic[0] = TYR_BLOB_MAGIC0;
    h->magic[1] = TYR_BLOB_MAGIC1;
    h->magic[2] = TYR_BLOB_MAGIC2;
    h->magic[3] = TYR_BLOB_MAGIC3;
    h->byte_order = TYR_BLOB_LE;
    h->major = TYR_FORMAT_MAJOR;
    h->minor = nsect == TYR_SECT_COUNT ? 0 : 1;
    h->pointer_size = (uint8_t)reg->pointer_size;
    h->flags = flags;
    h->fixed_len = sizeof(struct tyr_blob_header);
    h->nsect = (uint16_t)nsect;
    h->total_len = pos;
    h->ntypes = reg->ntypes;
    h->nfields = reg->nfields;
    h->nenums = reg->nenums;
    h->nparams = reg->nparams;
    h->strs_len = reg->strs_len;
    h->nbuckets = reg->nbuckets;
    h->nrelocs = (uint32_t)nrelocs;
    memcpy(buf + sizeof *h, sect, nsect * sizeof sect[0]);
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
    tyr_sized_type *roots;
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
        if (roots[i].ref >= reg->ntypes)
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
    tyr_sized_type *roots = TYR__OPT(opts, tyr_write_opts, roots, NULL);
    size_t nroots = TYR__OPT(opts, tyr_write_opts, nroots, 0);
    uint32_t *umap = TYR__OPT(opts, tyr_write_opts, map, NULL);
    size_t i;

    if (!res->map)
        return;
    for (i = 0; i < nroots; i++)
        roots[i].ref = res->map[roots[i].ref];
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

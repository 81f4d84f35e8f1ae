/* SPDX-License-Identifier: MIT */
/*
 * Writing an .aot file: plans for every probe (aot_plan.c), the tables of docs/aot.md, then
 * the registry pruned to the probes' types, appended at a page-aligned offset by the blob
 * writer; the probe table's type handles are rewritten through the prune's old-to-new map and
 * the tables written again in place. The file is built under a temporary name in the target's
 * directory, synced and renamed: a reader never sees half a file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "aot_internal.h"
#include "tyr/blob.h"

struct strtab {
    char *data;
    size_t len, cap;
};

/* Appends s (deduplicated against what is there) and returns its offset, or -1 on ENOMEM. */
static int64_t str_add(struct strtab *t, const char *s)
{
    size_t n = strlen(s) + 1;
    for (size_t at = 0; at < t->len; at += strlen(t->data + at) + 1)
        if (!strcmp(t->data + at, s))
            return (int64_t)at;
    if (t->len + n > t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 256;
        while (cap < t->len + n)
            cap *= 2;
        char *d = realloc(t->data, cap);
        if (!d)
            return -1;
        t->data = d;
        t->cap = cap;
    }
    memcpy(t->data + t->len, s, n);
    t->len += n;
    return (int64_t)(t->len - n);
}

struct tables {
    struct strtab str;
    struct aot_target *targets;
    uint32_t ntargets;
    struct aot_probe *probes;
    struct aot_value *values;
    uint32_t nvalues;
    struct aot_item *items;
    uint32_t nitems;
};

static void tables_free(struct tables *t)
{
    free(t->str.data);
    free(t->targets);
    free(t->probes);
    free(t->values);
    free(t->items);
}

static int add_target(struct tables *t, const struct tyr_aot_probe_spec *s, uint32_t *idx)
{
    for (uint32_t i = 0; i < t->ntargets; i++) {
        if (!strcmp(t->str.data + t->targets[i].path, s->target) &&
            t->targets[i].build_id_len == s->build_id_len &&
            !memcmp(t->targets[i].build_id, s->build_id ? s->build_id : (const uint8_t *)"",
                    s->build_id_len)) {
            *idx = i;
            return 0;
        }
    }
    struct aot_target *v = realloc(t->targets, (t->ntargets + 1) * sizeof(*v));
    if (!v)
        return TYR_ENOMEM;
    t->targets = v;
    struct aot_target *tg = &v[t->ntargets];
    memset(tg, 0, sizeof(*tg));
    int64_t off = str_add(&t->str, s->target);
    if (off < 0)
        return TYR_ENOMEM;
    tg->path = (uint32_t)off;
    tg->build_id_len = (uint32_t)s->build_id_len;
    if (s->build_id_len)
        memcpy(tg->build_id, s->build_id, s->build_id_len);
    *idx = t->ntargets++;
    return 0;
}

/* Appends one probe's plan to the tables. */
static int add_probe(struct tables *t, const struct tyr_aot_probe_spec *s, uint32_t pi,
                     const struct aot_probe_plan *plan)
{
    struct aot_probe *p = &t->probes[pi];
    memset(p, 0, sizeof(*p));
    int err = add_target(t, s, &p->target);
    if (err)
        return err;
    int64_t off = str_add(&t->str, s->symbol);
    if (off < 0)
        return TYR_ENOMEM;
    p->symbol = (uint32_t)off;
    p->file_offset = s->file_offset;
    p->flags = s->ret ? AOT_PROBE_RETURN : 0;
    p->func = s->func.id;
    p->first_value = t->nvalues;
    p->nvalues = (uint32_t)plan->nvalues;
    p->first_item = t->nitems;
    p->nitems = plan->nitems;
    p->data_len = plan->data_len;
    struct aot_value *vals = realloc(t->values, (t->nvalues + plan->nvalues + 1) * sizeof(*vals));
    if (!vals)
        return TYR_ENOMEM;
    t->values = vals;
    for (size_t i = 0; i < plan->nvalues; i++) {
        struct aot_value v = plan->values[i].v;
        int64_t n = str_add(&t->str, plan->values[i].name);
        int64_t w = str_add(&t->str, plan->values[i].why);
        if (n < 0 || w < 0)
            return TYR_ENOMEM;
        v.name = (uint32_t)n;
        v.why = (uint32_t)w;
        vals[t->nvalues++] = v;
    }
    struct aot_item *its = realloc(t->items, (t->nitems + plan->nitems + 1) * sizeof(*its));
    if (!its)
        return TYR_ENOMEM;
    t->items = its;
    memcpy(its + t->nitems, plan->items, plan->nitems * sizeof(*its));
    t->nitems += plan->nitems;
    return 0;
}

static int pwrite_all(int fd, const void *buf, size_t len, uint64_t off)
{
    const char *p = buf;
    while (len) {
        ssize_t n = pwrite(fd, p, len, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return TYR_EIO;
        p += n;
        len -= (size_t)n;
        off += (uint64_t)n;
    }
    return 0;
}

#define ALIGN8(x) (((x) + 7u) & ~(uint64_t)7u)

/* Lays out the sections after the header and section table; returns the end. */
static uint64_t layout(const struct tables *t, uint32_t nprobes, struct aot_section sec[AOT_SEC_COUNT_])
{
    const struct {
        uint32_t kind, entsize;
        uint64_t size;
    } s[5] = {
        {AOT_SEC_STRINGS, 1, t->str.len},
        {AOT_SEC_TARGETS, sizeof(struct aot_target), (uint64_t)t->ntargets * sizeof(struct aot_target)},
        {AOT_SEC_PROBES, sizeof(struct aot_probe), (uint64_t)nprobes * sizeof(struct aot_probe)},
        {AOT_SEC_VALUES, sizeof(struct aot_value), (uint64_t)t->nvalues * sizeof(struct aot_value)},
        {AOT_SEC_ITEMS, sizeof(struct aot_item), (uint64_t)t->nitems * sizeof(struct aot_item)},
    };
    uint64_t at = AOT_HEADER_SIZE + AOT_SEC_COUNT_ * sizeof(struct aot_section);
    for (int i = 0; i < 5; i++) {
        at = ALIGN8(at);
        sec[i] = (struct aot_section){.kind = s[i].kind, .entsize = s[i].entsize, .offset = at,
                                      .size = s[i].size};
        at += s[i].size;
    }
    return at;
}

static int write_tables(int fd, const struct tables *t, uint32_t nprobes,
                        const struct aot_section *sec)
{
    const void *data[5] = {t->str.data, t->targets, t->probes, t->values, t->items};
    int err = pwrite_all(fd, sec, AOT_SEC_COUNT_ * sizeof(*sec), AOT_HEADER_SIZE);
    for (int i = 0; i < 5 && !err; i++)
        if (sec[i].size)
            err = pwrite_all(fd, data[i], sec[i].size, sec[i].offset);
    (void)nprobes;
    return err;
}

/* Writes everything into fd (a fresh temporary file). */
static int write_file(int fd, const tyr_registry *reg, struct tables *t, uint32_t nprobes,
                      tyr_diag *diag)
{
    struct aot_section sec[AOT_SEC_COUNT_];
    uint64_t end = layout(t, nprobes, sec);
    static const char zeros[AOT_HEADER_SIZE];
    int err = pwrite_all(fd, zeros, sizeof(zeros), 0);
    if (!err)
        err = write_tables(fd, t, nprobes, sec);
    if (err)
        return aot_diag(diag, err, 0, "writing the tables: %s", strerror(errno));
    if (lseek(fd, (off_t)end, SEEK_SET) < 0)
        return TYR_EIO;

    /* Roots: each probe's function, and each value's type (all reached from it anyway, but
     * a value's type must survive the prune whatever the function reaches). */
    uint32_t ntypes = tyr_registry_type_count(reg);
    size_t nroots = nprobes + t->nvalues;
    tyr_type *roots = calloc(nroots ? nroots : 1, sizeof(*roots));
    uint32_t *map = calloc(ntypes, sizeof(*map));
    if (!roots || !map) {
        free(roots);
        free(map);
        return TYR_ENOMEM;
    }
    for (uint32_t i = 0; i < nprobes; i++)
        roots[i] = (tyr_type){t->probes[i].func};
    for (uint32_t i = 0; i < t->nvalues; i++)
        roots[nprobes + i] = (tyr_type){t->values[i].type};
    uint64_t blob_off = 0, blob_len = 0;
    err = tyr_blob_write_fd(reg, fd,
                            TYR_OPTS(tyr_write_opts, .flags = TYR_WRITE_PAGE_ALIGN, .roots = roots,
                                     .nroots = nroots, .map = map, .map_len = ntypes),
                            &blob_off, &blob_len);
    free(roots);
    if (err) {
        free(map);
        return aot_diag(diag, err, 0, "writing the blob: %s", tyr_strerror(err));
    }
    for (uint32_t i = 0; i < nprobes; i++)
        t->probes[i].func = map[t->probes[i].func];
    for (uint32_t i = 0; i < t->nvalues; i++)
        t->values[i].type = t->values[i].type ? map[t->values[i].type] : 0;
    free(map);
    sec[5] = (struct aot_section){.kind = AOT_SEC_BLOB, .entsize = 1, .offset = blob_off,
                                  .size = blob_len};
    if ((err = write_tables(fd, t, nprobes, sec)))
        return err;

    /* The checksum covers [header, blob): the section table and the tables, padding included. */
    size_t clen = (size_t)(blob_off - AOT_HEADER_SIZE);
    char *buf = malloc(clen ? clen : 1);
    if (!buf)
        return TYR_ENOMEM;
    ssize_t got = pread(fd, buf, clen, AOT_HEADER_SIZE);
    if (got != (ssize_t)clen) {
        free(buf);
        return TYR_EIO;
    }
    struct aot_header h = {.version = AOT_VERSION, .header_size = AOT_HEADER_SIZE,
                           .section_count = AOT_SEC_COUNT_, .file_size = blob_off + blob_len,
                           .section_table = AOT_HEADER_SIZE,
                           .checksum = XXH3_64bits(buf, clen), .full_types = ntypes};
    free(buf);
    memcpy(h.magic, AOT_MAGIC, sizeof(h.magic));
    void *full = NULL;
    size_t full_len = 0;
    if (!tyr_blob_write_mem(reg, NULL, &full, &full_len))
        h.full_blob_bytes = full_len;
    tyr_blob_buf_free(full);
    if ((err = pwrite_all(fd, &h, sizeof(h), 0)))
        return err;
    return fsync(fd) ? TYR_EIO : 0;
}

int tyr_aot_write_path(const tyr_registry *reg, const struct tyr_aot_probe_spec *probes,
                       size_t nprobes, const char *path, const struct tyr_aot_write_opts *opts,
                       tyr_diag *diag)
{
    if (opts && (opts->sz < sizeof(size_t) || opts->sz > sizeof(*opts)))
        return TYR_EINVAL;
    if (opts && opts->sz > offsetof(struct tyr_aot_write_opts, flags) && opts->flags)
        return TYR_EINVAL;
    if (!reg || !path || !nprobes || (nprobes && !probes) || nprobes > AOT_MAX_PROBES)
        return aot_diag(diag, TYR_EINVAL, 0, "between 1 and %u probes are needed", AOT_MAX_PROBES);
    for (size_t i = 0; i < nprobes; i++) {
        const struct tyr_aot_probe_spec *s = &probes[i];
        if (!s->target || !s->symbol || s->build_id_len > TYR_AOT_BUILD_ID_MAX ||
            (s->build_id_len && !s->build_id) || s->deref > TYR_AOT_DEREF_MAX ||
            (s->nfields && !s->fields))
            return aot_diag(diag, TYR_EINVAL, 0, "probe %zu: a field of its spec is missing or "
                            "out of range", i);
    }
    struct tables t = {0};
    int err = 0;
    t.probes = calloc(nprobes, sizeof(*t.probes));
    if (!t.probes)
        return TYR_ENOMEM;
    if (str_add(&t.str, "") < 0)
        err = TYR_ENOMEM;
    for (size_t i = 0; i < nprobes && !err; i++) {
        struct aot_probe_plan plan;
        if ((err = aot_plan_probe(reg, &probes[i], &plan, diag)))
            break;
        err = add_probe(&t, &probes[i], (uint32_t)i, &plan);
        aot_plan_free(&plan);
    }
    if (!err && (t.str.len > UINT32_MAX))
        err = TYR_EOVERFLOW;
    if (err) {
        tables_free(&t);
        return err;
    }
    size_t plen = strlen(path);
    char *tmp = malloc(plen + sizeof(".tmp.XXXXXX"));
    if (!tmp) {
        tables_free(&t);
        return TYR_ENOMEM;
    }
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".tmp.XXXXXX", sizeof(".tmp.XXXXXX"));
    int fd = mkstemp(tmp);
    if (fd < 0) {
        err = aot_diag(diag, TYR_EIO, 0, "%s: %s", tmp, strerror(errno));
    } else {
        fchmod(fd, 0644);
        err = write_file(fd, reg, &t, (uint32_t)nprobes, diag);
        if (close(fd) && !err)
            err = TYR_EIO;
        if (!err && rename(tmp, path))
            err = aot_diag(diag, TYR_EIO, 0, "%s: %s", path, strerror(errno));
        if (err)
            unlink(tmp);
    }
    free(tmp);
    tables_free(&t);
    return err;
}

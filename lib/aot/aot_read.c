/* SPDX-License-Identifier: MIT */
/*
 * Opening an .aot file: every byte of the header, section table and tables is checked before
 * it is used, and the blob is verified by the blob loader (never trusted). A file that passes
 * can be listed, attached and decoded without any further check reading out of bounds: every
 * index, range, string offset, type handle and capture item has been proven in range here.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "aot_internal.h"
#include "tyr/blob.h"

#define BAD(off, ...) aot_diag(diag, TYR_ECORRUPT, (off), __VA_ARGS__)

static bool str_ok(const struct tyr_aot *a, uint32_t off)
{
    return off < a->strings_size;
}

static int check_item(const struct aot_item *it, uint32_t data_len, uint64_t at, tyr_diag *diag)
{
    if (it->reg >= AOT_REG_COUNT_ || it->mode > AOT_ITEM_MEMORY || it->nderef > AOT_MAX_DEREF ||
        it->pad)
        return BAD(at, "capture item: register %u, mode %u, %u dereferences: out of range",
                   it->reg, it->mode, it->nderef);
    if (it->size == 0 || (it->mode == AOT_ITEM_VALUE && it->size > 8) ||
        it->size > AOT_MAX_DATA || (uint64_t)it->dst + it->size > data_len)
        return BAD(at, "capture item: %u bytes at data offset %u: past the probe's %u bytes",
                   it->size, it->dst, data_len);
    for (unsigned d = it->nderef; d < AOT_MAX_DEREF; d++)
        if (it->deref[d])
            return BAD(at, "capture item: unused dereference step %u is not zero", d);
    return 0;
}

static int check_values(struct tyr_aot *a, const struct aot_probe *p, tyr_diag *diag)
{
    uint32_t ntypes = tyr_registry_type_count(a->reg);
    for (uint32_t i = 0; i < p->nvalues; i++) {
        const struct aot_value *v = &a->values[p->first_value + i];
        uint64_t vat = (uint64_t)((const uint8_t *)v - a->base);
        if (!str_ok(a, v->name) || !str_ok(a, v->why))
            return BAD(vat, "value %u: string offset past the string table", i);
        if (v->kind < TYR_AOT_ARG || v->kind > TYR_AOT_RET || v->where < TYR_AOT_IN_REGS ||
            v->where > TYR_AOT_NOT_CAPTURED)
            return BAD(vat, "value %u: kind %u, where %u: unknown", i, v->kind, v->where);
        if (v->type >= ntypes)
            return BAD(vat, "value %u: type %u past the blob's %u types", i, v->type, ntypes);
        if (v->nregs > 2 || v->regs[0] >= AOT_REG_COUNT_ || v->regs[1] >= AOT_REG_COUNT_)
            return BAD(vat, "value %u: registers out of range", i);
        if ((uint64_t)v->data_off + v->data_len > p->data_len)
            return BAD(vat, "value %u: data [%u, +%u) past the probe's %u bytes", i, v->data_off,
                       v->data_len, p->data_len);
        if ((uint64_t)v->first_item + v->nitems > p->nitems)
            return BAD(vat, "value %u: items [%u, +%u) past the probe's %u", i, v->first_item,
                       v->nitems, p->nitems);
        if (v->where == TYR_AOT_NOT_CAPTURED ? (v->nitems || v->data_len) : !v->nitems)
            return BAD(vat, "value %u: capture items do not match where it lives", i);
    }
    return 0;
}

static int check_tables(struct tyr_aot *a, tyr_diag *diag)
{
    for (uint32_t i = 0; i < a->ntargets; i++) {
        const struct aot_target *t = &a->targets[i];
        uint64_t at = (uint64_t)((const uint8_t *)t - a->base);
        if (!str_ok(a, t->path) || !a->strings[t->path] || t->build_id_len > TYR_AOT_BUILD_ID_MAX ||
            t->reserved)
            return BAD(at, "target %u: bad path or build-id length", i);
    }
    uint32_t ntypes = tyr_registry_type_count(a->reg);
    for (uint32_t i = 0; i < a->nprobes; i++) {
        const struct aot_probe *p = &a->probes[i];
        uint64_t at = (uint64_t)((const uint8_t *)p - a->base);
        if (!str_ok(a, p->symbol) || !a->strings[p->symbol])
            return BAD(at, "probe %u: bad symbol string offset %u", i, p->symbol);
        if (p->target >= a->ntargets)
            return BAD(at, "probe %u: target %u past the %u targets", i, p->target, a->ntargets);
        if (p->flags & ~(uint32_t)AOT_PROBE_RETURN || p->reserved)
            return BAD(at, "probe %u: unknown flags", i);
        if (p->func >= ntypes || tyr_type_kind(a->reg, (tyr_type){p->func}) != TYR_KIND_FUNC)
            return BAD(at, "probe %u: type %u is not a function of the blob", i, p->func);
        if ((uint64_t)p->first_value + p->nvalues > a->nvalues)
            return BAD(at, "probe %u: values [%u, +%u) past the table's %u", i, p->first_value,
                       p->nvalues, a->nvalues);
        if (p->nitems > AOT_MAX_ITEMS || (uint64_t)p->first_item + p->nitems > a->nitems)
            return BAD(at, "probe %u: items [%u, +%u) out of range", i, p->first_item, p->nitems);
        if (p->data_len > AOT_MAX_DATA)
            return BAD(at, "probe %u: %u data bytes, more than %u", i, p->data_len, AOT_MAX_DATA);
        for (uint32_t k = 0; k < p->nitems; k++) {
            const struct aot_item *it = &a->items[p->first_item + k];
            int err = check_item(it, p->data_len, (uint64_t)((const uint8_t *)it - a->base), diag);
            if (err)
                return err;
        }
        int err = check_values(a, p, diag);
        if (err)
            return err;
    }
    return 0;
}

static int open_bytes(struct tyr_aot *a, tyr_diag *diag)
{
    const uint8_t *b = a->base;
    if (((uintptr_t)b & 7u))
        return aot_diag(diag, TYR_EALIGN, 0, "the buffer is not 8-aligned");
    if (a->len < AOT_HEADER_SIZE)
        return aot_diag(diag, TYR_ETRUNC, 0, "%zu bytes: shorter than the %u-byte header", a->len,
                        AOT_HEADER_SIZE);
    const struct aot_header *h = (const struct aot_header *)b;
    if (memcmp(h->magic, AOT_MAGIC, sizeof(h->magic)))
        return BAD(0, "not an .aot file (bad magic)");
    if (h->version != AOT_VERSION)
        return aot_diag(diag, TYR_EVERSION, 8, "format version %u; this runtime reads %u",
                        h->version, AOT_VERSION);
    if (h->header_size != AOT_HEADER_SIZE || h->flags || h->reserved)
        return BAD(12, "header size %u or flags %u: unknown", h->header_size, h->flags);
    if (h->file_size > a->len)
        return aot_diag(diag, TYR_ETRUNC, 24, "the header says %llu bytes; there are %zu",
                        (unsigned long long)h->file_size, a->len);
    if (h->section_count != AOT_SEC_COUNT_ || h->section_table != AOT_HEADER_SIZE)
        return BAD(16, "%u sections at %llu; expected %u at %u", h->section_count,
                   (unsigned long long)h->section_table, AOT_SEC_COUNT_, AOT_HEADER_SIZE);
    uint64_t table_end = AOT_HEADER_SIZE + (uint64_t)AOT_SEC_COUNT_ * sizeof(struct aot_section);
    if (table_end > h->file_size)
        return aot_diag(diag, TYR_ETRUNC, 32, "the section table ends past the file");
    a->hdr = h;
    const struct aot_section *sec = (const struct aot_section *)(b + AOT_HEADER_SIZE);
    static const uint32_t entsize[AOT_SEC_COUNT_ + 1] = {
        0, 1, sizeof(struct aot_target), sizeof(struct aot_probe), sizeof(struct aot_value),
        sizeof(struct aot_item), 1};
    const struct aot_section *by_kind[AOT_SEC_COUNT_ + 1] = {0};
    for (uint32_t i = 0; i < AOT_SEC_COUNT_; i++) {
        const struct aot_section *s = &sec[i];
        uint64_t at = AOT_HEADER_SIZE + i * sizeof(*s);
        if (s->kind < 1 || s->kind > AOT_SEC_COUNT_ || by_kind[s->kind])
            return BAD(at, "section %u: kind %u unknown or repeated", i, s->kind);
        if (s->entsize != entsize[s->kind] || s->size % s->entsize || s->offset % 8)
            return BAD(at, "section %u: entry size %u, size %llu, offset %llu: bad", i,
                       s->entsize, (unsigned long long)s->size, (unsigned long long)s->offset);
        if (s->offset < table_end || s->offset > h->file_size || s->size > h->file_size - s->offset)
            return BAD(at, "section %u: [%llu, +%llu) outside the file's %llu bytes", i,
                       (unsigned long long)s->offset, (unsigned long long)s->size,
                       (unsigned long long)h->file_size);
        by_kind[s->kind] = s;
    }
    for (uint32_t i = 1; i <= AOT_SEC_COUNT_; i++)
        for (uint32_t j = i + 1; j <= AOT_SEC_COUNT_; j++) {
            const struct aot_section *x = by_kind[i], *y = by_kind[j];
            if (x->size && y->size && x->offset < y->offset + y->size &&
                y->offset < x->offset + x->size)
                return BAD(x->offset, "sections of kinds %u and %u overlap", i, j);
        }
    const struct aot_section *blob = by_kind[AOT_SEC_BLOB];
    for (uint32_t i = 1; i < AOT_SEC_BLOB; i++)
        if (by_kind[i]->offset + by_kind[i]->size > blob->offset)
            return BAD(by_kind[i]->offset, "section of kind %u lies after the blob", i);
    if (XXH3_64bits(b + AOT_HEADER_SIZE, (size_t)(blob->offset - AOT_HEADER_SIZE)) != h->checksum)
        return BAD(40, "checksum mismatch over bytes [%u, %llu)", AOT_HEADER_SIZE,
                   (unsigned long long)blob->offset);
    const struct aot_section *st = by_kind[AOT_SEC_STRINGS];
    if (!st->size || b[st->offset + st->size - 1])
        return BAD(st->offset, "the string table is empty or does not end with a NUL");
    a->strings = (const char *)(b + st->offset);
    a->strings_size = st->size;
    a->targets = (const void *)(b + by_kind[AOT_SEC_TARGETS]->offset);
    a->ntargets = (uint32_t)(by_kind[AOT_SEC_TARGETS]->size / sizeof(struct aot_target));
    a->probes = (const void *)(b + by_kind[AOT_SEC_PROBES]->offset);
    a->nprobes = (uint32_t)(by_kind[AOT_SEC_PROBES]->size / sizeof(struct aot_probe));
    a->values = (const void *)(b + by_kind[AOT_SEC_VALUES]->offset);
    a->nvalues = (uint32_t)(by_kind[AOT_SEC_VALUES]->size / sizeof(struct aot_value));
    a->items = (const void *)(b + by_kind[AOT_SEC_ITEMS]->offset);
    a->nitems = (uint32_t)(by_kind[AOT_SEC_ITEMS]->size / sizeof(struct aot_item));
    if (!a->nprobes || a->nprobes > AOT_MAX_PROBES)
        return BAD(by_kind[AOT_SEC_PROBES]->offset, "%u probes; 1 to %u expected", a->nprobes,
                   AOT_MAX_PROBES);
    a->blob_off = blob->offset;
    a->blob_len = blob->size;
    tyr_diag bd = {0};
    int err = tyr_registry_open_mem(b + blob->offset, (size_t)blob->size, NULL, &a->reg, &bd);
    if (err)
        return aot_diag(diag, err, blob->offset + bd.offset, "blob: %s", bd.what[0] ? bd.what : tyr_strerror(err));
    return check_tables(a, diag);
}

static int open_common(struct tyr_aot *a, tyr_aot **out, tyr_diag *diag)
{
    int err = open_bytes(a, diag);
    if (err) {
        tyr_aot_free(a);
        return err;
    }
    *out = a;
    return 0;
}

static int check_opts(const struct tyr_aot_open_opts *opts)
{
    if (opts && (opts->sz != sizeof(*opts) || opts->flags))
        return TYR_EINVAL;
    return 0;
}

int tyr_aot_open_mem(const void *buf, size_t len, const struct tyr_aot_open_opts *opts,
                     tyr_aot **out, tyr_diag *diag)
{
    if (!buf || !out || check_opts(opts))
        return TYR_EINVAL;
    struct tyr_aot *a = calloc(1, sizeof(*a));
    if (!a)
        return TYR_ENOMEM;
    a->base = buf;
    a->len = len;
    return open_common(a, out, diag);
}

int tyr_aot_open_path(const char *path, const struct tyr_aot_open_opts *opts, tyr_aot **out,
                      tyr_diag *diag)
{
    if (!path || !out || check_opts(opts))
        return TYR_EINVAL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return aot_diag(diag, errno == ENOENT ? TYR_ENOENT : TYR_EIO, 0, "%s", strerror(errno));
    struct stat st;
    if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
        close(fd);
        return aot_diag(diag, TYR_EIO, 0, "not a regular file");
    }
    if ((uint64_t)st.st_size < AOT_HEADER_SIZE) {
        close(fd);
        return aot_diag(diag, TYR_ETRUNC, 0, "%lld bytes: shorter than the %u-byte header",
                        (long long)st.st_size, AOT_HEADER_SIZE);
    }
    void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED)
        return aot_diag(diag, TYR_EIO, 0, "mmap: %s", strerror(errno));
    struct tyr_aot *a = calloc(1, sizeof(*a));
    if (!a) {
        munmap(map, (size_t)st.st_size);
        return TYR_ENOMEM;
    }
    a->base = map;
    a->len = (size_t)st.st_size;
    a->map = map;
    a->map_len = (size_t)st.st_size;
    return open_common(a, out, diag);
}

void tyr_aot_free(tyr_aot *a)
{
    if (!a)
        return;
    tyr_registry_free(a->reg);
    if (a->map)
        munmap(a->map, a->map_len);
    free(a);
}

const tyr_registry *tyr_aot_registry(const tyr_aot *a)
{
    return a->reg;
}

void tyr_aot_get_info(const tyr_aot *a, tyr_aot_file_info *out)
{
    memset(out, 0, sizeof(*out));
    out->version = a->hdr->version;
    out->probes = a->nprobes;
    out->targets = a->ntargets;
    out->values = a->nvalues;
    out->items = a->nitems;
    out->file_bytes = a->hdr->file_size;
    out->blob_offset = a->blob_off;
    out->blob_bytes = a->blob_len;
    out->full_blob_bytes = a->hdr->full_blob_bytes;
    out->full_types = a->hdr->full_types;
}

int tyr_aot_target_get(const tyr_aot *a, uint32_t i, tyr_aot_target_info *out)
{
    if (!a || !out || i >= a->ntargets)
        return TYR_EINVAL;
    const struct aot_target *t = &a->targets[i];
    out->path = a->strings + t->path;
    out->build_id = t->build_id;
    out->build_id_len = t->build_id_len;
    return 0;
}

int tyr_aot_probe_get(const tyr_aot *a, uint32_t i, tyr_aot_probe_info *out)
{
    if (!a || !out || i >= a->nprobes)
        return TYR_EINVAL;
    const struct aot_probe *p = &a->probes[i];
    out->symbol = a->strings + p->symbol;
    out->target = p->target;
    out->file_offset = p->file_offset;
    out->ret = p->flags & AOT_PROBE_RETURN;
    out->func = (tyr_type){p->func};
    out->values = p->nvalues;
    out->items = p->nitems;
    out->data_len = p->data_len;
    return 0;
}

int tyr_aot_value_get(const tyr_aot *a, uint32_t probe, uint32_t i, tyr_aot_value_info *out)
{
    if (!a || !out || probe >= a->nprobes || i >= a->probes[probe].nvalues)
        return TYR_EINVAL;
    const struct aot_value *v = &a->values[a->probes[probe].first_value + i];
    out->kind = (int)v->kind;
    out->where = (int)v->where;
    out->name = a->strings + v->name;
    out->why = a->strings + v->why;
    out->type = (tyr_type){v->type};
    out->regs[0] = v->regs[0];
    out->regs[1] = v->regs[1];
    out->nregs = v->nregs;
    out->stack_offset = v->stack_offset;
    out->data_off = v->data_off;
    out->data_len = v->data_len;
    out->first_item = v->first_item;
    out->nitems = v->nitems;
    return 0;
}

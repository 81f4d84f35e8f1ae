/* SPDX-License-Identifier: MIT */
/*
 * BTF handles: libbpf parses and checks the BTF (header, string and type sections, every
 * type id and name offset in range); the handle adds the split chain and the per-id import
 * state bound to one registry.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "btf_internal.h"
#include "../opts.h"

int tbtf_fail(tyr_diag *diag, int err, uint32_t id, const char *fmt, ...)
{
    if (diag) {
        diag->err = err;
        diag->offset = id;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(diag->what, sizeof diag->what, fmt, ap);
        va_end(ap);
    }
    return err;
}

const char *tbtf_name(const tyr_btf *b, uint32_t off)
{
    if (!off)
        return "";
    const char *s = btf__name_by_offset(b->btf, off);
    return s ? s : "";
}

const char *tbtf_enumerator(const tyr_btf *b, const struct btf_type *t, uint32_t i,
                            uint64_t *value)
{
    if (btf_is_enum64(t)) {
        *value = btf_enum64_value(btf_enum64(t) + i);
        return tbtf_name(b, btf_enum64(t)[i].name_off);
    }
    int32_t v = btf_enum(t)[i].val;
    *value = btf_kflag(t) ? (uint64_t)(int64_t)v : (uint64_t)(uint32_t)v;
    return tbtf_name(b, btf_enum(t)[i].name_off);
}

/* libbpf reports failures through errno (libbpf 1.x: NULL return, errno set). */
static int from_errno(int e, const char *path, tyr_diag *diag)
{
    switch (e) {
    case ENOMEM:
        return TYR_ENOMEM;
    case ENOENT:
    case EACCES:
    case EPERM:
    case EISDIR:
    case EIO:
        return tbtf_fail(diag, TYR_EIO, 0, "%s: %s", path, strerror(e));
    default:
        return tbtf_fail(diag, TYR_EBTF, 0, "%s: libbpf refused the BTF (%s)", path,
                         strerror(e));
    }
}

static int check_opts(const struct tyr_btf_opts *opts)
{
    if (!opts)
        return 0;
    return tyr__opts_valid(opts, sizeof(*opts)) ? 0 : TYR_EINVAL;
}

/* Takes ownership of btf (freed on failure too). */
static int wrap(struct btf *btf, tyr_btf *base, const char *what, tyr_diag *diag, tyr_btf **out)
{
    if (btf__endianness(btf) != BTF_LITTLE_ENDIAN) {
        btf__free(btf);
        return tbtf_fail(diag, TYR_EBTF, 0, "%s: big-endian BTF (tyr reads little-endian only)",
                         what);
    }
    tyr_btf *b = calloc(1, sizeof *b);
    if (!b) {
        btf__free(btf);
        return TYR_ENOMEM;
    }
    b->btf = btf;
    b->base = base;
    b->n = btf__type_cnt(btf);
    b->start = base ? btf__type_cnt(base->btf) : 1;
    if (b->start > b->n) {
        btf__free(btf);
        free(b);
        return tbtf_fail(diag, TYR_EBTF, 0, "%s: split BTF smaller than its base", what);
    }
    b->stats.btf_types = b->n - b->start;
    *out = b;
    return 0;
}

/* Field reads past opts->sz are not done: opts with a smaller sz have no base. */
static tyr_btf *opt_base(const struct tyr_btf_opts *o)
{
    return TYR__OPT(o, tyr_btf_opts, base, NULL);
}

/* Owner: the caller, through tyr_btf_free(). */
int tyr_btf_open(const char *path, const struct tyr_btf_opts *opts, tyr_btf **out,
                 tyr_diag *diag)
{
    if (!out || check_opts(opts))
        return TYR_EINVAL;
    tyr_btf *base = opt_base(opts);
    if (!path && base)
        return TYR_EINVAL;
    errno = 0;
    struct btf *btf;
    if (!path)
        btf = btf__load_vmlinux_btf();
    else if (base)
        btf = btf__parse_split(path, base->btf);
    else
        btf = btf__parse(path, NULL);
    if (!btf)
        return from_errno(errno ? errno : EINVAL, path ? path : "vmlinux BTF", diag);
    return wrap(btf, base, path ? path : "vmlinux BTF", diag, out);
}

/* Owner: the caller, through tyr_btf_free(). */
int tyr_btf_open_mem(const void *data, size_t len, const struct tyr_btf_opts *opts,
                     tyr_btf **out, tyr_diag *diag)
{
    if (!out || !data || check_opts(opts))
        return TYR_EINVAL;
    tyr_btf *base = opt_base(opts);
    if (len > UINT32_MAX)
        return tbtf_fail(diag, TYR_EBTF, 0, "BTF of %zu bytes: more than 4 GiB", len);
    errno = 0;
    struct btf *btf;
    if (base) {
        /* libbpf 1.1 declares btf__new_split but does not export it: the split BTF goes
         * through an anonymous memfd and btf__parse_raw_split instead. */
        int fd = memfd_create("tyr-btf", MFD_CLOEXEC);
        if (fd < 0)
            return tbtf_fail(diag, TYR_EIO, 0, "memfd_create: %s", strerror(errno));
        size_t done = 0;
        while (done < len) {
            ssize_t w = write(fd, (const char *)data + done, len - done);
            if (w <= 0) {
                int e = errno;
                close(fd);
                return tbtf_fail(diag, TYR_EIO, 0, "memfd write: %s", strerror(e));
            }
            done += (size_t)w;
        }
        char path[64];
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        errno = 0;
        btf = btf__parse_raw_split(path, base->btf);
        int e = errno;
        close(fd);
        errno = e;
    } else {
        btf = btf__new(data, (__u32)len);
    }
    if (!btf) {
        int e = errno ? errno : EINVAL;
        return e == ENOMEM ? TYR_ENOMEM
                           : tbtf_fail(diag, TYR_EBTF, 0, "libbpf refused the BTF (%s)",
                                       strerror(e));
    }
    return wrap(btf, base, "BTF", diag, out);
}

static void unbind(tyr_btf *b)
{
    free(b->state);
    free(b->map);
    free(b->keys);
    free(b->pending);
    b->pending = NULL;
    b->npending = b->cap_pending = 0;
    b->state = NULL;
    b->map = NULL;
    b->keys = NULL;
    b->keys_cap = b->keys_used = b->scanned = 0;
    b->solo = false;
    b->reg = NULL;
    b->gen = 0;
}

void tyr_btf_free(tyr_btf *b)
{
    if (!b)
        return;
    unbind(b);
    free(b->scratch.jobs);
    free(b->scratch.members);
    free(b->scratch.names);
    free(b->scratch.seen);
    free(b->scratch.ptypes);
    free(b->scratch.pnames);
    free(b->scratch.bulk);
    free(b->toff);
    btf__free(b->btf);
    free(b);
}

void tyr_btf_forget(tyr_btf *b)
{
    if (!b)
        return;
    unbind(b);
    uint32_t own = b->stats.btf_types;
    memset(&b->stats, 0, sizeof b->stats);
    b->stats.btf_types = own;
}

const struct btf *tyr_btf_libbpf(const tyr_btf *b)
{
    return b ? b->btf : NULL;
}

int tbtf_strings(const tyr_btf *h, const char **strs, uint32_t *len)
{
    uint32_t size = 0;
    const char *raw = btf__raw_data(h->btf, &size);
    const struct btf_header *hdr = (const void *)raw;
    if (!raw || size < sizeof *hdr || hdr->hdr_len > size || hdr->str_off > size - hdr->hdr_len ||
        hdr->str_len > size - hdr->hdr_len - hdr->str_off)
        return TYR_EBTF;
    *strs = raw + hdr->hdr_len + hdr->str_off;
    *len = hdr->str_len;
    return 0;
}

/* Strings of h's own string section (its NULs): the most distinct names it holds. */
static uint32_t count_strings(const tyr_btf *h, uint64_t *bytes)
{
    uint32_t n = 0, len;
    const char *s;
    *bytes = 0;
    if (tbtf_strings(h, &s, &len))
        return 0;
    uint32_t i = 0;
    /* eight bytes at a time: the top bit of each byte of z is set where that byte is 0 */
    const uint64_t low7 = UINT64_C(0x7f7f7f7f7f7f7f7f);
    for (; i + 8 <= len; i += 8) {
        uint64_t w, z;
        memcpy(&w, s + i, 8);
        z = ~(((w & low7) + low7) | w | low7);
        n += (uint32_t)(((z >> 7) * UINT64_C(0x0101010101010101)) >> 56);
    }
    for (; i < len; i++)
        n += s[i] == '\0';
    *bytes = len;
    return n;
}

/* Fill b->toff, or leave it NULL when libbpf's types are not one block after id start. */
static void index_types(tyr_btf *b)
{
    if (b->toff || b->n == b->start)
        return;
    const char *first = (const char *)btf__type_by_id(b->btf, b->start);
    uint32_t *toff = malloc((size_t)(b->n - b->start) * sizeof *toff); /* owned by b */
    if (!toff || !first) {
        free(toff);
        return; /* tbtf_type asks libbpf */
    }
    for (uint32_t id = b->start; id < b->n; id++) {
        const char *t = (const char *)btf__type_by_id(b->btf, id);
        if (!t || t < first || (uint64_t)(t - first) > UINT32_MAX) {
            free(toff);
            return;
        }
        toff[id - b->start] = (uint32_t)(t - first);
    }
    b->toff = toff;
    b->tdata = first;
}

int tbtf_room(tyr_btf *b, struct tyr_registry_room *room, bool strings)
{
    uint64_t names = 0;
    index_types(b);
    for (uint32_t id = b->start; id < b->n; id++) {
        const struct btf_type *t = tbtf_type(b, id);
        if (!t || *tbtf_state(b, id) != TBTF_NONE)
            continue;
        switch (btf_kind(t)) {
        case BTF_KIND_STRUCT:
        case BTF_KIND_UNION:
            room->fields += btf_vlen(t);
            names += btf_vlen(t);
            room->sized++;
            break;
        case BTF_KIND_ENUM:
        case BTF_KIND_ENUM64:
            room->enumerators += btf_vlen(t);
            names += btf_vlen(t);
            room->sized++;
            break;
        case BTF_KIND_ARRAY:
        case BTF_KIND_FWD:
            room->sized++;
            break;
        case BTF_KIND_FUNC_PROTO:
            room->params += btf_vlen(t);
            names += btf_vlen(t);
            break;
        case BTF_KIND_VAR:
        case BTF_KIND_DATASEC:
        case BTF_KIND_DECL_TAG:
        case BTF_KIND_TYPE_TAG:
            continue; /* no registry type of their own */
        default:
            break;
        }
        room->types++;
        if (t->name_off) {
            room->named++;
            names++;
        }
    }
    if (strings) {
        uint64_t bytes;
        uint32_t n = count_strings(b, &bytes);
        room->strings = names < n ? (uint32_t)names : n;
        room->string_bytes = bytes;
    }
    return tyr_registry_reserve(b->reg, room);
}

int tbtf_bind(tyr_btf *b, tyr_registry *reg)
{
    for (tyr_btf *h = b; h; h = h->base) {
        /* Another registry (or this one rolled back: a new generation), or fewer types
         * than were seen. */
        uint64_t gen = tyr_registry_generation(reg);
        if (h->gen != gen || tyr_registry_type_count(reg) < h->scanned)
            unbind(h);
        if (!h->state) {
            size_t own = h->n - h->start;
            h->state = calloc(own ? own : 1, 1);
            h->map = calloc(own ? own : 1, sizeof *h->map);
            if (!h->state || !h->map) {
                unbind(h);
                return TYR_ENOMEM;
            }
            h->reg = reg;
            h->gen = gen;
            /* scanned is 0: a registry of void alone is this handle's to fill */
            h->solo = h == b && tyr_registry_type_count(reg) == 1;
        }
    }
    return 0;
}

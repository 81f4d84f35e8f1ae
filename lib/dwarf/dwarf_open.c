/* SPDX-License-Identifier: MIT */
/*
 * Opening a binary for the DWARF importer: the ELF file, its separate debug file (build-id
 * directory, .gnu_debuglink) and its dwz supplementary file (.gnu_debugaltlink), each handed
 * to libdwarf 20210528 through dwarf_init_b() on a descriptor we own.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memfd_create */
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <gelf.h>

#include "dwarf_internal.h"

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p)
        memcpy(p, s, n);
    return p;
}

/* ---- ELF inspection ---- */

/* The named section, or NULL. */
static Elf_Scn *find_scn(Elf *elf, const char *want, GElf_Shdr *sh)
{
    size_t shstrndx;
    if (elf_getshdrstrndx(elf, &shstrndx) != 0)
        return NULL;
    for (Elf_Scn *scn = elf_nextscn(elf, NULL); scn; scn = elf_nextscn(elf, scn)) {
        if (!gelf_getshdr(scn, sh))
            continue;
        const char *n = elf_strptr(elf, shstrndx, sh->sh_name);
        if (n && strcmp(n, want) == 0)
            return scn;
    }
    return NULL;
}

bool tdw_has_debug_info(Elf *elf)
{
    GElf_Shdr sh;
    Elf_Scn *scn = find_scn(elf, ".debug_info", &sh);
    return scn && sh.sh_type != SHT_NOBITS && sh.sh_size > 0;
}

/* The GNU build-id note: up to 64 bytes copied to id; returns its length (0: none). */
size_t tdw_build_id(Elf *elf, unsigned char *id, size_t max)
{
    for (Elf_Scn *scn = elf_nextscn(elf, NULL); scn; scn = elf_nextscn(elf, scn)) {
        GElf_Shdr sh;
        if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
            continue;
        Elf_Data *d = elf_getdata(scn, NULL);
        if (!d || !d->d_buf)
            continue;
        size_t off = 0, name_off, desc_off;
        GElf_Nhdr nh;
        while ((off = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
            if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
                memcmp((const char *)d->d_buf + name_off, "GNU", 4) == 0 &&
                nh.n_descsz > 0 && nh.n_descsz <= max) {
                memcpy(id, (const char *)d->d_buf + desc_off, nh.n_descsz);
                return nh.n_descsz;
            }
        }
    }
    return 0;
}

/* A NUL-terminated string at the start of a section (.gnu_debuglink, .gnu_debugaltlink),
 * copied into buf; the bytes after its NUL (alt link: the build-id) into tail. */
static bool link_section(Elf *elf, const char *scn_name, char *buf, size_t len,
                         unsigned char *tail, size_t *tail_len)
{
    GElf_Shdr sh;
    Elf_Scn *scn = find_scn(elf, scn_name, &sh);
    if (!scn)
        return false;
    Elf_Data *d = elf_getdata(scn, NULL);
    if (!d || !d->d_buf || d->d_size == 0)
        return false;
    const char *p = d->d_buf;
    size_t n = strnlen(p, d->d_size);
    if (n == d->d_size || n == 0 || n >= len)
        return false;
    memcpy(buf, p, n + 1);
    if (tail && tail_len) {
        size_t rest = d->d_size - n - 1;
        if (rest > *tail_len)
            rest = *tail_len;
        memcpy(tail, p + n + 1, rest);
        *tail_len = rest;
    }
    return true;
}

static void close_file(struct tdw_file *f)
{
    if (f->dbg) {
        Dwarf_Error e = NULL;
        dwarf_finish(f->dbg, &e);
        f->dbg = NULL;
    }
    if (f->elf)
        elf_end(f->elf);
    f->elf = NULL;
    if (f->str_elf)
        elf_end(f->str_elf);
    f->str_elf = NULL;
    if (f->info_elf)
        elf_end(f->info_elf);
    f->info_elf = NULL;
    f->info = NULL;
    f->info_len = 0;
    f->str = NULL;
    f->str_len = 0;
    if (f->fd >= 0)
        close(f->fd);
    f->fd = -1;
    free(f->path);
    f->path = NULL;
    free(f->units);
    f->units = NULL;
    free(f->unit_tags);
    f->unit_tags = NULL;
    free(f->tsigs);
    f->tsigs = NULL;
    tdw_plans_free(&f->plans);
    f->ntsigs = 0;
    f->nunits = 0;
}

/* Open fd as an ELF (libelf). On success the caller owns *elf. */
static int elf_open_fd(int fd, Elf **elf)
{
    Elf *e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
    if (!e)
        return TYR_ENOTELF;
    if (elf_kind(e) != ELF_K_ELF) {
        elf_end(e);
        return TYR_ENOTELF;
    }
    *elf = e;
    return 0;
}

/* Does path exist as a regular ELF file with .debug_info (and, if want_id, that build-id)? */
static bool candidate_ok(const char *path, const unsigned char *want_id, size_t want_len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    Elf *elf = NULL;
    bool ok = false;
    if (elf_open_fd(fd, &elf) == 0) {
        ok = tdw_has_debug_info(elf);
        if (ok && want_len) {
            unsigned char id[64];
            size_t n = tdw_build_id(elf, id, sizeof id);
            ok = n == 0 || (n == want_len && memcmp(id, want_id, n) == 0);
        }
        elf_end(elf);
    }
    close(fd);
    return ok;
}

/* Take ownership of fd as file slot f: libelf, libdwarf, .debug_str. */
static int attach_file(struct tdw_file *f, int fd, const char *path, tyr_diag *diag)
{
    f->fd = fd;
    f->path = dup_str(path);
    if (!f->path)
        return tyr_diag_set(diag, TYR_ENOMEM, 0, "out of memory");
    int err = elf_open_fd(fd, &f->elf);
    if (err)
        return tyr_diag_set(diag, err, 0, "%s is not an ELF file", path);
    err = tdw_guard_libdwarf(f->elf, fd, path, diag); /* lib/dwarf/dwarf_guard.c */
    if (err)
        return err;
    Dwarf_Error e = NULL;
    /* Through our libelf handle (ELF_C_READ_MMAP): libdwarf then uses the sections where
     * the mapping has them instead of read()ing each one into a fresh buffer, which was
     * most of the time of importing one function. */
    int res = dwarf_elf_init_b(f->elf, DW_DLC_READ, DW_GROUPNUMBER_ANY, NULL, NULL, &f->dbg, &e);
    if (res == DW_DLV_NO_ENTRY) {
        f->dbg = NULL;
        return tyr_diag_set(diag, TYR_ENODEBUG, 0, "%s: no DWARF sections", path);
    }
    if (res != DW_DLV_OK) {
        err = tyr_diag_set(diag, TYR_EDWARF, 0, "%s: libdwarf: %s", path,
                       e ? dwarf_errmsg(e) : "init failed");
        tdw_err_free(NULL, &e);
        f->dbg = NULL;
        return err;
    }
    return 0;
}

const char *const tdw_default_dirs[] = {"/usr/lib/debug", NULL};

/* Append a place searched to the list, "; " between places. A place that does not fit
 * whole is left out and the list ends in " ..." instead: never half a path, never a
 * dangling separator. */
void tdw_note_tried(char *tried, size_t len, const char *path)
{
    size_t n = strlen(tried);
    if (n >= 4 && !strcmp(tried + n - 4, " ..."))
        return;
    size_t need = (n ? 2 : 0) + strlen(path);
    if (n + need + 4 < len)
        snprintf(tried + n, len - n, "%s%s", n ? "; " : "", path);
    else if (n + 4 < len)
        memcpy(tried + n, " ...", 5);
}

static int try_path(const char *path, const unsigned char *id, size_t id_len, char *tried,
                    size_t tried_len, char *found, size_t found_len)
{
    tdw_note_tried(tried, tried_len, path);
    if (candidate_ok(path, id, id_len) && strlen(path) < found_len) {
        memcpy(found, path, strlen(path) + 1);
        return 1;
    }
    return 0;
}

bool tdw_find_debug_file(Elf *elf, const char *bin_path, const char *const *dirs, char *found,
                            size_t found_len, char *tried, size_t tried_len)
{
    unsigned char id[64];
    size_t id_len = tdw_build_id(elf, id, sizeof id);
    char p[4096];
    if (id_len >= 2) {
        char hex[129];
        for (size_t i = 0; i < id_len; i++)
            snprintf(hex + 2 * i, 3, "%02x", id[i]);
        for (size_t d = 0; dirs[d]; d++) {
            snprintf(p, sizeof p, "%s/.build-id/%.2s/%s.debug", dirs[d], hex, hex + 2);
            if (try_path(p, id, id_len, tried, tried_len, found, found_len))
                return true;
        }
    }
    char link[256];
    if (link_section(elf, ".gnu_debuglink", link, sizeof link, NULL, NULL)) {
        char dir[2048];
        const char *slash = strrchr(bin_path, '/');
        if (slash) {
            size_t n = (size_t)(slash - bin_path);
            if (n >= sizeof dir)
                n = sizeof dir - 1;
            memcpy(dir, bin_path, n);
            dir[n] = 0;
        } else {
            strcpy(dir, ".");
        }
        if (link[0] == '/' &&
            try_path(link, id, id_len, tried, tried_len, found, found_len))
            return true;
        snprintf(p, sizeof p, "%s/%s", dir, link);
        if (strcmp(p, bin_path) != 0 &&
            try_path(p, id, id_len, tried, tried_len, found, found_len))
            return true;
        snprintf(p, sizeof p, "%s/.debug/%s", dir, link);
        if (try_path(p, id, id_len, tried, tried_len, found, found_len))
            return true;
        for (size_t d = 0; dirs[d]; d++) {
            snprintf(p, sizeof p, "%s%s%s/%s", dirs[d], dir[0] == '/' ? "" : "/", dir, link);
            if (try_path(p, id, id_len, tried, tried_len, found, found_len))
                return true;
            snprintf(p, sizeof p, "%s/%s", dirs[d], link);
            if (try_path(p, id, id_len, tried, tried_len, found, found_len))
                return true;
        }
    }
    return false;
}

/* The dwz file's .debug_str, which the main file's DW_FORM_GNU_strp_alt and DW_FORM_strp_sup
 * point into. A file without one leaves f->str NULL: such names are then unreadable, and
 * each is reported where it is read. */
static int load_alt_str(struct tdw_file *f, tyr_diag *diag)
{
    GElf_Shdr sh;
    Elf_Scn *scn = find_scn(f->elf, ".debug_str", &sh);
    if (!scn)
        return 0;
    const void *data = NULL;
    size_t size = 0;
    int err = tdw_scn_bytes(f->elf, f->fd, elf_ndxscn(scn), &sh, ".debug_str", f->path,
                            &f->str_elf, &data, &size, diag);
    if (err)
        return err;
    f->str = data;
    f->str_len = size;
    return 0;
}

/* The main file's .debug_info bytes, where DW_FORM_ref_sup4/8 values are read. */
static int load_info(struct tdw_file *f, tyr_diag *diag)
{
    GElf_Shdr sh;
    Elf_Scn *scn = find_scn(f->elf, ".debug_info", &sh);
    if (!scn)
        return 0;
    const void *data = NULL;
    size_t size = 0;
    int err = tdw_scn_bytes(f->elf, f->fd, elf_ndxscn(scn), &sh, ".debug_info", f->path,
                            &f->info_elf, &data, &size, diag);
    if (err)
        return err;
    const char *ident = elf_getident(f->elf, NULL);
    f->info_big = ident && ident[EI_DATA] == ELFDATA2MSB;
    f->info = data;
    f->info_len = size;
    return 0;
}

/* DWARF 5's .debug_sup (section 7.3.6): version (2 bytes, 5), is_supplementary (1 byte),
 * the supplementary file's name (NUL-terminated), a ULEB128 length and that many bytes of
 * checksum (dwz writes the file's build-id). 1 = it names a supplementary file (name and
 * id filled); 0 = none, or this file is the supplementary one (is_supplementary = 1). */
static int sup_section(Elf *elf, char *name, size_t len, unsigned char *id, size_t *id_len)
{
    GElf_Shdr sh;
    Elf_Scn *scn = find_scn(elf, ".debug_sup", &sh);
    Elf_Data *d = scn ? elf_getdata(scn, NULL) : NULL;
    if (!d || !d->d_buf || d->d_size < 4 || (sh.sh_flags & SHF_COMPRESSED))
        return 0;
    const unsigned char *p = d->d_buf, *end = p + d->d_size;
    if (p[2] != 0) /* a supplementary file itself, or a version this does not know */
        return 0;
    p += 3;
    size_t n = strnlen((const char *)p, (size_t)(end - p));
    if (p + n == end || n == 0 || n >= len)
        return 0;
    memcpy(name, p, n + 1);
    p += n + 1;
    uint64_t clen = 0;
    unsigned shift = 0;
    while (p < end && shift < 64) {
        clen |= (uint64_t)(*p & 0x7f) << shift;
        shift += 7;
        if (!(*p++ & 0x80))
            break;
    }
    if (clen > (uint64_t)(end - p) || clen > *id_len)
        clen = 0; /* no usable checksum: the file is taken by its name alone */
    memcpy(id, p, (size_t)clen);
    *id_len = (size_t)clen;
    return 1;
}

/* The dwz supplementary file named by the debug file's .gnu_debugaltlink (GNU forms) or
 * .debug_sup (DWARF 5 forms), if any. */
static int open_alt(tyr_dwarf *dw, const char *const *dirs, bool fetch,
                    const struct tyr_dwarf_opts *opts, tyr_diag *diag)
{
    char name[2048];
    unsigned char id[64];
    size_t id_len = sizeof id;
    bool sup = false;
    if (!link_section(dw->f[0].elf, ".gnu_debugaltlink", name, sizeof name, id, &id_len)) {
        id_len = sizeof id;
        if (!sup_section(dw->f[0].elf, name, sizeof name, id, &id_len))
            return 0;
        sup = true;
    }
    char tried[sizeof diag->what] = "";
    char found[4096] = "";
    char p[4096];
    bool ok = false;
    if (name[0] == '/') {
        snprintf(p, sizeof p, "%s", name);
    } else {
        const char *slash = strrchr(dw->f[0].path, '/');
        int n = slash ? (int)(slash - dw->f[0].path) : 1;
        snprintf(p, sizeof p, "%.*s/%s", n, slash ? dw->f[0].path : ".", name);
    }
    ok = try_path(p, id, id_len, tried, sizeof tried, found, sizeof found);
    /* the file the link names exists but is not it: say so rather than "not found" */
    bool named_exists = !ok && access(p, F_OK) == 0;
    char named[sizeof p];
    memcpy(named, p, sizeof named);
    if (!ok && id_len >= 2) {
        char hex[129];
        for (size_t i = 0; i < id_len; i++)
            snprintf(hex + 2 * i, 3, "%02x", id[i]);
        for (size_t d = 0; dirs[d] && !ok; d++) {
            snprintf(p, sizeof p, "%s/.build-id/%.2s/%s.debug", dirs[d], hex, hex + 2);
            ok = try_path(p, id, id_len, tried, sizeof tried, found, sizeof found);
        }
    }
    if (!ok && id_len >= 2 && fetch) {
        int got = tdw_debuginfod_find(id, id_len, "dwz file", opts, found, sizeof found, tried,
                                      sizeof tried, diag); /* lib/dwarf/dwarf_debuginfod.c */
        if (got < 0)
            return got;
        ok = got == 1;
    }
    if (!ok && named_exists)
        return tyr_diag_set(diag, TYR_ENODEBUG, 0,
                        "dwz file %s is not an ELF file with debug info of the build-id "
                        "the link names", named);
    if (!ok)
        return tyr_diag_set(diag, TYR_ENODEBUG, 0, "dwz file %s not found (tried %s)", name,
                        tried);
    int fd = open(found, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return tyr_diag_set(diag, TYR_EIO, 0, "%s: %s", found, strerror(errno));
    int err = attach_file(&dw->f[1], fd, found, diag);
    if (!err)
        err = load_alt_str(&dw->f[1], diag);
    if (!err && sup)
        err = load_info(&dw->f[0], diag);
    return err;
}

static int validate_opts(const struct tyr_dwarf_opts *opts)
{
    if (!opts)
        return 0;
    if (opts->sz < sizeof(size_t))
        return TYR_EINVAL;
    if (opts->sz > sizeof *opts) {
        const unsigned char *b = (const unsigned char *)opts;
        for (size_t i = sizeof *opts; i < opts->sz; i++)
            if (b[i])
                return TYR_EINVAL;
    }
    return 0;
}

#define OPT(opts, field, dflt)                                                   \
    ((opts) && (opts)->sz >= offsetof(struct tyr_dwarf_opts, field) + sizeof((opts)->field) \
         ? (opts)->field                                                         \
         : (dflt))

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
                   tyr_dwarf **out)
{
    tyr_diag *diag = OPT(opts, diag, NULL);
    const char *const *dirs = OPT(opts, debug_dirs, NULL);
    if (!dirs)
        dirs = tdw_default_dirs;
    static bool once;
    if (!once) {
        /* Process-wide: no per-object tracking in libdwarf (see the header's "Threads"). */
        dwarf_set_de_alloc_flag(0);
        once = true;
    }
    if (elf_version(EV_CURRENT) == EV_NONE) {
        close(fd);
        return tyr_diag_set(diag, TYR_ENOTELF, 0, "libelf: %s", elf_errmsg(-1));
    }
    tyr_dwarf *dw = dw_alloc();
    if (!dw) {
        close(fd);
        return tyr_diag_set(diag, TYR_ENOMEM, 0, "out of memory");
    }
    int err = 0;
    dw->elf_fd = fd;
    dw->elf_path = dup_str(path);
    if (!dw->elf_path) {
        err = tyr_diag_set(diag, TYR_ENOMEM, 0, "out of memory");
        goto fail;
    }
    if (elf_open_fd(fd, &dw->elf) != 0) {
        err = tyr_diag_set(diag, TYR_ENOTELF, 0, "%s is not an ELF file", path);
        goto fail;
    }
    if (tdw_has_debug_info(dw->elf)) {
        int dfd = dup(fd);
        if (dfd < 0) {
            err = tyr_diag_set(diag, TYR_EIO, 0, "dup: %s", strerror(errno));
            goto fail;
        }
        err = attach_file(&dw->f[0], dfd, path, diag);
    } else {
        /* The places fit the diagnostic whole after "not in the file; looked in ". */
        char found[4096], tried[sizeof diag->what - 28];
        tried[0] = 0;
        char servers[sizeof diag->what] = "";
        if (!search || !tdw_find_debug_file(dw->elf, path, dirs, found, sizeof found, tried,
                                            sizeof tried)) {
            /* Last, the servers (lib/dwarf/dwarf_debuginfod.c), named first in the message
             * so that a long list of local places cannot cut them off. */
            unsigned char id[64];
            size_t id_len = search ? tdw_build_id(dw->elf, id, sizeof id) : 0;
            int got = id_len ? tdw_debuginfod_find(id, id_len, "debug file", opts, found,
                                                   sizeof found, servers, sizeof servers,
                                                   diag)
                             : 0;
            if (got < 0) {
                err = got;
                goto fail;
            }
            if (got == 0) {
                err = tyr_diag_set(diag, TYR_ENODEBUG, 0, "not in the file%s%s; looked in %s",
                                   servers[0] ? " nor on " : "", servers,
                                   tried[0] ? tried
                                            : "no other place (no build-id, no debuglink)");
                goto fail;
            }
        }
        int dfd = open(found, O_RDONLY | O_CLOEXEC);
        if (dfd < 0) {
            err = tyr_diag_set(diag, TYR_EIO, 0, "%s: %s", found, strerror(errno));
            goto fail;
        }
        err = attach_file(&dw->f[0], dfd, found, diag);
        dw->syms_in_debug = true; /* its symbols are read with the binary's (tdw_syms_need) */
    }
    if (err)
        goto fail;
    err = open_alt(dw, dirs, search, opts, diag);
    if (err)
        goto fail;
    for (unsigned i = 0; i < 2 && !err; i++)
        if (dw->f[i].dbg)
            err = tdw_units_load(dw, i, diag);
    if (err)
        goto fail;
    *out = dw;
    return 0;
fail:
    tyr_dwarf_free(dw);
    return err;
}

int tyr_dwarf_open(const char *path, const struct tyr_dwarf_opts *opts, tyr_dwarf **out)
{
    if (!path || !out || validate_opts(opts))
        return TYR_EINVAL;
    tyr_diag *diag = OPT(opts, diag, NULL);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return tyr_diag_set(diag, errno == ENOENT ? TYR_ENOENT : TYR_EIO, 0, "%s: %s", path,
                        strerror(errno));
    return open_fd(fd, path, true, opts, out);
}

int tyr_dwarf_open_mem(const void *data, size_t len, const struct tyr_dwarf_opts *opts,
                       tyr_dwarf **out)
{
    if ((!data && len) || !out || validate_opts(opts))
        return TYR_EINVAL;
    tyr_diag *diag = OPT(opts, diag, NULL);
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
    return open_fd(fd, "<memory>", false, opts, out);
}

void tyr_dwarf_free(tyr_dwarf *dw)
{
    if (!dw)
        return;
    tyr_dwarf_forget(dw);
    close_file(&dw->f[1]);
    close_file(&dw->f[0]);
    if (dw->elf)
        elf_end(dw->elf);
    if (dw->elf_fd >= 0)
        close(dw->elf_fd);
    free(dw->elf_path);
    free(dw->syms);
    free(dw->symstr);
    free(dw->aranges);
    free(dw->index);
    free(dw->index_hash);
    free(dw->index_next);
    tdw_scratch_free(dw);
    tdw_cxx_free(dw);
    free(dw->chain_memo.e);
    free(dw);
}

void tyr_dwarf_forget(tyr_dwarf *dw)
{
    if (!dw)
        return;
    free(dw->die2type.e);
    memset(&dw->die2type, 0, sizeof dw->die2type);
    free(dw->dedup.slots);
    memset(&dw->dedup, 0, sizeof dw->dedup);
    free(dw->fill_ref);
    free(dw->filling);
    dw->fill_ref = NULL;
    dw->filling = NULL;
    dw->cap_ids = 0;
    dw->reg = NULL;
    dw->reg_types = 0;
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

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
#include "opts.h"

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p)
        memcpy(p, s, n);
    return p;
}

/* ---- ELF inspection ---- */

void tdw_reader_close(Dwarf_Debug *dbg, Elf **elf)
{
    if (*dbg) {
        Dwarf_Error e = NULL;
        dwarf_finish(*dbg, &e);
        *dbg = NULL;
    }
    if (*elf)
        elf_end(*elf);
    *elf = NULL;
}

static void close_file(struct tdw_file *f)
{
    tdw_reader_close(&f->dbg, &f->elf);
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
}

/* Take ownership of fd as file slot f: libelf, libdwarf, .debug_str. */
static int attach_file(struct tdw_file *f, int fd, const char *path, tyr_diag *diag)
{
    f->fd = fd;
    f->path = dup_str(path);
    if (!f->path)
        return tyr_diag_set(diag, TYR_ENOMEM, 0, "out of memory");
    int err = tdw_elf_open_fd(fd, &f->elf);
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

/* The dwz file's .debug_str, which the main file's DW_FORM_GNU_strp_alt and DW_FORM_strp_sup
 * point into. A file without one leaves f->str NULL: such names are then unreadable, and
 * each is reported where it is read. */
static int load_alt_str(struct tdw_file *f, tyr_diag *diag)
{
    GElf_Shdr sh;
    Elf_Scn *scn = tdw_find_scn(f->elf, ".debug_str", &sh);
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
    Elf_Scn *scn = tdw_find_scn(f->elf, ".debug_info", &sh);
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
    Elf_Scn *scn = tdw_find_scn(elf, ".debug_sup", &sh);
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
    if (!tdw_link_section(dw->f[0].elf, ".gnu_debugaltlink", name, sizeof name, id, &id_len)) {
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
    ok = tdw_try_path(p, id, id_len, tried, sizeof tried, found, sizeof found);
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
            ok = tdw_try_path(p, id, id_len, tried, sizeof tried, found, sizeof found);
        }
    }
    if (!ok && id_len >= 2 && fetch) {
        bool fetched;
        int err = tdw_debuginfod_find(id, id_len, "dwz file", opts, found, sizeof found, tried,
                                      sizeof tried, &fetched, diag); /* dwarf_debuginfod.c */
        if (err)
            return err;
        ok = fetched;
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

int tdw_files_open(tyr_dwarf *dw, int fd, const char *path, bool search,
                   const struct tyr_dwarf_opts *opts, tyr_diag *diag)
{
    const char *const *dirs = TYR__OPT(opts, tyr_dwarf_opts, debug_dirs, NULL);
    if (!dirs)
        dirs = tdw_default_dirs;
    static bool once;
    if (!once) {
        /* Process-wide: no per-object tracking in libdwarf (see the header's "Threads"). */
        dwarf_set_de_alloc_flag(0);
        once = true;
    }
    dw->elf_fd = fd;
    if (elf_version(EV_CURRENT) == EV_NONE)
        return tyr_diag_set(diag, TYR_ENOTELF, 0, "libelf: %s", elf_errmsg(-1));
    int err = 0;
    dw->elf_path = dup_str(path);
    if (!dw->elf_path) {
        err = tyr_diag_set(diag, TYR_ENOMEM, 0, "out of memory");
        goto fail;
    }
    if (tdw_elf_open_fd(fd, &dw->elf) != 0) {
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
            bool fetched = false;
            err = id_len ? tdw_debuginfod_find(id, id_len, "debug file", opts, found,
                                               sizeof found, servers, sizeof servers, &fetched,
                                               diag)
                         : 0;
            if (err)
                goto fail;
            if (!fetched) {
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
        dw->sym.syms_in_debug = true; /* its symbols are read with the binary's (tdw_syms_need) */
    }
    if (err)
        goto fail;
    return open_alt(dw, dirs, search, opts, diag);
fail:
    return err;
}

void tdw_files_close(tyr_dwarf *dw)
{
    close_file(&dw->f[1]);
    close_file(&dw->f[0]);
    if (dw->elf)
        elf_end(dw->elf);
    dw->elf = NULL;
    if (dw->elf_fd >= 0)
        close(dw->elf_fd);
    dw->elf_fd = -1;
    free(dw->elf_path);
    dw->elf_path = NULL;
}

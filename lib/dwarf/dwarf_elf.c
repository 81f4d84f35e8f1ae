/* SPDX-License-Identifier: MIT */
/*
 * ELF helpers under every other file of the importer: finding a section, the GNU build-id,
 * the .gnu_debuglink / .gnu_debugaltlink names, and the search for a separate debug file
 * (build-id paths under the debug directories, then the debuglink name in the usual places).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gelf.h>

#include "dwarf_internal.h"

const char *const tdw_default_dirs[] = {"/usr/lib/debug", NULL};

/* The named section, or NULL. */
Elf_Scn *tdw_find_scn(Elf *elf, const char *want, GElf_Shdr *sh)
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
    Elf_Scn *scn = tdw_find_scn(elf, ".debug_info", &sh);
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
bool tdw_link_section(Elf *elf, const char *scn_name, char *buf, size_t len,
                         unsigned char *tail, size_t *tail_len)
{
    GElf_Shdr sh;
    Elf_Scn *scn = tdw_find_scn(elf, scn_name, &sh);
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

/* Open fd as an ELF (libelf). On success the caller owns *elf. */
int tdw_elf_open_fd(int fd, Elf **elf)
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
    if (tdw_elf_open_fd(fd, &elf) == 0) {
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

int tdw_try_path(const char *path, const unsigned char *id, size_t id_len, char *tried,
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
            if (tdw_try_path(p, id, id_len, tried, tried_len, found, found_len))
                return true;
        }
    }
    char link[256];
    if (tdw_link_section(elf, ".gnu_debuglink", link, sizeof link, NULL, NULL)) {
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
            tdw_try_path(link, id, id_len, tried, tried_len, found, found_len))
            return true;
        snprintf(p, sizeof p, "%s/%s", dir, link);
        if (strcmp(p, bin_path) != 0 &&
            tdw_try_path(p, id, id_len, tried, tried_len, found, found_len))
            return true;
        snprintf(p, sizeof p, "%s/.debug/%s", dir, link);
        if (tdw_try_path(p, id, id_len, tried, tried_len, found, found_len))
            return true;
        for (size_t d = 0; dirs[d]; d++) {
            snprintf(p, sizeof p, "%s%s%s/%s", dirs[d], dir[0] == '/' ? "" : "/", dir, link);
            if (tdw_try_path(p, id, id_len, tried, tried_len, found, found_len))
                return true;
            snprintf(p, sizeof p, "%s/%s", dirs[d], link);
            if (tdw_try_path(p, id, id_len, tried, tried_len, found, found_len))
                return true;
        }
    }
    return false;
}

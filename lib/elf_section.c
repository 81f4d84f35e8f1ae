/* SPDX-License-Identifier: MIT */
/*
 * Finding one named section in an ELF file, for tyr_registry_open_elf().
 *
 * The core library reads blobs embedded in ELF files without linking libelf: a runtime that
 * only maps blobs stays small. All it needs is the section header table and the section-name
 * string table, read with pread and checked against the file's size before any use. Only
 * 64-bit little-endian ELF is read (every target tyr's blobs describe: x86-64, aarch64);
 * anything else is TYR_ENOTELF with what was found.
 */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blob_format.h"
#include "elf_section.h"

/* Reads exactly len bytes at off; a short read is a truncated file. */
static int read_at(int fd, void *buf, size_t len, uint64_t off, tyr_diag *diag)
{
    size_t done = 0;

    while (done < len) {
        ssize_t n = pread(fd, (char *)buf + done, len - done, (off_t)(off + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return tyr_diag_set(diag, TYR_EIO, off, "read: %s", strerror(errno));
        if (n == 0)
            return tyr_diag_set(diag, TYR_ENOTELF, off + done, "ELF file truncated");
        done += (size_t)n;
    }
    return 0;
}

/* The header table's entry count and the names section's index, with the extended
 * numbering a file with 65,280 sections or more uses (both kept in section 0). */
static int section_counts(int fd, const Elf64_Ehdr *eh, uint64_t *shnum, uint32_t *shstrndx,
                          tyr_diag *diag)
{
    Elf64_Shdr sh0;
    int err;

    *shnum = eh->e_shnum;
    *shstrndx = eh->e_shstrndx;
    if (eh->e_shoff == 0)
        return tyr_diag_set(diag, TYR_ENOTELF, 0, "ELF file has no section header table");
    if (*shnum != 0 && *shstrndx != SHN_XINDEX)
        return 0;
    err = read_at(fd, &sh0, sizeof sh0, eh->e_shoff, diag);
    if (err)
        return err;
    if (*shnum == 0)
        *shnum = sh0.sh_size;
    if (*shstrndx == SHN_XINDEX)
        *shstrndx = sh0.sh_link;
    return 0;
}

int tyr__elf_find_section(int fd, const char *name, uint64_t *off, uint64_t *size,
                          tyr_diag *diag)
{
    Elf64_Ehdr eh;
    Elf64_Shdr *shdrs = NULL, names;
    char *strtab = NULL;
    uint64_t shnum, fsize, i;
    uint32_t shstrndx;
    size_t name_len = strlen(name);
    struct stat st;
    int err;

    if (fstat(fd, &st) != 0)
        return tyr_diag_set(diag, TYR_EIO, 0, "fstat: %s", strerror(errno));
    fsize = (uint64_t)st.st_size;
    if (fsize < sizeof eh)
        return tyr_diag_set(diag, TYR_ENOTELF, 0, "not an ELF file (%llu bytes)",
                         (unsigned long long)fsize);
    err = read_at(fd, &eh, sizeof eh, 0, diag);
    if (err)
        return err;
    if (memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0)
        return tyr_diag_set(diag, TYR_ENOTELF, 0, "not an ELF file (bad magic)");
    if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB)
        return tyr_diag_set(diag, TYR_ENOTELF, EI_CLASS,
                         "ELF class %u, data %u: only 64-bit little-endian ELF is read",
                         eh.e_ident[EI_CLASS], eh.e_ident[EI_DATA]);
    if (eh.e_shentsize != sizeof(Elf64_Shdr))
        return tyr_diag_set(diag, TYR_ENOTELF, 0, "ELF section header size %u, expected %zu",
                         eh.e_shentsize, sizeof(Elf64_Shdr));
    err = section_counts(fd, &eh, &shnum, &shstrndx, diag);
    if (err)
        return err;
    if (eh.e_shoff > fsize || shnum > (fsize - eh.e_shoff) / sizeof(Elf64_Shdr))
        return tyr_diag_set(diag, TYR_ENOTELF, eh.e_shoff,
                         "ELF section header table (%llu entries) outside the file",
                         (unsigned long long)shnum);
    if (shstrndx == SHN_UNDEF || shstrndx >= shnum)
        return tyr_diag_set(diag, TYR_ENOTELF, 0, "not an ELF file with section names");

    shdrs = malloc((size_t)shnum * sizeof *shdrs);
    if (!shdrs)
        return tyr_diag_set(diag, TYR_ENOMEM, 0, "out of memory for %llu section headers",
                         (unsigned long long)shnum);
    err = read_at(fd, shdrs, (size_t)shnum * sizeof *shdrs, eh.e_shoff, diag);
    if (err)
        goto out;
    names = shdrs[shstrndx];
    if (names.sh_type == SHT_NOBITS || names.sh_offset > fsize ||
        names.sh_size > fsize - names.sh_offset) {
        err = tyr_diag_set(diag, TYR_ENOTELF, names.sh_offset,
                        "ELF section name table outside the file");
        goto out;
    }
    strtab = malloc(names.sh_size + 1);
    if (!strtab) {
        err = tyr_diag_set(diag, TYR_ENOMEM, 0, "out of memory for the section names");
        goto out;
    }
    err = read_at(fd, strtab, names.sh_size, names.sh_offset, diag);
    if (err)
        goto out;
    strtab[names.sh_size] = '\0'; /* a name running off the table ends there */

    err = TYR_ENOENT;
    for (i = 1; i < shnum; i++) {
        const Elf64_Shdr *sh = &shdrs[i];
        if (sh->sh_name >= names.sh_size || name_len > names.sh_size - sh->sh_name ||
            strcmp(strtab + sh->sh_name, name) != 0)
            continue;
        if (sh->sh_type == SHT_NOBITS) {
            err = tyr_diag_set(diag, TYR_ECORRUPT, sh->sh_offset, "section %s holds no bytes",
                            name);
            goto out;
        }
        if (sh->sh_offset > fsize || sh->sh_size > fsize - sh->sh_offset) {
            err = tyr_diag_set(diag, TYR_ETRUNC, sh->sh_offset,
                            "section %s runs past the end of the file", name);
            goto out;
        }
        *off = sh->sh_offset;
        *size = sh->sh_size;
        err = 0;
        goto out;
    }
    tyr_diag_set(diag, TYR_ENOENT, 0, "no section %s", name);
out:
    free(strtab);
    free(shdrs);
    return err;
}

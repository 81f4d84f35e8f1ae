/* SPDX-License-Identifier: MIT */
/*
 * The GNU build-id of an ELF file, read with pread and bounds checks only: the runtime uses it
 * to check that the binary it attaches to is the one the .aot file was built from, and must not
 * need libelf or libdwarf for that. Notes are looked for in PT_NOTE segments, then in SHT_NOTE
 * sections (a file whose notes are not in a segment). 64-bit little-endian ELF only (the
 * x86-64 targets the runtime attaches to).
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aot_internal.h"

#define NOTE_MAX (64u * 1024u)

static bool read_at(int fd, void *buf, size_t len, uint64_t off)
{
    return pread(fd, buf, len, (off_t)off) == (ssize_t)len;
}

/* Looks for NT_GNU_BUILD_ID in notes at [off, off + size) of the file. 1 found, 0 not, <0 err. */
static int scan_notes(int fd, uint64_t off, uint64_t size, uint64_t align, uint8_t *out,
                      size_t cap, size_t *len)
{
    if (size > NOTE_MAX)
        size = NOTE_MAX;
    uint8_t *buf = malloc(size ? size : 1);
    if (!buf)
        return TYR_ENOMEM;
    if (!read_at(fd, buf, size, off)) {
        free(buf);
        return 0;
    }
    uint64_t a = align == 8 ? 8 : 4;
    uint64_t at = 0;
    int found = 0;
    while (at + 12 <= size) {
        uint32_t namesz, descsz, type;
        memcpy(&namesz, buf + at, 4);
        memcpy(&descsz, buf + at + 4, 4);
        memcpy(&type, buf + at + 8, 4);
        uint64_t name_at = at + 12;
        uint64_t desc_at = name_at + ((namesz + a - 1) / a * a);
        uint64_t next = desc_at + ((descsz + a - 1) / a * a);
        if (desc_at > size || descsz > size - desc_at)
            break;
        if (type == NT_GNU_BUILD_ID && namesz == 4 && !memcmp(buf + name_at, "GNU", 4)) {
            if (descsz > cap) {
                found = TYR_ENOSPC;
                break;
            }
            memcpy(out, buf + desc_at, descsz);
            *len = descsz;
            found = 1;
            break;
        }
        at = next;
    }
    free(buf);
    return found;
}

int tyr_aot_read_build_id(const char *path, uint8_t *out, size_t cap, size_t *len)
{
    if (!path || !out || !len)
        return TYR_EINVAL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? TYR_ENOENT : TYR_EIO;
    Elf64_Ehdr eh;
    int err = 0;
    if (!read_at(fd, &eh, sizeof(eh), 0) || memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
        eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB) {
        err = TYR_ENOTELF;
        goto out;
    }
    if (eh.e_phentsize == sizeof(Elf64_Phdr)) {
        for (uint32_t i = 0; i < eh.e_phnum && i < 4096; i++) {
            Elf64_Phdr ph;
            if (!read_at(fd, &ph, sizeof(ph), eh.e_phoff + (uint64_t)i * sizeof(ph)))
                break;
            if (ph.p_type != PT_NOTE)
                continue;
            int r = scan_notes(fd, ph.p_offset, ph.p_filesz, ph.p_align, out, cap, len);
            if (r) {
                err = r < 0 ? r : 0;
                goto out;
            }
        }
    }
    if (eh.e_shentsize == sizeof(Elf64_Shdr)) {
        for (uint32_t i = 0; i < eh.e_shnum && i < 65536; i++) {
            Elf64_Shdr sh;
            if (!read_at(fd, &sh, sizeof(sh), eh.e_shoff + (uint64_t)i * sizeof(sh)))
                break;
            if (sh.sh_type != SHT_NOTE)
                continue;
            int r = scan_notes(fd, sh.sh_offset, sh.sh_size, sh.sh_addralign, out, cap, len);
            if (r) {
                err = r < 0 ? r : 0;
                goto out;
            }
        }
    }
out:
    close(fd);
    return err;
}

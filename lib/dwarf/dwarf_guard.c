/* SPDX-License-Identifier: MIT */
/*
 * Pre-checks for input that libdwarf 20210528 (the version Debian 12 ships) mishandles
 * unsafely: a file that would make libdwarf corrupt memory is refused with TYR_EDWARF before
 * libdwarf reads it. Each check reads what libdwarf would read and refuses at least every
 * case libdwarf gets wrong (it may refuse a little more: only malformed DWARF). Found by
 * fuzz/dwarf_fuzzer.c; docs/robustness.md lists them with the inputs that showed them.
 *
 * .debug_rnglists: libdwarf walks every range-list header of the section when it loads the
 * first unit. When a header fails its own checks (area length past the section, version
 * other than 5, address size other than 2/4/8, header cut by the section's end),
 * internal_load_rnglists_contexts() frees the context and the chain built so far but does
 * not return, then links the freed context and later frees the chain again: use after free
 * and double free (dwarf_rnglists.c; fixed upstream after 20210528). Walking the headers the
 * same way first, and refusing the file when one is bad, keeps libdwarf off that path.
 *
 * dwarf_diename() (dwarf_die_text in dwarf_query.c) drops the error record dwarf_attr()
 * returned when the DIE's abbreviation is bad and answers DW_DLV_NO_ENTRY: 40 bytes leak per
 * call, since tyr turns libdwarf's allocation tracking off. tdw_diename() does the same two
 * steps and frees the error. It also never lets dwarf_formstring() read a name in the dwz
 * file (DW_FORM_GNU_strp_alt, DW_FORM_strp_sup): with no tied file, libdwarf answers those
 * with a placeholder string and DW_DLV_OK, a wrong name that looks valid.
 */
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <gelf.h>

#include "dwarf_internal.h"

/* zlib cannot expand data more than about 1032 times: a larger declared size is a lie. */
#define ZLIB_MAX_RATIO 1032u

static uint64_t rd(const unsigned char *p, unsigned n, bool big)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)p[big ? i : n - 1 - i] << (8 * (n - 1 - i));
    return v;
}

/* Walk the range-list headers as libdwarf does; 0 or TYR_EDWARF naming the bad one. */
static int check_rnglists(const unsigned char *p, uint64_t size, bool big, const char *path,
                          const char *name, tyr_diag *diag)
{
    uint64_t off = 0;
    while (off < size) {
        uint64_t left = size - off, len, hdr;
        const char *why = NULL;
        if (left < 4) {
            why = "area length cut by the section's end";
        } else if ((len = rd(p + off, 4, big)) == 0xffffffffu) {
            hdr = 12;
            if (left < 12)
                why = "64-bit area length cut by the section's end";
            else
                len = rd(p + off + 4, 8, big);
        } else {
            hdr = 4;
        }
        if (!why && len > size)
            why = "area length past the section";
        else if (!why && left - hdr < 8)
            why = "header cut by the section's end";
        else if (!why && len < 8)
            why = "area too short for its header";
        else if (!why && rd(p + off + hdr, 2, big) != 5)
            why = "version is not 5";
        else if (!why && p[off + hdr + 2] != 2 && p[off + hdr + 2] != 4 && p[off + hdr + 2] != 8)
            why = "address size is not 2, 4 or 8";
        if (why)
            return tyr_diag_set(diag, TYR_EDWARF, off,
                            "%s: %s header at offset 0x%llx: %s (refused: libdwarf 20210528 "
                            "corrupts memory on it)",
                            path, name, (unsigned long long)off, why);
        off += hdr + len; /* len <= size, so no overflow */
    }
    return 0;
}

int tdw_scn_bytes(Elf *elf, int fd, size_t ndx, const GElf_Shdr *sh, const char *name,
                  const char *path, Elf **priv, const void **data, size_t *size, tyr_diag *diag)
{
    bool gnu_z = name[1] == 'z'; /* .zdebug_*: "ZLIB", 8-byte big-endian size, zlib stream */
    *priv = NULL;
    if (sh->sh_type == SHT_NOBITS)
        return tyr_diag_set(diag, TYR_EDWARF, 0, "%s: %s has no data (SHT_NOBITS)", path, name);
    if (!gnu_z && !(sh->sh_flags & SHF_COMPRESSED)) {
        Elf_Data *d = elf_getdata(elf_getscn(elf, ndx), NULL);
        if (!d || (!d->d_buf && d->d_size))
            return tyr_diag_set(diag, TYR_EDWARF, 0, "%s: %s: cannot read it", path, name);
        *data = d->d_buf;
        *size = d->d_size;
        return 0;
    }
    /* Compressed: decompress a private copy (libdwarf's handle stays as it is). */
    Elf *e2 = elf_begin(fd, ELF_C_READ_MMAP_PRIVATE, NULL);
    Elf_Scn *scn = e2 ? elf_getscn(e2, ndx) : NULL;
    int err = 0;
    uint64_t want = 0;
    if (scn && !gnu_z) {
        GElf_Chdr ch;
        if (gelf_getchdr(scn, &ch))
            want = ch.ch_size;
        else
            scn = NULL;
    } else if (scn) {
        Elf_Data *raw = elf_rawdata(scn, NULL);
        if (raw && raw->d_buf && raw->d_size >= 12 && memcmp(raw->d_buf, "ZLIB", 4) == 0)
            want = rd((const unsigned char *)raw->d_buf + 4, 8, true);
        else
            scn = NULL;
    }
    Elf_Data *d = NULL;
    if (scn && want / ZLIB_MAX_RATIO > sh->sh_size)
        err = tyr_diag_set(diag, TYR_EDWARF, 0, "%s: %s claims %llu bytes from %llu compressed",
                       path, name, (unsigned long long)want, (unsigned long long)sh->sh_size);
    else if (!scn || (gnu_z ? elf_compress_gnu(scn, 0, 0) : elf_compress(scn, 0, 0)) != 1)
        err = tyr_diag_set(diag, TYR_EDWARF, 0, "%s: %s: cannot decompress it", path, name);
    else if (!(d = elf_getdata(scn, NULL)) || (!d->d_buf && d->d_size))
        err = tyr_diag_set(diag, TYR_EDWARF, 0, "%s: %s: cannot read it", path, name);
    if (err) {
        if (e2)
            elf_end(e2);
        return err;
    }
    *priv = e2;
    *data = d->d_buf;
    *size = d->d_size;
    return 0;
}

/* Check the range-list headers of one section as libdwarf would see them. */
static int check_section(Elf *elf, int fd, size_t ndx, const GElf_Shdr *sh, const char *name,
                         const char *path, tyr_diag *diag)
{
    const char *ident = elf_getident(elf, NULL);
    bool big = ident && ident[EI_DATA] == ELFDATA2MSB;
    Elf *priv = NULL;
    const void *data = NULL;
    size_t size = 0;
    int err = tdw_scn_bytes(elf, fd, ndx, sh, name, path, &priv, &data, &size, diag);
    if (!err)
        err = check_rnglists(data, size, big, path, name, diag);
    if (priv)
        elf_end(priv);
    return err;
}

int tdw_guard_libdwarf(Elf *elf, int fd, const char *path, tyr_diag *diag)
{
    size_t shstrndx;
    if (elf_getshdrstrndx(elf, &shstrndx) != 0)
        return 0; /* no section names: libdwarf finds no sections either */
    for (Elf_Scn *scn = elf_nextscn(elf, NULL); scn; scn = elf_nextscn(elf, scn)) {
        GElf_Shdr sh;
        if (!gelf_getshdr(scn, &sh))
            continue;
        const char *name = elf_strptr(elf, shstrndx, sh.sh_name);
        if (!name || (strncmp(name, ".debug_rnglists", 15) && strncmp(name, ".zdebug_rnglists", 16)))
            continue;
        int err = check_section(elf, fd, elf_ndxscn(scn), &sh, name, path, diag);
        if (err)
            return err;
    }
    return 0;
}

int tdw_diename(Dwarf_Die die, char **name, Dwarf_Error *e)
{
    Dwarf_Attribute attr = NULL;
    int res = dwarf_attr(die, DW_AT_name, &attr, e);
    if (res != DW_DLV_OK)
        return res; /* the caller frees *e on DW_DLV_ERROR */
    /* A name in the dwz file's .debug_str: libdwarf, with no tied file set, answers
     * DW_DLV_OK and a placeholder ("<DW_FORM_GNU_strp_alt-no-tied-file>") for it, which
     * would be indexed as the DIE's name. The caller decodes the DIE instead (tdw_decode
     * reads such names from the dwz file). */
    Dwarf_Half form = 0;
    res = dwarf_whatform(attr, &form, e);
    if (res == DW_DLV_OK && (form == DW_FORM_GNU_strp_alt || form == DW_FORM_strp_sup)) {
        dwarf_dealloc_attribute(attr);
        return DW_DLV_ERROR;
    }
    if (res == DW_DLV_OK)
        res = dwarf_formstring(attr, name, e);
    dwarf_dealloc_attribute(attr);
    return res;
}

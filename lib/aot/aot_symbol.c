/* SPDX-License-Identifier: MIT */
/*
 * Build side: where a function's first instruction is in its ELF file (the uprobe's file
 * offset), from the symbol tables (.symtab, then .dynsym) and the PT_LOAD segments. A function
 * that exists only as a compiler clone (name.isra.N, name.constprop.N, name.part.N, name.cold)
 * is refused: its parameters are not where the DWARF signature says they are.
 */
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "aot_internal.h"

static bool is_clone_of(const char *sym, const char *name)
{
    size_t n = strlen(name);
    if (strncmp(sym, name, n) || sym[n] != '.')
        return false;
    const char *rest = sym + n;
    return strstr(rest, ".isra") || strstr(rest, ".constprop") || strstr(rest, ".part") ||
           strstr(rest, ".cold");
}

static int vaddr_to_offset(Elf *e, uint64_t vaddr, uint64_t *off)
{
    size_t n;
    if (elf_getphdrnum(e, &n))
        return TYR_ENOTELF;
    for (size_t i = 0; i < n; i++) {
        GElf_Phdr ph;
        if (!gelf_getphdr(e, (int)i, &ph) || ph.p_type != PT_LOAD)
            continue;
        if (vaddr >= ph.p_vaddr && vaddr - ph.p_vaddr < ph.p_filesz) {
            *off = vaddr - ph.p_vaddr + ph.p_offset;
            return 0;
        }
    }
    return TYR_ENOENT;
}

/* The symbol `name`, or ENOTSUP with the name of the first clone of it in clone[]. */
static int find_symbol(const char *path, const char *name, uint64_t *file_offset, char *clone,
                       size_t clone_cap, tyr_diag *diag)
{
    if (!path || !name || !*name || !file_offset)
        return TYR_EINVAL;
    if (elf_version(EV_CURRENT) == EV_NONE)
        return TYR_EIO;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return aot_diag(diag, TYR_EIO, 0, "%s", "cannot open the binary");
    Elf *e = elf_begin(fd, ELF_C_READ, NULL);
    int err = TYR_ENOENT;
    clone[0] = '\0';
    if (!e || elf_kind(e) != ELF_K_ELF) {
        err = TYR_ENOTELF;
        goto out;
    }
    for (int pass = 0; pass < 2 && err == TYR_ENOENT; pass++) {
        Elf_Scn *scn = NULL;
        while ((scn = elf_nextscn(e, scn)) && err == TYR_ENOENT) {
            GElf_Shdr sh;
            if (!gelf_getshdr(scn, &sh) || sh.sh_type != (pass ? SHT_DYNSYM : SHT_SYMTAB) ||
                !sh.sh_entsize)
                continue;
            Elf_Data *d = elf_getdata(scn, NULL);
            size_t count = d ? d->d_size / sh.sh_entsize : 0;
            for (size_t i = 0; i < count; i++) {
                GElf_Sym sym;
                if (!gelf_getsym(d, (int)i, &sym) || sym.st_shndx == SHN_UNDEF ||
                    (GELF_ST_TYPE(sym.st_info) != STT_FUNC &&
                     GELF_ST_TYPE(sym.st_info) != STT_GNU_IFUNC))
                    continue;
                const char *sname = elf_strptr(e, sh.sh_link, sym.st_name);
                if (!sname)
                    continue;
                if (!strcmp(sname, name)) {
                    err = vaddr_to_offset(e, sym.st_value, file_offset);
                    if (err)
                        err = aot_diag(diag, TYR_ENOENT, sym.st_value,
                                       "%s: address 0x%llx is in no loadable segment", name,
                                       (unsigned long long)sym.st_value);
                    break;
                }
                if (!clone[0] && is_clone_of(sname, name))
                    snprintf(clone, clone_cap, "%s", sname);
            }
        }
    }
    if (err == TYR_ENOENT && clone[0])
        err = aot_diag(diag, TYR_ENOTSUP, 0,
                       "%s exists only as the compiler's clone %s, whose parameters the "
                       "compiler changed: it cannot be probed by its signature",
                       name, clone);
    else if (err == TYR_ENOENT && (!diag || !diag->what[0]))
        aot_diag(diag, TYR_ENOENT, 0, "no function symbol '%s'", name);
out:
    if (e)
        elf_end(e);
    close(fd);
    return err;
}

int tyr_aot_find_symbol(const char *path, const char *name, uint64_t *file_offset, tyr_diag *diag)
{
    char clone[128];
    return find_symbol(path, name, file_offset, clone, sizeof(clone), diag);
}

int tyr_aot_find_clone(const char *path, const char *name, char *clone, size_t clone_cap,
                       uint64_t *file_offset, tyr_diag *diag)
{
    if (!clone || !clone_cap)
        return TYR_EINVAL;
    int err = find_symbol(path, name, file_offset, clone, clone_cap, diag);
    if (err != TYR_ENOTSUP)
        return err ? err : TYR_ENOENT; /* the function itself exists: not only a clone */
    /* A split-off cold tail is not the function's entry: there is nothing to probe. */
    if (strstr(clone + strlen(name), ".cold"))
        return TYR_ENOTSUP;
    char again[128];
    tyr_diag d = {0};
    err = find_symbol(path, clone, file_offset, again, sizeof(again), &d);
    return err ? aot_diag(diag, err, d.offset, "%s", d.what) : 0;
}

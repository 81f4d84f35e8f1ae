/* SPDX-License-Identifier: MIT */
/*
 * ELF function symbols of the binary (.symtab, else .dynsym; the separate debug file's
 * .symtab too): they give a probe name an address, which the importer matches to a DIE's
 * DW_AT_low_pc. That is how an alias (fopen -> _IO_new_fopen) and an out-of-line copy
 * (name.isra.0, name.part.1, name.constprop.0, name.cold) find their DWARF.
 */
#include <stdlib.h>
#include <string.h>

#include <gelf.h>

#include "dwarf_internal.h"

static int add_sym(tyr_dwarf *dw, const char *name, uint64_t addr)
{
    size_t n = strlen(name) + 1;
    if (dw->sym.symstr_len + n > dw->sym.cap_symstr) {
        size_t cap = dw->sym.cap_symstr ? dw->sym.cap_symstr : 4096;
        while (cap < dw->sym.symstr_len + n)
            cap *= 2;
        char *p = realloc(dw->sym.symstr, cap);
        if (!p)
            return TYR_ENOMEM;
        dw->sym.symstr = p;
        dw->sym.cap_symstr = cap;
    }
    if (dw->sym.nsyms == dw->sym.cap_syms) {
        uint32_t cap = dw->sym.cap_syms ? dw->sym.cap_syms * 2 : 256;
        struct tdw_sym *s = realloc(dw->sym.syms, cap * sizeof *s);
        if (!s)
            return TYR_ENOMEM;
        dw->sym.syms = s;
        dw->sym.cap_syms = cap;
    }
    if (dw->sym.symstr_len > UINT32_MAX - n)
        return TYR_EOVERFLOW;
    memcpy(dw->sym.symstr + dw->sym.symstr_len, name, n);
    dw->sym.syms[dw->sym.nsyms].addr = addr;
    dw->sym.syms[dw->sym.nsyms].name = (uint32_t)dw->sym.symstr_len;
    dw->sym.nsyms++;
    dw->sym.symstr_len += n;
    return 0;
}

static int add_sym_cb(void *dw, const char *name, uint64_t addr)
{
    return add_sym(dw, name, addr);
}

int tdw_syms_read(Elf *elf, bool plt, int (*add)(void *ctx, const char *name, uint64_t addr),
                  void *ctx)
{
    for (Elf_Scn *scn = elf_nextscn(elf, NULL); scn; scn = elf_nextscn(elf, scn)) {
        GElf_Shdr sh;
        if (!gelf_getshdr(scn, &sh) || (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM))
            continue;
        Elf_Data *d = elf_getdata(scn, NULL);
        if (!d || sh.sh_entsize == 0)
            continue;
        size_t n = sh.sh_size / sh.sh_entsize;
        for (size_t i = 0; i < n; i++) {
            GElf_Sym sym;
            if (!gelf_getsym(d, (int)i, &sym))
                break;
            int type = GELF_ST_TYPE(sym.st_info);
            if ((type != STT_FUNC && type != STT_GNU_IFUNC) || sym.st_value == 0 ||
                (sym.st_shndx == SHN_UNDEF && !plt))
                continue;
            const char *name = elf_strptr(elf, sh.sh_link, sym.st_name);
            if (!name || !name[0])
                continue;
            /* A .symtab name may carry its version ("fclose@@GLIBC_2.2.5"): drop it. */
            char buf[512];
            const char *at = strchr(name, '@');
            if (at && at > name && (size_t)(at - name) < sizeof buf) {
                memcpy(buf, name, (size_t)(at - name));
                buf[at - name] = 0;
                name = buf;
            }
            int err = add(ctx, name, sym.st_value);
            if (err)
                return err;
        }
    }
    return 0;
}

int tdw_syms_need(tyr_dwarf *dw)
{
    if (dw->sym.syms_loaded)
        return 0;
    int err = tdw_syms_read(dw->elf, false, add_sym_cb, dw);
    /* The debug file keeps a copy of .symtab: add it (the binary may be stripped). */
    if (!err && dw->sym.syms_in_debug)
        err = tdw_syms_read(dw->f[0].elf, false, add_sym_cb, dw);
    if (err) {
        dw->sym.nsyms = 0;
        dw->sym.symstr_len = 0;
        return err;
    }
    dw->sym.syms_loaded = true;
    return 0;
}

/* Is sym `name` followed by compiler clone suffixes only? */
static bool is_copy_of(const char *sym, const char *name, size_t len)
{
    if (strncmp(sym, name, len) != 0 || sym[len] != '.')
        return false;
    static const char *const suffixes[] = {"part.", "isra.", "constprop.", "cold", "lto_priv."};
    const char *rest = sym + len + 1;
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++)
        if (strncmp(rest, suffixes[i], strlen(suffixes[i])) == 0)
            return true;
    return false;
}

uint32_t tdw_syms_lookup(const tyr_dwarf *dw, const char *name, bool copies, uint64_t *addrs,
                         uint32_t max)
{
    uint32_t found = 0;
    size_t len = strlen(name);
    for (uint32_t i = 0; i < dw->sym.nsyms; i++) {
        const char *s = dw->sym.symstr + dw->sym.syms[i].name;
        bool hit = copies ? is_copy_of(s, name, len) : strcmp(s, name) == 0;
        if (!hit)
            continue;
        bool dup = false;
        for (uint32_t j = 0; j < found && j < max; j++)
            dup |= addrs[j] == dw->sym.syms[i].addr;
        if (dup)
            continue;
        if (found < max)
            addrs[found] = dw->sym.syms[i].addr;
        found++;
    }
    return found;
}

const char *tdw_syms_at(const tyr_dwarf *dw, uint64_t addr, uint32_t *cursor)
{
    for (uint32_t i = *cursor; i < dw->sym.nsyms; i++) {
        if (dw->sym.syms[i].addr == addr) {
            *cursor = i + 1;
            return dw->sym.symstr + dw->sym.syms[i].name;
        }
    }
    *cursor = dw->sym.nsyms;
    return NULL;
}

void tdw_syms_free(tyr_dwarf *dw)
{
    free(dw->sym.syms);
    free(dw->sym.symstr);
    dw->sym.syms = NULL;
    dw->sym.symstr = NULL;
}

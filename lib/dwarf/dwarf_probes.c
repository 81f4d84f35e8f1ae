/* SPDX-License-Identifier: MIT */
/*
 * The names a uprobe attaches to, and the one matcher every pattern over a binary goes
 * through (tyr args, tyr import --function, tyr list, tyr aot build).
 *
 * A uprobe is attached by ELF symbol name, so a probe name is a function symbol's name:
 * DWARF calls libc's fopen _IO_new_fopen, but only the symbols fopen, fopen64 and
 * _IO_new_fopen can be probed, and a static function whose only symbol is name.part.0 cannot
 * be probed as `name`. Versioned symbols (fopen@@GLIBC_2.2.5, getaddrinfo_a@GLIBC_2.2.5) are
 * one function under their plain name. A compiler's split-off tail of a function
 * (name.part.N) is not an entry of the function and is left out, as `bpftrace -l` does.
 *
 * tyr_probe_names() reads the symbol tables only (fast, no DWARF); tyr_dwarf_match_funcs()
 * keeps the names the importer finds a definition for: what a full blob holds a signature for.
 */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>

#include <gelf.h>

#include "dwarf_internal.h"

/* Names gathered before sorting. The strings live in one pool (offsets, as it grows). */
struct namelist {
    char *pool;        /* owned */
    size_t len, cap;
    uint32_t *off;     /* owned: offsets into pool */
    uint32_t n, cap_off;
    const char *glob;  /* NULL: every name */
};

static void namelist_free(struct namelist *l)
{
    free(l->pool);
    free(l->off);
}

static bool is_probe_name(const char *name, const char *glob)
{
    return !strstr(name, ".part.") && (!glob || fnmatch(glob, name, 0) == 0);
}

static int namelist_add(void *ctx, const char *name, uint64_t addr)
{
    struct namelist *l = ctx;
    (void)addr;
    if (!is_probe_name(name, l->glob))
        return 0;
    size_t n = strlen(name) + 1;
    if (l->len + n > UINT32_MAX)
        return TYR_EOVERFLOW;
    if (l->len + n > l->cap) {
        size_t cap = l->cap ? l->cap : 4096;
        while (cap < l->len + n)
            cap *= 2;
        char *p = realloc(l->pool, cap);
        if (!p)
            return TYR_ENOMEM;
        l->pool = p;
        l->cap = cap;
    }
    uint32_t *o = tdw_grow(l->off, &l->cap_off, (uint64_t)l->n + 1, sizeof *o, 256);
    if (!o)
        return TYR_ENOMEM;
    l->off = o;
    memcpy(l->pool + l->len, name, n);
    l->off[l->n++] = (uint32_t)l->len;
    l->len += n;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Hands the names to fn sorted by strcmp, each once. */
static int emit_sorted(const char **v, uint32_t n, tyr_dwarf_func_fn fn, void *ctx)
{
    qsort(v, n, sizeof *v, cmp_str);
    for (uint32_t i = 0; i < n; i++) {
        if (i && strcmp(v[i], v[i - 1]) == 0)
            continue;
        int r = fn(ctx, v[i]);
        if (r)
            return r;
    }
    return 0;
}

/* Views of the list's names (the pool no longer grows); caller frees the array. */
static const char **namelist_views(const struct namelist *l)
{
    const char **v = malloc((size_t)(l->n ? l->n : 1) * sizeof *v);
    if (v)
        for (uint32_t i = 0; i < l->n; i++)
            v[i] = l->pool + l->off[i];
    return v;
}

/* The list's names to fn, sorted, each once, unless err (a failure collecting them) is set;
 * frees the list. Returns err, fn's non-zero value, TYR_ENOMEM or 0. */
static int emit_list(struct namelist *l, int err, tyr_dwarf_func_fn fn, void *ctx)
{
    const char **v = err ? NULL : namelist_views(l);
    if (!err && !v)
        err = TYR_ENOMEM;
    if (!err)
        err = emit_sorted(v, l->n, fn, ctx);
    free(v);
    namelist_free(l);
    return err;
}

static int read_syms_of(const char *path, struct namelist *l, Elf **keep, int *keep_fd)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return TYR_EIO;
    Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
    if (!elf || elf_kind(elf) != ELF_K_ELF) {
        if (elf)
            elf_end(elf);
        close(fd);
        return TYR_ENOTELF;
    }
    int err = tdw_syms_read(elf, true, namelist_add, l);
    if (keep && !err) {
        *keep = elf;
        *keep_fd = fd;
        return 0;
    }
    elf_end(elf);
    close(fd);
    return err;
}

int tyr_probe_names(const char *path, const struct tyr_dwarf_opts *opts, const char *glob,
                    tyr_dwarf_func_fn fn, void *ctx, tyr_diag *diag)
{
    if (!path || !fn)
        return TYR_EINVAL;
    if (opts && opts->sz < sizeof(size_t))
        return TYR_EINVAL;
    const char *const *dirs =
        opts && opts->sz >= offsetof(struct tyr_dwarf_opts, debug_dirs) + sizeof(opts->debug_dirs)
            ? opts->debug_dirs
            : NULL;
    if (elf_version(EV_CURRENT) == EV_NONE)
        return tyr_diag_set(diag, TYR_ENOTELF, 0, "libelf: %s", elf_errmsg(-1));
    struct namelist l = {.glob = glob};
    Elf *elf = NULL;
    int fd = -1;
    int err = read_syms_of(path, &l, &elf, &fd);
    if (err == TYR_EIO)
        return tyr_diag_set(diag, err, 0, "%s: cannot open", path);
    if (err == TYR_ENOTELF)
        return tyr_diag_set(diag, err, 0, "%s is not an ELF file", path);
    /* A stripped binary's full symbol table is in its separate debug file. */
    char found[4096], tried[sizeof diag->what];
    tried[0] = 0;
    if (!err && !tdw_has_debug_info(elf) &&
        tdw_find_debug_file(elf, path, dirs ? dirs : tdw_default_dirs, found, sizeof found,
                            tried, sizeof tried))
        err = read_syms_of(found, &l, NULL, NULL);
    if (elf)
        elf_end(elf);
    if (fd >= 0)
        close(fd);
    if (err == TYR_EIO || err == TYR_ENOTELF)
        err = 0; /* the debug file went away or is not ELF: the binary's names still stand */
    err = emit_list(&l, err, fn, ctx);
    if (err == TYR_ENOMEM || err == TYR_EOVERFLOW)
        return tyr_diag_set(diag, err, 0, "out of memory listing the symbols of %s", path);
    return err;
}

struct symref {
    const char *name;
    uint64_t addr;
};

static int cmp_symref(const void *a, const void *b)
{
    const struct symref *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : (x->addr > y->addr) - (x->addr < y->addr);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* The DW_AT_low_pc of every top-level function with a body, sorted (caller frees). */
static int function_pcs(tyr_dwarf *dw, uint64_t **out, uint32_t *n, tyr_diag *diag)
{
    int err = tdw_index_build(dw, TDW_IX_FUNCS, diag);
    if (err)
        return err;
    uint64_t *pcs = malloc((size_t)(dw->ix.nindex ? dw->ix.nindex : 1) * sizeof *pcs);
    if (!pcs)
        return tyr_diag_set(diag, TYR_ENOMEM, 0, "out of memory");
    uint32_t k = 0;
    for (uint32_t i = 0; i < dw->ix.nindex; i++) {
        const struct tdw_entry *e = &dw->ix.index[i];
        if (e->tag == DW_TAG_subprogram && e->has_pc && e->low_pc)
            pcs[k++] = e->low_pc;
    }
    qsort(pcs, k, sizeof *pcs, cmp_u64);
    *out = pcs;
    *n = k;
    return 0;
}

static bool has_pc(const uint64_t *pcs, uint32_t n, uint64_t addr)
{
    uint32_t lo = tdw_bound(pcs, n, sizeof *pcs, 0, addr, false);
    return lo < n && pcs[lo] == addr;
}

/* tdw_list_funcs's names into the list (a binary with no function symbols). */
static int add_dwarf_name(void *ctx, const char *name)
{
    return namelist_add(ctx, name, 0);
}

int tyr_dwarf_match_funcs(tyr_dwarf *dw, const char *glob, tyr_dwarf_func_fn fn, void *ctx,
                          tyr_diag *diag)
{
    if (!dw || !fn)
        return TYR_EINVAL;
    if (tdw_syms_need(dw))
        return tyr_diag_set(diag, TYR_ENOMEM, 0, "out of memory reading the symbol table");
    struct namelist l = {.glob = glob};
    int err = 0;
    if (dw->sym.nsyms == 0) {
        /* No symbols at all: the DWARF names are the only names there are. */
        err = tdw_list_funcs(dw, glob, add_dwarf_name, &l, diag);
        return emit_list(&l, err, fn, ctx);
    }
    struct symref *v = malloc((size_t)dw->sym.nsyms * sizeof *v);
    uint64_t *pcs = NULL;
    uint32_t npcs = 0;
    if (!v)
        return tyr_diag_set(diag, TYR_ENOMEM, 0, "out of memory");
    uint32_t n = 0;
    for (uint32_t i = 0; i < dw->sym.nsyms; i++) {
        const char *name = dw->sym.symstr + dw->sym.syms[i].name;
        if (is_probe_name(name, glob))
            v[n++] = (struct symref){name, dw->sym.syms[i].addr};
    }
    qsort(v, n, sizeof *v, cmp_symref);
    /* Most names have a DIE whose DW_AT_low_pc is one of their symbol addresses: with the
     * function index built once, that is a binary search; the rest (DW_AT_ranges, an alias
     * found through another name, an out-of-line copy) ask tdw_find_function. */
    if (n > 16)
        err = function_pcs(dw, &pcs, &npcs, diag);
    for (uint32_t i = 0; i < n && !err;) {
        uint32_t end = i + 1;
        while (end < n && strcmp(v[end].name, v[i].name) == 0)
            end++;
        bool found = false;
        for (uint32_t k = i; k < end && !found && pcs; k++)
            found = has_pc(pcs, npcs, v[k].addr);
        tdw_ref ref = TDW_REF_NONE;
        if (!found && !(err = tdw_find_function(dw, v[i].name, &ref, diag)))
            found = ref != TDW_REF_NONE;
        if (!err && found)
            err = fn(ctx, v[i].name);
        i = end;
    }
    free(pcs);
    free(v);
    return err;
}

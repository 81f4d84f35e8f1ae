/* SPDX-License-Identifier: MIT */
/*
 * tyr import BINARY [--function F]... [--type T]... [--all] [--full]
 *            (-o OUT.tyr | --append-to FILE [--page-align])
 * Imports from DWARF what is asked, and writes a blob pruned to what the functions and types
 * reach (or everything imported with --full), atomically to OUT or appended to FILE at an
 * aligned offset (the `.aot` case). Prints what the blob kept.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "opts.h"
#include "tool.h"

static const char import_help[] =
    "usage: tyr import BINARY [--function F]... [--type T]... [--all] [--full]\n"
    "                  (-o OUT.tyr | --append-to FILE [--page-align])\n"
    "\n"
    "Import types from BINARY's DWARF and write a tyr blob.\n"
    "  -f, --function F   a function's probe signature and what it reaches; F may be a glob,\n"
    "                     matched as `tyr args` matches it (nothing matched is an error)\n"
    "  -t, --type T       a named type (NAME, struct NAME, union NAME, enum NAME)\n"
    "  -a, --all          every type, and the signature of every function a uprobe\n"
    "                     attaches to (the names `tyr args` matches)\n"
    "      --full         keep everything imported (default: prune to what -f/-t reach; with\n"
    "                     --all, the functions of DWARF names no symbol probes are dropped)\n"
    "  -o, --output OUT   write OUT atomically (temporary file, fsync, rename)\n"
    "      --append-to F  append to F at an 8-aligned offset and print the offset\n"
    "      --page-align   with --append-to: align to a page instead\n"
    TOOL_DEBUGINFOD_HELP
    "An import that would hold no function and no type writes nothing (exit 1).\n";

struct list {
    const char **v;
    size_t n;
};

static int list_add(struct list *l, const char *s)
{
    const char **v = realloc(l->v, (l->n + 1) * sizeof(*v));
    if (!v)
        return TYR_ENOMEM;
    v[l->n++] = s;
    l->v = v;
    return 0;
}

struct roots {
    tyr_type *v;
    size_t n;
};

static int roots_add(struct roots *r, tyr_type t)
{
    tyr_type *v = realloc(r->v, (r->n + 1) * sizeof(*v));
    if (!v)
        return TYR_ENOMEM;
    v[r->n++] = t;
    r->v = v;
    return 0;
}

/* Progress on a terminal only, and only once the import has lasted a moment. */
struct progress {
    struct timespec start;
    bool shown;
};

static double since(const struct timespec *t0)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

static int show_progress(void *ctx, uint32_t done, uint32_t total)
{
    struct progress *p = ctx;
    if (since(&p->start) < 0.3)
        return 0;
    fprintf(stderr, "\rtyr import: units %u/%u", done, total);
    p->shown = true;
    return 0;
}


enum { OPT_FUNC = 1, OPT_TYPE, OPT_ALL, OPT_FULL, OPT_OUT, OPT_APPEND, OPT_PAGE,
       OPT_NO_DEBUGINFOD };

struct import_args {
    struct list funcs, types;
    const char *out, *append;
    bool all, full, page;
};

static int import_opt(void *ctx, int id, const char *arg)
{
    struct import_args *a = ctx;
    switch (id) {
    case OPT_FUNC: return list_add(&a->funcs, arg) ? tool_fail("out of memory") : EXIT_OK;
    case OPT_TYPE: return list_add(&a->types, arg) ? tool_fail("out of memory") : EXIT_OK;
    case OPT_ALL: a->all = true; break;
    case OPT_FULL: a->full = true; break;
    case OPT_OUT: a->out = arg; break;
    case OPT_APPEND: a->append = arg; break;
    case OPT_PAGE: a->page = true; break;
    case OPT_NO_DEBUGINFOD: tool_no_debuginfod = true; break;
    }
    return EXIT_OK;
}

/* --all: every type (the caller's roots so far are kept) and the FUNC of every probe name
 * the matcher finds; a name import-all stored no FUNC for is imported on its own, so that
 * the blob answers for exactly the names `tyr args BINARY GLOB` matches. */
static int all_roots(struct tool_input *in, struct roots *roots, tyr_diag *diag)
{
    uint32_t n = tyr_registry_type_count(in->reg);
    int err = 0;
    for (uint32_t id = 1; id < n && !err; id++) {
        int kind = tyr_type_kind(in->reg, (tyr_type){id});
        if (kind != TYR_KIND_FUNC && kind != TYR_KIND_FUNC_PROTO)
            err = roots_add(roots, (tyr_type){id});
    }
    struct names ns = {0};
    if (!err)
        err = tyr_dwarf_match_funcs(in->dw, NULL, names_add, &ns, diag);
    for (size_t i = 0; i < ns.n && !err; i++) {
        tyr_type fn;
        if (tyr_find(in->reg, ns.v[i], TYR_KIND_FUNC, &fn) != 0)
            err = tyr_dwarf_import_func(in->dw, in->reg, ns.v[i], &fn, diag);
        if (!err)
            err = roots_add(roots, fn);
    }
    names_free(&ns);
    return err;
}

/* The import's arguments make sense together: 0, or the usage line's exit code. */
static int check_import_args(const struct import_args *a, int nops)
{
    if (nops != 1)
        return tool_usage("import", "needs exactly one BINARY");
    if (!!a->out == !!a->append)
        return tool_usage("import", "needs one of -o OUT or --append-to FILE");
    if (!a->all && !a->funcs.n && !a->types.n)
        return tool_usage("import", "nothing to import: give --function, --type or --all");
    if (a->page && !a->append)
        return tool_usage("import", "--page-align goes with --append-to");
    return 0;
}

/* Every type and every function's probe signature (aliases too): a blob from which
 * `tyr args` answers for any function, without DWARF. Progress on a terminal only. */
static int import_everything(struct tool_input *in, struct roots *roots, tyr_diag *diag)
{
    struct progress prog = {.shown = false};
    clock_gettime(CLOCK_MONOTONIC, &prog.start);
    bool tty = isatty(STDERR_FILENO);
    int err = tyr_dwarf_import_all(
        in->dw, in->reg,
        TYR_OPTS(tyr_dwarf_all_opts, .flags = TYR_DWARF_ALL_FUNCS | TYR_DWARF_ALL_ALIASES,
                 .progress = tty ? show_progress : NULL, .ctx = &prog), diag);
    if (prog.shown)
        fprintf(stderr, "\r\033[K");
    return err ? err : all_roots(in, roots, diag);
}

/* Imports what the arguments ask for and collects the roots of the pruned write. Returns
 * the tool's exit code (0 to go on); a library error is reported here. */
static int import_asked(struct tool_input *in, const struct import_args *a,
                        struct roots *roots)
{
    struct names ns = {0};
    tyr_diag diag = {0};
    int rc = 0, err = 0;
    if (a->all)
        err = import_everything(in, roots, &diag);
    for (size_t i = 0; i < a->funcs.n && !err && !rc; i++)
        rc = tool_match_funcs(in, a->funcs.v[i], &ns);
    if (!rc)
        names_sort_unique(&ns);
    for (size_t i = 0; i < ns.n && !err && !rc; i++) {
        tyr_type fn;
        err = tyr_dwarf_import_func(in->dw, in->reg, ns.v[i], &fn, &diag);
        if (err == TYR_ENOENT)
            rc = tool_fail("no function '%s' in %s", ns.v[i], in->path);
        else if (!err)
            err = roots_add(roots, fn);
    }
    for (size_t i = 0; i < a->types.n && !err && !rc; i++) {
        tyr_type t;
        if (!(rc = tool_find_type(in, a->types.v[i], &t)))
            err = roots_add(roots, t);
    }
    names_free(&ns);
    if (rc)
        return rc;
    return err ? tool_fail_err(in->path, err, &diag) : 0;
}

/* Writes the registry (pruned to the roots unless --full) to -o OUT or appends it to
 * --append-to FILE, and prints the one-line summary. Returns the tool's exit code. */
static int write_imported(const struct tool_input *in, const struct import_args *a,
                          const struct roots *roots)
{
    uint32_t imported = tyr_registry_type_count(in->reg);
    if (imported <= 1)
        return tool_fail("%s: nothing to write: no function and no type imported", in->path);
    bool pruned = !a->full && roots->n;
    struct tyr_write_opts wopts = {.sz = sizeof(wopts),
                                   .flags = a->page ? TYR_WRITE_PAGE_ALIGN : 0,
                                   .roots = pruned ? roots->v : NULL,
                                   .nroots = pruned ? roots->n : 0};
    uint64_t off = 0, len = 0;
    int err;
    if (a->out) {
        if ((err = tyr_blob_write_path(in->reg, a->out, &wopts)))
            return tool_fail_err(a->out, err, NULL);
        struct stat st;
        if (stat(a->out, &st) == 0)
            len = (uint64_t)st.st_size;
        return tool_write_summary(a->out, 0, len, imported, pruned);
    }
    int fd = open(a->append, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return tool_fail("%s: %s", a->append, strerror(errno));
    err = tyr_blob_write_fd(in->reg, fd, &wopts, &off, &len);
    if (close(fd) && !err)
        err = TYR_EIO;
    if (err)
        return tool_fail_err(a->append, err, NULL);
    return tool_write_summary(a->append, off, len, imported, pruned);
}

int cmd_import(int argc, char **argv)
{
    if (tool_btf_requested(argc, argv))
        return cmd_btf_import(argc, argv);
    static const struct tool_opt opts[] = {
        {"function", 'f', true, OPT_FUNC}, {"type", 't', true, OPT_TYPE},
        {"all", 'a', false, OPT_ALL},      {"full", 0, false, OPT_FULL},
        {"output", 'o', true, OPT_OUT},    {"append-to", 0, true, OPT_APPEND},
        {"page-align", 0, false, OPT_PAGE}, {"no-debuginfod", 0, false, OPT_NO_DEBUGINFOD},
        {NULL, 0, false, 0}};
    static const struct tool_cmd_spec spec = {"import", import_help, opts};
    struct import_args a = {0};
    struct tool_input in;
    struct roots roots = {0};
    int nops;
    int rc = tool_parse_opts(&spec, argc, argv, import_opt, &a, &nops);
    bool go = !rc && !(rc = check_import_args(&a, nops));
    if (rc == TOOL_HELP_SHOWN)
        rc = EXIT_OK;
    if (go && !(rc = tool_input_open(&in, argv[1], 0, TOOL_IN_ANY))) {
        if (!in.dw) {
            rc = tool_fail("%s: is already a tyr blob; import reads a binary's DWARF", in.path);
        } else {
            /* The blob names its binary, so that its probe lines can be attached (tyr args
             * BLOB). */
            char id[130];
            int err = tyr_dwarf_build_id(in.dw, id, sizeof id);
            err = tyr_registry_set_source(in.reg, in.path, err < 0 ? "" : id);
            rc = err ? tool_fail_err(in.path, err, NULL) : import_asked(&in, &a, &roots);
            if (!rc)
                rc = write_imported(&in, &a, &roots);
        }
        tool_input_close(&in);
    }
    free(roots.v);
    free(a.funcs.v);
    free(a.types.v);
    return rc;
}

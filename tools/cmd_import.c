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
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tool.h"

static const char import_help[] =
    "usage: tyr import BINARY [--function F]... [--type T]... [--all] [--full]\n"
    "                  (-o OUT.tyr | --append-to FILE [--page-align])\n"
    "\n"
    "Import types from BINARY's DWARF and write a tyr blob.\n"
    "  -f, --function F   a function's probe signature and what it reaches (F may be a glob)\n"
    "  -t, --type T       a named type (NAME, struct NAME, union NAME, enum NAME)\n"
    "  -a, --all          every type and every function's signature (with ELF aliases)\n"
    "      --full         keep everything imported (default: prune to what -f/-t reach)\n"
    "  -o, --output OUT   write OUT atomically (temporary file, fsync, rename)\n"
    "      --append-to F  append to F at an 8-aligned offset and print the offset\n"
    "      --page-align   with --append-to: align to a page instead\n";

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
    tyr_sized_type *v;
    size_t n;
};

static int roots_add(struct roots *r, tyr_sized_type st)
{
    tyr_sized_type *v = realloc(r->v, (r->n + 1) * sizeof(*v));
    if (!v)
        return TYR_ENOMEM;
    v[r->n++] = st;
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

struct import_ctx {
    struct tool_input *in;
    struct roots *roots;
    int err;
    tyr_diag diag;
};

static int import_one_func(void *vctx, const char *name)
{
    struct import_ctx *ctx = vctx;
    tyr_type fn;
    ctx->err = tyr_dwarf_import_func(ctx->in->dw, ctx->in->reg, name, &fn, &ctx->diag);
    if (ctx->err == TYR_ENOENT)
        return ctx->err = 0; /* a glob match without usable DWARF: nothing to keep */
    if (!ctx->err)
        ctx->err = roots_add(ctx->roots, tyr_sized(ctx->in->reg, fn));
    return ctx->err;
}

/* Prints what the written blob holds, read back from the file itself. */
static int summarize(const char *path, uint64_t off, uint64_t len, uint32_t imported, bool pruned)
{
    tyr_registry *reg;
    tyr_diag diag = {0};
    int err = tyr_registry_open_path(path, TYR_OPTS(tyr_load_opts, .offset = off, .diag = &diag),
                                     &reg);
    if (err)
        return tool_fail_err(path, err, &diag);
    tyr_registry_stats st;
    tyr_registry_get_stats(reg, &st);
    printf("%s: %u types (%u structs, %u unions, %u enums, %u typedefs, %u functions), "
           "%u fields, %llu bytes",
           path, st.types - 1, st.per_kind[TYR_KIND_STRUCT], st.per_kind[TYR_KIND_UNION],
           st.per_kind[TYR_KIND_ENUM], st.per_kind[TYR_KIND_TYPEDEF], st.per_kind[TYR_KIND_FUNC],
           st.fields, (unsigned long long)len);
    if (pruned)
        printf(", pruned from %u imported types", imported - 1);
    if (off)
        printf(", at offset %llu", (unsigned long long)off);
    printf("\n");
    tyr_registry_free(reg);
    return EXIT_OK;
}

int cmd_import(int argc, char **argv)
{
    if (tool_btf_requested(argc, argv))
        return cmd_btf_import(argc, argv);
    enum { OPT_FULL = 256, OPT_APPEND, OPT_PAGE };
    static const struct option opts[] = {
        {"function", required_argument, NULL, 'f'}, {"type", required_argument, NULL, 't'},
        {"all", no_argument, NULL, 'a'},            {"full", no_argument, NULL, OPT_FULL},
        {"output", required_argument, NULL, 'o'},   {"append-to", required_argument, NULL, OPT_APPEND},
        {"page-align", no_argument, NULL, OPT_PAGE}, {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0}};
    struct list funcs = {0}, types = {0};
    const char *out = NULL, *append = NULL;
    bool all = false, full = false, page = false;
    int c, rc = EXIT_OK;
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:t:ao:h", opts, NULL)) != -1) {
        switch (c) {
        case 'f': rc = list_add(&funcs, optarg) ? tool_fail("out of memory") : rc; break;
        case 't': rc = list_add(&types, optarg) ? tool_fail("out of memory") : rc; break;
        case 'a': all = true; break;
        case OPT_FULL: full = true; break;
        case 'o': out = optarg; break;
        case OPT_APPEND: append = optarg; break;
        case OPT_PAGE: page = true; break;
        case 'h': fputs(import_help, stdout); goto done;
        default: rc = tool_usage("import", "bad option"); goto done;
        }
    }
    if (rc)
        goto done;
    if (argc - optind != 1) {
        rc = tool_usage("import", "needs exactly one BINARY");
        goto done;
    }
    if (!!out == !!append) {
        rc = tool_usage("import", "needs one of -o OUT or --append-to FILE");
        goto done;
    }
    if (!all && !funcs.n && !types.n) {
        rc = tool_usage("import", "nothing to import: give --function, --type or --all");
        goto done;
    }
    struct tool_input in;
    if ((rc = tool_input_open(&in, argv[optind], 0, false)))
        goto done;
    if (!in.dw) {
        rc = tool_fail("%s: is already a tyr blob; import reads a binary's DWARF", in.path);
        tool_input_close(&in);
        goto done;
    }
    struct roots roots = {0};
    struct import_ctx ctx = {.in = &in, .roots = &roots};
    int err = 0;
    if (all) {
        struct progress prog = {.shown = false};
        clock_gettime(CLOCK_MONOTONIC, &prog.start);
        bool tty = isatty(STDERR_FILENO);
        /* Every type and every function's probe signature (aliases too): a blob from which
         * `tyr args` answers for any function, without DWARF. */
        err = tyr_dwarf_import_all_opts(
            in.dw, in.reg,
            TYR_OPTS(tyr_dwarf_all_opts, .flags = TYR_DWARF_ALL_FUNCS | TYR_DWARF_ALL_ALIASES,
                     .progress = tty ? show_progress : NULL, .ctx = &prog, .diag = &ctx.diag));
        if (prog.shown)
            fprintf(stderr, "\r\033[K");
    }
    for (size_t i = 0; i < funcs.n && !err; i++) {
        if (tool_is_glob(funcs.v[i])) {
            err = tyr_dwarf_list_funcs(in.dw, funcs.v[i], import_one_func, &ctx, &ctx.diag);
            err = err ? err : ctx.err;
        } else {
            tyr_type fn;
            err = tyr_dwarf_import_func(in.dw, in.reg, funcs.v[i], &fn, &ctx.diag);
            if (err == TYR_ENOENT) {
                rc = tool_fail("%s: no function '%s'", in.path, funcs.v[i]);
                goto close;
            }
            if (!err)
                err = roots_add(&roots, tyr_sized(in.reg, fn));
        }
    }
    for (size_t i = 0; i < types.n && !err; i++) {
        tyr_type t;
        if ((rc = tool_find_type(&in, types.v[i], &t)))
            goto close;
        err = roots_add(&roots, tyr_sized(in.reg, t));
    }
    if (err) {
        rc = tool_fail_err(in.path, err, &ctx.diag);
        goto close;
    }
    bool pruned = !full && roots.n;
    struct tyr_write_opts wopts = {.sz = sizeof(wopts),
                                   .flags = page ? TYR_WRITE_PAGE_ALIGN : 0,
                                   .roots = pruned ? roots.v : NULL,
                                   .nroots = pruned ? roots.n : 0};
    uint32_t imported = tyr_registry_type_count(in.reg);
    uint64_t off = 0, len = 0;
    if (out) {
        err = tyr_blob_write_path(in.reg, out, &wopts);
        if (err) {
            rc = tool_fail_err(out, err, NULL);
            goto close;
        }
        struct stat st;
        if (stat(out, &st) == 0)
            len = (uint64_t)st.st_size;
        rc = summarize(out, 0, len, imported, pruned);
    } else {
        int fd = open(append, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0) {
            rc = tool_fail("%s: %s", append, strerror(errno));
            goto close;
        }
        err = tyr_blob_write_fd(in.reg, fd, &wopts, &off, &len);
        if (close(fd) && !err)
            err = TYR_EIO;
        if (err) {
            rc = tool_fail_err(append, err, NULL);
            goto close;
        }
        rc = summarize(append, off, len, imported, pruned);
    }
close:
    free(roots.v);
    tool_input_close(&in);
done:
    free(funcs.v);
    free(types.v);
    return rc;
}

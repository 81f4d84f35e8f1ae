/* SPDX-License-Identifier: MIT */
/*
 * The --btf forms of `tyr import` and `tyr args`: kernel types and kernel function
 * signatures from BTF through libtyr-btf, with the same pruning and the same listing as the
 * DWARF forms. cmd_import and cmd_args hand over to these when --btf is among the arguments.
 *
 *   tyr import --btf [FILE] [--base BASE] [--function F]... [--type T]... [--all] [--full]
 *              (-o OUT.tyr | --append-to FILE [--page-align])
 *   tyr args [--json] --btf [FILE] [--base BASE] FUNCTION...
 *
 * FILE is raw BTF or an ELF file with a .BTF section; it defaults to the running kernel's
 * /sys/kernel/btf/vmlinux (taken when the word after --btf is not an existing file).
 * A module's split BTF (/sys/kernel/btf/MODULE) is read on top of BASE, by default vmlinux.
 * Options follow the tool's grammar (opts.h): before, between or after operands, `--name=V`
 * or `--name V`, `--` ending them; for import, FILE may also be the one operand.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "opts.h"
#include "tool.h"
#include "tyr/btf.h"

bool tool_btf_requested(int argc, char **argv)
{
    for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
        if (!strcmp(argv[i], "--btf") || !strncmp(argv[i], "--btf=", 6))
            return true;
    return false;
}

static bool is_file(const char *p)
{
    struct stat st;
    return p && stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* The BTF handles of one command: the file's, and its base's for a split BTF. */
struct btf_input {
    const char *path;
    const char *name; /* the module name in probe lines: "vmlinux", or the file's base name */
    tyr_btf *base, *btf;
    tyr_registry *reg;
};

/* --btf's FILE is optional: a `--btf` not followed by an existing file becomes `--btf=` (the
 * default FILE), so that the grammar's `--btf VALUE` never swallows a FUNCTION. In place,
 * before tool_parse_opts(); what follows `--` is left alone. */
static void btf_default_file(int argc, char **argv)
{
    static char no_file[] = "--btf=";
    for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
        if (!strcmp(argv[i], "--btf") && !(i + 1 < argc && is_file(argv[i + 1])))
            argv[i] = no_file;
}

/* The options both --btf forms take. */
enum { OPT_BTF = 1, OPT_BASE, OPT_FUNC, OPT_TYPE, OPT_ALL, OPT_FULL, OPT_OUT, OPT_APPEND,
       OPT_PAGE, OPT_JSON };

/* What the command line asked, filled by btf_opt(). funcs and types point into argv. */
struct btf_args {
    const char *file, *base; /* file NULL: the running kernel's */
    const char **funcs, **types;
    size_t nf, nt;
    const char *out, *append;
    bool all, full, page, json;
};

static int btf_opt(void *ctx, int id, const char *arg)
{
    struct btf_args *a = ctx;
    switch (id) {
    case OPT_BTF: a->file = arg && *arg ? arg : NULL; break;
    case OPT_BASE: a->base = arg; break;
    case OPT_FUNC: a->funcs[a->nf++] = arg; break;
    case OPT_TYPE: a->types[a->nt++] = arg; break;
    case OPT_ALL: a->all = true; break;
    case OPT_FULL: a->full = true; break;
    case OPT_OUT: a->out = arg; break;
    case OPT_APPEND: a->append = arg; break;
    case OPT_PAGE: a->page = true; break;
    case OPT_JSON: a->json = true; break;
    }
    return EXIT_OK;
}

static int btf_input_open(struct btf_input *in, const char *file, const char *base)
{
    memset(in, 0, sizeof *in);
    libbpf_set_print(NULL); /* the tool prints one line of its own per error */
    if (!file) {
        if (!is_file(TYR_BTF_VMLINUX))
            return tool_fail("--btf: no FILE given and %s does not exist", TYR_BTF_VMLINUX);
        file = TYR_BTF_VMLINUX;
    }
    in->path = file;
    const char *slash = strrchr(file, '/');
    in->name = slash ? slash + 1 : file;
    /* a module's BTF under /sys/kernel/btf is split BTF on vmlinux */
    if (!base && !strncmp(file, "/sys/kernel/btf/", 16) && strcmp(file, TYR_BTF_VMLINUX))
        base = TYR_BTF_VMLINUX;
    tyr_diag diag = {0};
    int err;
    if (base && (err = tyr_btf_open(base, NULL, &in->base, &diag)))
        return tool_fail_err(base, err, &diag);
    if ((err = tyr_btf_open(file, TYR_OPTS(tyr_btf_opts, .base = in->base),
                            &in->btf, &diag))) {
        tyr_btf_free(in->base);
        return tool_fail_err(file, err, &diag);
    }
    uint32_t hint = btf__type_cnt(tyr_btf_libbpf(in->btf)); /* sizes the arena once */
    if ((err = tyr_registry_new(TYR_OPTS(tyr_registry_opts, .type_hint = hint), &in->reg))) {
        tyr_btf_free(in->btf);
        tyr_btf_free(in->base);
        return tool_fail_err(file, err, NULL);
    }
    return EXIT_OK;
}

static void btf_input_close(struct btf_input *in)
{
    tyr_registry_free(in->reg);
    tyr_btf_free(in->btf);
    tyr_btf_free(in->base);
}

/* "struct NAME", "union NAME", "enum NAME" or "NAME" (any kind). */
static const char *parse_spec(const char *spec, int *kind)
{
    static const struct {
        const char *prefix;
        int kind;
    } tags[] = {{"struct ", TYR_KIND_STRUCT}, {"union ", TYR_KIND_UNION}, {"enum ", TYR_KIND_ENUM}};
    for (size_t i = 0; i < sizeof tags / sizeof *tags; i++) {
        size_t len = strlen(tags[i].prefix);
        if (!strncmp(spec, tags[i].prefix, len)) {
            *kind = tags[i].kind;
            return spec + len;
        }
    }
    *kind = TYR_KIND_ANY;
    return spec;
}

/* Function names matching the patterns (globs expanded over the BTF's FUNCs), sorted. */
static int expand_funcs(const struct btf_input *in, const char *const *pats, size_t npats,
                        struct names *ns)
{
    for (size_t i = 0; i < npats; i++) {
        int err = tool_is_glob(pats[i]) ? tyr_btf_list_funcs(in->btf, pats[i], names_add, ns)
                                        : names_add(ns, pats[i]);
        if (err)
            return err;
    }
    names_sort_unique(ns);
    return 0;
}

/* The BTF counters, and what the registry cannot express, on one line. */
static void print_btf_stats(const struct btf_input *in)
{
    tyr_btf_stats s = {.sz = sizeof s};
    if (tyr_btf_get_stats(in->btf, &s))
        return;
    printf("%s: %u BTF types, %u imported (%u shared), %u functions; not kept: %u vars, "
           "%u datasecs, %u decl_tags, %u type_tags (transparent), linkage of %u static and "
           "%u extern functions, %u int bit widths, %u floats as unknown, %u restricts\n",
           in->path, s.btf_types, s.imported, s.shared, s.funcs, s.vars, s.datasecs,
           s.decl_tags, s.type_tags, s.func_static, s.func_extern, s.int_bits, s.float_unknown,
           s.restrict_dropped);
}


static const char import_help[] =
    "usage: tyr import --btf [FILE] [--base BASE] [--function F]... [--type T]... [--all]\n"
    "                  [--full] (-o OUT.tyr | --append-to FILE [--page-align])\n"
    "\n"
    "Import kernel types and function signatures from BTF and write a tyr blob.\n"
    "  --btf [FILE]       raw BTF or an ELF file's .BTF (default /sys/kernel/btf/vmlinux)\n"
    "  --base BASE        FILE is split BTF on BASE (default vmlinux for /sys/kernel/btf/M)\n"
    "  -f, --function F   a function's probe signature and what it reaches (F may be a glob)\n"
    "  -t, --type T       a named type (NAME, struct NAME, union NAME, enum NAME)\n"
    "  -a, --all          every type and every function of FILE\n"
    "      --full         keep everything imported (default: prune to what -f/-t reach)\n"
    "  -o, --output OUT   write OUT atomically\n"
    "      --append-to F  append to F at an 8-aligned offset and print the offset\n"
    "      --page-align   with --append-to: align to a page instead\n";

int cmd_btf_import(int argc, char **argv)
{
    static const struct tool_opt opts[] = {
        {"btf", 0, true, OPT_BTF},          {"base", 0, true, OPT_BASE},
        {"function", 'f', true, OPT_FUNC},  {"type", 't', true, OPT_TYPE},
        {"all", 'a', false, OPT_ALL},       {"full", 0, false, OPT_FULL},
        {"output", 'o', true, OPT_OUT},     {"append-to", 0, true, OPT_APPEND},
        {"page-align", 0, false, OPT_PAGE}, {NULL, 0, false, 0}};
    static const struct tool_cmd_spec spec = {"import", import_help, opts};
    /* each option takes at most one argv word: argc bounds the -f and -t lists */
    struct btf_args a = {.funcs = calloc((size_t)argc, sizeof(char *)),
                         .types = calloc((size_t)argc, sizeof(char *))};
    const char **funcs = a.funcs, **types = a.types;
    int nops, rc = EXIT_OK;
    if (!funcs || !types) {
        rc = tool_fail("out of memory");
        goto done;
    }
    btf_default_file(argc, argv);
    rc = tool_parse_opts(&spec, argc, argv, btf_opt, &a, &nops);
    if (rc) {
        rc = rc == TOOL_HELP_SHOWN ? EXIT_OK : rc;
        goto done;
    }
    if (nops == 1 && !a.file) {
        a.file = argv[1];
    } else if (nops) {
        rc = tool_usage("import", "--btf takes one FILE (after --btf, or as the one operand)");
        goto done;
    }
    const char *file = a.file, *base = a.base, *out = a.out, *append = a.append;
    size_t nf = a.nf, nt = a.nt;
    bool all = a.all, full = a.full, page = a.page;
    if (!!out == !!append) {
        rc = tool_usage("import", "needs one of -o OUT or --append-to FILE");
        goto done;
    }
    if (!all && !nf && !nt) {
        rc = tool_usage("import", "nothing to import: give --function, --type or --all");
        goto done;
    }
    struct btf_input in;
    if ((rc = btf_input_open(&in, file, base)))
        goto done;
    tyr_type *roots = calloc(1, sizeof *roots);
    size_t nroots = 0;
    struct names ns = {0};
    tyr_diag diag = {0};
    int err = roots ? 0 : TYR_ENOMEM;
    if (!err && all)
        err = tyr_btf_import_all(in.btf, in.reg, NULL, &diag);
    if (!err)
        err = expand_funcs(&in, funcs, nf, &ns);
    tyr_type *nr = err ? NULL : realloc(roots, (ns.n + nt + 1) * sizeof *roots);
    if (nr)
        roots = nr;
    else if (!err)
        err = TYR_ENOMEM;
    for (size_t i = 0; i < ns.n && !err; i++) {
        tyr_type fn;
        err = tyr_btf_import_func(in.btf, in.reg, ns.v[i], &fn, &diag);
        if (err == TYR_ENOENT) {
            rc = tool_fail("%s: no function '%s'", in.path, ns.v[i]);
            goto close;
        }
        if (!err)
            roots[nroots++] = fn;
    }
    for (size_t i = 0; i < nt && !err; i++) {
        int kind;
        const char *name = parse_spec(types[i], &kind);
        tyr_type t;
        err = tyr_btf_import_type(in.btf, in.reg, name, kind, &t, &diag);
        if (err == TYR_ENOENT) {
            rc = tool_fail("%s: no type '%s'", in.path, types[i]);
            goto close;
        }
        if (!err)
            roots[nroots++] = t;
    }
    if (err) {
        rc = err == TYR_EBTF && diag.err == err
                 ? tool_fail("%s: BTF type %llu: %s", in.path, (unsigned long long)diag.offset,
                             diag.what)
                 : tool_fail_err(in.path, err, &diag);
        goto close;
    }
    bool pruned = !full && nroots;
    struct tyr_write_opts wopts = {.sz = sizeof(wopts),
                                   .flags = page ? TYR_WRITE_PAGE_ALIGN : 0,
                                   .roots = pruned ? roots : NULL,
                                   .nroots = pruned ? nroots : 0};
    uint32_t imported = tyr_registry_type_count(in.reg);
    uint64_t off = 0, len = 0;
    if (out) {
        if ((err = tyr_blob_write_path(in.reg, out, &wopts))) {
            rc = tool_fail_err(out, err, NULL);
            goto close;
        }
        struct stat st;
        if (stat(out, &st) == 0)
            len = (uint64_t)st.st_size;
        rc = tool_write_summary(out, 0, len, imported, pruned);
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
        rc = tool_write_summary(append, off, len, imported, pruned);
    }
    if (!rc)
        print_btf_stats(&in);
close:
    names_free(&ns);
    free(roots);
    btf_input_close(&in);
done:
    free(funcs);
    free(types);
    return rc;
}

static const char args_help[] =
    "usage: tyr args [--json] --btf [FILE] [--base BASE] FUNCTION...\n"
    "\n"
    "Print each kernel function's parameters from BTF (default /sys/kernel/btf/vmlinux):\n"
    "the probe line kfunc:MODULE:FUNCTION, one `    TYPE NAME` line per parameter and\n"
    "`    TYPE retval` for a non-void return, as bpftrace -lv lists a kfunc. FUNCTION may be\n"
    "a glob (vfs_*).\n"
    "  --json   one JSON array of {probe, function, params: [{name, type, size}], varargs}\n";



static int print_kfunc(const struct btf_input *in, const char *name, tyr_type fn, bool json,
                       bool first)
{
    tyr_type_info info, proto;
    int err = tyr_type_get(in->reg, fn, &info);
    if (err || (err = tyr_type_get(in->reg, info.target, &proto)))
        return err;
    char probe[512];
    snprintf(probe, sizeof probe, "kfunc:%s:%s", in->name, name);
    if (json) {
        printf("%s\n  {\"probe\": ", first ? "" : ",");
        tool_json_str(stdout, probe);
        printf(", \"function\": ");
        tool_json_str(stdout, name);
        printf(", \"params\": [");
    } else {
        printf("%s\n", probe);
    }
    for (uint32_t i = 0; i < info.count; i++) {
        tyr_param_info p;
        if ((err = tyr_param_at(in->reg, fn, i, &p)))
            return err;
        char *line = tool_spell(in->reg, p.type, json ? NULL : p.name, TYR_SPELL_TIGHT);
        if (!line)
            return TYR_ENOMEM;
        if (json) {
            printf("%s{\"name\": ", i ? ", " : "");
            tool_json_str(stdout, p.name);
            printf(", \"type\": ");
            tool_json_str(stdout, line);
            printf(", \"size\": %llu}", (unsigned long long)tyr_type_size(in->reg, p.type));
        } else {
            printf("    %s\n", line);
        }
        free(line);
    }
    if (json) {
        printf("], \"varargs\": %s}", (proto.flags & TYR_FUNC_VARARGS) ? "true" : "false");
    } else if (proto.target.id) {
        char *line = tool_spell(in->reg, proto.target, "retval", TYR_SPELL_TIGHT);
        if (!line)
            return TYR_ENOMEM;
        printf("    %s\n", line);
        free(line);
    }
    return 0;
}

int cmd_btf_args(int argc, char **argv)
{
    static const struct tool_opt opts[] = {{"btf", 0, true, OPT_BTF},
                                           {"base", 0, true, OPT_BASE},
                                           {"json", 'j', false, OPT_JSON},
                                           {NULL, 0, false, 0}};
    static const struct tool_cmd_spec spec = {"args", args_help, opts};
    struct btf_args a = {0};
    int nops;
    btf_default_file(argc, argv);
    int rc = tool_parse_opts(&spec, argc, argv, btf_opt, &a, &nops);
    if (rc)
        return rc == TOOL_HELP_SHOWN ? EXIT_OK : rc;
    if (nops < 1)
        return tool_usage("args", "needs at least one FUNCTION");
    const char *file = a.file, *base = a.base;
    bool json = a.json;
    struct btf_input in;
    rc = btf_input_open(&in, file, base);
    if (rc)
        return rc;
    struct names ns = {0};
    int err = expand_funcs(&in, (const char *const *)(argv + 1), (size_t)nops, &ns);
    if (err) {
        rc = tool_fail_err(in.path, err, NULL);
        goto out;
    }
    if (json)
        printf("[");
    bool first = true;
    for (size_t i = 0; i < ns.n; i++) {
        if (i && !strcmp(ns.v[i], ns.v[i - 1]))
            continue;
        tyr_type fn;
        tyr_diag diag = {0};
        err = tyr_btf_import_func(in.btf, in.reg, ns.v[i], &fn, &diag);
        if (err == TYR_ENOENT) { /* one line, as every error of the tool */
            rc = tool_fail("%s: no function '%s'", in.path, ns.v[i]);
            break;
        }
        if (err || (err = print_kfunc(&in, ns.v[i], fn, json, first))) {
            rc = tool_fail_err(in.path, err, &diag);
            break;
        }
        first = false;
    }
    if (json)
        printf("%s]\n", first ? "" : "\n");
out:
    names_free(&ns);
    btf_input_close(&in);
    return rc;
}

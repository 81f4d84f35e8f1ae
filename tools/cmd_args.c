/* SPDX-License-Identifier: MIT */
/*
 * tyr args BINARY|BLOB FUNCTION... [--json]: each function's parameters in the layout of
 * `bpftrace -lv 'uprobe:BINARY:FUNCTION'` (the probe line, then `    TYPE NAME` per parameter,
 * no space before `*`), so scripts that parse that listing can use it as is. Globs list every
 * matching function, sorted, as bpftrace does. A blob answers from its mapped name index.
 */
#include <fnmatch.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

static const char args_help[] =
    "usage: tyr args [--json] BINARY|BLOB FUNCTION...\n"
    "\n"
    "Print each function's parameters as `bpftrace -lv 'uprobe:BINARY:FUNCTION'` does:\n"
    "the probe line, then one `    TYPE NAME` line per parameter. FUNCTION may be a glob\n"
    "(PyDict_*). BLOB is a file written by `tyr import`: answered from its index, no DWARF.\n"
    "  --json   one JSON array of {probe, function, params: [{name, type, size}], varargs}\n"
    "A C++ class parameter the ABI passes by invisible reference (its address, not a copy)\n"
    "is marked `/* passed by invisible reference */` (JSON: \"invisible_reference\": true).\n";

struct names {
    char **v;
    size_t n, cap;
};

static int names_add(void *ctx, const char *name)
{
    struct names *ns = ctx;
    if (ns->n == ns->cap) {
        size_t cap = ns->cap ? ns->cap * 2 : 32;
        char **v = realloc(ns->v, cap * sizeof(*v));
        if (!v)
            return TYR_ENOMEM;
        ns->v = v;
        ns->cap = cap;
    }
    if (!(ns->v[ns->n] = strdup(name)))
        return TYR_ENOMEM;
    ns->n++;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void names_free(struct names *ns)
{
    for (size_t i = 0; i < ns->n; i++)
        free(ns->v[i]);
    free(ns->v);
}

/* Every FUNC in a blob whose name matches glob. */
static int blob_glob(const tyr_registry *reg, const char *glob, struct names *ns)
{
    uint32_t n = tyr_registry_type_count(reg);
    for (uint32_t id = 1; id < n; id++) {
        tyr_type t = {id};
        if (tyr_type_kind(reg, t) != TYR_KIND_FUNC)
            continue;
        if (!fnmatch(glob, tyr_type_name(reg, t), 0) && names_add(ns, tyr_type_name(reg, t)))
            return TYR_ENOMEM;
    }
    return 0;
}

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

static char *spell_alloc(const tyr_registry *reg, tyr_type t, const char *decl, uint32_t flags)
{
    int n = tyr_type_spell(reg, t, decl, flags, NULL, 0);
    if (n < 0)
        return NULL;
    char *s = malloc((size_t)n + 1);
    if (s && tyr_type_spell(reg, t, decl, flags, s, (size_t)n + 1) < 0) {
        free(s);
        s = NULL;
    }
    return s;
}

/* One function: its probe line and parameters, or its JSON object. */
static int print_func(const struct tool_input *in, const char *name, tyr_type fn, bool json,
                      bool first)
{
    tyr_type_info info;
    int err = tyr_type_get(in->reg, fn, &info);
    if (err)
        return err;
    if (json) {
        printf("%s\n  {\"probe\": ", first ? "" : ",");
        char probe[4096];
        snprintf(probe, sizeof(probe), "uprobe:%s:%s", in->path, name);
        json_str(stdout, probe);
        printf(", \"function\": ");
        json_str(stdout, name);
        printf(", \"params\": [");
    } else {
        printf("uprobe:%s:%s\n", in->path, name);
    }
    for (uint32_t i = 0; i < info.count; i++) {
        tyr_param_info p;
        if ((err = tyr_param_at(in->reg, fn, i, &p)))
            return err;
        char *line = spell_alloc(in->reg, p.type, json ? NULL : p.name, TYR_SPELL_TIGHT);
        if (!line)
            return TYR_ENOMEM;
        /* A C++ class declared by value that the ABI passes by its address: say so, the
         * argument register holds a pointer */
        tyr_type_info pi;
        bool invisible = !tyr_type_get(in->reg, p.type, &pi) && pi.kind == TYR_KIND_PTR &&
                         (pi.flags & TYR_PTR_INVISIBLE);
        if (json) {
            printf("%s{\"name\": ", i ? ", " : "");
            json_str(stdout, p.name);
            printf(", \"type\": ");
            json_str(stdout, line);
            printf(", \"size\": %llu%s}", (unsigned long long)tyr_type_size(in->reg, p.type),
                   invisible ? ", \"invisible_reference\": true" : "");
        } else {
            printf("    %s%s\n", line, invisible ? " /* passed by invisible reference */" : "");
        }
        free(line);
    }
    if (json) {
        tyr_type_info proto;
        bool varargs = !tyr_type_get(in->reg, info.target, &proto) &&
                       (proto.flags & TYR_FUNC_VARARGS);
        printf("], \"varargs\": %s}", varargs ? "true" : "false");
    }
    return 0;
}

int cmd_args(int argc, char **argv)
{
    if (tool_btf_requested(argc, argv))
        return cmd_btf_args(argc, argv);
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'}, {0, 0, 0, 0}};
    bool json = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+jh", opts, NULL)) != -1) {
        if (c == 'j')
            json = true;
        else if (c == 'h') {
            fputs(args_help, stdout);
            return EXIT_OK;
        } else
            return tool_usage("args", "bad option");
    }
    if (argc - optind < 2)
        return tool_usage("args", "needs a BINARY or BLOB and at least one FUNCTION");
    struct tool_input in;
    int rc = tool_input_open(&in, argv[optind], 0, false);
    if (rc)
        return rc;
    struct names ns = {0};
    tyr_diag diag = {0};
    int err = 0;
    for (int i = optind + 1; i < argc && !err; i++) {
        const char *pat = argv[i];
        if (!tool_is_glob(pat))
            err = names_add(&ns, pat);
        else if (in.dw)
            err = tyr_dwarf_list_funcs(in.dw, pat, names_add, &ns, &diag);
        else
            err = blob_glob(in.reg, pat, &ns);
    }
    if (err) {
        rc = tool_fail_err(in.path, err, &diag);
        goto out;
    }
    if (in.dw) {
        /* A name several definitions share (C++ overloads of "app::handle") lists each,
         * by the symbol a uprobe attaches to. */
        struct names all = {0};
        for (size_t i = 0; i < ns.n && !err; i++) {
            uint32_t count = 0;
            size_t mark = all.n;
            err = tyr_dwarf_func_overloads(in.dw, ns.v[i], names_add, &all, &count, &diag);
            if (!err && count < 2) {
                while (all.n > mark)
                    free(all.v[--all.n]);
                err = names_add(&all, ns.v[i]);
            }
        }
        names_free(&ns);
        ns = all;
        if (err) {
            rc = tool_fail_err(in.path, err, &diag);
            goto out;
        }
    }
    qsort(ns.v, ns.n, sizeof(*ns.v), cmp_str);
    if (json)
        printf("[");
    bool first = true;
    for (size_t i = 0; i < ns.n; i++) {
        if (i && !strcmp(ns.v[i], ns.v[i - 1]))
            continue;
        tyr_type fn;
        memset(&diag, 0, sizeof(diag));
        if (in.dw)
            err = tyr_dwarf_import_func(in.dw, in.reg, ns.v[i], &fn, &diag);
        else
            err = tyr_find(in.reg, ns.v[i], TYR_KIND_FUNC, &fn);
        if (err == TYR_ENOENT) {
            rc = tool_fail("%s: no function '%s'", in.path, ns.v[i]);
            continue;
        }
        if (err || (err = print_func(&in, ns.v[i], fn, json, first))) {
            rc = tool_fail_err(in.path, err, &diag);
            break;
        }
        first = false;
    }
    if (json)
        printf("%s]\n", first ? "" : "\n");
out:
    names_free(&ns);
    tool_input_close(&in);
    return rc;
}

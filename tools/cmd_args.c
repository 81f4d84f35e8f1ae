/* SPDX-License-Identifier: MIT */
/*
 * tyr args BINARY|BLOB FUNCTION... [--json]: each function's parameters in the layout of
 * `bpftrace -lv 'uprobe:BINARY:FUNCTION'` (the probe line, then `    TYPE NAME` per parameter,
 * no space before `*`), so scripts that parse that listing can use it as is. Globs list every
 * matching function, sorted, as bpftrace does. A blob answers from its mapped name index.
 */
#include <stdlib.h>
#include <string.h>

#include "opts.h"
#include "tool.h"

static const char args_help[] =
    "usage: tyr args [--json] [--no-debuginfod] BINARY|BLOB FUNCTION...\n"
    "\n"
    "Print each function's parameters as `bpftrace -lv 'uprobe:BINARY:FUNCTION'` does:\n"
    "the probe line, then one `    TYPE NAME` line per parameter. FUNCTION may be a glob\n"
    "(PyDict_*, 'fope*'): over a binary it matches the function symbols a uprobe attaches\n"
    "to (aliases and versioned names folded: fopen@@GLIBC_2.2.5 is fopen) that have debug\n"
    "info, each once, sorted. A glob that matches nothing, or a name that is not there, is\n"
    "an error (exit 1). BLOB is a file written by `tyr import`: answered from its index,\n"
    "no DWARF, the probe lines naming the binary the blob was imported from, as given to\n"
    "`tyr import` (the blob records its path and build-id).\n"
    "  -j, --json   one JSON array of {probe, function, params: [{name, type, size}], varargs}\n"
    TOOL_DEBUGINFOD_HELP
    "A C++ qualified name shared by overloads (app::handle) lists each overload under its\n"
    "symbol. A C++ class parameter the ABI passes by invisible reference (its address, not a\n"
    "copy) is marked `/* passed by invisible reference */` (JSON: \"invisible_reference\": true).\n"
    "With --btf [FILE], the functions come from kernel BTF (see `tyr import --help`).\n";


/* The binary a probe attaches to: the input, or for a blob the binary it was imported from. */
static const char *probe_path(const struct tool_input *in)
{
    const char *src = "";
    if (!in->dw)
        tyr_registry_source(in->reg, &src, NULL);
    return *src ? src : in->path;
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
        snprintf(probe, sizeof(probe), "uprobe:%s:%s", probe_path(in), name);
        tool_json_str(stdout, probe);
        printf(", \"function\": ");
        tool_json_str(stdout, name);
        printf(", \"params\": [");
    } else {
        printf("uprobe:%s:%s\n", probe_path(in), name);
    }
    for (uint32_t i = 0; i < info.count; i++) {
        tyr_param_info p;
        if ((err = tyr_param_at(in->reg, fn, i, &p)))
            return err;
        char *line = tool_spell(in->reg, p.type, json ? NULL : p.name, TYR_SPELL_TIGHT);
        if (!line)
            return TYR_ENOMEM;
        /* A C++ class declared by value that the ABI passes by its address: say so, the
         * argument register holds a pointer */
        tyr_type_info pi;
        bool invisible = !tyr_type_get(in->reg, p.type, &pi) && pi.kind == TYR_KIND_PTR &&
                         (pi.flags & TYR_PTR_INVISIBLE);
        if (json) {
            printf("%s{\"name\": ", i ? ", " : "");
            tool_json_str(stdout, p.name);
            printf(", \"type\": ");
            tool_json_str(stdout, line);
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

enum { OPT_JSON = 1, OPT_NO_DEBUGINFOD };

static int args_opt(void *ctx, int id, const char *arg)
{
    (void)arg;
    if (id == OPT_JSON)
        *(bool *)ctx = true;
    if (id == OPT_NO_DEBUGINFOD)
        tool_no_debuginfod = true;
    return EXIT_OK;
}

/* A name several definitions share (C++ overloads of "app::handle") becomes each
 * definition's symbol, the name a uprobe attaches to; other names stay as they are. */
static int expand_overloads(tyr_dwarf *dw, struct names *ns, tyr_diag *diag)
{
    struct names all = {0};
    int err = 0;
    for (size_t i = 0; i < ns->n && !err; i++) {
        uint32_t count = 0;
        size_t mark = all.n;
        err = tyr_dwarf_func_overloads(dw, ns->v[i], names_add, &all, &count, diag);
        if (!err && count < 2) {
            while (all.n > mark)
                free(all.v[--all.n]);
            err = names_add(&all, ns->v[i]);
        }
    }
    names_free(ns);
    *ns = all;
    return err;
}

int cmd_args(int argc, char **argv)
{
    if (tool_btf_requested(argc, argv))
        return cmd_btf_args(argc, argv);
    static const struct tool_opt opts[] = {{"json", 'j', false, OPT_JSON},
                                               {"no-debuginfod", 0, false, OPT_NO_DEBUGINFOD},
                                               {NULL, 0, false, 0}};
    static const struct tool_cmd_spec spec = {"args", args_help, opts};
    bool json = false;
    int nops;
    int rc = tool_parse_opts(&spec, argc, argv, args_opt, &json, &nops);
    if (rc)
        return rc == TOOL_HELP_SHOWN ? EXIT_OK : rc;
    if (nops < 2)
        return tool_usage("args", "needs a BINARY or BLOB and at least one FUNCTION");
    struct tool_input in;
    if ((rc = tool_input_open(&in, argv[1], 0, false)))
        return rc;
    struct names ns = {0};
    for (int i = 2; i <= nops && !rc; i++)
        rc = tool_match_funcs(&in, argv[i], &ns);
    if (!rc && in.dw) {
        tyr_diag diag = {0};
        int err = expand_overloads(in.dw, &ns, &diag);
        if (err)
            rc = tool_fail_err(in.path, err, &diag);
    }
    names_sort_unique(&ns);
    /* Every function is found before anything is printed: an error leaves stdout empty. */
    tyr_type *fns = rc ? NULL : calloc(ns.n ? ns.n : 1, sizeof(*fns));
    if (!rc && !fns)
        rc = tool_fail("out of memory");
    for (size_t i = 0; i < ns.n && !rc; i++) {
        tyr_diag diag = {0};
        int err = in.dw ? tyr_dwarf_import_func(in.dw, in.reg, ns.v[i], &fns[i], &diag)
                        : tyr_find(in.reg, ns.v[i], TYR_KIND_FUNC, &fns[i]);
        if (err == TYR_ENOENT)
            rc = tool_fail("no function '%s' in %s", ns.v[i], in.path);
        else if (err)
            rc = tool_fail_err(in.path, err, &diag);
    }
    const char *src = "";
    if (!in.dw)
        tyr_registry_source(in.reg, &src, NULL);
    if (!rc && !in.dw && !*src)
        fprintf(stderr, "tyr args: %s records no source binary (written by an older tyr): the "
                        "probe lines name the blob\n",
                in.path);
    if (!rc && json)
        printf("[");
    for (size_t i = 0; i < ns.n && !rc; i++) {
        int err = print_func(&in, ns.v[i], fns[i], json, i == 0);
        if (err)
            rc = tool_fail_err(in.path, err, NULL);
    }
    if (!rc && json)
        printf("\n]\n");
    free(fns);
    names_free(&ns);
    tool_input_close(&in);
    return rc;
}

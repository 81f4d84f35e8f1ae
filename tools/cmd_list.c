/* SPDX-License-Identifier: MIT */
/*
 * tyr list BINARY|BLOB [PATTERN]: function names, one a line, like `bpftrace -l` without the
 * probe prefix. Over a binary only its symbol tables are read (no DWARF, no type import):
 * every name a uprobe attaches to. Over a blob, the functions it holds a signature for.
 */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "opts.h"
#include "tool.h"

static const char list_help[] =
    "usage: tyr list [--format text|json] BINARY|BLOB [PATTERN]\n"
    "\n"
    "Print function names, one a line, sorted, each once; with PATTERN (a glob: 'fope*')\n"
    "only those it matches. Over a binary: every function symbol a uprobe attaches to, as\n"
    "`bpftrace -l 'uprobe:BINARY:PATTERN'` lists them (versioned names folded into one:\n"
    "fopen@@GLIBC_2.2.5 is fopen), read from the symbol tables only, so it is fast; some\n"
    "(assembly functions, .cold parts) have no debug info for `tyr args`. Over a blob: the\n"
    "functions it holds a signature for. Nothing matched is an error (exit 1).\n"
    "  -F, --format json   {\"command\": \"list\", \"file\", \"pattern\", \"functions\": [...]}\n";

int tool_parse_format(const char *cmd, const char *arg, int *fmt)
{
    if (!strcmp(arg, "text"))
        *fmt = TOOL_FMT_TEXT;
    else if (!strcmp(arg, "json"))
        *fmt = TOOL_FMT_JSON;
    else
        return tool_usage(cmd, "unknown format '%s' (text or json)", arg);
    return EXIT_OK;
}

enum { OPT_FORMAT = 1 };

static int list_opt(void *ctx, int id, const char *arg)
{
    return id == OPT_FORMAT ? tool_parse_format("list", arg, ctx) : EXIT_OK;
}

int cmd_list(int argc, char **argv)
{
    static const struct tool_opt opts[] = {{"format", 'F', true, OPT_FORMAT},
                                           {NULL, 0, false, 0}};
    static const struct tool_cmd_spec spec = {"list", list_help, opts};
    int fmt = TOOL_FMT_TEXT, nops;
    int rc = tool_parse_opts(&spec, argc, argv, list_opt, &fmt, &nops);
    if (rc)
        return rc == TOOL_HELP_SHOWN ? EXIT_OK : rc;
    if (nops < 1 || nops > 2)
        return tool_usage("list", "needs a BINARY or BLOB and at most one PATTERN");
    const char *pattern = nops == 2 ? argv[2] : NULL;
    struct tool_input in;
    if ((rc = tool_input_open(&in, argv[1], 0, TOOL_IN_NO_DWARF)))
        return rc;
    struct names ns = {0};
    tyr_diag diag = {0};
    int err = 0;
    if (in.reg) {
        uint32_t n = tyr_registry_type_count(in.reg);
        for (uint32_t id = 1; id < n && !err; id++) {
            tyr_type t = {id};
            const char *name = tyr_type_name(in.reg, t);
            if (tyr_type_kind(in.reg, t) == TYR_KIND_FUNC &&
                (!pattern || !fnmatch(pattern, name, 0)))
                err = names_add(&ns, name);
        }
        names_sort_unique(&ns);
    } else {
        err = tyr_probe_names(in.path, NULL, pattern,
                              names_add, &ns, &diag);
    }
    if (err)
        rc = tool_fail_err(in.path, err, &diag);
    else if (!ns.n && pattern)
        rc = tool_fail("no function matches '%s' in %s", pattern, in.path);
    else if (!ns.n)
        rc = tool_fail("no functions in %s", in.path);
    if (!rc && fmt == TOOL_FMT_JSON) {
        printf("{\"command\": \"list\", \"file\": ");
        tool_json_str(stdout, in.path);
        printf(", \"pattern\": ");
        if (pattern)
            tool_json_str(stdout, pattern);
        else
            printf("null");
        printf(", \"functions\": [");
        for (size_t i = 0; i < ns.n; i++) {
            printf("%s", i ? ", " : "");
            tool_json_str(stdout, ns.v[i]);
        }
        printf("]}\n");
    } else if (!rc) {
        for (size_t i = 0; i < ns.n; i++)
            puts(ns.v[i]);
    }
    names_free(&ns);
    tool_input_close(&in);
    return rc;
}

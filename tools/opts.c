/* SPDX-License-Identifier: MIT */
/* The subcommands' shared option grammar (opts.h) and the close-spelling hint. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opts.h"
#include "tool.h"

/* Optimal string alignment distance, capped: rows of at most 64 characters. */
static size_t edit_distance(const char *a, const char *b)
{
    size_t n = strlen(a), m = strlen(b);
    if (n > 63 || m > 63)
        return 64;
    size_t d[64][64];
    for (size_t i = 0; i <= n; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= m; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= n; i++) {
        for (size_t j = 1; j <= m; j++) {
            size_t cost = a[i - 1] != b[j - 1];
            size_t v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v)
                v = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < v)
                v = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    }
    return d[n][m];
}

const char *tool_closest(const char *word, const char *const *cands)
{
    size_t limit = strlen(word) <= 4 ? 1 : 2;
    const char *best = NULL;
    size_t best_d = limit + 1;
    for (size_t i = 0; cands[i]; i++) {
        size_t dist = edit_distance(word, cands[i]);
        if (dist < best_d) {
            best_d = dist;
            best = cands[i];
        }
    }
    return best;
}

/* "--name" suggestion for an unknown long option, or "" */
static void option_hint(const struct tool_cmd_spec *spec, const char *word, char *out,
                        size_t len)
{
    const char *names[64];
    size_t n = 0;
    for (const struct tool_opt *o = spec->opts; o && o->name && n < 62; o++)
        names[n++] = o->name;
    names[n++] = "help";
    names[n] = NULL;
    const char *best = tool_closest(word, names);
    if (best)
        snprintf(out, len, ", did you mean '--%s'?", best);
    else
        out[0] = 0;
}

static const struct tool_opt *find_long(const struct tool_cmd_spec *spec, const char *name,
                                        size_t len)
{
    for (const struct tool_opt *o = spec->opts; o && o->name; o++)
        if (strlen(o->name) == len && !strncmp(o->name, name, len))
            return o;
    return NULL;
}

static const struct tool_opt *find_short(const struct tool_cmd_spec *spec, char c)
{
    for (const struct tool_opt *o = spec->opts; o && o->name; o++)
        if (o->short_name == c)
            return o;
    return NULL;
}

static int parse_long(const struct tool_cmd_spec *spec, int argc, char **argv, int *i,
                      tool_opt_fn fn, void *ctx)
{
    const char *body = argv[*i] + 2;
    const char *eq = strchr(body, '=');
    size_t len = eq ? (size_t)(eq - body) : strlen(body);
    if (len == 4 && !strncmp(body, "help", 4) && !eq) {
        fputs(spec->help, stdout);
        return TOOL_HELP_SHOWN;
    }
    const struct tool_opt *o = find_long(spec, body, len);
    if (!o) {
        char word[128], hint[160];
        snprintf(word, sizeof word, "%.*s", (int)(len < 100 ? len : 100), body);
        option_hint(spec, word, hint, sizeof hint);
        return tool_usage(spec->name, "unknown option '--%s'%s", word, hint);
    }
    const char *arg = NULL;
    if (o->has_arg) {
        if (eq)
            arg = eq + 1;
        else if (*i + 1 < argc)
            arg = argv[++*i];
        else
            return tool_usage(spec->name, "option '--%s' needs a value", o->name);
    } else if (eq) {
        return tool_usage(spec->name, "option '--%s' takes no value", o->name);
    }
    return fn(ctx, o->id, arg);
}

static int parse_short(const struct tool_cmd_spec *spec, int argc, char **argv, int *i,
                       tool_opt_fn fn, void *ctx)
{
    for (const char *p = argv[*i] + 1; *p; p++) {
        if (*p == 'h') {
            fputs(spec->help, stdout);
            return TOOL_HELP_SHOWN;
        }
        const struct tool_opt *o = find_short(spec, *p);
        if (!o)
            return tool_usage(spec->name, "unknown option '-%c'", *p);
        if (!o->has_arg) {
            int rc = fn(ctx, o->id, NULL);
            if (rc)
                return rc;
            continue;
        }
        const char *arg = p[1] ? p + 1 : NULL;
        if (!arg && *i + 1 < argc)
            arg = argv[++*i];
        if (!arg)
            return tool_usage(spec->name, "option '-%c' needs a value", *p);
        return fn(ctx, o->id, arg);
    }
    return 0;
}

int tool_parse_opts(const struct tool_cmd_spec *spec, int argc, char **argv, tool_opt_fn fn,
                    void *ctx, int *noperands)
{
    int k = 1; /* operands are compacted into argv[1..k): k never passes i */
    bool options = true;
    for (int i = 1; i < argc; i++) {
        char *a = argv[i];
        int rc = 0;
        if (!options || a[0] != '-' || a[1] == 0)
            argv[k++] = a;
        else if (!strcmp(a, "--"))
            options = false;
        else if (a[1] == '-')
            rc = parse_long(spec, argc, argv, &i, fn, ctx);
        else
            rc = parse_short(spec, argc, argv, &i, fn, ctx);
        if (rc)
            return rc;
    }
    *noperands = k - 1;
    return 0;
}

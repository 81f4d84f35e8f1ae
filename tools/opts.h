/* SPDX-License-Identifier: MIT */
/*
 * The option grammar every tyr subcommand shares, so that a new one (tyr aot, --btf) adopts
 * it with a table and a callback:
 *   - options may come before, between or after operands; `--` ends them (what follows is
 *     an operand even if it starts with '-'); a lone `-` is an operand;
 *   - long options as `--name`, `--name=VALUE` or `--name VALUE`; short ones as `-x`, `-xVALUE`
 *     or `-x VALUE`, and flags bundled (`-ab`);
 *   - `-h`/`--help` prints the command's help on stdout (exit 0);
 *   - a usage error is one line on stderr, `tyr CMD: ... (see tyr CMD --help)`, exit 2, with
 *     a close spelling suggested for a mistyped option.
 */
#ifndef TYR_TOOL_OPTS_H
#define TYR_TOOL_OPTS_H

#include <stdbool.h>

struct tool_opt {
    const char *name; /* long name without "--"; NULL ends the table */
    char short_name;  /* 0: none */
    bool has_arg;     /* takes a VALUE */
    int id;           /* handed to the callback */
};

struct tool_cmd_spec {
    const char *name;            /* "args": used in messages as `tyr args` */
    const char *help;            /* printed by --help */
    const struct tool_opt *opts; /* NULL-name terminated; -h/--help are implied */
};

/* Called once per option, in command-line order; arg is NULL for a flag. Returns EXIT_OK,
 * or the exit code of an error it has printed (tool_usage() for a bad VALUE). */
typedef int (*tool_opt_fn)(void *ctx, int id, const char *arg);

/* What tool_parse_opts() returns when it printed the help: the command exits 0. */
enum { TOOL_HELP_SHOWN = -1 };

/**
 * Parses argv[1..argc) (argv[0] is the command's name). On EXIT_OK the operands, in order,
 * are moved to argv[1..1+*noperands) (argv is permuted in place). Returns EXIT_OK,
 * TOOL_HELP_SHOWN, EXIT_USAGE (the line printed), or the callback's error code.
 */
int tool_parse_opts(const struct tool_cmd_spec *spec, int argc, char **argv, tool_opt_fn fn,
                    void *ctx, int *noperands);

/* The candidate closest to word by edit distance (insert, delete, substitute, swap two
 * neighbours), if close enough to be a typo (at most 1 edit for words of up to 4
 * characters, 2 beyond); NULL otherwise. cands is NULL-terminated. */
const char *tool_closest(const char *word, const char *const *cands);

#endif

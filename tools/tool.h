/* SPDX-License-Identifier: MIT */
/* Shared by the tyr command's subcommands: exit codes, error lines, opening inputs. */
#ifndef TYR_TOOL_H
#define TYR_TOOL_H

#include <stdbool.h>
#include <stdio.h>

#include "tyr/tyr.h"
#include "tyr/blob.h"
#include "tyr/dwarf.h"

enum { EXIT_OK = 0, EXIT_BAD_INPUT = 1, EXIT_USAGE = 2 };

/* Print "tyr: <message>" as one line on stderr; returns EXIT_BAD_INPUT. */
int tool_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print "tyr CMD: <message>" and a pointer to --help; returns EXIT_USAGE. */
int tool_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "tyr: PATH: <what the error means>[: diag]" for a library error; returns EXIT_BAD_INPUT. */
int tool_fail_err(const char *path, int err, const tyr_diag *diag);

/* What a path names: a tyr blob (read through the mapped registry), or an ELF binary with
 * DWARF (read through the importer into a fresh building registry). An ELF file carrying a
 * `.tyr` section is read as a blob. */
struct tool_input {
    const char *path;
    tyr_registry *reg; /* mapped for a blob; building (filled on demand) for a binary */
    tyr_dwarf *dw;     /* binaries only */
};
/* What tool_input_open() accepts and reads. */
enum tool_in_mode {
    TOOL_IN_ANY = 0,      /* a blob, or a binary whose DWARF is opened for import */
    TOOL_IN_BLOB = 1,     /* a blob only: an ELF file without a .tyr section is an error */
    TOOL_IN_NO_DWARF = 2, /* a blob, or a binary left unopened (in->reg and in->dw NULL) */
};
/* Opens path (the blob at offset of it). On failure prints the one line and returns
 * EXIT_BAD_INPUT. */
int tool_input_open(struct tool_input *in, const char *path, uint64_t offset, int mode);
/* Closes the input; first prints one warning line if name lookups left out DIEs whose
 * names could not be read (tyr_dwarf_unreadable_names). */
void tool_input_close(struct tool_input *in);

/* Set by --no-debuginfod: no debuginfod server is asked for a missing debug file. */
extern bool tool_no_debuginfod;
/* The help line of --no-debuginfod, shared by the commands that take it. */
#define TOOL_DEBUGINFOD_HELP                                                            \
    "      --no-debuginfod  do not ask debuginfod servers (DEBUGINFOD_URLS) for a missing\n" \
    "                     debug file\n"
/* tyr_dwarf_open() with the tool's debuginfod settings: --no-debuginfod, and on a terminal
 * a download's progress on stderr (cleared when it ends). */
int tool_dwarf_open(const char *path, tyr_diag *diag, tyr_dwarf **out);

/* True if s has glob characters (*, ?, [). */
bool tool_is_glob(const char *s);
/* Parses a decimal or 0x-hex unsigned number; false on junk or overflow. */
bool tool_parse_u64(const char *s, uint64_t *out);

/* Resolves "NAME", "struct NAME", "union NAME", "enum NAME" in a registry (blob or already
 * imported); for a binary, imports it first. Prints the error line itself. */
int tool_find_type(struct tool_input *in, const char *spec, tyr_type *out);

/* A growing list of strdup'ed names (owned; names_free frees them and the array). */
struct names {
    char **v;
    size_t n, cap;
};
int names_add(void *ctx, const char *name); /* a tyr_dwarf_func_fn: 0 or TYR_ENOMEM */
void names_sort_unique(struct names *ns);
void names_free(struct names *ns);

/* The functions PATTERN names in an input, sorted, each once, appended to ns: over a binary
 * through the library's matcher (tyr_dwarf_match_funcs: the probe names with a DWARF
 * definition), over a blob its FUNC records whose names match. A name without glob
 * characters is taken as it is (the import says whether it exists). Prints the one line
 * and returns EXIT_BAD_INPUT when a glob matches nothing or on an error. */
int tool_match_funcs(struct tool_input *in, const char *pattern, struct names *ns);

/* Colour for a stream: only on a terminal, never when NO_COLOR is set (no-color.org). */
bool tool_colour(FILE *f);

/* A JSON string literal of s (quotes, backslashes and control characters escaped). */
void tool_json_str(FILE *f, const char *s);
/* The C spelling of t (tyr_type_spell) in a malloc'd string (owner: the caller, free()), or
 * NULL when it cannot be spelled or memory runs out. */
char *tool_spell(const tyr_registry *reg, tyr_type t, const char *decl, uint32_t flags);
/* Prints what a blob written by `import` holds, read back from the file (at off): one line,
 * EXIT_OK, or one error line and its exit status. */
int tool_write_summary(const char *path, uint64_t off, uint64_t len, uint32_t imported,
                       bool pruned);
/* --format for list, stats and verify: text (default) or json (docs/json.md). */
enum { TOOL_FMT_TEXT = 0, TOOL_FMT_JSON = 1 };
int tool_parse_format(const char *cmd, const char *arg, int *fmt);

int cmd_list(int argc, char **argv);
int cmd_args(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_decode(int argc, char **argv);
int cmd_aot(int argc, char **argv);

/* tools/cmd_btf.c: the --btf forms of import and args (kernel BTF through libtyr-btf). */
bool tool_btf_requested(int argc, char **argv);
int cmd_btf_import(int argc, char **argv);
int cmd_btf_args(int argc, char **argv);

#endif

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
/* Opens path (the blob at offset of it); with blob_only, an ELF file without a .tyr section
 * is an error instead of a binary to import from. On failure prints the one line and returns
 * EXIT_BAD_INPUT. */
int tool_input_open(struct tool_input *in, const char *path, uint64_t offset, bool blob_only);
void tool_input_close(struct tool_input *in);

/* True if s has glob characters (*, ?, [). */
bool tool_is_glob(const char *s);
/* Parses a decimal or 0x-hex unsigned number; false on junk or overflow. */
bool tool_parse_u64(const char *s, uint64_t *out);

/* Resolves "NAME", "struct NAME", "union NAME", "enum NAME" in a registry (blob or already
 * imported); for a binary, imports it first. Prints the error line itself. */
int tool_find_type(struct tool_input *in, const char *spec, tyr_type *out);

int cmd_args(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_decode(int argc, char **argv);
int cmd_aot(int argc, char **argv);

#endif

/* SPDX-License-Identifier: MIT */
/* tyr verify and tyr stats: checking and measuring a blob. */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "opts.h"
#include "tool.h"

static const char verify_help[] =
    "usage: tyr verify [--audit] [--offset N] [--format text|json] FILE\n"
    "\n"
    "Verify the tyr blob in FILE (at byte N of it, default 0; or the .tyr section of an ELF\n"
    "file): exit 0 with a one-line summary, or exit 1 with the first error and the byte\n"
    "offset (from the blob's start) where it was found. By default the checks every open\n"
    "makes: everything memory safety and termination depend on (docs/format.md).\n"
    "      --audit          also the integrity checks: the checksum, every name in the\n"
    "                       bucket it hashes to, the name index complete\n"
    "      --offset N       the blob starts at byte N (an .aot file)\n"
    "  -F, --format json   {\"command\": \"verify\", \"file\", \"ok\", counts} (docs/json.md)\n";

static const char stats_help[] =
    "usage: tyr stats [--offset N] [--format text|json] FILE\n"
    "\n"
    "Counts per kind, records and bytes per table, bytes per type, for a tyr blob (or for\n"
    "everything a binary's DWARF holds, imported first).\n"
    "      --offset N       the blob starts at byte N (an .aot file)\n"
    "  -F, --format json   {\"command\": \"stats\", \"file\", kinds, tables} (docs/json.md)\n";

enum { OPT_OFFSET = 1, OPT_FORMAT, OPT_AUDIT };

struct inspect_args {
    const char *cmd;
    uint64_t offset;
    int fmt;
    bool audit;
};

static int inspect_opt(void *ctx, int id, const char *arg)
{
    struct inspect_args *a = ctx;
    if (id == OPT_OFFSET && !tool_parse_u64(arg, &a->offset))
        return tool_usage(a->cmd, "--offset needs a number, not '%s'", arg);
    if (id == OPT_FORMAT)
        return tool_parse_format(a->cmd, arg, &a->fmt);
    if (id == OPT_AUDIT)
        a->audit = true;
    return EXIT_OK;
}

/* Options and the one FILE operand (argv[1] afterwards); -1: help shown. */
static int parse_inspect(const char *cmd, const char *help, int argc, char **argv,
                         struct inspect_args *a, bool with_audit)
{
    static const struct tool_opt opts[] = {{"offset", 0, true, OPT_OFFSET},
                                           {"format", 'F', true, OPT_FORMAT},
                                           {NULL, 0, false, 0}};
    static const struct tool_opt verify_opts[] = {{"offset", 0, true, OPT_OFFSET},
                                                  {"format", 'F', true, OPT_FORMAT},
                                                  {"audit", 0, false, OPT_AUDIT},
                                                  {NULL, 0, false, 0}};
    const struct tool_cmd_spec spec = {cmd, help, with_audit ? verify_opts : opts};
    a->cmd = cmd;
    int nops;
    int rc = tool_parse_opts(&spec, argc, argv, inspect_opt, a, &nops);
    if (rc)
        return rc;
    if (nops != 1)
        return tool_usage(cmd, "needs exactly one FILE");
    return EXIT_OK;
}

/* The recorded source binary: ", from PATH (build-id ID)" in text, or a JSON member. */
static void source_text(const tyr_registry *reg)
{
    const char *path, *id;
    tyr_registry_source(reg, &path, &id);
    if (*path)
        printf("; from %s%s%s%s", path, *id ? " (build-id " : "", id, *id ? ")" : "");
}

static void source_json(const tyr_registry *reg)
{
    const char *path, *id;
    tyr_registry_source(reg, &path, &id);
    printf(", \"source\": ");
    if (!*path) {
        printf("null");
        return;
    }
    printf("{\"path\": ");
    tool_json_str(stdout, path);
    printf(", \"build_id\": ");
    tool_json_str(stdout, id);
    printf("}");
}

/* The audit level on the blob tool_input_open() found (at offset, or the ELF file's .tyr
 * section): the same open with TYR_LOAD_AUDIT. EXIT_OK, or the one line and its code. */
static int audit_open(const char *path, uint64_t offset)
{
    unsigned char magic[4] = {0};
    tyr_diag diag = {0};
    tyr_registry *reg = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC), err;
    ssize_t n = fd < 0 ? -1 : pread(fd, magic, sizeof magic, (off_t)offset);
    if (fd >= 0)
        close(fd);
    if (n == 4 && !memcmp(magic, "tyr", 4))
        err = tyr_registry_open_path(
            path, TYR_OPTS(tyr_load_opts, .offset = offset, .flags = TYR_LOAD_AUDIT),
            &reg, &diag);
    else
        err = tyr_registry_open_elf(
            path, TYR_OPTS(tyr_load_opts, .flags = TYR_LOAD_AUDIT), &reg, &diag);
    tyr_registry_free(reg);
    return err ? tool_fail_err(path, err, &diag) : EXIT_OK;
}

int cmd_verify(int argc, char **argv)
{
    struct inspect_args a = {0};
    int rc = parse_inspect("verify", verify_help, argc, argv, &a, true);
    if (rc)
        return rc == TOOL_HELP_SHOWN ? EXIT_OK : rc;
    const char *path = argv[1];
    struct tool_input in;
    if ((rc = tool_input_open(&in, path, a.offset, TOOL_IN_BLOB)))
        return rc;
    if (a.audit && (rc = audit_open(path, a.offset))) {
        tool_input_close(&in);
        return rc;
    }
    tyr_registry_stats st = {.sz = sizeof st};
    tyr_registry_get_stats(in.reg, &st);
    if (a.fmt == TOOL_FMT_JSON) {
        printf("{\"command\": \"verify\", \"file\": ");
        tool_json_str(stdout, path);
        printf(", \"offset\": %llu, \"ok\": true, \"level\": \"%s\", \"types\": %u, "
               "\"fields\": %u, \"named\": %u, \"arena_bytes\": %llu",
               (unsigned long long)a.offset, a.audit ? "audit" : "safe", st.types - 1, st.fields,
               st.named, (unsigned long long)st.bytes_arena);
        source_json(in.reg);
        printf("}\n");
    } else {
        printf("%s: ok%s: %u types, %u fields, %u named, %llu arena bytes", path,
               a.audit ? " (audit)" : "", st.types - 1, st.fields, st.named,
               (unsigned long long)st.bytes_arena);
        source_text(in.reg);
        printf("\n");
    }
    tool_input_close(&in);
    return EXIT_OK;
}

static void row(const char *name, uint64_t records, uint64_t bytes)
{
    printf("  %-12s %10llu %12llu\n", name, (unsigned long long)records, (unsigned long long)bytes);
}

static void row_bytes(const char *name, uint64_t bytes)
{
    printf("  %-12s %10s %12llu\n", name, "-", (unsigned long long)bytes);
}

static void stats_text(const char *path, const tyr_registry *reg, const tyr_registry_stats *st,
                       bool dwarf, long long file_bytes)
{
    printf("%s: %u types, %llu arena bytes", path, st->types - 1,
           (unsigned long long)st->bytes_arena);
    if (file_bytes >= 0)
        printf(", file %lld bytes", file_bytes);
    printf("%s\n", dwarf ? " (imported from DWARF, not a blob)" : "");
    const char *src, *id;
    tyr_registry_source(reg, &src, &id);
    if (*src)
        printf("  from %s%s%s%s\n", src, *id ? " (build-id " : "", id, *id ? ")" : "");
    printf("  %-12s %10s\n", "kind", "types");
    for (int k = 1; k < TYR_KIND_COUNT_; k++)
        if (st->per_kind[k])
            printf("  %-12s %10u\n", tyr_kind_name(k), st->per_kind[k]);
    printf("  %-12s %10s %12s\n", "table", "records", "bytes");
    row("types+void", st->types, st->bytes_types);
    row("layouts", st->layouts, st->bytes_layouts);
    row("fields", st->fields, st->bytes_fields);
    row("enumerators", st->enumerators, st->bytes_enumerators);
    row("params", st->params, st->bytes_params);
    row_bytes("strings", st->bytes_strings);
    row("name index", st->named, st->bytes_index); /* one id per named type + bucket starts */
    if (st->types > 1)
        printf("  bytes per type: %.1f\n", (double)st->bytes_arena / (st->types - 1));
}

static void json_table(const char *name, uint64_t records, uint64_t bytes, bool last)
{
    printf("\"%s\": {\"records\": %llu, \"bytes\": %llu}%s", name, (unsigned long long)records,
           (unsigned long long)bytes, last ? "" : ", ");
}

static void stats_json(const char *path, const tyr_registry *reg, const tyr_registry_stats *st,
                       bool dwarf, long long file_bytes)
{
    printf("{\"command\": \"stats\", \"file\": ");
    tool_json_str(stdout, path);
    printf(", \"source\": \"%s\", \"types\": %u, \"arena_bytes\": %llu, \"file_bytes\": ",
           dwarf ? "dwarf" : "blob", st->types - 1, (unsigned long long)st->bytes_arena);
    if (file_bytes >= 0)
        printf("%lld", file_bytes);
    else
        printf("null");
    source_json(reg);
    printf(", \"kinds\": {");
    bool first = true;
    for (int k = 1; k < TYR_KIND_COUNT_; k++) {
        if (!st->per_kind[k])
            continue;
        printf("%s\"%s\": %u", first ? "" : ", ", tyr_kind_name(k), st->per_kind[k]);
        first = false;
    }
    printf("}, \"tables\": {");
    json_table("types", st->types, st->bytes_types, false);
    json_table("fields", st->fields, st->bytes_fields, false);
    json_table("enumerators", st->enumerators, st->bytes_enumerators, false);
    json_table("params", st->params, st->bytes_params, false);
    printf("\"strings\": {\"records\": null, \"bytes\": %llu}, ",
           (unsigned long long)st->bytes_strings);
    json_table("name_index", st->named, st->bytes_index, true);
    printf("}}\n");
}

int cmd_stats(int argc, char **argv)
{
    struct inspect_args a = {0};
    int rc = parse_inspect("stats", stats_help, argc, argv, &a, false);
    if (rc)
        return rc == TOOL_HELP_SHOWN ? EXIT_OK : rc;
    const char *path = argv[1];
    struct tool_input in;
    if ((rc = tool_input_open(&in, path, a.offset, TOOL_IN_ANY)))
        return rc;
    if (in.dw) {
        tyr_diag diag = {0};
        int err = tyr_dwarf_import_all(
            in.dw, in.reg,
            TYR_OPTS(tyr_dwarf_all_opts, .flags = TYR_DWARF_ALL_FUNCS), &diag);
        if (err) {
            rc = tool_fail_err(path, err, &diag);
            tool_input_close(&in);
            return rc;
        }
    }
    tyr_registry_stats st = {.sz = sizeof st};
    tyr_registry_get_stats(in.reg, &st);
    struct stat sb;
    long long file_bytes = !in.dw && stat(path, &sb) == 0 ? (long long)sb.st_size : -1;
    if (a.fmt == TOOL_FMT_JSON)
        stats_json(path, in.reg, &st, in.dw != NULL, file_bytes);
    else
        stats_text(path, in.reg, &st, in.dw != NULL, file_bytes);
    tool_input_close(&in);
    return EXIT_OK;
}

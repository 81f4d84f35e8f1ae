/* SPDX-License-Identifier: MIT */
/* tyr verify FILE [--offset N] and tyr stats FILE: checking and measuring a blob. */
#include <getopt.h>
#include <sys/stat.h>

#include "tool.h"

static const char verify_help[] =
    "usage: tyr verify FILE [--offset N]\n"
    "\n"
    "Verify the tyr blob in FILE (at byte N of it, default 0; or the .tyr section of an ELF\n"
    "file): exit 0 with a one-line summary, or exit 1 with the first error and the byte\n"
    "offset (from the blob's start) where it was found.\n";

static const char stats_help[] =
    "usage: tyr stats FILE [--offset N]\n"
    "\n"
    "Counts per kind, records and bytes per table, bytes per type, for a tyr blob (or for\n"
    "everything a binary's DWARF holds, imported first).\n";

static int parse_offset_opt(const char *cmd, const char *help, int argc, char **argv,
                            uint64_t *offset)
{
    static const struct option opts[] = {
        {"offset", required_argument, NULL, 'O'}, {"help", no_argument, NULL, 'h'}, {0, 0, 0, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'O') {
            if (!tool_parse_u64(optarg, offset))
                return tool_usage(cmd, "--offset needs a number, not '%s'", optarg);
        } else if (c == 'h') {
            fputs(help, stdout);
            return -1;
        } else {
            return tool_usage(cmd, "bad option");
        }
    }
    if (argc - optind != 1)
        return tool_usage(cmd, "needs exactly one FILE");
    return EXIT_OK;
}

int cmd_verify(int argc, char **argv)
{
    uint64_t offset = 0;
    int rc = parse_offset_opt("verify", verify_help, argc, argv, &offset);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    const char *path = argv[optind];
    struct tool_input in;
    if ((rc = tool_input_open(&in, path, offset, true)))
        return rc;
    tyr_registry_stats st;
    tyr_registry_get_stats(in.reg, &st);
    printf("%s: ok: %u types, %u fields, %u named, %llu arena bytes\n", path, st.types - 1,
           st.fields, st.named, (unsigned long long)st.bytes_arena);
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

int cmd_stats(int argc, char **argv)
{
    uint64_t offset = 0;
    int rc = parse_offset_opt("stats", stats_help, argc, argv, &offset);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    const char *path = argv[optind];
    struct tool_input in;
    if ((rc = tool_input_open(&in, path, offset, false)))
        return rc;
    if (in.dw) {
        tyr_diag diag = {0};
        int err = tyr_dwarf_import_all_opts(
            in.dw, in.reg,
            TYR_OPTS(tyr_dwarf_all_opts, .flags = TYR_DWARF_ALL_FUNCS, .diag = &diag));
        if (err) {
            rc = tool_fail_err(path, err, &diag);
            tool_input_close(&in);
            return rc;
        }
    }
    tyr_registry_stats st;
    tyr_registry_get_stats(in.reg, &st);
    struct stat sb;
    printf("%s: %u types, %llu arena bytes", path, st.types - 1,
           (unsigned long long)st.bytes_arena);
    if (!in.dw && stat(path, &sb) == 0)
        printf(", file %llu bytes", (unsigned long long)sb.st_size);
    printf("%s\n", in.dw ? " (imported from DWARF, not a blob)" : "");
    printf("  %-12s %10s\n", "kind", "types");
    for (int k = 1; k < TYR_KIND_COUNT_; k++)
        if (st.per_kind[k])
            printf("  %-12s %10u\n", tyr_kind_name(k), st.per_kind[k]);
    printf("  %-12s %10s %12s\n", "table", "records", "bytes");
    row("types+void", st.types, st.bytes_types);
    row("fields", st.fields, st.bytes_fields);
    row("enumerators", st.enumerators, st.bytes_enumerators);
    row("params", st.params, st.bytes_params);
    row_bytes("strings", st.bytes_strings);
    row("name index", st.named, st.bytes_index);
    if (st.types > 1)
        printf("  bytes per type: %.1f\n", (double)st.bytes_arena / (st.types - 1));
    tool_input_close(&in);
    return EXIT_OK;
}

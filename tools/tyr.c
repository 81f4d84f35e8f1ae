/* SPDX-License-Identifier: MIT */
/*
 * The tyr command: argument parsing and printing only; all logic lives in the library.
 * Exit codes: 0 success, 1 bad input or not found, 2 usage. Errors are one line on stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tool.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: tyr [--help] [--version] COMMAND [ARGS]\n"
            "\n"
            "tyr: an arena-owned type registry for ahead-of-time tracing runtimes.\n"
            "\n"
            "commands:\n"
            "  args     BINARY|BLOB FUNCTION...   a function's parameters, as bpftrace -lv\n"
            "  import   BINARY [--function F]... [--type T]... [--all] -o OUT.tyr\n"
            "                                     write a blob pruned to what F and T reach\n"
            "  dump     FILE|BINARY [TYPE...] [--format c|json|layout]\n"
            "  verify   FILE [--offset N]         check a blob; the first error and its offset\n"
            "  stats    FILE                      counts per kind, bytes per table\n"
            "  decode   FILE TYPE (--hex BYTES | --raw PATH)\n"
            "                                     print raw bytes as a value of TYPE\n"
            "  aot      build|run|stats|verify    write an .aot file from DWARF; trace uprobes\n"
            "                                     from it with no DWARF (tyr aot --help)\n"
            "\n"
            "Each command has --help. docs/tyr.md is the manual.\n");
}

int tool_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("tyr: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return EXIT_BAD_INPUT;
}

int tool_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "tyr %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, " (see tyr %s --help)\n", cmd);
    va_end(ap);
    return EXIT_USAGE;
}

int tool_fail_err(const char *path, int err, const tyr_diag *diag)
{
    if (err == TYR_EIO && errno)
        return tool_fail("%s: %s: %s", path, tyr_strerror(err), strerror(errno));
    if (diag && diag->err == err && diag->what[0]) {
        if (err == TYR_ECORRUPT || err == TYR_ETRUNC || err == TYR_EVERSION ||
            err == TYR_EBYTEORDER || err == TYR_EALIGN)
            return tool_fail("%s: byte %llu: %s", path, (unsigned long long)diag->offset,
                             diag->what);
        if (err == TYR_EDWARF)
            return tool_fail("%s: DIE 0x%llx: %s", path, (unsigned long long)diag->offset,
                             diag->what);
        return tool_fail("%s: %s: %s", path, tyr_strerror(err), diag->what);
    }
    return tool_fail("%s: %s", path, tyr_strerror(err));
}

bool tool_is_glob(const char *s)
{
    return strpbrk(s, "*?[") != NULL;
}

bool tool_parse_u64(const char *s, uint64_t *out)
{
    if (!s || !*s || *s == '-')
        return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

/* The first bytes decide: "tyr\0" is a blob, "\177ELF" a binary (or an ELF with a .tyr). */
int tool_input_open(struct tool_input *in, const char *path, uint64_t offset, bool blob_only)
{
    memset(in, 0, sizeof(*in));
    in->path = path;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return tool_fail("%s: %s", path, strerror(errno));
    unsigned char magic[4] = {0};
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return tool_fail("%s: %s", path, strerror(e));
    }
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        return tool_fail("%s: %s", path, strerror(EISDIR));
    }
    ssize_t n = pread(fd, magic, sizeof(magic), (off_t)offset);
    close(fd);
    tyr_diag diag = {0};
    int err;
    if (n == 4 && !memcmp(magic, "tyr", 4)) {
        err = tyr_registry_open_path(path, TYR_OPTS(tyr_load_opts, .offset = offset, .diag = &diag),
                                     &in->reg);
        return err ? tool_fail_err(path, err, &diag) : EXIT_OK;
    }
    /* Only a blob can start elsewhere than at byte 0 (--offset: the .aot case). */
    if (offset && S_ISREG(st.st_mode) && offset >= (uint64_t)st.st_size)
        return tool_fail("%s: offset %" PRIu64 " is past the end of the %lld-byte file", path,
                         offset, (long long)st.st_size);
    if (offset)
        return tool_fail("%s: no tyr blob at offset %" PRIu64, path, offset);
    if (n != 4 || memcmp(magic, "\177ELF", 4))
        return tool_fail("%s: not a tyr blob or an ELF file", path);
    err = tyr_registry_open_elf(path, TYR_OPTS(tyr_load_opts, .diag = &diag), &in->reg);
    if (!err)
        return EXIT_OK;
    if (err == TYR_ENOENT && blob_only)
        return tool_fail("%s: no tyr blob (an ELF file without a .tyr section)", path);
    if (err != TYR_ENOENT)
        return tool_fail_err(path, err, &diag);
    memset(&diag, 0, sizeof(diag));
    err = tyr_dwarf_open(path, TYR_OPTS(tyr_dwarf_opts, .diag = &diag), &in->dw);
    if (err)
        return tool_fail_err(path, err, &diag);
    err = tyr_registry_new(NULL, &in->reg);
    if (err) {
        tyr_dwarf_free(in->dw);
        in->dw = NULL;
        return tool_fail_err(path, err, NULL);
    }
    return EXIT_OK;
}

void tool_input_close(struct tool_input *in)
{
    tyr_registry_free(in->reg);
    tyr_dwarf_free(in->dw);
    memset(in, 0, sizeof(*in));
}

int tool_find_type(struct tool_input *in, const char *spec, tyr_type *out)
{
    static const struct {
        const char *prefix;
        int kind;
    } tags[] = {{"struct ", TYR_KIND_STRUCT}, {"union ", TYR_KIND_UNION}, {"enum ", TYR_KIND_ENUM}};
    int kind = TYR_KIND_ANY;
    const char *name = spec;
    for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
        size_t len = strlen(tags[i].prefix);
        if (!strncmp(spec, tags[i].prefix, len)) {
            kind = tags[i].kind;
            name = spec + len;
            break;
        }
    }
    int err;
    if (in->dw) {
        tyr_diag diag = {0};
        err = tyr_dwarf_import_type(in->dw, in->reg, name, kind, out, &diag);
        if (err == TYR_ENOENT)
            return tool_fail("%s: no type '%s'", in->path, spec);
        return err ? tool_fail_err(in->path, err, &diag) : EXIT_OK;
    }
    /* In a blob a definition is preferred: the newest struct of the name with members. */
    err = tyr_find(in->reg, name, kind, out);
    if (err)
        return tool_fail("%s: no type '%s'", in->path, spec);
    return EXIT_OK;
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*run)(int, char **);
    } cmds[] = {
        {"args", cmd_args},     {"import", cmd_import}, {"dump", cmd_dump},
        {"verify", cmd_verify}, {"stats", cmd_stats},   {"decode", cmd_decode},
        {"aot", cmd_aot},
    };
    if (argc < 2) {
        fprintf(stderr, "tyr: missing command (see tyr --help)\n");
        return EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return EXIT_OK;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("tyr %s\n", tyr_version_string());
        return EXIT_OK;
    }
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
        if (!strcmp(argv[1], cmds[i].name))
            return cmds[i].run(argc - 1, argv + 1);
    fprintf(stderr, "tyr: unknown command '%s' (see tyr --help)\n", argv[1]);
    return EXIT_USAGE;
}

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

#include "opts.h"
#include "tool.h"

static const char tyr_help[] =
    "usage: tyr [-h|--help] [-V|--version] COMMAND [ARGS]\n"
    "\n"
    "tyr: an arena-owned type registry for ahead-of-time tracing runtimes.\n"
    "\n"
    "commands:\n"
    "  list     BINARY|BLOB [PATTERN]    function names a uprobe attaches to, as bpftrace -l\n"
    "  args     BINARY|BLOB FUNCTION...   a function's parameters, as bpftrace -lv\n"
    "  import   BINARY [--function F]... [--type T]... [--all] -o OUT.tyr\n"
    "                                     write a blob pruned to what F and T reach\n"
    "  dump     FILE|BINARY [TYPE...] [--format c|json|layout]\n"
    "  verify   FILE [--audit] [--offset N]\n"
    "                                     check a blob; the first error and its offset\n"
    "  stats    FILE                      counts per kind, bytes per table\n"
    "  decode   FILE TYPE (--hex BYTES | --raw PATH)\n"
    "                                     print raw bytes as a value of TYPE\n"
    "  aot      build|run|stats|verify    write an .aot file from DWARF; trace uprobes\n"
    "                                     from it with no DWARF (tyr aot --help)\n"
    "  help     [COMMAND]                 this text, or COMMAND's (as tyr COMMAND --help)\n"
    "\n"
    "Options may come before or after operands; `--` ends them. Exit status: 0 done, 1 bad\n"
    "input or nothing found, 2 usage. Each command has --help; tyr(1) and docs/tyr.md are\n"
    "the manual.\n";

int tool_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs(tool_colour(stderr) ? "\033[1;31mtyr:\033[0m " : "tyr: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return EXIT_BAD_INPUT;
}

int tool_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (tool_colour(stderr))
        fprintf(stderr, "\033[1;31mtyr %s:\033[0m ", cmd);
    else
        fprintf(stderr, "tyr %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, " (see tyr %s --help)\n", cmd);
    va_end(ap);
    return EXIT_USAGE;
}

bool tool_no_debuginfod;

struct download {
    const char *path;
    bool shown;
};

/* libdebuginfod's progress, through the library's callback: one line rewritten in place. */
static int show_download(void *arg, long done, long total)
{
    struct download *d = arg;
    if (total > 0)
        fprintf(stderr, "\rtyr: %s: fetching debug info from debuginfod: %ld of %ld KiB\033[K",
                d->path, done / 1024, total / 1024);
    else
        fprintf(stderr, "\rtyr: %s: fetching debug info from debuginfod: %ld KiB\033[K",
                d->path, done / 1024);
    d->shown = true;
    return 0;
}

int tool_dwarf_open(const char *path, tyr_diag *diag, tyr_dwarf **out)
{
    struct download d = {path, false};
    bool tty = isatty(STDERR_FILENO);
    int err = tyr_dwarf_open(path,
                             TYR_OPTS(tyr_dwarf_opts,
                                      .debuginfod_urls = tool_no_debuginfod ? "" : NULL,
                                      .debuginfod_progress = tty ? show_download : NULL,
                                      .debuginfod_progress_arg = &d),
                             out, diag);
    if (d.shown)
        fputs("\r\033[K", stderr);
    return err;
}

int tool_fail_err(const char *path, int err, const tyr_diag *diag)
{
    if (err == TYR_EIO && errno && !(diag && diag->err == err && diag->what[0]))
        return tool_fail("%s: %s: %s", path, tyr_strerror(err), strerror(errno));
    if (err == TYR_ENODEBUG)
        return tool_fail("%s: no DWARF debug info (%s); install its debug symbols (a -dbg or "
                         "-dbgsym package), or put its .debug file beside it or under "
                         "/usr/lib/debug/.build-id/",
                         path, diag && diag->err == err && diag->what[0] ? diag->what
                                                                         : "not in the file");
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
int tool_input_open(struct tool_input *in, const char *path, uint64_t offset, int mode)
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
        err = tyr_registry_open_path(path, TYR_OPTS(tyr_load_opts, .offset = offset),
                                     &in->reg, &diag);
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
    err = tyr_registry_open_elf(path, NULL, &in->reg, &diag);
    if (!err)
        return EXIT_OK;
    if (err == TYR_ENOENT && mode == TOOL_IN_BLOB)
        return tool_fail("%s: no tyr blob (an ELF file without a .tyr section)", path);
    if (err != TYR_ENOENT)
        return tool_fail_err(path, err, &diag);
    if (mode == TOOL_IN_NO_DWARF)
        return EXIT_OK;
    memset(&diag, 0, sizeof(diag));
    err = tool_dwarf_open(path, &diag, &in->dw);
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
    uint64_t first = 0;
    int in_alt = 0;
    uint64_t bad = tyr_dwarf_unreadable_names(in->dw, &first, &in_alt);
    if (bad) /* what a lookup could not see: said once, whatever the command printed */
        fprintf(stderr, "tyr: warning: %s: %" PRIu64 " name%s unreadable, left out of lookups; "
                "first at DIE 0x%" PRIx64 "%s%s\n", in->path, bad, bad == 1 ? "" : "s", first,
                in_alt ? " of " : "", in_alt ? tyr_dwarf_alt_path(in->dw) : "");
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
        if (err == TYR_ENOENT && !strstr(diag.what, "ambiguous"))
            return tool_fail("%s: no type '%s'", in->path, spec);
        return err ? tool_fail_err(in->path, err, &diag) : EXIT_OK;
    }
    /* In a blob a definition is preferred: the newest struct of the name with members. */
    err = tyr_find(in->reg, name, kind, out);
    if (err)
        return tool_fail("%s: no type '%s'", in->path, spec);
    return EXIT_OK;
}

bool tool_colour(FILE *f)
{
    const char *no = getenv("NO_COLOR");
    return !(no && *no) && isatty(fileno(f));
}

static const struct {
    const char *name;
    int (*run)(int, char **);
} cmds[] = {
    {"list", cmd_list},     {"args", cmd_args},   {"import", cmd_import},
    {"dump", cmd_dump},     {"verify", cmd_verify}, {"stats", cmd_stats},
    {"decode", cmd_decode}, {"aot", cmd_aot},
};
enum { NCMDS = sizeof(cmds) / sizeof(cmds[0]) };

static int run_cmd(const char *name, int argc, char **argv)
{
    for (size_t i = 0; i < NCMDS; i++)
        if (!strcmp(name, cmds[i].name))
            return cmds[i].run(argc, argv);
    const char *names[NCMDS + 2];
    for (size_t i = 0; i < NCMDS; i++)
        names[i] = cmds[i].name;
    names[NCMDS] = "help";
    names[NCMDS + 1] = NULL;
    const char *best = tool_closest(name, names);
    if (best)
        fprintf(stderr, "tyr: unknown command '%s', did you mean '%s'? (see tyr --help)\n",
                name, best);
    else
        fprintf(stderr, "tyr: unknown command '%s' (see tyr --help)\n", name);
    return EXIT_USAGE;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "tyr: missing command (see tyr --help)\n");
        return EXIT_USAGE;
    }
    const char *a = argv[1];
    if (!strcmp(a, "--help") || !strcmp(a, "-h") || (!strcmp(a, "help") && argc == 2)) {
        fputs(tyr_help, stdout);
        return EXIT_OK;
    }
    if (!strcmp(a, "help")) {
        if (argc > 3) {
            fprintf(stderr, "tyr help: takes one COMMAND (see tyr --help)\n");
            return EXIT_USAGE;
        }
        if (!strcmp(argv[2], "help")) {
            fputs(tyr_help, stdout);
            return EXIT_OK;
        }
        char help_opt[] = "--help";
        char *sub[] = {argv[2], help_opt, NULL};
        return run_cmd(argv[2], 2, sub);
    }
    if (!strcmp(a, "--version") || !strcmp(a, "-V")) {
        printf("tyr %s\n", tyr_version_string());
        return EXIT_OK;
    }
    if (a[0] == '-') {
        static const char *const opts[] = {"--help", "--version", NULL};
        const char *best = tool_closest(a, opts);
        if (best)
            fprintf(stderr, "tyr: unknown option '%s', did you mean '%s'? (see tyr --help)\n",
                    a, best);
        else
            fprintf(stderr, "tyr: unknown option '%s' (see tyr --help)\n", a);
        return EXIT_USAGE;
    }
    return run_cmd(a, argc - 1, argv + 1);
}

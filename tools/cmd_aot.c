/* SPDX-License-Identifier: MIT */
/*
 * tyr aot build BINARY PROBE... -o OUT.aot [--deref N] [--field PATH]...
 * tyr aot run FILE.aot [-c CMD | -p PID] [--target PATH]... [--count N] [--format text]
 * tyr aot stats FILE.aot
 * tyr aot verify FILE.aot
 * The build side reads DWARF (the importer) and ELF symbols; the run side needs only the .aot
 * file, the mapped registry and libbpf. Option parsing is self-contained here.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tool.h"
#include "tyr/aot.h"

static const char aot_help[] =
    "usage: tyr aot build BINARY PROBE... -o OUT.aot [--deref N] [--field PATH]...\n"
    "       tyr aot run FILE.aot [-c CMD | -p PID] [--target PATH]... [--count N]\n"
    "                            [--buffer-kb N] [--format text|json]\n"
    "       tyr aot stats FILE.aot\n"
    "       tyr aot verify FILE.aot\n"
    "\n"
    "build: PROBE is FUNCTION (its arguments at entry) or FUNCTION%return (its return value).\n"
    "  -o, --output OUT   the .aot file, written atomically\n"
    "      --deref N      follow pointer-to-record arguments N levels (0 or 1; default 1)\n"
    "      --field PATH   also capture ARG->member[->member...] (e.g. 'n->next->val')\n"
    TOOL_DEBUGINFOD_HELP
    "run: attach the probes (uprobes, by file offset) and print one line per hit.\n"
    "  -c, --command CMD  start CMD (through /bin/sh) once attached; exit with its status\n"
    "  -p, --pid PID      only this process's hits\n"
    "      --target PATH  attach to PATH instead of the recorded binary with its build-id\n"
    "                     (a copy stripped of debug info, say); -c's program is tried too\n"
    "  -n, --count N      stop after N events\n"
    "      --buffer-kb N  the ring buffer's size (a power of two; default 512)\n"
    "      --format F     text (default) or json: one JSON object per line\n"
    "On SIGINT/SIGTERM the probes are detached and events seen/lost per probe go to stderr.\n";

/* ---- build ------------------------------------------------------------------------------ */

/* Whether a symbol is a compiler clone of a function: name.isra.N, .constprop.N, .part.N,
 * .cold (C and C++ symbols have no '.' of their own). */
static bool is_clone_symbol(const char *sym)
{
    const char *dot = strchr(sym, '.');
    return dot && dot != sym &&
           (strstr(dot, ".isra") || strstr(dot, ".constprop") || strstr(dot, ".part") ||
            strstr(dot, ".cold"));
}

/* Where each parameter of the compiler clone `clone` is at its entry, from its DWARF.
 * *out is owned by the caller (free()); the names in it by dw. */
static int clone_locations(tyr_dwarf *dw, const char *clone, tyr_dwarf_param_loc **out,
                           uint32_t *n, tyr_diag *diag)
{
    uint32_t count = 0;
    int err = tyr_dwarf_param_locations(dw, clone, NULL, 0, &count, NULL, diag);
    if (err)
        return err;
    *out = calloc(count ? count : 1, sizeof(**out));
    if (!*out)
        return TYR_ENOMEM;
    *n = count;
    return tyr_dwarf_param_locations(dw, clone, *out, count, &count, NULL, diag);
}

static int aot_build(int argc, char **argv)
{
    enum { OPT_DEREF = 256, OPT_FIELD, OPT_NO_DEBUGINFOD };
    static const struct option opts[] = {{"output", required_argument, NULL, 'o'},
                                         {"deref", required_argument, NULL, OPT_DEREF},
                                         {"field", required_argument, NULL, OPT_FIELD},
                                         {"no-debuginfod", no_argument, NULL, OPT_NO_DEBUGINFOD},
                                         {"help", no_argument, NULL, 'h'},
                                         {0, 0, 0, 0}};
    const char *out = NULL;
    uint64_t deref = TYR_AOT_DEREF_DEFAULT;
    const char **fields = calloc((size_t)argc + 1, sizeof(*fields));
    size_t nfields = 0;
    int c, rc = EXIT_OK;
    if (!fields)
        return tool_fail("out of memory");
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case OPT_DEREF:
            if (!tool_parse_u64(optarg, &deref) || deref > TYR_AOT_DEREF_MAX) {
                rc = tool_usage("aot build", "--deref takes 0 or 1");
                goto done;
            }
            break;
        case OPT_FIELD: fields[nfields++] = optarg; break;
        case OPT_NO_DEBUGINFOD: tool_no_debuginfod = true; break;
        case 'h': fputs(aot_help, stdout); goto done;
        default: rc = tool_usage("aot build", "bad option"); goto done;
        }
    }
    if (argc - optind < 2 || !out) {
        rc = tool_usage("aot build", "needs BINARY, at least one PROBE and -o OUT.aot");
        goto done;
    }
    const char *bin = argv[optind];
    size_t nprobes = (size_t)(argc - optind - 1);
    struct tyr_aot_probe_spec *specs = calloc(nprobes, sizeof(*specs));
    char **names = calloc(nprobes, sizeof(*names));
    const char ***pfields = calloc(nprobes, sizeof(*pfields));
    char *abs = realpath(bin, NULL);
    tyr_dwarf *dw = NULL;
    tyr_registry *reg = NULL;
    uint8_t id[TYR_AOT_BUILD_ID_MAX];
    size_t idlen = 0;
    tyr_diag diag = {0};
    int err;
    bool *field_used = calloc(nfields + 1, sizeof(*field_used));
    char(*clones)[128] = calloc(nprobes, sizeof(*clones));
    tyr_dwarf_param_loc **locs = calloc(nprobes, sizeof(*locs));
    uint32_t *nlocs = calloc(nprobes, sizeof(*nlocs));
    if (!specs || !names || !pfields || !field_used || !clones || !locs || !nlocs) {
        rc = tool_fail("out of memory");
        goto free_all;
    }
    if (!abs) {
        rc = tool_fail("%s: %s", bin, strerror(errno));
        goto free_all;
    }
    err = tyr_aot_read_build_id(abs, id, sizeof(id), &idlen);
    if (err) {
        rc = tool_fail_err(bin, err, NULL);
        goto free_all;
    }
    if ((err = tool_dwarf_open(abs, &diag, &dw)) ||
        (err = tyr_registry_new(NULL, &reg))) {
        rc = tool_fail_err(bin, err, &diag);
        goto free_all;
    }
    for (size_t i = 0; i < nprobes; i++) {
        const char *arg = argv[optind + 1 + (int)i];
        names[i] = strdup(arg);
        if (!names[i]) {
            rc = tool_fail("out of memory");
            goto free_all;
        }
        char *pct = strchr(names[i], '%');
        bool ret = false;
        if (pct) {
            if (strcmp(pct, "%return")) {
                rc = tool_usage("aot build", "probe '%s': only FUNCTION%%return is known", arg);
                goto free_all;
            }
            *pct = '\0';
            ret = true;
        }
        struct tyr_aot_probe_spec *s = &specs[i];
        s->target = abs;
        s->build_id = idlen ? id : NULL;
        s->build_id_len = idlen;
        s->symbol = names[i];
        s->ret = ret;
        s->deref = (uint32_t)deref;
        memset(&diag, 0, sizeof(diag));
        err = tyr_aot_find_symbol(abs, names[i], &s->file_offset, &diag);
        if (err == TYR_ENOTSUP && !ret) {
            /* Only a compiler clone exists: probe it where its DWARF says the parameters are. */
            char why[sizeof(diag.what)];
            snprintf(why, sizeof(why), "%s", diag.what);
            memset(&diag, 0, sizeof(diag));
            err = tyr_aot_find_clone(abs, names[i], clones[i], sizeof(clones[i]),
                                     &s->file_offset, &diag);
            if (err) {
                rc = tool_fail("%s: %s", bin, err == TYR_ENOTSUP || !diag.what[0] ? why
                                                                                    : diag.what);
                goto free_all;
            }
            memset(&diag, 0, sizeof(diag));
            err = clone_locations(dw, clones[i], &locs[i], &nlocs[i], &diag);
            if (err) {
                rc = tool_fail("%s: %s exists only as the compiler's clone %s: %s", bin,
                               names[i], clones[i],
                               diag.what[0] ? diag.what : tyr_strerror(err));
                goto free_all;
            }
            s->symbol = clones[i];
            s->entry_locs = locs[i];
            s->nentry_locs = nlocs[i];
        }
        if (err) {
            rc = tool_fail("%s: %s", bin, diag.what[0] ? diag.what : tyr_strerror(err));
            goto free_all;
        }
        if (!s->entry_locs && is_clone_symbol(names[i])) {
            /* A clone named directly: its parameters are where its DWARF says, not the ABI. */
            if (ret || strstr(strchr(names[i], '.'), ".cold")) {
                rc = tool_fail("%s: %s is a compiler clone: %s", bin, names[i],
                               ret ? "it may return other than its signature says, so its "
                                     "return value is not probed"
                                   : "a split-off cold part, not a function's entry");
                goto free_all;
            }
            memset(&diag, 0, sizeof(diag));
            err = clone_locations(dw, names[i], &locs[i], &nlocs[i], &diag);
            if (err) {
                rc = tool_fail("%s: %s: %s", bin, names[i],
                               diag.what[0] ? diag.what : tyr_strerror(err));
                goto free_all;
            }
            s->entry_locs = locs[i];
            s->nentry_locs = nlocs[i];
        }
        memset(&diag, 0, sizeof(diag));
        err = tyr_dwarf_import_func(dw, reg, names[i], &s->func, &diag);
        if (err == TYR_ENOENT) {
            rc = tool_fail("%s: no DWARF for function '%s'", bin, names[i]);
            goto free_all;
        }
        if (err) {
            rc = tool_fail_err(bin, err, &diag);
            goto free_all;
        }
        /* A field path goes to each entry probe that has an argument of its first name. */
        pfields[i] = calloc(nfields + 1, sizeof(**pfields));
        if (!pfields[i]) {
            rc = tool_fail("out of memory");
            goto free_all;
        }
        tyr_type_info fi;
        tyr_type_get(reg, s->func, &fi);
        for (size_t f = 0; f < nfields && !ret; f++) {
            const char *arrow = strstr(fields[f], "->");
            size_t alen = arrow ? (size_t)(arrow - fields[f]) : strlen(fields[f]);
            for (uint32_t p = 0; p < fi.count; p++) {
                tyr_param_info pi;
                if (!tyr_param_at(reg, s->func, p, &pi) && strlen(pi.name) == alen &&
                    !strncmp(pi.name, fields[f], alen)) {
                    pfields[i][s->nfields++] = fields[f];
                    field_used[f] = true;
                    break;
                }
            }
        }
        s->fields = pfields[i];
    }
    for (size_t f = 0; f < nfields; f++)
        if (!field_used[f]) {
            rc = tool_fail("%s: --field '%s': no probed function has that argument", bin,
                           fields[f]);
            goto free_all;
        }
    memset(&diag, 0, sizeof(diag));
    err = tyr_aot_write_path(reg, specs, nprobes, out, NULL, &diag);
    if (err) {
        rc = tool_fail("%s: %s", out, diag.what[0] ? diag.what : tyr_strerror(err));
        goto free_all;
    }
    tyr_aot *aot;
    memset(&diag, 0, sizeof(diag));
    err = tyr_aot_open_path(out, NULL, &aot, &diag);
    if (err) {
        rc = tool_fail_err(out, err, &diag);
        goto free_all;
    }
    tyr_aot_file_info info;
    tyr_aot_get_info(aot, &info);
    tyr_registry_stats st = {.sz = sizeof st};
    tyr_registry_get_stats(tyr_aot_registry(aot), &st);
    printf("%s: %u probes, %u values, %u capture items; blob %" PRIu64 " bytes (%u types) at "
           "offset %" PRIu64 ", pruned from %u types (%" PRIu64 " bytes)\n",
           out, info.probes, info.values, info.items, info.blob_bytes, st.types - 1,
           info.blob_offset, info.full_types - 1, info.full_blob_bytes);
    tyr_aot_free(aot);
free_all:
    if (pfields)
        for (size_t i = 0; i < nprobes; i++)
            free(pfields[i]);
    free(pfields);
    if (names)
        for (size_t i = 0; i < nprobes; i++)
            free(names[i]);
    free(names);
    if (locs)
        for (size_t i = 0; i < nprobes; i++)
            free(locs[i]);
    free(locs);
    free(nlocs);
    free(clones);
    free(specs);
    free(field_used);
    free(abs);
    tyr_registry_free(reg);
    tyr_dwarf_free(dw);
done:
    free(fields);
    return rc;
}

/* ---- open, verify, stats ------------------------------------------------------------------ */

static int open_aot(const char *path, tyr_aot **out)
{
    tyr_diag diag = {0};
    int err = tyr_aot_open_path(path, NULL, out, &diag);
    if (!err)
        return EXIT_OK;
    if (diag.what[0])
        return tool_fail("%s: byte %" PRIu64 ": %s", path, diag.offset, diag.what);
    return tool_fail_err(path, err, NULL);
}

static void hex_id(char *buf, size_t cap, const uint8_t *id, uint32_t len)
{
    size_t at = 0;
    buf[0] = '\0';
    for (uint32_t i = 0; i < len && at + 3 <= cap; i++)
        at += (size_t)snprintf(buf + at, cap - at, "%02x", id[i]);
    if (!len)
        snprintf(buf, cap, "(none)");
}

static const char *const reg_names[] = {"rdi", "rsi", "rdx", "rcx", "r8", "r9", "rax", "rsp"};

static int aot_stats(const char *path)
{
    tyr_aot *aot;
    int rc = open_aot(path, &aot);
    if (rc)
        return rc;
    const tyr_registry *reg = tyr_aot_registry(aot);
    tyr_aot_file_info info;
    tyr_aot_get_info(aot, &info);
    tyr_registry_stats st = {.sz = sizeof st};
    tyr_registry_get_stats(reg, &st);
    printf("%s: .aot version %u, %" PRIu64 " bytes\n", path, info.version, info.file_bytes);
    printf("blob: %" PRIu64 " bytes at offset %" PRIu64 ", %u types; the full registry: %u "
           "types, %" PRIu64 " bytes\n",
           info.blob_bytes, info.blob_offset, st.types - 1, info.full_types - 1,
           info.full_blob_bytes);
    printf("capture cap: %u bytes per dereferenced value, %u bytes per event\n",
           TYR_AOT_CAPTURE_CAP, 4096u);
    for (uint32_t i = 0; i < info.targets; i++) {
        tyr_aot_target_info t;
        char id[2 * TYR_AOT_BUILD_ID_MAX + 8];
        tyr_aot_target_get(aot, i, &t);
        hex_id(id, sizeof(id), t.build_id, t.build_id_len);
        printf("target %u: %s build-id %s\n", i, t.path, id);
    }
    for (uint32_t i = 0; i < info.probes; i++) {
        tyr_aot_probe_info p;
        tyr_aot_probe_get(aot, i, &p);
        printf("probe %u: %s%s at file offset 0x%" PRIx64 " of target %u, %u bytes per event\n",
               i, p.symbol, p.ret ? "%return" : "", p.file_offset, p.target, p.data_len);
        for (uint32_t k = 0; k < p.values; k++) {
            tyr_aot_value_info v;
            char ty[256];
            tyr_aot_value_get(aot, i, k, &v);
            if (tyr_type_spell(reg, v.type, NULL, 0, ty, sizeof(ty)) < 0)
                snprintf(ty, sizeof(ty), "?");
            static const char *const kinds[] = {"", "arg", "deref", "field", "return"};
            printf("    %-6s %s %s: ", kinds[v.kind], ty, v.name);
            switch (v.where) {
            case TYR_AOT_IN_REGS:
                printf("%s%s%s", reg_names[v.regs[0]], v.nregs > 1 ? ":" : "",
                       v.nregs > 1 ? reg_names[v.regs[1]] : "");
                break;
            case TYR_AOT_ON_STACK: printf("stack, rsp+%" PRId64 " at entry", 8 + v.stack_offset); break;
            case TYR_AOT_IN_MEMORY: printf("memory, %u bytes through %u items", v.data_len, v.nitems); break;
            default: printf("not captured (%s)", v.why); break;
            }
            printf("\n");
        }
    }
    tyr_aot_free(aot);
    return EXIT_OK;
}

static int aot_verify(const char *path)
{
    tyr_aot *aot;
    int rc = open_aot(path, &aot);
    if (rc)
        return rc;
    tyr_aot_file_info info;
    tyr_aot_get_info(aot, &info);
    printf("%s: ok (%u probes, blob of %" PRIu64 " bytes verified)\n", path, info.probes,
           info.blob_bytes);
    tyr_aot_free(aot);
    return EXIT_OK;
}

/* ---- run ----------------------------------------------------------------------------------- */

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
    stop_signal = sig;
}

struct run_ctx {
    const tyr_aot *aot;
    int format; /* TYR_AOT_PRINT_* */
    struct tyr_buf line;
    uint64_t count, limit;
    int err;
};

static int print_event(void *vctx, const tyr_aot_event *ev)
{
    struct run_ctx *ctx = vctx;
    tyr_sink sink = tyr_sink_buf(&ctx->line);
    ctx->line.len = 0;
    int err = tyr_aot_event_print(ctx->aot, ev, ctx->format, &sink);
    if (err && err != TYR_ENOMEM) {
        /* A value the decoder refused: say so on its line rather than print a partial one. */
        ctx->line.len = 0;
        struct tyr_aot_probe_info p;
        tyr_aot_probe_get(ctx->aot, ev->probe, &p);
        if (ctx->format == TYR_AOT_PRINT_JSON)
            printf("{\"probe\": \"%s\", \"error\": \"%s\"}\n", p.symbol, tyr_strerror(err));
        else
            printf("%s: <event not decoded: %s>\n", p.symbol, tyr_strerror(err));
    } else if (err) {
        ctx->err = err;
        return 1;
    } else {
        fwrite(ctx->line.data, 1, ctx->line.len, stdout);
        fputc('\n', stdout);
    }
    ctx->count++;
    return ctx->limit && ctx->count >= ctx->limit ? 1 : 0;
}

/* The program `sh -c CMD` would run: CMD's first word, through PATH. NULL when unknown.
 * The string is malloc'ed; the caller frees it. */
static char *command_program(const char *cmd)
{
    while (*cmd == ' ' || *cmd == '\t')
        cmd++;
    size_t n = strcspn(cmd, " \t;|&<>");
    if (!n)
        return NULL;
    char *word = strndup(cmd, n);
    if (!word || strchr(word, '/'))
        return word;
    const char *path = getenv("PATH");
    for (const char *p = path ? path : ""; *p;) {
        size_t dl = strcspn(p, ":");
        char full[PATH_MAX];
        if (snprintf(full, sizeof(full), "%.*s/%s", (int)dl, p, word) < (int)sizeof(full) &&
            access(full, X_OK) == 0) {
            free(word);
            return strdup(full);
        }
        p += dl + (p[dl] == ':');
    }
    return word;
}

static int aot_run(int argc, char **argv)
{
    enum { OPT_TARGET = 256, OPT_FORMAT, OPT_BUFFER };
    static const struct option opts[] = {{"command", required_argument, NULL, 'c'},
                                         {"pid", required_argument, NULL, 'p'},
                                         {"count", required_argument, NULL, 'n'},
                                         {"target", required_argument, NULL, OPT_TARGET},
                                         {"format", required_argument, NULL, OPT_FORMAT},
                                         {"buffer-kb", required_argument, NULL, OPT_BUFFER},
                                         {"help", no_argument, NULL, 'h'},
                                         {0, 0, 0, 0}};
    const char *cmd = NULL;
    uint64_t pid = 0, limit = 0, buffer_kb = 0;
    int format = TYR_AOT_PRINT_TEXT;
    const char **targets = calloc((size_t)argc + 1, sizeof(*targets));
    size_t ntargets = 0;
    int c, rc = EXIT_OK;
    if (!targets)
        return tool_fail("out of memory");
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:p:n:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c': cmd = optarg; break;
        case 'p':
            if (!tool_parse_u64(optarg, &pid) || !pid || pid > INT32_MAX) {
                free(targets);
                return tool_usage("aot run", "--pid takes a process id");
            }
            break;
        case 'n':
            if (!tool_parse_u64(optarg, &limit) || !limit) {
                free(targets);
                return tool_usage("aot run", "--count takes a positive number");
            }
            break;
        case OPT_TARGET: targets[ntargets++] = optarg; break;
        case OPT_BUFFER:
            if (!tool_parse_u64(optarg, &buffer_kb) || buffer_kb < 16 || buffer_kb > (1u << 20) ||
                (buffer_kb & (buffer_kb - 1))) {
                free(targets);
                return tool_usage("aot run", "--buffer-kb takes a power of two from 16 to 1048576");
            }
            break;
        case OPT_FORMAT:
            if (!strcmp(optarg, "json"))
                format = TYR_AOT_PRINT_JSON;
            else if (strcmp(optarg, "text")) {
                free(targets);
                return tool_usage("aot run", "--format takes text or json");
            }
            break;
        case 'h': fputs(aot_help, stdout); free(targets); return EXIT_OK;
        default: free(targets); return tool_usage("aot run", "bad option");
        }
    }
    if (argc - optind != 1 || (cmd && pid)) {
        free(targets);
        return tool_usage("aot run", "needs one FILE.aot, and at most one of -c and -p");
    }
    const char *path = argv[optind];
    tyr_aot *aot = NULL;
    if ((rc = open_aot(path, &aot))) {
        free(targets);
        return rc;
    }
    tyr_aot_file_info info;
    tyr_aot_get_info(aot, &info);
    const char **paths = calloc(info.targets + 1, sizeof(*paths));
    char *prog = cmd ? command_program(cmd) : NULL;
    struct run_ctx ctx = {.aot = aot, .limit = limit, .format = format};
    tyr_aot_session *s = NULL;
    pid_t child = -1;
    int gate[2] = {-1, -1};
    if (!paths) {
        rc = tool_fail("out of memory");
        goto out;
    }
    /* --target PATH (and -c's program) stand in for the target with the same build-id. */
    for (size_t k = 0; k < ntargets + (prog ? 1 : 0); k++) {
        const char *cand = k < ntargets ? targets[k] : prog;
        uint8_t id[TYR_AOT_BUILD_ID_MAX];
        size_t len = 0;
        int err = tyr_aot_read_build_id(cand, id, sizeof(id), &len);
        bool matched = false;
        for (uint32_t t = 0; !err && len && t < info.targets; t++) {
            tyr_aot_target_info ti;
            tyr_aot_target_get(aot, t, &ti);
            if (ti.build_id_len == len && !memcmp(ti.build_id, id, len)) {
                paths[t] = cand;
                matched = true;
            }
        }
        if (!matched && k < ntargets) {
            char have[2 * TYR_AOT_BUILD_ID_MAX + 8], want[2 * TYR_AOT_BUILD_ID_MAX + 8];
            tyr_aot_target_info ti;
            tyr_aot_target_get(aot, 0, &ti);
            hex_id(have, sizeof(have), id, err ? 0 : (uint32_t)len);
            hex_id(want, sizeof(want), ti.build_id, ti.build_id_len);
            rc = err ? tool_fail_err(cand, err, NULL)
                     : tool_fail("%s: build-id %s matches no target of %s (%s: %s)", cand, have,
                                 path, ti.path, want);
            goto out;
        }
    }
    if (cmd) {
        /* The child waits on a pipe until the probes are attached, then becomes CMD. */
        if (pipe(gate)) {
            rc = tool_fail("pipe: %s", strerror(errno));
            goto out;
        }
        fflush(NULL);
        child = fork();
        if (child < 0) {
            rc = tool_fail("fork: %s", strerror(errno));
            goto out;
        }
        if (child == 0) {
            char go;
            close(gate[1]);
            if (read(gate[0], &go, 1) != 1)
                _exit(127);
            close(gate[0]);
            size_t n = strlen(cmd) + 6;
            char *line = malloc(n);
            if (!line)
                _exit(127);
            snprintf(line, n, "exec %s", cmd);
            execl("/bin/sh", "sh", "-c", line, (char *)NULL);
            _exit(127);
        }
        close(gate[0]);
        gate[0] = -1;
        pid = (uint64_t)child;
    }
    tyr_diag diag = {0};
    int err = tyr_aot_attach(aot,
                             TYR_OPTS(tyr_aot_attach_opts, .pid = (int32_t)pid,
                                      .ringbuf_kb = (uint32_t)buffer_kb,
                                      .paths = paths, .npaths = info.targets),
                             &s, &diag);
    if (err) {
        rc = tool_fail("%s: %s", path, diag.what[0] ? diag.what : tyr_strerror(err));
        goto out;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    if (cmd) {
        if (write(gate[1], "g", 1) != 1) {
            rc = tool_fail("starting the command: %s", strerror(errno));
            goto out;
        }
        close(gate[1]);
        gate[1] = -1;
    }
    int status = 0;
    bool exited = false;
    while (!stop_signal) {
        int r = tyr_aot_poll(s, 100, print_event, &ctx, NULL);
        fflush(stdout);
        bool stopped = r > 0; /* print_event's 1 */
        if (stopped && ctx.err) {
            rc = tool_fail_err(path, ctx.err, NULL);
            break;
        }
        if (stopped)
            break; /* --count reached */
        if (r < 0 && errno != EINTR) {
            rc = tool_fail("%s: polling the ring buffer: %s", path, strerror(errno));
            break;
        }
        if (child > 0 && !exited && waitpid(child, &status, WNOHANG) == child) {
            exited = true;
            /* What the command's last hits produced is already in the ring buffer. */
            uint32_t handled = 0;
            while (tyr_aot_poll(s, 0, print_event, &ctx, &handled) == 0 && handled > 0)
                ;
            fflush(stdout);
            break;
        }
    }
    for (uint32_t i = 0; i < info.probes; i++) {
        tyr_aot_probe_info p;
        uint64_t seen = 0, lost = 0;
        tyr_aot_probe_get(aot, i, &p);
        tyr_aot_counts(s, i, &seen, &lost);
        fprintf(stderr, "tyr aot: %s%s: %" PRIu64 " seen, %" PRIu64 " lost\n", p.symbol,
                p.ret ? "%return" : "", seen, lost);
    }
    if (child > 0) {
        if (!exited) {
            if (stop_signal)
                kill(child, SIGTERM);
            waitpid(child, &status, 0);
        }
        if (!rc)
            rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        child = -1;
    }
out:
    if (child > 0) {
        kill(child, SIGKILL);
        waitpid(child, NULL, 0);
    }
    if (gate[0] >= 0)
        close(gate[0]);
    if (gate[1] >= 0)
        close(gate[1]);
    tyr_aot_detach(s);
    tyr_buf_free(&ctx.line);
    free(prog);
    free(paths);
    free(targets);
    tyr_aot_free(aot);
    return rc;
}

int cmd_aot(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(aot_help, argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    const char *sub = argv[1];
    if (!strcmp(sub, "build"))
        return aot_build(argc - 1, argv + 1);
    if (!strcmp(sub, "run"))
        return aot_run(argc - 1, argv + 1);
    if (!strcmp(sub, "stats") || !strcmp(sub, "verify")) {
        if (argc != 3)
            return tool_usage("aot", "%s needs one FILE.aot", sub);
        return !strcmp(sub, "stats") ? aot_stats(argv[2]) : aot_verify(argv[2]);
    }
    return tool_usage("aot", "unknown subcommand '%s'", sub);
}

/* SPDX-License-Identifier: MIT */
/*
 * bench_import: the DWARF importer against its anchors, side by side, one run.
 *   bench_import [RUNS]          compare on python3.11d (default 5 runs, medians; the
 *                                import-all commands run interleaved, A B C D A B C D ...):
 *                                  every type: tyr import_all vs pahole -j --btf_encode_detached
 *                                  (and pahole without -j) on a copy of the same file;
 *                                  one function: tyr import_func vs bpftrace -lv 'uprobe:...'
 *                                wall time process to process and peak RSS of each, ratios.
 *   bench_import all BIN         import every type; prints units, DIEs visited, types, ms
 *   bench_import allf BIN        the same plus every function's probe signature and its ELF
 *                                aliases (tyr_dwarf_import_all, TYR_DWARF_ALL_FUNCS)
 *   bench_import loopf BIN       import every type, then each function tyr_dwarf_list_funcs
 *                                lists by tyr_dwarf_import_func (what allf replaces)
 *   bench_import func BIN NAME   import one probe signature; prints it as bpftrace -lv does
 *   bench_import walk BIN        no tyr: a bare libdwarf walk of every type DIE and its
 *                                attributes on two threads (libdwarf_walk.c), the reference
 *                                for what libdwarf alone costs; prints the DIEs visited, ms
 * Environment: TYR_BENCH_BIN (default /usr/bin/python3.11d), TYR_BENCH_FUNC (PyObject_Call).
 */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "libdwarf_walk.h"
#include "tyr/tyr.h"

extern char **environ;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int fail(const char *what, int err, const tyr_diag *d)
{
    fprintf(stderr, "bench_import: %s: %s: %s (DIE 0x%llx)\n", what, tyr_strerror(err), d->what,
            (unsigned long long)d->offset);
    return 1;
}

struct loop {
    tyr_dwarf *dw;
    tyr_registry *reg;
    uint64_t n;
    int err;
};

static int import_one(void *ctx, const char *name)
{
    struct loop *l = ctx;
    int err = tyr_dwarf_import_func(l->dw, l->reg, name, NULL, NULL);
    if (err && err != TYR_ENOENT && err != TYR_ENOTSUP) {
        l->err = err;
        return 1;
    }
    l->n += !err;
    return 0;
}

static int do_import(int argc, char **argv)
{
    double t0 = now_ms();
    tyr_diag diag = {0};
    tyr_dwarf *dw = NULL;
    int err = tyr_dwarf_open(argv[2], NULL, &dw, &diag);
    if (err)
        return fail("open", err, &diag);
    tyr_registry *reg = NULL;
    if ((err = tyr_registry_new(NULL, &reg))) {
        tyr_dwarf_free(dw);
        return fail("registry", err, &diag);
    }
    int rc = 0;
    if (!strcmp(argv[1], "all") || !strcmp(argv[1], "allf") || !strcmp(argv[1], "loopf")) {
        tyr_dwarf_stats st = {.sz = sizeof st};
        uint64_t nf = 0;
        uint32_t flags = !strcmp(argv[1], "allf") ? TYR_DWARF_ALL_FUNCS | TYR_DWARF_ALL_ALIASES : 0;
        err = tyr_dwarf_import_all(dw, reg, TYR_OPTS(tyr_dwarf_all_opts, .flags = flags,
                                                          .stats = &st, .funcs = &nf), &diag);
        if (!err && !strcmp(argv[1], "loopf")) {
            struct loop l = {dw, reg, 0, 0};
            err = tyr_dwarf_list_funcs(dw, NULL, import_one, &l, &diag);
            nf = l.n;
            err = err ? err : l.err;
        }
        if (err)
            rc = fail("import_all", err, &diag);
        else
            printf("units %llu dies %llu types %u funcs %llu ms %.1f\n",
                   (unsigned long long)st.units, (unsigned long long)st.dies,
                   tyr_registry_type_count(reg), (unsigned long long)nf, now_ms() - t0);
    } else if (argc >= 4) {
        tyr_type f;
        err = tyr_dwarf_import_func(dw, reg, argv[3], &f, &diag);
        if (err) {
            rc = fail(argv[3], err, &diag);
        } else {
            tyr_type_info ti;
            tyr_type_get(reg, f, &ti);
            printf("uprobe:%s:%s\n", argv[2], argv[3]);
            for (uint32_t i = 0; i < ti.count; i++) {
                tyr_param_info p;
                char buf[256];
                tyr_param_at(reg, f, i, &p);
                tyr_type_spell(reg, p.type, NULL, TYR_SPELL_TIGHT, buf, sizeof buf);
                printf("    %s %s\n", buf, p.name);
            }
            printf("types %u ms %.1f\n", tyr_registry_type_count(reg), now_ms() - t0);
        }
    }
    tyr_registry_free(reg);
    tyr_dwarf_free(dw);
    return rc;
}

/* ---- Side by side ---- */

struct sample {
    double ms;
    double user_ms;     /* user CPU time: less sensitive than wall time to a loaded machine */
    long rss_kb;
    int status;
};

/* Run argv with stdout to out_path and stderr to err_path; wall time and peak RSS. */
static struct sample run_once(char *const *argv, const char *out_path, const char *err_path)
{
    struct sample s = {0, 0, 0, -1};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&fa, 2, err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    double t0 = now_ms();
    pid_t pid;
    if (posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ) == 0) {
        int st = 0;
        struct rusage ru;
        if (wait4(pid, &st, 0, &ru) == pid) {
            s.ms = now_ms() - t0;
            s.user_ms = (double)ru.ru_utime.tv_sec * 1e3 + (double)ru.ru_utime.tv_usec / 1e3;
            s.rss_kb = ru.ru_maxrss;
            s.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
        }
    }
    posix_spawn_file_actions_destroy(&fa);
    return s;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof v[0], cmp_double);
    return v[n / 2];
}

/* Medians over runs of several commands run in turn (A, B, C, A, B, C, ...), so that a
 * change in the machine's load falls on all of them alike. ok[i] false when command i
 * failed (its stderr is kept in err_path[i]; it is not run again). */
#define MAX_RUNS 64
#define MAX_CMDS 5
static void run_medians(char *const *const *argv, int ncmd, int runs, const char *out_path,
                        char err_path[][256], struct sample *med, bool *ok)
{
    static double ms[MAX_CMDS][MAX_RUNS], user[MAX_CMDS][MAX_RUNS], rss[MAX_CMDS][MAX_RUNS];
    if (runs > MAX_RUNS)
        runs = MAX_RUNS;
    for (int c = 0; c < ncmd; c++)
        ok[c] = true;
    for (int i = 0; i < runs; i++) {
        for (int c = 0; c < ncmd; c++) {
            if (!ok[c])
                continue;
            struct sample s = run_once(argv[c], out_path, err_path[c]);
            ok[c] = s.status == 0;
            ms[c][i] = s.ms;
            user[c][i] = s.user_ms;
            rss[c][i] = (double)s.rss_kb;
        }
    }
    for (int c = 0; c < ncmd; c++) {
        if (!ok[c])
            continue;
        med[c].ms = median(ms[c], runs);
        med[c].user_ms = median(user[c], runs);
        med[c].rss_kb = (long)median(rss[c], runs);
        med[c].status = 0;
    }
}

/* Medians over runs of one command; false when it failed (stderr kept in err_path). */
static bool run_median(char *const *argv, int runs, const char *out_path, const char *err_path,
                       struct sample *med)
{
    char errs[1][256];
    snprintf(errs[0], sizeof errs[0], "%s", err_path);
    char *const *cmds[1] = {argv};
    bool ok;
    run_medians(cmds, 1, runs, out_path, errs, med, &ok);
    return ok;
}

static bool have(const char *tool)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", tool);
    return system(cmd) == 0;
}

static void print_file(const char *path, const char *prefix)
{
    FILE *f = fopen(path, "r");
    char line[512];
    while (f && fgets(line, sizeof line, f))
        printf("%s%s", prefix, line);
    if (f)
        fclose(f);
}

static void first_line(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "r");
    buf[0] = 0;
    if (f) {
        if (fgets(buf, (int)len, f))
            buf[strcspn(buf, "\n")] = 0;
        fclose(f);
    }
}

static bool copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    bool ok = in && out;
    char buf[1 << 16];
    size_t n;
    while (ok && (n = fread(buf, 1, sizeof buf, in)) > 0)
        ok = fwrite(buf, 1, n, out) == n;
    if (in)
        fclose(in);
    if (out && fclose(out) != 0)
        ok = false;
    return ok;
}

static int compare(const char *self, int runs)
{
    const char *bin = getenv("TYR_BENCH_BIN") ? getenv("TYR_BENCH_BIN") : "/usr/bin/python3.11d";
    const char *fn = getenv("TYR_BENCH_FUNC") ? getenv("TYR_BENCH_FUNC") : "PyObject_Call";
    printf("bench_import: DWARF import of %s vs pahole and bpftrace (medians of %d runs, "
           "process to process)\n", bin, runs);
    if (access(bin, R_OK) != 0) {
        printf("  skipped: %s not installed (Debian: apt-get install python3.11-dbg)\n", bin);
        return 0;
    }
    char dir[] = "/tmp/tyr-bench-XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    char copy[256], out[256], err[256], btf[256], line[512];
    snprintf(copy, sizeof copy, "%s/copy", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    snprintf(err, sizeof err, "%s/err", dir);
    snprintf(btf, sizeof btf, "--btf_encode_detached=%s/x.btf", dir);
    if (!copy_file(bin, copy) || chmod(copy, 0755) != 0) {
        printf("  cannot copy %s\n", bin);
        return 1;
    }
    int rc = 0;
    struct sample tyr_fn, bt;
    /* Every type: tyr (types only, then with functions) and pahole with and without -j,
     * interleaved run by run. */
    char *a_all[] = {(char *)self, "all", copy, NULL};
    char *a_allf[] = {(char *)self, "allf", copy, NULL};
    char *a_pj[] = {"pahole", "-j", btf, copy, NULL};
    char *a_ps[] = {"pahole", btf, copy, NULL};
    char *a_walk[] = {(char *)self, "walk", copy, NULL};
    char *const *cmds[MAX_CMDS] = {a_all, a_allf, a_walk, a_pj, a_ps};
    int ncmd = have("pahole") ? 5 : 3;
    char errs[MAX_CMDS][256];
    for (int c = 0; c < MAX_CMDS; c++)
        snprintf(errs[c], sizeof errs[c], "%s/err.%d", dir, c);
    struct sample med[MAX_CMDS];
    bool ok[MAX_CMDS];
    run_medians(cmds, ncmd, runs, out, errs, med, ok);
    struct sample tyr_all = med[0], tyr_allf = med[1], walk = med[2], pj = med[3], ps = med[4];
    if (!ok[0]) {
        first_line(errs[0], line, sizeof line);
        printf("  tyr import_all failed: %s\n", line);
        rc = 1;
        goto done;
    }
    /* the first line of each tyr output: run once more, for the counts */
    struct sample once = run_once(a_all, out, err);
    first_line(out, line, sizeof line);
    printf("  tyr import_all                     %8.1f ms %6.1f MB  user %6.1f ms   [%s]\n",
           tyr_all.ms, (double)tyr_all.rss_kb / 1024, tyr_all.user_ms,
           once.status == 0 ? line : "?");
    if (ok[1]) {
        once = run_once(a_allf, out, err);
        first_line(out, line, sizeof line);
        printf("  tyr import_all + every function    %8.1f ms %6.1f MB  user %6.1f ms   [%s]\n",
               tyr_allf.ms, (double)tyr_allf.rss_kb / 1024, tyr_allf.user_ms,
               once.status == 0 ? line : "?");
        printf("  ratio with functions / types only: time %.2fx (target <= 1.3)\n",
               tyr_allf.ms / tyr_all.ms);
    } else {
        first_line(errs[1], line, sizeof line);
        printf("  tyr import_all + every function failed: %s\n", line);
        rc = 1;
    }
    if (ok[2]) {
        once = run_once(a_walk, out, err);
        first_line(out, line, sizeof line);
        printf("  libdwarf walk, no tyr (2 threads)  %8.1f ms %6.1f MB  user %6.1f ms   [%s]\n",
               walk.ms, (double)walk.rss_kb / 1024, walk.user_ms, once.status == 0 ? line : "?");
        printf("  ratio tyr / libdwarf walk: time %.2fx, user CPU %.2fx (what tyr adds to "
               "reading the DIEs)\n", tyr_all.ms / walk.ms, tyr_all.user_ms / walk.user_ms);
    } else {
        first_line(errs[2], line, sizeof line);
        printf("  libdwarf walk failed: %s\n", line);
    }
    if (ncmd < 5) {
        printf("  pahole not installed (apt-get install dwarves)\n");
    } else if (ok[3] && ok[4]) {
        printf("  pahole -j --btf_encode_detached    %8.1f ms %6.1f MB  user %6.1f ms\n", pj.ms,
               (double)pj.rss_kb / 1024, pj.user_ms);
        printf("  pahole --btf_encode_detached       %8.1f ms %6.1f MB  user %6.1f ms   (pahole "
               "1.24 drops every DW_TAG_atomic_type; tyr keeps _Atomic)\n", ps.ms,
               (double)ps.rss_kb / 1024, ps.user_ms);
        printf("  ratio tyr / pahole -j: time %.2fx (target <= 1.0), user CPU %.2fx, peak RSS "
               "%.1f MB (target <= 40 MB, %.2fx)\n", tyr_all.ms / pj.ms,
               tyr_all.user_ms / pj.user_ms, (double)tyr_all.rss_kb / 1024,
               (double)tyr_all.rss_kb / (double)pj.rss_kb);
        printf("  ratio tyr / pahole:    time %.2fx\n", tyr_all.ms / ps.ms);
    } else {
        first_line(errs[ok[3] ? 4 : 3], line, sizeof line);
        printf("  pahole failed: %s\n", line);
    }
    char *a_fn[] = {(char *)self, "func", copy, (char *)fn, NULL};
    if (!run_median(a_fn, runs, out, err, &tyr_fn)) {
        first_line(err, line, sizeof line);
        printf("  tyr import_func %s failed: %s\n", fn, line);
        rc = 1;
        goto done;
    }
    printf("  tyr import_func %-18s %8.1f ms %6.1f MB\n", fn, tyr_fn.ms,
           (double)tyr_fn.rss_kb / 1024);
    print_file(out, "      | ");
    if (have("bpftrace")) {
        char probe[600];
        snprintf(probe, sizeof probe, "uprobe:%s:%s", copy, fn);
        char *a_bt[] = {"bpftrace", "-lv", probe, NULL};
        if (run_median(a_bt, runs, out, err, &bt)) {
            printf("  bpftrace -lv uprobe:...:%-12s %8.1f ms %6.1f MB\n", fn, bt.ms,
                   (double)bt.rss_kb / 1024);
            print_file(out, "      | ");
            printf("  ratio tyr / bpftrace: time %.2fx (target <= 0.3), peak RSS %.2fx\n",
                   tyr_fn.ms / bt.ms, (double)tyr_fn.rss_kb / (double)bt.rss_kb);
        } else {
            first_line(err, line, sizeof line);
            printf("  bpftrace -lv cannot run here (needs root and BPF): %s\n", line);
        }
    } else {
        printf("  bpftrace not installed\n");
    }
done:
    unlink(copy);
    unlink(out);
    unlink(err);
    for (int c = 0; c < MAX_CMDS; c++) {
        snprintf(line, sizeof line, "%s/err.%d", dir, c);
        unlink(line);
    }
    snprintf(line, sizeof line, "%s/x.btf", dir);
    unlink(line);
    rmdir(dir);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "walk")) {
        double t0 = now_ms();
        int64_t dies = libdwarf_walk(argv[2], 2);
        if (dies < 0) {
            fprintf(stderr, "bench_import: walk: cannot read the DWARF of %s\n", argv[2]);
            return 1;
        }
        printf("dies %lld ms %.1f\n", (long long)dies, now_ms() - t0);
        return 0;
    }
    if (argc >= 3 &&
        (!strcmp(argv[1], "all") || !strcmp(argv[1], "allf") || !strcmp(argv[1], "loopf") ||
         !strcmp(argv[1], "func")) &&
        (strcmp(argv[1], "func") || argc >= 4))
        return do_import(argc, argv);
    if (argc > 2 || (argc == 2 && atoi(argv[1]) <= 0)) {
        fprintf(stderr, "usage: bench_import [RUNS] | all BIN | allf BIN | loopf BIN | func BIN NAME | "
                        "walk BIN\n");
        return 2;
    }
    /* the children are this program: find it by path */
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        return 1;
    self[n] = 0;
    return compare(self, argc == 2 ? atoi(argv[1]) : 5);
}

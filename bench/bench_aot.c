/* SPDX-License-Identifier: MIT */
/*
 * bench_aot [runs]: the AOT runtime, measured side by side in one run.
 *  1. decode cost per event: tyr_aot_event_print() of a probe whose argument points to a
 *     3-field record and one to a 50-field record, into a reused buffer (text; JSON is not
 *     built), in ns per event;
 *  2. start to first printed event and peak RSS: `tyr aot run` against `bpftrace-aotrt` on an
 *     equivalent probe (the pointer argument of walk(), printed; a target calling it every
 *     millisecond is already running), interleaved, medians and ratios. Output goes to a pipe
 *     the benchmark reads (not a terminal);
 *  3. the event rate the runtime keeps up with on one core: two threads calling a probed
 *     function unpaced, the runtime pinned to CPU 0, its output to /dev/null: calls per second
 *     and lost events.
 * Parts 2 and 3 need root and a kernel that loads BPF; they say so and are left out otherwise.
 * `bench_aot RUNS decode[3|50] [EVENTS]` runs part 1 alone (both records, or the 3- or the
 * 50-field one), EVENTS per run: what callgrind counts.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tyr/aot.h"
#include "tyr/blob.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(*v), cmp_double);
    return v[n / 2];
}

static char dir[] = "/tmp/tyr-bench-aot-XXXXXX";

/* ---- 1. decode cost ------------------------------------------------------------------------- */

static int decode_cost(int runs, int n, int only)
{
    tyr_registry *reg;
    tyr_type i32, i64, dbl, p3, p50, proto, f3, f50;
    tyr_struct s3, s50;
    if (tyr_registry_new(NULL, &reg))
        return 1;
    tyr_add_int(reg, "int", 4, TYR_INT_SIGNED, &i32);
    tyr_add_int(reg, "long", 8, TYR_INT_SIGNED, &i64);
    tyr_add_float(reg, "double", 8, 64, &dbl);
    tyr_struct_new(reg, TYR_KIND_STRUCT, "S3", 24, 8, 0, &s3);
    tyr_struct_add_field(reg, s3, "a", i64, 0, 0, 0);
    tyr_struct_add_field(reg, s3, "b", i32, 8, 0, 0);
    tyr_struct_add_field(reg, s3, "c", dbl, 16, 0, 0);
    tyr_struct_new(reg, TYR_KIND_STRUCT, "S50", 200, 4, 0, &s50);
    for (int i = 0; i < 50; i++) {
        char name[8];
        snprintf(name, sizeof(name), "f%d", i);
        tyr_struct_add_field(reg, s50, name, i32, (uint64_t)i * 4, 0, 0);
    }
    tyr_add_ptr(reg, tyr_struct_type(s3), &p3);
    tyr_add_ptr(reg, tyr_struct_type(s50), &p50);
    tyr_func_proto_new(reg, i32, 0, &proto);
    tyr_func_proto_add_param(reg, proto, "s", p3);
    tyr_func_new(reg, "f3", proto, &f3);
    tyr_func_proto_new(reg, i32, 0, &proto);
    tyr_func_proto_add_param(reg, proto, "s", p50);
    tyr_func_new(reg, "f50", proto, &f50);
    struct tyr_aot_probe_spec specs[2] = {
        {.target = "/bench/target", .symbol = "f3", .file_offset = 0x1000, .func = f3, .deref = 1},
        {.target = "/bench/target", .symbol = "f50", .file_offset = 0x1100, .func = f50, .deref = 1},
    };
    char path[64];
    snprintf(path, sizeof(path), "%s/decode.aot", dir);
    int err = tyr_aot_write_path(reg, specs, 2, path, NULL, NULL);
    tyr_registry_free(reg);
    tyr_aot *aot;
    if (err || tyr_aot_open_path(path, NULL, &aot, NULL)) {
        fprintf(stderr, "bench_aot: writing %s: %s\n", path, tyr_strerror(err));
        return 1;
    }
    printf("decode cost per event (tyr_aot_event_print to text, one core, %d runs of %d):\n", runs,
           n);
    /* Plausible values: the pointer, then S3 {a = 123456789, b = -42, c = 0.25} or S50's
     * fields 0, 1000, 2000, ... (digits, not bignum-sized doubles, are what a trace prints). */
    uint8_t data[512] = {0};
    uint64_t ptr = 0x7ffd5a10e0c8;
    int64_t a = 123456789;
    int32_t b = -42;
    double c = 0.25;
    memcpy(data, &ptr, 8);
    struct tyr_buf buf = {0};
    tyr_sink sink = tyr_sink_buf(&buf);
    for (uint32_t p = 0; p < 2; p++) {
        if (only >= 0 && (int)p != only)
            continue;
        tyr_aot_probe_info pi;
        tyr_aot_probe_get(aot, p, &pi);
        tyr_aot_value_info deref;
        tyr_aot_value_get(aot, p, 1, &deref);
        if (p == 0) {
            memcpy(data + deref.data_off, &a, 8);
            memcpy(data + deref.data_off + 8, &b, 4);
            memcpy(data + deref.data_off + 16, &c, 8);
        } else {
            for (int32_t i = 0; i < 50; i++) {
                int32_t v = i * 1000;
                memcpy(data + deref.data_off + 4 * i, &v, 4);
            }
        }
        tyr_aot_event ev = {.probe = p, .data = data, .data_len = pi.data_len};
        double ns[32];
        for (int r = 0; r < runs; r++) {
            double t0 = now();
            for (int i = 0; i < n; i++) {
                buf.len = 0;
                if (tyr_aot_event_print(aot, &ev, TYR_AOT_PRINT_TEXT, &sink))
                    return 1;
            }
            ns[r] = (now() - t0) / n * 1e9;
        }
        double m = median(ns, runs);
        printf("  %-4s (%s fields, %zu-byte line): %.0f ns/event, %.2f M events/s\n",
               pi.symbol, p ? "50" : "3", buf.len, m, 1e3 / m);
    }
    tyr_buf_free(&buf);
    tyr_aot_free(aot);
    return 0;
}

/* ---- 2. start to first event, peak RSS ------------------------------------------------------ */

struct start {
    double first; /* seconds from exec to the first byte of output */
    long rss_kb;
};

/* Runs argv with stdout on a pipe; stops it with SIGINT once a byte arrives. */
static int first_event(char *const argv[], struct start *out)
{
    int fds[2];
    if (pipe(fds))
        return -1;
    double t0 = now();
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], 1);
        int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, 2);
        close(fds[0]);
        execvp(argv[0], argv);
        _exit(127);
    }
    close(fds[1]);
    struct pollfd pfd = {fds[0], POLLIN, 0};
    out->first = -1;
    if (poll(&pfd, 1, 10000) == 1) {
        char c;
        if (read(fds[0], &c, 1) == 1)
            out->first = now() - t0;
    }
    kill(pid, SIGINT);
    int st;
    struct rusage ru;
    if (wait4(pid, &st, 0, &ru) != pid)
        return -1;
    close(fds[0]);
    out->rss_kb = ru.ru_maxrss;
    return out->first < 0 ? -1 : 0;
}

static int run_quiet(const char *cmd)
{
    return system(cmd);
}

static void startup(int runs)
{
    printf("\nstart to first printed event, peak RSS (a target calling walk() every ms; %d "
           "interleaved runs, medians):\n", runs);
    char cmd[1024], aot[96], bt[96];
    snprintf(aot, sizeof(aot), "%s/walk.aot", dir);
    snprintf(bt, sizeof(bt), "%s/walk.bt.aot", dir);
    snprintf(cmd, sizeof(cmd), "%s aot build %s walk --deref 0 -o %s >/dev/null", TYR_BENCH_TOOL,
             TYR_BENCH_LOOP, aot);
    if (run_quiet(cmd)) {
        printf("  left out: tyr aot build failed\n");
        return;
    }
    bool have_bt = !run_quiet("command -v bpftrace-aotrt >/dev/null 2>&1");
    if (have_bt) {
        snprintf(cmd, sizeof(cmd), "timeout 120 bpftrace --aot %s -e 'uprobe:%s:walk "
                 "{ printf(\"walk(n = 0x%%lx)\\n\", arg0); }' >/dev/null 2>&1", bt, TYR_BENCH_LOOP);
        have_bt = !run_quiet(cmd);
    }
    pid_t loop = fork();
    if (loop == 0) {
        execl(TYR_BENCH_LOOP, TYR_BENCH_LOOP, (char *)NULL);
        _exit(127);
    }
    double t_tyr[32], t_bt[32];
    double r_tyr[32], r_bt[32];
    int n_tyr = 0, n_bt = 0;
    for (int r = 0; r < runs; r++) {
        struct start s;
        char *a1[] = {TYR_BENCH_TOOL, "aot", "run", aot, NULL};
        if (!first_event(a1, &s)) {
            t_tyr[n_tyr] = s.first;
            r_tyr[n_tyr++] = (double)s.rss_kb;
        }
        if (have_bt) {
            char *a2[] = {"bpftrace-aotrt", bt, NULL};
            if (!first_event(a2, &s)) {
                t_bt[n_bt] = s.first;
                r_bt[n_bt++] = (double)s.rss_kb;
            }
        }
    }
    kill(loop, SIGKILL);
    waitpid(loop, NULL, 0);
    if (!n_tyr) {
        printf("  left out: tyr aot run printed nothing\n");
        return;
    }
    double tt = median(t_tyr, n_tyr), rt = median(r_tyr, n_tyr);
    printf("  tyr aot run:     %6.1f ms to the first event, %6.1f MB peak RSS (%d runs)\n",
           tt * 1e3, rt / 1024, n_tyr);
    if (n_bt) {
        double tb = median(t_bt, n_bt), rb = median(r_bt, n_bt);
        printf("  bpftrace-aotrt:  %6.1f ms to the first event, %6.1f MB peak RSS (%d runs)\n",
               tb * 1e3, rb / 1024, n_bt);
        printf("  ratio tyr/bpftrace: time %.2fx (target <= 0.5x), peak RSS %.2fx (target <= "
               "0.25x)\n", tt / tb, rt / rb);
    } else {
        printf("  bpftrace-aotrt: not installed or its --aot build failed: no ratio\n");
    }
}

/* ---- 3. event rate on one core ------------------------------------------------------------ */

static void rate(void)
{
    printf("\nevent rate on one core (the runtime pinned to CPU 0, output to /dev/null; two "
           "threads calling hit(struct Sample *) unpaced):\n");
    char cmd[1024], aot[96];
    snprintf(aot, sizeof(aot), "%s/load.aot", dir);
    snprintf(cmd, sizeof(cmd), "%s aot build %s hit -o %s >/dev/null", TYR_BENCH_TOOL,
             TYR_BENCH_LOAD, aot);
    if (run_quiet(cmd)) {
        printf("  left out: tyr aot build failed\n");
        return;
    }
    const char *counts[] = {"50000", "200000"};
    for (int k = 0; k < 2; k++) {
        char errpath[96], c[256];
        snprintf(errpath, sizeof(errpath), "%s/rate.err", dir);
        snprintf(c, sizeof(c), "%s %s 0", TYR_BENCH_LOAD, counts[k]);
        double t0 = now();
        pid_t pid = fork();
        if (pid == 0) {
            cpu_set_t set;
            CPU_ZERO(&set);
            CPU_SET(0, &set);
            sched_setaffinity(0, sizeof(set), &set);
            int o = open("/dev/null", O_WRONLY), e = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
            dup2(o, 1);
            dup2(e, 2);
            execl(TYR_BENCH_TOOL, TYR_BENCH_TOOL, "aot", "run", aot, "-c", c, (char *)NULL);
            _exit(127);
        }
        waitpid(pid, NULL, 0);
        double el = now() - t0;
        FILE *f = fopen(errpath, "r");
        long seen = 0, lost = 0;
        if (!f || fscanf(f, "tyr aot: hit: %ld seen, %ld lost", &seen, &lost) != 2) {
            printf("  left out: no counts from tyr aot run\n");
            if (f)
                fclose(f);
            return;
        }
        fclose(f);
        printf("  %7ld calls in %.2f s (%.0f calls/s, the uprobe's cost included): %ld seen, "
               "%ld lost\n", seen + lost, el, (double)(seen + lost) / el, seen, lost);
    }
}

int main(int argc, char **argv)
{
    int runs = argc > 1 ? atoi(argv[1]) : 5;
    if (runs < 1 || runs > 31)
        runs = 5;
    /* `bench_aot RUNS decode[3|50] [EVENTS]`: part 1 alone, both records or one (for
     * callgrind: EVENTS per run). */
    bool decode_only = argc > 2 && !strncmp(argv[2], "decode", 6);
    int only = !decode_only ? -1 : !strcmp(argv[2], "decode3") ? 0 : !strcmp(argv[2], "decode50") ? 1 : -1;
    int events = decode_only && argc > 3 ? atoi(argv[3]) : 1000000;
    if (events < 1)
        events = 1000000;
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    printf("bench_aot: the AOT runtime\n");
    if (decode_cost(runs, events, only))
        return 1;
    struct stat st;
    if (decode_only)
        ;
    else if (geteuid() != 0 || stat("/sys/bus/event_source/devices/uprobe", &st))
        printf("\nleft out: start-up and event rate need root and a uprobe PMU\n");
    else {
        startup(runs);
        rate();
    }
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    return system(cmd) ? 1 : 0;
}

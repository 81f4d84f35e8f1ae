/* SPDX-License-Identifier: MIT */
/*
 * The AOT runtime end to end, for real: `tyr aot build` on the test target (built with -g),
 * then `tyr aot run -c` on a copy stripped of its debug info (strip -g), uprobes attached
 * through libbpf. The target prints, before each probed call, the line the runtime must print
 * for it (from its own data); every such line must come out of the runtime exactly once, and
 * nothing else. Also: the capture plans the build classified (registers, stack offsets, what
 * is not captured), a build-id mismatch.
 *
 * Under load (tests/aot/aot_load.c: two threads calling hit() a known number of times): seen +
 * lost equals the calls the target counted, with a ring buffer small enough to overflow and
 * unpaced calls; and lost is 0 at 10,000 calls per second per thread with the default buffer.
 *
 * Usage: test_aot_run TYR TARGET WORKDIR LOAD_TARGET. Exits 77 (CTest's skip) with the reason printed when
 * this machine cannot load a BPF program or has no uprobe PMU.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <setjmp.h>
#include <stddef.h>
#include <cmocka.h>

#include <bpf/libbpf.h>

#include "run_fixture.h"

#include "tyr/aot.h"

static const char *tyr_bin, *target, *load_target;

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static const char *const probes[] = {"walk", "walk%return", "nested", "matrix", "enums",
                                     "enum_args", "floats", "double_arg", "bits", "anon",
                                     "by_value", "make_pair%return", "big_by_value", "many"};
#define NPROBES (sizeof(probes) / sizeof(probes[0]))

static void build_aot(const char *bin, const char *out)
{
    char *argv[NPROBES + 10];
    size_t n = 0;
    argv[n++] = (char *)tyr_bin;
    argv[n++] = "aot";
    argv[n++] = "build";
    argv[n++] = (char *)bin;
    for (size_t i = 0; i < NPROBES; i++)
        argv[n++] = (char *)probes[i];
    argv[n++] = "--field";
    argv[n++] = "n->next->val";
    argv[n++] = "-o";
    argv[n++] = (char *)out;
    argv[n] = NULL;
    int st = run("build.out", "build.err", argv);
    if (st) {
        char *e = slurp("build.err");
        fprintf(stderr, "tyr aot build: exit %d: %s", st, e);
        free(e);
    }
    assert_int_equal(st, 0);
}

static int setup(void **state)
{
    (void)state;
    char cmd[8192];
    snprintf(cmd, sizeof(cmd), "cp '%s' '%s/target' && cp '%s' '%s/target.stripped' && "
             "strip -g '%s/target.stripped'", target, run_workdir, target, run_workdir, run_workdir);
    if (system(cmd))
        return -1;
    build_aot("./target", "t.aot");
    return 0;
}

/* Each expected line, once; then no line left over. */
static void test_trace_stripped(void **state)
{
    (void)state;
    /* The stripped copy really has no DWARF. */
    char *argv_args[] = {(char *)tyr_bin, "args", "./target.stripped", "walk", NULL};
    assert_int_not_equal(run("args.out", "args.err", argv_args), 0);

    char *argv[] = {(char *)tyr_bin, "aot", "run", "t.aot", "-c", "./target.stripped", NULL};
    int st = run("run.out", "run.err", argv);
    char *out = slurp("run.out"), *err = slurp("run.err");
    if (st)
        fprintf(stderr, "tyr aot run: exit %d: %s", st, err);
    assert_int_equal(st, 0);

    /* Split into expected lines (from the target) and printed ones (from the runtime). */
    char *want[64], *got[64];
    int nwant = 0, ngot = 0;
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        if (!strncmp(line, "expect: ", 8)) {
            assert_true(nwant < 64);
            want[nwant++] = line + 8;
        } else {
            assert_true(ngot < 64);
            got[ngot++] = line;
        }
    }
    assert_int_equal(nwant, (int)NPROBES);
    int agree = 0;
    for (int i = 0; i < nwant; i++) {
        int hit = -1;
        for (int k = 0; k < ngot && hit < 0; k++)
            if (got[k] && !strcmp(got[k], want[i]))
                hit = k;
        if (hit < 0)
            fprintf(stderr, "missing: %s\n", want[i]);
        else {
            got[hit] = NULL;
            agree++;
        }
    }
    for (int k = 0; k < ngot; k++)
        if (got[k])
            fprintf(stderr, "unexpected: %s\n", got[k]);
    print_message("%d of %d lines agree with the target's own data\n", agree, nwant);
    assert_int_equal(agree, nwant);
    assert_int_equal(ngot, nwant);
    /* seen/lost per probe on stderr: one hit each, nothing lost. */
    assert_int_equal(count_lines(err), (int)NPROBES);
    for (size_t i = 0; i < NPROBES; i++) {
        char line[128];
        snprintf(line, sizeof(line), "tyr aot: %s: 1 seen, 0 lost\n", probes[i]);
        assert_non_null(strstr(err, line));
    }
    free(out);
    free(err);
}

/* --format json: one object per hit, each valid JSON (python3's parser, when installed), with
 * the values the text form checked. */
static void test_json(void **state)
{
    (void)state;
    char *argv[] = {(char *)tyr_bin, "aot", "run", "t.aot", "--format", "json", "-c",
                    "./target.stripped", NULL};
    assert_int_equal(run("json.out", "json.err", argv), 0);
    char *out = slurp("json.out");
    int objects = 0;
    for (char *l = out; (l = strstr(l, "{\"probe\": ")); l++)
        objects++;
    assert_int_equal(objects, (int)NPROBES);
    assert_non_null(strstr(out, "\"*e\": {\"a\": \"NEG_MINUS_ONE\", \"b\": -3, \"c\": \"BIG_HIGH\", \"d\": 5}"));
    assert_non_null(strstr(out, "\"*m\": {\"m\": [[1,2,3],[4,5,6]]}"));
    assert_non_null(strstr(out, "\"d\": {\"not_captured\": \"SSE register xmm0\"}"));
    assert_non_null(strstr(out, "\"retval\": {\"a\": 11, \"b\": -11}"));
    free(out);
    if (system("command -v python3 >/dev/null 2>&1") == 0) {
        char cmd[8192];
        snprintf(cmd, sizeof(cmd), "python3 -c 'import json,sys\n"
                 "n = sum(1 for l in open(sys.argv[1]) if l.startswith(\"{\") and json.loads(l))\n"
                 "sys.exit(0 if n == %zu else 1)' '%s/json.out'", NPROBES, run_workdir);
        assert_int_equal(system(cmd), 0);
    }
}

/* What the build side classified, read back through the embedding API. */
static void test_plans(void **state)
{
    (void)state;
    char path[4096];
    snprintf(path, sizeof(path), "%s/t.aot", run_workdir);
    tyr_aot *aot;
    assert_int_equal(tyr_aot_open_path(path, NULL, &aot, NULL), 0);
    tyr_aot_file_info info;
    tyr_aot_get_info(aot, &info);
    assert_int_equal(info.probes, NPROBES);
    struct {
        const char *probe, *value;
        int where;
        int r0, r1;   /* registers (IN_REGS) */
        int64_t stack; /* ON_STACK */
    } want[] = {
        {"by_value", "p", TYR_AOT_IN_REGS, 0, 1, 0},      /* rdi:rsi */
        {"by_value", "z", TYR_AOT_IN_REGS, 2, -1, 0},     /* rdx */
        {"by_value", "n", TYR_AOT_IN_REGS, 3, -1, 0},     /* rcx */
        {"big_by_value", "a", TYR_AOT_IN_REGS, 0, -1, 0},
        {"big_by_value", "b", TYR_AOT_ON_STACK, 0, 0, 0}, /* MEMORY class */
        {"big_by_value", "c", TYR_AOT_IN_REGS, 1, -1, 0}, /* rsi: b took no register */
        {"many", "a6", TYR_AOT_IN_REGS, 5, -1, 0},        /* r9 */
        {"many", "a7", TYR_AOT_ON_STACK, 0, 0, 0},
        {"many", "a8", TYR_AOT_ON_STACK, 0, 0, 8},
        {"double_arg", "d", TYR_AOT_NOT_CAPTURED, 0, 0, 0},
        {"double_arg", "after", TYR_AOT_IN_REGS, 0, -1, 0},
        {"make_pair", "retval", TYR_AOT_IN_REGS, 6, 2, 0}, /* rax:rdx */
    };
    for (size_t w = 0; w < sizeof(want) / sizeof(want[0]); w++) {
        bool found = false;
        for (uint32_t p = 0; p < info.probes && !found; p++) {
            tyr_aot_probe_info pi;
            assert_int_equal(tyr_aot_probe_get(aot, p, &pi), 0);
            if (strcmp(pi.symbol, want[w].probe))
                continue;
            for (uint32_t v = 0; v < pi.values && !found; v++) {
                tyr_aot_value_info vi;
                assert_int_equal(tyr_aot_value_get(aot, p, v, &vi), 0);
                if (strcmp(vi.name, want[w].value) || vi.kind == TYR_AOT_DEREF)
                    continue;
                found = true;
                assert_int_equal(vi.where, want[w].where);
                if (vi.where == TYR_AOT_IN_REGS) {
                    assert_int_equal(vi.regs[0], want[w].r0);
                    assert_int_equal(vi.nregs, want[w].r1 < 0 ? 1 : 2);
                    if (want[w].r1 >= 0)
                        assert_int_equal(vi.regs[1], want[w].r1);
                }
                if (vi.where == TYR_AOT_ON_STACK)
                    assert_int_equal(vi.stack_offset, want[w].stack);
                if (vi.where == TYR_AOT_NOT_CAPTURED)
                    assert_string_equal(vi.why, "SSE register xmm0");
            }
        }
        if (!found)
            fail_msg("no value %s of %s", want[w].value, want[w].probe);
    }
    tyr_aot_free(aot);
}

/* A target whose build-id is not the recorded one: one line naming both, exit 1. */
static void test_build_id_mismatch(void **state)
{
    (void)state;
    char cmd[8192];
    snprintf(cmd, sizeof(cmd), "cd '%s' && cp target victim && %s aot build ./victim walk "
             "-o victim.aot >/dev/null && cp /bin/true victim", run_workdir, tyr_bin);
    assert_int_equal(system(cmd), 0);
    char *argv[] = {(char *)tyr_bin, "aot", "run", "victim.aot", NULL};
    assert_int_equal(run("mm.out", "mm.err", argv), 1);
    char *err = slurp("mm.err");
    assert_int_equal(count_lines(err), 1);
    assert_non_null(strstr(err, "build-id"));
    assert_non_null(strstr(err, "but the .aot file was built for"));
    free(err);
    /* --target with a binary of another build-id: the same. */
    char *argv2[] = {(char *)tyr_bin, "aot", "run", "t.aot", "--target", "/bin/true", NULL};
    assert_int_equal(run("mm.out", "mm.err", argv2), 1);
    err = slurp("mm.err");
    assert_int_equal(count_lines(err), 1);
    assert_non_null(strstr(err, "matches no target"));
    free(err);
}

/* Runs the load target under the runtime; returns calls, seen and lost. */
static void load_run(const char *count, const char *rate, const char *buffer_kb, long *calls,
                     long *seen, long *lost)
{
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "./load %s %s", count, rate);
    char *argv[] = {(char *)tyr_bin, "aot", "run", "load.aot", "--buffer-kb", (char *)buffer_kb,
                    "-c", cmd, NULL};
    assert_int_equal(run("load.out", "load.err", argv), 0);
    char *out = slurp("load.out"), *err = slurp("load.err");
    const char *c = strstr(out, "calls: ");
    assert_non_null(c);
    *calls = atol(c + 7);
    assert_int_equal(sscanf(err, "tyr aot: hit: %ld seen, %ld lost", seen, lost), 2);
    free(out);
    free(err);
}

static void test_load(void **state)
{
    (void)state;
    char cmd[8192];
    snprintf(cmd, sizeof(cmd), "cd '%s' && cp '%s' load && %s aot build ./load hit -o load.aot "
             ">/dev/null", run_workdir, load_target, tyr_bin);
    assert_int_equal(system(cmd), 0);
    long calls, seen, lost;
    /* Unpaced into a 16 KiB ring buffer: whatever is lost is counted. */
    load_run("50000", "0", "16", &calls, &seen, &lost);
    print_message("unpaced, 16 KiB buffer: %ld calls, %ld seen, %ld lost\n", calls, seen, lost);
    assert_int_equal(calls, 100000);
    assert_int_equal(seen + lost, calls);
    /* 10,000 calls per second per thread for 1.5 s, the default buffer: nothing lost. */
    load_run("15000", "10000", "512", &calls, &seen, &lost);
    print_message("paced, 20,000 calls/s: %ld calls, %ld seen, %ld lost\n", calls, seen, lost);
    assert_int_equal(calls, 30000);
    assert_int_equal(seen, calls);
    assert_int_equal(lost, 0);
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: %s TYR TARGET WORKDIR LOAD_TARGET\n", argv[0]);
        return 2;
    }
    tyr_bin = argv[1];
    target = argv[2];
    run_workdir = argv[3];
    load_target = argv[4];
    char why[160];
    if (!bpf_usable(why, sizeof(why))) {
        printf("skipped: %s\n", why);
        return 77;
    }
    mkdir(run_workdir, 0755);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trace_stripped),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_plans),
        cmocka_unit_test(test_build_id_mismatch),
        cmocka_unit_test(test_load),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}

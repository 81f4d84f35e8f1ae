/* SPDX-License-Identifier: MIT */
/*
 * A compiler clone traced for real: `tyr aot build` on tests/aot/aot_clone.c's binary (gcc -O2
 * -g) probes `scale`, which exists only as scale.constprop.0, from where the clone's DWARF
 * places its parameters; `tyr aot run -c` then runs a copy stripped of its debug info. The
 * program prints what scale receives (b's address and the values it points to; k, the
 * constant the clone has in place of the parameter); the trace must print the same.
 *
 * Usage: test_aot_clone_run TYR CLONE_BINARY WORKDIR. Exits 77 (CTest's skip) with the reason
 * printed when this machine cannot load a BPF program or has no uprobe PMU.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <bpf/libbpf.h>

#include "run_fixture.h"

static const char *tyr_bin, *target;

static void test_clone_traced(void **state)
{
    (void)state;
    char cmd[8192];
    snprintf(cmd, sizeof(cmd), "cp '%s' '%s/clone' && cp '%s' '%s/clone.stripped' && "
             "strip -g '%s/clone.stripped'", target, run_workdir, target, run_workdir, run_workdir);
    assert_int_equal(system(cmd), 0);
    char *build[] = {(char *)tyr_bin, "aot", "build", "./clone", "scale", "-o", "c.aot", NULL};
    int st = run("build.out", "build.err", build);
    if (st) {
        char *e = slurp("build.err");
        fprintf(stderr, "tyr aot build: exit %d: %s", st, e);
        free(e);
    }
    assert_int_equal(st, 0);

    char *argv[] = {(char *)tyr_bin, "aot", "run", "c.aot", "-c", "./clone.stripped", NULL};
    st = run("run.out", "run.err", argv);
    char *out = slurp("run.out"), *err = slurp("run.err");
    if (st)
        fprintf(stderr, "tyr aot run: exit %d: %s", st, err);
    assert_int_equal(st, 0);

    /* The program's own line: "scale b=PTR v=[LIST] k=2". */
    const char *line = strstr(out, "scale b=");
    assert_non_null(line);
    char ptr[64], list[512];
    assert_int_equal(sscanf(line, "scale b=%63s v=[%511[^]]] k=2", ptr, list), 2);
    /* The runtime's line for the same call: the clone's symbol, b read from rdi and what it
     * points to, k recorded as the constant the clone has instead. */
    char want[1024];
    snprintf(want, sizeof(want), "(b = %s -> { .v = [%s] }, k = <not captured: ", ptr, list);
    const char *trace = strstr(out, "scale.constprop.");
    if (!trace || !strstr(trace, want))
        fprintf(stderr, "expected a line with \"%s\" in:\n%s", want, out);
    assert_non_null(trace);
    assert_non_null(strstr(trace, want));
    const char *eol = strchr(trace, '\n');
    const char *k = strstr(trace, "the constant 2>)");
    assert_true(k && eol && k < eol);
    assert_non_null(strstr(err, "1 seen, 0 lost"));
    free(out);
    free(err);
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s TYR CLONE_BINARY WORKDIR\n", argv[0]);
        return 2;
    }
    tyr_bin = argv[1];
    target = argv[2];
    run_workdir = argv[3];
    char why[160];
    if (!bpf_usable(why, sizeof(why))) {
        printf("skipped: %s\n", why);
        return 77;
    }
    mkdir(run_workdir, 0755);
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_clone_traced)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/*
 * What the end-to-end AOT tests share: running the tool in a work directory with its output
 * captured in files, reading those files back, and whether this machine can trace at all.
 * Include after <cmocka.h>; the including test sets `run_workdir` before the first run().
 */
#ifndef TYR_TEST_AOT_RUN_FIXTURE_H
#define TYR_TEST_AOT_RUN_FIXTURE_H

#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/libbpf.h>

static const char *run_workdir;

/* Runs argv in run_workdir with stdout and stderr to the files out and err there; returns
 * the exit status, or 128 + the signal that ended it. */
static int run(const char *out, const char *err, char *const argv[])
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (chdir(run_workdir))
            _exit(126);
        int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (o < 0 || e < 0)
            _exit(126);
        dup2(o, 1);
        dup2(e, 2);
        execv(argv[0], argv);
        _exit(127);
    }
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* The file `name` in run_workdir, NUL-terminated. Owner: the caller (free). */
static char *slurp(const char *name)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", run_workdir, name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    struct stat st;
    assert_int_equal(fstat(fileno(f), &st), 0);
    char *buf = malloc((size_t)st.st_size + 1);
    assert_non_null(buf);
    size_t n = fread(buf, 1, (size_t)st.st_size, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

/* Whether uprobes can be attached here (root, the uprobe PMU, a kernel that loads uprobe
 * programs) and strip exists; if not, why, for the test's skip line. */
static bool bpf_usable(char *why, size_t len)
{
    struct stat st;
    const char *no = NULL;
    if (geteuid() != 0)
        no = "not root: loading BPF programs needs CAP_BPF and CAP_PERFMON";
    else if (stat("/sys/bus/event_source/devices/uprobe", &st))
        no = "no uprobe PMU (/sys/bus/event_source/devices/uprobe)";
    else if (libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_KPROBE, NULL) != 1)
        no = "the kernel does not load kprobe/uprobe BPF programs here";
    else if (system("command -v strip >/dev/null 2>&1"))
        no = "no strip (binutils)";
    if (no)
        snprintf(why, len, "%s", no);
    return !no;
}

#endif /* TYR_TEST_AOT_RUN_FIXTURE_H */

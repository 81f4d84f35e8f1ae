/* SPDX-License-Identifier: MIT */
/*
 * A mapped registry is shared by 8 reader threads without locks: every thread sweeps every
 * query over every type many times and gets the single-threaded answer. Build with
 * -DTYR_TSAN=ON and run this test to have ThreadSanitizer watch it (tests/blob.cmake adds
 * the `tsan` CTest label; docs/format.md gives the command).
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <unistd.h>

#include "blob_fixture.h"

#define NTHREADS 8
#define ROUNDS 50

struct job {
    const tyr_registry *reg;
    uint64_t expect;
    int mismatches;
};

static void *reader(void *arg)
{
    struct job *j = arg;
    int r;
    for (r = 0; r < ROUNDS; r++)
        if (fx_sweep(j->reg) != j->expect)
            j->mismatches++;
    return NULL;
}

/* 8 threads, one mapped registry (from a file), identical answers, no data race. */
static void test_eight_readers(void **state)
{
    struct fx f;
    tyr_registry *m = NULL;
    char path[] = "/tmp/tyr_threads_XXXXXX";
    pthread_t th[NTHREADS];
    struct job jobs[NTHREADS];
    uint64_t expect;
    int i, fd;
    (void)state;

    fx_build(&f);
    fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(tyr_blob_write_path(f.reg, path, NULL), 0);
    assert_int_equal(tyr_registry_open_path(path, NULL, &m, NULL), 0);
    unlink(path);
    expect = fx_sweep(f.reg);
    assert_int_equal(fx_sweep(m), expect);
    for (i = 0; i < NTHREADS; i++) {
        jobs[i].reg = m;
        jobs[i].expect = expect;
        jobs[i].mismatches = 0;
        assert_int_equal(pthread_create(&th[i], NULL, reader, &jobs[i]), 0);
    }
    for (i = 0; i < NTHREADS; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(jobs[i].mismatches, 0);
    }
    tyr_registry_free(m);
    fx_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_eight_readers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

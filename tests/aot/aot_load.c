/* SPDX-License-Identifier: MIT */
/*
 * The load test's target: two threads call hit() in a tight loop, COUNT times each, optionally
 * paced to RATE calls per second per thread (0: as fast as the uprobe allows), and the program
 * prints how many calls it made: `calls: N`. The runtime's seen + lost must equal N.
 * Usage: aot_load COUNT RATE
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

struct Sample {
    long seq;
    int thread;
    double weight;
};

__attribute__((noinline, noclone, used)) long hit(struct Sample *s)
{
    return s->seq + s->thread;
}

static long count, rate;

static void *worker(void *arg)
{
    int id = (int)(long)arg;
    struct Sample s = {0, id, 0.5};
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    volatile long sink = 0;
    for (long i = 0; i < count; i++) {
        s.seq = i;
        sink += hit(&s);
        if (rate && i % 64 == 63) {
            /* Pace: wait until i calls are due. */
            double due = (double)(i + 1) / (double)rate;
            for (;;) {
                struct timespec t;
                clock_gettime(CLOCK_MONOTONIC, &t);
                double el = (double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) / 1e9;
                if (el >= due)
                    break;
                struct timespec nap = {0, (long)((due - el) * 1e9)};
                nanosleep(&nap, NULL);
            }
        }
    }
    (void)sink;
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 3)
        return 2;
    count = atol(argv[1]);
    rate = atol(argv[2]);
    pthread_t t[2];
    for (long i = 0; i < 2; i++)
        if (pthread_create(&t[i], NULL, worker, (void *)i))
            return 1;
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    printf("calls: %ld\n", 2 * count);
    return 0;
}

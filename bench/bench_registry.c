/* SPDX-License-Identifier: MIT */
/*
 * Registry benchmark (issue 3): how fast a building registry is built and queried.
 *   build   one million types, two workloads:
 *             mixed: per group of four types, a named struct with two fields (an int and a
 *             pointer to itself), a pointer to it, a typedef of it and an array of 4 of it
 *             (names are formatted before the clock starts; interning them is timed);
 *             pointers: a chain of one million pointer types (the bare append path)
 *           each repetition builds a fresh registry (no type_hint) and frees it untimed
 *   find    tyr_find() over 100,000 named structs, every name once per batch in a shuffled
 *           order; also 100,000 names that are not there
 *   field   tyr_field_by_name() in a 50-field struct, cycling through all 50 names
 * Each figure is timed per batch with clock_gettime(CLOCK_MONOTONIC) and reported as
 * min / median / max over the repetitions, next to the target.
 * Usage: bench_registry [repetitions]   (default 11)
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tyr/tyr.h"

#define BUILD_TYPES 1000000u
#define NAMED_TYPES 100000u
#define NFIELDS 50u
#define FIELD_LOOKUPS 1000000u /* per batch */

static volatile uint64_t sink; /* keeps results alive so nothing is optimised away */

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

struct stats {
    double min, median, max;
};

static struct stats summarize(double *v, unsigned n)
{
    qsort(v, n, sizeof *v, cmp_double);
    struct stats s = {v[0], n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2, v[n - 1]};
    return s;
}

static void die(const char *what, int err)
{
    fprintf(stderr, "bench_registry: %s: %s\n", what, tyr_strerror(err));
    exit(1);
}

#define TRY(call)                    \
    do {                             \
        int err_ = (call);           \
        if (err_ < 0)                \
            die(#call, err_);        \
    } while (0)

/* "name_%u" strings in one block: names[i] points into it. */
static char **make_names(const char *prefix, unsigned n)
{
    size_t width = strlen(prefix) + 12;
    char **names = malloc(n * sizeof *names);
    char *block = malloc((size_t)n * width);
    if (!names || !block) {
        fprintf(stderr, "bench_registry: out of memory\n");
        exit(1);
    }
    for (unsigned i = 0; i < n; i++) {
        names[i] = block + (size_t)i * width;
        snprintf(names[i], width, "%s%u", prefix, i);
    }
    return names;
}

static void free_names(char **names)
{
    free(names[0]);
    free(names);
}

/* Copy src[order[i]] into the i-th slot of dst, a make_names() block whose slots are at
 * least as wide as every source string: dst[i] then follow one another in memory. */
static void lay_out(char **dst, char **src, const unsigned *order, unsigned n)
{
    size_t width = (size_t)(dst[1] - dst[0]);
    for (unsigned i = 0; i < n; i++)
        snprintf(dst[i], width, "%s", src[order[i]]);
}

/* xorshift64*: a fixed, portable shuffle. */
static uint64_t rng_state = 0x9E3779B97F4A7C15u;
static uint64_t rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1Du;
}

static void shuffle(unsigned *v, unsigned n)
{
    for (unsigned i = n - 1; i > 0; i--) {
        unsigned j = (unsigned)(rng() % (i + 1));
        unsigned t = v[i];
        v[i] = v[j];
        v[j] = t;
    }
}

static void report(const char *what, struct stats s, const char *unit, const char *target,
                   int met)
{
    printf("  %-38s %9.1f %9.1f %9.1f  %-8s %-12s %s\n", what, s.min, s.median, s.max, unit,
           target, !strcmp(target, "-") ? "-" : met ? "met" : "NOT MET");
}

/* ---- build ---------------------------------------------------------------------------- */

static double build_mixed(char **struct_names, char **typedef_names)
{
    tyr_registry *reg;
    TRY(tyr_registry_new(NULL, &reg));
    double t0 = now_ns();
    tyr_type i32;
    TRY(tyr_add_int(reg, "int", 4, TYR_INT_SIGNED, &i32));
    uint32_t groups = (BUILD_TYPES - 2) / 4; /* void and int are types too */
    for (uint32_t g = 0; g < groups; g++) {
        tyr_struct s;
        tyr_type ptr, td, arr;
        TRY(tyr_struct_declare(reg, TYR_KIND_STRUCT, struct_names[g], &s));
        TRY(tyr_add_ptr(reg, tyr_struct_type(s), &ptr));
        TRY(tyr_struct_complete(reg, s, 16, 8, 0));
        TRY(tyr_struct_add_field(reg, s, "next", ptr, 0, 0, 0));
        TRY(tyr_struct_add_field(reg, s, "val", i32, 8, 0, 0));
        TRY(tyr_add_typedef(reg, typedef_names[g], tyr_struct_type(s), &td));
        TRY(tyr_add_array(reg, td, 4, 0, &arr));
    }
    double t1 = now_ns();
    uint32_t n = tyr_registry_type_count(reg);
    tyr_registry_free(reg);
    return (double)n / ((t1 - t0) / 1e9) / 1e6;
}

static double build_pointers(void)
{
    tyr_registry *reg;
    TRY(tyr_registry_new(NULL, &reg));
    double t0 = now_ns();
    tyr_type t = TYR_VOID;
    for (uint32_t i = 1; i < BUILD_TYPES; i++)
        TRY(tyr_add_ptr(reg, t, &t));
    double t1 = now_ns();
    uint32_t n = tyr_registry_type_count(reg);
    tyr_registry_free(reg);
    return (double)n / ((t1 - t0) / 1e9) / 1e6;
}

/* ---- find ----------------------------------------------------------------------------- */

static void bench_find(unsigned reps)
{
    char **names = make_names("struct_name_", NAMED_TYPES);
    char **missing = make_names("not_a_struct_", NAMED_TYPES);
    unsigned *order = malloc(NAMED_TYPES * sizeof *order);
    tyr_type *ids = malloc(NAMED_TYPES * sizeof *ids);
    double *hit = malloc(reps * sizeof *hit), *miss = malloc(reps * sizeof *miss);
    char **hit_q = make_names("not_a_struct_", NAMED_TYPES); /* storage as wide as the */
    char **miss_q = make_names("not_a_struct_", NAMED_TYPES); /* longest name */
    if (!order || !ids || !hit || !miss)
        die("malloc", TYR_ENOMEM);

    tyr_registry *reg;
    TRY(tyr_registry_new(NULL, &reg));
    for (unsigned i = 0; i < NAMED_TYPES; i++) {
        tyr_struct s;
        TRY(tyr_struct_new(reg, TYR_KIND_STRUCT, names[i], 8, 8, 0, &s));
        ids[i] = tyr_struct_type(s);
        order[i] = i;
    }
    /* Every lookup is checked once, untimed: the figures are for correct answers. */
    for (unsigned i = 0; i < NAMED_TYPES; i++) {
        tyr_type t;
        TRY(tyr_find(reg, names[i], TYR_KIND_STRUCT, &t));
        if (t.id != ids[i].id)
            die("tyr_find returned the wrong type", TYR_EINVAL);
        if (tyr_find(reg, missing[i], TYR_KIND_STRUCT, &t) != TYR_ENOENT)
            die("tyr_find found a name that is not there", TYR_EINVAL);
    }
    for (unsigned r = 0; r < reps; r++) {
        /* The batch's queries in shuffled order, laid out one after the other: the caller
         * reads its own names sequentially, so only tyr's memory accesses are random. */
        shuffle(order, NAMED_TYPES);
        lay_out(hit_q, names, order, NAMED_TYPES);
        lay_out(miss_q, missing, order, NAMED_TYPES);
        uint64_t acc = 0;
        double t0 = now_ns();
        for (unsigned i = 0; i < NAMED_TYPES; i++) {
            tyr_type t = TYR_VOID;
            (void)tyr_find(reg, hit_q[i], TYR_KIND_STRUCT, &t);
            acc += t.id;
        }
        double t1 = now_ns();
        for (unsigned i = 0; i < NAMED_TYPES; i++) {
            tyr_type t = TYR_VOID;
            acc += (uint64_t)tyr_find(reg, miss_q[i], TYR_KIND_STRUCT, &t);
        }
        double t2 = now_ns();
        sink += acc;
        hit[r] = (t1 - t0) / NAMED_TYPES;
        miss[r] = (t2 - t1) / NAMED_TYPES;
    }
    struct stats s = summarize(hit, reps);
    report("tyr_find, 100,000 structs, hit", s, "ns", "<= 100 ns", s.median <= 100.0);
    s = summarize(miss, reps);
    report("tyr_find, 100,000 structs, miss", s, "ns", "-", 1);

    tyr_registry_free(reg);
    free(hit);
    free(miss);
    free(ids);
    free(order);
    free_names(names);
    free_names(missing);
    free_names(hit_q);
    free_names(miss_q);
}

/* ---- field ---------------------------------------------------------------------------- */

static void bench_field(unsigned reps)
{
    char **names = make_names("member_", NFIELDS);
    double *per = malloc(reps * sizeof *per);
    if (!per)
        die("malloc", TYR_ENOMEM);
    tyr_registry *reg;
    tyr_type i64;
    tyr_struct s;
    TRY(tyr_registry_new(NULL, &reg));
    TRY(tyr_add_int(reg, "long int", 8, TYR_INT_SIGNED, &i64));
    TRY(tyr_struct_new(reg, TYR_KIND_STRUCT, "wide", 8 * NFIELDS, 8, 0, &s));
    for (unsigned i = 0; i < NFIELDS; i++)
        TRY(tyr_struct_add_field(reg, s, names[i], i64, 8 * i, 0, 0));
    tyr_type rec = tyr_struct_type(s);
    for (unsigned i = 0; i < NFIELDS; i++) {
        tyr_field_info f;
        TRY(tyr_field_by_name(reg, rec, names[i], &f));
        if (f.offset != 8u * i)
            die("tyr_field_by_name returned the wrong member", TYR_EINVAL);
    }
    for (unsigned r = 0; r < reps; r++) {
        uint64_t acc = 0;
        unsigned k = 0;
        double t0 = now_ns();
        for (unsigned i = 0; i < FIELD_LOOKUPS; i++) {
            tyr_field_info f;
            f.offset = 0;
            (void)tyr_field_by_name(reg, rec, names[k], &f);
            acc += f.offset;
            if (++k == NFIELDS)
                k = 0;
        }
        double t1 = now_ns();
        sink += acc;
        per[r] = (t1 - t0) / FIELD_LOOKUPS;
    }
    struct stats st = summarize(per, reps);
    report("tyr_field_by_name, 50 fields, all 50", st, "ns", "<= 50 ns", st.median <= 50.0);
    tyr_registry_free(reg);
    free(per);
    free_names(names);
}

int main(int argc, char **argv)
{
    unsigned reps = 11;
    if (argc > 1) {
        long v = strtol(argv[1], NULL, 10);
        if (v < 1 || v > 1000) {
            fprintf(stderr, "usage: bench_registry [repetitions 1..1000]\n");
            return 2;
        }
        reps = (unsigned)v;
    }
    printf("bench_registry: tyr %s, %u repetitions per figure\n", tyr_version_string(), reps);
    printf("  %-38s %9s %9s %9s  %-8s %-12s %s\n", "what", "min", "median", "max", "unit",
           "target", "(median)");

    char **snames = make_names("struct_", BUILD_TYPES / 4);
    char **tnames = make_names("type_t_", BUILD_TYPES / 4);
    double *rate = malloc(reps * sizeof *rate);
    if (!rate)
        die("malloc", TYR_ENOMEM);
    for (unsigned r = 0; r < reps; r++)
        rate[r] = build_mixed(snames, tnames);
    struct stats s = summarize(rate, reps);
    report("build 1M types, mixed", s, "Mtypes/s", ">= 5 M/s", s.median >= 5.0);
    for (unsigned r = 0; r < reps; r++)
        rate[r] = build_pointers();
    s = summarize(rate, reps);
    report("build 1M types, pointers only", s, "Mtypes/s", ">= 5 M/s", s.median >= 5.0);
    free(rate);
    free_names(snames);
    free_names(tnames);

    bench_find(reps);
    bench_field(reps);
    return 0;
}

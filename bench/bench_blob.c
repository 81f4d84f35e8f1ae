/* SPDX-License-Identifier: MIT */
/*
 * bench_blob: what loading a blob costs, against the memory-bandwidth floor.
 *
 * Builds a synthetic registry of ~130,000 types (structs with members, pointers, typedefs,
 * arrays, enums, prototypes and functions, the mix a C program's debug info has), writes it,
 * and prints min / median / max over RUNS runs of:
 *   open+verify (path)   tyr_registry_open_path: mmap + the full verification pass
 *   verify (memory)      tyr_registry_open_mem on bytes already in memory (the pass alone)
 *   trusted open (path)  tyr_registry_open_path with TYR_LOAD_TRUSTED (mmap + header)
 *   read()               open + read() of the same file into a buffer: the floor
 * then the ratios, and the "both strategies" numbers: bytes of the full blob against a blob
 * pruned to one function's arguments and to one struct pointer.
 *
 * Usage: bench_blob [runs] [ntypes]   (bench/run passes its argument, a repetition count, to
 * every benchmark program). TYR_BENCH_BLOB=FILE times a real blob too (bench/run writes one
 * from /usr/bin/python3.11d's DWARF, every type and function).
 */
#define _POSIX_C_SOURCE 200809L

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tyr/tyr.h"

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

struct stat3 {
    double min, med, max;
};

static struct stat3 stats(double *v, int n)
{
    struct stat3 s;
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    s.min = v[0];
    s.med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    s.max = v[n - 1];
    return s;
}

#define CHECK(call)                                                                    \
    do {                                                                               \
        int err_ = (call);                                                             \
        if (err_) {                                                                    \
            fprintf(stderr, "bench_blob: %s: %s (line %d)\n", #call, tyr_strerror(err_), \
                    __LINE__);                                                         \
            exit(1);                                                                   \
        }                                                                              \
    } while (0)

/* The synthetic program: groups of related types until ntypes is reached. */
static tyr_registry *build(uint32_t ntypes, tyr_type *probe_fn, tyr_type *some_ptr)
{
    tyr_registry *r;
    tyr_type t_int, t_long, t_char, t_double, prev_ptr = TYR_VOID, last_fn = TYR_VOID;
    tyr_type mid_ptr = TYR_VOID;
    char name[64];
    uint32_t g = 0;

    CHECK(tyr_registry_new(TYR_OPTS(tyr_registry_opts, .type_hint = ntypes), &r));
    CHECK(tyr_add_int(r, "int", 4, TYR_INT_SIGNED, &t_int));
    CHECK(tyr_add_int(r, "long", 8, TYR_INT_SIGNED, &t_long));
    CHECK(tyr_add_int(r, "char", 1, TYR_INT_SIGNED | TYR_INT_CHAR, &t_char));
    CHECK(tyr_add_float(r, "double", 8, 64, &t_double));
    while (tyr_registry_type_count(r) < ntypes) {
        tyr_struct s;
        tyr_type st, ptr, td, arr, en, proto, fn;
        snprintf(name, sizeof name, "struct_%u", g);
        CHECK(tyr_struct_declare(r, TYR_KIND_STRUCT, name, &s));
        st = tyr_struct_type(s);
        CHECK(tyr_add_ptr(r, st, &ptr));
        CHECK(tyr_struct_complete(r, s, 48, 8, 0));
        CHECK(tyr_struct_add_field(r, s, "next", ptr, 0, 0, 0));
        CHECK(tyr_struct_add_field(r, s, "prev", prev_ptr.id ? prev_ptr : ptr, 8, 0, 0));
        CHECK(tyr_struct_add_field(r, s, "id", t_long, 16, 0, 0));
        CHECK(tyr_struct_add_field(r, s, "flags", t_int, 24, 0, 12));
        CHECK(tyr_struct_add_field(r, s, "mode", t_int, 24, 12, 4));
        if (g % 3 == 0) {
            CHECK(tyr_add_array(r, t_char, 16, 0, &arr));
            CHECK(tyr_struct_add_field(r, s, "name", arr, 28, 0, 0));
        } else {
            CHECK(tyr_struct_add_field(r, s, "weight", t_double, 32, 0, 0));
        }
        snprintf(name, sizeof name, "struct_%u_t", g);
        CHECK(tyr_add_typedef(r, name, st, &td));
        if (g % 4 == 0) {
            snprintf(name, sizeof name, "enum_%u", g);
            CHECK(tyr_enum_new(r, name, 4, 0, &en));
            snprintf(name, sizeof name, "E%u_A", g);
            CHECK(tyr_enum_add(r, en, name, 0));
            snprintf(name, sizeof name, "E%u_B", g);
            CHECK(tyr_enum_add(r, en, name, 1));
        }
        if (g % 8 == 0) {
            CHECK(tyr_func_proto_new(r, t_int, 0, &proto));
            CHECK(tyr_func_proto_add_param(r, proto, "self", ptr));
            CHECK(tyr_func_proto_add_param(r, proto, "n", t_long));
            snprintf(name, sizeof name, "func_%u", g);
            CHECK(tyr_func_new(r, name, proto, &fn));
            if (g > 1000 && !last_fn.id)
                last_fn = fn;
        }
        if (g == 5000)
            mid_ptr = ptr;
        prev_ptr = ptr;
        g++;
    }
    *probe_fn = last_fn;
    *some_ptr = mid_ptr;
    return r;
}

static size_t pruned_bytes(const tyr_registry *r, tyr_type root, uint32_t *kept)
{
    tyr_sized_type st = tyr_sized(r, root);
    tyr_registry *m;
    void *buf;
    size_t len;
    CHECK(tyr_blob_write_mem(r, TYR_OPTS(tyr_write_opts, .roots = &st, .nroots = 1), &buf,
                             &len));
    CHECK(tyr_registry_open_mem(buf, len, NULL, &m));
    *kept = tyr_registry_type_count(m);
    tyr_registry_free(m);
    tyr_blob_buf_free(buf);
    return len;
}

/*
 * Time loading the blob at path (whose bytes are also at blob, len bytes, 8-aligned) RUNS
 * times each way and print the table and the ratios. Returns the median open+verify,
 * read() and trusted open times through *ver, *rd and *tru.
 */
static void time_blob(const char *path, const void *blob, size_t len, int runs, double *ver,
                      double *rd, double *tru)
{
    double *t_ver = calloc((size_t)runs, sizeof(double));
    double *t_mem = calloc((size_t)runs, sizeof(double));
    double *t_tru = calloc((size_t)runs, sizeof(double));
    double *t_read = calloc((size_t)runs, sizeof(double));
    void *rbuf = malloc(len);
    struct stat3 sv, sm, st, sr;
    tyr_registry *m;
    double mb = (double)len / 1e6;
    int i, fd;

    if (!t_ver || !t_mem || !t_tru || !t_read || !rbuf) {
        fprintf(stderr, "bench_blob: out of memory\n");
        exit(2);
    }
    /* Each measurement in its own loop (run 0 of each warms caches and is not counted),
     * so that one operation's cache and TLB footprint does not bill the next. */
    for (i = 0; i < runs + 1; i++) {
        double a = now_us(), b;
        ssize_t got;
        fd = open(path, O_RDONLY);
        got = fd < 0 ? -1 : read(fd, rbuf, len);
        if (fd >= 0)
            close(fd);
        b = now_us();
        if (got != (ssize_t)len) {
            fprintf(stderr, "bench_blob: %s: short read\n", path);
            exit(3);
        }
        if (i)
            t_read[i - 1] = b - a;
    }
    for (i = 0; i < runs + 1; i++) {
        double a = now_us(), b;
        CHECK(tyr_registry_open_path(path, NULL, &m));
        b = now_us();
        tyr_registry_free(m);
        if (i)
            t_ver[i - 1] = b - a;
    }
    for (i = 0; i < runs + 1; i++) {
        double a = now_us(), b;
        CHECK(tyr_registry_open_mem(blob, len, NULL, &m));
        b = now_us();
        tyr_registry_free(m);
        if (i)
            t_mem[i - 1] = b - a;
    }
    for (i = 0; i < runs + 1; i++) {
        double a = now_us(), b;
        CHECK(tyr_registry_open_path(path, TYR_OPTS(tyr_load_opts, .flags = TYR_LOAD_TRUSTED),
                                     &m));
        b = now_us();
        tyr_registry_free(m);
        if (i)
            t_tru[i - 1] = b - a;
    }
    sr = stats(t_read, runs);
    sv = stats(t_ver, runs);
    sm = stats(t_mem, runs);
    st = stats(t_tru, runs);
    CHECK(tyr_registry_open_mem(blob, len, NULL, &m));
    printf("\n%u types, %.2f MB (%.1f bytes/type), %d runs (min / median / max, microseconds):\n",
           tyr_registry_type_count(m), mb, (double)len / tyr_registry_type_count(m), runs);
    printf("  read() of the file        %9.1f %9.1f %9.1f   %6.2f GB/s median\n", sr.min,
           sr.med, sr.max, mb * 1e3 / sr.med);
    printf("  open+verify (path, mmap)  %9.1f %9.1f %9.1f   %6.2f GB/s median, %.1f ns/type\n",
           sv.min, sv.med, sv.max, mb * 1e3 / sv.med, sv.med * 1e3 / tyr_registry_type_count(m));
    printf("  verify (memory, no mmap)  %9.1f %9.1f %9.1f   %6.2f GB/s median\n", sm.min,
           sm.med, sm.max, mb * 1e3 / sm.med);
    printf("  trusted open (path)       %9.1f %9.1f %9.1f\n", st.min, st.med, st.max);
    printf("ratios (median): open+verify throughput = %.0f%% of read(); in-memory verify = "
           "%.0f%% of read(); trusted open = %.4f of read() time\n",
           100.0 * sr.med / sv.med, 100.0 * sr.med / sm.med, st.med / sr.med);
    tyr_registry_free(m);
    *ver = sv.med;
    *rd = sr.med;
    *tru = st.med;
    free(rbuf);
    free(t_ver);
    free(t_mem);
    free(t_tru);
    free(t_read);
}

/* A blob file whole in 8-aligned memory (malloc's alignment), or exit. */
static void *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    void *buf = NULL;
    long n;
    if (!f || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET) != 0 ||
        !(buf = malloc((size_t)n)) || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        fprintf(stderr, "bench_blob: %s: cannot read\n", path);
        exit(2);
    }
    fclose(f);
    *len = (size_t)n;
    return buf;
}

int main(int argc, char **argv)
{
    int runs = argc > 1 ? atoi(argv[1]) : 11;
    uint32_t ntypes = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 10) : 130000;
    const char *real = getenv("TYR_BENCH_BLOB");
    char path[] = "/tmp/tyr_bench_XXXXXX";
    tyr_type fn, ptr;
    tyr_registry *r;
    void *blob;
    size_t len;
    uint32_t kept_fn, kept_ptr;
    double t0, ver, rd, tru;
    int fd;

    if (runs < 1)
        return 2;
    t0 = now_us();
    r = build(ntypes, &fn, &ptr);
    printf("built %u types in %.1f ms\n", tyr_registry_type_count(r), (now_us() - t0) / 1e3);
    CHECK(tyr_blob_write_mem(r, NULL, &blob, &len));
    fd = mkstemp(path);
    if (fd < 0)
        return 2;
    close(fd);
    t0 = now_us();
    CHECK(tyr_blob_write_path(r, path, NULL));
    printf("wrote the full blob: %zu bytes (%.1f bytes/type) in %.1f ms (atomic, fsync)\n", len,
           (double)len / tyr_registry_type_count(r), (now_us() - t0) / 1e3);

    time_blob(path, blob, len, runs, &ver, &rd, &tru);
    printf("targets: open+verify <= 1000 us: %s (median %.0f us); >= 50%% of read(): %s; "
           "trusted <= 20 us: %s\n",
           ver <= 1000 ? "met" : "NOT met", ver, rd / ver >= 0.5 ? "met" : "NOT met",
           tru <= 20 ? "met" : "NOT met");
    if (real) {
        size_t rlen;
        void *rblob = slurp(real, &rlen);
        printf("\na blob imported from DWARF (TYR_BENCH_BLOB=%s):", real);
        time_blob(real, rblob, rlen, runs, &ver, &rd, &tru);
        free(rblob);
    }

    printf("\nboth strategies (full blob vs mark-and-sweep):\n");
    printf("  full blob (every type)              %10zu bytes, %u types\n", len,
           tyr_registry_type_count(r));
    if (fn.id) {
        size_t pb = pruned_bytes(r, fn, &kept_fn);
        printf("  pruned to one function's arguments  %10zu bytes, %u types (%s)\n", pb,
               kept_fn, tyr_type_name(r, fn));
    }
    if (ptr.id) {
        size_t pb = pruned_bytes(r, ptr, &kept_ptr);
        printf("  pruned to one struct pointer        %10zu bytes, %u types (%s *)\n", pb,
               kept_ptr, tyr_type_name(r, tyr_sized_type_id(tyr_sized_pointee(r, tyr_sized(r, ptr)))));
    }
    unlink(path);
    tyr_blob_buf_free(blob);
    tyr_registry_free(r);
    return 0;
}

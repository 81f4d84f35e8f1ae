/* SPDX-License-Identifier: MIT */
/*
 * bench_blob: what loading a blob costs, against the memory-bandwidth floor and against
 * libbpf's btf__parse of the same types.
 *
 * 1. A synthetic registry of ~130,000 types (structs with members, pointers, typedefs,
 *    arrays, enums, prototypes and functions, the mix a C program's debug info has), written
 *    and timed, min / median / max over RUNS runs of:
 *      open (path)          tyr_registry_open_path: mmap + the safe verification level
 *      audit open (path)    the same with TYR_LOAD_AUDIT (+ checksum, name index integrity)
 *      verify (memory)      tyr_registry_open_mem on bytes already in memory (the pass alone)
 *      trusted open (path)  tyr_registry_open_path with TYR_LOAD_TRUSTED (mmap + header)
 *      read()               open + read() of the same file into a buffer: the floor
 *    then the "both strategies" numbers: bytes of the full blob against a blob pruned to one
 *    function's arguments and to one struct pointer.
 * 2. Against BTF, two pairs of the same types, each skipped with the reason printed when a
 *    file is missing or cannot be written:
 *    - /usr/bin/python3.11d's every type and function signature as a blob (`tyr import
 *      --all`; TYR_BENCH_BLOB, which bench/run writes, else written here with the tyr binary
 *      beside this program's directory) and as pahole's detached BTF of the same binary
 *      (TYR_BENCH_BTF, else written here with `pahole --btf_encode_detached`); RUNS rounds.
 *    - the running kernel's BTF, /sys/kernel/btf/vmlinux (TYR_BENCH_VMLINUX_BTF names another
 *      file), and its every type as a blob (`tyr import --btf FILE --all --full`;
 *      TYR_BENCH_VMLINUX_BLOB, else written here with the same tyr binary); min(RUNS, 21)
 *      rounds in this process and min(RUNS, 11) in fresh processes, the counts printed.
 *    For each: bytes and type counts of both files; then interleaved rounds (each round runs
 *    every operation twice in a row, in a rotating order, and counts the second: what an
 *    operation costs after itself, not after another's teardown, such as the TLB flush of
 *    libbpf freeing 10 MB, which alone made a trusted open of the vmlinux blob 40 us where
 *    it costs 8; one uncounted warm-up round) of btf__parse
 *    against the blob's open from the file at each level (safe, audit, trusted), btf__new
 *    against tyr_registry_open_mem on the bytes already in memory, and the mapping alone
 *    (mmap with MAP_POPULATE and a read of every page, no check): min / median / max and
 *    each median's ratio to its libbpf counterpart; the targets (bytes <= 1.2 x BTF, trusted
 *    open <= 20 us, default open <= 0.7 x libbpf in memory and from the file) met or not.
 *    Then the four operations from the file each in a fresh process (this program run again
 *    as `bench_blob --once OP BLOB BTF`), as a runtime opens a file once: medians, minor page
 *    faults, ratios to btf__parse, and the default-open target met or not there. Temporary
 *    files written here are removed afterwards.
 *
 * Usage: bench_blob [runs] [ntypes]   (bench/run passes its argument, a repetition count, to
 * every benchmark program).
 */
#define _POSIX_C_SOURCE 200809L

#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

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
    tyr_registry *m;
    void *buf;
    size_t len;
    CHECK(tyr_blob_write_mem(r, TYR_OPTS(tyr_write_opts, .roots = &root, .nroots = 1), &buf,
                             &len));
    CHECK(tyr_registry_open_mem(buf, len, NULL, &m, NULL));
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
    double *t_aud = calloc((size_t)runs, sizeof(double));
    void *rbuf = malloc(len);
    struct stat3 sv, sm, st, sr, sa;
    tyr_registry *m;
    double mb = (double)len / 1e6;
    int i, fd;

    if (!t_ver || !t_mem || !t_tru || !t_read || !t_aud || !rbuf) {
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
        CHECK(tyr_registry_open_path(path, NULL, &m, NULL));
        b = now_us();
        tyr_registry_free(m);
        if (i)
            t_ver[i - 1] = b - a;
    }
    for (i = 0; i < runs + 1; i++) {
        double a = now_us(), b;
        CHECK(tyr_registry_open_path(path, TYR_OPTS(tyr_load_opts, .flags = TYR_LOAD_AUDIT),
                                     &m, NULL));
        b = now_us();
        tyr_registry_free(m);
        if (i)
            t_aud[i - 1] = b - a;
    }
    for (i = 0; i < runs + 1; i++) {
        double a = now_us(), b;
        CHECK(tyr_registry_open_mem(blob, len, NULL, &m, NULL));
        b = now_us();
        tyr_registry_free(m);
        if (i)
            t_mem[i - 1] = b - a;
    }
    for (i = 0; i < runs + 1; i++) {
        double a = now_us(), b;
        CHECK(tyr_registry_open_path(path, TYR_OPTS(tyr_load_opts, .flags = TYR_LOAD_TRUSTED),
                                     &m, NULL));
        b = now_us();
        tyr_registry_free(m);
        if (i)
            t_tru[i - 1] = b - a;
    }
    sr = stats(t_read, runs);
    sv = stats(t_ver, runs);
    sm = stats(t_mem, runs);
    st = stats(t_tru, runs);
    sa = stats(t_aud, runs);
    CHECK(tyr_registry_open_mem(blob, len, NULL, &m, NULL));
    printf("\n%u types, %.2f MB (%.1f bytes/type), %d runs (min / median / max, microseconds):\n",
           tyr_registry_type_count(m), mb, (double)len / tyr_registry_type_count(m), runs);
    printf("  read() of the file        %9.1f %9.1f %9.1f   %6.2f GB/s median\n", sr.min,
           sr.med, sr.max, mb * 1e3 / sr.med);
    printf("  open (path, mmap, safe)   %9.1f %9.1f %9.1f   %6.2f GB/s median, %.1f ns/type\n",
           sv.min, sv.med, sv.max, mb * 1e3 / sv.med, sv.med * 1e3 / tyr_registry_type_count(m));
    printf("  audit open (path, mmap)   %9.1f %9.1f %9.1f   %6.2f GB/s median\n", sa.min, sa.med,
           sa.max, mb * 1e3 / sa.med);
    printf("  verify (memory, no mmap)  %9.1f %9.1f %9.1f   %6.2f GB/s median\n", sm.min,
           sm.med, sm.max, mb * 1e3 / sm.med);
    printf("  trusted open (path)       %9.1f %9.1f %9.1f\n", st.min, st.med, st.max);
    printf("ratios (median): open throughput = %.0f%% of read(); in-memory verify = "
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
    free(t_aud);
}

/* Bytes of a file, or -1. */
static long long file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (long long)sb.st_size : -1;
}

/* Run a shell command line quietly; 0 on success. */
static int run_quiet(const char *cmd)
{
    char line[8192];
    int n = snprintf(line, sizeof line, "%s >/dev/null 2>&1", cmd);
    return n < 0 || (size_t)n >= sizeof line ? -1 : system(line);
}

#define PY_BINARY "/usr/bin/python3.11d"
/*
 * The operations compared. The first NFILE_OPS start from a path, as btf__parse does; the
 * in-memory pair starts from the file's bytes already in this process's memory (read once,
 * before the rounds): btf__new against tyr_registry_open_mem, the parse against the
 * verification alone, neither paying for a file or a fresh page. OP_MAP is the mapping
 * alone: open, mmap with MAP_POPULATE, one read of every page, close; no check. Every open
 * of a file that maps it pays at least that, whatever its checks cost.
 */
enum {
    OP_BTF,
    OP_OPEN,
    OP_AUDIT,
    OP_TRUSTED,
    NFILE_OPS,
    OP_BTF_MEM = NFILE_OPS,
    OP_OPEN_MEM,
    OP_MAP,
    NOPS
};

/* The file's bytes in memory for the in-memory pair: the blob 8-aligned, the BTF as read. */
struct mem_copies {
    void *blob, *btf;
    size_t blob_len, btf_len;
};

static const char *const op_names[NOPS] = {
    [OP_BTF] = "btf__parse (libbpf)", [OP_OPEN] = "open (safe, default)",
    [OP_AUDIT] = "open (audit)",      [OP_TRUSTED] = "open (trusted)",
    [OP_BTF_MEM] = "btf__new (libbpf)", [OP_OPEN_MEM] = "open_mem (safe)",
    [OP_MAP] = "mapping alone",
};

/* The whole file at path in a new 8-aligned buffer (owned by the caller: free()). */
static void *read_all(const char *path, size_t *len)
{
    long long n = file_size(path);
    void *buf = n > 0 ? aligned_alloc(8, ((size_t)n + 7) & ~(size_t)7) : NULL;
    FILE *f = buf ? fopen(path, "rb") : NULL;
    if (!f || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        fprintf(stderr, "bench_blob: cannot read %s\n", path);
        exit(3);
    }
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* Open, map with MAP_POPULATE and read a byte of every page of path; unmap after the clock. */
static double time_map(const char *path)
{
    double a = now_us(), b;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || st.st_size <= 0) {
        fprintf(stderr, "bench_blob: cannot map %s\n", path);
        exit(3);
    }
    size_t n = (size_t)st.st_size;
    const volatile unsigned char *m =
        mmap(NULL, n, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    close(fd);
    if (m == MAP_FAILED) {
        fprintf(stderr, "bench_blob: mmap %s failed\n", path);
        exit(3);
    }
    unsigned sum = 0;
    for (size_t off = 0; off < n; off += 4096)
        sum += m[off];
    b = now_us();
    munmap((void *)(uintptr_t)m, n);
    return sum == UINT_MAX ? b - a + 1e-9 : b - a; /* sum used: the reads stay */
}

/* One timed operation on the BTF file or the blob, in microseconds. */
static double time_op(int op, const char *blob, const char *btf, const struct mem_copies *mem)
{
    double a = now_us(), b;
    if (op == OP_BTF || op == OP_BTF_MEM) {
        struct btf *t =
            op == OP_BTF ? btf__parse(btf, NULL) : btf__new(mem->btf, (__u32)mem->btf_len);
        b = now_us();
        if (!t || libbpf_get_error(t)) {
            fprintf(stderr, "bench_blob: libbpf cannot read %s\n", btf);
            exit(3);
        }
        btf__free(t);
        return b - a;
    }
    if (op == OP_MAP)
        return time_map(blob);
    tyr_registry *m;
    if (op == OP_OPEN_MEM) {
        CHECK(tyr_registry_open_mem(mem->blob, mem->blob_len, NULL, &m, NULL));
        b = now_us();
        tyr_registry_free(m);
        return b - a;
    }
    uint32_t flags = op == OP_AUDIT ? TYR_LOAD_AUDIT : op == OP_TRUSTED ? TYR_LOAD_TRUSTED : 0;
    CHECK(tyr_registry_open_path(blob, TYR_OPTS(tyr_load_opts, .flags = flags), &m, NULL));
    b = now_us();
    tyr_registry_free(m);
    return b - a;
}

/* Minor page faults of this process so far. */
static long minor_faults(void)
{
    struct rusage ru;
    return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_minflt : -1;
}

/* `bench_blob --once OP BLOB BTF`: one operation in this fresh process; prints its
 * microseconds and the minor page faults it took. */
static int run_once(int op, const char *blob, const char *btf)
{
    if (op < 0 || op >= NFILE_OPS)
        return 2;
    long f0 = minor_faults();
    double us = time_op(op, blob, btf, NULL);
    printf("%.1f %ld\n", us, minor_faults() - f0);
    return 0;
}

/*
 * The same operations each in a fresh process (this program run again with --once), as an
 * AOT runtime or a tool opens a file once: there the heap is new too, so btf__parse pays the
 * first touch of every page it allocates, as the blob's mapping does. Medians of runs
 * interleaved rounds; prints the ratios.
 */
static void versus_btf_fresh(const char *label, const char *blob, const char *btf, int runs)
{
    char self[4096], cmd[12288];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    double *v[NFILE_OPS];
    long faults[NFILE_OPS] = {0};

    if (n <= 0) {
        printf("  fresh processes: skipped (no /proc/self/exe)\n");
        return;
    }
    self[n] = '\0';
    for (int op = 0; op < NFILE_OPS; op++)
        if (!(v[op] = calloc((size_t)runs, sizeof(double)))) {
            fprintf(stderr, "bench_blob: out of memory\n");
            exit(2);
        }
    for (int r = 0; r < runs; r++)
        for (int j = 0; j < NFILE_OPS; j++) {
            int op = (r + j) % NFILE_OPS;
            long f = 0;
            FILE *p;
            int len = snprintf(cmd, sizeof cmd, "'%s' --once %d '%s' '%s'", self, op, blob, btf);
            if (len < 0 || (size_t)len >= sizeof cmd || !(p = popen(cmd, "r")) ||
                fscanf(p, "%lf %ld", &v[op][r], &f) != 2) {
                fprintf(stderr, "bench_blob: %s failed\n", cmd);
                exit(3);
            }
            pclose(p);
            faults[op] += f;
        }
    printf("  each in a fresh process, %d interleaved rounds (median us, minor faults):\n",
           runs);
    double med[NFILE_OPS];
    for (int op = 0; op < NFILE_OPS; op++)
        med[op] = stats(v[op], runs).med;
    for (int op = 0; op < NFILE_OPS; op++) {
        printf("    %-22s %9.1f   %6.1f faults   %.3f x btf__parse\n", op_names[op], med[op],
               (double)faults[op] / runs, med[op] / med[OP_BTF]);
        free(v[op]);
    }
    printf("  targets (%s): default open <= 0.7 x libbpf: in a fresh process %s (%.3f x "
           "btf__parse)\n",
           label, med[OP_OPEN] <= 0.7 * med[OP_BTF] ? "met" : "NOT met",
           med[OP_OPEN] / med[OP_BTF]);
}

/*
 * One pair: the blob at blob and the BTF at btf, the same types (label names them in the
 * targets lines). Bytes, then btf__parse against the blob's open at each level, runs
 * interleaved rounds in this process (each round runs every operation twice in a row and
 * counts the second, starting one later each round, so that none always follows the same
 * one), medians and ratios; then the file operations each in a fresh process, fresh_runs
 * rounds.
 */
static void versus_btf(const char *label, const char *blob, const char *btf, int runs,
                       int fresh_runs)
{
    long long nb = file_size(blob), nt = file_size(btf);
    tyr_registry *m;
    struct btf *t = btf__parse(btf, NULL);
    CHECK(tyr_registry_open_path(blob, NULL, &m, NULL));
    if (!t || libbpf_get_error(t) || nb <= 0 || nt <= 0) {
        fprintf(stderr, "bench_blob: %s: cannot read %s or %s\n", label, blob, btf);
        exit(3);
    }
    printf("  blob %s: %lld bytes, %u types\n", blob, nb, tyr_registry_type_count(m));
    printf("  BTF  %s: %lld bytes, %u types\n", btf, nt, btf__type_cnt(t));
    printf("  bytes: blob / BTF = %.3f (target <= 1.2)\n", (double)nb / (double)nt);
    btf__free(t);
    tyr_registry_free(m);

    struct mem_copies mem;
    mem.blob = read_all(blob, &mem.blob_len);
    mem.btf = read_all(btf, &mem.btf_len);
    double *v[NOPS];
    for (int op = 0; op < NOPS; op++)
        if (!(v[op] = calloc((size_t)runs, sizeof(double)))) {
            fprintf(stderr, "bench_blob: out of memory\n");
            exit(2);
        }
    for (int r = -1; r < runs; r++) /* round -1 warms the caches and is not counted */
        for (int j = 0; j < NOPS; j++) {
            int op = (r + 1 + j) % NOPS;
            (void)time_op(op, blob, btf, &mem); /* the state this operation leaves */
            double us = time_op(op, blob, btf, &mem);
            if (r >= 0)
                v[op][r] = us;
        }
    struct stat3 s[NOPS];
    for (int op = 0; op < NOPS; op++)
        s[op] = stats(v[op], runs);
    printf("  %d interleaved rounds, each operation timed after itself (min / median / max,"
           " microseconds):\n",
           runs);
    for (int op = 0; op < NOPS; op++) {
        int base = op == OP_OPEN_MEM || op == OP_BTF_MEM ? OP_BTF_MEM : OP_BTF;
        if (op == NFILE_OPS)
            printf("   from the bytes in memory (no file, no fresh page):\n");
        printf("    %-22s %9.1f %9.1f %9.1f   %.3f x %s\n", op_names[op], s[op].min,
               s[op].med, s[op].max, s[op].med / s[base].med,
               base == OP_BTF ? "btf__parse" : "btf__new");
    }
    double r_file = s[OP_OPEN].med / s[OP_BTF].med, r_mem = s[OP_OPEN_MEM].med / s[OP_BTF_MEM].med;
    printf("  the mapping alone is %.0f%% of the default open from the file; the verification in"
           " memory, %.0f%%\n",
           100.0 * s[OP_MAP].med / s[OP_OPEN].med, 100.0 * s[OP_OPEN_MEM].med / s[OP_OPEN].med);
    printf("  targets (%s): bytes <= 1.2 x BTF: %s (%.3f); trusted open <= 20 us: %s (%.1f)\n",
           label, (double)nb / (double)nt <= 1.2 ? "met" : "NOT met", (double)nb / (double)nt,
           s[OP_TRUSTED].med <= 20 ? "met" : "NOT met", s[OP_TRUSTED].med);
    printf("  targets (%s): default open <= 0.7 x libbpf: in memory %s (%.3f x btf__new); from "
           "the file, repeated in this process, %s (%.3f x btf__parse)\n",
           label, r_mem <= 0.7 ? "met" : "NOT met", r_mem, r_file <= 0.7 ? "met" : "NOT met",
           r_file);
    free(mem.blob);
    free(mem.btf);
    for (int op = 0; op < NOPS; op++)
        free(v[op]);
    versus_btf_fresh(label, blob, btf, fresh_runs);
}

/*
 * Fill path (size bytes) with a file a pair compares: the one environment variable env
 * names, else tmp, written by the shell command cmd (a line that cmd_len, snprintf's return,
 * says fitted). Returns 1 when it wrote tmp (the caller removes it), 0 when env named the
 * file, -1 when cmd failed, after printing the skip.
 */
static int file_from(const char *env, const char *tmp, const char *cmd, int cmd_len,
                     size_t cmd_size, char *path, size_t size)
{
    const char *given = getenv(env);
    if (given) {
        snprintf(path, size, "%s", given);
        return 0;
    }
    if (cmd_len < 0 || (size_t)cmd_len >= cmd_size || run_quiet(cmd) != 0) {
        printf("  skipped: could not run: %s (set %s)\n", cmd, env);
        return -1;
    }
    snprintf(path, size, "%s", tmp);
    return 1;
}

/* The tyr tool beside this program's directory (the build tree's bench/../tyr) into out. */
static void tyr_tool_path(const char *argv0, char *out, size_t size)
{
    char self[4096];
    snprintf(self, sizeof self, "%s", argv0);
    snprintf(out, size, "%s/../tyr", dirname(self));
}

/* python3.11d's every type and function signature as a blob and as pahole's BTF. */
static void versus_python(const char *argv0, int runs)
{
    char tyr[4200], blob[4096], btf[4096], tmp_blob[64], tmp_btf[64], cmd[8192];
    int n, made_blob, made_btf;

    printf("\nagainst BTF: every type and function signature of %s\n", PY_BINARY);
    if ((!getenv("TYR_BENCH_BLOB") || !getenv("TYR_BENCH_BTF")) && access(PY_BINARY, R_OK) != 0) {
        printf("  skipped: %s is not installed (apt-get install python3.11-dbg)\n", PY_BINARY);
        return;
    }
    tyr_tool_path(argv0, tyr, sizeof tyr);
    snprintf(tmp_blob, sizeof tmp_blob, "/tmp/tyr_bench_py_%ld.tyr", (long)getpid());
    n = snprintf(cmd, sizeof cmd, "'%s' import --all %s -o '%s'", tyr, PY_BINARY, tmp_blob);
    made_blob = file_from("TYR_BENCH_BLOB", tmp_blob, cmd, n, sizeof cmd, blob, sizeof blob);
    if (made_blob < 0)
        return;
    snprintf(tmp_btf, sizeof tmp_btf, "/tmp/tyr_bench_py_%ld.btf", (long)getpid());
    n = snprintf(cmd, sizeof cmd, "pahole --btf_encode_detached '%s' %s", tmp_btf, PY_BINARY);
    made_btf = file_from("TYR_BENCH_BTF", tmp_btf, cmd, n, sizeof cmd, btf, sizeof btf);
    if (made_btf >= 0)
        versus_btf("python3.11d", blob, btf, runs, runs);
    if (made_blob > 0)
        unlink(blob);
    if (made_btf > 0)
        unlink(btf);
}

#define VMLINUX_BTF "/sys/kernel/btf/vmlinux"
/* Round caps for the kernel's BTF: each btf__parse of its ~5.5 MB takes about 4 ms in this
 * process and 45-57 ms in a fresh one, where first touches of pages dominate. */
#define VMLINUX_RUNS 21
#define VMLINUX_FRESH_RUNS 11

/* The running kernel's BTF (TYR_BENCH_VMLINUX_BTF, else sysfs) and its every type as a blob
 * (`tyr import --btf FILE --all --full`, or TYR_BENCH_VMLINUX_BLOB). */
static void versus_vmlinux(const char *argv0, int runs)
{
    const char *given = getenv("TYR_BENCH_VMLINUX_BTF");
    const char *btf = given ? given : VMLINUX_BTF;
    char tyr[4200], blob[4096], tmp_blob[64], cmd[12288];
    int n, made_blob;
    int in_runs = runs < VMLINUX_RUNS ? runs : VMLINUX_RUNS;
    int fresh_runs = runs < VMLINUX_FRESH_RUNS ? runs : VMLINUX_FRESH_RUNS;

    printf("\nagainst BTF: every type of the running kernel, %s\n", btf);
    if (access(btf, R_OK) != 0) {
        printf("  skipped: %s is absent (a kernel built with CONFIG_DEBUG_INFO_BTF has it; or "
               "set TYR_BENCH_VMLINUX_BTF)\n",
               btf);
        return;
    }
    tyr_tool_path(argv0, tyr, sizeof tyr);
    snprintf(tmp_blob, sizeof tmp_blob, "/tmp/tyr_bench_vm_%ld.tyr", (long)getpid());
    n = snprintf(cmd, sizeof cmd, "'%s' import --btf '%s' --all --full -o '%s'", tyr, btf,
                 tmp_blob);
    made_blob =
        file_from("TYR_BENCH_VMLINUX_BLOB", tmp_blob, cmd, n, sizeof cmd, blob, sizeof blob);
    if (made_blob < 0)
        return;
    printf("  rounds: %d in this process (at most %d), %d in fresh processes (at most %d)\n",
           in_runs, VMLINUX_RUNS, fresh_runs, VMLINUX_FRESH_RUNS);
    versus_btf("vmlinux", blob, btf, in_runs, fresh_runs);
    if (made_blob > 0)
        unlink(blob);
}

int main(int argc, char **argv)
{
    int runs = argc > 1 ? atoi(argv[1]) : 11;
    uint32_t ntypes = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 10) : 130000;
    char path[] = "/tmp/tyr_bench_XXXXXX";
    tyr_type fn, ptr;
    tyr_registry *r;
    void *blob;
    size_t len;
    uint32_t kept_fn, kept_ptr;
    double t0, ver, rd, tru;
    int fd;

    if (argc == 5 && strcmp(argv[1], "--once") == 0)
        return run_once(atoi(argv[2]), argv[3], argv[4]);
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
    printf("trusted open <= 20 us: %s (median %.1f us); open = %.0f%% of read() throughput\n",
           tru <= 20 ? "met" : "NOT met", tru, 100.0 * rd / ver);

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
    versus_python(argv[0], runs);
    versus_vmlinux(argv[0], runs);
    return 0;
}

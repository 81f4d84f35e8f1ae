/* SPDX-License-Identifier: MIT */
/*
 * Writes the blob_fuzzer seed corpus: blobs of the registries the tests build, so that the
 * fuzzer starts from inputs that verify and mutates every kind of record, the escape tables,
 * the relocation table, the name index and the checksum from there.
 *
 *   make_seeds DIR            writes DIR/<name>.blob for each registry below (DIR must exist)
 *   make_seeds --verify DIR   checks that every file in DIR verifies (the committed copies
 *                             must follow the format: a CTest test runs this)
 *   make_seeds --regressions DIR
 *                             writes the blob fuzzer's past findings (docs/robustness.md) in
 *                             the current format, as fuzz/regressions/blob_fuzzer holds them
 *
 * Run by the build (fuzz/seeds.cmake) into BUILD/fuzz/seeds/blob_fuzzer, so the seeds follow
 * the format as it changes; fuzz/corpus/blob_fuzzer holds a committed copy.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "../tests/escape_fixture.h"
#include "../tests/format_fixture.h"
#include "blob_format.h"
#include "tyr/tyr.h"

#define TRY(call)                                                                            \
    do {                                                                                     \
        int err_ = (call);                                                                   \
        if (err_)                                                                            \
            return err_;                                                                     \
    } while (0)

static const char *dir;

/* Write reg (pruned to roots when nroots > 0) to DIR/name.blob. */
static int emit(const tyr_registry *reg, const char *name, const tyr_type *roots, size_t nroots)
{
    tyr_type st[8];
    char path[4096];
    for (size_t i = 0; i < nroots; i++)
        st[i] = roots[i];
    snprintf(path, sizeof path, "%s/%s.blob", dir, name);
    int err = tyr_blob_write_path(reg, path, nroots ? &(struct tyr_write_opts){
        .sz = sizeof(struct tyr_write_opts), .roots = st, .nroots = nroots} : NULL);
    if (err)
        fprintf(stderr, "make_seeds: %s: %s\n", path, tyr_strerror(err));
    return err;
}

/* The AOT case: `int walk(struct Node *n)`, struct Node { struct Node *next; int value;
 * char tag[3]; }, plus a type the probe does not reach (dropped by the pruned write). */
static int node_list(tyr_registry *r, tyr_type *walk)
{
    tyr_struct s;
    tyr_type i32, chr, node, ptr, tag, proto, l;
    TRY(tyr_add_int(r, "int", 4, TYR_INT_SIGNED, &i32));
    TRY(tyr_add_int(r, "char", 1, TYR_INT_SIGNED | TYR_INT_CHAR, &chr));
    TRY(tyr_struct_declare(r, TYR_KIND_STRUCT, "Node", &s));
    node = tyr_struct_type(s);
    TRY(tyr_add_ptr(r, node, &ptr));
    TRY(tyr_struct_complete(r, s, 16, 8, 0));
    TRY(tyr_struct_add_field(r, s, "next", ptr, 0, 0, 0));
    TRY(tyr_struct_add_field(r, s, "value", i32, 8, 0, 0));
    TRY(tyr_add_array(r, chr, 3, 0, &tag));
    TRY(tyr_struct_add_field(r, s, "tag", tag, 12, 0, 0));
    TRY(tyr_add_int(r, "long", 8, TYR_INT_SIGNED, &l));
    TRY(tyr_func_proto_new(r, i32, 0, &proto));
    TRY(tyr_func_proto_add_param(r, proto, "n", ptr));
    return tyr_func_new(r, "walk", proto, walk);
}

/* One small record of each kind the zoo may not isolate, with 4-byte pointers. */
static int kinds32(tyr_registry *r)
{
    tyr_struct s;
    tyr_type i, f, p, a, flex, e, td, c, v, rs, at, proto, fn, unk;
    TRY(tyr_add_int(r, "unsigned short", 2, 0, &i));
    TRY(tyr_add_float(r, "double", 8, 64, &f));
    TRY(tyr_add_ptr(r, i, &p));
    TRY(tyr_add_array(r, f, 2, 0, &a));
    TRY(tyr_add_array(r, i, 0, TYR_ARRAY_FLEX, &flex));
    TRY(tyr_enum_new(r, "E", 2, TYR_ENUM_SIGNED, &e));
    TRY(tyr_enum_add(r, e, "E_NEG", (uint64_t)-1));
    TRY(tyr_struct_new(r, TYR_KIND_STRUCT, "S", 28, 4, TYR_STRUCT_PACKED, &s));
    TRY(tyr_struct_add_field(r, s, "p", p, 0, 0, 0));
    TRY(tyr_struct_add_field(r, s, "bits", i, 4, 3, 9));
    TRY(tyr_struct_add_field(r, s, "a", a, 6, 0, 0));
    TRY(tyr_struct_add_field(r, s, "e", e, 22, 0, 0));
    TRY(tyr_struct_add_field(r, s, "tail", flex, 24, 0, 0));
    TRY(tyr_add_typedef(r, "S_t", tyr_struct_type(s), &td));
    TRY(tyr_add_qual(r, TYR_KIND_CONST, td, &c));
    TRY(tyr_add_qual(r, TYR_KIND_VOLATILE, c, &v));
    TRY(tyr_add_qual(r, TYR_KIND_RESTRICT, p, &rs));
    TRY(tyr_add_qual(r, TYR_KIND_ATOMIC, i, &at));
    TRY(tyr_struct_declare(r, TYR_KIND_UNION, "Opaque", &s));
    TRY(tyr_func_proto_new(r, v, TYR_FUNC_VARARGS, &proto));
    TRY(tyr_func_proto_add_param(r, proto, NULL, rs));
    TRY(tyr_func_proto_add_param(r, proto, "x", at));
    TRY(tyr_func_new(r, "f", proto, &fn));
    return tyr_add_unknown(r, "?", 3, &unk);
}

/* Anonymous structs and unions nested 40 deep (past the formatters' depth limits). */
static int deep(tyr_registry *r, tyr_type *top)
{
    tyr_type t;
    TRY(tyr_add_int(r, "int", 4, TYR_INT_SIGNED, &t));
    for (int i = 0; i < 40; i++) {
        tyr_struct s;
        TRY(tyr_struct_new(r, i % 2 ? TYR_KIND_UNION : TYR_KIND_STRUCT, i % 5 ? NULL : "D", 4,
                           4, 0, &s));
        TRY(tyr_struct_add_field(r, s, i % 3 ? "in" : NULL, t, 0, 0, 0));
        t = tyr_struct_type(s);
    }
    *top = t;
    return 0;
}

/* Write len bytes to DIR/name. */
static int put(const char *name, const void *buf, size_t len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    int ok = f && fwrite(buf, 1, len, f) == len;
    if (f && fclose(f) != 0)
        ok = 0;
    if (!ok)
        fprintf(stderr, "make_seeds: cannot write %s\n", path);
    return ok ? 0 : TYR_EIO;
}

/*
 * The blob fuzzer's findings, rebuilt in the current format:
 *  - dump-c-rank-counting-sort: the zoo with every record's and array's rank raised near
 *    2^32 (still ordered, so it verifies): tyr_dump_c sorted by rank with a counting sort
 *    sized by the largest rank;
 *  - layout-cacheline-step-hang: a member 2^39 bytes into its struct: tyr_layout stepped to
 *    its cacheline boundary 64 bytes at a time.
 */
static int regressions(void)
{
    tyr_registry *r = NULL;
    struct zoo z;
    void *buf = NULL;
    size_t len = 0;
    TRY(tyr_registry_new(NULL, &r));
    int err = zoo_build(r, &z);
    if (!err)
        err = tyr_blob_write_mem(r, NULL, &buf, &len);
    tyr_registry_free(r);
    if (err)
        return err;
    unsigned char *b = buf;
    const struct tyr_blob_header *h = buf;
    const struct tyr_blob_sect *sect = (const void *)(b + h->fixed_len);
    struct tyr_rec_type *t = (void *)(b + sect[TYR_SECT_TYPES].off);
    struct tyr_rec_layout *l = (void *)(b + sect[TYR_SECT_LAYOUTS].off);
    for (uint32_t id = 1; id < h->ntypes; id++)
        if (tyr__is_record_kind(t[id].kind) || t[id].kind == TYR_KIND_ARRAY)
            l[t[id].b].rank = UINT32_MAX - 64 + l[t[id].b].rank;
    uint64_t hdr_len = h->fixed_len + (uint64_t)h->nsect * sizeof *sect;
    uint64_t sum = XXH3_64bits(b + hdr_len, (size_t)(h->total_len - hdr_len));
    memcpy(b + offsetof(struct tyr_blob_header, checksum), &sum, sizeof sum);
    err = put("dump-c-rank-counting-sort", buf, len);
    tyr_blob_buf_free(buf);
    if (err)
        return err;

    tyr_struct s;
    tyr_type c;
    TRY(tyr_registry_new(NULL, &r));
    if (!(err = tyr_add_int(r, "char", 1, TYR_INT_CHAR, &c)) &&
        !(err = tyr_struct_new(r, TYR_KIND_STRUCT, "Far", (uint64_t)1 << 40, 1, 0, &s)) &&
        !(err = tyr_struct_add_field(r, s, "near", c, 0, 0, 0)) &&
        !(err = tyr_struct_add_field(r, s, "far", c, (uint64_t)1 << 39, 0, 0)) &&
        !(err = tyr_struct_add_field(r, s, "last", c, TYR_FIELD_OFFSET_MAX, 0, 0)) &&
        !(err = tyr_blob_write_mem(r, NULL, &buf, &len))) {
        err = put("layout-cacheline-step-hang", buf, len);
        tyr_blob_buf_free(buf);
    }
    tyr_registry_free(r);
    return err;
}

/* 0 when every regular file in d verifies as a blob; prints the ones that do not. */
static int verify_dir(const char *d)
{
    DIR *dp = opendir(d);
    if (!dp) {
        fprintf(stderr, "make_seeds: cannot open %s\n", d);
        return 1;
    }
    int bad = 0;
    for (struct dirent *e; (e = readdir(dp));) {
        char path[4096];
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", d, e->d_name);
        tyr_diag diag = {0};
        tyr_registry *reg = NULL;
        int err = tyr_registry_open_path(path, NULL, &reg, &diag);
        if (err) {
            fprintf(stderr, "make_seeds: %s: %s: %s (regenerate: cp BUILD/fuzz/seeds/blob_fuzzer/* "
                            "fuzz/corpus/blob_fuzzer/)\n",
                    path, tyr_strerror(err), diag.what);
            bad = 1;
        }
        tyr_registry_free(reg);
    }
    closedir(dp);
    return bad;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--verify") == 0)
        return verify_dir(argv[2]);
    if (argc == 3 && strcmp(argv[1], "--regressions") == 0) {
        dir = argv[2];
        int e = regressions();
        if (e)
            fprintf(stderr, "make_seeds: %s\n", tyr_strerror(e));
        return e ? 1 : 0;
    }
    if (argc != 2) {
        fprintf(stderr, "usage: make_seeds DIR | make_seeds --verify DIR | "
                        "make_seeds --regressions DIR\n");
        return 2;
    }
    dir = argv[1];
    tyr_registry *r = NULL;
    struct zoo z;
    tyr_type t;
    int err = 0;

#define STEP(call)                                                                           \
    do {                                                                                     \
        if (!err)                                                                            \
            err = (call);                                                                    \
    } while (0)
#define FRESH(opts)                                                                          \
    do {                                                                                     \
        tyr_registry_free(r);                                                                \
        r = NULL;                                                                            \
        STEP(tyr_registry_new((opts), &r));                                                  \
    } while (0)

    FRESH(NULL);
    STEP(emit(r, "empty", NULL, 0));

    FRESH(NULL);
    STEP(zoo_build(r, &z));
    STEP(emit(r, "zoo", NULL, 0));
    STEP(emit(r, "zoo-walk", &z.walk, 1));
    tyr_type two[2] = {z.node_t, z.cb_ptr};
    STEP(emit(r, "zoo-node-cb", two, 2));

    FRESH(NULL);
    STEP(node_list(r, &t));
    STEP(emit(r, "node", NULL, 0));
    STEP(emit(r, "node-walk", &t, 1));

    FRESH(TYR_OPTS(tyr_registry_opts, .pointer_size = 4));
    STEP(kinds32(r));
    STEP(emit(r, "kinds32", NULL, 0));

    FRESH(NULL);
    STEP(deep(r, &t));
    STEP(emit(r, "deep", NULL, 0));

    /* wide field places and enumerator values: the escape tables */
    struct escapes x;
    FRESH(NULL);
    STEP(escapes_build(r, &x));
    STEP(emit(r, "escapes", NULL, 0));
    STEP(emit(r, "escapes-take", &x.take, 1));

    tyr_registry_free(r);
    if (err) {
        fprintf(stderr, "make_seeds: %s\n", tyr_strerror(err));
        return 1;
    }
    return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * The .aot container without BPF: written from a registry built by hand, opened from a path
 * and from memory, its probes, values and plans read back; then hostile variants of it (bad
 * header, tables pointing outside the file, a blob failing verification, capture items reading
 * past their bounds), each refused with an error by the library and with one line and exit 1
 * by `tyr aot verify` and `tyr aot run`; then random damage with the checksum made to match,
 * which must never crash or read out of bounds (ASan watches).
 *
 * Usage: test_aot_file TYR WORKDIR
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xxhash.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "aot_format.h"
#include "tyr/aot.h"
#include "tyr/blob.h"

static const char *tyr_bin, *workdir;
static char good_path[4096];
static uint8_t *good;
static size_t good_len;

/* A registry with `int walk(struct Node *n)` and `long pair(struct Pair p, double d, int x)`. */
static tyr_registry *make_registry(tyr_type *walk, tyr_type *pair)
{
    tyr_registry *reg;
    assert_int_equal(tyr_registry_new(NULL, &reg), 0);
    tyr_type i32, i64, dbl, pnode, proto;
    tyr_struct node, pr;
    assert_int_equal(tyr_add_int(reg, "int", 4, TYR_INT_SIGNED, &i32), 0);
    assert_int_equal(tyr_add_int(reg, "long", 8, TYR_INT_SIGNED, &i64), 0);
    assert_int_equal(tyr_add_float(reg, "double", 8, 64, &dbl), 0);
    assert_int_equal(tyr_struct_declare(reg, TYR_KIND_STRUCT, "Node", &node), 0);
    assert_int_equal(tyr_add_ptr(reg, tyr_struct_type(node), &pnode), 0);
    assert_int_equal(tyr_struct_complete(reg, node, 16, 8, 0), 0);
    assert_int_equal(tyr_struct_add_field(reg, node, "next", pnode, 0, 0, 0), 0);
    assert_int_equal(tyr_struct_add_field(reg, node, "val", i32, 8, 0, 0), 0);
    assert_int_equal(tyr_struct_new(reg, TYR_KIND_STRUCT, "Pair", 16, 8, 0, &pr), 0);
    assert_int_equal(tyr_struct_add_field(reg, pr, "a", i64, 0, 0, 0), 0);
    assert_int_equal(tyr_struct_add_field(reg, pr, "b", i32, 8, 0, 0), 0);
    assert_int_equal(tyr_func_proto_new(reg, i32, 0, &proto), 0);
    assert_int_equal(tyr_func_proto_add_param(reg, proto, "n", pnode), 0);
    assert_int_equal(tyr_func_new(reg, "walk", proto, walk), 0);
    assert_int_equal(tyr_func_proto_new(reg, i64, 0, &proto), 0);
    assert_int_equal(tyr_func_proto_add_param(reg, proto, "p", tyr_struct_type(pr)), 0);
    assert_int_equal(tyr_func_proto_add_param(reg, proto, "d", dbl), 0);
    assert_int_equal(tyr_func_proto_add_param(reg, proto, "x", i32), 0);
    assert_int_equal(tyr_func_new(reg, "pair", proto, pair), 0);
    /* Something no probe reaches, for the prune to drop. */
    tyr_struct unused;
    assert_int_equal(tyr_struct_new(reg, TYR_KIND_STRUCT, "Unused", 4, 4, 0, &unused), 0);
    return reg;
}

static void write_file(const char *path, const void *buf, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, buf, len), (ssize_t)len);
    close(fd);
}

static int setup(void **state)
{
    (void)state;
    mkdir(workdir, 0755);
    tyr_type walk, pair;
    tyr_registry *reg = make_registry(&walk, &pair);
    static const uint8_t id[20] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20};
    const char *fields[] = {"n->next->val"};
    struct tyr_aot_probe_spec specs[] = {
        {.target = "/nonexistent/target", .build_id = id, .build_id_len = 20, .symbol = "walk",
         .file_offset = 0x1139, .func = walk, .deref = 1, .fields = fields, .nfields = 1},
        {.target = "/nonexistent/target", .build_id = id, .build_id_len = 20, .symbol = "walk",
         .file_offset = 0x1139, .ret = true, .func = walk},
        {.target = "/nonexistent/target", .build_id = id, .build_id_len = 20, .symbol = "pair",
         .file_offset = 0x1200, .func = pair, .deref = 1},
    };
    snprintf(good_path, sizeof(good_path), "%s/good.aot", workdir);
    tyr_diag d = {0};
    int err = tyr_aot_write_path(reg, specs, 3, good_path, NULL, &d);
    if (err)
        fprintf(stderr, "write: %s: %s\n", tyr_strerror(err), d.what);
    assert_int_equal(err, 0);
    tyr_registry_free(reg);
    FILE *f = fopen(good_path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    good_len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    good = aligned_alloc(8, (good_len + 7) / 8 * 8);
    assert_non_null(good);
    assert_int_equal(fread(good, 1, good_len, f), good_len);
    fclose(f);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(good);
    return 0;
}

static void test_read_back(void **state)
{
    (void)state;
    tyr_aot *aot;
    assert_int_equal(tyr_aot_open_path(good_path, NULL, &aot, NULL), 0);
    tyr_aot_file_info info;
    tyr_aot_get_info(aot, &info);
    assert_int_equal(info.probes, 3);
    assert_int_equal(info.targets, 1);
    assert_int_equal(info.blob_offset % 4096, 0);
    /* The prune dropped struct Unused. */
    assert_int_not_equal(tyr_find(tyr_aot_registry(aot), "Unused", TYR_KIND_ANY, &(tyr_type){0}), 0);
    assert_true(info.full_types > tyr_registry_type_count(tyr_aot_registry(aot)));
    tyr_aot_target_info ti;
    assert_int_equal(tyr_aot_target_get(aot, 0, &ti), 0);
    assert_string_equal(ti.path, "/nonexistent/target");
    assert_int_equal(ti.build_id_len, 20);
    assert_int_equal(ti.build_id[19], 20);

    tyr_aot_probe_info p;
    assert_int_equal(tyr_aot_probe_get(aot, 0, &p), 0);
    assert_string_equal(p.symbol, "walk");
    assert_false(p.ret);
    assert_int_equal(p.values, 3); /* n, *n, n->next->val */
    assert_string_equal(tyr_type_name(tyr_aot_registry(aot), p.func), "walk");
    tyr_aot_value_info v;
    assert_int_equal(tyr_aot_value_get(aot, 0, 0, &v), 0);
    assert_int_equal(v.where, TYR_AOT_IN_REGS);
    assert_int_equal(v.regs[0], 0);
    assert_int_equal(tyr_aot_value_get(aot, 0, 1, &v), 0);
    assert_int_equal(v.kind, TYR_AOT_DEREF);
    assert_int_equal(v.data_len, 16);
    assert_string_equal(tyr_type_name(tyr_aot_registry(aot), v.type), "Node");
    assert_int_equal(tyr_aot_value_get(aot, 0, 2, &v), 0);
    assert_int_equal(v.kind, TYR_AOT_FIELD);
    assert_string_equal(v.name, "n->next->val");
    assert_int_equal(v.data_len, 4);

    assert_int_equal(tyr_aot_probe_get(aot, 2, &p), 0);
    assert_int_equal(p.values, 3); /* p (rdi:rsi), d (xmm0), x (rdx) */
    assert_int_equal(tyr_aot_value_get(aot, 2, 0, &v), 0);
    assert_int_equal(v.nregs, 2);
    assert_int_equal(tyr_aot_value_get(aot, 2, 1, &v), 0);
    assert_int_equal(v.where, TYR_AOT_NOT_CAPTURED);
    assert_int_equal(tyr_aot_value_get(aot, 2, 2, &v), 0);
    assert_int_equal(v.regs[0], 2);

    /* Decoding an event built by hand: pair(p = {-2, 3}, d, x = 7). */
    uint8_t data[64] = {0};
    int64_t a = -2;
    int32_t b = 3, x = 7;
    memcpy(data, &a, 8);
    memcpy(data + 8, &b, 4);
    memcpy(data + 16, &x, 4);
    tyr_aot_event ev = {.probe = 2, .data = data, .data_len = p.data_len};
    struct tyr_buf buf = {0};
    tyr_sink sink = tyr_sink_buf(&buf);
    assert_int_equal(tyr_aot_event_print(aot, &ev, TYR_AOT_PRINT_TEXT, &sink), 0);
    assert_string_equal(buf.data,
                        "pair(p = { .a = -2, .b = 3 }, d = <not captured: SSE register xmm0>, x = 7)");
    /* The same event as JSON. */
    buf.len = 0;
    assert_int_equal(tyr_aot_event_print(aot, &ev, TYR_AOT_PRINT_JSON, &sink), 0);
    assert_string_equal(buf.data,
                        "{\"probe\": \"pair\", \"pid\": 0, \"tid\": 0, \"values\": {\"p\": "
                        "{\"a\": -2, \"b\": 3}, \"d\": {\"not_captured\": \"SSE register xmm0\"}, "
                        "\"x\": 7}}");
    /* A long a double cannot hold exactly is a string in JSON. */
    a = (int64_t)1 << 60;
    memcpy(data, &a, 8);
    buf.len = 0;
    assert_int_equal(tyr_aot_event_print(aot, &ev, TYR_AOT_PRINT_JSON, &sink), 0);
    assert_non_null(strstr(buf.data, "\"a\": \"1152921504606846976\""));
    /* A short or misdirected event is refused, not read past. */
    ev.data_len = 3;
    assert_int_equal(tyr_aot_event_print(aot, &ev, TYR_AOT_PRINT_TEXT, &sink), TYR_ECORRUPT);
    ev.probe = 99;
    assert_int_equal(tyr_aot_event_print(aot, &ev, TYR_AOT_PRINT_TEXT, &sink), TYR_ECORRUPT);
    assert_int_equal(tyr_aot_event_print(aot, &ev, TYR_AOT_PRINT_JSON, &sink), TYR_ECORRUPT);
    /* A failed item prints <unreadable>. */
    buf.len = 0;
    ev = (tyr_aot_event){.probe = 2, .fail = 1u, .data = data, .data_len = p.data_len};
    assert_int_equal(tyr_aot_event_print(aot, &ev, TYR_AOT_PRINT_TEXT, &sink), 0);
    assert_non_null(strstr(buf.data, "p = <unreadable>"));
    tyr_buf_free(&buf);
    tyr_aot_free(aot);

    /* From memory: the same. */
    assert_int_equal(tyr_aot_open_mem(good, good_len, NULL, &aot, NULL), 0);
    tyr_aot_free(aot);
}

/* ---- hostile files ------------------------------------------------------------------------- */

static const struct aot_section *section(uint8_t *b, uint32_t kind)
{
    struct aot_section *s = (struct aot_section *)(b + AOT_HEADER_SIZE);
    for (uint32_t i = 0; i < AOT_SEC_COUNT_; i++)
        if (s[i].kind == kind)
            return &s[i];
    fail();
    return NULL;
}

/* After a change to the tables: the checksum made to match, so the check behind it runs. */
static void fix_checksum(uint8_t *b)
{
    struct aot_header *h = (struct aot_header *)b;
    uint64_t blob = section(b, AOT_SEC_BLOB)->offset;
    h->checksum = XXH3_64bits(b + AOT_HEADER_SIZE, (size_t)(blob - AOT_HEADER_SIZE));
}

static int run_tool(const char *sub, const char *path, int *lines)
{
    char out[4096], err[4096];
    snprintf(out, sizeof(out), "%s/tool.out", workdir);
    snprintf(err, sizeof(err), "%s/tool.err", workdir);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(o, 1);
        dup2(e, 2);
        execl(tyr_bin, tyr_bin, "aot", sub, path, (char *)NULL);
        _exit(127);
    }
    int st;
    waitpid(pid, &st, 0);
    FILE *f = fopen(err, "r");
    *lines = 0;
    for (int c; f && (c = fgetc(f)) != EOF;)
        *lines += c == '\n';
    if (f)
        fclose(f);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

struct hostile {
    const char *name;
    void (*damage)(uint8_t *b, size_t *len);
    int err; /* the library's code */
};

static void bad_magic(uint8_t *b, size_t *len) { (void)len; b[0] = 'X'; }
static void bad_version(uint8_t *b, size_t *len) { (void)len; ((struct aot_header *)b)->version = 99; }
static void truncated(uint8_t *b, size_t *len) { (void)b; *len = 40; }
static void cut_blob(uint8_t *b, size_t *len) { (void)b; *len -= 100; }
static void table_flip(uint8_t *b, size_t *len) { (void)len; b[AOT_HEADER_SIZE + 200] ^= 0x40; }
static void section_outside(uint8_t *b, size_t *len)
{
    (void)len;
    ((struct aot_section *)section(b, AOT_SEC_VALUES))->offset = 1u << 30;
    fix_checksum(b);
}
static void probe_values_outside(uint8_t *b, size_t *len)
{
    (void)len;
    struct aot_probe *p = (struct aot_probe *)(b + section(b, AOT_SEC_PROBES)->offset);
    p[1].first_value = 1000;
    fix_checksum(b);
}
static void probe_target_outside(uint8_t *b, size_t *len)
{
    (void)len;
    struct aot_probe *p = (struct aot_probe *)(b + section(b, AOT_SEC_PROBES)->offset);
    p[0].target = 7;
    fix_checksum(b);
}
static void symbol_outside(uint8_t *b, size_t *len)
{
    (void)len;
    struct aot_probe *p = (struct aot_probe *)(b + section(b, AOT_SEC_PROBES)->offset);
    p[0].symbol = 1u << 20;
    fix_checksum(b);
}
static void item_past_data(uint8_t *b, size_t *len)
{
    (void)len;
    struct aot_item *it = (struct aot_item *)(b + section(b, AOT_SEC_ITEMS)->offset);
    it[1].dst = 4000; /* the deref of n: 16 bytes at 4000, past the probe's data */
    fix_checksum(b);
}
static void item_bad_register(uint8_t *b, size_t *len)
{
    (void)len;
    struct aot_item *it = (struct aot_item *)(b + section(b, AOT_SEC_ITEMS)->offset);
    it[0].reg = 200;
    fix_checksum(b);
}
static void item_huge(uint8_t *b, size_t *len)
{
    (void)len;
    struct aot_item *it = (struct aot_item *)(b + section(b, AOT_SEC_ITEMS)->offset);
    it[1].size = 1u << 31;
    fix_checksum(b);
}
static void value_type_outside(uint8_t *b, size_t *len)
{
    (void)len;
    struct aot_value *v = (struct aot_value *)(b + section(b, AOT_SEC_VALUES)->offset);
    v[0].type = 1u << 30;
    fix_checksum(b);
}
static void func_not_function(uint8_t *b, size_t *len)
{
    (void)len;
    struct aot_probe *p = (struct aot_probe *)(b + section(b, AOT_SEC_PROBES)->offset);
    p[0].func = 1;
    fix_checksum(b);
}
static void blob_flip(uint8_t *b, size_t *len)
{
    (void)len;
    b[section(b, AOT_SEC_BLOB)->offset + 200] ^= 0x10;
}
static void sections_overlap(uint8_t *b, size_t *len)
{
    (void)len;
    ((struct aot_section *)section(b, AOT_SEC_TARGETS))->offset =
        section(b, AOT_SEC_STRINGS)->offset;
    fix_checksum(b);
}

static void test_hostile(void **state)
{
    (void)state;
    const struct hostile cases[] = {
        {"bad magic", bad_magic, TYR_ECORRUPT},
        {"bad version", bad_version, TYR_EVERSION},
        {"truncated header", truncated, TYR_ETRUNC},
        {"blob cut short", cut_blob, TYR_ETRUNC},
        {"tables damaged", table_flip, TYR_ECORRUPT},
        {"section outside the file", section_outside, TYR_ECORRUPT},
        {"probe's values outside the table", probe_values_outside, TYR_ECORRUPT},
        {"probe's target outside the table", probe_target_outside, TYR_ECORRUPT},
        {"symbol outside the strings", symbol_outside, TYR_ECORRUPT},
        {"capture item past its data", item_past_data, TYR_ECORRUPT},
        {"capture item register out of range", item_bad_register, TYR_ECORRUPT},
        {"capture item of 2 GiB", item_huge, TYR_ECORRUPT},
        {"value type outside the blob", value_type_outside, TYR_ECORRUPT},
        {"probe type not a function", func_not_function, TYR_ECORRUPT},
        {"blob failing verification", blob_flip, TYR_ECORRUPT},
        {"sections overlapping", sections_overlap, TYR_ECORRUPT},
    };
    uint8_t *b = aligned_alloc(8, (good_len + 7) / 8 * 8);
    assert_non_null(b);
    char path[4096];
    snprintf(path, sizeof(path), "%s/hostile.aot", workdir);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memcpy(b, good, good_len);
        size_t len = good_len;
        cases[i].damage(b, &len);
        tyr_aot *aot = NULL;
        tyr_diag d = {0};
        int err = tyr_aot_open_mem(b, len, NULL, &aot, &d);
        if (err != cases[i].err)
            fail_msg("%s: %s (%s), expected %s", cases[i].name, tyr_strerror(err), d.what,
                     tyr_strerror(cases[i].err));
        assert_null(aot);
        assert_true(d.what[0] != '\0');
        write_file(path, b, len);
        int lines;
        assert_int_equal(run_tool("verify", path, &lines), 1);
        assert_int_equal(lines, 1);
        assert_int_equal(run_tool("run", path, &lines), 1);
        assert_int_equal(lines, 1);
        assert_int_equal(run_tool("stats", path, &lines), 1);
        assert_int_equal(lines, 1);
    }
    /* The good file passes the same commands. */
    int lines;
    assert_int_equal(run_tool("verify", good_path, &lines), 0);
    assert_int_equal(lines, 0);
    free(b);
}

/* Random damage to the tables, the checksum fixed each time: errors, never a crash. */
static void test_random_damage(void **state)
{
    (void)state;
    uint8_t *b = aligned_alloc(8, (good_len + 7) / 8 * 8);
    assert_non_null(b);
    uint64_t blob = section(good, AOT_SEC_BLOB)->offset;
    unsigned seed = 12345, opened = 0, refused = 0;
    for (int round = 0; round < 20000; round++) {
        memcpy(b, good, good_len);
        int flips = 1 + (int)(rand_r(&seed) % 4);
        for (int k = 0; k < flips; k++) {
            size_t at = (size_t)rand_r(&seed) % (size_t)blob;
            b[at] = (uint8_t)rand_r(&seed);
        }
        if (rand_r(&seed) % 8) /* over the good file's range: the table itself may be damaged */
            ((struct aot_header *)b)->checksum =
                XXH3_64bits(b + AOT_HEADER_SIZE, (size_t)(blob - AOT_HEADER_SIZE));
        tyr_aot *aot = NULL;
        int err = tyr_aot_open_mem(b, good_len, NULL, &aot, NULL);
        if (err) {
            refused++;
            continue;
        }
        opened++;
        /* Whatever opened can be listed and printed without a bad read. */
        tyr_aot_file_info info;
        tyr_aot_get_info(aot, &info);
        uint8_t data[AOT_MAX_DATA] = {0};
        for (uint32_t p = 0; p < info.probes; p++) {
            tyr_aot_probe_info pi;
            assert_int_equal(tyr_aot_probe_get(aot, p, &pi), 0);
            tyr_aot_event ev = {.probe = p, .data = data, .data_len = pi.data_len};
            tyr_sink sink = tyr_sink_null();
            tyr_aot_event_print(aot, &ev, TYR_AOT_PRINT_TEXT, &sink);
        }
        tyr_aot_free(aot);
    }
    print_message("random damage: %u opened, %u refused\n", opened, refused);
    assert_true(refused > 0);
    free(b);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s TYR WORKDIR\n", argv[0]);
        return 2;
    }
    tyr_bin = argv[1];
    workdir = argv[2];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_back),
        cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_random_damage),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

/* SPDX-License-Identifier: MIT */
/* tyr_dump_json: the documented schema (docs/json.md) exactly, escaping, and documents that
 * a JSON parser (python3, when installed) accepts with every referenced id listed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "format_fixture.h"
#include "random_registry.h"
#include "tyr/tyr.h"

static char *dump(const tyr_registry *reg, const tyr_type *roots, uint32_t n)
{
    struct tyr_buf b = {0};
    tyr_sink sink = tyr_sink_buf(&b);
    assert_int_equal(tyr_dump_json(reg, TYR_OPTS(tyr_dump_opts, .nroots = n, .roots = roots),
                                   &sink), 0);
    assert_non_null(b.data);
    return b.data;
}

/* Run a python3 check over the document; skip when python3 is not installed. */
static void python_check(const char *doc, const char *script)
{
    if (system("command -v python3 >/dev/null 2>&1") != 0)
        skip();
    char path[] = "/tmp/tyr_json_XXXXXX.json";
    int fd = mkstemps(path, 5);
    assert_true(fd >= 0);
    size_t len = strlen(doc);
    assert_int_equal(write(fd, doc, len), (ssize_t)len);
    close(fd);
    char cmd[4096];
    snprintf(cmd, sizeof(cmd), "python3 -m json.tool %s >/dev/null && python3 -c '%s' %s", path,
             script, path);
    int rc = system(cmd);
    unlink(path);
    assert_int_equal(rc, 0);
}

/* The example of docs/json.md, byte for byte: a probe signature and what it reaches. */
static void test_golden_probe(void **state)
{
    struct zoo_ctx *c = *state;
    char *s = dump(c->reg, &c->z.walk, 1);
    assert_string_equal(
        s,
        "{\"format\": \"tyr\", \"version\": 1, \"pointer_size\": 8,\n"
        "\"types\": [\n"
        "  {\"id\": 1, \"kind\": \"int\", \"name\": \"int\", \"size\": 4, \"align\": 4, "
        "\"signed\": true, \"char\": false, \"bool\": false, \"bits\": 32},\n"
        "  {\"id\": 3, \"kind\": \"int\", \"name\": \"char\", \"size\": 1, \"align\": 1, "
        "\"signed\": true, \"char\": true, \"bool\": false, \"bits\": 8},\n"
        "  {\"id\": 12, \"kind\": \"struct\", \"name\": \"Node\", \"size\": 16, \"align\": 8, "
        "\"packed\": false, \"declaration\": false, \"fields\": [{\"name\": \"next\", \"type\": "
        "13, \"offset\": 0, \"bit_offset\": 0, \"bit_size\": 0}, {\"name\": \"val\", \"type\": "
        "1, \"offset\": 8, \"bit_offset\": 0, \"bit_size\": 0}]},\n"
        "  {\"id\": 13, \"kind\": \"ptr\", \"name\": \"\", \"size\": 8, \"align\": 8, "
        "\"pointee\": 12},\n"
        "  {\"id\": 39, \"kind\": \"func_proto\", \"name\": \"\", \"size\": 0, \"align\": 0, "
        "\"return\": 1, \"varargs\": false, \"params\": [{\"name\": \"n\", \"type\": 13}, "
        "{\"name\": \"mode\", \"type\": 41}]},\n"
        "  {\"id\": 40, \"kind\": \"const\", \"name\": \"\", \"size\": 1, \"align\": 1, "
        "\"target\": 3},\n"
        "  {\"id\": 41, \"kind\": \"ptr\", \"name\": \"\", \"size\": 8, \"align\": 8, "
        "\"pointee\": 40},\n"
        "  {\"id\": 42, \"kind\": \"func\", \"name\": \"walk\", \"size\": 0, \"align\": 0, "
        "\"proto\": 39}\n"
        "],\n"
        "\"functions\": [\n"
        "  {\"id\": 42, \"name\": \"walk\", \"proto\": 39, \"return\": 1, \"varargs\": false, "
        "\"params\": [{\"name\": \"n\", \"type\": 13, \"c\": \"struct Node*\"}, {\"name\": "
        "\"mode\", \"type\": 41, \"c\": \"const char*\"}]}\n"
        "]}\n");
    free(s);
}

/* Enums (signed negative, unsigned beyond 32 bits), bitfields, flexible arrays, floats. */
static void test_golden_kinds(void **state)
{
    struct zoo_ctx *c = *state;
    char *s = dump(c->reg, NULL, 0);
    assert_non_null(strstr(s, "\"kind\": \"enum\", \"name\": \"small\", \"size\": 1, "
                              "\"align\": 1, \"signed\": true, \"enumerators\": [{\"name\": "
                              "\"NEG\", \"value\": -1}, {\"name\": \"POS\", \"value\": 1}]}"));
    assert_non_null(strstr(s, "{\"name\": \"BIG_HUGE\", \"value\": 4294967296}"));
    assert_non_null(strstr(s, "{\"name\": \"col\", \"type\": 14, \"offset\": 0, "
                              "\"bit_offset\": 12, \"bit_size\": 3}"));
    assert_non_null(strstr(s, "\"kind\": \"array\", \"name\": \"\", \"size\": 0, \"align\": 4, "
                              "\"element\": 1, \"count\": 0, \"flexible\": true}"));
    assert_non_null(strstr(s, "\"kind\": \"float\", \"name\": \"long double\", \"size\": 16, "
                              "\"align\": 16, \"bits\": 80}"));
    assert_non_null(strstr(s, "\"kind\": \"unknown\", \"name\": \"weird\", \"size\": 6, "
                              "\"align\": 1}"));
    free(s);
}

/* Quotes, backslashes, control bytes and invalid UTF-8 in names come out as valid JSON. */
static void test_escaping(void **state)
{
    struct zoo_ctx *c = *state;
    tyr_struct s;
    assert_int_equal(tyr_struct_new(c->reg, TYR_KIND_STRUCT, "a\"b\\c\td\x01\xff\xc3\xa9", 4, 4,
                                    0, &s), 0);
    tyr_type root = tyr_struct_type(s);
    char *doc = dump(c->reg, &root, 1);
    assert_non_null(strstr(doc, "\"name\": \"a\\\"b\\\\c\\u0009d\\u0001\\ufffd\xc3\xa9\""));
    python_check(doc, "import json,sys; d=json.load(open(sys.argv[1])); "
                      "assert d[\"types\"][0][\"name\"] == \"a\\\"b\\\\c\\td\\x01\\ufffd\\u00e9\"");
    free(doc);
}

/* The whole zoo parses; ids are increasing and unique; every referenced id is listed. */
static void test_parses_and_ids_resolve(void **state)
{
    struct zoo_ctx *c = *state;
    static const char check[] =
        "import json,sys\n"
        "d=json.load(open(sys.argv[1]))\n"
        "assert d[\"format\"]==\"tyr\" and d[\"version\"]==1\n"
        "ids=[t[\"id\"] for t in d[\"types\"]]\n"
        "assert ids==sorted(set(ids)) and 0 not in ids\n"
        "have=set(ids)\n"
        "refs=[]\n"
        "for t in d[\"types\"]:\n"
        "  for k in (\"pointee\",\"element\",\"target\",\"return\",\"proto\"):\n"
        "    if k in t: refs.append(t[k])\n"
        "  for f in t.get(\"fields\",[])+t.get(\"params\",[]): refs.append(f[\"type\"])\n"
        "for f in d[\"functions\"]: refs += [f[\"proto\"],f[\"return\"]]+[p[\"type\"] for p in f[\"params\"]]\n"
        "missing=[r for r in refs if r and r not in have]\n"
        "assert not missing, missing\n"
        "assert [f[\"name\"] for f in d[\"functions\"]]==[\"walk\"]\n";
    char *doc = dump(c->reg, NULL, 0);
    python_check(doc, check);
    free(doc);
    /* With roots: the closure only, and still self-contained. */
    tyr_type roots[] = {c->z.rec, c->z.grid};
    doc = dump(c->reg, roots, 2);
    assert_null(strstr(doc, "\"holes\""));
    assert_non_null(strstr(doc, "\"name\": \"rec\""));
    char *narrow = malloc(sizeof(check) + 64);
    assert_non_null(narrow);
    /* Same check minus the functions line: rec and grid reach no function. */
    memcpy(narrow, check, sizeof(check));
    char *cut = strstr(narrow, "assert [f[");
    assert_non_null(cut);
    strcpy(cut, "assert d[\"functions\"]==[]\n");
    python_check(doc, narrow);
    free(narrow);
    free(doc);
}

/* Random registries (odd names, every kind) give documents that parse, with every
 * referenced id listed. */
static void test_random_registries_parse(void **state)
{
    (void)state;
    static const char check[] =
        "import json,sys\n"
        "d=json.load(open(sys.argv[1]))\n"
        "have=set(t[\"id\"] for t in d[\"types\"])\n"
        "for t in d[\"types\"]:\n"
        "  for k in (\"pointee\",\"element\",\"target\",\"return\",\"proto\"):\n"
        "    assert t.get(k,0)==0 or t[k] in have, (t,k)\n"
        "  for f in t.get(\"fields\",[])+t.get(\"params\",[]): assert f[\"type\"] in have, f\n";
    for (uint64_t seed = 1; seed <= 3; seed++) {
        rnd_seed(seed);
        tyr_registry *reg;
        assert_int_equal(tyr_registry_new(NULL, &reg), 0);
        random_registry(reg, 300);
        char *doc = dump(reg, NULL, 0);
        python_check(doc, check);
        free(doc);
        tyr_registry_free(reg);
    }
}

/* Bad arguments and a failing sink. */
static void test_errors(void **state)
{
    struct zoo_ctx *c = *state;
    tyr_sink null = tyr_sink_null(), bad = {zoo_fail_write, NULL};
    tyr_type badroot = {9999999};
    assert_int_equal(tyr_dump_json(NULL, NULL, &null), TYR_EINVAL);
    assert_int_equal(tyr_dump_json(c->reg, NULL, NULL), TYR_EINVAL);
    assert_int_equal(tyr_dump_json(c->reg, TYR_OPTS(tyr_dump_opts, .nroots = 1,
                                                    .roots = &badroot), &null), TYR_EHANDLE);
    assert_int_equal(tyr_dump_json(c->reg, NULL, &bad), TYR_EIO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_golden_probe, zoo_setup, zoo_teardown),
        cmocka_unit_test_setup_teardown(test_golden_kinds, zoo_setup, zoo_teardown),
        cmocka_unit_test_setup_teardown(test_escaping, zoo_setup, zoo_teardown),
        cmocka_unit_test_setup_teardown(test_parses_and_ids_resolve, zoo_setup, zoo_teardown),
        cmocka_unit_test(test_random_registries_parse),
        cmocka_unit_test_setup_teardown(test_errors, zoo_setup, zoo_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/*
 * The DWARF importer against the fixture programs (tests/fixtures/fx_*.c) built by
 * tests/dwarf.cmake with gcc and clang, DWARF 4 and 5, -O0 and -O2; a separate debug file;
 * and a dwz pair. Layouts are asserted exactly (sizes, offsets, bit positions), the same
 * for every variant since they all target the same ABI.
 */
#include "dwarf_fixture.h"

/* DW_TAG_atomic_type is DWARF 5: gcc and clang drop _Atomic from DWARF 4 output. */
static bool have_atomic;
/* DW_TAG_restrict_type is DWARF 3: strict DWARF 2 output has a plain pointer. */
static bool have_restrict;
static void set_variant(const char *v)
{
    have_atomic = strstr(v, "-d5") != NULL;
    have_restrict = strstr(v, "-d2") == NULL;
}

/* ---- Expected layouts ---- */

struct xfield {
    const char *name;     /* "" anonymous */
    int kind;             /* kind of the member's type itself (typedef/qualifier kept) */
    uint64_t size;        /* resolved size */
    uint64_t offset;
    uint32_t bit_offset, bit_size;
};
struct xrec {
    const char *name;
    int kind;
    uint64_t size;
    uint32_t align;
    uint32_t nfields;
    struct xfield f[20];
};

#define I TYR_KIND_INT
#define P TYR_KIND_PTR
#define A TYR_KIND_ARRAY
#define S TYR_KIND_STRUCT
#define U TYR_KIND_UNION
#define E TYR_KIND_ENUM
#define T TYR_KIND_TYPEDEF
#define F TYR_KIND_FLOAT

static const struct xrec expected[] = {
    {"Node", S, 16, 8, 2, {{"next", P, 8, 0, 0, 0}, {"val", I, 4, 8, 0, 0}}},
    {"Ping", S, 16, 8, 2, {{"pong", P, 8, 0, 0, 0}, {"tag", I, 1, 8, 0, 0}}},
    {"Pong", S, 16, 8, 2, {{"ping", P, 8, 0, 0, 0}, {"n", I, 8, 8, 0, 0}}},
    {"Bits", S, 16, 8, 6,
     {{"a", I, 4, 0, 0, 3}, {"b", I, 4, 0, 3, 5}, {"c", I, 4, 0, 8, 20}, {"d", I, 8, 8, 0, 40},
      {"e", I, 1, 13, 0, 1}, {"f", I, 2, 14, 0, 0}}},
    {"Anon", S, 12, 4, 3, {{"kind", I, 4, 0, 0, 0}, {"", U, 4, 4, 0, 0}, {"", S, 4, 8, 0, 0}}},
    {"Flex", S, 4, 4, 2, {{"len", I, 4, 0, 0, 0}, {"data", A, 0, 4, 0, 0}}},
    {"Zero", S, 4, 4, 2, {{"n", I, 4, 0, 0, 0}, {"z", A, 0, 4, 0, 0}}},
    {"Multi", S, 64, 4, 2, {{"m", A, 30, 0, 0, 0}, {"grid", A, 32, 32, 0, 0}}},
    {"Ops", S, 24, 8, 3, {{"cmp", T, 8, 0, 0, 0}, {"done", P, 8, 8, 0, 0}, {"vsum", P, 8, 16, 0, 0}}},
    {"At", S, 16, 8, 2,
     {{"counter", TYR_KIND_ATOMIC, 4, 0, 0, 0}, {"head", TYR_KIND_ATOMIC, 8, 8, 0, 0}}},
    {"Q", S, 32, 8, 4,
     {{"c", TYR_KIND_CONST, 4, 0, 0, 0}, {"v", TYR_KIND_VOLATILE, 8, 8, 0, 0},
      {"r", TYR_KIND_RESTRICT, 8, 16, 0, 0}, {"cv", -1, 4, 24, 0, 0}}},
    {"Enums", S, 32, 8, 8,
     {{"a", E, 1, 0, 0, 0}, {"b", E, 1, 1, 0, 0}, {"c", E, 2, 2, 0, 0}, {"d", E, 2, 4, 0, 0},
      {"e", E, 4, 8, 0, 0}, {"f", E, 4, 12, 0, 0}, {"g", E, 8, 16, 0, 0}, {"h", E, 8, 24, 0, 0}}},
    {"Packed", S, 7, 1, 3, {{"c", I, 1, 0, 0, 0}, {"i", I, 4, 1, 0, 0}, {"s", I, 2, 5, 0, 0}}},
    {"Shared", S, 24, 8, 3, {{"a", I, 4, 0, 0, 0}, {"b", I, 8, 8, 0, 0}, {"head", P, 8, 16, 0, 0}}},
    {"Kitchen", S, 304, 16, 18,
     {{"bits", S, 16, 0, 0, 0}, {"anon", S, 12, 16, 0, 0}, {"multi", S, 64, 28, 0, 0},
      {"ops", S, 24, 96, 0, 0}, {"at", S, 16, 120, 0, 0}, {"q", S, 32, 136, 0, 0},
      {"enums", S, 32, 168, 0, 0}, {"dup", S, 4, 200, 0, 0}, {"node", T, 16, 208, 0, 0},
      {"cnode", T, 8, 224, 0, 0}, {"fl", F, 4, 232, 0, 0}, {"db", F, 8, 240, 0, 0},
      {"ld", F, 16, 256, 0, 0}, {"flag", I, 1, 272, 0, 0}, {"sc", I, 1, 273, 0, 0},
      {"uc", I, 1, 274, 0, 0}, {"ull", I, 8, 280, 0, 0}, {"i128", I, 16, 288, 0, 0}}},
};

static void check_record(const tyr_registry *reg, tyr_type t, const struct xrec *x, const char *v)
{
    tyr_type_info ti;
    assert_int_equal(tyr_type_get(reg, t, &ti), 0);
    if (ti.kind != x->kind || ti.size != x->size || ti.align != x->align ||
        ti.count != x->nfields)
        fail_msg("%s: struct %s: kind %d size %llu align %u fields %u", v, x->name, ti.kind,
                 (unsigned long long)ti.size, ti.align, ti.count);
    for (uint32_t i = 0; i < x->nfields; i++) {
        tyr_field_info f;
        const struct xfield *xf = &x->f[i];
        assert_int_equal(tyr_field_at(reg, t, i, &f), 0);
        int k = tyr_type_kind(reg, f.type);
        if (k != TYR_KIND_ATOMIC && xf->kind == TYR_KIND_ATOMIC && !have_atomic)
            k = TYR_KIND_ATOMIC; /* checked through size and offset only */
        if (k == TYR_KIND_PTR && xf->kind == TYR_KIND_RESTRICT && !have_restrict)
            k = TYR_KIND_RESTRICT;
        bool kind_ok = xf->kind < 0 ? (k == TYR_KIND_CONST || k == TYR_KIND_VOLATILE)
                                    : k == xf->kind;
        if (strcmp(f.name, xf->name) != 0 || !kind_ok ||
            tyr_type_size(reg, f.type) != xf->size || f.offset != xf->offset ||
            f.bit_offset != xf->bit_offset || f.bit_size != xf->bit_size)
            fail_msg("%s: %s.%s: name '%s' kind %d size %llu offset %llu bits %u:%u", v, x->name,
                     xf->name, f.name, k, (unsigned long long)tyr_type_size(reg, f.type),
                     (unsigned long long)f.offset, f.bit_offset, f.bit_size);
    }
}

static void check_all_records(tyr_dwarf *dw, tyr_registry *reg, const char *v)
{
    for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++) {
        tyr_type t;
        tyr_diag diag = {0};
        int err = tyr_dwarf_import_type(dw, reg, expected[i].name, expected[i].kind, &t, &diag);
        if (err)
            fail_msg("%s: import %s: %s (%s)", v, expected[i].name, tyr_strerror(err), diag.what);
        check_record(reg, t, &expected[i], v);
    }
}

static void check_details(const tyr_registry *reg, const char *v)
{
    tyr_type t, ft;
    tyr_field_info f;
    /* Anonymous members are found through. */
    assert_int_equal(tyr_find(reg, "Anon", TYR_KIND_STRUCT, &t), 0);
    assert_int_equal(tyr_field_by_name(reg, t, "f", &f), 0);
    assert_int_equal(f.offset, 4);
    assert_int_equal(tyr_type_kind(reg, f.type), TYR_KIND_FLOAT);
    assert_int_equal(tyr_field_by_name(reg, t, "y", &f), 0);
    assert_int_equal(f.offset, 10);
    /* Arrays: flexible, zero-length, multi-dimensional. */
    assert_int_equal(tyr_find(reg, "Flex", TYR_KIND_STRUCT, &t), 0);
    assert_int_equal(tyr_field_at(reg, t, 1, &f), 0);
    tyr_type_info ti;
    assert_int_equal(tyr_type_get(reg, f.type, &ti), 0);
    assert_true(ti.flags & TYR_ARRAY_FLEX);
    assert_int_equal(tyr_find(reg, "Zero", TYR_KIND_STRUCT, &t), 0);
    assert_int_equal(tyr_field_at(reg, t, 1, &f), 0);
    assert_int_equal(tyr_type_get(reg, f.type, &ti), 0);
    assert_false(ti.flags & TYR_ARRAY_FLEX);
    assert_int_equal(ti.count, 0);
    assert_int_equal(tyr_find(reg, "Multi", TYR_KIND_STRUCT, &t), 0);
    assert_int_equal(tyr_field_path(reg, t, "m[1][2][4]", &f), 0);
    assert_int_equal(f.offset, 1 * 15 + 2 * 5 + 4);
    assert_int_equal(tyr_field_path(reg, t, "grid[3][1]", &f), 0);
    assert_int_equal(f.offset, 32 + 3 * 8 + 4);
    char buf[256];
    assert_true(tyr_type_spell(reg, f.type, NULL, 0, buf, sizeof buf) > 0);
    assert_string_equal(buf, "int");
    assert_int_equal(tyr_field_by_name(reg, t, "m", &f), 0);
    assert_true(tyr_type_spell(reg, f.type, NULL, 0, buf, sizeof buf) > 0);
    assert_string_equal(buf, "char [2][3][5]");
    /* Recursion: Node.next points to Node itself; Ping/Pong point to each other. */
    assert_int_equal(tyr_find(reg, "Node", TYR_KIND_STRUCT, &t), 0);
    assert_int_equal(tyr_field_at(reg, t, 0, &f), 0);
    assert_int_equal(tyr_sized_pointee(reg, tyr_sized(reg, f.type)).id, t.id);
    tyr_type ping, pong;
    assert_int_equal(tyr_find(reg, "Ping", TYR_KIND_STRUCT, &ping), 0);
    assert_int_equal(tyr_find(reg, "Pong", TYR_KIND_STRUCT, &pong), 0);
    assert_int_equal(tyr_field_at(reg, ping, 0, &f), 0);
    assert_int_equal(tyr_sized_pointee(reg, tyr_sized(reg, f.type)).id, pong.id);
    assert_int_equal(tyr_field_at(reg, pong, 0, &f), 0);
    assert_int_equal(tyr_sized_pointee(reg, tyr_sized(reg, f.type)).id, ping.id);
    /* Function pointers: a typedef'd one and a varargs one. */
    assert_int_equal(tyr_find(reg, "Ops", TYR_KIND_STRUCT, &t), 0);
    assert_int_equal(tyr_field_by_name(reg, t, "vsum", &f), 0);
    ft = tyr_sized_type_id(tyr_sized_pointee(reg, tyr_sized(reg, f.type)));
    assert_int_equal(tyr_type_get(reg, ft, &ti), 0);
    assert_int_equal(ti.kind, TYR_KIND_FUNC_PROTO);
    assert_true(ti.flags & TYR_FUNC_VARARGS);
    assert_int_equal(ti.count, 1);
    assert_int_equal(tyr_field_by_name(reg, t, "done", &f), 0);
    assert_true(tyr_type_spell(reg, f.type, "done", 0, buf, sizeof buf) > 0);
    assert_string_equal(buf, "void (*done)(struct Ops *, int)");
    assert_int_equal(tyr_field_by_name(reg, t, "cmp", &f), 0);
    assert_string_equal(tyr_type_name(reg, f.type), "cmp_fn");
    /* _Atomic kept, and what it qualifies. */
    assert_int_equal(tyr_find(reg, "At", TYR_KIND_STRUCT, &t), 0);
    assert_int_equal(tyr_field_by_name(reg, t, "head", &f), 0);
    assert_true(tyr_type_spell(reg, f.type, NULL, 0, buf, sizeof buf) > 0);
    assert_string_equal(buf, have_atomic ? "struct Node *_Atomic" : "struct Node *");
    (void)v;
}

/* Enumerators: sizes 1/2/4/8, signed and unsigned, extreme values. */
static void check_enums(const tyr_registry *reg, const char *v)
{
    static const struct {
        const char *name;
        uint32_t size;
        bool is_signed;
        uint64_t lo, hi;
    } x[] = {
        {"e1u", 1, false, 1, 255},
        {"e1s", 1, true, (uint64_t)-128, 127},
        {"e2u", 2, false, 1, 65535},
        {"e2s", 2, true, (uint64_t)-32768, 32767},
        {"e4u", 4, false, 1, 4294967295u},
        {"e4s", 4, true, (uint64_t)INT32_MIN, 7},
        {"e8u", 8, false, 1, UINT64_MAX},
        {"e8s", 8, true, (uint64_t)INT64_MIN, 9},
    };
    for (size_t i = 0; i < sizeof x / sizeof x[0]; i++) {
        tyr_type t;
        tyr_type_info ti;
        tyr_enumerator_info e0, e1;
        if (tyr_find(reg, x[i].name, TYR_KIND_ENUM, &t) != 0)
            fail_msg("%s: enum %s missing", v, x[i].name);
        assert_int_equal(tyr_type_get(reg, t, &ti), 0);
        assert_int_equal(tyr_enumerator_at(reg, t, 0, &e0), 0);
        assert_int_equal(tyr_enumerator_at(reg, t, 1, &e1), 0);
        if (ti.size != x[i].size || !!(ti.flags & TYR_ENUM_SIGNED) != x[i].is_signed ||
            e0.value != x[i].lo || e1.value != x[i].hi)
            fail_msg("%s: enum %s: size %llu signed %d values %llx %llx", v, x[i].name,
                     (unsigned long long)ti.size, !!(ti.flags & TYR_ENUM_SIGNED),
                     (unsigned long long)e0.value, (unsigned long long)e1.value);
    }
}

static void param_is(const tyr_registry *reg, tyr_type fn, uint32_t i, const char *name,
                     const char *spelled)
{
    tyr_param_info p;
    char buf[256];
    assert_int_equal(tyr_param_at(reg, fn, i, &p), 0);
    assert_string_equal(p.name, name);
    assert_true(tyr_type_spell(reg, p.type, NULL, TYR_SPELL_TIGHT, buf, sizeof buf) > 0);
    assert_string_equal(buf, spelled);
}

static tyr_type import_func(tyr_dwarf *dw, tyr_registry *reg, const char *name, const char *v)
{
    tyr_type t = {0};
    tyr_diag diag = {0};
    int err = tyr_dwarf_import_func(dw, reg, name, &t, &diag);
    if (err)
        fail_msg("%s: function %s: %s (%s)", v, name, tyr_strerror(err), diag.what);
    assert_int_equal(tyr_type_kind(reg, t), TYR_KIND_FUNC);
    assert_string_equal(tyr_type_name(reg, t), name);
    return t;
}

static void check_functions(tyr_dwarf *dw, tyr_registry *reg, const char *v)
{
    tyr_type_info ti;
    tyr_type f = import_func(dw, reg, "walk", v);
    assert_int_equal(tyr_type_get(reg, f, &ti), 0);
    assert_int_equal(ti.count, 1);
    param_is(reg, f, 0, "n", "struct Node*");
    /* An ELF alias of walk, matched by address. */
    f = import_func(dw, reg, "fx_alias", v);
    param_is(reg, f, 0, "n", "struct Node*");
    f = import_func(dw, reg, "ping_pong", v);
    param_is(reg, f, 0, "p", "struct Ping*");
    param_is(reg, f, 1, "q", "struct Pong*");
    /* Varargs. */
    f = import_func(dw, reg, "sum", v);
    tyr_type proto = tyr_sized_type_id(tyr_sized(reg, (tyr_type){0}));
    assert_int_equal(tyr_type_get(reg, f, &ti), 0);
    proto = ti.target;
    assert_int_equal(tyr_type_get(reg, proto, &ti), 0);
    assert_true(ti.flags & TYR_FUNC_VARARGS);
    assert_int_equal(ti.count, 1);
    f = import_func(dw, reg, "fx_mode", v);
    param_is(reg, f, 0, "mode", "const char*");
    param_is(reg, f, 1, "f", "cmp_fn");
    param_is(reg, f, 2, "p", "cnode_ptr");
    f = import_func(dw, reg, "kitchen", v);
    assert_int_equal(tyr_type_get(reg, f, &ti), 0);
    assert_int_equal(ti.count, 7);
    param_is(reg, f, 4, "e", "enum e1s");
    param_is(reg, f, 6, "c", "char");
    /* Declared in unit A, defined in unit B: the definition is imported. */
    f = import_func(dw, reg, "use_shared", v);
    tyr_param_info p;
    assert_int_equal(tyr_param_at(reg, f, 0, &p), 0);
    tyr_type sh = tyr_sized_type_id(tyr_sized_pointee(reg, tyr_sized(reg, p.type)));
    assert_int_equal(tyr_type_get(reg, sh, &ti), 0);
    assert_false(ti.flags & TYR_STRUCT_DECL);
    assert_int_equal(ti.size, 24);
    /* gcc -O2 only emits scaled.constprop.0: found by the base name. */
    f = import_func(dw, reg, "scaled", v);
    assert_int_equal(tyr_type_get(reg, f, &ti), 0);
    assert_true(ti.count >= 1);
    param_is(reg, f, 0, "n", "struct Node*");
    /* The probe signature is findable as a FUNC by name. */
    tyr_type found;
    assert_int_equal(tyr_find(reg, "walk", TYR_KIND_FUNC, &found), 0);
}

/* Everything the fixture's expected tables say, for one variant, in a new registry: its functions, every record
 * imported whole, the details (flexible arrays, anonymous members, bitfields) and the enums. */
static void check_fixture(tyr_dwarf *dw, const char *what)
{
    tyr_registry *reg = new_reg();
    check_functions(dw, reg, what);
    check_all_records(dw, reg, what);
    check_details(reg, what);
    check_enums(reg, what);
    tyr_registry_free(reg);
}

static uint32_t count_named(const tyr_registry *reg, const char *name, int kind)
{
    uint32_t n = 0;
    tyr_type t;
    for (int err = tyr_find(reg, name, kind, &t); !err; err = tyr_find_next(reg, name, kind, t, &t))
        n++;
    return n;
}

/* The whole fixture imported into a new registry: one Node (the same struct in two units is
 * one type), two Dup (two layouts under one name), and the details as a single import has. */
static void check_import_all(tyr_dwarf *dw, const char *what)
{
    tyr_registry *reg = new_reg();
    tyr_diag diag = {0};
    int err = tyr_dwarf_import_all(dw, reg, NULL, &diag);
    if (err)
        fail_msg("%s: import_all: %s (%s)", what, tyr_strerror(err), diag.what);
    assert_int_equal(count_named(reg, "Node", TYR_KIND_STRUCT), 1);
    assert_int_equal(count_named(reg, "Dup", TYR_KIND_STRUCT), 2);
    check_details(reg, what);
    tyr_registry_free(reg);
}

/* Every variant: functions, every fixture struct, enums, details. */
static void test_fixture_variants(void **state)
{
    (void)state;
    load_variants();
    assert_true(nvariants >= 4);
    for (int i = 0; i < nvariants; i++) {
        tyr_dwarf *dw = open_fx(variants[i]);
        set_variant(variants[i]);
        check_fixture(dw, variants[i]);
        tyr_dwarf_free(dw);
    }
}

static int count_progress(void *ctx, uint32_t done, uint32_t total)
{
    uint32_t *calls = ctx;
    assert_true(done <= total);
    (*calls)++;
    return 0;
}

/* Import-all: one struct Node for two units, two layouts of Dup, Shared complete once. */
static void test_import_all_dedup(void **state)
{
    (void)state;
    load_variants();
    for (int i = 0; i < nvariants; i++) {
        tyr_dwarf *dw = open_fx(variants[i]);
        tyr_registry *reg = new_reg();
        set_variant(variants[i]);
        tyr_dwarf_stats st = {.sz = sizeof st};
        uint32_t calls = 0;
        tyr_diag diag = {0};
        int err = tyr_dwarf_import_all(
            dw, reg, TYR_OPTS(tyr_dwarf_all_opts, .progress = count_progress, .ctx = &calls, .stats = &st),
            &diag);
        if (err)
            fail_msg("%s: import_all: %s (%s)", variants[i], tyr_strerror(err), diag.what);
        assert_int_equal(calls, 2);
        assert_int_equal(st.units, 2);
        assert_true(st.dies > 100);
        assert_int_equal(count_named(reg, "Node", TYR_KIND_STRUCT), 1);
        assert_int_equal(count_named(reg, "Bits", TYR_KIND_STRUCT), 1);
        assert_int_equal(count_named(reg, "Dup", TYR_KIND_STRUCT), 2);
        assert_int_equal(count_named(reg, "Shared", TYR_KIND_STRUCT), 1);
        assert_int_equal(count_named(reg, "node_t", TYR_KIND_TYPEDEF), 1);
        assert_int_equal(count_named(reg, "int", TYR_KIND_INT), 1);
        tyr_type a, b;
        assert_int_equal(tyr_find(reg, "Dup", TYR_KIND_STRUCT, &a), 0);
        assert_int_equal(tyr_find_next(reg, "Dup", TYR_KIND_STRUCT, a, &b), 0);
        uint64_t sa = tyr_type_size(reg, a), sb = tyr_type_size(reg, b);
        assert_true((sa == 4 && sb == 16) || (sa == 16 && sb == 4));
        check_details(reg, variants[i]);
        check_enums(reg, variants[i]);
        /* No struct is left declared-only: every declaration had a definition. */
        for (uint32_t id = 1; id < tyr_registry_type_count(reg); id++) {
            tyr_type_info ti;
            assert_int_equal(tyr_type_get(reg, (tyr_type){id}, &ti), 0);
            if (ti.kind == TYR_KIND_STRUCT || ti.kind == TYR_KIND_UNION)
                if (ti.flags & TYR_STRUCT_DECL)
                    fail_msg("%s: struct %s left declared", variants[i], ti.name);
            assert_int_not_equal(ti.kind, TYR_KIND_UNKNOWN);
        }
        /* A second import into the same registry adds nothing. */
        uint32_t before = tyr_registry_type_count(reg);
        assert_int_equal(tyr_dwarf_import_all(dw, reg, NULL, NULL), 0);
        assert_int_equal(tyr_registry_type_count(reg), before);
        tyr_registry_free(reg);
        tyr_dwarf_free(dw);
    }
}

/* Import-all decodes units ahead on worker threads, and large units in pieces; without them
 * the result is the same, type for type (the workers change where bytes come from, never what
 * is built). Pieces 2 splits every unit of the fixtures that has two kept top-level DIEs. */
static void test_import_all_threads_same(void **state)
{
    (void)state;
    load_variants();
    for (int i = 0; i < nvariants; i++) {
        /* 0: one thread; 1: the worker; 2: the worker, every unit in 2 pieces */
        tyr_registry *r[3];
        tyr_dwarf_stats st[3];
        for (int pass = 0; pass < 3; pass++) {
            tyr_dwarf *dw = open_fx(variants[i]);
            r[pass] = new_reg();
            st[pass] = (tyr_dwarf_stats){.sz = sizeof st[pass]};
            assert_int_equal(tyr_dwarf_import_all(
                                 dw, r[pass],
                                 TYR_OPTS(tyr_dwarf_all_opts,
                                          .flags = pass == 0 ? TYR_DWARF_ALL_ONE_THREAD : 0,
                                          .pieces = pass == 2 ? 2 : 0, .stats = &st[pass]),
                                 NULL),
                             0);
            tyr_dwarf_free(dw);
        }
        uint32_t n = tyr_registry_type_count(r[0]);
        assert_int_equal(st[0].units_ahead, 0);
        for (int pass = 1; pass < 3; pass++) {
            /* the worker decodes each DIE once, whole or in pieces: a unit it failed on and
             * the importer decoded again would count twice, while giving the same types (one
             * thread counts the DIEs it reads, a different measure) */
            assert_int_equal(st[pass].units, st[0].units);
            /* every unit came from the decode ahead: a worker that failed would leave its
             * units to the importer, silently slower */
            assert_int_equal(st[pass].units_ahead, st[pass].units);
            if (pass == 2)
                assert_int_equal(st[2].dies, st[1].dies);
            assert_int_equal(n, tyr_registry_type_count(r[pass]));
            for (uint32_t id = 0; id < n; id++) {
                char a[256], b[256];
                tyr_type t = {id};
                assert_int_equal(tyr_type_kind(r[0], t), tyr_type_kind(r[pass], t));
                assert_int_equal(tyr_type_size(r[0], t), tyr_type_size(r[pass], t));
                if (tyr_type_kind(r[0], t) != TYR_KIND_FUNC) {
                    assert_true(tyr_type_spell(r[0], t, NULL, 0, a, sizeof a) >= 0);
                    assert_true(tyr_type_spell(r[pass], t, NULL, 0, b, sizeof b) >= 0);
                    assert_string_equal(a, b);
                }
            }
        }
        for (int pass = 0; pass < 3; pass++)
            tyr_registry_free(r[pass]);
    }
}

/* Several functions into one registry share their types. */
static void test_shared_types_across_calls(void **state)
{
    (void)state;
    tyr_dwarf *dw = open_fx("fx-gcc-d5-O0");
    tyr_registry *reg = new_reg();
    assert_int_equal(tyr_dwarf_import_func(dw, reg, "walk", NULL, NULL), 0);
    assert_int_equal(tyr_dwarf_import_func(dw, reg, "use_shared", NULL, NULL), 0);
    assert_int_equal(count_named(reg, "Node", TYR_KIND_STRUCT), 1);
    /* The same probe again: the same record, nothing added. */
    tyr_type f1, f2;
    assert_int_equal(tyr_dwarf_import_func(dw, reg, "walk", &f1, NULL), 0);
    uint32_t n = tyr_registry_type_count(reg);
    assert_int_equal(tyr_dwarf_import_func(dw, reg, "walk", &f2, NULL), 0);
    assert_int_equal(f1.id, f2.id);
    assert_int_equal(tyr_registry_type_count(reg), n);
    /* Another registry starts afresh. */
    tyr_registry *reg2 = new_reg();
    assert_int_equal(tyr_dwarf_import_func(dw, reg2, "walk", NULL, NULL), 0);
    assert_int_equal(count_named(reg2, "Node", TYR_KIND_STRUCT), 1);
    tyr_registry_free(reg2);
    tyr_registry_free(reg);
    tyr_dwarf_free(dw);
}

/* .gnu_debuglink to a separate debug file next to the stripped binary. */
static void test_debuglink(void **state)
{
    (void)state;
    tyr_dwarf *dw = open_fx("split/fx-split");
    set_variant("-d5");
    assert_non_null(strstr(tyr_dwarf_debug_path(dw), "fx-split.debug"));
    tyr_registry *reg = new_reg();
    tyr_type f = import_func(dw, reg, "walk", "split");
    param_is(reg, f, 0, "n", "struct Node*");
    check_all_records(dw, reg, "split");
    tyr_registry_free(reg);
    tyr_dwarf_free(dw);
}

/* Build-id lookup in a caller-given debug directory; ENODEBUG lists where it looked. */
static void test_build_id_dirs(void **state)
{
    (void)state;
    char path[512], dir[512];
    fx_path(path, sizeof path, "split/fx-buildid");
    fx_path(dir, sizeof dir, "split/dbg");
    const char *dirs[] = {"/nonexistent-tyr", dir, NULL};
    tyr_dwarf *dw = NULL;
    tyr_diag diag = {0};
    int err = tyr_dwarf_open(path, TYR_OPTS(tyr_dwarf_opts, .debug_dirs = dirs), &dw, &diag);
    if (err)
        fail_msg("%s: %s", tyr_strerror(err), diag.what);
    assert_non_null(strstr(tyr_dwarf_debug_path(dw), "/.build-id/"));
    tyr_registry *reg = new_reg();
    import_func(dw, reg, "walk", "build-id");
    tyr_registry_free(reg);
    tyr_dwarf_free(dw);

    const char *none[] = {"/nonexistent-tyr", NULL};
    memset(&diag, 0, sizeof diag);
    dw = NULL;
    err = tyr_dwarf_open(path, TYR_OPTS(tyr_dwarf_opts, .debug_dirs = none), &dw, &diag);
    assert_int_equal(err, TYR_ENODEBUG);
    assert_null(dw);
    assert_int_equal(diag.err, TYR_ENODEBUG);
    assert_non_null(strstr(diag.what, "/nonexistent-tyr/.build-id/"));
}

/* dwz: partial units, DW_TAG_imported_unit, DW_FORM_GNU_ref_alt into the common file. */
static void test_dwz(void **state)
{
    (void)state;
    const char *bins[] = {"dwz/fx-dwz1", "dwz/fx-dwz2"};
    for (int b = 0; b < 2; b++) {
        tyr_dwarf *dw = open_fx(bins[b]);
        set_variant("-d4");
        assert_non_null(strstr(tyr_dwarf_alt_path(dw), "fx-common.debug"));
        check_fixture(dw, bins[b]);
        check_import_all(dw, bins[b]);
        tyr_dwarf_free(dw);
    }
}

/* One fixture program (built with the DWARF version that variant names) checked whole, and
 * imported whole too when asked. */
static void check_named_fixture(const char *name, const char *variant, bool and_import_all)
{
    tyr_dwarf *dw = open_fx(name);
    set_variant(variant);
    check_fixture(dw, name);
    if (and_import_all)
        check_import_all(dw, name);
    tyr_dwarf_free(dw);
}

/* SHF_COMPRESSED (zlib) debug sections read like plain ones. */
static void test_compressed_sections(void **state)
{
    (void)state;
    check_named_fixture("fx-gcc-d5-gz", "-d5", false);
}

/* DWARF 5 type units are followed through DW_FORM_ref_sig8; DWARF 4 .debug_types are not
 * read, and a reference into them is an error rather than an anonymous guess. */
static void test_type_units(void **state)
{
    (void)state;
    check_named_fixture("fx-gcc-d5-tu", "-d5", true);

    tyr_dwarf *dw = open_fx("fx-gcc-d4-tu");
    tyr_registry *reg = new_reg();
    tyr_diag diag = {0};
    assert_int_equal(tyr_dwarf_import_func(dw, reg, "walk", NULL, &diag), TYR_EDWARF);
    assert_non_null(strstr(diag.what, "DW_AT_signature"));
    assert_true(diag.offset > 0);
    tyr_registry_free(reg);
    tyr_dwarf_free(dw);
}

/* C++: a class is a struct of its data members, its bases flagged members. */
static void test_cpp_classes(void **state)
{
    (void)state;
    tyr_dwarf *dw = open_optional_fx("fx-cpp", "g++");
    tyr_registry *reg = new_reg();
    tyr_type fn = import_func(dw, reg, "measure", "c++");
    tyr_type_info ti;
    assert_int_equal(tyr_type_get(reg, fn, &ti), 0);
    assert_int_equal(ti.count, 3);
    tyr_type t;
    tyr_field_info fi;
    assert_int_equal(tyr_find(reg, "Point", TYR_KIND_STRUCT, &t), 0);
    assert_int_equal(tyr_type_get(reg, t, &ti), 0);
    assert_int_equal(ti.size, 8);
    assert_int_equal(ti.count, 2); /* x, y: not the static count, not norm() */
    assert_int_equal(tyr_dwarf_import_type(dw, reg, "Holder", TYR_KIND_STRUCT, &t, NULL), 0);
    assert_int_equal(tyr_type_get(reg, t, &ti), 0);
    assert_int_equal(ti.size, 24);
    assert_int_equal(tyr_field_by_name(reg, t, "ref", &fi), 0); /* a reference: a pointer */
    assert_int_equal(fi.offset, 16);
    assert_int_equal(tyr_type_kind(reg, fi.type), TYR_KIND_PTR);
    assert_int_equal(tyr_dwarf_import_type(dw, reg, "Shape", TYR_KIND_STRUCT, &t, NULL), 0);
    assert_int_equal(tyr_field_by_name(reg, t, "area", &fi), 0);
    assert_int_equal(fi.offset, 16);
    /* Circle derives from Shape: the base is its first member, flagged, at offset 0, and
     * Shape's members are found through it by name, as C++ finds them. */
    tyr_param_info p;
    assert_int_equal(tyr_param_at(reg, fn, 1, &p), 0);
    t = tyr_sized_type_id(tyr_sized_pointee(reg, tyr_sized(reg, p.type)));
    assert_int_equal(tyr_type_kind(reg, t), TYR_KIND_STRUCT);
    assert_int_equal(tyr_type_size(reg, t), 32);
    assert_int_equal(tyr_field_at(reg, t, 0, &fi), 0);
    assert_int_equal(fi.flags, TYR_FIELD_BASE);
    assert_int_equal(fi.offset, 0);
    assert_string_equal(tyr_type_name(reg, fi.type), "Shape");
    assert_int_equal(tyr_field_by_name(reg, t, "area", &fi), 0);
    assert_int_equal(fi.offset, 16);
    assert_int_equal(tyr_field_by_name(reg, t, "r", &fi), 0);
    assert_int_equal(fi.offset, 24);
    /* Holder::ref is an `int &`: a pointer that says it is a reference */
    assert_int_equal(tyr_param_at(reg, fn, 2, &p), 0);
    t = tyr_sized_type_id(tyr_sized_pointee(reg, tyr_sized(reg, p.type)));
    assert_int_equal(tyr_field_by_name(reg, t, "ref", &fi), 0);
    assert_int_equal(tyr_type_kind(reg, fi.type), TYR_KIND_PTR);
    tyr_type_info ri;
    assert_int_equal(tyr_type_get(reg, fi.type, &ri), 0);
    assert_int_equal(ri.flags, TYR_PTR_REF);
    char sp[64];
    assert_true(tyr_type_spell(reg, fi.type, "ref", 0, sp, sizeof sp) > 0);
    assert_string_equal(sp, "int &ref");
    tyr_registry_free(reg);
    tyr_dwarf_free(dw);
}

static void *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    void *buf = malloc((size_t)n);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* An in-memory image works like the file. */
static void test_open_mem(void **state)
{
    (void)state;
    char path[512];
    fx_path(path, sizeof path, "fx-clang-d5-O2");
    set_variant("-d5");
    size_t len;
    void *buf = read_all(path, &len);
    tyr_dwarf *dw = NULL;
    assert_int_equal(tyr_dwarf_open_mem(buf, len, NULL, &dw, NULL), 0);
    free(buf);
    tyr_registry *reg = new_reg();
    check_functions(dw, reg, "mem");
    tyr_registry_free(reg);
    tyr_dwarf_free(dw);
}

/* Errors: missing file, not ELF, unknown function and type; outputs untouched. */
static void test_errors(void **state)
{
    (void)state;
    tyr_dwarf *dw = (tyr_dwarf *)(uintptr_t)1;
    tyr_diag diag = {0};
    assert_int_equal(tyr_dwarf_open("/nonexistent/tyr-fx", NULL,
                                    &dw, &diag),
                     TYR_ENOENT);
    assert_ptr_equal(dw, (tyr_dwarf *)(uintptr_t)1);
    assert_int_equal(diag.err, TYR_ENOENT);
    assert_int_equal(tyr_dwarf_open(TYR_FX_DIR "/../CTestTestfile.cmake", NULL, &dw, NULL), TYR_ENOTELF);
    assert_int_equal(tyr_dwarf_open(NULL, NULL, &dw, NULL), TYR_EINVAL);
    static const char junk[] = "\x7f" "ELF but not really";
    assert_int_not_equal(tyr_dwarf_open_mem(junk, sizeof junk, NULL, &dw, NULL), 0);
    assert_ptr_equal(dw, (tyr_dwarf *)(uintptr_t)1);
    /* An opts struct with unknown non-zero trailing bytes is refused. */
    struct {
        struct tyr_dwarf_opts o;
        uint64_t extra;
    } big = {{.sz = sizeof big}, 1};
    assert_int_equal(tyr_dwarf_open("/bin/true", (const struct tyr_dwarf_opts *)&big, &dw, NULL),
                     TYR_EINVAL);

    dw = open_fx("fx-gcc-d4-O0");
    tyr_registry *reg = new_reg();
    tyr_type t = {77};
    memset(&diag, 0, sizeof diag);
    assert_int_equal(tyr_dwarf_import_func(dw, reg, "no_such_function", &t, &diag), TYR_ENOENT);
    assert_int_equal(t.id, 77);
    assert_non_null(strstr(diag.what, "no_such_function"));
    assert_int_equal(tyr_dwarf_import_type(dw, reg, "NoSuchType", TYR_KIND_ANY, &t, &diag),
                     TYR_ENOENT);
    assert_int_equal(tyr_dwarf_import_type(dw, reg, "Node", TYR_KIND_FUNC, &t, NULL), TYR_EINVAL);
    /* A name that only exists as a struct is not a union. */
    assert_int_equal(tyr_dwarf_import_type(dw, reg, "Node", TYR_KIND_UNION, &t, NULL), TYR_ENOENT);
    assert_int_equal(t.id, 77);
    tyr_registry_free(reg);
    tyr_dwarf_free(dw);
    tyr_dwarf_free(NULL);
}

static int collect(void *ctx, const char *name)
{
    char *buf = ctx;
    strcat(buf, name);
    strcat(buf, ",");
    return 0;
}

static int stop_at_first(void *ctx, const char *name)
{
    (void)ctx;
    (void)name;
    return 42;
}

/* Listing functions by glob, each name once. */
static void test_list_funcs(void **state)
{
    (void)state;
    tyr_dwarf *dw = open_fx("fx-gcc-d5-O0");
    char buf[1024] = "";
    assert_int_equal(tyr_dwarf_list_funcs(dw, "*_dup", collect, buf, NULL), 0);
    assert_string_equal(buf, "first_dup,second_dup,");
    buf[0] = 0;
    assert_int_equal(tyr_dwarf_list_funcs(dw, "walk", collect, buf, NULL), 0);
    assert_string_equal(buf, "walk,");
    assert_int_equal(tyr_dwarf_list_funcs(dw, NULL, stop_at_first, NULL, NULL), 42);
    tyr_dwarf_free(dw);
}

/* ---- Import-all with functions (TYR_DWARF_ALL_FUNCS) ---- */

struct names {
    char **v;
    size_t n, cap;
};

static int collect_names(void *ctx, const char *name)
{
    struct names *ns = ctx;
    if (ns->n == ns->cap) {
        ns->cap = ns->cap ? ns->cap * 2 : 64;
        ns->v = realloc(ns->v, ns->cap * sizeof *ns->v);
        assert_non_null(ns->v);
    }
    ns->v[ns->n] = strdup(name);
    assert_non_null(ns->v[ns->n]);
    ns->n++;
    return 0;
}

static void names_free(struct names *ns)
{
    for (size_t i = 0; i < ns->n; i++)
        free(ns->v[i]);
    free(ns->v);
}

static void spell(const tyr_registry *reg, tyr_type t, char *buf, size_t len)
{
    int r = tyr_type_spell(reg, t, NULL, TYR_SPELL_TIGHT, buf, len);
    if (r < 0)
        fail_msg("spell type %u: %s", t.id, tyr_strerror(r));
}

/* FUNC fa of ra and FUNC fb of rb: same return type, flags, parameter names and C
 * spellings of the parameter types. */
static void same_func(const tyr_registry *ra, tyr_type fa, const tyr_registry *rb, tyr_type fb,
                      const char *what)
{
    tyr_type_info a, b, pa, pb;
    assert_int_equal(tyr_type_get(ra, fa, &a), 0);
    assert_int_equal(tyr_type_get(rb, fb, &b), 0);
    assert_int_equal(a.kind, TYR_KIND_FUNC);
    assert_int_equal(b.kind, TYR_KIND_FUNC);
    assert_int_equal(tyr_type_get(ra, a.target, &pa), 0);
    assert_int_equal(tyr_type_get(rb, b.target, &pb), 0);
    if (pa.count != pb.count || pa.flags != pb.flags)
        fail_msg("%s: %u params, flags %u vs %u params, flags %u", what, pa.count, pa.flags,
                 pb.count, pb.flags);
    char sa[512], sb[512];
    spell(ra, pa.target, sa, sizeof sa);
    spell(rb, pb.target, sb, sizeof sb);
    if (strcmp(sa, sb) != 0)
        fail_msg("%s: returns %s vs %s", what, sa, sb);
    for (uint32_t i = 0; i < pa.count; i++) {
        tyr_param_info x, y;
        assert_int_equal(tyr_param_at(ra, fa, i, &x), 0);
        assert_int_equal(tyr_param_at(rb, fb, i, &y), 0);
        if (strcmp(x.name, y.name) != 0)
            fail_msg("%s: parameter %u named %s vs %s", what, i, x.name, y.name);
        spell(ra, x.type, sa, sizeof sa);
        spell(rb, y.type, sb, sizeof sb);
        if (strcmp(sa, sb) != 0)
            fail_msg("%s: parameter %u (%s) is %s vs %s", what, i, x.name, sa, sb);
    }
}

static uint32_t count_funcs(const tyr_registry *reg)
{
    uint32_t n = 0, all = tyr_registry_type_count(reg);
    for (uint32_t id = 1; id < all; id++)
        n += tyr_type_kind(reg, (tyr_type){id}) == TYR_KIND_FUNC;
    return n;
}

/* For every function tyr_dwarf_list_funcs lists, the FUNC import-all stored equals the one
 * tyr_dwarf_import_func stores, each name once; with and without the worker threads. */
static void check_all_funcs(const char *bin, uint32_t sample_every)
{
    for (int pass = 0; pass < 2; pass++) {
        tyr_dwarf *dw = open_fx(bin);
        struct names ns = {0};
        assert_int_equal(tyr_dwarf_list_funcs(dw, NULL, collect_names, &ns, NULL), 0);
        assert_true(ns.n > 0);
        tyr_registry *all = new_reg(), *one = new_reg();
        tyr_diag diag = {0};
        tyr_dwarf_stats st = {.sz = sizeof st};
        uint64_t nf = 0;
        int err = tyr_dwarf_import_all(
            dw, all,
            TYR_OPTS(tyr_dwarf_all_opts,
                     .flags = TYR_DWARF_ALL_FUNCS | TYR_DWARF_ALL_ALIASES |
                              (pass ? TYR_DWARF_ALL_ONE_THREAD : 0),
                     .stats = &st, .funcs = &nf), &diag);
        if (err)
            fail_msg("%s: import_all funcs: %s (%s)", bin, tyr_strerror(err), diag.what);
        assert_true(nf >= ns.n);
        assert_int_equal(nf, count_funcs(all));
        /* What `tyr args BLOB FUNC` reads: the written blob, mapped. */
        void *buf = NULL;
        size_t len = 0;
        tyr_registry *mapped = NULL;
        assert_int_equal(tyr_blob_write_mem(all, NULL, &buf, &len), 0);
        assert_int_equal(tyr_registry_open_mem(buf, len, NULL, &mapped, NULL), 0);
        for (size_t i = 0; i < ns.n; i += sample_every) {
            tyr_type fa, fb, fm, dup;
            char what[512];
            snprintf(what, sizeof what, "%.200s: %.300s", bin, ns.v[i]);
            if (tyr_find(all, ns.v[i], TYR_KIND_FUNC, &fa) != 0)
                fail_msg("%s: not in the import-all", what);
            if (tyr_find_next(all, ns.v[i], TYR_KIND_FUNC, fa, &dup) == 0)
                fail_msg("%s: stored twice", what);
            err = tyr_dwarf_import_func(dw, one, ns.v[i], &fb, &diag);
            if (err)
                fail_msg("%s: import_func: %s (%s)", what, tyr_strerror(err), diag.what);
            same_func(all, fa, one, fb, what);
            if (tyr_find(mapped, ns.v[i], TYR_KIND_FUNC, &fm) != 0)
                fail_msg("%s: not in the blob", what);
            same_func(mapped, fm, one, fb, what);
        }
        tyr_registry_free(mapped);
        tyr_blob_buf_free(buf);
        names_free(&ns);
        tyr_registry_free(all);
        tyr_registry_free(one);
        tyr_dwarf_free(dw);
    }
}

/* C++ names: types by qualified name, by a short name one scope owns, never by one two
 * scopes share; functions by qualified name; references and bases as the registry has them. */
static void test_cxx_names(void **state)
{
    (void)state;
    tyr_dwarf *dw = open_optional_fx("fx-cxx-clang", "clang++");
    tyr_registry *reg = new_reg();
    tyr_type t, u;
    tyr_diag diag = {0};
    assert_int_equal(tyr_dwarf_import_type(dw, reg, "app::net::Conn::Stats", TYR_KIND_ANY, &t,
                                           NULL), 0);
    assert_string_equal(tyr_type_name(reg, t), "app::net::Conn::Stats");
    assert_int_equal(tyr_dwarf_import_type(dw, reg, "Conn::Stats", TYR_KIND_ANY, &u, NULL), 0);
    assert_int_equal(u.id, t.id);
    assert_int_equal(tyr_dwarf_import_type(dw, reg, "Stats", TYR_KIND_ANY, &u, &diag),
                     TYR_ENOENT);
    assert_non_null(strstr(diag.what, "ambiguous"));
    assert_int_equal(tyr_dwarf_import_type(dw, reg, "Box<long>", TYR_KIND_STRUCT, &t, NULL), 0);
    assert_string_equal(tyr_type_name(reg, t), "app::Box<long>");
    /* the declaration-only member: an incomplete type of size 0, the struct imported */
    tyr_field_info fi;
    assert_int_equal(tyr_dwarf_import_type(dw, reg, "app::Account", TYR_KIND_STRUCT, &t, NULL),
                     0);
    assert_int_equal(tyr_field_by_name(reg, t, "owner", &fi), 0);
    assert_int_equal(tyr_type_kind(reg, fi.type), TYR_KIND_UNKNOWN);
    assert_int_equal(tyr_type_size(reg, fi.type), 0);
    assert_int_equal(tyr_field_by_name(reg, t, "balance", &fi), 0);
    assert_int_equal(fi.offset, 32);
    /* clang nests the definition in DW_TAG_namespace: found by symbol and by name */
    tyr_type a = import_func(dw, reg, "_ZN3app10make_pointEii", "clang++");
    tyr_type b = import_func(dw, reg, "app::make_point", "clang++");
    tyr_param_info pa, pb;
    assert_int_equal(tyr_param_at(reg, a, 1, &pa), 0);
    assert_int_equal(tyr_param_at(reg, b, 1, &pb), 0);
    assert_string_equal(pa.name, "y");
    assert_int_equal(pa.type.id, pb.type.id);
    /* app::handle(Box<long>&, int&&): an lvalue and an rvalue reference */
    tyr_type h = import_func(dw, reg, "_ZN3app6handleERNS_3BoxIlEEOi", "clang++");
    tyr_type_info ti;
    assert_int_equal(tyr_param_at(reg, h, 0, &pa), 0);
    assert_int_equal(tyr_type_get(reg, pa.type, &ti), 0);
    assert_int_equal(ti.flags, TYR_PTR_REF);
    assert_int_equal(tyr_param_at(reg, h, 1, &pa), 0);
    assert_int_equal(tyr_type_get(reg, pa.type, &ti), 0);
    assert_int_equal(ti.flags, TYR_PTR_RVREF);
    /* the overloads of app::handle: three definitions, each by its symbol */
    struct names ns = {0};
    uint32_t count = 0;
    assert_int_equal(tyr_dwarf_func_overloads(dw, "app::handle", collect_names, &ns, &count,
                                              NULL), 0);
    assert_int_equal(count, 3);
    assert_int_equal(ns.n, 3);
    for (size_t i = 0; i < ns.n; i++)
        assert_true(!strncmp(ns.v[i], "_ZN3app6handle", 14));
    names_free(&ns);
    tyr_registry_free(reg);
    tyr_dwarf_free(dw);
}

static void test_import_all_funcs(void **state)
{
    (void)state;
    load_variants();
    for (int i = 0; i < nvariants; i++)
        check_all_funcs(variants[i], 1);
    check_all_funcs("dwz/fx-dwz1", 1);
    check_all_funcs("dwz/fx-dwz2", 1);
    check_all_funcs("fx-cpp", 1);
    check_all_funcs("split/fx-split", 1);

    /* The ELF alias: fx_alias has no DIE of its own, only walk's address. */
    tyr_dwarf *dw = open_fx("fx-gcc-d5-O2");
    tyr_registry *reg = new_reg(), *one = new_reg();
    assert_int_equal(tyr_dwarf_import_all(
                         dw, reg, TYR_OPTS(tyr_dwarf_all_opts, .flags = TYR_DWARF_ALL_FUNCS |
                                                                        TYR_DWARF_ALL_ALIASES), NULL),
                     0);
    tyr_type fa, fb;
    assert_int_equal(tyr_find(reg, "fx_alias", TYR_KIND_FUNC, &fa), 0);
    assert_int_equal(tyr_dwarf_import_func(dw, one, "fx_alias", &fb, NULL), 0);
    same_func(reg, fa, one, fb, "fx_alias");
    tyr_registry_free(reg);
    /* Without ALIASES: no alias; without FUNCS: no function at all. */
    reg = new_reg();
    assert_int_equal(tyr_dwarf_import_all(
                         dw, reg, TYR_OPTS(tyr_dwarf_all_opts, .flags = TYR_DWARF_ALL_FUNCS), NULL), 0);
    assert_int_equal(tyr_find(reg, "fx_alias", TYR_KIND_FUNC, &fa), TYR_ENOENT);
    assert_int_equal(tyr_find(reg, "walk", TYR_KIND_FUNC, &fa), 0);
    tyr_registry_free(reg);
    reg = new_reg();
    assert_int_equal(tyr_dwarf_import_all(dw, reg, NULL, NULL), 0);
    assert_int_equal(count_funcs(reg), 0);
    /* Again into the same registry with functions: the types are shared, nothing twice. */
    uint32_t types = tyr_registry_type_count(reg);
    uint64_t nf = 0;
    assert_int_equal(tyr_dwarf_import_all(
                         dw, reg, TYR_OPTS(tyr_dwarf_all_opts, .flags = TYR_DWARF_ALL_FUNCS,
                                           .funcs = &nf), NULL), 0);
    assert_true(nf > 0);
    assert_true(tyr_registry_type_count(reg) > types);
    uint32_t after = tyr_registry_type_count(reg);
    assert_int_equal(tyr_dwarf_import_all(
                         dw, reg, TYR_OPTS(tyr_dwarf_all_opts, .flags = TYR_DWARF_ALL_FUNCS), NULL), 0);
    assert_int_equal(tyr_registry_type_count(reg), after);
    /* Unknown flags and unknown non-zero option bytes are refused. */
    assert_int_equal(tyr_dwarf_import_all(
                         dw, reg, TYR_OPTS(tyr_dwarf_all_opts, .flags = 1u << 30), NULL), TYR_EINVAL);
    struct {
        struct tyr_dwarf_all_opts o;
        uint64_t future;
    } big = {{.sz = sizeof big}, 1};
    assert_int_equal(tyr_dwarf_import_all(dw, reg, &big.o, NULL), TYR_EINVAL);
    big.future = 0;
    assert_int_equal(tyr_dwarf_import_all(dw, reg, &big.o, NULL), 0);
    tyr_registry_free(reg);
    tyr_registry_free(one);
    tyr_dwarf_free(dw);
}

/* python3.11d (Debian's python3.11-dbg): a sample of its functions agree (every 97th;
 * TYR_TEST_ALL=1 checks all of them, ~10,000, in a few seconds). */
static void test_import_all_funcs_python(void **state)
{
    (void)state;
    tyr_dwarf *dw = open_python_dbg();
    struct names ns = {0};
    assert_int_equal(tyr_dwarf_list_funcs(dw, NULL, collect_names, &ns, NULL), 0);
    assert_true(ns.n > 5000);
    tyr_registry *all = new_reg(), *one = new_reg();
    tyr_diag diag = {0};
    uint64_t nf = 0;
    int err = tyr_dwarf_import_all(
        dw, all, TYR_OPTS(tyr_dwarf_all_opts, .flags = TYR_DWARF_ALL_FUNCS | TYR_DWARF_ALL_ALIASES,
                          .funcs = &nf), &diag);
    if (err)
        fail_msg("python: import_all funcs: %s (%s)", tyr_strerror(err), diag.what);
    assert_true(nf >= ns.n);
    /* From the written blob, mapped, as `tyr args all.tyr FUNC` reads it. */
    void *buf = NULL;
    size_t len = 0;
    tyr_registry *mapped = NULL;
    assert_int_equal(tyr_blob_write_mem(all, NULL, &buf, &len), 0);
    assert_int_equal(tyr_registry_open_mem(buf, len, NULL, &mapped, NULL), 0);
    uint32_t checked = 0;
    for (size_t i = 0; i < ns.n; i += (getenv("TYR_TEST_ALL") ? 1 : 97)) {
        tyr_type fa, fb;
        char what[512];
        snprintf(what, sizeof what, "python3.11d: %s", ns.v[i]);
        if (tyr_find(mapped, ns.v[i], TYR_KIND_FUNC, &fa) != 0)
            fail_msg("%s: not in the import-all blob", what);
        err = tyr_dwarf_import_func(dw, one, ns.v[i], &fb, &diag);
        if (err)
            fail_msg("%s: import_func: %s (%s)", what, tyr_strerror(err), diag.what);
        same_func(mapped, fa, one, fb, what);
        checked++;
    }
    tyr_type fa, fb;
    assert_int_equal(tyr_find(mapped, "PyObject_Call", TYR_KIND_FUNC, &fa), 0);
    assert_int_equal(tyr_dwarf_import_func(dw, one, "PyObject_Call", &fb, NULL), 0);
    same_func(mapped, fa, one, fb, "PyObject_Call");
    assert_true(checked > 50);
    tyr_registry_free(mapped);
    tyr_blob_buf_free(buf);
    names_free(&ns);
    tyr_registry_free(all);
    tyr_registry_free(one);
    tyr_dwarf_free(dw);
}

/* Import-all of python3.11d with every unit that can be split decoded in 3 pieces by the two
 * threads (opts.pieces; on its own only units of 4 average units or more are, here 4)
 * writes the same blob, byte for byte, as one thread decoding units whole. */
static void test_import_all_pieces_python(void **state)
{
    (void)state;
    void *buf[2] = {NULL, NULL};
    size_t len[2] = {0, 0};
    for (int pass = 0; pass < 2; pass++) {
        tyr_dwarf *dw = open_python_dbg();
        tyr_registry *reg = new_reg();
        tyr_dwarf_stats st = {.sz = sizeof st};
        assert_int_equal(tyr_dwarf_import_all(
                             dw, reg,
                             TYR_OPTS(tyr_dwarf_all_opts,
                                      .flags = pass ? TYR_DWARF_ALL_ONE_THREAD : 0,
                                      .pieces = pass ? 0 : 3, .stats = &st), NULL),
                         0);
        assert_true(st.types > 5000);
        assert_int_equal(tyr_blob_write_mem(reg, NULL, &buf[pass], &len[pass]), 0);
        tyr_registry_free(reg);
        tyr_dwarf_free(dw);
    }
    assert_int_equal(len[0], len[1]);
    assert_memory_equal(buf[0], buf[1], len[0]);
    tyr_blob_buf_free(buf[0]);
    tyr_blob_buf_free(buf[1]);
}

/* glibc through its build-id debug file (Debian libc6-dbg): the ELF aliases import-all adds
 * (fopen at _IO_new_fopen's DW_AT_low_pc; fclose for _IO_new_fclose, whose DIE has only
 * DW_AT_ranges) equal what tyr_dwarf_import_func finds by address. */
static void test_import_all_funcs_libc(void **state)
{
    (void)state;
    static const char libc[] = "/lib/x86_64-linux-gnu/libc.so.6";
    tyr_dwarf *dw = NULL;
    tyr_diag diag = {0};
    if (tyr_dwarf_open(libc, NULL, &dw, &diag) != 0) {
        print_message("SKIPPED: no debug info for %s (Debian libc6-dbg): %s\n", libc, diag.what);
        skip();
    }
    tyr_registry *all = new_reg(), *one = new_reg();
    int err = tyr_dwarf_import_all(
        dw, all, TYR_OPTS(tyr_dwarf_all_opts, .flags = TYR_DWARF_ALL_FUNCS | TYR_DWARF_ALL_ALIASES), &diag);
    if (err)
        fail_msg("libc: import_all funcs: %s (%s)", tyr_strerror(err), diag.what);
    /* memcpy has two definitions (the GLIBC_2.2.5 compatibility memcpy and the IFUNC
     * resolver) with other signatures: both take the first ELF symbol's; __malloc_info
     * is defined twice with its parameters in another order. */
    static const char *const fns[] = {"fopen", "fclose", "malloc", "printf", "_IO_new_fopen",
                                      "memcpy", "__malloc_info", "strlen", "qsort",
                                      "pthread_create", "open", "read"};
    for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
        tyr_type fa, fb;
        char what[128];
        snprintf(what, sizeof what, "libc: %s", fns[i]);
        int eb = tyr_dwarf_import_func(dw, one, fns[i], &fb, NULL);
        int ea = tyr_find(all, fns[i], TYR_KIND_FUNC, &fa);
        if (eb == TYR_ENOENT) { /* e.g. an assembly memcpy: neither may have it */
            assert_int_equal(ea, TYR_ENOENT);
            continue;
        }
        assert_int_equal(eb, 0);
        if (ea != 0)
            fail_msg("%s: not in the import-all", what);
        same_func(all, fa, one, fb, what);
    }
    tyr_type f;
    assert_int_equal(tyr_find(all, "fopen", TYR_KIND_FUNC, &f), 0);
    assert_int_equal(tyr_find(all, "fclose", TYR_KIND_FUNC, &f), 0);
    tyr_registry_free(all);
    tyr_registry_free(one);
    tyr_dwarf_free(dw);
}

/* Hostile input: flipped bytes all over the debug sections never crash or hang. */
static void test_corrupted_images(void **state)
{
    (void)state;
    char path[512];
    fx_path(path, sizeof path, "fx-gcc-d5-O0");
    size_t len;
    unsigned char *orig = read_all(path, &len);
    unsigned char *buf = malloc(len);
    assert_non_null(buf);
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    static const unsigned char vals[] = {0x00, 0xff, 0x80, 0x7f, 0x01};
    for (int round = 0; round < 60; round++) {
        memcpy(buf, orig, len);
        for (int k = 0; k < 8; k++) {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            size_t pos = (size_t)(seed >> 33) % len;
            /* bias towards the second half of the file, where the debug sections are */
            if (round % 2)
                pos = len / 2 + pos / 2;
            buf[pos] = vals[(seed >> 20) % sizeof vals];
        }
        tyr_dwarf *dw = NULL;
        if (tyr_dwarf_open_mem(buf, len, NULL, &dw, NULL) != 0)
            continue;
        tyr_registry *reg = new_reg();
        tyr_diag diag;
        (void)tyr_dwarf_import_func(dw, reg, "kitchen", NULL, &diag);
        (void)tyr_dwarf_import_all(dw, reg, NULL, &diag);
        tyr_registry_free(reg);
        tyr_dwarf_free(dw);
    }
    free(buf);
    free(orig);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixture_variants),
        cmocka_unit_test(test_import_all_dedup),
        cmocka_unit_test(test_import_all_threads_same),
        cmocka_unit_test(test_shared_types_across_calls),
        cmocka_unit_test(test_debuglink),
        cmocka_unit_test(test_build_id_dirs),
        cmocka_unit_test(test_dwz),
        cmocka_unit_test(test_type_units),
        cmocka_unit_test(test_compressed_sections),
        cmocka_unit_test(test_cpp_classes),
        cmocka_unit_test(test_cxx_names),
        cmocka_unit_test(test_open_mem),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_list_funcs),
        cmocka_unit_test(test_import_all_funcs),
        cmocka_unit_test(test_import_all_funcs_python),
        cmocka_unit_test(test_import_all_pieces_python),
        cmocka_unit_test(test_import_all_funcs_libc),
        cmocka_unit_test(test_corrupted_images),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

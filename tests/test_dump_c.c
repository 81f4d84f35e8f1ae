/* SPDX-License-Identifier: MIT */
/* tyr_dump_c: exact output for representative types, and dumps that gcc (and clang, when
 * installed) compile with every sizeof/offsetof checked by the dump's own _Static_asserts. */
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
#include "internal.h"
#include "tyr/tyr.h"

/* The dump as a string (caller frees). */
static char *dump(const tyr_registry *reg, const tyr_type *roots, uint32_t n, uint32_t flags)
{
    struct tyr_buf b = {0};
    tyr_sink sink = tyr_sink_buf(&b);
    int err = tyr_dump_c(reg, TYR_OPTS(tyr_dump_opts, .flags = flags, .nroots = n,
                                       .roots = roots), &sink);
    assert_int_equal(err, 0);
    assert_non_null(b.data);
    return b.data;
}

static bool have(const char *tool)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", tool);
    return system(cmd) == 0;
}

/* Compile text with cc as GNU C11, warnings as errors; returns the exit status. */
static const char *warn_flags = "-Wall -Wextra";
static int compile(const char *cc, const char *text)
{
    char path[] = "/tmp/tyr_dump_c_XXXXXX.c";
    int fd = mkstemps(path, 2);
    assert_true(fd >= 0);
    size_t len = strlen(text);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    close(fd);
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "%s -std=gnu11 %s -Werror -c -o /dev/null %s", cc, warn_flags,
             path);
    int rc = system(cmd);
    if (rc != 0)
        fprintf(stderr, "--- %s failed on:\n%s\n", cc, text);
    unlink(path);
    return rc;
}

static void assert_compiles(const char *text)
{
    int ran = 0;
    if (have("gcc")) {
        assert_int_equal(compile("gcc", text), 0);
        ran++;
    }
    if (have("clang")) {
        assert_int_equal(compile("clang", text), 0);
        ran++;
    }
    if (!ran)
        skip();
}

/* A probe signature pulls in exactly what it reaches, functions last. */
static void test_golden_probe(void **state)
{
    struct zoo_ctx *c = *state;
    char *s = dump(c->reg, &c->z.walk, 1, 0);
    assert_string_equal(s, "struct Node {\n"
                           "\tstruct Node *next;\n"
                           "\tint val;\n"
                           "};\n"
                           "\n"
                           "int walk(struct Node *n, const char *mode);\n"
                           "\n");
    free(s);
}

/* struct rec: typedef'd pointer, char array, bitfields, anonymous union inline, explicit
 * padding bytes, 1-byte enum with a mode attribute, function pointer naming its holder. */
static void test_golden_rec(void **state)
{
    struct zoo_ctx *c = *state;
    char *s = dump(c->reg, &c->z.rec, 1, 0);
    assert_string_equal(s, "struct Node {\n"
                           "\tstruct Node *next;\n"
                           "\tint val;\n"
                           "};\n\n"
                           "enum color {\n"
                           "\tRED = 0,\n"
                           "\tGREEN = 1,\n"
                           "\tBLUE = 7,\n"
                           "};\n\n"
                           "enum __attribute__((mode(QI))) small {\n"
                           "\tNEG = -1,\n"
                           "\tPOS = 1,\n"
                           "};\n\n"
                           "typedef struct Node node_t;\n\n"
                           "struct flags {\n"
                           "\tunsigned int a : 3;\n"
                           "\tunsigned int b : 5;\n"
                           "\tint c : 4;\n"
                           "\tenum color col : 3;\n"
                           "};\n\n"
                           "struct rec {\n"
                           "\tnode_t *head;\n"
                           "\tchar name[8];\n"
                           "\tint arr[3];\n"
                           "\tstruct flags fl;\n"
                           "\tunion {\n"
                           "\t\tint i;\n"
                           "\t\tfloat f;\n"
                           "\t};\n"
                           "\t_Bool ok;\n"
                           "\tdouble d;\n"
                           "\tenum color c;\n"
                           "\tenum small s;\n"
                           "\tconst char *str;\n"
                           "\tvoid (*cb)(int, struct rec *);\n"
                           "\tlong big;\n"
                           "};\n\n");
    free(s);
}

/* Pointer cycles get forward declarations; a second layout under a name is renamed;
 * packed, aligned, unknown and typedef'd anonymous structs; asserts when asked. */
static void test_golden_fragments(void **state)
{
    struct zoo_ctx *c = *state;
    char *s = dump(c->reg, NULL, 0, TYR_DUMP_C_ASSERTS);
    assert_non_null(strstr(s, "struct B;\n\nstruct A {\n\tstruct B *b;\n};\n"));
    assert_non_null(strstr(s, "struct Node__2 {\n\tint x;\n};\n"
                              "_Static_assert(sizeof(struct Node__2) == 4, \"struct Node__2\");\n"));
    assert_non_null(strstr(s, "struct packed_s {\n\tchar c;\n\tint x;\n} "
                              "__attribute__((packed));\n"));
    assert_non_null(strstr(s, "struct aligned16 {\n\tint x;\n} __attribute__((aligned(16)));\n"));
    assert_non_null(strstr(s, "\tunsigned char w[6]; /* unknown type 'weird' */\n"
                              "\tint after;\n"));
    assert_non_null(strstr(s, "typedef struct {\n\tint a;\n\tint b;\n} pair_t;\n"));
    assert_non_null(strstr(s, "enum big_enum {\n\tBIG_ONE = 1,\n"
                              "\tBIG_HUGE = 4294967296,\n};\n"));
    assert_non_null(strstr(s, "_Static_assert(__builtin_offsetof(struct rec, f) == 32, "
                              "\"struct rec.f\");\n"));
    assert_null(strstr(s, "struct Node;")); /* only pointed to from inside itself */
    free(s);
}

/* The whole zoo compiles and every struct keeps its sizeof and member offsets. */
static void test_zoo_compiles(void **state)
{
    struct zoo_ctx *c = *state;
    char *s = dump(c->reg, NULL, 0, TYR_DUMP_C_ASSERTS);
    assert_compiles(s);
    free(s);
}

/* Layouts that the natural C layout does not give, each of which must still compile with
 * the registry's sizeof/offsetof. */
static void test_hard_layouts_compile(void **state)
{
    struct zoo_ctx *c = *state;
    tyr_registry *reg = c->reg;
    struct zoo *z = &c->z;
    tyr_struct s, in;
    tyr_type t, t2;

    /* #pragma pack(2): { char c; int x; long y; } at 0, 2, 6; size 14, align 2. */
    assert_int_equal(tyr_struct_new(reg, TYR_KIND_STRUCT, "pack2", 14, 2, 0, &s), 0);
    assert_int_equal(tyr_struct_add_field(reg, s, "c", z->chr, 0, 0, 0), 0);
    assert_int_equal(tyr_struct_add_field(reg, s, "x", z->i32, 2, 0, 0), 0);
    assert_int_equal(tyr_struct_add_field(reg, s, "y", z->i64, 6, 0, 0), 0);
    /* A bitfield straddling its unit: a:30 then b:4 at bit 30; 5 bytes, align 1. */
    assert_int_equal(tyr_struct_new(reg, TYR_KIND_STRUCT, "straddle", 5, 1, 0, &s), 0);
    assert_int_equal(tyr_struct_add_field(reg, s, "a", z->u32, 0, 0, 30), 0);
    assert_int_equal(tyr_struct_add_field(reg, s, "b", z->u32, 0, 30, 2), 0);
    assert_int_equal(tyr_struct_add_field(reg, s, "c", z->uchr, 4, 0, 2), 0);
    /* A bit hole: char a; then b:3 at bit 12 of an int unit; then long at 8; 16 bytes. */
    assert_int_equal(tyr_struct_new(reg, TYR_KIND_STRUCT, "bithole", 16, 8, 0, &s), 0);
    assert_int_equal(tyr_struct_add_field(reg, s, "a", z->chr, 0, 0, 0), 0);
    assert_int_equal(tyr_struct_add_field(reg, s, "b", z->u32, 0, 12, 3), 0);
    assert_int_equal(tyr_struct_add_field(reg, s, NULL, z->u32, 0, 20, 5), 0);
    assert_int_equal(tyr_struct_add_field(reg, s, "d", z->i64, 8, 0, 0), 0);
    /* A union larger than its members: 16 bytes, align 4. */
    assert_int_equal(tyr_struct_new(reg, TYR_KIND_UNION, "bigu", 16, 4, 0, &s), 0);
    assert_int_equal(tyr_struct_add_field(reg, s, "i", z->i32, 0, 0, 0), 0);
    assert_int_equal(tyr_struct_add_field(reg, s, "bits", z->u32, 0, 0, 7), 0);
    /* Overlapping members in a struct: not expressible, opaque but same size. */
    assert_int_equal(tyr_struct_new(reg, TYR_KIND_STRUCT, "overlap", 8, 4, 0, &s), 0);
    assert_int_equal(tyr_struct_add_field(reg, s, "a", z->i32, 0, 0, 0), 0);
    assert_int_equal(tyr_struct_add_field(reg, s, "b", z->i32, 2, 0, 0), 0);
    assert_int_equal(tyr_struct_add_field(reg, s, "c", z->i32, 4, 0, 0), 0);
    /* A union member at a non-zero offset: opaque too. */
    assert_int_equal(tyr_struct_new(reg, TYR_KIND_UNION, "oddu", 8, 4, 0, &s), 0);
    assert_int_equal(tyr_struct_add_field(reg, s, "a", z->i32, 4, 0, 0), 0);
    /* A named member of an anonymous struct type, an anonymous member nested twice. */
    assert_int_equal(tyr_struct_new(reg, TYR_KIND_STRUCT, NULL, 8, 4, 0, &in), 0);
    assert_int_equal(tyr_struct_add_field(reg, in, "p", z->i32, 0, 0, 0), 0);
    assert_int_equal(tyr_struct_add_field(reg, in, "q", z->chr, 4, 0, 0), 0);
    tyr_struct un;
    assert_int_equal(tyr_struct_new(reg, TYR_KIND_UNION, NULL, 8, 4, 0, &un), 0);
    tyr_struct deep;
    assert_int_equal(tyr_struct_new(reg, TYR_KIND_STRUCT, NULL, 8, 4, 0, &deep), 0);
    assert_int_equal(tyr_struct_add_field(reg, deep, "lo", z->i16, 0, 0, 0), 0);
    assert_int_equal(tyr_struct_add_field(reg, deep, "hi", z->i32, 4, 0, 0), 0);
    assert_int_equal(tyr_struct_add_field(reg, un, NULL, tyr_struct_type(deep), 0, 0, 0), 0);
    assert_int_equal(tyr_struct_add_field(reg, un, "w", z->u32, 0, 0, 0), 0);
    assert_int_equal(tyr_struct_new(reg, TYR_KIND_STRUCT, "outer", 24, 8, 0, &s), 0);
    assert_int_equal(tyr_struct_add_field(reg, s, "in", tyr_struct_type(in), 0, 0, 0), 0);
    assert_int_equal(tyr_struct_add_field(reg, s, NULL, tyr_struct_type(un), 8, 0, 0), 0);
    assert_int_equal(tyr_struct_add_field(reg, s, "z", z->i64, 16, 0, 0), 0);
    /* Same tag as a struct but a union; same enumerator names in a second layout. */
    assert_int_equal(tyr_struct_new(reg, TYR_KIND_UNION, "holes", 4, 4, 0, &s), 0);
    assert_int_equal(tyr_struct_add_field(reg, s, "x", z->i32, 0, 0, 0), 0);
    assert_int_equal(tyr_enum_new(reg, "color", 4, 0, &t), 0);
    assert_int_equal(tyr_enum_add(reg, t, "RED", 5), 0);
    /* typedef enum { ... } (anonymous, 2 bytes, signed); typedef union { ... }. */
    assert_int_equal(tyr_enum_new(reg, NULL, 2, TYR_ENUM_SIGNED, &t), 0);
    assert_int_equal(tyr_enum_add(reg, t, "MINUS", (uint64_t)(int64_t)-300), 0);
    assert_int_equal(tyr_add_typedef(reg, "e_t", t, &t2), 0);
    assert_int_equal(tyr_struct_new(reg, TYR_KIND_STRUCT, "usese", 4, 2, 0, &s), 0);
    assert_int_equal(tyr_struct_add_field(reg, s, "e", t2, 0, 0, 0), 0);
    assert_int_equal(tyr_struct_add_field(reg, s, "f", t, 2, 0, 0), 0);
    /* A declaration only, used through a pointer; a function pointer typedef; const
     * volatile pointers; pointer to unknown; arrays of function pointers. */
    tyr_struct opq;
    assert_int_equal(tyr_struct_declare(reg, TYR_KIND_STRUCT, "opaque_t", &opq), 0);
    tyr_type proto, cmp, cvp, arr;
    assert_int_equal(tyr_func_proto_new(reg, z->i32, TYR_FUNC_VARARGS, &proto), 0);
    assert_int_equal(tyr_add_qual(reg, TYR_KIND_CONST, TYR_VOID, &t), 0);
    assert_int_equal(tyr_add_ptr(reg, t, &t), 0);
    assert_int_equal(tyr_func_proto_add_param(reg, proto, "a", t), 0);
    assert_int_equal(tyr_add_ptr(reg, proto, &t), 0);
    assert_int_equal(tyr_add_typedef(reg, "cmp_fn", t, &cmp), 0);
    assert_int_equal(tyr_add_array(reg, cmp, 3, 0, &arr), 0);
    assert_int_equal(tyr_add_qual(reg, TYR_KIND_CONST, z->i32, &t), 0);
    assert_int_equal(tyr_add_ptr(reg, t, &t), 0);
    assert_int_equal(tyr_add_qual(reg, TYR_KIND_VOLATILE, t, &t), 0);
    assert_int_equal(tyr_add_qual(reg, TYR_KIND_CONST, t, &cvp), 0);
    assert_int_equal(tyr_struct_new(reg, TYR_KIND_STRUCT, "misc", 64, 16, 0, &s), 0);
    assert_int_equal(tyr_add_ptr(reg, tyr_struct_type(opq), &t), 0);
    assert_int_equal(tyr_struct_add_field(reg, s, "o", t, 0, 0, 0), 0);
    assert_int_equal(tyr_struct_add_field(reg, s, "cmps", arr, 8, 0, 0), 0);
    assert_int_equal(tyr_struct_add_field(reg, s, "cv", cvp, 32, 0, 0), 0);
    assert_int_equal(tyr_add_ptr(reg, z->unknown, &t), 0);
    assert_int_equal(tyr_struct_add_field(reg, s, "pu", t, 40, 0, 0), 0);
    assert_int_equal(tyr_struct_add_field(reg, s, "ld", z->f80, 48, 0, 0), 0);
    /* Odd integer names fall back to C spellings of the same size; 16-byte integers. */
    tyr_type i8, i128;
    assert_int_equal(tyr_add_int(reg, "int8_t", 1, TYR_INT_SIGNED, &i8), 0);
    assert_int_equal(tyr_add_int(reg, "__int128 unsigned", 16, 0, &i128), 0);
    assert_int_equal(tyr_struct_new(reg, TYR_KIND_STRUCT, "ints", 32, 16, 0, &s), 0);
    assert_int_equal(tyr_struct_add_field(reg, s, "b", i8, 0, 0, 0), 0);
    assert_int_equal(tyr_struct_add_field(reg, s, "w", i128, 16, 0, 0), 0);
    /* Empty struct with a size; struct of zero size. */
    assert_int_equal(tyr_struct_new(reg, TYR_KIND_STRUCT, "blank", 8, 4, 0, &s), 0);
    assert_int_equal(tyr_struct_new(reg, TYR_KIND_STRUCT, "empty", 0, 1, 0, &s), 0);
    /* An aligned(64) struct holding a packed one. */
    assert_int_equal(tyr_struct_new(reg, TYR_KIND_STRUCT, "line", 128, 64, 0, &s), 0);
    assert_int_equal(tyr_struct_add_field(reg, s, "p", c->z.packed, 1, 0, 0), 0);
    assert_int_equal(tyr_struct_add_field(reg, s, "q", c->z.aligned, 64, 0, 0), 0);

    /* C++ and hostile names become C identifiers (and keep no comment terminator). */
    tyr_type odd;
    assert_int_equal(tyr_add_unknown(reg, "x*/y", 2, &odd), 0);
    assert_int_equal(tyr_struct_new(reg, TYR_KIND_STRUCT, "ns::Foo<int>", 8, 4, 0, &s), 0);
    assert_int_equal(tyr_struct_add_field(reg, s, "default", z->i32, 0, 0, 0), 0);
    assert_int_equal(tyr_struct_add_field(reg, s, "u", odd, 4, 0, 0), 0);
    assert_int_equal(tyr_add_typedef(reg, "2d", tyr_struct_type(s), &t), 0);
    assert_int_equal(tyr_enum_new(reg, "int", 4, 0, &t), 0);
    assert_int_equal(tyr_enum_add(reg, t, "while", 0), 0);

    /* An anonymous enum used by one member is declared there. */
    assert_int_equal(tyr_enum_new(reg, NULL, 1, 0, &t), 0);
    assert_int_equal(tyr_enum_add(reg, t, "M_A", 0), 0);
    assert_int_equal(tyr_enum_add(reg, t, "M_B", 3), 0);
    assert_int_equal(tyr_struct_new(reg, TYR_KIND_STRUCT, "modeful", 8, 4, 0, &s), 0);
    assert_int_equal(tyr_struct_add_field(reg, s, "mode", t, 0, 0, 0), 0);
    assert_int_equal(tyr_struct_add_field(reg, s, "x", z->i32, 4, 0, 0), 0);

    char *text = dump(reg, NULL, 0, TYR_DUMP_C_ASSERTS);
    assert_non_null(strstr(text, "struct modeful {\n\tenum __attribute__((mode(QI))) {\n"
                                 "\t\tM_A = 0,\n\t\tM_B = 3,\n\t} mode;\n\tint x;\n};\n"));
    assert_non_null(strstr(text, "struct ns__Foo_int_ {\n\tint default_;\n"
                                 "\tunsigned char u[2]; /* unknown type 'x__y' */\n"));
    assert_non_null(strstr(text, "typedef struct ns__Foo_int_ _2d;\n"));
    assert_non_null(strstr(text, "enum int_ {\n\twhile_ = 0,\n};\n"));
    assert_non_null(strstr(text, "} __attribute__((packed, aligned(2)));\n"
                                 "_Static_assert(sizeof(struct pack2) == 14"));
    assert_non_null(strstr(text, "struct overlap {\n\tunsigned char __tyr_opaque[8]; "
                                 "/* layout not expressible in C */\n} "
                                 "__attribute__((aligned(4)));\n"));
    assert_non_null(strstr(text, "struct outer {\n"
                                 "\tstruct {\n\t\tint p;\n\t\tchar q;\n\t} in;\n"
                                 "\tunion {\n\t\tstruct {\n\t\t\tshort lo;\n\t\t\tint hi;\n"
                                 "\t\t};\n\t\tunsigned int w;\n\t};\n"
                                 "\tlong z;\n};\n"));
    assert_non_null(strstr(text, "_Static_assert(__builtin_offsetof(struct outer, in.q) == 4, "
                                 "\"struct outer.in.q\");\n"));
    assert_null(strstr(text, "__tyr_anon_")); /* every anonymous type here has one use */
    assert_non_null(strstr(text, "union holes__2 {"));
    assert_non_null(strstr(text, "enum color__2 {\n\tRED__2 = 5,\n};"));
    assert_non_null(strstr(text, "typedef enum __attribute__((mode(HI))) {\n\tMINUS = -300,\n} e_t;"));
    assert_non_null(strstr(text, "\tcmp_fn cmps[3];\n"));
    assert_non_null(strstr(text, "\tconst int *const volatile cv;\n"));
    assert_non_null(strstr(text, "\tunsigned char (*pu)[6];\n"));
    assert_non_null(strstr(text, "\tsigned char b;\n"));
    assert_non_null(strstr(text, "\tunsigned __int128 w;\n"));
    assert_non_null(strstr(text, "struct opaque_t;\n"));
    assert_compiles(text);
    free(text);
}

/* A definition cycle (a typedef of an array of S used by pointer inside S) cannot be built
 * through the builder (S is sealed first), but a damaged trusted blob could hold one: the
 * member becomes an opaque byte array and the dump still compiles. */
static void test_definition_cycle_is_broken(void **state)
{
    struct zoo_ctx *c = *state;
    tyr_registry *reg = c->reg;
    tyr_struct s;
    tyr_type arr, td, p, vp;
    assert_int_equal(tyr_add_ptr(reg, TYR_VOID, &vp), 0);
    assert_int_equal(tyr_struct_new(reg, TYR_KIND_STRUCT, "S", 16, 8, 0, &s), 0);
    assert_int_equal(tyr_struct_add_field(reg, s, "p", vp, 0, 0, 0), 0);
    assert_int_equal(tyr_struct_add_field(reg, s, "v", c->z.i32, 8, 0, 0), 0);
    assert_int_equal(tyr_add_array(reg, tyr_struct_type(s), 2, 0, &arr), 0);
    assert_int_equal(tyr_add_typedef(reg, "arr_t", arr, &td), 0);
    assert_int_equal(tyr_add_ptr(reg, td, &p), 0);
    reg->fields[tyr__t_first(&reg->types[s.id])].type = p.id; /* S { arr_t *p; int v; } */
    tyr_type root = tyr_struct_type(s);
    char *text = dump(reg, &root, 1, TYR_DUMP_C_ASSERTS);
    assert_string_equal(text,
                        "struct S {\n"
                        "\tunsigned char p[8]; /* opaque: its type cannot be declared before "
                        "this struct */\n"
                        "\tint v;\n"
                        "} __attribute__((aligned(8)));\n"
                        "_Static_assert(sizeof(struct S) == 16, \"struct S\");\n"
                        "_Static_assert(__builtin_offsetof(struct S, p) == 0, \"struct S.p\");\n"
                        "_Static_assert(__builtin_offsetof(struct S, v) == 8, \"struct S.v\");\n"
                        "\n"
                        "typedef struct S arr_t[2];\n\n");
    assert_compiles(text);
    free(text);
}


/* Property: for random registries (odd offsets, packed/over-aligned records, bitfields,
 * anonymous members, name collisions, cycles through pointers), the dump compiles with gcc
 * and clang under -Wall -Werror and its _Static_asserts (sizeof and every offsetof) all
 * hold. (-Wextra is left out here only because a random typedef may qualify a function's
 * return type, which -Wextra flags in any C code that writes it.) */
static void test_random_registries_compile(void **state)
{
    (void)state;
    warn_flags = "-Wall";
    if (!have("gcc") && !have("clang"))
        skip();
    uint64_t seeds = 24; /* TYR_DUMP_C_SEEDS=N, TYR_DUMP_C_TYPES=N for a longer soak */
    uint32_t ntypes = 160;
    if (getenv("TYR_DUMP_C_SEEDS"))
        seeds = strtoull(getenv("TYR_DUMP_C_SEEDS"), NULL, 10);
    if (getenv("TYR_DUMP_C_TYPES"))
        ntypes = (uint32_t)strtoul(getenv("TYR_DUMP_C_TYPES"), NULL, 10);
    if (ntypes > sizeof(anon_used) - 64)
        ntypes = (uint32_t)sizeof(anon_used) - 64;
    for (uint64_t seed = 1; seed <= seeds; seed++) {
        rnd_seed(seed);
        tyr_registry *reg;
        assert_int_equal(tyr_registry_new(NULL, &reg), 0);
        random_registry(reg, ntypes);
        char *text = dump(reg, NULL, 0, TYR_DUMP_C_ASSERTS);
        assert_compiles(text);
        free(text);
        tyr_registry_free(reg);
    }
    warn_flags = "-Wall -Wextra";
}

/* A registry of 4-byte pointers (an i386 binary, with long long 4-aligned in structs)
 * says so, and compiles with -m32 keeping every size and offset. */
static void test_ilp32_registry(void **state)
{
    (void)state;
    tyr_registry *reg;
    assert_int_equal(tyr_registry_new(TYR_OPTS(tyr_registry_opts, .pointer_size = 4), &reg), 0);
    tyr_type i32, i64, p;
    tyr_struct s;
    assert_int_equal(tyr_add_int(reg, "long int", 4, TYR_INT_SIGNED, &i32), 0);
    assert_int_equal(tyr_add_int(reg, "long long int", 8, TYR_INT_SIGNED, &i64), 0);
    assert_int_equal(tyr_struct_declare(reg, TYR_KIND_STRUCT, "item", &s), 0);
    assert_int_equal(tyr_add_ptr(reg, tyr_struct_type(s), &p), 0);
    assert_int_equal(tyr_struct_complete(reg, s, 16, 4, 0), 0);
    assert_int_equal(tyr_struct_add_field(reg, s, "next", p, 0, 0, 0), 0);
    assert_int_equal(tyr_struct_add_field(reg, s, "v", i64, 4, 0, 0), 0);
    assert_int_equal(tyr_struct_add_field(reg, s, "n", i32, 12, 0, 0), 0);
    char *text = dump(reg, NULL, 0, TYR_DUMP_C_ASSERTS);
    assert_non_null(strstr(text, "/* 4-byte pointers: compile for an ILP32 target (gcc -m32) */"));
    assert_non_null(strstr(text, "\tstruct item *next;\n"));
    const char *saved = warn_flags;
    warn_flags = "-m32 -Wall -Wextra";
    if (system("echo 'int x;' | gcc -m32 -x c -c -o /dev/null - >/dev/null 2>&1") == 0)
        assert_int_equal(compile("gcc", text), 0);
    warn_flags = saved;
    free(text);
    tyr_registry_free(reg);
}

/* Bad arguments and a failing sink. */
static void test_errors(void **state)
{
    struct zoo_ctx *c = *state;
    tyr_sink null = tyr_sink_null(), bad = {zoo_fail_write, NULL};
    tyr_type badroot = {9999999};
    assert_int_equal(tyr_dump_c(NULL, NULL, &null), TYR_EINVAL);
    assert_int_equal(tyr_dump_c(c->reg, NULL, NULL), TYR_EINVAL);
    assert_int_equal(tyr_dump_c(c->reg, TYR_OPTS(tyr_dump_opts, .nroots = 1), &null),
                     TYR_EINVAL);
    assert_int_equal(tyr_dump_c(c->reg, TYR_OPTS(tyr_dump_opts, .nroots = 1, .roots = &badroot),
                                &null), TYR_EHANDLE);
    assert_int_equal(tyr_dump_c(c->reg, NULL, &bad), TYR_EIO);
    assert_int_equal(tyr_dump_c(c->reg, NULL, &null), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_golden_probe, zoo_setup, zoo_teardown),
        cmocka_unit_test_setup_teardown(test_golden_rec, zoo_setup, zoo_teardown),
        cmocka_unit_test_setup_teardown(test_golden_fragments, zoo_setup, zoo_teardown),
        cmocka_unit_test_setup_teardown(test_zoo_compiles, zoo_setup, zoo_teardown),
        cmocka_unit_test_setup_teardown(test_hard_layouts_compile, zoo_setup, zoo_teardown),
        cmocka_unit_test_setup_teardown(test_definition_cycle_is_broken, zoo_setup, zoo_teardown),
        cmocka_unit_test(test_random_registries_compile),
        cmocka_unit_test(test_ilp32_registry),
        cmocka_unit_test_setup_teardown(test_errors, zoo_setup, zoo_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

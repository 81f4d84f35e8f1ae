/* SPDX-License-Identifier: MIT */
/* The registry in building mode: builders, their errors, and the queries over them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "internal.h"
#include "tyr/tyr.h"

static int setup(void **state)
{
    tyr_registry *reg = NULL;
    int err = tyr_registry_new(NULL, &reg);
    *state = reg;
    return err ? -1 : 0;
}

static int teardown(void **state)
{
    tyr_registry_free(*state);
    return 0;
}

static tyr_type int_type(tyr_registry *reg)
{
    tyr_type t;
    assert_int_equal(tyr_add_int(reg, "int", 4, TYR_INT_SIGNED, &t), 0);
    return t;
}

static tyr_type char_type(tyr_registry *reg)
{
    tyr_type t;
    assert_int_equal(tyr_add_int(reg, "char", 1, TYR_INT_SIGNED | TYR_INT_CHAR, &t), 0);
    return t;
}

static const char *spell(tyr_registry *reg, tyr_type t, const char *decl, uint32_t flags)
{
    static char buf[256];
    int n = tyr_type_spell(reg, t, decl, flags, buf, sizeof(buf));
    assert_true(n >= 0);
    assert_int_equal((size_t)n, strlen(buf));
    return buf;
}

/* A snapshot of everything a failed builder call must leave untouched. */
struct snap {
    uint32_t ntypes, nfields, nenums, nparams, strs_len;
    struct tyr_rec_type last;
};
static struct snap take(const tyr_registry *reg)
{
    struct snap s = {reg->ntypes, reg->nfields, reg->nenums, reg->nparams, reg->strs_len,
                     reg->types[reg->ntypes - 1]};
    return s;
}
static void assert_unchanged(const tyr_registry *reg, struct snap s)
{
    struct snap now = take(reg);
    assert_int_equal(now.ntypes, s.ntypes);
    assert_int_equal(now.nfields, s.nfields);
    assert_int_equal(now.nenums, s.nenums);
    assert_int_equal(now.nparams, s.nparams);
    assert_int_equal(now.strs_len, s.strs_len);
    assert_memory_equal(&now.last, &s.last, sizeof(s.last));
}

/* The seed's case: struct Node { struct Node *next; int val; } built through a declaration,
 * and the pointer's pointee is the same handle the definition completed. */
static void test_self_referencing_node(void **state)
{
    tyr_registry *reg = *state;
    tyr_type i32 = int_type(reg);
    tyr_struct node;
    assert_int_equal(tyr_struct_declare(reg, TYR_KIND_STRUCT, "Node", &node), 0);
    tyr_type ptr;
    assert_int_equal(tyr_add_ptr(reg, tyr_struct_type(node), &ptr), 0);
    assert_int_equal(tyr_type_size(reg, tyr_struct_type(node)), 0);
    assert_int_equal(tyr_struct_complete(reg, node, 16, 8, 0), 0);
    assert_int_equal(tyr_struct_add_field(reg, node, "next", ptr, 0, 0, 0), 0);
    assert_int_equal(tyr_struct_add_field(reg, node, "val", i32, 8, 0, 0), 0);

    tyr_field_info f;
    assert_int_equal(tyr_field_by_name(reg, tyr_struct_type(node), "next", &f), 0);
    assert_int_equal(f.offset, 0);
    tyr_sized_type st = tyr_sized(reg, f.type);
    assert_int_equal(st.kind, TYR_KIND_PTR);
    assert_int_equal(st.size, 8);
    tyr_sized_type pointee = tyr_sized_pointee(reg, st);
    assert_int_equal(pointee.kind, TYR_KIND_STRUCT);
    assert_int_equal(pointee.id, node.id);
    assert_int_equal(pointee.size, 16);
    /* ->next->next->val: walking the cycle through handles. */
    assert_int_equal(tyr_field_by_name(reg, tyr_sized_type_id(pointee), "val", &f), 0);
    assert_int_equal(f.offset, 8);
    assert_string_equal(spell(reg, ptr, "", 0), "struct Node *");
    assert_string_equal(spell(reg, ptr, "n", TYR_SPELL_TIGHT), "struct Node* n");
    assert_int_equal(tyr_struct_complete(reg, node, 16, 8, 0), TYR_EEXIST);
}

/* struct A { struct B *b; } and struct B { struct A *a; }: both declared before defined. */
static void test_mutually_recursive_pair(void **state)
{
    tyr_registry *reg = *state;
    tyr_struct a, b;
    tyr_type pa, pb;
    assert_int_equal(tyr_struct_declare(reg, TYR_KIND_STRUCT, "A", &a), 0);
    assert_int_equal(tyr_struct_declare(reg, TYR_KIND_STRUCT, "B", &b), 0);
    assert_int_equal(tyr_add_ptr(reg, tyr_struct_type(a), &pa), 0);
    assert_int_equal(tyr_add_ptr(reg, tyr_struct_type(b), &pb), 0);
    assert_int_equal(tyr_struct_complete(reg, a, 8, 8, 0), 0);
    assert_int_equal(tyr_struct_complete(reg, b, 8, 8, 0), 0);
    assert_int_equal(tyr_struct_add_field(reg, a, "b", pb, 0, 0, 0), 0);
    assert_int_equal(tyr_struct_add_field(reg, b, "a", pa, 0, 0, 0), 0);
    assert_int_equal(tyr_field_path(reg, tyr_struct_type(a), "b", NULL), 0);
    tyr_field_info f;
    assert_int_equal(tyr_field_by_name(reg, tyr_struct_type(b), "a", &f), 0);
    assert_int_equal(tyr_sized_pointee(reg, tyr_sized(reg, f.type)).id, a.id);
    tyr_type found;
    assert_int_equal(tyr_find(reg, "B", TYR_KIND_STRUCT, &found), 0);
    assert_int_equal(found.id, b.id);
}

/* Every kind is built, reports its kind, size, alignment and details. */
static void test_every_kind(void **state)
{
    tyr_registry *reg = *state;
    static const uint32_t int_sizes[] = {1, 2, 4, 8, 16};
    for (size_t i = 0; i < sizeof(int_sizes) / sizeof(int_sizes[0]); i++) {
        tyr_type t;
        assert_int_equal(tyr_add_int(reg, NULL, int_sizes[i], TYR_INT_SIGNED, &t), 0);
        tyr_type_info info;
        assert_int_equal(tyr_type_get(reg, t, &info), 0);
        assert_int_equal(info.kind, TYR_KIND_INT);
        assert_int_equal(info.size, int_sizes[i]);
        assert_int_equal(info.bits, int_sizes[i] * 8);
    }
    tyr_type b, c, f4, f8, ld, f128;
    assert_int_equal(tyr_add_int(reg, "_Bool", 1, TYR_INT_BOOL, &b), 0);
    assert_int_equal(tyr_add_int(reg, "char", 1, TYR_INT_CHAR | TYR_INT_SIGNED, &c), 0);
    assert_int_equal(tyr_add_float(reg, "float", 4, 32, &f4), 0);
    assert_int_equal(tyr_add_float(reg, "double", 8, 64, &f8), 0);
    assert_int_equal(tyr_add_float(reg, "long double", 16, 80, &ld), 0);
    assert_int_equal(tyr_add_float(reg, "_Float128", 16, 128, &f128), 0);
    tyr_type_info info;
    assert_int_equal(tyr_type_get(reg, ld, &info), 0);
    assert_int_equal(info.kind, TYR_KIND_FLOAT);
    assert_int_equal(info.size, 16);
    assert_int_equal(info.bits, 80);
    assert_int_equal(tyr_type_kind(reg, b), TYR_KIND_INT);
    assert_int_equal(tyr_sized(reg, b).flags, TYR_INT_BOOL);

    tyr_type arr, flex, e, td, cq, vq, rq, aq, ptr, proto, fn, fnptr, unk;
    assert_int_equal(tyr_add_array(reg, f8, 3, 0, &arr), 0);
    assert_int_equal(tyr_type_size(reg, arr), 24);
    assert_int_equal(tyr_type_align(reg, arr), 8);
    assert_int_equal(tyr_add_array(reg, c, 0, TYR_ARRAY_FLEX, &flex), 0);
    assert_int_equal(tyr_type_size(reg, flex), 0);
    assert_int_equal(tyr_enum_new(reg, "color", 4, 0, &e), 0);
    assert_int_equal(tyr_enum_add(reg, e, "RED", 0), 0);
    assert_int_equal(tyr_enum_add(reg, e, "BLUE", 7), 0);
    assert_int_equal(tyr_add_typedef(reg, "color_t", e, &td), 0);
    assert_int_equal(tyr_type_size(reg, td), 4);
    assert_int_equal(tyr_add_qual(reg, TYR_KIND_CONST, td, &cq), 0);
    assert_int_equal(tyr_add_qual(reg, TYR_KIND_VOLATILE, cq, &vq), 0);
    assert_int_equal(tyr_add_qual(reg, TYR_KIND_ATOMIC, f8, &aq), 0);
    assert_int_equal(tyr_type_size(reg, vq), 4);
    assert_int_equal(tyr_type_strip(reg, vq, TYR_STRIP_ALL).id, e.id);
    assert_int_equal(tyr_type_strip(reg, vq, TYR_STRIP_QUALS).id, td.id);
    assert_int_equal(tyr_type_strip(reg, td, TYR_STRIP_QUALS).id, td.id);
    assert_int_equal(tyr_add_ptr(reg, c, &ptr), 0);
    assert_int_equal(tyr_add_qual(reg, TYR_KIND_RESTRICT, ptr, &rq), 0);
    assert_int_equal(tyr_add_qual(reg, TYR_KIND_RESTRICT, c, NULL), TYR_EKIND);
    assert_int_equal(tyr_func_proto_new(reg, int_type(reg), TYR_FUNC_VARARGS, &proto), 0);
    assert_int_equal(tyr_func_proto_add_param(reg, proto, "fmt", ptr), 0);
    assert_int_equal(tyr_func_new(reg, "printf", proto, &fn), 0);
    assert_int_equal(tyr_add_ptr(reg, proto, &fnptr), 0);
    assert_int_equal(tyr_add_unknown(reg, "mystery", 12, &unk), 0);
    assert_int_equal(tyr_type_size(reg, unk), 12);
    assert_int_equal(tyr_type_kind(reg, unk), TYR_KIND_UNKNOWN);

    assert_int_equal(tyr_type_get(reg, fn, &info), 0);
    assert_int_equal(info.kind, TYR_KIND_FUNC);
    assert_int_equal(info.count, 1);
    assert_int_equal(info.target.id, proto.id);
    tyr_param_info p;
    assert_int_equal(tyr_param_at(reg, fn, 0, &p), 0);
    assert_string_equal(p.name, "fmt");
    assert_int_equal(p.type.id, ptr.id);
    assert_int_equal(tyr_param_at(reg, fn, 1, &p), TYR_ENOENT);
    tyr_enumerator_info en;
    assert_int_equal(tyr_enumerator_at(reg, td, 1, &en), 0); /* through the typedef */
    assert_string_equal(en.name, "BLUE");
    assert_int_equal(en.value, 7);
    assert_string_equal(spell(reg, fn, "", 0), "int printf(char *, ...)");
    assert_string_equal(spell(reg, vq, "", 0), "const volatile color_t");
    assert_string_equal(spell(reg, rq, "s", 0), "char *restrict s");
    assert_string_equal(spell(reg, aq, "", 0), "_Atomic double");
    assert_string_equal(spell(reg, flex, "data", 0), "char data[]");
    assert_int_equal(tyr_type_kind(reg, (tyr_type){999999}), TYR_EHANDLE);
    assert_string_equal(tyr_type_name(reg, (tyr_type){999999}), "");
}

/* Declarators: pointers to functions, arrays of pointers, pointers to arrays, qualifiers. */
static void test_spelling_of_declarators(void **state)
{
    tyr_registry *reg = *state;
    tyr_type i32 = int_type(reg), ch = char_type(reg), v = TYR_VOID;
    tyr_struct node;
    tyr_type pnode, pvoid, proto, fp, a5, a3, a2, cnode, pcnode, ptd, cvp, pa3, ap, ret_fp, outer;
    assert_int_equal(tyr_struct_declare(reg, TYR_KIND_STRUCT, "Node", &node), 0);
    assert_int_equal(tyr_add_ptr(reg, tyr_struct_type(node), &pnode), 0);
    assert_int_equal(tyr_add_ptr(reg, v, &pvoid), 0);
    assert_int_equal(tyr_func_proto_new(reg, i32, 0, &proto), 0);
    assert_int_equal(tyr_func_proto_add_param(reg, proto, NULL, pnode), 0);
    assert_int_equal(tyr_func_proto_add_param(reg, proto, NULL, pvoid), 0);
    assert_int_equal(tyr_add_ptr(reg, proto, &fp), 0);
    assert_string_equal(spell(reg, fp, "", 0), "int (*)(struct Node *, void *)");
    assert_string_equal(spell(reg, fp, "cb", 0), "int (*cb)(struct Node *, void *)");

    assert_int_equal(tyr_add_array(reg, ch, 5, 0, &a5), 0);
    assert_int_equal(tyr_add_array(reg, a5, 3, 0, &a3), 0);
    assert_int_equal(tyr_add_array(reg, a3, 2, 0, &a2), 0);
    assert_string_equal(spell(reg, a2, "", 0), "char [2][3][5]");
    assert_int_equal(tyr_type_size(reg, a2), 30);

    assert_int_equal(tyr_add_qual(reg, TYR_KIND_CONST, tyr_struct_type(node), &cnode), 0);
    assert_int_equal(tyr_add_ptr(reg, cnode, &pcnode), 0);
    assert_string_equal(spell(reg, pcnode, "", 0), "const struct Node *");
    assert_string_equal(spell(reg, pcnode, "", TYR_SPELL_TIGHT), "const struct Node*");
    assert_int_equal(tyr_add_typedef(reg, "cv_node_ptr", pcnode, &ptd), 0);
    assert_string_equal(spell(reg, ptd, "", 0), "cv_node_ptr");
    assert_int_equal(tyr_add_qual(reg, TYR_KIND_CONST, pvoid, &cvp), 0);
    assert_string_equal(spell(reg, cvp, "p", 0), "void *const p");

    assert_int_equal(tyr_add_ptr(reg, a5, &pa3), 0);
    assert_string_equal(spell(reg, pa3, "", 0), "char (*)[5]");
    assert_int_equal(tyr_add_array(reg, pnode, 4, 0, &ap), 0);
    assert_string_equal(spell(reg, ap, "v", 0), "struct Node *v[4]");
    /* A function returning a pointer to a function: int (*(*)(void))(struct Node *, void *) */
    assert_int_equal(tyr_func_proto_new(reg, fp, 0, &ret_fp), 0);
    assert_int_equal(tyr_add_ptr(reg, ret_fp, &outer), 0);
    assert_string_equal(spell(reg, outer, "", 0), "int (*(*)(void))(struct Node *, void *)");

    char small[6];
    int n = tyr_type_spell(reg, fp, NULL, 0, small, sizeof(small));
    assert_int_equal(n, (int)strlen("int (*)(struct Node *, void *)"));
    assert_string_equal(small, "int (");
    assert_int_equal(tyr_type_spell(reg, (tyr_type){12345}, NULL, 0, small, 6), TYR_EHANDLE);
}

/* Members of anonymous structs and unions are found by name, with their offsets added, and a
 * field path walks members and array elements. */
static void test_anonymous_members_and_paths(void **state)
{
    tyr_registry *reg = *state;
    tyr_type i32 = int_type(reg), ch = char_type(reg);
    tyr_struct inner, anon_u, outer;
    tyr_type arr;
    /* struct inner { int x; char tag[4]; } */
    assert_int_equal(tyr_struct_new(reg, TYR_KIND_STRUCT, "inner", 8, 4, 0, &inner), 0);
    assert_int_equal(tyr_struct_add_field(reg, inner, "x", i32, 0, 0, 0), 0);
    tyr_type tag;
    assert_int_equal(tyr_add_array(reg, ch, 4, 0, &tag), 0);
    assert_int_equal(tyr_struct_add_field(reg, inner, "tag", tag, 4, 0, 0), 0);
    assert_int_equal(tyr_add_array(reg, tyr_struct_type(inner), 3, 0, &arr), 0);
    /* union { int a; int b; } anonymous, at offset 4 of outer */
    assert_int_equal(tyr_struct_new(reg, TYR_KIND_UNION, NULL, 4, 4, 0, &anon_u), 0);
    assert_int_equal(tyr_struct_add_field(reg, anon_u, "a", i32, 0, 0, 0), 0);
    assert_int_equal(tyr_struct_add_field(reg, anon_u, "b", i32, 0, 0, 0), 0);
    /* struct outer { int head; union { int a; int b; }; struct inner items[3]; } */
    assert_int_equal(tyr_struct_new(reg, TYR_KIND_STRUCT, "outer", 32, 4, 0, &outer), 0);
    assert_int_equal(tyr_struct_add_field(reg, outer, "head", i32, 0, 0, 0), 0);
    assert_int_equal(tyr_struct_add_field(reg, outer, NULL, tyr_struct_type(anon_u), 4, 0, 0), 0);
    assert_int_equal(tyr_struct_add_field(reg, outer, "items", arr, 8, 0, 0), 0);

    tyr_field_info f;
    assert_int_equal(tyr_field_by_name(reg, tyr_struct_type(outer), "b", &f), 0);
    assert_int_equal(f.offset, 4);
    assert_int_equal(f.type.id, i32.id);
    assert_int_equal(tyr_field_at(reg, tyr_struct_type(outer), 1, &f), 0);
    assert_string_equal(f.name, "");
    assert_int_equal(tyr_field_by_name(reg, tyr_struct_type(outer), "nope", &f), TYR_ENOENT);

    assert_int_equal(tyr_field_path(reg, tyr_struct_type(outer), "items[2].tag[3]", &f), 0);
    assert_int_equal(f.offset, 8 + 2 * 8 + 4 + 3);
    assert_int_equal(f.type.id, ch.id);
    assert_int_equal(tyr_field_path(reg, tyr_struct_type(outer), "items[3]", &f), TYR_ERANGE);
    assert_int_equal(tyr_field_path(reg, tyr_struct_type(outer), "items..x", &f), TYR_EINVAL);
    assert_int_equal(tyr_field_path(reg, tyr_struct_type(outer), "items[1", &f), TYR_EINVAL);
    assert_int_equal(tyr_field_path(reg, tyr_struct_type(outer), "head.x", &f), TYR_EKIND);
    assert_int_equal(tyr_field_path(reg, tyr_struct_type(outer), "", &f), TYR_EINVAL);
    assert_int_equal(tyr_field_path(reg, arr, "[1].x", &f), 0);
    assert_int_equal(f.offset, 8);
}

/* Bitfields: stored as (unit offset, bit offset, width); outside the unit or struct is refused. */
static void test_bitfields(void **state)
{
    tyr_registry *reg = *state;
    tyr_type u32;
    assert_int_equal(tyr_add_int(reg, "unsigned int", 4, 0, &u32), 0);
    tyr_struct s;
    assert_int_equal(tyr_struct_new(reg, TYR_KIND_STRUCT, "flags", 4, 4, 0, &s), 0);
    assert_int_equal(tyr_struct_add_field(reg, s, "a", u32, 0, 0, 3), 0);
    assert_int_equal(tyr_struct_add_field(reg, s, "b", u32, 0, 3, 29), 0);
    struct snap before = take(reg);
    assert_int_equal(tyr_struct_add_field(reg, s, "c", u32, 0, 30, 3), TYR_ERANGE);
    assert_int_equal(tyr_struct_add_field(reg, s, "c", u32, 2, 0, 20), TYR_ERANGE);
    assert_int_equal(tyr_struct_add_field(reg, s, "c", u32, 0, 0, 33), TYR_ERANGE);
    assert_int_equal(tyr_struct_add_field(reg, s, "c", u32, 0, 4, 0), TYR_EINVAL);
    tyr_type fl;
    assert_int_equal(tyr_add_float(reg, "float", 4, 32, &fl), 0);
    before = take(reg);
    assert_int_equal(tyr_struct_add_field(reg, s, "c", fl, 0, 0, 3), TYR_EKIND);
    assert_unchanged(reg, before);
    tyr_field_info f;
    assert_int_equal(tyr_field_by_name(reg, tyr_struct_type(s), "b", &f), 0);
    assert_int_equal(f.bit_offset, 3);
    assert_int_equal(f.bit_size, 29);
}

/* Every builder error leaves the registry exactly as it was. */
static void test_errors_change_nothing(void **state)
{
    tyr_registry *reg = *state;
    tyr_type i32 = int_type(reg);
    tyr_struct s, decl;
    assert_int_equal(tyr_struct_new(reg, TYR_KIND_STRUCT, "S", 8, 4, 0, &s), 0);
    assert_int_equal(tyr_struct_add_field(reg, s, "x", i32, 0, 0, 0), 0);
    assert_int_equal(tyr_struct_declare(reg, TYR_KIND_STRUCT, "Fwd", &decl), 0);
    struct snap before = take(reg);

    /* unknown handle, wrong kind */
    assert_int_equal(tyr_add_ptr(reg, (tyr_type){4242}, NULL), TYR_EHANDLE);
    assert_int_equal(tyr_struct_add_field(reg, (tyr_struct){4242}, "y", i32, 0, 0, 0), TYR_EHANDLE);
    assert_int_equal(tyr_struct_add_field(reg, (tyr_struct){i32.id}, "y", i32, 0, 0, 0), TYR_EKIND);
    assert_int_equal(tyr_struct_add_field(reg, s, "y", TYR_VOID, 4, 0, 0), TYR_EKIND);
    assert_int_equal(tyr_enum_add(reg, i32, "E", 1), TYR_EKIND);
    assert_int_equal(tyr_func_new(reg, "f", i32, NULL), TYR_EKIND);
    /* field past the end, duplicate name, incomplete types */
    assert_int_equal(tyr_struct_add_field(reg, s, "y", i32, 8, 0, 0), TYR_ERANGE);
    assert_int_equal(tyr_struct_add_field(reg, s, "y", i32, UINT64_MAX - 1, 0, 0), TYR_ERANGE);
    assert_int_equal(tyr_struct_add_field(reg, s, "x", i32, 4, 0, 0), TYR_EEXIST);
    assert_int_equal(tyr_struct_add_field(reg, s, "y", tyr_struct_type(decl), 4, 0, 0),
                     TYR_EINCOMPLETE);
    assert_int_equal(tyr_struct_add_field(reg, decl, "y", i32, 0, 0, 0), TYR_EINCOMPLETE);
    /* (an array of a declared struct is made incomplete: test_cxx_types; a flexible one
     * of it is refused) */
    assert_int_equal(tyr_add_array(reg, tyr_struct_type(decl), 0, TYR_ARRAY_FLEX, NULL),
                     TYR_EINCOMPLETE);
    assert_int_equal(tyr_struct_add_field(reg, s, "self", tyr_struct_type(s), 0, 0, 0), TYR_ECYCLE);
    /* completing twice, bad layouts and flags */
    assert_int_equal(tyr_struct_complete(reg, s, 8, 4, 0), TYR_EEXIST);
    assert_int_equal(tyr_struct_complete(reg, decl, 8, 3, 0), TYR_EINVAL);
    assert_int_equal(tyr_struct_complete(reg, decl, 8, 4, 0x40), TYR_EINVAL);
    assert_int_equal(tyr_add_int(reg, "i3", 3, 0, NULL), TYR_EINVAL);
    assert_int_equal(tyr_add_int(reg, "i32", 32, 0, NULL), TYR_EINVAL);
    assert_int_equal(tyr_add_float(reg, "f", 8, 80, NULL), TYR_EINVAL);
    assert_int_equal(tyr_enum_new(reg, "e", 3, 0, NULL), TYR_EINVAL);
    assert_int_equal(tyr_add_array(reg, i32, 2, TYR_ARRAY_FLEX, NULL), TYR_EINVAL);
    assert_int_equal(tyr_add_typedef(reg, "", i32, NULL), TYR_EINVAL);
    assert_int_equal(tyr_add_qual(reg, TYR_KIND_PTR, i32, NULL), TYR_EINVAL);
    assert_int_equal(tyr_struct_declare(reg, TYR_KIND_ENUM, "x", NULL), TYR_EINVAL);
    /* size overflow: an array whose byte size does not fit 64 bits */
    tyr_type big;
    assert_int_equal(tyr_add_array(reg, i32, UINT32_MAX, 0, &big), 0);
    before = take(reg);
    assert_int_equal(tyr_add_array(reg, big, UINT32_MAX, 0, NULL), TYR_EOVERFLOW);
    assert_unchanged(reg, before);
}

/* Enumerators: values must fit the enum's size and signedness; names are unique. */
static void test_enum_values(void **state)
{
    tyr_registry *reg = *state;
    tyr_type u8e, s8e, s64e;
    assert_int_equal(tyr_enum_new(reg, "u8e", 1, 0, &u8e), 0);
    assert_int_equal(tyr_enum_add(reg, u8e, "MAX", 255), 0);
    assert_int_equal(tyr_enum_add(reg, u8e, "OVER", 256), TYR_ERANGE);
    assert_int_equal(tyr_enum_add(reg, u8e, "MAX", 1), TYR_EEXIST);
    assert_int_equal(tyr_enum_new(reg, "s8e", 1, TYR_ENUM_SIGNED, &s8e), 0);
    assert_int_equal(tyr_enum_add(reg, s8e, "MIN", (uint64_t)(int64_t)-128), 0);
    assert_int_equal(tyr_enum_add(reg, s8e, "LOW", (uint64_t)(int64_t)-129), TYR_ERANGE);
    assert_int_equal(tyr_enum_add(reg, s8e, "HIGH", 128), TYR_ERANGE);
    assert_int_equal(tyr_enum_new(reg, "s64e", 8, TYR_ENUM_SIGNED, &s64e), 0);
    assert_int_equal(tyr_enum_add(reg, s64e, "NEG", (uint64_t)INT64_MIN), 0);
    tyr_enumerator_info en;
    assert_int_equal(tyr_enumerator_at(reg, s8e, 0, &en), 0);
    assert_int_equal((int64_t)en.value, -128);
    assert_int_equal(tyr_enumerator_at(reg, s8e, 1, &en), TYR_ENOENT);
}

/* Using a struct by value seals it: later members could create a size cycle. */
static void test_sealed_by_value(void **state)
{
    tyr_registry *reg = *state;
    tyr_type i32 = int_type(reg);
    tyr_struct a, b;
    tyr_type td;
    assert_int_equal(tyr_struct_new(reg, TYR_KIND_STRUCT, "A", 8, 4, 0, &a), 0);
    assert_int_equal(tyr_struct_add_field(reg, a, "x", i32, 0, 0, 0), 0);
    assert_int_equal(tyr_add_typedef(reg, "A_t", tyr_struct_type(a), &td), 0);
    /* A typedef does not seal: a member can still be added. */
    assert_int_equal(tyr_struct_add_field(reg, a, "y", i32, 4, 0, 0), 0);
    assert_int_equal(tyr_struct_new(reg, TYR_KIND_STRUCT, "B", 8, 4, 0, &b), 0);
    assert_int_equal(tyr_struct_add_field(reg, b, "a", td, 0, 0, 0), 0);
    assert_int_equal(tyr_struct_add_field(reg, a, "z", i32, 4, 0, 0), TYR_ESEALED);
    assert_true(tyr__t_rank(reg, &reg->types[b.id]) > tyr__t_rank(reg, &reg->types[a.id]));
}

/* Members appended to a struct whose range is no longer last move, and still read right. */
static void test_interleaved_members(void **state)
{
    tyr_registry *reg = *state;
    tyr_type i32 = int_type(reg);
    tyr_struct a, b;
    assert_int_equal(tyr_struct_new(reg, TYR_KIND_STRUCT, "A", 12, 4, 0, &a), 0);
    assert_int_equal(tyr_struct_new(reg, TYR_KIND_STRUCT, "B", 12, 4, 0, &b), 0);
    const char *names[] = {"f0", "f1", "f2"};
    for (uint32_t i = 0; i < 3; i++) {
        assert_int_equal(tyr_struct_add_field(reg, a, names[i], i32, i * 4, 0, 0), 0);
        assert_int_equal(tyr_struct_add_field(reg, b, names[i], i32, i * 4, 0, 0), 0);
    }
    for (uint32_t i = 0; i < 3; i++) {
        tyr_field_info fa, fb;
        assert_int_equal(tyr_field_at(reg, tyr_struct_type(a), i, &fa), 0);
        assert_int_equal(tyr_field_at(reg, tyr_struct_type(b), i, &fb), 0);
        assert_string_equal(fa.name, names[i]);
        assert_string_equal(fb.name, names[i]);
        assert_int_equal(fa.offset, i * 4);
    }
    assert_int_equal(tyr_field_at(reg, tyr_struct_type(a), 3, NULL), TYR_EINVAL);
}

/* Names are looked up by kind; several types may share a name and are all reachable. */
static void test_find_by_name_and_kind(void **state)
{
    tyr_registry *reg = *state;
    tyr_struct s1, s2;
    tyr_type td, t;
    assert_int_equal(tyr_struct_new(reg, TYR_KIND_STRUCT, "dup", 4, 4, 0, &s1), 0);
    assert_int_equal(tyr_struct_new(reg, TYR_KIND_STRUCT, "dup", 8, 4, 0, &s2), 0);
    assert_int_equal(tyr_add_typedef(reg, "dup", tyr_struct_type(s1), &td), 0);
    assert_int_equal(tyr_find(reg, "dup", TYR_KIND_TYPEDEF, &t), 0);
    assert_int_equal(t.id, td.id);
    assert_int_equal(tyr_find(reg, "dup", TYR_KIND_STRUCT, &t), 0);
    assert_int_equal(t.id, s2.id);
    assert_int_equal(tyr_find_next(reg, "dup", TYR_KIND_STRUCT, t, &t), 0);
    assert_int_equal(t.id, s1.id);
    assert_int_equal(tyr_find_next(reg, "dup", TYR_KIND_STRUCT, t, &t), TYR_ENOENT);
    assert_int_equal(tyr_find(reg, "dup", TYR_KIND_ANY, &t), 0);
    assert_int_equal(t.id, td.id);
    assert_int_equal(tyr_find(reg, "dup", TYR_KIND_ENUM, &t), TYR_ENOENT);
    assert_int_equal(tyr_find(reg, "missing", TYR_KIND_ANY, &t), TYR_ENOENT);
    assert_int_equal(tyr_find(reg, "", TYR_KIND_ANY, &t), TYR_ENOENT);
}

/* A million types: the arena grows many times, and handles taken first still resolve. */
static void test_million_types(void **state)
{
    tyr_registry *reg = *state;
    tyr_type first = int_type(reg);
    tyr_struct early;
    assert_int_equal(tyr_struct_new(reg, TYR_KIND_STRUCT, "early", 4, 4, 0, &early), 0);
    assert_int_equal(tyr_struct_add_field(reg, early, "v", first, 0, 0, 0), 0);
    char name[32];
    tyr_type prev = first;
    for (uint32_t i = 0; i < 1000000; i++) {
        tyr_type t;
        if (i % 2) {
            snprintf(name, sizeof(name), "td_%u", i);
            assert_int_equal(tyr_add_typedef(reg, name, prev, &t), 0);
        } else {
            assert_int_equal(tyr_add_ptr(reg, prev, &t), 0);
        }
        prev = t;
    }
    assert_true(tyr_registry_type_count(reg) > 1000000);
    tyr_field_info f;
    assert_int_equal(tyr_field_by_name(reg, tyr_struct_type(early), "v", &f), 0);
    assert_int_equal(f.type.id, first.id);
    assert_string_equal(tyr_type_name(reg, first), "int");
    tyr_type t;
    assert_int_equal(tyr_find(reg, "td_1", TYR_KIND_TYPEDEF, &t), 0);
    assert_int_equal(tyr_type_kind(reg, tyr_type_strip(reg, t, TYR_STRIP_ALL)), TYR_KIND_PTR);
    assert_int_equal(tyr_find(reg, "td_999999", TYR_KIND_TYPEDEF, &t), 0);
    assert_int_equal(t.id, prev.id);
    assert_int_equal(tyr_find(reg, "early", TYR_KIND_STRUCT, &t), 0);
    assert_int_equal(t.id, early.id);
}

/* Types shared within nested prototypes or anonymous members cannot make a query take
 * exponential time: both queries give up with an error after bounded work. */
static void test_shared_types_bounded(void **state)
{
    tyr_registry *reg = *state;
    tyr_type i32 = int_type(reg);
    /* Prototypes nested 7 deep, each taking 8 pointers to the one below: 8^7 spellings. */
    tyr_type arg = i32;
    for (int level = 0; level < 7; level++) {
        tyr_type proto, fp;
        assert_int_equal(tyr_func_proto_new(reg, i32, 0, &proto), 0);
        for (int i = 0; i < 8; i++)
            assert_int_equal(tyr_func_proto_add_param(reg, proto, NULL, arg), 0);
        assert_int_equal(tyr_add_ptr(reg, proto, &fp), 0);
        arg = fp;
    }
    char buf[64];
    assert_int_equal(tyr_type_spell(reg, arg, NULL, 0, buf, sizeof(buf)), TYR_EOVERFLOW);
    /* The C dump spells declarations with its own names, under the same budget. */
    assert_int_equal(tyr_add_typedef(reg, "deep_t", arg, NULL), 0);
    tyr_sink null = tyr_sink_null();
    assert_int_equal(tyr_dump_c(reg, NULL, &null), TYR_EOVERFLOW);
    /* union U_k { union U_{k-1}; union U_{k-1}; }: 2^24 paths to the innermost int. */
    tyr_struct u;
    assert_int_equal(tyr_struct_new(reg, TYR_KIND_UNION, NULL, 4, 4, 0, &u), 0);
    assert_int_equal(tyr_struct_add_field(reg, u, "x", i32, 0, 0, 0), 0);
    for (int level = 0; level < 24; level++) {
        tyr_struct up;
        assert_int_equal(tyr_struct_new(reg, TYR_KIND_UNION, NULL, 4, 4, 0, &up), 0);
        assert_int_equal(tyr_struct_add_field(reg, up, NULL, tyr_struct_type(u), 0, 0, 0), 0);
        assert_int_equal(tyr_struct_add_field(reg, up, NULL, tyr_struct_type(u), 0, 0, 0), 0);
        u = up;
    }
    tyr_field_info f;
    assert_int_equal(tyr_field_by_name(reg, tyr_struct_type(u), "x", &f), 0);
    assert_int_equal(tyr_field_by_name(reg, tyr_struct_type(u), "missing", &f), TYR_EDEPTH);
}

/* Options: pointer size 4 is honoured; unknown trailing option bytes must be zero. */
static void test_options(void **state)
{
    (void)state;
    tyr_registry *reg = NULL;
    assert_int_equal(tyr_registry_new(TYR_OPTS(tyr_registry_opts, .pointer_size = 4), &reg), 0);
    tyr_type p;
    assert_int_equal(tyr_add_ptr(reg, TYR_VOID, &p), 0);
    assert_int_equal(tyr_type_size(reg, p), 4);
    assert_int_equal(tyr_registry_pointer_size(reg), 4);
    assert_false(tyr_registry_is_mapped(reg));
    tyr_registry_free(reg);
    assert_int_equal(tyr_registry_new(TYR_OPTS(tyr_registry_opts, .pointer_size = 2), &reg),
                     TYR_EINVAL);
    struct {
        struct tyr_registry_opts o;
        uint32_t future;
    } newer = {{.sz = sizeof(newer)}, 1};
    newer.o.sz = sizeof(newer);
    assert_int_equal(tyr_registry_new(&newer.o, &reg), TYR_EINVAL);
    newer.future = 0;
    assert_int_equal(tyr_registry_new(&newer.o, &reg), 0);
    tyr_registry_free(reg);
    tyr_registry_free(NULL);
}

/* A stats struct carries sz as an opts struct does: refused without it, filled as far as an
 * older caller's struct reaches, refused with unknown non-zero bytes. */
static void test_stats_sized(void **state)
{
    tyr_registry *reg = *state;
    tyr_registry_stats st = {.sz = sizeof st};
    assert_int_equal(tyr_registry_get_stats(reg, &st), 0);
    assert_true(st.types >= 1);
    assert_int_equal(st.sz, sizeof st);
    tyr_registry_stats none = {0};
    assert_int_equal(tyr_registry_get_stats(reg, &none), TYR_EINVAL);
    tyr_registry_stats older = {.sz = offsetof(tyr_registry_stats, types)};
    assert_int_equal(tyr_registry_get_stats(reg, &older), 0);
    assert_int_equal(older.per_kind[TYR_KIND_VOID], 1);
    assert_int_equal(older.types, 0); /* past the caller's sz: not written */
    struct {
        tyr_registry_stats s;
        uint32_t future;
    } newer = {{.sz = sizeof newer}, 1};
    assert_int_equal(tyr_registry_get_stats(reg, &newer.s), TYR_EINVAL);
    newer.future = 0;
    assert_int_equal(tyr_registry_get_stats(reg, &newer.s), 0);
    assert_int_equal(newer.s.types, st.types);
}

/* Completing a struct and adding members change layout records that existed at the
 * snapshot: a rollback restores them and drops the ones appended since, so a blob written
 * after the rollback is byte for byte the one written before. */
static void test_layouts_rollback(void **state)
{
    tyr_registry *reg = *state;
    tyr_type i32 = int_type(reg), arr;
    tyr_struct decl, full;
    tyr_snapshot snap;
    void *before = NULL, *after = NULL;
    size_t nbefore = 0, nafter = 0;

    assert_int_equal(tyr_struct_declare(reg, TYR_KIND_STRUCT, "D", &decl), 0);
    assert_int_equal(tyr_struct_new(reg, TYR_KIND_STRUCT, "F", 8, 4, 0, &full), 0);
    assert_int_equal(tyr_struct_add_field(reg, full, "x", i32, 0, 0, 0), 0);
    const uint32_t nlayouts = reg->nlayouts;
    assert_int_equal(nlayouts, 3); /* none, D, F */
    assert_int_equal(tyr_blob_write_mem(reg, NULL, &before, &nbefore), 0);

    assert_int_equal(tyr_registry_snapshot(reg, &snap), 0);
    assert_int_equal(tyr_struct_complete(reg, decl, 16, 8, 0), 0);
    assert_int_equal(tyr_struct_add_field(reg, full, "y", i32, 4, 0, 0), 0);
    assert_int_equal(tyr_add_array(reg, tyr_struct_type(full), 3, 0, &arr), 0);
    assert_int_equal(reg->nlayouts, nlayouts + 1);
    assert_int_equal(tyr_type_size(reg, tyr_struct_type(decl)), 16);
    assert_int_equal(tyr__t_count(reg, &reg->types[full.id]), 2);
    assert_int_equal(tyr__t_rank(reg, &reg->types[arr.id]), 1);
    tyr_registry_rollback(reg, &snap);

    assert_int_equal(reg->nlayouts, nlayouts);
    assert_int_equal(tyr_type_size(reg, tyr_struct_type(decl)), 0);
    assert_int_equal(tyr__t_count(reg, &reg->types[full.id]), 1);
    assert_int_equal(tyr_blob_write_mem(reg, NULL, &after, &nafter), 0);
    assert_int_equal(nafter, nbefore);
    assert_memory_equal(after, before, nbefore);
    /* and the registry builds on as before */
    assert_int_equal(tyr_struct_add_field(reg, full, "y", i32, 4, 0, 0), 0);
    assert_int_equal(tyr__t_count(reg, &reg->types[full.id]), 2);
    tyr_blob_buf_free(before);
    tyr_blob_buf_free(after);
}

/* A field record holds a 40-bit byte offset: the last one fits and reads back whole, one
 * more is TYR_EOVERFLOW and changes nothing. */
static void test_field_offset_40_bits(void **state)
{
    tyr_registry *reg = *state;
    tyr_type i32 = int_type(reg);
    tyr_struct big;
    tyr_field_info fi;
    const uint64_t max = (UINT64_C(1) << 40) - 1;

    assert_int_equal(TYR_FIELD_OFFSET_MAX, max);
    assert_int_equal(tyr_struct_new(reg, TYR_KIND_STRUCT, "Big", UINT64_C(1) << 41, 4, 0, &big),
                     0);
    assert_int_equal(tyr_struct_add_field(reg, big, "first", i32, 0, 0, 0), 0);
    assert_int_equal(tyr_struct_add_field(reg, big, "far", i32, max - 3, 0, 0), 0);
    const uint32_t nfields = reg->nfields;
    assert_int_equal(tyr_struct_add_field(reg, big, "too_far", i32, max + 1, 0, 0),
                     TYR_EOVERFLOW);
    assert_int_equal(reg->nfields, nfields);
    assert_int_equal(tyr_field_at(reg, tyr_struct_type(big), 1, &fi), 0);
    assert_string_equal(fi.name, "far");
    assert_int_equal(fi.offset, max - 3);
    assert_int_equal(tyr_field_by_name(reg, tyr_struct_type(big), "too_far", &fi), TYR_ENOENT);
}

/* A prototype's parameter count is 16 bits: 65535 parameters fit, the next is refused. */
static void test_param_count_16_bits(void **state)
{
    tyr_registry *reg = *state;
    tyr_type i32 = int_type(reg), proto;
    tyr_type_info ti;

    assert_int_equal(tyr_func_proto_new(reg, i32, 0, &proto), 0);
    for (uint32_t i = 0; i < UINT16_MAX; i++)
        assert_int_equal(tyr_func_proto_add_param(reg, proto, NULL, i32), 0);
    assert_int_equal(tyr_func_proto_add_param(reg, proto, "one_more", i32), TYR_EOVERFLOW);
    assert_int_equal(tyr_type_get(reg, proto, &ti), 0);
    assert_int_equal(ti.count, UINT16_MAX);
    assert_int_equal(reg->nparams, 1u + UINT16_MAX);
}

/* An array's elements over its nested dimensions, as BTF writes them flat: char m[2][3][5]
 * is 30 chars; a typedef'd array is not looked through; a non-array counts 1; huge counts
 * saturate instead of wrapping. */
static void test_array_flat(void **state)
{
    tyr_registry *reg = *state;
    tyr_type c, a5, a35, a235, td, huge, huger, hugest, inner;

    assert_int_equal(tyr_add_int(reg, "char", 1, TYR_INT_CHAR, &c), 0);
    assert_int_equal(tyr_add_array(reg, c, 5, 0, &a5), 0);
    assert_int_equal(tyr_add_array(reg, a5, 3, 0, &a35), 0);
    assert_int_equal(tyr_add_array(reg, a35, 2, 0, &a235), 0);
    assert_int_equal(tyr_array_flat(reg, a235, &inner), 30);
    assert_int_equal(inner.id, c.id);
    assert_int_equal(tyr_array_flat(reg, a5, NULL), 5);
    assert_int_equal(tyr_array_flat(reg, c, &inner), 1);
    assert_int_equal(inner.id, c.id);
    assert_int_equal(tyr_add_typedef(reg, "row", a5, &td), 0);
    assert_int_equal(tyr_array_flat(reg, td, &inner), 1);
    assert_int_equal(inner.id, td.id);
    /* struct {} holes[N][N][N], N = 2^32 - 1: zero bytes, a count past 64 bits */
    tyr_struct e;
    assert_int_equal(tyr_struct_new(reg, TYR_KIND_STRUCT, "empty", 0, 1, 0, &e), 0);
    assert_int_equal(tyr_add_array(reg, tyr_struct_type(e), UINT32_MAX, 0, &huge), 0);
    assert_int_equal(tyr_add_array(reg, huge, UINT32_MAX, 0, &huger), 0);
    assert_true(tyr_array_flat(reg, huger, NULL) == (uint64_t)UINT32_MAX * UINT32_MAX);
    assert_int_equal(tyr_add_array(reg, huger, UINT32_MAX, 0, &hugest), 0);
    assert_true(tyr_array_flat(reg, hugest, NULL) == UINT64_MAX);
    assert_int_equal(tyr_array_flat(NULL, a5, &inner), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_self_referencing_node, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mutually_recursive_pair, setup, teardown),
        cmocka_unit_test_setup_teardown(test_every_kind, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spelling_of_declarators, setup, teardown),
        cmocka_unit_test_setup_teardown(test_anonymous_members_and_paths, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bitfields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors_change_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_enum_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sealed_by_value, setup, teardown),
        cmocka_unit_test_setup_teardown(test_interleaved_members, setup, teardown),
        cmocka_unit_test_setup_teardown(test_find_by_name_and_kind, setup, teardown),
        cmocka_unit_test_setup_teardown(test_million_types, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shared_types_bounded, setup, teardown),
        cmocka_unit_test(test_options),
        cmocka_unit_test_setup_teardown(test_stats_sized, setup, teardown),
        cmocka_unit_test_setup_teardown(test_layouts_rollback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_field_offset_40_bits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_param_count_16_bits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_array_flat, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

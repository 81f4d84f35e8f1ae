/* SPDX-License-Identifier: MIT */
/*
 * What the registry holds for C++: references (pointers flagged TYR_PTR_REF/_RVREF), base
 * classes (members flagged TYR_FIELD_BASE, virtual ones without an offset), and arrays of a
 * struct still being defined (`struct S (*p)[4]` inside S). Built, spelled, written, mapped,
 * verified; and the verifier refuses each flag where its rule says no.
 */
#include "blob_fixture.h"

/* class Base { long b; }; class Left : virtual Base { vptr; int l; };
 * class D : Named, Circle-like { ... }: the shapes the importer builds from g++ and clang. */
struct cx {
    tyr_registry *reg;
    tyr_type t_int, t_long, ref_int, rref_int, base, left, named, derived, s, s_arr, s_ptr;
};

static void cx_build(struct cx *c)
{
    tyr_struct st;
    tyr_type vptr, vpp, arr2;
    memset(c, 0, sizeof *c);
    FX_OK(tyr_registry_new(NULL, &c->reg));
    tyr_registry *r = c->reg;
    FX_OK(tyr_add_int(r, "int", 4, TYR_INT_SIGNED, &c->t_int));
    FX_OK(tyr_add_int(r, "long", 8, TYR_INT_SIGNED, &c->t_long));
    FX_OK(tyr_add_ref(r, c->t_int, TYR_PTR_REF, &c->ref_int));
    FX_OK(tyr_add_ref(r, c->t_int, TYR_PTR_RVREF, &c->rref_int));

    FX_OK(tyr_struct_new(r, TYR_KIND_STRUCT, "app::Base", 8, 8, 0, &st));
    c->base = tyr_struct_type(st);
    FX_OK(tyr_struct_add_field(r, st, "b", c->t_long, 0, 0, 0));

    /* struct Left : virtual Base { int l; }: vptr at 0, l at 8, Base where the vtable says */
    FX_OK(tyr_add_ptr(r, c->t_int, &vptr));
    FX_OK(tyr_add_ptr(r, vptr, &vpp));
    FX_OK(tyr_struct_new(r, TYR_KIND_STRUCT, "app::Left", 24, 8, 0, &st));
    c->left = tyr_struct_type(st);
    FX_OK(tyr_struct_add_base(r, st, c->base, 0, TYR_FIELD_VIRTUAL));
    FX_OK(tyr_struct_add_field(r, st, "_vptr.Left", vpp, 0, 0, 0));
    FX_OK(tyr_struct_add_field(r, st, "l", c->t_int, 8, 0, 0));

    /* struct Derived : Named, Left { int d; }: the second base first in memory */
    FX_OK(tyr_struct_new(r, TYR_KIND_STRUCT, "app::Named", 8, 8, 0, &st));
    c->named = tyr_struct_type(st);
    FX_OK(tyr_struct_add_field(r, st, "label", c->t_long, 0, 0, 0));
    FX_OK(tyr_struct_new(r, TYR_KIND_STRUCT, "app::Derived", 40, 8, 0, &st));
    c->derived = tyr_struct_type(st);
    FX_OK(tyr_struct_add_base(r, st, c->named, 24, 0));
    FX_OK(tyr_struct_add_base(r, st, c->left, 0, 0));
    FX_OK(tyr_struct_add_field(r, st, "d", c->t_int, 32, 0, 0));

    /* struct S { struct S (*p)[2][4]; int v; } */
    FX_OK(tyr_struct_declare(r, TYR_KIND_STRUCT, "S", &st));
    c->s = tyr_struct_type(st);
    FX_OK(tyr_add_array(r, c->s, 4, 0, &arr2));
    FX_OK(tyr_add_array(r, arr2, 2, 0, &c->s_arr));
    FX_OK(tyr_add_ptr(r, c->s_arr, &c->s_ptr));
    FX_OK(tyr_struct_complete(r, st, 16, 8, 0));
    FX_OK(tyr_struct_add_field(r, st, "p", c->s_ptr, 0, 0, 0));
    FX_OK(tyr_struct_add_field(r, st, "v", c->t_int, 8, 0, 0));
}

/* Check what cx_build made, in a building or a mapped registry. */
static void cx_check(const tyr_registry *r, const struct cx *c)
{
    char buf[128];
    tyr_type_info ti;
    tyr_field_info fi;
    assert_int_equal(tyr_type_get(r, c->ref_int, &ti), 0);
    assert_int_equal(ti.kind, TYR_KIND_PTR);
    assert_int_equal(ti.flags, TYR_PTR_REF);
    assert_int_equal(ti.size, 8);
    assert_int_equal(tyr_type_spell(r, c->ref_int, "out", 0, buf, sizeof buf), 8);
    assert_string_equal(buf, "int &out");
    assert_true(tyr_type_spell(r, c->rref_int, "tmp", TYR_SPELL_TIGHT, buf, sizeof buf) > 0);
    assert_string_equal(buf, "int&& tmp");

    /* the virtual base: flagged, no offset; members found through the bases by name */
    assert_int_equal(tyr_field_at(r, c->left, 0, &fi), 0);
    assert_int_equal(fi.flags, TYR_FIELD_BASE | TYR_FIELD_VIRTUAL);
    assert_int_equal(fi.offset, 0);
    assert_string_equal(fi.name, "");
    assert_int_equal(tyr_field_at(r, c->derived, 0, &fi), 0);
    assert_int_equal(fi.flags, TYR_FIELD_BASE);
    assert_int_equal(fi.offset, 24);
    assert_int_equal(fi.type.id, c->named.id);
    assert_int_equal(tyr_field_by_name(r, c->derived, "l", &fi), 0);
    assert_int_equal(fi.offset, 8);
    assert_int_equal(tyr_field_by_name(r, c->derived, "label", &fi), 0);
    assert_int_equal(fi.offset, 24);
    assert_int_equal(tyr_field_by_name(r, c->derived, "d", &fi), 0);
    assert_int_equal(fi.flags, 0);

    /* the array made while S was declared: incomplete, its size now S's times 8 */
    assert_int_equal(tyr_type_get(r, c->s_arr, &ti), 0);
    assert_int_equal(ti.flags, TYR_ARRAY_INCOMPLETE);
    assert_int_equal(ti.size, 2 * 4 * 16);
    assert_int_equal(ti.align, 8);
    assert_true(tyr_type_spell(r, c->s_ptr, "p", 0, buf, sizeof buf) > 0);
    assert_string_equal(buf, "struct S (*p)[2][4]");
}

/* Built, then written and mapped: the same answers. */
static void test_build_and_map(void **state)
{
    (void)state;
    struct cx c;
    cx_build(&c);
    cx_check(c.reg, &c);
    void *buf = NULL;
    size_t len = 0;
    tyr_registry *m = NULL;
    FX_OK(tyr_blob_write_mem(c.reg, NULL, &buf, &len));
    FX_OK(tyr_registry_open_mem(buf, len, NULL, &m, NULL));
    cx_check(m, &c);
    tyr_registry_free(m);
    tyr_blob_buf_free(buf);
    tyr_registry_free(c.reg);
}

/* What the builders refuse, each leaving the registry as it was. */
static void test_builder_errors(void **state)
{
    (void)state;
    struct cx c;
    cx_build(&c);
    tyr_registry *r = c.reg;
    uint32_t n = tyr_registry_type_count(r);
    tyr_type t;
    tyr_struct st;
    assert_int_equal(tyr_add_ref(r, c.t_int, 0, &t), TYR_EINVAL);
    assert_int_equal(tyr_add_ref(r, c.t_int, TYR_PTR_REF | TYR_PTR_RVREF, &t), TYR_EINVAL);
    assert_int_equal(tyr_add_ref(r, (tyr_type){n + 5}, TYR_PTR_REF, &t), TYR_EHANDLE);
    FX_OK(tyr_struct_new(r, TYR_KIND_STRUCT, "X", 16, 8, 0, &st));
    n = tyr_registry_type_count(r);
    assert_int_equal(tyr_struct_add_base(r, st, c.t_long, 0, 0), TYR_EKIND);
    assert_int_equal(tyr_struct_add_base(r, st, c.base, 8, TYR_FIELD_VIRTUAL), TYR_EINVAL);
    assert_int_equal(tyr_struct_add_base(r, st, c.base, 0, TYR_FIELD_BASE << 4), TYR_EINVAL);
    assert_int_equal(tyr_struct_add_base(r, st, c.base, 12, 0), TYR_ERANGE);
    /* an incomplete array is held behind pointers only */
    assert_int_equal(tyr_struct_add_field(r, st, "a", c.s_arr, 0, 0, 0), TYR_EINCOMPLETE);
    assert_int_equal(tyr_add_array(r, c.s_arr, 2, TYR_ARRAY_FLEX, &t), TYR_EINVAL);
    tyr_type_info ti;
    assert_int_equal(tyr_type_get(r, tyr_struct_type(st), &ti), 0);
    assert_int_equal(ti.count, 0);
    assert_int_equal(tyr_registry_type_count(r), n);
    tyr_registry_free(r);
}

struct blob {
    unsigned char *b;
    size_t len;
    struct cx c;
};

static int setup(void **state)
{
    struct blob *x = calloc(1, sizeof *x);
    if (!x)
        return -1;
    cx_build(&x->c);
    x->b = fx_blob_copy(x->c.reg, &x->len);
    *state = x;
    return x->b ? 0 : -1;
}

static int teardown(void **state)
{
    struct blob *x = *state;
    tyr_registry_free(x->c.reg);
    free(x->b);
    free(x);
    return 0;
}

static struct tyr_rec_type *T(struct blob *x, tyr_type t)
{
    return (struct tyr_rec_type *)(void *)(x->b + fx_sect(x->b)[TYR_SECT_TYPES].off +
                                           (uint64_t)t.id * sizeof(struct tyr_rec_type));
}

/* The field record of member i of record t. */
static struct tyr_rec_field *F(struct blob *x, tyr_type t, uint32_t i)
{
    return (struct tyr_rec_field *)(void *)(x->b + fx_sect(x->b)[TYR_SECT_FIELDS].off +
                                            (uint64_t)(tyr__t_first(T(x, t)) + i) *
                                                sizeof(struct tyr_rec_field));
}

/* The layout record (size, count, rank) of t, a struct, union, enum, array or unknown. */
static struct tyr_rec_layout *L(struct blob *x, tyr_type t)
{
    return (struct tyr_rec_layout *)(void *)(x->b + fx_sect(x->b)[TYR_SECT_LAYOUTS].off +
                                             (uint64_t)T(x, t)->b *
                                                 sizeof(struct tyr_rec_layout));
}

static int verify(struct blob *x)
{
    tyr_diag d;
    memset(&d, 0, sizeof d);
    fx_fix_checksum(x->b, x->len);
    return tyr_blob_verify(x->b, x->len, &d);
}
/* a macro, so that a failure names the line of the rule */
#define expect(x, err) assert_int_equal(verify(x), (err))

/* Each flag where its rule refuses it. */
static void test_verifier_rules(void **state)
{
    struct blob *x = *state;
    expect(x, 0);
    T(x, x->c.ref_int)->flags = TYR_PTR_REF | TYR_PTR_RVREF;
    expect(x, TYR_ECORRUPT);
    T(x, x->c.ref_int)->flags = TYR_PTR_REF;
    T(x, x->c.ref_int)->flags = TYR_PTR_REF | 0x40; /* a flag no pointer has */
    expect(x, TYR_ECORRUPT);
    T(x, x->c.ref_int)->flags = TYR_PTR_REF;
    expect(x, 0);

    struct tyr_rec_field *vb = F(x, x->c.left, 0), *d = F(x, x->c.derived, 2);
    const uint32_t vbpos = vb->pos, dpos = d->pos; /* PLAIN: offset << 4 | form 0 | flags */
    assert_int_equal(vbpos, TYR_FIELD_BASE | TYR_FIELD_VIRTUAL);
    vb->pos = vbpos | 8u << 4; /* a virtual base has no offset of its own */
    expect(x, TYR_ECORRUPT);
    vb->pos = TYR_FIELD_VIRTUAL; /* virtual without base */
    expect(x, TYR_ECORRUPT);
    vb->pos = vbpos | 3u << TYR_FPOS_FORM_SHIFT; /* a form that does not exist */
    expect(x, TYR_ECORRUPT);
    vb->pos = vbpos;
    expect(x, 0);
    d->pos = dpos | TYR_FIELD_BASE; /* a named int member as a base */
    expect(x, TYR_ECORRUPT);
    d->pos = dpos;
    expect(x, 0);

    struct tyr_rec_type *a = T(x, x->c.s_arr);
    L(x, x->c.s_arr)->size = 128; /* an incomplete array stores no size */
    expect(x, TYR_ECORRUPT);
    L(x, x->c.s_arr)->size = 0;
    a->flags = TYR_ARRAY_INCOMPLETE | TYR_ARRAY_FLEX;
    expect(x, TYR_ECORRUPT);
    a->flags = 0; /* complete, of an incomplete array: refused */
    expect(x, TYR_ECORRUPT);
    a->flags = TYR_ARRAY_INCOMPLETE;
    a->a = x->c.t_int.id; /* incomplete, of an int (an array's slot a: its element) */
    expect(x, TYR_ECORRUPT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_build_and_map),
        cmocka_unit_test(test_builder_errors),
        cmocka_unit_test_setup_teardown(test_verifier_rules, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/*
 * The BTF importer (lib/btf/): BTF built in-process with libbpf's writer holding every kind
 * libbpf 1.1 knows, split BTF on a base, BTF and DWARF types in one registry, hostile BTF,
 * and, where the running kernel has BTF, all of vmlinux against libbpf's own reading of it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "tyr/tyr.h"
#include "tyr/btf.h"
#include "btf_split_fixture.h"
#include "libbpf_quiet.h"
#include "reg_state.h"

/* ---- the oracle: libbpf's reading of a record or a function, compared with the registry's */

/* Absolute bit position and width of member i, both kind_flag encodings (the BTF spec). */
static void oracle_member(const struct btf *btf, const struct btf_type *t, uint32_t i,
                          uint64_t *pos, uint32_t *width)
{
    *pos = btf_member_bit_offset(t, i);
    *width = btf_member_bitfield_size(t, i);
    if (btf_kflag(t))
        return;
    const struct btf_type *mt = btf__type_by_id(btf, btf_members(t)[i].type);
    while (mt && (btf_is_mod(mt) || btf_is_typedef(mt) || btf_is_type_tag(mt)))
        mt = btf__type_by_id(btf, mt->type);
    if (mt && btf_is_int(mt) && (btf_int_offset(mt) || btf_int_bits(mt) != mt->size * 8)) {
        *pos += btf_int_offset(mt);
        *width = btf_int_bits(mt);
    }
}

/* Whether registry type t has BTF record id's size and every member's name and position. */
static bool record_agrees(const struct btf *btf, uint32_t id, const tyr_registry *reg, tyr_type t)
{
    const struct btf_type *bt = btf__type_by_id(btf, id);
    tyr_type_info ti;
    if (tyr_type_get(reg, t, &ti) || ti.size != bt->size || ti.count != btf_vlen(bt) ||
        ti.kind != (btf_is_union(bt) ? TYR_KIND_UNION : TYR_KIND_STRUCT))
        return false;
    const char *name = btf__name_by_offset(btf, bt->name_off);
    if (strcmp(ti.name, name ? name : ""))
        return false;
    for (uint32_t i = 0; i < ti.count; i++) {
        tyr_field_info f;
        uint64_t pos;
        uint32_t width;
        oracle_member(btf, bt, i, &pos, &width);
        const char *mn = btf__name_by_offset(btf, btf_members(bt)[i].name_off);
        if (tyr_field_at(reg, t, i, &f) || strcmp(f.name, mn ? mn : "") ||
            f.offset * 8 + f.bit_offset != pos || f.bit_size != width)
            return false;
        __s64 msize = btf__resolve_size(btf, btf_members(bt)[i].type);
        if (msize >= 0 && (uint64_t)msize != tyr_type_size(reg, f.type))
            return false;
    }
    return true;
}

/* Whether FUNC id imported as fn has the prototype's parameters: names, sizes, varargs. */
static bool func_agrees(const struct btf *btf, uint32_t id, const tyr_registry *reg, tyr_type fn)
{
    const struct btf_type *f = btf__type_by_id(btf, id);
    const struct btf_type *p = btf__type_by_id(btf, f->type);
    tyr_type_info fi, pi;
    if (tyr_type_get(reg, fn, &fi) || fi.kind != TYR_KIND_FUNC ||
        strcmp(fi.name, btf__name_by_offset(btf, f->name_off)) ||
        tyr_type_get(reg, fi.target, &pi))
        return false;
    uint32_t n = btf_vlen(p);
    bool varargs = n && !btf_params(p)[n - 1].type;
    if (varargs)
        n--;
    if (pi.count != n || !!(pi.flags & TYR_FUNC_VARARGS) != varargs)
        return false;
    __s64 rs = p->type ? btf__resolve_size(btf, p->type) : 0;
    if (rs >= 0 && (uint64_t)rs != tyr_type_size(reg, pi.target))
        return false;
    for (uint32_t i = 0; i < n; i++) {
        tyr_param_info prm;
        const char *pn = btf__name_by_offset(btf, btf_params(p)[i].name_off);
        if (tyr_param_at(reg, fn, i, &prm) || strcmp(prm.name, pn ? pn : ""))
            return false;
        __s64 s = btf__resolve_size(btf, btf_params(p)[i].type);
        if (s >= 0 && (uint64_t)s != tyr_type_size(reg, prm.type))
            return false;
    }
    return true;
}

/* Every record and function of b's own ids against libbpf: counts of agreeing and total. */
static void compare_all(tyr_btf *b, tyr_registry *reg, uint32_t first, uint32_t *agree,
                        uint32_t *total, uint32_t *fagree, uint32_t *ftotal)
{
    const struct btf *btf = tyr_btf_libbpf(b);
    *agree = *total = *fagree = *ftotal = 0;
    for (uint32_t id = first; id < btf__type_cnt(btf); id++) {
        const struct btf_type *t = btf__type_by_id(btf, id);
        if (!btf_is_composite(t) && !btf_is_func(t))
            continue;
        tyr_type rt;
        int err = tyr_btf_import_id(b, reg, id, &rt, NULL);
        if (btf_is_func(t)) {
            (*ftotal)++;
            *fagree += !err && func_agrees(btf, id, reg, rt);
        } else {
            (*total)++;
            bool ok = !err && record_agrees(btf, id, reg, rt);
            if (!ok)
                print_message("disagree: BTF %u %s\n", id, btf__name_by_offset(btf, t->name_off));
            *agree += ok;
        }
    }
}

/* ---- BTF with every kind ---- */

static void set_int_bits(struct btf *btf, int id, unsigned off, unsigned bits)
{
    /* The writer has no call for an INT narrower than its size (old-style bitfields): the
     * word after the type is the encoding, offset and bits. */
    struct btf_type *t = (struct btf_type *)btf__type_by_id(btf, (__u32)id);
    uint32_t *w = (uint32_t *)(t + 1);
    *w = (*w & 0x0f000000u) | (off << 16) | bits;
}

struct every {
    struct btf *btf;
    int i32, u32, chr, boolean, u128, dbl, f16, ldbl, voidp, fwd_s, fwd_u, node, chararr;
    int un, pk, flex, holder, walk, helper, var, sec;
};

static void build_every(struct every *e)
{
    struct btf *btf = btf__new_empty();
    assert_non_null(btf);
    e->btf = btf;
    e->i32 = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
    e->u32 = btf__add_int(btf, "unsigned int", 4, 0);
    e->chr = btf__add_int(btf, "char", 1, BTF_INT_SIGNED);
    e->boolean = btf__add_int(btf, "_Bool", 1, BTF_INT_BOOL);
    e->u128 = btf__add_int(btf, "unsigned __int128", 16, 0);
    e->dbl = btf__add_float(btf, "double", 8);
    e->f16 = btf__add_float(btf, "_Float16", 2);
    e->ldbl = btf__add_float(btf, "long double", 16);
    e->voidp = btf__add_ptr(btf, 0);
    e->fwd_s = btf__add_fwd(btf, "opaque", BTF_FWD_STRUCT);
    e->fwd_u = btf__add_fwd(btf, "opaque_u", BTF_FWD_UNION);
    int pfwd = btf__add_ptr(btf, e->fwd_s);
    e->chararr = btf__add_array(btf, e->i32, e->chr, 8);
    /* a pointer to a struct defined after it (a forward reference) */
    int pnode = btf__add_ptr(btf, (int)btf__type_cnt(btf) + 1);
    e->node = btf__add_struct(btf, "node", 32);
    assert_int_equal(e->node, pnode + 1);
    assert_int_equal(btf__add_field(btf, "next", pnode, 0, 0), 0);
    assert_int_equal(btf__add_field(btf, "val", e->i32, 64, 0), 0);
    assert_int_equal(btf__add_field(btf, "a", e->u32, 96, 3), 0); /* kind_flag 1 bitfields */
    assert_int_equal(btf__add_field(btf, "b", e->u32, 99, 5), 0);
    assert_int_equal(btf__add_field(btf, "c", e->i32, 104, 20), 0);
    assert_int_equal(btf__add_field(btf, "name", e->chararr, 128, 0), 0);
    assert_int_equal(btf__add_field(btf, "d", e->dbl, 192, 0), 0);
    /* kind_flag 0 bitfields: width and extra offset on narrow INTs */
    int u3 = btf__add_int(btf, "unsigned int", 4, 0), u5 = btf__add_int(btf, "unsigned int", 4, 0);
    int u4 = btf__add_int(btf, "unsigned int", 4, 0);
    set_int_bits(btf, u3, 0, 3);
    set_int_bits(btf, u5, 3, 5);
    set_int_bits(btf, u4, 0, 4);
    int old = btf__add_struct(btf, "old_bits", 4);
    assert_int_equal(btf__add_field(btf, "x", u3, 0, 0), 0);
    assert_int_equal(btf__add_field(btf, "y", u5, 0, 0), 0);
    assert_int_equal(btf__add_field(btf, "z", u4, 8, 0), 0);
    assert_false(btf_kflag(btf__type_by_id(btf, (__u32)old)));
    e->un = btf__add_union(btf, "un", 8);
    btf__add_field(btf, "i", e->i32, 0, 0);
    btf__add_field(btf, "d", e->dbl, 0, 0);
    int color = btf__add_enum(btf, "color", 4);
    btf__add_enum_value(btf, "RED", 0);
    btf__add_enum_value(btf, "BIG", 0xffffffffLL);
    assert_true(color > 0);
    btf__add_enum(btf, "delta", 4);
    btf__add_enum_value(btf, "NEG", -1);
    btf__add_enum_value(btf, "POS", 5);
    btf__add_enum64(btf, "big", 8, false);
    btf__add_enum64_value(btf, "HUGE", 1ull << 40);
    btf__add_enum64(btf, "sbig", 8, true);
    btf__add_enum64_value(btf, "MINUS", (uint64_t)-2);
    btf__add_enum(btf, "decl_only", 4);
    int td = btf__add_typedef(btf, "myint", e->i32);
    int ctd = btf__add_const(btf, td);
    int vint = btf__add_volatile(btf, e->i32);
    int rptr = btf__add_restrict(btf, e->voidp);
    int tag = btf__add_type_tag(btf, "user", e->i32);
    int ptag = btf__add_ptr(btf, tag);
    int arr3 = btf__add_array(btf, e->i32, e->chr, 3);
    int arr23 = btf__add_array(btf, e->i32, arr3, 2);
    int proto = btf__add_func_proto(btf, e->i32);
    btf__add_func_param(btf, "n", pnode);
    btf__add_func_param(btf, "k", ctd);
    btf__add_func_param(btf, "", 0); /* ... */
    int pproto = btf__add_ptr(btf, proto);
    e->walk = btf__add_func(btf, "walk", BTF_FUNC_GLOBAL, proto);
    int proto2 = btf__add_func_proto(btf, 0);
    btf__add_func_param(btf, "p", ptag);
    btf__add_func_param(btf, "q", rptr);
    btf__add_func_param(btf, "cb", pproto);
    e->helper = btf__add_func(btf, "helper", BTF_FUNC_STATIC, proto2);
    assert_int_equal(btf_vlen(btf__type_by_id(btf, (__u32)proto2)), 3);
    int parr = btf__add_ptr(btf, arr23);
    btf__add_typedef(btf, "grid_ptr", parr);
    e->var = btf__add_var(btf, "counter", BTF_VAR_GLOBAL_ALLOCATED, vint);
    e->sec = btf__add_datasec(btf, ".data", 4);
    btf__add_datasec_var_info(btf, e->var, 0, 4);
    btf__add_decl_tag(btf, "tagged", e->node, -1);
    btf__add_decl_tag(btf, "member_tag", e->node, 1);
    e->pk = btf__add_struct(btf, "pk", 5);
    btf__add_field(btf, "c", e->chr, 0, 0);
    btf__add_field(btf, "i", e->i32, 8, 0);
    int flexarr = btf__add_array(btf, e->i32, e->i32, 0);
    e->flex = btf__add_struct(btf, "flex3", 4);
    btf__add_field(btf, "n", e->i32, 0, 0);
    btf__add_field(btf, "data", flexarr, 32, 0);
    int au = btf__add_union(btf, NULL, 4);
    btf__add_field(btf, "a", e->i32, 0, 0);
    btf__add_field(btf, "b", e->u32, 0, 0);
    e->holder = btf__add_struct(btf, "holder", 8);
    btf__add_field(btf, NULL, au, 0, 0);
    btf__add_field(btf, "tail", e->i32, 32, 0);
    (void)pfwd;
}

static tyr_registry *new_reg(void)
{
    tyr_registry *reg;
    assert_int_equal(tyr_registry_new(NULL, &reg), 0);
    return reg;
}

/* reg written to a blob that the verifier accepts. */
static void expect_blob_verifies(tyr_registry *reg)
{
    void *buf;
    size_t len;
    assert_int_equal(tyr_blob_write_mem(reg, NULL, &buf, &len), 0);
    assert_int_equal(tyr_blob_verify(buf, len, NULL), 0);
    tyr_blob_buf_free(buf);
}

/* The fixture program's DWARF. Owner: the caller (tyr_dwarf_free). */
static tyr_dwarf *open_fixture_dwarf(void)
{
    tyr_dwarf *dw = NULL;
    assert_int_equal(tyr_dwarf_open(TYR_FX_ELF, NULL, &dw, NULL), 0);
    return dw;
}

/* pahole's BTF of the fixture program, or the test skipped when pahole could not write it.
 * Owner: the caller (tyr_btf_free). */
static tyr_btf *open_fixture_btf(void)
{
    tyr_btf *b = NULL;
    if (access(TYR_FX_BTF, R_OK)) {
        print_message("skip: %s missing (pahole --btf_encode_detached not available)\n",
                      TYR_FX_BTF);
        skip();
    }
    assert_int_equal(tyr_btf_open(TYR_FX_BTF, NULL, &b, NULL), 0);
    return b;
}

static tyr_btf *open_btf(const struct btf *btf, tyr_btf *base)
{
    __u32 size;
    const void *raw = btf__raw_data(btf, &size);
    assert_non_null(raw);
    tyr_btf *b;
    tyr_diag diag = {0};
    int err = tyr_btf_open_mem(raw, size, TYR_OPTS(tyr_btf_opts, .base = base), &b, &diag);
    if (err)
        print_message("open: %s: %s\n", tyr_strerror(err), diag.what);
    assert_int_equal(err, 0);
    return b;
}

static tyr_type find(const tyr_registry *reg, const char *name, int kind)
{
    tyr_type t = {0};
    assert_int_equal(tyr_find(reg, name, kind, &t), 0);
    return t;
}

static void expect_spell(const tyr_registry *reg, tyr_type t, const char *want)
{
    char buf[256];
    assert_true(tyr_type_spell(reg, t, NULL, 0, buf, sizeof buf) >= 0);
    assert_string_equal(buf, want);
}

/* Every kind of libbpf 1.1 imported: each layout by hand, then every record and function
 * against libbpf, the counters of what tyr does not keep, and a verified blob of it all. */
static void test_every_kind(void **state)
{
    (void)state;
    struct every e;
    build_every(&e);
    tyr_btf *b = open_btf(e.btf, NULL);
    tyr_registry *reg = new_reg();
    tyr_diag diag = {0};
    int err = tyr_btf_import_all(b, reg, NULL, &diag);
    if (err)
        print_message("import: %s: %s\n", tyr_strerror(err), diag.what);
    assert_int_equal(err, 0);

    /* ints and floats */
    tyr_type_info ti;
    assert_int_equal(tyr_type_get(reg, find(reg, "char", TYR_KIND_INT), &ti), 0);
    assert_int_equal(ti.flags, TYR_INT_SIGNED | TYR_INT_CHAR);
    assert_int_equal(tyr_type_get(reg, find(reg, "_Bool", TYR_KIND_INT), &ti), 0);
    assert_int_equal(ti.flags, TYR_INT_BOOL);
    assert_int_equal(tyr_type_size(reg, find(reg, "unsigned __int128", TYR_KIND_INT)), 16);
    assert_int_equal(tyr_type_get(reg, find(reg, "double", TYR_KIND_FLOAT), &ti), 0);
    assert_int_equal(ti.bits, 64);
    assert_int_equal(tyr_type_size(reg, find(reg, "long double", TYR_KIND_FLOAT)), 16);
    assert_int_equal(tyr_type_get(reg, find(reg, "_Float16", TYR_KIND_UNKNOWN), &ti), 0);
    assert_int_equal(ti.size, 2);
    tyr_type t;
    assert_int_equal(tyr_find_next(reg, "unsigned int", TYR_KIND_INT,
                                   find(reg, "unsigned int", TYR_KIND_INT), &t), TYR_ENOENT);

    /* struct node: pointer to itself, kind_flag 1 bitfields, an array, a double */
    static const struct {
        const char *name;
        uint64_t pos;
        uint32_t width;
    } node[] = {{"next", 0, 0}, {"val", 64, 0}, {"a", 96, 3}, {"b", 99, 5},
                {"c", 104, 20}, {"name", 128, 0}, {"d", 192, 0}};
    tyr_type n = find(reg, "node", TYR_KIND_STRUCT);
    assert_int_equal(tyr_type_get(reg, n, &ti), 0);
    assert_int_equal(ti.size, 32);
    assert_int_equal(ti.align, 8);
    assert_int_equal(ti.count, 7);
    for (uint32_t i = 0; i < 7; i++) {
        tyr_field_info f;
        assert_int_equal(tyr_field_at(reg, n, i, &f), 0);
        assert_string_equal(f.name, node[i].name);
        assert_int_equal(f.offset * 8 + f.bit_offset, node[i].pos);
        assert_int_equal(f.bit_size, node[i].width);
    }
    tyr_field_info f;
    assert_int_equal(tyr_field_by_name(reg, n, "next", &f), 0);
    assert_int_equal(tyr_sized_pointee(reg, tyr_sized(reg, f.type)).id, n.id);
    expect_spell(reg, f.type, "struct node *");
    assert_int_equal(tyr_field_by_name(reg, n, "name", &f), 0);
    expect_spell(reg, f.type, "char [8]");

    /* kind_flag 0 bitfields */
    tyr_type ob = find(reg, "old_bits", TYR_KIND_STRUCT);
    const uint64_t opos[] = {0, 3, 8};
    const uint32_t owid[] = {3, 5, 4};
    for (uint32_t i = 0; i < 3; i++) {
        assert_int_equal(tyr_field_at(reg, ob, i, &f), 0);
        assert_int_equal(f.offset * 8 + f.bit_offset, opos[i]);
        assert_int_equal(f.bit_size, owid[i]);
    }

    /* union, packed, flexible array, anonymous member */
    assert_int_equal(tyr_type_get(reg, find(reg, "un", TYR_KIND_UNION), &ti), 0);
    assert_int_equal(ti.size, 8);
    assert_int_equal(tyr_type_get(reg, find(reg, "pk", TYR_KIND_STRUCT), &ti), 0);
    assert_true(ti.flags & TYR_STRUCT_PACKED);
    assert_int_equal(ti.align, 1);
    tyr_type fl = find(reg, "flex3", TYR_KIND_STRUCT);
    assert_int_equal(tyr_field_by_name(reg, fl, "data", &f), 0);
    assert_int_equal(f.offset, 4);
    expect_spell(reg, f.type, "int [0]");
    tyr_type h = find(reg, "holder", TYR_KIND_STRUCT);
    assert_int_equal(tyr_field_by_name(reg, h, "b", &f), 0);
    assert_int_equal(f.offset, 0);
    assert_int_equal(tyr_field_by_name(reg, h, "tail", &f), 0);
    assert_int_equal(f.offset, 4);

    /* forward declarations */
    assert_int_equal(tyr_type_get(reg, find(reg, "opaque", TYR_KIND_STRUCT), &ti), 0);
    assert_true(ti.flags & TYR_STRUCT_DECL);
    assert_int_equal(tyr_type_get(reg, find(reg, "opaque_u", TYR_KIND_UNION), &ti), 0);
    assert_true(ti.flags & TYR_STRUCT_DECL);

    /* enums and enum64, signedness */
    tyr_enumerator_info en;
    tyr_type c = find(reg, "color", TYR_KIND_ENUM);
    assert_int_equal(tyr_type_get(reg, c, &ti), 0);
    assert_int_equal(ti.flags, 0);
    assert_int_equal(tyr_enumerator_at(reg, c, 1, &en), 0);
    assert_string_equal(en.name, "BIG");
    assert_int_equal(en.value, 0xffffffffu);
    tyr_type d = find(reg, "delta", TYR_KIND_ENUM);
    assert_int_equal(tyr_type_get(reg, d, &ti), 0);
    assert_int_equal(ti.flags, TYR_ENUM_SIGNED);
    assert_int_equal(tyr_enumerator_at(reg, d, 0, &en), 0);
    assert_int_equal((int64_t)en.value, -1);
    tyr_type bg = find(reg, "big", TYR_KIND_ENUM);
    assert_int_equal(tyr_type_get(reg, bg, &ti), 0);
    assert_int_equal(ti.size, 8);
    assert_int_equal(ti.flags, 0);
    assert_int_equal(tyr_enumerator_at(reg, bg, 0, &en), 0);
    assert_int_equal(en.value, 1ull << 40);
    tyr_type sb = find(reg, "sbig", TYR_KIND_ENUM);
    assert_int_equal(tyr_type_get(reg, sb, &ti), 0);
    assert_int_equal(ti.flags, TYR_ENUM_SIGNED);
    assert_int_equal(tyr_enumerator_at(reg, sb, 0, &en), 0);
    assert_int_equal((int64_t)en.value, -2);
    assert_int_equal(tyr_type_get(reg, find(reg, "decl_only", TYR_KIND_ENUM), &ti), 0);
    assert_int_equal(ti.count, 0);

    /* functions: probe signatures with names; varargs; tags and restrict */
    tyr_type w = find(reg, "walk", TYR_KIND_FUNC);
    tyr_param_info p;
    assert_int_equal(tyr_type_get(reg, w, &ti), 0);
    assert_int_equal(ti.count, 2);
    assert_int_equal(tyr_param_at(reg, w, 0, &p), 0);
    assert_string_equal(p.name, "n");
    expect_spell(reg, p.type, "struct node *");
    assert_int_equal(tyr_param_at(reg, w, 1, &p), 0);
    assert_string_equal(p.name, "k");
    expect_spell(reg, p.type, "const myint");
    tyr_type_info pi;
    assert_int_equal(tyr_type_get(reg, ti.target, &pi), 0);
    assert_true(pi.flags & TYR_FUNC_VARARGS);
    tyr_type hp = find(reg, "helper", TYR_KIND_FUNC);
    assert_int_equal(tyr_param_at(reg, hp, 0, &p), 0);
    expect_spell(reg, p.type, "int *"); /* the type tag is transparent */
    assert_int_equal(tyr_param_at(reg, hp, 1, &p), 0);
    assert_int_equal(tyr_type_kind(reg, p.type), TYR_KIND_RESTRICT);
    assert_int_equal(tyr_param_at(reg, hp, 2, &p), 0);
    expect_spell(reg, p.type, "int (*)(struct node *, const myint, ...)");

    /* every record and function against libbpf */
    uint32_t agree, total, fagree, ftotal;
    compare_all(b, reg, 1, &agree, &total, &fagree, &ftotal);
    print_message("every kind: %u of %u records, %u of %u functions agree with libbpf\n", agree,
                  total, fagree, ftotal);
    assert_int_equal(agree, total);
    assert_int_equal(fagree, ftotal);
    assert_int_equal(ftotal, 2);

    /* what tyr does not keep is counted, once per BTF id */
    tyr_btf_stats st = {.sz = sizeof st};
    assert_int_equal(tyr_btf_import_all(b, reg, NULL, NULL), 0);
    assert_int_equal(tyr_btf_get_stats(b, &st), 0);
    assert_int_equal(st.vars, 1);
    assert_int_equal(st.datasecs, 1);
    assert_int_equal(st.decl_tags, 2);
    assert_int_equal(st.type_tags, 1);
    assert_int_equal(st.funcs, 2);
    assert_int_equal(st.func_static, 1);
    assert_int_equal(st.func_extern, 0);
    assert_int_equal(st.float_unknown, 1);
    assert_int_equal(st.int_bits, 3);
    assert_int_equal(st.enum_fwd, 1);
    assert_int_equal(st.btf_types, btf__type_cnt(e.btf) - 1);
    assert_int_equal(tyr_btf_import_id(b, reg, (uint32_t)e.var, &t, NULL), TYR_ENOTSUP);
    assert_int_equal(tyr_btf_import_id(b, reg, btf__type_cnt(e.btf), &t, NULL), TYR_EHANDLE);

    /* the registry written and mapped back, verified */
    void *buf;
    size_t len;
    assert_int_equal(tyr_blob_write_mem(reg, NULL, &buf, &len), 0);
    tyr_registry *m;
    assert_int_equal(tyr_registry_open_mem(buf, len, NULL, &m, NULL), 0);
    assert_int_equal(tyr_registry_type_count(m), tyr_registry_type_count(reg));
    tyr_registry_free(m);
    tyr_blob_buf_free(buf);

    tyr_registry_free(reg);
    tyr_btf_free(b);
    btf__free(e.btf);
}

/* Importing by function and by type name takes only what they reach, and the same types
 * twice are the same registry types. */
static void test_import_reach(void **state)
{
    (void)state;
    struct every e;
    build_every(&e);
    tyr_btf *b = open_btf(e.btf, NULL);
    tyr_registry *reg = new_reg();
    tyr_type w, w2, n;
    assert_int_equal(tyr_btf_import_func(b, reg, "walk", &w, NULL), 0);
    assert_int_equal(tyr_find(reg, "pk", TYR_KIND_STRUCT, &n), TYR_ENOENT);
    assert_int_equal(tyr_find(reg, "node", TYR_KIND_STRUCT, &n), 0);
    /* reached through a pointer only, and laid out all the same */
    tyr_type_info ni;
    assert_int_equal(tyr_type_get(reg, n, &ni), 0);
    assert_false(ni.flags & TYR_STRUCT_DECL);
    assert_int_equal(ni.size, 32);
    assert_int_equal(ni.count, 7);
    uint32_t count = tyr_registry_type_count(reg);
    assert_int_equal(tyr_btf_import_func(b, reg, "walk", &w2, NULL), 0);
    assert_int_equal(w.id, w2.id);
    assert_int_equal(tyr_registry_type_count(reg), count);
    assert_int_equal(tyr_btf_import_type(b, reg, "node", TYR_KIND_STRUCT, &w2, NULL), 0);
    assert_int_equal(w2.id, n.id);
    assert_int_equal(tyr_btf_import_type(b, reg, "opaque", TYR_KIND_ANY, &w2, NULL), 0);
    assert_int_equal(tyr_btf_import_type(b, reg, "nothere", TYR_KIND_ANY, &w2, NULL), TYR_ENOENT);
    assert_int_equal(tyr_btf_import_func(b, reg, "nothere", &w2, NULL), TYR_ENOENT);
    /* a fresh handle on the same registry shares the named types and anonymous ones */
    tyr_btf *b2 = open_btf(e.btf, NULL);
    count = tyr_registry_type_count(reg);
    assert_int_equal(tyr_btf_import_func(b2, reg, "walk", &w2, NULL), 0);
    assert_int_equal(w2.id, w.id);
    assert_int_equal(tyr_registry_type_count(reg), count);
    /* the pruned blob of the function keeps node */
    tyr_type root = w;
    void *buf;
    size_t len;
    assert_int_equal(tyr_blob_write_mem(reg, TYR_OPTS(tyr_write_opts, .roots = &root, .nroots = 1),
                                        &buf, &len), 0);
    tyr_registry *m;
    assert_int_equal(tyr_registry_open_mem(buf, len, NULL, &m, NULL), 0);
    assert_int_equal(tyr_find(m, "node", TYR_KIND_STRUCT, &n), 0);
    assert_int_equal(tyr_find(m, "walk", TYR_KIND_FUNC, &n), 0);
    tyr_registry_free(m);
    tyr_blob_buf_free(buf);
    tyr_btf_free(b2);
    tyr_registry_free(reg);
    tyr_btf_free(b);
    btf__free(e.btf);
}

/* A handle's cache follows the registry's generation, not its address: after the registry is
 * freed and another made (often at the same address), and after a rollback that takes back
 * what the handle imported, an import gives a type of the registry it is given, laid out. */
static void test_rebind(void **state)
{
    (void)state;
    struct every e;
    build_every(&e);
    tyr_btf *b = open_btf(e.btf, NULL);
    tyr_registry *reg = new_reg();
    tyr_type w, n;
    tyr_type_info ni;
    assert_int_equal(tyr_btf_import_func(b, reg, "walk", &w, NULL), 0);
    tyr_registry_free(reg);
    reg = new_reg();
    assert_int_equal(tyr_registry_type_count(reg), 1); /* void alone */
    assert_int_equal(tyr_btf_import_func(b, reg, "walk", &w, NULL), 0);
    assert_true(w.id < tyr_registry_type_count(reg));
    assert_int_equal(tyr_type_kind(reg, w), TYR_KIND_FUNC);
    assert_int_equal(tyr_find(reg, "node", TYR_KIND_STRUCT, &n), 0);
    assert_int_equal(tyr_type_get(reg, n, &ni), 0);
    assert_int_equal(ni.size, 32);
    /* a rollback below what the handle imported: the import starts afresh */
    tyr_registry_free(reg);
    reg = new_reg();
    tyr_snapshot snap;
    assert_int_equal(tyr_registry_snapshot(reg, &snap), 0);
    assert_int_equal(tyr_btf_import_func(b, reg, "walk", &w, NULL), 0);
    uint32_t count = tyr_registry_type_count(reg);
    tyr_registry_rollback(reg, &snap);
    assert_int_equal(tyr_registry_type_count(reg), 1);
    /* other types take the ids back: a cache keyed by the count alone would answer them */
    for (uint32_t i = 1; i < count; i++) {
        char name[32];
        snprintf(name, sizeof name, "pad%u", i);
        assert_int_equal(tyr_add_int(reg, name, 4, 0, NULL), 0);
    }
    assert_int_equal(tyr_btf_import_func(b, reg, "walk", &w, NULL), 0);
    assert_true(w.id >= count);
    assert_int_equal(tyr_type_kind(reg, w), TYR_KIND_FUNC);
    assert_int_equal(tyr_find(reg, "node", TYR_KIND_STRUCT, &n), 0);
    assert_int_equal(tyr_type_get(reg, n, &ni), 0);
    assert_false(ni.flags & TYR_STRUCT_DECL);
    assert_int_equal(ni.count, 7);
    tyr_registry_free(reg);
    tyr_btf_free(b);
    btf__free(e.btf);
}

/* ---- split BTF ---- */

/* Two modules on one base: the base's types are one registry type however reached. */
static void test_split(void **state)
{
    (void)state;
    struct btf *base = fx_btf_base();
    assert_non_null(base);
    struct btf *mod[2];
    for (int k = 0; k < 2; k++) {
        int ms = 0;
        mod[k] = fx_btf_module(base, k ? "mod2_s" : "mod_s", k ? "mod2_fn" : "mod_fn", &ms);
        assert_non_null(mod[k]);
        assert_int_equal(ms, (int)btf__type_cnt(base));
    }
    tyr_btf *hb = open_btf(base, NULL);
    tyr_btf *hm = open_btf(mod[0], hb), *hm2 = open_btf(mod[1], hb);
    tyr_btf_stats st = {.sz = sizeof st};
    assert_int_equal(tyr_btf_get_stats(hm, &st), 0);
    assert_int_equal(st.btf_types, 3);
    tyr_registry *reg = new_reg();
    assert_int_equal(tyr_btf_import_all(hm, reg, NULL, NULL), 0);
    tyr_type s, ms, t;
    s = find(reg, "base_s", TYR_KIND_STRUCT);
    ms = find(reg, "mod_s", TYR_KIND_STRUCT);
    tyr_field_info f;
    assert_int_equal(tyr_field_at(reg, ms, 0, &f), 0);
    assert_int_equal(f.type.id, s.id);
    uint32_t before = tyr_registry_type_count(reg);
    /* the base imported whole: base_s and its pointer are not made twice */
    assert_int_equal(tyr_btf_import_all(hb, reg, NULL, NULL), 0);
    assert_int_equal(tyr_find_next(reg, "base_s", TYR_KIND_STRUCT, s, &t), TYR_ENOENT);
    assert_int_equal(tyr_registry_type_count(reg), before);
    /* a second module through the same base shares base_s and `struct base_s *` */
    tyr_type f1, f2;
    assert_int_equal(tyr_btf_import_func(hm2, reg, "mod2_fn", &f2, NULL), 0);
    assert_int_equal(tyr_btf_import_func(hm, reg, "mod_fn", &f1, NULL), 0);
    tyr_param_info p1, p2;
    assert_int_equal(tyr_param_at(reg, f1, 0, &p1), 0);
    assert_int_equal(tyr_param_at(reg, f2, 0, &p2), 0);
    assert_int_equal(p1.type.id, p2.type.id);
    assert_int_equal(tyr_btf_import_type(hm2, reg, "mod2_s", TYR_KIND_STRUCT, &t, NULL), 0);
    assert_int_equal(tyr_field_at(reg, t, 0, &f), 0);
    assert_int_equal(f.type.id, s.id);
    assert_int_equal(tyr_find_next(reg, "base_s", TYR_KIND_STRUCT, s, &t), TYR_ENOENT);
    uint32_t agree, total, fagree, ftotal;
    compare_all(hm2, reg, btf__type_cnt(base), &agree, &total, &fagree, &ftotal);
    assert_int_equal(agree, total);
    assert_int_equal(fagree, ftotal);
    assert_int_equal(total + ftotal, 2);
    tyr_registry_free(reg);
    tyr_btf_free(hm);
    tyr_btf_free(hm2);
    tyr_btf_free(hb);
    btf__free(mod[0]);
    btf__free(mod[1]);
    btf__free(base);
}

/* ---- one registry for both worlds ---- */

/* A struct already in the registry with the same layout is that type; another layout under
 * the same name is kept beside it. */
static void test_shared_with_registry(void **state)
{
    (void)state;
    tyr_registry *reg = new_reg();
    tyr_type i32, l64;
    assert_int_equal(tyr_add_int(reg, "int", 4, TYR_INT_SIGNED, &i32), 0);
    assert_int_equal(tyr_add_int(reg, "long", 8, TYR_INT_SIGNED, &l64), 0);
    tyr_struct pair, clash;
    assert_int_equal(tyr_struct_new(reg, TYR_KIND_STRUCT, "pair", 8, 4, 0, &pair), 0);
    assert_int_equal(tyr_struct_add_field(reg, pair, "a", i32, 0, 0, 0), 0);
    assert_int_equal(tyr_struct_add_field(reg, pair, "b", i32, 4, 0, 0), 0);
    assert_int_equal(tyr_struct_new(reg, TYR_KIND_STRUCT, "clash", 8, 8, 0, &clash), 0);
    assert_int_equal(tyr_struct_add_field(reg, clash, "a", l64, 0, 0, 0), 0);

    struct btf *btf = btf__new_empty();
    int bi = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
    btf__add_struct(btf, "pair", 8);
    btf__add_field(btf, "a", bi, 0, 0);
    btf__add_field(btf, "b", bi, 32, 0);
    btf__add_struct(btf, "clash", 4);
    btf__add_field(btf, "a", bi, 0, 0);
    tyr_btf *b = open_btf(btf, NULL);
    uint32_t before = tyr_registry_type_count(reg);
    assert_int_equal(tyr_btf_import_all(b, reg, NULL, NULL), 0);
    tyr_type t, t2;
    assert_int_equal(tyr_btf_import_type(b, reg, "pair", TYR_KIND_STRUCT, &t, NULL), 0);
    assert_int_equal(t.id, pair.id);
    assert_int_equal(tyr_find_next(reg, "pair", TYR_KIND_STRUCT, t, &t2), TYR_ENOENT);
    assert_int_equal(tyr_btf_import_type(b, reg, "clash", TYR_KIND_STRUCT, &t, NULL), 0);
    assert_int_not_equal(t.id, clash.id);
    assert_int_equal(tyr_type_size(reg, t), 4);
    /* both layouts of clash, the newest first */
    assert_int_equal(tyr_find(reg, "clash", TYR_KIND_STRUCT, &t2), 0);
    assert_int_equal(t2.id, t.id);
    assert_int_equal(tyr_find_next(reg, "clash", TYR_KIND_STRUCT, t2, &t2), 0);
    assert_int_equal(t2.id, clash.id);
    /* only the new clash was added: int is shared too */
    assert_int_equal(tyr_registry_type_count(reg), before + 1);
    tyr_btf_stats st = {.sz = sizeof st};
    tyr_btf_get_stats(b, &st);
    assert_int_equal(st.shared, 2);
    tyr_btf_free(b);
    btf__free(btf);
    tyr_registry_free(reg);
}

/* The fixture's DWARF and pahole's BTF of the same binary into one registry: every record
 * of the BTF is the type the DWARF import made for it. */
static void test_dwarf_and_btf(void **state)
{
    (void)state;
    tyr_btf *b = open_fixture_btf();
    tyr_dwarf *dw = open_fixture_dwarf();
    tyr_registry *reg = new_reg();
    assert_int_equal(tyr_dwarf_import_all(dw, reg, NULL, NULL), 0);
    uint32_t dwarf_types = tyr_registry_type_count(reg);
    assert_int_equal(tyr_btf_import_all(b, reg, NULL, NULL), 0);
    const struct btf *btf = tyr_btf_libbpf(b);
    uint32_t named = 0, shared = 0;
    for (uint32_t id = 1; id < btf__type_cnt(btf); id++) {
        const struct btf_type *t = btf__type_by_id(btf, id);
        const char *name = btf__name_by_offset(btf, t->name_off);
        if (!btf_is_composite(t) || !name || !*name)
            continue;
        named++;
        tyr_type rt;
        assert_int_equal(tyr_btf_import_id(b, reg, id, &rt, NULL), 0);
        assert_true(record_agrees(btf, id, reg, rt));
        shared += rt.id < dwarf_types;
        if (rt.id >= dwarf_types)
            print_message("  not shared: %s\n", name);
    }
    tyr_btf_stats st = {.sz = sizeof st};
    tyr_btf_get_stats(b, &st);
    print_message("fixture: %u of %u named records of the BTF are the DWARF import's; "
                  "%u types added for %u BTF ids\n",
                  shared, named, tyr_registry_type_count(reg) - dwarf_types, st.btf_types);
    assert_true(named >= 5);
    assert_int_equal(shared, named);
    expect_blob_verifies(reg); /* of both */
    tyr_btf_free(b);
    tyr_registry_free(reg);
    tyr_dwarf_free(dw);
}

/* DWARF after BTF: the fixture's struct Node built with libbpf's writer is the type the
 * DWARF import of Node reuses (no copy added); a Pong of another layout than the fixture's
 * stays, and the DWARF one is a second type of that name. */
static void test_dwarf_reuses_btf(void **state)
{
    (void)state;
    struct btf *btf = btf__new_empty();
    int bi = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
    int pnode = btf__add_ptr(btf, bi + 2); /* to Node, the next id */
    int node = btf__add_struct(btf, "Node", 16);
    assert_int_equal(node, bi + 2);
    btf__add_field(btf, "next", pnode, 0, 0);
    btf__add_field(btf, "val", bi, 64, 0);
    btf__add_struct(btf, "Pong", 4);
    btf__add_field(btf, "n", bi, 0, 0);
    tyr_btf *b = open_btf(btf, NULL);
    tyr_registry *reg = new_reg();
    assert_int_equal(tyr_btf_import_all(b, reg, NULL, NULL), 0);
    tyr_type bnode = find(reg, "Node", TYR_KIND_STRUCT), bpong = find(reg, "Pong", TYR_KIND_STRUCT);
    uint32_t before = tyr_registry_type_count(reg);

    tyr_dwarf *dw = open_fixture_dwarf();
    tyr_type t, t2;
    assert_int_equal(tyr_dwarf_import_type(dw, reg, "Node", TYR_KIND_STRUCT, &t, NULL), 0);
    assert_int_equal(t.id, bnode.id);
    assert_int_equal(tyr_find_next(reg, "Node", TYR_KIND_STRUCT, t, &t2), TYR_ENOENT);
    assert_int_equal(tyr_registry_type_count(reg), before);
    /* the fixture's Pong is {struct Ping *ping; long n;}: two layouts, both kept */
    assert_int_equal(tyr_dwarf_import_type(dw, reg, "Pong", TYR_KIND_STRUCT, &t, NULL), 0);
    assert_int_not_equal(t.id, bpong.id);
    assert_int_equal(tyr_type_size(reg, t), 16);
    assert_int_equal(tyr_find(reg, "Pong", TYR_KIND_STRUCT, &t2), 0);
    assert_int_equal(t2.id, t.id);
    assert_int_equal(tyr_find_next(reg, "Pong", TYR_KIND_STRUCT, t2, &t2), 0);
    assert_int_equal(t2.id, bpong.id);
    /* a function's parameter reaches the shared Node: walk(struct Node *) */
    tyr_type f;
    assert_int_equal(tyr_dwarf_import_func(dw, reg, "walk", &f, NULL), 0);
    tyr_type_info fi, pi;
    tyr_param_info p;
    assert_int_equal(tyr_type_get(reg, f, &fi), 0);
    assert_int_equal(tyr_param_at(reg, fi.target, 0, &p), 0);
    assert_int_equal(tyr_type_get(reg, p.type, &pi), 0);
    assert_int_equal(pi.kind, TYR_KIND_PTR);
    assert_int_equal(pi.target.id, bnode.id);
    tyr_dwarf_free(dw);
    tyr_btf_free(b);
    btf__free(btf);
    tyr_registry_free(reg);
}

/* pahole's BTF of the fixture, then the fixture's DWARF, into one registry: every named
 * record the DWARF import makes a type for is the BTF's (the reverse of test_dwarf_and_btf). */
static void test_btf_then_dwarf(void **state)
{
    (void)state;
    tyr_btf *b = open_fixture_btf();
    tyr_registry *reg = new_reg();
    assert_int_equal(tyr_btf_import_all(b, reg, NULL, NULL), 0);
    uint32_t btf_types = tyr_registry_type_count(reg);
    tyr_dwarf *dw = open_fixture_dwarf();
    assert_int_equal(tyr_dwarf_import_all(dw, reg, NULL, NULL), 0);
    uint32_t records = 0, copies = 0;
    for (uint32_t id = btf_types; id < tyr_registry_type_count(reg); id++) {
        tyr_type_info ti;
        assert_int_equal(tyr_type_get(reg, (tyr_type){id}, &ti), 0);
        if ((ti.kind != TYR_KIND_STRUCT && ti.kind != TYR_KIND_UNION) || !*ti.name)
            continue;
        records++;
        /* a record the DWARF added while BTF had the name: a copy unless its layout differs */
        tyr_type o;
        for (int e = tyr_find(reg, ti.name, ti.kind, &o); !e;
             e = tyr_find_next(reg, ti.name, ti.kind, o, &o)) {
            tyr_type_info oi;
            if (o.id >= btf_types || tyr_type_get(reg, o, &oi) || oi.size != ti.size ||
                oi.count != ti.count)
                continue;
            copies++;
            print_message("  DWARF copy of BTF record: %s\n", ti.name);
        }
    }
    print_message("fixture: %u named records added by DWARF after BTF (C++ and what BTF "
                  "lacks), %u copies of a BTF record\n", records, copies);
    assert_int_equal(copies, 0);
    /* the C records of the fixture exist once */
    tyr_type t, t2;
    assert_int_equal(tyr_find(reg, "Node", TYR_KIND_STRUCT, &t), 0);
    assert_true(t.id < btf_types);
    assert_int_equal(tyr_find_next(reg, "Node", TYR_KIND_STRUCT, t, &t2), TYR_ENOENT);
    expect_blob_verifies(reg);
    tyr_dwarf_free(dw);
    tyr_btf_free(b);
    tyr_registry_free(reg);
}

/* A registry only this BTF filled is not searched: two equal ids of one BTF stay two types
 * (a deduplicated BTF has none). Once another importer adds a type, equal types are shared
 * again, the ones made before included. */
static void test_solo_registry(void **state)
{
    (void)state;
    struct btf *btf = btf__new_empty();
    int bi = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
    int p1 = btf__add_ptr(btf, bi);
    int p2 = btf__add_ptr(btf, bi);
    btf__add_typedef(btf, "ip1", p1);
    btf__add_typedef(btf, "ip2", p2);
    btf__add_struct(btf, "S", 4);
    btf__add_field(btf, "x", bi, 0, 0);
    tyr_btf *b = open_btf(btf, NULL);
    tyr_registry *reg = new_reg();
    tyr_type a, c;
    assert_int_equal(tyr_btf_import_type(b, reg, "ip1", TYR_KIND_TYPEDEF, &a, NULL), 0);
    assert_int_equal(tyr_btf_import_type(b, reg, "ip2", TYR_KIND_TYPEDEF, &c, NULL), 0);
    tyr_type_info ai, ci;
    assert_int_equal(tyr_type_get(reg, a, &ai), 0);
    assert_int_equal(tyr_type_get(reg, c, &ci), 0);
    assert_int_not_equal(ai.target.id, ci.target.id);
    /* another importer's S of the same layout: this BTF's S is now looked for and shared */
    tyr_type i32;
    tyr_struct s;
    assert_int_equal(tyr_add_int(reg, "int", 4, TYR_INT_SIGNED, &i32), 0);
    assert_int_equal(tyr_struct_new(reg, TYR_KIND_STRUCT, "S", 4, 4, 0, &s), 0);
    assert_int_equal(tyr_struct_add_field(reg, s, "x", i32, 0, 0, 0), 0);
    assert_int_equal(tyr_btf_import_type(b, reg, "S", TYR_KIND_STRUCT, &a, NULL), 0);
    assert_int_equal(a.id, s.id);
    tyr_btf_free(b);
    btf__free(btf);
    tyr_registry_free(reg);
}

/* tyr_registry_reserve, which import_all calls, changes capacities only: a registry built
 * after reserving (more than it gets, then less) writes the same blob bytes as one built
 * without; a mapped registry refuses it, and an opts struct with unknown bytes is refused. */
static void build_sample(tyr_registry *reg)
{
    tyr_type i32, p, proto, e;
    tyr_struct st;
    assert_int_equal(tyr_add_int(reg, "int", 4, TYR_INT_SIGNED, &i32), 0);
    assert_int_equal(tyr_struct_new(reg, TYR_KIND_STRUCT, "S", 8, 4, 0, &st), 0);
    assert_int_equal(tyr_struct_add_field(reg, st, "a", i32, 0, 0, 0), 0);
    assert_int_equal(tyr_struct_add_field(reg, st, "b", i32, 4, 0, 0), 0);
    assert_int_equal(tyr_add_ptr(reg, (tyr_type){st.id}, &p), 0);
    assert_int_equal(tyr_func_proto_new(reg, i32, 0, &proto), 0);
    assert_int_equal(tyr_func_proto_add_param(reg, proto, "s", p), 0);
    assert_int_equal(tyr_func_new(reg, "f", proto, NULL), 0);
    assert_int_equal(tyr_enum_new(reg, "E", 4, 0, &e), 0);
    assert_int_equal(tyr_enum_add(reg, e, "E_A", 1), 0);
    char name[32];
    for (int i = 0; i < 300; i++) { /* past the initial string set and name index */
        snprintf(name, sizeof name, "t%d", i);
        assert_int_equal(tyr_add_typedef(reg, name, i32, NULL), 0);
    }
}

static void test_reserve_same_blob(void **state)
{
    (void)state;
    void *buf[3];
    size_t len[3];
    for (int k = 0; k < 3; k++) {
        tyr_registry *reg = new_reg();
        if (k == 1)
            assert_int_equal(tyr_registry_reserve(reg, TYR_OPTS(tyr_registry_room,
                .types = 100000, .named = 50000, .sized = 1000, .fields = 5000,
                .enumerators = 100, .params = 100, .strings = 60000,
                .string_bytes = 1 << 20)), 0);
        if (k == 2)
            assert_int_equal(tyr_registry_reserve(reg, TYR_OPTS(tyr_registry_room,
                .types = 3, .named = 2, .strings = 2, .string_bytes = 4)), 0);
        build_sample(reg);
        assert_int_equal(tyr_blob_write_mem(reg, NULL, &buf[k], &len[k]), 0);
        tyr_registry_free(reg);
    }
    for (int k = 1; k < 3; k++) {
        assert_int_equal(len[k], len[0]);
        assert_memory_equal(buf[k], buf[0], len[0]);
    }
    tyr_registry *m;
    assert_int_equal(tyr_registry_open_mem(buf[0], len[0], NULL, &m, NULL), 0);
    assert_int_equal(tyr_registry_reserve(m, TYR_OPTS(tyr_registry_room, .types = 1)),
                     TYR_EREADONLY);
    tyr_registry_free(m);
    tyr_registry *reg = new_reg();
    assert_int_equal(tyr_registry_reserve(reg, NULL), 0);
    struct {
        struct tyr_registry_room room;
        uint64_t unknown;
    } newer = {.room = {.sz = sizeof newer}, .unknown = 1};
    assert_int_equal(tyr_registry_reserve(reg, &newer.room), TYR_EINVAL);
    assert_int_equal(tyr_registry_reserve(NULL, NULL), TYR_EINVAL);
    tyr_registry_free(reg);
    for (int k = 0; k < 3; k++)
        tyr_blob_buf_free(buf[k]);
}

/* ---- hostile BTF ---- */

static int import_raw(const void *raw, size_t len, tyr_diag *diag)
{
    tyr_btf *b;
    int err = tyr_btf_open_mem(raw, len, NULL, &b, diag);
    if (err)
        return err;
    tyr_registry *reg = new_reg();
    err = tyr_btf_import_all(b, reg, NULL, diag);
    if (!err) {
        void *buf;
        size_t blen;
        assert_int_equal(tyr_blob_write_mem(reg, NULL, &buf, &blen), 0);
        assert_int_equal(tyr_blob_verify(buf, blen, NULL), 0);
        tyr_blob_buf_free(buf);
    }
    tyr_registry_free(reg);
    tyr_btf_free(b);
    return err;
}

/* Every truncation, and every byte set to boundary values: an error or a valid registry,
 * never a crash (ASan and valgrind watch). */
static void test_hostile_bytes(void **state)
{
    (void)state;
    struct every e;
    build_every(&e);
    __u32 size;
    const unsigned char *raw = btf__raw_data(e.btf, &size);
    unsigned char *copy = malloc(size);
    assert_non_null(copy);
    uint32_t rejected = 0, accepted = 0;
    for (__u32 len = 0; len < size; len++) {
        memcpy(copy, raw, len);
        int err = import_raw(copy, len, NULL);
        assert_true(err <= 0);
        err ? rejected++ : accepted++;
    }
    static const unsigned char vals[] = {0x00, 0x01, 0x7f, 0x80, 0xff};
    for (__u32 off = 0; off < size; off++) {
        for (size_t v = 0; v < sizeof vals; v++) {
            memcpy(copy, raw, size);
            copy[off] = vals[v];
            tyr_diag diag = {0};
            int err = import_raw(copy, size, &diag);
            assert_true(err <= 0);
            if (err && err != TYR_ENOMEM)
                assert_true(diag.what[0] != 0);
            err ? rejected++ : accepted++;
        }
    }
    print_message("hostile bytes: %u rejected with an error, %u imported and verified\n",
                  rejected, accepted);
    free(copy);
    btf__free(e.btf);
}

static int import_built(struct btf *btf, const char *name, tyr_diag *diag)
{
    __u32 size;
    const void *raw = btf__raw_data(btf, &size);
    tyr_btf *b;
    int err = tyr_btf_open_mem(raw, size, NULL, &b, diag);
    if (err)
        return err;
    tyr_registry *reg = new_reg();
    tyr_type t;
    err = name ? tyr_btf_import_type(b, reg, name, TYR_KIND_ANY, &t, diag)
               : tyr_btf_import_all(b, reg, NULL, diag);
    tyr_registry_free(reg);
    tyr_btf_free(b);
    return err;
}

/* Loops through typedefs and pointers, a struct holding itself, absurd sizes, ids past the
 * end, a var used as a type: each an error naming the BTF type id. */
static void test_hostile_shapes(void **state)
{
    (void)state;
    struct hcase {
        const char *what;
        int expect_id;
        struct btf *btf;
    } cases[8];
    int nc = 0;
    struct btf *btf;

    btf = btf__new_empty(); /* typedef a -> b -> a */
    btf__add_typedef(btf, "a", 2);
    btf__add_typedef(btf, "b", 1);
    cases[nc++] = (struct hcase){"loop", 1, btf};

    btf = btf__new_empty(); /* a pointer to itself */
    btf__add_ptr(btf, 1);
    btf__add_typedef(btf, "selfp", 1);
    cases[nc++] = (struct hcase){"loop", 1, btf};

    btf = btf__new_empty(); /* struct s { struct s x; } through a typedef */
    btf__add_struct(btf, "s", 4);
    btf__add_field(btf, "x", 2, 0, 0);
    btf__add_typedef(btf, "s_t", 1);
    cases[nc++] = (struct hcase){"itself by value", 1, btf};

    btf = btf__new_empty(); /* int[0xffffffff][0xffffffff][16]: size overflow */
    int i = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
    int a1 = btf__add_array(btf, i, i, 0xffffffffu);
    int a2 = btf__add_array(btf, i, a1, 0xffffffffu);
    btf__add_array(btf, i, a2, 16);
    btf__add_typedef(btf, "huge", 4);
    cases[nc++] = (struct hcase){"overflow", 3, btf};

    btf = btf__new_empty(); /* a member past the end of its struct */
    i = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
    btf__add_struct(btf, "past", 4);
    btf__add_field(btf, "x", i, 0xfffffff0u, 0);
    cases[nc++] = (struct hcase){"member", 2, btf};

    btf = btf__new_empty(); /* a pointer to a var */
    i = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
    int v = btf__add_var(btf, "v", BTF_VAR_STATIC, i);
    btf__add_typedef(btf, "tv", btf__add_ptr(btf, v));
    cases[nc++] = (struct hcase){"var", 3, btf};

    btf = btf__new_empty(); /* a type id past the end */
    btf__add_ptr(btf, 1000);
    btf__add_typedef(btf, "far", 1);
    cases[nc++] = (struct hcase){NULL, -1, btf};

    btf = btf__new_empty(); /* an absurd int size */
    btf__add_int(btf, "int", 16, 0);
    set_int_bits(btf, 1, 0, 128);
    btf__add_struct(btf, "big", 0xffffffffu);
    btf__add_field(btf, "x", 1, 0, 0);
    cases[nc++] = (struct hcase){NULL, -1, btf};

    for (int k = 0; k < nc; k++) {
        tyr_diag diag = {0};
        int err = import_built(cases[k].btf, NULL, &diag);
        print_message("hostile %d: %s (BTF id %llu: %s)\n", k, tyr_strerror(err),
                      (unsigned long long)diag.offset, diag.what);
        if (cases[k].expect_id < 0) {
            assert_true(err <= 0); /* libbpf may refuse it, or tyr imports it validly */
        } else {
            assert_true(err < 0);
            assert_int_equal(diag.offset, (uint64_t)cases[k].expect_id);
            assert_non_null(strstr(diag.what, "BTF type"));
            assert_non_null(strstr(diag.what, cases[k].what));
        }
        btf__free(cases[k].btf);
    }
}

/* A failed import leaves the handle usable: an unrelated function imports afterwards; the
 * struct whose layout failed stays declared only, and asking for its layout fails again the
 * same way (no state left "in progress"). */
static void test_error_then_more(void **state)
{
    (void)state;
    struct btf *btf = btf__new_empty();
    int i = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
    int bad = btf__add_struct(btf, "bad", 4);
    btf__add_field(btf, "x", i, 64, 0); /* past the end */
    int good = btf__add_struct(btf, "good", 4);
    btf__add_field(btf, "y", i, 0, 0);
    int pbad = btf__add_ptr(btf, bad), pgood = btf__add_ptr(btf, good);
    int p1 = btf__add_func_proto(btf, i);
    btf__add_func_param(btf, "b", pbad);
    btf__add_func(btf, "takes_bad", BTF_FUNC_GLOBAL, p1);
    int p2 = btf__add_func_proto(btf, i);
    btf__add_func_param(btf, "g", pgood);
    btf__add_func(btf, "takes_good", BTF_FUNC_GLOBAL, p2);
    tyr_btf *b = open_btf(btf, NULL);
    tyr_registry *reg = new_reg();
    tyr_diag diag = {0};
    tyr_type f, t;
    assert_int_equal(tyr_btf_import_func(b, reg, "takes_bad", &f, &diag), TYR_ERANGE);
    assert_int_equal(diag.offset, (uint64_t)bad);
    assert_int_equal(tyr_btf_import_func(b, reg, "takes_good", &f, NULL), 0);
    tyr_type_info gi;
    assert_int_equal(tyr_type_get(reg, find(reg, "good", TYR_KIND_STRUCT), &gi), 0);
    assert_false(gi.flags & TYR_STRUCT_DECL);
    assert_int_equal(gi.count, 1);
    uint32_t count = tyr_registry_type_count(reg);
    for (int round = 0; round < 2; round++) {
        memset(&diag, 0, sizeof diag);
        assert_int_equal(tyr_btf_import_type(b, reg, "bad", TYR_KIND_STRUCT, &t, &diag),
                         TYR_ERANGE);
        assert_int_equal(diag.offset, (uint64_t)bad);
        assert_int_equal(tyr_find(reg, "bad", TYR_KIND_ANY, &t), TYR_ENOENT);
        assert_int_equal(tyr_registry_type_count(reg), count);
    }
    tyr_registry_free(reg);
    tyr_btf_free(b);
    btf__free(btf);
}

/* ---- all or nothing: a failed import leaves the registry byte for byte as it was ---- */

/* BTF whose struct "bad" fails (its last member is past its end) only once what it holds was
 * imported: an int, enum "colour", struct "good"; typedef "bad_t" names it, FUNC "takes_bad"
 * takes a pointer to that, FUNC "takes_good" a pointer to good. */
struct late_ids {
    int i, colour, good, bad, bad_t;
};

static struct btf *build_fails_late(struct late_ids *ids)
{
    struct btf *btf = btf__new_empty();
    ids->i = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
    ids->colour = btf__add_enum(btf, "colour", 4);
    btf__add_enum_value(btf, "RED", 1);
    ids->good = btf__add_struct(btf, "good", 4);
    btf__add_field(btf, "y", ids->i, 0, 0);
    ids->bad = btf__add_struct(btf, "bad", 12);
    btf__add_field(btf, "g", ids->good, 0, 0);
    btf__add_field(btf, "c", ids->colour, 32, 0);
    btf__add_field(btf, "x", ids->i, 96, 0); /* bytes 12..15 of a 12-byte struct */
    ids->bad_t = btf__add_typedef(btf, "bad_t", ids->bad);
    int pbad = btf__add_ptr(btf, ids->bad_t);
    int p1 = btf__add_func_proto(btf, ids->i);
    btf__add_func_param(btf, "b", pbad);
    btf__add_func(btf, "takes_bad", BTF_FUNC_GLOBAL, p1);
    int pgood = btf__add_ptr(btf, ids->good);
    int p2 = btf__add_func_proto(btf, ids->i);
    btf__add_func_param(btf, "g", pgood);
    assert_true(btf__add_func(btf, "takes_good", BTF_FUNC_GLOBAL, p2) > 0);
    return btf;
}

enum entry { BY_FUNC, BY_TYPE, BY_ID, ALL, NENTRIES };
static const char *const entry_name[NENTRIES] = {"import_func", "import_type", "import_id",
                                                 "import_all"};

/* The import of "bad" through one entry point: TYR_ERANGE, the diag naming bad's id. */
static void expect_bad_fails(tyr_btf *b, tyr_registry *reg, enum entry e,
                             const struct late_ids *ids)
{
    tyr_diag diag = {0};
    tyr_type t;
    int err = e == BY_FUNC   ? tyr_btf_import_func(b, reg, "takes_bad", &t, &diag)
              : e == BY_TYPE ? tyr_btf_import_type(b, reg, "bad", TYR_KIND_STRUCT, &t, &diag)
              : e == BY_ID   ? tyr_btf_import_id(b, reg, (uint32_t)ids->bad_t, &t, &diag)
                             : tyr_btf_import_all(b, reg, NULL, &diag);
    if (err != TYR_ERANGE)
        print_message("%s: %s (%s)\n", entry_name[e], tyr_strerror(err), diag.what);
    assert_int_equal(err, TYR_ERANGE);
    assert_int_equal(diag.offset, (uint64_t)ids->bad);
}

/* After a failure: the types the failed import had made are imported again, whole and
 * valid (no id of the handle's from before the rollback is reused), and what the registry
 * held before is shared, not made twice. */
static void expect_usable_after(tyr_btf *b, tyr_registry *reg, tyr_type old_int)
{
    tyr_type c, f, good;
    tyr_type_info ci, fi, pi, gi;
    assert_int_equal(tyr_btf_import_type(b, reg, "colour", TYR_KIND_ENUM, &c, NULL), 0);
    assert_true(c.id < tyr_registry_type_count(reg));
    assert_int_equal(tyr_type_get(reg, c, &ci), 0);
    assert_int_equal(ci.kind, TYR_KIND_ENUM);
    assert_string_equal(ci.name, "colour");
    assert_int_equal(ci.count, 1);
    assert_int_equal(tyr_btf_import_func(b, reg, "takes_good", &f, NULL), 0);
    assert_int_equal(tyr_type_get(reg, f, &fi), 0);
    assert_int_equal(tyr_type_get(reg, fi.target, &pi), 0);
    assert_int_equal(pi.target.id, old_int.id); /* the int held before: shared */
    good = find(reg, "good", TYR_KIND_STRUCT);
    assert_int_equal(tyr_type_get(reg, good, &gi), 0);
    assert_false(gi.flags & TYR_STRUCT_DECL);
    assert_int_equal(gi.count, 1);
    expect_blob_verifies(reg);
}

/* Each entry point, failing part-way into a registry that already holds types (one the same
 * handle imported, one made by the builders): twice in a row, the registry byte for byte as
 * it was and the handle's counters unchanged; then the handle imports on. */
static void test_failure_leaves_registry(void **state)
{
    (void)state;
    struct late_ids ids;
    struct btf *btf = build_fails_late(&ids);
    for (int e = 0; e < NENTRIES; e++) {
        tyr_btf *b = open_btf(btf, NULL);
        tyr_registry *reg = new_reg();
        tyr_type own, t;
        assert_int_equal(tyr_add_int(reg, "long", 8, TYR_INT_SIGNED, &own), 0);
        tyr_type old_int;
        assert_int_equal(tyr_btf_import_type(b, reg, "int", TYR_KIND_INT, &old_int, NULL), 0);
        tyr_btf_stats st0 = {.sz = sizeof st0}, st1 = {.sz = sizeof st1};
        assert_int_equal(tyr_btf_get_stats(b, &st0), 0);
        struct reg_state before = reg_state_of(reg);
        for (int round = 0; round < 2; round++) {
            expect_bad_fails(b, reg, (enum entry)e, &ids);
            reg_state_expect(reg, &before);
            assert_int_equal(tyr_find(reg, "colour", TYR_KIND_ANY, &t), TYR_ENOENT);
            assert_int_equal(tyr_find(reg, "good", TYR_KIND_ANY, &t), TYR_ENOENT);
            assert_int_equal(tyr_btf_get_stats(b, &st1), 0);
            assert_memory_equal(&st1, &st0, sizeof st0);
        }
        expect_usable_after(b, reg, old_int);
        reg_state_free(&before);
        tyr_registry_free(reg);
        tyr_btf_free(b);
    }
    btf__free(btf);
}

/* A failing import under the caller's open snapshot nests its own in it: the registry is as
 * the import found it, and the caller's rollback and release still close the caller's. */
static void test_failure_under_snapshot(void **state)
{
    (void)state;
    struct late_ids ids;
    struct btf *btf = build_fails_late(&ids);
    for (int e = 0; e < NENTRIES; e++) {
        tyr_btf *b = open_btf(btf, NULL);
        tyr_registry *reg = new_reg();
        tyr_type own, t, old_int;
        assert_int_equal(tyr_add_int(reg, "long", 8, TYR_INT_SIGNED, &own), 0);
        struct reg_state s0 = reg_state_of(reg);
        /* the caller's rollback: back to s0 */
        tyr_snapshot snap;
        assert_int_equal(tyr_registry_snapshot(reg, &snap), 0);
        assert_int_equal(tyr_btf_import_type(b, reg, "int", TYR_KIND_INT, &t, NULL), 0);
        struct reg_state s1 = reg_state_of(reg);
        expect_bad_fails(b, reg, (enum entry)e, &ids);
        reg_state_expect(reg, &s1);
        tyr_registry_rollback(reg, &snap);
        reg_state_expect(reg, &s0);
        /* the caller's release: keeps what succeeded before the failure */
        assert_int_equal(tyr_registry_snapshot(reg, &snap), 0);
        assert_int_equal(tyr_btf_import_type(b, reg, "int", TYR_KIND_INT, &old_int, NULL), 0);
        struct reg_state s2 = reg_state_of(reg);
        expect_bad_fails(b, reg, (enum entry)e, &ids);
        tyr_registry_release(reg, &snap);
        reg_state_expect(reg, &s2);
        /* no snapshot is left open: one taken now is the outermost, and rolls back to s2 */
        assert_int_equal(tyr_registry_snapshot(reg, &snap), 0);
        assert_int_equal(tyr_add_int(reg, "short", 2, TYR_INT_SIGNED, &t), 0);
        tyr_registry_rollback(reg, &snap);
        reg_state_expect(reg, &s2);
        expect_usable_after(b, reg, old_int);
        reg_state_free(&s0);
        reg_state_free(&s1);
        reg_state_free(&s2);
        tyr_registry_free(reg);
        tyr_btf_free(b);
    }
    btf__free(btf);
}

/* ---- the running kernel ---- */

static const char *const kernel_structs[] = {"task_struct", "sk_buff", "file", "inode",
                                             "mm_struct", "sock", "net_device", "page"};
static const char *const kernel_funcs[] = {"vfs_read", "vfs_write", "do_sys_openat2",
                                           "tcp_sendmsg", "kfree_skb_reason", "schedule"};

/* vmlinux imported whole; every struct and union, and every function, against libbpf. */
static void test_vmlinux(void **state)
{
    (void)state;
    if (access(TYR_BTF_VMLINUX, R_OK)) {
        print_message("skip: %s does not exist (kernel without CONFIG_DEBUG_INFO_BTF)\n",
                      TYR_BTF_VMLINUX);
        skip();
    }
    tyr_btf *b;
    tyr_diag diag = {0};
    assert_int_equal(tyr_btf_open(TYR_BTF_VMLINUX, NULL, &b, &diag), 0);
    tyr_registry *reg = new_reg();
    int err = tyr_btf_import_all(b, reg, NULL, &diag);
    if (err)
        print_message("vmlinux: %s: %s\n", tyr_strerror(err), diag.what);
    assert_int_equal(err, 0);
    const struct btf *btf = tyr_btf_libbpf(b);
    uint32_t sa = 0, fa = 0;
    for (size_t i = 0; i < sizeof kernel_structs / sizeof *kernel_structs; i++) {
        __s32 id = btf__find_by_name_kind(btf, kernel_structs[i], BTF_KIND_STRUCT);
        if (id <= 0)
            continue;
        tyr_type t = find(reg, kernel_structs[i], TYR_KIND_STRUCT);
        bool ok = record_agrees(btf, (uint32_t)id, reg, t);
        print_message("  struct %-12s %5llu bytes %3u members: %s\n", kernel_structs[i],
                      (unsigned long long)tyr_type_size(reg, t),
                      btf_vlen(btf__type_by_id(btf, (__u32)id)), ok ? "agrees" : "DIFFERS");
        sa += ok;
        assert_true(ok);
    }
    for (size_t i = 0; i < sizeof kernel_funcs / sizeof *kernel_funcs; i++) {
        __s32 id = btf__find_by_name_kind(btf, kernel_funcs[i], BTF_KIND_FUNC);
        if (id <= 0)
            continue;
        bool ok = func_agrees(btf, (uint32_t)id, reg, find(reg, kernel_funcs[i], TYR_KIND_FUNC));
        fa += ok;
        assert_true(ok);
    }
    uint32_t agree, total, fagree, ftotal;
    compare_all(b, reg, 1, &agree, &total, &fagree, &ftotal);
    tyr_btf_stats st = {.sz = sizeof st};
    tyr_btf_get_stats(b, &st);
    print_message("vmlinux: %u BTF types -> %u registry types; %u of %u structs/unions and "
                  "%u of %u functions agree with libbpf (named samples: %u structs, %u "
                  "functions); not kept: %u vars, %u datasecs, %u decl_tags, %u type_tags\n",
                  st.btf_types, tyr_registry_type_count(reg) - 1, agree, total, fagree, ftotal,
                  sa, fa, st.vars, st.datasecs, st.decl_tags, st.type_tags);
    assert_int_equal(agree, total);
    assert_int_equal(fagree, ftotal);
    tyr_registry_free(reg);
    tyr_btf_free(b);
}

int main(void)
{
    libbpf_set_print(fx_libbpf_quiet);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_kind),
        cmocka_unit_test(test_import_reach),
        cmocka_unit_test(test_rebind),
        cmocka_unit_test(test_split),
        cmocka_unit_test(test_shared_with_registry),
        cmocka_unit_test(test_dwarf_and_btf),
        cmocka_unit_test(test_dwarf_reuses_btf),
        cmocka_unit_test(test_btf_then_dwarf),
        cmocka_unit_test(test_solo_registry),
        cmocka_unit_test(test_reserve_same_blob),
        cmocka_unit_test(test_hostile_bytes),
        cmocka_unit_test(test_hostile_shapes),
        cmocka_unit_test(test_error_then_more),
        cmocka_unit_test(test_failure_leaves_registry),
        cmocka_unit_test(test_failure_under_snapshot),
        cmocka_unit_test(test_vmlinux),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

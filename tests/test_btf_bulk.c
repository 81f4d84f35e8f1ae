/* SPDX-License-Identifier: MIT */
/*
 * The BTF import's bulk path (an empty registry adopts the BTF's string section and the
 * records are appended by lib/registry_bulk.c) against its general path (a registry that
 * already holds a type, so the bulk path is not taken and the public builders make every
 * record): the same BTF imported both ways gives the same types, in the same order (shifted
 * by the one type the general registry held first), with the same names, flags, sizes,
 * alignments, ranks, targets, fields, enumerators and params. On an in-process BTF of every
 * kind, on pahole's BTF of the fixture program, and on the running kernel's BTF when it
 * exists. And the string set of an adopted table works for the builders that come after.
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

#include "internal.h"
#include "tyr/tyr.h"
#include "tyr/btf.h"
#include "libbpf_quiet.h"
#include "reg_state.h"

/* The name of the type the general path's registry holds first: in no BTF. */
#define MARKER "tyr_bulk_test_marker"

/* A BTF of every kind libbpf writes, with the shapes the import treats apart: bitfields of
 * both kind_flag encodings, a pointer cycle, an array of a forward declaration (incomplete),
 * an anonymous member, a packed struct, a flexible array, a restrict on a non-pointer,
 * varargs, a 2-byte float, an enum64 of each signedness. Owner: the caller (btf__free). */
static struct btf *build_every(void)
{
    struct btf *btf = btf__new_empty();
    assert_non_null(btf);
    int i32 = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
    int u32 = btf__add_int(btf, "unsigned int", 4, 0);
    int chr = btf__add_int(btf, "char", 1, BTF_INT_SIGNED);
    btf__add_int(btf, "_Bool", 1, BTF_INT_BOOL);
    int dbl = btf__add_float(btf, "double", 8);
    int f16 = btf__add_float(btf, "_Float16", 2);
    int fwd = btf__add_fwd(btf, "opaque", BTF_FWD_STRUCT);
    btf__add_fwd(btf, "opaque_u", BTF_FWD_UNION);
    int fwdarr = btf__add_array(btf, i32, fwd, 2);
    int pfwdarr = btf__add_ptr(btf, fwdarr);
    int chararr = btf__add_array(btf, i32, chr, 8);
    int pnode = btf__add_ptr(btf, (int)btf__type_cnt(btf) + 1);
    int node = btf__add_struct(btf, "node", 48);
    assert_int_equal(node, pnode + 1);
    btf__add_field(btf, "next", pnode, 0, 0);
    btf__add_field(btf, "val", i32, 64, 0);
    btf__add_field(btf, "a", u32, 96, 3);
    btf__add_field(btf, "b", u32, 99, 5);
    btf__add_field(btf, "c", i32, 104, 20);
    btf__add_field(btf, "name", chararr, 128, 0);
    btf__add_field(btf, "d", dbl, 192, 0);
    btf__add_field(btf, "h", f16, 256, 0);
    btf__add_field(btf, "o", pfwdarr, 320, 0);
    int un = btf__add_union(btf, "un", 8);
    btf__add_field(btf, "i", i32, 0, 0);
    btf__add_field(btf, "d", dbl, 0, 0);
    btf__add_enum(btf, "color", 4);
    btf__add_enum_value(btf, "RED", 0);
    btf__add_enum_value(btf, "BIG", 0xffffffffLL);
    btf__add_enum(btf, "delta", 4);
    btf__add_enum_value(btf, "NEG", -1);
    btf__add_enum_value(btf, "POS", 5);
    btf__add_enum64(btf, "big", 8, false);
    btf__add_enum64_value(btf, "HUGE", 1ull << 40);
    btf__add_enum64(btf, "sbig", 8, true);
    btf__add_enum64_value(btf, "MINUS", (uint64_t)-2);
    btf__add_enum(btf, "decl_only", 4);
    int td = btf__add_typedef(btf, "myint", i32);
    int ctd = btf__add_const(btf, td);
    int vint = btf__add_volatile(btf, i32);
    int voidp = btf__add_ptr(btf, 0);
    int rptr = btf__add_restrict(btf, voidp);
    btf__add_restrict(btf, i32); /* dropped: restrict on a non-pointer */
    int tag = btf__add_type_tag(btf, "user", i32);
    int ptag = btf__add_ptr(btf, tag);
    int arr3 = btf__add_array(btf, i32, chr, 3);
    int arr23 = btf__add_array(btf, i32, arr3, 2);
    int proto = btf__add_func_proto(btf, i32);
    btf__add_func_param(btf, "n", pnode);
    btf__add_func_param(btf, "k", ctd);
    btf__add_func_param(btf, "", 0); /* ... */
    int pproto = btf__add_ptr(btf, proto);
    btf__add_func(btf, "walk", BTF_FUNC_GLOBAL, proto);
    int proto2 = btf__add_func_proto(btf, 0);
    btf__add_func_param(btf, "p", ptag);
    btf__add_func_param(btf, "q", rptr);
    btf__add_func_param(btf, NULL, pproto);
    btf__add_func(btf, "helper", BTF_FUNC_STATIC, proto2);
    btf__add_func(btf, "helper_twin", BTF_FUNC_EXTERN, proto2);
    int parr = btf__add_ptr(btf, arr23);
    btf__add_typedef(btf, "grid_ptr", parr);
    int var = btf__add_var(btf, "counter", BTF_VAR_GLOBAL_ALLOCATED, vint);
    btf__add_datasec(btf, ".data", 4);
    btf__add_datasec_var_info(btf, var, 0, 4);
    btf__add_decl_tag(btf, "tagged", node, -1);
    int pk = btf__add_struct(btf, "pk", 5);
    btf__add_field(btf, "c", chr, 0, 0);
    btf__add_field(btf, "i", i32, 8, 0);
    int flexarr = btf__add_array(btf, i32, i32, 0);
    btf__add_struct(btf, "flex3", 4);
    btf__add_field(btf, "n", i32, 0, 0);
    btf__add_field(btf, "data", flexarr, 32, 0);
    int au = btf__add_union(btf, NULL, 4);
    btf__add_field(btf, "a", i32, 0, 0);
    btf__add_field(btf, "b", u32, 0, 0);
    int holder = btf__add_struct(btf, "holder", 16);
    btf__add_field(btf, NULL, au, 0, 0);
    btf__add_field(btf, "tail", i32, 32, 0);
    btf__add_field(btf, "u", un, 64, 0);
    int outer = btf__add_struct(btf, "outer", 21); /* holds by value: ranks 2 and 3 */
    btf__add_field(btf, "h", holder, 0, 0);
    btf__add_field(btf, "p", pk, 128, 0);
    btf__add_struct(btf, "empty", 0);
    (void)outer;
    return btf;
}

/* Owner: the caller (tyr_btf_free). */
static tyr_btf *open_raw(const struct btf *btf)
{
    __u32 size;
    const void *raw = btf__raw_data(btf, &size);
    assert_non_null(raw);
    tyr_btf *b;
    assert_int_equal(tyr_btf_open_mem(raw, size, NULL, &b, NULL), 0);
    return b;
}

/* How many types the general registry held before the import: 1 (the marker) or 0. */
static uint32_t ahead;

/* A type id of the bulk registry as the general one numbers it. */
static uint32_t shift(uint32_t id)
{
    return id ? id + ahead : 0;
}

/* Registry type id of the bulk registry a against shift(id) of the general one g: false
 * with a message at the first difference. */
static bool same_type(const tyr_registry *a, const tyr_registry *g, uint32_t id)
{
    const struct tyr_rec_type *ra = tyr__type(a, id), *rg = tyr__type(g, shift(id));
    tyr_type_info ia, ig;
    if (!ra || !rg || tyr_type_get(a, (tyr_type){id}, &ia) ||
        tyr_type_get(g, (tyr_type){shift(id)}, &ig))
        return false;
    const char *what = NULL;
    if (ra->kind != rg->kind || ra->flags != rg->flags) /* the sealed flag too */
        what = "kind or flags";
    else if (strcmp(ia.name, ig.name))
        what = "name";
    else if (ia.size != ig.size || ia.align != ig.align || ia.count != ig.count ||
             ia.bits != ig.bits || tyr__t_size(a, ra) != tyr__t_size(g, rg))
        what = "size, align, count or bits";
    else if (shift(ia.target.id) != ig.target.id ||
             shift(tyr__resolve(a, id)) != tyr__resolve(g, shift(id)))
        what = "target";
    else if (tyr__t_rank(a, ra) != tyr__t_rank(g, rg) || tyr__t_align(ra) != tyr__t_align(rg))
        what = "rank";
    else if (tyr__t_first(ra) != tyr__t_first(rg))
        what = "first member record";
    for (uint32_t i = 0; !what && (ra->kind == TYR_KIND_STRUCT || ra->kind == TYR_KIND_UNION) &&
                         i < ia.count; i++) {
        tyr_field_info fa, fg;
        if (tyr_field_at(a, (tyr_type){id}, i, &fa) || tyr_field_at(g, (tyr_type){shift(id)}, i, &fg) ||
            strcmp(fa.name, fg.name) || shift(fa.type.id) != fg.type.id || fa.offset != fg.offset ||
            fa.bit_offset != fg.bit_offset || fa.bit_size != fg.bit_size || fa.flags != fg.flags)
            what = "a field";
    }
    for (uint32_t i = 0; !what && ra->kind == TYR_KIND_ENUM && i < ia.count; i++) {
        tyr_enumerator_info ea, eg;
        if (tyr_enumerator_at(a, (tyr_type){id}, i, &ea) ||
            tyr_enumerator_at(g, (tyr_type){shift(id)}, i, &eg) || strcmp(ea.name, eg.name) ||
            ea.value != eg.value)
            what = "an enumerator";
    }
    for (uint32_t i = 0; !what && ra->kind == TYR_KIND_FUNC_PROTO && i < ia.count; i++) {
        tyr_param_info pa, pg;
        if (tyr_param_at(a, (tyr_type){id}, i, &pa) ||
            tyr_param_at(g, (tyr_type){shift(id)}, i, &pg) || strcmp(pa.name, pg.name) ||
            shift(pa.type.id) != pg.type.id)
            what = "a param";
    }
    if (what)
        print_message("type %u ('%s', kind %d): %s differs\n", id, ia.name, ra->kind, what);
    return !what;
}

/* Import b whole into an empty registry (bulk) and a BTF of the same bytes into one that
 * keeps the bulk path out (general): with `marker`, a registry holding one type first (the
 * import then looks for equal types in it, as for a registry DWARF filled first); without,
 * an empty registry under an open snapshot (the general path as it runs on an empty
 * registry: nothing looked for). Every type agrees. Returns the bulk registry (owner: the
 * caller, tyr_registry_free). */
static tyr_registry *both_ways(tyr_btf *bulk_btf, tyr_btf *general_btf, const char *what,
                               bool marker)
{
    tyr_registry *a, *g;
    tyr_diag diag = {0};
    tyr_snapshot snap;
    assert_int_equal(tyr_registry_new(NULL, &a), 0);
    assert_int_equal(tyr_registry_new(NULL, &g), 0);
    tyr_type m;
    if (marker)
        assert_int_equal(tyr_add_int(g, MARKER, 4, 0, &m), 0);
    else
        assert_int_equal(tyr_registry_snapshot(g, &snap), 0);
    ahead = marker;
    int err = tyr_btf_import_all(bulk_btf, a, NULL, &diag);
    if (err)
        print_message("%s bulk: %s: %s\n", what, tyr_strerror(err), diag.what);
    assert_int_equal(err, 0);
    assert_int_equal(tyr_btf_import_all(general_btf, g, NULL, &diag), 0);
    /* the bulk path was taken: the string table is the BTF's section, set aside for its
     * first use (the general registry's holds the names it interned, the marker's too) */
    uint32_t len = a->strs_len;
    assert_null(a->intern);
    assert_non_null(g->intern);
    uint32_t n = tyr_registry_type_count(a), agree = 0;
    assert_int_equal(n + ahead, tyr_registry_type_count(g));
    for (uint32_t id = 1; id < n; id++)
        agree += same_type(a, g, id);
    tyr_btf_stats sa = {.sz = sizeof sa}, sg = {.sz = sizeof sg};
    assert_int_equal(tyr_btf_get_stats(bulk_btf, &sa), 0);
    assert_int_equal(tyr_btf_get_stats(general_btf, &sg), 0);
    print_message("%s: %u of %u types agree between the bulk and the general import into %s "
                  "(strings %u bytes against %u)\n",
                  what, agree, n - 1, marker ? "a registry holding a type" : "an empty registry",
                  len, g->strs_len);
    assert_int_equal(agree, n - 1);
    assert_memory_equal(&sa, &sg, sizeof sa);
    assert_int_equal(a->nfields, g->nfields);
    assert_int_equal(a->nenums, g->nenums);
    assert_int_equal(a->nparams, g->nparams);
    assert_int_equal(a->nlayouts, g->nlayouts);
    assert_int_equal(a->nnamed + ahead, g->nnamed);
    if (!marker)
        tyr_registry_release(g, &snap);
    /* the bulk registry is a valid blob */
    void *buf;
    size_t blen;
    assert_int_equal(tyr_blob_write_mem(a, NULL, &buf, &blen), 0);
    assert_int_equal(tyr_blob_verify(buf, blen, NULL), 0);
    tyr_blob_buf_free(buf);
    tyr_registry_free(g);
    return a;
}

/* After a bulk import, builders intern into the adopted table: a name it holds is found
 * (no second copy), a new one is appended, and name lookups see both. */
static void expect_interning_works(tyr_registry *a, const char *known)
{
    tyr_type k, t, u;
    assert_int_equal(tyr_find(a, known, TYR_KIND_ANY, &k), 0);
    uint32_t len = a->strs_len;
    assert_int_equal(tyr_add_typedef(a, known, k, &t), 0);
    assert_int_equal(a->strs_len, len);
    assert_int_equal(tyr__type(a, t.id)->name, tyr__type(a, k.id)->name);
    assert_int_equal(tyr_add_typedef(a, "tyr_bulk_test_new_name", k, &u), 0);
    assert_int_equal(a->strs_len, len + sizeof "tyr_bulk_test_new_name");
    assert_int_equal(tyr_add_typedef(a, "tyr_bulk_test_new_name", u, &t), 0);
    assert_int_equal(a->strs_len, len + sizeof "tyr_bulk_test_new_name");
    tyr_type found;
    assert_int_equal(tyr_find(a, "tyr_bulk_test_new_name", TYR_KIND_TYPEDEF, &found), 0);
    assert_int_equal(found.id, t.id);
}

static void test_every_kind(void **state)
{
    (void)state;
    struct btf *btf = build_every();
    tyr_btf *b1 = open_raw(btf), *b2 = open_raw(btf), *b3 = open_raw(btf);
    tyr_registry_free(both_ways(b1, b3, "every kind", false));
    tyr_btf_forget(b1);
    tyr_registry *a = both_ways(b1, b2, "every kind", true);
    tyr_type node;
    assert_int_equal(tyr_find(a, "node", TYR_KIND_STRUCT, &node), 0);
    assert_int_equal(tyr_type_size(a, node), 48);
    expect_interning_works(a, "node");
    tyr_registry_free(a);
    tyr_btf_free(b1);
    tyr_btf_free(b2);
    tyr_btf_free(b3);
    btf__free(btf);
}

static void test_fixture(void **state)
{
    (void)state;
    if (access(TYR_FX_BTF, R_OK)) {
        print_message("skip: %s missing (pahole --btf_encode_detached not available)\n",
                      TYR_FX_BTF);
        skip();
    }
    tyr_btf *b1, *b2, *b3;
    assert_int_equal(tyr_btf_open(TYR_FX_BTF, NULL, &b1, NULL), 0);
    assert_int_equal(tyr_btf_open(TYR_FX_BTF, NULL, &b2, NULL), 0);
    assert_int_equal(tyr_btf_open(TYR_FX_BTF, NULL, &b3, NULL), 0);
    tyr_registry_free(both_ways(b1, b3, "fixture", false));
    tyr_btf_forget(b1);
    tyr_registry *a = both_ways(b1, b2, "fixture", true);
    expect_interning_works(a, "int");
    tyr_registry_free(a);
    tyr_btf_free(b1);
    tyr_btf_free(b2);
    tyr_btf_free(b3);
}

static void test_vmlinux(void **state)
{
    (void)state;
    if (access(TYR_BTF_VMLINUX, R_OK)) {
        print_message("skip: %s does not exist (kernel without CONFIG_DEBUG_INFO_BTF)\n",
                      TYR_BTF_VMLINUX);
        skip();
    }
    tyr_btf *b1, *b2;
    assert_int_equal(tyr_btf_open(TYR_BTF_VMLINUX, NULL, &b1, NULL), 0);
    assert_int_equal(tyr_btf_open(TYR_BTF_VMLINUX, NULL, &b2, NULL), 0);
    /* (a registry holding a type first would not do: the general path that looks for equal
     * types finds one pair in the kernel's BTF and shares it, which an import into an empty
     * registry does not look for, bulk or not) */
    tyr_registry *a = both_ways(b1, b2, "vmlinux", false);
    expect_interning_works(a, "task_struct");
    tyr_registry_free(a);
    tyr_btf_free(b1);
    tyr_btf_free(b2);
}

/* Under an open snapshot the registry refuses the adoption: the general path, and a
 * rollback leaves the registry empty and usable. */
static void test_snapshot(void **state)
{
    (void)state;
    struct btf *btf = build_every();
    tyr_btf *b = open_raw(btf);
    tyr_registry *reg;
    assert_int_equal(tyr_registry_new(NULL, &reg), 0);
    tyr_snapshot snap;
    assert_int_equal(tyr_registry_snapshot(reg, &snap), 0);
    assert_int_equal(tyr_btf_import_all(b, reg, NULL, NULL), 0);
    assert_non_null(reg->intern); /* built by the general path's builders */
    tyr_registry_rollback(reg, &snap);
    assert_int_equal(tyr_registry_type_count(reg), 1);
    assert_int_equal(reg->strs_len, 1);
    /* and the bulk path on the emptied registry, then a rollback past nothing */
    tyr_btf_forget(b);
    assert_int_equal(tyr_btf_import_all(b, reg, NULL, NULL), 0);
    assert_null(reg->intern); /* adopted: the set waits for its first use */
    tyr_type t;
    assert_int_equal(tyr_find(reg, "walk", TYR_KIND_FUNC, &t), 0);
    assert_int_equal(tyr_registry_snapshot(reg, &snap), 0);
    tyr_type x;
    assert_int_equal(tyr_add_int(reg, "tyr_bulk_test_after", 8, 0, &x), 0);
    tyr_registry_rollback(reg, &snap);
    assert_int_equal(tyr_find(reg, "tyr_bulk_test_after", TYR_KIND_ANY, &x), TYR_ENOENT);
    assert_int_equal(tyr_add_int(reg, "tyr_bulk_test_after", 8, 0, &x), 0);
    tyr_registry_free(reg);
    tyr_btf_free(b);
    btf__free(btf);
}

/* BTF whose struct "bad" (id *bad) fails, a member past its end, after the int and the
 * struct "good" it holds were appended. */
static struct btf *build_fails(int *bad)
{
    struct btf *btf = btf__new_empty();
    int i = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
    int good = btf__add_struct(btf, "good", 4);
    btf__add_field(btf, "y", i, 0, 0);
    *bad = btf__add_struct(btf, "bad", 8);
    btf__add_field(btf, "g", good, 0, 0);
    btf__add_field(btf, "x", i, 64, 0); /* bytes 8..11 of an 8-byte struct */
    assert_true(btf__add_typedef(btf, "bad_t", *bad) > 0);
    return btf;
}

/* A bulk import that fails empties the registry again: byte for byte a new registry, no name
 * of the BTF found, its counters unchanged; twice in a row (the handle binds afresh and takes
 * the bulk path again). Then the same handle imports a type, another handle imports a whole
 * BTF by the bulk path, and the builders intern: each as into a new registry. */
static void test_failure_empties(void **state)
{
    (void)state;
    int bad;
    struct btf *fails = build_fails(&bad), *every = build_every();
    tyr_btf *b = open_raw(fails), *b_fresh = open_raw(fails);
    tyr_btf *e = open_raw(every), *e_fresh = open_raw(every);
    tyr_registry *reg, *fresh;
    assert_int_equal(tyr_registry_new(NULL, &reg), 0);
    assert_int_equal(tyr_registry_new(NULL, &fresh), 0);
    for (int round = 0; round < 2; round++) {
        tyr_diag diag = {0};
        assert_int_equal(tyr_btf_import_all(b, reg, NULL, &diag), TYR_ERANGE);
        assert_int_equal(diag.offset, (uint64_t)bad);
        assert_int_equal(tyr_registry_type_count(reg), 1);
        assert_int_equal(reg->strs_len, 1);
        reg_state_expect_same(reg, fresh);
        tyr_type t;
        assert_int_equal(tyr_find(reg, "good", TYR_KIND_ANY, &t), TYR_ENOENT);
        assert_int_equal(tyr_find(reg, "int", TYR_KIND_ANY, &t), TYR_ENOENT);
        tyr_btf_stats st = {.sz = sizeof st};
        assert_int_equal(tyr_btf_get_stats(b, &st), 0);
        assert_int_equal(st.imported, 0);
    }
    /* the same handle, the general path */
    tyr_type g, g_fresh;
    assert_int_equal(tyr_btf_import_type(b, reg, "good", TYR_KIND_STRUCT, &g, NULL), 0);
    assert_int_equal(tyr_btf_import_type(b_fresh, fresh, "good", TYR_KIND_STRUCT, &g_fresh,
                                         NULL), 0);
    assert_int_equal(g.id, g_fresh.id);
    reg_state_expect_same(reg, fresh);
    tyr_registry_free(reg);
    tyr_registry_free(fresh);
    /* another BTF whole, by the bulk path, into a registry a failed bulk import emptied */
    assert_int_equal(tyr_registry_new(NULL, &reg), 0);
    assert_int_equal(tyr_registry_new(NULL, &fresh), 0);
    assert_int_equal(tyr_btf_import_all(b, reg, NULL, NULL), TYR_ERANGE);
    assert_int_equal(tyr_btf_import_all(e, reg, NULL, NULL), 0);
    assert_null(reg->intern); /* adopted: the set waits for its first use */
    assert_int_equal(tyr_btf_import_all(e_fresh, fresh, NULL, NULL), 0);
    reg_state_expect_same(reg, fresh);
    expect_interning_works(reg, "node");
    tyr_registry_free(reg);
    tyr_registry_free(fresh);
    /* the builders on an emptied registry */
    assert_int_equal(tyr_registry_new(NULL, &reg), 0);
    assert_int_equal(tyr_registry_new(NULL, &fresh), 0);
    assert_int_equal(tyr_btf_import_all(b, reg, NULL, NULL), TYR_ERANGE);
    tyr_type x, y;
    assert_int_equal(tyr_add_int(reg, "good", 4, 0, &x), 0);
    assert_int_equal(tyr_add_int(fresh, "good", 4, 0, &y), 0);
    assert_int_equal(tyr_add_typedef(reg, "int", x, &x), 0);
    assert_int_equal(tyr_add_typedef(fresh, "int", y, &y), 0);
    reg_state_expect_same(reg, fresh);
    assert_int_equal(tyr_find(reg, "int", TYR_KIND_TYPEDEF, &y), 0);
    assert_int_equal(y.id, x.id);
    /* ids the failed import had issued are issued again, to other types: the handle asked
     * for "good" again makes it anew, it does not answer with its old id */
    for (int i = 0; i < 8; i++)
        assert_int_equal(tyr_add_ptr(reg, x, &y), 0);
    tyr_type_info gi;
    assert_int_equal(tyr_btf_import_type(b, reg, "good", TYR_KIND_STRUCT, &g, NULL), 0);
    assert_int_equal(tyr_type_get(reg, g, &gi), 0);
    assert_int_equal(gi.kind, TYR_KIND_STRUCT);
    assert_string_equal(gi.name, "good");
    assert_int_equal(gi.count, 1);
    tyr_registry_free(reg);
    tyr_registry_free(fresh);
    tyr_btf_free(b);
    tyr_btf_free(b_fresh);
    tyr_btf_free(e);
    tyr_btf_free(e_fresh);
    btf__free(fails);
    btf__free(every);
}

int main(void)
{
    libbpf_set_print(fx_libbpf_quiet);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_kind),
        cmocka_unit_test(test_fixture),
        cmocka_unit_test(test_vmlinux),
        cmocka_unit_test(test_snapshot),
        cmocka_unit_test(test_failure_empties),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

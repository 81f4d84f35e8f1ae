/* SPDX-License-Identifier: MIT */
/*
 * Imports are all or nothing: a failed or cancelled import leaves the registry byte for byte
 * as it was (tyr_registry_snapshot/rollback, and the DWARF importer's use of them).
 *
 * The allocation-failure test fails the Nth allocation tyr makes, for every N of a small
 * import (tests/alloc_fail.h; libdwarf's allocations, in its shared library, are not failed).
 */
#include "alloc_fail.h"
#include "dwarf_fixture.h"
#include "reg_state.h"

/* ---- The registry alone ---- */

/* A registry with a declared struct, a complete one, an enum and a prototype that later
 * calls can change in place. */
static void build_base(tyr_registry *reg, tyr_struct *decl, tyr_struct *full, tyr_type *e,
                       tyr_type *proto, tyr_type *i32)
{
    tyr_type p;
    assert_int_equal(tyr_add_int(reg, "int", 4, TYR_INT_SIGNED, i32), 0);
    assert_int_equal(tyr_struct_declare(reg, TYR_KIND_STRUCT, "later", decl), 0);
    assert_int_equal(tyr_struct_new(reg, TYR_KIND_STRUCT, "pair", 8, 4, 0, full), 0);
    assert_int_equal(tyr_struct_add_field(reg, *full, "a", *i32, 0, 0, 0), 0);
    assert_int_equal(tyr_enum_new(reg, "colour", 4, 0, e), 0);
    assert_int_equal(tyr_enum_add(reg, *e, "RED", 0), 0);
    assert_int_equal(tyr_add_ptr(reg, tyr_struct_type(*decl), &p), 0);
    assert_int_equal(tyr_func_proto_new(reg, *i32, 0, proto), 0);
    assert_int_equal(tyr_func_proto_add_param(reg, *proto, "x", p), 0);
}

/* Every kind of change, to new records and to records older than the snapshot. */
static void change_everything(tyr_registry *reg, tyr_struct decl, tyr_struct full, tyr_type e,
                              tyr_type proto, tyr_type i32)
{
    tyr_type t, arr;
    char name[32];
    assert_int_equal(tyr_struct_complete(reg, decl, 16, 8, 0), 0);
    assert_int_equal(tyr_struct_add_field(reg, decl, "inner", tyr_struct_type(full), 0, 0, 0),
                     0);
    assert_int_equal(tyr_struct_add_field(reg, full, "b", i32, 4, 0, 0), TYR_ESEALED);
    assert_int_equal(tyr_enum_add(reg, e, "GREEN", 1), 0);
    assert_int_equal(tyr_func_proto_add_param(reg, proto, "y", i32), 0);
    assert_int_equal(tyr_add_array(reg, tyr_struct_type(decl), 3, 0, &arr), 0);
    /* enough new names to grow the string intern set and the name index */
    for (int i = 0; i < 300; i++) {
        snprintf(name, sizeof name, "td_%d", i);
        assert_int_equal(tyr_add_typedef(reg, name, arr, &t), 0);
    }
}

static void test_rollback_restores_bytes(void **state)
{
    (void)state;
    tyr_registry *reg = NULL;
    tyr_struct decl, full;
    tyr_type e, proto, i32, found;
    tyr_snapshot snap;

    assert_int_equal(tyr_registry_new(NULL, &reg), 0);
    build_base(reg, &decl, &full, &e, &proto, &i32);
    struct reg_state before = reg_state_of(reg);

    assert_int_equal(tyr_registry_snapshot(reg, &snap), 0);
    change_everything(reg, decl, full, e, proto, i32);
    assert_int_equal(tyr_find(reg, "td_7", TYR_KIND_TYPEDEF, &found), 0);
    tyr_registry_rollback(reg, &snap);

    reg_state_expect(reg, &before);
    assert_int_equal(tyr_find(reg, "td_7", TYR_KIND_TYPEDEF, &found), TYR_ENOENT);
    assert_int_equal(tyr_find(reg, "pair", TYR_KIND_STRUCT, &found), 0);
    assert_int_equal(found.id, tyr_struct_type(full).id);
    /* the declared struct is declared again, the sealed one open again */
    assert_int_equal(tyr_type_size(reg, tyr_struct_type(decl)), 0);
    assert_int_equal(tyr_struct_add_field(reg, full, "b", i32, 4, 0, 0), 0);
    /* the same changes can be made again after the rollback */
    assert_int_equal(tyr_registry_snapshot(reg, &snap), 0);
    reg_state_free(&before);
    before = reg_state_of(reg);
    tyr_registry_rollback(reg, &snap);
    reg_state_expect(reg, &before);
    reg_state_free(&before);
    tyr_registry_free(reg);
}

static void test_nested_and_release(void **state)
{
    (void)state;
    tyr_registry *reg = NULL;
    tyr_struct decl, full;
    tyr_type e, proto, i32, t;
    tyr_snapshot outer, inner;

    assert_int_equal(tyr_registry_new(NULL, &reg), 0);
    build_base(reg, &decl, &full, &e, &proto, &i32);
    struct reg_state base = reg_state_of(reg);

    uint64_t gen = tyr_registry_generation(reg);
    assert_int_equal(tyr_registry_snapshot(reg, &outer), 0);
    assert_int_equal(tyr_add_typedef(reg, "kept", i32, &t), 0);
    assert_true(tyr_registry_generation(reg) == gen); /* adding keeps every cached id right */
    struct reg_state mid = reg_state_of(reg);
    assert_int_equal(tyr_registry_snapshot(reg, &inner), 0);
    change_everything(reg, decl, full, e, proto, i32);
    tyr_registry_rollback(reg, &inner); /* back to mid */
    reg_state_expect(reg, &mid);
    /* a rollback renews it: ids issued inside the snapshot may come back as other types */
    assert_true(tyr_registry_generation(reg) != gen);
    gen = tyr_registry_generation(reg);
    tyr_registry *other = NULL;
    assert_int_equal(tyr_registry_new(NULL, &other), 0);
    assert_true(tyr_registry_generation(other) != gen);
    assert_true(tyr_registry_generation(other) != 0);
    tyr_registry_free(other);
    assert_true(tyr_registry_generation(NULL) == 0);
    assert_int_equal(tyr_registry_snapshot(reg, &inner), 0);
    assert_int_equal(tyr_struct_complete(reg, decl, 4, 4, 0), 0);
    tyr_registry_release(reg, &inner); /* kept until the outer rollback */
    assert_int_equal(tyr_type_size(reg, tyr_struct_type(decl)), 4);
    tyr_registry_rollback(reg, &outer); /* undoes the released inner changes too */
    reg_state_expect(reg, &base);

    /* released at the outermost level: kept */
    assert_int_equal(tyr_registry_snapshot(reg, &outer), 0);
    assert_int_equal(tyr_add_typedef(reg, "kept", i32, &t), 0);
    tyr_registry_release(reg, &outer);
    reg_state_expect(reg, &mid);
    reg_state_free(&base);
    reg_state_free(&mid);
    tyr_registry_free(reg);
}

/* ---- The DWARF importer ---- */

static int stop_after(void *ctx, uint32_t done, uint32_t total)
{
    (void)total;
    return done >= *(uint32_t *)ctx ? 42 : 0; /* the import returns it unchanged */
}

/* A cancelled import-all after its first unit leaves the registry as it was. */
static void test_cancelled_import_all(void **state)
{
    (void)state;
    tyr_dwarf *dw = open_fx("fx-gcc-d5-O0");
    tyr_registry *reg = NULL;
    tyr_type fn;
    uint32_t stop = 1;
    assert_int_equal(tyr_registry_new(NULL, &reg), 0);
    assert_int_equal(tyr_dwarf_import_func(dw, reg, "walk", &fn, NULL), 0);
    struct reg_state before = reg_state_of(reg);

    assert_int_equal(tyr_dwarf_import_all(dw, reg,
                                               TYR_OPTS(tyr_dwarf_all_opts,
                                                        .flags = TYR_DWARF_ALL_FUNCS,
                                                        .progress = stop_after, .ctx = &stop), NULL),
                     42);
    reg_state_expect(reg, &before);
    /* the handle still works, and imports the same again */
    assert_int_equal(tyr_dwarf_import_all(dw, reg, NULL, NULL), 0);
    assert_true(tyr_registry_type_count(reg) > before.types);
    reg_state_free(&before);
    tyr_registry_free(reg);
    tyr_dwarf_free(dw);
}

/* Fail the Nth allocation of one function's import, for every N until the import succeeds:
 * each failure is TYR_ENOMEM with the registry unchanged. */
static void test_alloc_failure_every_n(void **state)
{
    (void)state;
    tyr_dwarf *dw = open_fx("fx-gcc-d5-O0");
    tyr_registry *reg = NULL;
    tyr_type fn, first;
    long n, failures = 0;
    int err;

    assert_int_equal(tyr_registry_new(NULL, &reg), 0);
    assert_int_equal(tyr_dwarf_import_type(dw, reg, "e1u", TYR_KIND_ENUM, &first, NULL), 0);
    struct reg_state before = reg_state_of(reg);
    for (n = 0;; n++) {
        alloc_countdown = n;
        err = tyr_dwarf_import_func(dw, reg, "walk", &fn, NULL);
        alloc_countdown = -1;
        if (err == 0)
            break;
        assert_int_equal(err, TYR_ENOMEM);
        reg_state_expect(reg, &before);
        failures++;
        assert_true(n < 100000);
    }
    assert_true(failures > 0); /* the import allocates: some N failed */
    assert_true(tyr_registry_type_count(reg) > before.types);
    reg_state_free(&before);
    tyr_registry_free(reg);
    tyr_dwarf_free(dw);
}

/* Members whose place or value needs an escape entry (a byte offset past 4 GiB, a 64-bit
 * enumerator), each added to a record whose range must move to the table's end, while the
 * Nth allocation fails, for every N: each failure is TYR_ENOMEM and a rollback restores the
 * registry byte for byte; the member added at last reads back as it was given; a rollback
 * past more such members restores it too. */
static void test_wide_member_alloc_failure(void **state)
{
    (void)state;
    const uint64_t far = (UINT64_C(1) << 32) + 8;
    tyr_registry *reg = NULL;
    tyr_struct huge, other;
    tyr_type i32, big, small;
    assert_int_equal(tyr_registry_new(NULL, &reg), 0);
    assert_int_equal(tyr_add_int(reg, "int", 4, TYR_INT_SIGNED, &i32), 0);
    assert_int_equal(tyr_struct_new(reg, TYR_KIND_STRUCT, "huge", far + 16, 8, 0, &huge), 0);
    assert_int_equal(tyr_struct_add_field(reg, huge, "w0", i32, far, 0, 0), 0);
    assert_int_equal(tyr_enum_new(reg, "big", 8, 0, &big), 0);
    assert_int_equal(tyr_enum_add(reg, big, "B0", UINT64_C(1) << 40), 0);
    /* records after them, so that adding to huge or big moves its range to the end */
    assert_int_equal(tyr_struct_new(reg, TYR_KIND_STRUCT, "other", 4, 4, 0, &other), 0);
    assert_int_equal(tyr_struct_add_field(reg, other, "x", i32, 0, 0, 0), 0);
    assert_int_equal(tyr_enum_new(reg, "small", 4, 0, &small), 0);
    assert_int_equal(tyr_enum_add(reg, small, "S0", 1), 0);
    struct reg_state before = reg_state_of(reg);
    long failures = 0;
    for (int step = 0; step < 2; step++) {
        for (long n = 0;; n++) {
            tyr_snapshot snap;
            assert_int_equal(tyr_registry_snapshot(reg, &snap), 0);
            alloc_countdown = n;
            int err = step == 0 ? tyr_struct_add_field(reg, huge, "w1", i32, far + 8, 3, 5)
                                : tyr_enum_add(reg, big, "B1", UINT64_C(0xfedcba9876543210));
            alloc_countdown = -1;
            if (err == 0) {
                tyr_registry_release(reg, &snap);
                break;
            }
            assert_int_equal(err, TYR_ENOMEM);
            tyr_registry_rollback(reg, &snap);
            reg_state_expect(reg, &before);
            failures++;
            assert_true(n < 1000);
        }
        reg_state_free(&before);
        before = reg_state_of(reg);
    }
    assert_true(failures > 0); /* the escapes and the moved ranges allocate */
    /* a rollback drops the escapes of the members it drops */
    tyr_snapshot snap;
    assert_int_equal(tyr_registry_snapshot(reg, &snap), 0);
    assert_int_equal(tyr_struct_add_field(reg, huge, "w2", i32, far + 12, 0, 0), 0);
    assert_int_equal(tyr_enum_add(reg, big, "B2", UINT64_C(1) << 50), 0);
    tyr_registry_rollback(reg, &snap);
    reg_state_expect(reg, &before);
    tyr_field_info f;
    assert_int_equal(tyr_field_at(reg, tyr_struct_type(huge), 0, &f), 0);
    assert_true(f.offset == far && f.bit_size == 0);
    assert_int_equal(tyr_field_at(reg, tyr_struct_type(huge), 1, &f), 0);
    assert_true(f.offset == far + 8 && f.bit_offset == 3 && f.bit_size == 5);
    assert_string_equal(f.name, "w1");
    tyr_enumerator_info en;
    assert_int_equal(tyr_enumerator_at(reg, big, 1, &en), 0);
    assert_true(en.value == UINT64_C(0xfedcba9876543210));
    assert_int_equal(tyr_enumerator_at(reg, big, 0, &en), 0);
    assert_true(en.value == UINT64_C(1) << 40);
    void *buf;
    size_t len;
    assert_int_equal(tyr_blob_write_mem(reg, NULL, &buf, &len), 0);
    assert_int_equal(tyr_blob_verify(buf, len, NULL), 0);
    tyr_blob_buf_free(buf);
    reg_state_free(&before);
    tyr_registry_free(reg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rollback_restores_bytes),
        cmocka_unit_test(test_nested_and_release),
        cmocka_unit_test(test_cancelled_import_all),
        cmocka_unit_test(test_alloc_failure_every_n),
        cmocka_unit_test(test_wide_member_alloc_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

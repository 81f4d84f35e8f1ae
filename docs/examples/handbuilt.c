/* SPDX-License-Identifier: MIT */
/*
 * The demo until the DWARF importer lands: build the types of linked_list.h by hand through
 * the registry API (sizes and offsets from sizeof/offsetof of the same declarations), then
 * read them back through the query API only: each type's C spelling, size and fields with
 * offsets, a few field paths, a name lookup, and walk()'s signature as a uprobe lists it.
 * It checks what it reads against the compiler's layout and exits non-zero on a mismatch, so
 * it doubles as a test (example_handbuilt).
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tyr/tyr.h"

#include "linked_list.h"

struct demo {
    tyr_registry *reg;
    tyr_type t_int, t_uint, t_char, t_ulong, t_double, t_state;
    tyr_type t_node, t_payload, t_stats, t_list, t_node_t, t_walk;
};

#define TRY(call)                                                                     \
    do {                                                                              \
        int err_ = (call);                                                            \
        if (err_ < 0) {                                                               \
            fprintf(stderr, "handbuilt: %s: %s\n", #call, tyr_strerror(err_));        \
            return err_;                                                              \
        }                                                                             \
    } while (0)

/* Declare a struct by name now and hand back its handle as a type. */
static int declare(tyr_registry *reg, const char *name, tyr_struct *s, tyr_type *t)
{
    TRY(tyr_struct_declare(reg, TYR_KIND_STRUCT, name, s));
    *t = tyr_struct_type(*s);
    return 0;
}

static int build(struct demo *d)
{
    tyr_registry *reg = d->reg;
    tyr_struct node, payload, stats, list;
    tyr_type node_ptr, void_ptr, cchar, cchar_ptr, tag, proto, visit_ptr, walk_proto;

    /* Base types. */
    TRY(tyr_add_int(reg, "int", 4, TYR_INT_SIGNED, &d->t_int));
    TRY(tyr_add_int(reg, "unsigned int", 4, 0, &d->t_uint));
    TRY(tyr_add_int(reg, "char", 1, TYR_INT_SIGNED | TYR_INT_CHAR, &d->t_char));
    TRY(tyr_add_int(reg, "long unsigned int", 8, 0, &d->t_ulong));
    TRY(tyr_add_float(reg, "double", 8, 64, &d->t_double));

    /* enum node_state: signed, 4 bytes. */
    TRY(tyr_enum_new(reg, "node_state", sizeof(enum node_state), TYR_ENUM_SIGNED, &d->t_state));
    TRY(tyr_enum_add(reg, d->t_state, "NODE_FREE", (uint64_t)(int64_t)NODE_FREE));
    TRY(tyr_enum_add(reg, d->t_state, "NODE_LIVE", (uint64_t)(int64_t)NODE_LIVE));
    TRY(tyr_enum_add(reg, d->t_state, "NODE_DEAD", (uint64_t)(int64_t)NODE_DEAD));

    /* struct Node is declared first so that `struct Node *next` can point at it. */
    TRY(declare(reg, "Node", &node, &d->t_node));
    TRY(tyr_add_ptr(reg, d->t_node, &node_ptr));
    TRY(tyr_add_ptr(reg, TYR_VOID, &void_ptr));
    TRY(tyr_add_qual(reg, TYR_KIND_CONST, d->t_char, &cchar));
    TRY(tyr_add_ptr(reg, cchar, &cchar_ptr));
    TRY(tyr_add_array(reg, d->t_char, 8, 0, &tag));

    /* struct Payload: the bitfields share one unsigned int right after tag[8]. */
    TRY(declare(reg, "Payload", &payload, &d->t_payload));
    TRY(tyr_struct_complete(reg, payload, sizeof(struct Payload), _Alignof(struct Payload), 0));
    TRY(tyr_struct_add_field(reg, payload, "tag", tag, offsetof(struct Payload, tag), 0, 0));
    TRY(tyr_struct_add_field(reg, payload, "flags", d->t_uint, sizeof(char[8]), 0, 3));
    TRY(tyr_struct_add_field(reg, payload, "kind", d->t_uint, sizeof(char[8]), 3, 5));
    TRY(tyr_struct_add_field(reg, payload, "state", d->t_state,
                             offsetof(struct Payload, state), 0, 0));
    TRY(tyr_struct_add_field(reg, payload, "score", d->t_double,
                             offsetof(struct Payload, score), 0, 0));

    /* struct Node, completing the declaration: its handle does not change. */
    TRY(tyr_struct_complete(reg, node, sizeof(struct Node), _Alignof(struct Node), 0));
    TRY(tyr_struct_add_field(reg, node, "next", node_ptr, offsetof(struct Node, next), 0, 0));
    TRY(tyr_struct_add_field(reg, node, "val", d->t_int, offsetof(struct Node, val), 0, 0));
    TRY(tyr_struct_add_field(reg, node, "payload", d->t_payload,
                             offsetof(struct Node, payload), 0, 0));
    TRY(tyr_struct_add_field(reg, node, "label", cchar_ptr, offsetof(struct Node, label), 0, 0));
    TRY(tyr_add_typedef(reg, "node_t", d->t_node, &d->t_node_t));

    /* struct Stats and struct List, with its int (*visit)(struct Node *, void *). */
    TRY(tyr_struct_new(reg, TYR_KIND_STRUCT, "Stats", sizeof(struct Stats),
                       _Alignof(struct Stats), 0, &stats));
    d->t_stats = tyr_struct_type(stats);
    TRY(tyr_struct_add_field(reg, stats, "visits", d->t_ulong, offsetof(struct Stats, visits),
                             0, 0));
    TRY(tyr_struct_add_field(reg, stats, "bytes", d->t_ulong, offsetof(struct Stats, bytes), 0,
                             0));
    TRY(tyr_func_proto_new(reg, d->t_int, 0, &proto));
    TRY(tyr_func_proto_add_param(reg, proto, "n", node_ptr));
    TRY(tyr_func_proto_add_param(reg, proto, "ctx", void_ptr));
    TRY(tyr_add_ptr(reg, proto, &visit_ptr));
    TRY(tyr_struct_new(reg, TYR_KIND_STRUCT, "List", sizeof(struct List), _Alignof(struct List),
                       0, &list));
    d->t_list = tyr_struct_type(list);
    TRY(tyr_struct_add_field(reg, list, "head", node_ptr, offsetof(struct List, head), 0, 0));
    TRY(tyr_struct_add_field(reg, list, "stats", d->t_stats, offsetof(struct List, stats), 0,
                             0));
    TRY(tyr_struct_add_field(reg, list, "visit", visit_ptr, offsetof(struct List, visit), 0, 0));

    /* int walk(struct Node *n): the probe signature. */
    TRY(tyr_func_proto_new(reg, d->t_int, 0, &walk_proto));
    TRY(tyr_func_proto_add_param(reg, walk_proto, "n", node_ptr));
    TRY(tyr_func_new(reg, "walk", walk_proto, &d->t_walk));
    return 0;
}

/* The C spelling of t, declaring `decl` when not NULL. */
static const char *spell(const tyr_registry *reg, tyr_type t, const char *decl, uint32_t flags,
                         char *buf, size_t len)
{
    int n = tyr_type_spell(reg, t, decl, flags, buf, len);
    if (n < 0)
        snprintf(buf, len, "<%s>", tyr_strerror(n));
    return buf;
}

static int print_record(const tyr_registry *reg, tyr_type rec)
{
    char buf[256];
    tyr_type_info info;
    TRY(tyr_type_get(reg, rec, &info));
    printf("%s: size %" PRIu64 ", align %u, %u fields\n", spell(reg, rec, NULL, 0, buf, sizeof buf),
           info.size, info.align, info.count);
    printf("    offset  size  member\n");
    for (uint32_t i = 0; i < info.count; i++) {
        tyr_field_info f;
        TRY(tyr_field_at(reg, rec, i, &f));
        spell(reg, f.type, f.name, 0, buf, sizeof buf);
        if (f.bit_size)
            printf("    %6" PRIu64 "  %4" PRIu64 "  %s : %u;  /* bits %u..%u of that unit */\n",
                   f.offset, tyr_type_size(reg, f.type), buf, f.bit_size, f.bit_offset,
                   f.bit_offset + f.bit_size - 1);
        else
            printf("    %6" PRIu64 "  %4" PRIu64 "  %s;\n", f.offset, tyr_type_size(reg, f.type),
                   buf);
    }
    printf("\n");
    return 0;
}

static int failures;

static void expect(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "handbuilt: MISMATCH: %s\n", what);
        failures++;
    }
}

/* Resolve a field path and check it against the compiler's offset (and bitfield, if any). */
static int show_path(const tyr_registry *reg, tyr_type from, const char *from_name,
                     const char *path, uint64_t want_offset, uint32_t want_bits)
{
    char buf[256];
    tyr_field_info f;
    TRY(tyr_field_path(reg, from, path, &f));
    printf("    %s.%-16s offset %3" PRIu64, from_name, path, f.offset);
    if (f.bit_size)
        printf(", bits %2u..%2u", f.bit_offset, f.bit_offset + f.bit_size - 1);
    else
        printf("              ");
    printf("  %s\n", spell(reg, f.type, NULL, 0, buf, sizeof buf));
    expect(f.offset == want_offset, path);
    expect(f.bit_size == want_bits, path);
    return 0;
}

static int report(struct demo *d)
{
    const tyr_registry *reg = d->reg;
    char buf[256];
    tyr_type found;

    printf("== The types, read back through the query API ==\n\n");
    TRY(print_record(reg, d->t_node));
    TRY(print_record(reg, d->t_payload));
    TRY(print_record(reg, d->t_stats));
    TRY(print_record(reg, d->t_list));
    expect(tyr_type_size(reg, d->t_node) == sizeof(struct Node), "sizeof(struct Node)");

    printf("enum node_state: size %" PRIu64 "\n", tyr_type_size(reg, d->t_state));
    for (uint32_t i = 0;; i++) {
        tyr_enumerator_info e;
        if (tyr_enumerator_at(reg, d->t_state, i, &e) < 0)
            break;
        printf("    %s = %" PRId64 "\n", e.name, (int64_t)e.value);
    }
    printf("\n");

    printf("== Field paths (offsets from the start of the outer struct) ==\n\n");
    TRY(show_path(reg, d->t_node, "Node", "val", offsetof(struct Node, val), 0));
    TRY(show_path(reg, d->t_node, "Node", "payload.tag[3]",
                  offsetof(struct Node, payload) + offsetof(struct Payload, tag) + 3, 0));
    TRY(show_path(reg, d->t_node, "Node", "payload.kind", offsetof(struct Node, payload) + 8, 5));
    TRY(show_path(reg, d->t_node, "Node", "payload.score",
                  offsetof(struct Node, payload) + offsetof(struct Payload, score), 0));
    TRY(show_path(reg, d->t_list, "List", "stats.bytes",
                  offsetof(struct List, stats) + offsetof(struct Stats, bytes), 0));
    printf("\n");

    printf("== Lookups by name (the hash index in the arena) ==\n\n");
    TRY(tyr_find(reg, "Node", TYR_KIND_STRUCT, &found));
    printf("    struct Node     -> type %u (%s)\n", found.id,
           spell(reg, found, NULL, 0, buf, sizeof buf));
    expect(found.id == d->t_node.id, "tyr_find(Node)");
    TRY(tyr_find(reg, "node_t", TYR_KIND_TYPEDEF, &found));
    printf("    typedef node_t  -> type %u, stripped: %s\n", found.id,
           spell(reg, tyr_type_strip(reg, found, TYR_STRIP_ALL), NULL, 0, buf, sizeof buf));
    expect(tyr_type_strip(reg, found, TYR_STRIP_ALL).id == d->t_node.id, "strip(node_t)");
    printf("\n");

    /* The probe's arguments, as `bpftrace -lv 'uprobe:linked_list:walk'` lists them. */
    printf("== walk()'s arguments, as a uprobe lists them ==\n\n");
    printf("uprobe:linked_list:walk\n");
    tyr_type_info fn;
    TRY(tyr_type_get(reg, d->t_walk, &fn));
    for (uint32_t i = 0; i < fn.count; i++) {
        tyr_param_info p;
        TRY(tyr_param_at(reg, d->t_walk, i, &p));
        printf("    %s\n", spell(reg, p.type, p.name, TYR_SPELL_TIGHT, buf, sizeof buf));
        tyr_sized_type st = tyr_sized(reg, p.type);
        tyr_sized_type pointee = tyr_sized_pointee(reg, st);
        printf("      sized type {kind %s, size %" PRIu64 ", ref %u} -> pointee {kind %s, "
               "size %" PRIu64 ", ref %u}: plain values, no pointer to expire\n",
               tyr_kind_name(st.kind), st.size, st.id, tyr_kind_name(pointee.kind),
               pointee.size, pointee.id);
        expect(pointee.id == d->t_node.id && pointee.size == sizeof(struct Node), "pointee");
    }
    return 0;
}

int main(void)
{
    struct demo d = {0};
    int err;

    printf("tyr %s: the types of docs/examples/linked_list.c, BUILT BY HAND through the "
           "registry API\n(the DWARF importer has not landed yet; once it has, the demo "
           "imports them from the binary's debug info)\n\n",
           tyr_version_string());
    err = tyr_registry_new(NULL, &d.reg);
    if (err < 0) {
        fprintf(stderr, "handbuilt: tyr_registry_new: %s\n", tyr_strerror(err));
        return 1;
    }
    err = build(&d);
    if (err == 0) {
        printf("built %u types\n\n", tyr_registry_type_count(d.reg));
        err = report(&d);
    }
    tyr_registry_free(d.reg);
    if (err < 0 || failures) {
        fprintf(stderr, "handbuilt: FAILED (%d mismatches)\n", failures);
        return 1;
    }
    return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * Handles, kinds and the sized type.
 *
 * Every reference between types is a 32-bit handle, never a pointer: a type id is an index
 * into the registry's fixed-stride type table. Id 0 is void ("none"). A handle keeps its
 * meaning while the registry grows, and after the registry is written to a blob and mapped
 * back (a pruned write renumbers, and hands the caller the old-to-new map).
 *
 * A struct or union handle is the type id of its record, so a record type and "its struct"
 * are one number: there is no separate object that could expire (bpftrace's weak_ptr<Struct>).
 */
#ifndef TYR_TYPES_H
#define TYR_TYPES_H

#include <stdint.h>

#include "tyr/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One-member structs so that a raw integer or a wrong-kind id does not pass silently. */
typedef struct tyr_type { uint32_t id; } tyr_type;     /* any type; 0 = void */
typedef struct tyr_struct { uint32_t id; } tyr_struct; /* a STRUCT or UNION type id */

#define TYR_VOID ((tyr_type){0})

enum tyr_kind {
    TYR_KIND_VOID = 0,    /* only id 0 */
    TYR_KIND_INT = 1,     /* integers, bool, char: flags TYR_INT_*; 1/2/4/8/16 bytes */
    TYR_KIND_FLOAT = 2,   /* 4/8/16 bytes; bits: 32, 64, 80 (x87 in 16 bytes) or 128 */
    TYR_KIND_PTR = 3,     /* target = pointee (0 = void *); TYR_PTR_REF/_RVREF: a C++ reference */
    TYR_KIND_ARRAY = 4,   /* target = element; count elements; TYR_ARRAY_FLEX for [] */
    TYR_KIND_STRUCT = 5,  /* fields; TYR_STRUCT_DECL while only declared */
    TYR_KIND_UNION = 6,   /* as STRUCT */
    TYR_KIND_ENUM = 7,    /* enumerators; 1/2/4/8 bytes; TYR_ENUM_SIGNED */
    TYR_KIND_TYPEDEF = 8, /* name for target */
    TYR_KIND_CONST = 9,   /* qualifiers: target is the qualified type */
    TYR_KIND_VOLATILE = 10,
    TYR_KIND_RESTRICT = 11,
    TYR_KIND_ATOMIC = 12,
    TYR_KIND_FUNC_PROTO = 13, /* target = return type (0 = void); params; TYR_FUNC_VARARGS */
    TYR_KIND_FUNC = 14,       /* a named function (a probe signature); target = its FUNC_PROTO */
    TYR_KIND_UNKNOWN = 15,    /* a construct the importer could not express; size where known */
    TYR_KIND_COUNT_ = 16
};
/* For lookups that accept any kind. */
#define TYR_KIND_ANY (-1)

/* Flags, per kind; a flag is only valid on the kinds it names. */
enum {
    TYR_INT_SIGNED = 1u << 0, /* INT */
    TYR_INT_CHAR = 1u << 1,   /* INT: a character type (char, signed char, unsigned char) */
    TYR_INT_BOOL = 1u << 2,   /* INT: _Bool */
    TYR_PTR_REF = 1u << 0,    /* PTR: a C++ lvalue reference `T&` (held as a pointer) */
    TYR_PTR_RVREF = 1u << 1,  /* PTR: a C++ rvalue reference `T&&`; never with TYR_PTR_REF */
    /* PTR: a parameter declared by value (`Big b`) whose class the ABI passes by invisible
     * reference (a non-trivial copy constructor or destructor): the argument is the address
     * of the value. Spelled as the class, as the source and gdb show it; alone. */
    TYR_PTR_INVISIBLE = 1u << 2,
    TYR_ARRAY_FLEX = 1u << 0, /* ARRAY: flexible array member `T x[]` (count 0, size 0) */
    /* ARRAY: of a struct only declared when the array was made (`struct S (*p)[4]` inside
     * S): held behind pointers only, never by value; stored size 0, and its size is asked
     * of the element (count x its size, 0 while it is still only declared). */
    TYR_ARRAY_INCOMPLETE = 1u << 1,
    TYR_STRUCT_DECL = 1u << 0,   /* STRUCT/UNION: declared, not (yet) defined; size 0 */
    TYR_STRUCT_PACKED = 1u << 1, /* STRUCT/UNION: __attribute__((packed)) or equivalent */
    TYR_ENUM_SIGNED = 1u << 0,   /* ENUM: enumerator values are signed */
    TYR_FUNC_VARARGS = 1u << 0,  /* FUNC_PROTO: ends in `...` */
};

/* Member flags (tyr_field_info.flags): what a member of a C++ class is besides data. */
enum {
    /* A base class subobject: unnamed (its members are found by name through it, as C++
     * does), its type a struct, never a bitfield. */
    TYR_FIELD_BASE = 1u << 0,
    /* With TYR_FIELD_BASE: a virtual base. Where it lies is read from the vtable at run
     * time, so the member has no offset of its own (stored as 0) and is not part of the
     * static layout: decoders and layouts skip it. */
    TYR_FIELD_VIRTUAL = 1u << 1,
};

/*
 * The sized type: a plain 16-byte value, no padding, no pointers. Copy it into your own
 * resources and serialize it in your own format; it stays meaningful as long as the registry
 * (building or mapped) it came from, and across a full write and load of that registry.
 * `id` is the type's own handle (for a record, its struct handle): every query that takes
 * a tyr_type takes tyr_sized_type_id(st). ("ref" in this API means a C++ reference only:
 * TYR_PTR_REF, tyr_add_ref.)
 */
typedef struct tyr_sized_type {
    uint16_t kind;  /* enum tyr_kind of the type itself (a typedef stays TYPEDEF) */
    uint16_t flags; /* the type's TYR_* flags */
    uint32_t id;    /* the type's handle (the id of tyr_type) */
    uint64_t size;  /* bytes, typedefs and qualifiers resolved; 0 for void, functions, [] */
} tyr_sized_type;

static inline tyr_type tyr_sized_type_id(tyr_sized_type st)
{
    tyr_type t = {st.id};
    return t;
}

static inline tyr_struct tyr_type_as_struct_id(tyr_type t)
{
    tyr_struct s = {t.id};
    return s;
}

static inline tyr_type tyr_struct_type(tyr_struct s)
{
    tyr_type t = {s.id};
    return t;
}

/** @return "struct", "ptr", ... for a kind; "?" for an unknown value. Static storage. */
TYR_API const char *tyr_kind_name(int kind);

#ifdef __cplusplus
}
#endif

#endif /* TYR_TYPES_H */

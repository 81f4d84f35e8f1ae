/* SPDX-License-Identifier: MIT */
/*
 * The registry: one arena that owns every type, field, enumerator, parameter and string.
 *
 * A registry is either *building* (created by tyr_registry_new: heap-backed, growable) or
 * *mapped* (created by a loader in tyr/blob.h: a read-only view over bytes someone else owns).
 * Every query takes `const tyr_registry *` and answers the same in both modes. Builders
 * return TYR_EREADONLY on a mapped registry.
 *
 * Ownership: the registry owns everything it holds. Strings returned by queries (names) point
 * into the registry and live until tyr_registry_free(); they are never freed by the caller.
 * Handles are plain integers and never dangle while their registry lives.
 *
 * Threads: a building registry is not synchronised (one writer, no concurrent readers while
 * it is written). A mapped registry holds no mutable state: any number of threads may query.
 *
 * Every builder checks its arguments and, on failure, returns a negative TYR_E* code with the
 * registry exactly as it was.
 */
#ifndef TYR_REGISTRY_H
#define TYR_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tyr/common.h"
#include "tyr/error.h"
#include "tyr/types.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tyr_registry tyr_registry;

struct tyr_registry_opts {
    size_t sz;             /* set by TYR_OPTS */
    uint32_t pointer_size; /* bytes of a pointer: 8 (default when 0) or 4 */
    uint32_t type_hint;    /* expected number of types, to size the arena once (0: small) */
};

/**
 * @brief Create an empty registry in building mode (it holds void, id 0).
 * @param opts NULL for defaults.
 * @param[out] out The registry; free it with tyr_registry_free().
 * @return 0, TYR_EINVAL, TYR_ENOMEM.
 */
TYR_API int tyr_registry_new(const struct tyr_registry_opts *opts, tyr_registry **out);

/** @brief Free a registry of either mode (a mapped one is unmapped). NULL is accepted. */
TYR_API void tyr_registry_free(tyr_registry *reg);

/* How much a bulk import is about to add: each count is of new records, 0 for none. */
struct tyr_registry_room {
    size_t sz;             /* set by TYR_OPTS */
    uint32_t types;        /* type records */
    uint32_t named;        /* of those, the named ones */
    uint32_t sized;        /* of those, structs, unions, enums, arrays and unknowns */
    uint32_t fields;       /* struct and union members */
    uint32_t enumerators;
    uint32_t params;       /* function prototype parameters */
    uint32_t strings;      /* distinct names not interned yet (at most) */
    uint64_t string_bytes; /* their bytes, each NUL included */
};

/**
 * @brief Make room in a building registry for what a bulk import will add, so that each of
 *        its tables grows once, to its final size, instead of step by step (every step of a
 *        big table copies it and, for the string set and the name index, rehashes it). An
 *        optimisation only: adding more than reserved still works; reserving more than is
 *        added costs address space, and memory only where the string set and the name
 *        index are cleared (they are sized from `strings` and `named`, so keep those close).
 * @param room  Counts of new records; NULL reserves nothing.
 * @return 0; TYR_EINVAL; TYR_EREADONLY for a mapped registry; TYR_ENOMEM; TYR_EOVERFLOW
 *         (more than 2^32 records of a table). On failure some tables may have grown: the
 *         registry's contents never change.
 */
TYR_API int tyr_registry_reserve(tyr_registry *reg, const struct tyr_registry_room *room);

/* Limits of tyr_registry_set_source(): a path of up to 4095 bytes, a build-id of up to 64
 * bytes (128 hex digits). */
#define TYR_SOURCE_PATH_MAX 4095u
#define TYR_SOURCE_ID_MAX 128u

/**
 * @brief Record the binary a building registry's types come from: its path as a probe names
 *        it (`uprobe:PATH:func`) and its GNU build-id as lowercase hex ("" or NULL: none).
 *        Written into every blob of the registry, pruned or full (format 1.1, docs/format.md).
 * @param path, build_id  Copied.
 * @return 0; TYR_EINVAL (NULL path, too long, build-id not an even count of lowercase hex
 *         digits); TYR_EREADONLY for a mapped registry; TYR_ENOMEM.
 */
TYR_API int tyr_registry_set_source(tyr_registry *reg, const char *path, const char *build_id);

/**
 * @brief The recorded source: both "" when none was recorded (a blob of format 1.0, or a
 *        registry never told). Views valid while the registry lives; either out may be NULL.
 */
TYR_API void tyr_registry_source(const tyr_registry *reg, const char **path,
                                 const char **build_id);

/** @return true for a mapped (read-only) registry. */
TYR_API bool tyr_registry_is_mapped(const tyr_registry *reg);

/** @return The number of type ids in use, void included: valid ids are 0 .. count-1. */
TYR_API uint32_t tyr_registry_type_count(const tyr_registry *reg);

/**
 * @return A number that identifies this registry's lineage of ids: unique among the
 *         registries of the process (a freed registry's number is never reused), and renewed
 *         by tyr_registry_rollback(), after which ids may name other types. Types are only
 *         ever added otherwise, so a cache of (generation, id) -> anything stays right while
 *         the generation is unchanged. 0 for NULL.
 */
TYR_API uint64_t tyr_registry_generation(const tyr_registry *reg);

/** @return The pointer size in bytes the registry was built for (4 or 8). */
TYR_API uint32_t tyr_registry_pointer_size(const tyr_registry *reg);

/* ---- Building --------------------------------------------------------------------------
 * `name` arguments are copied (interned); NULL or "" means anonymous. `out` may be NULL.
 */

/** Integer, char or bool: size 1, 2, 4, 8 or 16; flags TYR_INT_*. Named ("unsigned int"). */
TYR_API int tyr_add_int(tyr_registry *reg, const char *name, uint32_t size, uint32_t flags,
                        tyr_type *out);
/** Floating point: size 4, 8 or 16; bits 32, 64, 80 (size 16 only) or 128 (size 16). */
TYR_API int tyr_add_float(tyr_registry *reg, const char *name, uint32_t size, uint32_t bits,
                          tyr_type *out);
/** Pointer to target (TYR_VOID for void *); its size is the registry's pointer size. */
TYR_API int tyr_add_ptr(tyr_registry *reg, tyr_type target, tyr_type *out);
/**
 * A C++ reference to target, held as a pointer (the registry's pointer size): flags
 * TYR_PTR_REF (`T&`), TYR_PTR_RVREF (`T&&`) or TYR_PTR_INVISIBLE (a by-value class
 * parameter passed by invisible reference), exactly one. A PTR kind with that flag.
 */
TYR_API int tyr_add_ref(tyr_registry *reg, tyr_type target, uint32_t flags, tyr_type *out);
/**
 * Array of count elements. flags TYR_ARRAY_FLEX (count must be 0) for a flexible array
 * member. The element must not be void or a function; a struct or union only declared (or
 * such an array) makes a TYR_ARRAY_INCOMPLETE array, for `struct S (*p)[4]` inside S: it is
 * held behind pointers only, and its size follows the element's once that is defined. Multi-dimensional arrays
 * are arrays of arrays: `char [2][3]` is an array of 2 of (array of 3 char).
 * Errors: TYR_EINCOMPLETE, TYR_EKIND, TYR_EOVERFLOW (count * element size).
 */
TYR_API int tyr_add_array(tyr_registry *reg, tyr_type elem, uint32_t count, uint32_t flags,
                          tyr_type *out);
/** A typedef: name (required) for target. The target may still be an incomplete struct. */
TYR_API int tyr_add_typedef(tyr_registry *reg, const char *name, tyr_type target,
                            tyr_type *out);
/** A qualifier: kind is TYR_KIND_CONST, _VOLATILE, _RESTRICT (pointers only) or _ATOMIC. */
TYR_API int tyr_add_qual(tyr_registry *reg, int kind, tyr_type target, tyr_type *out);
/** An explicit stand-in for what the importer could not express; size in bytes, 0 if unknown. */
TYR_API int tyr_add_unknown(tyr_registry *reg, const char *name, uint64_t size, tyr_type *out);

/**
 * @brief Declare a struct or union (kind TYR_KIND_STRUCT or _UNION) without a layout.
 * Its handle is final: tyr_struct_complete() gives it a size later, so pointers to it (and
 * `struct Node { struct Node *next; }`) are built before it is defined.
 */
TYR_API int tyr_struct_declare(tyr_registry *reg, int kind, const char *name, tyr_struct *out);
/** @brief Declare and define in one call: size in bytes, align a power of two (>= 1). */
TYR_API int tyr_struct_new(tyr_registry *reg, int kind, const char *name, uint64_t size,
                           uint32_t align, uint32_t flags, tyr_struct *out);
/**
 * @brief Define a declared struct: size, alignment, flags (TYR_STRUCT_PACKED).
 * @return 0; TYR_EEXIST if it is already defined; TYR_EKIND if s is not a struct or union.
 */
TYR_API int tyr_struct_complete(tyr_registry *reg, tyr_struct s, uint64_t size, uint32_t align,
                                uint32_t flags);
/**
 * @brief Append a member to a defined struct or union.
 * @param name  NULL or "" for an anonymous member (its own members are found by name
 *              through it, as C does); otherwise unique among the struct's direct members.
 * @param offset Byte offset of the member (for a bitfield: of the storage unit it reads from).
 * @param bit_offset, bit_size  0, 0 for an ordinary member. For a bitfield: the bits
 *              [offset*8 + bit_offset, + bit_size) in little-endian bit numbering;
 *              bit_offset + bit_size must fit the type's storage unit (8 * its size).
 * @return 0; TYR_EINCOMPLETE (s only declared, or type incomplete); TYR_ERANGE (past the
 *         end of s, or a bitfield outside its storage unit); TYR_EEXIST (duplicate name);
 *         TYR_ESEALED (s is already a member or element of something, by value);
 *         TYR_ECYCLE (type is s itself); TYR_EKIND (void, function, bitfield of a non-integer).
 * @note Using a struct by value (as a member or array element) seals it: its members are
 *       fixed from then on, which is what makes a size cycle impossible to build.
 */
TYR_API int tyr_struct_add_field(tyr_registry *reg, tyr_struct s, const char *name,
                                 tyr_type type, uint64_t offset, uint32_t bit_offset,
                                 uint32_t bit_size);

/**
 * @brief Append a C++ base class to a defined struct: an unnamed member flagged
 * TYR_FIELD_BASE, of struct type `base` (complete), at `offset`. With TYR_FIELD_VIRTUAL in
 * flags, a virtual base: offset must be 0 (its place is only known at run time).
 * @return as tyr_struct_add_field(); TYR_EKIND when base is not a struct; TYR_EINVAL for
 *         unknown flags or a virtual base at a non-zero offset.
 */
TYR_API int tyr_struct_add_base(tyr_registry *reg, tyr_struct s, tyr_type base,
                                uint64_t offset, uint32_t flags);

/** An enum of size 1, 2, 4 or 8 bytes; flags TYR_ENUM_SIGNED. Enumerators are added after. */
TYR_API int tyr_enum_new(tyr_registry *reg, const char *name, uint32_t size, uint32_t flags,
                         tyr_type *out);
/**
 * Append an enumerator: value is the two's-complement bit pattern (cast an int64_t), and must
 * fit the enum's size and signedness. TYR_EEXIST on a duplicate name, TYR_ERANGE if too wide.
 */
TYR_API int tyr_enum_add(tyr_registry *reg, tyr_type enum_type, const char *name,
                         uint64_t value);

/** A function prototype returning ret (TYR_VOID for void); flags TYR_FUNC_VARARGS. */
TYR_API int tyr_func_proto_new(tyr_registry *reg, tyr_type ret, uint32_t flags, tyr_type *out);
/** Append a parameter (name may be NULL); the type must not be void. */
TYR_API int tyr_func_proto_add_param(tyr_registry *reg, tyr_type proto, const char *name,
                                     tyr_type type);
/** A named function (a probe signature): name required, proto a FUNC_PROTO. */
TYR_API int tyr_func_new(tyr_registry *reg, const char *name, tyr_type proto, tyr_type *out);

/* ---- Queries ---------------------------------------------------------------------------
 * Functions returning int return 0 or a negative TYR_E* code and fill `out` only on success.
 * Returned strings point into the registry (valid until it is freed).
 */

/** Everything about one type, resolved where the kind needs it. */
typedef struct tyr_type_info {
    int kind;          /* enum tyr_kind */
    uint32_t flags;    /* TYR_* flags of the kind */
    const char *name;  /* "" when anonymous; never NULL */
    uint64_t size;     /* bytes; typedefs and qualifiers resolved; 0 if incomplete */
    uint32_t align;    /* bytes; typedefs and qualifiers resolved; 0 if incomplete */
    tyr_type target;   /* PTR/ARRAY/TYPEDEF/qualifiers: target; FUNC_PROTO: return; FUNC: proto */
    uint32_t count;    /* ARRAY: elements; STRUCT/UNION: fields; ENUM: enumerators;
                          FUNC_PROTO and FUNC: parameters; otherwise 0 */
    uint32_t bits;     /* INT and FLOAT: value bits (32, 80, ...); otherwise 0 */
} tyr_type_info;

TYR_API int tyr_type_get(const tyr_registry *reg, tyr_type t, tyr_type_info *out);
/** @return The kind, or TYR_EHANDLE for an id out of range. */
TYR_API int tyr_type_kind(const tyr_registry *reg, tyr_type t);
/** @return The name ("" when anonymous or on a bad handle). Never NULL. */
TYR_API const char *tyr_type_name(const tyr_registry *reg, tyr_type t);
/** @return The size in bytes, typedefs and qualifiers resolved (0 on a bad handle). */
TYR_API uint64_t tyr_type_size(const tyr_registry *reg, tyr_type t);
/** @return The alignment in bytes, resolved (0 on a bad handle or an incomplete type). */
TYR_API uint32_t tyr_type_align(const tyr_registry *reg, tyr_type t);
/** @return The sized type of t (all zero, kind VOID, for a bad handle). */
TYR_API tyr_sized_type tyr_sized(const tyr_registry *reg, tyr_type t);
/** @return The sized type of what a pointer sized type points to (typedefs resolved). */
TYR_API tyr_sized_type tyr_sized_pointee(const tyr_registry *reg, tyr_sized_type ptr);

enum {
    TYR_STRIP_TYPEDEFS = 1u << 0,
    TYR_STRIP_QUALS = 1u << 1,
    TYR_STRIP_ALL = TYR_STRIP_TYPEDEFS | TYR_STRIP_QUALS,
};
/** @return t with leading typedefs and/or qualifiers removed (O(1) for STRIP_ALL). */
TYR_API tyr_type tyr_type_strip(const tyr_registry *reg, tyr_type t, uint32_t what);
/**
 * @return The elements of array t over all its nested dimensions (`int m[2][3]`: 6, as BTF
 * writes it flat), saturating at UINT64_MAX; 1 when t is no array. *elem (if not NULL): the
 * innermost element type (t itself when t is no array).
 */
TYR_API uint64_t tyr_array_flat(const tyr_registry *reg, tyr_type t, tyr_type *elem);

/** A struct or union member, or the result of a field path. */
typedef struct tyr_field_info {
    const char *name;     /* "" for an anonymous member */
    tyr_type type;
    uint64_t offset;      /* bytes from the start of the outermost record asked about */
    uint32_t bit_offset;  /* bitfields: bits from offset, little-endian numbering; else 0 */
    uint32_t bit_size;    /* bitfields: width; 0 for an ordinary member */
    uint32_t flags;       /* TYR_FIELD_*: a C++ base class (virtual or not); 0 otherwise */
} tyr_field_info;

/** Member i (0-based) of a struct or union (typedefs and qualifiers of it resolved). */
TYR_API int tyr_field_at(const tyr_registry *reg, tyr_type rec, uint32_t i, tyr_field_info *out);
/**
 * Member by name, also through anonymous struct/union members (their offsets are added).
 * @return 0, TYR_ENOENT, TYR_EKIND (not a record), TYR_EDEPTH (anonymous nesting deeper than
 *         32, or anonymous member types shared within one record so that the walk would visit
 *         more members than the registry holds).
 */
TYR_API int tyr_field_by_name(const tyr_registry *reg, tyr_type rec, const char *name,
                              tyr_field_info *out);
/**
 * Resolve a path such as "a.b[2].c" from a record (or array) type: members by name (through
 * anonymous members), array elements by index. Offsets accumulate; pointers are not followed.
 * @return 0, TYR_ENOENT, TYR_EKIND, TYR_EINVAL (syntax), TYR_ERANGE (index past the array).
 */
TYR_API int tyr_field_path(const tyr_registry *reg, tyr_type t, const char *path,
                           tyr_field_info *out);

typedef struct tyr_enumerator_info {
    const char *name;
    uint64_t value; /* two's complement: cast to int64_t when the enum is TYR_ENUM_SIGNED */
} tyr_enumerator_info;
TYR_API int tyr_enumerator_at(const tyr_registry *reg, tyr_type e, uint32_t i,
                              tyr_enumerator_info *out);

typedef struct tyr_param_info {
    const char *name; /* "" when unnamed */
    tyr_type type;
} tyr_param_info;
/** Parameter i of a FUNC_PROTO or FUNC. */
TYR_API int tyr_param_at(const tyr_registry *reg, tyr_type fn, uint32_t i, tyr_param_info *out);

/**
 * Named-type lookup through the hash index kept in the arena (no index is built at load).
 * kind is an enum tyr_kind or TYR_KIND_ANY. Several types may share a name (two layouts of
 * one struct from different CUs, or a struct and a typedef): tyr_find() returns the newest;
 * tyr_find_next() continues after `prev` in the same order.
 * @return 0 or TYR_ENOENT.
 */
TYR_API int tyr_find(const tyr_registry *reg, const char *name, int kind, tyr_type *out);
TYR_API int tyr_find_next(const tyr_registry *reg, const char *name, int kind, tyr_type prev,
                          tyr_type *out);

enum {
    TYR_SPELL_TIGHT = 1u << 0, /* "struct Node*" as bpftrace prints, not "struct Node *" */
};
/**
 * The C spelling of t, as a declaration of `declarator` when it is not NULL/"":
 *   "const struct Node *", "int (*)(struct Node *, void *)", "char [2][3][5]", "cv_node_ptr",
 *   with declarator "fn": "int (*fn)(struct Node *, void *)".
 * Writes at most len bytes including the NUL, like snprintf.
 * @return The length the full spelling needs (excluding the NUL), or a negative TYR_E* code
 *         (TYR_EDEPTH for prototypes nested more than 8 deep, TYR_EOVERFLOW for a spelling
 *         that would take more than 1 MiB of work: types shared by many nested parameters).
 */
TYR_API int tyr_type_spell(const tyr_registry *reg, tyr_type t, const char *declarator,
                           uint32_t flags, char *buf, size_t len);

/**
 * A registry's state at one moment, for undoing everything done since (as libctf's
 * ctf_snapshot/ctf_rollback): an importer takes one before it starts and rolls back when it
 * fails, so a failed import leaves the registry byte for byte as it was. Opaque: only
 * tyr_registry_snapshot() fills it.
 */
typedef struct tyr_snapshot {
    uint32_t ntypes, nlayouts, nfields, nenums, nparams, strs_len, nbuckets, nnamed;
    uint32_t nundo, log_below, depth;
} tyr_snapshot;
/**
 * Opens a snapshot of a building registry. Snapshots nest; each is closed exactly once, the
 * innermost first, by tyr_registry_rollback() or tyr_registry_release(). While one is open,
 * builders that change an existing record keep its old value (a few bytes each).
 * @return 0, TYR_EINVAL, or TYR_EREADONLY for a mapped registry.
 */
TYR_API int tyr_registry_snapshot(tyr_registry *reg, tyr_snapshot *out);
/**
 * Closes snap and undoes everything done since it was taken: types, members, strings and the
 * name index are as they were, every handle issued since is invalid again, and a blob written
 * now is byte for byte the one written then. Cannot fail (it allocates nothing).
 */
TYR_API void tyr_registry_rollback(tyr_registry *reg, const tyr_snapshot *snap);
/** Closes snap and keeps what was done since. */
TYR_API void tyr_registry_release(tyr_registry *reg, const tyr_snapshot *snap);

/** Counts and arena bytes of a registry (either mode), for `tyr stats` and benchmarks. */
typedef struct tyr_registry_stats {
    size_t sz;                          /* set by the caller to sizeof (TYR_OPTS) */
    uint32_t per_kind[TYR_KIND_COUNT_]; /* type ids per enum tyr_kind (void is 1) */
    uint32_t types;                     /* type ids, void included */
    uint32_t named;                     /* types with a name (entries of the name index) */
    uint32_t fields, enumerators, params; /* member records, the none record excluded */
    uint32_t layouts; /* layout records (struct, union, enum, array, unknown), none included */
    uint64_t bytes_types, bytes_layouts, bytes_fields, bytes_enumerators, bytes_params;
    uint64_t bytes_strings; /* the string table */
    uint64_t bytes_index;   /* the name index as a blob holds it: STARTS + NAMED */
    uint64_t bytes_arena;                /* the sum of the above */
} tyr_registry_stats;
/**
 * @param out  Its sz set by the caller (`tyr_registry_stats st = {.sz = sizeof st};`): the
 *             fields that sz covers are filled, as the opts rule of tyr/common.h reads them.
 * @return 0; TYR_EINVAL (NULL, or an sz the opts rule refuses).
 */
TYR_API int tyr_registry_get_stats(const tyr_registry *reg, tyr_registry_stats *out);

#ifdef __cplusplus
}
#endif

#endif /* TYR_REGISTRY_H */

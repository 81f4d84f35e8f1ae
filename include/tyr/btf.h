/* SPDX-License-Identifier: MIT */
/*
 * The BTF importer (libtyr-btf, through libbpf): kernel types and kernel function signatures
 * into a caller's registry, beside what the DWARF importer put there.
 *
 * Sources: the running kernel's BTF (/sys/kernel/btf/vmlinux), a raw .btf file (as
 * `pahole --btf_encode_detached` writes it), an ELF file's .BTF section, or bytes in memory;
 * a module's split BTF (/sys/kernel/btf/<module>) is opened on top of its base's handle.
 *
 * What is imported, per BTF kind (docs/btf.md lists what each kind becomes and what is lost):
 *   - a FUNC becomes a probe signature exactly as tyr_dwarf_import_func() stores one: a
 *     TYR_KIND_FUNC named after the function whose target is a FUNC_PROTO with the
 *     parameters in order, names and types, found later with tyr_find(reg, name, FUNC);
 *   - INT, FLOAT, PTR, ARRAY, STRUCT, UNION, ENUM, ENUM64, FWD, TYPEDEF, CONST, VOLATILE,
 *     RESTRICT, FUNC_PROTO become the registry kind of the same meaning;
 *   - TYPE_TAG is transparent (the tagged type is used); VAR, DATASEC and DECL_TAG have no
 *     registry kind and are not imported; a FUNC's linkage is not kept. Each is counted in
 *     tyr_btf_stats, never dropped silently.
 * Only what is asked for is imported, with everything it reaches.
 *
 * One registry for both worlds: a named struct or union whose layout (size, members' names,
 * bit positions and the shape of their types) equals one the registry already holds under
 * that name is that type, whichever importer created it; a different layout is a new type.
 * Named INT/FLOAT/ENUM/TYPEDEF/FUNC and anonymous pointers, qualifiers, arrays and
 * prototypes equal to one already held are shared the same way.
 *
 * Split BTF: a module's handle imports its base's types through the base handle, so a type
 * of vmlinux is one registry type however many modules reach it.
 *
 * Ownership: tyr_btf_open*() return a handle freed with tyr_btf_free(); it owns libbpf's
 * `struct btf`. A split handle does not own its base handle, which must outlive it. Types
 * belong to the registry they were imported into.
 *
 * Caching: a handle remembers which BTF id became which type of the registry it last
 * imported into, keyed by tyr_registry_generation(): passing another registry, a new one at
 * a freed one's address, or one rolled back (tyr_registry_rollback) starts afresh.
 *
 * Threads: a handle is used by one thread at a time (a split handle and its base together).
 *
 * Messages: libbpf prints its own warnings through the function set with libbpf_set_print(),
 * which belongs to the application; this library never calls it (the tyr tool silences it).
 *
 * Errors: 0 or a negative TYR_E* code; outputs untouched on failure. The diag (the last
 * argument of every call that fills one; optional) says where: diag->offset is the BTF type id, diag->what names it and what is wrong.
 * An import call is all or nothing: on failure the registry is byte for byte what it was
 * before the call (types, strings, name index) and so are the handle's counters. It runs
 * under a snapshot of its own, nested in any the caller holds (tyr_registry_snapshot), or,
 * for tyr_btf_import_all's bulk path into an empty registry, returns the registry to empty;
 * either way the undo gives the registry a new generation, so the next call starts afresh.
 */
#ifndef TYR_BTF_H
#define TYR_BTF_H

#include <stddef.h>
#include <stdint.h>

#include "tyr/common.h"
#include "tyr/error.h"
#include "tyr/registry.h"
#include "tyr/types.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tyr_btf tyr_btf;
struct btf; /* libbpf's */

/* The running kernel's BTF, as tyr_btf_open(NULL, ...) reads it. */
#define TYR_BTF_VMLINUX "/sys/kernel/btf/vmlinux"

struct tyr_btf_opts {
    size_t sz;      /* set by TYR_OPTS */
    tyr_btf *base;  /* split BTF: the handle of the BTF it is layered on; not owned */
};

/**
 * @brief Open BTF from a file: raw BTF or an ELF file with a .BTF section (libbpf's
 *        btf__parse / btf__parse_split tell them apart).
 * @param path  Not retained. NULL: the running kernel's BTF (libbpf's btf__load_vmlinux_btf,
 *              which also looks in the places a kernel's vmlinux image is installed).
 * @param opts  NULL for defaults; opts->base for a module's split BTF.
 * @param[out] out  The handle, freed with tyr_btf_free().
 * @return 0; TYR_EINVAL; TYR_EIO (cannot read path); TYR_EBTF (libbpf refused the BTF, or
 *         it is of the other byte order); TYR_ENOMEM.
 */
TYR_API int tyr_btf_open(const char *path, const struct tyr_btf_opts *opts, tyr_btf **out,
                         tyr_diag *diag);

/**
 * @brief Open raw BTF held in memory (tests, fuzzers). The bytes are copied by libbpf: the
 *        caller may free them as soon as this returns.
 * @return As tyr_btf_open().
 */
TYR_API int tyr_btf_open_mem(const void *data, size_t len, const struct tyr_btf_opts *opts,
                             tyr_btf **out, tyr_diag *diag);

/** @brief Free a handle and its libbpf BTF (never its base). NULL is accepted. */
TYR_API void tyr_btf_free(tyr_btf *b);

/** @brief Forget which BTF ids became which registry types, and the counters. */
TYR_API void tyr_btf_forget(tyr_btf *b);

/** @return libbpf's view of the handle's BTF (owned by the handle; for comparisons). */
TYR_API const struct btf *tyr_btf_libbpf(const tyr_btf *b);

/**
 * @brief Import a function's probe signature (a BTF FUNC, found by name in this BTF or its
 *        base) and every type its prototype reaches.
 * @param[out] out  The TYR_KIND_FUNC type (its target is the FUNC_PROTO). May be NULL.
 * @return 0; TYR_ENOENT (no FUNC of that name); TYR_EBTF (diag names the BTF id);
 *         TYR_ENOMEM; a registry error (diag names the BTF id).
 */
TYR_API int tyr_btf_import_func(tyr_btf *b, tyr_registry *reg, const char *name,
                                tyr_type *out, tyr_diag *diag);

/**
 * @brief Import a named type and what it reaches. kind: TYR_KIND_STRUCT, _UNION, _ENUM
 *        (BTF ENUM or ENUM64), _TYPEDEF, _INT, _FLOAT or TYR_KIND_ANY. A definition is
 *        preferred over a FWD of the same name.
 * @return As tyr_btf_import_func(); TYR_EINVAL for another kind.
 */
TYR_API int tyr_btf_import_type(tyr_btf *b, tyr_registry *reg, const char *name, int kind,
                                tyr_type *out, tyr_diag *diag);

/**
 * @brief Import one BTF type id (of this BTF or its base) and what it reaches.
 * @return As tyr_btf_import_func(); TYR_EHANDLE for an id out of range; TYR_ENOTSUP for a
 *         VAR, DATASEC or DECL_TAG (no registry kind: see docs/btf.md).
 */
TYR_API int tyr_btf_import_id(tyr_btf *b, tyr_registry *reg, uint32_t id, tyr_type *out,
                              tyr_diag *diag);

struct tyr_btf_all_opts {
    size_t sz;      /* set by TYR_OPTS */
    uint32_t flags; /* none yet: 0 */
};

/**
 * @brief Import every type of this BTF (a split BTF: its own ids; its base's types only where
 *        they are reached) and every FUNC as a probe signature.
 * @param opts  NULL for defaults (the one shape of tyr_dwarf_import_all()).
 * @return As tyr_btf_import_func(); TYR_EINVAL for unknown flags or non-zero bytes past the
 *         known fields of opts.
 */
TYR_API int tyr_btf_import_all(tyr_btf *b, tyr_registry *reg,
                               const struct tyr_btf_all_opts *opts, tyr_diag *diag);

/** Called once per FUNC name; `name` is valid during the call only. The callback rule of
 *  tyr/common.h: non-zero stops the listing, which returns that value. */
typedef int (*tyr_btf_func_fn)(void *ctx, const char *name);
/**
 * @brief List this BTF's FUNC names (its own ids) matching an fnmatch(3) glob (NULL: all),
 *        in id order.
 * @return 0 or the callback's non-zero value; TYR_EINVAL.
 */
TYR_API int tyr_btf_list_funcs(const tyr_btf *b, const char *glob, tyr_btf_func_fn fn,
                               void *ctx);

/*
 * Counters since the handle was opened or last forgot: what was imported, and what tyr
 * cannot express (docs/btf.md says what the import does with each). Each BTF id counts once.
 */
typedef struct tyr_btf_stats {
    size_t sz;              /* set by the caller to sizeof (TYR_OPTS) */
    uint32_t btf_types;     /* ids of this BTF, void and its base's excluded */
    uint32_t imported;      /* ids (of this BTF and its base) given a registry type */
    uint32_t shared;        /* of those, an equal type the registry already held */
    uint32_t funcs;         /* FUNC ids imported as probe signatures */
    uint32_t func_static;   /* of those, BTF_FUNC_STATIC linkage (not kept) */
    uint32_t func_extern;   /* of those, BTF_FUNC_EXTERN linkage (not kept) */
    uint32_t vars;          /* VAR ids met by tyr_btf_import_all: not imported */
    uint32_t datasecs;      /* DATASEC ids met: not imported */
    uint32_t decl_tags;     /* DECL_TAG ids met: not imported */
    uint32_t type_tags;     /* TYPE_TAG ids imported as the type they tag */
    uint32_t int_bits;      /* INT ids whose bit offset/width differ from their size: the
                               registry INT has the full size (a member using one as an
                               old-style bitfield keeps the width, as a bitfield) */
    uint32_t float_unknown; /* FLOAT sizes without a registry float (2, 12): UNKNOWN */
    uint32_t restrict_dropped; /* RESTRICT on a non-pointer: the qualifier is dropped */
    uint32_t enum_fwd;      /* ENUM/ENUM64 with no enumerators (an enum declaration) */
} tyr_btf_stats;

/** @brief The handle's counters (a split handle: its own; its base keeps its own). out->sz
 *         is set by the caller, as for tyr_registry_get_stats(); TYR_EINVAL otherwise. */
TYR_API int tyr_btf_get_stats(const tyr_btf *b, tyr_btf_stats *out);

#ifdef __cplusplus
}
#endif

#endif /* TYR_BTF_H */

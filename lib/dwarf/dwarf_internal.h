/* SPDX-License-Identifier: MIT */
/*
 * Private to the DWARF importer (lib/dwarf/dwarf_*.c): the handle, DIE references across the
 * main and the dwz supplementary file, decoded DIE attributes, and the import state.
 */
#ifndef TYR_DWARF_INTERNAL_H
#define TYR_DWARF_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <dwarf.h>
#include <libdwarf.h>
#include <gelf.h>
#include <libelf.h>

#include "internal.h"
#include "tyr/dwarf.h"

/*
 * A DIE reference: its .debug_info offset in file 0 (the main debug file) or, with the top
 * bit set, in file 1 (the dwz supplementary file named by .gnu_debugaltlink).
 */
typedef uint64_t tdw_ref;
#define TDW_ALT_BIT (UINT64_C(1) << 63)
#define TDW_REF_NONE UINT64_MAX
static inline unsigned tdw_ref_file(tdw_ref r) { return (r & TDW_ALT_BIT) ? 1u : 0u; }
static inline Dwarf_Off tdw_ref_off(tdw_ref r) { return (Dwarf_Off)(r & ~TDW_ALT_BIT); }

/* The attributes of one abbreviation that tdw_decode reads (dwarf_abbrev.c). */
#define TDW_PLAN_MAX 12
struct tdw_plan {
    Dwarf_Off goff;       /* the abbreviation's .debug_abbrev offset; UINT64_MAX = free slot */
    uint32_t has;         /* TDW_* flags known from the abbreviation alone */
    uint8_t n;            /* wanted attributes with a value, in abbreviation order */
    uint8_t attrlist;     /* 1: not describable, decode with dwarf_attrlist */
    uint8_t sibling;      /* DW_AT_sibling in the abbreviation: TDW_SIB_UNKNOWN/NONE/SOME */
    uint16_t at[TDW_PLAN_MAX];
    uint16_t form[TDW_PLAN_MAX]; /* as in the abbreviation (maybe DW_FORM_indirect) */
};
/* Plans by abbreviation offset, per Dwarf_Debug (one thread each); owned. */
struct tdw_plans {
    struct tdw_plan *v;
    uint32_t cap, used;
    const struct tdw_plan *last; /* the plan returned last (into v), or NULL */
};

/* One opened DWARF file. */
struct tdw_file {
    Dwarf_Debug dbg;      /* NULL when absent */
    int fd;               /* -1 when closed; owned */
    Elf *elf;             /* libelf view of the same fd; owned */
    char *path;           /* owned */
    /* .debug_str bytes of the dwz file (f[1] only), which DW_FORM_GNU_strp_alt and
     * DW_FORM_strp_sup of f[0] point into: in the mapping (libelf-owned), or inflated into
     * str_elf when the section is compressed (Debian compresses its .dwz files). */
    const char *str;
    size_t str_len;
    Elf *str_elf;         /* private libelf handle holding the inflated bytes, or NULL; owned */
    /* .debug_info bytes of f[0] when its supplementary file is DWARF 5's (.debug_sup):
     * DW_FORM_ref_sup4/8 values are read there (libdwarf 20210528 refuses those forms). */
    const unsigned char *info;
    size_t info_len;
    Elf *info_elf;        /* private libelf handle holding the inflated bytes, or NULL; owned */
    bool info_big;        /* big-endian ELF */
    tdw_ref *units;       /* unit DIE refs in section order; owned */
    uint32_t nunits;
    Dwarf_Half *unit_tags; /* DW_TAG_compile_unit / partial_unit / type_unit ...; owned */
    int64_t cursor;       /* unit dwarf_next_cu_header_d last returned; -1 at the start */
    struct tdw_tsig { uint64_t sig; tdw_ref die; } *tsigs; /* DWARF 5 type units; owned */
    uint32_t ntsigs;
    struct tdw_plans plans; /* attribute plans for dbg (the importing thread's) */
    atomic_int sibling_attrs; /* TDW_SIB_*: whether .debug_abbrev uses DW_AT_sibling */
};
enum { TDW_SIB_UNKNOWN = 0, TDW_SIB_NONE = 1, TDW_SIB_SOME = 2 };

/* An ELF symbol of the binary (functions only). */
struct tdw_sym {
    uint64_t addr;
    uint32_t name;        /* offset into tyr_dwarf.symstr */
};

/* An address range of .debug_aranges, sorted by lo. */
struct tdw_arange {
    uint64_t lo, hi;
    tdw_ref cu;
};

/* Top-level named DIE of some unit (the lazy index). */
struct tdw_entry {
    const char *name;     /* libdwarf-owned string, lives with the Dwarf_Debug */
    tdw_ref ref;
    uint64_t low_pc;
    uint16_t tag;
    uint8_t decl;         /* DW_AT_declaration */
    uint8_t has_pc;       /* DW_AT_low_pc or DW_AT_ranges: a function with a body */
};

/* ref -> 64-bit value, open addressing (key TDW_REF_NONE = empty). Key and value share a
 * 16-byte slot: one cache line touched per probe, not two arrays. Used for DIE -> type id
 * and for the memo of type-chain signatures. */
struct tdw_ment {
    tdw_ref key;
    uint64_t val;
};
struct tdw_map {
    struct tdw_ment *e;
    uint32_t cap, used;
};

/* Structural dedup key -> type id. */
struct tdw_key {
    uint64_t h;           /* XXH3 of the key bytes */
    uint32_t kind, id;
};
struct tdw_keyset {
    struct tdw_key *slots;
    uint32_t cap, used;
};

/* The function symbols of the binary and of its debug file (dwarf_elfsym.c). */
struct tdw_symtab {
    struct tdw_sym *syms; /* sorted by name offset order of insertion; owned */
    uint32_t nsyms, cap_syms;
    bool syms_loaded;     /* syms read (tdw_syms_need): an import of types needs none */
    bool syms_in_debug;   /* the separate debug file's .symtab adds to the binary's */
    char *symstr;         /* owned */
    size_t symstr_len, cap_symstr;
};

/* The lazy name index of top-level DIEs (dwarf_index.c). */
struct tdw_index {
    struct tdw_entry *index;    /* owned; grows unit by unit as the scan proceeds */
    uint32_t nindex, cap_index;
    uint32_t index_units[2][2]; /* [part][file]: units scanned so far (TDW_IX_*) */
    bool index_built[2];        /* [part]: every unit scanned */
    uint32_t *index_hash;       /* bucket heads (entry index + 1), owned */
    uint32_t *index_next;       /* per entry: the next (lower) entry in its bucket; owned */
    uint32_t index_hcap;
};

/* The type import's state, valid for the registry of generation reg_gen
 * (tyr_registry_generation) while it holds at least reg_types types (dwarf_import.c). */
struct tdw_types {
    tyr_registry *reg;          /* the registry of the import under way */
    uint64_t reg_gen;           /* its generation when the state was made; 0: none */
    uint32_t reg_types;         /* registry type count after the last import */
    struct tdw_map die2type;    /* DIE ref -> type id */
    struct tdw_keyset dedup;    /* structural key -> type id */
    tdw_ref *fill_ref;          /* per type id: definition DIE of a struct not yet filled */
    uint8_t *filling;           /* per type id: 1 while its members are being added */
    uint32_t cap_ids;
    uint64_t stat_dies;
    struct tdw_map chain_memo;  /* type DIE -> hash of its chain (pure DWARF: kept) */
    /* The import work stack's buffers, kept between imports (import-all runs one import
     * per top-level DIE); owned. */
    struct tdw_scratch {
        struct tdw_job *jobs;   /* the import's job stack (the types are dwarf_import.c's) */
        struct tdw_item *items; /* members, dimensions, parameters of the frames */
        uint32_t *pending;      /* structs declared and not yet filled */
        uint32_t cap_jobs, cap_items, cap_pending;
    } scratch;
};

/* The handle: one part per layer that owns it, each set up and freed by that layer. */
struct tyr_dwarf {
    /* dwarf_files.c */
    struct tdw_file f[2]; /* 0: DWARF of the binary (maybe a separate debug file); 1: alt */
    char *elf_path;       /* the binary as opened; owned */
    int elf_fd;           /* the binary (when its DWARF is elsewhere); owned, -1 if none */
    Elf *elf;             /* owned */
    /* dwarf_units.c */
    struct tdw_arange *aranges; /* owned, sorted; NULL until loaded */
    uint32_t naranges;
    bool aranges_loaded;
    /* dwarf_elfsym.c */
    struct tdw_symtab sym;
    /* dwarf_die.c: DIEs the name scans left out because their DW_AT_name cannot be read
     * (worker threads count too): how many, and the lowest ref among them (TDW_REF_NONE:
     * none). */
    atomic_uint_least64_t bad_names;
    atomic_uint_least64_t first_bad_name;
    /* dwarf_cxx.c: C++ units' scopes and qualified names; owned */
    struct tdw_cxx *cxx;
    /* dwarf_index.c */
    struct tdw_index ix;
    /* dwarf_import.c */
    struct tdw_types imp;
    /* dwarf_func.c's import-all, read by the DIE reader: the unit being imported, prefetched,
     * and the workers of f[0], else NULL (not owned) */
    const struct tdw_cache *cache;
    struct prefetch *prefetch;
};

struct tdw_cache;

/* ---- dwarf_elf.c: ELF sections, build-id, the debug-file search ---- */
TYR_HIDDEN extern const char *const tdw_default_dirs[]; /* {"/usr/lib/debug", NULL} */
/* The named section of elf (its header into *sh), or NULL. */
TYR_HIDDEN Elf_Scn *tdw_find_scn(Elf *elf, const char *want, GElf_Shdr *sh);
/* Open fd as an ELF (libelf): 0, the caller then owns *elf; -1. */
TYR_HIDDEN int tdw_elf_open_fd(int fd, Elf **elf);
/* The file name (and with id, the build-id) of a .gnu_debuglink / .gnu_debugaltlink section. */
TYR_HIDDEN bool tdw_link_section(Elf *elf, const char *scn_name, char *buf, size_t len,
                                 unsigned char *tail, size_t *tail_len);
/* Try one candidate path for a debug file of build-id id: 1 = its path is in found. */
TYR_HIDDEN int tdw_try_path(const char *path, const unsigned char *id, size_t id_len,
                            char *tried, size_t tried_len, char *found, size_t found_len);
TYR_HIDDEN bool tdw_has_debug_info(Elf *elf);
/* A separate debug file of elf: build-id paths under dirs, then the .gnu_debuglink name
 * beside bin_path, in its .debug directory and under dirs. The path into found; each place
 * tried appended to tried ("; " between them). */
TYR_HIDDEN bool tdw_find_debug_file(Elf *elf, const char *bin_path, const char *const *dirs,
                                    char *found, size_t found_len, char *tried,
                                    size_t tried_len);
/* elf's GNU build-id: up to max bytes into id; its length (0: none). */
TYR_HIDDEN size_t tdw_build_id(Elf *elf, unsigned char *id, size_t max);
/* Append a place searched to tried ("; " between places; " ..." once one does not fit). */
TYR_HIDDEN void tdw_note_tried(char *tried, size_t len, const char *place);

/* ---- dwarf_guard.c: what libdwarf 20210528 would mishandle, refused or worked around ---- */
/* Refuse (TYR_EDWARF) what libdwarf 20210528 would mishandle unsafely; before dwarf_init. */
TYR_HIDDEN int tdw_guard_libdwarf(Elf *elf, int fd, const char *path, tyr_diag *diag);
/* The bytes of section ndx of elf (opened on fd) as libdwarf sees them: the mapping's when
 * the section is stored plainly, else inflated (SHF_COMPRESSED or .zdebug_*) into a private
 * libelf handle *priv that holds them (the caller ends it with elf_end; NULL when not
 * needed). 0 or TYR_EDWARF (no data, a size zlib cannot produce, a broken stream). */
TYR_HIDDEN int tdw_scn_bytes(Elf *elf, int fd, size_t ndx, const GElf_Shdr *sh, const char *name,
                             const char *path, Elf **priv, const void **data, size_t *size,
                             tyr_diag *diag);
/* dwarf_diename() without its leak of an error record: DW_DLV_* like it; *e set on ERROR,
 * except for a name in the dwz file's .debug_str (DW_DLV_ERROR, *e NULL: decode the DIE,
 * which reads it there). */
TYR_HIDDEN int tdw_diename(Dwarf_Die die, char **name, Dwarf_Error *e);
/* ---- Errors: every layer reports through tyr_diag_set() (include/tyr/error.h) ---- */
/* Free a libdwarf error object (NULL accepted). */
static inline void tdw_err_free(Dwarf_Debug dbg, Dwarf_Error *e)
{
    if (*e) {
        dwarf_dealloc(dbg, *e, DW_DLA_ERROR);
        *e = NULL;
    }
}

/* Attribute i of abbreviation ab (dwarf_get_abbrev_entry_b): true with *at and *form set;
 * false when libdwarf cannot read it (its error freed). */
static inline bool tdw_abbrev_attr(Dwarf_Debug dbg, Dwarf_Abbrev ab, Dwarf_Unsigned i,
                                   Dwarf_Unsigned *at, Dwarf_Unsigned *form)
{
    Dwarf_Signed ic = 0;
    Dwarf_Off aoff = 0;
    Dwarf_Error e = NULL;
    *at = *form = 0;
    if (dwarf_get_abbrev_entry_b(ab, i, 1, at, form, &ic, &aoff, &e) == DW_DLV_OK)
        return true;
    tdw_err_free(dbg, &e);
    return false;
}

/* A binary search over n elements sorted by a uint64_t key, stride bytes apart from base, the
 * key key_off bytes into each: the index of the first element whose key is not below key
 * (past_equal: not below or equal, so the first above it); n when there is none. */
static inline uint32_t tdw_bound(const void *base, uint32_t n, size_t stride, size_t key_off,
                                 uint64_t key, bool past_equal)
{
    uint32_t lo = 0, hi = n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        uint64_t k;
        memcpy(&k, (const unsigned char *)base + (size_t)mid * stride + key_off, sizeof k);
        if (k < key || (past_equal && k == key))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The array v of elem-byte elements, with room for need (at least 1) of them: v itself when
 * *cap holds them, else v reallocated to a doubled capacity (at least first), *cap updated.
 * NULL when out of memory (v is then unchanged and still the caller's). need 0 would give
 * NULL for an array never allocated, which is no failure: callers ask for 1 or more. */
static inline void *tdw_grow(void *v, uint32_t *cap, uint64_t need, size_t elem, uint32_t first)
{
    if (need <= *cap)
        return v;
    uint64_t n = *cap ? (uint64_t)*cap * 2 : first;
    while (n < need)
        n *= 2;
    if (n > UINT32_MAX)
        return NULL;
    void *nv = realloc(v, (size_t)n * elem);
    if (nv)
        *cap = (uint32_t)n;
    return nv;
}

/* The tdw_ref of a DIE of file 0 or 1, or TDW_REF_NONE when libdwarf cannot say. */
static inline tdw_ref tdw_die_ref(unsigned file, Dwarf_Die die)
{
    Dwarf_Off off = 0;
    Dwarf_Error e = NULL;
    if (dwarf_dieoffset(die, &off, &e) != DW_DLV_OK) {
        tdw_err_free(NULL, &e);
        return TDW_REF_NONE;
    }
    return (tdw_ref)off | (file ? TDW_ALT_BIT : 0);
}

/* ---- dwarf_abbrev.c: attribute plans ---- */
/* The plan of die's abbreviation (built on first use; the pointer is valid until the next
 * call with the same p), or NULL: then decode with dwarf_attrlist. */
TYR_HIDDEN const struct tdw_plan *tdw_plan_get(struct tdw_plans *p, Dwarf_Debug dbg,
                                               Dwarf_Die die);
/* A type DIE's name and DW_AT_declaration flag for the name index, as tdw_diename() and
 * dwarf_hasattr() give them, from the plan when there is one: DW_DLV_NO_ENTRY = unnamed,
 * DW_DLV_OK = both set, DW_DLV_ERROR = decode the DIE instead (*e to free). */
TYR_HIDDEN int tdw_name_decl(struct tdw_plans *p, Dwarf_Debug dbg, Dwarf_Die die, char **name,
                             Dwarf_Bool *decl, Dwarf_Error *e);
TYR_HIDDEN void tdw_plans_free(struct tdw_plans *p);

/* ---- dwarf_sibling.c: the guarded sibling step ---- */
/* dwarf_siblingof_b(dbg, die, 1, out, e), checked to move forward, and without its endless
 * loop on a subtree holding a DIE whose DW_AT_sibling names itself. DW_DLV_* like it; on
 * DW_DLV_ERROR, *e may be NULL (a sibling that does not follow its DIE, or nesting deeper
 * than 128 below a DIE without DW_AT_sibling).
 * dbg is the calling thread's handle on dw->f[file], plans its attribute plans. */
TYR_HIDDEN int tdw_siblingof(tyr_dwarf *dw, unsigned file, Dwarf_Debug dbg,
                             struct tdw_plans *plans, Dwarf_Die die, Dwarf_Die *out,
                             Dwarf_Error *e);


/* ---- dwarf_units.c: units and .debug_aranges ---- */
/* What the readers of a unit header use of it. */
struct tdw_unit_header {
    Dwarf_Unsigned next;     /* the next unit header's offset */
    Dwarf_Unsigned type_off; /* a type unit's type DIE, from the unit's start */
    Dwarf_Half unit_type;    /* DW_UT_* */
    Dwarf_Sig8 sig;          /* a type unit's signature */
};
/* The next unit header of dbg, which libdwarf makes its current unit (dwarf_next_cu_header_d):
 * DW_DLV_OK; DW_DLV_NO_ENTRY past the last (the next call starts over at the first);
 * DW_DLV_ERROR with *e set. For every walk over units, the importer's and the workers'. */
TYR_HIDDEN int tdw_next_unit_header(Dwarf_Debug dbg, struct tdw_unit_header *h, Dwarf_Error *e);
TYR_HIDDEN int tdw_units_load(tyr_dwarf *dw, unsigned file, tyr_diag *diag);
/* The type DIE of the DWARF 5 type unit with this signature (DW_FORM_ref_sig8). */
TYR_HIDDEN tdw_ref tdw_type_unit(const tyr_dwarf *dw, unsigned file, uint64_t sig);
/* Make unit k libdwarf's current unit: dwarf_offdie_b() finds offsets inside it in O(1)
 * (libdwarf 20210528 otherwise walks its list of units from the first one). */
TYR_HIDDEN int tdw_seek_unit(tyr_dwarf *dw, unsigned file, uint32_t k, tyr_diag *diag);
/* The index of the unit whose DIE is ref, or UINT32_MAX. */
TYR_HIDDEN uint32_t tdw_unit_index(const tyr_dwarf *dw, tdw_ref cu);
TYR_HIDDEN int tdw_aranges_load(tyr_dwarf *dw, tyr_diag *diag);
/* The unit covering addr, or TDW_REF_NONE. */
TYR_HIDDEN tdw_ref tdw_aranges_find(const tyr_dwarf *dw, uint64_t addr);
/* Free both files' unit lists and attribute plans, and the aranges. */
TYR_HIDDEN void tdw_units_free(tyr_dwarf *dw);

/* ---- dwarf_die.c: reading DIEs ---- */
enum {
    TDW_HAS_NAME = 1u << 0,
    TDW_HAS_TYPE = 1u << 1,
    TDW_HAS_BYTE_SIZE = 1u << 2,
    TDW_HAS_BIT_SIZE = 1u << 3,
    TDW_HAS_DATA_BIT_OFFSET = 1u << 4,
    TDW_HAS_BIT_OFFSET = 1u << 5,
    TDW_HAS_MEMBER_LOC = 1u << 6,
    TDW_BAD_MEMBER_LOC = 1u << 7,
    TDW_HAS_COUNT = 1u << 8,
    TDW_HAS_UPPER = 1u << 9,
    TDW_HAS_LOWER = 1u << 10,
    TDW_HAS_CONST = 1u << 11,
    TDW_CONST_SIGNED = 1u << 12,
    TDW_DECL = 1u << 13,
    TDW_HAS_SPEC = 1u << 14,
    TDW_HAS_ORIGIN = 1u << 15,
    TDW_HAS_LOW_PC = 1u << 16,
    TDW_HAS_RANGES = 1u << 17,
    TDW_HAS_ENCODING = 1u << 18,
    TDW_VECTOR = 1u << 19,
    TDW_BAD_BOUND = 1u << 20, /* count/bound present but not a constant (VLA) */
    TDW_HAS_CHILDREN = 1u << 21,
    TDW_HAS_ALIGN = 1u << 22,
    TDW_HAS_SIG = 1u << 23,   /* DW_AT_signature: the type is defined in a type unit */
    TDW_BAD_SIG = 1u << 24,   /* ... in a type unit that was not found */
    TDW_BAD_NAME = 1u << 25,  /* DW_AT_name present but unreadable: the decode failed */
};
struct tdw_die {
    tdw_ref ref;
    Dwarf_Half tag;
    uint32_t has;         /* TDW_* */
    const char *name;
    tdw_ref type, spec, origin, sig;
    uint64_t byte_size, bit_size, data_bit_offset, bit_offset, member_loc;
    uint64_t count, upper, lower, const_value, encoding, low_pc, align;
};

/* One unit's DIEs decoded ahead by a worker thread (import-all; dwarf_prefetch.c): the
 * top-level type DIEs and everything under them, in section order (ascending offsets).
 * Stored compact (48 bytes, not the 144 of a struct tdw_die): the name and type inline, and
 * only the values whose TDW_HAS_* bit is set, in vals (tdw_cache_get restores the rest to
 * their defaults, which is all tdw_decode leaves in them). */
struct tdw_cdie {
    tdw_ref ref, type;
    const char *name;
    uint32_t has;
    uint32_t val;         /* its first value in vals */
    uint32_t child, sib;  /* 1-based indices into the same array; 0 = none */
    Dwarf_Half tag;
};
struct tdw_cache {
    tdw_ref lo, hi;       /* the unit's DIE refs lie in [lo, hi) */
    struct tdw_cdie *v;   /* owned */
    uint32_t n, cap;
    uint64_t *vals;       /* owned */
    uint32_t nvals, cap_vals;
    uint32_t *hidx;       /* ref -> 1-based index, open addressing (0 = empty); owned */
    uint32_t hcap;        /* 0: no table, look up by binary search */
};
/* Append a decoded DIE; *idx = its 1-based index. */
TYR_HIDDEN int tdw_cache_push(struct tdw_cache *c, const struct tdw_die *d, uint32_t *idx);
/* The DIE at 0-based index i, as tdw_decode gave it. */
TYR_HIDDEN void tdw_cache_get(const struct tdw_cache *c, uint32_t i, struct tdw_die *d);
/* Index the entries by ref once all are pushed (lookups then take a probe or two instead
 * of a binary search over the unit); on failure lookups stay binary searches. */
TYR_HIDDEN void tdw_cache_index(struct tdw_cache *c);
TYR_HIDDEN void tdw_cache_free(struct tdw_cache *c);
/* Append src, a later piece of the same unit (its first entry the unit's DIE, as dst's), to
 * dst: src's top-level DIEs follow dst's as siblings. Neither may be indexed yet. */
TYR_HIDDEN int tdw_cache_append(struct tdw_cache *dst, const struct tdw_cache *src);

/* Read a DIE and its attributes, its name as the DIE gives it (tdw_read in dwarf_cxx.c
 * qualifies C++ names); *die_out (may be NULL) receives the libdwarf DIE that the caller then
 * releases with dwarf_dealloc_die(). Without die_out the prefetched unit may answer. */
TYR_HIDDEN int tdw_die_read(tyr_dwarf *dw, tdw_ref ref, struct tdw_die *out, Dwarf_Die *die_out,
                            tyr_diag *diag);
/* As tdw_die_read, but may answer from the prefetched unit: then *die_out is NULL, and the
 * children are to be read with tdw_kids_first(ref, NULL, ...). */
TYR_HIDDEN int tdw_die_read_cached(tyr_dwarf *dw, tdw_ref ref, struct tdw_die *out,
                                   Dwarf_Die *die_out, tyr_diag *diag);
/* The index has two parts scanned separately: type names (structs, unions, enums,
 * typedefs, base types) and functions, so that completing a declaration does not decode
 * every function and the reverse. */
enum { TDW_IX_TYPES = 0, TDW_IX_FUNCS = 1 };
/* Whether a top-level DIE of this tag goes into that part of the index. */
TYR_HIDDEN bool tdw_index_tag(int part, Dwarf_Half tag);
/* Whether a DIE of this tag is a type the importer makes. */
TYR_HIDDEN bool tdw_is_type_tag(Dwarf_Half tag);
/* Decode an already obtained DIE (not released). A DW_AT_name that cannot be read fails the
 * decode (TYR_EDWARF, diag naming the DIE and why) with TDW_BAD_NAME set in out->has and
 * every other attribute decoded: a name index scan counts such a DIE (tdw_note_bad_name) and
 * goes on without it; a search by address may still use it. */
TYR_HIDDEN int tdw_decode(tyr_dwarf *dw, unsigned file, Dwarf_Die die, struct tdw_die *out,
                          tyr_diag *diag);
/* tdw_decode with the Dwarf_Debug given (a worker thread's own) and its plans (may be
 * NULL: dwarf_attrlist for every DIE); counts nothing. */
TYR_HIDDEN int tdw_decode_in(const tyr_dwarf *dw, Dwarf_Debug dbg, struct tdw_plans *plans,
                             unsigned file, Dwarf_Die die, struct tdw_die *out, tyr_diag *diag);
/* tdw_decode_in, with the DIE's DW_AT_name already read (when known): `name` (NULL = none) is
 * taken instead of reading the attribute again, where a plan decodes the DIE. */
TYR_HIDDEN int tdw_decode_named(const tyr_dwarf *dw, Dwarf_Debug dbg, struct tdw_plans *plans,
                                unsigned file, Dwarf_Die die, bool known, const char *name,
                                struct tdw_die *out, tyr_diag *diag);
TYR_HIDDEN void tdw_die_free(Dwarf_Die die);
/* Children of a DIE, decoded, from the prefetched unit when it holds the parent, else from
 * libdwarf (parent_die, when the caller has it, saves a lookup). 1 = *out is a child,
 * 0 = no more, <0 = error. Always finish with tdw_kids_end(). */
struct tdw_kids {
    Dwarf_Die cur;
    const struct tdw_cache *cache;
    uint32_t next;
    unsigned file;
    bool started;
};
TYR_HIDDEN int tdw_kids_first(tyr_dwarf *dw, tdw_ref parent, Dwarf_Die parent_die,
                              struct tdw_kids *k, struct tdw_die *out, tyr_diag *diag);
TYR_HIDDEN int tdw_kids_next(tyr_dwarf *dw, struct tdw_kids *k, struct tdw_die *out,
                             tyr_diag *diag);
TYR_HIDDEN void tdw_kids_end(struct tdw_kids *k);
/* First child / next sibling as DIEs of the same file; 1 = got one, 0 = none, <0 error. */
TYR_HIDDEN int tdw_child(tyr_dwarf *dw, unsigned file, Dwarf_Die die, Dwarf_Die *out,
                         tyr_diag *diag);
TYR_HIDDEN int tdw_sibling(tyr_dwarf *dw, unsigned file, Dwarf_Die die, Dwarf_Die *out,
                           tyr_diag *diag);
/* Whether err, from decoding d, is its unreadable DW_AT_name (a scan may skip the DIE). */
static inline bool tdw_is_bad_name(int err, const struct tdw_die *d)
{
    return err == TYR_EDWARF && (d->has & TDW_BAD_NAME);
}
/* Count a DIE left out of a name scan because its name is unreadable (any thread). */
TYR_HIDDEN void tdw_note_bad_name(tyr_dwarf *dw, tdw_ref ref);

/* ---- dwarf_index.c: the top-level name index ---- */
TYR_HIDDEN int tdw_index_build(tyr_dwarf *dw, int part, tyr_diag *diag);
/* Walk the entries named `name` scanned so far, newest first: start with *cursor = 0;
 * returns the entry or NULL at the end. */
TYR_HIDDEN const struct tdw_entry *tdw_index_next(const tyr_dwarf *dw, const char *name,
                                                  uint32_t *cursor);
/* The first entry in unit order named `name` that `want` accepts, scanning more units only
 * as far as needed (a definition is usually found in an early unit). NULL if none. */
TYR_HIDDEN const struct tdw_entry *tdw_index_first(tyr_dwarf *dw, int part, const char *name,
                                                   bool (*want)(const struct tdw_entry *, void *),
                                                   void *arg, tyr_diag *diag, int *err);
/* The name of a subprogram DIE that has none itself, from its DW_AT_abstract_origin /
 * DW_AT_specification chain (at most 4 links); NULL if none. */
TYR_HIDDEN const char *tdw_origin_name(tyr_dwarf *dw, const struct tdw_die *d, tyr_diag *diag);
TYR_HIDDEN void tdw_index_free(tyr_dwarf *dw);

/* ---- dwarf_debuginfod.c: the file of a build-id from debuginfod servers ---- */
/* what names the file in messages ("debug file", "dwz file"). Returns 0, *fetched true with
 * the cached file's path in found (its build-id checked to be id, and with .debug_info), or
 * false when no server is configured or the servers do not have it (each server noted in
 * tried, diag untouched); with diag set, TYR_EIO when a server failed, TYR_ENODEBUG when it
 * served a file that is not the one asked for (that file removed from the cache), or the
 * progress callback's non-zero value when it cancelled the download. */
TYR_HIDDEN int tdw_debuginfod_find(const unsigned char *id, size_t id_len, const char *what,
                                   const struct tyr_dwarf_opts *opts, char *found,
                                   size_t found_len, char *tried, size_t tried_len, bool *fetched,
                                   tyr_diag *diag);


/* ---- dwarf_elfsym.c: ELF symbols ---- */
/* Every defined function symbol (STT_FUNC, STT_GNU_IFUNC, non-zero address) of elf's
 * .symtab and .dynsym, in table order, its name without a version suffix ("@GLIBC_2.2.5",
 * "@@GLIBC_2.2.5"), handed to add (a view valid during the call); add's non-zero return
 * stops the walk and is returned. With plt, also the undefined ones with an address: a
 * non-PIE executable's PLT entries for the functions it imports, which a uprobe attaches to
 * as well. */
TYR_HIDDEN int tdw_syms_read(Elf *elf, bool plt,
                             int (*add)(void *ctx, const char *name, uint64_t addr), void *ctx);
/* Read the function symbols of the binary (and of its separate debug file) on first use:
 * 0 or TYR_ENOMEM. */
TYR_HIDDEN int tdw_syms_need(tyr_dwarf *dw);
/* Addresses of function symbols named `name` (or its .part/.isra/.constprop/.cold copies
 * when `copies`): up to max written, the number found returned. */
TYR_HIDDEN void tdw_syms_free(tyr_dwarf *dw);
TYR_HIDDEN uint32_t tdw_syms_lookup(const tyr_dwarf *dw, const char *name, bool copies,
                                    uint64_t *addrs, uint32_t max);
/* The names of the function symbols at addr, one per call (*cursor starts at 0); NULL at
 * the end. Views into the handle's symbol strings. */
TYR_HIDDEN const char *tdw_syms_at(const tyr_dwarf *dw, uint64_t addr, uint32_t *cursor);

/* ---- dwarf_prefetch.c: import-all's worker threads ---- */
struct prefetch;
/* Start decoding the units of `file` ahead (with `funcs`, also every top-level subprogram
 * and its parameters); NULL when threads are not worth it or fail
 * (the caller then reads everything itself). */
TYR_HIDDEN struct prefetch *tdw_prefetch_start(tyr_dwarf *dw, unsigned file, bool funcs,
                                               uint32_t pieces);
/* Unit u decoded (waits for it), or NULL if its worker failed: read it from libdwarf. */
TYR_HIDDEN const struct tdw_cache *tdw_prefetch_take(struct prefetch *pf, uint32_t u);
/* The importer is done with unit u: free it, let the workers run further ahead. */
TYR_HIDDEN void tdw_prefetch_done(struct prefetch *pf, uint32_t u);
/* The type-name index entries of unit u of the prefetched file, scanned by a worker (or by
 * this thread while it waits for one) in the order index_scan_next would add them:
 * 1 = the entries are in v[0..n), owned by pf until tdw_prefetch_names_done(u); 0 = scan u
 * yourself. Units are asked for in order. */
TYR_HIDDEN int tdw_prefetch_names(struct prefetch *pf, uint32_t u, const struct tdw_entry **v,
                                  uint32_t *n);
TYR_HIDDEN void tdw_prefetch_names_done(struct prefetch *pf, uint32_t u);
/* Stop and join the workers, free everything; returns the DIEs they decoded. */
TYR_HIDDEN uint64_t tdw_prefetch_stop(struct prefetch *pf);

/* ---- dwarf_cxx.c: C++ scopes and qualified names ---- */
/* A struct, class, union, enum or typedef DIE of a C++ unit: d->name becomes its qualified
 * name ("app::net::Conn::Stats"), a string that lives with the handle. Other DIEs and units
 * in other languages are left as they are. 0 or an error (out of memory, unreadable unit). */
TYR_HIDDEN int tdw_cxx_qualify(tyr_dwarf *dw, struct tdw_die *d, tyr_diag *diag);
/* The index entries of unit u when it is a C++ unit: every named type and subprogram inside
 * its namespaces and classes as well as at its top level, by qualified name (views kept by
 * the handle). 1 = *v, *n set; 0 = not a C++ unit (scan its top level); <0 error. */
TYR_HIDDEN int tdw_cxx_entries(tyr_dwarf *dw, unsigned file, uint32_t u,
                               const struct tdw_entry **v, uint32_t *n, tyr_diag *diag);
/* An unsigned constant attribute the decoder does not read (DW_AT_calling_convention,
 * DW_AT_virtuality): 1 = *val set, 0 = absent or not a constant, <0 error. */
TYR_HIDDEN int tdw_cxx_attr_udata(tyr_dwarf *dw, tdw_ref ref, Dwarf_Half at, uint64_t *val,
                                  tyr_diag *diag);
/* Does the ABI pass a by-value parameter of type DIE `type` by invisible reference? Its
 * class (typedefs and qualifiers followed) says DW_CC_pass_by_reference (clang, DWARF 5), or,
 * without DW_AT_calling_convention (g++ 12), declares a copy or move constructor or a
 * destructor of its own, or has a vtable pointer: 1 yes, 0 no, <0 error. */
TYR_HIDDEN int tdw_cxx_by_invisible_ref(tyr_dwarf *dw, tdw_ref type, tyr_diag *diag);
TYR_HIDDEN void tdw_cxx_free(tyr_dwarf *dw);
/* tdw_die_read / tdw_die_read_cached, with a C++ type's name qualified (tdw_cxx_qualify): how
 * every layer above this one reads a DIE. */
TYR_HIDDEN int tdw_read(tyr_dwarf *dw, tdw_ref ref, struct tdw_die *out, Dwarf_Die *die_out,
                        tyr_diag *diag);
TYR_HIDDEN int tdw_read_cached(tyr_dwarf *dw, tdw_ref ref, struct tdw_die *out,
                               Dwarf_Die *die_out, tyr_diag *diag);

/* ---- dwarf_import.c: types ---- */
/* Make sure the import state belongs to reg. */
TYR_HIDDEN int tdw_bind(tyr_dwarf *dw, tyr_registry *reg);
/* Size the DIE -> type map and the chain-hash memo for about this many entries (import-all
 * knows the size of .debug_info: growing step by step rehashed everything ~6 times). */
TYR_HIDDEN int tdw_reserve(tyr_dwarf *dw, uint32_t types, uint32_t memo);
/* The PTR flagged TYR_PTR_INVISIBLE to t (made once per registry). */
TYR_HIDDEN int tdw_invisible_ref(tyr_dwarf *dw, tyr_type t, tyr_type *out, tyr_diag *diag);
/* Import the type DIE `ref` (TDW_REF_NONE = void) completely, with what it reaches. */
TYR_HIDDEN int tdw_import_type(tyr_dwarf *dw, tdw_ref ref, tyr_type *out, tyr_diag *diag);
/* Start loading the map slots of ref (DIE -> type, chain hash) into the cache: the maps are
 * megabytes, and each first lookup of a DIE is a cache miss the importer would wait for. */
TYR_HIDDEN void tdw_map_prefetch(const tyr_dwarf *dw, tdw_ref ref);
/* After a batch of imports: record the registry's type count (see tyr_dwarf_forget). */
TYR_HIDDEN void tdw_unbind(tyr_dwarf *dw);
/* Free the import work stack's buffers. */
TYR_HIDDEN void tdw_scratch_free(tyr_dwarf *dw);
/* Drop the import state (DIE -> type map, dedup keys, fill lists): after a rollback, or
 * when the handle is bound to another registry. */
TYR_HIDDEN void tdw_import_forget(tyr_dwarf *dw);
/* Free everything the import state owns. */
TYR_HIDDEN void tdw_import_free(tyr_dwarf *dw);

/* ---- dwarf_files.c: opening the binary, its debug file and its dwz file ---- */
/* Open the binary on fd (owned by dw from here on, closed by tdw_files_close), find its
 * DWARF (in it, in a separate debug file, from debuginfod when search) and its dwz file. */
TYR_HIDDEN int tdw_files_open(tyr_dwarf *dw, int fd, const char *path, bool search,
                              const struct tyr_dwarf_opts *opts, tyr_diag *diag);
TYR_HIDDEN void tdw_files_close(tyr_dwarf *dw);
/* Finish a Dwarf_Debug and end the libelf handle it reads (either may be NULL), both set to
 * NULL: the one way a file's or a worker's reader is closed. */
TYR_HIDDEN void tdw_reader_close(Dwarf_Debug *dbg, Elf **elf);

/* ---- dwarf_func.c: function signatures, named types, import-all, function lists ---- */
/* The DIE tyr_dwarf_import_func() would take for name (by symbol address, then by name,
 * then through a .part/.isra/.constprop copy), or TDW_REF_NONE in *found. */
TYR_HIDDEN int tdw_find_function(tyr_dwarf *dw, const char *name, tdw_ref *found,
                                 tyr_diag *diag);
/* The bodies of tyr_dwarf_import_func, _import_type, _import_all, _list_funcs and
 * _func_overloads (include/tyr/dwarf.h says what each does). */
TYR_HIDDEN int tdw_func_import(tyr_dwarf *dw, tyr_registry *reg, const char *name,
                               tyr_type *out, tyr_diag *diag);
TYR_HIDDEN int tdw_named_type_import(tyr_dwarf *dw, tyr_registry *reg, const char *name,
                                     int kind, tyr_type *out, tyr_diag *diag);
TYR_HIDDEN int tdw_import_all(tyr_dwarf *dw, tyr_registry *reg, uint32_t flags, uint32_t pieces,
                              tyr_dwarf_progress_fn progress, void *ctx, tyr_dwarf_stats *stats,
                              uint64_t *funcs_out, tyr_diag *diag);
TYR_HIDDEN int tdw_list_funcs(tyr_dwarf *dw, const char *glob, tyr_dwarf_func_fn fn, void *ctx,
                              tyr_diag *diag);
TYR_HIDDEN int tdw_func_overloads(tyr_dwarf *dw, const char *name, tyr_dwarf_func_fn fn,
                                  void *ctx, uint32_t *count, tyr_diag *diag);

#endif /* TYR_DWARF_INTERNAL_H */

/* SPDX-License-Identifier: MIT */
/*
 * tyr_dump_c: the registry as C declarations that gcc and clang accept, with the registry's
 * sizeof and member offsets.
 *
 * Phases, each a loop over the selected types (no recursion in proportion to the input):
 *   1. select: every type, or the closure of the roots (a worklist);
 *   2. names: tags and ordinary identifiers are assigned in id order; the second layout
 *      under a name gets `name__2` (`__3`, ...); anonymous types get an owning typedef or a
 *      synthetic tag `__tyr_anon_<id>`;
 *   3. plans: for each struct/union, in rank order (members before holders), the first of
 *      natural / packed+aligned / packed / opaque whose simulated C layout gives the
 *      registry's offsets and size;
 *   4. order and emit: a depth-first walk over "needs the definition of" edges with an
 *      explicit stack; "needs a declaration" edges (through pointers) are met on the spot
 *      by a forward declaration. A definition cycle (only possible through a typedef of an
 *      array used by pointer inside the struct it holds) is broken by emitting one member as
 *      an opaque byte array of the same size.
 * Spelling a declarator recurses only into prototype parameters and inline anonymous
 * members, both bounded by NEST_MAX (TYR_EDEPTH beyond).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "out.h"

#define NEST_MAX 16
#define NONE UINT32_MAX

enum { NEED_FWD = 1, NEED_DEF = 2 };
enum { ST_NONE = 0, ST_BUSY = 1, ST_DONE = 2 };
enum { MODE_NATURAL = 0, MODE_PACKED_ALIGNED = 1, MODE_PACKED = 2, MODE_OPAQUE = 3 };

/* A name -> id map over offsets into the names buffer (open addressing). */
struct nmap {
    uint32_t *off; /* 0 = empty slot */
    uint32_t *id;
    uint32_t cap, used;
};

struct plan {
    uint8_t mode;
    uint32_t attr_align; /* aligned(N) to emit, 0 for none */
    uint32_t align;      /* the alignment the emitted type has */
};

struct dep {
    uint32_t id;
    uint32_t need;
    uint32_t field; /* global field index that caused it, NONE if not a member */
    uint32_t rec;   /* the record holding that field */
};

struct frame {
    uint32_t id;
    struct dep *deps;
    uint32_t n, cap, cursor;
};

struct dc {
    const tyr_registry *reg;
    struct tyr_out *o;
    uint32_t flags;
    uint32_t n;
    uint8_t *in;         /* selected */
    uint8_t *state;      /* ST_* of the definition */
    uint8_t *fwd;        /* forward declaration written */
    uint8_t *used;       /* anonymous record/enum used other than as an anonymous member */
    uint8_t *anon_mem;   /* used as an anonymous member */
    uint8_t *uses;       /* references from selected types (saturates at 2) */
    uint8_t *field_use;  /* used as the type of a named member, directly */
    uint8_t *inl;        /* anonymous record written inline at its one named member */
    uint8_t *opaque;     /* per global field index: emit as a byte array (cycle breaker) */
    uint32_t *name;      /* names-buffer offset of a tag, typedef or function name */
    uint32_t *owner;     /* anonymous record/enum -> the typedef that names it */
    uint32_t *enum_name; /* per global enumerator index */
    struct plan *plan;
    struct tyr_str names;
    struct nmap tags, idents;
    uint64_t walk_left; /* steps left in the current top-level walk_use */
    int err;
};

/* ---- Identifiers ------------------------------------------------------------------------ */

static bool is_keyword(const char *s)
{
    static const char *const kw[] = {
        "auto", "break", "case", "char", "const", "continue", "default", "do", "double",
        "else", "enum", "extern", "float", "for", "goto", "if", "inline", "int", "long",
        "register", "restrict", "return", "short", "signed", "sizeof", "static", "struct",
        "switch", "typedef", "union", "unsigned", "void", "volatile", "while", "_Alignas",
        "_Alignof", "_Atomic", "_Bool", "_Complex", "_Generic", "_Imaginary", "_Noreturn",
        "_Static_assert", "_Thread_local", "asm", "typeof", "__attribute__",
    };
    for (size_t i = 0; i < sizeof(kw) / sizeof(kw[0]); i++)
        if (!strcmp(s, kw[i]))
            return true;
    return false;
}

/* A C identifier for name (malloc'd; the caller frees; NULL on ENOMEM): characters other
 * than [A-Za-z0-9_] become '_' (C++ names such as "vector<int>"), a leading digit gets a
 * '_' before it, a keyword a '_' after it. Valid names come back unchanged. */
static char *ident(const char *name)
{
    size_t n = strlen(name);
    char *s = malloc(n + 3);
    if (!s)
        return NULL;
    size_t k = 0;
    if (name[0] >= '0' && name[0] <= '9')
        s[k++] = '_';
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_';
        s[k++] = ok ? c : '_';
    }
    s[k] = '\0';
    if (is_keyword(s)) {
        s[k++] = '_';
        s[k] = '\0';
    }
    return s;
}

/* ---- Small helpers ---------------------------------------------------------------------- */

static void tabs(struct dc *dc, unsigned n);
static const char *enum_int_name(const tyr_registry *reg, const struct tyr_rec_type *t);
/* The LP64 C integer type of a size in bytes (16: __int128), signed or not. */
static const char *int_of_size(uint64_t size, bool sgn)
{
    switch (size) {
    case 1:
        return sgn ? "signed char" : "unsigned char";
    case 2:
        return sgn ? "short" : "unsigned short";
    case 4:
        return sgn ? "int" : "unsigned int";
    case 8:
        return sgn ? "long long" : "unsigned long long";
    default:
        return sgn ? "__int128" : "unsigned __int128";
    }
}

static const struct tyr_rec_type *T(const struct dc *dc, uint32_t id)
{
    return tyr__type(dc->reg, id);
}

static const struct tyr_rec_type *R(const struct dc *dc, uint32_t id)
{
    return tyr__type(dc->reg, tyr__resolve(dc->reg, id));
}

static const char *nm(const struct dc *dc, uint32_t off)
{
    return dc->names.s ? dc->names.s + off : "";
}

static bool is_anon_record_or_enum(const struct tyr_rec_type *r)
{
    return r && !r->name && (tyr__is_record_kind(r->kind) || r->kind == TYR_KIND_ENUM);
}

static uint32_t hash_str(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* Slot of name in m, or the empty slot where it would go. */
static uint32_t nmap_slot(const struct dc *dc, const struct nmap *m, const char *name)
{
    uint32_t mask = m->cap - 1;
    uint32_t i = hash_str(name) & mask;
    while (m->off[i] && strcmp(nm(dc, m->off[i]), name))
        i = (i + 1) & mask;
    return i;
}

static int nmap_grow(struct dc *dc, struct nmap *m)
{
    uint32_t ncap = m->cap ? m->cap * 2 : 64;
    struct nmap nw = {calloc(ncap, sizeof(uint32_t)), calloc(ncap, sizeof(uint32_t)), ncap, 0};
    if (!nw.off || !nw.id) {
        free(nw.off);
        free(nw.id);
        return TYR_ENOMEM;
    }
    for (uint32_t i = 0; i < m->cap; i++) {
        if (!m->off[i])
            continue;
        uint32_t j = nmap_slot(dc, &nw, nm(dc, m->off[i]));
        nw.off[j] = m->off[i];
        nw.id[j] = m->id[i];
        nw.used++;
    }
    free(m->off);
    free(m->id);
    *m = nw;
    return 0;
}

/* Append a NUL-terminated name to the names buffer; its offset, or 0 on error. */
static uint32_t store_name(struct dc *dc, const char *s)
{
    size_t at = dc->names.len;
    tyr__str_append(&dc->names, s, strlen(s) + 1);
    if (dc->names.err || at > UINT32_MAX) {
        dc->err = dc->names.err ? dc->names.err : TYR_EOVERFLOW;
        return 0;
    }
    return (uint32_t)at;
}

/* Give id a name in m: base if free, else base__2, base__3, ...; returns the offset. */
static uint32_t assign_name(struct dc *dc, struct nmap *m, const char *base, uint32_t id)
{
    if (dc->err)
        return 0;
    if ((m->used + 1) * 10 > m->cap * 7 && (dc->err = nmap_grow(dc, m)))
        return 0;
    char *fixed = ident(base);
    size_t blen = fixed ? strlen(fixed) : 0;
    char *tmp = fixed ? malloc(blen + 16) : NULL;
    if (!tmp) {
        free(fixed);
        dc->err = TYR_ENOMEM;
        return 0;
    }
    memcpy(tmp, fixed, blen + 1);
    free(fixed);
    for (uint32_t k = 2; m->off[nmap_slot(dc, m, tmp)]; k++)
        snprintf(tmp + blen, 16, "__%" PRIu32, k);
    uint32_t off = store_name(dc, tmp);
    free(tmp);
    if (!off)
        return 0;
    uint32_t slot = nmap_slot(dc, m, nm(dc, off));
    m->off[slot] = off;
    m->id[slot] = id;
    m->used++;
    return off;
}

/* The id already holding name in m, or NONE. */
static uint32_t nmap_get(const struct dc *dc, const struct nmap *m, const char *name)
{
    uint32_t i = nmap_slot(dc, m, name);
    return m->off[i] ? m->id[i] : NONE;
}

/* ---- 2. Names --------------------------------------------------------------------------- */

/* The record type an anonymous member holds inline, or 0. */
static uint32_t inline_member(const struct dc *dc, const struct tyr_rec_field *f)
{
    if (f->name)
        return 0;
    const struct tyr_rec_type *t = T(dc, f->type);
    if (!t || !tyr__is_record_kind(t->kind) || t->name || (t->flags & TYR_STRUCT_DECL))
        return 0;
    return f->type;
}

/* The anonymous record a named member declares inline (`struct { ... } name;`), or 0. */
static uint32_t inline_named(const struct dc *dc, const struct tyr_rec_field *f)
{
    return f->name && f->type < dc->n && dc->inl[f->type] ? f->type : 0;
}

static void count_use(struct dc *dc, uint32_t id)
{
    if (id < dc->n && dc->uses[id] < 2)
        dc->uses[id]++;
}

static void assign_names(struct dc *dc, const tyr_type *roots, size_t nroots)
{
    const tyr_registry *reg = dc->reg;
    char tmp[48];
    /* Owners and uses of anonymous types. */
    for (uint32_t id = 1; id < dc->n; id++) {
        if (!dc->in[id])
            continue;
        const struct tyr_rec_type *r = &reg->types[id];
        uint32_t target = tyr__t_ref(r);
        if (r->kind == TYR_KIND_TYPEDEF && target < dc->n && dc->in[target] &&
            is_anon_record_or_enum(T(dc, target)) && !dc->owner[target])
            dc->owner[target] = id;
    }
    for (uint32_t id = 1; id < dc->n; id++) {
        if (!dc->in[id])
            continue;
        const struct tyr_rec_type *r = &reg->types[id];
        uint32_t first = tyr__t_first(r), count = tyr__t_count(reg, r), target = tyr__t_ref(r);
        if (tyr__is_record_kind(r->kind)) {
            for (uint32_t i = 0; i < count; i++) {
                const struct tyr_rec_field *f = &reg->fields[first + i];
                uint32_t in = inline_member(dc, f);
                if (in) {
                    dc->anon_mem[in] = 1;
                } else if (f->type < dc->n) {
                    dc->used[f->type] = 1;
                    count_use(dc, f->type);
                    if (f->name && !tyr__f_bit_size(dc->reg, f))
                        dc->field_use[f->type] = 1;
                }
            }
        } else if (r->kind == TYR_KIND_FUNC_PROTO) {
            for (uint32_t i = 0; i < count; i++)
                if (reg->params[first + i].type < dc->n) {
                    dc->used[reg->params[first + i].type] = 1;
                    count_use(dc, reg->params[first + i].type);
                }
            dc->used[target] = 1;
            count_use(dc, target);
        } else if (r->kind != TYR_KIND_TYPEDEF || dc->owner[target] != id) {
            if (r->kind != TYR_KIND_ENUM && target < dc->n) {
                dc->used[target] = 1;
                count_use(dc, target);
            }
        }
    }
    /* An anonymous struct, union or enum whose only use is one named member (not a
     * bitfield) is written inside it, as C code declares it, not under a synthetic tag. */
    for (size_t i = 0; roots && i < nroots; i++)
        if (roots[i].id < dc->n)
            dc->uses[roots[i].id] = 2; /* asked for by itself: it stays top-level */
    for (uint32_t id = 1; id < dc->n; id++) {
        const struct tyr_rec_type *r = &reg->types[id];
        bool rec = tyr__is_record_kind(r->kind) && !(r->flags & TYR_STRUCT_DECL);
        dc->inl[id] = dc->in[id] && (rec || r->kind == TYR_KIND_ENUM) && !r->name &&
                      !dc->owner[id] && !dc->anon_mem[id] && dc->uses[id] == 1 &&
                      dc->field_use[id];
    }
    /* Tags: defined records and enums first, so that they keep their names. */
    for (int pass = 0; pass < 2 && !dc->err; pass++) {
        for (uint32_t id = 1; id < dc->n && !dc->err; id++) {
            const struct tyr_rec_type *r = &reg->types[id];
            if (!dc->in[id] || !(tyr__is_record_kind(r->kind) || r->kind == TYR_KIND_ENUM))
                continue;
            bool decl = tyr__is_record_kind(r->kind) && (r->flags & TYR_STRUCT_DECL);
            if (decl != (pass == 1))
                continue;
            if (!r->name) {
                if (dc->owner[id] || dc->inl[id])
                    continue;
                snprintf(tmp, sizeof(tmp), "__tyr_anon_%" PRIu32, id);
                dc->name[id] = assign_name(dc, &dc->tags, tmp, id);
                continue;
            }
            const char *base = tyr__str(reg, r->name);
            if (decl) {
                /* A declaration shares the tag of a same-kind type of that name. */
                char *fixed = ident(base);
                if (!fixed) {
                    dc->err = TYR_ENOMEM;
                    break;
                }
                uint32_t other = nmap_get(dc, &dc->tags, fixed);
                free(fixed);
                if (other != NONE && reg->types[other].kind == r->kind) {
                    dc->name[id] = dc->name[other];
                    continue;
                }
            }
            dc->name[id] = assign_name(dc, &dc->tags, base, id);
        }
    }
    /* Ordinary identifiers: typedefs, functions, enumerators, in id order. */
    for (uint32_t id = 1; id < dc->n && !dc->err; id++) {
        const struct tyr_rec_type *r = &reg->types[id];
        if (!dc->in[id])
            continue;
        if (r->kind == TYR_KIND_TYPEDEF || r->kind == TYR_KIND_FUNC) {
            dc->name[id] = assign_name(dc, &dc->idents, tyr__str(reg, r->name), id);
        } else if (r->kind == TYR_KIND_ENUM) {
            for (uint32_t i = 0, n = tyr__t_count(reg, r); i < n && !dc->err; i++) {
                uint32_t g = tyr__t_first(r) + i;
                dc->enum_name[g] =
                    assign_name(dc, &dc->idents, tyr__str(reg, reg->enums[g].name), id);
            }
        }
    }
}

/* ---- Spelling --------------------------------------------------------------------------- */

static const char *int_name(const tyr_registry *reg, const struct tyr_rec_type *r,
                            const char *given)
{
    static const struct {
        const char *name;
        uint64_t size;
    } known[] = {
        {"char", 1}, {"signed char", 1}, {"unsigned char", 1}, {"short", 2}, {"short int", 2},
        {"unsigned short", 2}, {"short unsigned int", 2}, {"unsigned short int", 2},
        {"int", 4}, {"signed int", 4}, {"unsigned int", 4}, {"unsigned", 4}, {"long", 8},
        {"long int", 8}, {"unsigned long", 8}, {"long unsigned int", 8},
        {"unsigned long int", 8}, {"long long", 8}, {"long long int", 8},
        {"unsigned long long", 8}, {"long long unsigned int", 8},
        {"unsigned long long int", 8}, {"_Bool", 1},
    };
    bool sgn = r->flags & TYR_INT_SIGNED;
    uint64_t size = tyr__t_size(reg, r);
    if (r->flags & TYR_INT_BOOL)
        return size == 1 ? "_Bool" : sgn ? "short" : "unsigned short";
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (known[i].size == size && !strcmp(known[i].name, given) &&
            strcmp(given, "_Bool") != 0)
            return given;
    return int_of_size(size, sgn);
}

static const char *float_name(const tyr_registry *reg, const struct tyr_rec_type *r)
{
    uint64_t size = tyr__t_size(reg, r);
    if (size == 4)
        return "float";
    if (size == 8)
        return "double";
    return tyr__t_bits(r) == 80 ? "long double" : "__float128";
}

/* The name a record or enum is spelled by: its tag (with keyword) or its owning typedef. */
static void tag_spelling(const struct dc *dc, uint32_t id, struct tyr_str *out)
{
    const struct tyr_rec_type *r = T(dc, id);
    if (dc->owner[id]) {
        tyr__str_puts(out, nm(dc, dc->name[dc->owner[id]]));
        return;
    }
    tyr__str_puts(out, r->kind == TYR_KIND_STRUCT ? "struct " : r->kind == TYR_KIND_UNION
                                                               ? "union " : "enum ");
    tyr__str_puts(out, nm(dc, dc->name[id]));
}

static int spell(const struct dc *dc, uint32_t id, const char *declarator, bool param_names,
                 int depth, struct tyr_str *out);

/* The declarator engine's callbacks (lib/spell.c): ctx is a struct spell_ctx. */
struct spell_ctx {
    const struct dc *dc;
    bool param_names; /* the outermost function's parameters are named */
};

/* C has no references: a C++ `T&` / `T&&` is the pointer it is held as, marked */
static const char *pointer_token(void *ctx, const struct tyr_rec_type *r)
{
    (void)ctx;
    if (!(r->flags & (TYR_PTR_REF | TYR_PTR_RVREF | TYR_PTR_INVISIBLE)))
        return "*";
    return (r->flags & TYR_PTR_RVREF)       ? "/*&&*/ *"
           : (r->flags & TYR_PTR_INVISIBLE) ? "/*by value*/ *"
                                            : "/*&*/ *";
}

static void spell_params(void *ctx, const struct tyr_rec_type *proto, bool first, int depth,
                         struct tyr_str *d)
{
    const struct spell_ctx *c = ctx;
    const struct dc *dc = c->dc;
    const tyr_registry *reg = dc->reg;
    uint32_t at = tyr__t_first(proto), count = tyr__t_count(reg, proto);
    tyr__str_puts(d, "(");
    if (count == 0) {
        /* C11 has no `(...)`: a variadic function without parameters is unprototyped. */
        tyr__str_puts(d, (proto->flags & TYR_FUNC_VARARGS) ? ")" : "void)");
        return;
    }
    for (uint32_t i = 0; i < count && !d->err; i++) {
        const struct tyr_rec_param *p = &reg->params[at + i];
        struct tyr_str ps = {.budget = d->budget};
        if (i)
            tyr__str_puts(d, ", ");
        /* A name repeated in one parameter list (damaged or foreign input) is dropped. */
        bool named = first && c->param_names;
        for (uint32_t j = 0; named && j < i; j++)
            if (reg->params[at + j].name == p->name)
                named = false;
        char *pname = ident(named ? tyr__str(reg, p->name) : "");
        int err = pname ? spell(dc, p->type, pname, false, depth + 1, &ps) : TYR_ENOMEM;
        free(pname);
        tyr__str_take(d, &ps, err);
    }
    if (proto->flags & TYR_FUNC_VARARGS)
        tyr__str_puts(d, ", ...");
    tyr__str_puts(d, ")");
}

/* The C name of a base type: as the dump declares it (typedefs, tags under their emitted
 * names, integer types by a name gcc and clang agree on). */
static void base_name(void *ctx, uint32_t id, const struct tyr_rec_type *r, struct tyr_str *d)
{
    const struct dc *dc = ((const struct spell_ctx *)ctx)->dc;
    if (r->kind == TYR_KIND_VOID || r->kind == TYR_KIND_UNKNOWN)
        tyr__str_puts(d, "void");
    else if (r->kind == TYR_KIND_INT)
        tyr__str_puts(d, int_name(dc->reg, r, tyr__str(dc->reg, r->name)));
    else if (r->kind == TYR_KIND_FLOAT)
        tyr__str_puts(d, float_name(dc->reg, r));
    else if (r->kind == TYR_KIND_TYPEDEF)
        tyr__str_puts(d, nm(dc, dc->name[id]));
    else
        tag_spelling(dc, id, d);
}

/* C spelling of id declaring `declarator` (may be ""), into *out (caller frees out->s);
 * out->budget bounds the work (TYR_SPELL_BUDGET per declaration). */
static int spell(const struct dc *dc, uint32_t id, const char *declarator, bool param_names,
                 int depth, struct tyr_str *out)
{
    struct spell_ctx ctx = {dc, param_names};
    const struct tyr_decl_style style = {
        .ctx = &ctx,
        .max_depth = NEST_MAX,
        .pointer = pointer_token,
        .params = spell_params,
        .base = base_name,
    };
    return tyr__decl_spell(dc->reg, id, declarator, TYR_DECL_AS_C, &style, depth, out);
}

/* ---- 3. Layout plans -------------------------------------------------------------------- */

/* The alignment the emitted C type of id has. */
static uint32_t emit_align(const struct dc *dc, uint32_t id)
{
    uint32_t rid = tyr__resolve(dc->reg, id);
    const struct tyr_rec_type *r = T(dc, rid);
    for (uint32_t guard = 0; r && r->kind == TYR_KIND_ARRAY && guard < dc->n; guard++) {
        rid = tyr__resolve(dc->reg, tyr__t_ref(r));
        r = T(dc, rid);
    }
    if (!r)
        return 1;
    switch (r->kind) {
    case TYR_KIND_STRUCT:
    case TYR_KIND_UNION:
        return dc->plan[rid].align ? dc->plan[rid].align : 1;
    case TYR_KIND_UNKNOWN:
        return 1;
    case TYR_KIND_INT:
    case TYR_KIND_FLOAT:
    case TYR_KIND_ENUM:
    case TYR_KIND_PTR: {
        uint64_t size = tyr__t_size(dc->reg, r);
        return size ? (uint32_t)size : 1;
    }
    default:
        return 1;
    }
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
    return a > 1 ? (v + a - 1) / a * a : v;
}

/* A member is "padding" if it is an unnamed bitfield; it contributes no alignment. */
static bool is_unnamed_bitfield(const struct dc *dc, const struct tyr_rec_field *f)
{
    return !f->name && tyr__f_bit_size(dc->reg, f);
}

/* Can record id be written in this mode? 0 yes, 1 no (try the next mode). */
static int simulate(const struct dc *dc, uint32_t id, bool packed, uint32_t attr)
{
    const tyr_registry *reg = dc->reg;
    const struct tyr_rec_type *r = T(dc, id);
    uint64_t c = 0, maxend = 0; /* bits */
    uint32_t natural = 1;
    bool is_union = r->kind == TYR_KIND_UNION;
    uint64_t rsize = tyr__t_size(reg, r);
    uint32_t first = tyr__t_first(r), count = tyr__t_count(reg, r);
    if (rsize > UINT64_MAX / 16)
        return 1;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t g = first + i;
        const struct tyr_rec_field *f = &reg->fields[g];
        const struct tyr_rec_type *ft = R(dc, f->type);
        if (!ft)
            return 1;
        uint64_t fsize = tyr__t_size(reg, ft);
        uint32_t falign = dc->opaque[g] ? 1 : emit_align(dc, f->type);
        if (packed)
            falign = 1;
        uint64_t off = tyr__f_offset(dc->reg, f);
        if (off > rsize)
            return 1;
        uint64_t t = off * 8 + tyr__f_bit_offset(dc->reg, f);
        if (is_union) {
            if (t != 0)
                return 1;
            c = 0;
        }
        if (t < c)
            return 1;
        if (tyr__f_bit_size(dc->reg, f)) {
            uint64_t unit = fsize * 8;
            if (!packed && unit && (t % unit) + tyr__f_bit_size(dc->reg, f) > unit)
                return 1;
            c = t + tyr__f_bit_size(dc->reg, f);
            if (!is_unnamed_bitfield(dc, f) && !packed && falign > natural)
                natural = falign;
        } else {
            if (t % ((uint64_t)falign * 8))
                return 1;
            c = t + fsize * 8;
            if (falign > natural)
                natural = falign;
        }
        if (c > maxend)
            maxend = c;
    }
    if (!packed && natural > tyr__t_align(r))
        return 1;
    uint32_t salign = natural;
    if (attr > salign)
        salign = attr;
    uint64_t end = (maxend + 7) / 8;
    if (rsize < end)
        return 1;
    uint64_t size = align_up(end, salign);
    if (size < rsize)
        size = align_up(rsize, salign); /* trailing padding members make up the rest */
    return size == rsize ? 0 : 1;
}

static void make_plan(struct dc *dc, uint32_t id)
{
    const struct tyr_rec_type *r = T(dc, id);
    struct plan *p = &dc->plan[id];
    uint32_t a = tyr__t_align(r) ? tyr__t_align(r) : 1;
    uint64_t size = tyr__t_size(dc->reg, r);
    uint32_t first = tyr__t_first(r), count = tyr__t_count(dc->reg, r);
    if (r->flags & TYR_STRUCT_DECL) {
        *p = (struct plan){MODE_OPAQUE, 0, 1};
        return;
    }
    /* C++ base classes (overlapping tail padding, virtual bases) have no C spelling: the
     * class is its bytes, with its size and alignment */
    bool bases = false;
    for (uint32_t i = 0; i < count && !bases; i++)
        bases = (tyr__f_flags(&dc->reg->fields[first + i]) & TYR_FIELD_BASE) != 0;
    if (bases) {
        bool keep = a > 1 && size % a == 0;
        *p = (struct plan){MODE_OPAQUE, keep ? a : 0, keep ? a : 1};
        return;
    }
    if (!(r->flags & TYR_STRUCT_PACKED) && !simulate(dc, id, false, a)) {
        /* natural alignment, plus aligned(N) when the registry's is larger */
        uint32_t natural = 1;
        for (uint32_t i = 0; i < count; i++) {
            const struct tyr_rec_field *f = &dc->reg->fields[first + i];
            uint32_t fa = dc->opaque[first + i] ? 1 : emit_align(dc, f->type);
            if (!is_unnamed_bitfield(dc, f) && fa > natural)
                natural = fa;
        }
        *p = (struct plan){MODE_NATURAL, a > natural ? a : 0, a > natural ? a : natural};
        return;
    }
    if (a > 1 && !simulate(dc, id, true, a)) {
        *p = (struct plan){MODE_PACKED_ALIGNED, a, a};
        return;
    }
    if (!simulate(dc, id, true, 0)) {
        *p = (struct plan){MODE_PACKED, 0, 1};
        return;
    }
    bool keep = a > 1 && size % a == 0;
    *p = (struct plan){MODE_OPAQUE, keep ? a : 0, keep ? a : 1};
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Plans in rank order: a record's by-value members are planned before it. Sorted by
 * (rank, id) with qsort: a verified blob's ranks only have to decrease along by-value edges
 * and may be as large as 2^32 - 1, so nothing here is sized by a rank value. */
static int make_plans(struct dc *dc)
{
    const tyr_registry *reg = dc->reg;
    uint32_t nrec = 0;
    for (uint32_t id = 1; id < dc->n; id++)
        if (dc->in[id] && tyr__is_record_kind(reg->types[id].kind))
            nrec++;
    if (!nrec)
        return 0;
    uint64_t *ord = malloc(sizeof(uint64_t) * nrec);
    if (!ord)
        return TYR_ENOMEM;
    uint32_t k = 0;
    for (uint32_t id = 1; id < dc->n; id++)
        if (dc->in[id] && tyr__is_record_kind(reg->types[id].kind))
            ord[k++] = (uint64_t)tyr__t_rank(reg, &reg->types[id]) << 32 | id;
    qsort(ord, nrec, sizeof(*ord), cmp_u64);
    for (uint32_t i = 0; i < nrec; i++)
        make_plan(dc, (uint32_t)ord[i]);
    free(ord);
    return 0;
}

/* ---- 4. Dependencies -------------------------------------------------------------------- */

static void add_dep(struct dc *dc, struct frame *f, uint32_t id, uint32_t need, uint32_t field,
                    uint32_t rec)
{
    if (dc->err)
        return;
    if (f->n == f->cap) {
        uint32_t cap = f->cap ? f->cap * 2 : 8;
        struct dep *d = realloc(f->deps, sizeof(*d) * cap);
        if (!d) {
            dc->err = TYR_ENOMEM;
            return;
        }
        f->deps = d;
        f->cap = cap;
    }
    f->deps[f->n++] = (struct dep){id, need, field, rec};
}

/*
 * What spelling a use of id needs declared (strong: the use needs it complete). A prototype's
 * parameters are walked too, so types shared by the parameters of nested prototypes make the
 * walk exponential in the nesting: each top-level walk gets as many steps as the spelling of
 * the same use may append bytes (TYR_SPELL_BUDGET), and TYR_EOVERFLOW past them, as the
 * spelling would give.
 */
static void walk_use(struct dc *dc, struct frame *f, uint32_t id, bool strong, uint32_t field,
                     uint32_t rec, int depth)
{
    if (depth > NEST_MAX) {
        dc->err = TYR_EDEPTH;
        return;
    }
    if (depth == 0)
        dc->walk_left = TYR_SPELL_BUDGET;
    for (uint32_t guard = 0; guard <= dc->n && !dc->err; guard++) {
        if (dc->walk_left-- == 0) {
            dc->err = TYR_EOVERFLOW;
            return;
        }
        const struct tyr_rec_type *r = T(dc, id);
        if (!r)
            return;
        switch (r->kind) {
        case TYR_KIND_CONST:
        case TYR_KIND_VOLATILE:
        case TYR_KIND_RESTRICT:
        case TYR_KIND_ATOMIC:
        case TYR_KIND_FUNC:
            break;
        case TYR_KIND_TYPEDEF:
            add_dep(dc, f, id, NEED_DEF, field, rec);
            if (!strong)
                return;
            break;
        case TYR_KIND_PTR:
            strong = false;
            break;
        case TYR_KIND_ARRAY:
            if (r->flags & TYR_ARRAY_INCOMPLETE)
                return; /* spelled as void (spell()): needs nothing */
            strong = true;
            break;
        case TYR_KIND_FUNC_PROTO:
            for (uint32_t i = 0, n = tyr__t_count(dc->reg, r); i < n; i++)
                walk_use(dc, f, dc->reg->params[tyr__t_first(r) + i].type, false, field, rec,
                         depth + 1);
            strong = false;
            break;
        case TYR_KIND_STRUCT:
        case TYR_KIND_UNION:
            if (dc->owner[id])
                add_dep(dc, f, dc->owner[id], NEED_DEF, field, rec);
            else
                add_dep(dc, f, id, strong && !(r->flags & TYR_STRUCT_DECL) ? NEED_DEF
                                                                            : NEED_FWD,
                        field, rec);
            return;
        case TYR_KIND_ENUM:
            add_dep(dc, f, dc->owner[id] ? dc->owner[id] : id, NEED_DEF, field, rec);
            return;
        default:
            return;
        }
        uint32_t target = tyr__t_ref(r);
        if (target >= id)
            return;
        id = target;
    }
}

/* Dependencies of a record body written out (its members, inline ones included). */
static void body_deps(struct dc *dc, struct frame *f, uint32_t rec, int depth)
{
    if (depth > NEST_MAX) {
        dc->err = TYR_EDEPTH;
        return;
    }
    const struct tyr_rec_type *r = T(dc, rec);
    if (dc->plan[rec].mode == MODE_OPAQUE)
        return;
    for (uint32_t i = 0, n = tyr__t_count(dc->reg, r); i < n && !dc->err; i++) {
        uint32_t g = tyr__t_first(r) + i;
        const struct tyr_rec_field *fl = &dc->reg->fields[g];
        if (dc->opaque[g])
            continue;
        uint32_t in = inline_member(dc, fl);
        if (!in)
            in = inline_named(dc, fl);
        if (in && T(dc, in)->kind == TYR_KIND_ENUM)
            continue; /* an inline enum needs nothing declared */
        if (in)
            body_deps(dc, f, in, depth + 1);
        else
            walk_use(dc, f, fl->type, true, g, rec, 0);
    }
}

static void node_deps(struct dc *dc, struct frame *f)
{
    const struct tyr_rec_type *r = T(dc, f->id);
    f->n = 0;
    f->cursor = 0;
    switch (r->kind) {
    case TYR_KIND_STRUCT:
    case TYR_KIND_UNION:
        body_deps(dc, f, f->id, 0);
        break;
    case TYR_KIND_TYPEDEF: {
        uint32_t target = tyr__t_ref(r);
        if (target < dc->n && dc->owner[target] == f->id) {
            if (tyr__is_record_kind(T(dc, target)->kind))
                body_deps(dc, f, target, 0);
        } else {
            walk_use(dc, f, target, false, NONE, 0, 0);
        }
        break;
    }
    case TYR_KIND_FUNC:
        walk_use(dc, f, tyr__t_ref(r), false, NONE, 0, 0);
        break;
    default:
        break;
    }
}

/* ---- Emission --------------------------------------------------------------------------- */

static void put_str(struct dc *dc, struct tyr_str *s)
{
    if (s->err && !dc->err)
        dc->err = s->err;
    if (!dc->err && s->s)
        tyr__out_write(dc->o, s->s, s->len);
    free(s->s);
    s->s = NULL;
    s->len = s->cap = 0;
}

static void emit_attrs(struct dc *dc, const struct plan *p)
{
    bool packed = p->mode == MODE_PACKED || p->mode == MODE_PACKED_ALIGNED;
    if (packed && p->attr_align)
        tyr__out_printf(dc->o, " __attribute__((packed, aligned(%" PRIu32 ")))", p->attr_align);
    else if (packed)
        tyr__out_puts(dc->o, " __attribute__((packed))");
    else if (p->attr_align)
        tyr__out_printf(dc->o, " __attribute__((aligned(%" PRIu32 ")))", p->attr_align);
}


static void emit_pad(struct dc *dc, uint32_t rec, uint64_t from, uint64_t to, unsigned ind)
{
    if (from % 8 && from < to) {
        uint64_t n = 8 - from % 8 < to - from ? 8 - from % 8 : to - from;
        tabs(dc, ind);
        tyr__out_printf(dc->o, "unsigned char : %" PRIu64 ";\n", n);
        from += n;
    }
    if (to - from >= 8) {
        tabs(dc, ind);
        tyr__out_printf(dc->o, "unsigned char __tyr_pad_%" PRIu32 "_%" PRIu64 "[%" PRIu64 "];\n",
                        rec, from / 8, (to - from) / 8);
        from += (to - from) / 8 * 8;
    }
    if (from < to) {
        tabs(dc, ind);
        tyr__out_printf(dc->o, "unsigned char : %" PRIu64 ";\n", to - from);
    }
}

static void tabs(struct dc *dc, unsigned n)
{
    while (n--)
        tyr__out_write(dc->o, "\t", 1);
}

/* "enum [mode] [name] { ... }": a mode attribute keeps sizes other than int's. */
static void emit_enum_body(struct dc *dc, uint32_t id, const char *name, unsigned ind)
{
    const struct tyr_rec_type *r = T(dc, id);
    static const char *const mode[] = {"", "QI", "HI", "", "SI", "", "", "", "DI"};
    tyr__out_puts(dc->o, "enum ");
    /* Sizes other than int's: mode(QI/HI/DI) when every value fits that signed width
     * (clang makes a mode enum signed); otherwise the values themselves need the full
     * width, and packed (1, 2 bytes) or nothing (8 bytes: GNU C widens) gives it. */
    bool fits = true;
    uint64_t size = tyr__t_size(dc->reg, r);
    uint32_t first = tyr__t_first(r), count = tyr__t_count(dc->reg, r);
    if (size < 8 || !(r->flags & TYR_ENUM_SIGNED)) {
        unsigned bits = size == 8 ? 32 : (unsigned)size * 8;
        for (uint32_t i = 0; i < count && fits; i++) {
            uint64_t v = tyr__e_value(dc->reg, &dc->reg->enums[first + i]);
            int64_t sv = (int64_t)v;
            if (!(r->flags & TYR_ENUM_SIGNED))
                fits = v < ((uint64_t)1 << (bits - 1));
            else
                fits = sv >= -((int64_t)1 << (bits - 1)) && sv < ((int64_t)1 << (bits - 1));
        }
    }
    if (size != 4 && size <= 8 && fits)
        tyr__out_printf(dc->o, "__attribute__((mode(%s))) ", mode[size]);
    else if (size < 4)
        tyr__out_puts(dc->o, "__attribute__((packed)) ");
    if (*name)
        tyr__out_printf(dc->o, "%s ", name);
    tyr__out_puts(dc->o, "{\n");
    bool sgn = r->flags & TYR_ENUM_SIGNED;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t g = first + i;
        uint64_t v = tyr__e_value(dc->reg, &dc->reg->enums[g]);
        tabs(dc, ind + 1);
        tyr__out_printf(dc->o, "%s = ", nm(dc, dc->enum_name[g]));
        if (sgn && (int64_t)v == INT64_MIN)
            tyr__out_puts(dc->o, "(-9223372036854775807LL - 1)");
        else if (sgn)
            tyr__out_printf(dc->o, "%" PRId64, (int64_t)v);
        else
            tyr__out_printf(dc->o, "%" PRIu64 "%s", v, v > INT64_MAX ? "ULL" : "");
        tyr__out_puts(dc->o, ",\n");
    }
    if (!count) {
        tabs(dc, ind + 1);
        tyr__out_printf(dc->o, "__tyr_empty_enum_%" PRIu32 ",\n", id);
    }
    tabs(dc, ind);
    tyr__out_puts(dc->o, "}");
}

static void emit_body(struct dc *dc, uint32_t rec, unsigned ind, int depth);

/* Where C would put member f after bit c by itself (no padding member written). */
static uint64_t natural_pos(const struct dc *dc, const struct plan *p,
                            const struct tyr_rec_field *f, bool opaque, uint64_t c)
{
    if (p->mode != MODE_NATURAL)
        return c; /* packed: members follow each other */
    const struct tyr_rec_type *ft = R(dc, f->type);
    uint64_t unit = ft ? tyr__t_size(dc->reg, ft) * 8 : 0;
    if (tyr__f_bit_size(dc->reg, f))
        return unit && c % unit + tyr__f_bit_size(dc->reg, f) > unit ? align_up(c, unit) : c;
    return align_up(c, (uint64_t)(opaque ? 1 : emit_align(dc, f->type)) * 8);
}

static void emit_named_member(struct dc *dc, const struct tyr_rec_field *f, uint32_t g,
                              const char *name, unsigned ind);

static void emit_member(struct dc *dc, uint32_t rec, uint32_t g, unsigned ind, int depth)
{
    const tyr_registry *reg = dc->reg;
    const struct tyr_rec_field *f = &reg->fields[g];
    uint32_t in = inline_member(dc, f);
    char tmp[64];
    uint32_t named = in ? 0 : inline_named(dc, f);
    char *fixed = ident(tyr__str(reg, f->name));
    if (!fixed) {
        dc->err = TYR_ENOMEM;
        return;
    }
    if (named && !dc->opaque[g] && T(dc, named)->kind == TYR_KIND_ENUM) {
        tabs(dc, ind);
        if (dc->state[named] == ST_DONE) {
            /* The body holding it is written twice (an anonymous struct that is both an
             * anonymous member and used elsewhere): its enumerators exist already. */
            tyr__out_printf(dc->o, "%s %s; /* the anonymous enum above */\n",
                            enum_int_name(dc->reg, T(dc, named)), fixed);
        } else {
            emit_enum_body(dc, named, "", ind);
            tyr__out_printf(dc->o, " %s;\n", fixed);
            dc->state[named] = ST_DONE;
        }
        free(fixed);
        return;
    }
    if ((in || named) && !dc->opaque[g]) {
        uint32_t id = in ? in : named;
        const struct tyr_rec_type *ir = T(dc, id);
        tabs(dc, ind);
        tyr__out_puts(dc->o, ir->kind == TYR_KIND_UNION ? "union {\n" : "struct {\n");
        emit_body(dc, id, ind + 1, depth + 1);
        tabs(dc, ind);
        tyr__out_puts(dc->o, "}");
        emit_attrs(dc, &dc->plan[id]);
        if (named)
            tyr__out_printf(dc->o, " %s", fixed);
        tyr__out_puts(dc->o, ";\n");
        free(fixed);
        return;
    }
    const char *name = fixed;
    if (!*name && !tyr__f_bit_size(dc->reg, f)) {
        snprintf(tmp, sizeof(tmp), "__tyr_unnamed_%" PRIu32 "_%" PRIu32, rec,
                 g - tyr__t_first(T(dc, rec)));
        name = tmp;
    }
    emit_named_member(dc, f, g, name, ind);
    free(fixed);
}

/* The integer type of an enum's size and signedness. */
static const char *enum_int_name(const tyr_registry *reg, const struct tyr_rec_type *t)
{
    uint64_t size = tyr__t_size(reg, t);
    /* an enum is 1, 2, 4 or 8 bytes; anything else is spelled as the 4-byte default */
    return int_of_size(size == 1 || size == 2 || size == 8 ? size : 4,
                       t->flags & TYR_ENUM_SIGNED);
}

/* Bits needed to hold every enumerator of e, as gcc counts them for a bitfield. */
static unsigned enum_bits(const struct dc *dc, const struct tyr_rec_type *e)
{
    bool neg = false;
    int64_t lo = 0;
    uint64_t hi = 0;
    for (uint32_t i = 0, n = tyr__t_count(dc->reg, e); i < n; i++) {
        uint64_t v = tyr__e_value(dc->reg, &dc->reg->enums[tyr__t_first(e) + i]);
        if ((e->flags & TYR_ENUM_SIGNED) && (int64_t)v < 0) {
            neg = true;
            if ((int64_t)v < lo)
                lo = (int64_t)v;
        } else if (v > hi) {
            hi = v;
        }
    }
    unsigned bits = 0;
    while (bits < 64 && (hi >> bits))
        bits++;
    if (!neg)
        return bits ? bits : 1;
    unsigned nbits = 1;
    while (nbits < 64 && lo < -((int64_t)1 << (nbits - 1)))
        nbits++;
    bits++; /* the sign bit */
    return bits > nbits ? bits : nbits;
}

/* The C type to declare a bitfield with when its own type would not compile or warns:
 * a _Bool wider than 1 bit, or an enum narrower than its values; NULL otherwise. */
static const char *bitfield_override(const struct dc *dc, const struct tyr_rec_field *f)
{
    const struct tyr_rec_type *t = R(dc, f->type);
    if (!tyr__f_bit_size(dc->reg, f) || !t)
        return NULL;
    if (t->kind == TYR_KIND_INT && (t->flags & TYR_INT_BOOL) && tyr__f_bit_size(dc->reg, f) > 1)
        return tyr__t_size(dc->reg, t) == 1 ? "unsigned char" : "unsigned short";
    if (t->kind == TYR_KIND_ENUM && tyr__f_bit_size(dc->reg, f) < enum_bits(dc, t))
        return enum_int_name(dc->reg, t);
    return NULL;
}

static void emit_named_member(struct dc *dc, const struct tyr_rec_field *f, uint32_t g,
                              const char *name, unsigned ind)
{
    const tyr_registry *reg = dc->reg;
    const char *over = bitfield_override(dc, f);
    tabs(dc, ind);
    if (dc->opaque[g]) {
        tyr__out_printf(dc->o, "unsigned char %s[%" PRIu64 "]; /* opaque: its type cannot be "
                        "declared before this struct */\n",
                        name, tyr_type_size(reg, (tyr_type){f->type}));
        return;
    }
    size_t budget = TYR_SPELL_BUDGET;
    struct tyr_str s = {.budget = &budget};
    if (over) {
        tyr__str_puts(&s, over);
        if (*name) {
            tyr__str_puts(&s, " ");
            tyr__str_puts(&s, name);
        }
    } else {
        int err = spell(dc, f->type, name, false, 0, &s);
        if (err) {
            free(s.s);
            if (!dc->err)
                dc->err = err;
            return;
        }
    }
    put_str(dc, &s);
    if (tyr__f_bit_size(dc->reg, f))
        tyr__out_printf(dc->o, " : %" PRIu32, tyr__f_bit_size(dc->reg, f));
    tyr__out_puts(dc->o, ";");
    const struct tyr_rec_type *ft = R(dc, f->type);
    if (ft && ft->kind == TYR_KIND_UNKNOWN) {
        char *what = ident(tyr__str(reg, ft->name)); /* no "*" "/" inside the comment */
        if (!what) {
            dc->err = TYR_ENOMEM;
            return;
        }
        tyr__out_printf(dc->o, " /* unknown type '%s' */", what);
        free(what);
    }
    tyr__out_puts(dc->o, "\n");
}

/* The members of a record at indentation ind, with padding per its plan. */
static void emit_body(struct dc *dc, uint32_t rec, unsigned ind, int depth)
{
    if (depth > NEST_MAX) {
        dc->err = TYR_EDEPTH;
        return;
    }
    const struct tyr_rec_type *r = T(dc, rec);
    const struct plan *p = &dc->plan[rec];
    uint64_t size = tyr__t_size(dc->reg, r);
    if (p->mode == MODE_OPAQUE) {
        tabs(dc, ind);
        tyr__out_printf(dc->o, "unsigned char __tyr_opaque[%" PRIu64 "]; /* %s */\n", size,
                        (r->flags & TYR_STRUCT_DECL) ? "incomplete"
                                                      : "layout not expressible in C");
        return;
    }
    bool is_union = r->kind == TYR_KIND_UNION;
    uint64_t c = 0, maxend = 0;
    for (uint32_t i = 0, n = tyr__t_count(dc->reg, r); i < n && !dc->err; i++) {
        uint32_t g = tyr__t_first(r) + i;
        const struct tyr_rec_field *f = &dc->reg->fields[g];
        uint64_t t = tyr__f_offset(dc->reg, f) * 8 + tyr__f_bit_offset(dc->reg, f);
        if (!is_union && t > c && natural_pos(dc, p, f, dc->opaque[g], c) != t)
            emit_pad(dc, rec, c, t, ind);
        emit_member(dc, rec, g, ind, depth);
        uint64_t sz = tyr_type_size(dc->reg, (tyr_type){f->type});
        c = tyr__f_bit_size(dc->reg, f) ? t + tyr__f_bit_size(dc->reg, f) : t + sz * 8;
        if (c > maxend)
            maxend = c;
    }
    /* Trailing bytes the natural rounding would not add. */
    uint64_t end = (maxend + 7) / 8;
    uint64_t natural = align_up(end, p->align);
    if (natural < size) {
        if (is_union) {
            tabs(dc, ind);
            tyr__out_printf(dc->o, "unsigned char __tyr_pad_%" PRIu32 "_0[%" PRIu64 "];\n", rec,
                            size);
        } else {
            emit_pad(dc, rec, maxend, size * 8, ind);
        }
    }
}

/* offsetof checks of rec's members at base; prefix is the member path so far ("in." for
 * members of an inline `struct { ... } in;`), which __builtin_offsetof accepts. */
static void emit_asserts_fields(struct dc *dc, const char *spelled, const char *prefix,
                                uint32_t rec, uint64_t base, int depth)
{
    const struct tyr_rec_type *r = T(dc, rec);
    if (depth > NEST_MAX || dc->plan[rec].mode == MODE_OPAQUE)
        return;
    for (uint32_t i = 0, n = tyr__t_count(dc->reg, r); i < n && !dc->err; i++) {
        uint32_t g = tyr__t_first(r) + i;
        const struct tyr_rec_field *f = &dc->reg->fields[g];
        uint64_t off = base + tyr__f_offset(dc->reg, f);
        uint32_t in = inline_member(dc, f);
        if (in && !dc->opaque[g]) {
            emit_asserts_fields(dc, spelled, prefix, in, off, depth + 1);
            continue;
        }
        if (tyr__f_bit_size(dc->reg, f) || !f->name)
            continue;
        char *fname = ident(tyr__str(dc->reg, f->name));
        if (!fname) {
            dc->err = TYR_ENOMEM;
            return;
        }
        tyr__out_printf(dc->o, "_Static_assert(__builtin_offsetof(%s, %s%s) == %" PRIu64
                        ", \"%s.%s%s\");\n", spelled, prefix, fname, off, spelled,
                        prefix, fname);
        uint32_t named = inline_named(dc, f);
        if (named && !dc->opaque[g] && T(dc, named)->kind != TYR_KIND_ENUM) {
            struct tyr_str p = {0};
            tyr__str_puts(&p, prefix);
            tyr__str_puts(&p, fname);
            tyr__str_puts(&p, ".");
            if (p.err)
                dc->err = p.err;
            else
                emit_asserts_fields(dc, spelled, p.s, named, off, depth + 1);
            free(p.s);
        }
        free(fname);
    }
}

static void emit_asserts(struct dc *dc, uint32_t rec, const char *spelled)
{
    if (!(dc->flags & TYR_DUMP_C_ASSERTS))
        return;
    tyr__out_printf(dc->o, "_Static_assert(sizeof(%s) == %" PRIu64 ", \"%s\");\n", spelled,
                    tyr__t_size(dc->reg, T(dc, rec)), spelled);
    emit_asserts_fields(dc, spelled, "", rec, 0, 0);
}

static void emit_fwd(struct dc *dc, uint32_t id)
{
    const struct tyr_rec_type *r = T(dc, id);
    dc->fwd[id] = 1;
    tyr__out_printf(dc->o, "%s %s;\n\n", r->kind == TYR_KIND_UNION ? "union" : "struct",
                    nm(dc, dc->name[id]));
}

static void emit_def(struct dc *dc, uint32_t id)
{
    const struct tyr_rec_type *r = T(dc, id);
    size_t budget = TYR_SPELL_BUDGET;
    struct tyr_str s = {.budget = &budget};
    switch (r->kind) {
    case TYR_KIND_STRUCT:
    case TYR_KIND_UNION:
        if (r->flags & TYR_STRUCT_DECL) {
            if (!dc->fwd[id])
                emit_fwd(dc, id);
            return;
        }
        tag_spelling(dc, id, &s);
        if (s.err) {
            dc->err = s.err;
            break;
        }
        tyr__out_printf(dc->o, "%s {\n", s.s);
        emit_body(dc, id, 1, 0);
        tyr__out_puts(dc->o, "}");
        emit_attrs(dc, &dc->plan[id]);
        tyr__out_puts(dc->o, ";\n");
        emit_asserts(dc, id, s.s);
        tyr__out_puts(dc->o, "\n");
        break;
    case TYR_KIND_ENUM:
        emit_enum_body(dc, id, nm(dc, dc->name[id]), 0);
        tyr__out_puts(dc->o, ";\n\n");
        break;
    case TYR_KIND_TYPEDEF: {
        const char *name = nm(dc, dc->name[id]);
        uint32_t target = tyr__t_ref(r);
        const struct tyr_rec_type *t = T(dc, target);
        if (target < dc->n && dc->owner[target] == id) {
            if (t->kind == TYR_KIND_ENUM) {
                tyr__out_puts(dc->o, "typedef ");
                emit_enum_body(dc, target, "", 0);
                tyr__out_printf(dc->o, " %s;\n\n", name);
                break;
            }
            tyr__out_puts(dc->o, t->kind == TYR_KIND_UNION ? "typedef union {\n"
                                                           : "typedef struct {\n");
            emit_body(dc, target, 1, 0);
            tyr__out_puts(dc->o, "}");
            emit_attrs(dc, &dc->plan[target]);
            tyr__out_printf(dc->o, " %s;\n", name);
            emit_asserts(dc, target, name);
            tyr__out_puts(dc->o, "\n");
            break;
        }
        int err = spell(dc, target, name, false, 0, &s);
        if (err && !dc->err)
            dc->err = err;
        tyr__out_puts(dc->o, "typedef ");
        put_str(dc, &s);
        tyr__out_puts(dc->o, ";\n\n");
        break;
    }
    case TYR_KIND_FUNC: {
        int err = spell(dc, id, nm(dc, dc->name[id]), true, 0, &s);
        if (err && !dc->err)
            dc->err = err;
        put_str(dc, &s);
        tyr__out_puts(dc->o, ";\n\n");
        break;
    }
    default:
        break;
    }
    free(s.s);
}

/* Is id written at the top level (as opposed to inline, or not at all)? */
static bool top_level(const struct dc *dc, uint32_t id)
{
    const struct tyr_rec_type *r = T(dc, id);
    switch (r->kind) {
    case TYR_KIND_STRUCT:
    case TYR_KIND_UNION:
    case TYR_KIND_ENUM:
        if (dc->owner[id] || dc->inl[id])
            return false;
        return r->name || dc->used[id] || !dc->anon_mem[id];
    case TYR_KIND_TYPEDEF:
    case TYR_KIND_FUNC:
        return true;
    default:
        return false;
    }
}

/* Break a definition cycle found while frame[top] needs frame[k]: turn the member that
 * started the chain in the topmost frame holding one into an opaque byte array. */
static int break_cycle(struct dc *dc, struct frame *stack, uint32_t *depth, uint32_t k)
{
    for (uint32_t j = *depth; j-- > k;) {
        struct dep *d = &stack[j].deps[stack[j].cursor];
        if (d->field == NONE)
            continue;
        dc->opaque[d->field] = 1;
        make_plan(dc, d->rec);
        while (*depth > j + 1) {
            struct frame *f = &stack[--*depth];
            dc->state[f->id] = ST_NONE;
            free(f->deps);
            f->deps = NULL;
        }
        node_deps(dc, &stack[j]);
        return dc->err;
    }
    return TYR_ENOTSUP;
}

static int define(struct dc *dc, uint32_t root, struct frame *stack)
{
    if (dc->state[root] == ST_DONE)
        return 0;
    uint32_t depth = 0;
    int err = 0;
    stack[depth++] = (struct frame){.id = root};
    dc->state[root] = ST_BUSY;
    node_deps(dc, &stack[0]);
    while (depth && !dc->err && !err) {
        struct frame *f = &stack[depth - 1];
        if (f->cursor >= f->n) {
            emit_def(dc, f->id);
            dc->state[f->id] = ST_DONE;
            free(f->deps);
            f->deps = NULL;
            depth--;
            continue;
        }
        struct dep d = f->deps[f->cursor];
        const struct tyr_rec_type *r = T(dc, d.id);
        if (d.need == NEED_FWD) {
            /* A struct's own body may point to it: its tag is declared by then. */
            if (!dc->fwd[d.id] && dc->state[d.id] != ST_DONE && d.id != f->id)
                emit_fwd(dc, d.id);
            f->cursor++;
            continue;
        }
        if (dc->state[d.id] == ST_DONE) {
            f->cursor++;
            continue;
        }
        if (r->kind == TYR_KIND_ENUM) {
            emit_def(dc, d.id);
            dc->state[d.id] = ST_DONE;
            f->cursor++;
            continue;
        }
        if (dc->state[d.id] == ST_BUSY) {
            uint32_t k = 0;
            while (stack[k].id != d.id)
                k++;
            err = break_cycle(dc, stack, &depth, k);
            continue;
        }
        stack[depth++] = (struct frame){.id = d.id};
        dc->state[d.id] = ST_BUSY;
        node_deps(dc, &stack[depth - 1]);
    }
    while (depth)
        free(stack[--depth].deps);
    return err ? err : dc->err;
}

/* Does a packed record hold an explicitly aligned one by value? gcc then warns
 * (-Wpacked-not-aligned, in -Wall) about a layout that is exactly the one wanted. */
static bool packed_holds_aligned(const struct dc *dc)
{
    for (uint32_t id = 1; id < dc->n; id++) {
        const struct tyr_rec_type *r = T(dc, id);
        const struct plan *p = &dc->plan[id];
        if (!dc->in[id] || !tyr__is_record_kind(r->kind) ||
            (p->mode != MODE_PACKED && p->mode != MODE_PACKED_ALIGNED))
            continue;
        for (uint32_t i = 0, n = tyr__t_count(dc->reg, r); i < n; i++) {
            uint32_t m = tyr__resolve(dc->reg, dc->reg->fields[tyr__t_first(r) + i].type);
            for (uint32_t guard = 0; guard < dc->n && T(dc, m) && T(dc, m)->kind == TYR_KIND_ARRAY;
                 guard++)
                m = tyr__resolve(dc->reg, tyr__t_ref(T(dc, m)));
            if (T(dc, m) && tyr__is_record_kind(T(dc, m)->kind) && dc->plan[m].attr_align)
                return true;
        }
    }
    return false;
}

static int dump(struct dc *dc)
{
    int err = 0;
    if (dc->reg->pointer_size != 8)
        tyr__out_printf(dc->o, "/* %" PRIu32 "-byte pointers: compile for an ILP32 target "
                        "(gcc -m32) */\n\n", dc->reg->pointer_size);
    if (packed_holds_aligned(dc))
        tyr__out_puts(dc->o, "#if defined(__GNUC__) && !defined(__clang__)\n"
                             "#pragma GCC diagnostic ignored \"-Wpacked-not-aligned\"\n"
                             "#endif\n\n");
    struct frame *stack = calloc(dc->n, sizeof(*stack));
    if (!stack)
        return TYR_ENOMEM;
    for (int pass = 0; pass < 2 && !err; pass++) {
        for (uint32_t id = 1; id < dc->n && !err; id++) {
            if (!dc->in[id] || !top_level(dc, id))
                continue;
            if ((T(dc, id)->kind == TYR_KIND_FUNC) != (pass == 1))
                continue;
            err = define(dc, id, stack);
        }
    }
    free(stack);
    return err;
}

int tyr_dump_c(const tyr_registry *reg, const struct tyr_dump_opts *opts, const tyr_sink *sink)
{
    if (!reg || !sink || !sink->write)
        return TYR_EINVAL;
    int err = tyr__dump_opts_check(opts);
    if (err)
        return err;
    struct dc dc = {.reg = reg, .n = reg->ntypes, .flags = opts ? opts->flags : 0};
    size_t n = dc.n;
    dc.in = calloc(n, 1);
    dc.state = calloc(n, 1);
    dc.fwd = calloc(n, 1);
    dc.used = calloc(n, 1);
    dc.anon_mem = calloc(n, 1);
    dc.uses = calloc(n, 1);
    dc.field_use = calloc(n, 1);
    dc.inl = calloc(n, 1);
    dc.opaque = calloc(reg->nfields ? reg->nfields : 1, 1);
    dc.name = calloc(n, sizeof(uint32_t));
    dc.owner = calloc(n, sizeof(uint32_t));
    dc.enum_name = calloc(reg->nenums ? reg->nenums : 1, sizeof(uint32_t));
    dc.plan = calloc(n, sizeof(struct plan));
    dc.o = malloc(sizeof(*dc.o));
    if (!dc.in || !dc.state || !dc.fwd || !dc.used || !dc.anon_mem || !dc.uses || !dc.field_use || !dc.inl || !dc.opaque || !dc.name ||
        !dc.owner || !dc.enum_name || !dc.plan || !dc.o) {
        err = TYR_ENOMEM;
        goto out;
    }
    tyr__out_init(dc.o, sink);
    store_name(&dc, ""); /* offset 0 is "" and means "none" */
    if (!err && !dc.err)
        err = tyr__select(reg, opts, dc.in);
    if (!err && !dc.err && !(err = nmap_grow(&dc, &dc.tags)) && !(err = nmap_grow(&dc, &dc.idents)))
        assign_names(&dc, opts && opts->nroots ? opts->roots : NULL, opts ? opts->nroots : 0);
    if (!err && !dc.err)
        err = make_plans(&dc);
    if (!err && !dc.err)
        err = dump(&dc);
    if (!err)
        err = dc.err;
    int oerr = tyr__out_finish(dc.o);
    if (!err)
        err = oerr;
out:
    free(dc.in);
    free(dc.state);
    free(dc.fwd);
    free(dc.used);
    free(dc.anon_mem);
    free(dc.uses);
    free(dc.field_use);
    free(dc.inl);
    free(dc.opaque);
    free(dc.name);
    free(dc.owner);
    free(dc.enum_name);
    free(dc.plan);
    free(dc.o);
    free(dc.names.s);
    free(dc.tags.off);
    free(dc.tags.id);
    free(dc.idents.off);
    free(dc.idents.id);
    return err;
}

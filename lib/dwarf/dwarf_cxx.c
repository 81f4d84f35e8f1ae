/* SPDX-License-Identifier: MIT */
/*
 * C++ units: qualified names from the DIE tree, and the index entries nested in scopes.
 *
 * DWARF names a class, an enum or a function by its own name only ("Stats", "handle"); the
 * qualified name ("app::net::Conn::Stats") is the chain of DW_TAG_namespace, class, struct and
 * union DIEs above it, as gdb builds it (no demangler). libdwarf 20210528 has no parent link,
 * so each C++ unit is walked once, on first need, into a table of *scopes*: a namespace or
 * class DIE, the range of offsets its subtree covers [its offset, its next sibling's), and
 * its prefix ("app::net::"). A DIE's enclosing scope is the innermost range holding it.
 *
 * The same walk lists the unit's named types and subprograms at any depth inside namespaces
 * and classes (clang nests function definitions in DW_TAG_namespace; g++ puts them at the top
 * level with DW_AT_specification to a declaration in the class or namespace), so the name
 * index holds them under their qualified names. A unit in another language is not walked.
 */
#include <stdlib.h>
#include <string.h>

#include "dwarf_internal.h"

/* A namespace, class, struct or union DIE with children. */
struct scope {
    tdw_ref lo, hi;   /* [its own offset, the end of its subtree) */
    uint32_t parent;  /* 1-based index of the enclosing scope; 0 = the unit */
    const char *prefix; /* "app::net::" (pool-owned) */
};

enum { U_UNKNOWN = 0, U_OTHER = 1, U_CXX = 2 };

struct unit_scopes {
    uint8_t state;          /* U_* */
    uint8_t listed;         /* entries built */
    struct scope *v;        /* owned, in preorder (ascending lo) */
    uint32_t n;
    struct tdw_entry *ents; /* owned; names pool-owned */
    uint32_t nents;
};

/* Strings that live as long as the handle: chunks that never move. */
struct chunk {
    struct chunk *next;
    size_t used, cap;
    char bytes[];
};

struct tdw_cxx {
    struct unit_scopes *units[2]; /* per file, nunits[file] entries; owned */
    uint32_t nunits[2];           /* the files' unit counts when the tables were made */
    struct chunk *pool;           /* owned list */
    struct qname { tdw_ref ref; const char *name; } *qn; /* ref -> qualified name cache */
    uint32_t qcap, qused;
};

void tdw_cxx_free(tyr_dwarf *dw)
{
    struct tdw_cxx *x = dw->cxx;
    if (!x)
        return;
    for (unsigned f = 0; f < 2; f++) {
        if (!x->units[f])
            continue;
        for (uint32_t u = 0; u < x->nunits[f]; u++) {
            free(x->units[f][u].v);
            free(x->units[f][u].ents);
        }
        free(x->units[f]);
    }
    for (struct chunk *c = x->pool, *n; c; c = n) {
        n = c->next;
        free(c);
    }
    free(x->qn);
    free(x);
    dw->cxx = NULL;
}

/* a + b + c as one pool string (owned by the pool), or NULL when out of memory. */
static const char *pool_cat(struct tdw_cxx *x, const char *a, const char *b, const char *c)
{
    size_t la = strlen(a), lb = strlen(b), lc = strlen(c), need = la + lb + lc + 1;
    struct chunk *k = x->pool;
    if (!k || k->cap - k->used < need) {
        size_t cap = need > 65536 ? need : 65536;
        k = malloc(sizeof *k + cap);
        if (!k)
            return NULL;
        k->next = x->pool;
        k->used = 0;
        k->cap = cap;
        x->pool = k;
    }
    char *s = k->bytes + k->used;
    memcpy(s, a, la);
    memcpy(s + la, b, lb);
    memcpy(s + la + lb, c, lc + 1);
    k->used += need;
    return s;
}

static struct tdw_cxx *cxx_of(tyr_dwarf *dw, unsigned file)
{
    if (!dw->cxx && !(dw->cxx = calloc(1, sizeof *dw->cxx)))
        return NULL;
    struct tdw_cxx *x = dw->cxx;
    if (!x->units[file] && dw->f[file].nunits) {
        if (!(x->units[file] = calloc(dw->f[file].nunits, sizeof *x->units[file])))
            return NULL;
        x->nunits[file] = dw->f[file].nunits;
    }
    return x;
}

/* The unit holding ref: the last unit DIE at or before it (UINT32_MAX if none). */
static uint32_t unit_of(const tyr_dwarf *dw, tdw_ref ref)
{
    const struct tdw_file *f = &dw->f[tdw_ref_file(ref)];
    uint32_t lo = tdw_bound(f->units, f->nunits, sizeof *f->units, 0, ref, true);
    return lo ? lo - 1 : UINT32_MAX;
}

static bool is_scope_tag(Dwarf_Half tag)
{
    return tag == DW_TAG_namespace || tag == DW_TAG_class_type ||
           tag == DW_TAG_structure_type || tag == DW_TAG_union_type;
}

static bool is_cxx_lang(Dwarf_Unsigned lang)
{
    return lang == DW_LANG_C_plus_plus || lang == DW_LANG_C_plus_plus_03 ||
           lang == DW_LANG_C_plus_plus_11 || lang == DW_LANG_C_plus_plus_14;
}

static int push_scope(struct unit_scopes *us, uint32_t *cap, const struct scope *s)
{
    if (us->n == *cap) {
        uint32_t c = *cap ? *cap * 2 : 32;
        struct scope *v = realloc(us->v, (size_t)c * sizeof *v);
        if (!v)
            return TYR_ENOMEM;
        us->v = v;
        *cap = c;
    }
    us->v[us->n++] = *s;
    return 0;
}

static int push_entry(struct unit_scopes *us, uint32_t *cap, const struct tdw_entry *e)
{
    if (us->nents == *cap) {
        uint32_t c = *cap ? *cap * 2 : 64;
        struct tdw_entry *v = realloc(us->ents, (size_t)c * sizeof *v);
        if (!v)
            return TYR_ENOMEM;
        us->ents = v;
        *cap = c;
    }
    us->ents[us->nents++] = *e;
    return 0;
}

/* The prefix of the innermost scope holding ref ("" at the unit's top level). */
static const char *prefix_of(const struct unit_scopes *us, tdw_ref ref)
{
    /* past the last scope starting before ref */
    uint32_t lo = tdw_bound(us->v, us->n, sizeof *us->v, offsetof(struct scope, lo), ref, false);
    for (uint32_t i = lo, guard = 0; i && guard <= us->n; guard++) {
        const struct scope *s = &us->v[i - 1];
        if (ref < s->hi)
            return s->prefix;
        i = s->parent;
    }
    return "";
}

/*
 * Walk unit u: its scopes, and candidate entries (named types, subprograms) at any depth
 * inside namespaces and classes. The walk keeps an explicit stack of (next DIE to visit,
 * enclosing scope, end of the enclosing subtree); it does not descend into functions.
 */
struct wframe {
    Dwarf_Die die;
    uint32_t scope;
    tdw_ref end;
};

static int walk_unit(tyr_dwarf *dw, struct tdw_cxx *x, unsigned file, uint32_t u,
                     struct unit_scopes *us, Dwarf_Die cu, tyr_diag *diag)
{
    uint32_t cap_s = 0, cap_e = 0, cap_f = 0, sp = 0;
    struct wframe *st = NULL;
    int err = 0;
    Dwarf_Die first = NULL;
    int got = tdw_child(dw, file, cu, &first, diag);
    if (got <= 0)
        return got;
    tdw_ref unit_end = u + 1 < dw->f[file].nunits ? dw->f[file].units[u + 1]
                                                  : (tdw_ref)(file ? UINT64_MAX : ~TDW_ALT_BIT);
    cap_f = 16;
    if (!(st = malloc(cap_f * sizeof *st))) {
        dwarf_dealloc_die(first);
        return tyr_diag_set(diag, TYR_ENOMEM, 0, "out of memory");
    }
    st[sp++] = (struct wframe){first, 0, unit_end};
    while (sp && !err) {
        struct wframe *fr = &st[sp - 1];
        Dwarf_Die die = fr->die;
        if (!die) {
            sp--;
            continue;
        }
        Dwarf_Die next = NULL;
        got = tdw_sibling(dw, file, die, &next, diag);
        if (got < 0) {
            err = got;
            dwarf_dealloc_die(die);
            fr->die = NULL;
            break;
        }
        fr->die = got == 1 ? next : NULL;
        uint32_t parent = fr->scope;
        tdw_ref end = got == 1 ? tdw_die_ref(file, next) : fr->end;
        struct tdw_die d;
        Dwarf_Half tag = 0;
        Dwarf_Error e = NULL;
        if (dwarf_tag(die, &tag, &e) != DW_DLV_OK)
            tdw_err_free(dw->f[file].dbg, &e);
        bool scope = is_scope_tag(tag);
        if (scope || tdw_index_tag(TDW_IX_TYPES, tag) || tag == DW_TAG_subprogram) {
            if ((err = tdw_decode(dw, file, die, &d, diag)))
                break;
        }
        if (tdw_index_tag(TDW_IX_TYPES, tag) || tag == DW_TAG_subprogram) {
            /* name: the DIE's own for now; qualified once every scope is known */
            struct tdw_entry en = {
                .name = d.name,
                .ref = d.ref,
                .low_pc = d.low_pc,
                .tag = tag,
                .decl = (d.has & TDW_DECL) != 0,
                .has_pc = (d.has & (TDW_HAS_LOW_PC | TDW_HAS_RANGES)) != 0,
            };
            /* a subprogram without a name is named through its declaration, below */
            if ((en.name || tag == DW_TAG_subprogram) && push_entry(us, &cap_e, &en))
                err = tyr_diag_set(diag, TYR_ENOMEM, 0, "out of memory");
        }
        Dwarf_Die child = NULL;
        if (!err && scope && (d.has & TDW_HAS_CHILDREN) &&
            (got = tdw_child(dw, file, die, &child, diag)) == 1) {
            const char *pp = parent ? us->v[parent - 1].prefix : "";
            const char *nm = d.name ? d.name
                             : tag == DW_TAG_namespace ? "(anonymous namespace)" : NULL;
            struct scope s = {.lo = d.ref, .hi = end, .parent = parent, .prefix = pp};
            if (nm && !(s.prefix = pool_cat(x, pp, nm, "::")))
                err = tyr_diag_set(diag, TYR_ENOMEM, 0, "out of memory");
            if (!err && push_scope(us, &cap_s, &s))
                err = tyr_diag_set(diag, TYR_ENOMEM, 0, "out of memory");
            if (!err && sp == cap_f) {
                struct wframe *n2 = realloc(st, (size_t)cap_f * 2 * sizeof *st);
                if (!n2)
                    err = tyr_diag_set(diag, TYR_ENOMEM, 0, "out of memory");
                else
                    st = n2, cap_f *= 2;
            }
            if (!err)
                st[sp++] = (struct wframe){child, us->n, end};
            else
                dwarf_dealloc_die(child);
        } else if (!err && got < 0) {
            err = got;
        }
        dwarf_dealloc_die(die);
    }
    for (uint32_t i = 0; i < sp; i++)
        if (st[i].die)
            dwarf_dealloc_die(st[i].die);
    free(st);
    return err;
}

/* Make sure unit u's state is known and, for C++, its scopes and entries are built. */
static int unit_need(tyr_dwarf *dw, unsigned file, uint32_t u, struct unit_scopes **out,
                     tyr_diag *diag)
{
    struct tdw_cxx *x = cxx_of(dw, file);
    if (!x)
        return tyr_diag_set(diag, TYR_ENOMEM, 0, "out of memory");
    if (!x->units[file] || u >= x->nunits[file])
        return tyr_diag_set(diag, TYR_EDWARF, 0, "unit %u of %u", u, x->nunits[file]);
    struct unit_scopes *us = &x->units[file][u];
    *out = us;
    if (us->state != U_UNKNOWN)
        return 0;
    struct tdw_die d;
    Dwarf_Die cu = NULL;
    int err = tdw_seek_unit(dw, file, u, diag);
    if (!err)
        err = tdw_read(dw, dw->f[file].units[u], &d, &cu, diag);
    if (err)
        return err;
    Dwarf_Unsigned lang = 0;
    Dwarf_Error e = NULL;
    if (dwarf_srclang(cu, &lang, &e) != DW_DLV_OK) {
        tdw_err_free(dw->f[file].dbg, &e);
        lang = 0;
    }
    us->state = is_cxx_lang(lang) ? U_CXX : U_OTHER;
    if (us->state == U_CXX && (err = walk_unit(dw, x, file, u, us, cu, diag))) {
        free(us->v);
        free(us->ents);
        memset(us, 0, sizeof *us); /* asked again, walked again */
    }
    dwarf_dealloc_die(cu);
    return err;
}

/* The qualified name of a named DIE of a C++ unit: prefix + its name (pool-owned). */
static const char *qualify(struct tdw_cxx *x, const struct unit_scopes *us, tdw_ref ref,
                           const char *name)
{
    const char *p = prefix_of(us, ref);
    return *p ? pool_cat(x, p, name, "") : name;
}

int tdw_cxx_entries(tyr_dwarf *dw, unsigned file, uint32_t u, const struct tdw_entry **v,
                    uint32_t *n, tyr_diag *diag)
{
    struct unit_scopes *us;
    int err = unit_need(dw, file, u, &us, diag);
    if (err)
        return err;
    if (us->state != U_CXX)
        return 0;
    if (!us->listed) {
        struct tdw_cxx *x = dw->cxx;
        uint32_t keep = 0;
        for (uint32_t i = 0; i < us->nents; i++) {
            struct tdw_entry en = us->ents[i];
            tdw_ref at = en.ref;
            if (!en.name) {
                /* g++'s out-of-line definition: the name and the scope are its
                 * declaration's (DW_AT_specification / DW_AT_abstract_origin) */
                struct tdw_die d, o;
                if ((err = tdw_read(dw, en.ref, &d, NULL, diag)))
                    return err;
                o = d;
                for (int hop = 0; hop < 4 && !o.name && (o.has & (TDW_HAS_ORIGIN | TDW_HAS_SPEC));
                     hop++) {
                    at = (o.has & TDW_HAS_ORIGIN) ? o.origin : o.spec;
                    if ((err = tdw_read(dw, at, &o, NULL, diag)))
                        return err;
                }
                if (!o.name)
                    continue;
                en.name = o.name;
            }
            const struct unit_scopes *os = us;
            if (tdw_ref_file(at) != file || unit_of(dw, at) != u) {
                /* the declaration lives in another unit: its scopes name it */
                struct unit_scopes *u2;
                uint32_t k = unit_of(dw, at);
                if (k == UINT32_MAX)
                    continue;
                if ((err = unit_need(dw, tdw_ref_file(at), k, &u2, diag)))
                    return err;
                os = u2;
            }
            if (!(en.name = qualify(x, os, at, en.name)))
                return tyr_diag_set(diag, TYR_ENOMEM, 0, "out of memory");
            us->ents[keep++] = en;
        }
        us->nents = keep;
        us->listed = 1;
    }
    *v = us->ents;
    *n = us->nents;
    return 1;
}

static bool qualifies(Dwarf_Half tag)
{
    return tag == DW_TAG_structure_type || tag == DW_TAG_class_type ||
           tag == DW_TAG_union_type || tag == DW_TAG_enumeration_type || tag == DW_TAG_typedef;
}

int tdw_cxx_qualify(tyr_dwarf *dw, struct tdw_die *d, tyr_diag *diag)
{
    if (!d->name || !qualifies(d->tag))
        return 0;
    unsigned file = tdw_ref_file(d->ref);
    uint32_t u = unit_of(dw, d->ref);
    if (u == UINT32_MAX)
        return 0;
    struct tdw_cxx *x = dw->cxx;
    if (x && x->units[file] && u < x->nunits[file] && x->units[file][u].state == U_OTHER)
        return 0; /* the common case for C: one look */
    struct unit_scopes *us;
    int err = unit_need(dw, file, u, &us, diag);
    if (err || us->state != U_CXX)
        return err;
    x = dw->cxx;
    /* a cache by DIE: the importer reads a type's DIE more than once */
    if (x->qcap) {
        for (uint32_t i = (uint32_t)(d->ref * UINT64_C(0x9e3779b97f4a7c15) >> 40) & (x->qcap - 1);
             x->qn[i].name; i = (i + 1) & (x->qcap - 1))
            if (x->qn[i].ref == d->ref) {
                d->name = x->qn[i].name;
                return 0;
            }
    }
    const char *q = qualify(x, us, d->ref, d->name);
    if (!q)
        return tyr_diag_set(diag, TYR_ENOMEM, 0, "out of memory");
    d->name = q;
    if ((x->qused + 1) * 2 > x->qcap) {
        uint32_t cap = x->qcap ? x->qcap * 2 : 1024;
        struct qname *n = calloc(cap, sizeof *n);
        if (!n)
            return 0; /* the cache is only a saving */
        for (uint32_t i = 0; i < x->qcap; i++) {
            if (!x->qn[i].name)
                continue;
            uint32_t j = (uint32_t)(x->qn[i].ref * UINT64_C(0x9e3779b97f4a7c15) >> 40) & (cap - 1);
            while (n[j].name)
                j = (j + 1) & (cap - 1);
            n[j] = x->qn[i];
        }
        free(x->qn);
        x->qn = n;
        x->qcap = cap;
    }
    uint32_t i = (uint32_t)(d->ref * UINT64_C(0x9e3779b97f4a7c15) >> 40) & (x->qcap - 1);
    while (x->qn[i].name)
        i = (i + 1) & (x->qcap - 1);
    x->qn[i].ref = d->ref;
    x->qn[i].name = q;
    x->qused++;
    return 0;
}

int tdw_cxx_attr_udata(tyr_dwarf *dw, tdw_ref ref, Dwarf_Half at, uint64_t *val, tyr_diag *diag)
{
    struct tdw_die d;
    Dwarf_Die die = NULL;
    int err = tdw_read(dw, ref, &d, &die, diag);
    if (err)
        return err;
    Dwarf_Attribute a = NULL;
    Dwarf_Error e = NULL;
    int res = dwarf_attr(die, at, &a, &e);
    Dwarf_Unsigned v = 0;
    if (res == DW_DLV_OK) {
        Dwarf_Half form = 0;
        res = dwarf_whatform(a, &form, &e);
        if (res == DW_DLV_OK && (form == DW_FORM_implicit_const || form == DW_FORM_sdata)) {
            /* libdwarf's formudata refuses the abbreviation's implicit constant */
            Dwarf_Signed sv = 0;
            res = dwarf_formsdata(a, &sv, &e);
            v = (Dwarf_Unsigned)sv;
        } else if (res == DW_DLV_OK) {
            res = dwarf_formudata(a, &v, &e);
        }
        dwarf_dealloc_attribute(a);
    }
    tdw_err_free(dw->f[tdw_ref_file(ref)].dbg, &e);
    dwarf_dealloc_die(die);
    if (res != DW_DLV_OK)
        return 0;
    *val = v;
    return 1;
}

/* Follow typedefs, qualifiers and (for members) arrays down to the DIE they name. */
static int strip_to_class(tyr_dwarf *dw, tdw_ref *r, struct tdw_die *d, bool arrays,
                          tyr_diag *diag)
{
    for (int hop = 0; hop < 16; hop++) {
        int err = tdw_read(dw, *r, d, NULL, diag);
        if (err)
            return err;
        bool through = d->tag == DW_TAG_typedef || d->tag == DW_TAG_const_type ||
                       d->tag == DW_TAG_volatile_type ||
                       (arrays && d->tag == DW_TAG_array_type);
        if (!through || !(d->has & TDW_HAS_TYPE))
            return 0;
        *r = d->type;
    }
    return 0;
}

/* Is this formal parameter DIE (of a constructor) a reference to the class `cls`? */
static int is_ref_to(tyr_dwarf *dw, const struct tdw_die *p, tdw_ref cls, tyr_diag *diag)
{
    struct tdw_die t;
    if (!(p->has & TDW_HAS_TYPE))
        return 0;
    int err = tdw_read(dw, p->type, &t, NULL, diag);
    if (err)
        return err;
    if ((t.tag != DW_TAG_reference_type && t.tag != DW_TAG_rvalue_reference_type) ||
        !(t.has & TDW_HAS_TYPE))
        return 0;
    tdw_ref r = t.type;
    if ((err = strip_to_class(dw, &r, &t, false, diag)))
        return err;
    return r == cls;
}

#define INVISIBLE_DEPTH 4 /* members of members: a constant bound, not the input's depth */

static int by_invisible_ref(tyr_dwarf *dw, tdw_ref type, int depth, tyr_diag *diag)
{
    struct tdw_die d;
    tdw_ref r = type;
    int err = strip_to_class(dw, &r, &d, depth > 0, diag);
    if (err)
        return err;
    if ((d.tag != DW_TAG_structure_type && d.tag != DW_TAG_class_type &&
         d.tag != DW_TAG_union_type) || (d.has & TDW_DECL))
        return 0;
    uint32_t u = unit_of(dw, r);
    struct unit_scopes *us;
    if (u == UINT32_MAX)
        return 0;
    if ((err = unit_need(dw, tdw_ref_file(r), u, &us, diag)))
        return err;
    if (us->state != U_CXX)
        return 0;
    uint64_t cc = 0;
    int has = tdw_cxx_attr_udata(dw, r, DW_AT_calling_convention, &cc, diag);
    if (has < 0)
        return has;
    if (has)
        return cc == DW_CC_pass_by_reference;
    /* No DW_AT_calling_convention (g++ 12): the Itanium ABI's rule, read from the class's
     * own declarations: a user-declared copy or move constructor or destructor, a vtable
     * pointer, a virtual base, or a member or base class that is itself such a class. */
    /* constructors are named by the class's own name, without scope or template
     * arguments: "app::Box<long int>" has constructors "Box" */
    char cname[256] = "";
    if (d.name) {
        const char *last = d.name;
        int angle = 0;
        for (const char *c = d.name; *c; c++) {
            angle += *c == '<' ? 1 : *c == '>' ? -1 : 0;
            if (!angle && c[0] == ':' && c[1] == ':')
                last = c + 2;
        }
        size_t n = strcspn(last, "<");
        if (n < sizeof cname) {
            memcpy(cname, last, n);
            cname[n] = '\0';
        }
    }
    unsigned file = tdw_ref_file(r);
    Dwarf_Die die = NULL, kid = NULL;
    if ((err = tdw_read(dw, r, &d, &die, diag)))
        return err;
    int got = tdw_child(dw, file, die, &kid, diag);
    dwarf_dealloc_die(die);
    int yes = 0;
    while (got == 1 && !yes && !err) {
        struct tdw_die k;
        Dwarf_Bool art = 0;
        Dwarf_Error e = NULL;
        if ((err = tdw_decode(dw, file, kid, &k, diag)))
            break;
        if (dwarf_hasattr(kid, DW_AT_artificial, &art, &e) != DW_DLV_OK)
            tdw_err_free(dw->f[file].dbg, &e);
        if (k.tag == DW_TAG_member && k.name && !strncmp(k.name, "_vptr", 5)) {
            yes = 1;
        } else if (k.tag == DW_TAG_inheritance && (k.has & TDW_BAD_MEMBER_LOC)) {
            yes = 1; /* a virtual base */
        } else if ((k.tag == DW_TAG_inheritance ||
                    (k.tag == DW_TAG_member && !(k.has & TDW_DECL))) &&
                   (k.has & TDW_HAS_TYPE) && depth < INVISIBLE_DEPTH) {
            int r2 = by_invisible_ref(dw, k.type, depth + 1, diag);
            if (r2 < 0)
                err = r2;
            else
                yes = r2;
        } else if (k.tag == DW_TAG_subprogram && !art && k.name && *cname) {
            if (k.name[0] == '~' && !strcmp(k.name + 1, cname)) {
                yes = 1;
            } else if (!strcmp(k.name, cname)) {
                /* a constructor: a copy or move one when its one parameter past `this` is
                 * a reference to the class */
                struct tdw_kids pk;
                struct tdw_die p;
                uint32_t n = 0;
                int refp = 0;
                int g2 = tdw_kids_first(dw, k.ref, kid, &pk, &p, diag);
                for (; g2 == 1 && !err; g2 = tdw_kids_next(dw, &pk, &p, diag)) {
                    if (p.tag != DW_TAG_formal_parameter)
                        continue;
                    if (n++ == 1) {
                        int r2 = is_ref_to(dw, &p, r, diag);
                        if (r2 < 0)
                            err = r2;
                        else
                            refp = r2;
                    }
                }
                tdw_kids_end(&pk);
                if (g2 < 0 && !err)
                    err = g2;
                yes = refp && n == 2;
            }
        }
        Dwarf_Die next = NULL;
        got = err || yes ? 0 : tdw_sibling(dw, file, kid, &next, diag);
        dwarf_dealloc_die(kid);
        kid = got == 1 ? next : NULL;
    }
    if (kid)
        dwarf_dealloc_die(kid);
    if (got < 0 && !err)
        err = got;
    return err ? err : yes;
}

int tdw_cxx_by_invisible_ref(tyr_dwarf *dw, tdw_ref type, tyr_diag *diag)
{
    return by_invisible_ref(dw, type, 0, diag);
}

int tdw_read(tyr_dwarf *dw, tdw_ref ref, struct tdw_die *out, Dwarf_Die *die_out, tyr_diag *diag)
{
    int err = tdw_die_read(dw, ref, out, die_out, diag);
    if (!err && (err = tdw_cxx_qualify(dw, out, diag)) != 0 && die_out) {
        tdw_die_free(*die_out);
        *die_out = NULL;
    }
    return err;
}

int tdw_read_cached(tyr_dwarf *dw, tdw_ref ref, struct tdw_die *out, Dwarf_Die *die_out,
                    tyr_diag *diag)
{
    int err = tdw_die_read_cached(dw, ref, out, die_out, diag);
    if (!err && (err = tdw_cxx_qualify(dw, out, diag)) != 0 && die_out) {
        tdw_die_free(*die_out);
        *die_out = NULL;
    }
    return err;
}

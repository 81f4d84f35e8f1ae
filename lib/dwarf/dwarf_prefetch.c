/* SPDX-License-Identifier: MIT */
/*
 * Import-all on two cores: worker threads decode units ahead of the importing thread.
 *
 * Reading attributes through libdwarf is most of an import-all, and it parallelizes: each
 * worker has its own libelf handle and its own Dwarf_Debug on the same file (libdwarf keeps
 * per-Debug state only), and decodes every top-level type DIE of a unit with everything under
 * it into a tdw_cache (section order, so lookups are a binary search). The importing thread
 * takes the units in order, points dw->cache at the unit it imports, and reads through
 * tdw_read/tdw_kids, which fall back to its own libdwarf for anything the cache lacks
 * (another unit, a function body). Which types are created, and in what order, does not
 * depend on the workers: only where the bytes come from.
 *
 * Memory stays bounded: workers run at most TDW_AHEAD units ahead of the importer, and the
 * importer frees each unit's cache when it is done with it. A worker that fails on a unit
 * marks it so, and the importer reads that unit from libdwarf itself (and reports any error).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dwarf_internal.h"

/* Up to TDW_WORKERS decoders (one per core beyond the importer's, at least one), at most
 * TDW_AHEAD average units ahead of the importer. On 2 cores one worker keeps the importer
 * busy with the least memory (two add a Dwarf_Debug and a malloc arena); 16 units ahead
 * rather than 8 idle the worker less while the importer scans names or imports a large unit,
 * for a little more peak RSS (docs/performance.md, "DWARF import-all", has the figures). */
#define TDW_WORKERS 2
#define TDW_AHEAD 16
/* A unit of at least TDW_SPLIT_MIN average units is decoded in pieces, each about
 * TDW_PIECE average units of its bytes, at most TDW_PIECES_MAX: decoded whole by one thread,
 * a large unit (python3.11d's unit 177: 9% of .debug_info, 49,000 DIEs) keeps the other
 * thread, done with every other unit, waiting for it. */
#define TDW_SPLIT_MIN 4
#define TDW_PIECE 2
#define TDW_PIECES_MAX 16

/* SLOT_BUSY: a unit's names being scanned out of turn, before its decode (see pieces_for) */
enum { SLOT_PENDING = 0, SLOT_READY = 1, SLOT_FAILED = 2, SLOT_BUSY = 3 };

struct slot {
    int state;
    struct tdw_cache cache;
    /* A unit decoded in pieces: each piece's cache (owned), merged into cache by the thread
     * that finishes the last one; the unit's top-level offsets, which the pieces share
     * (owned, as in struct names). */
    struct tdw_cache *parts;
    uint32_t nparts, parts_done;
    bool part_failed;
    uint32_t *top, *topname;
    uint32_t ntop;
};

/* A unit's type names for the name index (tdw_prefetch_names), and the offsets of the
 * top-level DIEs its decode keeps (keep_top), met on the same walk: the decode then goes from
 * one to the next with dwarf_offdie_b instead of walking every top-level DIE again. */
struct names {
    int state;
    struct tdw_entry *v; /* owned */
    uint32_t n, cap;
    uint32_t *top;       /* offsets from the unit's DIE; owned; NULL when the walk met
                          * anything unusual (then the decode walks again) */
    uint32_t *topname;   /* per top entry: its DW_AT_name as read for the index, as an offset
                          * into the file's bytes, or NAME_NONE / NAME_UNKNOWN; owned */
    uint32_t ntop, cap_top;
};
#define NAME_UNKNOWN UINT32_MAX      /* not read: the decode reads it */
#define NAME_NONE (UINT32_MAX - 1)   /* read: the DIE has none */

struct prefetch {
    tyr_dwarf *dw;
    unsigned file;
    bool funcs;          /* keep top-level subprograms and their parameters */
    uint32_t nunits;
    struct slot *slots;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    /* Units are claimed in the order of their due time: their index, less their size in
     * units of the average size (in 1/256ths), so that a large unit is started earlier,
     * not when the importer is about to need it (python3.11d's unit 177 of 180 is 9% of
     * .debug_info: decoded in order, it would keep the importer waiting at the end). */
    uint32_t *order;     /* units by due time; owned */
    int64_t *due;        /* per unit; owned */
    uint32_t next;       /* next position in order to hand out */
    uint64_t avg;        /* average unit size in bytes */
    uint32_t split_u;    /* the unit being decoded in pieces */
    uint32_t split_next, split_n; /* its next piece to hand out, and how many (0: none) */
    uint32_t force_pieces; /* opts.pieces (tests): split every unit that can be */
    uint32_t consumer;   /* unit the importer is on */
    /* The type-name index: the importer scans every unit's top level for names the first
     * time a declaration needs its definition (usually within the first units). A worker
     * that would wait for the importer scans units for it instead. */
    struct names *names;
    bool names_wanted;   /* the importer has asked for names: scan ahead */
    uint32_t names_next; /* next unit whose names nobody scans yet */
    const char *img;     /* the file's bytes (names must point into them, or the alt file's) */
    size_t img_len;
    bool stop;
    uint64_t dies;       /* DIEs decoded by the workers */
    struct worker {
        pthread_t th;
        struct prefetch *pf;
        Elf *elf;
        Dwarf_Debug dbg;
        struct tdw_plans own_plans; /* attribute plans for dbg; owned */
        int64_t own_cursor;
        struct tdw_plans *plans; /* &own_plans, or the handle's for `self` */
        int64_t *cursor;         /* unit dwarf_next_cu_header_d last returned */
        bool started;
    } w[TDW_WORKERS],
      /* The importing thread decoding a unit itself instead of waiting for one: it borrows
       * the handle's Dwarf_Debug, plans and unit cursor (only that thread uses them). */
      self;
};

/* Tags whose subtree is not types: skipped at the top level of a unit. With functions
 * (TYR_DWARF_ALL_FUNCS), a top-level subprogram is kept too, with its parameters only
 * (not its body: lexical blocks, variables, inlined calls). */
static bool keep_top(Dwarf_Half tag, bool funcs)
{
    return tdw_is_type_tag(tag) || (funcs && tag == DW_TAG_subprogram);
}

static bool is_param_tag(Dwarf_Half tag)
{
    return tag == DW_TAG_formal_parameter || tag == DW_TAG_unspecified_parameters;
}

/* Make unit u the worker's libdwarf "current" unit (as tdw_seek_unit does). */
static int worker_seek(struct worker *w, uint32_t u)
{
    for (uint32_t guard = 0; guard <= 2 * w->pf->nunits + 2; guard++) {
        if (*w->cursor == (int64_t)u)
            return 0;
        struct tdw_unit_header h;
        Dwarf_Error e = NULL;
        int res = tdw_next_unit_header(w->dbg, &h, &e);
        if (res == DW_DLV_NO_ENTRY) {
            *w->cursor = -1;
            continue;
        }
        if (res != DW_DLV_OK) {
            tdw_err_free(w->dbg, &e);
            return TYR_EDWARF;
        }
        (*w->cursor)++;
    }
    return TYR_EDWARF;
}

struct frame {
    Dwarf_Die die;   /* the parent whose children are being walked (owned) */
    Dwarf_Die cur;   /* the current child (owned), NULL at the end */
    uint32_t pidx;   /* parent's cache index */
    uint32_t last;   /* last child appended, 0 = none yet */
    bool params;     /* the parent is a subprogram: keep parameters only, no subtrees */
};

static int get_child(Dwarf_Debug dbg, Dwarf_Die die, Dwarf_Die *out)
{
    Dwarf_Half ch = 0;
    *out = NULL;
    if (dwarf_die_abbrev_children_flag(die, &ch) != DW_DLV_OK || !ch)
        return 0;
    Dwarf_Error e = NULL;
    int res = dwarf_child(die, out, &e);
    if (res == DW_DLV_ERROR) {
        tdw_err_free(dbg, &e);
        *out = NULL;
        return TYR_EDWARF;
    }
    return 0;
}

/* The DIE at a top-level offset of the unit being decoded (libdwarf's current unit). */
static int top_die(struct worker *w, Dwarf_Off base, const uint32_t *top, uint32_t ntop,
                   uint32_t k, Dwarf_Die *out)
{
    *out = NULL;
    if (k >= ntop)
        return 0;
    Dwarf_Error e = NULL;
    if (dwarf_offdie_b(w->dbg, base + top[k], 1, out, &e) != DW_DLV_OK) {
        tdw_err_free(w->dbg, &e);
        *out = NULL;
        return TYR_EDWARF;
    }
    return 0;
}

/* One unit's decode: the worker, where the unit is, and the stack of DIEs whose children
 * are being walked (the unit's root at the bottom). */
struct unit_walk {
    struct worker *w;
    struct prefetch *pf;
    unsigned file;
    const struct names *tl; /* the names scan's top-level DIEs, or NULL: walk them all */
    const uint32_t *top;    /* tl->top, or NULL */
    uint32_t ntop, k;       /* top[k0 .. ntop): this piece's; k: the next one */
    Dwarf_Off base;         /* the unit's offset */
    struct tdw_cache *c;
    struct frame *st;       /* owned; each frame owns its DIEs */
    uint32_t n, cap;
};

/* Seek to unit u, set the cache's range and push the unit's own DIE: *cu (owned by the
 * caller on success) at cache index *idx. */
static int open_unit(struct unit_walk *uw, uint32_t u, Dwarf_Die *cu, uint32_t *idx)
{
    tyr_dwarf *dw = uw->pf->dw;
    const struct tdw_file *f = &dw->f[uw->file];
    int err = worker_seek(uw->w, u);
    if (err)
        return err;
    uw->c->lo = f->units[u];
    uw->c->hi = u + 1 < f->nunits ? f->units[u + 1] : (tdw_ref)UINT64_MAX >> 1;
    Dwarf_Error e = NULL;
    if (dwarf_offdie_b(uw->w->dbg, uw->base, 1, cu, &e) != DW_DLV_OK) {
        tdw_err_free(uw->w->dbg, &e);
        return TYR_EDWARF;
    }
    struct tdw_die d;
    if ((err = tdw_decode_in(dw, uw->w->dbg, uw->w->plans, uw->file, *cu, &d, NULL)) ||
        (err = tdw_cache_push(uw->c, &d, idx)))
        dwarf_dealloc_die(*cu);
    return err;
}

/* The stack's first frame: the unit's DIE and its first child (or first kept top-level DIE
 * of the piece). Takes cu, freed on failure too. */
static int walk_start(struct unit_walk *uw, Dwarf_Die cu, uint32_t idx, uint32_t k0)
{
    Dwarf_Die first = NULL;
    uw->k = uw->top ? k0 : 0;
    int err = uw->top ? top_die(uw->w, uw->base, uw->top, uw->ntop, uw->k++, &first)
                      : get_child(uw->w->dbg, cu, &first);
    if (err) {
        dwarf_dealloc_die(cu);
        return err;
    }
    uw->cap = 16;
    uw->st = malloc(uw->cap * sizeof *uw->st);
    if (!uw->st) {
        tdw_die_free(first);
        dwarf_dealloc_die(cu);
        return TYR_ENOMEM;
    }
    uw->st[uw->n++] = (struct frame){cu, first, idx, 0, false};
    return 0;
}

/* Decode a kept DIE into *d, push it at *ci and link it under the top frame's parent. */
static int keep_die(struct unit_walk *uw, Dwarf_Die ch, struct tdw_die *d, uint32_t *ci,
                    uint64_t *dies)
{
    struct prefetch *pf = uw->pf;
    /* a top-level DIE's name, when the names scan read it, is not read again */
    uint32_t tn = uw->top && uw->n == 1 ? uw->tl->topname[uw->k - 1] : NAME_UNKNOWN;
    const char *name = tn == NAME_NONE ? NULL : pf->img + (tn == NAME_UNKNOWN ? 0 : tn);
    int err;
    if ((err = tdw_decode_named(pf->dw, uw->w->dbg, uw->w->plans, uw->file, ch,
                                tn != NAME_UNKNOWN, name, d, NULL)) ||
        (err = tdw_cache_push(uw->c, d, ci)))
        return err;
    (*dies)++;
    struct frame *fr = &uw->st[uw->n - 1];
    if (fr->last)
        uw->c->v[fr->last - 1].sib = *ci;
    else
        uw->c->v[fr->pidx - 1].child = *ci;
    fr->last = *ci;
    return 0;
}

/* The DIE after ch: its sibling, or at the top level of a piece the next kept DIE (ascending
 * offsets: a subsequence of the names scan's checked walk). */
static int next_die(struct unit_walk *uw, Dwarf_Die ch, Dwarf_Die *next)
{
    if (uw->top && uw->n == 1)
        return top_die(uw->w, uw->base, uw->top, uw->ntop, uw->k++, next);
    Dwarf_Error e = NULL;
    if (tdw_siblingof(uw->pf->dw, uw->file, uw->w->dbg, uw->w->plans, ch, next, &e) ==
        DW_DLV_ERROR) {
        tdw_err_free(uw->w->dbg, &e);
        return TYR_EDWARF;
    }
    return 0;
}

/* Walk into a kept DIE's children (a new frame whose parent is ch), or free ch when it has
 * none to keep. Takes ch. */
static int descend(struct unit_walk *uw, Dwarf_Die ch, uint32_t ci, const struct tdw_die *d,
                   bool params)
{
    Dwarf_Die gc = NULL;
    int err = 0;
    if (params || !(d->has & TDW_HAS_CHILDREN) || (err = get_child(uw->w->dbg, ch, &gc)) || !gc) {
        dwarf_dealloc_die(ch);
        return err;
    }
    if (uw->n == uw->cap) {
        struct frame *ns = realloc(uw->st, 2 * uw->cap * sizeof *uw->st);
        if (!ns) {
            dwarf_dealloc_die(gc);
            dwarf_dealloc_die(ch);
            return TYR_ENOMEM;
        }
        uw->st = ns;
        uw->cap *= 2;
    }
    uw->st[uw->n++] = (struct frame){ch, gc, ci, 0, d->tag == DW_TAG_subprogram};
    return 0;
}

/* One step of the walk: the top frame's current DIE is kept (or not), the frame moves to the
 * next DIE, and the walk goes into the kept DIE's children; a frame at its end is popped. On
 * error the DIEs left are the frames', freed by walk_free. */
static int walk_step(struct unit_walk *uw, uint64_t *dies)
{
    struct frame *fr = &uw->st[uw->n - 1];
    if (!fr->cur) {
        dwarf_dealloc_die(fr->die);
        uw->n--;
        return 0;
    }
    Dwarf_Die ch = fr->cur;
    Dwarf_Half tag = 0;
    Dwarf_Error e = NULL;
    if (dwarf_tag(ch, &tag, &e) != DW_DLV_OK) {
        tdw_err_free(uw->w->dbg, &e);
        return TYR_EDWARF;
    }
    bool params = fr->params;
    bool keep = params ? is_param_tag(tag) : uw->n > 1 || keep_top(tag, uw->pf->funcs);
    struct tdw_die d;
    uint32_t ci = 0;
    Dwarf_Die next = NULL;
    int err;
    if ((keep && (err = keep_die(uw, ch, &d, &ci, dies))) || (err = next_die(uw, ch, &next)))
        return err; /* ch is still the frame's */
    uw->st[uw->n - 1].cur = next;
    if (!keep) {
        dwarf_dealloc_die(ch);
        return 0;
    }
    return descend(uw, ch, ci, &d, params);
}

static void walk_free(struct unit_walk *uw)
{
    for (uint32_t i = 0; i < uw->n; i++) {
        tdw_die_free(uw->st[i].cur);
        dwarf_dealloc_die(uw->st[i].die);
    }
    free(uw->st);
}

/* Decode unit u of the worker's file into c. With tl (the offsets of the top-level DIEs to
 * keep, from the names scan's walk of the same unit), go from one to the next directly, and
 * only those in [k0, k1) (a piece of the unit). *dies counts the DIEs under the unit's. */
static int decode_unit(struct worker *w, uint32_t u, const struct names *tl, uint32_t k0,
                       uint32_t k1, struct tdw_cache *c, uint64_t *dies)
{
    struct unit_walk uw = {.w = w, .pf = w->pf, .file = w->pf->file, .tl = tl,
                           .top = tl ? tl->top : NULL, .ntop = tl ? k1 : 0, .c = c,
                           .base = tdw_ref_off(w->pf->dw->f[w->pf->file].units[u])};
    Dwarf_Die cu = NULL;
    uint32_t idx;
    int err = open_unit(&uw, u, &cu, &idx);
    if (!err)
        err = walk_start(&uw, cu, idx, k0);
    while (!err && uw.n > 0)
        err = walk_step(&uw, dies);
    walk_free(&uw);
    return err;
}

/* A name the index may keep after the workers are gone: in the file's mapping (the importer's
 * libelf handle owns it) or in the alt file's .debug_str, not in a buffer of the worker's
 * Dwarf_Debug (a decompressed section). */
static bool name_lasts(const struct prefetch *pf, const char *name)
{
    const struct tdw_file *alt = &pf->dw->f[1];
    return (name >= pf->img && name < pf->img + pf->img_len) ||
           (alt->str && name >= alt->str && name < alt->str + alt->str_len);
}

static int top_push(struct names *nm, Dwarf_Off base, Dwarf_Off off, uint32_t name)
{
    if (off <= base || off - base > UINT32_MAX)
        return TYR_EDWARF;
    if (nm->ntop == nm->cap_top) {
        uint32_t cap = nm->cap_top ? nm->cap_top * 2 : 256;
        uint32_t *v = realloc(nm->top, (size_t)cap * sizeof *v);
        if (!v)
            return TYR_ENOMEM;
        nm->top = v;
        uint32_t *tn = realloc(nm->topname, (size_t)cap * sizeof *tn);
        if (!tn)
            return TYR_ENOMEM;
        nm->topname = tn;
        nm->cap_top = cap;
    }
    nm->top[nm->ntop] = (uint32_t)(off - base);
    nm->topname[nm->ntop++] = name;
    return 0;
}

/* A name as top_push keeps it: an offset into the file's bytes (NAME_UNKNOWN when it is not
 * there, e.g. in the alt file: then the decode reads it again). */
static uint32_t name_ref(const struct prefetch *pf, const char *name)
{
    if (!name)
        return NAME_NONE;
    if (name < pf->img || name >= pf->img + pf->img_len ||
        (size_t)(name - pf->img) >= NAME_NONE)
        return NAME_UNKNOWN;
    return (uint32_t)(name - pf->img);
}

static int names_push(struct names *nm, const struct tdw_entry *e)
{
    struct tdw_entry *v = tdw_grow(nm->v, &nm->cap, (uint64_t)nm->n + 1, sizeof *v, 256);
    if (!v)
        return TYR_ENOMEM;
    nm->v = v;
    nm->v[nm->n++] = *e;
    return 0;
}

/* Unit u's top-level type names, exactly as index_scan_next (dwarf_index.c) adds them. Any
 * error: the importer scans the unit itself and reports it. */
/* One top-level DIE of a type tag: its name and declaration flag pushed to the unit's names
 * (what index_scan_next would index), *known set to the name the decode would read. A DIE
 * whose name fails to read is left out of the index and counted, as the index does. */
static int scan_entry(struct worker *w, Dwarf_Die die, Dwarf_Half tag, struct names *out,
                      uint32_t *known)
{
    struct prefetch *pf = w->pf;
    unsigned file = pf->file;
    Dwarf_Error e = NULL;
    bool bad = false;
    char *nm = NULL;
    Dwarf_Bool decl = 0;
    struct tdw_entry en = {.ref = tdw_die_ref(file, die), .tag = tag};
    int res = tdw_name_decl(w->plans, w->dbg, die, &nm, &decl, &e);
    if (res == DW_DLV_OK) {
        en.name = nm;
        en.decl = decl != 0;
    } else if (res != DW_DLV_NO_ENTRY) {
        tdw_err_free(w->dbg, &e);
        struct tdw_die d;
        int err = tdw_decode_in(pf->dw, w->dbg, w->plans, file, die, &d, NULL);
        if (tdw_is_bad_name(err, &d)) {
            /* its decode fails again for the importer, which then reports it */
            tdw_note_bad_name(pf->dw, d.ref);
            err = 0;
            bad = true;
        }
        if (err)
            return err;
        en.name = d.name;
        en.low_pc = d.low_pc;
        en.decl = (d.has & TDW_DECL) != 0;
        en.has_pc = (d.has & (TDW_HAS_LOW_PC | TDW_HAS_RANGES)) != 0;
    }
    if (en.name && !name_lasts(pf, en.name))
        return TYR_EDWARF;
    int err = en.name ? names_push(out, &en) : 0;
    /* what the decode would read: the same attribute through the same libdwarf calls (or,
     * on the fallback, the decode itself) */
    *known = bad ? NAME_UNKNOWN : name_ref(pf, en.name);
    return err;
}

/* The unit's top-level DIE list: dropped when it could not be read whole (decode_unit then
 * walks the unit itself), else trimmed to its length, since it is kept until the unit is
 * decoded, maybe long after. */
static void top_finish(struct names *out, bool top_ok)
{
    if (!top_ok) {
        free(out->top);
        free(out->topname);
        out->top = out->topname = NULL;
        out->ntop = out->cap_top = 0;
        return;
    }
    if (!out->top || out->ntop == out->cap_top)
        return;
    size_t n = out->ntop ? out->ntop : 1;
    uint32_t *v = realloc(out->top, n * sizeof *v);
    if (v)
        out->top = v;
    uint32_t *tn = realloc(out->topname, n * sizeof *tn);
    if (tn)
        out->topname = tn;
    if (v && tn)
        out->cap_top = (uint32_t)n;
}

static int scan_names(struct worker *w, uint32_t u, struct names *out)
{
    struct prefetch *pf = w->pf;
    tyr_dwarf *dw = pf->dw;
    unsigned file = pf->file;
    Dwarf_Die cu = NULL, die = NULL;
    Dwarf_Error e = NULL;
    /* No seek: one dwarf_offdie_b per unit finds it however far libdwarf's current unit is. */
    if (dwarf_offdie_b(w->dbg, tdw_ref_off(dw->f[file].units[u]), 1, &cu, &e) != DW_DLV_OK) {
        tdw_err_free(w->dbg, &e);
        return TYR_EDWARF;
    }
    bool top_ok = true;
    /* the unit DIE is decoded as index_scan_next's tdw_read does: same errors */
    struct tdw_die ud;
    int err = tdw_decode_in(dw, w->dbg, w->plans, file, cu, &ud, NULL);
    if (!err)
        err = get_child(w->dbg, cu, &die);
    dwarf_dealloc_die(cu);
    while (!err && die) {
        Dwarf_Half tag = 0;
        if (dwarf_tag(die, &tag, &e) != DW_DLV_OK) {
            tdw_err_free(w->dbg, &e);
            tag = 0; /* as index_scan_next: a DIE without a tag is skipped */
            top_ok = false; /* but decode_unit's walk fails on it */
        }
        uint32_t known = NAME_UNKNOWN; /* the DIE's name if read below, for its decode */
        if (tdw_index_tag(TDW_IX_TYPES, tag) && (err = scan_entry(w, die, tag, out, &known)))
            break;
        if (top_ok && keep_top(tag, pf->funcs)) {
            Dwarf_Off off = 0;
            if (dwarf_dieoffset(die, &off, &e) != DW_DLV_OK ||
                top_push(out, tdw_ref_off(dw->f[file].units[u]), off, known)) {
                tdw_err_free(w->dbg, &e);
                top_ok = false;
            }
        }
        Dwarf_Die next = NULL;
        int res = tdw_siblingof(dw, file, w->dbg, w->plans, die, &next, &e);
        if (res == DW_DLV_ERROR) {
            tdw_err_free(w->dbg, &e);
            err = TYR_EDWARF;
            break;
        }
        dwarf_dealloc_die(die);
        die = res == DW_DLV_OK ? next : NULL;
    }
    if (die)
        dwarf_dealloc_die(die);
    top_finish(out, top_ok);
    return err;
}

/* Scan unit u's names, with pf->mu held on entry and on return (not while scanning). */
static void names_scan(struct worker *w, uint32_t u)
{
    struct prefetch *pf = w->pf;
    pf->names[u].state = SLOT_BUSY;
    pthread_mutex_unlock(&pf->mu);
    struct names nm = {0};
    int err = scan_names(w, u, &nm);
    pthread_mutex_lock(&pf->mu);
    if (err) {
        free(nm.v);
        free(nm.top);
        free(nm.topname);
        memset(&nm, 0, sizeof nm);
    }
    nm.state = err ? SLOT_FAILED : SLOT_READY;
    pf->names[u] = nm;
    pthread_cond_broadcast(&pf->cv);
}

/* Claim the next unit whose names nobody scans yet, and scan them, with pf->mu held on entry
 * and on return. */
static void names_claimed(struct worker *w)
{
    struct prefetch *pf = w->pf;
    uint32_t u = pf->names_next++;
    if (pf->names[u].state == SLOT_PENDING) /* else scanned (or being scanned) out of turn */
        names_scan(w, u);
}

/* The entry of every call about unit u: false for no prefetch or a unit it does not hold,
 * else true with pf's lock taken (the caller unlocks). */
static bool lock_unit(struct prefetch *pf, uint32_t u)
{
    if (!pf || u >= pf->nunits)
        return false;
    pthread_mutex_lock(&pf->mu);
    return true;
}

int tdw_prefetch_names(struct prefetch *pf, uint32_t u, const struct tdw_entry **v, uint32_t *n)
{
    if (!lock_unit(pf, u))
        return 0;
    if (!pf->names_wanted) {
        pf->names_wanted = true;
        pthread_cond_broadcast(&pf->cv);
    }
    while (pf->names[u].state == SLOT_PENDING || pf->names[u].state == SLOT_BUSY) {
        if (pf->names_next <= u) {
            /* nobody scans it yet: this thread does, into a list too, so that the unit's
             * decode gets the offsets of its top-level DIEs (units before u are in the
             * index already) */
            pf->names_next = u;
            names_claimed(&pf->self);
            continue;
        }
        if (pf->names_next < pf->nunits)
            names_claimed(&pf->self); /* scan a later one while a worker scans u */
        else
            pthread_cond_wait(&pf->cv, &pf->mu);
    }
    int got = pf->names[u].state == SLOT_READY;
    *v = pf->names[u].v;
    *n = pf->names[u].n;
    pthread_mutex_unlock(&pf->mu);
    return got;
}

void tdw_prefetch_names_done(struct prefetch *pf, uint32_t u)
{
    if (!lock_unit(pf, u))
        return;
    free(pf->names[u].v); /* the top-level offsets stay for the unit's decode */
    pf->names[u].v = NULL;
    pf->names[u].n = pf->names[u].cap = 0;
    pthread_mutex_unlock(&pf->mu);
}

/* Whether a unit is due for decoding while the importer is on unit `consumer`. */
static bool claimable(const struct prefetch *pf, uint32_t consumer)
{
    if (pf->split_next < pf->split_n)
        return true;
    return pf->next < pf->nunits &&
           pf->due[pf->order[pf->next]] < ((int64_t)consumer + TDW_AHEAD) * 256;
}

/* The claim order (see struct prefetch). */
static void order_units(struct prefetch *pf, const struct tdw_file *f)
{
    uint32_t n = pf->nunits;
    uint64_t total = tdw_ref_off(f->units[n - 1]) - tdw_ref_off(f->units[0]);
    uint64_t avg = total / (n - 1) ? total / (n - 1) : 1;
    pf->avg = avg;
    for (uint32_t k = 0; k < n; k++) {
        uint64_t size = k + 1 < n ? tdw_ref_off(f->units[k + 1]) - tdw_ref_off(f->units[k]) : avg;
        uint64_t ahead = size / avg < n ? size * 256 / avg : (uint64_t)n * 256;
        pf->due[k] = (int64_t)k * 256 - (int64_t)ahead;
        /* insertion sort, stable: a unit moves back by about its size in average units,
         * so the total work is about the number of units */
        uint32_t j = k;
        while (j > 0 && pf->due[pf->order[j - 1]] > pf->due[k]) {
            pf->order[j] = pf->order[j - 1];
            j--;
        }
        pf->order[j] = k;
    }
}

/* Bytes of unit u (the last one counts as average). */
static uint64_t unit_size(const struct prefetch *pf, uint32_t u)
{
    const struct tdw_file *f = &pf->dw->f[pf->file];
    return u + 1 < pf->nunits ? tdw_ref_off(f->units[u + 1]) - tdw_ref_off(f->units[u])
                              : pf->avg;
}

/* Whether unit u is large enough to decode in pieces (then its names are scanned first, if
 * nobody did, for the offsets of its top-level DIEs). */
static bool splittable(const struct prefetch *pf, uint32_t u)
{
    return pf->force_pieces || unit_size(pf, u) / TDW_SPLIT_MIN >= pf->avg;
}

/* How many pieces to decode unit u in, given its kept top-level DIEs (1: whole). */
static uint32_t pieces_for(const struct prefetch *pf, uint32_t u, uint32_t ntop)
{
    if (!splittable(pf, u) || pf->split_next < pf->split_n)
        return 1; /* (one unit in pieces at a time) */
    if (pf->force_pieces)
        return ntop >= pf->force_pieces ? pf->force_pieces : 1;
    uint64_t size = unit_size(pf, u);
    if (ntop < 16)
        return 1;
    uint64_t np = size / (TDW_PIECE * pf->avg);
    np = np < TDW_PIECES_MAX ? np : TDW_PIECES_MAX;
    np = np < ntop / 8 ? np : ntop / 8; /* at least 8 top-level DIEs a piece */
    return np < 2 ? 1 : (uint32_t)np;
}

/* The first of a split unit's top-level DIEs in piece p: pieces cut its bytes evenly. */
static uint32_t piece_start(const struct prefetch *pf, const struct slot *sl, uint32_t u,
                            uint32_t p)
{
    if (p >= sl->nparts)
        return sl->ntop;
    uint64_t at = unit_size(pf, u) * p / sl->nparts;
    uint32_t lo = 0, hi = sl->ntop;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (sl->top[mid] < at)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The last piece of a split unit is done: merge the pieces into its cache, with pf->mu held
 * on entry and on return but not while merging (nobody else touches the slot meanwhile). */
static void merge_pieces(struct prefetch *pf, struct slot *sl)
{
    pthread_mutex_unlock(&pf->mu);
    struct tdw_cache all = sl->parts[0];
    bool ok = !sl->part_failed;
    for (uint32_t p = 1; p < sl->nparts; p++) {
        if (ok && tdw_cache_append(&all, &sl->parts[p]))
            ok = false;
        tdw_cache_free(&sl->parts[p]);
    }
    if (ok)
        tdw_cache_index(&all);
    else
        tdw_cache_free(&all);
    free(sl->parts);
    free(sl->top);
    free(sl->topname);
    sl->parts = NULL;
    sl->top = sl->topname = NULL;
    pthread_mutex_lock(&pf->mu);
    sl->cache = all;
    sl->state = ok ? SLOT_READY : SLOT_FAILED;
    pthread_cond_broadcast(&pf->cv);
}

/* Claim the next piece of the unit being split, or else the next unit (which a large one
 * splits), and decode it, with pf->mu held on entry and on return. */
static void decode_claimed(struct worker *w, uint64_t *dies)
{
    struct prefetch *pf = w->pf;
    uint32_t u, piece = 0;
    struct names tl = {0}; /* only top, topname, ntop used */
    struct slot *sl;
    if (pf->split_next < pf->split_n) {
        u = pf->split_u;
        piece = pf->split_next++;
        sl = &pf->slots[u];
    } else {
        u = pf->order[pf->next++];
        sl = &pf->slots[u];
        if (splittable(pf, u) && pf->names[u].state == SLOT_PENDING)
            names_scan(w, u); /* for the offsets to cut it at (the index keeps the names) */
        /* the unit's top-level offsets, if its names were scanned already: taken over */
        if (pf->names[u].state == SLOT_READY && pf->names[u].top) {
            tl.top = pf->names[u].top;
            tl.topname = pf->names[u].topname;
            tl.ntop = pf->names[u].ntop;
            pf->names[u].top = pf->names[u].topname = NULL;
            pf->names[u].ntop = pf->names[u].cap_top = 0;
        }
        uint32_t np = pieces_for(pf, u, tl.ntop);
        if (np > 1 && (sl->parts = calloc(np, sizeof *sl->parts))) {
            sl->nparts = np;
            sl->top = tl.top;
            sl->topname = tl.topname;
            sl->ntop = tl.ntop;
            pf->split_u = u;
            pf->split_n = np;
            pf->split_next = 1;
        }
    }
    uint32_t k0 = 0, k1 = tl.ntop;
    bool split = sl->parts != NULL;
    if (split) {
        tl.top = sl->top; /* shared by the pieces: freed by merge_pieces */
        tl.topname = sl->topname;
        tl.ntop = sl->ntop;
        k0 = piece_start(pf, sl, u, piece);
        k1 = piece_start(pf, sl, u, piece + 1);
    }
    pthread_mutex_unlock(&pf->mu);
    struct tdw_cache c = {0};
    int err = decode_unit(w, u, tl.top ? &tl : NULL, k0, k1, &c, dies);
    *dies += !err && piece == 0; /* the unit's DIE, decoded by every piece */
    if (!split) {
        free(tl.top);
        free(tl.topname);
        if (!err)
            tdw_cache_index(&c);
    }
    pthread_mutex_lock(&pf->mu);
    if (err)
        tdw_cache_free(&c);
    if (split) {
        sl->parts[piece] = c;
        sl->part_failed |= err != 0;
        if (++sl->parts_done == sl->nparts)
            merge_pieces(pf, sl);
        return;
    }
    sl->cache = c;
    sl->state = err ? SLOT_FAILED : SLOT_READY;
    pthread_cond_broadcast(&pf->cv);
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct prefetch *pf = w->pf;
    uint64_t dies = 0;
    pthread_mutex_lock(&pf->mu);
    while (!pf->stop) {
        bool decode = claimable(pf, pf->consumer);
        bool names = pf->names_wanted && pf->names_next < pf->nunits;
        if (decode) {
            decode_claimed(w, &dies);
        } else if (names) {
            names_claimed(w); /* the importer is behind: scan names it will ask for */
        } else if (pf->next >= pf->nunits && (pf->names_wanted || pf->names_next >= pf->nunits)) {
            break;
        } else {
            pthread_cond_wait(&pf->cv, &pf->mu);
        }
    }
    pf->dies += dies;
    pthread_mutex_unlock(&pf->mu);
    return NULL;
}

static void worker_close(struct worker *w)
{
    tdw_plans_free(&w->own_plans);
    tdw_reader_close(&w->dbg, &w->elf);
}

/* Free pf itself: its lock, its tables and the struct (what the units hold is the caller's
 * to free first). */
static void prefetch_free(struct prefetch *pf)
{
    pthread_mutex_destroy(&pf->mu);
    pthread_cond_destroy(&pf->cv);
    free(pf->slots);
    free(pf->names);
    free(pf->order);
    free(pf->due);
    free(pf);
}

struct prefetch *tdw_prefetch_start(tyr_dwarf *dw, unsigned file, bool funcs, uint32_t pieces)
{
    const struct tdw_file *f = &dw->f[file];
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    if (!f->dbg || f->nunits < 2 || cpus < 2)
        return NULL;
    struct prefetch *pf = calloc(1, sizeof *pf);
    if (!pf)
        return NULL;
    pf->slots = calloc(f->nunits, sizeof *pf->slots);
    pf->names = calloc(f->nunits, sizeof *pf->names);
    pf->order = calloc(f->nunits, sizeof *pf->order);
    pf->due = calloc(f->nunits, sizeof *pf->due);
    if (!pf->slots || !pf->names || !pf->order || !pf->due) {
        free(pf->slots);
        free(pf->names);
        free(pf->order);
        free(pf->due);
        free(pf);
        return NULL;
    }
    pf->nunits = f->nunits;
    order_units(pf, f);
    if (pieces >= 2)
        pf->force_pieces = pieces < TDW_PIECES_MAX ? pieces : TDW_PIECES_MAX;
    pf->img = elf_rawfile(f->elf, &pf->img_len);
    pf->dw = dw;
    pf->file = file;
    pf->funcs = funcs;
    pf->nunits = f->nunits;
    pthread_mutex_init(&pf->mu, NULL);
    pthread_cond_init(&pf->cv, NULL);
    pf->self.pf = pf;
    pf->self.dbg = f->dbg;
    pf->self.plans = &dw->f[file].plans;
    pf->self.cursor = &dw->f[file].cursor;
    int started = 0;
    int nworkers = cpus - 1 < TDW_WORKERS ? (int)cpus - 1 : TDW_WORKERS;
    for (int i = 0; i < nworkers; i++) {
        struct worker *w = &pf->w[i];
        w->pf = pf;
        w->own_cursor = -1;
        w->cursor = &w->own_cursor;
        w->plans = &w->own_plans;
        Dwarf_Error e = NULL;
        /* Over the importer's own mapping of the file (not a second mmap): the pages of
         * .debug_info are resident once, not once per thread. */
        size_t img_len = 0;
        char *img = elf_rawfile(f->elf, &img_len);
        w->elf = img ? elf_memory(img, img_len) : NULL;
        if (!w->elf || dwarf_elf_init_b(w->elf, DW_DLC_READ, DW_GROUPNUMBER_ANY, NULL, NULL,
                                        &w->dbg, &e) != DW_DLV_OK) {
            tdw_err_free(NULL, &e);
            w->dbg = NULL;
            worker_close(w);
            continue;
        }
        if (pthread_create(&w->th, NULL, worker_main, w) != 0) {
            worker_close(w);
            continue;
        }
        w->started = true;
        started++;
    }
    if (!started) {
        prefetch_free(pf);
        return NULL;
    }
    return pf;
}

const struct tdw_cache *tdw_prefetch_take(struct prefetch *pf, uint32_t u)
{
    if (!lock_unit(pf, u))
        return NULL;
    pf->consumer = u;
    pthread_cond_broadcast(&pf->cv);
    /* Every unit is claimed by some worker or by this thread, which always store a result.
     * Rather than wait, decode the next unclaimed unit here: on two cores the worker alone
     * is the slower of the two threads, and this keeps both busy. */
    uint64_t dies = 0;
    while (pf->slots[u].state == SLOT_PENDING) {
        if (claimable(pf, u))
            decode_claimed(&pf->self, &dies);
        else
            pthread_cond_wait(&pf->cv, &pf->mu);
    }
    pf->dies += dies;
    const struct tdw_cache *c =
        pf->slots[u].state == SLOT_READY ? &pf->slots[u].cache : NULL;
    pthread_mutex_unlock(&pf->mu);
    return c;
}

void tdw_prefetch_done(struct prefetch *pf, uint32_t u)
{
    if (!lock_unit(pf, u))
        return;
    tdw_cache_free(&pf->slots[u].cache);
    pf->consumer = u + 1;
    pthread_cond_broadcast(&pf->cv);
    pthread_mutex_unlock(&pf->mu);
}

uint64_t tdw_prefetch_stop(struct prefetch *pf)
{
    if (!pf)
        return 0;
    pthread_mutex_lock(&pf->mu);
    pf->stop = true;
    pthread_cond_broadcast(&pf->cv);
    pthread_mutex_unlock(&pf->mu);
    for (int i = 0; i < TDW_WORKERS; i++) {
        if (pf->w[i].started)
            pthread_join(pf->w[i].th, NULL);
        worker_close(&pf->w[i]);
    }
    for (uint32_t u = 0; u < pf->nunits; u++) {
        struct slot *sl = &pf->slots[u];
        for (uint32_t p = 0; sl->parts && p < sl->nparts; p++)
            tdw_cache_free(&sl->parts[p]);
        free(sl->parts);
        free(sl->top);
        free(sl->topname);
        tdw_cache_free(&pf->slots[u].cache);
        free(pf->names[u].v);
        free(pf->names[u].top);
        free(pf->names[u].topname);
    }
    uint64_t dies = pf->dies;
    prefetch_free(pf);
    return dies;
}

/* SPDX-License-Identifier: MIT */
/*
 * Capture plans: where each argument of a probed function lives at its first instruction
 * under the x86-64 System V ABI, and the items the BPF program runs to copy it.
 *
 * Classification (the ABI's section 3.2.3, for what C passes): integers, pointers, enums and
 * bools are INTEGER; float and double are SSE; long double (x87) is MEMORY; a struct or union
 * of more than 16 bytes, or with a member at an offset that is not a multiple of its
 * alignment (packed), is MEMORY; a smaller one is classified per eightbyte from its scalar
 * members (INTEGER wins over SSE). INTEGER values take the next one or two of rdi, rsi, rdx,
 * rcx, r8, r9, or go to the stack whole when they do not fit; SSE values take xmm registers,
 * which a uprobe cannot read: they are recorded as not captured (or read from the stack once
 * the eight xmm registers are used up). A MEMORY return value takes rdi for its hidden
 * pointer. Stack arguments are 8-aligned (16 for 16-aligned types), the first at rsp + 8.
 *
 * A compiler clone (.isra, .constprop, .part) does not take its parameters where the ABI puts
 * the source signature's: its plan reads each one where the clone's DWARF says it is at the
 * entry pc (spec->entry_locs), a register or a stack slot; one the clone does not receive
 * (dropped, optimized out, a propagated constant) is recorded as not captured, with why.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aot_internal.h"
#include "tyr/dwarf.h"

enum cls { CLS_NONE = 0, CLS_INTEGER, CLS_SSE, CLS_MEMORY };

static const unsigned char arg_regs[6] = {AOT_REG_RDI, AOT_REG_RSI, AOT_REG_RDX,
                                          AOT_REG_RCX, AOT_REG_R8,  AOT_REG_R9};

int aot_diag(tyr_diag *diag, int err, uint64_t offset, const char *fmt, ...)
{
    if (diag) {
        va_list ap;
        va_start(ap, fmt);
        diag->err = err;
        diag->offset = offset;
        vsnprintf(diag->what, sizeof(diag->what), fmt, ap);
        va_end(ap);
    }
    return err;
}

static enum cls merge(enum cls a, enum cls b)
{
    if (a == b || b == CLS_NONE)
        return a;
    if (a == CLS_NONE)
        return b;
    if (a == CLS_MEMORY || b == CLS_MEMORY)
        return CLS_MEMORY;
    return CLS_INTEGER; /* INTEGER and SSE in one eightbyte */
}

/* Classifies the scalars of t placed at byte `at` into eb[0..1]; false when t cannot be
 * classified (nested too deep, an unknown type). */
static bool classify_into(const tyr_registry *reg, tyr_type t, uint64_t at, enum cls eb[2],
                          unsigned depth)
{
    if (depth > 32)
        return false;
    t = tyr_type_strip(reg, t, TYR_STRIP_ALL);
    tyr_type_info ti;
    if (tyr_type_get(reg, t, &ti))
        return false;
    switch (ti.kind) {
    case TYR_KIND_INT:
    case TYR_KIND_ENUM:
    case TYR_KIND_PTR:
        for (uint64_t b = at / 8; b <= (at + (ti.size ? ti.size : 1) - 1) / 8 && b < 2; b++)
            eb[b] = merge(eb[b], CLS_INTEGER);
        return true;
    case TYR_KIND_FLOAT:
        if (ti.bits == 80) {
            eb[0] = eb[1] = CLS_MEMORY;
            return true;
        }
        for (uint64_t b = at / 8; b <= (at + ti.size - 1) / 8 && b < 2; b++)
            eb[b] = merge(eb[b], CLS_SSE);
        return true;
    case TYR_KIND_ARRAY: {
        uint64_t esz = tyr_type_size(reg, ti.target);
        for (uint32_t i = 0; i < ti.count && esz; i++)
            if (!classify_into(reg, ti.target, at + i * esz, eb, depth + 1))
                return false;
        return true;
    }
    case TYR_KIND_STRUCT:
    case TYR_KIND_UNION:
        for (uint32_t i = 0; i < ti.count; i++) {
            tyr_field_info f;
            if (tyr_field_at(reg, t, i, &f))
                return false;
            uint32_t al = tyr_type_align(reg, f.type);
            if (!f.bit_size && al && f.offset % al) {
                eb[0] = eb[1] = CLS_MEMORY; /* an unaligned (packed) member */
                return true;
            }
            if (!classify_into(reg, f.type, at + f.offset, eb, depth + 1))
                return false;
        }
        return true;
    default:
        return false;
    }
}

/* The class of a whole value and how many eightbytes it takes; *mixed when one eightbyte
 * is INTEGER and the other SSE. */
static enum cls classify(const tyr_registry *reg, tyr_type t, uint32_t *neb, bool *mixed)
{
    uint64_t size = tyr_type_size(reg, t);
    tyr_type s = tyr_type_strip(reg, t, TYR_STRIP_ALL);
    int kind = tyr_type_kind(reg, s);
    *mixed = false;
    *neb = (uint32_t)((size + 7) / 8);
    if (size == 0 || kind == TYR_KIND_UNKNOWN || kind == TYR_KIND_FUNC ||
        kind == TYR_KIND_FUNC_PROTO || kind < 0)
        return CLS_NONE;
    if (size > 16)
        return CLS_MEMORY;
    enum cls eb[2] = {CLS_NONE, CLS_NONE};
    if (!classify_into(reg, t, 0, eb, 0))
        return CLS_NONE;
    if (eb[0] == CLS_MEMORY || eb[1] == CLS_MEMORY)
        return CLS_MEMORY;
    if (*neb == 2 && eb[0] != eb[1]) {
        *mixed = true;
        return CLS_INTEGER;
    }
    return eb[0] == CLS_NONE ? CLS_INTEGER : eb[0];
}

struct builder {
    const tyr_registry *reg;
    struct aot_probe_plan *p;
    tyr_diag *diag;
    const char *fn;
};

static int add_value(struct builder *b, int kind, const char *name, tyr_type type,
                     struct aot_plan_value **out)
{
    struct aot_plan_value *v = realloc(b->p->values, (b->p->nvalues + 1) * sizeof(*v));
    if (!v)
        return TYR_ENOMEM;
    b->p->values = v;
    v = &v[b->p->nvalues];
    memset(v, 0, sizeof(*v));
    v->name = strdup(name);
    if (!v->name)
        return TYR_ENOMEM;
    b->p->nvalues++;
    v->why = "";
    v->v.kind = (uint32_t)kind;
    v->v.type = type.id;
    v->v.first_item = b->p->nitems;
    *out = v;
    return 0;
}

/* Reserves size bytes of event data for v (8-aligned). */
static int reserve(struct builder *b, struct aot_plan_value *v, uint64_t size)
{
    uint32_t at = (b->p->data_len + 7u) & ~7u;
    if (size > AOT_MAX_DATA || at + size > AOT_MAX_DATA)
        return aot_diag(b->diag, TYR_ENOTSUP, 0,
                        "%s: %s: the probe's values take more than the %u bytes an event holds",
                        b->fn, v->name, AOT_MAX_DATA);
    v->v.data_off = at;
    v->v.data_len = (uint32_t)size;
    b->p->data_len = at + (uint32_t)size;
    return 0;
}

static int add_item(struct builder *b, struct aot_plan_value *v, struct aot_item it)
{
    if (b->p->nitems >= AOT_MAX_ITEMS)
        return aot_diag(b->diag, TYR_ENOTSUP, 0, "%s: %s: more than %u capture items in one probe",
                        b->fn, v->name, AOT_MAX_ITEMS);
    b->p->items[b->p->nitems++] = it;
    v->v.nitems++;
    return 0;
}

static void not_captured(struct aot_plan_value *v, const char *why)
{
    v->v.where = TYR_AOT_NOT_CAPTURED;
    v->why = why;
}

static const char *const xmm_names[8] = {"SSE register xmm0", "SSE register xmm1",
                                         "SSE register xmm2", "SSE register xmm3",
                                         "SSE register xmm4", "SSE register xmm5",
                                         "SSE register xmm6", "SSE register xmm7"};

/* Where an argument lives: its register items, or one stack item; the base register and
 * dereference steps that give its value when it is a pointer (for DEREF and field paths). */
struct arg_loc {
    bool captured;
    bool on_stack;
    unsigned char reg;  /* in a register: the register */
    int64_t stack_off;  /* on the stack: offset above rsp + 8 */
};

static int place_arg(struct builder *b, const tyr_param_info *pi, unsigned *gpr, unsigned *sse,
                     uint64_t *stack, struct arg_loc *loc)
{
    struct aot_plan_value *v;
    int err = add_value(b, TYR_AOT_ARG, pi->name[0] ? pi->name : "?", pi->type, &v);
    if (err)
        return err;
    memset(loc, 0, sizeof(*loc));
    uint64_t size = tyr_type_size(b->reg, pi->type);
    uint32_t neb;
    bool mixed;
    enum cls c = classify(b->reg, pi->type, &neb, &mixed);
    if (c == CLS_NONE) {
        not_captured(v, "a type the ABI classification does not cover");
        return 0;
    }
    if (c == CLS_INTEGER && !mixed && *gpr + neb <= 6) {
        v->v.where = TYR_AOT_IN_REGS;
        v->v.nregs = neb;
        if ((err = reserve(b, v, size)))
            return err;
        for (uint32_t i = 0; i < neb; i++) {
            unsigned char r = arg_regs[*gpr + i];
            v->v.regs[i] = r;
            struct aot_item it = {.reg = r, .mode = AOT_ITEM_VALUE,
                                  .size = (uint32_t)(size - 8 * i > 8 ? 8 : size - 8 * i),
                                  .dst = v->v.data_off + 8 * i};
            if ((err = add_item(b, v, it)))
                return err;
        }
        loc->captured = true;
        loc->reg = arg_regs[*gpr];
        *gpr += neb;
        return 0;
    }
    if (c == CLS_SSE && *sse + neb <= 8) {
        not_captured(v, xmm_names[*sse]);
        *sse += neb;
        return 0;
    }
    if (mixed && *gpr < 6 && *sse < 8) {
        not_captured(v, xmm_names[*sse]); /* half of it in an SSE register */
        *gpr += 1;
        *sse += 1;
        return 0;
    }
    /* MEMORY class, or no register left: the whole value on the stack. */
    uint32_t al = tyr_type_align(b->reg, pi->type);
    uint64_t a = al > 8 ? al : 8;
    *stack = (*stack + a - 1) / a * a;
    v->v.where = TYR_AOT_ON_STACK;
    v->v.stack_offset = (int64_t)*stack;
    if (size > TYR_AOT_CAPTURE_CAP) {
        not_captured(v, "passed on the stack, larger than the capture cap");
    } else {
        if ((err = reserve(b, v, size)))
            return err;
        struct aot_item it = {.reg = AOT_REG_RSP, .mode = AOT_ITEM_MEMORY, .size = (uint32_t)size,
                              .dst = v->v.data_off, .off = (int)(8 + *stack)};
        if ((err = add_item(b, v, it)))
            return err;
        loc->captured = true;
        loc->on_stack = true;
        loc->stack_off = (int64_t)*stack;
    }
    *stack += (size + 7) / 8 * 8;
    return 0;
}

/* DWARF's x86-64 register numbers of the registers an item can start from. */
static int aot_reg_of_dwarf(unsigned dwarf_reg)
{
    switch (dwarf_reg) {
    case 5: return AOT_REG_RDI;
    case 4: return AOT_REG_RSI;
    case 1: return AOT_REG_RDX;
    case 2: return AOT_REG_RCX;
    case 8: return AOT_REG_R8;
    case 9: return AOT_REG_R9;
    case 0: return AOT_REG_RAX;
    case 7: return AOT_REG_RSP;
    default: return -1;
    }
}

/* A clone's parameter, from where its DWARF says it is at the clone's entry. A location the
 * capture items cannot read is refused, naming the parameter: never guessed. */
static int place_from_dwarf(struct builder *b, const tyr_param_info *pi,
                            const tyr_dwarf_param_loc *dl, struct arg_loc *loc)
{
    const char *name = pi->name[0] ? pi->name : "?";
    memset(loc, 0, sizeof(*loc));
    if (!dl)
        return aot_diag(b->diag, TYR_ENOTSUP, 0,
                        "%s: parameter '%s' has no location in the clone's DWARF", b->fn, name);
    uint64_t size = tyr_type_size(b->reg, pi->type);
    uint32_t neb;
    bool mixed;
    enum cls c = classify(b->reg, pi->type, &neb, &mixed);
    int err;
    struct aot_plan_value *v;
    switch (dl->kind) {
    case TYR_DWARF_LOC_UNAVAILABLE:
        if ((err = add_value(b, TYR_AOT_ARG, name, pi->type, &v)))
            return err;
        not_captured(v, dl->flags & TYR_DWARF_LOC_DROPPED
                            ? "dropped by the compiler's clone"
                            : "optimized out at the clone's entry (DWARF gives no location)");
        return 0;
    case TYR_DWARF_LOC_CONST: {
        if ((err = add_value(b, TYR_AOT_ARG, name, pi->type, &v)))
            return err;
        char buf[96];
        snprintf(buf, sizeof(buf), "not passed to the clone: DWARF says it is the constant %lld",
                 (long long)dl->value);
        v->why_owned = strdup(buf);
        if (!v->why_owned)
            return TYR_ENOMEM;
        not_captured(v, v->why_owned);
        return 0;
    }
    case TYR_DWARF_LOC_REG: {
        int r = aot_reg_of_dwarf(dl->reg);
        if (r < 0 || r == AOT_REG_RSP || c != CLS_INTEGER || mixed || neb != 1)
            return aot_diag(b->diag, TYR_ENOTSUP, 0,
                            "%s: parameter '%s' is in DWARF register %u at the clone's entry, "
                            "which a capture item cannot read as its type", b->fn, name,
                            (unsigned)dl->reg);
        if ((err = add_value(b, TYR_AOT_ARG, name, pi->type, &v)))
            return err;
        v->v.where = TYR_AOT_IN_REGS;
        v->v.nregs = 1;
        v->v.regs[0] = (uint32_t)r;
        if ((err = reserve(b, v, size)))
            return err;
        struct aot_item it = {.reg = (unsigned char)r, .mode = AOT_ITEM_VALUE,
                              .size = (uint32_t)size, .dst = v->v.data_off};
        if ((err = add_item(b, v, it)))
            return err;
        loc->captured = true;
        loc->reg = (unsigned char)r;
        return 0;
    }
    case TYR_DWARF_LOC_STACK: {
        /* The CFA at the entry instruction is rsp + 8, the first stack argument's address. */
        int64_t off = dl->base == TYR_DWARF_LOC_CFA ? dl->offset
                      : dl->base == 7               ? dl->offset - 8
                                                    : INT64_MIN;
        if (off == INT64_MIN || off < 0 || off > INT32_MAX - 8 || !size ||
            size > TYR_AOT_CAPTURE_CAP)
            return aot_diag(b->diag, TYR_ENOTSUP, 0,
                            "%s: parameter '%s' is in memory at DWARF register %u%+lld at the "
                            "clone's entry, which a capture item cannot read", b->fn, name,
                            (unsigned)dl->base, (long long)dl->offset);
        if ((err = add_value(b, TYR_AOT_ARG, name, pi->type, &v)))
            return err;
        v->v.where = TYR_AOT_ON_STACK;
        v->v.stack_offset = off;
        if ((err = reserve(b, v, size)))
            return err;
        struct aot_item it = {.reg = AOT_REG_RSP, .mode = AOT_ITEM_MEMORY, .size = (uint32_t)size,
                              .dst = v->v.data_off, .off = (int)(8 + off)};
        if ((err = add_item(b, v, it)))
            return err;
        loc->captured = true;
        loc->on_stack = true;
        loc->stack_off = off;
        return 0;
    }
    default:
        return aot_diag(b->diag, TYR_ENOTSUP, 0,
                        "%s: parameter '%s' has no usable location at the clone's entry: DWARF "
                        "gives an expression", b->fn, name);
    }
}

/* The DWARF location of parameter i named `name`: by name, or by position when unnamed. */
static const tyr_dwarf_param_loc *entry_loc(const struct tyr_aot_probe_spec *spec, uint32_t i,
                                            const char *name)
{
    for (uint32_t k = 0; k < spec->nentry_locs; k++)
        if (name[0] ? !strcmp(spec->entry_locs[k].name, name) : k == i)
            return &spec->entry_locs[k];
    return NULL;
}

/* The record a pointer type points to (typedefs and qualifiers resolved), or 0. */
static tyr_type pointee_record(const tyr_registry *reg, tyr_type ptr)
{
    tyr_type p = tyr_type_strip(reg, ptr, TYR_STRIP_ALL);
    tyr_type_info ti;
    if (tyr_type_get(reg, p, &ti) || ti.kind != TYR_KIND_PTR)
        return TYR_VOID;
    tyr_type r = tyr_type_strip(reg, ti.target, TYR_STRIP_ALL);
    int k = tyr_type_kind(reg, r);
    if ((k == TYR_KIND_STRUCT || k == TYR_KIND_UNION) && tyr_type_size(reg, r))
        return r;
    return TYR_VOID;
}

/* The first item of a chain that yields an argument's value as a pointer. */
static struct aot_item base_item(const struct arg_loc *loc)
{
    struct aot_item it = {.reg = loc->reg, .mode = AOT_ITEM_MEMORY};
    if (loc->on_stack) {
        it.reg = AOT_REG_RSP;
        it.deref[it.nderef++] = (int)(8 + loc->stack_off);
    }
    return it;
}

static int add_deref(struct builder *b, const tyr_param_info *pi, const struct arg_loc *loc)
{
    tyr_type rec = pointee_record(b->reg, pi->type);
    if (!rec.id || !loc->captured)
        return 0;
    tyr_type_info pti;
    tyr_type_get(b->reg, tyr_type_strip(b->reg, pi->type, TYR_STRIP_ALL), &pti);
    struct aot_plan_value *v;
    int err = add_value(b, TYR_AOT_DEREF, pi->name[0] ? pi->name : "?", pti.target, &v);
    if (err)
        return err;
    uint64_t size = tyr_type_size(b->reg, rec);
    if (size > TYR_AOT_CAPTURE_CAP) {
        not_captured(v, "a record larger than the capture cap");
        return 0;
    }
    v->v.where = TYR_AOT_IN_MEMORY;
    if ((err = reserve(b, v, size)))
        return err;
    struct aot_item it = base_item(loc);
    it.size = (uint32_t)size;
    it.dst = v->v.data_off;
    return add_item(b, v, it);
}

/* "n->next->val": the argument n, then a member path per "->", each one through a pointer. */
static int add_field(struct builder *b, const char *path, const tyr_param_info *params,
                     const struct arg_loc *locs, uint32_t nparams)
{
    char *copy = strdup(path);
    if (!copy)
        return TYR_ENOMEM;
    int err = 0;
    char *arrow = strstr(copy, "->");
    if (!arrow) {
        err = aot_diag(b->diag, TYR_EINVAL, 0,
                       "%s: field '%s': expected ARG->member[->member...]", b->fn, path);
        goto out;
    }
    *arrow = '\0';
    uint32_t a = 0;
    while (a < nparams && strcmp(params[a].name, copy))
        a++;
    if (a == nparams) {
        err = aot_diag(b->diag, TYR_ENOENT, 0, "%s: field '%s': no argument '%s'", b->fn, path,
                       copy);
        goto out;
    }
    if (!locs[a].captured) {
        err = aot_diag(b->diag, TYR_ENOTSUP, 0,
                       "%s: field '%s': argument '%s' is not captured", b->fn, path, copy);
        goto out;
    }
    struct aot_item it = base_item(&locs[a]);
    tyr_type cur = params[a].type;
    tyr_field_info f = {0};
    char *part = arrow + 2;
    for (;;) {
        char *next = strstr(part, "->");
        if (next)
            *next = '\0';
        tyr_type rec = pointee_record(b->reg, cur);
        if (!rec.id) {
            err = aot_diag(b->diag, TYR_EKIND, 0,
                           "%s: field '%s': '%s' is reached through something that is not a "
                           "pointer to a struct or union", b->fn, path, part);
            goto out;
        }
        err = tyr_field_path(b->reg, rec, part, &f);
        if (err) {
            err = aot_diag(b->diag, err, 0, "%s: field '%s': no member '%s' in %s %s", b->fn,
                           path, part, tyr_kind_name(tyr_type_kind(b->reg, rec)),
                           tyr_type_name(b->reg, rec)[0] ? tyr_type_name(b->reg, rec) : "(anonymous)");
            goto out;
        }
        if (f.bit_size) {
            err = aot_diag(b->diag, TYR_ENOTSUP, 0,
                           "%s: field '%s': a bitfield at the end of a path is not captured "
                           "(capture its record instead)", b->fn, path);
            goto out;
        }
        if (!next)
            break;
        if (it.nderef >= AOT_MAX_DEREF) {
            err = aot_diag(b->diag, TYR_ENOTSUP, 0,
                           "%s: field '%s': more than %u pointers followed", b->fn, path,
                           AOT_MAX_DEREF);
            goto out;
        }
        it.deref[it.nderef++] = (int)f.offset;
        cur = f.type;
        part = next + 2;
    }
    struct aot_plan_value *v;
    if ((err = add_value(b, TYR_AOT_FIELD, path, f.type, &v)))
        goto out;
    uint64_t size = tyr_type_size(b->reg, f.type);
    if (!size || size > TYR_AOT_CAPTURE_CAP) {
        not_captured(v, size ? "larger than the capture cap" : "a value of no size");
        goto out;
    }
    v->v.where = TYR_AOT_IN_MEMORY;
    if ((err = reserve(b, v, size)))
        goto out;
    it.off = (int)f.offset;
    it.size = (uint32_t)size;
    it.dst = v->v.data_off;
    err = add_item(b, v, it);
out:
    free(copy);
    return err;
}

static int plan_return(struct builder *b, tyr_type ret)
{
    struct aot_plan_value *v;
    int err = add_value(b, TYR_AOT_RET, "retval", ret, &v);
    if (err)
        return err;
    uint64_t size = tyr_type_size(b->reg, ret);
    uint32_t neb;
    bool mixed;
    enum cls c = ret.id ? classify(b->reg, ret, &neb, &mixed) : CLS_NONE;
    if (!ret.id) {
        not_captured(v, "the function returns void");
        return 0;
    }
    if (c == CLS_INTEGER && !mixed) {
        static const unsigned char rr[2] = {AOT_REG_RAX, AOT_REG_RDX};
        v->v.where = TYR_AOT_IN_REGS;
        v->v.nregs = neb;
        if ((err = reserve(b, v, size)))
            return err;
        for (uint32_t i = 0; i < neb; i++) {
            v->v.regs[i] = rr[i];
            struct aot_item it = {.reg = rr[i], .mode = AOT_ITEM_VALUE,
                                  .size = (uint32_t)(size - 8 * i > 8 ? 8 : size - 8 * i),
                                  .dst = v->v.data_off + 8 * i};
            if ((err = add_item(b, v, it)))
                return err;
        }
        return 0;
    }
    if (c == CLS_MEMORY && size <= TYR_AOT_CAPTURE_CAP) {
        /* The callee returns the caller's buffer's address in rax. */
        v->v.where = TYR_AOT_IN_MEMORY;
        if ((err = reserve(b, v, size)))
            return err;
        struct aot_item it = {.reg = AOT_REG_RAX, .mode = AOT_ITEM_MEMORY, .size = (uint32_t)size,
                              .dst = v->v.data_off};
        return add_item(b, v, it);
    }
    not_captured(v, c == CLS_SSE || mixed     ? "SSE register xmm0"
                    : c == CLS_MEMORY             ? "returned in memory, larger than the capture cap"
                                                  : "a type the ABI classification does not cover");
    return 0;
}

int aot_plan_probe(const tyr_registry *reg, const struct tyr_aot_probe_spec *spec,
                   struct aot_probe_plan *out, tyr_diag *diag)
{
    memset(out, 0, sizeof(*out));
    struct builder b = {.reg = reg, .p = out, .diag = diag, .fn = spec->symbol};
    tyr_type_info fi;
    if (tyr_type_get(reg, spec->func, &fi) || fi.kind != TYR_KIND_FUNC)
        return aot_diag(diag, TYR_EKIND, 0, "%s: type %u is not a function", spec->symbol,
                        spec->func.id);
    tyr_type_info pi;
    tyr_type_get(reg, fi.target, &pi);
    int err = 0;
    if (spec->ret) {
        if (spec->nfields)
            return aot_diag(diag, TYR_ENOTSUP, 0,
                            "%s%%return: field paths need the arguments, which a return probe "
                            "no longer has", spec->symbol);
        err = plan_return(&b, pi.target);
        goto done;
    }
    tyr_param_info *params = calloc(fi.count ? fi.count : 1, sizeof(*params));
    struct arg_loc *locs = calloc(fi.count ? fi.count : 1, sizeof(*locs));
    if (!params || !locs) {
        free(params);
        free(locs);
        aot_plan_free(out);
        return TYR_ENOMEM;
    }
    unsigned gpr = 0, sse = 0;
    uint64_t stack = 0;
    if (pi.target.id) {
        uint32_t neb;
        bool mixed;
        if (classify(reg, pi.target, &neb, &mixed) == CLS_MEMORY)
            gpr = 1; /* rdi holds the address the value is returned through */
    }
    for (uint32_t i = 0; i < fi.count && !err; i++) {
        if ((err = tyr_param_at(reg, spec->func, i, &params[i])))
            break;
        if (spec->entry_locs)
            err = place_from_dwarf(&b, &params[i], entry_loc(spec, i, params[i].name), &locs[i]);
        else
            err = place_arg(&b, &params[i], &gpr, &sse, &stack, &locs[i]);
        if (!err && spec->deref)
            err = add_deref(&b, &params[i], &locs[i]);
    }
    for (size_t i = 0; i < spec->nfields && !err; i++)
        err = add_field(&b, spec->fields[i], params, locs, fi.count);
    free(params);
    free(locs);
done:
    if (err)
        aot_plan_free(out);
    return err;
}

void aot_plan_free(struct aot_probe_plan *p)
{
    for (size_t i = 0; i < p->nvalues; i++) {
        free(p->values[i].name);
        free(p->values[i].why_owned);
    }
    free(p->values);
    memset(p, 0, sizeof(*p));
}

// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The one BPF program of tyr's AOT runtime. It knows nothing about any probe: at each hit it
 * looks up the plan of the attach point (keyed by the BPF cookie the runtime gave it, which is
 * the probe's index), runs the plan's items (registers, pointer chains, user memory copies)
 * into a per-CPU scratch event, and sends the event through the ring buffer. A failed send is
 * counted in `lost` for that probe. Plans come from the runtime (tyr_aot_attach), which
 * verified them against aot_capture.h's limits; every bound is checked here again.
 *
 * GPL-compatible (dual licensed): bpf_probe_read_user is a GPL-only helper.
 */
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>

#include "aot_capture.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

/* Set before load: only events of this process (tgid) are kept; 0 keeps every process. */
const volatile unsigned int filter_tgid = 0;

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1); /* resized to the number of probes before load */
    __type(key, unsigned int);
    __type(value, struct aot_plan);
} plans SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1); /* resized to the number of probes before load */
    __type(key, unsigned int);
    __type(value, unsigned long long);
} lost SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 512u << 10); /* resized before load (tyr_aot_attach_opts) */
} events SEC(".maps");

/* The event being built: header, then twice the data limit so that any dst < AOT_MAX_DATA
 * plus any size <= AOT_MAX_DATA stays inside (what the BPF verifier can prove). */
struct scratch {
    /* Set while a hit on this CPU builds its event. A uprobe program can be preempted (it
     * only keeps its CPU); a second hit on the same CPU meanwhile finds it set and counts
     * itself lost rather than write over the first one's event. */
    unsigned int busy;
    unsigned int pad;
    unsigned long long regs[AOT_REG_COUNT_]; /* not sent */
    struct aot_event ev;
    unsigned char data[2 * AOT_MAX_DATA];
};

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, unsigned int);
    __type(value, struct scratch);
} scratch_map SEC(".maps");

/* The registers an item can start from, copied once per hit with constant offsets (the
 * verifier refuses a context pointer moved by a variable amount). */
static __always_inline void load_regs(const struct pt_regs *regs, unsigned long long *r)
{
    r[AOT_REG_RDI] = regs->rdi;
    r[AOT_REG_RSI] = regs->rsi;
    r[AOT_REG_RDX] = regs->rdx;
    r[AOT_REG_RCX] = regs->rcx;
    r[AOT_REG_R8] = regs->r8;
    r[AOT_REG_R9] = regs->r9;
    r[AOT_REG_RAX] = regs->rax;
    r[AOT_REG_RSP] = regs->rsp;
}

/* Runs one item into s->data; returns 0 or -1 when a read failed (the bytes are zeroed). */
static __always_inline int run_item(const struct aot_item *it, struct scratch *s)
{
    unsigned long long v = s->regs[it->reg & (AOT_REG_COUNT_ - 1)];
    unsigned int dst = it->dst;
    unsigned int size = it->size;
    unsigned int nderef = it->nderef;
    int bad = 0;

    if (dst >= AOT_MAX_DATA || size == 0 || size > AOT_MAX_DATA)
        return -1;
    for (unsigned int d = 0; d < AOT_MAX_DEREF; d++) {
        if (d >= nderef)
            break;
        unsigned long long next = 0;
        if (bpf_probe_read_user(&next, sizeof(next), (const void *)(v + (long long)it->deref[d])))
            bad = 1;
        v = next;
    }
    dst &= AOT_MAX_DATA - 1;
    if (it->mode == AOT_ITEM_VALUE) {
        v += (long long)it->off;
        if (size > 8)
            return -1;
        if (bpf_probe_read_kernel(&s->data[dst], size, &v))
            return -1;
        return bad ? -1 : 0;
    }
    if (bad) {
        /* Nothing to read from: zero the bytes so that no stale data is decoded. */
        bpf_probe_read_kernel(&s->data[dst], size, (const void *)0);
        return -1;
    }
    if (bpf_probe_read_user(&s->data[dst], size, (const void *)(v + (long long)it->off)))
        return -1;
    return 0;
}

struct loop_ctx {
    const struct aot_plan *plan;
    struct scratch *s;
};

static long item_step(unsigned int i, void *ctx)
{
    struct loop_ctx *lc = ctx;
    if (i >= lc->plan->nitems)
        return 1;
    /* The mask is what bounds the index for the verifier (bpf_loop runs AOT_MAX_ITEMS times;
     * a comparison with a constant may be optimised into a copy of i it does not see). */
    unsigned int k = i & (AOT_MAX_ITEMS - 1);
    if (run_item(&lc->plan->items[k], lc->s))
        lc->s->ev.fail |= 1u << k;
    return 0;
}

SEC("uprobe")
int tyr_aot_probe(struct pt_regs *regs)
{
    unsigned long long pid_tgid = bpf_get_current_pid_tgid();
    unsigned int tgid = (unsigned int)(pid_tgid >> 32);
    if (filter_tgid && tgid != filter_tgid)
        return 0;
    unsigned int key = (unsigned int)bpf_get_attach_cookie(regs);
    const struct aot_plan *plan = bpf_map_lookup_elem(&plans, &key);
    unsigned int zero = 0;
    struct scratch *s = bpf_map_lookup_elem(&scratch_map, &zero);
    if (!plan || !s)
        return 0;
    unsigned int len = plan->data_len;
    if (len > AOT_MAX_DATA)
        return 0;
    if (s->busy) {
        unsigned long long *n = bpf_map_lookup_elem(&lost, &key);
        if (n)
            __sync_fetch_and_add(n, 1);
        return 0;
    }
    s->busy = 1;
    load_regs(regs, s->regs);
    s->ev.probe = key;
    s->ev.fail = 0;
    s->ev.data_len = len;
    s->ev.tid = (unsigned int)pid_tgid;
    s->ev.tgid = tgid;
    s->ev.pad = 0;
    /* bpf_loop: the verifier checks the item code once, not once per iteration. */
    struct loop_ctx lc = {.plan = plan, .s = s};
    bpf_loop(AOT_MAX_ITEMS, item_step, &lc, 0);
    if (bpf_ringbuf_output(&events, &s->ev, sizeof(s->ev) + (len & (2 * AOT_MAX_DATA - 1)), 0)) {
        unsigned long long *n = bpf_map_lookup_elem(&lost, &key);
        if (n)
            __sync_fetch_and_add(n, 1);
    }
    s->busy = 0;
    return 0;
}

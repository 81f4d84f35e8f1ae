/* SPDX-License-Identifier: MIT */
/*
 * What the generic BPF program captures, shared by the BPF side (aot.bpf.c) and the runtime
 * that fills its maps (aot_run.c). Everything here is data: a probe's capture plan is a list of
 * items, each one "start from a register, follow up to AOT_MAX_DEREF pointers, then copy `size`
 * bytes (or the register's own bytes) to data[dst]". The .aot file's plans are verified against
 * these limits before they reach the map; the BPF program checks them again, so a plan that
 * got past the runtime still cannot make it write outside its buffer.
 *
 * Plain fixed-width types only (the BPF target and the host compile this file).
 */
#ifndef TYR_AOT_CAPTURE_H
#define TYR_AOT_CAPTURE_H

#define AOT_MAX_ITEMS 32u    /* items per probe (one bit each in the event's fail mask) */
#define AOT_MAX_DEREF 4u     /* pointers followed by one item */
#define AOT_MAX_DATA 4096u   /* captured bytes per event */
#define AOT_MAX_PROBES 4096u /* attach points per session */

/* Registers an item starts from: the x86-64 SysV argument registers, then rax/rdx (return
 * values) and rsp (stack arguments at entry: the first one is at rsp + 8). */
/* On disk: the values count up from 0 in this order, and index the event's register copy. */
enum aot_reg {
    AOT_REG_RDI,
    AOT_REG_RSI,
    AOT_REG_RDX,
    AOT_REG_RCX,
    AOT_REG_R8,
    AOT_REG_R9,
    AOT_REG_RAX,
    AOT_REG_RSP,
    AOT_REG_COUNT_
};

enum aot_item_mode {
    AOT_ITEM_VALUE = 0,  /* copy the value's own low `size` bytes (1..8): an argument register */
    AOT_ITEM_MEMORY = 1, /* copy `size` bytes of user memory at value + off */
};

/* One capture step (32 bytes). v = reg; for i < nderef: v = *(u64 *)(v + deref[i]) (user
 * memory); then VALUE: data[dst, +size) = low bytes of v + off (off is 0 for a plain
 * register), MEMORY: data[dst, +size) = user memory at v + off. */
struct aot_item {
    unsigned char reg;    /* enum aot_reg */
    unsigned char mode;   /* enum aot_item_mode */
    unsigned char nderef; /* <= AOT_MAX_DEREF */
    unsigned char pad;
    unsigned int size;    /* bytes: 1..8 for VALUE, 1..AOT_MAX_DATA for MEMORY */
    unsigned int dst;     /* dst + size <= the plan's data_len */
    int off;
    int deref[AOT_MAX_DEREF];
};

/* A probe's plan, the value of the `plans` map at the probe's index (its BPF cookie). */
struct aot_plan {
    unsigned int probe;    /* its own index, echoed in events */
    unsigned int nitems;   /* <= AOT_MAX_ITEMS */
    unsigned int data_len; /* <= AOT_MAX_DATA */
    unsigned int pad;
    struct aot_item items[AOT_MAX_ITEMS];
};

/* An event in the ring buffer: this header, then data_len bytes of captured data. */
struct aot_event {
    unsigned int probe;    /* the probe's index */
    unsigned int fail;     /* bit i set: item i could not be read (the data bytes are zero) */
    unsigned int data_len;
    unsigned int tid;
    unsigned int tgid;
    unsigned int pad;
};

#endif

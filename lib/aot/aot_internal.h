/* SPDX-License-Identifier: MIT */
/* Shared by the .aot writer, reader and runtime; not installed. */
#ifndef TYR_AOT_INTERNAL_H
#define TYR_AOT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "aot_format.h"
#include "tyr/aot.h"
#include "tyr/registry.h"

/* One probe's values and capture items, as the plan builder makes them. */
struct aot_plan_value {
    struct aot_value v; /* name/why string offsets are filled by the writer */
    char *name;         /* owned by the plan (malloc) */
    const char *why;    /* static text, "", or why_owned */
    char *why_owned;    /* a why made for this value (a clone's constant); owned, or NULL */
};

struct aot_probe_plan {
    struct aot_plan_value *values; /* owned; free with aot_plan_free() */
    size_t nvalues;
    struct aot_item items[AOT_MAX_ITEMS];
    uint32_t nitems;
    uint32_t data_len;
};

/**
 * Classifies spec->func's parameters (or its return value, for spec->ret) under the x86-64
 * System V ABI and lays out what the BPF program captures: values, items, data bytes.
 * @return 0 or a TYR_E* code, diag->what saying which argument or path and why.
 */
int aot_plan_probe(const tyr_registry *reg, const struct tyr_aot_probe_spec *spec,
                   struct aot_probe_plan *out, tyr_diag *diag);
void aot_plan_free(struct aot_probe_plan *p);

/* Fills diag (when not NULL) with err, offset and a formatted message; returns err. */
int aot_diag(tyr_diag *diag, int err, uint64_t offset, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* An opened .aot file: a view over bytes verified once, at open. */
struct tyr_aot {
    const uint8_t *base;  /* the file's bytes */
    size_t len;
    void *map;            /* owned mapping (munmap'ed by tyr_aot_free), or NULL */
    size_t map_len;
    const struct aot_header *hdr;
    const char *strings;
    uint64_t strings_size;
    const struct aot_target *targets;
    uint32_t ntargets;
    const struct aot_probe *probes;
    uint32_t nprobes;
    const struct aot_value *values;
    uint32_t nvalues;
    const struct aot_item *items;
    uint32_t nitems;
    uint64_t blob_off, blob_len;
    tyr_registry *reg;    /* owned: the mapped blob */
};

/* The JSON form of tyr_aot_event_print() (aot_json.c); ev is checked by the caller. */
int aot_event_json(const tyr_aot *a, const tyr_aot_event *ev, const tyr_sink *s);

#endif

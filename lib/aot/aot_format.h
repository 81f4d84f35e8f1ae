/* SPDX-License-Identifier: MIT */
/*
 * The .aot container on disk (docs/aot.md is the byte-by-byte description). Little-endian,
 * fixed-width, every record 8-aligned; the reader (aot_read.c) checks every field before use.
 */
#ifndef TYR_AOT_FORMAT_H
#define TYR_AOT_FORMAT_H

#include <stdint.h>

#include "bpf/aot_capture.h"
#include "tyr/aot.h"

#define AOT_MAGIC "TYRAOT\0\0"
#define AOT_VERSION 1u
#define AOT_HEADER_SIZE 64u

struct aot_header {
    char magic[8];
    uint32_t version;
    uint32_t header_size;
    uint32_t section_count;
    uint32_t flags;             /* 0 */
    uint64_t file_size;
    uint64_t section_table;     /* offset of the section table */
    uint64_t checksum;          /* XXH3-64 of bytes [header_size, the blob's offset) */
    uint32_t full_types;        /* types of the registry before pruning (stats only) */
    uint32_t reserved;          /* 0 */
    uint64_t full_blob_bytes;   /* its unpruned blob's size (stats only) */
};

/* On disk: the values count up from 1 in this order (docs/aot.md), the last is the count. */
enum aot_section_kind {
    AOT_SEC_STRINGS = 1,
    AOT_SEC_TARGETS,
    AOT_SEC_PROBES,
    AOT_SEC_VALUES,
    AOT_SEC_ITEMS,
    AOT_SEC_BLOB,
    AOT_SEC_COUNT_ = AOT_SEC_BLOB
};
_Static_assert(AOT_SEC_COUNT_ == 6, "docs/aot.md: six sections");

struct aot_section {
    uint32_t kind;    /* enum aot_section_kind, each exactly once */
    uint32_t entsize; /* bytes per record (1 for strings and the blob) */
    uint64_t offset;  /* 8-aligned */
    uint64_t size;    /* a multiple of entsize */
};

struct aot_target {
    uint32_t path;         /* string offset */
    uint32_t build_id_len; /* <= TYR_AOT_BUILD_ID_MAX */
    uint8_t build_id[TYR_AOT_BUILD_ID_MAX];
    uint64_t reserved;     /* 0 */
};

enum { AOT_PROBE_RETURN = 1u << 0 };

struct aot_probe {
    uint32_t symbol;      /* string offset */
    uint32_t target;      /* index into the targets */
    uint64_t file_offset;
    uint32_t flags;       /* AOT_PROBE_* */
    uint32_t func;        /* TYR_KIND_FUNC type id in the blob */
    uint32_t first_value, nvalues;
    uint32_t first_item, nitems; /* nitems <= AOT_MAX_ITEMS */
    uint32_t data_len;    /* <= AOT_MAX_DATA */
    uint32_t reserved;    /* 0 */
};

struct aot_value {
    uint32_t name;        /* string offset */
    uint32_t why;         /* string offset ("" unless NOT_CAPTURED) */
    uint32_t kind;        /* enum tyr_aot_value_kind */
    uint32_t where;       /* enum tyr_aot_where */
    uint32_t type;        /* type id in the blob */
    uint32_t nregs;       /* <= 2 */
    uint32_t regs[2];     /* enum aot_reg */
    int64_t stack_offset;
    uint32_t data_off, data_len;   /* inside the probe's data_len */
    uint32_t first_item, nitems;   /* relative to the probe's first_item */
};

_Static_assert(sizeof(struct aot_header) == AOT_HEADER_SIZE, "header size");
_Static_assert(sizeof(struct aot_section) == 24, "section size");
_Static_assert(sizeof(struct aot_target) == 48, "target size");
_Static_assert(sizeof(struct aot_probe) == 48, "probe size");
_Static_assert(sizeof(struct aot_value) == 56, "value size");
_Static_assert(sizeof(struct aot_item) == 32, "item size");

#endif

/* SPDX-License-Identifier: MIT */
/* Private: one named section of an ELF file, read without libelf (lib/elf_section.c). */
#ifndef TYR_ELF_SECTION_H
#define TYR_ELF_SECTION_H

#include <stdint.h>

#include "internal.h"

/*
 * Finds section `name` in the ELF file open on fd; fills its file offset and size, checked to
 * lie inside the file. Returns 0, TYR_ENOENT (no such section), TYR_ENOTELF (not 64-bit
 * little-endian ELF, or a malformed header table), TYR_ECORRUPT (SHT_NOBITS), TYR_ETRUNC,
 * TYR_EIO or TYR_ENOMEM, with diag filled. Allocates nothing that outlives the call.
 */
TYR_HIDDEN int tyr__elf_find_section(int fd, const char *name, uint64_t *off, uint64_t *size,
                          tyr_diag *diag);

#endif

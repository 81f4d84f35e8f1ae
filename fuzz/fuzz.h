/* SPDX-License-Identifier: MIT */
/* The libFuzzer entry point every harness defines; fuzz/replay.c calls it without libFuzzer. */
#ifndef TYR_FUZZ_H
#define TYR_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * Failing allocations on demand, for the tests of what a failed import leaves behind. The
 * test program that includes this (one per program) is linked with
 * -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc (tests/dwarf.cmake, tests/btf.cmake), so
 * the allocations of tyr's static libraries go through the wrappers below; those of shared
 * libraries (libdwarf, libbpf, cmocka) do not.
 */
#ifndef TYR_TESTS_ALLOC_FAIL_H
#define TYR_TESTS_ALLOC_FAIL_H

#include <stddef.h>

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);

static long alloc_countdown = -1; /* the allocation that fails when this reaches 0; -1 = none */
static long alloc_count;          /* allocations asked for since the test last set it to 0 */

static int alloc_fails(void)
{
    alloc_count++;
    return alloc_countdown >= 0 && alloc_countdown-- == 0;
}
void *__wrap_malloc(size_t n)
{
    return alloc_fails() ? NULL : __real_malloc(n);
}
void *__wrap_calloc(size_t n, size_t size)
{
    return alloc_fails() ? NULL : __real_calloc(n, size);
}
void *__wrap_realloc(void *p, size_t n)
{
    return alloc_fails() ? NULL : __real_realloc(p, n);
}

#endif

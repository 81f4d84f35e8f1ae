/* SPDX-License-Identifier: MIT */
/* A bare libdwarf walk of every type DIE of a file (bench/libdwarf_walk.c). */
#ifndef TYR_BENCH_LIBDWARF_WALK_H
#define TYR_BENCH_LIBDWARF_WALK_H
#include <stdint.h>

/* Visit the type DIEs of path's units on `threads` threads, reading their attributes and
 * building nothing; the number of DIEs visited, or -1 when the file cannot be read. */
int64_t libdwarf_walk(const char *path, int threads);

#endif

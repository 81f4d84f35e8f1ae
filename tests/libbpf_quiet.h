/* SPDX-License-Identifier: MIT */
/*
 * A print function for libbpf_set_print() that drops libbpf's warnings, for the BTF tests
 * and fuzzers, whose hostile inputs make libbpf warn on purpose. (The library never calls
 * libbpf_set_print(): the print function belongs to the application.)
 */
#ifndef TYR_TESTS_LIBBPF_QUIET_H
#define TYR_TESTS_LIBBPF_QUIET_H

#include <stdarg.h>

#include <bpf/libbpf.h>

static inline int fx_libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
    (void)level;
    (void)fmt;
    (void)ap;
    return 0;
}

#endif

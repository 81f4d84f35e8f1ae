/* SPDX-License-Identifier: MIT */
/*
 * Shared by the DWARF tests: the fixture programs tests/dwarf.cmake builds (their folder is
 * TYR_FX_DIR, their compiler/DWARF variants the comma-separated TYR_FX_VARIANTS), opened by
 * name, and the skips for a fixture or a Debian package that is not on this machine.
 */
#ifndef TYR_TEST_DWARF_FIXTURE_H
#define TYR_TEST_DWARF_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tyr/tyr.h"

#ifndef TYR_FX_DIR
#error "TYR_FX_DIR comes from tests/dwarf.cmake"
#endif

/* Debian's python3.11-dbg: a large real binary, its DWARF in the binary itself. */
#define PYTHON_DBG "/usr/bin/python3.11d"

static char variants[16][64];
static int nvariants;

/* Splits TYR_FX_VARIANTS into variants[]. */
static inline void load_variants(void)
{
    const char *p = TYR_FX_VARIANTS;
    nvariants = 0;
    while (*p && nvariants < 16) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n >= sizeof variants[0])
            n = sizeof variants[0] - 1;
        memcpy(variants[nvariants], p, n);
        variants[nvariants][n] = 0;
        nvariants++;
        p += n + (e ? 1 : 0);
    }
}

/* The fixture's path in buf, or the test failed: a cut path would open another file. */
static inline void fx_path(char *buf, size_t len, const char *name)
{
    int n = snprintf(buf, len, "%s/%s", TYR_FX_DIR, name);
    if (n < 0 || (size_t)n >= len)
        fail_msg("fixture path too long: %s/%s", TYR_FX_DIR, name);
}

/* The fixture opened, or the test failed with the diagnostic. Owner: the caller
 * (tyr_dwarf_free). */
static inline tyr_dwarf *open_fx(const char *name)
{
    char path[512];
    fx_path(path, sizeof path, name);
    tyr_dwarf *dw = NULL;
    tyr_diag diag = {0};
    int err = tyr_dwarf_open(path, NULL, &dw, &diag);
    if (err)
        fail_msg("open %s: %s (%s)", path, tyr_strerror(err), diag.what);
    return dw;
}

/* Skip the test (with a message naming the package) when path cannot be read. */
static inline void skip_unless_present(const char *path, const char *package)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        print_message("SKIPPED: %s is absent (install %s)\n", path, package);
        skip();
    }
    fclose(f);
}

/* python3.11d's DWARF, or the test skipped when python3.11-dbg is not installed. Owner: the
 * caller (tyr_dwarf_free). */
static inline tyr_dwarf *open_python_dbg(void)
{
    tyr_dwarf *dw = NULL;
    skip_unless_present(PYTHON_DBG, "python3.11-dbg");
    assert_int_equal(tyr_dwarf_open(PYTHON_DBG, NULL, &dw, NULL), 0);
    return dw;
}

/* A fixture that only some compilers build (C++ with g++ or clang++): opened, or the test
 * skipped saying which compiler is missing. Owner: the caller (tyr_dwarf_free). */
static inline tyr_dwarf *open_optional_fx(const char *name, const char *compiler)
{
    char path[512];
    fx_path(path, sizeof path, name);
    FILE *f = fopen(path, "r");
    if (!f) {
        print_message("SKIPPED: no %s, so no fixture %s\n", compiler, name);
        skip();
    }
    fclose(f);
    return open_fx(name);
}

static inline tyr_registry *new_reg(void)
{
    tyr_registry *reg = NULL;
    assert_int_equal(tyr_registry_new(NULL, &reg), 0);
    return reg;
}

#endif

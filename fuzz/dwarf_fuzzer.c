/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the DWARF importer: the input is an in-memory ELF image. It is opened
 * with tyr_dwarf_open_mem(); its functions are listed, the first few are imported as probe
 * signatures (with a named type and a missing function for the lookup paths), then every
 * type is imported into a second registry (inputs of odd length: with every function's
 * signature and the ELF aliases, tyr_dwarf_import_all). Bad input must give an error code, never a crash,
 * a leak or a hang. What the importer builds must be a registry that writes a blob which
 * verifies (abort() otherwise: a finding ASan cannot see).
 *
 * import_all runs single-threaded here (TYR_DWARF_ALL_ONE_THREAD): one input, one path, so a
 * finding replays the same way. Its worker thread is covered by tests/test_dwarf.c, and by
 * the replay test dwarf_fuzzer_replay_threads: with TYR_FUZZ_THREADS=1 in the environment the
 * harness runs import_all with the worker and every unit in pieces (opts.pieces = 2).
 *
 * Seeds: fuzz/corpus/dwarf_fuzzer (committed: small fixture binaries reduced to their debug
 * sections) and BUILD/fuzz/seeds/dwarf_fuzzer (the fixtures of tests/dwarf.cmake, stripped of
 * code at build time). Faults inside libdwarf 20210528: docs/robustness.md.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "tyr/tyr.h"

#define MAX_FUNCS 4
#define MAX_NAME 128

struct names {
    unsigned n;
    char name[MAX_FUNCS][MAX_NAME];
};

static int keep_name(void *ctx, const char *name)
{
    struct names *nm = ctx;
    size_t len = strlen(name);
    if (len < MAX_NAME) {
        memcpy(nm->name[nm->n], name, len + 1);
        nm->n++;
    }
    return nm->n == MAX_FUNCS; /* stop the walk early once there are enough */
}

/* What the importer built must write a blob that verifies. */
static void check_blob(const tyr_registry *reg)
{
    void *out = NULL;
    size_t len = 0;
    if (tyr_blob_write_mem(reg, NULL, &out, &len) == 0 && tyr_blob_verify(out, len, NULL) != 0)
        abort();
    tyr_blob_buf_free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The harness's own switch: the worker thread with every unit in pieces, or none. */
    static int threads = -1;
    if (threads < 0)
        threads = getenv("TYR_FUZZ_THREADS") != NULL;
    const struct tyr_dwarf_all_opts all = {
        .sz = sizeof all,
        .flags = threads ? 0 : TYR_DWARF_ALL_ONE_THREAD,
        .pieces = threads ? 2 : 0,
    };
    tyr_diag diag;
    tyr_dwarf *dw = NULL;
    if (tyr_dwarf_open_mem(data, size, &(struct tyr_dwarf_opts){
            .sz = sizeof(struct tyr_dwarf_opts)}, &dw, &diag) != 0)
        return 0;
    (void)tyr_dwarf_debug_path(dw);
    (void)tyr_dwarf_alt_path(dw);

    struct names nm = {0};
    (void)tyr_dwarf_list_funcs(dw, NULL, keep_name, &nm, &diag);
    (void)tyr_dwarf_list_funcs(dw, "*a*", keep_name, &(struct names){0},
                               &diag);

    tyr_registry *reg = NULL;
    if (tyr_registry_new(NULL, &reg) == 0) {
        tyr_type t;
        for (unsigned i = 0; i < nm.n; i++)
            (void)tyr_dwarf_import_func(dw, reg, nm.name[i], &t, &diag);
        (void)tyr_dwarf_import_func(dw, reg, "tyr_no_such_function", &t, &diag);
        (void)tyr_dwarf_import_type(dw, reg, "Node", TYR_KIND_ANY, &t, &diag);
        check_blob(reg);
        tyr_registry_free(reg);
    }
    reg = NULL;
    if (tyr_registry_new(NULL, &reg) == 0) {
        tyr_dwarf_stats stats = {.sz = sizeof stats};
        if (size % 2) /* every function's signature too, with ELF aliases */
            (void)tyr_dwarf_import_all(dw, reg, &(struct tyr_dwarf_all_opts){
                .sz = sizeof all, .stats = &stats, .pieces = all.pieces,
                .flags = all.flags | TYR_DWARF_ALL_FUNCS | TYR_DWARF_ALL_ALIASES}, &diag);
        else
            (void)tyr_dwarf_import_all(dw, reg, &(struct tyr_dwarf_all_opts){
                .sz = sizeof all, .stats = &stats, .pieces = all.pieces,
                .flags = all.flags}, &diag);
        check_blob(reg);
        tyr_registry_free(reg);
    }
    tyr_dwarf_free(dw);
    return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the BTF importer (lib/btf/): arbitrary bytes opened as raw BTF with
 * tyr_btf_open_mem() (libbpf parses and checks them first), then imported: every FUNC by
 * name, a few type names, and everything, each into a fresh registry whose blob must verify.
 * When size % 4 == 3 the bytes are opened as split BTF on a small base built in-process
 * (a module on vmlinux), so the split path is fuzzed too.
 *
 * A broken promise that ASan/UBSan cannot see (a blob of an imported registry that fails
 * verification) calls abort(), which libFuzzer reports.
 *
 * Seeds: fuzz/corpus/btf_fuzzer, BTF that pahole wrote from the DWARF fixtures.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "../tests/btf_split_fixture.h"
#include "../tests/libbpf_quiet.h"
#include "fuzz.h"
#include "tyr/tyr.h"
#include "tyr/btf.h"

#define MAX_FUNCS 32
#define MAX_NAME 128

struct names {
    char name[MAX_FUNCS][MAX_NAME];
    unsigned n;
};

static int keep_name(void *ctx, const char *name)
{
    struct names *nm = ctx;
    size_t len = strlen(name);
    if (len < MAX_NAME) {
        memcpy(nm->name[nm->n], name, len + 1);
        nm->n++;
    }
    return nm->n == MAX_FUNCS;
}

static void check_blob(const tyr_registry *reg)
{
    void *out = NULL;
    size_t len = 0;
    if (tyr_blob_write_mem(reg, NULL, &out, &len) == 0 && tyr_blob_verify(out, len, NULL) != 0)
        abort();
    tyr_blob_buf_free(out);
}

/* The base of split inputs: int, struct base_s { int x, y; }, and a pointer to it. */
static tyr_btf *base_handle(void)
{
    static tyr_btf *base;
    if (base)
        return base;
    struct btf *btf = fx_btf_base();
    if (!btf)
        abort();
    __u32 size;
    const void *raw = btf__raw_data(btf, &size);
    if (!raw || tyr_btf_open_mem(raw, size, NULL, &base, NULL))
        abort();
    btf__free(btf); /* the handle holds libbpf's own copy; freed at exit by no one: static */
    return base;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    libbpf_set_print(fx_libbpf_quiet);
    tyr_btf *base = size % 4 == 3 ? base_handle() : NULL;
    tyr_diag diag;
    tyr_btf *b = NULL;
    if (tyr_btf_open_mem(data, size, TYR_OPTS(tyr_btf_opts, .base = base), &b, &diag))
        return 0;
    struct names nm = {0};
    (void)tyr_btf_list_funcs(b, NULL, keep_name, &nm);
    (void)tyr_btf_list_funcs(b, "*a*", keep_name, &(struct names){0});

    tyr_registry *reg = NULL;
    if (tyr_registry_new(NULL, &reg) == 0) {
        tyr_type t;
        for (unsigned i = 0; i < nm.n; i++)
            (void)tyr_btf_import_func(b, reg, nm.name[i], &t, &diag);
        (void)tyr_btf_import_type(b, reg, "Node", TYR_KIND_ANY, &t, &diag);
        (void)tyr_btf_import_type(b, reg, "base_s", TYR_KIND_STRUCT, &t, &diag);
        check_blob(reg);
        tyr_registry_free(reg);
    }
    reg = NULL;
    if (tyr_registry_new(NULL, &reg) == 0) {
        (void)tyr_btf_import_all(b, reg, NULL, &diag);
        check_blob(reg);
        tyr_btf_stats st = {.sz = sizeof st};
        (void)tyr_btf_get_stats(b, &st);
        tyr_registry_free(reg);
    }
    tyr_btf_free(b);
    if (base)
        tyr_btf_forget(base); /* the next input starts from an unbound base */
    return 0;
}

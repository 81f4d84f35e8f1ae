/* SPDX-License-Identifier: MIT */
/*
 * The split BTF that tests/test_btf.c checks, fuzz/make_btf_seeds.c writes as a seed and
 * fuzz/btf_fuzzer.c opens split inputs on: one base, built the same way in all three so
 * that a seed and a test mean the same ids.
 *   base:   int (id 1), struct base_s { int x, y; } (2), struct base_s * (3);
 *   module: struct S { struct base_s b; int z; } and int F(struct base_s *s), on the base.
 */
#ifndef TYR_BTF_SPLIT_FIXTURE_H
#define TYR_BTF_SPLIT_FIXTURE_H

#include <bpf/btf.h>

enum { FX_BASE_INT = 1, FX_BASE_S = 2, FX_BASE_PTR = 3 };

/* A new base, or NULL. Owned by the caller (btf__free). */
static inline struct btf *fx_btf_base(void)
{
    struct btf *b = btf__new_empty();
    if (!b || btf__add_int(b, "int", 4, BTF_INT_SIGNED) != FX_BASE_INT ||
        btf__add_struct(b, "base_s", 8) != FX_BASE_S || btf__add_field(b, "x", FX_BASE_INT, 0, 0) ||
        btf__add_field(b, "y", FX_BASE_INT, 32, 0) || btf__add_ptr(b, FX_BASE_S) != FX_BASE_PTR) {
        btf__free(b);
        return NULL;
    }
    return b;
}

/* A new module on base holding struct `s` (its id in *s_id) and function `fn`, or NULL.
 * Owned by the caller (btf__free, before the base). */
static inline struct btf *fx_btf_module(struct btf *base, const char *s, const char *fn,
                                        int *s_id)
{
    struct btf *m = btf__new_empty_split(base);
    int id = m ? btf__add_struct(m, s, 12) : -1;
    int proto = -1;
    if (id < 0 || btf__add_field(m, "b", FX_BASE_S, 0, 0) ||
        btf__add_field(m, "z", FX_BASE_INT, 64, 0) ||
        (proto = btf__add_func_proto(m, FX_BASE_INT)) < 0 ||
        btf__add_func_param(m, "s", FX_BASE_PTR) || btf__add_func(m, fn, BTF_FUNC_GLOBAL, proto) < 0) {
        btf__free(m);
        return NULL;
    }
    *s_id = id;
    return m;
}

#endif

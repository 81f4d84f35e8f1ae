/* SPDX-License-Identifier: MIT */
/*
 * make_btf_seeds DIR: seeds for btf_fuzzer written with libbpf's BTF writer, so that the
 * corpus holds every kind libbpf 1.1 knows (pahole's BTF of the fixtures has no FLOAT, VAR,
 * DATASEC, DECL_TAG, TYPE_TAG, ENUM64 or FWD):
 *   every-kind.btf  every kind, both bitfield encodings, a varargs prototype, tags
 *   split.btf       split BTF on the harness's base (int, struct base_s, a pointer to it),
 *                   padded to a size of 3 mod 4: the harness opens those as split BTF
 */
#include <stdio.h>
#include <stdlib.h>

#include <bpf/btf.h>

#include "../tests/btf_split_fixture.h"

static int write_raw(const char *dir, const char *name, const struct btf *btf, size_t mod4)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    __u32 size;
    const void *raw = btf__raw_data(btf, &size);
    FILE *f = raw ? fopen(path, "wb") : NULL;
    if (!f || fwrite(raw, 1, size, f) != size) {
        fprintf(stderr, "make_btf_seeds: cannot write %s\n", path);
        if (f)
            fclose(f);
        return 1;
    }
    /* libbpf reads the sections the header names; trailing bytes pad the size */
    while (mod4 < 4 && (size % 4) != mod4) {
        fputc(0, f);
        size++;
    }
    return fclose(f) ? 1 : 0;
}

static struct btf *every_kind(void)
{
    struct btf *btf = btf__new_empty();
    if (!btf)
        return NULL;
    int i32 = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
    int u32 = btf__add_int(btf, "unsigned int", 4, 0);
    int chr = btf__add_int(btf, "char", 1, BTF_INT_SIGNED);
    btf__add_int(btf, "_Bool", 1, BTF_INT_BOOL);
    int dbl = btf__add_float(btf, "double", 8);
    btf__add_float(btf, "_Float16", 2);
    int fwd = btf__add_fwd(btf, "opaque", BTF_FWD_STRUCT);
    btf__add_fwd(btf, "opaque_u", BTF_FWD_UNION);
    int pfwd = btf__add_ptr(btf, fwd);
    int arr = btf__add_array(btf, i32, chr, 8);
    int pnode = btf__add_ptr(btf, (int)btf__type_cnt(btf) + 1);
    int node = btf__add_struct(btf, "Node", 32);
    btf__add_field(btf, "next", pnode, 0, 0);
    btf__add_field(btf, "val", i32, 64, 0);
    btf__add_field(btf, "a", u32, 96, 3);
    btf__add_field(btf, "b", u32, 99, 5);
    btf__add_field(btf, "name", arr, 128, 0);
    btf__add_field(btf, "d", dbl, 192, 0);
    int un = btf__add_union(btf, "un", 8);
    btf__add_field(btf, "i", i32, 0, 0);
    btf__add_field(btf, "d", dbl, 0, 0);
    btf__add_enum(btf, "delta", 4);
    btf__add_enum_value(btf, "NEG", -1);
    btf__add_enum64(btf, "big", 8, false);
    btf__add_enum64_value(btf, "HUGE", 1ull << 40);
    int td = btf__add_typedef(btf, "myint", i32);
    int cv = btf__add_volatile(btf, btf__add_const(btf, td));
    int vp = btf__add_ptr(btf, 0);
    int rp = btf__add_restrict(btf, vp);
    int tag = btf__add_type_tag(btf, "user", i32);
    int ptag = btf__add_ptr(btf, tag);
    int proto = btf__add_func_proto(btf, i32);
    btf__add_func_param(btf, "n", pnode);
    btf__add_func_param(btf, "k", cv);
    btf__add_func_param(btf, "", 0);
    int f = btf__add_func(btf, "walk", BTF_FUNC_GLOBAL, proto);
    int proto2 = btf__add_func_proto(btf, 0);
    btf__add_func_param(btf, "p", ptag);
    btf__add_func_param(btf, "q", rp);
    btf__add_func_param(btf, "u", un);
    btf__add_func_param(btf, "o", pfwd);
    btf__add_func(btf, "helper", BTF_FUNC_STATIC, proto2);
    int var = btf__add_var(btf, "counter", BTF_VAR_GLOBAL_ALLOCATED, i32);
    btf__add_datasec(btf, ".data", 4);
    btf__add_datasec_var_info(btf, var, 0, 4);
    btf__add_decl_tag(btf, "tagged", node, -1);
    btf__add_decl_tag(btf, "arg", f, 0);
    return btf;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: make_btf_seeds DIR\n");
        return 2;
    }
    int rc = 0;
    struct btf *e = every_kind();
    rc |= !e || write_raw(argv[1], "every-kind.btf", e, 4);
    btf__free(e);

    /* The same base as fuzz/btf_fuzzer.c's, and a pointer to the module's struct. */
    struct btf *base = fx_btf_base();
    int ms = 0;
    struct btf *mod = base ? fx_btf_module(base, "mod_s", "mod_fn", &ms) : NULL;
    if (mod && btf__add_ptr(mod, ms) < 0) {
        btf__free(mod);
        mod = NULL;
    }
    rc |= !mod || write_raw(argv[1], "split.btf", mod, 3);
    btf__free(mod);
    btf__free(base);
    return rc;
}

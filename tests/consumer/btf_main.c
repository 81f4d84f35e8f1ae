/* SPDX-License-Identifier: MIT */
/*
 * A user of the installed BTF importer: writes, with libbpf's writer, the BTF of one of its
 * own structs and of a function taking a pointer to it (as a kernel's BTF would hold them),
 * imports the function through libtyr-btf and checks its parameter's layout against the
 * compiler's.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <bpf/btf.h>
#include <linux/btf.h>

#include <tyr/btf.h>
#include <tyr/tyr.h>

struct consumer_pair {
    int key;
    long value;
};

/* The BTF of struct consumer_pair and of int consumer_probe(struct consumer_pair *p).
 * Owner: the caller, freed with btf__free(); NULL on failure. */
static struct btf *consumer_btf(void)
{
    struct btf *b = btf__new_empty();
    int i32, i64, pair, ptr, proto;

    if (!b)
        return NULL;
    i32 = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
    i64 = btf__add_int(b, "long", 8, BTF_INT_SIGNED);
    pair = btf__add_struct(b, "consumer_pair", sizeof(struct consumer_pair));
    if (i32 < 0 || i64 < 0 || pair < 0 ||
        btf__add_field(b, "key", i32, offsetof(struct consumer_pair, key) * 8, 0) < 0 ||
        btf__add_field(b, "value", i64, offsetof(struct consumer_pair, value) * 8, 0) < 0) {
        btf__free(b);
        return NULL;
    }
    ptr = btf__add_ptr(b, pair);
    proto = ptr < 0 ? ptr : btf__add_func_proto(b, i32);
    if (proto < 0 || btf__add_func_param(b, "p", ptr) < 0 ||
        btf__add_func(b, "consumer_probe", BTF_FUNC_GLOBAL, proto) < 0) {
        btf__free(b);
        return NULL;
    }
    return b;
}

int main(void)
{
    struct btf *raw = consumer_btf();
    tyr_registry *reg = NULL;
    tyr_btf *b = NULL;
    tyr_param_info param;
    tyr_field_info value;
    tyr_type fn, pointee = {0};
    const void *bytes;
    __u32 len = 0;
    int err;

    if (!raw) {
        fprintf(stderr, "consumer_btf: libbpf could not write the BTF\n");
        return 1;
    }
    bytes = btf__raw_data(raw, &len);
    err = bytes ? tyr_registry_new(NULL, &reg) : TYR_ENOMEM;
    if (!err)
        err = tyr_btf_open_mem(bytes, len, NULL, &b, NULL);
    if (!err)
        err = tyr_btf_import_func(b, reg, "consumer_probe", &fn, NULL);
    if (!err)
        err = tyr_param_at(reg, fn, 0, &param);
    if (!err)
        pointee = tyr_sized_type_id(tyr_sized_pointee(reg, tyr_sized(reg, param.type)));
    if (!err)
        err = tyr_field_by_name(reg, pointee, "value", &value);
    if (err) {
        fprintf(stderr, "consumer_btf: %s\n", tyr_strerror(err));
    } else if (strcmp(param.name, "p") != 0 ||
               strcmp(tyr_type_name(reg, pointee), "consumer_pair") != 0 ||
               tyr_type_size(reg, pointee) != sizeof(struct consumer_pair) ||
               value.offset != offsetof(struct consumer_pair, value)) {
        fprintf(stderr, "consumer_btf: consumer_probe's parameter did not come back\n");
        err = 1;
    } else {
        printf("tyr btf consumer ok: consumer_probe(struct %s *%s), value at %llu\n",
               tyr_type_name(reg, pointee), param.name, (unsigned long long)value.offset);
    }
    tyr_btf_free(b);
    tyr_registry_free(reg);
    btf__free(raw);
    return err ? 1 : 0;
}

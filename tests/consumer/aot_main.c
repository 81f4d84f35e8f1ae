/* SPDX-License-Identifier: MIT */
/*
 * A user of the installed AOT runtime library: writes an .aot file for one of its own
 * functions (the signature built by hand in a registry, the uprobe's file offset from its own
 * symbol table), opens it back as a runtime would and reads the probe's capture plan.
 * Attaching needs root and BPF: the project's own tests do that.
 */
#include <stdio.h>
#include <string.h>

#include <tyr/aot.h>
#include <tyr/tyr.h>

struct consumer_node {
    struct consumer_node *next;
    int val;
};

int consumer_walk(struct consumer_node *n);
int consumer_walk(struct consumer_node *n)
{
    return n ? n->val : 0;
}

static int fail(const char *what, int err, const tyr_diag *d)
{
    fprintf(stderr, "consumer_aot: %s: %s %s\n", what, tyr_strerror(err), d ? d->what : "");
    return 1;
}

int main(int argc, char **argv)
{
    tyr_registry *reg = NULL;
    tyr_aot *aot = NULL;
    tyr_struct node;
    tyr_type i32, ptr, proto, fn;
    tyr_diag d = {0};
    char out[4096];
    int err, rc = 1;

    if (argc != 3)
        return fprintf(stderr, "usage: consumer_aot SELF OUT.aot\n"), 2;
    if ((err = tyr_registry_new(NULL, &reg)) || (err = tyr_add_int(reg, "int", 4, TYR_INT_SIGNED, &i32)) ||
        (err = tyr_struct_declare(reg, TYR_KIND_STRUCT, "consumer_node", &node)) ||
        (err = tyr_add_ptr(reg, tyr_struct_type(node), &ptr)) ||
        (err = tyr_struct_complete(reg, node, 16, 8, 0)) ||
        (err = tyr_struct_add_field(reg, node, "next", ptr, 0, 0, 0)) ||
        (err = tyr_struct_add_field(reg, node, "val", i32, 8, 0, 0)) ||
        (err = tyr_func_proto_new(reg, i32, 0, &proto)) ||
        (err = tyr_func_proto_add_param(reg, proto, "n", ptr)) ||
        (err = tyr_func_new(reg, "consumer_walk", proto, &fn))) {
        rc = fail("building the registry", err, NULL);
        goto out;
    }
    struct tyr_aot_probe_spec spec = {.target = argv[1], .symbol = "consumer_walk",
                                      .func = fn, .deref = 1};
    if ((err = tyr_aot_find_symbol(argv[1], "consumer_walk", &spec.file_offset, &d))) {
        rc = fail("tyr_aot_find_symbol", err, &d);
        goto out;
    }
    if ((err = tyr_aot_write_path(reg, &spec, 1, argv[2], NULL, &d))) {
        rc = fail("tyr_aot_write_path", err, &d);
        goto out;
    }
    if ((err = tyr_aot_open_path(argv[2], NULL, &aot, &d))) {
        rc = fail("tyr_aot_open_path", err, &d);
        goto out;
    }
    tyr_aot_probe_info p;
    tyr_aot_value_info v;
    if ((err = tyr_aot_probe_get(aot, 0, &p)) || (err = tyr_aot_value_get(aot, 0, 0, &v))) {
        rc = fail("reading the probe back", err, NULL);
        goto out;
    }
    if (tyr_type_spell(tyr_aot_registry(aot), v.type, v.name, 0, out, sizeof out) < 0 ||
        strcmp(p.symbol, "consumer_walk") != 0 || p.file_offset != spec.file_offset ||
        v.where != TYR_AOT_IN_REGS || v.nregs != 1 || v.regs[0] != 0) {
        fprintf(stderr, "consumer_aot: the probe did not come back as written\n");
        goto out;
    }
    printf("tyr aot consumer ok: %s(%s) at 0x%llx, n in rdi\n", p.symbol, out,
           (unsigned long long)p.file_offset);
    rc = consumer_walk(NULL);
out:
    tyr_aot_free(aot);
    tyr_registry_free(reg);
    return rc;
}

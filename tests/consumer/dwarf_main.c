/* SPDX-License-Identifier: MIT */
/* A user of the installed DWARF importer: reads the signature of one of its own functions from
 * its own debug info (the consumer is built with -g) through libtyr-dwarf. */
#include <stdio.h>
#include <string.h>

#include <tyr/tyr.h>

struct consumer_pair {
    int key;
    long value;
};

/* The function whose signature the program imports from its own DWARF. */
int consumer_probe(struct consumer_pair *p);
int consumer_probe(struct consumer_pair *p)
{
    return p ? p->key : 0;
}

int main(int argc, char **argv)
{
    struct consumer_pair pair = {1, 2};
    tyr_registry *reg = NULL;
    tyr_dwarf *dw = NULL;
    tyr_param_info param;
    tyr_type fn, pointee;
    int err;

    if (argc < 2) {
        fprintf(stderr, "usage: consumer_dwarf SELF\n");
        return 2;
    }
    err = tyr_registry_new(NULL, &reg);
    if (!err)
        err = tyr_dwarf_open(argv[1], NULL, &dw, NULL);
    if (!err)
        err = tyr_dwarf_import_func(dw, reg, "consumer_probe", &fn, NULL);
    if (!err)
        err = tyr_param_at(reg, fn, 0, &param);
    if (err) {
        fprintf(stderr, "consumer_dwarf: %s\n", tyr_strerror(err));
        tyr_dwarf_free(dw);
        tyr_registry_free(reg);
        return 1;
    }
    pointee = tyr_sized_type_id(tyr_sized_pointee(reg, tyr_sized(reg, param.type)));
    if (strcmp(param.name, "p") != 0 ||
        strcmp(tyr_type_name(reg, pointee), "consumer_pair") != 0 ||
        tyr_type_size(reg, pointee) != sizeof pair) {
        fprintf(stderr, "consumer_dwarf: consumer_probe's parameter did not come back\n");
        tyr_dwarf_free(dw);
        tyr_registry_free(reg);
        return 1;
    }
    printf("tyr dwarf consumer ok: %s(struct %s *%s), %d\n", "consumer_probe",
           tyr_type_name(reg, pointee), param.name, consumer_probe(&pair));
    tyr_dwarf_free(dw);
    tyr_registry_free(reg);
    return 0;
}

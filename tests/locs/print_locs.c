/* SPDX-License-Identifier: MIT */
/*
 * print_locs BIN FUNC...: what tyr_dwarf_param_locations() answers, one line per function
 * ("FUNC entry 0xPC" or "FUNC error TEXT") and one per parameter
 * ("\tNAME KIND REG BASE OFFSET VALUE FLAGS"), for tests/locs_vs_gdb.py to compare with gdb.
 */
#include <inttypes.h>
#include <stdio.h>

#include "tyr/tyr.h"

static const char *kinds[] = {"unavailable", "reg", "stack", "const", "expr"};

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: print_locs BIN FUNC...\n");
        return 2;
    }
    tyr_dwarf *dw = NULL;
    tyr_diag diag = {0};
    if (tyr_dwarf_open(argv[1], NULL, &dw, &diag)) {
        fprintf(stderr, "print_locs: %s: %s\n", argv[1], diag.what);
        return 1;
    }
    for (int i = 2; i < argc; i++) {
        tyr_dwarf_param_loc locs[128];
        uint32_t n = 0;
        uint64_t pc = 0;
        int err = tyr_dwarf_param_locations(dw, argv[i], locs, 128, &n, &pc, &diag);
        if (err) {
            printf("%s error %s: %s\n", argv[i], tyr_strerror(err), diag.what);
            continue;
        }
        printf("%s entry 0x%" PRIx64 "\n", argv[i], pc);
        for (uint32_t k = 0; k < n && k < 128; k++)
            printf("\t%s %s %u %u %" PRId64 " %" PRIu64 " %u\n", locs[k].name[0] ? locs[k].name : "-",
                   kinds[locs[k].kind <= 4 ? locs[k].kind : 4], locs[k].reg, locs[k].base,
                   locs[k].offset, locs[k].value, locs[k].flags);
    }
    tyr_dwarf_free(dw);
    return 0;
}

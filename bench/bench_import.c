/* SPDX-License-Identifier: MIT */
/*
 * bench_import: the tyr side of bench/bench_import.sh.
 *   bench_import all BIN        import every type; prints units, DIEs visited, types, ms
 *   bench_import func BIN NAME  import one function's probe signature; prints it like
 *                               `bpftrace -lv` does, and ms
 * Times are in-process (open included); the script measures process to process.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tyr/tyr.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int fail(const char *what, int err, const tyr_diag *d)
{
    fprintf(stderr, "bench_import: %s: %s: %s (DIE 0x%llx)\n", what, tyr_strerror(err), d->what,
            (unsigned long long)d->offset);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 3 || (strcmp(argv[1], "all") && strcmp(argv[1], "func")) ||
        (!strcmp(argv[1], "func") && argc < 4)) {
        fprintf(stderr, "usage: bench_import all BIN | bench_import func BIN NAME\n");
        return 2;
    }
    double t0 = now_ms();
    tyr_diag diag = {0};
    tyr_dwarf *dw = NULL;
    int err = tyr_dwarf_open(argv[2], TYR_OPTS(tyr_dwarf_opts, .diag = &diag), &dw);
    if (err)
        return fail("open", err, &diag);
    tyr_registry *reg = NULL;
    if ((err = tyr_registry_new(NULL, &reg)))
        return fail("registry", err, &diag);
    int rc = 0;
    if (!strcmp(argv[1], "all")) {
        tyr_dwarf_stats st = {0};
        err = tyr_dwarf_import_all(dw, reg, NULL, NULL, &st, &diag);
        if (err)
            rc = fail("import_all", err, &diag);
        else
            printf("units %llu dies %llu types %llu ms %.1f\n", (unsigned long long)st.units,
                   (unsigned long long)st.dies, (unsigned long long)st.types, now_ms() - t0);
    } else {
        tyr_type f;
        err = tyr_dwarf_import_func(dw, reg, argv[3], &f, &diag);
        if (err) {
            rc = fail(argv[3], err, &diag);
        } else {
            tyr_type_info ti;
            tyr_type_get(reg, f, &ti);
            printf("uprobe:%s:%s\n", argv[2], argv[3]);
            for (uint32_t i = 0; i < ti.count; i++) {
                tyr_param_info p;
                char buf[256];
                tyr_param_at(reg, f, i, &p);
                tyr_type_spell(reg, p.type, NULL, TYR_SPELL_TIGHT, buf, sizeof buf);
                printf("    %s %s\n", buf, p.name);
            }
            printf("types %u ms %.1f\n", tyr_registry_type_count(reg), now_ms() - t0);
        }
    }
    tyr_registry_free(reg);
    tyr_dwarf_free(dw);
    return rc;
}

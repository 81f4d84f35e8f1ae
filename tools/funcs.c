/* SPDX-License-Identifier: MIT */
/*
 * Function patterns, the same for every subcommand (args, import --function, list): over a
 * binary the library's matcher decides (lib/dwarf_probes.c), over a blob its FUNC records.
 */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

int names_add(void *ctx, const char *name)
{
    struct names *ns = ctx;
    if (ns->n == ns->cap) {
        size_t cap = ns->cap ? ns->cap * 2 : 32;
        char **v = realloc(ns->v, cap * sizeof(*v));
        if (!v)
            return TYR_ENOMEM;
        ns->v = v;
        ns->cap = cap;
    }
    if (!(ns->v[ns->n] = strdup(name)))
        return TYR_ENOMEM;
    ns->n++;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void names_sort_unique(struct names *ns)
{
    if (!ns->n)
        return;
    qsort(ns->v, ns->n, sizeof(*ns->v), cmp_str);
    size_t k = 1;
    for (size_t i = 1; i < ns->n; i++) {
        if (!strcmp(ns->v[i], ns->v[k - 1]))
            free(ns->v[i]);
        else
            ns->v[k++] = ns->v[i];
    }
    ns->n = k;
}

void names_free(struct names *ns)
{
    for (size_t i = 0; i < ns->n; i++)
        free(ns->v[i]);
    free(ns->v);
    memset(ns, 0, sizeof(*ns));
}

/* Every FUNC in a blob whose name matches glob. */
static int blob_glob(const tyr_registry *reg, const char *glob, struct names *ns)
{
    uint32_t n = tyr_registry_type_count(reg);
    for (uint32_t id = 1; id < n; id++) {
        tyr_type t = {id};
        if (tyr_type_kind(reg, t) != TYR_KIND_FUNC)
            continue;
        if (!fnmatch(glob, tyr_type_name(reg, t), 0) && names_add(ns, tyr_type_name(reg, t)))
            return TYR_ENOMEM;
    }
    return 0;
}

int tool_match_funcs(struct tool_input *in, const char *pattern, struct names *ns)
{
    if (!tool_is_glob(pattern))
        return names_add(ns, pattern) ? tool_fail("out of memory") : EXIT_OK;
    size_t before = ns->n;
    tyr_diag diag = {0};
    int err = in->dw ? tyr_dwarf_match_funcs(in->dw, pattern, names_add, ns, &diag)
                     : blob_glob(in->reg, pattern, ns);
    if (err)
        return tool_fail_err(in->path, err, &diag);
    if (ns->n == before)
        return tool_fail("no function matches '%s' in %s", pattern, in->path);
    return EXIT_OK;
}

void tool_json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

/* Owner: the caller, free(). */
char *tool_spell(const tyr_registry *reg, tyr_type t, const char *decl, uint32_t flags)
{
    int n = tyr_type_spell(reg, t, decl, flags, NULL, 0);
    if (n < 0)
        return NULL;
    char *s = malloc((size_t)n + 1);
    if (s && tyr_type_spell(reg, t, decl, flags, s, (size_t)n + 1) < 0) {
        free(s);
        s = NULL;
    }
    return s;
}

/* Prints what the written blob holds, read back from the file itself. */
int tool_write_summary(const char *path, uint64_t off, uint64_t len, uint32_t imported,
                       bool pruned)
{
    tyr_registry *reg;
    tyr_diag diag = {0};
    int err = tyr_registry_open_path(path, TYR_OPTS(tyr_load_opts, .offset = off),
                                     &reg, &diag);
    if (err)
        return tool_fail_err(path, err, &diag);
    tyr_registry_stats st = {.sz = sizeof st};
    tyr_registry_get_stats(reg, &st);
    printf("%s: %u types (%u structs, %u unions, %u enums, %u typedefs, %u functions), "
           "%u fields, %llu bytes",
           path, st.types - 1, st.per_kind[TYR_KIND_STRUCT], st.per_kind[TYR_KIND_UNION],
           st.per_kind[TYR_KIND_ENUM], st.per_kind[TYR_KIND_TYPEDEF], st.per_kind[TYR_KIND_FUNC],
           st.fields, (unsigned long long)len);
    if (pruned)
        printf(", pruned from %u imported types", imported - 1);
    if (off)
        printf(", at offset %llu", (unsigned long long)off);
    printf("\n");
    tyr_registry_free(reg);
    return EXIT_OK;
}

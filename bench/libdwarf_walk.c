/* SPDX-License-Identifier: MIT */
/*
 * A bare libdwarf walk, the reference below tyr's import-all: what libdwarf 20210528 itself
 * costs to visit every type DIE of a file and read its attributes, building nothing.
 *
 * Each of `threads` threads opens the file with its own Dwarf_Debug and takes every
 * threads-th unit (round robin: the units of a large binary differ in size by 100x). In a
 * unit it walks the top level, skips what is not a type (function bodies, variables: one
 * dwarf_siblingof_b jumps over each through DW_AT_sibling), and for each type DIE and
 * everything under it reads the attributes through dwarf_attrlist() and the form readers an
 * importer uses (names, references, constants). Allocation tracking is off
 * (dwarf_set_de_alloc_flag(0)) and every DIE and attribute is freed as the walk goes, as
 * tyr does. It returns the number of DIEs visited, or -1 when the file cannot be read.
 */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include <dwarf.h>
#include <libdwarf.h>

#include "libdwarf_walk.h"

#define WALK_MAX_THREADS 8
#define WALK_MAX_DEPTH 64

struct walker {
    const char *path;
    int k, threads;
    uint64_t dies;
    int failed;
};

static int not_types(Dwarf_Half tag)
{
    return tag == DW_TAG_subprogram || tag == DW_TAG_variable || tag == DW_TAG_lexical_block ||
           tag == DW_TAG_inlined_subroutine || tag == DW_TAG_call_site ||
           tag == DW_TAG_GNU_call_site || tag == DW_TAG_label || tag == DW_TAG_dwarf_procedure;
}

static void read_attrs(Dwarf_Debug dbg, Dwarf_Die die)
{
    Dwarf_Attribute *list = NULL;
    Dwarf_Signed n = 0;
    Dwarf_Error e = NULL;
    if (dwarf_attrlist(die, &list, &n, &e) != DW_DLV_OK) {
        if (e)
            dwarf_dealloc_error(dbg, e);
        return;
    }
    for (Dwarf_Signed i = 0; i < n; i++) {
        Dwarf_Half at = 0;
        if (dwarf_whatattr(list[i], &at, &e) == DW_DLV_OK) {
            char *s = NULL;
            Dwarf_Off off = 0;
            Dwarf_Unsigned u = 0;
            int res = DW_DLV_OK;
            switch (at) {
            case DW_AT_name: res = dwarf_formstring(list[i], &s, &e); break;
            case DW_AT_type: res = dwarf_global_formref(list[i], &off, &e); break;
            case DW_AT_byte_size: case DW_AT_bit_size: case DW_AT_data_bit_offset:
            case DW_AT_data_member_location: case DW_AT_upper_bound: case DW_AT_count:
            case DW_AT_const_value: case DW_AT_encoding: case DW_AT_alignment:
                res = dwarf_formudata(list[i], &u, &e);
                break;
            default: break;
            }
            if (res == DW_DLV_ERROR && e) {
                dwarf_dealloc_error(dbg, e);
                e = NULL;
            }
        } else if (e) {
            dwarf_dealloc_error(dbg, e);
            e = NULL;
        }
        dwarf_dealloc_attribute(list[i]);
    }
    dwarf_dealloc(dbg, list, DW_DLA_LIST);
}

/* The DIEs from `die` on and their siblings, and everything under them (`top`: a unit's
 * top level, where non-type DIEs are skipped with their subtrees). Takes die. */
static void walk(struct walker *w, Dwarf_Debug dbg, Dwarf_Die die, int top, int depth)
{
    while (die) {
        Dwarf_Error e = NULL;
        Dwarf_Half tag = 0, kids = 0;
        w->dies++;
        if (dwarf_tag(die, &tag, &e) != DW_DLV_OK && e) {
            dwarf_dealloc_error(dbg, e);
            e = NULL;
        }
        if (!(top && not_types(tag))) {
            read_attrs(dbg, die);
            Dwarf_Die child = NULL;
            if (depth < WALK_MAX_DEPTH && dwarf_die_abbrev_children_flag(die, &kids) == DW_DLV_OK &&
                kids && dwarf_child(die, &child, &e) == DW_DLV_OK)
                walk(w, dbg, child, 0, depth + 1);
            else if (e)
                dwarf_dealloc_error(dbg, e);
            e = NULL;
        }
        Dwarf_Die next = NULL;
        int res = dwarf_siblingof_b(dbg, die, 1, &next, &e);
        dwarf_dealloc_die(die);
        if (res == DW_DLV_ERROR && e)
            dwarf_dealloc_error(dbg, e);
        die = res == DW_DLV_OK ? next : NULL;
    }
}

static void *walker_main(void *arg)
{
    struct walker *w = arg;
    Dwarf_Debug dbg = NULL;
    Dwarf_Error e = NULL;
    char true_path[512];
    if (dwarf_init_path(w->path, true_path, sizeof true_path, DW_DLC_READ, DW_GROUPNUMBER_ANY,
                        NULL, NULL, &dbg, NULL, 0, NULL, &e) != DW_DLV_OK) {
        w->failed = 1;
        return NULL;
    }
    Dwarf_Unsigned next = 0;
    Dwarf_Half unit_type = 0;
    for (int u = 0;; u++) {
        int res = dwarf_next_cu_header_d(dbg, 1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                                         &next, &unit_type, &e);
        if (res != DW_DLV_OK)
            break;
        if (u % w->threads != w->k)
            continue;
        Dwarf_Die cu = NULL, first = NULL;
        if (dwarf_siblingof_b(dbg, NULL, 1, &cu, &e) != DW_DLV_OK)
            break;
        w->dies++;
        if (dwarf_child(cu, &first, &e) == DW_DLV_OK)
            walk(w, dbg, first, 1, 0);
        dwarf_dealloc_die(cu);
    }
    if (e)
        dwarf_dealloc_error(dbg, e);
    dwarf_finish(dbg, &e);
    return NULL;
}

int64_t libdwarf_walk(const char *path, int threads)
{
    if (threads < 1)
        threads = 1;
    if (threads > WALK_MAX_THREADS)
        threads = WALK_MAX_THREADS;
    dwarf_set_de_alloc_flag(0); /* process-wide: before any Dwarf_Debug and any thread */
    struct walker w[WALK_MAX_THREADS];
    pthread_t th[WALK_MAX_THREADS];
    int started[WALK_MAX_THREADS] = {0};
    memset(w, 0, sizeof w);
    for (int k = 0; k < threads; k++) {
        w[k] = (struct walker){.path = path, .k = k, .threads = threads};
        started[k] = pthread_create(&th[k], NULL, walker_main, &w[k]) == 0;
        if (!started[k])
            walker_main(&w[k]);
    }
    int64_t dies = 0;
    int failed = 0;
    for (int k = 0; k < threads; k++) {
        if (started[k])
            pthread_join(th[k], NULL);
        dies += (int64_t)w[k].dies;
        failed |= w[k].failed;
    }
    return failed ? -1 : dies;
}

/* SPDX-License-Identifier: MIT */
/* A user of the installed library: headers, linking and a few calls through the public API. */
#include <stdio.h>
#include <string.h>

#include <tyr/output.h> /* also through tyr.h; named here so the install must ship it */
#include <tyr/tyr.h>

#define CHECK(call)                                                                     \
    do {                                                                                \
        int err_ = (call);                                                              \
        if (err_ != 0) {                                                                \
            fprintf(stderr, "consumer: %s failed: %s\n", #call, tyr_strerror(err_));   \
            tyr_registry_free(reg);                                                     \
            return 1;                                                                   \
        }                                                                               \
    } while (0)

int main(void)
{
    tyr_registry *reg = NULL;
    tyr_type i32, ptr, found;
    tyr_struct node;

    if (tyr_version_number() != TYR_VERSION_NUMBER) {
        fprintf(stderr, "consumer: headers say %d, library says %u\n", TYR_VERSION_NUMBER,
                tyr_version_number());
        return 1;
    }
    CHECK(tyr_registry_new(NULL, &reg));
    CHECK(tyr_add_int(reg, "int", 4, TYR_INT_SIGNED, &i32));
    CHECK(tyr_struct_declare(reg, TYR_KIND_STRUCT, "Node", &node));
    CHECK(tyr_add_ptr(reg, tyr_struct_type(node), &ptr));
    CHECK(tyr_struct_complete(reg, node, 16, 8, 0));
    CHECK(tyr_struct_add_field(reg, node, "next", ptr, 0, 0, 0));
    CHECK(tyr_struct_add_field(reg, node, "val", i32, 8, 0, 0));
    CHECK(tyr_find(reg, "Node", TYR_KIND_STRUCT, &found));
    if (found.id != node.id || tyr_type_size(reg, found) != 16 ||
        strcmp(tyr_type_name(reg, found), "Node") != 0) {
        fprintf(stderr, "consumer: struct Node did not come back as built\n");
        tyr_registry_free(reg);
        return 1;
    }
    struct tyr_buf buf = {0};
    tyr_sink sink = tyr_sink_buf(&buf);
    int dumped = tyr_dump_c(reg, NULL, &sink);
    int has_node = dumped == 0 && buf.data && strstr(buf.data, "struct Node {") != NULL;
    tyr_buf_free(&buf);
    if (!has_node) {
        fprintf(stderr, "consumer: tyr_dump_c did not declare struct Node\n");
        tyr_registry_free(reg);
        return 1;
    }
    printf("tyr consumer ok: tyr %s, struct Node is %llu bytes\n", tyr_version_string(),
           (unsigned long long)tyr_type_size(reg, found));
    tyr_registry_free(reg);
    return 0;
}

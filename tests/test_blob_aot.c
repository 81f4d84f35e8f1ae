/* SPDX-License-Identifier: MIT */
/*
 * The AOT case end to end, the bug tyr exists to make impossible: a "compiler" holds sized
 * types for a probe's arguments (`struct Node *n`, `struct Node { struct Node *next; ... }`),
 * writes the registry pruned to them into an .aot file at an aligned offset after its own
 * bytes, and a separate process (fork + exec of this program) maps that file and decodes a
 * real linked list with the layouts it finds: nothing it reads is owned by anyone but the
 * mapping.
 */
#define _POSIX_C_SOURCE 200809L

#include <fcntl.h>
#include <inttypes.h>
#include <sys/wait.h>
#include <unistd.h>

#include "blob_fixture.h"

/* The probed program's type, which the registry describes. */
struct Node {
    struct Node *next;
    int value;
    unsigned char tag[3];
};

/* ---- The runtime (child process): knows only the file, the offset and the sized type ---- */

static int runtime_main(const char *path, uint64_t off, uint64_t len, tyr_sized_type arg)
{
    tyr_registry *reg = NULL;
    tyr_diag d;
    tyr_sized_type node_st;
    tyr_field_info next, value, tag;
    struct Node n3 = {NULL, 30, {7, 8, 9}}, n2 = {&n3, 20, {4, 5, 6}}, n1 = {&n2, 10, {1, 2, 3}};
    const unsigned char *p = (const unsigned char *)&n1;
    long sum = 0;
    int hops = 0, err;

    err = tyr_registry_open_path(path, TYR_OPTS(tyr_load_opts, .offset = off, .length = len),
                                 &reg, &d);
    if (err) {
        fprintf(stderr, "runtime: open: %s at %" PRIu64 ": %s\n", tyr_strerror(err), d.offset,
                d.what);
        return 10;
    }
    if (arg.kind != TYR_KIND_PTR || tyr_type_kind(reg, tyr_sized_type_id(arg)) != TYR_KIND_PTR)
        return 11;
    node_st = tyr_sized_pointee(reg, arg);
    if (node_st.kind != TYR_KIND_STRUCT || node_st.size != sizeof(struct Node) ||
        strcmp(tyr_type_name(reg, tyr_sized_type_id(node_st)), "Node") != 0)
        return 12;
    if (tyr_field_by_name(reg, tyr_sized_type_id(node_st), "next", &next) ||
        tyr_field_by_name(reg, tyr_sized_type_id(node_st), "value", &value) ||
        tyr_field_path(reg, tyr_sized_type_id(node_st), "tag[2]", &tag))
        return 13;
    /* ->next is a pointer back to the same struct, by handle */
    if (tyr_sized_pointee(reg, tyr_sized(reg, next.type)).id != node_st.id)
        return 14;
    /* Decode the raw bytes of the list with the registry's offsets only. */
    while (p) {
        int32_t v;
        const unsigned char *nx;
        memcpy(&v, p + value.offset, sizeof v);
        memcpy(&nx, p + next.offset, sizeof nx);
        sum += v * 100 + p[tag.offset];
        p = nx;
        if (++hops > 10)
            return 15;
    }
    tyr_registry_free(reg);
    if (hops != 3 || sum != 10 * 100 + 3 + 20 * 100 + 6 + 30 * 100 + 9)
        return 16;
    return 0;
}

static char self_path[4096];

/* Resources the compiler keeps: the probe's argument types, as plain values. */
static void test_aot_end_to_end(void **state)
{
    tyr_registry *reg = NULL;
    tyr_struct s;
    tyr_type node, node_ptr, t_int, t_uchar, tag_arr, t;
    tyr_sized_type arg;
    uint32_t *map;
    uint64_t off = 0, len = 0;
    char path[] = "/tmp/tyr_aot_XXXXXX";
    char a_off[32], a_len[32], a_ref[32], a_size[32], a_kind[32];
    int fd, status, i;
    pid_t pid;
    (void)state;

    /* The compiler's registry: the probe's types among many others. */
    assert_int_equal(tyr_registry_new(NULL, &reg), 0);
    for (i = 0; i < 50; i++) {
        char nm[16];
        snprintf(nm, sizeof nm, "noise%d", i);
        assert_int_equal(tyr_struct_new(reg, TYR_KIND_STRUCT, nm, 4, 4, 0, &s), 0);
    }
    assert_int_equal(tyr_add_int(reg, "int", 4, TYR_INT_SIGNED, &t_int), 0);
    assert_int_equal(tyr_add_int(reg, "unsigned char", 1, TYR_INT_CHAR, &t_uchar), 0);
    assert_int_equal(tyr_struct_declare(reg, TYR_KIND_STRUCT, "Node", &s), 0);
    node = tyr_struct_type(s);
    assert_int_equal(tyr_add_ptr(reg, node, &node_ptr), 0);
    assert_int_equal(tyr_add_array(reg, t_uchar, 3, 0, &tag_arr), 0);
    assert_int_equal(tyr_struct_complete(reg, s, sizeof(struct Node), _Alignof(struct Node), 0),
                     0);
    assert_int_equal(tyr_struct_add_field(reg, s, "next", node_ptr,
                                          offsetof(struct Node, next), 0, 0),
                     0);
    assert_int_equal(tyr_struct_add_field(reg, s, "value", t_int,
                                          offsetof(struct Node, value), 0, 0),
                     0);
    assert_int_equal(tyr_struct_add_field(reg, s, "tag", tag_arr, offsetof(struct Node, tag),
                                          0, 0),
                     0);
    for (i = 0; i < 50; i++)
        assert_int_equal(tyr_add_ptr(reg, (tyr_type){(uint32_t)i + 1}, &t), 0);
    arg = tyr_sized(reg, node_ptr);

    /* The .aot file: the runtime's own bytes, then the pruned blob at an aligned offset. */
    fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "BPFTRACE-AOT\0\1\2", 15), 15);
    map = calloc(tyr_registry_type_count(reg), sizeof *map);
    assert_non_null(map);
    tyr_type root = tyr_sized_type_id(arg);
    assert_int_equal(tyr_blob_write_fd(reg, fd, TYR_OPTS(tyr_write_opts, .roots = &root,
                                                         .nroots = 1, .map = map,
                                                         .map_len = tyr_registry_type_count(reg)),
                                       &off, &len),
                     0);
    assert_int_equal(off, 16);
    assert_int_equal(root.id, map[node_ptr.id]);
    arg.id = root.id; /* the sized type of the pruned blob: kind, flags and size stay */
    assert_int_not_equal(arg.id, node_ptr.id); /* renumbered: the noise is gone */
    assert_int_equal(write(fd, "more-resources", 14), 14);
    close(fd);
    tyr_registry_free(reg); /* the compiler exits: nothing of it survives */
    free(map);

    /* The runtime: another process, given the file and the plain sized type. */
    snprintf(a_off, sizeof a_off, "%" PRIu64, off);
    snprintf(a_len, sizeof a_len, "%" PRIu64, len);
    snprintf(a_kind, sizeof a_kind, "%u", (unsigned)arg.kind);
    snprintf(a_ref, sizeof a_ref, "%" PRIu32, arg.id);
    snprintf(a_size, sizeof a_size, "%" PRIu64, arg.size);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        execl(self_path, self_path, "--runtime", path, a_off, a_len, a_kind, a_ref, a_size,
              (char *)NULL);
        _exit(127);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    unlink(path);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_aot_end_to_end),
    };
    if (argc == 8 && !strcmp(argv[1], "--runtime")) {
        tyr_sized_type arg;
        memset(&arg, 0, sizeof arg);
        arg.kind = (uint16_t)strtoul(argv[5], NULL, 10);
        arg.id = (uint32_t)strtoul(argv[6], NULL, 10);
        arg.size = strtoull(argv[7], NULL, 10);
        return runtime_main(argv[2], strtoull(argv[3], NULL, 10), strtoull(argv[4], NULL, 10),
                            arg);
    }
    {
        ssize_t n = readlink("/proc/self/exe", self_path, sizeof self_path - 1);
        if (n <= 0)
            return 1;
        self_path[n] = '\0';
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/*
 * The demo's traced program: a three-node list walked by walk(), the function a uprobe would
 * attach to (`uprobe:linked_list:walk { print(*arg0); }`). Built with -g -O0 so that its
 * DWARF describes struct Node and everything it reaches.
 */
#include <stdio.h>
#include <string.h>

#include "linked_list.h"

int walk(struct Node *n)
{
    int sum = 0;
    for (; n; n = n->next)
        sum += n->val;
    return sum;
}

static int count_visit(struct Node *n, void *ctx)
{
    struct Stats *stats = ctx;
    stats->visits++;
    stats->bytes += sizeof *n;
    return 0;
}

/* With a path argument, also writes the raw bytes of the list's head node there: the value
 * a probe on walk() would read through its argument, for `tyr decode` to print. */
int main(int argc, char **argv)
{
    node_t c = {.next = NULL, .val = 3, .label = "c"};
    node_t b = {.next = &c, .val = 2, .label = "b"};
    node_t a = {.next = &b, .val = 1, .label = "a"};
    struct List list = {.head = &a, .visit = count_visit};

    memcpy(a.payload.tag, "head", 5);
    a.payload.flags = 5;
    a.payload.kind = 17;
    a.payload.state = NODE_LIVE;
    a.payload.score = 0.5;
    for (struct Node *n = list.head; n; n = n->next)
        list.visit(n, &list.stats);
    printf("walk: sum %d over %lu nodes (%lu bytes)\n", walk(list.head), list.stats.visits,
           list.stats.bytes);
    if (argc > 1) {
        FILE *f = fopen(argv[1], "wb");
        if (!f || fwrite(&a, sizeof a, 1, f) != 1 || fclose(f)) {
            perror(argv[1]);
            return 1;
        }
    }
    return 0;
}

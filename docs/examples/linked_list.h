/* SPDX-License-Identifier: MIT */
/*
 * The demo's types: the seed's self-referencing `struct Node` and a few real-looking types
 * around it (a bitfield, an enum, an array, a nested struct, a function pointer, a typedef).
 * linked_list.c is the traced program built from them; handbuilt.c builds the same types
 * through tyr's API.
 */
#ifndef TYR_EXAMPLE_LINKED_LIST_H
#define TYR_EXAMPLE_LINKED_LIST_H

enum node_state { NODE_FREE = 0, NODE_LIVE = 1, NODE_DEAD = -1 };

struct Payload {
    char tag[8];
    unsigned int flags : 3;
    unsigned int kind : 5;
    enum node_state state;
    double score;
};

struct Node {
    struct Node *next;
    int val;
    struct Payload payload;
    const char *label;
};

struct Stats {
    unsigned long visits;
    unsigned long bytes;
};

struct List {
    struct Node *head;
    struct Stats stats;
    int (*visit)(struct Node *n, void *ctx);
};

typedef struct Node node_t;

/* The probe target: sums the values of a list. */
int walk(struct Node *n);

#endif /* TYR_EXAMPLE_LINKED_LIST_H */

/* SPDX-License-Identifier: MIT */
/*
 * Functions gcc -O2 emits only as clones (tests/aot.cmake builds it):
 *  - scale.constprop.0: k, which every call passes as 2, is dropped; b stays in rdi. Its
 *    DWARF places every parameter (b in a register, k a constant): it is probed.
 *  - pick.constprop.0.isra.0: p, a struct pointer of which one field is read, is replaced by
 *    that field's value; DWARF gives p and unused only as expressions: it is refused.
 * main prints what scale receives, for the trace to be compared with.
 */
#include <stdio.h>
#include <stdlib.h>

struct Big {
    long v[8];
};

static __attribute__((noinline)) long scale(struct Big *b, int k)
{
    return b->v[k] * 3 + b->v[0];
}

struct pair {
    long a, b;
    char pad[48];
};

static __attribute__((noinline)) long pick(struct pair *p, int unused, long by)
{
    return p->b * by;
}

int main(int argc, char **argv)
{
    struct Big b;
    for (int i = 0; i < 8; i++)
        b.v[i] = argc * 100 + i * 7;
    struct pair q = {.a = argc, .b = argc + 40};
    (void)argv;
    printf("scale b=%p v=[%ld,%ld,%ld,%ld,%ld,%ld,%ld,%ld] k=2\n", (void *)&b, b.v[0], b.v[1],
           b.v[2], b.v[3], b.v[4], b.v[5], b.v[6], b.v[7]);
    printf("%ld %ld\n", scale(&b, 2), pick(&q, 0, argc) + pick(&q, 1, argc + 1));
    return 0;
}

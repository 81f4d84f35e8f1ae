/* SPDX-License-Identifier: MIT */
/* A function the compiler only emits as a clone (gcc -O2: scale.constprop.0 or .isra.0). */
#include <stdio.h>
#include <stdlib.h>

struct Big {
    long v[8];
};

static __attribute__((noinline)) long scale(struct Big *b, int k)
{
    return b->v[k] * 3 + b->v[0];
}

int main(int argc, char **argv)
{
    struct Big b = {{1, 2, 3, 4, 5, 6, 7, (long)argc}};
    (void)argv;
    printf("%ld\n", scale(&b, 2));
    return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * Out-of-line copies gcc -O2 makes of static functions (tests/locs.cmake builds it): .isra
 * (a parameter unused, or a struct passed by pointer whose one field is read, is dropped or
 * replaced), .constprop (a parameter every call passes the same constant), .part (the slow
 * part of a function split off). Their parameters are not where the source signature would
 * put them: tyr_dwarf_param_locations() says where they are, checked against gdb.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct big {
    long a, b, c, d;
    char name[32];
};

static __attribute__((noinline)) long pick_b(struct big *p, int unused, long scale)
{
    return p->b * scale;
}

static __attribute__((noinline)) long scaled(long v, int factor, const char *tag)
{
    if (tag[0] == 'x')
        v += strlen(tag);
    return v * factor;
}

static long slow_path(const char *s, long n)
{
    long t = 0;
    for (long i = 0; i < n; i++)
        t += s[i % 7] * i;
    printf("%s %ld\n", s, t);
    return t;
}

static inline long split_me(const char *s, long n)
{
    if (__builtin_expect(n < 4, 1))
        return n;
    return slow_path(s, n) + slow_path(s + 1, n / 2);
}

long __attribute__((noinline)) use_all(struct big *p, const char *s, long n)
{
    long r = pick_b(p, 0, n) + pick_b(p, 1, n + 1);
    r += scaled(n, 3, s) + scaled(r, 3, "y");
    r += split_me(s, n);
    return r;
}

int main(int argc, char **argv)
{
    struct big b = {1, 2, 3, 4, "big"};
    return (int)use_all(&b, argc > 1 ? argv[1] : "abcdefgh", argc * 5);
}

/* SPDX-License-Identifier: MIT */
/*
 * The AOT runtime's test target, compiled with -g -O0 (by gcc, and by clang). Each probed function is called once;
 * before the call, main prints "expect: " and the exact line `tyr aot run` must print for
 * that hit, formatted from the program's own data (pointers as 0x%lx, floats as %.9g and
 * doubles as %.17g, enums by name or number), so that the test compares every field value
 * the runtime decodes with what the program knows it passed.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#ifdef __clang__
#define PROBED __attribute__((noinline, used))
#else
#define PROBED __attribute__((noinline, noclone, used))
#endif

struct Node {
    struct Node *next;
    int val;
};

struct Inner {
    short s;
    unsigned char u;
};

struct Outer {
    struct Inner in;
    long x;
    struct Inner arr[2];
};

struct Mat {
    int m[2][3];
};

enum Neg { NEG_MINUS_ONE = -1, NEG_TWO = 2 };
enum Big { BIG_LOW = 1, BIG_HIGH = 0x123456789ULL };

struct Enums {
    enum Neg a, b;
    enum Big c, d;
};

struct Floats {
    float f;
    double d;
};

struct Bits {
    unsigned a : 3;
    int b : 5;
    unsigned c : 1;
    unsigned long long w : 40;
};

typedef struct {
    int x;
    char tag[5];
} anon_t;

struct Pair {
    long a;
    int b;
};

struct Pair16 {
    long a, b;
};

struct Big5 {
    long v[5];
};

static unsigned long P(const void *p)
{
    return (unsigned long)(uintptr_t)p;
}

PROBED int walk(struct Node *n)
{
    int sum = 0;
    for (; n; n = n->next)
        sum += n->val;
    return sum;
}

PROBED long nested(struct Outer *o)
{
    return o->x + o->in.s;
}

PROBED int matrix(struct Mat *m)
{
    return m->m[1][2];
}

PROBED int enums(struct Enums *e)
{
    return (int)e->a;
}

PROBED int enum_args(enum Neg x, enum Big y)
{
    return (int)x + (int)y;
}

PROBED double floats(struct Floats *f)
{
    return f->d + f->f;
}

PROBED int double_arg(double d, int after)
{
    return (int)d + after;
}

PROBED int bits(struct Bits *b)
{
    return b->b;
}

PROBED int anon(anon_t *a)
{
    return a->x;
}

PROBED long by_value(struct Pair p, int z, struct Node *n)
{
    return p.a + p.b + z + (n ? n->val : 0);
}

PROBED struct Pair16 make_pair(long a)
{
    struct Pair16 r = {a, -a};
    return r;
}

PROBED long big_by_value(int a, struct Big5 b, int c)
{
    return a + b.v[4] + c;
}

PROBED long many(long a1, long a2, long a3, long a4, long a5, long a6, long a7, int a8)
{
    return a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8;
}

int main(void)
{
    struct Node n3 = {NULL, 3}, n2 = {&n3, 2}, n1 = {&n2, 1};
    printf("expect: walk(n = 0x%lx -> { .next = 0x%lx, .val = %d }) n->next->val = %d\n", P(&n1),
           P(n1.next), n1.val, n1.next->val);
    printf("expect: walk() = %d\n", n1.val + n2.val + n3.val);
    fflush(stdout);
    walk(&n1);

    struct Outer o = {{-7, 200}, -5000000000L, {{1, 2}, {3, 4}}};
    printf("expect: nested(o = 0x%lx -> { .in = { .s = %d, .u = %u }, .x = %ld, .arr = "
           "[{ .s = %d, .u = %u },{ .s = %d, .u = %u }] })\n",
           P(&o), o.in.s, o.in.u, o.x, o.arr[0].s, o.arr[0].u, o.arr[1].s, o.arr[1].u);
    fflush(stdout);
    nested(&o);

    struct Mat m = {{{1, 2, 3}, {4, 5, 6}}};
    printf("expect: matrix(m = 0x%lx -> { .m = [[%d,%d,%d],[%d,%d,%d]] })\n", P(&m), m.m[0][0],
           m.m[0][1], m.m[0][2], m.m[1][0], m.m[1][1], m.m[1][2]);
    fflush(stdout);
    matrix(&m);

    struct Enums e = {NEG_MINUS_ONE, (enum Neg)-3, BIG_HIGH, (enum Big)5};
    printf("expect: enums(e = 0x%lx -> { .a = NEG_MINUS_ONE, .b = %d, .c = BIG_HIGH, .d = %llu })\n",
           P(&e), (int)e.b, (unsigned long long)e.d);
    printf("expect: enum_args(x = NEG_MINUS_ONE, y = BIG_HIGH)\n");
    fflush(stdout);
    enums(&e);
    enum_args(NEG_MINUS_ONE, BIG_HIGH);

    struct Floats f = {1.25f / 3.0f, -2.0 / 7.0};
    printf("expect: floats(f = 0x%lx -> { .f = %.9g, .d = %.17g })\n", P(&f), (double)f.f, f.d);
    printf("expect: double_arg(d = <not captured: SSE register xmm0>, after = %d)\n", 7);
    fflush(stdout);
    floats(&f);
    double_arg(0.5, 7);

    struct Bits b = {5, -9, 1, 0x123456789aULL};
    printf("expect: bits(b = 0x%lx -> { .a = %u, .b = %d, .c = %u, .w = %llu })\n", P(&b), b.a,
           b.b, b.c, (unsigned long long)b.w);
    fflush(stdout);
    bits(&b);

    anon_t a = {9, "anon"};
    printf("expect: anon(a = 0x%lx -> { .x = %d, .tag = \"%s\" })\n", P(&a), a.x, a.tag);
    fflush(stdout);
    anon(&a);

    struct Pair p = {-2, 3};
    /* The test's --field n->next->val reaches n3.next, NULL: nothing to read there. */
    printf("expect: by_value(p = { .a = %ld, .b = %d }, z = %d, n = 0x%lx -> { .next = 0x%lx, "
           ".val = %d }) n->next->val = <unreadable>\n",
           p.a, p.b, 44, P(&n3), P(n3.next), n3.val);
    fflush(stdout);
    by_value(p, 44, &n3);

    printf("expect: make_pair() = { .a = %ld, .b = %ld }\n", 11L, -11L);
    fflush(stdout);
    make_pair(11);

    struct Big5 b5 = {{10, 20, 30, 40, 50}};
    printf("expect: big_by_value(a = %d, b = { .v = [%ld,%ld,%ld,%ld,%ld] }, c = %d)\n", 1,
           b5.v[0], b5.v[1], b5.v[2], b5.v[3], b5.v[4], 3);
    fflush(stdout);
    big_by_value(1, b5, 3);

    printf("expect: many(a1 = 1, a2 = 2, a3 = 3, a4 = 4, a5 = 5, a6 = 6, a7 = %ld, a8 = %d)\n",
           -7L, 8);
    fflush(stdout);
    many(1, 2, 3, 4, 5, 6, -7, 8);
    return 0;
}

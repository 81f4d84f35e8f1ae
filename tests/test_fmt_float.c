/* SPDX-License-Identifier: MIT */
/*
 * tyr__fmt_g (lib/fmt_float.c), the decoder's printf-free "%.9g"/"%.17g", against snprintf:
 * the same text for every value it formats, and 0 (snprintf's turn) only where it says so.
 * Edge values (zeros, infinities, nans, subnormals, extremes, integers near 2^53, powers of
 * ten and the doubles beside them, exact ties of the 18th digit) and millions of random bit
 * patterns and random "human" values.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "out.h"

static uint64_t rng = 0x9e3779b97f4a7c15u;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static unsigned long checked, fast;

/* Compares one value at one precision; returns whether the fast path took it. */
static void check(double v, int prec)
{
    char want[64], got[64];
    snprintf(want, sizeof(want), "%.*g", prec, v);
    size_t n = tyr__fmt_g(got, v, prec);
    checked++;
    if (!n) {
        /* snprintf's turn: only where the header says so. */
        double a = fabs(v);
        if (!(isnan(v) || isinf(v) || (a != 0 && (a < 1e-5 || a > 1e37) ) ||
              (a != 0 && a < 2.3e-308))) {
            fprintf(stderr, "fast path refused %a (%s) at %d\n", v, want, prec);
            fail();
        }
        return;
    }
    fast++;
    got[n] = '\0';
    if (strcmp(want, got)) {
        fprintf(stderr, "%a at %d: snprintf \"%s\", tyr__fmt_g \"%s\"\n", v, prec, want, got);
        fail();
    }
}

static void both(double v)
{
    check(v, 17);
    check(-v, 17);
    float f = (float)v;
    if (!isinf(f) || isinf(v)) {
        check((double)f, 9);
        check(-(double)f, 9);
    }
}

static void edge_values(void **state)
{
    (void)state;
    const double edges[] = {0.0, 1.0, 0.5, 0.25, 0.1, 0.2, 0.3, 1.5, 2.0, 3.0, 10.0, 100.0,
                            123456789.0, 0.1 + 0.2, 1.0 / 3.0, 2.0 / 3.0, 3.141592653589793,
                            2.718281828459045, 1e-300, 1e300, 1e-308, 2.2250738585072014e-308,
                            4.9e-324, 1.7976931348623157e308, 1e-5, 1e-4, 1e-6, 1e-7, 0.001,
                            9.5, 99.5, 0.95, 0.0001, 0.00001, 1e15, 1e16, 1e17, 1e18, 1e22,
                            1e23, 1e37, 1e38, 1e39, 3.4028234663852886e38, 1.1754943508222875e-38,
                            9007199254740991.0, 9007199254740992.0, 9007199254740993.0,
                            4503599627370495.5, 4503599627370496.0, 18446744073709551615.0,
                            9223372036854775807.0, 99999999999999999.0, 9999999999999998.0,
                            0.30000000000000004, 123.456, 65504.0, 16777216.0, 16777217.0,
                            1.0000001, 0.99999999999999989, 999999999.5, 99999999.5, 9999.99999};
    for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
        both(edges[i]);
        both(nextafter(edges[i], INFINITY));
        both(nextafter(edges[i], 0.0));
    }
    both(INFINITY);
    both(NAN);
    check(-NAN, 17);
    /* Integers near 2^53 and 2^24, and powers of ten with their neighbours. */
    for (int64_t d = -40; d <= 40; d++) {
        both((double)((INT64_C(1) << 53) + d));
        both((double)((INT64_C(1) << 24) + d));
    }
    for (int e = -320; e <= 308; e++) {
        double p = pow(10.0, e);
        both(p);
        both(nextafter(p, INFINITY));
        both(nextafter(p, 0.0));
        for (int k = 1; k < 10; k++)
            both(k * p + p / 2);
    }
    /* Exact ties of the last printed digit: 1 + odd / 2^17 has 18 significant digits
     * ending in 5 (and floats: 1 + odd / 2^9 ... at 9 digits), both parities. */
    for (int s = 1; s <= 60; s++)
        for (uint64_t odd = 1; odd < 4000; odd += 2) {
            double v = ldexp((double)odd, -s);
            both(v);
            both(1.0 + v);
            both(ldexp(1.0 + v, 20));
        }
}

static void random_bits(void **state)
{
    (void)state;
    for (int i = 0; i < 1000000; i++) {
        uint64_t b = next();
        double v;
        memcpy(&v, &b, sizeof(v));
        check(v, 17);
        uint32_t b4 = (uint32_t)b;
        float f;
        memcpy(&f, &b4, sizeof(f));
        check((double)f, 9);
    }
}

static void random_human(void **state)
{
    (void)state;
    /* Values a trace holds: short decimals at every scale, and products of them. */
    for (int i = 0; i < 1000000; i++) {
        uint64_t r = next();
        double mant = (double)(r % 1000000u) / (double)(1u + (r >> 20) % 1000u);
        int e = (int)((r >> 40) % 60u) - 30;
        double v = mant * pow(10.0, e);
        both(v);
    }
    print_message("%lu values compared, %lu by the fast path\n", checked, fast);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(edge_values),
        cmocka_unit_test(random_bits),
        cmocka_unit_test(random_human),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

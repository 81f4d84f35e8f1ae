/* SPDX-License-Identifier: MIT */
/*
 * printf's "%.Pg" for a double, without printf, for the values a trace prints: the decoder
 * prints every float as "%.9g" and every double as "%.17g", and vsnprintf was most of the
 * cost of an event that holds one. The digits are exact: the value m * 2^q is scaled by a
 * power of ten in 128-bit integers with nothing lost, and rounded half to even on the exact
 * remainder, as glibc does in the default rounding mode. Where 128 bits cannot hold the
 * scaled value (magnitudes below about 1e-6 or above about 1e38, subnormals), and for inf
 * and nan, it returns 0 and the caller uses snprintf: the text is the same either way, which
 * tests/test_fmt_float.c checks against snprintf over edge and random values.
 */
#include <string.h>

#include "out.h"

#if defined(__SIZEOF_INT128__)

__extension__ typedef unsigned __int128 u128;

static unsigned bitlen128(u128 v)
{
    uint64_t hi = (uint64_t)(v >> 64), lo = (uint64_t)v;
    if (hi)
        return 128u - (unsigned)__builtin_clzll(hi);
    return lo ? 64u - (unsigned)__builtin_clzll(lo) : 0u;
}

static const uint64_t pow10_64[20] = {
    1u, 10u, 100u, 1000u, 10000u, 100000u, 1000000u, 10000000u, 100000000u, 1000000000u,
    10000000000u, 100000000000u, 1000000000000u, 10000000000000u, 100000000000000u,
    1000000000000000u, 10000000000000000u, 100000000000000000u, 1000000000000000000u,
    10000000000000000000u};

static u128 pow10_128(unsigned k) /* k <= 38 */
{
    return k < 20 ? pow10_64[k] : (u128)pow10_64[19] * pow10_64[k - 19];
}

/*
 * floor(m * 2^q * 10^k) into *quot, and how the dropped remainder compares with one half
 * (-1 below, 0 exactly half, 1 above; -1 when nothing is dropped). False when 128 bits do
 * not hold the computation.
 */
static bool scale(uint64_t m, int q, int k, u128 *quot, int *half)
{
    unsigned mb = 64u - (unsigned)__builtin_clzll(m);
    *half = -1;
    if (k > 38 || k < -38)
        return false;
    if (q >= 0) {
        if (mb + (unsigned)q > 127)
            return false;
        u128 n = (u128)m << q;
        if (k >= 0) {
            u128 p = pow10_128((unsigned)k);
            if (bitlen128(n) + bitlen128(p) > 128)
                return false;
            *quot = n * p;
            return true;
        }
        u128 d = pow10_128((unsigned)-k);
        u128 r = n % d;
        *quot = n / d;
        if (r) {
            u128 twice = r * 2; /* r < d < 2^127 */
            *half = twice < d ? -1 : twice == d ? 0 : 1;
        }
        return true;
    }
    if (k < 0 || q < -127)
        return false;
    u128 p = pow10_128((unsigned)k);
    if (mb + bitlen128(p) > 128)
        return false;
    u128 n = (u128)m * p;
    unsigned s = (unsigned)-q;
    u128 r = n & (((u128)1 << s) - 1);
    *quot = n >> s;
    if (r) {
        u128 h = (u128)1 << (s - 1);
        *half = r < h ? -1 : r == h ? 0 : 1;
    }
    return true;
}

size_t tyr__fmt_g(char *out, double v, int prec)
{
    if (prec < 1 || prec > 17)
        return 0;
    uint64_t bits;
    memcpy(&bits, &v, sizeof(bits));
    bool neg = bits >> 63;
    unsigned bexp = (unsigned)(bits >> 52) & 0x7ffu;
    uint64_t m = bits & (((uint64_t)1 << 52) - 1);
    size_t at = 0;
    if (neg)
        out[at++] = '-';
    if (bexp == 0x7ff || (bexp == 0 && m)) /* inf, nan, subnormal */
        return 0;
    if (bexp == 0) {
        out[at++] = '0';
        return at;
    }
    m |= (uint64_t)1 << 52;
    int q = (int)bexp - 1075;
    int tz = __builtin_ctzll(m);
    m >>= tz;
    q += tz;

    /* X, the decimal exponent: floor(log10 v), first guessed from the binary one. */
    int l2 = 63 - __builtin_clzll(m) + q;                         /* floor(log2 v) */
    int x = (int)(((int64_t)l2 * 78913) >> 18);                   /* floor(l2 * log10 2) */
    u128 lo = pow10_128((unsigned)prec - 1), hi = lo * 10, d;
    int half;
    for (int tries = 0;; tries++) {
        if (tries == 3 || !scale(m, q, prec - 1 - x, &d, &half))
            return 0;
        if (d >= hi)
            x++;
        else if (d < lo)
            x--;
        else
            break;
    }
    if (half > 0 || (half == 0 && (d & 1)))
        d++;
    if (d == hi) {
        d = lo;
        x++;
    }

    char dig[17];
    uint64_t dv = (uint64_t)d; /* < 10^17 */
    for (int i = prec; i-- > 0;) {
        dig[i] = (char)('0' + dv % 10);
        dv /= 10;
    }
    int nd = prec; /* digits left once trailing zeros go, as %g drops them */
    while (nd > 1 && dig[nd - 1] == '0')
        nd--;

    if (x < -4 || x >= prec) {
        out[at++] = dig[0];
        if (nd > 1) {
            out[at++] = '.';
            memcpy(out + at, dig + 1, (size_t)nd - 1);
            at += (size_t)nd - 1;
        }
        out[at++] = 'e';
        out[at++] = x < 0 ? '-' : '+';
        unsigned ax = (unsigned)(x < 0 ? -x : x);
        if (ax >= 100)
            out[at++] = (char)('0' + ax / 100);
        out[at++] = (char)('0' + ax / 10 % 10);
        out[at++] = (char)('0' + ax % 10);
        return at;
    }
    if (x >= 0) {
        int ni = x + 1; /* integer digits, <= prec */
        memcpy(out + at, dig, (size_t)ni);
        at += (size_t)ni;
        if (nd > ni) {
            out[at++] = '.';
            memcpy(out + at, dig + ni, (size_t)(nd - ni));
            at += (size_t)(nd - ni);
        }
        return at;
    }
    out[at++] = '0';
    out[at++] = '.';
    for (int i = 0; i < -x - 1; i++)
        out[at++] = '0';
    memcpy(out + at, dig, (size_t)nd);
    return at + (size_t)nd;
}

#else

size_t tyr__fmt_g(char *out, double v, int prec)
{
    (void)out;
    (void)v;
    (void)prec;
    return 0;
}

#endif

#include "prog.h"
int paint(struct canvas *c, enum colour col, painter p) { return p ? p(c, col) : (int)c->count; }
double total_area(const struct canvas *c, unsigned long n)
{
    double t = 0;
    for (unsigned long i = 0; i < n && i < c->count; i++)
        t += c->shapes[i].area;
    return t;
}
int main(void)
{
    struct shape s = {1, 2.0, "s"};
    struct canvas c = {&s, 1, 0, {3}};
    return paint(&c, RED, 0) + (int)total_area(&c, 1);
}

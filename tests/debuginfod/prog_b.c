#include "prog.h"
int stroke(struct canvas *c, const struct shape *s, enum colour col)
{
    return (int)c->count + s->kind + (int)col;
}
int main(void)
{
    struct shape s = {1, 2.0, "s"};
    struct canvas c = {&s, 1, 0, {3}};
    return stroke(&c, &s, BLUE);
}

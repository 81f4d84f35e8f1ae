/* SPDX-License-Identifier: MIT */
/* bench_aot's target: calls walk() on a two-node list every millisecond until killed. */
#include <time.h>

struct Node {
    struct Node *next;
    int val;
};

__attribute__((noinline, noclone, used)) int walk(struct Node *n)
{
    int sum = 0;
    for (; n; n = n->next)
        sum += n->val;
    return sum;
}

int main(void)
{
    struct Node b = {0, 2}, a = {&b, 1};
    volatile int sink = 0;
    for (;;) {
        sink += walk(&a);
        struct timespec ms = {0, 1000000};
        nanosleep(&ms, 0);
    }
}

/* Types shared by the two test programs, so that dwz -m moves them to the common file. */
struct shape {
    int kind;
    double area;
    const char *label;
};
struct canvas {
    struct shape *shapes;
    unsigned long count;
    struct canvas *parent;
    union {
        int width;
        float ratio;
    } u;
};
enum colour { RED, GREEN, BLUE };
typedef int (*painter)(struct canvas *c, enum colour col);

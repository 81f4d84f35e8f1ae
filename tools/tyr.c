/* SPDX-License-Identifier: MIT */
/* The tyr command: argument parsing and printing only; all logic lives in the library. */
#include <stdio.h>
#include <string.h>

#include "tyr/tyr.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: tyr [--help] [--version] COMMAND [ARGS]\n"
               "\n"
               "tyr: an arena-owned type registry for ahead-of-time tracing runtimes.\n");
}

int main(int argc, char **argv)
{
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        usage(stdout);
        return 0;
    }
    if (argc >= 2 && !strcmp(argv[1], "--version")) {
        printf("tyr %s\n", tyr_version_string());
        return 0;
    }
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    fprintf(stderr, "tyr: unknown command '%s' (see tyr --help)\n", argv[1]);
    return 2;
}

#include <stdio.h>
#include "commands.h"
int cmd_hash(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "vigie hash: not built yet\n");
    return VG_EXIT_USAGE;
}

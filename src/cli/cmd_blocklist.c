/*
 * vigie blocklist: the blocking list's addresses as members hash them
 * (Google Safe Browsing v4 rules, vigie/urlhash.h).
 *
 * Each subcommand is one function of the table below.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "vigie/urlhash.h"

static void blocklist_usage(FILE *out)
{
    fprintf(out,
            "usage: vigie blocklist canonicalize URL...\n"
            "\n"
            "canonicalize prints the canonical form of each URL, one line per URL in the\n"
            "order given, as the blocking list and its members compute it (the Safe\n"
            "Browsing v4 rules: docs/cli.md). A URL that has no canonical form (no host,\n"
            "a bad port, too long) gives an empty line and a message on stderr.\n"
            "Exit status: 0 every URL canonicalised, 1 some could not be, 2 usage.\n");
}

static int canonicalize(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        blocklist_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? VG_EXIT_USAGE : VG_EXIT_OK;
    }
    int failed = 0;
    for (int i = 1; i < argc; i++) {
        char *canonical = NULL;
        vg_error err;
        if (vg_urlhash_canonicalize(argv[i], strlen(argv[i]), &canonical, &err) != VG_OK) {
            fprintf(stderr, "vigie blocklist: %s: %s\n", argv[i], err.message);
            putchar('\n');
            failed = 1;
            continue;
        }
        printf("%s\n", canonical);
        free(canonical);
    }
    return failed ? VG_EXIT_PARTIAL : VG_EXIT_OK;
}

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
} subcommands[] = {
    {"canonicalize", canonicalize},
};

int cmd_blocklist(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        blocklist_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? VG_EXIT_USAGE : VG_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
        if (!strcmp(argv[1], subcommands[i].name))
            return subcommands[i].run(argc - 1, argv + 1);
    blocklist_usage(stderr);
    return VG_EXIT_USAGE;
}

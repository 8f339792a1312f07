/* vigie: dispatch "vigie COMMAND ARGS..." to the command's own file. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "vigie/vigie.h"

static const vg_command commands[] = {
    {"hash", "digests and PDQ of files and directories", cmd_hash},
    {"index", "build and maintain hash bank indexes", cmd_index},
    {"bank", "hash lists in other formats, signed lists, NCMEC and StopNCII, from files", cmd_bank},
    {"match", "look up hashes in an index", cmd_match},
    {"scan", "which files are known to an index", cmd_scan},
    {"lookup", "where addresses are hosted and who takes abuse notices", cmd_lookup},
    {"referral", "check referral packages; the hotline's signing key", cmd_referral},
    {"serve", "run the hotline server", cmd_serve},
    {"admin", "accounts and partner API keys of the server", cmd_admin},
    {"audit", "verify the server's audit log", cmd_audit},
    {"stats", "the hotline's figures by period and dimension", cmd_stats},
    {"migrate", "copy a hotline's database from SQLite to PostgreSQL", cmd_migrate},
    {"blocklist", "the blocking list's addresses as members hash them", cmd_blocklist},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: vigie COMMAND [OPTIONS] [ARGS]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n'vigie COMMAND --help' describes a command. "
                 "Exit status: 0 success, 1 some inputs failed, 2 usage error.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return VG_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (!strcmp(name, "--help") || !strcmp(name, "-h") || !strcmp(name, "help")) {
        usage(stdout);
        return VG_EXIT_OK;
    }
    if (!strcmp(name, "--version") || !strcmp(name, "version")) {
        printf("vigie %s\n", vg_version());
        return VG_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(name, commands[i].name))
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "vigie: unknown command '%s'\n", name);
    usage(stderr);
    return VG_EXIT_USAGE;
}

/*
 * src/cli/cmd_migrate.c - vigie migrate: a hotline's database from SQLite
 * to PostgreSQL (store/copy.h).
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "store/copy.h"

static void migrate_usage(FILE *out)
{
    fprintf(out, "usage: vigie migrate --from sqlite:DIR --to postgresql://USER@HOST:PORT/DB\n"
                 "\n"
                 "Copies the whole database of the data directory DIR (reports, cases, console\n"
                 "state, accounts, partner keys, sessions, the audit chain) into an empty\n"
                 "PostgreSQL database, in one transaction: it is all there or not at all. Stop\n"
                 "the server first. Keys and the evidence vault stay in DIR: serve with\n"
                 "--data-dir DIR --database URL afterwards, and check the copy with\n"
                 "vigie audit verify --data-dir DIR --database URL (docs/storage.md).\n"
                 "\n"
                 "Prints \"copied T tables, R rows\". Exit 0 on success, 2 when nothing was\n"
                 "copied (the reason on stderr).\n");
}

int cmd_migrate(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"from", required_argument, NULL, 'f'},
        {"to", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *from = NULL, *to = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:t:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'f': from = optarg; break;
        case 't': to = optarg; break;
        case 'h': migrate_usage(stdout); return VG_EXIT_OK;
        default: migrate_usage(stderr); return VG_EXIT_USAGE;
        }
    }
    if (optind != argc || !from || !to || strncmp(from, "sqlite:", 7) != 0 || !from[7]) {
        migrate_usage(stderr);
        return VG_EXIT_USAGE;
    }
    vg_error err;
    vg_store_copy_stats stats;
    if (vg_store_copy(from + 7, to, &stats, &err) != VG_OK) {
        fprintf(stderr, "vigie migrate: %s\n", err.message);
        return VG_EXIT_USAGE;
    }
    printf("copied %u tables, %" PRId64 " rows\n", stats.tables, stats.rows);
    return VG_EXIT_OK;
}

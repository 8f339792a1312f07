/*
 * vigie blocklist: the blocking list's addresses as members hash them
 * (Google Safe Browsing v4 rules, vigie/urlhash.h), and a member's check of
 * addresses against a hotline's list (vigie/blclient.h).
 *
 * Each subcommand is one function of the table below.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "util/table.h"
#include "vigie/blclient.h"
#include "vigie/urlhash.h"

static void blocklist_usage(FILE *out)
{
    fprintf(out,
            "usage: vigie blocklist canonicalize URL...\n"
            "       vigie blocklist check --server URL --key KEY [--state FILE]\n"
            "                             [--format csv|json] URL...\n"
            "\n"
            "canonicalize prints the canonical form of each URL, one line per URL in the\n"
            "order given, as the blocking list and its members compute it (the Safe\n"
            "Browsing v4 rules: docs/cli.md). A URL that has no canonical form (no host,\n"
            "a bad port, too long) gives an empty line and a message on stderr.\n"
            "Exit status: 0 every URL canonicalised, 1 some could not be, 2 usage.\n"
            "\n"
            "check brings the member's prefix set up to date with the hotline's server\n"
            "(the whole set the first time, then only the update since the version kept\n"
            "in --state), then prints url,listed,expression for each URL in order: listed\n"
            "is yes, no or error; expression is the listed expression (host/path) of a\n"
            "listed URL. No readable URL of the list is ever received.\n"
            "Exit status: 0 every URL checked (listed or not: read the listed column),\n"
            "1 some could not be checked or the list could not be updated, 2 usage.\n");
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

/* The environment variable lifting the https and public-address rules,
 * for tests against a server on loopback. */
#define TEST_ALLOW_LOCAL "VIGIE_BLOCKLIST_TEST_ALLOW_LOCAL"

static int check(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"server", required_argument, NULL, 's'},
        {"key", required_argument, NULL, 'k'},
        {"state", required_argument, NULL, 'f'},
        {"format", required_argument, NULL, 'F'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *server = NULL, *key = NULL, *state_path = NULL;
    vg_table_format format = VG_TABLE_CSV;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "s:k:f:F:h", longopts, NULL)) != -1) {
        switch (c) {
        case 's': server = optarg; break;
        case 'k': key = optarg; break;
        case 'f': state_path = optarg; break;
        case 'F':
            if (!vg_table_parse_format(optarg, &format)) {
                fprintf(stderr, "vigie blocklist: --format is csv or json\n");
                return VG_EXIT_USAGE;
            }
            break;
        case 'h': blocklist_usage(stdout); return VG_EXIT_OK;
        default: blocklist_usage(stderr); return VG_EXIT_USAGE;
        }
    }
    if (!server || !key || optind >= argc) {
        blocklist_usage(stderr);
        return VG_EXIT_USAGE;
    }
    const char *local = getenv(TEST_ALLOW_LOCAL);
    vg_blclient_options options = {.server = server, .key = key,
                                   .allow_local = local && !strcmp(local, "1")};
    if (options.allow_local)
        fprintf(stderr, "vigie blocklist: " TEST_ALLOW_LOCAL " is set: plain http and local "
                        "addresses are allowed (tests only)\n");
    vg_blclient *client = NULL;
    vg_error err;
    if (vg_blclient_new(&options, &client, &err) != VG_OK) {
        fprintf(stderr, "vigie blocklist: %s\n", err.message);
        return VG_EXIT_USAGE;
    }
    bool missing = false;
    if (state_path && vg_blclient_load(client, state_path, &missing, &err) != VG_OK && !missing)
        /* the state is only a copy of the server's list: a damaged one
         * costs a full download, not the check */
        fprintf(stderr, "vigie blocklist: %s; downloading the whole list\n", err.message);
    vg_blclient_update_info info;
    if (vg_blclient_update(client, &info, &err) != VG_OK) {
        fprintf(stderr, "vigie blocklist: the list could not be updated: %s\n", err.message);
        vg_blclient_free(client);
        return VG_EXIT_PARTIAL;
    }
    fprintf(stderr,
            "vigie blocklist: version %" PRId64 " (from %" PRId64 "), %s: %zu added, %zu "
            "removed, %zu prefixes, %zu bytes%s\n",
            info.version, info.from_version, info.reset ? "whole list" : "update", info.added,
            info.removed, info.count, info.bytes,
            info.checksum_reset ? " (the update did not match its checksum)" : "");
    int failed = 0;
    if (state_path && vg_blclient_save(client, state_path, &err) != VG_OK) {
        fprintf(stderr, "vigie blocklist: %s\n", err.message);
        failed = 1;
    }
    static const char *const columns[] = {"url", "listed", "expression"};
    vg_table table;
    vg_table_init(&table, stdout, format, columns, 3);
    vg_table_header(&table);
    for (int i = optind; i < argc; i++) {
        vg_blclient_verdict v;
        vg_status st = vg_blclient_check(client, argv[i], strlen(argv[i]), &v, &err);
        vg_table_string(&table, argv[i]);
        if (st != VG_OK) {
            fprintf(stderr, "vigie blocklist: %s: %s\n", argv[i], err.message);
            failed = 1;
            vg_table_string(&table, "error");
            vg_table_null(&table);
        } else {
            vg_table_string(&table, v.listed ? "yes" : "no");
            vg_table_string(&table, v.expression);
        }
        vg_table_end_row(&table);
        vg_blclient_verdict_clear(&v);
    }
    vg_blclient_free(client);
    return failed ? VG_EXIT_PARTIAL : VG_EXIT_OK;
}

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
} subcommands[] = {
    {"canonicalize", canonicalize},
    {"check", check},
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

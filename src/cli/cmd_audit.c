/*
 * vigie audit verify: check the audit log's hash chain.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "hotline/audit.h"
#include "hotline/hotline.h"

static void audit_usage(FILE *out)
{
    fprintf(out, "usage: vigie audit verify (--data-dir DIR | --database URL | --config FILE)\n"
                 "\n"
                 "Checks every entry of the audit log against its hash and the previous\n"
                 "entry. Exit 0 when the chain holds; otherwise names the first entry that\n"
                 "was altered or removed and exits 1 (2 for a usage or storage error).\n");
}

int cmd_audit(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"data-dir", required_argument, NULL, 'd'},
        {"database", required_argument, NULL, 'D'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *config = NULL, *data_dir = NULL, *database = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:d:D:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'c': config = optarg; break;
        case 'd': data_dir = optarg; break;
        case 'D': database = optarg; break;
        case 'h': audit_usage(stdout); return VG_EXIT_OK;
        default: audit_usage(stderr); return VG_EXIT_USAGE;
        }
    }
    if (optind != argc - 1 || strcmp(argv[optind], "verify") != 0) {
        audit_usage(stderr);
        return VG_EXIT_USAGE;
    }
    vg_error err;
    vg_config *cfg = NULL;
    vg_store *store = NULL;
    if (vg_config_for_command(config, data_dir, database, NULL, &cfg, &err) != VG_OK ||
        vg_hotline_open_store(cfg, &store, &err) != VG_OK) {
        fprintf(stderr, "vigie audit: %s\n", err.message);
        vg_config_free(cfg);
        return VG_EXIT_USAGE;
    }
    vg_config_free(cfg);
    int ok = 0;
    char *problem = NULL;
    int64_t entries = 0;
    vg_status st = vg_hotline_audit_verify(store, &ok, &problem, &entries, &err);
    vg_store_close(store);
    if (st != VG_OK) {
        fprintf(stderr, "vigie audit: %s\n", err.message);
        return VG_EXIT_USAGE;
    }
    if (!ok) {
        printf("audit chain broken: %s\n", problem ? problem : "unknown problem");
        free(problem);
        return VG_EXIT_PARTIAL;
    }
    printf("audit chain holds: %" PRId64 " entries\n", entries);
    return VG_EXIT_OK;
}

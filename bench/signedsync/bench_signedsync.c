/*
 * bench/signedsync/bench_signedsync.c - one pass of the server's
 * synchronised sources (hotline/syncing.h), as the bank_sync job runs
 * it, in a process of its own so that bench/signedsync/run measures its
 * time and peak memory: open the hotline of CONFIG, run the sources due at
 * NOW, print what the pass did as one JSON line. Exit 0 when every source
 * succeeded, 1 when one failed, 2 on a usage error.
 *
 * usage: vg-bench-signedsync CONFIG NOW
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hotline/hotline.h"
#include "hotline/syncing.h"
#include "util/config.h"

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: vg-bench-signedsync CONFIG NOW\n");
        return 2;
    }
    vg_error err;
    vg_config *cfg = NULL;
    vg_hotline *h = NULL;
    vg_hotline_options options = {.with_evidence = 1}; /* the synchronised sources */
    if (vg_config_new(&cfg, &err) != VG_OK || vg_config_load(cfg, argv[1], &err) != VG_OK ||
        vg_hotline_open(cfg, &options, &h, &err) != VG_OK) {
        fprintf(stderr, "vg-bench-signedsync: %s\n", err.message);
        vg_config_free(cfg);
        return 2;
    }
    vg_sync_pass pass;
    vg_status st = vg_hotline_sync_run(h, strtoll(argv[2], NULL, 10), &pass, &err);
    if (st != VG_OK)
        fprintf(stderr, "vg-bench-signedsync: %s\n", err.message);
    else if (pass.failed)
        fprintf(stderr, "vg-bench-signedsync: %s\n", pass.first_failure);
    vg_sync_status *rows = NULL;
    size_t n = 0;
    int64_t version = 0;
    if (st == VG_OK && vg_hotline_sync_statuses(h, &rows, &n, &err) == VG_OK && n)
        version = rows[0].version;
    vg_sync_statuses_free(rows, n);
    printf("{\"ran\": %zu, \"failed\": %zu, \"added\": %" PRIu64 ", \"withdrawn\": %" PRIu64
           ", \"version\": %" PRId64 "}\n",
           pass.ran, pass.failed, pass.added, pass.withdrawn, version);
    vg_hotline_free(h);
    vg_config_free(cfg);
    return st == VG_OK && !pass.failed ? 0 : 1;
}

/*
 * bench/signedsync/bench_signedsync.c - one pass of the server's
 * synchronised sources (hotline/syncing.h), as the bank_sync job runs
 * it, in a process of its own so that bench/signedsync/run measures its
 * time and peak memory: open the hotline of CONFIG, run the sources due at
 * NOW, print what the pass did as one JSON line. Exit 0 when every source
 * succeeded, 1 when one failed, 2 on a usage error.
 *
 * While the pass runs, a thread of the same process writes to the store
 * as public intake does (a small write transaction every 20 ms, queued
 * behind the pass's own as the server's are): the JSON line gives how
 * many committed and the longest one took ("intake_max_s").
 *
 * usage: vg-bench-signedsync CONFIG NOW
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hotline/hotline.h"
#include "hotline/syncing.h"
#include "store/store.h"
#include "util/config.h"

typedef struct intake_probe {
    vg_store *store;
    atomic_int stop;
    uint64_t writes;
    double max_s;
} intake_probe;

static double seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static vg_status probe_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    char value[32];
    snprintf(value, sizeof value, "%" PRIu64, *(uint64_t *)ctx);
    return vg_tx_setting_set(tx, "bench-intake-probe", value, err);
}

static void *probe_main(void *arg)
{
    intake_probe *p = arg;
    while (!atomic_load(&p->stop)) {
        double t = seconds();
        if (vg_store_write(p->store, probe_tx, &p->writes, NULL) == VG_OK) {
            double took = seconds() - t;
            p->writes++;
            if (took > p->max_s)
                p->max_s = took;
        }
        nanosleep(&(struct timespec){0, 20 * 1000 * 1000}, NULL);
    }
    return NULL;
}

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
    intake_probe probe = {.store = h->store};
    pthread_t probe_thread;
    int probing = pthread_create(&probe_thread, NULL, probe_main, &probe) == 0;
    vg_status st = vg_hotline_sync_run(h, strtoll(argv[2], NULL, 10), &pass, &err);
    atomic_store(&probe.stop, 1);
    if (probing)
        pthread_join(probe_thread, NULL);
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
           ", \"version\": %" PRId64 ", \"intake_writes\": %" PRIu64
           ", \"intake_max_s\": %.3f}\n",
           pass.ran, pass.failed, pass.added, pass.withdrawn, version, probe.writes, probe.max_s);
    vg_hotline_free(h);
    vg_config_free(cfg);
    return st == VG_OK && !pass.failed ? 0 : 1;
}

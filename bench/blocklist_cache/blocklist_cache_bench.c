/*
 * bench/blocklist_cache/blocklist_cache_bench.c - what the cache of prefix
 * sets (src/hotline/blocklist_cache.c) saves the members' updates
 * (GET /api/v1/blocklist/prefixes), against the path without it in the
 * same run.
 *
 *   vg-blocklist-cache-bench DIR ENTRIES ROUNDS
 *
 * Lists ENTRIES URLs (in batches of 10,000, a version each) on a SQLite
 * store in DIR, then ten versions of 100 changes each (50 removed, 50
 * added). Times ROUNDS updates each way: from ten versions back (a member
 * that polls) and from 0 (a new member: the whole set). Prints CSV;
 * asserts nothing.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hotline/blocklist_feed.h"
#include "model/vocab.h"
#include "store/blocklist.h"

#define BATCH 10000
#define CHANGE_VERSIONS 10
#define CHANGES_EACH 100

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Entries [first, first + add) listed and ids [remove_from, remove_from +
 * remove) removed, in one version. */
typedef struct change {
    int64_t first, add, remove_from, remove;
} change;

static vg_status change_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    const change *c = ctx;
    int64_t version = 0;
    vg_status st = vg_tx_blocklist_version_next(tx, &version, err);
    for (int64_t i = c->first; st == VG_OK && i < c->first + c->add; i++) {
        char target[96];
        snprintf(target, sizeof target, "http://listed%" PRId64 ".example/page/%" PRId64 ".html",
                 i % 997, i);
        vg_block_entry e = {.target = target, .kind = VG_BLOCK_KIND_URL, .route_id = i + 1,
                            .report_id = i + 1, .proposed_by = "ann", .proposed_at = 1,
                            .approved_by = "sam", .approved_at = 2, .legal_basis = "Art. 1",
                            .category = "image_video", .starts_at = 2,
                            .expires_at = 4000000000, .review_at = 4000000000,
                            .state = VG_BLOCK_LISTED, .listed_version = version};
        st = vg_tx_block_put(tx, &e, NULL, err);
    }
    for (int64_t id = c->remove_from; st == VG_OK && id < c->remove_from + c->remove; id++) {
        vg_block_filter f = {.id = id};
        vg_block_entry *rows = NULL;
        size_t n = 0;
        st = vg_tx_blocks(tx, &f, 1, &rows, &n, err);
        if (st == VG_OK && n == 1) {
            free(rows[0].state);
            rows[0].state = strdup(VG_BLOCK_REMOVED);
            rows[0].removed_at = 3;
            rows[0].removed_version = version;
            st = rows[0].state ? vg_tx_block_put(tx, &rows[0], NULL, err)
                               : vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        }
        vg_block_entries_free(rows, n);
    }
    return st;
}

/* Seconds for rounds updates from since, cached or not. */
static double time_updates(vg_hotline *h, int cached, int64_t since, int rounds,
                           vg_block_update *last)
{
    vg_error err;
    double t0 = now_s();
    for (int i = 0; i < rounds; i++) {
        vg_block_update_clear(last);
        vg_status st = cached ? vg_hotline_block_update(h, since, last, &err)
                              : vg_hotline_block_update_uncached(h, since, last, &err);
        if (st != VG_OK) {
            fprintf(stderr, "update: %s\n", err.message);
            exit(1);
        }
    }
    return now_s() - t0;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: vg-blocklist-cache-bench DIR ENTRIES ROUNDS\n");
        return 2;
    }
    int64_t entries = atoll(argv[2]);
    int rounds = atoi(argv[3]);
    if (entries < 1000 || rounds < 1) {
        fprintf(stderr, "ENTRIES: at least 1000; ROUNDS: at least 1\n");
        return 2;
    }
    char text[600];
    snprintf(text, sizeof text, "data_dir = %s\nblocklist.cache_versions = 8\n", argv[1]);
    vg_config *cfg = NULL;
    vg_hotline *h = NULL;
    vg_error err;
    if (vg_config_new(&cfg, &err) != VG_OK ||
        vg_config_parse(cfg, text, strlen(text), "bench", &err) != VG_OK ||
        vg_hotline_open(cfg, NULL, &h, &err) != VG_OK) {
        fprintf(stderr, "%s\n", err.message);
        return 2;
    }
    vg_config_free(cfg);
    double t0 = now_s();
    for (int64_t first = 0; first < entries; first += BATCH) {
        change c = {first, entries - first < BATCH ? entries - first : BATCH, 0, 0};
        if (vg_store_write(h->store, change_tx, &c, &err) != VG_OK) {
            fprintf(stderr, "listing: %s\n", err.message);
            return 2;
        }
    }
    int64_t polled_from = 0;
    vg_block_update u = {0};
    if (vg_hotline_block_update_uncached(h, 0, &u, &err) != VG_OK) {
        fprintf(stderr, "%s\n", err.message);
        return 2;
    }
    polled_from = u.version;
    for (int v = 0; v < CHANGE_VERSIONS; v++) {
        change c = {entries + v * CHANGES_EACH / 2, CHANGES_EACH / 2,
                    1 + v * CHANGES_EACH / 2, CHANGES_EACH / 2};
        if (vg_store_write(h->store, change_tx, &c, &err) != VG_OK) {
            fprintf(stderr, "changing: %s\n", err.message);
            return 2;
        }
    }
    fprintf(stderr, "listed %" PRId64 " entries and %d changes in %.1f s\n", entries,
            CHANGE_VERSIONS * CHANGES_EACH, now_s() - t0);

    printf("entries,since,update_prefixes,rounds,uncached_ms,cached_first_ms,cached_ms,"
           "ratio_uncached_to_cached\n");
    const int64_t froms[] = {polled_from, 0};
    for (size_t i = 0; i < 2; i++) {
        vg_block_update_clear(&u);
        double plain = time_updates(h, 0, froms[i], rounds, &u) / rounds;
        size_t size = u.added_count + u.removed_count;
        double first = time_updates(h, 1, froms[i], 1, &u); /* a miss: read and kept */
        double cached = time_updates(h, 1, froms[i], rounds, &u) / rounds;
        printf("%" PRId64 ",%" PRId64 ",%zu,%d,%.3f,%.3f,%.3f,%.1f\n", entries, froms[i], size,
               rounds, plain * 1e3, first * 1e3, cached * 1e3, plain / cached);
    }
    vg_block_update_clear(&u);
    vg_hotline_free(h);
    return 0;
}

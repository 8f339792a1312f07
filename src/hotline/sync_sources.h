/*
 * src/hotline/sync_sources.h - the synchronised banks' sources as the
 * configuration gives them (sync_sources.c reads them; syncing.c runs
 * them). Private to those two files (and tests/jobs/test_sync.c, which
 * stores lists a few lines a transaction and fails a run half-way).
 */
#ifndef VIGIE_HOTLINE_SYNC_SOURCES_H
#define VIGIE_HOTLINE_SYNC_SOURCES_H

#include <stddef.h>
#include <stdint.h>

#include "vigie/hashsync.h"
#include "vigie/signedlist.h"

#define MAX_SOURCES 16

typedef struct sync_source {
    char name[65];
    char bank[65];
    vg_sync_source kind;
    char *url, *username, *password, *subscription_key, *function_key, *ca_file;
    int64_t period_seconds;
    vg_signed_keyring *keyring; /* signed: the publisher keys trusted (sync.NAME.keyring) */
} sync_source;

struct vg_syncing {
    sync_source sources[MAX_SOURCES];
    size_t count;
    int allow_private; /* sync.allow_private: tests against a fake service only */
    /* A signed list stored whole (a new generation, store/signed_lists.h)
     * goes in transactions of at most this many lines (and a few MiB):
     * another writer (public intake) waits for one of them, never for the
     * whole list. A change of more lines than this is stored that way
     * too; a smaller one in the run's own transaction. */
    size_t lines_per_commit;
    /* Tests only (NULL otherwise): called after each of those transactions
     * commits, with the lines stored so far; a failure stops the run there
     * as a crash would. */
    vg_status (*after_lines_commit)(void *ctx, uint64_t lines, vg_error *err);
    void *after_lines_ctx;
};

#endif

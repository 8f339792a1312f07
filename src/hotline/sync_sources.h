/*
 * src/hotline/sync_sources.h - the synchronised banks' sources as the
 * configuration gives them (sync_sources.c reads them; syncing.c runs
 * them). Private to those two files.
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
};

#endif

/*
 * src/hotline/syncing.h - banks of the server's index kept in step with a
 * hash sharing service (NCMEC's hash sharing API v2, StopNCII's
 * FetchHashes: vigie/hashsync.h), on a schedule (the "bank_sync" job).
 *
 * Each source is configured as sync.NAME.* (docs/exchange.md): the
 * service, its URL, its credentials in files of their own, the bank of the
 * index it fills (its own: nothing else writes there) and its period. Its
 * state is kept in the store (the setting "sync:NAME"), so that every node
 * and a restart resume from it: the service's checkpoint (every change up
 * to that time is in the bank), when it last ran and succeeded, what it
 * added and withdrew, and its last error.
 *
 * A run fetches what changed since the checkpoint into a directory of its
 * own beside the index (INDEX.sync-NAME.work), and only once the whole
 * range is fetched changes the index:
 * the ids that changed leave the bank, their latest additions come back.
 * Then one transaction forgets the withdrawn entries' matches and puts back
 * to the queue what they alone decided (assessment.h), keeps the new
 * checkpoint and the figures, and audits "bank.sync" (actor "sync:NAME").
 * A run that fails keeps the last checkpoint and records the error; when
 * it stopped after some pages of its range, the next run on the same node
 * resumes at the page it stopped on (the service's checkpoint and journal
 * stay in that directory), else it fetches the range again (applying it
 * twice gives the same bank). The index is a file outside the store's transaction (as for the
 * administration's imports, bank_admin.h): its change happens first, and
 * is idempotent, so a transaction that fails after it is made good by the
 * next run.
 *
 * A partner hotline's signed list (source "signed", vigie/signedlist.h) is
 * fetched from its URL: URL.sig first; when it names the version already
 * verified, nothing else is fetched. Otherwise the delta from that version
 * (URL.delta.V with URL.delta.V.sig) when the publisher offers it and the
 * last verified list is at hand, the whole list (URL) when not. Either is
 * verified against the keys of sync.NAME.keyring (and must be the same
 * publisher's same list, never an older version) before anything changes;
 * the entries that changed are the difference between the last verified
 * list and the new one. The last verified list lives in the store (its
 * lines, store/signed_lists.h: a small change in the run's transaction, a
 * whole list as a new generation a few thousand lines a transaction before
 * it, which the run's transaction switches to; its header, hash and
 * generation in the state), so that any node applies the next delta:
 * a node's copy beside the index (INDEX.sync-NAME.list and its .sig) is
 * used when it is the version the state names, else rebuilt from the
 * store. Files are fetched to disk and compared in files: memory does not
 * grow with the list. A list that does not verify is the run's error.
 */
#ifndef VIGIE_HOTLINE_SYNCING_H
#define VIGIE_HOTLINE_SYNCING_H

#include "hotline/hotline.h"

/* Read sync.* from cfg: h->syncing stays NULL when no source is
 * configured. Credentials are read from their files now. */
vg_status vg_hotline_syncing_open(vg_hotline *h, vg_config *cfg, vg_error *err);
void vg_hotline_syncing_free(vg_hotline *h);

/* A source as the administration's banks page shows it. Strings owned. */
typedef struct vg_sync_status {
    char *name, *source, *url, *bank;
    int64_t period_seconds;
    int64_t last_run, last_success, next_run; /* 0: never */
    int64_t done_until;                       /* the checkpoint: changes up to then are in */
    int64_t added, withdrawn, reopened;       /* since the first run */
    int64_t last_added, last_withdrawn;       /* by the last run that succeeded */
    char *last_error;                         /* the last run's, or NULL when it succeeded */
    /* A signed list: the last version verified (0: none yet), its
     * publisher and list names and the publisher's Ed25519 public key as
     * the keyring writes it (64 hex digits); NULL for the services. */
    int64_t version;
    char *publisher, *list, *key;
} vg_sync_status;
void vg_sync_statuses_free(vg_sync_status *rows, size_t count);

/* Every configured source with its state, in configuration order; *rows
 * malloc'd (NULL and 0 when none is configured). */
vg_status vg_hotline_sync_statuses(vg_hotline *h, vg_sync_status **rows, size_t *count,
                                   vg_error *err);

/* What one pass did. */
typedef struct vg_sync_pass {
    size_t ran, failed;
    uint64_t added, withdrawn, reopened;
    char first_failure[300];
} vg_sync_pass;

/* Run every source due at now (its period since its last run). The caller
 * holds the job's lease (jobs/jobs.c): one node at a time. A source that
 * fails is counted and recorded; the others still run. */
vg_status vg_hotline_sync_run(vg_hotline *h, int64_t now, vg_sync_pass *pass, vg_error *err);

#endif

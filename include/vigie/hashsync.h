/*
 * vigie/hashsync.h - keeping a bank in step with a hash sharing service.
 *
 * Two services are spoken, as clients:
 *
 *   NCMEC hash sharing API v2: GET {base}/v2/status (who we are),
 *   GET {base}/v2/entries?from=&to= paged by the <next> each page gives
 *   (entries added, changed or deleted in that time range), feedback on a
 *   fingerprint (PUT {base}/v2/entries/{member}/{id}/{MD5|SHA1|PDQ}/feedback)
 *   and the reasons for negative feedback; HTTP Basic credentials.
 *
 *   StopNCII FetchHashes: GET {base}/FetchHashes?startTimestamp=&pageSize=
 *   [&nextPageToken=], paged until hasMoreRecords is false; hashStatus
 *   Withdrawn or Deleted removes the hash. Subscription and function keys.
 *
 * vg_sync_bank runs one synchronisation: it fetches what changed since the
 * checkpoint, appending each page to a journal (fsynced) and saving the
 * checkpoint after each page, so an interrupted run resumes at the page it
 * stopped on (or restarts its range when the service's cursor has expired).
 * Once a range is complete the journal is applied to the bank: an entry
 * that changed replaces all rows of its id, a withdrawn or deleted one
 * leaves, and each is reported through on_change. The bank is rewritten
 * atomically, then the checkpoint advances; replaying an application after
 * a crash gives the same bank.
 *
 * Safety: only https unless allow_plain_http; addresses that are loopback,
 * private, link-local or otherwise not public are refused when connecting
 * (after name resolution, so a name cannot point inside) unless
 * allow_private_addresses; no redirects are followed; an NCMEC <next> must
 * be a path on the same service; responses are bounded. Both allowances
 * exist for tests against a local fake server only.
 */
#ifndef VIGIE_HASHSYNC_H
#define VIGIE_HASHSYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vigie/error.h"
#include "vigie/exchange.h"

#ifdef __cplusplus
extern "C" {
#endif

/* VG_SYNC_SIGNED: a partner hotline's signed list (vigie/signedlist.h)
 * published at a URL; the client only fetches its files
 * (vg_sync_fetch_file), vg_sync_bank does not run it. */
typedef enum vg_sync_source { VG_SYNC_NCMEC = 0, VG_SYNC_STOPNCII, VG_SYNC_SIGNED } vg_sync_source;

/* "ncmec", "stopncii", "signed". */
const char *vg_sync_source_name(vg_sync_source source);
vg_status vg_sync_source_parse(const char *name, vg_sync_source *out);

typedef struct vg_sync_http_options {
    long timeout_seconds;      /* per request */
    size_t max_response_bytes;
    uint64_t max_file_bytes;   /* vg_sync_fetch_file: written to disk as it arrives */
    unsigned retries;          /* GETs retried after 429, 5xx or a failed connection */
    unsigned retry_delay_ms;   /* the first wait, doubled each time */
    const char *ca_file;       /* NULL: the system's certificate authorities */
    /* Test-only: reach loopback and private addresses, and speak plain HTTP. */
    bool allow_private_addresses;
    bool allow_plain_http;
} vg_sync_http_options;

typedef struct vg_sync_config {
    vg_sync_source source;
    /* ncmec: e.g. https://report.cybertip.org/hashsharing (the v2 paths
     * are appended); stopncii: e.g. https://api.stopncii.org/v1 */
    const char *base_url;
    const char *username, *password;       /* ncmec */
    const char *subscription_key;          /* stopncii: Ocp-Apim-Subscription-Key */
    const char *fetch_function_key;        /* stopncii: x-functions-key of FetchHashes */
    unsigned page_size;                    /* stopncii pageSize; 0: 800 */
    vg_sync_http_options http;
} vg_sync_config;

/* Defaults: 60 s per request, 256 MiB per answer, 64 GiB per file
 * (vg_sync_fetch_file), 3 retries from 500 ms,
 * 800 records a StopNCII page; everything else empty. */
void vg_sync_config_init(vg_sync_config *config, vg_sync_source source);

typedef struct vg_sync_client vg_sync_client;

/* The configuration is copied. */
vg_status vg_sync_client_new(const vg_sync_config *config, vg_sync_client **out, vg_error *err);
void vg_sync_client_free(vg_sync_client *client);

/* ---- NCMEC only ---------------------------------------------------------------- */

typedef struct vg_sync_ncmec_member {
    char id[24];
    char name[256];
} vg_sync_ncmec_member;

/* GET /v2/status: the member these credentials act for. */
vg_status vg_sync_ncmec_status(vg_sync_client *client, vg_sync_ncmec_member *out,
                               vg_error *err);

/* GET /v2/feedback/{fingerprint}/reasons: each negative feedback reason. */
vg_status vg_sync_ncmec_feedback_reasons(vg_sync_client *client, const char *fingerprint,
                                         void (*on_reason)(void *ctx, const char *guid,
                                                           const char *name),
                                         void *ctx, vg_error *err);

/* PUT /v2/entries/{member_id}/{entry_id}/{fingerprint}/feedback:
 * affirmative, or negative with a reason guid (from the list above).
 * fingerprint is MD5, SHA1 or PDQ (any case). */
vg_status vg_sync_ncmec_feedback(vg_sync_client *client, const char *member_id,
                                 const char *entry_id, const char *fingerprint, bool affirmative,
                                 const char *reason_guid, vg_error *err);

/* ---- signed lists (VG_SYNC_SIGNED) ------------------------------------------------ */

/* GET base_url + suffix ("" for the base itself) into a new file at path
 * (created, mode 0600), written as it arrives (a list of any length in
 * constant memory): *missing is set, and nothing left, when the publisher
 * answers 404 or 410. The file is bounded by http.max_file_bytes; other
 * statuses are errors. */
vg_status vg_sync_fetch_file(vg_sync_client *client, const char *suffix, const char *path,
                             bool *missing, vg_error *err);

/* ---- checkpoints ------------------------------------------------------------ */

typedef struct vg_sync_checkpoint {
    vg_sync_source source;
    /* Every change up to this time (the service's, in seconds) is in the
     * bank: the next run starts there. */
    int64_t done_until;
    /* The range being fetched: ncmec from..to; stopncii from the start
     * timestamp to the nextSetTimestamp the last page gave. */
    int64_t range_from, range_to;
    bool in_range;
    /* The cursor to the next page ("" at the start of the range), and when
     * it was received: cursors expire. */
    char cursor[4096];
    int64_t cursor_time;
    /* The journal's records (entries) and length when this was saved: a
     * page half-written before a crash is cut off on resumption. */
    uint64_t journal_records;
    uint64_t journal_bytes;
    /* The whole range is in the journal; it remains to be applied. */
    bool fetched;
} vg_sync_checkpoint;

/* A missing file gives a fresh checkpoint (everything from the start). */
vg_status vg_sync_checkpoint_load(const char *path, vg_sync_source source,
                                  vg_sync_checkpoint *out, vg_error *err);
vg_status vg_sync_checkpoint_save(const char *path, const vg_sync_checkpoint *cp, vg_error *err);

/* ---- synchronising a bank ---------------------------------------------------------- */

typedef struct vg_sync_options {
    int64_t now;   /* the time of the run, seconds; 0: the clock */
    /* ncmec: the end of the range to fetch; 0: now minus 5 seconds (the
     * last seconds may still be written to) */
    int64_t until;
    /* Stop after this many pages (0: none); the run resumes from the
     * checkpoint later. */
    uint64_t max_pages;
    /* A cursor older than this is not used (0: 12 hours, as NCMEC advises). */
    int64_t cursor_lifetime;
    bool skip_bad; /* keep going past records that cannot be read */
} vg_sync_options;

typedef struct vg_sync_callbacks {
    /* Each change applied to the bank: the latest state of an entry added
     * or changed (one call per signal), or its removal. May be NULL. */
    vg_status (*on_change)(void *ctx, const vg_exchange_record *record, vg_error *err);
    void (*on_bad)(void *ctx, uint64_t page, uint64_t position, const char *reason);
    void (*on_unsupported)(void *ctx, const char *type_name);
    /* After each page saved, with the records fetched so far this run. */
    void (*on_page)(void *ctx, uint64_t pages, uint64_t records);
    void *ctx;
} vg_sync_callbacks;

typedef struct vg_sync_stats {
    uint64_t pages;
    uint64_t records;     /* fetched this run */
    uint64_t added;       /* signals written by the application */
    uint64_t removed;     /* ids removed by it */
    uint64_t bad, unsupported;
    bool complete;        /* the bank is up to date with the range fetched */
    bool bank_written;    /* the bank was rewritten (not when nothing changed) */
    uint64_t bank_entries; /* its rows then */
} vg_sync_stats;

/* One run: see the top of this file. The journal is state_path.journal. */
vg_status vg_sync_bank(vg_sync_client *client, const char *bank_path, const char *state_path,
                       const vg_sync_options *opts, const vg_sync_callbacks *cb,
                       vg_sync_stats *stats, vg_error *err);

#ifdef __cplusplus
}
#endif
#endif

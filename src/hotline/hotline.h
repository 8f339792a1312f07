/*
 * src/hotline/hotline.h - what the hotline does, above its storage.
 *
 * The use cases of the hotline (intake.h, assessment.h, cases.h,
 * accounts.h, audit.h, alerts.h) share this context: the store, the evidence vault
 * and the hash-bank index, and the policy read from the configuration.
 * Each use case applies the model's rules inside one transaction
 * (vg_store_write) and appends its audit entry in that same transaction:
 * a change and its record commit together or not at all.
 *
 * Threads: a vg_hotline is shared by every thread; its fields are set by
 * vg_hotline_open and read-only afterwards, but for the near-picture cache
 * and the index, which have their own locks.
 */
#ifndef VIGIE_HOTLINE_HOTLINE_H
#define VIGIE_HOTLINE_HOTLINE_H

#include <pthread.h>
#include <stdint.h>

#include "model/item.h"
#include "model/people.h"
#include "model/priority.h"
#include "model/report.h"
#include "store/store.h"
#include "util/config.h"
#include "util/sealed.h"
#include "util/tz.h"
#include "vigie/index.h"
#include "vigie/policy.h"
#include "vigie/vault.h"

typedef struct vg_alerting vg_alerting; /* hotline/alerting.h */
typedef struct vg_routing vg_routing; /* routing.c */
typedef struct vg_noticing vg_noticing; /* notices.c */
typedef struct vg_crawling vg_crawling; /* crawl_settings.c */
typedef struct vg_blocklisting vg_blocklisting; /* blocklist.c */
typedef struct vg_transparency vg_transparency; /* tlog.c */
typedef struct vg_syncing vg_syncing; /* syncing.c */
typedef struct vg_vics_tables vg_vics_tables; /* vics_tables.h */

typedef struct vg_hotline {
    vg_store *store;   /* owned: opened from the configuration's data_dir */
    vg_vault *vault;   /* owned; NULL for the command line's account work */
    char *index_path;  /* intake.index, or NULL: the banks are then the organisation's only */
    vg_sealer *sealer; /* owned: TOTP secrets at rest */

    /* assessment */
    vg_grading grading;       /* console.severity_scheme */
    vg_trust trust;           /* console.trusted_banks */
    vg_priority priority;     /* priority.* */
    int64_t claim_seconds;    /* console.claim_timeout_minutes (0: claims never lapse) */
    int link_threshold;       /* console.pdq_link_threshold: near pictures across cases */

    /* intake */
    int pdq_threshold;        /* intake.pdq_threshold: bank matches and near pictures */
    uint64_t max_files;       /* intake.max_files: uploads and digests together */
    int64_t reveal_seconds;   /* status.reveal_hours */
    int64_t idempotency_seconds; /* api.idempotency_hours: a partner's key is remembered */
    double video_interval;    /* intake.video_interval_ms: between fingerprinted frames */
    int64_t video_max_seconds; /* intake.video_max_seconds: 0 fingerprints no video */
    vg_quarantine_options quarantine; /* intake.quarantine_*: bank entries held (quarantine.h) */

    /* alerts (alerts.*; NULL unless opened with_alerts), and who is told
     * when a report raises one (hotline/alerts.h) */
    vg_alerting *alerting;
    void (*on_alert)(void *ctx);
    void *on_alert_ctx;

    /* orientation (routing.h): NULL when routing.country is unset */
    vg_routing *routing;
    /* notice and takedown (notices.h): NULL unless notices.enabled */
    vg_noticing *noticing;
    /* the crawl job (crawling.h): NULL unless crawl.enabled */
    vg_crawling *crawling;
    /* the blocking list's settings (blocklist.h) */
    vg_blocklisting *blocklisting;
    /* the blocking list's transparency log (tlog.h): its signer and origin;
     * NULL unless opened with_evidence (the server) */
    vg_transparency *transparency;
    /* synchronised banks (syncing.h): NULL unless a sync.NAME.source is set */
    vg_syncing *syncing;
    /* the VICS category tables of the configuration (vics_tables.h), or NULL */
    vg_vics_tables *vics_tables;
    /* The words of notices to hosts in a language (the server hands the
     * message catalogues over; web/i18n.h): key's text, or NULL. NULL:
     * the built-in English. Set before the jobs start. */
    const char *(*words)(void *ctx, const char *lang, const char *key);
    void *words_ctx;
    /* statistics: stats.time_zone, whose clock says where periods start */
    vg_tz *stats_zone;
    /* people */
    vg_login_policy login;    /* login.* */
    int max_sessions;         /* session.max_per_account */
    unsigned char name_key[32]; /* keys sign-in names (the server's secret) */

    /* the near-picture cache: every stored file's PDQ with its case, read
     * incrementally from the store (file ids only grow), so that several
     * processes on one database see the same pictures */
    pthread_mutex_t near_lock;
    vg_case_pdq *near;
    size_t near_count, near_cap;
    int64_t near_last_file;

    /* the index as it is now: reopened when its file is replaced (by the
     * administration pages or by `vigie index` beside the server); each
     * user holds a reference, so a replaced index stays mapped until its
     * last search ends (banks.c) */
    pthread_mutex_t index_lock;
    struct vg_index_ref *index_ref;
    char index_problem[520];   /* why a replaced file could not be opened, or "" */
    uint64_t index_failed[4];  /* that file's identity: not tried again until it changes */
    pthread_mutex_t index_write_lock; /* one change of the index file at a time */

    /* what lookups leave out (banks and content HMA clients disabled or
     * deleted), read from the store at most once a second
     * (bank_curation.h) */
    pthread_mutex_t curation_lock;
    struct vg_curation_filter *curation;
} vg_hotline;

/* What vg_hotline_open needs besides the configuration. */
typedef struct vg_hotline_options {
    int with_evidence; /* open the vault and the index (the server; not `vigie admin`) */
    int with_alerts;   /* read alerts.* and their secret files (the server and its jobs) */
} vg_hotline_options;

/* Open the store of a configuration: data_dir, store.max_batch (for
 * commands that need the store alone, such as `vigie audit verify`). */
vg_status vg_hotline_open_store(vg_config *cfg, vg_store **out, vg_error *err);

/* Read the hotline's settings from cfg and open what they name: the store
 * (data_dir), the sealer of secrets, with_evidence the vault and the
 * index (by default in data_dir too), with_alerts the alerts' channels. The server's secret (the key of
 * sign-in names and CSRF tokens) is created in the store on first use.
 * options may be NULL (no evidence). */
vg_status vg_hotline_open(vg_config *cfg, const vg_hotline_options *options, vg_hotline **out,
                          vg_error *err);
/* Close everything, the store last (its writer flushed). NULL is fine. */
void vg_hotline_free(vg_hotline *h);

/* The store's schema version (for the start-up log line). */
int vg_hotline_schema_version(vg_hotline *h);

/* The index as it is now, or NULL when none is configured: reopened
 * first when its file was replaced since it was opened. Hand *ticket back
 * with vg_hotline_index_release when the search is done (any thread). */
const vg_index *vg_hotline_index_acquire(vg_hotline *h, void **ticket);
void vg_hotline_index_release(vg_hotline *h, void *ticket);

/* The server's secret as 64 hex digits into out[65] (created once). */
vg_status vg_hotline_secret(vg_hotline *h, char out[65], vg_error *err);

/* The store's write counters (for /metrics). */
void vg_hotline_store_stats(vg_hotline *h, vg_store_stats *stats);

/* "report:ID", the audit target of a report's item. */
void vg_hotline_report_target(int64_t report_id, char out[32]);

#endif

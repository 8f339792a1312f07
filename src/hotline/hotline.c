/*
 * src/hotline/hotline.c - the use cases' shared context (hotline.h).
 */
#include "hotline/hotline.h"
#include "hotline/blocklist.h"
#include "hotline/tlog.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>

#include "hotline/bank_curation.h"
#include "hotline/index_ref.h"
#include "hotline/alerting.h"
#include "hotline/routing.h"
#include "hotline/syncing.h"
#include "hotline/notices.h"
#include "hotline/quarantine.h"
#include "hotline/vics_tables.h"
#include "hotline/crawling.h"
#include "hotline/stats.h"
#include "store/reports.h"
#include "util/secure.h"
#include "vigie/digest.h"

vg_status vg_hotline_open_store(vg_config *cfg, vg_store **out, vg_error *err)
{
    /* database: a PostgreSQL URI; unset, SQLite in the data directory. */
    const char *where = vg_config_get(cfg, "database", NULL);
    if (where && !vg_store_is_postgres(where))
        return vg_error_set(err, VG_ERR_INVALID,
                            "database: '%s' is not a postgresql:// URI (leave it out to keep "
                            "SQLite in data_dir)",
                            where);
    if (!where)
        where = vg_config_get(cfg, "data_dir", NULL);
    if (!where)
        return vg_error_set(err, VG_ERR_INVALID,
                            "no data directory: set data_dir in the configuration or pass "
                            "--data-dir DIR");
    int64_t batch = 0, connections = 0;
    vg_status st = vg_config_int(cfg, "store.max_batch", 512, 1, 100000, &batch, err);
    if (st == VG_OK)
        st = vg_config_int(cfg, "store.connections", 16, 1, 1000, &connections, err);
    if (st != VG_OK)
        return st;
    vg_store_options opt = {.max_batch = (unsigned)batch, .read_connections = 8,
                            .connections = (unsigned)connections};
    return vg_store_open(where, &opt, out, err);
}

/* key, or DIR/name when the configuration does not name one (malloc'd). */
static char *path_or_default(vg_config *cfg, const char *key, const char *dir, const char *name)
{
    const char *given = vg_config_get(cfg, key, NULL);
    if (given)
        return strdup(given);
    size_t n = strlen(dir) + strlen(name) + 2;
    char *path = malloc(n);
    if (path)
        snprintf(path, n, "%s/%s", dir, name);
    return path;
}

static vg_status open_evidence(vg_hotline *h, vg_config *cfg, const char *dir, vg_error *err)
{
    uint64_t max_file = 0, max_image = 0;
    int pdq = 1, robust = 1;
    vg_status st;
    if ((st = vg_config_size(cfg, "intake.max_file_bytes", 64ull << 20, 1ull << 40, &max_file,
                             err)) ||
        (st = vg_config_size(cfg, "intake.max_image_bytes", 64ull << 20, 1ull << 40, &max_image,
                             err)) ||
        (st = vg_config_bool(cfg, "intake.pdq", 1, &pdq, err)) ||
        (st = vg_config_bool(cfg, "intake.robust", 1, &robust, err)))
        return st;
    /* The vault key stays out of the database (vault.key_file; by default
     * beside it, which docs/security.md asks operators to change). */
    char *vault_dir = path_or_default(cfg, "vault.dir", dir, "vault");
    char *key_file = path_or_default(cfg, "vault.key_file", dir, "vault.key");
    vg_vault_options vo = {.dir = vault_dir, .key_file = key_file, .max_file_bytes = max_file,
                           .max_image_bytes = max_image, .pdq = pdq != 0,
                           .robust = robust != 0};
    st = vault_dir && key_file ? vg_vault_open(&vo, &h->vault, err)
                               : vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    free(vault_dir);
    free(key_file);
    if (st != VG_OK)
        return st;
    const char *index_path = vg_config_get(cfg, "intake.index", NULL);
    if (index_path && !(h->index_path = strdup(index_path)))
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    if (index_path && (st = vg_hotline_index_open(h, err)) != VG_OK)
        vg_error_prefix(err, "intake.index: ");
    return st;
}

typedef struct secret_args {
    const char *fresh;
    char *stored;
} secret_args;

static vg_status secret_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    secret_args *a = ctx;
    return vg_tx_setting_init(tx, "server.secret", a->fresh, &a->stored, err);
}

vg_status vg_hotline_secret(vg_hotline *h, char out[65], vg_error *err)
{
    char fresh[65];
    vg_random_hex(fresh, 32);
    secret_args a = {fresh, NULL};
    vg_status st = vg_store_write(h->store, secret_tx, &a, err);
    memset(fresh, 0, sizeof fresh);
    if (st == VG_OK && (!a.stored || strlen(a.stored) != 64))
        st = vg_error_set(err, VG_ERR_CORRUPT, "the stored server secret is damaged");
    if (st == VG_OK)
        memcpy(out, a.stored, 65);
    if (a.stored) {
        memset(a.stored, 0, strlen(a.stored));
        free(a.stored);
    }
    return st;
}

vg_status vg_hotline_open(vg_config *cfg, const vg_hotline_options *options, vg_hotline **out,
                          vg_error *err)
{
    *out = NULL;
    vg_hotline *h = calloc(1, sizeof *h);
    if (!h)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    pthread_mutex_init(&h->near_lock, NULL);
    pthread_mutex_init(&h->index_lock, NULL);
    pthread_mutex_init(&h->index_write_lock, NULL);
    pthread_mutex_init(&h->curation_lock, NULL);
    /* The keys (and by default the vault) live in the data directory, even
     * when the database is elsewhere: made here when SQLite does not. */
    const char *data_dir = vg_config_get(cfg, "data_dir", NULL);
    vg_status st = VG_OK;
    if (!data_dir)
        st = vg_error_set(err, VG_ERR_INVALID,
                          "no data directory: set data_dir in the configuration or pass "
                          "--data-dir DIR (it keeps the keys)");
    else if (mkdir(data_dir, 0700) != 0 && errno != EEXIST)
        st = vg_error_set(err, VG_ERR_IO, "data_dir: cannot make %s: %s", data_dir,
                          strerror(errno));
    if (st == VG_OK)
        st = vg_hotline_open_store(cfg, &h->store, err);
    if (st != VG_OK) {
        vg_hotline_free(h);
        return st;
    }
    const char *dir = vg_config_get(cfg, "data_dir", ".");
    int64_t threshold, max_files, reveal_hours, claim_minutes, link_threshold, failures, lock,
        max_lock, max_sessions, idempotency_hours, video_interval_ms, video_max_seconds;
    if ((st = vg_grading_parse(&h->grading,
                               vg_config_get(cfg, "console.severity_scheme", "A,B,C"), err)) ||
        (st = vg_trust_parse(&h->trust, vg_config_get(cfg, "console.trusted_banks", NULL),
                             &h->grading, err)) ||
        (st = vg_priority_load(cfg, h->grading.grades[0], &h->priority, err)) ||
        (st = vg_config_int(cfg, "console.claim_timeout_minutes", 120, 0, 7 * 24 * 60,
                            &claim_minutes, err)) ||
        (st = vg_config_int(cfg, "console.pdq_link_threshold", 31, 0, 128, &link_threshold,
                            err)) ||
        (st = vg_config_int(cfg, "intake.pdq_threshold", VG_PDQ_MATCH_THRESHOLD, 0, 256,
                            &threshold, err)) ||
        (st = vg_config_int(cfg, "intake.max_files", 20, 1, 1000, &max_files, err)) ||
        (st = vg_config_int(cfg, "status.reveal_hours", 24, 0, 24 * 365, &reveal_hours, err)) ||
        (st = vg_config_int(cfg, "login.max_failures", 5, 1, 1000, &failures, err)) ||
        (st = vg_config_int(cfg, "login.lockout_seconds", 300, 1, 86400 * 30, &lock, err)) ||
        (st = vg_config_int(cfg, "login.max_lockout_seconds", 86400, 1, 86400 * 365, &max_lock,
                            err)) ||
        (st = vg_config_int(cfg, "session.max_per_account", 10, 1, 1000, &max_sessions, err)) ||
        (st = vg_config_int(cfg, "api.idempotency_hours", 168, 1, 24 * 365, &idempotency_hours,
                            err)) ||
        (st = vg_config_int(cfg, "intake.video_interval_ms", 1000, 0, 60000, &video_interval_ms,
                            err)) ||
        (st = vg_config_int(cfg, "intake.video_max_seconds", 4 * 3600, 0, 86400,
                            &video_max_seconds, err))) {
        vg_hotline_free(h);
        return st;
    }
    h->claim_seconds = claim_minutes * 60;
    h->link_threshold = (int)link_threshold;
    h->pdq_threshold = (int)threshold;
    h->max_files = (uint64_t)max_files;
    h->reveal_seconds = reveal_hours * 3600;
    h->login = (vg_login_policy){(int)failures, lock, max_lock < lock ? lock : max_lock};
    h->max_sessions = (int)max_sessions;
    h->idempotency_seconds = idempotency_hours * 3600;
    h->video_interval = (double)video_interval_ms / 1000.0;
    h->video_max_seconds = video_max_seconds;
    if ((st = vg_hotline_quarantine_load(h, cfg, err)) != VG_OK ||
        (st = vg_hotline_vics_tables_load(h, cfg, err)) != VG_OK ||
        (st = vg_hotline_stats_zone(cfg, &h->stats_zone, err)) != VG_OK) {
        vg_hotline_free(h);
        return st;
    }

    /* Secrets at rest: secrets.key_file, kept apart from the database. */
    char *secrets = path_or_default(cfg, "secrets.key_file", dir, "secrets.key");
    st = secrets ? vg_sealer_open(secrets, &h->sealer, err)
                 : vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    free(secrets);
    if (st != VG_OK)
        vg_error_prefix(err, "secrets.key_file: ");
    if (st == VG_OK && options && options->with_evidence)
        st = open_evidence(h, cfg, dir, err);
    if (st == VG_OK && options && options->with_evidence)
        st = vg_hotline_tlog_open(h, cfg, dir, err);
    if (st == VG_OK && options && options->with_alerts)
        st = vg_alerting_load(cfg, &h->alerting, err);
    if (st == VG_OK)
        st = vg_hotline_routing_open(h, cfg, err);
    if (st == VG_OK)
        st = vg_hotline_blocklist_open(h, cfg, err);
    if (st == VG_OK && options && options->with_alerts && options->with_evidence)
        st = vg_hotline_notices_open(h, cfg, err);
    if (st == VG_OK && options && options->with_evidence)
        st = vg_hotline_crawling_open(h, cfg, err);
    if (st == VG_OK && options && options->with_evidence)
        st = vg_hotline_syncing_open(h, cfg, err);
    char secret[65];
    if (st == VG_OK && (st = vg_hotline_secret(h, secret, err)) == VG_OK) {
        vg_hex_decode(secret, h->name_key, sizeof h->name_key);
        memset(secret, 0, sizeof secret);
    }
    if (st != VG_OK) {
        vg_hotline_free(h);
        return st;
    }
    *out = h;
    return VG_OK;
}

void vg_hotline_free(vg_hotline *h)
{
    if (!h)
        return;
    vg_hotline_routing_free(h);
    vg_hotline_notices_free(h);
    vg_hotline_crawling_free(h);
    vg_hotline_blocklist_free(h);
    vg_hotline_tlog_free(h);
    vg_hotline_syncing_free(h);
    vg_hotline_vics_tables_free(h);
    vg_vault_close(h->vault);
    vg_hotline_index_close(h);
    free(h->index_path);
    vg_sealer_free(h->sealer);
    vg_tz_free(h->stats_zone);
    vg_trust_clear(&h->trust);
    vg_alerting_free(h->alerting);
    free(h->near);
    pthread_mutex_destroy(&h->near_lock);
    pthread_mutex_destroy(&h->index_lock);
    pthread_mutex_destroy(&h->index_write_lock);
    vg_curation_filter_reset(h);
    pthread_mutex_destroy(&h->curation_lock);
    memset(h->name_key, 0, sizeof h->name_key);
    vg_store_close(h->store); /* flushes the writer */
    free(h);
}

void vg_hotline_report_target(int64_t report_id, char out[32])
{
    snprintf(out, 32, "report:%" PRId64, report_id);
}

void vg_hotline_store_stats(vg_hotline *h, vg_store_stats *stats)
{
    vg_store_stats_get(h->store, stats);
}

int vg_hotline_schema_version(vg_hotline *h) { return vg_store_schema_version(h->store); }

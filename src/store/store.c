/*
 * src/store/store.c - the storage interface: pick a backend, run
 * transactions through it, and forward every operation to its ops table
 * (refusing writes inside read transactions).
 */
#include "store/backend.h"

#include <stdlib.h>
#include <string.h>

struct vg_store {
    const vg_store_ops *ops;
    void *impl;
};

vg_status vg_store_open(const char *location, const vg_store_options *options, vg_store **out,
                        vg_error *err)
{
    *out = NULL;
    if (!location || !*location)
        return vg_error_set(err, VG_ERR_INVALID, "no data directory nor database given");
    vg_store *store = calloc(1, sizeof *store);
    if (!store)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory opening the store");
    vg_status st = vg_store_is_postgres(location)
                       ? vg_postgres_open(location, options, &store->ops, &store->impl, err)
                       : vg_sqlite_open(location, options, &store->ops, &store->impl, err);
    if (st != VG_OK) {
        free(store);
        return st;
    }
    *out = store;
    return VG_OK;
}

int vg_store_is_postgres(const char *location)
{
    return location && (!strncmp(location, "postgres://", 11) ||
                        !strncmp(location, "postgresql://", 13));
}

void vg_store_close(vg_store *store)
{
    if (!store)
        return;
    store->ops->close(store->impl);
    free(store);
}

int vg_store_schema_version(vg_store *s)
{
    return s->ops->schema_version(s->impl);
}
const char *vg_store_backend(vg_store *s)
{
    return s->ops->name;
}

void vg_store_stats_get(vg_store *s, vg_store_stats *stats)
{
    memset(stats, 0, sizeof *stats);
    s->ops->stats(s->impl, stats);
}

vg_status vg_store_write(vg_store *s, vg_tx_fn fn, void *ctx, vg_error *err)
{
    vg_tx tx = {.ops = s->ops, .writable = 1};
    return s->ops->write(s->impl, &tx, fn, ctx, err);
}

vg_status vg_store_read(vg_store *s, vg_tx_fn fn, void *ctx, vg_error *err)
{
    vg_tx tx = {.ops = s->ops, .writable = 0};
    return s->ops->read(s->impl, &tx, fn, ctx, err);
}

int vg_tx_writable(const vg_tx *tx)
{
    return tx->writable;
}

static vg_status read_only(vg_error *err, const char *what)
{
    return vg_error_set(err, VG_ERR_INVALID, "store: %s needs a write transaction", what);
}

/* ---- every operation, forwarded ----------------------------------------- */

vg_status vg_tx_setting_get(vg_tx *tx, const char *name, char **value, vg_error *err)
{
    return tx->ops->setting_get(tx->impl, name, value, err);
}

vg_status vg_tx_setting_set(vg_tx *tx, const char *name, const char *value, vg_error *err)
{
    if (!tx->writable)
        return read_only(err, "setting_set");
    return tx->ops->setting_set(tx->impl, name, value, err);
}

vg_status vg_tx_setting_init(vg_tx *tx, const char *name, const char *value, char **value_out,
                             vg_error *err)
{
    if (!tx->writable)
        return read_only(err, "setting_init");
    return tx->ops->setting_init(tx->impl, name, value, value_out, err);
}

vg_status vg_tx_idempotency_get(vg_tx *tx, int64_t api_key_id, const char *key, int *found,
                                int64_t *report_id, char **response, char **request_hash,
                                vg_error *err)
{
    return tx->ops->idempotency_get(tx->impl, api_key_id, key, found, report_id, response,
                                    request_hash, err);
}

vg_status vg_tx_idempotency_put(vg_tx *tx, int64_t api_key_id, const vg_idempotency *idem,
                                int64_t report_id, int64_t now, vg_error *err)
{
    if (!tx->writable)
        return read_only(err, "idempotency_put");
    return tx->ops->idempotency_put(tx->impl, api_key_id, idem, report_id, now, err);
}

vg_status vg_tx_idempotency_prune(vg_tx *tx, int64_t before, int64_t *removed, vg_error *err)
{
    if (!tx->writable)
        return read_only(err, "idempotency_prune");
    return tx->ops->idempotency_prune(tx->impl, before, removed, err);
}

vg_status vg_tx_case_candidates(vg_tx *tx, const vg_report *report, vg_case_candidate **candidates,
                                size_t *count, vg_error *err)
{
    return tx->ops->case_candidates(tx->impl, report, candidates, count, err);
}

vg_status vg_tx_case_new(vg_tx *tx, int64_t now, int64_t *case_id, vg_error *err)
{
    if (!tx->writable)
        return read_only(err, "case_new");
    return tx->ops->case_new(tx->impl, now, case_id, err);
}

vg_status vg_tx_report_put(vg_tx *tx, const vg_report *report, int64_t case_id, int64_t now,
                           int64_t *id, vg_error *err)
{
    if (!tx->writable)
        return read_only(err, "report_put");
    return tx->ops->report_put(tx->impl, report, case_id, now, id, err);
}

vg_status vg_tx_report_put_new_case(vg_tx *tx, const vg_report *report, int64_t now,
                                    int64_t *case_id, int64_t *id, vg_error *err)
{
    if (!tx->writable)
        return read_only(err, "report_put_new_case");
    return tx->ops->report_put_new_case(tx->impl, report, now, case_id, id, err);
}

vg_status vg_tx_report_set_case(vg_tx *tx, int64_t id, int64_t case_id, vg_error *err)
{
    if (!tx->writable)
        return read_only(err, "report_set_case");
    return tx->ops->report_set_case(tx->impl, id, case_id, err);
}

vg_status vg_tx_report_set_status(vg_tx *tx, int64_t id, const char *status, int64_t now,
                                  vg_error *err)
{
    if (!tx->writable)
        return read_only(err, "report_set_status");
    return tx->ops->report_set_status(tx->impl, id, status, now, err);
}

vg_status vg_tx_report_by_receipt(vg_tx *tx, const char *receipt_code, vg_report_row *row,
                                  int *found, vg_error *err)
{
    return tx->ops->report_by_receipt(tx->impl, receipt_code, row, found, err);
}

vg_status vg_tx_reports_recent(vg_tx *tx, size_t limit, vg_report_row **rows, size_t *count,
                               vg_error *err)
{
    return tx->ops->reports_recent(tx->impl, limit, rows, count, err);
}

vg_status vg_tx_report_count(vg_tx *tx, int64_t *count, vg_error *err)
{
    return tx->ops->report_count(tx->impl, count, err);
}

vg_status vg_tx_report_urls(vg_tx *tx, int64_t id, char ***canonical, size_t *count, vg_error *err)
{
    return tx->ops->report_urls(tx->impl, id, canonical, count, err);
}

vg_status vg_tx_report_pdqs(vg_tx *tx, int64_t after_file_id, vg_store_pdq_fn fn, void *ctx,
                            vg_error *err)
{
    return tx->ops->report_pdqs(tx->impl, after_file_id, fn, ctx, err);
}

vg_status vg_tx_account_create(vg_tx *tx, const char *username, const char *password_hash,
                               vg_role role, int64_t now, int64_t *id, vg_error *err)
{
    if (!tx->writable)
        return read_only(err, "account_create");
    return tx->ops->account_create(tx->impl, username, password_hash, role, now, id, err);
}

vg_status vg_tx_account_get(vg_tx *tx, const char *username, int64_t id, vg_account *account,
                            int *found, vg_error *err)
{
    return tx->ops->account_get(tx->impl, username, id, account, found, err);
}

vg_status vg_tx_accounts_list(vg_tx *tx, vg_account **accounts, size_t *count, vg_error *err)
{
    return tx->ops->accounts_list(tx->impl, accounts, count, err);
}

vg_status vg_tx_account_set_disabled(vg_tx *tx, const char *username, int disabled, int *found,
                                     vg_error *err)
{
    if (!tx->writable)
        return read_only(err, "account_set_disabled");
    return tx->ops->account_set_disabled(tx->impl, username, disabled, found, err);
}

vg_status vg_tx_account_set_password(vg_tx *tx, int64_t id, const char *password_hash,
                                     vg_error *err)
{
    if (!tx->writable)
        return read_only(err, "account_set_password");
    return tx->ops->account_set_password(tx->impl, id, password_hash, err);
}

vg_status vg_tx_account_set_totp(vg_tx *tx, int64_t id, const char *secret, vg_error *err)
{
    if (!tx->writable)
        return read_only(err, "account_set_totp");
    return tx->ops->account_set_totp(tx->impl, id, secret, err);
}

vg_status vg_tx_account_set_language(vg_tx *tx, int64_t id, const char *language,
                                     vg_error *err)
{
    if (!tx->writable)
        return read_only(err, "account_set_language");
    return tx->ops->account_set_language(tx->impl, id, language, err);
}

vg_status vg_tx_account_set_role(vg_tx *tx, int64_t id, vg_role role, vg_error *err)
{
    if (!tx->writable)
        return read_only(err, "account_set_role");
    return tx->ops->account_set_role(tx->impl, id, role, err);
}

vg_status vg_tx_account_use_totp_step(vg_tx *tx, int64_t id, int64_t step, int *accepted,
                                      vg_error *err)
{
    if (!tx->writable)
        return read_only(err, "account_use_totp_step");
    return tx->ops->account_use_totp_step(tx->impl, id, step, accepted, err);
}

vg_status vg_tx_session_create(vg_tx *tx, const vg_session *session, int max_per_account,
                               int64_t now, vg_error *err)
{
    if (!tx->writable)
        return read_only(err, "session_create");
    return tx->ops->session_create(tx->impl, session, max_per_account, now, err);
}

vg_status vg_tx_session_get(vg_tx *tx, const char *token_hash, int64_t now, vg_session *session,
                            int *found, vg_error *err)
{
    return tx->ops->session_get(tx->impl, token_hash, now, session, found, err);
}

vg_status vg_tx_session_delete(vg_tx *tx, const char *token_hash, vg_error *err)
{
    if (!tx->writable)
        return read_only(err, "session_delete");
    return tx->ops->session_delete(tx->impl, token_hash, err);
}

vg_status vg_tx_session_extend(vg_tx *tx, const char *token_hash, int64_t expires_at, int64_t now,
                               vg_error *err)
{
    if (!tx->writable)
        return read_only(err, "session_extend");
    return tx->ops->session_extend(tx->impl, token_hash, expires_at, now, err);
}

vg_status vg_tx_sessions_delete_account(vg_tx *tx, int64_t account_id, vg_error *err)
{
    if (!tx->writable)
        return read_only(err, "sessions_delete_account");
    return tx->ops->sessions_delete_account(tx->impl, account_id, err);
}

vg_status vg_tx_sessions_prune(vg_tx *tx, int64_t now, int64_t *removed, vg_error *err)
{
    if (!tx->writable)
        return read_only(err, "sessions_prune");
    return tx->ops->sessions_prune(tx->impl, now, removed, err);
}

vg_status vg_tx_api_key_create(vg_tx *tx, const char *prefix, const char *key_hash, const char *org,
                               uint32_t rate, int trust, int64_t now, int64_t *id, vg_error *err)
{
    if (!tx->writable)
        return read_only(err, "api_key_create");
    return tx->ops->api_key_create(tx->impl, prefix, key_hash, org, rate, trust, now, id, err);
}

vg_status vg_tx_api_key_get(vg_tx *tx, const char *key_hash, vg_api_key *key, int *found,
                            vg_error *err)
{
    return tx->ops->api_key_get(tx->impl, key_hash, key, found, err);
}

vg_status vg_tx_api_key_revoke(vg_tx *tx, int64_t id, const char *prefix, int *found, vg_error *err)
{
    if (!tx->writable)
        return read_only(err, "api_key_revoke");
    return tx->ops->api_key_revoke(tx->impl, id, prefix, found, err);
}

vg_status vg_tx_api_key_set_scopes(vg_tx *tx, int64_t id, const char *prefix, unsigned scopes,
                                   int *found, vg_error *err)
{
    if (!tx->writable)
        return read_only(err, "api_key_set_scopes");
    return tx->ops->api_key_set_scopes(tx->impl, id, prefix, scopes, found, err);
}

vg_status vg_tx_api_key_set_trust(vg_tx *tx, int64_t id, const char *prefix, int trust, int *found,
                                  vg_error *err)
{
    if (!tx->writable)
        return read_only(err, "api_key_set_trust");
    return tx->ops->api_key_set_trust(tx->impl, id, prefix, trust, found, err);
}

vg_status vg_tx_api_key_by_id(vg_tx *tx, int64_t id, vg_api_key *key, int *found, vg_error *err)
{
    return tx->ops->api_key_by_id(tx->impl, id, key, found, err);
}

vg_status vg_tx_api_keys_list(vg_tx *tx, vg_api_key **keys, size_t *count, vg_error *err)
{
    return tx->ops->api_keys_list(tx->impl, keys, count, err);
}

vg_status vg_tx_login_get(vg_tx *tx, const char *key, vg_login_state *state, vg_error *err)
{
    return tx->ops->login_get(tx->impl, key, state, err);
}

vg_status vg_tx_login_put(vg_tx *tx, const char *key, const vg_login_state *state, int64_t now,
                          vg_error *err)
{
    if (!tx->writable)
        return read_only(err, "login_put");
    return tx->ops->login_put(tx->impl, key, state, now, err);
}

vg_status vg_tx_login_prune(vg_tx *tx, int64_t now, int64_t *removed, vg_error *err)
{
    if (!tx->writable)
        return read_only(err, "login_prune");
    return tx->ops->login_prune(tx->impl, now, removed, err);
}

vg_status vg_tx_audit_append(vg_tx *tx, int64_t time, const vg_audit_note *note, int64_t *seq,
                             vg_error *err)
{
    if (!tx->writable)
        return read_only(err, "audit_append");
    return tx->ops->audit_append(tx->impl, time, note, seq, err);
}

vg_status vg_tx_audit_each(vg_tx *tx, vg_audit_visit_fn fn, void *ctx, vg_error *err)
{
    return tx->ops->audit_each(tx->impl, fn, ctx, err);
}

vg_status vg_tx_audit_for_targets(vg_tx *tx, const char *const *targets, size_t count,
                                  vg_audit_visit_fn fn, void *ctx, vg_error *err)
{
    return tx->ops->audit_for_targets(tx->impl, targets, count, fn, ctx, err);
}

vg_status vg_tx_audit_search(vg_tx *tx, const vg_audit_filter *filter, size_t limit,
                             vg_audit_visit_fn fn, void *ctx, vg_error *err)
{
    return tx->ops->audit_search(tx->impl, filter, limit, fn, ctx, err);
}

vg_status vg_tx_audit_head(vg_tx *tx, int64_t *seq, char hash[65], vg_error *err)
{
    return tx->ops->audit_head(tx->impl, seq, hash, err);
}

vg_status vg_tx_item_get(vg_tx *tx, int64_t report_id, vg_item *item, int *found, vg_error *err)
{
    return tx->ops->item_get(tx->impl, report_id, item, found, err);
}

vg_status vg_tx_items_open(vg_tx *tx, size_t limit, vg_item **items, size_t *count, vg_error *err)
{
    return tx->ops->items_open(tx->impl, limit, items, count, err);
}

vg_status vg_tx_items_done(vg_tx *tx, size_t limit, vg_item **items, size_t *count, vg_error *err)
{
    return tx->ops->items_done(tx->impl, limit, items, count, err);
}

vg_status vg_tx_items_of_case(vg_tx *tx, int64_t case_id, vg_item **items, size_t *count,
                              vg_error *err)
{
    return tx->ops->items_of_case(tx->impl, case_id, items, count, err);
}

vg_status vg_tx_item_put(vg_tx *tx, const vg_item *item, int64_t now, vg_error *err)
{
    if (!tx->writable)
        return read_only(err, "item_put");
    return tx->ops->item_put(tx->impl, item, now, err);
}

vg_status vg_tx_item_ids_open(vg_tx *tx, int64_t *ids, size_t max, size_t *count, vg_error *err)
{
    return tx->ops->item_ids_open(tx->impl, ids, max, count, err);
}

vg_status vg_tx_item_ids_sharing_files(vg_tx *tx, int64_t report_id, int64_t *ids, size_t max,
                                       size_t *count, vg_error *err)
{
    return tx->ops->item_ids_sharing_files(tx->impl, report_id, ids, max, count, err);
}

vg_status vg_tx_item_ids_same_content(vg_tx *tx, int64_t report_id, int64_t *ids, size_t max,
                                      size_t *count, vg_error *err)
{
    return tx->ops->item_ids_same_content(tx->impl, report_id, ids, max, count, err);
}

vg_status vg_tx_item_ids_sharing_urls(vg_tx *tx, int64_t report_id, int64_t *ids, size_t max,
                                      size_t *count, vg_error *err)
{
    return tx->ops->item_ids_sharing_urls(tx->impl, report_id, ids, max, count, err);
}

vg_status vg_tx_item_ids_decided_from(vg_tx *tx, int64_t report_id, int64_t *ids, size_t max,
                                      size_t *count, vg_error *err)
{
    return tx->ops->item_ids_decided_from(tx->impl, report_id, ids, max, count, err);
}

vg_status vg_tx_item_ids_find(vg_tx *tx, const char *receipt, const char *url,
                              const char *digest, int64_t *ids, size_t max, size_t *count,
                              vg_error *err)
{
    return tx->ops->item_ids_find(tx->impl, receipt, url, digest, ids, max, count, err);
}

vg_status vg_tx_item_counts(vg_tx *tx, vg_item_counts *counts, vg_error *err)
{
    return tx->ops->item_counts(tx->impl, counts, err);
}

vg_status vg_tx_files(vg_tx *tx, int64_t report_id, int64_t case_id, vg_item_file **files,
                      size_t *count, vg_error *err)
{
    return tx->ops->files(tx->impl, report_id, case_id, files, count, err);
}

vg_status vg_tx_file_get(vg_tx *tx, int64_t file_id, vg_item_file *file, int *found, vg_error *err)
{
    return tx->ops->file_get(tx->impl, file_id, file, found, err);
}

vg_status vg_tx_case_urls(vg_tx *tx, int64_t case_id, vg_item_url **urls, size_t *count,
                          vg_error *err)
{
    return tx->ops->case_urls(tx->impl, case_id, urls, count, err);
}

vg_status vg_tx_pdqs_elsewhere(vg_tx *tx, int64_t case_id, vg_store_case_pdq_fn fn, void *ctx,
                               vg_error *err)
{
    return tx->ops->pdqs_elsewhere(tx->impl, case_id, fn, ctx, err);
}

vg_status vg_tx_bank_put(vg_tx *tx, const char *sha256, const char *pdq, const vg_verdict *v,
                         int64_t report_id, int64_t now, vg_error *err)
{
    if (!tx->writable)
        return read_only(err, "bank_put");
    return tx->ops->bank_put(tx->impl, sha256, pdq, v, report_id, now, err);
}

vg_status vg_tx_bank_remove_report(vg_tx *tx, int64_t report_id, int64_t *removed,
                                   vg_error *err)
{
    int64_t ignored;
    if (!tx->writable)
        return read_only(err, "bank_remove_report");
    return tx->ops->bank_remove_report(tx->impl, report_id, removed ? removed : &ignored, err);
}

vg_status vg_tx_bank_count(vg_tx *tx, int64_t *count, vg_error *err)
{
    return tx->ops->bank_count(tx->impl, count, err);
}

vg_status vg_tx_bank_entries(vg_tx *tx, const char *sha256, size_t limit, vg_own_entry **rows,
                             size_t *count, vg_error *err)
{
    return tx->ops->bank_entries(tx->impl, sha256, limit, rows, count, err);
}

vg_status vg_tx_job_lease(vg_tx *tx, const char *name, const char *node, int64_t now,
                          int64_t lease_seconds, int *taken, vg_error *err)
{
    if (!tx->writable)
        return read_only(err, "job_lease");
    return tx->ops->job_lease(tx->impl, name, node, now, lease_seconds, taken, err);
}

vg_status vg_tx_job_done(vg_tx *tx, const char *name, const char *node, int64_t next_run,
                         vg_error *err)
{
    if (!tx->writable)
        return read_only(err, "job_done");
    return tx->ops->job_done(tx->impl, name, node, next_run, err);
}

vg_status vg_tx_alert_raise(vg_tx *tx, int64_t report_id, const char *reason,
                            const char *const *channels, size_t count, int64_t now,
                            int64_t *alert_id, vg_error *err)
{
    *alert_id = 0;
    if (!tx->writable)
        return read_only(err, "alert_raise");
    return tx->ops->alert_raise(tx->impl, report_id, reason, channels, count, now, alert_id, err);
}

vg_status vg_tx_alert_get(vg_tx *tx, int64_t alert_id, vg_alert *alert, int *found,
                          vg_error *err)
{
    return tx->ops->alert_get(tx->impl, alert_id, alert, found, err);
}

vg_status vg_tx_alerts_unacked(vg_tx *tx, size_t limit, vg_alert **alerts, size_t *count,
                               int64_t *total, vg_error *err)
{
    return tx->ops->alerts_unacked(tx->impl, limit, alerts, count, total, err);
}

vg_status vg_tx_alerts_recent(vg_tx *tx, size_t limit, vg_alert **alerts, size_t *count,
                              vg_error *err)
{
    return tx->ops->alerts_recent(tx->impl, limit, alerts, count, err);
}

vg_status vg_tx_alert_ack(vg_tx *tx, int64_t alert_id, const char *by, int64_t now, int *changed,
                          vg_error *err)
{
    *changed = 0;
    if (!tx->writable)
        return read_only(err, "alert_ack");
    return tx->ops->alert_ack(tx->impl, alert_id, by, now, changed, err);
}

vg_status vg_tx_deliveries_due(vg_tx *tx, int64_t now, size_t limit,
                               vg_alert_delivery **deliveries, size_t *count, vg_error *err)
{
    return tx->ops->deliveries_due(tx->impl, now, limit, deliveries, count, err);
}

vg_status vg_tx_alert_deliveries(vg_tx *tx, int64_t alert_id, vg_alert_delivery **deliveries,
                                 size_t *count, vg_error *err)
{
    return tx->ops->alert_deliveries(tx->impl, alert_id, deliveries, count, err);
}

vg_status vg_tx_delivery_record(vg_tx *tx, int64_t delivery_id, int64_t now, int delivered,
                                const char *detail, int64_t next_at, vg_error *err)
{
    if (!tx->writable)
        return read_only(err, "delivery_record");
    return tx->ops->delivery_record(tx->impl, delivery_id, now, delivered, detail, next_at, err);
}

vg_status vg_tx_alert_attempts(vg_tx *tx, int64_t alert_id, vg_alert_attempt **attempts,
                               size_t *count, vg_error *err)
{
    return tx->ops->alert_attempts(tx->impl, alert_id, attempts, count, err);
}

vg_status vg_tx_report_facts(vg_tx *tx, int64_t from, int64_t to, vg_store_fact_fn fn, void *ctx,
                             vg_error *err)
{
    return tx->ops->report_facts(tx->impl, from, to, fn, ctx, err);
}

vg_status vg_tx_stats_fold(vg_tx *tx, size_t limit, size_t *folded, vg_error *err)
{
    return tx->ops->stats_fold(tx->impl, limit, folded, err);
}

vg_status vg_tx_routes_todo(vg_tx *tx, const char *legal, size_t limit, vg_url_route_todo **todo,
                            size_t *count, vg_error *err)
{
    return tx->ops->routes_todo(tx->impl, legal, limit, todo, count, err);
}

vg_status vg_tx_route_put(vg_tx *tx, const vg_url_route_row *row, int *inserted, vg_error *err)
{
    if (!tx->writable)
        return read_only(err, "route_put");
    return tx->ops->route_put(tx->impl, row, inserted, err);
}

vg_status vg_tx_routes(vg_tx *tx, int64_t report_id, int64_t case_id, vg_url_route_row **rows,
                       size_t *count, vg_error *err)
{
    return tx->ops->routes(tx->impl, report_id, case_id, rows, count, err);
}

/* ---- exchange.h (its rows: exchange.c) ---- */

vg_status vg_tx_exchange_banks(vg_tx *tx, vg_exchange_bank **rows, size_t *count, vg_error *err)
{
    return tx->ops->exchange_banks(tx->impl, rows, count, err);
}

vg_status vg_tx_exchange_bank_put(vg_tx *tx, const vg_exchange_bank *row, vg_error *err)
{
    if (!tx->writable)
        return read_only(err, "exchange_bank_put");
    return tx->ops->exchange_bank_put(tx->impl, row, err);
}

vg_status vg_tx_exchange_content_put(vg_tx *tx, const vg_exchange_content *row, vg_error *err)
{
    if (!tx->writable)
        return read_only(err, "exchange_content_put");
    return tx->ops->exchange_content_put(tx->impl, row, err);
}

vg_status vg_tx_exchange_content_get(vg_tx *tx, int64_t entry, vg_exchange_content *row,
                                     int *found, vg_error *err)
{
    return tx->ops->exchange_content_get(tx->impl, entry, row, found, err);
}

vg_status vg_tx_exchange_content_disabled(vg_tx *tx, int64_t now, int64_t **entries,
                                          size_t *count, vg_error *err)
{
    return tx->ops->exchange_content_disabled(tx->impl, now, entries, count, err);
}

vg_status vg_tx_exchange_report_put(vg_tx *tx, const vg_exchange_report *row, int only_new,
                                    int *written, vg_error *err)
{
    if (!tx->writable)
        return read_only(err, "exchange_report_put");
    return tx->ops->exchange_report_put(tx->impl, row, only_new, written, err);
}

vg_status vg_tx_exchange_report_get(vg_tx *tx, int64_t id, vg_exchange_report *row, int *found,
                                    vg_error *err)
{
    return tx->ops->exchange_report_get(tx->impl, id, row, found, err);
}

vg_status vg_tx_exchange_report_delete(vg_tx *tx, int64_t id, vg_error *err)
{
    if (!tx->writable)
        return read_only(err, "exchange_report_delete");
    return tx->ops->exchange_report_delete(tx->impl, id, err);
}

vg_status vg_tx_exchange_reports_due(vg_tx *tx, int64_t now, size_t limit,
                                     vg_exchange_report **rows, size_t *count, vg_error *err)
{
    return tx->ops->exchange_reports_due(tx->impl, now, limit, rows, count, err);
}

vg_status vg_tx_exchange_reports_open(vg_tx *tx, int64_t *count, vg_error *err)
{
    return tx->ops->exchange_reports_open(tx->impl, count, err);
}

/* ---- notices.h, and the routing operations of routes.h ---- */

vg_status vg_tx_notice_todo(vg_tx *tx, const char *action, size_t limit, vg_notice_todo **todo,
                            size_t *count, vg_error *err)
{
    return tx->ops->notice_todo(tx->impl, action, limit, todo, count, err);
}

vg_status vg_tx_notice_put(vg_tx *tx, const vg_notice_row *row, int64_t *id, vg_error *err)
{
    if (!tx->writable)
        return read_only(err, "notice_put");
    int64_t ignored;
    return tx->ops->notice_put(tx->impl, row, id ? id : &ignored, err);
}

vg_status vg_tx_notices(vg_tx *tx, const vg_notice_filter *filter, size_t limit,
                        vg_notice_row **rows, size_t *count, vg_error *err)
{
    static const vg_notice_filter all;
    return tx->ops->notices(tx->impl, filter ? filter : &all, limit, rows, count, err);
}

vg_status vg_tx_notice_event_add(vg_tx *tx, int64_t notice_id, int64_t at, const char *kind,
                                 const char *detail, vg_error *err)
{
    if (!tx->writable)
        return read_only(err, "notice_event_add");
    return tx->ops->notice_event_add(tx->impl, notice_id, at, kind, detail, err);
}

vg_status vg_tx_notice_events(vg_tx *tx, int64_t notice_id, vg_notice_event **events,
                              size_t *count, vg_error *err)
{
    return tx->ops->notice_events(tx->impl, notice_id, events, count, err);
}

vg_status vg_tx_notice_removals(vg_tx *tx, vg_store_removal_fn fn, void *ctx, vg_error *err)
{
    return tx->ops->notice_removals(tx->impl, fn, ctx, err);
}

vg_status vg_tx_route_get(vg_tx *tx, int64_t id, vg_url_route_row *row, int *found,
                          vg_error *err)
{
    return tx->ops->route_get(tx->impl, id, row, found, err);
}

vg_status vg_tx_route_decide(vg_tx *tx, const vg_url_route_row *row, const char *was_state,
                             const char *was_actions, const char *was_changed_by, int *changed,
                             vg_error *err)
{
    if (!tx->writable)
        return read_only(err, "route_decide");
    return tx->ops->route_decide(tx->impl, row, was_state, was_actions, was_changed_by, changed,
                                 err);
}

vg_status vg_tx_delivery_add(vg_tx *tx, const vg_route_delivery *d, int *inserted, vg_error *err)
{
    if (!tx->writable)
        return read_only(err, "delivery_add");
    return tx->ops->delivery_add(tx->impl, d, inserted, err);
}

vg_status vg_tx_deliveries(vg_tx *tx, int64_t report_id, int64_t now, size_t limit,
                           vg_route_delivery **rows, size_t *count, vg_error *err)
{
    return tx->ops->deliveries(tx->impl, report_id, now, limit, rows, count, err);
}

vg_status vg_tx_delivery_update(vg_tx *tx, const vg_route_delivery *d, vg_error *err)
{
    if (!tx->writable)
        return read_only(err, "delivery_update");
    return tx->ops->delivery_update(tx->impl, d, err);
}

vg_status vg_tx_action_add(vg_tx *tx, const vg_route_action *a, int *inserted, vg_error *err)
{
    if (!tx->writable)
        return read_only(err, "action_add");
    return tx->ops->action_add(tx->impl, a, inserted, err);
}

vg_status vg_tx_actions(vg_tx *tx, int64_t report_id, vg_route_action **rows, size_t *count,
                        vg_error *err)
{
    return tx->ops->actions(tx->impl, report_id, rows, count, err);
}

vg_status vg_tx_delivery_by_reference(vg_tx *tx, const char *kind, const char *target,
                                      const char *reference, vg_route_delivery *d, int *found,
                                      vg_error *err)
{
    return tx->ops->delivery_by_reference(tx->impl, kind, target, reference, d, found, err);
}

vg_status vg_tx_callback_arm(vg_tx *tx, int64_t report_id, const char *target, int64_t now,
                             vg_error *err)
{
    if (!tx->writable)
        return read_only(err, "callback_arm");
    return tx->ops->callback_arm(tx->impl, report_id, target, now, err);
}

vg_status vg_tx_callbacks_due(vg_tx *tx, int64_t now, size_t limit, vg_partner_callback **rows,
                              size_t *count, vg_error *err)
{
    return tx->ops->callbacks_due(tx->impl, now, limit, rows, count, err);
}

vg_status vg_tx_callback_update(vg_tx *tx, const vg_partner_callback *c, int *changed,
                                vg_error *err)
{
    if (!tx->writable)
        return read_only(err, "callback_update");
    return tx->ops->callback_update(tx->impl, c, changed, err);
}

vg_status vg_tx_delivery_partner_status(vg_tx *tx, int64_t id, const char *status,
                                        int64_t version, int64_t at, int *changed,
                                        vg_error *err)
{
    if (!tx->writable)
        return read_only(err, "delivery_partner_status");
    return tx->ops->delivery_partner_status(tx->impl, id, status, version, at, changed, err);
}

vg_status vg_tx_report_by_public_id(vg_tx *tx, const char *public_id, vg_report_row *row,
                                    int *found, vg_error *err)
{
    return tx->ops->report_by_public_id(tx->impl, public_id, row, found, err);
}

/* ---- the transparency log (store/tlog.h) ---------------------------------- */

vg_status vg_tx_tlog_size(vg_tx *tx, uint64_t *size, vg_error *err)
{
    *size = 0;
    return tx->ops->tlog_size(tx->impl, size, err);
}

vg_status vg_tx_tlog_append(vg_tx *tx, uint64_t index, const char *entry, size_t len,
                            const vg_tlog_hash_row *hashes, size_t count, vg_error *err)
{
    if (!tx->writable)
        return read_only(err, "tlog_append");
    return tx->ops->tlog_append(tx->impl, index, entry, len, hashes, count, err);
}

vg_status vg_tx_tlog_hashes(vg_tx *tx, unsigned level, uint64_t index, size_t count,
                            unsigned char *out, vg_error *err)
{
    return tx->ops->tlog_hashes(tx->impl, level, index, count, out, err);
}

vg_status vg_tx_tlog_entries(vg_tx *tx, uint64_t index, size_t count, char **texts,
                             size_t *lens, vg_error *err)
{
    memset(texts, 0, count * sizeof *texts);
    return tx->ops->tlog_entries(tx->impl, index, count, texts, lens, err);
}

vg_status vg_tx_tlog_checkpoint_put(vg_tx *tx, uint64_t size, const char *note, int64_t at,
                                    vg_error *err)
{
    if (!tx->writable)
        return read_only(err, "tlog_checkpoint_put");
    return tx->ops->tlog_checkpoint_put(tx->impl, size, note, at, err);
}

vg_status vg_tx_tlog_checkpoint_latest(vg_tx *tx, uint64_t *size, char **note, vg_error *err)
{
    *size = 0;
    *note = NULL;
    return tx->ops->tlog_checkpoint_latest(tx->impl, size, note, err);
}

vg_status vg_tx_files_unmatch(vg_tx *tx, const char *bank, const char *entry_id,
                              int64_t **report_ids, size_t *count, vg_error *err)
{
    *report_ids = NULL;
    *count = 0;
    if (!tx->writable)
        return read_only(err, "files_unmatch");
    return tx->ops->files_unmatch(tx->impl, bank, entry_id, report_ids, count, err);
}

/* ---- the blocking list (store/blocklist.h) -------------------------------- */

vg_status vg_tx_block_put(vg_tx *tx, const vg_block_entry *e, int64_t *id, vg_error *err)
{
    if (!tx->writable)
        return read_only(err, "block_put");
    int64_t ignored;
    return tx->ops->block_put(tx->impl, e, id ? id : &ignored, err);
}

vg_status vg_tx_blocks(vg_tx *tx, const vg_block_filter *filter, size_t limit,
                       vg_block_entry **rows, size_t *count, vg_error *err)
{
    static const vg_block_filter all;
    return tx->ops->blocks(tx->impl, filter ? filter : &all, limit, rows, count, err);
}

vg_status vg_tx_blocklist_version(vg_tx *tx, int64_t *version, vg_error *err)
{
    return tx->ops->blocklist_version(tx->impl, version, err);
}

vg_status vg_tx_blocklist_version_next(vg_tx *tx, int64_t *version, vg_error *err)
{
    if (!tx->writable)
        return read_only(err, "blocklist_version_next");
    return tx->ops->blocklist_version_next(tx->impl, version, err);
}

vg_status vg_tx_appeal_put(vg_tx *tx, const vg_block_appeal *a, int64_t *id, vg_error *err)
{
    if (!tx->writable)
        return read_only(err, "appeal_put");
    int64_t ignored;
    return tx->ops->appeal_put(tx->impl, a, id ? id : &ignored, err);
}

vg_status vg_tx_appeals(vg_tx *tx, int64_t id, int64_t entry_id, const char *state,
                        size_t limit, vg_block_appeal **rows, size_t *count, vg_error *err)
{
    return tx->ops->appeals(tx->impl, id, entry_id, state, limit, rows, count, err);
}

/* ---- the crawl job's targets (store/crawl.h) -------------------------------- */

void vg_crawl_targets_free(vg_crawl_target *rows, size_t count)
{
    for (size_t i = 0; rows && i < count; i++) {
        free(rows[i].url);
        free(rows[i].origin);
        free(rows[i].last_error);
    }
    free(rows);
}

vg_status vg_tx_crawl_seed(vg_tx *tx, int64_t now, int64_t *added, vg_error *err)
{
    int64_t ignored;
    if (!added)
        added = &ignored;
    *added = 0;
    if (!tx->writable)
        return read_only(err, "crawl_seed");
    return tx->ops->crawl_seed(tx->impl, now, added, err);
}

vg_status vg_tx_crawl_target_add(vg_tx *tx, const vg_crawl_target *t, int *inserted,
                                 vg_error *err)
{
    int ignored;
    if (!inserted)
        inserted = &ignored;
    *inserted = 0;
    if (!tx->writable)
        return read_only(err, "crawl_target_add");
    if (!t->url || !*t->url)
        return vg_error_set(err, VG_ERR_INVALID, "a crawl target needs a URL");
    return tx->ops->crawl_target_add(tx->impl, t, inserted, err);
}

vg_status vg_tx_crawl_targets(vg_tx *tx, int64_t due_at, size_t limit, vg_crawl_target **rows,
                              size_t *count, vg_error *err)
{
    *rows = NULL;
    *count = 0;
    return tx->ops->crawl_targets(tx->impl, due_at, limit, rows, count, err);
}

vg_status vg_tx_crawl_target_done(vg_tx *tx, const vg_crawl_target *t, vg_error *err)
{
    if (!tx->writable)
        return read_only(err, "crawl_target_done");
    return tx->ops->crawl_target_done(tx->impl, t, err);
}

vg_status vg_tx_crawl_url_live(vg_tx *tx, const char *url, int *live, vg_error *err)
{
    *live = 0;
    return tx->ops->crawl_url_live(tx->impl, url, live, err);
}

/* ---- quarantined bank entries (store/quarantine.h) ------------------------- */

vg_status vg_tx_quarantine_get(vg_tx *tx, const char *bank, const char *entry,
                               vg_quarantine_row *row, int *found, vg_error *err)
{
    memset(row, 0, sizeof *row);
    *found = 0;
    return tx->ops->quarantine_get(tx->impl, bank, entry, row, found, err);
}

vg_status vg_tx_quarantine_put(vg_tx *tx, const vg_quarantine_row *row, vg_error *err)
{
    if (!tx->writable)
        return read_only(err, "quarantine_put");
    return tx->ops->quarantine_put(tx->impl, row, err);
}

vg_status vg_tx_quarantine_held(vg_tx *tx, size_t limit, vg_quarantine_row **rows,
                                size_t *count, vg_error *err)
{
    *rows = NULL;
    *count = 0;
    return tx->ops->quarantine_held(tx->impl, limit, rows, count, err);
}

/* ---- signed sources' verified lists (store/signed_lists.h) ----------------- */

vg_status vg_tx_signed_lines_add(vg_tx *tx, const char *source, int64_t generation,
                                 const char *const *lines, size_t count, vg_error *err)
{
    if (!tx->writable)
        return read_only(err, "signed_lines_add");
    return count ? tx->ops->signed_lines_add(tx->impl, source, generation, lines, count, err)
                 : VG_OK;
}

vg_status vg_tx_signed_lines_remove(vg_tx *tx, const char *source, int64_t generation,
                                    const char *const *lines, size_t count, vg_error *err)
{
    if (!tx->writable)
        return read_only(err, "signed_lines_remove");
    return count ? tx->ops->signed_lines_remove(tx->impl, source, generation, lines, count, err)
                 : VG_OK;
}

vg_status vg_tx_signed_lines_prune(vg_tx *tx, const char *source, int64_t keep, size_t limit,
                                   size_t *removed, vg_error *err)
{
    *removed = 0;
    if (!tx->writable)
        return read_only(err, "signed_lines_prune");
    return limit ? tx->ops->signed_lines_prune(tx->impl, source, keep, limit, removed, err)
                 : VG_OK;
}

vg_status vg_tx_signed_lines_each(vg_tx *tx, const char *source, int64_t generation,
                                  vg_signed_line_fn fn, void *ctx, vg_error *err)
{
    return tx->ops->signed_lines_each(tx->impl, source, generation, fn, ctx, err);
}

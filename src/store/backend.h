/*
 * src/store/backend.h - what a storage backend provides.
 *
 * A backend fills one vg_store_ops table: opening and closing, running a
 * function inside a transaction, and one function per operation of the
 * table-group headers (store/settings in store.h, reports.h, people.h,
 * audit.h, items.h, jobs.h, alerts.h, stats.h, routes.h, exchange.h, notices.h,
 * tlog.h, blocklist.h, quarantine.h), each taking the backend's own transaction
 * object. The contracts are those headers', function for function; store.c
 * forwards every vg_tx_* call here and refuses writes in read transactions
 * before they arrive. Backends are mechanism only: no rule of the hotline
 * lives in them (tests/store/contract.c holds every backend to the same
 * behaviour).
 */
#ifndef VIGIE_STORE_BACKEND_H
#define VIGIE_STORE_BACKEND_H

#include "store/alerts.h"
#include "store/audit.h"
#include "store/exchange.h"
#include "store/blocklist.h"
#include "store/crawl.h"
#include "store/items.h"
#include "store/jobs.h"
#include "store/notices.h"
#include "store/stats.h"
#include "store/people.h"
#include "store/quarantine.h"
#include "store/signed_lists.h"
#include "store/reports.h"
#include "store/routes.h"
#include "store/store.h"
#include "store/tlog.h"

struct vg_tx {
    const struct vg_store_ops *ops;
    void *impl; /* the backend's transaction (a connection, for both backends) */
    int writable;
};

typedef struct vg_store_ops {
    const char *name;
    void (*close)(void *store);
    int (*schema_version)(void *store);
    void (*stats)(void *store, vg_store_stats *stats);
    /* Run fn in a transaction: tx->ops and tx->writable are set by store.c,
     * the backend sets tx->impl. */
    vg_status (*write)(void *store, vg_tx *tx, vg_tx_fn fn, void *ctx, vg_error *err);
    vg_status (*read)(void *store, vg_tx *tx, vg_tx_fn fn, void *ctx, vg_error *err);

    vg_status (*setting_get)(void *tx, const char *name, char **value, vg_error *err);
    vg_status (*setting_set)(void *tx, const char *name, const char *value, vg_error *err);
    vg_status (*setting_init)(void *tx, const char *name, const char *value, char **value_out,
                              vg_error *err);
    vg_status (*idempotency_get)(void *tx, int64_t api_key_id, const char *key, int *found,
                                 int64_t *report_id, char **response, char **request_hash,
                                 vg_error *err);
    vg_status (*idempotency_put)(void *tx, int64_t api_key_id, const vg_idempotency *idem,
                                 int64_t report_id, int64_t now, vg_error *err);
    vg_status (*idempotency_prune)(void *tx, int64_t before, int64_t *removed, vg_error *err);
    vg_status (*case_candidates)(void *tx, const vg_report *report, vg_case_candidate **candidates,
                                 size_t *count, vg_error *err);
    vg_status (*case_new)(void *tx, int64_t now, int64_t *case_id, vg_error *err);
    vg_status (*report_put)(void *tx, const vg_report *report, int64_t case_id, int64_t now,
                            int64_t *id, vg_error *err);
    vg_status (*report_put_new_case)(void *tx, const vg_report *report, int64_t now,
                                     int64_t *case_id, int64_t *id, vg_error *err);
    vg_status (*report_set_case)(void *tx, int64_t id, int64_t case_id, vg_error *err);
    vg_status (*report_set_status)(void *tx, int64_t id, const char *status, int64_t now,
                                   vg_error *err);
    vg_status (*report_by_receipt)(void *tx, const char *receipt_code, vg_report_row *row,
                                   int *found, vg_error *err);
    vg_status (*reports_recent)(void *tx, size_t limit, vg_report_row **rows, size_t *count,
                                vg_error *err);
    vg_status (*report_count)(void *tx, int64_t *count, vg_error *err);
    vg_status (*report_urls)(void *tx, int64_t id, char ***canonical, size_t *count, vg_error *err);
    vg_status (*report_pdqs)(void *tx, int64_t after_file_id, vg_store_pdq_fn fn, void *ctx,
                             vg_error *err);
    vg_status (*account_create)(void *tx, const char *username, const char *password_hash,
                                vg_role role, int64_t now, int64_t *id, vg_error *err);
    vg_status (*account_get)(void *tx, const char *username, int64_t id, vg_account *account,
                             int *found, vg_error *err);
    vg_status (*accounts_list)(void *tx, vg_account **accounts, size_t *count, vg_error *err);
    vg_status (*account_set_disabled)(void *tx, const char *username, int disabled, int *found,
                                      vg_error *err);
    vg_status (*account_set_password)(void *tx, int64_t id, const char *password_hash,
                                      vg_error *err);
    vg_status (*account_set_totp)(void *tx, int64_t id, const char *secret, vg_error *err);
    vg_status (*account_set_role)(void *tx, int64_t id, vg_role role, vg_error *err);
    vg_status (*account_set_language)(void *tx, int64_t id, const char *language,
                                      vg_error *err);
    vg_status (*account_use_totp_step)(void *tx, int64_t id, int64_t step, int *accepted,
                                       vg_error *err);
    vg_status (*session_create)(void *tx, const vg_session *session, int max_per_account,
                                int64_t now, vg_error *err);
    vg_status (*session_get)(void *tx, const char *token_hash, int64_t now, vg_session *session,
                             int *found, vg_error *err);
    vg_status (*session_delete)(void *tx, const char *token_hash, vg_error *err);
    vg_status (*session_extend)(void *tx, const char *token_hash, int64_t expires_at, int64_t now,
                                vg_error *err);
    vg_status (*sessions_delete_account)(void *tx, int64_t account_id, vg_error *err);
    vg_status (*sessions_prune)(void *tx, int64_t now, int64_t *removed, vg_error *err);
    vg_status (*api_key_create)(void *tx, const char *prefix, const char *key_hash, const char *org,
                                uint32_t rate, int trust, int64_t now, int64_t *id, vg_error *err);
    vg_status (*api_key_get)(void *tx, const char *key_hash, vg_api_key *key, int *found,
                             vg_error *err);
    vg_status (*api_key_revoke)(void *tx, int64_t id, const char *prefix, int *found,
                                vg_error *err);
    vg_status (*api_key_set_trust)(void *tx, int64_t id, const char *prefix, int trust, int *found,
                                   vg_error *err);
    vg_status (*api_key_set_scopes)(void *tx, int64_t id, const char *prefix, unsigned scopes,
                                    int *found, vg_error *err);
    vg_status (*api_keys_list)(void *tx, vg_api_key **keys, size_t *count, vg_error *err);
    vg_status (*api_key_by_id)(void *tx, int64_t id, vg_api_key *key, int *found, vg_error *err);
    vg_status (*login_get)(void *tx, const char *key, vg_login_state *state, vg_error *err);
    vg_status (*login_put)(void *tx, const char *key, const vg_login_state *state, int64_t now,
                           vg_error *err);
    vg_status (*login_prune)(void *tx, int64_t now, int64_t *removed, vg_error *err);
    vg_status (*audit_append)(void *tx, int64_t time, const vg_audit_note *note, int64_t *seq,
                              vg_error *err);
    vg_status (*audit_each)(void *tx, vg_audit_visit_fn fn, void *ctx, vg_error *err);
    vg_status (*audit_for_targets)(void *tx, const char *const *targets, size_t count,
                                   vg_audit_visit_fn fn, void *ctx, vg_error *err);
    vg_status (*audit_search)(void *tx, const vg_audit_filter *filter, size_t limit,
                              vg_audit_visit_fn fn, void *ctx, vg_error *err);
    vg_status (*audit_head)(void *tx, int64_t *seq, char hash[65], vg_error *err);
    vg_status (*item_get)(void *tx, int64_t report_id, vg_item *item, int *found, vg_error *err);
    vg_status (*items_open)(void *tx, size_t limit, vg_item **items, size_t *count, vg_error *err);
    vg_status (*items_done)(void *tx, size_t limit, vg_item **items, size_t *count, vg_error *err);
    vg_status (*items_of_case)(void *tx, int64_t case_id, vg_item **items, size_t *count,
                               vg_error *err);
    vg_status (*item_put)(void *tx, const vg_item *item, int64_t now, vg_error *err);
    vg_status (*item_ids_open)(void *tx, int64_t *ids, size_t max, size_t *count, vg_error *err);
    vg_status (*item_ids_sharing_files)(void *tx, int64_t report_id, int64_t *ids, size_t max,
                                        size_t *count, vg_error *err);
    vg_status (*item_ids_same_content)(void *tx, int64_t report_id, int64_t *ids, size_t max,
                                       size_t *count, vg_error *err);
    vg_status (*item_ids_sharing_urls)(void *tx, int64_t report_id, int64_t *ids, size_t max,
                                       size_t *count, vg_error *err);
    vg_status (*item_ids_decided_from)(void *tx, int64_t report_id, int64_t *ids, size_t max,
                                       size_t *count, vg_error *err);
    vg_status (*item_ids_find)(void *tx, const char *receipt, const char *url, const char *digest,
                               int64_t *ids, size_t max, size_t *count, vg_error *err);
    vg_status (*item_counts)(void *tx, vg_item_counts *counts, vg_error *err);
    vg_status (*files)(void *tx, int64_t report_id, int64_t case_id, vg_item_file **files,
                       size_t *count, vg_error *err);
    vg_status (*file_get)(void *tx, int64_t file_id, vg_item_file *file, int *found, vg_error *err);
    vg_status (*case_urls)(void *tx, int64_t case_id, vg_item_url **urls, size_t *count,
                           vg_error *err);
    vg_status (*pdqs_elsewhere)(void *tx, int64_t case_id, vg_store_case_pdq_fn fn, void *ctx,
                                vg_error *err);
    vg_status (*bank_put)(void *tx, const char *sha256, const char *pdq, const vg_verdict *v,
                          int64_t report_id, int64_t now, vg_error *err);
    vg_status (*bank_remove_report)(void *tx, int64_t report_id, int64_t *removed, vg_error *err);
    vg_status (*bank_count)(void *tx, int64_t *count, vg_error *err);
    vg_status (*bank_entries)(void *tx, const char *sha256, size_t limit, vg_own_entry **rows,
                              size_t *count, vg_error *err);
    vg_status (*job_lease)(void *tx, const char *name, const char *node, int64_t now,
                           int64_t lease_seconds, int *taken, vg_error *err);
    vg_status (*job_done)(void *tx, const char *name, const char *node, int64_t next_run,
                          vg_error *err);
    vg_status (*alert_raise)(void *tx, int64_t report_id, const char *reason,
                             const char *const *channels, size_t count, int64_t now,
                             int64_t *alert_id, vg_error *err);
    vg_status (*alert_get)(void *tx, int64_t alert_id, vg_alert *alert, int *found,
                           vg_error *err);
    vg_status (*alerts_unacked)(void *tx, size_t limit, vg_alert **alerts, size_t *count,
                                int64_t *total, vg_error *err);
    vg_status (*alerts_recent)(void *tx, size_t limit, vg_alert **alerts, size_t *count,
                               vg_error *err);
    vg_status (*alert_ack)(void *tx, int64_t alert_id, const char *by, int64_t now, int *changed,
                           vg_error *err);
    vg_status (*deliveries_due)(void *tx, int64_t now, size_t limit,
                                vg_alert_delivery **deliveries, size_t *count, vg_error *err);
    vg_status (*alert_deliveries)(void *tx, int64_t alert_id, vg_alert_delivery **deliveries,
                                  size_t *count, vg_error *err);
    vg_status (*delivery_record)(void *tx, int64_t delivery_id, int64_t now, int delivered,
                                 const char *detail, int64_t next_at, vg_error *err);
    vg_status (*alert_attempts)(void *tx, int64_t alert_id, vg_alert_attempt **attempts,
                                size_t *count, vg_error *err);
    vg_status (*report_facts)(void *tx, int64_t from, int64_t to, vg_store_fact_fn fn,
                              void *ctx, vg_error *err);
    vg_status (*stats_fold)(void *tx, size_t limit, size_t *folded, vg_error *err);
    vg_status (*routes_todo)(void *tx, const char *legal, size_t limit, vg_url_route_todo **todo,
                             size_t *count, vg_error *err);
    vg_status (*route_put)(void *tx, const vg_url_route_row *row, int *inserted, vg_error *err);
    vg_status (*routes)(void *tx, int64_t report_id, int64_t case_id, vg_url_route_row **rows,
                        size_t *count, vg_error *err);
    vg_status (*exchange_banks)(void *tx, vg_exchange_bank **rows, size_t *count, vg_error *err);
    vg_status (*exchange_bank_put)(void *tx, const vg_exchange_bank *row, vg_error *err);
    vg_status (*exchange_content_put)(void *tx, const vg_exchange_content *row, vg_error *err);
    vg_status (*exchange_content_get)(void *tx, int64_t entry, vg_exchange_content *row,
                                      int *found, vg_error *err);
    vg_status (*exchange_content_disabled)(void *tx, int64_t now, int64_t **entries,
                                           size_t *count, vg_error *err);
    vg_status (*exchange_report_put)(void *tx, const vg_exchange_report *row, int only_new,
                                     int *written, vg_error *err);
    vg_status (*exchange_report_get)(void *tx, int64_t id, vg_exchange_report *row, int *found,
                                     vg_error *err);
    vg_status (*exchange_report_delete)(void *tx, int64_t id, vg_error *err);
    vg_status (*exchange_reports_due)(void *tx, int64_t now, size_t limit,
                                      vg_exchange_report **rows, size_t *count, vg_error *err);
    vg_status (*exchange_reports_open)(void *tx, int64_t *count, vg_error *err);
    vg_status (*notice_todo)(void *tx, const char *action, size_t limit, vg_notice_todo **todo,
                             size_t *count, vg_error *err);
    vg_status (*notice_put)(void *tx, const vg_notice_row *row, int64_t *id, vg_error *err);
    vg_status (*notices)(void *tx, const vg_notice_filter *filter, size_t limit,
                         vg_notice_row **rows, size_t *count, vg_error *err);
    vg_status (*notice_event_add)(void *tx, int64_t notice_id, int64_t at, const char *kind,
                                  const char *detail, vg_error *err);
    vg_status (*notice_events)(void *tx, int64_t notice_id, vg_notice_event **events,
                               size_t *count, vg_error *err);
    vg_status (*notice_removals)(void *tx, vg_store_removal_fn fn, void *ctx, vg_error *err);
    vg_status (*route_get)(void *tx, int64_t id, vg_url_route_row *row, int *found,
                           vg_error *err);
    vg_status (*route_decide)(void *tx, const vg_url_route_row *row, const char *was_state,
                              const char *was_actions, const char *was_changed_by, int *changed,
                              vg_error *err);
    vg_status (*delivery_add)(void *tx, const vg_route_delivery *d, int *inserted,
                              vg_error *err);
    vg_status (*deliveries)(void *tx, int64_t report_id, int64_t now, size_t limit,
                            vg_route_delivery **rows, size_t *count, vg_error *err);
    vg_status (*delivery_update)(void *tx, const vg_route_delivery *d, vg_error *err);
    vg_status (*action_add)(void *tx, const vg_route_action *a, int *inserted, vg_error *err);
    vg_status (*actions)(void *tx, int64_t report_id, vg_route_action **rows, size_t *count,
                         vg_error *err);
    vg_status (*delivery_by_reference)(void *tx, const char *kind, const char *target,
                                       const char *reference, vg_route_delivery *d, int *found,
                                       vg_error *err);
    vg_status (*callback_arm)(void *tx, int64_t report_id, const char *target, int64_t now,
                              vg_error *err);
    vg_status (*callbacks_due)(void *tx, int64_t now, size_t limit, vg_partner_callback **rows,
                               size_t *count, vg_error *err);
    vg_status (*callback_update)(void *tx, const vg_partner_callback *c, int *changed,
                                 vg_error *err);
    vg_status (*delivery_partner_status)(void *tx, int64_t id, const char *status,
                                         int64_t version, int64_t at, int *changed,
                                         vg_error *err);
    vg_status (*report_by_public_id)(void *tx, const char *public_id, vg_report_row *row,
                                     int *found, vg_error *err);
    vg_status (*tlog_size)(void *tx, uint64_t *size, vg_error *err);
    vg_status (*tlog_append)(void *tx, uint64_t index, const char *entry, size_t len,
                             const vg_tlog_hash_row *hashes, size_t count, vg_error *err);
    vg_status (*tlog_hashes)(void *tx, unsigned level, uint64_t index, size_t count,
                             unsigned char *out, vg_error *err);
    vg_status (*tlog_entries)(void *tx, uint64_t index, size_t count, char **texts, size_t *lens,
                              vg_error *err);
    vg_status (*tlog_checkpoint_put)(void *tx, uint64_t size, const char *note, int64_t at,
                                     vg_error *err);
    vg_status (*tlog_checkpoint_latest)(void *tx, uint64_t *size, char **note, vg_error *err);
    vg_status (*files_unmatch)(void *tx, const char *bank, const char *entry_id,
                               int64_t **report_ids, size_t *count, vg_error *err);
    vg_status (*block_put)(void *tx, const vg_block_entry *e, int64_t *id, vg_error *err);
    vg_status (*blocks)(void *tx, const vg_block_filter *filter, size_t limit,
                        vg_block_entry **rows, size_t *count, vg_error *err);
    vg_status (*blocklist_version)(void *tx, int64_t *version, vg_error *err);
    vg_status (*blocklist_version_next)(void *tx, int64_t *version, vg_error *err);
    vg_status (*appeal_put)(void *tx, const vg_block_appeal *a, int64_t *id, vg_error *err);
    vg_status (*appeals)(void *tx, int64_t id, int64_t entry_id, const char *state, size_t limit,
                         vg_block_appeal **rows, size_t *count, vg_error *err);
    vg_status (*crawl_seed)(void *tx, int64_t now, int64_t *added, vg_error *err);
    vg_status (*crawl_target_add)(void *tx, const vg_crawl_target *t, int *inserted,
                                  vg_error *err);
    vg_status (*crawl_targets)(void *tx, int64_t due_at, size_t limit, vg_crawl_target **rows,
                               size_t *count, vg_error *err);
    vg_status (*crawl_target_done)(void *tx, const vg_crawl_target *t, vg_error *err);
    vg_status (*crawl_url_live)(void *tx, const char *url, int *live, vg_error *err);
    vg_status (*quarantine_get)(void *tx, const char *bank, const char *entry,
                                vg_quarantine_row *row, int *found, vg_error *err);
    vg_status (*quarantine_put)(void *tx, const vg_quarantine_row *row, vg_error *err);
    vg_status (*quarantine_held)(void *tx, size_t limit, vg_quarantine_row **rows,
                                 size_t *count, vg_error *err);
    vg_status (*signed_lines_add)(void *tx, const char *source, int64_t generation,
                                  const char *const *lines, size_t count, vg_error *err);
    vg_status (*signed_lines_remove)(void *tx, const char *source, int64_t generation,
                                     const char *const *lines, size_t count, vg_error *err);
    vg_status (*signed_lines_prune)(void *tx, const char *source, int64_t keep, size_t limit,
                                    size_t *removed, vg_error *err);
    vg_status (*signed_lines_each)(void *tx, const char *source, int64_t generation,
                                   vg_signed_line_fn fn, void *ctx, vg_error *err);
} vg_store_ops;

/* The SQLite backend: DIR/vigie.db (store/sqlite/). */
vg_status vg_sqlite_open(const char *dir, const vg_store_options *options, const vg_store_ops **ops,
                         void **impl, vg_error *err);
/* The PostgreSQL backend: a database named by a libpq URI (store/postgres/). */
vg_status vg_postgres_open(const char *location, const vg_store_options *options,
                           const vg_store_ops **ops, void **impl, vg_error *err);

#endif

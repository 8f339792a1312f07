/*
 * src/store/sqlite/ops.h - the list of the SQLite backend's operations,
 * one SQ_OP(name, parameters) each, in the order of store/backend.h.
 * Included with SQ_OP defined: as prototypes (sqlite.h) and as the ops
 * table (db.c). No include guard, on purpose.
 */
SQ_OP(setting_get, const char *name, char **value, vg_error *err)
SQ_OP(setting_set, const char *name, const char *value, vg_error *err)
SQ_OP(setting_init, const char *name, const char *value, char **value_out, vg_error *err)
SQ_OP(idempotency_get, int64_t api_key_id, const char *key, int *found, int64_t *report_id,
      char **response, char **request_hash, vg_error *err)
SQ_OP(idempotency_put, int64_t api_key_id, const vg_idempotency *idem, int64_t report_id,
      int64_t now, vg_error *err)
SQ_OP(idempotency_prune, int64_t before, int64_t *removed, vg_error *err)
SQ_OP(case_candidates, const vg_report *report, vg_case_candidate **candidates, size_t *count,
      vg_error *err)
SQ_OP(case_new, int64_t now, int64_t *case_id, vg_error *err)
SQ_OP(report_put, const vg_report *report, int64_t case_id, int64_t now, int64_t *id,
      vg_error *err)
SQ_OP(report_put_new_case, const vg_report *report, int64_t now, int64_t *case_id, int64_t *id,
      vg_error *err)
SQ_OP(report_set_case, int64_t id, int64_t case_id, vg_error *err)
SQ_OP(report_set_status, int64_t id, const char *status, int64_t now, vg_error *err)
SQ_OP(report_by_receipt, const char *receipt_code, vg_report_row *row, int *found, vg_error *err)
SQ_OP(reports_recent, size_t limit, vg_report_row **rows, size_t *count, vg_error *err)
SQ_OP(report_count, int64_t *count, vg_error *err)
SQ_OP(report_urls, int64_t id, char ***canonical, size_t *count, vg_error *err)
SQ_OP(report_pdqs, int64_t after_file_id, vg_store_pdq_fn fn, void *ctx, vg_error *err)
SQ_OP(account_create, const char *username, const char *password_hash, vg_role role, int64_t now,
      int64_t *id, vg_error *err)
SQ_OP(account_get, const char *username, int64_t id, vg_account *account, int *found,
      vg_error *err)
SQ_OP(accounts_list, vg_account **accounts, size_t *count, vg_error *err)
SQ_OP(account_set_disabled, const char *username, int disabled, int *found, vg_error *err)
SQ_OP(account_set_password, int64_t id, const char *password_hash, vg_error *err)
SQ_OP(account_set_totp, int64_t id, const char *secret, vg_error *err)
SQ_OP(account_set_role, int64_t id, vg_role role, vg_error *err)
SQ_OP(account_set_language, int64_t id, const char *language, vg_error *err)
SQ_OP(account_use_totp_step, int64_t id, int64_t step, int *accepted, vg_error *err)
SQ_OP(session_create, const vg_session *session, int max_per_account, int64_t now, vg_error *err)
SQ_OP(session_get, const char *token_hash, int64_t now, vg_session *session, int *found,
      vg_error *err)
SQ_OP(session_delete, const char *token_hash, vg_error *err)
SQ_OP(session_extend, const char *token_hash, int64_t expires_at, int64_t now, vg_error *err)
SQ_OP(sessions_delete_account, int64_t account_id, vg_error *err)
SQ_OP(sessions_prune, int64_t now, int64_t *removed, vg_error *err)
SQ_OP(api_key_create, const char *prefix, const char *key_hash, const char *org, uint32_t rate,
      int trust, int64_t now, int64_t *id, vg_error *err)
SQ_OP(api_key_get, const char *key_hash, vg_api_key *key, int *found, vg_error *err)
SQ_OP(api_key_revoke, int64_t id, const char *prefix, int *found, vg_error *err)
SQ_OP(api_key_set_trust, int64_t id, const char *prefix, int trust, int *found, vg_error *err)
SQ_OP(api_key_set_scopes, int64_t id, const char *prefix, unsigned scopes, int *found,
      vg_error *err)
SQ_OP(api_keys_list, vg_api_key **keys, size_t *count, vg_error *err)
SQ_OP(api_key_by_id, int64_t id, vg_api_key *key, int *found, vg_error *err)
SQ_OP(login_get, const char *key, vg_login_state *state, vg_error *err)
SQ_OP(login_put, const char *key, const vg_login_state *state, int64_t now, vg_error *err)
SQ_OP(login_prune, int64_t now, int64_t *removed, vg_error *err)
SQ_OP(audit_append, int64_t time, const vg_audit_note *note, int64_t *seq, vg_error *err)
SQ_OP(audit_each, vg_audit_visit_fn fn, void *ctx, vg_error *err)
SQ_OP(audit_for_targets, const char *const *targets, size_t count, vg_audit_visit_fn fn, void *ctx,
      vg_error *err)
SQ_OP(audit_search, const vg_audit_filter *filter, size_t limit, vg_audit_visit_fn fn, void *ctx,
      vg_error *err)
SQ_OP(audit_head, int64_t *seq, char hash[65], vg_error *err)
SQ_OP(item_get, int64_t report_id, vg_item *item, int *found, vg_error *err)
SQ_OP(items_open, size_t limit, vg_item **items, size_t *count, vg_error *err)
SQ_OP(items_done, size_t limit, vg_item **items, size_t *count, vg_error *err)
SQ_OP(items_of_case, int64_t case_id, vg_item **items, size_t *count, vg_error *err)
SQ_OP(item_put, const vg_item *item, int64_t now, vg_error *err)
SQ_OP(item_ids_open, int64_t *ids, size_t max, size_t *count, vg_error *err)
SQ_OP(item_ids_sharing_files, int64_t report_id, int64_t *ids, size_t max, size_t *count,
      vg_error *err)
SQ_OP(item_ids_same_content, int64_t report_id, int64_t *ids, size_t max, size_t *count,
      vg_error *err)
SQ_OP(item_ids_sharing_urls, int64_t report_id, int64_t *ids, size_t max, size_t *count,
      vg_error *err)
SQ_OP(item_ids_decided_from, int64_t report_id, int64_t *ids, size_t max, size_t *count,
      vg_error *err)
SQ_OP(item_ids_find, const char *receipt, const char *url, const char *digest, int64_t *ids,
      size_t max, size_t *count, vg_error *err)
SQ_OP(item_counts, vg_item_counts *counts, vg_error *err)
SQ_OP(files, int64_t report_id, int64_t case_id, vg_item_file **files, size_t *count,
      vg_error *err)
SQ_OP(file_get, int64_t file_id, vg_item_file *file, int *found, vg_error *err)
SQ_OP(case_urls, int64_t case_id, vg_item_url **urls, size_t *count, vg_error *err)
SQ_OP(pdqs_elsewhere, int64_t case_id, vg_store_case_pdq_fn fn, void *ctx, vg_error *err)
SQ_OP(bank_put, const char *sha256, const char *pdq, const vg_verdict *v, int64_t report_id,
      int64_t now, vg_error *err)
SQ_OP(bank_remove_report, int64_t report_id, int64_t *removed, vg_error *err)
SQ_OP(bank_count, int64_t *count, vg_error *err)
SQ_OP(bank_entries, const char *sha256, size_t limit, vg_own_entry **rows, size_t *count,
      vg_error *err)
SQ_OP(job_lease, const char *name, const char *node, int64_t now, int64_t lease_seconds, int *taken,
      vg_error *err)
SQ_OP(job_done, const char *name, const char *node, int64_t next_run, vg_error *err)
SQ_OP(alert_raise, int64_t report_id, const char *reason, const char *const *channels, size_t count,
      int64_t now, int64_t *alert_id, vg_error *err)
SQ_OP(alert_get, int64_t alert_id, vg_alert *alert, int *found, vg_error *err)
SQ_OP(alerts_unacked, size_t limit, vg_alert **alerts, size_t *count, int64_t *total,
      vg_error *err)
SQ_OP(alerts_recent, size_t limit, vg_alert **alerts, size_t *count, vg_error *err)
SQ_OP(alert_ack, int64_t alert_id, const char *by, int64_t now, int *changed, vg_error *err)
SQ_OP(deliveries_due, int64_t now, size_t limit, vg_alert_delivery **deliveries, size_t *count,
      vg_error *err)
SQ_OP(alert_deliveries, int64_t alert_id, vg_alert_delivery **deliveries, size_t *count,
      vg_error *err)
SQ_OP(delivery_record, int64_t delivery_id, int64_t now, int delivered, const char *detail,
      int64_t next_at, vg_error *err)
SQ_OP(alert_attempts, int64_t alert_id, vg_alert_attempt **attempts, size_t *count, vg_error *err)
SQ_OP(report_facts, int64_t from, int64_t to, vg_store_fact_fn fn, void *ctx, vg_error *err)
SQ_OP(stats_fold, size_t limit, size_t *folded, vg_error *err)
SQ_OP(routes_todo, const char *legal, size_t limit, vg_url_route_todo **todo, size_t *count,
      vg_error *err)
SQ_OP(route_put, const vg_url_route_row *row, int *inserted, vg_error *err)
SQ_OP(routes, int64_t report_id, int64_t case_id, vg_url_route_row **rows, size_t *count,
      vg_error *err)
SQ_OP(exchange_banks, vg_exchange_bank **rows, size_t *count, vg_error *err)
SQ_OP(exchange_bank_put, const vg_exchange_bank *row, vg_error *err)
SQ_OP(exchange_content_put, const vg_exchange_content *row, vg_error *err)
SQ_OP(exchange_content_get, int64_t entry, vg_exchange_content *row, int *found, vg_error *err)
SQ_OP(exchange_content_disabled, int64_t now, int64_t **entries, size_t *count, vg_error *err)
SQ_OP(exchange_report_put, const vg_exchange_report *row, int only_new, int *written,
      vg_error *err)
SQ_OP(exchange_report_get, int64_t id, vg_exchange_report *row, int *found, vg_error *err)
SQ_OP(exchange_report_delete, int64_t id, vg_error *err)
SQ_OP(exchange_reports_due, int64_t now, size_t limit, vg_exchange_report **rows, size_t *count,
      vg_error *err)
SQ_OP(exchange_reports_open, int64_t *count, vg_error *err)
SQ_OP(notice_todo, const char *action, size_t limit, vg_notice_todo **todo, size_t *count,
      vg_error *err)
SQ_OP(notice_put, const vg_notice_row *row, int64_t *id, vg_error *err)
SQ_OP(notices, const vg_notice_filter *filter, size_t limit, vg_notice_row **rows, size_t *count,
      vg_error *err)
SQ_OP(notice_event_add, int64_t notice_id, int64_t at, const char *kind, const char *detail,
      vg_error *err)
SQ_OP(notice_events, int64_t notice_id, vg_notice_event **events, size_t *count, vg_error *err)
SQ_OP(notice_removals, vg_store_removal_fn fn, void *ctx, vg_error *err)
SQ_OP(route_get, int64_t id, vg_url_route_row *row, int *found, vg_error *err)
SQ_OP(route_decide, const vg_url_route_row *row, const char *was_state, const char *was_actions,
      const char *was_changed_by, int *changed, vg_error *err)
SQ_OP(delivery_add, const vg_route_delivery *d, int *inserted, vg_error *err)
SQ_OP(deliveries, int64_t report_id, int64_t now, size_t limit, vg_route_delivery **rows,
      size_t *count, vg_error *err)
SQ_OP(delivery_update, const vg_route_delivery *d, vg_error *err)
SQ_OP(action_add, const vg_route_action *a, int *inserted, vg_error *err)
SQ_OP(actions, int64_t report_id, vg_route_action **rows, size_t *count, vg_error *err)
SQ_OP(delivery_by_reference, const char *kind, const char *target, const char *reference,
      vg_route_delivery *d, int *found, vg_error *err)
SQ_OP(callback_arm, int64_t report_id, const char *target, int64_t now, vg_error *err)
SQ_OP(callbacks_due, int64_t now, size_t limit, vg_partner_callback **rows, size_t *count,
      vg_error *err)
SQ_OP(callback_update, const vg_partner_callback *c, int *changed, vg_error *err)
SQ_OP(delivery_partner_status, int64_t id, const char *status, int64_t version, int64_t at,
      int *changed, vg_error *err)
SQ_OP(report_by_public_id, const char *public_id, vg_report_row *row, int *found, vg_error *err)
SQ_OP(tlog_size, uint64_t *size, vg_error *err)
SQ_OP(tlog_append, uint64_t index, const char *entry, size_t len, const vg_tlog_hash_row *hashes,
      size_t count, vg_error *err)
SQ_OP(tlog_hashes, unsigned level, uint64_t index, size_t count, unsigned char *out,
      vg_error *err)
SQ_OP(tlog_entries, uint64_t index, size_t count, char **texts, size_t *lens, vg_error *err)
SQ_OP(tlog_checkpoint_put, uint64_t size, const char *note, int64_t at, vg_error *err)
SQ_OP(tlog_checkpoint_latest, uint64_t *size, char **note, vg_error *err)
SQ_OP(files_unmatch, const char *bank, const char *entry_id, int64_t **report_ids, size_t *count,
      vg_error *err)
SQ_OP(block_put, const vg_block_entry *e, int64_t *id, vg_error *err)
SQ_OP(blocks, const vg_block_filter *filter, size_t limit, vg_block_entry **rows, size_t *count,
      vg_error *err)
SQ_OP(blocklist_version, int64_t *version, vg_error *err)
SQ_OP(blocklist_version_next, int64_t *version, vg_error *err)
SQ_OP(appeal_put, const vg_block_appeal *a, int64_t *id, vg_error *err)
SQ_OP(appeals, int64_t id, int64_t entry_id, const char *state, size_t limit,
      vg_block_appeal **rows, size_t *count, vg_error *err)
SQ_OP(crawl_seed, int64_t now, int64_t *added, vg_error *err)
SQ_OP(crawl_target_add, const vg_crawl_target *t, int *inserted, vg_error *err)
SQ_OP(crawl_targets, int64_t due_at, size_t limit, vg_crawl_target **rows, size_t *count,
      vg_error *err)
SQ_OP(crawl_target_done, const vg_crawl_target *t, vg_error *err)
SQ_OP(crawl_url_live, const char *url, int *live, vg_error *err)
SQ_OP(quarantine_get, const char *bank, const char *entry, vg_quarantine_row *row, int *found,
      vg_error *err)
SQ_OP(quarantine_put, const vg_quarantine_row *row, vg_error *err)
SQ_OP(quarantine_held, size_t limit, vg_quarantine_row **rows, size_t *count, vg_error *err)
SQ_OP(signed_lines_add, const char *source, int64_t generation, const char *const *lines,
      size_t count, vg_error *err)
SQ_OP(signed_lines_remove, const char *source, int64_t generation, const char *const *lines,
      size_t count, vg_error *err)
SQ_OP(signed_lines_prune, const char *source, int64_t keep, size_t limit, size_t *removed,
      vg_error *err)
SQ_OP(signed_lines_each, const char *source, int64_t generation, vg_signed_line_fn fn,
      void *ctx, vg_error *err)

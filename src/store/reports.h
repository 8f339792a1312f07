/*
 * src/store/reports.h - reports, the URLs and files they point at, cases,
 * and partners' idempotency keys (operations inside a transaction,
 * store/store.h).
 */
#ifndef VIGIE_STORE_REPORTS_H
#define VIGIE_STORE_REPORTS_H

#include "model/report.h"
#include "store/store.h"

/* The idempotency key (api_key_id, key): *found, the report it made, and
 * the response and request hash kept with it (malloc'd, may be NULL). */
vg_status vg_tx_idempotency_get(vg_tx *tx, int64_t api_key_id, const char *key, int *found,
                                int64_t *report_id, char **response, char **request_hash,
                                vg_error *err);
vg_status vg_tx_idempotency_put(vg_tx *tx, int64_t api_key_id, const vg_idempotency *idem,
                                int64_t report_id, int64_t now, vg_error *err);
/* Forget idempotency keys made before `before`; *removed gets how many. */
vg_status vg_tx_idempotency_prune(vg_tx *tx, int64_t before, int64_t *removed, vg_error *err);

/* The earlier reports a new one could join: for each canonical URL, file
 * SHA-256, and the (platform, account) pair of report, the newest earlier
 * report sharing it (one candidate each at most). *candidates malloc'd. */
vg_status vg_tx_case_candidates(vg_tx *tx, const vg_report *report,
                                vg_case_candidate **candidates, size_t *count, vg_error *err);
/* Open a new case. */
vg_status vg_tx_case_new(vg_tx *tx, int64_t now, int64_t *case_id, vg_error *err);

/* Write a report with its URLs and files into case_id; *id gets its row. */
vg_status vg_tx_report_put(vg_tx *tx, const vg_report *report, int64_t case_id, int64_t now,
                           int64_t *id, vg_error *err);
/* The same into a case opened for it (vg_tx_case_new then
 * vg_tx_report_put, in one statement where the backend can): *case_id gets
 * the new case, *id the report. */
vg_status vg_tx_report_put_new_case(vg_tx *tx, const vg_report *report, int64_t now,
                                    int64_t *case_id, int64_t *id, vg_error *err);
/* Move a report to another case; the case it leaves is removed when no
 * report is left in it. */
vg_status vg_tx_report_set_case(vg_tx *tx, int64_t id, int64_t case_id, vg_error *err);
/* VG_ERR_INVALID when there is no such report. */
vg_status vg_tx_report_set_status(vg_tx *tx, int64_t id, const char *status, int64_t now,
                                  vg_error *err);

vg_status vg_tx_report_by_receipt(vg_tx *tx, const char *receipt_code, vg_report_row *row,
                                  int *found, vg_error *err);
/* The newest reports, newest first (at most limit, at most 10,000). */
/* The report a partner knows by its public id ("id" in the API); *found
 * = 0 when there is none. */
vg_status vg_tx_report_by_public_id(vg_tx *tx, const char *public_id, vg_report_row *row,
                                    int *found, vg_error *err);
vg_status vg_tx_reports_recent(vg_tx *tx, size_t limit, vg_report_row **rows, size_t *count,
                               vg_error *err);
vg_status vg_tx_report_count(vg_tx *tx, int64_t *count, vg_error *err);
/* The canonical URLs of one report, in order; *canonical malloc'd strings. */
vg_status vg_tx_report_urls(vg_tx *tx, int64_t id, char ***canonical, size_t *count,
                            vg_error *err);

/* Every stored file with a PDQ hash whose row is after after_file_id, oldest
 * first, as fn(ctx, file_id, case_id, pdq_hex); fn returns non-zero to stop
 * (then VG_ERR_ABORTED). The near-picture cache reads what is new with it. */
typedef int (*vg_store_pdq_fn)(void *ctx, int64_t file_id, int64_t case_id, const char *pdq_hex);
vg_status vg_tx_report_pdqs(vg_tx *tx, int64_t after_file_id, vg_store_pdq_fn fn, void *ctx,
                            vg_error *err);

#endif

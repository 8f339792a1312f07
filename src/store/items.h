/*
 * src/store/items.h - what the analysts' console keeps: each report's
 * assessment (an item), the organisation's bank of confirmed files, and the
 * views of files and URLs it reads (operations inside a transaction,
 * store/store.h).
 *
 * An item is read with everything the rules need (model/item.h); a change
 * is computed by the use case and written back whole with vg_tx_item_put.
 */
#ifndef VIGIE_STORE_ITEMS_H
#define VIGIE_STORE_ITEMS_H

#include "model/item.h"
#include "store/store.h"

/* One report's item; *found = 0 when there is no such report. A report no
 * one has touched reads as an open item at version 0. */
vg_status vg_tx_item_get(vg_tx *tx, int64_t report_id, vg_item *item, int *found,
                         vg_error *err);
/* Items not finished (neither confirmed nor automatic), oldest first, at
 * most limit. */
vg_status vg_tx_items_open(vg_tx *tx, size_t limit, vg_item **items, size_t *count,
                           vg_error *err);
/* Finished items, the latest decided first, at most limit. */
vg_status vg_tx_items_done(vg_tx *tx, size_t limit, vg_item **items, size_t *count,
                           vg_error *err);
/* Every item of a case, oldest first (at most 1,000). */
vg_status vg_tx_items_of_case(vg_tx *tx, int64_t case_id, vg_item **items, size_t *count,
                              vg_error *err);
/* Write the item's assessment fields (state, version, claim, both
 * assessments, decision and decided_from) as they are in *item, at now. */
vg_status vg_tx_item_put(vg_tx *tx, const vg_item *item, int64_t now, vg_error *err);

/* Report ids, at most max into ids, *count how many:
 *   - open and unclaimed items (every one, oldest first);
 *   - other reports holding a file with a SHA-256 of report_id's;
 *   - other reports of report_id's case with its content key. */
vg_status vg_tx_item_ids_open(vg_tx *tx, int64_t *ids, size_t max, size_t *count,
                              vg_error *err);
vg_status vg_tx_item_ids_sharing_files(vg_tx *tx, int64_t report_id, int64_t *ids, size_t max,
                                       size_t *count, vg_error *err);
vg_status vg_tx_item_ids_same_content(vg_tx *tx, int64_t report_id, int64_t *ids, size_t max,
                                      size_t *count, vg_error *err);
/* Report ids, at most max, in report order:
 *   - other reports giving one of report_id's canonical URLs (any case);
 *   - items decided automatically from report_id (their decided_from). */
vg_status vg_tx_item_ids_sharing_urls(vg_tx *tx, int64_t report_id, int64_t *ids, size_t max,
                                      size_t *count, vg_error *err);
vg_status vg_tx_item_ids_decided_from(vg_tx *tx, int64_t report_id, int64_t *ids, size_t max,
                                      size_t *count, vg_error *err);
/* Reports found by what a person types in the console's search, newest
 * first, at most max: receipt code (as stored: capitals), a URL as
 * reported or canonical, or a file digest (lowercase hex: MD5, SHA-1,
 * SHA-256 or PDQ). Each may be NULL; a report matching any one is found. */
vg_status vg_tx_item_ids_find(vg_tx *tx, const char *receipt, const char *url,
                              const char *digest, int64_t *ids, size_t max, size_t *count,
                              vg_error *err);

/* How many items are in each state (reports no one touched count as open). */
typedef struct vg_item_counts {
    int64_t open, second, disputed, confirmed, automatic;
} vg_item_counts;
vg_status vg_tx_item_counts(vg_tx *tx, vg_item_counts *counts, vg_error *err);

/* Files of one report (report_id > 0) or of one case (case_id > 0), with
 * the organisation's bank entry of each held file. */
vg_status vg_tx_files(vg_tx *tx, int64_t report_id, int64_t case_id, vg_item_file **files,
                      size_t *count, vg_error *err);
vg_status vg_tx_file_get(vg_tx *tx, int64_t file_id, vg_item_file *file, int *found,
                         vg_error *err);
vg_status vg_tx_case_urls(vg_tx *tx, int64_t case_id, vg_item_url **urls, size_t *count,
                          vg_error *err);
/* PDQ hashes of files in other cases than case_id, the newest first (at
 * most 100,000), as fn(ctx, case_id, pdq_hex); non-zero stops. */
typedef int (*vg_store_case_pdq_fn)(void *ctx, int64_t case_id, const char *pdq_hex);
vg_status vg_tx_pdqs_elsewhere(vg_tx *tx, int64_t case_id, vg_store_case_pdq_fn fn, void *ctx,
                               vg_error *err);

/* Put a file into the organisation's bank with a classification (a file
 * already there keeps its first one). */
vg_status vg_tx_bank_put(vg_tx *tx, const char *sha256, const char *pdq, const vg_verdict *v,
                         int64_t report_id, int64_t now, vg_error *err);
/* Remove the entries report_id's confirmation put into the organisation's
 * bank (a reopened classification); *removed (may be NULL) gets how many. */
vg_status vg_tx_bank_remove_report(vg_tx *tx, int64_t report_id, int64_t *removed,
                                   vg_error *err);
/* The organisation's bank: its size, the entry of one SHA-256 (sha256 not
 * NULL: at most one), or its newest entries (at most limit); *rows
 * malloc'd, each cleared with vg_own_entry_clear. */
vg_status vg_tx_bank_count(vg_tx *tx, int64_t *count, vg_error *err);
vg_status vg_tx_bank_entries(vg_tx *tx, const char *sha256, size_t limit, vg_own_entry **rows,
                             size_t *count, vg_error *err);

/* A bank entry was withdrawn (a synchronised bank, hotline/syncing.h): the
 * files whose match was bank's entry entry_id lose it (they read as no
 * bank matched). *report_ids (malloc'd, NULL when none) gets the reports
 * of those files, each once, in order: their automatic decisions may no
 * longer hold. */
vg_status vg_tx_files_unmatch(vg_tx *tx, const char *bank, const char *entry_id,
                              int64_t **report_ids, size_t *count, vg_error *err);

#endif

/*
 * src/store/stats.h - the facts statistics count (model/stats.h), one per
 * report, streamed from the store (operations inside a transaction,
 * store/store.h).
 */
#ifndef VIGIE_STORE_STATS_H
#define VIGIE_STORE_STATS_H

#include "model/stats.h"
#include "store/store.h"

/* Non-zero stops the stream (the operation then fails with VG_ERR_ABORTED). */
typedef int (*vg_store_fact_fn)(void *ctx, const vg_report_fact *fact);

/* Every report received in [from, to), once each and in no promised order
 * (what a table makes of them does not depend on it, and PostgreSQL would
 * sort a year to give one), as fn(ctx, fact); the fact's strings are valid
 * during the call only. Always current: a report changed since its row was
 * last folded is computed afresh. */
vg_status vg_tx_report_facts(vg_tx *tx, int64_t from, int64_t to, vg_store_fact_fn fn, void *ctx,
                             vg_error *err);

/* In a write transaction: store the rows of up to limit reports changed
 * since their last fold (each change to a report, its files, URLs, item,
 * routes, notices or claims marks it, in the change's own transaction),
 * so that later reads scan them instead of computing them. *folded gets
 * how many marks were cleared (fewer than limit: none is left, as far as
 * this transaction sees). Reads give the same figures before and after. */
vg_status vg_tx_stats_fold(vg_tx *tx, size_t limit, size_t *folded, vg_error *err);

#endif

/*
 * src/store/audit.h - the audit chain (model/audit.h) kept in the store
 * (operations inside a transaction, store/store.h).
 */
#ifndef VIGIE_STORE_AUDIT_H
#define VIGIE_STORE_AUDIT_H

#include "model/audit.h"
#include "store/store.h"

/* Append an entry at time, chained to the last one, in tx: with the change
 * it records. *seq (may be NULL) receives its sequence number. PostgreSQL
 * chains and writes the entries of a transaction at its commit (the head
 * locked last, briefly), unless seq is wanted or the transaction reads the
 * log: then they are written at once. */
vg_status vg_tx_audit_append(vg_tx *tx, int64_t time, const vg_audit_note *note, int64_t *seq,
                             vg_error *err);

/* Call fn for every entry in sequence order; fn returns non-zero to stop
 * (then VG_ERR_ABORTED). The entry belongs to the store during the call. */
typedef int (*vg_audit_visit_fn)(const vg_audit_entry *entry, void *ctx);
vg_status vg_tx_audit_each(vg_tx *tx, vg_audit_visit_fn fn, void *ctx, vg_error *err);
/* The same for the entries whose target is one of targets[0..count), each
 * once, in sequence order, reading only those (a case's timeline). */
vg_status vg_tx_audit_for_targets(vg_tx *tx, const char *const *targets, size_t count,
                                  vg_audit_visit_fn fn, void *ctx, vg_error *err);
/* The entries matching filter (model/audit.h), newest first, at most
 * limit, as fn(entry, ctx) (non-zero stops: VG_ERR_ABORTED). */
vg_status vg_tx_audit_search(vg_tx *tx, const vg_audit_filter *filter, size_t limit,
                             vg_audit_visit_fn fn, void *ctx, vg_error *err);
/* The chain head kept apart from the entries: *seq = 0 when empty. */
vg_status vg_tx_audit_head(vg_tx *tx, int64_t *seq, char hash[65], vg_error *err);

#endif

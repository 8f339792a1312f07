/*
 * src/hotline/audit.h - recording events, and checking the record.
 *
 * Changes to the hotline's data are audited by their own use case, in
 * their own transaction. What is left here: events that change nothing but
 * the record (a sign-out, the configuration seen at start), and the check
 * of the whole chain (`vigie audit verify`).
 */
#ifndef VIGIE_HOTLINE_AUDIT_H
#define VIGIE_HOTLINE_AUDIT_H

#include "hotline/hotline.h"
#include "model/audit.h"
#include "store/store.h"

/* Append one entry (detail: JSON object text or NULL), durably. */
vg_status vg_hotline_audit(vg_hotline *h, int64_t time, const vg_audit_note *note,
                           vg_error *err);

/* The configuration seen at start (current: a JSON object text of every
 * key and value, sorted), compared with the one seen before: when it
 * differs, the keys that changed (not their values, which may name key
 * files) are audited ("config.initial" the first time, "config.change"
 * after) and current is kept, in one transaction. */
vg_status vg_hotline_config_seen(vg_hotline *h, const char *current, int64_t now,
                                 vg_error *err);

/* Walk the whole chain of a store (opened alone, or a hotline's): *ok = 1 when every entry's hash matches its fields
 * and links to the previous one, sequence numbers have no gap, and the last
 * entry matches the chain head kept apart from the entries (so that
 * removing the newest ones is noticed). Otherwise *ok = 0 and *problem
 * (malloc'd) names the first entry altered or removed. *entries (may be
 * NULL) gets how many were checked. */
vg_status vg_hotline_audit_verify(vg_store *store, int *ok, char **problem, int64_t *entries,
                                  vg_error *err);

/* The entries matching filter (model/audit.h), newest first, at most
 * limit: *rows malloc'd, each cleared with vg_audit_entry_clear. */
vg_status vg_hotline_audit_search(vg_hotline *h, const vg_audit_filter *filter, size_t limit,
                                  vg_audit_entry **rows, size_t *count, vg_error *err);

/* vg_hotline_audit_verify on the hotline's store, asked by actor (a
 * person in the browser): the check and its answer are audited
 * ("audit.verify"). */
vg_status vg_hotline_audit_verify_by(vg_hotline *h, const char *actor, int64_t now, int *ok,
                                     char **problem, int64_t *entries, vg_error *err);

#endif

/*
 * src/store/blocklist.h - the blocking list, its version, and the appeals
 * against it (model/blocklist.h; operations inside a transaction,
 * store/store.h).
 */
#ifndef VIGIE_STORE_BLOCKLIST_H
#define VIGIE_STORE_BLOCKLIST_H

#include "model/blocklist.h"
#include "store/store.h"

/* Keep an entry. e->id == 0: a new one (*id gets its id); a target has at
 * most one entry proposed or listed at a time: a second is VG_ERR_INVALID.
 * e->id > 0: every field but target, kind, route_id, report_id,
 * proposed_by and proposed_at is replaced; VG_ERR_INVALID when there is
 * none. NULL strings are kept as "". id may be NULL. */
vg_status vg_tx_block_put(vg_tx *tx, const vg_block_entry *e, int64_t *id, vg_error *err);

/* Which entries vg_tx_blocks reads: every field set must hold. */
typedef struct vg_block_filter {
    int64_t id;             /* > 0: this entry */
    int64_t report_id;      /* > 0: proposed from this report */
    int64_t route_id;       /* > 0: proposed from this route */
    const char *state;      /* this state */
    const char *kind;       /* this kind */
    const char *target;     /* this target */
    int64_t expires_before; /* > 0: listed and expiring at or before it, soonest first */
    int64_t at_version;     /* > 0: listed at that version of the list (added at or
                               before it, not removed by then), oldest first */
    const char *legal_basis; /* resting on this legal basis */
    int64_t offset;          /* > 0: skip this many of the entries that match, in order */
} vg_block_filter;

/* The entries the filter selects (NULL: all), at most limit: newest first
 * unless the filter says otherwise. */
vg_status vg_tx_blocks(vg_tx *tx, const vg_block_filter *filter, size_t limit,
                       vg_block_entry **rows, size_t *count, vg_error *err);

/* The list's version: 0 before any change. _next makes the next one (each
 * change of what is listed takes one) and returns it. */
vg_status vg_tx_blocklist_version(vg_tx *tx, int64_t *version, vg_error *err);
vg_status vg_tx_blocklist_version_next(vg_tx *tx, int64_t *version, vg_error *err);

/* Keep an appeal. a->id == 0: a new one (*id gets its id); a->id > 0: its
 * entry_id, state, decided_by, decided_at and decision are replaced
 * (VG_ERR_INVALID when there is none). NULL strings are kept as "". id
 * may be NULL. */
vg_status vg_tx_appeal_put(vg_tx *tx, const vg_block_appeal *a, int64_t *id, vg_error *err);

/* Appeals: this one (id > 0), of one entry (entry_id > 0), in one state
 * (state non-NULL), every set field holding; oldest first, at most limit. */
vg_status vg_tx_appeals(vg_tx *tx, int64_t id, int64_t entry_id, const char *state,
                        size_t limit, vg_block_appeal **rows, size_t *count, vg_error *err);

#endif

/*
 * src/store/quarantine.h - bank entries that match far more than usual
 * (operations inside a transaction, store/store.h): each entry's count of
 * matches in its current window and its usual rate (vigie/policy.h's
 * rule, applied by hotline/quarantine.h), and whether it is held, so that
 * every node counts into the same figures and sees the same entries held.
 *
 * Rows own their strings (vg_quarantine_row_clear).
 */
#ifndef VIGIE_STORE_QUARANTINE_H
#define VIGIE_STORE_QUARANTINE_H

#include "store/store.h"

typedef struct vg_quarantine_row {
    char *bank, *entry;   /* the index entry: its bank and its id there */
    int64_t window_start; /* the window counted (vg_quarantine_count.window) */
    int64_t matches;      /* reports that matched it in that window */
    double usual;         /* its usual matches per window */
    int held;             /* quarantined: its matches decide nothing automatically */
    int64_t held_at;      /* when it was last held (0: never) */
    int64_t held_matches; /* the window's matches when it was held */
    int64_t since_held;   /* reports that matched it since, while held */
    int64_t released_at;  /* when it was last released (0: never) */
    char *released_by;    /* who released it last ("user:NAME"), or NULL */
} vg_quarantine_row;
void vg_quarantine_row_clear(vg_quarantine_row *row);
void vg_quarantine_rows_free(vg_quarantine_row *rows, size_t count);

/* The row of (bank, entry); *found = 0 when it never matched. In a write
 * transaction the row is locked until the end (two nodes counting the
 * same entry count one after the other). */
vg_status vg_tx_quarantine_get(vg_tx *tx, const char *bank, const char *entry,
                               vg_quarantine_row *row, int *found, vg_error *err);
/* Keep the row of (row->bank, row->entry): added, or replacing the one
 * there. */
vg_status vg_tx_quarantine_put(vg_tx *tx, const vg_quarantine_row *row, vg_error *err);
/* The entries held, the most recently held first, at most limit. */
vg_status vg_tx_quarantine_held(vg_tx *tx, size_t limit, vg_quarantine_row **rows,
                                size_t *count, vg_error *err);

#endif

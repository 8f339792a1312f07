/*
 * src/store/notices.h - notices to hosts and their history (model/notice.h),
 * written by the notices job and the console (operations inside a
 * transaction, store/store.h).
 */
#ifndef VIGIE_STORE_NOTICES_H
#define VIGIE_STORE_NOTICES_H

#include "model/notice.h"
#include "model/takedown.h"
#include "store/store.h"

/* Routes whose actions (a comma-separated list) include action and that
 * have no notice yet, oldest route first, at most limit. */
vg_status vg_tx_notice_todo(vg_tx *tx, const char *action, size_t limit, vg_notice_todo **todo,
                            size_t *count, vg_error *err);

/* Keep a notice. row->id == 0: a new one (report_id, case_id, url and
 * created_at are set then and never change; a report's URL has one notice:
 * a second is VG_ERR_INVALID), *id gets its id. row->id > 0: every other
 * field of that notice is replaced but the hosting facts (asn, as_name,
 * host_country: those of its making); VG_ERR_INVALID when there is none.
 * NULL strings are kept as "". id may be NULL. */
vg_status vg_tx_notice_put(vg_tx *tx, const vg_notice_row *row, int64_t *id, vg_error *err);

/* Which notices vg_tx_notices reads: every field set must hold. */
typedef struct vg_notice_filter {
    int64_t id;                  /* > 0: this notice */
    int64_t report_id;           /* > 0: of this report */
    int64_t case_id;             /* > 0: of this case */
    int64_t due_at;              /* > 0: next_check_at set (> 0) and at or before due_at */
    const char *state;           /* this state */
    const char *token_hash;      /* this token */
    const char *material_sha256; /* this material */
    const char *provider;        /* this provider (exactly) */
    int64_t asn;                 /* > 0: hosted in this AS when made */
    int sent;                    /* a first message went (first_sent_at > 0) */
    int still_up;                /* sent and not removed (removed_at = 0) */
} vg_notice_filter;

/* The notices the filter selects (NULL: all), at most limit (SIZE_MAX:
 * every one): the most overdue first when due_at is set, else the newest
 * first. */
vg_status vg_tx_notices(vg_tx *tx, const vg_notice_filter *filter, size_t limit,
                        vg_notice_row **rows, size_t *count, vg_error *err);

/* Non-zero stops vg_tx_notice_removals (it then fails with VG_ERR_ABORTED). */
typedef int (*vg_store_removal_fn)(void *ctx, const vg_takedown_notice *notice);
/* Every notice sent (first_sent_at > 0), in no promised order, as
 * fn(ctx, notice) with only what the provider page counts of it; the
 * strings are valid during the call only. Streamed: however many notices
 * a hotline has sent, the store holds a batch at a time, not them all. */
vg_status vg_tx_notice_removals(vg_tx *tx, vg_store_removal_fn fn, void *ctx, vg_error *err);

/* Append to a notice's history: kind VG_NOTICE_EVENT_*, detail JSON. */
vg_status vg_tx_notice_event_add(vg_tx *tx, int64_t notice_id, int64_t at, const char *kind,
                                 const char *detail, vg_error *err);
/* A notice's history, oldest first (at most 10,000). */
vg_status vg_tx_notice_events(vg_tx *tx, int64_t notice_id, vg_notice_event **events,
                              size_t *count, vg_error *err);

#endif

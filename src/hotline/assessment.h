/*
 * src/hotline/assessment.h - the analysts' work on reports: the queue,
 * claims, four-eyes, decisions by banks and by copies, and seeing evidence.
 *
 * Each step is one transaction that reads the item, asks the model whether
 * and how the step may be taken (model/item.h), writes the result and its
 * audit entry. A step refused by a rule writes nothing and says why
 * (vg_item_outcome).
 */
#ifndef VIGIE_HOTLINE_ASSESSMENT_H
#define VIGIE_HOTLINE_ASSESSMENT_H

#include "hotline/hotline.h"
#include "model/item.h"
#include "model/priority.h"
#include "store/store.h"

/* Who is acting: a person's name, and whether their role decides disputes. */
typedef struct vg_actor {
    const char *username;
    int supervisor; /* 1 for supervisors and administrators */
} vg_actor;

/* ---- the queue ------------------------------------------------------------ */

/* An open item with its score and the rules that gave it. */
typedef struct vg_ranked {
    vg_item item;
    int64_t score;
    vg_priority_hit hits[VG_RULE_COUNT];
    int hit_count;
} vg_ranked;

/* Every open item (up to `scored`), copies folded into the item standing
 * for them, scored at now and sorted, most urgent first: *rows (malloc'd,
 * release with vg_ranked_free), *count, and *more = 1 when there were more
 * open items than were scored. */
vg_status vg_hotline_queue(vg_hotline *h, size_t scored, int64_t now, vg_ranked **rows,
                           size_t *count, int *more, vg_error *err);
void vg_ranked_free(vg_ranked *rows, size_t count);
/* The latest finished items (confirmed or automatic), newest first. */
vg_status vg_hotline_done(vg_hotline *h, size_t limit, vg_item **items, size_t *count,
                          vg_error *err);

/* One item with its files and URLs (each may be NULL when not wanted). */
vg_status vg_hotline_item(vg_hotline *h, int64_t report_id, vg_item *item, int *found,
                          vg_item_file **files, size_t *file_count, vg_item_url **urls,
                          size_t *url_count, vg_error *err);

/* ---- steps on an item ------------------------------------------------------- */

/* Claim at now; a lapsed claim taken over names its former holder in the
 * audit entry. */
vg_status vg_hotline_claim(vg_hotline *h, int64_t report_id, const vg_actor *who,
                           int64_t version, int64_t now, vg_item_outcome *outcome,
                           vg_error *err);
vg_status vg_hotline_release(vg_hotline *h, int64_t report_id, const vg_actor *who,
                             int64_t version, int64_t now, vg_item_outcome *outcome,
                             vg_error *err);
/* Record an assessment; *state receives the state it led to (a VG_ITEM_*
 * code). A confirmation puts every held file into the organisation's bank,
 * sets the report's status, and decides at once the open items it settles
 * (those holding only decided files, and its copies), all in the same
 * transaction, each audited. */
vg_status vg_hotline_assess(vg_hotline *h, int64_t report_id, const vg_actor *who,
                            int64_t version, const vg_class *c, int64_t now,
                            vg_item_outcome *outcome, const char **state, vg_error *err);

/* Decide without anyone looking the open, unclaimed items in scope: by banks
 * (every file held and decided), or as copies of an item of their case
 * already decided. Each is audited ("item.assess.auto", actor "console").
 * *count (may be NULL) gets how many. */
typedef enum vg_auto_scope {
    VG_AUTO_ALL = 0,    /* every open item (at start: banks may have changed) */
    VG_AUTO_REPORT,     /* report id alone (it has just arrived) */
    VG_AUTO_SETTLED_BY, /* those report id's decision may settle (shared files, copies) */
} vg_auto_scope;
vg_status vg_hotline_auto_assess(vg_hotline *h, vg_auto_scope scope, int64_t id, int64_t now,
                                 size_t *count, vg_error *err);
/* The same inside the caller's transaction. */
vg_status vg_hotline_auto_assess_tx(vg_tx *tx, vg_hotline *h, vg_auto_scope scope, int64_t id,
                                    int64_t now, size_t *count, vg_error *err);

/* ---- evidence ---------------------------------------------------------------- */

/* A view of file_id's evidence by who (clear: the sharper view): allowed
 * only by vg_rule_may_view, and audited before it is made ("preview.view"
 * or "preview.clear"), in one transaction. On VG_ITEM_DONE, vault_id
 * (80 bytes) names the file to decrypt and *kind what may be shown of it
 * (VG_PREVIEW_NONE: nothing, and nothing was audited). VG_ITEM_NO_SUCH_REPORT:
 * no such file, or no evidence held. */
vg_status vg_hotline_view_file(vg_hotline *h, int64_t file_id, const vg_actor *who, int clear,
                               int64_t now, vg_item_outcome *outcome, char vault_id[80],
                               vg_preview_kind *kind, vg_error *err);

#endif

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

#define VG_QUEUE_SCORED 50000 /* open items scored at most */
#define VG_FIND_MAX 200       /* reports a search finds at most */
#define VG_REASON_MAX 2000    /* bytes of a reason to reopen a decision */

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

/* Reports found by what a person typed: a receipt code (case, spaces and
 * dashes do not matter), a URL (as reported or canonical), or a file's
 * MD5, SHA-1, SHA-256 or PDQ in hex; newest first, at most limit (and
 * VG_FIND_MAX). *items malloc'd (vg_items_free). */
vg_status vg_hotline_find(vg_hotline *h, const char *query, size_t limit, vg_item **items,
                          size_t *count, vg_error *err);

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
/* "Take the next item": the most urgent item who may finish (the queue's
 * order, vg_rule_in_view VG_VIEW_FOR_ME) is claimed for them, audited as a
 * claim with {"next":true}; or, when they already hold the most urgent of
 * those, that one (*already_held = 1, nothing changes). *report_id = 0 when
 * there is nothing for them. Items are read and claimed in one
 * transaction: two people taking at once get two different items. */
vg_status vg_hotline_take_next(vg_hotline *h, const vg_actor *who, int64_t now,
                               int64_t *report_id, int *already_held, vg_error *err);
/* Record an assessment; *state receives the state it led to (a VG_ITEM_*
 * code). A confirmation puts every held file into the organisation's bank,
 * sets the report's status, and decides at once the open items it settles
 * (those holding only decided files, and its copies), all in the same
 * transaction, each audited. */
vg_status vg_hotline_assess(vg_hotline *h, int64_t report_id, const vg_actor *who,
                            int64_t version, const vg_class *c, int64_t now,
                            vg_item_outcome *outcome, const char **state, vg_error *err);

/* A supervisor settles a dispute by accepting one of its two assessments
 * (accept_second: the second one), at the version the page showed: the
 * item is confirmed with those answers, exactly as vg_hotline_assess
 * confirms (bank, status, what it settles), audited as "item.assess" with
 * "accepted" and whose answers they were. vg_rule_settle says who may. */
vg_status vg_hotline_settle(vg_hotline *h, int64_t report_id, const vg_actor *who,
                            int64_t version, int accept_second, int64_t now,
                            vg_item_outcome *outcome, vg_error *err);

/* A supervisor reopens a confirmed classification (vg_rule_reopen) with a
 * reason (required): the item goes back to the queue with no assessment,
 * its report reads "received", the entries its confirmation put into the
 * organisation's bank leave it, and the items decided from it (its copies
 * and URL duplicates, and those the bank no longer decides), and the ones
 * decided from those, come back too, each audited "item.reopen" in the
 * same transaction. *reopened (may be NULL) counts the items besides it;
 * those that something else still decides are decided again at once. */
vg_status vg_hotline_reopen(vg_hotline *h, int64_t report_id, const vg_actor *who,
                            int64_t version, const char *reason, int64_t now,
                            vg_item_outcome *outcome, size_t *reopened, vg_error *err);

/* A bank entry left a synchronised bank (hotline/syncing.h), inside the
 * caller's transaction: the files it matched lose the match, and the items
 * that the banks decided without anyone looking and no longer decide go
 * back to the queue, audited "item.reopen" by actor with the bank and the
 * entry, and with them what was decided from them (copies, shared files);
 * those something else still decides are decided again at once. A
 * person's decision stands. *reopened counts the items put back. */
vg_status vg_hotline_bank_entry_withdrawn_tx(vg_tx *tx, vg_hotline *h, const char *bank,
                                             const char *entry_id, const char *actor,
                                             int64_t now, size_t *reopened, vg_error *err);

/* Decide without anyone looking the open, unclaimed items in scope: by banks
 * (every file held and decided), as copies of an item of their case
 * already decided, or, for reports giving URLs and no file, when every
 * one of their URLs was decided (vg_rule_urls_decide). Each is audited ("item.assess.auto", actor "console").
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

/* ---- the reporter --------------------------------------------------------------- */

/* The reporter's contact details, for who may read them (vg_rule_may_contact):
 * audited ("report.contact") before they are given, in one transaction.
 * On VG_ITEM_DONE, *contact (malloc'd) holds them, or NULL when the
 * reporter gave none (then nothing is audited). */
vg_status vg_hotline_contact(vg_hotline *h, int64_t report_id, const vg_actor *who, int64_t now,
                             vg_item_outcome *outcome, char **contact, vg_error *err);

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

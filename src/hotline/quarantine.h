/*
 * src/hotline/quarantine.h - bank entries held when they suddenly match
 * far more than usual (issue 19; the rule is vigie/policy.h's).
 *
 * Each report the intake writes counts once for every bank entry that
 * matched one of the files vigie holds, in the report's own transaction:
 * the entry's count in its window (intake.quarantine_window_hours) and its
 * usual rate are read, the rule applied, and written back, in the store so
 * that every node counts into the same figures. An entry whose window
 * passes both intake.quarantine_min_matches and
 * intake.quarantine_factor times its usual rate is held, and audited
 * "bank.quarantine" (actor "intake", target "bank:BANK") in that same
 * transaction. A held entry decides nothing automatically
 * (vg_rule_file_decided): the reports it matches, the one that tripped it
 * included, stay open for analysts, their item page saying why, until an
 * administrator releases it ("bank.release"): its usual rate becomes the
 * window's, so the same rate does not hold it again, and the reports it
 * alone held back are decided then.
 */
#ifndef VIGIE_HOTLINE_QUARANTINE_H
#define VIGIE_HOTLINE_QUARANTINE_H

#include "hotline/hotline.h"
#include "model/item.h"

/* Read intake.quarantine_* into h->quarantine (at open). */
vg_status vg_hotline_quarantine_load(vg_hotline *h, vg_config *cfg, vg_error *err);

/* Count report_id's matches (its files vigie holds, each bank entry once)
 * at now, inside the intake's transaction; hold and audit what trips. */
vg_status vg_hotline_quarantine_count_tx(vg_tx *tx, vg_hotline *h, const vg_report *report,
                                         int64_t report_id, int64_t now, vg_error *err);
/* Set files[i].quarantined for the files whose bank entry is held. */
vg_status vg_hotline_quarantine_mark_tx(vg_tx *tx, vg_item_file *files, size_t count,
                                        vg_error *err);

/* A held entry, as the administration's banks page lists it. */
typedef struct vg_quarantined {
    char *bank, *entry;
    int64_t held_at;
    int64_t held_matches; /* reports it matched in the window that tripped it */
    int64_t since_held;   /* reports it matched since */
} vg_quarantined;
void vg_quarantined_free(vg_quarantined *rows, size_t count);

/* The held entries, the most recently held first, at most limit. */
vg_status vg_hotline_quarantined(vg_hotline *h, size_t limit, vg_quarantined **rows,
                                 size_t *count, vg_error *err);
/* Release (bank, entry) after review, by actor at now, audited
 * "bank.release"; in the same transaction the open items are decided
 * again as the banks decide them (those this entry alone held back are,
 * a claimed one stays with its analyst). VG_ERR_INVALID when it is not
 * held. (quarantine_release.c) */
vg_status vg_hotline_quarantine_release(vg_hotline *h, const char *bank, const char *entry,
                                        const char *actor, int64_t now, vg_error *err);

#endif

/*
 * src/hotline/quarantine_release.c - an administrator releasing a
 * quarantined bank entry (quarantine.h), apart from the counting so that
 * the automatic decisions it runs again (assessment.h) and the marks they
 * read (quarantine.c) do not call each other.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hotline/assessment.h"
#include "hotline/quarantine.h"
#include "store/audit.h"
#include "store/quarantine.h"

typedef struct release_args {
    vg_hotline *h;
    const char *bank, *entry, *actor;
    int64_t now;
} release_args;

static vg_status release_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    release_args *a = ctx;
    vg_quarantine_row row;
    int found = 0;
    vg_status st = vg_tx_quarantine_get(tx, a->bank, a->entry, &row, &found, err);
    if (st != VG_OK)
        return st;
    if (!found || !row.held) {
        if (found)
            vg_quarantine_row_clear(&row);
        return vg_error_set(err, VG_ERR_INVALID, "Entry %s of bank %s is not quarantined.",
                            a->entry, a->bank);
    }
    vg_quarantine_count c = {row.window_start,
                             row.matches > UINT32_MAX ? UINT32_MAX : (uint32_t)row.matches,
                             row.usual, true};
    vg_quarantine_count_release(&c);
    vg_quarantine_row next = row;
    next.usual = c.usual;
    next.held = 0;
    next.released_at = a->now;
    next.released_by = (char *)a->actor;
    st = vg_tx_quarantine_put(tx, &next, err);
    char target[96], detail[600];
    snprintf(target, sizeof target, "bank:%.80s", a->bank);
    json_t *o = json_pack("{s:s, s:I, s:I, s:I}", "entry", a->entry, "held_at",
                          (json_int_t)row.held_at, "matches", (json_int_t)row.held_matches,
                          "since", (json_int_t)row.since_held);
    char *text = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(o);
    snprintf(detail, sizeof detail, "%s", text ? text : "{}");
    free(text);
    vg_audit_note note = {a->actor, "bank.release", target, detail};
    if (st == VG_OK)
        st = vg_tx_audit_append(tx, a->now, &note, NULL, err);
    /* What waited for a person only because of the entry is decided as
     * the banks decide it, as at a start (a claimed item stays with its
     * analyst). */
    if (st == VG_OK)
        st = vg_hotline_auto_assess_tx(tx, a->h, VG_AUTO_ALL, 0, a->now, NULL, err);
    vg_quarantine_row_clear(&row);
    return st;
}

vg_status vg_hotline_quarantine_release(vg_hotline *h, const char *bank, const char *entry,
                                        const char *actor, int64_t now, vg_error *err)
{
    if (!bank || !*bank || !entry || !*entry)
        return vg_error_set(err, VG_ERR_INVALID, "Say which bank and which entry to release.");
    release_args a = {h, bank, entry, actor, now};
    return vg_store_write(h->store, release_tx, &a, err);
}

/*
 * src/hotline/quarantine.c - bank entries held when they match far more
 * than usual (quarantine.h).
 */
#include "hotline/quarantine.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/audit.h"
#include "store/quarantine.h"

vg_status vg_hotline_quarantine_load(vg_hotline *h, vg_config *cfg, vg_error *err)
{
    int64_t hours, floor, factor, smoothing;
    vg_status st;
    if ((st = vg_config_int(cfg, "intake.quarantine_window_hours", 1, 1, 24 * 366 * 10, &hours,
                            err)) ||
        (st = vg_config_int(cfg, "intake.quarantine_min_matches", 50, 1, 1000000000, &floor,
                            err)) ||
        (st = vg_config_int(cfg, "intake.quarantine_factor", 10, 1, 1000000, &factor, err)) ||
        (st = vg_config_int(cfg, "intake.quarantine_smoothing_percent", 20, 1, 100, &smoothing,
                            err)))
        return st;
    h->quarantine = (vg_quarantine_options){.window_seconds = hours * 3600,
                                            .min_matches = (uint32_t)floor,
                                            .factor = (double)factor,
                                            .smoothing = (double)smoothing / 100.0};
    return VG_OK;
}

/* Whether a file's match is one the quarantine counts and holds: a file
 * vigie holds, matched in a bank (a digest a sender quoted decides
 * nothing, so neither does it count). */
static int counted(const char *vault_id, int known, const char *bank, const char *entry)
{
    return vault_id && known == VG_FILE_KNOWN && bank && entry;
}

static vg_status audit_bank(vg_tx *tx, const char *actor, const char *action, const char *bank,
                            json_t *detail, int64_t now, vg_error *err)
{
    char *text = detail ? json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(detail);
    char target[96];
    snprintf(target, sizeof target, "bank:%.80s", bank);
    vg_audit_note note = {actor, action, target, text};
    vg_status st = text ? vg_tx_audit_append(tx, now, &note, NULL, err)
                        : vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    free(text);
    return st;
}

/* Count one report's match of (bank, entry). */
static vg_status count_one(vg_tx *tx, vg_hotline *h, const char *bank, const char *entry,
                           int64_t report_id, int64_t now, vg_error *err)
{
    vg_quarantine_row row;
    int found = 0;
    vg_status st = vg_tx_quarantine_get(tx, bank, entry, &row, &found, err);
    if (st != VG_OK)
        return st;
    vg_quarantine_count c = VG_QUARANTINE_COUNT_INIT;
    if (found)
        c = (vg_quarantine_count){row.window_start,
                                  row.matches > UINT32_MAX ? UINT32_MAX : (uint32_t)row.matches,
                                  row.usual, row.held != 0};
    int was_held = c.held;
    vg_quarantine_count_match(&h->quarantine, &c, now);
    vg_quarantine_row next = found ? row : (vg_quarantine_row){0};
    next.bank = (char *)bank;
    next.entry = (char *)entry;
    next.window_start = c.window;
    next.matches = c.count;
    next.usual = c.usual;
    next.held = c.held;
    if (c.held && !was_held) {
        next.held_at = now;
        next.held_matches = c.count;
        next.since_held = 0;
    } else if (c.held) {
        next.since_held++;
    }
    st = vg_tx_quarantine_put(tx, &next, err);
    if (st == VG_OK && c.held && !was_held)
        st = audit_bank(tx, "intake", "bank.quarantine", bank,
                        json_pack("{s:s, s:I, s:I, s:I}", "entry", entry, "matches",
                                  (json_int_t)c.count, "hours",
                                  (json_int_t)(h->quarantine.window_seconds / 3600), "report",
                                  (json_int_t)report_id),
                        now, err);
    if (found)
        vg_quarantine_row_clear(&row);
    return st;
}

vg_status vg_hotline_quarantine_count_tx(vg_tx *tx, vg_hotline *h, const vg_report *report,
                                         int64_t report_id, int64_t now, vg_error *err)
{
    vg_status st = VG_OK;
    for (size_t i = 0; st == VG_OK && i < report->file_count; i++) {
        const vg_report_file *f = &report->files[i];
        if (!counted(f->vault_id, f->known, f->bank, f->bank_entry))
            continue;
        /* a report counts once for an entry, however many of its files match it */
        int seen = 0;
        for (size_t k = 0; k < i && !seen; k++) {
            const vg_report_file *g = &report->files[k];
            seen = counted(g->vault_id, g->known, g->bank, g->bank_entry) &&
                   !strcmp(g->bank, f->bank) && !strcmp(g->bank_entry, f->bank_entry);
        }
        if (!seen)
            st = count_one(tx, h, f->bank, f->bank_entry, report_id, now, err);
    }
    return st;
}

vg_status vg_hotline_quarantine_mark_tx(vg_tx *tx, vg_item_file *files, size_t count,
                                        vg_error *err)
{
    vg_status st = VG_OK;
    for (size_t i = 0; st == VG_OK && i < count; i++) {
        vg_item_file *f = &files[i];
        f->quarantined = 0;
        if (!counted(f->vault_id, (int)f->known, f->bank, f->bank_entry))
            continue;
        vg_quarantine_row row;
        int found = 0;
        st = vg_tx_quarantine_get(tx, f->bank, f->bank_entry, &row, &found, err);
        if (st == VG_OK && found && row.held)
            f->quarantined = row.held_matches > 0 ? row.held_matches : 1;
        if (found)
            vg_quarantine_row_clear(&row);
    }
    return st;
}

void vg_quarantined_free(vg_quarantined *rows, size_t count)
{
    for (size_t i = 0; rows && i < count; i++) {
        free(rows[i].bank);
        free(rows[i].entry);
    }
    free(rows);
}

typedef struct list_args {
    size_t limit;
    vg_quarantine_row *rows;
    size_t count;
} list_args;

static vg_status list_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    list_args *a = ctx;
    return vg_tx_quarantine_held(tx, a->limit, &a->rows, &a->count, err);
}

vg_status vg_hotline_quarantined(vg_hotline *h, size_t limit, vg_quarantined **rows,
                                 size_t *count, vg_error *err)
{
    *rows = NULL;
    *count = 0;
    list_args a = {.limit = limit};
    vg_status st = vg_store_read(h->store, list_tx, &a, err);
    vg_quarantined *out = st == VG_OK && a.count ? calloc(a.count, sizeof *out) : NULL;
    if (st == VG_OK && a.count && !out)
        st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    for (size_t i = 0; st == VG_OK && i < a.count; i++) {
        /* the strings move over */
        out[i] = (vg_quarantined){a.rows[i].bank, a.rows[i].entry, a.rows[i].held_at,
                                  a.rows[i].held_matches, a.rows[i].since_held};
        a.rows[i].bank = a.rows[i].entry = NULL;
    }
    vg_quarantine_rows_free(a.rows, a.count);
    if (st == VG_OK) {
        *rows = out;
        *count = a.count;
    }
    return st;
}

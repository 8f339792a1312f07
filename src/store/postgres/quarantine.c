/*
 * src/store/postgres/quarantine.c - bank entries' match counts and their
 * quarantine (store/quarantine.h). In a write transaction an entry's key
 * is locked before its row is read: two nodes counting the first match of
 * an entry (no row yet) count one after the other, none lost.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/postgres/pg.h"

#define COLUMNS                                                                                  \
    "bank, entry, window_start, matches, usual, held, held_at, held_matches, since_held,"        \
    " released_at, released_by"

static const char SQL_GET[] =
    "SELECT " COLUMNS " FROM bank_quarantine WHERE bank = $1 AND entry = $2";
static const char SQL_PUT[] =
    "INSERT INTO bank_quarantine(" COLUMNS ") VALUES($1, $2, $3, $4, $5::double precision, $6,"
    " $7, $8, $9, $10, $11) ON CONFLICT(bank, entry) DO UPDATE SET"
    " window_start = excluded.window_start, matches = excluded.matches,"
    " usual = excluded.usual, held = excluded.held, held_at = excluded.held_at,"
    " held_matches = excluded.held_matches, since_held = excluded.since_held,"
    " released_at = excluded.released_at, released_by = excluded.released_by";
static const char SQL_HELD[] =
    "SELECT " COLUMNS " FROM bank_quarantine WHERE held = 1"
    " ORDER BY held_at DESC, bank COLLATE \"C\", entry COLLATE \"C\" LIMIT $1";

static void read_row(const PGresult *res, int row, void *item)
{
    vg_quarantine_row *r = item;
    r->bank = pg_text(res, row, 0);
    r->entry = pg_text(res, row, 1);
    r->window_start = pg_int(res, row, 2);
    r->matches = pg_int(res, row, 3);
    char *usual = pg_text(res, row, 4);
    r->usual = usual ? strtod(usual, NULL) : 0;
    free(usual);
    r->held = pg_int(res, row, 5) != 0;
    r->held_at = pg_int(res, row, 6);
    r->held_matches = pg_int(res, row, 7);
    r->since_held = pg_int(res, row, 8);
    r->released_at = pg_int(res, row, 9);
    r->released_by = pg_text(res, row, 10);
}

vg_status pg_quarantine_get(void *tx, const char *bank, const char *entry, vg_quarantine_row *row,
                            int *found, vg_error *err)
{
    pg_conn *c = tx;
    bank = bank ? bank : "";
    entry = entry ? entry : "";
    size_t n = strlen(bank) + strlen(entry) + 16;
    char *key = malloc(n);
    if (!key)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    /* the unit separator cannot be in a bank's name */
    snprintf(key, n, "quarantine:%s\x1f%s", bank, entry);
    vg_status st = pg_lock_key(c, PG_LOCK_EXCHANGE, key, err);
    free(key);
    pg_args a = {0};
    pa_text(&a, bank);
    pa_text(&a, entry);
    vg_quarantine_row *rows = NULL;
    size_t count = 0;
    if (st == VG_OK)
        st = pg_list(c, SQL_GET, &a, sizeof *rows, read_row, (void **)&rows, &count,
                     "reading a bank entry's quarantine", err);
    if (st == VG_OK && count == 1) {
        *row = rows[0];
        *found = 1;
        if (!row->bank || !row->entry) {
            vg_quarantine_row_clear(row);
            *found = 0;
            st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        }
    } else {
        for (size_t i = 0; i < count; i++)
            vg_quarantine_row_clear(&rows[i]);
    }
    free(rows);
    return st;
}

vg_status pg_quarantine_put(void *tx, const vg_quarantine_row *row, vg_error *err)
{
    pg_args a = {0};
    char usual[40];
    snprintf(usual, sizeof usual, "%.17g", row->usual);
    pa_text(&a, row->bank ? row->bank : "");
    pa_text(&a, row->entry ? row->entry : "");
    pa_int(&a, row->window_start);
    pa_int(&a, row->matches);
    pa_text(&a, usual);
    pa_int(&a, row->held ? 1 : 0);
    pa_int(&a, row->held_at);
    pa_int(&a, row->held_matches);
    pa_int(&a, row->since_held);
    pa_int(&a, row->released_at);
    pa_text(&a, row->released_by);
    return pg_queue(tx, SQL_PUT, &a, "keeping a bank entry's quarantine", err);
}

vg_status pg_quarantine_held(void *tx, size_t limit, vg_quarantine_row **rows, size_t *count,
                             vg_error *err)
{
    pg_args a = {0};
    pa_int(&a, (int64_t)(limit > INT64_MAX ? INT64_MAX : limit));
    return pg_list(tx, SQL_HELD, &a, sizeof **rows, read_row, (void **)rows, count,
                   "reading the quarantined bank entries", err);
}

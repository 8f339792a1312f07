/*
 * src/store/sqlite/quarantine.c - bank entries' match counts and their
 * quarantine (store/quarantine.h). SQLite has one writer: a row read in a
 * write transaction cannot change before it commits.
 */
#include <stdlib.h>
#include <string.h>

#include "store/sqlite/sqlite.h"

#define COLUMNS                                                                                  \
    "bank, entry, window_start, matches, usual, held, held_at, held_matches, since_held,"        \
    " released_at, released_by"

static const char SQL_GET[] = "SELECT " COLUMNS " FROM bank_quarantine WHERE bank = ? AND entry = ?";
static const char SQL_PUT[] =
    "INSERT INTO bank_quarantine(" COLUMNS ") VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT(bank, entry) DO UPDATE SET window_start = excluded.window_start,"
    " matches = excluded.matches, usual = excluded.usual, held = excluded.held,"
    " held_at = excluded.held_at, held_matches = excluded.held_matches,"
    " since_held = excluded.since_held, released_at = excluded.released_at,"
    " released_by = excluded.released_by";
static const char SQL_HELD[] = "SELECT " COLUMNS " FROM bank_quarantine WHERE held = 1"
                               " ORDER BY held_at DESC, bank, entry LIMIT ?";

static void read_row(sqlite3_stmt *st, void *item)
{
    vg_quarantine_row *r = item;
    r->bank = sq_text(st, 0);
    r->entry = sq_text(st, 1);
    r->window_start = sqlite3_column_int64(st, 2);
    r->matches = sqlite3_column_int64(st, 3);
    r->usual = sqlite3_column_double(st, 4);
    r->held = sqlite3_column_int(st, 5) != 0;
    r->held_at = sqlite3_column_int64(st, 6);
    r->held_matches = sqlite3_column_int64(st, 7);
    r->since_held = sqlite3_column_int64(st, 8);
    r->released_at = sqlite3_column_int64(st, 9);
    r->released_by = sq_text(st, 10);
}

static void clear_row(void *item)
{
    vg_quarantine_row_clear(item);
}

vg_status sq_quarantine_get(void *tx, const char *bank, const char *entry, vg_quarantine_row *row,
                            int *found, vg_error *err)
{
    conn *c = tx;
    SQ_STMT(st, SQL_GET);
    sq_bind_text(st, 1, bank ? bank : "");
    sq_bind_text(st, 2, entry ? entry : "");
    vg_quarantine_row *rows = NULL;
    size_t n = 0;
    vg_status status = sq_collect(c, st, sizeof *rows, read_row, clear_row, (void **)&rows, &n,
                                  "reading a bank entry's quarantine", err);
    if (status == VG_OK && n == 1) {
        *row = rows[0];
        *found = 1;
        if (!row->bank || !row->entry) {
            vg_quarantine_row_clear(row);
            *found = 0;
            status = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        }
    }
    free(rows);
    return status;
}

vg_status sq_quarantine_put(void *tx, const vg_quarantine_row *row, vg_error *err)
{
    conn *c = tx;
    SQ_STMT(st, SQL_PUT);
    sq_bind_text(st, 1, row->bank ? row->bank : "");
    sq_bind_text(st, 2, row->entry ? row->entry : "");
    sqlite3_bind_int64(st, 3, row->window_start);
    sqlite3_bind_int64(st, 4, row->matches);
    sqlite3_bind_double(st, 5, row->usual);
    sqlite3_bind_int(st, 6, row->held ? 1 : 0);
    sqlite3_bind_int64(st, 7, row->held_at);
    sqlite3_bind_int64(st, 8, row->held_matches);
    sqlite3_bind_int64(st, 9, row->since_held);
    sqlite3_bind_int64(st, 10, row->released_at);
    sq_bind_text(st, 11, row->released_by);
    return sq_step_done(c, st, "keeping a bank entry's quarantine", err);
}

vg_status sq_quarantine_held(void *tx, size_t limit, vg_quarantine_row **rows, size_t *count,
                             vg_error *err)
{
    return sq_list(tx, SQL_HELD, (int64_t)(limit > INT64_MAX ? INT64_MAX : limit), 0,
                   sizeof **rows, read_row, clear_row, (void **)rows, count,
                   "reading the quarantined bank entries", err);
}

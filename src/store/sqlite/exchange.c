/*
 * src/store/sqlite/exchange.c - the banks' settings, the content added
 * through the HMA-compatible API and the open CyberTipline-style reports
 * (store/exchange.h).
 */
#include <stdlib.h>
#include <string.h>

#include "store/sqlite/sqlite.h"

/* ---- banks ---- */

static void read_bank(sqlite3_stmt *st, void *item)
{
    vg_exchange_bank *b = item;
    b->name = sq_text(st, 0);
    b->enabled_ratio = sqlite3_column_double(st, 1);
    b->deleted = sqlite3_column_int(st, 2) != 0;
    b->created_by = sq_text(st, 3);
    b->created_at = sqlite3_column_int64(st, 4);
    b->changed_at = sqlite3_column_int64(st, 5);
}

static void clear_bank(void *item)
{
    vg_exchange_bank_clear(item);
}

static const char SQL_BANKS[] =
    "SELECT name, enabled_ratio, deleted, created_by, created_at, changed_at"
    " FROM exchange_banks ORDER BY name";

vg_status sq_exchange_banks(void *tx, vg_exchange_bank **rows, size_t *count, vg_error *err)
{
    return sq_list(tx, SQL_BANKS, 0, 0, sizeof **rows, read_bank, clear_bank, (void **)rows, count,
                   "reading the banks' settings", err);
}

static const char SQL_BANK_PUT[] =
    "INSERT INTO exchange_banks(name, enabled_ratio, deleted, created_by, created_at, changed_at)"
    " VALUES(?, ?, ?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET"
    " enabled_ratio = excluded.enabled_ratio, deleted = excluded.deleted,"
    " created_by = excluded.created_by, created_at = excluded.created_at,"
    " changed_at = excluded.changed_at";

vg_status sq_exchange_bank_put(void *tx, const vg_exchange_bank *row, vg_error *err)
{
    conn *c = tx;
    SQ_STMT(st, SQL_BANK_PUT);
    sq_bind_text(st, 1, row->name ? row->name : "");
    sqlite3_bind_double(st, 2, row->enabled_ratio);
    sqlite3_bind_int(st, 3, row->deleted ? 1 : 0);
    sq_bind_text(st, 4, row->created_by);
    sqlite3_bind_int64(st, 5, row->created_at);
    sqlite3_bind_int64(st, 6, row->changed_at);
    return sq_step_done(c, st, "keeping a bank's settings", err);
}

/* ---- content ---- */

static const char SQL_CONTENT_PUT[] =
    "INSERT INTO exchange_bank_content(entry, bank, bank_id, disable_until, note, metadata,"
    " signals, created_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(entry) DO UPDATE SET"
    " bank = excluded.bank, bank_id = excluded.bank_id, disable_until = excluded.disable_until,"
    " note = excluded.note, metadata = excluded.metadata, signals = excluded.signals,"
    " created_at = excluded.created_at";

vg_status sq_exchange_content_put(void *tx, const vg_exchange_content *row, vg_error *err)
{
    conn *c = tx;
    SQ_STMT(st, SQL_CONTENT_PUT);
    sqlite3_bind_int64(st, 1, row->entry);
    sq_bind_text(st, 2, row->bank ? row->bank : "");
    sq_bind_text(st, 3, row->bank_id ? row->bank_id : "");
    sqlite3_bind_int64(st, 4, row->disable_until);
    sq_bind_text(st, 5, row->note);
    sq_bind_text(st, 6, row->metadata);
    sq_bind_text(st, 7, row->signals ? row->signals : "{}");
    sqlite3_bind_int64(st, 8, row->created_at);
    return sq_step_done(c, st, "keeping a bank content's row", err);
}

static const char SQL_CONTENT_GET[] =
    "SELECT entry, bank, bank_id, disable_until, note, metadata, signals, created_at"
    " FROM exchange_bank_content WHERE entry = ?";

vg_status sq_exchange_content_get(void *tx, int64_t entry, vg_exchange_content *row, int *found,
                                  vg_error *err)
{
    conn *c = tx;
    memset(row, 0, sizeof *row);
    *found = 0;
    SQ_STMT(st, SQL_CONTENT_GET);
    sqlite3_bind_int64(st, 1, entry);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *found = 1;
        row->entry = sqlite3_column_int64(st, 0);
        row->bank = sq_text(st, 1);
        row->bank_id = sq_text(st, 2);
        row->disable_until = sqlite3_column_int64(st, 3);
        row->note = sq_text(st, 4);
        row->metadata = sq_text(st, 5);
        row->signals = sq_text(st, 6);
        row->created_at = sqlite3_column_int64(st, 7);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return sq_db_error(err, c->db, "reading a bank content's row");
    if (*found && (!row->bank || !row->bank_id || !row->signals)) {
        vg_exchange_content_clear(row);
        *found = 0;
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    return VG_OK;
}

static const char SQL_CONTENT_DISABLED[] =
    "SELECT entry FROM exchange_bank_content WHERE disable_until > ? ORDER BY entry";

vg_status sq_exchange_content_disabled(void *tx, int64_t now, int64_t **entries, size_t *count,
                                       vg_error *err)
{
    conn *c = tx;
    *entries = NULL;
    *count = 0;
    SQ_STMT(st, SQL_CONTENT_DISABLED);
    sqlite3_bind_int64(st, 1, now);
    int64_t *out = NULL;
    size_t n = 0, cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == cap) {
            size_t grown_cap = cap ? cap * 2 : 16;
            int64_t *grown = realloc(out, grown_cap * sizeof *grown);
            if (!grown) {
                rc = SQLITE_NOMEM;
                break;
            }
            out = grown;
            cap = grown_cap;
        }
        out[n++] = sqlite3_column_int64(st, 0);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        free(out);
        return rc == SQLITE_NOMEM ? vg_error_set(err, VG_ERR_NOMEM, "out of memory")
                                  : sq_db_error(err, c->db, "reading the disabled content");
    }
    *entries = out;
    *count = n;
    return VG_OK;
}

/* ---- open reports ---- */

static const char SQL_REPORT_ADD[] =
    "INSERT INTO exchange_open_reports(id, api_key_id, opened_at, changed_at, finished_at,"
    " expires_at, draft) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(id) DO NOTHING";
static const char SQL_REPORT_SET[] =
    "UPDATE exchange_open_reports SET api_key_id = ?2, opened_at = ?3, changed_at = ?4,"
    " finished_at = ?5, expires_at = ?6, draft = ?7 WHERE id = ?1";

vg_status sq_exchange_report_put(void *tx, const vg_exchange_report *row, int only_new,
                                 int *written, vg_error *err)
{
    conn *c = tx;
    *written = 0;
    SQ_STMT(st, only_new ? SQL_REPORT_ADD : SQL_REPORT_SET);
    sqlite3_bind_int64(st, 1, row->id);
    sqlite3_bind_int64(st, 2, row->api_key_id);
    sqlite3_bind_int64(st, 3, row->opened_at);
    sqlite3_bind_int64(st, 4, row->changed_at);
    sqlite3_bind_int64(st, 5, row->finished_at);
    sqlite3_bind_int64(st, 6, row->expires_at);
    sq_bind_text(st, 7, row->draft);
    vg_status status = sq_step_done(c, st, "keeping an open report", err);
    if (status == VG_OK)
        *written = sqlite3_changes(c->db) > 0;
    return status;
}

#define REPORT_COLUMNS "id, api_key_id, opened_at, changed_at, finished_at, expires_at, draft"

static void read_report(sqlite3_stmt *st, void *item)
{
    vg_exchange_report *r = item;
    r->id = sqlite3_column_int64(st, 0);
    r->api_key_id = sqlite3_column_int64(st, 1);
    r->opened_at = sqlite3_column_int64(st, 2);
    r->changed_at = sqlite3_column_int64(st, 3);
    r->finished_at = sqlite3_column_int64(st, 4);
    r->expires_at = sqlite3_column_int64(st, 5);
    r->draft = sq_text(st, 6);
}

static void clear_report(void *item)
{
    vg_exchange_report_clear(item);
}

static const char SQL_REPORT_GET[] =
    "SELECT " REPORT_COLUMNS " FROM exchange_open_reports WHERE id = ?";

vg_status sq_exchange_report_get(void *tx, int64_t id, vg_exchange_report *row, int *found,
                                 vg_error *err)
{
    vg_exchange_report *rows = NULL;
    size_t n = 0;
    memset(row, 0, sizeof *row);
    vg_status status = sq_list(tx, SQL_REPORT_GET, id, 0, sizeof *rows, read_report, clear_report,
                               (void **)&rows, &n, "reading an open report", err);
    *found = status == VG_OK && n == 1;
    if (*found)
        *row = rows[0];
    free(rows);
    return status;
}

static const char SQL_REPORT_DELETE[] = "DELETE FROM exchange_open_reports WHERE id = ?";

vg_status sq_exchange_report_delete(void *tx, int64_t id, vg_error *err)
{
    conn *c = tx;
    SQ_STMT(st, SQL_REPORT_DELETE);
    sqlite3_bind_int64(st, 1, id);
    return sq_step_done(c, st, "forgetting an open report", err);
}

static const char SQL_REPORTS_DUE[] = "SELECT " REPORT_COLUMNS " FROM exchange_open_reports"
                                      " WHERE expires_at <= ? ORDER BY expires_at, id LIMIT ?";

vg_status sq_exchange_reports_due(void *tx, int64_t now, size_t limit, vg_exchange_report **rows,
                                  size_t *count, vg_error *err)
{
    return sq_list(tx, SQL_REPORTS_DUE, now, (int64_t)limit, sizeof **rows, read_report,
                   clear_report, (void **)rows, count, "reading the reports due", err);
}

static const char SQL_REPORTS_OPEN[] =
    "SELECT COUNT(*) FROM exchange_open_reports WHERE finished_at = 0";

vg_status sq_exchange_reports_open(void *tx, int64_t *count, vg_error *err)
{
    conn *c = tx;
    *count = 0;
    SQ_STMT(st, SQL_REPORTS_OPEN);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *count = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? VG_OK : sq_db_error(err, c->db, "counting the open reports");
}

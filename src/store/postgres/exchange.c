/*
 * src/store/postgres/exchange.c - the banks' settings, the content added
 * through the HMA-compatible API and the open CyberTipline-style reports
 * (store/exchange.h).
 *
 * In a write transaction the reads a use case acts upon lock first: the
 * banks' settings as a whole (a bank made twice at once by two nodes is
 * made once), and an open report's row (an upload and a finish on two
 * nodes follow each other); the count of open reports locks the table's
 * key too, so that ispws.max_open holds across nodes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/postgres/pg.h"

/* ---- banks ---- */

static void read_bank(const PGresult *res, int row, void *item)
{
    vg_exchange_bank *b = item;
    b->name = pg_text(res, row, 0);
    char *ratio = pg_text(res, row, 1);
    b->enabled_ratio = ratio ? strtod(ratio, NULL) : 0;
    free(ratio);
    b->deleted = pg_int(res, row, 2) != 0;
    b->created_by = pg_text(res, row, 3);
    b->created_at = pg_int(res, row, 4);
    b->changed_at = pg_int(res, row, 5);
}

static const char SQL_BANKS[] =
    "SELECT name, enabled_ratio, deleted, created_by, created_at, changed_at"
    " FROM exchange_banks ORDER BY name COLLATE \"C\"";

vg_status pg_exchange_banks(void *tx, vg_exchange_bank **rows, size_t *count, vg_error *err)
{
    vg_status st = pg_lock_key(tx, PG_LOCK_EXCHANGE, "banks", err);
    if (st != VG_OK)
        return st;
    return pg_list(tx, SQL_BANKS, NULL, sizeof **rows, read_bank, (void **)rows, count,
                   "reading the banks' settings", err);
}

static const char SQL_BANK_PUT[] =
    "INSERT INTO exchange_banks(name, enabled_ratio, deleted, created_by, created_at,"
    " changed_at) VALUES($1, $2::double precision, $3, $4, $5, $6) ON CONFLICT(name) DO UPDATE"
    " SET enabled_ratio = excluded.enabled_ratio, deleted = excluded.deleted,"
    " created_by = excluded.created_by, created_at = excluded.created_at,"
    " changed_at = excluded.changed_at";

vg_status pg_exchange_bank_put(void *tx, const vg_exchange_bank *row, vg_error *err)
{
    pg_args a = {0};
    char ratio[40];
    snprintf(ratio, sizeof ratio, "%.17g", row->enabled_ratio);
    pa_text(&a, row->name ? row->name : "");
    pa_text(&a, ratio);
    pa_int(&a, row->deleted ? 1 : 0);
    pa_text(&a, row->created_by);
    pa_int(&a, row->created_at);
    pa_int(&a, row->changed_at);
    return pg_done(tx, SQL_BANK_PUT, &a, "keeping a bank's settings", NULL, err);
}

/* ---- content ---- */

static const char SQL_CONTENT_PUT[] =
    "INSERT INTO exchange_bank_content(entry, bank, bank_id, disable_until, note, metadata,"
    " signals, created_at) VALUES($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT(entry) DO UPDATE"
    " SET bank = excluded.bank, bank_id = excluded.bank_id,"
    " disable_until = excluded.disable_until, note = excluded.note,"
    " metadata = excluded.metadata, signals = excluded.signals,"
    " created_at = excluded.created_at";

vg_status pg_exchange_content_put(void *tx, const vg_exchange_content *row, vg_error *err)
{
    pg_args a = {0};
    pa_int(&a, row->entry);
    pa_text(&a, row->bank ? row->bank : "");
    pa_text(&a, row->bank_id ? row->bank_id : "");
    pa_int(&a, row->disable_until);
    pa_text(&a, row->note);
    pa_text(&a, row->metadata);
    pa_text(&a, row->signals ? row->signals : "{}");
    pa_int(&a, row->created_at);
    return pg_done(tx, SQL_CONTENT_PUT, &a, "keeping a bank content's row", NULL, err);
}

static void read_content(const PGresult *res, int row, void *item)
{
    vg_exchange_content *c = item;
    c->entry = pg_int(res, row, 0);
    c->bank = pg_text(res, row, 1);
    c->bank_id = pg_text(res, row, 2);
    c->disable_until = pg_int(res, row, 3);
    c->note = pg_text(res, row, 4);
    c->metadata = pg_text(res, row, 5);
    c->signals = pg_text(res, row, 6);
    c->created_at = pg_int(res, row, 7);
}

static const char SQL_CONTENT_GET[] =
    "SELECT entry, bank, bank_id, disable_until, note, metadata, signals, created_at"
    " FROM exchange_bank_content WHERE entry = $1";
static const char SQL_CONTENT_GET_LOCK[] =
    "SELECT entry, bank, bank_id, disable_until, note, metadata, signals, created_at"
    " FROM exchange_bank_content WHERE entry = $1 FOR UPDATE";

vg_status pg_exchange_content_get(void *tx, int64_t entry, vg_exchange_content *row, int *found,
                                  vg_error *err)
{
    pg_conn *c = tx;
    memset(row, 0, sizeof *row);
    *found = 0;
    pg_args a = {0};
    pa_int(&a, entry);
    vg_exchange_content *rows = NULL;
    size_t n = 0;
    vg_status st = pg_list(c, c->writable ? SQL_CONTENT_GET_LOCK : SQL_CONTENT_GET, &a,
                           sizeof *rows, read_content, (void **)&rows, &n,
                           "reading a bank content's row", err);
    if (st == VG_OK && n == 1) {
        *row = rows[0];
        *found = 1;
        if (!row->bank || !row->bank_id || !row->signals) {
            vg_exchange_content_clear(row);
            *found = 0;
            st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        }
    }
    free(rows);
    return st;
}

static const char SQL_CONTENT_DISABLED[] =
    "SELECT entry FROM exchange_bank_content WHERE disable_until > $1 ORDER BY entry";

static void read_entry(const PGresult *res, int row, void *item)
{
    *(int64_t *)item = pg_int(res, row, 0);
}

vg_status pg_exchange_content_disabled(void *tx, int64_t now, int64_t **entries, size_t *count,
                                       vg_error *err)
{
    pg_args a = {0};
    pa_int(&a, now);
    return pg_list(tx, SQL_CONTENT_DISABLED, &a, sizeof **entries, read_entry, (void **)entries,
                   count, "reading the disabled content", err);
}

/* ---- open reports ---- */

static const char SQL_REPORT_ADD[] =
    "INSERT INTO exchange_open_reports(id, api_key_id, opened_at, changed_at, finished_at,"
    " expires_at, draft) VALUES($1, $2, $3, $4, $5, $6, $7) ON CONFLICT(id) DO NOTHING";
static const char SQL_REPORT_SET[] =
    "UPDATE exchange_open_reports SET api_key_id = $2, opened_at = $3, changed_at = $4,"
    " finished_at = $5, expires_at = $6, draft = $7 WHERE id = $1";

vg_status pg_exchange_report_put(void *tx, const vg_exchange_report *row, int only_new,
                                 int *written, vg_error *err)
{
    *written = 0;
    pg_args a = {0};
    pa_int(&a, row->id);
    pa_int(&a, row->api_key_id);
    pa_int(&a, row->opened_at);
    pa_int(&a, row->changed_at);
    pa_int(&a, row->finished_at);
    pa_int(&a, row->expires_at);
    pa_text(&a, row->draft);
    int64_t changed = 0;
    vg_status st = pg_done(tx, only_new ? SQL_REPORT_ADD : SQL_REPORT_SET, &a,
                           "keeping an open report", &changed, err);
    *written = st == VG_OK && changed > 0;
    return st;
}

#define REPORT_COLUMNS "id, api_key_id, opened_at, changed_at, finished_at, expires_at, draft"

static void read_report(const PGresult *res, int row, void *item)
{
    vg_exchange_report *r = item;
    r->id = pg_int(res, row, 0);
    r->api_key_id = pg_int(res, row, 1);
    r->opened_at = pg_int(res, row, 2);
    r->changed_at = pg_int(res, row, 3);
    r->finished_at = pg_int(res, row, 4);
    r->expires_at = pg_int(res, row, 5);
    r->draft = pg_text(res, row, 6);
}

static const char SQL_REPORT_GET[] =
    "SELECT " REPORT_COLUMNS " FROM exchange_open_reports WHERE id = $1";
static const char SQL_REPORT_GET_LOCK[] =
    "SELECT " REPORT_COLUMNS " FROM exchange_open_reports WHERE id = $1 FOR UPDATE";

vg_status pg_exchange_report_get(void *tx, int64_t id, vg_exchange_report *row, int *found,
                                 vg_error *err)
{
    pg_conn *c = tx;
    memset(row, 0, sizeof *row);
    pg_args a = {0};
    pa_int(&a, id);
    vg_exchange_report *rows = NULL;
    size_t n = 0;
    vg_status st = pg_list(c, c->writable ? SQL_REPORT_GET_LOCK : SQL_REPORT_GET, &a,
                           sizeof *rows, read_report, (void **)&rows, &n,
                           "reading an open report", err);
    *found = st == VG_OK && n == 1;
    if (*found)
        *row = rows[0];
    free(rows);
    return st;
}

static const char SQL_REPORT_DELETE[] = "DELETE FROM exchange_open_reports WHERE id = $1";

vg_status pg_exchange_report_delete(void *tx, int64_t id, vg_error *err)
{
    pg_args a = {0};
    pa_int(&a, id);
    return pg_done(tx, SQL_REPORT_DELETE, &a, "forgetting an open report", NULL, err);
}

/* Two nodes sweeping at once: the second skips the rows the first holds. */
static const char SQL_REPORTS_DUE[] =
    "SELECT " REPORT_COLUMNS " FROM exchange_open_reports WHERE expires_at <= $1"
    " ORDER BY expires_at, id LIMIT $2";
static const char SQL_REPORTS_DUE_LOCK[] =
    "SELECT " REPORT_COLUMNS " FROM exchange_open_reports WHERE expires_at <= $1"
    " ORDER BY expires_at, id LIMIT $2 FOR UPDATE SKIP LOCKED";

vg_status pg_exchange_reports_due(void *tx, int64_t now, size_t limit, vg_exchange_report **rows,
                                  size_t *count, vg_error *err)
{
    pg_conn *c = tx;
    pg_args a = {0};
    pa_int(&a, now);
    pa_int(&a, limit > INT64_MAX ? INT64_MAX : (int64_t)limit);
    return pg_list(c, c->writable ? SQL_REPORTS_DUE_LOCK : SQL_REPORTS_DUE, &a, sizeof **rows,
                   read_report, (void **)rows, count, "reading the reports due", err);
}

static const char SQL_REPORTS_OPEN[] =
    "SELECT count(*) FROM exchange_open_reports WHERE finished_at = 0";

vg_status pg_exchange_reports_open(void *tx, int64_t *count, vg_error *err)
{
    *count = 0;
    vg_status st = pg_lock_key(tx, PG_LOCK_EXCHANGE, "open reports", err);
    if (st != VG_OK)
        return st;
    PGresult *res = pg_run(tx, SQL_REPORTS_OPEN, NULL, "counting the open reports", err);
    if (!res)
        return err ? err->status : VG_ERR_IO;
    *count = pg_int(res, 0, 0);
    PQclear(res);
    return VG_OK;
}

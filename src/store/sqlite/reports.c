/*
 * src/store/sqlite/reports.c - reports, their URLs and files, cases and
 * idempotency keys (store/reports.h).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite/sqlite.h"

/* ---- idempotency keys ---------------------------------------------------- */

static const char SQL_IDEM_GET[] = "SELECT report_id, response, request_hash FROM "
                                   "idempotency_keys WHERE api_key_id = ? AND key = ?";
static const char SQL_IDEM_PUT[] = "INSERT INTO idempotency_keys(api_key_id, key, report_id, "
                                   "response, created_at, request_hash) VALUES(?, ?, ?, ?, ?, ?)";
static const char SQL_IDEM_PRUNE[] = "DELETE FROM idempotency_keys WHERE created_at < ?";

vg_status sq_idempotency_get(void *tx, int64_t api_key_id, const char *key, int *found,
                             int64_t *report_id, char **response, char **request_hash,
                             vg_error *err)
{
    conn *c = tx;
    *found = 0;
    *report_id = 0;
    *response = *request_hash = NULL;
    SQ_STMT(st, SQL_IDEM_GET);
    sqlite3_bind_int64(st, 1, api_key_id);
    sq_bind_text(st, 2, key);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *found = 1;
        *report_id = sqlite3_column_int64(st, 0);
        *response = sq_text(st, 1);
        *request_hash = sq_text(st, 2);
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE
               ? VG_OK
               : sq_db_error(err, c->db, "reading an idempotency key");
}

vg_status sq_idempotency_put(void *tx, int64_t api_key_id, const vg_idempotency *idem,
                             int64_t report_id, int64_t now, vg_error *err)
{
    conn *c = tx;
    SQ_STMT(st, SQL_IDEM_PUT);
    sqlite3_bind_int64(st, 1, api_key_id);
    sq_bind_text(st, 2, idem->key);
    sqlite3_bind_int64(st, 3, report_id);
    sq_bind_text(st, 4, idem->response);
    sqlite3_bind_int64(st, 5, now);
    sq_bind_text(st, 6, idem->request_hash);
    return sq_step_done(c, st, "writing an idempotency key", err);
}

vg_status sq_idempotency_prune(void *tx, int64_t before, int64_t *removed, vg_error *err)
{
    conn *c = tx;
    SQ_STMT(st, SQL_IDEM_PRUNE);
    sqlite3_bind_int64(st, 1, before);
    vg_status status = sq_step_done(c, st, "forgetting old idempotency keys", err);
    *removed = status == VG_OK ? sqlite3_changes(c->db) : 0;
    return status;
}

/* ---- cases --------------------------------------------------------------- */

static const char SQL_CASE_BY_URL[] =
    "SELECT r.case_id, r.id FROM report_urls u JOIN reports r ON r.id = u.report_id "
    "WHERE u.canonical = ? ORDER BY u.id DESC LIMIT 1";
static const char SQL_CASE_BY_FILE[] =
    "SELECT r.case_id, r.id FROM report_files f JOIN reports r ON r.id = f.report_id "
    "WHERE f.sha256 = ? ORDER BY f.id DESC LIMIT 1";
static const char SQL_CASE_BY_ACCOUNT[] =
    "SELECT case_id, id FROM reports WHERE account = ? AND platform IS ? "
    "ORDER BY id DESC LIMIT 1";
static const char SQL_CASE_NEW[] = "INSERT INTO cases(created_at) VALUES(?)";

/* Add the candidate st finds (if any) to list. */
static vg_status candidate(conn *c, sqlite3_stmt *st, vg_case_candidate *list, size_t *n,
                           vg_error *err)
{
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        list[*n].case_id = sqlite3_column_int64(st, 0);
        list[*n].report_id = sqlite3_column_int64(st, 1);
        (*n)++;
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE
               ? VG_OK
               : sq_db_error(err, c->db, "cross-referencing a report");
}

vg_status sq_case_candidates(void *tx, const vg_report *r, vg_case_candidate **candidates,
                             size_t *count, vg_error *err)
{
    conn *c = tx;
    *candidates = NULL;
    *count = 0;
    vg_case_candidate *list = malloc((r->url_count + r->file_count + 1) * sizeof *list);
    if (!list)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    size_t n = 0;
    vg_status status = VG_OK;
    for (size_t i = 0; status == VG_OK && i < r->url_count; i++) {
        if (!r->urls[i].canonical)
            continue;
        sqlite3_stmt *st = sq_stmt(c, SQL_CASE_BY_URL, err);
        if (!st) {
            status = err ? err->status : VG_ERR_IO;
            break;
        }
        sq_bind_text(st, 1, r->urls[i].canonical);
        status = candidate(c, st, list, &n, err);
    }
    for (size_t i = 0; status == VG_OK && i < r->file_count; i++) {
        if (!r->files[i].sha256)
            continue;
        sqlite3_stmt *st = sq_stmt(c, SQL_CASE_BY_FILE, err);
        if (!st) {
            status = err ? err->status : VG_ERR_IO;
            break;
        }
        sq_bind_text(st, 1, r->files[i].sha256);
        status = candidate(c, st, list, &n, err);
    }
    if (status == VG_OK && r->account && *r->account) {
        sqlite3_stmt *st = sq_stmt(c, SQL_CASE_BY_ACCOUNT, err);
        if (!st) {
            status = err ? err->status : VG_ERR_IO;
        } else {
            sq_bind_text(st, 1, r->account);
            sq_bind_text(st, 2, r->platform);
            status = candidate(c, st, list, &n, err);
        }
    }
    if (status != VG_OK) {
        free(list);
        return status;
    }
    *candidates = list;
    *count = n;
    return VG_OK;
}

vg_status sq_case_new(void *tx, int64_t now, int64_t *case_id, vg_error *err)
{
    conn *c = tx;
    SQ_STMT(st, SQL_CASE_NEW);
    sqlite3_bind_int64(st, 1, now);
    vg_status status = sq_step_done(c, st, "opening a case", err);
    *case_id = status == VG_OK ? sqlite3_last_insert_rowid(c->db) : 0;
    return status;
}

/* ---- reports ------------------------------------------------------------- */

static const char SQL_REPORT_PUT[] =
    "INSERT INTO reports(public_id, receipt_code, receipt_secret_hash, source, api_key_id, "
    "case_id, category, platform, account, occurred_at, description, reporter_kind, language, "
    "country, contact, client_ip, user_agent, extra_json, created_at, updated_at, content_key, "
    "danger) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
static const char SQL_URL_PUT[] =
    "INSERT INTO report_urls(report_id, url, canonical) VALUES(?, ?, ?)";
static const char SQL_FILE_PUT[] =
    "INSERT INTO report_files(report_id, vault_id, filename, content_type, size, md5, sha1, "
    "sha256, pdq, pdq_quality, known, bank, bank_entry, distance, video_match, match_signal) "
    "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";

vg_status sq_report_put(void *tx, const vg_report *r, int64_t case_id, int64_t now, int64_t *id,
                        vg_error *err)
{
    conn *c = tx;
    vg_status status;
    if (!r->public_id || !r->receipt_code || !r->source)
        return vg_error_set(err, VG_ERR_INVALID,
                            "a report needs a public id, a receipt code and a source");
    SQ_STMT(st, SQL_REPORT_PUT);
    const char *texts[] = {r->public_id, r->receipt_code, r->receipt_secret_hash, r->source};
    for (int i = 0; i < 4; i++)
        sq_bind_text(st, i + 1, texts[i]);
    if (r->api_key_id)
        sqlite3_bind_int64(st, 5, r->api_key_id);
    sqlite3_bind_int64(st, 6, case_id);
    const char *more[] = {r->category,    r->platform,      r->account,    r->occurred_at,
                          r->description, r->reporter_kind, r->language,   r->country,
                          r->contact,     r->client_ip,     r->user_agent, r->extra_json};
    for (int i = 0; i < 12; i++)
        sq_bind_text(st, i + 7, more[i]);
    sqlite3_bind_int64(st, 19, now);
    sqlite3_bind_int64(st, 20, now);
    sq_bind_text(st, 21, r->content_key);
    sqlite3_bind_int(st, 22, r->danger ? 1 : 0);
    if ((status = sq_step_done(c, st, "writing a report", err)) != VG_OK)
        return status;
    *id = sqlite3_last_insert_rowid(c->db);
    for (size_t i = 0; i < r->url_count; i++) {
        SQ_STMT(u, SQL_URL_PUT);
        sqlite3_bind_int64(u, 1, *id);
        sq_bind_text(u, 2, r->urls[i].url ? r->urls[i].url : "");
        sq_bind_text(u, 3,
                     r->urls[i].canonical ? r->urls[i].canonical
                                          : (r->urls[i].url ? r->urls[i].url : ""));
        if ((status = sq_step_done(c, u, "writing a report URL", err)) != VG_OK)
            return status;
    }
    for (size_t i = 0; i < r->file_count; i++) {
        const vg_report_file *f = &r->files[i];
        SQ_STMT(fs, SQL_FILE_PUT);
        sqlite3_bind_int64(fs, 1, *id);
        sq_bind_text(fs, 2, f->vault_id);
        sq_bind_text(fs, 3, f->filename);
        sq_bind_text(fs, 4, f->content_type);
        sqlite3_bind_int64(fs, 5, (sqlite3_int64)f->size);
        sq_bind_text(fs, 6, f->md5);
        sq_bind_text(fs, 7, f->sha1);
        sq_bind_text(fs, 8, f->sha256);
        sq_bind_text(fs, 9, f->pdq);
        sqlite3_bind_int(fs, 10, f->pdq_quality);
        sqlite3_bind_int(fs, 11, f->known);
        sq_bind_text(fs, 12, f->bank);
        sq_bind_text(fs, 13, f->bank_entry);
        sqlite3_bind_int(fs, 14, f->distance);
        sq_bind_text(fs, 15, f->video_match);
        sq_bind_text(fs, 16, f->match_signal);
        if ((status = sq_step_done(c, fs, "writing a report file", err)) != VG_OK)
            return status;
    }
    return VG_OK;
}

vg_status sq_report_put_new_case(void *tx, const vg_report *r, int64_t now, int64_t *case_id,
                                 int64_t *id, vg_error *err)
{
    *id = 0;
    vg_status status = sq_case_new(tx, now, case_id, err);
    return status == VG_OK ? sq_report_put(tx, r, *case_id, now, id, err) : status;
}

static const char SQL_REPORT_CASE_OF[] = "SELECT case_id FROM reports WHERE id = ?";
static const char SQL_REPORT_SET_CASE[] = "UPDATE reports SET case_id = ? WHERE id = ?";
static const char SQL_CASE_DROP_EMPTY[] =
    "DELETE FROM cases WHERE id = ? AND NOT EXISTS (SELECT 1 FROM reports WHERE case_id = ?)";

vg_status sq_report_set_case(void *tx, int64_t id, int64_t case_id, vg_error *err)
{
    conn *c = tx;
    SQ_STMT(get, SQL_REPORT_CASE_OF);
    sqlite3_bind_int64(get, 1, id);
    int rc = sqlite3_step(get);
    int64_t old = rc == SQLITE_ROW ? sqlite3_column_int64(get, 0) : 0;
    sqlite3_reset(get);
    if (rc != SQLITE_ROW)
        return rc == SQLITE_DONE
                   ? vg_error_set(err, VG_ERR_INVALID, "there is no report %" PRId64, id)
                   : sq_db_error(err, c->db, "reading a report's case");
    if (old == case_id)
        return VG_OK;
    SQ_STMT(set, SQL_REPORT_SET_CASE);
    sqlite3_bind_int64(set, 1, case_id);
    sqlite3_bind_int64(set, 2, id);
    vg_status status = sq_step_done(c, set, "moving a report to another case", err);
    if (status != VG_OK)
        return status;
    SQ_STMT(drop, SQL_CASE_DROP_EMPTY);
    sqlite3_bind_int64(drop, 1, old);
    sqlite3_bind_int64(drop, 2, old);
    return sq_step_done(c, drop, "removing an empty case", err);
}

static const char SQL_REPORT_STATUS[] =
    "UPDATE reports SET status = ?, updated_at = ? WHERE id = ?";

vg_status sq_report_set_status(void *tx, int64_t id, const char *status, int64_t now, vg_error *err)
{
    conn *c = tx;
    SQ_STMT(st, SQL_REPORT_STATUS);
    sq_bind_text(st, 1, status);
    sqlite3_bind_int64(st, 2, now);
    sqlite3_bind_int64(st, 3, id);
    vg_status s = sq_step_done(c, st, "updating a report", err);
    if (s == VG_OK && sqlite3_changes(c->db) == 0)
        return vg_error_set(err, VG_ERR_INVALID, "there is no report %" PRId64, id);
    return s;
}

#define REPORT_COLUMNS                                                                             \
    "r.id, r.case_id, r.created_at, IFNULL(r.api_key_id, 0), r.public_id, r.receipt_code, "        \
    "r.receipt_secret_hash, r.status, r.source, r.category, "                                      \
    "(SELECT COUNT(*) FROM report_urls WHERE report_id = r.id), "                                  \
    "(SELECT COUNT(*) FROM report_files WHERE report_id = r.id), r.reporter_kind"

static void read_report_row(sqlite3_stmt *st, void *item)
{
    vg_report_row *row = item;
    row->id = sqlite3_column_int64(st, 0);
    row->case_id = sqlite3_column_int64(st, 1);
    row->created_at = sqlite3_column_int64(st, 2);
    row->api_key_id = sqlite3_column_int64(st, 3);
    row->public_id = sq_text(st, 4);
    row->receipt_code = sq_text(st, 5);
    row->receipt_secret_hash = sq_text(st, 6);
    row->status = sq_text(st, 7);
    row->source = sq_text(st, 8);
    row->category = sq_text(st, 9);
    row->url_count = (size_t)sqlite3_column_int64(st, 10);
    row->file_count = (size_t)sqlite3_column_int64(st, 11);
    row->reporter_kind = sq_text(st, 12);
}

static void clear_report_row(void *item)
{
    vg_report_row_clear(item);
}

static const char SQL_REPORT_BY_RECEIPT[] =
    "SELECT " REPORT_COLUMNS " FROM reports r WHERE r.receipt_code = ?";

vg_status sq_report_by_receipt(void *tx, const char *code, vg_report_row *row, int *found,
                               vg_error *err)
{
    conn *c = tx;
    *found = 0;
    memset(row, 0, sizeof *row);
    SQ_STMT(st, SQL_REPORT_BY_RECEIPT);
    sq_bind_text(st, 1, code);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        read_report_row(st, row);
        *found = 1;
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? VG_OK
                                                 : sq_db_error(err, c->db, "reading a report");
}

static const char SQL_REPORT_BY_PUBLIC_ID[] =
    "SELECT " REPORT_COLUMNS " FROM reports r WHERE r.public_id = ?";

vg_status sq_report_by_public_id(void *tx, const char *public_id, vg_report_row *row, int *found,
                                 vg_error *err)
{
    conn *c = tx;
    *found = 0;
    memset(row, 0, sizeof *row);
    SQ_STMT(st, SQL_REPORT_BY_PUBLIC_ID);
    sq_bind_text(st, 1, public_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        read_report_row(st, row);
        *found = 1;
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? VG_OK
                                                 : sq_db_error(err, c->db, "reading a report");
}

static const char SQL_REPORTS_RECENT[] =
    "SELECT " REPORT_COLUMNS " FROM reports r ORDER BY r.id DESC LIMIT ?";

vg_status sq_reports_recent(void *tx, size_t limit, vg_report_row **rows, size_t *count,
                            vg_error *err)
{
    return sq_list(tx, SQL_REPORTS_RECENT, (int64_t)(limit > 10000 ? 10000 : limit), 0,
                   sizeof **rows, read_report_row, clear_report_row, (void **)rows, count,
                   "listing reports", err);
}

static const char SQL_REPORT_COUNT[] = "SELECT COUNT(*) FROM reports";

vg_status sq_report_count(void *tx, int64_t *count, vg_error *err)
{
    conn *c = tx;
    *count = 0;
    SQ_STMT(st, SQL_REPORT_COUNT);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *count = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? VG_OK : sq_db_error(err, c->db, "counting reports");
}

static const char SQL_REPORT_URLS[] =
    "SELECT canonical FROM report_urls WHERE report_id = ? ORDER BY id";

static void url_row(sqlite3_stmt *st, void *item)
{
    *(char **)item = sq_text(st, 0);
}
static void url_clear(void *item)
{
    free(*(char **)item);
}

vg_status sq_report_urls(void *tx, int64_t id, char ***canonical, size_t *count, vg_error *err)
{
    return sq_list(tx, SQL_REPORT_URLS, id, 0, sizeof **canonical, url_row, url_clear,
                   (void **)canonical, count, "reading URLs", err);
}

static const char SQL_REPORT_PDQS[] =
    "SELECT f.id, r.case_id, f.pdq FROM report_files f JOIN reports r ON r.id = f.report_id "
    "WHERE f.pdq IS NOT NULL AND f.id > ? ORDER BY f.id";

vg_status sq_report_pdqs(void *tx, int64_t after_file_id, vg_store_pdq_fn fn, void *ctx,
                         vg_error *err)
{
    conn *c = tx;
    SQ_STMT(st, SQL_REPORT_PDQS);
    sqlite3_bind_int64(st, 1, after_file_id);
    vg_status status = VG_OK;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *pdq = (const char *)sqlite3_column_text(st, 2);
        if (pdq && fn(ctx, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1), pdq)) {
            status = vg_error_set(err, VG_ERR_ABORTED, "reading PDQ hashes was stopped");
            break;
        }
    }
    if (status == VG_OK && rc != SQLITE_DONE)
        status = sq_db_error(err, c->db, "reading file PDQ hashes");
    sqlite3_reset(st);
    return status;
}

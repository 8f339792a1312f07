/*
 * src/store/sqlite/notices.c - notices to hosts and their history
 * (store/notices.h).
 */
#include <stdint.h>
#include <stdlib.h>

#include "store/sqlite/sqlite.h"

static const char *or_empty(const char *s)
{
    return s ? s : "";
}

static const char SQL_NOTICE_TODO[] =
    "SELECT t.report_id, r.case_id, t.url, t.hosting FROM url_routes t"
    " JOIN reports r ON r.id = t.report_id"
    " WHERE instr(',' || t.actions || ',', ',' || ?1 || ',') > 0"
    " AND t.state IN ('approved', 'automatic')"
    " AND NOT EXISTS (SELECT 1 FROM notices n WHERE n.report_id = t.report_id"
    "                 AND n.url = t.url)"
    " ORDER BY t.id LIMIT ?2";

static void read_todo(sqlite3_stmt *st, void *item)
{
    vg_notice_todo *t = item;
    t->report_id = sqlite3_column_int64(st, 0);
    t->case_id = sqlite3_column_int64(st, 1);
    t->url = sq_text(st, 2);
    t->hosting = sq_text(st, 3);
}

static void clear_todo(void *item)
{
    vg_notice_todo *t = item;
    free(t->url);
    free(t->hosting);
}

vg_status sq_notice_todo(void *tx, const char *action, size_t limit, vg_notice_todo **todo,
                         size_t *count, vg_error *err)
{
    conn *c = tx;
    *todo = NULL;
    *count = 0;
    SQ_STMT(st, SQL_NOTICE_TODO);
    sq_bind_text(st, 1, or_empty(action));
    sqlite3_bind_int64(st, 2, (int64_t)limit);
    return sq_collect(c, st, sizeof **todo, read_todo, clear_todo, (void **)todo, count,
                      "reading the routes to notify", err);
}

static const char SQL_NOTICE_INSERT[] =
    "INSERT INTO notices(report_id, case_id, url, created_at, state, contact, language, provider,"
    " token_hash, material_sha256, material_pdq, confirmed, sent_count, first_sent_at,"
    " last_sent_at, acked_at, host_removed_at, removed_at, verified_at, escalated_at,"
    " reappeared_at, reappeared_count, next_check_at, last_check_at, asn, as_name,"
    " host_country)"
    " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,"
    " ?19, ?20, ?21, ?22, ?23, ?24, ?26, ?27, ?28) ON CONFLICT(report_id, url) DO NOTHING";

static const char SQL_NOTICE_UPDATE[] =
    "UPDATE notices SET state = ?5, contact = ?6, language = ?7, provider = ?8,"
    " token_hash = ?9, material_sha256 = ?10, material_pdq = ?11, confirmed = ?12,"
    " sent_count = ?13, first_sent_at = ?14, last_sent_at = ?15, acked_at = ?16,"
    " host_removed_at = ?17, removed_at = ?18, verified_at = ?19, escalated_at = ?20,"
    " reappeared_at = ?21, reappeared_count = ?22, next_check_at = ?23, last_check_at = ?24"
    " WHERE id = ?25";

static void bind_notice(sqlite3_stmt *st, const vg_notice_row *r)
{
    sqlite3_bind_int64(st, 1, r->report_id);
    sqlite3_bind_int64(st, 2, r->case_id);
    sq_bind_text(st, 3, or_empty(r->url));
    sqlite3_bind_int64(st, 4, r->created_at);
    sq_bind_text(st, 5, or_empty(r->state));
    sq_bind_text(st, 6, or_empty(r->contact));
    sq_bind_text(st, 7, or_empty(r->language));
    sq_bind_text(st, 8, or_empty(r->provider));
    sq_bind_text(st, 9, or_empty(r->token_hash));
    sq_bind_text(st, 10, or_empty(r->material_sha256));
    sq_bind_text(st, 11, or_empty(r->material_pdq));
    sqlite3_bind_int(st, 12, r->confirmed);
    sqlite3_bind_int(st, 13, r->sent_count);
    sqlite3_bind_int64(st, 14, r->first_sent_at);
    sqlite3_bind_int64(st, 15, r->last_sent_at);
    sqlite3_bind_int64(st, 16, r->acked_at);
    sqlite3_bind_int64(st, 17, r->host_removed_at);
    sqlite3_bind_int64(st, 18, r->removed_at);
    sqlite3_bind_int64(st, 19, r->verified_at);
    sqlite3_bind_int64(st, 20, r->escalated_at);
    sqlite3_bind_int64(st, 21, r->reappeared_at);
    sqlite3_bind_int(st, 22, r->reappeared_count);
    sqlite3_bind_int64(st, 23, r->next_check_at);
    sqlite3_bind_int64(st, 24, r->last_check_at);
}

vg_status sq_notice_put(void *tx, const vg_notice_row *row, int64_t *id, vg_error *err)
{
    conn *c = tx;
    *id = 0;
    if (row->id > 0) {
        SQ_STMT(st, SQL_NOTICE_UPDATE);
        bind_notice(st, row);
        sqlite3_bind_int64(st, 25, row->id);
        vg_status status = sq_step_done(c, st, "keeping a notice", err);
        if (status != VG_OK)
            return status;
        if (sqlite3_changes(c->db) == 0)
            return vg_error_set(err, VG_ERR_INVALID, "no notice %lld", (long long)row->id);
        *id = row->id;
        return VG_OK;
    }
    SQ_STMT(st, SQL_NOTICE_INSERT);
    bind_notice(st, row);
    sqlite3_bind_int64(st, 26, row->asn);
    sq_bind_text(st, 27, or_empty(row->as_name));
    sq_bind_text(st, 28, or_empty(row->host_country));
    vg_status status = sq_step_done(c, st, "keeping a notice", err);
    if (status != VG_OK)
        return status;
    if (sqlite3_changes(c->db) == 0)
        return vg_error_set(err, VG_ERR_INVALID, "this URL of report %lld has a notice already",
                            (long long)row->report_id);
    *id = sqlite3_last_insert_rowid(c->db);
    return VG_OK;
}

static const char SQL_NOTICES[] =
    "SELECT id, report_id, case_id, url, state, contact, language, provider, token_hash,"
    " material_sha256, material_pdq, confirmed, sent_count, created_at, first_sent_at,"
    " last_sent_at, acked_at, host_removed_at, removed_at, verified_at, escalated_at,"
    " reappeared_at, reappeared_count, next_check_at, last_check_at, asn, as_name, host_country"
    " FROM notices"
    " WHERE (?1 <= 0 OR id = ?1) AND (?2 <= 0 OR report_id = ?2) AND (?3 <= 0 OR case_id = ?3)"
    " AND (?4 <= 0 OR (next_check_at > 0 AND next_check_at <= ?4))"
    " AND (?5 IS NULL OR state = ?5) AND (?6 IS NULL OR token_hash = ?6)"
    " AND (?7 IS NULL OR material_sha256 = ?7) AND (?9 IS NULL OR provider = ?9)"
    " AND (?10 <= 0 OR asn = ?10) AND (?11 = 0 OR first_sent_at > 0)"
    " AND (?12 = 0 OR (first_sent_at > 0 AND removed_at = 0))"
    " ORDER BY CASE WHEN ?4 > 0 THEN next_check_at ELSE -id END, id LIMIT ?8";

static void read_notice(sqlite3_stmt *st, void *item)
{
    vg_notice_row *r = item;
    r->id = sqlite3_column_int64(st, 0);
    r->report_id = sqlite3_column_int64(st, 1);
    r->case_id = sqlite3_column_int64(st, 2);
    r->url = sq_text(st, 3);
    r->state = sq_text(st, 4);
    r->contact = sq_text(st, 5);
    r->language = sq_text(st, 6);
    r->provider = sq_text(st, 7);
    r->token_hash = sq_text(st, 8);
    r->material_sha256 = sq_text(st, 9);
    r->material_pdq = sq_text(st, 10);
    r->confirmed = sqlite3_column_int(st, 11);
    r->sent_count = sqlite3_column_int(st, 12);
    r->created_at = sqlite3_column_int64(st, 13);
    r->first_sent_at = sqlite3_column_int64(st, 14);
    r->last_sent_at = sqlite3_column_int64(st, 15);
    r->acked_at = sqlite3_column_int64(st, 16);
    r->host_removed_at = sqlite3_column_int64(st, 17);
    r->removed_at = sqlite3_column_int64(st, 18);
    r->verified_at = sqlite3_column_int64(st, 19);
    r->escalated_at = sqlite3_column_int64(st, 20);
    r->reappeared_at = sqlite3_column_int64(st, 21);
    r->reappeared_count = sqlite3_column_int(st, 22);
    r->next_check_at = sqlite3_column_int64(st, 23);
    r->last_check_at = sqlite3_column_int64(st, 24);
    r->asn = sqlite3_column_int64(st, 25);
    r->as_name = sq_text(st, 26);
    r->host_country = sq_text(st, 27);
}

static void clear_notice(void *item)
{
    vg_notice_row_clear(item);
}

vg_status sq_notices(void *tx, const vg_notice_filter *f, size_t limit, vg_notice_row **rows,
                     size_t *count, vg_error *err)
{
    conn *c = tx;
    *rows = NULL;
    *count = 0;
    SQ_STMT(st, SQL_NOTICES);
    sqlite3_bind_int64(st, 1, f->id);
    sqlite3_bind_int64(st, 2, f->report_id);
    sqlite3_bind_int64(st, 3, f->case_id);
    sqlite3_bind_int64(st, 4, f->due_at);
    sq_bind_text(st, 5, f->state);
    sq_bind_text(st, 6, f->token_hash);
    sq_bind_text(st, 7, f->material_sha256);
    sqlite3_bind_int64(st, 8, limit > INT64_MAX ? -1 : (int64_t)limit); /* -1: no limit */
    sq_bind_text(st, 9, f->provider);
    sqlite3_bind_int64(st, 10, f->asn);
    sqlite3_bind_int(st, 11, f->sent != 0);
    sqlite3_bind_int(st, 12, f->still_up != 0);
    return sq_collect(c, st, sizeof **rows, read_notice, clear_notice, (void **)rows, count,
                      "reading notices", err);
}

/* Only the columns the provider page counts: a notice row is ten times
 * wider, and there may be a million of them. */
static const char SQL_REMOVALS[] = "SELECT provider, asn, as_name, first_sent_at, removed_at"
                                   " FROM notices WHERE first_sent_at > 0";

vg_status sq_notice_removals(void *tx, vg_store_removal_fn fn, void *ctx, vg_error *err)
{
    conn *c = tx;
    SQ_STMT(st, SQL_REMOVALS);
    vg_status status = VG_OK;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        vg_takedown_notice n = {(const char *)sqlite3_column_text(st, 0),
                                sqlite3_column_int64(st, 1),
                                (const char *)sqlite3_column_text(st, 2),
                                sqlite3_column_int64(st, 3), sqlite3_column_int64(st, 4)};
        if (fn(ctx, &n)) {
            status = vg_error_set(err, VG_ERR_ABORTED, "reading the notices sent was stopped");
            break;
        }
    }
    if (status == VG_OK && rc != SQLITE_DONE)
        status = sq_db_error(err, c->db, "reading the notices sent");
    sqlite3_reset(st);
    return status;
}

static const char SQL_EVENT_ADD[] =
    "INSERT INTO notices_events(notice_id, at, kind, detail) VALUES(?, ?, ?, ?)";

vg_status sq_notice_event_add(void *tx, int64_t notice_id, int64_t at, const char *kind,
                              const char *detail, vg_error *err)
{
    conn *c = tx;
    SQ_STMT(st, SQL_EVENT_ADD);
    sqlite3_bind_int64(st, 1, notice_id);
    sqlite3_bind_int64(st, 2, at);
    sq_bind_text(st, 3, or_empty(kind));
    sq_bind_text(st, 4, detail && *detail ? detail : "{}");
    return sq_step_done(c, st, "keeping a notice's history", err);
}

static const char SQL_EVENTS[] =
    "SELECT id, notice_id, at, kind, detail FROM notices_events WHERE notice_id = ?"
    " ORDER BY id LIMIT 10000";

static void read_event(sqlite3_stmt *st, void *item)
{
    vg_notice_event *e = item;
    e->id = sqlite3_column_int64(st, 0);
    e->notice_id = sqlite3_column_int64(st, 1);
    e->at = sqlite3_column_int64(st, 2);
    e->kind = sq_text(st, 3);
    e->detail = sq_text(st, 4);
}

static void clear_event(void *item)
{
    vg_notice_event *e = item;
    free(e->kind);
    free(e->detail);
}

vg_status sq_notice_events(void *tx, int64_t notice_id, vg_notice_event **events, size_t *count,
                           vg_error *err)
{
    return sq_list(tx, SQL_EVENTS, notice_id, 0, sizeof **events, read_event, clear_event,
                   (void **)events, count, "reading a notice's history", err);
}

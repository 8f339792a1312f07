/*
 * src/store/sqlite/blocklist.c - the blocking list, its version and its
 * appeals (store/blocklist.h).
 */
#include <stdlib.h>

#include "store/sqlite/sqlite.h"

static const char *or_empty(const char *s)
{
    return s ? s : "";
}

/* The fields an update replaces, ?7 to ?20, after the identity ?1 to ?6. */
static const char SQL_BLOCK_INSERT[] =
    "INSERT INTO blocklist(target, kind, route_id, report_id, proposed_by, proposed_at,"
    " approved_by, approved_at, legal_basis, category, starts_at, expires_at, review_at,"
    " state, removal_reason, removed_at, renewal_by, listed_version, removed_version)"
    " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,"
    " ?19) ON CONFLICT DO NOTHING";

static const char SQL_BLOCK_UPDATE[] =
    "UPDATE blocklist SET approved_by = ?7, approved_at = ?8, legal_basis = ?9, category = ?10,"
    " starts_at = ?11, expires_at = ?12, review_at = ?13, state = ?14, removal_reason = ?15,"
    " removed_at = ?16, renewal_by = ?17, listed_version = ?18, removed_version = ?19"
    " WHERE id = ?20";

static void bind_entry(sqlite3_stmt *st, const vg_block_entry *e)
{
    sq_bind_text(st, 1, or_empty(e->target));
    sq_bind_text(st, 2, or_empty(e->kind));
    sqlite3_bind_int64(st, 3, e->route_id);
    sqlite3_bind_int64(st, 4, e->report_id);
    sq_bind_text(st, 5, or_empty(e->proposed_by));
    sqlite3_bind_int64(st, 6, e->proposed_at);
    sq_bind_text(st, 7, or_empty(e->approved_by));
    sqlite3_bind_int64(st, 8, e->approved_at);
    sq_bind_text(st, 9, or_empty(e->legal_basis));
    sq_bind_text(st, 10, or_empty(e->category));
    sqlite3_bind_int64(st, 11, e->starts_at);
    sqlite3_bind_int64(st, 12, e->expires_at);
    sqlite3_bind_int64(st, 13, e->review_at);
    sq_bind_text(st, 14, or_empty(e->state));
    sq_bind_text(st, 15, or_empty(e->removal_reason));
    sqlite3_bind_int64(st, 16, e->removed_at);
    sq_bind_text(st, 17, or_empty(e->renewal_by));
    sqlite3_bind_int64(st, 18, e->listed_version);
    sqlite3_bind_int64(st, 19, e->removed_version);
}

vg_status sq_block_put(void *tx, const vg_block_entry *e, int64_t *id, vg_error *err)
{
    conn *c = tx;
    *id = 0;
    if (e->id > 0) {
        SQ_STMT(st, SQL_BLOCK_UPDATE);
        bind_entry(st, e);
        sqlite3_bind_int64(st, 20, e->id);
        vg_status status = sq_step_done(c, st, "keeping a blocking entry", err);
        if (status != VG_OK)
            return status;
        if (sqlite3_changes(c->db) == 0)
            return vg_error_set(err, VG_ERR_INVALID, "no blocking entry %lld", (long long)e->id);
        *id = e->id;
        return VG_OK;
    }
    SQ_STMT(st, SQL_BLOCK_INSERT);
    bind_entry(st, e);
    vg_status status = sq_step_done(c, st, "keeping a blocking entry", err);
    if (status != VG_OK)
        return status;
    if (sqlite3_changes(c->db) == 0)
        return vg_error_set(err, VG_ERR_INVALID,
                            "this URL or domain is already proposed or listed");
    *id = sqlite3_last_insert_rowid(c->db);
    return VG_OK;
}

static const char SQL_BLOCKS[] =
    "SELECT id, target, kind, route_id, report_id, proposed_by, proposed_at, approved_by,"
    " approved_at, legal_basis, category, starts_at, expires_at, review_at, state,"
    " removal_reason, removed_at, renewal_by, listed_version, removed_version FROM blocklist"
    " WHERE (?1 <= 0 OR id = ?1) AND (?2 <= 0 OR report_id = ?2) AND (?3 <= 0 OR route_id = ?3)"
    " AND (?4 IS NULL OR state = ?4) AND (?5 IS NULL OR kind = ?5)"
    " AND (?6 IS NULL OR target = ?6)"
    " AND (?7 <= 0 OR (state = 'listed' AND expires_at <= ?7))"
    " AND (?8 <= 0 OR (listed_version > 0 AND listed_version <= ?8"
    "                  AND (removed_version = 0 OR removed_version > ?8)))"
    " AND (?10 IS NULL OR legal_basis = ?10)"
    " ORDER BY CASE WHEN ?7 > 0 THEN expires_at WHEN ?8 > 0 THEN id ELSE -id END, id"
    " LIMIT ?9 OFFSET max(?11, 0)";

static void read_entry(sqlite3_stmt *st, void *item)
{
    vg_block_entry *e = item;
    e->id = sqlite3_column_int64(st, 0);
    e->target = sq_text(st, 1);
    e->kind = sq_text(st, 2);
    e->route_id = sqlite3_column_int64(st, 3);
    e->report_id = sqlite3_column_int64(st, 4);
    e->proposed_by = sq_text(st, 5);
    e->proposed_at = sqlite3_column_int64(st, 6);
    e->approved_by = sq_text(st, 7);
    e->approved_at = sqlite3_column_int64(st, 8);
    e->legal_basis = sq_text(st, 9);
    e->category = sq_text(st, 10);
    e->starts_at = sqlite3_column_int64(st, 11);
    e->expires_at = sqlite3_column_int64(st, 12);
    e->review_at = sqlite3_column_int64(st, 13);
    e->state = sq_text(st, 14);
    e->removal_reason = sq_text(st, 15);
    e->removed_at = sqlite3_column_int64(st, 16);
    e->renewal_by = sq_text(st, 17);
    e->listed_version = sqlite3_column_int64(st, 18);
    e->removed_version = sqlite3_column_int64(st, 19);
}

static void clear_entry(void *item)
{
    vg_block_entry_clear(item);
}

vg_status sq_blocks(void *tx, const vg_block_filter *f, size_t limit, vg_block_entry **rows,
                    size_t *count, vg_error *err)
{
    conn *c = tx;
    *rows = NULL;
    *count = 0;
    SQ_STMT(st, SQL_BLOCKS);
    sqlite3_bind_int64(st, 1, f->id);
    sqlite3_bind_int64(st, 2, f->report_id);
    sqlite3_bind_int64(st, 3, f->route_id);
    sq_bind_text(st, 4, f->state);
    sq_bind_text(st, 5, f->kind);
    sq_bind_text(st, 6, f->target);
    sqlite3_bind_int64(st, 7, f->expires_before);
    sqlite3_bind_int64(st, 8, f->at_version);
    sqlite3_bind_int64(st, 9, limit > INT64_MAX ? INT64_MAX : (int64_t)limit);
    sq_bind_text(st, 10, f->legal_basis);
    sqlite3_bind_int64(st, 11, f->offset);
    return sq_collect(c, st, sizeof **rows, read_entry, clear_entry, (void **)rows, count,
                      "reading the blocking list", err);
}

static vg_status read_version(conn *c, int64_t *version, vg_error *err)
{
    SQ_STMT(st, "SELECT version FROM blocklist_version WHERE id = 1");
    int rc = sqlite3_step(st);
    *version = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return sq_db_error(err, c->db, "reading the blocking list's version");
    return VG_OK;
}

vg_status sq_blocklist_version(void *tx, int64_t *version, vg_error *err)
{
    return read_version(tx, version, err);
}

vg_status sq_blocklist_version_next(void *tx, int64_t *version, vg_error *err)
{
    conn *c = tx;
    SQ_STMT(st, "UPDATE blocklist_version SET version = version + 1 WHERE id = 1");
    vg_status status = sq_step_done(c, st, "counting the blocking list's version", err);
    return status == VG_OK ? read_version(c, version, err) : status;
}

static const char SQL_APPEAL_INSERT[] =
    "INSERT INTO blocklist_appeals(entry_id, url, reason, contact, created_at, state,"
    " decided_by, decided_at, decision) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";

static const char SQL_APPEAL_UPDATE[] =
    "UPDATE blocklist_appeals SET entry_id = ?1, state = ?6, decided_by = ?7, decided_at = ?8,"
    " decision = ?9 WHERE id = ?10";

static void bind_appeal(sqlite3_stmt *st, const vg_block_appeal *a)
{
    sqlite3_bind_int64(st, 1, a->entry_id);
    sq_bind_text(st, 2, or_empty(a->url));
    sq_bind_text(st, 3, or_empty(a->reason));
    sq_bind_text(st, 4, or_empty(a->contact));
    sqlite3_bind_int64(st, 5, a->created_at);
    sq_bind_text(st, 6, or_empty(a->state));
    sq_bind_text(st, 7, or_empty(a->decided_by));
    sqlite3_bind_int64(st, 8, a->decided_at);
    sq_bind_text(st, 9, or_empty(a->decision));
}

vg_status sq_appeal_put(void *tx, const vg_block_appeal *a, int64_t *id, vg_error *err)
{
    conn *c = tx;
    *id = 0;
    if (a->id > 0) {
        SQ_STMT(st, SQL_APPEAL_UPDATE);
        bind_appeal(st, a);
        sqlite3_bind_int64(st, 10, a->id);
        vg_status status = sq_step_done(c, st, "keeping an appeal", err);
        if (status != VG_OK)
            return status;
        if (sqlite3_changes(c->db) == 0)
            return vg_error_set(err, VG_ERR_INVALID, "no appeal %lld", (long long)a->id);
        *id = a->id;
        return VG_OK;
    }
    SQ_STMT(st, SQL_APPEAL_INSERT);
    bind_appeal(st, a);
    vg_status status = sq_step_done(c, st, "keeping an appeal", err);
    if (status == VG_OK)
        *id = sqlite3_last_insert_rowid(c->db);
    return status;
}

static const char SQL_APPEALS[] =
    "SELECT id, entry_id, url, reason, contact, created_at, state, decided_by, decided_at,"
    " decision FROM blocklist_appeals WHERE (?1 <= 0 OR id = ?1)"
    " AND (?2 <= 0 OR entry_id = ?2) AND (?3 IS NULL OR state = ?3) ORDER BY id LIMIT ?4";

static void read_appeal(sqlite3_stmt *st, void *item)
{
    vg_block_appeal *a = item;
    a->id = sqlite3_column_int64(st, 0);
    a->entry_id = sqlite3_column_int64(st, 1);
    a->url = sq_text(st, 2);
    a->reason = sq_text(st, 3);
    a->contact = sq_text(st, 4);
    a->created_at = sqlite3_column_int64(st, 5);
    a->state = sq_text(st, 6);
    a->decided_by = sq_text(st, 7);
    a->decided_at = sqlite3_column_int64(st, 8);
    a->decision = sq_text(st, 9);
}

static void clear_appeal(void *item)
{
    vg_block_appeal_clear(item);
}

vg_status sq_appeals(void *tx, int64_t id, int64_t entry_id, const char *state, size_t limit,
                     vg_block_appeal **rows, size_t *count, vg_error *err)
{
    conn *c = tx;
    *rows = NULL;
    *count = 0;
    SQ_STMT(st, SQL_APPEALS);
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, entry_id);
    sq_bind_text(st, 3, state);
    sqlite3_bind_int64(st, 4, limit > INT64_MAX ? INT64_MAX : (int64_t)limit);
    return sq_collect(c, st, sizeof **rows, read_appeal, clear_appeal, (void **)rows, count,
                      "reading appeals", err);
}

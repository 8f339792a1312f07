/*
 * src/store/sqlite/crawl.c - the crawl job's targets (store/crawl.h).
 */
#include <stdlib.h>

#include "store/sqlite/sqlite.h"

static const char SQL_CRAWL_SEED[] =
    "INSERT INTO crawl_targets(url, origin, report_id, case_id, created_at, next_due_at)"
    " SELECT u.canonical, 'report', MIN(r.id), MIN(r.case_id), ?1, ?1 FROM report_urls u"
    " JOIN reports r ON r.id = u.report_id"
    " WHERE COALESCE(r.source, '') <> 'crawler'"
    " AND NOT EXISTS (SELECT 1 FROM crawl_targets t WHERE t.url = u.canonical)"
    " GROUP BY u.canonical";
static const char SQL_CRAWL_ADD[] =
    "INSERT INTO crawl_targets(url, origin, report_id, case_id, created_at, next_due_at)"
    " VALUES(?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(url) DO NOTHING";
static const char SQL_CRAWL_DUE[] =
    "SELECT id, url, origin, report_id, case_id, created_at, last_crawl_at, next_due_at, pages,"
    " media, known, found, last_error FROM crawl_targets WHERE next_due_at <= ?1"
    " ORDER BY next_due_at, id LIMIT ?2";
static const char SQL_CRAWL_ALL[] =
    "SELECT id, url, origin, report_id, case_id, created_at, last_crawl_at, next_due_at, pages,"
    " media, known, found, last_error FROM crawl_targets ORDER BY id LIMIT ?2";
static const char SQL_CRAWL_DONE[] =
    "UPDATE crawl_targets SET last_crawl_at = ?2, next_due_at = ?3, pages = ?4, media = ?5,"
    " known = ?6, found = found + ?7, last_error = ?8 WHERE id = ?1";
static const char SQL_CRAWL_LIVE[] =
    "SELECT EXISTS (SELECT 1 FROM report_urls u WHERE u.canonical = ?1 AND NOT EXISTS (SELECT 1 FROM notices n"
    "   WHERE n.report_id = u.report_id AND (n.url = u.url OR n.url = u.canonical)"
    "   AND n.state = 'removed'))";

vg_status sq_crawl_seed(void *tx, int64_t now, int64_t *added, vg_error *err)
{
    conn *c = tx;
    SQ_STMT(st, SQL_CRAWL_SEED);
    sqlite3_bind_int64(st, 1, now);
    vg_status status = sq_step_done(c, st, "seeding the crawl targets", err);
    *added = status == VG_OK ? sqlite3_changes(c->db) : 0;
    return status;
}

vg_status sq_crawl_target_add(void *tx, const vg_crawl_target *t, int *inserted, vg_error *err)
{
    conn *c = tx;
    SQ_STMT(st, SQL_CRAWL_ADD);
    sq_bind_text(st, 1, t->url ? t->url : "");
    sq_bind_text(st, 2, t->origin ? t->origin : "");
    sqlite3_bind_int64(st, 3, t->report_id);
    sqlite3_bind_int64(st, 4, t->case_id);
    sqlite3_bind_int64(st, 5, t->created_at);
    sqlite3_bind_int64(st, 6, t->next_due_at);
    vg_status status = sq_step_done(c, st, "adding a crawl target", err);
    *inserted = status == VG_OK && sqlite3_changes(c->db) > 0;
    return status;
}

static void read_target(sqlite3_stmt *st, void *item)
{
    vg_crawl_target *t = item;
    t->id = sqlite3_column_int64(st, 0);
    t->url = sq_text(st, 1);
    t->origin = sq_text(st, 2);
    t->report_id = sqlite3_column_int64(st, 3);
    t->case_id = sqlite3_column_int64(st, 4);
    t->created_at = sqlite3_column_int64(st, 5);
    t->last_crawl_at = sqlite3_column_int64(st, 6);
    t->next_due_at = sqlite3_column_int64(st, 7);
    t->pages = sqlite3_column_int64(st, 8);
    t->media = sqlite3_column_int64(st, 9);
    t->known = sqlite3_column_int64(st, 10);
    t->found = sqlite3_column_int64(st, 11);
    t->last_error = sq_text(st, 12);
}

static void clear_target(void *item)
{
    vg_crawl_target *t = item;
    free(t->url);
    free(t->origin);
    free(t->last_error);
}

vg_status sq_crawl_targets(void *tx, int64_t due_at, size_t limit, vg_crawl_target **rows,
                           size_t *count, vg_error *err)
{
    conn *c = tx;
    return sq_list(c, due_at > 0 ? SQL_CRAWL_DUE : SQL_CRAWL_ALL, due_at, (int64_t)limit,
                   sizeof **rows, read_target, clear_target, (void **)rows, count,
                   "reading the crawl targets", err);
}

vg_status sq_crawl_target_done(void *tx, const vg_crawl_target *t, vg_error *err)
{
    conn *c = tx;
    SQ_STMT(st, SQL_CRAWL_DONE);
    sqlite3_bind_int64(st, 1, t->id);
    sqlite3_bind_int64(st, 2, t->last_crawl_at);
    sqlite3_bind_int64(st, 3, t->next_due_at);
    sqlite3_bind_int64(st, 4, t->pages);
    sqlite3_bind_int64(st, 5, t->media);
    sqlite3_bind_int64(st, 6, t->known);
    sqlite3_bind_int64(st, 7, t->found);
    sq_bind_text(st, 8, t->last_error ? t->last_error : "");
    vg_status status = sq_step_done(c, st, "recording a crawl", err);
    if (status == VG_OK && sqlite3_changes(c->db) == 0)
        return vg_error_set(err, VG_ERR_INVALID, "there is no crawl target %lld",
                            (long long)t->id);
    return status;
}

vg_status sq_crawl_url_live(void *tx, const char *url, int *live, vg_error *err)
{
    conn *c = tx;
    SQ_STMT(st, SQL_CRAWL_LIVE);
    sq_bind_text(st, 1, url ? url : "");
    int rc = sqlite3_step(st);
    *live = rc == SQLITE_ROW && sqlite3_column_int(st, 0);
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? VG_OK : sq_db_error(err, c->db, "reading a crawled URL");
}

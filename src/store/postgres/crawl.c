/*
 * src/store/postgres/crawl.c - the crawl job's targets (store/crawl.h).
 */
#include <stdint.h>
#include <stdlib.h>

#include "store/postgres/pg.h"

static const char SQL_CRAWL_SEED[] =
    "INSERT INTO crawl_targets(url, origin, report_id, case_id, created_at, next_due_at)"
    " SELECT u.canonical, 'report', MIN(r.id), MIN(r.case_id), $1, $1 FROM report_urls u"
    " JOIN reports r ON r.id = u.report_id"
    " WHERE COALESCE(r.source, '') <> 'crawler'"
    " AND NOT EXISTS (SELECT 1 FROM crawl_targets t WHERE t.url = u.canonical)"
    " GROUP BY u.canonical ON CONFLICT(url) DO NOTHING";
static const char SQL_CRAWL_ADD[] =
    "INSERT INTO crawl_targets(url, origin, report_id, case_id, created_at, next_due_at)"
    " VALUES($1, $2, $3, $4, $5, $6) ON CONFLICT(url) DO NOTHING";
static const char SQL_CRAWL_DUE[] =
    "SELECT id, url, origin, report_id, case_id, created_at, last_crawl_at, next_due_at, pages,"
    " media, known, found, last_error FROM crawl_targets WHERE next_due_at <= $1"
    " ORDER BY next_due_at, id LIMIT $2";
static const char SQL_CRAWL_ALL[] =
    "SELECT id, url, origin, report_id, case_id, created_at, last_crawl_at, next_due_at, pages,"
    " media, known, found, last_error FROM crawl_targets ORDER BY id LIMIT $1";
static const char SQL_CRAWL_DONE[] =
    "UPDATE crawl_targets SET last_crawl_at = $2, next_due_at = $3, pages = $4, media = $5,"
    " known = $6, found = found + $7, last_error = $8 WHERE id = $1";
static const char SQL_CRAWL_LIVE[] =
    "SELECT EXISTS (SELECT 1 FROM report_urls u WHERE u.canonical = $1"
    " AND NOT EXISTS (SELECT 1 FROM notices n"
    "   WHERE n.report_id = u.report_id AND (n.url = u.url OR n.url = u.canonical)"
    "   AND n.state = 'removed'))::int";

vg_status pg_crawl_seed(void *tx, int64_t now, int64_t *added, vg_error *err)
{
    pg_args a = {0};
    pa_int(&a, now);
    return pg_done(tx, SQL_CRAWL_SEED, &a, "seeding the crawl targets", added, err);
}

vg_status pg_crawl_target_add(void *tx, const vg_crawl_target *t, int *inserted, vg_error *err)
{
    pg_args a = {0};
    pa_text(&a, t->url ? t->url : "");
    pa_text(&a, t->origin ? t->origin : "");
    pa_int(&a, t->report_id);
    pa_int(&a, t->case_id);
    pa_int(&a, t->created_at);
    pa_int(&a, t->next_due_at);
    int64_t changed = 0;
    vg_status st = pg_done(tx, SQL_CRAWL_ADD, &a, "adding a crawl target", &changed, err);
    *inserted = st == VG_OK && changed > 0;
    return st;
}

static void read_target(const PGresult *res, int row, void *item)
{
    vg_crawl_target *t = item;
    t->id = pg_int(res, row, 0);
    t->url = pg_text(res, row, 1);
    t->origin = pg_text(res, row, 2);
    t->report_id = pg_int(res, row, 3);
    t->case_id = pg_int(res, row, 4);
    t->created_at = pg_int(res, row, 5);
    t->last_crawl_at = pg_int(res, row, 6);
    t->next_due_at = pg_int(res, row, 7);
    t->pages = pg_int(res, row, 8);
    t->media = pg_int(res, row, 9);
    t->known = pg_int(res, row, 10);
    t->found = pg_int(res, row, 11);
    t->last_error = pg_text(res, row, 12);
}

vg_status pg_crawl_targets(void *tx, int64_t due_at, size_t limit, vg_crawl_target **rows,
                           size_t *count, vg_error *err)
{
    pg_args a = {0};
    if (due_at > 0)
        pa_int(&a, due_at);
    pa_int(&a, limit > INT64_MAX ? INT64_MAX : (int64_t)limit);
    return pg_list(tx, due_at > 0 ? SQL_CRAWL_DUE : SQL_CRAWL_ALL, &a, sizeof **rows,
                   read_target, (void **)rows, count, "reading the crawl targets", err);
}

vg_status pg_crawl_target_done(void *tx, const vg_crawl_target *t, vg_error *err)
{
    pg_args a = {0};
    pa_int(&a, t->id);
    pa_int(&a, t->last_crawl_at);
    pa_int(&a, t->next_due_at);
    pa_int(&a, t->pages);
    pa_int(&a, t->media);
    pa_int(&a, t->known);
    pa_int(&a, t->found);
    pa_text(&a, t->last_error ? t->last_error : "");
    int64_t changed = 0;
    vg_status st = pg_done(tx, SQL_CRAWL_DONE, &a, "recording a crawl", &changed, err);
    if (st == VG_OK && changed == 0)
        return vg_error_set(err, VG_ERR_INVALID, "there is no crawl target %lld",
                            (long long)t->id);
    return st;
}

vg_status pg_crawl_url_live(void *tx, const char *url, int *live, vg_error *err)
{
    pg_args a = {0};
    pa_text(&a, url ? url : "");
    PGresult *res = pg_run(tx, SQL_CRAWL_LIVE, &a, "reading a crawled URL", err);
    if (!res)
        return err ? err->status : VG_ERR_IO;
    *live = pg_int(res, 0, 0) != 0;
    PQclear(res);
    return VG_OK;
}

/*
 * src/store/postgres/routes.c - routes of confirmed URLs (store/routes.h).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/postgres/pg.h"

static const char SQL_ROUTES_TODO[] =
    "SELECT u.report_id, u.canonical, r.category, r.danger FROM report_urls u"
    " JOIN reports r ON r.id = u.report_id"
    " JOIN console_items i ON i.report_id = u.report_id"
    " WHERE i.state IN ('confirmed', 'auto') AND i.legal = $1"
    " AND NOT EXISTS (SELECT 1 FROM url_routes t WHERE t.report_id = u.report_id"
    "                 AND t.url = u.canonical)"
    " ORDER BY u.id LIMIT $2";

static void read_todo(const PGresult *res, int row, void *item)
{
    vg_url_route_todo *t = item;
    t->report_id = pg_int(res, row, 0);
    t->url = pg_text(res, row, 1);
    t->category = pg_text(res, row, 2);
    t->danger = pg_int(res, row, 3) != 0;
}

vg_status pg_routes_todo(void *tx, const char *legal, size_t limit, vg_url_route_todo **todo,
                         size_t *count, vg_error *err)
{
    pg_args a = {0};
    pa_text(&a, legal);
    pa_int(&a, limit > INT64_MAX ? INT64_MAX : (int64_t)limit);
    return pg_list(tx, SQL_ROUTES_TODO, &a, sizeof **todo, read_todo, (void **)todo, count,
                   "reading the URLs to route", err);
}

/* Two nodes routing the same URL at once: the second finds the first's
 * row (the unique key waits for its commit) and inserts nothing. */
static const char SQL_ROUTE_PUT[] =
    "INSERT INTO url_routes(report_id, url, state, actions, reasons, country, partner, hosting,"
    " created_at) VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    " ON CONFLICT(report_id, url) DO NOTHING";

static const char *or_empty(const char *s)
{
    return s ? s : "";
}

vg_status pg_route_put(void *tx, const vg_url_route_row *row, int *inserted, vg_error *err)
{
    pg_args a = {0};
    pa_int(&a, row->report_id);
    const char *texts[] = {row->url,     row->state,   row->actions, row->reasons,
                           row->country, row->partner, row->hosting};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        pa_text(&a, or_empty(texts[i]));
    pa_int(&a, row->created_at);
    int64_t changed = 0;
    vg_status st = pg_done(tx, SQL_ROUTE_PUT, &a, "keeping a route", &changed, err);
    *inserted = st == VG_OK && changed > 0;
    return st;
}

#define ROUTE_COLUMNS                                                                       \
    "t.report_id, t.url, t.state, t.actions, t.reasons, t.country, t.partner, t.hosting,"   \
    " t.created_at, t.id, t.changed_by, t.decided_by, t.decided_at"

static const char SQL_ROUTES[] =
    "SELECT " ROUTE_COLUMNS " FROM url_routes t JOIN reports r ON r.id = t.report_id"
    " WHERE ($1::bigint > 0 AND t.report_id = $1) OR ($2::bigint > 0 AND r.case_id = $2)"
    " ORDER BY t.id LIMIT 10000";

static void read_route(const PGresult *res, int row, void *item)
{
    vg_url_route_row *r = item;
    r->report_id = pg_int(res, row, 0);
    char **texts[] = {&r->url,     &r->state,   &r->actions, &r->reasons,
                      &r->country, &r->partner, &r->hosting};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        *texts[i] = pg_text(res, row, 1 + (int)i);
    r->created_at = pg_int(res, row, 8);
    r->id = pg_int(res, row, 9);
    r->changed_by = pg_text(res, row, 10);
    r->decided_by = pg_text(res, row, 11);
    r->decided_at = pg_int(res, row, 12);
}

vg_status pg_routes(void *tx, int64_t report_id, int64_t case_id, vg_url_route_row **rows,
                    size_t *count, vg_error *err)
{
    pg_args a = {0};
    pa_int(&a, report_id);
    pa_int(&a, case_id);
    return pg_list(tx, SQL_ROUTES, &a, sizeof **rows, read_route, (void **)rows, count,
                   "reading routes", err);
}

static const char SQL_ROUTE_GET[] = "SELECT " ROUTE_COLUMNS " FROM url_routes t WHERE t.id = $1";

vg_status pg_route_get(void *tx, int64_t id, vg_url_route_row *row, int *found, vg_error *err)
{
    *found = 0;
    memset(row, 0, sizeof *row);
    pg_args a = {0};
    pa_int(&a, id);
    PGresult *res = pg_run(tx, SQL_ROUTE_GET, &a, "reading a route", err);
    if (!res)
        return err ? err->status : VG_ERR_IO;
    if (PQntuples(res)) {
        read_route(res, 0, row);
        *found = 1;
    }
    PQclear(res);
    return VG_OK;
}

/* Only as the caller read it: a decision taken meanwhile, on this node or
 * another, leaves this one with nothing changed (the row lock makes the
 * second wait for the first's commit, then find the state changed). */
static const char SQL_ROUTE_DECIDE[] =
    "UPDATE url_routes SET state = $1, actions = $2, changed_by = $3, decided_by = $4,"
    " decided_at = $5 WHERE id = $6 AND state = $7 AND actions = $8 AND changed_by = $9";

vg_status pg_route_decide(void *tx, const vg_url_route_row *row, const char *was_state,
                          const char *was_actions, const char *was_changed_by, int *changed,
                          vg_error *err)
{
    *changed = 0;
    pg_args a = {0};
    pa_text(&a, or_empty(row->state));
    pa_text(&a, or_empty(row->actions));
    pa_text(&a, or_empty(row->changed_by));
    pa_text(&a, or_empty(row->decided_by));
    pa_int(&a, row->decided_at);
    pa_int(&a, row->id);
    pa_text(&a, or_empty(was_state));
    pa_text(&a, or_empty(was_actions));
    pa_text(&a, or_empty(was_changed_by));
    int64_t n = 0;
    vg_status st = pg_done(tx, SQL_ROUTE_DECIDE, &a, "deciding a route", &n, err);
    *changed = st == VG_OK && n > 0;
    return st;
}

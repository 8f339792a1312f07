/*
 * src/store/sqlite/routes.c - routes of confirmed URLs (store/routes.h).
 */
#include <stdlib.h>

#include "store/sqlite/sqlite.h"

static const char SQL_ROUTES_TODO[] =
    "SELECT u.report_id, u.canonical, r.category, r.danger FROM report_urls u"
    " JOIN reports r ON r.id = u.report_id"
    " JOIN console_items i ON i.report_id = u.report_id"
    " WHERE i.state IN ('confirmed', 'auto') AND i.legal = ?"
    " AND NOT EXISTS (SELECT 1 FROM url_routes t WHERE t.report_id = u.report_id"
    "                 AND t.url = u.canonical)"
    " ORDER BY u.id LIMIT ?";

vg_status sq_routes_todo(void *tx, const char *legal, size_t limit, vg_url_route_todo **todo,
                         size_t *count, vg_error *err)
{
    conn *c = tx;
    *todo = NULL;
    *count = 0;
    SQ_STMT(st, SQL_ROUTES_TODO);
    sq_bind_text(st, 1, legal);
    sqlite3_bind_int64(st, 2, (int64_t)limit);
    vg_url_route_todo *rows = NULL;
    size_t n = 0, cap = 0;
    vg_status status = VG_OK;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == cap) {
            size_t grown = cap ? cap * 2 : 16;
            vg_url_route_todo *more = realloc(rows, grown * sizeof *more);
            if (!more) {
                status = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
                break;
            }
            rows = more;
            cap = grown;
        }
        rows[n].report_id = sqlite3_column_int64(st, 0);
        rows[n].url = sq_text(st, 1);
        rows[n].category = sq_text(st, 2);
        rows[n].danger = sqlite3_column_int(st, 3) != 0;
        n++;
    }
    if (status == VG_OK && rc != SQLITE_DONE)
        status = sq_db_error(err, c->db, "reading the URLs to route");
    sqlite3_reset(st);
    if (status != VG_OK) {
        vg_url_route_todos_free(rows, n);
        return status;
    }
    *todo = rows;
    *count = n;
    return VG_OK;
}

static const char SQL_ROUTE_PUT[] =
    "INSERT INTO url_routes(report_id, url, state, actions, reasons, country, partner, hosting,"
    " created_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(report_id, url) DO NOTHING";

static const char *or_empty(const char *s)
{
    return s ? s : "";
}

vg_status sq_route_put(void *tx, const vg_url_route_row *row, int *inserted, vg_error *err)
{
    conn *c = tx;
    *inserted = 0;
    SQ_STMT(st, SQL_ROUTE_PUT);
    sqlite3_bind_int64(st, 1, row->report_id);
    sq_bind_text(st, 2, or_empty(row->url));
    sq_bind_text(st, 3, or_empty(row->state));
    sq_bind_text(st, 4, or_empty(row->actions));
    sq_bind_text(st, 5, or_empty(row->reasons));
    sq_bind_text(st, 6, or_empty(row->country));
    sq_bind_text(st, 7, or_empty(row->partner));
    sq_bind_text(st, 8, or_empty(row->hosting));
    sqlite3_bind_int64(st, 9, row->created_at);
    vg_status status = sq_step_done(c, st, "keeping a route", err);
    *inserted = status == VG_OK && sqlite3_changes(c->db) > 0;
    return status;
}

static const char SQL_ROUTES[] =
    "SELECT t.report_id, t.url, t.state, t.actions, t.reasons, t.country, t.partner, t.hosting,"
    " t.created_at FROM url_routes t JOIN reports r ON r.id = t.report_id"
    " WHERE (?1 > 0 AND t.report_id = ?1) OR (?2 > 0 AND r.case_id = ?2)"
    " ORDER BY t.id LIMIT 10000";

static void read_route(sqlite3_stmt *st, void *item)
{
    vg_url_route_row *r = item;
    r->report_id = sqlite3_column_int64(st, 0);
    r->url = sq_text(st, 1);
    r->state = sq_text(st, 2);
    r->actions = sq_text(st, 3);
    r->reasons = sq_text(st, 4);
    r->country = sq_text(st, 5);
    r->partner = sq_text(st, 6);
    r->hosting = sq_text(st, 7);
    r->created_at = sqlite3_column_int64(st, 8);
}

static void clear_route(void *item)
{
    vg_url_route_row *r = item;
    free(r->url);
    free(r->state);
    free(r->actions);
    free(r->reasons);
    free(r->country);
    free(r->partner);
    free(r->hosting);
}

vg_status sq_routes(void *tx, int64_t report_id, int64_t case_id, vg_url_route_row **rows,
                    size_t *count, vg_error *err)
{
    return sq_list(tx, SQL_ROUTES, report_id, case_id, sizeof **rows, read_route, clear_route,
                   (void **)rows, count, "reading routes", err);
}

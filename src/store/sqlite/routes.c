/*
 * src/store/sqlite/routes.c - routes of confirmed URLs (store/routes.h).
 */
#include <stdlib.h>
#include <string.h>

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

#define ROUTE_COLUMNS                                                                       \
    "t.report_id, t.url, t.state, t.actions, t.reasons, t.country, t.partner, t.hosting,"   \
    " t.created_at, t.id, t.changed_by, t.decided_by, t.decided_at"

static const char SQL_ROUTES[] =
    "SELECT " ROUTE_COLUMNS " FROM url_routes t JOIN reports r ON r.id = t.report_id"
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
    r->id = sqlite3_column_int64(st, 9);
    r->changed_by = sq_text(st, 10);
    r->decided_by = sq_text(st, 11);
    r->decided_at = sqlite3_column_int64(st, 12);
}

static void clear_route(void *item)
{
    vg_url_route_row_clear(item);
}

vg_status sq_routes(void *tx, int64_t report_id, int64_t case_id, vg_url_route_row **rows,
                    size_t *count, vg_error *err)
{
    return sq_list(tx, SQL_ROUTES, report_id, case_id, sizeof **rows, read_route, clear_route,
                   (void **)rows, count, "reading routes", err);
}

static const char SQL_ROUTE_GET[] = "SELECT " ROUTE_COLUMNS " FROM url_routes t WHERE t.id = ?";

vg_status sq_route_get(void *tx, int64_t id, vg_url_route_row *row, int *found, vg_error *err)
{
    conn *c = tx;
    *found = 0;
    memset(row, 0, sizeof *row);
    SQ_STMT(st, SQL_ROUTE_GET);
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        read_route(st, row);
        *found = 1;
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? VG_OK
                                                 : sq_db_error(err, c->db, "reading a route");
}

static const char SQL_ROUTE_DECIDE[] =
    "UPDATE url_routes SET state = ?, actions = ?, changed_by = ?, decided_by = ?,"
    " decided_at = ? WHERE id = ? AND state = ? AND actions = ? AND changed_by = ?";

vg_status sq_route_decide(void *tx, const vg_url_route_row *row, const char *was_state,
                          const char *was_actions, const char *was_changed_by, int *changed,
                          vg_error *err)
{
    conn *c = tx;
    *changed = 0;
    SQ_STMT(st, SQL_ROUTE_DECIDE);
    sq_bind_text(st, 1, or_empty(row->state));
    sq_bind_text(st, 2, or_empty(row->actions));
    sq_bind_text(st, 3, or_empty(row->changed_by));
    sq_bind_text(st, 4, or_empty(row->decided_by));
    sqlite3_bind_int64(st, 5, row->decided_at);
    sqlite3_bind_int64(st, 6, row->id);
    sq_bind_text(st, 7, or_empty(was_state));
    sq_bind_text(st, 8, or_empty(was_actions));
    sq_bind_text(st, 9, or_empty(was_changed_by));
    vg_status status = sq_step_done(c, st, "deciding a route", err);
    *changed = status == VG_OK && sqlite3_changes(c->db) > 0;
    return status;
}

/* ---- deliveries -------------------------------------------------------------- */

static const char SQL_DELIVERY_ADD[] =
    "INSERT INTO routing_deliveries(route_id, report_id, kind, target, url, next_at, created_at)"
    " VALUES(?, ?, ?, ?, ?, ?, ?) ON CONFLICT(route_id, kind, target) DO NOTHING";

vg_status sq_delivery_add(void *tx, const vg_route_delivery *d, int *inserted, vg_error *err)
{
    conn *c = tx;
    *inserted = 0;
    SQ_STMT(st, SQL_DELIVERY_ADD);
    sqlite3_bind_int64(st, 1, d->route_id);
    sqlite3_bind_int64(st, 2, d->report_id);
    sq_bind_text(st, 3, or_empty(d->kind));
    sq_bind_text(st, 4, or_empty(d->target));
    sq_bind_text(st, 5, or_empty(d->url));
    sqlite3_bind_int64(st, 6, d->next_at);
    sqlite3_bind_int64(st, 7, d->created_at);
    vg_status status = sq_step_done(c, st, "adding a delivery", err);
    *inserted = status == VG_OK && sqlite3_changes(c->db) > 0;
    return status;
}

#define DELIVERY_COLUMNS                                                                    \
    "id, route_id, report_id, kind, target, url, attempts, next_at, sent_at, reference,"     \
    " last_error, poll_at, created_at, partner_status, partner_version, partner_status_at"

static void read_delivery(sqlite3_stmt *st, vg_route_delivery *d)
{
    d->id = sqlite3_column_int64(st, 0);
    d->route_id = sqlite3_column_int64(st, 1);
    d->report_id = sqlite3_column_int64(st, 2);
    d->kind = sq_text(st, 3);
    d->target = sq_text(st, 4);
    d->url = sq_text(st, 5);
    d->attempts = sqlite3_column_int64(st, 6);
    d->next_at = sqlite3_column_int64(st, 7);
    d->sent_at = sqlite3_column_int64(st, 8);
    d->reference = sq_text(st, 9);
    d->last_error = sq_text(st, 10);
    d->poll_at = sqlite3_column_int64(st, 11);
    d->created_at = sqlite3_column_int64(st, 12);
    d->partner_status = sq_text(st, 13);
    d->partner_version = sqlite3_column_int64(st, 14);
    d->partner_status_at = sqlite3_column_int64(st, 15);
}

/* ?1: report, ?2: now, ?3: limit. */
static const char SQL_DELIVERIES[] =
    "SELECT " DELIVERY_COLUMNS " FROM routing_deliveries"
    " WHERE (?1 > 0 AND report_id = ?1) OR (?1 = 0 AND ((sent_at = 0 AND next_at <= ?2)"
    "   OR (poll_at > 0 AND poll_at <= ?2)))"
    " ORDER BY CASE WHEN ?1 > 0 THEN id WHEN sent_at = 0 THEN next_at ELSE poll_at END, id"
    " LIMIT ?3";

vg_status sq_deliveries(void *tx, int64_t report_id, int64_t now, size_t limit,
                        vg_route_delivery **rows, size_t *count, vg_error *err)
{
    conn *c = tx;
    *rows = NULL;
    *count = 0;
    SQ_STMT(st, SQL_DELIVERIES);
    sqlite3_bind_int64(st, 1, report_id);
    sqlite3_bind_int64(st, 2, now);
    sqlite3_bind_int64(st, 3, (int64_t)(limit > 10000 ? 10000 : limit));
    vg_route_delivery *out = NULL;
    size_t n = 0, cap = 0;
    vg_status status = VG_OK;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == cap) {
            size_t grown = cap ? cap * 2 : 8;
            vg_route_delivery *more = realloc(out, grown * sizeof *more);
            if (!more) {
                status = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
                break;
            }
            out = more;
            cap = grown;
        }
        read_delivery(st, &out[n++]);
    }
    if (status == VG_OK && rc != SQLITE_DONE)
        status = sq_db_error(err, c->db, "reading deliveries");
    sqlite3_reset(st);
    if (status != VG_OK) {
        vg_route_deliveries_free(out, n);
        return status;
    }
    *rows = out;
    *count = n;
    return VG_OK;
}

static const char SQL_DELIVERY_UPDATE[] =
    "UPDATE routing_deliveries SET attempts = ?, next_at = ?, sent_at = ?, reference = ?,"
    " last_error = ?, poll_at = ? WHERE id = ?";

vg_status sq_delivery_update(void *tx, const vg_route_delivery *d, vg_error *err)
{
    conn *c = tx;
    SQ_STMT(st, SQL_DELIVERY_UPDATE);
    sqlite3_bind_int64(st, 1, d->attempts);
    sqlite3_bind_int64(st, 2, d->next_at);
    sqlite3_bind_int64(st, 3, d->sent_at);
    sq_bind_text(st, 4, or_empty(d->reference));
    sq_bind_text(st, 5, or_empty(d->last_error));
    sqlite3_bind_int64(st, 6, d->poll_at);
    sqlite3_bind_int64(st, 7, d->id);
    vg_status status = sq_step_done(c, st, "recording a delivery", err);
    if (status == VG_OK && sqlite3_changes(c->db) == 0)
        return vg_error_set(err, VG_ERR_INVALID, "no delivery %lld", (long long)d->id);
    return status;
}

/* ---- actions ------------------------------------------------------------------- */

static const char SQL_ACTION_ADD[] =
    "INSERT INTO routing_actions(report_id, type, at, to_whom, reference, url, by_whom)"
    " VALUES(?, ?, ?, ?, ?, ?, ?) ON CONFLICT(report_id, type, url, to_whom, reference)"
    " DO NOTHING";

vg_status sq_action_add(void *tx, const vg_route_action *a, int *inserted, vg_error *err)
{
    conn *c = tx;
    *inserted = 0;
    SQ_STMT(st, SQL_ACTION_ADD);
    sqlite3_bind_int64(st, 1, a->report_id);
    sq_bind_text(st, 2, or_empty(a->type));
    sqlite3_bind_int64(st, 3, a->at);
    sq_bind_text(st, 4, or_empty(a->to));
    sq_bind_text(st, 5, or_empty(a->reference));
    sq_bind_text(st, 6, or_empty(a->url));
    sq_bind_text(st, 7, or_empty(a->by));
    vg_status status = sq_step_done(c, st, "recording an action", err);
    *inserted = status == VG_OK && sqlite3_changes(c->db) > 0;
    return status;
}

static const char SQL_ACTIONS[] =
    "SELECT report_id, type, at, to_whom, reference, url, by_whom FROM routing_actions"
    " WHERE report_id = ? ORDER BY at, id LIMIT 1000";

static void read_action(sqlite3_stmt *st, void *item)
{
    vg_route_action *a = item;
    a->report_id = sqlite3_column_int64(st, 0);
    a->type = sq_text(st, 1);
    a->at = sqlite3_column_int64(st, 2);
    a->to = sq_text(st, 3);
    a->reference = sq_text(st, 4);
    a->url = sq_text(st, 5);
    a->by = sq_text(st, 6);
}

static void clear_action(void *item)
{
    vg_route_action *a = item;
    free(a->type);
    free(a->to);
    free(a->reference);
    free(a->url);
    free(a->by);
}

vg_status sq_actions(void *tx, int64_t report_id, vg_route_action **rows, size_t *count,
                     vg_error *err)
{
    return sq_list(tx, SQL_ACTIONS, report_id, 0, sizeof **rows, read_action, clear_action,
                   (void **)rows, count, "reading actions", err);
}

/* ---- a forward by the partner's reference ---------------------------------------- */

static const char SQL_DELIVERY_BY_REFERENCE[] =
    "SELECT " DELIVERY_COLUMNS " FROM routing_deliveries"
    " WHERE kind = ? AND target = ? AND reference = ? AND sent_at > 0 ORDER BY id LIMIT 1";

vg_status sq_delivery_by_reference(void *tx, const char *kind, const char *target,
                                   const char *reference, vg_route_delivery *d, int *found,
                                   vg_error *err)
{
    conn *c = tx;
    *found = 0;
    memset(d, 0, sizeof *d);
    SQ_STMT(st, SQL_DELIVERY_BY_REFERENCE);
    sq_bind_text(st, 1, or_empty(kind));
    sq_bind_text(st, 2, or_empty(target));
    sq_bind_text(st, 3, or_empty(reference));
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        read_delivery(st, d);
        *found = 1;
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE
               ? VG_OK
               : sq_db_error(err, c->db, "reading a delivery by its reference");
}

/* ---- callbacks ----------------------------------------------------------------- */

static const char SQL_CALLBACK_ARM[] =
    "INSERT INTO partner_callbacks(report_id, target, next_at, created_at) VALUES(?1, ?2, ?3, ?3)"
    " ON CONFLICT(report_id, target) DO UPDATE SET version = version + 1, attempts = 0,"
    " next_at = excluded.next_at, last_error = ''";

vg_status sq_callback_arm(void *tx, int64_t report_id, const char *target, int64_t now,
                          vg_error *err)
{
    conn *c = tx;
    SQ_STMT(st, SQL_CALLBACK_ARM);
    sqlite3_bind_int64(st, 1, report_id);
    sq_bind_text(st, 2, or_empty(target));
    sqlite3_bind_int64(st, 3, now);
    return sq_step_done(c, st, "making a partner callback due", err);
}

static const char SQL_CALLBACKS_DUE[] =
    "SELECT c.id, c.report_id, c.target, c.version, c.sent_version, c.attempts, c.next_at,"
    " c.last_error, c.created_at, r.public_id FROM partner_callbacks c"
    " JOIN reports r ON r.id = c.report_id"
    " WHERE c.sent_version < c.version AND c.next_at <= ? ORDER BY c.next_at, c.id LIMIT ?";

static void read_callback(sqlite3_stmt *st, void *item)
{
    vg_partner_callback *x = item;
    x->id = sqlite3_column_int64(st, 0);
    x->report_id = sqlite3_column_int64(st, 1);
    x->target = sq_text(st, 2);
    x->version = sqlite3_column_int64(st, 3);
    x->sent_version = sqlite3_column_int64(st, 4);
    x->attempts = sqlite3_column_int64(st, 5);
    x->next_at = sqlite3_column_int64(st, 6);
    x->last_error = sq_text(st, 7);
    x->created_at = sqlite3_column_int64(st, 8);
    x->reference = sq_text(st, 9);
}

static void clear_callback(void *item)
{
    vg_partner_callback *x = item;
    free(x->target);
    free(x->reference);
    free(x->last_error);
}

vg_status sq_callbacks_due(void *tx, int64_t now, size_t limit, vg_partner_callback **rows,
                           size_t *count, vg_error *err)
{
    return sq_list(tx, SQL_CALLBACKS_DUE, now, (int64_t)(limit > 10000 ? 10000 : limit),
                   sizeof **rows, read_callback, clear_callback, (void **)rows, count,
                   "reading partner callbacks", err);
}

static const char SQL_CALLBACK_UPDATE[] =
    "UPDATE partner_callbacks SET sent_version = ?, attempts = ?, next_at = ?, last_error = ?"
    " WHERE id = ? AND version = ?";

vg_status sq_callback_update(void *tx, const vg_partner_callback *x, int *changed,
                             vg_error *err)
{
    conn *c = tx;
    *changed = 0;
    SQ_STMT(st, SQL_CALLBACK_UPDATE);
    sqlite3_bind_int64(st, 1, x->sent_version);
    sqlite3_bind_int64(st, 2, x->attempts);
    sqlite3_bind_int64(st, 3, x->next_at);
    sq_bind_text(st, 4, or_empty(x->last_error));
    sqlite3_bind_int64(st, 5, x->id);
    sqlite3_bind_int64(st, 6, x->version);
    vg_status status = sq_step_done(c, st, "recording a partner callback", err);
    *changed = status == VG_OK && sqlite3_changes(c->db) > 0;
    return status;
}

/* ---- where a forwarded report stands at the partner ------------------------------- */

static const char SQL_PARTNER_STATUS[] =
    "UPDATE routing_deliveries SET partner_status = ?1, partner_version = ?2,"
    " partner_status_at = ?3 WHERE id = ?4 AND (partner_version < ?2 OR"
    " (?2 = 0 AND partner_version = 0 AND partner_status <> ?1))";

vg_status sq_delivery_partner_status(void *tx, int64_t id, const char *status, int64_t version,
                                     int64_t at, int *changed, vg_error *err)
{
    conn *c = tx;
    *changed = 0;
    SQ_STMT(st, SQL_PARTNER_STATUS);
    sq_bind_text(st, 1, or_empty(status));
    sqlite3_bind_int64(st, 2, version);
    sqlite3_bind_int64(st, 3, at);
    sqlite3_bind_int64(st, 4, id);
    vg_status status_ = sq_step_done(c, st, "recording where a partner stands", err);
    *changed = status_ == VG_OK && sqlite3_changes(c->db) > 0;
    return status_;
}

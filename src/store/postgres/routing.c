/*
 * src/store/postgres/routing.c - what approved routes send and what was
 * done about a report (store/routes.h): the PostgreSQL twins of
 * store/sqlite/routes.c's deliveries and actions.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/postgres/pg.h"

static const char *or_empty(const char *s)
{
    return s ? s : "";
}

/* ---- deliveries -------------------------------------------------------------- */

static const char SQL_DELIVERY_ADD[] =
    "INSERT INTO routing_deliveries(route_id, report_id, kind, target, url, next_at, created_at)"
    " VALUES($1, $2, $3, $4, $5, $6, $7) ON CONFLICT(route_id, kind, target) DO NOTHING";

vg_status pg_delivery_add(void *tx, const vg_route_delivery *d, int *inserted, vg_error *err)
{
    *inserted = 0;
    pg_args a = {0};
    pa_int(&a, d->route_id);
    pa_int(&a, d->report_id);
    pa_text(&a, or_empty(d->kind));
    pa_text(&a, or_empty(d->target));
    pa_text(&a, or_empty(d->url));
    pa_int(&a, d->next_at);
    pa_int(&a, d->created_at);
    int64_t n = 0;
    vg_status st = pg_done(tx, SQL_DELIVERY_ADD, &a, "adding a delivery", &n, err);
    *inserted = st == VG_OK && n > 0;
    return st;
}

static const char SQL_DELIVERIES[] =
    "SELECT id, route_id, report_id, kind, target, url, attempts, next_at, sent_at, reference,"
    " last_error, poll_at, created_at, partner_status, partner_version, partner_status_at"
    " FROM routing_deliveries"
    " WHERE ($1::bigint > 0 AND report_id = $1) OR ($1::bigint = 0 AND"
    "  ((sent_at = 0 AND next_at <= $2) OR (poll_at > 0 AND poll_at <= $2)))"
    " ORDER BY CASE WHEN $1::bigint > 0 THEN id WHEN sent_at = 0 THEN next_at ELSE poll_at END,"
    " id LIMIT $3";

static void read_delivery(const PGresult *res, int row, void *item)
{
    vg_route_delivery *d = item;
    d->id = pg_int(res, row, 0);
    d->route_id = pg_int(res, row, 1);
    d->report_id = pg_int(res, row, 2);
    d->kind = pg_text(res, row, 3);
    d->target = pg_text(res, row, 4);
    d->url = pg_text(res, row, 5);
    d->attempts = pg_int(res, row, 6);
    d->next_at = pg_int(res, row, 7);
    d->sent_at = pg_int(res, row, 8);
    d->reference = pg_text(res, row, 9);
    d->last_error = pg_text(res, row, 10);
    d->poll_at = pg_int(res, row, 11);
    d->created_at = pg_int(res, row, 12);
    d->partner_status = pg_text(res, row, 13);
    d->partner_version = pg_int(res, row, 14);
    d->partner_status_at = pg_int(res, row, 15);
}

vg_status pg_deliveries(void *tx, int64_t report_id, int64_t now, size_t limit,
                        vg_route_delivery **rows, size_t *count, vg_error *err)
{
    pg_args a = {0};
    pa_int(&a, report_id);
    pa_int(&a, now);
    pa_int(&a, (int64_t)(limit > 10000 ? 10000 : limit));
    return pg_list(tx, SQL_DELIVERIES, &a, sizeof **rows, read_delivery, (void **)rows, count,
                   "reading deliveries", err);
}

static const char SQL_DELIVERY_UPDATE[] =
    "UPDATE routing_deliveries SET attempts = $1, next_at = $2, sent_at = $3, reference = $4,"
    " last_error = $5, poll_at = $6 WHERE id = $7";

vg_status pg_delivery_update(void *tx, const vg_route_delivery *d, vg_error *err)
{
    pg_args a = {0};
    pa_int(&a, d->attempts);
    pa_int(&a, d->next_at);
    pa_int(&a, d->sent_at);
    pa_text(&a, or_empty(d->reference));
    pa_text(&a, or_empty(d->last_error));
    pa_int(&a, d->poll_at);
    pa_int(&a, d->id);
    int64_t n = 0;
    vg_status st = pg_done(tx, SQL_DELIVERY_UPDATE, &a, "recording a delivery", &n, err);
    if (st == VG_OK && n == 0)
        return vg_error_set(err, VG_ERR_INVALID, "no delivery %lld", (long long)d->id);
    return st;
}

/* ---- actions ------------------------------------------------------------------- */

static const char SQL_ACTION_ADD[] =
    "INSERT INTO routing_actions(report_id, type, at, to_whom, reference, url, by_whom)"
    " VALUES($1, $2, $3, $4, $5, $6, $7)"
    " ON CONFLICT(report_id, type, url, to_whom, reference) DO NOTHING";

vg_status pg_action_add(void *tx, const vg_route_action *act, int *inserted, vg_error *err)
{
    *inserted = 0;
    pg_args a = {0};
    pa_int(&a, act->report_id);
    pa_text(&a, or_empty(act->type));
    pa_int(&a, act->at);
    pa_text(&a, or_empty(act->to));
    pa_text(&a, or_empty(act->reference));
    pa_text(&a, or_empty(act->url));
    pa_text(&a, or_empty(act->by));
    int64_t n = 0;
    vg_status st = pg_done(tx, SQL_ACTION_ADD, &a, "recording an action", &n, err);
    *inserted = st == VG_OK && n > 0;
    return st;
}

static const char SQL_ACTIONS[] =
    "SELECT report_id, type, at, to_whom, reference, url, by_whom FROM routing_actions"
    " WHERE report_id = $1 ORDER BY at, id LIMIT 1000";

static void read_action(const PGresult *res, int row, void *item)
{
    vg_route_action *x = item;
    x->report_id = pg_int(res, row, 0);
    x->type = pg_text(res, row, 1);
    x->at = pg_int(res, row, 2);
    x->to = pg_text(res, row, 3);
    x->reference = pg_text(res, row, 4);
    x->url = pg_text(res, row, 5);
    x->by = pg_text(res, row, 6);
}

vg_status pg_actions(void *tx, int64_t report_id, vg_route_action **rows, size_t *count,
                     vg_error *err)
{
    pg_args a = {0};
    pa_int(&a, report_id);
    return pg_list(tx, SQL_ACTIONS, &a, sizeof **rows, read_action, (void **)rows, count,
                   "reading actions", err);
}

/* ---- a forward by the partner's reference ---------------------------------------- */

static const char SQL_DELIVERY_BY_REFERENCE[] =
    "SELECT id, route_id, report_id, kind, target, url, attempts, next_at, sent_at, reference,"
    " last_error, poll_at, created_at, partner_status, partner_version, partner_status_at"
    " FROM routing_deliveries"
    " WHERE kind = $1 AND target = $2 AND reference = $3 AND sent_at > 0 ORDER BY id LIMIT 1";

vg_status pg_delivery_by_reference(void *tx, const char *kind, const char *target,
                                   const char *reference, vg_route_delivery *d, int *found,
                                   vg_error *err)
{
    *found = 0;
    memset(d, 0, sizeof *d);
    pg_args a = {0};
    pa_text(&a, or_empty(kind));
    pa_text(&a, or_empty(target));
    pa_text(&a, or_empty(reference));
    PGresult *res = pg_run(tx, SQL_DELIVERY_BY_REFERENCE, &a,
                           "reading a delivery by its reference", err);
    if (!res)
        return err ? err->status : VG_ERR_IO;
    if (PQntuples(res)) {
        read_delivery(res, 0, d);
        *found = 1;
    }
    PQclear(res);
    return VG_OK;
}

/* ---- callbacks ----------------------------------------------------------------- */

static const char SQL_CALLBACK_ARM[] =
    "INSERT INTO partner_callbacks(report_id, target, next_at, created_at) VALUES($1, $2, $3, $3)"
    " ON CONFLICT(report_id, target) DO UPDATE SET version = partner_callbacks.version + 1,"
    " attempts = 0, next_at = excluded.next_at, last_error = ''";

vg_status pg_callback_arm(void *tx, int64_t report_id, const char *target, int64_t now,
                          vg_error *err)
{
    pg_args a = {0};
    pa_int(&a, report_id);
    pa_text(&a, or_empty(target));
    pa_int(&a, now);
    return pg_done(tx, SQL_CALLBACK_ARM, &a, "making a partner callback due", NULL, err);
}

static const char SQL_CALLBACKS_DUE[] =
    "SELECT c.id, c.report_id, c.target, c.version, c.sent_version, c.attempts, c.next_at,"
    " c.last_error, c.created_at, r.public_id FROM partner_callbacks c"
    " JOIN reports r ON r.id = c.report_id"
    " WHERE c.sent_version < c.version AND c.next_at <= $1 ORDER BY c.next_at, c.id LIMIT $2";

static void read_callback(const PGresult *res, int row, void *item)
{
    vg_partner_callback *x = item;
    x->id = pg_int(res, row, 0);
    x->report_id = pg_int(res, row, 1);
    x->target = pg_text(res, row, 2);
    x->version = pg_int(res, row, 3);
    x->sent_version = pg_int(res, row, 4);
    x->attempts = pg_int(res, row, 5);
    x->next_at = pg_int(res, row, 6);
    x->last_error = pg_text(res, row, 7);
    x->created_at = pg_int(res, row, 8);
    x->reference = pg_text(res, row, 9);
}

vg_status pg_callbacks_due(void *tx, int64_t now, size_t limit, vg_partner_callback **rows,
                           size_t *count, vg_error *err)
{
    pg_args a = {0};
    pa_int(&a, now);
    pa_int(&a, (int64_t)(limit > 10000 ? 10000 : limit));
    return pg_list(tx, SQL_CALLBACKS_DUE, &a, sizeof **rows, read_callback, (void **)rows, count,
                   "reading partner callbacks", err);
}

/* Only at the version read: a change committed meanwhile (the row lock
 * makes this wait for it) leaves the callback due. */
static const char SQL_CALLBACK_UPDATE[] =
    "UPDATE partner_callbacks SET sent_version = $1, attempts = $2, next_at = $3,"
    " last_error = $4 WHERE id = $5 AND version = $6";

vg_status pg_callback_update(void *tx, const vg_partner_callback *x, int *changed,
                             vg_error *err)
{
    *changed = 0;
    pg_args a = {0};
    pa_int(&a, x->sent_version);
    pa_int(&a, x->attempts);
    pa_int(&a, x->next_at);
    pa_text(&a, or_empty(x->last_error));
    pa_int(&a, x->id);
    pa_int(&a, x->version);
    int64_t n = 0;
    vg_status st = pg_done(tx, SQL_CALLBACK_UPDATE, &a, "recording a partner callback", &n, err);
    *changed = st == VG_OK && n > 0;
    return st;
}

/* ---- where a forwarded report stands at the partner ------------------------------- */

/* The row lock orders two callbacks at once: the later one re-reads
 * partner_version and writes nothing if it is older. */
static const char SQL_PARTNER_STATUS[] =
    "UPDATE routing_deliveries SET partner_status = $1, partner_version = $2,"
    " partner_status_at = $3 WHERE id = $4 AND (partner_version < $2 OR"
    " ($2 = 0 AND partner_version = 0 AND partner_status <> $1))";

vg_status pg_delivery_partner_status(void *tx, int64_t id, const char *status, int64_t version,
                                     int64_t at, int *changed, vg_error *err)
{
    *changed = 0;
    pg_args a = {0};
    pa_text(&a, or_empty(status));
    pa_int(&a, version);
    pa_int(&a, at);
    pa_int(&a, id);
    int64_t n = 0;
    vg_status st = pg_done(tx, SQL_PARTNER_STATUS, &a, "recording where a partner stands", &n,
                           err);
    *changed = st == VG_OK && n > 0;
    return st;
}

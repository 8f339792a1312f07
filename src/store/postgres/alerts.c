/*
 * src/store/postgres/alerts.c - alerts, their deliveries and attempts
 * (store/alerts.h).
 *
 * A second alert for one report is refused without failing the
 * transaction (ON CONFLICT ... DO NOTHING, then VG_ERR_INVALID), as SQLite
 * refuses the one statement: the caller may go on in the same transaction.
 */
#include <stdlib.h>
#include <string.h>

#include "store/postgres/pg.h"

#define ALERT_COLUMNS "id, report_id, created_at, reason, acked_by, acked_at FROM alerts"

static const char SQL_ALERT_PUT[] =
    "INSERT INTO alerts(report_id, reason, created_at) VALUES($1, $2, $3)"
    " ON CONFLICT(report_id) DO NOTHING RETURNING id";
static const char SQL_DELIVERY_PUT[] =
    "INSERT INTO alert_deliveries(alert_id, channel, next_at) VALUES($1, $2, $3)";
static const char SQL_ALERT_GET[] = "SELECT " ALERT_COLUMNS " WHERE id = $1";
static const char SQL_ALERTS_UNACKED[] =
    "SELECT " ALERT_COLUMNS " WHERE acked_at = 0 ORDER BY id LIMIT $1";
static const char SQL_ALERTS_UNACKED_COUNT[] = "SELECT COUNT(*) FROM alerts WHERE acked_at = 0";
static const char SQL_ALERTS_RECENT[] = "SELECT " ALERT_COLUMNS " ORDER BY id DESC LIMIT $1";
static const char SQL_ALERT_ACK[] =
    "UPDATE alerts SET acked_by = $1, acked_at = $2 WHERE id = $3 AND acked_at = 0";

#define DELIVERY_COLUMNS                                                                           \
    "d.id, d.alert_id, a.report_id, a.created_at, d.channel, a.reason, d.attempts, d.next_at,"     \
    " d.delivered_at, d.last_error FROM alert_deliveries d JOIN alerts a ON a.id = d.alert_id"

static const char SQL_DELIVERIES_DUE[] =
    "SELECT " DELIVERY_COLUMNS " WHERE d.delivered_at = 0 AND d.next_at <= $1 AND a.acked_at = 0"
    " ORDER BY d.next_at, d.id LIMIT $2";
static const char SQL_DELIVERIES_OF[] =
    "SELECT " DELIVERY_COLUMNS " WHERE d.alert_id = $1 ORDER BY d.id";
static const char SQL_ATTEMPT_PUT[] =
    "INSERT INTO alert_attempts(delivery_id, at, delivered, detail) VALUES($1, $2, $3, $4)";
static const char SQL_DELIVERY_UPDATE[] =
    "UPDATE alert_deliveries SET attempts = attempts + 1,"
    " delivered_at = CASE WHEN $2::int <> 0 THEN $3::bigint ELSE 0 END,"
    " last_error = CASE WHEN $2::int <> 0 THEN NULL ELSE $4::text END, next_at = $5"
    " WHERE id = $1";
static const char SQL_ATTEMPTS_OF[] =
    "SELECT delivery_id, at, delivered, detail FROM (SELECT t.id, t.delivery_id, t.at,"
    " t.delivered, t.detail FROM alert_attempts t JOIN alert_deliveries d"
    " ON d.id = t.delivery_id WHERE d.alert_id = $1 ORDER BY t.id DESC LIMIT 1000) AS newest"
    " ORDER BY id";

/* ---- alerts --------------------------------------------------------------------- */

static void read_alert(const PGresult *res, int row, void *item)
{
    vg_alert *a = item;
    a->id = pg_int(res, row, 0);
    a->report_id = pg_int(res, row, 1);
    a->created_at = pg_int(res, row, 2);
    a->reason = pg_text(res, row, 3);
    a->acked_by = pg_text(res, row, 4);
    a->acked_at = pg_int(res, row, 5);
}

vg_status pg_alert_raise(void *tx, int64_t report_id, const char *reason,
                         const char *const *channels, size_t count, int64_t now,
                         int64_t *alert_id, vg_error *err)
{
    *alert_id = 0;
    if (!reason)
        return vg_error_set(err, VG_ERR_INVALID, "an alert needs a reason");
    pg_args a = {0};
    pa_int(&a, report_id);
    pa_text(&a, reason);
    pa_int(&a, now);
    PGresult *res = pg_run(tx, SQL_ALERT_PUT, &a, "raising an alert", err);
    if (!res)
        return err ? err->status : VG_ERR_IO;
    int64_t id = PQntuples(res) ? pg_int(res, 0, 0) : 0;
    PQclear(res);
    if (!id)
        return vg_error_set(err, VG_ERR_INVALID, "report %lld has an alert already",
                            (long long)report_id);
    vg_status status = VG_OK;
    for (size_t i = 0; i < count && status == VG_OK; i++) {
        pg_args d = {0};
        pa_int(&d, id);
        pa_text(&d, channels[i]);
        pa_int(&d, now);
        status = pg_done(tx, SQL_DELIVERY_PUT, &d, "planning an alert's delivery", NULL, err);
    }
    if (status == VG_OK)
        *alert_id = id;
    return status;
}

vg_status pg_alert_get(void *tx, int64_t alert_id, vg_alert *alert, int *found, vg_error *err)
{
    *found = 0;
    memset(alert, 0, sizeof *alert);
    pg_args a = {0};
    pa_int(&a, alert_id);
    PGresult *res = pg_run(tx, SQL_ALERT_GET, &a, "reading an alert", err);
    if (!res)
        return err ? err->status : VG_ERR_IO;
    if (PQntuples(res)) {
        read_alert(res, 0, alert);
        *found = 1;
    }
    PQclear(res);
    return VG_OK;
}

vg_status pg_alerts_unacked(void *tx, size_t limit, vg_alert **alerts, size_t *count,
                            int64_t *total, vg_error *err)
{
    *total = 0;
    pg_args a = {0};
    pa_int(&a, (int64_t)limit);
    vg_status status = pg_list(tx, SQL_ALERTS_UNACKED, &a, sizeof **alerts, read_alert,
                               (void **)alerts, count, "reading the alerts", err);
    if (status != VG_OK)
        return status;
    PGresult *res = pg_run(tx, SQL_ALERTS_UNACKED_COUNT, NULL, "counting the alerts", err);
    if (res) {
        *total = pg_int(res, 0, 0);
        PQclear(res);
        return VG_OK;
    }
    vg_alerts_free(*alerts, *count);
    *alerts = NULL;
    *count = 0;
    return err ? err->status : VG_ERR_IO;
}

vg_status pg_alerts_recent(void *tx, size_t limit, vg_alert **alerts, size_t *count,
                           vg_error *err)
{
    pg_args a = {0};
    pa_int(&a, (int64_t)limit);
    return pg_list(tx, SQL_ALERTS_RECENT, &a, sizeof **alerts, read_alert, (void **)alerts, count,
                   "reading the alerts", err);
}

vg_status pg_alert_ack(void *tx, int64_t alert_id, const char *by, int64_t now, int *changed,
                       vg_error *err)
{
    *changed = 0;
    pg_args a = {0};
    pa_text(&a, by);
    pa_int(&a, now);
    pa_int(&a, alert_id);
    int64_t n = 0;
    vg_status status = pg_done(tx, SQL_ALERT_ACK, &a, "acknowledging an alert", &n, err);
    *changed = status == VG_OK && n > 0;
    return status;
}

/* ---- deliveries and attempts ------------------------------------------------------- */

static void read_delivery(const PGresult *res, int row, void *item)
{
    vg_alert_delivery *d = item;
    d->id = pg_int(res, row, 0);
    d->alert_id = pg_int(res, row, 1);
    d->report_id = pg_int(res, row, 2);
    d->raised_at = pg_int(res, row, 3);
    d->channel = pg_text(res, row, 4);
    d->reason = pg_text(res, row, 5);
    d->attempts = pg_int(res, row, 6);
    d->next_at = pg_int(res, row, 7);
    d->delivered_at = pg_int(res, row, 8);
    d->last_error = pg_text(res, row, 9);
}

vg_status pg_deliveries_due(void *tx, int64_t now, size_t limit, vg_alert_delivery **deliveries,
                            size_t *count, vg_error *err)
{
    pg_args a = {0};
    pa_int(&a, now);
    pa_int(&a, (int64_t)limit);
    return pg_list(tx, SQL_DELIVERIES_DUE, &a, sizeof **deliveries, read_delivery,
                   (void **)deliveries, count, "reading the alerts to send", err);
}

vg_status pg_alert_deliveries(void *tx, int64_t alert_id, vg_alert_delivery **deliveries,
                              size_t *count, vg_error *err)
{
    pg_args a = {0};
    pa_int(&a, alert_id);
    return pg_list(tx, SQL_DELIVERIES_OF, &a, sizeof **deliveries, read_delivery,
                   (void **)deliveries, count, "reading an alert's deliveries", err);
}

vg_status pg_delivery_record(void *tx, int64_t delivery_id, int64_t now, int delivered,
                             const char *detail, int64_t next_at, vg_error *err)
{
    pg_args u = {0};
    pa_int(&u, delivery_id);
    pa_int(&u, delivered ? 1 : 0);
    pa_int(&u, now);
    pa_text(&u, detail);
    pa_int(&u, next_at);
    int64_t n = 0;
    vg_status status =
        pg_done(tx, SQL_DELIVERY_UPDATE, &u, "recording an alert's delivery", &n, err);
    if (status != VG_OK)
        return status;
    if (n == 0)
        return vg_error_set(err, VG_ERR_INVALID, "there is no alert delivery %lld",
                            (long long)delivery_id);
    pg_args a = {0};
    pa_int(&a, delivery_id);
    pa_int(&a, now);
    pa_int(&a, delivered ? 1 : 0);
    pa_text(&a, detail);
    return pg_done(tx, SQL_ATTEMPT_PUT, &a, "recording an alert's delivery", NULL, err);
}

static void read_attempt(const PGresult *res, int row, void *item)
{
    vg_alert_attempt *a = item;
    a->delivery_id = pg_int(res, row, 0);
    a->at = pg_int(res, row, 1);
    a->delivered = (int)pg_int(res, row, 2);
    a->detail = pg_text(res, row, 3);
}

vg_status pg_alert_attempts(void *tx, int64_t alert_id, vg_alert_attempt **attempts,
                            size_t *count, vg_error *err)
{
    pg_args a = {0};
    pa_int(&a, alert_id);
    return pg_list(tx, SQL_ATTEMPTS_OF, &a, sizeof **attempts, read_attempt, (void **)attempts,
                   count, "reading an alert's attempts", err);
}

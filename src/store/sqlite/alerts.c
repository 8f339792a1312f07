/*
 * src/store/sqlite/alerts.c - alerts, their deliveries and attempts
 * (store/alerts.h).
 */
#include <stdlib.h>
#include <string.h>

#include "store/sqlite/sqlite.h"

#define ALERT_COLUMNS "id, report_id, created_at, reason, acked_by, acked_at FROM alerts"

static const char SQL_ALERT_PUT[] =
    "INSERT INTO alerts(report_id, reason, created_at) VALUES(?, ?, ?)";
static const char SQL_DELIVERY_PUT[] =
    "INSERT INTO alert_deliveries(alert_id, channel, next_at) VALUES(?, ?, ?)";
static const char SQL_ALERT_GET[] = "SELECT " ALERT_COLUMNS " WHERE id = ?";
static const char SQL_ALERTS_UNACKED[] =
    "SELECT " ALERT_COLUMNS " WHERE acked_at = 0 ORDER BY id LIMIT ?";
static const char SQL_ALERTS_UNACKED_COUNT[] = "SELECT COUNT(*) FROM alerts WHERE acked_at = 0";
static const char SQL_ALERTS_RECENT[] = "SELECT " ALERT_COLUMNS " ORDER BY id DESC LIMIT ?";
static const char SQL_ALERT_ACK[] =
    "UPDATE alerts SET acked_by = ?, acked_at = ? WHERE id = ? AND acked_at = 0";

#define DELIVERY_COLUMNS                                                                           \
    "d.id, d.alert_id, a.report_id, a.created_at, d.channel, a.reason, d.attempts, d.next_at,"     \
    " d.delivered_at, d.last_error FROM alert_deliveries d JOIN alerts a ON a.id = d.alert_id"

static const char SQL_DELIVERIES_DUE[] =
    "SELECT " DELIVERY_COLUMNS " WHERE d.delivered_at = 0 AND d.next_at <= ? AND a.acked_at = 0"
    " ORDER BY d.next_at, d.id LIMIT ?";
static const char SQL_DELIVERIES_OF[] =
    "SELECT " DELIVERY_COLUMNS " WHERE d.alert_id = ? ORDER BY d.id";
static const char SQL_ATTEMPT_PUT[] =
    "INSERT INTO alert_attempts(delivery_id, at, delivered, detail) VALUES(?, ?, ?, ?)";
static const char SQL_DELIVERY_UPDATE[] =
    "UPDATE alert_deliveries SET attempts = attempts + 1,"
    " delivered_at = CASE WHEN ?2 THEN ?3 ELSE 0 END,"
    " last_error = CASE WHEN ?2 THEN NULL ELSE ?4 END, next_at = ?5 WHERE id = ?1";
static const char SQL_ATTEMPTS_OF[] =
    "SELECT delivery_id, at, delivered, detail FROM (SELECT t.id, t.delivery_id, t.at,"
    " t.delivered, t.detail FROM alert_attempts t JOIN alert_deliveries d"
    " ON d.id = t.delivery_id WHERE d.alert_id = ? ORDER BY t.id DESC LIMIT 1000) ORDER BY id";

/* ---- alerts --------------------------------------------------------------------- */

static void read_alert(sqlite3_stmt *st, void *item)
{
    vg_alert *a = item;
    a->id = sqlite3_column_int64(st, 0);
    a->report_id = sqlite3_column_int64(st, 1);
    a->created_at = sqlite3_column_int64(st, 2);
    a->reason = sq_text(st, 3);
    a->acked_by = sq_text(st, 4);
    a->acked_at = sqlite3_column_int64(st, 5);
}

static void clear_alert(void *item)
{
    vg_alert_clear(item);
}

vg_status sq_alert_raise(void *tx, int64_t report_id, const char *reason,
                         const char *const *channels, size_t count, int64_t now,
                         int64_t *alert_id, vg_error *err)
{
    conn *c = tx;
    *alert_id = 0;
    if (!reason)
        return vg_error_set(err, VG_ERR_INVALID, "an alert needs a reason");
    SQ_STMT(st, SQL_ALERT_PUT);
    sqlite3_bind_int64(st, 1, report_id);
    sq_bind_text(st, 2, reason);
    sqlite3_bind_int64(st, 3, now);
    vg_status status = sq_step_done(c, st, "raising an alert", err);
    if (status != VG_OK)
        return status;
    int64_t id = sqlite3_last_insert_rowid(c->db);
    for (size_t i = 0; i < count && status == VG_OK; i++) {
        SQ_STMT(d, SQL_DELIVERY_PUT);
        sqlite3_bind_int64(d, 1, id);
        sq_bind_text(d, 2, channels[i]);
        sqlite3_bind_int64(d, 3, now);
        status = sq_step_done(c, d, "planning an alert's delivery", err);
    }
    if (status == VG_OK)
        *alert_id = id;
    return status;
}

vg_status sq_alert_get(void *tx, int64_t alert_id, vg_alert *alert, int *found, vg_error *err)
{
    conn *c = tx;
    *found = 0;
    memset(alert, 0, sizeof *alert);
    SQ_STMT(st, SQL_ALERT_GET);
    sqlite3_bind_int64(st, 1, alert_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        read_alert(st, alert);
        *found = 1;
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? VG_OK
                                                 : sq_db_error(err, c->db, "reading an alert");
}

vg_status sq_alerts_unacked(void *tx, size_t limit, vg_alert **alerts, size_t *count,
                            int64_t *total, vg_error *err)
{
    conn *c = tx;
    *total = 0;
    vg_status status = sq_list(c, SQL_ALERTS_UNACKED, (int64_t)limit, 0, sizeof **alerts,
                               read_alert, clear_alert, (void **)alerts, count,
                               "reading the alerts", err);
    if (status != VG_OK)
        return status;
    sqlite3_stmt *st = sq_stmt(c, SQL_ALERTS_UNACKED_COUNT, err);
    int rc = st ? sqlite3_step(st) : SQLITE_ERROR;
    if (rc == SQLITE_ROW)
        *total = sqlite3_column_int64(st, 0);
    if (st)
        sqlite3_reset(st);
    if (rc == SQLITE_ROW)
        return VG_OK;
    vg_alerts_free(*alerts, *count);
    *alerts = NULL;
    *count = 0;
    return st ? sq_db_error(err, c->db, "counting the alerts") : (err ? err->status : VG_ERR_IO);
}

vg_status sq_alerts_recent(void *tx, size_t limit, vg_alert **alerts, size_t *count,
                           vg_error *err)
{
    return sq_list(tx, SQL_ALERTS_RECENT, (int64_t)limit, 0, sizeof **alerts, read_alert,
                   clear_alert, (void **)alerts, count, "reading the alerts", err);
}

vg_status sq_alert_ack(void *tx, int64_t alert_id, const char *by, int64_t now, int *changed,
                       vg_error *err)
{
    conn *c = tx;
    *changed = 0;
    SQ_STMT(st, SQL_ALERT_ACK);
    sq_bind_text(st, 1, by);
    sqlite3_bind_int64(st, 2, now);
    sqlite3_bind_int64(st, 3, alert_id);
    vg_status status = sq_step_done(c, st, "acknowledging an alert", err);
    *changed = status == VG_OK && sqlite3_changes(c->db) > 0;
    return status;
}

/* ---- deliveries and attempts ------------------------------------------------------- */

static void read_delivery(sqlite3_stmt *st, void *item)
{
    vg_alert_delivery *d = item;
    d->id = sqlite3_column_int64(st, 0);
    d->alert_id = sqlite3_column_int64(st, 1);
    d->report_id = sqlite3_column_int64(st, 2);
    d->raised_at = sqlite3_column_int64(st, 3);
    d->channel = sq_text(st, 4);
    d->reason = sq_text(st, 5);
    d->attempts = sqlite3_column_int64(st, 6);
    d->next_at = sqlite3_column_int64(st, 7);
    d->delivered_at = sqlite3_column_int64(st, 8);
    d->last_error = sq_text(st, 9);
}

static void clear_delivery(void *item)
{
    vg_alert_delivery_clear(item);
}

vg_status sq_deliveries_due(void *tx, int64_t now, size_t limit, vg_alert_delivery **deliveries,
                            size_t *count, vg_error *err)
{
    return sq_list(tx, SQL_DELIVERIES_DUE, now, (int64_t)limit, sizeof **deliveries,
                   read_delivery, clear_delivery, (void **)deliveries, count,
                   "reading the alerts to send", err);
}

vg_status sq_alert_deliveries(void *tx, int64_t alert_id, vg_alert_delivery **deliveries,
                              size_t *count, vg_error *err)
{
    return sq_list(tx, SQL_DELIVERIES_OF, alert_id, 0, sizeof **deliveries, read_delivery,
                   clear_delivery, (void **)deliveries, count, "reading an alert's deliveries",
                   err);
}

vg_status sq_delivery_record(void *tx, int64_t delivery_id, int64_t now, int delivered,
                             const char *detail, int64_t next_at, vg_error *err)
{
    conn *c = tx;
    SQ_STMT(up, SQL_DELIVERY_UPDATE);
    sqlite3_bind_int64(up, 1, delivery_id);
    sqlite3_bind_int(up, 2, delivered ? 1 : 0);
    sqlite3_bind_int64(up, 3, now);
    sq_bind_text(up, 4, detail);
    sqlite3_bind_int64(up, 5, next_at);
    vg_status status = sq_step_done(c, up, "recording an alert's delivery", err);
    if (status != VG_OK)
        return status;
    if (sqlite3_changes(c->db) == 0)
        return vg_error_set(err, VG_ERR_INVALID, "there is no alert delivery %lld",
                            (long long)delivery_id);
    SQ_STMT(st, SQL_ATTEMPT_PUT);
    sqlite3_bind_int64(st, 1, delivery_id);
    sqlite3_bind_int64(st, 2, now);
    sqlite3_bind_int(st, 3, delivered ? 1 : 0);
    sq_bind_text(st, 4, detail);
    return sq_step_done(c, st, "recording an alert's delivery", err);
}

static void read_attempt(sqlite3_stmt *st, void *item)
{
    vg_alert_attempt *a = item;
    a->delivery_id = sqlite3_column_int64(st, 0);
    a->at = sqlite3_column_int64(st, 1);
    a->delivered = sqlite3_column_int(st, 2);
    a->detail = sq_text(st, 3);
}

static void clear_attempt(void *item)
{
    free(((vg_alert_attempt *)item)->detail);
}

vg_status sq_alert_attempts(void *tx, int64_t alert_id, vg_alert_attempt **attempts,
                            size_t *count, vg_error *err)
{
    return sq_list(tx, SQL_ATTEMPTS_OF, alert_id, 0, sizeof **attempts, read_attempt,
                   clear_attempt, (void **)attempts, count, "reading an alert's attempts", err);
}

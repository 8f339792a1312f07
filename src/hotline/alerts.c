/*
 * src/hotline/alerts.c - raising, listing, acknowledging alerts and
 * recording their deliveries (alerts.h).
 */
#include "hotline/alerts.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/alerts.h"
#include "store/audit.h"

void vg_hotline_on_alert(vg_hotline *h, void (*fn)(void *ctx), void *ctx)
{
    h->on_alert = fn;
    h->on_alert_ctx = ctx;
}

void vg_hotline_alert_raised(vg_hotline *h)
{
    if (h->on_alert)
        h->on_alert(h->on_alert_ctx);
}

/* ---- raising ----------------------------------------------------------------- */

static vg_status audit(vg_tx *tx, int64_t now, const char *actor, const char *action,
                       int64_t report_id, json_t *detail, vg_error *err)
{
    char target[32];
    vg_hotline_report_target(report_id, target);
    char *text = detail ? json_dumps(detail, JSON_COMPACT) : NULL;
    json_decref(detail);
    if (!text)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    vg_audit_note note = {actor, action, target, text};
    vg_status st = vg_tx_audit_append(tx, now, &note, NULL, err);
    free(text);
    return st;
}

vg_status vg_hotline_alert_raise_tx(vg_tx *tx, vg_hotline *h, int64_t report_id,
                                    const char *category, int danger, int64_t now,
                                    int64_t *alert_id, vg_error *err)
{
    *alert_id = 0;
    const char *reason = vg_rule_alert_reason(category, danger);
    if (!reason)
        return VG_OK;
    const vg_alerting *a = h->alerting;
    size_t count = a ? a->channel_count : 0;
    vg_status st = vg_tx_alert_raise(tx, report_id, reason, a ? a->channels : NULL, count, now,
                                     alert_id, err);
    if (st != VG_OK)
        return st;
    json_t *channels = json_array();
    for (size_t i = 0; channels && i < count; i++)
        json_array_append_new(channels, json_string(a->channels[i]));
    return audit(tx, now, "server", "alert.raise", report_id,
                 json_pack("{s:I, s:s, s:o*}", "alert", (json_int_t)*alert_id, "reason", reason,
                           "channels", channels),
                 err);
}

/* ---- reading ------------------------------------------------------------------ */

typedef struct list_args {
    size_t limit;
    int64_t id, now;
    vg_alert **alerts;
    size_t *count;
    int64_t *total;
    vg_alert_delivery **deliveries;
    size_t *delivery_count;
    vg_alert_attempt **attempts;
    size_t *attempt_count;
} list_args;

static vg_status waiting_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    list_args *a = ctx;
    return vg_tx_alerts_unacked(tx, a->limit, a->alerts, a->count, a->total, err);
}

vg_status vg_hotline_alerts_waiting(vg_hotline *h, size_t limit, vg_alert **alerts,
                                    size_t *count, int64_t *total, vg_error *err)
{
    list_args a = {.limit = limit, .alerts = alerts, .count = count, .total = total};
    return vg_store_read(h->store, waiting_tx, &a, err);
}

static vg_status recent_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    list_args *a = ctx;
    return vg_tx_alerts_recent(tx, a->limit, a->alerts, a->count, err);
}

vg_status vg_hotline_alerts_recent(vg_hotline *h, size_t limit, vg_alert **alerts,
                                   size_t *count, vg_error *err)
{
    list_args a = {.limit = limit, .alerts = alerts, .count = count};
    return vg_store_read(h->store, recent_tx, &a, err);
}

static vg_status history_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    list_args *a = ctx;
    vg_status st = vg_tx_alert_deliveries(tx, a->id, a->deliveries, a->delivery_count, err);
    if (st == VG_OK)
        st = vg_tx_alert_attempts(tx, a->id, a->attempts, a->attempt_count, err);
    return st;
}

vg_status vg_hotline_alert_history(vg_hotline *h, int64_t alert_id,
                                   vg_alert_delivery **deliveries, size_t *delivery_count,
                                   vg_alert_attempt **attempts, size_t *attempt_count,
                                   vg_error *err)
{
    *deliveries = NULL;
    *attempts = NULL;
    *delivery_count = *attempt_count = 0;
    list_args a = {.id = alert_id, .deliveries = deliveries, .delivery_count = delivery_count,
                   .attempts = attempts, .attempt_count = attempt_count};
    vg_status st = vg_store_read(h->store, history_tx, &a, err);
    if (st != VG_OK) {
        vg_alert_deliveries_free(*deliveries, *delivery_count);
        *deliveries = NULL;
        *delivery_count = 0;
    }
    return st;
}

static vg_status due_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    list_args *a = ctx;
    return vg_tx_deliveries_due(tx, a->now, a->limit, a->deliveries, a->delivery_count, err);
}

vg_status vg_hotline_alerts_due(vg_hotline *h, int64_t now, size_t limit,
                                vg_alert_delivery **deliveries, size_t *count, vg_error *err)
{
    list_args a = {.now = now, .limit = limit, .deliveries = deliveries,
                   .delivery_count = count};
    return vg_store_read(h->store, due_tx, &a, err);
}

/* ---- acknowledging ------------------------------------------------------------ */

typedef struct ack_args {
    int64_t alert_id, now;
    const char *username;
    vg_ack_outcome *outcome;
    char *by_whom;
} ack_args;

static vg_status ack_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    ack_args *a = ctx;
    vg_alert alert;
    int found = 0, changed = 0;
    vg_status st = vg_tx_alert_get(tx, a->alert_id, &alert, &found, err);
    if (st != VG_OK || !found) {
        *a->outcome = VG_ACK_NO_SUCH;
        return st;
    }
    if (alert.acked_at) {
        *a->outcome = VG_ACK_ALREADY;
        if (a->by_whom)
            snprintf(a->by_whom, 128, "%s", alert.acked_by ? alert.acked_by : "");
        vg_alert_clear(&alert);
        return VG_OK;
    }
    int64_t report_id = alert.report_id;
    vg_alert_clear(&alert);
    if ((st = vg_tx_alert_ack(tx, a->alert_id, a->username, a->now, &changed, err)) != VG_OK)
        return st;
    *a->outcome = changed ? VG_ACK_DONE : VG_ACK_ALREADY;
    if (!changed)
        return VG_OK;
    char actor[160];
    snprintf(actor, sizeof actor, "user:%.128s", a->username);
    return audit(tx, a->now, actor, "alert.ack", report_id,
                 json_pack("{s:I}", "alert", (json_int_t)a->alert_id), err);
}

vg_status vg_hotline_alert_ack(vg_hotline *h, int64_t alert_id, const char *username,
                               int64_t now, vg_ack_outcome *outcome, char *by_whom,
                               vg_error *err)
{
    *outcome = VG_ACK_NO_SUCH;
    if (by_whom)
        by_whom[0] = '\0';
    ack_args a = {alert_id, now, username ? username : "", outcome, by_whom};
    return vg_store_write(h->store, ack_tx, &a, err);
}

/* ---- attempts ------------------------------------------------------------------ */

typedef struct attempt_args {
    const vg_alert_delivery *d;
    int64_t now, next_at;
    int delivered;
    const char *detail;
} attempt_args;

static vg_status attempt_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    attempt_args *a = ctx;
    const vg_alert_delivery *d = a->d;
    vg_status st = vg_tx_delivery_record(tx, d->id, a->now, a->delivered, a->detail, a->next_at,
                                         err);
    if (st != VG_OK || !a->delivered)
        return st;
    return audit(tx, a->now, "server", "alert.delivered", d->report_id,
                 json_pack("{s:I, s:s, s:I}", "alert", (json_int_t)d->alert_id, "channel",
                           d->channel ? d->channel : "", "attempts",
                           (json_int_t)(d->attempts + 1)),
                 err);
}

vg_status vg_hotline_alert_attempted(vg_hotline *h, const vg_alert_delivery *d, int64_t now,
                                     int delivered, const char *detail, int64_t *next_at,
                                     vg_error *err)
{
    const vg_alerting *s = h->alerting;
    attempt_args a = {d, now, now, delivered, detail};
    if (!delivered)
        a.next_at = vg_rule_alert_retry_at(now, d->attempts + 1, s ? s->retry_min_seconds : 30,
                                           s ? s->retry_max_seconds : 3600);
    if (next_at)
        *next_at = a.next_at;
    return vg_store_write(h->store, attempt_tx, &a, err);
}

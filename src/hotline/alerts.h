/*
 * src/hotline/alerts.h - alerts: an urgent report told at once to whoever
 * is on duty, and shown in the console until someone acknowledges it.
 *
 * A report whose sender says a child is in danger now, or that is about
 * abuse streamed live (model/alert.h), raises an alert in the very
 * transaction that stores it, with one delivery for each channel the
 * configuration names (an e-mail, a webhook) and its audit entry
 * ("alert.raise"). The alerts job (src/jobs/alerts.c) sends the deliveries
 * due, records each attempt here, and tries a failed one again at growing
 * intervals until it is delivered ("alert.delivered" is audited) or the
 * alert acknowledged: nothing is lost to a mail server or a receiver that
 * is down. Staff see the alerts nobody has acknowledged on every console
 * page, and acknowledge them ("alert.ack", audited).
 *
 * Threads: like every use case, any thread. The settings are read once by
 * vg_hotline_open and never change; vg_hotline_on_alert is called before
 * the hotline is shared.
 */
#ifndef VIGIE_HOTLINE_ALERTS_H
#define VIGIE_HOTLINE_ALERTS_H

#include "hotline/alerting.h"
#include "hotline/hotline.h"
#include "model/alert.h"

/* Have fn(ctx) called, on the thread that stored the report, right after a
 * report that raised an alert is committed (vigie serve wakes its jobs
 * with it, so the alert goes out at once). Before the hotline is shared. */
void vg_hotline_on_alert(vg_hotline *h, void (*fn)(void *ctx), void *ctx);
/* Called by intake after such a commit. */
void vg_hotline_alert_raised(vg_hotline *h);

/* Inside intake's transaction: raise report_id's alert when its category
 * and danger say so (*alert_id: its id, or 0 when it raises none). */
vg_status vg_hotline_alert_raise_tx(vg_tx *tx, vg_hotline *h, int64_t report_id,
                                    const char *category, int danger, int64_t now,
                                    int64_t *alert_id, vg_error *err);

/* ---- the console ----------------------------------------------------------- */

/* The alerts nobody has acknowledged, the oldest first (at most limit),
 * and *total, how many there are. */
vg_status vg_hotline_alerts_waiting(vg_hotline *h, size_t limit, vg_alert **alerts,
                                    size_t *count, int64_t *total, vg_error *err);
/* The newest alerts (at most limit), acknowledged or not. */
vg_status vg_hotline_alerts_recent(vg_hotline *h, size_t limit, vg_alert **alerts,
                                   size_t *count, vg_error *err);
/* One alert's deliveries and attempts (each malloc'd; free with
 * vg_alert_deliveries_free and vg_alert_attempts_free). */
vg_status vg_hotline_alert_history(vg_hotline *h, int64_t alert_id,
                                   vg_alert_delivery **deliveries, size_t *delivery_count,
                                   vg_alert_attempt **attempts, size_t *attempt_count,
                                   vg_error *err);

typedef enum vg_ack_outcome {
    VG_ACK_DONE = 0, /* acknowledged now */
    VG_ACK_ALREADY,  /* someone did before: *by_whom says who */
    VG_ACK_NO_SUCH,  /* no such alert */
} vg_ack_outcome;
/* username acknowledges the alert at now (audited "alert.ack", with the
 * report as target); its deliveries not yet made are not tried any more:
 * someone is on it. by_whom (may be NULL, 128 bytes) gets who had, when
 * it was done already. */
vg_status vg_hotline_alert_ack(vg_hotline *h, int64_t alert_id, const char *username,
                               int64_t now, vg_ack_outcome *outcome, char *by_whom,
                               vg_error *err);

/* ---- the alerts job ----------------------------------------------------------- */

/* The deliveries to try at now (at most limit), of alerts not yet
 * acknowledged. */
vg_status vg_hotline_alerts_due(vg_hotline *h, int64_t now, size_t limit,
                                vg_alert_delivery **deliveries, size_t *count, vg_error *err);
/* Record an attempt at d made at now: delivered, or not with detail (what
 * went wrong), then tried again when model/alert.h's back-off says
 * (*next_at, may be NULL). A delivery made is audited in the same
 * transaction ("alert.delivered"). */
vg_status vg_hotline_alert_attempted(vg_hotline *h, const vg_alert_delivery *d, int64_t now,
                                     int delivered, const char *detail, int64_t *next_at,
                                     vg_error *err);

#endif

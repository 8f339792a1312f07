/*
 * src/store/alerts.h - alerts raised by urgent reports, their deliveries
 * (one per channel) and every attempt at one (operations inside a
 * transaction, store/store.h; what they mean: model/alert.h).
 */
#ifndef VIGIE_STORE_ALERTS_H
#define VIGIE_STORE_ALERTS_H

#include "model/alert.h"
#include "store/store.h"

/* Raise report_id's alert at now for reason, with one delivery per
 * channel (channels[0..count), each due at now); *alert_id gets its id. A
 * report raises one alert at most: a second is refused (VG_ERR_INVALID). */
vg_status vg_tx_alert_raise(vg_tx *tx, int64_t report_id, const char *reason,
                            const char *const *channels, size_t count, int64_t now,
                            int64_t *alert_id, vg_error *err);
/* One alert; *found = 0 when there is none with this id. */
vg_status vg_tx_alert_get(vg_tx *tx, int64_t alert_id, vg_alert *alert, int *found,
                          vg_error *err);
/* Alerts nobody has acknowledged, the oldest first, at most limit; *total
 * gets how many there are in all. */
vg_status vg_tx_alerts_unacked(vg_tx *tx, size_t limit, vg_alert **alerts, size_t *count,
                               int64_t *total, vg_error *err);
/* Every alert, the newest first, at most limit. */
vg_status vg_tx_alerts_recent(vg_tx *tx, size_t limit, vg_alert **alerts, size_t *count,
                              vg_error *err);
/* Acknowledge the alert by `by` at now: *changed = 1, or 0 when it was
 * acknowledged already or does not exist (nothing changes then). */
vg_status vg_tx_alert_ack(vg_tx *tx, int64_t alert_id, const char *by, int64_t now, int *changed,
                          vg_error *err);

/* Deliveries to try at now: not delivered, due (next_at <= now), of alerts
 * nobody has acknowledged; the longest due first, at most limit. Each
 * carries its alert's report, time and reason. */
vg_status vg_tx_deliveries_due(vg_tx *tx, int64_t now, size_t limit,
                               vg_alert_delivery **deliveries, size_t *count, vg_error *err);
/* The deliveries of one alert, in the order they were made. */
vg_status vg_tx_alert_deliveries(vg_tx *tx, int64_t alert_id, vg_alert_delivery **deliveries,
                                 size_t *count, vg_error *err);
/* Record one attempt at delivery_id at now: the attempt itself (delivered,
 * detail: what went wrong or what the channel said, may be NULL), one more
 * attempt counted, and either delivered at now or the last error and the
 * next try at next_at. VG_ERR_INVALID when there is no such delivery. */
vg_status vg_tx_delivery_record(vg_tx *tx, int64_t delivery_id, int64_t now, int delivered,
                                const char *detail, int64_t next_at, vg_error *err);
/* The attempts at the deliveries of one alert, the oldest first: the
 * newest 1,000 at most (a delivery failing for days keeps its latest in
 * view). */
vg_status vg_tx_alert_attempts(vg_tx *tx, int64_t alert_id, vg_alert_attempt **attempts,
                               size_t *count, vg_error *err);

#endif

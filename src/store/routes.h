/*
 * src/store/routes.h - the routes of confirmed URLs: who must act on each
 * (model/route.h), proposed by the orientation job (operations inside a
 * transaction, store/store.h).
 */
#ifndef VIGIE_STORE_ROUTES_H
#define VIGIE_STORE_ROUTES_H

#include "model/route.h"
#include "store/store.h"

/* URLs of finished items (confirmed or automatic) whose decision is legal,
 * that have no route yet, oldest URL first, at most limit. */
vg_status vg_tx_routes_todo(vg_tx *tx, const char *legal, size_t limit, vg_url_route_todo **todo,
                            size_t *count, vg_error *err);
/* Keep a route (report_id, url, state, actions, reasons, country, partner,
 * hosting, created_at of *row; NULL strings are stored as ""). A URL of a
 * report has one route: when it has one already nothing changes and
 * *inserted = 0. */
vg_status vg_tx_route_put(vg_tx *tx, const vg_url_route_row *row, int *inserted, vg_error *err);
/* Routes of one report (report_id > 0) or of one case (case_id > 0), in
 * the order they were proposed (at most 10,000). */
vg_status vg_tx_routes(vg_tx *tx, int64_t report_id, int64_t case_id, vg_url_route_row **rows,
                       size_t *count, vg_error *err);

/* One route by id; *found = 0 when there is none. */
vg_status vg_tx_route_get(vg_tx *tx, int64_t id, vg_url_route_row *row, int *found,
                          vg_error *err);
/* Write a route's decision (state, actions, changed_by, decided_by,
 * decided_at of *row, by row->id) if it is still as the caller read it:
 * state was_state, actions was_actions and changed_by was_changed_by.
 * *changed = 0 when it was not (someone decided in between). */
vg_status vg_tx_route_decide(vg_tx *tx, const vg_url_route_row *row, const char *was_state,
                             const char *was_actions, const char *was_changed_by, int *changed,
                             vg_error *err);

/* Add a delivery (route_id, report_id, kind, target, url, next_at,
 * created_at of *d); a route has one delivery per kind and target: a
 * second leaves the first as it is and *inserted = 0. */
vg_status vg_tx_delivery_add(vg_tx *tx, const vg_route_delivery *d, int *inserted,
                             vg_error *err);
/* The deliveries of one report (report_id > 0), in the order made; or
 * (report_id 0) those with something to do at now: not sent and due
 * (next_at <= now), or sent and due to be polled (0 < poll_at <= now),
 * the longest due first. At most limit. */
vg_status vg_tx_deliveries(vg_tx *tx, int64_t report_id, int64_t now, size_t limit,
                           vg_route_delivery **rows, size_t *count, vg_error *err);
/* Write what a try did to delivery d->id: attempts, next_at, sent_at,
 * reference, last_error, poll_at. VG_ERR_INVALID when there is none. */
vg_status vg_tx_delivery_update(vg_tx *tx, const vg_route_delivery *d, vg_error *err);

/* Record something done about a report (VG_DONE_*); the same type, URL,
 * receiver and reference is recorded once (*inserted = 0 the second time). */
vg_status vg_tx_action_add(vg_tx *tx, const vg_route_action *a, int *inserted, vg_error *err);
/* What was done about a report, oldest first (at most 1,000). */
vg_status vg_tx_actions(vg_tx *tx, int64_t report_id, vg_route_action **rows, size_t *count,
                        vg_error *err);

/* The delivery of kind to target the receiver took under reference (a
 * partner's callback names it so); *found = 0 when there is none, or it
 * was not taken (vg_route_delivery_clear d). */
vg_status vg_tx_delivery_by_reference(vg_tx *tx, const char *kind, const char *target,
                                      const char *reference, vg_route_delivery *d, int *found,
                                      vg_error *err);

/* ---- callbacks to the partner that forwarded a report ---------------------------- */

/* Something was recorded on report_id, forwarded by the partner of target
 * (its country): its callback is due at now. The first time it is made
 * (version 1); after that its version goes up by one, its failed tries
 * are forgotten (attempts 0, last_error "") and next_at is now. */
vg_status vg_tx_callback_arm(vg_tx *tx, int64_t report_id, const char *target, int64_t now,
                             vg_error *err);
/* Callbacks due at now (sent_version < version, next_at <= now), the
 * longest due first, at most limit (*rows: vg_partner_callbacks_free). */
vg_status vg_tx_callbacks_due(vg_tx *tx, int64_t now, size_t limit, vg_partner_callback **rows,
                              size_t *count, vg_error *err);
/* Write what a try did to callback c->id (sent_version, attempts, next_at,
 * last_error of *c), only if its version is still c->version: a change
 * recorded meanwhile (*changed = 0) leaves it due, to be sent again. */
vg_status vg_tx_callback_update(vg_tx *tx, const vg_partner_callback *c, int *changed,
                                vg_error *err);

/* ---- where a forwarded report stands at the partner --------------------------------- */

/* The partner says forward id's report is in status (VG_REPORT_*) at
 * at: written when version (its callback's, > 0) is above the one
 * written last, so that a replay or an older callback arriving late
 * writes nothing; version 0 (a poll's answer, which carries none) is
 * written only while no callback ever was, and only when the status
 * differs. *changed: whether it was written. */
vg_status vg_tx_delivery_partner_status(vg_tx *tx, int64_t id, const char *status,
                                        int64_t version, int64_t at, int *changed,
                                        vg_error *err);

#endif

/*
 * src/hotline/routing.h - orientation: every URL of an item confirmed as
 * CSAM gets a route saying who must act and why (model/route.h), from
 * where its host is (vigie/hosting.h) and the hotline's network.
 *
 * Configuration (read by vg_hotline_open for the server; docs/console.md):
 *   routing.country          the hotline's own country (ISO 3166, "FR");
 *                            unset: nothing is routed
 *   routing.name             how partners and the police know this hotline
 *   routing.partners         the partner hotlines (util/partners.h)
 *   routing.auto_known       approve forwards of known material at once
 *   routing.police.*, routing.child_protection.*  name, email, url,
 *                            public_key (police only: evidence sealed to it)
 *   routing.referral_dir, routing.signing_key  referral packages
 *   routing.poll_seconds, routing.timeout_seconds, routing.test_allow_local
 *   hosting.*                the lookup (util/hosting_conf.h)
 *
 * After orientation a route waits for a person (vg_hotline_route_decide),
 * or is approved at once for known material (routing.auto_known). Its
 * approval makes deliveries (a forward to the partner hotline, a referral
 * to the police or child protection) that the deliveries job sends
 * (src/jobs/deliveries.c) and records here, tried until taken; then a
 * forward is polled for what the partner did. Every change is written
 * with its audit entry in one transaction.
 *
 * Lookups are slow and go to the network: they never run inside a request
 * nor inside a transaction. vg_hotline_orient reads what waits for a route,
 * looks the hosts up with no transaction open, then writes every route with
 * its audit entry ("route.propose", actor "orientation") in one
 * transaction; a route already there is left as it is.
 */
#ifndef VIGIE_HOTLINE_ROUTING_H
#define VIGIE_HOTLINE_ROUTING_H

#include "hotline/hotline.h"
#include "model/route.h"

/* Read routing.* and hosting.* and open the lookup (h->routing). */
vg_status vg_hotline_routing_open(vg_hotline *h, vg_config *cfg, vg_error *err);
void vg_hotline_routing_free(vg_hotline *h);

/* Route at most limit URLs waiting for one; *routed (may be NULL) gets
 * how many routes were written. Nothing to do without routing.country. */
vg_status vg_hotline_orient(vg_hotline *h, int64_t now, size_t limit, size_t *routed,
                            vg_error *err);

/* The routes of a report (report_id > 0) or a case (case_id > 0), for the
 * console (*rows: vg_url_route_rows_free). */
vg_status vg_hotline_routes(vg_hotline *h, int64_t report_id, int64_t case_id,
                            vg_url_route_row **rows, size_t *count, vg_error *err);

/* ---- approval (deliveries.c) ----------------------------------------------------- */

/* actor approves route_id with the actions wanted (comma-separated
 * VG_ACTION_*), or changes it to them (model/route.h,
 * vg_rule_route_approval): *verdict says which, or VG_ROUTE_REFUSED with
 * why (cap bytes). *report_id (may be NULL) gets the route's report. */
vg_status vg_hotline_route_decide(vg_hotline *h, int64_t route_id, const char *actor,
                                  const char *wanted, int64_t now, vg_route_verdict *verdict,
                                  int64_t *report_id, char *why, size_t cap, vg_error *err);

/* actor records that the material is gone from url, a routed URL of
 * report_id (audited "route.removed"); *recorded = 0 when it was already.
 * VG_ERR_INVALID when the URL has no route in that report. */
vg_status vg_hotline_route_removed(vg_hotline *h, int64_t report_id, const char *url,
                                   const char *actor, int64_t now, int *recorded, vg_error *err);

/* A report's deliveries and what was done about it (the console). */
vg_status vg_hotline_route_history(vg_hotline *h, int64_t report_id,
                                   vg_route_delivery **deliveries, size_t *delivery_count,
                                   vg_route_action **actions, size_t *action_count,
                                   vg_error *err);

/* What the sender of a report may read of it (GET /api/v1/reports/{id}):
 * *fate_json (malloc'd) is {"id","status","actions":[{type, at, to,
 * reference, url[, by]}]}; *found = 0 when there is no such report or
 * another key sent it. */
vg_status vg_hotline_report_fate(vg_hotline *h, const char *public_id, int64_t api_key_id,
                                 char **fate_json, int *found, vg_error *err);

#endif

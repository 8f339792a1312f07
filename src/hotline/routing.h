/*
 * src/hotline/routing.h - orientation: every URL of an item confirmed as
 * CSAM gets a route saying who must act and why (model/route.h), from
 * where its host is (vigie/hosting.h) and the hotline's network.
 *
 * Configuration (read by vg_hotline_open for the server):
 *   routing.country          the hotline's own country (ISO 3166, "FR");
 *                            unset: nothing is routed
 *   routing.partner.CC.name  a partner hotline in country CC ("de")
 *   routing.partner.CC.url   its partner API (https://...)
 *   hosting.*                the lookup (util/hosting_conf.h)
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

#endif

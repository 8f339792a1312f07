/*
 * src/server/api/api.h - the partner API (docs/api.md): POST
 * /api/v1/reports and its OpenAPI description (reports.c), GET
 * /api/v1/stats for the operator's own tools (stats.c), GET
 * /api/v1/blocklist/... for the blocking list's members (blocklist.c).
 */
#ifndef VIGIE_SERVER_API_H
#define VIGIE_SERVER_API_H

#include "server/server.h"

vg_status vg_api_routes(vg_server *srv, void *state, vg_error *err);
/* GET /api/v1/stats (stats.c); the route's state is the hotline. */
void vg_api_stats_get(vg_http_request *req);
/* GET /api/v1/blocklist/prefixes, /full-hashes and /rpz (blocklist.c);
 * the routes' state is the hotline. */
void vg_api_blocklist_prefixes(vg_http_request *req);
void vg_api_blocklist_full_hashes(vg_http_request *req);
void vg_api_blocklist_rpz(vg_http_request *req);
/* POST /api/v1/forwards/{id}/fate, a partner's callback (forwards.c); the
 * route's state is the hotline. */
void vg_api_forward_fate(vg_http_request *req);

#endif

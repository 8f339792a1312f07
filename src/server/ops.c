/*
 * src/server/ops.c - what operators and monitoring call: /healthz, /metrics.
 */
#include <jansson.h>

#include "server/server.h"

static void healthz(vg_http_request *req)
{
    int64_t reports = 0;
    vg_error err;
    if (vg_store_report_count(vg_http_store(req), &reports, &err) != VG_OK) {
        vg_http_json_error(req, 503, "store_unavailable", "%s", err.message);
        return;
    }
    json_t *o = json_pack("{s:s}", "status", "ok");
    vg_http_json(req, 200, o);
    json_decref(o);
}

static void metrics(vg_http_request *req) { vg_http_metrics(vg_http_server(req), req); }

vg_status vg_ops_routes(vg_server *srv, vg_error *err)
{
    static const vg_route routes[] = {
        {"GET", "/healthz", VG_ROLE_NONE, 0, 0, healthz, NULL, NULL},
        {"GET", "/metrics", VG_ROLE_NONE, 0, 0, metrics, NULL, NULL},
    };
    return vg_http_add_routes(srv->http, routes, sizeof routes / sizeof routes[0], err);
}

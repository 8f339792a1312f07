/*
 * src/server/ops/ops.c - /healthz and /metrics (ops.h).
 *
 * /metrics tells an outsider how busy the hotline is, when, and on which
 * routes: it answers only to the token of metrics.token (a bearer token the
 * monitoring system sends), and not at all when none is configured.
 */
#include "server/ops/ops.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hotline/intake.h"
#include "util/secure.h"

typedef struct ops {
    vg_server *srv;
    char token_hash[65]; /* SHA-256 of metrics.token; "" when /metrics is off */
} ops;

static void healthz(vg_http_request *req)
{
    vg_server *srv = vg_http_app(req);
    int64_t reports = 0;
    vg_error err;
    if (vg_hotline_report_count(srv->hotline, &reports, &err) != VG_OK) {
        vg_http_json_error(req, 503, "store_unavailable", "%s", err.message);
        return;
    }
    json_t *o = json_pack("{s:s}", "status", "ok");
    vg_http_json(req, 200, o);
    json_decref(o);
}

static void metrics(vg_http_request *req)
{
    ops *o = vg_http_route_ctx(req);
    vg_server *srv = o->srv;
    const char *auth = vg_http_header(req, "Authorization");
    char got[65] = "";
    if (o->token_hash[0] && auth && !strncasecmp(auth, "Bearer ", 7))
        vg_sha256_hex(auth + 7, strlen(auth + 7), got);
    if (!o->token_hash[0]) {
        vg_http_json_error(req, 404, "not_found", "Metrics are off: set metrics.token.");
        return;
    }
    if (!got[0] || !vg_secure_equal(got, o->token_hash)) {
        vg_http_add_header(req, "WWW-Authenticate", "Bearer");
        vg_http_json_error(req, 401, "unauthenticated",
                           "Send the metrics token as a bearer token.");
        return;
    }
    /* The hotline's own figures after the HTTP layer's. */
    char extra[2048] = "";
    int64_t reports = 0;
    int n = 0;
    if (vg_hotline_report_count(srv->hotline, &reports, NULL) == VG_OK)
        n = snprintf(extra, sizeof extra,
                     "# HELP vigie_reports Reports stored.\n# TYPE vigie_reports gauge\n"
                     "vigie_reports %" PRId64 "\n",
                     reports);
    vg_store_stats ss;
    vg_hotline_store_stats(srv->hotline, &ss);
    snprintf(extra + n, sizeof extra - (size_t)n,
             "# HELP vigie_store_writes_total Writes committed by the store.\n"
             "# TYPE vigie_store_writes_total counter\nvigie_store_writes_total %" PRIu64 "\n"
             "# HELP vigie_store_failed_writes_total Writes rolled back.\n"
             "# TYPE vigie_store_failed_writes_total counter\n"
             "vigie_store_failed_writes_total %" PRIu64 "\n"
             "# HELP vigie_store_commits_total Transactions committed (one fsync each); "
             "writes / commits is the group-commit batch.\n"
             "# TYPE vigie_store_commits_total counter\nvigie_store_commits_total %" PRIu64 "\n"
             "# HELP vigie_store_round_trips_total Waits for the database server's answer "
             "(PostgreSQL; 0 on SQLite).\n"
             "# TYPE vigie_store_round_trips_total counter\n"
             "vigie_store_round_trips_total %" PRIu64 "\n"
             "# HELP vigie_store_statements_total SQL statements the store ran "
             "(PostgreSQL; 0 on SQLite).\n"
             "# TYPE vigie_store_statements_total counter\n"
             "vigie_store_statements_total %" PRIu64 "\n",
             ss.writes, ss.failed_writes, ss.commits, ss.round_trips, ss.statements);
    vg_http_metrics(vg_http_server(req), req, extra);
}

vg_status vg_ops_open(vg_server *srv, void **state, vg_error *err)
{
    ops *o = calloc(1, sizeof *o);
    if (!o)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    o->srv = srv;
    *state = o;
    const char *token = vg_config_get(srv->config, "metrics.token", NULL);
    if (token && strlen(token) < 16)
        return vg_error_set(err, VG_ERR_INVALID,
                            "metrics.token must be at least 16 characters (openssl rand -hex 32)");
    /* Kept as its hash, compared in constant time. */
    if (token)
        vg_sha256_hex(token, strlen(token), o->token_hash);
    return VG_OK;
}

vg_status vg_ops_routes(vg_server *srv, void *state, vg_error *err)
{
    const vg_route routes[] = {
        {"GET", "/healthz", VG_ROLE_NONE, 0, 0, healthz, NULL, state},
        {"GET", "/metrics", VG_ROLE_NONE, VG_ROUTE_OWN_AUTH, 0, metrics, NULL, state},
    };
    return vg_http_add_routes(srv->http, routes, sizeof routes / sizeof routes[0], err);
}

void vg_ops_free(void *state)
{
    free(state);
}

/*
 * src/server/tlog/tlog.c - GET /transparency/{checkpoint,key,tile/...}
 * (tlog.h).
 */
#include "server/tlog/tlog.h"

#include <stdlib.h>
#include <string.h>

#include "hotline/tlog.h"
#include "web/http.h"

#define PREFIX "/transparency/"

static void not_available(vg_http_request *req, const vg_error *err)
{
    vg_http_text(req, 503, err->message);
}

static void checkpoint_get(vg_http_request *req)
{
    vg_server *srv = vg_http_app(req);
    char *note;
    size_t len;
    vg_error err;
    if (vg_hotline_tlog_latest(srv->hotline, &note, &len, &err) != VG_OK) {
        not_available(req, &err);
        return;
    }
    vg_http_add_header(req, "Cache-Control", "public, max-age=5");
    vg_http_respond(req, 200, "text/plain; charset=utf-8", note, len);
    free(note);
}

static void key_get(vg_http_request *req)
{
    vg_server *srv = vg_http_app(req);
    char *key;
    vg_error err;
    if (vg_hotline_tlog_verifier_key(srv->hotline, &key, &err) != VG_OK) {
        not_available(req, &err);
        return;
    }
    size_t n = strlen(key);
    char *line = malloc(n + 2);
    if (!line) {
        free(key);
        vg_http_text(req, 500, "out of memory");
        return;
    }
    memcpy(line, key, n);
    memcpy(line + n, "\n", 2);
    vg_http_add_header(req, "Cache-Control", "public, max-age=86400");
    vg_http_respond(req, 200, "text/plain; charset=utf-8", line, n + 1);
    free(line);
    free(key);
}

static void tile_get(vg_http_request *req)
{
    vg_server *srv = vg_http_app(req);
    const char *path = vg_http_path(req);
    vg_tlog_tile tile;
    vg_error err;
    if (strncmp(path, PREFIX, strlen(PREFIX)) ||
        vg_tlog_tile_path_parse(path + strlen(PREFIX), &tile, &err) != VG_OK) {
        vg_http_text(req, 404, "no such tile");
        return;
    }
    unsigned char *data;
    size_t len;
    vg_status st = vg_hotline_tlog_tile(srv->hotline, &tile, &data, &len, &err);
    if (st == VG_ERR_INVALID) {
        vg_http_text(req, 404, "the log holds no such tile (yet)");
        return;
    }
    if (st) {
        not_available(req, &err);
        return;
    }
    vg_http_add_header(req, "Cache-Control", tile.width == VG_TLOG_TILE_WIDTH
                                                 ? "public, max-age=31536000, immutable"
                                                 : "public, max-age=5");
    vg_http_respond(req, 200, "application/octet-stream", data, len);
    free(data);
}

vg_status vg_tlog_routes(vg_server *srv, void *state, vg_error *err)
{
    const vg_route routes[] = {
        {"GET", PREFIX "checkpoint", VG_ROLE_NONE, 0, 0, checkpoint_get, NULL, state},
        {"GET", PREFIX "key", VG_ROLE_NONE, 0, 0, key_get, NULL, state},
        {"GET", PREFIX "tile", VG_ROLE_NONE, VG_ROUTE_PREFIX, 0, tile_get, NULL, state},
    };
    return vg_http_add_routes(srv->http, routes, sizeof routes / sizeof routes[0], err);
}

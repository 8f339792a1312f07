/*
 * src/server/ispws/ispws.c - the CyberTipline-compatible intake's
 * settings and route table (ispws.h).
 */
#include "server/ispws/ispws.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

vg_status vg_ispws_api_open(vg_server *srv, void **state, vg_error *err)
{
    vg_ispws_api *api = calloc(1, sizeof *api);
    if (!api)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    *state = api;
    api->srv = srv;
    const char *prefix = vg_config_get(srv->config, "ispws.prefix", "/ispws");
    size_t n = strlen(prefix);
    while (n > 1 && prefix[n - 1] == '/')
        n--;
    if (prefix[0] != '/' || n < 2 || n >= 48 ||
        strspn(prefix, "/abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") < n)
        return vg_error_set(err, VG_ERR_INVALID,
                            "ispws.prefix must be a path such as /ispws (letters, digits, '-', "
                            "'_', '.', '/'; not / alone)");
    snprintf(api->prefix, sizeof api->prefix, "%.*s", (int)n, prefix);
    int64_t max_open;
    vg_status st = vg_config_int(srv->config, "ispws.max_open", 1000, 1, 1000000, &max_open, err);
    return st == VG_OK ? vg_ispws_new(srv->hotline, (size_t)max_open, &api->reports, err) : st;
}

vg_status vg_ispws_api_routes(vg_server *srv, void *state, vg_error *err)
{
    vg_ispws_api *api = state;
    static const char *const paths[] = {"/status",   "/submit", "/upload",
                                        "/fileinfo", "/finish", "/retract"};
    for (size_t i = 0; i < 6; i++)
        snprintf(api->paths[i], sizeof api->paths[i], "%s%s", api->prefix, paths[i]);
    /* Basic credentials, as CyberTipline clients send them; the key must
     * be allowed to send reports. */
    const unsigned k = VG_ROUTE_BASIC_AUTH | VG_ROUTE_SCOPES(VG_SCOPE_REPORT);
    const vg_route routes[] = {
        {"GET", api->paths[0], VG_ROLE_PARTNER, k, 0, vg_ispws_status, NULL, api},
        {"POST", api->paths[1], VG_ROLE_PARTNER, k | VG_ROUTE_RAW, 1 << 20, vg_ispws_submit, NULL,
         api},
        {"POST", api->paths[2], VG_ROLE_PARTNER, k | VG_ROUTE_FILES, srv->max_request_bytes,
         vg_ispws_upload_file, vg_ispws_receive, api},
        {"POST", api->paths[3], VG_ROLE_PARTNER, k | VG_ROUTE_RAW, 1 << 20, vg_ispws_fileinfo, NULL,
         api},
        {"POST", api->paths[4], VG_ROLE_PARTNER, k, 4096, vg_ispws_finish_report, NULL, api},
        {"POST", api->paths[5], VG_ROLE_PARTNER, k, 4096, vg_ispws_retract_report, NULL, api},
    };
    char below[80];
    snprintf(below, sizeof below, "%s/", api->prefix);
    vg_status st = vg_http_set_refusal(srv->http, below, vg_ispws_refuse, err);
    return st == VG_OK
               ? vg_http_add_routes(srv->http, routes, sizeof routes / sizeof routes[0], err)
               : st;
}

void vg_ispws_api_free(void *state)
{
    vg_ispws_api *api = state;
    if (api)
        vg_ispws_free(api->reports);
    free(api);
}

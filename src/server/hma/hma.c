/*
 * src/server/hma/hma.c - the HMA-compatible API's settings and route
 * table (hma.h).
 */
#include "server/hma/hma.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vigie/pdq.h"

vg_status vg_hma_open(vg_server *srv, void **state, vg_error *err)
{
    vg_hma *hma = calloc(1, sizeof *hma);
    if (!hma)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    *state = hma;
    hma->srv = srv;
    const char *prefix = vg_config_get(srv->config, "hma.prefix", "/hma");
    size_t n = strlen(prefix);
    while (n > 1 && prefix[n - 1] == '/')
        n--;
    if (prefix[0] != '/' || n < 2 || n >= 48 ||
        strspn(prefix, "/abcdefghijklmnopqrstuvwxyz"
                       "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") < n)
        return vg_error_set(err, VG_ERR_INVALID,
                            "hma.prefix must be a path such as /hma (letters, digits, '-', '_', "
                            "'.', '/'; not / alone)");
    snprintf(hma->prefix, sizeof hma->prefix, "%.*s", (int)n, prefix);
    int64_t threshold;
    vg_status st = vg_config_int(srv->config, "hma.pdq_threshold", VG_PDQ_MATCH_THRESHOLD, 0,
                                 VG_INDEX_MAX_RADIUS, &threshold, err);
    if (st == VG_OK)
        st = vg_config_size(srv->config, "hma.max_upload", 64ull << 20, 4ull << 30,
                            &hma->max_upload, err);
    if (st == VG_OK)
        st = vg_config_bool(srv->config, "hma.allow_url_fetch", 0, &hma->allow_url_fetch, err);
    /* tests only: their image server is on loopback, over plain http */
    if (st == VG_OK)
        st = vg_config_bool(srv->config, "hma.test_fetch_local", 0, &hma->fetch_local_for_tests,
                            err);
    if (st == VG_OK && hma->fetch_local_for_tests)
        vg_http_log(srv->http, "warning",
                    "hma.test_fetch_local is set: URLs on loopback and private addresses, over "
                    "plain http, are fetched (tests only)");
    hma->pdq_threshold = (int)threshold;
    return st;
}

vg_status vg_hma_routes(vg_server *srv, void *state, vg_error *err)
{
    vg_hma *hma = state;
    static const char *const paths[] = {"/h/hash",         "/m/lookup",  "/m/raw_lookup",
                                        "/m/index/status", "/m/compare", "/c/banks",
                                        "/c/bank"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
        snprintf(hma->paths[i], sizeof hma->paths[i], "%s%s", hma->prefix, paths[i]);
    const unsigned hash = VG_ROUTE_SCOPES(VG_SCOPE_HASH), match = VG_ROUTE_SCOPES(VG_SCOPE_MATCH),
                   curate = VG_ROUTE_SCOPES(VG_SCOPE_CURATE);
    /* A file to hash is held in memory: its own limit, not the intake's. */
    uint64_t upload = hma->max_upload + 65536;
    const vg_route routes[] = {
        {"GET", hma->paths[0], VG_ROLE_PARTNER, hash, 0, vg_hma_hash_get, NULL, hma},
        {"POST", hma->paths[0], VG_ROLE_PARTNER, hash | VG_ROUTE_FILES, upload, vg_hma_hash_post,
         vg_hma_receive, hma},
        {"GET", hma->paths[1], VG_ROLE_PARTNER, match, 0, vg_hma_lookup_get, NULL, hma},
        {"POST", hma->paths[1], VG_ROLE_PARTNER, match | VG_ROUTE_FILES, upload, vg_hma_lookup_post,
         vg_hma_receive, hma},
        {"GET", hma->paths[2], VG_ROLE_PARTNER, match, 0, vg_hma_raw_lookup, NULL, hma},
        {"GET", hma->paths[3], VG_ROLE_PARTNER, match, 0, vg_hma_index_status, NULL, hma},
        {"POST", hma->paths[4], VG_ROLE_PARTNER, match | VG_ROUTE_RAW, 1 << 20, vg_hma_compare,
         NULL, hma},
        {"GET", hma->paths[5], VG_ROLE_PARTNER, curate, 0, vg_hma_banks, NULL, hma},
        {"POST", hma->paths[5], VG_ROLE_PARTNER, curate | VG_ROUTE_RAW, 1 << 20,
         vg_hma_banks_create, NULL, hma},
        {"GET", hma->paths[6], VG_ROLE_PARTNER, curate | VG_ROUTE_PREFIX, 0, vg_hma_bank, NULL,
         hma},
        {"PUT", hma->paths[6], VG_ROLE_PARTNER, curate | VG_ROUTE_PREFIX | VG_ROUTE_RAW, 1 << 20,
         vg_hma_bank_put, NULL, hma},
        {"DELETE", hma->paths[6], VG_ROLE_PARTNER, curate | VG_ROUTE_PREFIX, 0,
         vg_hma_bank_delete, NULL, hma},
        /* content: a file (multipart, held in memory), a URL, or signals as JSON */
        {"POST", hma->paths[6], VG_ROLE_PARTNER,
         curate | VG_ROUTE_PREFIX | VG_ROUTE_RAW | VG_ROUTE_FILES, upload, vg_hma_bank_post,
         vg_hma_receive, hma},
        /* the same in vigie's consistent form (v1.c) */
        {"GET", "/api/v1/banks", VG_ROLE_PARTNER, curate | VG_ROUTE_PREFIX, 0, vg_v1_bank_get,
         NULL, hma},
        {"POST", "/api/v1/banks", VG_ROLE_PARTNER,
         curate | VG_ROUTE_PREFIX | VG_ROUTE_RAW | VG_ROUTE_FILES, upload, vg_v1_bank_post,
         vg_hma_receive, hma},
        {"PUT", "/api/v1/banks", VG_ROLE_PARTNER, curate | VG_ROUTE_PREFIX | VG_ROUTE_RAW,
         1 << 20, vg_v1_bank_put, NULL, hma},
        {"DELETE", "/api/v1/banks", VG_ROLE_PARTNER, curate | VG_ROUTE_PREFIX, 0,
         vg_v1_bank_delete, NULL, hma},
        {"GET", "/api/v1/lookup", VG_ROLE_PARTNER, match, 0, vg_v1_lookup, NULL, hma},
        {"POST", "/api/v1/lookup", VG_ROLE_PARTNER, match | VG_ROUTE_FILES, upload, vg_v1_lookup,
         vg_hma_receive, hma},
    };
    char below[80];
    snprintf(below, sizeof below, "%s/", hma->prefix);
    vg_status st = vg_http_set_refusal(srv->http, below, vg_hma_refuse, err);
    return st == VG_OK
               ? vg_http_add_routes(srv->http, routes, sizeof routes / sizeof routes[0], err)
               : st;
}

void vg_hma_free(void *state)
{
    free(state);
}

/*
 * src/server/console/console.c - the console module: its settings and its
 * routes (console.h).
 */
#include "server/console/console.h"

#include <stdlib.h>
#include <time.h>

/* ---- the module ------------------------------------------------------------ */

vg_status vg_console_open(vg_server *srv, void **state, vg_error *err)
{
    vg_console *con = calloc(1, sizeof *con);
    if (!con)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    *state = con;
    con->hotline = srv->hotline;
    con->i18n = srv->i18n;
    vg_config *cfg = srv->config;
    int64_t preview, blur, clear;
    vg_status st;
    if ((st = vg_config_int(cfg, "console.target_hours", 24, 1, 24 * 365, &con->target_hours,
                            err)) ||
        (st = vg_config_int(cfg, "console.preview_size", 96, 16, 512, &preview, err)) ||
        (st = vg_config_int(cfg, "console.preview_blur", 4, 0, 64, &blur, err)) ||
        (st = vg_config_int(cfg, "console.preview_clear_size", 480, 64, 2048, &clear, err)))
        return st;
    con->blurred =
        (vg_thumb_options){.max_side = (uint32_t)preview, .grey = 1, .blur = (uint32_t)blur};
    con->clear = (vg_thumb_options){.max_side = (uint32_t)clear};
    /* Banks may have changed since the last start (a new index, a newly
     * trusted bank): whatever they now decide leaves the queue before
     * anyone opens it. */
    size_t decided = 0;
    if ((st = vg_hotline_auto_assess(con->hotline, VG_AUTO_ALL, 0, (int64_t)time(NULL), &decided,
                                     err)) != VG_OK)
        return st;
    return VG_OK;
}

void vg_console_free(void *state)
{
    free(state);
}

vg_status vg_console_routes(vg_server *srv, void *state, vg_error *err)
{
    vg_console *con = state;
    const vg_route routes[] = {
        {"GET", "/console", VG_ROLE_ANALYST, 0, 0, vg_console_home_page, NULL, con},
        {"GET", "/console/queue", VG_ROLE_ANALYST, 0, 0, vg_console_queue_page, NULL, con},
        {"GET", "/console/account", VG_ROLE_ANALYST, 0, 0, vg_console_account_page, NULL, con},
        {"POST", "/console/account", VG_ROLE_ANALYST, VG_ROUTE_CSRF, 4096,
         vg_console_account_post, NULL, con},
        {"POST", "/console/claim", VG_ROLE_ANALYST, VG_ROUTE_CSRF, 4096, vg_console_claim_post,
         NULL, con},
        {"POST", "/console/release", VG_ROLE_ANALYST, VG_ROUTE_CSRF, 4096, vg_console_release_post,
         NULL, con},
        {"GET", "/console/item", VG_ROLE_ANALYST, 0, 0, vg_console_item_page, NULL, con},
        {"POST", "/console/assess", VG_ROLE_ANALYST, VG_ROUTE_CSRF, 65536, vg_console_assess_post,
         NULL, con},
        {"GET", "/console/files", VG_ROLE_ANALYST, VG_ROUTE_PREFIX | VG_ROUTE_EFFECTS, 0,
         vg_console_preview, NULL, con},
        {"POST", "/console/files", VG_ROLE_ANALYST, VG_ROUTE_PREFIX | VG_ROUTE_CSRF, 4096,
         vg_console_preview, NULL, con},
        {"GET", "/console/case", VG_ROLE_ANALYST, 0, 0, vg_console_case_page, NULL, con},
        {"POST", "/console/contact", VG_ROLE_ANALYST, VG_ROUTE_CSRF, 4096,
         vg_console_contact_post, NULL, con},
        {"POST", "/console/settle", VG_ROLE_SUPERVISOR, VG_ROUTE_CSRF, 4096,
         vg_console_settle_post, NULL, con},
        {"POST", "/console/reopen", VG_ROLE_SUPERVISOR, VG_ROUTE_CSRF, 8192,
         vg_console_reopen_post, NULL, con},
        {"POST", "/console/next", VG_ROLE_ANALYST, VG_ROUTE_CSRF, 4096, vg_console_next_post,
         NULL, con},
        {"GET", "/console/search", VG_ROLE_ANALYST, 0, 0, vg_console_search_page, NULL, con},
        {"GET", "/console/alerts", VG_ROLE_ANALYST, 0, 0, vg_console_alerts_page, NULL, con},
        {"POST", "/console/route", VG_ROLE_ANALYST, VG_ROUTE_CSRF, 4096, vg_console_route_post,
         NULL, con},
        {"POST", "/console/route/removed", VG_ROLE_ANALYST, VG_ROUTE_CSRF, 8192,
         vg_console_route_removed_post, NULL, con},
        {"GET", "/console/stats", VG_ROLE_SUPERVISOR, 0, 0, vg_console_stats_page, NULL, con},
        {"POST", "/console/alerts/ack", VG_ROLE_ANALYST, VG_ROUTE_CSRF, 4096,
         vg_console_alert_ack_post, NULL, con},
        {"GET", "/console/notices", VG_ROLE_ANALYST, 0, 0, vg_console_notices_page, NULL, con},
        {"GET", "/console/notice", VG_ROLE_ANALYST, 0, 0, vg_console_notice_page, NULL, con},
        {"POST", "/console/notice/confirm", VG_ROLE_ANALYST, VG_ROUTE_CSRF, 4096,
         vg_console_notice_confirm_post, NULL, con},
        {"GET", "/console/providers", VG_ROLE_SUPERVISOR, 0, 0, vg_console_providers_page, NULL,
         con},
        {"GET", "/console/blocklist", VG_ROLE_ANALYST, 0, 0, vg_console_blocklist_page, NULL, con},
        {"GET", "/console/blocklist/proposals", VG_ROLE_ANALYST, 0, 0,
         vg_console_block_proposals_page, NULL, con},
        {"GET", "/console/blocklist/expiring", VG_ROLE_ANALYST, 0, 0,
         vg_console_block_expiring_page, NULL, con},
        {"GET", "/console/blocklist/appeals", VG_ROLE_ANALYST, 0, 0,
         vg_console_block_appeals_page, NULL, con},
        {"POST", "/console/blocklist/propose", VG_ROLE_ANALYST, VG_ROUTE_CSRF, 4096,
         vg_console_block_propose_post, NULL, con},
        {"POST", "/console/blocklist/decide", VG_ROLE_SUPERVISOR, VG_ROUTE_CSRF, 8192,
         vg_console_block_decide_post, NULL, con},
        {"POST", "/console/blocklist/renew", VG_ROLE_ANALYST, VG_ROUTE_CSRF, 4096,
         vg_console_block_renew_post, NULL, con},
        {"POST", "/console/blocklist/appeal", VG_ROLE_SUPERVISOR, VG_ROUTE_CSRF, 8192,
         vg_console_block_appeal_post, NULL, con},
        {"POST", "/console/blocklist/opening", VG_ROLE_SUPERVISOR, VG_ROUTE_CSRF, 4096,
         vg_console_block_opening_post, NULL, con},
    };
    vg_status st = vg_http_add_routes(srv->http, routes, sizeof routes / sizeof routes[0], err);
    static const char *const staff[] = {"/console", "/login", "/logout"};
    for (size_t i = 0; st == VG_OK && i < sizeof staff / sizeof staff[0]; i++)
        st = vg_http_add_error_page(srv->http, staff[i], VG_ROUTE_PREFIX, vg_console_error_hook,
                                    con, err);
    return st;
}

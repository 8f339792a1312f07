/*
 * src/server/admin/frame.c - what the administration pages share (admin.h).
 */
#include <jansson.h>
#include <stdio.h>
#include <time.h>

#include "server/admin/admin.h"

static const vg_page_link NAV[] = {
    {"/console/admin", "Health"},         {"/console/admin/users", "People"},
    {"/console/admin/keys", "Partner keys"}, {"/console/admin/banks", "Banks"},
    {"/console/admin/audit", "Audit log"}, {"/console", "Console"},
};

void vg_admin_page_open(vg_page *p, vg_http_request *req, const char *title, const char *current)
{
    const vg_http_caller *who = vg_http_caller_of(req);
    vg_page_frame frame = {.kind = VG_PAGE_STAFF,
                           .title = title,
                           .nav = NAV,
                           .nav_count = sizeof NAV / sizeof NAV[0],
                           .current = current,
                           .user = who->username ? who->username : "",
                           .role = vg_role_name(who->role)};
    vg_page_open(p, req, &frame);
}

void vg_admin_actor(vg_http_request *req, char *out, size_t cap)
{
    const vg_http_caller *who = vg_http_caller_of(req);
    snprintf(out, cap, "user:%.120s", who->username ? who->username : "");
}

void vg_admin_time(vg_page *p, int64_t when)
{
    char text[32];
    time_t t = (time_t)when;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", &tm);
    vg_page_put(p, text);
}

void vg_admin_message(vg_page *p, const char *text, int problem)
{
    vg_page_put(p, problem ? "<p class=\"msg err\" role=\"alert\">"
                           : "<p class=\"msg\" role=\"status\">");
    vg_page_text(p, text);
    vg_page_put(p, "</p>");
}

void vg_admin_unavailable(vg_http_request *req, const vg_error *err)
{
    json_t *fields = json_pack("{s:s, s:s}", "path", vg_http_path(req), "error", err->message);
    vg_http_log_json(vg_http_server(req), "error", "administration page failed", fields);
    json_decref(fields);
    vg_http_error_page(req, 503,
                       "The hotline's data cannot be read just now. Try again in a "
                       "moment; if it persists, the server's log says why.");
}

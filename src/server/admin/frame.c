/*
 * src/server/admin/frame.c - what the administration pages share (admin.h).
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "server/admin/admin.h"

/* The navigation: English, and the catalogue key of each label. */
static const struct {
    vg_page_link link;
    const char *key;
} NAV[] = {
    {{"/console/admin", "Health"}, "admin.nav.health"},
    {{"/console/admin/users", "People"}, "admin.nav.users"},
    {{"/console/admin/keys", "Partner keys"}, "admin.nav.keys"},
    {{"/console/admin/banks", "Banks"}, "admin.nav.banks"},
    {{"/console/admin/audit", "Audit log"}, "admin.nav.audit"},
    {{"/console", "Console"}, "admin.nav.console"},
};
#define NAV_COUNT (sizeof NAV / sizeof NAV[0])

void vg_admin_page_open(vg_page *p, vg_http_request *req, const char *title, const char *current)
{
    const vg_http_caller *who = vg_http_caller_of(req);
    /* A translated page set p->lang; the others stay English as a whole
     * (<html lang="en">), navigation included. */
    vg_page_link nav[NAV_COUNT];
    for (size_t i = 0; i < NAV_COUNT; i++) {
        nav[i] = NAV[i].link;
        if (p->lang)
            nav[i].label = vg_i18n_get(p->lang, NAV[i].key);
    }
    char key[48];
    snprintf(key, sizeof key, "console.role.%s", vg_role_name(who->role));
    const char *role = p->lang ? vg_i18n_lookup(p->lang, key) : NULL;
    vg_page_frame frame = {.kind = VG_PAGE_STAFF,
                           .title = title,
                           .nav = nav,
                           .nav_count = NAV_COUNT,
                           .current = current,
                           .user = who->username ? who->username : "",
                           .role = role ? role : vg_role_name(who->role)};
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
    vg_page_text(p, p->lang && !strncmp(text, "admin.", 6) ? vg_i18n_get(p->lang, text) : text);
    vg_page_put(p, "</p>");
}

void vg_admin_unavailable(vg_http_request *req, const vg_error *err)
{
    json_t *fields = json_pack("{s:s, s:s}", "path", vg_http_path(req), "error", err->message);
    vg_http_log_json(vg_http_server(req), "error", "administration page failed", fields);
    json_decref(fields);
    vg_http_error_page(req, 503, vg_server_tr(req, "admin.unavailable"));
}

/*
 * src/server/admin/health.c - /console/admin: the server's health at a
 * glance (admin.h).
 */
#include <inttypes.h>

#include "hotline/bank_admin.h"
#include "server/admin/admin.h"

static void figure(vg_page *p, const char *label, int64_t value)
{
    vg_page_put(p, "<tr><th scope=\"row\">");
    vg_page_t(p, label);
    vg_page_fmt(p, "</th><td class=\"num\">%" PRId64 "</td></tr>", value);
}

void vg_admin_home_page(vg_http_request *req)
{
    vg_admin *a = vg_http_route_ctx(req);
    vg_health h;
    vg_error err;
    if (vg_hotline_health(a->hotline, &h, &err) != VG_OK) {
        vg_admin_unavailable(req, &err);
        return;
    }
    vg_page p = {0};
    p.lang = vg_server_staff_lang(req);
    vg_admin_page_open(&p, req, vg_i18n_get(p.lang, "admin.health.title"), "/console/admin");
    if (h.index_problem[0]) {
        vg_page_put(&p, "<p class=\"msg err\" role=\"alert\">");
        vg_page_t(&p, "admin.health.index_problem");
        vg_page_put(&p, " ");
        vg_page_text(&p, h.index_problem);
        vg_page_put(&p, "</p>");
    }
    vg_page_put(&p, "<table><caption>");
    vg_page_t(&p, "admin.health.work");
    vg_page_put(&p, "</caption><tbody>");
    figure(&p, "admin.health.open", h.items_open);
    figure(&p, "admin.health.second", h.items_second);
    figure(&p, "admin.health.disputed", h.items_disputed);
    figure(&p, "admin.health.confirmed", h.items_confirmed);
    figure(&p, "admin.health.automatic", h.items_automatic);
    vg_page_put(&p, "</tbody></table><table><caption>");
    vg_page_t(&p, "admin.health.storage");
    vg_page_put(&p, "</caption><tbody>");
    figure(&p, "admin.health.schema", h.schema_version);
    figure(&p, "admin.health.writes", (int64_t)h.store.writes);
    figure(&p, "admin.health.failed_writes", (int64_t)h.store.failed_writes);
    figure(&p, "admin.health.commits", (int64_t)h.store.commits);
    figure(&p, "admin.health.audit_entries", h.audit_entries);
    figure(&p, "admin.health.own_bank", h.own_bank_entries);
    vg_page_put(&p, "</tbody></table><table><caption>");
    vg_page_t(&p, "admin.health.index");
    vg_page_put(&p, " (intake.index)</caption><tbody>");
    if (!h.index_configured) {
        vg_page_put(&p, "<tr><td>");
        vg_page_t(&p, "admin.health.no_index");
        vg_page_put(&p, "</td></tr>");
    } else {
        figure(&p, "admin.health.banks", h.index.banks);
        figure(&p, "admin.health.live", (int64_t)h.index.live_entries);
        figure(&p, "admin.health.removed", (int64_t)h.index.removed);
        figure(&p, "admin.health.delta", (int64_t)h.index.delta_entries);
        figure(&p, "admin.health.file_size", (int64_t)h.index.file_bytes);
    }
    vg_page_put(&p, "</tbody></table><p>");
    vg_page_t(&p, "admin.health.monitoring");
    vg_page_put(&p, " <code>/healthz</code>, <code>/metrics</code>.</p>");
    vg_page_send(&p, req, 200);
}

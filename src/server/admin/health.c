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
    vg_page_text(p, label);
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
    vg_admin_page_open(&p, req, "Administration: the server's health", "/console/admin");
    if (h.index_problem[0]) {
        vg_page_put(&p, "<p class=\"msg err\" role=\"alert\">The index file was replaced but "
                        "cannot be opened; the one opened before is still used: ");
        vg_page_text(&p, h.index_problem);
        vg_page_put(&p, "</p>");
    }
    vg_page_put(&p, "<table><caption>Work</caption><tbody>");
    figure(&p, "Open items (waiting for a first assessment)", h.items_open);
    figure(&p, "Awaiting a second opinion", h.items_second);
    figure(&p, "Disputed (for a supervisor)", h.items_disputed);
    figure(&p, "Confirmed by four-eyes", h.items_confirmed);
    figure(&p, "Assessed automatically", h.items_automatic);
    vg_page_put(&p, "</tbody></table><table><caption>Storage</caption><tbody>");
    figure(&p, "Database schema version", h.schema_version);
    figure(&p, "Writes since start", (int64_t)h.store.writes);
    figure(&p, "Failed writes since start", (int64_t)h.store.failed_writes);
    figure(&p, "Commits since start", (int64_t)h.store.commits);
    figure(&p, "Audit log entries", h.audit_entries);
    figure(&p, "Entries in the organisation's bank", h.own_bank_entries);
    vg_page_put(&p, "</tbody></table><table><caption>Index (intake.index)</caption><tbody>");
    if (!h.index_configured) {
        vg_page_put(&p, "<tr><td>No index is configured: only the organisation's bank "
                        "recognises known material.</td></tr>");
    } else {
        figure(&p, "Banks", h.index.banks);
        figure(&p, "Live entries", (int64_t)h.index.live_entries);
        figure(&p, "Removed entries (until compacted)", (int64_t)h.index.removed);
        figure(&p, "Entries added since the last build", (int64_t)h.index.delta_entries);
        figure(&p, "File size (bytes)", (int64_t)h.index.file_bytes);
    }
    vg_page_put(&p, "</tbody></table><p>Monitoring reads <code>/healthz</code> and "
                    "<code>/metrics</code>.</p>");
    vg_page_send(&p, req, 200);
}

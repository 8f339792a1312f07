/*
 * src/server/console/case.c - the case view: everything linked to one case.
 *
 * Reports join a case when they share a canonical URL, a file SHA-256 or a
 * (platform, account) pair, or a near-identical picture, as they arrive;
 * the view adds the other cases holding a near-identical file by PDQ
 * (hotline/cases.h). The timeline merges each report's arrival with every
 * audited action on its reports and files, and the messages of its
 * notices to hosts.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hotline/cases.h"
#include "server/console/console.h"

static void host_of(const char *url, char *out, size_t cap)
{
    const char *s = url ? strstr(url, "://") : NULL;
    s = s ? s + 3 : (url ? url : "");
    size_t n = strcspn(s, "/?#");
    snprintf(out, cap, "%.*s", (int)n, s);
}

void vg_console_case_page(vg_http_request *req)
{
    vg_console *con = vg_http_route_ctx(req);
    int64_t case_id = vg_console_id(vg_http_query(req, "id"));
    if (!case_id) {
        vg_http_error_page(req, 400, "Which case? The address needs ?id=NUMBER.");
        return;
    }
    vg_error err;
    vg_case_view v;
    int found = 0;
    if (vg_hotline_case(con->hotline, case_id, &v, &found, &err) != VG_OK) {
        vg_console_unavailable(req, &err);
        return;
    }
    if (!found) {
        vg_http_error_page(req, 404, "There is no such case.");
        return;
    }
    size_t nitems = v.item_count, nfiles = v.file_count, nurls = v.url_count;
    const vg_item *items = v.items;
    const vg_item_url *urls = v.urls;
    char title[48];
    snprintf(title, sizeof title, "Case #%" PRId64, case_id);
    vg_page p = {0};
    vg_console_page_open(&p, req, title, NULL);
    vg_page_fmt(&p, "<p>%zu report%s, %zu file%s, %zu URL%s.</p>", nitems, nitems == 1 ? "" : "s",
                nfiles, nfiles == 1 ? "" : "s", nurls, nurls == 1 ? "" : "s");

    vg_page_put(&p, "<h2>Reports</h2><table><thead><tr><th scope=\"col\">Report</th>"
                    "<th scope=\"col\">Received</th><th scope=\"col\">Source</th>"
                    "<th scope=\"col\">About</th><th scope=\"col\">Account</th>"
                    "<th scope=\"col\">Assessment</th><th scope=\"col\">Reporter reads on /status"
                    "</th></tr></thead><tbody>");
    for (size_t i = 0; i < nitems; i++) {
        const vg_item *it = &items[i];
        vg_page_fmt(&p, "<tr><td><a href=\"/console/item?id=%" PRId64 "\">", it->report_id);
        vg_page_text(&p, it->receipt_code);
        vg_page_put(&p, "</a></td><td>");
        vg_console_time(&p, it->created_at);
        vg_page_put(&p, "</td><td>");
        vg_page_text(&p, it->source);
        vg_page_put(&p, "</td><td>");
        vg_page_text(&p, vg_console_label(it->category));
        vg_page_put(&p, "</td><td>");
        if (it->account) {
            vg_page_text(&p, it->platform ? it->platform : "?");
            vg_page_put(&p, ": ");
            vg_page_text(&p, it->account);
        }
        vg_page_put(&p, "</td><td>");
        vg_page_text(&p, vg_console_label(it->state));
        /* Before confirmation the answers stay hidden (blind four-eyes). */
        int decided = !strcmp(it->state, VG_ITEM_CONFIRMED) || !strcmp(it->state, VG_ITEM_AUTO);
        if (it->legal && decided) {
            vg_page_put(&p, " · ");
            vg_page_text(&p, vg_console_label(it->legal));
            if (it->severity && *it->severity) {
                vg_page_put(&p, " ");
                vg_page_text(&p, it->severity);
            }
        }
        /* A decision inherited from another report says which. */
        if (it->decided_from)
            vg_page_fmt(&p, " <small>(from report %" PRId64 ")</small>", it->decided_from);
        vg_page_put(&p, "</td><td>");
        vg_console_reporter_sees(&p, con, it->status);
        vg_page_put(&p, "</td></tr>");
    }
    vg_page_put(&p, "</tbody></table>");

    vg_page_put(&p, "<h2 id=\"reporters\">What the reporters told us</h2>");
    for (size_t i = 0; i < nitems; i++)
        vg_console_reporter_section(&p, req, &items[i], 0);

    vg_page_put(&p, "<h2>Files</h2>");
    vg_console_files_table(&p, req, con, NULL, v.files, nfiles);

    vg_page_put(&p, "<h2>URLs and hosts</h2>");
    if (!nurls) {
        vg_page_put(&p, "<p>No URLs.</p>");
    } else {
        vg_page_put(&p, "<table><thead><tr><th scope=\"col\">Host</th><th scope=\"col\">Canonical"
                        " URL</th><th scope=\"col\">As reported</th><th scope=\"col\">Report</th>"
                        "</tr></thead><tbody>");
        for (size_t i = 0; i < nurls; i++) {
            char host[256];
            host_of(urls[i].canonical, host, sizeof host);
            vg_page_put(&p, "<tr><td>");
            vg_page_text(&p, host);
            vg_page_put(&p, "</td><td class=\"hash\">");
            vg_page_text(&p, urls[i].canonical);
            vg_page_put(&p, "</td><td class=\"hash\">");
            vg_page_text(&p, urls[i].url);
            vg_page_fmt(&p, "</td><td>%" PRId64 "</td></tr>", urls[i].report_id);
        }
        vg_page_put(&p, "</tbody></table>");
    }

    vg_console_routes_table(&p, req, con, 0, case_id);

    vg_page_put(&p, "<h2>Notices to hosts</h2>");
    if (!v.notice_count)
        vg_page_put(&p, "<p>No notice.</p>");
    else
        vg_console_notice_table(&p, v.notices, v.notice_count, (int64_t)time(NULL));

    vg_page_put(&p, "<h2>Linked cases</h2><p>Reports sharing a file, a URL or an account are "
                    "already in this case. Near-identical files (PDQ) link to: ");
    if (!v.linked_count)
        vg_page_put(&p, "none.");
    for (size_t i = 0; i < v.linked_count; i++)
        vg_page_fmt(&p, "%s<a href=\"/console/case?id=%" PRId64 "\">case #%" PRId64 "</a>",
                    i ? ", " : "", v.linked[i], v.linked[i]);
    vg_page_put(&p, "</p>");

    vg_page_put(&p, "<h2>Timeline</h2>");
    vg_page_put(&p, "<table><thead><tr><th scope=\"col\">When</th><th scope=\"col\">Who</th>"
                    "<th scope=\"col\">What</th><th scope=\"col\">On</th></tr></thead><tbody>");
    for (size_t i = 0; i < v.event_count; i++) {
        char when[32];
        time_t at = (time_t)v.events[i].time;
        struct tm tm;
        gmtime_r(&at, &tm);
        strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm);
        vg_page_put(&p, "<tr><td>");
        vg_page_put(&p, when);
        vg_page_put(&p, "</td><td>");
        vg_page_text(&p, v.events[i].actor);
        vg_page_put(&p, "</td><td>");
        vg_page_text(&p, v.events[i].action);
        vg_page_put(&p, "</td><td>");
        vg_page_text(&p, v.events[i].target);
        vg_page_put(&p, "</td></tr>");
    }
    vg_page_put(&p, "</tbody></table>");
    vg_case_view_clear(&v);
    vg_page_send(&p, req, 200);
}

/*
 * src/server/console/home.c - /console: where staff land after signing in,
 * the newest reports at a glance.
 */
#include <inttypes.h>
#include <stdlib.h>

#include "hotline/intake.h"
#include "server/console/console.h"

#define HOME_REPORTS 50

void vg_console_home_page(vg_http_request *req)
{
    vg_console *con = vg_http_route_ctx(req);
    vg_report_row *rows = NULL;
    size_t count = 0;
    vg_error err;
    if (vg_hotline_reports_recent(con->hotline, HOME_REPORTS, &rows, &count, &err) != VG_OK) {
        vg_console_unavailable(req, &err);
        return;
    }
    vg_page p = {0};
    p.lang = vg_server_staff_lang(req);
    vg_console_page_open(&p, req, vg_i18n_get(p.lang, "console.home.title"), "/console");
    vg_page_put(&p, "<p><a href=\"/console/queue\">");
    vg_page_t(&p, "console.home.queue_link");
    vg_page_put(&p, "</a></p>");
    if (!count) {
        vg_page_put(&p, "<p>");
        vg_page_t(&p, "console.home.none");
        vg_page_put(&p, "</p>");
    } else {
        static const char *const COLUMNS[] = {
            "console.col.receipt", "console.col.received", "console.col.source",
            "console.col.about",   "console.col.urls",     "console.col.files",
            "console.col.case",    "console.col.reporter_reads",
        };
        vg_page_put(&p, "<table><caption>");
        vg_page_t(&p, "console.home.caption");
        vg_page_put(&p, "</caption><thead><tr>");
        vg_page_th_cols(&p, COLUMNS, sizeof COLUMNS / sizeof COLUMNS[0]);
        vg_page_put(&p, "</tr></thead><tbody>");
        for (size_t i = 0; i < count; i++) {
            const vg_report_row *r = &rows[i];
            vg_page_fmt(&p, "<tr><td><a href=\"/console/item?id=%" PRId64 "\">", r->id);
            vg_page_text(&p, r->receipt_code);
            vg_page_put(&p, "</a></td><td>");
            vg_console_time(&p, r->created_at);
            vg_page_put(&p, "</td><td>");
            vg_page_text(&p, vg_console_source(&p, r->source));
            vg_page_put(&p, "</td><td>");
            vg_page_text(&p, vg_console_term(&p, r->category));
            vg_page_fmt(&p,
                        "</td><td class=\"num\">%zu</td><td class=\"num\">%zu</td><td>"
                        "<a href=\"/console/case?id=%" PRId64 "\">#%" PRId64 "</a></td><td>",
                        r->url_count, r->file_count, r->case_id, r->case_id);
            vg_console_reporter_sees(&p, con, r->status);
            vg_page_put(&p, "</td></tr>");
        }
        vg_page_put(&p, "</tbody></table>");
    }
    for (size_t i = 0; i < count; i++)
        vg_report_row_clear(&rows[i]);
    free(rows);
    vg_page_send(&p, req, 200);
}

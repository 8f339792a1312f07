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
        vg_http_error_page(req, 400, vg_console_tr(req, "console.case.no_id"));
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
        vg_http_error_page(req, 404, vg_console_tr(req, "console.case.no_such"));
        return;
    }
    size_t nitems = v.item_count, nfiles = v.file_count, nurls = v.url_count;
    const vg_item *items = v.items;
    const vg_item_url *urls = v.urls;
    vg_page p = {0};
    p.lang = vg_server_staff_lang(req);
    char title[256], number[24];
    snprintf(number, sizeof number, "%" PRId64, case_id);
    const char *pattern = vg_i18n_get(p.lang, "console.case.title");
    const char *at = strstr(pattern, "{id}");
    if (at)
        snprintf(title, sizeof title, "%.*s%s%s", (int)(at - pattern), pattern, number, at + 4);
    else
        snprintf(title, sizeof title, "%s", pattern);
    vg_console_page_open(&p, req, title, NULL);
    {
        char a[24], b[24], c[24];
        snprintf(a, sizeof a, "%zu", nitems);
        snprintf(b, sizeof b, "%zu", nfiles);
        snprintf(c, sizeof c, "%zu", nurls);
        const char *names[] = {"reports", "files", "urls"}, *values[] = {a, b, c};
        vg_page_put(&p, "<p>");
        vg_page_tv(&p, "console.case.counts", 3, names, values);
        vg_page_put(&p, "</p>");
    }

    static const char *const REPORT_COLUMNS[] = {
        "console.col.report", "console.col.received",  "console.col.source",
        "console.col.about",  "console.item.account",  "console.item.assessment",
        "console.case.col.reporter_reads",
    };
    vg_page_put(&p, "<h2>");
    vg_page_t(&p, "console.case.reports");
    vg_page_put(&p, "</h2><table><thead><tr>");
    vg_page_th_cols(&p, REPORT_COLUMNS, sizeof REPORT_COLUMNS / sizeof REPORT_COLUMNS[0]);
    vg_page_put(&p, "</tr></thead><tbody>");
    for (size_t i = 0; i < nitems; i++) {
        const vg_item *it = &items[i];
        vg_page_fmt(&p, "<tr><td><a href=\"/console/item?id=%" PRId64 "\">", it->report_id);
        vg_page_text(&p, it->receipt_code);
        vg_page_put(&p, "</a></td><td>");
        vg_console_time(&p, it->created_at);
        vg_page_put(&p, "</td><td>");
        vg_page_text(&p, vg_console_source(&p, it->source));
        vg_page_put(&p, "</td><td>");
        vg_page_text(&p, vg_console_term(&p, it->category));
        vg_page_put(&p, "</td><td>");
        if (it->account) {
            vg_page_text(&p, it->platform ? it->platform : "?");
            vg_page_put(&p, ": ");
            vg_page_text(&p, it->account);
        }
        vg_page_put(&p, "</td><td>");
        vg_page_text(&p, vg_console_term(&p, it->state));
        /* Before confirmation the answers stay hidden (blind four-eyes). */
        int decided = !strcmp(it->state, VG_ITEM_CONFIRMED) || !strcmp(it->state, VG_ITEM_AUTO);
        if (it->legal && decided) {
            vg_page_put(&p, " · ");
            vg_page_text(&p, vg_console_term(&p, it->legal));
            if (it->severity && *it->severity) {
                vg_page_put(&p, " ");
                vg_page_text(&p, it->severity);
            }
        }
        /* A decision inherited from another report says which. */
        if (it->decided_from) {
            vg_page_put(&p, " <small>(");
            vg_console_tn(&p, "console.case.from_report", "id", it->decided_from);
            vg_page_put(&p, ")</small>");
        }
        vg_page_put(&p, "</td><td>");
        vg_console_reporter_sees(&p, con, it->status);
        vg_page_put(&p, "</td></tr>");
    }
    vg_page_put(&p, "</tbody></table>");

    vg_page_put(&p, "<h2 id=\"reporters\">");
    vg_page_t(&p, "console.case.reporters");
    vg_page_put(&p, "</h2>");
    for (size_t i = 0; i < nitems; i++)
        vg_console_reporter_section(&p, req, &items[i], 0);

    vg_page_put(&p, "<h2>");
    vg_page_t(&p, "console.col.files");
    vg_page_put(&p, "</h2>");
    vg_console_files_table(&p, req, con, NULL, v.files, nfiles);

    vg_page_put(&p, "<h2>");
    vg_page_t(&p, "console.case.urls");
    vg_page_put(&p, "</h2>");
    if (!nurls) {
        vg_page_put(&p, "<p>");
        vg_page_t(&p, "console.case.no_urls");
        vg_page_put(&p, "</p>");
    } else {
        static const char *const URL_COLUMNS[] = {"console.case.col.host", "console.case.col.canonical",
                                                  "console.case.col.as_reported",
                                                  "console.col.report"};
        vg_page_put(&p, "<table><thead><tr>");
        vg_page_th_cols(&p, URL_COLUMNS, sizeof URL_COLUMNS / sizeof URL_COLUMNS[0]);
        vg_page_put(&p, "</tr></thead><tbody>");
        for (size_t i = 0; i < nurls; i++) {
            char host[256];
            host_of(urls[i].canonical, host, sizeof host);
            vg_page_put(&p, "<tr><td dir=\"ltr\">");
            vg_page_text(&p, host);
            vg_page_put(&p, "</td><td class=\"hash\" dir=\"ltr\">");
            vg_page_text(&p, urls[i].canonical);
            vg_page_put(&p, "</td><td class=\"hash\" dir=\"ltr\">");
            vg_page_text(&p, urls[i].url);
            vg_page_fmt(&p, "</td><td>%" PRId64 "</td></tr>", urls[i].report_id);
        }
        vg_page_put(&p, "</tbody></table>");
    }

    vg_console_routes_table(&p, req, con, 0, case_id);

    vg_page_put(&p, "<h2>");
    vg_page_t(&p, "console.notices.title");
    vg_page_put(&p, "</h2>");
    if (!v.notice_count) {
        vg_page_put(&p, "<p>");
        vg_page_t(&p, "console.notices.none");
        vg_page_put(&p, "</p>");
    } else {
        vg_console_notice_table(&p, v.notices, v.notice_count, (int64_t)time(NULL));
    }

    vg_page_put(&p, "<h2>");
    vg_page_t(&p, "console.case.linked");
    vg_page_put(&p, "</h2><p>");
    vg_page_t(&p, "console.case.linked_intro");
    vg_page_put(&p, " ");
    if (!v.linked_count)
        vg_page_t(&p, "console.case.linked_none");
    for (size_t i = 0; i < v.linked_count; i++) {
        vg_page_fmt(&p, "%s<a href=\"/console/case?id=%" PRId64 "\">", i ? ", " : "",
                    v.linked[i]);
        vg_console_tn(&p, "console.case.case_n", "id", v.linked[i]);
        vg_page_put(&p, "</a>");
    }
    vg_page_put(&p, "</p>");

    /* the audit's actions stay its codes: they are what the log says */
    static const char *const TIMELINE_COLUMNS[] = {"console.case.col.when", "console.case.col.who",
                                                   "console.case.col.what", "console.case.col.on"};
    vg_page_put(&p, "<h2>");
    vg_page_t(&p, "console.case.timeline");
    vg_page_put(&p, "</h2><table><thead><tr>");
    vg_page_th_cols(&p, TIMELINE_COLUMNS, 4);
    vg_page_put(&p, "</tr></thead><tbody>");
    for (size_t i = 0; i < v.event_count; i++) {
        char when[32];
        time_t at = (time_t)v.events[i].time;
        struct tm tm;
        gmtime_r(&at, &tm);
        strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm);
        vg_page_put(&p, "<tr><td dir=\"ltr\">");
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

/*
 * src/server/console/providers.c - /console/providers: time to removal
 * per provider and per AS for supervisors (issue 15; hotline/takedown.h),
 * a row per provider and a row per AS, the slowest first (or the most
 * notices, or by name), each with a link to its notices still up; the
 * tables as CSV or JSON lines to download (?format=csv|json&by=provider|asn),
 * as the statistics pages give theirs.
 *
 * Aggregate figures, as the statistics: the view is not audited (the
 * console audits what shows evidence or a reporter's details).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hotline/takedown.h"
#include "server/console/console.h"

/* text as a value of a query string, inside an attribute */
static void query_value(vg_page *p, const char *text)
{
    for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
        if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
            *c == '-' || *c == '_' || *c == '.')
            vg_page_fmt(p, "%c", *c);
        else
            vg_page_fmt(p, "%%%02X", *c);
    }
}

static void hours_cell(vg_page *p, double hours)
{
    if (hours < 0)
        vg_page_put(p, "<td class=\"num\">-</td>");
    else
        vg_page_fmt(p, "<td class=\"num\">%.2f h</td>", hours);
}

static void share_cell(vg_page *p, int64_t count, int64_t sent)
{
    vg_page_fmt(p, "<td class=\"num\">%.1f%% (%" PRId64 ")</td>",
                sent ? 100.0 * (double)count / (double)sent : 0.0, count);
}

static void measures(vg_page *p, const vg_takedown_row *r)
{
    vg_page_fmt(p, "<td class=\"num\">%" PRId64 "</td><td class=\"num\">%" PRId64
                   "</td><td class=\"num\">%" PRId64 "</td>",
                r->sent, r->removed, r->still_up);
    hours_cell(p, r->median_h);
    hours_cell(p, r->p90_h);
    share_cell(p, r->within_24h, r->sent);
    share_cell(p, r->within_3d, r->sent);
    share_cell(p, r->within_7d, r->sent);
    share_cell(p, r->over_42d, r->sent);
}

static void table(vg_page *p, const vg_takedown *t, vg_takedown_by by)
{
    int providers = by == VG_TAKEDOWN_PROVIDER;
    vg_page_fmt(p, "<table id=\"%s\"><caption>%s</caption><thead><tr>",
                providers ? "providers" : "asns",
                providers ? "Time to removal per provider" : "Time to removal per AS");
    if (providers)
        vg_page_put(p, "<th scope=\"col\">Provider</th>");
    else
        vg_page_put(p, "<th scope=\"col\">AS</th><th scope=\"col\">AS name</th>");
    vg_page_put(p, "<th scope=\"col\">Notices sent</th><th scope=\"col\">Removed</th>"
                   "<th scope=\"col\">Still up</th><th scope=\"col\">Median time to removal</th>"
                   "<th scope=\"col\">90th percentile</th><th scope=\"col\">Removed within "
                   "24 h</th><th scope=\"col\">Within 3 days</th><th scope=\"col\">Within 7 "
                   "days</th><th scope=\"col\">Beyond 42 days</th></tr></thead><tbody>");
    for (size_t i = 0; i < vg_takedown_count(t, by); i++) {
        const vg_takedown_row *r = vg_takedown_at(t, by, i);
        vg_page_put(p, "<tr><th scope=\"row\">");
        if (providers) {
            vg_page_text(p, *r->provider ? r->provider : "(not known)");
            if (r->still_up) {
                vg_page_put(p, " <a href=\"/console/notices?up=1&amp;provider=");
                query_value(p, r->provider);
                vg_page_put(p, "\">(its notices still up)</a>");
            }
            vg_page_put(p, "</th>");
        } else {
            if (r->asn)
                vg_page_fmt(p, "AS%" PRId64, r->asn);
            else
                vg_page_put(p, "(not known)");
            if (r->still_up && r->asn)
                vg_page_fmt(p, " <a href=\"/console/notices?up=1&amp;asn=%" PRId64
                               "\">(its notices still up)</a>",
                            r->asn);
            vg_page_put(p, "</th><td>");
            vg_page_text(p, r->as_name);
            vg_page_put(p, "</td>");
        }
        measures(p, r);
        vg_page_put(p, "</tr>");
    }
    vg_page_put(p, "</tbody></table>");
}

static void download(vg_http_request *req, const vg_takedown *t, vg_takedown_by by,
                     vg_table_format format)
{
    char *buf = NULL;
    size_t len = 0;
    vg_error err;
    if (vg_hotline_takedown_text(t, by, format, &buf, &len, &err) != VG_OK) {
        vg_http_error_page(req, 500, "Out of memory.");
        return;
    }
    vg_console_send_table(req, format,
                          by == VG_TAKEDOWN_PROVIDER ? "vigie-providers" : "vigie-asns", buf, len);
    free(buf);
}

void vg_console_providers_page(vg_http_request *req)
{
    vg_console *con = vg_http_route_ctx(req);
    const char *sort = vg_http_query(req, "sort"), *format = vg_http_query(req, "format");
    const char *by = vg_http_query(req, "by");
    vg_takedown_order order = VG_TAKEDOWN_SLOWEST;
    if (sort && *sort && !vg_takedown_parse_order(sort, &order)) {
        vg_http_error_page(req, 400, "sort: say slowest, sent or name.");
        return;
    }
    vg_table_format fmt = VG_TABLE_CSV;
    if (format && *format && !vg_table_parse_format(format, &fmt)) {
        vg_http_error_page(req, 400, "format: say csv or json.");
        return;
    }
    vg_takedown_by rows = VG_TAKEDOWN_PROVIDER;
    if (by && *by && strcmp(by, "provider")) {
        if (strcmp(by, "asn")) {
            vg_http_error_page(req, 400, "by: say provider or asn.");
            return;
        }
        rows = VG_TAKEDOWN_ASN;
    }
    vg_takedown *t = NULL;
    vg_error err;
    if (vg_hotline_takedown(con->hotline, (int64_t)time(NULL), order, &t, &err) != VG_OK) {
        vg_console_unavailable(req, &err);
        return;
    }
    if (format && *format) {
        download(req, t, rows, fmt);
        vg_takedown_free(t);
        return;
    }
    vg_page p = {0};
    vg_console_page_open(&p, req, "Time to removal per provider", "/console/notices");
    vg_page_put(&p, "<p>How fast hosts remove material after vigie's notice: for each provider "
                    "and each autonomous system (AS) that hosted it when the notice was made, "
                    "the notices sent, the removals vigie's own fetch saw, the median and 90th "
                    "percentile of the time from the first notice to the removal, and the "
                    "share of the notices sent removed within 24 hours, 3 days and 7 days, and "
                    "of those removed or still up after more than 42 days. A notice still up "
                    "counts against every share it has not met. "
                    "<a href=\"/console/notices\">All notices</a>.</p>");
    static const struct {
        const char *value, *label;
    } orders[] = {{"slowest", "the slowest first"}, {"sent", "the most notices first"},
                  {"name", "by name"}};
    vg_page_put(&p, "<p>Order:");
    for (size_t i = 0; i < sizeof orders / sizeof orders[0]; i++) {
        if ((int)order == (int)i)
            vg_page_fmt(&p, "%s <strong aria-current=\"true\">%s</strong>", i ? " &middot;" : "",
                        orders[i].label);
        else
            vg_page_fmt(&p, "%s <a href=\"/console/providers?sort=%s\">%s</a>",
                        i ? " &middot;" : "", orders[i].value, orders[i].label);
    }
    vg_page_put(&p, "</p><p>Download: ");
    static const char *const kinds[][2] = {{"provider", "per provider"}, {"asn", "per AS"}};
    for (size_t k = 0; k < 2; k++)
        vg_page_fmt(&p,
                    "%s%s <a href=\"/console/providers?by=%s&amp;sort=%s&amp;format=csv\">CSV"
                    "</a> &middot; <a href=\"/console/providers?by=%s&amp;sort=%s&amp;"
                    "format=json\">JSON lines</a>",
                    k ? "; " : "", kinds[k][1], kinds[k][0], orders[order].value, kinds[k][0],
                    orders[order].value);
    vg_page_put(&p, "</p>");
    if (!vg_takedown_count(t, VG_TAKEDOWN_PROVIDER)) {
        vg_page_put(&p, "<p>No notice has been sent yet.</p>");
    } else {
        table(&p, t, VG_TAKEDOWN_PROVIDER);
        table(&p, t, VG_TAKEDOWN_ASN);
    }
    vg_takedown_free(t);
    vg_page_send(&p, req, 200);
}

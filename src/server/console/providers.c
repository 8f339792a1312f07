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
    {
        char n[32];
        snprintf(n, sizeof n, "%.2f", hours);
        vg_page_put(p, "<td class=\"num\">");
        vg_page_t1(p, "console.providers.hours", "hours", n);
        vg_page_put(p, "</td>");
    }
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

static void th_col(vg_page *p, const char *key)
{
    vg_page_put(p, "<th scope=\"col\">");
    vg_page_t(p, key);
    vg_page_put(p, "</th>");
}

static void table(vg_page *p, const vg_takedown *t, vg_takedown_by by)
{
    int providers = by == VG_TAKEDOWN_PROVIDER;
    vg_page_fmt(p, "<table id=\"%s\"><caption>", providers ? "providers" : "asns");
    vg_page_t(p, providers ? "console.providers.title" : "console.providers.per_as");
    vg_page_put(p, "</caption><thead><tr>");
    if (providers) {
        th_col(p, "console.providers.col.provider");
    } else {
        th_col(p, "console.providers.col.as");
        th_col(p, "console.providers.col.as_name");
    }
    static const char *const COLS[] = {
        "console.providers.col.sent",   "console.providers.col.removed",
        "console.providers.col.up",     "console.providers.col.median",
        "console.providers.col.p90",    "console.providers.col.24h",
        "console.providers.col.3d",     "console.providers.col.7d",
        "console.providers.col.42d",    NULL,
    };
    for (size_t c = 0; COLS[c]; c++)
        th_col(p, COLS[c]);
    vg_page_put(p, "</tr></thead><tbody>");
    for (size_t i = 0; i < vg_takedown_count(t, by); i++) {
        const vg_takedown_row *r = vg_takedown_at(t, by, i);
        vg_page_put(p, "<tr><th scope=\"row\">");
        if (providers) {
            if (*r->provider) {
                vg_page_text(p, r->provider);
            } else {
                vg_page_t(p, "console.providers.not_known");
            }
            if (r->still_up) {
                vg_page_put(p, " <a href=\"/console/notices?up=1&amp;provider=");
                query_value(p, r->provider);
                vg_page_put(p, "\">");
                vg_page_t(p, "console.providers.still_up");
                vg_page_put(p, "</a>");
            }
            vg_page_put(p, "</th>");
        } else {
            if (r->asn)
                vg_page_fmt(p, "AS%" PRId64, r->asn);
            else
                vg_page_t(p, "console.providers.not_known");
            if (r->still_up && r->asn) {
                vg_page_fmt(p, " <a href=\"/console/notices?up=1&amp;asn=%" PRId64 "\">", r->asn);
                vg_page_t(p, "console.providers.still_up");
                vg_page_put(p, "</a>");
            }
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
        vg_http_error_page(req, 500, vg_console_tr(req, "console.error.500"));
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
        vg_http_error_page(req, 400, vg_console_tr(req, "console.providers.bad_sort"));
        return;
    }
    vg_table_format fmt = VG_TABLE_CSV;
    if (format && *format && !vg_table_parse_format(format, &fmt)) {
        vg_http_error_page(req, 400, vg_console_tr(req, "console.providers.bad_format"));
        return;
    }
    vg_takedown_by rows = VG_TAKEDOWN_PROVIDER;
    if (by && *by && strcmp(by, "provider")) {
        if (strcmp(by, "asn")) {
            vg_http_error_page(req, 400, vg_console_tr(req, "console.providers.bad_by"));
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
    p.lang = vg_server_staff_lang(req);
    vg_console_page_open(&p, req, vg_i18n_get(p.lang, "console.providers.title"),
                         "/console/notices");
    vg_page_put(&p, "<p>");
    vg_page_t(&p, "console.providers.intro");
    vg_page_put(&p, " <a href=\"/console/notices\">");
    vg_page_t(&p, "console.providers.all_notices");
    vg_page_put(&p, "</a></p>");
    static const struct {
        const char *value, *label;
    } orders[] = {{"slowest", "console.providers.order.slowest"},
                  {"sent", "console.providers.order.sent"},
                  {"name", "console.providers.order.name"}};
    vg_page_put(&p, "<p>");
    vg_page_t(&p, "console.providers.order");
    for (size_t i = 0; i < sizeof orders / sizeof orders[0]; i++) {
        if ((int)order == (int)i) {
            vg_page_fmt(&p, "%s <strong aria-current=\"true\">", i ? " &middot;" : "");
            vg_page_t(&p, orders[i].label);
            vg_page_put(&p, "</strong>");
        } else {
            vg_page_fmt(&p, "%s <a href=\"/console/providers?sort=%s\">", i ? " &middot;" : "",
                        orders[i].value);
            vg_page_t(&p, orders[i].label);
            vg_page_put(&p, "</a>");
        }
    }
    vg_page_put(&p, "</p><p>");
    vg_page_t(&p, "console.providers.download");
    static const char *const kinds[][2] = {{"provider", "console.providers.per_provider_dl"},
                                           {"asn", "console.providers.per_as_dl"}};
    for (size_t k = 0; k < 2; k++) {
        vg_page_put(&p, k ? "; " : " ");
        vg_page_t(&p, kinds[k][1]);
        vg_page_fmt(&p,
                    " <a href=\"/console/providers?by=%s&amp;sort=%s&amp;format=csv\">CSV"
                    "</a> &middot; <a href=\"/console/providers?by=%s&amp;sort=%s&amp;"
                    "format=json\">",
                    kinds[k][0], orders[order].value, kinds[k][0], orders[order].value);
        vg_page_t(&p, "console.providers.json");
        vg_page_put(&p, "</a>");
    }
    vg_page_put(&p, "</p>");
    if (!vg_takedown_count(t, VG_TAKEDOWN_PROVIDER)) {
        vg_page_put(&p, "<p>");
        vg_page_t(&p, "console.providers.none");
        vg_page_put(&p, "</p>");
    } else {
        table(&p, t, VG_TAKEDOWN_PROVIDER);
        table(&p, t, VG_TAKEDOWN_ASN);
    }
    vg_takedown_free(t);
    vg_page_send(&p, req, 200);
}

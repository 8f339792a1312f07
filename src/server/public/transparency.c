/*
 * src/server/public/transparency.c - GET /transparency/report?year=YYYY:
 * the yearly figures a hotline publishes (issue 17; docs/stats.md), made
 * from the live data in the visitor's language, printable as it is.
 *
 * What it may say is bounded by two rules. A small count could point at a
 * person or a case: every count from 1 to transparency.suppress_below - 1
 * (default 10) reads "fewer than 10", in the chart as in the tables, and a
 * median is published only over at least that many reports. And a figure
 * must not reveal an open investigation: outcomes count only reports whose
 * assessment is final; one still being assessed counts as received only.
 * No dimension that could point at a reporter (their country, language,
 * platform) is shown; the figures are the year's totals, its months, its
 * categories and the countries where the reported material was hosted,
 * where a country under the threshold is not named but counted with the
 * other small ones.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hotline/stats.h"
#include "model/vocab.h"
#include "server/public/public.h"

/* The year asked for (?year=), else the last whole year; 0 when the
 * parameter is not a year vigie could have data for. */
static int year_asked(vg_http_request *req, int current)
{
    const char *text = vg_http_query(req, "year");
    if (!text || !*text)
        return current - 1;
    char *end = NULL;
    long y = strtol(text, &end, 10);
    if (*end || end - text != 4 || y < 2000 || y > current)
        return 0;
    return (int)y;
}

/* A count as published: the number, or "fewer than N". */
static void count(vg_page *p, const vg_public *pub, int64_t n)
{
    if (n > 0 && n < pub->suppress_below) {
        char below[24];
        snprintf(below, sizeof below, "%" PRId64, pub->suppress_below);
        const vg_public_arg arg = {"n", below, NULL};
        vg_public_say(p, 0, "transparency.fewer", &arg, 1);
        return;
    }
    vg_page_fmt(p, "%" PRId64, n);
}

static void figure_row(vg_page *p, const vg_public *pub, const char *key, int64_t n)
{
    vg_page_put(p, "<tr><th scope=\"row\">");
    vg_page_t(p, key);
    vg_page_put(p, "</th><td class=\"num\">");
    count(p, pub, n);
    vg_page_put(p, "</td></tr>");
}

/* A median in hours, published over at least suppress_below reports. */
static void hours_row(vg_page *p, const vg_public *pub, const char *key, double hours,
                      int64_t over)
{
    vg_page_put(p, "<tr><th scope=\"row\">");
    vg_page_t(p, key);
    vg_page_put(p, "</th><td class=\"num\">");
    if (hours < 0 || over < pub->suppress_below) {
        vg_page_t(p, "transparency.not_published");
    } else {
        char h[32];
        snprintf(h, sizeof h, "%.1f", hours);
        const vg_public_arg arg = {"h", h, NULL};
        vg_public_say(p, 0, "transparency.hours", &arg, 1);
    }
    vg_page_put(p, "</td></tr>");
}

/* Notices to hosts and what came of them: counts under the same rule, the
 * times from receipt over the reports that got there. Nothing here names a
 * host or a country. */
static void action_table(vg_page *p, const vg_public *pub, const vg_stats_group *all)
{
    const int64_t *c = all->counts;
    vg_page_put(p, "<table class=\"figures\"><caption>");
    vg_page_t(p, "transparency.action");
    vg_page_put(p, "</caption><tbody>");
    figure_row(p, pub, "transparency.routed", c[VG_M_ROUTED]);
    figure_row(p, pub, "transparency.notices", c[VG_M_NOTICES]);
    figure_row(p, pub, "transparency.renotices", c[VG_M_RENOTICES]);
    figure_row(p, pub, "transparency.escalations", c[VG_M_ESCALATIONS]);
    figure_row(p, pub, "transparency.removed", c[VG_M_REMOVED]);
    figure_row(p, pub, "transparency.removed_24h",
               c[VG_M_WINDOW(VG_TIME_REMOVAL, VG_WINDOW_24H)]);
    figure_row(p, pub, "transparency.removed_7d", c[VG_M_WINDOW(VG_TIME_REMOVAL, VG_WINDOW_7D)]);
    figure_row(p, pub, "transparency.removed_over_42d",
               c[VG_M_WINDOW(VG_TIME_REMOVAL, VG_WINDOW_OVER_42D)]);
    figure_row(p, pub, "transparency.blocked", c[VG_M_BLOCKED]);
    figure_row(p, pub, "transparency.appeals", c[VG_M_APPEALS]);
    hours_row(p, pub, "transparency.notice_time", all->hours[VG_M_NOTICE_MEDIAN_H - VG_M_COUNTS],
              c[VG_M_NOTICED]);
    hours_row(p, pub, "transparency.removal_time",
              all->hours[VG_M_REMOVAL_MEDIAN_H - VG_M_COUNTS], c[VG_M_REMOVED]);
    vg_page_put(p, "</tbody></table>");
}

/* The months as bars; a suppressed month has no bar, only its words. */
static void month_chart(vg_page *p, const vg_public *pub, const vg_stats_table *months, int year)
{
    int64_t per_month[12] = {0}, most = 1;
    for (size_t i = 0; i < vg_stats_group_count(months); i++) {
        const vg_stats_group *g = vg_stats_group_at(months, i);
        int y, m;
        if (sscanf(g->values[0], "%4d-%2d", &y, &m) == 2 && y == year && m >= 1 && m <= 12)
            per_month[m - 1] = g->counts[VG_M_REPORTS];
    }
    for (int m = 0; m < 12; m++)
        if (per_month[m] >= pub->suppress_below && per_month[m] > most)
            most = per_month[m];
    const int bar_h = 160, col_w = 44, width = 12 * col_w + 20, height = bar_h + 44;
    vg_page_fmt(p, "<figure class=\"chart\"><svg role=\"img\" aria-labelledby=\"months-title\" "
                   "viewBox=\"0 0 %d %d\" width=\"100%%\" style=\"max-width:%dpx;direction:ltr\" "
                   "xmlns=\"http://www.w3.org/2000/svg\"><title id=\"months-title\">",
                width, height, width);
    vg_page_t(p, "transparency.by_month");
    vg_page_put(p, "</title>");
    for (int m = 0; m < 12; m++) {
        int x = 10 + m * col_w;
        int64_t v = per_month[m];
        int shown = v >= pub->suppress_below;
        int h = shown ? (int)((double)v / (double)most * bar_h) : 0;
        if (shown)
            vg_page_fmt(p, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#0b4f9c\"/>"
                           "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\" "
                           "fill=\"#111\">%" PRId64 "</text>",
                        x + 4, 14 + bar_h - h, col_w - 8, h > 0 ? h : 1, x + col_w / 2,
                        10 + bar_h - h, v);
        else if (v > 0)
            vg_page_fmt(p, "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\" "
                           "fill=\"#111\">&lt;%" PRId64 "</text>",
                        x + col_w / 2, 10 + bar_h, pub->suppress_below);
        vg_page_fmt(p, "<text x=\"%d\" y=\"%d\" font-size=\"12\" text-anchor=\"middle\" "
                       "fill=\"#111\">%02d</text>",
                    x + col_w / 2, bar_h + 34, m + 1);
    }
    vg_page_put(p, "</svg></figure>");

    /* The same figures as a table: what a screen reader reads (the
     * heading above already names it on screen). */
    vg_page_put(p, "<table class=\"figures\"><caption class=\"visually-hidden\">");
    vg_page_t(p, "transparency.by_month");
    vg_page_put(p, "</caption><thead><tr><th scope=\"col\">");
    vg_page_t(p, "transparency.month");
    vg_page_put(p, "</th><th scope=\"col\">");
    vg_page_t(p, "transparency.count");
    vg_page_put(p, "</th></tr></thead><tbody>");
    for (int m = 0; m < 12; m++) {
        vg_page_fmt(p, "<tr><th scope=\"row\">%d-%02d</th><td class=\"num\">", year, m + 1);
        count(p, pub, per_month[m]);
        vg_page_put(p, "</td></tr>");
    }
    vg_page_put(p, "</tbody></table>");
}

static void category_table(vg_page *p, const vg_public *pub, const vg_stats_table *categories)
{
    vg_page_put(p, "<table class=\"figures\"><caption>");
    vg_page_t(p, "transparency.by_category");
    vg_page_put(p, "</caption><thead><tr><th scope=\"col\">");
    vg_page_t(p, "transparency.category");
    vg_page_put(p, "</th><th scope=\"col\">");
    vg_page_t(p, "transparency.count");
    vg_page_put(p, "</th></tr></thead><tbody>");
    /* Every category of the form, in its order, even those with none. */
    for (size_t c = 0; vg_category_terms[c].code; c++) {
        int64_t n = 0;
        for (size_t i = 0; i < vg_stats_group_count(categories); i++) {
            const vg_stats_group *g = vg_stats_group_at(categories, i);
            if (!strcmp(g->values[0], vg_category_terms[c].code))
                n = g->counts[VG_M_REPORTS];
        }
        char key[64];
        snprintf(key, sizeof key, "category.%s", vg_category_terms[c].code);
        vg_page_put(p, "<tr><th scope=\"row\">");
        vg_page_t(p, key);
        vg_page_put(p, "</th><td class=\"num\">");
        count(p, pub, n);
        vg_page_put(p, "</td></tr>");
    }
    vg_page_put(p, "</tbody></table>");
}

typedef struct country_count {
    const char *code;
    int64_t n;
} country_count;

static int by_count_then_code(const void *a, const void *b)
{
    const country_count *x = a, *y = b;
    if (x->n != y->n)
        return x->n < y->n ? 1 : -1;
    return strcmp(x->code, y->code);
}

/* Where the material of the year's routed reports was hosted (the first
 * routed address's country): each country with at least suppress_below
 * reports, the most first, then "other countries", the sum of the rest,
 * under the same rule as any count. A country with fewer is never named:
 * next to the route and the date, it could point at one case. */
static void host_table(vg_page *p, const vg_public *pub, const vg_stats_table *hosts)
{
    size_t n = vg_stats_group_count(hosts), shown = 0;
    country_count *rows = calloc(n ? n : 1, sizeof *rows);
    int64_t other = 0;
    for (size_t i = 0; rows && i < n; i++) {
        const vg_stats_group *g = vg_stats_group_at(hosts, i);
        int64_t reports = g->counts[VG_M_REPORTS];
        if (!*g->values[0]) /* not routed, or no country known */
            continue;
        if (reports >= pub->suppress_below)
            rows[shown++] = (country_count){g->values[0], reports};
        else
            other += reports;
    }
    if (!rows || (!shown && !other)) {
        free(rows);
        return;
    }
    qsort(rows, shown, sizeof *rows, by_count_then_code);
    vg_page_put(p, "<table class=\"figures\"><caption>");
    vg_page_t(p, "transparency.by_host");
    vg_page_put(p, "</caption><thead><tr><th scope=\"col\">");
    vg_page_t(p, "transparency.host_country");
    vg_page_put(p, "</th><th scope=\"col\">");
    vg_page_t(p, "transparency.count");
    vg_page_put(p, "</th></tr></thead><tbody>");
    for (size_t i = 0; i < shown; i++) {
        vg_page_put(p, "<tr><th scope=\"row\">");
        vg_page_text(p, rows[i].code);
        vg_page_put(p, "</th><td class=\"num\">");
        count(p, pub, rows[i].n);
        vg_page_put(p, "</td></tr>");
    }
    if (other)
        figure_row(p, pub, "transparency.other_countries", other);
    vg_page_put(p, "</tbody></table>");
    if (pub->suppress_below > 1) {
        char below[24];
        snprintf(below, sizeof below, "%" PRId64, pub->suppress_below);
        const vg_public_arg arg = {"n", below, NULL};
        vg_page_put(p, "<p>");
        vg_public_say(p, 0, "transparency.host_note", &arg, 1);
        vg_page_put(p, "</p>");
    }
    free(rows);
}

void vg_public_transparency_get(vg_http_request *req)
{
    vg_public *pub = vg_http_route_ctx(req);
    /* the year on the hotline's clock (stats.time_zone) */
    const vg_tz *tz = pub->hotline->stats_zone;
    time_t now = time(NULL);
    now += vg_tz_offset(tz, (int64_t)now);
    struct tm today;
    gmtime_r(&now, &today);
    int current = today.tm_year + 1900, year = year_asked(req, current);
    if (!year) {
        vg_public_error_page(pub, req, 404);
        return;
    }
    /* One read of the year's facts for every table of the page. */
    vg_stats_query qs[4];
    qs[0] = (vg_stats_query){.from = vg_stats_year_start(year, tz),
                             .to = vg_stats_year_start(year + 1, tz),
                             .tz = tz};
    const vg_stat_dim by[] = {VG_DIM_MONTH, VG_DIM_CATEGORY, VG_DIM_HOST_COUNTRY};
    for (size_t i = 1; i < 4; i++) {
        qs[i] = qs[0];
        qs[i].dims[0] = by[i - 1];
        qs[i].ndims = 1;
    }
    vg_stats_table *tables[4];
    vg_error err;
    if (vg_hotline_stats_many(pub->hotline->store, qs, 4, tables, &err) != VG_OK) {
        vg_public_error_page(pub, req, 503);
        return;
    }
    vg_stats_table *totals = tables[0], *months = tables[1], *categories = tables[2],
                   *hosts = tables[3];
    static const vg_stats_group none = {0};
    const vg_stats_group *all =
        vg_stats_group_count(totals) ? vg_stats_group_at(totals, 0) : &none;

    char path[48], year_text[16], below[24];
    snprintf(path, sizeof path, "/transparency/report?year=%d", year);
    snprintf(year_text, sizeof year_text, "%d", year);
    snprintf(below, sizeof below, "%" PRId64, pub->suppress_below);
    vg_page p = {0};
    vg_public_page_lang(pub, &p, req);
    vg_public_page_open(pub, &p, req, "transparency.page_title", path, 0);
    const vg_public_arg y = {"year", year_text, NULL};
    vg_page_put(&p, "<h1>");
    vg_public_say(&p, 0, "transparency.title", &y, 1);
    vg_page_put(&p, "</h1><p>");
    vg_public_say(&p, 0, "transparency.intro", &y, 1);
    vg_page_put(&p, "</p>");
    if (year == current) {
        vg_page_put(&p, "<p class=\"notice\">");
        vg_page_t(&p, "transparency.so_far");
        vg_page_put(&p, "</p>");
    }
    vg_page_put(&p, "<p>");
    const vg_public_arg n = {"n", below, NULL};
    if (pub->suppress_below > 1)
        vg_public_say(&p, 0, "transparency.privacy", &n, 1);
    else
        vg_page_t(&p, "transparency.privacy_all");
    vg_page_put(&p, "</p>");

    vg_page_put(&p, "<table class=\"figures\"><caption>");
    vg_page_t(&p, "transparency.headline");
    vg_page_put(&p, "</caption><tbody>");
    figure_row(&p, pub, "transparency.reports", all->counts[VG_M_REPORTS]);
    figure_row(&p, pub, "transparency.urls", all->counts[VG_M_URLS]);
    figure_row(&p, pub, "transparency.files", all->counts[VG_M_FILES]);
    figure_row(&p, pub, "transparency.known", all->counts[VG_M_KNOWN_FILES]);
    figure_row(&p, pub, "transparency.assessed", all->counts[VG_M_ASSESSED]);
    figure_row(&p, pub, "transparency.csam", all->counts[VG_M_CSAM]);
    figure_row(&p, pub, "transparency.other_illegal", all->counts[VG_M_OTHER_ILLEGAL]);
    figure_row(&p, pub, "transparency.not_illegal", all->counts[VG_M_NOT_ILLEGAL]);
    figure_row(&p, pub, "transparency.automatic", all->counts[VG_M_AUTOMATIC]);
    /* A first look is counted over the reports received; the time to a
     * decision over the decisions people made (not the automatic ones). */
    hours_row(&p, pub, "transparency.first_look", all->hours[VG_M_FIRST_LOOK_MEDIAN_H - VG_M_COUNTS],
              all->counts[VG_M_LOOKED]);
    hours_row(&p, pub, "transparency.assessed_time",
              all->hours[VG_M_ASSESSED_MEDIAN_H - VG_M_COUNTS],
              all->counts[VG_M_ASSESSED] - all->counts[VG_M_AUTOMATIC]);
    vg_page_put(&p, "</tbody></table>");
    action_table(&p, pub, all);
    vg_page_put(&p, "<h2>");
    vg_page_t(&p, "transparency.by_month");
    vg_page_put(&p, "</h2>");
    month_chart(&p, pub, months, year);
    category_table(&p, pub, categories);
    host_table(&p, pub, hosts);

    /* The other years, from the first one with data a hotline could have. */
    vg_page_put(&p, "<nav aria-labelledby=\"years\" class=\"years\"><h2 id=\"years\">");
    vg_page_t(&p, "transparency.years");
    vg_page_put(&p, "</h2><ul>");
    for (int other = current; other >= current - 4; other--) {
        char href[40];
        snprintf(href, sizeof href, "/transparency/report?year=%d", other);
        vg_page_put(&p, "<li><a href=\"");
        vg_public_href(&p, href);
        vg_page_fmt(&p, "\"%s>%d</a></li>", other == year ? " aria-current=\"page\"" : "", other);
    }
    vg_page_put(&p, "</ul></nav>");
    vg_stats_free(totals);
    vg_stats_free(months);
    vg_stats_free(categories);
    vg_stats_free(hosts);
    vg_public_page_send(pub, &p, req, 200, 0);
}

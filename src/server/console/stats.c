/*
 * src/server/console/stats.c - /console/stats: the hotline's figures for
 * supervisors (docs/stats.md), the same table as `vigie stats` and
 * GET /api/v1/stats: a period, up to two dimensions, every measure; a bar
 * chart drawn here as SVG (no JavaScript) of the reports per group, and
 * the table as CSV or JSON lines to download (?format=csv|json).
 *
 * The chart repeats what the table says, so the table stays the accessible
 * form of the figures; the chart has a text alternative naming its
 * largest bar.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hotline/stats.h"
#include "model/country.h"
#include "model/vocab.h"
#include "server/console/console.h"

/* The chart shows the first groups only: a table of hundreds of days is
 * read as a table, not as bars. */
#define CHART_BARS 40

static void text_field(vg_page *p, const char *name, const char *label, const char *value,
                       const char *hint)
{
    vg_page_fmt(p, "<label for=\"s-%s\">%s</label> <input type=\"text\" id=\"s-%s\" name=\"%s\" "
                   "size=\"12\" placeholder=\"%s\" value=\"",
                name, label, name, name, hint);
    vg_page_text(p, value ? value : "");
    vg_page_put(p, "\">");
}

static void dim_choice(vg_page *p, const char *name, const char *label, const char *chosen)
{
    vg_page_fmt(p, "<label for=\"s-%s\">%s</label> <select id=\"s-%s\" name=\"%s\">"
                   "<option value=\"\">(none)</option>",
                name, label, name, name);
    for (int d = 0; d < VG_DIM_COUNT; d++) {
        const char *n = vg_stat_dim_name((vg_stat_dim)d);
        vg_page_fmt(p, "<option value=\"%s\"%s>%s</option>", n,
                    chosen && !strcmp(chosen, n) ? " selected" : "", n);
    }
    vg_page_put(p, "</select>");
}

/* The query string of this view, for the download links (escaped). */
static void query_href(vg_page *p, const char *from, const char *to, const char *by,
                       const char *format)
{
    vg_page_put(p, "/console/stats?format=");
    vg_page_put(p, format);
    const char *names[] = {"from", "to", "by"}, *values[] = {from, to, by};
    for (int i = 0; i < 3; i++) {
        if (!values[i] || !*values[i])
            continue;
        vg_page_fmt(p, "&amp;%s=", names[i]);
        for (const char *c = values[i]; *c; c++) {
            /* dates and dimension names: letters, digits, '-' and ','
             * pass; anything else is percent-encoded */
            if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
                *c == '-' || *c == '_')
                vg_page_fmt(p, "%c", *c);
            else
                vg_page_fmt(p, "%%%02X", (unsigned char)*c);
        }
    }
}

/* The words of a dimension's codes, NULL for one whose values are read
 * as they are (periods, languages, AS numbers, providers). */
static const vg_term *dim_terms(vg_stat_dim dim)
{
    switch (dim) {
    case VG_DIM_REPORTER: return vg_reporter_kind_terms;
    case VG_DIM_CATEGORY: return vg_category_terms;
    case VG_DIM_STATE: return vg_item_state_terms;
    case VG_DIM_LEGAL: return vg_legal_terms;
    case VG_DIM_AGE: return vg_age_terms;
    case VG_DIM_ROUTE: return vg_action_terms;
    case VG_DIM_SEX: return vg_sex_terms;
    default: return NULL;
    }
}

/* A group's value as a supervisor reads it: the code (what the download
 * and the command print, so the two can be matched) with its words, a
 * country's English name (FR: "France (FR)"), "(not said)" for none. */
static void value_label(char *out, size_t cap, vg_stat_dim dim, const char *value)
{
    const vg_term *terms = dim_terms(dim);
    const vg_term *term = terms ? vg_term_find(terms, value) : NULL;
    const char *name = NULL;
    if (dim == VG_DIM_COUNTRY || dim == VG_DIM_HOST_COUNTRY)
        name = vg_country_name(value);
    else if (term)
        name = term->label;
    if (!value[0])
        snprintf(out, cap, "(not said)");
    else if (name)
        snprintf(out, cap, "%s (%s)", name, value);
    else if (dim == VG_DIM_SOURCE && strchr(value, '/') &&
             (term = vg_term_find(vg_reporter_kind_terms, strchr(value, '/') + 1)))
        /* "web/child": the channel, then who reported */
        snprintf(out, cap, "%.*s: %s (%s)", (int)(strchr(value, '/') - value), value,
                 term->label, value);
    else if (dim == VG_DIM_SOURCE && strchr(value, '/') && !strcmp(strchr(value, '/'), "/unsaid"))
        /* a channel whose sender did not say who they are */
        snprintf(out, cap, "%.*s: who reported not said (%s)",
                 (int)(strchr(value, '/') - value), value, value);
    else
        snprintf(out, cap, "%s", value);
}

/* A group's label: its values joined by " / ", or "all" for the totals. */
static void group_label(char *out, size_t cap, const vg_stats_table *t, const vg_stats_group *g)
{
    size_t n = vg_stats_dim_count(t), used = 0;
    out[0] = 0;
    if (!n) {
        snprintf(out, cap, "all reports");
        return;
    }
    for (size_t d = 0; d < n && used < cap; d++) {
        char value[160];
        value_label(value, sizeof value, vg_stats_dim_at(t, d), g->values[d]);
        used += (size_t)snprintf(out + used, cap - used, "%s%s", d ? " / " : "", value);
    }
}

/* Characters (not bytes) of a UTF-8 label. */
static size_t label_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* Cut a label (a buffer of cap bytes) to at most max characters, between
 * characters, ending "…". */
static void label_fit(char *label, size_t cap, size_t max)
{
    if (label_chars(label) <= max)
        return;
    size_t n = 0;
    char *p = label;
    for (; *p; p++)
        if (((unsigned char)*p & 0xC0) != 0x80 && n++ == max - 1)
            break;
    snprintf(p, cap - (size_t)(p - label), "\u2026");
}

/* Horizontal bars of the reports per group, scaled to the largest. The
 * labels' column is as wide as the longest label needs (the words with
 * their codes run long), within bounds; a longer one is cut here and
 * stays whole in the table below. */
#define LABEL_CHARS_MAX 60
#define LABEL_CHAR_PX 7
static void chart(vg_page *p, const vg_stats_table *t)
{
    size_t groups = vg_stats_group_count(t), shown = groups < CHART_BARS ? groups : CHART_BARS;
    if (!shown)
        return;
    int64_t most = 1;
    size_t top = 0;
    for (size_t i = 0; i < shown; i++) {
        int64_t v = vg_stats_group_at(t, i)->counts[VG_M_REPORTS];
        if (v > most) {
            most = v;
            top = i;
        }
    }
    char label[256];
    size_t longest = 0;
    for (size_t i = 0; i < shown; i++) {
        group_label(label, sizeof label, t, vg_stats_group_at(t, i));
        size_t n = label_chars(label);
        longest = n > longest ? n : longest;
    }
    if (longest > LABEL_CHARS_MAX)
        longest = LABEL_CHARS_MAX;
    const int label_w = (int)longest * LABEL_CHAR_PX + 12 > 140
                            ? (int)longest * LABEL_CHAR_PX + 12 : 140;
    const int bar_w = 420, row_h = 22, width = label_w + bar_w + 70;
    int height = (int)shown * row_h + 8;
    group_label(label, sizeof label, t, vg_stats_group_at(t, top));
    vg_page_fmt(p, "<figure class=\"chart\"><svg role=\"img\" aria-labelledby=\"chart-title\" "
                   "viewBox=\"0 0 %d %d\" width=\"100%%\" style=\"max-width:%dpx\" "
                   "xmlns=\"http://www.w3.org/2000/svg\"><title id=\"chart-title\">Reports per "
                   "group; the most: ",
                width, height, width);
    vg_page_text(p, label);
    vg_page_fmt(p, " (%" PRId64 ")</title>", vg_stats_group_at(t, top)->counts[VG_M_REPORTS]);
    for (size_t i = 0; i < shown; i++) {
        const vg_stats_group *g = vg_stats_group_at(t, i);
        int64_t v = g->counts[VG_M_REPORTS];
        int y = (int)i * row_h + 4, w = (int)((double)v / (double)most * bar_w);
        group_label(label, sizeof label, t, g);
        label_fit(label, sizeof label, LABEL_CHARS_MAX);
        vg_page_fmt(p, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" font-size=\"12\" "
                       "fill=\"#1a1a1a\">",
                    label_w - 6, y + 15);
        vg_page_text(p, label);
        vg_page_fmt(p, "</text><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
                       "fill=\"#23313f\"/><text x=\"%d\" y=\"%d\" font-size=\"12\" "
                       "fill=\"#1a1a1a\">%" PRId64 "</text>",
                    label_w, y + 2, w > 0 ? w : 1, row_h - 6, label_w + (w > 0 ? w : 1) + 6,
                    y + 15, v);
    }
    vg_page_put(p, "</svg>");
    if (groups > shown)
        vg_page_fmt(p, "<figcaption>The first %zu groups of %zu; the table has them all."
                       "</figcaption>",
                    shown, groups);
    vg_page_put(p, "</figure>");
}

static void table(vg_page *p, const vg_stats_table *t)
{
    size_t ndims = vg_stats_dim_count(t);
    /* a region with a name and a tab stop: a keyboard can scroll it */
    vg_page_put(p, "<div class=\"scroll\" role=\"region\" tabindex=\"0\" "
                   "aria-labelledby=\"stats-caption\"><table id=\"stats\">"
                   "<caption id=\"stats-caption\">Reports received in the period, by ");
    if (!ndims)
        vg_page_put(p, "nothing (the totals)");
    for (size_t d = 0; d < ndims; d++)
        vg_page_fmt(p, "%s%s", d ? " and " : "", vg_stat_dim_name(vg_stats_dim_at(t, d)));
    vg_page_put(p, "</caption><thead><tr>");
    for (size_t d = 0; d < ndims; d++)
        vg_page_fmt(p, "<th scope=\"col\">%s</th>", vg_stat_dim_name(vg_stats_dim_at(t, d)));
    for (int m = 0; m < VG_M_COUNT; m++)
        vg_page_fmt(p, "<th scope=\"col\">%s</th>", vg_stat_measure_name(m));
    vg_page_put(p, "</tr></thead><tbody>");
    for (size_t i = 0; i < vg_stats_group_count(t); i++) {
        const vg_stats_group *g = vg_stats_group_at(t, i);
        vg_page_put(p, "<tr>");
        for (size_t d = 0; d < ndims; d++) {
            char value[160];
            value_label(value, sizeof value, vg_stats_dim_at(t, d), g->values[d]);
            vg_page_put(p, d ? "<td>" : "<th scope=\"row\">");
            vg_page_text(p, value);
            vg_page_put(p, d ? "</td>" : "</th>");
        }
        for (int m = 0; m < VG_M_COUNTS; m++)
            vg_page_fmt(p, "<td class=\"num\">%" PRId64 "</td>", g->counts[m]);
        for (int m = VG_M_COUNTS; m < VG_M_COUNT; m++) {
            double h = g->hours[m - VG_M_COUNTS];
            if (h < 0)
                vg_page_put(p, "<td class=\"num\">-</td>");
            else
                vg_page_fmt(p, "<td class=\"num\">%.2f</td>", h);
        }
        vg_page_put(p, "</tr>");
    }
    vg_page_put(p, "</tbody></table></div>");
}

/* The table as a file: the same bytes as `vigie stats`. */
static void download(vg_http_request *req, const vg_stats_table *t, vg_table_format format)
{
    char *buf = NULL;
    size_t len = 0;
    vg_error err;
    if (vg_hotline_stats_text(t, format, &buf, &len, &err) != VG_OK) {
        vg_http_error_page(req, 500, "Out of memory.");
        return;
    }
    vg_console_send_table(req, format, "vigie-stats", buf, len);
    free(buf);
}

void vg_console_stats_page(vg_http_request *req)
{
    vg_console *con = vg_http_route_ctx(req);
    const char *from = vg_http_query(req, "from"), *to = vg_http_query(req, "to");
    const char *by = vg_http_query(req, "by"), *format = vg_http_query(req, "format");
    const char *by1 = vg_http_query(req, "by1"), *by2 = vg_http_query(req, "by2");
    /* A link or a script gives "by" itself (empty: the totals); the form
     * gives two choices; a first visit shows the months. */
    char joined[64];
    if (!by && (by1 || by2)) {
        snprintf(joined, sizeof joined, "%s%s%s", by1 ? by1 : "",
                 by1 && *by1 && by2 && *by2 ? "," : "", by2 ? by2 : "");
        by = joined;
    } else if (!by) {
        by = "month";
    }
    vg_table_format fmt = VG_TABLE_CSV;
    if (format && *format && !vg_table_parse_format(format, &fmt)) {
        vg_http_error_page(req, 400, "format: say csv or json.");
        return;
    }
    vg_stats_query q;
    vg_error err;
    vg_stats_table *t = NULL;
    int bad = vg_stats_query_parse(from, to, by, con->hotline->stats_zone, &q, &err) != VG_OK;
    if (!bad && vg_hotline_stats(con->hotline->store, &q, &t, &err) != VG_OK) {
        vg_console_unavailable(req, &err);
        return;
    }
    if (!bad && format && *format) {
        download(req, t, fmt);
        vg_stats_free(t);
        return;
    }
    vg_page p = {0};
    vg_console_page_open(&p, req, "Statistics", "/console/stats");
    vg_page_put(&p, "<p>Reports received in a period (dates on the hotline's clock, "
                    "<code>stats.time_zone</code>; the end is not included), "
                    "grouped by up to two dimensions. The same figures come from "
                    "<code>vigie stats</code> and <code>GET /api/v1/stats</code>; "
                    "<a href=\"/console/stats?by=category\">by category</a>, "
                    "<a href=\"/console/stats?by=month,decided\">by month and how decided</a>, "
                    "<a href=\"/console/stats?by=source\">by source</a>.</p>");
    if (bad) {
        vg_page_put(&p, "<p class=\"msg err\" role=\"alert\" id=\"stats-error\">");
        vg_page_text(&p, err.message);
        vg_page_put(&p, "</p>");
    }
    const char *first = q.ndims > 0 && !bad ? vg_stat_dim_name(q.dims[0]) : NULL;
    const char *second = q.ndims > 1 && !bad ? vg_stat_dim_name(q.dims[1]) : NULL;
    vg_page_put(&p, "<form method=\"get\" action=\"/console/stats\"><fieldset><legend>Period "
                    "and groups</legend>");
    text_field(&p, "from", "From", from, "YYYY-MM-DD");
    text_field(&p, "to", "To", to, "YYYY-MM-DD");
    dim_choice(&p, "by1", "By", first);
    dim_choice(&p, "by2", "then by", second);
    vg_page_put(&p, " <button type=\"submit\" class=\"primary\">Show</button></fieldset></form>");
    if (!bad) {
        vg_page_put(&p, "<p>Download this table: <a href=\"");
        query_href(&p, from, to, by, "csv");
        vg_page_put(&p, "\">CSV</a> · <a href=\"");
        query_href(&p, from, to, by, "json");
        vg_page_put(&p, "\">JSON lines</a></p>");
        if (!vg_stats_group_count(t))
            vg_page_put(&p, "<p>No report in this period.</p>");
        else {
            chart(&p, t);
            table(&p, t);
        }
    }
    vg_stats_free(t);
    vg_page_send(&p, req, bad ? 400 : 200);
}

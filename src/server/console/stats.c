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

/* A dimension's or a measure's name in the page's language
 * ("console.stats.dim.NAME", "console.stats.m.NAME"), else its code: the
 * code stays what the downloads and `vigie stats` print. */
static const char *column_name(const vg_page *p, const char *kind, const char *code)
{
    char key[96];
    snprintf(key, sizeof key, "console.stats.%s.%s", kind, code);
    const char *text = p->lang ? vg_i18n_lookup(p->lang, key) : NULL;
    return text ? text : code;
}

/* label: a catalogue key */
static void text_field(vg_page *p, const char *name, const char *label, const char *value,
                       const char *hint)
{
    vg_page_fmt(p, "<label for=\"s-%s\">", name);
    vg_page_t(p, label);
    vg_page_fmt(p, "</label> <input type=\"text\" id=\"s-%s\" name=\"%s\" dir=\"ltr\" "
                   "size=\"12\" placeholder=\"%s\" value=\"",
                name, name, hint);
    vg_page_text(p, value ? value : "");
    vg_page_put(p, "\">");
}

static void dim_choice(vg_page *p, const char *name, const char *label, const char *chosen)
{
    vg_page_fmt(p, "<label for=\"s-%s\">", name);
    vg_page_t(p, label);
    vg_page_fmt(p, "</label> <select id=\"s-%s\" name=\"%s\"><option value=\"\">", name, name);
    vg_page_t(p, "console.stats.none_dim");
    vg_page_put(p, "</option>");
    for (int d = 0; d < VG_DIM_COUNT; d++) {
        const char *n = vg_stat_dim_name((vg_stat_dim)d);
        vg_page_fmt(p, "<option value=\"%s\"%s>", n, chosen && !strcmp(chosen, n) ? " selected" : "");
        vg_page_text(p, column_name(p, "dim", n));
        vg_page_put(p, "</option>");
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

/* The catalogue prefix of a dimension's codes (vg_console_vocab). */
static const char *dim_prefix(vg_stat_dim dim)
{
    switch (dim) {
    case VG_DIM_REPORTER: return "kind.";
    case VG_DIM_ROUTE: return "term.action.";
    default: return "term.";
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
static void value_label(const vg_page *p, char *out, size_t cap, vg_stat_dim dim,
                        const char *value)
{
    const vg_term *terms = dim_terms(dim);
    const vg_term *term = terms ? vg_term_find(terms, value) : NULL;
    const char *name = NULL;
    if (dim == VG_DIM_COUNTRY || dim == VG_DIM_HOST_COUNTRY) {
        name = vg_country_name(value); /* a known code: two capital letters */
        if (name && p->lang) {
            char key[32]; /* keys are lower case: "term.country.fr" */
            snprintf(key, sizeof key, "term.country.%c%c", value[0] | 0x20, value[1] | 0x20);
            const char *local = vg_i18n_lookup(p->lang, key);
            name = local ? local : name;
        }
    } else if (term) {
        name = vg_console_vocab(p, dim_prefix(dim), terms, value);
    }
    if (!value[0])
        snprintf(out, cap, "%s", vg_page_tr(p, "console.stats.not_said", "(not said)"));
    else if (name)
        snprintf(out, cap, "%s (%s)", name, value);
    else if (dim == VG_DIM_SOURCE && strchr(value, '/') &&
             (term = vg_term_find(vg_reporter_kind_terms, strchr(value, '/') + 1)))
        /* "web/child": the channel, then who reported */
        snprintf(out, cap, "%.*s: %s (%s)", (int)(strchr(value, '/') - value), value,
                 vg_console_vocab(p, "kind.", vg_reporter_kind_terms, term->code), value);
    else if (dim == VG_DIM_SOURCE && strchr(value, '/') && !strcmp(strchr(value, '/'), "/unsaid"))
        /* a channel whose sender did not say who they are */
        snprintf(out, cap, "%.*s: %s (%s)", (int)(strchr(value, '/') - value), value,
                 vg_page_tr(p, "console.stats.unsaid", "who reported not said"), value);
    else
        snprintf(out, cap, "%s", value);
}

/* A group's label: its values joined by " / ", or "all" for the totals. */
static void group_label(const vg_page *p, char *out, size_t cap, const vg_stats_table *t,
                        const vg_stats_group *g)
{
    size_t n = vg_stats_dim_count(t), used = 0;
    out[0] = 0;
    if (!n) {
        snprintf(out, cap, "%s", vg_page_tr(p, "console.stats.all_reports", "all reports"));
        return;
    }
    for (size_t d = 0; d < n && used < cap; d++) {
        char value[160];
        value_label(p, value, sizeof value, vg_stats_dim_at(t, d), g->values[d]);
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
        group_label(p, label, sizeof label, t, vg_stats_group_at(t, i));
        size_t n = label_chars(label);
        longest = n > longest ? n : longest;
    }
    if (longest > LABEL_CHARS_MAX)
        longest = LABEL_CHARS_MAX;
    const int label_w = (int)longest * LABEL_CHAR_PX + 12 > 140
                            ? (int)longest * LABEL_CHAR_PX + 12 : 140;
    const int bar_w = 420, row_h = 22, width = label_w + bar_w + 70;
    int height = (int)shown * row_h + 8;
    group_label(p, label, sizeof label, t, vg_stats_group_at(t, top));
    /* An Arabic page's chart is mirrored (below). */
    int rtl = p->lang && vg_i18n_rtl(p->lang);
    vg_page_fmt(p, "<figure class=\"chart\"><svg role=\"img\" aria-labelledby=\"chart-title\" "
                   "viewBox=\"0 0 %d %d\" width=\"100%%\" style=\"max-width:%dpx\" dir=\"ltr\" "
                   "xmlns=\"http://www.w3.org/2000/svg\"><title id=\"chart-title\">",
                width, height, width);
    {
        char count[24];
        snprintf(count, sizeof count, "%" PRId64, vg_stats_group_at(t, top)->counts[VG_M_REPORTS]);
        const char *names[] = {"label", "count"}, *values[] = {label, count};
        vg_page_tv(p, "console.stats.chart_title", 2, names, values);
    }
    vg_page_put(p, "</title>");
    for (size_t i = 0; i < shown; i++) {
        const vg_stats_group *g = vg_stats_group_at(t, i);
        int64_t v = g->counts[VG_M_REPORTS];
        int y = (int)i * row_h + 4, w = (int)((double)v / (double)most * bar_w);
        group_label(p, label, sizeof label, t, g);
        label_fit(label, sizeof label, LABEL_CHARS_MAX);
        int bar = w > 0 ? w : 1;
        if (!rtl) {
            vg_page_fmt(p, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" font-size=\"12\" "
                           "fill=\"#1a1a1a\">",
                        label_w - 6, y + 15);
            vg_page_text(p, label);
            vg_page_fmt(p, "</text><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
                           "fill=\"#23313f\"/><text x=\"%d\" y=\"%d\" font-size=\"12\" "
                           "fill=\"#1a1a1a\">%" PRId64 "</text>",
                        label_w, y + 2, bar, row_h - 6, label_w + bar + 6, y + 15, v);
        } else {
            /* mirrored: the labels on the right, read right to left (the
             * "end" of such a text is its left edge), the bars growing to
             * the left, each number left of its bar */
            vg_page_fmt(p, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" direction=\"rtl\" "
                           "font-size=\"12\" fill=\"#1a1a1a\">",
                        width - label_w + 6, y + 15);
            vg_page_text(p, label);
            vg_page_fmt(p, "</text><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
                           "fill=\"#23313f\"/><text x=\"%d\" y=\"%d\" text-anchor=\"end\" "
                           "direction=\"ltr\" font-size=\"12\" fill=\"#1a1a1a\">%" PRId64
                           "</text>",
                        width - label_w - bar, y + 2, bar, row_h - 6, width - label_w - bar - 6,
                        y + 15, v);
        }
    }
    vg_page_put(p, "</svg>");
    if (groups > shown) {
        char a[24], b[24];
        snprintf(a, sizeof a, "%zu", shown);
        snprintf(b, sizeof b, "%zu", groups);
        const char *names[] = {"shown", "groups"}, *values[] = {a, b};
        vg_page_put(p, "<figcaption>");
        vg_page_tv(p, "console.stats.first_groups", 2, names, values);
        vg_page_put(p, "</figcaption>");
    }
    vg_page_put(p, "</figure>");
}

static void table(vg_page *p, const vg_stats_table *t)
{
    size_t ndims = vg_stats_dim_count(t);
    /* a region with a name and a tab stop: a keyboard can scroll it */
    vg_page_put(p, "<div class=\"scroll\" role=\"region\" tabindex=\"0\" "
                   "aria-labelledby=\"stats-caption\"><table id=\"stats\">"
                   "<caption id=\"stats-caption\">");
    if (!ndims) {
        vg_page_t(p, "console.stats.caption_totals");
    } else {
        char dims[256] = "";
        for (size_t d = 0, used = 0; d < ndims && used < sizeof dims; d++)
            used += (size_t)snprintf(dims + used, sizeof dims - used, "%s%s",
                                     d ? vg_page_tr(p, "console.stats.and", " and ") : "",
                                     column_name(p, "dim", vg_stat_dim_name(vg_stats_dim_at(t, d))));
        vg_page_t1(p, "console.stats.caption", "dims", dims);
    }
    vg_page_put(p, "</caption><thead><tr>");
    for (size_t d = 0; d < ndims; d++) {
        vg_page_put(p, "<th scope=\"col\">");
        vg_page_text(p, column_name(p, "dim", vg_stat_dim_name(vg_stats_dim_at(t, d))));
        vg_page_put(p, "</th>");
    }
    for (int m = 0; m < VG_M_COUNT; m++) {
        vg_page_put(p, "<th scope=\"col\">");
        vg_page_text(p, column_name(p, "m", vg_stat_measure_name(m)));
        vg_page_put(p, "</th>");
    }
    vg_page_put(p, "</tr></thead><tbody>");
    for (size_t i = 0; i < vg_stats_group_count(t); i++) {
        const vg_stats_group *g = vg_stats_group_at(t, i);
        vg_page_put(p, "<tr>");
        for (size_t d = 0; d < ndims; d++) {
            char value[160];
            value_label(p, value, sizeof value, vg_stats_dim_at(t, d), g->values[d]);
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

/* What is wrong with the query, in the page's language: the parser says it
 * in English for `vigie stats` and the API (hotline/stats.c, model/stats.c). */
static void query_problem(vg_page *p, const char *message)
{
    char field[8] = "", text[64] = "";
    int n = 0;
    if (sscanf(message, "%7[a-z]: '%63[^']' is not a date YYYY-MM-DD%n", field, text, &n) == 2 &&
        n > 0 && !message[n]) {
        const char *names[] = {"field", "text"}, *values[] = {field, text};
        vg_page_tv(p, "console.stats.err.date", 2, names, values);
    } else if (!strcmp(message, "to: the period ends before it starts; give a later date than "
                                "from")) {
        vg_page_t(p, "console.stats.err.period");
    } else if (sscanf(message, "by: no dimension \"%63[^\"]\"", text) == 1) {
        vg_page_t1(p, "console.stats.err.dimension", "name", text);
    } else if (sscanf(message, "by: dimension \"%63[^\"]\" given twice", text) == 1) {
        vg_page_t1(p, "console.stats.err.twice", "name", text);
    } else if (!strncmp(message, "by: at most ", 12)) {
        vg_page_t(p, "console.stats.err.too_many");
    } else {
        vg_page_text(p, message);
    }
}

/* The table as a file: the same bytes as `vigie stats`. */
static void download(vg_http_request *req, const vg_stats_table *t, vg_table_format format)
{
    char *buf = NULL;
    size_t len = 0;
    vg_error err;
    if (vg_hotline_stats_text(t, format, &buf, &len, &err) != VG_OK) {
        vg_http_error_page(req, 500, vg_console_tr(req, "console.error.500"));
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
        vg_http_error_page(req, 400, vg_console_tr(req, "console.providers.bad_format"));
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
    p.lang = vg_server_staff_lang(req);
    vg_console_page_open(&p, req, vg_i18n_get(p.lang, "console.stats.title"), "/console/stats");
    vg_page_put(&p, "<p>");
    vg_page_t(&p, "console.stats.intro");
    vg_page_put(&p, " <span dir=\"ltr\"><code>stats.time_zone</code>; <code>vigie stats</code>, "
                    "<code>GET /api/v1/stats</code></span>. <a href=\"/console/stats?by=category\">");
    vg_page_t(&p, "console.stats.by_category");
    vg_page_put(&p, "</a> · <a href=\"/console/stats?by=month,decided\">");
    vg_page_t(&p, "console.stats.by_month_decided");
    vg_page_put(&p, "</a> · <a href=\"/console/stats?by=source\">");
    vg_page_t(&p, "console.stats.by_source");
    vg_page_put(&p, "</a></p>");
    if (bad) {
        vg_page_put(&p, "<p class=\"msg err\" role=\"alert\" id=\"stats-error\">");
        query_problem(&p, err.message);
        vg_page_put(&p, "</p>");
    }
    const char *first = q.ndims > 0 && !bad ? vg_stat_dim_name(q.dims[0]) : NULL;
    const char *second = q.ndims > 1 && !bad ? vg_stat_dim_name(q.dims[1]) : NULL;
    vg_page_put(&p, "<form method=\"get\" action=\"/console/stats\"><fieldset><legend>");
    vg_page_t(&p, "console.stats.legend");
    vg_page_put(&p, "</legend>");
    text_field(&p, "from", "console.stats.from", from, "YYYY-MM-DD");
    text_field(&p, "to", "console.stats.to", to, "YYYY-MM-DD");
    dim_choice(&p, "by1", "console.stats.by", first);
    dim_choice(&p, "by2", "console.stats.then_by", second);
    vg_page_put(&p, " <button type=\"submit\" class=\"primary\">");
    vg_page_t(&p, "console.blocklist.show");
    vg_page_put(&p, "</button></fieldset></form>");
    if (!bad) {
        vg_page_put(&p, "<p>");
        vg_page_t(&p, "console.stats.download");
        vg_page_put(&p, " <a href=\"");
        query_href(&p, from, to, by, "csv");
        vg_page_put(&p, "\">CSV</a> · <a href=\"");
        query_href(&p, from, to, by, "json");
        vg_page_put(&p, "\">");
        vg_page_t(&p, "console.providers.json");
        vg_page_put(&p, "</a></p>");
        if (!vg_stats_group_count(t)) {
            vg_page_put(&p, "<p>");
            vg_page_t(&p, "console.stats.none");
            vg_page_put(&p, "</p>");
        } else {
            chart(&p, t);
            table(&p, t);
        }
    }
    vg_stats_free(t);
    vg_page_send(&p, req, bad ? 400 : 200);
}

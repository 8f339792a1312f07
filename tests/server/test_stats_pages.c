/*
 * The statistics where people and tools read them (issue 17): the
 * console's page for supervisors (a chart, the table, downloads) and
 * GET /api/v1/stats for a key with the "stats" scope, on a known history:
 * four reports with set dates, one of them outside the year asked for.
 * The figures are counted by hand from that history.
 */
#include <jansson.h>

#include "test_people.h"

/* The history: category, URL, received at (noon UTC). */
static const struct {
    const char *category, *url;
    long long at;
} HISTORY[] = {
    {"image_video", "https://a.example/1", 1768478400LL}, /* 2026-01-15 */
    {"image_video", "https://b.example/2", 1770724800LL}, /* 2026-02-10 */
    {"livestream", "https://c.example/3", 1771588800LL},  /* 2026-02-20 */
    {"grooming", "https://d.example/4", 1798804800LL},    /* 2027-01-01: the next year */
};

static int plant_history(ts_server *t)
{
    for (size_t i = 0; i < sizeof HISTORY / sizeof HISTORY[0]; i++) {
        int64_t id = public_report(t, HISTORY[i].category, HISTORY[i].url, 0);
        char sql[128];
        snprintf(sql, sizeof sql, "UPDATE reports SET created_at = %lld WHERE id = %lld",
                 HISTORY[i].at, (long long)id);
        if (!id || !ti_sql_exec(t, sql))
            return 0;
    }
    return 1;
}

static long api_get(ts_server *t, const char *key, const char *path, ts_response *r)
{
    char auth[120];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", key);
    const char *headers[] = {auth, NULL};
    return ts_call(t, "GET", path, headers, NULL, 0, r) ? r->status : -1;
}

static void test_api(void)
{
    ts_server t;
    CHECK(ts_start(&t, NULL));
    CHECK(plant_history(&t));
    char key[80];
    CHECK(ts_api_key_scoped(&t, "Our Dashboard", 0, VG_SCOPE_STATS, key) > 0);
    ts_response r;
    CHECK_INT_EQ(api_get(&t, key, "/api/v1/stats?from=2026-01-01&to=2027-01-01&by=category", &r),
                 200);
    json_t *doc = json_loads(r.body ? r.body : "", 0, NULL);
    CHECK(doc != NULL);
    CHECK_STR_EQ(json_string_value(json_object_get(doc, "from")), "2026-01-01");
    CHECK_STR_EQ(json_string_value(json_object_get(doc, "to")), "2027-01-01");
    CHECK_STR_EQ(json_string_value(json_array_get(json_object_get(doc, "by"), 0)), "category");
    json_t *rows = json_object_get(doc, "rows");
    CHECK_INT_EQ(json_array_size(rows), 2); /* grooming came in 2027 */
    const char *want_category[] = {"image_video", "livestream"};
    long long want_reports[] = {2, 1};
    for (size_t i = 0; i < 2 && i < json_array_size(rows); i++) {
        json_t *row = json_array_get(rows, i);
        CHECK_STR_EQ(json_string_value(json_object_get(row, "category")), want_category[i]);
        CHECK_INT_EQ(json_integer_value(json_object_get(row, "reports")), want_reports[i]);
        CHECK_INT_EQ(json_integer_value(json_object_get(row, "urls")), want_reports[i]);
        CHECK_INT_EQ(json_integer_value(json_object_get(row, "files")), 0);
        CHECK(json_is_null(json_object_get(row, "assessed_median_h")));
    }
    json_decref(doc);
    ts_response_free(&r);

    /* Everything, as totals: one row of four reports; "from" and "to" null. */
    CHECK_INT_EQ(api_get(&t, key, "/api/v1/stats", &r), 200);
    doc = json_loads(r.body ? r.body : "", 0, NULL);
    CHECK(json_is_null(json_object_get(doc, "from")));
    CHECK_INT_EQ(json_array_size(json_object_get(doc, "by")), 0);
    CHECK_INT_EQ(json_integer_value(
                     json_object_get(json_array_get(json_object_get(doc, "rows"), 0), "reports")),
                 4);
    json_decref(doc);
    ts_response_free(&r);

    /* CSV, as `vigie stats` prints it. */
    CHECK_INT_EQ(api_get(&t, key, "/api/v1/stats?to=2027-01-01&by=month&format=csv", &r), 200);
    CHECK(r.body && !strncmp(r.body, "month,reports,cases,duplicates,files,", 37));
    /* the counts (after looked, nothing routed, noticed, blocked, flagged nor timed), then
     * 8 hours unknown */
    CHECK(r.body && strstr(r.body, "\n2026-01,1,1,0,0,0,0,0,1,0,0,0,0,0,0,"
                                   "0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,"
                                   "0,0,0,0,0,0,0,,,,,,,,\n"));
    CHECK(r.body && strstr(r.body, "\n2026-02,2,2,0,0,0,0,0,2,0,0,0,0,0,0,"
                                   "0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,"
                                   "0,0,0,0,0,0,0,,,,,,,,\n"));
    ts_response_free(&r);

    /* Refusals say what is wrong. */
    const struct {
        const char *path, *says;
    } bad[] = {
        {"/api/v1/stats?from=2026-13-01", "from: '2026-13-01' is not a date YYYY-MM-DD"},
        {"/api/v1/stats?by=colour", "by: "},
        {"/api/v1/stats?from=2026-02-01&to=2026-01-01", "to: the period ends before it starts"},
        {"/api/v1/stats?format=xml", "format: say csv or json"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_MSG(api_get(&t, key, bad[i].path, &r) == 400, "%s", bad[i].path);
        CHECK_MSG(r.body && strstr(r.body, "\"invalid_query\"") && strstr(r.body, bad[i].says),
                  "%s: %s", bad[i].path, r.body ? r.body : "");
        ts_response_free(&r);
    }
    /* A partner's key for reports reads no statistics. */
    char reports_key[80];
    CHECK(ts_api_key_scoped(&t, "A Platform", 0, VG_SCOPE_REPORT, reports_key) > 0);
    CHECK_INT_EQ(api_get(&t, reports_key, "/api/v1/stats", &r), 403);
    ts_response_free(&r);
    ts_stop(&t);
}

/* The partner API's description names the route, its four parameters and
 * the answer's shape, so that tools can be generated from it. */
static void test_openapi(void)
{
    ts_server t;
    CHECK(ts_start(&t, NULL));
    if (!t.srv)
        return;
    ts_response r;
    const char *none[] = {NULL};
    CHECK(ts_call(&t, "GET", "/api/v1/openapi.json", none, NULL, 0, &r));
    json_t *doc = json_loads(r.body ? r.body : "", 0, NULL);
    CHECK_MSG(doc != NULL, "the description is not JSON");
    json_t *get = json_object_get(
        json_object_get(json_object_get(doc, "paths"), "/api/v1/stats"), "get");
    const char *summary = json_string_value(json_object_get(get, "summary"));
    CHECK_MSG(summary && strstr(summary, "scope stats"), "no GET /api/v1/stats");
    const char *names[] = {"from", "to", "by", "format"};
    json_t *params = json_object_get(get, "parameters");
    CHECK_INT_EQ(json_array_size(params), 4);
    for (size_t i = 0; i < 4; i++)
        CHECK_STR_EQ(json_string_value(json_object_get(json_array_get(params, i), "name")),
                     names[i]);
    json_t *ok = json_object_get(json_object_get(get, "responses"), "200");
    CHECK_STR_EQ(json_string_value(json_object_get(
                     json_object_get(json_object_get(json_object_get(ok, "content"),
                                                     "application/json"),
                                     "schema"),
                     "$ref")),
                 "#/components/schemas/Stats");
    json_t *stats = json_object_get(
        json_object_get(json_object_get(doc, "components"), "schemas"), "Stats");
    json_t *required = json_object_get(stats, "required");
    CHECK_INT_EQ(json_array_size(required), 2);
    CHECK_STR_EQ(json_string_value(json_array_get(required, 1)), "rows");
    json_decref(doc);
    ts_response_free(&r);
    ts_stop(&t);
}

static void test_console_page(void)
{
    ts_server t;
    CHECK(ts_start(&t, NULL));
    CHECK(plant_history(&t));
    person sue, alice;
    CHECK(sign_in(&t, "sue", VG_ROLE_SUPERVISOR, &sue));
    CHECK(sign_in(&t, "alice", VG_ROLE_ANALYST, &alice));
    ts_response r;
    CHECK(get(&t, &sue, "/console/stats?from=2026-01-01&to=2027-01-01&by1=month&by2=", &r));
    CHECK_INT_EQ(r.status, 200);
    CHECK(r.body && strstr(r.body, "<svg role=\"img\" aria-labelledby=\"chart-title\""));
    CHECK(r.body && strstr(r.body, "<title id=\"chart-title\">Reports per group; the most: "
                                   "2026-02 (2)</title>"));
    CHECK(r.body && strstr(r.body, "<th scope=\"row\">2026-01</th><td class=\"num\">1</td>"));
    CHECK(r.body && strstr(r.body, "<th scope=\"row\">2026-02</th><td class=\"num\">2</td>"));
    CHECK(r.body && !strstr(r.body, ">2027-01<"));
    CHECK(r.body && strstr(r.body, "href=\"/console/stats?format=csv&amp;from=2026-01-01&amp;"
                                   "to=2027-01-01&amp;by=month\""));
    /* the chosen dimension stays chosen in the form */
    CHECK(r.body && strstr(r.body, "<option value=\"month\" selected>"));
    CHECK(r.body && strstr(r.body, "href=\"/console/stats\" aria-current=\"page\"") != NULL);
    ts_response_free(&r);

    /* Codes are read with their words, a country with its English name;
     * a code ISO 3166-1 does not have is shown as it is. */
    CHECK(ti_sql_exec(&t, "UPDATE reports SET country = 'FR' WHERE created_at = 1768478400"));
    CHECK(ti_sql_exec(&t, "UPDATE reports SET country = 'XK' WHERE created_at = 1770724800"));
    CHECK(get(&t, &sue, "/console/stats?from=2026-01-01&to=2027-01-01&by=country,category", &r));
    CHECK_INT_EQ(r.status, 200);
    CHECK(r.body && strstr(r.body, "<th scope=\"row\">France (FR)</th><td>Pictures or videos "
                                   "(image_video)</td><td class=\"num\">1</td>"));
    CHECK(r.body && strstr(r.body, "<th scope=\"row\">XK</th><td>Pictures or videos "
                                   "(image_video)</td>"));
    CHECK(r.body && strstr(r.body, "<th scope=\"row\">(not said)</th><td>Live stream "
                                   "(livestream)</td>"));
    ts_response_free(&r);
    /* (one report, for a while, from a platform that did not say who
     * reported) */
    char was[64];
    ti_sql_text(&t, "SELECT source || ',' || reporter_kind FROM reports"
                    " WHERE created_at = 1770724800", was, sizeof was);
    CHECK(ti_sql_exec(&t, "UPDATE reports SET source = 'api', reporter_kind = ''"
                          " WHERE created_at = 1770724800"));
    CHECK(get(&t, &sue, "/console/stats?from=2026-01-01&to=2027-01-01&by=source", &r));
    CHECK(r.body && strstr(r.body, "<th scope=\"row\">web: A member of the public (web/public)"
                                   "</th>"));
    CHECK(r.body && strstr(r.body, "<th scope=\"row\">api: who reported not said (api/unsaid)"
                                   "</th>"));
    ts_response_free(&r);
    char restore[200];
    char *comma = strchr(was, ',');
    CHECK(comma != NULL);
    if (comma) {
        *comma = 0;
        snprintf(restore, sizeof restore,
                 "UPDATE reports SET source = '%s', reporter_kind = '%s'"
                 " WHERE created_at = 1770724800", was, comma + 1);
        CHECK(ti_sql_exec(&t, restore));
    }
    /* A chart label longer than the chart's column is cut between
     * characters; the table keeps it whole. */
    CHECK(get(&t, &sue, "/console/stats?from=2026-01-01&to=2027-01-01&by=source,category", &r));
    CHECK(r.body && strstr(r.body, ">web: A member of the public (web/public) / Pictures or "
                                   "vide\u2026</text>"));
    CHECK(r.body && strstr(r.body, "<th scope=\"row\">web: A member of the public (web/public)"
                                   "</th><td>Pictures or videos (image_video)</td>"));
    ts_response_free(&r);

    /* The download is the API's CSV, byte for byte, as an attachment. */
    CHECK(get(&t, &sue, "/console/stats?format=csv&from=2026-01-01&to=2027-01-01&by=month", &r));
    CHECK_INT_EQ(r.status, 200);
    char value[128];
    CHECK(ts_header(&r, "Content-Disposition", value, sizeof value) &&
          strstr(value, "attachment; filename=\"vigie-stats.csv\""));
    char key[80];
    CHECK(ts_api_key_scoped(&t, "Our Dashboard", 0, VG_SCOPE_STATS, key) > 0);
    ts_response a;
    CHECK_INT_EQ(api_get(&t, key, "/api/v1/stats?format=csv&from=2026-01-01&to=2027-01-01&by=month",
                         &a),
                 200);
    CHECK(r.body && a.body && !strcmp(r.body, a.body));
    ts_response_free(&a);
    ts_response_free(&r);

    /* A wrong date: the form again, the reason on top, nothing counted. */
    CHECK(get(&t, &sue, "/console/stats?from=2026-02-30&by=month", &r));
    CHECK_INT_EQ(r.status, 400);
    CHECK(r.body && strstr(r.body, "role=\"alert\" id=\"stats-error\">from: &#x27;2026-02-30&#x27; "
                                   "is not a date") != NULL);
    CHECK(r.body && strstr(r.body, "<svg") == NULL);
    ts_response_free(&r);

    /* The link is for supervisors; an analyst neither sees nor opens it. */
    CHECK(get(&t, &alice, "/console/queue", &r));
    CHECK(r.body && strstr(r.body, "/console/stats") == NULL);
    ts_response_free(&r);
    CHECK(get(&t, &alice, "/console/stats", &r));
    CHECK_INT_EQ(r.status, 403);
    ts_response_free(&r);
    ts_stop(&t);
}

/* The public transparency report: twelve reports in March 2025, one in
 * July (a small count), one on the last second of 2024 and one in 2026
 * (neither is 2025's). */
static int plant_year(ts_server *t)
{
    const struct {
        const char *category;
        long long at;
        int times;
    } rows[] = {{"image_video", 1741608000LL, 12},
                {"grooming", 1751630400LL, 1},
                {"other", 1735689599LL, 1},
                {"other", 1767355200LL, 1}};
    int made = 0;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        for (int k = 0; k < rows[i].times; k++) {
            char url[64], sql[128];
            snprintf(url, sizeof url, "https://site%d.example/p", made++);
            int64_t id = public_report(t, rows[i].category, url, 0);
            snprintf(sql, sizeof sql, "UPDATE reports SET created_at = %lld WHERE id = %lld",
                     rows[i].at, (long long)id);
            if (!id || !ti_sql_exec(t, sql))
                return 0;
        }
    return 1;
}

/* The text of the table row whose header cell holds label. */
static const char *row_of(const char *html, const char *label, char *out, size_t cap)
{
    char mark[200];
    snprintf(mark, sizeof mark, "<th scope=\"row\">%s</th><td class=\"num\">", label);
    const char *p = html ? strstr(html, mark) : NULL;
    out[0] = 0;
    if (!p)
        return out;
    /* the cell's text, without its tags (a number in words is in <bdi>) */
    p += strlen(mark);
    const char *end = strstr(p, "</td>");
    size_t n = 0;
    for (int in_tag = 0; end && p < end && n + 1 < cap; p++) {
        if (*p == '<')
            in_tag = 1;
        else if (*p == '>')
            in_tag = 0;
        else if (!in_tag)
            out[n++] = *p;
    }
    out[n] = 0;
    return out;
}

static void test_transparency_report(void)
{
    ts_server t;
    CHECK(ts_start(&t, "http.public_burst = 200\n"));
    CHECK(plant_year(&t));
    ts_response r;
    const char *none[] = {NULL};
    char cell[64];
    CHECK(ts_call(&t, "GET", "/transparency/report?year=2025&lang=en", none, NULL, 0, &r));
    CHECK_INT_EQ(r.status, 200);
    CHECK(r.body && strstr(r.body, "<h1>Transparency report <bdi>2025</bdi></h1>"));
    CHECK_STR_EQ(row_of(r.body, "Reports received", cell, sizeof cell), "13");
    CHECK_STR_EQ(row_of(r.body, "Web addresses reported", cell, sizeof cell), "13");
    CHECK_STR_EQ(row_of(r.body, "Reports assessed", cell, sizeof cell), "0");
    CHECK_STR_EQ(row_of(r.body, "Median time until an analyst looked at a report", cell,
                        sizeof cell),
                 "not published (too few reports)");
    /* the months: March in full, July too small to publish, the rest 0 */
    CHECK_STR_EQ(row_of(r.body, "2025-03", cell, sizeof cell), "12");
    CHECK_STR_EQ(row_of(r.body, "2025-07", cell, sizeof cell), "fewer than 10");
    CHECK_STR_EQ(row_of(r.body, "2025-01", cell, sizeof cell), "0");
    CHECK_STR_EQ(row_of(r.body, "2025-12", cell, sizeof cell), "0");
    /* the chart says the same: no bar for July, its words instead */
    CHECK(r.body && strstr(r.body, "<svg role=\"img\" aria-labelledby=\"months-title\""));
    CHECK(r.body && strstr(r.body, "&lt;10</text>"));
    CHECK(r.body && strstr(r.body, ">12</text>"));
    /* the categories, in the form's words */
    CHECK_STR_EQ(row_of(r.body, "Pictures or videos of a child being sexually abused (CSAM)", cell,
                        sizeof cell),
                 "12");
    CHECK_STR_EQ(row_of(r.body,
                        "An adult trying to get sexual contact with a child (grooming)", cell,
                        sizeof cell),
                 "fewer than 10");
    CHECK_STR_EQ(row_of(r.body, "Something else", cell, sizeof cell), "0");
    CHECK(r.body && !strstr(r.body, "site3.example")); /* never an address */
    ts_response_free(&r);

    /* In French; the same figures. */
    CHECK(ts_call(&t, "GET", "/transparency/report?year=2025&lang=fr", none, NULL, 0, &r));
    CHECK(r.body && strstr(r.body, "<h1>Rapport de transparence <bdi>2025</bdi></h1>"));
    CHECK_STR_EQ(row_of(r.body, "Signalements reçus", cell, sizeof cell), "13");
    CHECK_STR_EQ(row_of(r.body, "2025-07", cell, sizeof cell), "moins de 10");
    ts_response_free(&r);

    /* Years with nothing to say, or that are no year: the public 404. */
    const char *bad[] = {"/transparency/report?year=1999", "/transparency/report?year=abc",
                         "/transparency/report?year=20251", "/transparency/report?year=2999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK(ts_call(&t, "GET", bad[i], none, NULL, 0, &r));
        CHECK_MSG(r.status == 404, "%s: %ld", bad[i], r.status);
        CHECK_MSG(r.body && strstr(r.body, "class=\"exit\""), "%s: the public frame", bad[i]);
        ts_response_free(&r);
    }
    /* The home page leads there. */
    CHECK(ts_call(&t, "GET", "/?lang=en", none, NULL, 0, &r));
    CHECK(r.body && strstr(r.body, "href=\"/transparency/report?lang=en\""));
    ts_response_free(&r);

    /* A hotline that publishes every count says so. */
    CHECK(reopen(&t, "transparency.suppress_below = 1\n"));
    CHECK(ts_call(&t, "GET", "/transparency/report?year=2025&lang=en", none, NULL, 0, &r));
    CHECK_STR_EQ(row_of(r.body, "2025-07", cell, sizeof cell), "1");
    CHECK(r.body && strstr(r.body, "Every count is published as it is.") &&
          !strstr(r.body, "fewer than"));
    ts_response_free(&r);
    ts_stop(&t);
}

/* Periods on the clock of stats.time_zone (Europe/Paris): reports planted
 * around midnight and the two days the clock changes in 2026 (29 March,
 * 23 hours long; 25 October, 25 hours
 * long). Each instant below is worked out by hand from 2026-03-29 00:00
 * UTC = 1774742400 and 2026-10-25 00:00 UTC = 1792886400. */
static void test_time_zone(void)
{
    const struct {
        long long at;
        const char *paris_day;
    } rows[] = {
        {1767223800LL, "2026-01-01"}, /* 2025-12-31 23:30 UTC: 00:30 in Paris, a new year */
        {1774738799LL, "2026-03-28"}, /* 22:59:59 UTC: 23:59:59 CET on the 28th */
        {1774740600LL, "2026-03-29"}, /* 23:30 UTC on the 28th: 00:30 CET on the 29th */
        {1774821599LL, "2026-03-29"}, /* 21:59:59 UTC: 23:59:59 CEST, the day's last second */
        {1774821600LL, "2026-03-30"}, /* 22:00 UTC: midnight CEST */
        {1792879200LL, "2026-10-25"}, /* 22:00 UTC on the 24th: midnight CEST */
        {1792967400LL, "2026-10-25"}, /* 22:30 UTC: 23:30 CET, in the 25-hour day */
    };
    ts_server t;
    CHECK(ts_start(&t, "stats.time_zone = Europe/Paris\ntransparency.suppress_below = 1\n"
                       "http.public_burst = 200\n"));
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char url[64], sql[128];
        snprintf(url, sizeof url, "https://tz%zu.example/p", i);
        int64_t id = public_report(&t, "image_video", url, 0);
        snprintf(sql, sizeof sql, "UPDATE reports SET created_at = %lld WHERE id = %lld",
                 rows[i].at, (long long)id);
        CHECK(id && ti_sql_exec(&t, sql));
    }
    char key[80];
    CHECK(ts_api_key_scoped(&t, "Our Dashboard", 0, VG_SCOPE_STATS, key) > 0);
    ts_response r;
    /* every day on the Paris clock */
    CHECK_INT_EQ(api_get(&t, key, "/api/v1/stats?by=day&format=csv", &r), 200);
    const char *days[] = {"\n2026-01-01,1,", "\n2026-03-28,1,", "\n2026-03-29,2,",
                          "\n2026-03-30,1,", "\n2026-10-25,2,"};
    for (size_t i = 0; i < sizeof days / sizeof days[0]; i++)
        CHECK_MSG(r.body && strstr(r.body, days[i]), "%s in %s", days[i] + 1,
                  r.body ? r.body : "");
    CHECK(r.body && !strstr(r.body, "2025-12-31") && !strstr(r.body, "2026-10-24"));
    ts_response_free(&r);
    /* a period of dates: from the 29th's midnight in Paris (23:00 UTC on
     * the 28th) to the 30th's (22:00 UTC on the 29th) */
    CHECK_INT_EQ(
        api_get(&t, key, "/api/v1/stats?from=2026-03-29&to=2026-03-30&by=day&format=csv", &r),
        200);
    CHECK(r.body && strstr(r.body, "\n2026-03-29,2,") && !strstr(r.body, "2026-03-30"));
    ts_response_free(&r);
    /* 25 October holds its 25 hours */
    CHECK_INT_EQ(api_get(&t, key, "/api/v1/stats?from=2026-10-25&to=2026-10-26&format=csv", &r),
                 200);
    CHECK(r.body && strstr(r.body, "\n2,"));
    ts_response_free(&r);
    /* the year in the public report: the report of 00:30 on New Year's Day
     * is 2026's (it would be 2025's in UTC) */
    const char *none[] = {NULL};
    char cell[64];
    CHECK(ts_call(&t, "GET", "/transparency/report?year=2026&lang=en", none, NULL, 0, &r));
    CHECK_STR_EQ(row_of(r.body, "Reports received", cell, sizeof cell), "7");
    CHECK_STR_EQ(row_of(r.body, "2026-01", cell, sizeof cell), "1");
    CHECK_STR_EQ(row_of(r.body, "2026-03", cell, sizeof cell), "4");
    CHECK_STR_EQ(row_of(r.body, "2026-10", cell, sizeof cell), "2");
    ts_response_free(&r);
    ts_stop(&t);
}

/* What was done about hosted material, on the public report: twelve
 * reports of 10 March 2025 12:00 UTC, eleven routed with a notice sent 6 h
 * after each (three of them sent again), ten removed 12, 24, ..., 120 h
 * after receipt. Counts under 10 read "fewer than 10"; the median time to
 * removal (nearest rank, the 5th of 10: 60 h) is published over 10. Each
 * routed URL went on the blocking list (three of them appealed); the last
 * report's URL is only proposed, not counted. */
static void test_transparency_action(void)
{
    const long long T = 1741608000LL;
    ts_server t;
    CHECK(ts_start(&t, "http.public_burst = 200\n"));
    for (int k = 1; k <= 12; k++) {
        char url[64], sql[900];
        snprintf(url, sizeof url, "https://act%d.example/p", k);
        int64_t id = public_report(&t, "image_video", url, 0);
        snprintf(sql, sizeof sql, "UPDATE reports SET created_at = %lld WHERE id = %lld", T,
                 (long long)id);
        CHECK(id && ti_sql_exec(&t, sql));
        snprintf(sql, sizeof sql,
                 "INSERT INTO blocklist(target, kind, route_id, report_id, proposed_by,"
                 " proposed_at, approved_by, approved_at, legal_basis, category, state)"
                 " VALUES ('%s', 'url', 0, %lld, 'ann', %lld, '%s', %lld, 'Art. 1', 'csam',"
                 " '%s')",
                 url, (long long)id, T + 7200, k == 12 ? "" : "sam", k == 12 ? 0LL : T + 9000,
                 k == 12 ? "proposed" : "listed");
        CHECK(ti_sql_exec(&t, sql));
        if (k <= 3) {
            snprintf(sql, sizeof sql,
                     "INSERT INTO blocklist_appeals(entry_id, url, reason, contact, created_at,"
                     " state) SELECT id, '%s', 'mine', '', %lld, 'open' FROM blocklist"
                     " WHERE report_id = %lld",
                     url, T + 86400, (long long)id);
            CHECK(ti_sql_exec(&t, sql));
        }
        if (k == 12)
            continue;
        snprintf(sql, sizeof sql,
                 "INSERT INTO url_routes(report_id, url, state, actions, reasons, country,"
                 " partner, hosting, created_at) VALUES (%lld, '%s', 'approved', 'notice_host',"
                 " 'x', 'FR', '', '{\"addresses\":[]}', %lld)",
                 (long long)id, url, T + 3600);
        CHECK(ti_sql_exec(&t, sql));
        snprintf(sql, sizeof sql,
                 "INSERT INTO notices(report_id, case_id, url, state, contact, language,"
                 " provider, token_hash, material_sha256, material_pdq, sent_count, created_at,"
                 " first_sent_at, last_sent_at, removed_at) SELECT id, case_id, '%s', 'sent',"
                 " 'abuse@act.example', 'en', 'Act', '', '', '', %d, %lld, %lld, %lld, %lld"
                 " FROM reports WHERE id = %lld",
                 url, k <= 3 ? 2 : 1, T + 3600, T + 6 * 3600, T + 6 * 3600,
                 k <= 10 ? T + k * 12 * 3600LL : 0LL, (long long)id);
        CHECK(ti_sql_exec(&t, sql));
    }
    ts_response r;
    const char *none[] = {NULL};
    char cell[64];
    CHECK(ts_call(&t, "GET", "/transparency/report?year=2025&lang=en", none, NULL, 0, &r));
    CHECK_INT_EQ(r.status, 200);
    CHECK(r.body && strstr(r.body, "What was done about hosted material"));
    const struct {
        const char *label, *value;
    } rows[] = {
        {"Reports sent on to whoever must act", "11"},
        {"Notices sent to hosting providers", "11"},
        {"Reminders sent to hosting providers", "fewer than 10"},
        {"Notices escalated because the material stayed online", "0"},
        {"Reports whose material was removed after a notice", "10"},
        {"Removed within 24 hours of the report", "fewer than 10"},
        {"Removed within 7 days of the report", "10"},
        {"Removed more than 42 days after the report", "0"},
        {"Median time from a report to the first notice", "6.0 hours"},
        {"Median time from a report to the removal of its material", "60.0 hours"},
        {"Addresses put on the blocking list", "11"},
        {"Appeals against the blocking list", "fewer than 10"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        CHECK_MSG(!strcmp(row_of(r.body, rows[i].label, cell, sizeof cell), rows[i].value),
                  "%s: '%s', not '%s'", rows[i].label, cell, rows[i].value);
    ts_response_free(&r);
    /* the same in French */
    CHECK(ts_call(&t, "GET", "/transparency/report?year=2025&lang=fr", none, NULL, 0, &r));
    CHECK_STR_EQ(row_of(r.body, "Notifications envoyées aux hébergeurs", cell, sizeof cell), "11");
    CHECK_STR_EQ(row_of(r.body, "Relances envoyées aux hébergeurs", cell, sizeof cell),
                 "moins de 10");
    CHECK_STR_EQ(row_of(r.body, "Adresses ajoutées à la liste de blocage", cell, sizeof cell),
                 "11");
    ts_response_free(&r);
    ts_stop(&t);
}

/* Where the material was hosted, on the public report: reports of 1 May
 * 2025 routed to FR (12), DE (10), US (4) and NL (3), each counted under
 * its first route's country (one FR report was routed again to RU later:
 * not counted there); two reports not routed and one routed to an unknown
 * country are in no row. The countries under the threshold are not named
 * and their sum is "Other countries": 7 reads "fewer than 10", is 7 at a
 * threshold of 5, and at 4 US is named and NL alone (3) is "fewer than 4".
 * The figures are counted by hand from this history. */
static int host_row_at(const char *html, const char *code)
{
    char mark[64];
    snprintf(mark, sizeof mark, "<th scope=\"row\">%s</th>", code);
    const char *p = html ? strstr(html, mark) : NULL;
    return p ? (int)(p - html) : -1;
}

static void test_transparency_hosts(void)
{
    const long long T = 1746100800LL; /* 2025-05-01 12:00 UTC */
    static const struct {
        const char *country;
        int reports;
    } HOSTS[] = {{"FR", 12}, {"DE", 10}, {"US", 4}, {"NL", 3}, {"", 1}, {NULL, 2}};
    ts_server t;
    CHECK(ts_start(&t, "http.public_burst = 200\n"));
    int k = 0;
    for (size_t h = 0; h < sizeof HOSTS / sizeof HOSTS[0]; h++)
        for (int i = 0; i < HOSTS[h].reports; i++, k++) {
            char url[64], sql[512];
            snprintf(url, sizeof url, "https://host%d.example/p", k);
            int64_t id = public_report(&t, "image_video", url, 0);
            snprintf(sql, sizeof sql, "UPDATE reports SET created_at = %lld WHERE id = %lld", T,
                     (long long)id);
            CHECK(id && ti_sql_exec(&t, sql));
            if (!HOSTS[h].country)
                continue;
            snprintf(sql, sizeof sql,
                     "INSERT INTO url_routes(report_id, url, state, actions, reasons, country,"
                     " partner, hosting, created_at) VALUES (%lld, '%s', 'approved',"
                     " 'notice_host', 'x', '%s', '', '{\"addresses\":[]}', %lld)",
                     (long long)id, url, HOSTS[h].country, T + 3600);
            CHECK(ti_sql_exec(&t, sql));
            if (k == 0) { /* a later route of the same report elsewhere */
                snprintf(sql, sizeof sql,
                         "INSERT INTO url_routes(report_id, url, state, actions, reasons,"
                         " country, partner, hosting, created_at) VALUES (%lld, '%s/2',"
                         " 'approved', 'notice_host', 'x', 'RU', '', '{\"addresses\":[]}', %lld)",
                         (long long)id, url, T + 7200);
                CHECK(ti_sql_exec(&t, sql));
            }
        }
    ts_response r;
    const char *none[] = {NULL};
    char cell[64];
    CHECK(ts_call(&t, "GET", "/transparency/report?year=2025&lang=en", none, NULL, 0, &r));
    CHECK_INT_EQ(r.status, 200);
    CHECK(r.body && strstr(r.body, "<caption>Where the reported material was hosted</caption>"));
    CHECK_STR_EQ(row_of(r.body, "FR", cell, sizeof cell), "12");
    CHECK_STR_EQ(row_of(r.body, "DE", cell, sizeof cell), "10");
    CHECK_STR_EQ(row_of(r.body, "Other countries", cell, sizeof cell), "fewer than 10");
    CHECK(host_row_at(r.body, "FR") >= 0 && host_row_at(r.body, "FR") < host_row_at(r.body, "DE"));
    CHECK(host_row_at(r.body, "DE") < host_row_at(r.body, "Other countries"));
    CHECK(host_row_at(r.body, "US") < 0 && host_row_at(r.body, "NL") < 0 &&
          host_row_at(r.body, "RU") < 0);
    CHECK(r.body && strstr(r.body, "A country with fewer than <bdi>10</bdi> reports is not named"));
    ts_response_free(&r);
    /* in every catalogue language */
    const struct {
        const char *lang, *caption, *other, *fewer;
    } langs[] = {{"fr", "Où le contenu signalé était hébergé", "Autres pays", "moins de 10"},
                 {"de", "Wo das gemeldete Material gehostet war", "Andere Länder", NULL},
                 {"es", "Dónde estaba alojado el material denunciado", "Otros países", NULL},
                 {"ar", "أين كانت المواد المبلَّغ عنها مستضافة", "بلدان أخرى", NULL}};
    for (size_t i = 0; i < sizeof langs / sizeof langs[0]; i++) {
        char path[64];
        snprintf(path, sizeof path, "/transparency/report?year=2025&lang=%s", langs[i].lang);
        CHECK(ts_call(&t, "GET", path, none, NULL, 0, &r));
        CHECK_MSG(r.body && strstr(r.body, langs[i].caption), "%s: the caption", langs[i].lang);
        CHECK_MSG(host_row_at(r.body, langs[i].other) > host_row_at(r.body, "DE"),
                  "%s: other countries", langs[i].lang);
        if (langs[i].fewer)
            CHECK_STR_EQ(row_of(r.body, langs[i].other, cell, sizeof cell), langs[i].fewer);
        ts_response_free(&r);
    }

    /* A lower threshold: the small countries' sum is published... */
    CHECK(reopen(&t, "transparency.suppress_below = 5\n"));
    CHECK(ts_call(&t, "GET", "/transparency/report?year=2025&lang=en", none, NULL, 0, &r));
    CHECK_STR_EQ(row_of(r.body, "Other countries", cell, sizeof cell), "7");
    CHECK(host_row_at(r.body, "US") < 0 && host_row_at(r.body, "NL") < 0);
    ts_response_free(&r);
    /* ...or names one more country, and the rest is one country's count */
    CHECK(reopen(&t, "transparency.suppress_below = 4\n"));
    CHECK(ts_call(&t, "GET", "/transparency/report?year=2025&lang=en", none, NULL, 0, &r));
    CHECK_STR_EQ(row_of(r.body, "US", cell, sizeof cell), "4");
    CHECK_STR_EQ(row_of(r.body, "Other countries", cell, sizeof cell), "fewer than 4");
    CHECK(host_row_at(r.body, "NL") < 0 && host_row_at(r.body, "US") > host_row_at(r.body, "DE"));
    ts_response_free(&r);
    /* every count published: every country named, nothing left over */
    CHECK(reopen(&t, "transparency.suppress_below = 1\n"));
    CHECK(ts_call(&t, "GET", "/transparency/report?year=2025&lang=en", none, NULL, 0, &r));
    CHECK_STR_EQ(row_of(r.body, "NL", cell, sizeof cell), "3");
    CHECK(host_row_at(r.body, "Other countries") < 0 && host_row_at(r.body, "RU") < 0);
    ts_response_free(&r);
    ts_stop(&t);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    RUN(test_api);
    RUN(test_openapi);
    RUN(test_console_page);
    RUN(test_transparency_report);
    RUN(test_time_zone);
    RUN(test_transparency_action);
    RUN(test_transparency_hosts);
    curl_global_cleanup();
    return vg_test_exit();
}

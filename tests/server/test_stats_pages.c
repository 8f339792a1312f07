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
    CHECK(r.body && strstr(r.body, "\n2026-01,1,1,0,0,0,0,0,1,0,0,0,0,0,0,,,\n"));
    CHECK(r.body && strstr(r.body, "\n2026-02,2,2,0,0,0,0,0,2,0,0,0,0,0,0,,,\n"));
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

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    RUN(test_api);
    RUN(test_console_page);
    curl_global_cleanup();
    return vg_test_exit();
}

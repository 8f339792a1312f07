/*
 * What one report costs the database: the SQL statements and the round
 * trips of one report through the public form and one through the partner
 * API, on PostgreSQL, read from the store's counters (store.h). One
 * request at a time on a test server without background jobs, so the
 * counts are the same at every run, unlike times.
 *
 * The budgets below are today's counts: the test fails when a change adds
 * a statement or a round trip to intake. A change that removes some lowers
 * them.
 */
#include "test_people.h"

/* one public report with one URL: POST /report (13 statements and 9
 * round trips before intake skipped the automatic assessment's reads for a
 * report that shares nothing with an earlier one; 7 and 4 before a new
 * case and its report became one statement) */
#define FORM_STATEMENTS 6
#define FORM_ROUND_TRIPS 3
/* one partner report with one URL: POST /api/v1/reports with an
 * Idempotency-Key (19 and 12 before; 13 and 7 before the new case went
 * with the report and the key's row with the COMMIT) */
#define API_STATEMENTS 12
#define API_ROUND_TRIPS 5

typedef struct cost {
    uint64_t statements, round_trips, writes;
} cost;

static void counters(ts_server *t, cost *c)
{
    vg_store_stats ss;
    vg_hotline_store_stats(t->srv->hotline, &ss);
    c->statements = ss.statements;
    c->round_trips = ss.round_trips;
    c->writes = ss.writes;
}

/* The public form, as a visitor sends it: the form's page first (not
 * counted), then the POST. */
static int form_report(ts_server *t, int n, cost *spent)
{
    char cookie[200], csrf[65], url[80];
    if (!ts_anon_form(t, "/report", cookie, csrf))
        return 0;
    snprintf(url, sizeof url, "https://example.test/form/%d", n);
    ti_multipart m = {0};
    ti_mp_field(&m, "csrf_token", csrf);
    ti_mp_field(&m, "lang", "en");
    ti_mp_field(&m, "category", "grooming");
    ti_mp_field(&m, "urls", url);
    ti_mp_field(&m, "reporter_kind", "public");
    ti_mp_end(&m);
    const char *headers[] = {cookie, "Content-Type: multipart/form-data; boundary=" TI_BOUNDARY,
                             NULL};
    cost before, after;
    counters(t, &before);
    ts_response r;
    int ok = ts_call(t, "POST", "/report", headers, m.buf, m.len, &r) && r.status == 303;
    counters(t, &after);
    free(m.buf);
    ts_response_free(&r);
    spent->statements = after.statements - before.statements;
    spent->round_trips = after.round_trips - before.round_trips;
    spent->writes = after.writes - before.writes;
    return ok;
}

static int api_report(ts_server *t, const char *auth, int n, cost *spent)
{
    char body[100], idem[64];
    snprintf(body, sizeof body, "{\"urls\":[\"https://example.test/api/%d\"]}", n);
    snprintf(idem, sizeof idem, "Idempotency-Key: cost-%d", n);
    const char *headers[] = {auth, "Content-Type: application/json", idem, NULL};
    cost before, after;
    counters(t, &before);
    ts_response r;
    int ok = ts_call(t, "POST", "/api/v1/reports", headers, body, strlen(body), &r) &&
             r.status == 201;
    counters(t, &after);
    ts_response_free(&r);
    spent->statements = after.statements - before.statements;
    spent->round_trips = after.round_trips - before.round_trips;
    spent->writes = after.writes - before.writes;
    return ok;
}

static void test_intake_cost(void)
{
    ts_server t;
    CHECK(ts_start(&t, NULL));
    char key[80], auth[120];
    CHECK(ts_api_key(&t, "Example Platform", 100000, key) > 0);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", key);

    /* The first of each kind may fill what later ones reuse (prepared
     * statements, caches): the second is measured, and the third must
     * cost the same. */
    cost form[3], api[3];
    for (int i = 0; i < 3; i++) {
        CHECK(form_report(&t, i, &form[i]));
        CHECK(api_report(&t, auth, i, &api[i]));
    }
    fprintf(stderr, "  public form: %llu statements, %llu round trips, %llu writes\n",
            (unsigned long long)form[1].statements, (unsigned long long)form[1].round_trips,
            (unsigned long long)form[1].writes);
    fprintf(stderr, "  partner API: %llu statements, %llu round trips, %llu writes\n",
            (unsigned long long)api[1].statements, (unsigned long long)api[1].round_trips,
            (unsigned long long)api[1].writes);
    CHECK_INT_EQ(form[2].statements, form[1].statements);
    CHECK_INT_EQ(form[2].round_trips, form[1].round_trips);
    CHECK_INT_EQ(api[2].statements, api[1].statements);
    CHECK_INT_EQ(api[2].round_trips, api[1].round_trips);
    /* one write each: the report and all that goes with it in one transaction */
    CHECK_INT_EQ(form[1].writes, 1);
    CHECK_INT_EQ(api[1].writes, 1);

    CHECK_MSG(form[1].statements <= FORM_STATEMENTS, "the public form now takes %llu statements",
              (unsigned long long)form[1].statements);
    CHECK_MSG(form[1].round_trips <= FORM_ROUND_TRIPS,
              "the public form now takes %llu round trips",
              (unsigned long long)form[1].round_trips);
    CHECK_MSG(api[1].statements <= API_STATEMENTS, "the partner API now takes %llu statements",
              (unsigned long long)api[1].statements);
    CHECK_MSG(api[1].round_trips <= API_ROUND_TRIPS,
              "the partner API now takes %llu round trips",
              (unsigned long long)api[1].round_trips);
    ts_stop(&t);
}

int main(void)
{
    if (!ts_on_postgres()) {
        fprintf(stderr, "test_intake_cost: counts PostgreSQL's statements (run as "
                        "test_intake_cost_pg)\n");
        return 77;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    RUN(test_intake_cost);
    curl_global_cleanup();
    return vg_test_exit();
}

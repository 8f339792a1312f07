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

#include <sys/stat.h>

#include "hotline/forwarding.h"

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
/* the same from a partner hotline that is called back (its key's
 * organisation is a partner's key_org): its callback is made due, after
 * one read of the key by its id (and one write), whatever the number of
 * keys */
#define PARTNER_STATEMENTS (API_STATEMENTS + 2)

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

/* A partner report from a hotline this one calls back (routing.partners'
 * key_org): what it costs with two keys and with many more is the same,
 * and its callback is due. */
static void test_partner_intake_cost(void)
{
    const char *base = getenv("TMPDIR");
    char dir[300], csv[400], extra[600];
    snprintf(dir, sizeof dir, "%s/vg-cost-XXXXXX", base && *base ? base : "/tmp");
    CHECK(mkdtemp(dir) != NULL);
    snprintf(csv, sizeof csv, "%s/partners.csv", dir);
    FILE *f = fopen(csv, "w");
    CHECK(f != NULL);
    if (!f)
        return;
    fputs("country,name,url,key,key_org\n"
          "DE,Example DE hotline,https://de.example,k-de,Example DE hotline\n",
          f);
    fclose(f);
    chmod(csv, 0600);
    snprintf(extra, sizeof extra, "routing.country = FR\nrouting.partners = %s\n", csv);
    ts_server t;
    CHECK(ts_start(&t, extra));
    if (!t.srv) {
        remove(csv);
        rmdir(dir);
        return;
    }
    char key[80], other[80], auth[120];
    CHECK(ts_api_key(&t, "Example DE hotline", 100000, key) > 0);
    CHECK(ts_api_key(&t, "Example Platform", 100000, other) > 0);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", key);
    cost api[4];
    for (int i = 0; i < 3; i++)
        CHECK(api_report(&t, auth, 100 + i, &api[i]));
    /* many more keys: the partner's is still read by its id alone */
    for (int i = 0; i < 100; i++) {
        char org[40];
        snprintf(org, sizeof org, "Platform %d", i);
        CHECK(ts_api_key(&t, org, 10, other) > 0);
    }
    CHECK(api_report(&t, auth, 103, &api[3]));
    fprintf(stderr, "  partner hotline called back: %llu statements, %llu round trips\n",
            (unsigned long long)api[1].statements, (unsigned long long)api[1].round_trips);
    CHECK_INT_EQ(api[2].statements, api[1].statements);
    CHECK_INT_EQ(api[3].statements, api[1].statements);
    CHECK_INT_EQ(api[3].round_trips, api[1].round_trips);
    CHECK_MSG(api[1].statements <= PARTNER_STATEMENTS,
              "a partner's report now takes %llu statements",
              (unsigned long long)api[1].statements);
    /* each report's callback is due: the partner learns it was received */
    vg_partner_callback *due = NULL;
    size_t n = 0;
    CHECK(vg_hotline_callbacks_due(t.srv->hotline, (int64_t)time(NULL) + 1, 10, &due, &n,
                                   NULL) == VG_OK);
    CHECK_INT_EQ(n, 4);
    for (size_t i = 0; i < n; i++)
        CHECK_STR_EQ(due[i].target, "DE");
    vg_partner_callbacks_free(due, n);
    ts_stop(&t);
    remove(csv);
    rmdir(dir);
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
    RUN(test_partner_intake_cost);
    curl_global_cleanup();
    return vg_test_exit();
}

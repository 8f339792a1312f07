/*
 * Alerts in the console: a report of live abuse is shown on every console
 * page until someone acknowledges its alert on /console/alerts (with the
 * session's CSRF token; once; audited with who did it), and it comes
 * first in the queue. Reports arrive through the public form. No channel
 * is configured here: tests/jobs/test_alerts.c sends them.
 */
#include "store_peek.h"
#include "test_people.h"

typedef struct ack_find {
    int count;
    char actor[64], target[32];
} ack_find;

static int on_entry(const vg_audit_entry *e, void *ctx)
{
    ack_find *f = ctx;
    if (!strcmp(e->action, "alert.ack") && !strcmp(e->target, f->target)) {
        f->count++;
        snprintf(f->actor, sizeof f->actor, "%s", e->actor);
    }
    return 0;
}

static void test_alert_until_acknowledged(void)
{
    ts_server t;
    CHECK(ts_start(&t, NULL));
    person alice, bob;
    CHECK(sign_in(&t, "alice", VG_ROLE_ANALYST, &alice));
    CHECK(sign_in(&t, "bob", VG_ROLE_ANALYST, &bob));

    /* nothing urgent: no banner */
    int64_t picture = public_report(&t, "image_of_me", "https://gallery.example/me", 3);
    ts_response r;
    CHECK(get(&t, &alice, "/console", &r));
    CHECK_INT_EQ(r.status, 200);
    CHECK(strstr(r.body, "alerts-waiting") == NULL);
    ts_response_free(&r);

    int64_t live = public_report(&t, "livestream", "https://stream.example/live", 0);
    CHECK(picture && live);
    /* every console page says so, and the live abuse comes first in the
     * queue, before a picture of the reporter with a new file */
    const char *pages[] = {"/console", "/console/queue", "/console/queue?done=1"};
    for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++) {
        CHECK(get(&t, &bob, pages[i], &r));
        CHECK_MSG(r.status == 200 && strstr(r.body, "id=\"alerts-waiting\"") &&
                      strstr(r.body, "not yet acknowledged: 1<"),
                  "%s", pages[i]);
        ts_response_free(&r);
    }
    char mark[2][64];
    snprintf(mark[0], 64, "data-report=\"%lld\"", (long long)live);
    snprintf(mark[1], 64, "data-report=\"%lld\"", (long long)picture);
    CHECK(get(&t, &bob, "/console/queue", &r));
    const char *a = strstr(r.body, mark[0]), *b = strstr(r.body, mark[1]);
    CHECK_MSG(a && b && a < b, "live abuse is not first");
    ts_response_free(&r);

    /* the alert list: why, the report, no channel configured */
    CHECK(get(&t, NULL, "/console/alerts", &r));
    CHECK_INT_EQ(r.status, 401);
    ts_response_free(&r);
    CHECK(get(&t, &alice, "/console/alerts", &r));
    CHECK_INT_EQ(r.status, 200);
    char link[64];
    snprintf(link, sizeof link, "/console/item?id=%lld\"", (long long)live);
    CHECK(strstr(r.body, "Abuse streamed live") && strstr(r.body, link) &&
          strstr(r.body, "no channel is configured"));
    const char *field = strstr(r.body, "name=\"alert\" value=\"");
    CHECK(field != NULL);
    long long alert = field ? atoll(field + strlen("name=\"alert\" value=\"")) : 0;
    ts_response_free(&r);

    /* acknowledging needs the session's token; then once, by alice */
    char f[64];
    snprintf(f, sizeof f, "alert=%lld", alert);
    CHECK_INT_EQ(post(&t, &alice, "/console/alerts/ack", f, 1, &r), 403);
    ts_response_free(&r);
    CHECK_INT_EQ(post_simple(&t, &alice, "/console/alerts/ack", f), 303);
    CHECK_INT_EQ(post(&t, &bob, "/console/alerts/ack", f, 0, &r), 409);
    CHECK(strstr(r.body, "acknowledged already, by alice") != NULL);
    ts_response_free(&r);
    CHECK_INT_EQ(post_simple(&t, &bob, "/console/alerts/ack", "alert=999999"), 404);
    CHECK_INT_EQ(post_simple(&t, &bob, "/console/alerts/ack", "alert=x"), 400);

    ack_find found = {0};
    snprintf(found.target, sizeof found.target, "report:%lld", (long long)live);
    ts_audit_each(t.srv->hotline->store, on_entry, &found);
    CHECK_INT_EQ(found.count, 1);
    CHECK_STR_EQ(found.actor, "user:alice");

    /* gone from every page; listed as acknowledged */
    CHECK(get(&t, &bob, "/console", &r));
    CHECK(strstr(r.body, "alerts-waiting") == NULL);
    ts_response_free(&r);
    CHECK(get(&t, &bob, "/console/alerts", &r));
    CHECK(strstr(r.body, "No alert is waiting") && strstr(r.body, "Acknowledged lately") &&
          strstr(r.body, "alice, "));
    CHECK(strstr(r.body, "Acknowledged: the alert") == NULL);
    ts_response_free(&r);
    /* where the acknowledgement leads: the page says it was done */
    CHECK(get(&t, &alice, "/console/alerts?msg=acked", &r));
    CHECK(strstr(r.body, "<p class=\"msg ok\" role=\"status\">Acknowledged: the alert") != NULL);
    ts_response_free(&r);
    ts_stop(&t);
}

int main(void)
{
    RUN(test_alert_until_acknowledged);
    return vg_test_exit();
}

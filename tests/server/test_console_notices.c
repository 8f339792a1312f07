/*
 * Notices in the server: the console lists them and shows one notice's
 * history, an analyst confirms what a URL serves (CSRF, audited), and the
 * host opens /notice/{token} from the link in its notice, without an
 * account, to acknowledge it or say it removed the material (which only
 * brings the next check forward); the case page lists the case's notices
 * and its timeline their messages. The URL here serves nothing (a closed
 * port on loopback): the check concludes nothing and no mail is sent;
 * tests/jobs/test_notices.c has the whole life with a web site and a mail
 * server.
 */
#include <time.h>

#include "hotline/notices.h"
#include "server/server.h"
#include "store/items.h"
#include "store/routes.h"
#include "store_peek.h"
#include "test_people.h"
#include "util/secure.h"

typedef struct route_args {
    int64_t report;
    const char *url;
} route_args;

static vg_status route_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    route_args *a = ctx;
    vg_item it = {.report_id = a->report, .version = 3, .state = VG_ITEM_CONFIRMED,
                  .legal = VG_LEGAL_CSAM, .decided_by = "bob"};
    vg_status st = vg_tx_item_put(tx, &it, 1700000000, err);
    vg_url_route_row route = {
        .report_id = a->report, .url = (char *)a->url, .state = VG_URL_ROUTE_APPROVED,
        .actions = "notice_host", .reasons = "hosted_home", .country = "FR", .partner = "",
        .hosting = "{\"addresses\":[{\"abuse_contact\":\"abuse@host.test\",\"language\":\"fr\","
                   "\"as_name\":\"Hébergeur Exemple\"}]}",
        .created_at = 1700000000};
    int inserted = 0;
    return st == VG_OK ? vg_tx_route_put(tx, &route, &inserted, err) : st;
}

static int audited(ts_server *t, const char *action)
{
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM audit WHERE action = '%s'", action);
    return (int)ti_sql_int(t, sql);
}

static void test_notice_pages(void)
{
    ts_server t;
    CHECK(ts_start(&t, "alerts.test_allow_local = true\n"
                       "alerts.console_url = http://vigie.test/\n"
                       "alerts.email.server = smtp://127.0.0.1:9\n"
                       "alerts.email.from = vigie@hotline.test\n"
                       "alerts.email.to = duty@hotline.test\n"
                       "notices.enabled = true\n"
                       "notices.public_url = http://hotline.test\n"
                       "fetch.allow_private = true\n"
                       "fetch.timeout_seconds = 5\n"));
    person alice;
    CHECK(sign_in(&t, "alice", VG_ROLE_ANALYST, &alice));
    const char *url = "http://127.0.0.1:9/gone.jpg";
    int64_t report = public_report(&t, "image_video", url, 0);
    CHECK(report > 0);
    route_args ra = {report, url};
    vg_hotline *h = t.srv->hotline;
    vg_error err;
    CHECK_MSG(vg_store_write(h->store, route_tx, &ra, &err) == VG_OK, "%s", err.message);
    vg_notice_pass pass;
    CHECK_MSG(vg_hotline_notices_run(h, (int64_t)time(NULL), 10, &pass, &err) == VG_OK, "%s",
              err.message);
    CHECK_INT_EQ(pass.created, 1);
    CHECK_INT_EQ(pass.sent, 0);
    int64_t id = ti_sql_int(&t, "SELECT id FROM notices");

    ts_response r;
    CHECK(get(&t, NULL, "/console/notices", &r));
    CHECK_INT_EQ(r.status, 401);
    ts_response_free(&r);
    CHECK(get(&t, &alice, "/console/notices", &r));
    CHECK_MSG(r.status == 200 && strstr(r.body, "http://127.0.0.1:9/gone.jpg") &&
                  strstr(r.body, "abuse@host.test") && strstr(r.body, "Hébergeur Exemple") &&
                  strstr(r.body, ">pending<"),
              "%s", r.body);
    ts_response_free(&r);
    CHECK(get(&t, &alice, "/console/notices?state=removed", &r));
    CHECK(r.status == 200 && strstr(r.body, "No notice."));
    ts_response_free(&r);

    /* one notice: its check (no connection), the confirm button */
    char path[64], form[64];
    snprintf(path, sizeof path, "/console/notice?id=%lld", (long long)id);
    CHECK(get(&t, &alice, path, &r));
    CHECK_MSG(r.status == 200 && strstr(r.body, "saw: nothing") &&
                  strstr(r.body, "I confirm this URL serves the material"),
              "%s", r.body);
    ts_response_free(&r);
    CHECK(get(&t, &alice, "/console/notice?id=999", &r));
    CHECK_INT_EQ(r.status, 404);
    ts_response_free(&r);
    snprintf(form, sizeof form, "notice=%lld", (long long)id);
    CHECK_INT_EQ(post(&t, &alice, "/console/notice/confirm", form, 1, &r), 403);
    ts_response_free(&r);
    CHECK_INT_EQ(audited(&t, "notice.confirm"), 0);
    CHECK_INT_EQ(post_simple(&t, &alice, "/console/notice/confirm", form), 303);
    CHECK_INT_EQ(audited(&t, "notice.confirm"), 1);
    CHECK_INT_EQ(ti_sql_int(&t, "SELECT confirmed FROM notices"), 1);
    CHECK_INT_EQ(post_simple(&t, &alice, "/console/notice/confirm", "notice=999"), 404);

    /* confirmed: the next check tries the notice, which the mail server
     * (a closed port) does not take; the case page lists the notice and
     * its timeline the message not delivered */
    CHECK(vg_hotline_notices_run(h, (int64_t)time(NULL) + 7 * 86400, 10, &pass, &err) == VG_OK);
    CHECK_INT_EQ(pass.failed, 1);
    snprintf(path, sizeof path, "/console/case?id=%lld",
             (long long)ti_sql_int(&t, "SELECT case_id FROM notices"));
    CHECK(get(&t, &alice, path, &r));
    char notice_link[64];
    snprintf(notice_link, sizeof notice_link, "/console/notice?id=%lld\">", (long long)id);
    const char *section = r.body ? strstr(r.body, "<h2>Notices to hosts</h2>") : NULL;
    const char *timeline = r.body ? strstr(r.body, "<h2>Timeline</h2>") : NULL;
    CHECK_MSG(r.status == 200 && section && strstr(section, notice_link) &&
                  strstr(section, "abuse@host.test"),
              "%s", r.body);
    CHECK_MSG(timeline && strstr(timeline, "notice NOT delivered to abuse@host.test") &&
                  strstr(timeline, "notice:"),
              "%s", r.body);
    ts_response_free(&r);

    /* the host's page: the token of the notice's link is the server's
     * HMAC of "notice:REPORT:URL" (hotline/notices.c) */
    char msg[200], token[65], host_path[100];
    int n = snprintf(msg, sizeof msg, "notice:%lld:%s", (long long)report, url);
    vg_hmac_sha256_hex(h->name_key, sizeof h->name_key, msg, (size_t)n, token);
    snprintf(host_path, sizeof host_path, "/notice/%s", token);
    const char *none[] = {NULL};
    CHECK(ts_call(&t, "GET", "/notice/0123", none, NULL, 0, &r));
    CHECK_INT_EQ(r.status, 404);
    ts_response_free(&r);
    const char *french[] = {"Accept-Language: fr", NULL};
    CHECK(ts_call(&t, "GET", host_path, french, NULL, 0, &r));
    CHECK_MSG(r.status == 200 && strstr(r.body, "Nous avons reçu ce signalement") &&
                  strstr(r.body, url),
              "%s", r.body);
    char cookie[200] = "", csrf[80] = "", value[128], body[300];
    if (ts_set_cookie(&r, "vigie_csrf", value, sizeof value, NULL, 0))
        snprintf(cookie, sizeof cookie, "Cookie: vigie_csrf=%s", value);
    const char *mark = strstr(r.body, "name=\"csrf_token\" value=\"");
    if (mark) {
        mark += strlen("name=\"csrf_token\" value=\"");
        snprintf(csrf, sizeof csrf, "%.*s", (int)strcspn(mark, "\""), mark);
    }
    ts_response_free(&r);
    snprintf(body, sizeof body, "csrf_token=%s&said=removed", csrf);
    const char *headers[] = {cookie, "Content-Type: application/x-www-form-urlencoded", NULL};
    CHECK(ts_call(&t, "POST", host_path, headers, body, strlen(body), &r));
    CHECK_MSG(r.status == 200 && strstr(r.body, "Thank you"), "%ld %s", r.status, r.body);
    ts_response_free(&r);
    CHECK(ti_sql_int(&t, "SELECT host_removed_at FROM notices") > 0);
    CHECK(ti_sql_int(&t, "SELECT acked_at FROM notices") > 0);
    /* the host's word is not a removal */
    CHECK(ti_sql_int(&t, "SELECT removed_at FROM notices") == 0);
    CHECK_INT_EQ(audited(&t, "notice.host"), 1);
    ts_stop(&t);
}

int main(void)
{
    RUN(test_notice_pages);
    return vg_test_exit();
}

/*
 * The provider page (issue 15): a new notice keeps the host its route's
 * lookup saw (the AS, its name and country of the address whose contact is
 * notified); /console/providers gives the time to removal per provider and
 * per AS from a known history of notices with set times, every figure
 * worked out by hand (nearest-rank quantiles; exactly 24 h is within
 * 24 h), the same in its CSV and JSON lines; a provider's link lists its
 * notices still up; supervisors only (an analyst gets 403).
 * tests/model/test_model.c (test_takedown) has the windows' every edge.
 */
#include <time.h>

#include "hotline/notices.h"
#include "server/server.h"
#include "store/items.h"
#include "store/notices.h"
#include "store/routes.h"
#include "store_peek.h"
#include "test_people.h"

#define H 3600
#define D (24 * H)

typedef struct route_args {
    int64_t report;
    const char *url;
} route_args;

/* A route whose lookup found two addresses: the first with no abuse
 * contact, the second with one (the notified host). */
static vg_status route_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    route_args *a = ctx;
    vg_item it = {.report_id = a->report, .version = 3, .state = VG_ITEM_CONFIRMED,
                  .legal = VG_LEGAL_CSAM, .decided_by = "bob"};
    vg_status st = vg_tx_item_put(tx, &it, 1700000000, err);
    vg_url_route_row route = {
        .report_id = a->report, .url = (char *)a->url, .state = VG_URL_ROUTE_APPROVED,
        .actions = "notice_host", .reasons = "hosted_home", .country = "DE", .partner = "",
        .hosting = "{\"host\":\"127.0.0.1\",\"addresses\":["
                   "{\"ip\":\"192.0.2.7\",\"country\":\"NL\",\"asn\":64510,\"as_name\":\"CDN\"},"
                   "{\"ip\":\"192.0.2.8\",\"country\":\"DE\",\"asn\":64500,"
                   "\"as_name\":\"Alpha Hosting AS\",\"abuse_contact\":\"abuse@alpha.test\"}]}",
        .created_at = 1700000000};
    int inserted = 0;
    return st == VG_OK ? vg_tx_route_put(tx, &route, &inserted, err) : st;
}

typedef struct notice_args {
    vg_notice_row row;
} notice_args;

static vg_status notice_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    notice_args *a = ctx;
    return vg_tx_notice_put(tx, &a->row, &a->row.id, err);
}

static void test_provider_page(void)
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
    person alice, sue;
    CHECK(sign_in(&t, "alice", VG_ROLE_ANALYST, &alice));
    CHECK(sign_in(&t, "sue", VG_ROLE_SUPERVISOR, &sue));
    vg_hotline *h = t.srv->hotline;
    vg_error err;

    /* the notices job makes a notice from the route: the notified host's
     * AS, name and country */
    const char *url = "http://127.0.0.1:9/a0.jpg";
    int64_t report = public_report(&t, "image_video", url, 0);
    route_args ra = {report, url};
    CHECK_MSG(vg_store_write(h->store, route_tx, &ra, &err) == VG_OK, "%s", err.message);
    vg_notice_pass pass;
    CHECK(vg_hotline_notices_run(h, (int64_t)time(NULL), 10, &pass, &err) == VG_OK);
    CHECK_INT_EQ(pass.created, 1);
    CHECK_INT_EQ(ti_sql_int(&t, "SELECT count(*) FROM notices WHERE asn = 64500"
                                " AND as_name = 'Alpha Hosting AS' AND host_country = 'DE'"
                                " AND provider = 'Alpha Hosting AS'"),
                 1);
    int64_t made = ti_sql_int(&t, "SELECT id FROM notices");
    int64_t case_id = ti_sql_int(&t, "SELECT case_id FROM notices");

    /* the history: Alpha (AS64500) removed after exactly 24 h, 25 h,
     * exactly 42 days, 42 days and an hour; two still up, one sent 43
     * days ago; Beta (AS64501) after 2 h and 10 h; one never sent */
    const int64_t now = (int64_t)time(NULL), T = now - 100 * D;
    const struct {
        const char *provider;
        int64_t asn, sent, removed;
    } history[] = {
        {"Alpha Hosting AS", 64500, T, T + 24 * H},   {"Alpha Hosting AS", 64500, T, T + 25 * H},
        {"Alpha Hosting AS", 64500, T, T + 42 * D},   {"Alpha Hosting AS", 64500, T, T + 42 * D + H},
        {"Alpha Hosting AS", 64500, now - 43 * D, 0}, {"Alpha Hosting AS", 64500, now - H, 0},
        {"Beta Net", 64501, T, T + 2 * H},            {"Beta Net", 64501, T, T + 10 * H},
        {"Gamma", 64502, 0, 0},
    };
    for (size_t i = 0; i < sizeof history / sizeof history[0]; i++) {
        char u[64], token[16];
        snprintf(u, sizeof u, "http://127.0.0.1:9/h%zu.jpg", i);
        snprintf(token, sizeof token, "t%zu", i);
        notice_args p = {{.id = i == 0 ? made : 0, .report_id = report, .case_id = case_id,
                       .url = u, .state = history[i].removed ? VG_NOTICE_REMOVED
                                          : history[i].sent  ? VG_NOTICE_SENT
                                                             : VG_NOTICE_PENDING,
                       .contact = "abuse@x.test", .provider = (char *)history[i].provider,
                       .token_hash = token, .created_at = T, .sent_count = 1,
                       .first_sent_at = history[i].sent, .last_sent_at = history[i].sent,
                       .removed_at = history[i].removed, .asn = history[i].asn,
                       .as_name = (char *)history[i].provider, .host_country = "DE"}};
        CHECK_MSG(vg_store_write(h->store, notice_tx, &p, &err) == VG_OK, "%s", err.message);
    }

    ts_response r;
    CHECK(get(&t, &alice, "/console/providers", &r));
    CHECK_INT_EQ(r.status, 403);
    ts_response_free(&r);
    CHECK(get(&t, &alice, "/console/notices", &r));
    CHECK(r.status == 200 && !strstr(r.body, "/console/providers"));
    ts_response_free(&r);
    CHECK(get(&t, &sue, "/console/notices", &r));
    CHECK(r.status == 200 && strstr(r.body, "href=\"/console/providers\""));
    ts_response_free(&r);

    CHECK(get(&t, &sue, "/console/providers", &r));
    const char *alpha = r.body ? strstr(r.body, "<th scope=\"row\">Alpha Hosting AS") : NULL;
    const char *beta = r.body ? strstr(r.body, "<th scope=\"row\">Beta Net") : NULL;
    const char *asns = r.body ? strstr(r.body, "<table id=\"asns\">") : NULL;
    CHECK_MSG(r.status == 200 && alpha && beta && asns && alpha < beta && beta < asns, "%s",
              r.body);
    /* sent, removed, still up; median 25 h (rank 2 of 4), 90th percentile
     * 1009 h (rank 4 of 4); within 24 h 1 of 6, 3 days 2, 7 days 2,
     * beyond 42 days 2 (one removed after 1009 h, one still up 43 days) */
    CHECK_MSG(alpha && strstr(alpha, "href=\"/console/notices?up=1&amp;provider=Alpha%20Hosting%20AS\"") &&
                  strstr(alpha, "<td class=\"num\">6</td><td class=\"num\">4</td>"
                                "<td class=\"num\">2</td><td class=\"num\">25.00 h</td>"
                                "<td class=\"num\">1009.00 h</td><td class=\"num\">16.7% (1)</td>"
                                "<td class=\"num\">33.3% (2)</td><td class=\"num\">33.3% (2)</td>"
                                "<td class=\"num\">33.3% (2)</td></tr>") == strstr(alpha, "<td"),
              "%s", alpha ? alpha : "");
    CHECK_MSG(beta && strstr(beta, "<td class=\"num\">2</td><td class=\"num\">2</td>"
                                   "<td class=\"num\">0</td><td class=\"num\">2.00 h</td>"
                                   "<td class=\"num\">10.00 h</td><td class=\"num\">100.0% (2)</td>"
                                   "<td class=\"num\">100.0% (2)</td><td class=\"num\">100.0% (2)</td>"
                                   "<td class=\"num\">0.0% (0)</td></tr>") == strstr(beta, "<td"),
              "%s", beta ? beta : "");
    CHECK(asns && strstr(asns, "<th scope=\"row\">AS64500 <a href=\"/console/notices?up=1&amp;"
                               "asn=64500\">(its notices still up)</a></th><td>Alpha Hosting AS"));
    CHECK(!r.body || !strstr(r.body, "Gamma")); /* never sent */
    ts_response_free(&r);

    /* the downloads: the same figures */
    CHECK(get(&t, &sue, "/console/providers?format=csv", &r));
    CHECK_INT_EQ(r.status, 200);
    CHECK_MSG(r.body && !strcmp(r.body,
                                "provider,sent,removed,still_up,median_h,p90_h,within_24h,"
                                "within_3d,within_7d,over_42d,share_24h,share_3d,share_7d,"
                                "share_over_42d\n"
                                "Alpha Hosting AS,6,4,2,25.00,1009.00,1,2,2,2,0.1667,0.3333,"
                                "0.3333,0.3333\n"
                                "Beta Net,2,2,0,2.00,10.00,2,2,2,0,1.0000,1.0000,1.0000,0.0000\n"),
              "%s", r.body);
    ts_response_free(&r);
    CHECK(get(&t, &sue, "/console/providers?format=json&by=asn&sort=name", &r));
    CHECK_MSG(r.status == 200 && r.body &&
                  !strcmp(r.body,
                          "{\"asn\":\"AS64500\",\"as_name\":\"Alpha Hosting AS\",\"sent\":6,"
                          "\"removed\":4,\"still_up\":2,\"median_h\":25.00,\"p90_h\":1009.00,"
                          "\"within_24h\":1,\"within_3d\":2,\"within_7d\":2,\"over_42d\":2,"
                          "\"share_24h\":0.1667,\"share_3d\":0.3333,\"share_7d\":0.3333,"
                          "\"share_over_42d\":0.3333}\n"
                          "{\"asn\":\"AS64501\",\"as_name\":\"Beta Net\",\"sent\":2,"
                          "\"removed\":2,\"still_up\":0,\"median_h\":2.00,\"p90_h\":10.00,"
                          "\"within_24h\":2,\"within_3d\":2,\"within_7d\":2,\"over_42d\":0,"
                          "\"share_24h\":1.0000,\"share_3d\":1.0000,\"share_7d\":1.0000,"
                          "\"share_over_42d\":0.0000}\n"),
              "%s", r.body);
    ts_response_free(&r);
    CHECK(get(&t, &sue, "/console/providers?format=xml", &r));
    CHECK_INT_EQ(r.status, 400);
    ts_response_free(&r);
    CHECK(get(&t, &sue, "/console/providers?sort=fastest", &r));
    CHECK_INT_EQ(r.status, 400);
    ts_response_free(&r);

    /* a provider's link: its notices still up, and only those */
    CHECK(get(&t, &sue, "/console/notices?up=1&provider=Alpha%20Hosting%20AS", &r));
    CHECK_MSG(r.status == 200 && strstr(r.body, "/h4.jpg") && strstr(r.body, "/h5.jpg") &&
                  !strstr(r.body, "/h1.jpg") && !strstr(r.body, "/h6.jpg") &&
                  strstr(r.body, "id=\"notices-of\""),
              "%s", r.body);
    ts_response_free(&r);
    CHECK(get(&t, &sue, "/console/notices?up=1&asn=64501", &r));
    CHECK(r.status == 200 && strstr(r.body, "No notice."));
    ts_response_free(&r);
    ts_stop(&t);
}

int main(void)
{
    RUN(test_provider_page);
    return vg_test_exit();
}

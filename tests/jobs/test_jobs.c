/*
 * Background jobs: housekeeping forgets what has outlived its use and
 * nothing else, and with two nodes on one store a job runs on one of them,
 * taken over by the other when the first dies with the lease.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "pg_test.h"
#include "hotline/accounts.h"
#include "hotline/housekeeping.h"
#include "hotline/routing.h"
#include "hotline/stats.h"
#include "jobs/jobs.h"
#include "store/people.h"
#include "store/items.h"
#include "store/reports.h"
#include "../unit/hosting/fake_net.h"
#include "../unit/hosting/locdb.h"

typedef struct plant {
    int64_t now;
} plant;

/* Two of each: one outlived, one still in use. */
static vg_status plant_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    int64_t now = ((plant *)ctx)->now;
    vg_idempotency old_key = {"old", "h1", "{}"}, new_key = {"new", "h2", "{}"};
    vg_session gone = {.token_hash = "a1", .account_id = 1, .csrf_token = "c1",
                       .created_at = now - 7200, .expires_at = now - 60};
    vg_session live = {.token_hash = "a2", .account_id = 1, .csrf_token = "c2",
                       .created_at = now, .expires_at = now + 3600};
    vg_login_state idle = {.failures = 2}, paused = {.failures = 5, .locked_until = now + 600};
    int64_t id = 0;
    vg_status st;
    if ((st = vg_tx_account_create(tx, "ann", "x", VG_ROLE_ANALYST, now, &id, err)) ||
        (st = vg_tx_idempotency_put(tx, 1, &old_key, 0, now - 3 * 3600, err)) ||
        (st = vg_tx_idempotency_put(tx, 1, &new_key, 0, now - 60, err)) ||
        (st = vg_tx_session_create(tx, &live, 10, now, err)) ||
        /* made two hours ago (creating one sweeps those expired by then) */
        (st = vg_tx_session_create(tx, &gone, 10, now - 7200, err)) ||
        (st = vg_tx_login_put(tx, "idle", &idle, now - 2 * 86400, err)))
        return st;
    return vg_tx_login_put(tx, "paused", &paused, now - 2 * 86400, err);
}

typedef struct count_args {
    int idem_old, idem_new, session_gone, session_live;
    vg_login_state idle, paused;
} count_args;

static vg_status count_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    count_args *c = ctx;
    int64_t rid;
    char *resp = NULL, *hash = NULL;
    vg_status st = vg_tx_idempotency_get(tx, 1, "old", &c->idem_old, &rid, &resp, &hash, err);
    free(resp);
    free(hash);
    resp = hash = NULL;
    if (st == VG_OK)
        st = vg_tx_idempotency_get(tx, 1, "new", &c->idem_new, &rid, &resp, &hash, err);
    free(resp);
    free(hash);
    if (st == VG_OK)
        st = vg_tx_login_get(tx, "idle", &c->idle, err);
    if (st == VG_OK)
        st = vg_tx_login_get(tx, "paused", &c->paused, err);
    return st;
}

typedef struct log_count {
    atomic_int info, error;
    char last[256];
} log_count;

static void count_log(void *ctx, const char *level, const char *job, const char *text)
{
    log_count *l = ctx;
    atomic_fetch_add(!strcmp(level, "info") ? &l->info : &l->error, 1);
    snprintf(l->last, sizeof l->last, "%s: %s", job, text);
}

/* On PostgreSQL (VIGIE_TEST_BACKEND=postgresql, as test_jobs_pg), the
 * database of the current test, shared by its nodes. */
static char pg_url[512];

static void new_store(void)
{
    const char *backend = getenv("VIGIE_TEST_BACKEND");
    if (!backend || strcmp(backend, "postgresql"))
        return;
    pgt_require("test_jobs");
    if (pg_url[0])
        pgt_drop(pg_url);
    CHECK(pgt_create(pg_url, sizeof pg_url));
}

static int open_hotline(const char *dir, vg_hotline **h)
{
    vg_config *cfg = NULL;
    char text[1200];
    snprintf(text, sizeof text, "data_dir = %s\napi.idempotency_hours = 1\n%s%s\n", dir,
             pg_url[0] ? "database = " : "", pg_url);
    int ok = vg_config_new(&cfg, NULL) == VG_OK &&
             vg_config_parse(cfg, text, strlen(text), "test", NULL) == VG_OK &&
             vg_hotline_open(cfg, NULL, h, NULL) == VG_OK;
    vg_config_free(cfg);
    return ok;
}

static void test_housekeeping_and_leases(void)
{
    char dir[] = "/tmp/vigie-jobs-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    new_store();
    vg_hotline *a = NULL, *b = NULL;
    CHECK(open_hotline(dir, &a));
    CHECK(open_hotline(dir, &b)); /* a second node on the same store */
    int64_t now = (int64_t)time(NULL);
    plant p = {now};
    CHECK(vg_store_write(a->store, plant_tx, &p, NULL) == VG_OK);

    log_count la = {0}, lb = {0};
    vg_jobs *ja = NULL, *jb = NULL;
    CHECK(vg_jobs_new(a, "node-a", count_log, &la, &ja, NULL) == VG_OK);
    CHECK(vg_jobs_new(b, "node-b", count_log, &lb, &jb, NULL) == VG_OK);
    CHECK_STR_EQ(vg_jobs_node(ja), "node-a");

    /* node A runs housekeeping; B finds it done and not due */
    size_t ran = 0;
    CHECK(vg_jobs_run_due(ja, now, &ran, NULL) == VG_OK);
    CHECK_INT_EQ(ran, 1);
    CHECK_MSG(strstr(la.last, "1 idempotency keys, 1 expired sessions, 1 idle") != NULL,
              "summary: %s", la.last);
    CHECK(vg_jobs_run_due(jb, now + 10, &ran, NULL) == VG_OK);
    CHECK_INT_EQ(ran, 0);

    /* what outlived its use is gone; the rest stays */
    count_args c = {0};
    CHECK(vg_store_read(a->store, count_tx, &c, NULL) == VG_OK);
    CHECK_INT_EQ(c.idem_old, 0);
    CHECK_INT_EQ(c.idem_new, 1);
    CHECK_INT_EQ(c.idle.failures, 0);
    CHECK_INT_EQ(c.paused.failures, 5);
    vg_session s;
    vg_account acc;
    int found = 0;
    CHECK(vg_hotline_session_identify(a, "a2", now, NULL, NULL, &s, &acc, &found, NULL) ==
              VG_OK &&
          found);
    vg_session_clear(&s);
    vg_account_clear(&acc);
    CHECK(vg_hotline_session_identify(a, "a1", now - 3600, NULL, NULL, &s, &acc, &found,
                                      NULL) == VG_OK);
    CHECK_MSG(!found, "an expired session was kept");

    /* an hour later it is due again, and B may take it */
    CHECK(vg_jobs_run_due(jb, now + 3601, &ran, NULL) == VG_OK);
    CHECK_INT_EQ(ran, 1);

    /* A takes the lease and dies: B waits for the lease to run out */
    int taken = 0;
    CHECK(vg_hotline_job_lease(a, "housekeeping", "node-a", now + 7300, 900, &taken, NULL) ==
          VG_OK);
    CHECK(taken);
    CHECK(vg_jobs_run_due(jb, now + 7310, &ran, NULL) == VG_OK);
    CHECK_INT_EQ(ran, 0);
    CHECK(vg_jobs_run_due(jb, now + 7300 + 901, &ran, NULL) == VG_OK);
    CHECK_INT_EQ(ran, 1);
    CHECK_INT_EQ(la.error + lb.error, 0);

    vg_jobs_free(ja);
    vg_jobs_free(jb);
    vg_hotline_free(a);
    vg_hotline_free(b);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
}

/* The runner's thread runs what is due at once and stops when asked. */
static void test_runner_thread(void)
{
    char dir[] = "/tmp/vigie-jobs-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    new_store();
    vg_hotline *h = NULL;
    CHECK(open_hotline(dir, &h));
    log_count l = {0};
    vg_jobs *j = NULL;
    CHECK(vg_jobs_new(h, NULL, count_log, &l, &j, NULL) == VG_OK);
    CHECK(strchr(vg_jobs_node(j), ':') != NULL); /* host:pid */
    CHECK(vg_jobs_start(j, 3600, NULL) == VG_OK);
    for (int i = 0; i < 200 && atomic_load(&l.info) == 0; i++)
        usleep(20000);
    CHECK_INT_EQ(atomic_load(&l.info), 1);
    vg_jobs_stop(j); /* promptly, though the next tick is an hour away */
    vg_jobs_free(j);
    vg_hotline_free(h);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
}

/* ---- orientation ----------------------------------------------------------------- */

typedef struct seed_args {
    const char *code, *url, *category, *state;
    int64_t now, id;
    int danger;
} seed_args;

static vg_status seed_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    seed_args *a = ctx;
    char public_id[32];
    snprintf(public_id, sizeof public_id, "id-%s", a->code);
    vg_report_url u = {a->url, a->url};
    vg_report r = {.public_id = public_id, .receipt_code = a->code, .source = "web",
                   .category = a->category, .danger = a->danger, .urls = &u, .url_count = 1};
    int64_t case_id = 0;
    vg_status st = vg_tx_case_new(tx, a->now, &case_id, err);
    if (st == VG_OK)
        st = vg_tx_report_put(tx, &r, case_id, a->now, &a->id, err);
    vg_item it = {.report_id = a->id, .version = 3, .state = (char *)a->state,
                  .legal = VG_LEGAL_CSAM, .decided_by = "bob"};
    if (st == VG_OK)
        st = vg_tx_item_put(tx, &it, a->now, err);
    return st;
}

static const vg_url_route_row *route_of(const vg_url_route_row *rows, size_t n, int64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (rows[i].report_id == id)
            return &rows[i];
    return NULL;
}

/* Confirmed URLs get their routes from the job, with the reasons the
 * rules give for where the lookup placed them; a second run adds nothing. */
static void test_orientation(void)
{
    char dir[] = "/tmp/vigie-jobs-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char db[600];
    snprintf(db, sizeof db, "%s/location.db", dir);
    CHECK(locdb_write("as 64500 Example Hosting GmbH\nnet 192.0.2.0/24 DE 64500\n"
                      "net 203.0.113.0/24 FR 64502\n", db) == 0);
    uint16_t dns_port = 0, rdap_port = 0;
    fake_dns *dns = fake_dns_start("files.example.test 192.0.2.7\nwww.fr.example.test 203.0.113.5\n"
                                   "slow.example.test silent\n", &dns_port);
    fake_rdap *rdap = fake_rdap_start(VG_RDAP_DOCUMENTS, &rdap_port);
    CHECK(dns && rdap);
    if (!dns || !rdap)
        return;
    char partners[600];
    snprintf(partners, sizeof partners, "%s/partners.csv", dir);
    FILE *pf = fopen(partners, "w");
    CHECK(pf != NULL);
    if (pf) {
        fputs("country,name,url,key\nde,Example DE hotline,https://de.example,vg_x\n", pf);
        fclose(pf);
        chmod(partners, 0600); /* it holds keys */
    }
    char text[2048];
    snprintf(text, sizeof text,
             "data_dir = %s\nrouting.country = fr\nrouting.partners = %s\n"
             "hosting.location_db = %s\nhosting.rdap_url = http://127.0.0.1:%u\n"
             "hosting.dns_servers = 127.0.0.1:%u\nhosting.deadline_ms = 500\n"
             "hosting.test_allow_local = true\n",
             dir, partners, db, rdap_port, dns_port);
    vg_config *cfg = NULL;
    vg_hotline *h = NULL;
    vg_error err = {0};
    CHECK(vg_config_new(&cfg, NULL) == VG_OK);
    CHECK(vg_config_parse(cfg, text, strlen(text), "test", NULL) == VG_OK);
    CHECK_MSG(vg_hotline_open(cfg, NULL, &h, &err) == VG_OK, "%s", err.message);
    CHECK(vg_config_unused(cfg, 0) == NULL);
    vg_config_free(cfg);
    if (!h)
        return;
    int64_t now = 1700000000;
    seed_args seeds[] = {
        {"O1", "https://files.example.test/a.jpg", "image_video", VG_ITEM_CONFIRMED, now, 0, 0},
        {"O2", "http://www.fr.example.test/x", VG_CATEGORY_LIVESTREAM, VG_ITEM_AUTO, now, 0, 0},
        {"O3", "http://slow.example.test/", "image_video", VG_ITEM_CONFIRMED, now, 0, 1},
        {"O4", "https://files.example.test/b.jpg", "image_video", VG_ITEM_SECOND, now, 0, 0},
    };
    for (size_t i = 0; i < 4; i++)
        CHECK(vg_store_write(h->store, seed_tx, &seeds[i], NULL) == VG_OK);

    log_count l = {0};
    vg_jobs *j = NULL;
    CHECK(vg_jobs_new(h, "node-o", count_log, &l, &j, NULL) == VG_OK);
    size_t ran = 0;
    CHECK(vg_jobs_run_due(j, now, &ran, NULL) == VG_OK);
    CHECK_INT_EQ(ran, 2); /* housekeeping, then orientation */
    CHECK_MSG(strstr(l.last, "orientation: proposed 3 routes") != NULL, "%s", l.last);
    /* the stats job, after them, folded the reports and routes just
     * written into the statistics' facts: nothing is left */
    size_t left = 1;
    CHECK(vg_hotline_stats_fold(h->store, 100, 1, &left, NULL) == VG_OK);
    CHECK_INT_EQ(left, 0);

    vg_url_route_row *rows = NULL;
    size_t n = 0;
    for (size_t i = 0; i < 4; i++) {
        CHECK(vg_hotline_routes(h, seeds[i].id, 0, &rows, &n, NULL) == VG_OK);
        const vg_url_route_row *r = route_of(rows, n, seeds[i].id);
        switch (i) {
        case 0:
            CHECK_MSG(r && !strcmp(r->actions, VG_ACTION_FORWARD) &&
                          !strcmp(r->reasons, VG_REASON_ABROAD_PARTNER) &&
                          !strcmp(r->country, "DE") && !strcmp(r->partner, "Example DE hotline"),
                      "%s %s %s %s", r ? r->actions : "none", r ? r->country : "",
                      r ? r->partner : "", r ? r->hosting : "");
            CHECK(r && strstr(r->hosting, "\"abuse_contact\":\"abuse@hosting.example\""));
            CHECK(r && strstr(r->hosting, "\"as_name\":\"Example Hosting GmbH\""));
            break;
        case 1:
            CHECK_MSG(r && !strcmp(r->actions, "refer_child_protection,notice_host,refer_police") &&
                      !strcmp(r->reasons, "child_in_danger,hosted_home") && !strcmp(r->country, "FR"),
                      "%s", r ? r->actions : "none");
            break;
        case 2:
            /* its sender said a child is in danger */
            CHECK(r && !strcmp(r->actions, "refer_child_protection,analyst_decides") &&
                  !strcmp(r->reasons, "child_in_danger,unresolved"));
            CHECK(r && strstr(r->hosting, "deadline"));
            break;
        default:
            CHECK(r == NULL); /* not confirmed yet */
        }
        vg_url_route_rows_free(rows, n);
    }
    /* Due again a minute later: nothing is left to route. */
    CHECK(vg_jobs_run_due(j, now + 61, &ran, NULL) == VG_OK);
    CHECK_INT_EQ(ran, 1);
    CHECK_MSG(strstr(l.last, "orientation: proposed 0 routes") != NULL, "%s", l.last);
    CHECK_INT_EQ(l.error, 0);

    vg_jobs_free(j);
    vg_hotline_free(h);
    fake_dns_stop(dns);
    fake_rdap_stop(rdap);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
}

int main(void)
{
    RUN(test_housekeeping_and_leases);
    RUN(test_runner_thread);
    RUN(test_orientation);
    if (pg_url[0])
        pgt_drop(pg_url);
    return vg_test_exit();
}

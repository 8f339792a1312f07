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
#include <unistd.h>

#include "harness.h"
#include "pg_test.h"
#include "hotline/accounts.h"
#include "hotline/housekeeping.h"
#include "jobs/jobs.h"
#include "store/people.h"
#include "store/reports.h"

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

int main(void)
{
    RUN(test_housekeeping_and_leases);
    RUN(test_runner_thread);
    if (pg_url[0])
        pgt_drop(pg_url);
    return vg_test_exit();
}

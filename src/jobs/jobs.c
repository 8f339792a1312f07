/*
 * src/jobs/jobs.c - the job table and its runner (jobs.h).
 */
#include "jobs/jobs.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hotline/tlog.h"
#include "hotline/housekeeping.h"
#include "hotline/routing.h"
#include "hotline/notices.h"
#include "hotline/crawling.h"
#include "hotline/syncing.h"
#include "hotline/blocklist.h"
#include "hotline/stats.h"
#include "jobs/alerts.h"
#include "jobs/deliveries.h"

/* ---- the jobs ---------------------------------------------------------------- */

static vg_status housekeeping(vg_hotline *h, int64_t now, vg_job_report *report, vg_error *err)
{
    vg_housekeeping removed;
    vg_status st = vg_hotline_housekeeping(h, now, &removed, err);
    if (st == VG_OK)
        snprintf(report->summary, sizeof report->summary,
                 "forgot %lld idempotency keys, %lld expired sessions, %lld idle sign-in counts",
                 (long long)removed.idempotency_keys, (long long)removed.sessions,
                 (long long)removed.sign_in_counts);
    return st;
}

/* Hosting lookups wait on DNS and RDAP: here, never in a request. */
static vg_status orientation(vg_hotline *h, int64_t now, vg_job_report *report, vg_error *err)
{
    size_t routed = 0;
    vg_status st = vg_hotline_orient(h, now, 200, &routed, err);
    if (st == VG_OK)
        snprintf(report->summary, sizeof report->summary, "proposed %zu routes", routed);
    return st;
}

static int routing_configured(const vg_hotline *h)
{
    return h->routing != NULL;
}

/* Fetches and mail wait on the network: here, never in a request. A
 * batch stays well within the lease (each fetch has its own deadline). */
static vg_status notices(vg_hotline *h, int64_t now, vg_job_report *report, vg_error *err)
{
    vg_notice_pass p;
    vg_status st = vg_hotline_notices_run(h, now, 20, &p, err);
    if (st != VG_OK)
        return st;
    report->idle = !p.created && !p.checked;
    snprintf(report->summary, sizeof report->summary,
             "%zu new notices, %zu checks, %zu sent, %zu removed, %zu reappeared, %zu escalated",
             p.created, p.checked, p.sent, p.removed, p.reappeared, p.escalated);
    if (p.failed)
        return vg_error_set(err, VG_ERR_IO, "%zu notices could not be sent (tried again): %s",
                            p.failed, p.first_failure);
    return VG_OK;
}

static int notices_configured(const vg_hotline *h)
{
    return h->noticing != NULL;
}

/* Signing needs the key, which only the server holds; a checkpoint per
 * pass when the log grew (at most one a tick, a few seconds). */
static vg_status transparency(vg_hotline *h, int64_t now, vg_job_report *report, vg_error *err)
{
    int signed_one = 0;
    vg_status st = vg_hotline_tlog_checkpoint(h, now, &signed_one, err);
    report->idle = !signed_one;
    if (st == VG_OK)
        snprintf(report->summary, sizeof report->summary, "%s",
                 signed_one ? "signed a checkpoint" : "nothing new to sign");
    return st;
}

static int transparency_open(const vg_hotline *h)
{
    return h->transparency != NULL;
}

/* Hash sharing services answer slowly and page on: here, never in a
 * request. Each source has its own period (syncing.h). */
static vg_status bank_sync(vg_hotline *h, int64_t now, vg_job_report *report, vg_error *err)
{
    vg_sync_pass p;
    vg_status st = vg_hotline_sync_run(h, now, &p, err);
    if (st != VG_OK)
        return st;
    report->idle = !p.ran;
    snprintf(report->summary, sizeof report->summary,
             "%zu sources synchronised: %llu signals added, %llu entries withdrawn, %llu "
             "reports back to the queue",
             p.ran - p.failed, (unsigned long long)p.added, (unsigned long long)p.withdrawn,
             (unsigned long long)p.reopened);
    if (p.failed)
        return vg_error_set(err, VG_ERR_IO, "%zu sources could not be synchronised: %s",
                            p.failed, p.first_failure);
    return VG_OK;
}

static int sync_configured(const vg_hotline *h)
{
    return h->syncing != NULL;
}

/* Entries whose term ended leave the blocking list (a renewal needs a
 * new approval before then). */
static vg_status blocklist_expiry(vg_hotline *h, int64_t now, vg_job_report *report,
                                  vg_error *err)
{
    size_t removed = 0;
    vg_status st = vg_hotline_block_expire(h, now, &removed, err);
    report->idle = !removed;
    if (st == VG_OK)
        snprintf(report->summary, sizeof report->summary, "%zu entries expired", removed);
    return st;
}

/* Crawls wait on the network and on each host's pace: here, never in a
 * request. Each target has its own next crawl (crawl.period_hours). */
static vg_status crawl(vg_hotline *h, int64_t now, vg_job_report *report, vg_error *err)
{
    vg_crawl_pass p;
    vg_status st = vg_hotline_crawl_run(h, now, &p, err);
    if (st != VG_OK)
        return st;
    report->idle = !p.seeded && !p.targets && !p.skipped;
    snprintf(report->summary, sizeof report->summary,
             "%zu new targets, %zu crawled: %zu pages, %zu media, %zu known, %zu new items, "
             "%zu reappeared, %zu with errors, %zu not crawled (assessed as no CSAM)",
             p.seeded, p.targets, p.pages, p.media, p.known, p.found, p.reappeared, p.failed,
             p.skipped);
    return VG_OK;
}

static int crawl_configured(const vg_hotline *h)
{
    return h->crawling != NULL;
}

/* Writes only mark the reports they change; reads compute those afresh
 * until they are folded here, 500 a transaction, 20,000 a pass at most.
 * Bookkeeping that changes no figure: only a failure is logged, not every
 * pass that followed new reports (most passes). */
static vg_status stats_fold(vg_hotline *h, int64_t now, vg_job_report *report, vg_error *err)
{
    (void)now;
    size_t folded = 0;
    report->idle = 1;
    return vg_hotline_stats_fold(h->store, 500, 40, &folded, err);
}

const vg_job vg_jobs_table[] = {
    /* due at every pass: a failed delivery waits for its own next try, not
     * for the job's period (hotline/alerts.h) */
    {"alerts", 0, vg_job_alerts, NULL},
    {"housekeeping", 3600, housekeeping, NULL},
    {"orientation", 60, orientation, routing_configured},
    /* due at every pass: each notice has its own next check */
    {"notices", 0, notices, notices_configured},
    /* due at every pass too: each delivery has its own next try */
    {"deliveries", 0, vg_job_deliveries, routing_configured},
    /* due at every pass: the log's checkpoint follows its appends */
    {"transparency", 0, transparency, transparency_open},
    /* due at every pass too: each source has its own next run */
    {"bank_sync", 0, bank_sync, sync_configured},
    {"blocklist", 600, blocklist_expiry, NULL},
    /* due at every pass too: each target has its own next crawl */
    {"crawl", 0, crawl, crawl_configured},
    /* due at every pass: reads stay cheap when few reports wait */
    {"stats", 0, stats_fold, NULL},
};
const size_t vg_jobs_count = sizeof vg_jobs_table / sizeof vg_jobs_table[0];

/* A lease outlasts any run by far: a node that holds one this long has died. */
#define LEASE_SECONDS 900

/* ---- the runner ------------------------------------------------------------------ */

struct vg_jobs {
    vg_hotline *h;
    char node[128];
    vg_jobs_log_fn log;
    void *log_ctx;
    pthread_t thread;
    int running;
    unsigned tick;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    int stopping;
    int woken; /* vg_jobs_wake: a pass is wanted now */
};

vg_status vg_jobs_new(vg_hotline *h, const char *node, vg_jobs_log_fn log, void *log_ctx,
                      vg_jobs **out, vg_error *err)
{
    *out = NULL;
    vg_jobs *j = calloc(1, sizeof *j);
    if (!j)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    j->h = h;
    j->log = log;
    j->log_ctx = log_ctx;
    if (node && *node) {
        snprintf(j->node, sizeof j->node, "%s", node);
    } else {
        char host[64] = "";
        gethostname(host, sizeof host - 1);
        snprintf(j->node, sizeof j->node, "%s:%ld", host[0] ? host : "node", (long)getpid());
    }
    pthread_mutex_init(&j->lock, NULL);
    pthread_cond_init(&j->wake, NULL);
    *out = j;
    return VG_OK;
}

const char *vg_jobs_node(const vg_jobs *jobs)
{
    return jobs->node;
}

static void say(vg_jobs *j, const char *level, const char *job, const char *text)
{
    if (j->log)
        j->log(j->log_ctx, level, job, text);
}

vg_status vg_jobs_run_due(vg_jobs *j, int64_t now, size_t *ran, vg_error *err)
{
    size_t count = 0, unreachable = 0, tried = 0;
    for (size_t i = 0; i < vg_jobs_count; i++) {
        const vg_job *job = &vg_jobs_table[i];
        if (job->enabled && !job->enabled(j->h))
            continue;
        tried++;
        int taken = 0;
        vg_error e;
        if (vg_hotline_job_lease(j->h, job->name, j->node, now, LEASE_SECONDS, &taken, &e) !=
            VG_OK) {
            say(j, "error", job->name, e.message);
            if (err)
                *err = e;
            unreachable++;
            continue;
        }
        if (!taken)
            continue;
        vg_job_report report = {"", 0};
        vg_status st = job->run(j->h, now, &report, &e);
        if (st != VG_OK || !report.idle) {
            say(j, st == VG_OK ? "info" : "error", job->name,
                st == VG_OK ? report.summary : e.message);
            count++;
        }
        /* A failed run waits its period too: a failing job must not spin. */
        if (vg_hotline_job_done(j->h, job->name, j->node, now + job->period_seconds, &e) != VG_OK)
            say(j, "error", job->name, e.message);
    }
    if (ran)
        *ran = count;
    return unreachable && unreachable == tried ? (err ? err->status : VG_ERR_IO) : VG_OK;
}

static void *runner(void *arg)
{
    vg_jobs *j = arg;
    pthread_mutex_lock(&j->lock);
    while (!j->stopping) {
        pthread_mutex_unlock(&j->lock);
        vg_jobs_run_due(j, (int64_t)time(NULL), NULL, NULL);
        pthread_mutex_lock(&j->lock);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += j->tick;
        /* A wake that came while the pass ran is not lost: woken stays set. */
        while (!j->stopping && !j->woken &&
               pthread_cond_timedwait(&j->wake, &j->lock, &until) == 0)
            ; /* a spurious wake-up: wait on */
        j->woken = 0;
    }
    pthread_mutex_unlock(&j->lock);
    return NULL;
}

vg_status vg_jobs_start(vg_jobs *j, unsigned tick_seconds, vg_error *err)
{
    if (j->running)
        return VG_OK;
    j->tick = tick_seconds ? tick_seconds : 30;
    j->stopping = 0;
    if (pthread_create(&j->thread, NULL, runner, j) != 0)
        return vg_error_set(err, VG_ERR_IO, "the jobs' thread could not be started");
    j->running = 1;
    return VG_OK;
}

void vg_jobs_wake(vg_jobs *j)
{
    pthread_mutex_lock(&j->lock);
    j->woken = 1;
    pthread_cond_signal(&j->wake);
    pthread_mutex_unlock(&j->lock);
}

void vg_jobs_stop(vg_jobs *j)
{
    if (!j || !j->running)
        return;
    pthread_mutex_lock(&j->lock);
    j->stopping = 1;
    pthread_cond_signal(&j->wake);
    pthread_mutex_unlock(&j->lock);
    pthread_join(j->thread, NULL);
    j->running = 0;
}

void vg_jobs_free(vg_jobs *j)
{
    if (!j)
        return;
    vg_jobs_stop(j);
    pthread_mutex_destroy(&j->lock);
    pthread_cond_destroy(&j->wake);
    free(j);
}

/*
 * src/jobs/jobs.h - the hotline's background work: what runs on a
 * schedule rather than on a request.
 *
 * Each job is a line of the table in jobs.c: a name, how often it runs,
 * and the use case it calls (alerts.c sends urgent reports' alerts;
 * housekeeping forgets what has outlived its use). A runner thread wakes
 * every few seconds, or when woken, and runs the jobs that are due. With
 * several nodes on one database, a job runs on one node at a time: the runner first takes the job's lease in
 * the store (hotline/housekeeping.h), and a node that dies mid-run loses
 * it when the lease runs out, so another node takes the job over.
 *
 * Threads: the runner has its own thread; vg_jobs_run_due may also be
 * called directly (tests, `vigie` commands) but not at the same time as
 * the thread on the same vg_jobs.
 */
#ifndef VIGIE_JOBS_JOBS_H
#define VIGIE_JOBS_JOBS_H

#include <stddef.h>
#include <stdint.h>

#include "hotline/hotline.h"

/* What a job says when it has run: one line for the log, unless it found
 * nothing to do (idle: a job due at every pass says nothing then). */
typedef struct vg_job_report {
    char summary[200];
    int idle;
} vg_job_report;

typedef struct vg_job {
    const char *name;       /* stable: it names the lease in the store */
    int64_t period_seconds; /* from one run's end to the next run */
    vg_status (*run)(vg_hotline *h, int64_t now, vg_job_report *report, vg_error *err);
    /* Whether this hotline has the job at all (its configuration may leave
     * it out); NULL: always. A job left out takes no lease. */
    int (*enabled)(const vg_hotline *h);
} vg_job;

/* The jobs, in the order they are tried. */
extern const vg_job vg_jobs_table[];
extern const size_t vg_jobs_count;

/* Where the runner tells what happened: level "info" or "error", the job's
 * name, and the summary or the error's message. */
typedef void (*vg_jobs_log_fn)(void *ctx, const char *level, const char *job, const char *text);

typedef struct vg_jobs vg_jobs;

/* A runner for this node (node: a name unique among the nodes sharing the
 * store; NULL: host name and process id). h is not owned. */
vg_status vg_jobs_new(vg_hotline *h, const char *node, vg_jobs_log_fn log, void *log_ctx,
                      vg_jobs **out, vg_error *err);
/* Start the runner's thread (first pass at once, then every tick_seconds). */
vg_status vg_jobs_start(vg_jobs *jobs, unsigned tick_seconds, vg_error *err);
/* Ask for a pass now rather than at the next tick (an alert was raised);
 * any thread, and safe to call before vg_jobs_start. */
void vg_jobs_wake(vg_jobs *jobs);
/* Stop the thread, letting a job in progress finish. */
void vg_jobs_stop(vg_jobs *jobs);
void vg_jobs_free(vg_jobs *jobs);

/* Run at now every job this node can lease; *ran (may be NULL) gets how
 * many ran and had something to do. A job that fails is logged and
 * retried at its next period; the others still run. VG_OK unless the store could not be reached at all. */
vg_status vg_jobs_run_due(vg_jobs *jobs, int64_t now, size_t *ran, vg_error *err);

/* This runner's node name. */
const char *vg_jobs_node(const vg_jobs *jobs);

#endif

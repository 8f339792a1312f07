/*
 * src/store/postgres/db.c - the PostgreSQL backend: a pool of libpq
 * connections to one database, and transactions on them.
 *
 * Reads take a connection from the pool for their duration. Writes are
 * grouped (group commit, as the SQLite backend's writer does): a caller
 * queues its write as a job; while fewer than MAX_BATCHES batches run, the
 * caller at the head of the queue leads one on a connection of the pool:
 * it takes every job waiting (up to MAX_BATCH), runs each in its own
 * savepoint of one transaction at READ COMMITTED with the locks the
 * operations take (pg.h says which and why), writes the batch's audit
 * entries (the chain head locked last, audit.c), commits once, and wakes
 * the jobs' callers. The jobs' statements are pipelined: a job does not
 * wait for the answers of the one before it (run_jobs). A job that fails
 * is rolled back to its savepoint alone and its caller hears its error;
 * the others commit. A commit returns
 * only once its WAL record is on disk: the database must not run with
 * fsync or synchronous_commit off, which open refuses. A job that loses a
 * race (deadlock, serialization failure) is rolled back to its savepoint
 * and runs again in a later batch, at most MAX_ATTEMPTS times. A job alone
 * in its batch runs as a plain transaction, without a savepoint.
 *
 * Connections that break (the server restarted, the network failed) are
 * opened again by the next transaction that takes them; while the server
 * cannot be reached, transactions fail at once with VG_ERR_IO, which the
 * server answers with 503. A connection lost while its COMMIT was on the
 * way leaves the outcome unknown: every write of its batch fails too (it
 * may or may not be there), never acknowledged nor run again. A connection
 * lost before the COMMIT was sent runs the batch's jobs again.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/postgres/pg.h"

#define MAX_ATTEMPTS 12
#define DEFAULT_CONNECTIONS 16
/* Jobs in one transaction: each has its savepoint, and PostgreSQL keeps
 * the subtransactions of 64 in its shared cache before spilling to disk. */
#define MAX_BATCH 32
/* Batches running at once, each on a connection of the pool: while one
 * waits for its COMMIT's flush or for the server's answers, the others run
 * their jobs. bench/server/README.md has 2, 4 and 8 measured: 2 commits
 * the fewest times but runs too few jobs at once; 8 is nearly one commit
 * per write again. */
#define MAX_BATCHES 4
/* How long a job of a batch waits for a lock (see run_batch). */
#define BATCH_LOCK_WAIT "25ms"

typedef struct pg_job pg_job;

typedef struct pgs {
    char *location;
    pg_conn *conns;
    unsigned count, free_count;
    unsigned char *busy;
    pthread_mutex_t lock;
    pthread_cond_t freed;
    int schema_version;
    vg_store_stats stats; /* under lock */
    /* group commit, under lock: the jobs waiting, the batches running */
    pg_job *head, *tail;
    unsigned running, max_batch, max_batches;
} pgs;

/* ---- connections -------------------------------------------------------- */

static void conn_close(pg_conn *c)
{
    pg_audit_discard(c, 0);
    if (c->db)
        PQfinish(c->db);
    memset(c, 0, sizeof *c);
}

/* Notices (a server shutting down says so before the connection breaks)
 * are not printed on stderr, which is the server's JSON log: what matters
 * of them comes back as the failure of the statement. */
static void notice_ignore(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

/* Connect c to location (a postgresql:// URI or key=value string). */
static vg_status conn_open(pg_conn *c, const char *location, vg_error *err)
{
    memset(c, 0, sizeof *c);
    /* Ours first: what the location says wins over them. Notices (a
     * migration's "already exists, skipping") are not for the operator. */
    const char *keys[] = {"connect_timeout", "application_name", "options", "dbname", NULL};
    const char *values[] = {"10", "vigie", "-c client_min_messages=warning", location, NULL};
    c->db = PQconnectdbParams(keys, values, 1);
    if (!c->db)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory connecting to the database");
    PQsetNoticeProcessor(c->db, notice_ignore, NULL);
    if (PQstatus(c->db) != CONNECTION_OK) {
        const char *msg = PQerrorMessage(c->db);
        vg_status st = vg_error_set(err, VG_ERR_IO, "cannot connect to the database: %.*s",
                                    (int)strcspn(msg, "\n"), msg);
        conn_close(c);
        return st;
    }
    return VG_OK;
}

/* Make c usable again after its server went away. */
static vg_status conn_reset(pg_conn *c, vg_error *err)
{
    PQreset(c->db);
    memset(c->prepared, 0, sizeof c->prepared); /* a new session has none */
    c->queued = 0;
    c->rollback_sent = 0;
    if (PQpipelineStatus(c->db) != PQ_PIPELINE_OFF)
        PQexitPipelineMode(c->db);
    if (PQstatus(c->db) != CONNECTION_OK) {
        const char *msg = PQerrorMessage(c->db);
        return vg_error_set(err, VG_ERR_IO, "the database cannot be reached: %.*s",
                            (int)strcspn(msg, "\n"), msg);
    }
    return VG_OK;
}

static pg_conn *conn_take(pgs *s)
{
    pthread_mutex_lock(&s->lock);
    while (s->free_count == 0)
        pthread_cond_wait(&s->freed, &s->lock);
    pg_conn *c = NULL;
    for (unsigned i = 0; i < s->count; i++)
        if (!s->busy[i]) {
            s->busy[i] = 1;
            c = &s->conns[i];
            break;
        }
    s->free_count--;
    pthread_mutex_unlock(&s->lock);
    return c;
}

static void conn_give(pgs *s, pg_conn *c)
{
    pthread_mutex_lock(&s->lock);
    s->stats.round_trips += c->round_trips;
    s->stats.statements += c->statements;
    c->round_trips = 0;
    c->statements = 0;
    s->busy[c - s->conns] = 0;
    s->free_count++;
    pthread_cond_signal(&s->freed);
    pthread_mutex_unlock(&s->lock);
}

static int lost(const pg_conn *c)
{
    return PQstatus(c->db) != CONNECTION_OK || !strncmp(c->sqlstate, "08", 2) ||
           !strncmp(c->sqlstate, "57P", 3); /* admin shutdown, crash shutdown */
}

/* Read the answer to a read transaction's ROLLBACK, sent without waiting
 * for it (rollback_later). */
static void settle(pg_conn *c)
{
    if (!c->rollback_sent)
        return;
    c->rollback_sent = 0;
    PGresult *res;
    while ((res = PQgetResult(c->db)))
        PQclear(res);
}

/* Start a transaction with begin_sql on c, opening the connection again
 * when it is known to be broken. The BEGIN is queued: it reaches the server
 * with the transaction's first statement, in the same round trip. A
 * connection found broken only then fails that statement; the callers run
 * the transaction again (nothing of it has happened). */
static vg_status begin(pg_conn *c, const char *begin_sql, vg_error *err)
{
    settle(c);
    int broken = lost(c);
    c->failed = 0;
    c->sqlstate[0] = 0;
    c->queued = 0;
    c->owner = NULL;
    c->owner_failed = 0;
    pg_audit_discard(c, 0); /* a transaction run again appends again */
    if (broken && conn_reset(c, err) != VG_OK)
        return err ? err->status : VG_ERR_IO;
    return pg_queue_command(c, begin_sql, "starting a transaction", err);
}

static void rollback(pg_conn *c)
{
    pg_flush(c, NULL);
    settle(c);
    if (PQstatus(c->db) == CONNECTION_OK) {
        c->round_trips++;
        c->statements++;
        PQclear(PQexec(c->db, "ROLLBACK"));
    }
}

/* End a read transaction without waiting for the server's answer: it is
 * read when the connection is next used (settle). */
static void rollback_later(pg_conn *c)
{
    if (c->queued || PQpipelineStatus(c->db) != PQ_PIPELINE_OFF ||
        PQstatus(c->db) != CONNECTION_OK || !PQsendQuery(c->db, "ROLLBACK"))
        rollback(c);
    else {
        c->statements++;
        c->rollback_sent = 1;
    }
}

/* A race lost, worth running the transaction again. */
static int retryable(const pg_conn *c)
{
    return !strcmp(c->sqlstate, "40001") || !strcmp(c->sqlstate, "40P01");
}

/* Wait a little, more at each attempt, with jitter so that the losers of a
 * race do not meet again at once. */
static void back_off(int attempt)
{
    unsigned max_us = 500u << (attempt < 6 ? attempt : 6);
    struct timespec ts = {0, (long)(rand() % max_us + 100) * 1000L};
    nanosleep(&ts, NULL);
}

/* ---- transactions ------------------------------------------------------- */

/* ---- group commit ------------------------------------------------------ */

/* A write transaction waiting for a batch. Lives on its caller's stack. */
struct pg_job {
    vg_tx *tx;
    vg_tx_fn fn;
    void *ctx;
    vg_status status;
    vg_error err;
    int attempts; /* batches it ran in and lost a race (or its connection) */
    int alone;    /* waited too long for a lock in a batch: runs in one of its own */
    int finished;
    /* where its batch stood when it started: audit notes pending, and how
     * many times they had been written at once (run_jobs) */
    size_t notes;
    uint64_t note_writes;
    /* what became of it in the batch running it */
    enum { JOB_OK, JOB_FAILED, JOB_AGAIN } outcome;
    pthread_cond_t wake; /* finished, or its turn to lead a batch */
    pg_job *next;
};

/* Whether a job that lost a race or its connection goes back to the queue,
 * or has tried often enough and fails with err. */
static void job_again(pg_job *j, vg_status st, const vg_error *err)
{
    if (++j->attempts < MAX_ATTEMPTS) {
        j->outcome = JOB_AGAIN;
        return;
    }
    j->outcome = JOB_FAILED;
    j->status = st;
    if (err)
        j->err = *err;
}

static void job_fail(pg_job *j, vg_status st, const vg_error *err)
{
    j->outcome = JOB_FAILED;
    j->status = st;
    if (err && &j->err != err)
        j->err = *err;
}

/* The batch's transaction is gone before its COMMIT was sent (a connection
 * lost, a race lost by the commit's own statements): nothing of it
 * happened, so every job still counting on it runs again in a later
 * batch; a failure that running again would not cure fails them all. */
static void batch_undone(pg_job *batch, int again, vg_status st, const vg_error *err)
{
    for (pg_job *j = batch; j; j = j->next)
        if (j->outcome == JOB_OK) {
            if (again)
                job_again(j, st, err);
            else
                job_fail(j, st, err);
        }
}

/* Run the jobs of a batch of several, each in its own savepoint, in
 * order. A job's statements whose answers it does not wait for (its last
 * inserts, the RELEASE) are not waited for before the next job starts:
 * they reach the server with that job's first statement that is waited for,
 * in one round trip (the last job's with the audit's or the COMMIT's,
 * batch_job_failed). The server runs a pipeline in order and skips everything
 * after a statement that fails, up to the Sync: the failure is pinned on
 * the job that queued that statement (pg_queued.owner). That job is rolled
 * back to its savepoint, the innermost one left (the savepoints of the jobs
 * after it were skipped), and hears its error; the jobs after it, whose
 * statements were skipped, run again from the start in the same batch.
 * Jobs see the writes of the jobs before them as before: a job's reads
 * come after those writes in the pipeline. Returns 0 when the transaction
 * itself is lost (the connection broke, the savepoint could not be rolled
 * back, or audit notes of earlier jobs were written within the failed
 * job's savepoint): the caller gives up the batch. */
static int run_jobs(pg_conn *c, pg_job *batch)
{
    for (pg_job *j = batch; j;) {
        j->notes = c->note_count;
        j->note_writes = c->note_writes;
        c->owner = j;
        c->failed_owner = NULL;
        c->owner_failed = 0;
        vg_error_clear(&j->err);
        vg_status st = pg_queue_command(c, "SAVEPOINT vg_job", "starting a write", &j->err);
        if (st == VG_OK) {
            j->tx->impl = c;
            st = j->fn(j->tx, j->ctx, &j->err);
        }
        if (st == VG_OK && c->failed)
            st = vg_error_set(&j->err, VG_ERR_IO, "database: a statement failed (%s)",
                              c->sqlstate);
        if (st == VG_OK)
            st = pg_queue_command(c, "RELEASE SAVEPOINT vg_job", "ending a write", &j->err);
        if (st == VG_OK) {
            j->outcome = JOB_OK;
            j = j->next;
            continue;
        }
        if (lost(c))
            return 0;
        /* What it left queued is answered (or skipped) now; when nothing
         * had failed yet (fn's own error), an earlier job's statements
         * still unanswered may fail only here. */
        int seen = c->owner_failed;
        char state[sizeof c->sqlstate];
        memcpy(state, c->sqlstate, sizeof state);
        c->owner = NULL;
        vg_error late = {0};
        vg_status late_st = pg_flush(c, &late);
        if (!seen && c->owner_failed)
            memcpy(state, c->sqlstate, sizeof state);
        /* whose statement failed: this job's, or an earlier one's */
        pg_job *culprit = j;
        if (c->owner_failed && c->failed_owner)
            for (pg_job *k = batch; k != j; k = k->next)
                if (k == c->failed_owner)
                    culprit = k;
        if (culprit != j) {
            /* the failure as this job's statement reported it, or as the
             * flush did */
            culprit->err = seen ? j->err : late;
            st = seen ? st : late_st;
            vg_error_clear(&j->err);
        }
        int race = !strcmp(state, "40001") || !strcmp(state, "40P01"),
            waited = !strcmp(state, "55P03");
        c->failed = 0;
        c->sqlstate[0] = 0;
        if (c->note_writes != culprit->note_writes)
            return 0; /* notes of earlier jobs went to the log in its savepoint */
        pg_audit_discard(c, culprit->notes);
        vg_status undone =
            pg_queue_command(c, "ROLLBACK TO SAVEPOINT vg_job", "undoing a write", NULL);
        if (undone == VG_OK)
            undone = pg_queue_command(c, "RELEASE SAVEPOINT vg_job", "undoing a write", NULL);
        if (undone == VG_OK)
            undone = pg_flush(c, NULL);
        if (undone != VG_OK)
            return 0;
        culprit->status = st;
        if (waited) {
            culprit->alone = 1;
            culprit->outcome = JOB_AGAIN;
        } else if (race)
            job_again(culprit, st, &culprit->err);
        else
            job_fail(culprit, st, &culprit->err);
        j = culprit->next; /* skipped by the server: they run again */
    }
    c->owner = NULL;
    return 1;
}

/* A statement of a job, still unanswered when its batch's jobs ended, was
 * sent with the audit's or the COMMIT's and failed: the transaction is
 * rolled back. The job that queued it hears its failure (or runs again,
 * when it lost a race or waited too long for a lock); its batch mates lost
 * nothing but time and run again in a later batch, without it counting as
 * an attempt. Returns 0 when the failure was no job's (the caller undoes
 * the batch as before). */
static int batch_job_failed(pg_conn *c, pg_job *batch, vg_status st, const vg_error *err)
{
    pg_job *culprit = NULL;
    if (lost(c) || !c->owner_failed)
        return 0;
    for (pg_job *k = batch; k; k = k->next)
        if (k == c->failed_owner && k->outcome == JOB_OK)
            culprit = k;
    if (!culprit)
        return 0;
    int race = retryable(c), waited = !strcmp(c->sqlstate, "55P03");
    rollback(c);
    for (pg_job *k = batch; k; k = k->next)
        if (k != culprit && k->outcome == JOB_OK)
            k->outcome = JOB_AGAIN;
    culprit->status = st;
    if (waited) {
        culprit->alone = 1;
        culprit->outcome = JOB_AGAIN;
    } else if (race)
        job_again(culprit, st, err);
    else
        job_fail(culprit, st, err);
    return 1;
}

/* Run batch (jobs linked by next) in one transaction on a connection of the
 * pool and commit it once. Each job ends with an outcome: JOB_OK (committed),
 * JOB_FAILED (status and err set), or JOB_AGAIN (to run in a later batch).
 * Returns 1 when a COMMIT succeeded. */
static int run_batch(pgs *s, pg_job *batch)
{
    pg_conn *c = conn_take(s);
    int alone = !batch->next, committed = 0;
    vg_error err = {0};
    for (pg_job *j = batch; j; j = j->next)
        j->outcome = JOB_OK;
    if (batch->attempts)
        back_off(batch->attempts); /* a race lost: let the winner finish */
    vg_status st = begin(c, "BEGIN ISOLATION LEVEL READ COMMITTED", &err);
    if (st != VG_OK) {
        /* the database cannot be reached: every job hears so (503) */
        batch_undone(batch, 0, st, &err);
        conn_give(s, c);
        return 0;
    }
    c->writable = 1;
    int whole = 1, any = 0;
    if (alone) {
        /* A batch of one is a plain transaction: no savepoint, and its
         * last statements go with the audit head's lock. */
        batch->tx->impl = c;
        st = batch->fn(batch->tx, batch->ctx, &batch->err);
        if (st == VG_OK && c->failed)
            st = vg_error_set(&batch->err, VG_ERR_IO, "database: a statement failed (%s)",
                              c->sqlstate);
        if (st != VG_OK) {
            int again = retryable(c) || lost(c);
            rollback(c);
            if (again)
                job_again(batch, st, &batch->err);
            else
                job_fail(batch, st, &batch->err);
            c->writable = 0;
            conn_give(s, c);
            return 0;
        }
        any = 1;
    } else {
        /* A job waiting for a lock that another batch holds waits for that
         * whole batch, and two batches can wait for each other through
         * their jobs (a deadlock no single job would make, found only
         * after the server's deadlock_timeout): a job waits at most
         * BATCH_LOCK_WAIT, then is rolled back to its savepoint and runs
         * again in a batch of its own, where it may wait as long as it
         * needs. The audit head is waited for without limit. */
        st = pg_queue_command(c, "SET LOCAL lock_timeout = '" BATCH_LOCK_WAIT "'",
                              "starting a batch", &err);
        if (st != VG_OK)
            whole = 0;
        if (whole)
            whole = run_jobs(c, batch);
        c->owner = NULL;
        c->owner_failed = 0; /* what fails from here on: batch_job_failed */
        if (whole)
            whole = pg_queue_command(c, "SET LOCAL lock_timeout = 0", "ending a batch", &err) ==
                    VG_OK;
        for (pg_job *j = batch; j; j = j->next)
            any |= j->outcome == JOB_OK;
    }
    c->writable = 0;
    if (!whole) {
        /* The transaction is gone with its connection (or could not be
         * brought back to a savepoint): the server rolled it back, so the
         * jobs run again, the one that saw it fail included. */
        st = VG_ERR_IO;
        vg_error_set(&err, st, "database: a batch of writes was lost (%s)",
                     c->sqlstate[0] ? c->sqlstate : "connection");
        rollback(c);
        batch_undone(batch, 1, st, &err);
    } else if (!any) {
        rollback(c);
    } else if ((st = pg_audit_flush(c, &err)) != VG_OK) {
        /* the COMMIT was not sent: nothing of the batch happened */
        if (batch_job_failed(c, batch, st, &err)) {
            conn_give(s, c);
            return 0;
        }
        int again = retryable(c) || lost(c);
        rollback(c);
        batch_undone(batch, again, st, &err);
    } else {
        st = pg_queue_command(c, "COMMIT", "committing", &err);
        if (st == VG_OK)
            st = pg_flush(c, &err);
        if (st == VG_OK) {
            committed = 1;
        } else if (lost(c)) {
            /* The commit may have happened: running the jobs again could
             * write them twice. Every job of the batch hears of a failure
             * and its caller may retry itself. */
            st = vg_error_set(&err, VG_ERR_IO,
                              "database: the connection was lost while committing; the "
                              "change may or may not have been made");
            batch_undone(batch, 0, st, &err);
        } else if (!batch_job_failed(c, batch, st, &err)) {
            int again = retryable(c); /* a queued statement failed: no COMMIT */
            rollback(c);
            batch_undone(batch, again, st, &err);
        }
    }
    conn_give(s, c);
    return committed;
}

/* Concurrent writes are jobs of shared transactions (group commit): a
 * caller queues its job; while fewer than max_batches batches run, the
 * caller at the head of the queue leads one: it takes every job waiting (up
 * to max_batch), runs them, commits, and wakes their callers. The others
 * wait for their job's end or for their turn to lead. */
static vg_status pg_write(void *impl, vg_tx *tx, vg_tx_fn fn, void *ctx, vg_error *err)
{
    pgs *s = impl;
    pg_job j = {.tx = tx, .fn = fn, .ctx = ctx};
    pthread_cond_init(&j.wake, NULL);
    pthread_mutex_lock(&s->lock);
    if (s->tail)
        s->tail->next = &j;
    else
        s->head = &j;
    s->tail = &j;
    while (!j.finished) {
        if (s->running >= s->max_batches || !s->head) {
            pthread_cond_wait(&j.wake, &s->lock);
            continue;
        }
        s->running++;
        pg_job *batch = s->head, *last = batch;
        for (unsigned n = 1; !batch->alone && n < s->max_batch && last->next &&
                             !last->next->alone;
             n++)
            last = last->next;
        s->head = last->next;
        if (!s->head)
            s->tail = NULL;
        last->next = NULL;
        if (s->head && s->running < s->max_batches)
            pthread_cond_signal(&s->head->wake); /* room for one more batch */
        pthread_mutex_unlock(&s->lock);

        int committed = run_batch(s, batch);

        pthread_mutex_lock(&s->lock);
        s->running--;
        s->stats.commits += (uint64_t)committed;
        pg_job *again = NULL, *again_last = NULL;
        for (pg_job *b = batch, *next; b; b = next) {
            next = b->next;
            b->next = NULL;
            if (b->outcome == JOB_AGAIN) {
                if (again_last)
                    again_last->next = b;
                else
                    again = b;
                again_last = b;
                continue;
            }
            if (b->outcome == JOB_OK)
                s->stats.writes++;
            else
                s->stats.failed_writes++;
            b->status = b->outcome == JOB_OK ? VG_OK : b->status;
            b->finished = 1;
            if (b != &j)
                pthread_cond_signal(&b->wake);
        }
        if (again) {
            /* first in line, so that they do not starve */
            again_last->next = s->head;
            if (!s->head)
                s->tail = again_last;
            s->head = again;
        }
        if (s->head && s->head != &j)
            pthread_cond_signal(&s->head->wake); /* the next leader */
    }
    pthread_mutex_unlock(&s->lock);
    pthread_cond_destroy(&j.wake);
    if (j.status != VG_OK && err)
        *err = j.err;
    return j.status;
}

static vg_status pg_read(void *impl, vg_tx *tx, vg_tx_fn fn, void *ctx, vg_error *err)
{
    pgs *s = impl;
    pg_conn *c = conn_take(s);
    vg_status st = VG_ERR_IO;
    /* A connection the server dropped since its last use shows only now:
     * reading again on a new one is harmless. */
    for (int attempt = 0; attempt < 2; attempt++) {
        uint64_t trips = c->round_trips;
        st = begin(c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", err);
        if (st != VG_OK)
            break;
        c->writable = 0;
        tx->impl = c;
        st = fn(tx, ctx, err);
        if (st == VG_OK && c->failed)
            st = vg_error_set(err, VG_ERR_IO, "database: a statement failed (%s)", c->sqlstate);
        if (st == VG_OK) {
            rollback_later(c); /* nothing to keep: read only */
            break;
        }
        /* only when the first round trip (the BEGIN's) failed: fn has
         * seen no row yet */
        int again = lost(c) && c->round_trips - trips <= 1;
        rollback(c);
        if (!again)
            break;
    }
    conn_give(s, c);
    return st;
}

/* ---- the store -------------------------------------------------------- */

static int pg_schema_version(void *impl)
{
    return ((pgs *)impl)->schema_version;
}

static void pg_stats(void *impl, vg_store_stats *stats)
{
    pgs *s = impl;
    pthread_mutex_lock(&s->lock);
    *stats = s->stats;
    pthread_mutex_unlock(&s->lock);
}

static void pg_close(void *impl)
{
    pgs *s = impl;
    if (!s)
        return;
    for (unsigned i = 0; s->conns && i < s->count; i++)
        conn_close(&s->conns[i]);
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->freed);
    free(s->conns);
    free(s->busy);
    free(s->location);
    free(s);
}

/* An acknowledged write must be on disk: refuse a server that would
 * answer before it is. */
static vg_status check_durable(pg_conn *c, vg_error *err)
{
    static const char *const settings[] = {"fsync", "synchronous_commit"};
    for (size_t i = 0; i < 2; i++) {
        char sql[64];
        snprintf(sql, sizeof sql, "SHOW %s", settings[i]);
        PGresult *res = PQexec(c->db, sql);
        vg_status st = VG_OK;
        if (PQresultStatus(res) != PGRES_TUPLES_OK)
            st = pg_error(c, res, "reading the server's settings", err);
        else if (!strcmp(PQgetvalue(res, 0, 0), "off"))
            st = vg_error_set(err, VG_ERR_UNSUPPORTED,
                              "the database runs with %s = off: a committed report could be "
                              "lost; turn it on",
                              settings[i]);
        PQclear(res);
        if (st != VG_OK)
            return st;
    }
    return VG_OK;
}

static const vg_store_ops postgres_ops = {
    .name = "postgresql",
    .close = pg_close,
    .schema_version = pg_schema_version,
    .stats = pg_stats,
    .write = pg_write,
    .read = pg_read,
#define SQ_OP(name, ...) .name = pg_##name,
#include "store/sqlite/ops.h"
#undef SQ_OP
};

vg_status vg_postgres_open(const char *location, const vg_store_options *options,
                           const vg_store_ops **ops, void **impl, vg_error *err)
{
    pgs *s = calloc(1, sizeof *s);
    if (!s)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory opening the store");
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->freed, NULL);
    s->count = options && options->connections ? options->connections : DEFAULT_CONNECTIONS;
    s->max_batch = options && options->max_batch && options->max_batch < MAX_BATCH
                       ? options->max_batch
                       : MAX_BATCH;
    s->max_batches = MAX_BATCHES < s->count ? MAX_BATCHES : s->count;
    s->location = strdup(location);
    s->conns = calloc(s->count, sizeof *s->conns);
    s->busy = calloc(s->count, 1);
    if (!s->location || !s->conns || !s->busy) {
        pg_close(s);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory opening the store");
    }
    vg_status st = VG_OK;
    for (unsigned i = 0; st == VG_OK && i < s->count; i++)
        st = conn_open(&s->conns[i], location, err);
    if (st == VG_OK)
        st = check_durable(&s->conns[0], err);
    if (st == VG_OK)
        st = pg_migrate(&s->conns[0], &s->schema_version, err);
    if (st != VG_OK) {
        pg_close(s);
        return st;
    }
    s->free_count = s->count;
    *ops = &postgres_ops;
    *impl = s;
    return VG_OK;
}

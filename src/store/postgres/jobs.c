/*
 * src/store/postgres/jobs.c - leases of background jobs (store/jobs.h).
 *
 * A node takes a job's row with FOR UPDATE SKIP LOCKED: while one node
 * decides whether the job is due, the others skip it rather than wait, and
 * the row it updates carries the lease for everybody after.
 */
#include <string.h>

#include "store/postgres/pg.h"

static const char SQL_JOB_ENSURE[] =
    "INSERT INTO jobs(name) VALUES($1) ON CONFLICT(name) DO NOTHING";
static const char SQL_JOB_TAKE[] =
    "SELECT node, lease_until, next_run FROM jobs WHERE name = $1 FOR UPDATE SKIP LOCKED";
static const char SQL_JOB_LEASE[] = "UPDATE jobs SET node = $2, lease_until = $3 WHERE name = $1";
static const char SQL_JOB_DONE[] =
    "UPDATE jobs SET lease_until = 0, next_run = $3 WHERE name = $1 AND node = $2";

vg_status pg_job_lease(void *tx, const char *name, const char *node, int64_t now,
                       int64_t lease_seconds, int *taken, vg_error *err)
{
    pg_conn *c = tx;
    *taken = 0;
    pg_args a = {0};
    pa_text(&a, name);
    vg_status st = pg_done(c, SQL_JOB_ENSURE, &a, "leasing a job", NULL, err);
    if (st != VG_OK)
        return st;
    PGresult *res = pg_run(c, SQL_JOB_TAKE, &a, "leasing a job", err);
    if (!res)
        return err ? err->status : VG_ERR_IO;
    int mine = 0;
    if (PQntuples(res)) { /* else another node holds the row right now */
        const char *holder = PQgetisnull(res, 0, 0) ? "" : PQgetvalue(res, 0, 0);
        int64_t lease_until = pg_int(res, 0, 1), next_run = pg_int(res, 0, 2);
        mine = next_run <= now && (lease_until <= now || !strcmp(holder, node));
    }
    PQclear(res);
    if (!mine)
        return VG_OK;
    pa_text(&a, node);
    pa_int(&a, now + lease_seconds);
    st = pg_done(c, SQL_JOB_LEASE, &a, "leasing a job", NULL, err);
    *taken = st == VG_OK;
    return st;
}

vg_status pg_job_done(void *tx, const char *name, const char *node, int64_t next_run,
                      vg_error *err)
{
    pg_args a = {0};
    pa_text(&a, name);
    pa_text(&a, node);
    pa_int(&a, next_run);
    return pg_done(tx, SQL_JOB_DONE, &a, "finishing a job", NULL, err);
}

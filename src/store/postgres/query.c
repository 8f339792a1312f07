/*
 * src/store/postgres/query.c - what every table group's file of the
 * PostgreSQL backend uses to run its statements (pg.h): prepared
 * statements, parameters, errors, cells, lists of rows, key locks.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/postgres/pg.h"

void pa_text(pg_args *a, const char *text)
{
    if (a->n < PG_MAX_PARAMS)
        a->v[a->n++] = text;
}

void pa_int(pg_args *a, int64_t value)
{
    if (a->n >= PG_MAX_PARAMS)
        return;
    snprintf(a->num[a->n], sizeof a->num[a->n], "%" PRId64, value);
    a->v[a->n] = a->num[a->n];
    a->n++;
}

vg_status pg_error(pg_conn *c, const PGresult *res, const char *what, vg_error *err)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    if (PQstatus(c->db) != CONNECTION_OK)
        state = "08006"; /* connection failure: whatever the result says */
    snprintf(c->sqlstate, sizeof c->sqlstate, "%s", state ? state : "XX000");
    c->failed = 1;
    const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (!msg)
        msg = PQerrorMessage(c->db);
    vg_status st = !strncmp(c->sqlstate, "23", 2)   ? VG_ERR_INVALID
                   : !strncmp(c->sqlstate, "22", 2) ? VG_ERR_INVALID
                   : !strcmp(c->sqlstate, "53200")  ? VG_ERR_NOMEM
                   : !strncmp(c->sqlstate, "XX", 2) ? VG_ERR_CORRUPT
                                                    : VG_ERR_IO;
    /* libpq's messages end with a newline */
    int len = (int)strcspn(msg, "\n");
    return vg_error_set(err, st, "database: %s: %.*s", what, len, msg);
}

/* ---- the pipeline ------------------------------------------------------ */

/* Statements go through libpq's pipeline mode: queued ones (pg_queue) and
 * the one waited for travel together, and the server answers them all at
 * once. Outside a batch the connection leaves pipeline mode, so that the
 * plain PQexec of transaction control, cursors and migrations works. */

static vg_status enter(pg_conn *c, const char *what, vg_error *err)
{
    if (PQpipelineStatus(c->db) == PQ_PIPELINE_OFF && !PQenterPipelineMode(c->db))
        return pg_error(c, NULL, what, err);
    return VG_OK;
}

static void note(pg_conn *c, const char *what, int prepare_slot)
{
    c->queue[c->queued].what = what;
    c->queue[c->queued].prepare_slot = prepare_slot;
    c->queue[c->queued].owner = c->owner;
    c->queued++;
}

/* Put sql (prepared first when new on c) in the pipeline. */
static vg_status send(pg_conn *c, const char *sql, const pg_args *a, const char *what,
                      vg_error *err)
{
    vg_status st = c->queued + 2 > PG_QUEUE_MAX ? pg_flush(c, err) : VG_OK;
    if (st == VG_OK)
        st = enter(c, what, err);
    if (st != VG_OK)
        return st;
    int slot = -1, fresh = 0;
    for (int i = 0; i < PG_STMT_CACHE && slot < 0; i++)
        if (c->prepared[i] == sql || !c->prepared[i]) {
            slot = i;
            fresh = !c->prepared[i];
        }
    if (slot < 0)
        return vg_error_set(err, VG_ERR_NOMEM, "database: statement cache full");
    char name[16];
    snprintf(name, sizeof name, "s%d", slot);
    if (fresh) {
        if (!PQsendPrepare(c->db, name, sql, a ? a->n : 0, NULL))
            return pg_error(c, NULL, "preparing a query", err);
        c->prepared[slot] = sql;
        note(c, "preparing a query", slot);
    }
    if (!PQsendQueryPrepared(c->db, name, a ? a->n : 0, a ? a->v : NULL, NULL, NULL, 0))
        return pg_error(c, NULL, what, err);
    c->statements++;
    note(c, what, -1);
    return VG_OK;
}

vg_status pg_queue(pg_conn *c, const char *sql, const pg_args *a, const char *what,
                   vg_error *err)
{
    return send(c, sql, a, what, err);
}

vg_status pg_queue_command(pg_conn *c, const char *sql, const char *what, vg_error *err)
{
    vg_status st = c->queued + 1 > PG_QUEUE_MAX ? pg_flush(c, err) : VG_OK;
    if (st == VG_OK)
        st = enter(c, what, err);
    if (st != VG_OK)
        return st;
    if (!PQsendQueryParams(c->db, sql, 0, NULL, NULL, NULL, NULL, 0))
        return pg_error(c, NULL, what, err);
    c->statements++;
    note(c, what, -1);
    return VG_OK;
}

/* Send a Sync and read every queued statement's result: the first failure
 * into err; the last statement's result into *last (when wanted and every
 * statement succeeded). */
static vg_status collect(pg_conn *c, PGresult **last, vg_error *err)
{
    if (last)
        *last = NULL;
    if (PQpipelineStatus(c->db) == PQ_PIPELINE_OFF)
        return VG_OK;
    vg_status st = VG_OK;
    int expected = c->queued;
    c->queued = 0;
    if (!PQpipelineSync(c->db)) {
        st = pg_error(c, NULL, "sending statements", err);
        PQexitPipelineMode(c->db);
        return st;
    }
    c->round_trips++;
    int seen = 0, nulls = 0;
    for (;;) {
        PGresult *res = PQgetResult(c->db);
        if (!res) {
            /* one NULL ends each statement's results; two in a row: the
             * connection is gone and no Sync will come */
            if (++nulls > 1)
                break;
            continue;
        }
        nulls = 0;
        ExecStatusType s = PQresultStatus(res);
        if (s == PGRES_PIPELINE_SYNC) {
            PQclear(res);
            break;
        }
        int i = seen++;
        const pg_queued *q = i < expected ? &c->queue[i] : NULL;
        int ok = s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
        if (!ok && q && q->prepare_slot >= 0)
            c->prepared[q->prepare_slot] = NULL; /* not made: made again next time */
        if (!ok && s != PGRES_PIPELINE_ABORTED && st == VG_OK) {
            st = pg_error(c, res, q ? q->what : "running statements", err);
            if (!c->owner_failed) {
                c->owner_failed = 1;
                c->failed_owner = q ? q->owner : c->owner;
            }
        }
        if (last && ok && st == VG_OK && i == expected - 1) {
            *last = res;
            continue;
        }
        PQclear(res);
    }
    if (st == VG_OK && seen < expected)
        st = pg_error(c, NULL, "reading the answers", err);
    if (st != VG_OK && last && *last) {
        PQclear(*last);
        *last = NULL;
    }
    PQexitPipelineMode(c->db);
    return st;
}

vg_status pg_flush(pg_conn *c, vg_error *err)
{
    return collect(c, NULL, err);
}

PGresult *pg_run(pg_conn *c, const char *sql, const pg_args *a, const char *what, vg_error *err)
{
    PGresult *res = NULL;
    vg_status st = send(c, sql, a, what, err);
    if (st == VG_OK)
        st = collect(c, &res, err);
    else
        collect(c, NULL, NULL);
    return st == VG_OK ? res : NULL;
}

vg_status pg_done(pg_conn *c, const char *sql, const pg_args *a, const char *what,
                  int64_t *changed, vg_error *err)
{
    PGresult *res = pg_run(c, sql, a, what, err);
    if (!res)
        return err ? err->status : VG_ERR_IO;
    if (changed) {
        const char *n = PQcmdTuples(res);
        *changed = n && *n ? strtoll(n, NULL, 10) : 0;
    }
    PQclear(res);
    return VG_OK;
}

vg_status pg_simple(pg_conn *c, const char *sql, const char *what, vg_error *err)
{
    vg_status queued = pg_flush(c, err);
    if (queued != VG_OK)
        return queued;
    c->round_trips++;
    c->statements++;
    PGresult *res = PQexec(c->db, sql);
    ExecStatusType s = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    vg_status st = VG_OK;
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK)
        st = pg_error(c, res, what, err);
    PQclear(res);
    return st;
}

char *pg_text(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? NULL : strdup(PQgetvalue(res, row, col));
}

int64_t pg_int(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? 0 : strtoll(PQgetvalue(res, row, col), NULL, 10);
}

vg_status pg_list(pg_conn *c, const char *sql, const pg_args *a, size_t size, pg_row_fn read,
                  void **items, size_t *count, const char *what, vg_error *err)
{
    *items = NULL;
    *count = 0;
    PGresult *res = pg_run(c, sql, a, what, err);
    if (!res)
        return err ? err->status : VG_ERR_IO;
    int rows = PQntuples(res);
    char *out = rows ? calloc((size_t)rows, size) : NULL;
    if (rows && !out) {
        PQclear(res);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory %s", what);
    }
    for (int i = 0; i < rows; i++)
        read(res, i, out + (size_t)i * size);
    PQclear(res);
    *items = out;
    *count = (size_t)rows;
    return VG_OK;
}

vg_status pg_ids(pg_conn *c, const char *sql, const pg_args *a, int64_t *ids, size_t max,
                 size_t *count, const char *what, vg_error *err)
{
    *count = 0;
    PGresult *res = pg_run(c, sql, a, what, err);
    if (!res)
        return err ? err->status : VG_ERR_IO;
    for (int i = 0; i < PQntuples(res) && *count < max; i++)
        ids[(*count)++] = pg_int(res, i, 0);
    PQclear(res);
    return VG_OK;
}

static const char SQL_LOCK_KEY[] = "SELECT pg_advisory_xact_lock($1::int, hashtext($2::text))";

vg_status pg_lock_key(pg_conn *c, int space, const char *text, vg_error *err)
{
    if (!c->writable)
        return VG_OK;
    pg_args a = {0};
    pa_int(&a, space);
    pa_text(&a, text ? text : "");
    return pg_queue(c, SQL_LOCK_KEY, &a, "waiting for a concurrent change", err);
}

vg_status pg_each(pg_conn *c, const char *sql, const pg_args *a, pg_batch_fn fn, void *ctx,
                  const char *what, vg_error *err)
{
    char name[32], fetch[64], close_sql[48];
    snprintf(name, sizeof name, "vg_each_%u", ++c->cursors);
    size_t n = strlen(sql) + 64;
    char *declare = malloc(n);
    if (!declare)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory %s", what);
    snprintf(declare, n, "DECLARE %s NO SCROLL CURSOR FOR %s", name, sql);
    vg_status queued = pg_flush(c, err);
    if (queued != VG_OK) {
        free(declare);
        return queued;
    }
    c->round_trips++;
    c->statements++;
    PGresult *res = PQexecParams(c->db, declare, a ? a->n : 0, NULL, a ? a->v : NULL, NULL,
                                 NULL, 0);
    free(declare);
    vg_status st = VG_OK;
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        st = pg_error(c, res, what, err);
    PQclear(res);
    if (st != VG_OK)
        return st;
    snprintf(fetch, sizeof fetch, "FETCH %d FROM %s", PG_EACH_BATCH, name);
    for (;;) {
        c->round_trips++;
        c->statements++;
        res = PQexec(c->db, fetch);
        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
            st = pg_error(c, res, what, err);
            PQclear(res);
            return st; /* the transaction is lost anyway: no CLOSE */
        }
        int rows = PQntuples(res);
        if (rows)
            st = fn(res, ctx, err);
        PQclear(res);
        if (st != VG_OK || rows < PG_EACH_BATCH)
            break;
    }
    snprintf(close_sql, sizeof close_sql, "CLOSE %s", name);
    vg_status closed = pg_simple(c, close_sql, what, st == VG_OK ? err : NULL);
    return st != VG_OK ? st : closed;
}

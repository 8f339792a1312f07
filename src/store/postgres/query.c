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

/* The prepared statement of sql on c, prepared now if it is not yet:
 * its name into name[16], 1; 0 with err set. */
static int prepared(pg_conn *c, const char *sql, const pg_args *a, char name[16], vg_error *err)
{
    for (int i = 0; i < PG_STMT_CACHE; i++) {
        if (c->prepared[i] == sql) {
            snprintf(name, 16, "s%d", i);
            return 1;
        }
        if (!c->prepared[i]) {
            snprintf(name, 16, "s%d", i);
            PGresult *res = PQprepare(c->db, name, sql, a ? a->n : 0, NULL);
            int ok = res && PQresultStatus(res) == PGRES_COMMAND_OK;
            if (!ok)
                pg_error(c, res, "preparing a query", err);
            else
                c->prepared[i] = sql;
            PQclear(res);
            return ok;
        }
    }
    vg_error_set(err, VG_ERR_NOMEM, "database: statement cache full");
    return 0;
}

PGresult *pg_run(pg_conn *c, const char *sql, const pg_args *a, const char *what, vg_error *err)
{
    char name[16];
    if (!prepared(c, sql, a, name, err))
        return NULL;
    PGresult *res = PQexecPrepared(c->db, name, a ? a->n : 0, a ? a->v : NULL, NULL, NULL, 0);
    ExecStatusType s = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (s != PGRES_TUPLES_OK && s != PGRES_COMMAND_OK) {
        pg_error(c, res, what, err);
        PQclear(res);
        return NULL;
    }
    return res;
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
    return pg_done(c, SQL_LOCK_KEY, &a, "waiting for a concurrent change", NULL, err);
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

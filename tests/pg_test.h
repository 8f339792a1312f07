/*
 * tests/pg_test.h - the throw-away PostgreSQL cluster of the tests
 * (scripts/postgres, started by CTest's "postgres" fixture): a fresh
 * database for each store a test opens, SQL behind the store's back, and
 * the skip rule.
 *
 * VIGIE_TEST_POSTGRES names the file holding the cluster's URI (its
 * "postgres" database). Without it, or without the cluster, a test exits
 * 77 (skipped) on a developer's machine and fails on CI (CI=true), where
 * PostgreSQL must be there.
 */
#ifndef VIGIE_TESTS_PG_TEST_H
#define VIGIE_TESTS_PG_TEST_H

#include <libpq-fe.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The cluster's URI into base[cap]: 1, or 0 when there is none. */
static inline int pgt_base(char *base, size_t cap)
{
    const char *file = getenv("VIGIE_TEST_POSTGRES");
    FILE *f = file ? fopen(file, "r") : NULL;
    base[0] = 0;
    if (f) {
        if (fgets(base, (int)cap, f))
            base[strcspn(base, "\r\n")] = 0;
        fclose(f);
    }
    return base[0] != 0;
}

/* Exit 77 (or fail on CI) when there is no cluster to test on. */
static inline void pgt_require(const char *test)
{
    char base[512];
    if (pgt_base(base, sizeof base))
        return;
    const char *ci = getenv("CI");
    fprintf(stderr, "%s: no PostgreSQL cluster (VIGIE_TEST_POSTGRES): %s\n", test,
            ci && !strcmp(ci, "true") ? "failing on CI" : "skipped");
    exit(ci && !strcmp(ci, "true") ? 1 : 77);
}

/* The cluster's URI with database db instead of "postgres". */
static inline int pgt_url(const char *db, char *url, size_t cap)
{
    char base[512];
    if (!pgt_base(base, sizeof base))
        return 0;
    const char *path = strstr(base, ":///");
    const char *query = strchr(base, '?');
    if (!path || !query)
        return 0;
    snprintf(url, cap, "%.*s:///%s%s", (int)(path - base), base, db, query);
    return 1;
}

/* Run sql (several statements allowed) on the database at url; 1 on success. */
static inline int pgt_exec(const char *url, const char *sql)
{
    PGconn *c = PQconnectdb(url);
    PGresult *r = PQstatus(c) == CONNECTION_OK ? PQexec(c, sql) : NULL;
    ExecStatusType s = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    int ok = s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
    if (!ok)
        fprintf(stderr, "pgt_exec: %s: %s", sql, PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
    return ok;
}

/* The first column of the first row of sql as an integer: -1 on error or
 * no row, -2 for SQL NULL. */
static inline long long pgt_int(const char *url, const char *sql)
{
    PGconn *c = PQconnectdb(url);
    PGresult *r = PQstatus(c) == CONNECTION_OK ? PQexec(c, sql) : NULL;
    long long v = -1;
    if (r && PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0)
        v = PQgetisnull(r, 0, 0) ? -2 : strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    else if (!r || PQresultStatus(r) != PGRES_TUPLES_OK)
        fprintf(stderr, "pgt_int: %s: %s", sql, PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
    return v;
}

/* The same as text into out ("" when none). */
static inline const char *pgt_text(const char *url, const char *sql, char *out, size_t cap)
{
    PGconn *c = PQconnectdb(url);
    PGresult *r = PQstatus(c) == CONNECTION_OK ? PQexec(c, sql) : NULL;
    out[0] = 0;
    if (r && PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0 && !PQgetisnull(r, 0, 0))
        snprintf(out, cap, "%s", PQgetvalue(r, 0, 0));
    else if (!r || PQresultStatus(r) != PGRES_TUPLES_OK)
        fprintf(stderr, "pgt_text: %s: %s", sql, PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
    return out;
}

/* A new, empty database; its URI into url[cap]. 1 on success. */
static inline int pgt_create(char *url, size_t cap)
{
    static atomic_int counter;
    char base[512], db[64], sql[128];
    if (!pgt_base(base, sizeof base))
        return 0;
    snprintf(db, sizeof db, "vigie_t%ld_%d", (long)getpid(), atomic_fetch_add(&counter, 1));
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", db);
    return pgt_exec(base, sql) && pgt_url(db, url, cap);
}

/* Drop the database of url (made by pgt_create), whoever is connected. */
static inline void pgt_drop(const char *url)
{
    char base[512], sql[160];
    const char *path = strstr(url, ":///");
    if (!path || !pgt_base(base, sizeof base))
        return;
    path += 4;
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %.*s WITH (FORCE)",
             (int)strcspn(path, "?"), path);
    pgt_exec(base, sql);
}

#endif

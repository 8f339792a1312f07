/*
 * src/store/copy.c - a whole store from SQLite to PostgreSQL (copy.h).
 *
 * Rows travel as text: SQLite hands every value as its text form and
 * PostgreSQL parses it into the column's type, so that a value the
 * destination cannot hold (a number too big, a binary blob) stops the copy
 * instead of changing on the way. Tables are copied parents first (foreign
 * keys), and identity sequences move past the copied ids, so that the next
 * report gets the next number. stats_facts, stats_dirty, stats_packs and
 * stats_pack_stale are not copied: they are derived (a pack holds the
 * source's ids), and the destination's triggers mark each report as its
 * rows arrive (the stats job then folds them; reads are exact meanwhile).
 */
#include "store/copy.h"

#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store/store.h"

#define MAX_TABLES 64
#define MAX_COLUMNS 64

typedef struct copier {
    sqlite3 *from;
    PGconn *to;
    char *tables[MAX_TABLES];
    size_t ntables;
    vg_store_copy_stats stats;
} copier;

static vg_status pg_failed(copier *c, PGresult *res, const char *what, vg_error *err)
{
    const char *msg = res ? PQresultErrorMessage(res) : PQerrorMessage(c->to);
    vg_status st = vg_error_set(err, VG_ERR_IO, "%s: %.*s", what, (int)strcspn(msg, "\n"), msg);
    PQclear(res);
    return st;
}

static vg_status sq_failed(copier *c, const char *what, vg_error *err)
{
    return vg_error_set(err, VG_ERR_IO, "%s: %s", what, sqlite3_errmsg(c->from));
}

/* Run sql on the destination; its result (PQclear it) into *out when out
 * is not NULL. */
static vg_status pg_exec(copier *c, const char *sql, int n, const char *const *params,
                         PGresult **out, const char *what, vg_error *err)
{
    PGresult *res = PQexecParams(c->to, sql, n, NULL, params, NULL, NULL, 0);
    ExecStatusType s = PQresultStatus(res);
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK)
        return pg_failed(c, res, what, err);
    if (out)
        *out = res;
    else
        PQclear(res);
    return VG_OK;
}

/* Names from the catalogues are plain words; anything else is refused
 * rather than quoted. */
static int plain_name(const char *name)
{
    if (!*name || strlen(name) > 60)
        return 0;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
            return 0;
    return 1;
}

/* The destination's tables, parents before the tables referring to them. */
static vg_status list_tables(copier *c, vg_error *err)
{
    PGresult *tables = NULL, *refs = NULL;
    vg_status st = pg_exec(c,
                           "SELECT table_name FROM information_schema.tables WHERE "
                           "table_schema = current_schema() AND table_type = 'BASE TABLE' AND "
                           "table_name <> 'vigie_schema' AND table_name <> 'stats_facts' "
                           "AND table_name <> 'stats_dirty' AND table_name <> 'stats_packs' "
                           "AND table_name <> 'stats_pack_stale' "
                           "ORDER BY table_name",
                           0, NULL, &tables, "listing the destination's tables", err);
    if (st == VG_OK)
        st = pg_exec(c,
                     "SELECT conrelid::regclass::text, confrelid::regclass::text "
                     "FROM pg_constraint WHERE contype = 'f' AND "
                     "connamespace = current_schema()::regnamespace",
                     0, NULL, &refs, "listing the destination's foreign keys", err);
    size_t n = st == VG_OK ? (size_t)PQntuples(tables) : 0;
    if (n > MAX_TABLES)
        st = vg_error_set(err, VG_ERR_UNSUPPORTED, "the destination has too many tables (%zu)", n);
    unsigned char done[MAX_TABLES] = {0};
    while (st == VG_OK && c->ntables < n) {
        size_t before = c->ntables;
        for (size_t i = 0; i < n; i++) {
            const char *name = PQgetvalue(tables, (int)i, 0);
            int ready = !done[i];
            for (int r = 0; ready && r < PQntuples(refs); r++) {
                if (strcmp(PQgetvalue(refs, r, 0), name) ||
                    !strcmp(PQgetvalue(refs, r, 1), name))
                    continue;
                for (size_t j = 0; j < n; j++)
                    if (!done[j] && !strcmp(PQgetvalue(tables, (int)j, 0), PQgetvalue(refs, r, 1)))
                        ready = 0;
            }
            if (!ready)
                continue;
            if (!plain_name(name))
                st = vg_error_set(err, VG_ERR_UNSUPPORTED, "unexpected table name '%s'", name);
            else if (!(c->tables[c->ntables++] = strdup(name)))
                st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
            done[i] = 1;
        }
        if (st == VG_OK && c->ntables == before)
            st = vg_error_set(err, VG_ERR_UNSUPPORTED,
                              "the destination's foreign keys go round in a circle");
    }
    PQclear(tables);
    PQclear(refs);
    return st;
}

static int is_copied(const copier *c, const char *table)
{
    for (size_t i = 0; i < c->ntables; i++)
        if (!strcmp(c->tables[i], table))
            return 1;
    return 0;
}

/* Every table of the source must have its place in the destination. */
static vg_status check_source_tables(copier *c, vg_error *err)
{
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(c->from,
                           "SELECT name FROM sqlite_schema WHERE type = 'table' AND "
                           "name NOT LIKE 'sqlite_%' AND name <> 'stats_facts' AND "
                           "name <> 'stats_dirty' AND name <> 'stats_packs' AND "
                           "name <> 'stats_pack_stale'",
                           -1, &q, NULL) != SQLITE_OK)
        return sq_failed(c, "listing the source's tables", err);
    vg_status st = VG_OK;
    int rc;
    while (st == VG_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(q, 0);
        if (!is_copied(c, name))
            st = vg_error_set(err, VG_ERR_UNSUPPORTED,
                              "the source has a table '%s' the PostgreSQL schema lacks: this "
                              "vigie cannot copy it (a newer one may)",
                              name);
    }
    if (st == VG_OK && rc != SQLITE_DONE)
        st = sq_failed(c, "listing the source's tables", err);
    sqlite3_finalize(q);
    return st;
}

/* The source's columns of table into cols (malloc'd names), all of which the
 * destination must have. */
static vg_status source_columns(copier *c, const char *table, char **cols, int *ncols,
                                vg_error *err)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT name FROM pragma_table_info('%s')", table);
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(c->from, sql, -1, &q, NULL) != SQLITE_OK)
        return sq_failed(c, "reading the source's columns", err);
    vg_status st = VG_OK;
    *ncols = 0;
    while (st == VG_OK && sqlite3_step(q) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(q, 0);
        const char *params[2] = {table, name};
        PGresult *res = NULL;
        if (*ncols == MAX_COLUMNS || !plain_name(name))
            st = vg_error_set(err, VG_ERR_UNSUPPORTED, "%s: unexpected column '%s'", table, name);
        else
            st = pg_exec(c,
                         "SELECT 1 FROM information_schema.columns WHERE table_schema = "
                         "current_schema() AND table_name = $1 AND column_name = $2",
                         2, params, &res, "reading the destination's columns", err);
        if (st == VG_OK && PQntuples(res) == 0)
            st = vg_error_set(err, VG_ERR_UNSUPPORTED,
                              "the source's column %s.%s has no place in the PostgreSQL schema: "
                              "this vigie cannot copy it (a newer one may)",
                              table, name);
        PQclear(res);
        if (st == VG_OK && !(cols[(*ncols)++] = strdup(name)))
            st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    sqlite3_finalize(q);
    return st;
}

/* The single-row counters the migrations seed: a fresh database holds them
 * at zero, and the source's row replaces it. */
static const struct {
    const char *table, *check, *what;
} counters[] = {
    {"audit_head", "SELECT seq FROM audit_head", "an audit log"},
    {"blocklist_version", "SELECT version FROM blocklist_version", "a blocking list"},
};

/* The destination must hold no hotline data: copying into a working
 * database would mix two hotlines' ids. */
static vg_status make_room(copier *c, const char *table, vg_error *err)
{
    char sql[160];
    for (size_t i = 0; i < sizeof counters / sizeof counters[0]; i++) {
        if (strcmp(table, counters[i].table))
            continue;
        PGresult *res = NULL;
        vg_status st = pg_exec(c, counters[i].check, 0, NULL, &res, "reading the destination", err);
        if (st == VG_OK && PQntuples(res) && strcmp(PQgetvalue(res, 0, 0), "0"))
            st = vg_error_set(err, VG_ERR_INVALID,
                              "the destination already has %s: copy into an empty database",
                              counters[i].what);
        PQclear(res);
        if (st != VG_OK)
            return st;
        snprintf(sql, sizeof sql, "DELETE FROM %s", table);
        return pg_exec(c, sql, 0, NULL, NULL, "clearing the destination's counter", err);
    }
    snprintf(sql, sizeof sql, "SELECT 1 FROM %s LIMIT 1", table);
    PGresult *res = NULL;
    vg_status st = pg_exec(c, sql, 0, NULL, &res, "reading the destination", err);
    if (st == VG_OK && PQntuples(res))
        st = vg_error_set(err, VG_ERR_INVALID,
                          "the destination already holds data (table %s): copy into an empty "
                          "database",
                          table);
    PQclear(res);
    return st;
}

static vg_status copy_rows(copier *c, const char *table, char **cols, int ncols, vg_error *err)
{
    char select[4096], insert[4096];
    size_t s = (size_t)snprintf(select, sizeof select, "SELECT ");
    size_t i = (size_t)snprintf(insert, sizeof insert, "INSERT INTO %s(", table);
    for (int k = 0; k < ncols; k++) {
        s += (size_t)snprintf(select + s, sizeof select - s, "%s%s", k ? ", " : "", cols[k]);
        i += (size_t)snprintf(insert + i, sizeof insert - i, "%s%s", k ? ", " : "", cols[k]);
    }
    /* identity columns take the copied ids as they are */
    i += (size_t)snprintf(insert + i, sizeof insert - i, ") OVERRIDING SYSTEM VALUE VALUES(");
    for (int k = 0; k < ncols; k++)
        i += (size_t)snprintf(insert + i, sizeof insert - i, "%s$%d", k ? ", " : "", k + 1);
    snprintf(insert + i, sizeof insert - i, ")");
    snprintf(select + s, sizeof select - s, " FROM %s", table);

    PGresult *prep = PQprepare(c->to, "", insert, ncols, NULL);
    if (PQresultStatus(prep) != PGRES_COMMAND_OK)
        return pg_failed(c, prep, table, err);
    PQclear(prep);
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(c->from, select, -1, &q, NULL) != SQLITE_OK)
        return sq_failed(c, table, err);
    vg_status st = VG_OK;
    int rc;
    while (st == VG_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        const char *values[MAX_COLUMNS];
        for (int k = 0; k < ncols && st == VG_OK; k++) {
            int type = sqlite3_column_type(q, k);
            if (type == SQLITE_BLOB)
                st = vg_error_set(err, VG_ERR_UNSUPPORTED, "%s.%s: a binary value", table,
                                  cols[k]);
            values[k] = type == SQLITE_NULL ? NULL : (const char *)sqlite3_column_text(q, k);
        }
        if (st != VG_OK)
            break;
        PGresult *res = PQexecPrepared(c->to, "", ncols, values, NULL, NULL, 0);
        if (PQresultStatus(res) != PGRES_COMMAND_OK)
            st = pg_failed(c, res, table, err);
        else
            PQclear(res);
        c->stats.rows++;
    }
    if (st == VG_OK && rc != SQLITE_DONE)
        st = sq_failed(c, table, err);
    sqlite3_finalize(q);
    if (st != VG_OK)
        return st;
    /* The next id after the copied ones (tables whose id is an identity). */
    const char *params[1] = {table};
    PGresult *seq = NULL;
    st = pg_exec(c, "SELECT pg_get_serial_sequence($1, 'id') FROM information_schema.columns "
                    "WHERE table_schema = current_schema() AND table_name = $1 AND "
                    "column_name = 'id'",
                 1, params, &seq, table, err);
    if (st == VG_OK && PQntuples(seq) && !PQgetisnull(seq, 0, 0)) {
        char sql[256];
        snprintf(sql, sizeof sql, "SELECT setval($1, max(id)) FROM %s HAVING max(id) IS NOT NULL",
                 table);
        const char *name[1] = {PQgetvalue(seq, 0, 0)};
        st = pg_exec(c, sql, 1, name, NULL, table, err);
    }
    PQclear(seq);
    return st;
}

static vg_status copy_table(copier *c, const char *table, vg_error *err)
{
    char *cols[MAX_COLUMNS];
    int ncols = 0;
    vg_status st = source_columns(c, table, cols, &ncols, err);
    if (st == VG_OK)
        st = make_room(c, table, err);
    if (st == VG_OK && ncols > 0)
        st = copy_rows(c, table, cols, ncols, err);
    for (int k = 0; k < ncols; k++)
        free(cols[k]);
    if (st == VG_OK)
        c->stats.tables++;
    return st;
}

/* Both schemas brought up to date by their own migrations. */
static vg_status migrate_both(const char *from_dir, const char *to_url, vg_error *err)
{
    vg_store *s = NULL;
    vg_status st = vg_store_open(from_dir, NULL, &s, err);
    vg_store_close(s);
    s = NULL;
    if (st == VG_OK)
        st = vg_store_open(to_url, &(vg_store_options){.connections = 1}, &s, err);
    vg_store_close(s);
    return st;
}

vg_status vg_store_copy(const char *from_dir, const char *to_url, vg_store_copy_stats *stats,
                        vg_error *err)
{
    char path[4096];
    struct stat sb;
    snprintf(path, sizeof path, "%s/vigie.db", from_dir);
    if (stat(path, &sb) != 0)
        return vg_error_set(err, VG_ERR_INVALID, "%s: no vigie database there", path);
    if (!vg_store_is_postgres(to_url))
        return vg_error_set(err, VG_ERR_INVALID, "'%s' is not a postgresql:// URI", to_url);
    vg_status st = migrate_both(from_dir, to_url, err);
    if (st != VG_OK)
        return st;

    copier c = {0};
    if (sqlite3_open_v2(path, &c.from, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        st = sq_failed(&c, "opening the source", err);
    else if (sqlite3_exec(c.from, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        st = sq_failed(&c, "reading the source", err);
    if (st == VG_OK) {
        const char *keys[] = {"options", "dbname", NULL};
        const char *values[] = {"-c client_min_messages=warning", to_url, NULL};
        c.to = PQconnectdbParams(keys, values, 1);
        if (PQstatus(c.to) != CONNECTION_OK)
            st = pg_failed(&c, NULL, "connecting to the destination", err);
    }
    if (st == VG_OK)
        st = pg_exec(&c, "BEGIN", 0, NULL, NULL, "starting the copy", err);
    if (st == VG_OK)
        st = list_tables(&c, err);
    if (st == VG_OK)
        st = check_source_tables(&c, err);
    for (size_t i = 0; st == VG_OK && i < c.ntables; i++)
        st = copy_table(&c, c.tables[i], err);
    if (st == VG_OK)
        st = pg_exec(&c, "COMMIT", 0, NULL, NULL, "committing the copy", err);
    /* The copied tables have no statistics until autovacuum's first
     * ANALYZE, and the plans the servers' connections cache before it
     * read every row for a lookup (bench/server/README.md). Best effort:
     * the copy is committed, and autovacuum would get there. */
    if (st == VG_OK)
        PQclear(PQexec(c.to, "ANALYZE"));
    if (stats)
        *stats = st == VG_OK ? c.stats : (vg_store_copy_stats){0};
    for (size_t i = 0; i < c.ntables; i++)
        free(c.tables[i]);
    PQfinish(c.to); /* an open transaction is rolled back */
    if (c.from)
        sqlite3_exec(c.from, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(c.from);
    return st;
}

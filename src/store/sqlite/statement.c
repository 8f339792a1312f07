/*
 * src/store/sqlite/statement.c - what every table group's file of the
 * SQLite backend uses to run its statements (sqlite.h): cached statements,
 * errors, text columns, lists of rows.
 */
#include <stdlib.h>
#include <string.h>

#include "store/sqlite/sqlite.h"

vg_status sq_db_error(vg_error *err, sqlite3 *db, const char *what)
{
    int code = sqlite3_errcode(db);
    vg_status st = (code == SQLITE_CORRUPT || code == SQLITE_NOTADB) ? VG_ERR_CORRUPT
                   : code == SQLITE_NOMEM                            ? VG_ERR_NOMEM
                   : code == SQLITE_CONSTRAINT                       ? VG_ERR_INVALID
                                                                     : VG_ERR_IO;
    return vg_error_set(err, st, "database: %s: %s", what, sqlite3_errmsg(db));
}

sqlite3_stmt *sq_stmt(conn *c, const char *sql, vg_error *err)
{
    for (int i = 0; i < STMT_CACHE; i++) {
        if (c->cache[i].sql == sql) {
            sqlite3_reset(c->cache[i].stmt);
            sqlite3_clear_bindings(c->cache[i].stmt);
            return c->cache[i].stmt;
        }
        if (!c->cache[i].sql) {
            sqlite3_stmt *st = NULL;
            if (sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) !=
                SQLITE_OK) {
                sq_db_error(err, c->db, "preparing a query");
                return NULL;
            }
            c->cache[i].sql = sql;
            c->cache[i].stmt = st;
            return st;
        }
    }
    vg_error_set(err, VG_ERR_NOMEM, "database: statement cache full");
    return NULL;
}

vg_status sq_step_done(conn *c, sqlite3_stmt *st, const char *what, vg_error *err)
{
    int rc = sqlite3_step(st);
    vg_status status = rc == SQLITE_DONE ? VG_OK : sq_db_error(err, c->db, what);
    sqlite3_reset(st);
    return status;
}

char *sq_text(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? strdup((const char *)t) : NULL;
}

void sq_bind_text(sqlite3_stmt *st, int i, const char *text)
{
    if (text)
        sqlite3_bind_text(st, i, text, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

vg_status sq_list(conn *c, const char *sql, int64_t a, int64_t b, size_t size, sq_row_fn read,
                  sq_clear_fn clear, void **items, size_t *count, const char *what, vg_error *err)
{
    *items = NULL;
    *count = 0;
    SQ_STMT(st, sql);
    int params = sqlite3_bind_parameter_count(st);
    if (params > 0)
        sqlite3_bind_int64(st, 1, a);
    if (params > 1)
        sqlite3_bind_int64(st, 2, b);
    return sq_collect(c, st, size, read, clear, items, count, what, err);
}

vg_status sq_collect(conn *c, sqlite3_stmt *st, size_t size, sq_row_fn read, sq_clear_fn clear,
                     void **items, size_t *count, const char *what, vg_error *err)
{
    *items = NULL;
    *count = 0;
    char *out = NULL;
    size_t n = 0, cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == cap) {
            size_t grown_cap = cap ? cap * 2 : 16;
            char *grown = realloc(out, grown_cap * size);
            if (!grown) {
                rc = SQLITE_NOMEM;
                break;
            }
            out = grown;
            cap = grown_cap;
        }
        void *item = out + n++ * size;
        memset(item, 0, size);
        read(st, item);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        for (size_t i = 0; i < n; i++)
            clear(out + i * size);
        free(out);
        return rc == SQLITE_NOMEM ? vg_error_set(err, VG_ERR_NOMEM, "out of memory %s", what)
                                  : sq_db_error(err, c->db, what);
    }
    *items = out;
    *count = n;
    return VG_OK;
}

vg_status sq_ids(conn *c, const char *sql, int64_t a, int64_t *ids, size_t max, size_t *count,
                 const char *what, vg_error *err)
{
    *count = 0;
    SQ_STMT(st, sql);
    if (sqlite3_bind_parameter_count(st) > 0)
        sqlite3_bind_int64(st, 1, a);
    int rc = SQLITE_DONE;
    while (*count < max && (rc = sqlite3_step(st)) == SQLITE_ROW)
        ids[(*count)++] = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? VG_OK : sq_db_error(err, c->db, what);
}

/*
 * src/store/sqlite/sqlite.h - inside the SQLite backend: connections and
 * their statement caches, and the helpers every table group's file uses.
 *
 * db.c holds the connections, the writer and the method table;
 * statement.c the helpers below. A transaction's impl (vg_tx.impl) is the
 * conn it runs on: the writer's
 * connection inside a group commit, or a reader's inside a read
 * transaction. Functions of the table-group files take that conn and run
 * their statements on it; none of them starts or ends a transaction.
 */
#ifndef VIGIE_STORE_SQLITE_SQLITE_H
#define VIGIE_STORE_SQLITE_SQLITE_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "store/backend.h"

#define STMT_CACHE 128

typedef struct conn {
    sqlite3 *db;
    struct {
        const char *sql;
        sqlite3_stmt *stmt;
    } cache[STMT_CACHE];
} conn;

/* ---- statement.c ---- */

/* A database error as a vg_error naming what was being done. */
vg_status sq_db_error(vg_error *err, sqlite3 *db, const char *what);
/* The cached statement of sql (a string literal: cached by its address),
 * reset with its bindings cleared; NULL with err set. */
sqlite3_stmt *sq_stmt(conn *c, const char *sql, vg_error *err);
/* Step a statement that returns no rows, and reset it. */
vg_status sq_step_done(conn *c, sqlite3_stmt *st, const char *what, vg_error *err);

#define SQ_STMT(var, sql)                                                                    \
    sqlite3_stmt *var = sq_stmt(c, sql, err);                                                \
    if (!var)                                                                                \
    return err ? err->status : VG_ERR_IO

/* A malloc'd copy of column i's text, or NULL (SQL NULL or out of memory). */
char *sq_text(sqlite3_stmt *st, int i);
/* Bind text, or SQL NULL when text is NULL (not copied). */
void sq_bind_text(sqlite3_stmt *st, int i, const char *text);

/* Fill item (zeroed) from the row st stands on; release what it stored. */
typedef void (*sq_row_fn)(sqlite3_stmt *st, void *item);
typedef void (*sq_clear_fn)(void *item);
/* Run sql (cached) with up to two integer parameters a and b (bound only
 * when the statement has them), reading every row into a growing array:
 * *items (malloc'd, NULL when none) and *count. what names the list in
 * errors. */
vg_status sq_list(conn *c, const char *sql, int64_t a, int64_t b, size_t size, sq_row_fn read,
                  sq_clear_fn clear, void **items, size_t *count, const char *what,
                  vg_error *err);
/* The same for a statement already prepared and bound (reset afterwards). */
vg_status sq_collect(conn *c, sqlite3_stmt *st, size_t size, sq_row_fn read, sq_clear_fn clear,
                     void **items, size_t *count, const char *what, vg_error *err);
/* Run sql (cached) with one integer parameter and collect the first column
 * of each row as integers into ids (at most max). */
vg_status sq_ids(conn *c, const char *sql, int64_t a, int64_t *ids, size_t max, size_t *count,
                 const char *what, vg_error *err);

/* The schema's migrations (migrate.c). */
vg_status sq_migrate(conn *c, int *version, vg_error *err);
/* Pack every stale day of the statistics' facts again (stats.c), in the
 * caller's write transaction. */
vg_status sq_stats_pack_stale(conn *c, vg_error *err);

/* The table groups' operations (settings.c, reports.c, people.c, audit.c,
 * items.c, jobs.c, alerts.c), listed in db.c's ops table. Each takes the conn of the
 * transaction as void *tx; the contracts are the store headers.. */
#define SQ_OP(name, ...) vg_status sq_##name(void *tx, __VA_ARGS__);
#include "store/sqlite/ops.h"
#undef SQ_OP

#endif

/*
 * src/store/postgres/pg.h - inside the PostgreSQL backend: connections,
 * their prepared statements, and the helpers every table group's file uses.
 *
 * db.c holds the connection pool, the transactions (with their retries) and
 * the method table; query.c the helpers below. A transaction's impl
 * (vg_tx.impl) is the pg_conn it runs on. Functions of the table-group
 * files take that connection and run their statements on it; none of them
 * starts or ends a transaction.
 *
 * Isolation. Write transactions run at READ COMMITTED, and an operation
 * whose result a use case acts upon inside the same transaction (an item,
 * a sign-in name's count, an idempotency key, the audit chain head, the
 * earlier reports sharing what a new one locates) first locks what it reads
 * (a row lock, or a transaction-scoped advisory lock on a key that may have
 * no row yet): a second transaction reading the same thing waits for the
 * first to commit, then reads its result. So the read-modify-write of every
 * rule is serialised where it must be, and nowhere else: two reports of
 * different URLs never wait for each other. A deadlock between such locks
 * (40P01), or a serialization failure (40001), rolls the transaction back
 * and runs it again (store.h allows it). Read transactions run at
 * REPEATABLE READ, READ ONLY: one snapshot for the whole function.
 */
#ifndef VIGIE_STORE_POSTGRES_PG_H
#define VIGIE_STORE_POSTGRES_PG_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

#include "store/backend.h"

#define PG_STMT_CACHE 128
#define PG_MAX_PARAMS 32

/* A statement sent in pipeline mode whose result is not read yet. */
typedef struct pg_queued {
    const char *what; /* for errors */
    int prepare_slot; /* >= 0: the Parse of prepared[slot], taken back if it fails */
    const void *owner; /* pg_conn.owner when queued: whose statement it is */
} pg_queued;

#define PG_QUEUE_MAX 32

/* An audit note of a write transaction, written at its commit (audit.c):
 * copies, owned by the connection. */
typedef struct pg_note {
    int64_t time;
    char *actor, *action, *target, *detail;
} pg_note;

typedef struct pg_conn {
    PGconn *db;
    /* Prepared statements of this connection, by the address of their SQL
     * text (string literals): "s<index>". */
    const char *prepared[PG_STMT_CACHE];
    int writable;       /* inside a write transaction: reads lock */
    int failed;         /* a statement failed: the transaction cannot commit */
    char sqlstate[6];   /* of the last failure ("" when none) */
    unsigned cursors;   /* cursors declared (their names) */
    /* Statements queued in libpq's pipeline mode (pg_queue), sent to the
     * server with the next statement whose result is needed: one round
     * trip for them all. */
    pg_queued queue[PG_QUEUE_MAX];
    int queued;
    int rollback_sent;  /* a ROLLBACK on its way, its answer not read yet */
    /* In a batch of jobs (db.c), the job whose statements are being queued,
     * and the owner of the first statement that failed since failed_owner
     * was last cleared (NULL: none, or one queued outside any job): a job's
     * statements still unanswered travel with the next job's, and a
     * failure is pinned on the job that queued it. */
    const void *owner;
    const void *failed_owner;
    int owner_failed; /* failed_owner is set */
    uint64_t round_trips; /* waits for the server's answer, added to the store's
                             stats when the connection goes back to the pool */
    uint64_t statements;  /* statements sent, the same way */
    /* Audit notes appended by the transaction, not yet in the log: they
     * are chained and written just before the COMMIT (pg_audit_flush), so
     * that the chain head is locked for one round trip and the commit,
     * after every other lock of the transaction. */
    pg_note *notes;
    size_t note_count, note_cap;
    uint64_t note_writes; /* times the pending notes were written (or dropped) at once */
} pg_conn;

/* Parameters of one statement, all sent as text (NULL: SQL NULL). */
typedef struct pg_args {
    int n;
    const char *v[PG_MAX_PARAMS];
    char num[PG_MAX_PARAMS][24];
} pg_args;

void pa_text(pg_args *a, const char *text);
void pa_int(pg_args *a, int64_t value);

/* ---- query.c ---- */

/* Run sql (a string literal: prepared once per connection, by its address)
 * with a's parameters (a may be NULL). Returns the result (PQclear it) or
 * NULL with err set and the connection marked failed. what names the
 * action in errors. */
PGresult *pg_run(pg_conn *c, const char *sql, const pg_args *a, const char *what, vg_error *err);
/* Queue a statement whose result the caller does not need (a lock, an
 * INSERT without RETURNING): it is sent with the next statement that is
 * waited for (pg_run, pg_done, the COMMIT), in one round trip, and run by
 * the server in the order queued. Its failure is reported by that next
 * statement (err says which statement failed), or by the commit: the
 * transaction then rolls back as before. For statements whose failure the
 * caller acts upon at once, use pg_done. */
vg_status pg_queue(pg_conn *c, const char *sql, const pg_args *a, const char *what,
                   vg_error *err);
/* Queue transaction control (BEGIN, COMMIT) the same way, unprepared. */
vg_status pg_queue_command(pg_conn *c, const char *sql, const char *what, vg_error *err);
/* Send what is queued and read its results (a statement that failed:
 * VG_ERR_* with err). */
vg_status pg_flush(pg_conn *c, vg_error *err);
/* Run a statement that returns no rows; *changed (may be NULL) gets the
 * rows it touched. */
vg_status pg_done(pg_conn *c, const char *sql, const pg_args *a, const char *what,
                  int64_t *changed, vg_error *err);
/* Run sql without parameters nor preparing it (transaction control). */
vg_status pg_simple(pg_conn *c, const char *sql, const char *what, vg_error *err);
/* A failed result as a vg_error (and c->sqlstate). */
vg_status pg_error(pg_conn *c, const PGresult *res, const char *what, vg_error *err);

/* Cells: a malloc'd copy of the text (NULL for SQL NULL), an integer
 * (0 for SQL NULL). */
char *pg_text(const PGresult *res, int row, int col);
int64_t pg_int(const PGresult *res, int row, int col);

/* Fill item (zeroed) from row of res. */
typedef void (*pg_row_fn)(const PGresult *res, int row, void *item);
/* Run sql with a's parameters and read every row into an array: *items
 * (malloc'd, NULL when none) and *count. */
vg_status pg_list(pg_conn *c, const char *sql, const pg_args *a, size_t size, pg_row_fn read,
                  void **items, size_t *count, const char *what, vg_error *err);
/* The first column of each row as integers into ids (at most max). */
vg_status pg_ids(pg_conn *c, const char *sql, const pg_args *a, int64_t *ids, size_t max,
                 size_t *count, const char *what, vg_error *err);
/* Rows of sql (a SELECT) read through a cursor, PG_EACH_BATCH at a time,
 * each batch handed to fn: a long result (the whole audit log) is never
 * held whole. fn's failure stops the reading and is returned. */
#define PG_EACH_BATCH 2000
typedef vg_status (*pg_batch_fn)(const PGresult *res, void *ctx, vg_error *err);
vg_status pg_each(pg_conn *c, const char *sql, const pg_args *a, pg_batch_fn fn, void *ctx,
                  const char *what, vg_error *err);
/* In a write transaction, hold until commit a lock on (space, text): the
 * way to serialise transactions on a key that may have no row yet. Does
 * nothing in a read transaction. */
vg_status pg_lock_key(pg_conn *c, int space, const char *text, vg_error *err);

/* Lock spaces of pg_lock_key. */
enum { PG_LOCK_IDEMPOTENCY = 1, PG_LOCK_LOGIN, PG_LOCK_LINK, PG_LOCK_PICTURES, PG_LOCK_EXCHANGE,
       PG_LOCK_TLOG = 16 /* apart from the other branches' new spaces */,
       PG_LOCK_STATS_PACKS = 24 /* likewise */ };

/* ---- audit.c: the notes kept for the commit ---- */

/* Chain and write the pending notes now: lock the head (the round trip
 * also carries what is queued), queue the entries and the head's move. The
 * caller queues the COMMIT next, so that both go in one round trip. */
vg_status pg_audit_flush(pg_conn *c, vg_error *err);
/* Forget the pending notes after the first keep (a rolled-back
 * transaction or savepoint). */
void pg_audit_discard(pg_conn *c, size_t keep);

/* The schema's migrations (migrate.c). */
vg_status pg_migrate(pg_conn *c, int *version, vg_error *err);
/* Pack every stale day of the statistics' facts again (stats.c), in the
 * caller's write transaction. */
vg_status pg_stats_pack_stale(pg_conn *c, vg_error *err);

/* The table groups' operations (settings.c, reports.c, people.c, audit.c,
 * items.c, jobs.c), listed in the ops table of db.c from the same list as
 * the SQLite backend's (store/sqlite/ops.h). Each takes the pg_conn of the
 * transaction as void *tx; the contracts are the store headers'. */
#define SQ_OP(name, ...) vg_status pg_##name(void *tx, __VA_ARGS__);
#include "store/sqlite/ops.h"
#undef SQ_OP

#endif

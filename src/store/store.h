/*
 * src/store/store.h - the hotline's storage: opening it, and the
 * transaction port every change goes through.
 *
 * Nothing outside src/store/ writes SQL. Data is read and written inside a
 * transaction: vg_store_write runs a function of the caller's inside one
 * transaction, so that a change, what it depends on, and its audit entry
 * (store/audit.h) commit together or not at all; vg_store_read runs one on a
 * consistent snapshot. The operations on each group of tables are declared
 * in their own header (settings below; reports.h, people.h, audit.h,
 * items.h, jobs.h, alerts.h) and take the transaction as their first argument.
 *
 * Backends (store/backend.h) are mechanism only: what to store and what
 * follows from it are the use cases' and the model's. SQLite is the embedded
 * default (store/sqlite/): a write transaction is a job of the store's
 * single writer thread, run in its own savepoint of a batch that commits
 * with one fsync (group commit), so a durable write costs a fraction of a
 * disk flush under load. PostgreSQL (store/postgres/) serves several nodes
 * on one database and groups writes the same way: concurrent writes are
 * jobs, each in its own savepoint, of a transaction (a batch) run on a
 * connection of a pool and committed once; a job that fails is rolled back
 * alone.
 *
 * Isolation: a write transaction behaves as if it ran alone. What it reads
 * to decide (an item, a count of sign-in failures, an idempotency key, the
 * audit chain head, the reports a new one could join) is what it writes
 * upon: SQLite runs one writer at a time; PostgreSQL locks what such an
 * operation reads until the commit, and runs again a transaction that
 * lost a race (a deadlock).
 *
 * Durability: vg_store_write returns VG_OK only once the transaction is
 * committed to disk (SQLite: WAL with synchronous=FULL; PostgreSQL: its
 * commit, with fsync and synchronous_commit on, which open checks).
 *
 * Threads: a vg_store is shared by every thread; vg_store_write and
 * vg_store_read may be called from any number of threads at once. A
 * transaction belongs to the thread running its function, for the
 * function's duration: the function must not keep it, nor start another
 * transaction (on SQLite that would wait for itself), nor do slow work
 * outside the store (hash passwords, talk to the network) while it runs.
 * The function may be run more than once (a backend retrying a transaction
 * that lost a race); its only effects are the store's.
 *
 * Strings passed in are used before the call returns (the caller keeps
 * them). Strings returned inside structs belong to the struct (*_clear).
 * Times are Unix seconds (UTC). Ids are positive 64-bit integers; 0 means
 * "none".
 */
#ifndef VIGIE_STORE_STORE_H
#define VIGIE_STORE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "vigie/error.h"

typedef struct vg_store vg_store;
typedef struct vg_tx vg_tx;

typedef struct vg_store_options {
    /* Largest number of writes committed in one transaction (default 512;
     * PostgreSQL: at most 32, one savepoint each). */
    unsigned max_batch;
    /* SQLite: read connections kept open for concurrent readers (default 4). */
    unsigned read_connections;
    /* PostgreSQL: connections in the pool, each carrying one transaction
     * at a time, read or write (default 16). */
    unsigned connections;
} vg_store_options;

/* Open (creating if needed) the store at location and bring its schema up
 * to date by applying the pending migrations, each in its own transaction.
 * location is a data directory (SQLite: DIR/vigie.db), or a PostgreSQL
 * database named by a libpq URI, "postgresql://USER@HOST:PORT/DB" (also
 * "postgres://"); the database must exist, its tables are made here.
 * options may be NULL for the defaults. */
vg_status vg_store_open(const char *location, const vg_store_options *options, vg_store **out,
                        vg_error *err);
/* 1 when location names a PostgreSQL database (postgresql:// or
 * postgres://), 0 for a data directory. */
int vg_store_is_postgres(const char *location);
/* Flush the writer (every write already accepted is committed) and close.
 * NULL is allowed. */
void vg_store_close(vg_store *store);
/* The schema version after migrations (each backend numbers its own), and
 * the backend's name ("sqlite", "postgresql"). */
int vg_store_schema_version(vg_store *store);
const char *vg_store_backend(vg_store *store);

/* Counters of the writer since open, for /metrics: writes committed and
 * failed, and the transactions (fsyncs) that carried them. */
typedef struct vg_store_stats {
    uint64_t writes, failed_writes, commits;
    /* times a transaction waited for the database server's answer (0 for
     * SQLite, which runs in the process): divided by writes, what one
     * write costs in network round trips */
    uint64_t round_trips;
    /* SQL statements the transactions ran (BEGIN and COMMIT included; 0
     * for SQLite): per write, what the rules cost the database */
    uint64_t statements;
} vg_store_stats;
void vg_store_stats_get(vg_store *store, vg_store_stats *stats);

/* ---- the transaction port ------------------------------------------------ */

/* A unit of work: read and write through tx. Return VG_OK to commit; any
 * other status rolls the transaction back and is returned to the caller
 * with err. */
typedef vg_status (*vg_tx_fn)(vg_tx *tx, void *ctx, vg_error *err);

/* Run fn in one transaction and commit it durably. */
vg_status vg_store_write(vg_store *store, vg_tx_fn fn, void *ctx, vg_error *err);
/* Run fn on a consistent snapshot; writing through tx fails with
 * VG_ERR_INVALID. */
vg_status vg_store_read(vg_store *store, vg_tx_fn fn, void *ctx, vg_error *err);
/* 1 inside vg_store_write, 0 inside vg_store_read. */
int vg_tx_writable(const vg_tx *tx);

/* ---- settings: small named values (server secrets, the last configuration) */

/* The value of name, malloc'd, or *value = NULL when unset. */
vg_status vg_tx_setting_get(vg_tx *tx, const char *name, char **value, vg_error *err);
vg_status vg_tx_setting_set(vg_tx *tx, const char *name, const char *value, vg_error *err);
/* Set name to value only if it is unset; either way *value_out (malloc'd,
 * may be NULL) receives the value now stored: the way to create a secret
 * once even when two processes start together. */
vg_status vg_tx_setting_init(vg_tx *tx, const char *name, const char *value, char **value_out,
                             vg_error *err);

#endif

/*
 * src/store/sqlite/audit.c - the audit chain (store/audit.h).
 *
 * The newest sequence number and hash are also kept apart from the entries
 * (audit_head), so that removing the newest entries is noticed, and
 * triggers refuse UPDATE and DELETE on the log. An append reads the head
 * and writes both inside the caller's transaction: on the single writer
 * the chain can never fork.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite/sqlite.h"

static const char SQL_AUDIT_HEAD[] = "SELECT seq, hash FROM audit_head WHERE id = 1";
static const char SQL_AUDIT_HEAD_PUT[] =
    "INSERT INTO audit_head(id, seq, hash) VALUES(1, ?, ?) ON CONFLICT(id) DO UPDATE SET "
    "seq = excluded.seq, hash = excluded.hash";
static const char SQL_AUDIT_PUT[] = "INSERT INTO audit(seq, time, actor, action, target, "
                                    "detail, prev_hash, hash) VALUES(?,?,?,?,?,?,?,?)";
#define AUDIT_COLUMNS "seq, time, actor, action, target, detail, prev_hash, hash"
static const char SQL_AUDIT_ALL[] = "SELECT " AUDIT_COLUMNS " FROM audit ORDER BY seq";
/* The sequence numbers of one target: answered from the audit_target index
 * alone (the index holds seq, the rowid), without reading the entries. */
static const char SQL_AUDIT_TARGET_SEQS[] = "SELECT seq FROM audit WHERE target = ?";
static const char SQL_AUDIT_AT[] = "SELECT " AUDIT_COLUMNS " FROM audit WHERE seq = ?";

static vg_status read_head(void *tx, int64_t *seq, char hash[65], vg_error *err)
{
    conn *c = tx;
    SQ_STMT(st, SQL_AUDIT_HEAD);
    *seq = 0;
    memset(hash, '0', 64);
    hash[64] = 0;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *seq = sqlite3_column_int64(st, 0);
        const unsigned char *h = sqlite3_column_text(st, 1);
        snprintf(hash, 65, "%s", h ? (const char *)h : "");
    } else if (rc != SQLITE_DONE) {
        sqlite3_reset(st);
        return sq_db_error(err, c->db, "reading the audit chain head");
    }
    sqlite3_reset(st);
    return VG_OK;
}

vg_status sq_audit_append(void *tx, int64_t time, const vg_audit_note *note, int64_t *seq,
                          vg_error *err)
{
    conn *c = tx;

    int64_t last = 0;
    char prev[65], hash[65];
    vg_status status = read_head(c, &last, prev, err);
    if (status != VG_OK)
        return status;
    vg_audit_entry e = {.seq = last + 1,
                        .time = time,
                        .actor = (char *)(note->actor ? note->actor : ""),
                        .action = (char *)(note->action ? note->action : ""),
                        .target = (char *)(note->target ? note->target : ""),
                        .detail = (char *)(note->detail ? note->detail : ""),
                        .prev_hash = prev};
    vg_audit_entry_hash(&e, hash);
    SQ_STMT(st, SQL_AUDIT_PUT);
    sqlite3_bind_int64(st, 1, e.seq);
    sqlite3_bind_int64(st, 2, e.time);
    sq_bind_text(st, 3, e.actor);
    sq_bind_text(st, 4, e.action);
    sq_bind_text(st, 5, e.target);
    sq_bind_text(st, 6, e.detail);
    sq_bind_text(st, 7, prev);
    sq_bind_text(st, 8, hash);
    if ((status = sq_step_done(c, st, "appending to the audit log", err)) != VG_OK)
        return status;
    SQ_STMT(hd, SQL_AUDIT_HEAD_PUT);
    sqlite3_bind_int64(hd, 1, e.seq);
    sq_bind_text(hd, 2, hash);
    if ((status = sq_step_done(c, hd, "moving the audit chain head", err)) != VG_OK)
        return status;
    if (seq)
        *seq = e.seq;
    return VG_OK;
}

/* Hand the row st stands on (AUDIT_COLUMNS) to fn, without copying: the
 * strings live until the statement moves. Returns fn's answer. */
static int visit_audit_row(sqlite3_stmt *st, vg_audit_visit_fn fn, void *ctx)
{
    vg_audit_entry e = {
        .seq = sqlite3_column_int64(st, 0),
        .time = sqlite3_column_int64(st, 1),
        .actor = (char *)sqlite3_column_text(st, 2),
        .action = (char *)sqlite3_column_text(st, 3),
        .target = (char *)sqlite3_column_text(st, 4),
        .detail = (char *)sqlite3_column_text(st, 5),
        .prev_hash = (char *)sqlite3_column_text(st, 6),
        .hash = (char *)sqlite3_column_text(st, 7),
    };
    return fn(&e, ctx);
}

vg_status sq_audit_each(void *tx, vg_audit_visit_fn fn, void *ctx, vg_error *err)
{
    conn *c = tx;
    SQ_STMT(st, SQL_AUDIT_ALL);
    vg_status status = VG_OK;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (visit_audit_row(st, fn, ctx)) {
            status = vg_error_set(err, VG_ERR_ABORTED, "stopped reading the audit log");
            break;
        }
    }
    if (status == VG_OK && rc != SQLITE_DONE)
        status = sq_db_error(err, c->db, "reading the audit log");
    sqlite3_reset(st);
    return status;
}

typedef struct seq_list {
    int64_t *seq;
    size_t count, cap;
} seq_list;

static int by_seq(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Append the sequence numbers of every entry of target to list. */
static vg_status target_seqs(conn *c, const char *target, seq_list *list, vg_error *err)
{
    SQ_STMT(st, SQL_AUDIT_TARGET_SEQS);
    sq_bind_text(st, 1, target);
    int rc;
    vg_status status = VG_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (list->count == list->cap) {
            size_t cap = list->cap ? list->cap * 2 : 64;
            int64_t *grown = realloc(list->seq, cap * sizeof *grown);
            if (!grown) {
                status = vg_error_set(err, VG_ERR_NOMEM, "out of memory reading the audit log");
                break;
            }
            list->seq = grown;
            list->cap = cap;
        }
        list->seq[list->count++] = sqlite3_column_int64(st, 0);
    }
    if (status == VG_OK && rc != SQLITE_DONE)
        status = sq_db_error(err, c->db, "reading the audit log");
    sqlite3_reset(st);
    return status;
}

/* Visit the entries at the sorted sequence numbers of list, skipping
 * repeats (a target given twice). */
static vg_status visit_seqs(conn *c, const seq_list *list, vg_audit_visit_fn fn, void *ctx,
                            vg_error *err)
{
    SQ_STMT(st, SQL_AUDIT_AT);
    for (size_t i = 0; i < list->count; i++) {
        if (i && list->seq[i] == list->seq[i - 1])
            continue;
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, list->seq[i]);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_DONE)
            continue; /* cannot happen: entries are never removed (triggers) */
        if (rc != SQLITE_ROW) {
            sqlite3_reset(st);
            return sq_db_error(err, c->db, "reading the audit log");
        }
        if (visit_audit_row(st, fn, ctx)) {
            sqlite3_reset(st);
            return vg_error_set(err, VG_ERR_ABORTED, "stopped reading the audit log");
        }
    }
    sqlite3_reset(st);
    return VG_OK;
}

/* Two steps rather than one query per target: the index gives each
 * target's sequence numbers cheaply, and sorting those (8 bytes an entry)
 * puts the whole answer in sequence order without holding the entries. */
vg_status sq_audit_for_targets(void *tx, const char *const *targets, size_t count,
                               vg_audit_visit_fn fn, void *ctx, vg_error *err)
{
    conn *c = tx;
    seq_list list = {0};
    vg_status status = VG_OK;
    for (size_t i = 0; status == VG_OK && i < count; i++)
        status = target_seqs(c, targets[i], &list, err);
    if (status == VG_OK && list.count) {
        qsort(list.seq, list.count, sizeof *list.seq, by_seq);
        status = visit_seqs(c, &list, fn, ctx, err);
    }
    free(list.seq);
    return status;
}

/* A search prepared for the filters given (rarely run, so not cached):
 * only the conditions set appear, so that the indexes on actor, action,
 * target and time can serve it. */
vg_status sq_audit_search(void *tx, const vg_audit_filter *f, size_t limit, vg_audit_visit_fn fn,
                          void *ctx, vg_error *err)
{
    conn *c = tx;
    char sql[512];
    size_t n = (size_t)snprintf(sql, sizeof sql, "SELECT " AUDIT_COLUMNS " FROM audit WHERE 1");
    size_t action_len = f->action ? strlen(f->action) : 0;
    int prefix = action_len && f->action[action_len - 1] == '.';
    if (f->actor)
        n += (size_t)snprintf(sql + n, sizeof sql - n, " AND actor = ?1");
    if (f->action)
        n += (size_t)snprintf(sql + n, sizeof sql - n,
                              prefix ? " AND action >= ?2 AND action < ?3" : " AND action = ?2");
    if (f->target)
        n += (size_t)snprintf(sql + n, sizeof sql - n, " AND target = ?4");
    if (f->from)
        n += (size_t)snprintf(sql + n, sizeof sql - n, " AND time >= ?5");
    if (f->to)
        n += (size_t)snprintf(sql + n, sizeof sql - n, " AND time < ?6");
    if (f->before_seq)
        n += (size_t)snprintf(sql + n, sizeof sql - n, " AND seq < ?7");
    snprintf(sql + n, sizeof sql - n, " ORDER BY seq DESC LIMIT ?8");
    /* "item." .. "item/": every action under the prefix ('/' follows '.'). */
    char *upper = prefix ? strdup(f->action) : NULL;
    if (prefix && !upper)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory searching the audit log");
    if (upper)
        upper[action_len - 1] = '/';
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK) {
        free(upper);
        return sq_db_error(err, c->db, "searching the audit log");
    }
    sqlite3_bind_text(st, 1, f->actor ? f->actor : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, f->action ? f->action : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, upper ? upper : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, f->target ? f->target : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, f->from);
    sqlite3_bind_int64(st, 6, f->to);
    sqlite3_bind_int64(st, 7, f->before_seq);
    sqlite3_bind_int64(st, 8, limit > INT64_MAX ? INT64_MAX : (int64_t)limit);
    vg_status status = VG_OK;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (visit_audit_row(st, fn, ctx)) {
            status = vg_error_set(err, VG_ERR_ABORTED, "stopped reading the audit log");
            break;
        }
    if (status == VG_OK && rc != SQLITE_DONE)
        status = sq_db_error(err, c->db, "searching the audit log");
    sqlite3_finalize(st);
    free(upper);
    return status;
}

vg_status sq_audit_head(void *tx, int64_t *seq, char hash[65], vg_error *err)
{
    return read_head(tx, seq, hash, err);
}

/*
 * src/store/postgres/audit.c - the audit chain (store/audit.h).
 *
 * The newest sequence number and hash are also kept apart from the entries
 * (audit_head, a row from the first migration on), and a trigger refuses
 * UPDATE, DELETE and TRUNCATE on the log. An append locks the head row
 * until its transaction commits: appends on every node wait for each other
 * there, so the chain never forks, while the rest of their transactions
 * run side by side.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/postgres/pg.h"

static const char SQL_AUDIT_HEAD[] = "SELECT seq, hash FROM audit_head WHERE id = 1";
static const char SQL_AUDIT_HEAD_LOCK[] =
    "SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE";
static const char SQL_AUDIT_HEAD_PUT[] =
    "INSERT INTO audit_head(id, seq, hash) VALUES(1, $1, $2) ON CONFLICT(id) DO UPDATE SET "
    "seq = excluded.seq, hash = excluded.hash";
#define AUDIT_COLUMNS "seq, time, actor, action, target, detail, prev_hash, hash"
static const char SQL_AUDIT_ALL[] = "SELECT " AUDIT_COLUMNS " FROM audit ORDER BY seq";
static const char SQL_AUDIT_TARGETS[] =
    "SELECT " AUDIT_COLUMNS " FROM audit WHERE target = ANY($1::text[]) ORDER BY seq";

static vg_status read_head(pg_conn *c, int lock, int64_t *seq, char hash[65], vg_error *err)
{
    *seq = 0;
    memset(hash, '0', 64);
    hash[64] = 0;
    PGresult *res = pg_run(c, lock ? SQL_AUDIT_HEAD_LOCK : SQL_AUDIT_HEAD, NULL,
                           "reading the audit chain head", err);
    if (!res)
        return err ? err->status : VG_ERR_IO;
    if (PQntuples(res)) {
        *seq = pg_int(res, 0, 0);
        snprintf(hash, 65, "%s", PQgetvalue(res, 0, 1));
    }
    PQclear(res);
    return VG_OK;
}

/* The chain's entries, one statement however many a commit writes. */
static const char SQL_AUDIT_PUT_MANY[] =
    "INSERT INTO audit(seq, time, actor, action, target, detail, prev_hash, hash) "
    "SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], "
    "$6::text[], $7::text[], $8::text[])";

static char *text_array(const char *const *targets, size_t count);

void pg_audit_discard(pg_conn *c, size_t keep)
{
    for (size_t i = keep; i < c->note_count; i++) {
        free(c->notes[i].actor);
        free(c->notes[i].action);
        free(c->notes[i].target);
        free(c->notes[i].detail);
    }
    if (keep < c->note_count)
        c->note_count = keep;
    if (!c->note_count) {
        free(c->notes);
        c->notes = NULL;
        c->note_cap = 0;
    }
}

/* The pending notes as the columns of SQL_AUDIT_PUT_MANY, chained after
 * (last, prev); *head_seq and head_hash get the new head. */
static vg_status put_pending(pg_conn *c, int64_t last, const char *prev, int64_t *head_seq,
                             char head_hash[65], vg_error *err)
{
    size_t n = c->note_count;
    vg_status st = VG_OK;
    const char **cols[6] = {0}; /* actor, action, target, detail, prev_hash, hash */
    char (*hashes)[65] = malloc(n * sizeof *hashes);
    char *seqs = malloc(n * 22 + 3), *times = malloc(n * 22 + 3);
    for (int k = 0; k < 6; k++)
        cols[k] = malloc(n * sizeof *cols[k]);
    char *arrays[6] = {0};
    if (!hashes || !seqs || !times || !cols[0] || !cols[1] || !cols[2] || !cols[3] ||
        !cols[4] || !cols[5]) {
        st = vg_error_set(err, VG_ERR_NOMEM, "out of memory appending to the audit log");
        goto out;
    }
    size_t sl = 0, tl = 0;
    seqs[sl++] = '{';
    times[tl++] = '{';
    for (size_t i = 0; i < n; i++) {
        const pg_note *no = &c->notes[i];
        vg_audit_entry e = {.seq = last + 1 + (int64_t)i,
                            .time = no->time,
                            .actor = no->actor,
                            .action = no->action,
                            .target = no->target,
                            .detail = no->detail,
                            .prev_hash = (char *)(i ? hashes[i - 1] : prev)};
        vg_audit_entry_hash(&e, hashes[i]);
        cols[0][i] = no->actor;
        cols[1][i] = no->action;
        cols[2][i] = no->target;
        cols[3][i] = no->detail;
        cols[4][i] = e.prev_hash;
        cols[5][i] = hashes[i];
        sl += (size_t)snprintf(seqs + sl, 23, "%s%" PRId64, i ? "," : "", e.seq);
        tl += (size_t)snprintf(times + tl, 23, "%s%" PRId64, i ? "," : "", e.time);
    }
    seqs[sl++] = '}';
    seqs[sl] = 0;
    times[tl++] = '}';
    times[tl] = 0;
    for (int k = 0; k < 6; k++)
        if (!(arrays[k] = text_array(cols[k], n))) {
            st = vg_error_set(err, VG_ERR_NOMEM, "out of memory appending to the audit log");
            goto out;
        }
    pg_args a = {0};
    pa_text(&a, seqs);
    pa_text(&a, times);
    for (int k = 0; k < 6; k++)
        pa_text(&a, arrays[k]);
    st = pg_queue(c, SQL_AUDIT_PUT_MANY, &a, "appending to the audit log", err);
    *head_seq = last + (int64_t)n;
    memcpy(head_hash, hashes[n - 1], 65);
out:
    for (int k = 0; k < 6; k++) {
        free(arrays[k]);
        free(cols[k]);
    }
    free(hashes);
    free(seqs);
    free(times);
    return st;
}

/* Chain and queue the pending notes; *seq (may be NULL) gets the last one's
 * sequence number. */
static vg_status write_pending(pg_conn *c, int64_t *seq, vg_error *err)
{
    if (!c->note_count)
        return VG_OK;
    int64_t last = 0, head = 0;
    char prev[65], hash[65];
    /* Everything queued goes with this round trip: the head is the
     * transaction's last lock. */
    vg_status st = read_head(c, 1, &last, prev, err);
    if (st == VG_OK)
        st = put_pending(c, last, prev, &head, hash, err);
    if (st == VG_OK) {
        pg_args h = {0};
        pa_int(&h, head);
        pa_text(&h, hash);
        st = pg_queue(c, SQL_AUDIT_HEAD_PUT, &h, "moving the audit chain head", err);
    }
    pg_audit_discard(c, 0);
    c->note_writes++;
    if (st == VG_OK && seq)
        *seq = head;
    return st;
}

vg_status pg_audit_flush(pg_conn *c, vg_error *err)
{
    return write_pending(c, NULL, err);
}

static char *copy(const char *text)
{
    return strdup(text ? text : "");
}

/* The note is kept (copied) and written at the commit, unless the caller
 * wants its sequence number at once (seq != NULL): then it and the notes
 * before it are written now, holding the head from here to the commit as
 * before. The hotline's use cases pass NULL. */
vg_status pg_audit_append(void *tx, int64_t time, const vg_audit_note *note, int64_t *seq,
                          vg_error *err)
{
    pg_conn *c = tx;
    if (c->note_count == c->note_cap) {
        size_t cap = c->note_cap ? 2 * c->note_cap : 4;
        pg_note *grown = realloc(c->notes, cap * sizeof *grown);
        if (!grown)
            return vg_error_set(err, VG_ERR_NOMEM, "out of memory appending to the audit log");
        c->notes = grown;
        c->note_cap = cap;
    }
    pg_note n = {time, copy(note->actor), copy(note->action), copy(note->target),
                 copy(note->detail)};
    if (!n.actor || !n.action || !n.target || !n.detail) {
        free(n.actor);
        free(n.action);
        free(n.target);
        free(n.detail);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory appending to the audit log");
    }
    c->notes[c->note_count++] = n;
    return seq ? write_pending(c, seq, err) : VG_OK;
}

/* Hand each row of res (AUDIT_COLUMNS) to fn; VG_ERR_ABORTED when it stops. */
static vg_status visit_rows(const PGresult *res, vg_audit_visit_fn fn, void *ctx, vg_error *err)
{
    for (int i = 0; i < PQntuples(res); i++) {
        vg_audit_entry e = {
            .seq = pg_int(res, i, 0),
            .time = pg_int(res, i, 1),
            .actor = PQgetvalue(res, i, 2),
            .action = PQgetvalue(res, i, 3),
            .target = PQgetvalue(res, i, 4),
            .detail = PQgetvalue(res, i, 5),
            .prev_hash = PQgetvalue(res, i, 6),
            .hash = PQgetvalue(res, i, 7),
        };
        if (fn(&e, ctx))
            return vg_error_set(err, VG_ERR_ABORTED, "stopped reading the audit log");
    }
    return VG_OK;
}

typedef struct each_ctx {
    vg_audit_visit_fn fn;
    void *ctx;
} each_ctx;

static vg_status each_batch(const PGresult *res, void *ctx, vg_error *err)
{
    each_ctx *e = ctx;
    return visit_rows(res, e->fn, e->ctx, err);
}

/* A write transaction reading the log reads its own notes too: they are
 * written first (none of the hotline's does). */
static vg_status settle_notes(pg_conn *c, vg_error *err)
{
    return c->writable ? pg_audit_flush(c, err) : VG_OK;
}

vg_status pg_audit_each(void *tx, vg_audit_visit_fn fn, void *ctx, vg_error *err)
{
    each_ctx e = {fn, ctx};
    vg_status st = settle_notes(tx, err);
    if (st != VG_OK)
        return st;
    return pg_each(tx, SQL_AUDIT_ALL, NULL, each_batch, &e, "reading the audit log", err);
}

/* targets as a text[] literal: {"a","b"} with quotes and backslashes
 * escaped (malloc'd). */
static char *text_array(const char *const *targets, size_t count)
{
    size_t n = 3;
    for (size_t i = 0; i < count; i++)
        n += 2 * strlen(targets[i] ? targets[i] : "") + 3;
    char *out = malloc(n), *p = out;
    if (!out)
        return NULL;
    *p++ = '{';
    for (size_t i = 0; i < count; i++) {
        if (i)
            *p++ = ',';
        *p++ = '"';
        for (const char *t = targets[i] ? targets[i] : ""; *t; t++) {
            if (*t == '"' || *t == '\\')
                *p++ = '\\';
            *p++ = *t;
        }
        *p++ = '"';
    }
    *p++ = '}';
    *p = 0;
    return out;
}

/* One query: the target index answers each target, and each entry comes
 * once, in sequence order, however many of its targets were asked for. */
vg_status pg_audit_for_targets(void *tx, const char *const *targets, size_t count,
                               vg_audit_visit_fn fn, void *ctx, vg_error *err)
{
    if (!count)
        return VG_OK;
    vg_status settled = settle_notes(tx, err);
    if (settled != VG_OK)
        return settled;
    char *array = text_array(targets, count);
    if (!array)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory reading the audit log");
    pg_args a = {0};
    pa_text(&a, array);
    each_ctx e = {fn, ctx};
    vg_status st = pg_each(tx, SQL_AUDIT_TARGETS, &a, each_batch, &e, "reading the audit log",
                           err);
    free(array);
    return st;
}

/* A search written for the filters given (rarely run, so neither prepared
 * nor cached): only the conditions set appear, so that the indexes on
 * actor, action, target and time can serve it. */
vg_status pg_audit_search(void *tx, const vg_audit_filter *f, size_t limit, vg_audit_visit_fn fn,
                          void *ctx, vg_error *err)
{
    pg_conn *c = tx;
    vg_status settled = settle_notes(c, err);
    if (settled != VG_OK)
        return settled;
    char sql[512];
    pg_args a = {0};
    size_t n = (size_t)snprintf(sql, sizeof sql, "SELECT " AUDIT_COLUMNS " FROM audit WHERE true");
    size_t action_len = f->action ? strlen(f->action) : 0;
    int prefix = action_len && f->action[action_len - 1] == '.';
    /* "item." .. "item/": every action under the prefix ('/' follows '.');
     * COLLATE "C" so that the comparison is by bytes, as SQLite's. */
    char *upper = prefix ? strdup(f->action) : NULL;
    if (prefix && !upper)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory searching the audit log");
    if (upper)
        upper[action_len - 1] = '/';
    if (f->actor) {
        pa_text(&a, f->actor);
        n += (size_t)snprintf(sql + n, sizeof sql - n, " AND actor = $%d", a.n);
    }
    if (f->action && prefix) {
        pa_text(&a, f->action);
        pa_text(&a, upper);
        n += (size_t)snprintf(sql + n, sizeof sql - n,
                              " AND action COLLATE \"C\" >= $%d AND action COLLATE \"C\" < $%d",
                              a.n - 1, a.n);
    } else if (f->action) {
        pa_text(&a, f->action);
        n += (size_t)snprintf(sql + n, sizeof sql - n, " AND action = $%d", a.n);
    }
    if (f->target) {
        pa_text(&a, f->target);
        n += (size_t)snprintf(sql + n, sizeof sql - n, " AND target = $%d", a.n);
    }
    if (f->from) {
        pa_int(&a, f->from);
        n += (size_t)snprintf(sql + n, sizeof sql - n, " AND time >= $%d", a.n);
    }
    if (f->to) {
        pa_int(&a, f->to);
        n += (size_t)snprintf(sql + n, sizeof sql - n, " AND time < $%d", a.n);
    }
    if (f->before_seq) {
        pa_int(&a, f->before_seq);
        n += (size_t)snprintf(sql + n, sizeof sql - n, " AND seq < $%d", a.n);
    }
    pa_int(&a, limit > INT64_MAX ? INT64_MAX : (int64_t)limit);
    snprintf(sql + n, sizeof sql - n, " ORDER BY seq DESC LIMIT $%d", a.n);
    vg_status queued = pg_flush(c, err);
    if (queued != VG_OK) {
        free(upper);
        return queued;
    }
    c->round_trips++;
    c->statements++;
    PGresult *res = PQexecParams(c->db, sql, a.n, NULL, a.v, NULL, NULL, 0);
    vg_status st = PQresultStatus(res) == PGRES_TUPLES_OK
                       ? visit_rows(res, fn, ctx, err)
                       : pg_error(c, res, "searching the audit log", err);
    PQclear(res);
    free(upper);
    return st;
}

vg_status pg_audit_head(void *tx, int64_t *seq, char hash[65], vg_error *err)
{
    vg_status st = settle_notes(tx, err);
    if (st != VG_OK)
        return st;
    return read_head(tx, 0, seq, hash, err);
}

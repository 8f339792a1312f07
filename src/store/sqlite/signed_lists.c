/*
 * src/store/sqlite/signed_lists.c - signed sources' verified lists
 * (store/signed_lists.h). A line is kept as its head (its first
 * VG_SIGNED_LINE_HEAD bytes), the SHA-256 of the whole line when it is
 * longer (else an empty blob) and the rest of its bytes: the key (source,
 * generation, head, digest) is bounded, and blobs compare as memcmp, so
 * ordering by head then rest is the canonical byte order (the key gives
 * the head's order; only lines sharing a whole head are sorted further).
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite/sqlite.h"
#include "vigie/digest.h"

static const char SQL_ADD[] = "INSERT INTO sync_list_lines(source, generation, head, digest, rest)"
                              " VALUES(?, ?, ?, ?, ?)";
static const char SQL_REMOVE[] = "DELETE FROM sync_list_lines WHERE source = ? AND generation = ?"
                                 " AND head = ? AND digest = ?";
/* Pruning goes a generation at a time, through the key: a generation
 * other than ?2 (two ranges: finding none costs two index probes, not a
 * scan of the one kept), then a bounded number of its lines by head (a
 * row-value IN would scan the whole table). */
static const char SQL_PRUNE_PICK[] =
    "SELECT generation FROM sync_list_lines WHERE source = ?1 AND generation < ?2"
    " UNION ALL SELECT generation FROM sync_list_lines WHERE source = ?1 AND generation > ?2"
    " LIMIT 1";
static const char SQL_PRUNE[] =
    "DELETE FROM sync_list_lines WHERE source = ?1 AND generation = ?2 AND head IN"
    " (SELECT head FROM sync_list_lines WHERE source = ?1 AND generation = ?2 LIMIT ?3)";
static const char SQL_EACH[] = "SELECT head, rest FROM sync_list_lines"
                               " WHERE source = ? AND generation = ? ORDER BY head";

/* Bind a line's key (and its rest when with_rest) from parameter 3 on. */
static vg_status bind_line(sqlite3_stmt *stmt, const char *line, bool with_rest, vg_error *err)
{
    size_t len = strlen(line);
    size_t head = len > VG_SIGNED_LINE_HEAD ? VG_SIGNED_LINE_HEAD : len;
    sqlite3_bind_blob(stmt, 3, line, (int)head, SQLITE_STATIC);
    if (len > head) {
        vg_digests d;
        vg_status st = vg_digest_buffer(line, len, &d, err);
        if (st != VG_OK)
            return st;
        sqlite3_bind_blob(stmt, 4, d.sha256, sizeof d.sha256, SQLITE_TRANSIENT);
    } else {
        sqlite3_bind_zeroblob(stmt, 4, 0);
    }
    if (with_rest)
        sqlite3_bind_blob(stmt, 5, line + head, (int)(len - head), SQLITE_STATIC);
    return VG_OK;
}

/* One statement run for each line (SQLite has no round trips to save). */
static vg_status each_line(conn *c, const char *sql, const char *source, int64_t generation,
                           const char *const *lines, size_t count, bool with_rest, const char *what,
                           vg_error *err)
{
    vg_status st = VG_OK;
    for (size_t i = 0; st == VG_OK && i < count; i++) {
        SQ_STMT(stmt, sql);
        sq_bind_text(stmt, 1, source);
        sqlite3_bind_int64(stmt, 2, generation);
        st = bind_line(stmt, lines[i], with_rest, err);
        if (st == VG_OK)
            st = sq_step_done(c, stmt, what, err);
        else
            sqlite3_reset(stmt);
    }
    return st;
}

vg_status sq_signed_lines_add(void *tx, const char *source, int64_t generation,
                              const char *const *lines, size_t count, vg_error *err)
{
    return each_line(tx, SQL_ADD, source, generation, lines, count, true,
                     "keeping a verified list's lines", err);
}

vg_status sq_signed_lines_remove(void *tx, const char *source, int64_t generation,
                                 const char *const *lines, size_t count, vg_error *err)
{
    return each_line(tx, SQL_REMOVE, source, generation, lines, count, false,
                     "removing a verified list's lines", err);
}

vg_status sq_signed_lines_prune(void *tx, const char *source, int64_t keep, size_t limit,
                                size_t *removed, vg_error *err)
{
    conn *c = tx;
    vg_status status = VG_OK;
    *removed = 0;
    while (status == VG_OK && *removed < limit) {
        SQ_STMT(pick, SQL_PRUNE_PICK);
        sq_bind_text(pick, 1, source);
        sqlite3_bind_int64(pick, 2, keep);
        int rc = sqlite3_step(pick);
        int64_t generation = rc == SQLITE_ROW ? sqlite3_column_int64(pick, 0) : 0;
        sqlite3_reset(pick);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE)
            return sq_db_error(err, c->db, "finding a replaced verified list");
        if (rc == SQLITE_DONE)
            break;
        SQ_STMT(st, SQL_PRUNE);
        sq_bind_text(st, 1, source);
        sqlite3_bind_int64(st, 2, generation);
        sqlite3_bind_int64(st, 3, (sqlite3_int64)(limit - *removed));
        status = sq_step_done(c, st, "removing a replaced verified list", err);
        if (status == VG_OK)
            *removed += (size_t)sqlite3_changes(c->db);
    }
    return status;
}

/* Lines sharing a whole head (only lines longer than it do), held until
 * the head changes and then given in the order of their bytes: the rows
 * come in the key's order (head, digest), so SQLite need not sort every
 * row by its rest. The buffers are kept from one group to the next. */
typedef struct held {
    char *text;
    size_t len, cap;
} held;

typedef struct group {
    held *lines;
    size_t count, cap;
} group;

static int held_order(const void *a, const void *b)
{
    const held *x = a, *y = b;
    int c = memcmp(x->text, y->text, x->len < y->len ? x->len : y->len);
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

static vg_status group_flush(group *g, vg_signed_line_fn fn, void *ctx, vg_error *err)
{
    if (g->count > 1)
        qsort(g->lines, g->count, sizeof *g->lines, held_order);
    vg_status st = VG_OK;
    for (size_t i = 0; st == VG_OK && i < g->count; i++)
        st = fn(ctx, g->lines[i].text, g->lines[i].len, err);
    g->count = 0;
    return st;
}

/* Whether a row of head h (its bytes at head) joins the group held. */
static bool same_head(const group *g, const void *head, size_t h)
{
    return g->count && h == VG_SIGNED_LINE_HEAD && g->lines[0].len >= h &&
           !memcmp(g->lines[0].text, head, h);
}

static vg_status group_add(group *g, const void *head, size_t h, const void *rest, size_t r,
                           vg_error *err)
{
    if (g->count == g->cap) {
        size_t cap = g->cap ? 2 * g->cap : 4;
        held *grown = realloc(g->lines, cap * sizeof *grown);
        if (!grown)
            return vg_error_set(err, VG_ERR_NOMEM, "out of memory reading a verified list");
        memset(grown + g->cap, 0, (cap - g->cap) * sizeof *grown);
        g->lines = grown;
        g->cap = cap;
    }
    held *l = &g->lines[g->count];
    if (h + r + 1 > l->cap) {
        char *grown = realloc(l->text, h + r + 1);
        if (!grown)
            return vg_error_set(err, VG_ERR_NOMEM, "out of memory reading a verified list");
        l->text = grown;
        l->cap = h + r + 1;
    }
    if (h)
        memcpy(l->text, head, h);
    if (r)
        memcpy(l->text + h, rest, r);
    l->text[h + r] = '\0';
    l->len = h + r;
    g->count++;
    return VG_OK;
}

vg_status sq_signed_lines_each(void *tx, const char *source, int64_t generation,
                               vg_signed_line_fn fn, void *ctx, vg_error *err)
{
    conn *c = tx;
    SQ_STMT(st, SQL_EACH);
    sq_bind_text(st, 1, source);
    sqlite3_bind_int64(st, 2, generation);
    group g = {0};
    vg_status status = VG_OK;
    int rc = SQLITE_DONE;
    while (status == VG_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        size_t h = (size_t)sqlite3_column_bytes(st, 0), r = (size_t)sqlite3_column_bytes(st, 1);
        const void *head = sqlite3_column_blob(st, 0), *rest = sqlite3_column_blob(st, 1);
        if (g.count && !same_head(&g, head, h))
            status = group_flush(&g, fn, ctx, err);
        if (status == VG_OK)
            status = group_add(&g, head, h, rest, r, err);
    }
    if (status == VG_OK && rc != SQLITE_DONE)
        status = sq_db_error(err, c->db, "reading a verified list");
    if (status == VG_OK)
        status = group_flush(&g, fn, ctx, err);
    sqlite3_reset(st);
    for (size_t i = 0; i < g.cap; i++)
        free(g.lines[i].text);
    free(g.lines);
    return status;
}

/*
 * src/store/sqlite/signed_lists.c - signed sources' verified lists
 * (store/signed_lists.h). The key (source, line) under the BINARY
 * collation is the canonical byte order: the lines come back in it
 * without a sort.
 */
#include "store/sqlite/sqlite.h"

static const char SQL_ADD[] = "INSERT INTO sync_list_lines(source, line) VALUES(?, ?)";
static const char SQL_REMOVE[] = "DELETE FROM sync_list_lines WHERE source = ? AND line = ?";
static const char SQL_CLEAR[] = "DELETE FROM sync_list_lines WHERE source = ?";
static const char SQL_EACH[] =
    "SELECT line FROM sync_list_lines WHERE source = ? ORDER BY line";

/* One statement run for each line (SQLite has no round trips to save). */
static vg_status each_line(conn *c, const char *sql, const char *source,
                           const char *const *lines, size_t count, const char *what,
                           vg_error *err)
{
    vg_status st = VG_OK;
    for (size_t i = 0; st == VG_OK && i < count; i++) {
        SQ_STMT(stmt, sql);
        sq_bind_text(stmt, 1, source);
        sq_bind_text(stmt, 2, lines[i]);
        st = sq_step_done(c, stmt, what, err);
    }
    return st;
}

vg_status sq_signed_lines_add(void *tx, const char *source, const char *const *lines,
                              size_t count, vg_error *err)
{
    return each_line(tx, SQL_ADD, source, lines, count, "keeping a verified list's lines", err);
}

vg_status sq_signed_lines_remove(void *tx, const char *source, const char *const *lines,
                                 size_t count, vg_error *err)
{
    return each_line(tx, SQL_REMOVE, source, lines, count, "removing a verified list's lines",
                     err);
}

vg_status sq_signed_lines_clear(void *tx, const char *source, vg_error *err)
{
    conn *c = tx;
    SQ_STMT(st, SQL_CLEAR);
    sq_bind_text(st, 1, source);
    return sq_step_done(c, st, "removing a verified list", err);
}

vg_status sq_signed_lines_each(void *tx, const char *source, vg_signed_line_fn fn, void *ctx,
                               vg_error *err)
{
    conn *c = tx;
    SQ_STMT(st, SQL_EACH);
    sq_bind_text(st, 1, source);
    vg_status status = VG_OK;
    int rc = SQLITE_DONE;
    while (status == VG_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
        status = fn(ctx, (const char *)sqlite3_column_text(st, 0),
                    (size_t)sqlite3_column_bytes(st, 0), err);
    if (status == VG_OK && rc != SQLITE_DONE)
        status = sq_db_error(err, c->db, "reading a verified list");
    sqlite3_reset(st);
    return status;
}

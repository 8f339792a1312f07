/*
 * src/store/postgres/signed_lists.c - signed sources' verified lists
 * (store/signed_lists.h). A batch of lines goes as one array parameter:
 * one statement and one round trip for thousands of lines. The column's
 * "C" collation keeps the key in the canonical byte order.
 */
#include <stdlib.h>
#include <string.h>

#include "store/postgres/pg.h"

static const char SQL_ADD[] =
    "INSERT INTO sync_list_lines(source, line) SELECT $1, unnest($2::text[])";
static const char SQL_REMOVE[] =
    "DELETE FROM sync_list_lines WHERE source = $1 AND line = ANY($2::text[])";
static const char SQL_CLEAR[] = "DELETE FROM sync_list_lines WHERE source = $1";
static const char SQL_EACH[] =
    "SELECT line FROM sync_list_lines WHERE source = $1 ORDER BY line";

/* The lines as a text array literal: each element quoted, its quotes and
 * backslashes escaped (a line may hold any byte but NUL and LF). */
static char *array_of(const char *const *lines, size_t count)
{
    size_t n = 3;
    for (size_t i = 0; i < count; i++) {
        n += 3;
        for (const char *p = lines[i]; *p; p++)
            n += *p == '"' || *p == '\\' ? 2 : 1;
    }
    char *out = malloc(n);
    if (!out)
        return NULL;
    char *o = out;
    *o++ = '{';
    for (size_t i = 0; i < count; i++) {
        if (i)
            *o++ = ',';
        *o++ = '"';
        for (const char *p = lines[i]; *p; p++) {
            if (*p == '"' || *p == '\\')
                *o++ = '\\';
            *o++ = *p;
        }
        *o++ = '"';
    }
    *o++ = '}';
    *o = '\0';
    return out;
}

static vg_status with_array(pg_conn *c, const char *sql, const char *source,
                            const char *const *lines, size_t count, const char *what,
                            vg_error *err)
{
    char *array = array_of(lines, count);
    if (!array)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory %s", what);
    pg_args a = {0};
    pa_text(&a, source);
    pa_text(&a, array);
    vg_status st = pg_done(c, sql, &a, what, NULL, err);
    free(array);
    return st;
}

vg_status pg_signed_lines_add(void *tx, const char *source, const char *const *lines,
                              size_t count, vg_error *err)
{
    return with_array(tx, SQL_ADD, source, lines, count, "keeping a verified list's lines", err);
}

vg_status pg_signed_lines_remove(void *tx, const char *source, const char *const *lines,
                                 size_t count, vg_error *err)
{
    return with_array(tx, SQL_REMOVE, source, lines, count, "removing a verified list's lines",
                      err);
}

vg_status pg_signed_lines_clear(void *tx, const char *source, vg_error *err)
{
    pg_args a = {0};
    pa_text(&a, source);
    return pg_done(tx, SQL_CLEAR, &a, "removing a verified list", NULL, err);
}

typedef struct each_args {
    vg_signed_line_fn fn;
    void *ctx;
} each_args;

static vg_status each_batch(const PGresult *res, void *ctx, vg_error *err)
{
    each_args *e = ctx;
    vg_status st = VG_OK;
    for (int row = 0; st == VG_OK && row < PQntuples(res); row++)
        st = e->fn(e->ctx, PQgetvalue(res, row, 0), (size_t)PQgetlength(res, row, 0), err);
    return st;
}

vg_status pg_signed_lines_each(void *tx, const char *source, vg_signed_line_fn fn, void *ctx,
                               vg_error *err)
{
    pg_args a = {0};
    pa_text(&a, source);
    each_args e = {fn, ctx};
    return pg_each(tx, SQL_EACH, &a, each_batch, &e, "reading a verified list", err);
}

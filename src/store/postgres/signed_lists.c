/*
 * src/store/postgres/signed_lists.c - signed sources' verified lists
 * (store/signed_lists.h). A batch of lines goes as one array parameter:
 * one statement and one round trip for thousands of lines. Each line is
 * cut in SQL into its head (its first VG_SIGNED_LINE_HEAD bytes), the
 * SHA-256 of a longer line (else empty) and the rest: the key (source,
 * generation, head, digest) stays under the B-tree's limit, and bytea
 * compares as memcmp, so head then rest is the canonical byte order.
 */
#include <stdlib.h>
#include <string.h>

#include "store/postgres/pg.h"

#define HEAD_TEXT_(n) #n
#define HEAD_TEXT(n) HEAD_TEXT_(n)
#define HEAD HEAD_TEXT(VG_SIGNED_LINE_HEAD)
/* the key and rest of each line of the array $3 */
#define LINE_PARTS                                                                                 \
    "SELECT substring(b FROM 1 FOR " HEAD ") AS head,"                                             \
    " CASE WHEN length(b) > " HEAD " THEN sha256(b) ELSE ''::bytea END AS digest,"                 \
    " substring(b FROM " HEAD " + 1) AS rest"                                                      \
    " FROM (SELECT convert_to(l, 'UTF8') AS b FROM unnest($3::text[]) AS l) AS u"

static const char SQL_ADD[] = "INSERT INTO sync_list_lines(source, generation, head, digest, rest)"
                              " SELECT $1, $2, head, digest, rest FROM (" LINE_PARTS ") AS p";
static const char SQL_REMOVE[] =
    "DELETE FROM sync_list_lines WHERE source = $1 AND generation = $2"
    " AND (head, digest) IN (SELECT head, digest FROM (" LINE_PARTS ") AS p)";
/* Pruning goes a generation at a time, through the key: a generation
 * other than $2 (two ranges: finding none costs two index probes, not a
 * scan of the one kept), then a bounded number of its lines by head. */
static const char SQL_PRUNE_PICK[] =
    "(SELECT generation FROM sync_list_lines WHERE source = $1 AND generation < $2 LIMIT 1)"
    " UNION ALL (SELECT generation FROM sync_list_lines WHERE source = $1 AND generation > $2"
    " LIMIT 1) LIMIT 1";
static const char SQL_PRUNE[] =
    "DELETE FROM sync_list_lines WHERE source = $1 AND generation = $2 AND head IN"
    " (SELECT head FROM sync_list_lines WHERE source = $1 AND generation = $2 LIMIT $3)";
static const char SQL_EACH[] = "SELECT convert_from(head || rest, 'UTF8') FROM sync_list_lines"
                               " WHERE source = $1 AND generation = $2 ORDER BY head, rest";

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

static vg_status with_array(pg_conn *c, const char *sql, const char *source, int64_t generation,
                            const char *const *lines, size_t count, const char *what, vg_error *err)
{
    char *array = array_of(lines, count);
    if (!array)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory %s", what);
    pg_args a = {0};
    pa_text(&a, source);
    pa_int(&a, generation);
    pa_text(&a, array);
    vg_status st = pg_done(c, sql, &a, what, NULL, err);
    free(array);
    return st;
}

vg_status pg_signed_lines_add(void *tx, const char *source, int64_t generation,
                              const char *const *lines, size_t count, vg_error *err)
{
    return with_array(tx, SQL_ADD, source, generation, lines, count,
                      "keeping a verified list's lines", err);
}

vg_status pg_signed_lines_remove(void *tx, const char *source, int64_t generation,
                                 const char *const *lines, size_t count, vg_error *err)
{
    return with_array(tx, SQL_REMOVE, source, generation, lines, count,
                      "removing a verified list's lines", err);
}

vg_status pg_signed_lines_prune(void *tx, const char *source, int64_t keep, size_t limit,
                                size_t *removed, vg_error *err)
{
    vg_status st = VG_OK;
    *removed = 0;
    while (st == VG_OK && *removed < limit) {
        pg_args a = {0};
        pa_text(&a, source);
        pa_int(&a, keep);
        int64_t generation = 0;
        size_t found = 0;
        st = pg_ids(tx, SQL_PRUNE_PICK, &a, &generation, 1, &found,
                    "finding a replaced verified list", err);
        if (st != VG_OK || !found)
            break;
        pg_args d = {0};
        pa_text(&d, source);
        pa_int(&d, generation);
        pa_int(&d, (int64_t)(limit - *removed));
        int64_t changed = 0;
        st = pg_done(tx, SQL_PRUNE, &d, "removing a replaced verified list", &changed, err);
        *removed += st == VG_OK ? (size_t)changed : 0;
    }
    return st;
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

vg_status pg_signed_lines_each(void *tx, const char *source, int64_t generation,
                               vg_signed_line_fn fn, void *ctx, vg_error *err)
{
    pg_args a = {0};
    pa_text(&a, source);
    pa_int(&a, generation);
    each_args e = {fn, ctx};
    return pg_each(tx, SQL_EACH, &a, each_batch, &e, "reading a verified list", err);
}

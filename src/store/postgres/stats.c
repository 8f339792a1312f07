/*
 * src/store/postgres/stats.c - one fact per report for statistics
 * (store/stats.h), read through cursors: a year of reports is never held
 * whole.
 */
#include <stdlib.h>

#include "store/postgres/pg.h"
#include "store/stats.h"

/* A clean report's row is stats_facts'; a dirty one's (a change not yet
 * folded) is computed by stats_fact_source (what each column means: the
 * view in migration 14), so a read is always current. */
#define FACT_COLUMNS                                                                          \
    "id, case_id, created_at, first_look_at, decided_at, files, known_files, claimed_files,"  \
    " videos, urls, duplicate, source, reporter_kind, category, language, country, state,"   \
    " legal, severity, age, host_country, asn, provider, route, notices, renotices,"        \
    " escalations, reappearances, notice_at, removed_at, blocked, appeals"
/* Clean rows and dirty ones are two cursors merged here by id, as on
 * SQLite: as one UNION ALL ... ORDER BY id, the server sorted a year's
 * million rows (18 s of a yearly table's 18 at a million reports). The
 * clean rows come by the primary key within the period's first and last
 * ids (found through stats_facts_created; reports are numbered as they
 * arrive, so that range is the period's rows, and the created_at test,
 * kept off the index by "+ 0", makes it exact when it is not): already in
 * id order, nothing to sort. */
static const char SQL_FACTS_IDS[] =
    "SELECT MIN(id), MAX(id) FROM stats_facts WHERE created_at >= $1 AND created_at < $2";
static const char SQL_FACTS_CLEAN[] =
    "SELECT " FACT_COLUMNS " FROM stats_facts WHERE id BETWEEN $3 AND $4"
    " AND created_at + 0 >= $1 AND created_at + 0 < $2"
    " AND id NOT IN (SELECT report_id FROM stats_dirty) ORDER BY id";
static const char SQL_FACTS_DIRTY[] =
    "SELECT " FACT_COLUMNS " FROM stats_fact_source"
    " WHERE id IN (SELECT report_id FROM stats_dirty) AND created_at >= $1 AND created_at < $2"
    " ORDER BY id";

_Static_assert(sizeof SQL_FACTS_CLEAN + 64 < 1024 && sizeof SQL_FACTS_DIRTY + 64 < 1024,
               "cursor_open's DECLARE holds the statements");

/* Rows fetched at a time from each cursor: a round trip per batch, and a
 * batch's rows held (about 300 bytes each). */
#define FACTS_BATCH 10000

/* One of the two cursors, read a batch at a time. */
typedef struct cursor {
    pg_conn *c;
    char fetch[64];
    PGresult *res; /* the current batch (owned), NULL before the first */
    int row, rows;
    int last;      /* the batch was the last one: fewer than FACTS_BATCH rows */
} cursor;

static vg_status cursor_open(cursor *k, pg_conn *c, const char *name, const char *sql,
                             const pg_args *a, vg_error *err)
{
    *k = (cursor){.c = c};
    char declare[1024];
    snprintf(declare, sizeof declare, "DECLARE %s NO SCROLL CURSOR FOR %s", name, sql);
    snprintf(k->fetch, sizeof k->fetch, "FETCH %d FROM %s", FACTS_BATCH, name);
    c->round_trips++;
    c->statements++;
    PGresult *res = PQexecParams(c->db, declare, a->n, NULL, a->v, NULL, NULL, 0);
    vg_status st = VG_OK;
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        st = pg_error(c, res, "reading the reports' facts", err);
    PQclear(res);
    return st;
}

/* Move to the cursor's next row: *has says whether there is one. */
static vg_status cursor_next(cursor *k, int *has, vg_error *err)
{
    if (k->res && ++k->row < k->rows) {
        *has = 1;
        return VG_OK;
    }
    *has = 0;
    if (k->res && k->last)
        return VG_OK;
    PQclear(k->res);
    k->c->round_trips++;
    k->c->statements++;
    k->res = PQexec(k->c->db, k->fetch);
    if (PQresultStatus(k->res) != PGRES_TUPLES_OK) {
        vg_status st = pg_error(k->c, k->res, "reading the reports' facts", err);
        PQclear(k->res);
        k->res = NULL;
        k->last = 1;
        return st;
    }
    k->row = 0;
    k->rows = PQntuples(k->res);
    k->last = k->rows < FACTS_BATCH;
    *has = k->rows > 0;
    return VG_OK;
}

static const char *text_or_null(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

/* A BIGINT cell's text (0 for NULL): strtoll's locale and errno cost a
 * good part of reading a million rows of 19 integers. */
static int64_t int_cell(const PGresult *res, int row, int col)
{
    const char *p = PQgetvalue(res, row, col);
    int negative = *p == '-';
    p += negative;
    uint64_t v = 0;
    for (; *p >= '0' && *p <= '9'; p++)
        v = v * 10 + (uint64_t)(*p - '0');
    return negative ? -(int64_t)v : (int64_t)v;
}

static void read_fact(const PGresult *res, int row, vg_report_fact *fact)
{
    int64_t *ints[] = {&fact->id,          &fact->case_id,    &fact->created_at,
                       &fact->first_look_at, &fact->decided_at, &fact->files,
                       &fact->known_files, &fact->claimed_files, &fact->videos,
                       &fact->urls};
    for (int i = 0; i < 10; i++)
        *ints[i] = int_cell(res, row, i);
    fact->duplicate = (int)int_cell(res, row, 10);
    const char **texts[] = {&fact->source,   &fact->reporter_kind, &fact->category,
                            &fact->language, &fact->country,       &fact->state,
                            &fact->legal,    &fact->severity,      &fact->age,
                            &fact->host_country, &fact->asn,       &fact->provider,
                            &fact->route};
    for (int i = 0; i < 13; i++)
        *texts[i] = text_or_null(res, row, 11 + i);
    int64_t *actions[] = {&fact->notices,    &fact->renotices,  &fact->escalations,
                          &fact->reappearances, &fact->notice_at, &fact->removed_at,
                          &fact->blocked,    &fact->appeals};
    for (int i = 0; i < 8; i++)
        *actions[i] = int_cell(res, row, 24 + i);
}

static vg_status merge_facts(cursor *clean, cursor *dirty, vg_store_fact_fn fn, void *ctx,
                             vg_error *err)
{
    int has_clean = 0, has_dirty = 0;
    vg_status st = cursor_next(clean, &has_clean, err);
    if (st == VG_OK)
        st = cursor_next(dirty, &has_dirty, err);
    while (st == VG_OK && (has_clean || has_dirty)) {
        int from_clean = !has_dirty ||
                         (has_clean && int_cell(clean->res, clean->row, 0) <
                                           int_cell(dirty->res, dirty->row, 0));
        cursor *k = from_clean ? clean : dirty;
        vg_report_fact fact;
        read_fact(k->res, k->row, &fact);
        if (fn(ctx, &fact))
            return vg_error_set(err, VG_ERR_ABORTED, "reading the reports' facts was stopped");
        st = cursor_next(k, from_clean ? &has_clean : &has_dirty, err);
    }
    return st;
}

vg_status pg_report_facts(void *tx, int64_t from, int64_t to, vg_store_fact_fn fn, void *ctx,
                          vg_error *err)
{
    pg_conn *c = tx;
    pg_args a = {0};
    pa_int(&a, from);
    pa_int(&a, to);
    PGresult *res = pg_run(c, SQL_FACTS_IDS, &a, "reading the reports' facts", err);
    if (!res)
        return err ? err->status : VG_ERR_IO;
    int64_t first = 1, last = 0; /* no clean row: an empty range */
    if (PQntuples(res) == 1 && !PQgetisnull(res, 0, 0)) {
        first = pg_int(res, 0, 0);
        last = pg_int(res, 0, 1);
    }
    PQclear(res);
    pg_args range = a;
    pa_int(&range, first);
    pa_int(&range, last);
    /* names of their own: a transaction may read the facts more than once */
    char clean_name[32], dirty_name[32];
    unsigned n = ++c->cursors;
    snprintf(clean_name, sizeof clean_name, "vg_facts_clean_%u", n);
    snprintf(dirty_name, sizeof dirty_name, "vg_facts_dirty_%u", n);
    cursor clean, dirty;
    vg_status st = pg_flush(c, err);
    if (st == VG_OK)
        st = cursor_open(&clean, c, clean_name, SQL_FACTS_CLEAN, &range, err);
    if (st == VG_OK)
        st = cursor_open(&dirty, c, dirty_name, SQL_FACTS_DIRTY, &a, err);
    if (st != VG_OK)
        return st;
    st = merge_facts(&clean, &dirty, fn, ctx, err);
    PQclear(clean.res);
    PQclear(dirty.res);
    if (st != VG_OK && st != VG_ERR_ABORTED)
        return st; /* the server's failure loses the transaction anyway: no CLOSE */
    char close_sql[96];
    snprintf(close_sql, sizeof close_sql, "CLOSE %s; CLOSE %s", clean_name, dirty_name);
    vg_status closed = pg_simple(c, close_sql, "reading the reports' facts",
                                 st == VG_OK ? err : NULL);
    return st != VG_OK ? st : closed;
}

static const char SQL_FOLD[] = "SELECT stats_fold($1)";

vg_status pg_stats_fold(void *tx, size_t limit, size_t *folded, vg_error *err)
{
    *folded = 0;
    pg_args a = {0};
    pa_int(&a, (int64_t)limit);
    PGresult *res = pg_run(tx, SQL_FOLD, &a, "folding the statistics' changes", err);
    if (!res)
        return err ? err->status : VG_ERR_IO;
    *folded = (size_t)pg_int(res, 0, 0);
    PQclear(res);
    return VG_OK;
}

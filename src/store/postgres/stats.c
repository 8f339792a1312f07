/*
 * src/store/postgres/stats.c - one fact per report for statistics
 * (store/stats.h), read through a cursor: a year of reports is never held
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
    " escalations, reappearances, notice_at, removed_at, blocked, appeals, sex, flags, baseline"
/* The clean rows, then the dirty ones, in no particular order (grouping
 * does not need one, store/stats.h): as one UNION ALL ... ORDER BY id the
 * server sorted a year's million rows on disk, and walking the primary key
 * instead (id order, as the SQLite backend reads) fetched each row through
 * the index, three times the cost of the sequential scan this is for a
 * year; a short period still takes stats_facts_created. */
static const char SQL_FACTS[] =
    "SELECT " FACT_COLUMNS " FROM stats_facts WHERE created_at >= $1 AND created_at < $2"
    " AND id NOT IN (SELECT report_id FROM stats_dirty)"
    " UNION ALL SELECT " FACT_COLUMNS " FROM stats_fact_source"
    " WHERE id IN (SELECT report_id FROM stats_dirty) AND created_at >= $1 AND created_at < $2";

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
    return (int64_t)(negative ? 0 - v : v);
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
    const char **classes[] = {&fact->sex, &fact->flags, &fact->baseline};
    for (int i = 0; i < 3; i++)
        *classes[i] = text_or_null(res, row, 32 + i);
}

typedef struct facts {
    vg_store_fact_fn fn;
    void *ctx;
} facts;

static vg_status fact_batch(const PGresult *res, void *ctx, vg_error *err)
{
    facts *f = ctx;
    for (int row = 0; row < PQntuples(res); row++) {
        vg_report_fact fact;
        read_fact(res, row, &fact);
        if (f->fn(f->ctx, &fact))
            return vg_error_set(err, VG_ERR_ABORTED, "reading the reports' facts was stopped");
    }
    return VG_OK;
}

vg_status pg_report_facts(void *tx, int64_t from, int64_t to, vg_store_fact_fn fn, void *ctx,
                          vg_error *err)
{
    pg_conn *c = tx;
    /* The view's cost estimate (a subquery per column) passes jit_above_cost:
     * compiling it took 8 s of a yearly table with 10,000 reports waiting
     * (EXPLAIN ANALYZE at a million reports), for a plan of index lookups
     * that ran in 5. SET LOCAL ends with this read transaction; it is sent
     * with the cursor's DECLARE. */
    vg_status st = pg_queue_command(c, "SET LOCAL jit = off", "reading the reports' facts", err);
    if (st != VG_OK)
        return st;
    pg_args a = {0};
    pa_int(&a, from);
    pa_int(&a, to);
    facts f = {fn, ctx};
    return pg_each(c, SQL_FACTS, &a, fact_batch, &f, "reading the reports' facts", err);
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

/*
 * src/store/postgres/stats.c - one fact per report for statistics
 * (store/stats.h), read through a cursor: a year of reports is never held
 * whole.
 */
#include <stdlib.h>

#include "store/postgres/pg.h"
#include "store/stats.h"
#include "store/stats_packs.h"

/* A clean report's row is stats_facts'; a dirty one's (a change not yet
 * folded) is computed by stats_fact_source (what each column means: the
 * view in migration 14), so a read is always current. */
#define FACT_COLUMNS                                                                          \
    "id, case_id, created_at, first_look_at, decided_at, files, known_files, claimed_files,"  \
    " videos, urls, duplicate, source, reporter_kind, category, language, country, state,"   \
    " legal, severity, age, host_country, asn, provider, route, notices, renotices,"        \
    " escalations, reappearances, notice_at, removed_at, blocked, appeals, sex, flags, baseline"
/* A clean report's fact comes from its day's pack (stats_packs: the day's
 * stats_facts rows in one blob, model/factpack.h, store/stats_packs.h), the
 * rows of a day with no current pack (stale: changed by a fold and not
 * packed again yet) from stats_facts, and a dirty report's from the view:
 * a year is a few hundred blobs instead of a million rows of 35 columns
 * written as text by the server and parsed by the client. */
static const char SQL_FACTS_DIRTY_IDS[] =
    "SELECT DISTINCT report_id FROM stats_dirty ORDER BY report_id";
static const char SQL_FACTS_PACKS[] =
    "SELECT day, facts FROM stats_packs WHERE day BETWEEN $1 AND $2"
    " AND day NOT IN (SELECT day FROM stats_pack_stale) ORDER BY day";
/* The rows of days $5..$6 (no pack); $3..$4 where their times can be. */
static const char SQL_FACTS_CLEAN[] =
    "SELECT " FACT_COLUMNS " FROM stats_facts WHERE created_at >= $3 AND created_at < $4"
    " AND created_at >= $1 AND created_at < $2 AND created_at / 86400 BETWEEN $5 AND $6"
    " AND id NOT IN (SELECT report_id FROM stats_dirty)";
static const char SQL_FACTS_DIRTY[] =
    "SELECT " FACT_COLUMNS " FROM stats_fact_source"
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

static vg_status dirty_batch(const PGresult *res, void *ctx, vg_error *err)
{
    vg_status st = VG_OK;
    for (int row = 0; row < PQntuples(res) && st == VG_OK; row++)
        st = vg_fact_filter_skip(ctx, int_cell(res, row, 0), err);
    return st;
}

/* The rows of the days first..last (none packed) within [from, to). */
static vg_status read_rows(pg_conn *c, int64_t from, int64_t to, int64_t first, int64_t last,
                           facts *f, vg_error *err)
{
    if (first > last)
        return VG_OK;
    int64_t lo = from, hi = to;
    vg_fact_days_span(first, last, &lo, &hi);
    if (lo >= hi)
        return VG_OK;
    pg_args a = {0};
    pa_int(&a, from);
    pa_int(&a, to);
    pa_int(&a, lo);
    pa_int(&a, hi);
    pa_int(&a, first);
    pa_int(&a, last);
    return pg_each(c, SQL_FACTS_CLEAN, &a, fact_batch, f, "reading the reports' facts", err);
}

static int64_t be64(const char *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | (unsigned char)p[i];
    return (int64_t)v;
}

/* Day ranges with no current pack, read from their rows once the packs'
 * stream has ended (the connection carries one query at a time). */
typedef struct gaps {
    int64_t (*v)[2];
    size_t n, cap;
} gaps;

static vg_status gap_add(gaps *g, int64_t first, int64_t last, vg_error *err)
{
    if (first > last)
        return VG_OK;
    if (g->n == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 16;
        int64_t(*v)[2] = realloc(g->v, cap * sizeof *v);
        if (!v)
            return vg_error_set(err, VG_ERR_NOMEM, "out of memory reading the reports' facts");
        g->v = v;
        g->cap = cap;
    }
    g->v[g->n][0] = first;
    g->v[g->n][1] = last;
    g->n++;
    return VG_OK;
}

/* The packs of days first..last, in binary (a year's are some 40 MB: as
 * text, hex twice that, to write and parse), each decoded as it arrives
 * (libpq's single-row mode) while the server reads and sends the next, so
 * that the two can overlap, and the client never holds the whole result
 * (its system time fell by a third at a million reports). The days between
 * them are read from their rows after. */
static vg_status read_packs(pg_conn *c, int64_t from, int64_t to, vg_fact_filter *ff, facts *f,
                            vg_error *err)
{
    int64_t first = vg_factpack_day(from), last = vg_factpack_day(to - 1);
    vg_status st = pg_flush(c, err);
    if (st != VG_OK)
        return st;
    pg_args a = {0};
    pa_int(&a, first);
    pa_int(&a, last);
    c->round_trips++;
    c->statements++;
    if (!PQsendQueryParams(c->db, SQL_FACTS_PACKS, a.n, NULL, a.v, NULL, NULL, 1))
        return pg_error(c, NULL, "reading the reports' facts", err);
    PQsetSingleRowMode(c->db); /* without it, the whole result at once: still right */
    gaps g = {0};
    int64_t next = first;
    PGresult *res;
    /* every result is read, even after a failure: the connection goes back
     * to the pool ready for the next statement */
    while ((res = PQgetResult(c->db))) {
        ExecStatusType s = PQresultStatus(res);
        if (s != PGRES_SINGLE_TUPLE && s != PGRES_TUPLES_OK) {
            if (st == VG_OK)
                st = pg_error(c, res, "reading the reports' facts", err);
        } else {
            for (int row = 0; row < PQntuples(res) && st == VG_OK; row++) {
                if (PQgetlength(res, row, 0) != 8) {
                    st = vg_error_set(err, VG_ERR_CORRUPT, "stats_packs.day is not a BIGINT");
                    break;
                }
                int64_t day = be64(PQgetvalue(res, row, 0));
                st = gap_add(&g, next, day - 1, err);
                if (st == VG_OK)
                    st = vg_fact_filter_pack(ff, day,
                                             (const unsigned char *)PQgetvalue(res, row, 1),
                                             (size_t)PQgetlength(res, row, 1), err);
                next = day + 1;
            }
        }
        PQclear(res);
    }
    if (st == VG_OK)
        st = gap_add(&g, next, last, err);
    for (size_t i = 0; i < g.n && st == VG_OK; i++)
        st = read_rows(c, from, to, g.v[i][0], g.v[i][1], f, err);
    free(g.v);
    return st;
}

vg_status pg_report_facts(void *tx, int64_t from, int64_t to, vg_store_fact_fn fn, void *ctx,
                          vg_error *err)
{
    pg_conn *c = tx;
    if (from >= to)
        return VG_OK;
    /* The view's cost estimate (a subquery per column) passes jit_above_cost:
     * compiling it took 8 s of a yearly table with 10,000 reports waiting
     * (EXPLAIN ANALYZE at a million reports), for a plan of index lookups
     * that ran in 5. SET LOCAL ends with this read transaction; it is sent
     * with the first query. */
    vg_status st = pg_queue_command(c, "SET LOCAL jit = off", "reading the reports' facts", err);
    if (st != VG_OK)
        return st;
    vg_fact_filter ff;
    vg_fact_filter_init(&ff, from, to, fn, ctx);
    facts f = {fn, ctx};
    st = pg_each(c, SQL_FACTS_DIRTY_IDS, NULL, dirty_batch, &ff, "reading the reports' facts",
                 err);
    if (st == VG_OK)
        st = read_packs(c, from, to, &ff, &f, err);
    /* no report waiting (in this snapshot): the view is not planned, which
     * alone cost the server 20 ms */
    if (st == VG_OK && ff.ndirty) {
        pg_args a = {0};
        pa_int(&a, from);
        pa_int(&a, to);
        st = pg_each(c, SQL_FACTS_DIRTY, &a, fact_batch, &f, "reading the reports' facts", err);
    }
    vg_fact_filter_free(&ff);
    return st;
}

static const char SQL_FOLD[] = "SELECT stats_fold($1)";
static const char SQL_PACK_DAYS[] = "SELECT day FROM stats_pack_stale ORDER BY day";
static const char SQL_PACK_ROWS[] =
    "SELECT " FACT_COLUMNS " FROM stats_facts WHERE created_at >= $1 AND created_at < $2"
    " AND created_at / 86400 = $3 ORDER BY id";
static const char SQL_PACK_PUT[] =
    "INSERT INTO stats_packs(day, facts) VALUES($1, $2::bytea)"
    " ON CONFLICT (day) DO UPDATE SET facts = EXCLUDED.facts";
static const char SQL_PACK_DROP[] = "DELETE FROM stats_packs WHERE day = $1";
static const char SQL_PACK_DONE[] = "DELETE FROM stats_pack_stale WHERE day = $1";

static vg_status pack_batch(const PGresult *res, void *ctx, vg_error *err)
{
    vg_status st = VG_OK;
    for (int row = 0; row < PQntuples(res) && st == VG_OK; row++) {
        vg_report_fact fact;
        read_fact(res, row, &fact);
        st = vg_factpack_add(ctx, &fact, err);
    }
    return st;
}

/* Pack day's rows of stats_facts again (none: no pack). The blob goes as
 * bytea's text form, "\x" and hex. */
static vg_status pack_day(pg_conn *c, int64_t day, vg_error *err)
{
    vg_factpack *p = NULL;
    vg_status st = vg_factpack_new(&p, err);
    if (st != VG_OK)
        return st;
    int64_t lo = INT64_MIN, hi = INT64_MAX;
    vg_fact_days_span(day, day, &lo, &hi);
    pg_args a = {0};
    pa_int(&a, lo);
    pa_int(&a, hi);
    pa_int(&a, day);
    st = pg_each(c, SQL_PACK_ROWS, &a, pack_batch, p, "packing the statistics' facts", err);
    char *hex = NULL;
    if (st == VG_OK && vg_factpack_count(p)) {
        const unsigned char *bytes;
        size_t len;
        st = vg_factpack_bytes(p, &bytes, &len, err);
        hex = st == VG_OK ? malloc(2 * len + 3) : NULL;
        if (st == VG_OK && !hex)
            st = vg_error_set(err, VG_ERR_NOMEM, "out of memory packing facts");
        if (hex) {
            static const char digits[] = "0123456789abcdef";
            hex[0] = '\\';
            hex[1] = 'x';
            for (size_t i = 0; i < len; i++) {
                hex[2 + 2 * i] = digits[bytes[i] >> 4];
                hex[3 + 2 * i] = digits[bytes[i] & 15];
            }
            hex[2 + 2 * len] = '\0';
            pg_args put = {0};
            pa_int(&put, day);
            pa_text(&put, hex);
            st = pg_done(c, SQL_PACK_PUT, &put, "packing the statistics' facts", NULL, err);
        }
    } else if (st == VG_OK) {
        pg_args drop = {0};
        pa_int(&drop, day);
        st = pg_done(c, SQL_PACK_DROP, &drop, "packing the statistics' facts", NULL, err);
    }
    free(hex);
    vg_factpack_free(p);
    if (st == VG_OK) {
        pg_args done = {0};
        pa_int(&done, day);
        st = pg_done(c, SQL_PACK_DONE, &done, "packing the statistics' facts", NULL, err);
    }
    return st;
}

typedef struct days {
    int64_t *v;
    size_t n, cap;
} days;

static vg_status days_batch(const PGresult *res, void *ctx, vg_error *err)
{
    days *d = ctx;
    for (int row = 0; row < PQntuples(res); row++) {
        if (d->n == d->cap) {
            size_t cap = d->cap ? d->cap * 2 : 64;
            int64_t *v = realloc(d->v, cap * sizeof *v);
            if (!v)
                return vg_error_set(err, VG_ERR_NOMEM, "out of memory packing facts");
            d->v = v;
            d->cap = cap;
        }
        d->v[d->n++] = int_cell(res, row, 0);
    }
    return VG_OK;
}

vg_status pg_stats_pack_stale(pg_conn *c, vg_error *err)
{
    days d = {0};
    vg_status st = pg_each(c, SQL_PACK_DAYS, NULL, days_batch, &d,
                           "packing the statistics' facts", err);
    for (size_t i = 0; i < d.n && st == VG_OK; i++)
        st = pack_day(c, d.v[i], err);
    free(d.v);
    return st;
}

vg_status pg_stats_fold(void *tx, size_t limit, size_t *folded, vg_error *err)
{
    pg_conn *c = tx;
    *folded = 0;
    /* Folds wait for each other: a day packed by one transaction from rows
     * another has changed and not committed yet would lose that change. */
    vg_status st = pg_lock_key(c, PG_LOCK_STATS_PACKS, "stats_packs", err);
    if (st != VG_OK)
        return st;
    pg_args a = {0};
    pa_int(&a, (int64_t)limit);
    PGresult *res = pg_run(tx, SQL_FOLD, &a, "folding the statistics' changes", err);
    if (!res)
        return err ? err->status : VG_ERR_IO;
    *folded = (size_t)pg_int(res, 0, 0);
    PQclear(res);
    return pg_stats_pack_stale(c, err);
}

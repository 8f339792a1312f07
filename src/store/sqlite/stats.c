/*
 * src/store/sqlite/stats.c - one fact per report for statistics
 * (store/stats.h).
 */
#include <stdlib.h>

#include "store/sqlite/sqlite.h"
#include "store/stats_packs.h"

/* A clean report's row is stats_facts'; a dirty one's (a change not yet
 * folded) is computed by stats_fact_source (what each column means: the
 * view in migration 19), so a read is always current. */
#define FACT_COLUMNS                                                                          \
    "id, case_id, created_at, first_look_at, decided_at, duplicate, files, known_files,"     \
    " claimed_files, videos, urls, source, reporter_kind, category, language, country,"      \
    " state, legal, severity, age, host_country, asn, provider, route, notices, renotices,"  \
    " escalations, reappearances, notice_at, removed_at, blocked, appeals, sex, flags, baseline"
/* A clean report's fact comes from its day's pack (stats_packs: the day's
 * stats_facts rows in one blob, model/factpack.h, store/stats_packs.h), the
 * rows of a day with no current pack (stale: changed by a fold and not
 * packed again yet) from stats_facts, and a dirty report's from the view.
 * A year is then a few hundred blobs decoded in C instead of a million rows
 * of 35 columns stepped through by SQLite, most of the time it took. */
static const char SQL_FACTS_DIRTY_IDS[] = "SELECT report_id FROM stats_dirty ORDER BY report_id";
static const char SQL_FACTS_PACKS[] =
    "SELECT day, facts FROM stats_packs WHERE day BETWEEN ?1 AND ?2"
    " AND day NOT IN (SELECT day FROM stats_pack_stale) ORDER BY day";
/* The rows of days ?5..?6 (no pack); ?3..?4 the range of the index where
 * their times can be (created_at / 86400 is the day). */
static const char SQL_FACTS_CLEAN[] =
    "SELECT " FACT_COLUMNS " FROM stats_facts WHERE created_at >= ?3 AND created_at < ?4"
    " AND +created_at >= ?1 AND +created_at < ?2 AND created_at / 86400 BETWEEN ?5 AND ?6"
    " AND id NOT IN (SELECT report_id FROM stats_dirty)";
static const char SQL_FACTS_DIRTY[] =
    "SELECT " FACT_COLUMNS " FROM stats_fact_source"
    " WHERE id IN (SELECT report_id FROM stats_dirty) AND created_at >= ?1 AND created_at < ?2";

static void read_fact(sqlite3_stmt *st, vg_report_fact *f)
{
    int64_t *ints[] = {&f->id,  &f->case_id, &f->created_at,  &f->first_look_at, &f->decided_at,
                       NULL,    &f->files,   &f->known_files, &f->claimed_files, &f->videos,
                       &f->urls};
    for (int i = 0; i < 11; i++)
        if (ints[i])
            *ints[i] = sqlite3_column_int64(st, i);
    f->duplicate = sqlite3_column_int(st, 5);
    const char **texts[] = {&f->source,       &f->reporter_kind, &f->category, &f->language,
                            &f->country,      &f->state,         &f->legal,    &f->severity,
                            &f->age,          &f->host_country,  &f->asn,      &f->provider,
                            &f->route};
    for (int i = 0; i < 13; i++)
        *texts[i] = (const char *)sqlite3_column_text(st, 11 + i);
    int64_t *actions[] = {&f->notices,   &f->renotices,  &f->escalations, &f->reappearances,
                          &f->notice_at, &f->removed_at, &f->blocked,     &f->appeals};
    for (int i = 0; i < 8; i++)
        *actions[i] = sqlite3_column_int64(st, 24 + i);
    const char **classes[] = {&f->sex, &f->flags, &f->baseline};
    for (int i = 0; i < 3; i++)
        *classes[i] = (const char *)sqlite3_column_text(st, 32 + i);
}

/* Each row of st as fn(ctx, fact). */
static vg_status each_row(conn *c, sqlite3_stmt *st, vg_store_fact_fn fn, void *ctx,
                          vg_error *err)
{
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        vg_report_fact f;
        read_fact(st, &f);
        if (fn(ctx, &f)) {
            sqlite3_reset(st);
            return vg_error_set(err, VG_ERR_ABORTED, "reading the reports' facts was stopped");
        }
    }
    vg_status status =
        rc == SQLITE_DONE ? VG_OK : sq_db_error(err, c->db, "reading the reports' facts");
    sqlite3_reset(st);
    return status;
}

static vg_status read_dirty_ids(conn *c, vg_fact_filter *ff, vg_error *err)
{
    SQ_STMT(st, SQL_FACTS_DIRTY_IDS);
    int rc = SQLITE_DONE;
    vg_status status = VG_OK;
    while (status == VG_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
        status = vg_fact_filter_skip(ff, sqlite3_column_int64(st, 0), err);
    if (status == VG_OK && rc != SQLITE_DONE)
        status = sq_db_error(err, c->db, "reading the reports' facts");
    sqlite3_reset(st);
    return status;
}

/* The rows of the days first..last (none packed) within [from, to). */
static vg_status read_rows(conn *c, int64_t from, int64_t to, int64_t first, int64_t last,
                           vg_store_fact_fn fn, void *ctx, vg_error *err)
{
    if (first > last)
        return VG_OK;
    int64_t lo = from, hi = to;
    vg_fact_days_span(first, last, &lo, &hi);
    if (lo >= hi)
        return VG_OK;
    SQ_STMT(clean, SQL_FACTS_CLEAN);
    sqlite3_bind_int64(clean, 1, from);
    sqlite3_bind_int64(clean, 2, to);
    sqlite3_bind_int64(clean, 3, lo);
    sqlite3_bind_int64(clean, 4, hi);
    sqlite3_bind_int64(clean, 5, first);
    sqlite3_bind_int64(clean, 6, last);
    return each_row(c, clean, fn, ctx, err);
}

vg_status sq_report_facts(void *tx, int64_t from, int64_t to, vg_store_fact_fn fn, void *ctx,
                          vg_error *err)
{
    conn *c = tx;
    if (from >= to)
        return VG_OK;
    vg_fact_filter ff;
    vg_fact_filter_init(&ff, from, to, fn, ctx);
    vg_status status = read_dirty_ids(c, &ff, err);
    int64_t first = vg_factpack_day(from), last = vg_factpack_day(to - 1);
    /* the first day not read yet: the days between two packs are read
     * from their rows */
    int64_t next = first;
    sqlite3_stmt *packs = status == VG_OK ? sq_stmt(c, SQL_FACTS_PACKS, err) : NULL;
    if (status == VG_OK && !packs)
        status = err ? err->status : VG_ERR_IO;
    if (packs) {
        sqlite3_bind_int64(packs, 1, first);
        sqlite3_bind_int64(packs, 2, last);
        int rc = SQLITE_DONE;
        while (status == VG_OK && (rc = sqlite3_step(packs)) == SQLITE_ROW) {
            int64_t day = sqlite3_column_int64(packs, 0);
            const unsigned char *blob = sqlite3_column_blob(packs, 1);
            size_t len = (size_t)sqlite3_column_bytes(packs, 1);
            status = read_rows(c, from, to, next, day - 1, fn, ctx, err);
            if (status == VG_OK)
                status = vg_fact_filter_pack(&ff, day, blob, len, err);
            next = day + 1;
        }
        if (status == VG_OK && rc != SQLITE_DONE)
            status = sq_db_error(err, c->db, "reading the reports' facts");
        sqlite3_reset(packs);
    }
    if (status == VG_OK)
        status = read_rows(c, from, to, next, last, fn, ctx, err);
    if (status == VG_OK) {
        sqlite3_stmt *dirty = sq_stmt(c, SQL_FACTS_DIRTY, err);
        if (!dirty)
            status = err ? err->status : VG_ERR_IO;
        else {
            sqlite3_bind_int64(dirty, 1, from);
            sqlite3_bind_int64(dirty, 2, to);
            status = each_row(c, dirty, fn, ctx, err);
        }
    }
    vg_fact_filter_free(&ff);
    return status;
}

/* The first dirty reports, in id order: their days marked stale (the day
 * of their old rows and of their new ones), their rows recomputed, their
 * marks removed, then every stale day packed again, in the caller's write
 * transaction (the only writer). */
#define FOLD_BATCH "(SELECT report_id FROM stats_dirty ORDER BY report_id LIMIT ?1)"
static const char SQL_FOLD_STALE[] =
    "INSERT OR IGNORE INTO stats_pack_stale(day) SELECT created_at / 86400 FROM stats_facts"
    " WHERE id IN " FOLD_BATCH " AND created_at IS NOT NULL";
static const char SQL_FOLD_FACTS_DROP[] = "DELETE FROM stats_facts WHERE id IN " FOLD_BATCH;
static const char SQL_FOLD_FACTS_ADD[] =
    "INSERT INTO stats_facts SELECT * FROM stats_fact_source WHERE id IN " FOLD_BATCH;
static const char SQL_FOLD_CLEAN[] = "DELETE FROM stats_dirty WHERE report_id IN " FOLD_BATCH;

static const char SQL_PACK_DAYS[] = "SELECT day FROM stats_pack_stale ORDER BY day";
static const char SQL_PACK_ROWS[] =
    "SELECT " FACT_COLUMNS " FROM stats_facts WHERE created_at >= ?1 AND created_at < ?2"
    " AND created_at / 86400 = ?3 ORDER BY id";
static const char SQL_PACK_DROP[] = "DELETE FROM stats_packs WHERE day = ?1";
static const char SQL_PACK_ADD[] = "INSERT INTO stats_packs(day, facts) VALUES(?1, ?2)";
static const char SQL_PACK_DONE[] = "DELETE FROM stats_pack_stale WHERE day = ?1";

/* Pack day's rows of stats_facts again (none: no pack). */
static vg_status pack_day(conn *c, int64_t day, vg_error *err)
{
    vg_factpack *p = NULL;
    vg_status status = vg_factpack_new(&p, err);
    if (status != VG_OK)
        return status;
    int64_t lo = INT64_MIN, hi = INT64_MAX;
    vg_fact_days_span(day, day, &lo, &hi);
    sqlite3_stmt *rows = sq_stmt(c, SQL_PACK_ROWS, err);
    if (!rows)
        status = err ? err->status : VG_ERR_IO;
    else {
        sqlite3_bind_int64(rows, 1, lo);
        sqlite3_bind_int64(rows, 2, hi);
        sqlite3_bind_int64(rows, 3, day);
        int rc;
        while (status == VG_OK && (rc = sqlite3_step(rows)) == SQLITE_ROW) {
            vg_report_fact f;
            read_fact(rows, &f);
            status = vg_factpack_add(p, &f, err);
        }
        if (status == VG_OK && rc != SQLITE_DONE)
            status = sq_db_error(err, c->db, "packing the statistics' facts");
        sqlite3_reset(rows);
    }
    sqlite3_stmt *drop = status == VG_OK ? sq_stmt(c, SQL_PACK_DROP, err) : NULL;
    if (status == VG_OK && !drop)
        status = err ? err->status : VG_ERR_IO;
    if (drop) {
        sqlite3_bind_int64(drop, 1, day);
        status = sq_step_done(c, drop, "packing the statistics' facts", err);
    }
    if (status == VG_OK && vg_factpack_count(p)) {
        const unsigned char *bytes;
        size_t len;
        status = vg_factpack_bytes(p, &bytes, &len, err);
        sqlite3_stmt *add = status == VG_OK ? sq_stmt(c, SQL_PACK_ADD, err) : NULL;
        if (status == VG_OK && !add)
            status = err ? err->status : VG_ERR_IO;
        if (add) {
            sqlite3_bind_int64(add, 1, day);
            sqlite3_bind_blob64(add, 2, bytes, len, SQLITE_STATIC);
            status = sq_step_done(c, add, "packing the statistics' facts", err);
        }
    }
    vg_factpack_free(p);
    if (status == VG_OK) {
        SQ_STMT(done, SQL_PACK_DONE);
        sqlite3_bind_int64(done, 1, day);
        status = sq_step_done(c, done, "packing the statistics' facts", err);
    }
    return status;
}

vg_status sq_stats_pack_stale(conn *c, vg_error *err)
{
    int64_t *days = NULL;
    size_t n = 0, cap = 0;
    SQ_STMT(st, SQL_PACK_DAYS);
    int rc;
    vg_status status = VG_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            int64_t *more = realloc(days, cap * sizeof *more);
            if (!more) {
                status = vg_error_set(err, VG_ERR_NOMEM, "out of memory packing facts");
                break;
            }
            days = more;
        }
        days[n++] = sqlite3_column_int64(st, 0);
    }
    if (status == VG_OK && rc != SQLITE_DONE)
        status = sq_db_error(err, c->db, "packing the statistics' facts");
    sqlite3_reset(st);
    for (size_t i = 0; i < n && status == VG_OK; i++)
        status = pack_day(c, days[i], err);
    free(days);
    return status;
}

vg_status sq_stats_fold(void *tx, size_t limit, size_t *folded, vg_error *err)
{
    conn *c = tx;
    *folded = 0;
    const char *const steps[] = {SQL_FOLD_STALE, SQL_FOLD_FACTS_DROP, SQL_FOLD_FACTS_ADD,
                                 SQL_FOLD_STALE, SQL_FOLD_CLEAN};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        sqlite3_stmt *st = sq_stmt(c, steps[i], err);
        if (!st)
            return err ? err->status : VG_ERR_IO;
        sqlite3_bind_int64(st, 1, (sqlite3_int64)limit);
        vg_status status = sq_step_done(c, st, "folding the statistics' changes", err);
        if (status != VG_OK)
            return status;
    }
    *folded = (size_t)sqlite3_changes(c->db);
    return sq_stats_pack_stale(c, err);
}

/*
 * src/store/sqlite/stats.c - one fact per report for statistics
 * (store/stats.h).
 */
#include "store/sqlite/sqlite.h"

/* A clean report's row is stats_facts'; a dirty one's (a change not yet
 * folded) is computed by stats_fact_source (what each column means: the
 * view in migration 19), so a read is always current. */
#define FACT_COLUMNS                                                                          \
    "id, case_id, created_at, first_look_at, decided_at, duplicate, files, known_files,"     \
    " claimed_files, videos, urls, source, reporter_kind, category, language, country,"      \
    " state, legal, severity, age, host_country, asn, provider, route, notices, renotices,"  \
    " escalations, reappearances, notice_at, removed_at, blocked, appeals, sex, flags, baseline"
/* Clean rows and dirty ones are two statements merged here by id: as one
 * UNION ALL ... ORDER BY id, SQLite sorted a year's million clean rows in
 * a temporary B-tree (the period's index gives them in time order), then
 * copied each through the merge, most of a yearly table's time. The clean
 * rows are read in id order within the ids of the period instead (?3..?4,
 * found first through stats_facts_created, which holds both): reports are
 * numbered as they arrive, so that range is the period's rows, and the
 * created_at test keeps it exact when it is not. */
static const char SQL_FACTS_IDS[] =
    "SELECT MIN(id), MAX(id) FROM stats_facts WHERE created_at >= ?1 AND created_at < ?2";
static const char SQL_FACTS_CLEAN[] =
    "SELECT " FACT_COLUMNS " FROM stats_facts WHERE id BETWEEN ?3 AND ?4"
    " AND +created_at >= ?1 AND +created_at < ?2"
    " AND id NOT IN (SELECT report_id FROM stats_dirty) ORDER BY id";
static const char SQL_FACTS_DIRTY[] =
    "SELECT " FACT_COLUMNS " FROM stats_fact_source"
    " WHERE id IN (SELECT report_id FROM stats_dirty) AND created_at >= ?1 AND created_at < ?2"
    " ORDER BY id";

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

static vg_status merge_facts(conn *c, sqlite3_stmt *clean, sqlite3_stmt *dirty,
                             vg_store_fact_fn fn, void *ctx, vg_error *err)
{
    int rc_clean = sqlite3_step(clean), rc_dirty = sqlite3_step(dirty);
    while (rc_clean == SQLITE_ROW || rc_dirty == SQLITE_ROW) {
        int from_clean = rc_dirty != SQLITE_ROW ||
                         (rc_clean == SQLITE_ROW &&
                          sqlite3_column_int64(clean, 0) < sqlite3_column_int64(dirty, 0));
        sqlite3_stmt *st = from_clean ? clean : dirty;
        vg_report_fact f;
        read_fact(st, &f);
        if (fn(ctx, &f))
            return vg_error_set(err, VG_ERR_ABORTED, "reading the reports' facts was stopped");
        if (from_clean)
            rc_clean = sqlite3_step(clean);
        else
            rc_dirty = sqlite3_step(dirty);
    }
    if (rc_clean != SQLITE_DONE || rc_dirty != SQLITE_DONE)
        return sq_db_error(err, c->db, "reading the reports' facts");
    return VG_OK;
}

vg_status sq_report_facts(void *tx, int64_t from, int64_t to, vg_store_fact_fn fn, void *ctx,
                          vg_error *err)
{
    conn *c = tx;
    SQ_STMT(ids, SQL_FACTS_IDS);
    sqlite3_bind_int64(ids, 1, from);
    sqlite3_bind_int64(ids, 2, to);
    int64_t first = 1, last = 0; /* no clean row: an empty range */
    int rc = sqlite3_step(ids);
    if (rc == SQLITE_ROW && sqlite3_column_type(ids, 0) != SQLITE_NULL) {
        first = sqlite3_column_int64(ids, 0);
        last = sqlite3_column_int64(ids, 1);
    }
    vg_status status =
        rc == SQLITE_ROW ? VG_OK : sq_db_error(err, c->db, "reading the reports' facts");
    sqlite3_reset(ids);
    if (status != VG_OK)
        return status;
    SQ_STMT(clean, SQL_FACTS_CLEAN);
    SQ_STMT(dirty, SQL_FACTS_DIRTY);
    sqlite3_bind_int64(clean, 1, from);
    sqlite3_bind_int64(clean, 2, to);
    sqlite3_bind_int64(clean, 3, first);
    sqlite3_bind_int64(clean, 4, last);
    sqlite3_bind_int64(dirty, 1, from);
    sqlite3_bind_int64(dirty, 2, to);
    status = merge_facts(c, clean, dirty, fn, ctx, err);
    sqlite3_reset(clean);
    sqlite3_reset(dirty);
    return status;
}

/* The first dirty reports, in id order: their rows recomputed, then their
 * marks removed, in the caller's write transaction (the only writer). */
static const char SQL_FOLD_FACTS_DROP[] =
    "DELETE FROM stats_facts WHERE id IN"
    " (SELECT report_id FROM stats_dirty ORDER BY report_id LIMIT ?1)";
static const char SQL_FOLD_FACTS_ADD[] =
    "INSERT INTO stats_facts SELECT * FROM stats_fact_source WHERE id IN"
    " (SELECT report_id FROM stats_dirty ORDER BY report_id LIMIT ?1)";
static const char SQL_FOLD_CLEAN[] =
    "DELETE FROM stats_dirty WHERE report_id IN"
    " (SELECT report_id FROM stats_dirty ORDER BY report_id LIMIT ?1)";

vg_status sq_stats_fold(void *tx, size_t limit, size_t *folded, vg_error *err)
{
    conn *c = tx;
    *folded = 0;
    const char *const steps[] = {SQL_FOLD_FACTS_DROP, SQL_FOLD_FACTS_ADD, SQL_FOLD_CLEAN};
    for (size_t i = 0; i < 3; i++) {
        sqlite3_stmt *st = sq_stmt(c, steps[i], err);
        if (!st)
            return err ? err->status : VG_ERR_IO;
        sqlite3_bind_int64(st, 1, (sqlite3_int64)limit);
        vg_status status = sq_step_done(c, st, "folding the statistics' changes", err);
        if (status != VG_OK)
            return status;
    }
    *folded = (size_t)sqlite3_changes(c->db);
    return VG_OK;
}

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
    " escalations, reappearances, notice_at, removed_at, blocked, appeals"
static const char SQL_FACTS[] =
    "SELECT " FACT_COLUMNS " FROM stats_facts WHERE created_at >= ?1 AND created_at < ?2"
    " AND id NOT IN (SELECT report_id FROM stats_dirty)"
    " UNION ALL SELECT " FACT_COLUMNS " FROM stats_fact_source"
    " WHERE id IN (SELECT report_id FROM stats_dirty) AND created_at >= ?1 AND created_at < ?2"
    " ORDER BY id";

vg_status sq_report_facts(void *tx, int64_t from, int64_t to, vg_store_fact_fn fn, void *ctx,
                          vg_error *err)
{
    conn *c = tx;
    SQ_STMT(st, SQL_FACTS);
    sqlite3_bind_int64(st, 1, from);
    sqlite3_bind_int64(st, 2, to);
    vg_status status = VG_OK;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        vg_report_fact f;
        int64_t *ints[] = {&f.id,  &f.case_id, &f.created_at,  &f.first_look_at, &f.decided_at,
                           NULL,   &f.files,   &f.known_files, &f.claimed_files, &f.videos,
                           &f.urls};
        for (int i = 0; i < 11; i++)
            if (ints[i])
                *ints[i] = sqlite3_column_int64(st, i);
        f.duplicate = sqlite3_column_int(st, 5);
        const char **texts[] = {&f.source,       &f.reporter_kind, &f.category, &f.language,
                                &f.country,      &f.state,         &f.legal,    &f.severity,
                                &f.age,          &f.host_country,  &f.asn,      &f.provider,
                                &f.route};
        for (int i = 0; i < 13; i++)
            *texts[i] = (const char *)sqlite3_column_text(st, 11 + i);
        int64_t *actions[] = {&f.notices,   &f.renotices,  &f.escalations, &f.reappearances,
                              &f.notice_at, &f.removed_at, &f.blocked,     &f.appeals};
        for (int i = 0; i < 8; i++)
            *actions[i] = sqlite3_column_int64(st, 24 + i);
        if (fn(ctx, &f)) {
            status = vg_error_set(err, VG_ERR_ABORTED, "reading the reports' facts was stopped");
            break;
        }
    }
    if (status == VG_OK && rc != SQLITE_DONE)
        status = sq_db_error(err, c->db, "reading the reports' facts");
    sqlite3_reset(st);
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

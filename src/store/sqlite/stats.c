/*
 * src/store/sqlite/stats.c - one fact per report for statistics
 * (store/stats.h).
 */
#include "store/sqlite/sqlite.h"

/* The facts are kept per report by migration 19's triggers (what each
 * column means: stats_fact_source there); a period is one range scan. */
static const char SQL_FACTS[] =
    "SELECT id, case_id, created_at, first_look_at, decided_at, duplicate, files, known_files,"
    " claimed_files, videos, urls, source, reporter_kind, category, language, country, state,"
    " legal, severity, age, host_country, asn, provider, route, notices, renotices,"
    " escalations, reappearances, notice_at, removed_at"
    " FROM stats_facts WHERE created_at >= ?1 AND created_at < ?2 ORDER BY id";

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
        int64_t *actions[] = {&f.notices,       &f.renotices, &f.escalations,
                              &f.reappearances, &f.notice_at, &f.removed_at};
        for (int i = 0; i < 6; i++)
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

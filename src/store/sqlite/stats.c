/*
 * src/store/sqlite/stats.c - one fact per report for statistics
 * (store/stats.h).
 */
#include "store/sqlite/sqlite.h"

/* The first look is the first claim in the audit log (a claim's time on the
 * item is replaced by later claims); a decision's time is the item's last
 * change once it is final. Orientation comes from the report's first route
 * (its hosting is vigie's own JSON array of addresses) and the notice of
 * that route's URL; action from all the report's notices, aggregated for
 * the period's reports only. */
static const char SQL_FACTS[] =
    "SELECT r.id, r.case_id, r.created_at,"
    " COALESCE((SELECT MIN(a.time) FROM audit a WHERE a.target = 'report:' || r.id"
    "   AND a.action = 'item.claim'), 0),"
    " CASE WHEN i.state IN ('confirmed', 'auto') THEN COALESCE(i.updated_at, 0) ELSE 0 END,"
    " EXISTS(SELECT 1 FROM reports p WHERE p.case_id = r.case_id AND p.id < r.id),"
    " (SELECT COUNT(*) FROM report_files f WHERE f.report_id = r.id),"
    " (SELECT COUNT(*) FROM report_files f WHERE f.report_id = r.id AND f.known = 1),"
    " (SELECT COUNT(*) FROM report_files f WHERE f.report_id = r.id AND f.known = 2),"
    " (SELECT COUNT(*) FROM report_files f WHERE f.report_id = r.id"
    "   AND f.content_type LIKE 'video/%'),"
    " (SELECT COUNT(*) FROM report_urls u WHERE u.report_id = r.id),"
    " r.source, r.reporter_kind, r.category, r.language, r.country, i.state, i.legal,"
    " i.severity, i.age,"
    " NULLIF(u.country, ''),"
    " CASE WHEN json_valid(u.hosting) AND json_extract(u.hosting, '$[0].asn') > 0"
    "   THEN 'AS' || json_extract(u.hosting, '$[0].asn') END,"
    " COALESCE(NULLIF(nf.provider, ''), CASE WHEN json_valid(u.hosting)"
    "   THEN NULLIF(json_extract(u.hosting, '$[0].as_name'), '') END),"
    " CASE WHEN u.id IS NOT NULL THEN u.actions END,"
    " COALESCE(n.sent, 0), COALESCE(n.resent, 0), COALESCE(n.escalated, 0),"
    " COALESCE(n.reappeared, 0), COALESCE(n.first_sent, 0), COALESCE(n.removed, 0)"
    " FROM reports r LEFT JOIN console_items i ON i.report_id = r.id"
    " LEFT JOIN url_routes u ON u.id = (SELECT MIN(x.id) FROM url_routes x"
    "   WHERE x.report_id = r.id)"
    " LEFT JOIN notices nf ON nf.report_id = r.id AND nf.url = u.url"
    " LEFT JOIN (SELECT report_id, SUM(first_sent_at > 0) AS sent,"
    "   SUM(CASE WHEN sent_count > 1 THEN sent_count - 1 ELSE 0 END) AS resent,"
    "   SUM(escalated_at > 0) AS escalated, SUM(reappeared_count) AS reappeared,"
    "   MIN(CASE WHEN first_sent_at > 0 THEN first_sent_at END) AS first_sent,"
    "   CASE WHEN SUM(first_sent_at > 0) > 0 AND SUM(first_sent_at > 0 AND removed_at = 0) = 0"
    "     THEN MAX(CASE WHEN first_sent_at > 0 THEN removed_at END) ELSE 0 END AS removed"
    "   FROM notices WHERE report_id IN"
    "     (SELECT id FROM reports WHERE created_at >= ?1 AND created_at < ?2)"
    "   GROUP BY report_id) n ON n.report_id = r.id"
    " WHERE r.created_at >= ?1 AND r.created_at < ?2 ORDER BY r.id";

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

/*
 * src/store/postgres/stats.c - one fact per report for statistics
 * (store/stats.h), read through a cursor: a year of reports is never held
 * whole.
 */
#include <stdlib.h>

#include "store/postgres/pg.h"
#include "store/stats.h"

/* The same facts as the SQLite backend's query (first look: the first
 * claim in the audit log; decided: the item's last change once final). */
static const char SQL_FACTS[] =
    "SELECT r.id, r.case_id, r.created_at,"
    " COALESCE((SELECT MIN(a.time) FROM audit a WHERE a.target = 'report:' || r.id"
    "   AND a.action = 'item.claim'), 0),"
    " CASE WHEN i.state IN ('confirmed', 'auto') THEN COALESCE(i.updated_at, 0) ELSE 0 END,"
    " (SELECT COUNT(*) FROM report_files f WHERE f.report_id = r.id),"
    " (SELECT COUNT(*) FROM report_files f WHERE f.report_id = r.id AND f.known = 1),"
    " (SELECT COUNT(*) FROM report_files f WHERE f.report_id = r.id AND f.known = 2),"
    " (SELECT COUNT(*) FROM report_files f WHERE f.report_id = r.id"
    "   AND f.content_type LIKE 'video/%'),"
    " (SELECT COUNT(*) FROM report_urls u WHERE u.report_id = r.id),"
    " EXISTS(SELECT 1 FROM reports p WHERE p.case_id = r.case_id AND p.id < r.id)::int,"
    " r.source, r.reporter_kind, r.category, r.language, r.country, i.state, i.legal,"
    " i.severity, i.age,"
    " NULLIF(u.country, ''),"
    " CASE WHEN u.hosting LIKE '[%' AND (u.hosting::jsonb -> 0 ->> 'asn') ~ '^[1-9][0-9]*$'"
    "   THEN 'AS' || (u.hosting::jsonb -> 0 ->> 'asn') END,"
    " COALESCE(NULLIF(nf.provider, ''), CASE WHEN u.hosting LIKE '[%'"
    "   THEN NULLIF(u.hosting::jsonb -> 0 ->> 'as_name', '') END),"
    " CASE WHEN u.id IS NOT NULL THEN u.actions END,"
    " COALESCE(n.sent, 0), COALESCE(n.resent, 0), COALESCE(n.escalated, 0),"
    " COALESCE(n.reappeared, 0), COALESCE(n.first_sent, 0), COALESCE(n.removed, 0)"
    " FROM reports r LEFT JOIN console_items i ON i.report_id = r.id"
    " LEFT JOIN url_routes u ON u.id = (SELECT MIN(x.id) FROM url_routes x"
    "   WHERE x.report_id = r.id)"
    " LEFT JOIN notices nf ON nf.report_id = r.id AND nf.url = u.url"
    " LEFT JOIN (SELECT report_id, COUNT(*) FILTER (WHERE first_sent_at > 0) AS sent,"
    "   SUM(GREATEST(sent_count - 1, 0)) AS resent,"
    "   COUNT(*) FILTER (WHERE escalated_at > 0) AS escalated,"
    "   SUM(reappeared_count) AS reappeared,"
    "   MIN(first_sent_at) FILTER (WHERE first_sent_at > 0) AS first_sent,"
    "   CASE WHEN COUNT(*) FILTER (WHERE first_sent_at > 0) > 0"
    "     AND COUNT(*) FILTER (WHERE first_sent_at > 0 AND removed_at = 0) = 0"
    "     THEN MAX(removed_at) FILTER (WHERE first_sent_at > 0) ELSE 0 END AS removed"
    "   FROM notices WHERE report_id IN"
    "     (SELECT id FROM reports WHERE created_at >= $1 AND created_at < $2)"
    "   GROUP BY report_id) n ON n.report_id = r.id"
    " WHERE r.created_at >= $1 AND r.created_at < $2 ORDER BY r.id";

typedef struct facts {
    vg_store_fact_fn fn;
    void *ctx;
} facts;

static const char *text_or_null(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

static vg_status fact_batch(const PGresult *res, void *ctx, vg_error *err)
{
    facts *f = ctx;
    for (int row = 0; row < PQntuples(res); row++) {
        vg_report_fact fact;
        int64_t *ints[] = {&fact.id,          &fact.case_id, &fact.created_at,
                           &fact.first_look_at, &fact.decided_at, &fact.files,
                           &fact.known_files, &fact.claimed_files, &fact.videos,
                           &fact.urls};
        for (int i = 0; i < 10; i++)
            *ints[i] = pg_int(res, row, i);
        fact.duplicate = (int)pg_int(res, row, 10);
        const char **texts[] = {&fact.source,   &fact.reporter_kind, &fact.category,
                                &fact.language, &fact.country,       &fact.state,
                                &fact.legal,    &fact.severity,      &fact.age,
                                &fact.host_country, &fact.asn,       &fact.provider,
                                &fact.route};
        for (int i = 0; i < 13; i++)
            *texts[i] = text_or_null(res, row, 11 + i);
        int64_t *actions[] = {&fact.notices,       &fact.renotices, &fact.escalations,
                              &fact.reappearances, &fact.notice_at, &fact.removed_at};
        for (int i = 0; i < 6; i++)
            *actions[i] = pg_int(res, row, 24 + i);
        if (f->fn(f->ctx, &fact))
            return vg_error_set(err, VG_ERR_ABORTED, "reading the reports' facts was stopped");
    }
    return VG_OK;
}

vg_status pg_report_facts(void *tx, int64_t from, int64_t to, vg_store_fact_fn fn, void *ctx,
                          vg_error *err)
{
    pg_args a = {0};
    pa_int(&a, from);
    pa_int(&a, to);
    facts f = {fn, ctx};
    return pg_each(tx, SQL_FACTS, &a, fact_batch, &f, "reading the reports' facts", err);
}

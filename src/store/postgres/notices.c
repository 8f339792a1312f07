/*
 * src/store/postgres/notices.c - notices to hosts and their history
 * (store/notices.h).
 */
#include <stdint.h>
#include <stdlib.h>

#include "store/postgres/pg.h"

static const char *or_empty(const char *s)
{
    return s ? s : "";
}

static const char SQL_NOTICE_TODO[] =
    "SELECT t.report_id, r.case_id, t.url, t.hosting FROM url_routes t"
    " JOIN reports r ON r.id = t.report_id"
    " WHERE strpos(',' || t.actions || ',', ',' || $1::text || ',') > 0"
    " AND t.state IN ('approved', 'automatic')"
    " AND NOT EXISTS (SELECT 1 FROM notices n WHERE n.report_id = t.report_id"
    "                 AND n.url = t.url)"
    " ORDER BY t.id LIMIT $2";

static void read_todo(const PGresult *res, int row, void *item)
{
    vg_notice_todo *t = item;
    t->report_id = pg_int(res, row, 0);
    t->case_id = pg_int(res, row, 1);
    t->url = pg_text(res, row, 2);
    t->hosting = pg_text(res, row, 3);
}

vg_status pg_notice_todo(void *tx, const char *action, size_t limit, vg_notice_todo **todo,
                         size_t *count, vg_error *err)
{
    pg_args a = {0};
    pa_text(&a, or_empty(action));
    pa_int(&a, limit > INT64_MAX ? INT64_MAX : (int64_t)limit);
    return pg_list(tx, SQL_NOTICE_TODO, &a, sizeof **todo, read_todo, (void **)todo, count,
                   "reading the routes to notify", err);
}

/* The fields an update replaces, in this order, after the identity. */
#define NOTICE_FIELDS                                                                             \
    "state, contact, language, provider, token_hash, material_sha256, material_pdq, confirmed,"  \
    " sent_count, first_sent_at, last_sent_at, acked_at, host_removed_at, removed_at,"           \
    " verified_at, escalated_at, reappeared_at, reappeared_count, next_check_at, last_check_at"

/* Two nodes making the same notice at once: the second finds the first's
 * row (the unique key waits for its commit) and inserts nothing. */
static const char SQL_NOTICE_INSERT[] =
    "INSERT INTO notices(report_id, case_id, url, created_at, " NOTICE_FIELDS ","
    " asn, as_name, host_country)"
    " VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,"
    " $19, $20, $21, $22, $23, $24, $25, $26, $27) ON CONFLICT(report_id, url) DO NOTHING"
    " RETURNING id";

static const char SQL_NOTICE_UPDATE[] =
    "UPDATE notices SET (" NOTICE_FIELDS ") = ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11,"
    " $12, $13, $14, $15, $16, $17, $18, $19, $20) WHERE id = $21";

static void bind_fields(pg_args *a, const vg_notice_row *r)
{
    const char *texts[] = {r->state,      r->contact,         r->language,    r->provider,
                           r->token_hash, r->material_sha256, r->material_pdq};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        pa_text(a, or_empty(texts[i]));
    const int64_t ints[] = {r->confirmed,       r->sent_count,    r->first_sent_at,
                            r->last_sent_at,    r->acked_at,      r->host_removed_at,
                            r->removed_at,      r->verified_at,   r->escalated_at,
                            r->reappeared_at,   r->reappeared_count, r->next_check_at,
                            r->last_check_at};
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++)
        pa_int(a, ints[i]);
}

vg_status pg_notice_put(void *tx, const vg_notice_row *row, int64_t *id, vg_error *err)
{
    *id = 0;
    pg_args a = {0};
    if (row->id > 0) {
        bind_fields(&a, row);
        pa_int(&a, row->id);
        int64_t changed = 0;
        vg_status st = pg_done(tx, SQL_NOTICE_UPDATE, &a, "keeping a notice", &changed, err);
        if (st != VG_OK)
            return st;
        if (!changed)
            return vg_error_set(err, VG_ERR_INVALID, "no notice %lld", (long long)row->id);
        *id = row->id;
        return VG_OK;
    }
    pa_int(&a, row->report_id);
    pa_int(&a, row->case_id);
    pa_text(&a, or_empty(row->url));
    pa_int(&a, row->created_at);
    bind_fields(&a, row);
    pa_int(&a, row->asn);
    pa_text(&a, or_empty(row->as_name));
    pa_text(&a, or_empty(row->host_country));
    PGresult *res = pg_run(tx, SQL_NOTICE_INSERT, &a, "keeping a notice", err);
    if (!res)
        return err ? err->status : VG_ERR_IO;
    int64_t made = PQntuples(res) ? pg_int(res, 0, 0) : 0;
    PQclear(res);
    if (!made)
        return vg_error_set(err, VG_ERR_INVALID, "this URL of report %lld has a notice already",
                            (long long)row->report_id);
    *id = made;
    return VG_OK;
}

static const char SQL_NOTICES[] =
    "SELECT id, report_id, case_id, url, created_at, " NOTICE_FIELDS ","
    " asn, as_name, host_country FROM notices"
    " WHERE ($1::bigint <= 0 OR id = $1) AND ($2::bigint <= 0 OR report_id = $2)"
    " AND ($3::bigint <= 0 OR case_id = $3)"
    " AND ($4::bigint <= 0 OR (next_check_at > 0 AND next_check_at <= $4))"
    " AND ($5::text IS NULL OR state = $5) AND ($6::text IS NULL OR token_hash = $6)"
    " AND ($7::text IS NULL OR material_sha256 = $7) AND ($9::text IS NULL OR provider = $9)"
    " AND ($10::bigint <= 0 OR asn = $10) AND ($11::bigint = 0 OR first_sent_at > 0)"
    " AND ($12::bigint = 0 OR (first_sent_at > 0 AND removed_at = 0))"
    " ORDER BY CASE WHEN $4::bigint > 0 THEN next_check_at ELSE -id END, id LIMIT $8";

static void read_notice(const PGresult *res, int row, void *item)
{
    vg_notice_row *r = item;
    r->id = pg_int(res, row, 0);
    r->report_id = pg_int(res, row, 1);
    r->case_id = pg_int(res, row, 2);
    r->url = pg_text(res, row, 3);
    r->created_at = pg_int(res, row, 4);
    char **texts[] = {&r->state,      &r->contact,         &r->language,    &r->provider,
                      &r->token_hash, &r->material_sha256, &r->material_pdq};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        *texts[i] = pg_text(res, row, 5 + (int)i);
    r->confirmed = (int)pg_int(res, row, 12);
    r->sent_count = (int)pg_int(res, row, 13);
    int64_t *times[] = {&r->first_sent_at, &r->last_sent_at, &r->acked_at,
                        &r->host_removed_at, &r->removed_at, &r->verified_at,
                        &r->escalated_at,  &r->reappeared_at};
    for (size_t i = 0; i < sizeof times / sizeof times[0]; i++)
        *times[i] = pg_int(res, row, 14 + (int)i);
    r->reappeared_count = (int)pg_int(res, row, 22);
    r->next_check_at = pg_int(res, row, 23);
    r->last_check_at = pg_int(res, row, 24);
    r->asn = pg_int(res, row, 25);
    r->as_name = pg_text(res, row, 26);
    r->host_country = pg_text(res, row, 27);
}

vg_status pg_notices(void *tx, const vg_notice_filter *f, size_t limit, vg_notice_row **rows,
                     size_t *count, vg_error *err)
{
    pg_args a = {0};
    pa_int(&a, f->id);
    pa_int(&a, f->report_id);
    pa_int(&a, f->case_id);
    pa_int(&a, f->due_at);
    pa_text(&a, f->state);
    pa_text(&a, f->token_hash);
    pa_text(&a, f->material_sha256);
    pa_int(&a, limit > INT64_MAX ? INT64_MAX : (int64_t)limit);
    pa_text(&a, f->provider);
    pa_int(&a, f->asn);
    pa_int(&a, f->sent != 0);
    pa_int(&a, f->still_up != 0);
    return pg_list(tx, SQL_NOTICES, &a, sizeof **rows, read_notice, (void **)rows, count,
                   "reading notices", err);
}

/* Only the columns the provider page counts: a notice row is ten times
 * wider, and there may be a million of them. */
static const char SQL_REMOVALS[] = "SELECT provider, asn, as_name, first_sent_at, removed_at"
                                   " FROM notices WHERE first_sent_at > 0";

typedef struct removals_ctx {
    vg_store_removal_fn fn;
    void *ctx;
} removals_ctx;

static vg_status removals_batch(const PGresult *res, void *ctx, vg_error *err)
{
    removals_ctx *r = ctx;
    for (int i = 0; i < PQntuples(res); i++) {
        vg_takedown_notice n = {PQgetvalue(res, i, 0), pg_int(res, i, 1), PQgetvalue(res, i, 2),
                                pg_int(res, i, 3), pg_int(res, i, 4)};
        if (r->fn(r->ctx, &n))
            return vg_error_set(err, VG_ERR_ABORTED, "reading the notices sent was stopped");
    }
    return VG_OK;
}

vg_status pg_notice_removals(void *tx, vg_store_removal_fn fn, void *ctx, vg_error *err)
{
    removals_ctx r = {fn, ctx};
    return pg_each(tx, SQL_REMOVALS, NULL, removals_batch, &r, "reading the notices sent", err);
}

static const char SQL_EVENT_ADD[] =
    "INSERT INTO notices_events(notice_id, at, kind, detail) VALUES($1, $2, $3, $4)";

vg_status pg_notice_event_add(void *tx, int64_t notice_id, int64_t at, const char *kind,
                              const char *detail, vg_error *err)
{
    pg_args a = {0};
    pa_int(&a, notice_id);
    pa_int(&a, at);
    pa_text(&a, or_empty(kind));
    pa_text(&a, detail && *detail ? detail : "{}");
    return pg_done(tx, SQL_EVENT_ADD, &a, "keeping a notice's history", NULL, err);
}

static const char SQL_EVENTS[] =
    "SELECT id, notice_id, at, kind, detail FROM notices_events WHERE notice_id = $1"
    " ORDER BY id LIMIT 10000";

static void read_event(const PGresult *res, int row, void *item)
{
    vg_notice_event *e = item;
    e->id = pg_int(res, row, 0);
    e->notice_id = pg_int(res, row, 1);
    e->at = pg_int(res, row, 2);
    e->kind = pg_text(res, row, 3);
    e->detail = pg_text(res, row, 4);
}

vg_status pg_notice_events(void *tx, int64_t notice_id, vg_notice_event **events, size_t *count,
                           vg_error *err)
{
    pg_args a = {0};
    pa_int(&a, notice_id);
    return pg_list(tx, SQL_EVENTS, &a, sizeof **events, read_event, (void **)events, count,
                   "reading a notice's history", err);
}

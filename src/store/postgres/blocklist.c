/*
 * src/store/postgres/blocklist.c - the blocking list, its version and its
 * appeals (store/blocklist.h).
 */
#include <stdint.h>
#include <stdlib.h>

#include "store/postgres/pg.h"

static const char *or_empty(const char *s)
{
    return s ? s : "";
}

static int64_t clamp(size_t limit)
{
    return limit > INT64_MAX ? INT64_MAX : (int64_t)limit;
}

/* The fields an update replaces, in this order, after the identity. */
#define BLOCK_FIELDS                                                                              \
    "approved_by, approved_at, legal_basis, category, starts_at, expires_at, review_at, state,"   \
    " removal_reason, removed_at, renewal_by, listed_version, removed_version"

/* A second proposal of a target proposed or listed meets the partial
 * unique index: nothing is inserted (and on two nodes at once, the second
 * waits for the first's commit and then inserts nothing). */
static const char SQL_BLOCK_INSERT[] =
    "INSERT INTO blocklist(target, kind, route_id, report_id, proposed_by, proposed_at, "
    BLOCK_FIELDS ") VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,"
    " $16, $17, $18, $19) ON CONFLICT DO NOTHING RETURNING id";

static const char SQL_BLOCK_UPDATE[] =
    "UPDATE blocklist SET (" BLOCK_FIELDS ") = ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11,"
    " $12, $13) WHERE id = $14";

static void bind_fields(pg_args *a, const vg_block_entry *e)
{
    pa_text(a, or_empty(e->approved_by));
    pa_int(a, e->approved_at);
    pa_text(a, or_empty(e->legal_basis));
    pa_text(a, or_empty(e->category));
    pa_int(a, e->starts_at);
    pa_int(a, e->expires_at);
    pa_int(a, e->review_at);
    pa_text(a, or_empty(e->state));
    pa_text(a, or_empty(e->removal_reason));
    pa_int(a, e->removed_at);
    pa_text(a, or_empty(e->renewal_by));
    pa_int(a, e->listed_version);
    pa_int(a, e->removed_version);
}

vg_status pg_block_put(void *tx, const vg_block_entry *e, int64_t *id, vg_error *err)
{
    *id = 0;
    pg_args a = {0};
    if (e->id > 0) {
        bind_fields(&a, e);
        pa_int(&a, e->id);
        int64_t changed = 0;
        vg_status st = pg_done(tx, SQL_BLOCK_UPDATE, &a, "keeping a blocking entry", &changed,
                               err);
        if (st != VG_OK)
            return st;
        if (!changed)
            return vg_error_set(err, VG_ERR_INVALID, "no blocking entry %lld", (long long)e->id);
        *id = e->id;
        return VG_OK;
    }
    pa_text(&a, or_empty(e->target));
    pa_text(&a, or_empty(e->kind));
    pa_int(&a, e->route_id);
    pa_int(&a, e->report_id);
    pa_text(&a, or_empty(e->proposed_by));
    pa_int(&a, e->proposed_at);
    bind_fields(&a, e);
    PGresult *res = pg_run(tx, SQL_BLOCK_INSERT, &a, "keeping a blocking entry", err);
    if (!res)
        return err ? err->status : VG_ERR_IO;
    int64_t made = PQntuples(res) ? pg_int(res, 0, 0) : 0;
    PQclear(res);
    if (!made)
        return vg_error_set(err, VG_ERR_INVALID,
                            "this URL or domain is already proposed or listed");
    *id = made;
    return VG_OK;
}

static const char SQL_BLOCKS[] =
    "SELECT id, target, kind, route_id, report_id, proposed_by, proposed_at, " BLOCK_FIELDS
    " FROM blocklist"
    " WHERE ($1::bigint <= 0 OR id = $1) AND ($2::bigint <= 0 OR report_id = $2)"
    " AND ($3::bigint <= 0 OR route_id = $3)"
    " AND ($4::text IS NULL OR state = $4) AND ($5::text IS NULL OR kind = $5)"
    " AND ($6::text IS NULL OR target = $6)"
    " AND ($7::bigint <= 0 OR (state = 'listed' AND expires_at <= $7))"
    " AND ($8::bigint <= 0 OR (listed_version > 0 AND listed_version <= $8"
    "                          AND (removed_version = 0 OR removed_version > $8)))"
    " AND ($10::text IS NULL OR legal_basis = $10)"
    " ORDER BY CASE WHEN $7::bigint > 0 THEN expires_at WHEN $8::bigint > 0 THEN id"
    " ELSE -id END, id LIMIT $9 OFFSET greatest($11::bigint, 0)";

static void read_entry(const PGresult *res, int row, void *item)
{
    vg_block_entry *e = item;
    e->id = pg_int(res, row, 0);
    e->target = pg_text(res, row, 1);
    e->kind = pg_text(res, row, 2);
    e->route_id = pg_int(res, row, 3);
    e->report_id = pg_int(res, row, 4);
    e->proposed_by = pg_text(res, row, 5);
    e->proposed_at = pg_int(res, row, 6);
    e->approved_by = pg_text(res, row, 7);
    e->approved_at = pg_int(res, row, 8);
    e->legal_basis = pg_text(res, row, 9);
    e->category = pg_text(res, row, 10);
    e->starts_at = pg_int(res, row, 11);
    e->expires_at = pg_int(res, row, 12);
    e->review_at = pg_int(res, row, 13);
    e->state = pg_text(res, row, 14);
    e->removal_reason = pg_text(res, row, 15);
    e->removed_at = pg_int(res, row, 16);
    e->renewal_by = pg_text(res, row, 17);
    e->listed_version = pg_int(res, row, 18);
    e->removed_version = pg_int(res, row, 19);
}

vg_status pg_blocks(void *tx, const vg_block_filter *f, size_t limit, vg_block_entry **rows,
                    size_t *count, vg_error *err)
{
    pg_args a = {0};
    pa_int(&a, f->id);
    pa_int(&a, f->report_id);
    pa_int(&a, f->route_id);
    pa_text(&a, f->state);
    pa_text(&a, f->kind);
    pa_text(&a, f->target);
    pa_int(&a, f->expires_before);
    pa_int(&a, f->at_version);
    pa_int(&a, clamp(limit));
    pa_text(&a, f->legal_basis);
    pa_int(&a, f->offset);
    return pg_list(tx, SQL_BLOCKS, &a, sizeof **rows, read_entry, (void **)rows, count,
                   "reading the blocking list", err);
}

static vg_status one_version(void *tx, const char *sql, int64_t *version, vg_error *err)
{
    pg_args a = {0};
    PGresult *res = pg_run(tx, sql, &a, "reading the blocking list's version", err);
    if (!res)
        return err ? err->status : VG_ERR_IO;
    *version = PQntuples(res) ? pg_int(res, 0, 0) : 0;
    PQclear(res);
    return VG_OK;
}

vg_status pg_blocklist_version(void *tx, int64_t *version, vg_error *err)
{
    return one_version(tx, "SELECT version FROM blocklist_version WHERE id = 1", version, err);
}

/* The row lock taken by the update serialises two nodes' changes: each
 * version is given once. */
vg_status pg_blocklist_version_next(void *tx, int64_t *version, vg_error *err)
{
    return one_version(tx,
                       "UPDATE blocklist_version SET version = version + 1 WHERE id = 1"
                       " RETURNING version",
                       version, err);
}

#define APPEAL_FIELDS "entry_id, state, decided_by, decided_at, decision"

static const char SQL_APPEAL_INSERT[] =
    "INSERT INTO blocklist_appeals(url, reason, contact, created_at, " APPEAL_FIELDS ")"
    " VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id";

static const char SQL_APPEAL_UPDATE[] =
    "UPDATE blocklist_appeals SET (" APPEAL_FIELDS ") = ($1, $2, $3, $4, $5) WHERE id = $6";

static void bind_appeal(pg_args *a, const vg_block_appeal *x)
{
    pa_int(a, x->entry_id);
    pa_text(a, or_empty(x->state));
    pa_text(a, or_empty(x->decided_by));
    pa_int(a, x->decided_at);
    pa_text(a, or_empty(x->decision));
}

vg_status pg_appeal_put(void *tx, const vg_block_appeal *x, int64_t *id, vg_error *err)
{
    *id = 0;
    pg_args a = {0};
    if (x->id > 0) {
        bind_appeal(&a, x);
        pa_int(&a, x->id);
        int64_t changed = 0;
        vg_status st = pg_done(tx, SQL_APPEAL_UPDATE, &a, "keeping an appeal", &changed, err);
        if (st != VG_OK)
            return st;
        if (!changed)
            return vg_error_set(err, VG_ERR_INVALID, "no appeal %lld", (long long)x->id);
        *id = x->id;
        return VG_OK;
    }
    pa_text(&a, or_empty(x->url));
    pa_text(&a, or_empty(x->reason));
    pa_text(&a, or_empty(x->contact));
    pa_int(&a, x->created_at);
    bind_appeal(&a, x);
    PGresult *res = pg_run(tx, SQL_APPEAL_INSERT, &a, "keeping an appeal", err);
    if (!res)
        return err ? err->status : VG_ERR_IO;
    *id = PQntuples(res) ? pg_int(res, 0, 0) : 0;
    PQclear(res);
    return VG_OK;
}

static const char SQL_APPEALS[] =
    "SELECT id, url, reason, contact, created_at, " APPEAL_FIELDS " FROM blocklist_appeals"
    " WHERE ($1::bigint <= 0 OR id = $1) AND ($2::bigint <= 0 OR entry_id = $2)"
    " AND ($3::text IS NULL OR state = $3) ORDER BY id LIMIT $4";

static void read_appeal(const PGresult *res, int row, void *item)
{
    vg_block_appeal *x = item;
    x->id = pg_int(res, row, 0);
    x->url = pg_text(res, row, 1);
    x->reason = pg_text(res, row, 2);
    x->contact = pg_text(res, row, 3);
    x->created_at = pg_int(res, row, 4);
    x->entry_id = pg_int(res, row, 5);
    x->state = pg_text(res, row, 6);
    x->decided_by = pg_text(res, row, 7);
    x->decided_at = pg_int(res, row, 8);
    x->decision = pg_text(res, row, 9);
}

vg_status pg_appeals(void *tx, int64_t id, int64_t entry_id, const char *state, size_t limit,
                     vg_block_appeal **rows, size_t *count, vg_error *err)
{
    pg_args a = {0};
    pa_int(&a, id);
    pa_int(&a, entry_id);
    pa_text(&a, state);
    pa_int(&a, clamp(limit));
    return pg_list(tx, SQL_APPEALS, &a, sizeof **rows, read_appeal, (void **)rows, count,
                   "reading appeals", err);
}

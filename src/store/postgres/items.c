/*
 * src/store/postgres/items.c - the console's items, the organisation's
 * bank, and the views of files and URLs (store/items.h).
 *
 * An item is a report joined with its row of console_items (absent until
 * someone or something touches it: then it reads as open at version 0).
 * In a write transaction, reading an item first locks its report's row
 * until the commit: two analysts claiming one item on two nodes at once
 * are served one after the other, and the second reads the first's claim.
 */
#include <stdlib.h>
#include <string.h>

#include "store/postgres/pg.h"

#define HELD "f.vault_id IS NOT NULL"
#define FINISHED "('confirmed', 'auto')"

#define ITEM_COLUMNS                                                                               \
    "r.id, r.case_id, r.created_at, COALESCE(r.api_key_id, 0), r.receipt_code, r.source,"          \
    " r.category, r.status, r.platform, r.account, r.description, r.reporter_kind,"                \
    " r.language, r.country, r.contact, r.occurred_at,"                                            \
    " (SELECT COUNT(*) FROM report_files f WHERE f.report_id = r.id),"                             \
    " (SELECT COUNT(*) FROM report_files f WHERE f.report_id = r.id AND f.known = 1),"             \
    " (SELECT COUNT(*) FROM report_files f WHERE f.report_id = r.id AND f.known = 2),"             \
    " (SELECT COUNT(*) FROM report_files f JOIN console_bank b ON b.sha256 = f.sha256"             \
    "   WHERE f.report_id = r.id AND " HELD "),"                                                   \
    " (SELECT COUNT(*) FROM report_urls u WHERE u.report_id = r.id),"                              \
    " COALESCE(i.state, 'open'), i.claimed_by, i.first_by, i.second_by, i.decided_by,"             \
    " COALESCE(i.version, 0), COALESCE(i.claimed_at, 0), COALESCE(i.updated_at, 0),"               \
    " i.first_json, i.second_json, i.final_json, i.first_key, i.legal, i.severity, i.age,"         \
    " (SELECT string_agg(b.legal || '|' || COALESCE(b.severity, '') || '|' ||"                     \
    "   COALESCE(b.age, ''), ';') FROM report_files f JOIN console_bank b"                         \
    "   ON b.sha256 = f.sha256 WHERE f.report_id = r.id AND " HELD "),"                            \
    " r.content_key, COALESCE((SELECT k.trust FROM api_keys k WHERE k.id = r.api_key_id), 0),"     \
    " COALESCE(i.decided_from, 0), r.extra_json, r.danger"                                        \
    " FROM reports r LEFT JOIN console_items i ON i.report_id = r.id"

static void read_item(const PGresult *res, int row, void *item)
{
    vg_item *it = item;
    int c = 0;
    it->report_id = pg_int(res, row, c++);
    it->case_id = pg_int(res, row, c++);
    it->created_at = pg_int(res, row, c++);
    it->api_key_id = pg_int(res, row, c++);
    char **texts1[] = {&it->receipt_code, &it->source,  &it->category,    &it->status,
                       &it->platform,     &it->account, &it->description, &it->reporter_kind,
                       &it->language,     &it->country, &it->contact,     &it->occurred_at};
    for (size_t i = 0; i < sizeof texts1 / sizeof texts1[0]; i++)
        *texts1[i] = pg_text(res, row, c++);
    int64_t *counts[] = {&it->files, &it->files_known, &it->files_claimed, &it->files_own_bank,
                         &it->urls};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++)
        *counts[i] = pg_int(res, row, c++);
    char **texts2[] = {&it->state, &it->claimed_by, &it->first_by, &it->second_by, &it->decided_by};
    for (size_t i = 0; i < sizeof texts2 / sizeof texts2[0]; i++)
        *texts2[i] = pg_text(res, row, c++);
    it->version = pg_int(res, row, c++);
    it->claimed_at = pg_int(res, row, c++);
    it->updated_at = pg_int(res, row, c++);
    char **texts3[] = {&it->first_json, &it->second_json,  &it->final_json,
                       &it->first_key,  &it->legal,        &it->severity,
                       &it->age,        &it->bank_classes, &it->content_key};
    for (size_t i = 0; i < sizeof texts3 / sizeof texts3[0]; i++)
        *texts3[i] = pg_text(res, row, c++);
    it->source_trust = pg_int(res, row, c++);
    it->decided_from = pg_int(res, row, c++);
    it->extra_json = pg_text(res, row, c++);
    it->danger = pg_int(res, row, c++);
}

static const char SQL_ITEM_LOCK[] = "SELECT 1 FROM reports WHERE id = $1 FOR NO KEY UPDATE";
static const char SQL_ITEM[] = "SELECT " ITEM_COLUMNS " WHERE r.id = $1";
static const char SQL_ITEMS_OPEN[] =
    "SELECT " ITEM_COLUMNS " WHERE COALESCE(i.state, 'open') NOT IN " FINISHED
    " ORDER BY r.id LIMIT $1";
static const char SQL_ITEMS_DONE[] = "SELECT " ITEM_COLUMNS " WHERE i.state IN " FINISHED
                                     " ORDER BY i.updated_at DESC, r.id DESC LIMIT $1";
static const char SQL_ITEMS_OF_CASE[] =
    "SELECT " ITEM_COLUMNS " WHERE r.case_id = $1 ORDER BY r.id LIMIT 1000";

vg_status pg_item_get(void *tx, int64_t report_id, vg_item *item, int *found, vg_error *err)
{
    pg_conn *c = tx;
    *found = 0;
    memset(item, 0, sizeof *item);
    pg_args a = {0};
    pa_int(&a, report_id);
    /* Locked first, read after: at READ COMMITTED the read is a statement
     * of its own, with a snapshot taken once the lock is held (the lock is
     * queued: it travels with the read, and the server runs it first). */
    vg_status st = c->writable ? pg_queue(c, SQL_ITEM_LOCK, &a, "locking an item", err) : VG_OK;
    if (st != VG_OK)
        return st;
    PGresult *res = pg_run(c, SQL_ITEM, &a, "reading an item", err);
    if (!res)
        return err ? err->status : VG_ERR_IO;
    if (PQntuples(res)) {
        read_item(res, 0, item);
        *found = 1;
    }
    PQclear(res);
    return VG_OK;
}

static vg_status items(pg_conn *c, const char *sql, int64_t arg, vg_item **out, size_t *count,
                       const char *what, vg_error *err)
{
    pg_args a = {0};
    pa_int(&a, arg);
    return pg_list(c, sql, &a, sizeof **out, read_item, (void **)out, count, what, err);
}

vg_status pg_items_open(void *tx, size_t limit, vg_item **out, size_t *count, vg_error *err)
{
    return items(tx, SQL_ITEMS_OPEN, (int64_t)limit, out, count, "reading the queue", err);
}

vg_status pg_items_done(void *tx, size_t limit, vg_item **out, size_t *count, vg_error *err)
{
    return items(tx, SQL_ITEMS_DONE, (int64_t)limit, out, count, "reading the assessed items",
                 err);
}

vg_status pg_items_of_case(void *tx, int64_t case_id, vg_item **out, size_t *count,
                           vg_error *err)
{
    return items(tx, SQL_ITEMS_OF_CASE, case_id, out, count, "reading a case", err);
}

static const char SQL_ITEM_PUT[] =
    "INSERT INTO console_items(report_id, version, state, claimed_by, claimed_at, first_by,"
    " first_json, first_key, second_by, second_json, decided_by, final_json, legal, severity,"
    " age, updated_at, decided_from)"
    " VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17)"
    " ON CONFLICT(report_id) DO UPDATE SET version = excluded.version, state = excluded.state,"
    " claimed_by = excluded.claimed_by, claimed_at = excluded.claimed_at,"
    " first_by = excluded.first_by, first_json = excluded.first_json,"
    " first_key = excluded.first_key, second_by = excluded.second_by,"
    " second_json = excluded.second_json, decided_by = excluded.decided_by,"
    " final_json = excluded.final_json, legal = excluded.legal, severity = excluded.severity,"
    " age = excluded.age, updated_at = excluded.updated_at, decided_from = excluded.decided_from";

vg_status pg_item_put(void *tx, const vg_item *it, int64_t now, vg_error *err)
{
    pg_args a = {0};
    pa_int(&a, it->report_id);
    pa_int(&a, it->version);
    pa_text(&a, it->state);
    pa_text(&a, it->claimed_by);
    if (it->claimed_by)
        pa_int(&a, it->claimed_at);
    else
        pa_text(&a, NULL);
    const char *texts[] = {it->first_by,    it->first_json, it->first_key,  it->second_by,
                           it->second_json, it->decided_by, it->final_json, it->legal,
                           it->severity,    it->age};
    for (int i = 0; i < 10; i++)
        pa_text(&a, texts[i]);
    pa_int(&a, now);
    if (it->decided_from)
        pa_int(&a, it->decided_from);
    else
        pa_text(&a, NULL);
    return pg_queue(tx, SQL_ITEM_PUT, &a, "recording an assessment", err);
}

static const char SQL_IDS_OPEN[] =
    "SELECT r.id FROM reports r LEFT JOIN console_items i ON i.report_id = r.id"
    " WHERE COALESCE(i.state, 'open') = 'open' AND i.claimed_by IS NULL ORDER BY r.id LIMIT $1";
static const char SQL_IDS_SHARING[] =
    "SELECT DISTINCT g.report_id FROM report_files g WHERE g.sha256 IN (SELECT sha256 FROM"
    " report_files WHERE report_id = $1 AND sha256 IS NOT NULL) AND g.report_id <> $1"
    " ORDER BY g.report_id";
static const char SQL_IDS_SAME_CONTENT[] =
    "SELECT r2.id FROM reports r JOIN reports r2 ON r2.case_id = r.case_id AND"
    " r2.content_key = r.content_key WHERE r.id = $1 AND r2.id <> $1 ORDER BY r2.id";

/* For each of the report's few URLs, the reports that share it, through
 * the canonical index. OFFSET 0 keeps the lateral subquery a loop over
 * that index: flattened into a join, a table without statistics yet was
 * planned as a hash join over a scan of every URL (0.65 ms a report at
 * 8,000 reports, bench/server/README.md). */
static const char SQL_IDS_SHARING_URLS[] =
    "SELECT DISTINCT g.report_id FROM report_urls s, LATERAL (SELECT report_id FROM report_urls"
    " WHERE canonical = s.canonical OFFSET 0) g WHERE s.report_id = $1 AND g.report_id <> $1"
    " ORDER BY g.report_id";
static const char SQL_IDS_DECIDED_FROM[] =
    "SELECT report_id FROM console_items WHERE decided_from = $1 ORDER BY report_id";
static const char SQL_IDS_FIND[] =
    "SELECT id FROM reports WHERE receipt_code = $1"
    " UNION SELECT report_id FROM report_urls WHERE canonical = $2 OR url = $2"
    " UNION SELECT report_id FROM report_files WHERE sha256 = $3 OR md5 = $3 OR sha1 = $3"
    "   OR pdq = $3"
    " ORDER BY 1 DESC LIMIT $4";
static const char SQL_ITEM_COUNTS[] =
    "SELECT COALESCE(i.state, 'open'), COUNT(*) FROM reports r"
    " LEFT JOIN console_items i ON i.report_id = r.id GROUP BY 1";

static vg_status ids(pg_conn *c, const char *sql, int64_t arg, int64_t *out, size_t max,
                     size_t *count, const char *what, vg_error *err)
{
    pg_args a = {0};
    pa_int(&a, arg);
    return pg_ids(c, sql, &a, out, max, count, what, err);
}

vg_status pg_item_ids_open(void *tx, int64_t *out, size_t max, size_t *count, vg_error *err)
{
    return ids(tx, SQL_IDS_OPEN, (int64_t)max, out, max, count, "reading open items", err);
}

vg_status pg_item_ids_sharing_files(void *tx, int64_t report_id, int64_t *out, size_t max,
                                    size_t *count, vg_error *err)
{
    return ids(tx, SQL_IDS_SHARING, report_id, out, max, count, "reading shared files", err);
}

vg_status pg_item_ids_same_content(void *tx, int64_t report_id, int64_t *out, size_t max,
                                   size_t *count, vg_error *err)
{
    return ids(tx, SQL_IDS_SAME_CONTENT, report_id, out, max, count, "reading copies", err);
}

vg_status pg_item_ids_sharing_urls(void *tx, int64_t report_id, int64_t *out, size_t max,
                                   size_t *count, vg_error *err)
{
    return ids(tx, SQL_IDS_SHARING_URLS, report_id, out, max, count, "reading shared URLs", err);
}

vg_status pg_item_ids_decided_from(void *tx, int64_t report_id, int64_t *out, size_t max,
                                   size_t *count, vg_error *err)
{
    return ids(tx, SQL_IDS_DECIDED_FROM, report_id, out, max, count,
               "reading inherited decisions", err);
}

vg_status pg_item_ids_find(void *tx, const char *receipt, const char *url, const char *digest,
                           int64_t *out, size_t max, size_t *count, vg_error *err)
{
    pg_args a = {0};
    pa_text(&a, receipt);
    pa_text(&a, url);
    pa_text(&a, digest);
    pa_int(&a, max > INT64_MAX ? INT64_MAX : (int64_t)max);
    return pg_ids(tx, SQL_IDS_FIND, &a, out, max, count, "searching reports", err);
}

vg_status pg_item_counts(void *tx, vg_item_counts *counts, vg_error *err)
{
    memset(counts, 0, sizeof *counts);
    PGresult *res = pg_run(tx, SQL_ITEM_COUNTS, NULL, "counting items", err);
    if (!res)
        return err ? err->status : VG_ERR_IO;
    for (int i = 0; i < PQntuples(res); i++) {
        const char *state = PQgetvalue(res, i, 0);
        int64_t *into = !strcmp(state, VG_ITEM_SECOND)      ? &counts->second
                        : !strcmp(state, VG_ITEM_DISPUTED)  ? &counts->disputed
                        : !strcmp(state, VG_ITEM_CONFIRMED) ? &counts->confirmed
                        : !strcmp(state, VG_ITEM_AUTO)      ? &counts->automatic
                                                            : &counts->open;
        *into += pg_int(res, i, 1);
    }
    PQclear(res);
    return VG_OK;
}

/* ---- files, URLs, the bank ------------------------------------------------ */

#define FILE_COLUMNS                                                                               \
    "SELECT f.id, f.report_id, r.case_id, COALESCE(f.size, 0), f.vault_id, f.filename,"            \
    " f.content_type, f.md5, f.sha1, f.sha256, f.pdq, f.bank, f.bank_entry, f.known,"              \
    " COALESCE(f.distance, 0), b.legal, b.severity, b.age, f.video_match, f.match_signal"          \
    " FROM report_files f"                                                                         \
    " JOIN reports r ON r.id = f.report_id"                                                        \
    " LEFT JOIN console_bank b ON b.sha256 = f.sha256 AND " HELD

static const char SQL_FILES_OF_REPORT[] =
    FILE_COLUMNS " WHERE f.report_id = $1 ORDER BY f.id LIMIT 10000";
static const char SQL_FILES_OF_CASE[] =
    FILE_COLUMNS " WHERE r.case_id = $1 ORDER BY f.id LIMIT 10000";
static const char SQL_FILE[] = FILE_COLUMNS " WHERE f.id = $1";

static void read_file(const PGresult *res, int row, void *item)
{
    vg_item_file *f = item;
    f->id = pg_int(res, row, 0);
    f->report_id = pg_int(res, row, 1);
    f->case_id = pg_int(res, row, 2);
    f->size = pg_int(res, row, 3);
    char **texts[] = {&f->vault_id, &f->filename, &f->content_type, &f->md5,       &f->sha1,
                      &f->sha256,   &f->pdq,      &f->bank,         &f->bank_entry};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        *texts[i] = pg_text(res, row, 4 + (int)i);
    f->known = pg_int(res, row, 13);
    f->distance = pg_int(res, row, 14);
    f->own_legal = pg_text(res, row, 15);
    f->own_severity = pg_text(res, row, 16);
    f->own_age = pg_text(res, row, 17);
    f->video_match = pg_text(res, row, 18);
    f->match_signal = pg_text(res, row, 19);
}

vg_status pg_files(void *tx, int64_t report_id, int64_t case_id, vg_item_file **files,
                   size_t *count, vg_error *err)
{
    pg_args a = {0};
    pa_int(&a, report_id > 0 ? report_id : case_id);
    return pg_list(tx, report_id > 0 ? SQL_FILES_OF_REPORT : SQL_FILES_OF_CASE, &a,
                   sizeof **files, read_file, (void **)files, count, "reading files", err);
}

vg_status pg_file_get(void *tx, int64_t file_id, vg_item_file *file, int *found, vg_error *err)
{
    *found = 0;
    memset(file, 0, sizeof *file);
    pg_args a = {0};
    pa_int(&a, file_id);
    PGresult *res = pg_run(tx, SQL_FILE, &a, "reading a file", err);
    if (!res)
        return err ? err->status : VG_ERR_IO;
    if (PQntuples(res)) {
        read_file(res, 0, file);
        *found = 1;
    }
    PQclear(res);
    return VG_OK;
}

static const char SQL_CASE_URLS[] =
    "SELECT u.report_id, u.url, u.canonical FROM report_urls u"
    " JOIN reports r ON r.id = u.report_id WHERE r.case_id = $1 ORDER BY u.id LIMIT 10000";

static void read_url(const PGresult *res, int row, void *item)
{
    vg_item_url *u = item;
    u->report_id = pg_int(res, row, 0);
    u->url = pg_text(res, row, 1);
    u->canonical = pg_text(res, row, 2);
}

vg_status pg_case_urls(void *tx, int64_t case_id, vg_item_url **urls, size_t *count,
                       vg_error *err)
{
    pg_args a = {0};
    pa_int(&a, case_id);
    return pg_list(tx, SQL_CASE_URLS, &a, sizeof **urls, read_url, (void **)urls, count,
                   "reading URLs", err);
}

static const char SQL_PDQS_ELSEWHERE[] =
    "SELECT r.case_id, f.pdq FROM report_files f JOIN reports r ON r.id = f.report_id"
    " WHERE f.pdq IS NOT NULL AND r.case_id <> $1::bigint ORDER BY f.id DESC LIMIT 100000";

typedef struct elsewhere_ctx {
    vg_store_case_pdq_fn fn;
    void *ctx;
} elsewhere_ctx;

static vg_status elsewhere_batch(const PGresult *res, void *ctx, vg_error *err)
{
    elsewhere_ctx *e = ctx;
    for (int i = 0; i < PQntuples(res); i++)
        if (e->fn(e->ctx, pg_int(res, i, 0), PQgetvalue(res, i, 1)))
            return vg_error_set(err, VG_ERR_ABORTED, "reading PDQ hashes was stopped");
    return VG_OK;
}

vg_status pg_pdqs_elsewhere(void *tx, int64_t case_id, vg_store_case_pdq_fn fn, void *ctx,
                            vg_error *err)
{
    pg_args a = {0};
    pa_int(&a, case_id);
    elsewhere_ctx e = {fn, ctx};
    return pg_each(tx, SQL_PDQS_ELSEWHERE, &a, elsewhere_batch, &e, "reading PDQ hashes", err);
}

static const char SQL_BANK_PUT[] =
    "INSERT INTO console_bank(sha256, pdq, legal, severity, age, report_id, added_at)"
    " VALUES($1, $2, $3, $4, $5, $6, $7) ON CONFLICT(sha256) DO NOTHING";

vg_status pg_bank_put(void *tx, const char *sha256, const char *pdq, const vg_verdict *v,
                      int64_t report_id, int64_t now, vg_error *err)
{
    pg_args a = {0};
    pa_text(&a, sha256);
    pa_text(&a, pdq);
    pa_text(&a, v->legal);
    pa_text(&a, v->severity ? v->severity : "");
    pa_text(&a, v->age ? v->age : "");
    pa_int(&a, report_id);
    pa_int(&a, now);
    return pg_done(tx, SQL_BANK_PUT, &a, "adding to the organisation's bank", NULL, err);
}

static const char SQL_BANK_REMOVE_REPORT[] = "DELETE FROM console_bank WHERE report_id = $1";
static const char SQL_BANK_COUNT[] = "SELECT COUNT(*) FROM console_bank";
/* ctid: PostgreSQL has no rowid; among entries added in the same second
 * the order is then the table's, as good a tie-break as SQLite's. */
#define BANK_COLUMNS                                                                               \
    "SELECT sha256, pdq, legal, severity, age, report_id, added_at FROM console_bank"
static const char SQL_BANK_ONE[] = BANK_COLUMNS " WHERE sha256 = $1";
static const char SQL_BANK_NEWEST[] = BANK_COLUMNS " ORDER BY added_at DESC, ctid DESC LIMIT $1";

vg_status pg_bank_remove_report(void *tx, int64_t report_id, int64_t *removed, vg_error *err)
{
    pg_args a = {0};
    pa_int(&a, report_id);
    *removed = 0;
    return pg_done(tx, SQL_BANK_REMOVE_REPORT, &a, "removing from the organisation's bank",
                   removed, err);
}

vg_status pg_bank_count(void *tx, int64_t *count, vg_error *err)
{
    *count = 0;
    PGresult *res = pg_run(tx, SQL_BANK_COUNT, NULL, "counting the bank", err);
    if (!res)
        return err ? err->status : VG_ERR_IO;
    *count = pg_int(res, 0, 0);
    PQclear(res);
    return VG_OK;
}

static void read_own(const PGresult *res, int row, void *item)
{
    vg_own_entry *e = item;
    char **texts[] = {&e->sha256, &e->pdq, &e->legal, &e->severity, &e->age};
    for (int i = 0; i < 5; i++)
        *texts[i] = pg_text(res, row, i);
    e->report_id = pg_int(res, row, 5);
    e->added_at = pg_int(res, row, 6);
}

vg_status pg_bank_entries(void *tx, const char *sha256, size_t limit, vg_own_entry **rows,
                          size_t *count, vg_error *err)
{
    *rows = NULL;
    *count = 0;
    pg_args a = {0};
    if (!sha256) {
        pa_int(&a, limit > INT64_MAX ? INT64_MAX : (int64_t)limit);
        return pg_list(tx, SQL_BANK_NEWEST, &a, sizeof **rows, read_own, (void **)rows, count,
                       "reading the organisation's bank", err);
    }
    if (!limit)
        return VG_OK;
    pa_text(&a, sha256);
    return pg_list(tx, SQL_BANK_ONE, &a, sizeof **rows, read_own, (void **)rows, count,
                   "reading the organisation's bank", err);
}

/* ---- a withdrawn bank entry ------------------------------------------------ */

static const char SQL_UNMATCH[] =
    "WITH hit AS (UPDATE report_files SET known = 0, bank = NULL, bank_entry = NULL,"
    " distance = NULL, match_signal = NULL WHERE bank = $1 AND bank_entry = $2"
    " RETURNING report_id)"
    " SELECT DISTINCT report_id FROM hit ORDER BY report_id";

vg_status pg_files_unmatch(void *tx, const char *bank, const char *entry_id,
                           int64_t **report_ids, size_t *count, vg_error *err)
{
    *report_ids = NULL;
    *count = 0;
    pg_args a = {0};
    pa_text(&a, bank);
    pa_text(&a, entry_id);
    PGresult *res = pg_run(tx, SQL_UNMATCH, &a, "forgetting a withdrawn bank entry's matches", err);
    if (!res)
        return err ? err->status : VG_ERR_IO;
    int n = PQntuples(res);
    if (n > 0 && !(*report_ids = malloc((size_t)n * sizeof **report_ids))) {
        PQclear(res);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    for (int i = 0; i < n; i++)
        (*report_ids)[(*count)++] = pg_int(res, i, 0);
    PQclear(res);
    return VG_OK;
}

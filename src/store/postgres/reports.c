/*
 * src/store/postgres/reports.c - reports, their URLs and files, cases and
 * idempotency keys (store/reports.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/postgres/pg.h"

/* ---- idempotency keys ---------------------------------------------------- */

static const char SQL_IDEM_GET[] = "SELECT report_id, response, request_hash FROM "
                                   "idempotency_keys WHERE api_key_id = $1 AND key = $2";
static const char SQL_IDEM_PUT[] =
    "INSERT INTO idempotency_keys(api_key_id, key, report_id, response, created_at, "
    "request_hash) VALUES($1, $2, $3, $4, $5, $6)";
static const char SQL_IDEM_PRUNE[] = "DELETE FROM idempotency_keys WHERE created_at < $1";

/* In a write transaction the key is locked first, whether it exists or
 * not: the same request sent to two nodes at once is written by the first
 * and answered as a repeat by the second, which waits for it. */
vg_status pg_idempotency_get(void *tx, int64_t api_key_id, const char *key, int *found,
                             int64_t *report_id, char **response, char **request_hash,
                             vg_error *err)
{
    *found = 0;
    *report_id = 0;
    *response = *request_hash = NULL;
    char lock[600];
    snprintf(lock, sizeof lock, "%" PRId64 ":%.500s", api_key_id, key ? key : "");
    vg_status st = pg_lock_key(tx, PG_LOCK_IDEMPOTENCY, lock, err);
    if (st != VG_OK)
        return st;
    pg_args a = {0};
    pa_int(&a, api_key_id);
    pa_text(&a, key);
    PGresult *res = pg_run(tx, SQL_IDEM_GET, &a, "reading an idempotency key", err);
    if (!res)
        return err ? err->status : VG_ERR_IO;
    if (PQntuples(res)) {
        *found = 1;
        *report_id = pg_int(res, 0, 0);
        *response = pg_text(res, 0, 1);
        *request_hash = pg_text(res, 0, 2);
    }
    PQclear(res);
    return VG_OK;
}

vg_status pg_idempotency_put(void *tx, int64_t api_key_id, const vg_idempotency *idem,
                             int64_t report_id, int64_t now, vg_error *err)
{
    pg_args a = {0};
    pa_int(&a, api_key_id);
    pa_text(&a, idem->key);
    pa_int(&a, report_id);
    pa_text(&a, idem->response);
    pa_int(&a, now);
    pa_text(&a, idem->request_hash);
    /* Nothing waits for it: the key is locked (pg_idempotency_get), so it
     * cannot collide, and a failure still fails the commit. */
    return pg_queue(tx, SQL_IDEM_PUT, &a, "writing an idempotency key", err);
}

vg_status pg_idempotency_prune(void *tx, int64_t before, int64_t *removed, vg_error *err)
{
    pg_args a = {0};
    pa_int(&a, before);
    *removed = 0;
    return pg_done(tx, SQL_IDEM_PRUNE, &a, "forgetting old idempotency keys", removed, err);
}

/* ---- cases --------------------------------------------------------------- */

static const char SQL_CASE_BY_URL[] =
    "SELECT r.case_id, r.id FROM report_urls u JOIN reports r ON r.id = u.report_id "
    "WHERE u.canonical = $1 ORDER BY u.id DESC LIMIT 1";
static const char SQL_CASE_BY_FILE[] =
    "SELECT r.case_id, r.id FROM report_files f JOIN reports r ON r.id = f.report_id "
    "WHERE f.sha256 = $1 ORDER BY f.id DESC LIMIT 1";
static const char SQL_CASE_BY_ACCOUNT[] =
    "SELECT case_id, id FROM reports WHERE account = $1 AND platform IS NOT DISTINCT FROM $2 "
    "ORDER BY id DESC LIMIT 1";
static const char SQL_CASE_NEW[] = "INSERT INTO cases(created_at) VALUES($1) RETURNING id";

/* Add the candidate sql finds with a (if any) to list. */
static vg_status candidate(pg_conn *c, const char *sql, const pg_args *a,
                           vg_case_candidate *list, size_t *n, vg_error *err)
{
    PGresult *res = pg_run(c, sql, a, "cross-referencing a report", err);
    if (!res)
        return err ? err->status : VG_ERR_IO;
    if (PQntuples(res)) {
        list[*n].case_id = pg_int(res, 0, 0);
        list[*n].report_id = pg_int(res, 0, 1);
        (*n)++;
    }
    PQclear(res);
    return VG_OK;
}

/* tag + a (+ "\x1f" + b when b is not NULL), malloc'd. */
static char *link_key(const char *tag, const char *a, const char *b)
{
    size_t n = strlen(tag) + strlen(a) + (b ? strlen(b) + 1 : 0) + 1;
    char *key = malloc(n);
    if (key)
        snprintf(key, n, "%s%s%s%s", tag, b ? b : "", b ? "\x1f" : "", a);
    return key;
}

static int by_text(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The keys a report is linked by (its URLs, files and account), each
 * locked until the commit, in one order so that two reports sharing
 * several cannot wait for each other: a second report of the same URL
 * waits for the first to commit and joins its case. */
static vg_status lock_link_keys(pg_conn *c, const vg_report *r, vg_error *err)
{
    if (!c->writable)
        return VG_OK;
    size_t cap = r->url_count + r->file_count + 1, n = 0;
    char **keys = calloc(cap, sizeof *keys);
    vg_status st = keys ? VG_OK : vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    for (size_t i = 0; st == VG_OK && i < r->url_count; i++)
        if (r->urls[i].canonical && !(keys[n++] = link_key("u:", r->urls[i].canonical, NULL)))
            st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    for (size_t i = 0; st == VG_OK && i < r->file_count; i++)
        if (r->files[i].sha256 && !(keys[n++] = link_key("f:", r->files[i].sha256, NULL)))
            st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    if (st == VG_OK && r->account && *r->account &&
        !(keys[n++] = link_key("a:", r->account, r->platform ? r->platform : "")))
        st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    if (st == VG_OK)
        qsort(keys, n, sizeof *keys, by_text);
    for (size_t i = 0; st == VG_OK && i < n; i++)
        if (!i || strcmp(keys[i], keys[i - 1]))
            st = pg_lock_key(c, PG_LOCK_LINK, keys[i], err);
    for (size_t i = 0; keys && i < n; i++)
        free(keys[i]);
    free(keys);
    return st;
}

vg_status pg_case_candidates(void *tx, const vg_report *r, vg_case_candidate **candidates,
                             size_t *count, vg_error *err)
{
    pg_conn *c = tx;
    *candidates = NULL;
    *count = 0;
    vg_status status = lock_link_keys(c, r, err);
    if (status != VG_OK)
        return status;
    vg_case_candidate *list = malloc((r->url_count + r->file_count + 1) * sizeof *list);
    if (!list)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    size_t n = 0;
    for (size_t i = 0; status == VG_OK && i < r->url_count; i++) {
        if (!r->urls[i].canonical)
            continue;
        pg_args a = {0};
        pa_text(&a, r->urls[i].canonical);
        status = candidate(c, SQL_CASE_BY_URL, &a, list, &n, err);
    }
    for (size_t i = 0; status == VG_OK && i < r->file_count; i++) {
        if (!r->files[i].sha256)
            continue;
        pg_args a = {0};
        pa_text(&a, r->files[i].sha256);
        status = candidate(c, SQL_CASE_BY_FILE, &a, list, &n, err);
    }
    if (status == VG_OK && r->account && *r->account) {
        pg_args a = {0};
        pa_text(&a, r->account);
        pa_text(&a, r->platform);
        status = candidate(c, SQL_CASE_BY_ACCOUNT, &a, list, &n, err);
    }
    if (status != VG_OK) {
        free(list);
        return status;
    }
    *candidates = list;
    *count = n;
    return VG_OK;
}

/* An INSERT ... RETURNING id: its id into *id. */
static vg_status insert_id(pg_conn *c, const char *sql, const pg_args *a, const char *what,
                           int64_t *id, vg_error *err)
{
    *id = 0;
    PGresult *res = pg_run(c, sql, a, what, err);
    if (!res)
        return err ? err->status : VG_ERR_IO;
    *id = PQntuples(res) ? pg_int(res, 0, 0) : 0;
    PQclear(res);
    return VG_OK;
}

vg_status pg_case_new(void *tx, int64_t now, int64_t *case_id, vg_error *err)
{
    pg_args a = {0};
    pa_int(&a, now);
    return insert_id(tx, SQL_CASE_NEW, &a, "opening a case", case_id, err);
}

/* ---- reports ------------------------------------------------------------- */

#define REPORT_PUT_COLUMNS                                                                         \
    "INSERT INTO reports(public_id, receipt_code, receipt_secret_hash, source, api_key_id, "       \
    "case_id, category, platform, account, occurred_at, description, reporter_kind, language, "    \
    "country, contact, client_ip, user_agent, extra_json, created_at, updated_at, content_key, "   \
    "danger) "
static const char SQL_REPORT_PUT[] =
    REPORT_PUT_COLUMNS
    "VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22) "
    "RETURNING id, case_id";
/* The same in a new case, in one statement: $6 is the case's creation time. */
static const char SQL_REPORT_PUT_NEW_CASE[] =
    "WITH c AS (INSERT INTO cases(created_at) VALUES($6) RETURNING id) " REPORT_PUT_COLUMNS
    "VALUES($1,$2,$3,$4,$5,(SELECT id FROM c),$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,"
    "$20,$21,$22) RETURNING id, case_id";
static const char SQL_URL_PUT[] =
    "INSERT INTO report_urls(report_id, url, canonical) VALUES($1, $2, $3)";
static const char SQL_FILE_PUT[] =
    "INSERT INTO report_files(report_id, vault_id, filename, content_type, size, md5, sha1, "
    "sha256, pdq, pdq_quality, known, bank, bank_entry, distance, video_match, match_signal) "
    "VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16)";

/* The near-picture cache (vg_tx_report_pdqs) reads files with a PDQ hash
 * by growing id, and takes the last id it saw as where to start next time:
 * an id drawn before another must not commit after it. So a transaction
 * writing such files holds one lock from drawing their ids to its commit:
 * pictures' reports commit one at a time, others do not wait for them. */
static int has_picture(const vg_report *r)
{
    for (size_t i = 0; i < r->file_count; i++)
        if (r->files[i].pdq)
            return 1;
    return 0;
}

/* The report (SQL_REPORT_PUT, or SQL_REPORT_PUT_NEW_CASE with case_id its
 * creation time) and its URLs and files: *id and *case_out get its row's. */
static vg_status report_put(pg_conn *c, const char *sql, const vg_report *r, int64_t case_id,
                            int64_t now, int64_t *id, int64_t *case_out, vg_error *err)
{
    *id = 0;
    if (!r->public_id || !r->receipt_code || !r->source)
        return vg_error_set(err, VG_ERR_INVALID,
                            "a report needs a public id, a receipt code and a source");
    pg_args a = {0};
    const char *texts[] = {r->public_id, r->receipt_code, r->receipt_secret_hash, r->source};
    for (int i = 0; i < 4; i++)
        pa_text(&a, texts[i]);
    if (r->api_key_id)
        pa_int(&a, r->api_key_id);
    else
        pa_text(&a, NULL);
    pa_int(&a, case_id);
    const char *more[] = {r->category,    r->platform,      r->account,    r->occurred_at,
                          r->description, r->reporter_kind, r->language,   r->country,
                          r->contact,     r->client_ip,     r->user_agent, r->extra_json};
    for (int i = 0; i < 12; i++)
        pa_text(&a, more[i]);
    pa_int(&a, now);
    pa_int(&a, now);
    pa_text(&a, r->content_key);
    pa_int(&a, r->danger ? 1 : 0);
    PGresult *res = pg_run(c, sql, &a, "writing a report", err);
    if (!res)
        return err ? err->status : VG_ERR_IO;
    vg_status status = VG_OK;
    if (PQntuples(res) == 1) {
        *id = pg_int(res, 0, 0);
        *case_out = pg_int(res, 0, 1);
    } else {
        status = vg_error_set(err, VG_ERR_IO, "database: writing a report: no row written");
    }
    PQclear(res);
    for (size_t i = 0; status == VG_OK && i < r->url_count; i++) {
        pg_args u = {0};
        const char *url = r->urls[i].url ? r->urls[i].url : "";
        pa_int(&u, *id);
        pa_text(&u, url);
        pa_text(&u, r->urls[i].canonical ? r->urls[i].canonical : url);
        status = pg_queue(c, SQL_URL_PUT, &u, "writing a report URL", err);
    }
    if (status == VG_OK && has_picture(r))
        status = pg_lock_key(c, PG_LOCK_PICTURES, "", err);
    for (size_t i = 0; status == VG_OK && i < r->file_count; i++) {
        const vg_report_file *f = &r->files[i];
        pg_args fa = {0};
        pa_int(&fa, *id);
        pa_text(&fa, f->vault_id);
        pa_text(&fa, f->filename);
        pa_text(&fa, f->content_type);
        pa_int(&fa, (int64_t)f->size);
        pa_text(&fa, f->md5);
        pa_text(&fa, f->sha1);
        pa_text(&fa, f->sha256);
        pa_text(&fa, f->pdq);
        pa_int(&fa, f->pdq_quality);
        pa_int(&fa, f->known);
        pa_text(&fa, f->bank);
        pa_text(&fa, f->bank_entry);
        pa_int(&fa, f->distance);
        pa_text(&fa, f->video_match);
        pa_text(&fa, f->match_signal);
        status = pg_queue(c, SQL_FILE_PUT, &fa, "writing a report file", err);
    }
    return status;
}

vg_status pg_report_put(void *tx, const vg_report *r, int64_t case_id, int64_t now, int64_t *id,
                        vg_error *err)
{
    int64_t into = 0;
    return report_put(tx, SQL_REPORT_PUT, r, case_id, now, id, &into, err);
}

vg_status pg_report_put_new_case(void *tx, const vg_report *r, int64_t now, int64_t *case_id,
                                 int64_t *id, vg_error *err)
{
    *case_id = 0;
    return report_put(tx, SQL_REPORT_PUT_NEW_CASE, r, now, now, id, case_id, err);
}

static const char SQL_REPORT_CASE_OF[] =
    "SELECT case_id FROM reports WHERE id = $1 FOR NO KEY UPDATE";
static const char SQL_REPORT_SET_CASE[] = "UPDATE reports SET case_id = $1 WHERE id = $2";
static const char SQL_CASE_DROP_EMPTY[] =
    "DELETE FROM cases WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM reports WHERE case_id = $1)";

vg_status pg_report_set_case(void *tx, int64_t id, int64_t case_id, vg_error *err)
{
    pg_conn *c = tx;
    pg_args a = {0};
    pa_int(&a, id);
    PGresult *res = pg_run(c, SQL_REPORT_CASE_OF, &a, "reading a report's case", err);
    if (!res)
        return err ? err->status : VG_ERR_IO;
    int found = PQntuples(res) > 0;
    int64_t old = found ? pg_int(res, 0, 0) : 0;
    PQclear(res);
    if (!found)
        return vg_error_set(err, VG_ERR_INVALID, "there is no report %" PRId64, id);
    if (old == case_id)
        return VG_OK;
    pg_args s = {0};
    pa_int(&s, case_id);
    pa_int(&s, id);
    vg_status status = pg_done(c, SQL_REPORT_SET_CASE, &s, "moving a report to another case",
                               NULL, err);
    if (status != VG_OK)
        return status;
    pg_args d = {0};
    pa_int(&d, old);
    return pg_done(c, SQL_CASE_DROP_EMPTY, &d, "removing an empty case", NULL, err);
}

static const char SQL_REPORT_STATUS[] =
    "UPDATE reports SET status = $1, updated_at = $2 WHERE id = $3";

vg_status pg_report_set_status(void *tx, int64_t id, const char *status, int64_t now,
                               vg_error *err)
{
    pg_args a = {0};
    pa_text(&a, status);
    pa_int(&a, now);
    pa_int(&a, id);
    int64_t changed = 0;
    vg_status st = pg_done(tx, SQL_REPORT_STATUS, &a, "updating a report", &changed, err);
    if (st == VG_OK && changed == 0)
        return vg_error_set(err, VG_ERR_INVALID, "there is no report %" PRId64, id);
    return st;
}

#define REPORT_COLUMNS                                                                             \
    "r.id, r.case_id, r.created_at, COALESCE(r.api_key_id, 0), r.public_id, r.receipt_code, "      \
    "r.receipt_secret_hash, r.status, r.source, r.category, "                                      \
    "(SELECT COUNT(*) FROM report_urls WHERE report_id = r.id), "                                  \
    "(SELECT COUNT(*) FROM report_files WHERE report_id = r.id), r.reporter_kind"

static void read_report_row(const PGresult *res, int i, void *item)
{
    vg_report_row *row = item;
    row->id = pg_int(res, i, 0);
    row->case_id = pg_int(res, i, 1);
    row->created_at = pg_int(res, i, 2);
    row->api_key_id = pg_int(res, i, 3);
    row->public_id = pg_text(res, i, 4);
    row->receipt_code = pg_text(res, i, 5);
    row->receipt_secret_hash = pg_text(res, i, 6);
    row->status = pg_text(res, i, 7);
    row->source = pg_text(res, i, 8);
    row->category = pg_text(res, i, 9);
    row->url_count = (size_t)pg_int(res, i, 10);
    row->file_count = (size_t)pg_int(res, i, 11);
    row->reporter_kind = pg_text(res, i, 12);
}

static const char SQL_REPORT_BY_RECEIPT[] =
    "SELECT " REPORT_COLUMNS " FROM reports r WHERE r.receipt_code = $1";

vg_status pg_report_by_receipt(void *tx, const char *code, vg_report_row *row, int *found,
                               vg_error *err)
{
    *found = 0;
    memset(row, 0, sizeof *row);
    pg_args a = {0};
    pa_text(&a, code);
    PGresult *res = pg_run(tx, SQL_REPORT_BY_RECEIPT, &a, "reading a report", err);
    if (!res)
        return err ? err->status : VG_ERR_IO;
    if (PQntuples(res)) {
        read_report_row(res, 0, row);
        *found = 1;
    }
    PQclear(res);
    return VG_OK;
}

static const char SQL_REPORT_BY_PUBLIC_ID[] =
    "SELECT " REPORT_COLUMNS " FROM reports r WHERE r.public_id = $1";

vg_status pg_report_by_public_id(void *tx, const char *public_id, vg_report_row *row, int *found,
                                 vg_error *err)
{
    *found = 0;
    memset(row, 0, sizeof *row);
    pg_args a = {0};
    pa_text(&a, public_id);
    PGresult *res = pg_run(tx, SQL_REPORT_BY_PUBLIC_ID, &a, "reading a report", err);
    if (!res)
        return err ? err->status : VG_ERR_IO;
    if (PQntuples(res)) {
        read_report_row(res, 0, row);
        *found = 1;
    }
    PQclear(res);
    return VG_OK;
}

static const char SQL_REPORTS_RECENT[] =
    "SELECT " REPORT_COLUMNS " FROM reports r ORDER BY r.id DESC LIMIT $1";

vg_status pg_reports_recent(void *tx, size_t limit, vg_report_row **rows, size_t *count,
                            vg_error *err)
{
    pg_args a = {0};
    pa_int(&a, (int64_t)(limit > 10000 ? 10000 : limit));
    return pg_list(tx, SQL_REPORTS_RECENT, &a, sizeof **rows, read_report_row, (void **)rows,
                   count, "listing reports", err);
}

static const char SQL_REPORT_COUNT[] = "SELECT COUNT(*) FROM reports";

vg_status pg_report_count(void *tx, int64_t *count, vg_error *err)
{
    *count = 0;
    PGresult *res = pg_run(tx, SQL_REPORT_COUNT, NULL, "counting reports", err);
    if (!res)
        return err ? err->status : VG_ERR_IO;
    *count = pg_int(res, 0, 0);
    PQclear(res);
    return VG_OK;
}

static const char SQL_REPORT_URLS[] =
    "SELECT canonical FROM report_urls WHERE report_id = $1 ORDER BY id";

static void url_row(const PGresult *res, int i, void *item)
{
    *(char **)item = pg_text(res, i, 0);
}

vg_status pg_report_urls(void *tx, int64_t id, char ***canonical, size_t *count, vg_error *err)
{
    pg_args a = {0};
    pa_int(&a, id);
    return pg_list(tx, SQL_REPORT_URLS, &a, sizeof **canonical, url_row, (void **)canonical,
                   count, "reading URLs", err);
}

static const char SQL_REPORT_PDQS[] =
    "SELECT f.id, r.case_id, f.pdq FROM report_files f JOIN reports r ON r.id = f.report_id "
    "WHERE f.pdq IS NOT NULL AND f.id > $1::bigint ORDER BY f.id";

typedef struct pdq_ctx {
    vg_store_pdq_fn fn;
    void *ctx;
} pdq_ctx;

static vg_status pdq_batch(const PGresult *res, void *ctx, vg_error *err)
{
    pdq_ctx *p = ctx;
    for (int i = 0; i < PQntuples(res); i++)
        if (p->fn(p->ctx, pg_int(res, i, 0), pg_int(res, i, 1), PQgetvalue(res, i, 2)))
            return vg_error_set(err, VG_ERR_ABORTED, "reading PDQ hashes was stopped");
    return VG_OK;
}

vg_status pg_report_pdqs(void *tx, int64_t after_file_id, vg_store_pdq_fn fn, void *ctx,
                         vg_error *err)
{
    pg_args a = {0};
    pa_int(&a, after_file_id);
    pdq_ctx p = {fn, ctx};
    return pg_each(tx, SQL_REPORT_PDQS, &a, pdq_batch, &p, "reading file PDQ hashes", err);
}

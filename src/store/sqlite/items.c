/*
 * src/store/sqlite/items.c - the console's items, the organisation's bank,
 * and the views of files and URLs (store/items.h).
 *
 * An item is a report joined with its row of console_items (absent until
 * someone or something touches it: then it reads as open at version 0),
 * with the counts and the bank entries the rules need. What those mean is
 * decided in model/item.c, not here.
 */
#include <stdlib.h>
#include <string.h>

#include "store/sqlite/sqlite.h"

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
    " (SELECT group_concat(b.legal || '|' || COALESCE(b.severity, '') || '|' ||"                   \
    "   COALESCE(b.age, ''), ';') FROM report_files f JOIN console_bank b"                         \
    "   ON b.sha256 = f.sha256 WHERE f.report_id = r.id AND " HELD "),"                            \
    " r.content_key, COALESCE((SELECT k.trust FROM api_keys k WHERE k.id = r.api_key_id), 0),"     \
    " COALESCE(i.decided_from, 0), r.extra_json, r.danger"                                        \
    " FROM reports r LEFT JOIN console_items i ON i.report_id = r.id"

static void read_item(sqlite3_stmt *st, void *item)
{
    vg_item *it = item;
    int c = 0;
    it->report_id = sqlite3_column_int64(st, c++);
    it->case_id = sqlite3_column_int64(st, c++);
    it->created_at = sqlite3_column_int64(st, c++);
    it->api_key_id = sqlite3_column_int64(st, c++);
    char **texts1[] = {&it->receipt_code, &it->source,  &it->category,    &it->status,
                       &it->platform,     &it->account, &it->description, &it->reporter_kind,
                       &it->language,     &it->country, &it->contact,     &it->occurred_at};
    for (size_t i = 0; i < sizeof texts1 / sizeof texts1[0]; i++)
        *texts1[i] = sq_text(st, c++);
    int64_t *counts[] = {&it->files, &it->files_known, &it->files_claimed, &it->files_own_bank,
                         &it->urls};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++)
        *counts[i] = sqlite3_column_int64(st, c++);
    char **texts2[] = {&it->state, &it->claimed_by, &it->first_by, &it->second_by, &it->decided_by};
    for (size_t i = 0; i < sizeof texts2 / sizeof texts2[0]; i++)
        *texts2[i] = sq_text(st, c++);
    it->version = sqlite3_column_int64(st, c++);
    it->claimed_at = sqlite3_column_int64(st, c++);
    it->updated_at = sqlite3_column_int64(st, c++);
    char **texts3[] = {&it->first_json, &it->second_json,  &it->final_json,
                       &it->first_key,  &it->legal,        &it->severity,
                       &it->age,        &it->bank_classes, &it->content_key};
    for (size_t i = 0; i < sizeof texts3 / sizeof texts3[0]; i++)
        *texts3[i] = sq_text(st, c++);
    it->source_trust = sqlite3_column_int64(st, c++);
    it->decided_from = sqlite3_column_int64(st, c++);
    it->extra_json = sq_text(st, c++);
    it->danger = sqlite3_column_int64(st, c++);
}

static void clear_item(void *item)
{
    vg_item_clear(item);
}

static const char SQL_ITEM[] = "SELECT " ITEM_COLUMNS " WHERE r.id = ?";
static const char SQL_ITEMS_OPEN[] =
    "SELECT " ITEM_COLUMNS " WHERE COALESCE(i.state, 'open') NOT IN " FINISHED
    " ORDER BY r.id LIMIT ?";
static const char SQL_ITEMS_DONE[] = "SELECT " ITEM_COLUMNS " WHERE i.state IN " FINISHED
                                     " ORDER BY i.updated_at DESC, r.id DESC LIMIT ?";
static const char SQL_ITEMS_OF_CASE[] =
    "SELECT " ITEM_COLUMNS " WHERE r.case_id = ? ORDER BY r.id LIMIT 1000";

vg_status sq_item_get(void *tx, int64_t report_id, vg_item *item, int *found, vg_error *err)
{
    conn *c = tx;
    *found = 0;
    memset(item, 0, sizeof *item);
    SQ_STMT(st, SQL_ITEM);
    sqlite3_bind_int64(st, 1, report_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        read_item(st, item);
        *found = 1;
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? VG_OK
                                                 : sq_db_error(err, c->db, "reading an item");
}

vg_status sq_items_open(void *tx, size_t limit, vg_item **items, size_t *count, vg_error *err)
{
    return sq_list(tx, SQL_ITEMS_OPEN, (int64_t)limit, 0, sizeof **items, read_item, clear_item,
                   (void **)items, count, "reading the queue", err);
}

vg_status sq_items_done(void *tx, size_t limit, vg_item **items, size_t *count, vg_error *err)
{
    return sq_list(tx, SQL_ITEMS_DONE, (int64_t)limit, 0, sizeof **items, read_item, clear_item,
                   (void **)items, count, "reading the assessed items", err);
}

vg_status sq_items_of_case(void *tx, int64_t case_id, vg_item **items, size_t *count, vg_error *err)
{
    return sq_list(tx, SQL_ITEMS_OF_CASE, case_id, 0, sizeof **items, read_item, clear_item,
                   (void **)items, count, "reading a case", err);
}

static const char SQL_ITEM_PUT[] =
    "INSERT INTO console_items(report_id, version, state, claimed_by, claimed_at, first_by,"
    " first_json, first_key, second_by, second_json, decided_by, final_json, legal, severity,"
    " age, updated_at, decided_from)"
    " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17)"
    " ON CONFLICT(report_id) DO UPDATE SET version = ?2, state = ?3, claimed_by = ?4,"
    " claimed_at = ?5, first_by = ?6, first_json = ?7, first_key = ?8, second_by = ?9,"
    " second_json = ?10, decided_by = ?11, final_json = ?12, legal = ?13, severity = ?14,"
    " age = ?15, updated_at = ?16, decided_from = ?17";

vg_status sq_item_put(void *tx, const vg_item *it, int64_t now, vg_error *err)
{
    conn *c = tx;
    SQ_STMT(st, SQL_ITEM_PUT);
    sqlite3_bind_int64(st, 1, it->report_id);
    sqlite3_bind_int64(st, 2, it->version);
    sq_bind_text(st, 3, it->state);
    sq_bind_text(st, 4, it->claimed_by);
    if (it->claimed_by)
        sqlite3_bind_int64(st, 5, it->claimed_at);
    const char *texts[] = {it->first_by,    it->first_json, it->first_key,  it->second_by,
                           it->second_json, it->decided_by, it->final_json, it->legal,
                           it->severity,    it->age};
    for (int i = 0; i < 10; i++)
        sq_bind_text(st, 6 + i, texts[i]);
    sqlite3_bind_int64(st, 16, now);
    if (it->decided_from)
        sqlite3_bind_int64(st, 17, it->decided_from);
    return sq_step_done(c, st, "recording an assessment", err);
}

static const char SQL_IDS_OPEN[] =
    "SELECT r.id FROM reports r LEFT JOIN console_items i ON i.report_id = r.id"
    " WHERE COALESCE(i.state, 'open') = 'open' AND i.claimed_by IS NULL ORDER BY r.id LIMIT ?1";
static const char SQL_IDS_SHARING[] =
    "SELECT DISTINCT g.report_id FROM report_files g WHERE g.sha256 IN (SELECT sha256 FROM"
    " report_files WHERE report_id = ?1 AND sha256 IS NOT NULL) AND g.report_id <> ?1"
    " ORDER BY g.report_id";
static const char SQL_IDS_SAME_CONTENT[] =
    "SELECT r2.id FROM reports r JOIN reports r2 ON r2.case_id = r.case_id AND"
    " r2.content_key = r.content_key WHERE r.id = ?1 AND r2.id <> ?1 ORDER BY r2.id";

static const char SQL_IDS_SHARING_URLS[] =
    "SELECT DISTINCT g.report_id FROM report_urls g WHERE g.canonical IN (SELECT canonical FROM"
    " report_urls WHERE report_id = ?1) AND g.report_id <> ?1 ORDER BY g.report_id";
static const char SQL_IDS_DECIDED_FROM[] =
    "SELECT report_id FROM console_items WHERE decided_from = ?1 ORDER BY report_id";
static const char SQL_IDS_FIND[] =
    "SELECT id FROM reports WHERE receipt_code = ?1"
    " UNION SELECT report_id FROM report_urls WHERE canonical = ?2 OR url = ?2"
    " UNION SELECT report_id FROM report_files WHERE sha256 = ?3 OR md5 = ?3 OR sha1 = ?3"
    "   OR pdq = ?3"
    " ORDER BY 1 DESC LIMIT ?4";
static const char SQL_ITEM_COUNTS[] =
    "SELECT COALESCE(i.state, 'open'), COUNT(*) FROM reports r"
    " LEFT JOIN console_items i ON i.report_id = r.id GROUP BY 1";

vg_status sq_item_ids_sharing_urls(void *tx, int64_t report_id, int64_t *ids, size_t max,
                                   size_t *count, vg_error *err)
{
    return sq_ids(tx, SQL_IDS_SHARING_URLS, report_id, ids, max, count, "reading shared URLs",
                  err);
}

vg_status sq_item_ids_decided_from(void *tx, int64_t report_id, int64_t *ids, size_t max,
                                   size_t *count, vg_error *err)
{
    return sq_ids(tx, SQL_IDS_DECIDED_FROM, report_id, ids, max, count,
                  "reading inherited decisions", err);
}

vg_status sq_item_ids_find(void *tx, const char *receipt, const char *url, const char *digest,
                           int64_t *ids, size_t max, size_t *count, vg_error *err)
{
    conn *c = tx;
    *count = 0;
    SQ_STMT(st, SQL_IDS_FIND);
    sq_bind_text(st, 1, receipt);
    sq_bind_text(st, 2, url);
    sq_bind_text(st, 3, digest);
    sqlite3_bind_int64(st, 4, max > INT64_MAX ? INT64_MAX : (int64_t)max);
    int rc = SQLITE_DONE;
    while (*count < max && (rc = sqlite3_step(st)) == SQLITE_ROW)
        ids[(*count)++] = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return *count == max || rc == SQLITE_DONE ? VG_OK
                                               : sq_db_error(err, c->db, "searching reports");
}

vg_status sq_item_counts(void *tx, vg_item_counts *counts, vg_error *err)
{
    conn *c = tx;
    memset(counts, 0, sizeof *counts);
    SQ_STMT(st, SQL_ITEM_COUNTS);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *state = (const char *)sqlite3_column_text(st, 0);
        int64_t n = sqlite3_column_int64(st, 1);
        int64_t *into = !strcmp(state, VG_ITEM_SECOND)      ? &counts->second
                        : !strcmp(state, VG_ITEM_DISPUTED)  ? &counts->disputed
                        : !strcmp(state, VG_ITEM_CONFIRMED) ? &counts->confirmed
                        : !strcmp(state, VG_ITEM_AUTO)      ? &counts->automatic
                                                            : &counts->open;
        *into += n;
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? VG_OK : sq_db_error(err, c->db, "counting items");
}

vg_status sq_item_ids_open(void *tx, int64_t *ids, size_t max, size_t *count, vg_error *err)
{
    return sq_ids(tx, SQL_IDS_OPEN, (int64_t)max, ids, max, count, "reading open items", err);
}

vg_status sq_item_ids_sharing_files(void *tx, int64_t report_id, int64_t *ids, size_t max,
                                    size_t *count, vg_error *err)
{
    return sq_ids(tx, SQL_IDS_SHARING, report_id, ids, max, count, "reading shared files", err);
}

vg_status sq_item_ids_same_content(void *tx, int64_t report_id, int64_t *ids, size_t max,
                                   size_t *count, vg_error *err)
{
    return sq_ids(tx, SQL_IDS_SAME_CONTENT, report_id, ids, max, count, "reading copies", err);
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
    FILE_COLUMNS " WHERE f.report_id = ? ORDER BY f.id LIMIT 10000";
static const char SQL_FILES_OF_CASE[] =
    FILE_COLUMNS " WHERE r.case_id = ? ORDER BY f.id LIMIT 10000";
static const char SQL_FILE[] = FILE_COLUMNS " WHERE f.id = ?";

static void read_file(sqlite3_stmt *st, void *item)
{
    vg_item_file *f = item;
    f->id = sqlite3_column_int64(st, 0);
    f->report_id = sqlite3_column_int64(st, 1);
    f->case_id = sqlite3_column_int64(st, 2);
    f->size = sqlite3_column_int64(st, 3);
    char **texts[] = {&f->vault_id, &f->filename, &f->content_type, &f->md5,       &f->sha1,
                      &f->sha256,   &f->pdq,      &f->bank,         &f->bank_entry};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        *texts[i] = sq_text(st, 4 + (int)i);
    f->known = sqlite3_column_int64(st, 13);
    f->distance = sqlite3_column_int64(st, 14);
    f->own_legal = sq_text(st, 15);
    f->own_severity = sq_text(st, 16);
    f->own_age = sq_text(st, 17);
    f->video_match = sq_text(st, 18);
    f->match_signal = sq_text(st, 19);
}

static void clear_file(void *item)
{
    vg_item_file_clear(item);
}

vg_status sq_files(void *tx, int64_t report_id, int64_t case_id, vg_item_file **files,
                   size_t *count, vg_error *err)
{
    return sq_list(tx, report_id > 0 ? SQL_FILES_OF_REPORT : SQL_FILES_OF_CASE,
                   report_id > 0 ? report_id : case_id, 0, sizeof **files, read_file, clear_file,
                   (void **)files, count, "reading files", err);
}

vg_status sq_file_get(void *tx, int64_t file_id, vg_item_file *file, int *found, vg_error *err)
{
    conn *c = tx;
    *found = 0;
    memset(file, 0, sizeof *file);
    SQ_STMT(st, SQL_FILE);
    sqlite3_bind_int64(st, 1, file_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        read_file(st, file);
        *found = 1;
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? VG_OK
                                                 : sq_db_error(err, c->db, "reading a file");
}

static const char SQL_CASE_URLS[] =
    "SELECT u.report_id, u.url, u.canonical FROM report_urls u"
    " JOIN reports r ON r.id = u.report_id WHERE r.case_id = ? ORDER BY u.id LIMIT 10000";

static void read_url(sqlite3_stmt *st, void *item)
{
    vg_item_url *u = item;
    u->report_id = sqlite3_column_int64(st, 0);
    u->url = sq_text(st, 1);
    u->canonical = sq_text(st, 2);
}

static void clear_url(void *item)
{
    vg_item_url *u = item;
    free(u->url);
    free(u->canonical);
}

vg_status sq_case_urls(void *tx, int64_t case_id, vg_item_url **urls, size_t *count, vg_error *err)
{
    return sq_list(tx, SQL_CASE_URLS, case_id, 0, sizeof **urls, read_url, clear_url, (void **)urls,
                   count, "reading URLs", err);
}

static const char SQL_PDQS_ELSEWHERE[] =
    "SELECT r.case_id, f.pdq FROM report_files f JOIN reports r ON r.id = f.report_id"
    " WHERE f.pdq IS NOT NULL AND r.case_id <> ? ORDER BY f.id DESC LIMIT 100000";

vg_status sq_pdqs_elsewhere(void *tx, int64_t case_id, vg_store_case_pdq_fn fn, void *ctx,
                            vg_error *err)
{
    conn *c = tx;
    SQ_STMT(st, SQL_PDQS_ELSEWHERE);
    sqlite3_bind_int64(st, 1, case_id);
    vg_status status = VG_OK;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (fn(ctx, sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1))) {
            status = vg_error_set(err, VG_ERR_ABORTED, "reading PDQ hashes was stopped");
            break;
        }
    if (status == VG_OK && rc != SQLITE_DONE)
        status = sq_db_error(err, c->db, "reading PDQ hashes");
    sqlite3_reset(st);
    return status;
}

static const char SQL_BANK_PUT[] =
    "INSERT OR IGNORE INTO console_bank(sha256, pdq, legal, severity, age, report_id, added_at)"
    " VALUES(?, ?, ?, ?, ?, ?, ?)";

vg_status sq_bank_put(void *tx, const char *sha256, const char *pdq, const vg_verdict *v,
                      int64_t report_id, int64_t now, vg_error *err)
{
    conn *c = tx;
    SQ_STMT(st, SQL_BANK_PUT);
    sq_bind_text(st, 1, sha256);
    sq_bind_text(st, 2, pdq);
    sq_bind_text(st, 3, v->legal);
    sq_bind_text(st, 4, v->severity ? v->severity : "");
    sq_bind_text(st, 5, v->age ? v->age : "");
    sqlite3_bind_int64(st, 6, report_id);
    sqlite3_bind_int64(st, 7, now);
    return sq_step_done(c, st, "adding to the organisation's bank", err);
}

static const char SQL_BANK_REMOVE_REPORT[] = "DELETE FROM console_bank WHERE report_id = ?";
static const char SQL_BANK_COUNT[] = "SELECT COUNT(*) FROM console_bank";
#define BANK_COLUMNS "SELECT sha256, pdq, legal, severity, age, report_id, added_at FROM console_bank"
static const char SQL_BANK_ONE[] = BANK_COLUMNS " WHERE sha256 = ?";
static const char SQL_BANK_NEWEST[] = BANK_COLUMNS " ORDER BY added_at DESC, rowid DESC LIMIT ?";

vg_status sq_bank_remove_report(void *tx, int64_t report_id, int64_t *removed, vg_error *err)
{
    conn *c = tx;
    SQ_STMT(st, SQL_BANK_REMOVE_REPORT);
    sqlite3_bind_int64(st, 1, report_id);
    vg_status status = sq_step_done(c, st, "removing from the organisation's bank", err);
    *removed = status == VG_OK ? sqlite3_changes(c->db) : 0;
    return status;
}

vg_status sq_bank_count(void *tx, int64_t *count, vg_error *err)
{
    conn *c = tx;
    SQ_STMT(st, SQL_BANK_COUNT);
    int rc = sqlite3_step(st);
    *count = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? VG_OK : sq_db_error(err, c->db, "counting the bank");
}

static void read_own(sqlite3_stmt *st, void *item)
{
    vg_own_entry *e = item;
    char **texts[] = {&e->sha256, &e->pdq, &e->legal, &e->severity, &e->age};
    for (int i = 0; i < 5; i++)
        *texts[i] = sq_text(st, i);
    e->report_id = sqlite3_column_int64(st, 5);
    e->added_at = sqlite3_column_int64(st, 6);
}

static void clear_own(void *item)
{
    vg_own_entry_clear(item);
}

vg_status sq_bank_entries(void *tx, const char *sha256, size_t limit, vg_own_entry **rows,
                          size_t *count, vg_error *err)
{
    conn *c = tx;
    *rows = NULL;
    *count = 0;
    if (!sha256)
        return sq_list(c, SQL_BANK_NEWEST, (int64_t)limit, 0, sizeof **rows, read_own, clear_own,
                       (void **)rows, count, "reading the organisation's bank", err);
    if (!limit)
        return VG_OK;
    SQ_STMT(st, SQL_BANK_ONE);
    sq_bind_text(st, 1, sha256);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *rows = calloc(1, sizeof **rows);
        if (*rows) {
            read_own(st, *rows);
            *count = 1;
        }
    }
    sqlite3_reset(st);
    if (rc == SQLITE_ROW && !*rows)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory reading the bank");
    return rc == SQLITE_ROW || rc == SQLITE_DONE
               ? VG_OK
               : sq_db_error(err, c->db, "reading the organisation's bank");
}

/* ---- a withdrawn bank entry ------------------------------------------------ */

static const char SQL_UNMATCH_REPORTS[] =
    "SELECT DISTINCT report_id FROM report_files WHERE bank = ? AND bank_entry = ?"
    " ORDER BY report_id";
static const char SQL_UNMATCH[] =
    "UPDATE report_files SET known = 0, bank = NULL, bank_entry = NULL, distance = NULL,"
    " match_signal = NULL WHERE bank = ? AND bank_entry = ?";

vg_status sq_files_unmatch(void *tx, const char *bank, const char *entry_id,
                           int64_t **report_ids, size_t *count, vg_error *err)
{
    conn *c = tx;
    *report_ids = NULL;
    *count = 0;
    SQ_STMT(st, SQL_UNMATCH_REPORTS);
    sq_bind_text(st, 1, bank);
    sq_bind_text(st, 2, entry_id);
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*count == cap) {
            int64_t *grown = realloc(*report_ids, (cap ? cap * 2 : 8) * sizeof **report_ids);
            if (!grown) {
                sqlite3_reset(st);
                return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
            }
            *report_ids = grown;
            cap = cap ? cap * 2 : 8;
        }
        (*report_ids)[(*count)++] = sqlite3_column_int64(st, 0);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return sq_db_error(err, c->db, "reading the files of a bank entry");
    SQ_STMT(up, SQL_UNMATCH);
    sq_bind_text(up, 1, bank);
    sq_bind_text(up, 2, entry_id);
    return sq_step_done(c, up, "forgetting a withdrawn bank entry's matches", err);
}

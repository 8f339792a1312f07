/*
 * The SQLite backend: the store's contract (contract.c) on a fresh data
 * directory per check, then what only SQLite has: where the database
 * lives and which locations are refused, WAL mode and the group commit's
 * bound, schema migrations from an old version (and a newer or foreign
 * file refused), the audit log's triggers and target index, the empty case
 * a moved report leaves, and `vigie audit verify` (exit codes 0 and 1) on
 * a damaged log.
 */
#include <ftw.h>
#include <pthread.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include "contract.h"
#include "harness.h"
#include "model/people.h"
#include "store/audit.h"
#include "store/people.h"
#include "store/reports.h"
#include "store/store.h"

/* ---- data directories ---------------------------------------------------- */

static int make_dir(void *ctx, char *dir, size_t cap)
{
    (void)ctx;
    const char *base = getenv("TMPDIR");
    snprintf(dir, cap, "%s/vigie-store-XXXXXX", base ? base : "/tmp");
    return mkdtemp(dir) != NULL;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void remove_dir(void *ctx, const char *dir)
{
    (void)ctx;
    if (dir[0] && nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
}

static void db_path(const char *dir, char *path, size_t cap)
{
    snprintf(path, cap, "%s/vigie.db", dir);
}

/* Run sql on the database of dir, behind the store's back. */
static int tamper(const char *dir, const char *sql)
{
    char path[600];
    db_path(dir, path, sizeof path);
    sqlite3 *db = NULL;
    char *msg = NULL;
    int rc = sqlite3_open(path, &db);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    CHECK_MSG(rc == SQLITE_OK, "%s: %s", sql, msg ? msg : "cannot open");
    sqlite3_free(msg);
    sqlite3_close(db);
    return rc == SQLITE_OK;
}

/* The first column of the first row of sql (an integer), or -1. */
static int64_t query_int(const char *dir, const char *sql)
{
    char path[600];
    db_path(dir, path, sizeof path);
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int64_t v = -1;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

/* ---- damaging the audit log, as the contract asks -------------------------- */

/* With the triggers that guard the log dropped, as someone holding the
 * file could. */
static int run_bound(const char *dir, const char *guard, const char *sql, const char *text,
                     int64_t a, int64_t b)
{
    char path[600];
    db_path(dir, path, sizeof path);
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int ok = sqlite3_open(path, &db) == SQLITE_OK &&
             sqlite3_exec(db, guard, NULL, NULL, NULL) == SQLITE_OK &&
             sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK;
    if (ok) {
        int i = 1;
        if (text)
            sqlite3_bind_text(st, i++, text, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, i++, a);
        sqlite3_bind_int64(st, i, b);
        ok = sqlite3_step(st) == SQLITE_DONE && sqlite3_changes(db) > 0;
    }
    if (!ok)
        fprintf(stderr, "%s: %s\n", sql, sqlite3_errmsg(db));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return ok;
}

static int audit_alter(void *ctx, const char *dir, int64_t seq, const char *field,
                       const char *value)
{
    (void)ctx;
    static const char *const fields[] = {"time", "actor", "action", "target", "detail", "hash"};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (!strcmp(field, fields[i])) {
            char sql[100];
            snprintf(sql, sizeof sql, "UPDATE audit SET %s = ? WHERE seq BETWEEN ? AND ?",
                     fields[i]);
            return run_bound(dir, "DROP TRIGGER IF EXISTS audit_no_update", sql, value, seq,
                             seq);
        }
    return 0;
}

static int audit_remove(void *ctx, const char *dir, int64_t first, int64_t last)
{
    (void)ctx;
    return run_bound(dir, "DROP TRIGGER IF EXISTS audit_no_delete",
                     "DELETE FROM audit WHERE seq BETWEEN ? AND ?", NULL, first, last);
}

static int packs_damage(void *ctx, const char *dir, const char *how)
{
    (void)ctx;
    const char *sql = !strcmp(how, "flip")  ? "UPDATE stats_packs SET facts ="
                                               " substr(facts, 1, 20) || x'ff' || substr(facts, 22)"
                      : !strcmp(how, "cut") ? "UPDATE stats_packs SET facts ="
                                               " substr(facts, 1, length(facts) - 9)"
                      : !strcmp(how, "drop")
                          ? "DELETE FROM stats_packs WHERE day = (SELECT min(day) FROM stats_packs)"
                      : !strcmp(how, "drop_last")
                          ? "DELETE FROM stats_packs WHERE day = (SELECT max(day) FROM stats_packs)"
                                            : "UPDATE stats_packs SET day = day + 1"
                                              " WHERE day = (SELECT max(day) FROM stats_packs)";
    return tamper(dir, sql);
}

static const store_contract_backend sqlite_backend = {
    .name = "sqlite",
    .create = make_dir,
    .destroy = remove_dir,
    .audit_alter = audit_alter,
    .audit_remove = audit_remove,
    .packs_damage = packs_damage,
};

/* ---- helpers of the checks below ------------------------------------------ */

static vg_store *open_dir(const char *dir, const vg_store_options *options)
{
    vg_store *s = NULL;
    vg_error err;
    vg_error_clear(&err);
    vg_status st = vg_store_open(dir, options, &s, &err);
    CHECK_MSG(st == VG_OK, "opening %s: %s", dir, err.message);
    return s;
}

typedef struct write_args {
    const char *code;
    int64_t case_id, id;
} write_args;

/* A report with code in a case of its own (or into case_id) and its
 * audit entry. */
static vg_status write_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    write_args *a = ctx;
    char id[48], target[48];
    snprintf(id, sizeof id, "id-%s", a->code);
    vg_report r = {.public_id = id, .receipt_code = a->code, .source = "web"};
    int64_t case_id = a->case_id;
    vg_status st = case_id ? VG_OK : vg_tx_case_new(tx, 1700000000, &case_id, err);
    if (st == VG_OK)
        st = vg_tx_report_put(tx, &r, case_id, 1700000000, &a->id, err);
    snprintf(target, sizeof target, "report:%" PRId64, a->id);
    vg_audit_note note = {"key:test", "report.received", target, "{}"};
    if (st == VG_OK)
        st = vg_tx_audit_append(tx, 1700000000, &note, NULL, err);
    if (st == VG_OK && !a->case_id)
        a->case_id = case_id;
    return st;
}

static int64_t write_report(vg_store *s, const char *code, int64_t *case_id)
{
    write_args a = {.code = code, .case_id = case_id ? *case_id : 0};
    vg_error err;
    CHECK_MSG(vg_store_write(s, write_tx, &a, &err) == VG_OK, "%s: %s", code, err.message);
    if (case_id)
        *case_id = a.case_id;
    return a.id;
}

static vg_status key_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    (void)ctx;
    return vg_tx_api_key_create(tx, "vg_old", "old-hash", "Old Org", 0, 90, 1700000000, NULL,
                                err);
}

typedef struct key_probe {
    vg_api_key key;
    int found;
} key_probe;

static vg_status key_get_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    key_probe *p = ctx;
    return vg_tx_api_key_get(tx, "old-hash", &p->key, &p->found, err);
}

typedef struct receipt_probe {
    const char *code;
    vg_report_row row;
    int found;
} receipt_probe;

static vg_status receipt_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    receipt_probe *p = ctx;
    return vg_tx_report_by_receipt(tx, p->code, &p->row, &p->found, err);
}

/* ---- where the database lives ------------------------------------------ */

static void test_locations(void)
{
    vg_store *s = NULL;
    vg_error err;
    /* A PostgreSQL URI goes to that backend: here a socket folder with no
     * server in it (nothing is looked up on the network). */
    CHECK(vg_store_open("postgresql:///db?host=/nonexistent-vigie", NULL, &s, &err) == VG_ERR_IO);
    CHECK(vg_store_open("postgres:///db?host=/nonexistent-vigie", NULL, &s, &err) == VG_ERR_IO);
    CHECK(vg_store_open("", NULL, &s, &err) == VG_ERR_INVALID);
    CHECK(s == NULL);

    char dir[512], file[600];
    CHECK(make_dir(NULL, dir, sizeof dir));
    /* a file where the data directory should be */
    snprintf(file, sizeof file, "%s/not-a-dir", dir);
    FILE *f = fopen(file, "w");
    if (f)
        fclose(f);
    CHECK(vg_store_open(file, NULL, &s, &err) != VG_OK && s == NULL);
    /* a directory made as needed, the database in it, in WAL mode */
    char sub[600], path[700], wal[700];
    snprintf(sub, sizeof sub, "%s/data", dir);
    snprintf(path, sizeof path, "%s/vigie.db", sub);
    snprintf(wal, sizeof wal, "%s/vigie.db-wal", sub);
    s = open_dir(sub, NULL);
    if (s) {
        CHECK_INT_EQ(vg_store_schema_version(s), 28);
        CHECK_STR_EQ(vg_store_backend(s), "sqlite");
        CHECK(access(path, F_OK) == 0);
        write_report(s, "W1", NULL);
        /* a second process on the same directory sees the same data */
        vg_store *other = open_dir(sub, NULL);
        receipt_probe p = {.code = "W1"};
        CHECK(other && vg_store_read(other, receipt_tx, &p, &err) == VG_OK && p.found);
        vg_report_row_clear(&p.row);
        vg_store_close(other);
        vg_store_close(s);
        /* closed, the directory holds the database alone (the WAL folded
         * back and removed) */
        CHECK_MSG(access(wal, F_OK) != 0, "%s is left after close", wal);
    }
    CHECK_INT_EQ(query_int(sub, "PRAGMA user_version"), 28);
    char mode[16] = "";
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        snprintf(mode, sizeof mode, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(db);
    CHECK_STR_EQ(mode, "wal");
    remove_dir(NULL, dir);
}

/* ---- group commit --------------------------------------------------------- */

#define WRITERS 6
#define EACH 50

typedef struct writer_arg {
    vg_store *s;
    int index, failures;
} writer_arg;

static void *writer(void *p)
{
    writer_arg *w = p;
    for (int i = 0; i < EACH; i++) {
        char code[32];
        snprintf(code, sizeof code, "G%d-%d", w->index, i);
        write_args a = {.code = code};
        vg_error err;
        w->failures += vg_store_write(w->s, write_tx, &a, &err) != VG_OK;
    }
    return NULL;
}

/* The writer commits at most max_batch transactions at once: with 1, one
 * commit (one fsync) per write, whatever the load. */
static void test_group_commit_bound(void)
{
    static const unsigned batches[] = {1, 64};
    for (size_t b = 0; b < 2; b++) {
        char dir[512];
        CHECK(make_dir(NULL, dir, sizeof dir));
        vg_store_options opt = {.max_batch = batches[b]};
        vg_store *s = open_dir(dir, &opt);
        if (!s)
            continue;
        writer_arg w[WRITERS];
        pthread_t th[WRITERS];
        for (int i = 0; i < WRITERS; i++) {
            w[i] = (writer_arg){.s = s, .index = i};
            pthread_create(&th[i], NULL, writer, &w[i]);
        }
        int failures = 0;
        for (int i = 0; i < WRITERS; i++) {
            pthread_join(th[i], NULL);
            failures += w[i].failures;
        }
        vg_store_stats stats;
        vg_store_stats_get(s, &stats);
        CHECK_INT_EQ(failures, 0);
        CHECK_INT_EQ(stats.writes, WRITERS * EACH);
        if (batches[b] == 1)
            CHECK_INT_EQ(stats.commits, stats.writes);
        else
            CHECK(stats.commits >= 1 && stats.commits <= stats.writes);
        fprintf(stderr, "  max_batch %u: %" PRIu64 " writes in %" PRIu64 " commits\n",
                batches[b], stats.writes, stats.commits);
        vg_store_close(s);
        CHECK_INT_EQ(query_int(dir, "SELECT count(*) FROM reports"), WRITERS * EACH);
        CHECK_INT_EQ(query_int(dir, "SELECT count(*) FROM audit"), WRITERS * EACH);
        remove_dir(NULL, dir);
    }
}

/* ---- migrations ------------------------------------------------------- */

static void test_migrations(void)
{
    char dir[512], path[600];
    CHECK(make_dir(NULL, dir, sizeof dir));
    db_path(dir, path, sizeof path);
    vg_store *s = open_dir(dir, NULL);
    if (!s) {
        remove_dir(NULL, dir);
        return;
    }
    vg_error err;
    CHECK(vg_store_write(s, key_tx, NULL, &err) == VG_OK);
    write_report(s, "OLD1", NULL);
    vg_store_close(s);
    /* back to version 1, as a database made before migration 2: without
     * what migrations 2 to 9 add, with what migration 5 removes, and a
     * report in a status migration 5 renames */
    tamper(dir, "DROP TRIGGER stats_facts_reports_added;"
                "DROP TRIGGER stats_facts_reports_changed;"
                "DROP TRIGGER stats_facts_reports_removed;DROP TRIGGER stats_facts_claimed;"
                "DROP TRIGGER stats_facts_report_files_added;"
                "DROP TRIGGER stats_facts_report_files_changed;"
                "DROP TRIGGER stats_facts_report_files_removed;"
                "DROP TRIGGER stats_facts_report_urls_added;"
                "DROP TRIGGER stats_facts_report_urls_changed;"
                "DROP TRIGGER stats_facts_report_urls_removed;"
                "DROP TRIGGER stats_facts_console_items_added;"
                "DROP TRIGGER stats_facts_console_items_changed;"
                "DROP TRIGGER stats_facts_console_items_removed;"
                "DROP TRIGGER stats_facts_url_routes_added;"
                "DROP TRIGGER stats_facts_url_routes_changed;"
                "DROP TRIGGER stats_facts_url_routes_removed;"
                "DROP TRIGGER stats_facts_notices_added;"
                "DROP TRIGGER stats_facts_notices_changed;"
                "DROP TRIGGER stats_facts_notices_removed;"
                "DROP TRIGGER stats_facts_blocklist_added;"
                "DROP TRIGGER stats_facts_blocklist_changed;"
                "DROP TRIGGER stats_facts_blocklist_removed;"
                "DROP TRIGGER stats_facts_blocklist_appeals_added;"
                "DROP TRIGGER stats_facts_blocklist_appeals_removed;"
                "DROP VIEW stats_fact_source; DROP TABLE stats_facts; DROP TABLE stats_dirty;"
                "DROP TABLE console_items; DROP TABLE console_bank;"
                "DROP INDEX idempotency_created; DROP INDEX audit_target;"
                "ALTER TABLE api_keys DROP COLUMN trust; DROP TABLE login_throttle;"
                "ALTER TABLE accounts ADD COLUMN failed_logins INTEGER NOT NULL DEFAULT 0;"
                "ALTER TABLE accounts ADD COLUMN locked_until INTEGER NOT NULL DEFAULT 0;"
                "DROP INDEX reports_content; ALTER TABLE reports DROP COLUMN content_key;"
                "ALTER TABLE idempotency_keys DROP COLUMN request_hash;"
                "DROP TABLE jobs; ALTER TABLE report_files DROP COLUMN video_match;"
                "DROP TABLE alert_attempts; DROP TABLE alert_deliveries; DROP TABLE alerts;"
                "ALTER TABLE reports DROP COLUMN danger; ALTER TABLE api_keys DROP COLUMN scopes;"
                "DROP TABLE routing_deliveries; DROP TABLE routing_actions;"
                "DROP TABLE url_routes;"
                "DROP INDEX audit_actor; DROP INDEX audit_action; DROP INDEX audit_time;"
                "ALTER TABLE report_files DROP COLUMN match_signal;"
                "DROP TABLE exchange_banks; DROP TABLE exchange_bank_content;"
                "DROP TABLE exchange_open_reports;"
                "DROP TABLE notices_events; DROP TABLE notices;"
                "DROP TABLE tlog_entries; DROP TABLE tlog_hashes; DROP TABLE tlog_checkpoints;"
                "DROP TABLE blocklist_appeals; DROP TABLE blocklist_version; DROP TABLE blocklist;"
                "DROP TABLE crawl_targets;"
                "DROP TABLE partner_callbacks;"
                "DROP TABLE bank_quarantine;"
                "DROP TABLE sync_list_lines;"
                "DROP TABLE stats_packs; DROP TABLE stats_pack_stale;"
                "ALTER TABLE accounts DROP COLUMN language;"
                "UPDATE reports SET status = 'action-taken' WHERE receipt_code = 'OLD1';"
                "PRAGMA user_version = 1");
    s = open_dir(dir, NULL);
    if (!s) {
        remove_dir(NULL, dir);
        return;
    }
    CHECK_INT_EQ(vg_store_schema_version(s), 28);
    /* a key made before migration 4 gets the default trust, and before
     * migration 9 may send reports, as it could */
    key_probe kp = {0};
    CHECK(vg_store_read(s, key_get_tx, &kp, &err) == VG_OK && kp.found);
    CHECK_INT_EQ(kp.key.trust, VG_API_KEY_TRUST_DEFAULT);
    CHECK_INT_EQ(kp.key.scopes, VG_SCOPE_REPORT);
    vg_api_key_clear(&kp.key);
    /* "action-taken" said more than was done: the report is "assessed" */
    receipt_probe rp = {.code = "OLD1"};
    CHECK(vg_store_read(s, receipt_tx, &rp, &err) == VG_OK && rp.found);
    CHECK_STR_EQ(rp.row.status, "assessed");
    vg_report_row_clear(&rp.row);
    /* and the migrated store works: a job lease (migration 6) */
    write_report(s, "NEW1", NULL);
    vg_store_close(s);
    CHECK_INT_EQ(query_int(dir, "SELECT count(*) FROM console_items"), 0);
    CHECK_INT_EQ(query_int(dir, "SELECT count(*) FROM jobs"), 0);
    CHECK_INT_EQ(query_int(dir, "SELECT count(*) FROM login_throttle"), 0);
    CHECK_INT_EQ(query_int(dir, "SELECT count(*) FROM reports"), 2);
    /* reports made before migration 8 said nothing of a child in danger */
    CHECK_INT_EQ(query_int(dir, "SELECT count(*) FROM reports WHERE danger = 0"), 2);
    CHECK_INT_EQ(query_int(dir, "SELECT count(*) FROM alerts"), 0);
    CHECK_INT_EQ(query_int(dir, "SELECT count(*) FROM routing_deliveries"), 0);
    /* migration 24: where a forward stands at the partner */
    CHECK_INT_EQ(query_int(dir, "SELECT count(*) FROM routing_deliveries"
                                " WHERE partner_status = '' AND partner_version = 0"
                                " AND partner_status_at = 0"),
                 0);
    CHECK_INT_EQ(query_int(dir, "SELECT count(*) FROM notices"), 0);
    CHECK_INT_EQ(query_int(dir, "SELECT count(*) FROM crawl_targets"), 0);
    CHECK_INT_EQ(query_int(dir, "SELECT count(*) FROM partner_callbacks"), 0);
    CHECK_INT_EQ(query_int(dir, "SELECT count(*) FROM bank_quarantine"), 0);
    CHECK_INT_EQ(query_int(dir, "SELECT count(*) FROM sync_list_lines"), 0);
    CHECK_INT_EQ(query_int(dir, "PRAGMA user_version"), 28);

    /* a database from a newer vigie is refused, not damaged */
    tamper(dir, "PRAGMA user_version = 99");
    vg_error_clear(&err);
    CHECK(vg_store_open(dir, NULL, &s, &err) == VG_ERR_UNSUPPORTED);
    CHECK(strstr(err.message, "newer") != NULL);
    CHECK_INT_EQ(query_int(dir, "PRAGMA user_version"), 99);
    CHECK_INT_EQ(query_int(dir, "SELECT count(*) FROM reports"), 2);
    /* not a database at all */
    FILE *f = fopen(path, "wb");
    if (f) {
        fputs("this is not a database, just text long enough to be read as a header....", f);
        fclose(f);
    }
    char wal[620];
    snprintf(wal, sizeof wal, "%s-wal", path);
    remove(wal);
    CHECK(vg_store_open(dir, NULL, &s, &err) != VG_OK);
    remove_dir(NULL, dir);
}

/* Migration 26: the lines of migration 23's table go (their key held the
 * whole line); the signed sources' states stop saying the store holds
 * them, so the next run stores the list again; other settings untouched. */
static void test_signed_lines_migration(void)
{
    char dir[512];
    CHECK(make_dir(NULL, dir, sizeof dir));
    vg_store *s = open_dir(dir, NULL);
    if (!s) {
        remove_dir(NULL, dir);
        return;
    }
    vg_store_close(s);
    CHECK(tamper(dir, "DROP TABLE stats_packs; DROP TABLE stats_pack_stale;"
                      "DROP TABLE sync_list_lines;"
                      "CREATE TABLE sync_list_lines(source TEXT NOT NULL, line TEXT NOT NULL,"
                      "  PRIMARY KEY(source, line)) WITHOUT ROWID;"
                      "INSERT INTO sync_list_lines VALUES('feed', 'md5,a1,e1');"
                      "INSERT INTO settings VALUES('sync:feed',"
                      "  '{\"header\":\"signal_type,signal,id\",\"lines\":true,\"version\":3}');"
                      "INSERT INTO settings VALUES('other', '{\"lines\":true}');"
                      "ALTER TABLE accounts DROP COLUMN language;"
                      "PRAGMA user_version = 25;"));
    s = open_dir(dir, NULL);
    if (s)
        CHECK_INT_EQ(vg_store_schema_version(s), 28);
    vg_store_close(s);
    CHECK_INT_EQ(query_int(dir, "SELECT count(*) FROM sync_list_lines"), 0);
    CHECK_INT_EQ(query_int(dir, "SELECT count(*) FROM settings WHERE name = 'sync:feed'"
                                " AND json_extract(value, '$.lines') IS NULL"
                                " AND json_extract(value, '$.version') = 3"),
                 1);
    CHECK_INT_EQ(query_int(dir, "SELECT json_extract(value, '$.lines') FROM settings"
                                " WHERE name = 'other'"),
                 1);
    CHECK_INT_EQ(query_int(dir, "SELECT count(*) FROM pragma_table_info('sync_list_lines')"
                                " WHERE name IN ('generation', 'head', 'digest', 'rest')"),
                 4);
    remove_dir(NULL, dir);
}

/* ---- the audit log's guards ----------------------------------------------- */

/* Migration 22: notices made before it get their route's host. */
static void test_notice_hosting_migration(void)
{
    char dir[512];
    CHECK(make_dir(NULL, dir, sizeof dir));
    vg_store *s = open_dir(dir, NULL);
    if (!s) {
        remove_dir(NULL, dir);
        return;
    }
    write_report(s, "N1", NULL);
    write_report(s, "N2", NULL);
    write_report(s, "N3", NULL);
    vg_store_close(s);
    /* undo migration 25 first: its view and triggers read the columns 22
     * added (25 makes them again whatever it finds) */
    CHECK(tamper(dir, "DROP VIEW stats_fact_source;"
                      "DROP TRIGGER stats_facts_notices_added;"
                      "DROP TRIGGER stats_facts_notices_changed;"
                      "DROP TRIGGER stats_facts_notices_removed;"
                      "ALTER TABLE stats_facts DROP COLUMN sex;"
                      "ALTER TABLE stats_facts DROP COLUMN flags;"
                      "ALTER TABLE stats_facts DROP COLUMN baseline;"
                      "ALTER TABLE notices DROP COLUMN asn;"
                      "ALTER TABLE notices DROP COLUMN as_name;"
                      "ALTER TABLE notices DROP COLUMN host_country;"
                      "DROP TABLE sync_list_lines;"
                      "DROP TABLE stats_packs; DROP TABLE stats_pack_stale;"
                      "ALTER TABLE routing_deliveries DROP COLUMN partner_status;"
                      "ALTER TABLE routing_deliveries DROP COLUMN partner_version;"
                      "ALTER TABLE routing_deliveries DROP COLUMN partner_status_at;"
                      "ALTER TABLE accounts DROP COLUMN language;"
                      "PRAGMA user_version = 21;" STORE_NOTICE_HOSTING_OLD STORE_FACTS_STALE));
    s = open_dir(dir, NULL);
    if (s)
        CHECK_INT_EQ(vg_store_schema_version(s), 28);
    vg_store_close(s);
    const char *checks[] = STORE_NOTICE_HOSTING_CHECKS;
    const int64_t want[] = STORE_NOTICE_HOSTING_WANT;
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        CHECK_MSG(query_int(dir, checks[i]) == want[i], "%s", checks[i]);
    /* migration 25: every report's facts computed again */
    const char *fact_checks[] = STORE_FACTS_CHECKS;
    const int64_t fact_want[] = STORE_FACTS_WANT;
    for (size_t i = 0; i < sizeof fact_want / sizeof fact_want[0]; i++)
        CHECK_MSG(query_int(dir, fact_checks[i]) == fact_want[i], "%s", fact_checks[i]);
    remove_dir(NULL, dir);
}

static vg_status chain_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    int *count = ctx;
    for (int i = 1; i <= *count; i++) {
        char target[32];
        snprintf(target, sizeof target, "thing-%d", i);
        vg_audit_note note = {"user:alice", "evidence.view", target, "{\"n\":1}"};
        vg_status st = vg_tx_audit_append(tx, 1700000000 + i, &note, NULL, err);
        if (st != VG_OK)
            return st;
    }
    return VG_OK;
}

static void make_chain(const char *dir, int count)
{
    vg_store *s = open_dir(dir, NULL);
    vg_error err;
    CHECK(s && vg_store_write(s, chain_tx, &count, &err) == VG_OK);
    vg_store_close(s);
}

/* `vigie audit verify` on dir: its exit code, or -1 when it cannot run. */
static int cli_verify(const char *dir)
{
    const char *build = getenv("VIGIE_BUILD_DIR");
    if (!build)
        return -1;
    char cmd[1400];
    snprintf(cmd, sizeof cmd, "'%s/vigie' audit verify --data-dir '%s' >/dev/null", build, dir);
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* The log refuses changes through SQL; the lookup by target is answered
 * from its index (migration 4), not by reading the whole log. */
static void test_audit_guards(void)
{
    char dir[512], path[600];
    CHECK(make_dir(NULL, dir, sizeof dir));
    db_path(dir, path, sizeof path);
    make_chain(dir, 6);
    sqlite3 *db = NULL;
    CHECK(sqlite3_open(path, &db) == SQLITE_OK);
    CHECK(sqlite3_exec(db, "UPDATE audit SET target = 'x' WHERE seq = 2", NULL, NULL, NULL) !=
          SQLITE_OK);
    CHECK(sqlite3_exec(db, "DELETE FROM audit WHERE seq = 2", NULL, NULL, NULL) != SQLITE_OK);
    sqlite3_stmt *st = NULL;
    CHECK(sqlite3_prepare_v2(db, "EXPLAIN QUERY PLAN SELECT seq FROM audit WHERE target = ?",
                             -1, &st, NULL) == SQLITE_OK);
    CHECK(sqlite3_step(st) == SQLITE_ROW);
    const char *plan = (const char *)sqlite3_column_text(st, 3);
    CHECK_MSG(plan && strstr(plan, "INDEX audit_target"), "%s", plan ? plan : "(none)");
    sqlite3_finalize(st);
    sqlite3_close(db);
    CHECK_INT_EQ(query_int(dir, "SELECT count(*) FROM audit"), 6);
    CHECK_INT_EQ(query_int(dir, "SELECT seq FROM audit_head"), 6);
    remove_dir(NULL, dir);
}

/* `vigie audit verify`: 0 on a whole chain, 1 once any field the chain
 * covers is altered or an entry removed. */
static void test_cli_verify(void)
{
    if (!getenv("VIGIE_BUILD_DIR")) {
        fprintf(stderr, "  VIGIE_BUILD_DIR unset: `vigie audit verify` not run\n");
        return;
    }
    static const struct {
        const char *field, *value;
    } changes[] = {
        {"target", "something-else"}, {"detail", "{\"n\":2}"}, {"actor", "user:mallory"},
        {"action", "evidence.export"}, {"time", "1700000004"}, {NULL, NULL},
    };
    for (size_t i = 0; i < sizeof changes / sizeof changes[0]; i++) {
        char dir[512];
        CHECK(make_dir(NULL, dir, sizeof dir));
        make_chain(dir, 5);
        CHECK_INT_EQ(cli_verify(dir), 0);
        int done = changes[i].field ? audit_alter(NULL, dir, 3, changes[i].field, changes[i].value)
                                    : audit_remove(NULL, dir, 5, 5);
        CHECK(done);
        CHECK_MSG(cli_verify(dir) == 1, "vigie audit verify: %s",
                  changes[i].field ? changes[i].field : "removed");
        remove_dir(NULL, dir);
    }
    /* an empty log holds */
    char dir[512];
    CHECK(make_dir(NULL, dir, sizeof dir));
    make_chain(dir, 0);
    CHECK_INT_EQ(cli_verify(dir), 0);
    remove_dir(NULL, dir);
}

/* ---- cases ------------------------------------------------------------- */

typedef struct move_args {
    int64_t id, case_id;
} move_args;

static vg_status move_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    move_args *a = ctx;
    return vg_tx_report_set_case(tx, a->id, a->case_id, err);
}

/* A case a report leaves is removed when it has no report left, and kept
 * while it has one. */
static void test_empty_case_removed(void)
{
    char dir[512];
    CHECK(make_dir(NULL, dir, sizeof dir));
    vg_store *s = open_dir(dir, NULL);
    if (!s) {
        remove_dir(NULL, dir);
        return;
    }
    int64_t ca = 0, cb = 0;
    int64_t r1 = write_report(s, "C1", &ca);
    write_report(s, "C2", &ca);
    int64_t r3 = write_report(s, "C3", &cb);
    vg_error err;
    move_args m = {r1, cb};
    CHECK(vg_store_write(s, move_tx, &m, &err) == VG_OK);
    m = (move_args){r3, ca};
    CHECK(vg_store_write(s, move_tx, &m, &err) == VG_OK);
    vg_store_close(s);
    char sql[100];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM cases WHERE id = %" PRId64, ca);
    CHECK_INT_EQ(query_int(dir, sql), 1);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM cases WHERE id = %" PRId64, cb);
    CHECK_INT_EQ(query_int(dir, sql), 1);
    s = open_dir(dir, NULL);
    m = (move_args){r1, ca};
    CHECK(s && vg_store_write(s, move_tx, &m, &err) == VG_OK);
    vg_store_close(s);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM cases WHERE id = %" PRId64, cb);
    CHECK_INT_EQ(query_int(dir, sql), 0);
    CHECK_INT_EQ(query_int(dir, "SELECT count(*) FROM cases"), 1);
    remove_dir(NULL, dir);
}

int main(void)
{
    CHECK_INT_EQ(store_contract_run(&sqlite_backend), 0);
    RUN(test_locations);
    RUN(test_group_commit_bound);
    RUN(test_migrations);
    RUN(test_notice_hosting_migration);
    RUN(test_signed_lines_migration);
    RUN(test_audit_guards);
    RUN(test_cli_verify);
    RUN(test_empty_case_removed);
    return vg_test_exit();
}

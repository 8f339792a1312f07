/*
 * The PostgreSQL backend: the store's contract (contract.c) on a fresh
 * database per check, then what only PostgreSQL has: locations and a
 * server that cannot be reached, migrations (a newer schema refused, two
 * stores opening one database at once), the audit log's trigger, `vigie
 * audit verify` on a damaged log, and races between two connections that
 * a missing lock would turn into a lost update.
 *
 * The races are made, not hoped for: the first transaction reads, then
 * waits until the second has either read too (the lock is missing: the
 * check then fails) or is waiting for a lock in the server (seen in
 * pg_stat_activity); only then does the first write and commit.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/wait.h>
#include <time.h>

#include "contract.h"
#include "harness.h"
#include "hotline/audit.h"
#include "pg_test.h"
#include "store/audit.h"
#include "store/items.h"
#include "store/jobs.h"
#include "store/people.h"
#include "store/reports.h"
#include "store/store.h"

#define NOW INT64_C(1700000000)

/* ---- the contract's backend ---------------------------------------------- */

static int create(void *ctx, char *location, size_t cap)
{
    (void)ctx;
    return pgt_create(location, cap);
}

static void destroy(void *ctx, const char *location)
{
    (void)ctx;
    pgt_drop(location);
}

/* With the trigger that guards the log disabled, as the owner of the
 * database could. */
static int run_unguarded(const char *url, const char *sql, const char *text, int64_t a,
                         int64_t b)
{
    PGconn *c = PQconnectdb(url);
    int ok = PQstatus(c) == CONNECTION_OK;
    if (ok) {
        PGresult *r = PQexec(c, "ALTER TABLE audit DISABLE TRIGGER USER");
        ok = PQresultStatus(r) == PGRES_COMMAND_OK;
        PQclear(r);
    }
    if (ok) {
        char na[24], nb[24];
        snprintf(na, sizeof na, "%" PRId64, a);
        snprintf(nb, sizeof nb, "%" PRId64, b);
        const char *values[3] = {text, na, nb};
        const char *const *v = text ? values : values + 1;
        PGresult *r = PQexecParams(c, sql, text ? 3 : 2, NULL, v, NULL, NULL, 0);
        ok = PQresultStatus(r) == PGRES_COMMAND_OK && atoi(PQcmdTuples(r)) > 0;
        if (!ok)
            fprintf(stderr, "%s: %s", sql, PQerrorMessage(c));
        PQclear(r);
        PQclear(PQexec(c, "ALTER TABLE audit ENABLE TRIGGER USER"));
    }
    PQfinish(c);
    return ok;
}

static int audit_alter(void *ctx, const char *url, int64_t seq, const char *field,
                       const char *value)
{
    (void)ctx;
    static const char *const fields[] = {"time", "actor", "action", "target", "detail", "hash"};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (!strcmp(field, fields[i])) {
            char sql[120];
            snprintf(sql, sizeof sql, "UPDATE audit SET %s = $1 WHERE seq BETWEEN $2 AND $3",
                     fields[i]);
            return run_unguarded(url, sql, value, seq, seq);
        }
    return 0;
}

static int audit_remove(void *ctx, const char *url, int64_t first, int64_t last)
{
    (void)ctx;
    return run_unguarded(url, "DELETE FROM audit WHERE seq BETWEEN $1 AND $2", NULL, first,
                         last);
}

static int packs_damage(void *ctx, const char *url, const char *how)
{
    (void)ctx;
    const char *sql = !strcmp(how, "flip")
                          ? "UPDATE stats_packs SET facts ="
                            " overlay(facts placing '\\xff'::bytea from 21 for 1)"
                      : !strcmp(how, "cut")
                          ? "UPDATE stats_packs SET facts ="
                            " substring(facts from 1 for length(facts) - 9)"
                      : !strcmp(how, "drop")
                          ? "DELETE FROM stats_packs WHERE day = (SELECT min(day) FROM stats_packs)"
                      : !strcmp(how, "drop_last")
                          ? "DELETE FROM stats_packs WHERE day = (SELECT max(day) FROM stats_packs)"
                          : "UPDATE stats_packs SET day = day + 1"
                            " WHERE day = (SELECT max(day) FROM stats_packs)";
    return pgt_exec(url, sql);
}

static const store_contract_backend postgres_backend = {
    .name = "postgresql",
    .create = create,
    .destroy = destroy,
    .audit_alter = audit_alter,
    .audit_remove = audit_remove,
    .packs_damage = packs_damage,
};

/* ---- helpers ------------------------------------------------------------ */

static vg_store *open_url(const char *url, const vg_store_options *options)
{
    vg_store *s = NULL;
    vg_error err;
    vg_error_clear(&err);
    vg_status st = vg_store_open(url, options, &s, &err);
    CHECK_MSG(st == VG_OK, "opening %s: %s", url, err.message);
    return s;
}

typedef struct report_args {
    const char *code, *url;
    int64_t id, case_id;
} report_args;

/* A report (with one URL when url is set) in a case of its own. */
static vg_status report_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    report_args *a = ctx;
    char id[48];
    snprintf(id, sizeof id, "id-%s", a->code);
    vg_report_url u = {a->url, a->url};
    vg_report r = {.public_id = id, .receipt_code = a->code, .source = "web",
                   .urls = a->url ? &u : NULL, .url_count = a->url ? 1 : 0};
    vg_status st = vg_tx_case_new(tx, NOW, &a->case_id, err);
    return st == VG_OK ? vg_tx_report_put(tx, &r, a->case_id, NOW, &a->id, err) : st;
}

static int64_t put_report(vg_store *s, const char *code)
{
    report_args a = {.code = code};
    vg_error err;
    CHECK_MSG(vg_store_write(s, report_tx, &a, &err) == VG_OK, "%s", err.message);
    return a.id;
}

/* ---- locations and migrations ----------------------------------------- */

static void test_locations(void)
{
    char url[600];
    vg_store *s = NULL;
    vg_error err;
    /* a database that does not exist, a server that is not there */
    CHECK(pgt_url("vigie_no_such_database", url, sizeof url));
    CHECK(vg_store_open(url, NULL, &s, &err) == VG_ERR_IO && s == NULL);
    CHECK_MSG(strstr(err.message, "cannot connect") != NULL, "%s", err.message);
    CHECK(vg_store_open("postgresql:///x?host=/nonexistent-vigie-dir", NULL, &s, &err) ==
              VG_ERR_IO &&
          s == NULL);
    CHECK(vg_store_is_postgres("postgres://h/db") && vg_store_is_postgres("postgresql:///db"));
    CHECK(!vg_store_is_postgres("/var/lib/vigie") && !vg_store_is_postgres("postgresql"));

    CHECK(pgt_create(url, sizeof url));
    s = open_url(url, NULL);
    if (s) {
        CHECK_STR_EQ(vg_store_backend(s), "postgresql");
        CHECK_INT_EQ(vg_store_schema_version(s), 26);
        vg_store_close(s);
    }
    CHECK_INT_EQ(pgt_int(url, "SELECT version FROM vigie_schema"), 26);
    CHECK_INT_EQ(pgt_int(url, "SELECT count(*) FROM vigie_schema"), 1);
    /* Migration 17 (SQLite's 22): notices made before it get their
     * route's host. */
    s = open_url(url, NULL);
    if (s) {
        put_report(s, "N1");
        put_report(s, "N2");
        put_report(s, "N3");
        vg_store_close(s);
    }
    /* undo migration 22 first: its view and trigger read the columns 17
     * added (22 makes them again whatever it finds) */
    CHECK(pgt_exec(url, "DROP VIEW stats_fact_source;"
                        "DROP TRIGGER stats_facts_notices ON notices;"
                        "ALTER TABLE stats_facts DROP COLUMN sex, DROP COLUMN flags,"
                        " DROP COLUMN baseline;"
                        "ALTER TABLE notices DROP COLUMN asn, DROP COLUMN as_name,"
                        " DROP COLUMN host_country;"
                        "DROP TABLE sync_list_lines;"
                        "DROP TABLE stats_packs, stats_pack_stale;"
                        "ALTER TABLE accounts DROP COLUMN language;"
                        "ALTER TABLE routing_deliveries DROP COLUMN partner_status,"
                        " DROP COLUMN partner_version, DROP COLUMN partner_status_at;"
                        "DROP FUNCTION stats_on_new_reports, stats_on_new_children CASCADE;"
                        "CREATE INDEX reports_created ON reports(created_at);"
                        "UPDATE vigie_schema SET version = 16;" STORE_NOTICE_HOSTING_OLD
                            STORE_FACTS_STALE));
    s = open_url(url, NULL);
    if (s) {
        CHECK_INT_EQ(vg_store_schema_version(s), 26);
        vg_store_close(s);
    }
    {
        const char *checks[] = STORE_NOTICE_HOSTING_CHECKS;
        const int64_t want[] = STORE_NOTICE_HOSTING_WANT;
        for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
            CHECK_MSG(pgt_int(url, checks[i]) == want[i], "%s", checks[i]);
        /* migration 22 (SQLite's 25): every report's facts computed again */
        const char *fact_checks[] = STORE_FACTS_CHECKS;
        const int64_t fact_want[] = STORE_FACTS_WANT;
        for (size_t i = 0; i < sizeof fact_want / sizeof fact_want[0]; i++)
            CHECK_MSG(pgt_int(url, fact_checks[i]) == fact_want[i], "%s", fact_checks[i]);
    }
    CHECK(pgt_exec(url, "DELETE FROM notices; DELETE FROM url_routes;"));
    /* Migration 6 (SQLite's 11) on a database at version 5: the automatic
     * decisions made before it learn the report they came from, when
     * their final_json says so; a final_json that is not JSON, or whose
     * "of" is not a number, leaves it empty instead of failing. */
    CHECK(pgt_exec(url, "DROP INDEX console_items_from, console_bank_report, audit_actor,"
                        " audit_action, audit_time;"
                        "ALTER TABLE console_items DROP COLUMN decided_from;"
                        "ALTER TABLE report_files DROP COLUMN match_signal;"
                        "DROP TABLE exchange_banks, exchange_bank_content,"
                        " exchange_open_reports;"
                        "DROP TABLE stats_facts, stats_dirty; DROP VIEW stats_fact_source;"
                        "DROP FUNCTION stats_refresh, stats_mark, stats_fold;"
                        "DROP FUNCTION stats_on_report, stats_on_child, stats_on_claim, stats_on_appeal,"
                        " stats_on_new_reports, stats_on_new_children CASCADE;"
                        "CREATE INDEX reports_created ON reports(created_at);"
                        "DROP TABLE notices_events; DROP TABLE notices;"
                        "DROP TABLE tlog_entries, tlog_hashes, tlog_checkpoints;"
                        "DROP TABLE blocklist_appeals, blocklist_version, blocklist;"
                        "DROP TABLE crawl_targets;"
                        "DROP TABLE partner_callbacks;"
                        "DROP TABLE bank_quarantine;"
                        "DROP TABLE sync_list_lines;"
                        "DROP TABLE stats_packs, stats_pack_stale;"
                        "ALTER TABLE accounts DROP COLUMN language;"
                        "DROP TABLE routing_deliveries, routing_actions;"
                        "ALTER TABLE url_routes DROP COLUMN changed_by,"
                        " DROP COLUMN decided_by, DROP COLUMN decided_at;"
                        "UPDATE vigie_schema SET version = 5;"
                        "INSERT INTO console_items(report_id, state, final_json) VALUES"
                        " (1, 'auto', '{\"of\": 41}'), (2, 'auto', 'not json'),"
                        " (3, 'auto', '{\"of\": \"x\"}'), (4, 'confirmed', '{\"of\": 41}'),"
                        " (5, 'auto', '{\"legal\": \"csam\"}')"));
    s = open_url(url, NULL);
    if (s) {
        CHECK_INT_EQ(vg_store_schema_version(s), 26);
        vg_store_close(s);
    }
    /* migration 8 (SQLite's 13): routes made before wait for a person */
    CHECK_INT_EQ(pgt_int(url, "SELECT count(*) FROM routing_deliveries"), 0);
    /* migration 19 (SQLite's 24): where a forward stands at the partner */
    CHECK_INT_EQ(pgt_int(url, "SELECT count(*) FROM routing_deliveries WHERE partner_status = ''"
                              " AND partner_version = 0 AND partner_status_at = 0"),
                 0);
    CHECK_INT_EQ(pgt_int(url, "SELECT decided_from FROM console_items WHERE report_id = 1"), 41);
    CHECK_INT_EQ(pgt_int(url, "SELECT count(*) FROM console_items WHERE decided_from IS NULL"),
                 4);
    CHECK_INT_EQ(pgt_int(url, "SELECT count(*) FROM pg_indexes WHERE indexname IN"
                              " ('console_items_from', 'audit_time')"),
                 2);
    /* a database from a newer vigie is refused, not touched */
    CHECK(pgt_exec(url, "UPDATE vigie_schema SET version = 99"));
    vg_error_clear(&err);
    CHECK(vg_store_open(url, NULL, &s, &err) == VG_ERR_UNSUPPORTED && s == NULL);
    CHECK(strstr(err.message, "newer") != NULL);
    CHECK_INT_EQ(pgt_int(url, "SELECT version FROM vigie_schema"), 99);
    pgt_drop(url);
}

typedef struct opener {
    const char *url;
    vg_store *s;
} opener;

static void *open_thread(void *p)
{
    opener *o = p;
    vg_error err;
    if (vg_store_open(o->url, NULL, &o->s, &err) != VG_OK)
        fprintf(stderr, "open: %s\n", err.message);
    return NULL;
}

/* Nodes starting together on an empty database: the schema is made once
 * and both open. */
static void test_migrate_together(void)
{
    char url[600];
    CHECK(pgt_create(url, sizeof url));
    opener o[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        o[i] = (opener){url, NULL};
        pthread_create(&th[i], NULL, open_thread, &o[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        CHECK(o[i].s != NULL);
        vg_store_close(o[i].s);
    }
    CHECK_INT_EQ(pgt_int(url, "SELECT count(*) FROM vigie_schema"), 1);
    CHECK_INT_EQ(pgt_int(url, "SELECT count(*) FROM audit_head"), 1);
    pgt_drop(url);
}

/* A server that refuses to promise durability is refused. */
static void test_durability_settings(void)
{
    char url[600], db[80], with[800];
    CHECK(pgt_create(url, sizeof url));
    const char *path = strstr(url, ":///") + 4;
    snprintf(db, sizeof db, "%.*s", (int)strcspn(path, "?"), path);
    snprintf(with, sizeof with, "ALTER DATABASE %s SET synchronous_commit = off", db);
    CHECK(pgt_exec(url, with));
    vg_store *s = NULL;
    vg_error err;
    vg_error_clear(&err);
    CHECK(vg_store_open(url, NULL, &s, &err) == VG_ERR_UNSUPPORTED && s == NULL);
    CHECK_MSG(strstr(err.message, "synchronous_commit") != NULL, "%s", err.message);
    pgt_drop(url);
}

/* ---- the audit log's guard, `vigie audit verify` ---------------------- */

static vg_status chain_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    int count = *(int *)ctx;
    for (int i = 1; i <= count; i++) {
        char target[32];
        snprintf(target, sizeof target, "thing-%d", i);
        vg_audit_note note = {"user:alice", "evidence.view", target, "{\"n\":1}"};
        vg_status st = vg_tx_audit_append(tx, NOW + i, &note, NULL, err);
        if (st != VG_OK)
            return st;
    }
    return VG_OK;
}

static int cli_verify(const char *url)
{
    const char *build = getenv("VIGIE_BUILD_DIR");
    char cmd[1400];
    snprintf(cmd, sizeof cmd, "'%s/vigie' audit verify --database '%s' >/dev/null", build, url);
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static void test_audit_guard_and_verify(void)
{
    char url[600];
    CHECK(pgt_create(url, sizeof url));
    vg_store *s = open_url(url, NULL);
    int n = 5;
    vg_error err;
    CHECK(s && vg_store_write(s, chain_tx, &n, &err) == VG_OK);
    vg_store_close(s);
    CHECK(!pgt_exec(url, "UPDATE audit SET target = 'x' WHERE seq = 2"));
    CHECK(!pgt_exec(url, "DELETE FROM audit WHERE seq = 2"));
    CHECK(!pgt_exec(url, "TRUNCATE audit"));
    CHECK_INT_EQ(pgt_int(url, "SELECT count(*) FROM audit"), 5);
    if (getenv("VIGIE_BUILD_DIR")) {
        CHECK_INT_EQ(cli_verify(url), 0);
        CHECK(audit_alter(NULL, url, 3, "detail", "{\"n\":2}"));
        CHECK_INT_EQ(cli_verify(url), 1);
    }
    pgt_drop(url);
}

/* ---- races ------------------------------------------------------------ */

/* A race between two write transactions on one store (two connections of
 * its pool): first reads, then waits until second has read too or waits
 * for a lock, then writes and commits; second reads and writes. */
typedef struct race {
    vg_store *s;
    const char *url;
    vg_tx_fn first, second;
    void *ctx;
    atomic_int second_read, first_read, second_runs;
    vg_status second_status;
} race;

/* Some backend of the race's database waits for a lock. */
static int someone_waits(const char *url)
{
    return pgt_int(url, "SELECT count(*) FROM pg_stat_activity WHERE datname = "
                        "current_database() AND wait_event_type = 'Lock'") > 0;
}

/* Called by the first transaction once it has read. */
static void first_waits_for_second(race *r)
{
    atomic_store(&r->first_read, 1);
    struct timespec ms = {0, 1000000};
    while (!atomic_load(&r->second_read) && !someone_waits(r->url))
        nanosleep(&ms, NULL);
}

static void *second_thread(void *p)
{
    race *r = p;
    struct timespec ms = {0, 1000000};
    while (!atomic_load(&r->first_read))
        nanosleep(&ms, NULL);
    vg_error err;
    r->second_status = vg_store_write(r->s, r->second, r, &err);
    if (r->second_status != VG_OK)
        fprintf(stderr, "second: %s\n", err.message);
    return NULL;
}

static vg_status run_race(race *r)
{
    pthread_t th;
    pthread_create(&th, NULL, second_thread, r);
    vg_error err;
    vg_status st = vg_store_write(r->s, r->first, r, &err);
    if (st != VG_OK)
        fprintf(stderr, "first: %s\n", err.message);
    pthread_join(th, NULL);
    return st;
}

/* -- claims: each takes the item if it is open and unclaimed (the rule of
 * model/item.c, reduced to what the store must keep apart) */

typedef struct claim_race {
    race r;
    int64_t report_id;
    int taken[2];
} claim_race;

static vg_status claim(vg_tx *tx, claim_race *c, int who, vg_error *err)
{
    vg_item it;
    int found = 0;
    vg_status st = vg_tx_item_get(tx, c->report_id, &it, &found, err);
    if (st != VG_OK)
        return st;
    if (who == 0)
        first_waits_for_second(&c->r);
    else
        atomic_store(&c->r.second_read, 1);
    c->taken[who] = 0;
    if (found && !it.claimed_by) {
        vg_item next = it;
        next.claimed_by = who ? "bob" : "alice";
        next.claimed_at = NOW;
        next.version = it.version + 1;
        st = vg_tx_item_put(tx, &next, NOW, err);
        c->taken[who] = st == VG_OK;
    }
    vg_item_clear(&it);
    return st;
}

static vg_status claim_first(vg_tx *tx, void *ctx, vg_error *err)
{
    return claim(tx, ctx, 0, err);
}

static vg_status claim_second(vg_tx *tx, void *ctx, vg_error *err)
{
    return claim(tx, ctx, 1, err);
}

static void test_race_claim(const char *url, vg_store *s)
{
    claim_race c = {.r = {.s = s, .url = url, .first = claim_first, .second = claim_second}};
    c.report_id = put_report(s, "CLAIM");
    CHECK_INT_EQ(run_race(&c.r), VG_OK);
    CHECK_INT_EQ(c.r.second_status, VG_OK);
    CHECK_MSG(c.taken[0] + c.taken[1] == 1, "claimed by %d analysts", c.taken[0] + c.taken[1]);
    CHECK_INT_EQ(c.taken[0], 1);
    char sql[120], holder[32];
    snprintf(sql, sizeof sql, "SELECT claimed_by || version FROM console_items WHERE report_id = %"
             PRId64, c.report_id);
    CHECK_STR_EQ(pgt_text(url, sql, holder, sizeof holder), "alice1");
}

/* -- four-eyes: alice gave the first opinion; bob and carol each give the
 * second at once, when none is there yet. One second opinion stands. */

static vg_status second_opinion(vg_tx *tx, claim_race *c, int who, vg_error *err)
{
    vg_item it;
    int found = 0;
    vg_status st = vg_tx_item_get(tx, c->report_id, &it, &found, err);
    if (st != VG_OK)
        return st;
    if (who == 0)
        first_waits_for_second(&c->r);
    else
        atomic_store(&c->r.second_read, 1);
    c->taken[who] = 0;
    if (found && it.state && !strcmp(it.state, "awaiting-second") && !it.second_by) {
        vg_item next = it;
        next.state = "confirmed";
        next.second_by = who ? "carol" : "bob";
        next.second_json = "{}";
        next.decided_by = next.second_by;
        next.version = it.version + 1;
        st = vg_tx_item_put(tx, &next, NOW, err);
        c->taken[who] = st == VG_OK;
    }
    vg_item_clear(&it);
    return st;
}

static vg_status second_first(vg_tx *tx, void *ctx, vg_error *err)
{
    return second_opinion(tx, ctx, 0, err);
}

static vg_status second_second(vg_tx *tx, void *ctx, vg_error *err)
{
    return second_opinion(tx, ctx, 1, err);
}

static vg_status await_second(vg_tx *tx, void *ctx, vg_error *err)
{
    claim_race *c = ctx;
    vg_item it;
    int found = 0;
    vg_status st = vg_tx_item_get(tx, c->report_id, &it, &found, err);
    if (st == VG_OK && found) {
        vg_item next = it;
        next.state = "awaiting-second";
        next.first_by = "alice";
        next.first_json = "{}";
        next.version = it.version + 1;
        st = vg_tx_item_put(tx, &next, NOW, err);
    }
    vg_item_clear(&it);
    return st;
}

static void test_race_four_eyes(const char *url, vg_store *s)
{
    claim_race c = {.r = {.s = s, .url = url, .first = second_first, .second = second_second}};
    c.report_id = put_report(s, "EYES");
    CHECK_INT_EQ(vg_store_write(s, await_second, &c, NULL), VG_OK);
    CHECK_INT_EQ(run_race(&c.r), VG_OK);
    CHECK_INT_EQ(c.r.second_status, VG_OK);
    CHECK_MSG(c.taken[0] + c.taken[1] == 1, "%d second opinions", c.taken[0] + c.taken[1]);
    char sql[160], text[64];
    snprintf(sql, sizeof sql, "SELECT state || ' ' || second_by || ' ' || version FROM "
             "console_items WHERE report_id = %" PRId64, c.report_id);
    CHECK_STR_EQ(pgt_text(url, sql, text, sizeof text), "confirmed bob 2");
}

/* -- sign-in counts: each counts one more failure for the same name */

typedef struct login_race {
    race r;
} login_race;

static vg_status count_failure(vg_tx *tx, race *r, int who, vg_error *err)
{
    vg_login_state st;
    vg_status s = vg_tx_login_get(tx, "name-key", &st, err);
    if (s != VG_OK)
        return s;
    if (who == 0)
        first_waits_for_second(r);
    else
        atomic_store(&r->second_read, 1);
    st.failures++;
    return vg_tx_login_put(tx, "name-key", &st, NOW, err);
}

static vg_status login_first(vg_tx *tx, void *ctx, vg_error *err)
{
    return count_failure(tx, ctx, 0, err);
}

static vg_status login_second(vg_tx *tx, void *ctx, vg_error *err)
{
    return count_failure(tx, ctx, 1, err);
}

static void test_race_login(const char *url, vg_store *s)
{
    race r = {.s = s, .url = url, .first = login_first, .second = login_second};
    CHECK_INT_EQ(run_race(&r), VG_OK);
    CHECK_INT_EQ(r.second_status, VG_OK);
    CHECK_INT_EQ(pgt_int(url, "SELECT failures FROM login_throttle WHERE key = 'name-key'"), 2);
}

/* -- idempotency: the same key, each writes a report unless the key is
 * known (intake's rule) */

typedef struct idem_race {
    race r;
    int written[2], repeats[2];
} idem_race;

static vg_status submit_once(vg_tx *tx, idem_race *a, int who, vg_error *err)
{
    int found = 0;
    int64_t report = 0;
    char *response = NULL, *hash = NULL;
    vg_status st = vg_tx_idempotency_get(tx, 9, "same-key", &found, &report, &response, &hash,
                                         err);
    free(response);
    free(hash);
    if (st != VG_OK)
        return st;
    if (who == 0)
        first_waits_for_second(&a->r);
    else
        atomic_store(&a->r.second_read, 1);
    a->written[who] = a->repeats[who] = 0;
    if (found) {
        a->repeats[who] = 1;
        return VG_OK;
    }
    report_args ra = {.code = who ? "IDEM-B" : "IDEM-A"};
    if ((st = report_tx(tx, &ra, err)) != VG_OK)
        return st;
    vg_idempotency idem = {"same-key", "hash", "{}"};
    st = vg_tx_idempotency_put(tx, 9, &idem, ra.id, NOW, err);
    a->written[who] = st == VG_OK;
    return st;
}

static vg_status idem_first(vg_tx *tx, void *ctx, vg_error *err)
{
    return submit_once(tx, ctx, 0, err);
}

static vg_status idem_second(vg_tx *tx, void *ctx, vg_error *err)
{
    return submit_once(tx, ctx, 1, err);
}

static void test_race_idempotency(const char *url, vg_store *s)
{
    idem_race a = {.r = {.s = s, .url = url, .first = idem_first, .second = idem_second}};
    CHECK_INT_EQ(run_race(&a.r), VG_OK);
    CHECK_INT_EQ(a.r.second_status, VG_OK);
    CHECK_INT_EQ(a.written[0], 1);
    CHECK_INT_EQ(a.repeats[1], 1);
    CHECK_INT_EQ(pgt_int(url, "SELECT count(*) FROM reports WHERE receipt_code LIKE 'IDEM-%'"),
                 1);
}

/* -- case links: two reports of one URL, each joins the case of the
 * newest earlier report sharing it (intake's rule) */

typedef struct link_race {
    race r;
    int64_t cases[2];
} link_race;

static vg_status link_one(vg_tx *tx, link_race *l, int who, vg_error *err)
{
    char id[32];
    const char *code = who ? "LINK-B" : "LINK-A";
    snprintf(id, sizeof id, "id-%s", code);
    vg_report_url u = {"https://example.test/shared", "https://example.test/shared"};
    vg_report r = {.public_id = id, .receipt_code = code, .source = "web", .urls = &u,
                   .url_count = 1};
    vg_case_candidate *cand = NULL;
    size_t n = 0;
    vg_status st = vg_tx_case_candidates(tx, &r, &cand, &n, err);
    int64_t case_id = n ? cand[0].case_id : 0;
    free(cand);
    if (st != VG_OK)
        return st;
    if (who == 0)
        first_waits_for_second(&l->r);
    else
        atomic_store(&l->r.second_read, 1);
    if (!case_id && (st = vg_tx_case_new(tx, NOW, &case_id, err)) != VG_OK)
        return st;
    l->cases[who] = case_id;
    int64_t rid = 0;
    return vg_tx_report_put(tx, &r, case_id, NOW, &rid, err);
}

static vg_status link_first(vg_tx *tx, void *ctx, vg_error *err)
{
    return link_one(tx, ctx, 0, err);
}

static vg_status link_second(vg_tx *tx, void *ctx, vg_error *err)
{
    return link_one(tx, ctx, 1, err);
}

static void test_race_case_link(const char *url, vg_store *s)
{
    link_race l = {.r = {.s = s, .url = url, .first = link_first, .second = link_second}};
    CHECK_INT_EQ(run_race(&l.r), VG_OK);
    CHECK_INT_EQ(l.r.second_status, VG_OK);
    CHECK(l.cases[0] > 0);
    CHECK_INT_EQ(l.cases[1], l.cases[0]);
    CHECK_INT_EQ(pgt_int(url, "SELECT count(DISTINCT case_id) FROM reports WHERE receipt_code "
                              "LIKE 'LINK-%'"),
                 1);
}

/* -- the audit chain: each appends an entry after reading the head */

static vg_status audit_one(vg_tx *tx, race *r, int who, vg_error *err)
{
    int64_t seq = 0;
    char hash[65];
    vg_audit_note note = {who ? "user:bob" : "user:alice", "evidence.view", "file:1", NULL};
    /* an append reads the head itself; the race is around it */
    vg_status st = vg_tx_audit_append(tx, NOW, &note, &seq, err);
    if (st == VG_OK)
        st = vg_tx_audit_head(tx, &seq, hash, err);
    if (who == 0)
        first_waits_for_second(r);
    else
        atomic_store(&r->second_read, 1);
    return st;
}

static vg_status audit_first(vg_tx *tx, void *ctx, vg_error *err)
{
    return audit_one(tx, ctx, 0, err);
}

static vg_status audit_second(vg_tx *tx, void *ctx, vg_error *err)
{
    return audit_one(tx, ctx, 1, err);
}

static void test_race_audit(const char *url, vg_store *s)
{
    int64_t before = pgt_int(url, "SELECT seq FROM audit_head");
    race r = {.s = s, .url = url, .first = audit_first, .second = audit_second};
    CHECK_INT_EQ(run_race(&r), VG_OK);
    CHECK_INT_EQ(r.second_status, VG_OK);
    CHECK_INT_EQ(pgt_int(url, "SELECT seq FROM audit_head"), before + 2);
    int ok = 0;
    char *problem = NULL;
    vg_error err;
    CHECK(vg_hotline_audit_verify(s, &ok, &problem, NULL, &err) == VG_OK && ok);
    free(problem);
}

/* -- a deadlock: each locks one item, then the other's; PostgreSQL
 * aborts one, which runs again and then succeeds */

typedef struct deadlock_race {
    race r;
    int64_t a, b;
    atomic_int runs[2];
} deadlock_race;

static vg_status lock_both(vg_tx *tx, deadlock_race *d, int who, vg_error *err)
{
    int run = atomic_fetch_add(&d->runs[who], 1);
    vg_item it;
    int found = 0;
    vg_status st = vg_tx_item_get(tx, who ? d->b : d->a, &it, &found, err);
    vg_item_clear(&it);
    if (st != VG_OK)
        return st;
    if (run == 0) {
        if (who == 0) {
            atomic_store(&d->r.first_read, 1);
            struct timespec ms = {0, 1000000};
            while (!atomic_load(&d->r.second_read))
                nanosleep(&ms, NULL);
        } else {
            atomic_store(&d->r.second_read, 1);
            struct timespec ms = {0, 1000000};
            while (!someone_waits(d->r.url))
                nanosleep(&ms, NULL);
        }
    }
    st = vg_tx_item_get(tx, who ? d->a : d->b, &it, &found, err);
    vg_item_clear(&it);
    return st;
}

static vg_status deadlock_first(vg_tx *tx, void *ctx, vg_error *err)
{
    return lock_both(tx, ctx, 0, err);
}

static vg_status deadlock_second(vg_tx *tx, void *ctx, vg_error *err)
{
    return lock_both(tx, ctx, 1, err);
}

static void test_race_deadlock(const char *url, vg_store *s)
{
    deadlock_race d = {.r = {.s = s, .url = url, .first = deadlock_first,
                             .second = deadlock_second}};
    d.a = put_report(s, "DEAD-A");
    d.b = put_report(s, "DEAD-B");
    CHECK_INT_EQ(run_race(&d.r), VG_OK);
    CHECK_INT_EQ(d.r.second_status, VG_OK);
    /* one of them was run again (and it may lose once more to the other's
     * commit on a loaded machine: how often is the scheduler's, not the
     * backend's; that both commit is what the retry owes) */
    int runs = atomic_load(&d.runs[0]) + atomic_load(&d.runs[1]);
    CHECK_MSG(runs >= 3, "%d runs: the deadlock's loser was not run again", runs);
}

static void test_races(void)
{
    char url[600];
    CHECK(pgt_create(url, sizeof url));
    vg_store_options opt = {.connections = 4};
    vg_store *s = open_url(url, &opt);
    if (s) {
        test_race_claim(url, s);
        test_race_four_eyes(url, s);
        test_race_login(url, s);
        test_race_idempotency(url, s);
        test_race_case_link(url, s);
        test_race_audit(url, s);
        test_race_deadlock(url, s);
        vg_store_close(s);
    }
    pgt_drop(url);
}

/* ---- the server going away ------------------------------------------------- */

static vg_status count_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    return vg_tx_report_count(tx, ctx, err);
}

/* Connections the server ended (a restart does this to all) are opened
 * again by the next transaction, without the caller seeing it. */
static void test_reconnect(void)
{
    char url[600];
    CHECK(pgt_create(url, sizeof url));
    vg_store_options opt = {.connections = 2};
    vg_store *s = open_url(url, &opt);
    if (s) {
        put_report(s, "BEFORE");
        CHECK(pgt_exec(url, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
                            "datname = current_database() AND pid <> pg_backend_pid()"));
        put_report(s, "AFTER");
        int64_t n = 0;
        vg_error err;
        CHECK(vg_store_read(s, count_tx, &n, &err) == VG_OK);
        CHECK_INT_EQ(n, 2);
        vg_store_close(s);
    }
    pgt_drop(url);
}

/* What a transaction costs in waits for the server (vg_store_stats.
 * round_trips): the BEGIN travels with the first statement, statements
 * whose answer is not needed (the audit entry and its head) with the
 * COMMIT, and a read's ROLLBACK is not waited for. One statement read
 * costs one round trip; one audit entry written, two. */
static vg_status one_append_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    (void)ctx;
    vg_audit_note note = {.actor = "test", .action = "test.trips", .target = "t", .detail = "{}"};
    return vg_tx_audit_append(tx, 1700000000, &note, NULL, err);
}

static void test_round_trips(void)
{
    char url[600];
    CHECK(pgt_create(url, sizeof url));
    vg_store_options opt = {.connections = 1};
    vg_store *s = open_url(url, &opt);
    if (s) {
        vg_store_stats before, after;
        int64_t n = 0;
        /* the migrations' trips are counted at the first transaction's end */
        CHECK(vg_store_write(s, one_append_tx, NULL, NULL) == VG_OK);
        for (int i = 0; i < 2; i++) { /* the first time prepares too, in the same trip */
            vg_store_stats_get(s, &before);
            CHECK(vg_store_read(s, count_tx, &n, NULL) == VG_OK);
            vg_store_stats_get(s, &after);
            CHECK_INT_EQ(after.round_trips - before.round_trips, 1);
            vg_store_stats_get(s, &before);
            CHECK(vg_store_write(s, one_append_tx, NULL, NULL) == VG_OK);
            vg_store_stats_get(s, &after);
            CHECK_INT_EQ(after.round_trips - before.round_trips, 2);
        }
        CHECK_INT_EQ(pgt_int(url, "SELECT count(*) FROM audit"), 3);
        CHECK_INT_EQ(pgt_int(url, "SELECT seq FROM audit_head"), 3);
        vg_store_close(s);
    }
    pgt_drop(url);
}

/* The statistics' marks of intake (migration 21, PostgreSQL's own): a
 * report written with its URL is marked once, not once per row; a URL
 * added by a later transaction, or after a fold took the mark, marks its
 * report again; a report slipped in before later ones of its case marks
 * them too (whether each is a duplicate changes). Counts, not times. */
static int64_t marks(const char *url, int64_t report)
{
    char sql[120];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM stats_dirty WHERE report_id = %" PRId64,
             report);
    return pgt_int(url, sql);
}

static void test_stats_marks(void)
{
    char url[600];
    CHECK(pgt_create(url, sizeof url));
    vg_store *s = open_url(url, NULL);
    if (s) {
        report_args a = {.code = "M1", .url = "https://example.test/m1"};
        vg_error err;
        CHECK_MSG(vg_store_write(s, report_tx, &a, &err) == VG_OK, "%s", err.message);
        CHECK_INT_EQ(marks(url, a.id), 1);
        CHECK(pgt_exec(url, "SELECT stats_fold(1000)"));
        CHECK_INT_EQ(marks(url, a.id), 0);
        char sql[400];
        snprintf(sql, sizeof sql,
                 "INSERT INTO report_urls(report_id, url, canonical) VALUES(%" PRId64
                 ", 'u', 'u')",
                 a.id);
        CHECK(pgt_exec(url, sql));
        CHECK_INT_EQ(marks(url, a.id), 1);
        /* in one transaction: marked, folded, then a URL: marked again */
        snprintf(sql, sizeof sql,
                 "BEGIN; SELECT stats_fold(1000);"
                 "INSERT INTO report_urls(report_id, url, canonical) VALUES(%" PRId64
                 ", 'v', 'v'); COMMIT",
                 a.id);
        CHECK(pgt_exec(url, sql));
        CHECK_INT_EQ(marks(url, a.id), 1);
        CHECK_INT_EQ(pgt_int(url, "SELECT urls FROM stats_fact_source WHERE id = (SELECT id FROM"
                                  " reports WHERE receipt_code = 'M1')"),
                     3);
        /* a report given an id below a later report of the same case */
        CHECK(pgt_exec(url, "SELECT stats_fold(1000)"));
        snprintf(sql, sizeof sql,
                 "INSERT INTO reports(id, public_id, receipt_code, source, case_id, created_at,"
                 " updated_at) SELECT 0, 'id-M0', 'M0', 'web', case_id, 1, 1 FROM reports"
                 " WHERE id = %" PRId64,
                 a.id);
        CHECK(pgt_exec(url, sql));
        CHECK_INT_EQ(marks(url, 0), 1);
        CHECK_INT_EQ(marks(url, a.id), 1);
        CHECK_INT_EQ(pgt_int(url, "SELECT count(*) FROM pg_indexes WHERE indexname ="
                                  " 'reports_created'"),
                     0);
        vg_store_close(s);
    }
    pgt_drop(url);
}

/* ---- group commit ---------------------------------------------------------- */

/* Concurrent writes share transactions: each job runs in its own savepoint
 * of a batch that commits once. A job writes a report with its audit note
 * and appends its code to the setting "order" (read, then written: a job
 * that did not see its batch mates' writes would drop theirs). Some jobs
 * fail after writing (fn's own error) or by a statement the server refuses
 * (a receipt code taken, answered at once; or an idempotency key taken,
 * GC_TAIL: its last statement, whose answer the job does not wait for, so
 * that it reaches the server with the next job's first statement and fails
 * there); one (GC_BOOM) makes the server end the connection during the
 * COMMIT (a deferred trigger, gc_install_boom). */
enum { GC_THREADS = 12, GC_JOBS = 5 };

typedef enum { GC_OK, GC_FAIL_AFTER, GC_DUPLICATE, GC_BOOM, GC_HELD, GC_TAIL } gc_kind;

typedef struct gc_job {
    gc_kind kind;
    char code[32];
    atomic_int runs;
    vg_status status;
    char message[VG_ERROR_MESSAGE_MAX];
} gc_job;

static vg_status gc_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    gc_job *j = ctx;
    atomic_fetch_add(&j->runs, 1);
    char id[48];
    snprintf(id, sizeof id, "id-%s", j->code);
    vg_report r = {.public_id = id,
                   .receipt_code = j->kind == GC_DUPLICATE ? "GC-TAKEN" : j->code,
                   .source = "web"};
    int64_t case_id = 0, report_id = 0;
    vg_audit_note note = {"test", "gc.write", j->code, "{}"};
    vg_status st = vg_tx_audit_append(tx, NOW, &note, NULL, err);
    if (st == VG_OK)
        st = vg_tx_case_new(tx, NOW, &case_id, err);
    if (st == VG_OK)
        st = vg_tx_report_put(tx, &r, case_id, NOW, &report_id, err);
    char *order = NULL;
    if (st == VG_OK)
        st = vg_tx_setting_get(tx, "order", &order, err);
    if (st == VG_OK) {
        char next[4096];
        snprintf(next, sizeof next, "%s%s ", order ? order : "", j->code);
        st = vg_tx_setting_set(tx, "order", next, err);
    }
    free(order);
    if (st == VG_OK && j->kind == GC_HELD) /* a row another session holds */
        st = vg_tx_setting_set(tx, "held", j->code, err);
    if (st == VG_OK && j->kind == GC_BOOM)
        st = vg_tx_setting_set(tx, "boom", j->code, err);
    if (st == VG_OK && j->kind == GC_FAIL_AFTER)
        return vg_error_set(err, VG_ERR_INVALID, "refused after writing");
    if (st == VG_OK && j->kind == GC_TAIL) { /* queued: GC_IDEM_TAKEN holds the key */
        vg_idempotency idem = {.key = "GC-DUP"};
        st = vg_tx_idempotency_put(tx, 1, &idem, report_id, NOW, err);
    }
    return st;
}

typedef struct gc_run {
    vg_store *s;
    gc_job jobs[GC_THREADS][GC_JOBS];
    atomic_int calling, gate_in;
    vg_status gate_status;
} gc_run;

typedef struct gc_thread {
    gc_run *run;
    int index;
} gc_thread;

static void *gc_thread_main(void *p)
{
    gc_thread *t = p;
    atomic_fetch_add(&t->run->calling, 1);
    for (int i = 0; i < GC_JOBS; i++) {
        gc_job *j = &t->run->jobs[t->index][i];
        vg_error err;
        vg_error_clear(&err);
        j->status = vg_store_write(t->run->s, gc_tx, j, &err);
        snprintf(j->message, sizeof j->message, "%s", err.message);
    }
    return NULL;
}

/* The first write holds its batch until every thread has called, so that
 * their first jobs queue up behind it and form one batch. */
static vg_status gc_gate_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    gc_run *r = ctx;
    atomic_store(&r->gate_in, 1);
    struct timespec ms = {0, 1000000};
    while (atomic_load(&r->calling) < GC_THREADS)
        nanosleep(&ms, NULL);
    struct timespec settle = {0, 200000000}; /* their first calls reach the queue */
    nanosleep(&settle, NULL);
    return vg_tx_setting_set(tx, "gate", "open", err);
}

static void *gc_gate_main(void *p)
{
    gc_run *r = p;
    r->gate_status = vg_store_write(r->s, gc_gate_tx, r, NULL);
    return NULL;
}

static void gc_go(gc_run *r)
{
    pthread_t th[GC_THREADS], gate;
    gc_thread t[GC_THREADS];
    pthread_create(&gate, NULL, gc_gate_main, r);
    struct timespec ms = {0, 1000000};
    while (!atomic_load(&r->gate_in))
        nanosleep(&ms, NULL);
    for (int i = 0; i < GC_THREADS; i++) {
        t[i] = (gc_thread){r, i};
        pthread_create(&th[i], NULL, gc_thread_main, &t[i]);
    }
    for (int i = 0; i < GC_THREADS; i++)
        pthread_join(th[i], NULL);
    pthread_join(gate, NULL);
    CHECK_INT_EQ(r->gate_status, VG_OK);
}

static int64_t gc_count(const char *url, const char *fmt, const char *code)
{
    char sql[300];
    snprintf(sql, sizeof sql, fmt, code);
    return pgt_int(url, sql);
}

static const char GC_IDEM_TAKEN[] =
    "INSERT INTO idempotency_keys(api_key_id, key, report_id, created_at) VALUES(1, 'GC-DUP', 1, 0)";
static const char GC_REPORTS[] = "SELECT count(*) FROM reports WHERE public_id = 'id-%s'";
static const char GC_NOTES[] =
    "SELECT count(*) FROM audit WHERE action = 'gc.write' AND target = '%s'";

/* The order setting and the audit log list the committed jobs in one
 * order: each saw the writes of the jobs before it, and the notes were
 * chained in the order the jobs ran. Then the whole chain verifies. */
static void gc_check_chain(const char *url, vg_store *s)
{
    char order[4096] = "", log[4096] = "";
    pgt_text(url, "SELECT value FROM settings WHERE name = 'order'", order, sizeof order);
    pgt_text(url,
             "SELECT coalesce(string_agg(target || ' ', '' ORDER BY seq), '') FROM audit WHERE "
             "action = 'gc.write'",
             log, sizeof log);
    CHECK_STR_EQ(order, log);
    int ok = 0;
    char *problem = NULL;
    vg_error err;
    CHECK_MSG(vg_hotline_audit_verify(s, &ok, &problem, NULL, &err) == VG_OK, "%s",
              err.message);
    CHECK_MSG(ok, "audit chain: %s", problem ? problem : "?");
    free(problem);
}

/* Many writers, some of whose jobs fail: the failed jobs' writes (their
 * notes too) are absent and each heard its own error; the others are
 * acknowledged and present; batches carried several jobs each. A job
 * whose last statement fails only once the next job's first statement has
 * been sent with it (GC_TAIL) is the one that fails, not the next. */
static void test_group_commit_failures(void)
{
    char url[600];
    CHECK(pgt_create(url, sizeof url));
    vg_store_options opt = {.connections = 1}; /* one batch at a time */
    vg_store *s = open_url(url, &opt);
    static gc_run r;
    memset(&r, 0, sizeof r);
    r.s = s;
    if (s) {
        put_report(s, "GC-TAKEN");
        CHECK(pgt_exec(url, GC_IDEM_TAKEN));
        for (int i = 0; i < GC_THREADS; i++)
            for (int k = 0; k < GC_JOBS; k++) {
                gc_job *j = &r.jobs[i][k];
                /* the first jobs, which share one batch, fail too */
                int n = (i + k) % 5;
                j->kind = n == 1   ? GC_FAIL_AFTER
                          : n == 3 ? GC_DUPLICATE
                          : n == 4 ? GC_TAIL
                                   : GC_OK;
                snprintf(j->code, sizeof j->code, "GC-%d-%d", i, k);
            }
        vg_store_stats before, after;
        vg_store_stats_get(s, &before);
        gc_go(&r);
        vg_store_stats_get(s, &after);
        uint64_t ok = 0;
        for (int i = 0; i < GC_THREADS; i++)
            for (int k = 0; k < GC_JOBS; k++) {
                gc_job *j = &r.jobs[i][k];
                int present = gc_count(url, GC_REPORTS, j->code) == 1;
                int noted = gc_count(url, GC_NOTES, j->code) == 1;
                if (j->kind == GC_OK) {
                    CHECK_MSG(j->status == VG_OK, "%s: %s", j->code, j->message);
                    CHECK_MSG(present && noted, "%s acknowledged but absent", j->code);
                    ok++;
                } else {
                    CHECK_INT_EQ(j->status, VG_ERR_INVALID);
                    CHECK_MSG(!present && !noted, "%s failed but present", j->code);
                }
                if (j->kind == GC_FAIL_AFTER)
                    CHECK_STR_EQ(j->message, "refused after writing");
                if (j->kind == GC_TAIL)
                    CHECK_MSG(strstr(j->message, "idempotency key"), "%s: %s", j->code,
                              j->message);
            }
        CHECK_INT_EQ(after.writes - before.writes, ok + 1); /* the gate's too */
        CHECK_INT_EQ(after.failed_writes - before.failed_writes,
                     GC_THREADS * GC_JOBS - ok);
        CHECK_MSG(after.commits - before.commits < after.writes - before.writes,
                  "%" PRIu64 " commits for %" PRIu64 " writes", after.commits - before.commits,
                  after.writes - before.writes);
        gc_check_chain(url, s);
        vg_store_close(s);
    }
    pgt_drop(url);
}

/* Jobs of a batch do not wait for each other's answers: a job's statements
 * still unanswered (its RELEASE, at least) go with the next job's first
 * statement, the last job's with the audit head's lock. gc_tx waits for
 * four answers (the case, the report, the order read and its write); a
 * batch adds one for the audit head and one for the COMMIT. Waiting for
 * each job's answers before the next starts costs one more per job. */
static void test_group_commit_round_trips(void)
{
    char url[600];
    CHECK(pgt_create(url, sizeof url));
    vg_store_options opt = {.connections = 1}; /* one batch at a time */
    vg_store *s = open_url(url, &opt);
    static gc_run r;
    memset(&r, 0, sizeof r);
    r.s = s;
    if (s) {
        for (int i = 0; i < GC_THREADS; i++)
            for (int k = 0; k < GC_JOBS; k++)
                snprintf(r.jobs[i][k].code, sizeof r.jobs[i][k].code, "GR-%d-%d", i, k);
        /* the statements of opening (the migrations) are counted when their
         * connection first goes back to the pool: not in what is measured */
        gc_job first = {.kind = GC_OK, .code = "GR-first"};
        CHECK(vg_store_write(s, gc_tx, &first, NULL) == VG_OK);
        vg_store_stats before, after;
        vg_store_stats_get(s, &before);
        gc_go(&r);
        vg_store_stats_get(s, &after);
        uint64_t writes = after.writes - before.writes, commits = after.commits - before.commits,
                 trips = after.round_trips - before.round_trips;
        for (int i = 0; i < GC_THREADS; i++)
            for (int k = 0; k < GC_JOBS; k++) {
                gc_job *j = &r.jobs[i][k];
                CHECK_MSG(j->status == VG_OK, "%s: %s", j->code, j->message);
                CHECK_INT_EQ(atomic_load(&j->runs), 1);
            }
        CHECK_INT_EQ(writes, GC_THREADS * GC_JOBS + 1); /* the gate's too */
        fprintf(stderr, "  %" PRIu64 " writes, %" PRIu64 " commits, %" PRIu64 " round trips\n",
                writes, commits, trips);
        CHECK_MSG(commits * 2 <= writes, "%" PRIu64 " commits for %" PRIu64 " writes", commits,
                  writes);
        CHECK_MSG(trips <= 4 * writes + 2 * commits,
                  "%" PRIu64 " round trips for %" PRIu64 " writes in %" PRIu64 " commits", trips,
                  writes, commits);
        gc_check_chain(url, s);
        vg_store_close(s);
    }
    pgt_drop(url);
}

/* Half the writers' jobs fail by their last statement, whose answer they
 * do not wait for: as the last job of a batch, that statement goes with
 * the audit head's lock, and fails there. Only that job fails: its batch
 * mates, rolled back with it, run again and are acknowledged. */
static void test_group_commit_last_job(void)
{
    char url[600];
    CHECK(pgt_create(url, sizeof url));
    vg_store_options opt = {.connections = 1}; /* one batch at a time */
    vg_store *s = open_url(url, &opt);
    static gc_run r;
    memset(&r, 0, sizeof r);
    r.s = s;
    if (s) {
        CHECK(pgt_exec(url, GC_IDEM_TAKEN));
        for (int i = 0; i < GC_THREADS; i++)
            for (int k = 0; k < GC_JOBS; k++) {
                r.jobs[i][k].kind = i % 2 ? GC_TAIL : GC_OK;
                snprintf(r.jobs[i][k].code, sizeof r.jobs[i][k].code, "GT-%d-%d", i, k);
            }
        gc_go(&r);
        for (int i = 0; i < GC_THREADS; i++)
            for (int k = 0; k < GC_JOBS; k++) {
                gc_job *j = &r.jobs[i][k];
                int present = gc_count(url, GC_REPORTS, j->code) == 1;
                if (j->kind == GC_OK) {
                    CHECK_MSG(j->status == VG_OK, "%s: %s", j->code, j->message);
                    CHECK_MSG(present, "%s acknowledged but absent", j->code);
                } else {
                    CHECK_INT_EQ(j->status, VG_ERR_INVALID);
                    CHECK_MSG(strstr(j->message, "idempotency key"), "%s: %s", j->code,
                              j->message);
                    CHECK_MSG(!present, "%s failed but present", j->code);
                }
            }
        gc_check_chain(url, s);
        vg_store_close(s);
    }
    pgt_drop(url);
}

/* The server ends the connection while a batch commits (a deferred
 * trigger kills its own backend at the COMMIT): none of that batch's jobs
 * is acknowledged, none is run again (it may have been made), and what
 * they wrote is absent (here the commit did not happen). Later batches
 * reconnect and commit. */
static void test_group_commit_lost(void)
{
    char url[600];
    CHECK(pgt_create(url, sizeof url));
    vg_store_options opt = {.connections = 1}; /* one batch at a time */
    vg_store *s = open_url(url, &opt);
    static gc_run r;
    memset(&r, 0, sizeof r);
    r.s = s;
    CHECK(pgt_exec(url, "CREATE FUNCTION gc_boom() RETURNS trigger LANGUAGE plpgsql AS $$ "
                        "BEGIN PERFORM pg_terminate_backend(pg_backend_pid()); "
                        "PERFORM pg_sleep(5); RETURN NULL; END $$"));
    CHECK(pgt_exec(url, "CREATE CONSTRAINT TRIGGER gc_boom AFTER INSERT OR UPDATE ON settings "
                        "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.name = 'boom') "
                        "EXECUTE FUNCTION gc_boom()"));
    if (s) {
        for (int i = 0; i < GC_THREADS; i++)
            for (int k = 0; k < GC_JOBS; k++) {
                gc_job *j = &r.jobs[i][k];
                j->kind = i == 0 && k == 0 ? GC_BOOM : GC_OK;
                snprintf(j->code, sizeof j->code, "GL-%d-%d", i, k);
            }
        gc_go(&r);
        int lost = 0;
        for (int i = 0; i < GC_THREADS; i++)
            for (int k = 0; k < GC_JOBS; k++) {
                gc_job *j = &r.jobs[i][k];
                int present = gc_count(url, GC_REPORTS, j->code) == 1;
                if (j->status == VG_OK) {
                    CHECK_MSG(present, "%s acknowledged but absent", j->code);
                    continue;
                }
                lost++;
                CHECK_MSG(strstr(j->message, "may or may not"), "%s: %s", j->code, j->message);
                CHECK_MSG(!present, "%s failed but present", j->code);
                CHECK_INT_EQ(atomic_load(&j->runs), 1);
            }
        CHECK(r.jobs[0][0].status != VG_OK);
        CHECK_MSG(lost > 1, "the lost batch carried %d job(s)", lost);
        gc_check_chain(url, s);
        vg_store_close(s);
    }
    pgt_drop(url);
}

/* Another session holds a row lock until the batch's job that needs it
 * has given up waiting (after the batch's lock wait) and runs again (at
 * most 5 s): alone then, it waits there and commits; its batch mates
 * commit too. */
typedef struct gc_holder {
    const char *url;
    atomic_int holding;
    atomic_int *runs; /* of the job that needs the row */
    int ok;
} gc_holder;

static void *gc_holder_main(void *p)
{
    gc_holder *h = p;
    PGconn *c = PQconnectdb(h->url);
    PGresult *r = PQexec(c, "BEGIN; SELECT value FROM settings WHERE name = 'held' FOR UPDATE");
    h->ok = PQresultStatus(r) == PGRES_TUPLES_OK;
    PQclear(r);
    atomic_store(&h->holding, 1);
    struct timespec ms = {0, 1000000};
    for (int i = 0; i < 5000 && atomic_load(h->runs) < 2; i++)
        nanosleep(&ms, NULL);
    PQclear(PQexec(c, "COMMIT"));
    PQfinish(c);
    return NULL;
}

static vg_status gc_held_row_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    (void)ctx;
    return vg_tx_setting_set(tx, "held", "first", err);
}

static void test_group_commit_lock_wait(void)
{
    char url[600];
    CHECK(pgt_create(url, sizeof url));
    vg_store_options opt = {.connections = 1};
    vg_store *s = open_url(url, &opt);
    static gc_run r;
    memset(&r, 0, sizeof r);
    r.s = s;
    if (s) {
        CHECK(vg_store_write(s, gc_held_row_tx, NULL, NULL) == VG_OK);
        for (int i = 0; i < GC_THREADS; i++)
            for (int k = 0; k < GC_JOBS; k++) {
                gc_job *j = &r.jobs[i][k];
                j->kind = i == 1 && k == 0 ? GC_HELD : GC_OK;
                snprintf(j->code, sizeof j->code, "GW-%d-%d", i, k);
            }
        gc_holder h = {.url = url, .runs = &r.jobs[1][0].runs};
        pthread_t th;
        pthread_create(&th, NULL, gc_holder_main, &h);
        struct timespec ms = {0, 1000000};
        while (!atomic_load(&h.holding))
            nanosleep(&ms, NULL);
        gc_go(&r);
        pthread_join(th, NULL);
        CHECK(h.ok);
        for (int i = 0; i < GC_THREADS; i++)
            for (int k = 0; k < GC_JOBS; k++) {
                gc_job *j = &r.jobs[i][k];
                CHECK_MSG(j->status == VG_OK, "%s: %s", j->code, j->message);
                CHECK_INT_EQ(gc_count(url, GC_REPORTS, j->code), 1);
            }
        char held[64] = "";
        pgt_text(url, "SELECT value FROM settings WHERE name = 'held'", held, sizeof held);
        CHECK_STR_EQ(held, "GW-1-0");
        CHECK(atomic_load(&r.jobs[1][0].runs) >= 2); /* gave up once in its batch */
        gc_check_chain(url, s);
        vg_store_close(s);
    }
    pgt_drop(url);
}

int main(void)
{
    pgt_require("test_store_postgres");
    CHECK_INT_EQ(store_contract_run(&postgres_backend), 0);
    RUN(test_locations);
    RUN(test_migrate_together);
    RUN(test_durability_settings);
    RUN(test_audit_guard_and_verify);
    RUN(test_races);
    RUN(test_reconnect);
    RUN(test_round_trips);
    RUN(test_stats_marks);
    RUN(test_group_commit_failures);
    RUN(test_group_commit_round_trips);
    RUN(test_group_commit_last_job);
    RUN(test_group_commit_lost);
    RUN(test_group_commit_lock_wait);
    return vg_test_exit();
}

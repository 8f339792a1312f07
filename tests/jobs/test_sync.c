/*
 * Synchronised banks (hotline/syncing.h) against the fake NCMEC and
 * StopNCII services on loopback (tests/unit/hashsync/fake_hashsharing.h):
 * the "bank_sync" job fills a bank of the index of its own, keeps its
 * checkpoint in the store, and a deleted entry leaves the bank and puts
 * back to the queue what it alone decided, audited; a failed run keeps the
 * checkpoint and shows its error. On SQLite and (test_sync_pg) PostgreSQL.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "harness.h"
#include "pg_test.h"
#include "hotline/assessment.h"
#include "hotline/audit.h"
#include "hotline/bank_admin.h"
#include "hotline/sync_sources.h"
#include "hotline/syncing.h"
#include "jobs/jobs.h"
#include "model/vocab.h"
#include "store/items.h"
#include "store/reports.h"
#include "store/signed_lists.h"
#include "vigie/index.h"
#include "vigie/signedlist.h"
#include "../unit/hashsync/fake_hashsharing.h"

#define MD5A "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"
#define SHA1A "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"
#define MD5B "b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1"
#define PDQ1 "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
#define T0 1508457600 /* 2017-10-20T00:00:00Z */
#define NOW (T0 + 30 * 86400)

static char dir[] = "/tmp/vigie-sync-test-XXXXXX";
static char pg_url[512];
static char data_dir[300]; /* each test's own store (SQLite) and vault */
static const char *index_file = "banks.vgi"; /* the node's index, in dir */

static const char *path(const char *name)
{
    static char buf[4][256];
    static int next;
    char *p = buf[next++ % 4];
    snprintf(p, 256, "%s/%s", dir, name);
    return p;
}

static void new_store(void)
{
    static int tests;
    snprintf(data_dir, sizeof data_dir, "%s/data-%d", dir, ++tests);
    CHECK(mkdir(data_dir, 0700) == 0);
    const char *backend = getenv("VIGIE_TEST_BACKEND");
    if (!backend || strcmp(backend, "postgresql"))
        return;
    pgt_require("test_sync");
    if (pg_url[0])
        pgt_drop(pg_url);
    CHECK(pgt_create(pg_url, sizeof pg_url));
}

/* An index with one bank of the operator's ("seed", one entry), as a
 * server starts with. */
static void write_index(void)
{
    vg_index_builder *b = NULL;
    uint32_t bank = 0;
    CHECK(vg_index_builder_new(&b, NULL) == VG_OK);
    CHECK(vg_index_builder_add_bank(b, "seed", NULL, 0, &bank, NULL) == VG_OK);
    vg_bank_entry e = {.type = VG_SIGNAL_MD5, .id = "s-1", .id_len = 3, .metadata = ""};
    memset(e.value, 0x5e, 16);
    CHECK(vg_index_builder_add(b, bank, &e, NULL) == VG_OK);
    CHECK(vg_index_builder_write(b, path("banks.vgi"), NULL) == VG_OK);
    vg_index_builder_free(b);
}

/* keyring: for a signed source, the publisher keys' file */
static int open_hotline(uint16_t port, const char *source, vg_hotline **h, const char *keyring)
{
    char text[2048], credentials[600];
    int ncmec = !strcmp(source, "ncmec");
    if (keyring)
        snprintf(credentials, sizeof credentials, "sync.feed.keyring = %s\n", keyring);
    else
        snprintf(credentials, sizeof credentials, "%s",
                 ncmec ? "sync.feed.username = user\nsync.feed.password_file = %DIR%/password\n"
                       : "sync.feed.subscription_key_file = %DIR%/sub\n"
                         "sync.feed.function_key_file = %DIR%/fn\n");
    snprintf(text, sizeof text,
             "data_dir = %s\n"
             "intake.index = %s\n"
             "console.trusted_banks = shared=illegal_csam/A/b1\n"
             "sync.allow_private = true\n"
             "sync.feed.source = %s\n"
             "sync.feed.url = http://127.0.0.1:%u%s\n"
             "sync.feed.bank = shared\n"
             "sync.feed.period_minutes = 60\n"
             "%s"
             "%s%s\n",
             data_dir, path(index_file), source, port, keyring ? "/lists/known.csv" : "",
             credentials, pg_url[0] ? "database = " : "", pg_url);
    /* the secrets' files */
    char with_dir[2600] = "";
    size_t len = 0;
    for (const char *p = text; *p && len < sizeof with_dir - 300;) {
        const char *at = strstr(p, "%DIR%");
        size_t n = at ? (size_t)(at - p) : strlen(p);
        if (n > sizeof with_dir - 300 - len)
            n = sizeof with_dir - 300 - len;
        memcpy(with_dir + len, p, n);
        len += n;
        if (!at)
            break;
        len += (size_t)snprintf(with_dir + len, sizeof with_dir - len, "%s", dir);
        p = at + 5;
    }
    with_dir[len] = '\0';
    vg_config *cfg = NULL;
    vg_hotline_options options = {.with_evidence = 1};
    vg_error err;
    int ok = vg_config_new(&cfg, &err) == VG_OK &&
             vg_config_parse(cfg, with_dir, strlen(with_dir), "test", &err) == VG_OK &&
             vg_hotline_open(cfg, &options, h, &err) == VG_OK;
    CHECK_MSG(ok, "%s", err.message);
    vg_config_free(cfg);
    return ok;
}

typedef struct plant_args {
    const char *code, *entry;
    int64_t id;
} plant_args;

/* A report whose one held file the shared bank's entry matched. */
static vg_status plant_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    plant_args *a = ctx;
    char public_id[32], vault[32], sha[65];
    snprintf(public_id, sizeof public_id, "id-%s", a->code);
    snprintf(vault, sizeof vault, "vault-%s", a->code);
    snprintf(sha, sizeof sha, "%064zx", strlen(a->code) * 7 + (size_t)a->code[1]);
    vg_report_file f = {.vault_id = vault, .sha256 = sha, .size = 10, .known = VG_FILE_KNOWN,
                        .bank = "shared", .bank_entry = a->entry, .match_signal = "md5"};
    vg_report r = {.public_id = public_id, .receipt_code = a->code, .source = "web",
                   .files = &f, .file_count = 1};
    int64_t case_id = 0;
    vg_status st = vg_tx_case_new(tx, NOW, &case_id, err);
    return st == VG_OK ? vg_tx_report_put(tx, &r, case_id, NOW, &a->id, err) : st;
}

typedef struct state_args {
    int64_t id;
    char state[32];
    int64_t known;
} state_args;

static vg_status state_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    state_args *a = ctx;
    vg_item it;
    int found = 0;
    vg_status st = vg_tx_item_get(tx, a->id, &it, &found, err);
    if (st == VG_OK && found) {
        snprintf(a->state, sizeof a->state, "%s", it.state ? it.state : "");
        vg_item_clear(&it);
    }
    vg_item_file *files = NULL;
    size_t n = 0;
    if (st == VG_OK && (st = vg_tx_files(tx, a->id, 0, &files, &n, err)) == VG_OK && n)
        a->known = files[0].known;
    vg_item_files_free(files, n);
    return st;
}

static const char *state_of(vg_hotline *h, int64_t id, int64_t *known)
{
    static state_args a;
    a = (state_args){.id = id};
    CHECK(vg_store_read(h->store, state_tx, &a, NULL) == VG_OK);
    if (known)
        *known = a.known;
    return a.state;
}

static size_t audit_count(vg_hotline *h, const char *actor, const char *action,
                          const char *target)
{
    vg_audit_filter f = {.actor = actor, .action = action, .target = target};
    vg_audit_entry *rows = NULL;
    size_t n = 0;
    CHECK(vg_hotline_audit_search(h, &f, 100, &rows, &n, NULL) == VG_OK);
    for (size_t i = 0; i < n; i++)
        vg_audit_entry_clear(&rows[i]);
    free(rows);
    return n;
}

static vg_sync_status status_of(vg_hotline *h)
{
    vg_sync_status *rows = NULL, out = {0};
    size_t n = 0;
    CHECK(vg_hotline_sync_statuses(h, &rows, &n, NULL) == VG_OK);
    CHECK_INT_EQ(n, 1);
    if (n == 1) {
        out = rows[0];
        out.name = out.source = out.url = out.bank = NULL;
        out.last_error = rows[0].last_error ? strdup(rows[0].last_error) : NULL;
    }
    vg_sync_statuses_free(rows, n);
    return out;
}

static uint64_t live_entries(vg_hotline *h)
{
    char names[8][128];
    size_t n = 0;
    vg_index_stats stats = {0};
    CHECK(vg_hotline_index_banks(h, names, 8, &n, &stats, NULL) == VG_OK);
    return stats.live_entries;
}

/* What the runner logged: the last error's job and text. */
typedef struct job_log {
    int errors;
    char last_error[300];
} job_log;

static void on_log(void *ctx, const char *level, const char *job, const char *text)
{
    job_log *l = ctx;
    if (!strcmp(level, "error")) {
        l->errors++;
        snprintf(l->last_error, sizeof l->last_error, "%s: %s", job, text);
    }
}

static void test_ncmec(void)
{
    new_store();
    write_index();
    vg_test_write_text(path("password"), "secret\n");
    vg_test_write_text(path("scenario"),
                       "page-size 2\n"
                       "entry image1 image 1508857200 42 A1 md5=" MD5A " sha1=" SHA1A "\n"
                       "entry video1 video 1508857300 42 B1 md5=" MD5B "\n"
                       "entry image2 image 1508857500 44 A2 pdq=" PDQ1 "\n");
    uint16_t port = 0;
    fake_service *fake = fake_start(path("scenario"), path("log"), &port);
    CHECK(fake != NULL);
    vg_hotline *h = NULL;
    if (!fake || !open_hotline(port, "ncmec", &h, NULL))
        return;
    CHECK(h->syncing != NULL);
    CHECK_INT_EQ(live_entries(h), 1);
    vg_jobs *jobs = NULL;
    job_log log = {0};
    CHECK(vg_jobs_new(h, "node-a", on_log, &log, &jobs, NULL) == VG_OK);

    /* the first run brings the whole list into a bank of its own */
    size_t ran = 0;
    CHECK(vg_jobs_run_due(jobs, NOW, &ran, NULL) == VG_OK);
    CHECK_INT_EQ(live_entries(h), 1 + 4); /* image1's md5 and sha1, video1, image2 */
    vg_sync_status s = status_of(h);
    CHECK_INT_EQ(s.last_run, NOW);
    CHECK_INT_EQ(s.last_success, NOW);
    CHECK_INT_EQ(s.added, 4);
    CHECK_INT_EQ(s.withdrawn, 0);
    CHECK_INT_EQ(s.done_until, NOW - 5); /* the service's last seconds are left for next time */
    CHECK(s.last_error == NULL);
    CHECK_INT_EQ(audit_count(h, "sync:feed", "bank.sync", "bank:shared"), 1);
    /* not due again before its period */
    CHECK(vg_jobs_run_due(jobs, NOW + 60, &ran, NULL) == VG_OK);
    CHECK_INT_EQ(ran, 0);

    /* Three reports the bank decided: R1 and R3 by image1, R2 by image2. */
    plant_args p1 = {"RA1", "image1", 0}, p2 = {"RB2", "image2", 0}, p3 = {"RC3", "image1", 0};
    CHECK(vg_store_write(h->store, plant_tx, &p1, NULL) == VG_OK);
    CHECK(vg_store_write(h->store, plant_tx, &p2, NULL) == VG_OK);
    CHECK(vg_store_write(h->store, plant_tx, &p3, NULL) == VG_OK);
    size_t decided = 0;
    CHECK(vg_hotline_auto_assess(h, VG_AUTO_ALL, 0, NOW, &decided, NULL) == VG_OK);
    CHECK_INT_EQ(decided, 3);
    CHECK_STR_EQ(state_of(h, p1.id, NULL), VG_ITEM_AUTO);

    /* NCMEC deletes image1 and changes image2 (kept); a run an hour later */
    char scenario[1024];
    snprintf(scenario, sizeof scenario,
             "page-size 2\n"
             "deleted image1 image %d 42\n"
             "entry image2 image %d 44 A1 pdq=" PDQ1 "\n",
             NOW + 100, NOW + 200);
    vg_test_write_text(path("scenario"), scenario);
    CHECK(vg_jobs_run_due(jobs, NOW + 3600, &ran, NULL) == VG_OK);
    CHECK_INT_EQ(live_entries(h), 1 + 2); /* video1, image2 */
    int64_t known = -1;
    CHECK_STR_EQ(state_of(h, p1.id, &known), VG_ITEM_OPEN);
    CHECK_INT_EQ(known, VG_FILE_NEW);
    CHECK_STR_EQ(state_of(h, p3.id, NULL), VG_ITEM_OPEN);
    CHECK_STR_EQ(state_of(h, p2.id, &known), VG_ITEM_AUTO);
    CHECK_INT_EQ(known, VG_FILE_KNOWN);
    char target[32];
    vg_hotline_report_target(p1.id, target);
    CHECK_INT_EQ(audit_count(h, "sync:feed", "item.reopen", target), 1);
    vg_hotline_report_target(p2.id, target);
    CHECK_INT_EQ(audit_count(h, "sync:feed", "item.reopen", target), 0);
    CHECK_INT_EQ(audit_count(h, "sync:feed", "bank.sync", "bank:shared"), 2);
    s = status_of(h);
    CHECK_INT_EQ(s.withdrawn, 1);
    CHECK_INT_EQ(s.reopened, 2);
    CHECK_INT_EQ(s.last_added, 1);
    CHECK_INT_EQ(s.added, 5);
    CHECK_INT_EQ(s.done_until, NOW + 3600 - 5);

    /* The service fails: the checkpoint stays, the error shows, the bank
     * is unchanged; the next run after the failure's period catches up. */
    snprintf(scenario, sizeof scenario,
             "fail 500 50\n"
             "deleted video1 video %d 42\n",
             NOW + 4000);
    vg_test_write_text(path("scenario"), scenario);
    vg_error err;
    CHECK_INT_EQ(log.errors, 0);
    CHECK(vg_jobs_run_due(jobs, NOW + 7200, &ran, &err) == VG_OK);
    CHECK_INT_EQ(log.errors, 1);
    CHECK_MSG(strstr(log.last_error, "bank_sync: ") == log.last_error &&
                  strstr(log.last_error, "feed") && strstr(log.last_error, "500"),
              "%s", log.last_error);
    s = status_of(h);
    CHECK(s.last_error != NULL && strstr(s.last_error, "500") != NULL);
    CHECK_INT_EQ(s.last_run, NOW + 7200);
    CHECK_INT_EQ(s.last_success, NOW + 3600);
    CHECK_INT_EQ(s.done_until, NOW + 3600 - 5);
    free(s.last_error);
    CHECK_INT_EQ(live_entries(h), 3);
    snprintf(scenario, sizeof scenario, "deleted video1 video %d 42\n", NOW + 4000);
    vg_test_write_text(path("scenario"), scenario);
    CHECK(vg_jobs_run_due(jobs, NOW + 10800, &ran, NULL) == VG_OK);
    s = status_of(h);
    CHECK(s.last_error == NULL);
    CHECK_INT_EQ(s.withdrawn, 2);
    CHECK_INT_EQ(s.done_until, NOW + 10800 - 5);
    CHECK_INT_EQ(live_entries(h), 2);

    /* A second node on the same store resumes from the store's checkpoint */
    vg_hotline *b = NULL;
    if (open_hotline(port, "ncmec", &b, NULL)) {
        s = status_of(b);
        CHECK_INT_EQ(s.done_until, NOW + 10800 - 5);
        free(s.last_error);
        vg_hotline_free(b);
    }
    vg_jobs_free(jobs);
    vg_hotline_free(h);
    fake_stop(fake);
}

static void test_stopncii(void)
{
    new_store();
    write_index();
    vg_test_write_text(path("sub"), "sub\n");
    vg_test_write_text(path("fn"), "fn\n");
    vg_test_write_text(path("scenario"), "page-size 2\n"
                                         "hash ImagePDQ " PDQ1 " Active 1625167804\n"
                                         "hash VideoMD5 " MD5A " Active 1625167805\n"
                                         "hash VideoMD5 " MD5B " Active 1625167808\n");
    uint16_t port = 0;
    fake_service *fake = fake_start(path("scenario"), path("log"), &port);
    vg_hotline *h = NULL;
    if (!fake || !open_hotline(port, "stopncii", &h, NULL)) {
        fake_stop(fake);
        return;
    }
    vg_jobs *jobs = NULL;
    CHECK(vg_jobs_new(h, "node-a", NULL, NULL, &jobs, NULL) == VG_OK);
    size_t ran = 0;
    CHECK(vg_jobs_run_due(jobs, 1625170000, &ran, NULL) == VG_OK);
    CHECK_INT_EQ(live_entries(h), 1 + 3);
    plant_args p1 = {"SA1", MD5A, 0};
    CHECK(vg_store_write(h->store, plant_tx, &p1, NULL) == VG_OK);
    CHECK(vg_hotline_auto_assess(h, VG_AUTO_ALL, 0, 1625170000, NULL, NULL) == VG_OK);
    CHECK_STR_EQ(state_of(h, p1.id, NULL), VG_ITEM_AUTO);
    /* a person withdraws the video's hash */
    vg_test_write_text(path("scenario"), "hash VideoMD5 " MD5A " Withdrawn 1625170100\n");
    CHECK(vg_jobs_run_due(jobs, 1625170000 + 3600, &ran, NULL) == VG_OK);
    CHECK_INT_EQ(live_entries(h), 1 + 2);
    CHECK_STR_EQ(state_of(h, p1.id, NULL), VG_ITEM_OPEN);
    vg_sync_status s = status_of(h);
    CHECK_INT_EQ(s.withdrawn, 1);
    CHECK_INT_EQ(s.reopened, 1);
    CHECK_INT_EQ(s.done_until, 1625170100);
    free(s.last_error);
    vg_jobs_free(jobs);
    vg_hotline_free(h);
    fake_stop(fake);
}

/* Sign bank text as version `version` of list "known" into the publisher's
 * served directory (pub/known.csv and its .sig). */
static void publish(const vg_signed_key *key, const char *bank_text, uint64_t version,
                    const char *out)
{
    vg_test_write_text(path("bank.csv"), bank_text);
    unlink(out);
    vg_signed_manifest m;
    vg_error err;
    CHECK_MSG(vg_signed_sign_bank(path("bank.csv"), NULL, key, "known", version, out, NULL, &m,
                                  &err) == VG_OK,
              "%s", err.message);
}

static size_t log_lines(const char *line)
{
    FILE *f = fopen(path("log"), "r");
    char buf[512];
    size_t n = 0;
    while (f && fgets(buf, sizeof buf, f))
        n += !strcmp(buf, line);
    if (f)
        fclose(f);
    return n;
}

#define MD5C "c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1"

/* A partner hotline's signed list: fetched whole, then as a delta, each
 * verified against the keyring before the bank changes; a list signed by
 * a key the keyring does not hold, or altered after signing, changes
 * nothing and shows as the source's error. */
static void test_signed(void)
{
    new_store();
    write_index();
    CHECK(mkdir(path("pub"), 0700) == 0);
    vg_signed_key key, stranger;
    CHECK(vg_signed_keygen("hotline-fr", &key, NULL) == VG_OK);
    CHECK(vg_signed_keygen("hotline-fr", &stranger, NULL) == VG_OK); /* same name, other key */
    char line[160], ring[200];
    vg_signed_key_public_line(&key, line);
    snprintf(ring, sizeof ring, "# the partners we trust\n%s", line);
    vg_test_write_text(path("keyring"), ring);
    char expected_key[65];
    snprintf(expected_key, sizeof expected_key, "%.64s", strchr(line, ' ') + 1);
    char list[300], sig[300], scenario[400];
    snprintf(list, sizeof list, "%s", path("pub/known.csv"));
    vg_signed_sig_path(list, sig, sizeof sig);
    publish(&key,
            "signal_type,signal,id\nmd5," MD5A ",e1\nmd5," MD5B ",e2\npdq," PDQ1 ",e3\n", 1,
            list);
    snprintf(scenario, sizeof scenario, "served-dir %s\n", path("pub"));
    vg_test_write_text(path("scenario"), scenario);
    uint16_t port = 0;
    fake_service *fake = fake_start(path("scenario"), path("log"), &port);
    vg_hotline *h = NULL;
    if (!fake || !open_hotline(port, "signed", &h, path("keyring"))) {
        fake_stop(fake);
        return;
    }
    vg_jobs *jobs = NULL;
    CHECK(vg_jobs_new(h, "node-a", NULL, NULL, &jobs, NULL) == VG_OK);
    size_t ran = 0;
    CHECK(vg_jobs_run_due(jobs, NOW, &ran, NULL) == VG_OK);
    CHECK_INT_EQ(live_entries(h), 1 + 3);
    vg_sync_status s = status_of(h);
    CHECK_MSG(s.last_error == NULL, "%s", s.last_error);
    CHECK_INT_EQ(s.version, 1);
    CHECK_INT_EQ(s.added, 3);
    free(s.last_error);
    vg_sync_status *rows = NULL;
    size_t n = 0;
    CHECK(vg_hotline_sync_statuses(h, &rows, &n, NULL) == VG_OK);
    CHECK(n == 1 && rows[0].key && !strcmp(rows[0].key, expected_key));
    CHECK(n == 1 && rows[0].publisher && !strcmp(rows[0].publisher, "hotline-fr"));
    vg_sync_statuses_free(rows, n);

    plant_args p1 = {"SG1", "e1", 0}, p2 = {"SG2", "e2", 0};
    CHECK(vg_store_write(h->store, plant_tx, &p1, NULL) == VG_OK);
    CHECK(vg_store_write(h->store, plant_tx, &p2, NULL) == VG_OK);
    CHECK(vg_hotline_auto_assess(h, VG_AUTO_ALL, 0, NOW, NULL, NULL) == VG_OK);
    CHECK_STR_EQ(state_of(h, p1.id, NULL), VG_ITEM_AUTO);

    /* version 2 withdraws e1 and adds e4: the publisher offers the delta
     * from version 1 beside the whole list, and only the delta is fetched */
    char v1[300], v1sig[300], delta[300];
    snprintf(v1, sizeof v1, "%s", path("v1.csv"));
    vg_signed_sig_path(v1, v1sig, sizeof v1sig);
    CHECK(rename(list, v1) == 0 && rename(sig, v1sig) == 0);
    publish(&key,
            "signal_type,signal,id\nmd5," MD5B ",e2\npdq," PDQ1 ",e3\nmd5," MD5C ",e4\n", 2,
            list);
    snprintf(delta, sizeof delta, "%s", path("pub/known.csv.delta.1"));
    vg_signed_manifest m;
    vg_signed_delta_stats ds;
    CHECK(vg_signed_diff(v1, list, &key, 2, delta, &m, &ds, NULL) == VG_OK);
    CHECK_INT_EQ(ds.withdrawn, 1);
    CHECK(vg_jobs_run_due(jobs, NOW + 3600, &ran, NULL) == VG_OK);
    s = status_of(h);
    CHECK_MSG(s.last_error == NULL, "%s", s.last_error);
    free(s.last_error);
    CHECK_INT_EQ(s.version, 2);
    CHECK_INT_EQ(s.withdrawn, 1);
    CHECK_INT_EQ(s.reopened, 1);
    CHECK_INT_EQ(live_entries(h), 1 + 3);
    CHECK_STR_EQ(state_of(h, p1.id, NULL), VG_ITEM_OPEN);
    CHECK_STR_EQ(state_of(h, p2.id, NULL), VG_ITEM_AUTO);
    char target[32];
    vg_hotline_report_target(p1.id, target);
    CHECK_INT_EQ(audit_count(h, "sync:feed", "item.reopen", target), 1);
    CHECK_INT_EQ(log_lines("GET /lists/known.csv.delta.1\n"), 1);
    CHECK_INT_EQ(log_lines("GET /lists/known.csv\n"), 1); /* the first run only */

    /* version 3 withdraws e2, but signed by a key the keyring does not
     * hold under that name: nothing changes, the error shows */
    unlink(delta);
    char dsig[300];
    vg_signed_sig_path(delta, dsig, sizeof dsig);
    unlink(dsig);
    const char *v3 = "signal_type,signal,id\npdq," PDQ1 ",e3\nmd5," MD5C ",e4\n";
    publish(&stranger, v3, 3, list);
    CHECK(vg_jobs_run_due(jobs, NOW + 7200, &ran, NULL) == VG_OK);
    s = status_of(h);
    CHECK(s.last_error != NULL);
    free(s.last_error);
    CHECK_INT_EQ(s.version, 2);
    CHECK_INT_EQ(s.last_success, NOW + 3600);
    CHECK_INT_EQ(live_entries(h), 1 + 3);
    CHECK_STR_EQ(state_of(h, p2.id, NULL), VG_ITEM_AUTO);

    /* the right key, but the list altered after signing: the same */
    publish(&key, v3, 3, list);
    FILE *f = fopen(list, "a");
    CHECK(f != NULL);
    if (f) {
        fputs("md5," MD5A ",e9\n", f);
        fclose(f);
    }
    CHECK(vg_jobs_run_due(jobs, NOW + 10800, &ran, NULL) == VG_OK);
    s = status_of(h);
    CHECK(s.last_error != NULL);
    free(s.last_error);
    CHECK_INT_EQ(s.version, 2);
    CHECK_INT_EQ(live_entries(h), 1 + 3);

    /* version 3 as published: fetched whole (no delta), e2 leaves */
    publish(&key, v3, 3, list);
    CHECK(vg_jobs_run_due(jobs, NOW + 14400, &ran, NULL) == VG_OK);
    s = status_of(h);
    CHECK_MSG(s.last_error == NULL, "%s", s.last_error);
    free(s.last_error);
    CHECK_INT_EQ(s.version, 3);
    CHECK_INT_EQ(live_entries(h), 1 + 2);
    CHECK_STR_EQ(state_of(h, p2.id, NULL), VG_ITEM_OPEN);
    /* the same version again: only its signature is fetched */
    CHECK(vg_jobs_run_due(jobs, NOW + 18000, &ran, NULL) == VG_OK);
    CHECK_INT_EQ(log_lines("GET /lists/known.csv\n"), 4);
    CHECK_INT_EQ(log_lines("GET /lists/known.csv.sig\n"), 6); /* every run */
    CHECK_INT_EQ(live_entries(h), 1 + 2);
    vg_signed_key_wipe(&key);
    vg_signed_key_wipe(&stranger);
    vg_jobs_free(jobs);
    vg_hotline_free(h);
    fake_stop(fake);
}

typedef struct stored_lines {
    char *text; /* each line and its LF, as the canonical form has them */
    size_t len;
    FILE *out;
} stored_lines;

static vg_status stored_line(void *ctx, const char *line, size_t len, vg_error *err)
{
    (void)err;
    stored_lines *l = ctx;
    fwrite(line, 1, len, l->out);
    fputc('\n', l->out);
    return VG_OK;
}

/* The generation of the source's lines its state names (0: none). */
static int64_t generation_tx(vg_tx *tx, vg_error *err, vg_status *st)
{
    char *text = NULL;
    *st = vg_tx_setting_get(tx, "sync:feed", &text, err);
    json_t *o = text ? json_loads(text, 0, NULL) : NULL;
    free(text);
    int64_t g = json_is_true(json_object_get(o, "lines"))
                    ? (int64_t)json_integer_value(json_object_get(o, "lines_generation"))
                    : 0;
    json_decref(o);
    return g;
}

static vg_status stored_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    vg_status st;
    int64_t g = generation_tx(tx, err, &st);
    return st == VG_OK ? vg_tx_signed_lines_each(tx, "feed", g, stored_line, ctx, err) : st;
}

/* How many lines of the source are of another generation than the
 * state's (pruned, then rolled back). */
static vg_status stray_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    vg_status st;
    int64_t g = generation_tx(tx, err, &st);
    if (st == VG_OK)
        st = vg_tx_signed_lines_prune(tx, "feed", g, 1000000, ctx, err);
    return st == VG_OK ? vg_error_set(err, VG_ERR_ABORTED, "counted") : st;
}

static size_t stray_lines(vg_hotline *h)
{
    size_t n = 0;
    CHECK(vg_store_write(h->store, stray_tx, &n, NULL) == VG_ERR_ABORTED);
    return n;
}

/* The store's lines of the source's verified list, as one text. */
static char *stored_text(vg_hotline *h)
{
    stored_lines l = {0};
    l.out = open_memstream(&l.text, &l.len);
    CHECK(vg_store_read(h->store, stored_tx, &l, NULL) == VG_OK);
    fclose(l.out);
    return l.text;
}

/* The entry lines of a canonical list file (its header left out). */
static char *entries_of(const char *file)
{
    FILE *f = fopen(file, "rb");
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    char line[512];
    bool header = true;
    while (f && fgets(line, sizeof line, f)) {
        if (!header)
            fputs(line, out);
        header = false;
    }
    if (f)
        fclose(f);
    fclose(out);
    return text;
}

/* Publish version `version` (bank text) with the delta from the list at
 * previous (moved aside first): pub/known.csv, its .sig, and
 * pub/known.csv.delta.PREV with its .sig. */
static void publish_with_delta(const vg_signed_key *key, const char *bank_text,
                               uint64_t version, const char *previous)
{
    char list[300], sig[300], prev_sig[300], delta[340];
    snprintf(list, sizeof list, "%s", path("pub/known.csv"));
    vg_signed_sig_path(list, sig, sizeof sig);
    vg_signed_sig_path(previous, prev_sig, sizeof prev_sig);
    CHECK(rename(list, previous) == 0 && rename(sig, prev_sig) == 0);
    publish(key, bank_text, version, list);
    snprintf(delta, sizeof delta, "%s.delta.%" PRIu64, list, version - 1);
    vg_signed_manifest m;
    vg_signed_delta_stats ds;
    CHECK(vg_signed_diff(previous, list, key, version, delta, &m, &ds, NULL) == VG_OK);
}

/* The source's state as a version before the store kept the lines wrote
 * it: no "lines" nor "header", no lines in the store. */
static vg_status legacy_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    (void)ctx;
    char *text = NULL;
    vg_status st = vg_tx_setting_get(tx, "sync:feed", &text, err);
    json_t *o = text ? json_loads(text, 0, NULL) : NULL;
    free(text);
    CHECK(o != NULL);
    json_object_del(o, "lines");
    json_object_del(o, "header");
    char *out = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(o);
    if (st == VG_OK && out)
        st = vg_tx_setting_set(tx, "sync:feed", out, err);
    free(out);
    size_t removed = 0;
    return st == VG_OK ? vg_tx_signed_lines_prune(tx, "feed", 0, 1000000, &removed, err) : st;
}

static vg_jobs *node_open(uint16_t port, const char *index, const char *node, vg_hotline **h)
{
    index_file = index;
    vg_jobs *jobs = NULL;
    if (open_hotline(port, "signed", h, path("keyring")))
        CHECK(vg_jobs_new(*h, node, NULL, NULL, &jobs, NULL) == VG_OK);
    index_file = "banks.vgi";
    return jobs;
}

static void node_close(vg_jobs *jobs, vg_hotline *h)
{
    vg_jobs_free(jobs);
    vg_hotline_free(h);
}

/* The last verified list lives in the store: node B, which never saw
 * version 1 (its own index copy, no list file beside it), applies the
 * delta to version 2 that node A's run left in the store; node A, whose
 * copy is still version 1, then applies the delta to version 3 from the
 * store's version 2. Only deltas are fetched after the first run, and the
 * store's lines are the publisher's list each time. A delta altered after
 * signing changes nothing, in the store's lines either. */
static void test_signed_nodes(void)
{
    new_store();
    write_index();
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf %s", path("pub"));
    CHECK(system(cmd) == 0);
    CHECK(mkdir(path("pub"), 0700) == 0);
    vg_signed_key key;
    CHECK(vg_signed_keygen("hotline-fr", &key, NULL) == VG_OK);
    char line[160];
    vg_signed_key_public_line(&key, line);
    vg_test_write_text(path("keyring"), line);
    char list[300];
    snprintf(list, sizeof list, "%s", path("pub/known.csv"));
    publish(&key,
            "signal_type,signal,id\nmd5," MD5A ",e1\nmd5," MD5B ",e2\npdq," PDQ1 ",e3\n", 1,
            list);
    char scenario[400];
    snprintf(scenario, sizeof scenario, "served-dir %s\n", path("pub"));
    vg_test_write_text(path("scenario"), scenario);
    unlink(path("log"));
    uint16_t port = 0;
    fake_service *fake = fake_start(path("scenario"), path("log"), &port);
    CHECK(fake != NULL);
    vg_hotline *h = NULL;
    vg_jobs *a = fake ? node_open(port, "banks.vgi", "node-a", &h) : NULL;
    if (!a) {
        fake_stop(fake);
        return;
    }
    size_t ran = 0;
    CHECK(vg_jobs_run_due(a, NOW, &ran, NULL) == VG_OK);
    vg_sync_status st = status_of(h);
    CHECK_MSG(st.last_error == NULL, "%s", st.last_error);
    free(st.last_error);
    CHECK_INT_EQ(st.version, 1);
    char *want = entries_of(list), *got = stored_text(h);
    CHECK_STR_EQ(got, want);
    free(want);
    free(got);
    node_close(a, h);

    /* node B: a copy of the index as it was, nothing beside it */
    snprintf(cmd, sizeof cmd, "cp %s %s", path("banks.vgi"), path("node-b.vgi"));
    CHECK(system(cmd) == 0);
    publish_with_delta(&key,
                       "signal_type,signal,id\nmd5," MD5B ",e2\npdq," PDQ1 ",e3\nmd5," MD5C
                       ",e4\n",
                       2, path("v1.csv"));
    vg_jobs *b = node_open(port, "node-b.vgi", "node-b", &h);
    CHECK(b != NULL);
    if (b) {
        CHECK(vg_jobs_run_due(b, NOW + 3600, &ran, NULL) == VG_OK);
        st = status_of(h);
        CHECK_MSG(st.last_error == NULL, "%s", st.last_error);
        free(st.last_error);
        CHECK_INT_EQ(st.version, 2);
        CHECK_INT_EQ(st.withdrawn, 1);
        CHECK_INT_EQ(live_entries(h), 1 + 3);
        want = entries_of(list);
        got = stored_text(h);
        CHECK_STR_EQ(got, want);
        free(want);
        free(got);
        node_close(b, h);
    }
    CHECK_INT_EQ(log_lines("GET /lists/known.csv.delta.1\n"), 1);
    CHECK_INT_EQ(log_lines("GET /lists/known.csv\n"), 1); /* node A's first run only */

    /* node A again: its own copy is version 1, the store's version 2 */
    publish_with_delta(&key, "signal_type,signal,id\npdq," PDQ1 ",e3\nmd5," MD5C ",e4\n", 3,
                       path("v2.csv"));
    a = node_open(port, "banks.vgi", "node-a", &h);
    CHECK(a != NULL);
    if (a) {
        CHECK(vg_jobs_run_due(a, NOW + 7200, &ran, NULL) == VG_OK);
        st = status_of(h);
        CHECK_MSG(st.last_error == NULL, "%s", st.last_error);
        free(st.last_error);
        CHECK_INT_EQ(st.version, 3);
        want = entries_of(list);
        got = stored_text(h);
        CHECK_STR_EQ(got, want);
        free(got);

        /* version 4's delta altered after signing: refused, nothing changes */
        publish_with_delta(&key,
                           "signal_type,signal,id\nmd5," MD5A ",e5\npdq," PDQ1 ",e3\n", 4,
                           path("v3.csv"));
        char delta[340];
        snprintf(delta, sizeof delta, "%s.delta.3", list);
        FILE *f = fopen(delta, "a");
        CHECK(f != NULL);
        if (f) {
            fputs("add,md5," MD5B ",e9\n", f);
            fclose(f);
        }
        CHECK(vg_jobs_run_due(a, NOW + 10800, &ran, NULL) == VG_OK);
        st = status_of(h);
        CHECK(st.last_error != NULL);
        free(st.last_error);
        CHECK_INT_EQ(st.version, 3);
        got = stored_text(h);
        CHECK_STR_EQ(got, want); /* version 3's, untouched */
        free(got);
        free(want);

        /* a state from before the store kept the lines, and no copy on
         * this node: version 4 is fetched whole, its ids' old rows leave
         * the bank as they come back (e3 once, e5 added), and the store
         * gets its lines */
        CHECK(vg_store_write(h->store, legacy_tx, NULL, NULL) == VG_OK);
        char copy[400];
        snprintf(copy, sizeof copy, "%s.sync-feed.list", path("banks.vgi"));
        unlink(copy); /* (the altered delta's run dropped it already) */
        strcat(copy, ".sig");
        unlink(copy);
        uint64_t before = live_entries(h);
        CHECK(vg_jobs_run_due(a, NOW + 14400, &ran, NULL) == VG_OK);
        st = status_of(h);
        CHECK_MSG(st.last_error == NULL, "%s", st.last_error);
        free(st.last_error);
        CHECK_INT_EQ(st.version, 4);
        CHECK_INT_EQ(live_entries(h), before + 1);
        want = entries_of(list);
        got = stored_text(h);
        CHECK_STR_EQ(got, want);
        free(got);
        free(want);
        node_close(a, h);
    }
    CHECK_INT_EQ(log_lines("GET /lists/known.csv.delta.2\n"), 1);
    CHECK_INT_EQ(log_lines("GET /lists/known.csv\n"), 2); /* the first run, the legacy one */
    vg_signed_key_wipe(&key);
    fake_stop(fake);
}

/* What the test hook of the lines' transactions saw and does. */
typedef struct batch_hook {
    vg_hotline *h;
    size_t commits, writes; /* the hook's calls; other writers' commits in between */
    uint64_t fail_at;       /* fail once this many lines are stored (0: never) */
} batch_hook;

static vg_status probe_write_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    char value[32];
    snprintf(value, sizeof value, "%zu", *(size_t *)ctx);
    return vg_tx_setting_set(tx, "intake-probe", value, err);
}

static vg_status after_commit(void *ctx, uint64_t lines, vg_error *err)
{
    batch_hook *k = ctx;
    k->commits++;
    /* another writer (intake) commits while the list goes in */
    if (vg_store_write(k->h->store, probe_write_tx, &k->commits, NULL) == VG_OK)
        k->writes++;
    if (k->fail_at && lines >= k->fail_at)
        return vg_error_set(err, VG_ERR_IO, "injected failure after %llu lines",
                            (unsigned long long)lines);
    return VG_OK;
}

static vg_status leftover_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    vg_status st;
    int64_t g = generation_tx(tx, err, &st);
    const char *lines[] = {"md5," MD5A ",left", "md5," MD5B ",over"};
    (void)ctx;
    return st == VG_OK ? vg_tx_signed_lines_add(tx, "feed", g + 1, lines, 2, err) : st;
}

/* A list stored whole goes in as a new generation of its lines, a few
 * lines a transaction (here 2): another writer commits after each one,
 * which a single transaction for the list would have kept waiting. A run
 * that fails half-way (as a crash would) leaves the last verified list
 * whole in the store, the bank unchanged, and its partial lines are taken
 * away; lines a killed run left are too, at the next run's start, which
 * stores the new list. */
static void test_signed_batches(void)
{
    new_store();
    write_index();
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf %s", path("pub"));
    CHECK(system(cmd) == 0);
    CHECK(mkdir(path("pub"), 0700) == 0);
    vg_signed_key key;
    CHECK(vg_signed_keygen("hotline-fr", &key, NULL) == VG_OK);
    char line[160];
    vg_signed_key_public_line(&key, line);
    vg_test_write_text(path("keyring"), line);
    char list[300], scenario[400];
    snprintf(list, sizeof list, "%s", path("pub/known.csv"));
    publish(&key,
            "signal_type,signal,id\nmd5," MD5A ",e1\nmd5," MD5B ",e2\npdq," PDQ1 ",e3\n", 1,
            list);
    char *v1 = entries_of(list);
    snprintf(scenario, sizeof scenario, "served-dir %s\n", path("pub"));
    vg_test_write_text(path("scenario"), scenario);
    unlink(path("log"));
    uint16_t port = 0;
    fake_service *fake = fake_start(path("scenario"), path("log"), &port);
    vg_hotline *h = NULL;
    if (!fake || !open_hotline(port, "signed", &h, path("keyring"))) {
        fake_stop(fake);
        free(v1);
        return;
    }
    batch_hook hook = {.h = h};
    h->syncing->lines_per_commit = 2;
    h->syncing->after_lines_commit = after_commit;
    h->syncing->after_lines_ctx = &hook;
    vg_jobs *jobs = NULL;
    CHECK(vg_jobs_new(h, "node-a", NULL, NULL, &jobs, NULL) == VG_OK);
    size_t ran = 0;
    CHECK(vg_jobs_run_due(jobs, NOW, &ran, NULL) == VG_OK);
    vg_sync_status st = status_of(h);
    CHECK_MSG(st.last_error == NULL, "%s", st.last_error);
    free(st.last_error);
    CHECK_INT_EQ(st.version, 1);
    CHECK_INT_EQ(hook.commits, 2); /* 3 lines, 2 a transaction */
    CHECK_INT_EQ(hook.writes, 2);
    char *got = stored_text(h);
    CHECK_STR_EQ(got, v1);
    free(got);
    CHECK_INT_EQ(stray_lines(h), 0);
    uint64_t entries = live_entries(h);

    /* version 2 (no delta: fetched whole, 4 lines changed) fails after 4
     * of its 5 lines are stored */
    publish(&key,
            "signal_type,signal,id\nmd5," MD5B ",e2\nmd5," MD5C ",e4\nmd5," MD5C
            ",e5\nmd5," MD5C ",e6\npdq," PDQ1 ",e3\n",
            2, list);
    char *v2 = entries_of(list);
    hook = (batch_hook){.h = h, .fail_at = 4};
    CHECK(vg_jobs_run_due(jobs, NOW + 3600, &ran, NULL) == VG_OK);
    st = status_of(h);
    CHECK(st.last_error && strstr(st.last_error, "injected failure after 4 lines"));
    free(st.last_error);
    CHECK_INT_EQ(st.version, 1);
    CHECK_INT_EQ(hook.commits, 2);
    CHECK_INT_EQ(hook.writes, 2);
    got = stored_text(h);
    CHECK_STR_EQ(got, v1);
    free(got);
    CHECK_INT_EQ(stray_lines(h), 0);
    CHECK_INT_EQ(live_entries(h), entries);

    /* a run killed while storing left lines of the next generation: the
     * next run takes them away before it stores its own */
    CHECK(vg_store_write(h->store, leftover_tx, NULL, NULL) == VG_OK);
    CHECK_INT_EQ(stray_lines(h), 2);
    hook = (batch_hook){.h = h};
    CHECK(vg_jobs_run_due(jobs, NOW + 7200, &ran, NULL) == VG_OK);
    st = status_of(h);
    CHECK_MSG(st.last_error == NULL, "%s", st.last_error);
    free(st.last_error);
    CHECK_INT_EQ(st.version, 2);
    CHECK_INT_EQ(hook.commits, 3);
    got = stored_text(h);
    CHECK_STR_EQ(got, v2);
    free(got);
    CHECK_INT_EQ(stray_lines(h), 0);
    free(v1);
    free(v2);
    vg_jobs_free(jobs);
    vg_hotline_free(h);
    vg_signed_key_wipe(&key);
    fake_stop(fake);
}

/* A run that stops mid-range (the service fails after two pages) leaves
 * its journal and checkpoint beside the index: the next run resumes at the
 * page it stopped on, within the range it had begun, instead of fetching
 * the whole range again. */
static void test_resume(void)
{
    new_store();
    write_index();
    vg_test_write_text(path("password"), "secret\n");
    vg_test_write_text(path("scenario"),
                       "page-size 1\nfail-after 2\nfail 500 4\n"
                       "entry image1 image 1508857200 42 A1 md5=" MD5A "\n"
                       "entry video1 video 1508857300 42 B1 md5=" MD5B "\n"
                       "entry image2 image 1508857500 44 A2 pdq=" PDQ1 "\n");
    unlink(path("log"));
    uint16_t port = 0;
    fake_service *fake = fake_start(path("scenario"), path("log"), &port);
    vg_hotline *h = NULL;
    if (!fake || !open_hotline(port, "ncmec", &h, NULL)) {
        fake_stop(fake);
        return;
    }
    vg_jobs *jobs = NULL;
    CHECK(vg_jobs_new(h, "node-a", NULL, NULL, &jobs, NULL) == VG_OK);
    size_t ran = 0;
    CHECK(vg_jobs_run_due(jobs, NOW, &ran, NULL) == VG_OK);
    vg_sync_status s = status_of(h);
    CHECK(s.last_error != NULL);
    free(s.last_error);
    CHECK_INT_EQ(live_entries(h), 1);
    CHECK(vg_jobs_run_due(jobs, NOW + 3600, &ran, NULL) == VG_OK);
    s = status_of(h);
    CHECK_MSG(s.last_error == NULL, "%s", s.last_error);
    free(s.last_error);
    CHECK_INT_EQ(live_entries(h), 1 + 3);
    CHECK_INT_EQ(s.added, 3);
    /* the range begun at NOW, finished: not one begun at NOW + 3600 */
    CHECK_INT_EQ(s.done_until, NOW - 5);
    /* the first page was asked for once, the second page once */
    FILE *f = fopen(path("log"), "r");
    char line[512];
    size_t first = 0, entries = 0;
    while (f && fgets(line, sizeof line, f)) {
        if (strncmp(line, "GET /v2/entries", 15))
            continue;
        entries++;
        first += strstr(line, "start=") == NULL;
    }
    if (f)
        fclose(f);
    CHECK_INT_EQ(first, 1);
    CHECK_INT_EQ(entries, 2 + 4 + 1); /* two pages, the failures, the last page */
    vg_jobs_free(jobs);
    vg_hotline_free(h);
    fake_stop(fake);
}

/* A configuration the server cannot act on is refused at start. */
static void test_configuration(void)
{
    new_store();
    write_index();
    unlink(path("password"));
    vg_hotline *h = NULL;
    vg_config *cfg = NULL;
    char text[1024];
    snprintf(text, sizeof text,
             "data_dir = %s\nintake.index = %s\nsync.feed.source = ncmec\n"
             "sync.feed.url = https://hashsharing.test\nsync.feed.username = u\n"
             "sync.feed.password_file = %s\n%s%s\n",
             data_dir, path("banks.vgi"), path("password"), pg_url[0] ? "database = " : "", pg_url);
    vg_hotline_options options = {.with_evidence = 1};
    vg_error err;
    CHECK(vg_config_new(&cfg, NULL) == VG_OK);
    CHECK(vg_config_parse(cfg, text, strlen(text), "test", NULL) == VG_OK);
    CHECK(vg_hotline_open(cfg, &options, &h, &err) != VG_OK);
    CHECK(strstr(err.message, "password_file") != NULL);
    vg_config_free(cfg);
    snprintf(text, sizeof text,
             "data_dir = %s\nintake.index = %s\nsync.feed.source = threatexchange\n%s%s\n", data_dir,
             path("banks.vgi"), pg_url[0] ? "database = " : "", pg_url);
    CHECK(vg_config_new(&cfg, NULL) == VG_OK);
    CHECK(vg_config_parse(cfg, text, strlen(text), "test", NULL) == VG_OK);
    CHECK(vg_hotline_open(cfg, &options, &h, &err) != VG_OK);
    CHECK(strstr(err.message, "sync.feed.source") != NULL);
    vg_config_free(cfg);
}

int main(void)
{
    if (!mkdtemp(dir))
        return 1;
    RUN(test_ncmec);
    RUN(test_stopncii);
    RUN(test_signed);
    RUN(test_signed_nodes);
    RUN(test_signed_batches);
    RUN(test_resume);
    RUN(test_configuration);
    if (pg_url[0])
        pgt_drop(pg_url);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return vg_test_exit();
}

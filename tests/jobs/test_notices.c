/*
 * Notice and takedown, and stay-down, from the route to the host's
 * mailbox and back: a synthetic web site on loopback serves a picture of
 * a confirmed report (the PDQ test set's bridge), a mail server of the
 * test's own receives what goes out, and a test clock drives the job.
 * Covered: no notice before vigie has found the material at the URL (or
 * a person confirmed it), the notice sent and received in the host's
 * language, the host's acknowledgement, a re-notice after the interval
 * and not before, escalation after N notices, removal verified by a
 * fetch (404), reappearance at the URL and elsewhere (stay-down), and the
 * custody record of every check. Nothing leaves the machine.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "pg_test.h"
#include "hotline/intake.h"
#include "hotline/notices.h"
#include "jobs/jobs.h"
#include "model/vocab.h"
#include "site.h"
#include "sinks.h"
#include "store/items.h"
#include "store/routes.h"
#include "web/i18n.h"

static char picture[600], other_picture[600], edited_picture[600];

/* On PostgreSQL (VIGIE_TEST_BACKEND=postgresql, as test_notices_pg), the
 * test's database. */
static char pg_url[512];

static void new_store(void)
{
    const char *backend = getenv("VIGIE_TEST_BACKEND");
    if (!backend || strcmp(backend, "postgresql"))
        return;
    pgt_require("test_notices");
    CHECK(pgt_create(pg_url, sizeof pg_url));
}

static int open_hotline(const char *dir, uint16_t smtp, vg_hotline **h, vg_error *err)
{
    char text[2600];
    snprintf(text, sizeof text,
             "data_dir = %s\n"
             "alerts.test_allow_local = true\n"
             "alerts.console_url = http://vigie.test/\n"
             "alerts.email.server = smtp://127.0.0.1:%u\n"
             "alerts.email.from = vigie@hotline.test\n"
             "alerts.email.to = duty@hotline.test\n"
             "notices.enabled = true\n"
             "notices.email.from = notices@hotline.test\n"
             "notices.hotline_name = Hotline Test\n"
             "notices.reference_prefix = HT\n"
             "notices.legal_basis = Article 227-23 of the Penal Code\n"
             "notices.public_url = https://hotline.test/\n"
             "notices.escalate_to = police@hotline.test\n"
             "notices.escalate_after = 2\n"
             "notices.renotice_hours = 24\n"
             "notices.check_minutes = 60\n"
             "notices.staydown_hours = 24\n"
             "fetch.allow_private = true\n"
             "fetch.timeout_seconds = 20\n"
             "%s%s\n",
             dir, smtp, pg_url[0] ? "database = " : "", pg_url);
    vg_config *cfg = NULL;
    vg_hotline_options options = {.with_alerts = 1, .with_evidence = 1};
    int ok = vg_config_new(&cfg, err) == VG_OK &&
             vg_config_parse(cfg, text, strlen(text), "test", err) == VG_OK &&
             vg_hotline_open(cfg, &options, h, err) == VG_OK;
    vg_config_free(cfg);
    return ok;
}

static int read_file(const char *path, uint8_t **data, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    *data = malloc((size_t)n);
    *len = *data ? fread(*data, 1, (size_t)n, f) : 0;
    fclose(f);
    return *len == (size_t)n;
}

/* A report of url, with the picture at path as its file when path is set. */
static int64_t submit(vg_hotline *h, const char *url, const char *path, int64_t now)
{
    vg_intake_draft d;
    vg_report_ack ack = {0};
    vg_error err;
    CHECK(vg_intake_draft_init(&d, "api", &err) == VG_OK);
    d.report.category = "image_video";
    CHECK(vg_intake_draft_url(&d, url, &err) == VG_OK);
    if (path) {
        uint8_t *data = NULL;
        size_t len = 0;
        CHECK(read_file(path, &data, &len));
        vg_vault_writer *w = NULL;
        vg_vault_item item;
        CHECK(vg_vault_writer_new(h->vault, &w, &err) == VG_OK);
        CHECK(vg_vault_write(w, data, len, &err) == VG_OK);
        CHECK(vg_vault_commit(w, &item, &err) == VG_OK);
        vg_vault_writer_free(w);
        free(data);
        CHECK(vg_intake_draft_add_item(h, &d, &item, NULL, &err) == VG_OK);
    }
    CHECK_MSG(vg_hotline_submit(h, &d, NULL, now, &ack, &err) == VG_OK, "%s", err.message);
    int64_t id = ack.id;
    vg_report_ack_clear(&ack);
    vg_intake_draft_free(h, &d);
    return id;
}

typedef struct confirm_args {
    int64_t report_id;
    const char *url;
    int64_t now;
} confirm_args;

/* What the assessment and the orientation would have written: the item
 * confirmed as CSAM, and a route to notify a host whose contact the
 * lookup found, in German. */
static vg_status confirm_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    confirm_args *a = ctx;
    vg_item it = {.report_id = a->report_id, .version = 3, .state = VG_ITEM_CONFIRMED,
                  .legal = VG_LEGAL_CSAM, .decided_by = "bob"};
    vg_status st = vg_tx_item_put(tx, &it, a->now, err);
    vg_url_route_row route = {
        .report_id = a->report_id, .url = (char *)a->url, .state = VG_URL_ROUTE_APPROVED,
        .actions = "refer_police,notice_host", .reasons = "hosted_home", .country = "DE",
        .partner = "",
        .hosting = "{\"host\":\"127.0.0.1\",\"addresses\":[{\"ip\":\"127.0.0.1\",\"country\":"
                   "\"DE\",\"asn\":64500,\"as_name\":\"Example Hosting\",\"anycast\":false,"
                   "\"abuse_contact\":\"abuse@host.test\",\"language\":\"de\"}]}",
        .created_at = a->now};
    int inserted = 0;
    if (st == VG_OK)
        st = vg_tx_route_put(tx, &route, &inserted, err);
    return st;
}

static void confirm(vg_hotline *h, int64_t report_id, const char *url, int64_t now)
{
    confirm_args a = {report_id, url, now};
    vg_error err;
    CHECK_MSG(vg_store_write(h->store, confirm_tx, &a, &err) == VG_OK, "%s", err.message);
}

static vg_notice_row notice_of(vg_hotline *h, int64_t report_id)
{
    vg_notice_filter f = {.report_id = report_id};
    vg_notice_row *rows = NULL, row = {0};
    size_t n = 0;
    CHECK(vg_hotline_notices(h, &f, 10, &rows, &n, NULL) == VG_OK);
    CHECK_INT_EQ(n, 1);
    if (n == 1) {
        row = rows[0];
        memset(&rows[0], 0, sizeof rows[0]);
    }
    vg_notice_rows_free(rows, n);
    return row;
}

static int pass(vg_hotline *h, int64_t now, vg_notice_pass *p)
{
    vg_error err;
    vg_status st = vg_hotline_notices_run(h, now, 50, p, &err);
    CHECK_MSG(st == VG_OK, "%s", err.message);
    CHECK_MSG(p->failed == 0, "%s", p->first_failure);
    return st == VG_OK;
}

/* The token of the link in a notice. */
static void token_in(const char *mail, char token[65])
{
    token[0] = 0;
    const char *p = mail ? strstr(mail, "https://hotline.test/notice/") : NULL;
    if (p)
        snprintf(token, 65, "%.64s", p + strlen("https://hotline.test/notice/"));
}

static int count_events(vg_hotline *h, int64_t id, const char *kind, char *last, size_t cap)
{
    vg_notice_row row;
    vg_notice_event *ev = NULL;
    size_t n = 0;
    int found = 0, count = 0;
    CHECK(vg_hotline_notice_history(h, id, &row, &found, &ev, &n, NULL) == VG_OK && found);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(ev[i].kind, kind)) {
            count++;
            if (last)
                snprintf(last, cap, "%s", ev[i].detail);
        }
    vg_notice_row_clear(&row);
    vg_notice_events_free(ev, n);
    return count;
}

static void test_notice_lifecycle(void)
{
    char dir[] = "/tmp/vigie-notices-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    new_store();
    uint16_t smtp_port = 0, web_port = 0;
    smtp_sink *mail = smtp_sink_start(&smtp_port);
    site *web = site_start(&web_port);
    vg_hotline *h = NULL;
    vg_i18n *i18n = NULL;
    vg_error err;
    CHECK(mail && web);
    CHECK(vg_i18n_load(&i18n, &err) == VG_OK);
    CHECK_MSG(open_hotline(dir, smtp_port, &h, &err), "%s", err.message);
    if (!mail || !web || !h || !i18n)
        return;
    h->words = vg_i18n_words;
    h->words_ctx = i18n;
    char url[128], mirror[128], unknown[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/pic.jpg", web_port);
    snprintf(mirror, sizeof mirror, "http://127.0.0.1:%u/mirror.jpg", web_port);
    snprintf(unknown, sizeof unknown, "http://127.0.0.1:%u/unknown.jpg", web_port);
    CHECK(site_put_file(web, "/pic.jpg", "image/jpeg", other_picture));
    const int64_t t0 = 1700000000, hour = 3600;
    vg_notice_pass p;

    /* a confirmed report whose URL does not serve its picture (yet): a
     * notice waits, and nothing is sent */
    int64_t report = submit(h, url, picture, t0);
    confirm(h, report, url, t0);
    CHECK(pass(h, t0, &p));
    CHECK_INT_EQ(p.created, 1);
    CHECK_INT_EQ(p.checked, 1);
    CHECK_INT_EQ(smtp_sink_count(mail), 0);
    vg_notice_row n = notice_of(h, report);
    CHECK_STR_EQ(n.state, VG_NOTICE_PENDING);
    CHECK_STR_EQ(n.contact, "abuse@host.test");
    CHECK_STR_EQ(n.language, "de");
    CHECK_INT_EQ(n.next_check_at, t0 + 3600); /* the check interval */
    vg_notice_row_clear(&n);

    /* the picture is there now (re-encoded: PDQ finds it): the notice goes */
    CHECK(site_put_file(web, "/pic.jpg", "image/jpeg", edited_picture));
    CHECK(pass(h, t0 + hour, &p));
    CHECK_INT_EQ(p.sent, 1);
    CHECK_INT_EQ(smtp_sink_count(mail), 1);
    char *m = smtp_sink_message(mail, 0);
    char reference[64];
    snprintf(reference, sizeof reference, "HT-%" PRId64, report);
    CHECK_MSG(m && strstr(m, "RCPT TO:<abuse@host.test>") && strstr(m, "MAIL FROM:<notices@hotline.test>"),
              "%s", m ? m : "");
    /* German, from the catalogue */
    CHECK_MSG(m && strstr(m, "Subject: [Hotline Test] Meldung von Darstellungen") &&
                  strstr(m, "Guten Tag,") && strstr(m, "alle 24 Stunden") &&
                  strstr(m, url) && strstr(m, reference) &&
                  strstr(m, "Article 227-23 of the Penal Code") &&
                  strstr(m, "https://hotline.test/notice/"),
              "%s", m ? m : "");
    char token[65];
    token_in(m, token);
    free(m);
    n = notice_of(h, report);
    CHECK_STR_EQ(n.state, VG_NOTICE_SENT);
    CHECK_INT_EQ(n.sent_count, 1);
    CHECK_INT_EQ(n.first_sent_at, t0 + hour);
    CHECK(n.material_sha256 && strlen(n.material_sha256) == 64);
    int64_t id = n.id;
    vg_notice_row_clear(&n);
    /* the check's custody record: where it went, what it said, the vault */
    char detail[8192];
    CHECK_INT_EQ(count_events(h, id, VG_NOTICE_EVENT_FETCH, detail, sizeof detail), 2);
    CHECK_MSG(strstr(detail, "\"address\":\"127.0.0.1\"") && strstr(detail, "\"status\":200") &&
                  strstr(detail, "Content-Type: image/jpeg") && strstr(detail, "\"vault_id\":\"") &&
                  strstr(detail, "\"matches\":true") && strstr(detail, "\"seen\":\"material\""),
              "%s", detail);

    /* the host acknowledges through the link */
    int found = 0;
    CHECK(vg_hotline_notice_host_says(h, token, "ack", t0 + 2 * hour, &found, &err) == VG_OK);
    CHECK(found);
    CHECK(vg_hotline_notice_host_says(h, "00", "ack", t0 + 2 * hour, &found, &err) == VG_OK);
    CHECK(!found);
    n = notice_of(h, report);
    CHECK_INT_EQ(n.acked_at, t0 + 2 * hour);
    vg_notice_row_clear(&n);

    /* still up a few hours later: checked, not re-sent before 24 h */
    CHECK(pass(h, t0 + 3 * hour, &p));
    CHECK_INT_EQ(p.checked, 1);
    CHECK_INT_EQ(smtp_sink_count(mail), 1);
    /* at 24 h: a reminder */
    CHECK(pass(h, t0 + 25 * hour, &p));
    CHECK_INT_EQ(p.sent, 1);
    CHECK_INT_EQ(smtp_sink_count(mail), 2);
    m = smtp_sink_message(mail, 1);
    CHECK_MSG(m && strstr(m, "RCPT TO:<abuse@host.test>"), "%s", m ? m : "");
    free(m);
    /* the connection cut without an answer: no conclusion (not "removed"),
     * the check's record says why, and it is tried again */
    site_drop(web, "/pic.jpg");
    CHECK(pass(h, t0 + 26 * hour, &p));
    CHECK_INT_EQ(p.checked, 1);
    CHECK_INT_EQ(p.removed, 0);
    n = notice_of(h, report);
    CHECK_STR_EQ(n.state, VG_NOTICE_SENT);
    CHECK_INT_EQ(n.removed_at, 0);
    CHECK(n.next_check_at > t0 + 26 * hour && n.next_check_at <= t0 + 27 * hour);
    vg_notice_row_clear(&n);
    CHECK_INT_EQ(count_events(h, id, VG_NOTICE_EVENT_FETCH, detail, sizeof detail), 5);
    CHECK_MSG(strstr(detail, "\"seen\":\"nothing\"") && strstr(detail, "\"error\":\""), "%s",
              detail);
    site_restore(web, "/pic.jpg");
    /* at 48 h, after 2 notices: escalated to the police, and a third notice */
    CHECK(pass(h, t0 + 49 * hour, &p));
    CHECK_INT_EQ(p.escalated, 1);
    CHECK_INT_EQ(smtp_sink_count(mail), 4);
    m = smtp_sink_message(mail, 3);
    CHECK_MSG(m && strstr(m, "RCPT TO:<police@hotline.test>") && strstr(m, "Escalation") &&
                  strstr(m, url),
              "%s", m ? m : "");
    free(m);
    n = notice_of(h, report);
    CHECK_STR_EQ(n.state, VG_NOTICE_ESCALATED);
    CHECK_INT_EQ(n.sent_count, 3);
    CHECK_INT_EQ(n.escalated_at, t0 + 49 * hour);
    vg_notice_row_clear(&n);

    /* taken down: the next check finds 404, removal verified with its time */
    site_remove(web, "/pic.jpg");
    CHECK(pass(h, t0 + 50 * hour, &p));
    CHECK_INT_EQ(p.removed, 1);
    n = notice_of(h, report);
    CHECK_STR_EQ(n.state, VG_NOTICE_REMOVED);
    CHECK_INT_EQ(n.removed_at, t0 + 50 * hour);
    CHECK_INT_EQ(n.verified_at, t0 + 50 * hour);
    CHECK_INT_EQ(n.next_check_at, t0 + 74 * hour); /* the stay-down interval */
    vg_notice_row_clear(&n);
    CHECK_INT_EQ(smtp_sink_count(mail), 4);
    CHECK(pass(h, t0 + 60 * hour, &p));
    CHECK_INT_EQ(p.checked, 0); /* not due */

    /* re-uploaded: reappeared, a new notice, the staff alerted */
    CHECK(site_put_file(web, "/pic.jpg", "image/jpeg", edited_picture));
    CHECK(pass(h, t0 + 74 * hour, &p));
    CHECK_INT_EQ(p.reappeared, 1);
    CHECK_INT_EQ(smtp_sink_count(mail), 6);
    m = smtp_sink_message(mail, 5);
    CHECK_MSG(m && strstr(m, "RCPT TO:<duty@hotline.test>") && strstr(m, "Stay-down"), "%s",
              m ? m : "");
    free(m);
    n = notice_of(h, report);
    CHECK_STR_EQ(n.state, VG_NOTICE_SENT);
    CHECK_INT_EQ(n.reappeared_count, 1);
    CHECK_INT_EQ(n.removed_at, t0 + 50 * hour); /* the first removal stays on record */
    vg_notice_row_clear(&n);
    CHECK_INT_EQ(count_events(h, id, VG_NOTICE_EVENT_STAYDOWN, NULL, 0), 1);

    /* removed again; the same bytes turn up at another reported URL */
    site_remove(web, "/pic.jpg");
    CHECK(pass(h, t0 + 75 * hour, &p));
    CHECK_INT_EQ(p.removed, 1);
    CHECK(site_put_file(web, "/mirror.jpg", "image/jpeg", edited_picture));
    int64_t second = submit(h, mirror, NULL, t0 + 76 * hour); /* a URL alone */
    confirm(h, second, mirror, t0 + 76 * hour);
    CHECK(pass(h, t0 + 76 * hour, &p));
    CHECK_INT_EQ(p.created, 1);
    CHECK_INT_EQ(p.reappeared, 1); /* the first notice's material, elsewhere */
    n = notice_of(h, report);
    CHECK_STR_EQ(n.state, VG_NOTICE_SENT);
    CHECK_INT_EQ(n.reappeared_count, 2);
    vg_notice_row_clear(&n);
    CHECK_INT_EQ(count_events(h, id, VG_NOTICE_EVENT_STAYDOWN, detail, sizeof detail), 2);
    CHECK_MSG(strstr(detail, "\"where\":\"elsewhere\"") && strstr(detail, mirror), "%s", detail);
    /* the second report has no file vigie hashed: its notice waits for a
     * person, who confirms; then it goes */
    n = notice_of(h, second);
    CHECK_STR_EQ(n.state, VG_NOTICE_PENDING);
    int64_t second_id = n.id;
    vg_notice_row_clear(&n);
    size_t before = smtp_sink_count(mail);
    CHECK(vg_hotline_notice_confirm(h, second_id, "user:alice", t0 + 77 * hour, &err) == VG_OK);
    CHECK(pass(h, t0 + 77 * hour, &p));
    n = notice_of(h, second);
    CHECK_STR_EQ(n.state, VG_NOTICE_SENT);
    vg_notice_row_clear(&n);
    CHECK(smtp_sink_count(mail) > before);

    /* the mail server refuses: nothing advances, tried again */
    CHECK(pass(h, t0 + 80 * hour, &p)); /* whatever else is due */
    smtp_sink_refuse(mail, 1);
    int64_t third = submit(h, unknown, picture, t0 + 80 * hour);
    CHECK(site_put_file(web, "/unknown.jpg", "image/jpeg", picture));
    confirm(h, third, unknown, t0 + 80 * hour);
    vg_hotline_notices_run(h, t0 + 80 * hour, 50, &p, &err);
    CHECK_INT_EQ(p.failed, 1);
    n = notice_of(h, third);
    CHECK_STR_EQ(n.state, VG_NOTICE_PENDING);
    CHECK_INT_EQ(n.sent_count, 0);
    vg_notice_row_clear(&n);
    CHECK(pass(h, t0 + 81 * hour, &p));
    n = notice_of(h, third);
    CHECK_STR_EQ(n.state, VG_NOTICE_SENT);
    vg_notice_row_clear(&n);

    vg_hotline_free(h);
    vg_i18n_free(i18n);
    site_stop(web);
    smtp_sink_stop(mail);
    vg_test_dir[0] = 0;
    snprintf(vg_test_dir, sizeof vg_test_dir, "%s", dir);
    vg_test_remove_dir();
    if (pg_url[0])
        pgt_drop(pg_url);
}

int main(void)
{
    const char *shared = getenv("VIGIE_SHARED");
    if (!shared || !*shared)
        return 77;
    snprintf(picture, sizeof picture, "%s/testdata/pdq/images/bridge-1-original.jpg", shared);
    snprintf(edited_picture, sizeof edited_picture,
             "%s/testdata/pdq/images/shrink-a-little.jpg", shared);
    snprintf(other_picture, sizeof other_picture, "%s/testdata/pdq/images/q0746.jpg", shared);
    RUN(test_notice_lifecycle);
    return vg_test_exit();
}

/*
 * Alerts, from the report to whoever is on duty: a report saying a child
 * is in danger now (or about live abuse) is stored with its alert, the
 * alerts job sends it by e-mail and webhook to a mail server and a
 * receiver of the test's own on loopback, a refused delivery is tried
 * again after its back-off and not before, an acknowledged alert is not
 * sent any more, each step is audited, and nothing of the report is in
 * what goes out. Nothing leaves the machine.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "hotline/alerts.h"
#include "hotline/intake.h"
#include "jobs/jobs.h"
#include "model/alert.h"
#include "sinks.h"
#include "store/audit.h"

#define SECRET "whsec-0123456789abcdef"

typedef struct log_lines {
    int info, error;
    char last[512];
} log_lines;

static void on_log(void *ctx, const char *level, const char *job, const char *text)
{
    log_lines *l = ctx;
    (*(strcmp(level, "info") ? &l->error : &l->info))++;
    snprintf(l->last, sizeof l->last, "%s: %s", job, text);
}

static int open_hotline(const char *dir, uint16_t smtp, uint16_t hook, vg_hotline **h,
                        vg_error *err)
{
    char path[300], text[1500];
    snprintf(path, sizeof path, "%s/hook.secret", dir);
    vg_test_write_text(path, SECRET "\n");
    snprintf(text, sizeof text,
             "data_dir = %s\n"
             "alerts.test_allow_local = true\n"
             "alerts.console_url = http://vigie.test/\n"
             "alerts.email.server = smtp://127.0.0.1:%u\n"
             "alerts.email.from = vigie@hotline.test\n"
             "alerts.email.to = duty@hotline.test, pager@hotline.test\n"
             "alerts.webhook.url = http://127.0.0.1:%u/duty\n"
             "alerts.webhook.secret_file = %s\n"
             "alerts.retry_min_seconds = 30\n"
             "alerts.retry_max_seconds = 600\n",
             dir, smtp, hook, path);
    vg_config *cfg = NULL;
    vg_hotline_options options = {.with_alerts = 1};
    int ok = vg_config_new(&cfg, err) == VG_OK &&
             vg_config_parse(cfg, text, strlen(text), "test", err) == VG_OK &&
             vg_hotline_open(cfg, &options, h, err) == VG_OK;
    vg_config_free(cfg);
    return ok;
}

/* A report as a partner would send it; its words must never go out. */
static int64_t submit(vg_hotline *h, const char *category, int danger, int64_t now,
                      int64_t *alert_id)
{
    vg_intake_draft d;
    vg_report_ack ack = {0};
    vg_error err;
    int64_t id = 0;
    CHECK(vg_intake_draft_init(&d, "api", &err) == VG_OK);
    d.report.category = category;
    d.report.danger = danger;
    CHECK(vg_intake_draft_text(&d, &d.report.description, "SECRET-DESCRIPTION of the abuse",
                               VG_INTAKE_MAX_TEXT, &err) == VG_OK);
    CHECK(vg_intake_draft_text(&d, &d.report.contact, "reporter-SECRET@example.org",
                               VG_INTAKE_MAX_FIELD, &err) == VG_OK);
    CHECK(vg_intake_draft_url(&d, "https://abuse.example.org/SECRET-URL", &err) == VG_OK);
    CHECK_MSG(vg_hotline_submit(h, &d, NULL, now, &ack, &err) == VG_OK, "%s", err.message);
    id = ack.id;
    *alert_id = ack.alert_id;
    vg_report_ack_clear(&ack);
    vg_intake_draft_free(h, &d);
    return id;
}

static void no_secrets(const char *what, const char *text)
{
    CHECK_MSG(text && !strstr(text, "SECRET"), "%s gives the report away: %s", what,
              text ? text : "(nothing)");
}

typedef struct audit_find {
    const char *action, *target;
    int count;
    char detail[256];
} audit_find;

static int on_entry(const vg_audit_entry *e, void *ctx)
{
    audit_find *f = ctx;
    if (!strcmp(e->action, f->action) && !strcmp(e->target, f->target)) {
        f->count++;
        snprintf(f->detail, sizeof f->detail, "%s|%s", e->actor, e->detail);
    }
    return 0;
}

static vg_status audit_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    return vg_tx_audit_each(tx, on_entry, ctx, err);
}

/* How many entries of action about report_id, and the last one's
 * "actor|detail". */
static int audited(vg_hotline *h, const char *action, int64_t report_id, char *detail)
{
    audit_find f = {.action = action};
    char target[32];
    vg_hotline_report_target(report_id, target);
    f.target = target;
    CHECK(vg_store_read(h->store, audit_tx, &f, NULL) == VG_OK);
    if (detail)
        strcpy(detail, f.detail);
    return f.count;
}

static void test_alert_path(void)
{
    char dir[] = "/tmp/vigie-alerts-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    uint16_t smtp_port = 0, hook_port = 0;
    smtp_sink *mail = smtp_sink_start(&smtp_port);
    hook_sink *hook = hook_sink_start(&hook_port);
    vg_hotline *h = NULL;
    vg_error err;
    CHECK(mail && hook);
    CHECK_MSG(open_hotline(dir, smtp_port, hook_port, &h, &err), "%s", err.message);
    if (!mail || !hook || !h)
        return;
    log_lines log = {0};
    vg_jobs *jobs = NULL;
    CHECK(vg_jobs_new(h, "node-a", on_log, &log, &jobs, NULL) == VG_OK);
    const int64_t now = 1700000000;

    /* an ordinary report raises nothing, and the job has nothing to say */
    int64_t alert = -1;
    submit(h, "image_video", 0, now, &alert);
    CHECK_INT_EQ(alert, 0);
    size_t ran = 9;
    CHECK(vg_jobs_run_due(jobs, now, &ran, NULL) == VG_OK);
    CHECK_INT_EQ(smtp_sink_count(mail) + hook_sink_count(hook), 0);

    /* a child in danger now: raised with the report, audited, and sent at
     * the next pass by both channels */
    int64_t report = submit(h, "image_video", 1, now, &alert);
    CHECK(alert > 0);
    char detail[256];
    CHECK_INT_EQ(audited(h, "alert.raise", report, detail), 1);
    CHECK_MSG(!strncmp(detail, "server|", 7) && strstr(detail, "\"reason\":\"danger\"") &&
                  strstr(detail, "\"channels\":[\"email\",\"webhook\"]"),
              "%s", detail);
    CHECK(vg_jobs_run_due(jobs, now + 1, &ran, NULL) == VG_OK);
    CHECK_MSG(log.error == 0, "%s", log.last);
    CHECK_INT_EQ(smtp_sink_count(mail), 1);
    CHECK_INT_EQ(hook_sink_count(hook), 1);
    char *m = smtp_sink_message(mail, 0);
    char expected[200];
    snprintf(expected, sizeof expected, "Subject: [vigie] Urgent report %" PRId64, report);
    CHECK_MSG(m && strstr(m, "RCPT TO:<duty@hotline.test>\nRCPT TO:<pager@hotline.test>\n") &&
                  strstr(m, expected),
              "%s", m ? m : "(nothing)");
    snprintf(expected, sizeof expected, "Open it:   http://vigie.test/console/item?id=%" PRId64,
             report);
    CHECK_MSG(m && strstr(m, expected), "%s", m ? m : "(nothing)");
    no_secrets("the e-mail", m);
    free(m);

    /* the webhook: signed with the shared secret over timestamp.body */
    char *r = hook_sink_request(hook, 0);
    no_secrets("the webhook", r);
    const char *body = r ? strstr(r, "\n\n") : NULL;
    const char *ts = r ? strstr(r, "X-Vigie-Timestamp: ") : NULL;
    const char *sig = r ? strstr(r, "X-Vigie-Signature: ") : NULL;
    CHECK(body && ts && sig);
    if (body && ts && sig) {
        body += 2;
        char want[72];
        vg_alert_signature(SECRET, strtoll(ts + 19, NULL, 10), body, want);
        CHECK_MSG(!strncmp(sig + 19, want, strlen(want)), "%s", r);
        snprintf(expected, sizeof expected, "\"report\":%" PRId64 "", report);
        CHECK_MSG(strstr(body, expected) && strstr(body, "\"reason\":\"danger\""), "%s", body);
    }
    free(r);
    CHECK_INT_EQ(audited(h, "alert.delivered", report, NULL), 2);

    /* delivered: not sent again */
    CHECK(vg_jobs_run_due(jobs, now + 3600, &ran, NULL) == VG_OK);
    CHECK_INT_EQ(smtp_sink_count(mail) + hook_sink_count(hook), 2);

    /* live abuse, while the mail server and the receiver refuse once:
     * an error line, tried again 30 s later, not before */
    smtp_sink_refuse(mail, 1);
    hook_sink_refuse(hook, 1);
    int64_t live = submit(h, VG_CATEGORY_LIVESTREAM, 0, now + 4000, &alert);
    CHECK(alert > 0);
    int errors = log.error;
    CHECK(vg_jobs_run_due(jobs, now + 4000, &ran, NULL) == VG_OK);
    CHECK_INT_EQ(log.error, errors + 1);
    CHECK_MSG(strstr(log.last, "2 of 2 alert deliveries failed") &&
                  strstr(log.last, "tried again in 30 s"),
              "%s", log.last);
    CHECK_INT_EQ(audited(h, "alert.delivered", live, NULL), 0);
    CHECK(vg_jobs_run_due(jobs, now + 4029, &ran, NULL) == VG_OK);
    CHECK_INT_EQ(smtp_sink_count(mail) + hook_sink_count(hook), 2);
    CHECK(vg_jobs_run_due(jobs, now + 4030, &ran, NULL) == VG_OK);
    CHECK_INT_EQ(smtp_sink_count(mail), 2);
    CHECK_INT_EQ(hook_sink_count(hook), 2);
    m = smtp_sink_message(mail, 1);
    CHECK_MSG(m && strstr(m, "abuse may be streamed live"), "%s", m ? m : "(nothing)");
    free(m);

    /* the console's history: both tries of each channel */
    vg_alert_delivery *d = NULL;
    vg_alert_attempt *t = NULL;
    size_t dn = 0, tn = 0;
    CHECK(vg_hotline_alert_history(h, alert, &d, &dn, &t, &tn, NULL) == VG_OK);
    CHECK_INT_EQ(dn, 2);
    CHECK_INT_EQ(tn, 4);
    for (size_t i = 0; i < dn; i++) {
        CHECK_INT_EQ(d[i].attempts, 2);
        CHECK_INT_EQ(d[i].delivered_at, now + 4030);
    }
    CHECK(tn == 4 && !t[0].delivered && t[3].delivered);
    vg_alert_deliveries_free(d, dn);
    vg_alert_attempts_free(t, tn);

    /* waiting until acknowledged, once, audited with who did it */
    vg_alert *waiting = NULL;
    size_t wn = 0;
    int64_t total = 0;
    CHECK(vg_hotline_alerts_waiting(h, 10, &waiting, &wn, &total, NULL) == VG_OK);
    CHECK_INT_EQ(total, 2);
    vg_alerts_free(waiting, wn);
    vg_ack_outcome outcome;
    char by[128];
    CHECK(vg_hotline_alert_ack(h, alert, "alice", now + 5000, &outcome, by, NULL) == VG_OK);
    CHECK_INT_EQ(outcome, VG_ACK_DONE);
    CHECK(vg_hotline_alert_ack(h, alert, "bob", now + 5001, &outcome, by, NULL) == VG_OK);
    CHECK_INT_EQ(outcome, VG_ACK_ALREADY);
    CHECK_STR_EQ(by, "alice");
    CHECK(vg_hotline_alert_ack(h, alert + 100, "bob", now + 5001, &outcome, by, NULL) == VG_OK);
    CHECK_INT_EQ(outcome, VG_ACK_NO_SUCH);
    CHECK_INT_EQ(audited(h, "alert.ack", live, detail), 1);
    CHECK_MSG(!strncmp(detail, "user:alice|", 11), "%s", detail);
    CHECK(vg_hotline_alerts_waiting(h, 10, &waiting, &wn, &total, NULL) == VG_OK);
    CHECK_INT_EQ(total, 1);
    vg_alerts_free(waiting, wn);

    /* a receiver down for good: acknowledged, the alert is not sent any more */
    hook_sink_refuse(hook, 1000);
    smtp_sink_refuse(mail, 1000);
    submit(h, VG_CATEGORY_LIVESTREAM, 1, now + 6000, &alert);
    CHECK(vg_jobs_run_due(jobs, now + 6000, &ran, NULL) == VG_OK);
    CHECK(vg_hotline_alert_ack(h, alert, "alice", now + 6001, &outcome, by, NULL) == VG_OK);
    errors = log.error;
    CHECK(vg_jobs_run_due(jobs, now + 7000, &ran, NULL) == VG_OK);
    CHECK_INT_EQ(log.error, errors);
    CHECK_INT_EQ(ran, 0);

    vg_jobs_free(jobs);
    vg_hotline_free(h);
    smtp_sink_stop(mail);
    hook_sink_stop(hook);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
}

/* Settings that would send alerts nowhere, or to the wrong place, are
 * refused at start, naming the keys. */
static void test_settings(void)
{
    char dir[] = "/tmp/vigie-alerts-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char secret[300], shortsecret[300];
    snprintf(secret, sizeof secret, "%s/s", dir);
    snprintf(shortsecret, sizeof shortsecret, "%s/short", dir);
    vg_test_write_text(secret, SECRET "\n");
    vg_test_write_text(shortsecret, "abc\n");
    const struct {
        const char *text, *names;
    } bad[] = {
        {"alerts.email.server = smtp://mail.example.org\n", "alerts.email.from"},
        {"alerts.email.server = http://mail.example.org\nalerts.email.from = a@b.org\n"
         "alerts.email.to = c@d.org\nalerts.console_url = https://v.example.org\n",
         "alerts.email.server"},
        {"alerts.email.server = smtps://mail.example.org\nalerts.email.from = a@b.org\n"
         "alerts.email.to = c@d.org, not-an-address\n"
         "alerts.console_url = https://v.example.org\n",
         "alerts.email.to"},
        {"alerts.webhook.url = https://hooks.example.org/x\n", "alerts.webhook.secret_file"},
        {"alerts.webhook.url = http://hooks.example.org/x\nalerts.webhook.secret_file = %s\n"
         "alerts.console_url = https://v.example.org\n",
         "alerts.webhook.url"},
        {"alerts.webhook.url = https://hooks.example.org/x\n"
         "alerts.webhook.secret_file = %s/short\nalerts.console_url = https://v.example.org\n",
         "alerts.webhook.secret_file"},
        {"alerts.webhook.url = https://hooks.example.org/x\nalerts.webhook.secret_file = %s\n",
         "alerts.console_url"},
        {"alerts.retry_min_seconds = 600\nalerts.retry_max_seconds = 60\n",
         "alerts.retry_max_seconds"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[1000], body[800];
        snprintf(body, sizeof body, bad[i].text, strstr(bad[i].text, "/short") ? dir : secret);
        snprintf(text, sizeof text, "data_dir = %s\n%s", dir, body);
        vg_config *cfg = NULL;
        vg_error err;
        CHECK(vg_config_new(&cfg, NULL) == VG_OK &&
              vg_config_parse(cfg, text, strlen(text), "test", NULL) == VG_OK);
        vg_alerting *a = NULL;
        vg_status st = vg_alerting_load(cfg, &a, &err);
        CHECK_MSG(st == VG_ERR_INVALID && strstr(err.message, bad[i].names), "row %zu: %s", i,
                  st == VG_OK ? "accepted" : err.message);
        vg_alerting_free(a);
        vg_config_free(cfg);
    }
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
}

int main(void)
{
    RUN(test_alert_path);
    RUN(test_settings);
    return vg_test_exit();
}

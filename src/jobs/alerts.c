/*
 * src/jobs/alerts.c - the alerts job: send the alert deliveries that are
 * due, by e-mail and webhook, and record every attempt (jobs.h;
 * hotline/alerts.h says what an alert is).
 *
 * What goes out is made from the delivery alone (model/alert.h): the
 * alert's reason and number, the report's number and time, a link to the
 * console. This file never reads a report.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobs/alerts.h"

#include "hotline/alerts.h"

/* Send one delivery; VG_OK when the channel took it, else err says why.
 * *said gets what the channel answered when it took it. */
static vg_status send_one(const vg_alerting *a, const vg_alert_delivery *d, int64_t now,
                          char *said, size_t said_cap, vg_error *err)
{
    const char *channel = d->channel ? d->channel : "";
    if (!strcmp(channel, VG_CHANNEL_EMAIL)) {
        if (!a || !a->mail_server)
            return vg_error_set(err, VG_ERR_INVALID,
                                "alerts.email is not configured any more: set it again, or "
                                "acknowledge the alert in the console");
        char *message = NULL;
        vg_status st = vg_alert_mail(d, a->console_url, a->mail_from, a->mail_to, now, &message,
                                     err);
        if (st != VG_OK)
            return st;
        vg_outbound_mail m = {.server = a->mail_server,
                              .username = a->mail_username,
                              .password = a->mail_password,
                              .from = a->mail_from,
                              .to = (const char *const *)a->to,
                              .to_count = a->to_count,
                              .message = message};
        st = vg_outbound_send_mail(&a->outbound, &m, err);
        free(message);
        if (st == VG_OK)
            snprintf(said, said_cap, "accepted by the mail server");
        return st;
    }
    if (!strcmp(channel, VG_CHANNEL_WEBHOOK)) {
        if (!a || !a->webhook_url)
            return vg_error_set(err, VG_ERR_INVALID,
                                "alerts.webhook is not configured any more: set it again, or "
                                "acknowledge the alert in the console");
        char *body = NULL;
        vg_status st = vg_alert_webhook_body(d, a->console_url, &body, err);
        if (st != VG_OK)
            return st;
        char signature[72], h_sig[100], h_time[64], h_delivery[64];
        vg_alert_signature(a->webhook_secret, now, body, signature);
        snprintf(h_sig, sizeof h_sig, "X-Vigie-Signature: %s", signature);
        snprintf(h_time, sizeof h_time, "X-Vigie-Timestamp: %" PRId64, now);
        snprintf(h_delivery, sizeof h_delivery, "X-Vigie-Delivery: %" PRId64, d->id);
        const char *headers[] = {"Content-Type: application/json", "X-Vigie-Event: alert",
                                 h_delivery, h_time, h_sig, NULL};
        long status = 0;
        st = vg_outbound_post(&a->outbound, a->webhook_url, headers, body, strlen(body), &status,
                              err);
        free(body);
        if (st == VG_OK)
            snprintf(said, said_cap, "HTTP %ld", status);
        return st;
    }
    return vg_error_set(err, VG_ERR_INVALID, "no such channel '%.40s'", channel);
}

vg_status vg_job_alerts(vg_hotline *h, int64_t now, vg_job_report *report, vg_error *err)
{
    const vg_alerting *a = h->alerting;
    /* The run must end well within its lease (jobs.c): a node that held it
     * longer would be thought dead and the alerts sent twice. */
    unsigned timeout = a && a->outbound.timeout_seconds ? a->outbound.timeout_seconds : 20;
    size_t batch = 600 / timeout ? 600 / timeout : 1;
    vg_alert_delivery *due = NULL;
    size_t count = 0;
    vg_status st = vg_hotline_alerts_due(h, now, batch, &due, &count, err);
    if (st != VG_OK)
        return st;
    size_t sent = 0, failed = 0;
    char first_failure[300] = "";
    for (size_t i = 0; i < count && st == VG_OK; i++) {
        char said[120] = "";
        vg_error why;
        vg_error_clear(&why);
        int delivered = send_one(a, &due[i], now, said, sizeof said, &why) == VG_OK;
        int64_t next_at = 0;
        st = vg_hotline_alert_attempted(h, &due[i], now, delivered, delivered ? said : why.message,
                                        &next_at, err);
        if (delivered) {
            sent++;
        } else if (failed++ == 0) {
            snprintf(first_failure, sizeof first_failure,
                     "alert %" PRId64 " by %.20s: %.200s (tried again in %" PRId64 " s)",
                     due[i].alert_id, due[i].channel ? due[i].channel : "?", why.message,
                     next_at - now);
        }
    }
    vg_alert_deliveries_free(due, count);
    if (st != VG_OK)
        return st;
    report->idle = count == 0;
    snprintf(report->summary, sizeof report->summary, "%zu alert deliveries sent, %zu failed",
             sent, failed);
    /* A delivery that failed is worth an error line: someone on duty may
     * not know yet. It is tried again; nothing is lost. */
    if (failed)
        return vg_error_set(err, VG_ERR_IO, "%zu of %zu alert deliveries failed; first: %s",
                            failed, sent + failed, first_failure);
    return VG_OK;
}

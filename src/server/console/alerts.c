/*
 * src/server/console/alerts.c - /console/alerts: the urgent reports' alerts
 * nobody has acknowledged yet, how their deliveries went, and the button
 * that says "someone is on it" (hotline/alerts.h). Every console page
 * points here while one waits (frame.c).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hotline/alerts.h"
#include "server/console/console.h"

#define ALERTS_SHOWN 50

/* How each channel of an alert went: delivered when, or tried how often
 * and what went wrong last. */
static void deliveries(vg_page *p, const vg_console *con, const vg_alert *a)
{
    vg_alert_delivery *d = NULL;
    vg_alert_attempt *attempts = NULL;
    size_t count = 0, attempt_count = 0;
    vg_error err;
    if (vg_hotline_alert_history(con->hotline, a->id, &d, &count, &attempts, &attempt_count,
                                 &err) != VG_OK) {
        vg_page_put(p, "unknown (the history cannot be read just now)");
        return;
    }
    if (!count)
        vg_page_put(p, "none: no channel is configured (alerts.email, alerts.webhook)");
    for (size_t i = 0; i < count; i++) {
        const vg_term *t = vg_term_find(vg_alert_channel_terms, d[i].channel);
        vg_page_put(p, i ? "<br>" : "");
        vg_page_text(p, t ? t->label : d[i].channel);
        if (d[i].delivered_at) {
            vg_page_put(p, ": delivered ");
            vg_console_time(p, d[i].delivered_at);
        } else if (!d[i].attempts) {
            vg_page_put(p, ": being sent");
        } else {
            vg_page_fmt(p, ": <strong>not delivered</strong> after %" PRId64 " tries (", d[i].attempts);
            vg_page_text(p, d[i].last_error ? d[i].last_error : "no reason given");
            vg_page_put(p, ")");
            if (!a->acked_at) {
                vg_page_put(p, "; next try ");
                vg_console_time(p, d[i].next_at);
            }
        }
    }
    vg_alert_deliveries_free(d, count);
    vg_alert_attempts_free(attempts, attempt_count);
}

static void ack_button(vg_page *p, vg_http_request *req, const vg_alert *a)
{
    vg_page_put(p, "<form class=\"inline\" method=\"post\" action=\"/console/alerts/ack\">");
    vg_page_csrf(p, req);
    vg_page_fmt(p,
                "<input type=\"hidden\" name=\"alert\" value=\"%" PRId64 "\">"
                "<button type=\"submit\" class=\"primary\">Acknowledge<span class=\"skip\"> "
                "alert %" PRId64 "</span></button></form>",
                a->id, a->id);
}

static void alert_rows(vg_page *p, vg_http_request *req, const vg_console *con,
                       const vg_alert *alerts, size_t count, const char *caption, int waiting)
{
    vg_page_put(p, "<table><caption>");
    vg_page_text(p, caption);
    vg_page_put(p, "</caption><thead><tr><th scope=\"col\">Alert</th>"
                   "<th scope=\"col\">Raised</th><th scope=\"col\">Why</th>"
                   "<th scope=\"col\">Report</th><th scope=\"col\">Sent to whoever is on duty"
                   "</th><th scope=\"col\">");
    vg_page_put(p, waiting ? "Someone is on it" : "Acknowledged");
    vg_page_put(p, "</th></tr></thead><tbody>");
    for (size_t i = 0; i < count; i++) {
        const vg_alert *a = &alerts[i];
        const vg_term *why = vg_term_find(vg_alert_reason_terms, a->reason);
        vg_page_fmt(p, "<tr><td>%" PRId64 "</td><td>", a->id);
        vg_console_time(p, a->created_at);
        vg_page_put(p, "</td><td>");
        vg_page_text(p, why ? why->label : a->reason);
        vg_page_fmt(p, "</td><td><a href=\"/console/item?id=%" PRId64 "\">Report %" PRId64
                       "</a></td><td>",
                    a->report_id, a->report_id);
        deliveries(p, con, a);
        vg_page_put(p, "</td><td>");
        if (!a->acked_at) {
            ack_button(p, req, a);
        } else {
            vg_page_text(p, a->acked_by ? a->acked_by : "");
            vg_page_put(p, ", ");
            vg_console_time(p, a->acked_at);
        }
        vg_page_put(p, "</td></tr>");
    }
    vg_page_put(p, "</tbody></table>");
}

void vg_console_alerts_page(vg_http_request *req)
{
    vg_console *con = vg_http_route_ctx(req);
    vg_alert *waiting = NULL, *recent = NULL;
    size_t waiting_count = 0, recent_count = 0;
    int64_t total = 0;
    vg_error err;
    if (vg_hotline_alerts_waiting(con->hotline, ALERTS_SHOWN, &waiting, &waiting_count, &total,
                                  &err) != VG_OK ||
        vg_hotline_alerts_recent(con->hotline, ALERTS_SHOWN, &recent, &recent_count, &err) !=
            VG_OK) {
        vg_alerts_free(waiting, waiting_count);
        vg_console_unavailable(req, &err);
        return;
    }
    vg_page p = {0};
    vg_console_page_open(&p, req, "Alerts", "/console/alerts");
    const char *msg = vg_http_query(req, "msg");
    if (msg && !strcmp(msg, "acked"))
        vg_page_put(&p, "<p class=\"msg ok\" role=\"status\">Acknowledged: the alert is no "
                        "longer sent.</p>");
    vg_page_put(&p, "<p>A report whose sender says a child is in danger now, or about abuse "
                    "streamed live, is sent at once to whoever is on duty and comes first in "
                    "the queue. Acknowledge it once someone is on it: its deliveries not yet "
                    "made stop, and your name is kept in the audit log.</p>");
    if (!waiting_count) {
        vg_page_put(&p, "<p>No alert is waiting.</p>");
    } else {
        char caption[96];
        snprintf(caption, sizeof caption, "Waiting for someone: %" PRId64 " (the oldest first)",
                 total);
        alert_rows(&p, req, con, waiting, waiting_count, caption, 1);
    }
    /* the acknowledged ones among the newest, for whoever takes over */
    size_t done = 0;
    for (size_t i = 0; i < recent_count; i++)
        if (recent[i].acked_at)
            recent[done++] = recent[i];
        else
            vg_alert_clear(&recent[i]);
    if (done)
        alert_rows(&p, req, con, recent, done, "Acknowledged lately (the newest first)", 0);
    vg_alerts_free(waiting, waiting_count);
    vg_alerts_free(recent, done);
    vg_page_send(&p, req, 200);
}

void vg_console_alert_ack_post(vg_http_request *req)
{
    vg_console *con = vg_http_route_ctx(req);
    int64_t id = vg_console_id(vg_http_param(req, "alert"));
    if (!id) {
        vg_http_error_page(req, 400, "The form needs an alert.");
        return;
    }
    vg_actor who = vg_console_actor(req);
    vg_ack_outcome outcome;
    char by[128];
    vg_error err;
    if (vg_hotline_alert_ack(con->hotline, id, who.username, (int64_t)time(NULL), &outcome, by,
                             &err) != VG_OK) {
        vg_console_unavailable(req, &err);
        return;
    }
    if (outcome == VG_ACK_DONE) {
        vg_http_redirect(req, "/console/alerts?msg=acked");
        return;
    }
    vg_page p = {0};
    vg_console_page_open(&p, req, "Not changed", NULL);
    vg_page_put(&p, "<p class=\"msg err\" role=\"alert\">");
    if (outcome == VG_ACK_ALREADY) {
        vg_page_put(&p, "This alert was acknowledged already, by ");
        vg_page_text(&p, by[0] ? by : "someone");
        vg_page_put(&p, ". Nothing was changed.");
    } else {
        vg_page_put(&p, "There is no such alert.");
    }
    vg_page_put(&p, "</p><p><a href=\"/console/alerts\">Back to the alerts</a></p>");
    vg_page_send(&p, req, outcome == VG_ACK_ALREADY ? 409 : 404);
}

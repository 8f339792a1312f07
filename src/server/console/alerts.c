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
        vg_page_t(p, "console.alerts.history_unknown");
        return;
    }
    if (!count) {
        vg_page_t(p, "console.alerts.no_channel");
        vg_page_put(p, " (<bdi dir=\"ltr\"><code>alerts.email</code>, "
                       "<code>alerts.webhook</code></bdi>)");
    }
    for (size_t i = 0; i < count; i++) {
        const vg_term *t = vg_term_find(vg_alert_channel_terms, d[i].channel);
        char key[64];
        snprintf(key, sizeof key, "console.channel.%s", d[i].channel ? d[i].channel : "");
        vg_page_put(p, i ? "<br>" : "");
        vg_page_text(p, vg_page_tr(p, key, t ? t->label : d[i].channel));
        vg_page_put(p, ": ");
        if (d[i].delivered_at) {
            vg_page_t(p, "console.alerts.delivered");
            vg_page_put(p, " ");
            vg_console_time(p, d[i].delivered_at);
        } else if (!d[i].attempts) {
            vg_page_t(p, "console.alerts.sending");
        } else {
            char n[24];
            snprintf(n, sizeof n, "%" PRId64, d[i].attempts);
            vg_page_put(p, "<strong>");
            vg_page_t(p, "console.alerts.not_delivered");
            vg_page_put(p, "</strong> ");
            vg_page_t1(p, "console.alerts.tries", "count", n);
            vg_page_put(p, " (");
            /* the mail server's or webhook's own words, as they came */
            if (d[i].last_error) {
                vg_page_put(p, "<span lang=\"en\" dir=\"ltr\">");
                vg_page_text(p, d[i].last_error);
                vg_page_put(p, "</span>");
            } else {
                vg_page_t(p, "console.alerts.no_reason");
            }
            vg_page_put(p, ")");
            if (!a->acked_at) {
                vg_page_put(p, "; ");
                vg_page_t(p, "console.alerts.next_try");
                vg_page_put(p, " ");
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
    char id[24];
    snprintf(id, sizeof id, "%" PRId64, a->id);
    vg_page_fmt(p,
                "<input type=\"hidden\" name=\"alert\" value=\"%" PRId64 "\">"
                "<button type=\"submit\" class=\"primary\">",
                a->id);
    vg_page_t(p, "console.alerts.ack");
    vg_page_put(p, "<span class=\"skip\"> ");
    vg_page_t1(p, "console.alerts.alert_n", "id", id);
    vg_page_put(p, "</span></button></form>");
}

static void alert_rows(vg_page *p, vg_http_request *req, const vg_console *con,
                       const vg_alert *alerts, size_t count, const char *caption, int waiting)
{
    vg_page_put(p, "<table><caption>");
    vg_page_text(p, caption);
    static const char *const COLS[] = {"console.alerts.col.alert", "console.alerts.col.raised",
                                       "console.col.why", "console.col.report",
                                       "console.alerts.col.sent"};
    vg_page_put(p, "</caption><thead><tr>");
    vg_page_th_cols(p, COLS, sizeof COLS / sizeof COLS[0]);
    vg_page_put(p, "<th scope=\"col\">");
    vg_page_t(p, waiting ? "console.alerts.col.on_it" : "console.alerts.col.acked");
    vg_page_put(p, "</th></tr></thead><tbody>");
    for (size_t i = 0; i < count; i++) {
        const vg_alert *a = &alerts[i];
        const vg_term *why = vg_term_find(vg_alert_reason_terms, a->reason);
        char key[64], id[24];
        snprintf(key, sizeof key, "console.alert_reason.%s", a->reason ? a->reason : "");
        snprintf(id, sizeof id, "%" PRId64, a->report_id);
        vg_page_fmt(p, "<tr><td>%" PRId64 "</td><td>", a->id);
        vg_console_time(p, a->created_at);
        vg_page_put(p, "</td><td>");
        vg_page_text(p, vg_page_tr(p, key, why ? why->label : a->reason));
        vg_page_fmt(p, "</td><td><a href=\"/console/item?id=%" PRId64 "\">", a->report_id);
        vg_page_t1(p, "console.alerts.report_n", "id", id);
        vg_page_put(p, "</a></td><td>");
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
    p.lang = vg_server_staff_lang(req);
    vg_console_page_open(&p, req, vg_i18n_get(p.lang, "console.alerts.title"), "/console/alerts");
    const char *msg = vg_http_query(req, "msg");
    if (msg && !strcmp(msg, "acked")) {
        vg_page_put(&p, "<p class=\"msg ok\" role=\"status\">");
        vg_page_t(&p, "console.alerts.acked");
        vg_page_put(&p, "</p>");
    }
    vg_page_put(&p, "<p>");
    vg_page_t(&p, "console.alerts.intro");
    vg_page_put(&p, "</p>");
    if (!waiting_count) {
        vg_page_put(&p, "<p>");
        vg_page_t(&p, "console.alerts.none");
        vg_page_put(&p, "</p>");
    } else {
        char caption[512], n[24];
        snprintf(n, sizeof n, "%" PRId64, total);
        const char *text = vg_i18n_get(p.lang, "console.alerts.waiting");
        const char *at = strstr(text, "{count}");
        if (at)
            snprintf(caption, sizeof caption, "%.*s%s%s", (int)(at - text), text, n, at + 7);
        else
            snprintf(caption, sizeof caption, "%s", text);
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
        alert_rows(&p, req, con, recent, done, vg_i18n_get(p.lang, "console.alerts.lately"), 0);
    vg_alerts_free(waiting, waiting_count);
    vg_alerts_free(recent, done);
    vg_page_send(&p, req, 200);
}

void vg_console_alert_ack_post(vg_http_request *req)
{
    vg_console *con = vg_http_route_ctx(req);
    int64_t id = vg_console_id(vg_http_param(req, "alert"));
    if (!id) {
        vg_http_error_page(req, 400, vg_console_tr(req, "console.alerts.form"));
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
    p.lang = vg_server_staff_lang(req);
    vg_console_page_open(&p, req, vg_i18n_get(p.lang, "console.error.409"), NULL);
    vg_page_put(&p, "<p class=\"msg err\" role=\"alert\">");
    if (outcome == VG_ACK_ALREADY) {
        if (by[0])
            vg_page_t1(&p, "console.alerts.already", "name", by);
        else
            vg_page_t(&p, "console.alerts.already_someone");
    } else {
        vg_page_t(&p, "console.alerts.no_such");
    }
    vg_page_put(&p, "</p><p><a href=\"/console/alerts\">");
    vg_page_t(&p, "console.alerts.back");
    vg_page_put(&p, "</a></p>");
    vg_page_send(&p, req, outcome == VG_ACK_ALREADY ? 409 : 404);
}

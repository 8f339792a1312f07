/*
 * src/server/console/notices.c - /console/notices: the notices to hosts,
 * open ones by age (hotline/notices.h), and /console/notice?id=N, one
 * notice's history: every check with its chain-of-custody record, every
 * message, every reappearance, and the button by which a person confirms
 * that the URL serves the material when vigie could not fetch it there.
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hotline/notices.h"
#include "server/console/console.h"

#define NOTICES_SHOWN 200

static void maybe_time(vg_page *p, int64_t when)
{
    if (when)
        vg_console_time(p, when);
    else
        vg_page_put(p, "-");
}

void vg_console_notice_table(vg_page *p, const vg_notice_row *rows, size_t count, int64_t now)
{
    vg_page_put(p, "<table><caption>Notices (the newest first)</caption><thead><tr>"
                   "<th scope=\"col\">Notice</th><th scope=\"col\">URL</th>"
                   "<th scope=\"col\">Host</th><th scope=\"col\">State</th>"
                   "<th scope=\"col\">Notices sent</th><th scope=\"col\">First sent</th>"
                   "<th scope=\"col\">Open for</th><th scope=\"col\">Removed</th>"
                   "<th scope=\"col\">Reappeared</th></tr></thead><tbody>");
    for (size_t i = 0; i < count; i++) {
        const vg_notice_row *n = &rows[i];
        vg_page_fmt(p, "<tr><td><a href=\"/console/notice?id=%" PRId64 "\">%" PRId64 "</a></td><td>",
                    n->id, n->id);
        vg_page_text(p, n->url);
        vg_page_put(p, "</td><td>");
        vg_page_text(p, *n->provider ? n->provider : "?");
        vg_page_put(p, "<br>");
        vg_page_text(p, *n->contact ? n->contact : "no abuse contact");
        vg_page_put(p, "</td><td>");
        vg_page_text(p, n->state);
        if (n->escalated_at)
            vg_page_put(p, " (escalated)");
        vg_page_fmt(p, "</td><td>%d</td><td>", n->sent_count);
        maybe_time(p, n->first_sent_at);
        vg_page_put(p, "</td><td>");
        if (n->first_sent_at && !n->removed_at)
            vg_console_duration(p, now - n->first_sent_at);
        else if (n->first_sent_at)
            vg_console_duration(p, n->removed_at - n->first_sent_at);
        else
            vg_page_put(p, "-");
        vg_page_put(p, "</td><td>");
        maybe_time(p, n->removed_at);
        vg_page_fmt(p, "</td><td>%d</td></tr>", n->reappeared_count);
    }
    vg_page_put(p, "</tbody></table>");
}

void vg_console_notices_page(vg_http_request *req)
{
    vg_console *con = vg_http_route_ctx(req);
    const char *state = vg_http_query(req, "state");
    const char *provider = vg_http_query(req, "provider"), *up = vg_http_query(req, "up");
    /* the provider page's links: one provider's (or one AS's) notices still up */
    vg_notice_filter f = {.state = state && *state ? state : NULL,
                          .provider = provider,
                          .asn = vg_console_id(vg_http_query(req, "asn")),
                          .still_up = up && !strcmp(up, "1")};
    vg_notice_row *rows = NULL;
    size_t count = 0;
    vg_error err;
    if (vg_hotline_notices(con->hotline, &f, NOTICES_SHOWN, &rows, &count, &err) != VG_OK) {
        vg_console_unavailable(req, &err);
        return;
    }
    vg_page p = {0};
    vg_console_page_open(&p, req, "Notices to hosts", "/console/notices");
    vg_page_put(&p, "<p>A notice goes to the host's abuse contact once vigie has fetched the "
                    "material at the URL itself, or a person confirmed it; it is sent again "
                    "every day until vigie's own fetch finds the material gone, escalated after "
                    "repeated notices, and the URL is watched afterwards for the material's "
                    "return.</p>");
    if (vg_http_caller_of(req)->role >= VG_ROLE_SUPERVISOR)
        vg_page_put(&p, "<p><a href=\"/console/providers\" id=\"providers-link\">Time to "
                        "removal per provider and AS</a></p>");
    if (f.still_up || f.provider || f.asn) {
        vg_page_put(&p, f.still_up ? "<p id=\"notices-of\">Notices still up (sent, not yet "
                                     "removed)"
                                   : "<p id=\"notices-of\">Notices");
        if (f.provider) {
            vg_page_put(&p, " of provider ");
            vg_page_text(&p, *f.provider ? f.provider : "(not known)");
        }
        if (f.asn)
            vg_page_fmt(&p, " hosted in AS%" PRId64, f.asn);
        vg_page_put(&p, ".</p>");
    }
    vg_page_put(&p, "<p>Show: <a href=\"/console/notices\">all</a>");
    static const char *const states[] = {VG_NOTICE_PENDING, VG_NOTICE_SENT, VG_NOTICE_ESCALATED,
                                         VG_NOTICE_REMOVED, VG_NOTICE_NO_CONTACT,
                                         VG_NOTICE_CLOSED};
    for (size_t i = 0; i < sizeof states / sizeof states[0]; i++)
        vg_page_fmt(&p, " &middot; <a href=\"/console/notices?state=%s\">%s</a>", states[i],
                    states[i]);
    vg_page_put(&p, "</p>");
    if (!count)
        vg_page_put(&p, "<p>No notice.</p>");
    else
        vg_console_notice_table(&p, rows, count, (int64_t)time(NULL));
    vg_notice_rows_free(rows, count);
    vg_page_send(&p, req, 200);
}

/* One check of the history: when, what it saw, and its custody record. */
static void event_line(vg_page *p, const vg_notice_event *e)
{
    json_t *d = json_loads(e->detail ? e->detail : "{}", 0, NULL);
    vg_page_put(p, "<tr><td>");
    vg_console_time(p, e->at);
    vg_page_put(p, "</td><td>");
    vg_page_text(p, e->kind);
    vg_page_put(p, "</td><td>");
    if (!strcmp(e->kind, VG_NOTICE_EVENT_FETCH)) {
        json_t *r = json_object_get(d, "record");
        const char *seen = json_string_value(json_object_get(d, "seen"));
        vg_page_put(p, "saw: ");
        vg_page_text(p, seen ? seen : "?");
        vg_page_fmt(p, ", status %d", (int)json_integer_value(json_object_get(r, "status")));
        const char *error = json_string_value(json_object_get(d, "error"));
        if (error) {
            vg_page_put(p, ", ");
            vg_page_text(p, error);
        }
        size_t i;
        json_t *hop;
        json_array_foreach(json_object_get(r, "hops"), i, hop)
        {
            vg_page_put(p, "<br>");
            vg_page_text(p, json_string_value(json_object_get(hop, "url")));
            vg_page_put(p, " &rarr; ");
            vg_page_text(p, json_string_value(json_object_get(hop, "address")));
            vg_page_fmt(p, " HTTP %d", (int)json_integer_value(json_object_get(hop, "status")));
            const char *tls = json_string_value(json_object_get(hop, "tls_sha256"));
            if (tls && *tls) {
                vg_page_put(p, " certificate SHA-256 ");
                vg_page_text(p, tls);
            }
        }
        const char *sha = json_string_value(json_object_get(d, "sha256"));
        if (sha) {
            vg_page_put(p, "<br>SHA-256 ");
            vg_page_text(p, sha);
            vg_page_put(p, ", kept in the vault as ");
            vg_page_text(p, json_string_value(json_object_get(d, "vault_id")));
        }
    } else {
        vg_page_text(p, e->detail);
    }
    vg_page_put(p, "</td></tr>");
    json_decref(d);
}

void vg_console_notice_page(vg_http_request *req)
{
    vg_console *con = vg_http_route_ctx(req);
    int64_t id = vg_console_id(vg_http_query(req, "id"));
    vg_notice_row n;
    vg_notice_event *events = NULL;
    size_t count = 0;
    int found = 0;
    vg_error err;
    if (vg_hotline_notice_history(con->hotline, id, &n, &found, &events, &count, &err) != VG_OK) {
        vg_console_unavailable(req, &err);
        return;
    }
    if (!found) {
        vg_http_error_page(req, 404, "There is no such notice.");
        return;
    }
    vg_page p = {0};
    char title[64];
    snprintf(title, sizeof title, "Notice %" PRId64, n.id);
    vg_console_page_open(&p, req, title, NULL);
    const char *msg = vg_http_query(req, "msg");
    if (msg && !strcmp(msg, "confirmed"))
        vg_page_put(&p, "<p class=\"msg ok\" role=\"status\">Confirmed: the notice goes at the "
                        "next check unless the URL is found gone.</p>");
    vg_page_put(&p, "<dl><dt>URL</dt><dd>");
    vg_page_text(&p, n.url);
    vg_page_fmt(&p, "</dd><dt>Report</dt><dd><a href=\"/console/item?id=%" PRId64
                    "\">%" PRId64 "</a> (case <a href=\"/console/case?id=%" PRId64 "\">%" PRId64
                    "</a>)</dd><dt>Host</dt><dd>",
                n.report_id, n.report_id, n.case_id, n.case_id);
    vg_page_text(&p, *n.provider ? n.provider : "?");
    vg_page_put(&p, ", ");
    vg_page_text(&p, *n.contact ? n.contact : "no abuse contact");
    if (*n.language) {
        vg_page_put(&p, " (");
        vg_page_text(&p, n.language);
        vg_page_put(&p, ")");
    }
    vg_page_put(&p, "</dd><dt>State</dt><dd>");
    vg_page_text(&p, n.state);
    vg_page_fmt(&p, "</dd><dt>Notices sent</dt><dd>%d</dd>", n.sent_count);
    const struct {
        const char *label;
        int64_t at;
    } times[] = {{"First sent", n.first_sent_at},      {"Last sent", n.last_sent_at},
                 {"Acknowledged by the host", n.acked_at},
                 {"Removed, the host says", n.host_removed_at},
                 {"Removed, as vigie saw", n.removed_at}, {"Last verified gone", n.verified_at},
                 {"Escalated", n.escalated_at},         {"Reappeared", n.reappeared_at},
                 {"Next check", n.next_check_at}};
    for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) {
        vg_page_fmt(&p, "<dt>%s</dt><dd>", times[i].label);
        maybe_time(&p, times[i].at);
        vg_page_put(&p, "</dd>");
    }
    vg_page_put(&p, "</dl>");
    if (!strcmp(n.state, VG_NOTICE_PENDING) && !n.confirmed) {
        vg_page_put(&p, "<form method=\"post\" action=\"/console/notice/confirm\">");
        vg_page_csrf(&p, req);
        vg_page_fmt(&p, "<input type=\"hidden\" name=\"notice\" value=\"%" PRId64 "\">"
                        "<p>vigie has not found the case's material at this URL. If you have "
                        "seen that it serves it, say so: the notice then goes.</p>"
                        "<button type=\"submit\" class=\"primary\">I confirm this URL serves "
                        "the material</button></form>",
                    n.id);
    }
    vg_page_put(&p, "<table><caption>History (the oldest first)</caption><thead><tr>"
                    "<th scope=\"col\">When</th><th scope=\"col\">What</th>"
                    "<th scope=\"col\">Detail</th></tr></thead><tbody>");
    for (size_t i = 0; i < count; i++)
        event_line(&p, &events[i]);
    vg_page_put(&p, "</tbody></table>");
    vg_notice_row_clear(&n);
    vg_notice_events_free(events, count);
    vg_page_send(&p, req, 200);
}

void vg_console_notice_confirm_post(vg_http_request *req)
{
    vg_console *con = vg_http_route_ctx(req);
    int64_t id = vg_console_id(vg_http_param(req, "notice"));
    if (!id) {
        vg_http_error_page(req, 400, "The form needs a notice.");
        return;
    }
    vg_actor who = vg_console_actor(req);
    char actor[160];
    snprintf(actor, sizeof actor, "user:%.128s", who.username ? who.username : "?");
    vg_error err;
    vg_status st = vg_hotline_notice_confirm(con->hotline, id, actor, (int64_t)time(NULL), &err);
    if (st == VG_ERR_INVALID) {
        vg_http_error_page(req, 404, "There is no such notice.");
        return;
    }
    if (st != VG_OK) {
        vg_console_unavailable(req, &err);
        return;
    }
    char to[96];
    snprintf(to, sizeof to, "/console/notice?id=%" PRId64 "&msg=confirmed", id);
    vg_http_redirect(req, to);
}

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

static const char *state_label(const vg_page *p, const char *state)
{
    char key[64];
    snprintf(key, sizeof key, "term.notice.%s", state ? state : "");
    const char *text = p->lang ? vg_i18n_lookup(p->lang, key) : NULL;
    return text ? text : state ? state : "";
}

static void maybe_time(vg_page *p, int64_t when)
{
    if (when)
        vg_console_time(p, when);
    else
        vg_page_put(p, "-");
}

void vg_console_notice_table(vg_page *p, const vg_notice_row *rows, size_t count, int64_t now)
{
    static const char *const COLUMNS[] = {
        "console.notices.col.notice", "console.routes.col.url",    "console.case.col.host",
        "console.col.state",          "console.providers.col.sent", "console.notices.first_sent",
        "console.notices.col.open_for", "console.notices.col.removed",
        "console.notices.col.reappeared"};
    vg_page_put(p, "<table><caption>");
    vg_page_t(p, "console.notices.caption");
    vg_page_put(p, "</caption><thead><tr>");
    vg_page_th_cols(p, COLUMNS, sizeof COLUMNS / sizeof COLUMNS[0]);
    vg_page_put(p, "</tr></thead><tbody>");
    for (size_t i = 0; i < count; i++) {
        const vg_notice_row *n = &rows[i];
        vg_page_fmt(p, "<tr><td><a href=\"/console/notice?id=%" PRId64 "\">%" PRId64 "</a></td><td>",
                    n->id, n->id);
        vg_page_text(p, n->url);
        vg_page_put(p, "</td><td>");
        vg_page_text(p, *n->provider ? n->provider : "?");
        vg_page_put(p, "<br>");
        if (*n->contact)
            vg_page_text(p, n->contact);
        else
            vg_page_t(p, "console.notices.no_contact");
        vg_page_put(p, "</td><td>");
        vg_page_text(p, state_label(p, n->state));
        if (n->escalated_at) {
            vg_page_put(p, " ");
            vg_page_t(p, "console.notices.escalated");
        }
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
    p.lang = vg_server_staff_lang(req);
    vg_console_page_open(&p, req, vg_i18n_get(p.lang, "console.notices.title"),
                         "/console/notices");
    vg_page_put(&p, "<p>");
    vg_page_t(&p, "console.notices.intro");
    vg_page_put(&p, "</p>");
    if (vg_http_caller_of(req)->role >= VG_ROLE_SUPERVISOR) {
        vg_page_put(&p, "<p><a href=\"/console/providers\" id=\"providers-link\">");
        vg_page_t(&p, "console.notices.providers_link");
        vg_page_put(&p, "</a></p>");
    }
    if (f.still_up || f.provider || f.asn) {
        vg_page_put(&p, "<p id=\"notices-of\">");
        vg_page_t(&p, f.still_up ? "console.notices.still_up" : "console.notices.of");
        if (f.provider) {
            vg_page_put(&p, " · ");
            if (*f.provider) {
                vg_page_t1(&p, "console.notices.of_provider", "provider", f.provider);
            } else {
                vg_page_t(&p, "console.notices.of_provider_unknown");
            }
        }
        if (f.asn) {
            char asn[32];
            snprintf(asn, sizeof asn, "AS%" PRId64, f.asn);
            vg_page_put(&p, " · ");
            vg_page_t1(&p, "console.notices.of_asn", "asn", asn);
        }
        vg_page_put(&p, "</p>");
    }
    vg_page_put(&p, "<p>");
    vg_page_t(&p, "console.notices.show");
    vg_page_put(&p, " <a href=\"/console/notices\">");
    vg_page_t(&p, "console.notices.all");
    vg_page_put(&p, "</a>");
    static const char *const states[] = {VG_NOTICE_PENDING, VG_NOTICE_SENT, VG_NOTICE_ESCALATED,
                                         VG_NOTICE_REMOVED, VG_NOTICE_NO_CONTACT,
                                         VG_NOTICE_CLOSED};
    for (size_t i = 0; i < sizeof states / sizeof states[0]; i++) {
        vg_page_fmt(&p, " &middot; <a href=\"/console/notices?state=%s\">", states[i]);
        vg_page_text(&p, state_label(&p, states[i]));
        vg_page_put(&p, "</a>");
    }
    vg_page_put(&p, "</p>");
    if (!count) {
        vg_page_put(&p, "<p>");
        vg_page_t(&p, "console.notices.none");
        vg_page_put(&p, "</p>");
    } else
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
    char key[64];
    snprintf(key, sizeof key, "term.notice_event.%s", e->kind ? e->kind : "");
    const char *kind = p->lang ? vg_i18n_lookup(p->lang, key) : NULL;
    vg_page_text(p, kind ? kind : e->kind);
    vg_page_put(p, "</td><td>");
    if (!strcmp(e->kind, VG_NOTICE_EVENT_FETCH)) {
        json_t *r = json_object_get(d, "record");
        const char *seen = json_string_value(json_object_get(d, "seen"));
        snprintf(key, sizeof key, "term.seen.%s", seen ? seen : "");
        const char *seen_text = seen && p->lang ? vg_i18n_lookup(p->lang, key) : NULL;
        vg_page_t1(p, "console.notice.saw", "seen", seen_text ? seen_text : seen ? seen : "?");
        vg_page_t(p, "console.comma");
        vg_console_tn(p, "console.notice.status", "status",
                      (int64_t)json_integer_value(json_object_get(r, "status")));
        const char *error = json_string_value(json_object_get(d, "error"));
        if (error) {
            vg_page_t(p, "console.comma");
            vg_page_text(p, error);
        }
        size_t i;
        json_t *hop;
        json_array_foreach(json_object_get(r, "hops"), i, hop)
        {
            vg_page_put(p, "<br><span dir=\"ltr\">");
            vg_page_text(p, json_string_value(json_object_get(hop, "url")));
            vg_page_put(p, " &rarr; ");
            vg_page_text(p, json_string_value(json_object_get(hop, "address")));
            vg_page_fmt(p, " HTTP %d", (int)json_integer_value(json_object_get(hop, "status")));
            const char *tls = json_string_value(json_object_get(hop, "tls_sha256"));
            vg_page_put(p, "</span>");
            if (tls && *tls) {
                vg_page_put(p, " ");
                vg_page_t(p, "console.notice.certificate");
                vg_page_put(p, " <span class=\"hash\">");
                vg_page_text(p, tls);
                vg_page_put(p, "</span>");
            }
        }
        const char *sha = json_string_value(json_object_get(d, "sha256"));
        if (sha) {
            vg_page_put(p, "<br>SHA-256 <span class=\"hash\">");
            vg_page_text(p, sha);
            vg_page_put(p, "</span>, ");
            vg_page_t1(p, "console.notice.vault", "id",
                          json_string_value(json_object_get(d, "vault_id"))
                              ? json_string_value(json_object_get(d, "vault_id"))
                              : "");
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
        vg_http_error_page(req, 404, vg_console_tr(req, "console.notice.no_such"));
        return;
    }
    vg_page p = {0};
    p.lang = vg_server_staff_lang(req);
    char title[256], number[24];
    snprintf(number, sizeof number, "%" PRId64, n.id);
    const char *pattern = vg_i18n_get(p.lang, "console.notice.title");
    const char *at = strstr(pattern, "{id}");
    if (at)
        snprintf(title, sizeof title, "%.*s%s%s", (int)(at - pattern), pattern, number, at + 4);
    else
        snprintf(title, sizeof title, "%s", pattern);
    vg_console_page_open(&p, req, title, NULL);
    const char *msg = vg_http_query(req, "msg");
    if (msg && !strcmp(msg, "confirmed")) {
        vg_page_put(&p, "<p class=\"msg ok\" role=\"status\">");
        vg_page_t(&p, "console.notice.confirmed");
        vg_page_put(&p, "</p>");
    }
    vg_page_put(&p, "<dl><dt>");
    vg_page_t(&p, "console.routes.col.url");
    vg_page_put(&p, "</dt><dd><span dir=\"ltr\">");
    vg_page_text(&p, n.url);
    vg_page_put(&p, "</span></dd><dt>");
    vg_page_t(&p, "console.col.report");
    vg_page_fmt(&p, "</dt><dd><a href=\"/console/item?id=%" PRId64 "\">%" PRId64 "</a> (",
                n.report_id, n.report_id);
    vg_page_t(&p, "console.notice.case");
    vg_page_fmt(&p, " <a href=\"/console/case?id=%" PRId64 "\">%" PRId64 "</a>)</dd><dt>",
                n.case_id, n.case_id);
    vg_page_t(&p, "console.case.col.host");
    vg_page_put(&p, "</dt><dd>");
    vg_page_text(&p, *n.provider ? n.provider : "?");
    vg_page_t(&p, "console.comma");
    if (*n.contact)
        vg_page_text(&p, n.contact);
    else
        vg_page_t(&p, "console.notices.no_contact");
    if (*n.language) {
        vg_page_put(&p, " (");
        vg_page_text(&p, n.language);
        vg_page_put(&p, ")");
    }
    vg_page_put(&p, "</dd><dt>");
    vg_page_t(&p, "console.col.state");
    vg_page_put(&p, "</dt><dd>");
    vg_page_text(&p, state_label(&p, n.state));
    vg_page_put(&p, "</dd><dt>");
    vg_page_t(&p, "console.providers.col.sent");
    vg_page_fmt(&p, "</dt><dd>%d</dd>", n.sent_count);
    const struct {
        const char *label;
        int64_t at;
    } times[] = {{"console.notices.first_sent", n.first_sent_at},
                 {"console.notice.last_sent", n.last_sent_at},
                 {"console.notice.acked", n.acked_at},
                 {"console.notice.host_removed", n.host_removed_at},
                 {"console.notice.removed", n.removed_at},
                 {"console.notice.verified", n.verified_at},
                 {"console.notice.escalated", n.escalated_at},
                 {"console.notice.reappeared", n.reappeared_at},
                 {"console.notice.next_check", n.next_check_at}};
    for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) {
        vg_page_put(&p, "<dt>");
        vg_page_t(&p, times[i].label);
        vg_page_put(&p, "</dt><dd>");
        maybe_time(&p, times[i].at);
        vg_page_put(&p, "</dd>");
    }
    vg_page_put(&p, "</dl>");
    if (!strcmp(n.state, VG_NOTICE_PENDING) && !n.confirmed) {
        vg_page_put(&p, "<form method=\"post\" action=\"/console/notice/confirm\">");
        vg_page_csrf(&p, req);
        vg_page_fmt(&p, "<input type=\"hidden\" name=\"notice\" value=\"%" PRId64 "\"><p>",
                    n.id);
        vg_page_t(&p, "console.notice.not_found");
        vg_page_put(&p, "</p><button type=\"submit\" class=\"primary\">");
        vg_page_t(&p, "console.notice.confirm");
        vg_page_put(&p, "</button></form>");
    }
    static const char *const COLUMNS[] = {"console.case.col.when", "console.case.col.what",
                                          "console.notice.col.detail"};
    vg_page_put(&p, "<table><caption>");
    vg_page_t(&p, "console.notice.history");
    vg_page_put(&p, "</caption><thead><tr>");
    vg_page_th_cols(&p, COLUMNS, 3);
    vg_page_put(&p, "</tr></thead><tbody>");
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
        vg_http_error_page(req, 400, vg_console_tr(req, "console.notice.need_notice"));
        return;
    }
    vg_actor who = vg_console_actor(req);
    char actor[160];
    snprintf(actor, sizeof actor, "user:%.128s", who.username ? who.username : "?");
    vg_error err;
    vg_status st = vg_hotline_notice_confirm(con->hotline, id, actor, (int64_t)time(NULL), &err);
    if (st == VG_ERR_INVALID) {
        vg_http_error_page(req, 404, vg_console_tr(req, "console.notice.no_such"));
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

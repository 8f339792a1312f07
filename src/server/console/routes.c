/*
 * src/server/console/routes.c - the routes of a report's or a case's URLs,
 * as the item and case pages show them: what must be done, why, and the
 * hosting facts it rests on, so an analyst can check the route before
 * approving it.
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "hotline/routing.h"
#include "model/vocab.h"
#include "server/console/console.h"

/* Labels of a comma-separated list of codes, one per line (prefix: their
 * catalogue keys', vg_console_vocab). */
static void labels(vg_page *p, const char *prefix, const vg_term *list, const char *codes)
{
    char copy[VG_URL_ROUTE_TEXT * 2];
    snprintf(copy, sizeof copy, "%s", codes ? codes : "");
    int first = 1;
    for (char *save = NULL, *c = strtok_r(copy, ",", &save); c; c = strtok_r(NULL, ",", &save)) {
        if (!first)
            vg_page_put(p, "<br>");
        vg_page_text(p, vg_console_vocab(p, prefix, list, c));
        first = 0;
    }
}

static const char *text_of(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* One line per address: "192.0.2.7 DE AS64500 Example Hosting - anycast -
 * abuse@... (rdap)", or the lookup's error. */
static void hosting(vg_page *p, const char *text)
{
    json_t *o = text ? json_loads(text, 0, NULL) : NULL;
    if (!json_is_object(o)) {
        vg_page_put(p, "?");
        json_decref(o);
        return;
    }
    if (*text_of(o, "error"))
        vg_page_text(p, text_of(o, "error"));
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(o, "addresses"), i, a)
    {
        vg_page_put(p, i || *text_of(o, "error") ? "<br>" : "");
        vg_page_text(p, text_of(a, "ip"));
        if (*text_of(a, "country")) {
            vg_page_put(p, " ");
            vg_page_text(p, text_of(a, "country"));
        }
        json_int_t asn = json_integer_value(json_object_get(a, "asn"));
        if (asn)
            vg_page_fmt(p, " AS%" JSON_INTEGER_FORMAT, asn);
        if (*text_of(a, "as_name")) {
            vg_page_put(p, " ");
            vg_page_text(p, text_of(a, "as_name"));
        }
        if (json_is_true(json_object_get(a, "anycast")))
        {
            vg_page_put(p, " · <strong>");
            vg_page_t(p, "console.routes.anycast");
            vg_page_put(p, "</strong>");
        }
        if (*text_of(a, "abuse_contact")) {
            vg_page_put(p, " · ");
            vg_page_text(p, text_of(a, "abuse_contact"));
            vg_page_put(p, " (");
            vg_page_text(p, text_of(a, "contact_source"));
            vg_page_put(p, ")");
        }
        if (*text_of(a, "note")) {
            vg_page_put(p, " · ");
            vg_page_text(p, text_of(a, "note"));
        }
    }
    json_decref(o);
}

/* The approval form of a proposed route: the actions as boxes, checked as
 * proposed; approving unchanged approves, changing waits for a second
 * analyst (model/route.h). */
static void approval_form(vg_page *p, vg_http_request *req, const vg_url_route_row *r)
{
    if (r->changed_by && *r->changed_by) {
        vg_page_put(p, "<p>");
        vg_page_t1(p, "console.routes.changed_by", "name", r->changed_by);
        vg_page_put(p, "</p>");
    }
    vg_page_put(p, "<form method=\"post\" action=\"/console/route\">");
    vg_page_csrf(p, req);
    vg_page_fmt(p, "<input type=\"hidden\" name=\"route\" value=\"%" PRId64 "\">"
                   "<fieldset><legend>",
                r->id);
    vg_page_t(p, "console.routes.what_to_do");
    vg_page_put(p, "</legend>");
    for (const vg_term *t = vg_action_terms; t->code; t++) {
        if (!strcmp(t->code, VG_ACTION_FORWARD) && !(r->partner && *r->partner))
            continue;
        vg_page_fmt(p, "<label><input type=\"checkbox\" name=\"action\" value=\"%s\"%s> ",
                    t->code, vg_route_has_action(r->actions, t->code) ? " checked" : "");
        vg_page_text(p, vg_console_vocab(p, "term.action.", vg_action_terms, t->code));
        vg_page_put(p, "</label><br>");
    }
    vg_page_put(p, "</fieldset><button type=\"submit\" class=\"primary\">");
    vg_page_t(p, "console.routes.approve");
    vg_page_put(p, "<span class=\"skip\"> ");
    vg_console_tn(p, "console.routes.route_n", "id", r->id);
    vg_page_put(p, "</span></button></form>");
}

static void removal_form(vg_page *p, vg_http_request *req, const vg_url_route_row *r)
{
    vg_page_put(p, "<form class=\"inline\" method=\"post\" action=\"/console/route/removed\">");
    vg_page_csrf(p, req);
    vg_page_fmt(p, "<input type=\"hidden\" name=\"report\" value=\"%" PRId64 "\">",
                r->report_id);
    vg_page_put(p, "<input type=\"hidden\" name=\"url\" value=\"");
    vg_page_text(p, r->url);
    vg_page_put(p, "\"><button type=\"submit\">");
    vg_page_t(p, "console.routes.gone");
    vg_page_put(p, "</button></form>");
}

/* What was sent (deliveries) and what was done (actions) about a report. */
static void history(vg_page *p, const vg_console *con, int64_t report_id)
{
    vg_route_delivery *d = NULL;
    vg_route_action *a = NULL;
    size_t dn = 0, an = 0;
    vg_error err;
    if (vg_hotline_route_history(con->hotline, report_id, &d, &dn, &a, &an, &err) != VG_OK) {
        vg_page_put(p, "<p class=\"msg err\">");
        vg_page_t(p, "console.routes.history_unreadable");
        vg_page_put(p, "</p>");
        return;
    }
    if (dn) {
        vg_page_put(p, "<h3>");
        vg_page_t(p, "console.routes.sent");
        vg_page_put(p, "</h3><ul>");
        for (size_t i = 0; i < dn; i++) {
            vg_page_put(p, "<li>");
            vg_page_text(p, vg_console_vocab(p, "term.delivery.", vg_delivery_kind_terms,
                                             d[i].kind));
            vg_page_put(p, " (");
            vg_page_text(p, d[i].target);
            vg_page_put(p, ") ");
            vg_page_t(p, "console.routes.for");
            vg_page_put(p, " <span dir=\"ltr\">");
            vg_page_text(p, d[i].url);
            vg_page_put(p, "</span>: ");
            if (d[i].sent_at) {
                vg_page_t(p, "console.routes.taken");
                vg_page_put(p, " ");
                vg_console_time(p, d[i].sent_at);
                vg_page_t(p, "console.comma");
                vg_page_t1(p, "console.routes.reference", "reference",
                              d[i].reference ? d[i].reference : "");
            } else if (!d[i].attempts) {
                vg_page_t(p, "console.routes.being_sent");
            } else {
                vg_page_put(p, "<strong>");
                vg_page_t(p, "console.routes.not_taken");
                vg_page_put(p, "</strong> ");
                vg_console_tn(p, "console.alerts.tries", "count", d[i].attempts);
                vg_page_put(p, " (");
                vg_page_text(p, d[i].last_error);
                vg_page_put(p, "); ");
                vg_page_t(p, "console.alerts.next_try");
                vg_page_put(p, " ");
                vg_console_time(p, d[i].next_at);
            }
            if (d[i].sent_at && d[i].last_error && *d[i].last_error) {
                vg_page_put(p, " · ");
                vg_page_t(p, "console.routes.partner_unasked");
                vg_page_put(p, " ");
                vg_page_text(p, d[i].last_error);
            }
            vg_page_put(p, "</li>");
        }
        vg_page_put(p, "</ul>");
    }
    if (an) {
        vg_page_put(p, "<h3>");
        vg_page_t(p, "console.routes.done");
        vg_page_put(p, "</h3><ul>");
        for (size_t i = 0; i < an; i++) {
            vg_page_put(p, "<li>");
            vg_console_time(p, a[i].at);
            vg_page_put(p, " · ");
            vg_page_text(p, vg_console_vocab(p, "term.done.", vg_done_terms, a[i].type));
            if (*a[i].to) {
                vg_page_put(p, " ");
                vg_page_t1(p, "console.routes.to", "to", a[i].to);
            }
            if (*a[i].by) {
                vg_page_t(p, "console.comma");
                vg_page_t1(p, "console.routes.said", "name", a[i].by);
            }
            if (*a[i].reference) {
                vg_page_put(p, " (");
                vg_page_text(p, a[i].reference);
                vg_page_put(p, ")");
            }
            if (*a[i].url) {
                vg_page_put(p, ": ");
                vg_page_text(p, a[i].url);
            }
            vg_page_put(p, "</li>");
        }
        vg_page_put(p, "</ul>");
    }
    vg_route_deliveries_free(d, dn);
    vg_route_actions_free(a, an);
}

void vg_console_routes_table(vg_page *p, vg_http_request *req, const vg_console *con,
                             int64_t report_id, int64_t case_id)
{
    vg_url_route_row *rows = NULL;
    size_t n = 0;
    vg_error err;
    vg_page_put(p, "<h2>");
    vg_page_t(p, "console.routes.title");
    vg_page_put(p, "</h2>");
    if (vg_hotline_routes(con->hotline, report_id, case_id, &rows, &n, &err) != VG_OK) {
        vg_page_put(p, "<p class=\"msg err\">");
        vg_page_t(p, "console.routes.unreadable");
        vg_page_put(p, "</p>");
        return;
    }
    if (!n) {
        vg_page_put(p, "<p>");
        vg_page_t(p, "console.routes.none");
        vg_page_put(p, "</p>");
        return;
    }
    static const char *const COLUMNS[] = {"console.routes.col.url", "console.routes.col.todo",
                                          "console.routes.col.why", "console.routes.col.hosted",
                                          "console.routes.col.proposed"};
    vg_page_put(p, "<table><thead><tr>");
    vg_page_th_cols(p, COLUMNS, sizeof COLUMNS / sizeof COLUMNS[0]);
    vg_page_put(p, "</tr></thead><tbody>");
    for (size_t i = 0; i < n; i++) {
        const vg_url_route_row *r = &rows[i];
        vg_page_put(p, "<tr><td class=\"hash\">");
        vg_page_text(p, r->url);
        vg_page_put(p, "</td><td>");
        labels(p, "term.action.", vg_action_terms, r->actions);
        if (r->partner && *r->partner) {
            vg_page_put(p, ": ");
            vg_page_text(p, r->partner);
        }
        vg_page_put(p, "</td><td>");
        labels(p, "term.reason.", vg_reason_terms, r->reasons);
        vg_page_put(p, "</td><td>");
        hosting(p, r->hosting);
        vg_page_put(p, "</td><td>");
        vg_console_time(p, r->created_at);
        vg_page_put(p, " · ");
        vg_page_text(p, vg_console_vocab(p, "term.route_state.", vg_url_route_state_terms,
                                         r->state));
        if (r->decided_by && *r->decided_by) {
            vg_page_put(p, " ");
            vg_page_t1(p, "console.routes.by", "name", r->decided_by);
            vg_page_t(p, "console.comma");
            vg_console_time(p, r->decided_at);
        }
        if (report_id > 0) {
            if (!strcmp(r->state, VG_URL_ROUTE_PROPOSED))
                approval_form(p, req, r);
            else
                removal_form(p, req, r);
            vg_console_block_route(p, req, con, r);
        }
        vg_page_put(p, "</td></tr>");
    }
    vg_page_put(p, "</tbody></table>");
    if (report_id > 0)
        history(p, con, report_id);
    vg_url_route_rows_free(rows, n);
}

/* Why a route was not changed, in the page's language: the rules
 * (model/route.c, hotline/deliveries.c) say it in English, for the log and
 * the API; these are the ones a person meets here. */
static void refusal(vg_page *p, const char *why)
{
    static const struct {
        const char *english, *key;
    } WHY[] = {
        {"choose at least one action", "console.routes.why.none"},
        {"too many actions", "console.routes.why.too_many"},
        {"there is no partner hotline in the hosting country to forward to",
         "console.routes.why.no_partner"},
        {"this route was approved already", "console.routes.why.approved"},
        {"you changed this route: another analyst must approve the change",
         "console.routes.why.own_change"},
        {"there is no such route", "console.routes.why.no_route"},
        {"someone decided this route meanwhile: look at it again", "console.routes.why.meanwhile"},
        {"routing is not configured (routing.country)", "console.routes.why.not_configured"},
    };
    for (size_t i = 0; i < sizeof WHY / sizeof WHY[0]; i++)
        if (!strcmp(why, WHY[i].english)) {
            vg_page_t(p, WHY[i].key);
            return;
        }
    /* "'CODE' is not an action", "'CODE' is listed twice": a forged form */
    const char *end = why[0] == '\'' ? strchr(why + 1, '\'') : NULL;
    if (end && (!strcmp(end, "' is not an action") || !strcmp(end, "' is listed twice"))) {
        char code[48];
        snprintf(code, sizeof code, "%.*s", (int)(end - why - 1), why + 1);
        vg_page_t1(p, strcmp(end, "' is listed twice") ? "console.routes.why.not_action"
                                                           : "console.routes.why.twice",
                      "code", code);
        return;
    }
    vg_page_text(p, why);
}

/* POST /console/route: approve (or change) a route. */
void vg_console_route_post(vg_http_request *req)
{
    vg_console *con = vg_http_route_ctx(req);
    int64_t id = vg_console_id(vg_http_param(req, "route"));
    if (!id) {
        vg_http_error_page(req, 400, vg_console_tr(req, "console.routes.need_route"));
        return;
    }
    const char *values[16];
    size_t n = vg_http_params(req, "action", values, 16);
    char wanted[VG_URL_ROUTE_TEXT] = "";
    for (size_t i = 0; i < n && i < 16; i++) {
        size_t len = strlen(wanted), add = strlen(values[i]);
        if (len + add + 2 > sizeof wanted)
            break;
        if (len)
            wanted[len++] = ',';
        memcpy(wanted + len, values[i], add + 1);
    }
    vg_actor who = vg_console_actor(req);
    vg_route_verdict verdict;
    int64_t report = 0;
    char why[200] = "";
    vg_error err;
    if (vg_hotline_route_decide(con->hotline, id, who.username, wanted, (int64_t)time(NULL),
                                &verdict, &report, why, sizeof why, &err) != VG_OK) {
        vg_console_unavailable(req, &err);
        return;
    }
    if (verdict != VG_ROUTE_REFUSED) {
        char to[96];
        snprintf(to, sizeof to, "/console/item?id=%" PRId64 "&msg=%s", report,
                 verdict == VG_ROUTE_APPROVE ? "route_approved" : "route_changed");
        vg_http_redirect(req, to);
        return;
    }
    vg_page p = {0};
    p.lang = vg_server_staff_lang(req);
    vg_console_page_open(&p, req, vg_i18n_get(p.lang, "console.routes.not_changed"), NULL);
    vg_page_put(&p, "<p class=\"msg err\" role=\"alert\">");
    vg_page_t(&p, "console.routes.refused");
    vg_page_put(&p, " ");
    refusal(&p, why);
    vg_page_put(&p, "</p>");
    if (report) {
        vg_page_fmt(&p, "<p><a href=\"/console/item?id=%" PRId64 "\">", report);
        vg_page_t(&p, "console.back_item");
        vg_page_put(&p, "</a></p>");
    }
    vg_page_send(&p, req, report ? 409 : 404);
}

/* POST /console/route/removed: the material is gone from a routed URL. */
void vg_console_route_removed_post(vg_http_request *req)
{
    vg_console *con = vg_http_route_ctx(req);
    int64_t report = vg_console_id(vg_http_param(req, "report"));
    const char *url = vg_http_param(req, "url");
    if (!report || !url || !*url) {
        vg_http_error_page(req, 400, vg_console_tr(req, "console.routes.need_url"));
        return;
    }
    vg_actor who = vg_console_actor(req);
    int recorded = 0;
    vg_error err;
    vg_status st = vg_hotline_route_removed(con->hotline, report, url, who.username,
                                            (int64_t)time(NULL), &recorded, &err);
    if (st == VG_ERR_INVALID) {
        vg_http_error_page(req, 404, vg_console_tr(req, "console.routes.no_route"));
        return;
    }
    if (st != VG_OK) {
        vg_console_unavailable(req, &err);
        return;
    }
    char to[96];
    snprintf(to, sizeof to, "/console/item?id=%" PRId64 "&msg=removed", report);
    vg_http_redirect(req, to);
}

/*
 * src/server/console/reporter.c - what the reporter told us, on the item
 * and case pages, and their contact details behind a deliberate, audited
 * click (console.h).
 *
 * A reporter who asks to be contacted must be reachable, but their
 * address is personal data that most steps of an assessment do not need:
 * it is never on a page by default, and each reading is in the audit log
 * (hotline/assessment.h, vg_hotline_contact) before it is shown.
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server/console/console.h"

/* label: a catalogue key, or the field's own name (not_key) */
static void row_of(vg_page *p, const char *label, int not_key, const char *value)
{
    if (!value || !*value)
        return;
    vg_page_put(p, "<tr><th scope=\"row\">");
    if (not_key)
        vg_page_text(p, label);
    else
        vg_page_t(p, label);
    vg_page_put(p, "</th><td>");
    vg_page_text(p, value);
    vg_page_put(p, "</td></tr>");
}

static void row(vg_page *p, const char *key, const char *value)
{
    row_of(p, key, 0, value);
}

/* Further fields (a JSON object of strings, numbers and booleans): their
 * names as the form gave them, so that a field added to the form later is
 * shown without a change here. */
static void extra_rows(vg_page *p, const char *json)
{
    json_t *o = json ? json_loads(json, 0, NULL) : NULL;
    const char *key;
    json_t *v;
    json_object_foreach(o, key, v)
    {
        char number[32];
        const char *text = json_is_string(v) ? json_string_value(v) : NULL;
        if (json_is_integer(v)) {
            snprintf(number, sizeof number, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
            text = number;
        } else if (json_is_boolean(v)) {
            text = vg_page_tr(p, json_is_true(v) ? "console.reporter.yes" : "console.reporter.no",
                              json_is_true(v) ? "yes" : "no");
        }
        /* Fields the public form knows get their words. */
        if (!strcmp(key, "reporter_age"))
            row(p, "console.reporter.age",
                vg_console_vocab(p, "age.", vg_reporter_age_terms, text));
        else
            row_of(p, key, 1, text);
    }
    json_decref(o);
}

void vg_console_reporter_section(vg_page *p, vg_http_request *req, const vg_item *it,
                                 int heading)
{
    const vg_http_caller *who = vg_http_caller_of(req);
    if (heading) {
        vg_page_put(p, "<h2 id=\"reporter\">");
        vg_page_t(p, "console.reporter.heading");
        vg_page_put(p, "</h2>");
    }
    vg_page_put(p, "<table class=\"reporter\" aria-label=\"");
    vg_page_t1(p, "console.reporter.of", "receipt",
                  it->receipt_code ? it->receipt_code : "");
    vg_page_put(p, "\"><tbody>");
    row(p, "console.reporter.danger", it->danger ? vg_page_tr(p, "console.reporter.danger_yes",
                                                              "yes")
                                                 : NULL);
    row(p, "console.reporter.kind",
        it->reporter_kind ? vg_console_vocab(p, "kind.", vg_reporter_kind_terms,
                                             it->reporter_kind)
                          : NULL);
    row(p, "console.reporter.saw", it->occurred_at);
    row(p, "console.reporter.country", it->country);
    row(p, "console.reporter.language", it->language);
    extra_rows(p, it->extra_json);
    vg_page_put(p, "<tr><th scope=\"row\">");
    vg_page_t(p, "console.reporter.contact");
    vg_page_put(p, "</th><td>");
    if (!it->contact || !*it->contact) {
        vg_page_t(p, "console.reporter.contact_none");
    } else if (vg_rule_may_contact(it, who->username, who->role >= VG_ROLE_SUPERVISOR) ==
               VG_ITEM_DONE) {
        vg_page_t(p, "console.reporter.contact_given");
        vg_page_put(p, " <form class=\"inline\" method=\"post\" action=\"/console/contact\">");
        vg_page_csrf(p, req);
        vg_page_fmt(p,
                    "<input type=\"hidden\" name=\"report\" value=\"%" PRId64 "\">"
                    "<button type=\"submit\">",
                    it->report_id);
        vg_page_t(p, "console.reporter.show");
        vg_page_put(p, "<span class=\"skip\"> ");
        vg_console_tn(p, "console.reporter.of_report", "id", it->report_id);
        vg_page_put(p, "</span> ");
        vg_page_t(p, "console.reporter.audited");
        vg_page_put(p, "</button></form>");
    } else {
        vg_page_t(p, "console.reporter.contact_hidden");
    }
    vg_page_put(p, "</td></tr></tbody></table>");
}

void vg_console_contact_post(vg_http_request *req)
{
    vg_console *con = vg_http_route_ctx(req);
    int64_t report = vg_console_id(vg_http_param(req, "report"));
    if (!report) {
        vg_http_error_page(req, 400, vg_console_tr(req, "console.reporter.need_report"));
        return;
    }
    vg_actor who = vg_console_actor(req);
    vg_item_outcome outcome;
    char *contact = NULL;
    vg_error err;
    if (vg_hotline_contact(con->hotline, report, &who, (int64_t)time(NULL), &outcome, &contact,
                           &err) != VG_OK) {
        vg_console_unavailable(req, &err);
        return;
    }
    if (outcome != VG_ITEM_DONE) {
        vg_console_refused(req, outcome, report);
        return;
    }
    vg_page p = {0};
    p.lang = vg_server_staff_lang(req);
    vg_console_page_open(&p, req, vg_i18n_get(p.lang, "console.contact.title"), NULL);
    if (contact) {
        vg_page_put(&p, "<p>");
        vg_page_t(&p, "console.contact.recorded");
        vg_page_put(&p, "</p><p class=\"contact\" dir=\"auto\"><strong>");
        vg_page_text(&p, contact);
        vg_page_put(&p, "</strong></p>");
    } else {
        vg_page_put(&p, "<p>");
        vg_page_t(&p, "console.contact.none");
        vg_page_put(&p, "</p>");
    }
    vg_page_fmt(&p, "<p><a href=\"/console/item?id=%" PRId64 "\">", report);
    vg_page_t(&p, "console.back_item");
    vg_page_put(&p, "</a></p>");
    free(contact);
    vg_page_send(&p, req, 200);
}

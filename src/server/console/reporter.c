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

static void row(vg_page *p, const char *label, const char *value)
{
    if (!value || !*value)
        return;
    vg_page_put(p, "<tr><th scope=\"row\">");
    vg_page_text(p, label);
    vg_page_put(p, "</th><td>");
    vg_page_text(p, value);
    vg_page_put(p, "</td></tr>");
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
            text = json_is_true(v) ? "yes" : "no";
        }
        /* Fields the public form knows get their words. */
        if (!strcmp(key, "reporter_age"))
            row(p, "Their age", vg_term_label(vg_reporter_age_terms, text));
        else
            row(p, key, text);
    }
    json_decref(o);
}

void vg_console_reporter_section(vg_page *p, vg_http_request *req, const vg_item *it,
                                 int heading)
{
    const vg_http_caller *who = vg_http_caller_of(req);
    if (heading)
        vg_page_put(p, "<h2 id=\"reporter\">What the reporter told us</h2>");
    vg_page_fmt(p, "<table class=\"reporter\" aria-label=\"Reporter of %s\"><tbody>",
                it->receipt_code ? it->receipt_code : "the report");
    row(p, "A child in danger now", it->danger ? "yes: the reporter says so (alerted on arrival)"
                                               : NULL);
    row(p, "Who they are",
        it->reporter_kind ? vg_term_label(vg_reporter_kind_terms, it->reporter_kind) : NULL);
    row(p, "When they saw it", it->occurred_at);
    row(p, "Their country", it->country);
    row(p, "Their language", it->language);
    extra_rows(p, it->extra_json);
    vg_page_put(p, "<tr><th scope=\"row\">Contact details</th><td>");
    if (!it->contact || !*it->contact) {
        vg_page_put(p, "none given");
    } else if (vg_rule_may_contact(it, who->username, who->role >= VG_ROLE_SUPERVISOR) ==
               VG_ITEM_DONE) {
        vg_page_put(p, "given, not shown here. "
                       "<form class=\"inline\" method=\"post\" action=\"/console/contact\">");
        vg_page_csrf(p, req);
        vg_page_fmt(p,
                    "<input type=\"hidden\" name=\"report\" value=\"%" PRId64 "\">"
                    "<button type=\"submit\">Show the contact details<span class=\"skip\"> "
                    "of report %" PRId64 "</span> (audited)</button></form>",
                    it->report_id, it->report_id);
    } else {
        vg_page_put(p, "given: the analyst holding the item, or a supervisor, may see them");
    }
    vg_page_put(p, "</td></tr></tbody></table>");
}

void vg_console_contact_post(vg_http_request *req)
{
    vg_console *con = vg_http_route_ctx(req);
    int64_t report = vg_console_id(vg_http_param(req, "report"));
    if (!report) {
        vg_http_error_page(req, 400, "The form needs a report.");
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
    vg_console_page_open(&p, req, "The reporter's contact details", NULL);
    if (contact) {
        vg_page_put(&p, "<p>This reading is recorded in the audit log. Use these details only "
                        "to follow the report up, as the hotline's procedure says.</p>"
                        "<p class=\"contact\"><strong>");
        vg_page_text(&p, contact);
        vg_page_put(&p, "</strong></p>");
    } else {
        vg_page_put(&p, "<p>The reporter gave no contact details.</p>");
    }
    vg_page_fmt(&p, "<p><a href=\"/console/item?id=%" PRId64 "\">Back to the item</a></p>",
                report);
    free(contact);
    vg_page_send(&p, req, 200);
}

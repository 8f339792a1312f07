/*
 * src/server/console/decision.c - a dispute shown to the supervisor who
 * settles it, and a decision reopened (console.h).
 *
 * The two assessments of a dispute are set side by side in words, one row
 * per answer, the rows where they differ marked in text as well as colour;
 * the supervisor accepts one of them (one click) or assesses anew with the
 * form below. A supervisor reopens a confirmed classification with a
 * reason: the use case (hotline/assessment.h) takes its files out of the
 * organisation's bank and puts back in the queue what inherited it.
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server/console/console.h"

/* One answer of a stored assessment in words, in the page's language: a
 * code's label, a list's labels comma-separated, the text itself (country,
 * note). */
static void answer_text(const vg_page *p, json_t *o, const char *key, char *out, size_t cap)
{
    json_t *v = json_object_get(o, key);
    out[0] = 0;
    if (json_is_string(v)) {
        snprintf(out, cap, "%s", vg_console_term(p, json_string_value(v)));
    } else if (json_is_array(v)) {
        size_t i, n = 0;
        json_t *e;
        json_array_foreach(v, i, e)
        {
            if (n < cap)
                n += (size_t)snprintf(out + n, cap - n, "%s%s", i ? ", " : "",
                                      vg_console_term(p, json_string_value(e)));
        }
    }
}

void vg_console_dispute_view(vg_page *p, vg_http_request *req, const vg_item *it)
{
    static const char *const rows[][2] = {
        {"legal", "console.item.legal"},     {"severity", "console.item.severity_legend"},
        {"age", "console.item.age"},         {"sex", "console.item.sex"},
        {"flags", "console.item.flags"},     {"baseline", "console.item.baseline"},
        {"country", "console.item.country"}, {"note", "console.dispute.note"},
    };
    json_t *first = it->first_json ? json_loads(it->first_json, 0, NULL) : NULL;
    json_t *second = it->second_json ? json_loads(it->second_json, 0, NULL) : NULL;
    vg_page_put(p, "<table class=\"dispute\"><caption>");
    vg_page_t(p, "console.dispute.caption");
    vg_page_put(p, "</caption><thead><tr><th scope=\"col\">");
    vg_page_t(p, "console.dispute.answer");
    vg_page_put(p, "</th><th scope=\"col\">");
    vg_page_t1(p, "console.dispute.first_by", "name", it->first_by ? it->first_by : "");
    vg_page_put(p, "</th><th scope=\"col\">");
    vg_page_t1(p, "console.dispute.second_by", "name", it->second_by ? it->second_by : "");
    vg_page_put(p, "</th></tr></thead><tbody>");
    int differences = 0;
    for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
        char a[400], b[400];
        answer_text(p, first, rows[r][0], a, sizeof a);
        answer_text(p, second, rows[r][0], b, sizeof b);
        int differ = strcmp(a, b) != 0 && strcmp(rows[r][0], "note");
        differences += differ;
        vg_page_put(p, differ ? "<tr class=\"differs\"><th scope=\"row\">" : "<tr><th scope=\"row\">");
        vg_page_t(p, rows[r][1]);
        if (differ) {
            vg_page_put(p, " <strong>");
            vg_page_t(p, "console.dispute.differs");
            vg_page_put(p, "</strong>");
        }
        vg_page_put(p, "</th><td>");
        vg_page_text(p, *a ? a : "-");
        vg_page_put(p, "</td><td>");
        vg_page_text(p, *b ? b : "-");
        vg_page_put(p, "</td></tr>");
    }
    json_decref(first);
    json_decref(second);
    vg_page_put(p, "</tbody></table><p>");
    vg_console_tn(p, "console.dispute.count", "count", differences);
    vg_page_put(p, "</p>");
    const vg_http_caller *who = vg_http_caller_of(req);
    if (vg_rule_may_finish(it, who->username, who->role >= VG_ROLE_SUPERVISOR) != VG_ITEM_DONE)
        return;
    vg_page_put(p, "<p>");
    for (int second_one = 0; second_one < 2; second_one++) {
        vg_page_put(p, "<form class=\"inline\" method=\"post\" action=\"/console/settle\">");
        vg_page_csrf(p, req);
        vg_page_fmt(p,
                    "<input type=\"hidden\" name=\"report\" value=\"%" PRId64 "\">"
                    "<input type=\"hidden\" name=\"version\" value=\"%" PRId64 "\">"
                    "<input type=\"hidden\" name=\"accept\" value=\"%s\">"
                    "<button type=\"submit\" class=\"primary\">",
                    it->report_id, it->version, second_one ? "second" : "first");
        vg_page_t(p, second_one ? "console.dispute.accept_second" : "console.dispute.accept_first");
        vg_page_put(p, "</button></form> ");
    }
    vg_page_t(p, "console.dispute.or_anew");
    vg_page_put(p, "</p>");
}

void vg_console_settle_post(vg_http_request *req)
{
    vg_console *con = vg_http_route_ctx(req);
    int64_t report, version;
    if (!vg_console_form_item(req, &report, &version))
        return;
    const char *accept = vg_http_param(req, "accept");
    if (!accept || (strcmp(accept, "first") && strcmp(accept, "second"))) {
        vg_http_error_page(req, 400, vg_console_tr(req, "console.dispute.which"));
        return;
    }
    vg_actor who = vg_console_actor(req);
    vg_item_outcome outcome;
    vg_error err;
    if (vg_hotline_settle(con->hotline, report, &who, version, !strcmp(accept, "second"),
                          (int64_t)time(NULL), &outcome, &err) != VG_OK) {
        vg_console_unavailable(req, &err);
        return;
    }
    if (outcome != VG_ITEM_DONE) {
        vg_console_refused(req, outcome, report);
        return;
    }
    vg_http_redirect(req, "/console/queue?msg=decided");
}

void vg_console_reopen_form(vg_page *p, vg_http_request *req, const vg_item *it)
{
    const vg_http_caller *who = vg_http_caller_of(req);
    if (who->role < VG_ROLE_SUPERVISOR || strcmp(it->state, VG_ITEM_CONFIRMED))
        return;
    vg_page_put(p, "<details><summary>");
    vg_page_t(p, "console.reopen.summary");
    vg_page_put(p, "</summary><form method=\"post\" action=\"/console/reopen\">");
    vg_page_csrf(p, req);
    vg_page_fmt(p,
                "<input type=\"hidden\" name=\"report\" value=\"%" PRId64 "\">"
                "<input type=\"hidden\" name=\"version\" value=\"%" PRId64 "\">",
                it->report_id, it->version);
    vg_page_put(p, "<p>");
    vg_page_t(p, "console.reopen.intro");
    vg_page_put(p, "</p><p><label for=\"reason\">");
    vg_page_t(p, "console.reopen.reason");
    vg_page_fmt(p, "</label><br><textarea name=\"reason\" id=\"reason\" rows=\"3\" cols=\"60\" "
                   "required maxlength=\"%d\" dir=\"auto\"></textarea></p><p><button "
                   "type=\"submit\">",
                VG_REASON_MAX);
    vg_page_t(p, "console.reopen.button");
    vg_page_put(p, "</button></p></form></details>");
}

void vg_console_reopen_post(vg_http_request *req)
{
    vg_console *con = vg_http_route_ctx(req);
    int64_t report, version;
    if (!vg_console_form_item(req, &report, &version))
        return;
    const char *reason = vg_http_param(req, "reason");
    if (!reason || !*reason || strlen(reason) > VG_REASON_MAX) {
        vg_http_error_page(req, 422, vg_console_tr(req, "console.reopen.need_reason"));
        return;
    }
    vg_actor who = vg_console_actor(req);
    vg_item_outcome outcome;
    size_t reopened = 0;
    vg_error err;
    if (vg_hotline_reopen(con->hotline, report, &who, version, reason, (int64_t)time(NULL),
                          &outcome, &reopened, &err) != VG_OK) {
        vg_console_unavailable(req, &err);
        return;
    }
    if (outcome != VG_ITEM_DONE) {
        vg_console_refused(req, outcome, report);
        return;
    }
    char location[96];
    snprintf(location, sizeof location, "/console/item?id=%" PRId64 "&msg=reopened&n=%zu",
             report, reopened);
    vg_http_redirect(req, location);
}

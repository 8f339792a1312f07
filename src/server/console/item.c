/*
 * src/server/console/item.c - one item of the queue and its assessment form.
 *
 * The form is validated here, whatever the browser did. When an assessment
 * cannot be recorded (invalid, stale form, someone else's claim, already
 * confirmed, a double submission) the page comes back with the message and
 * with everything the analyst entered, so nothing is silently lost.
 *
 * Four-eyes is blind: the second analyst does not see the first one's
 * answers, only that they exist; a supervisor deciding a dispute sees both.
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server/console/console.h"

#define BASELINE_COUNT 3
#define MAX_NOTE 4000

typedef struct form {
    const char *legal, *severity, *age, *sex, *country, *note;
    const char *flags[8];
    size_t flag_count, flags_sent; /* kept (at most 8), and how many came */
    const char *baseline[4];
    size_t baseline_count, baseline_sent;
} form;

static int in(const vg_term *list, const char *v)
{
    return vg_term_find(list, v) != NULL;
}

static int has(const char *const *values, size_t n, const char *v)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(values[i], v))
            return 1;
    return 0;
}

static int is_grade(const vg_console *con, const char *v)
{
    return v && vg_grading_has(&con->hotline->grading, v);
}

static void read_form(vg_http_request *req, form *f)
{
    memset(f, 0, sizeof *f);
    f->legal = vg_http_param(req, "legal");
    f->severity = vg_http_param(req, "severity");
    f->age = vg_http_param(req, "age");
    f->sex = vg_http_param(req, "sex");
    f->country = vg_http_param(req, "country");
    f->note = vg_http_param(req, "note");
    /* vg_http_params counts every value but stores at most max. */
    f->flags_sent = vg_http_params(req, "flag", f->flags, 8);
    f->flag_count = f->flags_sent < 8 ? f->flags_sent : 8;
    f->baseline_sent = vg_http_params(req, "baseline", f->baseline, 4);
    f->baseline_count = f->baseline_sent < 4 ? f->baseline_sent : 4;
}

/* The first problem of the form, or NULL when it is valid. */
static const char *validate(const vg_console *con, const form *f)
{
    if (!in(vg_legal_terms, f->legal))
        return "Choose the legal assessment.";
    int csam = !strcmp(f->legal, VG_LEGAL_CSAM);
    if (f->severity && *f->severity && !is_grade(con, f->severity))
        return "The severity is not one of the scheme's grades.";
    if (csam && !is_grade(con, f->severity))
        return "Illegal CSAM needs a severity grade.";
    if (f->age && *f->age && !in(vg_age_terms, f->age))
        return "The apparent age band is not one of the list.";
    if (csam && !in(vg_age_terms, f->age))
        return "Illegal CSAM needs an apparent age band.";
    if (f->sex && *f->sex && !in(vg_sex_terms, f->sex))
        return "The sex of the child(ren) shown is not one of the list.";
    if (f->flags_sent > 6)
        return "Too many flags.";
    for (size_t i = 0; i < f->flag_count; i++)
        if (!in(vg_flag_terms, f->flags[i]))
            return "A flag is not one of the list.";
    if (f->baseline_sent > BASELINE_COUNT)
        return "Too many baseline answers.";
    for (size_t i = 0; i < f->baseline_count; i++) {
        int known = 0;
        for (size_t b = 0; b < BASELINE_COUNT; b++)
            known |= !strcmp(vg_baseline_terms[b].code, f->baseline[i]);
        if (!known)
            return "A baseline answer is not one of the checklist.";
    }
    const char *c = f->country;
    if (!c || strlen(c) != 2 || c[0] < 'A' || c[0] > 'Z' || c[1] < 'A' || c[1] > 'Z')
        return "Give the country whose law applies as two capital letters (ISO 3166: FR, DE, "
               "GB...).";
    if (f->note && strlen(f->note) > MAX_NOTE)
        return "The note is longer than 4000 characters.";
    return NULL;
}

/* ---- rendering -------------------------------------------------------- */

/* key: an access key (Alt+key in most browsers) shown after the label, or 0. */
static void radio(vg_page *p, const char *name, const char *value, const char *label,
                  const char *chosen, char key)
{
    vg_page_fmt(p, "<label><input type=\"radio\" name=\"%s\" value=\"", name);
    vg_page_text(p, value);
    vg_page_put(p, "\"");
    if (key)
        vg_page_fmt(p, " accesskey=\"%c\"", key);
    /* The keyboard starts on the first answer, with nothing chosen yet. */
    if (!chosen && !strcmp(name, "legal") && !strcmp(value, VG_LEGAL_CSAM))
        vg_page_put(p, " autofocus");
    if (chosen && !strcmp(chosen, value))
        vg_page_put(p, " checked");
    vg_page_put(p, "> ");
    vg_page_text(p, label);
    if (key)
        vg_page_fmt(p, " <kbd>%c</kbd>", key);
    vg_page_put(p, "</label>");
}

static void checkbox(vg_page *p, const char *name, const char *value, const char *label,
                     int checked)
{
    vg_page_fmt(p, "<label><input type=\"checkbox\" name=\"%s\" value=\"%s\"%s> ", name, value,
                checked ? " checked" : "");
    vg_page_text(p, label);
    vg_page_put(p, "</label>");
}

static void select_list(vg_page *p, const char *name, const char *label, const vg_term *values,
                        const char *chosen)
{
    vg_page_fmt(p, "<label>%s <select name=\"%s\" id=\"f-%s\"%s><option value=\"\">-</option>",
                label, name, name, strcmp(name, "age") ? "" : " accesskey=\"g\"");
    for (size_t i = 0; values[i].code; i++) {
        vg_page_fmt(p, "<option value=\"%s\"%s>", values[i].code,
                    chosen && !strcmp(chosen, values[i].code) ? " selected" : "");
        vg_page_text(p, values[i].label);
        vg_page_put(p, "</option>");
    }
    vg_page_put(p, "</select></label>");
}

static void render_form(vg_page *p, vg_http_request *req, const vg_console *con, const vg_item *it,
                        const form *f)
{
    vg_page_put(p, "<form method=\"post\" action=\"/console/assess\" id=\"assess\">");
    vg_page_csrf(p, req);
    vg_page_fmt(p,
                "<input type=\"hidden\" name=\"report\" value=\"%" PRId64 "\">"
                "<input type=\"hidden\" name=\"version\" value=\"%" PRId64 "\">",
                it->report_id, it->version);
    /* Shortcuts without script: access keys, which browsers bind to
     * Alt (Chromium, Firefox on Linux and Windows) or Ctrl+Option (macOS). */
    vg_page_put(p, "<p class=\"keys\">Shortcuts (Alt+key): <kbd>1</kbd>-<kbd>4</kbd> legal "
                   "assessment, <kbd>g</kbd> apparent age, <kbd>c</kbd> country, <kbd>r</kbd> "
                   "record.</p>");
    vg_page_put(p, "<div class=\"cols\"><fieldset><legend>Legal assessment</legend>");
    for (size_t i = 0; vg_legal_terms[i].code; i++)
        radio(p, "legal", vg_legal_terms[i].code, vg_legal_terms[i].label, f->legal,
              i < 9 ? (char)('1' + i) : 0);
    vg_page_put(p, "</fieldset><fieldset><legend>Severity</legend>");
    const vg_grading *g = &con->hotline->grading;
    for (int i = 0; i < g->count; i++)
        radio(p, "severity", g->grades[i], g->grades[i], f->severity, 0);
    radio(p, "severity", "", "none", f->severity ? f->severity : "", 0);
    vg_page_put(p, "</fieldset><fieldset><legend>Child(ren) shown</legend>");
    select_list(p, "age", "Apparent age", vg_age_terms, f->age);
    select_list(p, "sex", "Sex", vg_sex_terms, f->sex);
    vg_page_put(p, "</fieldset><fieldset><legend>Flags</legend>");
    for (size_t i = 0; vg_flag_terms[i].code; i++)
        checkbox(p, "flag", vg_flag_terms[i].code, vg_flag_terms[i].label,
                 has(f->flags, f->flag_count, vg_flag_terms[i].code));
    vg_page_put(p, "</fieldset><fieldset><legend>Interpol baseline</legend>");
    for (size_t i = 0; i < BASELINE_COUNT; i++) {
        checkbox(p, "baseline", vg_baseline_terms[i].code, vg_baseline_terms[i].label,
                 has(f->baseline, f->baseline_count, vg_baseline_terms[i].code));
        vg_page_put(p, "<br>");
    }
    vg_page_put(p, "</fieldset><fieldset><legend>Law and note</legend><label>Country whose law "
                   "applies <input name=\"country\" id=\"f-country\" accesskey=\"c\" size=\"3\" maxlength=\"2\" "
                   "pattern=\"[A-Z]{2}\" autocomplete=\"off\" value=\"");
    vg_page_text(p, f->country);
    vg_page_put(p, "\"></label><br><label for=\"f-note\">Note</label><br>"
                   "<textarea name=\"note\" id=\"f-note\" rows=\"3\" cols=\"40\" "
                   "maxlength=\"4000\">");
    vg_page_text(p, f->note);
    vg_page_put(p, "</textarea></fieldset></div><p><button type=\"submit\" class=\"primary\" "
                   "accesskey=\"r\">Record assessment</button></p></form>");
}

/* The item page: details, files, and the form when the caller may assess. */
static void render_item(vg_http_request *req, int64_t report, const form *f, const char *problem,
                        unsigned status)
{
    vg_console *con = vg_http_route_ctx(req);
    const vg_http_caller *who = vg_http_caller_of(req);
    vg_item it;
    int found = 0;
    vg_error err;
    vg_item_file *files = NULL;
    size_t nfiles = 0;
    vg_item_url *urls = NULL;
    size_t nurls = 0;
    if (vg_hotline_item(con->hotline, report, &it, &found, &files, &nfiles, &urls, &nurls, &err) !=
        VG_OK) {
        vg_console_unavailable(req, &err);
        return;
    }
    if (!found) {
        vg_http_error_page(req, 404, "There is no such report.");
        return;
    }
    char title[64];
    snprintf(title, sizeof title, "Report %s", it.receipt_code ? it.receipt_code : "");
    vg_page p = {0};
    vg_console_page_open(&p, req, title, NULL);
    const char *msg = vg_http_query(req, "msg");
    if (msg && !strcmp(msg, "claimed"))
        vg_page_put(&p, "<p class=\"msg\" role=\"status\">You hold this item now: nobody else "
                        "can assess it until you release it or record your assessment.</p>");
    if (msg && !strcmp(msg, "reopened"))
        vg_page_fmt(&p,
                    "<p class=\"msg\" role=\"status\">Reopened: the item is back in the queue, "
                    "its files left the organisation's bank, and %" PRId64 " other report(s) "
                    "that inherited its decision came back with it.</p>",
                    vg_console_id(vg_http_query(req, "n")));
    if (msg && !strcmp(msg, "route_approved"))
        vg_page_put(&p, "<p class=\"msg\" role=\"status\">Route approved: what it sends "
                        "goes out in the background, and is shown under Routes.</p>");
    if (msg && !strcmp(msg, "route_changed"))
        vg_page_put(&p, "<p class=\"msg\" role=\"status\">Route changed: another analyst "
                        "must approve the change.</p>");
    if (msg && !strcmp(msg, "removed"))
        vg_page_put(&p, "<p class=\"msg\" role=\"status\">Recorded: the material is gone "
                        "from this URL. Whoever forwarded the report learns it.</p>");
    if (problem) {
        vg_page_put(&p, "<p class=\"msg err\" role=\"alert\">");
        vg_page_text(&p, problem);
        vg_page_put(&p, "</p>");
    }
    int64_t now = (int64_t)time(NULL);
    vg_page_put(&p, "<table><tbody><tr><th scope=\"row\">State</th><td>");
    vg_page_text(&p, vg_console_label(it.state));
    int lapsed = vg_console_claim_lapsed(con, &it, now);
    if (it.claimed_by) {
        vg_page_put(&p, " · held by ");
        vg_page_text(&p, it.claimed_by);
        vg_page_put(&p, " for ");
        vg_console_duration(&p, now - it.claimed_at);
        if (lapsed)
            vg_page_put(&p, " <strong>(claim lapsed: another analyst may take it over)</strong>");
    }
    vg_page_put(&p, "</td><th scope=\"row\">About</th><td>");
    vg_page_text(&p, vg_console_label(it.category));
    vg_page_put(&p, "</td><th scope=\"row\">Source</th><td>");
    vg_page_text(&p, it.source);
    vg_console_found_by_crawler(&p, &it);
    vg_page_put(&p, "</td></tr><tr><th scope=\"row\">Received</th><td>");
    vg_console_time(&p, it.created_at);
    vg_page_put(&p, " (waited ");
    vg_console_duration(&p, now - it.created_at);
    vg_page_fmt(&p,
                ")</td><th scope=\"row\">Case</th><td><a href=\"/console/case?id=%" PRId64
                "\">#%" PRId64 "</a></td><th scope=\"row\">Reporter sees</th><td>",
                it.case_id, it.case_id);
    vg_console_reporter_sees(&p, con, it.status);
    vg_page_put(&p, "</td></tr>");
    if (it.account) {
        vg_page_put(&p, "<tr><th scope=\"row\">Account</th><td colspan=\"5\">");
        vg_page_text(&p, it.platform ? it.platform : "?");
        vg_page_put(&p, ": ");
        vg_page_text(&p, it.account);
        vg_page_put(&p, "</td></tr>");
    }
    if (it.description) {
        vg_page_put(&p, "<tr><th scope=\"row\">Description</th><td colspan=\"5\">");
        vg_page_text(&p, it.description);
        vg_page_put(&p, "</td></tr>");
    }
    for (size_t i = 0; i < nurls; i++) {
        vg_page_put(&p, i ? "<br>"
                          : "<tr><th scope=\"row\">URLs</th><td colspan=\"5\" "
                            "class=\"hash\">");
        vg_page_text(&p, urls[i].canonical);
    }
    if (nurls)
        vg_page_put(&p, "</td></tr>");
    vg_item_urls_free(urls, nurls);
    vg_page_put(&p, "</tbody></table>");
    vg_console_reporter_section(&p, req, &it, 1);

    int finished = !strcmp(it.state, VG_ITEM_CONFIRMED) || !strcmp(it.state, VG_ITEM_AUTO);
    int mine = it.claimed_by && !strcmp(it.claimed_by, who->username);
    if (finished) {
        vg_page_put(&p, "<h2>Classification</h2><p>");
        vg_page_text(&p, vg_console_label(it.legal));
        if (it.severity && *it.severity) {
            vg_page_put(&p, ", severity ");
            vg_page_text(&p, it.severity);
        }
        if (it.age && *it.age) {
            vg_page_put(&p, ", ");
            vg_page_text(&p, vg_console_label(it.age));
        }
        vg_page_put(&p, " — ");
        if (strcmp(it.state, VG_ITEM_AUTO)) {
            vg_page_put(&p, "confirmed by ");
            vg_page_text(&p, it.first_by);
            vg_page_put(&p, " and ");
            vg_page_text(&p, it.decided_by);
        } else {
            /* An inherited decision says where it came from. */
            vg_page_put(&p, "assessed automatically: ");
            vg_page_text(&p, vg_term_label(vg_decision_source_terms, it.decided_by));
            if (it.decided_from)
                vg_page_fmt(&p, " (<a href=\"/console/item?id=%" PRId64 "\">report %" PRId64
                                "</a>)",
                            it.decided_from, it.decided_from);
            vg_page_put(&p, ".");
        }
        vg_page_put(&p, "</p>");
        vg_console_routes_table(&p, req, con, report, 0);
        vg_console_reopen_form(&p, req, &it);
    } else {
        if (it.first_by && !strcmp(it.state, VG_ITEM_SECOND)) {
            vg_page_put(&p, "<p class=\"msg\">First assessment recorded by ");
            vg_page_text(&p, it.first_by);
            vg_page_put(&p, ". Assess it independently: its answers stay hidden until "
                            "confirmation.</p>");
        }
        if (!strcmp(it.state, VG_ITEM_DISPUTED)) {
            vg_page_put(&p, "<p class=\"msg err\">The two assessments differ. A supervisor's "
                            "assessment decides.</p>");
            if (who->role >= VG_ROLE_SUPERVISOR)
                vg_console_dispute_view(&p, req, &it);
        }
        vg_page_put(&p, "<p>");
        if (it.claimed_by && !mine && who->role >= VG_ROLE_SUPERVISOR) {
            vg_page_put(&p, "<form class=\"inline\" method=\"post\" action=\"/console/release\">");
            vg_page_csrf(&p, req);
            vg_page_fmt(&p,
                        "<input type=\"hidden\" name=\"report\" value=\"%" PRId64 "\">"
                        "<input type=\"hidden\" name=\"version\" value=\"%" PRId64 "\">"
                        "<button type=\"submit\">Release the claim (supervisor)</button></form>",
                        it.report_id, it.version);
        }
        int may =
            vg_rule_may_finish(&it, who->username, who->role >= VG_ROLE_SUPERVISOR) == VG_ITEM_DONE;
        if (mine || ((!it.claimed_by || lapsed) && may)) {
            vg_page_fmt(&p, "<form class=\"inline\" method=\"post\" action=\"/console/%s\">",
                        mine ? "release" : "claim");
            vg_page_csrf(&p, req);
            vg_page_fmt(&p,
                        "<input type=\"hidden\" name=\"report\" value=\"%" PRId64 "\">"
                        "<input type=\"hidden\" name=\"version\" value=\"%" PRId64 "\">"
                        "<button type=\"submit\">%s</button></form>",
                        it.report_id, it.version,
                        mine     ? "Release"
                        : lapsed ? "Take over the lapsed claim"
                                 : "Claim to assess");
        }
        vg_page_put(&p, " <a href=\"/console/queue\">Back to the queue</a></p>");
    }
    vg_page_put(&p, "<h2>Files</h2>");
    vg_console_files_table(&p, req, con, &it, files, nfiles);
    if (!finished) {
        vg_page_put(&p, "<h2>Assessment</h2>");
        if (mine || problem) {
            form empty = {0};
            render_form(&p, req, con, &it, f ? f : &empty);
            if (!mine)
                vg_page_put(&p, "<p>Your entries are kept above; claim the item again to "
                                "record them.</p>");
        } else {
            vg_page_put(&p, vg_rule_may_finish(&it, who->username,
                                               who->role >= VG_ROLE_SUPERVISOR) == VG_ITEM_DONE
                                ? "<p>Claim the item to assess it.</p>"
                                : "<p>Someone else must take the next step on this item.</p>");
        }
    }
    vg_item_files_free(files, nfiles);
    vg_item_clear(&it);
    vg_page_send(&p, req, status);
}

void vg_console_item_page(vg_http_request *req)
{
    int64_t report = vg_console_id(vg_http_query(req, "id"));
    if (!report) {
        vg_http_error_page(req, 400, "Which report? The address needs ?id=NUMBER.");
        return;
    }
    render_item(req, report, NULL, NULL, 200);
}

/* The baseline answers ticked, in checklist order, comma-separated. */
static void baseline_text(const form *f, char *out, size_t cap)
{
    out[0] = 0;
    for (size_t i = 0; i < BASELINE_COUNT; i++)
        if (has(f->baseline, f->baseline_count, vg_baseline_terms[i].code)) {
            size_t n = strlen(out);
            snprintf(out + n, cap - n, "%s%s", n ? "," : "", vg_baseline_terms[i].code);
        }
}

static char *form_json(const form *f, char *flags, size_t cap)
{
    json_t *o = json_object();
    json_t *fl = json_array(), *bl = json_array();
    flags[0] = 0;
    for (size_t i = 0; vg_flag_terms[i].code; i++)
        if (has(f->flags, f->flag_count, vg_flag_terms[i].code)) {
            json_array_append_new(fl, json_string(vg_flag_terms[i].code));
            size_t n = strlen(flags);
            snprintf(flags + n, cap - n, "%s%s", n ? "," : "", vg_flag_terms[i].code);
        }
    for (size_t i = 0; i < BASELINE_COUNT; i++)
        if (has(f->baseline, f->baseline_count, vg_baseline_terms[i].code))
            json_array_append_new(bl, json_string(vg_baseline_terms[i].code));
    json_object_set_new(o, "legal", json_string(f->legal));
    json_object_set_new(o, "severity", json_string(f->severity ? f->severity : ""));
    json_object_set_new(o, "age", json_string(f->age ? f->age : ""));
    json_object_set_new(o, "sex", json_string(f->sex ? f->sex : ""));
    json_object_set_new(o, "flags", fl);
    json_object_set_new(o, "baseline", bl);
    json_object_set_new(o, "country", json_string(f->country));
    if (f->note && *f->note)
        json_object_set_new(o, "note", json_string(f->note));
    char *text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(o);
    return text;
}

void vg_console_assess_post(vg_http_request *req)
{
    vg_console *con = vg_http_route_ctx(req);
    const vg_http_caller *who = vg_http_caller_of(req);
    int64_t report, version;
    if (!vg_console_form_item(req, &report, &version))
        return;
    form f;
    read_form(req, &f);
    const char *problem = validate(con, &f);
    if (problem) {
        render_item(req, report, &f, problem, 422);
        return;
    }
    char flags[200];
    char *json = form_json(&f, flags, sizeof flags);
    if (!json) {
        vg_http_error_page(req, 500, "Out of memory.");
        return;
    }
    char baseline[100];
    baseline_text(&f, baseline, sizeof baseline);
    vg_class c = {.legal = f.legal,
                  .severity = f.severity ? f.severity : "",
                  .age = f.age ? f.age : "",
                  .sex = f.sex ? f.sex : "",
                  .flags = flags,
                  .baseline = baseline,
                  .country = f.country ? f.country : "",
                  .json = json};
    vg_actor actor = vg_console_actor(req);
    vg_item_outcome outcome;
    const char *state = NULL;
    vg_error err;
    vg_status st = vg_hotline_assess(con->hotline, report, &actor, version, &c, (int64_t)time(NULL),
                                     &outcome, &state, &err);
    free(json);
    if (st != VG_OK) {
        json_t *fields =
            json_pack("{s:I, s:s}", "report", (json_int_t)report, "error", err.message);
        vg_http_log_json(vg_http_server(req), "error", "assessment not recorded", fields);
        json_decref(fields);
        render_item(req, report, &f,
                    "Your assessment could not be recorded just now (the server's log says "
                    "why). Nothing was changed; your entries are kept below: try again.",
                    503);
        return;
    }
    if (outcome != VG_ITEM_DONE) {
        vg_item it;
        int found = 0;
        const char *why = "This item changed since your form was loaded: it was released, "
                          "reassigned or assessed by someone else. Your entries were NOT "
                          "recorded; they are kept below.";
        if (outcome == VG_ITEM_NO_SUCH_REPORT) {
            vg_console_refused(req, outcome, report);
            return;
        }
        if (vg_hotline_item(con->hotline, report, &it, &found, NULL, NULL, NULL, NULL, &err) ==
                VG_OK &&
            found) {
            if (outcome == VG_ITEM_FINISHED)
                why = "This item is already confirmed. Your entries were not recorded.";
            else if (it.first_by && !strcmp(it.first_by, who->username) &&
                     !strcmp(it.state, VG_ITEM_SECOND))
                why = outcome == VG_ITEM_SAME_ANALYST
                          ? "You made the first assessment: a second analyst must confirm it."
                          : "Your assessment was already recorded (this was a second "
                            "submission of the same form). It now waits for a second analyst.";
            else if (outcome == VG_ITEM_CLAIMED)
                why = "Another analyst holds this item now. Your entries were NOT recorded; "
                      "they are kept below.";
            else if (outcome == VG_ITEM_NOT_CLAIMED)
                why = "You no longer hold this item (it was released). Claim it again to "
                      "record the entries kept below.";
            else if (outcome == VG_ITEM_SUPERVISOR)
                why = "The two assessments differ: only a supervisor may decide. Your entries "
                      "were not recorded.";
            vg_item_clear(&it);
        }
        render_item(req, report, &f, why, 409);
        return;
    }
    const char *msg = !strcmp(state, VG_ITEM_SECOND)     ? "first"
                      : !strcmp(state, VG_ITEM_DISPUTED) ? "disputed"
                                                         : "confirmed";
    char location[64];
    snprintf(location, sizeof location, "/console/queue?msg=%s", msg);
    vg_http_redirect(req, location);
}

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

/* The first problem of the form (its catalogue key), or NULL when it is valid. */
static const char *validate(const vg_console *con, const form *f)
{
    if (!in(vg_legal_terms, f->legal))
        return "console.item.invalid.legal";
    int csam = !strcmp(f->legal, VG_LEGAL_CSAM);
    if (f->severity && *f->severity && !is_grade(con, f->severity))
        return "console.item.invalid.severity";
    if (csam && !is_grade(con, f->severity))
        return "console.item.invalid.csam_severity";
    if (f->age && *f->age && !in(vg_age_terms, f->age))
        return "console.item.invalid.age";
    if (csam && !in(vg_age_terms, f->age))
        return "console.item.invalid.csam_age";
    if (f->sex && *f->sex && !in(vg_sex_terms, f->sex))
        return "console.item.invalid.sex";
    if (f->flags_sent > 6)
        return "console.item.invalid.flags";
    for (size_t i = 0; i < f->flag_count; i++)
        if (!in(vg_flag_terms, f->flags[i]))
            return "console.item.invalid.flag";
    if (f->baseline_sent > BASELINE_COUNT)
        return "console.item.invalid.baselines";
    for (size_t i = 0; i < f->baseline_count; i++) {
        int known = 0;
        for (size_t b = 0; b < BASELINE_COUNT; b++)
            known |= !strcmp(vg_baseline_terms[b].code, f->baseline[i]);
        if (!known)
            return "console.item.invalid.baseline";
    }
    const char *c = f->country;
    if (!c || strlen(c) != 2 || c[0] < 'A' || c[0] > 'Z' || c[1] < 'A' || c[1] > 'Z')
        return "console.item.invalid.country";
    if (f->note && strlen(f->note) > MAX_NOTE)
        return "console.item.invalid.note";
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
    vg_page_put(p, "<label>");
    vg_page_t(p, label);
    vg_page_fmt(p, " <select name=\"%s\" id=\"f-%s\"%s><option value=\"\">-</option>", name,
                name, strcmp(name, "age") ? "" : " accesskey=\"g\"");
    for (size_t i = 0; values[i].code; i++) {
        vg_page_fmt(p, "<option value=\"%s\"%s>", values[i].code,
                    chosen && !strcmp(chosen, values[i].code) ? " selected" : "");
        vg_page_text(p, vg_console_term(p, values[i].code));
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
    vg_page_put(p, "<p class=\"keys\">");
    vg_page_t(p, "console.item.shortcuts");
    vg_page_put(p, " <kbd>1</kbd>-<kbd>4</kbd> ");
    vg_page_t(p, "console.item.key.legal");
    vg_page_put(p, ", <kbd>g</kbd> ");
    vg_page_t(p, "console.item.key.age");
    vg_page_put(p, ", <kbd>c</kbd> ");
    vg_page_t(p, "console.item.key.country");
    vg_page_put(p, ", <kbd>r</kbd> ");
    vg_page_t(p, "console.item.key.record");
    vg_page_put(p, "</p><div class=\"cols\"><fieldset><legend>");
    vg_page_t(p, "console.item.legal");
    vg_page_put(p, "</legend>");
    for (size_t i = 0; vg_legal_terms[i].code; i++)
        radio(p, "legal", vg_legal_terms[i].code, vg_console_term(p, vg_legal_terms[i].code),
              f->legal, i < 9 ? (char)('1' + i) : 0);
    vg_page_put(p, "</fieldset><fieldset><legend>");
    vg_page_t(p, "console.item.severity_legend");
    vg_page_put(p, "</legend>");
    /* the grades are the scheme's own names (grading.scheme), shown as set */
    const vg_grading *g = &con->hotline->grading;
    for (int i = 0; i < g->count; i++)
        radio(p, "severity", g->grades[i], g->grades[i], f->severity, 0);
    radio(p, "severity", "", vg_page_tr(p, "console.item.severity_none", "none"),
          f->severity ? f->severity : "", 0);
    vg_page_put(p, "</fieldset><fieldset><legend>");
    vg_page_t(p, "console.item.children");
    vg_page_put(p, "</legend>");
    select_list(p, "age", "console.item.age", vg_age_terms, f->age);
    select_list(p, "sex", "console.item.sex", vg_sex_terms, f->sex);
    vg_page_put(p, "</fieldset><fieldset><legend>");
    vg_page_t(p, "console.item.flags");
    vg_page_put(p, "</legend>");
    for (size_t i = 0; vg_flag_terms[i].code; i++)
        checkbox(p, "flag", vg_flag_terms[i].code, vg_console_term(p, vg_flag_terms[i].code),
                 has(f->flags, f->flag_count, vg_flag_terms[i].code));
    vg_page_put(p, "</fieldset><fieldset><legend>");
    vg_page_t(p, "console.item.baseline");
    vg_page_put(p, "</legend>");
    for (size_t i = 0; i < BASELINE_COUNT; i++) {
        checkbox(p, "baseline", vg_baseline_terms[i].code,
                 vg_console_term(p, vg_baseline_terms[i].code),
                 has(f->baseline, f->baseline_count, vg_baseline_terms[i].code));
        vg_page_put(p, "<br>");
    }
    vg_page_put(p, "</fieldset><fieldset><legend>");
    vg_page_t(p, "console.item.law_note");
    vg_page_put(p, "</legend><label>");
    vg_page_t(p, "console.item.country");
    vg_page_put(p, " <input name=\"country\" id=\"f-country\" accesskey=\"c\" size=\"3\" "
                   "maxlength=\"2\" pattern=\"[A-Z]{2}\" autocomplete=\"off\" dir=\"ltr\" "
                   "value=\"");
    vg_page_text(p, f->country);
    vg_page_put(p, "\"></label><br><label for=\"f-note\">");
    vg_page_t(p, "console.item.note");
    vg_page_put(p, "</label><br><textarea name=\"note\" id=\"f-note\" rows=\"3\" cols=\"40\" "
                   "maxlength=\"4000\" dir=\"auto\">");
    vg_page_text(p, f->note);
    vg_page_put(p, "</textarea></fieldset></div><p><button type=\"submit\" class=\"primary\" "
                   "accesskey=\"r\">");
    vg_page_t(p, "console.item.record");
    vg_page_put(p, "</button></p></form>");
}

/* A status message of the item page (?msg=), its catalogue key. */
static const char *item_message(const char *msg)
{
    static const char *const MSGS[][2] = {
        {"claimed", "console.item.msg.claimed"},
        {"reopened", "console.item.msg.reopened"},
        {"route_approved", "console.item.msg.route_approved"},
        {"route_changed", "console.item.msg.route_changed"},
        {"removed", "console.item.msg.removed"},
    };
    for (size_t i = 0; msg && i < sizeof MSGS / sizeof MSGS[0]; i++)
        if (!strcmp(msg, MSGS[i][0]))
            return MSGS[i][1];
    return NULL;
}

static void row_head(vg_page *p, const char *key)
{
    vg_page_put(p, "<th scope=\"row\">");
    vg_page_t(p, key);
    vg_page_put(p, "</th>");
}

/* The item page: details, files, and the form when the caller may assess.
 * problem: a catalogue key. */
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
        vg_http_error_page(req, 404, vg_console_tr(req, "console.item.no_such"));
        return;
    }
    vg_page p = {0};
    p.lang = vg_server_staff_lang(req);
    /* the title: the catalogue's sentence around the receipt code */
    const char *pattern = vg_i18n_get(p.lang, "console.item.title");
    const char *at = strstr(pattern, "{receipt}");
    char title[256];
    if (at)
        snprintf(title, sizeof title, "%.*s%s%s", (int)(at - pattern), pattern,
                 it.receipt_code ? it.receipt_code : "", at + strlen("{receipt}"));
    else
        snprintf(title, sizeof title, "%s", pattern);
    vg_console_page_open(&p, req, title, NULL);
    const char *msg = item_message(vg_http_query(req, "msg"));
    if (msg) {
        vg_page_put(&p, "<p class=\"msg\" role=\"status\">");
        vg_console_tn(&p, msg, "count", vg_console_id(vg_http_query(req, "n")));
        vg_page_put(&p, "</p>");
    }
    if (problem) {
        vg_page_put(&p, "<p class=\"msg err\" role=\"alert\">");
        vg_page_t(&p, problem);
        vg_page_put(&p, "</p>");
    }
    int64_t now = (int64_t)time(NULL);
    vg_page_put(&p, "<table><tbody><tr>");
    row_head(&p, "console.col.state");
    vg_page_put(&p, "<td>");
    vg_page_text(&p, vg_console_term(&p, it.state));
    int lapsed = vg_console_claim_lapsed(con, &it, now);
    if (it.claimed_by) {
        vg_page_put(&p, " · ");
        vg_page_t1(&p, "console.queue.held_by", "name", it.claimed_by);
        vg_page_put(&p, " ");
        vg_page_t(&p, "console.item.held_for");
        vg_page_put(&p, " ");
        vg_console_duration(&p, now - it.claimed_at);
        if (lapsed) {
            vg_page_put(&p, " <strong>");
            vg_page_t(&p, "console.item.lapsed");
            vg_page_put(&p, "</strong>");
        }
    }
    vg_page_put(&p, "</td>");
    row_head(&p, "console.col.about");
    vg_page_put(&p, "<td>");
    vg_page_text(&p, vg_console_term(&p, it.category));
    vg_page_put(&p, "</td>");
    row_head(&p, "console.col.source");
    vg_page_put(&p, "<td>");
    vg_page_text(&p, vg_console_source(&p, it.source));
    vg_console_found_by_crawler(&p, &it);
    vg_page_put(&p, "</td></tr><tr>");
    row_head(&p, "console.col.received");
    vg_page_put(&p, "<td>");
    vg_console_time(&p, it.created_at);
    vg_page_put(&p, " (");
    vg_page_t(&p, "console.item.waited");
    vg_page_put(&p, " ");
    vg_console_duration(&p, now - it.created_at);
    vg_page_put(&p, ")</td>");
    row_head(&p, "console.col.case");
    vg_page_fmt(&p, "<td><a href=\"/console/case?id=%" PRId64 "\">#%" PRId64 "</a></td>",
                it.case_id, it.case_id);
    row_head(&p, "console.item.reporter_sees");
    vg_page_put(&p, "<td>");
    vg_console_reporter_sees(&p, con, it.status);
    vg_page_put(&p, "</td></tr>");
    if (it.account) {
        vg_page_put(&p, "<tr>");
        row_head(&p, "console.item.account");
        vg_page_put(&p, "<td colspan=\"5\">");
        vg_page_text(&p, it.platform ? it.platform : "?");
        vg_page_put(&p, ": ");
        vg_page_text(&p, it.account);
        vg_page_put(&p, "</td></tr>");
    }
    if (it.description) {
        vg_page_put(&p, "<tr>");
        row_head(&p, "console.item.description");
        vg_page_put(&p, "<td colspan=\"5\" dir=\"auto\">");
        vg_page_text(&p, it.description);
        vg_page_put(&p, "</td></tr>");
    }
    for (size_t i = 0; i < nurls; i++) {
        if (i) {
            vg_page_put(&p, "<br>");
        } else {
            vg_page_put(&p, "<tr>");
            row_head(&p, "console.col.urls");
            vg_page_put(&p, "<td colspan=\"5\" class=\"hash\" dir=\"ltr\">");
        }
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
        vg_page_put(&p, "<h2>");
        vg_page_t(&p, "console.item.classification");
        vg_page_put(&p, "</h2><p>");
        vg_page_text(&p, vg_console_term(&p, it.legal));
        if (it.severity && *it.severity) {
            vg_page_t(&p, "console.comma");
            vg_page_t1(&p, "console.item.severity", "grade", it.severity);
        }
        if (it.age && *it.age) {
            vg_page_t(&p, "console.comma");
            vg_page_text(&p, vg_console_term(&p, it.age));
        }
        vg_page_put(&p, " — ");
        if (strcmp(it.state, VG_ITEM_AUTO)) {
            const char *names[] = {"first", "second"};
            const char *values[] = {it.first_by ? it.first_by : "", it.decided_by ? it.decided_by : ""};
            vg_page_tv(&p, "console.item.confirmed_by", 2, names, values);
        } else {
            /* An inherited decision says where it came from. */
            vg_page_t(&p, "console.item.auto");
            vg_page_put(&p, " ");
            vg_page_text(&p, vg_console_term(&p, it.decided_by));
            if (it.decided_from) {
                vg_page_fmt(&p, " (<a href=\"/console/item?id=%" PRId64 "\">", it.decided_from);
                vg_console_tn(&p, "console.queue.report_n", "id", it.decided_from);
                vg_page_put(&p, "</a>)");
            }
            vg_page_put(&p, ".");
        }
        vg_page_put(&p, "</p>");
        vg_console_routes_table(&p, req, con, report, 0);
        vg_console_reopen_form(&p, req, &it);
    } else {
        if (it.first_by && !strcmp(it.state, VG_ITEM_SECOND)) {
            vg_page_put(&p, "<p class=\"msg\">");
            vg_page_t1(&p, "console.item.first_by", "name", it.first_by);
            vg_page_put(&p, "</p>");
        }
        if (!strcmp(it.state, VG_ITEM_DISPUTED)) {
            vg_page_put(&p, "<p class=\"msg err\">");
            vg_page_t(&p, "console.item.disputed");
            vg_page_put(&p, "</p>");
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
                        "<button type=\"submit\">",
                        it.report_id, it.version);
            vg_page_t(&p, "console.item.release_supervisor");
            vg_page_put(&p, "</button></form>");
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
                        "<button type=\"submit\">",
                        it.report_id, it.version);
            vg_page_t(&p, mine     ? "console.queue.release"
                          : lapsed ? "console.item.take_over"
                                   : "console.item.claim");
            vg_page_put(&p, "</button></form>");
        }
        vg_page_put(&p, " <a href=\"/console/queue\">");
        vg_page_t(&p, "console.back_queue");
        vg_page_put(&p, "</a></p>");
    }
    vg_page_put(&p, "<h2>");
    vg_page_t(&p, "console.col.files");
    vg_page_put(&p, "</h2>");
    vg_console_files_table(&p, req, con, &it, files, nfiles);
    if (!finished) {
        vg_page_put(&p, "<h2>");
        vg_page_t(&p, "console.item.assessment");
        vg_page_put(&p, "</h2>");
        if (mine || problem) {
            form empty = {0};
            render_form(&p, req, con, &it, f ? f : &empty);
            if (!mine) {
                vg_page_put(&p, "<p>");
                vg_page_t(&p, "console.item.kept");
                vg_page_put(&p, "</p>");
            }
        } else {
            vg_page_put(&p, "<p>");
            vg_page_t(&p, vg_rule_may_finish(&it, who->username,
                                             who->role >= VG_ROLE_SUPERVISOR) == VG_ITEM_DONE
                              ? "console.item.claim_to_assess"
                              : "console.item.someone_else");
            vg_page_put(&p, "</p>");
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
        vg_http_error_page(req, 400, vg_console_tr(req, "console.item.no_id"));
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
        vg_http_error_page(req, 500, vg_console_tr(req, "console.error.500"));
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
                    "console.item.why.unavailable",
                    503);
        return;
    }
    if (outcome != VG_ITEM_DONE) {
        vg_item it;
        int found = 0;
        const char *why = "console.item.why.stale";
        if (outcome == VG_ITEM_NO_SUCH_REPORT) {
            vg_console_refused(req, outcome, report);
            return;
        }
        if (vg_hotline_item(con->hotline, report, &it, &found, NULL, NULL, NULL, NULL, &err) ==
                VG_OK &&
            found) {
            if (outcome == VG_ITEM_FINISHED)
                why = "console.item.why.finished";
            else if (it.first_by && !strcmp(it.first_by, who->username) &&
                     !strcmp(it.state, VG_ITEM_SECOND))
                why = outcome == VG_ITEM_SAME_ANALYST
                          ? "console.item.why.same_analyst"
                          : "console.item.why.resubmitted";
            else if (outcome == VG_ITEM_CLAIMED)
                why = "console.item.why.claimed";
            else if (outcome == VG_ITEM_NOT_CLAIMED)
                why = "console.item.why.not_claimed";
            else if (outcome == VG_ITEM_SUPERVISOR)
                why = "console.item.why.supervisor";
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

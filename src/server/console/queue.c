/*
 * src/server/console/queue.c - the queue, the assessed list, and claims.
 *
 * The queue shows every open item, most urgent first, with the rules that
 * gave each score and how long it has waited against the target; copies
 * of one report in a case are one row. Items that banks decide never reach
 * it (hotline/assessment.h: they are assessed the moment they can be).
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server/console/console.h"

#define QUEUE_SCORED VG_QUEUE_SCORED
#define QUEUE_SHOWN 300    /* rows on the page */
#define QUEUE_SHOWN_TEXT "300"

/* ?msg=NAME: the catalogue's "console.msg.NAME". */
static const char *const messages[] = {
    "claimed", "released", "first", "confirmed", "disputed", "decided", "nothing",
};

/* The queue's views (model/item.h, vg_rule_in_view), as ?view=NAME; the
 * label is "console.view.NAME". */
static const struct {
    const char *name;
    vg_queue_view view;
} VIEWS[] = {
    {"all", VG_VIEW_ALL},         {"for-me", VG_VIEW_FOR_ME},     {"mine", VG_VIEW_MINE},
    {"second", VG_VIEW_SECOND}, {"disputed", VG_VIEW_DISPUTED},
};

static void flash(vg_page *p, vg_http_request *req)
{
    const char *m = vg_http_query(req, "msg");
    for (size_t i = 0; m && i < sizeof messages / sizeof messages[0]; i++)
        if (!strcmp(m, messages[i])) {
            char key[48];
            snprintf(key, sizeof key, "console.msg.%s", messages[i]);
            vg_page_put(p, "<p class=\"msg\" role=\"status\">");
            vg_page_t(p, key);
            vg_page_put(p, "</p>");
        }
}

static void claim_button(vg_page *p, vg_http_request *req, const vg_item *it, const char *who)
{
    int mine = it->claimed_by && !strcmp(it->claimed_by, who);
    vg_page_fmt(p, "<form class=\"inline\" method=\"post\" action=\"/console/%s\">",
                mine ? "release" : "claim");
    vg_page_csrf(p, req);
    vg_page_fmt(p,
                "<input type=\"hidden\" name=\"report\" value=\"%" PRId64 "\">"
                "<input type=\"hidden\" name=\"version\" value=\"%" PRId64 "\">"
                "<button type=\"submit\"%s>",
                it->report_id, it->version, mine ? "" : " class=\"primary\"");
    vg_page_t(p, mine ? "console.queue.release" : "console.queue.claim");
    char id[24];
    snprintf(id, sizeof id, "%" PRId64, it->report_id);
    vg_page_put(p, "<span class=\"skip\"> ");
    vg_page_t1(p, "console.queue.report_n", "id", id);
    vg_page_put(p, "</span></button></form>");
}

/* One row of either list: r is NULL on the assessed list (no score). */
static void item_row(vg_page *p, vg_http_request *req, const vg_console *con, const vg_item *it,
                     const vg_ranked *r, int64_t now)
{
    const vg_http_caller *who = vg_http_caller_of(req);
    int done = r == NULL;
    vg_page_fmt(p, "<tr data-report=\"%" PRId64 "\">", it->report_id);
    if (!done)
        vg_page_fmt(p, "<td class=\"num\">%" PRId64 "</td><td>", r->score);
    for (int k = 0; !done && k < r->hit_count; k++) {
        const char *rule = vg_priority_rule_name(r->hits[k].rule);
        char key[64];
        snprintf(key, sizeof key, "console.rule.%s", rule);
        vg_page_fmt(p, "<span class=\"rule\" title=\"priority.%s\">", rule);
        vg_page_text(p, vg_page_tr(p, key, vg_priority_rule_label(r->hits[k].rule)));
        vg_page_fmt(p, " <bdi dir=\"ltr\">+%" PRId64 "</bdi></span>", r->hits[k].points);
    }
    vg_page_fmt(p, "%s<td><a href=\"/console/item?id=%" PRId64 "\">", done ? "" : "</td>",
                it->report_id);
    vg_page_text(p, it->receipt_code);
    vg_page_put(p, "</a> <small>");
    vg_page_text(p, vg_console_source(p, it->source));
    vg_page_put(p, "</small>");
    /* A report forwarded by a partner hotline says so (routing). */
    json_t *extra = it->extra_json ? json_loads(it->extra_json, 0, NULL) : NULL;
    const char *origin = json_string_value(json_object_get(extra, "origin_hotline"));
    if (origin) {
        vg_page_put(p, "<br><small class=\"origin\">");
        vg_page_t1(p, "console.queue.from_partner", "name", origin);
        vg_page_put(p, "</small>");
    }
    json_decref(extra);
    vg_console_found_by_crawler(p, it);
    /* Identical reports of one case cost one decision: they are
     * one row, and inherit what is decided for it. */
    if (it->copies) {
        char n[24];
        snprintf(n, sizeof n, "%" PRId64, it->copies);
        vg_page_put(p, "<br><small class=\"copies\">");
        vg_page_t1(p, it->copies == 1 ? "console.queue.copies.one" : "console.queue.copies",
                      "count", n);
        vg_page_put(p, "</small>");
    }
    vg_page_put(p, "</td><td>");
    vg_page_text(p, vg_console_term(p, it->category));
    int64_t matched = it->files_known > it->files_own_bank ? it->files_known : it->files_own_bank;
    int64_t fresh = it->files - matched;
    vg_page_fmt(p, "</td><td class=\"num\">%" PRId64, it->files);
    if (it->files) {
        char n[24];
        snprintf(n, sizeof n, "%" PRId64, fresh);
        vg_page_put(p, " <small>");
        vg_page_t1(p, "console.queue.new_files", "count", n);
        vg_page_put(p, "</small>");
    }
    vg_page_fmt(p, "</td><td class=\"num\">%" PRId64 "</td>", it->urls);
    int64_t waited = now - it->created_at;
    int late = waited > con->target_hours * 3600;
    vg_page_fmt(p, "<td class=\"%s\">", late ? "late" : "ok");
    vg_console_duration(p, waited);
    if (late) {
        vg_page_put(p, " <small>");
        vg_page_t(p, "console.queue.over_target");
        vg_page_put(p, "</small>");
    }
    vg_page_put(p, "</td><td>");
    vg_page_text(p, vg_console_term(p, it->state));
    /* Four-eyes is blind: a first assessment's answers are not shown. */
    if (done && it->legal) {
        vg_page_put(p, "<br><small>");
        vg_page_text(p, vg_console_term(p, it->legal));
        if (it->severity && *it->severity) {
            vg_page_put(p, ", ");
            vg_page_text(p, it->severity);
        }
        vg_page_put(p, "</small>");
    }
    vg_page_put(p, "</td><td>");
    /* Offer only what the viewer may finish. */
    int may =
        vg_rule_may_finish(it, who->username, who->role >= VG_ROLE_SUPERVISOR) == VG_ITEM_DONE;
    if (!done) {
        if (it->claimed_by && strcmp(it->claimed_by, who->username)) {
            vg_page_t1(p, "console.queue.held_by", "name", it->claimed_by);
            if (vg_console_claim_lapsed(con, it, now)) {
                vg_page_put(p, " <small>(");
                vg_page_t(p, "console.queue.lapsed");
                vg_page_put(p, " ");
                vg_console_duration(p, now - it->claimed_at);
                vg_page_put(p, ")</small> ");
                if (may)
                    claim_button(p, req, it, who->username);
            }
        } else if (may || it->claimed_by) {
            claim_button(p, req, it, who->username);
        } else {
            vg_page_put(p, "<small>");
            vg_page_t(p, !strcmp(it->state, VG_ITEM_DISPUTED) ? "console.queue.for_supervisor"
                                                              : "console.queue.for_other");
            vg_page_put(p, "</small>");
        }
    } else {
        vg_page_text(p, it->decided_by);
    }
    vg_page_fmt(p, "</td><td><a href=\"/console/case?id=%" PRId64 "\">#%" PRId64 "</a></td></tr>",
                it->case_id, it->case_id);
}

/* The view asked for (the first, everything open, by default). */
static size_t view_of(vg_http_request *req)
{
    const char *name = vg_http_query(req, "view");
    for (size_t i = 0; name && i < sizeof VIEWS / sizeof VIEWS[0]; i++)
        if (!strcmp(name, VIEWS[i].name))
            return i;
    return 0;
}

static void take_next_form(vg_page *p, vg_http_request *req)
{
    vg_page_put(p, "<form class=\"inline\" method=\"post\" action=\"/console/next\">");
    vg_page_csrf(p, req);
    vg_page_put(p, "<button type=\"submit\" class=\"primary\" accesskey=\"n\">");
    vg_page_t(p, "console.queue.next");
    vg_page_put(p, " <kbd dir=\"ltr\">Alt+N</kbd></button></form> ");
}

static void view_nav(vg_page *p, size_t current)
{
    vg_page_put(p, "<nav aria-label=\"");
    vg_page_t(p, "console.queue.views");
    vg_page_put(p, "\" class=\"views\"><ul>");
    for (size_t i = 0; i < sizeof VIEWS / sizeof VIEWS[0]; i++) {
        char key[48];
        snprintf(key, sizeof key, "console.view.%s", VIEWS[i].name);
        vg_page_fmt(p, "<li><a href=\"/console/queue?view=%s\"%s>", VIEWS[i].name,
                    i == current ? " aria-current=\"page\"" : "");
        vg_page_t(p, key);
        vg_page_put(p, "</a></li>");
    }
    vg_page_put(p, "</ul></nav>");
}

void vg_console_queue_page(vg_http_request *req)
{
    vg_console *con = vg_http_route_ctx(req);
    int done = vg_http_query(req, "done") != NULL;
    size_t view = view_of(req);
    int64_t now = (int64_t)time(NULL);
    vg_error err;
    vg_ranked *ranked = NULL;
    vg_item *items = NULL;
    size_t count = 0;
    int more = 0;
    /* Every open item is scored (the most urgent may be the newest); the
     * page lists the most urgent of them. */
    vg_status st =
        done ? vg_hotline_done(con->hotline, QUEUE_SHOWN, &items, &count, &err)
             : vg_hotline_queue(con->hotline, QUEUE_SCORED, now, &ranked, &count, &more, &err);
    if (st != VG_OK) {
        vg_console_unavailable(req, &err);
        return;
    }
    if (!done && VIEWS[view].view != VG_VIEW_ALL) {
        /* Keep only the view's rows, in the queue's order. */
        const vg_http_caller *who = vg_http_caller_of(req);
        int64_t stale_before = con->hotline->claim_seconds ? now - con->hotline->claim_seconds : 0;
        size_t kept = 0;
        for (size_t i = 0; i < count; i++) {
            if (vg_rule_in_view(&ranked[i].item, VIEWS[view].view, who->username,
                                who->role >= VG_ROLE_SUPERVISOR, stale_before)) {
                vg_ranked tmp = ranked[kept];
                ranked[kept++] = ranked[i];
                ranked[i] = tmp;
            }
        }
        for (size_t i = kept; i < count; i++)
            vg_item_clear(&ranked[i].item);
        count = kept;
    }
    vg_page p = {0};
    p.lang = vg_server_staff_lang(req);
    vg_console_page_open(&p, req,
                         vg_i18n_get(p.lang, done ? "console.queue.done_title"
                                                  : "console.queue.title"),
                         done ? "/console/queue?done=1" : "/console/queue");
    flash(&p, req);
    if (!done) {
        vg_page_put(&p, "<p>");
        take_next_form(&p, req);
        vg_page_put(&p, "<a href=\"/console/search\">");
        vg_page_t(&p, "console.queue.search_link");
        vg_page_put(&p, "</a></p>");
        view_nav(&p, view);
    }
    vg_page_put(&p, "<p>");
    if (done) {
        vg_page_t(&p, "console.queue.done_intro");
    } else {
        char n[32], hours[24];
        snprintf(n, sizeof n, "%zu", count);
        snprintf(hours, sizeof hours, "%" PRId64, con->target_hours);
        vg_page_t1(&p, more ? "console.queue.count_more" : "console.queue.count", "count", n);
        if (count > QUEUE_SHOWN) {
            vg_page_put(&p, " ");
            vg_page_t1(&p, "console.queue.first_shown", "count", QUEUE_SHOWN_TEXT);
        }
        vg_page_put(&p, " ");
        vg_page_t1(&p, "console.queue.target", "hours", hours);
        vg_page_put(&p, " ");
        vg_page_t(&p, "console.queue.auto_note");
    }
    vg_page_put(&p, "</p>");
    size_t shown = count > QUEUE_SHOWN ? QUEUE_SHOWN : count;
    if (!count) {
        vg_page_put(&p, "<p>");
        vg_page_t(&p, done ? "console.queue.none_done" : "console.queue.none");
        vg_page_put(&p, "</p>");
    } else {
        /* Scores only order what is still to do: the assessed list has none. */
        static const char *const OPEN_COLS[] = {"console.col.score", "console.col.why"};
        static const char *const COLS[] = {"console.col.report", "console.col.about",
                                           "console.col.files",  "console.col.urls",
                                           "console.col.waited", "console.col.state"};
        vg_page_put(&p, "<table id=\"queue\"><thead><tr>");
        if (!done)
            vg_page_th_cols(&p, OPEN_COLS, sizeof OPEN_COLS / sizeof OPEN_COLS[0]);
        vg_page_th_cols(&p, COLS, sizeof COLS / sizeof COLS[0]);
        vg_page_put(&p, "<th scope=\"col\">");
        vg_page_t(&p, done ? "console.col.decided_by" : "console.col.claim");
        vg_page_put(&p, "</th><th scope=\"col\">");
        vg_page_t(&p, "console.col.case");
        vg_page_put(&p, "</th></tr></thead><tbody>");
        for (size_t i = 0; i < shown; i++)
            item_row(&p, req, con, done ? &items[i] : &ranked[i].item, done ? NULL : &ranked[i],
                     now);
        vg_page_put(&p, "</tbody></table>");
    }
    vg_items_free(items, done ? count : 0);
    vg_ranked_free(ranked, done ? 0 : count);
    vg_page_send(&p, req, 200);
}

/* ---- claims ------------------------------------------------------------------ */

static void claim_or_release(vg_http_request *req, int claim)
{
    vg_console *con = vg_http_route_ctx(req);
    int64_t report, version;
    if (!vg_console_form_item(req, &report, &version))
        return;
    vg_actor who = vg_console_actor(req);
    vg_item_outcome outcome;
    vg_error err;
    int64_t now = (int64_t)time(NULL);
    vg_status st =
        claim ? vg_hotline_claim(con->hotline, report, &who, version, now, &outcome, &err)
              : vg_hotline_release(con->hotline, report, &who, version, now, &outcome, &err);
    if (st != VG_OK) {
        vg_console_unavailable(req, &err);
        return;
    }
    if (outcome != VG_ITEM_DONE) {
        vg_console_refused(req, outcome, report);
        return;
    }
    char location[96];
    if (claim)
        snprintf(location, sizeof location, "/console/item?id=%" PRId64 "&msg=claimed", report);
    else
        snprintf(location, sizeof location, "/console/queue?msg=released");
    vg_http_redirect(req, location);
}

void vg_console_claim_post(vg_http_request *req)
{
    claim_or_release(req, 1);
}
void vg_console_release_post(vg_http_request *req)
{
    claim_or_release(req, 0);
}

/* ---- take the next item -------------------------------------------------------- */

void vg_console_next_post(vg_http_request *req)
{
    vg_console *con = vg_http_route_ctx(req);
    vg_actor who = vg_console_actor(req);
    int64_t report = 0;
    int held = 0;
    vg_error err;
    if (vg_hotline_take_next(con->hotline, &who, (int64_t)time(NULL), &report, &held, &err) !=
        VG_OK) {
        vg_console_unavailable(req, &err);
        return;
    }
    char location[96];
    if (report)
        snprintf(location, sizeof location, "/console/item?id=%" PRId64 "&msg=claimed#assess",
                 report);
    else
        snprintf(location, sizeof location, "/console/queue?msg=nothing");
    vg_http_redirect(req, location);
}

/* ---- search --------------------------------------------------------------------- */

void vg_console_search_page(vg_http_request *req)
{
    vg_console *con = vg_http_route_ctx(req);
    const char *q = vg_http_query(req, "q");
    vg_item *items = NULL;
    size_t count = 0;
    vg_error err;
    if (q && *q && vg_hotline_find(con->hotline, q, VG_FIND_MAX, &items, &count, &err) != VG_OK) {
        vg_console_unavailable(req, &err);
        return;
    }
    vg_page p = {0};
    p.lang = vg_server_staff_lang(req);
    vg_console_page_open(&p, req, vg_i18n_get(p.lang, "console.search.title"),
                         "/console/search");
    vg_page_put(&p, "<form method=\"get\" action=\"/console/search\" role=\"search\">"
                    "<label for=\"q\">");
    vg_page_t(&p, "console.search.label");
    vg_page_put(&p, "</label><br><input type=\"search\" name=\"q\" id=\"q\" size=\"70\" "
                    "maxlength=\"4000\" accesskey=\"f\" dir=\"auto\" value=\"");
    vg_page_text(&p, q);
    vg_page_put(&p, "\"> <button type=\"submit\">");
    vg_page_t(&p, "console.search.submit");
    vg_page_put(&p, "</button></form>");
    if (q && *q && !count) {
        vg_page_put(&p, "<p role=\"status\">");
        vg_page_t(&p, "console.search.none");
        vg_page_put(&p, "</p>");
    } else if (count) {
        static const char *const COLS[] = {"console.col.report", "console.col.received",
                                           "console.col.about",  "console.col.state",
                                           "console.col.case"};
        char n[32];
        snprintf(n, sizeof n, "%zu", count);
        vg_page_put(&p, "<table><caption>");
        vg_page_t1(&p, "console.search.found", "count", n);
        vg_page_put(&p, "</caption><thead><tr>");
        vg_page_th_cols(&p, COLS, sizeof COLS / sizeof COLS[0]);
        vg_page_put(&p, "</tr></thead><tbody>");
        for (size_t i = 0; i < count; i++) {
            const vg_item *it = &items[i];
            vg_page_fmt(&p, "<tr><td><a href=\"/console/item?id=%" PRId64 "\">", it->report_id);
            vg_page_text(&p, it->receipt_code);
            vg_page_put(&p, "</a></td><td>");
            vg_console_time(&p, it->created_at);
            vg_page_put(&p, "</td><td>");
            vg_page_text(&p, vg_console_term(&p, it->category));
            vg_page_put(&p, "</td><td>");
            vg_page_text(&p, vg_console_term(&p, it->state));
            vg_page_fmt(&p,
                        "</td><td><a href=\"/console/case?id=%" PRId64 "\">#%" PRId64
                        "</a></td></tr>",
                        it->case_id, it->case_id);
        }
        vg_page_put(&p, "</tbody></table>");
    }
    vg_items_free(items, count);
    vg_page_send(&p, req, 200);
}

/*
 * src/server/console/frame.c - what the console's pages share (console.h):
 * the staff frame with its navigation, times and durations, labels, the
 * caller as an actor, and the pages that say why nothing was changed.
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hotline/alerts.h"
#include "hotline/crawling.h"
#include "server/console/console.h"

/* The navigation, each link for the roles that may follow it. */
static const struct {
    vg_page_link link;
    vg_role role;
} NAV[] = {
    {{"/console", "Reports"}, VG_ROLE_ANALYST},
    {{"/console/queue", "Queue"}, VG_ROLE_ANALYST},
    {{"/console/queue?done=1", "Assessed"}, VG_ROLE_ANALYST},
    {{"/console/search", "Search"}, VG_ROLE_ANALYST},
    {{"/console/alerts", "Alerts"}, VG_ROLE_ANALYST},
    {{"/console/notices", "Notices"}, VG_ROLE_ANALYST},
    {{"/console/blocklist", "Blocking list"}, VG_ROLE_ANALYST},
    {{"/console/stats", "Statistics"}, VG_ROLE_SUPERVISOR},
    {{"/console/admin", "Administration"}, VG_ROLE_ADMINISTRATOR},
};
#define NAV_COUNT (sizeof NAV / sizeof NAV[0])

/* While an urgent report's alert waits for someone, every console page
 * says so: an e-mail or a webhook may go unseen, the console is open. */
static void alerts_waiting(vg_page *p, const vg_console *con, const char *current)
{
    vg_alert *alerts = NULL;
    size_t count = 0;
    int64_t total = 0;
    vg_error err;
    if (!con || (current && !strcmp(current, "/console/alerts")) ||
        vg_hotline_alerts_waiting(con->hotline, 1, &alerts, &count, &total, &err) != VG_OK)
        return; /* the page itself says what is waiting, or reading failed: no banner */
    vg_alerts_free(alerts, count);
    if (total)
        vg_page_fmt(p,
                    "<p class=\"error\" id=\"alerts-waiting\"><strong>Urgent:</strong> "
                    "<a href=\"/console/alerts\">%" PRId64 " alert%s of a child who may be in "
                    "danger now, not yet acknowledged</a></p>",
                    total, total == 1 ? "" : "s");
}

/* The frame, with con's alerts (NULL: none shown). */
static void page_open(vg_page *p, vg_http_request *req, const vg_console *con, const char *title,
                      const char *current)
{
    const vg_http_caller *who = vg_http_caller_of(req);
    vg_page_link nav[NAV_COUNT];
    size_t shown = 0;
    for (size_t i = 0; i < NAV_COUNT; i++)
        if (who->role >= NAV[i].role)
            nav[shown++] = NAV[i].link;
    vg_page_frame frame = {.kind = VG_PAGE_STAFF,
                           .title = title,
                           .nav = nav,
                           .nav_count = shown,
                           .current = current,
                           .user = who->username ? who->username : "",
                           .role = vg_role_name(who->role)};
    vg_page_open(p, req, &frame);
    alerts_waiting(p, con, current);
}

void vg_console_page_open(vg_page *p, vg_http_request *req, const char *title, const char *current)
{
    page_open(p, req, vg_http_route_ctx(req), title, current);
}

/* The heading of an error page, in the console's words. */
static const char *error_title(unsigned status)
{
    switch (status) {
    case 400: return "The request was not understood";
    case 401: return "Sign in first";
    case 403: return "Not allowed";
    case 404: return "Nothing here";
    case 405: return "Not this way";
    case 409: return "Not changed";
    case 413: return "Too large";
    case 429: return "Too many requests";
    case 503: return "Unavailable for a moment";
    default: return status >= 500 ? "Something went wrong" : "Refused";
    }
}

void vg_console_error_hook(void *ctx, vg_http_request *req, unsigned status, const char *message)
{
    const vg_http_caller *who = vg_http_caller_of(req);
    vg_page p = {0};
    if (who->role >= VG_ROLE_ANALYST) {
        /* ctx, not the route's state: the route may be another module's
         * (the administration pages live under /console too). */
        page_open(&p, req, ctx, error_title(status), NULL);
    } else {
        /* Not signed in, or an address no route serves (the caller is not
         * identified there): the staff frame without the navigation. */
        vg_page_frame frame = {.kind = VG_PAGE_STAFF, .title = error_title(status)};
        vg_page_open(&p, req, &frame);
    }
    vg_page_put(&p, "<p class=\"msg err\" role=\"alert\">");
    vg_page_text(&p, message && *message ? message : error_title(status));
    vg_page_put(&p, "</p><p>");
    if (status == 401 || status == 403)
        vg_page_put(&p, "<a href=\"/login\">Sign in</a> · ");
    vg_page_put(&p, "<a href=\"/console\">Go to the console</a></p>");
    vg_page_send(&p, req, status);
}

void vg_console_duration(vg_page *p, int64_t seconds)
{
    if (seconds < 0)
        seconds = 0;
    if (seconds >= 86400)
        vg_page_fmt(p, "%" PRId64 " d %02" PRId64 " h", seconds / 86400, seconds % 86400 / 3600);
    else
        vg_page_fmt(p, "%" PRId64 " h %02" PRId64 " min", seconds / 3600, seconds % 3600 / 60);
}

void vg_console_time(vg_page *p, int64_t when)
{
    char text[32];
    time_t t = (time_t)when;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(text, sizeof text, "%Y-%m-%d %H:%M UTC", &tm);
    vg_page_put(p, text);
}

int64_t vg_console_id(const char *text)
{
    if (!text || !*text || strlen(text) > 18)
        return 0;
    int64_t v = 0;
    for (const char *c = text; *c; c++) {
        if (*c < '0' || *c > '9')
            return 0;
        v = v * 10 + (*c - '0');
    }
    return v;
}

const char *vg_console_label(const char *code)
{
    /* Codes do not collide across these lists but for words that mean the
     * same thing in each (grooming, sextortion). */
    const vg_term *const lists[] = {vg_legal_terms,    vg_age_terms,          vg_sex_terms,
                                    vg_flag_terms,     vg_category_terms,     vg_item_state_terms,
                                    vg_baseline_terms, vg_report_status_terms,
                                    vg_decision_source_terms};
    for (size_t i = 0; code && i < sizeof lists / sizeof lists[0]; i++) {
        const vg_term *t = vg_term_find(lists[i], code);
        if (t)
            return t->label;
    }
    return code ? code : "";
}

int vg_console_form_item(vg_http_request *req, int64_t *report, int64_t *version)
{
    const char *version_text = vg_http_param(req, "version");
    *report = vg_console_id(vg_http_param(req, "report"));
    *version = vg_console_id(version_text);
    if (!*report || !version_text || (*version == 0 && strcmp(version_text, "0"))) {
        vg_http_error_page(req, 400, "The form needs a report and its version.");
        return 0;
    }
    return 1;
}

vg_actor vg_console_actor(vg_http_request *req)
{
    const vg_http_caller *who = vg_http_caller_of(req);
    vg_actor a = {who->username ? who->username : "", who->role >= VG_ROLE_SUPERVISOR};
    return a;
}

int vg_console_claim_lapsed(const vg_console *con, const vg_item *item, int64_t now)
{
    int64_t lapse = con->hotline->claim_seconds;
    return item->claimed_by && lapse > 0 && item->claimed_at < now - lapse;
}

void vg_console_reporter_sees(vg_page *p, const vg_console *con, const char *status)
{
    const vg_i18n_lang *en = con->i18n ? vg_i18n_find(con->i18n, "en") : NULL;
    char key[64];
    snprintf(key, sizeof key, "status.%s", status ? status : "");
    const char *text = en && status ? vg_i18n_get(en, key) : NULL;
    if (text && !strcmp(text, key)) /* the catalogue has no sentence for it */
        text = NULL;
    vg_page_put(p, "<span title=\"");
    vg_page_text(p, status);
    vg_page_put(p, "\">");
    vg_page_text(p, text ? text : status);
    vg_page_put(p, "</span>");
}

void vg_console_refused(vg_http_request *req, vg_item_outcome outcome, int64_t report)
{
    static const char *const why[] = {
        [VG_ITEM_STALE] = "This item changed since your page was loaded (claimed, released "
                          "or assessed by someone else). Nothing was changed: reload it to "
                          "see its current state.",
        [VG_ITEM_CLAIMED] = "Another analyst holds this item. Nothing was changed.",
        [VG_ITEM_NOT_CLAIMED] = "You do not hold this item: claim it first.",
        [VG_ITEM_SAME_ANALYST] = "You made the first assessment: the confirmation must come "
                                 "from a second analyst.",
        [VG_ITEM_FINISHED] = "This item is already confirmed or assessed automatically. "
                             "Nothing was changed.",
        [VG_ITEM_SUPERVISOR] = "The two assessments differ: only a supervisor may decide.",
        [VG_ITEM_NO_SUCH_REPORT] = "There is no such report.",
        [VG_ITEM_OWN_ASSESSMENT] = "You assessed this item: a supervisor who did not must "
                                   "settle the dispute.",
        [VG_ITEM_NOT_CONFIRMED] = "Only a confirmed classification can be reopened. Nothing "
                                  "was changed.",
        [VG_ITEM_ROLE] = "Your role does not allow this step. Nothing was changed.",
        [VG_ITEM_NOT_DISPUTED] = "This item is not disputed (any more). Nothing was changed.",
    };
    vg_page p = {0};
    vg_console_page_open(&p, req, "Not changed", NULL);
    vg_page_put(&p, "<p class=\"msg err\" role=\"alert\">");
    vg_page_text(&p, outcome < sizeof why / sizeof why[0] && why[outcome] ? why[outcome]
                                                                          : "Not changed.");
    vg_page_fmt(&p,
                "</p><p><a href=\"/console/item?id=%" PRId64 "\">Open the item</a> · "
                "<a href=\"/console/queue\">Back to the queue</a></p>",
                report);
    vg_page_send(&p, req, outcome == VG_ITEM_NO_SUCH_REPORT ? 404 : 409);
}

void vg_console_unavailable(vg_http_request *req, const vg_error *err)
{
    json_t *fields = json_pack("{s:s, s:s}", "path", vg_http_path(req), "error", err->message);
    vg_http_log_json(vg_http_server(req), "error", "console page failed", fields);
    json_decref(fields);
    vg_http_error_page(req, 503,
                       "The hotline's data cannot be read just now. Try again in a "
                       "moment; if it persists, the server's log says why.");
}

void vg_console_send_table(vg_http_request *req, vg_table_format format, const char *name,
                           const char *buf, size_t len)
{
    int csv = format == VG_TABLE_CSV;
    char disposition[120];
    snprintf(disposition, sizeof disposition, "attachment; filename=\"%s.%s\"", name,
             csv ? "csv" : "jsonl");
    vg_http_add_header(req, "Content-Disposition", disposition);
    vg_http_respond(req, 200, csv ? "text/csv; charset=utf-8" : "application/jsonl; charset=utf-8",
                    buf, len);
}

void vg_console_found_by_crawler(vg_page *p, const vg_item *item)
{
    if (!item->source || strcmp(item->source, "crawler") || !item->extra_json)
        return;
    json_t *extra = json_loads(item->extra_json, 0, NULL);
    const char *page = json_string_value(json_object_get(extra, VG_CRAWL_PAGE_FIELD));
    if (page) {
        vg_page_put(p, "<br><small class=\"origin\">" VG_CRAWL_FOUND_LABEL " on <span "
                       "class=\"hash\">");
        vg_page_text(p, page);
        vg_page_put(p, "</span></small>");
    }
    json_decref(extra);
}

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

/* The navigation, each link for the roles that may follow it; labels are
 * catalogue keys. */
static const struct {
    vg_page_link link;
    vg_role role;
} NAV[] = {
    {{"/console", "console.nav.reports"}, VG_ROLE_ANALYST},
    {{"/console/queue", "console.nav.queue"}, VG_ROLE_ANALYST},
    {{"/console/queue?done=1", "console.nav.assessed"}, VG_ROLE_ANALYST},
    {{"/console/search", "console.nav.search"}, VG_ROLE_ANALYST},
    {{"/console/alerts", "console.nav.alerts"}, VG_ROLE_ANALYST},
    {{"/console/notices", "console.nav.notices"}, VG_ROLE_ANALYST},
    {{"/console/blocklist", "console.nav.blocklist"}, VG_ROLE_ANALYST},
    {{"/console/stats", "console.nav.stats"}, VG_ROLE_SUPERVISOR},
    {{"/console/admin", "console.nav.admin"}, VG_ROLE_ADMINISTRATOR},
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
    if (total) {
        /* "label: N" rather than a sentence around the number: no plural
         * forms to get wrong in any language */
        vg_page_put(p, "<p class=\"error\" id=\"alerts-waiting\"><strong>");
        vg_page_t(p, "console.urgent");
        vg_page_put(p, "</strong> <a href=\"/console/alerts\">");
        vg_page_t(p, "console.alerts_waiting");
        vg_page_fmt(p, " %" PRId64 "</a></p>", total);
    }
}

/* The frame, with con's alerts (NULL: none shown). */
static void page_open(vg_page *p, vg_http_request *req, const vg_console *con, const char *title,
                      const char *current)
{
    const vg_http_caller *who = vg_http_caller_of(req);
    if (!p->lang)
        p->lang = vg_server_staff_lang(req);
    vg_page_link nav[NAV_COUNT];
    size_t shown = 0;
    for (size_t i = 0; i < NAV_COUNT; i++)
        if (who->role >= NAV[i].role) {
            nav[shown] = NAV[i].link;
            nav[shown++].label = vg_i18n_get(p->lang, NAV[i].link.label);
        }
    vg_page_frame frame = {.kind = VG_PAGE_STAFF,
                           .title = title,
                           .nav = nav,
                           .nav_count = shown,
                           .current = current,
                           .user = who->username ? who->username : "",
                           .role = vg_console_role(p->lang, who->role)};
    vg_page_open(p, req, &frame);
    alerts_waiting(p, con, current);
}

void vg_console_page_open(vg_page *p, vg_http_request *req, const char *title, const char *current)
{
    vg_console *con = vg_http_route_ctx(req);
    /* A translated page chose its language (p->lang) before its title. A
     * page not yet translated is English as a whole, frame included, so
     * that <html lang> says what is read (WCAG 3.1.1). */
    if (!p->lang && con && con->i18n)
        p->lang = vg_i18n_find(con->i18n, "en");
    page_open(p, req, con, title, current);
}

const char *vg_console_role(const vg_i18n_lang *lang, vg_role role)
{
    char key[48];
    snprintf(key, sizeof key, "console.role.%s", vg_role_name(role));
    const char *text = vg_i18n_lookup(lang, key);
    return text ? text : vg_role_name(role);
}

/* The heading of an error page, in the console's words. */
static const char *error_title(const vg_i18n_lang *lang, unsigned status)
{
    switch (status) {
    case 400: return vg_i18n_get(lang, "console.error.400");
    case 401: return vg_i18n_get(lang, "console.error.401");
    case 403: return vg_i18n_get(lang, "console.error.403");
    case 404: return vg_i18n_get(lang, "console.error.404");
    case 405: return vg_i18n_get(lang, "console.error.405");
    case 409: return vg_i18n_get(lang, "console.error.409");
    case 413: return vg_i18n_get(lang, "console.error.413");
    case 429: return vg_i18n_get(lang, "console.error.429");
    case 503: return vg_i18n_get(lang, "console.error.503");
    default: return vg_i18n_get(lang, status >= 500 ? "console.error.500" : "console.error.other");
    }
}

/* The web layer's own refusals reach the hook in English: these are the
 * ones a person meets on staff pages, with their catalogue keys. A
 * handler's message is already in the page's language. */
static const char *layer_message(const vg_i18n_lang *lang, const char *message)
{
    static const struct {
        const char *english, *key;
    } LAYER[] = {
        {"There is nothing at this address.", "console.layer.nothing"},
        {"Your account may not use this address.", "console.layer.forbidden"},
        {"Sign in, or give a valid API key, to use this address.", "console.layer.sign_in"},
        {"This form has expired or did not come from this site. Go back, reload the page and "
         "send it again.",
         "console.layer.csrf"},
        {"Too many requests from your connection; wait a little and try again.",
         "console.layer.rate"},
        {"The service is unavailable; try again shortly.", "console.unavailable_short"},
        {"This address does not take that method.", "console.layer.method"},
    };
    for (size_t i = 0; message && i < sizeof LAYER / sizeof LAYER[0]; i++)
        if (!strcmp(message, LAYER[i].english))
            return vg_i18n_get(lang, LAYER[i].key);
    return message;
}

void vg_console_error_hook(void *ctx, vg_http_request *req, unsigned status, const char *message)
{
    const vg_http_caller *who = vg_http_caller_of(req);
    vg_page p = {0};
    p.lang = vg_server_staff_lang(req);
    const char *title = error_title(p.lang, status);
    if (who->role >= VG_ROLE_ANALYST) {
        /* ctx, not the route's state: the route may be another module's
         * (the administration pages live under /console too). */
        page_open(&p, req, ctx, title, NULL);
    } else {
        /* Not signed in, or an address no route serves (the caller is not
         * identified there): the staff frame without the navigation. */
        vg_page_frame frame = {.kind = VG_PAGE_STAFF, .title = title};
        vg_page_open(&p, req, &frame);
    }
    vg_page_put(&p, "<p class=\"msg err\" role=\"alert\">");
    vg_page_text(&p, message && *message ? layer_message(p.lang, message) : title);
    vg_page_put(&p, "</p><p>");
    if (status == 401 || status == 403) {
        vg_page_put(&p, "<a href=\"/login\">");
        vg_page_t(&p, "console.sign_in");
        vg_page_put(&p, "</a> · ");
    }
    vg_page_put(&p, "<a href=\"/console\">");
    vg_page_t(&p, "console.go_console");
    vg_page_put(&p, "</a></p>");
    vg_page_send(&p, req, status);
}

void vg_console_tn(vg_page *p, const char *key, const char *name, int64_t value)
{
    char text[24];
    snprintf(text, sizeof text, "%" PRId64, value);
    vg_page_t1(p, key, name, text);
}

void vg_console_duration(vg_page *p, int64_t seconds)
{
    if (seconds < 0)
        seconds = 0;
    char a[24], b[24];
    const char *names[] = {"d", "h", "m"};
    if (seconds >= 86400) {
        snprintf(a, sizeof a, "%" PRId64, seconds / 86400);
        snprintf(b, sizeof b, "%02" PRId64, seconds % 86400 / 3600);
        const char *values[] = {a, b, ""};
        vg_page_tv(p, "console.duration.days", 3, names, values);
    } else {
        snprintf(a, sizeof a, "%" PRId64, seconds / 3600);
        snprintf(b, sizeof b, "%02" PRId64, seconds % 3600 / 60);
        const char *values[] = {"", a, b};
        vg_page_tv(p, "console.duration.hours", 3, names, values);
    }
}

void vg_console_time(vg_page *p, int64_t when)
{
    /* ISO 8601 reads the same in every language; held left to right so
     * that an Arabic page does not reorder its date and time. */
    char text[32], iso[32];
    time_t t = (time_t)when;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(text, sizeof text, "%Y-%m-%d %H:%M UTC", &tm);
    strftime(iso, sizeof iso, "%Y-%m-%dT%H:%MZ", &tm);
    vg_page_fmt(p, "<time datetime=\"%s\" dir=\"ltr\">%s</time>", iso, text);
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

const char *vg_console_term(const vg_page *p, const char *code)
{
    if (!code)
        return "";
    char key[96];
    snprintf(key, sizeof key, "term.%s", code);
    const char *text = p->lang ? vg_i18n_lookup(p->lang, key) : NULL;
    return text ? text : vg_console_label(code);
}

const char *vg_console_vocab(const vg_page *p, const char *prefix, const vg_term *terms,
                             const char *code)
{
    if (!code)
        return "";
    char key[128];
    snprintf(key, sizeof key, "%s%s", prefix, code);
    const char *text = p->lang ? vg_i18n_lookup(p->lang, key) : NULL;
    return text ? text : vg_term_label(terms, code);
}

const char *vg_console_source(const vg_page *p, const char *source)
{
    char key[64];
    snprintf(key, sizeof key, "console.source.%s", source ? source : "");
    const char *text = p->lang ? vg_i18n_lookup(p->lang, key) : NULL;
    return text ? text : source ? source : "";
}

const char *vg_console_tr(vg_http_request *req, const char *key)
{
    return vg_server_tr(req, key);
}

int vg_console_form_item(vg_http_request *req, int64_t *report, int64_t *version)
{
    const char *version_text = vg_http_param(req, "version");
    *report = vg_console_id(vg_http_param(req, "report"));
    *version = vg_console_id(version_text);
    if (!*report || !version_text || (*version == 0 && strcmp(version_text, "0"))) {
        vg_http_error_page(req, 400, vg_console_tr(req, "console.form_item"));
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
    /* the reporter's sentence, in the reader's language (the reporter's
     * own may differ: the status page speaks theirs) */
    const vg_i18n_lang *en = p->lang              ? p->lang
                             : con->i18n ? vg_i18n_find(con->i18n, "en")
                                         : NULL;
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
        [VG_ITEM_STALE] = "console.refused.stale",
        [VG_ITEM_CLAIMED] = "console.refused.claimed",
        [VG_ITEM_NOT_CLAIMED] = "console.refused.not_claimed",
        [VG_ITEM_SAME_ANALYST] = "console.refused.same_analyst",
        [VG_ITEM_FINISHED] = "console.refused.finished",
        [VG_ITEM_SUPERVISOR] = "console.refused.supervisor",
        [VG_ITEM_NO_SUCH_REPORT] = "console.refused.no_report",
        [VG_ITEM_OWN_ASSESSMENT] = "console.refused.own_assessment",
        [VG_ITEM_NOT_CONFIRMED] = "console.refused.not_confirmed",
        [VG_ITEM_ROLE] = "console.refused.role",
        [VG_ITEM_NOT_DISPUTED] = "console.refused.not_disputed",
    };
    vg_page p = {0};
    p.lang = vg_server_staff_lang(req);
    vg_console_page_open(&p, req, vg_i18n_get(p.lang, "console.error.409"), NULL);
    vg_page_put(&p, "<p class=\"msg err\" role=\"alert\">");
    vg_page_t(&p, outcome < sizeof why / sizeof why[0] && why[outcome] ? why[outcome]
                                                                       : "console.refused.other");
    vg_page_fmt(&p, "</p><p><a href=\"/console/item?id=%" PRId64 "\">", report);
    vg_page_t(&p, "console.open_item");
    vg_page_put(&p, "</a> · <a href=\"/console/queue\">");
    vg_page_t(&p, "console.back_queue");
    vg_page_put(&p, "</a></p>");
    vg_page_send(&p, req, outcome == VG_ITEM_NO_SUCH_REPORT ? 404 : 409);
}

void vg_console_unavailable(vg_http_request *req, const vg_error *err)
{
    json_t *fields = json_pack("{s:s, s:s}", "path", vg_http_path(req), "error", err->message);
    vg_http_log_json(vg_http_server(req), "error", "console page failed", fields);
    json_decref(fields);
    vg_http_error_page(req, 503, vg_console_tr(req, "console.unavailable"));
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
        vg_page_put(p, "<br><small class=\"origin\">");
        vg_page_text(p, vg_page_tr(p, "console.crawler_found", VG_CRAWL_FOUND_LABEL " on"));
        vg_page_put(p, " <span class=\"hash\">");
        vg_page_text(p, page);
        vg_page_put(p, "</span></small>");
    }
    json_decref(extra);
}

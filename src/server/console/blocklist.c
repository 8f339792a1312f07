/*
 * src/server/console/blocklist.c - the blocking list in the console
 * (hotline/blocklist.h): the proposals and renewals waiting for a
 * supervisor, the list with its filters, the entries expiring soon, the
 * appeals, and the proposal form of an item's route.
 *
 * The pages show who may do what (an analyst proposes, a supervisor who
 * did not propose decides), but the use cases decide it: a form posted by
 * the wrong person is refused there, and the page says why.
 */
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hotline/blocklist.h"
#include "hotline/routing.h"
#include "model/vocab.h"
#include "server/console/console.h"
#include "vigie/digest.h"

#define BLOCK_PAGE 50
#define BLOCK_PAGE_MAX 1000000
/* At most this many proposals, expiries or appeals on one page: more than
 * a team decides in a day. */
#define BLOCK_READ 5000
#define EXPIRING_DAYS 7
#define APPEALS_SHOWN 100

static const vg_page_link TABS[] = {
    {"/console/blocklist", "console.blocklist.tab.list"},
    {"/console/blocklist/proposals", "console.blocklist.tab.proposals"},
    {"/console/blocklist/expiring", "console.blocklist.tab.expiring"},
    {"/console/blocklist/appeals", "console.blocklist.tab.appeals"},
};

/* The blocking list's frame in the caller's language; title: a key. */
static void page_open(vg_page *p, vg_http_request *req, const char *title, const char *current)
{
    p->lang = vg_server_staff_lang(req);
    vg_console_page_open(p, req, vg_i18n_get(p->lang, title), "/console/blocklist");
    vg_page_put(p, "<nav aria-label=\"");
    vg_page_t(p, "console.nav.blocklist");
    vg_page_put(p, "\"><p>");
    for (size_t i = 0; i < sizeof TABS / sizeof TABS[0]; i++) {
        int here = !strcmp(TABS[i].href, current);
        vg_page_fmt(p, "%s<a href=\"%s\"%s>", i ? " &middot; " : "", TABS[i].href,
                    here ? " aria-current=\"page\"" : "");
        vg_page_t(p, TABS[i].label);
        vg_page_put(p, "</a>");
    }
    vg_page_put(p, "</p></nav>");
}

static int is_supervisor(vg_http_request *req)
{
    return vg_http_caller_of(req)->role >= VG_ROLE_SUPERVISOR;
}

static const char *caller_name(vg_http_request *req)
{
    const char *name = vg_http_caller_of(req)->username;
    return name ? name : "";
}

static void maybe_time(vg_page *p, int64_t when)
{
    if (when)
        vg_console_time(p, when);
    else
        vg_page_put(p, "-");
}

/* The status message a redirect after a change names (msg=...). */
static void message(vg_page *p, vg_http_request *req)
{
    static const struct {
        const char *code, *text;
    } MSG[] = {
        {"approved", "console.blocklist.msg.approved"},
        {"refused", "console.blocklist.msg.refused"},
        {"renewal", "console.blocklist.msg.renewal"},
        {"upheld", "console.blocklist.msg.upheld"},
        {"rejected", "console.blocklist.msg.rejected"},
    };
    const char *msg = vg_http_query(req, "msg");
    for (size_t i = 0; msg && i < sizeof MSG / sizeof MSG[0]; i++)
        if (!strcmp(msg, MSG[i].code)) {
            vg_page_put(p, "<p class=\"msg ok\" role=\"status\">");
            vg_page_t(p, MSG[i].text);
            vg_page_put(p, "</p>");
        }
}

/* Why the use case refused, in the page's language: the rules
 * (model/blocklist.c, hotline/blocklist.c) say it in English for the log
 * and the API; these are the ones a person meets here. */
static void refusal(vg_page *p, const char *why)
{
    static const struct {
        const char *english, *key;
    } WHY[] = {
        {"only an analyst proposes an entry for the blocking list", "console.blocklist.why.analyst"},
        {"an entry is a URL or a whole domain", "console.blocklist.why.kind"},
        {"the route must be approved first", "console.blocklist.why.route"},
        {"the report's assessment is not finished", "console.blocklist.why.assessment"},
        {"only confirmed CSAM is blocked", "console.blocklist.why.csam"},
        {"no evidence vigie holds or fetched: a digest a sender quoted never classifies anything",
         "console.blocklist.why.evidence"},
        {"where the URL is hosted is not known", "console.blocklist.why.hosting"},
        {"the URL is hosted in this country: removal at the source, not blocking",
         "console.blocklist.why.home"},
        {"the material is already gone from its host", "console.blocklist.why.gone"},
        {"choose a legal basis from blocklist.legal_bases", "console.blocklist.why.basis"},
        {"only a supervisor approves the blocking list", "console.blocklist.why.supervisor"},
        {"this entry awaits no decision", "console.blocklist.why.no_decision"},
        {"a second person must approve what you proposed", "console.blocklist.why.second"},
        {"only an analyst proposes a renewal", "console.blocklist.why.renew_analyst"},
        {"only a listed entry is renewed", "console.blocklist.why.renew_listed"},
        {"a renewal already waits for approval", "console.blocklist.why.renew_waiting"},
        {"only a supervisor decides an appeal", "console.blocklist.why.appeal_supervisor"},
        {"this appeal was decided already", "console.blocklist.why.appeal_decided"},
        {"give the reason of the decision: it is logged publicly",
         "console.blocklist.why.appeal_reason"},
        {"no such route", "console.routes.why.no_route"},
        {"no such entry", "console.blocklist.why.no_entry"},
        {"no such appeal", "console.blocklist.why.no_appeal"},
        {"only a supervisor opens a commitment of the public log",
         "console.blocklist.why.opening"},
        {"already proposed or listed", "console.blocklist.why.already"},
    };
    for (size_t i = 0; why && i < sizeof WHY / sizeof WHY[0]; i++)
        if (!strcmp(why, WHY[i].english)) {
            vg_page_t(p, WHY[i].key);
            return;
        }
    if (why && *why)
        vg_page_text(p, why);
    else
        vg_page_t(p, "console.blocklist.why.refused");
}

/* A 409 page: the use case refused (why), nothing changed; label: a key. */
static void refused(vg_http_request *req, const char *why, const char *back, const char *label)
{
    vg_page p = {0};
    p.lang = vg_server_staff_lang(req);
    vg_console_page_open(&p, req, vg_i18n_get(p.lang, "console.routes.not_changed"),
                         "/console/blocklist");
    vg_page_put(&p, "<p class=\"msg err\" role=\"alert\">");
    vg_page_t(&p, "console.blocklist.nothing_changed");
    vg_page_put(&p, " ");
    refusal(&p, why);
    vg_page_put(&p, "</p><p><a href=\"");
    vg_page_text(&p, back);
    vg_page_put(&p, "\">");
    vg_page_t(&p, label);
    vg_page_put(&p, "</a></p>");
    vg_page_send(&p, req, 409);
}

/* Where a POST lands: the page it came from, and where it goes on success. */
typedef struct outcome_pages {
    const char *back, *back_label; /* the refusal's way back */
    const char *done;              /* the redirect once the use case did it */
} outcome_pages;

/* The end of every POST here: the store unavailable (503), the use case
 * refusing with its reason (409, nothing changed), or the redirect. */
static void answer(vg_http_request *req, vg_status st, const vg_error *err, int done,
                   const char *why, const outcome_pages *to)
{
    if (st != VG_OK)
        vg_console_unavailable(req, err);
    else if (!done)
        refused(req, why, to->back, to->back_label);
    else
        vg_http_redirect(req, to->done);
}

/* A two-way decision form (the proposals' approve/refuse, the appeals'
 * uphold/reject). */
typedef struct decision_spec {
    const char *id_name, *yes, *no;
    const char *incomplete;  /* the 400 page's text when a field is missing */
    const char *no_reason;   /* its text when "no" needs a reason and has none, or NULL */
} decision_spec;

/* Reads the form: the id, "decision" one of spec->yes and spec->no, and an
 * optional reason ("" when absent) of at most 1,000 characters. Returns 1
 * for yes, 0 for no, and -1 when the form was refused (the 400 page is
 * sent). */
static int decision_form(vg_http_request *req, const decision_spec *spec, int64_t *id,
                         const char **reason)
{
    *id = vg_console_id(vg_http_param(req, spec->id_name));
    const char *decision = vg_http_param(req, "decision");
    *reason = vg_http_param(req, "reason");
    int is_yes = decision && !strcmp(decision, spec->yes);
    if (!*id || !decision || (!is_yes && strcmp(decision, spec->no))) {
        vg_http_error_page(req, 400, vg_console_tr(req, spec->incomplete));
        return -1;
    }
    if (!is_yes && spec->no_reason && (!*reason || !**reason)) {
        vg_http_error_page(req, 400, vg_console_tr(req, spec->no_reason));
        return -1;
    }
    if (*reason && strlen(*reason) > 1000) {
        vg_http_error_page(req, 400, vg_console_tr(req, "console.blocklist.reason_long"));
        return -1;
    }
    if (!*reason)
        *reason = "";
    return is_yes;
}

/* Each legal basis of blocklist.legal_bases (';'-separated, trimmed), as
 * <option>s, the one equal to selected marked. */
static void basis_options(vg_page *p, const char *bases, const char *selected)
{
    const char *s = bases;
    while (s && *s) {
        size_t n = strcspn(s, ";");
        const char *b = s, *e = s + n;
        while (b < e && (*b == ' ' || *b == '\t'))
            b++;
        while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
            e--;
        if (e > b) {
            char one[512];
            snprintf(one, sizeof one, "%.*s", (int)(e - b), b);
            vg_page_put(p, "<option value=\"");
            vg_page_text(p, one);
            vg_page_fmt(p, "\"%s>", selected && !strcmp(selected, one) ? " selected" : "");
            vg_page_text(p, one);
            vg_page_put(p, "</option>");
        }
        s += n + (s[n] == ';');
    }
}

/* prefix: the terms' catalogue keys (vg_console_vocab) */
static void term_options(vg_page *p, const char *prefix, const vg_term *terms,
                         const char *selected)
{
    for (const vg_term *t = terms; t->code; t++) {
        vg_page_fmt(p, "<option value=\"%s\"%s>", t->code,
                    selected && !strcmp(selected, t->code) ? " selected" : "");
        vg_page_text(p, vg_console_vocab(p, prefix, terms, t->code));
        vg_page_put(p, "</option>");
    }
}

/* "2026-12-05" (UTC) as the second it starts, 0 for none, -1 unreadable. */
static int64_t parse_day(const char *text)
{
    if (!text || !*text)
        return 0;
    struct tm tm = {0};
    const char *end = strptime(text, "%Y-%m-%d", &tm);
    return end && !*end ? (int64_t)timegm(&tm) : -1;
}

/* ---- the table of entries ---------------------------------------------------- */

/* caption: a key, or the text itself when caption_text */
static void entry_head_of(vg_page *p, const char *caption, int caption_text, const char *last)
{
    static const char *const COLUMNS[] = {
        "console.blocklist.col.entry",    "console.blocklist.col.target",
        "console.blocklist.col.kind",     "console.col.state",
        "console.block.basis",            "console.routes.col.proposed",
        "console.blocklist.col.approved", "console.blocklist.col.expires"};
    vg_page_put(p, "<table><caption>");
    if (caption_text)
        vg_page_text(p, caption);
    else
        vg_page_t(p, caption);
    vg_page_put(p, "</caption><thead><tr>");
    vg_page_th_cols(p, COLUMNS, sizeof COLUMNS / sizeof COLUMNS[0]);
    vg_page_put(p, "<th scope=\"col\">");
    vg_page_t(p, last);
    vg_page_put(p, "</th></tr></thead><tbody>");
}

static void entry_head(vg_page *p, const char *caption, const char *last)
{
    entry_head_of(p, caption, 0, last);
}

/* One row's cells up to the last column, which the caller fills. */
static void entry_cells(vg_page *p, const vg_block_entry *e)
{
    vg_page_fmt(p, "<tr id=\"entry-%" PRId64 "\"><td>%" PRId64 "</td><td class=\"hash\">", e->id,
                e->id);
    vg_page_text(p, e->target);
    vg_page_fmt(p, "<br><a href=\"/console/item?id=%" PRId64 "\">", e->report_id);
    vg_console_tn(p, "console.item.title", "receipt", e->report_id);
    vg_page_put(p, "</a></td><td>");
    vg_page_text(p, vg_console_vocab(p, "term.block_kind.", vg_block_kind_terms, e->kind));
    vg_page_put(p, "</td><td>");
    vg_page_text(p, vg_console_vocab(p, "term.block_state.", vg_block_state_terms, e->state));
    if (e->removal_reason && *e->removal_reason) {
        vg_page_put(p, ": ");
        vg_page_text(p, vg_console_vocab(p, "term.block_removal.", vg_block_removal_terms,
                                         e->removal_reason));
    }
    if (e->removed_at) {
        vg_page_t(p, "console.comma");
        vg_console_time(p, e->removed_at);
    }
    if (e->renewal_by && *e->renewal_by) {
        vg_page_put(p, "<br>");
        vg_page_t1(p, "console.blocklist.renewal_by", "name", e->renewal_by);
    }
    /* the hotline's own words and people's names, isolated from the
     * page's direction (<bdi>) so that "Order 2026-17" reads whole */
    vg_page_put(p, "</td><td><bdi>");
    vg_page_text(p, e->legal_basis);
    vg_page_put(p, "</bdi></td><td><bdi>");
    vg_page_text(p, e->proposed_by);
    vg_page_put(p, "</bdi>");
    vg_page_t(p, "console.comma");
    vg_console_time(p, e->proposed_at);
    vg_page_put(p, "</td><td>");
    if (e->approved_by && *e->approved_by) {
        vg_page_put(p, "<bdi>");
        vg_page_text(p, e->approved_by);
        vg_page_put(p, "</bdi>");
        vg_page_t(p, "console.comma");
        vg_console_time(p, e->approved_at);
    } else {
        vg_page_put(p, "-");
    }
    vg_page_put(p, "</td><td>");
    maybe_time(p, e->expires_at);
    if (e->review_at && !strcmp(e->state, VG_BLOCK_LISTED)) {
        vg_page_put(p, "<br>");
        vg_page_t(p, "console.blocklist.review");
        vg_page_put(p, " ");
        vg_console_time(p, e->review_at);
    }
    vg_page_put(p, "</td><td>");
}

/* ---- the list -------------------------------------------------------------------- */

static const char *query(vg_http_request *req, const char *name)
{
    const char *v = vg_http_query(req, name);
    return v && *v ? v : NULL;
}

static void hidden(vg_page *p, const char *name, const char *value)
{
    if (!value)
        return;
    vg_page_fmt(p, "<input type=\"hidden\" name=\"%s\" value=\"", name);
    vg_page_text(p, value);
    vg_page_put(p, "\">");
}

void vg_console_blocklist_page(vg_http_request *req)
{
    vg_console *con = vg_http_route_ctx(req);
    const char *state = query(req, "state"), *kind = query(req, "kind"),
               *basis = query(req, "basis"), *before = query(req, "before");
    int64_t page = vg_console_id(query(req, "page"));
    if (page < 1)
        page = 1;
    if (page > BLOCK_PAGE_MAX)
        page = BLOCK_PAGE_MAX; /* no offset overflows */
    int64_t before_at = parse_day(before);
    /* one page, and one entry more to know whether another page follows */
    vg_block_filter f = {.state = state, .kind = kind, .legal_basis = basis,
                         .expires_before = before_at > 0 ? before_at : 0,
                         .offset = (page - 1) * BLOCK_PAGE};
    vg_block_entry *rows = NULL;
    size_t n = 0;
    vg_error err;
    if (vg_hotline_blocks(con->hotline, &f, BLOCK_PAGE + 1, &rows, &n, &err) != VG_OK) {
        vg_console_unavailable(req, &err);
        return;
    }
    int more = n > BLOCK_PAGE;
    size_t shown = more ? BLOCK_PAGE : n;
    vg_page p = {0};
    page_open(&p, req, "console.blocklist.title", "/console/blocklist");
    message(&p, req);
    vg_page_put(&p, "<p>");
    vg_page_t(&p, "console.blocklist.intro");
    vg_page_put(&p, "</p>");
    if (before_at < 0) {
        vg_page_put(&p, "<p class=\"msg err\" role=\"alert\">");
        vg_page_t(&p, "console.blocklist.bad_date");
        vg_page_put(&p, "</p>");
    }
    const char *any = vg_page_tr(&p, "console.blocklist.any", "any");
    vg_page_put(&p, "<form method=\"get\" action=\"/console/blocklist\" role=\"search\" "
                    "class=\"filters\"><fieldset><legend>");
    vg_page_t(&p, "console.blocklist.filter");
    vg_page_put(&p, "</legend><label>");
    vg_page_t(&p, "console.col.state");
    vg_page_put(&p, " <select name=\"state\"><option value=\"\">");
    vg_page_text(&p, any);
    vg_page_put(&p, "</option>");
    term_options(&p, "term.block_state.", vg_block_state_terms, state);
    vg_page_put(&p, "</select></label> <label>");
    vg_page_t(&p, "console.blocklist.col.kind");
    vg_page_put(&p, " <select name=\"kind\"><option value=\"\">");
    vg_page_text(&p, any);
    vg_page_put(&p, "</option>");
    term_options(&p, "term.block_kind.", vg_block_kind_terms, kind);
    vg_page_put(&p, "</select></label> <label>");
    vg_page_t(&p, "console.block.basis");
    vg_page_put(&p, " <select name=\"basis\"><option value=\"\">");
    vg_page_text(&p, any);
    vg_page_put(&p, "</option>");
    basis_options(&p, vg_hotline_block_bases(con->hotline), basis);
    vg_page_put(&p, "</select></label> <label>");
    vg_page_t(&p, "console.blocklist.before");
    vg_page_put(&p, " <input type=\"date\" name=\"before\" placeholder=\"2026-12-31\" "
                    "dir=\"ltr\" value=\"");
    vg_page_text(&p, before_at > 0 ? before : "");
    vg_page_put(&p, "\"></label> <button type=\"submit\">");
    vg_page_t(&p, "console.blocklist.show");
    vg_page_put(&p, "</button></fieldset></form>");
    if (shown == 0) {
        vg_page_put(&p, "<p role=\"status\">");
        vg_page_t(&p, "console.blocklist.none");
        vg_page_put(&p, "</p>");
    } else {
        char from[24], to[24], caption[512];
        snprintf(from, sizeof from, "%" PRId64, f.offset + 1);
        snprintf(to, sizeof to, "%" PRId64, f.offset + (int64_t)shown);
        /* the caption: the catalogue's sentence with both numbers */
        const char *pattern = vg_i18n_get(p.lang, f.expires_before
                                                      ? "console.blocklist.entries_expiring"
                                                      : "console.blocklist.entries");
        const char *a = strstr(pattern, "{from}"), *b = strstr(pattern, "{to}");
        if (a && b && a < b)
            snprintf(caption, sizeof caption, "%.*s%s%.*s%s%s", (int)(a - pattern), pattern,
                     from, (int)(b - a - 6), a + 6, to, b + 4);
        else
            snprintf(caption, sizeof caption, "%s", pattern);
        entry_head_of(&p, caption, 1, "console.notices.col.removed");
        for (size_t i = 0; i < shown; i++) {
            entry_cells(&p, &rows[i]);
            maybe_time(&p, rows[i].removed_at);
            vg_page_put(&p, "</td></tr>");
        }
        vg_page_put(&p, "</tbody></table>");
        /* paging keeps the filters: a form of them, not a link to encode */
        for (int step = -1; step <= 1; step += 2) {
            int64_t to = page + step;
            if (to < 1 || (step > 0 && !more))
                continue;
            vg_page_put(&p, "<form class=\"inline\" method=\"get\" action=\"/console/blocklist\">");
            hidden(&p, "state", state);
            hidden(&p, "kind", kind);
            hidden(&p, "basis", basis);
            hidden(&p, "before", before_at > 0 ? before : NULL);
            vg_page_fmt(&p, "<input type=\"hidden\" name=\"page\" value=\"%" PRId64 "\">"
                            "<button type=\"submit\">",
                        to);
            vg_page_t(&p, step < 0 ? "console.blocklist.previous" : "console.blocklist.next");
            vg_page_put(&p, "</button></form> ");
        }
    }
    vg_block_entries_free(rows, n);
    vg_page_send(&p, req, 200);
}

/* ---- proposals and renewals to decide --------------------------------------------- */

static void decide_forms(vg_page *p, vg_http_request *req, const vg_block_entry *e,
                         const char *proposer)
{
    if (!is_supervisor(req)) {
        vg_page_t(p, "console.blocklist.supervisor_decides");
        return;
    }
    if (!strcmp(proposer, caller_name(req))) {
        vg_page_t(p, "console.blocklist.you_proposed");
        return;
    }
    vg_page_put(p, "<form method=\"post\" action=\"/console/blocklist/decide\">");
    vg_page_csrf(p, req);
    vg_page_fmt(p, "<input type=\"hidden\" name=\"entry\" value=\"%" PRId64 "\"><label>", e->id);
    vg_page_t(p, "console.blocklist.refuse_reason");
    vg_page_put(p, "<br><textarea name=\"reason\" rows=\"2\" cols=\"30\" maxlength=\"1000\" "
                   "dir=\"auto\"></textarea></label><br><button type=\"submit\" name=\"decision\" "
                   "value=\"approve\" class=\"primary\">");
    vg_page_t(p, "console.routes.approve");
    vg_page_put(p, "<span class=\"skip\"> ");
    vg_console_tn(p, "console.block.entry_n", "id", e->id);
    vg_page_put(p, "</span></button> <button type=\"submit\" name=\"decision\" "
                   "value=\"refuse\">");
    vg_page_t(p, "console.blocklist.refuse");
    vg_page_put(p, "<span class=\"skip\"> ");
    vg_console_tn(p, "console.block.entry_n", "id", e->id);
    vg_page_put(p, "</span></button></form>");
}

void vg_console_block_proposals_page(vg_http_request *req)
{
    vg_console *con = vg_http_route_ctx(req);
    vg_block_filter proposed = {.state = VG_BLOCK_PROPOSED}, listed = {.state = VG_BLOCK_LISTED};
    vg_block_entry *props = NULL, *lists = NULL;
    size_t pn = 0, ln = 0;
    vg_error err;
    if (vg_hotline_blocks(con->hotline, &proposed, BLOCK_READ, &props, &pn, &err) != VG_OK ||
        vg_hotline_blocks(con->hotline, &listed, BLOCK_READ, &lists, &ln, &err) != VG_OK) {
        vg_block_entries_free(props, pn);
        vg_console_unavailable(req, &err);
        return;
    }
    vg_page p = {0};
    page_open(&p, req, "console.blocklist.proposals_title", "/console/blocklist/proposals");
    message(&p, req);
    vg_page_put(&p, "<p>");
    vg_page_t(&p, "console.blocklist.proposals_intro");
    vg_page_put(&p, "</p>");
    size_t shown = 0;
    for (int pass = 0; pass < 2; pass++) {
        const vg_block_entry *rows = pass ? lists : props;
        size_t n = pass ? ln : pn, waiting = 0;
        for (size_t i = 0; i < n; i++)
            waiting += !pass || (rows[i].renewal_by && *rows[i].renewal_by);
        if (!waiting)
            continue;
        entry_head(&p, pass ? "console.blocklist.renewals_waiting"
                            : "console.blocklist.proposals_waiting",
                   "console.blocklist.col.decision");
        for (size_t i = 0; i < n; i++) {
            const vg_block_entry *e = &rows[i];
            const char *proposer = pass ? e->renewal_by : e->proposed_by;
            if (!proposer || !*proposer)
                continue;
            entry_cells(&p, e);
            decide_forms(&p, req, e, proposer);
            vg_page_put(&p, "</td></tr>");
            shown++;
        }
        vg_page_put(&p, "</tbody></table>");
    }
    if (!shown)
    {
        vg_page_put(&p, "<p role=\"status\">");
        vg_page_t(&p, "console.blocklist.nothing_waits");
        vg_page_put(&p, "</p>");
    }
    vg_block_entries_free(props, pn);
    vg_block_entries_free(lists, ln);
    vg_page_send(&p, req, 200);
}

/* POST /console/blocklist/decide: approve or refuse a proposal or a renewal. */
void vg_console_block_decide_post(vg_http_request *req)
{
    vg_console *con = vg_http_route_ctx(req);
    int64_t id;
    const char *reason;
    int approve = decision_form(req,
                                &(decision_spec){"entry", "approve", "refuse",
                                                 "console.blocklist.need_decision",
                                                 "console.blocklist.say_why"},
                                &id, &reason);
    if (approve < 0)
        return;
    vg_actor who = vg_console_actor(req);
    int done = 0;
    char why[200] = "";
    vg_error err;
    vg_status st = vg_hotline_block_decide(con->hotline, &who, id, approve, reason,
                                           (int64_t)time(NULL), &done, why, sizeof why, &err);
    answer(req, st, &err, done, why,
           &(outcome_pages){"/console/blocklist/proposals", "console.blocklist.back_proposals",
                            approve ? "/console/blocklist/proposals?msg=approved"
                                    : "/console/blocklist/proposals?msg=refused"});
}

/* ---- expiring soon ------------------------------------------------------------------ */

void vg_console_block_expiring_page(vg_http_request *req)
{
    vg_console *con = vg_http_route_ctx(req);
    int64_t now = (int64_t)time(NULL);
    vg_block_filter f = {.expires_before = now + EXPIRING_DAYS * 86400};
    vg_block_entry *rows = NULL;
    size_t n = 0;
    vg_error err;
    if (vg_hotline_blocks(con->hotline, &f, BLOCK_READ, &rows, &n, &err) != VG_OK) {
        vg_console_unavailable(req, &err);
        return;
    }
    vg_page p = {0};
    page_open(&p, req, "console.blocklist.expiring_title", "/console/blocklist/expiring");
    message(&p, req);
    vg_page_put(&p, "<p>");
    vg_console_tn(&p, "console.blocklist.expiring_intro", "days", EXPIRING_DAYS);
    vg_page_put(&p, "</p>");
    if (!n) {
        vg_page_put(&p, "<p role=\"status\">");
        vg_page_t(&p, "console.blocklist.none_expiring");
        vg_page_put(&p, "</p>");
    } else {
        entry_head(&p, "console.blocklist.expiring_caption", "console.blocklist.col.renewal");
        for (size_t i = 0; i < n; i++) {
            const vg_block_entry *e = &rows[i];
            entry_cells(&p, e);
            if (e->renewal_by && *e->renewal_by) {
                vg_page_t(&p, "console.blocklist.renewal_waiting");
                vg_page_put(&p, " <a href=\"/console/blocklist/proposals\">");
                vg_page_t(&p, "console.blocklist.tab.proposals");
                vg_page_put(&p, "</a>");
            } else {
                vg_page_put(&p, "<form method=\"post\" action=\"/console/blocklist/renew\">");
                vg_page_csrf(&p, req);
                vg_page_fmt(&p, "<input type=\"hidden\" name=\"entry\" value=\"%" PRId64 "\">"
                                "<button type=\"submit\">",
                            e->id);
                vg_page_t(&p, "console.blocklist.propose_renewal");
                vg_page_put(&p, "<span class=\"skip\"> ");
                vg_console_tn(&p, "console.block.entry_n", "id", e->id);
                vg_page_put(&p, "</span></button></form>");
            }
            vg_page_put(&p, "</td></tr>");
        }
        vg_page_put(&p, "</tbody></table>");
    }
    vg_block_entries_free(rows, n);
    vg_page_send(&p, req, 200);
}

/* POST /console/blocklist/renew: propose renewing a listed entry. */
void vg_console_block_renew_post(vg_http_request *req)
{
    vg_console *con = vg_http_route_ctx(req);
    int64_t id = vg_console_id(vg_http_param(req, "entry"));
    if (!id) {
        vg_http_error_page(req, 400, vg_console_tr(req, "console.blocklist.need_entry"));
        return;
    }
    vg_actor who = vg_console_actor(req);
    int done = 0;
    char why[200] = "";
    vg_error err;
    vg_status st = vg_hotline_block_renew(con->hotline, &who, id, (int64_t)time(NULL), &done,
                                          why, sizeof why, &err);
    answer(req, st, &err, done, why,
           &(outcome_pages){"/console/blocklist/expiring", "console.blocklist.back_expiring",
                            "/console/blocklist/expiring?msg=renewal"});
}

/* ---- appeals ------------------------------------------------------------------------ */

static void appeal_row(vg_page *p, vg_http_request *req, const vg_console *con,
                       const vg_block_appeal *a)
{
    vg_page_fmt(p, "<tr id=\"appeal-%" PRId64 "\"><td>%" PRId64 "</td><td>", a->id, a->id);
    vg_console_time(p, a->created_at);
    vg_page_put(p, "</td><td class=\"hash\">");
    vg_page_text(p, a->url);
    vg_page_put(p, "</td><td>");
    if (a->entry_id > 0) {
        vg_block_filter f = {.id = a->entry_id};
        vg_block_entry *e = NULL;
        size_t n = 0;
        vg_error err;
        vg_console_tn(p, "console.blocklist.entry_cap", "id", a->entry_id);
        if (vg_hotline_blocks(con->hotline, &f, 1, &e, &n, &err) == VG_OK && n == 1) {
            vg_page_put(p, ": <span dir=\"ltr\">");
            vg_page_text(p, e->target);
            vg_page_put(p, "</span> (");
            vg_page_text(p, vg_console_vocab(p, "term.block_state.", vg_block_state_terms,
                                             e->state));
            vg_page_t(p, "console.comma");
            vg_page_text(p, e->legal_basis);
            vg_page_put(p, ")");
        }
        vg_block_entries_free(e, n);
        if (is_supervisor(req)) {
            /* the site owner can then find the entry in the public log */
            vg_page_put(p, "<form method=\"post\" action=\"/console/blocklist/opening\">");
            vg_page_csrf(p, req);
            vg_page_fmt(p, "<input type=\"hidden\" name=\"entry\" value=\"%" PRId64 "\">"
                           "<button type=\"submit\">",
                        a->entry_id);
            vg_page_t(p, "console.blocklist.open_commitment");
            vg_page_put(p, "<span class=\"skip\"> (");
            vg_console_tn(p, "console.block.entry_n", "id", a->entry_id);
            vg_page_put(p, ")</span></button></form>");
        }
    } else {
        vg_page_t(p, "console.blocklist.no_entry_url");
    }
    vg_page_put(p, "</td><td dir=\"auto\">");
    vg_page_text(p, a->reason);
    if (a->contact && *a->contact) {
        vg_page_put(p, "<br>");
        vg_page_t1(p, "console.blocklist.contact", "contact", a->contact);
    }
    vg_page_put(p, "</td><td>");
    if (strcmp(a->state, VG_APPEAL_OPEN)) {
        vg_page_text(p, vg_console_vocab(p, "term.appeal.", vg_appeal_state_terms, a->state));
        vg_page_put(p, "<br>");
        vg_page_text(p, a->decided_by);
        vg_page_t(p, "console.comma");
        vg_console_time(p, a->decided_at);
        vg_page_put(p, ": ");
        vg_page_text(p, a->decision);
    } else if (!is_supervisor(req)) {
        vg_page_t(p, "console.blocklist.supervisor_decides");
    } else {
        vg_page_put(p, "<form method=\"post\" action=\"/console/blocklist/appeal\">");
        vg_page_csrf(p, req);
        vg_page_fmt(p, "<input type=\"hidden\" name=\"appeal\" value=\"%" PRId64 "\"><label>",
                    a->id);
        vg_page_t(p, "console.blocklist.public_reason");
        vg_page_put(p, "<br><textarea name=\"reason\" rows=\"2\" cols=\"30\" maxlength=\"1000\" "
                       "required dir=\"auto\"></textarea></label><br><button type=\"submit\" "
                       "name=\"decision\" value=\"uphold\">");
        vg_page_t(p, "console.blocklist.uphold");
        vg_page_put(p, "<span class=\"skip\"> (");
        vg_console_tn(p, "console.blocklist.appeal_n", "id", a->id);
        vg_page_put(p, ")</span></button> <button type=\"submit\" name=\"decision\" "
                       "value=\"reject\">");
        vg_page_t(p, "console.blocklist.reject");
        vg_page_put(p, "<span class=\"skip\"> (");
        vg_console_tn(p, "console.blocklist.appeal_n", "id", a->id);
        vg_page_put(p, ")</span></button></form>");
    }
    vg_page_put(p, "</td></tr>");
}

static void appeal_table(vg_page *p, vg_http_request *req, const vg_console *con,
                         const char *caption, const vg_block_appeal *const *rows, size_t n)
{
    static const char *const COLUMNS[] = {
        "console.blocklist.col.appeal", "console.col.received", "console.blocklist.col.url_quoted",
        "console.blocklist.col.entry",  "console.blocklist.col.error", "console.blocklist.col.decision"};
    vg_page_put(p, "<table><caption>");
    vg_page_t(p, caption);
    vg_page_put(p, "</caption><thead><tr>");
    vg_page_th_cols(p, COLUMNS, sizeof COLUMNS / sizeof COLUMNS[0]);
    vg_page_put(p, "</tr></thead><tbody>");
    for (size_t i = 0; i < n; i++)
        appeal_row(p, req, con, rows[i]);
    vg_page_put(p, "</tbody></table>");
}

void vg_console_block_appeals_page(vg_http_request *req)
{
    vg_console *con = vg_http_route_ctx(req);
    vg_block_appeal *open = NULL, *all = NULL;
    size_t on = 0, an = 0;
    vg_error err;
    if (vg_hotline_appeals(con->hotline, 0, VG_APPEAL_OPEN, APPEALS_SHOWN, &open, &on, &err) !=
            VG_OK ||
        vg_hotline_appeals(con->hotline, 0, NULL, BLOCK_READ, &all, &an, &err) != VG_OK) {
        vg_block_appeals_free(open, on);
        vg_console_unavailable(req, &err);
        return;
    }
    vg_page p = {0};
    page_open(&p, req, "console.blocklist.appeals_title", "/console/blocklist/appeals");
    message(&p, req);
    vg_page_put(&p, "<p>");
    vg_page_t(&p, "console.blocklist.appeals_intro");
    vg_page_put(&p, "</p>");
    const vg_block_appeal **shown = calloc(on + an + 1, sizeof *shown);
    if (!shown) {
        vg_page_put(&p, "<p class=\"msg err\">");
        vg_page_t(&p, "console.error.500");
        vg_page_put(&p, "</p>");
    } else if (!on) {
        vg_page_put(&p, "<p role=\"status\">");
        vg_page_t(&p, "console.blocklist.no_appeal");
        vg_page_put(&p, "</p>");
    } else {
        for (size_t i = 0; i < on; i++)
            shown[i] = &open[i];
        appeal_table(&p, req, con, "console.blocklist.appeals_waiting", shown, on);
    }
    /* the newest decided ones, for whoever answers the appellant */
    size_t decided = 0;
    for (size_t i = an; shown && i-- > 0 && decided < APPEALS_SHOWN;)
        if (strcmp(all[i].state, VG_APPEAL_OPEN))
            shown[decided++] = &all[i];
    if (decided)
        appeal_table(&p, req, con, "console.blocklist.appeals_decided", shown, decided);
    free(shown);
    vg_block_appeals_free(open, on);
    vg_block_appeals_free(all, an);
    vg_page_send(&p, req, 200);
}

/* POST /console/blocklist/opening: the opening of an entry's URL
 * commitment in the public log, for the site owner who appeals. With it
 * the owner checks that SHA-256(opening || URL) is the commitment the
 * log's entries carry, and so finds every logged change of that entry;
 * nobody without it can test a URL against the log. */
void vg_console_block_opening_post(vg_http_request *req)
{
    vg_console *con = vg_http_route_ctx(req);
    int64_t id = vg_console_id(vg_http_param(req, "entry"));
    if (!id) {
        vg_http_error_page(req, 400, vg_console_tr(req, "console.blocklist.need_entry"));
        return;
    }
    vg_actor who = vg_console_actor(req);
    unsigned char opening[32], commitment[32];
    char *target = NULL, why[200] = "";
    vg_error err;
    if (vg_hotline_block_opening(con->hotline, &who, id, (int64_t)time(NULL), opening,
                                 commitment, &target, why, sizeof why, &err) != VG_OK) {
        vg_console_unavailable(req, &err);
        return;
    }
    if (!target) {
        refused(req, why, "/console/blocklist/appeals", "console.blocklist.back_appeals");
        return;
    }
    char opening_hex[65], commitment_hex[65];
    vg_hex_encode(opening, 32, opening_hex);
    vg_hex_encode(commitment, 32, commitment_hex);
    sodium_memzero(opening, sizeof opening);
    vg_page p = {0};
    page_open(&p, req, "console.blocklist.opening_title", "/console/blocklist/appeals");
    vg_page_put(&p, "<p>");
    vg_console_tn(&p, "console.blocklist.commits", "id", id);
    vg_page_put(&p, " <span class=\"hash\" dir=\"ltr\">");
    vg_page_text(&p, target);
    vg_page_put(&p, "</span></p><p>");
    vg_page_t(&p, "console.blocklist.opening_intro");
    vg_page_put(&p, "</p><dl><dt>");
    vg_page_t(&p, "console.blocklist.commitment");
    vg_page_put(&p, "</dt><dd class=\"hash\" id=\"commitment\">");
    vg_page_put(&p, commitment_hex);
    vg_page_put(&p, "</dd><dt>");
    vg_page_t(&p, "console.blocklist.opening");
    vg_page_put(&p, "</dt><dd class=\"hash\" id=\"opening\">");
    vg_page_put(&p, opening_hex);
    vg_page_put(&p, "</dd></dl><p><a href=\"/console/blocklist/appeals\">");
    vg_page_t(&p, "console.blocklist.back_appeals");
    vg_page_put(&p, "</a></p>");
    sodium_memzero(opening_hex, sizeof opening_hex);
    free(target);
    vg_page_send(&p, req, 200);
}

/* POST /console/blocklist/appeal: uphold (the entry leaves) or reject. */
void vg_console_block_appeal_post(vg_http_request *req)
{
    vg_console *con = vg_http_route_ctx(req);
    int64_t id;
    const char *reason;
    int uphold = decision_form(req,
                               &(decision_spec){"appeal", "uphold", "reject",
                                                "console.blocklist.need_appeal",
                                                NULL},
                               &id, &reason);
    if (uphold < 0)
        return;
    vg_actor who = vg_console_actor(req);
    int done = 0;
    char why[200] = "";
    vg_error err;
    vg_status st = vg_hotline_appeal_decide(con->hotline, &who, id, uphold, reason,
                                            (int64_t)time(NULL), &done, why, sizeof why, &err);
    answer(req, st, &err, done, why,
           &(outcome_pages){"/console/blocklist/appeals", "console.blocklist.back_appeals",
                            uphold ? "/console/blocklist/appeals?msg=upheld"
                                   : "/console/blocklist/appeals?msg=rejected"});
}

/* ---- proposing, from an item's route ------------------------------------------------- */

void vg_console_block_route(vg_page *p, vg_http_request *req, const vg_console *con,
                            const vg_url_route_row *r)
{
    if (strcmp(r->state, VG_URL_ROUTE_APPROVED) || !vg_route_has_action(r->actions, VG_ACTION_BLOCK))
        return;
    vg_block_filter f = {.route_id = r->id};
    vg_block_entry *rows = NULL;
    size_t n = 0;
    vg_error err;
    if (vg_hotline_blocks(con->hotline, &f, 20, &rows, &n, &err) != VG_OK) {
        vg_page_put(p, "<p>");
        vg_page_t(p, "console.block.unreadable");
        vg_page_put(p, "</p>");
        return;
    }
    int open = 0;
    for (size_t i = 0; i < n; i++) {
        const vg_block_entry *e = &rows[i];
        open |= !strcmp(e->state, VG_BLOCK_PROPOSED) || !strcmp(e->state, VG_BLOCK_LISTED);
        vg_page_put(p, "<p>");
        vg_page_t(p, "console.block.on_list");
        vg_page_fmt(p, " <a href=\"/console/blocklist?state=%s#entry-%" PRId64 "\">", e->state,
                    e->id);
        vg_console_tn(p, "console.block.entry_n", "id", e->id);
        vg_page_put(p, "</a>, ");
        vg_page_text(p, vg_console_vocab(p, "term.block_state.", vg_block_state_terms, e->state));
        vg_page_put(p, " (");
        vg_page_text(p, vg_console_vocab(p, "term.block_kind.", vg_block_kind_terms, e->kind));
        vg_page_put(p, ")</p>");
    }
    vg_block_entries_free(rows, n);
    if (open)
        return;
    vg_page_put(p, "<form method=\"post\" action=\"/console/blocklist/propose\">");
    vg_page_csrf(p, req);
    vg_page_fmt(p, "<input type=\"hidden\" name=\"route\" value=\"%" PRId64 "\">"
                   "<fieldset><legend>",
                r->id);
    vg_page_text(p, vg_console_vocab(p, "term.action.", vg_action_terms, VG_ACTION_BLOCK));
    vg_page_put(p, "</legend><label>");
    vg_page_t(p, "console.block.kind");
    vg_page_put(p, " <select name=\"kind\">");
    term_options(p, "term.block_kind.", vg_block_kind_terms, VG_BLOCK_KIND_URL);
    vg_page_put(p, "</select></label><br><label>");
    vg_page_t(p, "console.block.basis");
    /* the legal bases are the hotline's own words (blocklist.bases) */
    vg_page_put(p, " <select name=\"basis\" required>");
    basis_options(p, vg_hotline_block_bases(con->hotline), NULL);
    vg_page_put(p, "</select></label></fieldset><button type=\"submit\">");
    vg_page_t(p, "console.block.propose");
    vg_page_put(p, "<span class=\"skip\"> ");
    vg_console_tn(p, "console.routes.route_n", "id", r->id);
    vg_page_put(p, "</span></button></form>");
}

/* POST /console/blocklist/propose: an analyst proposes a route's URL or domain. */
void vg_console_block_propose_post(vg_http_request *req)
{
    vg_console *con = vg_http_route_ctx(req);
    int64_t route = vg_console_id(vg_http_param(req, "route"));
    const char *kind = vg_http_param(req, "kind"), *basis = vg_http_param(req, "basis");
    if (!route || !kind || !basis || !vg_term_find(vg_block_kind_terms, kind)) {
        vg_http_error_page(req, 400, vg_console_tr(req, "console.blocklist.need_route"));
        return;
    }
    vg_actor who = vg_console_actor(req);
    int64_t entry = 0;
    char why[200] = "";
    vg_error err;
    vg_status st = vg_hotline_block_propose(con->hotline, &who, route, kind, basis,
                                            (int64_t)time(NULL), &entry, why, sizeof why, &err);
    answer(req, st, &err, entry != 0, why,
           &(outcome_pages){"/console/blocklist", "console.blocklist.go_list",
                            "/console/blocklist/proposals"});
}

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
    {"/console/blocklist", "The list"},
    {"/console/blocklist/proposals", "Proposals to decide"},
    {"/console/blocklist/expiring", "Expiring soon"},
    {"/console/blocklist/appeals", "Appeals"},
};

static void page_open(vg_page *p, vg_http_request *req, const char *title, const char *current)
{
    vg_console_page_open(p, req, title, "/console/blocklist");
    vg_page_put(p, "<nav aria-label=\"Blocking list\"><p>");
    for (size_t i = 0; i < sizeof TABS / sizeof TABS[0]; i++) {
        int here = !strcmp(TABS[i].href, current);
        vg_page_fmt(p, "%s<a href=\"%s\"%s>%s</a>", i ? " &middot; " : "", TABS[i].href,
                    here ? " aria-current=\"page\"" : "", TABS[i].label);
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
        {"approved", "Approved: the entry is listed and members receive it with their next "
                     "update."},
        {"refused", "Refused: the proposal is kept with your reason."},
        {"renewal", "Renewal proposed: a supervisor who did not propose it approves it."},
        {"upheld", "Appeal upheld: the entry left the list; the decision is logged publicly."},
        {"rejected", "Appeal rejected: the entry stays listed; the decision is logged."},
    };
    const char *msg = vg_http_query(req, "msg");
    for (size_t i = 0; msg && i < sizeof MSG / sizeof MSG[0]; i++)
        if (!strcmp(msg, MSG[i].code)) {
            vg_page_put(p, "<p class=\"msg ok\" role=\"status\">");
            vg_page_text(p, MSG[i].text);
            vg_page_put(p, "</p>");
        }
}

/* A 409 page: the use case refused (why), nothing changed. */
static void refused(vg_http_request *req, const char *why, const char *back, const char *label)
{
    vg_page p = {0};
    vg_console_page_open(&p, req, "Not changed", "/console/blocklist");
    vg_page_put(&p, "<p class=\"msg err\" role=\"alert\">Nothing was changed: ");
    vg_page_text(&p, why && *why ? why : "refused");
    vg_page_put(&p, ".</p><p><a href=\"");
    vg_page_text(&p, back);
    vg_page_put(&p, "\">");
    vg_page_text(&p, label);
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
        vg_http_error_page(req, 400, spec->incomplete);
        return -1;
    }
    if (!is_yes && spec->no_reason && (!*reason || !**reason)) {
        vg_http_error_page(req, 400, spec->no_reason);
        return -1;
    }
    if (*reason && strlen(*reason) > 1000) {
        vg_http_error_page(req, 400, "The reason is too long (at most 1,000 characters).");
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

static void entry_head(vg_page *p, const char *caption)
{
    vg_page_put(p, "<table><caption>");
    vg_page_text(p, caption);
    vg_page_put(p, "</caption><thead><tr><th scope=\"col\">Entry</th>"
                   "<th scope=\"col\">Target</th><th scope=\"col\">Kind</th>"
                   "<th scope=\"col\">State</th><th scope=\"col\">Legal basis</th>"
                   "<th scope=\"col\">Proposed</th><th scope=\"col\">Approved</th>"
                   "<th scope=\"col\">Expires</th><th scope=\"col\">");
}

/* One row's cells up to the last column, which the caller fills. */
static void entry_cells(vg_page *p, const vg_block_entry *e)
{
    vg_page_fmt(p, "<tr id=\"entry-%" PRId64 "\"><td>%" PRId64 "</td><td class=\"hash\">", e->id,
                e->id);
    vg_page_text(p, e->target);
    vg_page_fmt(p, "<br><a href=\"/console/item?id=%" PRId64 "\">Report %" PRId64 "</a></td><td>",
                e->report_id, e->report_id);
    vg_page_text(p, vg_term_label(vg_block_kind_terms, e->kind));
    vg_page_put(p, "</td><td>");
    vg_page_text(p, vg_term_label(vg_block_state_terms, e->state));
    if (e->removal_reason && *e->removal_reason) {
        vg_page_put(p, ": ");
        vg_page_text(p, vg_term_label(vg_block_removal_terms, e->removal_reason));
    }
    if (e->removed_at) {
        vg_page_put(p, ", ");
        vg_console_time(p, e->removed_at);
    }
    if (e->renewal_by && *e->renewal_by) {
        vg_page_put(p, "<br>renewal proposed by ");
        vg_page_text(p, e->renewal_by);
    }
    vg_page_put(p, "</td><td>");
    vg_page_text(p, e->legal_basis);
    vg_page_put(p, "</td><td>");
    vg_page_text(p, e->proposed_by);
    vg_page_put(p, ", ");
    vg_console_time(p, e->proposed_at);
    vg_page_put(p, "</td><td>");
    if (e->approved_by && *e->approved_by) {
        vg_page_text(p, e->approved_by);
        vg_page_put(p, ", ");
        vg_console_time(p, e->approved_at);
    } else {
        vg_page_put(p, "-");
    }
    vg_page_put(p, "</td><td>");
    maybe_time(p, e->expires_at);
    if (e->review_at && !strcmp(e->state, VG_BLOCK_LISTED)) {
        vg_page_put(p, "<br>review ");
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
    page_open(&p, req, "Blocking list", "/console/blocklist");
    message(&p, req);
    vg_page_put(&p, "<p>A page, a picture or a whole domain dedicated to CSAM is blocked only "
                    "while its removal at the source is pending abroad: an analyst proposes it "
                    "from an item's route, a supervisor who did not propose it approves it, and "
                    "it leaves the list when the material is gone, when it expires, or when an "
                    "appeal succeeds. Every change is in the public transparency log.</p>");
    if (before_at < 0)
        vg_page_put(&p, "<p class=\"msg err\" role=\"alert\">A date is written 2026-12-31 "
                        "(UTC).</p>");
    vg_page_put(&p, "<form method=\"get\" action=\"/console/blocklist\" role=\"search\" "
                    "class=\"filters\"><fieldset><legend>Filter</legend>"
                    "<label>State <select name=\"state\"><option value=\"\">any</option>");
    term_options(&p, "term.block_state.", vg_block_state_terms, state);
    vg_page_put(&p, "</select></label> <label>Kind <select name=\"kind\">"
                    "<option value=\"\">any</option>");
    term_options(&p, "term.block_kind.", vg_block_kind_terms, kind);
    vg_page_put(&p, "</select></label> <label>Legal basis <select name=\"basis\">"
                    "<option value=\"\">any</option>");
    basis_options(&p, vg_hotline_block_bases(con->hotline), basis);
    vg_page_put(&p, "</select></label> <label>Listed and expiring before <input type=\"date\" "
                    "name=\"before\" placeholder=\"2026-12-31\" value=\"");
    vg_page_text(&p, before_at > 0 ? before : "");
    vg_page_put(&p, "\"></label> <button type=\"submit\">Show</button></fieldset></form>");
    if (shown == 0) {
        vg_page_put(&p, "<p role=\"status\">No entry matches.</p>");
    } else {
        char caption[128];
        snprintf(caption, sizeof caption, "Entries %" PRId64 " to %" PRId64 "%s",
                 f.offset + 1, f.offset + (int64_t)shown,
                 f.expires_before ? " (expiring soonest first)" : " (newest first)");
        entry_head(&p, caption);
        vg_page_put(&p, "Removed</th></tr></thead><tbody>");
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
                            "<button type=\"submit\">%s</button></form> ",
                        to, step < 0 ? "Previous page" : "Next page");
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
        vg_page_put(p, "A supervisor decides.");
        return;
    }
    if (!strcmp(proposer, caller_name(req))) {
        vg_page_put(p, "You proposed this: another supervisor decides.");
        return;
    }
    vg_page_put(p, "<form method=\"post\" action=\"/console/blocklist/decide\">");
    vg_page_csrf(p, req);
    vg_page_fmt(p, "<input type=\"hidden\" name=\"entry\" value=\"%" PRId64 "\">"
                   "<label>Reason (required to refuse)<br><textarea name=\"reason\" rows=\"2\" "
                   "cols=\"30\" maxlength=\"1000\"></textarea></label><br>"
                   "<button type=\"submit\" name=\"decision\" value=\"approve\" "
                   "class=\"primary\">Approve<span class=\"skip\"> entry %" PRId64 "</span>"
                   "</button> <button type=\"submit\" name=\"decision\" value=\"refuse\">"
                   "Refuse<span class=\"skip\"> entry %" PRId64 "</span></button></form>",
                e->id, e->id, e->id);
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
    page_open(&p, req, "Blocking list: proposals to decide", "/console/blocklist/proposals");
    message(&p, req);
    vg_page_put(&p, "<p>Each proposal and each renewal needs a supervisor who did not propose "
                    "it. Approving lists the entry (or extends it) for the configured term; "
                    "refusing keeps your reason.</p>");
    size_t shown = 0;
    for (int pass = 0; pass < 2; pass++) {
        const vg_block_entry *rows = pass ? lists : props;
        size_t n = pass ? ln : pn, waiting = 0;
        for (size_t i = 0; i < n; i++)
            waiting += !pass || (rows[i].renewal_by && *rows[i].renewal_by);
        if (!waiting)
            continue;
        entry_head(&p, pass ? "Renewals waiting" : "Proposals waiting (the newest first)");
        vg_page_put(&p, "Decision</th></tr></thead><tbody>");
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
        vg_page_put(&p, "<p role=\"status\">Nothing waits for a decision.</p>");
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
                                                 "The form needs an entry and a decision.",
                                                 "Say why you refuse the proposal."},
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
           &(outcome_pages){"/console/blocklist/proposals", "Back to the proposals",
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
    page_open(&p, req, "Blocking list: expiring soon", "/console/blocklist/expiring");
    message(&p, req);
    vg_page_fmt(&p, "<p>Listed entries that expire within %d days. An entry leaves the list "
                    "when it expires; to keep it, an analyst proposes a renewal, which a "
                    "supervisor who did not propose it approves, as for a new entry.</p>",
                EXPIRING_DAYS);
    if (!n) {
        vg_page_put(&p, "<p role=\"status\">No entry expires soon.</p>");
    } else {
        entry_head(&p, "Expiring (the soonest first)");
        vg_page_put(&p, "Renewal</th></tr></thead><tbody>");
        for (size_t i = 0; i < n; i++) {
            const vg_block_entry *e = &rows[i];
            entry_cells(&p, e);
            if (e->renewal_by && *e->renewal_by) {
                vg_page_put(&p, "Waiting for a supervisor: <a href=\"/console/blocklist/"
                                "proposals\">proposals to decide</a>");
            } else {
                vg_page_put(&p, "<form method=\"post\" action=\"/console/blocklist/renew\">");
                vg_page_csrf(&p, req);
                vg_page_fmt(&p, "<input type=\"hidden\" name=\"entry\" value=\"%" PRId64 "\">"
                                "<button type=\"submit\">Propose a renewal<span class=\"skip\"> "
                                "of entry %" PRId64 "</span></button></form>",
                            e->id, e->id);
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
        vg_http_error_page(req, 400, "The form needs an entry.");
        return;
    }
    vg_actor who = vg_console_actor(req);
    int done = 0;
    char why[200] = "";
    vg_error err;
    vg_status st = vg_hotline_block_renew(con->hotline, &who, id, (int64_t)time(NULL), &done,
                                          why, sizeof why, &err);
    answer(req, st, &err, done, why,
           &(outcome_pages){"/console/blocklist/expiring", "Back to the entries expiring soon",
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
        vg_page_fmt(p, "Entry %" PRId64, a->entry_id);
        if (vg_hotline_blocks(con->hotline, &f, 1, &e, &n, &err) == VG_OK && n == 1) {
            vg_page_put(p, ": ");
            vg_page_text(p, e->target);
            vg_page_put(p, " (");
            vg_page_text(p, vg_term_label(vg_block_state_terms, e->state));
            vg_page_put(p, ", ");
            vg_page_text(p, e->legal_basis);
            vg_page_put(p, ")");
        }
        vg_block_entries_free(e, n);
        if (is_supervisor(req)) {
            /* the site owner can then find the entry in the public log */
            vg_page_put(p, "<form method=\"post\" action=\"/console/blocklist/opening\">");
            vg_page_csrf(p, req);
            vg_page_fmt(p, "<input type=\"hidden\" name=\"entry\" value=\"%" PRId64 "\">"
                           "<button type=\"submit\">Open the log's commitment<span "
                           "class=\"skip\"> (entry %" PRId64 ")</span></button></form>",
                        a->entry_id, a->entry_id);
        }
    } else {
        vg_page_put(p, "No entry lists this URL");
    }
    vg_page_put(p, "</td><td>");
    vg_page_text(p, a->reason);
    if (a->contact && *a->contact) {
        vg_page_put(p, "<br>Contact: ");
        vg_page_text(p, a->contact);
    }
    vg_page_put(p, "</td><td>");
    if (strcmp(a->state, VG_APPEAL_OPEN)) {
        vg_page_text(p, vg_term_label(vg_appeal_state_terms, a->state));
        vg_page_put(p, "<br>");
        vg_page_text(p, a->decided_by);
        vg_page_put(p, ", ");
        vg_console_time(p, a->decided_at);
        vg_page_put(p, ": ");
        vg_page_text(p, a->decision);
    } else if (!is_supervisor(req)) {
        vg_page_put(p, "A supervisor decides.");
    } else {
        vg_page_put(p, "<form method=\"post\" action=\"/console/blocklist/appeal\">");
        vg_page_csrf(p, req);
        vg_page_fmt(p, "<input type=\"hidden\" name=\"appeal\" value=\"%" PRId64 "\">"
                       "<label>Reason (logged publicly)<br><textarea name=\"reason\" rows=\"2\" "
                       "cols=\"30\" maxlength=\"1000\" required></textarea></label><br>"
                       "<button type=\"submit\" name=\"decision\" value=\"uphold\">Uphold: "
                       "remove the entry<span class=\"skip\"> (appeal %" PRId64 ")</span>"
                       "</button> <button type=\"submit\" name=\"decision\" value=\"reject\">"
                       "Reject: keep it<span class=\"skip\"> (appeal %" PRId64 ")</span>"
                       "</button></form>",
                    a->id, a->id, a->id);
    }
    vg_page_put(p, "</td></tr>");
}

static void appeal_table(vg_page *p, vg_http_request *req, const vg_console *con,
                         const char *caption, const vg_block_appeal *const *rows, size_t n)
{
    vg_page_put(p, "<table><caption>");
    vg_page_text(p, caption);
    vg_page_put(p, "</caption><thead><tr><th scope=\"col\">Appeal</th>"
                   "<th scope=\"col\">Received</th><th scope=\"col\">URL quoted</th>"
                   "<th scope=\"col\">Entry</th><th scope=\"col\">Why it is an error</th>"
                   "<th scope=\"col\">Decision</th></tr></thead><tbody>");
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
    page_open(&p, req, "Blocking list: appeals", "/console/blocklist/appeals");
    message(&p, req);
    vg_page_put(&p, "<p>Someone who thinks an entry is an error says so from the stop page, "
                    "or a site owner quoting the URL. A supervisor decides with a reason: "
                    "upholding the appeal removes the entry from the list, rejecting it keeps "
                    "the entry. The decision is audited and, for a listed entry, logged "
                    "publicly.</p>");
    const vg_block_appeal **shown = calloc(on + an + 1, sizeof *shown);
    if (!shown) {
        vg_page_put(&p, "<p class=\"msg err\">Out of memory.</p>");
    } else if (!on) {
        vg_page_put(&p, "<p role=\"status\">No appeal waits.</p>");
    } else {
        for (size_t i = 0; i < on; i++)
            shown[i] = &open[i];
        appeal_table(&p, req, con, "Waiting for a supervisor (the oldest first)", shown, on);
    }
    /* the newest decided ones, for whoever answers the appellant */
    size_t decided = 0;
    for (size_t i = an; shown && i-- > 0 && decided < APPEALS_SHOWN;)
        if (strcmp(all[i].state, VG_APPEAL_OPEN))
            shown[decided++] = &all[i];
    if (decided)
        appeal_table(&p, req, con, "Decided (the newest first)", shown, decided);
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
        vg_http_error_page(req, 400, "The form needs an entry.");
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
        refused(req, why, "/console/blocklist/appeals", "Back to the appeals");
        return;
    }
    char opening_hex[65], commitment_hex[65];
    vg_hex_encode(opening, 32, opening_hex);
    vg_hex_encode(commitment, 32, commitment_hex);
    sodium_memzero(opening, sizeof opening);
    vg_page p = {0};
    page_open(&p, req, "Blocking list: the log's commitment", "/console/blocklist/appeals");
    vg_page_fmt(&p, "<p>Entry %" PRId64 " commits, in the public transparency log, to <span "
                    "class=\"hash\">", id);
    vg_page_text(&p, target);
    vg_page_put(&p, "</span>. Give the site owner who appeals the opening below, and only to "
                    "them: with it, SHA-256 of the opening's 32 bytes followed by that text is "
                    "the commitment, which every logged change of this entry carries as its "
                    "<code>url</code>. Anyone else still cannot test a URL against the log. "
                    "This opening was recorded in the audit log.</p><dl><dt>Commitment</dt>"
                    "<dd class=\"hash\" id=\"commitment\">");
    vg_page_put(&p, commitment_hex);
    vg_page_put(&p, "</dd><dt>Opening</dt><dd class=\"hash\" id=\"opening\">");
    vg_page_put(&p, opening_hex);
    vg_page_put(&p, "</dd></dl><p><a href=\"/console/blocklist/appeals\">Back to the "
                    "appeals</a></p>");
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
                                                "The form needs an appeal and a decision.",
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
           &(outcome_pages){"/console/blocklist/appeals", "Back to the appeals",
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
        vg_http_error_page(req, 400, "The form needs a route, a kind and a legal basis.");
        return;
    }
    vg_actor who = vg_console_actor(req);
    int64_t entry = 0;
    char why[200] = "";
    vg_error err;
    vg_status st = vg_hotline_block_propose(con->hotline, &who, route, kind, basis,
                                            (int64_t)time(NULL), &entry, why, sizeof why, &err);
    answer(req, st, &err, entry != 0, why,
           &(outcome_pages){"/console/blocklist", "Go to the blocking list",
                            "/console/blocklist/proposals"});
}

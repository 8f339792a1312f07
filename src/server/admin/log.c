/*
 * src/server/admin/log.c - /console/admin/audit: the audit log filtered by
 * actor, action, target and time, newest first, page by page, and the
 * chain's verification (admin.h, hotline/audit.h).
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hotline/audit.h"
#include "server/admin/admin.h"

#define LOG_PAGE 100

/* "2026-12-05" or "2026-12-05T10:30" (UTC) as seconds, or 0. */
static int64_t parse_when(const char *text)
{
    if (!text || !*text)
        return 0;
    struct tm tm = {0};
    const char *end = strptime(text, "%Y-%m-%dT%H:%M", &tm);
    if (!end || *end) {
        memset(&tm, 0, sizeof tm);
        end = strptime(text, "%Y-%m-%d", &tm);
        if (!end || *end)
            return -1;
    }
    return (int64_t)timegm(&tm);
}

static const char *param(vg_http_request *req, const char *name)
{
    const char *v = vg_http_query(req, name);
    return v && *v ? v : NULL;
}

static void field(vg_page *p, const char *name, const char *label, const char *value,
                  const char *extra)
{
    vg_page_fmt(p, "<label>%s <input name=\"%s\" %s value=\"", label, name, extra);
    vg_page_text(p, value);
    vg_page_put(p, "\"></label> ");
}

void vg_admin_audit_page(vg_http_request *req)
{
    vg_admin *a = vg_http_route_ctx(req);
    vg_audit_filter f = {.actor = param(req, "actor"),
                         .action = param(req, "action"),
                         .target = param(req, "target")};
    const char *from = param(req, "from"), *to = param(req, "to"), *before = param(req, "before");
    f.from = parse_when(from);
    f.to = parse_when(to);
    f.before_seq = before ? strtoll(before, NULL, 10) : 0;
    int bad = f.from < 0 || f.to < 0 || f.before_seq < 0;
    if (f.to > 0 && to && strlen(to) == 10)
        f.to += 86400; /* a day given alone includes that day */
    if (bad)
        f.from = f.to = f.before_seq = 0;
    vg_audit_entry *rows = NULL;
    size_t n = 0;
    vg_error err;
    if (vg_hotline_audit_search(a->hotline, &f, LOG_PAGE, &rows, &n, &err) != VG_OK) {
        vg_admin_unavailable(req, &err);
        return;
    }
    vg_page p = {0};
    vg_admin_page_open(&p, req, "Administration: the audit log", "/console/admin/audit");
    const char *verified = vg_http_query(req, "verified");
    if (verified)
        vg_admin_message(&p,
                         !strcmp(verified, "ok")
                             ? "The chain is whole: every entry matches its hash and links to "
                               "the one before, and none is missing at the end."
                             : "The chain is broken: the server's log names the first entry "
                               "altered or removed.",
                         strcmp(verified, "ok") != 0);
    if (bad)
        vg_admin_message(&p, "A time is written 2026-12-05 or 2026-12-05T10:30 (UTC).", 1);
    vg_page_put(&p, "<form method=\"get\" action=\"/console/admin/audit\" role=\"search\" "
                    "class=\"filters\"><fieldset><legend>Filter</legend>");
    field(&p, "actor", "Actor", f.actor, "placeholder=\"user:alice\"");
    vg_page_put(&p, "<label>Action <select name=\"action\"><option value=\"\">any</option>");
    /* Whole families first: every action under a prefix. */
    static const char *const FAMILIES[] = {"report.", "item.",   "preview.", "account.",
                                           "apikey.", "bank.",   "login.",   "config."};
    for (size_t i = 0; i < sizeof FAMILIES / sizeof FAMILIES[0]; i++)
        vg_page_fmt(&p, "<option value=\"%s\"%s>%s* (all)</option>", FAMILIES[i],
                    f.action && !strcmp(f.action, FAMILIES[i]) ? " selected" : "", FAMILIES[i]);
    for (size_t i = 0; vg_audit_action_terms[i].code; i++) {
        vg_page_fmt(&p, "<option value=\"%s\"%s>", vg_audit_action_terms[i].code,
                    f.action && !strcmp(f.action, vg_audit_action_terms[i].code) ? " selected"
                                                                                  : "");
        vg_page_text(&p, vg_audit_action_terms[i].code);
        vg_page_put(&p, ": ");
        vg_page_text(&p, vg_audit_action_terms[i].label);
        vg_page_put(&p, "</option>");
    }
    vg_page_put(&p, "</select></label> ");
    field(&p, "target", "Target", f.target, "placeholder=\"report:12\"");
    field(&p, "from", "From", from, "placeholder=\"2026-12-01\" size=\"16\"");
    field(&p, "to", "To", to, "placeholder=\"2026-12-05T18:00\" size=\"16\"");
    vg_page_put(&p, "<button type=\"submit\">Show</button></fieldset></form>"
                    "<form method=\"post\" action=\"/console/admin/audit\">");
    vg_page_csrf(&p, req);
    vg_page_put(&p, "<p><button type=\"submit\">Verify the whole chain</button> "
                    "(the check is itself recorded)</p></form>");
    if (!n) {
        vg_page_put(&p, "<p role=\"status\">No entry matches.</p>");
    } else {
        vg_page_fmt(&p,
                    "<table class=\"log\"><caption>%zu entr%s, newest first</caption><thead>"
                    "<tr><th scope=\"col\">#</th><th scope=\"col\">Time</th>"
                    "<th scope=\"col\">Actor</th><th scope=\"col\">Action</th>"
                    "<th scope=\"col\">Target</th><th scope=\"col\">Detail</th></tr></thead>"
                    "<tbody>",
                    n, n == 1 ? "y" : "ies");
        for (size_t i = 0; i < n; i++) {
            const vg_audit_entry *e = &rows[i];
            vg_page_fmt(&p, "<tr><td class=\"num\">%" PRId64 "</td><td>", e->seq);
            vg_admin_time(&p, e->time);
            vg_page_put(&p, "</td><td>");
            vg_page_text(&p, e->actor);
            vg_page_put(&p, "</td><td><span title=\"");
            vg_page_text(&p, vg_term_label(vg_audit_action_terms, e->action));
            vg_page_put(&p, "\">");
            vg_page_text(&p, e->action);
            vg_page_put(&p, "</span></td><td>");
            vg_page_text(&p, e->target);
            vg_page_put(&p, "</td><td class=\"hash\">");
            vg_page_text(&p, e->detail);
            vg_page_put(&p, "</td></tr>");
        }
        vg_page_put(&p, "</tbody></table>");
        if (n == LOG_PAGE) {
            /* The next page: the same filter, older entries. */
            vg_page_put(&p, "<p><a href=\"/console/admin/audit?");
            const char *names[] = {"actor", "action", "target", "from", "to"};
            const char *values[] = {f.actor, f.action, f.target, from, to};
            for (size_t k = 0; k < 5; k++)
                if (values[k]) {
                    vg_page_fmt(&p, "%s=", names[k]);
                    for (const unsigned char *c = (const unsigned char *)values[k]; *c; c++)
                        if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                            (*c >= '0' && *c <= '9') || *c == '.' || *c == '-' || *c == '_')
                            vg_page_fmt(&p, "%c", *c);
                        else
                            vg_page_fmt(&p, "%%%02X", *c);
                    vg_page_put(&p, "&amp;");
                }
            vg_page_fmt(&p, "before=%" PRId64 "\">Older entries</a></p>", rows[n - 1].seq);
        }
    }
    for (size_t i = 0; i < n; i++)
        vg_audit_entry_clear(&rows[i]);
    free(rows);
    vg_page_send(&p, req, 200);
}

void vg_admin_verify_post(vg_http_request *req)
{
    vg_admin *a = vg_http_route_ctx(req);
    char actor[140];
    vg_admin_actor(req, actor, sizeof actor);
    int ok = 0;
    char *problem = NULL;
    int64_t entries = 0;
    vg_error err;
    if (vg_hotline_audit_verify_by(a->hotline, actor, (int64_t)time(NULL), &ok, &problem,
                                   &entries, &err) != VG_OK) {
        vg_admin_unavailable(req, &err);
        return;
    }
    /* What broke goes to the log for the operator; the page says whether. */
    if (problem) {
        json_t *fields = json_pack("{s:s}", "problem", problem);
        vg_http_log_json(vg_http_server(req), "error", "audit chain broken", fields);
        json_decref(fields);
        free(problem);
    }
    vg_http_redirect(req, ok ? "/console/admin/audit?verified=ok"
                             : "/console/admin/audit?verified=broken");
}

/*
 * src/server/public/status_page.c - GET and POST /status: a reporter checks a
 * report with the receipt's code and secret, without an account.
 *
 * The answer is one of four plain sentences (received, being assessed,
 * assessed, closed), then what was done in plain words: forwarded to the
 * hotline of the hosting country, a notice to the host, passed to the
 * police or child protection, removed and on which day (the same actions
 * a partner reads from GET /api/v1/reports/{id}, model/route.h
 * vg_rule_reporter_outcome). Never whom, a receiver's reference, who
 * decided, the case or the URLs: an abuser who checks a stolen receipt
 * learns no more than that. A wrong code and a wrong secret get the same
 * answer. The secret travels in a POST body, never in a URL (history,
 * logs, referrers). A report a child or the young person shown made reads
 * in the young person's voice, as their form did.
 *
 * The page must not tell whether the hotline knew a picture: known material
 * is assessed the moment it arrives, new material when analysts get to it.
 * So a decision shows only once status.reveal_hours (24) have passed since
 * the report came in, whoever made it; until then every report reads
 * "received". (docs/security.md explains what is left of that signal.)
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "hotline/intake.h"
#include "server/public/public.h"

/* The form; invalid: the code and secret just given matched nothing. */
static void status_form(vg_page *p, vg_http_request *req, int young, int invalid)
{
    const char *marks = invalid ? " aria-invalid=\"true\" aria-describedby=\"error\"" : "";
    vg_page_put(p, "<form method=\"post\" action=\"/status\" accept-charset=\"utf-8\">");
    vg_page_csrf(p, req);
    vg_page_put(p, "<input type=\"hidden\" name=\"lang\" value=\"");
    vg_page_text(p, vg_i18n_code(p->lang));
    vg_page_put(p, "\">");
    if (young)
        vg_page_put(p, "<input type=\"hidden\" name=\"about\" value=\"me\">");
    vg_page_put(p, "<label for=\"code\">");
    vg_page_text(p, vg_public_text(p, young, "status.code"));
    vg_page_fmt(p, "</label><input type=\"text\" name=\"code\" id=\"code\" autocomplete=\"off\" "
                   "autocapitalize=\"characters\" spellcheck=\"false\"%s value=\"",
                marks);
    /* The code typed is kept (a typo is easier to see); the secret never
     * comes back in a page. */
    const char *code = vg_http_param(req, "code");
    vg_page_text(p, code ? code : "");
    vg_page_put(p, "\"><label for=\"secret\">");
    vg_page_text(p, vg_public_text(p, young, "status.secret"));
    vg_page_fmt(p, "</label><input type=\"text\" name=\"secret\" id=\"secret\" "
                   "autocomplete=\"off\" autocapitalize=\"characters\" spellcheck=\"false\"%s>"
                   "<button type=\"submit\">",
                marks);
    vg_page_text(p, vg_public_text(p, young, "status.submit"));
    vg_page_put(p, "</button></form>");
}

static void done_item(vg_page *p, int young, const char *id, const char *key,
                      const vg_public_arg *args, size_t count)
{
    vg_page_fmt(p, "<li id=\"done-%s\">", id);
    vg_public_say(p, young, key, args, count);
    vg_page_put(p, "</li>");
}

/* What was done, one sentence each, in the order it usually happens. */
static void done_list(vg_page *p, const vg_reporter_view *view)
{
    const vg_reporter_outcome *d = &view->done;
    int young = view->young;
    if (!d->forwarded && !d->notice_sent && !d->referred && !d->removed_urls &&
        !d->reappeared_urls)
        return;
    vg_page_put(p, "<h2>");
    vg_page_text(p, vg_public_text(p, young, "status.done"));
    vg_page_put(p, "</h2><ul id=\"report-done\">");
    if (d->forwarded)
        done_item(p, young, "forwarded", "status.done.forwarded", NULL, 0);
    if (d->notice_sent)
        done_item(p, young, "notice", "status.done.notice_sent", NULL, 0);
    if (d->referred)
        done_item(p, young, "referred", "status.done.referred", NULL, 0);
    if (d->removed_urls) {
        /* The day only (UTC): the hour would say more about the hotline's
         * work than the reporter needs. Non-breaking hyphens (U+2011): a
         * phone's line never ends inside the date. */
        char day[32] = "";
        time_t at = (time_t)d->removed_at;
        struct tm tm;
        if (gmtime_r(&at, &tm))
            strftime(day, sizeof day, "%Y\u2011%m\u2011%d", &tm);
        vg_public_arg when = {"date", day, NULL};
        done_item(p, young, "removed",
                  d->removed_urls >= view->url_count ? "status.done.removed"
                                                     : "status.done.removed_some",
                  &when, 1);
    }
    if (d->reappeared_urls)
        done_item(p, young, "reappeared", "status.done.reappeared", NULL, 0);
    vg_page_put(p, "</ul>");
}

/* The page: its title, then what was found or why not (focused), then the
 * form. view: the report's, or NULL; error_key: a refusal's sentence, or
 * NULL. */
static void status_page(vg_public *pub, vg_http_request *req, const vg_reporter_view *view,
                        const char *error_key, unsigned code)
{
    int young = view ? view->young : vg_public_young(req);
    vg_page p = {0};
    vg_public_page_open(pub, &p, req, "status.title", "/status", young);
    vg_page_put(&p, "<h1>");
    vg_page_text(&p, vg_public_text(&p, young, "status.title"));
    vg_page_put(&p, "</h1>");
    if (view) {
        /* Every status has a sentence in the catalogues: the public reads
         * nothing else. */
        char status_key[48];
        snprintf(status_key, sizeof status_key, "status.%s", view->status);
        vg_page_put(&p, "<div role=\"status\" class=\"notice\"><h2>");
        vg_page_text(&p, vg_public_text(&p, young, "status.current"));
        vg_page_put(&p, "</h2><p id=\"report-status\">");
        vg_page_text(&p, vg_public_text(&p, young, status_key));
        vg_page_put(&p, "</p>");
        done_list(&p, view);
        vg_page_put(&p, "</div>");
    } else if (error_key) {
        vg_page_put(&p, "<div class=\"error\" role=\"alert\" id=\"error\" tabindex=\"-1\" "
                        "autofocus><p>");
        vg_page_text(&p, vg_public_text(&p, young, error_key));
        vg_page_put(&p, "</p></div>");
    }
    vg_page_put(&p, "<p>");
    vg_page_text(&p, vg_public_text(&p, young, "status.intro"));
    vg_page_put(&p, "</p>");
    status_form(&p, req, young, error_key && !strcmp(error_key, "status.not_found"));
    vg_public_page_send(pub, &p, req, code, young);
}

void vg_public_status_get(vg_http_request *req)
{
    status_page(vg_http_route_ctx(req), req, NULL, NULL, 200);
}

void vg_public_status_refused(vg_public *pub, vg_http_request *req, unsigned status)
{
    status_page(pub, req, NULL,
                status == 403   ? "error.expired"
                : status == 429 ? "error.too_many"
                                : "error.bad_request",
                status);
}

void vg_public_status_post(vg_http_request *req)
{
    vg_public *pub = vg_http_route_ctx(req);
    vg_reporter_view view;
    vg_error err;
    if (vg_hotline_reporter_status(pub->hotline, vg_http_param(req, "code"),
                                   vg_http_param(req, "secret"), (int64_t)time(NULL), &view,
                                   &err) != VG_OK) {
        vg_http_log(vg_http_server(req), "error", "report status not read");
        vg_http_error_page(req, 503,
                           "Your report's status cannot be read just now. Please try "
                           "again in a few minutes.");
        return;
    }
    status_page(pub, req, view.status ? &view : NULL, view.status ? NULL : "status.not_found",
                view.status ? 200 : 404);
}

/*
 * src/server/public/status_page.c - GET and POST /status: a reporter checks a
 * report with the receipt's code and secret, without an account.
 *
 * The answer is one of four plain sentences (received, being assessed,
 * assessed, closed) and nothing else: no dates, no case, no outcome
 * details that could tell an abuser who checks a stolen receipt anything.
 * A wrong code and a wrong secret get the same answer. The secret travels
 * in a POST body, never in a URL (history, logs, referrers).
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
static void status_form(vg_page *p, vg_http_request *req, int invalid)
{
    const char *marks = invalid ? " aria-invalid=\"true\" aria-describedby=\"error\"" : "";
    vg_page_put(p, "<form method=\"post\" action=\"/status\" accept-charset=\"utf-8\">");
    vg_page_csrf(p, req);
    vg_page_put(p, "<input type=\"hidden\" name=\"lang\" value=\"");
    vg_page_text(p, vg_i18n_code(p->lang));
    vg_page_put(p, "\"><label for=\"code\">");
    vg_page_t(p, "status.code");
    vg_page_fmt(p, "</label><input type=\"text\" name=\"code\" id=\"code\" autocomplete=\"off\" "
                   "autocapitalize=\"characters\" spellcheck=\"false\"%s value=\"",
                marks);
    /* The code typed is kept (a typo is easier to see); the secret never
     * comes back in a page. */
    const char *code = vg_http_param(req, "code");
    vg_page_text(p, code ? code : "");
    vg_page_put(p, "\"><label for=\"secret\">");
    vg_page_t(p, "status.secret");
    vg_page_fmt(p, "</label><input type=\"text\" name=\"secret\" id=\"secret\" "
                   "autocomplete=\"off\" autocapitalize=\"characters\" spellcheck=\"false\"%s>"
                   "<button type=\"submit\">",
                marks);
    vg_page_t(p, "status.submit");
    vg_page_put(p, "</button></form>");
}

/* The page: its title, then what was found or why not (focused), then the
 * form. error_key: a refusal's sentence, or NULL. */
static void status_page(vg_public *pub, vg_http_request *req, const char *status_key,
                        const char *error_key, unsigned code)
{
    vg_page p = {0};
    vg_public_page_open(pub, &p, req, "status.title", "/status", 0);
    vg_page_put(&p, "<h1>");
    vg_page_t(&p, "status.title");
    vg_page_put(&p, "</h1>");
    if (status_key) {
        vg_page_put(&p, "<div role=\"status\" class=\"notice\"><h2>");
        vg_page_t(&p, "status.current");
        vg_page_put(&p, "</h2><p id=\"report-status\">");
        vg_page_t(&p, status_key);
        vg_page_put(&p, "</p></div>");
    } else if (error_key) {
        vg_page_put(&p, "<div class=\"error\" role=\"alert\" id=\"error\" tabindex=\"-1\" "
                        "autofocus><p>");
        vg_page_t(&p, error_key);
        vg_page_put(&p, "</p></div>");
    }
    vg_page_put(&p, "<p>");
    vg_page_t(&p, "status.intro");
    vg_page_put(&p, "</p>");
    status_form(&p, req, error_key && !strcmp(error_key, "status.not_found"));
    vg_public_page_send(pub, &p, req, code, 0);
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
    const char *status = NULL;
    vg_error err;
    if (vg_hotline_reporter_status(pub->hotline, vg_http_param(req, "code"),
                                   vg_http_param(req, "secret"), (int64_t)time(NULL), &status,
                                   &err) != VG_OK) {
        vg_http_log(vg_http_server(req), "error", "report status not read");
        vg_http_error_page(req, 503,
                           "Your report's status cannot be read just now. Please try "
                           "again in a few minutes.");
        return;
    }
    /* Every status has a sentence in the catalogues: the public reads
     * nothing else. */
    char status_key[48] = "";
    if (status)
        snprintf(status_key, sizeof status_key, "status.%s", status);
    status_page(pub, req, status ? status_key : NULL, status ? NULL : "status.not_found",
                status ? 200 : 404);
}

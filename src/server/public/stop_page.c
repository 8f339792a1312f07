/*
 * src/server/public/stop_page.c - GET /stop and POST /stop/appeal: the page
 * a blocked address leads to (an ISP redirecting it, a resolver pointing
 * a listed name at the stop host), and its form to report an error.
 *
 * The page says why (a list of child sexual abuse material (CSAM), kept
 * under a legal basis: the entry's own when the request names a listed
 * address, by ?url= or by its Host), then deters: someone who meant to
 * reach the material reads that it harms children and where people
 * worried about their own sexual thoughts about children find help
 * (blocklist.help). A stop page with a deterrence message and a way to
 * help measurably reduces searching; one that only refuses does not.
 *
 * The appeal goes to the supervisors' queue through the appeal use case
 * (hotline/blocklist.h), which keeps the URL, the reason and an optional
 * contact and nothing of the visitor: a person who reached a blocked
 * address must be able to say it is wrong without being identified by it.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "hotline/blocklist.h"
#include "server/public/public.h"

/* What the appeal use case accepts (hotline/blocklist.h): checked here
 * first so that each refusal is said in the visitor's language. */
#define STOP_URL_MAX 2048
#define STOP_REASON_MAX 2000
#define STOP_CONTACT_MAX 200

/* The address the visitor was stopped at: ?url= (an ISP's redirect names
 * it), else the Host when it is not the stop host itself (a resolver sent
 * a listed name here). Into out (cap bytes); "" when neither. */
static void stopped_at(vg_public *pub, vg_http_request *req, char *out, size_t cap)
{
    const char *url = vg_http_query(req, "url");
    const char *host = vg_http_header(req, "Host");
    out[0] = 0;
    if (url && *url) {
        snprintf(out, cap, "%s", url);
        return;
    }
    if (!host || !pub->stop_host)
        return;
    size_t n = strcspn(host, ":");
    if (strlen(pub->stop_host) == n && !strncasecmp(host, pub->stop_host, n))
        return;
    snprintf(out, cap, "%.*s", (int)n, host);
}

/* "/stop", with ?url= for the address the page is about: the language
 * links keep it, so the page in another language names the same entry.
 * Percent-encodes all but RFC 3986's unreserved characters; an address
 * too long for out is left out rather than cut. */
static void page_path(const char *url, char *out, size_t cap)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = (size_t)snprintf(out, cap, "/stop");
    if (!url || !*url || cap < 10 + 3 * strlen(url) + 1)
        return;
    n += (size_t)snprintf(out + n, cap - n, "?url=");
    for (const unsigned char *c = (const unsigned char *)url; *c; c++) {
        if ((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
            strchr("-._~", *c)) {
            out[n++] = (char)*c;
        } else {
            out[n++] = '%';
            out[n++] = hex[*c >> 4];
            out[n++] = hex[*c & 15];
        }
    }
    out[n] = 0;
}

static void help_list(vg_public *pub, vg_page *p)
{
    vg_page_put(p, "<section aria-labelledby=\"stop-help\"><h2 id=\"stop-help\">");
    vg_page_t(p, "stop.help.title");
    vg_page_put(p, "</h2><p>");
    vg_page_t(p, "stop.deter");
    vg_page_put(p, "</p><p>");
    vg_page_t(p, "stop.help.intro");
    vg_page_put(p, "</p>");
    if (!pub->stop_help_count) {
        vg_page_put(p, "<p id=\"stop-help-default\">");
        vg_page_t(p, "stop.help.default");
        vg_page_put(p, "</p></section>");
        return;
    }
    vg_page_put(p, "<ul class=\"helplines\" id=\"stop-help-services\">");
    for (size_t i = 0; i < pub->stop_help_count; i++) {
        const vg_public_helpline *h = &pub->stop_help[i];
        vg_page_put(p, "<li><strong><bdi>");
        vg_page_text(p, h->name);
        vg_page_put(p, "</bdi></strong>");
        if (h->number) {
            char href[40];
            vg_public_tel_href(h->number, href);
            vg_page_put(p, ": <a class=\"tel\" dir=\"ltr\" href=\"");
            vg_page_text(p, href);
            vg_page_put(p, "\">");
            vg_page_text(p, h->number);
            vg_page_put(p, "</a>");
        }
        if (h->url) {
            vg_page_put(p, " <a href=\"");
            vg_page_text(p, h->url);
            vg_page_put(p, "\">");
            vg_page_t(p, "help.site");
            vg_page_put(p, "<span class=\"visually-hidden\"> (");
            vg_page_text(p, h->name);
            vg_page_put(p, ")</span></a>");
        }
        vg_page_put(p, "</li>");
    }
    vg_page_put(p, "</ul></section>");
}

/* One field of the form, with its answer kept; invalid: the error names it. */
static void field(vg_page *p, const char *name, const char *label_key, const char *hint_key,
                  const char *value, int invalid, int area)
{
    vg_page_fmt(p, "<label for=\"%s\">", name);
    vg_page_t(p, label_key);
    vg_page_put(p, "</label>");
    if (hint_key) {
        vg_page_fmt(p, "<p class=\"hint\" id=\"%s-hint\">", name);
        vg_page_t(p, hint_key);
        vg_page_put(p, "</p>");
    }
    char described[64];
    snprintf(described, sizeof described, "%s%s%s", hint_key ? name : "", hint_key ? "-hint" : "",
             invalid ? (hint_key ? " error" : "error") : "");
    /* An address or a number reads left to right in every language. */
    vg_page_fmt(p, area ? "<textarea name=\"%s\" id=\"%s\" rows=\"5\""
                        : "<input dir=\"ltr\" type=\"text\" name=\"%s\" id=\"%s\"",
                name, name);
    if (*described)
        vg_page_fmt(p, " aria-describedby=\"%s\"", described);
    if (invalid)
        vg_page_put(p, " aria-invalid=\"true\"");
    if (area) {
        vg_page_put(p, ">");
        vg_page_text(p, value ? value : "");
        vg_page_put(p, "</textarea>");
    } else {
        vg_page_put(p, " autocomplete=\"off\" spellcheck=\"false\" value=\"");
        vg_page_text(p, value ? value : "");
        vg_page_put(p, "\">");
    }
}

/* The whole page. url: the address to quote in the form; reason, contact:
 * what the visitor typed (NULL: nothing yet); error_key: why the post was
 * refused (NULL: not refused), bad: the field it names. */
static void stop_page(vg_public *pub, vg_http_request *req, const char *url, const char *reason,
                      const char *contact, const char *error_key, const char *bad,
                      unsigned status)
{
    vg_page p = {0};
    vg_public_page_lang(pub, &p, req);
    vg_block_entry entry = {0};
    int listed = 0;
    vg_error err;
    if (url && *url &&
        vg_hotline_block_listed(pub->hotline, url, &entry, &listed, &err) != VG_OK) {
        vg_http_log(vg_http_server(req), "error", "stop page: the list could not be read");
        listed = 0; /* the page still says why and where help is */
    }
    char path[16 + 3 * STOP_URL_MAX];
    page_path(url, path, sizeof path);
    vg_public_page_open(pub, &p, req, "stop.title", path, 0);
    vg_page_put(&p, "<h1>");
    vg_page_t(&p, "stop.title");
    vg_page_put(&p, "</h1>");
    if (error_key) {
        vg_page_put(&p, "<div class=\"error\" role=\"alert\" id=\"error\" tabindex=\"-1\" "
                        "autofocus><p>");
        vg_page_t(&p, error_key);
        vg_page_put(&p, "</p></div>");
    }
    vg_page_put(&p, "<p id=\"stop-why\">");
    vg_page_t(&p, "stop.why");
    vg_page_put(&p, "</p><p id=\"stop-basis\">");
    if (listed && entry.legal_basis && *entry.legal_basis) {
        vg_public_arg basis = {"basis", entry.legal_basis, NULL};
        vg_public_say(&p, 0, "stop.basis", &basis, 1);
    } else {
        vg_page_t(&p, "stop.basis.general");
    }
    vg_page_put(&p, "</p>");
    vg_block_entry_clear(&entry);
    help_list(pub, &p);

    vg_page_put(&p, "<section aria-labelledby=\"stop-appeal\"><h2 id=\"stop-appeal\">");
    vg_page_t(&p, "stop.appeal.title");
    vg_page_put(&p, "</h2><p>");
    vg_page_t(&p, "stop.appeal.intro");
    vg_page_put(&p, "</p><form method=\"post\" action=\"/stop/appeal\" accept-charset=\"utf-8\">");
    vg_page_csrf(&p, req);
    vg_page_put(&p, "<input type=\"hidden\" name=\"lang\" value=\"");
    vg_page_text(&p, vg_i18n_code(p.lang));
    vg_page_put(&p, "\">");
    int flagged = bad != NULL;
    field(&p, "url", "stop.appeal.url", NULL, url, flagged && !strcmp(bad, "url"), 0);
    field(&p, "reason", "stop.appeal.reason", NULL, reason, flagged && !strcmp(bad, "reason"),
          1);
    field(&p, "contact", "stop.appeal.contact", "stop.appeal.contact_hint", contact,
          flagged && !strcmp(bad, "contact"), 0);
    vg_page_put(&p, "<button type=\"submit\">");
    vg_page_t(&p, "stop.appeal.submit");
    vg_page_put(&p, "</button></form></section>");
    vg_public_page_send(pub, &p, req, status, 0);
}

void vg_public_stop_get(vg_http_request *req)
{
    vg_public *pub = vg_http_route_ctx(req);
    char url[STOP_URL_MAX + 1];
    stopped_at(pub, req, url, sizeof url);
    stop_page(pub, req, url, NULL, NULL, NULL, NULL, 200);
}

void vg_public_stop_refused(vg_public *pub, vg_http_request *req, unsigned status)
{
    stop_page(pub, req, vg_http_param(req, "url"), vg_http_param(req, "reason"),
              vg_http_param(req, "contact"),
              status == 403   ? "error.expired"
              : status == 429 ? "error.too_many"
              : status == 413 ? "error.too_large"
                              : "error.bad_request",
              NULL, status);
}

void vg_public_stop_appeal_post(vg_http_request *req)
{
    vg_public *pub = vg_http_route_ctx(req);
    const char *url = vg_http_param(req, "url");
    const char *reason = vg_http_param(req, "reason");
    const char *contact = vg_http_param(req, "contact");
    const char *error_key = NULL, *bad = NULL;
    if (!url || !*url)
        error_key = "stop.error.url", bad = "url";
    else if (strlen(url) > STOP_URL_MAX)
        error_key = "stop.error.url_long", bad = "url";
    else if (!reason || !*reason)
        error_key = "stop.error.reason", bad = "reason";
    else if (strlen(reason) > STOP_REASON_MAX)
        error_key = "stop.error.reason_long", bad = "reason";
    else if (contact && strlen(contact) > STOP_CONTACT_MAX)
        error_key = "stop.error.contact_long", bad = "contact";
    if (error_key) {
        stop_page(pub, req, url, reason, contact, error_key, bad, 400);
        return;
    }
    int64_t id = 0;
    vg_error err;
    vg_status st = vg_hotline_appeal_add(pub->hotline, url, reason, contact, (int64_t)time(NULL),
                                         &id, &err);
    if (st == VG_ERR_INVALID) { /* the use case's rules moved past ours */
        stop_page(pub, req, url, reason, contact, "error.bad_request", NULL, 400);
        return;
    }
    if (st != VG_OK) {
        vg_http_log(vg_http_server(req), "error", "stop page: appeal not recorded");
        vg_public_error_page(pub, req, 503);
        return;
    }
    vg_page p = {0};
    vg_public_page_open(pub, &p, req, "stop.thanks.title", "/stop", 0);
    vg_page_put(&p, "<div role=\"status\" class=\"notice\" id=\"stop-thanks\"><h1>");
    vg_page_t(&p, "stop.thanks.title");
    vg_page_put(&p, "</h1><p>");
    vg_page_t(&p, "stop.thanks");
    vg_page_put(&p, "</p></div>");
    vg_public_page_send(pub, &p, req, 200, 0);
}

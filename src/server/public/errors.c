/*
 * src/server/public/errors.c - the public module's error pages: every
 * refusal on its addresses (and on addresses no route serves), whether the
 * HTTP layer made it (404, 403 for a lost form token, 413, 429) or a
 * handler did (503), in the public frame and the visitor's language. A
 * refused form comes back filled in, rather than as a dead end.
 */
#include <stdio.h>
#include <string.h>

#include "server/public/public.h"

/* The catalogue key of what happened: one sentence per kind of refusal. */
static const char *error_kind(unsigned status)
{
    switch (status) {
    case 403:
        return "expired";
    case 404:
    case 405:
        return "not_found";
    case 408:
    case 413:
        return "too_large";
    case 429:
        return "too_many";
    default:
        return status >= 500 ? "unavailable" : "bad_request";
    }
}

void vg_public_error_page(vg_public *pub, vg_http_request *req, unsigned status)
{
    vg_page p = {0};
    int young = vg_public_young(req);
    char title[48], text[48];
    snprintf(title, sizeof title, "error.%s.title", error_kind(status));
    snprintf(text, sizeof text, "error.%s", error_kind(status));
    vg_public_page_open(pub, &p, req, title, "/", young);
    vg_page_put(&p, "<div class=\"error\" role=\"alert\" id=\"error\" tabindex=\"-1\"><h1>");
    vg_page_text(&p, vg_public_text(&p, young, title));
    vg_page_put(&p, "</h1><p>");
    vg_page_text(&p, vg_public_text(&p, young, text));
    vg_page_put(&p, "</p></div><ul class=\"actions\"><li><a href=\"");
    vg_public_href(&p, "/");
    vg_page_put(&p, "\">");
    vg_page_text(&p, vg_public_text(&p, young, "home.title"));
    vg_page_put(&p, "</a></li><li><a href=\"");
    vg_public_href(&p, young ? "/report?about=me" : "/report");
    vg_page_put(&p, "\">");
    vg_page_text(&p, vg_public_text(&p, young, "home.report"));
    vg_page_put(&p, "</a></li><li><a href=\"");
    vg_public_href(&p, "/status");
    vg_page_put(&p, "\">");
    vg_page_text(&p, vg_public_text(&p, young, "home.status"));
    vg_page_put(&p, "</a></li></ul>");
    vg_public_page_send(pub, &p, req, status, young);
}

void vg_public_error_hook(void *ctx, vg_http_request *req, unsigned status, const char *message)
{
    vg_public *pub = ctx;
    (void)message; /* English, for the layer's own plain page: ours says it in words of the visitor's language */
    const char *path = vg_http_path(req);
    int posted = !strcmp(vg_http_method(req), "POST");
    if (posted && status >= 400 && status < 500 && !strcmp(path, "/report"))
        vg_public_report_refused(pub, req, status);
    else if (posted && status >= 400 && status < 500 && !strcmp(path, "/status"))
        vg_public_status_refused(pub, req, status);
    else
        vg_public_error_page(pub, req, status);
}

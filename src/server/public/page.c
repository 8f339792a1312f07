/*
 * src/server/public/page.c - what the public's pages share (public.h): the
 * frame in the visitor's language (quick exit, the hotline's name, the
 * language switch, the emergency line, the footer), placeholders filled
 * from the configuration, the helplines, and the error page.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/public/public.h"

void vg_public_page_lang(vg_public *pub, vg_page *p, vg_http_request *req)
{
    p->lang = vg_page_lang(pub->i18n, req);
}

int vg_public_young(vg_http_request *req)
{
    const char *about = vg_http_param(req, "about");
    if (!about)
        about = vg_http_query(req, "about");
    return about && strcmp(about, "me") == 0;
}

const char *vg_public_text(const vg_page *p, int young, const char *key)
{
    if (young) {
        char own[96];
        int n = snprintf(own, sizeof own, "me.%s", key);
        if (n > 0 && (size_t)n < sizeof own) {
            const char *text = vg_i18n_get(p->lang, own);
            if (strcmp(text, own) != 0) /* the catalogues have a young voice for it */
                return text;
        }
    }
    return vg_i18n_get(p->lang, key);
}

/* Write text with its "{name}" placeholders replaced by args (a name
 * without an arg stays as it is, so a missing value shows). */
static void fill(vg_html *h, const char *text, const vg_public_arg *args, size_t count)
{
    while (*text) {
        const char *open = strchr(text, '{');
        const char *close = open ? strchr(open, '}') : NULL;
        const vg_public_arg *arg = NULL;
        for (size_t i = 0; close && i < count; i++) {
            size_t n = strlen(args[i].name);
            if ((size_t)(close - open - 1) == n && !strncmp(open + 1, args[i].name, n))
                arg = &args[i];
        }
        size_t plain = arg ? (size_t)(open - text) : open ? (size_t)(open - text) + 1 : strlen(text);
        char *part = strndup(text, plain);
        if (!part) {
            h->failed = 1;
            return;
        }
        vg_html_text(h, part);
        free(part);
        text += plain;
        if (!arg)
            continue;
        if (arg->href) {
            vg_html_put(h, "<a href=\"");
            vg_html_text(h, arg->href);
            vg_html_put(h, "\">");
        }
        /* A name or number from the configuration keeps its own direction
         * inside a sentence written the other way. */
        vg_html_put(h, "<bdi>");
        vg_html_text(h, arg->text);
        vg_html_put(h, "</bdi>");
        if (arg->href)
            vg_html_put(h, "</a>");
        text = close + 1;
    }
}

void vg_public_say(vg_page *p, int young, const char *key, const vg_public_arg *args, size_t count)
{
    fill(&p->html, vg_public_text(p, young, key), args, count);
}

void vg_public_href(vg_page *p, const char *path)
{
    vg_page_text(p, path);
    vg_page_put(p, strchr(path, '?') ? "&amp;lang=" : "?lang=");
    vg_page_text(p, vg_i18n_code(p->lang));
}

/* The hotline's name: the configured one, else the language's. */
static const char *site_name(const vg_public *pub, const vg_page *p)
{
    return pub->name ? pub->name : vg_i18n_get(p->lang, "site.name");
}

void vg_public_tel_href(const char *number, char out[40])
{
    size_t n = (size_t)snprintf(out, 40, "tel:");
    for (const char *c = number; *c && n < 39; c++)
        if (*c != ' ')
            out[n++] = *c;
    out[n] = 0;
}

static void tel(vg_html *h, const char *number)
{
    char href[40];
    vg_public_tel_href(number, href);
    vg_html_put(h, "<a class=\"tel\" href=\"");
    vg_html_text(h, href);
    vg_html_put(h, "\" dir=\"ltr\">");
    vg_html_text(h, number);
    vg_html_put(h, "</a>");
}

void vg_public_page_open(vg_public *pub, vg_page *p, vg_http_request *req, const char *title_key,
                         const char *path, int young)
{
    if (!p->lang)
        vg_public_page_lang(pub, p, req);
    /* The quick exit comes first in the reading order: someone who must
     * hide the page finds it at once, by touch, mouse or Tab. */
    vg_html header = {0}, banner = {0};
    vg_html_put(&header, "<a class=\"exit\" rel=\"noreferrer\" href=\"");
    vg_html_text(&header, pub->quick_exit);
    vg_html_put(&header, "\">");
    vg_html_text(&header, vg_public_text(p, young, "page.exit"));
    vg_html_put(&header, "</a><a class=\"home\" href=\"/?lang=");
    vg_html_text(&header, vg_i18n_code(p->lang));
    vg_html_put(&header, "\"><bdi>");
    vg_html_text(&header, site_name(pub, p));
    vg_html_put(&header, "</bdi></a>");

    char href[40];
    vg_public_tel_href(pub->emergency, href);
    const vg_public_arg police = {"number", pub->emergency, href};
    vg_html_put(&banner, "<p class=\"emergency\" id=\"emergency\">");
    fill(&banner, vg_public_text(p, young, "page.emergency"), &police, 1);
    vg_html_put(&banner, "</p>");

    vg_page_frame frame = {.kind = VG_PAGE_PUBLIC,
                           .title = vg_public_text(p, young, title_key),
                           .i18n = pub->i18n,
                           .path = path,
                           .site = site_name(pub, p),
                           .header_html = header.failed ? NULL : header.buf,
                           .banner_html = banner.failed ? NULL : banner.buf};
    if (header.failed || banner.failed)
        p->html.failed = 1;
    vg_page_open(p, req, &frame);
    vg_html_free(&header);
    vg_html_free(&banner);
}

void vg_public_page_send(vg_public *pub, vg_page *p, vg_http_request *req, unsigned status,
                         int young)
{
    vg_html footer = {0};
    vg_html_put(&footer, "<p>");
    if (pub->operator_name) {
        vg_public_arg who = {"operator", pub->operator_name, pub->operator_url};
        fill(&footer, vg_public_text(p, young, "page.operator"), &who, 1);
        vg_html_put(&footer, " ");
    }
    vg_html_put(&footer, "<a href=\"/privacy?lang=");
    vg_html_text(&footer, vg_i18n_code(p->lang));
    if (young)
        vg_html_put(&footer, "&amp;about=me");
    vg_html_put(&footer, "\">");
    vg_html_text(&footer, vg_public_text(p, young, "privacy.title"));
    vg_html_put(&footer, "</a></p>");
    p->footer_html = footer.failed ? NULL : footer.buf;
    if (footer.failed)
        p->html.failed = 1;
    vg_page_send(p, req, status);
    p->footer_html = NULL;
    vg_html_free(&footer);
}

void vg_public_helplines(vg_public *pub, vg_page *p, int young)
{
    vg_page_put(p, "<section aria-labelledby=\"helplines\"><h2 id=\"helplines\">");
    vg_page_text(p, vg_public_text(p, young, "help.title"));
    vg_page_put(p, "</h2><p>");
    vg_page_text(p, vg_public_text(p, young, "help.intro"));
    vg_page_put(p, "</p><ul class=\"helplines\">");
    for (size_t i = 0; i < pub->helpline_count; i++) {
        const vg_public_helpline *h = &pub->helplines[i];
        char key[48];
        snprintf(key, sizeof key, "help.for.%s", h->topic);
        vg_page_put(p, "<li><strong><bdi>");
        vg_page_text(p, h->name);
        vg_page_put(p, "</bdi></strong>: ");
        tel(&p->html, h->number);
        vg_page_put(p, "<br>");
        vg_page_text(p, vg_public_text(p, young, key));
        if (h->url) {
            vg_page_put(p, " <a href=\"");
            vg_page_text(p, h->url);
            vg_page_put(p, "\">");
            vg_page_text(p, vg_public_text(p, young, "help.site"));
            vg_page_put(p, "<span class=\"visually-hidden\"> (");
            vg_page_text(p, h->name);
            vg_page_put(p, ")</span></a>");
        }
        vg_page_put(p, "</li>");
    }
    vg_page_put(p, "</ul><p>");
    vg_public_arg directory = {"directory", pub->directory_name, pub->directory_url};
    vg_public_say(p, young, pub->helpline_count ? "help.elsewhere" : "help.directory", &directory,
                  1);
    vg_page_put(p, "</p></section>");
}

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
    vg_public_href(&p, young ? "/status?about=me" : "/status");
    vg_page_put(&p, "\">");
    vg_page_text(&p, vg_public_text(&p, young, "home.status"));
    vg_page_put(&p, "</a></li></ul>");
    vg_public_page_send(pub, &p, req, status, young);
}

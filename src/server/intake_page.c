/*
 * src/server/intake_page.c - the page builder of the public intake pages.
 */
#include "server/intake_page.h"

#include <stdlib.h>
#include <string.h>

const vg_i18n_lang *vg_page_lang(vg_intake *in, vg_http_request *req)
{
    const char *chosen = vg_http_param(req, "lang");
    if (!chosen)
        chosen = vg_http_query(req, "lang");
    return vg_i18n_choose(in->i18n, chosen, vg_http_header(req, "Accept-Language"));
}

void vg_page_put(vg_page *p, const char *html) { vg_html_put(&p->html, html); }

void vg_page_text(vg_page *p, const char *text) { vg_html_text(&p->html, text); }

void vg_page_t(vg_page *p, const char *key) { vg_page_text(p, vg_i18n_get(p->lang, key)); }

void vg_page_t_helpline(vg_page *p, vg_intake *in, const char *key)
{
    const char *text = vg_i18n_get(p->lang, key);
    const char *mark = strstr(text, "{helpline}");
    if (!mark) {
        vg_page_text(p, text);
        return;
    }
    char *before = strndup(text, (size_t)(mark - text));
    if (!before) {
        p->html.failed = 1;
        return;
    }
    vg_page_text(p, before);
    free(before);
    vg_page_put(p, "<a href=\"");
    vg_page_text(p, in->helpline_url);
    vg_page_put(p, "\">");
    vg_page_text(p, in->helpline_name);
    vg_page_put(p, "</a>");
    vg_page_text(p, mark + strlen("{helpline}"));
}

void vg_page_start(vg_page *p, vg_intake *in, const char *title_key, const char *path)
{
    vg_page_put(p, "<!doctype html>\n<html lang=\"");
    vg_page_text(p, vg_i18n_code(p->lang));
    vg_page_put(p, "\"><head><meta charset=\"utf-8\">"
                   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                   "<meta name=\"referrer\" content=\"no-referrer\"><title>");
    vg_page_t(p, title_key);
    vg_page_put(p, " - ");
    vg_page_t(p, "site.name");
    /* Colours: #111 on #fff (18:1), links #0b4f9c (8:1), errors #8a0000
     * (10:1); focus is a thick outline that never relies on colour alone. */
    vg_page_put(p,
                "</title><style>"
                "body{font:1.125rem/1.6 system-ui,sans-serif;max-width:42rem;margin:0 auto;"
                "padding:1rem;color:#111;background:#fff}"
                "a{color:#0b4f9c}h1{font-size:1.6rem;line-height:1.3}"
                "label,legend{display:block;margin-top:1rem;font-weight:600}"
                "fieldset{border:1px solid #555;margin:1.5rem 0;padding:.5rem 1rem 1rem}"
                "fieldset label{font-weight:normal;margin-top:.4rem}"
                "input[type=text],textarea,select{font:inherit;width:100%;box-sizing:border-box;"
                "padding:.5rem;border:2px solid #444;border-radius:0;background:#fff;color:#111}"
                "input[type=radio]{width:1.2rem;height:1.2rem;vertical-align:middle}"
                ".hint{color:#333;margin:.2rem 0}"
                "button{font:inherit;font-weight:600;margin-top:1.5rem;padding:.7rem 1.5rem;"
                "background:#0b4f9c;color:#fff;border:2px solid #0b4f9c;cursor:pointer}"
                "a:focus,button:focus,input:focus,textarea:focus,select:focus"
                "{outline:4px solid #111;outline-offset:2px}"
                ".error{border:3px solid #8a0000;padding:.5rem 1rem;color:#8a0000}"
                ".receipt{font:1.5rem/1.4 monospace;letter-spacing:.1em;word-break:break-all}"
                "nav{text-align:right}"
                "</style></head><body><nav aria-label=\"");
    vg_page_t(p, "page.languages");
    vg_page_put(p, "\">");
    for (size_t i = 0; i < vg_i18n_count(in->i18n); i++) {
        const vg_i18n_lang *other = vg_i18n_at(in->i18n, i);
        if (other == p->lang)
            continue;
        const char *code = vg_i18n_code(other);
        vg_page_put(p, " <a href=\"");
        vg_page_text(p, path);
        vg_page_put(p, strchr(path, '?') ? "&amp;lang=" : "?lang=");
        vg_page_text(p, code);
        vg_page_put(p, "\" lang=\"");
        vg_page_text(p, code);
        vg_page_put(p, "\" hreflang=\"");
        vg_page_text(p, code);
        vg_page_put(p, "\">");
        vg_page_text(p, vg_i18n_get(other, "language.name"));
        vg_page_put(p, "</a>");
    }
    vg_page_put(p, "</nav><main>");
}

void vg_page_send(vg_page *p, vg_http_request *req, unsigned status)
{
    vg_page_put(p, "</main><footer><p>");
    vg_page_t(p, "page.privacy");
    vg_page_put(p, "</p></footer></body></html>\n");
    if (p->html.failed)
        vg_http_error_page(req, 500, "The page could not be built. Please try again.");
    else
        vg_http_html(req, status, p->html.buf);
    vg_html_free(&p->html);
}

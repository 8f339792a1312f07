/*
 * src/web/page.c - the frame of every page (page.h).
 */
#include "web/page.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Public pages: large text for every reader. Colours: #111 on #fff (18:1),
 * links #0b4f9c (8:1), errors #8a0000 (10:1); focus is a thick outline
 * that never relies on colour alone. Sides are logical (inline-start,
 * inline-end), so a right-to-left page turns around as a whole. */
static const char PUBLIC_STYLE[] =
    "body{font:1.125rem/1.6 system-ui,sans-serif;max-width:42rem;margin:0 auto;"
    "padding:0 1rem 1rem;color:#111;background:#fff}"
    "a{color:#0b4f9c}h1{font-size:1.6rem;line-height:1.3}h2{font-size:1.25rem;margin-top:2rem}"
    ".skip{position:absolute;inset-inline-start:-999rem}"
    ".skip:focus{inset-inline-start:1rem;top:.5rem;background:#fff;padding:.3rem .6rem;z-index:3}"
    "header.site{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1rem;"
    "padding:.75rem 0;border-bottom:1px solid #767676}"
    ".home{font-weight:700;color:#111;text-decoration:none;margin-inline-end:auto}"
    ".exit{font-weight:700;color:#fff;background:#111;padding:.4rem .9rem;text-decoration:none;"
    "border:2px solid #fff;border-radius:.3rem;position:fixed;top:.4rem;inset-inline-end:.4rem;"
    "z-index:2;box-shadow:0 0 0 2px #111}"
    /* room for the quick exit: beside the header on wide screens, above
     * it on narrow ones */
    "header.site{padding-inline-end:16rem}"
    "@media (max-width:40rem){header.site{padding-inline-end:0;padding-top:3.2rem}}"
    ".langs ul{list-style:none;display:flex;flex-wrap:wrap;gap:.2rem 1rem;margin:0;padding:0}"
    ".langs [aria-current]{font-weight:700}"
    ".emergency{border-inline-start:6px solid #8a0000;background:#fbeeee;padding:.5rem 1rem;"
    "margin:1rem 0}"
    "label,legend{display:block;margin-top:1rem;font-weight:600}"
    "fieldset{border:1px solid #555;margin:1.5rem 0;padding:.5rem 1rem 1rem}"
    "fieldset label{font-weight:normal;margin-top:.4rem}"
    "input[type=text],textarea,select{font:inherit;width:100%;box-sizing:border-box;"
    "padding:.5rem;border:2px solid #444;border-radius:0;background:#fff;color:#111}"
    "input[type=radio],input[type=checkbox]{width:1.2rem;height:1.2rem;vertical-align:middle}"
    ".danger{border-inline-start:6px solid #8a0000;padding:.1rem 1rem .5rem;margin:1rem 0}"
    "[aria-invalid=true]{border:3px solid #8a0000!important}"
    ".hint{color:#333;margin:.2rem 0}"
    ".field-error{color:#8a0000;font-weight:600;margin:.3rem 0}"
    "button{font:inherit;font-weight:600;margin-top:1.5rem;padding:.7rem 1.5rem;"
    "background:#0b4f9c;color:#fff;border:2px solid #0b4f9c;cursor:pointer}"
    "button.plain{background:#fff;color:#0b4f9c}"
    "a:focus,button:focus,input:focus,textarea:focus,select:focus,.error:focus"
    "{outline:4px solid #111;outline-offset:2px}"
    ".error{border:3px solid #8a0000;padding:.5rem 1rem;color:#8a0000}"
    ".error h2{margin-top:.5rem}.error a{color:#8a0000;font-weight:600}"
    ".notice{border-inline-start:6px solid #0b4f9c;background:#eef4fb;padding:.5rem 1rem}"
    ".receipt{font:1.5rem/1.4 monospace;letter-spacing:.1em;word-break:break-all}"
    ".actions{list-style:none;padding:0}"
    ".actions a{display:block;padding:.8rem 1rem;margin:.75rem 0;border:2px solid #0b4f9c;"
    "font-weight:600;text-decoration:none}"
    ".helplines{list-style:none;padding:0}.helplines li{margin:.75rem 0}"
    ".tel{font-weight:700;font-size:1.25rem;white-space:nowrap}"
    ".visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;"
    "clip:rect(0 0 0 0);white-space:nowrap}"
    "footer{border-top:1px solid #767676;margin-top:2.5rem;padding-top:.5rem;font-size:1rem;"
    "color:#333}footer a{color:#0b4f9c}"
    /* the transparency report's figures, and its printed copy: the page
     * without what only a screen needs */
    ".figures{border-collapse:collapse;width:100%;margin:1rem 0}"
    ".figures caption{text-align:start;font-weight:600;font-size:1.25rem;padding:.3rem 0}"
    ".figures th,.figures td{border-bottom:1px solid #767676;padding:.35rem .5rem;"
    "text-align:start;vertical-align:top}.figures th{font-weight:normal}"
    ".figures td.num{text-align:end;white-space:nowrap;font-variant-numeric:tabular-nums}"
    ".years ul{list-style:none;display:flex;flex-wrap:wrap;gap:.3rem 1rem;padding:0}"
    ".years [aria-current]{font-weight:700}"
    "@media print{.exit,.langs,.skip,.years,.emergency{display:none}"
    "body{max-width:none;font-size:11pt}a{color:#111}}";

/* Staff pages: calm and dense, system font at 14px, one accent, high
 * contrast (text #1a1a1a on #fafafa is over 15:1), a thick focus ring. */
static const char STAFF_STYLE[] =
    "*{box-sizing:border-box}"
    "body{margin:0;font:14px/1.4 system-ui,sans-serif;color:#1a1a1a;background:#fafafa}"
    "header{display:flex;gap:1.5em;align-items:center;padding:.4em 1em;background:#23313f;"
    "color:#fff}header a{color:#fff}header .who{margin-inline-start:auto}"
    "main{padding:.6em 1em;max-width:110em}h1{font-size:1.25em;margin:.3em 0 .5em}"
    "h2{font-size:1.05em;margin:1.2em 0 .4em}"
    "table{border-collapse:collapse;width:100%;background:#fff}"
    "th,td{padding:.25em .5em;border-bottom:1px solid #ddd;text-align:start;vertical-align:top}"
    "th{background:#eef1f4;font-weight:600}tbody tr:hover{background:#f3f6f9}"
    "td.num{text-align:end;font-variant-numeric:tabular-nums;white-space:nowrap}"
    /* a table wider than the window scrolls in its own box, its row
     * headers held in view, instead of widening the whole page */
    ".scroll{overflow-x:auto;max-width:100%}.scroll caption{text-align:start}"
    ".scroll tbody th{position:sticky;inset-inline-start:0;white-space:nowrap}"
    ".rule{display:inline-block;padding:0 .4em;margin-block:0 .1em;margin-inline:0 .2em;"
    "border-radius:3px;"
    "background:#e4e9ef;font-size:.9em}"
    ".late{color:#a00000;font-weight:600;white-space:nowrap}.ok{color:#1d5e20;white-space:nowrap}"
    ".msg{padding:.5em .8em;border-inline-start:4px solid #23313f;background:#eef1f4;margin:.5em 0}"
    ".msg.err,.error{padding:.5em .8em;border-inline-start:4px solid #a00000;background:#fbeaea;"
    "margin:.5em 0;color:#7a0000;font-weight:600}"
    "button,input,select,textarea{font:inherit}"
    "button{padding:.2em .8em;border:1px solid #23313f;background:#fff;color:#23313f;"
    "border-radius:3px;cursor:pointer}button.primary{background:#23313f;color:#fff}"
    "a{color:#0b4f8a}"
    ":focus-visible{outline:3px solid #e08a00;outline-offset:2px}"
    "form.inline{display:inline}code,.hash{font-family:ui-monospace,monospace;font-size:.85em;"
    "word-break:break-all}"
    "fieldset{border:1px solid #ccc;margin:.4em 0;padding:.3em .8em}"
    "legend{font-weight:600}label{margin-inline-end:1em;display:inline-block}"
    "fieldset{min-width:0}textarea{width:100%}"
    ".cols{display:grid;grid-template-columns:repeat(auto-fit,minmax(22em,1fr));gap:0 1em}"
    "img.preview{image-rendering:auto;border:1px solid #ccc;background:#ddd}"
    ".skip{position:absolute;inset-inline-start:-999px}"
    ".skip:focus{inset-inline-start:1em;top:.3em;background:#fff;"
    "padding:.2em .5em}"
    /* the sign-in pages: one narrow column of large fields */
    ".narrow{max-width:30rem;font-size:1.1rem}.narrow label{display:block;margin:1rem 0 .2rem;"
    "font-weight:600}.narrow input{width:100%;padding:.4rem;border:2px solid #444}"
    ".narrow button{margin-top:1rem;padding:.5rem 1.2rem}.hint{font-weight:normal;color:#444}"
    /* the console's answers that differ, shortcuts, secrets shown once, views */
    "tr.differs th,tr.differs td{background:#fff1c2}"
    "tr.differs th{border-inline-start:4px solid #8a5a00}"
    "kbd{font-family:ui-monospace,monospace;font-size:.85em;border:1px solid currentColor;"
    "border-radius:3px;padding:0 .25em}"
    "code.secret{display:inline-block;font-size:1.3em;padding:.2em .5em;background:#fff;"
    "border:2px dashed #23313f;word-break:break-all}"
    "nav.views ul{list-style:none;margin:.4em 0;padding:0;display:flex;flex-wrap:wrap;gap:.2em 1.2em}"
    "nav.views a[aria-current]{font-weight:700;color:#1a1a1a}"
    /* a phone: the header wraps; a table keeps its words whole (a column
     * one letter wide is unreadable) and the content scrolls sideways
     * under the header, as WCAG 1.4.10 allows for data tables (the main
     * region, not each table: a table alone may hold nothing focusable,
     * and a region the keyboard cannot reach cannot be scrolled) */
    "@media (max-width:40em){header{flex-wrap:wrap;gap:.3em 1em}main{padding:.5em;"
    "overflow-x:auto}th,td{overflow-wrap:break-word;hyphens:auto;min-width:4em}}";

const vg_i18n_lang *vg_page_lang(const vg_i18n *i18n, vg_http_request *req)
{
    const char *chosen = vg_http_param(req, "lang");
    if (!chosen)
        chosen = vg_http_query(req, "lang");
    return vg_i18n_choose(i18n, chosen, vg_http_header(req, "Accept-Language"));
}

const vg_i18n_lang *vg_page_staff_lang(const vg_i18n *i18n, vg_http_request *req)
{
    const vg_http_caller *who = vg_http_caller_of(req);
    const vg_i18n_lang *own = who->language ? vg_i18n_find(i18n, who->language) : NULL;
    if (own)
        return own;
    /* a preference naming a catalogue no longer shipped falls back here */
    if (who->account_id)
        return vg_i18n_choose(i18n, NULL, vg_http_header(req, "Accept-Language"));
    return vg_page_lang(i18n, req);
}

const char *vg_page_tr(const vg_page *p, const char *key, const char *english)
{
    return p->lang ? vg_i18n_get(p->lang, key) : english;
}

void vg_page_put(vg_page *p, const char *html)
{
    vg_html_put(&p->html, html);
}
void vg_page_text(vg_page *p, const char *text)
{
    vg_html_text(&p->html, text);
}
void vg_page_t(vg_page *p, const char *key)
{
    vg_page_text(p, vg_i18n_get(p->lang, key));
}

void vg_page_fmt(vg_page *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vg_html_vfmt(&p->html, fmt, ap);
    va_end(ap);
}

void vg_page_csrf(vg_page *p, vg_http_request *req)
{
    vg_page_put(p, "<input type=\"hidden\" name=\"csrf_token\" value=\"");
    vg_page_text(p, vg_http_csrf_token(req));
    vg_page_put(p, "\">");
}

/* The switch to every language: each by its own name, the current one
 * marked. */
static void language_links(vg_page *p, const vg_page_frame *f)
{
    vg_page_put(p, "<nav class=\"langs\" aria-label=\"");
    vg_page_t(p, "page.languages");
    vg_page_put(p, "\"><ul>");
    for (size_t i = 0; f->i18n && i < vg_i18n_count(f->i18n); i++) {
        const vg_i18n_lang *other = vg_i18n_at(f->i18n, i);
        const char *code = vg_i18n_code(other);
        const char *path = f->path ? f->path : "/";
        if (other == p->lang) {
            vg_page_put(p, "<li><a aria-current=\"true\" href=\"");
        } else {
            vg_page_put(p, "<li><a href=\"");
        }
        vg_page_text(p, path);
        vg_page_put(p, strchr(path, '?') ? "&amp;lang=" : "?lang=");
        vg_page_text(p, code);
        vg_page_put(p, "\" lang=\"");
        vg_page_text(p, code);
        vg_page_put(p, "\" hreflang=\"");
        vg_page_text(p, code);
        vg_page_put(p, vg_i18n_rtl(other) ? "\" dir=\"rtl\">" : "\" dir=\"ltr\">");
        vg_page_text(p, vg_i18n_get(other, "language.name"));
        vg_page_put(p, "</a></li>");
    }
    vg_page_put(p, "</ul></nav>");
}

static void staff_header(vg_page *p, vg_http_request *req, const vg_page_frame *f)
{
    vg_page_put(p, "<a class=\"skip\" href=\"#main\">");
    vg_page_text(p, vg_page_tr(p, "console.skip", "Skip to content"));
    vg_page_put(p, "</a><header><strong>vigie</strong>");
    if (f->nav_count) {
        vg_page_put(p, "<nav aria-label=\"");
        vg_page_text(p, vg_page_tr(p, "console.nav", "Console"));
        vg_page_put(p, "\">");
        for (size_t i = 0; i < f->nav_count; i++) {
            vg_page_put(p, "<a href=\"");
            vg_page_text(p, f->nav[i].href);
            vg_page_put(p, f->current && !strcmp(f->current, f->nav[i].href)
                               ? "\" aria-current=\"page\">"
                               : "\">");
            vg_page_text(p, f->nav[i].label);
            vg_page_put(p, "</a> ");
        }
        vg_page_put(p, "</nav>");
    }
    if (f->user) {
        /* the name leads to the person's own account page (its language) */
        vg_page_put(p, "<span class=\"who\"><a href=\"/console/account\"");
        if (f->current && !strcmp(f->current, "/console/account"))
            vg_page_put(p, " aria-current=\"page\"");
        vg_page_put(p, "><bdi>");
        vg_page_text(p, f->user);
        vg_page_put(p, "</bdi></a> (");
        vg_page_text(p, f->role);
        vg_page_put(p, ") <form class=\"inline\" method=\"post\" action=\"/logout\">");
        vg_page_csrf(p, req);
        vg_page_put(p, "<button type=\"submit\">");
        vg_page_text(p, vg_page_tr(p, "console.sign_out", "Sign out"));
        vg_page_put(p, "</button></form></span>");
    }
    vg_page_put(p, "</header>");
}

void vg_page_open(vg_page *p, vg_http_request *req, const vg_page_frame *f)
{
    p->kind = f->kind;
    if (p->kind == VG_PAGE_STAFF && !p->lang && f->i18n)
        p->lang = vg_page_staff_lang(f->i18n, req);
    vg_page_put(p, "<!doctype html>\n<html lang=\"");
    vg_page_text(p, p->lang ? vg_i18n_code(p->lang) : "en");
    vg_page_put(p, p->lang && vg_i18n_rtl(p->lang) ? "\" dir=\"rtl\">" : "\" dir=\"ltr\">");
    vg_page_put(p, "<head><meta charset=\"utf-8\">"
                   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                   "<meta name=\"referrer\" content=\"no-referrer\"><title>");
    vg_page_text(p, f->title);
    vg_page_put(p, " - ");
    if (p->kind == VG_PAGE_PUBLIC)
        vg_page_text(p, f->site ? f->site : vg_i18n_get(p->lang, "site.name"));
    else
        vg_page_put(p, "vigie");
    vg_page_put(p, "</title><style>");
    vg_page_put(p, p->kind == VG_PAGE_PUBLIC ? PUBLIC_STYLE : STAFF_STYLE);
    vg_page_put(p, "</style></head><body>");
    if (p->kind == VG_PAGE_PUBLIC) {
        vg_page_put(p, "<a class=\"skip\" href=\"#main\">");
        vg_page_t(p, "page.skip");
        vg_page_put(p, "</a><header class=\"site\">");
        if (f->header_html)
            vg_page_put(p, f->header_html);
        language_links(p, f);
        vg_page_put(p, "</header>");
        if (f->banner_html)
            vg_page_put(p, f->banner_html);
        vg_page_put(p, "<main id=\"main\" tabindex=\"-1\">");
        return;
    }
    staff_header(p, req, f);
    vg_page_put(p, f->user ? "<main id=\"main\"><h1>" : "<main id=\"main\" class=\"narrow\"><h1>");
    vg_page_text(p, f->title);
    vg_page_put(p, "</h1>");
}

void vg_page_send(vg_page *p, vg_http_request *req, unsigned status)
{
    vg_page_put(p, "</main>");
    if (p->kind == VG_PAGE_PUBLIC && p->footer_html) {
        vg_page_put(p, "<footer>");
        vg_page_put(p, p->footer_html);
        vg_page_put(p, "</footer>");
    }
    vg_page_put(p, "</body></html>\n");
    if (p->html.failed)
        vg_http_error_page(req, 500, "The page could not be built. Please try again.");
    else
        vg_http_html(req, status, p->html.buf);
    vg_html_free(&p->html);
}

void vg_page_tv(vg_page *p, const char *key, size_t n, const char *const names[],
                const char *const values[])
{
    const char *text = vg_page_tr(p, key, key);
    const char *run = text;
    for (const char *c = text; *c; c++) {
        if (*c != '{')
            continue;
        for (size_t i = 0; i < n; i++) {
            size_t len = strlen(names[i]);
            if (!strncmp(c + 1, names[i], len) && c[1 + len] == '}') {
                char part[1024]; /* a catalogue sentence's piece */
                snprintf(part, sizeof part, "%.*s", (int)(c - run), run);
                vg_page_text(p, part);
                vg_page_text(p, values[i]);
                run = c + len + 2;
                c = run - 1;
                break;
            }
        }
    }
    vg_page_text(p, run);
}

void vg_page_t1(vg_page *p, const char *key, const char *name, const char *value)
{
    vg_page_tv(p, key, 1, &name, &value);
}

void vg_page_th_cols(vg_page *p, const char *const *keys, size_t n)
{
    for (size_t c = 0; c < n; c++) {
        vg_page_put(p, "<th scope=\"col\">");
        vg_page_t(p, keys[c]);
        vg_page_put(p, "</th>");
    }
}

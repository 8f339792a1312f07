/*
 * src/server/public/report_form.c - the public report form: GET and POST /report.
 *
 * One form for everyone, and a separate path (?about=me) for a young person
 * whose own picture is online: short sentences in a friend's voice, no
 * suspicion, their age (analysts must tell a child from an adult), what to
 * do when someone threatens them, and the helplines. Works without
 * JavaScript (a plain multipart POST); anonymous by default: the client
 * address and user agent are stored only when the operator turned
 * privacy.store_client_address on. A stored report redirects to its
 * receipt (receipt.c), so that a reload never sends it twice.
 *
 * A refused form comes back with the answers given, the reason on top
 * (focused, so a screen reader reads it first) and at the field at fault
 * (aria-invalid). A file cannot come back (browsers do not let a page
 * choose one), so the form says plainly to choose it again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hotline/intake.h"
#include "model/vocab.h"
#include "server/public/public.h"
#include "server/uploads.h"
#include "util/secure.h"

/* Why the form comes back: the sentence (HTML, escaped), the field at
 * fault (NULL: none in particular), and whether a file was sent and not
 * kept. */
typedef struct refusal {
    const char *html;
    const char *field;
    int file_again;
} refusal;

/* The visitor's earlier answer to a field (after a refused POST), or "". */
static const char *previous(vg_http_request *req, const char *name)
{
    const char *v = vg_http_param(req, name);
    return v ? v : "";
}

static void hidden(vg_page *p, const char *name, const char *value)
{
    vg_page_put(p, "<input type=\"hidden\" name=\"");
    vg_page_put(p, name);
    vg_page_put(p, "\" value=\"");
    vg_page_text(p, value);
    vg_page_put(p, "\">");
}

/* A form being drawn: the page, its voice, and why it came back. */
typedef struct form {
    vg_page *p;
    vg_http_request *req;
    int young;
    const refusal *why;
} form;

static const char *say(form *f, const char *key)
{
    return vg_public_text(f->p, f->young, key);
}

static int at_fault(const form *f, const char *name)
{
    return f->why && f->why->field && !strcmp(f->why->field, name);
}

/* aria-describedby of a field: its hint and its error, when it has them. */
static void described(form *f, const char *name, int hint)
{
    int error = at_fault(f, name);
    if (!hint && !error)
        return;
    vg_page_fmt(f->p, " aria-describedby=\"%s%s%s%s%s\"", hint ? name : "", hint ? "-hint" : "",
                hint && error ? " " : "", error ? name : "", error ? "-error" : "");
    if (error)
        vg_page_put(f->p, " aria-invalid=\"true\"");
}

/* The sentence of the refusal again, at the field at fault. */
static void field_error(form *f, const char *name)
{
    if (!at_fault(f, name))
        return;
    vg_page_fmt(f->p, "<p class=\"field-error\" id=\"%s-error\">", name);
    vg_page_put(f->p, f->why->html);
    vg_page_put(f->p, "</p>");
}

/* <label for=name>, its hint and its error when it has them. */
static void label(form *f, const char *name, const char *label_key, const char *hint_key)
{
    vg_page *p = f->p;
    vg_page_fmt(p, "<label for=\"%s\">", name);
    vg_page_text(p, say(f, label_key));
    vg_page_put(p, "</label>");
    if (hint_key) {
        vg_page_fmt(p, "<p class=\"hint\" id=\"%s-hint\">", name);
        vg_page_text(p, say(f, hint_key));
        vg_page_put(p, "</p>");
    }
    field_error(f, name);
}

/* A labelled text field (an <input>, or a <textarea>), filled with the
 * visitor's earlier answer. */
static void field(form *f, const char *name, const char *label_key, const char *hint_key,
                  int textarea, const char *autocomplete)
{
    vg_page *p = f->p;
    label(f, name, label_key, hint_key);
    vg_page_fmt(p, textarea ? "<textarea rows=\"4\" name=\"%s\" id=\"%s\" autocomplete=\"%s\""
                            : "<input type=\"text\" name=\"%s\" id=\"%s\" autocomplete=\"%s\"",
                name, name, autocomplete ? autocomplete : "off");
    described(f, name, hint_key != NULL);
    if (textarea) {
        vg_page_put(p, ">");
        vg_page_text(p, previous(f->req, name));
        vg_page_put(p, "</textarea>");
    } else {
        vg_page_put(p, " value=\"");
        vg_page_text(p, previous(f->req, name));
        vg_page_put(p, "\">");
    }
}

static void file_field(form *f, const char *hint_key)
{
    vg_page *p = f->p;
    vg_page_put(p, "<label for=\"file\">");
    vg_page_text(p, say(f, "field.file"));
    vg_page_put(p, "</label><p class=\"hint\" id=\"file-hint\">");
    vg_page_text(p, say(f, hint_key));
    vg_page_put(p, "</p>");
    if (f->why && f->why->file_again) {
        /* Said at the field, where one chooses it again. */
        vg_page_put(p, "<p class=\"field-error\" id=\"file-error\">");
        vg_page_text(p, say(f, "error.file_again"));
        vg_page_put(p, "</p>");
    }
    field_error(f, "file");
    vg_page_put(p, "<input type=\"file\" name=\"file\" id=\"file\" aria-describedby=\"file-hint");
    if ((f->why && f->why->file_again) || at_fault(f, "file"))
        vg_page_put(p, " file-error\" aria-invalid=\"true");
    vg_page_put(p, "\">");
}

/* A choice of vocabulary terms as a <select> (label_key, then prefix.code
 * for each option). */
static void choice(form *f, const char *name, const char *label_key, const char *hint_key,
                   const vg_term *terms, const char *prefix)
{
    vg_page *p = f->p;
    label(f, name, label_key, hint_key);
    vg_page_fmt(p, "<select name=\"%s\" id=\"%s\"", name, name);
    described(f, name, hint_key != NULL);
    vg_page_put(p, "><option value=\"\"></option>");
    const char *chosen = previous(f->req, name);
    for (size_t i = 0; terms[i].code; i++) {
        char key[64];
        snprintf(key, sizeof key, "%s.%s", prefix, terms[i].code);
        vg_page_fmt(p, "<option value=\"%s\"%s>", terms[i].code,
                    strcmp(chosen, terms[i].code) == 0 ? " selected" : "");
        vg_page_text(p, say(f, key));
        vg_page_put(p, "</option>");
    }
    vg_page_put(p, "</select>");
}

/* "A child is in danger right now": the report goes first in the queue and
 * whoever is on duty is alerted at once (hotline/alerts.h). The hint names
 * the police number too, because an alert to the hotline is no substitute
 * for a call when a child is being hurt. */
static void danger_box(vg_public *pub, form *f)
{
    vg_page *p = f->p;
    const char *was = previous(f->req, "danger");
    vg_page_put(p, "<div class=\"danger\"><label for=\"danger\"><input type=\"checkbox\" "
                   "name=\"danger\" id=\"danger\" value=\"1\" aria-describedby=\"danger-hint\"");
    if (*was)
        vg_page_put(p, " checked");
    vg_page_put(p, "> ");
    vg_page_text(p, say(f, "field.danger"));
    vg_page_put(p, "</label><p class=\"hint\" id=\"danger-hint\">");
    char href[40];
    vg_public_tel_href(pub->emergency, href);
    const vg_public_arg police = {"number", pub->emergency, href};
    vg_public_say(p, f->young, "field.danger.hint", &police, 1);
    vg_page_put(p, "</p></div>");
}

static void form_open(form *f)
{
    vg_page_put(f->p, "<form method=\"post\" action=\"/report\" enctype=\"multipart/form-data\" "
                      "accept-charset=\"utf-8\" novalidate>");
    hidden(f->p, "csrf_token", vg_http_csrf_token(f->req));
    hidden(f->p, "lang", vg_i18n_code(f->p->lang));
}

/* The reason on top, focused when the page loads (autofocus works without
 * JavaScript), linking to the field at fault. */
static void error_box(form *f)
{
    if (!f->why)
        return;
    vg_page *p = f->p;
    vg_page_put(p, "<div class=\"error\" role=\"alert\" id=\"error\" tabindex=\"-1\" autofocus><h2>");
    vg_page_text(p, say(f, "report.error_title"));
    vg_page_put(p, "</h2><p>");
    if (f->why->field)
        vg_page_fmt(p, "<a href=\"#%s\">", f->why->field);
    vg_page_put(p, f->why->html);
    if (f->why->field)
        vg_page_put(p, "</a>");
    vg_page_put(p, "</p>");
    if (f->why->file_again) {
        vg_page_put(p, "<p><a href=\"#file\">");
        vg_page_text(p, say(f, "error.file_again"));
        vg_page_put(p, "</a></p>");
    }
    vg_page_put(p, "</div>");
}

static void list(form *f, const char *const *keys, size_t count)
{
    vg_page_put(f->p, "<ul>");
    for (size_t i = 0; i < count; i++) {
        vg_page_put(f->p, "<li>");
        vg_page_text(f->p, say(f, keys[i]));
        vg_page_put(f->p, "</li>");
    }
    vg_page_put(f->p, "</ul>");
}

/* The "an image of me" path: the reporter is a young person asking for help. */
static void render_me(vg_public *pub, form *f)
{
    vg_page *p = f->p;
    vg_public_page_open(pub, p, f->req, "me.title", "/report?about=me", 1);
    vg_page_put(p, "<h1>");
    vg_page_t(p, "me.title");
    vg_page_put(p, "</h1><p>");
    vg_page_t(p, "me.not_your_fault");
    vg_page_put(p, "</p><p>");
    vg_page_t(p, "me.we_help");
    vg_page_put(p, "</p>");
    error_box(f);
    vg_page_put(p, "<section aria-labelledby=\"threats\"><h2 id=\"threats\">");
    vg_page_t(p, "me.threat.title");
    vg_page_put(p, "</h2>");
    static const char *const advice[] = {"me.threat.pay", "me.threat.keep", "me.threat.block",
                                         "me.threat.tell"};
    list(f, advice, sizeof advice / sizeof advice[0]);
    vg_page_put(p, "</section><h2>");
    vg_page_t(p, "me.form_title");
    vg_page_put(p, "</h2>");
    form_open(f);
    hidden(p, "about", "me");
    hidden(p, "category", VG_CATEGORY_IMAGE_OF_ME);
    hidden(p, "reporter_kind", "depicted");
    field(f, "urls", "me.where", NULL, 1, NULL);
    field(f, "platform", "field.platform", NULL, 0, NULL);
    field(f, "account", "field.account", NULL, 0, NULL);
    choice(f, "reporter_age", "me.age", "me.age.hint", vg_reporter_age_terms, "age");
    danger_box(pub, f);
    file_field(f, "me.file.hint");
    field(f, "contact", "field.contact", "field.contact.hint", 0, "off");
    vg_page_put(p, "<button type=\"submit\">");
    vg_page_t(p, "me.submit");
    vg_page_put(p, "</button></form>");
    vg_public_helplines(pub, p, 1);
    vg_page_put(p, "<p><a href=\"");
    vg_public_href(p, "/report");
    vg_page_put(p, "\">");
    vg_page_t(p, "me.other_form");
    vg_page_put(p, "</a></p>");
}

static void render_full(vg_public *pub, form *f)
{
    vg_page *p = f->p;
    vg_public_page_open(pub, p, f->req, "report.title", "/report", 0);
    vg_page_put(p, "<h1>");
    vg_page_t(p, "report.title");
    vg_page_put(p, "</h1><p>");
    vg_page_t(p, "report.intro");
    vg_page_put(p, "</p><p>");
    vg_page_t(p, "report.anonymous");
    vg_page_put(p, "</p><p><strong>");
    vg_page_t(p, "report.do_not_search");
    vg_page_put(p, "</strong></p><p><a href=\"");
    vg_public_href(p, "/report?about=me");
    vg_page_put(p, "\">");
    vg_page_t(p, "report.me_link");
    vg_page_put(p, "</a></p>");
    error_box(f);
    form_open(f);
    vg_page_put(p, "<p>");
    vg_page_t(p, "report.required_note");
    vg_page_put(p, "</p><fieldset");
    if (at_fault(f, "category"))
        vg_page_put(p, " aria-describedby=\"category-error\"");
    vg_page_put(p, "><legend>");
    vg_page_t(p, "report.about");
    vg_page_put(p, "</legend>");
    field_error(f, "category");
    const char *chosen = previous(f->req, "category");
    for (size_t i = 0; vg_category_terms[i].code; i++) {
        const char *c = vg_category_terms[i].code;
        char key[64];
        snprintf(key, sizeof key, "category.%s", c);
        vg_page_fmt(p, "<label><input type=\"radio\" name=\"category\" value=\"%s\"%s> ", c,
                    strcmp(chosen, c) == 0 ? " checked" : "");
        vg_page_t(p, key);
        vg_page_put(p, "</label>");
    }
    vg_page_put(p, "</fieldset>");
    danger_box(pub, f);
    vg_page_put(p, "<fieldset><legend>");
    vg_page_t(p, "report.where");
    vg_page_put(p, "</legend>");
    field(f, "urls", "field.urls", "field.urls.hint", 1, NULL);
    field(f, "platform", "field.platform", NULL, 0, NULL);
    field(f, "account", "field.account", NULL, 0, NULL);
    field(f, "occurred_at", "field.occurred_at", NULL, 0, NULL);
    vg_page_put(p, "</fieldset>");
    field(f, "description", "field.description", NULL, 1, NULL);
    file_field(f, "field.file.hint");
    vg_page_put(p, "<fieldset><legend>");
    vg_page_t(p, "report.you");
    vg_page_put(p, "</legend>");
    choice(f, "reporter_kind", "field.reporter_kind", NULL, vg_reporter_kind_terms, "kind");
    field(f, "country", "field.country", NULL, 0, "country-name");
    field(f, "contact", "field.contact", "field.contact.hint", 0, "off");
    vg_page_put(p, "</fieldset><button type=\"submit\">");
    vg_page_t(p, "report.submit");
    vg_page_put(p, "</button></form>");
}

static void render(vg_public *pub, vg_http_request *req, const refusal *why, unsigned status)
{
    vg_page p = {0};
    form f = {&p, req, vg_public_young(req), why};
    if (f.young)
        render_me(pub, &f);
    else
        render_full(pub, &f);
    vg_public_page_send(pub, &p, req, status, f.young);
}

void vg_public_report_get(vg_http_request *req)
{
    render(vg_http_route_ctx(req), req, NULL, 200);
}

/* Refuse with the form again, the visitor's answers kept, the reason on
 * top and at field. */
static void refuse(vg_public *pub, vg_http_request *req, const char *key, const char *detail,
                   const char *field_name, int file_sent, unsigned status)
{
    vg_page p = {0};
    vg_public_page_lang(pub, &p, req);
    vg_page_text(&p, vg_public_text(&p, vg_public_young(req), key));
    if (detail) {
        vg_page_put(&p, " ");
        vg_page_text(&p, detail);
    }
    if (p.html.failed) {
        vg_html_free(&p.html);
        vg_public_error_page(pub, req, 500);
        return;
    }
    refusal why = {p.html.buf, field_name, file_sent};
    render(pub, req, &why, status);
    vg_html_free(&p.html);
}

void vg_public_report_refused(vg_public *pub, vg_http_request *req, unsigned status)
{
    const char *key = status == 403   ? "error.expired"
                      : status == 429 ? "error.too_many"
                      : status == 413 || status == 408 ? "error.too_large"
                                                       : "error.bad_request";
    /* The layer read no file into a report: one chosen must be chosen again. */
    refuse(pub, req, key, NULL, NULL, 1, status);
}

vg_status vg_public_report_file(vg_http_request *req, const char *field, const char *filename,
                                const char *content_type, const void *data, size_t size,
                                uint64_t offset, vg_error *msg)
{
    (void)content_type;
    vg_public *pub = vg_http_route_ctx(req);
    return vg_uploads_receive(pub->hotline, req, field, filename, data, size, offset, msg);
}

/* The report as a draft, or the refusal; 1 when d is ready to submit. */
static int read_report(vg_public *pub, vg_http_request *req, vg_intake_draft *d, char *extra,
                       size_t extra_size)
{
    vg_error err;
    /* The files first: a refused form says whether one must be chosen again. */
    vg_status files = vg_uploads_take(req, d, &err);
    int file_sent = files != VG_OK || d->report.file_count > 0;
    if (files != VG_OK) {
        refuse(pub, req, "error.file", NULL, "file", 0, 400);
        return 0;
    }
    const struct {
        const char *name;
        const vg_term *terms;
    } choices[] = {{"category", vg_category_terms},
                   {"reporter_kind", vg_reporter_kind_terms},
                   {"reporter_age", vg_reporter_age_terms}};
    for (size_t i = 0; i < sizeof choices / sizeof choices[0]; i++) {
        const char *v = vg_http_param(req, choices[i].name);
        if (v && *v && !vg_term_find(choices[i].terms, v)) {
            refuse(pub, req, "error.choice", NULL, choices[i].name, file_sent, 400);
            return 0;
        }
    }
    const struct {
        const char **slot;
        const char *name;
        size_t max;
    } texts[] = {
        {&d->report.category, "category", VG_INTAKE_MAX_FIELD},
        {&d->report.reporter_kind, "reporter_kind", VG_INTAKE_MAX_FIELD},
        {&d->report.platform, "platform", VG_INTAKE_MAX_FIELD},
        {&d->report.account, "account", VG_INTAKE_MAX_FIELD},
        {&d->report.occurred_at, "occurred_at", VG_INTAKE_MAX_FIELD},
        {&d->report.description, "description", VG_INTAKE_MAX_TEXT},
        {&d->report.country, "country", VG_INTAKE_MAX_FIELD},
        {&d->report.contact, "contact", VG_INTAKE_MAX_FIELD},
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        if (vg_intake_draft_text(d, texts[i].slot, vg_http_param(req, texts[i].name),
                                 texts[i].max, &err) != VG_OK) {
            refuse(pub, req, "error.too_long", NULL, texts[i].name, file_sent, 400);
            return 0;
        }
    }
    const char *age = vg_http_param(req, "reporter_age");
    if (age && *age) {
        /* A vocabulary code: nothing in it needs escaping in JSON. */
        snprintf(extra, extra_size, "{\"reporter_age\":\"%s\"}", age);
        d->report.extra_json = extra;
    }
    d->report.language = vg_i18n_code(vg_page_lang(pub->i18n, req));
    const char *danger = vg_http_param(req, "danger");
    d->report.danger = danger && *danger;

    /* One URL per line; blank lines are nothing. */
    const char *urls = vg_http_param(req, "urls");
    while (urls && *urls) {
        size_t n = strcspn(urls, "\r\n");
        char *line = strndup(urls, n);
        vg_status st = VG_OK;
        if (!line) {
            st = vg_error_set(&err, VG_ERR_NOMEM, "out of memory");
        } else {
            size_t start = strspn(line, " \t");
            if (line[start])
                st = vg_intake_draft_url(d, line + start, &err);
        }
        /* The address as the visitor typed it, not the parser's English. */
        if (st != VG_OK)
            refuse(pub, req, "error.url", line ? line + strspn(line, " \t") : NULL, "urls",
                   file_sent, 400);
        free(line);
        if (st != VG_OK)
            return 0;
        urls += n;
        urls += strspn(urls, "\r\n");
    }
    if (!vg_intake_draft_locates(d)) {
        refuse(pub, req, "error.location", NULL, "urls", file_sent, 400);
        return 0;
    }
    return 1;
}

void vg_public_report_post(vg_http_request *req)
{
    vg_public *pub = vg_http_route_ctx(req);
    vg_hotline *h = pub->hotline;
    vg_intake_draft d;
    vg_error err;
    char extra[64];
    if (vg_intake_draft_init(&d, "web", &err) != VG_OK) {
        vg_public_error_page(pub, req, 503);
        return;
    }
    if (!read_report(pub, req, &d, extra, sizeof extra)) {
        vg_intake_draft_free(h, &d);
        return;
    }
    /* Only when the operator chose to keep them (vg_http_client_address
     * is NULL otherwise). */
    d.report.client_ip = vg_http_client_address(req);
    if (pub->store_client_address)
        d.report.user_agent = vg_http_header(req, "User-Agent");

    int64_t now = (int64_t)time(NULL);
    vg_report_ack ack = {0};
    if (vg_hotline_submit(h, &d, NULL, now, &ack, &err) != VG_OK) {
        vg_http_log(vg_http_server(req), "error", "report not stored");
        vg_http_error_page(req, 503,
                           "Your report could not be saved just now. Please try again in a "
                           "few minutes.");
        vg_intake_draft_free(h, &d);
        return;
    }
    vg_report_ack_clear(&ack);
    vg_public_receipt r = {.young = vg_public_young(req), .expires = now + pub->receipt_seconds};
    snprintf(r.code, sizeof r.code, "%s", d.receipt_code);
    snprintf(r.secret, sizeof r.secret, "%s", d.receipt_secret);
    vg_public_receipt_keep(pub, req, &r);
    vg_secure_wipe(&r, sizeof r);
    vg_intake_draft_free(h, &d);
    vg_page p = {0};
    vg_public_page_lang(pub, &p, req);
    char location[48];
    snprintf(location, sizeof location, "/report/receipt?lang=%s", vg_i18n_code(p.lang));
    vg_http_redirect(req, location);
}

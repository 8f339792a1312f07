/*
 * src/server/intake_page.h - HTML pages of the public intake (report form,
 * receipt, status), in the visitor's language.
 *
 * Pages are plain HTML that work without JavaScript, with one small inline
 * style sheet (contrast at least 7:1, visible focus, large targets). Every
 * text from a catalogue or a visitor is escaped on the way in.
 */
#ifndef VIGIE_SERVER_INTAKE_PAGE_H
#define VIGIE_SERVER_INTAKE_PAGE_H

#include "server/html.h"
#include "server/http.h"
#include "server/i18n.h"
#include "server/intake.h"

typedef struct vg_page {
    vg_html html;
    const vg_i18n_lang *lang;
} vg_page;

/* The visitor's language: the form's or query's "lang", else Accept-Language. */
const vg_i18n_lang *vg_page_lang(vg_intake *in, vg_http_request *req);
/* Raw HTML (trusted, from our code). */
void vg_page_put(vg_page *p, const char *html);
/* Text, escaped. */
void vg_page_text(vg_page *p, const char *text);
/* The catalogue text of key, escaped. */
void vg_page_t(vg_page *p, const char *key);
/* The catalogue text of key with "{helpline}" replaced by a link. */
void vg_page_t_helpline(vg_page *p, vg_intake *in, const char *key);
/* <!doctype>... <main>, with links to the other languages of path. */
void vg_page_start(vg_page *p, vg_intake *in, const char *title_key, const char *path);
/* Close the page and send it (500 when building it ran out of memory). */
void vg_page_send(vg_page *p, vg_http_request *req, unsigned status);

/* Route modules' pages. */
void vg_status_page_get(vg_http_request *req);
void vg_status_page_post(vg_http_request *req);

#endif

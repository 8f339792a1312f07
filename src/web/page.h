/*
 * src/web/page.h - the one frame of every page vigie serves.
 *
 * Public pages (the home page, the report form, the status page) speak the
 * visitor's language, written the way it is read (dir="rtl" for Arabic),
 * with a switch to every other language; what their header and footer say
 * is the public module's (src/server/public). Staff pages (sign-in, the
 * console) carry a header with the navigation and the signed-in person.
 * Staff pages speak the person's language too: the one chosen on their
 * account, else their browser's (vg_page_staff_lang).
 * Both are plain HTML that works without JavaScript, with one small inline
 * style sheet: contrast at least 7:1, a visible keyboard focus, large
 * targets. Every text from a catalogue or a visitor is escaped on the way
 * in.
 */
#ifndef VIGIE_WEB_PAGE_H
#define VIGIE_WEB_PAGE_H

#include <stddef.h>

#include "web/html.h"
#include "web/http.h"
#include "web/i18n.h"

typedef enum vg_page_kind {
    VG_PAGE_PUBLIC = 0, /* the public's pages, in the catalogue languages */
    VG_PAGE_STAFF,      /* sign-in and the console */
} vg_page_kind;

typedef struct vg_page_link {
    const char *href, *label;
} vg_page_link;

typedef struct vg_page_frame {
    vg_page_kind kind;
    const char *title; /* in the page's language, escaped by the frame */
    /* both: the catalogues (staff pages without them are in English);
     * public: the address the language links point to, the
     * site's name (after the title; NULL: the catalogue's site.name), and
     * raw HTML of the caller's (may be NULL): header_html opens the page's
     * <header>, before the language switch; banner_html follows the
     * header, before <main>. */
    const vg_i18n *i18n;
    const char *path;
    const char *site;
    const char *header_html, *banner_html;
    /* staff: the navigation (may be empty), the current address, and the
     * signed-in person (NULL on the sign-in pages) */
    const vg_page_link *nav;
    size_t nav_count;
    const char *current;
    const char *user, *role;
} vg_page_frame;

typedef struct vg_page {
    vg_html html;
    const vg_i18n_lang *lang; /* the reader's language (staff pages: NULL until
                               * vg_page_open when frame.i18n is given) */
    vg_page_kind kind;
    /* public pages: raw HTML of the <footer> (NULL: none), borrowed until
     * vg_page_send */
    const char *footer_html;
} vg_page;

/* The visitor's language: the form's or the query's "lang", else the best
 * match of Accept-Language, else English. */
const vg_i18n_lang *vg_page_lang(const vg_i18n *i18n, vg_http_request *req);

/* A staff page's language: the one the signed-in person chose on their
 * account when a catalogue has it; else, for a person, the best match of
 * Accept-Language; for nobody yet (sign-in), vg_page_lang. Never NULL. */
const vg_i18n_lang *vg_page_staff_lang(const vg_i18n *i18n, vg_http_request *req);
/* The catalogue text of key in the page's language (not escaped; owned by
 * the catalogue), or english when the page has no language. */
const char *vg_page_tr(const vg_page *p, const char *key, const char *english);
/* The catalogue text of key in the page's language with each {names[i]}
 * replaced by values[i] (escaped); t1: one placeholder. */
void vg_page_tv(vg_page *p, const char *key, size_t n, const char *const names[],
                const char *const values[]);
void vg_page_t1(vg_page *p, const char *key, const char *name, const char *value);
/* A table's column headers (<th scope="col">), each the catalogue text of
 * keys[i] in the page's language, for i in [0, n). */
void vg_page_th_cols(vg_page *p, const char *const *keys, size_t n);

/* Open the page: <!doctype> ... <main>, then the <h1> title for staff
 * pages (public pages write their own headings). */
void vg_page_open(vg_page *p, vg_http_request *req, const vg_page_frame *frame);
/* Close and send it (500 when building it ran out of memory). */
void vg_page_send(vg_page *p, vg_http_request *req, unsigned status);

void vg_page_put(vg_page *p, const char *html);  /* raw HTML (trusted, ours) */
void vg_page_text(vg_page *p, const char *text); /* text, escaped */
void vg_page_fmt(vg_page *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The catalogue text of key, escaped. */
void vg_page_t(vg_page *p, const char *key);
/* The hidden CSRF field of the caller's forms. */
void vg_page_csrf(vg_page *p, vg_http_request *req);

#endif

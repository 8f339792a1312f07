/*
 * src/server/public/public.h - the public's pages, in every catalogue
 * language, without an account and without JavaScript: the home page and
 * the privacy notice (home.c), the report form (report_form.c), the receipt
 * that follows it (receipt.c), the status page (status_page.c), the yearly
 * transparency report (transparency.c), the stop page a blocked address
 * leads to and its form to report an error (stop_page.c), and the
 * hook rendering the module's error pages (errors.c).
 *
 * Every page is in the public frame (page.c): a quick exit to a neutral
 * site, the hotline's name, the language switch, "if a child is in danger
 * right now, call the police" with the number, and a footer saying who runs
 * the service and where the privacy notice is. What the hotline is called,
 * who runs it, the numbers and the helplines come from the configuration
 * (docs/server.md, "Public pages"); the words around them from i18n/.
 *
 * Two voices: pages for a young person whose own picture is online (the
 * "image of me" path) speak to them as a friend would (French "tu"), with
 * the texts whose keys begin with "me."; the others speak to adults.
 */
#ifndef VIGIE_SERVER_PUBLIC_H
#define VIGIE_SERVER_PUBLIC_H

#include "server/server.h"
#include "util/sealed.h"
#include "web/page.h"

/* A helpline for children in the hotline's country (helpline.N.*). */
typedef struct vg_public_helpline {
    char *name;   /* "Allô Enfance en Danger" */
    char *number; /* "119": called with a tel: link */
    char *url;    /* its site, or NULL */
    char *topic;  /* "children" or "online": the catalogue says what it is for */
} vg_public_helpline;

#define VG_PUBLIC_MAX_HELPLINES 9

typedef struct vg_public {
    vg_hotline *hotline; /* the server's */
    const vg_i18n *i18n; /* the server's */
    char *name;          /* public.name, or NULL: each language's site.name */
    char *operator_name; /* public.operator: who runs the service, or NULL */
    char *operator_url;  /* public.operator_url, or NULL */
    char *contact;       /* public.contact: where to ask about one's data, or NULL */
    char *emergency;     /* public.emergency_number: the police (112) */
    char *quick_exit;    /* public.quick_exit_url: a neutral site */
    /* report.helpline_name, report.helpline_url: helplines elsewhere */
    char *directory_name, *directory_url;
    vg_public_helpline helplines[VG_PUBLIC_MAX_HELPLINES];
    size_t helpline_count;
    int64_t check_back_days;  /* public.check_back_days */
    int64_t receipt_seconds;  /* public.receipt_minutes: how long a receipt shows again */
    vg_sealer *receipts; /* seals receipts in the visitor's cookie (receipt.c) */
    uint64_t max_request_bytes;
    int store_client_address; /* privacy.store_client_address: keep address and browser */
    int64_t suppress_below;   /* transparency.suppress_below: smaller counts are not published */
    /* blocklist.help: services for people worried about their own sexual
     * thoughts about children, shown on the stop page (topic NULL; number
     * or url may be NULL, not both) */
    vg_public_helpline stop_help[VG_PUBLIC_MAX_HELPLINES];
    size_t stop_help_count;
    char *stop_host; /* blocklist.stop_host: every address of this Host is the stop page */
} vg_public;

vg_status vg_public_open(vg_server *srv, void **state, vg_error *err);
vg_status vg_public_routes(vg_server *srv, void *state, vg_error *err);
void vg_public_free(void *state);

/* ---- what the pages share (page.c) ------------------------------------ */

/* A value for a {name} placeholder: text, linked to href when href is not
 * NULL. */
typedef struct vg_public_arg {
    const char *name, *text, *href;
} vg_public_arg;

/* The visitor's language (vg_page_lang) into p->lang. */
void vg_public_page_lang(vg_public *pub, vg_page *p, vg_http_request *req);
/* Open a public page (its language already in p->lang, or chosen here)
 * titled by the catalogue key title_key, whose language links point to
 * path; young: in the voice of the "image of me" path. */
void vg_public_page_open(vg_public *pub, vg_page *p, vg_http_request *req, const char *title_key,
                         const char *path, int young);
/* Close it with the public footer and send it. */
void vg_public_page_send(vg_public *pub, vg_page *p, vg_http_request *req, unsigned status,
                         int young);
/* The catalogue text of key in the page's language and voice: "me." + key
 * when young and the catalogues have it. */
const char *vg_public_text(const vg_page *p, int young, const char *key);
/* The text of key written with its placeholders filled (escaped). */
void vg_public_say(vg_page *p, int young, const char *key, const vg_public_arg *args,
                   size_t count);
/* "tel:" and number without its spaces, into out (a link a phone dials). */
void vg_public_tel_href(const char *number, char out[40]);
/* A local address with the page's language: path?lang=xx (escaped). */
void vg_public_href(vg_page *p, const char *path);
/* The national helplines and the directory of helplines elsewhere. */
void vg_public_helplines(vg_public *pub, vg_page *p, int young);
/* A whole error page of the public frame for status (the hook of errors.c
 * renders the layer's refusals with it too). */
void vg_public_error_page(vg_public *pub, vg_http_request *req, unsigned status);
/* "image of me" path: the request says so (?about=me, or the form's
 * "about" field). */
int vg_public_young(vg_http_request *req);

/* ---- receipts (receipt.c) --------------------------------------------- */

/* A receipt as the visitor's browser holds it for a short while. */
typedef struct vg_public_receipt {
    char code[16], secret[32];
    int young;
    int64_t expires;
} vg_public_receipt;

/* Seal r into the receipt cookie of the response. */
void vg_public_receipt_keep(vg_public *pub, vg_http_request *req, const vg_public_receipt *r);
/* The receipt of the request's cookie when it is still valid at now:
 * 1 with *r filled, else 0. */
int vg_public_receipt_read(vg_public *pub, vg_http_request *req, int64_t now,
                           vg_public_receipt *r);

/* ---- the handlers ----------------------------------------------------- */

void vg_public_home_get(vg_http_request *req);
void vg_public_privacy_get(vg_http_request *req);
void vg_public_report_get(vg_http_request *req);
void vg_public_report_post(vg_http_request *req);
vg_status vg_public_report_file(vg_http_request *req, const char *field, const char *filename,
                                const char *content_type, const void *data, size_t size,
                                uint64_t offset, vg_error *msg);
void vg_public_receipt_get(vg_http_request *req);
void vg_public_receipt_post(vg_http_request *req);
void vg_public_status_get(vg_http_request *req);
/* GET /transparency/report?year=YYYY (transparency.c). */
void vg_public_transparency_get(vg_http_request *req);
void vg_public_status_post(vg_http_request *req);
/* /notice/{token}: a host acknowledges a notice (notice_page.c). */
void vg_public_notice_get(vg_http_request *req);
void vg_public_notice_post(vg_http_request *req);

/* GET /stop and POST /stop/appeal (stop_page.c). */
void vg_public_stop_get(vg_http_request *req);
void vg_public_stop_appeal_post(vg_http_request *req);
/* The stop page's form again after the layer refused its post, what was
 * typed kept. */
void vg_public_stop_refused(vg_public *pub, vg_http_request *req, unsigned status);

/* The report form again after the layer refused its post (403: the form's
 * token, 413: too large, 429: too many), the visitor's answers kept when
 * they came. */
void vg_public_report_refused(vg_public *pub, vg_http_request *req, unsigned status);
/* The status form again after the layer refused its post. */
void vg_public_status_refused(vg_public *pub, vg_http_request *req, unsigned status);
/* The error-page hook of the module's addresses (web/http.h). */
void vg_public_error_hook(void *ctx, vg_http_request *req, unsigned status, const char *message);

#endif

/*
 * src/server/public/receipt.c - the receipt after a report: GET and POST
 * /report/receipt.
 *
 * The report form posts, then redirects here (post, redirect, get), so a
 * reload or Back never sends the report twice. The code and the secret
 * cannot go in the address (history, logs, referrers) nor be kept by the
 * server (only the secret's hash is stored), so the visitor's own browser
 * holds them for a short while (public.receipt_minutes): sealed
 * (XChaCha20-Poly1305 under a key derived from the server's secret) in a
 * cookie sent back only to /report and below. Reloading the page, or
 * switching its language, shows the same receipt and creates nothing;
 * after that while, or once the visitor says they noted it (POST), the
 * page only says where to check a report.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server/public/public.h"
#include "util/secure.h"

#define RECEIPT_COOKIE "vigie_receipt"
#define RECEIPT_PATH "/report"

void vg_public_receipt_keep(vg_public *pub, vg_http_request *req, const vg_public_receipt *r)
{
    char plain[128];
    int n = snprintf(plain, sizeof plain, "1 %s %s %d %" PRId64, r->code, r->secret, r->young,
                     r->expires);
    char *sealed = n > 0 && (size_t)n < sizeof plain ? vg_seal(pub->receipts, plain) : NULL;
    vg_secure_wipe(plain, sizeof plain);
    if (!sealed) /* the page then says the receipt is gone: nothing is sent twice */
        return;
    vg_http_set_cookie_at(req, RECEIPT_COOKIE, sealed, (int)pub->receipt_seconds, RECEIPT_PATH);
    free(sealed);
}

int vg_public_receipt_read(vg_public *pub, vg_http_request *req, int64_t now,
                           vg_public_receipt *r)
{
    const char *cookie = vg_http_cookie(req, RECEIPT_COOKIE);
    char *plain = NULL;
    int legacy = 0, ok = 0;
    vg_error err;
    memset(r, 0, sizeof *r);
    if (!cookie || vg_unseal(pub->receipts, cookie, &plain, &legacy, &err) != VG_OK)
        return 0;
    /* Only what this module sealed: never an unsealed value. */
    if (!legacy) {
        int version = 0, end = 0;
        ok = sscanf(plain, "%d %15s %31s %d %" SCNd64 "%n", &version, r->code, r->secret,
                    &r->young, &r->expires, &end) == 5 &&
             version == 1 && plain[end] == 0 && now < r->expires;
    }
    vg_sealed_free(plain);
    if (!ok)
        vg_secure_wipe(r, sizeof *r);
    return ok;
}

/* The receipt: code, secret, what happens next, when to check back. */
static void receipt_page(vg_public *pub, vg_http_request *req, vg_page *p,
                         const vg_public_receipt *r, int64_t now)
{
    int young = r->young;
    vg_public_page_open(pub, p, req, "receipt.title", "/report/receipt", young);
    vg_page_put(p, "<h1>");
    vg_page_text(p, vg_public_text(p, young, "receipt.title"));
    vg_page_put(p, "</h1><p>");
    vg_page_text(p, vg_public_text(p, young, "receipt.keep"));
    vg_page_put(p, "</p><dl><dt>");
    vg_page_text(p, vg_public_text(p, young, "receipt.code"));
    vg_page_put(p, "</dt><dd class=\"receipt\" id=\"receipt-code\">");
    vg_page_text(p, r->code);
    vg_page_put(p, "</dd><dt>");
    vg_page_text(p, vg_public_text(p, young, "receipt.secret"));
    vg_page_put(p, "</dt><dd class=\"receipt\" id=\"receipt-secret\">");
    vg_page_text(p, r->secret);
    vg_page_put(p, "</dd></dl><p class=\"notice\">");
    char minutes[24], days[24];
    int64_t left = (r->expires - now + 59) / 60;
    snprintf(minutes, sizeof minutes, "%" PRId64, left < 1 ? 1 : left);
    snprintf(days, sizeof days, "%" PRId64, pub->check_back_days);
    vg_public_arg kept = {"minutes", minutes, NULL};
    vg_public_say(p, young, "receipt.kept_for", &kept, 1);
    vg_page_put(p, "</p><h2>");
    vg_page_text(p, vg_public_text(p, young, "receipt.next_title"));
    vg_page_put(p, "</h2><p>");
    vg_page_text(p, vg_public_text(p, young, "receipt.next"));
    vg_page_put(p, "</p><p>");
    vg_public_arg when = {"days", days, NULL};
    vg_public_say(p, young, "receipt.check_back", &when, 1);
    vg_page_put(p, "</p><p><a href=\"");
    vg_public_href(p, young ? "/status?about=me" : "/status");
    vg_page_put(p, "\">");
    vg_page_text(p, vg_public_text(p, young, "receipt.check"));
    vg_page_put(p, "</a></p>");
    if (young)
        vg_public_helplines(pub, p, young);
    /* On a shared device, nobody after them should find the receipt. */
    vg_page_put(p, "<form method=\"post\" action=\"/report/receipt\">");
    vg_page_csrf(p, req);
    vg_page_put(p, "<input type=\"hidden\" name=\"lang\" value=\"");
    vg_page_text(p, vg_i18n_code(p->lang));
    vg_page_put(p, "\"><button type=\"submit\" class=\"plain\">");
    vg_page_text(p, vg_public_text(p, young, "receipt.forget"));
    vg_page_put(p, "</button></form>");
}

/* No receipt to show (it expired, was forgotten, or never was). */
static void gone_page(vg_public *pub, vg_http_request *req, vg_page *p, int forgotten)
{
    vg_public_page_open(pub, p, req, "receipt.gone_title", "/report/receipt", 0);
    vg_page_put(p, "<h1>");
    vg_page_t(p, "receipt.gone_title");
    vg_page_put(p, "</h1><p id=\"receipt-gone\">");
    vg_page_t(p, forgotten ? "receipt.forgotten" : "receipt.gone");
    vg_page_put(p, "</p><ul class=\"actions\"><li><a href=\"");
    vg_public_href(p, "/status");
    vg_page_put(p, "\">");
    vg_page_t(p, "home.status");
    vg_page_put(p, "</a></li><li><a href=\"");
    vg_public_href(p, "/report");
    vg_page_put(p, "\">");
    vg_page_t(p, "home.report");
    vg_page_put(p, "</a></li></ul>");
}

void vg_public_receipt_get(vg_http_request *req)
{
    vg_public *pub = vg_http_route_ctx(req);
    int64_t now = (int64_t)time(NULL);
    vg_public_receipt r;
    vg_page p = {0};
    int young = 0;
    if (vg_public_receipt_read(pub, req, now, &r)) {
        young = r.young;
        receipt_page(pub, req, &p, &r, now);
        vg_secure_wipe(&r, sizeof r);
    } else {
        gone_page(pub, req, &p, 0);
    }
    vg_public_page_send(pub, &p, req, 200, young);
}

void vg_public_receipt_post(vg_http_request *req)
{
    vg_public *pub = vg_http_route_ctx(req);
    vg_http_set_cookie_at(req, RECEIPT_COOKIE, "", 0, RECEIPT_PATH);
    vg_page p = {0};
    gone_page(pub, req, &p, 1);
    vg_public_page_send(pub, &p, req, 200, 0);
}

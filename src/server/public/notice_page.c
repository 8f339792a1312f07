/*
 * src/server/public/notice_page.c - GET and POST /notice/{token}: the host
 * that received a notice says it has it, or that it removed the material,
 * without an account (hotline/notices.h). The token is the notice's own
 * secret, from the link in the notice.
 *
 * The page shows the hotline's reference and the URL, nothing else of the
 * report. What the host says is recorded and audited; "removed" only
 * makes vigie check the URL at once: removal is decided on what vigie
 * fetches, never on the host's word alone.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "hotline/notices.h"
#include "server/public/public.h"

static const char *token_of(vg_http_request *req)
{
    return vg_http_path_below(req, "/notice");
}

static void notice_page(vg_http_request *req, const char *said_key)
{
    vg_public *pub = vg_http_route_ctx(req);
    const char *token = token_of(req);
    vg_notice_row n;
    int found = 0;
    vg_error err;
    if (vg_hotline_notice_by_token(pub->hotline, token, &n, &found, &err) != VG_OK) {
        vg_public_error_page(pub, req, 503);
        return;
    }
    if (!found) {
        vg_public_error_page(pub, req, 404);
        return;
    }
    vg_page p = {0};
    char path[96];
    snprintf(path, sizeof path, "/notice/%.64s", token);
    vg_public_page_open(pub, &p, req, "notice.page.title", path, 0);
    vg_page_put(&p, "<h1>");
    vg_page_t(&p, "notice.page.title");
    vg_page_put(&p, "</h1>");
    if (said_key) {
        vg_page_put(&p, "<div role=\"status\" class=\"notice\"><p>");
        vg_page_t(&p, said_key);
        vg_page_put(&p, "</p></div>");
    }
    char reference[48];
    snprintf(reference, sizeof reference, "%" PRId64, n.report_id);
    vg_public_arg args[] = {{"reference", reference, NULL}, {"url", n.url, NULL}};
    vg_page_put(&p, "<p>");
    vg_public_say(&p, 0, "notice.page.intro", args, 2);
    vg_page_put(&p, "</p>");
    static const char *const choices[][2] = {{"ack", "notice.page.ack"},
                                             {"removed", "notice.page.removed"}};
    for (size_t i = 0; i < 2; i++) {
        vg_page_put(&p, "<form method=\"post\" action=\"");
        vg_public_href(&p, path);
        vg_page_put(&p, "\">");
        vg_page_csrf(&p, req);
        vg_page_fmt(&p, "<input type=\"hidden\" name=\"said\" value=\"%s\"><button "
                        "type=\"submit\">",
                    choices[i][0]);
        vg_page_t(&p, choices[i][1]);
        vg_page_put(&p, "</button></form>");
    }
    vg_notice_row_clear(&n);
    vg_public_page_send(pub, &p, req, 200, 0);
}

void vg_public_notice_get(vg_http_request *req)
{
    notice_page(req, NULL);
}

void vg_public_notice_post(vg_http_request *req)
{
    vg_public *pub = vg_http_route_ctx(req);
    const char *said = vg_http_param(req, "said");
    if (!said || (strcmp(said, "ack") && strcmp(said, "removed"))) {
        vg_public_error_page(pub, req, 400);
        return;
    }
    int found = 0;
    vg_error err;
    if (vg_hotline_notice_host_says(pub->hotline, token_of(req), said, (int64_t)time(NULL),
                                    &found, &err) != VG_OK) {
        vg_public_error_page(pub, req, 503);
        return;
    }
    if (!found) {
        vg_public_error_page(pub, req, 404);
        return;
    }
    notice_page(req, "notice.page.thanks");
}

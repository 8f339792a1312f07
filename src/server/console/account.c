/*
 * src/server/console/account.c - /console/account: the signed-in person's
 * own account, where they choose the language of the staff pages.
 *
 * The choice is kept on the account (hotline/accounts.h, audited as
 * "account.language"); until one is made the pages follow the browser's
 * Accept-Language (web/page.h, vg_page_staff_lang).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "hotline/accounts.h"
#include "server/console/console.h"

void vg_console_account_page(vg_http_request *req)
{
    vg_console *con = vg_http_route_ctx(req);
    const vg_http_caller *who = vg_http_caller_of(req);
    vg_page p = {0};
    p.lang = vg_server_staff_lang(req);
    vg_console_page_open(&p, req, vg_i18n_get(p.lang, "console.account.title"), "/console/account");
    const char *saved = vg_http_query(req, "saved");
    if (saved && !strcmp(saved, "1")) {
        vg_page_put(&p, "<p class=\"msg\" role=\"status\">");
        vg_page_t(&p, "console.account.saved");
        vg_page_put(&p, "</p>");
    }
    vg_page_put(&p, "<dl><dt>");
    vg_page_t(&p, "console.account.username");
    vg_page_put(&p, "</dt><dd><bdi>");
    vg_page_text(&p, who->username ? who->username : "");
    vg_page_put(&p, "</bdi></dd><dt>");
    vg_page_t(&p, "console.account.role");
    vg_page_put(&p, "</dt><dd>");
    vg_page_text(&p, vg_console_role(p.lang, who->role));
    vg_page_put(&p, "</dd></dl><h2>");
    vg_page_t(&p, "console.account.language");
    vg_page_put(&p, "</h2><form method=\"post\" action=\"/console/account\">");
    vg_page_csrf(&p, req);
    vg_page_put(&p, "<label for=\"language\">");
    vg_page_t(&p, "console.account.language_label");
    vg_page_put(&p, "</label> <select id=\"language\" name=\"language\" "
                    "aria-describedby=\"language-hint\"><option value=\"\"");
    const char *own = who->language;
    const vg_i18n_lang *chosen = own ? vg_i18n_find(con->i18n, own) : NULL;
    vg_page_put(&p, chosen ? ">" : " selected>");
    vg_page_t(&p, "console.account.browser");
    vg_page_put(&p, "</option>");
    for (size_t i = 0; i < vg_i18n_count(con->i18n); i++) {
        const vg_i18n_lang *l = vg_i18n_at(con->i18n, i);
        vg_page_put(&p, "<option value=\"");
        vg_page_text(&p, vg_i18n_code(l));
        vg_page_put(&p, "\" lang=\"");
        vg_page_text(&p, vg_i18n_code(l));
        vg_page_put(&p, l == chosen ? "\" selected>" : "\">");
        vg_page_text(&p, vg_i18n_get(l, "language.name"));
        vg_page_put(&p, "</option>");
    }
    vg_page_put(&p, "</select> <button type=\"submit\" class=\"primary\">");
    vg_page_t(&p, "console.account.save");
    vg_page_put(&p, "</button><p class=\"hint\" id=\"language-hint\">");
    vg_page_t(&p, "console.account.language_hint");
    vg_page_put(&p, "</p></form>");
    vg_page_send(&p, req, 200);
}

void vg_console_account_post(vg_http_request *req)
{
    vg_console *con = vg_http_route_ctx(req);
    const vg_http_caller *who = vg_http_caller_of(req);
    const char *code = vg_http_param(req, "language");
    /* only a catalogue the server ships, or none (the browser's) */
    const vg_i18n_lang *lang = code && *code ? vg_i18n_find(con->i18n, code) : NULL;
    if (!code || (*code && !lang)) {
        vg_http_error_page(req, 400, vg_console_tr(req, "console.account.unknown"));
        return;
    }
    int found = 0;
    vg_error err;
    if (vg_hotline_account_set_language(con->hotline, who->account_id,
                                        lang ? vg_i18n_code(lang) : NULL, who->username,
                                        (int64_t)time(NULL), &found, &err) != VG_OK) {
        vg_console_unavailable(req, &err);
        return;
    }
    if (!found) {
        vg_http_error_page(req, 404, vg_console_tr(req, "console.layer.nothing"));
        return;
    }
    vg_http_redirect(req, "/console/account?saved=1");
}

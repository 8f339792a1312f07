/*
 * src/server/public/home.c - GET / and GET /privacy: what the service is,
 * who runs it, what happens to a report, and what is kept about the
 * people who report. The names and addresses come from the configuration
 * (public.*), the words from the catalogues.
 */
#include <stddef.h>

#include "server/public/public.h"

static void action(vg_page *p, const char *path, const char *key)
{
    vg_page_put(p, "<li><a href=\"");
    vg_public_href(p, path);
    vg_page_put(p, "\">");
    vg_page_t(p, key);
    vg_page_put(p, "</a></li>");
}

void vg_public_home_get(vg_http_request *req)
{
    vg_public *pub = vg_http_route_ctx(req);
    vg_page p = {0};
    vg_public_page_open(pub, &p, req, "home.title", "/", 0);
    vg_page_put(&p, "<h1>");
    vg_page_text(&p, pub->name ? pub->name : vg_i18n_get(p.lang, "site.name"));
    vg_page_put(&p, "</h1><p>");
    vg_page_t(&p, "home.intro");
    vg_page_put(&p, "</p><ul class=\"actions\">");
    action(&p, "/report", "home.report");
    action(&p, "/report?about=me", "home.me");
    action(&p, "/status", "home.status");
    action(&p, "/transparency/report", "home.transparency");
    vg_page_put(&p, "</ul><h2>");
    vg_page_t(&p, "home.next_title");
    vg_page_put(&p, "</h2><ol>");
    static const char *const steps[] = {"home.step.receive", "home.step.assess",
                                        "home.step.act", "home.step.status"};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        vg_page_put(&p, "<li>");
        vg_page_t(&p, steps[i]);
        vg_page_put(&p, "</li>");
    }
    vg_page_put(&p, "</ol><h2>");
    vg_page_t(&p, "home.who_title");
    vg_page_put(&p, "</h2><p>");
    if (pub->operator_name) {
        vg_public_arg who = {"operator", pub->operator_name, pub->operator_url};
        vg_public_say(&p, 0, "page.operator", &who, 1);
    } else {
        vg_page_t(&p, "home.who_unnamed");
    }
    vg_page_put(&p, "</p>");
    vg_public_helplines(pub, &p, 0);
    vg_public_page_send(pub, &p, req, 200, 0);
}

void vg_public_privacy_get(vg_http_request *req)
{
    vg_public *pub = vg_http_route_ctx(req);
    vg_page p = {0};
    int young = vg_public_young(req);
    vg_public_page_open(pub, &p, req, "privacy.title", young ? "/privacy?about=me" : "/privacy",
                        young);
    vg_page_put(&p, "<h1>");
    vg_page_text(&p, vg_public_text(&p, young, "privacy.title"));
    vg_page_put(&p, "</h1>");
    static const char *const paragraphs[] = {"privacy.what", "privacy.files", "privacy.who",
                                             "privacy.how_long"};
    for (size_t i = 0; i < sizeof paragraphs / sizeof paragraphs[0]; i++) {
        vg_page_put(&p, "<p>");
        vg_page_text(&p, vg_public_text(&p, young, paragraphs[i]));
        vg_page_put(&p, "</p>");
    }
    vg_page_put(&p, "<p>");
    vg_page_text(&p, vg_public_text(&p, young, pub->store_client_address
                                                   ? "privacy.address_kept"
                                                   : "privacy.address_not_kept"));
    vg_page_put(&p, "</p>");
    if (pub->contact || pub->operator_name) {
        vg_public_arg args[] = {{"contact", pub->contact ? pub->contact : pub->operator_name,
                                 pub->contact ? NULL : pub->operator_url}};
        vg_page_put(&p, "<p>");
        vg_public_say(&p, young, "privacy.contact", args, 1);
        vg_page_put(&p, "</p>");
    }
    vg_public_page_send(pub, &p, req, 200, young);
}

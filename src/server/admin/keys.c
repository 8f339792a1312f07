/*
 * src/server/admin/keys.c - /console/admin/keys: partner API keys (admin.h).
 * A key is shown once, on the answer that created it; only its prefix is
 * kept readable. Trust (0-100) weighs the key's reports in the queue.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hotline/accounts.h"
#include "server/admin/admin.h"

static int64_t number(const char *text, int64_t max)
{
    if (!text || !*text || strlen(text) > 9)
        return -1;
    int64_t v = 0;
    for (const char *c = text; *c; c++) {
        if (*c < '0' || *c > '9')
            return -1;
        v = v * 10 + (*c - '0');
    }
    return v > max ? -1 : v;
}

/* message: a catalogue key */
static void render(vg_http_request *req, const char *message, int problem, const char *key,
                   unsigned status)
{
    vg_admin *a = vg_http_route_ctx(req);
    vg_api_key *keys = NULL;
    size_t n = 0;
    vg_error err;
    if (vg_hotline_api_keys(a->hotline, &keys, &n, &err) != VG_OK) {
        vg_admin_unavailable(req, &err);
        return;
    }
    vg_page p = {0};
    p.lang = vg_server_staff_lang(req);
    vg_admin_page_open(&p, req, vg_i18n_get(p.lang, "admin.keys.title"), "/console/admin/keys");
    if (message)
        vg_admin_message(&p, message, problem);
    if (key) {
        vg_page_put(&p, "<div class=\"secret\" role=\"status\"><p>");
        vg_page_t(&p, "admin.keys.shown_once");
        vg_page_put(&p, "</p><p><code class=\"secret\">");
        vg_page_text(&p, key);
        vg_page_put(&p, "</code></p></div>");
    }
    static const char *const COLUMNS[] = {"admin.keys.col.key", "admin.keys.col.org",
                                          "admin.keys.col.created", "admin.keys.col.trust",
                                          "console.col.state"};
    vg_page_put(&p, "<table><caption>");
    vg_page_t(&p, "admin.keys.caption");
    vg_page_put(&p, "</caption><thead><tr>");
    vg_page_th_cols(&p, COLUMNS, sizeof COLUMNS / sizeof COLUMNS[0]);
    vg_page_put(&p, "</tr></thead><tbody>");
    for (size_t i = 0; i < n; i++) {
        const vg_api_key *k = &keys[i];
        vg_page_fmt(&p, "<tr><th scope=\"row\"><code>%" PRId64 ": ", k->id);
        vg_page_text(&p, k->prefix);
        vg_page_put(&p, "…</code></th><td>");
        vg_page_text(&p, k->org);
        vg_page_put(&p, "</td><td>");
        vg_admin_time(&p, k->created_at);
        vg_page_put(&p, "</td><td>");
        if (k->revoked) {
            vg_page_fmt(&p, "%d</td><td>", k->trust);
            vg_page_t(&p, "admin.keys.revoked");
        } else {
            char id[24];
            snprintf(id, sizeof id, "%" PRId64, k->id);
            vg_page_put(&p, "<form class=\"inline\" method=\"post\" action=\"/console/admin/key\">");
            vg_page_csrf(&p, req);
            vg_page_fmt(&p,
                        "<input type=\"hidden\" name=\"id\" value=\"%" PRId64 "\">"
                        "<input type=\"hidden\" name=\"action\" value=\"trust\">"
                        "<label class=\"skip\" for=\"trust-%" PRId64 "\">",
                        k->id, k->id);
            vg_page_t1(&p, "admin.keys.trust_of", "id", id);
            vg_page_fmt(&p, "</label><input name=\"trust\" id=\"trust-%" PRId64 "\" size=\"4\" "
                            "inputmode=\"numeric\" value=\"%d\"> <button type=\"submit\">",
                        k->id, k->trust);
            vg_page_t(&p, "admin.keys.set");
            vg_page_put(&p, "<span class=\"skip\"> ");
            vg_page_t1(&p, "admin.keys.the_trust_of", "id", id);
            vg_page_put(&p, "</span></button></form></td><td>");
            vg_page_t(&p, "admin.keys.active");
            vg_page_put(&p, " ");
            vg_page_put(&p, "<form class=\"inline\" method=\"post\" action=\"/console/admin/key\">");
            vg_page_csrf(&p, req);
            vg_page_fmt(&p,
                        "<input type=\"hidden\" name=\"id\" value=\"%" PRId64 "\">"
                        "<input type=\"hidden\" name=\"action\" value=\"revoke\">"
                        "<button type=\"submit\">",
                        k->id);
            vg_page_t(&p, "admin.keys.revoke");
            vg_page_put(&p, "<span class=\"skip\"> ");
            vg_page_t1(&p, "admin.keys.key_n", "id", id);
            vg_page_put(&p, "</span></button></form>");
        }
        vg_page_put(&p, "</td></tr>");
        vg_api_key_clear(&keys[i]);
    }
    free(keys);
    vg_page_put(&p, "</tbody></table><h2>");
    vg_page_t(&p, "admin.keys.new");
    vg_page_put(&p, "</h2><form method=\"post\" action=\"/console/admin/keys\">");
    vg_page_csrf(&p, req);
    vg_page_put(&p, "<p><label for=\"org\">");
    vg_page_t(&p, "admin.keys.col.org");
    vg_page_put(&p, "</label><br><input name=\"org\" id=\"org\" required maxlength=\"200\" "
                    "dir=\"auto\"></p><p><label for=\"new-trust\">");
    vg_page_t(&p, "admin.keys.col.trust");
    vg_page_fmt(&p, "</label><br><input name=\"trust\" id=\"new-trust\" size=\"4\" "
                    "inputmode=\"numeric\" value=\"%d\"></p><p><label for=\"new-scopes\">",
                VG_API_KEY_TRUST_DEFAULT);
    vg_page_t(&p, "admin.keys.scopes");
    /* the scopes are typed as their codes: the hint names them as codes */
    vg_page_put(&p, "</label><br><input name=\"scopes\" id=\"new-scopes\" value=\"report\" "
                    "dir=\"ltr\" aria-describedby=\"scopes-hint\"><br><small id=\"scopes-hint\">");
    vg_page_t(&p, "admin.keys.scopes_hint");
    vg_page_put(&p, " <code>report, hash, match, curate, all</code></small></p><p><button "
                    "type=\"submit\" class=\"primary\">");
    vg_page_t(&p, "admin.keys.create");
    vg_page_put(&p, "</button> ");
    vg_page_t(&p, "admin.keys.create_hint");
    vg_page_put(&p, "</p></form>");
    vg_page_send(&p, req, status);
}

void vg_admin_keys_page(vg_http_request *req)
{
    render(req, NULL, 0, NULL, 200);
}

void vg_admin_keys_post(vg_http_request *req)
{
    vg_admin *a = vg_http_route_ctx(req);
    const char *org = vg_http_param(req, "org");
    int64_t trust = number(vg_http_param(req, "trust"), 100);
    const char *scope_text = vg_http_param(req, "scopes");
    unsigned scopes = VG_SCOPE_DEFAULT;
    if (!org || !*org || strlen(org) > 200 || trust < 0 ||
        (scope_text && *scope_text && !vg_scopes_parse(scope_text, &scopes))) {
        render(req, "admin.keys.invalid", 1, NULL, 422);
        return;
    }
    char actor[140], key[80];
    vg_admin_actor(req, actor, sizeof actor);
    int64_t id = 0;
    vg_error err;
    if (vg_hotline_api_key_create(a->hotline, org, 0, (int)trust, scopes, actor,
                                  (int64_t)time(NULL), &id, key, &err) != VG_OK) {
        vg_admin_unavailable(req, &err);
        return;
    }
    render(req, "admin.keys.created", 0, key, 200);
    memset(key, 0, sizeof key);
}

void vg_admin_key_post(vg_http_request *req)
{
    vg_admin *a = vg_http_route_ctx(req);
    int64_t id = number(vg_http_param(req, "id"), INT32_MAX);
    const char *action = vg_http_param(req, "action");
    int revoke = action && !strcmp(action, "revoke");
    int64_t trust = number(vg_http_param(req, "trust"), 100);
    if (id <= 0 || !action || (!revoke && (strcmp(action, "trust") || trust < 0))) {
        render(req, "admin.keys.bad_trust", 1, NULL, 422);
        return;
    }
    char actor[140];
    vg_admin_actor(req, actor, sizeof actor);
    int found = 0;
    vg_error err;
    int64_t now = (int64_t)time(NULL);
    vg_status st =
        revoke ? vg_hotline_api_key_revoke(a->hotline, id, NULL, actor, now, &found, &err)
               : vg_hotline_api_key_set_trust(a->hotline, id, NULL, (int)trust, actor, now, &found,
                                              &err);
    if (st != VG_OK) {
        vg_admin_unavailable(req, &err);
        return;
    }
    render(req,
           !found   ? "admin.keys.no_such"
           : revoke ? "admin.keys.done_revoke"
                    : "admin.keys.done_trust",
           !found, NULL, found ? 200 : 404);
}

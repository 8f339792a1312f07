/*
 * src/server/auth.c - signing in and out, the second factor, and the
 * minimal signed-in landing page.
 *
 * Pages work without JavaScript and are plain HTML with labelled fields.
 * Every outcome that matters for security is audited: success, failure,
 * lock-out, second-factor failure, sign-out.
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server/html.h"
#include "server/secure.h"
#include "server/server.h"
#include "server/totp.h"

#define SESSION_COOKIE "vigie_session"

static const char STYLE[] =
    "body{font:1.1rem/1.5 sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;"
    "color:#111;background:#fff}label{display:block;margin-top:1rem;font-weight:bold}"
    "input{font:inherit;padding:.4rem;border:2px solid #444;width:100%;box-sizing:border-box}"
    "button{font:inherit;margin-top:1rem;padding:.5rem 1.2rem;background:#004a99;color:#fff;"
    "border:0}button:focus,input:focus,a:focus{outline:3px solid #f5a623}"
    ".error{color:#a00000;font-weight:bold}table{border-collapse:collapse}"
    "td,th{border:1px solid #999;padding:.3rem .6rem;text-align:left}";

static void page_start(vg_html *p, const char *title)
{
    vg_html_put(p, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                   "<title>");
    vg_html_text(p, title);
    vg_html_put(p, " - vigie</title><style>");
    vg_html_put(p, STYLE);
    vg_html_put(p, "</style></head><body><main>");
}

static void page_send(vg_http_request *req, vg_html *p, unsigned status)
{
    vg_html_put(p, "</main></body></html>\n");
    if (p->failed)
        vg_http_error_page(req, 500, "Out of memory.");
    else
        vg_http_html(req, status, p->buf);
    vg_html_free(p);
}

static void csrf_field(vg_html *p, vg_http_request *req)
{
    vg_html_put(p, "<input type=\"hidden\" name=\"csrf_token\" value=\"");
    vg_html_text(p, vg_http_csrf_token(req));
    vg_html_put(p, "\">");
}

static void login_page(vg_http_request *req, unsigned status, const char *error)
{
    vg_html p = {0};
    page_start(&p, "Sign in");
    vg_html_put(&p, "<h1>Sign in</h1>");
    if (error) {
        vg_html_put(&p, "<p class=\"error\" role=\"alert\">");
        vg_html_text(&p, error);
        vg_html_put(&p, "</p>");
    }
    vg_html_put(&p, "<form method=\"post\" action=\"/login\">");
    csrf_field(&p, req);
    vg_html_put(&p, "<label for=\"username\">Username</label>"
                    "<input id=\"username\" name=\"username\" autocomplete=\"username\" required>"
                    "<label for=\"password\">Password</label>"
                    "<input id=\"password\" name=\"password\" type=\"password\" "
                    "autocomplete=\"current-password\" required>"
                    "<button type=\"submit\">Sign in</button></form>");
    page_send(req, &p, status);
}

static void totp_page(vg_http_request *req, unsigned status, const char *error)
{
    vg_html p = {0};
    page_start(&p, "Second step");
    vg_html_put(&p, "<h1>Enter your code</h1><p>Open your authenticator app and type the six-digit "
                    "code it shows for vigie.</p>");
    if (error) {
        vg_html_put(&p, "<p class=\"error\" role=\"alert\">");
        vg_html_text(&p, error);
        vg_html_put(&p, "</p>");
    }
    vg_html_put(&p, "<form method=\"post\" action=\"/login/totp\">");
    csrf_field(&p, req);
    vg_html_put(&p, "<label for=\"code\">Six-digit code</label>"
                    "<input id=\"code\" name=\"code\" inputmode=\"numeric\" pattern=\"[0-9]{6}\" "
                    "autocomplete=\"one-time-code\" required>"
                    "<button type=\"submit\">Continue</button></form>");
    page_send(req, &p, status);
}

static void get_login(vg_http_request *req)
{
    if (vg_http_caller_of(req)->account_id) {
        vg_http_redirect(req, "/console");
        return;
    }
    login_page(req, 200, NULL);
}

/* Open a session for account; pending = waiting for the second factor. */
static vg_status open_session(vg_http_request *req, int64_t account_id, int pending)
{
    vg_http *http = vg_http_server(req);
    char token[65], hash[65], csrf[65];
    vg_random_hex(token, 32);
    vg_random_hex(csrf, 32);
    vg_sha256_hex(token, 64, hash);
    int64_t now = (int64_t)time(NULL);
    vg_session s = {.token_hash = hash,
                    .account_id = account_id,
                    .csrf_token = csrf,
                    .totp_pending = pending,
                    .created_at = now,
                    .expires_at = pending ? now + 300 : vg_http_session_expiry(http, now, now)};
    vg_status st = vg_store_session_create(vg_http_store(req), &s, NULL);
    if (st == VG_OK)
        vg_http_set_cookie(req, SESSION_COOKIE, token, -1);
    return st;
}

/* End the caller's current session, if any (sign-out, or a new sign-in:
 * a fresh token each time, so a planted cookie is worth nothing). */
static void close_session(vg_http_request *req)
{
    const char *token = vg_http_cookie(req, SESSION_COOKIE);
    if (token && strlen(token) == 64) {
        char hash[65];
        vg_sha256_hex(token, 64, hash);
        vg_store_session_delete(vg_http_store(req), hash, NULL);
    }
}

static char *detail_user(const char *username, const char *why)
{
    json_t *o = why ? json_pack("{s:s, s:s}", "username", username, "reason", why)
                    : json_pack("{s:s}", "username", username);
    char *s = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(o);
    return s;
}

static void audit_login(vg_http_request *req, const char *action, const char *username,
                        const char *why)
{
    vg_server *srv = vg_http_app(req);
    char *detail = detail_user(username, why);
    char actor[160];
    snprintf(actor, sizeof actor, "user:%.120s", username);
    vg_server_audit(srv, NULL, actor, action, username, detail);
    free(detail);
}

/* A failure: count it, lock when it is one too many, audit both. */
static void record_failure(vg_http_request *req, const vg_account *acc, const char *why)
{
    vg_server *srv = vg_http_app(req);
    int locked = 0;
    vg_store_account_login_result(srv->store, acc->id, 0, srv->login_max_failures,
                                  srv->login_lock_seconds, (int64_t)time(NULL), &locked, NULL);
    audit_login(req, "login.failure", acc->username, why);
    if (locked)
        audit_login(req, "login.lockout", acc->username, NULL);
}

static void post_login(vg_http_request *req)
{
    vg_server *srv = vg_http_app(req);
    const char *username = vg_http_param(req, "username");
    const char *password = vg_http_param(req, "password");
    static const char wrong[] = "The username or password is not right.";
    if (!username || !password || !*username || strlen(username) > 100 ||
        strlen(password) > 1024) {
        login_page(req, 400, "Enter a username and a password.");
        return;
    }
    vg_account acc;
    int found = 0;
    if (vg_store_account_get(srv->store, username, &acc, &found, NULL) != VG_OK) {
        vg_http_error_page(req, 503, "The service is unavailable; try again shortly.");
        return;
    }
    int64_t now = (int64_t)time(NULL);
    if (!found) {
        /* Spend the time a real check takes, so that timing does not tell
         * which usernames exist. */
        vg_server_password_check(srv, srv->dummy_hash, password);
        audit_login(req, "login.failure", username, "unknown user");
        login_page(req, 401, wrong);
        return;
    }
    if (acc.locked_until > now) {
        audit_login(req, "login.refused", acc.username, "locked");
        char msg[200];
        snprintf(msg, sizeof msg,
                 "This account is locked after too many failed sign-ins. Try again in %" PRId64
                 " minutes, or ask an administrator.",
                 (acc.locked_until - now + 59) / 60);
        login_page(req, 403, msg);
        vg_account_clear(&acc);
        return;
    }
    if (!vg_server_password_check(srv, acc.password_hash, password)) {
        record_failure(req, &acc, "password");
        login_page(req, 401, wrong);
        vg_account_clear(&acc);
        return;
    }
    if (acc.disabled) {
        audit_login(req, "login.refused", acc.username, "disabled");
        login_page(req, 403, "This account is disabled. Ask an administrator.");
        vg_account_clear(&acc);
        return;
    }
    close_session(req);
    if (acc.totp_secret) {
        if (open_session(req, acc.id, 1) != VG_OK)
            vg_http_error_page(req, 503, "The service is unavailable; try again shortly.");
        else
            vg_http_redirect(req, "/login/totp");
        vg_account_clear(&acc);
        return;
    }
    vg_store_account_login_result(srv->store, acc.id, 1, 0, 0, now, NULL, NULL);
    if (open_session(req, acc.id, 0) != VG_OK) {
        vg_http_error_page(req, 503, "The service is unavailable; try again shortly.");
    } else {
        audit_login(req, "login.success", acc.username, NULL);
        vg_http_redirect(req, "/console");
    }
    vg_account_clear(&acc);
}

static void get_totp(vg_http_request *req)
{
    if (!vg_http_pending_account(req)) {
        vg_http_redirect(req, "/login");
        return;
    }
    totp_page(req, 200, NULL);
}

static void post_totp(vg_http_request *req)
{
    vg_server *srv = vg_http_app(req);
    int64_t id = vg_http_pending_account(req);
    if (!id) {
        vg_http_redirect(req, "/login");
        return;
    }
    vg_account acc;
    int found = 0;
    if (vg_store_account_get_id(srv->store, id, &acc, &found, NULL) != VG_OK || !found) {
        vg_http_error_page(req, 503, "The service is unavailable; try again shortly.");
        return;
    }
    int64_t now = (int64_t)time(NULL), step = 0;
    int accepted = 0;
    if (acc.locked_until > now) {
        close_session(req);
        vg_http_set_cookie(req, SESSION_COOKIE, "", 0);
        login_page(req, 403, "This account is locked after too many failed sign-ins.");
        vg_account_clear(&acc);
        return;
    }
    const char *code = vg_http_param(req, "code");
    if (acc.totp_secret && vg_totp_check(acc.totp_secret, code, now, &step))
        vg_store_account_use_totp_step(srv->store, acc.id, step, &accepted, NULL);
    if (!accepted) {
        record_failure(req, &acc, "second factor");
        totp_page(req, 401, "That code is not right, or was already used. Wait for the next "
                            "code and try again.");
        vg_account_clear(&acc);
        return;
    }
    close_session(req);
    vg_store_account_login_result(srv->store, acc.id, 1, 0, 0, now, NULL, NULL);
    if (open_session(req, acc.id, 0) != VG_OK) {
        vg_http_error_page(req, 503, "The service is unavailable; try again shortly.");
    } else {
        audit_login(req, "login.success", acc.username, NULL);
        vg_http_redirect(req, "/console");
    }
    vg_account_clear(&acc);
}

static void post_logout(vg_http_request *req)
{
    const vg_http_caller *who = vg_http_caller_of(req);
    if (who->username)
        vg_server_audit(vg_http_app(req), req, NULL, "logout", who->username, NULL);
    close_session(req);
    vg_http_set_cookie(req, SESSION_COOKIE, "", 0);
    vg_http_redirect(req, "/login");
}

static void get_console(vg_http_request *req)
{
    vg_server *srv = vg_http_app(req);
    const vg_http_caller *who = vg_http_caller_of(req);
    vg_report_row *rows = NULL;
    size_t count = 0;
    vg_error err;
    if (vg_store_reports_recent(srv->store, 50, &rows, &count, &err) != VG_OK) {
        vg_http_error_page(req, 503, err.message);
        return;
    }
    vg_html p = {0};
    page_start(&p, "Console");
    vg_html_put(&p, "<h1>Recent reports</h1><p>Signed in as ");
    vg_html_text(&p, who->username);
    vg_html_put(&p, " (");
    vg_html_put(&p, vg_role_name(who->role));
    vg_html_put(&p, ").</p><form method=\"post\" action=\"/logout\">");
    csrf_field(&p, req);
    vg_html_put(&p, "<button type=\"submit\">Sign out</button></form>");
    vg_html_put(&p, "<p><a href=\"/console/queue\">The assessment queue</a></p>");
    if (!count) {
        vg_html_put(&p, "<p>No reports yet.</p>");
    } else {
        vg_html_put(&p, "<table><caption>The 50 newest reports</caption><thead><tr>"
                        "<th scope=\"col\">Receipt</th><th scope=\"col\">Received</th>"
                        "<th scope=\"col\">Source</th><th scope=\"col\">About</th>"
                        "<th scope=\"col\">URLs</th><th scope=\"col\">Files</th>"
                        "<th scope=\"col\">Case</th><th scope=\"col\">Status</th></tr></thead>"
                        "<tbody>");
        for (size_t i = 0; i < count; i++) {
            char when[32], num[64];
            time_t t = (time_t)rows[i].created_at;
            struct tm tm;
            gmtime_r(&t, &tm);
            strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", &tm);
            vg_html_put(&p, "<tr><td>");
            vg_html_text(&p, rows[i].receipt_code);
            vg_html_put(&p, "</td><td>");
            vg_html_put(&p, when);
            vg_html_put(&p, "</td><td>");
            vg_html_text(&p, rows[i].source);
            vg_html_put(&p, "</td><td>");
            vg_html_text(&p, rows[i].category);
            snprintf(num, sizeof num, "</td><td>%zu</td><td>%zu</td><td>%" PRId64 "</td><td>",
                     rows[i].url_count, rows[i].file_count, rows[i].case_id);
            vg_html_put(&p, num);
            vg_html_text(&p, rows[i].status);
            vg_html_put(&p, "</td></tr>");
        }
        vg_html_put(&p, "</tbody></table>");
    }
    for (size_t i = 0; i < count; i++)
        vg_report_row_clear(&rows[i]);
    free(rows);
    page_send(req, &p, 200);
}

vg_status vg_auth_routes(vg_server *srv, vg_error *err)
{
    static const vg_route routes[] = {
        {"GET", "/login", VG_ROLE_NONE, 0, 0, get_login, NULL, NULL},
        {"POST", "/login", VG_ROLE_NONE, VG_ROUTE_CSRF, 16384, post_login, NULL, NULL},
        {"GET", "/login/totp", VG_ROLE_NONE, 0, 0, get_totp, NULL, NULL},
        {"POST", "/login/totp", VG_ROLE_NONE, VG_ROUTE_CSRF, 4096, post_totp, NULL, NULL},
        {"POST", "/logout", VG_ROLE_NONE, VG_ROUTE_CSRF, 4096, post_logout, NULL, NULL},
        {"GET", "/console", VG_ROLE_ANALYST, 0, 0, get_console, NULL, NULL},
    };
    return vg_http_add_routes(srv->http, routes, sizeof routes / sizeof routes[0], err);
}

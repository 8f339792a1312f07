/*
 * src/server/auth/auth.c - signing in and out, and the second factor
 * (auth.h).
 *
 * Pages work without JavaScript and are plain HTML with labelled fields.
 * Every outcome that matters for security is audited by the accounts use
 * case (hotline/accounts.h) with the change it records: success, failure,
 * pause, second-factor failure; sign-out here.
 */
#include "server/auth/auth.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hotline/accounts.h"
#include "util/secure.h"
#include "util/totp.h"
#include "vigie/digest.h"
#include "web/page.h"

#define SESSION_COOKIE "vigie_session"

/* The sign-in pages speak the visitor's language before anyone is known:
 * ?lang=, else Accept-Language (vg_server_staff_lang), with the switch to
 * every other; title_key names the heading. */
static void open_page(vg_page *p, vg_http_request *req, const char *title_key)
{
    vg_server *srv = vg_http_app(req);
    p->lang = vg_server_staff_lang(req);
    vg_page_frame f = {.kind = VG_PAGE_STAFF, .title = vg_i18n_get(p->lang, title_key),
                       .i18n = srv->i18n};
    vg_page_open(p, req, &f);
    /* the language switch: the form keeps the choice (a hidden field) */
    vg_page_put(p, "<nav class=\"views\" aria-label=\"");
    vg_page_t(p, "page.languages");
    vg_page_put(p, "\"><ul>");
    for (size_t i = 0; i < vg_i18n_count(srv->i18n); i++) {
        const vg_i18n_lang *l = vg_i18n_at(srv->i18n, i);
        const char *code = vg_i18n_code(l);
        vg_page_put(p, "<li><a href=\"?lang=");
        vg_page_text(p, code);
        vg_page_put(p, "\" lang=\"");
        vg_page_text(p, code);
        vg_page_put(p, "\" hreflang=\"");
        vg_page_text(p, code);
        vg_page_put(p, vg_i18n_rtl(l) ? "\" dir=\"rtl\"" : "\" dir=\"ltr\"");
        vg_page_put(p, l == p->lang ? " aria-current=\"true\">" : ">");
        vg_page_text(p, vg_i18n_get(l, "language.name"));
        vg_page_put(p, "</a></li>");
    }
    vg_page_put(p, "</ul></nav>");
}

/* The hidden field keeping the page's language through a form. */
static void lang_field(vg_page *p)
{
    vg_page_put(p, "<input type=\"hidden\" name=\"lang\" value=\"");
    vg_page_text(p, vg_i18n_code(p->lang));
    vg_page_put(p, "\">");
}

/* error: a catalogue key, or NULL */
static void message(vg_page *p, const char *error)
{
    if (!error)
        return;
    vg_page_put(p, "<p class=\"error\" role=\"alert\" id=\"form-error\">");
    vg_page_t(p, error);
    vg_page_put(p, "</p>");
}

/* The sign-in form. Its optional code field lets a person with an
 * authenticator app sign in in one step, and in particular while sign-in
 * is paused for their name after failures someone else caused: the second
 * factor is the way through. The field is there for every name, so the
 * page says nothing about which accounts have one. */
static void login_page(vg_http_request *req, unsigned status, const char *error)
{
    vg_page p = {0};
    open_page(&p, req, "auth.title");
    message(&p, error);
    vg_page_put(&p, "<form method=\"post\" action=\"/login\">");
    vg_page_csrf(&p, req);
    lang_field(&p);
    vg_page_put(&p, "<label for=\"username\">");
    vg_page_t(&p, "auth.username");
    vg_page_put(&p, "</label><input id=\"username\" name=\"username\" autocomplete=\"username\" "
                    "dir=\"auto\" required");
    vg_page_put(&p, error ? " aria-describedby=\"form-error\">" : ">");
    vg_page_put(&p, "<label for=\"password\">");
    vg_page_t(&p, "auth.password");
    vg_page_put(&p, "</label><input id=\"password\" name=\"password\" type=\"password\" "
                    "autocomplete=\"current-password\" required><label for=\"code\">");
    vg_page_t(&p, "auth.code");
    vg_page_put(&p, " <span class=\"hint\">");
    vg_page_t(&p, "auth.code_hint");
    vg_page_put(&p, "</span></label><input id=\"code\" name=\"code\" inputmode=\"numeric\" "
                    "pattern=\"[0-9]{6}\" autocomplete=\"one-time-code\" dir=\"ltr\">"
                    "<button type=\"submit\">");
    vg_page_t(&p, "auth.submit");
    vg_page_put(&p, "</button></form>");
    vg_page_send(&p, req, status);
}

static void totp_page(vg_http_request *req, unsigned status, const char *error)
{
    vg_page p = {0};
    open_page(&p, req, "auth.totp.title");
    vg_page_put(&p, "<p>");
    vg_page_t(&p, "auth.totp.intro");
    vg_page_put(&p, "</p>");
    message(&p, error);
    vg_page_put(&p, "<form method=\"post\" action=\"/login/totp\">");
    vg_page_csrf(&p, req);
    lang_field(&p);
    vg_page_put(&p, "<label for=\"code\">");
    vg_page_t(&p, "auth.totp.code");
    vg_page_put(&p, "</label><input id=\"code\" name=\"code\" inputmode=\"numeric\" "
                    "pattern=\"[0-9]{6}\" autocomplete=\"one-time-code\" dir=\"ltr\" required>"
                    "<button type=\"submit\">");
    vg_page_t(&p, "auth.totp.submit");
    vg_page_put(&p, "</button></form>");
    vg_page_send(&p, req, status);
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
    vg_server *srv = vg_http_app(req);
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
                    .expires_at = pending ? now + 300 : vg_server_session_expiry(srv, now, now)};
    vg_status st = vg_hotline_session_open(srv->hotline, &s, now, NULL);
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
        vg_hotline_session_close(((vg_server *)vg_http_app(req))->hotline, hash, NULL);
    }
}

/* ---- one sign-in attempt ---------------------------------------------- */

/* Every refusal of a name and password reads the same, whether the name
 * exists, the password was wrong or sign-in is paused for the name: the
 * page must not tell an outsider which names are real. */
static const char WRONG[] = "auth.wrong";

typedef struct attempt {
    vg_http_request *req;
    vg_server *srv;
    const char *username;
    uint8_t source[VG_THROTTLE_KEY_BYTES];
    int64_t now;
} attempt;

static void attempt_init(attempt *a, vg_http_request *req, const char *username)
{
    memset(a, 0, sizeof *a);
    a->req = req;
    a->srv = vg_http_app(req);
    a->username = username;
    a->now = (int64_t)time(NULL);
    vg_throttle_key(a->srv->login_sources, vg_http_client_for_limits(req), a->source);
}

/* The outcome of a counted attempt, with its audit entry in the same
 * transaction. Names without an account are counted and locked like the
 * others but not audited: the log records what happened to accounts, and
 * an outsider typing names must not be able to fill it. */
static void attempt_finish(attempt *a, vg_login_outcome outcome, int real, const char *action,
                           const char *why)
{
    vg_hotline_login_finish(a->srv->hotline, a->username, outcome, real, action, why, a->now, NULL);
    if (outcome == VG_LOGIN_FAILURE)
        vg_throttle_fail(a->srv->login_sources, a->source, vg_throttle_now());
    else if (outcome == VG_LOGIN_SUCCESS)
        vg_throttle_succeed(a->srv->login_sources, a->source);
}

/* 1 when the account's second factor accepts code now (and the code's
 * step was not used before: a code opens one session). */
static int code_accepted(vg_server *srv, const vg_account *acc, const char *code, int64_t now)
{
    int accepted = 0;
    vg_hotline_check_code(srv->hotline, acc, code, now, &accepted, NULL);
    return accepted;
}

static void signed_in(attempt *a, const vg_account *acc, const char *how)
{
    close_session(a->req);
    attempt_finish(a, VG_LOGIN_SUCCESS, 1, "login.success", how);
    if (open_session(a->req, acc->id, 0) != VG_OK)
        vg_http_error_page(a->req, 503, vg_server_tr(a->req, "console.unavailable_short"));
    else
        vg_http_redirect(a->req, "/console");
}

static void post_login(vg_http_request *req)
{
    vg_server *srv = vg_http_app(req);
    const char *username = vg_http_param(req, "username");
    const char *password = vg_http_param(req, "password");
    const char *code = vg_http_param(req, "code");
    if (!username || !password || !*username || strlen(username) > 100 || strlen(password) > 1024 ||
        (code && strlen(code) > 16)) {
        login_page(req, 400, "auth.missing");
        return;
    }
    attempt a;
    attempt_init(&a, req, username);
    /* One client: a pause after repeated failures, and at most two
     * password checks at once, so that it cannot take every check slot. */
    int64_t wait = 0;
    if (!vg_throttle_admit(srv->login_sources, a.source, vg_throttle_now(), &wait) ||
        !vg_throttle_enter(srv->login_sources, a.source, vg_throttle_now())) {
        char seconds[24];
        snprintf(seconds, sizeof seconds, "%" PRId64, wait > 0 ? wait : 5);
        vg_http_add_header(req, "Retry-After", seconds);
        login_page(req, 429,
                   "auth.throttled");
        return;
    }
    vg_account acc;
    int found = 0;
    if (vg_hotline_account(srv->hotline, username, 0, &acc, &found, NULL) != VG_OK) {
        vg_throttle_leave(srv->login_sources, a.source);
        vg_http_error_page(req, 503, vg_server_tr(req, "console.unavailable_short"));
        return;
    }
    /* The attempt is counted before anything is checked. */
    int allowed = 0;
    if (vg_hotline_login_reserve(srv->hotline, username, a.now, &allowed, NULL) != VG_OK) {
        vg_throttle_leave(srv->login_sources, a.source);
        if (found)
            vg_account_clear(&acc);
        vg_http_error_page(req, 503, vg_server_tr(req, "console.unavailable_short"));
        return;
    }
    /* Exactly one Argon2id check whatever the name and its state, so the
     * time of the answer tells nothing either. */
    int password_ok =
        vg_server_password_check(srv, found ? acc.password_hash : srv->dummy_hash, password) &&
        found;
    vg_throttle_leave(srv->login_sources, a.source);

    if (!allowed) {
        /* Paused for this name: only the right password with the right
         * code opens it, so nobody can keep a person with a second factor
         * out by failing on purpose. */
        if (password_ok && !acc.disabled && code_accepted(srv, &acc, code, a.now)) {
            signed_in(&a, &acc, "second factor while paused");
        } else {
            vg_throttle_fail(srv->login_sources, a.source, vg_throttle_now());
            login_page(req, 401, WRONG);
        }
    } else if (!password_ok) {
        attempt_finish(&a, VG_LOGIN_FAILURE, found, "login.failure", "password");
        login_page(req, 401, WRONG);
    } else if (acc.disabled) {
        attempt_finish(&a, VG_LOGIN_SUCCESS, 1, "login.refused", "disabled");
        login_page(req, 403, "auth.disabled");
    } else if (!acc.totp_secret) {
        signed_in(&a, &acc, NULL);
    } else if (code && *code) {
        if (code_accepted(srv, &acc, code, a.now)) {
            signed_in(&a, &acc, NULL);
        } else {
            attempt_finish(&a, VG_LOGIN_FAILURE, 1, "login.failure", "second factor");
            login_page(req, 401, WRONG);
        }
    } else {
        /* The attempt stays counted until the second factor is given. */
        close_session(req);
        if (open_session(req, acc.id, 1) != VG_OK)
            vg_http_error_page(req, 503, vg_server_tr(req, "console.unavailable_short"));
        else
            vg_http_redirect(req, "/login/totp");
    }
    if (found)
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
    if (vg_hotline_account(srv->hotline, NULL, id, &acc, &found, NULL) != VG_OK || !found) {
        vg_http_error_page(req, 503, vg_server_tr(req, "console.unavailable_short"));
        return;
    }
    attempt a;
    attempt_init(&a, req, acc.username);
    int allowed = 0;
    if (vg_hotline_login_reserve(srv->hotline, acc.username, a.now, &allowed, NULL) != VG_OK) {
        vg_account_clear(&acc);
        vg_http_error_page(req, 503, vg_server_tr(req, "console.unavailable_short"));
        return;
    }
    const char *code = vg_http_param(req, "code");
    if (!allowed) {
        /* Paused meanwhile: back to the one-step form, where the password
         * and the code together still open it. */
        close_session(req);
        vg_http_set_cookie(req, SESSION_COOKIE, "", 0);
        login_page(req, 401, WRONG);
    } else if (code_accepted(srv, &acc, code, a.now)) {
        signed_in(&a, &acc, NULL);
    } else {
        attempt_finish(&a, VG_LOGIN_FAILURE, 1, "login.failure", "second factor");
        totp_page(req, 401,
                  "auth.totp.wrong");
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

vg_status vg_auth_routes(vg_server *srv, void *state, vg_error *err)
{
    static const vg_route routes[] = {
        {"GET", "/login", VG_ROLE_NONE, 0, 0, get_login, NULL, NULL},
        {"POST", "/login", VG_ROLE_NONE, VG_ROUTE_CSRF | VG_ROUTE_THROTTLED, 16384, post_login,
         NULL, NULL},
        {"GET", "/login/totp", VG_ROLE_NONE, 0, 0, get_totp, NULL, NULL},
        {"POST", "/login/totp", VG_ROLE_NONE, VG_ROUTE_CSRF | VG_ROUTE_THROTTLED, 4096, post_totp,
         NULL, NULL},
        {"POST", "/logout", VG_ROLE_NONE, VG_ROUTE_CSRF, 4096, post_logout, NULL, NULL},
    };
    (void)state;
    return vg_http_add_routes(srv->http, routes, sizeof routes / sizeof routes[0], err);
}

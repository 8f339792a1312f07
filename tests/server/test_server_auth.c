/*
 * Sign-in, sessions, CSRF, lock-out, TOTP, /healthz and /metrics, against
 * a real server on an ephemeral port.
 */
#include "util/totp.h"
#include "hotline/audit.h"
#include "store_peek.h"
#include "test_intake_common.h"

static const char password[] = "correct horse battery";

/* The csrf_token value in a page, copied into out. */
static int form_token(const char *html, char out[65])
{
    const char *p = strstr(html, "name=\"csrf_token\" value=\"");
    if (!p)
        return 0;
    p += strlen("name=\"csrf_token\" value=\"");
    size_t n = strcspn(p, "\"");
    if (n != 64)
        return 0;
    memcpy(out, p, 64);
    out[64] = 0;
    return 1;
}

/* GET /login: the anonymous CSRF cookie and the form's token. */
static int login_form(ts_server *t, char cookie[80], char token[65])
{
    ts_response r;
    char value[80];
    int ok = ts_call(t, "GET", "/login", NULL, NULL, 0, &r) && r.status == 200 &&
             ts_set_cookie(&r, "vigie_csrf", value, sizeof value, NULL, 0) &&
             form_token(r.body, token);
    if (ok)
        snprintf(cookie, 80, "%s", value);
    ts_response_free(&r);
    return ok;
}

static long post_login(ts_server *t, const char *cookie, const char *token, const char *user,
                       const char *pw, ts_response *r)
{
    char body[512], header[200];
    snprintf(body, sizeof body, "csrf_token=%s&username=%s&password=%s", token ? token : "",
             user, pw);
    snprintf(header, sizeof header, "Cookie: vigie_csrf=%s", cookie ? cookie : "");
    const char *headers[] = {header, "Content-Type: application/x-www-form-urlencoded", NULL};
    if (!ts_call(t, "POST", "/login", headers, body, strlen(body), r))
        return -1;
    return r->status;
}

static long get_with_session(ts_server *t, const char *path, const char *session)
{
    char header[200];
    snprintf(header, sizeof header, "Cookie: vigie_session=%s", session);
    const char *headers[] = {header, NULL};
    ts_response r;
    long status = ts_call(t, "GET", path, headers, NULL, 0, &r) ? r.status : -1;
    ts_response_free(&r);
    return status;
}

typedef struct audit_find {
    const char *action;
    int hits;
} audit_find;

static int audit_visit(const vg_audit_entry *e, void *ctx)
{
    audit_find *f = ctx;
    if (!strcmp(e->action, f->action))
        f->hits++;
    return 0;
}

static int audit_has(ts_server *t, const char *action)
{
    audit_find f = {action, 0};
    ts_audit_each(t->srv->hotline->store, audit_visit, &f);
    return f.hits;
}

/* Fetch /metrics into r until it contains needle (at most ~10 s). Request
 * counters are updated when libmicrohttpd reports a request complete, which
 * may come just after the client has read the response. */
#define METRICS_TOKEN "0123456789abcdef-metrics"
static int metrics_with(ts_server *t, const char *needle, ts_response *r)
{
    const char *auth[] = {"Authorization: Bearer " METRICS_TOKEN, NULL};
    for (int attempt = 0;; attempt++) {
        if (!ts_call(t, "GET", "/metrics", auth, NULL, 0, r))
            return 0;
        if (r->status == 200 && strstr(r->body, needle))
            return 1;
        if (attempt == 499)
            return 0; /* r keeps the last answer for the caller's checks */
        ts_response_free(r);
        struct timespec pause = {0, 20 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
}

static void test_healthz_and_metrics(void)
{
    ts_server t;
    ts_response r;
    /* Without a token /metrics is off; with one, only its bearer reads it. */
    CHECK(ts_start(&t, NULL));
    CHECK(ts_call(&t, "GET", "/metrics", NULL, NULL, 0, &r));
    CHECK_INT_EQ(r.status, 404);
    ts_response_free(&r);
    ts_stop(&t);
    CHECK(ts_start(&t, "metrics.token = " METRICS_TOKEN "\n"));
    CHECK(ts_call(&t, "GET", "/metrics", NULL, NULL, 0, &r));
    CHECK_INT_EQ(r.status, 401);
    CHECK(strstr(r.body, "vigie_http") == NULL);
    ts_response_free(&r);
    const char *wrong[] = {"Authorization: Bearer 0123456789abcdef-metricz", NULL};
    CHECK(ts_call(&t, "GET", "/metrics", wrong, NULL, 0, &r));
    CHECK_INT_EQ(r.status, 401);
    ts_response_free(&r);
    CHECK(ts_call(&t, "GET", "/healthz", NULL, NULL, 0, &r));
    CHECK_INT_EQ(r.status, 200);
    CHECK(strstr(r.body, "\"ok\"") != NULL);
    char type[100];
    CHECK(ts_header(&r, "Content-Type", type, sizeof type) && !strcmp(type, "application/json"));
    CHECK(ts_header(&r, "X-Content-Type-Options", type, sizeof type));
    ts_response_free(&r);
    /* a request is counted when its connection's thread completes it,
     * which may come after its answer reached us: wait for each count */
    CHECK(metrics_with(&t, "vigie_http_requests_total{class=\"4xx\"} 2", &r));
    ts_response_free(&r);
    CHECK(metrics_with(&t, "vigie_http_requests_total{class=\"2xx\"} 1", &r));
    CHECK_INT_EQ(r.status, 200);
    CHECK(strstr(r.body, "vigie_http_request_duration_seconds_bucket{le=\"+Inf\"}") != NULL);
    CHECK(strstr(r.body, "route=\"/healthz\"} 1") != NULL);
    CHECK(strstr(r.body, "vigie_reports 0") != NULL);
    CHECK(strstr(r.body, "vigie_store_commits_total ") != NULL);
    ts_response_free(&r);
    CHECK(ts_call(&t, "HEAD", "/healthz", NULL, NULL, 0, &r));
    CHECK_INT_EQ(r.status, 200);
    ts_response_free(&r);
    CHECK(ts_call(&t, "GET", "/no/such/page", NULL, NULL, 0, &r));
    CHECK_INT_EQ(r.status, 404);
    ts_response_free(&r);
    CHECK(ts_call(&t, "DELETE", "/healthz", NULL, NULL, 0, &r));
    CHECK_INT_EQ(r.status, 405);
    ts_response_free(&r);
    ts_stop(&t);
}

static void test_sign_in_and_out(void)
{
    ts_server t;
    CHECK(ts_start(&t, NULL));
    CHECK(ts_account(&t, "alice", password, VG_ROLE_ANALYST) > 0);
    char cookie[80], token[65];
    CHECK(login_form(&t, cookie, token));

    ts_response r;
    /* no token, a wrong token, a token for another cookie: refused */
    CHECK_INT_EQ(post_login(&t, cookie, NULL, "alice", password, &r), 403);
    ts_response_free(&r);
    char forged[65];
    memcpy(forged, token, 65);
    forged[0] = forged[0] == 'a' ? 'b' : 'a';
    CHECK_INT_EQ(post_login(&t, cookie, forged, "alice", password, &r), 403);
    ts_response_free(&r);
    char other_cookie[80], other[65];
    CHECK(login_form(&t, other_cookie, other));
    CHECK(strcmp(other_cookie, cookie) != 0 && strcmp(other, token) != 0);
    CHECK_INT_EQ(post_login(&t, cookie, other, "alice", password, &r), 403);
    ts_response_free(&r);
    CHECK_INT_EQ(post_login(&t, other_cookie, token, "alice", password, &r), 403);
    ts_response_free(&r);
    CHECK_INT_EQ(audit_has(&t, "login.success"), 0);

    CHECK_INT_EQ(post_login(&t, cookie, token, "alice", "wrong password!", &r), 401);
    CHECK(strstr(r.body, "not right") != NULL);
    ts_response_free(&r);
    CHECK_INT_EQ(post_login(&t, cookie, token, "nobody", password, &r), 401);
    ts_response_free(&r);
    /* injection attempts are just wrong usernames (and nothing is reflected) */
    CHECK_INT_EQ(post_login(&t, cookie, token, "alice'+OR+'1'%3D'1", password, &r), 401);
    ts_response_free(&r);
    CHECK_INT_EQ(post_login(&t, cookie, token, "%3Cscript%3Ex%3C%2Fscript%3E", password, &r), 401);
    CHECK(strstr(r.body, "<script>") == NULL);
    ts_response_free(&r);
    /* Failures of names that have no account are counted (and paused) like
     * the others, but the audit log records what happens to accounts: only
     * alice's failure is in it. */
    CHECK_INT_EQ(audit_has(&t, "login.failure"), 1);

    CHECK_INT_EQ(post_login(&t, cookie, token, "alice", password, &r), 303);
    char location[100], session[80], attrs[300];
    CHECK(ts_header(&r, "Location", location, sizeof location) && !strcmp(location, "/console"));
    CHECK(ts_set_cookie(&r, "vigie_session", session, sizeof session, attrs, sizeof attrs));
    CHECK(strstr(attrs, "HttpOnly") && strstr(attrs, "SameSite=Strict") && strstr(attrs, "Secure"));
    CHECK(strstr(attrs, "Path=/") != NULL);
    ts_response_free(&r);
    CHECK_INT_EQ(audit_has(&t, "login.success"), 1);

    CHECK_INT_EQ(get_with_session(&t, "/console", session), 200);
    const char *unknown = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    CHECK_INT_EQ(get_with_session(&t, "/console", unknown), 401);

    /* sign out: needs the session's CSRF token */
    char header[200];
    snprintf(header, sizeof header, "Cookie: vigie_session=%s", session);
    const char *h[] = {header, NULL};
    CHECK(ts_call(&t, "GET", "/console", h, NULL, 0, &r));
    char session_token[65];
    CHECK(form_token(r.body, session_token));
    CHECK(strstr(r.body, "alice") != NULL);
    ts_response_free(&r);
    const char *hp[] = {header, "Content-Type: application/x-www-form-urlencoded", NULL};
    CHECK(ts_call(&t, "POST", "/logout", hp, "csrf_token=x", 12, &r));
    CHECK_INT_EQ(r.status, 403);
    ts_response_free(&r);
    /* a wrong token of the right length (64 hex digits), and the token of
     * another valid session, are refused as well */
    char body[100], wrong[65];
    memcpy(wrong, session_token, sizeof wrong);
    wrong[10] = wrong[10] == 'f' ? 'e' : 'f';
    char other_session[65], other_csrf[65];
    CHECK(ts_session(&t, ts_account(&t, "eve", password, VG_ROLE_ANALYST), 0, other_session,
                     other_csrf));
    const char *refused[] = {wrong, other_csrf};
    for (int i = 0; i < 2; i++) {
        snprintf(body, sizeof body, "csrf_token=%s", refused[i]);
        CHECK(ts_call(&t, "POST", "/logout", hp, body, strlen(body), &r));
        CHECK_MSG(r.status == 403, "token %d: %ld", i, r.status);
        ts_response_free(&r);
    }
    CHECK_INT_EQ(get_with_session(&t, "/console", session), 200);
    snprintf(body, sizeof body, "csrf_token=%s", session_token);
    CHECK(ts_call(&t, "POST", "/logout", hp, body, strlen(body), &r));
    CHECK_INT_EQ(r.status, 303);
    ts_response_free(&r);
    CHECK_INT_EQ(get_with_session(&t, "/console", session), 401);
    CHECK_INT_EQ(audit_has(&t, "logout"), 1);

    /* a disabled account cannot sign in, and loses its sessions */
    CHECK_INT_EQ(post_login(&t, cookie, token, "alice", password, &r), 303);
    CHECK(ts_set_cookie(&r, "vigie_session", session, sizeof session, NULL, 0));
    ts_response_free(&r);
    CHECK_INT_EQ(get_with_session(&t, "/console", session), 200);
    int found = 0;
    CHECK(vg_hotline_account_set_disabled(t.srv->hotline, "alice", 1, "test", time(NULL), &found,
                                          NULL) == VG_OK &&
          found);
    CHECK_INT_EQ(get_with_session(&t, "/console", session), 401);
    CHECK_INT_EQ(post_login(&t, cookie, token, "alice", password, &r), 403);
    ts_response_free(&r);

    int ok = 0;
    char *problem = NULL;
    CHECK(vg_hotline_audit_verify(t.srv->hotline->store, &ok, &problem, NULL, NULL) == VG_OK && ok);
    free(problem);
    ts_stop(&t);
}

static int sign_in(ts_server *t, char session[80])
{
    char cookie[80], token[65];
    ts_response r;
    int ok = login_form(t, cookie, token) &&
             post_login(t, cookie, token, "alice", password, &r) == 303 &&
             ts_set_cookie(&r, "vigie_session", session, 80, NULL, 0);
    ts_response_free(&r);
    return ok;
}

/* A session left unused for session.idle_minutes ends; using it keeps it
 * alive (up to session.hours); 0 turns the idle timeout off. */
static void test_idle_timeout(void)
{
    ts_server t;
    CHECK(ts_start(&t, "session.idle_minutes = 10\nsession.hours = 2\n"));
    CHECK(ts_account(&t, "alice", password, VG_ROLE_ANALYST) > 0);
    char session[80];
    CHECK(sign_in(&t, session));
    CHECK_INT_EQ(ti_sql_int(&t, "SELECT expires_at - created_at FROM sessions"), 600);

    /* Eight minutes without a request, then one: the ten minutes start again. */
    CHECK(ti_sql_exec(&t, "UPDATE sessions SET expires_at = strftime('%s','now') + 120"));
    CHECK_INT_EQ(get_with_session(&t, "/console", session), 200);
    long long left = ti_sql_int(&t, "SELECT expires_at - strftime('%s','now') FROM sessions");
    CHECK(left >= 590 && left <= 600);

    /* Never past the lifetime, however busy. */
    CHECK(ti_sql_exec(&t, "UPDATE sessions SET created_at = created_at - 7200 + 300,"
                             " expires_at = strftime('%s','now') + 100"));
    CHECK_INT_EQ(get_with_session(&t, "/console", session), 200);
    left = ti_sql_int(&t, "SELECT expires_at - strftime('%s','now') FROM sessions");
    CHECK(left >= 290 && left <= 300);

    /* Idle too long: signed out. */
    CHECK(ti_sql_exec(&t, "UPDATE sessions SET expires_at = strftime('%s','now') - 1"));
    CHECK_INT_EQ(get_with_session(&t, "/console", session), 401);
    ts_stop(&t);

    CHECK(ts_start(&t, "session.idle_minutes = 0\n"));
    CHECK(ts_account(&t, "alice", password, VG_ROLE_ANALYST) > 0);
    CHECK(sign_in(&t, session));
    CHECK_INT_EQ(ti_sql_int(&t, "SELECT expires_at - created_at FROM sessions"), 8 * 3600);
    ts_stop(&t);
}

static void test_lockout(void)
{
    ts_server t;
    CHECK(ts_start(&t, "login.max_failures = 3\nlogin.lockout_seconds = 600\n"));
    CHECK(ts_account(&t, "bob", password, VG_ROLE_SUPERVISOR) > 0);
    char cookie[80], token[65];
    CHECK(login_form(&t, cookie, token));
    ts_response r;
    for (int i = 0; i < 3; i++) {
        CHECK_INT_EQ(post_login(&t, cookie, token, "bob", "not the password", &r), 401);
        ts_response_free(&r);
    }
    CHECK_INT_EQ(audit_has(&t, "login.lockout"), 1);
    /* the right password no longer works while sign-in is paused, and the
     * answer is the one a wrong password gets (nothing says "locked") */
    ts_response wrong;
    CHECK_INT_EQ(post_login(&t, cookie, token, "bob", "not the password", &wrong), 401);
    CHECK_INT_EQ(post_login(&t, cookie, token, "bob", password, &r), 401);
    CHECK_STR_EQ(r.body, wrong.body);
    CHECK(strstr(r.body, "locked") == NULL);
    ts_response_free(&r);
    ts_response_free(&wrong);
    vg_login_state state;
    CHECK(vg_hotline_login_state(t.srv->hotline, "bob", &state, NULL) == VG_OK);
    int64_t until = state.locked_until;
    CHECK(until > time(NULL) + 500 && until <= time(NULL) + 600);
    ts_stop(&t);
}

/* The failures that lock are consecutive (docs/server.md): a successful
 * sign-in starts the count again. With login.max_failures = 3: fail,
 * fail, succeed, fail, and the right password still opens. */
static void test_success_resets_failures(void)
{
    ts_server t;
    CHECK(ts_start(&t, "login.max_failures = 3\nlogin.lockout_seconds = 600\n"));
    CHECK(ts_account(&t, "dave", password, VG_ROLE_ANALYST) > 0);
    char cookie[80], token[65];
    CHECK(login_form(&t, cookie, token));
    /* 1: the right password (signed in), 0: a wrong one (refused, however
     * the refusal is worded) */
    static const int right[] = {0, 0, 1, 0, 1};
    for (size_t i = 0; i < sizeof right / sizeof right[0]; i++) {
        ts_response r;
        long status =
            post_login(&t, cookie, token, "dave", right[i] ? password : "not the password", &r);
        CHECK_MSG(right[i] ? status == 303 : status >= 400 && status < 500,
                  "attempt %zu (%s password): %ld", i + 1, right[i] ? "right" : "wrong", status);
        ts_response_free(&r);
    }
    ts_stop(&t);
}

static void test_totp(void)
{
    ts_server t;
    CHECK(ts_start(&t, "http.secure_cookies = false\n"));
    int64_t id = ts_account(&t, "carol", password, VG_ROLE_ADMINISTRATOR);
    char secret[VG_TOTP_SECRET_CHARS + 1];
    vg_totp_new_secret(secret);
    /* stored as versions before sealing did: it still opens */
    CHECK(ts_account_set_plain_totp(t.srv->hotline->store, id, secret) == VG_OK);

    char cookie[80], token[65];
    CHECK(login_form(&t, cookie, token));
    ts_response r;
    CHECK_INT_EQ(post_login(&t, cookie, token, "carol", password, &r), 303);
    char location[100], pending[80], attrs[300];
    CHECK(ts_header(&r, "Location", location, sizeof location) &&
          !strcmp(location, "/login/totp"));
    CHECK(ts_set_cookie(&r, "vigie_session", pending, sizeof pending, attrs, sizeof attrs));
    CHECK(strstr(attrs, "Secure") == NULL); /* turned off for plain-http development */
    ts_response_free(&r);
    /* half signed in is not signed in */
    CHECK_INT_EQ(get_with_session(&t, "/console", pending), 401);

    char header[200];
    snprintf(header, sizeof header, "Cookie: vigie_session=%s", pending);
    const char *h[] = {header, NULL};
    CHECK(ts_call(&t, "GET", "/login/totp", h, NULL, 0, &r));
    CHECK_INT_EQ(r.status, 200);
    char ptoken[65];
    CHECK(form_token(r.body, ptoken));
    ts_response_free(&r);

    uint8_t key[32];
    int len = vg_base32_decode(secret, key, sizeof key);
    CHECK_INT_EQ(len, 20);
    int64_t now = time(NULL);
    unsigned right = vg_totp_code(key, (size_t)len, (uint64_t)(now / 30));
    char body[200];
    const char *hp[] = {header, "Content-Type: application/x-www-form-urlencoded", NULL};
    snprintf(body, sizeof body, "csrf_token=%s&code=%06u", ptoken, (right + 1) % 1000000);
    CHECK(ts_call(&t, "POST", "/login/totp", hp, body, strlen(body), &r));
    CHECK_INT_EQ(r.status, 401);
    ts_response_free(&r);
    /* Codes ten and two steps old are refused (one step of drift only):
     * should the clock turn a step meanwhile, they are older still. */
    for (int age = 10; age >= 2; age -= 8) {
        unsigned old = vg_totp_code(key, (size_t)len, (uint64_t)(now / 30 - age));
        snprintf(body, sizeof body, "csrf_token=%s&code=%06u", ptoken, old);
        CHECK(ts_call(&t, "POST", "/login/totp", hp, body, strlen(body), &r));
        CHECK_MSG(r.status == 401, "a code %d steps old: %ld", age, r.status);
        ts_response_free(&r);
    }

    snprintf(body, sizeof body, "csrf_token=%s&code=%06u", ptoken, right);
    CHECK(ts_call(&t, "POST", "/login/totp", hp, body, strlen(body), &r));
    CHECK_INT_EQ(r.status, 303);
    char full[80];
    CHECK(ts_set_cookie(&r, "vigie_session", full, sizeof full, NULL, 0));
    ts_response_free(&r);
    CHECK_INT_EQ(get_with_session(&t, "/console", full), 200);
    CHECK_INT_EQ(get_with_session(&t, "/console", pending), 401); /* the pending one is gone */

    /* the same code cannot be used twice */
    CHECK(login_form(&t, cookie, token));
    CHECK_INT_EQ(post_login(&t, cookie, token, "carol", password, &r), 303);
    CHECK(ts_set_cookie(&r, "vigie_session", pending, sizeof pending, NULL, 0));
    ts_response_free(&r);
    snprintf(header, sizeof header, "Cookie: vigie_session=%s", pending);
    CHECK(ts_call(&t, "GET", "/login/totp", h, NULL, 0, &r));
    CHECK(form_token(r.body, ptoken));
    ts_response_free(&r);
    snprintf(body, sizeof body, "csrf_token=%s&code=%06u", ptoken, right);
    CHECK(ts_call(&t, "POST", "/login/totp", hp, body, strlen(body), &r));
    CHECK_INT_EQ(r.status, 401);
    ts_response_free(&r);
    ts_stop(&t);
}

static void test_totp_vectors(void)
{
    /* RFC 6238 appendix B, SHA-1, truncated to 6 digits. */
    const uint8_t key[] = "12345678901234567890";
    CHECK_INT_EQ(vg_totp_code(key, 20, 59 / 30), 287082);
    CHECK_INT_EQ(vg_totp_code(key, 20, 1111111109 / 30), 81804);
    CHECK_INT_EQ(vg_totp_code(key, 20, 1234567890 / 30), 5924);
    CHECK_INT_EQ(vg_totp_code(key, 20, 20000000000LL / 30), 353130);
    uint8_t out[32];
    CHECK_INT_EQ(vg_base32_decode("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", out, sizeof out), 20);
    CHECK(!memcmp(out, key, 20));
    CHECK_INT_EQ(vg_base32_decode("not base32!", out, sizeof out), -1);
    int64_t step = 0;
    CHECK(vg_totp_check("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", "287082", 59, &step) && step == 1);
    CHECK(!vg_totp_check("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", "287083", 59, &step));
    CHECK(!vg_totp_check("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", "28708", 59, &step));
    /* The window, from RFC 6238's vector at T = 1111111109 (step 37037036,
     * code 081804): accepted in its own step and one step either side,
     * refused two steps after (or before) and ten steps after. */
    const char *rfc = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
    static const struct {
        int64_t now;
        int accepted;
    } window[] = {
        {1111111109, 1},          /* its own step */
        {1111111111, 1},          /* one step later: drift */
        {1111111079, 1},          /* one step earlier: drift */
        {1111111140, 0},          /* two steps later */
        {1111111020, 0},          /* two steps earlier */
        {1111111080 + 10 * 30, 0}, /* ten steps later */
    };
    for (size_t i = 0; i < sizeof window / sizeof window[0]; i++) {
        step = 0;
        int ok = vg_totp_check(rfc, "081804", window[i].now, &step);
        CHECK_MSG(ok == window[i].accepted, "081804 at %lld: %d", (long long)window[i].now, ok);
        if (window[i].accepted)
            CHECK_INT_EQ(step, 37037036);
    }
    char *uri = vg_totp_uri("vigie", "a b", "ABC");
    CHECK_STR_EQ(uri, "otpauth://totp/vigie:a%20b?secret=ABC&issuer=vigie&algorithm=SHA1&"
                      "digits=6&period=30");
    free(uri);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_ALL);
    RUN(test_totp_vectors);
    RUN(test_healthz_and_metrics);
    RUN(test_sign_in_and_out);
    RUN(test_idle_timeout);
    RUN(test_lockout);
    RUN(test_success_resets_failures);
    RUN(test_totp);
    curl_global_cleanup();
    return vg_test_exit();
}

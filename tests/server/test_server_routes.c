/*
 * Every route x every kind of caller, against the roles this file states:
 * the expected table below is written here, not read from the server, so
 * a route registered with a lower role than it should have is caught, and
 * a route the table does not list fails the test until someone decides
 * (here) who may use it.
 *
 * A caller below the route's role is refused (401 when anonymous, 403
 * otherwise) before the handler runs; a caller with the role is not
 * refused, whatever the handler then says about the (empty) request, and
 * the server never answers 5xx. Handlers answer 401/403 only to refuse.
 * The checker itself is tested on routes needing supervisor and
 * administrator, and on a planted route registered with too low a role.
 */
#include <sodium.h>

#include "server_test.h"

/* A route and the least role it needs (VG_ROLE_PARTNER: a partner key and
 * nobody else). Routes for supervisors and administrators are listed here
 * with the pages that bring them. */
typedef struct expected_route {
    const char *method, *path;
    vg_role role;
} expected_route;

static const expected_route EXPECTED[] = {
    {"GET", "/healthz", VG_ROLE_NONE},
    {"GET", "/metrics", VG_ROLE_NONE},
    {"GET", "/login", VG_ROLE_NONE},
    {"POST", "/login", VG_ROLE_NONE},
    {"GET", "/login/totp", VG_ROLE_NONE},
    {"POST", "/login/totp", VG_ROLE_NONE},
    {"POST", "/logout", VG_ROLE_NONE},
    {"GET", "/", VG_ROLE_NONE},
    {"GET", "/privacy", VG_ROLE_NONE},
    {"GET", "/report", VG_ROLE_NONE},
    {"POST", "/report", VG_ROLE_NONE},
    {"GET", "/report/receipt", VG_ROLE_NONE},
    {"POST", "/report/receipt", VG_ROLE_NONE},
    {"GET", "/status", VG_ROLE_NONE},
    {"POST", "/status", VG_ROLE_NONE},
    {"GET", "/transparency/report", VG_ROLE_NONE},
    {"GET", "/api/v1/openapi.json", VG_ROLE_NONE},
    {"POST", "/api/v1/reports", VG_ROLE_PARTNER},
    {"GET", "/api/v1/reports", VG_ROLE_PARTNER},
    {"GET", "/api/v1/stats", VG_ROLE_PARTNER},
    {"GET", "/api/v1/blocklist/prefixes", VG_ROLE_PARTNER},
    {"GET", "/api/v1/blocklist/full-hashes", VG_ROLE_PARTNER},
    {"GET", "/api/v1/blocklist/rpz", VG_ROLE_PARTNER},
    {"POST", "/api/v1/forwards", VG_ROLE_PARTNER},
    {"GET", "/hma/h/hash", VG_ROLE_PARTNER},
    {"POST", "/hma/h/hash", VG_ROLE_PARTNER},
    {"GET", "/hma/m/lookup", VG_ROLE_PARTNER},
    {"POST", "/hma/m/lookup", VG_ROLE_PARTNER},
    {"GET", "/hma/m/raw_lookup", VG_ROLE_PARTNER},
    {"GET", "/hma/m/index/status", VG_ROLE_PARTNER},
    {"POST", "/hma/m/compare", VG_ROLE_PARTNER},
    {"GET", "/hma/c/banks", VG_ROLE_PARTNER},
    {"POST", "/hma/c/banks", VG_ROLE_PARTNER},
    {"GET", "/hma/c/bank", VG_ROLE_PARTNER},
    {"PUT", "/hma/c/bank", VG_ROLE_PARTNER},
    {"DELETE", "/hma/c/bank", VG_ROLE_PARTNER},
    {"POST", "/hma/c/bank", VG_ROLE_PARTNER},
    {"GET", "/api/v1/banks", VG_ROLE_PARTNER},
    {"POST", "/api/v1/banks", VG_ROLE_PARTNER},
    {"PUT", "/api/v1/banks", VG_ROLE_PARTNER},
    {"DELETE", "/api/v1/banks", VG_ROLE_PARTNER},
    {"GET", "/api/v1/lookup", VG_ROLE_PARTNER},
    {"POST", "/api/v1/lookup", VG_ROLE_PARTNER},
    {"GET", "/ispws/status", VG_ROLE_PARTNER},
    {"POST", "/ispws/submit", VG_ROLE_PARTNER},
    {"POST", "/ispws/upload", VG_ROLE_PARTNER},
    {"POST", "/ispws/fileinfo", VG_ROLE_PARTNER},
    {"POST", "/ispws/finish", VG_ROLE_PARTNER},
    {"POST", "/ispws/retract", VG_ROLE_PARTNER},
    {"GET", "/console", VG_ROLE_ANALYST},
    {"GET", "/console/queue", VG_ROLE_ANALYST},
    {"POST", "/console/claim", VG_ROLE_ANALYST},
    {"POST", "/console/release", VG_ROLE_ANALYST},
    {"GET", "/console/item", VG_ROLE_ANALYST},
    {"POST", "/console/assess", VG_ROLE_ANALYST},
    {"GET", "/console/files", VG_ROLE_ANALYST},
    {"POST", "/console/files", VG_ROLE_ANALYST},
    {"GET", "/console/case", VG_ROLE_ANALYST},
    {"POST", "/console/contact", VG_ROLE_ANALYST},
    {"POST", "/console/settle", VG_ROLE_SUPERVISOR},
    {"POST", "/console/reopen", VG_ROLE_SUPERVISOR},
    {"POST", "/console/next", VG_ROLE_ANALYST},
    {"GET", "/console/search", VG_ROLE_ANALYST},
    {"GET", "/console/admin", VG_ROLE_ADMINISTRATOR},
    {"GET", "/console/admin/users", VG_ROLE_ADMINISTRATOR},
    {"POST", "/console/admin/users", VG_ROLE_ADMINISTRATOR},
    {"POST", "/console/admin/user", VG_ROLE_ADMINISTRATOR},
    {"GET", "/console/admin/keys", VG_ROLE_ADMINISTRATOR},
    {"POST", "/console/admin/keys", VG_ROLE_ADMINISTRATOR},
    {"POST", "/console/admin/key", VG_ROLE_ADMINISTRATOR},
    {"GET", "/console/admin/banks", VG_ROLE_ADMINISTRATOR},
    {"POST", "/console/admin/banks", VG_ROLE_ADMINISTRATOR},
    {"POST", "/console/admin/banks/release", VG_ROLE_ADMINISTRATOR},
    {"GET", "/console/admin/audit", VG_ROLE_ADMINISTRATOR},
    {"POST", "/console/admin/audit", VG_ROLE_ADMINISTRATOR},
    {"GET", "/console/alerts", VG_ROLE_ANALYST},
    {"GET", "/console/account", VG_ROLE_ANALYST},
    {"POST", "/console/account", VG_ROLE_ANALYST},
    {"GET", "/console/stats", VG_ROLE_SUPERVISOR},
    {"POST", "/console/alerts/ack", VG_ROLE_ANALYST},
    {"GET", "/notice", VG_ROLE_NONE},
    {"POST", "/notice", VG_ROLE_NONE},
    {"GET", "/stop", VG_ROLE_NONE},
    {"POST", "/stop/appeal", VG_ROLE_NONE},
    {"GET", "/console/notices", VG_ROLE_ANALYST},
    {"GET", "/console/notice", VG_ROLE_ANALYST},
    {"POST", "/console/notice/confirm", VG_ROLE_ANALYST},
    {"GET", "/console/providers", VG_ROLE_SUPERVISOR},
    {"GET", "/console/blocklist", VG_ROLE_ANALYST},
    {"GET", "/console/blocklist/proposals", VG_ROLE_ANALYST},
    {"GET", "/console/blocklist/expiring", VG_ROLE_ANALYST},
    {"GET", "/console/blocklist/appeals", VG_ROLE_ANALYST},
    {"POST", "/console/blocklist/propose", VG_ROLE_ANALYST},
    {"POST", "/console/blocklist/decide", VG_ROLE_SUPERVISOR},
    {"POST", "/console/blocklist/renew", VG_ROLE_ANALYST},
    {"POST", "/console/blocklist/appeal", VG_ROLE_SUPERVISOR},
    {"POST", "/console/blocklist/opening", VG_ROLE_SUPERVISOR},
    {"POST", "/console/route", VG_ROLE_ANALYST},
    {"POST", "/console/route/removed", VG_ROLE_ANALYST},
    {"GET", "/transparency/checkpoint", VG_ROLE_NONE},
    {"GET", "/transparency/key", VG_ROLE_NONE},
    {"GET", "/transparency/tile", VG_ROLE_NONE},
};
#define EXPECTED_COUNT (sizeof EXPECTED / sizeof EXPECTED[0])

/* The partner routes that need scopes of the key (VG_SCOPE_*, every one
 * listed); a partner route not listed here needs none. */
typedef struct expected_scopes {
    const char *method, *path;
    unsigned scopes;
} expected_scopes;

static const expected_scopes SCOPED[] = {
    {"POST", "/api/v1/reports", VG_SCOPE_REPORT},
    {"GET", "/api/v1/reports", VG_SCOPE_REPORT},
    {"GET", "/api/v1/stats", VG_SCOPE_STATS},
    {"GET", "/api/v1/blocklist/prefixes", VG_SCOPE_BLOCKLIST},
    {"GET", "/api/v1/blocklist/full-hashes", VG_SCOPE_BLOCKLIST},
    {"GET", "/api/v1/blocklist/rpz", VG_SCOPE_BLOCKLIST},
    {"POST", "/api/v1/forwards", VG_SCOPE_REPORT},
    {"GET", "/hma/h/hash", VG_SCOPE_HASH},
    {"POST", "/hma/h/hash", VG_SCOPE_HASH},
    {"GET", "/hma/m/lookup", VG_SCOPE_MATCH},
    {"POST", "/hma/m/lookup", VG_SCOPE_MATCH},
    {"GET", "/hma/m/raw_lookup", VG_SCOPE_MATCH},
    {"GET", "/hma/m/index/status", VG_SCOPE_MATCH},
    {"POST", "/hma/m/compare", VG_SCOPE_MATCH},
    {"GET", "/hma/c/banks", VG_SCOPE_CURATE},
    {"POST", "/hma/c/banks", VG_SCOPE_CURATE},
    {"GET", "/hma/c/bank", VG_SCOPE_CURATE},
    {"PUT", "/hma/c/bank", VG_SCOPE_CURATE},
    {"DELETE", "/hma/c/bank", VG_SCOPE_CURATE},
    {"POST", "/hma/c/bank", VG_SCOPE_CURATE},
    {"GET", "/api/v1/banks", VG_SCOPE_CURATE},
    {"POST", "/api/v1/banks", VG_SCOPE_CURATE},
    {"PUT", "/api/v1/banks", VG_SCOPE_CURATE},
    {"DELETE", "/api/v1/banks", VG_SCOPE_CURATE},
    {"GET", "/api/v1/lookup", VG_SCOPE_MATCH},
    {"POST", "/api/v1/lookup", VG_SCOPE_MATCH},
    {"GET", "/ispws/status", VG_SCOPE_REPORT},
    {"POST", "/ispws/submit", VG_SCOPE_REPORT},
    {"POST", "/ispws/upload", VG_SCOPE_REPORT},
    {"POST", "/ispws/fileinfo", VG_SCOPE_REPORT},
    {"POST", "/ispws/finish", VG_SCOPE_REPORT},
    {"POST", "/ispws/retract", VG_SCOPE_REPORT},
};
#define SCOPED_COUNT (sizeof SCOPED / sizeof SCOPED[0])

static unsigned scopes_expected(const char *method, const char *path)
{
    for (size_t i = 0; i < SCOPED_COUNT; i++)
        if (!strcmp(SCOPED[i].method, method) && !strcmp(SCOPED[i].path, path))
            return SCOPED[i].scopes;
    return 0;
}

typedef struct caller {
    const char *name;
    vg_role role;
    int64_t account_id;
    char cookie[200];
    char auth[120];
    char csrf[65];
} caller;

#define CALLERS 5

/* What the checker found; each problem is also printed. */
typedef struct matrix {
    int unlisted;     /* registered, not in the expected table */
    int missing;      /* in the table, not registered */
    int wrong_role;   /* registered with another role than the table's */
    int wrong_scopes; /* registered with other scopes than SCOPED's */
    int let_through;  /* a caller below the role was not refused */
    int kept_out;     /* a caller with the role was refused, or got 5xx */
    int requests;
} matrix;

static int allowed(vg_role need, vg_role have)
{
    if (need == VG_ROLE_NONE)
        return 1;
    if (need == VG_ROLE_PARTNER)
        return have == VG_ROLE_PARTNER;
    return have >= need && have != VG_ROLE_PARTNER;
}

static const expected_route *find(const expected_route *table, size_t n, const char *method,
                                  const char *path)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(table[i].method, method) && !strcmp(table[i].path, path))
            return &table[i];
    return NULL;
}

/* Anonymous, partner, analyst, supervisor, administrator. */
static int make_callers(ts_server *t, caller callers[CALLERS])
{
    static const struct {
        const char *name;
        vg_role role;
    } kinds[CALLERS] = {{"anonymous", VG_ROLE_NONE},
                        {"partner", VG_ROLE_PARTNER},
                        {"analyst", VG_ROLE_ANALYST},
                        {"supervisor", VG_ROLE_SUPERVISOR},
                        {"administrator", VG_ROLE_ADMINISTRATOR}};
    memset(callers, 0, CALLERS * sizeof *callers);
    for (int c = 0; c < CALLERS; c++) {
        callers[c].name = kinds[c].name;
        callers[c].role = kinds[c].role;
    }
    /* anonymous (and the partner): the CSRF cookie and token the server
     * serves, so that forms get past CSRF */
    if (!ts_anon_form(t, "/login", callers[0].cookie, callers[0].csrf))
        return 0;
    char key[80];
    if (ts_api_key(t, "Partner Org", 100000, key) <= 0)
        return 0;
    snprintf(callers[1].auth, sizeof callers[1].auth, "Authorization: Bearer %s", key);
    memcpy(callers[1].cookie, callers[0].cookie, sizeof callers[1].cookie);
    memcpy(callers[1].csrf, callers[0].csrf, sizeof callers[1].csrf);
    for (int c = 2; c < CALLERS; c++) {
        callers[c].account_id = ts_account(t, callers[c].name, "a long password here",
                                           callers[c].role);
        if (!callers[c].account_id)
            return 0;
    }
    return 1;
}

/* Try every route of table with every caller and compare the server's
 * route table with it; problems are counted in *m and printed. */
static void route_matrix(ts_server *t, const expected_route *table, size_t n, matrix *m)
{
    memset(m, 0, sizeof *m);
    caller callers[CALLERS];
    if (!make_callers(t, callers)) {
        fprintf(stderr, "route matrix: could not make the callers\n");
        m->kept_out++;
        return;
    }
    size_t count = 0;
    const vg_route *routes = vg_http_routes(t->srv->http, &count);
    for (size_t r = 0; r < count; r++) {
        const expected_route *e = find(table, n, routes[r].method, routes[r].path);
        if (!e) {
            fprintf(stderr, "route matrix: %s %s is registered but the test's table does not "
                            "list it: add it with the least role it needs\n",
                    routes[r].method, routes[r].path);
            m->unlisted++;
        } else if (e->role != routes[r].role) {
            fprintf(stderr, "route matrix: %s %s is registered for %s, the test's table says %s\n",
                    e->method, e->path, vg_role_name(routes[r].role), vg_role_name(e->role));
            m->wrong_role++;
        }
        if (e && VG_ROUTE_SCOPES_OF(routes[r].flags) != scopes_expected(e->method, e->path)) {
            fprintf(stderr, "route matrix: %s %s is registered with scopes %#x, the test's table "
                            "says %#x\n",
                    e->method, e->path, VG_ROUTE_SCOPES_OF(routes[r].flags),
                    scopes_expected(e->method, e->path));
            m->wrong_scopes++;
        }
    }
    for (size_t i = 0; i < n; i++) {
        const expected_route *e = &table[i];
        int registered = 0;
        for (size_t r = 0; r < count && !registered; r++)
            registered = !strcmp(routes[r].method, e->method) && !strcmp(routes[r].path, e->path);
        if (!registered) {
            fprintf(stderr, "route matrix: %s %s is in the test's table but not registered\n",
                    e->method, e->path);
            m->missing++;
            continue;
        }
        for (int c = 0; c < CALLERS; c++) {
            caller *who = &callers[c];
            if (who->account_id) {
                /* a fresh session each time: a route (sign-out) may end it */
                char token[65];
                if (!ts_session(t, who->account_id, 0, token, who->csrf)) {
                    m->kept_out++;
                    continue;
                }
                snprintf(who->cookie, sizeof who->cookie, "Cookie: vigie_session=%s", token);
            }
            const char *headers[4] = {who->cookie, NULL, NULL, NULL};
            int h = 1;
            if (who->auth[0])
                headers[h++] = who->auth;
            int has_body = strcmp(e->method, "GET") && strcmp(e->method, "HEAD");
            char body[100];
            snprintf(body, sizeof body, "csrf_token=%s", who->csrf);
            if (has_body)
                headers[h++] = "Content-Type: application/x-www-form-urlencoded";
            ts_response resp;
            int got = ts_call(t, e->method, e->path, headers, has_body ? body : NULL,
                              has_body ? strlen(body) : 0, &resp);
            m->requests++;
            long refusal = who->role == VG_ROLE_NONE ? 401 : 403;
            if (!got) {
                fprintf(stderr, "route matrix: %s %s as %s: no answer\n", e->method, e->path,
                        who->name);
                m->kept_out++;
            } else if (allowed(e->role, who->role)) {
                if (resp.status == 401 || resp.status == 403 || resp.status >= 500) {
                    fprintf(stderr, "route matrix: %s %s as %s (needs %s): %ld, expected to be "
                                    "let through\n",
                            e->method, e->path, who->name, vg_role_name(e->role), resp.status);
                    m->kept_out++;
                }
            } else if (resp.status != refusal) {
                fprintf(stderr, "route matrix: %s %s as %s (needs %s): %ld, expected %ld\n",
                        e->method, e->path, who->name, vg_role_name(e->role), resp.status,
                        refusal);
                m->let_through++;
            }
            ts_response_free(&resp);
        }
    }
}

static void test_route_matrix(void)
{
    ts_server t;
    CHECK(ts_start(&t, NULL));
    matrix m;
    route_matrix(&t, EXPECTED, EXPECTED_COUNT, &m);
    CHECK_INT_EQ(m.unlisted, 0);
    CHECK_INT_EQ(m.missing, 0);
    CHECK_INT_EQ(m.wrong_role, 0);
    CHECK_INT_EQ(m.wrong_scopes, 0);
    CHECK_INT_EQ(m.let_through, 0);
    CHECK_INT_EQ(m.kept_out, 0);
    CHECK_INT_EQ(m.requests, (long long)EXPECTED_COUNT * CALLERS);

    /* a key without a route's scopes is refused there before its body is
     * read, with a message saying why; one with exactly them is not */
    for (size_t i = 0; i < SCOPED_COUNT; i++) {
        char lacking[80], exact[80], auth_l[120], auth_e[120];
        CHECK(ts_api_key_scoped(&t, "Lacking Org", 0, VG_SCOPE_ALL & ~SCOPED[i].scopes,
                                lacking) > 0);
        CHECK(ts_api_key_scoped(&t, "Exact Org", 0, SCOPED[i].scopes, exact) > 0);
        snprintf(auth_l, sizeof auth_l, "Authorization: Bearer %s", lacking);
        snprintf(auth_e, sizeof auth_e, "Authorization: Bearer %s", exact);
        const char *hl[] = {auth_l, "Content-Type: application/json", NULL};
        const char *he[] = {auth_e, "Content-Type: application/json", NULL};
        ts_response r;
        CHECK(ts_call(&t, SCOPED[i].method, SCOPED[i].path, hl, "{}", 2, &r));
        CHECK_MSG(r.status == 403, "%s %s without its scopes: %ld", SCOPED[i].method,
                  SCOPED[i].path, r.status);
        CHECK(r.body && strstr(r.body, "scope") != NULL);
        ts_response_free(&r);
        CHECK(ts_call(&t, SCOPED[i].method, SCOPED[i].path, he, "{}", 2, &r));
        CHECK_MSG(r.status != 401 && r.status != 403 && r.status < 500,
                  "%s %s with exactly its scopes: %ld", SCOPED[i].method, SCOPED[i].path,
                  r.status);
        ts_response_free(&r);
    }

    /* a revoked key is refused everywhere, as an unknown one */
    char key[80];
    CHECK(ts_api_key(&t, "Revoked Org", 0, key) > 0);
    char auth[120], prefix[16];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", key);
    snprintf(prefix, sizeof prefix, "%.11s", key);
    int found = 0;
    CHECK(vg_hotline_api_key_revoke(t.srv->hotline, 0, "vg_", "test", time(NULL), &found, NULL) ==
          VG_OK);
    CHECK(vg_hotline_api_key_revoke(t.srv->hotline, 0, prefix, "test", time(NULL), &found,
                                    NULL) == VG_OK &&
          found);
    const char *h[] = {auth, NULL};
    ts_response resp;
    CHECK(ts_call(&t, "GET", "/healthz", h, NULL, 0, &resp));
    CHECK_INT_EQ(resp.status, 401);
    ts_response_free(&resp);
    const char *bad[] = {"Authorization: Basic dXNlcjpwYXNz", NULL};
    CHECK(ts_call(&t, "GET", "/healthz", bad, NULL, 0, &resp));
    CHECK_INT_EQ(resp.status, 401);
    ts_response_free(&resp);
    ts_stop(&t);
}

/* ---- the checker, checked ---------------------------------------------- */

static void answer_ok(vg_http_request *req) { vg_http_text(req, 200, "ok"); }

/* Routes needing supervisor and administrator pass when the table says
 * so; a route registered for analysts that the table reserves to
 * administrators, one the table does not list, and one the table lists but
 * nobody registered are each reported. */
static void test_route_matrix_catches_mistakes(void)
{
    static const vg_route extra[] = {
        {"GET", "/test/supervisor", VG_ROLE_SUPERVISOR, 0, 0, answer_ok, NULL, NULL},
        {"POST", "/test/administrator", VG_ROLE_ADMINISTRATOR, VG_ROUTE_CSRF, 0, answer_ok, NULL,
         NULL},
        {"GET", "/test/too-low", VG_ROLE_ANALYST, 0, 0, answer_ok, NULL, NULL},
        {"GET", "/test/unlisted", VG_ROLE_ADMINISTRATOR, 0, 0, answer_ok, NULL, NULL},
    };
    static const expected_route more[] = {
        {"GET", "/test/supervisor", VG_ROLE_SUPERVISOR},
        {"POST", "/test/administrator", VG_ROLE_ADMINISTRATOR},
        {"GET", "/test/too-low", VG_ROLE_ADMINISTRATOR},
        {"GET", "/test/never-registered", VG_ROLE_SUPERVISOR},
    };
    expected_route table[EXPECTED_COUNT + 4];
    memcpy(table, EXPECTED, sizeof EXPECTED);
    memcpy(table + EXPECTED_COUNT, more, sizeof more);
    ts_server t;
    CHECK(ts_open(&t, NULL));
    CHECK(vg_http_add_routes(t.srv->http, extra, 4, NULL) == VG_OK);
    CHECK(ts_listen(&t));
    fprintf(stderr, "(the route matrix problems below are planted; the test expects them)\n");
    matrix m;
    route_matrix(&t, table, EXPECTED_COUNT + 4, &m);
    CHECK_INT_EQ(m.unlisted, 1);    /* /test/unlisted */
    CHECK_INT_EQ(m.missing, 1);     /* /test/never-registered */
    CHECK_INT_EQ(m.wrong_role, 1);  /* /test/too-low */
    CHECK_INT_EQ(m.let_through, 2); /* /test/too-low: the analyst and the supervisor */
    CHECK_INT_EQ(m.kept_out, 0);    /* the supervisor and administrator routes work */
    CHECK_INT_EQ(m.requests, (long long)(EXPECTED_COUNT + 3) * CALLERS);
    ts_stop(&t);
}

/* Basic credentials (any user name, the key as password) open only the
 * routes that take them; refusals below a prefix given a style of its own
 * are worded in it, unknown addresses there too, and elsewhere as before. */
static void answer_org(vg_http_request *req)
{
    const vg_http_caller *c = vg_http_caller_of(req);
    vg_http_text(req, 200, c->org ? c->org : "");
}

static void refuse_in_xml(vg_http_request *req, unsigned status, const char *message)
{
    char body[600];
    snprintf(body, sizeof body, "<refused status=\"%u\">%.500s</refused>", status, message);
    vg_http_respond(req, status, "text/xml", body, strlen(body));
}

static void test_basic_credentials_and_refusal_styles(void)
{
    static const vg_route extra[] = {
        {"GET", "/styled/basic", VG_ROLE_PARTNER, VG_ROUTE_BASIC_AUTH, 0, answer_org, NULL, NULL},
        {"GET", "/styled/bearer", VG_ROLE_PARTNER, VG_ROUTE_SCOPES(VG_SCOPE_CURATE), 0,
         answer_org, NULL, NULL},
    };
    ts_server t;
    CHECK(ts_open(&t, NULL));
    CHECK(vg_http_add_routes(t.srv->http, extra, 2, NULL) == VG_OK);
    CHECK(vg_http_set_refusal(t.srv->http, "/styled/", refuse_in_xml, NULL) == VG_OK);
    CHECK(vg_http_set_refusal(t.srv->http, "relative", refuse_in_xml, NULL) != VG_OK);
    CHECK(ts_listen(&t));
    char key[80], basic[200], b64[160], userpass[120];
    CHECK(ts_api_key_scoped(&t, "Basic Org", 0, VG_SCOPE_REPORT, key) > 0);
    snprintf(userpass, sizeof userpass, "anyone:%s", key);
    sodium_bin2base64(b64, sizeof b64, (const unsigned char *)userpass, strlen(userpass),
                      sodium_base64_VARIANT_ORIGINAL);
    snprintf(basic, sizeof basic, "Authorization: Basic %s", b64);
    const char *hb[] = {basic, NULL};
    ts_response r;
    CHECK(ts_call(&t, "GET", "/styled/basic", hb, NULL, 0, &r));
    CHECK_INT_EQ(r.status, 200);
    CHECK(r.body && !strcmp(r.body, "Basic Org"));
    ts_response_free(&r);
    /* Basic where it is not taken: refused as any other scheme */
    CHECK(ts_call(&t, "GET", "/styled/bearer", hb, NULL, 0, &r));
    CHECK_INT_EQ(r.status, 401);
    CHECK(r.body && strstr(r.body, "<refused status=\"401\">") != NULL);
    ts_response_free(&r);
    /* a wrong password, no password, garbage: 401 with the Basic challenge */
    const char *wrong[][2] = {{"Authorization: Basic YW55b25lOnZnX3dyb25n", NULL},
                              {"Authorization: Basic YW55b25lOg==", NULL},
                              {"Authorization: Basic !!!not-base64!!!", NULL},
                              {"Authorization: Basic YW55b25lOnZnAA==", NULL}};
    for (size_t i = 0; i < 4; i++) {
        CHECK(ts_call(&t, "GET", "/styled/basic", wrong[i], NULL, 0, &r));
        CHECK_MSG(r.status == 401, "credentials %zu: %ld", i, r.status);
        char challenge[80];
        CHECK(ts_header(&r, "WWW-Authenticate", challenge, sizeof challenge) &&
              !strncmp(challenge, "Basic ", 6));
        CHECK(r.body && strstr(r.body, "<refused") != NULL);
        ts_response_free(&r);
    }
    /* the key lacks the scope: 403 in the style */
    char auth[120];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", key);
    const char *hk[] = {auth, NULL};
    CHECK(ts_call(&t, "GET", "/styled/bearer", hk, NULL, 0, &r));
    CHECK_INT_EQ(r.status, 403);
    CHECK(r.body && strstr(r.body, "<refused status=\"403\">") && strstr(r.body, "scope"));
    ts_response_free(&r);
    /* an unknown address and a wrong method below the prefix */
    CHECK(ts_call(&t, "GET", "/styled/nothing", NULL, NULL, 0, &r));
    CHECK_INT_EQ(r.status, 404);
    CHECK(r.body && strstr(r.body, "<refused status=\"404\">") != NULL);
    ts_response_free(&r);
    CHECK(ts_call(&t, "POST", "/styled/basic", hb, "x", 1, &r));
    CHECK_INT_EQ(r.status, 405);
    CHECK(r.body && strstr(r.body, "<refused status=\"405\">") != NULL);
    ts_response_free(&r);
    /* elsewhere, refusals keep the layer's words */
    CHECK(ts_call(&t, "GET", "/styledx", NULL, NULL, 0, &r));
    CHECK_INT_EQ(r.status, 404);
    CHECK(r.body && !strstr(r.body, "<refused"));
    ts_response_free(&r);
    ts_stop(&t);
}

static void test_rate_limit(void)
{
    ts_server t;
    CHECK(ts_start(&t, NULL));
    char key[80], auth[120];
    CHECK(ts_api_key(&t, "Slow Org", 2, key) > 0);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", key);
    const char *h[] = {auth, NULL};
    int limited = 0, ok = 0;
    for (int i = 0; i < 6; i++) {
        ts_response r;
        CHECK(ts_call(&t, "GET", "/healthz", h, NULL, 0, &r));
        if (r.status == 429) {
            char v[20];
            CHECK(ts_header(&r, "Retry-After", v, sizeof v) != NULL);
            CHECK(strstr(r.body, "rate_limited") != NULL);
            limited++;
        } else if (r.status == 200) {
            ok++;
        }
        ts_response_free(&r);
    }
    CHECK(ok >= 2);
    CHECK(limited >= 1);
    ts_stop(&t);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_ALL);
    RUN(test_route_matrix);
    RUN(test_route_matrix_catches_mistakes);
    RUN(test_basic_credentials_and_refusal_styles);
    RUN(test_rate_limit);
    curl_global_cleanup();
    return vg_test_exit();
}

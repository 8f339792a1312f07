/*
 * The stop page (GET /stop) and its form to report an error (POST
 * /stop/appeal), through the server: the page in the visitor's language
 * with the legal basis of the entry the request names (?url=, or a listed
 * Host), the configured help, the stop host answering every address, and
 * the appeal reaching the supervisors' queue with nothing of the visitor
 * kept; refused posts come back with the error and what was typed.
 *
 * Expected texts are the catalogues' (i18n/), written out here: a
 * changed or missing translation fails the test.
 */
#include <curl/curl.h>
#include <dirent.h>

#include "harness.h"
#include "hotline/blocklist.h"
#include "server_test.h"
#include "store/audit.h"
#include "store/blocklist.h"
#include "store/store.h"

#define LISTED_URL "http://listed.example/page"
#define LISTED_BASIS "Test act, art. 7"
#define DOMAIN "blocked.example"
#define DOMAIN_BASIS "Order 2026-17"
#define AGENT "StopPageTestAgent/9.1"
#define FORWARDED "198.51.100.23"

#define CONFIG                                                                              \
    "blocklist.legal_bases = " LISTED_BASIS "; " DOMAIN_BASIS "\n"                        \
    "blocklist.help = Test Line|0800 000 111|https://help.example/; Web Only||"            \
    "https://web.example/\n"                                                                \
    "blocklist.stop_host = stop.example\n"

typedef struct plant_args {
    const char *target, *kind, *basis;
    int64_t id;
} plant_args;

/* A listed entry, as an approval leaves it (the rules that get it there
 * are tests/jobs/test_blocklist.c's). */
static vg_status plant_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    plant_args *a = ctx;
    vg_block_entry e = {.target = (char *)a->target, .kind = (char *)a->kind, .route_id = 1,
                        .report_id = 1, .proposed_by = "ana", .proposed_at = 1796500000,
                        .approved_by = "sue", .approved_at = 1796500100,
                        .legal_basis = (char *)a->basis, .category = "csam",
                        .starts_at = 1796500100, .expires_at = 4102444800,
                        .review_at = 4102444800, .state = VG_BLOCK_LISTED, .listed_version = 1};
    return vg_tx_block_put(tx, &e, &a->id, err);
}

static int64_t plant(ts_server *t, const char *target, const char *kind, const char *basis)
{
    plant_args a = {target, kind, basis, 0};
    vg_error err;
    CHECK_MSG(vg_store_write(t->srv->hotline->store, plant_tx, &a, &err) == VG_OK, "%s",
              err.message);
    return a.id;
}

static int get(ts_server *t, const char *path, const char *host, ts_response *r)
{
    char line[128];
    snprintf(line, sizeof line, "Host: %s", host ? host : "127.0.0.1");
    const char *headers[] = {line, NULL};
    return ts_call(t, "GET", path, headers, NULL, 0, r);
}

static void has(const ts_response *r, const char *text)
{
    CHECK_MSG(r->body && strstr(r->body, text), "the page lacks \"%s\"", text);
}

static void lacks(const ts_response *r, const char *text)
{
    CHECK_MSG(!r->body || !strstr(r->body, text), "the page has \"%s\"", text);
}

static void test_page(ts_server *t)
{
    ts_response r;
    /* French, naming a listed URL: its basis, the help, the form quoting it */
    CHECK(get(t, "/stop?lang=fr&url=" LISTED_URL, NULL, &r) && r.status == 200);
    has(&r, "lang=\"fr\"");
    has(&r, "contenus d&#x27;abus sexuels sur enfants (CSAM)");
    has(&r, "Base légale de ce blocage : <bdi>" LISTED_BASIS "</bdi>.");
    has(&r, "Regarder, télécharger ou partager des images sexuelles d&#x27;enfants est un crime.");
    has(&r, "Test Line");
    has(&r, "href=\"tel:0800000111\"");
    has(&r, "href=\"https://web.example/\"");
    has(&r, "name=\"url\" id=\"url\" autocomplete=\"off\" spellcheck=\"false\" value=\"" LISTED_URL
            "\"");
    has(&r, "action=\"/stop/appeal\"");
    has(&r, "name=\"csrf_token\"");
    /* the language switch keeps the address the page is about */
    has(&r, "href=\"/stop?url=http%3A%2F%2Flisted.example%2Fpage&amp;lang=de\"");
    lacks(&r, "<script");
    ts_response_free(&r);

    /* German, naming nothing: the list's general basis */
    CHECK(get(t, "/stop?lang=de", NULL, &r) && r.status == 200);
    has(&r, "lang=\"de\"");
    has(&r, "<h1>Der Zugang zu dieser Adresse ist gesperrt</h1>");
    has(&r, "Jede Adresse der Liste beruht auf einer Rechtsgrundlage");
    lacks(&r, "Rechtsgrundlage dieser Sperre");
    has(&r, "Wir speichern Ihre IP-Adresse nicht.");
    ts_response_free(&r);

    /* an unlisted address: no entry's basis, though one is given */
    CHECK(get(t, "/stop?lang=en&url=http://unlisted.example/", NULL, &r) && r.status == 200);
    lacks(&r, "Legal basis of this block");
    has(&r, "Every address on the list rests on a legal basis");
    ts_response_free(&r);

    /* a resolver sent a listed domain here: the Host names the entry */
    CHECK(get(t, "/stop?lang=en", DOMAIN, &r) && r.status == 200);
    has(&r, "Legal basis of this block: <bdi>" DOMAIN_BASIS "</bdi>.");
    has(&r, "value=\"" DOMAIN "\"");
    ts_response_free(&r);
}

static void test_stop_host(ts_server *t)
{
    ts_response r;
    /* every address of the stop host is the stop page, its port aside */
    const char *paths[] = {"/", "/some/page.html?x=1", "/report", "/console"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        CHECK(get(t, paths[i], "STOP.example:8080", &r) && r.status == 200);
        has(&r, "<h1>Access to this address is blocked</h1>");
        ts_response_free(&r);
    }
    /* ?url= still names the entry there */
    CHECK(get(t, "/anything?url=" LISTED_URL, "stop.example", &r) && r.status == 200);
    has(&r, "Legal basis of this block: <bdi>" LISTED_BASIS "</bdi>.");
    ts_response_free(&r);
    /* other hosts keep their addresses */
    CHECK(get(t, "/some/page.html", NULL, &r) && r.status == 404);
    lacks(&r, "Access to this address is blocked");
    ts_response_free(&r);
    CHECK(get(t, "/some/page.html", "notstop.example", &r) && r.status == 404);
    ts_response_free(&r);
}

/* POST /stop/appeal with these fields (NULL: left out), as a browser
 * sends them from the stop host. */
static int post(ts_server *t, const char *cookie, const char *csrf, const char *url,
                const char *reason, const char *contact, ts_response *r)
{
    const char *names[] = {"csrf_token", "lang", "url", "reason", "contact"};
    const char *values[] = {csrf, "en", url, reason, contact};
    char *body = calloc(1, 65536);
    size_t n = 0;
    for (size_t i = 0; body && i < 5; i++) {
        if (!values[i])
            continue;
        char *v = curl_easy_escape(NULL, values[i], 0);
        n += (size_t)snprintf(body + n, 65536 - n, "%s%s=%s", n ? "&" : "", names[i],
                              v ? v : "");
        curl_free(v);
    }
    const char *headers[] = {cookie, "Host: stop.example", "User-Agent: " AGENT,
                             "X-Forwarded-For: " FORWARDED,
                             "Content-Type: application/x-www-form-urlencoded", NULL};
    int ok = body && ts_call(t, "POST", "/stop/appeal", headers, body, n, r);
    free(body);
    return ok;
}

typedef struct audit_seen {
    int appeals;
    char detail[256];
    char actor[64];
    int visitor_named;
} audit_seen;

static int visit(const vg_audit_entry *e, void *ctx)
{
    audit_seen *s = ctx;
    if (strcmp(e->action, "block.appeal"))
        return 0;
    s->appeals++;
    snprintf(s->detail, sizeof s->detail, "%s", e->detail);
    snprintf(s->actor, sizeof s->actor, "%s", e->actor);
    const char *fields[] = {e->actor, e->target, e->detail};
    for (size_t i = 0; i < 3; i++)
        s->visitor_named |= strstr(fields[i], "127.0.0.1") || strstr(fields[i], FORWARDED) ||
                            strstr(fields[i], AGENT);
    return 0;
}

static vg_status audit_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    return vg_tx_audit_each(tx, visit, ctx, err);
}

/* Whether text is in a file of dir (the SQLite store and its journal). */
static int in_files(const char *dir, const char *text)
{
    DIR *d = opendir(dir);
    int found = 0;
    for (struct dirent *e; d && !found && (e = readdir(d));) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        FILE *f = e->d_name[0] != '.' ? fopen(path, "rb") : NULL;
        if (!f)
            continue;
        char buf[65536 + 64];
        size_t keep = 0, got, len = strlen(text);
        while (!found && (got = fread(buf + keep, 1, 65536, f)) > 0) {
            size_t have = keep + got;
            found = memmem(buf, have, text, len) != NULL;
            keep = have < len ? have : len - 1;
            memmove(buf, buf + have - keep, keep);
        }
        fclose(f);
    }
    if (d)
        closedir(d);
    return found;
}

static size_t open_appeals(ts_server *t, vg_block_appeal **rows)
{
    size_t n = 0;
    vg_error err;
    *rows = NULL;
    CHECK(vg_hotline_appeals(t->srv->hotline, 0, VG_APPEAL_OPEN, 100, rows, &n, &err) == VG_OK);
    return n;
}

static void test_appeal(ts_server *t, int64_t listed_id)
{
    char cookie[200], csrf[65];
    if (!ts_anon_form(t, "/stop?url=" LISTED_URL, cookie, csrf)) {
        CHECK(0);
        return;
    }
    ts_response r;
    vg_block_appeal *rows;
    char long_text[2100];
    memset(long_text, 'x', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = 0;

    /* refusals: each says why, keeps what was typed, records nothing */
    CHECK(post(t, cookie, csrf, "", "It is my bakery's site", NULL, &r) && r.status == 400);
    has(&r, "Give the address that was blocked.");
    has(&r, "It is my bakery&#x27;s site</textarea>");
    has(&r, "aria-invalid=\"true\"");
    ts_response_free(&r);
    CHECK(post(t, cookie, csrf, LISTED_URL, "", NULL, &r) && r.status == 400);
    has(&r, "Say why you think this is an error.");
    has(&r, "value=\"" LISTED_URL "\"");
    ts_response_free(&r);
    CHECK(post(t, cookie, csrf, LISTED_URL, long_text, NULL, &r) && r.status == 400);
    has(&r, "at most 2,000 characters");
    ts_response_free(&r);
    long_text[250] = 0;
    CHECK(post(t, cookie, csrf, LISTED_URL, "A bakery", long_text, &r) && r.status == 400);
    has(&r, "at most 200 characters");
    has(&r, ">A bakery</textarea>");
    ts_response_free(&r);
    CHECK(post(t, cookie, "0000000000000000000000000000000000000000000000000000000000000000",
               LISTED_URL, "A bakery, wrong token", NULL, &r) &&
          r.status == 403);
    has(&r, "A bakery, wrong token</textarea>");
    has(&r, "action=\"/stop/appeal\"");
    ts_response_free(&r);
    size_t n = open_appeals(t, &rows);
    CHECK_INT_EQ(n, 0);
    vg_block_appeals_free(rows, n);

    /* the appeal, then the supervisors' queue has it, naming the entry */
    CHECK(post(t, cookie, csrf, LISTED_URL, "This is my bakery's menu", "baker@example.org", &r) &&
          r.status == 200);
    has(&r, "Thank you: your report of an error is recorded");
    ts_response_free(&r);
    n = open_appeals(t, &rows);
    CHECK_INT_EQ(n, 1);
    if (n == 1) {
        CHECK_STR_EQ(rows[0].url, LISTED_URL);
        CHECK_STR_EQ(rows[0].reason, "This is my bakery's menu");
        CHECK_STR_EQ(rows[0].contact, "baker@example.org");
        CHECK(rows[0].entry_id == listed_id);
        CHECK_STR_EQ(rows[0].state, VG_APPEAL_OPEN);
    }
    vg_block_appeals_free(rows, n);

    /* nothing of the visitor: not in the audit entry, not in the store */
    audit_seen seen = {0};
    vg_error err;
    CHECK(vg_store_read(t->srv->hotline->store, audit_tx, &seen, &err) == VG_OK);
    CHECK_INT_EQ(seen.appeals, 1);
    CHECK_STR_EQ(seen.actor, "public");
    CHECK(!seen.visitor_named);
    if (!t->db[0]) {
        char data[600];
        snprintf(data, sizeof data, "%s/data", t->dir);
        CHECK(in_files(data, "bakery's menu")); /* the scan sees what is kept */
        CHECK(!in_files(data, AGENT));
        CHECK(!in_files(data, FORWARDED));
    }
}

/* The form is throttled like the other public forms. */
static void test_throttled(void)
{
    ts_server t;
    if (!ts_start(&t, "http.public_burst = 2\n")) {
        CHECK(0);
        return;
    }
    char cookie[200], csrf[65];
    CHECK(ts_anon_form(&t, "/stop", cookie, csrf));
    ts_response r;
    long last = 0;
    for (int i = 0; i < 3; i++) {
        CHECK(post(&t, cookie, csrf, "http://a.example/", "wrong", NULL, &r));
        last = r.status;
        if (i == 2)
            has(&r, "action=\"/stop/appeal\"");
        ts_response_free(&r);
    }
    CHECK_INT_EQ(last, 429);
    ts_stop(&t);
}

/* Settings a server must refuse to start with: help that names no way to
 * reach it, a number that is not one, a stop host with a port. */
static void test_settings(void)
{
    const char *bad[] = {"blocklist.help = A name alone\n",
                         "blocklist.help = Line|call us|https://help.example/\n",
                         "blocklist.help = Line||ftp://help.example/\n",
                         "blocklist.stop_host = stop.example:8080\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ts_server t;
        int started = ts_start(&t, bad[i]);
        CHECK_MSG(!started, "started with %s", bad[i]);
        ts_stop(&t);
    }
}

static void test_stop(void)
{
    ts_server t;
    if (!ts_start(&t, CONFIG)) {
        CHECK(0);
        return;
    }
    int64_t listed = plant(&t, LISTED_URL, VG_BLOCK_KIND_URL, LISTED_BASIS);
    plant(&t, DOMAIN, VG_BLOCK_KIND_DOMAIN, DOMAIN_BASIS);
    test_page(&t);
    test_stop_host(&t);
    test_appeal(&t, listed);
    ts_stop(&t);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    RUN(test_stop);
    RUN(test_throttled);
    RUN(test_settings);
    curl_global_cleanup();
    return vg_test_exit();
}

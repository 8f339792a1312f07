/*
 * The blocking list in the console, over HTTP: an analyst proposes a
 * route's URL from the item page; the proposer cannot approve it (an
 * analyst by the route's role, a supervisor who proposed by the use
 * case's four-eyes rule); another supervisor approves, and the entry shows
 * in the list and its filters; a refusal needs a reason; a renewal needs a
 * new approval; appeals are rejected (the entry stays) or upheld (it
 * leaves), each decision audited. The facts an entry rests on (a confirmed
 * item, a file vigie holds, an approved route abroad) are planted with
 * tests/blocklist_fixture.h.
 */
#include <sodium.h>
#include <time.h>

#include "blocklist_fixture.h"
#include "hotline/blocklist.h"
#include "server/server.h"
#include "store_peek.h"
#include "test_people.h"

#define BASIS "Art. 6-1, LCEN"
#define OTHER "Order 2026-17"
/* the bases as a form sends them */
#define BASIS_FORM "Art.+6-1%2C+LCEN"
#define OTHER_FORM "Order+2026-17"

static int64_t audited(ts_server *t, const char *action)
{
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM audit WHERE action = '%s'", action);
    return ti_sql_int(t, sql);
}

static int64_t entry_of(ts_server *t, int64_t route)
{
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT max(id) FROM blocklist WHERE route_id = %lld",
             (long long)route);
    return ti_sql_int(t, sql);
}

static int state_is(ts_server *t, int64_t entry, const char *state)
{
    char sql[200];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM blocklist WHERE id = %lld AND state = '%s'",
             (long long)entry, state);
    return ti_sql_int(t, sql) == 1;
}

/* The body of GET path as who, which must answer 200 (caller frees). */
static char *page(ts_server *t, const person *who, const char *path)
{
    ts_response r;
    CHECK(get(t, who, path, &r));
    CHECK_MSG(r.status == 200, "%s: %ld %s", path, r.status, r.body ? r.body : "");
    char *body = strdup(r.body ? r.body : "");
    ts_response_free(&r);
    return body;
}

static int page_has(ts_server *t, const person *who, const char *path, const char *text)
{
    char *body = page(t, who, path);
    int has = strstr(body, text) != NULL;
    free(body);
    return has;
}

static void test_blocklist_pages(void)
{
    ts_server t;
    CHECK(ts_start(&t, "routing.country = FR\nblocklist.days = 3\n"
                       "blocklist.legal_bases = " BASIS "; " OTHER "\n"));
    if (!t.srv)
        return;
    vg_hotline *h = t.srv->hotline;
    int64_t now = (int64_t)time(NULL);
    person ann, sam, sue;
    CHECK(sign_in(&t, "ann", VG_ROLE_ANALYST, &ann));
    CHECK(sign_in(&t, "sam", VG_ROLE_SUPERVISOR, &sam));
    CHECK(sign_in(&t, "sue", VG_ROLE_SUPERVISOR, &sue));
    int64_t report = 0, report2 = 0;
    int64_t route = bf_route_of(h, "http://www.evil.example/blah#frag", "NL", 1, now, &report);
    int64_t route2 = bf_route_of(h, "http://dedicated.example/x", "NL", 1, now, &report2);
    /* a digest the sender quoted is no evidence of vigie's own */
    int64_t quoted = bf_route_of(h, "http://quoted.example/y", "NL", 0, now, NULL);
    CHECK(route > 0 && route2 > 0 && quoted > 0);

    /* the item page proposes from its route */
    char path[200], form[300];
    snprintf(path, sizeof path, "/console/item?id=%lld", (long long)report);
    char *body = page(&t, &ann, path);
    snprintf(form, sizeof form, "name=\"route\" value=\"%lld\"><fieldset><legend>Propose for "
                                "the blocking list", (long long)route);
    CHECK_MSG(strstr(body, "action=\"/console/blocklist/propose\"") && strstr(body, form) &&
                  strstr(body, "<option value=\"" OTHER "\">"),
              "%s", body);
    free(body);

    /* proposing: without the form token, then with an unlisted basis and
     * from quoted evidence (the rules refuse), then as it should be */
    ts_response r;
    snprintf(form, sizeof form, "route=%lld&kind=url&basis=%s", (long long)route, BASIS_FORM);
    CHECK_INT_EQ(post(&t, &ann, "/console/blocklist/propose", form, 1, &r), 403);
    ts_response_free(&r);
    snprintf(form, sizeof form, "route=%lld&kind=url&basis=Art.+1", (long long)route);
    CHECK_INT_EQ(post_simple(&t, &ann, "/console/blocklist/propose", form), 409);
    snprintf(form, sizeof form, "route=%lld&kind=url&basis=%s", (long long)quoted, BASIS_FORM);
    CHECK_INT_EQ(post(&t, &ann, "/console/blocklist/propose", form, 0, &r), 409);
    CHECK_MSG(r.body && strstr(r.body, "Nothing was changed"), "%s", r.body ? r.body : "");
    ts_response_free(&r);
    CHECK_INT_EQ(audited(&t, "block.propose"), 0);
    snprintf(form, sizeof form, "route=%lld&kind=url&basis=%s", (long long)route, BASIS_FORM);
    CHECK_INT_EQ(post_simple(&t, &ann, "/console/blocklist/propose", form), 303);
    CHECK_INT_EQ(audited(&t, "block.propose"), 1);
    int64_t entry = entry_of(&t, route);
    CHECK(entry > 0 && state_is(&t, entry, VG_BLOCK_PROPOSED));
    /* proposed already: the item page says so instead of a second form */
    body = page(&t, &ann, path);
    CHECK_MSG(!strstr(body, "action=\"/console/blocklist/propose\"") &&
                  strstr(body, "</a>, Proposed (Page or picture URL)"),
              "%s", body);
    free(body);

    /* a supervisor proposes the second URL's whole domain */
    snprintf(form, sizeof form, "route=%lld&kind=domain&basis=" OTHER_FORM, (long long)route2);
    CHECK_INT_EQ(post_simple(&t, &sam, "/console/blocklist/propose", form), 303);
    int64_t entry2 = entry_of(&t, route2);
    CHECK(entry2 > 0 && state_is(&t, entry2, VG_BLOCK_PROPOSED));

    /* the proposals page shows each person what they may do */
    body = page(&t, &ann, "/console/blocklist/proposals");
    CHECK_MSG(strstr(body, "www.evil.example/blah") && strstr(body, "dedicated.example") &&
                  strstr(body, "A supervisor decides.") &&
                  !strstr(body, "action=\"/console/blocklist/decide\""),
              "%s", body);
    free(body);
    body = page(&t, &sam, "/console/blocklist/proposals");
    CHECK_MSG(strstr(body, "You proposed this: another supervisor decides.") &&
                  strstr(body, "action=\"/console/blocklist/decide\""),
              "%s", body);
    free(body);

    /* four eyes: the analyst may not decide at all, the supervisor who
     * proposed may not decide their own proposal */
    snprintf(form, sizeof form, "entry=%lld&decision=approve", (long long)entry);
    CHECK_INT_EQ(post_simple(&t, &ann, "/console/blocklist/decide", form), 403);
    snprintf(form, sizeof form, "entry=%lld&decision=approve", (long long)entry2);
    CHECK_INT_EQ(post(&t, &sam, "/console/blocklist/decide", form, 0, &r), 409);
    CHECK_MSG(r.body && strstr(r.body, "Nothing was changed"), "%s", r.body ? r.body : "");
    ts_response_free(&r);
    CHECK(state_is(&t, entry2, VG_BLOCK_PROPOSED));
    CHECK_INT_EQ(audited(&t, "block.approve"), 0);

    /* another supervisor approves the first, refuses the second (with a reason) */
    snprintf(form, sizeof form, "entry=%lld&decision=approve", (long long)entry);
    CHECK_INT_EQ(post_simple(&t, &sue, "/console/blocklist/decide", form), 303);
    CHECK(state_is(&t, entry, VG_BLOCK_LISTED));
    CHECK_INT_EQ(audited(&t, "block.approve"), 1);
    snprintf(form, sizeof form, "entry=%lld&decision=refuse&reason=", (long long)entry2);
    CHECK_INT_EQ(post_simple(&t, &sue, "/console/blocklist/decide", form), 400);
    snprintf(form, sizeof form, "entry=%lld&decision=refuse&reason=not+dedicated",
             (long long)entry2);
    CHECK_INT_EQ(post_simple(&t, &sue, "/console/blocklist/decide", form), 303);
    CHECK(state_is(&t, entry2, VG_BLOCK_REFUSED));
    CHECK_INT_EQ(audited(&t, "block.refuse"), 1);
    CHECK(page_has(&t, &ann, "/console/blocklist/proposals", "Nothing waits for a decision."));

    /* the list and its filters */
    const char *target = "http://www.evil.example/blah";
    CHECK(page_has(&t, &ann, "/console/blocklist", target));
    CHECK(page_has(&t, &ann, "/console/blocklist", "dedicated.example"));
    CHECK(page_has(&t, &ann, "/console/blocklist?state=listed", target));
    CHECK(!page_has(&t, &ann, "/console/blocklist?state=listed", "dedicated.example"));
    CHECK(page_has(&t, &ann, "/console/blocklist?state=refused", "dedicated.example"));
    CHECK(page_has(&t, &ann, "/console/blocklist?kind=url", target));
    CHECK(!page_has(&t, &ann, "/console/blocklist?kind=domain", target));
    CHECK(page_has(&t, &ann, "/console/blocklist?basis=" BASIS_FORM, target));
    CHECK(!page_has(&t, &ann, "/console/blocklist?basis=" OTHER_FORM, target));
    CHECK(page_has(&t, &ann, "/console/blocklist?basis=" OTHER_FORM, "dedicated.example"));
    /* listed for 3 days: expiring before a date after that, not before now */
    char day[16], later[64];
    time_t in_a_week = (time_t)(now + 7 * 86400);
    struct tm tm;
    gmtime_r(&in_a_week, &tm);
    strftime(day, sizeof day, "%Y-%m-%d", &tm);
    snprintf(later, sizeof later, "/console/blocklist?before=%s", day);
    CHECK(page_has(&t, &ann, later, target));
    CHECK(!page_has(&t, &ann, "/console/blocklist?before=2001-01-01", target));
    CHECK(page_has(&t, &ann, "/console/blocklist?before=someday", "A date is written"));
    CHECK(page_has(&t, &ann, "/console/blocklist?page=2", "No entry matches."));

    /* expiring soon: a renewal proposed, then approved by a supervisor */
    CHECK(page_has(&t, &ann, "/console/blocklist/expiring", target));
    snprintf(form, sizeof form, "entry=%lld", (long long)entry);
    CHECK_INT_EQ(post_simple(&t, &ann, "/console/blocklist/renew", form), 303);
    CHECK_INT_EQ(audited(&t, "block.renew.propose"), 1);
    CHECK_INT_EQ(post_simple(&t, &ann, "/console/blocklist/renew", form), 409);
    CHECK(page_has(&t, &sue, "/console/blocklist/proposals", "Renewals waiting"));
    snprintf(form, sizeof form, "entry=%lld&decision=approve", (long long)entry);
    CHECK_INT_EQ(post_simple(&t, &sue, "/console/blocklist/decide", form), 303);
    CHECK_INT_EQ(audited(&t, "block.renew"), 1);

    /* appeals: read, rejected (the entry stays), then upheld (it leaves) */
    vg_error err;
    int64_t appeal1 = 0, appeal2 = 0;
    CHECK(vg_hotline_appeal_add(h, "http://www.evil.example/blah", "my own holiday pictures",
                                "owner@site.example", now, &appeal1, &err) == VG_OK);
    CHECK(vg_hotline_appeal_add(h, "http://www.evil.example/blah", "the page was replaced", "",
                                now, &appeal2, &err) == VG_OK);
    body = page(&t, &ann, "/console/blocklist/appeals");
    CHECK_MSG(strstr(body, "my own holiday pictures") && strstr(body, "owner@site.example") &&
                  strstr(body, target) && strstr(body, "A supervisor decides."),
              "%s", body);
    free(body);
    snprintf(form, sizeof form, "appeal=%lld&decision=uphold&reason=x", (long long)appeal1);
    CHECK_INT_EQ(post_simple(&t, &ann, "/console/blocklist/appeal", form), 403);
    snprintf(form, sizeof form, "appeal=%lld&decision=reject&reason=", (long long)appeal1);
    CHECK_INT_EQ(post_simple(&t, &sue, "/console/blocklist/appeal", form), 409);
    snprintf(form, sizeof form, "appeal=%lld&decision=reject&reason=still+served",
             (long long)appeal1);
    CHECK_INT_EQ(post_simple(&t, &sue, "/console/blocklist/appeal", form), 303);
    CHECK(state_is(&t, entry, VG_BLOCK_LISTED));
    snprintf(form, sizeof form, "appeal=%lld&decision=uphold&reason=replaced+page",
             (long long)appeal2);
    CHECK_INT_EQ(post_simple(&t, &sam, "/console/blocklist/appeal", form), 303);
    CHECK(state_is(&t, entry, VG_BLOCK_REMOVED));
    CHECK_INT_EQ(audited(&t, "block.appeal.decide"), 2);
    CHECK_INT_EQ(audited(&t, "block.remove"), 1);
    body = page(&t, &ann, "/console/blocklist/appeals");
    CHECK_MSG(strstr(body, "No appeal waits.") && strstr(body, "still served") &&
                  strstr(body, "replaced page"),
              "%s", body);
    free(body);
    CHECK(page_has(&t, &ann, "/console/blocklist?state=removed", target));

    /* the opening of the entry's commitment in the public log, for the site
     * owner: supervisors only, audited; SHA-256(opening || target) is the
     * commitment every logged change of the entry carries as its url */
    snprintf(form, sizeof form, "entry=%lld", (long long)entry);
    CHECK_INT_EQ(post_simple(&t, &ann, "/console/blocklist/opening", form), 403);
    CHECK_INT_EQ(audited(&t, "block.opening"), 0);
    ts_response opened;
    CHECK_INT_EQ(post(&t, &sue, "/console/blocklist/opening", form, 0, &opened), 200);
    char opening_hex[65] = "", commitment_hex[65] = "";
    const char *at = opened.body ? strstr(opened.body, "id=\"opening\">") : NULL;
    if (at)
        snprintf(opening_hex, sizeof opening_hex, "%.64s", at + strlen("id=\"opening\">"));
    at = opened.body ? strstr(opened.body, "id=\"commitment\">") : NULL;
    if (at)
        snprintf(commitment_hex, sizeof commitment_hex, "%.64s",
                 at + strlen("id=\"commitment\">"));
    ts_response_free(&opened);
    unsigned char opening[32], commitment[32], want[32];
    CHECK(sodium_hex2bin(opening, 32, opening_hex, 64, NULL, NULL, NULL) == 0 &&
          sodium_hex2bin(commitment, 32, commitment_hex, 64, NULL, NULL, NULL) == 0);
    crypto_hash_sha256_state sha;
    crypto_hash_sha256_init(&sha);
    crypto_hash_sha256_update(&sha, opening, 32);
    crypto_hash_sha256_update(&sha, (const unsigned char *)target, strlen(target));
    crypto_hash_sha256_final(&sha, want);
    CHECK_MSG(memcmp(want, commitment, 32) == 0, "the opening does not open %s", target);
    char sql[300];
    /* listed, renewed, two appeals decided, removed: each in the log under
     * this commitment */
    snprintf(sql, sizeof sql, "SELECT count(*) FROM tlog_entries WHERE entry LIKE '%%url: %s%%'",
             commitment_hex);
    CHECK_INT_EQ(ti_sql_int(&t, sql), 5);
    CHECK_INT_EQ(audited(&t, "block.opening"), 1);
    snprintf(form, sizeof form, "entry=%lld", (long long)entry + 1000);
    CHECK_INT_EQ(post_simple(&t, &sue, "/console/blocklist/opening", form), 409);
    ts_stop(&t);
}

int main(void)
{
    RUN(test_blocklist_pages);
    return vg_test_exit();
}

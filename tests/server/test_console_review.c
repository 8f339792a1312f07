/*
 * What the user review of issue 12 asked of the console, in process: every
 * field the reporter gave, their contact details behind an audited click;
 * the queue's views, "take the next item", search; the dispute side by
 * side and settled in one click; a decision inherited by URL duplicates and
 * copies, visibly, and reopened by a supervisor; the administration pages.
 */
#include <ctype.h>
#include <jansson.h>

#include "hotline/syncing.h"
#include "vigie/signedlist.h"
#include "store_peek.h"
#include "test_people.h"
#include "vigie/digest.h"
#include "vigie/index.h"

/* A report through the public form with the fields given (name, value
 * pairs, NULL-terminated) and the synthetic picture of image_seed (0:
 * none); its row id, or 0. */
static int64_t report_with(ts_server *t, const char *const *fields, int image_seed)
{
    ts_response r;
    const char *none[] = {NULL};
    if (!ts_call(t, "GET", "/report", none, NULL, 0, &r))
        return 0;
    char cookie[200] = "", csrf[80] = "", value[128];
    if (ts_set_cookie(&r, "vigie_csrf", value, sizeof value, NULL, 0))
        snprintf(cookie, sizeof cookie, "Cookie: vigie_csrf=%s", value);
    const char *mark = strstr(r.body, "name=\"csrf_token\" value=\"");
    if (mark) {
        mark += strlen("name=\"csrf_token\" value=\"");
        snprintf(csrf, sizeof csrf, "%.*s", (int)strcspn(mark, "\""), mark);
    }
    ts_response_free(&r);
    ti_multipart m = {0};
    ti_mp_field(&m, "csrf_token", csrf);
    ti_mp_field(&m, "lang", "en");
    for (size_t i = 0; fields[i]; i += 2)
        ti_mp_field(&m, fields[i], fields[i + 1]);
    size_t len = 0;
    uint8_t *img = image_seed ? ti_image(image_seed, &len) : NULL;
    if (img)
        ti_mp_file(&m, "file", "picture.pgm", img, len);
    free(img);
    ti_mp_end(&m);
    const char *headers[] = {cookie, "Content-Type: multipart/form-data; boundary=" TI_BOUNDARY,
                             NULL};
    /* the receipt is a redirect away (post, then get) */
    int ok = ts_call(t, "POST", "/report", headers, m.buf, m.len, &r) && r.status == 303;
    free(m.buf);
    ts_response_free(&r);
    return ok ? (int64_t)ti_sql_int(t, "SELECT max(id) FROM reports") : 0;
}

static long long audit_count(ts_server *t, const char *action, int64_t report)
{
    char sql[200];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM audit WHERE action = '%s' AND target = 'report:%lld'", action,
             (long long)report);
    return ti_sql_int(t, sql);
}

static int page_has(ts_server *t, const person *p, const char *path, const char *text)
{
    ts_response r;
    int found = get(t, p, path, &r) && r.status == 200 && r.body && strstr(r.body, text);
    ts_response_free(&r);
    return found;
}

/* Assess report at version as who (claim first): the version after. */
static long long claim_and_assess(ts_server *t, const person *who, int64_t report,
                                  const char *answers)
{
    char f[600];
    snprintf(f, sizeof f, "report=%lld&version=%lld", (long long)report, version_of(t, report));
    if (post_simple(t, who, "/console/claim", f) != 303)
        return -1;
    snprintf(f, sizeof f, "report=%lld&version=%lld&%s", (long long)report, version_of(t, report),
             answers);
    if (post_simple(t, who, "/console/assess", f) != 303)
        return -1;
    return version_of(t, report);
}

/* ---- item 1: what the reporter told us ------------------------------------------- */

static void test_reporter_fields_and_contact(void)
{
    ts_server t;
    CHECK(ts_start(&t, NULL));
    person alice, bob, sue;
    CHECK(sign_in(&t, "alice", VG_ROLE_ANALYST, &alice));
    CHECK(sign_in(&t, "bob", VG_ROLE_ANALYST, &bob));
    CHECK(sign_in(&t, "sue", VG_ROLE_SUPERVISOR, &sue));
    const char *fields[] = {"category",     "image_video",
                            "urls",         "https://pics.example/a/7",
                            "reporter_kind", "child",
                            "occurred_at",  "2026-12-01",
                            "country",      "BE",
                            "reporter_age", "13_15",
                            "contact",      "teen-reach-me@mail.example",
                            "danger",       "1",
                            NULL};
    int64_t id = report_with(&t, fields, 0);
    CHECK(id);
    char path[64], f[128];
    snprintf(path, sizeof path, "/console/item?id=%lld", (long long)id);
    ts_response r;
    CHECK(get(&t, &bob, path, &r));
    CHECK_INT_EQ(r.status, 200);
    /* Every field in words; the address itself never on the page. */
    CHECK(strstr(r.body, "What the reporter told us") && strstr(r.body, "A child or young person"));
    CHECK(strstr(r.body, "2026-12-01") && strstr(r.body, ">BE<") &&
          strstr(r.body, "Their language</th><td>en<") &&
          strstr(r.body, "Their age</th><td>13 to 15<") &&
          strstr(r.body, "A child in danger now</th><td>yes: the reporter says so"));
    CHECK(strstr(r.body, "teen-reach-me") == NULL);
    CHECK(strstr(r.body, "the analyst holding the item, or a supervisor, may see them") != NULL);
    ts_response_free(&r);
    /* Not the holder: refused, nothing recorded. */
    snprintf(f, sizeof f, "report=%lld", (long long)id);
    CHECK_INT_EQ(post(&t, &bob, "/console/contact", f, 0, &r), 409);
    CHECK(strstr(r.body, "teen-reach-me") == NULL);
    ts_response_free(&r);
    CHECK_INT_EQ(audit_count(&t, "report.contact", id), 0);
    /* Without the form's token: refused before anything. */
    CHECK_INT_EQ(post(&t, &alice, "/console/contact", f, 1, &r), 403);
    ts_response_free(&r);
    /* The holder clicks: shown, and recorded once per reading. */
    snprintf(f, sizeof f, "report=%lld&version=0", (long long)id);
    CHECK_INT_EQ(post_simple(&t, &alice, "/console/claim", f), 303);
    CHECK(page_has(&t, &alice, path, "Show the contact details"));
    CHECK(!page_has(&t, &alice, path, "teen-reach-me"));
    snprintf(f, sizeof f, "report=%lld", (long long)id);
    CHECK_INT_EQ(post(&t, &alice, "/console/contact", f, 0, &r), 200);
    CHECK(strstr(r.body, "teen-reach-me@mail.example") != NULL);
    ts_response_free(&r);
    CHECK_INT_EQ(audit_count(&t, "report.contact", id), 1);
    CHECK_INT_EQ(ti_sql_int(&t, "SELECT count(*) FROM audit WHERE action = 'report.contact'"
                                " AND actor = 'user:alice'"),
                 1);
    /* A supervisor, who follows reports up, may too. */
    CHECK_INT_EQ(post(&t, &sue, "/console/contact", f, 0, &r), 200);
    ts_response_free(&r);
    CHECK_INT_EQ(audit_count(&t, "report.contact", id), 2);
    /* The case page shows the same fields, the contact behind the button. */
    char sql[128], casepath[64];
    snprintf(sql, sizeof sql, "SELECT case_id FROM reports WHERE id = %lld", (long long)id);
    snprintf(casepath, sizeof casepath, "/console/case?id=%lld", ti_sql_int(&t, sql));
    CHECK(page_has(&t, &sue, casepath, "A child or young person"));
    CHECK(page_has(&t, &sue, casepath, "Show the contact details"));
    CHECK(!page_has(&t, &sue, casepath, "teen-reach-me"));
    ts_stop(&t);
}

/* ---- item 7: views, the next item, search ---------------------------------------- */

static void test_views_next_and_search(void)
{
    ts_server t;
    CHECK(ts_start(&t, NULL));
    person alice, bob;
    CHECK(sign_in(&t, "alice", VG_ROLE_ANALYST, &alice));
    CHECK(sign_in(&t, "bob", VG_ROLE_ANALYST, &bob));
    int64_t picture = public_report(&t, "image_video", "https://gallery.example/x/1", 3);
    int64_t live = public_report(&t, "livestream", "https://stream.example/live", 0);
    int64_t other = public_report(&t, "other", "https://Other.Example/page?b=2", 0);
    CHECK(picture && live && other);

    /* The next item is the most urgent: the live stream, claimed, with
     * the claim audited as taken by "next". */
    ts_response r;
    CHECK_INT_EQ(post(&t, &alice, "/console/next", "x=1", 0, &r), 303);
    char where[300];
    CHECK(ts_header(&r, "Location", where, sizeof where));
    char expect[80];
    snprintf(expect, sizeof expect, "/console/item?id=%lld", (long long)live);
    CHECK(strncmp(where, expect, strlen(expect)) == 0);
    ts_response_free(&r);
    CHECK_INT_EQ(audit_count(&t, "item.claim", live), 1);
    char sql[200], text[200];
    snprintf(sql, sizeof sql,
             "SELECT detail FROM audit WHERE action = 'item.claim' AND target = 'report:%lld'",
             (long long)live);
    CHECK(strstr(ti_sql_text(&t, sql, text, sizeof text), "\"next\":true") != NULL);
    /* Asked again, she is sent back to what she holds: nothing more taken. */
    CHECK_INT_EQ(post(&t, &alice, "/console/next", "x=1", 0, &r), 303);
    CHECK(ts_header(&r, "Location", where, sizeof where) &&
          strncmp(where, expect, strlen(expect)) == 0);
    ts_response_free(&r);
    CHECK_INT_EQ(ti_sql_int(&t, "SELECT count(*) FROM console_items WHERE claimed_by = 'alice'"),
                 1);
    /* Bob gets the next one: the new picture. */
    CHECK_INT_EQ(post(&t, &bob, "/console/next", "x=1", 0, &r), 303);
    snprintf(expect, sizeof expect, "/console/item?id=%lld", (long long)picture);
    CHECK(ts_header(&r, "Location", where, sizeof where) &&
          strncmp(where, expect, strlen(expect)) == 0);
    ts_response_free(&r);

    /* Views: mine is what one holds; alice's first assessment leaves "for
     * me" (she may not confirm it) and shows in "awaiting a second
     * opinion", with a claim offered to bob and not to her. */
    char mark_live[64], mark_pic[64], mark_other[64];
    snprintf(mark_live, 64, "data-report=\"%lld\"", (long long)live);
    snprintf(mark_pic, 64, "data-report=\"%lld\"", (long long)picture);
    snprintf(mark_other, 64, "data-report=\"%lld\"", (long long)other);
    CHECK(page_has(&t, &alice, "/console/queue?view=mine", mark_live));
    CHECK(!page_has(&t, &alice, "/console/queue?view=mine", mark_pic));
    char f[400];
    snprintf(f, sizeof f, "report=%lld&version=1&legal=not_illegal&country=DE", (long long)live);
    CHECK_INT_EQ(post_simple(&t, &alice, "/console/assess", f), 303);
    CHECK(!page_has(&t, &alice, "/console/queue?view=for-me", mark_live));
    CHECK(page_has(&t, &alice, "/console/queue?view=for-me", mark_other));
    CHECK(page_has(&t, &alice, "/console/queue?view=second", mark_live));
    CHECK(!page_has(&t, &alice, "/console/queue?view=second", mark_other));
    CHECK(page_has(&t, &alice, "/console/queue?view=mine", mark_live));
    CHECK(page_has(&t, &bob, "/console/queue?view=for-me", mark_live));
    CHECK(page_has(&t, &bob, "/console/queue?view=for-me", mark_pic)); /* he holds it */
    CHECK(!page_has(&t, &alice, "/console/queue?view=disputed", mark_live));
    /* The take-next button carries its key. */
    CHECK(page_has(&t, &alice, "/console/queue", "accesskey=\"n\""));
    /* The form's shortcuts. */
    snprintf(f, sizeof f, "/console/item?id=%lld", (long long)picture);
    CHECK(page_has(&t, &bob, f, "accesskey=\"1\""));
    CHECK(page_has(&t, &bob, f, "accesskey=\"r\""));

    /* Search: by receipt as people type it, by URL (any spelling that
     * canonicalises alike), by a file's SHA-256. */
    char receipt[64], lower[80], q[300];
    snprintf(sql, sizeof sql, "SELECT receipt_code FROM reports WHERE id = %lld",
             (long long)other);
    ti_sql_text(&t, sql, receipt, sizeof receipt);
    CHECK(strlen(receipt) > 4);
    size_t k = 0;
    for (size_t i = 0; receipt[i] && k + 2 < sizeof lower; i++) {
        lower[k++] = (char)tolower((unsigned char)receipt[i]);
        if (i == 3)
            lower[k++] = '-';
    }
    lower[k] = 0;
    snprintf(q, sizeof q, "/console/search?q=%s", lower);
    snprintf(expect, sizeof expect, "/console/item?id=%lld\"", (long long)other);
    CHECK(page_has(&t, &alice, q, expect));
    CHECK(page_has(&t, &alice, q, "Reports found, newest first: 1<"));
    CHECK(page_has(&t, &alice, "/console/search?q=https%3A%2F%2Fother.example%2Fpage%3Fb%3D2",
                   expect));
    char sha[80];
    snprintf(sql, sizeof sql, "SELECT sha256 FROM report_files WHERE report_id = %lld",
             (long long)picture);
    ti_sql_text(&t, sql, sha, sizeof sha);
    CHECK_INT_EQ(strlen(sha), 64);
    snprintf(q, sizeof q, "/console/search?q=%s", sha);
    snprintf(expect, sizeof expect, "/console/item?id=%lld\"", (long long)picture);
    CHECK(page_has(&t, &alice, q, expect));
    CHECK(page_has(&t, &alice, "/console/search?q=nothing-like-this", "No report found"));
    ts_stop(&t);
}

/* ---- item 9: the dispute ------------------------------------------------------------ */

static void test_dispute_settled(void)
{
    ts_server t;
    CHECK(ts_start(&t, NULL));
    person alice, bob, sue, tom;
    CHECK(sign_in(&t, "alice", VG_ROLE_ANALYST, &alice));
    CHECK(sign_in(&t, "bob", VG_ROLE_ANALYST, &bob));
    CHECK(sign_in(&t, "sue", VG_ROLE_SUPERVISOR, &sue));
    CHECK(sign_in(&t, "tom", VG_ROLE_SUPERVISOR, &tom));
    int64_t id = public_report(&t, "image_video", NULL, 5);
    CHECK(id);
    CHECK(claim_and_assess(&t, &alice, id, ASSESS_A) > 0);
    long long v = claim_and_assess(&t, &bob, id, ASSESS_B);
    char state[64];
    CHECK_STR_EQ(state_of(&t, id, state, sizeof state), "disputed");
    char path[64], f[200];
    snprintf(path, sizeof path, "/console/item?id=%lld", (long long)id);
    ts_response r;
    CHECK(get(&t, &sue, path, &r));
    /* Side by side in words: the severity and the baseline differ, the
     * legal answer does not. */
    const char *sev = strstr(r.body, "Severity <strong>(differs)</strong>");
    const char *base = strstr(r.body, "Interpol baseline <strong>(differs)</strong>");
    CHECK(sev && base && !strstr(r.body, "Legal assessment <strong>(differs)"));
    CHECK(strstr(r.body, "Answers that differ: 2") && strstr(r.body, "Accept the second assessment"));
    CHECK(strstr(r.body, "Illegal: CSAM") || strstr(r.body, "illegal"));
    ts_response_free(&r);
    /* An analyst cannot settle (the route needs a supervisor). */
    snprintf(f, sizeof f, "report=%lld&version=%lld&accept=second", (long long)id, v);
    CHECK_INT_EQ(post_simple(&t, &bob, "/console/settle", f), 403);
    /* A stale version changes nothing. */
    snprintf(f, sizeof f, "report=%lld&version=%lld&accept=second", (long long)id, v - 1);
    CHECK_INT_EQ(post_simple(&t, &sue, "/console/settle", f), 409);
    snprintf(f, sizeof f, "report=%lld&version=%lld&accept=maybe", (long long)id, v);
    CHECK_INT_EQ(post_simple(&t, &sue, "/console/settle", f), 400);
    snprintf(f, sizeof f, "report=%lld&version=%lld&accept=second", (long long)id, v);
    CHECK_INT_EQ(post_simple(&t, &sue, "/console/settle", f), 303);
    CHECK_STR_EQ(state_of(&t, id, state, sizeof state), "confirmed");
    CHECK_INT_EQ(ti_sql_int(&t, "SELECT count(*) FROM console_bank WHERE severity = 'B'"), 1);
    char sql[200], detail[600];
    snprintf(sql, sizeof sql,
             "SELECT detail FROM audit WHERE action = 'item.assess' AND actor = 'user:sue' AND "
             "target = 'report:%lld'",
             (long long)id);
    ti_sql_text(&t, sql, detail, sizeof detail);
    CHECK(strstr(detail, "\"accepted\":\"second\"") && strstr(detail, "\"of\":\"bob\""));
    /* Settled once: a second click is refused. */
    snprintf(f, sizeof f, "report=%lld&version=%lld&accept=first", (long long)id,
             version_of(&t, id));
    CHECK_INT_EQ(post_simple(&t, &tom, "/console/settle", f), 409);

    /* A supervisor who assessed one side cannot accept either. */
    int64_t second = public_report(&t, "image_video", NULL, 6);
    CHECK(claim_and_assess(&t, &sue, second, ASSESS_A) > 0);
    v = claim_and_assess(&t, &bob, second, ASSESS_B);
    snprintf(f, sizeof f, "report=%lld&version=%lld&accept=first", (long long)second, v);
    CHECK_INT_EQ(post_simple(&t, &sue, "/console/settle", f), 409);
    snprintf(path, sizeof path, "/console/item?id=%lld", (long long)second);
    CHECK(!page_has(&t, &sue, path, "Accept the first assessment"));
    CHECK(page_has(&t, &tom, path, "Accept the first assessment"));
    CHECK_INT_EQ(post_simple(&t, &tom, "/console/settle", f), 303);
    CHECK_STR_EQ(state_of(&t, second, state, sizeof state), "confirmed");
    ts_stop(&t);
}

/* ---- items 8 and 10: inherited decisions, reopened ---------------------------------- */

static void test_inherited_and_reopened(void)
{
    ts_server t;
    CHECK(ts_start(&t, NULL));
    person alice, bob, sue;
    CHECK(sign_in(&t, "alice", VG_ROLE_ANALYST, &alice));
    CHECK(sign_in(&t, "bob", VG_ROLE_ANALYST, &bob));
    CHECK(sign_in(&t, "sue", VG_ROLE_SUPERVISOR, &sue));
    int64_t first = public_report(&t, "image_video", "https://share.example/p/42", 8);
    CHECK(first);
    CHECK(claim_and_assess(&t, &alice, first, ASSESS_A) > 0);
    long long v = claim_and_assess(&t, &bob, first, ASSESS_A);
    char state[64];
    CHECK_STR_EQ(state_of(&t, first, state, sizeof state), "confirmed");
    /* A URL-only report of the same page, spelt differently: decided on
     * arrival, from the first report, and says so. */
    int64_t by_url = public_report(&t, "image_video", "HTTPS://share.example/p/42#top", 0);
    /* The same picture again: the organisation's bank decides it. */
    int64_t copy = public_report(&t, "image_video", NULL, 8);
    /* A live stream at that URL is not what was decided: it waits. */
    int64_t live = public_report(&t, "livestream", "https://share.example/p/42", 0);
    CHECK(by_url && copy && live);
    CHECK_STR_EQ(state_of(&t, by_url, state, sizeof state), "auto");
    CHECK_STR_EQ(state_of(&t, copy, state, sizeof state), "auto");
    CHECK_STR_EQ(state_of(&t, live, state, sizeof state), "");
    char sql[200], detail[200];
    snprintf(sql, sizeof sql,
             "SELECT detail FROM audit WHERE action = 'item.assess.auto' AND "
             "target = 'report:%lld'",
             (long long)by_url);
    ti_sql_text(&t, sql, detail, sizeof detail);
    char expect[80];
    snprintf(expect, sizeof expect, "\"of\":%lld", (long long)first);
    CHECK(strstr(detail, "\"by\":\"url\"") && strstr(detail, expect));
    snprintf(sql, sizeof sql,
             "SELECT legal || severity || age FROM console_items WHERE report_id = %lld",
             (long long)by_url);
    CHECK_STR_EQ(ti_sql_text(&t, sql, state, sizeof state), "illegal_csamAb1");
    char path[64];
    snprintf(path, sizeof path, "/console/item?id=%lld", (long long)by_url);
    snprintf(expect, sizeof expect, "<a href=\"/console/item?id=%lld\">report %lld</a>",
             (long long)first, (long long)first);
    CHECK(page_has(&t, &alice, path, "Its URLs were decided with an earlier report"));
    CHECK(page_has(&t, &alice, path, expect));

    /* Reopening: a supervisor, with a reason, at the version shown. */
    char f[300];
    snprintf(path, sizeof path, "/console/item?id=%lld", (long long)first);
    CHECK(page_has(&t, &sue, path, "Reopen this classification"));
    CHECK(!page_has(&t, &alice, path, "Reopen this classification"));
    snprintf(f, sizeof f, "report=%lld&version=%lld&reason=wrong+grade", (long long)first, v);
    CHECK_INT_EQ(post_simple(&t, &alice, "/console/reopen", f), 403);
    snprintf(f, sizeof f, "report=%lld&version=%lld&reason=", (long long)first, v);
    CHECK_INT_EQ(post_simple(&t, &sue, "/console/reopen", f), 422);
    snprintf(f, sizeof f, "report=%lld&version=%lld&reason=wrong+grade", (long long)first, v - 1);
    CHECK_INT_EQ(post_simple(&t, &sue, "/console/reopen", f), 409);
    CHECK_INT_EQ(ti_sql_int(&t, "SELECT count(*) FROM console_bank"), 1);
    snprintf(f, sizeof f, "report=%lld&version=%lld&reason=wrong+grade", (long long)first, v);
    CHECK_INT_EQ(post_simple(&t, &sue, "/console/reopen", f), 303);
    /* Its file left the bank; it and what inherited it are in the queue,
     * the reporters read "received" again; each reopening audited. */
    CHECK_INT_EQ(ti_sql_int(&t, "SELECT count(*) FROM console_bank"), 0);
    CHECK_STR_EQ(state_of(&t, first, state, sizeof state), "open");
    CHECK_STR_EQ(state_of(&t, by_url, state, sizeof state), "open");
    CHECK_STR_EQ(state_of(&t, copy, state, sizeof state), "open");
    snprintf(sql, sizeof sql, "SELECT status FROM reports WHERE id = %lld", (long long)copy);
    CHECK_STR_EQ(ti_sql_text(&t, sql, state, sizeof state), "received");
    CHECK_INT_EQ(audit_count(&t, "item.reopen", first), 1);
    CHECK_INT_EQ(audit_count(&t, "item.reopen", by_url), 1);
    CHECK_INT_EQ(audit_count(&t, "item.reopen", copy), 1);
    snprintf(sql, sizeof sql,
             "SELECT detail FROM audit WHERE action = 'item.reopen' AND target = 'report:%lld'",
             (long long)first);
    CHECK(strstr(ti_sql_text(&t, sql, detail, sizeof detail), "wrong grade") != NULL);
    /* Only a confirmed decision is reopened. */
    snprintf(f, sizeof f, "report=%lld&version=%lld&reason=again", (long long)first,
             version_of(&t, first));
    CHECK_INT_EQ(post_simple(&t, &sue, "/console/reopen", f), 409);
    char mark[64];
    snprintf(mark, sizeof mark, "data-report=\"%lld\"", (long long)first);
    CHECK(page_has(&t, &alice, "/console/queue", mark));
    ts_stop(&t);
}

/* ---- item 10: the administration pages ------------------------------------------------ */

static void test_admin_people_keys_and_log(void)
{
    ts_server t;
    CHECK(ts_start(&t, NULL));
    person admin, alice;
    CHECK(sign_in(&t, "root", VG_ROLE_ADMINISTRATOR, &admin));
    CHECK(sign_in(&t, "alice", VG_ROLE_ANALYST, &alice));
    ts_response r;
    CHECK(get(&t, &alice, "/console/admin", &r));
    CHECK_INT_EQ(r.status, 403);
    ts_response_free(&r);
    CHECK(page_has(&t, &admin, "/console/admin", "Awaiting a second opinion"));
    CHECK(page_has(&t, &admin, "/console", "href=\"/console/admin\""));
    CHECK(!page_has(&t, &alice, "/console", "href=\"/console/admin\""));

    /* A new account: its password shown once, not stored in clear. */
    CHECK_INT_EQ(post(&t, &admin, "/console/admin/users", "user=carol&role=supervisor", 0, &r),
                 200);
    const char *shown = strstr(r.body, "<code class=\"secret\">");
    char password[64] = "";
    if (shown)
        snprintf(password, sizeof password, "%.*s", 20, shown + strlen("<code class=\"secret\">"));
    CHECK_INT_EQ(strlen(password), 20);
    ts_response_free(&r);
    CHECK(!page_has(&t, &admin, "/console/admin/users", password));
    CHECK_INT_EQ(ti_sql_int(&t, "SELECT role FROM accounts WHERE username = 'carol'"),
                 VG_ROLE_SUPERVISOR);
    char sql[200];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM accounts WHERE password_hash LIKE '%%%s%%'",
             password);
    CHECK_INT_EQ(ti_sql_int(&t, sql), 0);
    CHECK_INT_EQ(ti_sql_int(&t, "SELECT count(*) FROM audit WHERE action = 'account.create' AND "
                                "actor = 'user:root' AND target = 'carol'"),
                 1);
    CHECK_INT_EQ(post(&t, &admin, "/console/admin/users", "user=bad+name&role=analyst", 0, &r),
                 422);
    ts_response_free(&r);
    /* Role, disable, unlock, each audited; one's own role and the last
     * administrator are kept. */
    CHECK_INT_EQ(post(&t, &admin, "/console/admin/user", "user=alice&action=role&role=supervisor",
                      0, &r),
                 200);
    ts_response_free(&r);
    CHECK_INT_EQ(ti_sql_int(&t, "SELECT role FROM accounts WHERE username = 'alice'"),
                 VG_ROLE_SUPERVISOR);
    CHECK_INT_EQ(post(&t, &admin, "/console/admin/user", "user=root&action=role&role=analyst", 0,
                      &r),
                 409);
    ts_response_free(&r);
    CHECK_INT_EQ(post(&t, &admin, "/console/admin/user", "user=root&action=disable", 0, &r), 409);
    ts_response_free(&r);
    CHECK_INT_EQ(post(&t, &admin, "/console/admin/user", "user=carol&action=disable", 0, &r), 200);
    ts_response_free(&r);
    CHECK_INT_EQ(ti_sql_int(&t, "SELECT disabled FROM accounts WHERE username = 'carol'"), 1);
    CHECK_INT_EQ(post(&t, &admin, "/console/admin/user", "user=nobody&action=unlock", 0, &r), 404);
    ts_response_free(&r);
    CHECK_INT_EQ(post(&t, &admin, "/console/admin/user", "user=alice&action=unlock", 0, &r), 200);
    ts_response_free(&r);
    CHECK_INT_EQ(post(&t, &admin, "/console/admin/user", "user=alice&action=totp", 0, &r), 200);
    CHECK(strstr(r.body, "second factor") && strstr(r.body, "<code class=\"secret\">"));
    ts_response_free(&r);
    CHECK_INT_EQ(ti_sql_int(&t, "SELECT count(*) FROM accounts WHERE "
                                "username = 'alice' AND totp_secret IS NOT NULL"),
                 1);
    const char *actions[] = {"account.role", "account.disable", "account.unlock",
                             "account.totp_enable"};
    for (size_t i = 0; i < 4; i++) {
        snprintf(sql, sizeof sql, "SELECT count(*) FROM audit WHERE action = '%s'", actions[i]);
        CHECK_MSG(ti_sql_int(&t, sql) == 1, "%s", actions[i]);
    }

    /* Partner keys: shown once, trust, revoke. */
    CHECK_INT_EQ(post(&t, &admin, "/console/admin/keys", "org=Partner+Hotline&trust=80", 0, &r),
                 200);
    CHECK(strstr(r.body, "shown this once") != NULL);
    ts_response_free(&r);
    long long key = ti_sql_int(&t, "SELECT id FROM api_keys WHERE org = 'Partner Hotline'");
    CHECK(key > 0);
    CHECK_INT_EQ(ti_sql_int(&t, "SELECT trust FROM api_keys WHERE org = 'Partner Hotline'"), 80);
    char f[100];
    snprintf(f, sizeof f, "id=%lld&action=trust&trust=101", key);
    CHECK_INT_EQ(post(&t, &admin, "/console/admin/key", f, 0, &r), 422);
    ts_response_free(&r);
    snprintf(f, sizeof f, "id=%lld&action=trust&trust=30", key);
    CHECK_INT_EQ(post(&t, &admin, "/console/admin/key", f, 0, &r), 200);
    ts_response_free(&r);
    CHECK_INT_EQ(ti_sql_int(&t, "SELECT trust FROM api_keys WHERE org = 'Partner Hotline'"), 30);
    snprintf(f, sizeof f, "id=%lld&action=revoke", key);
    CHECK_INT_EQ(post(&t, &admin, "/console/admin/key", f, 0, &r), 200);
    ts_response_free(&r);
    CHECK_INT_EQ(ti_sql_int(&t, "SELECT revoked FROM api_keys WHERE org = 'Partner Hotline'"), 1);

    /* The audit log: filtered by action (and by a prefix), by actor. */
    CHECK(page_has(&t, &admin, "/console/admin/audit?action=account.create", ">carol<"));
    CHECK(!page_has(&t, &admin, "/console/admin/audit?action=account.create",
                    ">apikey.create</span>"));
    CHECK(page_has(&t, &admin, "/console/admin/audit?action=apikey.", "apikey.revoke"));
    CHECK(page_has(&t, &admin, "/console/admin/audit?actor=user%3Aroot&action=apikey.",
                   "3 entries"));
    CHECK(page_has(&t, &admin, "/console/admin/audit?actor=user%3Anobody", "No entry matches"));
    CHECK(page_has(&t, &admin, "/console/admin/audit?from=2000-01-01&to=2000-01-02",
                   "No entry matches"));
    CHECK(page_has(&t, &admin, "/console/admin/audit?from=yesterday", "A time is written"));
    /* The chain verified, and the verification recorded. */
    CHECK_INT_EQ(post(&t, &admin, "/console/admin/audit", "x=1", 0, &r), 303);
    char where[200];
    CHECK(ts_header(&r, "Location", where, sizeof where) && strstr(where, "verified=ok"));
    ts_response_free(&r);
    CHECK_INT_EQ(ti_sql_int(&t, "SELECT count(*) FROM audit WHERE action = 'audit.verify'"), 1);
    ts_stop(&t);
}

/* A synchronised source is on the banks page with its state: never run
 * yet (the jobs are not running in this server), then its failure. */
static void test_admin_synchronised_banks(void)
{
    char dir[] = "/tmp/vg-admin-sync-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char index_path[300], password[300];
    snprintf(index_path, sizeof index_path, "%s/banks.vgi", dir);
    snprintf(password, sizeof password, "%s/password", dir);
    vg_index_builder *builder = NULL;
    uint32_t bank = 0;
    CHECK(vg_index_builder_new(&builder, NULL) == VG_OK);
    CHECK(vg_index_builder_add_bank(builder, "seed", NULL, 0, &bank, NULL) == VG_OK);
    CHECK(vg_index_builder_write(builder, index_path, NULL) == VG_OK);
    vg_index_builder_free(builder);
    CHECK(vg_test_write_text(password, "secret\n"));
    /* and a partner's signed list, with the keyring it is verified by */
    char keyring[300], key_line[160];
    snprintf(keyring, sizeof keyring, "%s/keyring", dir);
    vg_signed_key key;
    CHECK(vg_signed_keygen("hotline-fr", &key, NULL) == VG_OK);
    vg_signed_key_public_line(&key, key_line);
    vg_signed_key_wipe(&key);
    CHECK(vg_test_write_text(keyring, key_line));
    char extra[2000];
    snprintf(extra, sizeof extra,
             "intake.index = %s\nsync.allow_private = true\nsync.ncmec.source = ncmec\n"
             "sync.ncmec.url = http://127.0.0.1:9/hashsharing\nsync.ncmec.bank = ncmec-list\n"
             "sync.ncmec.username = user\nsync.ncmec.password_file = %s\n"
             "sync.partner.source = signed\nsync.partner.url = http://127.0.0.1:9/known.csv\n"
             "sync.partner.keyring = %s\n",
             index_path, password, keyring);
    ts_server t;
    CHECK(ts_start(&t, extra));
    person admin;
    CHECK(sign_in(&t, "root", VG_ROLE_ADMINISTRATOR, &admin));
    CHECK(page_has(&t, &admin, "/console/admin/banks", "<h3>Synchronised banks</h3>"));
    CHECK(page_has(&t, &admin, "/console/admin/banks",
                   "<tr><td>ncmec (ncmec, http://127.0.0.1:9/hashsharing)</td>"
                   "<td>ncmec-list</td><td>never</td><td>never</td><td>the start</td>"));
    CHECK(page_has(&t, &admin, "/console/admin/banks",
                   "<tr><td>partner (signed, http://127.0.0.1:9/known.csv)</td>"
                   "<td>partner</td><td>never</td><td>never</td><td>no list verified yet</td>"));
    /* a run against a port nobody listens on fails; the page says so */
    vg_sync_pass pass;
    CHECK(vg_hotline_sync_run(t.srv->hotline, time(NULL), &pass, NULL) == VG_OK);
    CHECK_INT_EQ(pass.failed, 2);
    CHECK(page_has(&t, &admin, "/console/admin/banks", "<span class=\"problem\">"));
    ts_stop(&t);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir); /* the runs' directories too */
    CHECK(system(cmd) == 0);
}

static void test_admin_banks(void)
{
    char dir[] = "/tmp/vg-admin-index-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char index_path[300];
    snprintf(index_path, sizeof index_path, "%s/banks.vgi", dir);
    vg_index_builder *builder = NULL;
    uint32_t bank = 0;
    CHECK(vg_index_builder_new(&builder, NULL) == VG_OK);
    CHECK(vg_index_builder_add_bank(builder, "seed", NULL, 0, &bank, NULL) == VG_OK);
    CHECK(vg_index_builder_write(builder, index_path, NULL) == VG_OK);
    vg_index_builder_free(builder);
    /* Two pictures reports will carry, known to the bank imported below. */
    char hex[3][65];
    for (int k = 0; k < 3; k++) {
        size_t len = 0;
        uint8_t *img = ti_image(31 + k, &len);
        vg_digests dg;
        CHECK(vg_digest_buffer(img, len, &dg, NULL) == VG_OK);
        free(img);
        for (int i = 0; i < 32; i++)
            snprintf(hex[k] + 2 * i, 3, "%02x", dg.sha256[i]);
    }

    char extra[600];
    snprintf(extra, sizeof extra,
             "intake.index = %s\nconsole.trusted_banks = partner=illegal_csam/A/b2\n",
             index_path);
    ts_server t;
    CHECK(ts_start(&t, extra));
    person admin;
    CHECK(sign_in(&t, "root", VG_ROLE_ADMINISTRATOR, &admin));
    /* Importing a bank file (CSV, uploaded) into the running server's index. */
    ts_response r;
    char csv[400];
    snprintf(csv, sizeof csv, "signal_type,signal,id\nsha256,%s,p-1\nsha256,%s,p-2\n", hex[0],
             hex[1]);
    ti_multipart m = {0};
    ti_mp_field(&m, "csrf_token", admin.csrf);
    ti_mp_field(&m, "action", "import");
    ti_mp_field(&m, "bank", "partner");
    ti_mp_file(&m, "file", "partner.csv", (const uint8_t *)csv, strlen(csv));
    ti_mp_end(&m);
    const char *headers[] = {admin.cookie,
                             "Content-Type: multipart/form-data; boundary=" TI_BOUNDARY, NULL};
    CHECK(ts_call(&t, "POST", "/console/admin/banks", headers, m.buf, m.len, &r));
    free(m.buf);
    CHECK_INT_EQ(r.status, 200);
    CHECK(strstr(r.body, "2 entries added") != NULL);
    ts_response_free(&r);
    CHECK(page_has(&t, &admin, "/console/admin/banks", "<li>partner</li>"));
    CHECK_INT_EQ(ti_sql_int(&t, "SELECT count(*) FROM audit WHERE action = 'bank.import' AND "
                                "target = 'bank:partner'"),
                 1);
    /* A bad line, a bad name: refused, nothing added. */
    CHECK_INT_EQ(post(&t, &admin, "/console/admin/banks",
                      "action=add&bank=partner&lines=not-a-hash", 0, &r),
                 422);
    ts_response_free(&r);
    CHECK_INT_EQ(post(&t, &admin, "/console/admin/banks", "action=add&bank=..%2Fx&lines=ab",
                      0, &r),
                 422);
    ts_response_free(&r);
    CHECK_INT_EQ(ti_sql_int(&t, "SELECT count(*) FROM audit WHERE action = 'bank.import'"), 1);
    CHECK_INT_EQ(ti_sql_int(&t, "SELECT count(*) FROM audit WHERE action = 'bank.add'"), 0);
    /* One hash typed in. */
    char f[200];
    snprintf(f, sizeof f, "action=add&bank=partner&lines=%s", hex[2]);
    CHECK_INT_EQ(post(&t, &admin, "/console/admin/banks", f, 0, &r), 200);
    CHECK(strstr(r.body, "1 entry added") != NULL);
    ts_response_free(&r);
    CHECK_INT_EQ(ti_sql_int(&t, "SELECT count(*) FROM audit WHERE action = 'bank.add'"), 1);
    CHECK(page_has(&t, &admin, "/console/admin", "Live entries"));
    /* Removing one entry; the other still decides without anyone looking. */
    CHECK_INT_EQ(post(&t, &admin, "/console/admin/banks", "action=remove&bank=partner&id=p-2", 0,
                      &r),
                 200);
    CHECK(strstr(r.body, "1 entry removed") != NULL);
    ts_response_free(&r);
    CHECK_INT_EQ(ti_sql_int(&t, "SELECT count(*) FROM audit WHERE action = 'bank.remove'"), 1);
    int64_t known = public_report(&t, "image_video", NULL, 31);
    int64_t removed = public_report(&t, "image_video", NULL, 32);
    int64_t typed = public_report(&t, "image_video", NULL, 33);
    CHECK(known && removed && typed);
    char state[64];
    CHECK_STR_EQ(state_of(&t, known, state, sizeof state), "auto");
    CHECK_STR_EQ(state_of(&t, typed, state, sizeof state), "auto");
    CHECK_STR_EQ(state_of(&t, removed, state, sizeof state), "");
    ts_stop(&t);
    ts_remove_dir(dir);
}

/* Upload a file to the banks page as a multipart form with fields
 * (name, value pairs, NULL-ended); the answer in r. */
static long banks_form(ts_server *t, const person *admin, const char *const *fields,
                       const char *file, ts_response *r)
{
    ti_multipart m = {0};
    ti_mp_field(&m, "csrf_token", admin->csrf);
    for (size_t i = 0; fields[i]; i += 2)
        ti_mp_field(&m, fields[i], fields[i + 1]);
    if (file)
        ti_mp_file(&m, "file", "list", (const uint8_t *)file, strlen(file));
    ti_mp_end(&m);
    const char *headers[] = {admin->cookie,
                             "Content-Type: multipart/form-data; boundary=" TI_BOUNDARY, NULL};
    long status = ts_call(t, "POST", "/console/admin/banks", headers, m.buf, m.len, r)
                      ? r->status
                      : -1;
    free(m.buf);
    return status;
}

/* The banks page speaks the field's formats as `vigie bank import|export`
 * does: a ThreatExchange list imported decides the pictures it names; the
 * bank exported as ThreatExchange and as VICS reads as those formats
 * write (docs/exchange.md); both audited. */
static void test_admin_bank_formats(void)
{
    char dir[] = "/tmp/vigie-formats-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char index_path[600];
    snprintf(index_path, sizeof index_path, "%s/known.idx", dir);
    vg_index_builder *builder = NULL;
    uint32_t bank = 0;
    CHECK(vg_index_builder_new(&builder, NULL) == VG_OK);
    CHECK(vg_index_builder_add_bank(builder, "seed", NULL, 0, &bank, NULL) == VG_OK);
    CHECK(vg_index_builder_write(builder, index_path, NULL) == VG_OK);
    vg_index_builder_free(builder);
    char md5[33];
    size_t len = 0;
    uint8_t *img = ti_image(44, &len);
    vg_digests dg;
    CHECK(vg_digest_buffer(img, len, &dg, NULL) == VG_OK);
    free(img);
    vg_hex_encode(dg.md5, 16, md5);
    char extra[800];
    snprintf(extra, sizeof extra,
             "intake.index = %s\nconsole.trusted_banks = te-list=illegal_csam/A/b2\n", index_path);
    ts_server t;
    CHECK(ts_start(&t, extra));
    person admin;
    CHECK(sign_in(&t, "root", VG_ROLE_ADMINISTRATOR, &admin));
    /* python-threatexchange's local file: "<signal_type> <signal>" a line */
    char te[300];
    snprintf(te, sizeof te,
             "pdq f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22\n"
             "video_md5 %s\n"
             "photodna AAAA\n",
             md5);
    ts_response r;
    const char *imp[] = {"action", "import", "bank", "te-list", "format", "te", NULL};
    CHECK_INT_EQ(banks_form(&t, &admin, imp, te, &r), 200);
    CHECK(r.body && strstr(r.body, "2 entries added"));
    ts_response_free(&r);
    CHECK_INT_EQ(ti_sql_int(&t, "SELECT count(*) FROM audit WHERE action = 'bank.import' AND "
                                "target = 'bank:te-list' AND detail LIKE '%\"format\":\"te\"%'"),
                 1);
    /* the picture the list names by MD5 is decided by the trusted bank */
    int64_t known = public_report(&t, "image_video", NULL, 44);
    char state[64];
    CHECK(known && !strcmp(state_of(&t, known, state, sizeof state), "auto"));
    /* a list that is not one, or a format that is none: refused */
    const char *bad[] = {"action", "import", "bank", "te-list", "format", "vics", NULL};
    CHECK_INT_EQ(banks_form(&t, &admin, bad, "{\"value\": 3", &r), 422);
    ts_response_free(&r);
    const char *nofmt[] = {"action", "import", "bank", "te-list", "format", "xls", NULL};
    CHECK_INT_EQ(banks_form(&t, &admin, nofmt, te, &r), 422);
    ts_response_free(&r);

    /* exported as ThreatExchange: the same lines back (MD5 as video_md5) */
    const char *exp_te[] = {"action", "export", "bank", "te-list", "format", "te", NULL};
    CHECK_INT_EQ(banks_form(&t, &admin, exp_te, NULL, &r), 200);
    char line[100];
    snprintf(line, sizeof line, "video_md5 %s\n", md5);
    CHECK(r.body &&
          strstr(r.body,
                 "pdq f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22\n") &&
          strstr(r.body, line) && !strstr(r.body, "photodna"));
    char value[200];
    CHECK(ts_header(&r, "Content-Disposition", value, sizeof value) &&
          strstr(value, "te-list.txt"));
    ts_response_free(&r);
    /* as VICS: the OData envelope of Media, the MD5 in upper case */
    const char *exp_vics[] = {"action", "export", "bank", "te-list", "format", "vics", NULL};
    CHECK_INT_EQ(banks_form(&t, &admin, exp_vics, NULL, &r), 200);
    char upper[33];
    for (int i = 0; i < 33; i++)
        upper[i] = (char)toupper((unsigned char)md5[i]);
    json_t *j = r.body ? json_loads(r.body, 0, NULL) : NULL;
    const char *ctx = json_string_value(json_object_get(j, "@odata.context"));
    CHECK(ctx && strlen(ctx) > 6 && !strcmp(ctx + strlen(ctx) - 6, "#Media"));
    CHECK(r.body && strstr(r.body, upper));
    json_decref(j);
    ts_response_free(&r);
    CHECK_INT_EQ(ti_sql_int(&t, "SELECT count(*) FROM audit WHERE action = 'bank.export'"), 2);
    const char *nobank[] = {"action", "export", "bank", "nowhere", "format", "te", NULL};
    CHECK_INT_EQ(banks_form(&t, &admin, nobank, NULL, &r), 422);
    ts_response_free(&r);
    ts_stop(&t);
    ts_remove_dir(dir);
}

/* The console's refusals in the staff frame with the way back into the
 * console, never the public pages (a French visitor's page, "Home" to the
 * public site): an address no route serves, a form with a lost token, a
 * route of another module under /console (the administration), and the
 * sign-in pages. */
static void test_console_error_pages(void)
{
    ts_server t;
    CHECK(ts_start(&t, NULL));
    person alice, root;
    CHECK(sign_in(&t, "alice", VG_ROLE_ANALYST, &alice));
    CHECK(sign_in(&t, "root", VG_ROLE_ADMINISTRATOR, &root));
    struct {
        const person *who;
        const char *method, *path;
        long status;
        const char *says;
    } cases[] = {
        {&alice, "GET", "/console/no-such-page", 404, "There is nothing at this address."},
        {&alice, "POST", "/console/claim", 403, NULL},
        {&alice, "GET", "/console/admin/users", 403, "Your account may not use this address."},
        {&root, "GET", "/console/admin/no-such-page", 404, "There is nothing at this address."},
        {NULL, "GET", "/login/nowhere", 404, "There is nothing at this address."},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ts_response r;
        if (!strcmp(cases[i].method, "GET")) {
            CHECK(get(&t, cases[i].who, cases[i].path, &r));
        } else {
            CHECK(post(&t, cases[i].who, cases[i].path, "report=1&version=0", 1, &r) > 0);
        }
        CHECK_MSG(r.status == cases[i].status, "%s: %ld", cases[i].path, r.status);
        CHECK_MSG(r.body && strstr(r.body, "<a href=\"/console\">Go to the console</a>"), "%s",
                  cases[i].path);
        CHECK_MSG(r.body && !strstr(r.body, "class=\"exit\""), "%s: the public frame",
                  cases[i].path);
        if (cases[i].says)
            CHECK_MSG(r.body && strstr(r.body, cases[i].says), "%s", cases[i].path);
        /* The navigation for the signed-in (the caller is identified on
         * routed addresses only). */
        if (cases[i].who && strcmp(cases[i].path, "/console/no-such-page") &&
            strcmp(cases[i].path, "/console/admin/no-such-page"))
            CHECK_MSG(r.body && strstr(r.body, "href=\"/console/queue\""), "%s", cases[i].path);
        ts_response_free(&r);
    }
    ts_stop(&t);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    RUN(test_reporter_fields_and_contact);
    RUN(test_views_next_and_search);
    RUN(test_dispute_settled);
    RUN(test_inherited_and_reopened);
    RUN(test_admin_people_keys_and_log);
    RUN(test_admin_banks);
    RUN(test_admin_synchronised_banks);
    RUN(test_admin_bank_formats);
    RUN(test_console_error_pages);
    curl_global_cleanup();
    return vg_test_exit();
}

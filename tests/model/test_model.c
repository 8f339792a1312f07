/*
 * The hotline's rules, table by table: each row is a situation and what the
 * rule must say about it. No server, no database: the rules are pure.
 */
#include <math.h>
#include <openssl/sha.h>
#include <string.h>

#include "harness.h"
#include "model/alert.h"
#include "model/audit.h"
#include "model/blocklist.h"
#include "model/country.h"
#include "model/item.h"
#include "model/curation.h"
#include "model/ispws.h"
#include "model/people.h"
#include "model/priority.h"
#include "model/report.h"
#include "model/route.h"
#include "model/notice.h"
#include "model/stats.h"
#include "model/takedown.h"
#include "model/video.h"
#include "model/vocab.h"

static void test_vocab(void)
{
    CHECK_STR_EQ(vg_term_label(vg_legal_terms, VG_LEGAL_CSAM), "Illegal: CSAM");
    CHECK_STR_EQ(vg_term_label(vg_legal_terms, "nonsense"), "nonsense");
    CHECK_STR_EQ(vg_term_label(vg_legal_terms, NULL), "");
    CHECK_INT_EQ(vg_term_count(vg_age_terms), 5);
    CHECK_INT_EQ(vg_term_index(vg_item_state_terms, VG_ITEM_DISPUTED), 2);
    CHECK(vg_term_find(vg_category_terms, VG_CATEGORY_IMAGE_OF_ME) != NULL);
    CHECK(!vg_term_find(vg_category_terms, "porn"));
    CHECK_STR_EQ(vg_term_label(vg_match_terms, VG_MATCH_TRIMMED), "matched after trimming borders");
    CHECK_STR_EQ(vg_term_label(vg_match_terms, VG_MATCH_CROP), "matched by local features (crop)");
    /* gravity: CSAM > other illegal > age undetermined > not illegal > unknown */
    const char *order[] = {VG_LEGAL_CSAM, VG_LEGAL_OTHER, VG_LEGAL_AGE_UNDETERMINED,
                           VG_LEGAL_NOT_ILLEGAL};
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++)
            CHECK_MSG(vg_legal_worse(order[i], order[j]) == (i < j), "%s vs %s", order[i],
                      order[j]);
    CHECK(vg_legal_worse(VG_LEGAL_NOT_ILLEGAL, "unknown"));
    CHECK(!vg_legal_worse("unknown", VG_LEGAL_NOT_ILLEGAL));
}

static void test_scopes(void)
{
    const struct {
        const char *text;
        int ok;
        unsigned bits;
        const char *formatted;
    } rows[] = {
        {"report", 1, VG_SCOPE_REPORT, "report"},
        {"match,hash", 1, VG_SCOPE_HASH | VG_SCOPE_MATCH, "hash,match"},
        {" curate , match ", 1, VG_SCOPE_MATCH | VG_SCOPE_CURATE, "match,curate"},
        {"all", 1, VG_SCOPE_ALL, "report,hash,match,curate,stats,blocklist"},
        {"stats", 1, VG_SCOPE_STATS, "stats"},
        {"blocklist", 1, VG_SCOPE_BLOCKLIST, "blocklist"},
        {"hash,hash", 1, VG_SCOPE_HASH, "hash"},
        {"", 0, 0, ""},
        {",", 0, 0, ""},
        {NULL, 0, 0, ""},
        {"hash,admin", 0, 0, ""},
        {"Hash", 0, 0, ""},
        {"reports", 0, 0, ""},
        {"repor", 0, 0, ""},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        unsigned bits = 99;
        CHECK_MSG(vg_scopes_parse(rows[i].text, &bits) == rows[i].ok, "row %zu", i);
        CHECK_MSG(bits == rows[i].bits, "row %zu: %u", i, bits);
        char out[48];
        vg_scopes_format(bits, out, sizeof out);
        CHECK_STR_EQ(out, rows[i].formatted);
    }
    /* the bits follow the vocabulary's order */
    CHECK_STR_EQ(vg_scope_terms[2].code, "match");
    CHECK_INT_EQ(vg_term_count(vg_scope_terms), 6);
    char small[8];
    vg_scopes_format(VG_SCOPE_ALL, small, sizeof small);
    CHECK_STR_EQ(small, "report"); /* cut at a whole word */
}

/* NCMEC's documented expiry: 24 h after opening or 1 h after the last
 * change, whichever is later; and the incident types' categories. */
static void test_ispws_rules(void)
{
    const struct {
        int64_t opened, changed, expires;
    } rows[] = {
        {0, 0, 86400},             /* untouched: a day */
        {0, 3600, 86400},          /* early changes do not shorten it */
        {0, 86000, 89600},         /* a late change: an hour after it */
        {1000, 86400 + 1000, 86400 + 4600},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        CHECK_MSG(vg_rule_ispws_expiry(rows[i].opened, rows[i].changed) == rows[i].expires,
                  "row %zu", i);
    CHECK_STR_EQ(vg_rule_ispws_category(
                     "Child Pornography (possession, manufacture, and distribution)"),
                 "image_video");
    CHECK_STR_EQ(vg_rule_ispws_category("Online Enticement of Children for Sexual Acts"),
                 "grooming");
    CHECK_STR_EQ(vg_rule_ispws_category("Child Sex Trafficking"), "other");
    CHECK(vg_rule_ispws_category("child sex trafficking") == NULL);
    CHECK(vg_rule_ispws_category("") == NULL);
    CHECK(vg_rule_ispws_category(NULL) == NULL);
    CHECK_STR_EQ(vg_ispws_code_text(VG_ISPWS_NO_REPORT), "Report does not exist");
    CHECK_INT_EQ(VG_ISPWS_FINISHED, 5102);
    CHECK_INT_EQ(VG_ISPWS_MALFORMED, 4110);
}

static void test_login_rules(void)
{
    vg_login_policy p = {.max_failures = 3, .lock_seconds = 100, .max_lock_seconds = 350};
    vg_login_state s = {0}, next;
    /* three attempts are counted, the fourth is not even checked */
    for (int i = 0; i < 3; i++) {
        CHECK(vg_rule_login_reserve(&s, &p, 1000, &next));
        CHECK_INT_EQ(next.failures, i + 1);
        s = next;
    }
    CHECK(!vg_rule_login_reserve(&s, &p, 1000, &next));
    CHECK_INT_EQ(next.failures, 3);
    /* the failure that finds three counted pauses the name; each pause doubles */
    const struct {
        int locks;
        int64_t until;
    } pauses[] = {{0, 1100}, {1, 1200}, {2, 1350}, {3, 1350}, {40, 1350}};
    for (size_t i = 0; i < sizeof pauses / sizeof pauses[0]; i++) {
        vg_login_state full = {.failures = 3, .locks = pauses[i].locks};
        int paused = 0;
        vg_rule_login_failed(&full, &p, 1000, &next, &paused);
        CHECK(paused);
        CHECK_INT_EQ(next.locked_until, pauses[i].until);
        CHECK_INT_EQ(next.locks, pauses[i].locks + 1);
        CHECK_INT_EQ(next.failures, 0);
    }
    /* fewer than the maximum: no pause */
    vg_login_state two = {.failures = 2};
    int paused = 1;
    vg_rule_login_failed(&two, &p, 1000, &next, &paused);
    CHECK(!paused && next.locked_until == 0);
    /* paused: nothing counted until the pause ends */
    vg_login_state locked = {.locked_until = 1100, .locks = 1};
    CHECK(!vg_rule_login_reserve(&locked, &p, 1099, &next));
    CHECK(vg_rule_login_reserve(&locked, &p, 1100, &next));
}

static void test_case_rules(void)
{
    vg_case_candidate c[] = {{7, 10}, {9, 12}, {4, 11}};
    CHECK_INT_EQ(vg_rule_case_to_join(c, 3), 9);
    CHECK_INT_EQ(vg_rule_case_to_join(c, 0), 0);
    /* near pictures: within the threshold inclusive, the nearest, then the latest */
    vg_pdq_hash q;
    memset(&q, 0, sizeof q);
    vg_case_pdq known[3];
    memset(known, 0, sizeof known);
    known[0].case_id = 1;
    known[1].case_id = 2;
    known[2].case_id = 3;
    for (int b = 0; b < 31; b++) /* 31 bits apart */
        known[0].hash.bytes[b / 8] |= (uint8_t)(1u << (b % 8));
    for (int b = 0; b < 32; b++) /* 32 bits apart */
        known[1].hash.bytes[b / 8] |= (uint8_t)(1u << (b % 8));
    CHECK_INT_EQ(vg_rule_near_case(&q, 1, known, 2, 31), 1);
    CHECK_INT_EQ(vg_rule_near_case(&q, 1, known + 1, 1, 31), 0);
    CHECK_INT_EQ(vg_rule_near_case(&q, 1, known + 1, 1, 32), 2);
    memcpy(&known[2].hash, &known[0].hash, sizeof q); /* as near, and later */
    CHECK_INT_EQ(vg_rule_near_case(&q, 1, known, 3, 31), 3);
}

static void test_content_key(void)
{
    vg_report_url u1[] = {{"a", "https://a.example/1"}, {"b", "https://b.example/2"}};
    vg_report_url u2[] = {{"b", "https://b.example/2"}, {"a", "https://a.example/1"}};
    vg_report_file f[] = {{.sha256 = "aa"}, {.sha256 = "bb"}};
    vg_report r1 = {.category = "livestream", .urls = u1, .url_count = 2, .files = f,
                    .file_count = 2, .description = "first words"};
    vg_report r2 = r1;
    r2.urls = u2;
    r2.description = "other words";
    char k1[65], k2[65];
    CHECK(vg_rule_content_key(&r1, k1, NULL) == VG_OK);
    CHECK(vg_rule_content_key(&r2, k2, NULL) == VG_OK);
    CHECK_STR_EQ(k1, k2); /* order and words do not matter */
    r2.category = "grooming";
    CHECK(vg_rule_content_key(&r2, k2, NULL) == VG_OK);
    CHECK(strcmp(k1, k2) != 0);
    /* a URL moved to the files' place is another report, not a copy */
    vg_report_url u3[] = {{"a", "https://a.example/1"}, {"x", "aa"}};
    vg_report_file f3[] = {{.sha256 = "https://b.example/2"}, {.sha256 = "bb"}};
    vg_report r3 = r1;
    r3.urls = u3;
    r3.files = f3;
    CHECK(vg_rule_content_key(&r3, k2, NULL) == VG_OK);
    CHECK(strcmp(k1, k2) != 0);
    CHECK_INT_EQ(strlen(k1), 64);
}

static void test_reporter_status(void)
{
    const struct {
        const char *status;
        int64_t age, reveal;
        const char *shown;
    } rows[] = {
        {VG_REPORT_ASSESSED, 10, 86400, VG_REPORT_RECEIVED},
        {VG_REPORT_CLOSED, 86399, 86400, VG_REPORT_RECEIVED},
        {VG_REPORT_ASSESSED, 86400, 86400, VG_REPORT_ASSESSED},
        {VG_REPORT_CLOSED, 90000, 86400, VG_REPORT_CLOSED},
        {VG_REPORT_ASSESSING, 0, 0, VG_REPORT_ASSESSING},
        {"something-new", 90000, 86400, VG_REPORT_ASSESSING},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        CHECK_STR_EQ(vg_rule_reporter_status(rows[i].status, 1000, 1000 + rows[i].age,
                                             rows[i].reveal),
                     rows[i].shown);
}

/* The reporter's view of what was done: one flag per kind, removals
 * counted once per URL however many recorded them, the latest time. */
static void test_reporter_outcome(void)
{
    vg_route_action acts[] = {
        {.type = VG_DONE_FORWARDED, .at = 10, .to = "DE", .reference = "r-1", .url = "http://a/"},
        {.type = VG_DONE_REMOVED, .at = 50, .to = "", .reference = "", .url = "http://a/"},
        {.type = VG_DONE_REMOVED, .at = 40, .to = "DE", .reference = "r-1", .url = "http://a/",
         .by = "DE hotline"},
        {.type = VG_DONE_NOTICE_SENT, .at = 20, .to = "host", .reference = "", .url = "http://b/"},
        {.type = VG_DONE_REMOVED, .at = 30, .to = "", .reference = "", .url = "http://b/"},
        {.type = "something-new", .at = 90, .to = "", .reference = "", .url = "http://c/"},
    };
    const struct {
        size_t count;
        int forwarded, notice_sent, referred;
        size_t removed_urls;
        int64_t removed_at;
    } rows[] = {
        {0, 0, 0, 0, 0, 0},
        {1, 1, 0, 0, 0, 0},
        {2, 1, 0, 0, 1, 50},
        {3, 1, 0, 0, 1, 50}, /* the partner's record of the same URL */
        {5, 1, 1, 0, 2, 50},
        {6, 1, 1, 0, 2, 50}, /* a kind the reporter has no sentence for */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        vg_reporter_outcome o;
        vg_rule_reporter_outcome(acts, rows[i].count, &o);
        CHECK_INT_EQ(o.forwarded, rows[i].forwarded);
        CHECK_INT_EQ(o.notice_sent, rows[i].notice_sent);
        CHECK_INT_EQ(o.referred, rows[i].referred);
        CHECK_INT_EQ(o.removed_urls, rows[i].removed_urls);
        CHECK_INT_EQ(o.removed_at, rows[i].removed_at);
    }
    /* stay-down: a URL back online after its removal is not gone; removed
     * again later, it is */
    vg_route_action back[] = {
        {.type = VG_DONE_NOTICE_SENT, .at = 20, .to = "host", .reference = "", .url = "http://b/"},
        {.type = VG_DONE_REMOVED, .at = 30, .to = "", .reference = "N-1", .url = "http://b/"},
        {.type = VG_DONE_REMOVED, .at = 35, .to = "", .reference = "", .url = "http://a/"},
        {.type = VG_DONE_REAPPEARED, .at = 60, .to = "", .reference = "N-1/1", .url = "http://b/"},
        {.type = VG_DONE_REMOVED, .at = 80, .to = "", .reference = "N-1/1", .url = "http://b/"},
    };
    const struct {
        size_t count, removed_urls, reappeared_urls;
        int64_t removed_at;
    } stay[] = {
        {2, 1, 0, 30},
        {3, 2, 0, 35},
        {4, 1, 1, 35}, /* b is back: only a is gone */
        {5, 2, 0, 80}, /* b gone again */
    };
    for (size_t i = 0; i < sizeof stay / sizeof stay[0]; i++) {
        vg_reporter_outcome o;
        vg_rule_reporter_outcome(back, stay[i].count, &o);
        CHECK_MSG(o.removed_urls == stay[i].removed_urls &&
                      o.reappeared_urls == stay[i].reappeared_urls &&
                      o.removed_at == stay[i].removed_at,
                  "row %zu: %zu %zu %lld", i, o.removed_urls, o.reappeared_urls,
                  (long long)o.removed_at);
    }
    vg_route_action ref = {.type = VG_DONE_REFERRED, .at = 5, .to = "police", .reference = "",
                           .url = ""};
    vg_reporter_outcome o;
    vg_rule_reporter_outcome(&ref, 1, &o);
    CHECK(o.referred && !o.forwarded && !o.notice_sent && o.removed_urls == 0);
}

static void test_audit_chain(void)
{
    char prev[65], h1[65], h2[65];
    memset(prev, '0', 64);
    prev[64] = 0;
    vg_audit_entry e1 = {1, 100, "user:a", "x.y", "t", "{}", prev, NULL};
    vg_audit_entry_hash(&e1, h1);
    e1.hash = h1;
    vg_audit_entry e2 = {2, 101, "user:b", "x.z", "u", "{\"k\":1}", h1, NULL};
    vg_audit_entry_hash(&e2, h2);
    e2.hash = h2;
    vg_audit_check c;
    vg_audit_check_init(&c);
    CHECK(!vg_audit_check_entry(&c, &e1) && !vg_audit_check_entry(&c, &e2));
    CHECK(vg_audit_check_head(&c, 2, h2));
    vg_audit_check_clear(&c);
    /* each field altered alone is noticed */
    char *fields[] = {"user:z", "x.q", "v", "{\"k\":2}"};
    for (int f = 0; f < 5; f++) {
        vg_audit_entry bad = e2;
        if (f == 0)
            bad.actor = fields[0];
        else if (f == 1)
            bad.action = fields[1];
        else if (f == 2)
            bad.target = fields[2];
        else if (f == 3)
            bad.detail = fields[3];
        else
            bad.time = 102;
        vg_audit_check_init(&c);
        CHECK(!vg_audit_check_entry(&c, &e1));
        CHECK_MSG(vg_audit_check_entry(&c, &bad), "field %d", f);
        CHECK(c.problem && strstr(c.problem, "entry 2 was altered"));
        vg_audit_check_clear(&c);
    }
    /* a removed entry, a cut tail, an entry added outside */
    vg_audit_check_init(&c);
    CHECK(vg_audit_check_entry(&c, &e2));
    CHECK(strstr(c.problem, "entry 1 was removed"));
    vg_audit_check_clear(&c);
    vg_audit_check_init(&c);
    CHECK(!vg_audit_check_entry(&c, &e1));
    CHECK(!vg_audit_check_head(&c, 2, h2));
    CHECK(strstr(c.problem, "entry 2 was removed"));
    vg_audit_check_clear(&c);
    vg_audit_check_init(&c);
    CHECK(!vg_audit_check_entry(&c, &e1) && !vg_audit_check_entry(&c, &e2));
    CHECK(!vg_audit_check_head(&c, 1, h1));
    CHECK(strstr(c.problem, "added outside"));
    vg_audit_check_clear(&c);
    /* the newest entry rewritten whole (its hash recomputed): the head kept
     * apart from the entries no longer matches */
    vg_audit_check_init(&c);
    CHECK(!vg_audit_check_entry(&c, &e1) && !vg_audit_check_entry(&c, &e2));
    CHECK(!vg_audit_check_head(&c, 2, h1));
    CHECK(c.problem && strstr(c.problem, "entry 2 was altered"));
    vg_audit_check_clear(&c);
}

static vg_item item_in(const char *state, const char *claimed_by, const char *first,
                       const char *second)
{
    vg_item it;
    memset(&it, 0, sizeof it);
    it.state = (char *)state;
    it.claimed_by = (char *)claimed_by;
    it.first_by = (char *)first;
    it.second_by = (char *)second;
    it.version = 3;
    return it;
}

static void test_who_may_do_what(void)
{
    const struct {
        const char *state, *claimed, *first, *second, *user;
        int supervisor;
        vg_item_outcome may;
    } rows[] = {
        {VG_ITEM_OPEN, NULL, NULL, NULL, "al", 0, VG_ITEM_DONE},
        {VG_ITEM_SECOND, NULL, "al", NULL, "al", 0, VG_ITEM_SAME_ANALYST},
        {VG_ITEM_SECOND, NULL, "al", NULL, "al", 1, VG_ITEM_SAME_ANALYST},
        {VG_ITEM_SECOND, NULL, "al", NULL, "bo", 0, VG_ITEM_DONE},
        {VG_ITEM_DISPUTED, NULL, "al", "bo", "cy", 0, VG_ITEM_SUPERVISOR},
        {VG_ITEM_DISPUTED, NULL, "al", "bo", "al", 1, VG_ITEM_OWN_ASSESSMENT},
        {VG_ITEM_DISPUTED, NULL, "al", "bo", "bo", 1, VG_ITEM_OWN_ASSESSMENT},
        {VG_ITEM_DISPUTED, NULL, "al", "bo", "su", 1, VG_ITEM_DONE},
        {VG_ITEM_CONFIRMED, NULL, "al", "bo", "su", 1, VG_ITEM_FINISHED},
        {VG_ITEM_AUTO, NULL, NULL, NULL, "al", 0, VG_ITEM_FINISHED},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        vg_item it = item_in(rows[i].state, rows[i].claimed, rows[i].first, rows[i].second);
        CHECK_MSG(vg_rule_may_finish(&it, rows[i].user, rows[i].supervisor) == rows[i].may,
                  "row %zu", i);
        int takes = 0;
        /* a claim follows the same rule */
        vg_item_outcome claim = vg_rule_claim(&it, rows[i].user, rows[i].supervisor, 3, 0, &takes);
        CHECK_MSG(claim == rows[i].may, "claim row %zu: %d", i, claim);
    }
    /* claims: held by another (lapsed or not), stale versions */
    vg_item it = item_in(VG_ITEM_OPEN, "bo", NULL, NULL);
    it.claimed_at = 500;
    int takes = 0;
    CHECK_INT_EQ(vg_rule_claim(&it, "al", 0, 3, 0, &takes), VG_ITEM_CLAIMED);
    CHECK_INT_EQ(vg_rule_claim(&it, "al", 0, 3, 400, &takes), VG_ITEM_CLAIMED);
    /* taken exactly at the limit: not before it, so still held (item.h) */
    CHECK_INT_EQ(vg_rule_claim(&it, "al", 0, 3, 500, &takes), VG_ITEM_CLAIMED);
    CHECK_INT_EQ(vg_rule_claim(&it, "al", 0, 3, 501, &takes), VG_ITEM_DONE);
    CHECK(takes);
    CHECK_INT_EQ(vg_rule_claim(&it, "al", 0, 2, 501, &takes), VG_ITEM_STALE);
    CHECK_INT_EQ(vg_rule_release(&it, "al", 0, 3), VG_ITEM_CLAIMED);
    CHECK_INT_EQ(vg_rule_release(&it, "al", 1, 3), VG_ITEM_DONE);
    CHECK_INT_EQ(vg_rule_release(&it, "bo", 0, 2), VG_ITEM_STALE);
    vg_item free_item = item_in(VG_ITEM_OPEN, NULL, NULL, NULL);
    CHECK_INT_EQ(vg_rule_release(&free_item, "bo", 1, 3), VG_ITEM_NOT_CLAIMED);
}

/* Issue 12: the queue's views, who reads a contact, settling, reopening. */
static void test_review_rules(void)
{
    const struct {
        const char *state, *claimed, *first, *second, *user;
        int supervisor;
        int for_me, mine, second_view, disputed;
    } rows[] = {
        {VG_ITEM_OPEN, NULL, NULL, NULL, "al", 0, 1, 0, 0, 0},
        {VG_ITEM_OPEN, "al", NULL, NULL, "al", 0, 1, 1, 0, 0},
        {VG_ITEM_OPEN, "bo", NULL, NULL, "al", 0, 0, 0, 0, 0}, /* a live claim of another */
        {VG_ITEM_SECOND, NULL, "al", NULL, "al", 0, 0, 1, 1, 0}, /* her own first one */
        {VG_ITEM_SECOND, NULL, "al", NULL, "bo", 0, 1, 0, 1, 0},
        {VG_ITEM_DISPUTED, NULL, "al", "bo", "cy", 0, 0, 0, 0, 1},
        {VG_ITEM_DISPUTED, NULL, "al", "bo", "bo", 1, 0, 1, 0, 1},
        {VG_ITEM_DISPUTED, NULL, "al", "bo", "su", 1, 1, 0, 0, 1},
        {VG_ITEM_CONFIRMED, NULL, "al", "bo", "al", 1, 0, 0, 0, 0}, /* finished: in no view */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        vg_item it = item_in(rows[i].state, rows[i].claimed, rows[i].first, rows[i].second);
        it.claimed_at = 1000;
        const char *u = rows[i].user;
        int sup = rows[i].supervisor;
        CHECK_MSG(vg_rule_in_view(&it, VG_VIEW_FOR_ME, u, sup, 500) == rows[i].for_me, "row %zu",
                  i);
        CHECK_MSG(vg_rule_in_view(&it, VG_VIEW_MINE, u, sup, 500) == rows[i].mine, "row %zu", i);
        CHECK_MSG(vg_rule_in_view(&it, VG_VIEW_SECOND, u, sup, 500) == rows[i].second_view,
                  "row %zu", i);
        CHECK_MSG(vg_rule_in_view(&it, VG_VIEW_DISPUTED, u, sup, 500) == rows[i].disputed,
                  "row %zu", i);
        CHECK_MSG(vg_rule_in_view(&it, VG_VIEW_ALL, u, sup, 500) == !vg_item_finished(&it),
                  "row %zu", i);
    }
    /* A lapsed claim of another is for me again. */
    vg_item held = item_in(VG_ITEM_OPEN, "bo", NULL, NULL);
    held.claimed_at = 100;
    CHECK(vg_rule_in_view(&held, VG_VIEW_FOR_ME, "al", 0, 500));
    CHECK(!vg_rule_in_view(&held, VG_VIEW_FOR_ME, "al", 0, 0)); /* claims never lapse */

    /* Contact details: the holder, or a supervisor. */
    CHECK_INT_EQ(vg_rule_may_contact(&held, "bo", 0), VG_ITEM_DONE);
    CHECK_INT_EQ(vg_rule_may_contact(&held, "al", 0), VG_ITEM_NOT_CLAIMED);
    CHECK_INT_EQ(vg_rule_may_contact(&held, "su", 1), VG_ITEM_DONE);

    /* Settling: a disputed item, a supervisor who assessed neither side,
     * the version shown, nobody else's live claim. */
    vg_item d = item_in(VG_ITEM_DISPUTED, NULL, "al", "bo");
    CHECK_INT_EQ(vg_rule_settle(&d, "su", 1, 3, 0), VG_ITEM_DONE);
    CHECK_INT_EQ(vg_rule_settle(&d, "su", 1, 2, 0), VG_ITEM_STALE);
    CHECK_INT_EQ(vg_rule_settle(&d, "al", 1, 3, 0), VG_ITEM_OWN_ASSESSMENT);
    CHECK_INT_EQ(vg_rule_settle(&d, "cy", 0, 3, 0), VG_ITEM_SUPERVISOR);
    d.claimed_by = "tom";
    d.claimed_at = 1000;
    CHECK_INT_EQ(vg_rule_settle(&d, "su", 1, 3, 500), VG_ITEM_CLAIMED);
    CHECK_INT_EQ(vg_rule_settle(&d, "su", 1, 3, 2000), VG_ITEM_DONE); /* lapsed */
    vg_item s2 = item_in(VG_ITEM_SECOND, NULL, "al", NULL);
    CHECK_INT_EQ(vg_rule_settle(&s2, "su", 1, 3, 0), VG_ITEM_NOT_DISPUTED);
    vg_item c = item_in(VG_ITEM_CONFIRMED, NULL, "al", "bo");
    CHECK_INT_EQ(vg_rule_settle(&c, "su", 1, 3, 0), VG_ITEM_FINISHED);

    /* Reopening: a supervisor, a confirmed item, the version shown. */
    CHECK_INT_EQ(vg_rule_reopen(&c, 1, 3), VG_ITEM_DONE);
    CHECK_INT_EQ(vg_rule_reopen(&c, 0, 3), VG_ITEM_ROLE);
    CHECK_INT_EQ(vg_rule_reopen(&c, 1, 4), VG_ITEM_STALE);
    vg_item a = item_in(VG_ITEM_AUTO, NULL, NULL, NULL);
    CHECK_INT_EQ(vg_rule_reopen(&a, 1, 3), VG_ITEM_NOT_CONFIRMED);
    CHECK_INT_EQ(vg_rule_reopen(&s2, 1, 3), VG_ITEM_NOT_CONFIRMED);
}

/* A report of URLs only inherits the decisions taken on every one of its
 * URLs (the worst of them), unless it reports a live stream. */
static void test_url_duplicates(void)
{
    vg_grading g;
    CHECK(vg_grading_parse(&g, "A,B,C", NULL) == VG_OK);
    vg_decided_url decided[] = {
        {"https://a.test/", 7, {VG_LEGAL_CSAM, "B", "b2"}},
        {"https://a.test/", 4, {VG_LEGAL_CSAM, "A", "b3"}},
        {"https://b.test/", 9, {VG_LEGAL_NOT_ILLEGAL, "", ""}},
    };
    const struct {
        const char *category;
        int64_t files;
        const char *urls[2];
        int decides;
        const char *legal, *severity;
        int64_t from;
    } rows[] = {
        {"image_video", 0, {"https://a.test/", NULL}, 1, VG_LEGAL_CSAM, "A", 4},
        {"image_video", 0, {"https://a.test/", "https://b.test/"}, 1, VG_LEGAL_CSAM, "A", 4},
        {"image_video", 0, {"https://b.test/", NULL}, 1, VG_LEGAL_NOT_ILLEGAL, "", 9},
        {"image_video", 0, {"https://a.test/", "https://new.test/"}, 0, NULL, NULL, 0},
        {"image_video", 1, {"https://a.test/", NULL}, 0, NULL, NULL, 0}, /* a file to see */
        {VG_CATEGORY_LIVESTREAM, 0, {"https://a.test/", NULL}, 0, NULL, NULL, 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        vg_item it = {.category = (char *)rows[i].category, .files = rows[i].files};
        size_t n = rows[i].urls[1] ? 2 : 1;
        vg_verdict v;
        int64_t from = -1;
        int got = vg_rule_urls_decide(&it, rows[i].urls, n, decided, 3, &g, &v, &from);
        CHECK_MSG(got == rows[i].decides, "row %zu", i);
        if (got) {
            CHECK_STR_EQ(v.legal, rows[i].legal);
            CHECK_STR_EQ(v.severity ? v.severity : "", rows[i].severity);
        }
        CHECK_MSG(from == rows[i].from, "row %zu: from %lld", i, (long long)from);
    }
    vg_item none = {.category = "image_video"};
    vg_verdict v;
    int64_t from;
    CHECK(!vg_rule_urls_decide(&none, NULL, 0, decided, 3, &g, &v, &from));
}

/* Administering accounts in the browser never locks everyone out. */
static void test_account_changes(void)
{
    vg_account admin = {.username = "root", .role = VG_ROLE_ADMINISTRATOR};
    vg_account alice = {.username = "alice", .role = VG_ROLE_ANALYST};
    const struct {
        const char *actor;
        const vg_account *target;
        vg_account_change change;
        vg_role role;
        int admins;
        vg_account_refusal want;
    } rows[] = {
        {"root", &alice, VG_CHANGE_ROLE, VG_ROLE_SUPERVISOR, 1, VG_ACCOUNT_OK},
        {"root", &alice, VG_CHANGE_ROLE, VG_ROLE_PARTNER, 1, VG_ACCOUNT_BAD_ROLE},
        {"root", &alice, VG_CHANGE_ROLE, VG_ROLE_NONE, 1, VG_ACCOUNT_BAD_ROLE},
        {"root", &alice, VG_CHANGE_DISABLE, 0, 1, VG_ACCOUNT_OK},
        {"root", &admin, VG_CHANGE_DISABLE, 0, 2, VG_ACCOUNT_SELF},
        {"root", &admin, VG_CHANGE_ROLE, VG_ROLE_ANALYST, 2, VG_ACCOUNT_SELF},
        {"root", &admin, VG_CHANGE_ROLE, VG_ROLE_ADMINISTRATOR, 1, VG_ACCOUNT_OK},
        {"root", &admin, VG_CHANGE_PASSWORD, 0, 1, VG_ACCOUNT_OK},
        {"boss", &admin, VG_CHANGE_DISABLE, 0, 1, VG_ACCOUNT_LAST_ADMIN},
        {"boss", &admin, VG_CHANGE_ROLE, VG_ROLE_SUPERVISOR, 1, VG_ACCOUNT_LAST_ADMIN},
        {"boss", &admin, VG_CHANGE_DISABLE, 0, 2, VG_ACCOUNT_OK},
        {"boss", &admin, VG_CHANGE_UNLOCK, 0, 1, VG_ACCOUNT_OK},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        CHECK_MSG(vg_rule_account_change(rows[i].actor, rows[i].target, rows[i].change,
                                         rows[i].role, rows[i].admins) == rows[i].want,
                  "row %zu", i);
    const char *good[] = {"alice", "a.b-c_d@x", "A9"};
    const char *bad[] = {"", "a b", "a/b", "é", NULL};
    for (size_t i = 0; i < 3; i++)
        CHECK_MSG(vg_rule_username_valid(good[i]), "%s", good[i]);
    for (size_t i = 0; i < 5; i++)
        CHECK_MSG(!vg_rule_username_valid(bad[i]), "bad %zu", i);
    char long_name[80];
    memset(long_name, 'a', 65);
    long_name[65] = 0;
    CHECK(!vg_rule_username_valid(long_name));
    long_name[64] = 0;
    CHECK(vg_rule_username_valid(long_name));
}

/* What a person looks for in the audit log. */
static void test_audit_filter(void)
{
    vg_audit_entry e = {.seq = 10, .time = 1000, .actor = "user:al", .action = "item.assess.auto",
                        .target = "report:3"};
    const struct {
        vg_audit_filter f;
        int match;
    } rows[] = {
        {{0}, 1},
        {{.actor = "user:al"}, 1},
        {{.actor = "user:a"}, 0},
        {{.action = "item."}, 1},
        {{.action = "item.assess."}, 1},
        {{.action = "item.assess"}, 0},
        {{.action = "item"}, 0},
        {{.action = "ite."}, 0},
        {{.target = "report:3"}, 1},
        {{.target = "report:33"}, 0},
        {{.from = 1000}, 1},
        {{.from = 1001}, 0},
        {{.to = 1000}, 0},
        {{.to = 1001}, 1},
        {{.before_seq = 10}, 0},
        {{.before_seq = 11}, 1},
        {{.actor = "user:al", .action = "item.", .from = 900, .to = 1100}, 1},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        CHECK_MSG(vg_audit_filter_match(&rows[i].f, &e) == rows[i].match, "row %zu", i);
}

static void test_viewing(void)
{
    vg_trust trust = {0};
    vg_grading g;
    CHECK(vg_grading_parse(&g, "A,B,C", NULL) == VG_OK);
    CHECK(vg_trust_parse(&trust, "net=illegal_csam/A", &g, NULL) == VG_OK);
    vg_item mine = item_in(VG_ITEM_OPEN, "al", NULL, NULL);
    vg_item disputed = item_in(VG_ITEM_DISPUTED, NULL, "al", "bo");
    vg_item_file fresh = {.vault_id = "v1"}, own = {.vault_id = "v2", .own_legal = "illegal_csam"},
                 trusted = {.vault_id = "v3", .known = VG_FILE_KNOWN, .bank = "net"},
                 untrusted = {.vault_id = "v4", .known = VG_FILE_KNOWN, .bank = "other"},
                 claimed = {.known = VG_FILE_CLAIMED, .bank = "net"},
                 /* a digest row marked known (an older row, a bug upstream):
                  * without a file in the vault it still decides nothing */
                 quoted = {.known = VG_FILE_KNOWN, .bank = "net"};
    CHECK_INT_EQ(vg_rule_may_view(&mine, &fresh, "al", 0, &trust), VG_ITEM_DONE);
    CHECK_INT_EQ(vg_rule_may_view(&mine, &fresh, "bo", 1, &trust), VG_ITEM_NOT_CLAIMED);
    CHECK_INT_EQ(vg_rule_may_view(&mine, &own, "al", 0, &trust), VG_ITEM_FINISHED);
    CHECK_INT_EQ(vg_rule_may_view(&mine, &trusted, "al", 0, &trust), VG_ITEM_FINISHED);
    CHECK_INT_EQ(vg_rule_may_view(&mine, &untrusted, "al", 0, &trust), VG_ITEM_DONE);
    CHECK_INT_EQ(vg_rule_may_view(&disputed, &fresh, "su", 1, &trust), VG_ITEM_DONE);
    CHECK_INT_EQ(vg_rule_may_view(&disputed, &fresh, "al", 1, &trust), VG_ITEM_NOT_CLAIMED);
    CHECK_INT_EQ(vg_rule_may_view(&disputed, &fresh, "cy", 0, &trust), VG_ITEM_NOT_CLAIMED);
    CHECK(!vg_rule_file_decided(&claimed, &trust)); /* a quoted digest decides nothing */
    CHECK(!vg_rule_file_decided(&quoted, &trust));
    vg_verdict verdict;
    CHECK(!vg_rule_banks_decide(&quoted, 1, &trust, &g, &verdict));
    CHECK(vg_rule_banks_decide(&trusted, 1, &trust, &g, &verdict));
    CHECK_STR_EQ(verdict.legal, "illegal_csam");
    /* a quarantined entry of a trusted bank decides nothing: the file is
     * to be looked at, by the one who claimed it; the organisation's own
     * bank (people's decisions) still decides */
    vg_item_file held = trusted, held_own = own;
    held.quarantined = 60;
    held_own.quarantined = 60;
    CHECK(!vg_rule_file_decided(&held, &trust));
    CHECK(!vg_rule_banks_decide(&held, 1, &trust, &g, &verdict));
    CHECK_INT_EQ(vg_rule_may_view(&mine, &held, "al", 0, &trust), VG_ITEM_DONE);
    CHECK_INT_EQ(vg_rule_may_view(&mine, &held, "bo", 0, &trust), VG_ITEM_NOT_CLAIMED);
    CHECK(vg_rule_file_decided(&held_own, &trust));
    vg_trust_clear(&trust);
}

static void test_four_eyes(void)
{
    vg_class first = {"illegal_csam", "A", "b1", "female", "grooming,self_generated",
                      "prepubescent,real_child", "FR", "{\"note\":\"x\"}"};
    char *key = vg_rule_class_key(&first, 1);
    /* each classifying answer varied alone disagrees; the note does not count */
    for (int f = 0; f < 8; f++) {
        vg_class second = first;
        const char **field[] = {&second.legal, &second.severity, &second.age, &second.sex,
                                &second.flags, &second.baseline, &second.country, &second.json};
        *field[f] = "changed";
        CHECK_MSG(vg_rule_classes_agree(key, &second) == (f == 7), "field %d", f);
    }
    CHECK(vg_rule_classes_agree(key, &first));
    CHECK(!vg_rule_classes_agree(NULL, &first));
    /* an older five-field key compares five fields */
    char *old = vg_rule_class_key(&first, 0);
    vg_class other_country = first;
    other_country.country = "DE";
    CHECK(vg_rule_classes_agree(old, &other_country));
    free(old);
    /* the transitions */
    const char *next = NULL;
    vg_item open = item_in(VG_ITEM_OPEN, "al", NULL, NULL);
    CHECK_INT_EQ(vg_rule_assess(&open, "al", 0, 3, &first, &next), VG_ITEM_DONE);
    CHECK_STR_EQ(next, VG_ITEM_SECOND);
    CHECK_INT_EQ(vg_rule_assess(&open, "bo", 0, 3, &first, &next), VG_ITEM_CLAIMED);
    CHECK_INT_EQ(vg_rule_assess(&open, "al", 0, 2, &first, &next), VG_ITEM_STALE);
    vg_item second = item_in(VG_ITEM_SECOND, "bo", "al", NULL);
    second.first_key = key;
    CHECK_INT_EQ(vg_rule_assess(&second, "bo", 0, 3, &first, &next), VG_ITEM_DONE);
    CHECK_STR_EQ(next, VG_ITEM_CONFIRMED);
    vg_class differ = first;
    differ.severity = "B";
    CHECK_INT_EQ(vg_rule_assess(&second, "bo", 0, 3, &differ, &next), VG_ITEM_DONE);
    CHECK_STR_EQ(next, VG_ITEM_DISPUTED);
    vg_item self = item_in(VG_ITEM_SECOND, "al", "al", NULL);
    CHECK_INT_EQ(vg_rule_assess(&self, "al", 0, 3, &first, &next), VG_ITEM_SAME_ANALYST);
    vg_item dispute = item_in(VG_ITEM_DISPUTED, "al", "al", "bo");
    CHECK_INT_EQ(vg_rule_assess(&dispute, "al", 1, 3, &first, &next), VG_ITEM_OWN_ASSESSMENT);
    dispute.claimed_by = "su";
    CHECK_INT_EQ(vg_rule_assess(&dispute, "su", 1, 3, &first, &next), VG_ITEM_DONE);
    CHECK_STR_EQ(next, VG_ITEM_CONFIRMED);
    free(key);
}

static void test_classifications(void)
{
    vg_grading g;
    CHECK(vg_grading_parse(&g, "X1,A,B", NULL) == VG_OK); /* the scheme's order, not the alphabet */
    vg_verdict worst = {0};
    vg_verdict a = {VG_LEGAL_NOT_ILLEGAL, "B", "b3"}, b = {VG_LEGAL_CSAM, "X1", "b2"},
               c = {VG_LEGAL_OTHER, "A", "b0"};
    vg_rule_worst(&worst, &a, &g);
    vg_rule_worst(&worst, &b, &g);
    vg_rule_worst(&worst, &c, &g);
    CHECK_STR_EQ(worst.legal, VG_LEGAL_CSAM);
    CHECK_STR_EQ(worst.severity, "X1");
    CHECK_STR_EQ(worst.age, "b0");

    vg_trust trust = {0};
    CHECK(vg_trust_parse(&trust, "net=illegal_csam/A/b2, soft=other_illegal", &g, NULL) == VG_OK);
    vg_item_file files[3] = {
        {.vault_id = "1", .own_legal = VG_LEGAL_NOT_ILLEGAL, .own_severity = "", .own_age = ""},
        {.vault_id = "2", .known = VG_FILE_KNOWN, .bank = "net"},
        {.vault_id = "3", .known = VG_FILE_KNOWN, .bank = "soft"},
    };
    vg_verdict v;
    CHECK(vg_rule_banks_decide(files, 3, &trust, &g, &v));
    CHECK_STR_EQ(v.legal, VG_LEGAL_CSAM);
    CHECK_STR_EQ(v.severity, "A");
    CHECK_STR_EQ(v.age, "b2");
    files[1].vault_id = NULL; /* the same match from a quoted digest */
    files[1].known = VG_FILE_CLAIMED;
    CHECK(!vg_rule_banks_decide(files, 3, &trust, &g, &v));
    files[1] = (vg_item_file){.vault_id = "2"}; /* a new file */
    CHECK(!vg_rule_banks_decide(files, 3, &trust, &g, &v));
    CHECK(!vg_rule_banks_decide(files, 0, &trust, &g, &v));
    vg_trust_clear(&trust);
    /* a refused list leaves nothing behind */
    CHECK(vg_trust_parse(&trust, "bad", &g, NULL) != VG_OK);
    CHECK(trust.count == 0 && trust.banks == NULL);
    CHECK(vg_trust_parse(&trust, "net=illegal_csam/Z", &g, NULL) != VG_OK);
    vg_trust_clear(&trust);

    /* the item's verdict: its decision, else the held files' bank entries,
     * never a first assessment */
    vg_item it = item_in(VG_ITEM_SECOND, NULL, "al", NULL);
    it.severity = "X1"; /* as a first assessment would have left it */
    it.bank_classes = "illegal_csam|B|b3;illegal_csam|A|b1;not_illegal||";
    vg_verdict_text t;
    vg_rule_item_verdict(&it, &g, &t);
    CHECK_STR_EQ(t.legal, "");
    CHECK_STR_EQ(t.severity, "A");
    CHECK_STR_EQ(t.age, "b1");
    it.state = VG_ITEM_CONFIRMED;
    it.legal = VG_LEGAL_CSAM;
    it.age = "b0";
    vg_rule_item_verdict(&it, &g, &t);
    CHECK_STR_EQ(t.legal, VG_LEGAL_CSAM);
    CHECK_STR_EQ(t.severity, "X1");
    CHECK_STR_EQ(vg_rule_status_after(VG_LEGAL_NOT_ILLEGAL), VG_REPORT_CLOSED);
    CHECK_STR_EQ(vg_rule_status_after(VG_LEGAL_AGE_UNDETERMINED), VG_REPORT_ASSESSED);
}

static void test_copies(void)
{
    vg_item items[5];
    memset(items, 0, sizeof items);
    const struct {
        int64_t id, case_id;
        const char *key;
    } rows[] = {{1, 7, "k1"}, {2, 7, "k2"}, {3, 7, "k1"}, {4, 8, "k1"}, {5, 7, "k1"}};
    for (int i = 0; i < 5; i++) {
        items[i].report_id = rows[i].id;
        items[i].case_id = rows[i].case_id;
        items[i].content_key = (char *)rows[i].key;
    }
    /* the last copy of report 1 says a child is in danger now */
    items[4].danger = 1;
    vg_rule_mark_copies(items, 5);
    const int64_t copies[] = {2, 0, 0, 0, 0}, copy_of[] = {0, 0, 1, 0, 1};
    const int64_t danger[] = {1, 0, 0, 0, 1};
    for (int i = 0; i < 5; i++) {
        CHECK_INT_EQ(items[i].copies, copies[i]);
        CHECK_INT_EQ(items[i].copy_of, copy_of[i]);
        /* the row standing for it comes first too; other rows do not */
        CHECK_INT_EQ(items[i].danger, danger[i]);
    }
}

static void test_priority(void)
{
    vg_config *cfg = NULL;
    CHECK(vg_config_new(&cfg, NULL) == VG_OK);
    vg_priority p;
    CHECK(vg_priority_load(cfg, "A", &p, NULL) == VG_OK);
    vg_grading g;
    CHECK(vg_grading_parse(&g, "A,B,C", NULL) == VG_OK);
    vg_item it = item_in(VG_ITEM_SECOND, NULL, "al", NULL);
    it.category = VG_CATEGORY_LIVESTREAM;
    it.created_at = 0;
    it.severity = "A"; /* a first assessment's: must not count */
    it.age = "b0";
    vg_priority_hit hits[VG_RULE_COUNT];
    int n = 0;
    int64_t score = vg_priority_score(&p, &it, &g, 3 * 3600, hits, &n);
    CHECK_INT_EQ(score, 10000 + 3 * 5);
    CHECK_INT_EQ(n, 2);
    it.bank_classes = "illegal_csam|A|b0";
    score = vg_priority_score(&p, &it, &g, 0, hits, &n);
    CHECK_INT_EQ(score, 10000 + 200 + 150);
    vg_config_free(cfg);
}

/* Weights from the configuration, each rule's points, the waiting cap, a
 * partner key's trust, and a weight the configuration gets wrong. */
static void test_priority_weights(void)
{
    vg_config *cfg = NULL;
    vg_error err;
    const char *text =
        "priority.danger = 1557\npriority.waiting = 2\npriority.waiting_max_hours = 3\n";
    CHECK(vg_config_new(&cfg, &err) == VG_OK);
    CHECK(vg_config_parse(cfg, text, strlen(text), "test", &err) == VG_OK);
    vg_priority p;
    CHECK(vg_priority_load(cfg, "A", &p, &err) == VG_OK);
    CHECK_INT_EQ(p.weight[VG_RULE_DANGER], 1557);
    CHECK_INT_EQ(p.weight[VG_RULE_SEXTORTION], 800); /* the default */

    vg_grading g;
    CHECK(vg_grading_parse(&g, "A,B,C", NULL) == VG_OK);
    vg_item it = {0};
    it.category = VG_CATEGORY_LIVESTREAM;
    it.created_at = 1000;
    it.files = 2;
    it.files_known = 1;
    /* the worst bank entry of its held files: grade A, 0-2 years */
    it.bank_classes = "illegal_csam|A|b0";
    it.api_key_id = 3;
    it.source_trust = 80;
    vg_priority_hit hits[VG_RULE_COUNT];
    int n = 0;
    /* 10 hours waited, capped at 3 hours of 2 points; a key trusted at 80
     * gets 80 % of priority.trusted_source (100). */
    int64_t score = vg_priority_score(&p, &it, &g, 1000 + 10 * 3600, hits, &n);
    CHECK_INT_EQ(score, 1557 + 300 + 200 + 150 + 80 + 6);
    CHECK_INT_EQ(n, 6);
    CHECK_INT_EQ(hits[0].rule, VG_RULE_DANGER);
    CHECK_INT_EQ(hits[4].rule, VG_RULE_TRUSTED);
    CHECK_INT_EQ(hits[4].points, 80);
    CHECK_INT_EQ(hits[5].points, 6);
    /* A key trusted at 0 adds nothing, and says nothing. */
    it.source_trust = 0;
    CHECK_INT_EQ(vg_priority_score(&p, &it, &g, 1000 + 10 * 3600, hits, &n),
                 1557 + 300 + 200 + 150 + 6);
    CHECK_INT_EQ(n, 5);
    /* Known material is not new; another grade is not the top one. */
    it.files_known = 2;
    it.bank_classes = "illegal_csam|B|b3";
    it.category = "image_video";
    it.api_key_id = 0;
    CHECK_INT_EQ(vg_priority_score(&p, &it, &g, 1000, hits, &n), 0);
    CHECK_INT_EQ(n, 0);
    /* Nor is a file the organisation's own bank holds, though no external
     * bank knows it. */
    it.files_known = 1;
    CHECK_INT_EQ(vg_priority_score(&p, &it, &g, 1000, hits, &n), 300);
    it.files_own_bank = 2;
    CHECK_INT_EQ(vg_priority_score(&p, &it, &g, 1000, hits, &n), 0);

    const char *bad = "priority.sextortion = -1\n";
    vg_config *cfg2 = NULL;
    CHECK(vg_config_new(&cfg2, &err) == VG_OK);
    CHECK(vg_config_parse(cfg2, bad, strlen(bad), "test", &err) == VG_OK);
    CHECK(vg_priority_load(cfg2, "A", &p, &err) == VG_ERR_INVALID);
    CHECK(strstr(err.message, "priority.sextortion") != NULL);
    vg_config_free(cfg);
    vg_config_free(cfg2);
}

/* A child in danger now, or live abuse, outranks every other report,
 * whatever the others have: the issue's case (a picture of me with a new
 * file, 1100 points, above live abuse, 1000) and the extremes. */
static void test_danger_first(void)
{
    vg_config *cfg = NULL;
    CHECK(vg_config_new(&cfg, NULL) == VG_OK);
    vg_priority p;
    CHECK(vg_priority_load(cfg, "A", &p, NULL) == VG_OK);
    vg_config_free(cfg);
    vg_grading g;
    CHECK(vg_grading_parse(&g, "A,B,C", NULL) == VG_OK);
    const int64_t now = 10 * 365 * 86400LL; /* ten years after the oldest */
    const struct {
        const char *what, *category;
        int danger;
        int64_t files, files_known, api_key, trust, created_at;
        const char *bank_classes;
        int first; /* must come before every row with first = 0 */
    } rows[] = {
        {"live abuse, nothing else", VG_CATEGORY_LIVESTREAM, 0, 0, 0, 0, 0, now, NULL, 1},
        {"a child in danger (a picture report)", "image_video", 1, 0, 0, 0, 0, now, NULL, 1},
        {"a child in danger, known material", "other", 1, 1, 1, 0, 0, now, NULL, 1},
        {"a picture of me with a new file", VG_CATEGORY_IMAGE_OF_ME, 0, 1, 0, 0, 0, now, NULL, 0},
        {"every other rule, waited ten years", VG_CATEGORY_SEXTORTION, 0, 2, 1, 4, 100, 0,
         "illegal_csam|A|b0", 0},
        {"new material from a trusted partner", "image_video", 0, 1, 0, 4, 100, 0, NULL, 0},
    };
    const size_t n = sizeof rows / sizeof rows[0];
    int64_t scores[sizeof rows / sizeof rows[0]];
    for (size_t i = 0; i < n; i++) {
        vg_item it = {0};
        it.category = (char *)rows[i].category;
        it.danger = rows[i].danger;
        it.files = rows[i].files;
        it.files_known = rows[i].files_known;
        it.api_key_id = rows[i].api_key;
        it.source_trust = rows[i].trust;
        it.created_at = rows[i].created_at;
        it.bank_classes = (char *)rows[i].bank_classes;
        vg_priority_hit hits[VG_RULE_COUNT];
        int count = 0;
        scores[i] = vg_priority_score(&p, &it, &g, now, hits, &count);
        CHECK_MSG((count > 0 && hits[0].rule == VG_RULE_DANGER) == rows[i].first,
                  "%s: the danger rule %s", rows[i].what, rows[i].first ? "missing" : "applied");
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            if (rows[i].first && !rows[j].first)
                CHECK_MSG(scores[i] > scores[j], "%s (%lld) is not above %s (%lld)",
                          rows[i].what, (long long)scores[i], rows[j].what,
                          (long long)scores[j]);

    /* A weight that would let the others catch up is refused, naming the
     * keys; one point more is enough. The others' most: 800 + 300 + 200 +
     * 150 + 100 + 5 x 72 = 1910. */
    const struct {
        const char *text;
        int ok;
    } configs[] = {
        {"priority.danger = 1000\n", 0}, /* the old default */
        {"priority.danger = 1910\n", 0},
        {"priority.danger = 1911\n", 1},
        {"priority.danger = 0\n", 0},
        {"priority.waiting_max_hours = 2000\n", 0}, /* 5 x 2000 catches up with 10000 */
        {"priority.danger = 20000\npriority.waiting_max_hours = 2000\n", 1},
    };
    for (size_t i = 0; i < sizeof configs / sizeof configs[0]; i++) {
        vg_config *c = NULL;
        vg_error err;
        CHECK(vg_config_new(&c, NULL) == VG_OK);
        CHECK(vg_config_parse(c, configs[i].text, strlen(configs[i].text), "test", NULL) ==
              VG_OK);
        vg_status st = vg_priority_load(c, "A", &p, &err);
        CHECK_MSG((st == VG_OK) == configs[i].ok, "%s", configs[i].text);
        if (!configs[i].ok)
            CHECK_MSG(st == VG_ERR_INVALID && strstr(err.message, "priority.danger") &&
                          strstr(err.message, "waiting_max_hours"),
                      "%s", err.message);
        vg_config_free(c);
    }
}

static void test_alert_rules(void)
{
    /* which reports raise an alert, and why */
    const struct {
        const char *category;
        int danger;
        const char *reason;
    } reasons[] = {
        {VG_CATEGORY_LIVESTREAM, 0, VG_ALERT_LIVESTREAM},
        {VG_CATEGORY_LIVESTREAM, 1, VG_ALERT_DANGER},
        {"image_video", 1, VG_ALERT_DANGER},
        {NULL, 1, VG_ALERT_DANGER},
        {"image_video", 0, NULL},
        {VG_CATEGORY_SEXTORTION, 0, NULL},
        {NULL, 0, NULL},
    };
    for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++) {
        const char *r = vg_rule_alert_reason(reasons[i].category, reasons[i].danger);
        CHECK_MSG(reasons[i].reason ? r && !strcmp(r, reasons[i].reason) : r == NULL,
                  "row %zu: %s", i, r ? r : "(none)");
    }
    CHECK(vg_term_find(vg_alert_reason_terms, VG_ALERT_DANGER) != NULL);

    /* back-off: 30 s, doubling, at most an hour */
    const struct {
        int64_t attempts, wait;
    } waits[] = {{0, 30},    {1, 30},    {2, 60},    {3, 120},   {4, 240},
                 {7, 1920},  {8, 3600},  {9, 3600},  {60, 3600}, {1000000, 3600}};
    for (size_t i = 0; i < sizeof waits / sizeof waits[0]; i++)
        CHECK_MSG(vg_rule_alert_retry_at(1000, waits[i].attempts, 30, 3600) == 1000 + waits[i].wait,
                  "after %lld failures", (long long)waits[i].attempts);
}

/* What an alert says: its reason, numbers, time and link, nothing else. */
static void test_alert_messages(void)
{
    vg_alert_delivery d = {.id = 3, .alert_id = 7, .report_id = 42, .raised_at = 1700000000,
                           .channel = VG_CHANNEL_EMAIL, .reason = VG_ALERT_DANGER};
    char *mail = NULL;
    vg_error err;
    CHECK(vg_alert_mail(&d, "https://hotline.example", "vigie@hotline.example",
                        "duty@hotline.example,pager@hotline.example", 1700000060, &mail,
                        &err) == VG_OK);
    const char *expected_lines[] = {
        "From: vigie <vigie@hotline.example>\r\n",
        "To: duty@hotline.example,pager@hotline.example\r\n",
        "Subject: [vigie] Urgent report 42: a child may be in danger now\r\n",
        "Date: Tue, 14 Nov 2023 22:14:20 +0000\r\n",
        "Message-ID: <vigie-alert-7.3@hotline.example>\r\n",
        "Auto-Submitted: auto-generated\r\n",
        "\r\n\r\nAn urgent report has come in: its sender says a child is in danger now.\r\n",
        "Reference: report 42 (alert 7)\r\n",
        "Received:  2023-11-14 22:13 UTC\r\n",
        "Open it:   https://hotline.example/console/item?id=42\r\n",
    };
    for (size_t i = 0; mail && i < sizeof expected_lines / sizeof expected_lines[0]; i++)
        CHECK_MSG(strstr(mail, expected_lines[i]) != NULL, "missing: %s", expected_lines[i]);
    /* every line ends in CRLF, all of it plain ASCII */
    for (const char *c = mail; c && *c; c++) {
        CHECK_MSG((unsigned char)*c < 0x80, "non-ASCII at %zu", (size_t)(c - mail));
        if (*c == '\n')
            CHECK_MSG(c > mail && c[-1] == '\r', "bare LF at %zu", (size_t)(c - mail));
    }
    free(mail);

    d.reason = VG_ALERT_LIVESTREAM;
    char *body = NULL;
    CHECK(vg_alert_webhook_body(&d, "https://hotline.example/vigie", &body, &err) == VG_OK);
    CHECK_STR_EQ(body, "{\"alert\":7,\"console_url\":"
                       "\"https://hotline.example/vigie/console/item?id=42\",\"delivery\":3,"
                       "\"event\":\"vigie.alert\",\"raised_at\":\"2023-11-14T22:13:20Z\","
                       "\"reason\":\"livestream\",\"report\":42}");
    free(body);

    /* HMAC-SHA-256 over "1700000000.{\"a\":1}", reference from Python's hmac */
    char sig[72];
    vg_alert_signature("whsec-test", 1700000000, "{\"a\":1}", sig);
    CHECK_STR_EQ(sig, "sha256=fed7a1a6c799a6367d73724d76bc70c16678908a32a879cd1ded6565ac05cece");

    char link[40];
    CHECK(vg_alert_link("https://a-rather-long-host.example", 42, link, sizeof link, &err) ==
          VG_ERR_TOO_LARGE);
}

/* The stretches of a video an analyst is pointed to: M matched, u not
 * matched, . a sample too plain to say anything; one sample a second. */
static void test_video_segments(void)
{
    static const struct {
        const char *samples;
        const char *segments; /* "start-end" in seconds, space-separated */
        size_t total;
    } rows[] = {
        {"", "", 0},
        {"uuu", "", 0},
        {"M", "0-0", 1},
        {"MMM", "0-2", 1},
        {"MMuMM", "0-1 3-4", 2},
        {"M.M", "0-2", 1},     /* a plain frame does not cut a segment */
        {".M.", "1-1", 1},     /* nor starts or extends one */
        {"uMMu.uM", "1-2 6-6", 2},
        {"MuMuMuM", "0-0 2-2 4-4", 4}, /* only three kept, four counted */
    };
    for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
        double times[16];
        vg_video_sample kinds[16];
        size_t n = strlen(rows[r].samples);
        for (size_t i = 0; i < n; i++) {
            times[i] = (double)i;
            char c = rows[r].samples[i];
            kinds[i] = c == 'M' ? VG_SAMPLE_MATCHED : c == 'u' ? VG_SAMPLE_UNMATCHED
                                                                : VG_SAMPLE_SILENT;
        }
        vg_video_segment seg[3];
        size_t total = vg_rule_video_segments(times, kinds, n, seg, 3);
        CHECK_MSG(total == rows[r].total, "%s: %zu segments", rows[r].samples, total);
        char text[64] = "";
        size_t len = 0;
        for (size_t i = 0; i < total && i < 3; i++)
            len += (size_t)snprintf(text + len, sizeof text - len, "%s%g-%g", i ? " " : "",
                                    seg[i].start, seg[i].end);
        CHECK_MSG(!strcmp(text, rows[r].segments), "%s: \"%s\"", rows[r].samples, text);
    }
    static const struct {
        double t;
        const char *text;
    } times[] = {{0, "0:00"},     {9.99, "0:09"},       {61, "1:01"},    {3599.5, "59:59"},
                 {3600, "1:00:00"}, {36061, "10:01:01"}, {-1, "0:00"},   {NAN, "0:00"}};
    for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) {
        char out[16];
        vg_video_time(times[i].t, out, sizeof out);
        CHECK_STR_EQ(out, times[i].text);
    }
}

/* Statistics: a known history, each figure checked by hand. Times are
 * seconds; T is 2026-12-31 23:00:00 UTC, an hour before a new year whose
 * first days still belong to ISO week 2026-W53. */
/* Orientation and action: five reports routed, four with notices, their
 * times from receipt chosen on the windows' edges (24 h exactly is within
 * 24 h; 42 days and a second is beyond 42 days). */
static void test_stats_action(void)
{
    const int64_t T = 1767225600, H = 3600, D = 24 * H;
    const vg_report_fact facts[] = {
        /* FR, noticed after 24 h exactly, removed after 3 days; its URL
         * and domain on the blocking list, the domain appealed once */
        {.id = 1, .case_id = 1, .created_at = T, .host_country = "FR", .asn = "AS64500",
         .provider = "Hosting One", .route = "notice_host,refer_police", .notices = 1,
         .notice_at = T + D, .removed_at = T + 3 * D, .blocked = 2, .appeals = 1},
        /* FR, noticed after 24 h and a second, sent again twice, escalated,
         * removed after 42 days and a second, came back once */
        {.id = 2, .case_id = 2, .created_at = T, .host_country = "FR", .asn = "AS64500",
         .provider = "Hosting One", .route = "notice_host", .notices = 1, .renotices = 2,
         .escalations = 1, .reappearances = 1, .notice_at = T + D + 1,
         .removed_at = T + 42 * D + 1},
        /* DE, two URLs noticed after 6 days, one still up */
        {.id = 3, .case_id = 3, .created_at = T, .host_country = "DE", .asn = "AS64501",
         .provider = "Zweite GmbH", .route = "notice_host", .notices = 2, .renotices = 1,
         .notice_at = T + 6 * D, .blocked = 1, .appeals = 2},
        /* DE, forwarded to the partner hotline: no notice of ours */
        {.id = 4, .case_id = 4, .created_at = T, .host_country = "DE", .asn = "AS64501",
         .route = "forward_partner"},
        /* no hosting found: an analyst decides */
        {.id = 5, .case_id = 5, .created_at = T, .route = "analyst_decides"},
        /* not routed */
        {.id = 6, .case_id = 6, .created_at = T},
    };
    vg_stat_dim dims[2];
    size_t n = 0;
    CHECK(vg_stat_dims_parse("host_country,route", dims, 2, &n, NULL) == VG_OK && n == 2);
    vg_stats_table *t = NULL;
    CHECK(vg_stats_new(NULL, 0, NULL, &t, NULL) == VG_OK);
    for (size_t i = 0; i < 6; i++)
        CHECK(vg_stats_add(t, &facts[i], NULL) == VG_OK);
    CHECK(vg_stats_finish(t, NULL) == VG_OK);
    const vg_stats_group *g = vg_stats_group_at(t, 0);
    const struct {
        int measure;
        int64_t value;
    } counts[] = {
        {VG_M_REPORTS, 6}, {VG_M_ROUTED, 5}, {VG_M_NOTICED, 3}, {VG_M_NOTICES, 4},
        {VG_M_RENOTICES, 3}, {VG_M_ESCALATIONS, 1}, {VG_M_REMOVED, 2}, {VG_M_REAPPEARANCES, 1},
        {VG_M_BLOCKED, 3}, {VG_M_APPEALS, 3},
        /* notices after 24 h, 24 h + 1 s, 6 days */
        {VG_M_WINDOW(VG_TIME_NOTICE, VG_WINDOW_24H), 1},
        {VG_M_WINDOW(VG_TIME_NOTICE, VG_WINDOW_3D), 2},
        {VG_M_WINDOW(VG_TIME_NOTICE, VG_WINDOW_7D), 3},
        {VG_M_WINDOW(VG_TIME_NOTICE, VG_WINDOW_OVER_42D), 0},
        /* removals after 3 days and 42 days + 1 s */
        {VG_M_WINDOW(VG_TIME_REMOVAL, VG_WINDOW_24H), 0},
        {VG_M_WINDOW(VG_TIME_REMOVAL, VG_WINDOW_3D), 1},
        {VG_M_WINDOW(VG_TIME_REMOVAL, VG_WINDOW_7D), 1},
        {VG_M_WINDOW(VG_TIME_REMOVAL, VG_WINDOW_OVER_42D), 1},
    };
    for (size_t i = 0; g && i < sizeof counts / sizeof counts[0]; i++)
        CHECK_MSG(g->counts[counts[i].measure] == counts[i].value, "%s = %lld, not %lld",
                  vg_stat_measure_name(counts[i].measure),
                  (long long)g->counts[counts[i].measure], (long long)counts[i].value);
    /* notices 24, 24 + 1/3600, 144 h: median the second, p90 the third;
     * removals 72 h and 1008 h + 1/3600: median 72, p90 the second */
    CHECK(g && g->hours[VG_M_NOTICE_MEDIAN_H - VG_M_COUNTS] == 24.0 + 1.0 / 3600.0);
    CHECK(g && g->hours[VG_M_NOTICE_P90_H - VG_M_COUNTS] == 144.0);
    CHECK(g && g->hours[VG_M_REMOVAL_MEDIAN_H - VG_M_COUNTS] == 72.0);
    CHECK(g && g->hours[VG_M_REMOVAL_P90_H - VG_M_COUNTS] == 1008.0 + 1.0 / 3600.0);
    vg_stats_free(t);

    /* crossed: the hosting country by the route's most urgent action */
    CHECK(vg_stats_new(dims, n, NULL, &t, NULL) == VG_OK);
    for (size_t i = 0; i < 6; i++)
        CHECK(vg_stats_add(t, &facts[i], NULL) == VG_OK);
    CHECK(vg_stats_finish(t, NULL) == VG_OK);
    static const struct {
        const char *country, *route;
        int64_t reports, notices;
    } rows[] = {{"", "", 1, 0},
                {"", "analyst_decides", 1, 0},
                {"DE", "forward_partner", 1, 0},
                {"DE", "notice_host", 1, 2},
                {"FR", "notice_host", 2, 2}};
    CHECK_INT_EQ(vg_stats_group_count(t), 5);
    for (size_t i = 0; i < 5 && i < vg_stats_group_count(t); i++) {
        g = vg_stats_group_at(t, i);
        CHECK_STR_EQ(g->values[0], rows[i].country);
        CHECK_STR_EQ(g->values[1], rows[i].route);
        CHECK_INT_EQ(g->counts[VG_M_REPORTS], rows[i].reports);
        CHECK_INT_EQ(g->counts[VG_M_NOTICES], rows[i].notices);
    }
    vg_stats_free(t);
    /* the provider and the AS */
    CHECK(vg_stat_dims_parse("asn,provider", dims, 2, &n, NULL) == VG_OK);
    CHECK(vg_stats_new(dims, n, NULL, &t, NULL) == VG_OK);
    for (size_t i = 0; i < 6; i++)
        CHECK(vg_stats_add(t, &facts[i], NULL) == VG_OK);
    CHECK(vg_stats_finish(t, NULL) == VG_OK);
    CHECK_INT_EQ(vg_stats_group_count(t), 4);
    if (vg_stats_group_count(t) == 4) {
        CHECK_STR_EQ(vg_stats_group_at(t, 1)->values[0], "AS64500");
        CHECK_STR_EQ(vg_stats_group_at(t, 1)->values[1], "Hosting One");
        CHECK_INT_EQ(vg_stats_group_at(t, 1)->counts[VG_M_REPORTS], 2);
        CHECK_STR_EQ(vg_stats_group_at(t, 2)->values[1], ""); /* AS64501 forwarded */
        CHECK_STR_EQ(vg_stats_group_at(t, 3)->values[1], "Zweite GmbH");
    }
    vg_stats_free(t);
}

static void test_stats(void)
{
    const int64_t T = 1798758000, H = 3600;
    const vg_report_fact facts[] = {
        /* a public report, looked at after 2 h, confirmed CSAM after 4 h */
        {.id = 1, .case_id = 1, .created_at = T, .first_look_at = T + 2 * H,
         .decided_at = T + 4 * H, .source = "web", .reporter_kind = "child",
         .category = "image_of_me", .state = VG_ITEM_CONFIRMED, .legal = VG_LEGAL_CSAM,
         .severity = "A", .files = 2, .known_files = 0, .urls = 1},
        /* a copy of it in the same case, an hour later (the new year):
         * decided by the bank with nobody looking */
        {.id = 2, .case_id = 1, .created_at = T + H, .decided_at = T + H, .duplicate = 1,
         .source = "api", .category = "image_video", .state = VG_ITEM_AUTO,
         .legal = VG_LEGAL_CSAM, .files = 1, .known_files = 1, .videos = 1},
        /* not illegal, after 10 h; looked at after 1 h */
        {.id = 3, .case_id = 2, .created_at = T + 2 * H, .first_look_at = T + 3 * H,
         .decided_at = T + 12 * H, .source = "web", .reporter_kind = "child",
         .category = "image_of_me", .state = VG_ITEM_CONFIRMED, .legal = VG_LEGAL_NOT_ILLEGAL,
         .files = 1, .claimed_files = 0},
        /* waiting, with a digest the partner quoted */
        {.id = 4, .case_id = 3, .created_at = T + 3 * H, .source = "api",
         .category = "image_video", .state = VG_ITEM_SECOND, .legal = VG_LEGAL_CSAM,
         .files = 1, .claimed_files = 1},
    };
    vg_stats_table *t = NULL;
    CHECK(vg_stats_new(NULL, 0, NULL, &t, NULL) == VG_OK);
    for (size_t i = 0; i < 4; i++)
        CHECK(vg_stats_add(t, &facts[i], NULL) == VG_OK);
    CHECK(vg_stats_finish(t, NULL) == VG_OK);
    CHECK_INT_EQ(vg_stats_group_count(t), 1);
    const vg_stats_group *g = vg_stats_group_at(t, 0);
    /* reports cases dup files known new videos urls assessed csam other not age auto,
     * looked (1 and 3), then nothing routed nor noticed; the windows of the
     * first looks (2 h, 1 h) and of people's assessments (4 h, 10 h) */
    int64_t want[VG_M_COUNTS] = {4, 3, 1, 5, 1, 3, 1, 1, 3, 2, 0, 1, 0, 1, 2};
    for (int w = 0; w < VG_WINDOW_OVER_42D; w++)
        want[VG_M_WINDOW(VG_TIME_FIRST_LOOK, w)] = want[VG_M_WINDOW(VG_TIME_ASSESSED, w)] = 2;
    for (int m = 0; m < VG_M_COUNTS; m++)
        CHECK_MSG(g->counts[m] == want[m], "%s = %lld, not %lld", vg_stat_measure_name(m),
                  (long long)g->counts[m], (long long)want[m]);
    /* first looks 2 h and 1 h: the nearest-rank median is 1 h; people's
     * assessments 4 h and 10 h (the bank's is nobody's time): median 4, p90 10 */
    CHECK(g->hours[VG_M_FIRST_LOOK_MEDIAN_H - VG_M_COUNTS] == 1.0);
    CHECK(g->hours[VG_M_ASSESSED_MEDIAN_H - VG_M_COUNTS] == 4.0);
    CHECK(g->hours[VG_M_ASSESSED_P90_H - VG_M_COUNTS] == 10.0);
    CHECK(g->hours[VG_M_FIRST_LOOK_P90_H - VG_M_COUNTS] == 2.0);
    CHECK(g->hours[VG_M_NOTICE_MEDIAN_H - VG_M_COUNTS] == -1);
    CHECK(g->hours[VG_M_REMOVAL_P90_H - VG_M_COUNTS] == -1);
    vg_stats_free(t);

    /* crossed: year by legal; the groups sorted by their values */
    vg_stat_dim dims[3];
    size_t n = 0;
    CHECK(vg_stat_dims_parse("year,legal", dims, 3, &n, NULL) == VG_OK && n == 2);
    CHECK(vg_stats_new(dims, n, NULL, &t, NULL) == VG_OK);
    for (size_t i = 0; i < 4; i++)
        CHECK(vg_stats_add(t, &facts[i], NULL) == VG_OK);
    CHECK(vg_stats_finish(t, NULL) == VG_OK);
    static const struct {
        const char *year, *legal;
        int64_t reports;
    } rows[] = {{"2026", "illegal_csam", 1},
                {"2027", "", 1}, /* not decided: no legal value yet */
                {"2027", "illegal_csam", 1},
                {"2027", "not_illegal", 1}};
    CHECK_INT_EQ(vg_stats_group_count(t), 4);
    for (size_t i = 0; i < 4 && i < vg_stats_group_count(t); i++) {
        g = vg_stats_group_at(t, i);
        CHECK_STR_EQ(g->values[0], rows[i].year);
        CHECK_STR_EQ(g->values[1], rows[i].legal);
        CHECK_INT_EQ(g->counts[VG_M_REPORTS], rows[i].reports);
    }
    vg_stats_free(t);

    /* the store gives the facts in no promised order (store/stats.h): the
     * same facts the other way round make the same tables, the totals
     * (whose quantiles then see the times in another order) and year by
     * legal */
    for (size_t by = 0; by < 2; by++) {
        vg_stats_table *tables[2] = {NULL, NULL};
        for (int way = 0; way < 2; way++) {
            CHECK(vg_stats_new(dims, by ? n : 0, NULL, &tables[way], NULL) == VG_OK);
            for (size_t i = 0; i < 4; i++)
                CHECK(vg_stats_add(tables[way], &facts[way ? 3 - i : i], NULL) == VG_OK);
            CHECK(vg_stats_finish(tables[way], NULL) == VG_OK);
        }
        size_t groups = vg_stats_group_count(tables[0]);
        CHECK_INT_EQ(vg_stats_group_count(tables[1]), groups);
        for (size_t i = 0; i < groups && i < vg_stats_group_count(tables[1]); i++) {
            const vg_stats_group *x = vg_stats_group_at(tables[0], i),
                                 *y = vg_stats_group_at(tables[1], i);
            for (size_t d = 0; by && d < n; d++)
                CHECK_STR_EQ(x->values[d], y->values[d]);
            CHECK(!memcmp(x->counts, y->counts, sizeof x->counts));
            CHECK(!memcmp(x->hours, y->hours, sizeof x->hours));
        }
        vg_stats_free(tables[0]);
        vg_stats_free(tables[1]);
    }

    /* periods at the boundary: the last second of 2026 and the first of 2027 */
    static const struct {
        const char *dim, *last, *first;
    } periods[] = {{"day", "2026-12-31", "2027-01-01"},
                   {"week", "2026-W53", "2026-W53"},
                   {"month", "2026-12", "2027-01"},
                   {"year", "2026", "2027"}};
    for (size_t i = 0; i < 4; i++) {
        CHECK(vg_stat_dims_parse(periods[i].dim, dims, 3, &n, NULL) == VG_OK);
        CHECK(vg_stats_new(dims, n, NULL, &t, NULL) == VG_OK);
        vg_report_fact last = {.created_at = T + H - 1}, first = {.created_at = T + H};
        CHECK(vg_stats_add(t, &last, NULL) == VG_OK && vg_stats_add(t, &first, NULL) == VG_OK);
        CHECK(vg_stats_finish(t, NULL) == VG_OK);
        size_t groups = vg_stats_group_count(t);
        CHECK_STR_EQ(vg_stats_group_at(t, 0)->values[0], periods[i].last);
        CHECK_STR_EQ(vg_stats_group_at(t, groups - 1)->values[0], periods[i].first);
        CHECK_INT_EQ(groups, strcmp(periods[i].last, periods[i].first) ? 2 : 1);
        vg_stats_free(t);
    }
    /* source crosses the channel with who reported */
    CHECK(vg_stat_dims_parse("source", dims, 3, &n, NULL) == VG_OK);
    CHECK(vg_stats_new(dims, n, NULL, &t, NULL) == VG_OK);
    for (size_t i = 0; i < 4; i++)
        CHECK(vg_stats_add(t, &facts[i], NULL) == VG_OK);
    CHECK(vg_stats_finish(t, NULL) == VG_OK);
    CHECK_INT_EQ(vg_stats_group_count(t), 2);
    CHECK_STR_EQ(vg_stats_group_at(t, 0)->values[0], "api/unsaid");
    CHECK_STR_EQ(vg_stats_group_at(t, 1)->values[0], "web/child");
    CHECK_INT_EQ(vg_stats_group_at(t, 1)->counts[VG_M_CASES], 2);
    vg_stats_free(t);

    /* every measure and dimension has its column's name */
    for (int m = 0; m < VG_M_COUNT; m++)
        CHECK_MSG(vg_stat_measure_name(m) != NULL, "measure %d", m);
    for (int d = 0; d < VG_DIM_COUNT; d++)
        CHECK_MSG(vg_stat_dim_name((vg_stat_dim)d) != NULL, "dimension %d", d);
    CHECK_STR_EQ(vg_stat_measure_name(VG_M_WINDOW(VG_TIME_REMOVAL, VG_WINDOW_OVER_42D)),
                 "removal_over_42d");
    CHECK_STR_EQ(vg_stat_measure_name(VG_M_REMOVAL_P90_H), "removal_p90_h");

    vg_error err;
    CHECK(vg_stat_dims_parse("month,colour", dims, 3, &n, &err) == VG_ERR_INVALID);
    CHECK(strstr(err.message, "\"colour\"") != NULL);
    CHECK(vg_stat_dims_parse("month,month", dims, 3, &n, &err) == VG_ERR_INVALID);
    double v[] = {5, 1, 3, 2, 4};
    CHECK(vg_stat_quantile(v, 5, 0.5) == 3 && vg_stat_quantile(v, 5, 0.9) == 5 &&
          vg_stat_quantile(v, 5, 0.2) == 1 && vg_stat_quantile(v, 0, 0.5) == -1);
}

/* Orientation: each row is what a lookup found for one URL, and the route
 * the issue's rules give (hotline in FR, a partner in DE). */
/* Approval: who may approve what (rows from the rule's statement in
 * model/route.h). */
static void test_route_approval(void)
{
    static const struct {
        const char *state, *changed_by, *actor, *current, *wanted;
        int has_partner;
        vg_route_verdict verdict;
        const char *why;
    } rows[] = {
        /* as proposed: one person approves */
        {"proposed", "", "ann", "notice_host,refer_police", "notice_host,refer_police", 0,
         VG_ROUTE_APPROVE, ""},
        {"proposed", "", "ann", "notice_host,refer_police", "refer_police,notice_host", 0,
         VG_ROUTE_APPROVE, ""}, /* order does not matter */
        /* a change waits for a second person */
        {"proposed", "", "ann", "notice_host,refer_police", "refer_police", 0, VG_ROUTE_CHANGE,
         ""},
        {"proposed", "ann", "ann", "refer_police", "refer_police", 0, VG_ROUTE_REFUSED,
         "another analyst"},
        {"proposed", "ann", "bob", "refer_police", "refer_police", 0, VG_ROUTE_APPROVE, ""},
        {"proposed", "ann", "bob", "refer_police", "notice_host", 0, VG_ROUTE_CHANGE, ""},
        {"proposed", "ann", "ann", "refer_police", "notice_host", 0, VG_ROUTE_CHANGE, ""},
        /* approved is final */
        {"approved", "", "bob", "refer_police", "refer_police", 0, VG_ROUTE_REFUSED, "already"},
        {"automatic", "", "bob", "forward_partner", "forward_partner", 1, VG_ROUTE_REFUSED,
         "already"},
        /* what may be asked */
        {"proposed", "", "ann", "notice_host", "", 0, VG_ROUTE_REFUSED, "at least one"},
        {"proposed", "", "ann", "notice_host", "notice_host,fly_away", 0, VG_ROUTE_REFUSED,
         "not an action"},
        {"proposed", "", "ann", "notice_host", "notice_host,notice_host", 0, VG_ROUTE_REFUSED,
         "twice"},
        {"proposed", "", "ann", "notice_host", "forward_partner", 0, VG_ROUTE_REFUSED,
         "no partner"},
        {"proposed", "", "ann", "notice_host", "forward_partner", 1, VG_ROUTE_CHANGE, ""},
        {"proposed", "", "ann", "notice_host", "notice", 0, VG_ROUTE_REFUSED, "not an action"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char why[200];
        vg_route_verdict v =
            vg_rule_route_approval(rows[i].state, rows[i].changed_by, rows[i].actor,
                                   rows[i].current, rows[i].wanted, rows[i].has_partner, why,
                                   sizeof why);
        CHECK_MSG(v == rows[i].verdict && strstr(why, rows[i].why), "row %zu: %d '%s'", i, v,
                  why);
    }
    /* what may go without anyone: known material forwarded, or noticed and
     * referred when vigie fetched it at the URL itself */
    static const struct {
        vg_route_known k;
        int automatic;
    } known[] = {
        {{1, "auto", "bank", 2, 2, 0, "forward_partner", 0}, 1},
        {{0, "auto", "bank", 2, 2, 0, "forward_partner", 0}, 0},        /* not asked for */
        {{1, "confirmed", "bob", 2, 2, 0, "forward_partner", 0}, 0},    /* a person decided */
        {{1, "auto", "copy", 2, 2, 0, "forward_partner", 0}, 0},        /* a copy, not a bank */
        {{1, "auto", "bank", 2, 1, 0, "forward_partner", 0}, 0},        /* a new file */
        {{1, "auto", "bank", 2, 1, 1, "forward_partner", 0}, 0},        /* a quoted digest */
        {{1, "auto", "bank", 2, 2, 1, "forward_partner", 0}, 0},        /* known, but quoted */
        {{1, "auto", "bank", 0, 0, 0, "forward_partner", 0}, 0},        /* no file at all */
        {{1, "auto", "bank", 2, 2, 0, "notice_host,refer_police", 0}, 0}, /* names the URL */
        {{1, "auto", "bank", 2, 2, 0, "refer_child_protection,forward_partner", 0}, 0},
        /* vigie fetched the file at the URL (the crawler): the URL is proven */
        {{1, "auto", "bank", 1, 1, 0, "notice_host,refer_police", 1}, 1},
        {{1, "auto", "bank", 1, 1, 0, "notice_host,propose_blocking", 1}, 0},
        {{1, "auto", "bank", 1, 1, 0, "ask_cdn_origin,analyst_decides", 1}, 0},
        {{1, "auto", "bank", 1, 1, 0, "refer_child_protection,notice_host,refer_police", 1}, 0},
        {{1, "auto", "bank", 1, 1, 0, "notice_host,refer_policex", 1}, 0},
        {{1, "auto", "bank", 1, 1, 0, "", 1}, 0},
        {{0, "auto", "bank", 1, 1, 0, "notice_host,refer_police", 1}, 0},
        {{1, "confirmed", "bob", 1, 1, 0, "notice_host,refer_police", 1}, 0},
        {{1, "auto", "bank", 1, 0, 0, "notice_host,refer_police", 1}, 0},
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        CHECK_MSG(vg_rule_route_automatic(&known[i].k) == known[i].automatic, "row %zu", i);
    /* what an approval sends */
    const char *kinds[3];
    CHECK_INT_EQ(vg_rule_route_deliveries("refer_child_protection,forward_partner,refer_police",
                                          1, kinds),
                 3);
    CHECK(!strcmp(kinds[0], "referral_child_protection") && !strcmp(kinds[1], "forward") &&
          !strcmp(kinds[2], "referral_police"));
    CHECK_INT_EQ(vg_rule_route_deliveries("forward_partner", 0, kinds), 0);
    CHECK_INT_EQ(vg_rule_route_deliveries("notice_host,propose_blocking,analyst_decides", 1,
                                          kinds),
                 0);
    CHECK_INT_EQ(vg_rule_route_deliveries("refer_police_now", 1, kinds), 0);
    /* back-off: a minute, doubling, six hours at most */
    CHECK_INT_EQ(vg_rule_delivery_retry_at(1000, 1), 1060);
    CHECK_INT_EQ(vg_rule_delivery_retry_at(1000, 2), 1120);
    CHECK_INT_EQ(vg_rule_delivery_retry_at(1000, 4), 1480);
    CHECK_INT_EQ(vg_rule_delivery_retry_at(1000, 9), 1000 + 60 * 256);
    CHECK_INT_EQ(vg_rule_delivery_retry_at(1000, 10), 1000 + 21600);
    CHECK_INT_EQ(vg_rule_delivery_retry_at(1000, 1000000), 1000 + 21600);
    CHECK(vg_route_has_action("a,bb,c", "bb") && !vg_route_has_action("a,bbb", "bb") &&
          !vg_route_has_action("", "a") && vg_route_has_action("c", "c"));
}

/* The directory of partner hotlines as an operator writes it. */
static void test_partners(void)
{
    vg_partner_list l;
    vg_error err;
    const char *good = "country,name,url,key,key_org\r\n# Germany\n"
                       "de,Example DE,https://de.example/,k1,Example DE (key)\n"
                       "\nNL,\"Meldpunt, NL\",https://nl.example/api,k2";
    CHECK(vg_partners_parse(good, strlen(good), "p.csv", 0, &l, &err) == VG_OK);
    CHECK_INT_EQ(l.count, 2);
    if (l.count == 2) {
        CHECK_STR_EQ(l.items[0].country, "DE");
        CHECK_STR_EQ(l.items[0].url, "https://de.example"); /* no trailing slash */
        CHECK_STR_EQ(l.items[1].name, "Meldpunt, NL");
        CHECK_STR_EQ(l.items[1].key, "k2");
        CHECK_STR_EQ(l.items[0].key_org, "Example DE (key)");
        CHECK(l.items[1].key_org == NULL); /* four fields: polled only */
    }
    vg_partners_free(&l);
    static const struct {
        const char *text, *why;
    } bad[] = {
        {"de,Example,https://de.example\n", "p.csv:1: expected 4 fields"},
        {"de,Example,https://de.example,k,org,extra\n", "more than 5"},
        {"de,Example,https://de.example,k,\n", "key_org is empty"},
        {"de,A,https://a.example,k,O\nnl,B,https://b.example,k,O\n", "p.csv:2: a second partner "
                                                                       "with the same key_org"},
        {"deu,Example,https://de.example,k\n", "two-letter"},
        {"de,,https://de.example,k\n", "name is empty"},
        {"de,Example,http://de.example,k\n", "https://"},
        {"de,Example,https://de.example/?a=b,k\n", "https://"},
        {"de,Example,https://,k\n", "https://"},
        {"de,Example,https://de.example,\n", "key"},
        {"de,Example,https://de.example,a key\n", "key"},
        {"de,A,https://a.example,k\nDE,B,https://b.example,k\n", "p.csv:2: a second partner"},
        {"de,\"Example,https://de.example,k\n", "not closed"},
        {"de,\"Ex\"ample,https://de.example,k\n", "closing quote"},
        {"de,Ex\tample,https://de.example,k\n", "control"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        vg_error_clear(&err);
        CHECK_MSG(vg_partners_parse(bad[i].text, strlen(bad[i].text), "p.csv", 0, &l, &err) ==
                          VG_ERR_INVALID &&
                      strstr(err.message, bad[i].why) && l.count == 0,
                  "row %zu: %s", i, err.message);
    }
    const char *local = "de,Example,http://127.0.0.1:8080,k\n";
    CHECK(vg_partners_parse(local, strlen(local), "p.csv", 1, &l, &err) == VG_OK && l.count == 1);
    vg_partners_free(&l);
}

static void test_routes(void)
{
    static const vg_partner partners[] = {
        {"DE", "Example DE hotline", "https://de.example", "k", NULL}};
    static const vg_url_route_address fr[] = {{"FR", 0, 1}}, de[] = {{"DE", 0, 1}},
                                  us[] = {{"US", 0, 1}}, cdn[] = {{"US", 1, 1}, {"FR", 0, 1}},
                                  split[] = {{"FR", 0, 1}, {"DE", 0, 1}},
                                  both_fr[] = {{"FR", 0, 1}, {"FR", 0, 1}},
                                  unknown[] = {{"", 0, 1}}, private[] = {{"FR", 0, 0}},
                                  with_private[] = {{"DE", 0, 1}, {"", 0, 0}};
    static const struct {
        const vg_url_route_address *addresses;
        size_t count;
        int resolved, danger;
        const char *actions, *reasons, *country, *partner;
    } rows[] = {
        {fr, 1, 1, 0, "notice_host,refer_police", "hosted_home", "FR", NULL},
        {both_fr, 2, 1, 0, "notice_host,refer_police", "hosted_home", "FR", NULL},
        {de, 1, 1, 0, "forward_partner", "hosted_abroad_partner", "DE", "Example DE hotline"},
        {with_private, 2, 1, 0, "forward_partner", "hosted_abroad_partner", "DE", "Example DE hotline"},
        {us, 1, 1, 0, "notice_host,propose_blocking", "hosted_abroad_no_partner", "US", NULL},
        {cdn, 2, 1, 0, "ask_cdn_origin,analyst_decides", "behind_cdn", "", NULL},
        {split, 2, 1, 0, "analyst_decides", "several_countries", "", NULL},
        {NULL, 0, 0, 0, "analyst_decides", "unresolved", "", NULL},
        {unknown, 1, 1, 0, "analyst_decides", "not_located", "", NULL},
        {private, 1, 1, 0, "analyst_decides", "not_located", "", NULL},
        {fr, 1, 1, 1, "refer_child_protection,notice_host,refer_police",
         "child_in_danger,hosted_home", "FR", NULL},
        {NULL, 0, 0, 1, "refer_child_protection,analyst_decides", "child_in_danger,unresolved",
         "", NULL},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        vg_url_route_facts f = {.home_country = "FR", .partners = partners, .partner_count = 1,
                            .resolved = rows[i].resolved, .addresses = rows[i].addresses,
                            .address_count = rows[i].count, .child_in_danger = rows[i].danger};
        vg_url_route r;
        vg_rule_url_route(&f, &r);
        CHECK_MSG(!strcmp(r.actions, rows[i].actions), "row %zu: actions %s", i, r.actions);
        CHECK_MSG(!strcmp(r.reasons, rows[i].reasons), "row %zu: reasons %s", i, r.reasons);
        CHECK_MSG(!strcmp(r.country, rows[i].country), "row %zu: country %s", i, r.country);
        CHECK_MSG(rows[i].partner ? r.partner && !strcmp(r.partner->name, rows[i].partner)
                                  : !r.partner,
                  "row %zu: partner", i);
        /* Every code has its label. */
        char codes[2 * VG_URL_ROUTE_TEXT + 2];
        snprintf(codes, sizeof codes, "%s,%s", r.actions, r.reasons);
        for (char *save = NULL, *c = strtok_r(codes, ",", &save); c; c = strtok_r(NULL, ",", &save))
            CHECK_MSG(vg_term_find(vg_action_terms, c) || vg_term_find(vg_reason_terms, c), "%s", c);
    }
    CHECK(vg_rule_child_in_danger(VG_CATEGORY_LIVESTREAM, 0));
    CHECK(vg_rule_child_in_danger(VG_CATEGORY_SEXTORTION, 0));
    CHECK(vg_rule_child_in_danger("image_video", 1));
    CHECK(vg_rule_child_in_danger(NULL, 1));
    CHECK(!vg_rule_child_in_danger("image_video", 0));
    CHECK(!vg_rule_child_in_danger(NULL, 0));
}

/* Partners write only the banks they made through the API, never one that
 * decides reports; HMA's ratio and disable_until_ts as HMA means them. */
static void test_curation_rules(void)
{
    static const struct {
        int exists, made_by_api, trusted;
        vg_curate_verdict want;
    } banks[] = {
        {0, 0, 0, VG_CURATE_WRITABLE},      /* a new bank */
        {1, 1, 0, VG_CURATE_WRITABLE},      /* one made through the API */
        {1, 0, 0, VG_CURATE_OPERATOR_BANK}, /* an index file's bank */
        {0, 0, 1, VG_CURATE_TRUSTED_NAME},  /* not there yet, but trusted by name */
        {1, 1, 1, VG_CURATE_TRUSTED_NAME},  /* made through the API, trusted since */
        {1, 0, 1, VG_CURATE_TRUSTED_NAME},
    };
    for (size_t i = 0; i < sizeof banks / sizeof banks[0]; i++)
        CHECK_MSG(vg_rule_curate_bank(banks[i].exists, banks[i].made_by_api, banks[i].trusted) ==
                      banks[i].want,
                  "bank row %zu", i);
    CHECK(*vg_curate_verdict_text(VG_CURATE_OPERATOR_BANK));
    CHECK(*vg_curate_verdict_text(VG_CURATE_WRITABLE) == 0);
    static const struct {
        double ratio, coin;
        int want;
    } ratios[] = {{1.0, 0.0, 1}, {1.0, 0.999, 1}, {0.0, 0.0, 0}, {0.0, 0.5, 0},
                  {0.5, 0.49, 1}, {0.5, 0.5, 1},  {0.5, 0.51, 0}};
    for (size_t i = 0; i < sizeof ratios / sizeof ratios[0]; i++)
        CHECK_MSG(vg_rule_bank_matches(ratios[i].ratio, ratios[i].coin) == ratios[i].want,
                  "ratio row %zu", i);
    /* HMA's magic values: 0 disabled for good, 1 enabled */
    CHECK(vg_rule_disable_until_store(0) == INT64_MAX);
    CHECK(vg_rule_disable_until_store(1) == 0);
    CHECK(vg_rule_disable_until_store(1700000000) == 1700000000);
    CHECK(vg_rule_disable_until_hma(INT64_MAX) == 0);
    CHECK(vg_rule_disable_until_hma(0) == 1);
    CHECK(vg_rule_disable_until_hma(1700000000) == 1700000000);
    CHECK(vg_rule_content_enabled(0, 1700000000));
    CHECK(!vg_rule_content_enabled(INT64_MAX, 1700000000));
    CHECK(!vg_rule_content_enabled(1700000001, 1700000000));
    CHECK(vg_rule_content_enabled(1700000000, 1700000000)); /* HMA: ts <= now is enabled */
}

/* The notice rules, case by case: what each state does with what a check
 * saw (model/notice.h). Policy: re-notice 24 h, check 1 h, retry 10 min,
 * escalate after 2, stay-down checks daily for 30 days. */
static void test_notice_rules(void)
{
    vg_notice_policy p;
    vg_notice_policy_default(&p);
    p.escalate_after = 2;
    p.staydown_seconds = 30 * 86400;
    const int64_t T = 1700000000, H = 3600;
    static const struct {
        const char *state;
        int confirmed, sent_count;
        int64_t last_sent, removed_at;
        int escalated;
        vg_notice_seen seen;
        int64_t now;
        const char *next_state;
        int send, escalate, removed, reappeared;
        int64_t next_check;
    } cases[] = {
        /* pending: proof first */
        {"pending", 0, 0, 0, 0, 0, VG_SEEN_MATERIAL, T, "sent", 1, 0, 0, 0, T + H},
        {"pending", 0, 0, 0, 0, 0, VG_SEEN_GONE, T, "pending", 0, 0, 0, 0, T + H},
        {"pending", 0, 0, 0, 0, 0, VG_SEEN_NOTHING, T, "pending", 0, 0, 0, 0, T + 600},
        {"pending", 1, 0, 0, 0, 0, VG_SEEN_NOTHING, T, "sent", 1, 0, 0, 0, T + H},
        {"pending", 1, 0, 0, 0, 0, VG_SEEN_GONE, T, "pending", 0, 0, 0, 0, T + H},
        /* sent: re-notice at 24 h, not before; escalate after 2 */
        {"sent", 0, 1, T, 0, 0, VG_SEEN_MATERIAL, T + 23 * H, "sent", 0, 0, 0, 0, T + 24 * H},
        {"sent", 0, 1, T, 0, 0, VG_SEEN_MATERIAL, T + 24 * H, "sent", 1, 0, 0, 0, T + 25 * H},
        {"sent", 0, 2, T, 0, 0, VG_SEEN_MATERIAL, T + 24 * H, "escalated", 1, 1, 0, 0, T + 25 * H},
        {"escalated", 0, 3, T, 0, 1, VG_SEEN_MATERIAL, T + 24 * H, "escalated", 1, 0, 0, 0,
         T + 25 * H},
        {"sent", 0, 1, T, 0, 0, VG_SEEN_GONE, T + 2 * H, "removed", 0, 0, 1, 0, T + 26 * H},
        {"escalated", 0, 3, T, 0, 1, VG_SEEN_GONE, T + 2 * H, "removed", 0, 0, 1, 0, T + 26 * H},
        {"sent", 0, 1, T, 0, 0, VG_SEEN_NOTHING, T + 2 * H, "sent", 0, 0, 0, 0, T + 2 * H + 600},
        /* removed: stay-down */
        {"removed", 0, 1, T, T, 0, VG_SEEN_GONE, T + 24 * H, "removed", 0, 0, 0, 0, T + 48 * H},
        {"removed", 0, 1, T, T, 0, VG_SEEN_MATERIAL, T + 24 * H, "sent", 1, 0, 0, 1, T + 25 * H},
        {"removed", 0, 1, T, T, 0, VG_SEEN_GONE, T + 30 * 86400, "closed", 0, 0, 0, 0, 0},
        /* finished states stay */
        {"closed", 0, 1, T, T, 0, VG_SEEN_MATERIAL, T, "closed", 0, 0, 0, 0, 0},
        {"no_contact", 0, 0, 0, 0, 0, VG_SEEN_MATERIAL, T, "no_contact", 0, 0, 0, 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        vg_notice_facts f = {cases[i].state, cases[i].confirmed, cases[i].sent_count,
                             cases[i].last_sent, cases[i].removed_at, cases[i].escalated};
        vg_notice_step s;
        vg_rule_notice_step(&p, &f, cases[i].seen, cases[i].now, &s);
        CHECK_MSG(!strcmp(s.state, cases[i].next_state) && s.send_notice == cases[i].send &&
                      s.escalate == cases[i].escalate && s.removed == cases[i].removed &&
                      s.reappeared == cases[i].reappeared &&
                      s.next_check_at == cases[i].next_check,
                  "case %zu: %s send %d esc %d rem %d reap %d next %lld", i, s.state,
                  s.send_notice, s.escalate, s.removed, s.reappeared,
                  (long long)s.next_check_at);
    }
    /* what a fetch saw */
    CHECK_INT_EQ(vg_rule_notice_seen(404, 0, -1), VG_SEEN_GONE);
    CHECK_INT_EQ(vg_rule_notice_seen(410, 0, -1), VG_SEEN_GONE);
    CHECK_INT_EQ(vg_rule_notice_seen(404, 0, 1), VG_SEEN_GONE);
    /* no answer (a resolver failure, a connection error, a time-out):
     * nothing concluded, whatever the case's files */
    CHECK_INT_EQ(vg_rule_notice_seen(0, 0, -1), VG_SEEN_NOTHING);
    CHECK_INT_EQ(vg_rule_notice_seen(0, 0, 1), VG_SEEN_NOTHING);
    CHECK_INT_EQ(vg_rule_notice_seen(0, 0, 0), VG_SEEN_NOTHING);
    CHECK_INT_EQ(vg_rule_notice_seen(503, 0, 1), VG_SEEN_NOTHING);
    CHECK_INT_EQ(vg_rule_notice_seen(403, 0, 1), VG_SEEN_NOTHING);
    CHECK_INT_EQ(vg_rule_notice_seen(200, 1, 1), VG_SEEN_MATERIAL);
    CHECK_INT_EQ(vg_rule_notice_seen(200, 1, 0), VG_SEEN_GONE);
    CHECK_INT_EQ(vg_rule_notice_seen(200, 1, -1), VG_SEEN_NOTHING);
    /* handed over to the crawler's new report: removed, then seen again */
    CHECK_INT_EQ(vg_rule_notice_handed_over(VG_NOTICE_REMOVED, 100, 200), 1);
    CHECK_INT_EQ(vg_rule_notice_handed_over(VG_NOTICE_REMOVED, 100, 0), 0);
    CHECK_INT_EQ(vg_rule_notice_handed_over(VG_NOTICE_REMOVED, 300, 200), 0); /* removed again */
    CHECK_INT_EQ(vg_rule_notice_handed_over(VG_NOTICE_REMOVED, 100, 100), 0);
    CHECK_INT_EQ(vg_rule_notice_handed_over(VG_NOTICE_SENT, 100, 200), 0); /* reopened */
    CHECK_INT_EQ(vg_rule_notice_handed_over(NULL, 100, 200), 0);
    /* which targets the crawl job still crawls */
    static const struct {
        const char *state, *legal;
        int wanted;
    } targets[] = {
        {NULL, NULL, 1},                              /* no item yet */
        {VG_ITEM_OPEN, "", 1},                        /* nobody assessed it */
        {VG_ITEM_SECOND, VG_LEGAL_NOT_ILLEGAL, 1},    /* one analyst so far */
        {VG_ITEM_DISPUTED, VG_LEGAL_NOT_ILLEGAL, 1},  /* not final */
        {VG_ITEM_CONFIRMED, VG_LEGAL_CSAM, 1},
        {VG_ITEM_AUTO, VG_LEGAL_CSAM, 1},
        {VG_ITEM_CONFIRMED, VG_LEGAL_AGE_UNDETERMINED, 1},
        {VG_ITEM_CONFIRMED, VG_LEGAL_NOT_ILLEGAL, 0},
        {VG_ITEM_AUTO, VG_LEGAL_NOT_ILLEGAL, 0},
        {VG_ITEM_CONFIRMED, VG_LEGAL_OTHER, 0},
        {VG_ITEM_CONFIRMED, "", 1},
    };
    for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++)
        CHECK_MSG(vg_rule_crawl_target_wanted(targets[i].state, targets[i].legal) ==
                      targets[i].wanted,
                  "target row %zu", i);
}

/* The blocking list's safeguards, case by case: one fact wrong at a time
 * from a proposal that must pass. */
static void test_block_rules(void)
{
    const vg_block_facts good = {VG_ROLE_ANALYST, "approved", "NL", "FR", 0, "confirmed",
                                 "illegal_csam", 1, 0, 1, "url"};
    char why[200];
    CHECK(vg_rule_block_propose(&good, why, sizeof why));
    static const struct {
        const char *change;
        const char *why;
    } rows[] = {
        {"role", "analyst"},         {"route", "approved first"}, {"home", "hosted in this"},
        {"country", "not known"},    {"removed", "already gone"}, {"item", "not finished"},
        {"legal", "confirmed CSAM"}, {"digest", "digest"},        {"basis", "legal basis"},
        {"kind", "URL or a whole domain"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        vg_block_facts f = good;
        const char *c = rows[i].change;
        if (!strcmp(c, "role"))
            f.role = VG_ROLE_PARTNER;
        else if (!strcmp(c, "route"))
            f.route_state = "proposed";
        else if (!strcmp(c, "home"))
            f.route_country = "FR";
        else if (!strcmp(c, "country"))
            f.route_country = "";
        else if (!strcmp(c, "removed"))
            f.removed = 1;
        else if (!strcmp(c, "item"))
            f.item_state = "awaiting-second";
        else if (!strcmp(c, "legal"))
            f.item_legal = "age_undetermined";
        else if (!strcmp(c, "digest"))
            f.files_held = 0; /* the sender quoted digests: nothing held, nothing fetched */
        else if (!strcmp(c, "basis"))
            f.basis_listed = 0;
        else if (!strcmp(c, "kind"))
            f.kind = "ip";
        why[0] = 0;
        CHECK_MSG(!vg_rule_block_propose(&f, why, sizeof why), "%s", c);
        CHECK_MSG(strstr(why, rows[i].why) != NULL, "%s: %s", c, why);
    }
    /* evidence vigie fetched is enough without a held file; a domain too */
    vg_block_facts fetched = good;
    fetched.files_held = 0;
    fetched.fetched = 1;
    fetched.kind = "domain";
    fetched.route_state = "automatic";
    fetched.item_state = "auto";
    CHECK(vg_rule_block_propose(&fetched, why, sizeof why));

    static const struct {
        vg_role role;
        const char *actor, *state, *proposer;
        int ok;
    } approvals[] = {
        {VG_ROLE_SUPERVISOR, "sam", "proposed", "ann", 1},
        {VG_ROLE_ADMINISTRATOR, "ada", "proposed", "ann", 1},
        {VG_ROLE_SUPERVISOR, "ann", "proposed", "ann", 0}, /* the same person */
        {VG_ROLE_ANALYST, "bob", "proposed", "ann", 0},    /* not a supervisor */
        {VG_ROLE_SUPERVISOR, "sam", "refused", "ann", 0},
        {VG_ROLE_SUPERVISOR, "sam", "removed", "ann", 0},
        {VG_ROLE_SUPERVISOR, "sam", "listed", "ann", 1},   /* a renewal */
        {VG_ROLE_SUPERVISOR, "sam", "listed", "", 0},      /* no renewal waits */
    };
    for (size_t i = 0; i < sizeof approvals / sizeof approvals[0]; i++)
        CHECK_MSG(vg_rule_block_approve(approvals[i].role, approvals[i].actor, approvals[i].state,
                                        approvals[i].proposer, why, sizeof why) ==
                      approvals[i].ok,
                  "approval row %zu", i);
    CHECK(vg_rule_block_renew_propose(VG_ROLE_ANALYST, "listed", "", why, sizeof why));
    CHECK(!vg_rule_block_renew_propose(VG_ROLE_ANALYST, "listed", "ann", why, sizeof why));
    CHECK(!vg_rule_block_renew_propose(VG_ROLE_ANALYST, "proposed", "", why, sizeof why));
    CHECK(!vg_rule_block_renew_propose(VG_ROLE_NONE, "listed", "", why, sizeof why));

    int64_t expires = 0, review = 0;
    vg_rule_block_term(1000, 30, &expires, &review);
    CHECK_INT_EQ(expires, 1000 + 30 * 86400);
    CHECK_INT_EQ(review, 1000 + 15 * 86400);
    vg_rule_block_term(1000, 1, &expires, &review); /* one day: reviewed at once */
    CHECK_INT_EQ(expires, 1000 + 86400);
    CHECK_INT_EQ(review, 1000);
    CHECK(vg_rule_block_expired("listed", 5000, 5000));
    CHECK(!vg_rule_block_expired("listed", 5001, 5000));
    CHECK(!vg_rule_block_expired("proposed", 5000, 9000));
    CHECK(!vg_rule_block_expired("listed", 0, 9000));

    CHECK(vg_rule_appeal_decide(VG_ROLE_SUPERVISOR, "open", "the page is a news article", why,
                                sizeof why));
    CHECK(!vg_rule_appeal_decide(VG_ROLE_SUPERVISOR, "open", "  ", why, sizeof why));
    CHECK(!vg_rule_appeal_decide(VG_ROLE_ANALYST, "open", "x", why, sizeof why));
    CHECK(!vg_rule_appeal_decide(VG_ROLE_SUPERVISOR, "granted", "x", why, sizeof why));

    const char *bases = "Art. 6-1, LCEN ; Order 2026/17 of the Paris court;";
    CHECK(vg_block_basis_listed(bases, "Art. 6-1, LCEN"));
    CHECK(vg_block_basis_listed(bases, " Order 2026/17 of the Paris court "));
    CHECK(!vg_block_basis_listed(bases, "Art. 6-1"));
    CHECK(!vg_block_basis_listed(bases, ""));
    CHECK(!vg_block_basis_listed("", "Art. 6-1, LCEN"));
}

/* What members receive: sets of prefixes and their differences, and which
 * hosts may be written into a response policy zone. */
static void test_block_feed_rules(void)
{
    uint32_t set[] = {7, 3, 7, 0xffffffffu, 0, 3};
    CHECK_INT_EQ(vg_block_prefixes_normalize(set, 6), 4);
    const uint32_t sorted[] = {0, 3, 7, 0xffffffffu};
    CHECK(memcmp(set, sorted, sizeof sorted) == 0);
    CHECK_INT_EQ(vg_block_prefixes_normalize(set, 0), 0);

    static const struct {
        uint32_t old[4];
        size_t old_count;
        uint32_t now[4];
        size_t now_count;
        uint32_t added[4];
        size_t added_count;
        uint32_t removed[4];
        size_t removed_count;
    } diffs[] = {
        {{0}, 0, {1, 2}, 2, {1, 2}, 2, {0}, 0},
        {{1, 2}, 2, {0}, 0, {0}, 0, {1, 2}, 2},
        {{1, 2, 5}, 3, {1, 2, 5}, 3, {0}, 0, {0}, 0},
        {{1, 3, 5}, 3, {2, 3, 6}, 3, {2, 6}, 2, {1, 5}, 2},
        {{0, 0xffffffffu}, 2, {0x80000000u}, 1, {0x80000000u}, 1, {0, 0xffffffffu}, 2},
    };
    for (size_t i = 0; i < sizeof diffs / sizeof diffs[0]; i++) {
        uint32_t added[4], removed[4];
        size_t na = 9, nr = 9;
        vg_block_prefixes_diff(diffs[i].old, diffs[i].old_count, diffs[i].now,
                               diffs[i].now_count, added, &na, removed, &nr);
        CHECK_INT_EQ(na, diffs[i].added_count);
        CHECK_INT_EQ(nr, diffs[i].removed_count);
        CHECK_MSG(na == diffs[i].added_count &&
                      memcmp(added, diffs[i].added, na * sizeof *added) == 0,
                  "case %zu: additions", i);
        CHECK_MSG(nr == diffs[i].removed_count &&
                      memcmp(removed, diffs[i].removed, nr * sizeof *removed) == 0,
                  "case %zu: removals", i);
    }

    static const struct {
        const char *host;
        int ok;
    } names[] = {
        {"dedicated.example", 1},
        {"a-b_c.x1.example", 1},
        {"example", 0},                    /* a bare top level */
        {"", 0},
        {"a..example", 0},
        {".example", 0},
        {"example.", 0},
        {"Dedicated.example", 0},          /* targets are lowercase */
        {"192.0.2.1", 0},                  /* an address is no name */
        {"1.2.3", 1},                      /* not an address: three labels */
        {"evil.example\n$INCLUDE /etc/passwd", 0},
        {"evil.example;x", 0},
        {"evil.example CNAME", 0},
        {"*.evil.example", 0},
        {"host%23.com", 0},
        {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example", 1}, /* 63 */
        {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example", 0}, /* 64 */
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        CHECK_MSG(vg_block_rpz_name_ok(names[i].host) == names[i].ok, "%s", names[i].host);
    /* "a.a. ... .a": 253 bytes (127 labels), the most a name may hold */
    char longest[300];
    memset(longest, 0, sizeof longest);
    for (size_t i = 0; i < 253; i++)
        longest[i] = i % 2 ? '.' : 'a';
    CHECK(vg_block_rpz_name_ok(longest));
    longest[253] = '.';
    longest[254] = 'a'; /* 255 bytes */
    CHECK(!vg_block_rpz_name_ok(longest));
    CHECK(!vg_block_rpz_name_ok(NULL));

    /* an entry's full hash: SHA-256 of its one expression (Safe Browsing's
     * canonical form of "http://www.GOOgle.com/", and a domain's root) */
    unsigned char full[32], expected[32];
    vg_error err;
    CHECK(vg_block_full_hash(VG_BLOCK_KIND_URL, "http://www.GOOgle.com/", full, &err) == VG_OK);
    SHA256((const unsigned char *)"www.google.com/", 15, expected);
    CHECK(memcmp(full, expected, 32) == 0);
    CHECK(vg_block_full_hash(VG_BLOCK_KIND_DOMAIN, "dedicated.example", full, &err) == VG_OK);
    SHA256((const unsigned char *)"dedicated.example/", 18, expected);
    CHECK(memcmp(full, expected, 32) == 0);
    CHECK(vg_block_full_hash(VG_BLOCK_KIND_URL, "", full, &err) == VG_ERR_INVALID);
}

/* The provider page's figures from a known history: every figure worked
 * out by hand (nearest-rank quantiles: the value at rank ceil(q * n)), the
 * windows' edges on both sides (exactly 24 h is within 24 h, 25 h is not;
 * exactly 42 days is not over 42 days, a second more is, removed or still
 * up at now). */
static void test_takedown(void)
{
    const int64_t H = 3600, D = 24 * H, NOW = 1800000000, T = NOW - 100 * D;
    const vg_takedown_notice notices[] = {
        {"Alpha Hosting", 64500, "ALPHA-AS", T, T + 24 * H},          /* 24 h: within */
        {"Alpha Hosting", 64500, "ALPHA-AS", T, T + 25 * H},          /* 25 h: not */
        {"Alpha Hosting", 64500, "ALPHA-AS", T, T + 3 * D},           /* 72 h: within 3 days */
        {"Alpha Hosting", 64500, "ALPHA-AS", T, T + 42 * D},          /* 1008 h: not the tail */
        {"Alpha Hosting", 64500, "ALPHA-AS", T, T + 42 * D + H},      /* 1009 h: the tail */
        {"Alpha Hosting", 64500, "ALPHA-NEW", NOW - 42 * D, 0},       /* up 42 days: not yet */
        {"Alpha Hosting", 64500, "ALPHA-AS", NOW - 42 * D - 1, 0},    /* a second more: tail */
        {"Beta Net", 64501, "BETA", T, T + 2 * H},
        {"Beta Net", 64501, "BETA", T + 5, T + 5 + 10 * H},
        {"Beta Net", 64502, "BETA-2", T, T + 5 * D},                  /* 120 h */
        {"", 0, "", NOW - H, 0},                                      /* no lookup: kept */
        {"Gamma", 64503, "GAMMA", 0, 0},                              /* never sent: not counted */
        {"Delta", 64504, "DELTA", T + D, T},                          /* gone before: 0 h */
    };
    vg_takedown *t = NULL;
    vg_error err;
    CHECK(vg_takedown_new(NOW, &t, &err) == VG_OK);
    for (size_t i = 0; i < sizeof notices / sizeof notices[0]; i++)
        CHECK(vg_takedown_add(t, &notices[i], &err) == VG_OK);
    CHECK(vg_takedown_finish(t, VG_TAKEDOWN_SLOWEST, &err) == VG_OK);
    CHECK(vg_takedown_add(t, &notices[0], &err) == VG_ERR_INVALID);
    static const struct {
        vg_takedown_by by;
        const char *provider;
        int64_t asn;
        const char *as_name;
        int64_t sent, removed, up, h24, d3, d7, over42;
        double median, p90;
    } want[] = {
        /* the slowest first: nothing removed and still up; then by 90th percentile */
        {VG_TAKEDOWN_PROVIDER, "", 0, "", 1, 0, 1, 0, 0, 0, 0, -1, -1},
        {VG_TAKEDOWN_PROVIDER, "Alpha Hosting", 0, "", 7, 5, 2, 1, 3, 3, 2, 72, 1009},
        {VG_TAKEDOWN_PROVIDER, "Beta Net", 0, "", 3, 3, 0, 2, 2, 3, 0, 10, 120},
        {VG_TAKEDOWN_PROVIDER, "Delta", 0, "", 1, 1, 0, 1, 1, 1, 0, 0, 0},
        {VG_TAKEDOWN_ASN, "", 0, "", 1, 0, 1, 0, 0, 0, 0, -1, -1},
        {VG_TAKEDOWN_ASN, "", 64500, "ALPHA-NEW", 7, 5, 2, 1, 3, 3, 2, 72, 1009},
        {VG_TAKEDOWN_ASN, "", 64502, "BETA-2", 1, 1, 0, 0, 0, 1, 0, 120, 120},
        {VG_TAKEDOWN_ASN, "", 64501, "BETA", 2, 2, 0, 2, 2, 2, 0, 2, 10},
        {VG_TAKEDOWN_ASN, "", 64504, "DELTA", 1, 1, 0, 1, 1, 1, 0, 0, 0},
    };
    size_t at[VG_TAKEDOWN_BY_COUNT] = {0};
    CHECK_INT_EQ(vg_takedown_count(t, VG_TAKEDOWN_PROVIDER), 4);
    CHECK_INT_EQ(vg_takedown_count(t, VG_TAKEDOWN_ASN), 5);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const vg_takedown_row *r = vg_takedown_at(t, want[i].by, at[want[i].by]++);
        CHECK_MSG(r != NULL, "row %zu", i);
        if (!r)
            continue;
        CHECK_STR_EQ(r->provider, want[i].provider);
        CHECK_INT_EQ(r->asn, want[i].asn);
        CHECK_STR_EQ(r->as_name, want[i].as_name);
        const int64_t got[] = {r->sent,      r->removed,   r->still_up, r->within_24h,
                               r->within_3d, r->within_7d, r->over_42d};
        const int64_t expected[] = {want[i].sent, want[i].removed, want[i].up,    want[i].h24,
                                    want[i].d3,   want[i].d7,      want[i].over42};
        for (size_t k = 0; k < 7; k++)
            CHECK_MSG(got[k] == expected[k], "row %zu figure %zu: %lld, not %lld", i, k,
                      (long long)got[k], (long long)expected[k]);
        CHECK_MSG(r->median_h == want[i].median && r->p90_h == want[i].p90,
                  "row %zu: median %g p90 %g", i, r->median_h, r->p90_h);
    }
    CHECK(!vg_takedown_at(t, VG_TAKEDOWN_ASN, 5));
    vg_takedown_free(t);

    /* the other orders */
    static const struct {
        const char *name;
        const char *first, *last;
    } orders[] = {{"sent", "Alpha Hosting", "Delta"}, {"name", "", "Delta"}};
    for (size_t o = 0; o < 2; o++) {
        vg_takedown_order order;
        CHECK(vg_takedown_parse_order(orders[o].name, &order));
        CHECK(vg_takedown_new(NOW, &t, &err) == VG_OK);
        for (size_t i = 0; i < sizeof notices / sizeof notices[0]; i++)
            CHECK(vg_takedown_add(t, &notices[i], &err) == VG_OK);
        CHECK(vg_takedown_finish(t, order, &err) == VG_OK);
        CHECK_STR_EQ(vg_takedown_at(t, VG_TAKEDOWN_PROVIDER, 0)->provider, orders[o].first);
        CHECK_STR_EQ(vg_takedown_at(t, VG_TAKEDOWN_PROVIDER, 3)->provider, orders[o].last);
        vg_takedown_free(t);
    }
    vg_takedown_order order;
    CHECK(!vg_takedown_parse_order("fastest", &order) && !vg_takedown_parse_order(NULL, &order));
    /* an empty table */
    CHECK(vg_takedown_new(NOW, &t, &err) == VG_OK);
    CHECK(vg_takedown_finish(t, VG_TAKEDOWN_SLOWEST, &err) == VG_OK);
    CHECK_INT_EQ(vg_takedown_count(t, VG_TAKEDOWN_ASN), 0);
    vg_takedown_free(t);

    /* many providers, their names in one reused buffer (as a store hands
     * them): each is kept once, none mixed up with another */
    CHECK(vg_takedown_new(NOW, &t, &err) == VG_OK);
    char provider[32], as_name[32];
    for (int round = 0; round < 3; round++)
        for (int i = 0; i < 500; i++) {
            snprintf(provider, sizeof provider, "Host %03d", i);
            snprintf(as_name, sizeof as_name, "AS name %d", i % 7);
            vg_takedown_notice n = {provider, 64000 + i, as_name, NOW - 3600 * (i + 1),
                                    round ? NOW - 3600 * i : 0};
            CHECK(vg_takedown_add(t, &n, &err) == VG_OK);
        }
    CHECK(vg_takedown_finish(t, VG_TAKEDOWN_NAME, &err) == VG_OK);
    CHECK_INT_EQ(vg_takedown_count(t, VG_TAKEDOWN_PROVIDER), 500);
    CHECK_INT_EQ(vg_takedown_count(t, VG_TAKEDOWN_ASN), 500);
    const vg_takedown_row *row = vg_takedown_at(t, VG_TAKEDOWN_PROVIDER, 417);
    CHECK(row && !strcmp(row->provider, "Host 417") && row->sent == 3 && row->removed == 2);
    row = vg_takedown_at(t, VG_TAKEDOWN_ASN, 417);
    CHECK(row && row->asn == 64417 && !strcmp(row->as_name, "AS name 4"));
    CHECK(row && row->median_h == 1.0);
    vg_takedown_free(t);
}

/* Classification: the final assessment's sex (a dimension) and flags and
 * Interpol baseline (measures), counted once decided: a flag's code must
 * be whole ("grooming" is not "grooming_x"), the baseline met only with
 * every answer ticked. */
static void test_stats_classification(void)
{
    const int64_t T = 1767225600;
    const vg_report_fact facts[] = {
        {.id = 1, .case_id = 1, .created_at = T, .decided_at = T + 1, .legal = VG_LEGAL_CSAM,
         .sex = "female", .flags = "self_generated,livestreamed",
         .baseline = "real_child,prepubescent,sexual_focus"},
        {.id = 2, .case_id = 2, .created_at = T, .decided_at = T + 1, .legal = VG_LEGAL_CSAM,
         .sex = "female", .flags = "grooming_x,sextortion", .baseline = "real_child,sexual_focus"},
        {.id = 3, .case_id = 3, .created_at = T, .decided_at = T + 1, .legal = VG_LEGAL_OTHER,
         .sex = "male", .flags = "ai_suspected,commercial,grooming"},
        /* not decided yet: nothing of its classification counts */
        {.id = 4, .case_id = 4, .created_at = T, .sex = "male", .flags = "self_generated",
         .baseline = "real_child,prepubescent,sexual_focus"},
    };
    CHECK_INT_EQ(vg_term_count(vg_flag_terms), VG_M_FLAGS_END - VG_M_FLAGS);
    vg_stat_dim dims[1];
    size_t n = 0;
    CHECK(vg_stat_dims_parse("sex", dims, 1, &n, NULL) == VG_OK && n == 1);
    vg_stats_table *t = NULL;
    CHECK(vg_stats_new(dims, n, NULL, &t, NULL) == VG_OK);
    for (size_t i = 0; i < 4; i++)
        CHECK(vg_stats_add(t, &facts[i], NULL) == VG_OK);
    CHECK(vg_stats_finish(t, NULL) == VG_OK);
    CHECK_INT_EQ(vg_stats_group_count(t), 3);
    static const struct {
        const char *sex;
        int64_t reports, flags[6], baseline;
    } rows[] = {{"", 1, {0, 0, 0, 0, 0, 0}, 0},
                {"female", 2, {1, 0, 1, 0, 0, 1}, 1},
                {"male", 1, {0, 1, 0, 1, 1, 0}, 0}};
    for (size_t i = 0; i < 3 && i < vg_stats_group_count(t); i++) {
        const vg_stats_group *g = vg_stats_group_at(t, i);
        CHECK_STR_EQ(g->values[0], rows[i].sex);
        CHECK_INT_EQ(g->counts[VG_M_REPORTS], rows[i].reports);
        for (int k = 0; k < 6; k++)
            CHECK_MSG(g->counts[VG_M_FLAGS + k] == rows[i].flags[k], "%s %s = %lld",
                      rows[i].sex, vg_stat_measure_name(VG_M_FLAGS + k),
                      (long long)g->counts[VG_M_FLAGS + k]);
        CHECK_INT_EQ(g->counts[VG_M_BASELINE], rows[i].baseline);
    }
    CHECK_STR_EQ(vg_stat_measure_name(VG_M_FLAGS), "flag_self_generated");
    CHECK_STR_EQ(vg_stat_measure_name(VG_M_FLAGS_END - 1), "flag_sextortion");
    CHECK_STR_EQ(vg_stat_measure_name(VG_M_BASELINE), "interpol_baseline");
    CHECK_STR_EQ(vg_stat_measure_name(VG_M_BASELINE + 1), "first_look_24h");
    CHECK_STR_EQ(vg_stat_measure_name(VG_M_COUNT - 1), "removal_p90_h");
    vg_stats_free(t);
}

/* The country table: ISO 3166-1's 249 codes, in order (the lookup bisects),
 * each two capital letters; a name for every code, none for the rest. */
static void test_country_names(void)
{
    CHECK_INT_EQ(vg_country_count(), 249);
    for (size_t i = 0; i < vg_country_count(); i++) {
        const char *c = vg_country_code_at(i);
        CHECK(c && strlen(c) == 2 && c[0] >= 'A' && c[0] <= 'Z' && c[1] >= 'A' && c[1] <= 'Z');
        if (i > 0)
            CHECK_MSG(strcmp(vg_country_code_at(i - 1), c) < 0, "%s after %s", c,
                      vg_country_code_at(i - 1));
        CHECK_MSG(vg_country_name(c) && *vg_country_name(c), "%s has no name", c);
    }
    CHECK(vg_country_code_at(vg_country_count()) == NULL);
    CHECK_STR_EQ(vg_country_name("FR"), "France");
    CHECK_STR_EQ(vg_country_name("AD"), "Andorra");
    CHECK_STR_EQ(vg_country_name("ZW"), "Zimbabwe");
    CHECK_STR_EQ(vg_country_name("DE"), "Germany");
    CHECK(vg_country_name("XK") == NULL && vg_country_name("fr") == NULL);
    CHECK(vg_country_name("") == NULL && vg_country_name(NULL) == NULL &&
          vg_country_name("FRA") == NULL);
}

int main(void)
{
    RUN(test_vocab);
    RUN(test_scopes);
    RUN(test_ispws_rules);
    RUN(test_curation_rules);
    RUN(test_login_rules);
    RUN(test_case_rules);
    RUN(test_content_key);
    RUN(test_reporter_status);
    RUN(test_reporter_outcome);
    RUN(test_audit_chain);
    RUN(test_who_may_do_what);
    RUN(test_review_rules);
    RUN(test_url_duplicates);
    RUN(test_account_changes);
    RUN(test_audit_filter);
    RUN(test_viewing);
    RUN(test_four_eyes);
    RUN(test_classifications);
    RUN(test_copies);
    RUN(test_priority);
    RUN(test_priority_weights);
    RUN(test_danger_first);
    RUN(test_alert_rules);
    RUN(test_alert_messages);
    RUN(test_video_segments);
    RUN(test_stats);
    RUN(test_stats_action);
    RUN(test_stats_classification);
    RUN(test_country_names);
    RUN(test_takedown);
    RUN(test_routes);
    RUN(test_notice_rules);
    RUN(test_route_approval);
    RUN(test_partners);
    RUN(test_block_rules);
    RUN(test_block_feed_rules);
    return vg_test_exit();
}

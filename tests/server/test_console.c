/*
 * The analyst console, in process: priority rules and their weights, the
 * queue's order, claims (two analysts never work the same item unknowingly),
 * stale forms and double submissions, four-eyes with a supervisor for
 * disputes, the organisation's bank recognising the next copy without
 * viewing, blurred previews and the audited sharp view, the case view.
 * Reports arrive through the public form, as a member of the public sends
 * them.
 */
#include <pthread.h>

#include "hotline/cases.h"
#include "pattern.h"
#include "store/items.h"
#include "store/routes.h"
#include "store_peek.h"
#include "test_people.h"
#include "video_encode.h"
#include "vigie/filehash.h"
#include "vigie/image.h"
#include "vigie/index.h"
#include "vigie/video.h"

static void test_queue_claims_and_four_eyes(void)
{
    ts_server t;
    CHECK(ts_start(&t, NULL));
    person alice, bob, sue;
    CHECK(sign_in(&t, "alice", VG_ROLE_ANALYST, &alice));
    CHECK(sign_in(&t, "bob", VG_ROLE_ANALYST, &bob));
    CHECK(sign_in(&t, "sue", VG_ROLE_SUPERVISOR, &sue));

    int64_t picture = public_report(&t, "image_video", "https://gallery.example/x/1", 3);
    int64_t live = public_report(&t, "livestream", "https://stream.example/live", 0);
    int64_t sext = public_report(&t, "sextortion", "https://chat.example/u/9", 0);
    CHECK(picture && live && sext);

    /* The queue: danger, then sextortion, then new material; each row
     * shows its rules. Anonymous visitors get nothing. */
    ts_response r;
    CHECK(get(&t, NULL, "/console/queue", &r));
    CHECK_INT_EQ(r.status, 401);
    ts_response_free(&r);
    CHECK(get(&t, &alice, "/console/queue", &r));
    CHECK_INT_EQ(r.status, 200);
    char mark[3][64];
    snprintf(mark[0], 64, "data-report=\"%lld\"", (long long)live);
    snprintf(mark[1], 64, "data-report=\"%lld\"", (long long)sext);
    snprintf(mark[2], 64, "data-report=\"%lld\"", (long long)picture);
    const char *a = strstr(r.body, mark[0]), *b = strstr(r.body, mark[1]),
               *c = strstr(r.body, mark[2]);
    CHECK(a && b && c && a < b && b < c);
    CHECK(strstr(r.body, "priority.danger") && strstr(r.body, "priority.new_material"));
    CHECK(strstr(r.body, "Target waiting time: 24 h") != NULL);
    ts_response_free(&r);

    /* Claims: alice holds it, bob is refused and told so. */
    char f[512];
    snprintf(f, sizeof f, "report=%lld&version=0", (long long)picture);
    CHECK_INT_EQ(post(&t, &alice, "/console/claim", f, 1, &r), 403); /* no CSRF token */
    ts_response_free(&r);
    person forged = alice; /* a wrong token of the right length */
    forged.csrf[5] = forged.csrf[5] == '0' ? '1' : '0';
    CHECK_INT_EQ(post(&t, &forged, "/console/claim", f, 0, &r), 403);
    ts_response_free(&r);
    CHECK_INT_EQ(version_of(&t, picture), 0);
    CHECK_INT_EQ(post_simple(&t, &alice, "/console/claim", f), 303);
    CHECK_INT_EQ(post(&t, &bob, "/console/claim", f, 0, &r), 409);
    CHECK(strstr(r.body, "Another analyst holds this item") != NULL);
    ts_response_free(&r);
    CHECK(get(&t, &bob, "/console/queue", &r));
    CHECK(strstr(r.body, "held by alice") != NULL);
    ts_response_free(&r);
    /* A stale release (the version moved on) changes nothing. */
    CHECK_INT_EQ(post(&t, &alice, "/console/release", f, 0, &r), 409);
    CHECK(strstr(r.body, "changed since your page was loaded") != NULL);
    ts_response_free(&r);
    CHECK_INT_EQ(version_of(&t, picture), 1);

    /* The item page: the new picture has a blurred preview, the form. */
    char path[128];
    snprintf(path, sizeof path, "/console/item?id=%lld", (long long)picture);
    CHECK(get(&t, &alice, path, &r));
    CHECK_INT_EQ(r.status, 200);
    CHECK(strstr(r.body, "id=\"assess\"") && strstr(r.body, "/preview\" alt=\"Blurred"));
    ts_response_free(&r);

    /* Validation keeps what was entered. */
    snprintf(f, sizeof f, "report=%lld&version=1&legal=illegal_csam&severity=A&age=b1"
                          "&note=kept+text&country=France",
             (long long)picture);
    CHECK_INT_EQ(post(&t, &alice, "/console/assess", f, 0, &r), 422);
    CHECK(strstr(r.body, "two capital letters") && strstr(r.body, "kept text"));
    ts_response_free(&r);
    snprintf(f, sizeof f, "report=%lld&version=1&legal=illegal_csam&country=FR",
             (long long)picture);
    CHECK_INT_EQ(post_simple(&t, &alice, "/console/assess", f), 422); /* no severity */
    snprintf(f, sizeof f, "report=%lld&version=1&legal=nonsense&country=FR", (long long)picture);
    CHECK_INT_EQ(post_simple(&t, &alice, "/console/assess", f), 422);
    /* More repeated values than the form has boxes: refused, nothing read past them. */
    char many[2048];
    int n = snprintf(many, sizeof many, "report=%lld&version=1&legal=not_illegal&country=FR",
                     (long long)picture);
    for (int i = 0; i < 40; i++)
        n += snprintf(many + n, sizeof many - (size_t)n, "&flag=grooming&baseline=real_child");
    CHECK_INT_EQ(post(&t, &alice, "/console/assess", many, 0, &r), 422);
    CHECK(strstr(r.body, "Too many") != NULL);
    ts_response_free(&r);

    /* The first assessment; the same form again is a double submission. */
    snprintf(f, sizeof f, "report=%lld&version=1&" ASSESS_A, (long long)picture);
    CHECK_INT_EQ(post_simple(&t, &alice, "/console/assess", f), 303);
    char state[64];
    CHECK_STR_EQ(state_of(&t, picture, state, sizeof state), "awaiting-second");
    CHECK_INT_EQ(post(&t, &alice, "/console/assess", f, 0, &r), 409);
    CHECK(strstr(r.body, "already recorded") != NULL);
    ts_response_free(&r);
    CHECK_INT_EQ(version_of(&t, picture), 2);

    /* The first analyst can neither take her own assessment back to
     * confirm it nor record a second one: nothing to claim, nothing held. */
    snprintf(f, sizeof f, "report=%lld&version=2", (long long)picture);
    CHECK_INT_EQ(post(&t, &alice, "/console/claim", f, 0, &r), 409);
    CHECK(strstr(r.body, "confirmation must come from a second analyst") != NULL);
    ts_response_free(&r);
    CHECK_INT_EQ(version_of(&t, picture), 2);

    /* Bob disagrees (severity B): a supervisor decides; bob cannot even
     * claim the dispute. */
    CHECK_INT_EQ(post_simple(&t, &bob, "/console/claim", f), 303);
    CHECK(get(&t, &bob, path, &r));
    CHECK(strstr(r.body, "first look") == NULL); /* blind second review */
    ts_response_free(&r);
    CHECK(get(&t, &bob, "/console/queue", &r));
    CHECK(strstr(r.body, "Awaiting second analyst") && !strstr(r.body, "Illegal: CSAM"));
    ts_response_free(&r);
    snprintf(f, sizeof f, "report=%lld&version=3&" ASSESS_B, (long long)picture);
    CHECK_INT_EQ(post_simple(&t, &bob, "/console/assess", f), 303);
    CHECK_STR_EQ(state_of(&t, picture, state, sizeof state), "disputed");
    CHECK_INT_EQ(ti_sql_int(&t, "SELECT count(*) FROM console_bank"), 0);
    snprintf(f, sizeof f, "report=%lld&version=4", (long long)picture);
    CHECK_INT_EQ(post(&t, &bob, "/console/claim", f, 0, &r), 409);
    CHECK(strstr(r.body, "only a supervisor") != NULL);
    ts_response_free(&r);
    CHECK(get(&t, &sue, path, &r));
    CHECK(strstr(r.body, "first look") != NULL); /* the supervisor sees both */
    ts_response_free(&r);
    CHECK_INT_EQ(post_simple(&t, &sue, "/console/claim", f), 303);
    snprintf(f, sizeof f, "report=%lld&version=5&" ASSESS_A, (long long)picture);
    CHECK_INT_EQ(post_simple(&t, &sue, "/console/assess", f), 303);
    CHECK_STR_EQ(state_of(&t, picture, state, sizeof state), "confirmed");
    CHECK_INT_EQ(ti_sql_int(&t, "SELECT count(*) FROM console_bank WHERE severity = 'A'"), 1);
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT status FROM reports WHERE id = %lld", (long long)picture);
    CHECK_STR_EQ(ti_sql_text(&t, sql, state, sizeof state), "assessed");
    /* Confirmed: any later form on it is refused clearly. */
    CHECK_INT_EQ(post(&t, &bob, "/console/assess", f, 0, &r), 409);
    CHECK(strstr(r.body, "already confirmed") != NULL);
    ts_response_free(&r);

    /* A supervisor may take back a claim (its holder is away); the holder's
     * open form is then stale and says so, keeping what was typed. */
    snprintf(f, sizeof f, "report=%lld&version=0", (long long)sext);
    CHECK_INT_EQ(post_simple(&t, &alice, "/console/claim", f), 303);
    snprintf(f, sizeof f, "report=%lld&version=1", (long long)sext);
    CHECK_INT_EQ(post_simple(&t, &bob, "/console/release", f), 409);
    snprintf(path, sizeof path, "/console/item?id=%lld", (long long)sext);
    CHECK(get(&t, &sue, path, &r));
    CHECK(strstr(r.body, "Release the claim (supervisor)") != NULL);
    ts_response_free(&r);
    CHECK_INT_EQ(post_simple(&t, &sue, "/console/release", f), 303);
    snprintf(f, sizeof f, "report=%lld&version=1&legal=other_illegal&country=BE&note=typed+text",
             (long long)sext);
    CHECK_INT_EQ(post(&t, &alice, "/console/assess", f, 0, &r), 409);
    CHECK(strstr(r.body, "Your entries were NOT recorded") && strstr(r.body, "typed text"));
    ts_response_free(&r);

    /* Agreement confirms: the livestream report, alice then bob. */
    snprintf(f, sizeof f, "report=%lld&version=0", (long long)live);
    CHECK_INT_EQ(post_simple(&t, &alice, "/console/claim", f), 303);
    snprintf(f, sizeof f, "report=%lld&version=1&legal=not_illegal&country=DE", (long long)live);
    CHECK_INT_EQ(post_simple(&t, &alice, "/console/assess", f), 303);
    snprintf(f, sizeof f, "report=%lld&version=2", (long long)live);
    CHECK_INT_EQ(post_simple(&t, &bob, "/console/claim", f), 303);
    snprintf(f, sizeof f, "report=%lld&version=3&legal=not_illegal&country=DE", (long long)live);
    CHECK_INT_EQ(post_simple(&t, &bob, "/console/assess", f), 303);
    CHECK_STR_EQ(state_of(&t, live, state, sizeof state), "confirmed");
    snprintf(sql, sizeof sql, "SELECT status FROM reports WHERE id = %lld", (long long)live);
    CHECK_STR_EQ(ti_sql_text(&t, sql, state, sizeof state), "closed");

    /* The next copy of the confirmed picture is known: assessed without
     * anyone viewing it, and in the same case. */
    int64_t copy = public_report(&t, "image_video", NULL, 3);
    CHECK(copy);
    /* Assessed as it arrived, before anyone opens a page: the reporter's
     * status already says so. */
    CHECK_STR_EQ(state_of(&t, copy, state, sizeof state), "auto");
    snprintf(sql, sizeof sql, "SELECT status FROM reports WHERE id = %lld", (long long)copy);
    CHECK_STR_EQ(ti_sql_text(&t, sql, state, sizeof state), "assessed");
    CHECK(get(&t, &alice, "/console/queue", &r));
    snprintf(mark[0], 64, "data-report=\"%lld\"", (long long)copy);
    CHECK(strstr(r.body, mark[0]) == NULL);
    ts_response_free(&r);
    CHECK_STR_EQ(state_of(&t, copy, state, sizeof state), "auto");
    snprintf(sql, sizeof sql, "SELECT count(*) FROM audit WHERE action = 'item.assess.auto'"
                              " AND target = 'report:%lld'", (long long)copy);
    CHECK_INT_EQ(ti_sql_int(&t, sql), 1);
    CHECK(get(&t, &alice, "/console/queue?done=1", &r));
    CHECK(strstr(r.body, mark[0]) && strstr(r.body, "Assessed automatically"));
    ts_response_free(&r);
    snprintf(sql, sizeof sql,
             "SELECT count(DISTINCT case_id) FROM reports WHERE id IN (%lld, %lld)",
             (long long)picture, (long long)copy);
    CHECK_INT_EQ(ti_sql_int(&t, sql), 1);

    /* The case view: both reports, hashes, URL host, the timeline. */
    snprintf(sql, sizeof sql, "SELECT case_id FROM reports WHERE id = %lld", (long long)picture);
    snprintf(path, sizeof path, "/console/case?id=%lld", ti_sql_int(&t, sql));
    CHECK(get(&t, &bob, path, &r));
    CHECK_INT_EQ(r.status, 200);
    char sha[80];
    ti_sql_text(&t, "SELECT sha256 FROM report_files ORDER BY id LIMIT 1", sha, sizeof sha);
    CHECK(strlen(sha) == 64 && strstr(r.body, sha));
    CHECK(strstr(r.body, "gallery.example") && strstr(r.body, "item.assess") &&
          strstr(r.body, "item.claim") && strstr(r.body, "report.received"));
    ts_response_free(&r);
    ts_stop(&t);
}

static void test_previews(void)
{
    ts_server t;
    CHECK(ts_start(&t, "console.preview_size = 32\n"));
    person alice;
    CHECK(sign_in(&t, "alice", VG_ROLE_ANALYST, &alice));
    int64_t report = public_report(&t, "image_video", NULL, 5);
    CHECK(report);
    long long file = ti_sql_int(&t, "SELECT max(id) FROM report_files");
    char path[96], f[96];
    snprintf(path, sizeof path, "/console/files/%lld/preview", file);
    ts_response r;
    /* Seeing a file takes holding its item (object-level authorisation). */
    CHECK(get(&t, &alice, path, &r));
    CHECK_INT_EQ(r.status, 403);
    ts_response_free(&r);
    snprintf(f, sizeof f, "report=%lld&version=0", (long long)report);
    CHECK_INT_EQ(post_simple(&t, &alice, "/console/claim", f), 303);
    CHECK(get(&t, &alice, path, &r));
    CHECK_INT_EQ(r.status, 200);
    vg_image img = {0};
    CHECK(vg_image_decode((const uint8_t *)r.body, r.body_len, NULL, &img, NULL) == VG_OK);
    CHECK_INT_EQ(img.info.layout, VG_PIXEL_GRAY8);
    CHECK(img.info.width <= 32 && img.info.height <= 32);
    vg_image_free(&img);
    ts_response_free(&r);
    CHECK_INT_EQ(ti_sql_int(&t, "SELECT count(*) FROM audit WHERE action = 'preview.view'"), 1);

    /* The sharper view is a deliberate form post, audited. */
    CHECK_INT_EQ(post(&t, &alice, path, "mode=clear", 1, &r), 403);
    ts_response_free(&r);
    CHECK_INT_EQ(post(&t, &alice, path, "mode=clear", 0, &r), 200);
    CHECK(vg_image_decode((const uint8_t *)r.body, r.body_len, NULL, &img, NULL) == VG_OK);
    CHECK(img.info.width == 64);
    vg_image_free(&img);
    ts_response_free(&r);
    CHECK_INT_EQ(ti_sql_int(&t, "SELECT count(*) FROM audit WHERE action = 'preview.clear'"), 1);

    /* Hostile addresses. */
    const char *bad[] = {"/console/files/0/preview", "/console/files/x/preview",
                         "/console/files/99999/preview", "/console/files/1/other",
                         "/console/files/123456789012345678901/preview"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK(get(&t, &alice, bad[i], &r));
        CHECK_INT_EQ(r.status, 404);
        ts_response_free(&r);
    }
    CHECK(get(&t, &alice, "/console/item?id=abc", &r));
    CHECK_INT_EQ(r.status, 400);
    ts_response_free(&r);
    CHECK(get(&t, &alice, "/console/case?id=424242", &r));
    CHECK_INT_EQ(r.status, 404);
    ts_response_free(&r);
    ts_stop(&t);
}

typedef struct racer {
    ts_server *t;
    const person *who;
    const char *path;
    char fields[256];
    long status;
} racer;

static void *race(void *arg)
{
    racer *r = arg;
    r->status = post_simple(r->t, r->who, r->path, r->fields);
    return NULL;
}

/* Several analysts claim the same item at the same moment: exactly one
 * gets it. The holder's form sent twice at once is recorded once. */
static void test_two_analysts_at_once(void)
{
    ts_server t;
    CHECK(ts_start(&t, NULL));
    enum { N = 6 };
    person people[N];
    for (int i = 0; i < N; i++) {
        char name[16];
        snprintf(name, sizeof name, "analyst%d", i);
        CHECK(sign_in(&t, name, VG_ROLE_ANALYST, &people[i]));
    }
    int64_t id = public_report(&t, "grooming", "https://b.example/", 0);
    CHECK(id);
    racer racers[N];
    pthread_t threads[N];
    for (int i = 0; i < N; i++) {
        racers[i] = (racer){.t = &t, .who = &people[i], .path = "/console/claim"};
        snprintf(racers[i].fields, sizeof racers[i].fields, "report=%lld&version=0",
                 (long long)id);
        CHECK(pthread_create(&threads[i], NULL, race, &racers[i]) == 0);
    }
    int won = -1, wins = 0, refused = 0;
    for (int i = 0; i < N; i++) {
        pthread_join(threads[i], NULL);
        if (racers[i].status == 303) {
            wins++;
            won = i;
        }
        refused += racers[i].status == 409;
    }
    CHECK_INT_EQ(wins, 1);
    CHECK_INT_EQ(refused, N - 1);
    CHECK_INT_EQ(version_of(&t, id), 1);
    if (won >= 0) {
        for (int i = 0; i < 2; i++) {
            racers[i] = (racer){.t = &t, .who = &people[won], .path = "/console/assess"};
            snprintf(racers[i].fields, sizeof racers[i].fields,
                     "report=%lld&version=1&legal=other_illegal&country=NL", (long long)id);
            CHECK(pthread_create(&threads[i], NULL, race, &racers[i]) == 0);
        }
        pthread_join(threads[0], NULL);
        pthread_join(threads[1], NULL);
        CHECK((racers[0].status == 303 && racers[1].status == 409) ||
              (racers[0].status == 409 && racers[1].status == 303));
        char state[32];
        CHECK_STR_EQ(state_of(&t, id, state, sizeof state), "awaiting-second");
        CHECK_INT_EQ(version_of(&t, id), 2);
        CHECK_INT_EQ(ti_sql_int(&t, "SELECT count(*) FROM audit WHERE action = 'item.assess'"), 1);
    }
    ts_stop(&t);
}

/* An index bank trusted as confirmed: a report whose every file matches it
 * is assessed automatically with its classification; one with a new file
 * too is not, and shows the bank match on its item page. */
static void test_trusted_bank(void)
{
    char dir[] = "/tmp/vg-console-index-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char index_path[300];
    snprintf(index_path, sizeof index_path, "%s/banks.vgi", dir);
    size_t len = 0;
    uint8_t *img = ti_image(21, &len);
    vg_digests dg;
    CHECK(vg_digest_buffer(img, len, &dg, NULL) == VG_OK);
    free(img);
    vg_index_builder *builder = NULL;
    uint32_t bank = 0;
    CHECK(vg_index_builder_new(&builder, NULL) == VG_OK);
    CHECK(vg_index_builder_add_bank(builder, "hotline-net", NULL, 0, &bank, NULL) == VG_OK);
    vg_bank_entry e = {.type = VG_SIGNAL_SHA256, .id = "c-1", .id_len = 3, .metadata = ""};
    memcpy(e.value, dg.sha256, 32);
    CHECK(vg_index_builder_add(builder, bank, &e, NULL) == VG_OK);
    CHECK(vg_index_builder_write(builder, index_path, NULL) == VG_OK);
    vg_index_builder_free(builder);

    char extra[600];
    snprintf(extra, sizeof extra,
             "intake.index = %s\nconsole.trusted_banks = hotline-net=illegal_csam/B/b2\n",
             index_path);
    ts_server t;
    CHECK(ts_start(&t, extra));
    person alice;
    CHECK(sign_in(&t, "alice", VG_ROLE_ANALYST, &alice));
    int64_t known = public_report(&t, "image_video", NULL, 21);
    int64_t mixed = public_report(&t, "image_video", "https://c.example/", 22);
    CHECK(known && mixed);
    ts_response r;
    char state[64], sql[160];
    CHECK_STR_EQ(state_of(&t, known, state, sizeof state), "auto");
    snprintf(sql, sizeof sql,
             "SELECT legal || severity || age FROM console_items WHERE report_id = %lld",
             (long long)known);
    CHECK_STR_EQ(ti_sql_text(&t, sql, state, sizeof state), "illegal_csamBb2");
    CHECK_STR_EQ(state_of(&t, mixed, state, sizeof state), "");
    char path[64];
    snprintf(path, sizeof path, "/console/item?id=%lld", (long long)known);
    CHECK(get(&t, &alice, path, &r));
    CHECK(strstr(r.body, "bank hotline-net entry c-1") && strstr(r.body, "no viewing needed") &&
          !strstr(r.body, "<img"));
    ts_response_free(&r);
    ts_stop(&t);

    /* A bank trusted only after the material arrived: the next start
     * assesses what was waiting. */
    snprintf(extra, sizeof extra, "intake.index = %s\n", index_path);
    CHECK(ts_start(&t, extra));
    known = public_report(&t, "image_video", NULL, 21);
    CHECK(known);
    CHECK_STR_EQ(state_of(&t, known, state, sizeof state), "");
    snprintf(extra, sizeof extra,
             "intake.index = %s\nconsole.trusted_banks = hotline-net=illegal_csam/B/b2\n",
             index_path);
    CHECK(reopen(&t, extra));
    CHECK_STR_EQ(state_of(&t, known, state, sizeof state), "auto");
    ts_stop(&t);
    ts_remove_dir(dir);

    CHECK(!ts_open(&t, "console.trusted_banks = x=illegal_csam/Z\n"));
    ts_stop(&t);
    CHECK(!ts_open(&t, "console.trusted_banks = nonsense\n"));
    ts_stop(&t);
}

/* The queue weighs a partner's reports by its key's trust, and follows a
 * change of trust for reports already waiting. */
static void test_source_trust(void)
{
    ts_server t;
    CHECK(ts_start(&t, NULL));
    person alice;
    CHECK(sign_in(&t, "alice", VG_ROLE_ANALYST, &alice));
    char key[80], auth[120];
    int64_t key_id = ts_api_key(&t, "police-unit", 100000, key);
    CHECK(key_id);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", key);
    const char *headers[] = {auth, "Content-Type: application/json", NULL};
    const char *body = "{\"urls\":[\"https://board.example/t/77\"]}";
    ts_response r;
    CHECK(ts_call(&t, "POST", "/api/v1/reports", headers, body, strlen(body), &r));
    CHECK_INT_EQ(r.status, 201);
    ts_response_free(&r);
    CHECK(get(&t, &alice, "/console/queue", &r));
    CHECK(strstr(r.body, "trusted partner source <bdi dir=\"ltr\">+50<") != NULL);
    ts_response_free(&r);
    int found = 0;
    CHECK(vg_hotline_api_key_set_trust(t.srv->hotline, key_id, NULL, 90, "test", time(NULL),
                                       &found, NULL) == VG_OK);
    CHECK(found);
    CHECK(get(&t, &alice, "/console/queue", &r));
    CHECK(strstr(r.body, "trusted partner source <bdi dir=\"ltr\">+90<") != NULL);
    ts_response_free(&r);
    CHECK(vg_hotline_api_key_set_trust(t.srv->hotline, key_id, NULL, 0, "test", time(NULL),
                                       &found, NULL) == VG_OK);
    CHECK(get(&t, &alice, "/console/queue", &r));
    /* still queued (trust 0 takes the points away, not the report): the
     * one row is this report's */
    long long id = ti_sql_int(&t, "SELECT id FROM reports");
    char row[64];
    snprintf(row, sizeof row, "<tr data-report=\"%lld\">", id);
    const char *first = strstr(r.body, "<tr data-report=");
    CHECK(first && !strncmp(first, row, strlen(row)) && !strstr(first + 1, "<tr data-report="));
    CHECK(strstr(r.body, "priority.trusted_source") == NULL);
    ts_response_free(&r);
    ts_stop(&t);
}

/* The row ids of the queue page, in its order, into ids[cap]; how many. */
static size_t queue_order(const char *body, long long *ids, size_t cap)
{
    size_t n = 0;
    for (const char *at = strstr(body, "<tr data-report=\""); at && n < cap;
         at = strstr(at + 1, "<tr data-report=\""))
        ids[n++] = strtoll(at + strlen("<tr data-report=\""), NULL, 10);
    return n;
}

/* A partner platform's report against public ones, in the queue the
 * analyst sees, as the priority rule says (docs/console.md#priority):
 * the partner's weighs priority.trusted_source x trust / 100, a public
 * report none, a sextortion report priority.sextortion. With the weights
 * below (trusted_source 1000, sextortion 800): at trust 50 the partner's
 * report (500) is between the public sextortion report (800) and a public
 * one (0); at trust 100 (1000) it passes the sextortion report; at 0 it
 * has nothing over the public one, which came first. */
static void test_partner_ranked_against_public(void)
{
    ts_server t;
    CHECK(ts_start(&t, "priority.trusted_source = 1000\npriority.danger = 100000\n"));
    person alice;
    CHECK(sign_in(&t, "alice", VG_ROLE_ANALYST, &alice));
    int64_t plain = public_report(&t, "image_video", "https://pics.example/a/1", 0);
    int64_t sextortion = public_report(&t, "sextortion", "https://chat.example/u/2", 0);
    CHECK(plain > 0 && sextortion > 0);
    char key[80], auth[120];
    int64_t key_id = ts_api_key(&t, "Example Platform", 100000, key);
    CHECK(key_id);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", key);
    const char *headers[] = {auth, "Content-Type: application/json", NULL};
    const char *body = "{\"category\":\"image_video\",\"urls\":[\"https://pics.example/p/3\"]}";
    ts_response r;
    CHECK(ts_call(&t, "POST", "/api/v1/reports", headers, body, strlen(body), &r));
    CHECK_INT_EQ(r.status, 201);
    ts_response_free(&r);
    long long partner = ti_sql_int(&t, "SELECT max(id) FROM reports");
    const int trusts[] = {50, 100, 0};
    const long long expected[3][3] = {{sextortion, partner, plain},
                                      {partner, sextortion, plain},
                                      {sextortion, plain, partner}};
    for (size_t i = 0; i < 3; i++) {
        int found = 0;
        CHECK(vg_hotline_api_key_set_trust(t.srv->hotline, key_id, NULL, trusts[i], "test",
                                           time(NULL), &found, NULL) == VG_OK &&
              found);
        CHECK(get(&t, &alice, "/console/queue", &r));
        long long ids[8];
        size_t n = queue_order(r.body, ids, 8);
        CHECK_INT_EQ(n, 3);
        CHECK_MSG(n == 3 && ids[0] == expected[i][0] && ids[1] == expected[i][1] &&
                      ids[2] == expected[i][2],
                  "trust %d: %lld %lld %lld", trusts[i], n > 0 ? ids[0] : 0,
                  n > 1 ? ids[1] : 0, n > 2 ? ids[2] : 0);
        ts_response_free(&r);
    }
    ts_stop(&t);
}

/* Claims lapse after console.claim_timeout_minutes: until then another
 * analyst is refused; after it the item shows the lapse and can be taken
 * over, audited with the former holder, whose open form is then refused. */
static void test_lapsed_claims(void)
{
    ts_server t;
    CHECK(ts_start(&t, "console.claim_timeout_minutes = 30\n"));
    person alice, bob;
    CHECK(sign_in(&t, "alice", VG_ROLE_ANALYST, &alice));
    CHECK(sign_in(&t, "bob", VG_ROLE_ANALYST, &bob));
    int64_t id = public_report(&t, "grooming", "https://chat.example/room/4", 0);
    CHECK(id);
    char f[512], sql[200], text[200];
    snprintf(f, sizeof f, "report=%lld&version=0", (long long)id);
    CHECK_INT_EQ(post_simple(&t, &alice, "/console/claim", f), 303);
    snprintf(f, sizeof f, "report=%lld&version=1", (long long)id);
    CHECK_INT_EQ(post_simple(&t, &bob, "/console/claim", f), 409);
    ts_response r;
    CHECK(get(&t, &bob, "/console/queue", &r));
    CHECK(strstr(r.body, "held by alice") && !strstr(r.body, "claim lapsed"));
    ts_response_free(&r);

    /* 31 minutes later. */
    snprintf(sql, sizeof sql,
             "UPDATE console_items SET claimed_at = claimed_at - 31 * 60 WHERE report_id = %lld",
             (long long)id);
    CHECK(ti_sql_exec(&t, sql));
    CHECK(get(&t, &bob, "/console/queue", &r));
    CHECK(strstr(r.body, "claim lapsed after 0 h 3") != NULL); /* 31 or 32 min */
    ts_response_free(&r);
    char path[64];
    snprintf(path, sizeof path, "/console/item?id=%lld", (long long)id);
    CHECK(get(&t, &bob, path, &r));
    CHECK(strstr(r.body, "Take over the lapsed claim") != NULL);
    ts_response_free(&r);
    CHECK_INT_EQ(post_simple(&t, &bob, "/console/claim", f), 303);
    snprintf(sql, sizeof sql, "SELECT claimed_by FROM console_items WHERE report_id = %lld",
             (long long)id);
    CHECK_STR_EQ(ti_sql_text(&t, sql, text, sizeof text), "bob");
    CHECK_INT_EQ(ti_sql_int(&t, "SELECT count(*) FROM audit WHERE action = 'item.claim'"
                                " AND detail LIKE '%lapsed_claim_of%alice%'"), 1);
    snprintf(f, sizeof f, "report=%lld&version=1&legal=other_illegal&country=BE&note=late",
             (long long)id);
    CHECK_INT_EQ(post(&t, &alice, "/console/assess", f, 0, &r), 409);
    CHECK(strstr(r.body, "NOT recorded") && strstr(r.body, "late"));
    ts_response_free(&r);
    ts_stop(&t);

    /* 0 turns lapsing off. */
    CHECK(ts_start(&t, "console.claim_timeout_minutes = 0\n"));
    CHECK(sign_in(&t, "alice", VG_ROLE_ANALYST, &alice));
    CHECK(sign_in(&t, "bob", VG_ROLE_ANALYST, &bob));
    id = public_report(&t, "grooming", "https://chat.example/room/5", 0);
    snprintf(f, sizeof f, "report=%lld&version=0", (long long)id);
    CHECK_INT_EQ(post_simple(&t, &alice, "/console/claim", f), 303);
    snprintf(sql, sizeof sql,
             "UPDATE console_items SET claimed_at = claimed_at - 30 * 86400"
             " WHERE report_id = %lld",
             (long long)id);
    CHECK(ti_sql_exec(&t, sql));
    snprintf(f, sizeof f, "report=%lld&version=1", (long long)id);
    CHECK_INT_EQ(post_simple(&t, &bob, "/console/claim", f), 409);
    ts_stop(&t);
}

/* Four-eyes compares every classifying answer, each on its own: a second
 * assessment that differs from the first (ASSESS_A) in one answer only is
 * a dispute; one that differs only in the note (and in the order its boxes
 * were ticked) agrees. A confirmation assesses at once the open reports
 * that hold the same file. */
static void test_four_eyes_fields_and_late_copies(void)
{
    ts_server t;
    CHECK(ts_start(&t, NULL));
    person alice, bob;
    CHECK(sign_in(&t, "alice", VG_ROLE_ANALYST, &alice));
    CHECK(sign_in(&t, "bob", VG_ROLE_ANALYST, &bob));
#define SAME_BUT(legal, severity, age, sex, flags, baseline, country)                          \
    "legal=" legal "&severity=" severity "&age=" age "&sex=" sex flags baseline              \
    "&country=" country
#define FLAG_A "&flag=self_generated"
#define BASELINE_A "&baseline=real_child&baseline=prepubescent"
    static const struct {
        const char *what, *second, *state;
    } cases[] = {
        {"severity", SAME_BUT("illegal_csam", "B", "b1", "female", FLAG_A, BASELINE_A, "FR"),
         "disputed"},
        {"age band", SAME_BUT("illegal_csam", "A", "b2", "female", FLAG_A, BASELINE_A, "FR"),
         "disputed"},
        {"sex", SAME_BUT("illegal_csam", "A", "b1", "male", FLAG_A, BASELINE_A, "FR"),
         "disputed"},
        {"one flag more",
         SAME_BUT("illegal_csam", "A", "b1", "female", FLAG_A "&flag=grooming", BASELINE_A, "FR"),
         "disputed"},
        {"one flag less", SAME_BUT("illegal_csam", "A", "b1", "female", "", BASELINE_A, "FR"),
         "disputed"},
        {"baseline",
         SAME_BUT("illegal_csam", "A", "b1", "female", FLAG_A, "&baseline=real_child", "FR"),
         "disputed"},
        {"legal outcome", SAME_BUT("other_illegal", "A", "b1", "female", FLAG_A, BASELINE_A, "FR"),
         "disputed"},
        {"country", SAME_BUT("illegal_csam", "A", "b1", "female", FLAG_A, BASELINE_A, "DE"),
         "disputed"},
        {"note only",
         SAME_BUT("illegal_csam", "A", "b1", "female", FLAG_A,
                  "&baseline=prepubescent&baseline=real_child", "FR") "&note=another+note",
         "confirmed"},
    };
#undef SAME_BUT
#undef FLAG_A
#undef BASELINE_A
    enum { N = sizeof cases / sizeof cases[0] };
    int64_t ids[N];
    for (int i = 0; i < N; i++) {
        ids[i] = public_report(&t, "image_video", NULL, 40 + i);
        CHECK(ids[i]);
    }
    /* A second copy of the last picture arrives before anyone assessed it. */
    int64_t copy = public_report(&t, "image_video", "https://other.example/p", 40 + N - 1);
    CHECK(copy);
    char state[64], f[768];
    CHECK_STR_EQ(state_of(&t, copy, state, sizeof state), "");
    for (int i = 0; i < N; i++) {
        long long id = (long long)ids[i];
        snprintf(f, sizeof f, "report=%lld&version=0", id);
        CHECK_INT_EQ(post_simple(&t, &alice, "/console/claim", f), 303);
        snprintf(f, sizeof f, "report=%lld&version=1&" ASSESS_A, id);
        CHECK_INT_EQ(post_simple(&t, &alice, "/console/assess", f), 303);
        snprintf(f, sizeof f, "report=%lld&version=2", id);
        CHECK_INT_EQ(post_simple(&t, &bob, "/console/claim", f), 303);
        snprintf(f, sizeof f, "report=%lld&version=3&%s", id, cases[i].second);
        CHECK_INT_EQ(post_simple(&t, &bob, "/console/assess", f), 303);
        CHECK_MSG(!strcmp(state_of(&t, ids[i], state, sizeof state), cases[i].state),
                  "differing in the %s: %s, want %s", cases[i].what, state, cases[i].state);
    }
    CHECK_STR_EQ(state_of(&t, copy, state, sizeof state), "auto");
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT status FROM reports WHERE id = %lld", (long long)copy);
    CHECK_STR_EQ(ti_sql_text(&t, sql, state, sizeof state), "assessed");
    ts_stop(&t);
}

/* The case view's near-identical links: two reports in different cases
 * whose pictures' PDQ hashes are 3 bits apart link to each other; a
 * malformed hash links to nothing. */
static void test_pdq_links(void)
{
    ts_server t;
    CHECK(ts_start(&t, NULL));
    const char *pdq_a = "5cedd2ef6eef9eed5fe456a0b7e4d6e0bfc4b6e0d7c474b05704d4e000044400";
    const char *pdq_b = "5cedd2ef6eef9eed5fe456a0b7e4d6e0bfc4b6e0d7c474b05704d4e000044407";
    const char *sha[3] = {"aa", "bb", "cc"};
    const char *pdq[3] = {pdq_a, pdq_b, "zz"};
    int64_t cases[3] = {0};
    for (int i = 0; i < 3; i++) {
        char id[40], receipt[16], sha256[65];
        snprintf(id, sizeof id, "pdq-test-%d", i);
        snprintf(receipt, sizeof receipt, "PDQTEST%d", i);
        memset(sha256, sha[i][0], 64);
        sha256[64] = 0;
        vg_report_file f = {.sha256 = sha256, .pdq = pdq[i], .size = 1};
        vg_report rep = {.public_id = id, .receipt_code = receipt, .source = "web",
                         .files = &f, .file_count = 1};
        CHECK(ts_report_put_raw(t.srv->hotline->store, &rep, &cases[i]) == VG_OK);
    }
    CHECK(cases[0] != cases[1] && cases[1] != cases[2]);
    /* console.pdq_link_threshold is read at start; the test moves it
     * between views, nothing else runs meanwhile */
    vg_hotline *h = t.srv->hotline;
    vg_case_view v;
    int found = 0;
    CHECK(vg_hotline_case(h, cases[0], &v, &found, NULL) == VG_OK && found);
    CHECK_INT_EQ(v.linked_count, 1);
    CHECK_INT_EQ(v.linked[0], cases[1]);
    vg_case_view_clear(&v);
    h->link_threshold = 2;
    CHECK(vg_hotline_case(h, cases[0], &v, &found, NULL) == VG_OK && found);
    CHECK_INT_EQ(v.linked_count, 0);
    vg_case_view_clear(&v);
    h->link_threshold = 256;
    CHECK(vg_hotline_case(h, cases[2], &v, &found, NULL) == VG_OK && found);
    CHECK_INT_EQ(v.linked_count, 0);
    vg_case_view_clear(&v);
    ts_stop(&t);
}

/* Four-eyes stays blind for analysts after the second assessment too:
 * once the two differ, neither analyst (nor a third) sees the other's
 * answers on the item page or in the queue; the supervisor sees both. */
static void test_blind_after_dispute(void)
{
    ts_server t;
    CHECK(ts_start(&t, NULL));
    person alice, bob, carol, sue;
    CHECK(sign_in(&t, "alice", VG_ROLE_ANALYST, &alice));
    CHECK(sign_in(&t, "bob", VG_ROLE_ANALYST, &bob));
    CHECK(sign_in(&t, "carol", VG_ROLE_ANALYST, &carol));
    CHECK(sign_in(&t, "sue", VG_ROLE_SUPERVISOR, &sue));
    int64_t id = public_report(&t, "image_video", NULL, 7);
    CHECK(id);
    char f[512];
    snprintf(f, sizeof f, "report=%lld&version=0", (long long)id);
    CHECK_INT_EQ(post_simple(&t, &alice, "/console/claim", f), 303);
    snprintf(f, sizeof f,
             "report=%lld&version=1&legal=illegal_csam&severity=A&age=b1&country=FR"
             "&note=alice+wrote+this",
             (long long)id);
    CHECK_INT_EQ(post_simple(&t, &alice, "/console/assess", f), 303);
    snprintf(f, sizeof f, "report=%lld&version=2", (long long)id);
    CHECK_INT_EQ(post_simple(&t, &bob, "/console/claim", f), 303);
    snprintf(f, sizeof f,
             "report=%lld&version=3&legal=age_undetermined&sex=male&country=FR"
             "&note=bob+wrote+this",
             (long long)id);
    CHECK_INT_EQ(post_simple(&t, &bob, "/console/assess", f), 303);
    char state[32];
    CHECK_STR_EQ(state_of(&t, id, state, sizeof state), "disputed");

    char path[64];
    snprintf(path, sizeof path, "/console/item?id=%lld", (long long)id);
    /* Each one's answers: the note and the label of the legal outcome. */
    const char *alices[] = {"alice wrote this", "Illegal: CSAM"};
    const char *bobs[] = {"bob wrote this", "Cannot determine age"};
    /* An analyst may see their own answers (not checked), never another's. */
    static const struct {
        const char *who;
        int is_alice, is_bob;
    } analysts[] = {{"alice", 1, 0}, {"bob", 0, 1}, {"carol", 0, 0}};
    const person *people[] = {&alice, &bob, &carol};
    for (int i = 0; i < 3; i++) {
        for (int page = 0; page < 2; page++) {
            ts_response r;
            CHECK(get(&t, people[i], page ? "/console/queue" : path, &r));
            CHECK_INT_EQ(r.status, 200);
            for (int k = 0; k < 2; k++) {
                const char *hidden[2] = {analysts[i].is_alice ? NULL : alices[k],
                                         analysts[i].is_bob ? NULL : bobs[k]};
                for (int h = 0; h < 2; h++)
                    CHECK_MSG(!hidden[h] || !strstr(r.body, hidden[h]),
                              "%s sees \"%s\" on %s", analysts[i].who, hidden[h],
                              page ? "the queue" : "the item page");
            }
            ts_response_free(&r);
        }
    }
    /* The supervisor deciding the dispute sees both (the same page, so the
     * checks above do look where the answers would be). */
    ts_response r;
    CHECK(get(&t, &sue, path, &r));
    CHECK(strstr(r.body, "alice wrote this") && strstr(r.body, "bob wrote this") &&
          strstr(r.body, "Cannot determine age") && strstr(r.body, "Illegal: CSAM"));
    ts_response_free(&r);
    ts_stop(&t);
}

/* The case view links cases whose pictures are within
 * console.pdq_link_threshold bits (31 by default), the threshold itself
 * included: through the page, 31 bits apart link, 32 do not. Distances
 * are known by counting: A is all zeros, B sets 31 bits, C 32 others. */
static void test_case_view_pdq_threshold(void)
{
    ts_server t;
    CHECK(ts_start(&t, NULL));
    person alice;
    CHECK(sign_in(&t, "alice", VG_ROLE_ANALYST, &alice));
    const char *pdq[3] = {"0000000000000000000000000000000000000000000000000000000000000000",
                          "fffffff700000000000000000000000000000000000000000000000000000000",
                          "00000000000000000000000000000000000000000000000000000000ffffffff"};
    int64_t cases[3] = {0};
    for (int i = 0; i < 3; i++) {
        char id[40], receipt[16], sha256[65];
        snprintf(id, sizeof id, "pdq-edge-%d", i);
        snprintf(receipt, sizeof receipt, "PDQEDGE%d", i);
        memset(sha256, "abc"[i], 64);
        sha256[64] = 0;
        vg_report_file file = {.sha256 = sha256, .pdq = pdq[i], .size = 1};
        vg_report rep = {.public_id = id, .receipt_code = receipt, .source = "web",
                         .files = &file, .file_count = 1};
        CHECK(ts_report_put_raw(t.srv->hotline->store, &rep, &cases[i]) == VG_OK);
    }
    CHECK(cases[0] != cases[1] && cases[0] != cases[2] && cases[1] != cases[2]);
    char path[64], at_31[80], at_32[80];
    snprintf(path, sizeof path, "/console/case?id=%lld", (long long)cases[0]);
    snprintf(at_31, sizeof at_31, "<a href=\"/console/case?id=%lld\">", (long long)cases[1]);
    snprintf(at_32, sizeof at_32, "<a href=\"/console/case?id=%lld\">", (long long)cases[2]);
    ts_response r;
    CHECK(get(&t, &alice, path, &r));
    CHECK_INT_EQ(r.status, 200);
    CHECK_MSG(strstr(r.body, at_31) != NULL, "31 bits apart: not linked");
    CHECK_MSG(strstr(r.body, at_32) == NULL, "32 bits apart: linked");
    ts_response_free(&r);
    ts_stop(&t);
}

/* Largest and mean difference between neighbouring pixels (across and
 * down) of an image's first channel. */
static void neighbour_steps(const vg_image *img, int *max, double *mean)
{
    size_t ch = img->info.layout == VG_PIXEL_RGB8 ? 3 : 1;
    long long sum = 0, n = 0;
    *max = 0;
    for (uint32_t y = 0; y < img->info.height; y++)
        for (uint32_t x = 0; x < img->info.width; x++) {
            int v = img->pixels[y * img->stride + x * ch];
            int right = x + 1 < img->info.width ? img->pixels[y * img->stride + (x + 1) * ch] : v;
            int below = y + 1 < img->info.height ? img->pixels[(y + 1) * img->stride + x * ch] : v;
            int d[2] = {abs(right - v), abs(below - v)};
            for (int k = 0; k < 2; k++) {
                *max = d[k] > *max ? d[k] : *max;
                sum += d[k];
            }
            n += 2;
        }
    *mean = n ? (double)sum / (double)n : 0;
}

/* A video is never played: the analyst holding its item sees a sheet of
 * blurred greyscale stills spread over it, audited like a preview. */
static void test_video_stills(void)
{
    ts_server t;
    CHECK(ts_start(&t, "console.preview_size = 40\n"));
    person alice, bob;
    CHECK(sign_in(&t, "alice", VG_ROLE_ANALYST, &alice));
    CHECK(sign_in(&t, "bob", VG_ROLE_ANALYST, &bob));
    vg_video_encode_options o = {.container = "matroska", .codec = "ffv1", .pix_fmt = "bgr0",
                                 .width = 96, .height = 72, .frames = 30, .rate_num = 25,
                                 .rate_den = 1, .seed = 4};
    uint8_t *video = NULL;
    size_t len = 0;
    CHECK(vg_encode_video(&o, &video, &len, NULL) == VG_OK);
    int64_t report = public_report_with(&t, "image_video", NULL, video, len);
    free(video);
    CHECK(report);
    char type[64];
    CHECK_STR_EQ(ti_sql_text(&t, "SELECT content_type FROM report_files", type, sizeof type),
                 "video/x-matroska");
    long long file = ti_sql_int(&t, "SELECT max(id) FROM report_files");
    char path[96], f[96], item[64];
    snprintf(path, sizeof path, "/console/files/%lld/preview", file);
    snprintf(item, sizeof item, "/console/item?id=%lld", (long long)report);
    ts_response r;
    CHECK(get(&t, &alice, item, &r));
    CHECK(strstr(r.body, "Claim the item to see blurred stills of the video") != NULL);
    ts_response_free(&r);
    snprintf(f, sizeof f, "report=%lld&version=0", (long long)report);
    CHECK_INT_EQ(post_simple(&t, &alice, "/console/claim", f), 303);
    CHECK(get(&t, &alice, item, &r));
    CHECK(strstr(r.body, "alt=\"Blurred greyscale stills spread over the video") != NULL);
    ts_response_free(&r);
    /* another analyst still sees nothing of it */
    CHECK(get(&t, &bob, path, &r));
    CHECK_INT_EQ(r.status, 403);
    ts_response_free(&r);
    CHECK(get(&t, &alice, path, &r));
    CHECK_INT_EQ(r.status, 200);
    vg_image img = {0};
    CHECK(vg_image_decode((const uint8_t *)r.body, r.body_len, NULL, &img, NULL) == VG_OK);
    ts_response_free(&r);
    /* six stills, three to a row, in 40-pixel cells with 4-pixel gaps */
    CHECK_INT_EQ(img.info.layout, VG_PIXEL_GRAY8);
    CHECK_INT_EQ(img.info.width, 3 * 40 + 4 * 4);
    CHECK_INT_EQ(img.info.height, 2 * 40 + 3 * 4);
    vg_image_free(&img);
    CHECK_INT_EQ(ti_sql_int(&t, "SELECT count(*) FROM audit WHERE action = 'preview.view' AND "
                                "detail LIKE '%\"stills\":true%'"),
                 1);
    /* the sharper sheet is a deliberate post, in colour, audited */
    CHECK_INT_EQ(post(&t, &alice, path, "mode=clear", 0, &r), 200);
    CHECK(vg_image_decode((const uint8_t *)r.body, r.body_len, NULL, &img, NULL) == VG_OK);
    CHECK_INT_EQ(img.info.layout, VG_PIXEL_RGB8);
    vg_image_free(&img);
    ts_response_free(&r);
    CHECK_INT_EQ(ti_sql_int(&t, "SELECT count(*) FROM audit WHERE action = 'preview.clear'"), 1);
    ts_stop(&t);
}

/* A synthetic video in memory (the procedural scene `seed`, 100 frames
 * at 25 per second: four seconds). */
static uint8_t *scene_video(unsigned seed, const char *container, const char *codec,
                            uint32_t width, uint32_t height, size_t *len)
{
    vg_video_encode_options o = {.container = container, .codec = codec, .width = width,
                                 .height = height, .frames = 100, .quality = 4, .seed = seed};
    uint8_t *video = NULL;
    return vg_encode_video(&o, &video, len, NULL) == VG_OK ? video : NULL;
}

/* A video re-encoded smaller, in another codec, is recognised by its
 * fingerprint and decided by a trusted bank as a picture would be; the
 * item says how much of it matched and where. Another video and a broken
 * one go to a person, the broken one saying why it has no fingerprint. */
static void test_known_video(void)
{
    char dir[] = "/tmp/vg-console-video-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char index_path[300];
    snprintf(index_path, sizeof index_path, "%s/videos.vgi", dir);
    size_t len = 0;
    uint8_t *original = scene_video(1, "matroska", "ffv1", 320, 240, &len);
    CHECK(original != NULL);
    vg_video_options vo;
    vg_video_options_init(&vo);
    vo.interval = 0; /* every frame, as the reference hash files */
    vg_video_hasher *hasher = NULL;
    vg_vpdq frames = VG_VPDQ_INIT;
    CHECK(vg_video_hasher_new(&vo, &hasher, NULL) == VG_OK);
    vg_video_source src = vg_video_source_memory(original, len);
    CHECK(vg_video_hash_frames(hasher, &src, "original", &frames, NULL, NULL) == VG_OK);
    CHECK_INT_EQ(frames.count, 100);
    vg_video_hasher_free(hasher);
    free(original);
    vg_index_builder *builder = NULL;
    uint32_t bank = 0;
    CHECK(vg_index_builder_new(&builder, NULL) == VG_OK);
    CHECK(vg_index_builder_add_bank(builder, "videos", NULL, 0, &bank, NULL) == VG_OK);
    vg_bank_entry e = {.type = VG_SIGNAL_VPDQ, .video = &frames, .id = "pan-1", .id_len = 5,
                       .metadata = ""};
    CHECK(vg_index_builder_add(builder, bank, &e, NULL) == VG_OK);
    CHECK(vg_index_builder_write(builder, index_path, NULL) == VG_OK);
    vg_index_builder_free(builder);
    vg_vpdq_free(&frames);

    char extra[600];
    snprintf(extra, sizeof extra,
             "intake.index = %s\nconsole.trusted_banks = videos=illegal_csam/B/b2\n", index_path);
    ts_server t;
    CHECK(ts_start(&t, extra));
    person alice;
    CHECK(sign_in(&t, "alice", VG_ROLE_ANALYST, &alice));

    uint8_t *copy = scene_video(1, "avi", "mpeg4", 160, 120, &len);
    int64_t known = copy ? public_report_with(&t, "image_video", NULL, copy, len) : 0;
    uint8_t *other = scene_video(2, "avi", "mpeg4", 160, 120, &len);
    int64_t unknown = other ? public_report_with(&t, "image_video", NULL, other, len) : 0;
    /* an AVI header and nothing after it: a video by its first bytes only */
    int64_t broken = copy ? public_report_with(&t, "image_video", NULL, copy, 400) : 0;
    free(copy);
    free(other);
    CHECK(known && unknown && broken);

    char state[64], sql[200];
    CHECK_STR_EQ(state_of(&t, known, state, sizeof state), "auto");
    snprintf(sql, sizeof sql,
             "SELECT legal || severity || age FROM console_items WHERE report_id = %lld",
             (long long)known);
    CHECK_STR_EQ(ti_sql_text(&t, sql, state, sizeof state), "illegal_csamBb2");
    CHECK_STR_EQ(state_of(&t, unknown, state, sizeof state), "");
    CHECK_STR_EQ(state_of(&t, broken, state, sizeof state), "");
    /* the whole copy matched: samples at 0, 1, 2 and 3 seconds */
    snprintf(sql, sizeof sql,
             "SELECT bank || '/' || bank_entry || ' ' || json_extract(video_match, '$.segments')"
             " || ' ' || json_extract(video_match, '$.query_percent') FROM report_files f"
             " WHERE report_id = %lld",
             (long long)known);
    char row[200];
    CHECK_STR_EQ(ti_sql_text(&t, sql, row, sizeof row), "videos/pan-1 [[0.0,3.0]] 100.0");

    ts_response r;
    char path[64];
    snprintf(path, sizeof path, "/console/item?id=%lld", (long long)known);
    CHECK(get(&t, &alice, path, &r));
    CHECK(strstr(r.body, "bank videos entry pan-1 (video: 100% of its fingerprinted frames match"));
    CHECK(strstr(r.body, "Matching stretches:<span dir=\"ltr\"> 0:00&ndash;0:03"));
    CHECK(strstr(r.body, "no viewing needed"));
    ts_response_free(&r);
    snprintf(path, sizeof path, "/console/item?id=%lld", (long long)unknown);
    CHECK(get(&t, &alice, path, &r));
    CHECK(strstr(r.body, "New: no bank match (video frames fingerprinted: 4)"));
    ts_response_free(&r);
    snprintf(path, sizeof path, "/console/item?id=%lld", (long long)broken);
    CHECK(get(&t, &alice, path, &r));
    CHECK(strstr(r.body, "New: no bank match<br>Video not fingerprinted: "));
    ts_response_free(&r);
    ts_stop(&t);
    remove(index_path);
    rmdir(dir);
}

/* A synthetic photograph (tools/samples/pattern.h) as a PPM: the whole
 * picture, the part of it inside [x0, x1) x [y0, y1), or the whole with
 * black bars of `bar` rows above and below it (a letterbox). */
static uint8_t *pattern_ppm(uint32_t w, uint32_t h, uint32_t seed, uint32_t x0, uint32_t y0,
                            uint32_t x1, uint32_t y1, uint32_t bar, size_t *len)
{
    uint8_t *rgb = vg_pattern_rgb(w, h, seed);
    uint32_t cw = x1 - x0, ch = y1 - y0 + 2 * bar;
    char header[64];
    int hlen = snprintf(header, sizeof header, "P6\n%u %u\n255\n", cw, ch);
    *len = (size_t)hlen + (size_t)cw * ch * 3;
    uint8_t *out = rgb ? calloc(1, *len) : NULL;
    if (out) {
        memcpy(out, header, (size_t)hlen);
        for (uint32_t y = y0; y < y1; y++)
            memcpy(out + hlen + ((size_t)(y - y0 + bar) * cw) * 3, rgb + ((size_t)y * w + x0) * 3,
                   (size_t)cw * 3);
    }
    free(rgb);
    return out;
}

/* Copies a canonical PDQ misses - the picture letterboxed, the picture
 * cropped off-centre - are recognised by the signals that survive bars and
 * crops (docs/robust.md), decided by a trusted bank like a PDQ match, and
 * the item says which kind of match it was. An unrelated picture stays
 * new; intake.robust = false turns the robust signals off. */
static void test_robust_match(void)
{
    char dir[] = "/tmp/vg-console-robust-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char index_path[300];
    snprintf(index_path, sizeof index_path, "%s/robust.vgi", dir);
    /* The bank holds the original's PDQ and patch set, as `vigie bank
     * from-files` writes them. */
    size_t len = 0;
    uint8_t *original = pattern_ppm(640, 480, 7, 0, 0, 640, 480, 0, &len);
    vg_filehash_options fo = {.pdq = true, .robust = true};
    vg_filehasher *hasher = NULL;
    vg_filehash fh;
    CHECK(original && vg_filehasher_new(&fo, &hasher, NULL) == VG_OK &&
          vg_filehasher_buffer(hasher, original, len, "original", &fh, NULL) == VG_OK);
    vg_filehasher_free(hasher);
    free(original);
    CHECK(fh.has_pdq && fh.has_robust && !fh.has_trimmed && fh.patchset.count >= 8);
    vg_index_builder *builder = NULL;
    uint32_t bank = 0;
    CHECK(vg_index_builder_new(&builder, NULL) == VG_OK);
    CHECK(vg_index_builder_add_bank(builder, "photos", NULL, 0, &bank, NULL) == VG_OK);
    vg_bank_entry e = {.type = VG_SIGNAL_PDQ, .id = "p-7", .id_len = 3, .metadata = ""};
    memcpy(e.value, fh.pdq.hashes[0].bytes, VG_PDQ_BYTES);
    CHECK(vg_index_builder_add(builder, bank, &e, NULL) == VG_OK);
    uint8_t encoded[VG_PATCHSET_MAX_BYTES];
    e.type = VG_SIGNAL_PATCHSET;
    e.long_value = encoded;
    e.long_value_len = vg_patchset_encode(&fh.patchset, encoded);
    CHECK(vg_index_builder_add(builder, bank, &e, NULL) == VG_OK);
    CHECK(vg_index_builder_write(builder, index_path, NULL) == VG_OK);
    vg_index_builder_free(builder);

    /* 60-pixel bars above and below; 10 % off the left and the bottom. */
    size_t boxed_len = 0, cropped_len = 0, other_len = 0;
    uint8_t *boxed = pattern_ppm(640, 480, 7, 0, 0, 640, 480, 60, &boxed_len);
    uint8_t *cropped = pattern_ppm(640, 480, 7, 64, 0, 640, 432, 0, &cropped_len);
    uint8_t *other = pattern_ppm(640, 480, 8, 0, 0, 640, 480, 0, &other_len);
    CHECK(boxed && cropped && other);

    char extra[600];
    snprintf(extra, sizeof extra,
             "intake.index = %s\nconsole.trusted_banks = photos=illegal_csam/B/b2\n", index_path);
    ts_server t;
    CHECK(ts_start(&t, extra));
    person alice;
    CHECK(sign_in(&t, "alice", VG_ROLE_ANALYST, &alice));
    int64_t ids[3] = {public_report_with(&t, "image_video", NULL, boxed, boxed_len),
                      public_report_with(&t, "image_video", NULL, cropped, cropped_len),
                      public_report_with(&t, "image_video", NULL, other, other_len)};
    CHECK(ids[0] && ids[1] && ids[2]);
    const char *signal[3] = {VG_MATCH_TRIMMED, VG_MATCH_CROP, ""};
    const char *said[3] = {"bank photos entry p-7 &mdash; matched after trimming borders (PDQ, ",
                           "bank photos entry p-7 &mdash; matched by local features (crop)",
                           "New: no bank match"};
    const char *decided[3] = {"auto", "auto", ""};
    for (int i = 0; i < 3; i++) {
        char state[64], sql[200], row[64], path[64];
        CHECK_STR_EQ(state_of(&t, ids[i], state, sizeof state), decided[i]);
        snprintf(sql, sizeof sql,
                 "SELECT COALESCE(match_signal, '') FROM report_files WHERE report_id = %lld",
                 (long long)ids[i]);
        CHECK_STR_EQ(ti_sql_text(&t, sql, row, sizeof row), signal[i]);
        snprintf(path, sizeof path, "/console/item?id=%lld", (long long)ids[i]);
        ts_response r;
        CHECK(get(&t, &alice, path, &r));
        CHECK_MSG(strstr(r.body, said[i]) != NULL, "item %d does not say: %s", i, said[i]);
        ts_response_free(&r);
    }
    ts_stop(&t);

    /* Turned off, the same letterboxed copy is new material. */
    snprintf(extra, sizeof extra, "intake.index = %s\nintake.robust = false\n", index_path);
    CHECK(ts_start(&t, extra));
    int64_t id = public_report_with(&t, "image_video", NULL, boxed, boxed_len);
    char sql[200], row[64];
    snprintf(sql, sizeof sql,
             "SELECT known || COALESCE(match_signal, '-') FROM report_files WHERE report_id = %lld",
             (long long)id);
    CHECK(id && !strcmp(ti_sql_text(&t, sql, row, sizeof row), "0-"));
    ts_stop(&t);
    free(boxed);
    free(cropped);
    free(other);
    remove(index_path);
    rmdir(dir);
}

/* The default preview is blurred, measured: a 64x64 checkerboard of
 * black and white 8-pixel squares (every edge a full 255 step) comes back
 * with no step between neighbouring pixels above 64 (a blur of radius 2 or
 * more spreads a 255 step over at least 5 pixels, about 51 each) and a
 * mean step under a quarter of the sharp view's, which keeps the edges. */
static void test_preview_is_blurred(void)
{
    ts_server t;
    CHECK(ts_start(&t, NULL)); /* the default preview settings */
    person alice;
    CHECK(sign_in(&t, "alice", VG_ROLE_ANALYST, &alice));
    const char *header = "P5\n64 64\n255\n";
    size_t hlen = strlen(header), len = hlen + 64 * 64;
    uint8_t *board = malloc(len);
    memcpy(board, header, hlen);
    for (int y = 0; y < 64; y++)
        for (int x = 0; x < 64; x++)
            board[hlen + (size_t)y * 64 + (size_t)x] = ((x / 8 + y / 8) % 2) ? 255 : 0;
    int64_t item = public_report_with(&t, "image_video", NULL, board, len);
    CHECK(item);
    free(board);
    char path[96], claim[64];
    snprintf(path, sizeof path, "/console/files/%lld/preview",
             ti_sql_int(&t, "SELECT max(id) FROM report_files"));
    snprintf(claim, sizeof claim, "report=%lld&version=0", (long long)item);
    CHECK_INT_EQ(post_simple(&t, &alice, "/console/claim", claim), 303); /* to see it */

    ts_response r;
    vg_image preview = {0}, sharp = {0};
    CHECK(get(&t, &alice, path, &r));
    CHECK_INT_EQ(r.status, 200);
    CHECK(vg_image_decode((const uint8_t *)r.body, r.body_len, NULL, &preview, NULL) == VG_OK);
    ts_response_free(&r);
    CHECK_INT_EQ(post(&t, &alice, path, "mode=clear", 0, &r), 200);
    CHECK(vg_image_decode((const uint8_t *)r.body, r.body_len, NULL, &sharp, NULL) == VG_OK);
    ts_response_free(&r);
    CHECK_INT_EQ(preview.info.layout, VG_PIXEL_GRAY8);
    CHECK(preview.info.width == 64 && preview.info.height == 64); /* same scale as the sharp one */
    if (preview.pixels && sharp.pixels) {
        int max_preview = 0, max_sharp = 0;
        double mean_preview = 0, mean_sharp = 0;
        neighbour_steps(&preview, &max_preview, &mean_preview);
        neighbour_steps(&sharp, &max_sharp, &mean_sharp);
        CHECK_INT_EQ(max_sharp, 255); /* the picture has its edges */
        CHECK_MSG(max_preview <= 64, "a step of %d between neighbouring preview pixels",
                  max_preview);
        CHECK_MSG(mean_preview * 4 < mean_sharp, "mean step %.1f (sharp view %.1f)", mean_preview,
                  mean_sharp);
    }
    vg_image_free(&preview);
    vg_image_free(&sharp);
    ts_stop(&t);
}

static void test_configuration_errors(void)
{
    ts_server t;
    CHECK(!ts_open(&t, "console.severity_scheme = A,,B\n"));
    ts_stop(&t);
    CHECK(!ts_open(&t, "priority.danger = lots\n"));
    ts_stop(&t);
    CHECK(ts_start(&t, "console.severity_scheme = 1, 2, 3, 4, 5\nconsole.target_hours = 2\n"));
    person alice;
    CHECK(sign_in(&t, "alice", VG_ROLE_ANALYST, &alice));
    int64_t id = public_report(&t, "grooming", "https://a.example/", 0);
    CHECK(id);
    char f[256], path[64];
    snprintf(f, sizeof f, "report=%lld&version=0", (long long)id);
    CHECK_INT_EQ(post_simple(&t, &alice, "/console/claim", f), 303);
    snprintf(path, sizeof path, "/console/item?id=%lld", (long long)id);
    ts_response r;
    CHECK(get(&t, &alice, path, &r));
    CHECK(strstr(r.body, "name=\"severity\" value=\"5\"") != NULL);
    ts_response_free(&r);
    snprintf(f, sizeof f, "report=%lld&version=1&legal=illegal_csam&severity=A&age=b2&country=FR",
             (long long)id);
    CHECK_INT_EQ(post_simple(&t, &alice, "/console/assess", f), 422);
    ts_stop(&t);
}

/* ---- routes --------------------------------------------------------------------- */

typedef struct routed_args {
    int64_t report_id, case_id;
} routed_args;

/* A report confirmed as CSAM whose URL the orientation job has routed (the
 * job itself is tested in tests/jobs): what the console must show. */
static vg_status routed_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    routed_args *a = ctx;
    vg_report_url u = {"https://files.example.test/a.jpg", "https://files.example.test/a.jpg"};
    vg_report rep = {.public_id = "routed-1", .receipt_code = "ROUTED1", .source = "web",
                     .urls = &u, .url_count = 1};
    int64_t now = (int64_t)time(NULL);
    vg_status st = vg_tx_case_new(tx, now, &a->case_id, err);
    if (st == VG_OK)
        st = vg_tx_report_put(tx, &rep, a->case_id, now, &a->report_id, err);
    vg_item it = {.report_id = a->report_id, .version = 3, .state = VG_ITEM_CONFIRMED,
                  .legal = VG_LEGAL_CSAM, .first_by = "alice", .decided_by = "bob"};
    if (st == VG_OK)
        st = vg_tx_item_put(tx, &it, now, err);
    vg_url_route_row row = {
        .report_id = a->report_id, .url = (char *)u.canonical, .state = VG_URL_ROUTE_PROPOSED,
        .actions = VG_ACTION_FORWARD, .reasons = VG_REASON_ABROAD_PARTNER, .country = "DE",
        .partner = "Example DE hotline",
        .hosting = "{\"host\":\"files.example.test\",\"addresses\":[{\"ip\":\"192.0.2.7\","
                   "\"country\":\"DE\",\"asn\":64500,\"as_name\":\"<b>Hosting</b>\","
                   "\"anycast\":false,\"abuse_contact\":\"abuse@hosting.example\","
                   "\"contact_source\":\"rdap\",\"note\":\"\"}]}",
        .created_at = now};
    int inserted = 0;
    if (st == VG_OK)
        st = vg_tx_route_put(tx, &row, &inserted, err);
    return st;
}

static void test_routes_shown(void)
{
    ts_server t;
    CHECK(ts_start(&t, NULL));
    person alice;
    CHECK(sign_in(&t, "alice", VG_ROLE_ANALYST, &alice));
    routed_args a = {0};
    CHECK(vg_store_write(t.srv->hotline->store, routed_tx, &a, NULL) == VG_OK);
    char paths[2][64];
    snprintf(paths[0], sizeof paths[0], "/console/item?id=%lld", (long long)a.report_id);
    snprintf(paths[1], sizeof paths[1], "/console/case?id=%lld", (long long)a.case_id);
    for (int i = 0; i < 2; i++) {
        ts_response r;
        CHECK(get(&t, &alice, paths[i], &r));
        CHECK_INT_EQ(r.status, 200);
        const char *want[] = {"<h2>Routes</h2>", "Forward to the partner hotline: Example DE hotline",
                              "Hosted abroad, in a country with a partner hotline",
                              "192.0.2.7 DE AS64500 &lt;b&gt;Hosting&lt;/b&gt;",
                              "abuse@hosting.example (rdap)"};
        for (size_t k = 0; k < sizeof want / sizeof want[0]; k++)
            CHECK_MSG(r.body && strstr(r.body, want[k]), "%s: no '%s'", paths[i], want[k]);
        CHECK_MSG(r.body && !strstr(r.body, "<b>Hosting"), "%s: unescaped", paths[i]);
        ts_response_free(&r);
    }
    ts_stop(&t);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    RUN(test_queue_claims_and_four_eyes);
    RUN(test_previews);
    RUN(test_video_stills);
    RUN(test_known_video);
    RUN(test_two_analysts_at_once);
    RUN(test_trusted_bank);
    RUN(test_robust_match);
    RUN(test_lapsed_claims);
    RUN(test_source_trust);
    RUN(test_partner_ranked_against_public);
    RUN(test_four_eyes_fields_and_late_copies);
    RUN(test_pdq_links);
    RUN(test_blind_after_dispute);
    RUN(test_case_view_pdq_threshold);
    RUN(test_preview_is_blurred);
    RUN(test_configuration_errors);
    RUN(test_routes_shown);
    curl_global_cleanup();
    return vg_test_exit();
}

/*
 * vigie migrate: a hotline that ran on SQLite (reports with pictures, a
 * claim and an assessment, accounts, a session, a partner key, its audit
 * chain) copied into PostgreSQL. The copy holds every row, `vigie audit
 * verify` holds on it, the same data directory then serves on PostgreSQL
 * (the analyst still signed in, new ids after the copied ones), and a copy
 * into a database that already holds data is refused.
 */
#include <sys/wait.h>

#include "test_people.h"

static const char *const tables[] = {
    "settings", "cases",    "reports",          "report_urls", "report_files",
    "accounts", "sessions", "api_keys",         "audit",       "audit_head",
    "login_throttle", "console_items", "console_bank", "jobs", "idempotency_keys",
};
#define NTABLES (sizeof tables / sizeof tables[0])

/* Run the vigie tool with args; its exit status, its first line of output
 * into out[cap]. */
static int vigie(const char *args, char *out, size_t cap)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "'%s/vigie' %s 2>&1", getenv("VIGIE_BUILD_DIR"), args);
    FILE *p = popen(cmd, "r");
    out[0] = 0;
    if (!p)
        return -1;
    if (fgets(out, (int)cap, p))
        out[strcspn(out, "\n")] = 0;
    char rest[512];
    while (fgets(rest, sizeof rest, p))
        ;
    int rc = pclose(p);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static void test_sqlite_to_postgres(void)
{
    unsetenv("VIGIE_TEST_BACKEND"); /* the source is SQLite */
    ts_server t;
    CHECK(ts_start(&t, NULL));
    person alice, bob;
    CHECK(sign_in(&t, "alice", VG_ROLE_ANALYST, &alice));
    CHECK(sign_in(&t, "bob", VG_ROLE_ANALYST, &bob));
    char key[80];
    CHECK(ts_api_key(&t, "Example Platform", 100, key) > 0);
    int64_t first = public_report(&t, "image_video", "https://example.test/a", 3);
    int64_t second = public_report(&t, "grooming", "https://example.test/b", 0);
    CHECK(first && second);
    char f[600];
    snprintf(f, sizeof f, "report=%lld&version=0", (long long)first);
    CHECK_INT_EQ(post_simple(&t, &alice, "/console/claim", f), 303);
    snprintf(f, sizeof f, "report=%lld&version=1&%s", (long long)first, ASSESS_A);
    CHECK_INT_EQ(post_simple(&t, &alice, "/console/assess", f), 303);
    long long counts[NTABLES];
    char sql[200];
    for (size_t i = 0; i < NTABLES; i++) {
        snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", tables[i]);
        counts[i] = ti_sql_int(&t, sql);
    }
    CHECK(counts[2] == 2 && counts[4] == 1 && counts[8] > 5);
    char head[80], state[40];
    ti_sql_text(&t, "SELECT hash FROM audit_head", head, sizeof head);
    CHECK_STR_EQ(state_of(&t, first, state, sizeof state), "awaiting-second");
    vg_server_stop(t.srv, 5);
    vg_server_free(t.srv);
    t.srv = NULL;

    char url[500], args[1600], out[512];
    CHECK(pgt_create(url, sizeof url));
    snprintf(args, sizeof args, "migrate --from sqlite:%s/data --to '%s'", t.dir, url);
    CHECK_INT_EQ(vigie(args, out, sizeof out), 0);
    CHECK(!strncmp(out, "copied ", 7));
    for (size_t i = 0; i < NTABLES; i++) {
        snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", tables[i]);
        CHECK_MSG(pgt_int(url, sql) == counts[i], "%s: %lld rows, %lld copied", tables[i],
                  counts[i], pgt_int(url, sql));
    }
    /* the copy's tables have statistics: no plan is made on "empty" ones */
    CHECK_INT_EQ(pgt_int(url, "SELECT count(*) FROM pg_stats WHERE tablename = 'reports'"
                              " AND attname = 'public_id'"),
                 1);
    char copied[80];
    CHECK_STR_EQ(pgt_text(url, "SELECT hash FROM audit_head", copied, sizeof copied), head);
    snprintf(args, sizeof args, "audit verify --database '%s'", url);
    CHECK_INT_EQ(vigie(args, out, sizeof out), 0);
    char expect[80];
    snprintf(expect, sizeof expect, "audit chain holds: %lld entries", counts[8]);
    CHECK_STR_EQ(out, expect);

    /* Twice is refused: the destination holds data now. */
    snprintf(args, sizeof args, "migrate --from sqlite:%s/data --to '%s'", t.dir, url);
    CHECK_INT_EQ(vigie(args, out, sizeof out), 2);
    CHECK(strstr(out, "already") != NULL);
    snprintf(args, sizeof args, "migrate --from sqlite:%s/nowhere --to '%s'", t.dir, url);
    CHECK_INT_EQ(vigie(args, out, sizeof out), 2);

    /* The same data directory served from the copy. */
    snprintf(t.db, sizeof t.db, "%s", url);
    CHECK(ts_open_in(&t, NULL) && ts_listen(&t));
    ts_response r;
    CHECK(get(&t, &bob, "/console/queue", &r) && r.status == 200);
    ts_response_free(&r);
    snprintf(f, sizeof f, "report=%lld&version=2", (long long)first);
    CHECK_INT_EQ(post_simple(&t, &bob, "/console/claim", f), 303);
    snprintf(f, sizeof f, "report=%lld&version=3&%s", (long long)first, ASSESS_A);
    CHECK_INT_EQ(post_simple(&t, &bob, "/console/assess", f), 303);
    CHECK_STR_EQ(state_of(&t, first, state, sizeof state), "confirmed");
    int64_t third = public_report(&t, "grooming", "https://example.test/c", 0);
    CHECK_INT_EQ(third, second + 1);
    snprintf(args, sizeof args, "audit verify --database '%s'", url);
    CHECK_INT_EQ(vigie(args, out, sizeof out), 0);
    ts_stop(&t);
}

int main(void)
{
    pgt_require("test_migrate");
    curl_global_init(CURL_GLOBAL_DEFAULT);
    RUN(test_sqlite_to_postgres);
    curl_global_cleanup();
    return vg_test_exit();
}

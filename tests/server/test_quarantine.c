/*
 * The quarantine at intake (issue 19, hotline/quarantine.h), in process on
 * SQLite and as test_quarantine_pg on PostgreSQL: a burst of reports
 * matching one bank entry holds it, in the transaction of the report that
 * tripped it (audited, recorded in the store); its next match waits for an
 * analyst, whose item page says why, while another entry of the same
 * trusted bank still decides; the administration's banks page lists it
 * with its counts and releases it (audited, CSRF), which decides what it
 * held back and restores automatic decisions.
 *
 * The thresholds are small (more than 3 reports, and more than twice the
 * usual rate) and the window ten years long, so that no window ends
 * during the test: the figures do not depend on the clock.
 */
#include "test_people.h"
#include "vigie/digest.h"
#include "vigie/index.h"

/* The sha256 of the synthetic picture of seed, in a bank entry. */
static void add_picture(vg_index_builder *b, uint32_t bank, int seed, const char *id)
{
    size_t len = 0;
    uint8_t *img = ti_image(seed, &len);
    vg_digests dg;
    CHECK(vg_digest_buffer(img, len, &dg, NULL) == VG_OK);
    free(img);
    vg_bank_entry e = {.type = VG_SIGNAL_SHA256, .id = id, .id_len = strlen(id), .metadata = ""};
    memcpy(e.value, dg.sha256, 32);
    CHECK(vg_index_builder_add(b, bank, &e, NULL) == VG_OK);
}

static long long count_of(ts_server *t, const char *sql)
{
    return ti_sql_int(t, sql);
}

static void test_quarantine_at_intake(void)
{
    char dir[] = "/tmp/vg-quarantine-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char index_path[300];
    snprintf(index_path, sizeof index_path, "%s/banks.vgi", dir);
    vg_index_builder *builder = NULL;
    uint32_t bank = 0;
    CHECK(vg_index_builder_new(&builder, NULL) == VG_OK);
    CHECK(vg_index_builder_add_bank(builder, "partner", NULL, 0, &bank, NULL) == VG_OK);
    add_picture(builder, bank, 41, "hot");
    add_picture(builder, bank, 42, "calm");
    CHECK(vg_index_builder_write(builder, index_path, NULL) == VG_OK);
    vg_index_builder_free(builder);

    char extra[800];
    snprintf(extra, sizeof extra,
             "intake.index = %s\nconsole.trusted_banks = partner=illegal_csam/A/b2\n"
             "intake.quarantine_min_matches = 3\nintake.quarantine_factor = 2\n"
             "intake.quarantine_window_hours = 87600\n",
             index_path);
    ts_server t;
    CHECK(ts_start(&t, extra));
    person admin, alice;
    CHECK(sign_in(&t, "root", VG_ROLE_ADMINISTRATOR, &admin));
    CHECK(sign_in(&t, "alice", VG_ROLE_ANALYST, &alice));
    char state[64];

    /* Three reports of the entry: decided by the bank, as usual. */
    int64_t first[3];
    for (int i = 0; i < 3; i++) {
        first[i] = public_report(&t, "image_video", NULL, 41);
        CHECK(first[i] != 0);
        CHECK_STR_EQ(state_of(&t, first[i], state, sizeof state), "auto");
    }
    CHECK_INT_EQ(count_of(&t, "SELECT count(*) FROM audit WHERE action = 'bank.quarantine'"), 0);
    /* The fourth is more than 3, and more than twice its usual rate: the
     * entry is held before it decides this report. */
    int64_t tripped = public_report(&t, "image_video", NULL, 41);
    CHECK(tripped != 0);
    CHECK_STR_EQ(state_of(&t, tripped, state, sizeof state), "");
    CHECK_INT_EQ(count_of(&t, "SELECT count(*) FROM bank_quarantine WHERE bank = 'partner' AND "
                              "entry = 'hot' AND held = 1 AND held_matches = 4"),
                 1);
    char sql[300];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM audit WHERE action = 'bank.quarantine' AND actor = 'intake' "
             "AND target = 'bank:partner' AND detail LIKE '%%\"entry\":\"hot\"%%' AND "
             "detail LIKE '%%\"matches\":4%%' AND detail LIKE '%%\"report\":%lld%%'",
             (long long)tripped);
    CHECK_INT_EQ(count_of(&t, sql), 1);

    /* The next match is an open item for analysts, saying why. */
    int64_t held = public_report(&t, "image_video", NULL, 41);
    CHECK(held != 0);
    CHECK_STR_EQ(state_of(&t, held, state, sizeof state), "");
    char path[80];
    snprintf(path, sizeof path, "/console/item?id=%lld", (long long)held);
    ts_response r;
    CHECK(get(&t, &alice, path, &r) && r.status == 200);
    CHECK(r.body && strstr(r.body, "This bank entry is quarantined: it matched far more "
                                   "reports than usual (reports: 4 in 87600 hours)"));
    CHECK(r.body && !strstr(r.body, "no viewing needed"));
    ts_response_free(&r);
    /* Another entry of the same bank still decides. */
    int64_t other = public_report(&t, "image_video", NULL, 42);
    CHECK(other != 0);
    CHECK_STR_EQ(state_of(&t, other, state, sizeof state), "auto");
    CHECK_INT_EQ(count_of(&t, "SELECT count(*) FROM bank_quarantine WHERE held = 1"), 1);

    /* The banks page lists it with its counts; releasing it needs the
     * form's token. */
    CHECK(get(&t, &admin, "/console/admin/banks", &r) && r.status == 200);
    CHECK(r.body && strstr(r.body, "Quarantined entries") &&
          strstr(r.body, "<td>partner</td><td>hot</td>") &&
          strstr(r.body, "</td><td>4</td><td>1</td>") &&
          strstr(r.body, "action=\"/console/admin/banks/release\""));
    ts_response_free(&r);
    CHECK_INT_EQ(post(&t, &admin, "/console/admin/banks/release", "bank=partner&entry=hot", 1,
                      &r),
                 403);
    ts_response_free(&r);
    CHECK_INT_EQ(post(&t, &alice, "/console/admin/banks/release", "bank=partner&entry=hot", 0,
                      &r),
                 403);
    ts_response_free(&r);
    CHECK_INT_EQ(count_of(&t, "SELECT count(*) FROM bank_quarantine WHERE held = 1"), 1);
    CHECK_INT_EQ(post(&t, &admin, "/console/admin/banks/release", "bank=partner&entry=calm", 0,
                      &r),
                 422);
    ts_response_free(&r);
    CHECK_INT_EQ(post(&t, &admin, "/console/admin/banks/release", "bank=partner&entry=hot", 0,
                      &r),
                 200);
    CHECK(r.body && strstr(r.body, "was released") && strstr(r.body, "No entry is quarantined"));
    ts_response_free(&r);
    CHECK_INT_EQ(count_of(&t, "SELECT count(*) FROM audit WHERE action = 'bank.release' AND "
                              "actor = 'user:root' AND target = 'bank:partner' AND "
                              "detail LIKE '%\"entry\":\"hot\"%'"),
                 1);
    CHECK_INT_EQ(count_of(&t, "SELECT count(*) FROM bank_quarantine WHERE held = 1"), 0);
    /* What it held back is decided now, and its next match at once. */
    CHECK_STR_EQ(state_of(&t, tripped, state, sizeof state), "auto");
    CHECK_STR_EQ(state_of(&t, held, state, sizeof state), "auto");
    int64_t after = public_report(&t, "image_video", NULL, 41);
    CHECK(after != 0);
    CHECK_STR_EQ(state_of(&t, after, state, sizeof state), "auto");
    CHECK_INT_EQ(count_of(&t, "SELECT count(*) FROM audit WHERE action = 'bank.quarantine'"), 1);
    /* released twice: refused, nothing audited */
    CHECK_INT_EQ(post(&t, &admin, "/console/admin/banks/release", "bank=partner&entry=hot", 0,
                      &r),
                 422);
    ts_response_free(&r);
    CHECK_INT_EQ(count_of(&t, "SELECT count(*) FROM audit WHERE action = 'bank.release'"), 1);
    ts_stop(&t);

    /* Thresholds out of range stop the server with the key named. */
    CHECK(!ts_open(&t, "intake.quarantine_factor = 0\n"));
    CHECK(!ts_open(&t, "intake.quarantine_smoothing_percent = 101\n"));
    ts_remove_dir(dir);
}

int main(void)
{
    RUN(test_quarantine_at_intake);
    return vg_test_exit();
}

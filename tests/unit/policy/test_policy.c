/* Negative banks (which matches a negative entry outweighs, on a real
 * index) and the quarantine of entries that suddenly match far more than
 * usual. */
#include <unistd.h>

#include "harness.h"
#include "vigie/index.h"
#include "vigie/policy.h"

static char dir[64];

static const char *path(const char *name)
{
    static char buf[8][256];
    static int next;
    char *p = buf[next++ % 8];
    snprintf(p, 256, "%s/%s", dir, name);
    return p;
}

#define MD5E "d41d8cd98f00b204e9800998ecf8427e"
#define Z64 "0000000000000000000000000000000000000000000000000000000000000000"
/* 8 bits set (distance 8 from zero), and 20 bits set. */
#define P8 "ff00000000000000000000000000000000000000000000000000000000000000"
#define P20 "fffff00000000000000000000000000000000000000000000000000000000000"

static vg_index *index_of_banks(void)
{
    vg_test_write_text(path("known.csv"), "signal_type,signal,id\n"
                                  "pdq," P20 ",bad-pdq\nmd5," MD5E ",bad-md5\n");
    vg_test_write_text(path("fp.csv"), "signal_type,signal,id,polarity\n"
                               "pdq," P8 ",benign-pdq,negative\n"
                               "md5," MD5E ",benign-md5,NEGATIVE\n");
    vg_index_builder *b;
    vg_error err;
    CHECK(vg_index_builder_new(&b, &err) == VG_OK);
    CHECK(vg_index_builder_add_file(b, path("known.csv"), NULL, NULL, NULL, NULL, NULL, &err) ==
          VG_OK);
    CHECK(vg_index_builder_add_file(b, path("fp.csv"), NULL, NULL, NULL, NULL, NULL, &err) ==
          VG_OK);
    CHECK(vg_index_builder_write(b, path("i.vgx"), &err) == VG_OK);
    vg_index_builder_free(b);
    vg_index *idx = NULL;
    CHECK(vg_index_open(path("i.vgx"), &idx, &err) == VG_OK);
    return idx;
}

/* Entry numbers: known.csv 0 (bad-pdq), 1 (bad-md5); fp.csv 2, 3. */
static void test_negative(void)
{
    vg_index *idx = index_of_banks();
    if (!idx)
        return;
    vg_index_entry e;
    vg_error err;
    CHECK(vg_index_entry_get(idx, 2, &e, &err) == VG_OK && vg_policy_is_negative(&e));
    CHECK(vg_index_entry_get(idx, 0, &e, &err) == VG_OK && !vg_policy_is_negative(&e));

    /* A picture nearer the benign one (8) than the listed one (20): suppressed. */
    vg_policy_match m[] = {{.entry = 0, .distance = 20}, {.entry = 2, .distance = 8}};
    CHECK_INT_EQ(vg_policy_apply(idx, m, 2), 0);
    CHECK(m[0].suppressed && m[0].suppressed_by == 2 && m[1].negative);
    /* Nearer the listed one: kept. Equally near: the benign one wins. */
    vg_policy_match near[] = {{.entry = 0, .distance = 3}, {.entry = 2, .distance = 9}};
    CHECK_INT_EQ(vg_policy_apply(idx, near, 2), 1);
    CHECK(!near[0].suppressed);
    vg_policy_match tie[] = {{.entry = 0, .distance = 12}, {.entry = 2, .distance = 12}};
    CHECK_INT_EQ(vg_policy_apply(idx, tie, 2), 0);
    /* A near benign picture never outweighs exact bytes a bank lists. */
    vg_policy_match exact[] = {{.entry = 1, .distance = 0, .digest = true},
                               {.entry = 2, .distance = 0}};
    CHECK_INT_EQ(vg_policy_apply(idx, exact, 2), 1);
    /* Exact bytes known to be benign outweigh everything for that file. */
    vg_policy_match benign[] = {{.entry = 1, .distance = 0, .digest = true},
                                {.entry = 0, .distance = 2},
                                {.entry = 3, .distance = 0, .digest = true}};
    CHECK_INT_EQ(vg_policy_apply(idx, benign, 3), 0);
    CHECK(benign[0].suppressed && benign[1].suppressed && benign[2].negative);
    /* No negative match: nothing changes. */
    vg_policy_match plain[] = {{.entry = 0, .distance = 30}};
    CHECK_INT_EQ(vg_policy_apply(idx, plain, 1), 1);
    vg_index_close(idx);
}

static void test_quarantine(void)
{
    vg_quarantine *q;
    vg_error err;
    vg_quarantine_options opts = {.window_seconds = 3600, .min_matches = 50, .factor = 10};
    CHECK(vg_quarantine_new(&opts, &q, &err) == VG_OK);
    int64_t t = 1700000000 - 1700000000 % 3600;
    /* A usual entry: 10 matches an hour for a day. Then 60 in an hour:
     * more than the floor, not ten times the usual: not held. */
    for (int h = 0; h < 24; h++)
        for (int i = 0; i < 10; i++)
            CHECK(!vg_quarantine_observe(q, "bank/usual", t + h * 3600 + i));
    int64_t next = t + 24 * 3600;
    for (int i = 0; i < 60; i++)
        CHECK(!vg_quarantine_observe(q, "bank/usual", next + i));
    /* ...but 101 is ten times its rate. */
    bool held = false;
    for (int i = 60; i < 101; i++)
        held = vg_quarantine_observe(q, "bank/usual", next + i);
    CHECK(held && vg_quarantine_is_held(q, "bank/usual"));
    /* A hash never seen before that matches 51 times in an hour: held at
     * the 51st, not before. */
    for (int i = 0; i < 50; i++)
        CHECK(!vg_quarantine_observe(q, "bank/sudden", next + i));
    CHECK(vg_quarantine_observe(q, "bank/sudden", next + 50));
    CHECK(!vg_quarantine_is_held(q, "bank/other"));
    /* Kept across a restart. */
    CHECK(vg_quarantine_save(q, path("q.txt"), &err) == VG_OK);
    vg_quarantine *back;
    CHECK(vg_quarantine_load(path("q.txt"), &opts, &back, &err) == VG_OK);
    CHECK(vg_quarantine_is_held(back, "bank/sudden") && vg_quarantine_is_held(back, "bank/usual"));
    /* Released after review: the same rate does not hold it again. */
    vg_quarantine_release(back, "bank/sudden");
    CHECK(!vg_quarantine_is_held(back, "bank/sudden"));
    CHECK(!vg_quarantine_observe(back, "bank/sudden", next + 100));
    vg_quarantine_free(back);
    vg_quarantine_free(q);
    CHECK(vg_quarantine_load(path("missing.txt"), NULL, &q, &err) == VG_OK);
    vg_quarantine_free(q);
    vg_test_write_text(path("bad.txt"), "vigie-quarantine 1\nnot a line\n");
    CHECK(vg_quarantine_load(path("bad.txt"), NULL, &q, &err) == VG_ERR_CORRUPT);
}

/* The rule on a count kept by the caller (a database): the same figures
 * as above, the defaults being those of the header (50, ten times). */
static void test_quarantine_count(void)
{
    int64_t t = 1700000000 - 1700000000 % 3600;
    vg_quarantine_count usual = VG_QUARANTINE_COUNT_INIT, sudden = VG_QUARANTINE_COUNT_INIT;
    for (int h = 0; h < 24; h++)
        for (int i = 0; i < 10; i++)
            CHECK(!vg_quarantine_count_match(NULL, &usual, t + h * 3600 + i));
    int64_t next = t + 24 * 3600;
    /* its usual rate: 10 (1 - 0.8^24) = 9.953 a window, so 99 matches are
     * not ten times it and 100 are */
    for (int i = 0; i < 99; i++)
        CHECK(!vg_quarantine_count_match(NULL, &usual, next + i));
    CHECK(vg_quarantine_count_match(NULL, &usual, next + 99) && usual.held);
    CHECK_INT_EQ(usual.count, 100);
    for (int i = 0; i < 50; i++)
        CHECK(!vg_quarantine_count_match(NULL, &sudden, next + i));
    CHECK(vg_quarantine_count_match(NULL, &sudden, next + 50));
    vg_quarantine_count_release(&sudden);
    CHECK(!sudden.held && sudden.usual == 51);
    CHECK(!vg_quarantine_count_match(NULL, &sudden, next + 51));
    /* a smaller floor and factor, and a window of a day */
    vg_quarantine_options small = {.window_seconds = 86400, .min_matches = 3, .factor = 2};
    vg_quarantine_count c = VG_QUARANTINE_COUNT_INIT;
    int64_t day = 1699920000; /* 2023-11-14 00:00 UTC */
    for (int i = 0; i < 3; i++)
        CHECK(!vg_quarantine_count_match(&small, &c, day + i * 3600));
    CHECK(vg_quarantine_count_match(&small, &c, day + 23 * 3600));
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/vigie-policy-XXXXXX");
    if (!mkdtemp(dir))
        return 1;
    RUN(test_negative);
    RUN(test_quarantine);
    RUN(test_quarantine_count);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return vg_test_exit();
}

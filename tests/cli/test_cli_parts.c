/* The reusable parts of the command-line tool: ordered pool, table writer, walk. */
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "pool.h"
#include "util/table.h"
#include "walk.h"

typedef struct pool_item {
    unsigned seq;
    unsigned worked;
} pool_item;

typedef struct pool_check {
    unsigned next_expected;
    unsigned out_of_order;
    unsigned wrong_work;
    unsigned emitted;
} pool_check;

static void pool_work(void *worker, void *raw)
{
    atomic_uint *calls = worker;
    pool_item *item = raw;
    atomic_fetch_add(calls, 1);
    /* Uneven work so that later items often finish first. */
    struct timespec pause = {0, (long)((item->seq * 7919u) % 5u) * 200000L};
    nanosleep(&pause, NULL);
    item->worked++;
}

static void pool_emit(void *user, void *raw)
{
    pool_check *check = user;
    pool_item *item = raw;
    if (item->seq != check->next_expected)
        check->out_of_order++;
    /* Every third item was submitted without work. */
    if (item->worked != (item->seq % 3 != 0))
        check->wrong_work++;
    check->next_expected = item->seq + 1;
    check->emitted++;
}

static void test_pool_keeps_submission_order(void)
{
    const size_t depths[] = {1, 2, 0};
    const size_t threads[] = {1, 3, 4};
    for (size_t d = 0; d < 3; d++) {
        for (size_t t = 0; t < 3; t++) {
            atomic_uint calls[4];
            void *workers[4];
            for (int i = 0; i < 4; i++) {
                atomic_init(&calls[i], 0);
                workers[i] = &calls[i];
            }
            pool_check check = {0};
            vg_pool_config config = {.threads = threads[t], .workers = workers,
                                     .item_size = sizeof(pool_item), .depth = depths[d],
                                     .work = pool_work, .emit = pool_emit, .user = &check};
            vg_pool *pool = vg_pool_new(&config);
            CHECK(pool != NULL);
            if (!pool)
                return;
            const unsigned count = 300;
            for (unsigned seq = 0; seq < count; seq++) {
                pool_item *item = vg_pool_claim(pool);
                CHECK_INT_EQ(item->worked, 0);
                item->seq = seq;
                vg_pool_submit(pool, seq % 3 != 0);
            }
            vg_pool_drain(pool);
            CHECK_INT_EQ(check.emitted, count);
            vg_pool_free(pool);
            unsigned total = 0;
            for (int i = 0; i < 4; i++)
                total += atomic_load(&calls[i]);
            CHECK_INT_EQ(total, count - (count + 2) / 3);
            CHECK_INT_EQ(check.out_of_order, 0);
            CHECK_INT_EQ(check.wrong_work, 0);
        }
    }
}

/* Run fn on a table of the given format and return what it wrote. */
static char *table_output(vg_table_format format, void (*fn)(vg_table *))
{
    static const char *const columns[] = {"name", "n", "note"};
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    vg_table t;
    vg_table_init(&t, out, format, columns, 3);
    vg_table_header(&t);
    fn(&t);
    fclose(out);
    return text;
}

static void rows_plain(vg_table *t)
{
    vg_table_string(t, "a.jpg");
    vg_table_uint(t, 42);
    vg_table_null(t);
    vg_table_end_row(t);
}

static void rows_awkward(vg_table *t)
{
    vg_table_string(t, "with,comma \"and\" quotes\nand newline");
    vg_table_int(t, -3);
    vg_table_string(t, "tab\tbell\a\xff end \xc3\xa9 \xed\xa0\x80");
    vg_table_end_row(t);
}

static void test_table_csv_and_json(void)
{
    char *s = table_output(VG_TABLE_CSV, rows_plain);
    CHECK_STR_EQ(s, "name,n,note\na.jpg,42,\n");
    free(s);
    s = table_output(VG_TABLE_JSON, rows_plain);
    CHECK_STR_EQ(s, "{\"name\":\"a.jpg\",\"n\":42,\"note\":null}\n");
    free(s);
    s = table_output(VG_TABLE_CSV, rows_awkward);
    CHECK_STR_EQ(s, "name,n,note\n\"with,comma \"\"and\"\" quotes\nand newline\",-3,"
                    "tab\tbell\a\xff end \xc3\xa9 \xed\xa0\x80\n");
    free(s);
    /* Control characters escaped; invalid UTF-8 (a stray byte, an encoded
     * surrogate) replaced, valid UTF-8 kept. */
    s = table_output(VG_TABLE_JSON, rows_awkward);
    CHECK_STR_EQ(s, "{\"name\":\"with,comma \\\"and\\\" quotes\\nand newline\",\"n\":-3,"
                    "\"note\":\"tab\\tbell\\u0007\\ufffd end \xc3\xa9 \\ufffd\\ufffd\\ufffd\"}\n");
    free(s);
    vg_table_format f;
    CHECK(vg_table_parse_format("json", &f) && f == VG_TABLE_JSON);
    CHECK(vg_table_parse_format("csv", &f) && f == VG_TABLE_CSV);
    CHECK(!vg_table_parse_format("CSV", &f));
}

static char tmpdir[64];

static void touch(const char *rel)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", tmpdir, rel);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f) {
        fputs(rel, f);
        fclose(f);
    }
}

static void test_walk_rules(void)
{
    char path[256], target[256];
    const char *dirs[] = {"t", "t/b", "t/b/c", "t/a"};
    for (int i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s/%s", tmpdir, dirs[i]);
        CHECK_INT_EQ(mkdir(path, 0700), 0);
    }
    touch("t/z");
    touch("t/b/c/deep");
    touch("t/b-sibling");
    touch("t/a/one");
    snprintf(path, sizeof path, "%s/t/fifo", tmpdir);
    CHECK_INT_EQ(mkfifo(path, 0600), 0);
    snprintf(path, sizeof path, "%s/t/loop", tmpdir);
    snprintf(target, sizeof target, "%s/t", tmpdir);
    CHECK_INT_EQ(symlink(target, path), 0);
    snprintf(path, sizeof path, "%s/t/broken", tmpdir);
    CHECK_INT_EQ(symlink("/nonexistent/nowhere", path), 0);
    snprintf(path, sizeof path, "%s/t/link-to-z", tmpdir);
    CHECK_INT_EQ(symlink("z", path), 0);

    char root[256], missing[256];
    snprintf(root, sizeof root, "%s/t/", tmpdir); /* a trailing slash is not doubled */
    snprintf(missing, sizeof missing, "%s/missing", tmpdir);
    char *roots[] = {root, missing};
    static const char *const want[][2] = {
        {"a/one", NULL}, {"b/c/deep", NULL}, {"b-sibling", NULL},
        {"broken", "dangling symbolic link"}, {"fifo", "not a regular file (FIFO)"},
        {"link-to-z", NULL}, {"z", NULL},
    };
    vg_walk *walk = vg_walk_new(roots, 2);
    vg_walk_entry e;
    size_t n = 0;
    while (vg_walk_next(walk, &e) > 0) {
        if (n < 7) {
            char expected[256];
            snprintf(expected, sizeof expected, "%s%s", root, want[n][0]);
            CHECK_STR_EQ(e.path, expected);
            CHECK_INT_EQ(e.kind, want[n][1] ? VG_WALK_ERROR : VG_WALK_FILE);
            if (want[n][1])
                CHECK_STR_EQ(e.message, want[n][1]);
            else
                CHECK(e.size > 0);
        } else if (n == 7) {
            CHECK_STR_EQ(e.path, missing);
            CHECK_INT_EQ(e.kind, VG_WALK_ERROR);
            CHECK(strstr(e.message, "No such file") != NULL);
        }
        n++;
    }
    CHECK_INT_EQ(n, 8);
    vg_walk_free(walk);
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/vigie-cli-XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    RUN(test_pool_keeps_submission_order);
    RUN(test_table_csv_and_json);
    RUN(test_walk_rules);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    return vg_test_exit();
}

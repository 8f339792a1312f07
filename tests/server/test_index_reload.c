/*
 * The bank index replaced while the server runs (intake.index, hotline/
 * index_ref.h): the next report is matched against the new file, on every
 * node; a damaged replacement leaves the last good index in use; a request
 * holding the old index keeps it usable until it lets go.
 */
#include <stdio.h>

#include "hotline/hotline.h"
#include "test_people.h"
#include "vigie/digest.h"

/* An index at path (written to a temporary name, then renamed over it, as
 * an operator replaces one) with one bank holding the picture of seed. */
static int write_index(const char *path, const char *bank_name, int seed)
{
    size_t len = 0;
    uint8_t *img = ti_image(seed, &len);
    vg_digests dg;
    int ok = img && vg_digest_buffer(img, len, &dg, NULL) == VG_OK;
    free(img);
    char tmp[400];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    vg_index_builder *builder = NULL;
    uint32_t bank = 0;
    vg_bank_entry e = {.type = VG_SIGNAL_SHA256, .id = "e-1", .id_len = 3, .metadata = ""};
    memcpy(e.value, dg.sha256, 32);
    ok = ok && vg_index_builder_new(&builder, NULL) == VG_OK &&
         vg_index_builder_add_bank(builder, bank_name, NULL, 0, &bank, NULL) == VG_OK &&
         vg_index_builder_add(builder, bank, &e, NULL) == VG_OK &&
         vg_index_builder_write(builder, tmp, NULL) == VG_OK && rename(tmp, path) == 0;
    vg_index_builder_free(builder);
    return ok;
}

/* The bank a report's picture matched ("" for none). */
static const char *bank_of(ts_server *t, int64_t report, char *out, size_t cap)
{
    char sql[160];
    snprintf(sql, sizeof sql,
             "SELECT coalesce(bank, '') FROM report_files WHERE report_id = %lld",
             (long long)report);
    return ti_sql_text(t, sql, out, cap);
}

static void test_replaced_while_serving(void)
{
    char dir[] = "/tmp/vg-index-reload-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[300], extra[600], bank[64];
    snprintf(path, sizeof path, "%s/banks.vgi", dir);
    CHECK(write_index(path, "first-bank", 31));
    snprintf(extra, sizeof extra, "intake.index = %s\n", path);
    ts_server a, b;
    CHECK(ts_start(&a, extra));
    int64_t id = public_report(&a, "image_video", NULL, 32);
    CHECK(id);
    CHECK_STR_EQ(bank_of(&a, id, bank, sizeof bank), "");

    /* the bank now holds picture 32 */
    CHECK(write_index(path, "second-bank", 32));
    id = public_report(&a, "image_video", NULL, 32);
    CHECK_STR_EQ(bank_of(&a, id, bank, sizeof bank), "second-bank");

    /* a second node (PostgreSQL: on the same database) sees the same file */
    int two = ts_on_postgres();
    if (two) {
        memset(&b, 0, sizeof b);
        memcpy(b.dir, a.dir, sizeof b.dir);
        memcpy(b.db, a.db, sizeof b.db);
        CHECK(ts_open_in(&b, extra) && ts_listen(&b));
        CHECK(write_index(path, "third-bank", 32));
        id = public_report(&b, "image_video", NULL, 32);
        CHECK_STR_EQ(bank_of(&b, id, bank, sizeof bank), "third-bank");
        id = public_report(&a, "image_video", NULL, 32);
        CHECK_STR_EQ(bank_of(&a, id, bank, sizeof bank), "third-bank");
    }

    /* a damaged file is not taken: the last good index stays */
    char tmp[400];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    CHECK(f && fputs("not an index", f) >= 0);
    if (f)
        fclose(f);
    CHECK(rename(tmp, path) == 0);
    id = public_report(&a, "image_video", NULL, 32);
    CHECK_STR_EQ(bank_of(&a, id, bank, sizeof bank), two ? "third-bank" : "second-bank");

    if (two) {
        vg_server_stop(b.srv, 5);
        vg_server_free(b.srv);
    }
    ts_stop(&a);
    ts_remove_dir(dir);
}

/* A request holding the old index may go on reading it after the swap. */
static void test_old_index_held(void)
{
    char dir[] = "/tmp/vg-index-held-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[300], extra[400];
    snprintf(path, sizeof path, "%s/banks.vgi", dir);
    CHECK(write_index(path, "first-bank", 31));
    snprintf(extra, sizeof extra, "intake.index = %s\n", path);
    ts_server a;
    CHECK(ts_start(&a, extra));
    vg_hotline *h = a.srv->hotline;
    void *held_old, *held_new;
    const vg_index *old = vg_hotline_index_acquire(h, &held_old);
    CHECK(old != NULL);
    CHECK(write_index(path, "second-bank", 32));
    const vg_index *fresh = vg_hotline_index_acquire(h, &held_new);
    CHECK(fresh != NULL && old != fresh);
    vg_index_entry e;
    CHECK(old && vg_index_entry_get(old, 0, &e, NULL) == VG_OK &&
          !strcmp(e.bank_name, "first-bank"));
    vg_hotline_index_release(h, held_old); /* the old one is closed here */
    CHECK(fresh && vg_index_entry_get(fresh, 0, &e, NULL) == VG_OK &&
          !strcmp(e.bank_name, "second-bank"));
    vg_hotline_index_release(h, held_new);
    ts_stop(&a);
    ts_remove_dir(dir);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    RUN(test_replaced_while_serving);
    RUN(test_old_index_held);
    curl_global_cleanup();
    return vg_test_exit();
}

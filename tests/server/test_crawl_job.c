/*
 * The server's crawl job (hotline/crawling.h), run by the job runner on a
 * small web site the test serves on loopback:
 *
 *   /gallery.html  (the URL a report gave)  known.jpg, other.pgm, links to
 *   /page2.html    (another copy of the known picture: page2.jpg)
 *   /page3.html    (an unknown picture alone: lone.pgm)
 *
 * Known material is the PDQ test set's bridge (the bank holds the
 * reference hash of bridge-1-original.jpg, ../shared/testdata/pdq/
 * reference.csv; the site serves blurred copies of it); the others are
 * synthetic pictures. Checked: the targets (seeded from the report, the
 * page that carried known material added), a new item for each known
 * picture decided at once by the bank, an item "found by the crawler" for
 * the unknown picture beside known material and none for the lone one
 * (nor anything left in the vault), each with its audit entry, no second
 * item on the next crawl; then stay-down: the known picture's notice
 * verified removed, the same picture back on the site makes a new item,
 * the notice "reappeared" and the case timeline says so. SQLite, and
 * PostgreSQL as test_crawl_job_pg.
 */
#include <time.h>

#include "jobs/jobs.h"
#include "site.h"
#include "store/notices.h"
#include "test_people.h"
#include "vigie/index.h"
#include "vigie/pdq.h"

/* reference.csv: the canonical PDQ of bridge-1-original.jpg */
#define BRIDGE_PDQ "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"

static char blur_little[600], blur_lot[600];

static int build_index(const char *path)
{
    vg_index_builder *b = NULL;
    uint32_t bank = 0;
    vg_bank_entry e = {.type = VG_SIGNAL_PDQ, .id = "bridge-1", .id_len = 8, .metadata = ""};
    vg_pdq_hash h;
    int ok = vg_pdq_from_hex(BRIDGE_PDQ, &h) == VG_OK;
    memcpy(e.value, h.bytes, 32);
    ok = ok && vg_index_builder_new(&b, NULL) == VG_OK &&
         vg_index_builder_add_bank(b, "hotline-net", NULL, 0, &bank, NULL) == VG_OK &&
         vg_index_builder_add(b, bank, &e, NULL) == VG_OK &&
         vg_index_builder_write(b, path, NULL) == VG_OK;
    vg_index_builder_free(b);
    return ok;
}

static void put_pgm(site *web, const char *path, int seed)
{
    size_t len = 0;
    uint8_t *img = ti_image(seed, &len);
    site_put(web, path, 200, "image/x-portable-graymap", img, len, NULL);
    free(img);
}

static void put_html(site *web, const char *path, const char *html)
{
    site_put(web, path, 200, "text/html; charset=utf-8", html, strlen(html), NULL);
}

static int run_jobs(vg_jobs *jobs, int64_t now)
{
    vg_error err;
    size_t ran = 0;
    vg_status st = vg_jobs_run_due(jobs, now, &ran, &err);
    CHECK_MSG(st == VG_OK, "%s", err.message);
    return st == VG_OK;
}

static long long crawler_reports(ts_server *t)
{
    return ti_sql_int(t, "SELECT count(*) FROM reports WHERE source = 'crawler'");
}

/* The crawler's report of url: its id, 0 when there is none. */
static int64_t report_of(ts_server *t, const char *url)
{
    char sql[400];
    snprintf(sql, sizeof sql,
             "SELECT coalesce(max(r.id), 0) FROM reports r JOIN report_urls u ON "
             "u.report_id = r.id WHERE r.source = 'crawler' AND u.canonical = '%s'",
             url);
    return (int64_t)ti_sql_int(t, sql);
}

typedef struct removed_args {
    int64_t report_id, case_id, now;
    char *url, *sha256;
} removed_args;

/* What the notices job writes once its fetch found the URL gone. */
static vg_status removed_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    removed_args *a = ctx;
    vg_notice_row n = {.report_id = a->report_id, .case_id = a->case_id, .url = a->url,
                       .state = VG_NOTICE_REMOVED, .contact = "abuse@host.test",
                       .material_sha256 = a->sha256, .sent_count = 1,
                       .first_sent_at = a->now, .last_sent_at = a->now,
                       .removed_at = a->now, .verified_at = a->now, .created_at = a->now};
    return vg_tx_notice_put(tx, &n, NULL, err);
}

static void test_crawl_job(void)
{
    char index[400];
    snprintf(index, sizeof index, "%s/crawl-index-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    int fd = mkstemp(index);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    close(fd);
    CHECK(build_index(index));
    uint16_t port = 0;
    site *web = site_start(&port);
    CHECK(web != NULL);
    if (!web)
        return;
    char base[64], gallery[128], known[128], other[128], page2[128], page2_pic[128], lone[128];
    snprintf(base, sizeof base, "http://127.0.0.1:%u", port);
    snprintf(gallery, sizeof gallery, "%s/gallery.html", base);
    snprintf(known, sizeof known, "%s/img/known.jpg", base);
    snprintf(other, sizeof other, "%s/img/other.pgm", base);
    snprintf(page2, sizeof page2, "%s/page2.html", base);
    snprintf(page2_pic, sizeof page2_pic, "%s/img/page2.jpg", base);
    snprintf(lone, sizeof lone, "%s/img/lone.pgm", base);
    put_html(web, "/gallery.html",
             "<html><body><img src=\"/img/known.jpg\"><img src=\"/img/other.pgm\">"
             "<a href=\"/page2.html\">2</a> <a href=\"/page3.html\">3</a></body></html>");
    put_html(web, "/page2.html", "<html><body><img src=\"img/page2.jpg\"></body></html>");
    put_html(web, "/page3.html", "<html><body><img src=\"/img/lone.pgm\"></body></html>");
    CHECK(site_put_file(web, "/img/known.jpg", "image/jpeg", blur_little));
    CHECK(site_put_file(web, "/img/page2.jpg", "image/jpeg", blur_lot));
    put_pgm(web, "/img/other.pgm", 3);
    put_pgm(web, "/img/lone.pgm", 4);

    char extra[1400];
    snprintf(extra, sizeof extra,
             "intake.index = %s\n"
             "console.trusted_banks = hotline-net=illegal_csam/B/b2\n"
             "crawl.enabled = true\n"
             "crawl.depth = 1\n"
             "crawl.rate = 100\n"
             "crawl.period_hours = 24\n"
             "fetch.allow_private = true\n"
             "fetch.timeout_seconds = 20\n",
             index);
    ts_server t;
    int started = ts_start(&t, extra);
    CHECK(started);
    if (!started) {
        site_stop(web);
        unlink(index);
        return;
    }
    vg_hotline *h = t.srv->hotline;
    vg_jobs *jobs = NULL;
    CHECK(vg_jobs_new(h, "test", NULL, NULL, &jobs, NULL) == VG_OK);
    int64_t reported = public_report(&t, "image_video", gallery, 0);
    CHECK(reported > 0);
    const int64_t t0 = (int64_t)time(NULL), hour = 3600;
    char text[600], sql[600];

    /* the first pass: the report's URL becomes a target and is crawled */
    CHECK(run_jobs(jobs, t0));
    snprintf(sql, sizeof sql,
             "SELECT origin || '|' || report_id || '|' || pages || '|' || media || '|' || known "
             "|| '|' || found || '|' || last_error || '|' || (next_due_at - last_crawl_at) FROM "
             "crawl_targets WHERE url = '%s'",
             gallery);
    snprintf(text, sizeof text, "report|%lld|3|4|2|3||86400", (long long)reported);
    char got[600];
    CHECK_STR_EQ(ti_sql_text(&t, sql, got, sizeof got), text);
    int64_t k1 = report_of(&t, known), k2 = report_of(&t, page2_pic),
            o = report_of(&t, other);
    CHECK(k1 > 0 && k2 > 0 && o > 0);
    CHECK_INT_EQ(report_of(&t, lone), 0);
    CHECK_INT_EQ(crawler_reports(&t), 3);
    /* the page that carried known material is a target of its own */
    snprintf(sql, sizeof sql,
             "SELECT origin || '|' || report_id || '|' || (next_due_at - created_at) FROM "
             "crawl_targets WHERE url = '%s'",
             page2);
    snprintf(text, sizeof text, "page|%lld|86400", (long long)k2);
    CHECK_STR_EQ(ti_sql_text(&t, sql, got, sizeof got), text);
    CHECK_INT_EQ(ti_sql_int(&t, "SELECT count(*) FROM crawl_targets"), 2);
    /* known: decided at once by the bank; the unknown picture waits for a
     * person, labelled */
    snprintf(sql, sizeof sql,
             "SELECT state || ':' || decided_by FROM console_items WHERE report_id = %lld",
             (long long)k1);
    CHECK_STR_EQ(ti_sql_text(&t, sql, got, sizeof got), "auto:bank");
    snprintf(sql, sizeof sql, "SELECT count(*) FROM console_items WHERE report_id = %lld "
                              "AND state = 'auto'", (long long)o);
    CHECK_INT_EQ(ti_sql_int(&t, sql), 0);
    snprintf(sql, sizeof sql, "SELECT description FROM reports WHERE id = %lld", (long long)o);
    snprintf(text, sizeof text, "found by the crawler on %s", gallery);
    CHECK_STR_EQ(ti_sql_text(&t, sql, got, sizeof got), text);
    snprintf(sql, sizeof sql, "SELECT description FROM reports WHERE id = %lld", (long long)k2);
    snprintf(text, sizeof text, "found by the crawler (known material) on %s", page2);
    CHECK_STR_EQ(ti_sql_text(&t, sql, got, sizeof got), text);
    /* each with its audit entry; the lone picture left nothing behind */
    CHECK_INT_EQ(ti_sql_int(&t, "SELECT count(*) FROM audit WHERE action = 'crawl.found' AND "
                                "actor = 'crawler'"),
                 3);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM audit WHERE action = 'crawl.found' AND "
                              "target = 'report:%lld'", (long long)o);
    CHECK_INT_EQ(ti_sql_int(&t, sql), 1);
    CHECK_INT_EQ(ti_sql_int(&t, "SELECT count(*) FROM audit WHERE action = 'crawl.target'"), 1);
    CHECK_INT_EQ(ti_sql_int(&t, "SELECT count(*) FROM report_files"), 3);
    char vault[400];
    snprintf(vault, sizeof vault, "%s/data/vault", t.dir);
    CHECK_INT_EQ(ti_count_files(vault), 3);

    /* not due again before its period; then crawled, nothing new */
    CHECK(run_jobs(jobs, t0 + hour));
    CHECK_INT_EQ(ti_sql_int(&t, "SELECT count(*) FROM audit WHERE action = 'crawl.target'"), 1);
    CHECK(run_jobs(jobs, t0 + 25 * hour));
    CHECK_INT_EQ(ti_sql_int(&t, "SELECT count(*) FROM audit WHERE action = 'crawl.target'"), 3);
    CHECK_INT_EQ(crawler_reports(&t), 3);
    CHECK_INT_EQ(ti_count_files(vault), 3);

    /* stay-down: the known picture's notice verified it removed ... */
    site_remove(web, "/img/known.jpg");
    removed_args ra = {.report_id = k1, .now = t0 + 26 * hour, .url = known};
    ra.case_id = (int64_t)ti_sql_int(&t, (snprintf(sql, sizeof sql,
                                                   "SELECT case_id FROM reports WHERE id = %lld",
                                                   (long long)k1),
                                          sql));
    char sha[80];
    snprintf(sql, sizeof sql, "SELECT sha256 FROM report_files WHERE report_id = %lld",
             (long long)k1);
    ti_sql_text(&t, sql, sha, sizeof sha);
    ra.sha256 = sha;
    vg_error err;
    CHECK_MSG(vg_store_write(h->store, removed_tx, &ra, &err) == VG_OK, "%s", err.message);
    CHECK(run_jobs(jobs, t0 + 50 * hour));
    CHECK_INT_EQ(crawler_reports(&t), 3); /* gone: nothing to find */
    /* ... and it is back */
    site_restore(web, "/img/known.jpg");
    CHECK(run_jobs(jobs, t0 + 75 * hour));
    CHECK_INT_EQ(crawler_reports(&t), 4);
    int64_t again = report_of(&t, known);
    CHECK(again > k1);
    snprintf(sql, sizeof sql,
             "SELECT state || ':' || decided_by FROM console_items WHERE report_id = %lld",
             (long long)again);
    CHECK_STR_EQ(ti_sql_text(&t, sql, got, sizeof got), "auto:bank");
    CHECK_INT_EQ(ti_sql_int(&t, "SELECT reappeared_count FROM notices"), 1);
    snprintf(sql, sizeof sql, "SELECT reappeared_at - %lld FROM notices",
             (long long)(t0 + 75 * hour));
    CHECK_INT_EQ(ti_sql_int(&t, sql), 0);
    CHECK_INT_EQ(ti_sql_int(&t, "SELECT count(*) FROM notices_events WHERE kind = 'staydown'"),
                 1);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM audit WHERE action = 'notice.reappeared' "
                              "AND target = 'report:%lld'", (long long)k1);
    CHECK_INT_EQ(ti_sql_int(&t, sql), 1);
    /* the case's timeline says so (signed in now: the jobs' clock ran
     * days ahead, and housekeeping ended older sessions) */
    person alice;
    CHECK(sign_in(&t, "alice", VG_ROLE_ANALYST, &alice));
    char path[80];
    snprintf(path, sizeof path, "/console/case?id=%lld", (long long)ra.case_id);
    ts_response r;
    CHECK(get(&t, &alice, path, &r));
    const char *timeline = r.body ? strstr(r.body, "<h2>Timeline</h2>") : NULL;
    CHECK_MSG(r.status == 200 && timeline && strstr(timeline, "notice.reappeared") &&
                  strstr(timeline, "crawl.found"),
              "%s", r.body ? r.body : "");
    ts_response_free(&r);
    /* where the unknown picture's item came from, in the queue and on
     * its page */
    snprintf(text, sizeof text, "found by the crawler on <span class=\"hash\">%s</span>",
             gallery);
    CHECK(get(&t, &alice, "/console/queue", &r));
    CHECK_MSG(r.status == 200 && r.body && strstr(r.body, text), "%s", r.body ? r.body : "");
    ts_response_free(&r);
    snprintf(path, sizeof path, "/console/item?id=%lld", (long long)o);
    CHECK(get(&t, &alice, path, &r));
    CHECK_MSG(r.status == 200 && r.body && strstr(r.body, text), "%s", r.body ? r.body : "");
    ts_response_free(&r);

    vg_jobs_free(jobs);
    ts_stop(&t);
    site_stop(web);
    unlink(index);
}

int main(void)
{
    const char *shared = getenv("VIGIE_SHARED");
    if (!shared) {
        fprintf(stderr, "VIGIE_SHARED is not set (the shared test data)\n");
        return 77;
    }
    snprintf(blur_little, sizeof blur_little, "%s/testdata/pdq/images/blur-a-little.jpg",
             shared);
    snprintf(blur_lot, sizeof blur_lot, "%s/testdata/pdq/images/blur-a-lot.jpg", shared);
    RUN(test_crawl_job);
    return vg_test_exit();
}

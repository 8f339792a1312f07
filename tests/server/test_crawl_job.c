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
 * the notice "reappeared" and the case timeline says so. Then the same
 * from a person's report to the host's mailbox
 * (test_crawl_reappearance_noticed): the reappearance the crawler finds
 * gets its route and a notice the notices job sends to the test's mail
 * server, counted once, and the reporter's /status says it is back. And
 * videos (test_crawl_videos): the public vPDQ sample videos, one known by
 * the reference implementation's hashes, one by its MD5, one unknown. And
 * a report assessed not illegal (test_crawl_not_csam): its page is no
 * longer crawled, unless another report of the same page holds CSAM.
 * SQLite, and PostgreSQL as test_crawl_job_pg.
 */
#include <sys/stat.h>
#include <time.h>

#include "hotline/routing.h"
#include "jobs/jobs.h"
#include "site.h"
#include "sinks.h"
#include "store/notices.h"
#include "test_people.h"
#include "vigie/index.h"
#include "vigie/pdq.h"
#include "vigie/vpdq.h"
#include "../unit/hosting/fake_net.h"
#include "../unit/hosting/locdb.h"

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

/* ---- stay-down, from the crawler to the host's mailbox -------------------- */

static int write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return 0;
    int ok = fputs(text, f) >= 0;
    return fclose(f) == 0 && ok;
}

static uint8_t *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *data = n > 0 ? malloc((size_t)n) : NULL;
    *len = data ? fread(data, 1, (size_t)n, f) : 0;
    fclose(f);
    if (data && *len != (size_t)n) {
        free(data);
        return NULL;
    }
    return data;
}

/* A report through the public form of url with the picture at path; its
 * receipt's code and secret. */
static int report_with_receipt(ts_server *t, const char *url, const char *path, char code[32],
                               char secret[40])
{
    size_t len = 0;
    uint8_t *img = read_all(path, &len);
    ts_response r;
    const char *none[] = {NULL};
    if (!img || !ts_call(t, "GET", "/report", none, NULL, 0, &r)) {
        free(img);
        return 0;
    }
    char cookie[1200] = "", csrf[80] = "", value[128];
    if (ts_set_cookie(&r, "vigie_csrf", value, sizeof value, NULL, 0))
        snprintf(cookie, sizeof cookie, "Cookie: vigie_csrf=%s", value);
    const char *mark = r.body ? strstr(r.body, "name=\"csrf_token\" value=\"") : NULL;
    if (mark) {
        mark += strlen("name=\"csrf_token\" value=\"");
        snprintf(csrf, sizeof csrf, "%.*s", (int)strcspn(mark, "\""), mark);
    }
    ts_response_free(&r);
    ti_multipart m = {0};
    ti_mp_field(&m, "csrf_token", csrf);
    ti_mp_field(&m, "lang", "en");
    ti_mp_field(&m, "category", "image_video");
    ti_mp_field(&m, "urls", url);
    ti_mp_field(&m, "reporter_kind", "public");
    ti_mp_file(&m, "file", "picture.jpg", img, len);
    ti_mp_end(&m);
    free(img);
    const char *headers[] = {cookie, "Content-Type: multipart/form-data; boundary=" TI_BOUNDARY,
                             NULL};
    int ok = ts_call(t, "POST", "/report", headers, m.buf, m.len, &r) &&
             ti_follow_receipt(t, cookie, sizeof cookie, &r);
    free(m.buf);
    const char *c = ok && r.body ? strstr(r.body, "id=\"receipt-code\">") : NULL;
    const char *x = ok && r.body ? strstr(r.body, "id=\"receipt-secret\">") : NULL;
    if (c)
        snprintf(code, 32, "%.*s", (int)strcspn(c + 18, "<"), c + 18);
    if (x)
        snprintf(secret, 40, "%.*s", (int)strcspn(x + 20, "<"), x + 20);
    ts_response_free(&r);
    return c && x;
}

/* What /status says of the receipt: the list of what was done (its
 * <ul id="report-done">, "" when there is none) into out. */
static int status_done(ts_server *t, const char *code, const char *secret, char *out, size_t cap)
{
    out[0] = 0;
    ts_response r;
    const char *none[] = {NULL};
    if (!ts_call(t, "GET", "/status", none, NULL, 0, &r))
        return 0;
    char cookie[200] = "", csrf[80] = "", value[128];
    if (ts_set_cookie(&r, "vigie_csrf", value, sizeof value, NULL, 0))
        snprintf(cookie, sizeof cookie, "Cookie: vigie_csrf=%s", value);
    const char *mark = r.body ? strstr(r.body, "name=\"csrf_token\" value=\"") : NULL;
    if (mark) {
        mark += strlen("name=\"csrf_token\" value=\"");
        snprintf(csrf, sizeof csrf, "%.*s", (int)strcspn(mark, "\""), mark);
    }
    ts_response_free(&r);
    ti_multipart m = {0};
    ti_mp_field(&m, "csrf_token", csrf);
    ti_mp_field(&m, "code", code);
    ti_mp_field(&m, "secret", secret);
    ti_mp_end(&m);
    const char *headers[] = {cookie, "Content-Type: multipart/form-data; boundary=" TI_BOUNDARY,
                             NULL};
    int ok = ts_call(t, "POST", "/status", headers, m.buf, m.len, &r) && r.status == 200;
    free(m.buf);
    const char *list = ok && r.body ? strstr(r.body, "<ul id=\"report-done\">") : NULL;
    if (list)
        snprintf(out, cap, "%.*s", (int)(strstr(list, "</ul>") ? strstr(list, "</ul>") - list
                                                               : (long)strlen(list)),
                 list);
    ts_response_free(&r);
    return ok;
}

/* The messages the mail server took for rcpt that carry text. */
static size_t mails_to(smtp_sink *mail, const char *rcpt, const char *text)
{
    size_t n = 0;
    char line[300];
    snprintf(line, sizeof line, "RCPT TO:<%s>", rcpt);
    for (size_t i = 0; i < smtp_sink_count(mail); i++) {
        char *m = smtp_sink_message(mail, i);
        n += m && strstr(m, line) && (!text || strstr(m, text));
        free(m);
    }
    return n;
}

/* A person reported the picture's URL with the picture (known: decided by
 * the bank); an analyst approved its route (a notice to the host, hosted
 * at home); the notice went to the host's abuse address (the test's mail
 * server), the host took the picture down and the notices job verified
 * it. The same picture back at the URL: the crawl job finds it, makes a
 * new report whose route is approved at once (vigie fetched it there) and
 * whose notice the notices job sends; the first notice counts one
 * reappearance and hands its watch over (no second count, no second
 * notice from it when its own stay-down check comes); the case timeline
 * and the reporter's /status say it is back. */
static void test_crawl_reappearance_noticed(void)
{
    char dir[] = "/tmp/vigie-staydown-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char index[400], db[400], rdap_dir[400], ip_doc[500];
    snprintf(index, sizeof index, "%s/banks.vgi", dir);
    snprintf(db, sizeof db, "%s/location.db", dir);
    snprintf(rdap_dir, sizeof rdap_dir, "%s/rdap", dir);
    snprintf(ip_doc, sizeof ip_doc, "%s/ip_127.0.0.1.json", rdap_dir);
    CHECK(build_index(index));
    CHECK(locdb_write("as 64502 Exemple Hebergement\nnet 127.0.0.0/8 FR 64502\n", db) == 0);
    CHECK(mkdir(rdap_dir, 0700) == 0);
    CHECK(write_text(ip_doc,
                     "{\"rdapConformance\":[\"rdap_level_0\"],\"objectClassName\":\"ip network\","
                     "\"handle\":\"LOOP\",\"startAddress\":\"127.0.0.0\",\"endAddress\":"
                     "\"127.255.255.255\",\"ipVersion\":\"v4\",\"name\":\"LOOP\",\"country\":"
                     "\"FR\",\"entities\":[{\"objectClassName\":\"entity\",\"handle\":\"A\","
                     "\"roles\":[\"abuse\"],\"vcardArray\":[\"vcard\",[[\"version\",{},\"text\","
                     "\"4.0\"],[\"fn\",{},\"text\",\"Abuse\"],[\"email\",{},\"text\","
                     "\"abuse@host.test\"]]]}]}"));
    uint16_t web_port = 0, smtp_port = 0, rdap_port = 0, dns_port = 0;
    site *web = site_start(&web_port);
    smtp_sink *mail = smtp_sink_start(&smtp_port);
    fake_rdap *rdap = fake_rdap_start(rdap_dir, &rdap_port);
    fake_dns *dns = fake_dns_start("", &dns_port);
    CHECK(web && mail && rdap && dns);
    if (!web || !mail || !rdap || !dns)
        return;
    char pic[128];
    snprintf(pic, sizeof pic, "http://127.0.0.1:%u/pic.jpg", web_port);
    CHECK(site_put_file(web, "/pic.jpg", "image/jpeg", blur_little));

    char extra[3000];
    snprintf(extra, sizeof extra,
             "intake.index = %s\n"
             "console.trusted_banks = hotline-net=illegal_csam/B/b2\n"
             "status.reveal_hours = 0\n"
             "crawl.enabled = true\ncrawl.depth = 1\ncrawl.rate = 100\ncrawl.period_hours = 1\n"
             "fetch.allow_private = true\nfetch.timeout_seconds = 20\n"
             "hosting.location_db = %s\nhosting.rdap_url = http://127.0.0.1:%u\n"
             "hosting.dns_servers = 127.0.0.1:%u\nhosting.deadline_ms = 5000\n"
             "hosting.test_allow_local = true\nrouting.test_allow_local = true\n"
             "routing.country = fr\nrouting.name = Hotline Test\nrouting.auto_known = true\n"
             "routing.police.name = Unit\nrouting.police.email = police@police.test\n"
             "alerts.test_allow_local = true\nalerts.console_url = http://vigie.test/\n"
             "alerts.email.server = smtp://127.0.0.1:%u\n"
             "alerts.email.from = vigie@hotline.test\nalerts.email.to = duty@hotline.test\n"
             "notices.enabled = true\nnotices.email.from = notices@hotline.test\n"
             "notices.hotline_name = Hotline Test\nnotices.reference_prefix = HT\n"
             "notices.legal_basis = Article 227-23 of the Penal Code\n"
             "notices.public_url = https://hotline.test/\n"
             "notices.renotice_hours = 24\nnotices.check_minutes = 60\n"
             "notices.staydown_hours = 48\n",
             index, db, rdap_port, dns_port, smtp_port);
    ts_server t;
    int started = ts_start(&t, extra);
    CHECK(started);
    if (!started) {
        site_stop(web);
        smtp_sink_stop(mail);
        fake_rdap_stop(rdap);
        fake_dns_stop(dns);
        return;
    }
    vg_hotline *h = t.srv->hotline;
    vg_jobs *jobs = NULL;
    CHECK(vg_jobs_new(h, "test", NULL, NULL, &jobs, NULL) == VG_OK);
    char code[32] = "", secret[40] = "", done[2000], sql[600], got[600];
    CHECK(report_with_receipt(&t, pic, blur_little, code, secret));
    int64_t first = (int64_t)ti_sql_int(&t, "SELECT max(id) FROM reports");
    const int64_t t0 = (int64_t)time(NULL), hour = 3600;

    /* routed (hosted at home), waiting for a person: an uploaded file does
     * not prove what the URL serves */
    CHECK(run_jobs(jobs, t0));
    snprintf(sql, sizeof sql,
             "SELECT state || '|' || actions || '|' || id FROM url_routes WHERE report_id = %lld",
             (long long)first);
    CHECK(ti_sql_text(&t, sql, got, sizeof got) != NULL);
    CHECK_MSG(!strncmp(got, "proposed|notice_host,refer_police|", 34), "%s", got);
    int64_t route_id = strtoll(strrchr(got, '|') ? strrchr(got, '|') + 1 : "0", NULL, 10);
    vg_route_verdict verdict = VG_ROUTE_REFUSED;
    char why[200] = "";
    vg_error err;
    CHECK_MSG(vg_hotline_route_decide(h, route_id, "alice", "notice_host,refer_police", t0,
                                      &verdict, NULL, why, sizeof why, &err) == VG_OK,
              "%s", err.message);
    CHECK_INT_EQ(verdict, VG_ROUTE_APPROVE);
    /* the notice: vigie fetched the picture there, the host is told */
    CHECK(run_jobs(jobs, t0 + hour));
    char first_ref[40];
    snprintf(first_ref, sizeof first_ref, "HT-%lld", (long long)first);
    CHECK_INT_EQ(mails_to(mail, "abuse@host.test", first_ref), 1);
    CHECK(status_done(&t, code, secret, done, sizeof done));
    CHECK_MSG(strstr(done, "id=\"done-notice\"") && !strstr(done, "id=\"done-removed\""), "%s",
              done);
    /* taken down, verified by a fetch */
    site_remove(web, "/pic.jpg");
    CHECK(run_jobs(jobs, t0 + 2 * hour));
    snprintf(sql, sizeof sql, "SELECT state FROM notices WHERE report_id = %lld",
             (long long)first);
    CHECK_STR_EQ(ti_sql_text(&t, sql, got, sizeof got), "removed");
    CHECK(status_done(&t, code, secret, done, sizeof done));
    CHECK_MSG(strstr(done, "id=\"done-removed\"") && !strstr(done, "id=\"done-reappeared\""),
              "%s", done);

    /* back: the crawl job finds it (before the notice's own stay-down
     * check, 48 h after the removal) */
    site_restore(web, "/pic.jpg");
    CHECK(run_jobs(jobs, t0 + 3 * hour));
    int64_t again = report_of(&t, pic);
    CHECK(again > first);
    snprintf(sql, sizeof sql,
             "SELECT reappeared_count || '|' || next_check_at FROM notices WHERE report_id = %lld",
             (long long)first);
    CHECK_STR_EQ(ti_sql_text(&t, sql, got, sizeof got), "1|0");
    /* its route approved at once, its notice sent */
    CHECK(run_jobs(jobs, t0 + 4 * hour));
    snprintf(sql, sizeof sql,
             "SELECT state || '|' || actions || '|' || decided_by FROM url_routes WHERE "
             "report_id = %lld",
             (long long)again);
    CHECK_STR_EQ(ti_sql_text(&t, sql, got, sizeof got),
                 "automatic|notice_host,refer_police|orientation");
    snprintf(sql, sizeof sql, "SELECT state || '|' || sent_count FROM notices WHERE report_id = %lld",
             (long long)again);
    CHECK_STR_EQ(ti_sql_text(&t, sql, got, sizeof got), "sent|1");
    char again_ref[40];
    snprintf(again_ref, sizeof again_ref, "HT-%lld", (long long)again);
    CHECK_INT_EQ(mails_to(mail, "abuse@host.test", again_ref), 1);
    CHECK_MSG(mails_to(mail, "abuse@host.test", pic) == 2, "%zu", smtp_sink_count(mail));

    /* the first notice's own stay-down check would have come now: it
     * handed its watch over, so no second count and no second notice */
    CHECK(run_jobs(jobs, t0 + 51 * hour));
    snprintf(sql, sizeof sql,
             "SELECT state || '|' || reappeared_count FROM notices WHERE report_id = %lld",
             (long long)first);
    CHECK_STR_EQ(ti_sql_text(&t, sql, got, sizeof got), "removed|1");
    CHECK_INT_EQ(mails_to(mail, "abuse@host.test", first_ref), 1);
    CHECK_INT_EQ(ti_sql_int(&t, "SELECT count(*) FROM notices_events WHERE kind = 'staydown'"),
                 1);

    /* the reporter reads that it is back and acted on again */
    CHECK(status_done(&t, code, secret, done, sizeof done));
    CHECK_MSG(strstr(done, "id=\"done-notice\"") && strstr(done, "id=\"done-reappeared\"") &&
                  !strstr(done, "id=\"done-removed\"") &&
                  strstr(done, "came back online after it was removed"),
              "%s", done);
    /* and the case's timeline */
    person alice;
    CHECK(sign_in(&t, "alice", VG_ROLE_ANALYST, &alice));
    snprintf(sql, sizeof sql, "SELECT case_id FROM reports WHERE id = %lld", (long long)first);
    char path[80];
    snprintf(path, sizeof path, "/console/case?id=%lld", (long long)ti_sql_int(&t, sql));
    ts_response r;
    CHECK(get(&t, &alice, path, &r));
    const char *timeline = r.body ? strstr(r.body, "<h2>Timeline</h2>") : NULL;
    CHECK_MSG(r.status == 200 && timeline && strstr(timeline, "notice.reappeared") &&
                  strstr(timeline, "crawl.found"),
              "%s", r.body ? r.body : "");
    ts_response_free(&r);

    vg_jobs_free(jobs);
    ts_stop(&t);
    site_stop(web);
    smtp_sink_stop(mail);
    fake_rdap_stop(rdap);
    fake_dns_stop(dns);
    ts_remove_dir(dir);
}

/* ---- videos ------------------------------------------------------------------- */

/* md5sum of ../shared/testdata/vpdq/videos/pattern-sd-grey-bar.mp4 (a bank
 * that knows a video by its MD5, as video_md5 rows are) */
#define PATTERN_MD5 "a41771fba244b67f491b18a17251d78a"

/* A bank of two videos: the reference vPDQ hash file of the door knob
 * (../shared/testdata/vpdq/hashes), and the pattern's MD5. */
static int build_video_index(const char *path, const char *shared)
{
    char hashes[600];
    snprintf(hashes, sizeof hashes, "%s/testdata/vpdq/hashes/doorknob-hd-no-bar.txt", shared);
    vg_vpdq frames = VG_VPDQ_INIT;
    vg_index_builder *b = NULL;
    uint32_t bank = 0;
    vg_bank_entry video = {.type = VG_SIGNAL_VPDQ, .video = &frames, .id = "doorknob", .id_len = 8,
                           .metadata = ""};
    vg_bank_entry md5 = {.type = VG_SIGNAL_MD5, .id = "pattern", .id_len = 7, .metadata = ""};
    int ok = vg_vpdq_load_file(hashes, 1 << 20, &frames, NULL) == VG_OK && frames.count == 120;
    const char *hex = PATTERN_MD5;
    for (int i = 0; ok && i < 16; i++) {
        unsigned byte = 0;
        ok = sscanf(&hex[2 * i], "%2x", &byte) == 1;
        md5.value[i] = (uint8_t)byte;
    }
    ok = ok && vg_index_builder_new(&b, NULL) == VG_OK &&
         vg_index_builder_add_bank(b, "hotline-net", NULL, 0, &bank, NULL) == VG_OK &&
         vg_index_builder_add(b, bank, &video, NULL) == VG_OK &&
         vg_index_builder_add(b, bank, &md5, NULL) == VG_OK &&
         vg_index_builder_write(b, path, NULL) == VG_OK;
    vg_index_builder_free(b);
    vg_vpdq_free(&frames);
    return ok;
}

/* Videos a crawled page links go through the fetcher into the vault and
 * are hashed as uploads are: the door knob found by its vPDQ against the
 * reference implementation's hashes; the pattern
 * by its MD5; both reports of known material decided by the bank; the
 * padded video beside them (no reference) an open item found by the
 * crawler; a video alone on another page leaves nothing. */
static void test_crawl_videos(void)
{
    const char *shared = getenv("VIGIE_SHARED");
    char index[400], path[600];
    snprintf(index, sizeof index, "%s/crawl-videos-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    int fd = mkstemp(index);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    close(fd);
    CHECK(build_video_index(index, shared));
    uint16_t port = 0;
    site *web = site_start(&port);
    CHECK(web != NULL);
    if (!web)
        return;
    static const char *const files[][2] = {{"/v/doorknob.mp4", "doorknob-hd-no-bar.mp4"},
                                           {"/v/pattern.mp4", "pattern-sd-grey-bar.mp4"},
                                           {"/v/padded.mp4", "test-padded-dimensions.mp4"},
                                           {"/v/alone.mp4", "test-padded-dimensions.mp4"}};
    for (size_t i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s/testdata/vpdq/videos/%s", shared, files[i][1]);
        CHECK(site_put_file(web, files[i][0], "video/mp4", path));
    }
    put_html(web, "/videos.html",
             "<html><body><video src=\"/v/doorknob.mp4\"></video>"
             "<video><source src=\"/v/pattern.mp4\" type=\"video/mp4\"></video>"
             "<video src=\"v/padded.mp4\"></video><a href=\"/other.html\">more</a></body></html>");
    put_html(web, "/other.html", "<html><body><video src=\"/v/alone.mp4\"></video></body></html>");
    char base[64], page[128], doorknob[128], pattern[128], padded[128], alone[128];
    snprintf(base, sizeof base, "http://127.0.0.1:%u", port);
    snprintf(page, sizeof page, "%s/videos.html", base);
    snprintf(doorknob, sizeof doorknob, "%s/v/doorknob.mp4", base);
    snprintf(pattern, sizeof pattern, "%s/v/pattern.mp4", base);
    snprintf(padded, sizeof padded, "%s/v/padded.mp4", base);
    snprintf(alone, sizeof alone, "%s/v/alone.mp4", base);

    char extra[1400];
    snprintf(extra, sizeof extra,
             "intake.index = %s\n"
             "console.trusted_banks = hotline-net=illegal_csam/B/b2\n"
             "crawl.enabled = true\ncrawl.depth = 1\ncrawl.rate = 100\n"
             "fetch.allow_private = true\nfetch.timeout_seconds = 60\n",
             index);
    ts_server t;
    int started = ts_start(&t, extra);
    CHECK(started);
    if (!started) {
        site_stop(web);
        unlink(index);
        return;
    }
    vg_jobs *jobs = NULL;
    CHECK(vg_jobs_new(t.srv->hotline, "test", NULL, NULL, &jobs, NULL) == VG_OK);
    CHECK(public_report(&t, "image_video", page, 0) > 0);
    CHECK(run_jobs(jobs, (int64_t)time(NULL)));

    int64_t d = report_of(&t, doorknob), p = report_of(&t, pattern), o = report_of(&t, padded);
    CHECK(d > 0 && p > 0 && o > 0);
    CHECK_INT_EQ(report_of(&t, alone), 0);
    CHECK_INT_EQ(crawler_reports(&t), 3);
    char sql[600], got[600];
    const struct {
        int64_t id;
        const char *want;
    } rows[] = {
        {d, "video/mp4|1|hotline-net|doorknob|vpdq|auto:bank"},
        {p, "video/mp4|1|hotline-net|pattern|digest|auto:bank"},
        {o, "video/mp4|0|||"},
    };
    for (size_t i = 0; i < 3; i++) {
        snprintf(sql, sizeof sql,
                 "SELECT f.content_type || '|' || f.known || '|' || coalesce(f.bank, '') || '|' "
                 "|| coalesce(f.bank_entry, '') || '|' || coalesce(f.match_signal, '') || "
                 "(CASE WHEN i.state = 'auto' THEN '|auto:' || i.decided_by ELSE '' END) FROM "
                 "report_files f LEFT JOIN console_items i ON i.report_id = f.report_id WHERE "
                 "f.report_id = %lld",
                 (long long)rows[i].id);
        CHECK_STR_EQ(ti_sql_text(&t, sql, got, sizeof got), rows[i].want);
    }
    /* the unknown video waits for a person: hashed, matched nothing */
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM console_items WHERE report_id = %lld AND state = 'auto'",
             (long long)o);
    CHECK_INT_EQ(ti_sql_int(&t, sql), 0);
    snprintf(sql, sizeof sql, "SELECT video_match FROM report_files WHERE report_id = %lld",
             (long long)o);
    CHECK_MSG(ti_sql_text(&t, sql, got, sizeof got) && strstr(got, "\"sampled\":") &&
                  !strstr(got, "query_percent"),
              "%s", got);
    /* the vPDQ match says how much of each video the other covers */
    snprintf(sql, sizeof sql, "SELECT video_match FROM report_files WHERE report_id = %lld",
             (long long)d);
    CHECK_MSG(ti_sql_text(&t, sql, got, sizeof got) && strstr(got, "\"query_percent\"") &&
                  strstr(got, "\"segments\""),
              "%s", got);
    snprintf(sql, sizeof sql, "SELECT description FROM reports WHERE id = %lld", (long long)o);
    char text[300];
    snprintf(text, sizeof text, "found by the crawler on %s", page);
    CHECK_STR_EQ(ti_sql_text(&t, sql, got, sizeof got), text);
    char vault[400];
    snprintf(vault, sizeof vault, "%s/data/vault", t.dir);
    CHECK_INT_EQ(ti_count_files(vault), 3);

    vg_jobs_free(jobs);
    ts_stop(&t);
    site_stop(web);
    unlink(index);
}

/* ---- reports assessed as no CSAM ---------------------------------------------- */

/* Two reported pages are crawled; one report is then assessed not illegal
 * by two analysts (four eyes): its page is no longer fetched, its turn is
 * audited as skipped, while the other report's page still is. */
/* One analyst's claim of report at version, then its assessment as not
 * illegal (the item's version goes up by two). */
static void judge_not_illegal(ts_server *t, const person *who, int64_t report,
                              long long version)
{
    char f[300];
    snprintf(f, sizeof f, "report=%lld&version=%lld", (long long)report, version);
    CHECK_INT_EQ(post_simple(t, who, "/console/claim", f), 303);
    snprintf(f, sizeof f, "report=%lld&version=%lld&legal=not_illegal&country=FR",
             (long long)report, version + 1);
    CHECK_INT_EQ(post_simple(t, who, "/console/assess", f), 303);
}

static void test_crawl_not_csam(void)
{
    uint16_t port = 0;
    site *web = site_start(&port);
    CHECK(web != NULL);
    if (!web)
        return;
    put_html(web, "/page.html", "<html><body><img src=\"/img/a.pgm\"></body></html>");
    put_html(web, "/other.html", "<html><body><img src=\"/img/b.pgm\"></body></html>");
    put_pgm(web, "/img/a.pgm", 5);
    put_pgm(web, "/img/b.pgm", 6);
    put_html(web, "/twice.html", "<html><body><img src=\"/img/c.pgm\"></body></html>");
    put_pgm(web, "/img/c.pgm", 7);
    char page[128], other[128], twice[128];
    snprintf(page, sizeof page, "http://127.0.0.1:%u/page.html", port);
    snprintf(other, sizeof other, "http://127.0.0.1:%u/other.html", port);
    snprintf(twice, sizeof twice, "http://127.0.0.1:%u/twice.html", port);
    ts_server t;
    int started = ts_start(&t, "crawl.enabled = true\ncrawl.depth = 1\ncrawl.rate = 100\n"
                               "fetch.allow_private = true\nfetch.timeout_seconds = 20\n");
    CHECK(started);
    if (!started) {
        site_stop(web);
        return;
    }
    vg_jobs *jobs = NULL;
    CHECK(vg_jobs_new(t.srv->hotline, "test", NULL, NULL, &jobs, NULL) == VG_OK);
    int64_t judged = public_report(&t, "image_video", page, 0);
    CHECK(judged > 0 && public_report(&t, "image_video", other, 0) > 0);
    /* twice.html comes in two reports; its target is made from the first,
     * which will be judged not illegal while the second stays open */
    int64_t twice_judged = public_report(&t, "image_video", twice, 0);
    CHECK(twice_judged > 0 && public_report(&t, "image_video", twice, 0) > twice_judged);
    const int64_t t0 = (int64_t)time(NULL), hour = 3600;
    CHECK(run_jobs(jobs, t0));
    CHECK_INT_EQ(site_hits(web, "/page.html"), 1);
    CHECK_INT_EQ(site_hits(web, "/other.html"), 1);

    /* alice then bob: not illegal */
    person alice, bob;
    CHECK(sign_in(&t, "alice", VG_ROLE_ANALYST, &alice));
    char got[300], sql[300];
    judge_not_illegal(&t, &alice, judged, 0);
    /* one assessment is not a decision: still crawled */
    CHECK(run_jobs(jobs, t0 + 25 * hour));
    CHECK_INT_EQ(site_hits(web, "/page.html"), 2);
    /* (signed in now: the jobs' clock ran a day ahead, and housekeeping
     * ended older sessions) */
    CHECK(sign_in(&t, "bob", VG_ROLE_ANALYST, &bob));
    judge_not_illegal(&t, &bob, judged, 2);
    CHECK_STR_EQ(state_of(&t, judged, got, sizeof got), "confirmed");
    person carol; /* (alice's session ended with the day the jobs ran ahead) */
    CHECK(sign_in(&t, "carol", VG_ROLE_ANALYST, &carol));
    judge_not_illegal(&t, &carol, twice_judged, 0);
    judge_not_illegal(&t, &bob, twice_judged, 2);
    CHECK_STR_EQ(state_of(&t, twice_judged, got, sizeof got), "confirmed");
    /* the second report inherited the verdict (same URL); it is then
     * judged CSAM on its own account (a file it carried matching a trusted
     * bank, say: planted here), so twice.html stays watched */
    CHECK_STR_EQ(state_of(&t, twice_judged + 1, got, sizeof got), "auto");
    snprintf(sql, sizeof sql,
             "UPDATE console_items SET legal = 'illegal_csam' WHERE report_id = %lld",
             (long long)(twice_judged + 1));
    ti_sql_exec(&t, sql);
    CHECK_STR_EQ(state_of(&t, twice_judged, got, sizeof got), "confirmed");

    CHECK(run_jobs(jobs, t0 + 50 * hour));
    CHECK_INT_EQ(site_hits(web, "/page.html"), 2); /* not fetched again */
    CHECK_INT_EQ(site_hits(web, "/img/a.pgm"), 2);
    CHECK_INT_EQ(site_hits(web, "/other.html"), 3); /* the other still is */
    /* and so is twice.html: its second report was judged CSAM */
    CHECK_INT_EQ(site_hits(web, "/twice.html"), 3);
    snprintf(sql, sizeof sql,
             "SELECT last_error || '|' || (next_due_at - %lld) FROM crawl_targets WHERE "
             "url = '%s'",
             (long long)(t0 + 50 * hour), page);
    CHECK_STR_EQ(ti_sql_text(&t, sql, got, sizeof got),
                 "not crawled: every report of this address was assessed as no CSAM|86400");
    CHECK_INT_EQ(ti_sql_int(&t, "SELECT count(*) FROM audit WHERE action = 'crawl.skipped'"),
                 1);
    CHECK_INT_EQ(crawler_reports(&t), 0);

    vg_jobs_free(jobs);
    ts_stop(&t);
    site_stop(web);
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
    RUN(test_crawl_reappearance_noticed);
    RUN(test_crawl_videos);
    RUN(test_crawl_not_csam);
    return vg_test_exit();
}

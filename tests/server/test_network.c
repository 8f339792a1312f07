/*
 * The hotline network (issue 14): two hotlines on loopback, France and
 * Germany, each the other's partner. A report to the French hotline of
 * known material (the file itself, matched in a trusted bank) at a URL the
 * location database places in Germany is assessed automatically, routed,
 * approved at once (routing.auto_known) and forwarded; it shows in the
 * German hotline's queue with its origin, and the French hotline's
 * GET /api/v1/reports/{id} says "forwarded" with the German reference. The
 * German analysts confirm it, approve its route (a referral to their
 * police) and record the removal; the French hotline learns both when it
 * asks. On the way: the partner down (the forward waits and goes later,
 * nothing lost), answers that are not what they should be, and a police
 * referral package with evidence sealed to the unit's key, checked, and
 * sent by e-mail to a mail server of the test.
 *
 * The jobs are run by the test at chosen times (vg_jobs_run_due), so
 * nothing races a clock. DNS, location and RDAP are servers and files of
 * the test (tests/unit/hosting), on loopback.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sodium.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "hotline/notices.h"
#include "hotline/partner_answer.h"
#include "hotline/referral.h"
#include "hotline/routing.h"
#include "mail_header.h"
#include "jobs/jobs.h"
#include "test_people.h"
#include "vigie/index.h"
#include "vigie/referral.h"
#include "../unit/hosting/fake_net.h"
#include "../unit/hosting/locdb.h"
#include "sinks.h"

#define TEST_TRUST "hotline-net=illegal_csam/B/b2"

/* Two distinct free loopback ports: both sockets stay bound until both
 * are known (two ports picked one after the other may be the same one). */
/* Two free loopback ports, each held by a socket bound to it and not
 * listening (holds[2]): a connection to it is refused, as to a hotline
 * that is down, and no other process (a test running beside this one) can
 * take it as its own ephemeral port meanwhile. Close a hold just before its
 * server listens (listen_on). */
static int free_ports(uint16_t *a_port, uint16_t *b_port, int holds[2])
{
    int *fds = holds;
    fds[0] = fds[1] = -1;
    uint16_t ports[2] = {0, 0};
    for (int i = 0; i < 2; i++) {
        fds[i] = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        socklen_t len = sizeof a;
        if (fds[i] >= 0 && bind(fds[i], (struct sockaddr *)&a, sizeof a) == 0 &&
            getsockname(fds[i], (struct sockaddr *)&a, &len) == 0)
            ports[i] = ntohs(a.sin_port);
    }
    *a_port = ports[0];
    *b_port = ports[1];
    return ports[0] && ports[1] && ports[0] != ports[1];
}

static int write_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return 0;
    fputs(text, f);
    fclose(f);
    return chmod(path, mode) == 0;
}

/* A key a hotline gives its partner, made in its store before it starts. */
static int key_in(const ts_server *t, const char *org, char key[80])
{
    char text[1200];
    snprintf(text, sizeof text, "data_dir = %s/data\n%s%s%s", t->dir, t->db[0] ? "database = " : "",
             t->db, t->db[0] ? "\n" : "");
    vg_config *cfg = NULL;
    vg_hotline *h = NULL;
    int64_t id = 0;
    int ok = vg_config_new(&cfg, NULL) == VG_OK &&
             vg_config_parse(cfg, text, strlen(text), "test", NULL) == VG_OK &&
             vg_hotline_open(cfg, NULL, &h, NULL) == VG_OK &&
             vg_hotline_api_key_create(h, org, 0, 90, VG_SCOPE_REPORT, "test", time(NULL), &id,
                                       key, NULL) == VG_OK;
    vg_hotline_free(h);
    vg_config_free(cfg);
    return ok;
}

/* Open a hotline server in t->dir (made by the caller) on port. */
static int open_on(ts_server *t, uint16_t port, const char *extra)
{
    char text[4096];
    snprintf(text, sizeof text, "data_dir = %s/data\nlisten = 127.0.0.1:%u\n%s%s%s%s", t->dir,
             port, t->db[0] ? "database = " : "", t->db, t->db[0] ? "\n" : "", extra);
    vg_config *cfg = NULL;
    vg_error err;
    vg_error_clear(&err);
    int ok = vg_config_new(&cfg, &err) == VG_OK &&
             vg_config_parse(cfg, text, strlen(text), "test", &err) == VG_OK &&
             vg_server_open(cfg, &t->srv, &err) == VG_OK;
    if (!ok)
        fprintf(stderr, "open: %s\n", err.message);
    return ok;
}

typedef struct network {
    char base[200];
    ts_server fr, de;
    uint16_t fr_port, de_port, dns_port, rdap_port;
    int holds[2]; /* sockets keeping fr_port and de_port free until they listen */
    fake_dns *dns;
    fake_rdap *rdap;
    char company_key[80]; /* a company reporting to the French hotline */
    unsigned char police_pk[crypto_box_PUBLICKEYBYTES], police_sk[crypto_box_SECRETKEYBYTES];
    vg_jobs *fr_jobs, *de_jobs;
    char fr_at_de[80], de_at_fr[80]; /* the keys each gave the other */
    char last_log[512];
    int errors;
} network;

static void job_log(void *ctx, const char *level, const char *job, const char *text)
{
    network *n = ctx;
    /* The transparency job signs the log's first checkpoint in whichever
     * pass comes first; these tests read what routing's jobs said last. */
    if (!strcmp(job, "transparency") && strcmp(level, "error"))
        return;
    snprintf(n->last_log, sizeof n->last_log, "%s %s: %s", level, job, text);
    if (!strcmp(level, "error"))
        n->errors++;
}

/* Both hotlines' settings; the German one is opened but not listening
 * yet (the partner is down). With fake_port, France's German partner is
 * that server instead (a partner answering what the test wants). With
 * callbacks, each partners.csv names the organisation of the key it gave
 * the other (key_org), France has a Dutch partner too, and France asks
 * its partners what they did only after routing.poll_seconds' longest
 * (30 days): what it learns comes by callback. */
/* t starts listening on its port, which hold kept until now. */
static int listen_on(ts_server *t, int *hold)
{
    if (*hold >= 0)
        close(*hold);
    *hold = -1;
    return ts_listen(t);
}

static int network_open_as(network *n, uint16_t fake_port, const char *fr_extra, int callbacks)
{
    memset(n, 0, sizeof *n);
    n->holds[0] = n->holds[1] = -1;
    const char *tmp = getenv("TMPDIR");
    snprintf(n->base, sizeof n->base, "%s/vigie-network-XXXXXX", tmp ? tmp : "/tmp");
    if (!mkdtemp(n->base))
        return 0;
    snprintf(n->fr.dir, sizeof n->fr.dir, "%s/fr", n->base);
    snprintf(n->de.dir, sizeof n->de.dir, "%s/de", n->base);
    mkdir(n->fr.dir, 0700);
    mkdir(n->de.dir, 0700);
    /* on PostgreSQL (test_network_pg), a database each */
    if (ts_on_postgres()) {
        pgt_require("network test");
        if (!pgt_create(n->fr.db, sizeof n->fr.db) || !pgt_create(n->de.db, sizeof n->de.db))
            return 0;
    }
    char path[400], db[400], index[400];
    snprintf(db, sizeof db, "%s/location.db", n->base);
    if (locdb_write("as 64500 Example Hosting GmbH\nnet 192.0.2.0/24 DE 64500\n"
                    "as 64502 Exemple Hebergement\nnet 203.0.113.0/24 FR 64502\n",
                    db) != 0)
        return 0;
    n->dns = fake_dns_start("files.example.de 192.0.2.7\nwww.fr.example.test 203.0.113.5\n",
                            &n->dns_port);
    n->rdap = fake_rdap_start(VG_RDAP_DOCUMENTS, &n->rdap_port);
    if (!n->dns || !n->rdap)
        return 0;
    /* the bank both know: the picture of seed 21 */
    size_t len = 0;
    uint8_t *img = ti_image(21, &len);
    vg_digests dg;
    int ok = vg_digest_buffer(img, len, &dg, NULL) == VG_OK;
    free(img);
    snprintf(index, sizeof index, "%s/banks.vgi", n->base);
    vg_index_builder *builder = NULL;
    uint32_t bank = 0;
    vg_bank_entry e = {.type = VG_SIGNAL_SHA256, .id = "c-1", .id_len = 3, .metadata = ""};
    memcpy(e.value, dg.sha256, 32);
    ok = ok && vg_index_builder_new(&builder, NULL) == VG_OK &&
         vg_index_builder_add_bank(builder, "hotline-net", NULL, 0, &bank, NULL) == VG_OK &&
         vg_index_builder_add(builder, bank, &e, NULL) == VG_OK &&
         vg_index_builder_write(builder, index, NULL) == VG_OK;
    vg_index_builder_free(builder);
    if (!ok)
        return 0;
    /* each hotline's key for the other, and the partner lists */
    char *fr_at_de = n->fr_at_de, *de_at_fr = n->de_at_fr, csv[600];
    if (!free_ports(&n->fr_port, &n->de_port, n->holds) || !key_in(&n->de, "Point de Contact (FR)", fr_at_de) ||
        !key_in(&n->fr, "Example DE hotline", de_at_fr))
        return 0;
    snprintf(csv, sizeof csv, "country,name,url,key\nDE,Example DE hotline,http://127.0.0.1:%u,%s%s\n%s",
             fake_port ? fake_port : n->de_port, fr_at_de, callbacks ? ",Example DE hotline" : "",
             callbacks ? "NL,Example NL hotline,http://127.0.0.1:9,k-nl,Example NL hotline\n" : "");
    snprintf(path, sizeof path, "%s/partners.csv", n->fr.dir);
    if (!write_file(path, csv, 0600))
        return 0;
    snprintf(csv, sizeof csv,
             "country,name,url,key\nfr,\"Point de Contact, France\",http://127.0.0.1:%u/,%s%s\n",
             n->fr_port, de_at_fr, callbacks ? ",Point de Contact (FR)" : "");
    snprintf(path, sizeof path, "%s/partners.csv", n->de.dir);
    if (!write_file(path, csv, 0600))
        return 0;
    crypto_box_keypair(n->police_pk, n->police_sk);
    char police_hex[65];
    sodium_bin2hex(police_hex, sizeof police_hex, n->police_pk, sizeof n->police_pk);
    char common[1400], extra[3000];
    snprintf(common, sizeof common,
             "hosting.location_db = %s\nhosting.rdap_url = http://127.0.0.1:%u\n"
             "hosting.dns_servers = 127.0.0.1:%u\nhosting.deadline_ms = 2000\n"
             "hosting.test_allow_local = true\nrouting.test_allow_local = true\n"
             "routing.poll_seconds = %d\nintake.index = %s\n"
             "console.trusted_banks = " TEST_TRUST "\n",
             db, n->rdap_port, n->dns_port, callbacks ? 30 * 86400 : 600, index);
    snprintf(extra, sizeof extra,
             "%srouting.country = fr\nrouting.name = Point de Contact (FR)\n"
             "routing.partners = %s/partners.csv\nrouting.auto_known = true\n"
             "routing.police.name = Office mineurs (test)\n"
             "routing.police.public_key = %s\n%s",
             common, n->fr.dir, police_hex, fr_extra ? fr_extra : "");
    if (!open_on(&n->fr, n->fr_port, extra) || !listen_on(&n->fr, &n->holds[0]))
        return 0;
    snprintf(extra, sizeof extra,
             "%srouting.country = de\nrouting.name = Example DE hotline\n"
             "routing.partners = %s/partners.csv\nrouting.police.name = Example DE police\n",
             common, n->de.dir);
    if (!open_on(&n->de, n->de_port, extra))
        return 0;
    if (ts_api_key(&n->fr, "Example Platform", 0, n->company_key) <= 0)
        return 0;
    return vg_jobs_new(n->fr.srv->hotline, "fr", job_log, n, &n->fr_jobs, NULL) == VG_OK &&
           vg_jobs_new(n->de.srv->hotline, "de", job_log, n, &n->de_jobs, NULL) == VG_OK;
}

static int network_open(network *n, uint16_t fake_port, const char *fr_extra)
{
    return network_open_as(n, fake_port, fr_extra, 0);
}

static void network_close(network *n)
{
    vg_jobs_free(n->fr_jobs);
    vg_jobs_free(n->de_jobs);
    ts_stop(&n->fr);
    ts_stop(&n->de);
    for (int i = 0; i < 2; i++)
        if (n->holds[i] >= 0)
            close(n->holds[i]);
    if (n->dns)
        fake_dns_stop(n->dns);
    if (n->rdap)
        fake_rdap_stop(n->rdap);
    ts_remove_dir(n->base);
}

/* The company sends the French hotline picture seed at url (API, with the
 * file); the report's public id goes to id[80]. */
static int send_report(network *n, const char *url, int seed, char id[80])
{
    size_t len = 0;
    uint8_t *img = ti_image(seed, &len);
    char report[300], auth[120];
    snprintf(report, sizeof report, "{\"category\":\"image_video\",\"urls\":[\"%s\"]}", url);
    ti_multipart m = {0};
    ti_mp_field(&m, "report", report);
    ti_mp_file(&m, "file", "seen.pgm", img, len);
    ti_mp_end(&m);
    free(img);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", n->company_key);
    const char *headers[] = {auth, "Content-Type: multipart/form-data; boundary=" TI_BOUNDARY,
                             NULL};
    ts_response r;
    int ok = ts_call(&n->fr, "POST", "/api/v1/reports", headers, m.buf, m.len, &r) &&
             r.status == 201;
    free(m.buf);
    const char *at = ok ? strstr(r.body, "\"id\":\"") : NULL;
    if (at)
        snprintf(id, 80, "%.*s", (int)strcspn(at + 6, "\""), at + 6);
    ts_response_free(&r);
    return at != NULL;
}

/* GET /api/v1/reports/{id} on the French hotline with key. */
static long fate(network *n, const char *key, const char *id, ts_response *r)
{
    char path[200], auth[120];
    snprintf(path, sizeof path, "/api/v1/reports/%s", id);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", key);
    const char *headers[] = {auth, NULL};
    return ts_call(&n->fr, "GET", path, headers, NULL, 0, r) ? r->status : -1;
}

static void test_forward_and_back(void)
{
    network n;
    int ready = network_open(&n, 0, NULL);
    CHECK(ready);
    if (!ready) {
        network_close(&n);
        return;
    }
    int64_t now = (int64_t)time(NULL);
    char fr_id[80] = "";
    CHECK(send_report(&n, "http://files.example.de/gallery/7.jpg", 21, fr_id));
    char sql[300], text[300];
    /* known material: assessed without anyone looking */
    CHECK_STR_EQ(ti_sql_text(&n.fr, "SELECT state || ':' || decided_by FROM console_items",
                             text, sizeof text),
                 "auto:bank");

    /* Orientation routes it to the German partner and approves it at once
     * (known material, a forward only); the partner is down. */
    size_t ran = 0;
    CHECK(vg_jobs_run_due(n.fr_jobs, now, &ran, NULL) == VG_OK);
    CHECK_STR_EQ(ti_sql_text(&n.fr, "SELECT actions || '|' || state || '|' || partner || '|' ||"
                                    " decided_by FROM url_routes",
                             text, sizeof text),
                 "forward_partner|automatic|Example DE hotline|orientation");
    CHECK_INT_EQ(ti_sql_int(&n.fr, "SELECT count(*) FROM audit WHERE action = 'route.auto'"),
                 1);
    CHECK_INT_EQ(ti_sql_int(&n.fr, "SELECT attempts FROM routing_deliveries"), 1);
    CHECK_INT_EQ(ti_sql_int(&n.fr, "SELECT sent_at FROM routing_deliveries"), 0);
    snprintf(sql, sizeof sql, "SELECT next_at - %lld FROM routing_deliveries", (long long)now);
    CHECK_INT_EQ(ti_sql_int(&n.fr, sql), 60); /* a minute, then doubling */
    CHECK_MSG(strstr(n.last_log, "deliveries: 1 of 1 deliveries failed") != NULL, "%s",
              n.last_log);
    ts_response r;
    CHECK_INT_EQ(fate(&n, n.company_key, fr_id, &r), 200);
    CHECK(strstr(r.body, "\"actions\":[]") != NULL);
    ts_response_free(&r);

    /* Still down a little later: not tried before its time. */
    CHECK(vg_jobs_run_due(n.fr_jobs, now + 30, &ran, NULL) == VG_OK);
    CHECK_INT_EQ(ti_sql_int(&n.fr, "SELECT attempts FROM routing_deliveries"), 1);

    /* The partner is up: the forward goes, once. */
    CHECK(listen_on(&n.de, &n.holds[1]));
    CHECK_INT_EQ(n.de.port, n.de_port);
    CHECK(vg_jobs_run_due(n.fr_jobs, now + 61, &ran, NULL) == VG_OK);
    CHECK_MSG(strstr(n.last_log, "1 deliveries sent, 0 failed") != NULL, "%s", n.last_log);
    CHECK_INT_EQ(ti_sql_int(&n.de, "SELECT count(*) FROM reports"), 1);
    char de_ref[80];
    CHECK(ti_sql_text(&n.de, "SELECT public_id FROM reports", de_ref, sizeof de_ref)[0]);
    CHECK_STR_EQ(ti_sql_text(&n.fr, "SELECT reference FROM routing_deliveries", text,
                             sizeof text),
                 de_ref);
    /* the German hotline got the URL, the origin and the digests, and
     * reads the digests as claims: nothing classified there */
    CHECK_STR_EQ(ti_sql_text(&n.de, "SELECT reporter_kind || '|' || source FROM reports", text,
                             sizeof text),
                 "hotline|api");
    ti_sql_text(&n.de, "SELECT extra_json FROM reports", text, sizeof text);
    CHECK_MSG(strstr(text, "\"origin_classification\":\"illegal_csam\"") &&
                  strstr(text, "\"origin_country\":\"FR\"") &&
                  strstr(text, "\"origin_hotline\":\"Point de Contact (FR)\"") &&
                  strstr(text, "\"origin_automatic\":true"),
              "%s", text);
    CHECK_STR_EQ(ti_sql_text(&n.de, "SELECT canonical FROM report_urls", text, sizeof text),
                 "http://files.example.de/gallery/7.jpg");
    CHECK_INT_EQ(ti_sql_int(&n.de, "SELECT count(*) FROM report_files WHERE known = 2"), 1);
    CHECK_INT_EQ(ti_sql_int(&n.de, "SELECT count(*) FROM report_files WHERE vault_id IS NOT NULL"),
                 0); /* never the file itself */
    person anna, ben;
    CHECK(sign_in(&n.de, "anna", VG_ROLE_ANALYST, &anna));
    CHECK(sign_in(&n.de, "ben", VG_ROLE_ANALYST, &ben));
    long long de_report = ti_sql_int(&n.de, "SELECT id FROM reports");
    CHECK(get(&n.de, &anna, "/console/queue", &r));
    snprintf(text, sizeof text, "<tr data-report=\"%lld\">", de_report);
    CHECK_MSG(strstr(r.body, text) != NULL, "not in the German queue");
    CHECK(strstr(r.body, "from partner hotline Point de Contact (FR)") != NULL);
    ts_response_free(&r);
    snprintf(sql, sizeof sql, "/console/item?id=%lld", de_report);
    CHECK(get(&n.de, &anna, sql, &r));
    CHECK(strstr(r.body, "origin_hotline") && strstr(r.body, "Point de Contact (FR)"));
    ts_response_free(&r);

    /* A retry does not make a second report (the same Idempotency-Key). */
    CHECK(vg_jobs_run_due(n.fr_jobs, now + 62, &ran, NULL) == VG_OK);
    CHECK_INT_EQ(ti_sql_int(&n.de, "SELECT count(*) FROM reports"), 1);

    /* The company reads the fate of its report: forwarded, with the German
     * reference; another key learns nothing. */
    CHECK_INT_EQ(fate(&n, n.company_key, fr_id, &r), 200);
    snprintf(text, sizeof text,
             "{\"type\":\"forwarded\",\"at\":%lld,\"to\":\"Example DE hotline\","
             "\"reference\":\"%s\",\"url\":\"http://files.example.de/gallery/7.jpg\"}",
             (long long)now + 61, de_ref);
    CHECK_MSG(strstr(r.body, text) != NULL, "%s", r.body);
    CHECK(strstr(r.body, "\"status\":\"assessed\"") != NULL);
    ts_response_free(&r);
    char other[80];
    CHECK(ts_api_key(&n.fr, "Someone Else", 0, other) > 0);
    CHECK_INT_EQ(fate(&n, other, fr_id, &r), 404);
    ts_response_free(&r);
    CHECK_INT_EQ(fate(&n, n.company_key, "no-such-report", &r), 404);
    ts_response_free(&r);
    CHECK(fate(&n, n.company_key, "..%2fetc", &r) >= 400);
    ts_response_free(&r);
    /* the collection's own address names no report (the handler once
     * took its id from one byte past the path's end) */
    {
        char auth[120];
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", n.company_key);
        const char *headers[] = {auth, NULL};
        CHECK(ts_call(&n.fr, "GET", "/api/v1/reports", headers, NULL, 0, &r));
        CHECK_INT_EQ(r.status, 404);
        ts_response_free(&r);
    }

    /* Germany: two analysts confirm it; its route (hosted at home) waits
     * for a person, who approves it: a referral to the German police. */
    const char *steps[][2] = {{"anna", "/console/claim"}, {"anna", "/console/assess"},
                              {"ben", "/console/claim"}, {"ben", "/console/assess"}};
    for (size_t i = 0; i < 4; i++) {
        snprintf(sql, sizeof sql, "report=%lld&version=%lld%s", de_report,
                 version_of(&n.de, de_report), i % 2 ? "&" ASSESS_A : "");
        CHECK_INT_EQ(post_simple(&n.de, !strcmp(steps[i][0], "anna") ? &anna : &ben,
                                 steps[i][1], sql),
                     303);
    }
    CHECK_STR_EQ(state_of(&n.de, de_report, text, sizeof text), "confirmed");
    CHECK(vg_jobs_run_due(n.de_jobs, now + 100, &ran, NULL) == VG_OK);
    CHECK_STR_EQ(ti_sql_text(&n.de, "SELECT actions || '|' || state FROM url_routes", text,
                             sizeof text),
                 "notice_host,refer_police|proposed");
    long long route = ti_sql_int(&n.de, "SELECT id FROM url_routes");
    snprintf(sql, sizeof sql, "/console/item?id=%lld", de_report);
    CHECK(get(&n.de, &anna, sql, &r));
    CHECK(strstr(r.body, "action=\"/console/route\"") != NULL);
    ts_response_free(&r);
    /* anna drops the notice: a change, which she cannot approve herself */
    snprintf(sql, sizeof sql, "route=%lld&action=refer_police", route);
    CHECK_INT_EQ(post_simple(&n.de, &anna, "/console/route", sql), 303);
    CHECK_STR_EQ(ti_sql_text(&n.de, "SELECT actions || '|' || state || '|' || changed_by"
                                    " FROM url_routes",
                             text, sizeof text),
                 "refer_police|proposed|anna");
    CHECK_INT_EQ(post(&n.de, &anna, "/console/route", sql, 0, &r), 409);
    CHECK(strstr(r.body, "another analyst must approve") != NULL);
    ts_response_free(&r);
    snprintf(sql, sizeof sql, "route=%lld&action=refer_police&action=no_such_action", route);
    CHECK_INT_EQ(post(&n.de, &ben, "/console/route", sql, 0, &r), 409);
    ts_response_free(&r);
    snprintf(sql, sizeof sql, "route=%lld&action=refer_police", route);
    CHECK_INT_EQ(post_simple(&n.de, &ben, "/console/route", sql), 303);
    CHECK_STR_EQ(ti_sql_text(&n.de, "SELECT state || '|' || decided_by FROM url_routes", text,
                             sizeof text),
                 "approved|ben");
    CHECK_INT_EQ(post(&n.de, &ben, "/console/route", sql, 0, &r), 409); /* final */
    ts_response_free(&r);
    CHECK_INT_EQ(ti_sql_int(&n.de, "SELECT count(*) FROM audit WHERE action IN"
                                   " ('route.change', 'route.approve')"),
                 2);
    CHECK(vg_jobs_run_due(n.de_jobs, now + 101, &ran, NULL) == VG_OK);
    CHECK_STR_EQ(ti_sql_text(&n.de, "SELECT type || '|' || to_whom FROM routing_actions", text,
                             sizeof text),
                 "referred|Example DE police");
    /* the material is gone: anna records it */
    snprintf(sql, sizeof sql, "report=%lld&url=http%%3A%%2F%%2Ffiles.example.de%%2Fgallery%%2F7.jpg",
             de_report);
    CHECK_INT_EQ(post_simple(&n.de, &anna, "/console/route/removed", sql), 303);
    snprintf(sql, sizeof sql, "report=%lld&url=http%%3A%%2F%%2Fother.example%%2F", de_report);
    CHECK_INT_EQ(post_simple(&n.de, &anna, "/console/route/removed", sql), 404);

    /* France asks after routing.poll_seconds and learns both. */
    CHECK(vg_jobs_run_due(n.fr_jobs, now + 61 + 599, &ran, NULL) == VG_OK);
    CHECK_INT_EQ(ti_sql_int(&n.fr, "SELECT count(*) FROM routing_actions"), 1); /* not yet */
    CHECK(vg_jobs_run_due(n.fr_jobs, now + 61 + 600, &ran, NULL) == VG_OK);
    CHECK_MSG(strstr(n.last_log, "1 partners asked, 2 outcomes learned") != NULL, "%s",
              n.last_log);
    CHECK_INT_EQ(fate(&n, n.company_key, fr_id, &r), 200);
    CHECK_MSG(strstr(r.body, "\"type\":\"removed\"") &&
                  strstr(r.body, "\"by\":\"Example DE hotline\"") &&
                  strstr(r.body, "\"type\":\"referred\""),
              "%s", r.body);
    ts_response_free(&r);
    /* removal ends the story: no more asking */
    CHECK_INT_EQ(ti_sql_int(&n.fr, "SELECT poll_at FROM routing_deliveries"), 0);
    CHECK_INT_EQ(ti_sql_int(&n.fr, "SELECT count(*) FROM audit WHERE action = 'route.outcome'"),
                 2);
    person fanny;
    CHECK(sign_in(&n.fr, "fanny", VG_ROLE_ANALYST, &fanny));
    long long fr_report = ti_sql_int(&n.fr, "SELECT id FROM reports");
    snprintf(sql, sizeof sql, "/console/item?id=%lld", fr_report);
    CHECK(get(&n.fr, &fanny, sql, &r));
    CHECK(strstr(r.body, "Removed") && strstr(r.body, "said Example DE hotline"));
    ts_response_free(&r);
    CHECK_INT_EQ(n.errors, 1); /* the one failed try while Germany was down */
    network_close(&n);
}

/* A report through the French hotline's public form (picture seed at
 * url), with the receipt's code and secret (64 bytes each). */
static int form_report(network *n, const char *url, int seed, char *code, char *secret)
{
    ts_response r;
    const char *none[] = {NULL};
    if (!ts_call(&n->fr, "GET", "/report", none, NULL, 0, &r))
        return 0;
    char cookie[1200] = "", csrf[80] = "", value[128];
    if (ts_set_cookie(&r, "vigie_csrf", value, sizeof value, NULL, 0))
        snprintf(cookie, sizeof cookie, "Cookie: vigie_csrf=%s", value);
    const char *mark = strstr(r.body, "name=\"csrf_token\" value=\"");
    if (mark) {
        mark += strlen("name=\"csrf_token\" value=\"");
        snprintf(csrf, sizeof csrf, "%.*s", (int)strcspn(mark, "\""), mark);
    }
    ts_response_free(&r);
    size_t len = 0;
    uint8_t *img = ti_image(seed, &len);
    ti_multipart m = {0};
    ti_mp_field(&m, "csrf_token", csrf);
    ti_mp_field(&m, "lang", "en");
    ti_mp_field(&m, "category", "image_video");
    ti_mp_field(&m, "urls", url);
    ti_mp_field(&m, "reporter_kind", "public");
    ti_mp_file(&m, "file", "seen.pgm", img, len);
    ti_mp_end(&m);
    free(img);
    const char *headers[] = {cookie, "Content-Type: multipart/form-data; boundary=" TI_BOUNDARY,
                             NULL};
    int ok = ts_call(&n->fr, "POST", "/report", headers, m.buf, m.len, &r) &&
             ti_follow_receipt(&n->fr, cookie, sizeof cookie, &r);
    free(m.buf);
    const char *at[2] = {ok ? strstr(r.body, "id=\"receipt-code\">") : NULL,
                         ok ? strstr(r.body, "id=\"receipt-secret\">") : NULL};
    char *out[2] = {code, secret};
    for (int i = 0; i < 2; i++) {
        if (at[i]) {
            const char *v = strchr(at[i], '>') + 1;
            snprintf(out[i], 64, "%.*s", (int)strcspn(v, "<"), v);
        }
    }
    ts_response_free(&r);
    return at[0] && at[1];
}

/* The French hotline's /status page for the receipt (code, secret), as
 * the reporter reads it: *r to free. */
static int reporter_status(network *n, const char *code, const char *secret, ts_response *r)
{
    const char *none[] = {NULL};
    if (!ts_call(&n->fr, "GET", "/status", none, NULL, 0, r))
        return 0;
    char cookie[200] = "", csrf[80] = "", value[128];
    if (ts_set_cookie(r, "vigie_csrf", value, sizeof value, NULL, 0))
        snprintf(cookie, sizeof cookie, "Cookie: vigie_csrf=%s", value);
    const char *mark = strstr(r->body, "name=\"csrf_token\" value=\"");
    if (mark) {
        mark += strlen("name=\"csrf_token\" value=\"");
        snprintf(csrf, sizeof csrf, "%.*s", (int)strcspn(mark, "\""), mark);
    }
    ts_response_free(r);
    ti_multipart m = {0};
    ti_mp_field(&m, "csrf_token", csrf);
    ti_mp_field(&m, "code", code);
    ti_mp_field(&m, "secret", secret);
    ti_mp_end(&m);
    const char *headers[] = {cookie, "Content-Type: multipart/form-data; boundary=" TI_BOUNDARY,
                             NULL};
    int ok = ts_call(&n->fr, "POST", "/status", headers, m.buf, m.len, r);
    free(m.buf);
    return ok;
}

/* Where France's forward stands at Germany, as France recorded it:
 * "status|version" into text. */
static const char *stands(network *n, char *text, size_t cap)
{
    return ti_sql_text(&n->fr, "SELECT partner_status || '|' || partner_version"
                               " FROM routing_deliveries",
                       text, cap);
}

/* POST /api/v1/forwards/{reference}/fate on the French hotline with key. */
static long call_back(network *n, const char *key, const char *reference, const char *body,
                      ts_response *r)
{
    char path[200], auth[120];
    snprintf(path, sizeof path, "/api/v1/forwards/%s/fate", reference);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", key);
    const char *headers[] = {auth, "Content-Type: application/json", NULL};
    return ts_call(&n->fr, "POST", path, headers, body, strlen(body), r) ? r->status : -1;
}

/* The partner callback: the German hotline records the removal of what
 * France forwarded, and France knows it without asking (France would ask
 * only in 30 days): its action, its audit, the reporter's /status. The
 * same callback again, or an older one, changes nothing; a key that is
 * no partner's, or another partner's, is refused and audited; hostile
 * bodies are refused. */
typedef struct notice_action_args {
    const vg_hotline *h;
    const vg_notice_row *row;
    const char *type;
    int64_t at;
} notice_action_args;

static vg_status notice_action_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    notice_action_args *a = ctx;
    return vg_hotline_notice_action_tx(a->h, tx, a->row, a->type, a->at, err);
}

static void test_callback(void)
{
    network n;
    /* the reporter sees at once what was done; the hostile calls below
     * come faster than a partner key's default rate */
    int ready = network_open_as(&n, 0, "status.reveal_hours = 0\napi.default_rate = 100000\n",
                                1) &&
                listen_on(&n.de, &n.holds[1]);
    CHECK(ready);
    if (!ready) {
        network_close(&n);
        return;
    }
    int64_t now = (int64_t)time(NULL);
    char code[64] = "", secret[64] = "";
    CHECK(form_report(&n, "http://files.example.de/gallery/9.jpg", 21, code, secret));
    size_t ran = 0;
    CHECK(vg_jobs_run_due(n.fr_jobs, now, &ran, NULL) == VG_OK);
    CHECK_MSG(strstr(n.last_log, "1 deliveries sent, 0 failed") != NULL, "%s", n.last_log);
    char de_ref[80] = "", text[600], sql[300];
    CHECK(ti_sql_text(&n.de, "SELECT public_id FROM reports", de_ref, sizeof de_ref)[0]);
    CHECK_STR_EQ(ti_sql_text(&n.fr, "SELECT reference FROM routing_deliveries", text,
                             sizeof text),
                 de_ref);
    /* A report received from France: in Germany's queue, which France
     * learns by callback (version 1: received), without having asked. */
    CHECK_STR_EQ(ti_sql_text(&n.de, "SELECT target || '|' || version || '|' || sent_version"
                                    " FROM partner_callbacks",
                             text, sizeof text),
                 "FR|1|0");
    CHECK_STR_EQ(stands(&n, text, sizeof text), "|0");
    CHECK(vg_jobs_run_due(n.de_jobs, now + 1, &ran, NULL) == VG_OK);
    CHECK_MSG(strstr(n.last_log, "1 callbacks sent, 0 failed") != NULL, "%s", n.last_log);
    CHECK_STR_EQ(stands(&n, text, sizeof text), "received|1");
    CHECK_INT_EQ(ti_sql_int(&n.fr, "SELECT count(*) FROM audit"
                                   " WHERE action = 'route.partner_status'"),
                 1);

    /* Germany confirms it, its route is proposed, and anna records the
     * material gone. */
    person anna, ben;
    CHECK(sign_in(&n.de, "anna", VG_ROLE_ANALYST, &anna));
    CHECK(sign_in(&n.de, "ben", VG_ROLE_ANALYST, &ben));
    long long de_report = ti_sql_int(&n.de, "SELECT id FROM reports");
    const char *steps[] = {"/console/claim", "/console/assess", "/console/claim",
                           "/console/assess"};
    for (size_t i = 0; i < 4; i++) {
        snprintf(sql, sizeof sql, "report=%lld&version=%lld%s", de_report,
                 version_of(&n.de, de_report), i % 2 ? "&" ASSESS_A : "");
        CHECK_INT_EQ(post_simple(&n.de, i < 2 ? &anna : &ben, steps[i], sql), 303);
    }
    /* assessing (2), then assessed (3): the job sends the latest */
    CHECK_INT_EQ(ti_sql_int(&n.de, "SELECT version FROM partner_callbacks"), 3);
    /* (past the orientation job's minute since the pass above) */
    CHECK(vg_jobs_run_due(n.de_jobs, (int64_t)time(NULL) + 100, &ran, NULL) == VG_OK);
    CHECK_INT_EQ(ti_sql_int(&n.de, "SELECT count(*) FROM url_routes"), 1);
    CHECK_INT_EQ(ti_sql_int(&n.de, "SELECT sent_version FROM partner_callbacks"), 3);
    CHECK_STR_EQ(stands(&n, text, sizeof text), "assessed|3");
    /* France's case timeline says so, and so does the reporter's /status */
    {
        person fanny;
        CHECK(sign_in(&n.fr, "fanny", VG_ROLE_ANALYST, &fanny));
        snprintf(sql, sizeof sql, "/console/case?id=%lld",
                 ti_sql_int(&n.fr, "SELECT case_id FROM reports"));
        ts_response r;
        CHECK(get(&n.fr, &fanny, sql, &r));
        CHECK_MSG(strstr(r.body, "route.partner_status: received by the partner hotline "
                                 "Example DE hotline") &&
                      strstr(r.body, "route.partner_status: assessed by the partner hotline "
                                     "Example DE hotline"),
                  "%s", r.body);
        ts_response_free(&r);
        CHECK(reporter_status(&n, code, secret, &r));
        CHECK_MSG(r.status == 200 && strstr(r.body, "id=\"done-partner-assessed\"") &&
                      strstr(r.body, "Your report was assessed by the partner hotline"),
                  "%ld %s", r.status, r.body);
        ts_response_free(&r);
    }
    snprintf(sql, sizeof sql,
             "report=%lld&url=http%%3A%%2F%%2Ffiles.example.de%%2Fgallery%%2F9.jpg", de_report);
    CHECK_INT_EQ(post_simple(&n.de, &anna, "/console/route/removed", sql), 303);
    CHECK_STR_EQ(ti_sql_text(&n.de, "SELECT target || '|' || version || '|' || sent_version"
                                    " FROM partner_callbacks",
                             text, sizeof text),
                 "FR|4|3");

    /* The deliveries job calls France back, once. */
    CHECK(vg_jobs_run_due(n.de_jobs, (int64_t)time(NULL) + 101, &ran, NULL) == VG_OK);
    CHECK_MSG(strstr(n.last_log, "1 callbacks sent, 0 failed") != NULL, "%s", n.last_log);
    CHECK_INT_EQ(ti_sql_int(&n.de, "SELECT sent_version FROM partner_callbacks"), 4);
    CHECK_INT_EQ(ti_sql_int(&n.de, "SELECT count(*) FROM audit WHERE action = 'route.callback'"),
                 3);
    CHECK(vg_jobs_run_due(n.de_jobs, (int64_t)time(NULL) + 102, &ran, NULL) == VG_OK);
    CHECK_INT_EQ(ti_sql_int(&n.de, "SELECT count(*) FROM audit WHERE action = 'route.callback'"),
                 3); /* nothing new: not sent again */
    /* still assessed there: a newer version, nothing new to audit */
    CHECK_STR_EQ(stands(&n, text, sizeof text), "assessed|4");
    CHECK_INT_EQ(ti_sql_int(&n.fr, "SELECT count(*) FROM audit"
                                   " WHERE action = 'route.partner_status'"),
                 2);

    /* France knows, without having asked. */
    CHECK_STR_EQ(ti_sql_text(&n.fr, "SELECT type || '|' || by_whom FROM routing_actions"
                                    " WHERE type <> 'forwarded'",
                             text, sizeof text),
                 "removed|Example DE hotline");
    CHECK_INT_EQ(ti_sql_int(&n.fr, "SELECT poll_at FROM routing_deliveries"), 0);
    ti_sql_text(&n.fr, "SELECT detail FROM audit WHERE action = 'route.outcome'", text,
                sizeof text);
    CHECK_MSG(strstr(text, "\"via\":\"callback\"") != NULL, "%s", text);
    /* and so does the person who reported it */
    {
        ts_response r;
        CHECK(reporter_status(&n, code, secret, &r));
        CHECK_MSG(r.status == 200 && strstr(r.body, "id=\"done-removed\"") &&
                      strstr(r.body, "The material has been removed."),
                  "%ld %s", r.status, r.body);
        ts_response_free(&r);
    }

    /* The same callback again (what Germany's API says of it), then an
     * older one: nothing changes. */
    ts_response r;
    char fate_path[200], auth[120];
    snprintf(fate_path, sizeof fate_path, "/api/v1/reports/%s", de_ref);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", n.fr_at_de);
    const char *headers[] = {auth, NULL};
    CHECK(ts_call(&n.de, "GET", fate_path, headers, NULL, 0, &r) && r.status == 200);
    char *fate_doc = strdup(r.body);
    ts_response_free(&r);
    long long actions = ti_sql_int(&n.fr, "SELECT count(*) FROM routing_actions");
    long long audited = ti_sql_int(&n.fr, "SELECT count(*) FROM audit");
    CHECK_INT_EQ(call_back(&n, n.de_at_fr, de_ref, fate_doc, &r), 200);
    CHECK_STR_EQ(r.body, "{\"learned\":0}");
    ts_response_free(&r);
    /* older ones: without a version (a poll's document), the same version
     * again, older versions saying "received" or "assessing" */
    static const char *const older[][2] = {
        {"received", ""}, {"assessed", ",\"version\":4"}, {"received", ",\"version\":1"},
        {"assessing", ",\"version\":2"}, {"received", ",\"version\":3"},
    };
    for (size_t i = 0; i < sizeof older / sizeof older[0]; i++) {
        snprintf(text, sizeof text, "{\"id\":\"%s\",\"status\":\"%s\"%s,\"actions\":[]}",
                 de_ref, older[i][0], older[i][1]);
        CHECK_INT_EQ(call_back(&n, n.de_at_fr, de_ref, text, &r), 200);
        ts_response_free(&r);
        CHECK_MSG(!strcmp(stands(&n, sql, sizeof sql), "assessed|4"), "older[%zu]: %s", i, sql);
    }
    CHECK_INT_EQ(ti_sql_int(&n.fr, "SELECT count(*) FROM routing_actions"), actions);
    CHECK_INT_EQ(ti_sql_int(&n.fr, "SELECT count(*) FROM audit"), audited);
    /* a newer one is taken: Germany reopened it */
    snprintf(text, sizeof text,
             "{\"id\":\"%s\",\"status\":\"received\",\"version\":5,\"actions\":[]}", de_ref);
    CHECK_INT_EQ(call_back(&n, n.de_at_fr, de_ref, text, &r), 200);
    ts_response_free(&r);
    CHECK_STR_EQ(stands(&n, text, sizeof text), "received|5");
    CHECK_INT_EQ(ti_sql_int(&n.fr, "SELECT count(*) FROM audit"), audited + 1);

    /* Another partner's key (the Dutch hotline's) for Germany's report,
     * and a key that is no partner's: refused, and audited. */
    char nl_key[80], company[80];
    CHECK(ts_api_key_scoped(&n.fr, "Example NL hotline", 0, VG_SCOPE_REPORT, nl_key) > 0);
    CHECK(ts_api_key_scoped(&n.fr, "Example Platform", 0, VG_SCOPE_REPORT, company) > 0);
    CHECK_INT_EQ(call_back(&n, nl_key, de_ref, fate_doc, &r), 404);
    ts_response_free(&r);
    CHECK_INT_EQ(call_back(&n, company, de_ref, fate_doc, &r), 403);
    ts_response_free(&r);
    CHECK_INT_EQ(call_back(&n, n.de_at_fr, "not-forwarded", fate_doc, &r), 404);
    ts_response_free(&r);
    CHECK_INT_EQ(ti_sql_int(&n.fr, "SELECT count(*) FROM audit"
                                   " WHERE action = 'route.callback_refused'"),
                 3);
    CHECK_INT_EQ(ti_sql_int(&n.fr, "SELECT count(*) FROM routing_actions"), actions);
    /* hostile bodies and paths: a clear 4xx, nothing recorded */
    static const char *const hostile[] = {
        "", "not json", "[]", "{\"actions\":{}}", "{\"actions\":[{\"type\":\"removed\"}]}",
        "{\"actions\":[{\"type\":\"removed\",\"at\":-5}]}",
        "{\"status\":\"assessed\",\"version\":0,\"actions\":[]}",
        "{\"status\":\"assessed\",\"version\":\"9\",\"actions\":[]}",
        "{\"status\":\"assessed\",\"version\":1.5,\"actions\":[]}",
    };
    for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
        CHECK_MSG(call_back(&n, n.de_at_fr, de_ref, hostile[i], &r) == 400, "%s", hostile[i]);
        CHECK(strstr(r.body, "invalid_fate") != NULL);
        ts_response_free(&r);
    }
    long status = call_back(&n, n.de_at_fr, "..%2f..%2fadmin", fate_doc, &r);
    CHECK_MSG(status >= 400 && status < 500, "%ld", status);
    ts_response_free(&r);
    {
        const char *plain[] = {auth, "Content-Type: text/plain", NULL};
        snprintf(fate_path, sizeof fate_path, "/api/v1/forwards/%s/fate", de_ref);
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", n.de_at_fr);
        CHECK(ts_call(&n.fr, "POST", fate_path, plain, fate_doc, strlen(fate_doc), &r));
        CHECK_MSG(r.status == 415, "%ld %s", r.status, r.body);
        ts_response_free(&r);
    }
    CHECK_INT_EQ(ti_sql_int(&n.fr, "SELECT count(*) FROM routing_actions"), actions);
    free(fate_doc);
    /* What Germany's notices job records (a notice sent to the host) owes
     * France a callback too, once: the notices job and the crawl job's
     * stay-down record their actions through vg_hotline_notice_action_tx. */
    {
        vg_notice_row row = {.report_id = de_report,
                             .url = "http://files.example.de/gallery/9.jpg",
                             .contact = "abuse@files.example.de"};
        notice_action_args na = {n.de.srv->hotline, &row, VG_DONE_NOTICE_SENT,
                                 (int64_t)time(NULL)};
        vg_error err;
        CHECK_MSG(vg_store_write(n.de.srv->hotline->store, notice_action_tx, &na, &err) == VG_OK,
                  "%s", err.message);
        CHECK_STR_EQ(ti_sql_text(&n.de, "SELECT target || '|' || version || '|' || sent_version"
                                        " FROM partner_callbacks",
                                 text, sizeof text),
                     "FR|5|4");
        CHECK(vg_store_write(n.de.srv->hotline->store, notice_action_tx, &na, &err) == VG_OK);
        CHECK_INT_EQ(ti_sql_int(&n.de, "SELECT version FROM partner_callbacks"), 5);
        CHECK(vg_jobs_run_due(n.de_jobs, (int64_t)time(NULL) + 103, &ran, NULL) == VG_OK);
        CHECK_INT_EQ(ti_sql_int(&n.de, "SELECT sent_version FROM partner_callbacks"), 5);
        CHECK_INT_EQ(ti_sql_int(&n.fr, "SELECT count(*) FROM routing_actions"
                                       " WHERE type = 'notice_sent'"),
                     1);
    }
    CHECK_INT_EQ(n.errors, 0);
    network_close(&n);
}

/* At home: known material hosted in France is not routed without a
 * person (a referral names the URL, which an uploaded file does not
 * prove); once approved, the police receive a signed package with the
 * evidence sealed to their key, which checks, and fails when altered. */
static void test_police_package(void)
{
    network n;
    int ready = network_open(&n, 0, NULL);
    CHECK(ready);
    if (!ready) {
        network_close(&n);
        return;
    }
    CHECK(listen_on(&n.de, &n.holds[1]));
    int64_t now = (int64_t)time(NULL);
    char id[80];
    CHECK(send_report(&n, "http://www.fr.example.test/p/1", 21, id));
    size_t ran = 0;
    CHECK(vg_jobs_run_due(n.fr_jobs, now, &ran, NULL) == VG_OK);
    char text[400], sql[200];
    CHECK_STR_EQ(ti_sql_text(&n.fr, "SELECT actions || '|' || state FROM url_routes", text,
                             sizeof text),
                 "notice_host,refer_police|proposed");
    person fanny;
    CHECK(sign_in(&n.fr, "fanny", VG_ROLE_ANALYST, &fanny));
    snprintf(sql, sizeof sql, "route=%lld&action=notice_host&action=refer_police",
             ti_sql_int(&n.fr, "SELECT id FROM url_routes"));
    CHECK_INT_EQ(post_simple(&n.fr, &fanny, "/console/route", sql), 303);
    /* The approval made its deliveries due at the server's clock, which a
     * loaded machine may have moved seconds past the test's 'now' (signing
     * in hashes a password): the pass runs after it. */
    CHECK(vg_jobs_run_due(n.fr_jobs, (int64_t)time(NULL) + 1, &ran, NULL) == VG_OK);
    CHECK_MSG(strstr(n.last_log, "1 deliveries sent, 0 failed") != NULL, "%s", n.last_log);
    char reference[200];
    CHECK(ti_sql_text(&n.fr, "SELECT reference FROM routing_actions WHERE type = 'referred'",
                      reference, sizeof reference)[0]);
    char path[600];
    snprintf(path, sizeof path, "%s/data/referrals/%s.json", n.fr.dir, reference);
    struct stat sb;
    CHECK(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0600);
    FILE *f = fopen(path, "rb");
    char *package = calloc(1, (size_t)sb.st_size + 1);
    size_t len = f && package ? fread(package, 1, (size_t)sb.st_size, f) : 0;
    if (f)
        fclose(f);
    CHECK(len == (size_t)sb.st_size && len > 0);
    /* checks with the hotline's published key */
    unsigned char signer[32];
    char signer_hex[65];
    vg_error err;
    CHECK(vg_hotline_referral_key(n.fr.srv->hotline, signer_hex, &err) == VG_OK);
    sodium_hex2bin(signer, sizeof signer, signer_hex, 64, NULL, NULL, NULL);
    vg_referral_check check;
    CHECK_MSG(vg_referral_verify(package, len, signer, &check, &err) == VG_OK, "%s",
              err.message);
    CHECK_INT_EQ(check.evidence, 1);
    CHECK(check.manifest && strstr(check.manifest, "\"receipt\"") &&
          strstr(check.manifest, "\"item.assess.auto\"") &&
          strstr(check.manifest, "\"route.approve\"") &&
          strstr(check.manifest, "\"actor\":\"user:fanny\"") &&
          strstr(check.manifest, "\"legal\":\"illegal_csam\"") &&
          strstr(check.manifest, "\"url\":\"http://www.fr.example.test/p/1\""));
    vg_referral_check_clear(&check);
    /* vigie referral: the same checks from the command line, and the key
     * it prints is the one that signed */
    char cmd[1600], line[600] = "";
    snprintf(cmd, sizeof cmd, "'%s' referral key --data-dir '%s/data'", VG_VIGIE, n.fr.dir);
    FILE *out = popen(cmd, "r");
    CHECK(out && fgets(line, sizeof line, out) && !strncmp(line, signer_hex, 64));
    CHECK(out && pclose(out) == 0);
    snprintf(cmd, sizeof cmd, "'%s' referral verify --key %s '%s'", VG_VIGIE, signer_hex, path);
    out = popen(cmd, "r");
    char row[700];
    snprintf(row, sizeof row, "%s,yes,%s,1,\n", path, signer_hex);
    CHECK(out && fgets(line, sizeof line, out) &&
          !strcmp(line, "package,valid,signer,evidence,problem\n"));
    CHECK_MSG(out && fgets(line, sizeof line, out) && !strcmp(line, row), "%s", line);
    CHECK(out && pclose(out) == 0);
    snprintf(cmd, sizeof cmd, "'%s' referral verify --key %064d '%s' >/dev/null", VG_VIGIE, 7,
             path);
    CHECK(WEXITSTATUS(system(cmd)) == 1); /* signed, but not by that key */
    snprintf(cmd, sizeof cmd, "'%s' referral verify --key 12 '%s' 2>/dev/null", VG_VIGIE, path);
    CHECK(WEXITSTATUS(system(cmd)) == 2);
    /* the evidence opens with the unit's secret key and is the file sent */
    const char *at = strstr(package, "\"evidence/1\":\"");
    CHECK(at != NULL);
    if (at) {
        at += strlen("\"evidence/1\":\"");
        size_t b64 = strcspn(at, "\""), bin_len = 0;
        unsigned char *sealed = malloc(b64), *plain = malloc(b64);
        CHECK(sodium_base642bin(sealed, b64, at, b64, NULL, &bin_len, NULL,
                                sodium_base64_VARIANT_ORIGINAL) == 0);
        CHECK(crypto_box_seal_open(plain, sealed, bin_len, n.police_pk, n.police_sk) == 0);
        size_t img_len = 0;
        uint8_t *img = ti_image(21, &img_len);
        CHECK(bin_len - crypto_box_SEALBYTES == img_len && !memcmp(plain, img, img_len));
        /* and is nowhere in clear */
        CHECK(memmem(package, len, img + 13, 64) == NULL);
        free(img);
        free(sealed);
        free(plain);
    }
    /* a different key, a changed manifest, changed evidence: refused */
    unsigned char other[32] = {1};
    CHECK(vg_referral_verify(package, len, other, &check, &err) == VG_ERR_CORRUPT);
    char *altered = strstr(package, "illegal_csam");
    if (altered) {
        altered[0] = 'I';
        CHECK(vg_referral_verify(package, len, signer, &check, &err) == VG_ERR_CORRUPT);
        CHECK(strstr(err.message, "signature") != NULL);
        altered[0] = 'i';
    }
    if (at) {
        char *e = (char *)at + 10;
        *e = *e == 'A' ? 'B' : 'A';
        CHECK(vg_referral_verify(package, len, signer, &check, &err) == VG_ERR_CORRUPT);
        CHECK(strstr(err.message, "altered") != NULL);
    }
    free(package);
    network_close(&n);
}

/* A report of seed 21 at url to the French hotline, its route approved by
 * a person as a referral to the police, and the deliveries job run at
 * *at (the server's clock, past the approval's). */
static void approve_referral(network *n, const char *url, int64_t *at)
{
    char id[80];
    CHECK(send_report(n, url, 21, id));
    size_t ran = 0;
    CHECK(vg_jobs_run_due(n->fr_jobs, (int64_t)time(NULL), &ran, NULL) == VG_OK);
    person fanny;
    CHECK(sign_in(&n->fr, "fanny", VG_ROLE_ANALYST, &fanny));
    char form[200];
    snprintf(form, sizeof form, "route=%lld&action=notice_host&action=refer_police",
             ti_sql_int(&n->fr, "SELECT id FROM url_routes"));
    CHECK_INT_EQ(post_simple(&n->fr, &fanny, "/console/route", form), 303);
    *at = (int64_t)time(NULL) + 1;
    CHECK(vg_jobs_run_due(n->fr_jobs, *at, &ran, NULL) == VG_OK);
}

/* The message the sink took for to, or NULL (malloc'd). */
static char *mail_to(smtp_sink *sink, const char *to)
{
    char rcpt[200];
    snprintf(rcpt, sizeof rcpt, "RCPT TO:<%s>\n", to);
    for (size_t i = 0; i < smtp_sink_count(sink); i++) {
        char *m = smtp_sink_message(sink, i);
        if (m && strstr(m, rcpt))
            return m;
        free(m);
    }
    return NULL;
}

static int open_mail_network(network *n, smtp_sink **sink, const char *more)
{
    uint16_t port = 0;
    *sink = smtp_sink_start(&port);
    if (!*sink)
        return 0;
    char extra[800];
    snprintf(extra, sizeof extra,
             "alerts.test_allow_local = true\nalerts.email.server = smtp://127.0.0.1:%u\n"
             "alerts.email.from = vigie@pointdecontact.test\n"
             "alerts.email.to = duty@pointdecontact.test\n"
             "alerts.console_url = http://vigie.test/\n"
             "routing.police.email = referrals@police.test\n%s",
             port, more);
    return network_open(n, 0, extra) && listen_on(&n->de, &n->holds[1]);
}

/* The police by e-mail: a server that refuses the first message makes the
 * referral wait (nothing lost); the next try is taken. The message names
 * no URL, is the same message on every try, and carries the package the
 * hotline kept, which checks with the hotline's key; the case timeline
 * says how it went. A mail address without a mail server is refused at
 * start. */
static void test_police_mail(void)
{
    network n;
    smtp_sink *sink = NULL;
    int ready = open_mail_network(&n, &sink, "");
    CHECK(ready);
    if (!ready) {
        if (sink)
            smtp_sink_stop(sink);
        network_close(&n);
        return;
    }
    smtp_sink_refuse(sink, 1);
    int64_t at = 0;
    approve_referral(&n, "http://www.fr.example.test/p/2", &at);
    char text[600];
    CHECK_STR_EQ(ti_sql_text(&n.fr, "SELECT sent_at || '|' || attempts FROM routing_deliveries",
                             text, sizeof text),
                 "0|1");
    ti_sql_text(&n.fr, "SELECT last_error FROM routing_deliveries", text, sizeof text);
    CHECK_MSG(strstr(text, "451") != NULL, "%s", text);
    char *m = mail_to(sink, "referrals@police.test");
    CHECK(m == NULL);
    free(m);
    size_t ran = 0;
    CHECK(vg_jobs_run_due(n.fr_jobs, at + 60, &ran, NULL) == VG_OK);
    CHECK_MSG(strstr(n.last_log, "1 deliveries sent, 0 failed") != NULL, "%s", n.last_log);
    char reference[200];
    CHECK(ti_sql_text(&n.fr, "SELECT reference FROM routing_actions WHERE type = 'referred'",
                      reference, sizeof reference)[0]);
    m = mail_to(sink, "referrals@police.test");
    CHECK(m != NULL);
    if (!m) {
        smtp_sink_stop(sink);
        network_close(&n);
        return;
    }
    CHECK(strstr(m, "MAIL FROM:<vigie@pointdecontact.test>\n") != NULL);
    char line[400];
    snprintf(line, sizeof line, "\r\nMessage-ID: <vigie-referral-%lld@pointdecontact.test>\r\n",
             ti_sql_int(&n.fr, "SELECT id FROM routing_deliveries"));
    CHECK_MSG(strstr(m, line) != NULL, "%s", m);
    snprintf(line, sizeof line, "\r\nSubject: Referral %s (police)\r\n", reference);
    CHECK(strstr(m, line) != NULL);
    CHECK(strstr(m, "sealed to your unit's public key") != NULL);
    /* what the message says in words holds no URL */
    char *attachment = strstr(m, "Content-Disposition: attachment");
    CHECK(attachment != NULL);
    if (attachment) {
        *attachment = 0;
        CHECK(strstr(m, "example.test") == NULL && strstr(m, "http") == NULL);
        *attachment = 'C';
    }
    /* the attachment is the package kept, which checks */
    char path[600];
    snprintf(path, sizeof path, "%s/data/referrals/%s.json", n.fr.dir, reference);
    struct stat sb;
    CHECK(stat(path, &sb) == 0);
    char *kept = calloc(1, (size_t)sb.st_size + 1);
    FILE *f = fopen(path, "rb");
    size_t kept_len = f && kept ? fread(kept, 1, (size_t)sb.st_size, f) : 0;
    if (f)
        fclose(f);
    const char *b64 = attachment ? strstr(attachment, "\r\n\r\n") : NULL;
    CHECK(b64 != NULL);
    if (b64 && kept) {
        b64 += 4;
        size_t b64_len = strcspn(b64, "-"); /* up to the closing boundary */
        unsigned char *package = malloc(b64_len + 1);
        size_t len = 0;
        CHECK(sodium_base642bin(package, b64_len, b64, b64_len, "\r\n", &len, NULL,
                                sodium_base64_VARIANT_ORIGINAL) == 0);
        CHECK(len == kept_len && !memcmp(package, kept, len));
        char signer_hex[65];
        unsigned char signer[32];
        vg_error err;
        CHECK(vg_hotline_referral_key(n.fr.srv->hotline, signer_hex, &err) == VG_OK);
        sodium_hex2bin(signer, sizeof signer, signer_hex, 64, NULL, NULL, NULL);
        CHECK(strstr(m, signer_hex) != NULL); /* the key to check it with */
        vg_referral_check check;
        CHECK_MSG(vg_referral_verify((const char *)package, len, signer, &check, &err) == VG_OK,
                  "%s", err.message);
        CHECK_INT_EQ(check.evidence, 1);
        vg_referral_check_clear(&check);
        free(package);
    }
    free(kept);
    free(m);
    /* the case timeline: to whom, how, under which name */
    person fanny;
    CHECK(sign_in(&n.fr, "fanny2", VG_ROLE_ANALYST, &fanny));
    snprintf(path, sizeof path, "/console/case?id=%lld",
             ti_sql_int(&n.fr, "SELECT case_id FROM reports"));
    ts_response r;
    CHECK(get(&n.fr, &fanny, path, &r));
    snprintf(line, sizeof line,
             "route.referred to Office mineurs (test) by e-mail to referrals@police.test: %s",
             reference);
    CHECK_MSG(r.status == 200 && strstr(r.body, line), "%s", r.body);
    ts_response_free(&r);
    smtp_sink_stop(sink);
    /* a mail address and no mail server: refused at start */
    char dir[700], cfg_text[1200];
    snprintf(dir, sizeof dir, "%s/lone", n.base);
    mkdir(dir, 0700);
    snprintf(cfg_text, sizeof cfg_text,
             "data_dir = %s\nrouting.country = fr\nrouting.police.name = Unit\n"
             "routing.police.email = unit@police.test\n",
             dir);
    vg_config *cfg = NULL;
    vg_hotline *h = NULL;
    vg_error err;
    vg_hotline_options options = {.with_alerts = 1};
    CHECK(vg_config_new(&cfg, NULL) == VG_OK &&
          vg_config_parse(cfg, cfg_text, strlen(cfg_text), "test", NULL) == VG_OK);
    CHECK(vg_hotline_open(cfg, &options, &h, &err) == VG_ERR_INVALID);
    CHECK_MSG(strstr(err.message, "alerts.email.server") != NULL, "%s", err.message);
    vg_config_free(cfg);
    network_close(&n);
}

/* A package over routing.email_max_bytes is not attached: the message
 * says where it is, and the referral is done. */
static void test_police_mail_too_large(void)
{
    network n;
    smtp_sink *sink = NULL;
    int ready = open_mail_network(&n, &sink, "routing.email_max_bytes = 100\n");
    CHECK(ready);
    if (ready) {
        int64_t at = 0;
        approve_referral(&n, "http://www.fr.example.test/p/3", &at);
        CHECK_MSG(strstr(n.last_log, "1 deliveries sent, 0 failed") != NULL, "%s", n.last_log);
        char *m = mail_to(sink, "referrals@police.test");
        CHECK(m && !strstr(m, "Content-Disposition: attachment") &&
              strstr(m, "not attached: it is over the 100 bytes"));
        free(m);
        char text[600];
        ti_sql_text(&n.fr, "SELECT detail FROM audit WHERE action = 'route.referred'", text,
                    sizeof text);
        CHECK_MSG(strstr(text, "too large to attach") != NULL, "%s", text);
    }
    if (sink)
        smtp_sink_stop(sink);
    network_close(&n);
}

/* The referral e-mail in the police unit's language
 * (routing.police.language), else the hotline's (routing.language), from
 * the catalogues: French, Arabic (the subject in RFC 2047 form), and
 * English for a language no catalogue has; never a URL in its words. */
static void test_police_mail_languages(void)
{
    static const struct {
        const char *settings, *subject, *says;
    } cases[] = {
        {"routing.police.language = fr\n", "Saisine %s (police)",
         "Point de Contact (FR) (FR) transmet un signalement \xc3\xa0 "},
        {"routing.language = ar\n", "\xd8\xa5\xd8\xad\xd8\xa7\xd9\x84\xd8\xa9 %s ("
                                    "\xd8\xa7\xd9\x84\xd8\xb4\xd8\xb1\xd8\xb7\xd8\xa9)",
         "\xd9\x8a\xd8\xad\xd9\x8a\xd9\x84 Point de Contact (FR) (FR)"},
        {"routing.language = fr\nrouting.police.language = nl\n", "Referral %s (police)",
         "Point de Contact (FR) (FR) refers a report to "},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        network n;
        smtp_sink *sink = NULL;
        int ready = open_mail_network(&n, &sink, cases[i].settings);
        CHECK_MSG(ready, "cases[%zu]", i);
        char *m = NULL;
        if (ready) {
            int64_t at = 0;
            approve_referral(&n, "http://www.fr.example.test/p/4", &at);
            m = mail_to(sink, "referrals@police.test");
        }
        CHECK_MSG(m != NULL, "cases[%zu]", i);
        if (m) {
            char reference[200], subject[400];
            ti_sql_text(&n.fr, "SELECT reference FROM routing_actions WHERE type = 'referred'",
                        reference, sizeof reference);
            snprintf(subject, sizeof subject, cases[i].subject, reference);
            /* (not ASCII, case 1: RFC 2047 encoded-words, read back) */
            char back[700];
            CHECK_MSG(mh_header(m, "Subject", back, sizeof back) >= 0, "cases[%zu]: %s", i, m);
            CHECK_MSG(!strcmp(back, subject), "cases[%zu]: %s", i, back);
            CHECK_MSG(i != 1 || strstr(m, "\r\nSubject: =?UTF-8?B?") != NULL, "cases[%zu]", i);
            CHECK_MSG(strstr(m, cases[i].says) != NULL, "cases[%zu]: %s", i, m);
            char *attachment = strstr(m, "Content-Disposition: attachment");
            CHECK(attachment != NULL);
            if (attachment)
                *attachment = 0;
            CHECK_MSG(!strstr(m, "example.test") && !strstr(m, "http"), "cases[%zu]", i);
            free(m);
        }
        if (sink)
            smtp_sink_stop(sink);
        network_close(&n);
    }
}

/* A partner answering garbage: the forward is not taken and is tried
 * again later, nothing lost; once it answers a receipt, it is taken; a
 * garbage answer when asked what it did is recorded and asked again. */
static void test_partner_garbage(void)
{
    char dir[] = "/tmp/vigie-partner-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char receipt[300], fate_path[400];
    snprintf(receipt, sizeof receipt, "%s/api_v1_reports.json", dir);
    CHECK(write_file(receipt, "<html>502 Bad Gateway</html>", 0600));
    uint16_t port = 0;
    fake_rdap *partner = fake_rdap_start(dir, &port);
    CHECK(partner != NULL);
    network n;
    int ready = partner && network_open(&n, port, NULL);
    CHECK(ready);
    if (!ready) {
        if (partner)
            fake_rdap_stop(partner);
        network_close(&n);
        ts_remove_dir(dir);
        return;
    }
    int64_t now = (int64_t)time(NULL);
    char id[80];
    CHECK(send_report(&n, "http://files.example.de/gallery/8.jpg", 21, id));
    size_t ran = 0;
    CHECK(vg_jobs_run_due(n.fr_jobs, now, &ran, NULL) == VG_OK);
    char text[300];
    CHECK_STR_EQ(ti_sql_text(&n.fr, "SELECT sent_at || '|' || attempts FROM routing_deliveries",
                             text, sizeof text),
                 "0|1");
    ti_sql_text(&n.fr, "SELECT last_error FROM routing_deliveries", text, sizeof text);
    CHECK_MSG(strstr(text, "not JSON") != NULL, "%s", text);
    /* a receipt without a usable id is no better */
    CHECK(write_file(receipt, "{\"id\":\"../../admin\"}", 0600));
    CHECK(vg_jobs_run_due(n.fr_jobs, now + 60, &ran, NULL) == VG_OK);
    CHECK_STR_EQ(ti_sql_text(&n.fr, "SELECT sent_at || '|' || attempts FROM routing_deliveries",
                             text, sizeof text),
                 "0|2");
    CHECK(write_file(receipt, "{\"id\":\"p-77\",\"receipt\":\"X\"}", 0600));
    CHECK(vg_jobs_run_due(n.fr_jobs, now + 60 + 119, &ran, NULL) == VG_OK); /* not yet due */
    CHECK_INT_EQ(ti_sql_int(&n.fr, "SELECT attempts FROM routing_deliveries"), 2);
    CHECK(vg_jobs_run_due(n.fr_jobs, now + 60 + 120, &ran, NULL) == VG_OK);
    CHECK_STR_EQ(ti_sql_text(&n.fr, "SELECT reference || '|' || attempts FROM routing_deliveries",
                             text, sizeof text),
                 "p-77|3");
    /* asked what it did, it answers garbage: kept as the error, asked again */
    snprintf(fate_path, sizeof fate_path, "%s/api_v1_reports_p-77.json", dir);
    CHECK(write_file(fate_path, "{\"actions\":\"all of them\"}", 0600));
    CHECK(vg_jobs_run_due(n.fr_jobs, now + 180 + 600, &ran, NULL) == VG_OK);
    ti_sql_text(&n.fr, "SELECT last_error FROM routing_deliveries", text, sizeof text);
    CHECK_MSG(strstr(text, "no \"actions\" list") != NULL, "%s", text);
    CHECK_INT_EQ(ti_sql_int(&n.fr, "SELECT poll_at FROM routing_deliveries"), now + 180 + 1200);
    CHECK_INT_EQ(ti_sql_int(&n.fr, "SELECT count(*) FROM routing_actions"), 1); /* forwarded */
    fake_rdap_stop(partner);
    network_close(&n);
    ts_remove_dir(dir);
}

/* What a partner may answer, read as hostile. */
static void test_partner_answers(void)
{
    char id[VG_PARTNER_REFERENCE_MAX];
    vg_error err;
    static const char *const bad_receipts[] = {
        "", "not json", "[]", "{}", "{\"id\":12}", "{\"id\":\"\"}", "{\"id\":\"a/b\"}",
        "{\"id\":\"has space\"}", "{\"id\":\"x\",\"id\":\"y\"}",
    };
    for (size_t i = 0; i < sizeof bad_receipts / sizeof bad_receipts[0]; i++)
        CHECK_MSG(vg_partner_receipt_parse(bad_receipts[i], strlen(bad_receipts[i]), id, &err) ==
                      VG_ERR_CORRUPT,
                  "%s", bad_receipts[i]);
    const char *good = "{\"id\":\"3f9a-0c\",\"receipt\":\"K7M2\"}";
    CHECK(vg_partner_receipt_parse(good, strlen(good), id, &err) == VG_OK);
    CHECK_STR_EQ(id, "3f9a-0c");
    vg_route_action *a = NULL;
    size_t n = 0;
    static const char *const bad_fates[] = {
        "{}", "{\"actions\":{}}", "{\"actions\":[1]}", "{\"actions\":[{\"type\":\"removed\"}]}",
        "{\"actions\":[{\"type\":\"removed\",\"at\":-1}]}",
    };
    for (size_t i = 0; i < sizeof bad_fates / sizeof bad_fates[0]; i++)
        CHECK_MSG(vg_partner_fate_parse(bad_fates[i], strlen(bad_fates[i]), &a, &n, &err) ==
                      VG_ERR_CORRUPT,
                  "%s", bad_fates[i]);
    const char *fate = "{\"status\":\"assessed\",\"actions\":[{\"type\":\"teleported\",\"at\":1},"
                       "{\"type\":\"removed\",\"at\":5,\"to\":\"host\",\"reference\":7}]}";
    CHECK(vg_partner_fate_parse(fate, strlen(fate), &a, &n, &err) == VG_OK);
    CHECK_INT_EQ(n, 1); /* an unknown type is skipped; a non-string reference is "" */
    CHECK(n == 1 && !strcmp(a[0].type, "removed") && a[0].at == 5 && !strcmp(a[0].to, "host") &&
          !strcmp(a[0].reference, ""));
    vg_route_actions_free(a, n);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    RUN(test_partner_answers);
    RUN(test_forward_and_back);
    RUN(test_callback);
    RUN(test_partner_garbage);
    RUN(test_police_package);
    RUN(test_police_mail);
    RUN(test_police_mail_languages);
    RUN(test_police_mail_too_large);
    return vg_test_exit();
}

/*
 * The CyberTipline-compatible intake (src/server/ispws): a report sent as
 * NCMEC's Reporting API documents it (submit, upload, fileinfo, finish)
 * becomes one vigie report; the documented responseCode values; Basic
 * credentials; what the sender says is kept as its claim and decides
 * nothing; unfinished reports expire as documented and leave nothing in
 * the vault; hostile XML is refused.
 */
#include <sodium.h>

#include "test_people.h"
#include "hotline/ispws.h"
#include "vigie/index.h"

#define CP_TYPE "Child Pornography (possession, manufacture, and distribution)"

typedef struct ct {
    ts_server t;
    char basic[200], other[200], reporter_key[80];
} ct;

static void basic_of(const char *key, char out[200])
{
    char userpass[120], b64[170];
    snprintf(userpass, sizeof userpass, "usr123:%s", key);
    sodium_bin2base64(b64, sizeof b64, (const unsigned char *)userpass, strlen(userpass),
                      sodium_base64_VARIANT_ORIGINAL);
    snprintf(out, 200, "Authorization: Basic %s", b64);
}

static int ct_start(ct *c, const char *extra)
{
    if (!ts_start(&c->t, extra))
        return 0;
    char key[80], other[80];
    if (ts_api_key_scoped(&c->t, "Example Platform", 100000, VG_SCOPE_REPORT, key) <= 0 ||
        ts_api_key_scoped(&c->t, "Other Platform", 100000, VG_SCOPE_REPORT, other) <= 0)
        return 0;
    memcpy(c->reporter_key, key, 80);
    basic_of(key, c->basic);
    basic_of(other, c->other);
    return 1;
}

/* One call; the XML body of the answer goes to r (free it). */
static long call(ct *c, const char *auth, const char *method, const char *path, const char *ctype,
                 const char *body, size_t len, ts_response *r)
{
    char type[160];
    snprintf(type, sizeof type, "Content-Type: %s", ctype ? ctype : "text/xml; charset=utf-8");
    const char *headers[] = {auth, type, NULL};
    if (!ts_call(&c->t, method, path, auth ? headers : headers + 1, body, body ? len : 0, r))
        return -1;
    return r->status;
}

/* The text of <name> in xml into out, or "" when absent. */
static const char *element(const char *xml, const char *name, char *out, size_t cap)
{
    char open[64];
    snprintf(open, sizeof open, "<%s>", name);
    const char *p = xml ? strstr(xml, open) : NULL;
    const char *e = p ? strchr(p + strlen(open), '<') : NULL;
    if (!p || !e) {
        out[0] = 0;
        return out;
    }
    p += strlen(open);
    snprintf(out, cap, "%.*s", (int)(e - p), p);
    return out;
}

static int code_of(const ts_response *r)
{
    char code[16];
    element(r->body, "responseCode", code, sizeof code);
    return code[0] ? atoi(code) : -1;
}

static const char *report_xml(const char *url)
{
    static char xml[2000];
    snprintf(xml, sizeof xml,
             "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
             "<report>\n"
             "  <incidentSummary>\n"
             "    <incidentType>" CP_TYPE "</incidentType>\n"
             "    <incidentDateTime>2026-11-02T08:00:00Z</incidentDateTime>\n"
             "  </incidentSummary>\n"
             "  <internetDetails><webPageIncident><url>%s</url>"
             "<url>https://second.example/b</url></webPageIncident></internetDetails>\n"
             "  <reporter><reportingPerson><firstName>Jo</firstName><lastName>Doe</lastName>"
             "<email>trust@platform.example</email></reportingPerson></reporter>\n"
             "  <personOrUserReported><espIdentifier>u-991</espIdentifier>"
             "<screenName>seller42</screenName><espService>Photos</espService>"
             "</personOrUserReported>\n"
             "  <additionalInfo>Found by our classifier &amp; reviewed.</additionalInfo>\n"
             "</report>\n",
             url);
    return xml;
}

/* Open a report; its number, or 0. */
static int64_t submit(ct *c, const char *auth, const char *xml)
{
    ts_response r;
    int64_t id = 0;
    if (call(c, auth, "POST", "/ispws/submit", NULL, xml, strlen(xml), &r) == 200 &&
        code_of(&r) == 0) {
        char text[32];
        id = atoll(element(r.body, "reportId", text, sizeof text));
    }
    ts_response_free(&r);
    return id;
}

static long upload(ct *c, const char *auth, int64_t id, const uint8_t *data, size_t len,
                   ts_response *r)
{
    ti_multipart m = {0};
    char idtext[32];
    snprintf(idtext, sizeof idtext, "%lld", (long long)id);
    ti_mp_field(&m, "id", idtext);
    ti_mp_file(&m, "file", "photo.pnm", data, len);
    ti_mp_end(&m);
    long status = call(c, auth, "POST", "/ispws/upload",
                       "multipart/form-data; boundary=" TI_BOUNDARY, m.buf, m.len, r);
    free(m.buf);
    return status;
}

static long form(ct *c, const char *auth, const char *path, int64_t id, ts_response *r)
{
    char body[64];
    snprintf(body, sizeof body, "id=%lld", (long long)id);
    return call(c, auth, "POST", path, "application/x-www-form-urlencoded", body, strlen(body), r);
}

static void test_status_and_credentials(void)
{
    ct c;
    CHECK(ct_start(&c, NULL));
    ts_response r;
    CHECK_INT_EQ(call(&c, c.basic, "GET", "/ispws/status", NULL, NULL, 0, &r), 200);
    CHECK_INT_EQ(code_of(&r), 0);
    char text[200];
    CHECK_STR_EQ(element(r.body, "responseDescription", text, sizeof text),
                 "Remote User : Example Platform");
    ts_response_free(&r);
    /* no credentials, a wrong password: 401, code 2000, a Basic challenge */
    CHECK_INT_EQ(call(&c, NULL, "GET", "/ispws/status", NULL, NULL, 0, &r), 401);
    CHECK_INT_EQ(code_of(&r), 2000);
    char challenge[80];
    CHECK(ts_header(&r, "WWW-Authenticate", challenge, sizeof challenge) &&
          !strncmp(challenge, "Basic", 5));
    ts_response_free(&r);
    char wrong[200];
    basic_of("vg_0000000000000000000000000000", wrong);
    CHECK_INT_EQ(call(&c, wrong, "GET", "/ispws/status", NULL, NULL, 0, &r), 401);
    CHECK_INT_EQ(code_of(&r), 2000);
    ts_response_free(&r);
    /* a key that may not send reports: 403, code 3100 */
    char matcher[80], auth[200];
    CHECK(ts_api_key_scoped(&c.t, "Matcher", 1000, VG_SCOPE_MATCH, matcher) > 0);
    basic_of(matcher, auth);
    CHECK_INT_EQ(call(&c, auth, "GET", "/ispws/status", NULL, NULL, 0, &r), 403);
    CHECK_INT_EQ(code_of(&r), 3100);
    ts_response_free(&r);
    /* unknown addresses below the prefix answer in the API's XML */
    CHECK_INT_EQ(call(&c, c.basic, "GET", "/ispws/nothing", NULL, NULL, 0, &r), 404);
    CHECK(code_of(&r) > 0);
    ts_response_free(&r);
    ts_stop(&c.t);
}

/* An index holding image 41's SHA-256 and MD5 in a trusted bank. */
static void known_index(char *dir, size_t dir_cap, char *path, size_t cap, char md5_41[33])
{
    snprintf(dir, dir_cap, "%s/vg-ispws-index-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, cap, "%s/banks.vgi", dir);
    size_t len = 0;
    uint8_t *img = ti_image(41, &len);
    vg_digests d;
    CHECK(vg_digest_buffer(img, len, &d, NULL) == VG_OK);
    vg_hex_encode(d.md5, 16, md5_41);
    free(img);
    vg_index_builder *b = NULL;
    uint32_t bank = 0;
    CHECK(vg_index_builder_new(&b, NULL) == VG_OK);
    CHECK(vg_index_builder_add_bank(b, "hotline-net", NULL, 0, &bank, NULL) == VG_OK);
    vg_bank_entry e = {.type = VG_SIGNAL_SHA256, .id = "k-1", .id_len = 3, .metadata = ""};
    memcpy(e.value, d.sha256, 32);
    CHECK(vg_index_builder_add(b, bank, &e, NULL) == VG_OK);
    vg_bank_entry m = {.type = VG_SIGNAL_MD5, .id = "k-2", .id_len = 3, .metadata = ""};
    memcpy(m.value, d.md5, 16);
    CHECK(vg_index_builder_add(b, bank, &m, NULL) == VG_OK);
    CHECK(vg_index_builder_write(b, path, NULL) == VG_OK);
    vg_index_builder_free(b);
}

static void test_report_flow(void)
{
    char dir[300], index[400], extra[700], md5_41[33];
    known_index(dir, sizeof dir, index, sizeof index, md5_41);
    snprintf(extra, sizeof extra,
             "intake.index = %s\nconsole.trusted_banks = hotline-net=illegal_csam/A/b1\n", index);
    ct c;
    CHECK(ct_start(&c, extra));
    int64_t id = submit(&c, c.basic, report_xml("https://Files.Example/x/../y?b=2&amp;a=1"));
    CHECK(id > 0);
    /* a file of its own (image 42), which no bank knows */
    size_t len = 0;
    uint8_t *img = ti_image(42, &len);
    vg_digests d;
    vg_digest_buffer(img, len, &d, NULL);
    char md5[33];
    vg_hex_encode(d.md5, 16, md5);
    ts_response r;
    CHECK_INT_EQ(upload(&c, c.basic, id, img, len, &r), 200);
    CHECK_INT_EQ(code_of(&r), 0);
    char file_id[64], hash[64], text[64];
    element(r.body, "fileId", file_id, sizeof file_id);
    CHECK_STR_EQ(element(r.body, "hash", hash, sizeof hash), md5);
    CHECK(strlen(file_id) == 32);
    CHECK_INT_EQ(atoll(element(r.body, "reportId", text, sizeof text)), id);
    ts_response_free(&r);
    /* the sender says it is A1 and quotes the MD5 of known material */
    char details[1200];
    snprintf(details, sizeof details,
             "<fileDetails><reportId>%lld</reportId><fileId>%s</fileId>"
             "<originalFileName>IMG_0001.jpg</originalFileName>"
             "<industryClassification>A1</industryClassification>"
             "<originalFileHash hashType=\"MD5\">%s</originalFileHash>"
             "<fileAnnotations><generativeAi/></fileAnnotations></fileDetails>",
             (long long)id, file_id, md5_41);
    CHECK_INT_EQ(call(&c, c.basic, "POST", "/ispws/fileinfo", NULL, details, strlen(details), &r),
                 200);
    CHECK_INT_EQ(code_of(&r), 0);
    ts_response_free(&r);
    /* details of a file the report has not: validation failed */
    snprintf(details, sizeof details,
             "<fileDetails><reportId>%lld</reportId><fileId>nope</fileId></fileDetails>",
             (long long)id);
    CHECK_INT_EQ(call(&c, c.basic, "POST", "/ispws/fileinfo", NULL, details, strlen(details), &r),
                 400);
    CHECK_INT_EQ(code_of(&r), 4100);
    ts_response_free(&r);
    /* another platform's key does not see the report */
    CHECK_INT_EQ(form(&c, c.other, "/ispws/finish", id, &r), 400);
    CHECK_INT_EQ(code_of(&r), 5001);
    ts_response_free(&r);
    CHECK_INT_EQ(ti_sql_int(&c.t, "SELECT count(*) FROM reports"), 0); /* not before finish */
    CHECK_INT_EQ(form(&c, c.basic, "/ispws/finish", id, &r), 200);
    CHECK(r.body && strstr(r.body, "<reportDoneResponse>"));
    CHECK_INT_EQ(code_of(&r), 0);
    CHECK(strstr(r.body, file_id) != NULL);
    ts_response_free(&r);
    /* one report, filed by what it says, with the sender's words kept */
    CHECK_INT_EQ(ti_sql_int(&c.t, "SELECT count(*) FROM reports"), 1);
    char value[600];
    CHECK_STR_EQ(ti_sql_text(&c.t, "SELECT category FROM reports", value, sizeof value),
                 "image_video");
    CHECK_STR_EQ(ti_sql_text(&c.t, "SELECT account FROM reports", value, sizeof value), "seller42");
    CHECK_STR_EQ(ti_sql_text(&c.t, "SELECT platform FROM reports", value, sizeof value), "Photos");
    CHECK_STR_EQ(ti_sql_text(&c.t, "SELECT description FROM reports", value, sizeof value),
                 "Found by our classifier & reviewed.");
    CHECK_INT_EQ(ti_sql_int(&c.t, "SELECT count(*) FROM report_urls"), 2);
    char sql[200];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM report_files WHERE md5 = '%s'", md5);
    CHECK_INT_EQ(ti_sql_int(&c.t, sql), 1);
    CHECK(ti_sql_text(&c.t, "SELECT extra_json FROM reports", value, sizeof value) &&
          strstr(value, "\"sender_claim\"") && strstr(value, "\"industryClassification\":\"A1\"") &&
          strstr(value, md5_41));
    /* ...which decide nothing: the claimed A1 and the quoted known MD5 leave
     * the report open for an analyst */
    char state[64];
    int64_t report = ti_sql_int(&c.t, "SELECT id FROM reports");
    CHECK_STR_EQ(state_of(&c.t, report, state, sizeof state), "");
    CHECK_INT_EQ(ti_sql_int(&c.t, "SELECT count(*) FROM reports WHERE status <> 'received'"), 0);
    /* finished: every further call says so */
    CHECK_INT_EQ(form(&c, c.basic, "/ispws/finish", id, &r), 400);
    CHECK_INT_EQ(code_of(&r), 5102);
    ts_response_free(&r);
    CHECK_INT_EQ(upload(&c, c.basic, id, img, len, &r), 400);
    CHECK_INT_EQ(code_of(&r), 5102);
    ts_response_free(&r);
    CHECK_INT_EQ(form(&c, c.basic, "/ispws/retract", id, &r), 400);
    CHECK_INT_EQ(code_of(&r), 5102);
    ts_response_free(&r);
    free(img);

    /* the known file itself, sent, is decided by the bank as any report */
    int64_t id2 = submit(&c, c.basic, report_xml("https://files.example/known"));
    img = ti_image(41, &len);
    CHECK_INT_EQ(upload(&c, c.basic, id2, img, len, &r), 200);
    ts_response_free(&r);
    free(img);
    /* finished as CyberTipline clients often do: the id in a multipart body */
    ti_multipart m = {0};
    char id2text[32];
    snprintf(id2text, sizeof id2text, "%lld", (long long)id2);
    ti_mp_field(&m, "id", id2text);
    ti_mp_end(&m);
    CHECK_INT_EQ(call(&c, c.basic, "POST", "/ispws/finish",
                      "multipart/form-data; boundary=" TI_BOUNDARY, m.buf, m.len, &r),
                 200);
    free(m.buf);
    CHECK_INT_EQ(code_of(&r), 0);
    ts_response_free(&r);
    int64_t report2 = ti_sql_int(&c.t, "SELECT max(id) FROM reports");
    CHECK(strcmp(state_of(&c.t, report2, state, sizeof state), "") != 0);
    ts_stop(&c.t);
    ts_remove_dir(dir);
}

static void test_retract_and_refusals(void)
{
    ct c;
    CHECK(ct_start(&c, NULL));
    char vault[400];
    snprintf(vault, sizeof vault, "%s/data/vault", c.t.dir);
    int before = ti_count_files(vault);
    int64_t id = submit(&c, c.basic, report_xml("https://files.example/r"));
    CHECK(id > 0);
    size_t len = 0;
    uint8_t *img = ti_image(7, &len);
    ts_response r;
    CHECK_INT_EQ(upload(&c, c.basic, id, img, len, &r), 200);
    ts_response_free(&r);
    CHECK_INT_EQ(ti_count_files(vault), before + 1);
    CHECK_INT_EQ(form(&c, c.basic, "/ispws/retract", id, &r), 200);
    CHECK_INT_EQ(code_of(&r), 0);
    ts_response_free(&r);
    CHECK_INT_EQ(ti_count_files(vault), before); /* its file is gone */
    CHECK_INT_EQ(form(&c, c.basic, "/ispws/finish", id, &r), 400);
    CHECK_INT_EQ(code_of(&r), 5001);
    ts_response_free(&r);
    CHECK_INT_EQ(ti_sql_int(&c.t, "SELECT count(*) FROM reports"), 0);
    /* an upload with no file, or no id */
    CHECK_INT_EQ(form(&c, c.basic, "/ispws/upload",
                      submit(&c, c.basic, report_xml("https://a.example/")), &r),
                 400);
    CHECK_INT_EQ(code_of(&r), 4100);
    ts_response_free(&r);
    CHECK_INT_EQ(form(&c, c.basic, "/ispws/finish", 0, &r), 400);
    CHECK_INT_EQ(code_of(&r), 4100);
    ts_response_free(&r);
    free(img);

    /* documents refused: not XML, entities, the wrong root, no incident type,
     * an unknown one, a URL that is none */
    char secret[300];
    snprintf(secret, sizeof secret, "%s/secret.txt", c.t.dir);
    FILE *f = fopen(secret, "w");
    CHECK(f != NULL);
    if (f) {
        fputs("TOPSECRET-CONTENT", f);
        fclose(f);
    }
    char xxe[800];
    snprintf(xxe, sizeof xxe,
             "<?xml version=\"1.0\"?><!DOCTYPE report [<!ENTITY x SYSTEM \"file://%s\">]>"
             "<report><incidentSummary><incidentType>" CP_TYPE "</incidentType>"
             "</incidentSummary><additionalInfo>&x;</additionalInfo></report>",
             secret);
    const char *laughs = "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">"
                         "<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">]>"
                         "<report>&lol2;</report>";
    const struct {
        const char *xml;
        int code;
    } bad[] = {
        {"not xml at all", 4110},
        {"<report><incidentSummary>", 4110},
        {xxe, 4110},
        {laughs, 4110},
        {"<fileDetails/>", 4100},
        {"<report/>", 4100},
        {"<report><incidentSummary><incidentType>Spam</incidentType></incidentSummary></report>",
         4100},
        {"<report><incidentSummary><incidentType>" CP_TYPE "</incidentType></incidentSummary>"
         "<internetDetails><webPageIncident><url>http://exa mple.test/</url></webPageIncident>"
         "</internetDetails></report>",
         4100},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK(call(&c, c.basic, "POST", "/ispws/submit", NULL, bad[i].xml, strlen(bad[i].xml),
                   &r) == 400);
        CHECK_MSG(code_of(&r) == bad[i].code, "document %zu: %d", i, code_of(&r));
        CHECK(!r.body || !strstr(r.body, "TOPSECRET"));
        ts_response_free(&r);
    }
    /* a document nested past any schema's depth */
    char deep[8000] = "";
    for (int i = 0; i < 200; i++)
        strcat(deep, "<a>");
    char doc[9000];
    snprintf(doc, sizeof doc, "<report>%s</report>", deep);
    CHECK(call(&c, c.basic, "POST", "/ispws/submit", NULL, doc, strlen(doc), &r) == 400);
    CHECK(code_of(&r) == 4110 || code_of(&r) == 4100);
    ts_response_free(&r);
    ts_stop(&c.t);
}

/* Expiry, on the use case with a clock of the test's: 24 hours after
 * opening, or an hour after the last change, whichever is later; the
 * files of an expired report leave the vault. */
static void test_expiry(void)
{
    ts_server t;
    CHECK(ts_start(&t, NULL));
    vg_hotline *h = t.srv->hotline;
    vg_ispws *s = NULL;
    CHECK(vg_ispws_new(h, 4, &s, NULL) == VG_OK);
    const int64_t T = 1700000000;
    int64_t ids[3];
    for (int i = 0; i < 3; i++) {
        vg_intake_draft *d = malloc(sizeof *d);
        CHECK(vg_intake_draft_init(d, "api", NULL) == VG_OK);
        CHECK(vg_intake_draft_url(d, "https://e.example/", NULL) == VG_OK);
        CHECK_INT_EQ(vg_ispws_open(s, 9, d, NULL, T, &ids[i], NULL), VG_ISPWS_OK);
    }
    /* a file in report 1, put in the vault as an upload does */
    char vault[400];
    snprintf(vault, sizeof vault, "%s/data/vault", t.dir);
    int before = ti_count_files(vault);
    vg_upload_set *set = NULL;
    size_t len = 0;
    uint8_t *img = ti_image(3, &len);
    CHECK(vg_upload_set_new(h, &set, NULL) == VG_OK);
    CHECK(vg_upload_set_write(set, 1, "a.pnm", img, len, NULL) == VG_OK);
    char fid[33], md5[33];
    CHECK_INT_EQ(vg_ispws_upload(s, 9, ids[1], set, T + 23 * 3600 + 1800, fid, md5, NULL),
                 VG_ISPWS_OK);
    vg_upload_set_free(set);
    free(img);
    CHECK_INT_EQ(ti_count_files(vault), before + 1);
    /* report 2 changed at T + 10 h: still a day from opening */
    CHECK_INT_EQ(vg_ispws_file_details(s, 9, ids[2], "none", "{}", T + 10 * 3600, NULL),
                 VG_ISPWS_INVALID);
    CHECK_INT_EQ(vg_ispws_open_count(s, T + 24 * 3600 - 1), 3);
    /* at 24 h, 0 and 2 have expired; 1, changed at 23.5 h, lives to 24.5 h */
    CHECK_INT_EQ(vg_ispws_open_count(s, T + 24 * 3600), 1);
    CHECK_INT_EQ(vg_ispws_retract(s, 9, ids[0], T + 24 * 3600, NULL), VG_ISPWS_NO_REPORT);
    CHECK_INT_EQ(vg_ispws_open_count(s, T + 24 * 3600 + 1799), 1);
    CHECK_INT_EQ(vg_ispws_open_count(s, T + 24 * 3600 + 1800), 0);
    CHECK_INT_EQ(ti_count_files(vault), before); /* the expired report's file is gone */
    /* the limit of open reports */
    for (int i = 0; i < 5; i++) {
        vg_intake_draft *d = malloc(sizeof *d);
        CHECK(vg_intake_draft_init(d, "api", NULL) == VG_OK);
        int64_t id;
        CHECK_INT_EQ(vg_ispws_open(s, 9, d, NULL, T, &id, NULL),
                     i < 4 ? VG_ISPWS_OK : VG_ISPWS_SERVER_ERROR);
    }
    vg_ispws_free(s);
    ts_stop(&t);
}

/* Another server on c's data directory (a second node, or the same one
 * restarted), answering with c's keys. */
static int ct_node(const ct *c, ct *node)
{
    *node = *c;
    memset(&node->t, 0, sizeof node->t);
    snprintf(node->t.dir, sizeof node->t.dir, "%s", c->t.dir);
    snprintf(node->t.db, sizeof node->t.db, "%s", c->t.db); /* the same database on PostgreSQL */
    return ts_open_in(&node->t, NULL) && ts_listen(&node->t);
}

/* A server stopped, its data directory kept. */
static void ct_halt(ct *c)
{
    vg_server_stop(c->t.srv, 5);
    vg_server_free(c->t.srv);
    c->t.srv = NULL;
}

/* Open reports are in the store: a report opened on one node takes files
 * and details on another and is finished on the first; a report opened
 * before a restart is finished after it, and one retracted after it
 * leaves the vault; a report finished on one node is finished for all. */
static void test_nodes_and_restart(void)
{
    ct a, b;
    CHECK(ct_start(&a, NULL));
    CHECK(ct_node(&a, &b));
    char vault[400];
    snprintf(vault, sizeof vault, "%s/data/vault", a.t.dir);
    int64_t id = submit(&a, a.basic, report_xml("https://nodes.example/a"));
    CHECK(id > 0);
    size_t len = 0;
    uint8_t *img = ti_image(7, &len);
    ts_response r;
    CHECK_INT_EQ(upload(&a, a.basic, id, img, len, &r), 200);
    ts_response_free(&r);
    free(img);
    img = ti_image(8, &len);
    CHECK_INT_EQ(upload(&b, b.basic, id, img, len, &r), 200);
    char file_id[64];
    element(r.body, "fileId", file_id, sizeof file_id);
    ts_response_free(&r);
    free(img);
    char details[600];
    snprintf(details, sizeof details,
             "<fileDetails><reportId>%lld</reportId><fileId>%s</fileId>"
             "<originalFileName>second.jpg</originalFileName></fileDetails>",
             (long long)id, file_id);
    CHECK_INT_EQ(call(&b, b.basic, "POST", "/ispws/fileinfo", NULL, details, strlen(details), &r),
                 200);
    ts_response_free(&r);
    CHECK_INT_EQ(form(&a, a.basic, "/ispws/finish", id, &r), 200);
    CHECK_INT_EQ(code_of(&r), 0);
    CHECK(r.body && strstr(r.body, file_id));
    ts_response_free(&r);
    CHECK_INT_EQ(ti_sql_int(&a.t, "SELECT count(*) FROM reports"), 1);
    CHECK_INT_EQ(ti_sql_int(&a.t, "SELECT count(*) FROM report_files"), 2);
    char value[600];
    CHECK(ti_sql_text(&a.t, "SELECT extra_json FROM reports", value, sizeof value) &&
          strstr(value, "second.jpg"));
    CHECK_INT_EQ(form(&b, b.basic, "/ispws/finish", id, &r), 400);
    CHECK_INT_EQ(code_of(&r), 5102);
    ts_response_free(&r);

    /* opened and given a file, then every node stops */
    int64_t kept = submit(&b, b.basic, report_xml("https://nodes.example/kept"));
    int64_t dropped = submit(&b, b.basic, report_xml("https://nodes.example/dropped"));
    CHECK(kept > 0 && dropped > 0);
    img = ti_image(9, &len);
    CHECK_INT_EQ(upload(&b, b.basic, dropped, img, len, &r), 200);
    ts_response_free(&r);
    free(img);
    int files = ti_count_files(vault);
    ct_halt(&a);
    ct_halt(&b);
    ct c2;
    CHECK(ct_node(&a, &c2));
    CHECK_INT_EQ(form(&c2, c2.basic, "/ispws/retract", dropped, &r), 200);
    CHECK_INT_EQ(code_of(&r), 0);
    ts_response_free(&r);
    CHECK_INT_EQ(ti_count_files(vault), files - 1); /* its file left with it */
    CHECK_INT_EQ(form(&c2, c2.other, "/ispws/finish", kept, &r), 400);
    CHECK_INT_EQ(code_of(&r), 5001); /* still another key's report */
    ts_response_free(&r);
    CHECK_INT_EQ(form(&c2, c2.basic, "/ispws/finish", kept, &r), 200);
    CHECK_INT_EQ(code_of(&r), 0);
    ts_response_free(&r);
    CHECK_INT_EQ(ti_sql_int(&c2.t, "SELECT count(*) FROM reports"), 2);
    ts_stop(&c2.t);
}

/* The prefix is the operator's. */
static void test_prefix(void)
{
    ct c;
    CHECK(ct_start(&c, "ispws.prefix = /cybertip/ispws\n"));
    ts_response r;
    CHECK_INT_EQ(call(&c, c.basic, "GET", "/cybertip/ispws/status", NULL, NULL, 0, &r), 200);
    ts_response_free(&r);
    CHECK_INT_EQ(call(&c, c.basic, "GET", "/ispws/status", NULL, NULL, 0, &r), 404);
    ts_response_free(&r);
    ts_stop(&c.t);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_ALL);
    RUN(test_status_and_credentials);
    RUN(test_report_flow);
    RUN(test_retract_and_refusals);
    RUN(test_expiry);
    RUN(test_nodes_and_restart);
    RUN(test_prefix);
    curl_global_cleanup();
    return vg_test_exit();
}

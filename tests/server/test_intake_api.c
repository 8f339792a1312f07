/*
 * The partner API, POST /api/v1/reports: happy paths (JSON, multipart with
 * files, files by digest), every refusal with its JSON error, idempotency,
 * the per-key rate limit, oversized bodies, an upload cut half-way,
 * cross-referencing into cases, and bank matches marking files known.
 */
#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "test_intake_common.h"
#include "vigie/filehash.h"
#include "vigie/index.h"

typedef struct client {
    char auth[120];
} client;

/* rate 0: a generous rate, for tests whose subject is not the rate limit
 * (a key without a rate of its own gets api.default_rate, 10 a second). */
static void new_client(ts_server *t, uint32_t rate, client *c)
{
    char key[80];
    CHECK(ts_api_key(t, "Example Platform", rate ? rate : 100000, key) > 0);
    snprintf(c->auth, sizeof c->auth, "Authorization: Bearer %s", key);
}

static int post_json(ts_server *t, const client *c, const char *idem, const char *body,
                     ts_response *r)
{
    char idem_header[400];
    snprintf(idem_header, sizeof idem_header, "Idempotency-Key: %s", idem ? idem : "");
    const char *headers[] = {c ? c->auth : "X-None: 1", "Content-Type: application/json",
                             idem ? idem_header : NULL, NULL};
    return ts_call(t, "POST", "/api/v1/reports", headers, body, strlen(body), r);
}

/* The "error.code" of a JSON error body, into out. */
static const char *error_code(const ts_response *r, char *out, size_t cap)
{
    out[0] = '\0';
    json_t *root = json_loads(r->body, 0, NULL);
    const char *code = NULL, *message = NULL;
    if (root && json_unpack(json_object_get(root, "error"), "{s:s, s:s}", "code", &code,
                            "message", &message) == 0 &&
        message[0])
        snprintf(out, cap, "%s", code);
    json_decref(root);
    return out;
}

static void expect_error(ts_server *t, const client *c, const char *body, long status,
                         const char *code)
{
    ts_response r;
    char got[64];
    CHECK(post_json(t, c, NULL, body, &r));
    CHECK_MSG(r.status == status && strcmp(error_code(&r, got, sizeof got), code) == 0,
              "%.80s: %ld %s, want %ld %s (%s)", body, r.status, got, status, code, r.body);
    ts_response_free(&r);
}

static void test_happy_paths(void)
{
    ts_server t;
    CHECK(ts_start(&t, NULL));
    client c;
    new_client(&t, 0, &c);
    ts_response r;

    CHECK(post_json(&t, &c, NULL, "{\"urls\":[\"https://example.test/a\"]}", &r));
    CHECK_INT_EQ(r.status, 201);
    json_t *root = json_loads(r.body, 0, NULL);
    const char *id = NULL, *receipt = NULL;
    CHECK(root && json_unpack(root, "{s:s, s:s}", "id", &id, "receipt", &receipt) == 0);
    CHECK(id && strlen(id) == 32 && receipt && strlen(receipt) == 12);
    json_decref(root);
    ts_response_free(&r);

    const char *full =
        "{\"urls\":[\"HTTPS://Example.test:443/x/../b\",\"example.test/c?q=1#f\"],"
        "\"category\":\"sextortion\",\"platform\":\"Chat\",\"account\":\"@abuser\","
        "\"occurred_at\":\"2026-11-20T10:00:00Z\",\"description\":\"d\\u00e9j\\u00e0 vu\","
        "\"reporter_kind\":\"company\",\"language\":\"fr\",\"country\":\"FR\","
        "\"contact\":\"trust@example.test\","
        "\"files\":[{\"sha256\":\"" "0123456789abcdef0123456789abcdef0123456789abcdef0123456789ABCDEF"
        "\",\"md5\":\"0123456789abcdef0123456789abcdef\",\"filename\":\"../../a.jpg\","
        "\"size\":1234}]}";
    CHECK(post_json(&t, &c, NULL, full, &r));
    CHECK_INT_EQ(r.status, 201);
    ts_response_free(&r);
    char text[512];
    CHECK_INT_EQ(ti_sql_int(&t, "SELECT count(*) FROM reports WHERE source = 'api' AND "
                                "api_key_id IS NOT NULL AND receipt_secret_hash IS NULL"),
                 2);
    CHECK_STR_EQ(ti_sql_text(&t, "SELECT group_concat(canonical, ' ') FROM (SELECT canonical FROM "
                                 "report_urls ORDER BY id) AS u",
                             text, sizeof text),
                 "https://example.test/a https://example.test/b http://example.test/c?q=1");
    CHECK_STR_EQ(ti_sql_text(&t, "SELECT filename || ' ' || sha256 || ' ' || size FROM report_files",
                             text, sizeof text),
                 "a.jpg 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef 1234");
    CHECK_STR_EQ(ti_sql_text(&t, "SELECT description FROM reports WHERE category = 'sextortion'",
                             text, sizeof text),
                 "d\xc3\xa9j\xc3\xa0 vu");

    /* Multipart: the JSON in "report", two files, one named to climb out. */
    size_t a_len = 0, b_len = 0;
    uint8_t *a = ti_image(3, &a_len), *b = ti_image(4, &b_len);
    ti_multipart m = {0};
    ti_mp_field(&m, "report", "{\"category\":\"image_video\",\"urls\":[\"http://e.test/p\"]}");
    ti_mp_file(&m, "file", "../../../etc/passwd", a, a_len);
    ti_mp_file(&m, "file", "C:\\Users\\x\\b.pgm", b, b_len);
    ti_mp_end(&m);
    const char *headers[] = {c.auth, "Content-Type: multipart/form-data; boundary=" TI_BOUNDARY,
                             NULL};
    CHECK(ts_call(&t, "POST", "/api/v1/reports", headers, m.buf, m.len, &r));
    CHECK_MSG(r.status == 201, "%ld %s", r.status, r.body);
    CHECK(strstr(r.body, "\"files\":2") != NULL);
    ts_response_free(&r);
    free(m.buf);
    CHECK_STR_EQ(ti_sql_text(&t, "SELECT group_concat(filename, ' ') FROM (SELECT filename FROM "
                                 "report_files WHERE vault_id IS NOT NULL ORDER BY id) AS u",
                             text, sizeof text),
                 "passwd b.pgm");
    char vault[400];
    snprintf(vault, sizeof vault, "%s/data/vault", t.dir);
    CHECK_INT_EQ(ti_count_files(vault), 2);
    CHECK(!ti_tree_contains(vault, a + 20, 32) && !ti_tree_contains(vault, b + 20, 32));

    /* Files alone (no "report" part) are a report too. */
    m = (ti_multipart){0};
    ti_mp_file(&m, "file", "only.pgm", a, a_len);
    ti_mp_end(&m);
    CHECK(ts_call(&t, "POST", "/api/v1/reports", headers, m.buf, m.len, &r));
    CHECK_INT_EQ(r.status, 201);
    ts_response_free(&r);
    free(m.buf);
    free(a);
    free(b);

    /* The OpenAPI description is public and is JSON. */
    CHECK(ts_call(&t, "GET", "/api/v1/openapi.json", NULL, NULL, 0, &r));
    CHECK_INT_EQ(r.status, 200);
    root = json_loads(r.body, 0, NULL);
    CHECK(root && json_is_string(json_object_get(root, "openapi")));
    CHECK(root && json_object_get(json_object_get(root, "paths"), "/api/v1/reports"));
    /* ...and names the banks and lookups too */
    CHECK(root && json_object_get(json_object_get(root, "paths"), "/api/v1/banks/{name}/content/{id}"));
    CHECK(root && json_object_get(json_object_get(root, "paths"), "/api/v1/lookup"));
    CHECK(root && json_object_get(json_object_get(root, "paths"), "/api/v1/forwards/{id}/fate"));
    json_decref(root);
    ts_response_free(&r);
    ts_stop(&t);
}

static void test_refusals(void)
{
    ts_server t;
    CHECK(ts_start(&t, "intake.max_request_bytes = 64K\nintake.max_files = 2\n"));
    client c;
    new_client(&t, 0, &c);

    expect_error(&t, NULL, "{\"urls\":[\"https://example.test/a\"]}", 401, "unauthenticated");
    client wrong = {"Authorization: Bearer vg_0000000000000000000000000000000000"};
    expect_error(&t, &wrong, "{\"urls\":[\"https://example.test/a\"]}", 401, "unauthenticated");
    expect_error(&t, &c, "{\"urls\":[\"https://example.test/a\"", 400, "invalid_json");
    expect_error(&t, &c, "", 400, "invalid_json");
    expect_error(&t, &c, "[\"https://example.test/a\"]", 400, "invalid_json");
    expect_error(&t, &c, "{\"urls\":[\"a.test\"],\"urls\":[\"b.test\"]}", 400, "invalid_json");
    expect_error(&t, &c, "{\"url\":[\"https://example.test/a\"]}", 400, "unknown_field");
    expect_error(&t, &c, "{}", 400, "no_location");
    expect_error(&t, &c, "{\"urls\":[],\"description\":\"only words\"}", 400, "no_location");
    expect_error(&t, &c, "{\"urls\":\"https://example.test/a\"}", 400, "invalid_field");
    expect_error(&t, &c, "{\"urls\":[42]}", 400, "invalid_field");
    expect_error(&t, &c, "{\"urls\":[\"http://exa mple.test/\"]}", 400, "invalid_url");
    expect_error(&t, &c, "{\"urls\":[\"http://a.test:70000/\"]}", 400, "invalid_url");
    expect_error(&t, &c, "{\"urls\":[\"a\\u0000b.test\"]}", 400, "invalid_json");
    expect_error(&t, &c, "{\"account\":\"x\",\"category\":\"porn\"}", 400, "invalid_field");
    expect_error(&t, &c, "{\"account\":\"x\",\"reporter_kind\":\"admin\"}", 400, "invalid_field");
    expect_error(&t, &c, "{\"account\":5}", 400, "invalid_field");
    expect_error(&t, &c, "{\"files\":[{\"md5\":\"0123456789abcdef0123456789abcdef\"}]}", 400,
                 "invalid_file");
    expect_error(&t, &c, "{\"files\":[{\"sha256\":\"zz\"}]}", 400, "invalid_file");
    expect_error(&t, &c, "{\"files\":[{\"sha256\":\"" "0123456789abcdef0123456789abcdef"
                         "0123456789abcdef0123456789abcdef\",\"path\":\"/etc\"}]}",
                 400, "unknown_field");
    expect_error(&t, &c, "{\"files\":[1,2,3]}", 413, "too_large");
    /* Invalid UTF-8, raw in the body. */
    expect_error(&t, &c, "{\"urls\":[\"http://e.test/\xff\xfe\"]}", 400, "invalid_json");

    char big[1200];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = 0;
    char body[1400];
    snprintf(body, sizeof body, "{\"account\":\"%s\"}", big);
    expect_error(&t, &c, body, 413, "too_large");

    /* Too many URLs, and a body past the route's limit. */
    size_t cap = 200 * 40 + 64;
    char *many = malloc(cap);
    size_t n = (size_t)snprintf(many, cap, "{\"urls\":[");
    for (int i = 0; i < 101; i++)
        n += (size_t)snprintf(many + n, cap - n, "%s\"http://e.test/%d\"", i ? "," : "", i);
    snprintf(many + n, cap - n, "]}");
    expect_error(&t, &c, many, 413, "too_large");
    free(many);
    char *huge = malloc(70 * 1024);
    memset(huge, ' ', 70 * 1024 - 1);
    huge[70 * 1024 - 1] = 0;
    memcpy(huge, "{\"account\":\"x\"}", 15);
    ts_response r;
    CHECK(post_json(&t, &c, NULL, huge, &r));
    CHECK_INT_EQ(r.status, 413);
    ts_response_free(&r);
    free(huge);

    /* Not JSON at all. */
    const char *plain[] = {c.auth, "Content-Type: text/plain", NULL};
    CHECK(ts_call(&t, "POST", "/api/v1/reports", plain, "urls=x", 6, &r));
    char got[64];
    CHECK(r.status == 415 && strcmp(error_code(&r, got, sizeof got), "unsupported_media_type") == 0);
    ts_response_free(&r);

    /* Three files when two are allowed: refused, and none of them kept. */
    size_t len = 0;
    uint8_t *img = ti_image(9, &len);
    ti_multipart m = {0};
    ti_mp_field(&m, "report", "{\"account\":\"x\"}");
    for (int i = 0; i < 3; i++)
        ti_mp_file(&m, "file", "f.pgm", img, len);
    ti_mp_end(&m);
    const char *mp[] = {c.auth, "Content-Type: multipart/form-data; boundary=" TI_BOUNDARY, NULL};
    CHECK(ts_call(&t, "POST", "/api/v1/reports", mp, m.buf, m.len, &r));
    CHECK_INT_EQ(r.status, 413);
    ts_response_free(&r);
    free(m.buf);
    /* A file in a part not named "file". */
    m = (ti_multipart){0};
    ti_mp_file(&m, "upload", "f.pgm", img, len);
    ti_mp_end(&m);
    CHECK(ts_call(&t, "POST", "/api/v1/reports", mp, m.buf, m.len, &r));
    CHECK_INT_EQ(r.status, 400);
    ts_response_free(&r);
    free(m.buf);
    free(img);

    /* Request state is released when the connection finishes the request,
     * which may be a moment after the answer arrived. */
    char vault[400];
    snprintf(vault, sizeof vault, "%s/data/vault", t.dir);
    for (int i = 0; i < 50 && ti_count_files(vault) > 0; i++)
        usleep(100 * 1000);
    CHECK_INT_EQ(ti_count_files(vault), 0);
    CHECK_INT_EQ(ti_sql_int(&t, "SELECT count(*) FROM reports"), 0);
    ts_stop(&t);
}

static void test_idempotency_and_rate(void)
{
    ts_server t;
    CHECK(ts_start(&t, NULL));
    client c, other;
    new_client(&t, 0, &c);
    new_client(&t, 0, &other);
    ts_response r1, r2, r3;
    const char *body = "{\"urls\":[\"https://example.test/idem\"]}";
    CHECK(post_json(&t, &c, "retry-1", body, &r1));
    CHECK(post_json(&t, &c, "retry-1", body, &r2));
    CHECK_INT_EQ(r1.status, 201);
    CHECK_INT_EQ(r2.status, 201);
    CHECK_STR_EQ(r1.body, r2.body);
    CHECK_INT_EQ(ti_sql_int(&t, "SELECT count(*) FROM reports"), 1);
    /* Another key, or another partner with the same key: new reports. */
    CHECK(post_json(&t, &c, "retry-2", body, &r3));
    CHECK(r3.status == 201 && strcmp(r3.body, r1.body) != 0);
    ts_response_free(&r3);
    CHECK(post_json(&t, &other, "retry-1", body, &r3));
    CHECK(r3.status == 201 && strcmp(r3.body, r1.body) != 0);
    ts_response_free(&r3);
    CHECK_INT_EQ(ti_sql_int(&t, "SELECT count(*) FROM reports"), 3);
    ts_response_free(&r1);
    ts_response_free(&r2);
    expect_error(&t, &c, body, 201, "");
    ts_response r;
    char idem_bad[] = "Idempotency-Key: has space";
    const char *headers[] = {c.auth, "Content-Type: application/json", idem_bad, NULL};
    CHECK(ts_call(&t, "POST", "/api/v1/reports", headers, body, strlen(body), &r));
    char got[64];
    CHECK(r.status == 400 && !strcmp(error_code(&r, got, sizeof got), "invalid_idempotency_key"));
    ts_response_free(&r);

    /* A key limited to 2 a second is throttled with a JSON 429. */
    client slow;
    new_client(&t, 2, &slow);
    int limited = 0, created = 0;
    for (int i = 0; i < 8; i++) {
        CHECK(post_json(&t, &slow, NULL, body, &r));
        limited += r.status == 429 && !strcmp(error_code(&r, got, sizeof got), "rate_limited");
        created += r.status == 201;
        ts_response_free(&r);
    }
    CHECK(limited > 0 && created >= 2);
    ts_stop(&t);
}

static void test_cases_link(void)
{
    ts_server t;
    CHECK(ts_start(&t, NULL));
    client c;
    new_client(&t, 0, &c);
    ts_response r;
    const char *sha = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    char body[400];
    /* Same place, spelt two ways. */
    CHECK(post_json(&t, &c, NULL, "{\"urls\":[\"http://Shared.test/a/./b#x\"]}", &r));
    ts_response_free(&r);
    CHECK(post_json(&t, &c, NULL, "{\"urls\":[\"shared.test:80/a/b\"]}", &r));
    ts_response_free(&r);
    /* Same file by digest, then the same account. */
    snprintf(body, sizeof body, "{\"files\":[{\"sha256\":\"%s\"}],\"account\":\"lone\"}", sha);
    CHECK(post_json(&t, &c, NULL, body, &r));
    ts_response_free(&r);
    snprintf(body, sizeof body, "{\"files\":[{\"sha256\":\"%s\"}]}", sha);
    CHECK(post_json(&t, &c, NULL, body, &r));
    ts_response_free(&r);
    CHECK(post_json(&t, &c, NULL, "{\"account\":\"lone\"}", &r));
    ts_response_free(&r);
    CHECK(post_json(&t, &c, NULL, "{\"urls\":[\"http://unrelated.test/\"]}", &r));
    ts_response_free(&r);
    /* Near-duplicate pictures (PDQ 4 bits apart, different files) meet;
     * a picture far from both does not. */
    const char *pdq_a = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";
    const char *pdq_b = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b2d";
    const char *pdq_far = "070f0f311f0b57b0f9c8f5ddfc709c0f4c91d12a699de1e2cc194c63b16364dd";
    const char *shas[] = {"b1", "b2", "b3"};
    const char *pdqs[] = {pdq_a, pdq_b, pdq_far};
    for (int i = 0; i < 3; i++) {
        char sha_hex[65];
        memset(sha_hex, shas[i][1], 64);
        sha_hex[64] = 0;
        snprintf(body, sizeof body, "{\"files\":[{\"sha256\":\"%s\",\"pdq\":\"%s\"}]}",
                 sha_hex, pdqs[i]);
        CHECK(post_json(&t, &c, NULL, body, &r));
        CHECK_INT_EQ(r.status, 201);
        ts_response_free(&r);
    }
    CHECK_INT_EQ(ti_sql_int(&t, "SELECT count(DISTINCT case_id) FROM reports WHERE id IN (7, 8)"),
                 1);
    CHECK_INT_EQ(ti_sql_int(&t, "SELECT count(DISTINCT case_id) FROM reports WHERE id IN (7, 9)"),
                 2);
    CHECK_INT_EQ(ti_sql_int(&t, "SELECT count(*) FROM cases"), 5);
    CHECK_INT_EQ(ti_sql_int(&t, "SELECT count(DISTINCT case_id) FROM reports"), 5);
    CHECK_INT_EQ(ti_sql_int(&t, "SELECT count(DISTINCT case_id) FROM reports WHERE id IN (1, 2)"),
                 1);
    CHECK_INT_EQ(ti_sql_int(&t, "SELECT count(DISTINCT case_id) FROM reports WHERE id IN (3, 4, 5)"),
                 1);
    ts_stop(&t);
}

/* intake.pdq_threshold (31 by default) is the most bits two pictures may
 * differ by and still meet in one case: 31 bits apart join, 32 do not.
 * The hashes are written so that their distances are known by counting:
 * A is all zeros, B sets 31 bits of the first half, C the 32 bits of the
 * last eight hex digits (B and C share no bit: 63 apart). */
static void test_pdq_threshold_boundary(void)
{
    ts_server t;
    CHECK(ts_start(&t, NULL));
    client c;
    new_client(&t, 0, &c);
    const char *pdq_a = "0000000000000000000000000000000000000000000000000000000000000000";
    const char *pdq_b = "fffffff700000000000000000000000000000000000000000000000000000000";
    const char *pdq_c = "00000000000000000000000000000000000000000000000000000000ffffffff";
    const char *pdqs[] = {pdq_a, pdq_c, pdq_b};
    ts_response r;
    char body[400];
    for (int i = 0; i < 3; i++) {
        char sha[65];
        memset(sha, "abc"[i], 64);
        sha[64] = 0;
        snprintf(body, sizeof body, "{\"files\":[{\"sha256\":\"%s\",\"pdq\":\"%s\"}]}", sha,
                 pdqs[i]);
        CHECK(post_json(&t, &c, NULL, body, &r));
        CHECK_INT_EQ(r.status, 201);
        ts_response_free(&r);
    }
    /* reports 1 (A), 2 (C, 32 bits from A), 3 (B, 31 bits from A) */
    CHECK_INT_EQ(ti_sql_int(&t, "SELECT count(DISTINCT case_id) FROM reports WHERE id IN (1, 2)"),
                 2);
    CHECK_INT_EQ(ti_sql_int(&t, "SELECT count(DISTINCT case_id) FROM reports WHERE id IN (1, 3)"),
                 1);
    CHECK_INT_EQ(ti_sql_int(&t, "SELECT count(*) FROM cases"), 2);
    ts_stop(&t);
}

/* An index whose bank holds the SHA-256 of one picture and the PDQ of
 * another: uploads of them are marked known, an unrelated one is not. */
static void test_bank_matches(void)
{
    char dir[] = "/tmp/vg-intake-index-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char index_path[300];
    snprintf(index_path, sizeof index_path, "%s/banks.vgi", dir);
    size_t a_len = 0, b_len = 0, c_len = 0;
    uint8_t *a = ti_image(11, &a_len), *b = ti_image(12, &b_len), *cimg = ti_image(200, &c_len);
    for (size_t i = 13; i < c_len; i++)
        cimg[i] = (uint8_t)(i * 7919u >> 3); /* nothing like a or b */

    vg_filehash_options fo = {.pdq = true};
    vg_filehasher *hasher = NULL;
    vg_filehash ha, hb;
    CHECK(vg_filehasher_new(&fo, &hasher, NULL) == VG_OK);
    CHECK(vg_filehasher_buffer(hasher, a, a_len, "a", &ha, NULL) == VG_OK);
    CHECK(vg_filehasher_buffer(hasher, b, b_len, "b", &hb, NULL) == VG_OK && hb.has_pdq);
    vg_filehasher_free(hasher);
    vg_index_builder *builder = NULL;
    uint32_t bank = 0;
    CHECK(vg_index_builder_new(&builder, NULL) == VG_OK);
    CHECK(vg_index_builder_add_bank(builder, "test-bank", NULL, 0, &bank, NULL) == VG_OK);
    /* metadata "" rather than NULL: the builder copies it even when empty. */
    vg_bank_entry e = {.type = VG_SIGNAL_SHA256, .id = "entry-a", .id_len = 7, .metadata = ""};
    memcpy(e.value, ha.digests.sha256, 32);
    CHECK(vg_index_builder_add(builder, bank, &e, NULL) == VG_OK);
    e = (vg_bank_entry){.type = VG_SIGNAL_PDQ, .id = "entry-b", .id_len = 7, .metadata = ""};
    memcpy(e.value, hb.pdq.hashes[0].bytes, 32);
    e.value[0] ^= 0x07; /* three bits away */
    CHECK(vg_index_builder_add(builder, bank, &e, NULL) == VG_OK);
    CHECK(vg_index_builder_write(builder, index_path, NULL) == VG_OK);
    vg_index_builder_free(builder);

    char extra[400];
    snprintf(extra, sizeof extra, "intake.index = %s\n", index_path);
    ts_server t;
    CHECK(ts_start(&t, extra));
    client c;
    new_client(&t, 0, &c);
    ti_multipart m = {0};
    ti_mp_file(&m, "file", "a.pgm", a, a_len);
    ti_mp_file(&m, "file", "b.pgm", b, b_len);
    ti_mp_file(&m, "file", "c.pgm", cimg, c_len);
    ti_mp_end(&m);
    const char *mp[] = {c.auth, "Content-Type: multipart/form-data; boundary=" TI_BOUNDARY, NULL};
    ts_response r;
    CHECK(ts_call(&t, "POST", "/api/v1/reports", mp, m.buf, m.len, &r));
    CHECK_MSG(r.status == 201, "%ld %s", r.status, r.body);
    CHECK(strstr(r.body, "entry-") == NULL); /* matches are not told to the sender */
    ts_response_free(&r);
    free(m.buf);
    char text[300];
    CHECK_STR_EQ(ti_sql_text(&t, "SELECT group_concat(x, ';') FROM (SELECT filename || ' ' || "
                                 "known || ' ' || coalesce(bank, '-') || ' ' || "
                                 "coalesce(bank_entry, '-') || ' ' || coalesce(CAST(distance AS TEXT), '-') AS x "
                                 "FROM report_files ORDER BY id) AS u",
                             text, sizeof text),
                 "a.pgm 1 test-bank entry-a 0;b.pgm 1 test-bank entry-b 3;c.pgm 0 - - 0");
    ts_stop(&t);
    /* A digest-only file matching the bank is the sender's claim, marked so
     * (2), never known (1): a quoted digest proves nothing. */
    CHECK(ts_start(&t, extra));
    new_client(&t, 0, &c);
    char hex[65], body[200];
    vg_hex_encode(ha.digests.sha256, 32, hex);
    snprintf(body, sizeof body, "{\"files\":[{\"sha256\":\"%s\"}]}", hex);
    CHECK(post_json(&t, &c, NULL, body, &r));
    CHECK_INT_EQ(r.status, 201);
    ts_response_free(&r);
    CHECK_INT_EQ(ti_sql_int(&t, "SELECT known FROM report_files"), VG_FILE_CLAIMED);
    ts_stop(&t);
    ts_remove_dir(dir);
    free(a);
    free(b);
    free(cimg);
}

/* Negative banks (a "polarity" column holding "negative": known false
 * positives) are matched at intake and never count: a negative digest
 * leaves the file unknown whatever else matches it; a negative PDQ entry
 * nearer than the positive one outweighs it, a farther one does not
 * (docs/exchange.md, negative banks). */
static void test_negative_banks(void)
{
    char dir[] = "/tmp/vg-intake-negative-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char index_path[300];
    snprintf(index_path, sizeof index_path, "%s/banks.vgi", dir);
    size_t len[3];
    uint8_t *img[3];
    vg_filehash fh[3];
    vg_filehash_options fo = {.pdq = true};
    vg_filehasher *hasher = NULL;
    CHECK(vg_filehasher_new(&fo, &hasher, NULL) == VG_OK);
    for (int i = 0; i < 3; i++) {
        img[i] = ti_image(61 + i, &len[i]);
        CHECK(vg_filehasher_buffer(hasher, img[i], len[i], "x", &fh[i], NULL) == VG_OK &&
              fh[i].has_pdq);
    }
    vg_filehasher_free(hasher);
    vg_index_builder *builder = NULL;
    uint32_t known = 0, benign = 0;
    CHECK(vg_index_builder_new(&builder, NULL) == VG_OK);
    CHECK(vg_index_builder_add_bank(builder, "known", NULL, 0, &known, NULL) == VG_OK);
    CHECK(vg_index_builder_add_bank(builder, "benign", "polarity\0", 9, &benign, NULL) == VG_OK);
    /* picture 0: listed by SHA-256, and its MD5 listed as benign */
    vg_bank_entry e = {.type = VG_SIGNAL_SHA256, .id = "k0", .id_len = 2, .metadata = ""};
    memcpy(e.value, fh[0].digests.sha256, 32);
    CHECK(vg_index_builder_add(builder, known, &e, NULL) == VG_OK);
    e = (vg_bank_entry){.type = VG_SIGNAL_MD5, .id = "n0", .id_len = 2, .metadata = "negative",
                        .metadata_len = 9};
    memcpy(e.value, fh[0].digests.md5, 16);
    CHECK(vg_index_builder_add(builder, benign, &e, NULL) == VG_OK);
    /* picture 1: known at 3 bits, benign at 1 bit; picture 2 the other way */
    for (int i = 1; i < 3; i++) {
        e = (vg_bank_entry){.type = VG_SIGNAL_PDQ, .id = i == 1 ? "k1" : "k2", .id_len = 2,
                            .metadata = ""};
        memcpy(e.value, fh[i].pdq.hashes[0].bytes, 32);
        e.value[0] ^= i == 1 ? 0x07 : 0x01;
        CHECK(vg_index_builder_add(builder, known, &e, NULL) == VG_OK);
        e = (vg_bank_entry){.type = VG_SIGNAL_PDQ, .id = i == 1 ? "n1" : "n2", .id_len = 2,
                            .metadata = "NEGATIVE", .metadata_len = 9};
        memcpy(e.value, fh[i].pdq.hashes[0].bytes, 32);
        e.value[1] ^= i == 1 ? 0x01 : 0x1f;
        CHECK(vg_index_builder_add(builder, benign, &e, NULL) == VG_OK);
    }
    CHECK(vg_index_builder_write(builder, index_path, NULL) == VG_OK);
    vg_index_builder_free(builder);

    char extra[400];
    snprintf(extra, sizeof extra, "intake.index = %s\n", index_path);
    ts_server t;
    CHECK(ts_start(&t, extra));
    client c;
    new_client(&t, 0, &c);
    ti_multipart m = {0};
    ti_mp_file(&m, "file", "p0.pgm", img[0], len[0]);
    ti_mp_file(&m, "file", "p1.pgm", img[1], len[1]);
    ti_mp_file(&m, "file", "p2.pgm", img[2], len[2]);
    ti_mp_end(&m);
    const char *mp[] = {c.auth, "Content-Type: multipart/form-data; boundary=" TI_BOUNDARY, NULL};
    ts_response r;
    CHECK(ts_call(&t, "POST", "/api/v1/reports", mp, m.buf, m.len, &r));
    CHECK_MSG(r.status == 201, "%ld %s", r.status, r.body);
    ts_response_free(&r);
    free(m.buf);
    char text[300];
    CHECK_STR_EQ(ti_sql_text(&t, "SELECT group_concat(x, ';') FROM (SELECT filename || ' ' || "
                                 "known || ' ' || coalesce(bank, '-') || ' ' || "
                                 "coalesce(bank_entry, '-') AS x FROM report_files ORDER BY id) AS u",
                             text, sizeof text),
                 "p0.pgm 0 - -;p1.pgm 0 - -;p2.pgm 1 known k2");
    ts_stop(&t);
    ts_remove_dir(dir);
    for (int i = 0; i < 3; i++)
        free(img[i]);
}

static int connect_to(const ts_server *t)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(t->port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* The connection dies in the middle of a file: nothing is kept, the
 * server goes on. */
static void test_upload_cut_half_way(void)
{
    ts_server t;
    CHECK(ts_start(&t, NULL));
    client c;
    new_client(&t, 0, &c);
    size_t len = 0;
    uint8_t *img = ti_image(5, &len);
    ti_multipart m = {0};
    ti_mp_field(&m, "report", "{\"account\":\"x\"}");
    ti_mp_file(&m, "file", "cut.pgm", img, len);
    ti_mp_file(&m, "file", "cut2.pgm", img, len);
    ti_mp_end(&m);
    char head[512];
    int hn = snprintf(head, sizeof head,
                      "POST /api/v1/reports HTTP/1.1\r\nHost: x\r\n%s\r\nContent-Type: "
                      "multipart/form-data; boundary=" TI_BOUNDARY "\r\nContent-Length: %zu\r\n\r\n",
                      c.auth, m.len);
    int fd = connect_to(&t);
    CHECK(fd >= 0);
    if (fd >= 0) {
        CHECK(send(fd, head, (size_t)hn, MSG_NOSIGNAL) == hn);
        size_t part = m.len * 2 / 3; /* inside the second file */
        CHECK(send(fd, m.buf, part, MSG_NOSIGNAL) == (ssize_t)part);
        usleep(200 * 1000);
        close(fd);
    }
    free(m.buf);
    free(img);
    /* The server notices the close and releases the request. */
    char vault[400];
    snprintf(vault, sizeof vault, "%s/data/vault", t.dir);
    for (int i = 0; i < 50 && ti_count_files(vault) > 0; i++)
        usleep(100 * 1000);
    CHECK_INT_EQ(ti_count_files(vault), 0);
    ts_response r;
    CHECK(ts_call(&t, "GET", "/healthz", NULL, NULL, 0, &r));
    CHECK_INT_EQ(r.status, 200);
    ts_response_free(&r);
    CHECK(post_json(&t, &c, NULL, "{\"account\":\"after\"}", &r));
    CHECK_INT_EQ(r.status, 201);
    ts_response_free(&r);
    CHECK_INT_EQ(ti_sql_int(&t, "SELECT count(*) FROM reports"), 1);
    ts_stop(&t);
}

/* "child_in_danger": true raises an alert with the report; false, absent
 * or null raise none; anything else is refused before anything is stored. */
static void test_child_in_danger(void)
{
    ts_server t;
    CHECK(ts_start(&t, NULL));
    client c;
    new_client(&t, 0, &c);
    expect_error(&t, &c, "{\"account\":\"x\",\"child_in_danger\":\"yes\"}", 400,
                 "invalid_field");
    expect_error(&t, &c, "{\"account\":\"x\",\"child_in_danger\":1}", 400, "invalid_field");
    const char *bodies[] = {"{\"account\":\"a\",\"child_in_danger\":true}",
                            "{\"account\":\"b\",\"child_in_danger\":false}",
                            "{\"account\":\"c\",\"child_in_danger\":null}",
                            "{\"account\":\"d\"}"};
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        ts_response r;
        CHECK(post_json(&t, &c, NULL, bodies[i], &r));
        CHECK_MSG(r.status == 201, "%s: %ld", bodies[i], r.status);
        ts_response_free(&r);
    }
    CHECK_INT_EQ(ti_sql_int(&t, "SELECT count(*) FROM reports"), 4);
    char text[128];
    /* group_concat with its separator: PostgreSQL's string_agg needs one */
    CHECK_STR_EQ(ti_sql_text(&t, "SELECT group_concat(r.account || ':' || a.reason, ',') FROM "
                                 "alerts a JOIN reports r ON r.id = a.report_id WHERE r.danger = 1",
                             text, sizeof text),
                 "a:danger");
    CHECK_INT_EQ(ti_sql_int(&t, "SELECT count(*) FROM alerts"), 1);
    ts_stop(&t);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    RUN(test_happy_paths);
    RUN(test_refusals);
    RUN(test_idempotency_and_rate);
    RUN(test_cases_link);
    RUN(test_pdq_threshold_boundary);
    RUN(test_bank_matches);
    RUN(test_negative_banks);
    RUN(test_upload_cut_half_way);
    RUN(test_child_in_danger);
    curl_global_cleanup();
    return vg_test_exit();
}

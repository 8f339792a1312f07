/*
 * The HMA-compatible API (src/server/hma): the answers HMA's clients read,
 * checked against the public PDQ and vPDQ reference hashes of shared/ and
 * against HMA's documented shapes, status codes and error bodies; the
 * scopes of the keys; the prefix; no URL is ever fetched.
 */
#include <jansson.h>

#include "server_test.h"
#include "store_peek.h"
#include "test_intake_common.h"
#include "vigie/index.h"
#include "vigie/pdq.h"

/* From shared/testdata/pdq/reference.csv */
#define PDQ_ORIG "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
#define PDQ_BLUR "f8f8f0cee0f4a84f0637022a038f67f0b36e26d596621e1d33e6b39c4e9c9b22"
/* From shared/testdata/vpdq/hashes/chair-19-sd-bar.txt, frame 0 */
#define VPDQ_CHAIR0 "e271017837246aaccddea259648fb7d62f435c89d9e99b2497763e216c8d055c"
#define MD5_KNOWN "0123456789abcdef0123456789abcdef"

/* Hamming distance of two hex strings, counted here (not by vigie). */
static int hex_distance(const char *a, const char *b)
{
    int d = 0;
    for (size_t i = 0; a[i] && b[i]; i++) {
        int x = (a[i] <= '9' ? a[i] - '0' : a[i] - 'a' + 10) ^
                (b[i] <= '9' ? b[i] - '0' : b[i] - 'a' + 10);
        d += __builtin_popcount((unsigned)x);
    }
    return d;
}

/* An index with bank "hotline-net": the original bridge picture's PDQ as
 * entry 0, an MD5 as entry 1; and bank "other-net", empty of both. */
static void build_index(const char *path)
{
    vg_index_builder *b = NULL;
    uint32_t net, other;
    CHECK(vg_index_builder_new(&b, NULL) == VG_OK);
    CHECK(vg_index_builder_add_bank(b, "hotline-net", "series\0", 7, &net, NULL) == VG_OK);
    CHECK(vg_index_builder_add_bank(b, "other-net", NULL, 0, &other, NULL) == VG_OK);
    vg_bank_entry e = {
        .type = VG_SIGNAL_PDQ, .id = "bridge-1", .id_len = 8, .metadata = "s1", .metadata_len = 3};
    vg_pdq_hash h;
    CHECK(vg_pdq_from_hex(PDQ_ORIG, &h) == VG_OK);
    memcpy(e.value, h.bytes, 32);
    CHECK(vg_index_builder_add(b, net, &e, NULL) == VG_OK);
    vg_bank_entry m = {
        .type = VG_SIGNAL_MD5, .id = "m-1", .id_len = 3, .metadata = "s2", .metadata_len = 3};
    CHECK(vg_hex_decode(MD5_KNOWN, m.value, 16) == VG_OK);
    CHECK(vg_index_builder_add(b, net, &m, NULL) == VG_OK);
    CHECK(vg_index_builder_write(b, path, NULL) == VG_OK);
    vg_index_builder_free(b);
}

typedef struct hma_test {
    ts_server t;
    char index[400];
    char match_key[80], hash_key[80], curate_key[80], report_key[80];
} hma_test;

static int hma_start(hma_test *h, const char *more)
{
    char extra[1200];
    snprintf(h->index, sizeof h->index, "%s/hma-index-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    int fd = mkstemp(h->index);
    if (fd < 0)
        return 0;
    close(fd);
    build_index(h->index);
    snprintf(extra, sizeof extra, "intake.index = %s\n%s", h->index, more ? more : "");
    if (!ts_start(&h->t, extra))
        return 0;
    return ts_api_key_scoped(&h->t, "Matcher", 100000, VG_SCOPE_MATCH, h->match_key) > 0 &&
           ts_api_key_scoped(&h->t, "Hasher", 100000, VG_SCOPE_HASH, h->hash_key) > 0 &&
           ts_api_key_scoped(&h->t, "Curator", 100000, VG_SCOPE_CURATE, h->curate_key) > 0 &&
           ts_api_key_scoped(&h->t, "Reporter", 100000, VG_SCOPE_REPORT, h->report_key) > 0;
}

static void hma_stop(hma_test *h)
{
    ts_stop(&h->t);
    unlink(h->index);
}

/* GET path with key; the body parsed as JSON into *json (NULL when it is
 * not JSON). Returns the status. */
static long get_json(hma_test *h, const char *key, const char *path, json_t **json)
{
    char auth[120];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", key);
    const char *headers[] = {auth, NULL};
    ts_response r;
    *json = NULL;
    if (!ts_call(&h->t, "GET", path, headers, NULL, 0, &r))
        return -1;
    *json = r.body ? json_loads(r.body, 0, NULL) : NULL;
    long status = r.status;
    ts_response_free(&r);
    return status;
}

static long post_json(hma_test *h, const char *key, const char *path, const char *ctype,
                      const char *body, size_t len, json_t **json)
{
    char auth[120], type[160];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", key);
    snprintf(type, sizeof type, "Content-Type: %s", ctype);
    const char *headers[] = {auth, type, NULL};
    ts_response r;
    *json = NULL;
    if (!ts_call(&h->t, "POST", path, headers, body, len, &r))
        return -1;
    *json = r.body ? json_loads(r.body, 0, NULL) : NULL;
    long status = r.status;
    ts_response_free(&r);
    return status;
}

/* An error as HMA answers them: {"message": "..."} and nothing else. */
static int hma_error(json_t *j, const char *needle)
{
    const char *m = json_string_value(json_object_get(j, "message"));
    return json_is_object(j) && json_object_size(j) == 1 && m &&
           (!needle || strstr(m, needle) != NULL);
}

static uint8_t *shared_file(const char *rel, size_t *len)
{
    char path[600];
    snprintf(path, sizeof path, "%s/testdata/%s", vg_test_shared_dir(), rel);
    return vg_test_read_file(path, len);
}

static long post_file(hma_test *h, const char *key, const char *path, const char *field,
                      const uint8_t *data, size_t len, int twice, json_t **json)
{
    ti_multipart m = {0};
    ti_mp_file(&m, field, "upload.bin", data, len);
    if (twice)
        ti_mp_file(&m, field, "again.bin", data, len);
    ti_mp_end(&m);
    long status =
        post_json(h, key, path, "multipart/form-data; boundary=" TI_BOUNDARY, m.buf, m.len, json);
    free(m.buf);
    return status;
}

static void test_hashing(void)
{
    hma_test h;
    CHECK(hma_start(&h, NULL));
    size_t len = 0, vlen = 0;
    uint8_t *photo = shared_file("pdq/images/aaa-orig.jpg", &len);
    uint8_t *video = shared_file("vpdq/videos/chair-19-sd-bar.mp4", &vlen);
    CHECK(photo && video);
    json_t *j;
    /* a photo: its PDQ, as the reference */
    CHECK_INT_EQ(post_file(&h, h.hash_key, "/hma/h/hash", "photo", photo, len, 0, &j), 200);
    CHECK(json_object_size(j) == 1);
    CHECK_STR_EQ(json_string_value(json_object_get(j, "pdq")), PDQ_ORIG);
    json_decref(j);
    /* a video: its MD5 and its vPDQ signal, frames one second apart,
     * starting with the reference's first frame */
    CHECK_INT_EQ(post_file(&h, h.hash_key, "/hma/h/hash", "video", video, vlen, 0, &j), 200);
    vg_digests d;
    char md5[33];
    vg_digest_buffer(video, vlen, &d, NULL);
    vg_hex_encode(d.md5, 16, md5);
    CHECK_STR_EQ(json_string_value(json_object_get(j, "video_md5")), md5);
    const char *vpdq = json_string_value(json_object_get(j, "vpdq"));
    CHECK_MSG(vpdq && !strncmp(vpdq, "[\"" VPDQ_CHAIR0 ",100,0.000\"", 2 + 64 + 11), "%.120s",
              vpdq ? vpdq : "");
    json_t *frames = vpdq ? json_loads(vpdq, 0, NULL) : NULL;
    CHECK(json_is_array(frames) && json_array_size(frames) >= 18 && json_array_size(frames) <= 20);
    json_decref(frames);
    json_decref(j);
    /* types selects; a type the content has not is refused as HMA does */
    CHECK_INT_EQ(
        post_file(&h, h.hash_key, "/hma/h/hash?types=video_md5", "video", video, vlen, 0, &j), 200);
    CHECK(json_object_size(j) == 1 && json_object_get(j, "video_md5"));
    json_decref(j);
    CHECK_INT_EQ(post_file(&h, h.hash_key, "/hma/h/hash?types=pdq,md9", "photo", photo, len, 0, &j),
                 400);
    CHECK(hma_error(j, "signal type 'md9' doesn't exist or is disabled"));
    json_decref(j);
    /* one file only, named by its content type */
    CHECK_INT_EQ(post_file(&h, h.hash_key, "/hma/h/hash", "photo", photo, len, 1, &j), 400);
    CHECK(hma_error(j, "Only one file allowed per request"));
    json_decref(j);
    CHECK_INT_EQ(post_file(&h, h.hash_key, "/hma/h/hash", "document", photo, len, 0, &j), 400);
    CHECK(hma_error(j, "no such content_type: 'document'"));
    json_decref(j);
    CHECK_INT_EQ(post_json(&h, h.hash_key, "/hma/h/hash", "application/json", "{}", 2, &j), 400);
    CHECK(hma_error(j, "Missing multipart/form-data file upload"));
    json_decref(j);
    /* not a picture: a clear 400, no crash */
    CHECK_INT_EQ(
        post_file(&h, h.hash_key, "/hma/h/hash", "photo", (const uint8_t *)"GIF89a", 6, 0, &j),
        400);
    CHECK(hma_error(j, "could not be hashed"));
    json_decref(j);
    /* a URL is never fetched for a partner */
    CHECK_INT_EQ(get_json(&h, h.hash_key, "/hma/h/hash?url=http://127.0.0.1:1/x.jpg", &j), 403);
    CHECK(hma_error(j, "Fetching a URL is off"));
    json_decref(j);
    CHECK_INT_EQ(get_json(&h, h.hash_key, "/hma/h/hash", &j), 400);
    CHECK(hma_error(j, "url is required"));
    json_decref(j);
    /* POST /m/lookup hashes the file and looks each signal up */
    CHECK_INT_EQ(post_file(&h, h.match_key, "/hma/m/lookup", "photo", photo, len, 0, &j), 200);
    json_t *pdq = json_object_get(j, "pdq");
    CHECK(json_is_array(pdq) && json_array_size(pdq) == 1 &&
          !strcmp(json_string_value(json_array_get(pdq, 0)), "hotline-net"));
    json_decref(j);
    free(photo);
    free(video);
    hma_stop(&h);
}

static void test_matching(void)
{
    hma_test h;
    CHECK(hma_start(&h, NULL));
    json_t *j;
    int blur = hex_distance(PDQ_ORIG, PDQ_BLUR);
    CHECK(blur > 0 && blur <= 31);
    /* lookup: the banks' names */
    CHECK_INT_EQ(get_json(&h, h.match_key, "/hma/m/lookup?signal_type=pdq&signal=" PDQ_BLUR, &j),
                 200);
    CHECK(json_is_array(j) && json_array_size(j) == 1 &&
          !strcmp(json_string_value(json_array_get(j, 0)), "hotline-net"));
    json_decref(j);
    CHECK_INT_EQ(get_json(&h, h.match_key,
                          "/hma/m/lookup?signal_type=pdq&banks=other-net&signal=" PDQ_BLUR, &j),
                 200);
    CHECK(json_is_array(j) && json_array_size(j) == 0);
    json_decref(j);
    CHECK_INT_EQ(
        get_json(&h, h.match_key, "/hma/m/lookup?signal_type=video_md5&signal=" MD5_KNOWN, &j),
        200);
    CHECK(json_is_array(j) && json_array_size(j) == 1);
    json_decref(j);
    /* far from every entry: nothing */
    CHECK_INT_EQ(get_json(&h, h.match_key,
                          "/hma/m/lookup?signal_type=pdq&signal=0000000000000000000000000000000"
                          "000000000000000000000000000000000",
                          &j),
                 200);
    CHECK(json_is_array(j) && json_array_size(j) == 0);
    json_decref(j);
    /* what HMA refuses, it refuses with 400 and a message */
    CHECK_INT_EQ(get_json(&h, h.match_key, "/hma/m/lookup?signal_type=pdq&signal=zz", &j), 400);
    CHECK(hma_error(j, "invalid signal"));
    json_decref(j);
    CHECK_INT_EQ(get_json(&h, h.match_key, "/hma/m/lookup?signal_type=tmk&signal=ab", &j), 400);
    CHECK(hma_error(j, "No such SignalType 'tmk'"));
    json_decref(j);
    CHECK_INT_EQ(get_json(&h, h.match_key, "/hma/m/lookup?signal_type=pdq", &j), 400);
    CHECK(hma_error(j, "signal"));
    json_decref(j);
    /* raw_lookup: content ids, with distances on request */
    CHECK_INT_EQ(
        get_json(&h, h.match_key, "/hma/m/raw_lookup?signal_type=pdq&signal=" PDQ_BLUR, &j), 200);
    json_t *matches = json_object_get(j, "matches");
    CHECK(json_is_array(matches) && json_array_size(matches) == 1 &&
          json_integer_value(json_array_get(matches, 0)) == 0);
    json_decref(j);
    CHECK_INT_EQ(
        get_json(&h, h.match_key,
                 "/hma/m/raw_lookup?signal_type=pdq&include_distance=true&signal=" PDQ_BLUR, &j),
        200);
    json_t *first = json_array_get(json_object_get(j, "matches"), 0);
    char want[16];
    snprintf(want, sizeof want, "%d", blur);
    CHECK(first && json_integer_value(json_object_get(first, "content_id")) == 0);
    CHECK_STR_EQ(json_string_value(json_object_get(first, "distance")), want);
    json_decref(j);
    /* index status: present, its size per type, built when its file was */
    struct stat sb;
    CHECK(stat(h.index, &sb) == 0);
    CHECK_INT_EQ(get_json(&h, h.match_key, "/hma/m/index/status", &j), 200);
    json_t *p = json_object_get(j, "pdq"), *v = json_object_get(j, "video_md5");
    CHECK(json_is_true(json_object_get(p, "present")));
    CHECK_INT_EQ(json_integer_value(json_object_get(p, "size")), 1);
    CHECK_INT_EQ(json_integer_value(json_object_get(p, "built_to")), (long long)sb.st_mtime);
    CHECK_INT_EQ(json_integer_value(json_object_get(v, "size")), 1);
    CHECK(json_object_get(j, "vpdq") != NULL);
    json_decref(j);
    CHECK_INT_EQ(get_json(&h, h.match_key, "/hma/m/index/status?signal_type=pdq", &j), 200);
    CHECK(json_object_size(j) == 1);
    json_decref(j);
    CHECK_INT_EQ(get_json(&h, h.match_key, "/hma/m/index/status?signal_type=nope", &j), 400);
    CHECK(hma_error(j, "No such signal type 'nope'"));
    json_decref(j);
    /* compare: [match, {"distance": n}] per signal type */
    const char *pair = "{\"pdq\":[\"" PDQ_ORIG "\",\"" PDQ_BLUR "\"],"
                       "\"video_md5\":[\"" MD5_KNOWN "\",\"" MD5_KNOWN "\"]}";
    CHECK_INT_EQ(
        post_json(&h, h.match_key, "/hma/m/compare", "application/json", pair, strlen(pair), &j),
        200);
    json_t *c = json_object_get(j, "pdq");
    CHECK(json_is_true(json_array_get(c, 0)));
    CHECK_INT_EQ(json_integer_value(json_object_get(json_array_get(c, 1), "distance")), blur);
    CHECK(json_is_true(json_array_get(json_object_get(j, "video_md5"), 0)));
    json_decref(j);
    const char *bad[] = {"[]",
                         "{\"pdq\":\"x\"}",
                         "{\"pdq\":[\"" PDQ_ORIG "\"]}",
                         "{\"pdq\":[\"zz\",\"" PDQ_ORIG "\"]}",
                         "{\"tmk\":[\"a\",\"b\"]}",
                         "{"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_MSG(post_json(&h, h.match_key, "/hma/m/compare", "application/json", bad[i],
                            strlen(bad[i]), &j) == 400,
                  "compare %s", bad[i]);
        CHECK(hma_error(j, NULL));
        json_decref(j);
    }
    hma_stop(&h);
}

static void test_curation_reads(void)
{
    hma_test h;
    CHECK(hma_start(&h, NULL));
    json_t *j;
    CHECK_INT_EQ(get_json(&h, h.curate_key, "/hma/c/banks", &j), 200);
    CHECK(json_is_array(j) && json_array_size(j) == 2);
    json_t *b0 = json_array_get(j, 0);
    CHECK_STR_EQ(json_string_value(json_object_get(b0, "name")), "hotline-net");
    CHECK(json_real_value(json_object_get(b0, "matching_enabled_ratio")) == 1.0);
    json_decref(j);
    CHECK_INT_EQ(get_json(&h, h.curate_key, "/hma/c/bank/other-net", &j), 200);
    CHECK_STR_EQ(json_string_value(json_object_get(j, "name")), "other-net");
    json_decref(j);
    CHECK_INT_EQ(get_json(&h, h.curate_key, "/hma/c/bank/nowhere", &j), 404);
    CHECK(hma_error(j, "bank 'nowhere' not found"));
    json_decref(j);
    CHECK_INT_EQ(get_json(&h, h.curate_key,
                          "/hma/c/bank/hotline-net/content/0?include_signals=true", &j),
                 200);
    CHECK_INT_EQ(json_integer_value(json_object_get(j, "id")), 0);
    CHECK_STR_EQ(json_string_value(json_object_get(json_object_get(j, "signals"), "pdq")),
                 PDQ_ORIG);
    CHECK_STR_EQ(json_string_value(json_object_get(
                     json_object_get(json_object_get(j, "metadata"), "json"), "series")),
                 "s1");
    json_decref(j);
    /* an operator's entry: its bank id and columns as HMA's metadata;
     * signals only when asked, as HMA */
    CHECK_INT_EQ(get_json(&h, h.curate_key, "/hma/c/bank/hotline-net/content/0", &j), 200);
    CHECK(json_object_get(j, "signals") == NULL);
    CHECK_INT_EQ(json_integer_value(json_object_get(j, "disable_until_ts")), 1);
    CHECK_STR_EQ(json_string_value(json_object_get(json_object_get(j, "bank"), "name")),
                 "hotline-net");
    CHECK_STR_EQ(json_string_value(json_object_get(json_object_get(j, "metadata"), "content_id")),
                 "bridge-1");
    json_decref(j);
    /* content of another bank, past the end, not a number: not found */
    const char *missing[] = {"/hma/c/bank/other-net/content/0", "/hma/c/bank/hotline-net/content/2",
                             "/hma/c/bank/hotline-net/content/x",
                             "/hma/c/bank/hotline-net/content/99999999999999999999999"};
    for (size_t i = 0; i < 4; i++) {
        CHECK_MSG(get_json(&h, h.curate_key, missing[i], &j) == 404, "%s", missing[i]);
        CHECK(hma_error(j, NULL));
        json_decref(j);
    }
    hma_stop(&h);
}

/* Each part needs its scope; refusals and unknown addresses below the
 * prefix read as HMA's errors; the prefix is the operator's. */
static long call_json(hma_test *h, const char *method, const char *key, const char *path,
                      const char *body, json_t **json)
{
    char auth[120];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", key);
    const char *headers[] = {auth, "Content-Type: application/json", NULL};
    ts_response r;
    *json = NULL;
    if (!ts_call(&h->t, method, path, headers, body, body ? strlen(body) : 0, &r))
        return -1;
    *json = r.body ? json_loads(r.body, 0, NULL) : NULL;
    long status = r.status;
    ts_response_free(&r);
    return status;
}

/* Whether a lookup of the PDQ names bank. */
static int lookup_names(hma_test *h, const char *pdq, const char *bank)
{
    char path[200];
    snprintf(path, sizeof path, "/hma/m/lookup?signal_type=pdq&signal=%s", pdq);
    json_t *j;
    int found = 0;
    if (get_json(h, h->match_key, path, &j) == 200)
        for (size_t i = 0; i < json_array_size(j); i++)
            found |= !strcmp(json_string_value(json_array_get(j, i)), bank);
    json_decref(j);
    return found;
}

typedef struct audit_find {
    const char *action, *target;
    int count;
    char actor[64], detail[300];
} audit_find;

static int on_audit(const vg_audit_entry *e, void *ctx)
{
    audit_find *f = ctx;
    if (!strcmp(e->action, f->action) && !strcmp(e->target, f->target)) {
        f->count++;
        snprintf(f->actor, sizeof f->actor, "%s", e->actor);
        snprintf(f->detail, sizeof f->detail, "%s", e->detail);
    }
    return 0;
}

static int audited(hma_test *h, const char *action, const char *target, audit_find *f)
{
    *f = (audit_find){.action = action, .target = target};
    ts_audit_each(h->t.srv->hotline->store, on_audit, f);
    return f->count;
}

/* HMA's writes: a bank made, content added by signals and by file, found
 * by later lookups, disabled and enabled, the bank switched off and on,
 * content and bank deleted; each audited with the partner's key; the
 * operator's banks, and a trusted bank's name, are not the partners'. */
static void test_curation_writes(void)
{
    hma_test h;
    CHECK(hma_start(&h, "console.trusted_banks = TRUSTED=illegal_csam/A/b1\n"));
    json_t *j;
    CHECK_INT_EQ(call_json(&h, "POST", h.curate_key, "/hma/c/banks", "{\"name\":\"PARTNER_A\"}",
                           &j),
                 201);
    CHECK_STR_EQ(json_string_value(json_object_get(j, "name")), "PARTNER_A");
    CHECK(json_real_value(json_object_get(j, "matching_enabled_ratio")) == 1.0);
    json_decref(j);
    audit_find f;
    CHECK_INT_EQ(audited(&h, "bank.create", "bank:PARTNER_A", &f), 1);
    CHECK(!strncmp(f.actor, "key:", 4));
    CHECK_INT_EQ(call_json(&h, "POST", h.curate_key, "/hma/c/banks", "{\"name\":\"PARTNER_A\"}",
                           &j),
                 403);
    CHECK(hma_error(j, "Bank already exists"));
    json_decref(j);
    CHECK_INT_EQ(call_json(&h, "POST", h.curate_key, "/hma/c/banks", "{\"name\":\"hotline-net\"}",
                           &j),
                 403);
    json_decref(j);
    CHECK_INT_EQ(call_json(&h, "POST", h.curate_key, "/hma/c/banks", "{\"name\":\"TRUSTED\"}", &j),
                 403);
    CHECK(hma_error(j, "trusted_banks"));
    json_decref(j);
    const char *bad[] = {"{\"name\":\"a b\"}", "{}", "[1]", "{\"name\":\"B\",\"enabled_ratio\":2}",
                         "not json"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_MSG(call_json(&h, "POST", h.curate_key, "/hma/c/banks", bad[i], &j) == 400, "%s",
                  bad[i]);
        CHECK(hma_error(j, NULL));
        json_decref(j);
    }
    CHECK_INT_EQ(call_json(&h, "POST", h.match_key, "/hma/c/banks", "{\"name\":\"B\"}", &j), 403);
    json_decref(j);
    /* an empty bank made through the API is listed; disabled at birth */
    CHECK_INT_EQ(call_json(&h, "POST", h.curate_key, "/hma/c/banks",
                           "{\"name\":\"QUIET\",\"enabled\":false}", &j),
                 201);
    CHECK(json_real_value(json_object_get(j, "matching_enabled_ratio")) == 0.0);
    json_decref(j);
    CHECK_INT_EQ(get_json(&h, h.curate_key, "/hma/c/banks", &j), 200);
    CHECK_INT_EQ(json_array_size(j), 4);
    json_decref(j);

    /* a signal added: entry 2 (the index held 0 and 1), found by lookups */
    CHECK(!lookup_names(&h, PDQ_BLUR, "PARTNER_A"));
    CHECK_INT_EQ(call_json(&h, "POST", h.curate_key, "/hma/c/bank/PARTNER_A/signal",
                           "{\"pdq\":\"" PDQ_BLUR "\",\"note\":\"seen twice\"}", &j),
                 200);
    CHECK_INT_EQ(json_integer_value(json_object_get(j, "id")), 2);
    CHECK_STR_EQ(json_string_value(json_object_get(json_object_get(j, "signals"), "pdq")),
                 PDQ_BLUR);
    json_decref(j);
    CHECK(lookup_names(&h, PDQ_BLUR, "PARTNER_A"));
    CHECK(lookup_names(&h, PDQ_ORIG, "PARTNER_A")); /* within the threshold */
    CHECK_INT_EQ(audited(&h, "bank.content.add", "bank:PARTNER_A", &f), 1);
    CHECK(strstr(f.detail, "\"content_id\":2") != NULL);
    CHECK_INT_EQ(get_json(&h, h.curate_key, "/hma/c/bank/PARTNER_A/content/2?include_signals=true",
                          &j),
                 200);
    CHECK_INT_EQ(json_integer_value(json_object_get(j, "id")), 2);
    CHECK_INT_EQ(json_integer_value(json_object_get(j, "disable_until_ts")), 1);
    CHECK_STR_EQ(json_string_value(json_object_get(j, "note")), "seen twice");
    CHECK_STR_EQ(json_string_value(json_object_get(json_object_get(j, "signals"), "pdq")),
                 PDQ_BLUR);
    json_decref(j);
    /* the operator's bank, an unknown one, unknown and malformed signals */
    CHECK_INT_EQ(call_json(&h, "POST", h.curate_key, "/hma/c/bank/hotline-net/signal",
                           "{\"pdq\":\"" PDQ_BLUR "\"}", &j),
                 403);
    CHECK(hma_error(j, "read-only"));
    json_decref(j);
    CHECK_INT_EQ(call_json(&h, "POST", h.curate_key, "/hma/c/bank/NOWHERE/signal",
                           "{\"pdq\":\"" PDQ_BLUR "\"}", &j),
                 404);
    CHECK(hma_error(j, "bank 'NOWHERE' not found"));
    json_decref(j);
    const char *bad_signals[] = {"{\"pdq\":\"zz\"}", "{\"photodna\":\"00\"}", "{}",
                                 "{\"video_md5\":12}"};
    for (size_t i = 0; i < sizeof bad_signals / sizeof bad_signals[0]; i++) {
        CHECK_MSG(call_json(&h, "POST", h.curate_key, "/hma/c/bank/PARTNER_A/signal",
                            bad_signals[i], &j) == 400,
                  "%s", bad_signals[i]);
        CHECK(hma_error(j, NULL));
        json_decref(j);
    }

    /* disabled for good (0), then enabled again (1) */
    CHECK_INT_EQ(call_json(&h, "PUT", h.curate_key, "/hma/c/bank/PARTNER_A/content/2",
                           "{\"disable_until_ts\":0}", &j),
                 200);
    CHECK_INT_EQ(json_integer_value(json_object_get(j, "disable_until_ts")), 0);
    json_decref(j);
    CHECK(!lookup_names(&h, PDQ_BLUR, "PARTNER_A"));
    CHECK(lookup_names(&h, PDQ_BLUR, "hotline-net"));
    CHECK_INT_EQ(call_json(&h, "PUT", h.curate_key, "/hma/c/bank/PARTNER_A/content/2",
                           "{\"disable_until_ts\":1}", &j),
                 200);
    json_decref(j);
    CHECK(lookup_names(&h, PDQ_BLUR, "PARTNER_A"));
    CHECK_INT_EQ(audited(&h, "bank.content.update", "bank:PARTNER_A", &f), 2);
    CHECK_INT_EQ(call_json(&h, "PUT", h.curate_key, "/hma/c/bank/PARTNER_A/content/2",
                           "{\"disable_until_ts\":99999999999}", &j),
                 400); /* more than five years ahead */
    json_decref(j);
    CHECK_INT_EQ(call_json(&h, "PUT", h.curate_key, "/hma/c/bank/hotline-net/content/0",
                           "{\"disable_until_ts\":0}", &j),
                 403);
    json_decref(j);
    CHECK_INT_EQ(call_json(&h, "PUT", h.curate_key, "/hma/c/bank/PARTNER_A/content/7",
                           "{\"disable_until_ts\":0}", &j),
                 404);
    json_decref(j);

    /* the bank switched off, then on */
    CHECK_INT_EQ(call_json(&h, "PUT", h.curate_key, "/hma/c/bank/PARTNER_A", "{\"enabled\":false}",
                           &j),
                 200);
    CHECK(json_real_value(json_object_get(j, "matching_enabled_ratio")) == 0.0);
    json_decref(j);
    CHECK(!lookup_names(&h, PDQ_BLUR, "PARTNER_A"));
    CHECK_INT_EQ(call_json(&h, "PUT", h.curate_key, "/hma/c/bank/PARTNER_A",
                           "{\"enabled_ratio\":1.0}", &j),
                 200);
    json_decref(j);
    CHECK(lookup_names(&h, PDQ_BLUR, "PARTNER_A"));
    CHECK_INT_EQ(call_json(&h, "PUT", h.curate_key, "/hma/c/bank/PARTNER_A",
                           "{\"name\":\"RENAMED\"}", &j),
                 400);
    json_decref(j);
    CHECK_INT_EQ(call_json(&h, "PUT", h.curate_key, "/hma/c/bank/hotline-net", "{\"enabled\":0}",
                           &j),
                 403);
    json_decref(j);
    CHECK_INT_EQ(call_json(&h, "PUT", h.curate_key, "/hma/c/bank/NOWHERE", "{\"enabled\":0}", &j),
                 404);
    json_decref(j);

    /* content by file, with HMA's metadata in a form field */
    size_t len;
    uint8_t *photo = shared_file("pdq/images/bridge-1-original.jpg", &len);
    CHECK(photo != NULL);
    ti_multipart m = {0};
    ti_mp_field(&m, "metadata", "{\"content_id\":\"upload-7\",\"json\":{\"case\":3}}");
    ti_mp_file(&m, "photo", "p.jpg", photo, len);
    ti_mp_end(&m);
    CHECK_INT_EQ(post_json(&h, h.curate_key, "/hma/c/bank/PARTNER_A/content",
                           "multipart/form-data; boundary=" TI_BOUNDARY, m.buf, m.len, &j),
                 200);
    free(m.buf);
    free(photo);
    int64_t by_file = json_integer_value(json_object_get(j, "id"));
    const char *pdq = json_string_value(json_object_get(json_object_get(j, "signals"), "pdq"));
    CHECK_STR_EQ(pdq, PDQ_ORIG); /* shared/testdata/pdq/reference.csv */
    CHECK_INT_EQ(by_file, 3);
    json_decref(j);
    CHECK_INT_EQ(get_json(&h, h.curate_key, "/hma/c/bank/PARTNER_A/content/3", &j), 200);
    CHECK_STR_EQ(json_string_value(json_object_get(json_object_get(j, "metadata"), "content_id")),
                 "upload-7");
    json_decref(j);
    CHECK_INT_EQ(post_json(&h, h.curate_key, "/hma/c/bank/PARTNER_A/content",
                           "multipart/form-data; boundary=" TI_BOUNDARY,
                           "--" TI_BOUNDARY "--\r\n", strlen("--" TI_BOUNDARY "--\r\n"), &j),
                 400);
    CHECK(hma_error(j, "Neither `url` nor multipart file upload"));
    json_decref(j);

    /* content deleted: gone from lookups; deleting it again deletes none */
    CHECK_INT_EQ(call_json(&h, "DELETE", h.curate_key, "/hma/c/bank/PARTNER_A/content/2", NULL,
                           &j),
                 200);
    CHECK_INT_EQ(json_integer_value(json_object_get(j, "deleted")), 1);
    json_decref(j);
    CHECK_INT_EQ(get_json(&h, h.curate_key, "/hma/c/bank/PARTNER_A/content/2", &j), 404);
    json_decref(j);
    CHECK_INT_EQ(call_json(&h, "DELETE", h.curate_key, "/hma/c/bank/PARTNER_A/content/2", NULL,
                           &j),
                 200);
    CHECK_INT_EQ(json_integer_value(json_object_get(j, "deleted")), 0);
    json_decref(j);
    CHECK(lookup_names(&h, PDQ_ORIG, "PARTNER_A")); /* the file's content is still there */
    CHECK_INT_EQ(call_json(&h, "DELETE", h.curate_key, "/hma/c/bank/hotline-net/content/0", NULL,
                           &j),
                 403);
    json_decref(j);

    /* the bank deleted: its entries leave, the name is free again */
    CHECK_INT_EQ(call_json(&h, "DELETE", h.curate_key, "/hma/c/bank/PARTNER_A", NULL, &j), 200);
    CHECK_STR_EQ(json_string_value(json_object_get(j, "message")), "Done");
    json_decref(j);
    CHECK(!lookup_names(&h, PDQ_ORIG, "PARTNER_A"));
    CHECK(lookup_names(&h, PDQ_ORIG, "hotline-net"));
    CHECK_INT_EQ(get_json(&h, h.curate_key, "/hma/c/bank/PARTNER_A", &j), 404);
    json_decref(j);
    CHECK_INT_EQ(audited(&h, "bank.delete", "bank:PARTNER_A", &f), 1);
    CHECK(strstr(f.detail, "\"removed\":1") != NULL);
    CHECK_INT_EQ(call_json(&h, "DELETE", h.curate_key, "/hma/c/bank/PARTNER_A", NULL, &j), 200);
    json_decref(j); /* HMA: nothing to delete is done */
    CHECK_INT_EQ(call_json(&h, "DELETE", h.curate_key, "/hma/c/bank/hotline-net", NULL, &j), 403);
    json_decref(j);
    CHECK(lookup_names(&h, PDQ_ORIG, "hotline-net"));
    CHECK_INT_EQ(call_json(&h, "POST", h.curate_key, "/hma/c/banks", "{\"name\":\"PARTNER_A\"}",
                           &j),
                 201);
    json_decref(j);
    CHECK(!lookup_names(&h, PDQ_ORIG, "PARTNER_A")); /* made again, empty */
    hma_stop(&h);
}

/* vigie's error shape: {"error": {"code": code, "message": ...}}. */
static int v1_error(json_t *j, const char *code)
{
    json_t *e = json_object_get(j, "error");
    return json_is_object(j) && json_object_size(j) == 1 &&
           json_string_value(json_object_get(e, "message")) &&
           (!code || !strcmp(json_string_value(json_object_get(e, "code")) ?: "", code));
}

/* The match of bank in a v1 lookup's answer, or NULL. */
static json_t *v1_match(json_t *answer, const char *bank)
{
    json_t *m = json_object_get(answer, "matches");
    for (size_t i = 0; i < json_array_size(m); i++)
        if (!strcmp(json_string_value(json_object_get(json_array_get(m, i), "bank")) ?: "", bank))
            return json_array_get(m, i);
    return NULL;
}

/* /api/v1: the same banks, content and lookups with one shape each,
 * numbers as numbers, 404 and 409 where HMA says 200 and 403, and vigie's
 * errors. */
static void test_v1(void)
{
    hma_test h;
    CHECK(hma_start(&h, NULL));
    json_t *j;
    CHECK_INT_EQ(get_json(&h, h.curate_key, "/api/v1/banks", &j), 200);
    json_t *banks = json_object_get(j, "banks");
    CHECK_INT_EQ(json_array_size(banks), 2);
    CHECK(json_is_false(json_object_get(json_array_get(banks, 0), "made_by_api")));
    json_decref(j);
    CHECK_INT_EQ(call_json(&h, "POST", h.curate_key, "/api/v1/banks", "{\"name\":\"V1\"}", &j),
                 201);
    CHECK(json_is_true(json_object_get(j, "made_by_api")));
    json_decref(j);
    CHECK_INT_EQ(call_json(&h, "POST", h.curate_key, "/api/v1/banks", "{\"name\":\"V1\"}", &j),
                 409);
    CHECK(v1_error(j, "bank_exists"));
    json_decref(j);
    CHECK_INT_EQ(call_json(&h, "POST", h.curate_key, "/api/v1/banks/V1/content",
                           "{\"signals\":{\"pdq\":\"" PDQ_BLUR "\"},\"note\":\"n1\","
                           "\"metadata\":{\"case\":\"7\"}}",
                           &j),
                 201);
    CHECK_INT_EQ(json_integer_value(json_object_get(j, "id")), 2);
    CHECK_STR_EQ(json_string_value(json_object_get(j, "bank")), "V1");
    CHECK(json_is_true(json_object_get(j, "enabled")));
    CHECK(json_is_null(json_object_get(j, "disabled_until")));
    CHECK_STR_EQ(json_string_value(json_object_get(json_object_get(j, "signals"), "pdq")),
                 PDQ_BLUR);
    CHECK_STR_EQ(json_string_value(json_object_get(json_object_get(j, "metadata"), "case")), "7");
    CHECK_STR_EQ(json_string_value(json_object_get(j, "note")), "n1");
    json_decref(j);
    /* a lookup names bank, content and distance (a number), each match */
    CHECK_INT_EQ(get_json(&h, h.match_key, "/api/v1/lookup?signal_type=pdq&signal=" PDQ_ORIG, &j),
                 200);
    json_t *m = v1_match(j, "V1"), *o = v1_match(j, "hotline-net");
    CHECK(m && o);
    CHECK_INT_EQ(json_integer_value(json_object_get(m, "content_id")), 2);
    CHECK_INT_EQ(json_integer_value(json_object_get(m, "distance")),
                 hex_distance(PDQ_ORIG, PDQ_BLUR));
    CHECK_STR_EQ(json_string_value(json_object_get(m, "signal_type")), "pdq");
    CHECK_INT_EQ(json_integer_value(json_object_get(o, "content_id")), 0);
    CHECK_INT_EQ(json_integer_value(json_object_get(o, "distance")), 0);
    json_decref(j);
    CHECK_INT_EQ(get_json(&h, h.match_key,
                          "/api/v1/lookup?signal_type=pdq&banks=V1&signal=" PDQ_ORIG, &j),
                 200);
    CHECK_INT_EQ(json_array_size(json_object_get(j, "matches")), 1);
    json_decref(j);
    /* disabled, then disabled until a time: said as such */
    CHECK_INT_EQ(call_json(&h, "PUT", h.curate_key, "/api/v1/banks/V1/content/2",
                           "{\"enabled\":false}", &j),
                 200);
    CHECK(json_is_false(json_object_get(j, "enabled")));
    CHECK(json_is_null(json_object_get(j, "disabled_until")));
    json_decref(j);
    CHECK_INT_EQ(get_json(&h, h.match_key, "/api/v1/lookup?signal_type=pdq&signal=" PDQ_ORIG, &j),
                 200);
    CHECK(!v1_match(j, "V1") && v1_match(j, "hotline-net"));
    json_decref(j);
    char body[80];
    long long until = (long long)time(NULL) + 3600;
    snprintf(body, sizeof body, "{\"disabled_until\":%lld}", until);
    CHECK_INT_EQ(call_json(&h, "PUT", h.curate_key, "/api/v1/banks/V1/content/2", body, &j), 200);
    CHECK(json_is_false(json_object_get(j, "enabled")));
    CHECK_INT_EQ(json_integer_value(json_object_get(j, "disabled_until")), until);
    json_decref(j);
    CHECK_INT_EQ(call_json(&h, "PUT", h.curate_key, "/api/v1/banks/V1", "{\"enabled\":\"no\"}",
                           &j),
                 400);
    CHECK(v1_error(j, "invalid_field"));
    json_decref(j);
    /* what is not there is not found, deleted or not */
    CHECK_INT_EQ(call_json(&h, "DELETE", h.curate_key, "/api/v1/banks/V1/content/2", NULL, &j),
                 200);
    CHECK(json_is_true(json_object_get(j, "deleted")));
    json_decref(j);
    CHECK_INT_EQ(call_json(&h, "DELETE", h.curate_key, "/api/v1/banks/V1/content/2", NULL, &j),
                 404);
    CHECK(v1_error(j, "no_such_content"));
    json_decref(j);
    CHECK_INT_EQ(get_json(&h, h.curate_key, "/api/v1/banks/NOWHERE", &j), 404);
    CHECK(v1_error(j, "no_such_bank"));
    json_decref(j);
    CHECK_INT_EQ(call_json(&h, "DELETE", h.curate_key, "/api/v1/banks/NOWHERE", NULL, &j), 404);
    json_decref(j);
    CHECK_INT_EQ(call_json(&h, "DELETE", h.curate_key, "/api/v1/banks/hotline-net", NULL, &j), 403);
    CHECK(v1_error(j, "read_only"));
    json_decref(j);
    CHECK_INT_EQ(call_json(&h, "DELETE", h.curate_key, "/api/v1/banks/V1", NULL, &j), 200);
    json_decref(j);
    CHECK_INT_EQ(get_json(&h, h.curate_key, "/api/v1/banks/V1", &j), 404);
    json_decref(j);
    /* a file looked up: its signals and its matches */
    size_t len = 0;
    uint8_t *photo = shared_file("pdq/images/bridge-1-original.jpg", &len);
    CHECK_INT_EQ(post_file(&h, h.match_key, "/api/v1/lookup", "photo", photo, len, 0, &j), 200);
    CHECK_STR_EQ(json_string_value(json_object_get(json_object_get(j, "signals"), "pdq")),
                 PDQ_ORIG);
    CHECK(v1_match(j, "hotline-net") != NULL);
    json_decref(j);
    free(photo);
    /* errors, the layer's too, in vigie's shape */
    CHECK_INT_EQ(post_json(&h, h.match_key, "/api/v1/lookup", "multipart/form-data; boundary=" TI_BOUNDARY,
                           "--" TI_BOUNDARY "--\r\n", strlen("--" TI_BOUNDARY "--\r\n"), &j),
                 400);
    CHECK(v1_error(j, "invalid_request"));
    json_decref(j);
    CHECK_INT_EQ(get_json(&h, h.match_key, "/api/v1/lookup?signal_type=photodna&signal=00", &j),
                 400);
    CHECK(v1_error(j, "invalid_request"));
    json_decref(j);
    CHECK_INT_EQ(get_json(&h, h.match_key, "/api/v1/banks", &j), 403);
    CHECK(json_object_get(j, "error") != NULL);
    json_decref(j);
    CHECK_INT_EQ(get_json(&h, h.curate_key, "/api/v1/lookup?signal_type=pdq&signal=" PDQ_ORIG, &j),
                 403);
    json_decref(j);
    hma_stop(&h);
}

static void test_scopes_and_prefix(void)
{
    hma_test h;
    CHECK(hma_start(&h, NULL));
    json_t *j;
    CHECK_INT_EQ(get_json(&h, h.report_key, "/hma/m/lookup?signal_type=pdq&signal=" PDQ_ORIG, &j),
                 403);
    CHECK(hma_error(j, "scope"));
    json_decref(j);
    CHECK_INT_EQ(get_json(&h, h.match_key, "/hma/c/banks", &j), 403);
    CHECK(hma_error(j, "scope"));
    json_decref(j);
    CHECK_INT_EQ(get_json(&h, h.curate_key, "/hma/m/index/status", &j), 403);
    json_decref(j);
    CHECK_INT_EQ(get_json(&h, "vg_not_a_key", "/hma/m/index/status", &j), 401);
    CHECK(hma_error(j, NULL));
    json_decref(j);
    CHECK_INT_EQ(get_json(&h, h.match_key, "/hma/m/nothing", &j), 404);
    CHECK(hma_error(j, NULL));
    json_decref(j);
    hma_stop(&h);

    CHECK(hma_start(&h, "hma.prefix = /compat/hma/\nhma.pdq_threshold = 0\n"));
    CHECK_INT_EQ(
        get_json(&h, h.match_key, "/compat/hma/m/lookup?signal_type=pdq&signal=" PDQ_BLUR, &j),
        200);
    CHECK(json_is_array(j) && json_array_size(j) == 0); /* threshold 0: only the same hash */
    json_decref(j);
    CHECK_INT_EQ(
        get_json(&h, h.match_key, "/compat/hma/m/lookup?signal_type=pdq&signal=" PDQ_ORIG, &j),
        200);
    CHECK(json_is_array(j) && json_array_size(j) == 1);
    json_decref(j);
    CHECK_INT_EQ(get_json(&h, h.match_key, "/hma/m/index/status", &j), 404);
    json_decref(j);
    hma_stop(&h);

    ts_server t;
    CHECK(!ts_open(&t, "hma.prefix = hma\n"));
    ts_remove_dir(t.dir);
}

/* A server of pictures on loopback, for the fetching tests. */
static uint8_t *served_photo;
static size_t served_len;

static void serve_photo(vg_http_request *req)
{
    vg_http_respond(req, 200, "image/jpeg", served_photo, served_len);
}

static void serve_blob(vg_http_request *req)
{
    vg_http_respond(req, 200, "application/octet-stream", served_photo, served_len);
}

static void serve_redirect(vg_http_request *req)
{
    vg_http_add_header(req, "Location", "/pic.jpg");
    vg_http_respond(req, 302, "text/plain", "", 0);
}

/* GET ?url= is fetched only when the operator allows it, and then only
 * from public addresses over https, unless the test-only setting opens
 * loopback; no redirect is followed. */
static void test_url_fetch(void)
{
    served_photo = shared_file("pdq/images/aaa-orig.jpg", &served_len);
    CHECK(served_photo != NULL);
    static const vg_route pictures[] = {
        {"GET", "/pic.jpg", VG_ROLE_NONE, 0, 0, serve_photo, NULL, NULL},
        {"GET", "/blob", VG_ROLE_NONE, 0, 0, serve_blob, NULL, NULL},
        {"GET", "/moved", VG_ROLE_NONE, 0, 0, serve_redirect, NULL, NULL},
    };
    ts_server img;
    CHECK(ts_open(&img, NULL));
    CHECK(vg_http_add_routes(img.srv->http, pictures, 3, NULL) == VG_OK);
    CHECK(ts_listen(&img));
    char path[300];
    json_t *j;

    hma_test h;
    CHECK(hma_start(&h, "hma.allow_url_fetch = true\nhma.test_fetch_local = true\n"));
    snprintf(path, sizeof path, "/hma/h/hash?url=http://127.0.0.1:%u/pic.jpg", img.port);
    CHECK_INT_EQ(get_json(&h, h.hash_key, path, &j), 200);
    CHECK_STR_EQ(json_string_value(json_object_get(j, "pdq")), PDQ_ORIG);
    json_decref(j);
    snprintf(path, sizeof path, "/hma/m/lookup?url=http://127.0.0.1:%u/pic.jpg", img.port);
    CHECK_INT_EQ(get_json(&h, h.match_key, path, &j), 200);
    json_t *banks = json_object_get(j, "pdq");
    CHECK(json_array_size(banks) == 1 &&
          !strcmp(json_string_value(json_array_get(banks, 0)), "hotline-net"));
    json_decref(j);
    /* a type the answer does not say: named by content_type, or refused */
    snprintf(path, sizeof path, "/hma/h/hash?url=http://127.0.0.1:%u/blob", img.port);
    CHECK_INT_EQ(get_json(&h, h.hash_key, path, &j), 400);
    CHECK(hma_error(j, "unsupported url ContentType"));
    json_decref(j);
    snprintf(path, sizeof path, "/hma/h/hash?content_type=photo&url=http://127.0.0.1:%u/blob",
             img.port);
    CHECK_INT_EQ(get_json(&h, h.hash_key, path, &j), 200);
    CHECK_STR_EQ(json_string_value(json_object_get(j, "pdq")), PDQ_ORIG);
    json_decref(j);
    /* redirects are not followed */
    snprintf(path, sizeof path, "/hma/h/hash?url=http://127.0.0.1:%u/moved", img.port);
    CHECK_INT_EQ(get_json(&h, h.hash_key, path, &j), 502);
    CHECK(hma_error(j, "302"));
    json_decref(j);
    hma_stop(&h);

    /* allowed, without the test-only setting: https only, public only */
    CHECK(hma_start(&h, "hma.allow_url_fetch = true\n"));
    snprintf(path, sizeof path, "/hma/h/hash?url=http://127.0.0.1:%u/pic.jpg", img.port);
    CHECK_INT_EQ(get_json(&h, h.hash_key, path, &j), 400);
    CHECK(hma_error(j, "https"));
    json_decref(j);
    const char *inside[] = {"https://127.0.0.1:%u/pic.jpg", "https://localhost:%u/pic.jpg",
                            "https://[::1]:%u/pic.jpg", "https://10.0.0.1:%u/pic.jpg"};
    for (size_t i = 0; i < sizeof inside / sizeof inside[0]; i++) {
        char url[120], q[300];
        snprintf(url, sizeof url, inside[i], img.port);
        snprintf(q, sizeof q, "/hma/h/hash?url=%s", url);
        long status = get_json(&h, h.hash_key, q, &j);
        CHECK_MSG(status == 502, "%s: %ld", url, status);
        CHECK_MSG(hma_error(j, "not a public one"), "%s", url);
        json_decref(j);
    }
    snprintf(path, sizeof path, "/hma/h/hash?url=https://user:pw@127.0.0.1:%u/pic.jpg", img.port);
    CHECK_INT_EQ(get_json(&h, h.hash_key, path, &j), 400);
    json_decref(j);
    hma_stop(&h);
    ts_stop(&img);
    free(served_photo);
}

/* Without an index, matching answers 503 as HMA does while its index is
 * not ready, and the status says it is not present. */
static void test_no_index(void)
{
    ts_server t;
    CHECK(ts_start(&t, NULL));
    char key[80], auth[120];
    CHECK(ts_api_key_scoped(&t, "Matcher", 1000, VG_SCOPE_MATCH, key) > 0);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", key);
    const char *headers[] = {auth, NULL};
    ts_response r;
    CHECK(
        ts_call(&t, "GET", "/hma/m/lookup?signal_type=pdq&signal=" PDQ_ORIG, headers, NULL, 0, &r));
    CHECK_INT_EQ(r.status, 503);
    CHECK(r.body && strstr(r.body, "\"message\""));
    ts_response_free(&r);
    CHECK(ts_call(&t, "GET", "/hma/m/index/status", headers, NULL, 0, &r));
    CHECK_INT_EQ(r.status, 200);
    CHECK(r.body && strstr(r.body, "\"present\":false") && strstr(r.body, "\"built_to\":-1"));
    ts_response_free(&r);
    ts_stop(&t);
}

int main(void)
{
    if (!vg_test_shared_dir()) {
        fprintf(stderr, "shared/ is absent: skipped\n");
        return 77;
    }
    curl_global_init(CURL_GLOBAL_ALL);
    RUN(test_hashing);
    RUN(test_matching);
    RUN(test_curation_reads);
    RUN(test_curation_writes);
    RUN(test_v1);
    RUN(test_scopes_and_prefix);
    RUN(test_url_fetch);
    RUN(test_no_index);
    curl_global_cleanup();
    return vg_test_exit();
}

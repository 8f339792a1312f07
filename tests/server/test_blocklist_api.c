/*
 * The blocking list for its members (GET /api/v1/blocklist/...): entries
 * listed through the use cases (proposed by one person, approved by
 * another), then read as a member reads them. The expected prefixes and
 * full hashes are computed here with OpenSSL from the Safe Browsing v4
 * canonical forms its documentation publishes ("URLs and Hashing",
 * canonicalisation examples), not from vigie's own hashing; the response
 * policy zone is written out by hand.
 */
#include <jansson.h>
#include <openssl/sha.h>

#include "blocklist_fixture.h"
#include "hotline/blocklist.h"
#include "hotline/routing.h"
#include "server_test.h"

#define NOW INT64_C(1800000000)
#define BASIS "Art. 6-1, LCEN"
#define STOP "stop.hotline.example"

/* Each entry: the URL reported, what is listed (a page or its whole
 * domain), and the one expression it stands for: the host and path of the
 * canonical form the documentation gives for that URL, or "host/" for a
 * domain. */
static const struct {
    const char *url, *kind, *expression;
} ENTRY[] = {
    /* "http://www.evil.com/blah#frag" -> "http://www.evil.com/blah" */
    {"http://www.evil.com/blah#frag", VG_BLOCK_KIND_URL, "www.evil.com/blah"},
    /* "http://host.com//twoslashes?more//slashes" -> "http://host.com/twoslashes?more//slashes" */
    {"http://host.com//twoslashes?more//slashes", VG_BLOCK_KIND_URL,
     "host.com/twoslashes?more//slashes"},
    /* "http://notrailingslash.com" -> "http://notrailingslash.com/" */
    {"http://notrailingslash.com", VG_BLOCK_KIND_DOMAIN, "notrailingslash.com/"},
    /* "http://host.com/ab%23cd" -> "http://host.com/ab%23cd" */
    {"http://host.com/ab%23cd", VG_BLOCK_KIND_URL, "host.com/ab%23cd"},
    /* "http://www.gotaport.com:1234/" -> "http://www.gotaport.com/" */
    {"http://www.gotaport.com:1234/", VG_BLOCK_KIND_DOMAIN, "www.gotaport.com/"},
};
#define ENTRIES (sizeof ENTRY / sizeof ENTRY[0])

/* The full hash of an expression, as hex, and its first 4 bytes. */
static void reference_hash(const char *expression, char full[65], char prefix[9])
{
    unsigned char d[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)expression, strlen(expression), d);
    for (int i = 0; i < 32; i++)
        snprintf(full + 2 * i, 3, "%02x", d[i]);
    snprintf(prefix, 9, "%.8s", full);
}

static int text_order(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The checksum a member expects of a set of hex prefixes: SHA-256 of
 * their bytes, in ascending order (GSB v4's state checksum). */
static void reference_checksum(const char **prefixes, size_t n, char out[65])
{
    const char **sorted = malloc((n ? n : 1) * sizeof *sorted);
    memcpy(sorted, prefixes, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, text_order);
    unsigned char *bytes = malloc(n * 4 + 1), d[SHA256_DIGEST_LENGTH];
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < 4; k++) {
            unsigned v = 0;
            sscanf(sorted[i] + 2 * k, "%2x", &v);
            bytes[4 * i + k] = (unsigned char)v;
        }
    SHA256(bytes, n * 4, d);
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
    free(bytes);
    free(sorted);
}

static long api_get(ts_server *t, const char *key, const char *path, ts_response *r)
{
    char auth[120];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", key ? key : "");
    const char *headers[] = {auth, NULL};
    const char *none[] = {NULL};
    return ts_call(t, "GET", path, key ? headers : none, NULL, 0, r) ? r->status : -1;
}

static json_t *api_json(ts_server *t, const char *key, const char *path)
{
    ts_response r;
    long status = api_get(t, key, path, &r);
    CHECK_MSG(status == 200, "%s: %ld %s", path, status, r.body ? r.body : "");
    json_t *doc = json_loads(r.body ? r.body : "", 0, NULL);
    CHECK_MSG(doc != NULL, "%s: not JSON: %s", path, r.body ? r.body : "");
    ts_response_free(&r);
    return doc ? doc : json_object();
}

/* Whether the JSON array of strings is exactly want[n], in that order. */
static int strings_are(json_t *array, const char **want, size_t n)
{
    if (json_array_size(array) != n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        const char *s = json_string_value(json_array_get(array, i));
        if (!s || strcmp(s, want[i]))
            return 0;
    }
    return 1;
}

static const char *text_of(json_t *doc, const char *member)
{
    const char *s = json_string_value(json_object_get(doc, member));
    return s ? s : "(missing)";
}

static char *dumps(json_t *doc)
{
    static char text[4096];
    char *s = json_dumps(doc, JSON_COMPACT);
    snprintf(text, sizeof text, "%s", s ? s : "");
    free(s);
    return text;
}

typedef struct planted {
    int64_t entry, report;
} planted;

/* ENTRY[i] proposed by ann; listed when approve (by sam, a version of
 * the list each). */
static planted plant(vg_hotline *h, size_t i, int approve)
{
    const vg_actor ann = {"ann", 0}, sam = {"sam", 1};
    planted p = {0, 0};
    char why[200] = "";
    int done = 0;
    vg_error err;
    int64_t route = bf_route_of(h, ENTRY[i].url, "NL", 1, NOW, &p.report);
    CHECK_MSG(vg_hotline_block_propose(h, &ann, route, ENTRY[i].kind, BASIS, NOW, &p.entry, why,
                                       sizeof why, &err) == VG_OK &&
                  p.entry > 0,
              "%s: %s", ENTRY[i].url, why);
    if (approve)
        CHECK_MSG(vg_hotline_block_decide(h, &sam, p.entry, 1, "", NOW + 1, &done, why,
                                          sizeof why, &err) == VG_OK &&
                      done,
                  "%s: %s", ENTRY[i].url, why);
    return p;
}

static void test_members(void)
{
    ts_server t;
    CHECK(ts_start(&t, "routing.country = FR\nblocklist.legal_bases = " BASIS "\n"
                       "blocklist.stop_host = " STOP ".\n"));
    if (!t.srv)
        return;
    vg_hotline *h = t.srv->hotline;
    char key[80], other[80];
    CHECK(ts_api_key_scoped(&t, "An ISP", 100000, VG_SCOPE_BLOCKLIST, key) > 0);
    CHECK(ts_api_key_scoped(&t, "A partner", 100000, VG_SCOPE_ALL & ~VG_SCOPE_BLOCKLIST, other) > 0);
    char full[ENTRIES][65], prefix[ENTRIES][9];
    for (size_t i = 0; i < ENTRIES; i++)
        reference_hash(ENTRY[i].expression, full[i], prefix[i]);
    char sum[65];

    /* nothing listed yet: version 0, the empty set's checksum (SHA-256 of
     * nothing, FIPS 180-4's example) */
    json_t *doc = api_json(&t, key, "/api/v1/blocklist/prefixes?since=0");
    CHECK_INT_EQ(json_integer_value(json_object_get(doc, "version")), 0);
    CHECK(json_is_true(json_object_get(doc, "reset")));
    CHECK_INT_EQ(json_array_size(json_object_get(doc, "additions")), 0);
    CHECK_STR_EQ(text_of(doc, "checksum"),
                 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    json_decref(doc);

    /* entries 0, 1 and 2 listed (versions 1 to 3); 3 proposed only */
    planted p0 = plant(h, 0, 1);
    plant(h, 1, 1);
    plant(h, 2, 1);
    planted p3 = plant(h, 3, 0);
    const char *v3[] = {prefix[0], prefix[1], prefix[2]};
    const char *v3_sorted[3];
    memcpy(v3_sorted, v3, sizeof v3);
    qsort(v3_sorted, 3, sizeof *v3_sorted, text_order);
    doc = api_json(&t, key, "/api/v1/blocklist/prefixes?since=0");
    CHECK_INT_EQ(json_integer_value(json_object_get(doc, "version")), 3);
    CHECK(json_is_true(json_object_get(doc, "reset")));
    CHECK_MSG(strings_are(json_object_get(doc, "additions"), v3_sorted, 3), "%s", dumps(doc));
    CHECK_INT_EQ(json_array_size(json_object_get(doc, "removals")), 0);
    CHECK_INT_EQ(json_integer_value(json_object_get(doc, "count")), 3);
    reference_checksum(v3, 3, sum);
    CHECK_STR_EQ(text_of(doc, "checksum"), sum);
    json_decref(doc);

    /* entry 3 approved (version 4), the domain 4 listed (5), entry 0's
     * material gone (6) */
    const vg_actor sam = {"sam", 1};
    char why[200] = "";
    int done = 0, recorded = 0;
    vg_error err;
    CHECK(vg_hotline_block_decide(h, &sam, p3.entry, 1, "", NOW + 2, &done, why, sizeof why,
                                  &err) == VG_OK &&
          done);
    plant(h, 4, 1);
    CHECK_MSG(vg_hotline_route_removed(h, p0.report, ENTRY[0].url, "bob", NOW + 3, &recorded,
                                       &err) == VG_OK,
              "%s", err.message);
    const char *added[] = {prefix[3], prefix[4]}, *removed[] = {prefix[0]};
    qsort(added, 2, sizeof *added, text_order);
    const char *v6[] = {prefix[1], prefix[2], prefix[3], prefix[4]};
    reference_checksum(v6, 4, sum);
    doc = api_json(&t, key, "/api/v1/blocklist/prefixes?since=3");
    CHECK_INT_EQ(json_integer_value(json_object_get(doc, "version")), 6);
    CHECK(json_is_false(json_object_get(doc, "reset")));
    CHECK_MSG(strings_are(json_object_get(doc, "additions"), added, 2), "%s", dumps(doc));
    CHECK_MSG(strings_are(json_object_get(doc, "removals"), removed, 1), "%s", dumps(doc));
    CHECK_INT_EQ(json_integer_value(json_object_get(doc, "count")), 4);
    CHECK_STR_EQ(text_of(doc, "checksum"), sum);
    json_decref(doc);

    /* up to date: nothing to change, the same checksum */
    doc = api_json(&t, key, "/api/v1/blocklist/prefixes?since=6");
    CHECK(json_is_false(json_object_get(doc, "reset")));
    CHECK_INT_EQ(json_array_size(json_object_get(doc, "additions")), 0);
    CHECK_INT_EQ(json_array_size(json_object_get(doc, "removals")), 0);
    CHECK_STR_EQ(text_of(doc, "checksum"), sum);
    json_decref(doc);
    /* from version 1 ({0}) the changes (4 added, 1 removed) outnumber the
     * set (4), and a version the list never had: both start again */
    const char *v6_sorted[4];
    memcpy(v6_sorted, v6, sizeof v6);
    qsort(v6_sorted, 4, sizeof *v6_sorted, text_order);
    const char *restart[] = {"/api/v1/blocklist/prefixes?since=1",
                             "/api/v1/blocklist/prefixes?since=99", "/api/v1/blocklist/prefixes"};
    for (size_t i = 0; i < 3; i++) {
        doc = api_json(&t, key, restart[i]);
        CHECK_MSG(json_is_true(json_object_get(doc, "reset")), "%s", restart[i]);
        CHECK_MSG(strings_are(json_object_get(doc, "additions"), v6_sorted, 4), "%s: %s",
                  restart[i], dumps(doc));
        CHECK_INT_EQ(json_array_size(json_object_get(doc, "removals")), 0);
        CHECK_STR_EQ(text_of(doc, "checksum"), sum);
        json_decref(doc);
    }
    /* from version 2 ({0, 1}): 3 added, 1 removed, not more than the set */
    doc = api_json(&t, key, "/api/v1/blocklist/prefixes?since=2");
    CHECK(json_is_false(json_object_get(doc, "reset")));
    CHECK_INT_EQ(json_array_size(json_object_get(doc, "additions")), 3);
    CHECK_MSG(strings_are(json_object_get(doc, "removals"), removed, 1), "%s", dumps(doc));
    json_decref(doc);

    /* full hashes by prefix: the listed entry's, never its URL; none for
     * the entry that left; the prefix in capitals too */
    char path[200];
    for (size_t i = 1; i < ENTRIES; i++) {
        snprintf(path, sizeof path, "/api/v1/blocklist/full-hashes?prefix=%s", prefix[i]);
        doc = api_json(&t, key, path);
        const char *want[] = {full[i]};
        CHECK_MSG(strings_are(json_object_get(doc, "full_hashes"), want, 1), "%s: %s",
                  ENTRY[i].expression, dumps(doc));
        CHECK_INT_EQ(json_integer_value(json_object_get(doc, "version")), 6);
        CHECK(!strstr(dumps(doc), "host.com") && !strstr(dumps(doc), "gotaport"));
        json_decref(doc);
    }
    snprintf(path, sizeof path, "/api/v1/blocklist/full-hashes?prefix=%s", prefix[0]);
    doc = api_json(&t, key, path);
    CHECK_INT_EQ(json_array_size(json_object_get(doc, "full_hashes")), 0);
    json_decref(doc);
    char upper[9];
    for (int k = 0; k < 9; k++)
        upper[k] = (char)(prefix[1][k] >= 'a' ? prefix[1][k] - 32 : prefix[1][k]);
    snprintf(path, sizeof path, "/api/v1/blocklist/full-hashes?prefix=%s", upper);
    doc = api_json(&t, key, path);
    CHECK_STR_EQ(json_string_value(json_array_get(json_object_get(doc, "full_hashes"), 0)),
                 full[1]);
    json_decref(doc);

    /* the response policy zone: the two domains, sorted, each and every
     * name below it pointed at the stop page */
    ts_response r;
    CHECK_INT_EQ(api_get(&t, key, "/api/v1/blocklist/rpz", &r), 200);
    CHECK_STR_EQ(r.body,
                 "; vigie's blocking list: its whole domains, version 6\n"
                 "$TTL 300\n"
                 "@ IN SOA localhost. hostmaster.localhost. 6 3600 600 86400 300\n"
                 "@ IN NS localhost.\n"
                 "notrailingslash.com CNAME " STOP ".\n"
                 "*.notrailingslash.com CNAME " STOP ".\n"
                 "www.gotaport.com CNAME " STOP ".\n"
                 "*.www.gotaport.com CNAME " STOP ".\n");
    char type[80];
    CHECK_STR_EQ(ts_header(&r, "Content-Type", type, sizeof type), "text/dns");
    ts_response_free(&r);

    /* refusals: no key, a key without the scope, bad queries */
    const char *paths[] = {"/api/v1/blocklist/prefixes?since=0",
                           "/api/v1/blocklist/full-hashes?prefix=00000000",
                           "/api/v1/blocklist/rpz"};
    for (size_t i = 0; i < 3; i++) {
        CHECK_INT_EQ(api_get(&t, NULL, paths[i], &r), 401);
        ts_response_free(&r);
        CHECK_INT_EQ(api_get(&t, other, paths[i], &r), 403);
        ts_response_free(&r);
    }
    const char *bad[] = {"/api/v1/blocklist/full-hashes",
                         "/api/v1/blocklist/full-hashes?prefix=",
                         "/api/v1/blocklist/full-hashes?prefix=1234",
                         "/api/v1/blocklist/full-hashes?prefix=0000000g",
                         "/api/v1/blocklist/full-hashes?prefix=000000000",
                         "/api/v1/blocklist/prefixes?since=-1",
                         "/api/v1/blocklist/prefixes?since=abc",
                         "/api/v1/blocklist/prefixes?since=99999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_MSG(api_get(&t, key, bad[i], &r) == 400, "%s: %ld", bad[i], r.status);
        CHECK_MSG(r.body && strstr(r.body, "invalid_query"), "%s", bad[i]);
        ts_response_free(&r);
    }
    ts_stop(&t);
}

/* Without blocklist.stop_host the zone cannot point anywhere: 404 saying
 * which setting to give, rather than a zone that blocks without the stop
 * page. */
static void test_rpz_unconfigured(void)
{
    ts_server t;
    CHECK(ts_start(&t, NULL));
    if (!t.srv)
        return;
    char key[80];
    CHECK(ts_api_key_scoped(&t, "A resolver", 0, VG_SCOPE_BLOCKLIST, key) > 0);
    ts_response r;
    CHECK_INT_EQ(api_get(&t, key, "/api/v1/blocklist/rpz", &r), 404);
    CHECK(r.body && strstr(r.body, "blocklist.stop_host"));
    ts_response_free(&r);
    ts_stop(&t);
    /* a stop host that is no name (it would write zone syntax) stops the
     * server from opening, with the setting named */
    ts_server bad;
    const char *stops[] = {"blocklist.stop_host = stop.example;$INCLUDE /etc/passwd\n",
                           "blocklist.stop_host = Stop Page\n"};
    for (size_t i = 0; i < 2; i++) {
        CHECK_MSG(!ts_open(&bad, stops[i]), "%s", stops[i]);
        ts_remove_dir(bad.dir);
    }
}

/* The three calls are in the API's description, with their scope. */
static void test_openapi(void)
{
    ts_server t;
    CHECK(ts_start(&t, NULL));
    if (!t.srv)
        return;
    ts_response r;
    const char *none[] = {NULL};
    CHECK(ts_call(&t, "GET", "/api/v1/openapi.json", none, NULL, 0, &r));
    json_t *doc = json_loads(r.body ? r.body : "", 0, NULL);
    CHECK_MSG(doc != NULL, "the description is not JSON");
    const char *paths[] = {"/api/v1/blocklist/prefixes", "/api/v1/blocklist/full-hashes",
                           "/api/v1/blocklist/rpz"};
    for (size_t i = 0; i < 3; i++) {
        json_t *get = json_object_get(json_object_get(json_object_get(doc, "paths"), paths[i]),
                                      "get");
        const char *summary = json_string_value(json_object_get(get, "summary"));
        CHECK_MSG(summary && strstr(summary, "scope blocklist"), "%s", paths[i]);
    }
    CHECK(json_object_get(json_object_get(json_object_get(doc, "components"), "schemas"),
                          "PrefixUpdate") != NULL);
    json_decref(doc);
    ts_response_free(&r);
    ts_stop(&t);
}

int main(void)
{
    RUN(test_openapi);
    RUN(test_members);
    RUN(test_rpz_unconfigured);
    return vg_test_exit();
}

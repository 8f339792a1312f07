/*
 * The member's client (vigie/blclient.h) against the hotline's own members
 * API on loopback: entries listed through the use cases (proposed by one
 * person, approved by another), then decided about as a member would.
 * Which addresses are listed follows from the Safe Browsing v4 expressions
 * the documentation describes (host suffixes times path prefixes): a page
 * entry lists that page in any spelling and nothing below it, a domain
 * entry every address on the host and below it, not its parent. The
 * drifted state's checksum is computed here with OpenSSL.
 */
#include <openssl/sha.h>

#include "blocklist_fixture.h"
#include "hotline/blocklist.h"
#include "hotline/routing.h"
#include "server_test.h"
#include "vigie/blclient.h"

#define NOW INT64_C(1800000000)
#define BASIS "Art. 6-1, LCEN"

static const struct {
    const char *url, *kind;
} ENTRY[] = {
    {"http://www.evil.com/blah#frag", VG_BLOCK_KIND_URL},
    {"http://notrailingslash.com", VG_BLOCK_KIND_DOMAIN},
    {"http://www.gotaport.com:1234/", VG_BLOCK_KIND_DOMAIN},
};

/* ENTRY[i] proposed by ann and approved by sam; its report's id. */
static int64_t plant(vg_hotline *h, size_t i)
{
    const vg_actor ann = {"ann", 0}, sam = {"sam", 1};
    char why[200] = "";
    int done = 0;
    int64_t report = 0, entry = 0;
    vg_error err;
    int64_t route = bf_route_of(h, ENTRY[i].url, "NL", 1, NOW, &report);
    CHECK_MSG(vg_hotline_block_propose(h, &ann, route, ENTRY[i].kind, BASIS, NOW, &entry, why,
                                       sizeof why, &err) == VG_OK,
              "%s: %s", ENTRY[i].url, why);
    CHECK_MSG(vg_hotline_block_decide(h, &sam, entry, 1, "", NOW + 1, &done, why, sizeof why,
                                      &err) == VG_OK &&
                  done,
              "%s: %s", ENTRY[i].url, why);
    return report;
}

static vg_blclient *client_of(ts_server *t, const char *key)
{
    char base[64];
    snprintf(base, sizeof base, "http://127.0.0.1:%u/", t->port);
    vg_blclient_options o = {.server = base, .key = key, .allow_local = true};
    vg_blclient *c = NULL;
    vg_error err;
    CHECK_MSG(vg_blclient_new(&o, &c, &err) == VG_OK, "%s", err.message);
    return c;
}

/* The verdict on url: 1 listed by expression (when not NULL), 0 not. */
static int verdict(vg_blclient *c, const char *url, const char *expression, size_t *requests)
{
    vg_blclient_verdict v;
    vg_error err;
    CHECK_MSG(vg_blclient_check(c, url, strlen(url), &v, &err) == VG_OK, "%s: %s", url,
              err.message);
    if (expression)
        CHECK_MSG(v.expression && !strcmp(v.expression, expression), "%s: %s", url,
                  v.expression ? v.expression : "(none)");
    if (requests)
        *requests = v.full_hash_requests;
    int listed = v.listed;
    vg_blclient_verdict_clear(&v);
    return listed;
}

static void update(vg_blclient *c, vg_blclient_update_info *info)
{
    vg_error err;
    CHECK_MSG(vg_blclient_update(c, info, &err) == VG_OK, "%s", err.message);
}

/* The state file bytes for a set (4 bytes a prefix, ascending). */
static size_t state_bytes(const char *server, int64_t version, const uint32_t *set, size_t n,
                          unsigned char *out, size_t cap)
{
    unsigned char *raw = malloc(n * 4 + 1), d[SHA256_DIGEST_LENGTH];
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < 4; k++)
            raw[4 * i + k] = (unsigned char)(set[i] >> (24 - 8 * k));
    SHA256(raw, n * 4, d);
    char hex[65];
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
    int len = snprintf((char *)out, cap,
                       "vigie-blocklist-state 1\nserver %s\nversion %lld\ncount %zu\n"
                       "checksum %s\n\n",
                       server, (long long)version, n, hex);
    memcpy(out + len, raw, n * 4);
    free(raw);
    return (size_t)len + n * 4;
}

static void test_client(void)
{
    ts_server t;
    CHECK(ts_start(&t, "routing.country = FR\nblocklist.legal_bases = " BASIS "\n"));
    if (!t.srv)
        return;
    vg_hotline *h = t.srv->hotline;
    char key[80], other[80];
    CHECK(ts_api_key_scoped(&t, "An ISP", 100000, VG_SCOPE_BLOCKLIST, key) > 0);
    CHECK(ts_api_key_scoped(&t, "A partner", 100000, VG_SCOPE_ALL & ~VG_SCOPE_BLOCKLIST, other) > 0);
    vg_blclient *c = client_of(&t, key);
    vg_blclient_update_info info;
    size_t requests = 99;

    /* an empty list: nothing listed, nothing asked */
    update(c, &info);
    CHECK(info.reset);
    CHECK_INT_EQ(info.count, 0);
    CHECK(!verdict(c, "http://www.evil.com/blah", NULL, &requests));
    CHECK_INT_EQ(requests, 0);

    int64_t report0 = plant(h, 0);
    plant(h, 1);
    plant(h, 2);
    update(c, &info);
    CHECK_INT_EQ(info.version, 3);
    CHECK_INT_EQ(info.count, 3);
    CHECK(info.reset); /* version 0 holds nothing: the whole set */
    CHECK_INT_EQ(info.added, 3);
    CHECK_INT_EQ(vg_blclient_version(c), 3);

    /* the page in any spelling, nothing below it */
    CHECK(verdict(c, "http://www.evil.com/blah", "www.evil.com/blah", &requests));
    CHECK_INT_EQ(requests, 1);
    CHECK(verdict(c, "HTTP://WWW.EVIL.COM//blah#x", "www.evil.com/blah", &requests));
    CHECK_INT_EQ(requests, 0); /* the answer is cached */
    CHECK(verdict(c, "http://www.evil.com/blah?q=1", "www.evil.com/blah", NULL));
    CHECK(!verdict(c, "http://www.evil.com/blah/more", NULL, NULL));
    CHECK(!verdict(c, "http://evil.com/blah", NULL, NULL));
    /* a domain: every address on it and below, not its parent */
    CHECK(verdict(c, "http://a.b.notrailingslash.com/any/page.html?x=1", "notrailingslash.com/",
                  NULL));
    CHECK(verdict(c, "https://www.gotaport.com/", "www.gotaport.com/", NULL));
    CHECK(!verdict(c, "http://gotaport.com/", NULL, &requests));
    CHECK_INT_EQ(requests, 0);
    CHECK(!verdict(c, "http://unlisted.example/", NULL, NULL));

    /* the page's material gone: a removal in the next update */
    int recorded = 0;
    vg_error err;
    CHECK_MSG(vg_hotline_route_removed(h, report0, ENTRY[0].url, "bob", NOW + 3, &recorded,
                                       &err) == VG_OK,
              "%s", err.message);
    update(c, &info);
    CHECK(!info.reset && !info.checksum_reset);
    CHECK_INT_EQ(info.from_version, 3);
    CHECK_INT_EQ(info.version, 4);
    CHECK_INT_EQ(info.removed, 1);
    CHECK_INT_EQ(info.added, 0);
    CHECK_INT_EQ(info.count, 2);
    CHECK(!verdict(c, "http://www.evil.com/blah", NULL, &requests));
    CHECK_INT_EQ(requests, 0); /* the prefix left the set */

    /* saved and loaded: the next update is empty */
    char path[600], base[64];
    snprintf(path, sizeof path, "%s/member.state", t.dir);
    snprintf(base, sizeof base, "http://127.0.0.1:%u", t.port);
    CHECK_MSG(vg_blclient_save(c, path, &err) == VG_OK, "%s", err.message);
    vg_blclient *again = client_of(&t, key);
    bool missing = true;
    CHECK_MSG(vg_blclient_load(again, path, &missing, &err) == VG_OK, "%s", err.message);
    CHECK(!missing);
    CHECK_INT_EQ(vg_blclient_version(again), 4);
    CHECK_INT_EQ(vg_blclient_count(again), 2);
    update(again, &info);
    CHECK(!info.reset && !info.checksum_reset);
    CHECK_INT_EQ(info.added + info.removed, 0);
    CHECK(verdict(again, "http://x.notrailingslash.com/", "notrailingslash.com/", NULL));

    /* a state that drifted (a prefix the server never had, at its
     * version, consistent in itself): the update does not match the
     * checksum, and the set is downloaded whole */
    uint32_t drifted[] = {0x00000001, 0, 0};
    {
        unsigned char d[SHA256_DIGEST_LENGTH];
        SHA256((const unsigned char *)"notrailingslash.com/", 20, d);
        drifted[1] = (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3];
        SHA256((const unsigned char *)"www.gotaport.com/", 17, d);
        drifted[2] = (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3];
        if (drifted[1] > drifted[2]) {
            uint32_t x = drifted[1];
            drifted[1] = drifted[2];
            drifted[2] = x;
        }
    }
    unsigned char bytes[1024];
    size_t n = state_bytes(base, 4, drifted, 3, bytes, sizeof bytes);
    CHECK_MSG(vg_blclient_load_bytes(again, bytes, n, &err) == VG_OK, "%s", err.message);
    CHECK_INT_EQ(vg_blclient_count(again), 3);
    update(again, &info);
    CHECK(info.checksum_reset && info.reset);
    CHECK_INT_EQ(info.count, 2);
    CHECK_INT_EQ(vg_blclient_count(again), 2);

    /* damaged states are refused and leave the set as it was */
    size_t good = n;
    bytes[good - 1] ^= 1; /* a prefix changed: the checksum fails */
    CHECK(vg_blclient_load_bytes(again, bytes, good, &err) == VG_ERR_CORRUPT);
    CHECK(vg_blclient_load_bytes(again, bytes, good - 2, &err) == VG_ERR_CORRUPT);
    CHECK(vg_blclient_load_bytes(again, bytes, 10, &err) == VG_ERR_CORRUPT);
    n = state_bytes("http://other.example", 4, drifted, 3, bytes, sizeof bytes);
    CHECK(vg_blclient_load_bytes(again, bytes, n, &err) == VG_ERR_CORRUPT);
    CHECK(strstr(err.message, "another server") != NULL);
    CHECK_INT_EQ(vg_blclient_count(again), 2);
    snprintf(path, sizeof path, "%s/none.state", t.dir);
    CHECK(vg_blclient_load(again, path, &missing, &err) == VG_ERR_IO && missing);

    /* a key without the scope: the update fails, naming the answer */
    vg_blclient *refused = client_of(&t, other);
    CHECK(vg_blclient_update(refused, NULL, &err) == VG_ERR_IO);
    CHECK_MSG(strstr(err.message, "403") != NULL, "%s", err.message);

    vg_blclient_free(refused);
    vg_blclient_free(again);
    vg_blclient_free(c);
    ts_stop(&t);
}

/* What the server sends is checked before it is believed. */
static void test_answers(void)
{
    vg_blclient_options o = {.server = "https://hotline.example", .key = "vg_k"};
    vg_blclient *c = NULL;
    vg_error err;
    CHECK(vg_blclient_new(&o, &c, &err) == VG_OK);
    const char *bad[] = {
        "", "[]", "{\"version\":1}",
        "{\"version\":-1,\"reset\":true,\"additions\":[],\"removals\":[],\"count\":0,"
        "\"checksum\":\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"}",
        "{\"version\":1,\"reset\":true,\"additions\":[\"0000001\"],\"removals\":[],\"count\":1,"
        "\"checksum\":\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"}",
        "{\"version\":1,\"reset\":true,\"additions\":[7],\"removals\":[],\"count\":1,"
        "\"checksum\":\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_MSG(vg_blclient_apply_answer(c, bad[i], strlen(bad[i]), NULL, &err) ==
                      VG_ERR_CORRUPT,
                  "%s", bad[i]);
    /* well formed, but not the set its checksum says (SHA-256 of nothing) */
    const char *wrong = "{\"version\":1,\"reset\":true,\"additions\":[\"00000001\"],"
                        "\"removals\":[],\"count\":1,\"checksum\":"
                        "\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"}";
    CHECK(vg_blclient_apply_answer(c, wrong, strlen(wrong), NULL, &err) == VG_ERR_INVALID);
    CHECK_INT_EQ(vg_blclient_version(c), 0);
    /* the empty set at version 2 */
    const char *empty = "{\"version\":2,\"reset\":true,\"additions\":[],\"removals\":[],"
                        "\"count\":0,\"checksum\":"
                        "\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"}";
    CHECK(vg_blclient_apply_answer(c, empty, strlen(empty), NULL, &err) == VG_OK);
    CHECK_INT_EQ(vg_blclient_version(c), 2);

    unsigned char *hashes = NULL;
    size_t count = 0;
    const char *ok = "{\"version\":2,\"prefix\":\"e3b0c442\",\"full_hashes\":"
                     "[\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"]}";
    CHECK(vg_blclient_parse_full_hashes(ok, strlen(ok), 0xe3b0c442u, &hashes, &count, &err) ==
          VG_OK);
    CHECK_INT_EQ(count, 1);
    free(hashes);
    /* a hash under another prefix than the one asked */
    CHECK(vg_blclient_parse_full_hashes(ok, strlen(ok), 0xe3b0c443u, &hashes, &count, &err) ==
          VG_ERR_CORRUPT);
    CHECK(vg_blclient_parse_full_hashes("{}", 2, 1, &hashes, &count, &err) == VG_ERR_CORRUPT);

    /* what vg_blclient_new refuses */
    vg_blclient *none = NULL;
    vg_blclient_options ftp = {.server = "ftp://hotline.example", .key = "k"};
    CHECK(vg_blclient_new(&ftp, &none, &err) == VG_ERR_INVALID);
    vg_blclient_options crlf = {.server = "https://hotline.example", .key = "k\r\nX-Evil: 1"};
    CHECK(vg_blclient_new(&crlf, &none, &err) == VG_ERR_INVALID);
    CHECK(none == NULL);
    vg_blclient_free(c);
}

int main(void)
{
    RUN(test_answers);
    RUN(test_client);
    return vg_test_exit();
}

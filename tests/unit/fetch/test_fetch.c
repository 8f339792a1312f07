/*
 * The safe fetcher against a web site of the test's own on loopback
 * (site.h): the rules (addresses after resolution on every hop,
 * redirects, size, pace, content types, proxy), the body streamed to the
 * caller, and the chain-of-custody record. Nothing leaves the machine.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "site.h"
#include "vigie/digest.h"
#include "vigie/fetch.h"

static char PICTURE[600];

static site *web;
static uint16_t port;

static void url(char *out, size_t cap, const char *path)
{
    snprintf(out, cap, "http://127.0.0.1:%u%s", port, path);
}

typedef struct collected {
    vg_digest_ctx *digest;
    size_t calls;
    size_t bytes;
} collected;

static vg_status collect(void *ctx, const uint8_t *data, size_t len, vg_error *err)
{
    collected *c = ctx;
    c->calls++;
    c->bytes += len;
    return vg_digest_update(c->digest, data, len, err);
}

static vg_fetch_options local(void)
{
    return (vg_fetch_options){.max_bytes = 8 << 20,
                              .timeout_seconds = 20,
                              .allow_plain_http = true,
                              .allow_private_addresses = true,
                              .max_redirects = 5,
                              .content_types = "image/,text/html",
                              .user_agent = "vigie-test/1 (+https://hotline.test/bot)",
                              .stall_seconds = 1};
}

static void test_refuses_loopback_without_the_allowance(void)
{
    char u[128];
    url(u, sizeof u, "/pic.jpg");
    vg_fetch_options o = local();
    o.allow_private_addresses = false;
    vg_fetch_record r;
    vg_error err;
    CHECK(vg_fetch_stream(u, &o, NULL, NULL, &r, &err) == VG_ERR_IO);
    CHECK_INT_EQ(r.outcome, VG_FETCH_REFUSED);
    CHECK_MSG(strstr(err.message, "127.0.0.1 is not a public one"), "%s", err.message);
    CHECK_INT_EQ(site_hits(web, "/pic.jpg"), 0);
    vg_fetch_record_free(&r);
    /* https only without the plain-http allowance */
    o = local();
    o.allow_plain_http = false;
    CHECK(vg_fetch_stream(u, &o, NULL, NULL, &r, &err) == VG_ERR_INVALID);
    vg_fetch_record_free(&r);
    CHECK(vg_fetch_stream("http://user:pw@127.0.0.1/", &o, NULL, NULL, &r, &err) ==
          VG_ERR_INVALID);
    vg_fetch_record_free(&r);
}

static void test_body_streamed_and_recorded(void)
{
    char u[128], start[128];
    url(u, sizeof u, "/pic.jpg");
    url(start, sizeof start, "/go");
    collected c = {0};
    vg_error err;
    CHECK(vg_digest_new(&c.digest, NULL) == VG_OK);
    vg_fetch_options o = local();
    vg_fetch_record r;
    CHECK_MSG(vg_fetch_stream(start, &o, collect, &c, &r, &err) == VG_OK, "%s", err.message);
    CHECK_INT_EQ(r.outcome, VG_FETCH_BODY);
    vg_digests got, want;
    uint64_t bytes = 0;
    CHECK(vg_digest_final(c.digest, &got, NULL) == VG_OK);
    CHECK(vg_digest_file(PICTURE, &want, &bytes, NULL) == VG_OK);
    CHECK(!memcmp(got.sha256, want.sha256, sizeof want.sha256));
    CHECK_INT_EQ(c.bytes, bytes);
    CHECK_INT_EQ(r.bytes, bytes);
    CHECK_STR_EQ(r.content_type, "image/jpeg");
    /* the chain of custody: both hops, where they went, what they said */
    CHECK_INT_EQ(r.hop_count, 2);
    if (r.hop_count == 2) {
        CHECK_STR_EQ(r.hops[0].url, start);
        CHECK_INT_EQ(r.hops[0].status, 302);
        CHECK_STR_EQ(r.hops[0].address, "127.0.0.1");
        CHECK_MSG(strstr(r.hops[0].headers, "Location: /pic.jpg\n"), "%s", r.hops[0].headers);
        CHECK_STR_EQ(r.hops[1].url, u);
        CHECK_INT_EQ(r.hops[1].status, 200);
        CHECK_MSG(strstr(r.hops[1].headers, "Content-Type: image/jpeg\n"), "%s",
                  r.hops[1].headers);
        CHECK_STR_EQ(r.hops[1].tls_sha256, ""); /* no TLS on loopback */
    }
    char *json = vg_fetch_record_json(&r);
    CHECK_MSG(json && strstr(json, "\"outcome\":\"body\"") && strstr(json, "\"status\":302"),
              "%s", json ? json : "(null)");
    free(json);
    char *seen = site_last_request(web);
    CHECK_MSG(seen && strstr(seen, "User-Agent: vigie-test/1 (+https://hotline.test/bot)\r\n"),
              "%s", seen ? seen : "");
    free(seen);
    vg_fetch_record_free(&r);
    vg_digest_free(c.digest);
}

static void test_redirects(void)
{
    vg_fetch_options o = local();
    vg_fetch_record r;
    vg_error err;
    char u[128];
    /* into a private network: refused at the hop, after resolution */
    url(u, sizeof u, "/to-private");
    CHECK(vg_fetch_stream(u, &o, NULL, NULL, &r, &err) == VG_ERR_IO);
    CHECK_INT_EQ(r.outcome, VG_FETCH_REFUSED);
    CHECK_MSG(strstr(err.message, "10.1.2.3 is not a public one"), "%s", err.message);
    CHECK_INT_EQ(r.hop_count, 2);
    vg_fetch_record_free(&r);
    /* to another scheme */
    url(u, sizeof u, "/to-file");
    CHECK(vg_fetch_stream(u, &o, NULL, NULL, &r, &err) == VG_ERR_INVALID);
    CHECK_INT_EQ(r.outcome, VG_FETCH_REFUSED);
    vg_fetch_record_free(&r);
    /* a loop ends at once */
    url(u, sizeof u, "/loop-a");
    CHECK(vg_fetch_stream(u, &o, NULL, NULL, &r, &err) == VG_ERR_IO);
    CHECK_MSG(strstr(err.message, "redirect loop"), "%s", err.message);
    CHECK_INT_EQ(site_hits(web, "/loop-a"), 1);
    CHECK_INT_EQ(site_hits(web, "/loop-b"), 1);
    vg_fetch_record_free(&r);
    /* too many */
    o.max_redirects = 0;
    url(u, sizeof u, "/go");
    CHECK(vg_fetch_stream(u, &o, NULL, NULL, &r, &err) == VG_ERR_IO);
    CHECK_MSG(strstr(err.message, "more than 0 redirects"), "%s", err.message);
    vg_fetch_record_free(&r);
}

static void test_limits(void)
{
    vg_fetch_options o = local();
    vg_fetch_record r;
    vg_error err;
    collected c = {0};
    CHECK(vg_digest_new(&c.digest, NULL) == VG_OK);
    char u[128];
    url(u, sizeof u, "/pic.jpg");
    o.max_bytes = 1000;
    CHECK(vg_fetch_stream(u, &o, collect, &c, &r, &err) == VG_ERR_TOO_LARGE);
    CHECK_INT_EQ(r.outcome, VG_FETCH_REFUSED);
    CHECK_INT_EQ(c.bytes, 0); /* refused on its Content-Length, before any byte */
    vg_fetch_record_free(&r);
    /* a type outside the list: nothing reaches the sink */
    o = local();
    url(u, sizeof u, "/notes.txt");
    CHECK(vg_fetch_stream(u, &o, collect, &c, &r, &err) == VG_ERR_IO);
    CHECK_MSG(strstr(err.message, "'text/plain' is not among"), "%s", err.message);
    CHECK_INT_EQ(c.calls, 0);
    vg_fetch_record_free(&r);
    /* a server that stops sending */
    url(u, sizeof u, "/slow.jpg");
    CHECK(vg_fetch_stream(u, &o, collect, &c, &r, &err) == VG_ERR_IO);
    CHECK_INT_EQ(r.outcome, VG_FETCH_FAILED);
    vg_fetch_record_free(&r);
    /* 404: the status, no body for the sink */
    size_t before = c.calls;
    url(u, sizeof u, "/gone.jpg");
    CHECK(vg_fetch_stream(u, &o, collect, &c, &r, &err) == VG_ERR_IO);
    CHECK_INT_EQ(r.outcome, VG_FETCH_HTTP_ERROR);
    CHECK_INT_EQ(r.status, 404);
    CHECK_INT_EQ(c.calls, before);
    vg_fetch_record_free(&r);
    vg_digest_free(c.digest);
}

static void test_proxy(void)
{
    /* The site stands in for an HTTP proxy: it is asked for the whole URL,
     * and no name is resolved here. */
    char proxy[64];
    snprintf(proxy, sizeof proxy, "http://127.0.0.1:%u", port);
    vg_fetch_options o = local();
    o.allow_private_addresses = false;
    o.proxy = proxy;
    vg_fetch_record r;
    vg_error err;
    CHECK_MSG(vg_fetch_stream("http://onion.example/page.html", &o, NULL, NULL, &r, &err) ==
                  VG_OK,
              "%s", err.message);
    CHECK_INT_EQ(site_hits(web, "http://onion.example/page.html"), 1);
    vg_fetch_record_free(&r);
    /* a private address on the URL's face is refused before the proxy */
    CHECK(vg_fetch_stream("http://10.0.0.1/x", &o, NULL, NULL, &r, &err) == VG_ERR_INVALID);
    CHECK(vg_fetch_stream("http://localhost/x", &o, NULL, NULL, &r, &err) == VG_ERR_INVALID);
    CHECK(vg_fetch_stream("http://[::1]/x", &o, NULL, NULL, &r, &err) == VG_ERR_INVALID);
    vg_fetch_record_free(&r);
}

static void test_parsers(void)
{
    CHECK(vg_fetch_type_accepted("image/,text/html", "image/png"));
    CHECK(vg_fetch_type_accepted("image/,text/html", "Text/HTML; charset=utf-8"));
    CHECK(!vg_fetch_type_accepted("image/,text/html", "text/htmlx"));
    CHECK(!vg_fetch_type_accepted("image/,text/html", "image/"));
    CHECK(!vg_fetch_type_accepted("image/", ""));
    CHECK(vg_fetch_type_accepted("", ""));
    CHECK(vg_fetch_type_accepted(NULL, "x/y"));
    /* the reference: openssl x509 -in cert.pem -outform der | sha256sum */
    FILE *f = fopen(VG_CERT_PEM, "rb");
    char pem[4096];
    size_t n = f ? fread(pem, 1, sizeof pem, f) : 0;
    if (f)
        fclose(f);
    char hex[65];
    CHECK(vg_fetch_pem_sha256(pem, n, hex));
    CHECK_STR_EQ(hex, "6a4df15e96699adaf8a0085d0c865583ccb5514ff116c5649b8fb2e3f24d2a5b");
    CHECK(!vg_fetch_pem_sha256(pem, n / 2, hex)); /* truncated */
    CHECK_STR_EQ(hex, "");
    CHECK(!vg_fetch_pem_sha256("-----BEGIN CERTIFICATE-----\n!!\n-----END CERTIFICATE-----",
                               56, hex));
}

int main(void)
{
    const char *shared = getenv("VIGIE_SHARED");
    if (!shared || !*shared)
        return 77;
    snprintf(PICTURE, sizeof PICTURE, "%s/testdata/pdq/images/bridge-1-original.jpg", shared);
    web = site_start(&port);
    if (!web) {
        fprintf(stderr, "cannot listen on loopback\n");
        return 1;
    }
    CHECK(site_put_file(web, "/pic.jpg", "image/jpeg", PICTURE));
    CHECK(site_put_file(web, "/slow.jpg", "image/jpeg", PICTURE));
    site_stall(web, "/slow.jpg");
    site_put(web, "/go", 302, "text/html", "", 0, "Location: /pic.jpg\r\n");
    site_put(web, "/to-private", 302, "text/html", "", 0, "Location: http://10.1.2.3/x\r\n");
    site_put(web, "/to-file", 302, "text/html", "", 0, "Location: file:///etc/passwd\r\n");
    site_put(web, "/loop-a", 301, "text/html", "", 0, "Location: /loop-b\r\n");
    site_put(web, "/loop-b", 301, "text/html", "", 0, "Location: /loop-a\r\n");
    site_put(web, "/notes.txt", 200, "text/plain", "hello", 5, NULL);
    site_put(web, "http://onion.example/page.html", 200, "text/html", "<p>x</p>", 8, NULL);
    RUN(test_refuses_loopback_without_the_allowance);
    RUN(test_body_streamed_and_recorded);
    RUN(test_redirects);
    RUN(test_limits);
    RUN(test_proxy);
    RUN(test_parsers);
    site_stop(web);
    return vg_test_exit();
}

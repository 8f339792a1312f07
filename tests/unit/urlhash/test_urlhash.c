/*
 * tests of src/lib/urlhash: Safe Browsing v4 canonicalisation, expressions
 * and hashes (vigie/urlhash.h).
 *
 * The expected values are the published ones: every canonicalisation
 * example of the Safe Browsing v4 "URLs and Hashing" page
 * (developers.google.com/safe-browsing/v4/urls-hashing), its
 * suffix/prefix expression examples, and its hash example; a few more from
 * the reference Go client's tests (github.com/google/safebrowsing,
 * urls_test.go) where that client follows the page.
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "vigie/urlhash.h"

static void expect_len(const char *in, size_t len, const char *want)
{
    char *out = NULL;
    vg_error err;
    vg_status st = vg_urlhash_canonicalize(in, len, &out, &err);
    CHECK_MSG(st == VG_OK, "%s: %s", in, err.message);
    if (st != VG_OK)
        return;
    CHECK_MSG(strcmp(out, want) == 0, "%s -> \"%s\", want \"%s\"", in, out, want);
    free(out);
}

static void expect(const char *in, const char *want)
{
    expect_len(in, strlen(in), want);
}

/* The page's list, in its order. */
static void test_published_canonicalization(void)
{
    expect("http://host/%25%32%35", "http://host/%25");
    expect("http://host/%25%32%35%25%32%35", "http://host/%25%25");
    expect("http://host/%2525252525252525", "http://host/%25");
    expect("http://host/asdf%25%32%35asd", "http://host/asdf%25asd");
    expect("http://host/%%%25%32%35asd%%", "http://host/%25%25%25asd%25%25");
    expect("http://www.google.com/", "http://www.google.com/");
    expect("http://%31%36%38%2e%31%38%38%2e%39%39%2e%32%36/%2E%73%65%63%75%72%65/"
           "%77%77%77%2E%65%62%61%79%2E%63%6F%6D/",
           "http://168.188.99.26/.secure/www.ebay.com/");
    expect("http://195.127.0.11/uploads/%20%20%20%20/.verify/"
           ".eBaysecure=updateuserdataxplimnbqmn-xplmvalidateinfoswqpcmlx=hgplmcx/",
           "http://195.127.0.11/uploads/%20%20%20%20/.verify/"
           ".eBaysecure=updateuserdataxplimnbqmn-xplmvalidateinfoswqpcmlx=hgplmcx/");
    expect("http://host%23.com/%257Ea%2521b%2540c%2523d%2524e%25f%255E00%252611%252A22%252833"
           "%252944_55%252B",
           "http://host%23.com/~a!b@c%23d$e%25f^00&11*22(33)44_55+");
    expect("http://3279880203/blah", "http://195.127.0.11/blah");
    expect("http://www.google.com/blah/..", "http://www.google.com/");
    expect("www.google.com/", "http://www.google.com/");
    expect("www.google.com", "http://www.google.com/");
    expect("http://www.evil.com/blah#frag", "http://www.evil.com/blah");
    expect("http://www.GOOgle.com/", "http://www.google.com/");
    expect("http://www.google.com.../", "http://www.google.com/");
    expect("http://www.google.com/foo\tbar\rbaz\n2", "http://www.google.com/foobarbaz2");
    expect("http://www.google.com/q?", "http://www.google.com/q?");
    expect("http://www.google.com/q?r?", "http://www.google.com/q?r?");
    expect("http://www.google.com/q?r?s", "http://www.google.com/q?r?s");
    expect("http://evil.com/foo#bar#baz", "http://evil.com/foo");
    expect("http://evil.com/foo;", "http://evil.com/foo;");
    expect("http://evil.com/foo?bar;", "http://evil.com/foo?bar;");
    expect("http://\x01\x80.com/", "http://%01%80.com/");
    expect("http://notrailingslash.com", "http://notrailingslash.com/");
    expect("http://www.gotaport.com:1234/", "http://www.gotaport.com/");
    expect("  http://www.google.com/  ", "http://www.google.com/");
    expect("http:// leadingspace.com/", "http://%20leadingspace.com/");
    expect("http://%20leadingspace.com/", "http://%20leadingspace.com/");
    expect("%20leadingspace.com/", "http://%20leadingspace.com/");
    expect("https://www.securesite.com/", "https://www.securesite.com/");
    expect("http://host.com/ab%23cd", "http://host.com/ab%23cd");
    expect("http://host.com//twoslashes?more//slashes",
           "http://host.com/twoslashes?more//slashes");
}

/* From the Go client's tests, where it agrees with the page's rules. */
static void test_reference_client_cases(void)
{
    expect("ftp://ftp.myfiles.com/", "ftp://ftp.myfiles.com/");
    expect("http://[2001:470:1:18::114]/", "http://[2001:470:1:18::114]/");
    expect("http://W!eird<>Ho$^.com/", "http://w!eird<>ho$^.com/");
    expect("http://i.have.way.too.many.dots.com/", "http://i.have.way.too.many.dots.com/");
    expect("http://0x12.0x43.0x44.0x01", "http://18.67.68.1/");
    expect("http://12.0x12.01234/", "http://12.18.2.156/");
    expect("http://012.034.01.055/", "http://10.28.1.45/");
    expect("http://167838211/", "http://10.1.2.3/");
    expect("http://4294967295/", "http://255.255.255.255/");
    expect("http://google.com.:8080/foo.html", "http://google.com/foo.html");
    expect("http://..google.com/foo.html", "http://google.com/foo.html");
    expect("http://a.com/foo/.././bar/./../foo.html", "http://a.com/foo.html");
    expect("http://a.com//a//b///c////", "http://a.com/a/b/c/");
    /* a NUL byte in the input is a byte like another */
    expect_len("http://a.com/x\0y", 16, "http://a.com/x%00y");
}

static void refuse(const char *in, vg_status want)
{
    char *out = (char *)"sentinel";
    vg_error err;
    vg_error_clear(&err);
    vg_status st = vg_urlhash_canonicalize(in, strlen(in), &out, &err);
    CHECK_MSG(st == want, "%s: status %s, want %s", in, vg_status_name(st), vg_status_name(want));
    CHECK(out == NULL);
    CHECK(st == VG_OK || err.message[0] != '\0');
}

static void test_refusals(void)
{
    /* the Go client's "missing a valid hostname" cases */
    refuse("", VG_ERR_INVALID);
    refuse("/blah", VG_ERR_INVALID);
    refuse("#ref", VG_ERR_INVALID);
    refuse("http://#ref", VG_ERR_INVALID);
    refuse("http:///blah#ref", VG_ERR_INVALID);
    refuse("http://?query#ref", VG_ERR_INVALID);
    refuse("http:///blah;param?query#ref", VG_ERR_INVALID);
    refuse("http://...", VG_ERR_INVALID);
    refuse("http://a.com:8x/", VG_ERR_INVALID);
    refuse("http://[::1/", VG_ERR_INVALID);
    /* an escaped slash in the host (found by fuzz_urlhash): the canonical
     * form would read as an empty host */
    refuse("%2Frea", VG_ERR_INVALID);
    refuse("http://a%2Fb.com/", VG_ERR_INVALID);
    refuse("http://a%252Fb.com/", VG_ERR_INVALID);
    char *big = malloc(VG_URLHASH_MAX_BYTES + 2);
    memset(big, 'a', VG_URLHASH_MAX_BYTES + 1);
    big[VG_URLHASH_MAX_BYTES + 1] = 0;
    refuse(big, VG_ERR_TOO_LARGE);
    /* within the input limit, but escaping grows it beyond */
    memcpy(big, "http://a/", 9);
    memset(big + 9, ' ', VG_URLHASH_MAX_BYTES - 10);
    big[VG_URLHASH_MAX_BYTES - 1] = 'x';
    big[VG_URLHASH_MAX_BYTES] = 0;
    refuse(big, VG_ERR_TOO_LARGE);
    free(big);
}

/* expressions of url must be exactly want[0..n), in that order */
static void expect_expressions(const char *url, const char *const *want, size_t n)
{
    vg_urlhash_expressions ex;
    vg_error err;
    vg_status st = vg_urlhash_expressions_of(url, strlen(url), &ex, &err);
    CHECK_MSG(st == VG_OK, "%s: %s", url, err.message);
    CHECK_MSG(ex.count == n, "%s: %zu expressions, want %zu", url, ex.count, n);
    for (size_t i = 0; i < n && i < ex.count; i++)
        CHECK_MSG(!strcmp(ex.items[i], want[i]), "%s: [%zu] %s, want %s", url, i, ex.items[i],
                  want[i]);
    vg_urlhash_expressions_clear(&ex);
    CHECK(ex.count == 0);
}

#define EXPECT_EXPRESSIONS(url, ...)                                                    \
    do {                                                                                \
        static const char *const want_[] = {__VA_ARGS__};                               \
        expect_expressions(url, want_, sizeof want_ / sizeof want_[0]);                 \
    } while (0)

static void test_published_expressions(void)
{
    /* the page's three examples, in its order */
    EXPECT_EXPRESSIONS("http://a.b.c/1/2.html?param=1", "a.b.c/1/2.html?param=1",
                       "a.b.c/1/2.html", "a.b.c/", "a.b.c/1/", "b.c/1/2.html?param=1",
                       "b.c/1/2.html", "b.c/", "b.c/1/");
    EXPECT_EXPRESSIONS("http://a.b.c.d.e.f.g/1.html", "a.b.c.d.e.f.g/1.html", "a.b.c.d.e.f.g/",
                       "c.d.e.f.g/1.html", "c.d.e.f.g/", "d.e.f.g/1.html", "d.e.f.g/",
                       "e.f.g/1.html", "e.f.g/", "f.g/1.html", "f.g/");
    EXPECT_EXPRESSIONS("http://1.2.3.4/1/", "1.2.3.4/1/", "1.2.3.4/");
    /* the Go client's, where it follows the page (the order is the page's) */
    EXPECT_EXPRESSIONS("http://a.b.c/1/2/3/4/5/", "a.b.c/1/2/3/4/5/", "a.b.c/", "a.b.c/1/",
                       "a.b.c/1/2/", "a.b.c/1/2/3/", "b.c/1/2/3/4/5/", "b.c/", "b.c/1/",
                       "b.c/1/2/", "b.c/1/2/3/");
    EXPECT_EXPRESSIONS("http://a.b.c.d.e/1.html", "a.b.c.d.e/1.html", "a.b.c.d.e/",
                       "b.c.d.e/1.html", "b.c.d.e/", "c.d.e/1.html", "c.d.e/", "d.e/1.html",
                       "d.e/");
    EXPECT_EXPRESSIONS("http://[2001:470:1:18::114]/a/b", "[2001:470:1:18::114]/a/b",
                       "[2001:470:1:18::114]/", "[2001:470:1:18::114]/a/");
    EXPECT_EXPRESSIONS("http://b/", "b/");
    /* the most: 5 hosts times 6 paths */
    vg_urlhash_expressions ex;
    CHECK(vg_urlhash_expressions_of("http://a.b.c.d.e.f/1/2/3/4/5.html?q", 35, &ex, NULL) ==
          VG_OK);
    CHECK_INT_EQ(ex.count, VG_URLHASH_MAX_EXPRESSIONS);
    vg_urlhash_expressions_clear(&ex);
}

static void test_published_hashes(void)
{
    /* the page's example: SHA-256 of "abc" and its 4-byte prefix */
    static const unsigned char want[32] = {
        0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
        0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
    unsigned char full[32];
    vg_urlhash_full("abc", 3, full);
    CHECK(!memcmp(full, want, 32));
    CHECK(vg_urlhash_prefix(full) == 0xba7816bfu);
}

int main(void)
{
    RUN(test_published_canonicalization);
    RUN(test_reference_client_cases);
    RUN(test_refusals);
    RUN(test_published_expressions);
    RUN(test_published_hashes);
    return vg_test_exit();
}

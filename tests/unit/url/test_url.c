/* tests of src/lib/url: canonical web addresses (vigie/url.h). */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "vigie/url.h"

/* Canonicalise in and expect want; then check the result is a fixed point. */
static void expect(const char *in, const char *want)
{
    char *out = NULL;
    vg_error err;
    vg_status st = vg_url_canonicalize(in, strlen(in), &out, &err);
    CHECK_MSG(st == VG_OK, "%s: %s", in, err.message);
    if (st != VG_OK)
        return;
    CHECK_MSG(strcmp(out, want) == 0, "%s -> \"%s\", want \"%s\"", in, out, want);
    char *again = NULL;
    st = vg_url_canonicalize(out, strlen(out), &again, &err);
    CHECK_MSG(st == VG_OK && strcmp(again, out) == 0, "not idempotent: %s -> %s -> %s", in, out,
              again ? again : err.message);
    free(again);
    free(out);
}

static void refuse(const char *in, size_t len, vg_status want)
{
    char *out = (char *)"sentinel";
    vg_error err;
    vg_error_clear(&err);
    vg_status st = vg_url_canonicalize(in, len, &out, &err);
    CHECK_MSG(st == want, "%.*s: status %s, want %s", (int)len, in, vg_status_name(st),
              vg_status_name(want));
    CHECK(out == NULL);
    CHECK(st == VG_OK || err.message[0] != '\0');
    if (st == VG_OK)
        free(out);
}

static void test_scheme_and_host_case(void)
{
    expect("HTTP://Example.COM/Path", "http://example.com/Path");
    expect("HtTpS://WWW.Example.Com", "https://www.example.com/");
    expect("http://example.com.", "http://example.com/");
    expect("http://%65xample.com/", "http://example.com/");
}

static void test_missing_scheme(void)
{
    expect("example.com/a", "http://example.com/a");
    expect("www.example.com", "http://www.example.com/");
    expect("//example.com/x", "http://example.com/x");
    expect("example.com:8080/x", "http://example.com:8080/x");
    expect("localhost:8080", "http://localhost:8080/");
    expect("http:example.com/a", "http://example.com/a");
    expect("https:\\\\example.com\\a\\b", "https://example.com/a/b");
}

static void test_ports(void)
{
    expect("http://example.com:80/", "http://example.com/");
    expect("https://example.com:443/x", "https://example.com/x");
    expect("https://example.com:80/x", "https://example.com:80/x");
    expect("http://example.com:/x", "http://example.com/x");
    expect("http://example.com:0080/x", "http://example.com/x");
    expect("http://example.com:08080/x", "http://example.com:8080/x");
    expect("ftp://example.com:21/f", "ftp://example.com/f");
    refuse("http://example.com:65536/", 25, VG_ERR_INVALID);
    refuse("http://example.com:8o/", 22, VG_ERR_INVALID);
    refuse("http://example.com:99999999999999999999999/", 44, VG_ERR_INVALID);
}

static void test_percent_encoding(void)
{
    expect("http://example.com/%7euser/%41%62c", "http://example.com/~user/Abc");
    expect("http://example.com/a%2fb", "http://example.com/a%2Fb");
    expect("http://example.com/a b", "http://example.com/a%20b");
    expect("http://example.com/<x>\"", "http://example.com/%3Cx%3E%22");
    expect("http://example.com/100%", "http://example.com/100%25");
    expect("http://example.com/%zz", "http://example.com/%25zz");
    expect("http://example.com/caf\xc3\xa9", "http://example.com/caf%C3%A9");
    expect("http://example.com/caf%c3%a9", "http://example.com/caf%C3%A9");
    expect("http://example.com/?q=a+b&r=%2a", "http://example.com/?q=a+b&r=%2A");
    expect("http://example.com/?q=a b", "http://example.com/?q=a%20b");
}

static void test_dot_segments(void)
{
    expect("http://example.com/a/./b/../c", "http://example.com/a/c");
    expect("http://example.com/a/b/..", "http://example.com/a/");
    expect("http://example.com/a/.", "http://example.com/a/");
    expect("http://example.com/../../x", "http://example.com/x");
    expect("http://example.com/a/%2e%2E/b", "http://example.com/b");
    expect("http://example.com/a/.%2e/b", "http://example.com/b");
    expect("http://example.com/a//b", "http://example.com/a//b");
    expect("http://example.com/..", "http://example.com/");
    expect("http://example.com/a/..b/c", "http://example.com/a/..b/c");
    expect("http://example.com/a\\..\\b", "http://example.com/b");
}

static void test_fragment_query_path(void)
{
    expect("http://example.com", "http://example.com/");
    expect("http://example.com?x=1", "http://example.com/?x=1");
    expect("http://example.com/a#frag", "http://example.com/a");
    expect("http://example.com/a?#frag", "http://example.com/a");
    expect("http://example.com/a?b=2&a=1#f", "http://example.com/a?b=2&a=1");
    expect("http://example.com#f?x", "http://example.com/");
}

static void test_whitespace(void)
{
    expect("  http://example.com/a \n", "http://example.com/a");
    expect("http://exa\tmple.com/a\r\nb", "http://example.com/ab");
    refuse("http://exa\x01mple.com/", 21, VG_ERR_INVALID);
    refuse("http://example.com/\x7f", 20, VG_ERR_INVALID);
    refuse("   ", 3, VG_ERR_INVALID);
    refuse("", 0, VG_ERR_INVALID);
}

static void test_hosts(void)
{
    expect("http://[2001:DB8:0:0:0:0:0:1]:80/", "http://[2001:db8::1]/");
    expect("http://[::1]:8080/x", "http://[::1]:8080/x");
    expect("http://user:Pass@Example.com/", "http://user:Pass@example.com/");
    expect("http://@example.com/", "http://example.com/");
    expect("http://a@b@example.com/", "http://a%40b@example.com/");
    expect("http://192.168.0.1/", "http://192.168.0.1/");
    /* Numeric hosts in the forms browsers accept. */
    expect("http://2130706433/", "http://127.0.0.1/");
    expect("http://0x7f.1/", "http://127.0.0.1/");
    expect("http://0177.0.0.01/", "http://127.0.0.1/");
    expect("http://0X7F.0x0.0.1./x", "http://127.0.0.1/x");
    expect("http://10.1/", "http://10.0.0.1/");
    expect("http://192.168.257/", "http://192.168.1.1/");
    expect("http://\xef\xbc\x91\xef\xbc\x92\xef\xbc\x97.0.0.1/", "http://127.0.0.1/"); /* fullwidth */
    expect("http://256.1.1.1/", "http://256.1.1.1/");       /* too large: a name */
    expect("http://1.2.3.4.5/", "http://1.2.3.4.5/");       /* five parts: a name */
    expect("http://4294967296/", "http://4294967296/");     /* beyond 32 bits */
    expect("http://08.1.1.1/", "http://08.1.1.1/");         /* not octal: a name */
    expect("http://1.2.3.example/", "http://1.2.3.example/");
    expect("http://0x/", "http://0.0.0.0/"); /* an empty hex number is 0, as in browsers */
    refuse("http://[::1/", 12, VG_ERR_INVALID);
    refuse("http://[zz::1]/", 15, VG_ERR_INVALID);
    refuse("http://[::1]x/", 14, VG_ERR_INVALID);
    refuse("http:///", 8, VG_ERR_INVALID);
    refuse("http://user@/", 13, VG_ERR_INVALID);
    refuse("http://exa<mple.com/", 20, VG_ERR_INVALID);
    refuse("http://exa%3cmple.com/", 22, VG_ERR_INVALID);
    refuse("http://exa%zmple.com/", 21, VG_ERR_INVALID);
    refuse("http://exa%c3mple.com/", 22, VG_ERR_INVALID); /* decodes to invalid UTF-8 */
}

static void test_idn(void)
{
    /* bücher.example, any case, in UTF-8 or already in punycode. */
    expect("http://b\xc3\xbc" "cher.example/", "http://xn--bcher-kva.example/");
    expect("http://B\xc3\x9c" "CHER.example/", "http://xn--bcher-kva.example/");
    expect("http://XN--BCHER-KVA.example/", "http://xn--bcher-kva.example/");
    expect("http://b%C3%BCcher.example/", "http://xn--bcher-kva.example/");
}

static void test_opaque(void)
{
    expect("MAILTO:someone@example.com", "mailto:someone@example.com");
    expect("magnet:?xt=urn:btih:ABC&dn=a b#x", "magnet:?xt=urn:btih:ABC&dn=a%20b");
    expect("file:///tmp/a/../b", "file:///tmp/b");
}

static void test_hostile(void)
{
    refuse("http://example.com/\xc3", 20, VG_ERR_INVALID);         /* truncated UTF-8 */
    refuse("http://example.com/\xc0\xaf", 21, VG_ERR_INVALID);     /* overlong */
    refuse("http://example.com/\xed\xa0\x80", 22, VG_ERR_INVALID); /* surrogate */
    refuse("http://exa\0mple.com/", 20, VG_ERR_INVALID);

    size_t big = VG_URL_MAX_BYTES + 1;
    char *long_url = malloc(big);
    CHECK(long_url != NULL);
    if (!long_url)
        return;
    memcpy(long_url, "http://example.com/", 19);
    memset(long_url + 19, 'a', big - 19);
    refuse(long_url, big, VG_ERR_TOO_LARGE);

    /* The limit holds for the canonical form too: escapes triple a byte. */
    memset(long_url + 19, ' ', VG_URL_MAX_BYTES - 19 - 1);
    long_url[VG_URL_MAX_BYTES - 1] = 'x';
    refuse(long_url, VG_URL_MAX_BYTES, VG_ERR_TOO_LARGE);
    size_t fits = 19 + (VG_URL_MAX_BYTES - 19 - 1) / 3;
    long_url[fits - 1] = 'x';
    char *out = NULL;
    CHECK(vg_url_canonicalize(long_url, fits, &out, NULL) == VG_OK);
    CHECK(out && strlen(out) == 19 + 3 * (fits - 20) + 1 && strlen(out) <= VG_URL_MAX_BYTES);
    free(out);

    /* Thousands of ".." never climb above the root. */
    size_t n = 0;
    memcpy(long_url, "http://e.test", 13);
    n = 13;
    while (n + 3 < VG_URL_MAX_BYTES) {
        memcpy(long_url + n, "/..", 3);
        n += 3;
    }
    out = NULL;
    CHECK(vg_url_canonicalize(long_url, n, &out, NULL) == VG_OK);
    CHECK_STR_EQ(out, "http://e.test/");
    free(out);
    free(long_url);

    CHECK(vg_url_canonicalize(NULL, 0, &out, NULL) == VG_ERR_INVALID);
    CHECK(vg_url_canonicalize("http://a/", 9, NULL, NULL) == VG_ERR_INVALID);
}

/* Spellings reporters use for one location all meet. */
static void test_same_location(void)
{
    const char *spellings[] = {
        "https://Example.com:443/gallery/./2024/../photos%2Dx?id=7#comments",
        "HTTPS://example.com/gallery/photos-x?id=7",
        " https://example.com./gallery/2024/../photos%2dx?id=7 ",
        "https://example.com/x/../gallery/photos-x?id=7",
    };
    char *first = NULL;
    CHECK(vg_url_canonicalize(spellings[0], strlen(spellings[0]), &first, NULL) == VG_OK);
    for (size_t i = 1; i < sizeof spellings / sizeof spellings[0]; i++) {
        char *other = NULL;
        CHECK(vg_url_canonicalize(spellings[i], strlen(spellings[i]), &other, NULL) == VG_OK);
        CHECK_MSG(first && other && strcmp(first, other) == 0, "%s -> %s vs %s", spellings[i],
                  other, first);
        free(other);
    }
    free(first);
}

int main(void)
{
    RUN(test_scheme_and_host_case);
    RUN(test_missing_scheme);
    RUN(test_ports);
    RUN(test_percent_encoding);
    RUN(test_dot_segments);
    RUN(test_fragment_query_path);
    RUN(test_whitespace);
    RUN(test_hosts);
    RUN(test_idn);
    RUN(test_opaque);
    RUN(test_hostile);
    RUN(test_same_location);
    return vg_test_exit();
}

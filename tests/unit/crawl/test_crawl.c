/*
 * The crawler: the links of a page (expected lists written by hand from
 * the HTML), robots.txt (the matching examples of RFC 9309 and Google's
 * robots.txt documentation), and a crawl of a small web site of the
 * test's own on loopback: depth, hosts, robots.txt (a seed is fetched
 * whatever robots.txt says), page and media bounds, malformed pages, a
 * picture taken down and put back, hostile media (a redirect to a private
 * address, a redirect loop, a body over the limit, a server that stalls). Nothing leaves the machine.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "site.h"
#include "vigie/crawl.h"

static site *web;
static uint16_t port;
static char PICTURE[600], OTHER[600];

static void url(char *out, size_t cap, const char *path)
{
    snprintf(out, cap, "http://127.0.0.1:%u%s", port, path);
}

static void put_page(const char *path, const char *html)
{
    site_put(web, path, 200, "text/html; charset=utf-8", html, strlen(html), NULL);
}

static void test_extract(void)
{
    static const char html[] =
        "<!doctype html><html><head><base href=\"/root/\">"
        "<meta property=\"og:image\" content=\"https://cdn.example/og.jpg\">"
        "<meta name=\"description\" content=\"/not-a-link\"></head><body>"
        "<a href=\"page.html\">x</a><a href=\"page.html#again\">dup</a>"
        "<a href=\"#top\">frag</a><a href=\"javascript:alert(1)\">js</a>"
        "<a href=\"mailto:a@b.c\">m</a><a href=\" HTTP://Other.Example:80/a/../b \">o</a>"
        "<img src=\"i/1.jpg\"><img srcset=\"i/2.jpg 1x, i/3.jpg 2x,i/4.jpg\">"
        "<img data-src=\"/lazy.png\"><picture><source srcset=\"/p.webp\"></picture>"
        "<video src=\"v.mp4\" poster=\"v.jpg\"></video>"
        "<iframe src=\"//frames.example/f\"></iframe><area href=\"ftp://x.example/\">"
        "<a href=\"sp ace.html\">s</a><p><div><a href='unclosed.html'>u<table><td>"
        "<img src=\"\">";
    static const struct {
        const char *url;
        vg_crawl_link_kind kind;
    } want[] = {
        {"https://cdn.example/og.jpg", VG_CRAWL_MEDIA},
        {"http://site.example/root/page.html", VG_CRAWL_PAGE},
        {"http://other.example/b", VG_CRAWL_PAGE},
        {"http://site.example/root/i/1.jpg", VG_CRAWL_MEDIA},
        {"http://site.example/root/i/2.jpg", VG_CRAWL_MEDIA},
        {"http://site.example/root/i/3.jpg", VG_CRAWL_MEDIA},
        {"http://site.example/root/i/4.jpg", VG_CRAWL_MEDIA},
        {"http://site.example/lazy.png", VG_CRAWL_MEDIA},
        {"http://site.example/p.webp", VG_CRAWL_MEDIA},
        {"http://site.example/root/v.mp4", VG_CRAWL_MEDIA},
        {"http://site.example/root/v.jpg", VG_CRAWL_MEDIA},
        {"http://frames.example/f", VG_CRAWL_PAGE},
        {"http://site.example/root/sp%20ace.html", VG_CRAWL_PAGE},
        {"http://site.example/root/unclosed.html", VG_CRAWL_PAGE},
    };
    vg_crawl_links links = {0};
    vg_error err;
    CHECK(vg_crawl_extract("http://site.example/dir/index.html", (const uint8_t *)html,
                           strlen(html), 100, &links, &err) == VG_OK);
    CHECK_INT_EQ(links.count, sizeof want / sizeof *want);
    for (size_t i = 0; i < links.count && i < sizeof want / sizeof *want; i++) {
        CHECK_STR_EQ(links.items[i].url, want[i].url);
        CHECK_INT_EQ(links.items[i].kind, want[i].kind);
    }
    vg_crawl_links_free(&links);
    /* max_links bounds what is kept */
    CHECK(vg_crawl_extract("http://site.example/dir/index.html", (const uint8_t *)html,
                           strlen(html), 3, &links, &err) == VG_OK);
    CHECK_INT_EQ(links.count, 3);
    vg_crawl_links_free(&links);
    /* garbage and emptiness: no links, no error */
    static const uint8_t junk[] = {0xff, 0xfe, '<', 'a', ' ', 'h', 'r', 'e', 'f', '=', 0, '<'};
    CHECK(vg_crawl_extract("https://x.example/", junk, sizeof junk, 100, &links, &err) == VG_OK);
    CHECK_INT_EQ(links.count, 0);
    CHECK(vg_crawl_extract("https://x.example/", NULL, 0, 100, &links, &err) == VG_OK);
    CHECK(vg_crawl_extract("file:///etc/", junk, sizeof junk, 100, &links, &err) ==
          VG_ERR_INVALID);
    vg_crawl_links_free(&links);
    /* deep nesting costs no stack */
    size_t depth = 200000;
    char *deep = malloc(depth * 5 + 64);
    CHECK(deep != NULL);
    if (deep) {
        size_t n = 0;
        for (size_t i = 0; i < depth; i++)
            memcpy(deep + n, "<div>", 5), n += 5;
        n += (size_t)sprintf(deep + n, "<a href=\"/bottom\">b</a>");
        CHECK(vg_crawl_extract("https://x.example/", (const uint8_t *)deep, n, 100, &links,
                               &err) == VG_OK);
        vg_crawl_links_free(&links);
        free(deep);
    }
}

static void test_robots(void)
{
    /* RFC 9309 2.2.2 and Google's examples */
    static const char text[] = "User-agent: *\n"
                               "Disallow: /private/\n"
                               "\n"
                               "User-agent: Vigie/2.0\n"
                               "user-agent: other\n"
                               "Disallow: /fish # a comment\n"
                               "Disallow: /*.php\n"
                               "Disallow: /*.gif$\n"
                               "Allow: /folder\n"
                               "Disallow: /folder\n"
                               "Allow: /p\n"
                               "Disallow: /pa\n"
                               "Allow: /pag\n"
                               "Sitemap: https://example.com/sitemap.xml\n"
                               "\r\nUSER-AGENT: vigie\rDisallow: /merged\r\n";
    vg_robots *r = vg_robots_parse(text, sizeof text - 1, "vigie");
    CHECK(r != NULL);
    CHECK(vg_robots_allows(r, "/private/x"));  /* the * group is not ours */
    CHECK(!vg_robots_allows(r, "/fish"));
    CHECK(!vg_robots_allows(r, "/fish.html"));
    CHECK(!vg_robots_allows(r, "/fish/salmon.html"));
    CHECK(vg_robots_allows(r, "/Fish.asp"));   /* case matters in paths */
    CHECK(vg_robots_allows(r, "/catfish"));
    CHECK(!vg_robots_allows(r, "/index.php"));
    CHECK(!vg_robots_allows(r, "/dir/filename.php?parameters"));
    CHECK(vg_robots_allows(r, "/windows.PHP"));
    CHECK(!vg_robots_allows(r, "/a/b.gif"));
    CHECK(vg_robots_allows(r, "/a/b.gif?size=2"));
    CHECK(vg_robots_allows(r, "/folder/page")); /* a tie: Allow wins */
    CHECK(!vg_robots_allows(r, "/pa"));         /* the longest rule wins */
    CHECK(vg_robots_allows(r, "/page"));
    CHECK(!vg_robots_allows(r, "/merged/x"));   /* both groups of ours */
    CHECK(vg_robots_allows(r, "/robots.txt"));
    vg_robots_free(r);
    r = vg_robots_parse(text, sizeof text - 1, "nobody");
    CHECK(!vg_robots_allows(r, "/private/x"));
    CHECK(vg_robots_allows(r, "/fish"));
    vg_robots_free(r);
    /* "Disallow:" with nothing allows everything; no file allows everything */
    r = vg_robots_parse("User-agent: *\nDisallow:\n", 25, "vigie");
    CHECK(vg_robots_allows(r, "/anything"));
    vg_robots_free(r);
    /* a NUL inside a rule is a byte of it (no path holds one) */
    static const char nul[] = "User-agent: *\nDisallow: /a\0b\nDisallow: /c\n";
    r = vg_robots_parse(nul, sizeof nul - 1, "vigie");
    CHECK(vg_robots_allows(r, "/ab"));
    CHECK(!vg_robots_allows(r, "/c"));
    vg_robots_free(r);
    r = vg_robots_parse(NULL, 0, "vigie");
    CHECK(vg_robots_allows(r, "/"));
    vg_robots_free(r);
    CHECK(vg_robots_allows(NULL, "/x"));
}

/* ---- a crawl of the test's site ---------------------------------------- */

typedef struct seen_item {
    char page[160], url[160], error[240];
    vg_status status;
    size_t len;
} seen_item;

typedef struct seen {
    seen_item pages[64], media[64];
    size_t page_count, media_count;
} seen;

static vg_status on_page(void *user, const vg_crawl_page *page, vg_error *err)
{
    (void)err;
    seen *s = user;
    if (s->page_count < 64) {
        seen_item *i = &s->pages[s->page_count++];
        snprintf(i->url, sizeof i->url, "%s", page->url);
        i->status = page->status;
    }
    return VG_OK;
}

static vg_status on_media(void *user, const vg_crawl_media *media, vg_error *err)
{
    (void)err;
    seen *s = user;
    if (s->media_count < 64) {
        seen_item *i = &s->media[s->media_count++];
        snprintf(i->page, sizeof i->page, "%s", media->page);
        snprintf(i->url, sizeof i->url, "%s", media->url);
        i->status = media->status;
        snprintf(i->error, sizeof i->error, "%s", media->error ? media->error : "");
        i->len = media->len;
        if (media->status == VG_OK && !media->data)
            i->len = (size_t)-1;
    }
    return VG_OK;
}

static const seen_item *find(const seen_item *items, size_t count, const char *path)
{
    char u[160];
    url(u, sizeof u, path);
    for (size_t i = 0; i < count; i++)
        if (strcmp(items[i].url, u) == 0)
            return &items[i];
    return NULL;
}

static vg_crawl_options local(void)
{
    return (vg_crawl_options){.fetch = {.timeout_seconds = 20,
                                        .allow_plain_http = true,
                                        .allow_private_addresses = true,
                                        .max_redirects = 3,
                                        .stall_seconds = 1},
                              .max_depth = 2};
}

static void crawl(const vg_crawl_options *o, const char *seed_path, seen *s,
                  vg_crawl_stats *stats)
{
    char seed[160];
    url(seed, sizeof seed, seed_path);
    const char *seeds[] = {seed};
    memset(s, 0, sizeof *s);
    vg_error err;
    CHECK_MSG(vg_crawl_run(o, seeds, 1, on_page, on_media, s, stats, &err) == VG_OK, "%s",
              err.message);
}

static void test_site_crawl(void)
{
    vg_crawl_options o = local();
    seen s;
    vg_crawl_stats stats;
    crawl(&o, "/", &s, &stats);
    /* depth 2: /, its links, theirs; not /deeper.html (depth 3) */
    CHECK(find(s.pages, s.page_count, "/") != NULL);
    CHECK(find(s.pages, s.page_count, "/a.html") != NULL);
    CHECK(find(s.pages, s.page_count, "/broken.html") != NULL);
    CHECK(find(s.pages, s.page_count, "/deep.html") != NULL);
    CHECK(find(s.pages, s.page_count, "/deeper.html") == NULL);
    CHECK_INT_EQ(site_hits(web, "/deeper.html"), 0);
    /* robots.txt keeps the crawler out of /private/ */
    CHECK(find(s.pages, s.page_count, "/private/p.html") == NULL);
    CHECK_INT_EQ(site_hits(web, "/private/p.html"), 0);
    CHECK_INT_EQ(stats.robots_refused, 1);
    CHECK_INT_EQ(site_hits(web, "/robots.txt"), 1);
    /* the missing page is a failed page, the rest fetched */
    const seen_item *missing = find(s.pages, s.page_count, "/missing.html");
    CHECK(missing && missing->status != VG_OK);
    /* media: the pictures, once each, with the page that first showed them */
    const seen_item *pic = find(s.media, s.media_count, "/img/one.jpg");
    CHECK(pic && pic->status == VG_OK && pic->len > 1000);
    if (pic) {
        char home[160];
        url(home, sizeof home, "/");
        CHECK_STR_EQ(pic->page, home);
    }
    CHECK_INT_EQ(site_hits(web, "/img/one.jpg"), 1);
    const seen_item *two = find(s.media, s.media_count, "/img/two.jpg");
    CHECK(two && two->status == VG_OK);
    /* a picture on a private address, through a link: refused, said */
    bool refused = false;
    for (size_t i = 0; i < s.media_count; i++)
        if (strstr(s.media[i].url, "10.9.8.7"))
            refused = s.media[i].status != VG_OK;
    CHECK(refused);
    /* a page on another host is not followed */
    for (size_t i = 0; i < s.page_count; i++)
        CHECK_MSG(strstr(s.pages[i].url, "127.0.0.1"), "followed %s", s.pages[i].url);
    /* the picture served as text/html is not a page nor a picture: refused */
    const seen_item *fake = find(s.media, s.media_count, "/img/fake.jpg");
    CHECK(fake && fake->status != VG_OK);

    /* a seed inside /private/ is fetched all the same (a reported URL) */
    int before = site_hits(web, "/private/p.html");
    crawl(&o, "/private/p.html", &s, &stats);
    CHECK_INT_EQ(site_hits(web, "/private/p.html"), before + 1);
    /* and a seed that is a picture is a medium */
    crawl(&o, "/img/two.jpg", &s, &stats);
    CHECK_INT_EQ(s.page_count, 0);
    CHECK_INT_EQ(s.media_count, 1);
    CHECK(s.media_count && s.media[0].status == VG_OK);

    /* bounds: one page, no depth; media bound */
    o = local();
    o.max_pages = 1;
    crawl(&o, "/", &s, &stats);
    CHECK_INT_EQ(s.page_count, 1);
    CHECK(stats.bounded > 0);
    o = local();
    o.max_media = 1;
    crawl(&o, "/", &s, &stats);
    CHECK_INT_EQ(s.media_count, 1);
    o = local();
    o.max_depth = 0;
    crawl(&o, "/", &s, &stats);
    CHECK_INT_EQ(s.page_count, 1);
    CHECK(find(s.media, s.media_count, "/img/one.jpg") != NULL);
    o = local();
    o.max_requests = 2; /* robots.txt is not read for the seed: the seed, then robots.txt */
    crawl(&o, "/", &s, &stats);
    CHECK_INT_EQ(stats.requests, 2);

    /* a takedown: the picture answers 404; a re-upload: served again */
    o = local();
    o.max_depth = 0;
    site_remove(web, "/img/one.jpg");
    crawl(&o, "/", &s, &stats);
    pic = find(s.media, s.media_count, "/img/one.jpg");
    CHECK(pic && pic->status != VG_OK);
    site_restore(web, "/img/one.jpg");
    crawl(&o, "/", &s, &stats);
    pic = find(s.media, s.media_count, "/img/one.jpg");
    CHECK(pic && pic->status == VG_OK);

    /* loopback without the allowance: refused before any request */
    o = local();
    o.fetch.allow_private_addresses = false;
    before = site_hits(web, "/");
    crawl(&o, "/", &s, &stats);
    CHECK_INT_EQ(site_hits(web, "/"), before);
    CHECK(s.page_count == 1 && s.pages[0].status != VG_OK);

    /* hostile media: each refused with its reason, the crawl goes on */
    o = local();
    o.max_media_bytes = 400000;
    crawl(&o, "/hostile.html", &s, &stats);
    static const struct {
        const char *path, *why;
    } hostile[] = {{"/to-private.jpg", "10.1.2.3 is not a public one"},
                   {"/loop-a.jpg", "redirect loop"},
                   {"/big.jpg", "larger than 400000 bytes"},
                   {"/slow.jpg", ""}};
    for (size_t i = 0; i < sizeof hostile / sizeof *hostile; i++) {
        const seen_item *m = find(s.media, s.media_count, hostile[i].path);
        CHECK_MSG(m && m->status != VG_OK, "%s", hostile[i].path);
        CHECK_MSG(m && strstr(m->error, hostile[i].why), "%s: %s", hostile[i].path,
                  m ? m->error : "");
    }
    pic = find(s.media, s.media_count, "/img/two.jpg");
    CHECK_MSG(pic && pic->status == VG_OK, "%s", pic ? pic->error : "not fetched");

    /* a page moved: its links are read relative to where it was served from */
    o = local();
    o.max_depth = 0;
    crawl(&o, "/moved.html", &s, &stats);
    pic = find(s.media, s.media_count, "/sub/pic.jpg");
    CHECK_MSG(pic && pic->status == VG_OK, "%s", pic ? pic->error : "not fetched");

    /* a seed that is not a URL */
    const char *bad[] = {"not a url at all"};
    vg_error err;
    CHECK(vg_crawl_run(&o, bad, 1, on_page, on_media, &s, &stats, &err) == VG_ERR_INVALID);
}

int main(void)
{
    const char *shared = getenv("VIGIE_SHARED");
    if (!shared || !*shared)
        return 77;
    snprintf(PICTURE, sizeof PICTURE, "%s/testdata/pdq/images/bridge-1-original.jpg", shared);
    snprintf(OTHER, sizeof OTHER, "%s/testdata/pdq/images/bridge-2-rotate-90.jpg", shared);
    web = site_start(&port);
    if (!web) {
        fprintf(stderr, "cannot listen on loopback\n");
        return 1;
    }
    static const char robots[] = "User-agent: *\nDisallow: /private/\n";
    site_put(web, "/robots.txt", 200, "text/plain", robots, sizeof robots - 1, NULL);
    put_page("/",
             "<html><body><a href=\"/a.html\">a</a><a href=\"/broken.html\">b</a>"
             "<a href=\"/private/p.html\">p</a><a href=\"/missing.html\">m</a>"
             "<a href=\"http://other.example/page.html\">elsewhere</a>"
             "<img src=\"/img/one.jpg\"><img src=\"http://10.9.8.7/x.jpg\">"
             "<img src=\"/img/fake.jpg\">");
    put_page("/a.html", "<a href=\"/deep.html\">d</a><img src=\"/img/one.jpg\">"
                        "<img srcset=\"/img/two.jpg 2x\">");
    put_page("/deep.html", "<a href=\"/deeper.html\">deeper</a>");
    put_page("/deeper.html", "<p>too deep</p>");
    put_page("/private/p.html", "<img src=\"/img/two.jpg\">");
    put_page("/broken.html", "<html><a href=\"/a.html\"<img src=<<<>\"\xff\xfe<table><tr><td>"
                             "<a href=/deep.html>x");
    CHECK(site_put_file(web, "/img/one.jpg", "image/jpeg", PICTURE));
    CHECK(site_put_file(web, "/img/two.jpg", "image/jpeg", OTHER));
    put_page("/img/fake.jpg", "<p>not a picture</p>");
    put_page("/hostile.html", "<img src=\"/to-private.jpg\"><img src=\"/loop-a.jpg\">"
                              "<img src=\"/big.jpg\"><img src=\"/slow.jpg\">"
                              "<img src=\"/img/two.jpg\">");
    site_put(web, "/to-private.jpg", 302, "text/html", "", 0, "Location: http://10.1.2.3/x\r\n");
    site_put(web, "/loop-a.jpg", 301, "text/html", "", 0, "Location: /loop-b.jpg\r\n");
    site_put(web, "/loop-b.jpg", 301, "text/html", "", 0, "Location: /loop-a.jpg\r\n");
    static uint8_t big[500000];
    site_put(web, "/big.jpg", 200, "image/jpeg", big, sizeof big, NULL);
    CHECK(site_put_file(web, "/slow.jpg", "image/jpeg", PICTURE));
    site_stall(web, "/slow.jpg");
    site_put(web, "/moved.html", 302, "text/html", "", 0, "Location: /sub/page.html\r\n");
    put_page("/sub/page.html", "<img src=\"pic.jpg\">");
    CHECK(site_put_file(web, "/sub/pic.jpg", "image/jpeg", PICTURE));
    RUN(test_extract);
    RUN(test_robots);
    RUN(test_site_crawl);
    site_stop(web);
    return vg_test_exit();
}

/* libFuzzer target: what the crawler reads from a web site besides the
 * media: a page's HTML (the links it yields) and robots.txt (the rules it
 * gives). The first byte picks which. Beyond not crashing: every link is
 * an absolute http(s) URL, at most the bound, each once; robots.txt always
 * allows itself. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vigie/crawl.h"

static void check_links(const vg_crawl_links *links, size_t max)
{
    if (links->count > max)
        abort();
    for (size_t i = 0; i < links->count; i++) {
        const char *u = links->items[i].url;
        if (strncmp(u, "http://", 7) != 0 && strncmp(u, "https://", 8) != 0)
            abort();
        for (size_t j = 0; j < i; j++)
            if (strcmp(u, links->items[j].url) == 0)
                abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (data[0] & 1) {
        vg_robots *r = vg_robots_parse((const char *)data + 1, size - 1, "vigie");
        if (!r)
            return 0;
        static const char *const paths[] = {"/", "/a/b.html", "/private/x?y=1", "/x.gif",
                                            "/%2Fencoded", ""};
        for (size_t i = 0; i < sizeof paths / sizeof *paths; i++)
            vg_robots_allows(r, paths[i]);
        if (!vg_robots_allows(r, "/robots.txt"))
            abort();
        vg_robots_free(r);
        return 0;
    }
    vg_crawl_links links = {0};
    vg_error err;
    if (vg_crawl_extract("https://site.example/dir/page.html?q=1", data + 1, size - 1, 500,
                         &links, &err) == VG_OK)
        check_links(&links, 500);
    vg_crawl_links_free(&links);
    return 0;
}

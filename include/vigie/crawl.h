/*
 * vigie/crawl.h - the crawler: from seed pages (reported URLs, pages that
 * held confirmed material), follow links and media within bounds, every
 * request through the safe fetcher (vigie/fetch.h), and hand each media
 * body, in memory, to the caller, which hashes and matches it. Nothing is
 * written to disk and nothing is rendered.
 *
 * Bounds, every one enforced here:
 *   - depth: links followed from a seed (0: the seeds alone, and their media);
 *   - hosts: pages are followed on the seeds' hosts only (media are fetched
 *     wherever the page takes them from: images live on other hosts), and
 *     at most max_hosts hosts are asked anything;
 *   - pages per host, media in all, requests in all (robots.txt included);
 *   - a pace per host: at most requests_per_second to one host (this
 *     thread waits its turn; one host never slows another's);
 *   - the fetcher's own: size, time, redirects, addresses after resolution.
 *
 * robots.txt (RFC 9309: the group naming the agent's product token, else
 * "*"; the longest matching rule wins, Allow on a tie; "*" and a final "$"
 * in patterns) is obeyed unless ignore_robots, except that a seed itself
 * is always fetched: a reported URL is checked whatever the site asks.
 * robots.txt that cannot be fetched or is not 2xx allows everything.
 *
 * HTML is parsed with libxml2's HTML parser, which recovers from any
 * malformed input; links come from a[href], area[href], iframe/frame[src],
 * media from img[src|srcset], picture/video/audio source[src|srcset],
 * video[src|poster], and meta og:image / twitter:image; a <base href> is
 * honoured. Only http(s) links are kept, in canonical form (vigie/url.h).
 *
 * Thread safety: a crawl runs on the calling thread; crawls on several
 * threads share nothing.
 */
#ifndef VIGIE_CRAWL_H
#define VIGIE_CRAWL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vigie/error.h"
#include "vigie/fetch.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- links of one HTML page -------------------------------------------- */

typedef enum vg_crawl_link_kind {
    VG_CRAWL_PAGE = 0, /* a page to follow */
    VG_CRAWL_MEDIA,    /* a picture or a video to fetch and hash */
} vg_crawl_link_kind;

typedef struct vg_crawl_link {
    char *url; /* malloc'd, canonical, absolute http(s) */
    vg_crawl_link_kind kind;
} vg_crawl_link;

typedef struct vg_crawl_links {
    vg_crawl_link *items;
    size_t count, capacity;
} vg_crawl_links;

void vg_crawl_links_free(vg_crawl_links *links);

/* The links of the len bytes of HTML at html, fetched from page_url,
 * appended to *out in document order, each URL once, at most max_links
 * (more are dropped). Malformed HTML yields what libxml2 recovers; a page
 * over INT_MAX bytes is VG_ERR_TOO_LARGE. VG_ERR_INVALID when page_url is
 * not an absolute http(s) URL. */
vg_status vg_crawl_extract(const char *page_url, const uint8_t *html, size_t len,
                           size_t max_links, vg_crawl_links *out, vg_error *err);

/* ---- robots.txt ---------------------------------------------------------- */

typedef struct vg_robots vg_robots;

/* The rules of robots.txt (len bytes at text) for the product token agent
 * ("vigie"); at most 500 KiB are read, as RFC 9309 allows. Never fails on
 * content: what is not understood is ignored. NULL on allocation failure. */
vg_robots *vg_robots_parse(const char *text, size_t len, const char *agent);
/* Whether path (the URL's path and query, "/a/b?c") may be fetched. */
bool vg_robots_allows(const vg_robots *robots, const char *path);
void vg_robots_free(vg_robots *robots);

/* ---- the crawl ------------------------------------------------------------ */

typedef struct vg_crawl_options {
    /* For every request; content_types and max_bytes are set here per kind
     * (pages: text/html; media: image/ and video/). */
    vg_fetch_options fetch;
    uint64_t max_page_bytes;      /* 0: 4 MiB */
    uint64_t max_media_bytes;     /* 0: 64 MiB */
    unsigned max_depth;           /* 0: the seeds only */
    size_t max_pages;             /* pages in all; 0: 1000 */
    size_t max_pages_per_host;    /* 0: max_pages */
    size_t max_media;             /* media in all; 0: 10000 */
    size_t max_hosts;             /* hosts asked anything; 0: 100 */
    size_t max_requests;          /* every request, robots.txt too; 0: 100000 */
    double requests_per_second;   /* per host; 0: no pace */
    bool ignore_robots;
    const char *robots_agent;     /* the product token robots.txt names; NULL: "vigie" */
} vg_crawl_options;

/* A page fetched (or that could not be). */
typedef struct vg_crawl_page {
    const char *url;
    unsigned depth;
    vg_status status; /* VG_OK: fetched and parsed */
    const char *error; /* when status is not VG_OK */
    const vg_fetch_record *record;
} vg_crawl_page;

/* A media file fetched (or that could not be): data is the whole body,
 * valid during the call only. */
typedef struct vg_crawl_media {
    const char *page; /* the first page that linked it */
    const char *url;
    vg_status status; /* VG_OK: data holds the body */
    const char *error;
    const uint8_t *data;
    size_t len;
    const vg_fetch_record *record;
} vg_crawl_media;

/* Callbacks: a status other than VG_OK stops the crawl with it. */
typedef vg_status (*vg_crawl_page_fn)(void *user, const vg_crawl_page *page, vg_error *err);
typedef vg_status (*vg_crawl_media_fn)(void *user, const vg_crawl_media *media, vg_error *err);

typedef struct vg_crawl_stats {
    size_t pages, media, requests, robots_refused, bounded, failed;
} vg_crawl_stats;

/* Crawl from seeds (absolute http(s) URLs; pages whose links are followed
 * or media themselves, by what they answer). on_page (may be NULL) is
 * called for every page fetched or failed, on_media for every media
 * file. VG_OK once the frontier is empty or a bound is reached; a seed
 * that is not a URL is VG_ERR_INVALID before anything is fetched. */
vg_status vg_crawl_run(const vg_crawl_options *opts, const char *const *seeds,
                       size_t seed_count, vg_crawl_page_fn on_page, vg_crawl_media_fn on_media,
                       void *user, vg_crawl_stats *stats, vg_error *err);

#ifdef __cplusplus
}
#endif
#endif

/*
 * The crawl: a breadth-first frontier of pages and media, one request at
 * a time through the safe fetcher, within the bounds of vg_crawl_options.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "strset.h"
#include "vigie/crawl.h"
#include "vigie/url.h"

#define ROBOTS_MAX_BYTES (500u * 1024u)

typedef struct entry {
    char *url;  /* owned, canonical */
    char *page; /* media: the page that linked it (owned); NULL for pages */
    unsigned depth;
    bool seed;
} entry;

typedef struct host {
    char *origin; /* "http://example.com:8080"; owned */
    size_t pages;
    double next_at; /* monotonic seconds before which it is not asked again */
    bool robots_read;
    vg_robots *robots; /* NULL: everything allowed */
} host;

typedef struct crawler {
    vg_crawl_options o; /* opts with the defaults filled in */
    entry *queue;
    size_t head, tail, capacity;
    strset seen;       /* pages and media queued once */
    strset seed_hosts; /* origins whose pages are followed */
    size_t pages_queued, media_queued;
    host *hosts;
    size_t host_count, host_capacity;
    uint8_t *body; /* the current answer; owned, reused */
    size_t body_len, body_capacity;
    vg_crawl_stats stats;
} crawler;

static vg_status nomem(vg_error *err)
{
    return vg_error_set(err, VG_ERR_NOMEM, "out of memory while crawling");
}

/* The origin of a canonical URL ("scheme://authority") into a malloc'd
 * string, and where its path begins. */
static char *origin_of(const char *url, const char **path)
{
    const char *authority = strstr(url, "://");
    authority = authority ? authority + 3 : url;
    const char *slash = authority + strcspn(authority, "/?");
    *path = *slash == '/' ? slash : "/";
    return strndup(url, (size_t)(slash - url));
}

static double monotonic(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Wait for the host's turn (requests_per_second), then book the next. */
static void pace(crawler *c, host *h)
{
    if (c->o.requests_per_second <= 0)
        return;
    double now = monotonic();
    if (h->next_at > now) {
        double wait = h->next_at - now;
        struct timespec t = {(time_t)wait, (long)((wait - (double)(time_t)wait) * 1e9)};
        while (nanosleep(&t, &t) != 0 && errno == EINTR)
            ;
        now = h->next_at;
    }
    h->next_at = now + 1.0 / c->o.requests_per_second;
}

static vg_status enqueue(crawler *c, const char *url, const char *page, unsigned depth,
                         bool seed, vg_error *err)
{
    /* Never more waiting than can be visited: memory stays bounded
     * whatever the pages link to. */
    size_t *queued = page ? &c->media_queued : &c->pages_queued;
    if (*queued >= (page ? c->o.max_media : c->o.max_pages) && !strset_has(&c->seen, url)) {
        c->stats.bounded++;
        return VG_OK;
    }
    int fresh = strset_add(&c->seen, url);
    if (fresh < 0)
        return nomem(err);
    if (!fresh)
        return VG_OK;
    if (c->tail == c->capacity) {
        if (c->head > 0) { /* slide the live part down before growing */
            memmove(c->queue, c->queue + c->head, (c->tail - c->head) * sizeof *c->queue);
            c->tail -= c->head;
            c->head = 0;
        }
        if (c->tail == c->capacity) {
            size_t capacity = c->capacity ? c->capacity * 2 : 64;
            entry *q = realloc(c->queue, capacity * sizeof *q);
            if (!q)
                return nomem(err);
            c->queue = q;
            c->capacity = capacity;
        }
    }
    entry e = {strdup(url), page ? strdup(page) : NULL, depth, seed};
    if (!e.url || (page && !e.page)) {
        free(e.url);
        free(e.page);
        return nomem(err);
    }
    c->queue[c->tail++] = e;
    (*queued)++;
    return VG_OK;
}

/* The host record of origin, created when new; NULL when out of memory
 * or past max_hosts (*over set). */
static host *host_for(crawler *c, char *origin, bool *over)
{
    *over = false;
    for (size_t i = 0; i < c->host_count; i++)
        if (strcmp(c->hosts[i].origin, origin) == 0) {
            free(origin);
            return &c->hosts[i];
        }
    if (c->host_count >= c->o.max_hosts) {
        free(origin);
        *over = true;
        return NULL;
    }
    if (c->host_count == c->host_capacity) {
        size_t capacity = c->host_capacity ? c->host_capacity * 2 : 8;
        host *hosts = realloc(c->hosts, capacity * sizeof *hosts);
        if (!hosts) {
            free(origin);
            return NULL;
        }
        c->hosts = hosts;
        c->host_capacity = capacity;
    }
    c->hosts[c->host_count] = (host){.origin = origin};
    return &c->hosts[c->host_count++];
}

static vg_status into_body(void *ctx, const uint8_t *data, size_t len, vg_error *err)
{
    crawler *c = ctx;
    if (c->body_len + len > c->body_capacity) {
        size_t capacity = c->body_capacity ? c->body_capacity : 65536;
        while (capacity < c->body_len + len)
            capacity *= 2;
        uint8_t *body = realloc(c->body, capacity);
        if (!body)
            return nomem(err);
        c->body = body;
        c->body_capacity = capacity;
    }
    memcpy(c->body + c->body_len, data, len);
    c->body_len += len;
    return VG_OK;
}

/* GET url into c->body with the kind's types and size. */
static vg_status get(crawler *c, host *h, const char *url, const char *types, uint64_t max_bytes,
                     vg_fetch_record *record, vg_error *err)
{
    pace(c, h);
    c->stats.requests++;
    c->body_len = 0;
    vg_fetch_options f = c->o.fetch;
    f.content_types = types;
    f.max_bytes = max_bytes;
    return vg_fetch_stream(url, &f, into_body, c, record, err);
}

/* Read the host's robots.txt once; anything but a 2xx body allows all. */
static vg_status read_robots(crawler *c, host *h, vg_error *err)
{
    h->robots_read = true;
    char *url = malloc(strlen(h->origin) + sizeof "/robots.txt");
    if (!url)
        return nomem(err);
    strcpy(url, h->origin);
    strcat(url, "/robots.txt");
    vg_fetch_record record;
    vg_error ignored;
    vg_status st = get(c, h, url, NULL, ROBOTS_MAX_BYTES, &record, &ignored);
    free(url);
    vg_fetch_record_free(&record);
    if (st != VG_OK)
        return VG_OK;
    h->robots = vg_robots_parse((const char *)c->body, c->body_len,
                                c->o.robots_agent ? c->o.robots_agent : "vigie");
    return h->robots ? VG_OK : nomem(err);
}

static bool is_media_type(const char *type)
{
    return strncmp(type, "image/", 6) == 0 || strncmp(type, "video/", 6) == 0;
}

static vg_status report_media(crawler *c, const entry *e, vg_status st, const vg_error *why,
                              const vg_fetch_record *record, vg_crawl_media_fn on_media,
                              void *user, vg_error *err)
{
    c->stats.media++;
    c->stats.failed += st != VG_OK;
    vg_crawl_media m = {.page = e->page ? e->page : e->url,
                        .url = e->url,
                        .status = st,
                        .error = st == VG_OK ? NULL : why->message,
                        .data = st == VG_OK ? c->body : NULL,
                        .len = st == VG_OK ? c->body_len : 0,
                        .record = record};
    return on_media ? on_media(user, &m, err) : VG_OK;
}

/* The page's links into the frontier: pages on the seeds' hosts within
 * the depth, media from anywhere. Relative links are resolved against
 * the URL the page was served from, after redirects. */
static vg_status follow(crawler *c, const entry *e, const char *fetched_from, vg_error *err)
{
    vg_crawl_links links = {0};
    vg_error parse_err;
    if (vg_crawl_extract(fetched_from, c->body, c->body_len, 10000, &links, &parse_err) !=
        VG_OK) {
        vg_crawl_links_free(&links);
        return VG_OK; /* a page that cannot be parsed has no links */
    }
    vg_status st = VG_OK;
    for (size_t i = 0; i < links.count && st == VG_OK; i++) {
        const vg_crawl_link *l = &links.items[i];
        if (l->kind == VG_CRAWL_MEDIA) {
            st = enqueue(c, l->url, e->url, e->depth + 1, false, err);
            continue;
        }
        if (e->depth >= c->o.max_depth)
            continue;
        const char *path;
        char *origin = origin_of(l->url, &path);
        if (!origin) {
            st = nomem(err);
            break;
        }
        bool ours = strset_has(&c->seed_hosts, origin);
        free(origin);
        if (ours)
            st = enqueue(c, l->url, NULL, e->depth + 1, false, err);
    }
    vg_crawl_links_free(&links);
    return st;
}

/* One entry of the frontier. */
static vg_status visit(crawler *c, const entry *e, vg_crawl_page_fn on_page,
                       vg_crawl_media_fn on_media, void *user, vg_error *err)
{
    bool media = e->page != NULL;
    if (media ? c->stats.media >= c->o.max_media : c->stats.pages >= c->o.max_pages) {
        c->stats.bounded++;
        return VG_OK;
    }
    const char *path;
    char *origin = origin_of(e->url, &path);
    if (!origin)
        return nomem(err);
    bool over;
    host *h = host_for(c, origin, &over);
    if (!h) {
        if (!over)
            return nomem(err);
        c->stats.bounded++;
        return VG_OK;
    }
    if (!media && h->pages >= c->o.max_pages_per_host) {
        c->stats.bounded++;
        return VG_OK;
    }
    if (!e->seed && !c->o.ignore_robots) {
        if (!h->robots_read) {
            if (c->stats.requests >= c->o.max_requests)
                return VG_OK;
            vg_status st = read_robots(c, h, err);
            if (st != VG_OK)
                return st;
        }
        if (!vg_robots_allows(h->robots, path)) {
            c->stats.robots_refused++;
            return VG_OK;
        }
    }
    if (c->stats.requests >= c->o.max_requests) {
        c->stats.bounded++;
        return VG_OK;
    }
    /* A seed may be a page or the media itself: what it answers decides. */
    const char *types = media    ? "image/,video/"
                        : e->seed ? "text/html,application/xhtml+xml,image/,video/"
                                  : "text/html,application/xhtml+xml";
    uint64_t limit = media ? c->o.max_media_bytes
                     : e->seed && c->o.max_media_bytes > c->o.max_page_bytes
                         ? c->o.max_media_bytes
                         : c->o.max_page_bytes;
    vg_fetch_record record;
    vg_error why;
    vg_status fetched = get(c, h, e->url, types, limit, &record, &why);
    vg_status st;
    if (media || (fetched == VG_OK && is_media_type(record.content_type))) {
        st = report_media(c, e, fetched, &why, &record, on_media, user, err);
    } else {
        c->stats.pages++;
        h->pages++;
        c->stats.failed += fetched != VG_OK;
        vg_crawl_page p = {.url = e->url,
                           .depth = e->depth,
                           .status = fetched,
                           .error = fetched == VG_OK ? NULL : why.message,
                           .record = &record};
        st = on_page ? on_page(user, &p, err) : VG_OK;
        const char *last = record.hop_count ? record.hops[record.hop_count - 1].url : NULL;
        if (st == VG_OK && fetched == VG_OK)
            st = follow(c, e, last ? last : e->url, err);
    }
    vg_fetch_record_free(&record);
    return st;
}

static void fill_defaults(vg_crawl_options *o)
{
    if (!o->max_page_bytes)
        o->max_page_bytes = 4u << 20;
    if (!o->max_media_bytes)
        o->max_media_bytes = 64u << 20;
    if (!o->max_pages)
        o->max_pages = 1000;
    if (!o->max_pages_per_host)
        o->max_pages_per_host = o->max_pages;
    if (!o->max_media)
        o->max_media = 10000;
    if (!o->max_hosts)
        o->max_hosts = 100;
    if (!o->max_requests)
        o->max_requests = 100000;
}

vg_status vg_crawl_run(const vg_crawl_options *opts, const char *const *seeds,
                       size_t seed_count, vg_crawl_page_fn on_page, vg_crawl_media_fn on_media,
                       void *user, vg_crawl_stats *stats, vg_error *err)
{
    crawler c = {.o = *opts};
    fill_defaults(&c.o);
    vg_status st = VG_OK;
    for (size_t i = 0; i < seed_count && st == VG_OK; i++) {
        char *url = NULL;
        vg_error why;
        if (vg_url_canonicalize(seeds[i], strlen(seeds[i]), &url, &why) != VG_OK ||
            (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)) {
            st = vg_error_set(err, VG_ERR_INVALID, "%s is not an http(s) URL", seeds[i]);
            free(url);
            break;
        }
        const char *path;
        char *origin = origin_of(url, &path);
        if (!origin || strset_add(&c.seed_hosts, origin) < 0 ||
            enqueue(&c, url, NULL, 0, true, err) != VG_OK)
            st = nomem(err);
        free(origin);
        free(url);
    }
    while (st == VG_OK && c.head < c.tail) {
        entry e = c.queue[c.head++];
        st = visit(&c, &e, on_page, on_media, user, err);
        free(e.url);
        free(e.page);
    }
    for (size_t i = c.head; i < c.tail; i++) {
        free(c.queue[i].url);
        free(c.queue[i].page);
    }
    free(c.queue);
    for (size_t i = 0; i < c.host_count; i++) {
        free(c.hosts[i].origin);
        vg_robots_free(c.hosts[i].robots);
    }
    free(c.hosts);
    strset_free(&c.seen);
    strset_free(&c.seed_hosts);
    if (c.body)
        memset(c.body, 0, c.body_capacity); /* the material leaves no copy behind */
    free(c.body);
    if (stats)
        *stats = c.stats;
    return st;
}

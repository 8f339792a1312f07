/*
 * The links of one HTML page, with libxml2's HTML parser (which recovers
 * from anything: the page is hostile). The tree is walked without
 * recursion, so nesting depth costs no stack.
 */
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>
#include <libxml/uri.h>

#include "strset.h"
#include "vigie/crawl.h"
#include "vigie/url.h"

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void init_libxml(void)
{
    /* libxml2 asks for this once, before any thread parses. */
    xmlInitParser();
}

typedef struct collector {
    vg_crawl_links *out;
    size_t max_links;
    size_t added;
    strset seen;
    char *base; /* absolute; owned */
    vg_status status;
    vg_error *err;
} collector;

static bool is_http(const char *url)
{
    return strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0;
}

/* Resolve ref against base; NULL when it is no usable http(s) URL. The
 * reference is escaped first (spaces, non-ASCII bytes), which libxml2's
 * strict URI parser would otherwise refuse, keeping reserved characters
 * and existing escapes. */
static char *resolve(const char *base, const char *ref, size_t len)
{
    if (len > VG_URL_MAX_BYTES)
        return NULL;
    char *copy = strndup(ref, len);
    if (!copy)
        return NULL;
    xmlChar *escaped = xmlURIEscapeStr((const xmlChar *)copy,
                                       (const xmlChar *)":/?#[]@!$&'()*+,;=%~");
    free(copy);
    if (!escaped)
        return NULL;
    xmlChar *absolute = xmlBuildURI(escaped, (const xmlChar *)base);
    xmlFree(escaped);
    if (!absolute)
        return NULL;
    char *canonical = NULL;
    vg_error ignored;
    if (vg_url_canonicalize((const char *)absolute, strlen((const char *)absolute), &canonical,
                            &ignored) != VG_OK)
        canonical = NULL;
    xmlFree(absolute);
    if (canonical && !is_http(canonical)) {
        free(canonical);
        canonical = NULL;
    }
    return canonical;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static void add(collector *c, const char *ref, size_t len, vg_crawl_link_kind kind)
{
    if (c->status != VG_OK || c->added >= c->max_links)
        return;
    while (len && is_space(*ref))
        ref++, len--;
    while (len && is_space(ref[len - 1]))
        len--;
    if (!len || *ref == '#')
        return;
    char *url = resolve(c->base, ref, len);
    if (!url)
        return;
    int fresh = strset_add(&c->seen, url);
    if (fresh <= 0) {
        free(url);
        if (fresh < 0)
            c->status = vg_error_set(c->err, VG_ERR_NOMEM, "out of memory reading links");
        return;
    }
    vg_crawl_links *out = c->out;
    if (out->count == out->capacity) {
        size_t capacity = out->capacity ? out->capacity * 2 : 32;
        vg_crawl_link *items = realloc(out->items, capacity * sizeof *items);
        if (!items) {
            free(url);
            c->status = vg_error_set(c->err, VG_ERR_NOMEM, "out of memory reading links");
            return;
        }
        out->items = items;
        out->capacity = capacity;
    }
    out->items[out->count++] = (vg_crawl_link){url, kind};
    c->added++;
}

/* "a.jpg 1x, b.jpg 2x": each candidate's URL (the run of non-spaces, less
 * trailing commas), its descriptors skipped up to the next comma. */
static void add_srcset(collector *c, const char *set)
{
    const char *p = set;
    while (*p) {
        while (is_space(*p) || *p == ',')
            p++;
        if (!*p)
            break;
        const char *start = p;
        while (*p && !is_space(*p))
            p++;
        size_t len = (size_t)(p - start);
        bool ended = false;
        while (len && start[len - 1] == ',')
            len--, ended = true;
        add(c, start, len, VG_CRAWL_MEDIA);
        if (!ended)
            while (*p && *p != ',')
                p++;
    }
}

static bool named(const xmlNode *n, const char *name)
{
    return xmlStrcasecmp(n->name, (const xmlChar *)name) == 0;
}

static void add_attribute(collector *c, xmlNode *n, const char *attribute,
                          vg_crawl_link_kind kind, bool srcset)
{
    xmlChar *value = xmlGetNoNsProp(n, (const xmlChar *)attribute);
    if (!value)
        return;
    if (srcset)
        add_srcset(c, (const char *)value);
    else
        add(c, (const char *)value, strlen((const char *)value), kind);
    xmlFree(value);
}

static bool meta_names_media(xmlNode *n)
{
    static const char *const names[] = {"og:image", "og:image:url", "og:image:secure_url",
                                        "og:video", "og:video:url", "og:video:secure_url",
                                        "twitter:image", "twitter:image:src"};
    bool found = false;
    for (int a = 0; a < 2 && !found; a++) {
        xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)(a ? "name" : "property"));
        if (!v)
            continue;
        for (size_t i = 0; i < sizeof names / sizeof *names && !found; i++)
            found = strcasecmp((const char *)v, names[i]) == 0;
        xmlFree(v);
    }
    return found;
}

static void visit(collector *c, xmlNode *n)
{
    if (named(n, "a") || named(n, "area")) {
        add_attribute(c, n, "href", VG_CRAWL_PAGE, false);
    } else if (named(n, "iframe") || named(n, "frame")) {
        add_attribute(c, n, "src", VG_CRAWL_PAGE, false);
    } else if (named(n, "img") || named(n, "source")) {
        add_attribute(c, n, "src", VG_CRAWL_MEDIA, false);
        add_attribute(c, n, "data-src", VG_CRAWL_MEDIA, false);
        add_attribute(c, n, "srcset", VG_CRAWL_MEDIA, true);
    } else if (named(n, "video")) {
        add_attribute(c, n, "src", VG_CRAWL_MEDIA, false);
        add_attribute(c, n, "poster", VG_CRAWL_MEDIA, false);
    } else if (named(n, "meta") && meta_names_media(n)) {
        add_attribute(c, n, "content", VG_CRAWL_MEDIA, false);
    }
}

/* The next element in document order after n, children first. */
static xmlNode *next_node(xmlDoc *doc, xmlNode *n, bool descend)
{
    if (descend && n->type == XML_ELEMENT_NODE && n->children)
        return n->children;
    while (n && !n->next) {
        n = n->parent;
        if (!n || n == (xmlNode *)doc)
            return NULL;
    }
    return n ? n->next : NULL;
}

/* The first <base href>, resolved against the page's URL. */
static void find_base(collector *c, xmlDoc *doc)
{
    for (xmlNode *n = doc->children; n; n = next_node(doc, n, true)) {
        if (n->type != XML_ELEMENT_NODE || !named(n, "base"))
            continue;
        xmlChar *href = xmlGetNoNsProp(n, (const xmlChar *)"href");
        if (!href)
            continue;
        char *base = resolve(c->base, (const char *)href, strlen((const char *)href));
        xmlFree(href);
        if (base) {
            free(c->base);
            c->base = base;
        }
        return;
    }
}

vg_status vg_crawl_extract(const char *page_url, const uint8_t *html, size_t len,
                           size_t max_links, vg_crawl_links *out, vg_error *err)
{
    if (!page_url || !is_http(page_url) || (!html && len))
        return vg_error_set(err, VG_ERR_INVALID, "the page's URL must be absolute http(s)");
    if (len > INT_MAX)
        return vg_error_set(err, VG_ERR_TOO_LARGE, "the page is too large to parse");
    pthread_once(&init_once, init_libxml);
    collector c = {.out = out, .max_links = max_links, .status = VG_OK, .err = err};
    c.base = strdup(page_url);
    if (!c.base)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory reading links");
    xmlDoc *doc = len ? htmlReadMemory((const char *)html, (int)len, page_url, NULL,
                                       HTML_PARSE_RECOVER | HTML_PARSE_NOERROR |
                                           HTML_PARSE_NOWARNING | HTML_PARSE_NONET |
                                           HTML_PARSE_COMPACT)
                      : NULL;
    if (doc) {
        find_base(&c, doc);
        for (xmlNode *n = doc->children; n && c.status == VG_OK; n = next_node(doc, n, true))
            if (n->type == XML_ELEMENT_NODE)
                visit(&c, n);
        xmlFreeDoc(doc);
    }
    free(c.base);
    strset_free(&c.seen);
    return c.status;
}

void vg_crawl_links_free(vg_crawl_links *links)
{
    for (size_t i = 0; i < links->count; i++)
        free(links->items[i].url);
    free(links->items);
    *links = (vg_crawl_links){0};
}

/*
 * src/hotline/crawl_settings.c - the crawl job's settings (crawling.h):
 * crawl.* and the fetcher's fetch.*.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hotline/crawling.h"
#include "hotline/crawling_internal.h"

vg_status vg_hotline_crawling_open(vg_hotline *h, vg_config *cfg, vg_error *err)
{
    int enabled = 0;
    vg_status st = vg_config_bool(cfg, "crawl.enabled", 0, &enabled, err);
    if (st != VG_OK || !enabled)
        return st;
    if (!h->vault)
        return vg_error_set(err, VG_ERR_INVALID, "crawl.enabled needs the evidence vault");
    vg_crawling *c = calloc(1, sizeof *c);
    if (!c)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    h->crawling = c;
    int64_t period, depth, pages, media, targets, max_bytes, timeout, redirects;
    int allow_private = 0;
    const char *rate_text = vg_config_get(cfg, "crawl.rate", "1");
    char *end = NULL;
    double rate = strtod(rate_text, &end);
    if (end == rate_text || *end || !(rate > 0 && rate <= 100)) {
        vg_hotline_crawling_free(h);
        return vg_error_set(err, VG_ERR_INVALID,
                            "crawl.rate must be a number of requests per second to one host, "
                            "above 0 and at most 100 (not \"%.40s\")",
                            rate_text);
    }
    const char *proxy = vg_config_get(cfg, "fetch.proxy", "");
    const char *agent = vg_config_get(cfg, "fetch.user_agent", "vigie (crawler)");
    c->proxy = strdup(proxy);
    c->user_agent = strdup(agent);
    if (!c->proxy || !c->user_agent)
        st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    if (st || (st = vg_config_int(cfg, "crawl.period_hours", 24, 1, 24 * 365, &period, err)) ||
        (st = vg_config_int(cfg, "crawl.depth", 1, 0, 10, &depth, err)) ||
        (st = vg_config_int(cfg, "crawl.pages", 100, 1, 100000, &pages, err)) ||
        (st = vg_config_int(cfg, "crawl.media", 500, 1, 100000, &media, err)) ||
        (st = vg_config_int(cfg, "crawl.targets", 3, 1, 10000, &targets, err)) ||
        (st = vg_config_int(cfg, "fetch.max_bytes", 64 << 20, 1024, 1ll << 32, &max_bytes,
                            err)) ||
        (st = vg_config_int(cfg, "fetch.timeout_seconds", 60, 1, 600, &timeout, err)) ||
        (st = vg_config_int(cfg, "fetch.max_redirects", 5, 0, 10, &redirects, err)) ||
        (st = vg_config_bool(cfg, "fetch.allow_private", 0, &allow_private, err))) {
        vg_hotline_crawling_free(h);
        return st;
    }
    c->period_seconds = period * 3600;
    c->targets = (size_t)targets;
    c->crawl = (vg_crawl_options){
        .fetch = {.max_bytes = (uint64_t)max_bytes,
                  .timeout_seconds = (unsigned)timeout,
                  .allow_plain_http = allow_private,
                  .allow_private_addresses = allow_private,
                  .max_redirects = (unsigned)redirects,
                  .proxy = *c->proxy ? c->proxy : NULL,
                  .user_agent = c->user_agent,
                  .stall_seconds = 20},
        .max_media_bytes = (uint64_t)max_bytes,
        .max_depth = (unsigned)depth,
        .max_pages = (size_t)pages,
        .max_media = (size_t)media,
        .requests_per_second = rate};
    return VG_OK;
}

void vg_hotline_crawling_free(vg_hotline *h)
{
    vg_crawling *c = h->crawling;
    if (!c)
        return;
    free(c->proxy);
    free(c->user_agent);
    free(c);
    h->crawling = NULL;
}


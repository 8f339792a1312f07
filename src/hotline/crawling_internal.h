/*
 * src/hotline/crawling_internal.h - the crawl job's settings, shared by
 * crawl_settings.c (read with the hotline, hotline.c) and crawling.c (the
 * job), which hotline.c must not call: crawling.c calls intake.
 */
#ifndef VIGIE_HOTLINE_CRAWLING_INTERNAL_H
#define VIGIE_HOTLINE_CRAWLING_INTERNAL_H

#include <stdint.h>

#include "vigie/crawl.h"

struct vg_crawling {
    int64_t period_seconds;
    size_t targets; /* per pass */
    char *proxy, *user_agent;
    vg_crawl_options crawl;
};

#endif

/*
 * src/hotline/crawling.h - the server's crawl job: the crawler
 * (vigie/crawl.h) run again and again from the crawl targets
 * (store/crawl.h): every URL a report gave, and every page where it found
 * known material.
 *
 * Every media file it finds is hashed as it streams into the evidence
 * vault and matched against the banks as an upload is (evidence.h: digests
 * and PDQ; a video's vPDQ against the banks' videos, its MD5 against their
 * digests):
 *   - known material (a match in a trusted bank, console.trusted_banks, on
 *     bytes vigie fetched itself) becomes a new report of source "crawler",
 *     decided at once like any known file (assessment.h), so that
 *     orientation routes it and routing.auto_known approves its forward;
 *     the page that carried it becomes a target of its own;
 *   - an unknown picture or video found on a page that carried known material
 *     becomes a queue item "found by the crawler" (source "crawler"),
 *     shown blurred and greyscale like any item;
 *   - anything else leaves nothing behind.
 * A URL some report already holds, whose material no notice saw removed,
 * is not reported twice. Stay-down: known material found on a target
 * whose report's notice saw its material removed, or the same material as
 * a removed notice's, marks those notices reappeared (a "staydown" event
 * and a "notice.reappeared" audit entry on their report, which the case
 * timeline shows, and a "reappeared" action its sender's /status reads);
 * the new report gets its own route (approved at once under
 * routing.auto_known: vigie fetched the material at that URL) and notice,
 * and the notices it marked hand their watch over to it (model/notice.h).
 * A target whose report was assessed as no CSAM (not illegal, or illegal
 * but not CSAM: vg_rule_crawl_target_wanted) is not fetched: the crawler
 * goes to a site only on account of what may be CSAM; its turn is audited
 * "crawl.skipped".
 * Each new report is written with its audit entry ("crawl.found", actor
 * "crawler") in one transaction; each target's crawl with its own
 * ("crawl.target").
 *
 * Configuration (docs/notices.md#the-crawl-job): crawl.enabled,
 * crawl.period_hours, crawl.depth, crawl.pages, crawl.media, crawl.rate,
 * crawl.targets, and the fetcher's fetch.* (as notices.h).
 *
 * Fetches wait on the network: never inside a transaction.
 */
#ifndef VIGIE_HOTLINE_CRAWLING_H
#define VIGIE_HOTLINE_CRAWLING_H

#include "hotline/hotline.h"

/* What a report the crawler made says about itself (its description),
 * and the field of its extra_json naming the page it was found on. */
#define VG_CRAWL_FOUND_LABEL "found by the crawler"
#define VG_CRAWL_PAGE_FIELD "crawler_page"

/* Read crawl.* and fetch.* (h->crawling stays NULL unless crawl.enabled). */
vg_status vg_hotline_crawling_open(vg_hotline *h, vg_config *cfg, vg_error *err);
void vg_hotline_crawling_free(vg_hotline *h);

/* What one pass did. */
typedef struct vg_crawl_pass {
    size_t seeded, targets, pages, media, known, found, reappeared, failed;
    size_t skipped; /* targets due whose report was assessed as no CSAM */
    char first_failure[240];
} vg_crawl_pass;

/* One pass at now: new targets from the reports, then the targets due
 * (at most crawl.targets, and none started after 10 minutes of the pass),
 * each crawled within the bounds. */
vg_status vg_hotline_crawl_run(vg_hotline *h, int64_t now, vg_crawl_pass *pass, vg_error *err);

#endif

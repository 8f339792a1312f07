/*
 * src/store/crawl.h - the crawl job's targets: the pages the server crawls
 * again and again (hotline/crawling.h), seeded from the URLs of reports
 * and from the pages where the crawler found known material, each with
 * when it was last crawled, when it is due, what the last crawl counted
 * and why it failed (operations inside a transaction, store/store.h).
 */
#ifndef VIGIE_STORE_CRAWL_H
#define VIGIE_STORE_CRAWL_H

#include "store/store.h"

/* Where a target came from (crawl_target.origin). */
#define VG_CRAWL_ORIGIN_REPORT "report" /* a URL a report gave */
#define VG_CRAWL_ORIGIN_PAGE "page"     /* a page that carried known material */

typedef struct vg_crawl_target {
    int64_t id;
    char *url;    /* canonical; unique */
    char *origin; /* VG_CRAWL_ORIGIN_* */
    int64_t report_id, case_id; /* the report (and its case) it came from */
    int64_t created_at, last_crawl_at, next_due_at;
    int64_t pages, media; /* fetched by the last crawl */
    int64_t known;        /* media of the last crawl matching a trusted bank */
    int64_t found;        /* items the crawler made from this target, in all */
    char *last_error;     /* "" when the last crawl went through */
} vg_crawl_target;

void vg_crawl_targets_free(vg_crawl_target *rows, size_t count);

/* Make a target of every URL of a report that is none yet (reports the
 * crawler itself made are not seeds: their URLs are media), due at now.
 * *added (may be NULL) gets how many. */
vg_status vg_tx_crawl_seed(vg_tx *tx, int64_t now, int64_t *added, vg_error *err);
/* Add one target (url, origin, report_id, case_id, created_at, next_due_at
 * of *t); a URL already a target is left as it is and *inserted = 0.
 * inserted may be NULL. */
vg_status vg_tx_crawl_target_add(vg_tx *tx, const vg_crawl_target *t, int *inserted,
                                 vg_error *err);
/* Targets due at or before due_at, the most overdue first (due_at 0:
 * every target, oldest first), at most limit. */
vg_status vg_tx_crawl_targets(vg_tx *tx, int64_t due_at, size_t limit, vg_crawl_target **rows,
                              size_t *count, vg_error *err);
/* Record a crawl of target t->id: last_crawl_at, next_due_at, pages,
 * media, known, last_error, and found added to its count (the other
 * fields never change). VG_ERR_INVALID when there is no such target. */
vg_status vg_tx_crawl_target_done(vg_tx *tx, const vg_crawl_target *t, vg_error *err);
/* Whether a report (the crawler's too) holds url (canonical) as material
 * still there: *live = 1 when some report has that URL and no
 * notice of that report found it removed; 0 when none has it, or when
 * every one that has it saw it removed (what comes back there is new). */
vg_status vg_tx_crawl_url_live(vg_tx *tx, const char *url, int *live, vg_error *err);

#endif

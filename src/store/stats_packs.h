/*
 * src/store/stats_packs.h - what both backends share to read and write the
 * statistics' packed days (store/stats.h, model/factpack.h).
 *
 * stats_packs holds, for a day d of receipt (created_at / 86400, UTC), the
 * stats_facts rows of that day packed in one blob; stats_pack_stale the days
 * whose rows changed since their pack was made (a fold marks them, then
 * packs them again). A read takes a day from its pack when it has one and
 * is not stale, else from stats_facts' rows; the reports marked dirty are
 * left out of both and computed by the view, as before the packs.
 */
#ifndef VIGIE_STORE_STATS_PACKS_H
#define VIGIE_STORE_STATS_PACKS_H

#include <stddef.h>
#include <stdint.h>

#include "model/factpack.h"
#include "store/stats.h"

/* The clean facts of [from, to): the dirty ids to leave out (sorted), the
 * consumer. */
typedef struct vg_fact_filter {
    int64_t from, to;
    int64_t *dirty; /* owned */
    size_t ndirty, cap;
    int64_t day; /* of the pack being read */
    int bad_day; /* a fact of the pack was of another day */
    vg_store_fact_fn fn;
    void *ctx;
} vg_fact_filter;

void vg_fact_filter_init(vg_fact_filter *ff, int64_t from, int64_t to, vg_store_fact_fn fn,
                         void *ctx);
/* Add a dirty report's id; ids come in increasing order. */
vg_status vg_fact_filter_skip(vg_fact_filter *ff, int64_t id, vg_error *err);
/* The facts of day's pack (untrusted: a blob that does not decode, or
 * holds a fact of another day, is VG_ERR_CORRUPT) within the period and not
 * dirty, to the consumer. */
vg_status vg_fact_filter_pack(vg_fact_filter *ff, int64_t day, const unsigned char *blob,
                              size_t len, vg_error *err);
void vg_fact_filter_free(vg_fact_filter *ff);

/* Narrow [*lo, *hi) to the times that can fall in days first..last. */
void vg_fact_days_span(int64_t first, int64_t last, int64_t *lo, int64_t *hi);

#endif

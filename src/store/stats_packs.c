/*
 * src/store/stats_packs.c - the packed days' shared reading (stats_packs.h).
 */
#include "store/stats_packs.h"

#include <stdlib.h>

void vg_fact_filter_init(vg_fact_filter *ff, int64_t from, int64_t to, vg_store_fact_fn fn,
                         void *ctx)
{
    *ff = (vg_fact_filter){.from = from, .to = to, .fn = fn, .ctx = ctx};
}

vg_status vg_fact_filter_skip(vg_fact_filter *ff, int64_t id, vg_error *err)
{
    if (ff->ndirty == ff->cap) {
        size_t cap = ff->cap ? ff->cap * 2 : 256;
        int64_t *p = realloc(ff->dirty, cap * sizeof *p);
        if (!p)
            return vg_error_set(err, VG_ERR_NOMEM, "out of memory reading the reports' facts");
        ff->dirty = p;
        ff->cap = cap;
    }
    ff->dirty[ff->ndirty++] = id;
    return VG_OK;
}

static int is_dirty(const vg_fact_filter *ff, int64_t id)
{
    size_t lo = 0, hi = ff->ndirty;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ff->dirty[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < ff->ndirty && ff->dirty[lo] == id;
}

static int pass(void *ctx, const vg_report_fact *f)
{
    vg_fact_filter *ff = ctx;
    if (vg_factpack_day(f->created_at) != ff->day) {
        ff->bad_day = 1;
        return 1;
    }
    if (f->created_at < ff->from || f->created_at >= ff->to ||
        (ff->ndirty && is_dirty(ff, f->id)))
        return 0;
    return ff->fn(ff->ctx, f);
}

vg_status vg_fact_filter_pack(vg_fact_filter *ff, int64_t day, const unsigned char *blob,
                              size_t len, vg_error *err)
{
    ff->day = day;
    ff->bad_day = 0;
    vg_status st = vg_factpack_read(blob ? blob : (const unsigned char *)"", blob ? len : 0,
                                    pass, ff, err);
    /* what to do: without its row the day is read from stats_facts, and
     * marked stale it is packed again by the next fold */
    if (ff->bad_day)
        return vg_error_set(err, VG_ERR_CORRUPT,
                            "the packed statistics of day %lld (stats_packs) hold a report of "
                            "another day; delete that row and add the day to stats_pack_stale "
                            "for the stats job to pack it again",
                            (long long)day);
    if (st == VG_ERR_ABORTED)
        return vg_error_set(err, VG_ERR_ABORTED, "reading the reports' facts was stopped");
    if (st == VG_ERR_CORRUPT && err) {
        vg_error why = *err;
        return vg_error_set(err, VG_ERR_CORRUPT,
                            "the packed statistics of day %lld (stats_packs): %s; delete that "
                            "row and add the day to stats_pack_stale for the stats job to pack "
                            "it again",
                            (long long)day, why.message);
    }
    if (st != VG_OK)
        vg_error_prefix(err, "the packed statistics of day %lld: ", (long long)day);
    return st;
}

void vg_fact_filter_free(vg_fact_filter *ff)
{
    free(ff->dirty);
    ff->dirty = NULL;
}

void vg_fact_days_span(int64_t first, int64_t last, int64_t *lo, int64_t *hi)
{
    /* a day d > 0 is [d * 86400, (d + 1) * 86400); day 0 (the division
     * rounds toward zero) and the days before it are left to the caller's
     * exact test */
    const int64_t s = VG_FACTPACK_DAY_SECONDS;
    if (first > 0 && first <= INT64_MAX / s && first * s > *lo)
        *lo = first * s;
    if (last >= 0 && last < INT64_MAX / s - 1 && (last + 1) * s < *hi)
        *hi = (last + 1) * s;
}

/*
 * src/hotline/stats.c - statistics read from the store (stats.h).
 */
#include "hotline/stats.h"

#include "store/stats.h"

typedef struct gather {
    int64_t from, to;
    vg_stats_table *table;
    vg_error inner; /* why the table could not take a fact */
    vg_status failed;
} gather;

static int add_fact(void *ctx, const vg_report_fact *fact)
{
    gather *g = ctx;
    g->failed = vg_stats_add(g->table, fact, &g->inner);
    return g->failed != VG_OK;
}

static vg_status gather_tx(vg_tx *tx, void *ctx, vg_error *err)
{
    gather *g = ctx;
    vg_status st = vg_tx_report_facts(tx, g->from, g->to, add_fact, g, err);
    if (g->failed == VG_OK)
        return st;
    /* a fact the table could not take says why, not "stopped" */
    if (err)
        *err = g->inner;
    return g->failed;
}

vg_status vg_hotline_stats(vg_store *store, int64_t from, int64_t to, const vg_stat_dim *dims,
                           size_t ndims, vg_stats_table **out, vg_error *err)
{
    *out = NULL;
    gather g = {.from = from, .to = to};
    vg_status st = vg_stats_new(dims, ndims, &g.table, err);
    if (st == VG_OK)
        st = vg_store_read(store, gather_tx, &g, err);
    if (st == VG_OK)
        st = vg_stats_finish(g.table, err);
    if (st != VG_OK) {
        vg_stats_free(g.table);
        return st;
    }
    *out = g.table;
    return VG_OK;
}

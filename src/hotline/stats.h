/*
 * src/hotline/stats.h - the hotline's statistics (issue 17): reports of a
 * period counted by any dimensions (model/stats.h), read in one
 * transaction, so a table is one consistent picture of the data.
 */
#ifndef VIGIE_HOTLINE_STATS_H
#define VIGIE_HOTLINE_STATS_H

#include "model/stats.h"
#include "store/store.h"

/* The reports received in [from, to) grouped by dims; *out (the caller
 * frees it with vg_stats_free) is finished. */
vg_status vg_hotline_stats(vg_store *store, int64_t from, int64_t to, const vg_stat_dim *dims,
                           size_t ndims, vg_stats_table **out, vg_error *err);

#endif

/*
 * src/hotline/stats.h - the hotline's statistics (issue 17): reports of a
 * period counted by any dimensions (model/stats.h), read in one
 * transaction, so a table is one consistent picture of the data.
 */
#ifndef VIGIE_HOTLINE_STATS_H
#define VIGIE_HOTLINE_STATS_H

#include <stdio.h>

#include "model/stats.h"
#include "store/store.h"
#include "util/config.h"
#include "util/table.h"
#include "util/tz.h"

/* A table's question: the reports received in [from, to), grouped by
 * dims, periods on the clock of tz (borrowed; NULL: UTC). */
typedef struct vg_stats_query {
    int64_t from, to; /* [from, to), seconds; 0 and INT64_MAX when open */
    vg_stat_dim dims[VG_DIM_COUNT];
    size_t ndims;
    const vg_tz *tz;
} vg_stats_query;

/* The table of q; *out (the caller frees it with vg_stats_free) is
 * finished. */
vg_status vg_hotline_stats(vg_store *store, const vg_stats_query *q, vg_stats_table **out,
                           vg_error *err);
/* Several tables of one period (the queries' from and to must be the same;
 * VG_ERR_INVALID otherwise) from one read of its facts, each fact added to
 * every table: out[i] gets the table of qs[i] (all NULL on failure). */
vg_status vg_hotline_stats_many(vg_store *store, const vg_stats_query *qs, size_t n,
                                vg_stats_table **out, vg_error *err);

/* Fold reports changed since their last fold into the stored facts,
 * batch reports per write transaction (short, so that intake waits little
 * for the writer), at most max_batches of them; *folded gets how many
 * changes were folded. Figures read the same before and after: this only
 * makes reads cheaper (store/stats.h). No audit entry: nothing the hotline
 * knows changes. */
vg_status vg_hotline_stats_fold(vg_store *store, size_t batch, size_t max_batches,
                                size_t *folded, vg_error *err);

/* The zone of stats.time_zone (default UTC) into *out (the caller frees it
 * with vg_tz_free); VG_ERR_INVALID or VG_ERR_IO names the key. */
vg_status vg_hotline_stats_zone(vg_config *cfg, vg_tz **out, vg_error *err);

/* "YYYY-MM-DD" as the instant its day starts on the clock of tz (NULL:
 * midnight UTC), in seconds since the epoch, into *out; 0 for anything
 * else (2026-02-30 included). */
int vg_stats_parse_date(const char *text, const vg_tz *tz, int64_t *out);
/* The instant the year starts on the clock of tz. */
int64_t vg_stats_year_start(int year, const vg_tz *tz);

/* Parse the query of a table as every surface takes it (the command line's
 * options, the console's form, the API's query): from and to as dates on
 * the clock of tz (NULL or "": open), by as dimension names (NULL or "":
 * the totals). VG_ERR_INVALID says which one is wrong, in words for the
 * user. */
vg_status vg_stats_query_parse(const char *from, const char *to, const char *by,
                               const vg_tz *tz, vg_stats_query *q, vg_error *err);

/* The table as CSV (a header line, then a row per group) or JSON lines:
 * one column per dimension named after it, then one per measure, hours
 * with two decimals and empty (null) when no report got there. The one
 * layout of the command line, the console's downloads and the API. */
void vg_hotline_stats_write(const vg_stats_table *t, FILE *out, vg_table_format format);
/* The same into a buffer (*text malloc'd, the caller frees it; *len its
 * length without the terminating NUL); VG_ERR_NOMEM when it cannot. */
vg_status vg_hotline_stats_text(const vg_stats_table *t, vg_table_format format, char **text,
                                size_t *len, vg_error *err);

#endif

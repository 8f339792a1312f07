/*
 * src/model/stats.h - the hotline's figures: reports counted over a period
 * by any dimension, alone or crossed with others (issue 17's statistics).
 *
 * A report is seen as one fact (vg_report_fact: what it was, where from,
 * how it was decided and when); a table is the facts grouped by the values
 * of its dimensions, each group with every measure. Pure: the store streams
 * the facts in, the command line and the pages write the table out.
 *
 * Periods are counted on the wall clock of the table's time zone
 * (stats.time_zone; UTC when none): a day runs from its 00:00 to the next
 * one (23 or 25 hours on the days the clock changes), a week is an ISO 8601
 * week ("2026-W49"), a month "2026-12", a year "2026".
 *
 * Ownership: vg_stats_table owns its groups and their strings;
 * vg_report_fact borrows (the store's row, valid during the callback).
 */
#ifndef VIGIE_MODEL_STATS_H
#define VIGIE_MODEL_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "util/tz.h"
#include "vigie/error.h"

/* One report as statistics see it. Strings may be NULL (not given). */
typedef struct vg_report_fact {
    int64_t id, case_id;
    int64_t created_at;    /* received, seconds since the epoch */
    int64_t first_look_at; /* first claimed by an analyst; 0: never */
    int64_t decided_at;    /* assessment final (confirmed or automatic); 0: not yet */
    int duplicate;         /* an earlier report of its case exists */
    const char *source;    /* "web", "api" */
    const char *reporter_kind, *category, *language, *country;
    const char *state;                  /* the item's state (VG_ITEM_*) */
    const char *legal, *severity, *age; /* the final classification, when decided */
    int64_t files, known_files, claimed_files, videos, urls;
    /* Orientation, from the report's first route (the first URL routed;
     * NULL when none): the hosting country, the first address's AS number
     * ("AS64500") and its provider (the notice's, else the AS name), and
     * the route's most urgent action (VG_ACTION_*). */
    const char *host_country, *asn, *provider, *route;
    /* Action, over all the report's notices to hosts: notices sent (a first
     * message went), messages after each one's first, notices escalated,
     * times removed material came back (stay-down). */
    int64_t notices, renotices, escalations, reappearances;
    int64_t notice_at;  /* its first notice's first message; 0: none */
    int64_t removed_at; /* the last removal once every notified URL is removed; 0: not (yet) */
    /* The blocking list: the report's entries that were approved (listed,
     * whatever became of them since), and the appeals against them. */
    int64_t blocked, appeals;
    /* The final assessment's sex (vg_sex_terms), flags and Interpol
     * baseline answers ticked (vg_flag_terms, vg_baseline_terms codes,
     * comma-separated); NULL when not said. Read once decided. */
    const char *sex, *flags, *baseline;
} vg_report_fact;

/* The dimensions a table can be grouped by, with the column name each gets. */
typedef enum vg_stat_dim {
    VG_DIM_DAY,
    VG_DIM_WEEK,
    VG_DIM_MONTH,
    VG_DIM_YEAR,
    VG_DIM_SOURCE,   /* web or api, crossed with who reported: "web/child" */
    VG_DIM_REPORTER, /* who reported (reporter_kind) */
    VG_DIM_CATEGORY,
    VG_DIM_LANGUAGE,
    VG_DIM_COUNTRY,
    VG_DIM_STATE,
    VG_DIM_LEGAL,
    VG_DIM_SEVERITY,
    VG_DIM_AGE,
    VG_DIM_DECIDED, /* how: "person", "automatic", "pending" */
    VG_DIM_HOST_COUNTRY, /* the first route's hosting country */
    VG_DIM_ASN,
    VG_DIM_PROVIDER,
    VG_DIM_ROUTE, /* the first route's most urgent action */
    VG_DIM_SEX,   /* the final assessment's */
    VG_DIM_COUNT
} vg_stat_dim;

/* "day", "week", ... "decided"; NULL out of range. */
const char *vg_stat_dim_name(vg_stat_dim dim);
/* Parse a comma-separated list of dimension names (at most max), e.g.
 * "month,category"; VG_ERR_INVALID names the one not known. */
vg_status vg_stat_dims_parse(const char *text, vg_stat_dim *dims, size_t max, size_t *count,
                             vg_error *err);

/* The measures, in column order: their names are the table's columns. */
enum {
    VG_M_REPORTS,
    VG_M_CASES,      /* distinct cases among the group's reports */
    VG_M_DUPLICATES, /* reports of a case that already had one */
    VG_M_FILES,
    VG_M_KNOWN_FILES, /* matched a bank from bytes vigie holds */
    VG_M_NEW_FILES,   /* matched nothing (claims by digest not counted as known) */
    VG_M_VIDEOS,
    VG_M_URLS,
    VG_M_ASSESSED, /* decided, by people or automatically */
    VG_M_CSAM,     /* decided illegal: CSAM */
    VG_M_OTHER_ILLEGAL,
    VG_M_NOT_ILLEGAL,
    VG_M_AGE_UNDETERMINED,
    VG_M_AUTOMATIC, /* decided without anyone looking */
    VG_M_LOOKED,    /* claimed by an analyst at least once */
    VG_M_ROUTED,    /* with a route */
    VG_M_NOTICED,   /* with a notice sent */
    VG_M_NOTICES,
    VG_M_RENOTICES,
    VG_M_ESCALATIONS,
    VG_M_REMOVED, /* every notified URL removed */
    VG_M_REAPPEARANCES,
    VG_M_BLOCKED, /* blocking list entries approved */
    VG_M_APPEALS, /* appeals against them */
    /* Final assessments with each flag (vg_flag_terms, in its order:
     * self-generated, AI suspected, live-streamed, commercial, grooming,
     * sextortion), and those meeting the Interpol baseline (every answer
     * of its checklist ticked). */
    VG_M_FLAGS,
    VG_M_FLAGS_END = VG_M_FLAGS + 6,
    VG_M_BASELINE = VG_M_FLAGS_END,
    /* Windows: how many got there within 24 h, 3 days, 7 days of receipt,
     * and how many only after 42 days, for each of the four times (first
     * look, a person's assessment, the first notice, the removal); a share
     * is the window over looked, assessed - automatic, noticed, removed. */
    VG_M_WINDOWS,
    VG_M_WINDOWS_END = VG_M_WINDOWS + 16,
    VG_M_COUNTS = VG_M_WINDOWS_END, /* the measures above are counts; those below are hours */
    VG_M_FIRST_LOOK_MEDIAN_H = VG_M_COUNTS,
    VG_M_ASSESSED_MEDIAN_H,
    VG_M_ASSESSED_P90_H,
    VG_M_FIRST_LOOK_P90_H,
    VG_M_NOTICE_MEDIAN_H,
    VG_M_NOTICE_P90_H,
    VG_M_REMOVAL_MEDIAN_H,
    VG_M_REMOVAL_P90_H,
    VG_M_COUNT
};
/* The four times and the four windows, in the order of their counts. */
enum { VG_TIME_FIRST_LOOK, VG_TIME_ASSESSED, VG_TIME_NOTICE, VG_TIME_REMOVAL, VG_TIME_COUNT };
enum { VG_WINDOW_24H, VG_WINDOW_3D, VG_WINDOW_7D, VG_WINDOW_OVER_42D, VG_WINDOW_COUNT };
#define VG_M_WINDOW(time, window) (VG_M_WINDOWS + (time) * VG_WINDOW_COUNT + (window))
/* Whether a time of seconds falls in window (VG_WINDOW_*): within 24 h, 3
 * days, 7 days (the end included: exactly 24 h is within 24 h), or over 42
 * days (exactly 42 days is not). The one definition of the windows: the
 * statistics' and the provider page's (model/takedown.h). */
int vg_stat_in_window(int window, int64_t seconds);
const char *vg_stat_measure_name(int measure);

typedef struct vg_stats_group {
    char **values; /* one per dimension, "" when the report did not say */
    int64_t counts[VG_M_COUNTS];
    double hours[VG_M_COUNT - VG_M_COUNTS]; /* -1: no report of the group got there */
} vg_stats_group;

typedef struct vg_stats_table vg_stats_table;

/* A table grouped by dims (copied; 0 dims: one group, the totals), its
 * periods on the clock of tz (borrowed: it outlives the table; NULL: UTC). */
vg_status vg_stats_new(const vg_stat_dim *dims, size_t ndims, const vg_tz *tz,
                       vg_stats_table **out, vg_error *err);
vg_status vg_stats_add(vg_stats_table *t, const vg_report_fact *fact, vg_error *err);
/* Compute medians and percentiles, and sort the groups by their values.
 * After it, vg_stats_group_at reads them; vg_stats_add is no longer valid. */
vg_status vg_stats_finish(vg_stats_table *t, vg_error *err);
size_t vg_stats_group_count(const vg_stats_table *t);
const vg_stats_group *vg_stats_group_at(const vg_stats_table *t, size_t i);
size_t vg_stats_dim_count(const vg_stats_table *t);
vg_stat_dim vg_stats_dim_at(const vg_stats_table *t, size_t i);
void vg_stats_free(vg_stats_table *t);

/* The q-quantile (0..1) of n values (sorted in place), by the nearest
 * rank: the smallest value with at least q of the values at or below it.
 * -1 when n is 0. */
double vg_stat_quantile(double *values, size_t n, double q);

#endif

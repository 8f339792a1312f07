/*
 * src/model/takedown.h - time to removal per provider and per AS: the
 * console's provider page (issue 15), from the notices sent to hosts.
 *
 * Each notice sent (its first message went) counts once, under the
 * provider and the AS its route's lookup named when it was made
 * (model/notice.h). Its time to removal runs from its first message to the
 * removal vigie's own fetch saw (a removal seen before the first message
 * counts as 0). Of a group's notices:
 *
 *   sent        notices sent
 *   removed     seen removed; still_up: the others (sent - removed)
 *   median_h,   the median and the 90th percentile of the removed ones'
 *   p90_h       times, in hours (vg_stat_quantile: the statistics' one
 *               definition); -1 when none was removed
 *   within_*    removed within 24 h, 3 days, 7 days of the first message
 *               (vg_stat_in_window: exactly 24 h is within 24 h)
 *   over_42d    the tail: removed more than 42 days after, or still up
 *               more than 42 days after, at the table's now
 *
 * A share is a count over sent: a notice still up counts against every
 * window it has not met (a young one may still meet it).
 *
 * Pure: the use case feeds the notices in. Ownership: the table owns its
 * rows and their strings; vg_takedown_notice borrows.
 */
#ifndef VIGIE_MODEL_TAKEDOWN_H
#define VIGIE_MODEL_TAKEDOWN_H

#include <stddef.h>
#include <stdint.h>

#include "vigie/error.h"

/* One notice as the provider page counts it. */
typedef struct vg_takedown_notice {
    const char *provider;  /* the host's name; NULL or "" when the lookup named none */
    int64_t asn;           /* 0 when not known */
    const char *as_name;   /* NULL or "" when not known */
    int64_t first_sent_at; /* 0: never sent, not counted */
    int64_t removed_at;    /* 0: not removed */
} vg_takedown_notice;

typedef enum vg_takedown_by { VG_TAKEDOWN_PROVIDER, VG_TAKEDOWN_ASN, VG_TAKEDOWN_BY_COUNT } vg_takedown_by;

typedef struct vg_takedown_row {
    char *provider; /* provider rows: the name, "" when not known */
    int64_t asn;    /* AS rows: the number, 0 when not known */
    char *as_name;  /* AS rows: its name in the newest notice; "" for provider rows */
    int64_t sent, removed, still_up;
    int64_t within_24h, within_3d, within_7d, over_42d;
    double median_h, p90_h; /* -1: none removed */
} vg_takedown_row;

/* How rows are ordered. */
typedef enum vg_takedown_order {
    VG_TAKEDOWN_SLOWEST, /* the longest 90th percentile first (nothing removed yet with
                          * notices still up: the slowest of all), then the longest
                          * median, the most still up, the name */
    VG_TAKEDOWN_MOST_SENT, /* the most notices sent first, then the name */
    VG_TAKEDOWN_NAME,      /* by name (AS rows by number) */
} vg_takedown_order;

/* "slowest", "sent", "name"; 0 for anything else. */
int vg_takedown_parse_order(const char *text, vg_takedown_order *out);

typedef struct vg_takedown vg_takedown;

/* A table whose tail is counted at now (seconds since the epoch). */
vg_status vg_takedown_new(int64_t now, vg_takedown **out, vg_error *err);
/* Count one notice (copied); a notice never sent is ignored. */
vg_status vg_takedown_add(vg_takedown *t, const vg_takedown_notice *n, vg_error *err);
/* Group the notices and order the rows; after it, the rows can be read
 * and vg_takedown_add is no longer valid. */
vg_status vg_takedown_finish(vg_takedown *t, vg_takedown_order order, vg_error *err);
size_t vg_takedown_count(const vg_takedown *t, vg_takedown_by by);
const vg_takedown_row *vg_takedown_at(const vg_takedown *t, vg_takedown_by by, size_t i);
void vg_takedown_free(vg_takedown *t);

#endif

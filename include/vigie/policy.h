/*
 * vigie/policy.h - what a match is worth: negative banks and quarantine.
 *
 * Negative banks. A bank entry whose metadata column "polarity" holds
 * "negative" is not known material: it is a known false positive (a
 * picture a PDQ entry wrongly catches, a benign file listed by mistake).
 * Such entries never count as matches, and they suppress the matches of
 * other entries for the same file or query:
 *
 *   - a negative digest match (the exact bytes are known to be benign)
 *     suppresses every positive match of that file, digests and PDQ;
 *   - a negative PDQ match at distance d suppresses the positive PDQ
 *     matches at distance d or more (the file is at least as close to the
 *     benign picture as to the listed one), never a digest match (exact
 *     bytes that a bank lists are not outweighed by a near picture).
 *
 * The column rides in the bank's CSV like any metadata, so an index built
 * today carries it without any change to the index format; vigie match
 * and vigie scan apply it.
 *
 * Quarantine. A listed hash that suddenly matches far more than usual (a
 * PDQ of a near-uniform picture slipped into a bank, a common file's
 * digest) would flood a hotline with false matches and act on them
 * automatically. A quarantine counts each entry's matches per time window
 * against its usual rate (an exponential average over past windows); an
 * entry whose count in the current window passes both a floor and a
 * multiple of its usual rate is held: its matches should go to a person
 * instead of being acted upon, until it is released after review. The
 * server keeps one per process and saves it; see docs/exchange.md.
 */
#ifndef VIGIE_POLICY_H
#define VIGIE_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vigie/error.h"
#include "vigie/index.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The metadata column that marks an entry, and the value that makes it negative. */
#define VG_POLICY_COLUMN "polarity"
#define VG_POLICY_NEGATIVE "negative"

/* Whether an index entry is negative (the column's value, in any case). */
bool vg_policy_is_negative(const vg_index_entry *entry);

/* One match of a file or query, as the caller found it. */
typedef struct vg_policy_match {
    uint64_t entry;   /* the index entry */
    int distance;     /* 0 for digests */
    bool digest;      /* md5, sha1 or sha256; false for PDQ */
    /* Filled by vg_policy_apply: */
    bool negative;
    bool suppressed;  /* a positive match that a negative one outweighs */
    uint64_t suppressed_by;
} vg_policy_match;

/* Look up which matches are negative and which positive ones they
 * suppress (the rules above). Returns the number of positive matches left:
 * those with negative and suppressed both false. */
size_t vg_policy_apply(const vg_index *index, vg_policy_match *matches, size_t count);

/* ---- quarantine ------------------------------------------------------------ */

typedef struct vg_quarantine_options {
    int64_t window_seconds; /* 0: one hour */
    uint32_t min_matches;   /* a window needs more than this many (0: 50) */
    double factor;          /* ...and more than this times the usual rate (0: 10) */
    double smoothing;       /* weight of the last window in the usual rate (0: 0.2) */
} vg_quarantine_options;

/* The options with every zero replaced by its default (above). */
vg_quarantine_options vg_quarantine_options_resolve(const vg_quarantine_options *opts);

/* One entry's count, for a caller that keeps counts itself (a database
 * shared by several servers): the same rule as vg_quarantine_observe,
 * without the table. */
typedef struct vg_quarantine_count {
    int64_t window; /* start of the window counted; INT64_MIN: nothing counted yet */
    uint32_t count; /* matches in that window */
    double usual;   /* matches per window, exponentially averaged */
    bool held;
} vg_quarantine_count;

/* A count that has seen nothing. */
#define VG_QUARANTINE_COUNT_INIT {INT64_MIN, 0, 0, false}

/* Count a match at now under opts (NULL: the defaults); true when the
 * entry is held, now or already. */
bool vg_quarantine_count_match(const vg_quarantine_options *opts, vg_quarantine_count *c,
                               int64_t now);
/* Release after review (vg_quarantine_release's rule). */
void vg_quarantine_count_release(vg_quarantine_count *c);

typedef struct vg_quarantine vg_quarantine;

/* opts may be NULL (the defaults). */
vg_status vg_quarantine_new(const vg_quarantine_options *opts, vg_quarantine **out,
                            vg_error *err);
void vg_quarantine_free(vg_quarantine *q);

/* Count a match of `key` (the entry: e.g. "bank/id", at most 255 bytes) at
 * time now (seconds); true when the entry is held, now or already. Times
 * going backwards count in the current window. Thread-safe. */
bool vg_quarantine_observe(vg_quarantine *q, const char *key, int64_t now);
/* Whether key is held, without counting. */
bool vg_quarantine_is_held(vg_quarantine *q, const char *key);
/* Release a held entry after review: its usual rate becomes the current
 * one, so the same rate does not trip it again. */
void vg_quarantine_release(vg_quarantine *q, const char *key);
/* Each held key, in no particular order. */
void vg_quarantine_each_held(vg_quarantine *q, void (*fn)(void *ctx, const char *key),
                             void *ctx);

/* Keep a quarantine across restarts (a text file, written atomically). */
vg_status vg_quarantine_save(vg_quarantine *q, const char *path, vg_error *err);
/* A missing file gives an empty quarantine. */
vg_status vg_quarantine_load(const char *path, const vg_quarantine_options *opts,
                             vg_quarantine **out, vg_error *err);

#ifdef __cplusplus
}
#endif
#endif

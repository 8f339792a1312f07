/*
 * vigie/vpdq.h - vPDQ, the video signal: one PDQ hash per sampled frame.
 *
 * vPDQ is the video signal of ThreatExchange and Hasher-Matcher-Actioner
 * (HMA). A video's signal is the list of its sampled frames, each with the
 * PDQ hash of the picture, its quality, its number among the decoded frames
 * and its timestamp. vigie/video.h computes it from a video; this module
 * reads, writes and compares it and needs no decoder.
 *
 * Two text forms are read and written:
 *
 *   Hash file (the reference hasher's output, one line per frame):
 *       frame_number,quality,pdq_hex,timestamp
 *       0,100,e271017837246aaccddea259648fb7d62f435c89d9e99b2497763e216c8d055c,0.000
 *   with the timestamp in seconds, three decimals.
 *
 *   Signal string (python-threatexchange's VPDQSignal, what HMA stores and
 *   exchanges): a JSON array of strings "pdq_hex,quality,timestamp", e.g.
 *       ["e271...055c,100,0.0","c0f1...055c,100,0.033"]
 *   It carries no frame numbers: frames are numbered 0, 1, ... in order.
 *
 * Matching (as python-threatexchange): frames of quality below
 * quality_threshold (50) are dropped, each video becomes the set of its
 * unique frame hashes, and a frame of one video matches when the other has
 * a frame within `distance` (31) of it. query_percent is the share of the
 * query's unique frames that match, compared_percent the share of the
 * compared video's; the two videos match when both reach their thresholds
 * (80 % and 0 % by default) and at least one frame matched. A video left
 * without frames by the quality filter matches nothing.
 *
 * Thread safety: no global state; distinct objects may be used from
 * distinct threads.
 */
#ifndef VIGIE_VPDQ_H
#define VIGIE_VPDQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vigie/error.h"
#include "vigie/pdq.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VG_VPDQ_QUALITY_THRESHOLD 50
#define VG_VPDQ_DISTANCE_THRESHOLD 31
#define VG_VPDQ_QUERY_PERCENT 80.0
#define VG_VPDQ_COMPARED_PERCENT 0.0
/* A hash file line is at most this long, NUL excluded. */
#define VG_VPDQ_LINE_MAX 128

typedef struct vg_vpdq_frame {
    vg_pdq_hash hash;
    uint64_t number;  /* 0-based index among the video's decoded frames */
    double timestamp; /* seconds from the start */
    int quality;      /* PDQ quality, 0..100 */
} vg_vpdq_frame;

/* A video's frames in order. The caller owns it: start from {0} (or
 * VG_VPDQ_INIT), release with vg_vpdq_free. */
typedef struct vg_vpdq {
    vg_vpdq_frame *frames;
    size_t count;
    size_t capacity;
} vg_vpdq;

#define VG_VPDQ_INIT {NULL, 0, 0}

vg_status vg_vpdq_append(vg_vpdq *video, const vg_vpdq_frame *frame, vg_error *err);
void vg_vpdq_clear(vg_vpdq *video); /* count = 0, memory kept */
void vg_vpdq_free(vg_vpdq *video);

/* ---- the hash file ------------------------------------------------------ */

/* One line without its newline; returns its length. */
size_t vg_vpdq_format_line(const vg_vpdq_frame *frame, char out[VG_VPDQ_LINE_MAX + 1]);
/* Parse one line (len bytes, no newline; a trailing CR and surrounding
 * blanks are accepted). VG_ERR_CORRUPT with the reason otherwise. */
vg_status vg_vpdq_parse_line(const char *line, size_t len, vg_vpdq_frame *out, vg_error *err);
/* True when `line` looks like a hash file line: what `vigie index build`
 * and `vigie match` use to tell a hash file from a bank. */
bool vg_vpdq_is_line(const char *line, size_t len);
/* True when the file at path starts (after blank lines) with a hash line:
 * what tells a hash file from a bank or a query list. */
bool vg_vpdq_is_file(const char *path);
/* Parse a whole hash file in memory into out (appended). Blank lines are
 * skipped; any other bad line fails with its 1-based number. */
vg_status vg_vpdq_parse_file_buffer(const char *data, size_t len, vg_vpdq *out, vg_error *err);
/* Read and parse the hash file at path; messages name the path. Files
 * larger than max_bytes (0: 256 MiB) are refused. */
vg_status vg_vpdq_load_file(const char *path, uint64_t max_bytes, vg_vpdq *out, vg_error *err);

/* ---- the signal string -------------------------------------------------- */

/* Parse a signal string (see above) into out (appended). */
vg_status vg_vpdq_parse_signal(const char *text, size_t len, vg_vpdq *out, vg_error *err);

/* ---- matching ----------------------------------------------------------- */

typedef struct vg_vpdq_match_options {
    int quality_threshold;   /* frames of lower quality are ignored (50) */
    int distance;            /* a frame matches within this PDQ distance (31) */
    double query_percent;    /* share of the query's frames that must match (80) */
    double compared_percent; /* share of the compared video's frames (0) */
} vg_vpdq_match_options;

void vg_vpdq_match_options_init(vg_vpdq_match_options *opts);

/* The unique frame hashes of a video of quality >= quality_threshold,
 * sorted by bytes. Owned by the caller: vg_vpdq_set_free. */
typedef struct vg_vpdq_set {
    vg_pdq_hash *hashes;
    size_t count;
} vg_vpdq_set;

vg_status vg_vpdq_set_from(const vg_vpdq *video, int quality_threshold, vg_vpdq_set *out,
                           vg_error *err);
/* True when the video has a frame of quality >= VG_VPDQ_QUALITY_THRESHOLD:
 * what a bank entry needs to match anything. */
bool vg_vpdq_usable(const vg_vpdq *video);
void vg_vpdq_set_free(vg_vpdq_set *set);

typedef struct vg_vpdq_similarity {
    size_t query_frames;     /* unique frames of the query */
    size_t query_matched;    /* of which match a frame of the compared video */
    size_t compared_frames;  /* unique frames of the compared video */
    size_t compared_matched; /* of which match a frame of the query */
    double query_percent;    /* 100 * query_matched / query_frames (0 when empty) */
    double compared_percent;
    bool match;              /* both thresholds reached, at least one frame matched */
} vg_vpdq_similarity;

/* Fill the percentages and verdict from the four counts. */
void vg_vpdq_similarity_finish(vg_vpdq_similarity *sim, const vg_vpdq_match_options *opts);

/* Compare two videos frame by frame (every pair: the definition the index
 * search is tested against). opts may be NULL for the defaults. */
void vg_vpdq_compare(const vg_vpdq_set *query, const vg_vpdq_set *compared,
                     const vg_vpdq_match_options *opts, vg_vpdq_similarity *out);

#ifdef __cplusplus
}
#endif
#endif

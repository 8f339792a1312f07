/*
 * src/model/video.h - what a person is told of a video that matched a known
 * one: the stretches of it that did.
 *
 * A video is fingerprinted one sampled frame at a time (vigie/vpdq.h); the
 * match says how many frames matched, not where. An analyst deciding
 * whether a long video is the known one wants to look at the right minutes,
 * so the matched samples are folded into segments of the video's time.
 */
#ifndef VIGIE_MODEL_VIDEO_H
#define VIGIE_MODEL_VIDEO_H

#include <stdbool.h>
#include <stddef.h>

/* One stretch of matched samples: the timestamps of its first and last. */
typedef struct vg_video_segment {
    double start, end; /* seconds from the start of the video */
} vg_video_segment;

/* What one sampled frame contributed: matched, not matched, or nothing
 * (a frame too plain to fingerprint, quality under the threshold, neither
 * extends nor ends a segment: it says nothing about what the video shows). */
typedef enum vg_video_sample {
    VG_SAMPLE_SILENT = 0,
    VG_SAMPLE_MATCHED,
    VG_SAMPLE_UNMATCHED
} vg_video_sample;

/* Fold n samples, in time order (times[i] seconds, kinds[i]), into the
 * segments of consecutive matched samples. Writes at most max segments
 * to out and returns how many there are in all (more than max: the video
 * matched in more stretches than the caller keeps). */
size_t vg_rule_video_segments(const double *times, const vg_video_sample *kinds, size_t n,
                              vg_video_segment *out, size_t max);

/* "m:ss" or "h:mm:ss" for a timestamp, truncated to the second, into out
 * (at least 16 bytes). Negative or absurd times print as "0:00". */
void vg_video_time(double seconds, char *out, size_t size);

#endif

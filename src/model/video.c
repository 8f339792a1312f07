/*
 * src/model/video.c - segments of a video that matched (video.h).
 */
#include "model/video.h"

#include <stdio.h>

size_t vg_rule_video_segments(const double *times, const vg_video_sample *kinds, size_t n,
                              vg_video_segment *out, size_t max)
{
    size_t count = 0;
    int open = 0;
    for (size_t i = 0; i < n; i++) {
        if (kinds[i] == VG_SAMPLE_UNMATCHED) {
            open = 0;
        } else if (kinds[i] == VG_SAMPLE_MATCHED) {
            if (!open) {
                if (count < max)
                    out[count] = (vg_video_segment){times[i], times[i]};
                count++;
                open = 1;
            } else if (count <= max) {
                out[count - 1].end = times[i];
            }
        }
    }
    return count;
}

void vg_video_time(double seconds, char *out, size_t size)
{
    /* NaN, negative, or past anything a decoder budget lets through */
    if (!(seconds >= 0) || seconds > 1e9)
        seconds = 0;
    unsigned long t = (unsigned long)seconds;
    if (t >= 3600)
        snprintf(out, size, "%lu:%02lu:%02lu", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(out, size, "%lu:%02lu", t / 60, t % 60);
}

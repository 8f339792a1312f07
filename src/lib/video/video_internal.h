/*
 * video_internal.h - the pieces of src/lib/video shared between its files.
 *
 * input.c turns a vg_video_source into an AVIOContext that counts what it
 * reads against the byte budget and polls the caller's cancel callback;
 * yuv.c converts the common YUV formats to RGB exactly as the reference's
 * converter did; video.c opens the container, decodes and hashes.
 */
#ifndef VIGIE_VIDEO_INTERNAL_H
#define VIGIE_VIDEO_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <libavformat/avio.h>

#include "vigie/video.h"

typedef struct video_input {
    const vg_video_source *src;
    int64_t size;         /* bytes in the source, -1 when unknown */
    uint64_t pos;         /* offset of the next read */
    uint64_t bytes_read;  /* every byte delivered, re-reads included */
    uint64_t max_bytes;
    bool (*cancelled)(void *user);
    void *cancel_user;
    /* Why a read or seek failed, for the message: FFmpeg only sees a code. */
    bool over_budget;
    bool was_cancelled;
    bool io_failed;
    int io_errno;
    AVIOContext *avio;
} video_input;

/* Set up `in` over src (borrowed until video_input_close). */
vg_status video_input_open(video_input *in, const vg_video_source *src,
                           const vg_video_options *opts, vg_error *err);
void video_input_close(video_input *in);

/* When the input itself stopped FFmpeg (budget, cancel, source error):
 * that status and message in err; VG_OK otherwise. */
vg_status video_input_failure(const video_input *in, vg_error *err);

/* ---- yuv.c: exact YUV to RGB24 for the common formats ------------------ */

/* Added before shifting so that the value shifted is never negative. */
#define VIDEO_YUV_BIAS (1 << 30)

typedef struct video_yuv_table {
    int32_t y_step; /* luma step of the ramp, 16.16 */
    int32_t level;  /* ramp value at index 0, 16.16, rounding and bias included */
    int32_t red[256], green_u[256], green_v[256], blue[256]; /* ramp index offsets */
} video_yuv_table;

/* Per pixel of a row, the ramp index of Y = 0 for each channel (chroma
 * looked up once for the two rows that share it). Arrays of `width`. */
typedef struct video_yuv_offsets {
    int32_t *red, *green, *blue;
} video_yuv_offsets;

void video_yuv_table_init(video_yuv_table *t, bool full_range);
void video_yuv_chroma(const video_yuv_table *t, const uint8_t *u, const uint8_t *v,
                      uint32_t width, video_yuv_offsets *out);
/* PDQ's luma of one row of `width` pixels (pdq_stream_luma_row), from the
 * row's Y samples and chroma offsets: exactly what PDQ computes from the RGB
 * bytes swscale's C converter gives. */
void video_yuv_luma_row(const video_yuv_table *t, const uint8_t *restrict y,
                        const video_yuv_offsets *restrict c, uint32_t width,
                        float *restrict luma);

#endif

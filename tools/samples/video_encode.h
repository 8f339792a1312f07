/*
 * video_encode.h - synthetic videos for tests, fuzzing seeds and demos.
 *
 * Frames come from a procedural scene (sky, hills, a moving disc, texture;
 * no people, no real footage) and are encoded with Debian's FFmpeg
 * libraries into any container and codec they offer. Not part of libvigie.
 *
 * Ownership: vg_encode_video returns a malloc'd buffer the caller frees.
 */
#ifndef VIGIE_SAMPLES_VIDEO_ENCODE_H
#define VIGIE_SAMPLES_VIDEO_ENCODE_H

#include <stddef.h>
#include <stdint.h>

#include "vigie/error.h"

/* Fill rgb (width * height * 3 bytes, rows packed) with frame `index`. */
typedef void (*vg_frame_fn)(void *user, uint32_t index, uint8_t *rgb, uint32_t width,
                            uint32_t height);

typedef struct vg_video_encode_options {
    const char *container; /* FFmpeg muxer: "mp4", "matroska", "avi", "mpegts", ... */
    const char *codec;     /* FFmpeg encoder: "libx264", "mpeg4", "ffv1", "rawvideo", ... */
    const char *pix_fmt;   /* NULL: the encoder's first format */
    uint32_t width, height;
    int rate_num, rate_den; /* frames per second as a fraction; 0/0 means 25/1 */
    uint32_t frames;
    int quality;            /* codec quantiser where the codec has one (0 = its default) */
    unsigned extra_streams; /* more (empty) video streams after the first */
    vg_frame_fn frame;      /* NULL: vg_scene_frame with seed `seed` */
    void *frame_user;
    unsigned seed;
} vg_video_encode_options;

/* The procedural scene: frame `index` of scene `seed` (a slow pan with a
 * moving disc). */
void vg_scene_frame(unsigned seed, uint32_t index, uint8_t *rgb, uint32_t width,
                    uint32_t height);

vg_status vg_encode_video(const vg_video_encode_options *opts, uint8_t **out, size_t *out_len,
                          vg_error *err);

#endif

/*
 * vigie-sample-videos [--seeds] DIR - synthetic videos of a procedural
 * scene (no real footage, no people).
 *
 * Default: the videos the command-line tests and the demo use: a pan in
 * H.264/MP4, the same pan re-encoded smaller in VP8/Matroska and in
 * MPEG-4/AVI, a 2-second part of it, another scene, and one frame of the
 * pan as a PNG still.
 *
 * --seeds: tiny videos in every container and codec family vigie decodes,
 * the fuzzing seed corpus committed in tests/fuzz/seeds/video.
 *
 * Exit status: 0 written, 1 a file could not be made, 2 usage error.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libavutil/log.h>

#include "encode.h"
#include "video_encode.h"

static const char *out_dir;
static int status;

static void write_file(const char *name, const uint8_t *data, size_t len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", out_dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
        fprintf(stderr, "vigie-sample-videos: cannot write %s: %s\n", path, strerror(errno));
        status = 1;
    }
}

static void video(const char *name, vg_video_encode_options o)
{
    uint8_t *data;
    size_t len;
    vg_error err;
    if (vg_encode_video(&o, &data, &len, &err) != VG_OK) {
        fprintf(stderr, "vigie-sample-videos: %s: %s\n", name, err.message);
        status = 1;
        return;
    }
    write_file(name, data, len);
    free(data);
}

/* A part of scene 1: frames from `first` on. */
static void part_frame(void *user, uint32_t index, uint8_t *rgb, uint32_t w, uint32_t h)
{
    vg_scene_frame(1, index + *(const uint32_t *)user, rgb, w, h);
}

static void still(const char *name, unsigned seed, uint32_t index, uint32_t w, uint32_t h)
{
    uint8_t *rgb = malloc((size_t)w * h * 3);
    if (!rgb) {
        status = 1;
        return;
    }
    vg_scene_frame(seed, index, rgb, w, h);
    vg_raster r = {w, h, VG_RASTER_RGB8, rgb};
    vg_encode_options o = {.format = VG_FORMAT_PNG};
    uint8_t *data;
    size_t len;
    vg_error err;
    if (vg_encode(&r, &o, &data, &len, &err) != VG_OK) {
        fprintf(stderr, "vigie-sample-videos: %s: %s\n", name, err.message);
        status = 1;
    } else {
        write_file(name, data, len);
        free(data);
    }
    free(rgb);
}

static void demo_videos(void)
{
    static const uint32_t part_start = 40;
    video("pan.mp4", (vg_video_encode_options){.container = "mp4", .codec = "libx264",
                                               .width = 320, .height = 240, .frames = 100,
                                               .seed = 1});
    video("pan-small.mkv", (vg_video_encode_options){.container = "matroska", .codec = "libvpx",
                                                     .width = 160, .height = 120,
                                                     .frames = 100, .seed = 1});
    video("pan.avi", (vg_video_encode_options){.container = "avi", .codec = "mpeg4",
                                               .width = 320, .height = 240, .frames = 100,
                                               .quality = 4, .seed = 1});
    video("pan-part.mp4", (vg_video_encode_options){.container = "mp4", .codec = "libx264",
                                                    .width = 320, .height = 240, .frames = 50,
                                                    .frame = part_frame,
                                                    .frame_user = (void *)&part_start});
    video("other.mp4", (vg_video_encode_options){.container = "mp4", .codec = "libx264",
                                                 .width = 320, .height = 240, .frames = 100,
                                                 .seed = 2});
    still("pan-still.png", 1, 50, 320, 240);
}

static void seed_videos(void)
{
    static const struct {
        const char *name, *container, *codec, *pix_fmt;
    } seeds[] = {
        {"h264.mp4", "mp4", "libx264", NULL},
        {"h264.ts", "mpegts", "libx264", NULL},
        {"hevc.mkv", "matroska", "libx265", NULL},
        {"vp8.webm", "webm", "libvpx", NULL},
        {"vp9.mkv", "matroska", "libvpx-vp9", NULL},
        {"mpeg4.avi", "avi", "mpeg4", NULL},
        {"mpeg2.mpg", "mpeg", "mpeg2video", NULL},
        {"flv1.flv", "flv", "flv", NULL},
        {"theora.ogv", "ogg", "libtheora", NULL},
        {"wmv2.asf", "asf", "wmv2", NULL},
        {"mjpeg.mov", "mov", "mjpeg", "yuvj420p"},
        {"ffv1.mkv", "matroska", "ffv1", "yuv444p"},
        {"h263.3gp", "3gp", "h263", NULL},
    };
    for (size_t i = 0; i < sizeof seeds / sizeof *seeds; i++)
        video(seeds[i].name,
              (vg_video_encode_options){.container = seeds[i].container,
                                        .codec = seeds[i].codec, .pix_fmt = seeds[i].pix_fmt,
                                        .width = strcmp(seeds[i].codec, "h263") ? 64 : 128,
                                        .height = strcmp(seeds[i].codec, "h263") ? 48 : 96,
                                        .frames = 4, .seed = (unsigned)i});
}

int main(int argc, char **argv)
{
    bool seeds = argc == 3 && strcmp(argv[1], "--seeds") == 0;
    if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
        puts("usage: vigie-sample-videos [--seeds] DIR\n"
             "Writes synthetic videos (a procedural scene, no real footage) into DIR:\n"
             "the test and demo set, or with --seeds tiny videos in every container and\n"
             "codec vigie decodes (the fuzzing seeds).");
        return 0;
    }
    if ((argc != 2 && !seeds) || argv[argc - 1][0] == '-') {
        fputs("usage: vigie-sample-videos [--seeds] DIR\n", stderr);
        return 2;
    }
    out_dir = argv[argc - 1];
    av_log_set_level(AV_LOG_ERROR);
    if (mkdir(out_dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "vigie-sample-videos: cannot create %s: %s\n", out_dir, strerror(errno));
        return 1;
    }
    if (seeds)
        seed_videos();
    else
        demo_videos();
    return status;
}

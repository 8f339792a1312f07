/*
 * Hostile media: truncated, damaged or garbage input, absurd frame sizes,
 * streams that never end, too many streams, containers that would open
 * other files, and every budget. Each must end with a clear status in
 * bounded time (no test here waits on a clock: budgets are counts), and
 * the frames delivered before a failure stay valid.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "video_encode.h"
#include "vigie/vigie.h"

static uint8_t *encode(const char *container, const char *codec, uint32_t frames,
                       unsigned extra_streams, size_t *len)
{
    vg_video_encode_options o = {.container = container, .codec = codec, .width = 64,
                                 .height = 48, .frames = frames, .seed = 9,
                                 .extra_streams = extra_streams};
    uint8_t *data = NULL;
    vg_error err;
    vg_status st = vg_encode_video(&o, &data, len, &err);
    CHECK_MSG(st == VG_OK, "%s/%s: %s", container, codec, err.message);
    return st == VG_OK ? data : NULL;
}

static vg_status run(const vg_video_options *opts, const vg_video_source *src, vg_vpdq *frames,
                     vg_video_info *info, vg_error *err)
{
    vg_video_hasher *h = NULL;
    vg_status st = vg_video_hasher_new(opts, &h, err);
    CHECK(st == VG_OK);
    if (st != VG_OK)
        return st;
    st = vg_video_hash_frames(h, src, "hostile", frames, info, err);
    vg_video_hasher_free(h);
    return st;
}

static vg_status run_memory(const vg_video_options *opts, const uint8_t *data, size_t len,
                            vg_vpdq *frames, vg_video_info *info, vg_error *err)
{
    vg_video_source src = vg_video_source_memory(data, len);
    return run(opts, &src, frames, info, err);
}

static vg_video_options every_frame(void)
{
    vg_video_options o;
    vg_video_options_init(&o);
    o.interval = 0;
    return o;
}

/* Cut a video everywhere: never a crash, and what comes out is a prefix
 * of the whole video's frames. */
static void check_truncations(const char *container, const char *codec)
{
    size_t len;
    uint8_t *data = encode(container, codec, 24, 0, &len);
    if (!data)
        return;
    vg_video_options o = every_frame();
    vg_vpdq whole = VG_VPDQ_INIT;
    vg_error err;
    CHECK(run_memory(&o, data, len, &whole, NULL, &err) == VG_OK);
    int failures = 0;
    for (size_t cut = 0; cut < len; cut += len / 23 + 1) {
        vg_vpdq part = VG_VPDQ_INIT;
        vg_status st = run_memory(&o, data, cut, &part, NULL, &err);
        failures += st != VG_OK;
        CHECK_MSG(part.count <= whole.count, "%s cut at %zu: %zu frames", container, cut,
                  part.count);
        for (size_t i = 0; i < part.count && i < whole.count; i++)
            if (part.frames[i].number != whole.frames[i].number)
                CHECK_MSG(false, "%s cut at %zu: frame %zu renumbered", container, cut, i);
        if (st != VG_OK)
            CHECK_MSG(strncmp(err.message, "hostile: ", 9) == 0 && strlen(err.message) > 12,
                      "%s", err.message);
        vg_vpdq_free(&part);
    }
    CHECK_MSG(failures > 0, "%s: no cut was reported", container);
    vg_vpdq_free(&whole);
    free(data);
}

static void test_truncated(void)
{
    check_truncations("mp4", "libx264");
    check_truncations("matroska", "libvpx");
    check_truncations("avi", "mpeg4");
    check_truncations("mpegts", "mpeg2video");
}

/* Damage inside the frame data: concealed or refused, never a crash; the
 * decoder-error budget turns much damage into VG_ERR_CORRUPT. */
static void test_damaged(void)
{
    size_t len;
    uint8_t *data = encode("mpegts", "libx264", 24, 0, &len);
    if (!data)
        return;
    uint32_t state = 7;
    for (size_t i = 1000; i < len; i += 97)
        data[i] ^= (uint8_t)((state = state * 1664525u + 1013904223u) >> 24);
    vg_video_options o = every_frame();
    vg_vpdq frames = VG_VPDQ_INIT;
    vg_video_info info;
    vg_error err;
    vg_status st = run_memory(&o, data, len, &frames, &info, &err);
    CHECK_MSG(st == VG_OK || st == VG_ERR_CORRUPT, "status %d: %s", st, err.message);
    vg_vpdq_free(&frames);

    o.limits.max_decode_errors = 1;
    st = run_memory(&o, data, len, &frames, &info, &err);
    CHECK_MSG(st == VG_ERR_CORRUPT || info.decode_errors <= 1, "status %d, %llu errors", st,
              (unsigned long long)info.decode_errors);
    vg_vpdq_free(&frames);
    free(data);
}

static void test_garbage_and_other_files(void)
{
    vg_video_options o = every_frame();
    vg_vpdq frames = VG_VPDQ_INIT;
    vg_video_info info;
    vg_error err;
    uint8_t noise[4096];
    uint32_t state = 1;
    for (size_t i = 0; i < sizeof noise; i++)
        noise[i] = (uint8_t)((state = state * 1103515245u + 12345u) >> 16);
    vg_status st = run_memory(&o, noise, sizeof noise, &frames, &info, &err);
    CHECK_MSG(st == VG_ERR_UNSUPPORTED || st == VG_ERR_CORRUPT, "noise: %d", st);
    CHECK_INT_EQ(frames.count, 0);
    CHECK(run_memory(&o, noise, 0, &frames, &info, &err) != VG_OK);

    /* Playlists and concat scripts name other files: refused as containers
     * vigie does not decode, before anything is opened. */
    static const char hls[] = "#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\nfile:///etc/passwd\n"
                              "#EXT-X-ENDLIST\n";
    static const char concat[] = "ffconcat version 1.0\nfile /etc/passwd\n";
    st = run_memory(&o, (const uint8_t *)hls, sizeof hls - 1, &frames, &info, &err);
    CHECK_MSG(st == VG_ERR_UNSUPPORTED, "hls: %d %s", st, err.message);
    st = run_memory(&o, (const uint8_t *)concat, sizeof concat - 1, &frames, &info, &err);
    CHECK_MSG(st == VG_ERR_UNSUPPORTED, "concat: %d %s", st, err.message);
    CHECK_INT_EQ(frames.count, 0);
    vg_vpdq_free(&frames);
}

/* Little-endian 32-bit patch at the BITMAPINFOHEADER of an AVI's first
 * stream ("strf" chunk: size, then biSize, biWidth, biHeight). */
static bool patch_avi_size(uint8_t *data, size_t len, int32_t w, int32_t h)
{
    for (size_t i = 0; i + 20 < len; i++) {
        if (memcmp(data + i, "strf", 4) != 0)
            continue;
        uint8_t *bih = data + i + 8;
        for (int k = 0; k < 4; k++) {
            bih[4 + k] = (uint8_t)((uint32_t)w >> (8 * k));
            bih[8 + k] = (uint8_t)((uint32_t)h >> (8 * k));
        }
        return true;
    }
    return false;
}

static void test_frame_size_limits(void)
{
    /* Raw frames: only the container says how large they are. */
    size_t len;
    uint8_t *data = encode("avi", "rawvideo", 6, 0, &len);
    if (!data)
        return;
    vg_video_options o = every_frame();
    vg_vpdq frames = VG_VPDQ_INIT;
    vg_video_info info;
    vg_error err;
    /* A budget below the real size. */
    o.limits.max_pixels = 64 * 48 - 1;
    CHECK(run_memory(&o, data, len, &frames, &info, &err) == VG_ERR_TOO_LARGE);
    CHECK(strstr(err.message, "pixel limit") != NULL);
    CHECK_INT_EQ(frames.count, 0);

    /* Absurd declared dimensions: refused before a frame is allocated. */
    o = every_frame();
    CHECK(patch_avi_size(data, len, 60000, 60000));
    vg_status st = run_memory(&o, data, len, &frames, &info, &err);
    CHECK_MSG(st == VG_ERR_TOO_LARGE || st == VG_ERR_CORRUPT, "status %d: %s", st, err.message);
    CHECK_INT_EQ(frames.count, 0);
    CHECK(patch_avi_size(data, len, -5, 0));
    st = run_memory(&o, data, len, &frames, &info, &err);
    CHECK_MSG(st != VG_OK, "a 0-row frame size was accepted");
    vg_vpdq_free(&frames);
    free(data);
}

static void test_count_budgets(void)
{
    size_t len;
    uint8_t *data = encode("matroska", "libx264", 30, 0, &len);
    if (!data)
        return;
    vg_vpdq frames = VG_VPDQ_INIT;
    vg_video_info info;
    vg_error err;

    vg_video_options o = every_frame();
    o.limits.max_frames = 5;
    CHECK(run_memory(&o, data, len, &frames, &info, &err) == VG_ERR_TOO_LARGE);
    CHECK(strstr(err.message, "more than 5 frames") != NULL);
    CHECK_INT_EQ(frames.count, 5); /* the frames within the budget were delivered */
    vg_vpdq_clear(&frames);

    o = every_frame();
    o.limits.max_duration = 0.5; /* 25 fps: frame 13 is at 0.52 s */
    CHECK(run_memory(&o, data, len, &frames, &info, &err) == VG_ERR_TOO_LARGE);
    CHECK(strstr(err.message, "longer than") != NULL);
    CHECK_INT_EQ(frames.count, 13);
    vg_vpdq_clear(&frames);

    o = every_frame();
    o.limits.max_bytes = len - 1;
    CHECK(run_memory(&o, data, len, &frames, &info, &err) == VG_ERR_TOO_LARGE);
    vg_vpdq_clear(&frames);
    vg_vpdq_free(&frames);
    free(data);
}

static void test_too_many_streams(void)
{
    size_t len;
    uint8_t *data = encode("matroska", "ffv1", 2, 120, &len);
    if (!data)
        return;
    vg_video_options o = every_frame();
    vg_vpdq frames = VG_VPDQ_INIT;
    vg_video_info info;
    vg_error err;
    vg_status st = run_memory(&o, data, len, &frames, &info, &err);
    CHECK_MSG(st == VG_ERR_TOO_LARGE, "status %d: %s", st, err.message);
    CHECK(strstr(err.message, "streams") != NULL);
    o.limits.max_streams = 200;
    CHECK(run_memory(&o, data, len, &frames, &info, &err) == VG_OK);
    CHECK_INT_EQ(frames.count, 2);
    vg_vpdq_free(&frames);
    free(data);
}

/* A stream that never ends: an MPEG-TS played in a loop through a read
 * callback that cannot seek. */
typedef struct looping {
    const uint8_t *data;
    size_t len, pos;
    uint64_t reads;
    uint64_t cancel_after; /* reads; 0 = never */
} looping;

static int64_t loop_read(void *user, uint8_t *buf, size_t len)
{
    looping *l = user;
    l->reads++;
    size_t n = l->len - l->pos < len ? l->len - l->pos : len;
    memcpy(buf, l->data + l->pos, n);
    l->pos = (l->pos + n) % l->len;
    return (int64_t)n;
}

static bool cancel_after(void *user)
{
    const looping *l = user;
    return l->cancel_after && l->reads >= l->cancel_after;
}

static void test_endless_stream(void)
{
    size_t len;
    uint8_t *data = encode("mpegts", "mpeg2video", 10, 0, &len);
    if (!data)
        return;
    vg_vpdq frames = VG_VPDQ_INIT;
    vg_video_info info;
    vg_error err;
    looping loop = {data, len, 0, 0, 0};
    vg_video_source src = vg_video_source_callbacks(loop_read, NULL, -1, &loop);

    vg_video_options o = every_frame();
    o.limits.max_frames = 100;
    CHECK(run(&o, &src, &frames, &info, &err) == VG_ERR_TOO_LARGE);
    CHECK_INT_EQ(frames.count, 100);
    vg_vpdq_clear(&frames);

    o = every_frame();
    o.limits.max_bytes = 20 * len;
    loop.pos = 0;
    CHECK(run(&o, &src, &frames, &info, &err) == VG_ERR_TOO_LARGE);
    CHECK(strstr(err.message, "bytes") != NULL);
    CHECK(info.bytes_read <= 20 * len);
    vg_vpdq_clear(&frames);

    /* The caller's deadline: cancelled after a number of reads. */
    o = every_frame();
    loop = (looping){data, len, 0, 0, 50};
    o.cancelled = cancel_after;
    o.cancel_user = &loop;
    CHECK(run(&o, &src, &frames, &info, &err) == VG_ERR_ABORTED);
    CHECK(loop.reads <= 51);
    vg_vpdq_free(&frames);
    free(data);
}

static int64_t failing_read(void *user, uint8_t *buf, size_t len)
{
    (void)user, (void)buf, (void)len;
    return -1;
}

static void test_source_errors(void)
{
    vg_video_options o = every_frame();
    vg_vpdq frames = VG_VPDQ_INIT;
    vg_error err;
    vg_video_source src = vg_video_source_callbacks(failing_read, NULL, -1, NULL);
    CHECK(run(&o, &src, &frames, NULL, &err) == VG_ERR_IO);
    src = vg_video_source_fd(-1);
    CHECK(run(&o, &src, &frames, NULL, &err) == VG_ERR_INVALID);
    src = vg_video_source_callbacks(NULL, NULL, -1, NULL);
    CHECK(run(&o, &src, &frames, NULL, &err) == VG_ERR_INVALID);
    o.interval = -1;
    vg_video_hasher *h = NULL;
    CHECK(vg_video_hasher_new(&o, &h, &err) == VG_ERR_INVALID && h == NULL);
    vg_vpdq_free(&frames);
}

int main(void)
{
    RUN(test_truncated);
    RUN(test_damaged);
    RUN(test_garbage_and_other_files);
    RUN(test_frame_size_limits);
    RUN(test_count_budgets);
    RUN(test_too_many_streams);
    RUN(test_endless_stream);
    RUN(test_source_errors);
    return vg_test_exit();
}

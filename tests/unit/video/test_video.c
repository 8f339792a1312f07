/*
 * src/lib/video on synthetic videos encoded at test time (no ../shared
 * needed): lossless videos give exactly the PDQ of the pictures they were
 * made from (vigie's PDQ is itself checked bit-exact against the reference
 * vectors); lossy ones stay within the match threshold; frame sampling
 * and timestamps follow the reference's rules; every source kind gives the
 * same frames; sniffing tells videos from pictures.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "video_encode.h"
#include "vigie/vigie.h"

static uint8_t *encode(const char *container, const char *codec, const char *pix_fmt, uint32_t w,
                       uint32_t h, uint32_t frames, int rate_num, int rate_den, size_t *len)
{
    vg_video_encode_options o = {.container = container,
                                 .codec = codec,
                                 .pix_fmt = pix_fmt,
                                 .width = w,
                                 .height = h,
                                 .frames = frames,
                                 .rate_num = rate_num,
                                 .rate_den = rate_den,
                                 .seed = 3};
    uint8_t *data = NULL;
    vg_error err;
    vg_status st = vg_encode_video(&o, &data, len, &err);
    CHECK_MSG(st == VG_OK, "%s/%s: %s", container, codec, err.message);
    return st == VG_OK ? data : NULL;
}

static vg_video_hasher *hasher(double interval)
{
    vg_video_options o;
    vg_video_options_init(&o);
    o.interval = interval;
    vg_video_hasher *h = NULL;
    vg_error err;
    CHECK(vg_video_hasher_new(&o, &h, &err) == VG_OK);
    return h;
}

static vg_status hash_memory(vg_video_hasher *h, const uint8_t *data, size_t len, vg_vpdq *out,
                             vg_video_info *info)
{
    vg_video_source src = vg_video_source_memory(data, len);
    vg_error err;
    vg_status st = vg_video_hash_frames(h, &src, "test", out, info, &err);
    if (st != VG_OK)
        fprintf(stderr, "  (%s)\n", err.message);
    return st;
}

/* The PDQ of frame i of the test scene, straight from its pixels. */
static vg_pdq_result picture_pdq(uint32_t i, uint32_t w, uint32_t h)
{
    uint8_t *rgb = malloc((size_t)w * h * 3);
    vg_scene_frame(3, i, rgb, w, h);
    vg_pdq_result r;
    vg_error err;
    CHECK(vg_pdq_from_pixels(rgb, w, h, (size_t)w * 3, VG_PIXEL_RGB8, false, &r, &err) == VG_OK);
    free(rgb);
    return r;
}

static void test_lossless_video_gives_the_pictures_pdq(void)
{
    size_t len;
    uint8_t *data = encode("matroska", "ffv1", "bgr0", 96, 72, 10, 25, 1, &len);
    vg_video_hasher *h = hasher(0);
    vg_vpdq frames = VG_VPDQ_INIT;
    vg_video_info info;
    CHECK(data && h && hash_memory(h, data, len, &frames, &info) == VG_OK);
    CHECK_INT_EQ(frames.count, 10);
    CHECK_INT_EQ(info.frames_decoded, 10);
    CHECK_INT_EQ(info.frames_hashed, 10);
    CHECK_INT_EQ(info.width, 96);
    CHECK_INT_EQ(info.height, 72);
    CHECK_STR_EQ(info.codec, "ffv1");
    CHECK(strstr(info.container, "matroska") != NULL);
    CHECK(info.frame_rate == 25.0);
    CHECK_INT_EQ(info.bytes_read >= len, 1);
    for (size_t i = 0; i < frames.count; i++) {
        vg_pdq_result want = picture_pdq((uint32_t)i, 96, 72);
        CHECK_MSG(memcmp(&frames.frames[i].hash, &want.hashes[0], VG_PDQ_BYTES) == 0,
                  "frame %zu differs from its picture", i);
        CHECK_INT_EQ(frames.frames[i].quality, want.quality);
        CHECK_INT_EQ(frames.frames[i].number, i);
    }
    vg_vpdq_free(&frames);
    vg_video_hasher_free(h);
    free(data);
}

static void test_lossy_video_stays_within_the_threshold(void)
{
    static const struct {
        const char *container, *codec;
    } cases[] = {
        {"mp4", "libx264"}, {"avi", "mpeg4"}, {"webm", "libvpx"}, {"mpegts", "mpeg2video"}};
    vg_video_hasher *h = hasher(0);
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        size_t len;
        uint8_t *data = encode(cases[c].container, cases[c].codec, NULL, 160, 120, 20, 25, 1, &len);
        vg_vpdq frames = VG_VPDQ_INIT;
        vg_video_info info;
        CHECK_MSG(data && hash_memory(h, data, len, &frames, &info) == VG_OK, "%s", cases[c].codec);
        CHECK_INT_EQ(frames.count, 20);
        for (size_t i = 0; i < frames.count; i++) {
            vg_pdq_result want = picture_pdq((uint32_t)i, 160, 120);
            int d = vg_pdq_distance(&frames.frames[i].hash, &want.hashes[0]);
            CHECK_MSG(d <= VG_PDQ_MATCH_THRESHOLD, "%s frame %zu: distance %d", cases[c].codec, i,
                      d);
        }
        vg_vpdq_free(&frames);
        free(data);
    }
    vg_video_hasher_free(h);
}

/* The reference: frame n is hashed when n % floor(interval * rate) == 0,
 * and its timestamp is n / rate in single precision. */
static void check_sampling(int rate_num, int rate_den, double interval, uint32_t count,
                           const uint64_t *want, size_t want_count, const char *const *times)
{
    size_t len;
    uint8_t *data = encode("matroska", "ffv1", NULL, 64, 48, count, rate_num, rate_den, &len);
    vg_video_hasher *h = hasher(interval);
    vg_vpdq frames = VG_VPDQ_INIT;
    vg_video_info info;
    CHECK(data && h && hash_memory(h, data, len, &frames, &info) == VG_OK);
    CHECK_INT_EQ(info.frames_decoded, count);
    CHECK_INT_EQ(frames.count, want_count);
    for (size_t i = 0; i < frames.count && i < want_count; i++) {
        CHECK_INT_EQ(frames.frames[i].number, want[i]);
        char line[VG_VPDQ_LINE_MAX + 1];
        vg_vpdq_format_line(&frames.frames[i], line);
        CHECK_STR_EQ(strrchr(line, ',') + 1, times[i]);
    }
    vg_vpdq_free(&frames);
    vg_video_hasher_free(h);
    free(data);
}

static void test_sampling_and_timestamps(void)
{
    /* 25 fps: every 25th frame each second, every 12th each half second. */
    check_sampling(25, 1, 1.0, 60, (const uint64_t[]){0, 25, 50}, 3,
                   (const char *const[]){"0.000", "1.000", "2.000"});
    check_sampling(25, 1, 0.5, 30, (const uint64_t[]){0, 12, 24}, 3,
                   (const char *const[]){"0.000", "0.480", "0.960"});
    /* NTSC 30000/1001: floor(29.97) = 29; 29 / 29.97003 = 0.96763... */
    check_sampling(30000, 1001, 1.0, 60, (const uint64_t[]){0, 29, 58}, 3,
                   (const char *const[]){"0.000", "0.968", "1.935"});
    /* Interval 0: every frame. */
    check_sampling(10, 1, 0, 3, (const uint64_t[]){0, 1, 2}, 3,
                   (const char *const[]){"0.000", "0.100", "0.200"});
    /* Less than one frame per interval: every frame. */
    check_sampling(2, 1, 0.1, 3, (const uint64_t[]){0, 1, 2}, 3,
                   (const char *const[]){"0.000", "0.500", "1.000"});
}

typedef struct memory_reader {
    const uint8_t *data;
    size_t len, pos;
} memory_reader;

static int64_t read_cb(void *user, uint8_t *buf, size_t len)
{
    memory_reader *m = user;
    size_t n = m->len - m->pos < len ? m->len - m->pos : len;
    memcpy(buf, m->data + m->pos, n);
    m->pos += n;
    return (int64_t)n;
}

static int seek_cb(void *user, uint64_t offset)
{
    memory_reader *m = user;
    if (offset > m->len)
        return -1;
    m->pos = (size_t)offset;
    return 0;
}

static bool same_frames(const vg_vpdq *a, const vg_vpdq *b)
{
    return a->count == b->count && memcmp(a->frames, b->frames, a->count * sizeof *a->frames) == 0;
}

static void test_every_source_gives_the_same_frames(void)
{
    size_t len;
    uint8_t *mkv = encode("matroska", "libx264", NULL, 96, 64, 12, 25, 1, &len);
    vg_video_hasher *h = hasher(0);
    vg_error err;
    vg_vpdq from_memory = VG_VPDQ_INIT, from_fd = VG_VPDQ_INIT, seekable = VG_VPDQ_INIT,
            streamed = VG_VPDQ_INIT;
    CHECK(mkv && h && hash_memory(h, mkv, len, &from_memory, NULL) == VG_OK);
    CHECK_INT_EQ(from_memory.count, 12);

    FILE *f = tmpfile();
    CHECK(f && fwrite(mkv, 1, len, f) == len && fflush(f) == 0);
    /* pread: the descriptor's own offset (at the end here) does not matter. */
    vg_video_source src = vg_video_source_fd(fileno(f));
    CHECK(vg_video_hash_frames(h, &src, "fd", &from_fd, NULL, &err) == VG_OK);
    fclose(f);

    memory_reader reader = {mkv, len, 0};
    src = vg_video_source_callbacks(read_cb, seek_cb, (int64_t)len, &reader);
    CHECK(vg_video_hash_frames(h, &src, "callbacks", &seekable, NULL, &err) == VG_OK);
    /* Matroska streams: no seek and no size needed. */
    reader.pos = 0;
    src = vg_video_source_callbacks(read_cb, NULL, -1, &reader);
    CHECK(vg_video_hash_frames(h, &src, "pipe", &streamed, NULL, &err) == VG_OK);
    CHECK(same_frames(&from_memory, &from_fd));
    CHECK(same_frames(&from_memory, &seekable));
    CHECK(same_frames(&from_memory, &streamed));

    /* An MP4 whose index follows the frames cannot be read without seeking
     * (once it is larger than the demuxer's read buffer): a clear error,
     * not frames from nowhere. */
    size_t mp4_len;
    uint8_t *mp4 = encode("mov", "rawvideo", NULL, 320, 240, 4, 25, 1, &mp4_len);
    CHECK(mp4_len > 256 * 1024);
    memory_reader mp4_reader = {mp4, mp4_len, 0};
    src = vg_video_source_callbacks(read_cb, NULL, -1, &mp4_reader);
    vg_vpdq none = VG_VPDQ_INIT;
    vg_status st = vg_video_hash_frames(h, &src, "pipe.mp4", &none, NULL, &err);
    CHECK_MSG(st == VG_ERR_CORRUPT || st == VG_ERR_UNSUPPORTED, "status %d", st);
    CHECK(strncmp(err.message, "pipe.mp4: ", 10) == 0);

    vg_vpdq_free(&from_memory);
    vg_vpdq_free(&from_fd);
    vg_vpdq_free(&seekable);
    vg_vpdq_free(&streamed);
    vg_vpdq_free(&none);
    vg_video_hasher_free(h);
    free(mkv);
    free(mp4);
}

static vg_status stop_after_three(void *user, const vg_vpdq_frame *frame, vg_error *err)
{
    (void)frame;
    int *seen = user;
    if (++*seen == 3)
        return vg_error_set(err, VG_ERR_ABORTED, "enough");
    return VG_OK;
}

static void test_callback_stops_hashing(void)
{
    size_t len;
    uint8_t *data = encode("mp4", "libx264", NULL, 64, 48, 20, 25, 1, &len);
    vg_video_hasher *h = hasher(0);
    vg_video_source src = vg_video_source_memory(data, len);
    int seen = 0;
    vg_error err;
    vg_video_info info;
    CHECK(vg_video_hash(h, &src, "x", stop_after_three, &seen, &info, &err) == VG_ERR_ABORTED);
    CHECK_INT_EQ(seen, 3);
    CHECK_STR_EQ(err.message, "x: enough");
    /* The hasher is reusable after a stop, and with another frame size. */
    size_t big_len;
    uint8_t *big = encode("mp4", "libx264", NULL, 200, 150, 5, 25, 1, &big_len);
    vg_vpdq a = VG_VPDQ_INIT, b = VG_VPDQ_INIT;
    CHECK(hash_memory(h, big, big_len, &a, NULL) == VG_OK);
    vg_video_hasher *fresh = hasher(0);
    CHECK(hash_memory(fresh, big, big_len, &b, NULL) == VG_OK);
    CHECK(a.count == 5 && same_frames(&a, &b));
    vg_vpdq_free(&a);
    vg_vpdq_free(&b);
    vg_video_hasher_free(fresh);
    vg_video_hasher_free(h);
    free(data);
    free(big);
}

typedef struct stills_seen {
    unsigned count;
    uint64_t numbers[16];
    uint32_t width, height;
    double worst; /* mean absolute difference from the scene frame, worst still */
    unsigned stop_after;
} stills_seen;

/* Each still against the scene frame it shows, shrunk by plain box
 * averaging (an independent reference for swscale's area scaling). */
static vg_status on_still(void *user, const vg_video_still *still, vg_error *err)
{
    stills_seen *s = user;
    if (s->stop_after && s->count == s->stop_after)
        return vg_error_set(err, VG_ERR_ABORTED, "enough stills");
    if (s->count < 16)
        s->numbers[s->count] = still->number;
    s->width = still->width;
    s->height = still->height;
    uint32_t w = 96, h = 72;
    uint8_t *rgb = malloc((size_t)w * h * 3);
    vg_scene_frame(3, (uint32_t)still->number, rgb, w, h);
    uint64_t diff = 0;
    for (uint32_t y = 0; y < still->height; y++)
        for (uint32_t x = 0; x < still->width; x++)
            for (int c = 0; c < 3; c++) {
                uint32_t sum = 0, n = 0;
                for (uint32_t sy = y * h / still->height; sy < (y + 1) * h / still->height; sy++)
                    for (uint32_t sx = x * w / still->width; sx < (x + 1) * w / still->width;
                         sx++, n++)
                        sum += rgb[((size_t)sy * w + sx) * 3 + (size_t)c];
                int want = (int)(sum / (n ? n : 1));
                diff += (uint64_t)abs(want - still->rgb[((size_t)y * still->width + x) * 3 + c]);
            }
    double mean = (double)diff / ((double)still->width * still->height * 3);
    if (mean > s->worst)
        s->worst = mean;
    free(rgb);
    s->count++;
    return VG_OK;
}

static void test_stills(void)
{
    size_t len;
    uint8_t *data = encode("matroska", "ffv1", "bgr0", 96, 72, 40, 25, 1, &len);
    vg_video_hasher *h = hasher(1);
    vg_video_source src = vg_video_source_memory(data, len);
    stills_seen seen = {0};
    vg_video_info info;
    vg_error err;
    CHECK(vg_video_stills(h, &src, "x", 6, 48, on_still, &seen, &info, &err) == VG_OK);
    CHECK_INT_EQ(info.frames_decoded, 40);
    CHECK_INT_EQ(seen.count, 6);
    CHECK_INT_EQ(seen.width, 48);
    CHECK_INT_EQ(seen.height, 36);
    /* spread over the whole video, in order, from its first frame */
    CHECK_INT_EQ(seen.numbers[0], 0);
    CHECK_MSG(seen.numbers[5] >= 30, "last still is frame %llu",
              (unsigned long long)seen.numbers[5]);
    for (unsigned i = 1; i < 6; i++)
        CHECK(seen.numbers[i] > seen.numbers[i - 1] + 3);
    CHECK_MSG(seen.worst < 6, "a still differs from its frame by %.1f on average", seen.worst);

    /* a short video gives what it has */
    size_t short_len;
    uint8_t *short_video = encode("matroska", "ffv1", "bgr0", 96, 72, 3, 25, 1, &short_len);
    src = vg_video_source_memory(short_video, short_len);
    memset(&seen, 0, sizeof seen);
    CHECK(vg_video_stills(h, &src, "x", 6, 200, on_still, &seen, NULL, &err) == VG_OK);
    CHECK_INT_EQ(seen.count, 3);
    CHECK(seen.numbers[0] == 0 && seen.numbers[1] == 1 && seen.numbers[2] == 2);
    CHECK_INT_EQ(seen.width, 96); /* never grown */

    /* a video stopped by a budget still shows what came before */
    vg_video_options o;
    vg_video_options_init(&o);
    o.limits.max_frames = 10;
    vg_video_hasher *bounded = NULL;
    CHECK(vg_video_hasher_new(&o, &bounded, &err) == VG_OK);
    src = vg_video_source_memory(data, len);
    memset(&seen, 0, sizeof seen);
    CHECK(vg_video_stills(bounded, &src, "x", 6, 48, on_still, &seen, NULL, &err) ==
          VG_ERR_TOO_LARGE);
    CHECK_INT_EQ(seen.count, 6);
    CHECK(seen.numbers[5] <= 10);
    vg_video_hasher_free(bounded);

    /* the callback stops it; the arguments are checked */
    src = vg_video_source_memory(data, len);
    memset(&seen, 0, sizeof seen);
    seen.stop_after = 2;
    CHECK(vg_video_stills(h, &src, "x", 6, 48, on_still, &seen, NULL, &err) == VG_ERR_ABORTED);
    CHECK_INT_EQ(seen.count, 2);
    CHECK(vg_video_stills(h, &src, "x", 0, 48, on_still, &seen, NULL, &err) == VG_ERR_INVALID);
    CHECK(vg_video_stills(h, &src, "x", 6, 0, on_still, &seen, NULL, &err) == VG_ERR_INVALID);
    /* and the hasher still hashes afterwards */
    vg_vpdq frames = VG_VPDQ_INIT;
    CHECK(hash_memory(h, data, len, &frames, NULL) == VG_OK);
    CHECK(frames.count > 0);
    vg_vpdq_free(&frames);
    vg_video_hasher_free(h);
    free(data);
    free(short_video);
}

static void test_sniff(void)
{
    static const struct {
        const char *container, *codec, *type;
    } videos[] = {{"mp4", "libx264", "video/mp4"},     {"matroska", "ffv1", "video/x-matroska"},
                  {"avi", "mpeg4", "video/x-msvideo"}, {"mpegts", "mpeg2video", "video/mp2t"},
                  {"flv", "flv", "video/x-flv"},       {"asf", "wmv2", "video/x-ms-asf"},
                  {"ogg", "libtheora", "video/ogg"},   {"mpeg", "mpeg2video", "video/mpeg"},
                  {"mov", "mjpeg", "video/quicktime"}};
    for (size_t i = 0; i < sizeof videos / sizeof *videos; i++) {
        size_t len;
        uint8_t *data =
            encode(videos[i].container, videos[i].codec,
                   strcmp(videos[i].codec, "mjpeg") ? NULL : "yuvj420p", 64, 48, 2, 25, 1, &len);
        CHECK_MSG(data && vg_video_sniff(data, len), "%s not recognised", videos[i].container);
        /* the first VG_VIDEO_SNIFF_BYTES are enough */
        const char *type =
            data
                ? vg_video_media_type(data, len < VG_VIDEO_SNIFF_BYTES ? len : VG_VIDEO_SNIFF_BYTES)
                : NULL;
        CHECK_MSG(type && !strcmp(type, videos[i].type), "%s: %s, want %s", videos[i].container,
                  type ? type : "(none)", videos[i].type);
        free(data);
    }
    static const uint8_t heic[] = "\0\0\0\x18"
                                  "ftypheic\0\0\0\0mif1heic";
    static const uint8_t jpeg[] = "\xFF\xD8\xFF\xE0\0\x10JFIF\0";
    static const uint8_t text[] = "frame_number,quality,pdq";
    CHECK(!vg_video_sniff(heic, sizeof heic - 1));
    CHECK(!vg_video_sniff(jpeg, sizeof jpeg - 1));
    CHECK(!vg_video_sniff(text, sizeof text - 1));
    CHECK(!vg_video_sniff((const uint8_t *)"G", 1));
}

int main(void)
{
    RUN(test_lossless_video_gives_the_pictures_pdq);
    RUN(test_lossy_video_stays_within_the_threshold);
    RUN(test_sampling_and_timestamps);
    RUN(test_every_source_gives_the_same_frames);
    RUN(test_callback_stops_hashing);
    RUN(test_stills);
    RUN(test_sniff);
    return vg_test_exit();
}

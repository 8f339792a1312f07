/*
 * vPDQ against the reference hasher's files in ../shared/testdata/vpdq:
 * every frame hashed (interval 0) must give the reference's line count,
 * frame numbers, qualities and timestamps (three decimals), and each PDQ
 * must be within 31 bits of the reference line (the reference's own
 * regression criterion); vigie aims at bit-exact frames and this test
 * requires at least 99 % of them. The distance distribution is printed.
 * Sampling every second must give the reference's lines for frames 0, 30,
 * 60, ... (the videos run at 30 frames per second).
 *
 * Exits 77 (skipped) when ../shared is absent.
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "vigie/vigie.h"

static const char *const videos[] = {"chair-19-sd-bar", "chair-22-sd-sepia-bar",
                                     "doorknob-hd-no-bar", "pattern-sd-grey-bar"};

static int distances[4096];
static size_t distance_count;

static int compare_int(const void *a, const void *b)
{
    return *(const int *)a - *(const int *)b;
}

/* The reference file as frames; the timestamps are compared as text. */
static bool load_reference(const char *path, vg_vpdq *out)
{
    vg_error err;
    vg_status st = vg_vpdq_load_file(path, 0, out, &err);
    CHECK_MSG(st == VG_OK, "%s", err.message);
    return st == VG_OK;
}

static void check_video(const char *dir, const char *name, vg_video_hasher *every_frame,
                        vg_video_hasher *every_second)
{
    char video_path[1024], hash_path[1024];
    snprintf(video_path, sizeof video_path, "%s/testdata/vpdq/videos/%s.mp4", dir, name);
    snprintf(hash_path, sizeof hash_path, "%s/testdata/vpdq/hashes/%s.txt", dir, name);
    vg_vpdq reference = VG_VPDQ_INIT, got = VG_VPDQ_INIT, sampled = VG_VPDQ_INIT;
    size_t len;
    uint8_t *data = vg_test_read_file(video_path, &len);
    CHECK_MSG(data != NULL, "cannot read %s", video_path);
    if (!data || !load_reference(hash_path, &reference))
        goto done;

    /* From memory, as the server hashes what the vault decrypts. */
    vg_video_source src = vg_video_source_memory(data, len);
    vg_video_info info;
    vg_error err;
    vg_status st = vg_video_hash_frames(every_frame, &src, name, &got, &info, &err);
    CHECK_MSG(st == VG_OK, "%s", err.message);
    CHECK_INT_EQ(got.count, reference.count);
    CHECK_INT_EQ(info.frames_decoded, reference.count);
    CHECK_INT_EQ(info.decode_errors, 0);
    size_t exact = 0, n = got.count < reference.count ? got.count : reference.count;
    for (size_t i = 0; i < n; i++) {
        const vg_vpdq_frame *a = &got.frames[i], *b = &reference.frames[i];
        char line_a[VG_VPDQ_LINE_MAX + 1], line_b[VG_VPDQ_LINE_MAX + 1];
        vg_vpdq_format_line(a, line_a);
        vg_vpdq_format_line(b, line_b);
        const char *ts_a = strrchr(line_a, ','), *ts_b = strrchr(line_b, ',');
        CHECK_MSG(a->number == b->number && strcmp(ts_a, ts_b) == 0,
                  "%s frame %zu: number/timestamp %s vs %s", name, i, line_a, line_b);
        int d = vg_pdq_distance(&a->hash, &b->hash);
        CHECK_MSG(d <= VG_PDQ_MATCH_THRESHOLD, "%s frame %zu: distance %d", name, i, d);
        CHECK_MSG(a->quality == b->quality, "%s frame %zu: quality %d vs %d", name, i,
                  a->quality, b->quality);
        exact += d == 0;
        if (distance_count < sizeof distances / sizeof *distances)
            distances[distance_count++] = d;
    }
    fprintf(stderr, "  %s: %zu frames, %zu bit-exact\n", name, n, exact);
    CHECK_MSG(exact * 100 >= n * 99, "%s: only %zu of %zu frames are bit-exact", name, exact, n);

    /* Every second: the reference's lines 0, 30, 60, ... */
    st = vg_video_hash_frames(every_second, &src, name, &sampled, &info, &err);
    CHECK_MSG(st == VG_OK, "%s", err.message);
    CHECK_INT_EQ(sampled.count, (reference.count + 29) / 30);
    for (size_t i = 0; i < sampled.count && 30 * i < reference.count; i++) {
        const vg_vpdq_frame *a = &sampled.frames[i], *b = &reference.frames[30 * i];
        CHECK_INT_EQ(a->number, b->number);
        CHECK(vg_pdq_distance(&a->hash, &b->hash) <= VG_PDQ_MATCH_THRESHOLD);
    }
done:
    free(data);
    vg_vpdq_free(&reference);
    vg_vpdq_free(&got);
    vg_vpdq_free(&sampled);
}

int main(void)
{
    const char *dir = vg_test_shared_dir();
    if (!dir) {
        fprintf(stderr, "../shared is absent: skipped\n");
        return VG_TEST_SKIP;
    }
    vg_video_options every_frame, every_second;
    vg_video_options_init(&every_frame);
    every_frame.interval = 0;
    vg_video_options_init(&every_second);
    vg_video_hasher *h0 = NULL, *h1 = NULL;
    vg_error err;
    CHECK(vg_video_hasher_new(&every_frame, &h0, &err) == VG_OK);
    CHECK(vg_video_hasher_new(&every_second, &h1, &err) == VG_OK);
    if (!h0 || !h1)
        return vg_test_exit();
    for (size_t i = 0; i < sizeof videos / sizeof *videos; i++)
        check_video(dir, videos[i], h0, h1);
    vg_video_hasher_free(h0);
    vg_video_hasher_free(h1);

    if (distance_count) {
        qsort(distances, distance_count, sizeof *distances, compare_int);
        fprintf(stderr,
                "PDQ distance to the reference over %zu frames: median %d, 95th percentile %d, "
                "maximum %d\n",
                distance_count, distances[distance_count / 2],
                distances[distance_count * 95 / 100], distances[distance_count - 1]);
    }
    return vg_test_exit();
}

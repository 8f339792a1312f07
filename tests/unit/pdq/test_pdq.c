/*
 * test_pdq - the PDQ module without test data: hash helpers, the streaming
 * pipeline against an independent whole-image model of the algorithm
 * (pdq_model.h) on many shapes, degenerate images, misuse of the stream,
 * reuse and threads.
 */
#include <malloc.h>
#include <math.h>
#include <pthread.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define VG_TEST_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(VG_TEST_ASAN)
#define VG_TEST_ASAN 1
#endif
#ifdef VG_TEST_ASAN
#include <sanitizer/allocator_interface.h>
#endif

#include "pdq_model.h"
#include "pdq_test_util.h"

/* The model (pdq_model.h) is written from the algorithm, sharing no code
 * with the library; known/ checks it against the reference's outputs. */
static void model_hash(const test_image *img, vg_pdq_result *out)
{
    model_pdq(img->pixels, img->width, img->height, (size_t)img->width * img->layout,
              img->layout, out);
}

static int results_equal(const vg_pdq_result *a, const vg_pdq_result *b)
{
    return a->quality == b->quality && memcmp(a->hashes, b->hashes, sizeof a->hashes) == 0;
}

/* The streaming pipeline (vector lanes, rings, sampled second pass) gives
 * exactly the whole-image result, on shapes that exercise every path:
 * window 1, heights below and above the vector threshold, exactly 64x64,
 * sides shorter than the grid, odd windows. */
static void test_matches_model(void)
{
    static const uint32_t shapes[][2] = {
        {5, 5},     {6, 31},   {31, 6},   {7, 33},    {64, 64},  {64, 65},  {65, 64},
        {63, 63},   {128, 17}, {17, 128}, {129, 129}, {200, 40}, {40, 200}, {300, 257},
        {257, 300}, {511, 97}, {97, 511}, {1000, 24}, {24, 1000}};
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        test_image img = synthetic_image(shapes[i][0], shapes[i][1], (uint32_t)i + 1);
        vg_pdq_result got, want;
        CHECK_INT_EQ(hash_image(&img, true, &got), VG_OK);
        model_hash(&img, &want);
        CHECK_MSG(results_equal(&got, &want), "%ux%u differs from the model", img.width,
                  img.height);
        free(img.pixels);
    }
}

/* --- hash helpers ----------------------------------------------------- */

static void test_hex_round_trip(void)
{
    const char *hex = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";
    vg_pdq_hash h;
    CHECK_INT_EQ(vg_pdq_from_hex(hex, &h), VG_OK);
    CHECK_INT_EQ(h.bytes[0], 0xf8);
    CHECK_INT_EQ(h.bytes[31], 0x22);
    char back[VG_PDQ_HEX_CHARS + 1];
    vg_pdq_to_hex(&h, back);
    CHECK_STR_EQ(back, hex);

    vg_pdq_hash upper;
    CHECK_INT_EQ(vg_pdq_from_hex("F8F8F0CEE0F4A84F06370A22038F63F0B36E2ED596621E1D33E6B39C4E9C9B22",
                                 &upper),
                 VG_OK);
    CHECK(hash_equal(&upper, &h));
}

static void test_hex_rejects_bad_input(void)
{
    vg_pdq_hash h;
    memset(&h, 0xab, sizeof h);
    vg_pdq_hash before = h;
    const char *bad[] = {
        "",
        "f8f8",
        "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b2",   /* 63 */
        "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b220", /* 65 */
        "g8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22",
        "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b2 ",
        " f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22",
        "0xf8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_MSG(vg_pdq_from_hex(bad[i], &h) == VG_ERR_INVALID, "accepted \"%s\"", bad[i]);
    CHECK_INT_EQ(vg_pdq_from_hex(NULL, &h), VG_ERR_INVALID);
    CHECK(hash_equal(&h, &before)); /* untouched on failure */
}

static void test_distance(void)
{
    vg_pdq_hash a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    CHECK_INT_EQ(vg_pdq_distance(&a, &b), 0);
    b.bytes[0] = 0x81;
    b.bytes[31] = 0xff;
    CHECK_INT_EQ(vg_pdq_distance(&a, &b), 10);
    CHECK_INT_EQ(vg_pdq_distance(&b, &a), 10);
    memset(&b, 0xff, sizeof b);
    CHECK_INT_EQ(vg_pdq_distance(&a, &b), 256);
}

static void test_dihedral_names(void)
{
    CHECK_STR_EQ(vg_pdq_dihedral_name(VG_PDQ_ORIGINAL), "pdq");
    CHECK_STR_EQ(vg_pdq_dihedral_name(VG_PDQ_ROT90), "pdq_rot90");
    CHECK_STR_EQ(vg_pdq_dihedral_name(VG_PDQ_FLIP_PLUS1), "pdq_flip_plus1");
    CHECK_STR_EQ(vg_pdq_dihedral_name(VG_PDQ_FLIP_MINUS1), "pdq_flip_minus1");
    CHECK_STR_EQ(vg_pdq_dihedral_name(VG_PDQ_DIHEDRAL_COUNT), "unknown");
}

/* --- dihedral variants against really transformed pixels -------------- */

static test_image transform(const test_image *src, int which)
{
    /* which: 0 a clockwise quarter turn, 1 a left-right mirror. */
    uint32_t w = src->width, h = src->height;
    test_image dst = {which == 0 ? h : w, which == 0 ? w : h, src->layout,
                      malloc((size_t)w * h * src->layout)};
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++) {
            uint32_t dx = which == 0 ? h - 1 - y : w - 1 - x;
            uint32_t dy = which == 0 ? x : y;
            memcpy(dst.pixels + ((size_t)dy * dst.width + dx) * src->layout,
                   src->pixels + ((size_t)y * w + x) * src->layout, src->layout);
        }
    return dst;
}

static void test_dihedral_follow_pixels(void)
{
    /* At 320x320 the box windows (3) and the sample positions are
     * symmetric, so a transformed image hashes to the matching variant of
     * the original up to float rounding. The reference's "rot90" is a
     * quarter turn counter-clockwise, so a clockwise turn is "rot270", and
     * "flipy" mirrors about the vertical axis (left-right). */
    enum { SIDE = 320 };
    test_image img = {SIDE, SIDE, VG_PIXEL_RGB8, malloc(SIDE * SIDE * 3)};
    for (uint32_t y = 0; y < SIDE; y++)
        for (uint32_t x = 0; x < SIDE; x++) {
            /* smooth, asymmetric shapes: a stable hash */
            double v = 120 + 60 * sin(x * 0.031 + 0.4) * cos(y * 0.017) + (x > y ? 40 : 0) +
                       ((x - 60) * (x - 60) + (y - 180) * (y - 180) < 900 ? 50 : 0);
            uint8_t *p = img.pixels + (y * SIDE + x) * 3;
            p[0] = p[1] = p[2] = (uint8_t)v;
        }
    vg_pdq_result orig;
    CHECK_INT_EQ(hash_image(&img, true, &orig), VG_OK);
    int d_turn = -1, d_mirror = -1;
    for (int which = 0; which < 2; which++) {
        test_image t = transform(&img, which);
        vg_pdq_result r;
        CHECK_INT_EQ(hash_image(&t, false, &r), VG_OK);
        vg_pdq_dihedral variant = which == 0 ? VG_PDQ_ROT270 : VG_PDQ_FLIPY;
        int d = vg_pdq_distance(&r.hashes[0], &orig.hashes[variant]);
        if (which == 0)
            d_turn = d;
        else
            d_mirror = d;
        free(t.pixels);
    }
    CHECK_MSG(d_turn >= 0 && d_turn <= 8, "rot270 variant is %d bits from the rotated image", d_turn);
    CHECK_MSG(d_mirror >= 0 && d_mirror <= 8, "flipy variant is %d bits from the mirrored image", d_mirror);
    free(img.pixels);
}

/* --- degenerate images ------------------------------------------------- */

static void test_tiny_images(void)
{
    static const uint32_t shapes[][2] = {{1, 1}, {4, 4}, {1, 1000}, {1000, 1}, {4, 300},
                                         {300, 4}};
    vg_pdq_hash zero;
    memset(&zero, 0, sizeof zero);
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        test_image img = synthetic_image(shapes[i][0], shapes[i][1], 3);
        vg_pdq_result r;
        CHECK_INT_EQ(hash_image(&img, true, &r), VG_OK);
        CHECK_INT_EQ(r.quality, 0);
        for (int d = 0; d < VG_PDQ_DIHEDRAL_COUNT; d++)
            CHECK(hash_equal(&r.hashes[d], &zero));
        free(img.pixels);
    }
    /* The smallest hashable image has a real hash. */
    test_image img = synthetic_image(5, 5, 3);
    vg_pdq_result r;
    CHECK_INT_EQ(hash_image(&img, false, &r), VG_OK);
    CHECK(!hash_equal(&r.hashes[0], &zero));
    free(img.pixels);
}

static void test_flat_image(void)
{
    /* A uniform image has no gradient: quality 0, no error. */
    test_image img = {300, 200, VG_PIXEL_GRAY8, malloc(300 * 200)};
    memset(img.pixels, 128, 300 * 200);
    vg_pdq_result r;
    CHECK_INT_EQ(hash_image(&img, true, &r), VG_OK);
    CHECK_INT_EQ(r.quality, 0);
    free(img.pixels);
}

static void test_rejects_bad_arguments(void)
{
    uint8_t px[16] = {0};
    vg_pdq_result r;
    vg_error err;
    CHECK_INT_EQ(vg_pdq_from_pixels(px, 0, 5, 0, VG_PIXEL_RGB8, false, &r, &err), VG_ERR_INVALID);
    CHECK(strlen(err.message) > 0);
    CHECK_INT_EQ(vg_pdq_from_pixels(px, 5, 0, 15, VG_PIXEL_RGB8, false, &r, &err),
                 VG_ERR_INVALID);
    CHECK_INT_EQ(vg_pdq_from_pixels(NULL, 1, 1, 3, VG_PIXEL_RGB8, false, &r, &err),
                 VG_ERR_INVALID);
    CHECK_INT_EQ(vg_pdq_from_pixels(px, 1, 1, 3, VG_PIXEL_RGB8, false, NULL, &err),
                 VG_ERR_INVALID);
    CHECK_INT_EQ(vg_pdq_from_pixels(px, 2, 2, 5, VG_PIXEL_RGB8, false, &r, &err),
                 VG_ERR_INVALID); /* stride shorter than a row */
    CHECK_INT_EQ(vg_pdq_from_pixels(px, 2, 2, 2, (vg_pixel_layout)2, false, &r, &err),
                 VG_ERR_INVALID);
    CHECK_INT_EQ(vg_pdq_from_pixels(px, 1, 1, 3, VG_PIXEL_RGB8, false, &r, NULL), VG_OK);
}

/* --- streams ---------------------------------------------------------- */

static vg_status stream_hash(vg_pdq_stream *s, const test_image *img, vg_pdq_result *out)
{
    vg_row_sink sink = vg_pdq_stream_sink(s);
    vg_image_info info = {.width = img->width, .height = img->height, .layout = img->layout};
    vg_error err;
    vg_status st = sink.begin(sink.user, &info, &err);
    size_t stride = (size_t)img->width * img->layout;
    for (uint32_t y = 0; st == VG_OK && y < img->height; y++)
        st = sink.row(sink.user, y, img->pixels + y * stride, &err);
    if (st == VG_OK)
        st = vg_pdq_stream_finish(s, out, &err);
    return st;
}

static void test_stream_reuse(void)
{
    vg_pdq_stream *s = NULL;
    CHECK_INT_EQ(vg_pdq_stream_new(true, &s, NULL), VG_OK);
    if (!s)
        return;
    /* Large, then smaller (buffers kept), then larger (buffers grown), then
     * the first again: each equals a fresh one-shot hash. */
    static const uint32_t shapes[][2] = {{400, 300}, {120, 90}, {20, 700}, {900, 350}, {400, 300}};
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        test_image img = synthetic_image(shapes[i][0], shapes[i][1], 11);
        vg_pdq_result streamed, fresh;
        CHECK_INT_EQ(stream_hash(s, &img, &streamed), VG_OK);
        CHECK_INT_EQ(hash_image(&img, true, &fresh), VG_OK);
        CHECK_MSG(results_equal(&streamed, &fresh), "reuse %zu differs", i);
        CHECK(streamed.has_dihedral);
        vg_pdq_stream_reset(s);
        free(img.pixels);
    }
    vg_pdq_stream_free(s);
    vg_pdq_stream_free(NULL);
}

static void test_stream_misuse(void)
{
    vg_pdq_stream *s = NULL;
    CHECK_INT_EQ(vg_pdq_stream_new(false, &s, NULL), VG_OK);
    if (!s)
        return;
    vg_row_sink sink = vg_pdq_stream_sink(s);
    vg_error err;
    vg_pdq_result r;
    uint8_t row[3 * 40] = {0};
    vg_image_info info = {.width = 40, .height = 40, .layout = VG_PIXEL_RGB8};

    /* finish before begin; row before begin */
    CHECK_INT_EQ(vg_pdq_stream_finish(s, &r, &err), VG_ERR_INVALID);
    CHECK_INT_EQ(sink.row(sink.user, 0, row, &err), VG_ERR_INVALID);
    vg_pdq_stream_reset(s);

    /* out-of-order row */
    CHECK_INT_EQ(sink.begin(sink.user, &info, &err), VG_OK);
    CHECK_INT_EQ(sink.row(sink.user, 1, row, &err), VG_ERR_INVALID);
    CHECK(strstr(err.message, "row") != NULL);
    CHECK_INT_EQ(vg_pdq_stream_finish(s, &r, &err), VG_ERR_INVALID);
    vg_pdq_stream_reset(s);

    /* too few rows */
    CHECK_INT_EQ(sink.begin(sink.user, &info, &err), VG_OK);
    for (uint32_t y = 0; y < 10; y++)
        CHECK_INT_EQ(sink.row(sink.user, y, row, &err), VG_OK);
    CHECK_INT_EQ(vg_pdq_stream_finish(s, &r, &err), VG_ERR_CORRUPT);
    vg_pdq_stream_reset(s);

    /* too many rows, and a second begin without reset */
    CHECK_INT_EQ(sink.begin(sink.user, &info, &err), VG_OK);
    for (uint32_t y = 0; y < 40; y++)
        CHECK_INT_EQ(sink.row(sink.user, y, row, &err), VG_OK);
    CHECK_INT_EQ(sink.row(sink.user, 40, row, &err), VG_ERR_INVALID);
    vg_pdq_stream_reset(s);
    CHECK_INT_EQ(sink.begin(sink.user, &info, &err), VG_OK);
    CHECK_INT_EQ(sink.begin(sink.user, &info, &err), VG_ERR_INVALID);
    vg_pdq_stream_reset(s);

    /* zero-sized and unknown layouts */
    vg_image_info empty = {.width = 0, .height = 10, .layout = VG_PIXEL_RGB8};
    CHECK_INT_EQ(sink.begin(sink.user, &empty, &err), VG_ERR_INVALID);
    vg_pdq_stream_reset(s);
    vg_image_info odd = {.width = 10, .height = 10, .layout = (vg_pixel_layout)4};
    CHECK_INT_EQ(sink.begin(sink.user, &odd, &err), VG_ERR_INVALID);
    vg_pdq_stream_reset(s);

    /* and after all that, it still hashes correctly */
    test_image img = synthetic_image(40, 40, 5);
    vg_pdq_result streamed, fresh;
    CHECK_INT_EQ(stream_hash(s, &img, &streamed), VG_OK);
    CHECK_INT_EQ(hash_image(&img, false, &fresh), VG_OK);
    CHECK(results_equal(&streamed, &fresh));
    free(img.pixels);
    vg_pdq_stream_free(s);
}

/* Bytes of heap in use now, as the allocator itself counts them (not as
 * the stream says it allocated): ASan's allocator in the sanitizer build,
 * glibc's otherwise (small blocks and mmap'd large ones). */
static size_t heap_in_use(void)
{
#ifdef VG_TEST_ASAN
    return __sanitizer_get_current_allocated_bytes();
#else
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
#endif
}

/* The stream's memory stays far below the reference's ~11 bytes per pixel:
 * at most 6 for any shape of a megapixel or more, and a few hundredths for
 * photographs. Measured on the heap around the whole hash (new, begin,
 * every row, finish), at its highest. */
static void test_memory_bound(void)
{
    static const uint32_t shapes[][2] = {{1000, 1000}, {4000, 3000}, {8000, 6000}, {200000, 5},
                                         {5, 200000},  {100000, 63}, {16384, 64},  {64, 16384},
                                         {1000000, 1}, {30000, 40}};
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        uint32_t w = shapes[i][0], h = shapes[i][1];
        uint8_t *row = malloc((size_t)w * 3);
        for (size_t x = 0; x < (size_t)w * 3; x++)
            row[x] = (uint8_t)(x * 37 + x / 7);
        size_t before = heap_in_use(), peak = before;
        vg_pdq_stream *s = NULL;
        CHECK_INT_EQ(vg_pdq_stream_new(true, &s, NULL), VG_OK);
        if (!s) {
            free(row);
            continue;
        }
        vg_row_sink sink = vg_pdq_stream_sink(s);
        vg_image_info info = {.width = w, .height = h, .layout = VG_PIXEL_RGB8};
        vg_status st = sink.begin(sink.user, &info, NULL);
        CHECK_INT_EQ(st, VG_OK);
        size_t now = heap_in_use();
        peak = now > peak ? now : peak;
        for (uint32_t y = 0; st == VG_OK && y < h; y++) {
            row[y % ((size_t)w * 3)] ^= 0x5A; /* rows differ */
            st = sink.row(sink.user, y, row, NULL);
            if (y % 64 == 0 || y + 1 == h) {
                now = heap_in_use();
                peak = now > peak ? now : peak;
            }
        }
        vg_pdq_result result;
        CHECK_INT_EQ(st == VG_OK ? vg_pdq_stream_finish(s, &result, NULL) : st, VG_OK);
        now = heap_in_use();
        peak = now > peak ? now : peak;
        vg_pdq_stream_free(s);
        free(row);
        double pixels = (double)w * h;
        double per_pixel = (double)(peak - before) / pixels;
        CHECK_MSG(peak > before, "%ux%u: no allocation measured", w, h);
        CHECK_MSG(per_pixel <= 6.0, "%ux%u: %.2f bytes per pixel", w, h, per_pixel);
        if (w >= 1000 && h >= 1000)
            CHECK_MSG(per_pixel < 0.2, "%ux%u: %.3f bytes per pixel", w, h, per_pixel);
    }
}

/* --- layouts and strides ---------------------------------------------- */

static void test_gray_equals_rgb(void)
{
    test_image rgb = synthetic_image(333, 222, 9);
    size_t n = (size_t)rgb.width * rgb.height;
    test_image gray = {rgb.width, rgb.height, VG_PIXEL_GRAY8, malloc(n)};
    for (size_t i = 0; i < n; i++) {
        uint8_t v = rgb.pixels[3 * i];
        gray.pixels[i] = v;
        rgb.pixels[3 * i + 1] = rgb.pixels[3 * i + 2] = v;
    }
    vg_pdq_result a, b;
    CHECK_INT_EQ(hash_image(&rgb, true, &a), VG_OK);
    CHECK_INT_EQ(hash_image(&gray, true, &b), VG_OK);
    CHECK(results_equal(&a, &b));
    free(rgb.pixels);
    free(gray.pixels);
}

static void test_padded_stride(void)
{
    test_image img = synthetic_image(150, 80, 4);
    size_t row = (size_t)img.width * 3, stride = row + 13;
    uint8_t *padded = malloc(stride * img.height);
    memset(padded, 0xee, stride * img.height);
    for (uint32_t y = 0; y < img.height; y++)
        memcpy(padded + y * stride, img.pixels + y * row, row);
    vg_pdq_result a, b;
    CHECK_INT_EQ(hash_image(&img, false, &a), VG_OK);
    CHECK_INT_EQ(vg_pdq_from_pixels(padded, img.width, img.height, stride, VG_PIXEL_RGB8, false,
                                    &b, NULL),
                 VG_OK);
    CHECK(results_equal(&a, &b));
    free(padded);
    free(img.pixels);
}

/* --- threads ---------------------------------------------------------- */

#define THREADS 4
static test_image thread_images[3];

static void *thread_main(void *arg)
{
    vg_pdq_result *results = arg;
    for (int round = 0; round < 3; round++)
        for (int i = 0; i < 3; i++)
            if (hash_image(&thread_images[i], true, &results[i]) != VG_OK)
                results[i].quality = -1;
    return NULL;
}

static void test_threads(void)
{
    thread_images[0] = synthetic_image(640, 480, 21);
    thread_images[1] = synthetic_image(97, 301, 22);
    thread_images[2] = synthetic_image(1024, 33, 23);
    vg_pdq_result expected[3], got[THREADS][3];
    for (int i = 0; i < 3; i++)
        CHECK_INT_EQ(hash_image(&thread_images[i], true, &expected[i]), VG_OK);
    pthread_t tids[THREADS];
    for (int t = 0; t < THREADS; t++)
        CHECK_INT_EQ(pthread_create(&tids[t], NULL, thread_main, got[t]), 0);
    for (int t = 0; t < THREADS; t++)
        pthread_join(tids[t], NULL);
    for (int t = 0; t < THREADS; t++)
        for (int i = 0; i < 3; i++)
            CHECK_MSG(results_equal(&got[t][i], &expected[i]), "thread %d image %d differs", t,
                      i);
    for (int i = 0; i < 3; i++)
        free(thread_images[i].pixels);
}

int main(void)
{
    RUN(test_matches_model);
    RUN(test_hex_round_trip);
    RUN(test_hex_rejects_bad_input);
    RUN(test_distance);
    RUN(test_dihedral_names);
    RUN(test_dihedral_follow_pixels);
    RUN(test_tiny_images);
    RUN(test_flat_image);
    RUN(test_rejects_bad_arguments);
    RUN(test_stream_reuse);
    RUN(test_stream_misuse);
    RUN(test_memory_bound);
    RUN(test_gray_equals_rgb);
    RUN(test_padded_stride);
    RUN(test_threads);
    return vg_test_exit();
}

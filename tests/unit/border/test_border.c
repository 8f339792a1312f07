/*
 * test_border - sketches (vigie/sketch.h) and bars around pictures
 * (vigie/border.h): block averages checked against their definition, bars
 * of known size found exactly, and the trimmed PDQ of a barred photo
 * against the reference PDQ of the photo.
 */
#include "../patch/robust_test_util.h"

/* A busy texture: no row or column of it is flat. */
static rgb_image texture(uint32_t w, uint32_t h, uint32_t seed)
{
    rgb_image im = rgb_new(w, h);
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++) {
            uint32_t v = (x * 2654435761u) ^ (y * 2246822519u) ^ seed;
            v ^= v >> 15;
            v *= 2246822519u;
            v ^= v >> 13;
            uint8_t *p = im.px + ((size_t)y * w + x) * 3;
            p[0] = (uint8_t)v;
            p[1] = (uint8_t)(v >> 8);
            p[2] = (uint8_t)((x + y) * 3);
        }
    return im;
}

static bool sketch_of(const rgb_image *im, vg_sketch **sketch, vg_sketch_image *t)
{
    return vg_sketch_from_pixels(im->px, im->w, im->h, (size_t)im->w * 3, VG_PIXEL_RGB8, sketch, t,
                                NULL) == VG_OK;
}

/* 2x2 blocks of one colour each reduce to exactly those colours. */
static void test_sketch_block_means(void)
{
    const uint32_t w = 2 * VG_SKETCH_SIDE, h = 3 * VG_SKETCH_SIDE / 2;
    rgb_image im = rgb_new(w, h);
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++) {
            uint8_t *p = im.px + ((size_t)y * w + x) * 3;
            p[0] = (uint8_t)(x / 2);
            p[1] = (uint8_t)(y / 2);
            p[2] = (uint8_t)((x / 2 + y / 2) * 7);
        }
    vg_sketch *sketch;
    vg_sketch_image t;
    CHECK(sketch_of(&im, &sketch, &t));
    CHECK_INT_EQ(t.width, w / 2);
    CHECK_INT_EQ(t.height, h / 2);
    CHECK_INT_EQ(t.src_width, w);
    int wrong = 0;
    for (uint32_t j = 0; j < h / 2; j++)
        for (uint32_t i = 0; i < w / 2; i++) {
            const uint8_t *p = t.rgb + ((size_t)j * (w / 2) + i) * 3;
            wrong += p[0] != (uint8_t)i || p[1] != (uint8_t)j || p[2] != (uint8_t)((i + j) * 7);
        }
    CHECK_INT_EQ(wrong, 0);
    vg_sketch_free(sketch);
    free(im.px);
}

/* Uneven blocks: each output pixel is the rounded mean of the input pixels
 * x with floor(x * tw / W) == i (and the same for rows), computed here
 * straight from that definition. */
static void test_sketch_uneven_blocks(void)
{
    rgb_image im = texture(2 * VG_SKETCH_SIDE - 24, 37, 5);
    vg_sketch *sketch;
    vg_sketch_image t;
    CHECK(sketch_of(&im, &sketch, &t));
    CHECK_INT_EQ(t.width, VG_SKETCH_SIDE);
    /* round(37 * side / (2 side - 24)): 19 for any side of hundreds */
    CHECK_INT_EQ(t.height, 19);
    uint64_t *sum = calloc((size_t)t.width * t.height * 4, sizeof *sum);
    for (uint32_t y = 0; y < im.h; y++)
        for (uint32_t x = 0; x < im.w; x++) {
            size_t cell = (size_t)((uint64_t)y * t.height / im.h) * t.width +
                          (size_t)((uint64_t)x * t.width / im.w);
            for (int c = 0; c < 3; c++)
                sum[cell * 4 + (size_t)c] += im.px[((size_t)y * im.w + x) * 3 + (size_t)c];
            sum[cell * 4 + 3]++;
        }
    int wrong = 0;
    for (size_t cell = 0; cell < (size_t)t.width * t.height; cell++)
        for (int c = 0; c < 3; c++) {
            uint64_t n = sum[cell * 4 + 3];
            wrong += n == 0 || t.rgb[cell * 3 + (size_t)c] != (sum[cell * 4 + (size_t)c] + n / 2) / n;
        }
    free(sum);
    CHECK_INT_EQ(wrong, 0);
    vg_sketch_free(sketch);
    free(im.px);
}

static void test_sketch_small_and_grey(void)
{
    rgb_image im = texture(300, 200, 9);
    vg_sketch *sketch;
    vg_sketch_image t;
    CHECK(sketch_of(&im, &sketch, &t));
    CHECK_INT_EQ(t.width, 300);
    CHECK_INT_EQ(t.height, 200);
    CHECK(memcmp(t.rgb, im.px, (size_t)300 * 200 * 3) == 0);
    vg_sketch_free(sketch);
    free(im.px);

    uint8_t grey[40 * 30];
    for (size_t i = 0; i < sizeof grey; i++)
        grey[i] = (uint8_t)(i * 13);
    CHECK(vg_sketch_from_pixels(grey, 40, 30, 40, VG_PIXEL_GRAY8, &sketch, &t, NULL) == VG_OK);
    int wrong = 0;
    for (size_t i = 0; i < sizeof grey; i++)
        for (int c = 0; c < 3; c++)
            wrong += t.rgb[i * 3 + c] != grey[i];
    CHECK_INT_EQ(wrong, 0);
    vg_sketch_free(sketch);
}

static void test_sketch_refuses_bad_rows(void)
{
    vg_sketch *sketch;
    CHECK(vg_sketch_new(&sketch, NULL) == VG_OK);
    vg_row_sink sink = vg_sketch_sink(sketch);
    vg_image_info info = {.width = 4, .height = 3, .layout = VG_PIXEL_RGB8};
    uint8_t row[12] = {0};
    vg_error err;
    CHECK(sink.begin(sink.user, &info, &err) == VG_OK);
    CHECK(sink.row(sink.user, 1, row, &err) != VG_OK); /* row 0 expected */
    vg_sketch_image t;
    CHECK(vg_sketch_finish(sketch, &t, &err) != VG_OK);
    vg_sketch_reset(sketch);
    CHECK(sink.begin(sink.user, &info, &err) == VG_OK);
    CHECK(sink.row(sink.user, 0, row, &err) == VG_OK);
    CHECK(vg_sketch_finish(sketch, &t, &err) != VG_OK); /* two rows missing */
    vg_sketch_free(sketch);
}

static void check_box(const rgb_image *im, vg_border_box want, bool want_found)
{
    vg_sketch *sketch;
    vg_sketch_image t;
    CHECK(sketch_of(im, &sketch, &t));
    vg_border_box box;
    bool found = vg_border_find(&t, &box);
    CHECK_INT_EQ(found, want_found);
    CHECK_MSG(box.x0 == want.x0 && box.y0 == want.y0 && box.x1 == want.x1 && box.y1 == want.y1,
              "box [%u,%u)x[%u,%u), want [%u,%u)x[%u,%u)", box.x0, box.x1, box.y0, box.y1,
              want.x0, want.x1, want.y0, want.y1);
    vg_sketch_free(sketch);
}

static void test_bars_found_exactly(void)
{
    rgb_image pic = texture(300, 200, 1);
    static const uint8_t black[3] = {0, 0, 0}, white[3] = {255, 255, 255},
                         blue[3] = {40, 77, 143};
    rgb_image a = rgb_bars(&pic, 40, 40, 0, 0, black, 0); /* letterbox */
    check_box(&a, (vg_border_box){0, 40, 300, 240}, true);
    rgb_image b = rgb_bars(&pic, 0, 0, 50, 50, white, 8); /* noisy pillarbox */
    check_box(&b, (vg_border_box){50, 0, 350, 200}, true);
    rgb_image c = rgb_bars(&pic, 0, 25, 0, 0, blue, 0); /* one side */
    check_box(&c, (vg_border_box){0, 0, 300, 200}, true);
    rgb_image d = rgb_bars(&pic, 12, 12, 12, 12, black, 0); /* frame */
    check_box(&d, (vg_border_box){12, 12, 312, 212}, true);
    /* A screenshot: a thin dark line inside a wide light frame. */
    static const uint8_t dark[3] = {30, 30, 30}, light[3] = {235, 235, 235};
    rgb_image e1 = rgb_bars(&pic, 2, 2, 2, 2, dark, 0);
    rgb_image e = rgb_bars(&e1, 30, 10, 10, 10, light, 3);
    check_box(&e, (vg_border_box){12, 32, 312, 232}, true);
    /* Top bar white, side bars black: rows are flat once the thin side
     * bars are ignored (under 5 % of a row). */
    rgb_image f1 = rgb_bars(&pic, 0, 0, 6, 6, black, 0);
    rgb_image f = rgb_bars(&f1, 30, 0, 0, 0, white, 0);
    check_box(&f, (vg_border_box){6, 30, 306, 230}, true);
    check_box(&pic, (vg_border_box){0, 0, 300, 200}, false);
    free(pic.px), free(a.px), free(b.px), free(c.px), free(d.px), free(e1.px), free(e.px);
    free(f1.px), free(f.px);
}

static void test_gradient_bar(void)
{
    rgb_image pic = texture(200, 150, 2);
    static const uint8_t black[3] = {0, 0, 0};
    rgb_image im = rgb_bars(&pic, 60, 0, 0, 0, black, 0);
    for (uint32_t y = 0; y < 60; y++) /* each row one shade, darker to lighter */
        memset(im.px + (size_t)y * im.w * 3, (int)(y * 2), (size_t)im.w * 3);
    check_box(&im, (vg_border_box){0, 60, 200, 210}, true);
    free(pic.px), free(im.px);
}

static void test_flat_picture_not_trimmed(void)
{
    rgb_image im = rgb_new(120, 80);
    memset(im.px, 90, (size_t)120 * 80 * 3);
    check_box(&im, (vg_border_box){0, 0, 120, 80}, false);
    /* A picture narrower than VG_BORDER_MIN_KEEP of its frame is not a
     * picture in bars either. */
    rgb_image pic = texture(8, 80, 3);
    static const uint8_t black[3] = {0, 0, 0};
    rgb_image thin = rgb_bars(&pic, 0, 0, 60, 60, black, 0);
    check_box(&thin, (vg_border_box){0, 0, 128, 80}, false);
    free(im.px), free(pic.px), free(thin.px);
}

/* The published PDQ of the bridge photo (shared reference.csv). */
static const char bridge_pdq[] =
    "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";

static void test_trimmed_pdq_of_barred_photo(void)
{
    rgb_image photo = rgb_load_shared("bridge-1-original.jpg");
    if (!photo.px) {
        fprintf(stderr, "skipped: shared images absent\n");
        return;
    }
    vg_pdq_hash want;
    CHECK(vg_pdq_from_hex(bridge_pdq, &want) == VG_OK);
    static const uint8_t black[3] = {0, 0, 0}, grey[3] = {128, 128, 128};
    struct {
        uint32_t top, bottom, left, right;
        const uint8_t *colour;
        int noise;
    } cases[] = {{120, 0, 0, 0, black, 0},   {100, 100, 0, 0, black, 6},
                 {0, 0, 200, 200, grey, 0},  {60, 60, 60, 60, black, 0},
                 {0, 300, 0, 0, grey, 10}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        rgb_image im = rgb_bars(&photo, cases[i].top, cases[i].bottom, cases[i].left,
                                cases[i].right, cases[i].colour, cases[i].noise);
        vg_pdq_result canonical;
        CHECK(vg_pdq_from_pixels(im.px, im.w, im.h, (size_t)im.w * 3, VG_PIXEL_RGB8, false,
                                 &canonical, NULL) == VG_OK);
        robust_signals s;
        CHECK(robust_of(&im, &s) == VG_OK);
        CHECK_MSG(s.trimmed, "case %zu: no bars found", i);
        int d = vg_pdq_distance(&s.trimmed_pdq.hashes[0], &want);
        CHECK_MSG(d <= VG_PDQ_MATCH_THRESHOLD, "case %zu: trimmed PDQ %d bits away", i, d);
        fprintf(stderr, "note: bars case %zu: canonical %d bits, trimmed %d bits\n", i,
                vg_pdq_distance(&canonical.hashes[0], &want), d);
        free(im.px);
    }
    free(photo.px);
}

int main(void)
{
    RUN(test_sketch_block_means);
    RUN(test_sketch_uneven_blocks);
    RUN(test_sketch_small_and_grey);
    RUN(test_sketch_refuses_bad_rows);
    RUN(test_bars_found_exactly);
    RUN(test_gradient_bar);
    RUN(test_flat_picture_not_trimmed);
    RUN(test_trimmed_pdq_of_barred_photo);
    return vg_test_exit();
}

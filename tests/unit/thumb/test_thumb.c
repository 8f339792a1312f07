/*
 * Thumbnails: bounded in size, grey when asked, measurably blurred when
 * asked (sharp edges smoothed), never larger than the picture, and a clear
 * refusal for what is not a picture.
 */
#include "harness.h"
#include "vigie/image.h"
#include "vigie/thumb.h"

/* A w x h checkerboard of 8-pixel squares as a binary PGM (P5). */
static uint8_t *board(uint32_t w, uint32_t h, size_t *len)
{
    char head[32];
    int n = snprintf(head, sizeof head, "P5\n%u %u\n255\n", w, h);
    *len = (size_t)n + (size_t)w * h;
    uint8_t *p = malloc(*len);
    memcpy(p, head, (size_t)n);
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++)
            p[(size_t)n + (size_t)y * w + x] = ((x / 8 + y / 8) % 2) ? 255 : 0;
    return p;
}

/* The largest step between horizontal neighbours of a grey picture. */
static int largest_step(const vg_image *img)
{
    int most = 0;
    for (uint32_t y = 0; y < img->info.height; y++)
        for (uint32_t x = 1; x < img->info.width; x++) {
            const uint8_t *row = img->pixels + (size_t)y * img->stride;
            int d = abs((int)row[x] - (int)row[x - 1]);
            if (d > most)
                most = d;
        }
    return most;
}

static int thumb(const uint8_t *data, size_t len, vg_thumb_options opt, vg_image *out)
{
    uint8_t *png = NULL;
    size_t png_len = 0;
    if (vg_thumb_png(data, len, &opt, &png, &png_len, NULL) != VG_OK)
        return 0;
    int ok = vg_image_decode(png, png_len, NULL, out, NULL) == VG_OK;
    vg_thumb_free(png, png_len);
    return ok;
}

static void test_sizes_and_grey(void)
{
    size_t len;
    uint8_t *p = board(200, 100, &len);
    vg_image img = {0};
    CHECK(thumb(p, len, (vg_thumb_options){.max_side = 50, .grey = 1}, &img));
    CHECK_INT_EQ(img.info.width, 50);
    CHECK_INT_EQ(img.info.height, 25);
    CHECK_INT_EQ(img.info.layout, VG_PIXEL_GRAY8);
    vg_image_free(&img);
    /* never enlarged */
    CHECK(thumb(p, len, (vg_thumb_options){.max_side = 500}, &img));
    CHECK_INT_EQ(img.info.width, 200);
    CHECK_INT_EQ(img.info.height, 100);
    CHECK_INT_EQ(img.info.layout, VG_PIXEL_RGB8);
    vg_image_free(&img);
    free(p);
}

static void test_blur_hides_edges(void)
{
    size_t len;
    uint8_t *p = board(64, 64, &len);
    vg_image sharp = {0}, soft = {0};
    CHECK(thumb(p, len, (vg_thumb_options){.max_side = 64, .grey = 1}, &sharp));
    CHECK(thumb(p, len, (vg_thumb_options){.max_side = 64, .grey = 1, .blur = 4}, &soft));
    CHECK_INT_EQ(largest_step(&sharp), 255);
    /* two passes of a 9-pixel box: an edge of 255 spreads over 17 pixels */
    CHECK_MSG(largest_step(&soft) <= 40, "largest step %d", largest_step(&soft));
    vg_image_free(&sharp);
    vg_image_free(&soft);
    free(p);
}

static void test_refusals(void)
{
    uint8_t *png = NULL;
    size_t png_len = 0;
    vg_error err;
    static const uint8_t junk[] = "not a picture at all";
    vg_thumb_options opt = {.max_side = 32, .grey = 1, .blur = 2};
    CHECK(vg_thumb_png(junk, sizeof junk, &opt, &png, &png_len, &err) != VG_OK);
    CHECK(png == NULL && err.message[0]);
    size_t len;
    uint8_t *p = board(64, 64, &len);
    opt.max_side = 0;
    CHECK_INT_EQ(vg_thumb_png(p, len, &opt, &png, &png_len, &err), VG_ERR_INVALID);
    opt.max_side = 32;
    opt.max_pixels = 100; /* a bomb for this limit */
    CHECK(vg_thumb_png(p, len, &opt, &png, &png_len, &err) != VG_OK);
    free(p);
}

/* A grid: one cell per picture at the cell's centre, the background
 * around, each picture grey and blurred on its own. */
static void test_grid(void)
{
    uint8_t white[30 * 10 * 3], black[10 * 30 * 3], mid[4 * 4 * 3];
    memset(white, 255, sizeof white);
    memset(black, 0, sizeof black);
    memset(mid, 128, sizeof mid);
    vg_thumb_picture pics[3] = {{30, 10, white}, {10, 30, black}, {4, 4, mid}};
    uint8_t *png = NULL;
    size_t len = 0;
    vg_thumb_options opt = {.max_side = 20, .grey = 1};
    CHECK(vg_thumb_grid_png(pics, 3, 2, &opt, &png, &len, NULL) == VG_OK);
    vg_image img = {0};
    CHECK(vg_image_decode(png, len, NULL, &img, NULL) == VG_OK);
    vg_thumb_free(png, len);
    /* two columns, two rows of 20-pixel cells with 4-pixel gaps */
    CHECK_INT_EQ(img.info.width, 4 + 20 + 4 + 20 + 4);
    CHECK_INT_EQ(img.info.height, 4 + 20 + 4 + 20 + 4);
    CHECK_INT_EQ(img.info.layout, VG_PIXEL_GRAY8);
#define AT(x, y) img.pixels[(size_t)(y) * img.stride + (x)]
    CHECK_INT_EQ(AT(0, 0), 0x33);             /* background */
    CHECK_INT_EQ(AT(4 + 10, 4 + 10), 255);    /* the white picture, 20x6, centred */
    CHECK_INT_EQ(AT(4 + 10, 4 + 2), 0x33);    /* above it: still background */
    CHECK_INT_EQ(AT(28 + 10, 4 + 10), 0);     /* the black one, 6x20 */
    CHECK_INT_EQ(AT(28 + 2, 4 + 10), 0x33);
    CHECK_INT_EQ(AT(4 + 10, 28 + 10), 128);   /* the small one is not grown: 4x4 */
    CHECK_INT_EQ(AT(4 + 10 - 3, 28 + 10), 0x33);
#undef AT
    vg_image_free(&img);
    /* blurred: a picture's own detail is smoothed, and nothing of one
     * picture bleeds into the gap beside it */
    uint8_t checker[20 * 20 * 3];
    for (int i = 0; i < 20 * 20; i++)
        memset(checker + i * 3, ((i % 20) / 2 + (i / 20) / 2) % 2 ? 255 : 0, 3);
    vg_thumb_picture two[2] = {{20, 20, checker}, {20, 20, checker}};
    for (uint32_t blur = 0; blur <= 2; blur += 2) {
        opt.blur = blur;
        CHECK(vg_thumb_grid_png(two, 2, 2, &opt, &png, &len, NULL) == VG_OK);
        CHECK(vg_image_decode(png, len, NULL, &img, NULL) == VG_OK);
        vg_thumb_free(png, len);
        CHECK_INT_EQ(img.info.width, 52);
        CHECK_INT_EQ(img.info.height, 28);
        int step = 0;
        for (uint32_t x = 5; x < 24; x++) {
            int d = abs((int)img.pixels[(size_t)14 * img.stride + x] -
                        (int)img.pixels[(size_t)14 * img.stride + x - 1]);
            step = d > step ? d : step;
        }
        CHECK_MSG(blur ? step < 128 : step == 255, "blur %u: largest step %d", blur, step);
        for (uint32_t x = 24; x < 28; x++)
            CHECK_INT_EQ(img.pixels[(size_t)14 * img.stride + x], 0x33);
        vg_image_free(&img);
    }
    /* colour keeps three channels */
    opt = (vg_thumb_options){.max_side = 8};
    CHECK(vg_thumb_grid_png(pics, 1, 4, &opt, &png, &len, NULL) == VG_OK);
    CHECK(vg_image_decode(png, len, NULL, &img, NULL) == VG_OK);
    vg_thumb_free(png, len);
    CHECK_INT_EQ(img.info.layout, VG_PIXEL_RGB8);
    CHECK_INT_EQ(img.info.width, 16);
    vg_image_free(&img);
    /* refusals */
    vg_error err;
    CHECK(vg_thumb_grid_png(pics, 0, 2, &opt, &png, &len, &err) == VG_ERR_INVALID);
    CHECK(vg_thumb_grid_png(pics, 3, 0, &opt, &png, &len, &err) == VG_ERR_INVALID);
    vg_thumb_picture empty = {0, 5, white};
    CHECK(vg_thumb_grid_png(&empty, 1, 1, &opt, &png, &len, &err) == VG_ERR_INVALID);
    opt.max_side = 4096;
    vg_thumb_picture many[1024];
    for (int i = 0; i < 1024; i++)
        many[i] = pics[2];
    CHECK(vg_thumb_grid_png(many, 1024, 1024, &opt, &png, &len, &err) == VG_ERR_TOO_LARGE);
    CHECK(png == NULL);
}

int main(void)
{
    RUN(test_sizes_and_grey);
    RUN(test_blur_hides_edges);
    RUN(test_refusals);
    RUN(test_grid);
    return vg_test_exit();
}

/*
 * Round trips: every format and colour model written by vigie_encode must
 * decode to the expected pixels (exactly when lossless), with the right
 * size, layout, colour model and bit depth, at awkward sizes too.
 */
#include <tiffio.h>

#include "harness.h"
#include "raster_fixtures.h"
#include "vigie/image.h"

typedef struct rt_case {
    const char *name;
    vg_raster_kind kind;
    unsigned levels;
    vg_encode_options opts;
    vg_pixel_layout layout;
    vg_color_model model;
    unsigned bits;
    int max_diff;     /* largest allowed per-sample difference */
    double mean_diff; /* largest allowed mean difference */
} rt_case;

#define PNG_ VG_FORMAT_PNG
#define EXACT 0, 0.0
static const rt_case cases[] = {
    {"png gray1", VG_RASTER_GRAY8, 2, {.format = PNG_, .bits = 1}, VG_PIXEL_GRAY8, VG_COLOR_GRAY, 1, EXACT},
    {"png gray2", VG_RASTER_GRAY8, 4, {.format = PNG_, .bits = 2}, VG_PIXEL_GRAY8, VG_COLOR_GRAY, 2, EXACT},
    {"png gray4", VG_RASTER_GRAY8, 16, {.format = PNG_, .bits = 4}, VG_PIXEL_GRAY8, VG_COLOR_GRAY, 4, EXACT},
    {"png gray8", VG_RASTER_GRAY8, 0, {.format = PNG_}, VG_PIXEL_GRAY8, VG_COLOR_GRAY, 8, EXACT},
    {"png gray16", VG_RASTER_GRAY16, 0, {.format = PNG_}, VG_PIXEL_GRAY8, VG_COLOR_GRAY, 16, EXACT},
    {"png gray+alpha", VG_RASTER_GRAYA8, 0, {.format = PNG_}, VG_PIXEL_GRAY8, VG_COLOR_GRAY_ALPHA, 8, EXACT},
    {"png palette8 tRNS", VG_RASTER_RGB8, 6, {.format = PNG_, .palette = true, .transparency = true}, VG_PIXEL_RGB8, VG_COLOR_PALETTE, 8, EXACT},
    {"png palette4", VG_RASTER_RGB8, 2, {.format = PNG_, .palette = true, .bits = 4}, VG_PIXEL_RGB8, VG_COLOR_PALETTE, 4, EXACT},
    {"png palette1", VG_RASTER_GRAY8, 2, {.format = PNG_, .palette = true, .bits = 1}, VG_PIXEL_RGB8, VG_COLOR_PALETTE, 1, EXACT},
    {"png rgb8", VG_RASTER_RGB8, 0, {.format = PNG_}, VG_PIXEL_RGB8, VG_COLOR_RGB, 8, EXACT},
    {"png rgb16", VG_RASTER_RGB16, 0, {.format = PNG_}, VG_PIXEL_RGB8, VG_COLOR_RGB, 16, EXACT},
    {"png rgba", VG_RASTER_RGBA8, 0, {.format = PNG_}, VG_PIXEL_RGB8, VG_COLOR_RGBA, 8, EXACT},
    {"png rgb interlaced", VG_RASTER_RGB8, 0, {.format = PNG_, .interlaced = true}, VG_PIXEL_RGB8, VG_COLOR_RGB, 8, EXACT},
    {"png gray2 interlaced", VG_RASTER_GRAY8, 4, {.format = PNG_, .bits = 2, .interlaced = true}, VG_PIXEL_GRAY8, VG_COLOR_GRAY, 2, EXACT},

    {"jpeg gray", VG_RASTER_GRAY8, 0, {.format = VG_FORMAT_JPEG, .quality = 95}, VG_PIXEL_GRAY8, VG_COLOR_GRAY, 8, 60, 3.0},
    {"jpeg ycbcr", VG_RASTER_RGB8, 0, {.format = VG_FORMAT_JPEG, .quality = 95}, VG_PIXEL_RGB8, VG_COLOR_YCBCR, 8, 120, 10.0},
    {"jpeg progressive", VG_RASTER_RGB8, 0, {.format = VG_FORMAT_JPEG, .quality = 95, .interlaced = true}, VG_PIXEL_RGB8, VG_COLOR_YCBCR, 8, 120, 10.0},
    {"jpeg cmyk adobe", VG_RASTER_CMYK8, 0, {.format = VG_FORMAT_JPEG, .quality = 95}, VG_PIXEL_RGB8, VG_COLOR_CMYK, 8, 60, 4.0},

    {"gif", VG_RASTER_RGB8, 6, {.format = VG_FORMAT_GIF}, VG_PIXEL_RGB8, VG_COLOR_PALETTE, 8, EXACT},
    {"gif interlaced", VG_RASTER_RGB8, 6, {.format = VG_FORMAT_GIF, .interlaced = true}, VG_PIXEL_RGB8, VG_COLOR_PALETTE, 8, EXACT},
    {"gif gray", VG_RASTER_GRAY8, 0, {.format = VG_FORMAT_GIF}, VG_PIXEL_RGB8, VG_COLOR_PALETTE, 8, EXACT},

    {"webp lossless", VG_RASTER_RGB8, 0, {.format = VG_FORMAT_WEBP, .lossless = true}, VG_PIXEL_RGB8, VG_COLOR_RGB, 8, EXACT},
    {"webp lossless rgba", VG_RASTER_RGBA8, 0, {.format = VG_FORMAT_WEBP, .lossless = true}, VG_PIXEL_RGB8, VG_COLOR_RGBA, 8, EXACT},
    {"webp lossy", VG_RASTER_RGB8, 0, {.format = VG_FORMAT_WEBP, .quality = 95}, VG_PIXEL_RGB8, VG_COLOR_YCBCR, 8, 120, 10.0},

    {"bmp 24 bottom-up", VG_RASTER_RGB8, 0, {.format = VG_FORMAT_BMP}, VG_PIXEL_RGB8, VG_COLOR_RGB, 8, EXACT},
    {"bmp 24 top-down", VG_RASTER_RGB8, 0, {.format = VG_FORMAT_BMP, .top_down = true}, VG_PIXEL_RGB8, VG_COLOR_RGB, 8, EXACT},
    {"bmp 24 os2", VG_RASTER_RGB8, 0, {.format = VG_FORMAT_BMP, .os2 = true}, VG_PIXEL_RGB8, VG_COLOR_RGB, 8, EXACT},
    {"bmp 32", VG_RASTER_RGB8, 0, {.format = VG_FORMAT_BMP, .bits = 32}, VG_PIXEL_RGB8, VG_COLOR_RGB, 8, EXACT},
    {"bmp 32 bitfields alpha", VG_RASTER_RGBA8, 0, {.format = VG_FORMAT_BMP, .bits = 32, .bitfields = true}, VG_PIXEL_RGB8, VG_COLOR_RGBA, 8, EXACT},
    {"bmp 16 555", VG_RASTER_RGB8, 0, {.format = VG_FORMAT_BMP, .bits = 16}, VG_PIXEL_RGB8, VG_COLOR_RGB, 5, 8, 4.5},
    {"bmp 16 565", VG_RASTER_RGB8, 0, {.format = VG_FORMAT_BMP, .bits = 16, .bitfields = true}, VG_PIXEL_RGB8, VG_COLOR_RGB, 6, 8, 4.5},
    {"bmp 8 palette", VG_RASTER_RGB8, 6, {.format = VG_FORMAT_BMP, .bits = 8}, VG_PIXEL_RGB8, VG_COLOR_PALETTE, 8, EXACT},
    {"bmp 8 rle", VG_RASTER_RGB8, 6, {.format = VG_FORMAT_BMP, .bits = 8, .rle = true}, VG_PIXEL_RGB8, VG_COLOR_PALETTE, 8, EXACT},
    {"bmp 4 rle", VG_RASTER_RGB8, 2, {.format = VG_FORMAT_BMP, .bits = 4, .rle = true}, VG_PIXEL_RGB8, VG_COLOR_PALETTE, 4, EXACT},
    {"bmp 4", VG_RASTER_RGB8, 2, {.format = VG_FORMAT_BMP, .bits = 4}, VG_PIXEL_RGB8, VG_COLOR_PALETTE, 4, EXACT},
    {"bmp 2 os2", VG_RASTER_GRAY8, 4, {.format = VG_FORMAT_BMP, .bits = 2, .os2 = true}, VG_PIXEL_GRAY8, VG_COLOR_GRAY, 2, EXACT},
    {"bmp 1 gray", VG_RASTER_GRAY8, 2, {.format = VG_FORMAT_BMP, .bits = 1}, VG_PIXEL_GRAY8, VG_COLOR_GRAY, 1, EXACT},
    {"bmp 8 gray", VG_RASTER_GRAY8, 0, {.format = VG_FORMAT_BMP, .bits = 8}, VG_PIXEL_GRAY8, VG_COLOR_GRAY, 8, EXACT},

    {"tiff gray8", VG_RASTER_GRAY8, 0, {.format = VG_FORMAT_TIFF}, VG_PIXEL_GRAY8, VG_COLOR_GRAY, 8, EXACT},
    {"tiff gray1", VG_RASTER_GRAY8, 2, {.format = VG_FORMAT_TIFF, .bits = 1}, VG_PIXEL_GRAY8, VG_COLOR_GRAY, 1, EXACT},
    {"tiff gray16 lzw", VG_RASTER_GRAY16, 0, {.format = VG_FORMAT_TIFF, .tiff_compression = COMPRESSION_LZW}, VG_PIXEL_GRAY8, VG_COLOR_GRAY, 16, EXACT},
    {"tiff gray+alpha", VG_RASTER_GRAYA8, 0, {.format = VG_FORMAT_TIFF}, VG_PIXEL_GRAY8, VG_COLOR_GRAY_ALPHA, 8, EXACT},
    {"tiff rgb", VG_RASTER_RGB8, 0, {.format = VG_FORMAT_TIFF}, VG_PIXEL_RGB8, VG_COLOR_RGB, 8, EXACT},
    {"tiff rgb deflate", VG_RASTER_RGB8, 0, {.format = VG_FORMAT_TIFF, .tiff_compression = COMPRESSION_ADOBE_DEFLATE}, VG_PIXEL_RGB8, VG_COLOR_RGB, 8, EXACT},
    {"tiff rgb packbits tiled", VG_RASTER_RGB8, 0, {.format = VG_FORMAT_TIFF, .tiled = true, .tiff_compression = COMPRESSION_PACKBITS}, VG_PIXEL_RGB8, VG_COLOR_RGB, 8, EXACT},
    {"tiff rgb16", VG_RASTER_RGB16, 0, {.format = VG_FORMAT_TIFF}, VG_PIXEL_RGB8, VG_COLOR_RGB, 16, EXACT},
    {"tiff rgba", VG_RASTER_RGBA8, 0, {.format = VG_FORMAT_TIFF}, VG_PIXEL_RGB8, VG_COLOR_RGBA, 8, EXACT},
    {"tiff cmyk", VG_RASTER_CMYK8, 0, {.format = VG_FORMAT_TIFF}, VG_PIXEL_RGB8, VG_COLOR_CMYK, 8, EXACT},
    {"tiff cmyk tiled", VG_RASTER_CMYK8, 0, {.format = VG_FORMAT_TIFF, .tiled = true}, VG_PIXEL_RGB8, VG_COLOR_CMYK, 8, EXACT},
    {"tiff palette", VG_RASTER_RGB8, 6, {.format = VG_FORMAT_TIFF, .palette = true}, VG_PIXEL_RGB8, VG_COLOR_PALETTE, 8, EXACT},
    {"tiff gray1 tiled", VG_RASTER_GRAY8, 2, {.format = VG_FORMAT_TIFF, .bits = 1, .tiled = true}, VG_PIXEL_GRAY8, VG_COLOR_GRAY, 1, EXACT},
    {"tiff jpeg ycbcr", VG_RASTER_RGB8, 0, {.format = VG_FORMAT_TIFF, .tiff_compression = COMPRESSION_JPEG, .quality = 95}, VG_PIXEL_RGB8, VG_COLOR_YCBCR, 8, 120, 10.0},

    {"heic", VG_RASTER_RGB8, 0, {.format = VG_FORMAT_HEIF, .quality = 90}, VG_PIXEL_RGB8, VG_COLOR_YCBCR, 8, 140, 8.0},
    {"avif", VG_RASTER_RGB8, 0, {.format = VG_FORMAT_AVIF, .quality = 90}, VG_PIXEL_RGB8, VG_COLOR_YCBCR, 8, 140, 8.0},
    {"avif rgba", VG_RASTER_RGBA8, 0, {.format = VG_FORMAT_AVIF, .quality = 90}, VG_PIXEL_RGB8, VG_COLOR_RGBA, 8, 140, 8.0},

    {"pbm raw", VG_RASTER_GRAY8, 2, {.format = VG_FORMAT_PNM, .bits = 1}, VG_PIXEL_GRAY8, VG_COLOR_GRAY, 1, EXACT},
    {"pbm plain", VG_RASTER_GRAY8, 2, {.format = VG_FORMAT_PNM, .bits = 1, .plain = true}, VG_PIXEL_GRAY8, VG_COLOR_GRAY, 1, EXACT},
    {"pgm raw", VG_RASTER_GRAY8, 0, {.format = VG_FORMAT_PNM}, VG_PIXEL_GRAY8, VG_COLOR_GRAY, 8, EXACT},
    {"pgm plain", VG_RASTER_GRAY8, 0, {.format = VG_FORMAT_PNM, .plain = true}, VG_PIXEL_GRAY8, VG_COLOR_GRAY, 8, EXACT},
    {"pgm 16-bit", VG_RASTER_GRAY16, 0, {.format = VG_FORMAT_PNM}, VG_PIXEL_GRAY8, VG_COLOR_GRAY, 16, EXACT},
    {"ppm raw", VG_RASTER_RGB8, 0, {.format = VG_FORMAT_PNM}, VG_PIXEL_RGB8, VG_COLOR_RGB, 8, EXACT},
    {"ppm plain", VG_RASTER_RGB8, 0, {.format = VG_FORMAT_PNM, .plain = true}, VG_PIXEL_RGB8, VG_COLOR_RGB, 8, EXACT},
    {"ppm maxval 1000", VG_RASTER_RGB8, 0, {.format = VG_FORMAT_PNM, .maxval = 1000}, VG_PIXEL_RGB8, VG_COLOR_RGB, 10, EXACT},
    {"ppm 16-bit", VG_RASTER_RGB16, 0, {.format = VG_FORMAT_PNM}, VG_PIXEL_RGB8, VG_COLOR_RGB, 16, EXACT},
};

static bool is_lossy(const rt_case *c)
{
    return c->max_diff > 0;
}

static void run_case(const rt_case *c, uint32_t w, uint32_t h)
{
    vg_raster r;
    void *px = fixture_raster(c->kind, w, h, c->levels, &r);
    CHECK(px != NULL);
    uint8_t *data = NULL;
    size_t len = 0;
    vg_error err;
    vg_status st = vg_encode(&r, &c->opts, &data, &len, &err);
    CHECK_MSG(st == VG_OK, "%s %ux%u: encode: %s", c->name, w, h, err.message);
    if (st != VG_OK) {
        free(px);
        return;
    }
    CHECK_INT_EQ(vg_image_sniff(data, len), c->opts.format);

    vg_image img;
    st = vg_image_decode(data, len, NULL, &img, &err);
    CHECK_MSG(st == VG_OK, "%s %ux%u: decode: %s", c->name, w, h, err.message);
    if (st == VG_OK) {
        CHECK_INT_EQ(img.info.width, w);
        CHECK_INT_EQ(img.info.height, h);
        CHECK_INT_EQ(img.info.format, c->opts.format);
        CHECK_MSG(img.info.layout == c->layout, "%s: layout %d", c->name, img.info.layout);
        CHECK_MSG(img.info.color_model == c->model, "%s: model %s", c->name,
                  vg_color_model_name(img.info.color_model));
        CHECK_MSG(img.info.bits_per_sample == c->bits, "%s: bits %u", c->name,
                  img.info.bits_per_sample);
        CHECK_INT_EQ(img.stride, (size_t)w * c->layout);
        int maxd;
        double mean;
        fixture_compare(&r, &img, &maxd, &mean);
        /* Lossy codecs are judged on the mean; tiny images are all edges. */
        bool tiny = w < 8 || h < 8;
        CHECK_MSG(maxd <= c->max_diff || (is_lossy(c) && tiny), "%s %ux%u: max diff %d",
                  c->name, w, h, maxd);
        CHECK_MSG(mean <= c->mean_diff || (is_lossy(c) && tiny), "%s %ux%u: mean diff %.2f",
                  c->name, w, h, mean);
        vg_image_free(&img);
    }
    free(data);
    free(px);
}

static void test_round_trips(void)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        run_case(&cases[i], 67, 45);
        run_case(&cases[i], 1, 1);
        if (cases[i].opts.format != VG_FORMAT_HEIF && cases[i].opts.format != VG_FORMAT_AVIF) {
            run_case(&cases[i], 17, 3);
            run_case(&cases[i], 2, 33);
        }
    }
}

/* A sink that records the order of the rows and can stop early. */
typedef struct order_sink {
    int begins;
    uint32_t rows;
    uint32_t stop_at; /* UINT32_MAX: never */
    bool in_order;
    vg_image_info info;
} order_sink;

static vg_status order_begin(void *user, const vg_image_info *info, vg_error *err)
{
    (void)err;
    order_sink *s = user;
    s->begins++;
    s->info = *info;
    return VG_OK;
}

static vg_status order_row(void *user, uint32_t y, const uint8_t *pixels, vg_error *err)
{
    order_sink *s = user;
    CHECK(pixels != NULL);
    if (y != s->rows)
        s->in_order = false;
    s->rows++;
    if (y == s->stop_at)
        return vg_error_set(err, VG_ERR_ABORTED, "stopped at row %u", y);
    return VG_OK;
}

static void test_sink_order_and_abort(void)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const rt_case *c = &cases[i];
        vg_raster r;
        void *px = fixture_raster(c->kind, 40, 37, c->levels, &r);
        uint8_t *data = NULL;
        size_t len = 0;
        if (vg_encode(&r, &c->opts, &data, &len, NULL) != VG_OK) {
            CHECK_MSG(0, "%s: encode failed", c->name);
            free(px);
            continue;
        }
        order_sink s = {.stop_at = UINT32_MAX, .in_order = true};
        vg_row_sink sink = {order_begin, order_row, &s};
        vg_image_info info;
        vg_error err;
        vg_status st = vg_image_decode_rows(data, len, NULL, &sink, &info, &err);
        CHECK_MSG(st == VG_OK, "%s: %s", c->name, err.message);
        CHECK_INT_EQ(s.begins, 1);
        CHECK_INT_EQ(s.rows, 37);
        CHECK_MSG(s.in_order, "%s: rows out of order", c->name);
        CHECK_INT_EQ(info.width, 40);
        CHECK_INT_EQ(s.info.height, 37);

        order_sink stop = {.stop_at = 12, .in_order = true};
        sink.user = &stop;
        st = vg_image_decode_rows(data, len, NULL, &sink, NULL, &err);
        CHECK_MSG(st == VG_ERR_ABORTED, "%s: abort gave %s", c->name, vg_status_name(st));
        CHECK_INT_EQ(stop.rows, 13);
        CHECK_STR_EQ(err.message, "stopped at row 12");
        free(data);
        free(px);
    }
}

static vg_status refuse_begin(void *user, const vg_image_info *info, vg_error *err)
{
    (void)user, (void)info;
    return vg_error_set(err, VG_ERR_ABORTED, "not this one");
}

static void test_begin_can_refuse(void)
{
    vg_raster r;
    void *px = fixture_raster(VG_RASTER_RGB8, 8, 8, 0, &r);
    uint8_t *data;
    size_t len;
    vg_encode_options o = {.format = VG_FORMAT_PNG};
    CHECK(vg_encode(&r, &o, &data, &len, NULL) == VG_OK);
    order_sink s = {.stop_at = UINT32_MAX, .in_order = true};
    vg_row_sink sink = {refuse_begin, order_row, &s};
    vg_error err;
    CHECK_INT_EQ(vg_image_decode_rows(data, len, NULL, &sink, NULL, &err), VG_ERR_ABORTED);
    CHECK_INT_EQ(s.rows, 0);
    CHECK_STR_EQ(err.message, "not this one");
    free(data);
    free(px);
}

static void test_names(void)
{
    CHECK_STR_EQ(vg_image_format_name(VG_FORMAT_JPEG), "jpeg");
    CHECK_STR_EQ(vg_image_format_name(VG_FORMAT_AVIF), "avif");
    CHECK_STR_EQ(vg_image_format_name(VG_FORMAT_UNKNOWN), "unknown");
    CHECK_STR_EQ(vg_image_format_name((vg_image_format)99), "unknown");
    CHECK_STR_EQ(vg_color_model_name(VG_COLOR_CMYK), "cmyk");
    CHECK_STR_EQ(vg_color_model_name(VG_COLOR_GRAY_ALPHA), "gray+alpha");
    CHECK_STR_EQ(vg_color_model_name((vg_color_model)99), "unknown");
}

static void test_sniff(void)
{
    CHECK_INT_EQ(vg_image_sniff((const uint8_t *)"\xFF\xD8\xFF\xE0", 4), VG_FORMAT_JPEG);
    CHECK_INT_EQ(vg_image_sniff((const uint8_t *)"P6\n", 3), VG_FORMAT_PNM);
    CHECK_INT_EQ(vg_image_sniff((const uint8_t *)"P7\n", 3), VG_FORMAT_UNKNOWN);
    CHECK_INT_EQ(vg_image_sniff((const uint8_t *)"Plain text", 10), VG_FORMAT_UNKNOWN);
    CHECK_INT_EQ(vg_image_sniff((const uint8_t *)"BM", 2), VG_FORMAT_UNKNOWN);
    CHECK_INT_EQ(vg_image_sniff(NULL, 0), VG_FORMAT_UNKNOWN);
    static const uint8_t heic[] = {0, 0, 0, 24, 'f', 't', 'y', 'p', 'h', 'e', 'i', 'c', 0, 0, 0, 0,
                                   'm', 'i', 'f', '1', 'h', 'e', 'i', 'c'};
    static const uint8_t avif[] = {0, 0, 0, 24, 'f', 't', 'y', 'p', 'm', 'i', 'f', '1', 0, 0, 0, 0,
                                   'm', 'i', 'f', '1', 'a', 'v', 'i', 'f'};
    CHECK_INT_EQ(vg_image_sniff(heic, sizeof heic), VG_FORMAT_HEIF);
    CHECK_INT_EQ(vg_image_sniff(avif, sizeof avif), VG_FORMAT_AVIF);
}

int main(void)
{
    RUN(test_names);
    RUN(test_sniff);
    RUN(test_round_trips);
    RUN(test_sink_order_and_abort);
    RUN(test_begin_can_refuse);
    return vg_test_exit();
}

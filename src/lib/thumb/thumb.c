/*
 * src/lib/thumb/thumb.c - thumbnails of pictures, in memory (vigie/thumb.h).
 */
#include "vigie/thumb.h"

#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "vigie/image.h"

/* Decoding a picture costs up to 3 bytes a pixel: 40 MP is 120 MB. */
#define DEFAULT_MAX_PIXELS 40000000ull

/* ---- pixels ----------------------------------------------------------- */

/* Scale img to fit within side x side by averaging each output pixel's
 * source box; grey (1 channel) or RGB (3). Returns malloc'd pixels. */
/* The pixels to shrink: rows of `stride` bytes, 1 (grey) or 3 (RGB) channels. */
typedef struct pixels {
    const uint8_t *data;
    uint32_t width, height;
    size_t stride;
    int channels;
} pixels;

static uint8_t *shrink(const pixels *img, int side, int grey, uint32_t *ow, uint32_t *oh)
{
    uint32_t w = img->width, h = img->height;
    uint32_t tw = w, th = h;
    if (w > (uint32_t)side || h > (uint32_t)side) {
        if (w >= h) {
            tw = (uint32_t)side;
            th = (uint32_t)((uint64_t)h * (uint32_t)side / w);
        } else {
            th = (uint32_t)side;
            tw = (uint32_t)((uint64_t)w * (uint32_t)side / h);
        }
    }
    if (tw == 0)
        tw = 1;
    if (th == 0)
        th = 1;
    int in_ch = img->channels;
    int out_ch = grey ? 1 : 3;
    uint8_t *out = malloc((size_t)tw * th * (size_t)out_ch);
    if (!out)
        return NULL;
    for (uint32_t y = 0; y < th; y++) {
        uint32_t y0 = (uint32_t)((uint64_t)y * h / th), y1 = (uint32_t)((uint64_t)(y + 1) * h / th);
        if (y1 <= y0)
            y1 = y0 + 1;
        for (uint32_t x = 0; x < tw; x++) {
            uint32_t x0 = (uint32_t)((uint64_t)x * w / tw),
                     x1 = (uint32_t)((uint64_t)(x + 1) * w / tw);
            if (x1 <= x0)
                x1 = x0 + 1;
            uint64_t sum[3] = {0, 0, 0}, n = 0;
            for (uint32_t sy = y0; sy < y1; sy++) {
                const uint8_t *row = img->data + (size_t)sy * img->stride;
                for (uint32_t sx = x0; sx < x1; sx++) {
                    const uint8_t *px = row + (size_t)sx * (size_t)in_ch;
                    for (int c = 0; c < 3; c++)
                        sum[c] += px[in_ch == 3 ? c : 0];
                    n++;
                }
            }
            uint8_t *o = out + ((size_t)y * tw + x) * (size_t)out_ch;
            if (grey)
                o[0] = (uint8_t)((sum[0] * 299 + sum[1] * 587 + sum[2] * 114) / (1000 * n));
            else
                for (int c = 0; c < 3; c++)
                    o[c] = (uint8_t)(sum[c] / n);
        }
    }
    *ow = tw;
    *oh = th;
    return out;
}

/* One pass of a box blur of radius r, horizontal then vertical, in place
 * on interleaved pixels of `channels` channels (two passes approach a
 * Gaussian closely enough to hide detail). */
static int box_blur(uint8_t *px, uint32_t w, uint32_t h, int channels, int r)
{
    if (r <= 0)
        return 1;
    size_t row = (size_t)w * (size_t)channels;
    uint8_t *tmp = malloc(row * h);
    if (!tmp)
        return 0;
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++)
            for (int c = 0; c < channels; c++) {
                unsigned sum = 0, n = 0;
                for (int d = -r; d <= r; d++) {
                    int64_t sx = (int64_t)x + d;
                    if (sx >= 0 && sx < (int64_t)w) {
                        sum += px[(size_t)y * row + (size_t)sx * (size_t)channels + (size_t)c];
                        n++;
                    }
                }
                tmp[(size_t)y * row + (size_t)x * (size_t)channels + (size_t)c] =
                    (uint8_t)(sum / n);
            }
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++)
            for (int c = 0; c < channels; c++) {
                unsigned sum = 0, n = 0;
                for (int d = -r; d <= r; d++) {
                    int64_t sy = (int64_t)y + d;
                    if (sy >= 0 && sy < (int64_t)h) {
                        sum += tmp[(size_t)sy * row + (size_t)x * (size_t)channels + (size_t)c];
                        n++;
                    }
                }
                px[(size_t)y * row + (size_t)x * (size_t)channels + (size_t)c] = (uint8_t)(sum / n);
            }
    memset(tmp, 0, row * h);
    free(tmp);
    return 1;
}

/* ---- PNG in memory ---------------------------------------------------- */

typedef struct png_buf {
    uint8_t *data;
    size_t len, cap;
    int failed;
} png_buf;

static void png_put(png_structp png, png_bytep data, png_size_t len)
{
    png_buf *b = png_get_io_ptr(png);
    if (b->failed)
        return;
    if (b->len + len > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 16384;
        while (cap < b->len + len)
            cap *= 2;
        uint8_t *grown = realloc(b->data, cap);
        if (!grown) {
            b->failed = 1;
            return;
        }
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, len);
    b->len += len;
}

static void png_flush_nothing(png_structp png)
{
    (void)png;
}

static int encode_png(const uint8_t *px, uint32_t w, uint32_t h, int channels, png_buf *out)
{
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        png_destroy_write_struct(&png, NULL);
        return 0;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        return 0;
    }
    png_set_write_fn(png, out, png_put, png_flush_nothing);
    png_set_IHDR(png, info, w, h, 8, channels == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (uint32_t y = 0; y < h; y++)
        png_write_row(png, (png_const_bytep)(px + (size_t)y * w * (size_t)channels));
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    return !out->failed;
}

/* ---- the thumbnail ------------------------------------------------------ */

vg_status vg_thumb_png(const uint8_t *data, size_t len, const vg_thumb_options *opt, uint8_t **png,
                       size_t *png_len, vg_error *err)
{
    *png = NULL;
    *png_len = 0;
    if (!opt || opt->max_side == 0 || opt->max_side > 65535)
        return vg_error_set(err, VG_ERR_INVALID, "a thumbnail needs a side of 1 to 65535 pixels");
    vg_decode_options dopt = {.max_pixels = opt->max_pixels ? opt->max_pixels : DEFAULT_MAX_PIXELS};
    vg_image img = {0};
    vg_status st = vg_image_decode(data, len, &dopt, &img, err);
    if (st != VG_OK)
        return st;
    uint32_t w = 0, h = 0;
    int channels = opt->grey ? 1 : 3;
    pixels src = {img.pixels, img.info.width, img.info.height, img.stride,
                  img.info.layout == VG_PIXEL_RGB8 ? 3 : 1};
    uint8_t *small = shrink(&src, (int)opt->max_side, opt->grey, &w, &h);
    memset(img.pixels, 0, img.stride * img.info.height);
    vg_image_free(&img);
    png_buf out = {0};
    int ok = small && box_blur(small, w, h, channels, (int)opt->blur) &&
             box_blur(small, w, h, channels, (int)opt->blur) &&
             encode_png(small, w, h, channels, &out);
    if (small) {
        memset(small, 0, (size_t)w * h * (size_t)channels);
        free(small);
    }
    if (!ok) {
        vg_thumb_free(out.data, out.len);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory making a thumbnail");
    }
    *png = out.data;
    *png_len = out.len;
    return VG_OK;
}

/* ---- a grid of pictures -------------------------------------------------- */

#define GRID_GAP 4
#define GRID_BACKGROUND 0x33

vg_status vg_thumb_grid_png(const vg_thumb_picture *pictures, size_t count, unsigned columns,
                            const vg_thumb_options *opt, uint8_t **png, size_t *png_len,
                            vg_error *err)
{
    *png = NULL;
    *png_len = 0;
    if (!opt || opt->max_side == 0 || opt->max_side > 4096 || count == 0 || count > 1024 ||
        columns == 0)
        return vg_error_set(err, VG_ERR_INVALID,
                            "a grid needs 1 to 1024 pictures, columns, and a side of 1 to 4096 "
                            "pixels");
    for (size_t i = 0; i < count; i++)
        if (!pictures[i].rgb || pictures[i].width == 0 || pictures[i].height == 0 ||
            (uint64_t)pictures[i].width * pictures[i].height > 40000000ull)
            return vg_error_set(err, VG_ERR_INVALID, "picture %zu of the grid has no pixels", i);
    int channels = opt->grey ? 1 : 3;
    unsigned cols = columns < count ? columns : (unsigned)count;
    size_t rows = (count + cols - 1) / cols;
    uint32_t cell = opt->max_side;
    uint64_t gw = (uint64_t)cols * cell + (uint64_t)(cols + 1) * GRID_GAP;
    uint64_t gh = (uint64_t)rows * cell + (uint64_t)(rows + 1) * GRID_GAP;
    if (gw * gh > 40000000ull)
        return vg_error_set(err, VG_ERR_TOO_LARGE, "a grid of %llux%llu pixels is too large",
                            (unsigned long long)gw, (unsigned long long)gh);
    size_t bytes = (size_t)(gw * gh) * (size_t)channels;
    uint8_t *grid = malloc(bytes);
    if (!grid)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory making a grid");
    memset(grid, GRID_BACKGROUND, bytes);
    int ok = 1;
    for (size_t i = 0; ok && i < count; i++) {
        pixels src = {pictures[i].rgb, pictures[i].width, pictures[i].height,
                      (size_t)pictures[i].width * 3, 3};
        uint32_t w = 0, h = 0;
        uint8_t *small = shrink(&src, (int)cell, opt->grey, &w, &h);
        /* each picture blurred on its own: nothing bleeds from one to the next */
        ok = small && box_blur(small, w, h, channels, (int)opt->blur) &&
             box_blur(small, w, h, channels, (int)opt->blur);
        if (ok) {
            size_t cx = GRID_GAP + (i % cols) * (cell + GRID_GAP) + (cell - w) / 2;
            size_t cy = GRID_GAP + (i / cols) * (cell + GRID_GAP) + (cell - h) / 2;
            for (uint32_t y = 0; y < h; y++)
                memcpy(grid + ((cy + y) * gw + cx) * (size_t)channels,
                       small + (size_t)y * w * (size_t)channels, (size_t)w * (size_t)channels);
        }
        if (small) {
            memset(small, 0, (size_t)w * h * (size_t)channels);
            free(small);
        }
    }
    png_buf out = {0};
    ok = ok && encode_png(grid, (uint32_t)gw, (uint32_t)gh, channels, &out);
    memset(grid, 0, bytes);
    free(grid);
    if (!ok) {
        vg_thumb_free(out.data, out.len);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory making a grid");
    }
    *png = out.data;
    *png_len = out.len;
    return VG_OK;
}

void vg_thumb_free(uint8_t *png, size_t png_len)
{
    if (!png)
        return;
    memset(png, 0, png_len);
    free(png);
}

/*
 * robust_test_util.h - pictures edited in memory for the tests of the
 * robust signals (sketch, border, patch): load a shared test photo, crop it,
 * add bars, mirror it, and run the robust pipeline on the result.
 */
#ifndef VIGIE_TESTS_ROBUST_UTIL_H
#define VIGIE_TESTS_ROBUST_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "vigie/vigie.h"

/* An RGB8 picture, rows packed; pixels malloc'd. */
typedef struct rgb_image {
    uint32_t w, h;
    uint8_t *px;
} rgb_image;

static inline rgb_image rgb_new(uint32_t w, uint32_t h)
{
    rgb_image im = {w, h, calloc((size_t)w * h, 3)};
    return im;
}

/* A shared PDQ test image as RGB8, or an empty image when shared/ is absent. */
static inline rgb_image rgb_load_shared(const char *name)
{
    rgb_image out = {0, 0, NULL};
    const char *shared = vg_test_shared_dir();
    if (!shared)
        return out;
    char path[4096];
    snprintf(path, sizeof path, "%s/testdata/pdq/images/%s", shared, name);
    vg_image img;
    if (vg_image_load_file(path, NULL, &img, NULL) != VG_OK)
        return out;
    out = rgb_new(img.info.width, img.info.height);
    for (uint32_t y = 0; y < out.h; y++)
        for (uint32_t x = 0; x < out.w; x++)
            for (int c = 0; c < 3; c++)
                out.px[((size_t)y * out.w + x) * 3 + c] =
                    img.info.layout == VG_PIXEL_RGB8
                        ? img.pixels[(size_t)y * img.stride + (size_t)x * 3 + (size_t)c]
                        : img.pixels[(size_t)y * img.stride + x];
    vg_image_free(&img);
    return out;
}

/* The part [x0, x0 + w) x [y0, y0 + h) of src. */
static inline rgb_image rgb_crop(const rgb_image *src, uint32_t x0, uint32_t y0, uint32_t w,
                                 uint32_t h)
{
    rgb_image out = rgb_new(w, h);
    for (uint32_t y = 0; y < h; y++)
        memcpy(out.px + (size_t)y * w * 3, src->px + ((size_t)(y0 + y) * src->w + x0) * 3,
               (size_t)w * 3);
    return out;
}

/* src inside bars: top, bottom, left, right pixels of colour rgb, each
 * bar pixel moved by up to +-noise (deterministic). */
static inline rgb_image rgb_bars(const rgb_image *src, uint32_t top, uint32_t bottom,
                                 uint32_t left, uint32_t right, const uint8_t rgb[3], int noise)
{
    rgb_image out = rgb_new(src->w + left + right, src->h + top + bottom);
    uint32_t seed = 12345;
    for (uint32_t y = 0; y < out.h; y++)
        for (uint32_t x = 0; x < out.w; x++) {
            uint8_t *p = out.px + ((size_t)y * out.w + x) * 3;
            if (y >= top && y < top + src->h && x >= left && x < left + src->w) {
                memcpy(p, src->px + ((size_t)(y - top) * src->w + (x - left)) * 3, 3);
                continue;
            }
            for (int c = 0; c < 3; c++) {
                seed = seed * 1103515245u + 12345u;
                int v = rgb[c] + (noise ? (int)((seed >> 16) % (2 * noise + 1)) - noise : 0);
                p[c] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
            }
        }
    return out;
}

static inline rgb_image rgb_mirror(const rgb_image *src)
{
    rgb_image out = rgb_new(src->w, src->h);
    for (uint32_t y = 0; y < src->h; y++)
        for (uint32_t x = 0; x < src->w; x++)
            memcpy(out.px + ((size_t)y * src->w + x) * 3,
                   src->px + ((size_t)y * src->w + (src->w - 1 - x)) * 3, 3);
    return out;
}

/* Box-average src to w x h (for resized copies). */
static inline rgb_image rgb_shrink(const rgb_image *src, uint32_t w, uint32_t h)
{
    rgb_image out = rgb_new(w, h);
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++) {
            uint32_t x0 = (uint32_t)((uint64_t)x * src->w / w), x1 = (uint32_t)((uint64_t)(x + 1) * src->w / w);
            uint32_t y0 = (uint32_t)((uint64_t)y * src->h / h), y1 = (uint32_t)((uint64_t)(y + 1) * src->h / h);
            for (int c = 0; c < 3; c++) {
                uint64_t s = 0, n = 0;
                for (uint32_t yy = y0; yy < y1; yy++)
                    for (uint32_t xx = x0; xx < x1; xx++, n++)
                        s += src->px[((size_t)yy * src->w + xx) * 3 + c];
                out.px[((size_t)y * w + x) * 3 + c] = (uint8_t)((s + n / 2) / n);
            }
        }
    return out;
}

/* The robust signals of a picture, as vigie computes them for a query. */
typedef struct robust_signals {
    uint32_t sketch_w, picture_w; /* sketch width and the picture's */
    bool trimmed;
    vg_border_box box; /* in sketch pixels */
    vg_pdq_result trimmed_pdq;
    vg_patchset patches;
} robust_signals;

static inline vg_status robust_of(const rgb_image *im, robust_signals *out)
{
    memset(out, 0, sizeof *out);
    vg_sketch *sketch = NULL;
    vg_sketch_image t;
    vg_status st = vg_sketch_from_pixels(im->px, im->w, im->h, (size_t)im->w * 3, VG_PIXEL_RGB8,
                                        &sketch, &t, NULL);
    if (st != VG_OK)
        return st;
    out->sketch_w = t.width;
    out->picture_w = im->w;
    out->trimmed = vg_border_find(&t, &out->box);
    if (out->trimmed)
        st = vg_border_pdq(&t, &out->box, false, &out->trimmed_pdq, NULL);
    if (st == VG_OK)
        st = vg_patchset_from_sketch(&t, &out->box, VG_PATCH_QUERY_COUNT, &out->patches, NULL);
    vg_sketch_free(sketch);
    return st;
}

/* The bank's side: the strongest VG_PATCH_BANK_COUNT patches. */
static inline vg_patchset bank_patches(const robust_signals *s)
{
    vg_patchset b = s->patches;
    if (b.count > VG_PATCH_BANK_COUNT)
        b.count = VG_PATCH_BANK_COUNT;
    return b;
}

#endif

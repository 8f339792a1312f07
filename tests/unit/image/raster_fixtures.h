/*
 * raster_fixtures.h - synthetic rasters for the image tests, and the pixels
 * a decoder must report for them (the decoders' conversion rules, written
 * independently here).
 */
#ifndef VIGIE_TESTS_RASTER_FIXTURES_H
#define VIGIE_TESTS_RASTER_FIXTURES_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "encode.h"
#include "vigie/image.h"

/* x265 (the HEVC encoder behind vigie_encode's HEIC writer) leaks a few
 * small blocks per encoder; that is neither ours nor in the decoders under
 * test. LeakSanitizer reads this hook when the program runs under ASan. */
const char *__lsan_default_suppressions(void);
__attribute__((used)) const char *__lsan_default_suppressions(void)
{
    return "leak:libx265\n";
}

/* A deterministic picture: smooth gradients, a disc and some texture, so
 * lossy codecs behave as on photographs. When levels > 1 each 8-bit
 * sample is snapped to `levels` evenly spaced values (for palettes and
 * low bit depths). Caller frees. */
static inline void *fixture_raster(vg_raster_kind kind, uint32_t w, uint32_t h, unsigned levels,
                                   vg_raster *out)
{
    unsigned ch = vg_raster_channels(kind), bytes = vg_raster_sample_bytes(kind);
    void *px = malloc((size_t)w * h * ch * bytes + 1);
    if (!px)
        return NULL;
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++) {
            double fx = w > 1 ? (double)x / (w - 1) : 0.5, fy = h > 1 ? (double)y / (h - 1) : 0.5;
            double dx = fx - 0.6, dy = fy - 0.4;
            bool disc = dx * dx + dy * dy < 0.06;
            for (unsigned c = 0; c < ch; c++) {
                double v;
                if ((kind == VG_RASTER_GRAYA8 && c == 1) || (kind == VG_RASTER_RGBA8 && c == 3))
                    v = 0.3 + 0.7 * fx; /* alpha: must not leak into colours */
                else if (c == 0)
                    v = disc ? 0.9 : 0.15 + 0.7 * fx;
                else if (c == 1)
                    v = disc ? 0.2 : 0.1 + 0.8 * fy;
                else if (c == 2)
                    v = 0.5 + 0.4 * ((x / 4 + y / 4) % 2 ? 0.5 : -0.5) * (disc ? 0 : 1);
                else
                    v = 0.2 * fx * fy; /* K of CMYK */
                if (v < 0)
                    v = 0;
                if (v > 1)
                    v = 1;
                size_t i = ((size_t)y * w + x) * ch + c;
                if (bytes == 2) {
                    ((uint16_t *)px)[i] = (uint16_t)(v * 65535.0 + 0.5);
                } else {
                    unsigned s = (unsigned)(v * 255.0 + 0.5);
                    if (levels > 1) {
                        unsigned k = (s * (levels - 1) + 127) / 255;
                        s = k * 255 / (levels - 1);
                    }
                    ((uint8_t *)px)[i] = (uint8_t)s;
                }
            }
        }
    out->width = w;
    out->height = h;
    out->kind = kind;
    out->pixels = px;
    return px;
}

static inline uint8_t fixture_to8(unsigned v16)
{
    return (uint8_t)((v16 * 255u + 32767u) / 65535u);
}

/* What a decoder reports for pixel (x, y) of r in `layout`. */
static inline void fixture_expected_pixel(const vg_raster *r, uint32_t x, uint32_t y,
                                          vg_pixel_layout layout, uint8_t *out)
{
    unsigned ch = vg_raster_channels(r->kind);
    size_t i = ((size_t)y * r->width + x) * ch;
    const uint8_t *p8 = r->pixels;
    const uint16_t *p16 = r->pixels;
    uint8_t rgb[3];
    switch (r->kind) {
    case VG_RASTER_GRAY8:
    case VG_RASTER_GRAYA8: rgb[0] = rgb[1] = rgb[2] = p8[i]; break;
    case VG_RASTER_GRAY16: rgb[0] = rgb[1] = rgb[2] = fixture_to8(p16[i]); break;
    case VG_RASTER_RGB16:
        for (int c = 0; c < 3; c++)
            rgb[c] = fixture_to8(p16[i + c]);
        break;
    case VG_RASTER_CMYK8: {
        /* Pillow's CMYK to RGB. */
        unsigned nk = 255u - p8[i + 3];
        for (int c = 0; c < 3; c++) {
            unsigned t = p8[i + c] * nk + 128u;
            rgb[c] = (uint8_t)(nk - (((t >> 8) + t) >> 8));
        }
        break;
    }
    default: memcpy(rgb, p8 + i, 3); break;
    }
    if (layout == VG_PIXEL_GRAY8)
        out[0] = rgb[0];
    else
        memcpy(out, rgb, 3);
}

/* Largest and mean absolute difference between img and the expected pixels. */
static inline void fixture_compare(const vg_raster *r, const vg_image *img, int *max_diff,
                                   double *mean_diff)
{
    uint64_t sum = 0;
    int maxd = 0;
    unsigned n = img->info.layout;
    for (uint32_t y = 0; y < r->height; y++)
        for (uint32_t x = 0; x < r->width; x++) {
            uint8_t want[3];
            fixture_expected_pixel(r, x, y, img->info.layout, want);
            const uint8_t *got = img->pixels + (size_t)y * img->stride + (size_t)x * n;
            for (unsigned c = 0; c < n; c++) {
                int d = abs((int)got[c] - (int)want[c]);
                sum += (uint64_t)d;
                if (d > maxd)
                    maxd = d;
            }
        }
    *max_diff = maxd;
    *mean_diff = (double)sum / ((double)r->width * r->height * n);
}

#endif

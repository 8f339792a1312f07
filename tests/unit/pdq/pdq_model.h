/*
 * pdq_model.h - PDQ written out plainly for the tests, sharing nothing with
 * src/lib/pdq: every constant, formula and order of operations is spelled
 * here from the algorithm (the PDQ paper, hashing.pdf, and the reference
 * hasher's data flow), so that a mistake in the library's DCT, quality or
 * threshold cannot hide behind the same mistake in its test.
 *
 *   luma      Y = 0.299 R + 0.587 G + 0.114 B in float (grey: Y = value)
 *   blur      two passes of a box filter along rows then columns, window
 *             ceil(side / 128), averaging over the part of the window inside
 *             the image (Jarosz); skipped for exactly 64x64 pictures, which
 *             are used as they are
 *   sample    64x64 values at pixel centres: index floor((i + 0.5) * side / 64)
 *   quality   sum over neighbouring pairs of |int((u - v) * 100 / 255)|,
 *             divided by 90 (integer), at most 100
 *   DCT       rows 1..16 of the 64-point DCT-II, scale sqrt(2/64); B = D A D^T,
 *             each sum accumulated in float from k = 0 to 63
 *   bits      bit i*16+j set when B[i][j] is above the median (the 128th
 *             smallest of the 256 values)
 *   hex       16-bit words 15 down to 0, word i holding row i: byte 2(15-i)
 *             has columns 8..15, byte 2(15-i)+1 columns 0..7, column j at
 *             bit j mod 8
 *   dihedral  the seven other orientations are sign flips and transposes of
 *             the 16x16 DCT (odd frequencies change sign under a mirror)
 *   tiny      a side below 5: every hash zero, quality 0
 *
 * Float arithmetic follows the reference's order, so results are bit-exact
 * with it; tests/unit/pdq/known/ checks the model against the reference's
 * own outputs.
 */
#ifndef VIGIE_TESTS_PDQ_MODEL_H
#define VIGIE_TESTS_PDQ_MODEL_H

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vigie/pdq.h"

#define MODEL_GRID 64
#define MODEL_DCT 16

/* One pass of the box filter over n values spaced `stride` apart. */
static inline void model_box(const float *in, float *out, uint32_t n, size_t stride,
                             uint32_t window)
{
    uint32_t half = (window + 2) / 2;
    float sum = 0.0f;
    uint32_t count = 0, ri = 0, li = 0, o = 0;
    for (uint32_t i = 0; i + 1 < half; i++, ri++, count++)
        sum += in[ri * stride];
    for (uint32_t i = 0; i < window - half + 1; i++, ri++, o++) {
        sum += in[ri * stride];
        count++;
        out[o * stride] = sum / (float)count;
    }
    for (uint32_t i = 0; i < n - window; i++, ri++, li++, o++) {
        sum += in[ri * stride];
        sum -= in[li * stride];
        out[o * stride] = sum / (float)count;
    }
    for (uint32_t i = 0; i + 1 < half; i++, li++, o++) {
        sum -= in[li * stride];
        count--;
        out[o * stride] = sum / (float)count;
    }
}

/* The 16x16 DCT coefficients to the 256 bits, in vigie's byte order. */
static inline void model_bits(const float dct[MODEL_DCT][MODEL_DCT], vg_pdq_hash *out)
{
    float sorted[MODEL_DCT * MODEL_DCT];
    memcpy(sorted, dct, sizeof sorted);
    /* insertion sort: 256 values, clarity over speed */
    for (int i = 1; i < MODEL_DCT * MODEL_DCT; i++) {
        float v = sorted[i];
        int k = i;
        for (; k > 0 && sorted[k - 1] > v; k--)
            sorted[k] = sorted[k - 1];
        sorted[k] = v;
    }
    float median = sorted[MODEL_DCT * MODEL_DCT / 2 - 1];
    memset(out->bytes, 0, sizeof out->bytes);
    for (int i = 0; i < MODEL_DCT; i++)
        for (int j = 0; j < MODEL_DCT; j++)
            if (dct[i][j] > median)
                out->bytes[2 * (15 - i) + (j < 8 ? 1 : 0)] |= (uint8_t)(1u << (j % 8));
}

/* Orientation o (vg_pdq_dihedral order: original, rotate 90, 180, 270,
 * flip x, flip y, flip +1, flip -1) of the DCT of the original. */
static inline void model_orient(const float a[MODEL_DCT][MODEL_DCT], int o,
                                float b[MODEL_DCT][MODEL_DCT])
{
    for (int i = 0; i < MODEL_DCT; i++)
        for (int j = 0; j < MODEL_DCT; j++) {
            float v = a[i][j];
            switch (o) {
            case 0: b[i][j] = v; break;
            case 1: b[j][i] = j % 2 ? v : -v; break;
            case 2: b[i][j] = (i + j) % 2 ? -v : v; break;
            case 3: b[j][i] = i % 2 ? v : -v; break;
            case 4: b[i][j] = i % 2 ? v : -v; break;
            case 5: b[i][j] = j % 2 ? v : -v; break;
            case 6: b[j][i] = v; break;
            default: b[j][i] = (i + j) % 2 ? -v : v; break;
            }
        }
}

/* The whole hash of a picture (layout VG_PIXEL_RGB8 or VG_PIXEL_GRAY8,
 * rows `stride` bytes apart), all eight orientations. */
static inline void model_pdq(const uint8_t *pixels, uint32_t w, uint32_t h, size_t stride,
                             vg_pixel_layout layout, vg_pdq_result *out)
{
    memset(out, 0, sizeof *out);
    out->has_dihedral = true;
    if (w < 5 || h < 5)
        return;
    size_t n = (size_t)w * h;
    float *a = malloc(n * sizeof(float)), *b = malloc(n * sizeof(float));
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++) {
            const uint8_t *p = pixels + y * stride + (size_t)x * (layout == VG_PIXEL_RGB8 ? 3 : 1);
            a[(size_t)y * w + x] = layout == VG_PIXEL_RGB8
                                       ? 0.299f * (float)p[0] + 0.587f * (float)p[1] +
                                             0.114f * (float)p[2]
                                       : (float)p[0];
        }
    float grid[MODEL_GRID][MODEL_GRID];
    if (w == MODEL_GRID && h == MODEL_GRID) {
        memcpy(grid, a, sizeof grid);
    } else {
        uint32_t wx = (w + 2 * MODEL_GRID - 1) / (2 * MODEL_GRID);
        uint32_t wy = (h + 2 * MODEL_GRID - 1) / (2 * MODEL_GRID);
        for (int pass = 0; pass < 2; pass++) {
            for (uint32_t y = 0; y < h; y++)
                model_box(a + (size_t)y * w, b + (size_t)y * w, w, 1, wx);
            for (uint32_t x = 0; x < w; x++)
                model_box(b + x, a + x, h, w, wy);
        }
        for (int i = 0; i < MODEL_GRID; i++)
            for (int j = 0; j < MODEL_GRID; j++) {
                uint32_t yi = (uint32_t)(((i + 0.5) * h) / MODEL_GRID);
                uint32_t xj = (uint32_t)(((j + 0.5) * w) / MODEL_GRID);
                grid[i][j] = a[(size_t)yi * w + xj];
            }
    }
    free(a);
    free(b);

    int gradient = 0;
    for (int i = 0; i < MODEL_GRID; i++)
        for (int j = 0; j < MODEL_GRID; j++) {
            if (i + 1 < MODEL_GRID)
                gradient += abs((int)(((grid[i][j] - grid[i + 1][j]) * 100) / 255));
            if (j + 1 < MODEL_GRID)
                gradient += abs((int)(((grid[i][j] - grid[i][j + 1]) * 100) / 255));
        }
    out->quality = gradient / 90 > 100 ? 100 : gradient / 90;

    float d[MODEL_DCT][MODEL_GRID];
    const float scale = (float)sqrt(2.0 / MODEL_GRID);
    for (int i = 0; i < MODEL_DCT; i++)
        for (int j = 0; j < MODEL_GRID; j++)
            d[i][j] = (float)(scale * cos(M_PI / 2.0 / MODEL_GRID * (i + 1) * (2 * j + 1)));
    float t[MODEL_DCT][MODEL_GRID], dct[MODEL_DCT][MODEL_DCT], turned[MODEL_DCT][MODEL_DCT];
    for (int i = 0; i < MODEL_DCT; i++)
        for (int j = 0; j < MODEL_GRID; j++) {
            float sum = 0.0f;
            for (int k = 0; k < MODEL_GRID; k++)
                sum += d[i][k] * grid[k][j];
            t[i][j] = sum;
        }
    for (int i = 0; i < MODEL_DCT; i++)
        for (int j = 0; j < MODEL_DCT; j++) {
            float sum = 0.0f;
            for (int k = 0; k < MODEL_GRID; k++)
                sum += t[i][k] * d[j][k];
            dct[i][j] = sum;
        }
    for (int o = 0; o < VG_PDQ_DIHEDRAL_COUNT; o++) {
        model_orient((const float(*)[MODEL_DCT])dct, o, turned);
        model_bits((const float(*)[MODEL_DCT])turned, &out->hashes[o]);
    }
}

#endif

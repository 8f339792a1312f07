/*
 * patch_describe.c - the 64-bit hash of the window around a salient point.
 *
 * The window (radius PATCH_WINDOW sigmas, so it spans the blob and its
 * surroundings) is sampled on a PATCH_GRID x PATCH_GRID grid, bilinearly,
 * from the scale-space image whose blur is the point's scale: sampling is
 * then about 0.75 sigma apart, below the blur, so no aliasing. Its 2-D
 * DCT-II is taken and the signs of the 63 lowest coefficients but the mean
 * are the hash bits, in zigzag order: signs do not care about brightness
 * or contrast (recompression, greyscale, gamma), and low frequencies do not
 * care much about the few tenths of a sigma by which the point of an
 * edited copy moves.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "patch/patch_internal.h"

/* JPEG's zigzag order over an 8x8 block, as v * 8 + u (v vertical). */
static const uint8_t zigzag[64] = {
    0,  1,  8,  16, 9,  2,  3,  10, 17, 24, 32, 25, 18, 11, 4,  5,  12, 19, 26, 33, 40, 48,
    41, 34, 27, 20, 13, 6,  7,  14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23,
    30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63};

uint64_t vg_patch_mirror_hash(uint64_t hash)
{
    /* A horizontal flip negates the coefficients of odd horizontal
     * frequency u: flip those bits (bit p - 1 holds zigzag position p). */
    uint64_t mask = 0;
    for (int p = 1; p < 64; p++)
        if ((zigzag[p] % 8) & 1)
            mask |= 1ull << (p - 1);
    return hash ^ mask;
}

static float sample(const float *img, uint32_t w, uint32_t h, float x, float y)
{
    if (x < 0)
        x = 0;
    if (y < 0)
        y = 0;
    if (x > (float)(w - 1))
        x = (float)(w - 1);
    if (y > (float)(h - 1))
        y = (float)(h - 1);
    uint32_t x0 = (uint32_t)x, y0 = (uint32_t)y;
    uint32_t x1 = x0 + 1 < w ? x0 + 1 : x0, y1 = y0 + 1 < h ? y0 + 1 : y0;
    float fx = x - (float)x0, fy = y - (float)y0;
    const float *r0 = img + (size_t)y0 * w, *r1 = img + (size_t)y1 * w;
    float top = r0[x0] + fx * (r0[x1] - r0[x0]);
    float bottom = r1[x0] + fx * (r1[x1] - r1[x0]);
    return top + fy * (bottom - top);
}

bool patch_describe(const patch_space *space, const patch_point *p, uint64_t *hash,
                    uint8_t weak[VG_PATCH_WEAK_BITS])
{
    const patch_octave *oc = &space->oct[p->octave];
    const float unit = (float)(1u << p->octave);
    const float cx = p->x / unit, cy = p->y / unit, radius = PATCH_WINDOW * p->sigma / unit;
    if (cx - radius < 0 || cy - radius < 0 || cx + radius > (float)(oc->w - 1) ||
        cy + radius > (float)(oc->h - 1))
        return false;

    float grid[PATCH_GRID][PATCH_GRID];
    const float step = 2.0f * radius / PATCH_GRID;
    for (int j = 0; j < PATCH_GRID; j++)
        for (int i = 0; i < PATCH_GRID; i++)
            grid[j][i] = sample(oc->gauss[p->level], oc->w, oc->h,
                                cx + ((float)i + 0.5f - PATCH_GRID / 2) * step,
                                cy + ((float)j + 0.5f - PATCH_GRID / 2) * step);

    float basis[PATCH_DCT][PATCH_GRID];
    for (int u = 0; u < PATCH_DCT; u++)
        for (int i = 0; i < PATCH_GRID; i++)
            basis[u][i] = cosf((float)M_PI * (2.0f * (float)i + 1.0f) * (float)u /
                               (2.0f * PATCH_GRID));
    /* Rows first: t[j][u] = sum_i grid[j][i] basis[u][i]. */
    float t[PATCH_GRID][PATCH_DCT];
    for (int j = 0; j < PATCH_GRID; j++)
        for (int u = 0; u < PATCH_DCT; u++) {
            float s = 0.0f;
            for (int i = 0; i < PATCH_GRID; i++)
                s += grid[j][i] * basis[u][i];
            t[j][u] = s;
        }
    float coef[PATCH_DCT * PATCH_DCT];
    for (int v = 0; v < PATCH_DCT; v++)
        for (int u = 0; u < PATCH_DCT; u++) {
            float s = 0.0f;
            for (int j = 0; j < PATCH_GRID; j++)
                s += t[j][u] * basis[v][j];
            coef[v * PATCH_DCT + u] = s;
        }

    uint64_t bits = p->bright ? 1ull << 63 : 0;
    for (int z = 1; z < 64; z++)
        if (coef[zigzag[z]] > 0.0f)
            bits |= 1ull << (z - 1);
    *hash = bits;

    /* The weakest key bits: smallest |coefficient| first (selection sort of
     * a few among PATCH_KEY_BITS). */
    float mag[PATCH_KEY_BITS];
    for (int b = 0; b < PATCH_KEY_BITS; b++)
        mag[b] = fabsf(coef[zigzag[b + 1]]);
    for (int k = 0; k < VG_PATCH_WEAK_BITS; k++) {
        int best = -1;
        for (int b = 0; b < PATCH_KEY_BITS; b++)
            if (mag[b] >= 0.0f && (best < 0 || mag[b] < mag[best]))
                best = b;
        weak[k] = (uint8_t)best;
        mag[best] = -1.0f;
    }
    return true;
}

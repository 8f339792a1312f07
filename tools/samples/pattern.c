/* Deterministic synthetic pictures from integers only (pattern.h). */
#include "pattern.h"

#include <stdbool.h>
#include <stdlib.h>

/* A 32-bit mix of three numbers (an integer hash, not a random generator:
 * the same inputs give the same value everywhere). */
static uint32_t mix(uint32_t a, uint32_t b, uint32_t c)
{
    uint32_t h = a * 0x9E3779B1u ^ (b + 0x7F4A7C15u) * 0x85EBCA77u ^ (c + 0x165667B1u) * 0xC2B2AE3Du;
    h ^= h >> 15;
    h *= 0x2C1B3C6Du;
    h ^= h >> 12;
    h *= 0x297A2D39u;
    h ^= h >> 15;
    return h;
}

/* Value noise in 0..255: a lattice of random values every `cell` pixels,
 * interpolated bilinearly in fixed point. */
static uint32_t noise(uint32_t x, uint32_t y, uint32_t cell, uint32_t seed)
{
    uint32_t cx = x / cell, cy = y / cell, fx = x % cell, fy = y % cell;
    uint32_t a = mix(cx, cy, seed) & 255, b = mix(cx + 1, cy, seed) & 255;
    uint32_t c = mix(cx, cy + 1, seed) & 255, d = mix(cx + 1, cy + 1, seed) & 255;
    uint32_t top = a * (cell - fx) + b * fx, bottom = c * (cell - fx) + d * fx;
    return (top * (cell - fy) + bottom * fy) / (cell * cell);
}

static uint8_t clamp(int32_t v)
{
    return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

uint8_t *vg_pattern_rgb(uint32_t width, uint32_t height, uint32_t seed)
{
    if (!width || !height || (uint64_t)width * height > (UINT32_MAX / 3u))
        return NULL;
    uint8_t *pixels = malloc((size_t)width * height * 3);
    if (!pixels)
        return NULL;
    /* Four shapes: rectangles (even) and discs (odd), placed and coloured
     * by the seed, in picture-relative units of 1/1024. */
    uint32_t shape[4][6];
    for (uint32_t s = 0; s < 4; s++)
        for (uint32_t k = 0; k < 6; k++)
            shape[s][k] = mix(seed, s, k + 100);
    uint32_t big = width > height ? width : height;
    uint32_t coarse = big / 6 + 2, fine = big / 40 + 2;
    for (uint32_t y = 0; y < height; y++) {
        for (uint32_t x = 0; x < width; x++) {
            int32_t r = (int32_t)(x * 200 / width) + 20;
            int32_t g = (int32_t)(y * 180 / height) + 30;
            int32_t b = (int32_t)((x + y) * 160 / (width + height)) + 60;
            int32_t n = (int32_t)noise(x, y, coarse, seed) - 128;
            int32_t t = (int32_t)noise(x, y, fine, seed ^ 0x5bd1e995u) - 128;
            r += n / 2 + t / 4;
            g += n / 3 - t / 4;
            b -= n / 2 + t / 5;
            uint64_t px = (uint64_t)x * 1024 / width, py = (uint64_t)y * 1024 / height;
            for (uint32_t s = 0; s < 4; s++) {
                const uint32_t *v = shape[s];
                uint64_t cx = v[0] % 1024, cy = v[1] % 1024, ext = 80 + v[2] % 220;
                int64_t dx = (int64_t)px - (int64_t)cx, dy = (int64_t)py - (int64_t)cy;
                bool inside = s % 2 ? dx * dx + dy * dy < (int64_t)(ext * ext)
                                    : (dx < 0 ? -dx : dx) < (int64_t)ext &&
                                          (dy < 0 ? -dy : dy) < (int64_t)(ext / 2 + 30);
                if (inside) {
                    r = (int32_t)(v[3] & 255) + t / 8;
                    g = (int32_t)(v[4] & 255) + t / 8;
                    b = (int32_t)(v[5] & 255) - t / 8;
                }
            }
            uint8_t *p = pixels + ((size_t)y * width + x) * 3;
            p[0] = clamp(r);
            p[1] = clamp(g);
            p[2] = clamp(b);
        }
    }
    return pixels;
}

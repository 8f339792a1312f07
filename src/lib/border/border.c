/*
 * border.c - peel flat bars off a sketch (vigie/border.h).
 */
#include <stdlib.h>

#include "vigie/border.h"

/* A line of pixels: `count` pixels starting at p, `step` bytes apart. It
 * is flat when its pixels stay close to its mean colour on average (noise
 * and JPEG ringing) and nearly all of them stay within a wider tolerance (a
 * small logo or a few outliers allowed, not a picture's edge). */
static bool line_is_flat(const uint8_t *p, uint32_t count, size_t step)
{
    if (count == 0)
        return false;
    uint64_t sum[3] = {0, 0, 0};
    for (uint32_t i = 0; i < count; i++)
        for (int c = 0; c < 3; c++)
            sum[c] += p[(size_t)i * step + c];
    int mean[3];
    for (int c = 0; c < 3; c++)
        mean[c] = (int)((sum[c] + count / 2) / count);
    uint64_t deviation = 0;
    uint32_t close = 0;
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *q = p + (size_t)i * step;
        int d0 = abs(q[0] - mean[0]), d1 = abs(q[1] - mean[1]), d2 = abs(q[2] - mean[2]);
        deviation += (uint64_t)(d0 + d1 + d2);
        close += d0 <= VG_BORDER_TOLERANCE && d1 <= VG_BORDER_TOLERANCE &&
                 d2 <= VG_BORDER_TOLERANCE;
    }
    return deviation <= (uint64_t)VG_BORDER_MEAN_DEVIATION * 3 * count &&
           close >= (uint32_t)(VG_BORDER_FLAT_SHARE * count + 0.5);
}

static bool row_flat(const vg_sketch_image *t, const vg_border_box *b, uint32_t y)
{
    return line_is_flat(t->rgb + ((size_t)y * t->width + b->x0) * 3, b->x1 - b->x0, 3);
}

static bool col_flat(const vg_sketch_image *t, const vg_border_box *b, uint32_t x)
{
    return line_is_flat(t->rgb + ((size_t)b->y0 * t->width + x) * 3, b->y1 - b->y0,
                        (size_t)t->width * 3);
}

bool vg_border_find(const vg_sketch_image *t, vg_border_box *box)
{
    vg_border_box b = {0, 0, t->width, t->height};
    *box = b;
    if (!t->rgb || t->width == 0 || t->height == 0)
        return false;
    /* Where a bar meets the picture, the sketch averages both into one line
     * that is not flat; when the line past it is flat again (the picture's
     * own flat edge, which its original would lose too) that seam goes with
     * the bar, so that bars + picture trims like the picture alone. */
    for (;;) {
        vg_border_box before = b;
        while (b.y0 < b.y1 && (row_flat(t, &b, b.y0) ||
                               (b.y0 > 0 && b.y0 + 1 < b.y1 && row_flat(t, &b, b.y0 + 1))))
            b.y0++;
        while (b.y1 > b.y0 && (row_flat(t, &b, b.y1 - 1) ||
                               (b.y1 < t->height && b.y1 - 1 > b.y0 && row_flat(t, &b, b.y1 - 2))))
            b.y1--;
        while (b.x0 < b.x1 && (col_flat(t, &b, b.x0) ||
                               (b.x0 > 0 && b.x0 + 1 < b.x1 && col_flat(t, &b, b.x0 + 1))))
            b.x0++;
        while (b.x1 > b.x0 && (col_flat(t, &b, b.x1 - 1) ||
                               (b.x1 < t->width && b.x1 - 1 > b.x0 && col_flat(t, &b, b.x1 - 2))))
            b.x1--;
        if (b.x0 == before.x0 && b.x1 == before.x1 && b.y0 == before.y0 && b.y1 == before.y1)
            break;
    }
    double keep_x = (double)(b.x1 - b.x0) / t->width;
    double keep_y = (double)(b.y1 - b.y0) / t->height;
    if (keep_x < VG_BORDER_MIN_KEEP || keep_y < VG_BORDER_MIN_KEEP)
        return false;
    if (keep_x > 1.0 - VG_BORDER_MIN_TRIM && keep_y > 1.0 - VG_BORDER_MIN_TRIM)
        return false;
    *box = b;
    return true;
}

vg_status vg_border_pdq(const vg_sketch_image *t, const vg_border_box *b, bool dihedral,
                        vg_pdq_result *out, vg_error *err)
{
    if (!t || !b || !out || !t->rgb || b->x0 >= b->x1 || b->y0 >= b->y1 || b->x1 > t->width ||
        b->y1 > t->height)
        return vg_error_set(err, VG_ERR_INVALID, "vg_border_pdq: no sketch or a bad box");
    const size_t stride = (size_t)t->width * 3;
    return vg_pdq_from_pixels(t->rgb + (size_t)b->y0 * stride + (size_t)b->x0 * 3, b->x1 - b->x0,
                              b->y1 - b->y0, stride, VG_PIXEL_RGB8, dihedral, out, err);
}

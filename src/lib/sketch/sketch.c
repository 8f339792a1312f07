/*
 * sketch.c - block-average reduction of a streamed image (vigie/sketch.h).
 *
 * Each input row is added, sample by sample, into one row of 32-bit column
 * sums (a straight vector add); when the input moves on to the next output
 * row the column sums are added up block by block into that row's means.
 * A column sum holds at most ceil(H / h) rows of 255: with h the sketch
 * height, rounded from H * 1024 / max(W, H), that stays below 2^32 for any
 * 32-bit height. Memory: the sketch, one row of column sums and the block
 * starts, whatever the input size.
 */
#include <stdlib.h>
#include <string.h>

#include "vigie/sketch.h"

typedef enum sketch_state { SKETCH_READY, SKETCH_RECEIVING, SKETCH_FAILED, SKETCH_DONE } sketch_state;

struct vg_sketch {
    sketch_state state;
    uint32_t src_w, src_h, w, h;
    vg_pixel_layout layout;
    uint32_t next_row;   /* input rows received */
    uint32_t bin_row;    /* output row the sums belong to */
    uint32_t bin_rows;   /* input rows summed so far into it */
    uint32_t *col_start; /* w + 1 entries: first input column of each block */
    uint32_t *sums;      /* src_w * 3 (grey: src_w): column sums of the current block row */
    uint8_t *rgb;        /* w * h * 3 */
    size_t cap_cols, cap_sums, cap_pixels;
};

vg_status vg_sketch_new(vg_sketch **out, vg_error *err)
{
    vg_sketch *t = calloc(1, sizeof *t);
    if (!t)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory creating a sketch");
    *out = t;
    return VG_OK;
}

void vg_sketch_free(vg_sketch *t)
{
    if (!t)
        return;
    free(t->col_start);
    free(t->sums);
    free(t->rgb);
    free(t);
}

void vg_sketch_reset(vg_sketch *t)
{
    if (t)
        t->state = SKETCH_READY;
}

static uint32_t scaled_side(uint32_t side, uint32_t longer)
{
    uint64_t s = ((uint64_t)side * VG_SKETCH_SIDE + longer / 2) / longer;
    return s < 1 ? 1 : (uint32_t)s;
}

static vg_status reserve(vg_sketch *t, vg_error *err)
{
    size_t pixels = (size_t)t->w * t->h;
    if (t->w + 1 > t->cap_cols) {
        uint32_t *cs = realloc(t->col_start, (t->w + 1) * sizeof *cs);
        if (!cs)
            return vg_error_set(err, VG_ERR_NOMEM, "out of memory making a sketch");
        t->col_start = cs;
        t->cap_cols = t->w + 1;
    }
    size_t sums = (size_t)t->src_w * t->layout;
    if (sums > t->cap_sums) {
        uint32_t *grown = realloc(t->sums, sums * sizeof *grown);
        if (!grown)
            return vg_error_set(err, VG_ERR_NOMEM, "out of memory making a sketch");
        t->sums = grown;
        t->cap_sums = sums;
    }
    if (pixels > t->cap_pixels) {
        uint8_t *rgb = realloc(t->rgb, pixels * 3);
        if (!rgb)
            return vg_error_set(err, VG_ERR_NOMEM, "out of memory making a sketch");
        t->rgb = rgb;
        t->cap_pixels = pixels;
    }
    return VG_OK;
}

static vg_status sketch_begin(void *user, const vg_image_info *info, vg_error *err)
{
    vg_sketch *t = user;
    if (t->state != SKETCH_READY || !info || info->width == 0 || info->height == 0 ||
        (info->layout != VG_PIXEL_GRAY8 && info->layout != VG_PIXEL_RGB8)) {
        t->state = SKETCH_FAILED;
        return vg_error_set(err, VG_ERR_INVALID, "sketch: no image, or a second one");
    }
    t->src_w = info->width;
    t->src_h = info->height;
    t->layout = info->layout;
    uint32_t longer = t->src_w > t->src_h ? t->src_w : t->src_h;
    if (longer <= VG_SKETCH_SIDE) {
        t->w = t->src_w;
        t->h = t->src_h;
    } else {
        t->w = scaled_side(t->src_w, longer);
        t->h = scaled_side(t->src_h, longer);
    }
    vg_status st = reserve(t, err);
    if (st != VG_OK) {
        t->state = SKETCH_FAILED;
        return st;
    }
    /* Block i holds the columns x with floor(x * w / W) == i: it starts at
     * ceil(i * W / w). */
    for (uint32_t i = 0; i <= t->w; i++)
        t->col_start[i] = (uint32_t)(((uint64_t)i * t->src_w + t->w - 1) / t->w);
    memset(t->sums, 0, (size_t)t->src_w * t->layout * sizeof *t->sums);
    t->next_row = 0;
    t->bin_row = 0;
    t->bin_rows = 0;
    t->state = SKETCH_RECEIVING;
    return VG_OK;
}

/* The summed rows become output row bin_row: each block's total over its
 * columns, divided by its pixel count and rounded half up. The quotient is
 * computed in double: a total below 2^53 over a count below 2^45 gives the
 * exact integer part (the quotient is at most 255.5 and, when not a whole
 * number, at least 1 / count away from one). */
static void flush_bin(vg_sketch *t)
{
    uint8_t *out = t->rgb + (size_t)t->bin_row * t->w * 3;
    const unsigned channels = t->layout == VG_PIXEL_RGB8 ? 3 : 1;
    for (uint32_t i = 0; i < t->w; i++) {
        uint64_t total[3] = {0, 0, 0};
        for (uint32_t x = t->col_start[i]; x < t->col_start[i + 1]; x++)
            for (unsigned c = 0; c < channels; c++)
                total[c] += t->sums[(size_t)x * channels + c];
        uint64_t count = (uint64_t)(t->col_start[i + 1] - t->col_start[i]) * t->bin_rows;
        double n = (double)count;
        for (unsigned c = 0; c < 3; c++)
            out[(size_t)i * 3 + c] =
                (uint8_t)((double)(total[channels == 3 ? c : 0] + count / 2) / n);
    }
    memset(t->sums, 0, (size_t)t->src_w * channels * sizeof *t->sums);
    t->bin_rows = 0;
}

/* Column sums: a straight add the compiler vectorises. */
static void add_row(uint32_t *restrict sums, const uint8_t *restrict p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sums[i] += p[i];
}

static vg_status sketch_row(void *user, uint32_t y, const uint8_t *pixels, vg_error *err)
{
    vg_sketch *t = user;
    if (t->state != SKETCH_RECEIVING || y != t->next_row || y >= t->src_h || !pixels) {
        t->state = SKETCH_FAILED;
        return vg_error_set(err, VG_ERR_INVALID, "sketch got row %u out of order", y);
    }
    t->next_row++;
    uint32_t bin = (uint32_t)((uint64_t)y * t->h / t->src_h);
    if (bin != t->bin_row) {
        flush_bin(t);
        t->bin_row = bin;
    }
    add_row(t->sums, pixels, (size_t)t->src_w * t->layout);
    t->bin_rows++;
    return VG_OK;
}

vg_row_sink vg_sketch_sink(vg_sketch *sketch)
{
    vg_row_sink sink = {sketch_begin, sketch_row, sketch};
    return sink;
}

vg_status vg_sketch_finish(vg_sketch *t, vg_sketch_image *out, vg_error *err)
{
    if (!t || !out)
        return vg_error_set(err, VG_ERR_INVALID, "vg_sketch_finish: NULL argument");
    if (t->state == SKETCH_RECEIVING && t->next_row == t->src_h) {
        flush_bin(t);
        t->state = SKETCH_DONE;
    }
    if (t->state != SKETCH_DONE)
        return vg_error_set(err, VG_ERR_INVALID, "sketch: the image was not complete");
    *out = (vg_sketch_image){.width = t->w, .height = t->h, .src_width = t->src_w,
                            .src_height = t->src_h, .rgb = t->rgb};
    return VG_OK;
}

vg_status vg_sketch_from_pixels(const uint8_t *pixels, uint32_t width, uint32_t height,
                               size_t stride, vg_pixel_layout layout, vg_sketch **sketch,
                               vg_sketch_image *out, vg_error *err)
{
    if (!pixels || !sketch || !out)
        return vg_error_set(err, VG_ERR_INVALID, "vg_sketch_from_pixels: NULL argument");
    vg_status st = vg_sketch_new(sketch, err);
    if (st != VG_OK)
        return st;
    vg_image_info info = {.width = width, .height = height, .layout = layout};
    st = sketch_begin(*sketch, &info, err);
    for (uint32_t y = 0; st == VG_OK && y < height; y++)
        st = sketch_row(*sketch, y, pixels + (size_t)y * stride, err);
    if (st == VG_OK)
        st = vg_sketch_finish(*sketch, out, err);
    if (st != VG_OK) {
        vg_sketch_free(*sketch);
        *sketch = NULL;
    }
    return st;
}

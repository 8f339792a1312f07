/*
 * vigie/sketch.h - a small RGB copy of an image, made while it is decoded.
 *
 * The robust signals (the border-trimmed PDQ of vigie/border.h and the
 * patch sets of vigie/patch.h) look at a picture's layout, not its fine
 * detail, so they work on a sketch: the image reduced by averaging
 * blocks of pixels so that its longer side is at most VG_SKETCH_SIDE. A
 * sketch is a vg_row_sink: it consumes decoded rows top to bottom next to
 * the PDQ stream (one decode feeds both) and keeps one row of sums besides
 * the sketch itself, so it never holds the full image.
 *
 * Reduction: output pixel (i, j) is the mean of the input pixels whose
 * column x has floor(x * tw / W) == i and row y has floor(y * th / H) == j,
 * where tw x th is the output size (W x H scaled so the longer side is
 * VG_SKETCH_SIDE, each side rounded and at least 1). Images already that
 * small are copied. Grey images become R = G = B.
 *
 * A sketch is used by one thread at a time; distinct sketches are independent.
 */
#ifndef VIGIE_SKETCH_H
#define VIGIE_SKETCH_H

#include <stddef.h>
#include <stdint.h>

#include "vigie/error.h"
#include "vigie/image.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VG_SKETCH_SIDE 1024

/* A finished sketch: RGB8 rows, width * 3 bytes apart, borrowed from the
 * sketch that made it (valid until it is reset or freed). */
typedef struct vg_sketch_image {
    uint32_t width, height;       /* of the sketch */
    uint32_t src_width, src_height; /* of the image it was made from */
    const uint8_t *rgb;
} vg_sketch_image;

typedef struct vg_sketch vg_sketch;

vg_status vg_sketch_new(vg_sketch **out, vg_error *err);
void vg_sketch_free(vg_sketch *sketch);
/* Ready for another image; buffers are kept. */
void vg_sketch_reset(vg_sketch *sketch);
/* The sink to feed one image's rows into. */
vg_row_sink vg_sketch_sink(vg_sketch *sketch);
/* After the last row: the sketch. VG_ERR_INVALID when no image or not
 * all of its rows were received. */
vg_status vg_sketch_finish(vg_sketch *sketch, vg_sketch_image *out, vg_error *err);

/* One-shot: a sketch of pixels already in memory (rows `stride` bytes
 * apart). The result borrows from *sketch, which the caller frees. */
vg_status vg_sketch_from_pixels(const uint8_t *pixels, uint32_t width, uint32_t height,
                               size_t stride, vg_pixel_layout layout, vg_sketch **sketch,
                               vg_sketch_image *out, vg_error *err);

#ifdef __cplusplus
}
#endif
#endif

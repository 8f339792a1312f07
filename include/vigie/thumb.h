/*
 * vigie/thumb.h - small pictures of evidence, made in memory.
 *
 * Minimal exposure: people who must look at a picture first see it small,
 * blurred and in grey. This module makes such a thumbnail from an encoded
 * picture (any format vigie decodes), or a grid of several pictures (the
 * stills of a video), as a PNG, entirely in memory: the
 * decoded pixels are wiped before they are freed, and nothing touches the
 * disk. It knows nothing of who may look (the hotline decides that).
 */
#ifndef VIGIE_THUMB_H
#define VIGIE_THUMB_H

#include <stddef.h>
#include <stdint.h>

#include "vigie/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vg_thumb_options {
    uint32_t max_side;   /* longest side of the thumbnail, in pixels (>= 1) */
    int grey;            /* 1: one grey channel; 0: colour */
    uint32_t blur;       /* box blur radius in pixels, applied in two passes; 0: sharp */
    uint64_t max_pixels; /* larger pictures are refused before decoding (0: 40 million) */
} vg_thumb_options;

/* Decode data (len bytes) and make its thumbnail as a PNG into *png
 * (malloc'd, *png_len bytes; release with vg_thumb_free). A picture never
 * grows: one smaller than max_side keeps its size. VG_ERR_FORMAT when data
 * is not a picture vigie decodes. */
vg_status vg_thumb_png(const uint8_t *data, size_t len, const vg_thumb_options *opt,
                       uint8_t **png, size_t *png_len, vg_error *err);
/* A picture given as pixels: RGB24, width * 3 bytes a row (borrowed). */
typedef struct vg_thumb_picture {
    uint32_t width, height;
    const uint8_t *rgb;
} vg_thumb_picture;

/* Several pictures (a video's stills) as one PNG: a grid of `columns`
 * cells a row, each max_side pixels square with the picture centred in it
 * (shrunk to fit, never grown), on a dark background; grey and blur apply
 * to each picture on its own. 1 to 1024 pictures; the grid is at most 40
 * million pixels. */
vg_status vg_thumb_grid_png(const vg_thumb_picture *pictures, size_t count, unsigned columns,
                            const vg_thumb_options *opt, uint8_t **png, size_t *png_len,
                            vg_error *err);
/* Wipe and free a thumbnail. */
void vg_thumb_free(uint8_t *png, size_t png_len);

#ifdef __cplusplus
}
#endif
#endif

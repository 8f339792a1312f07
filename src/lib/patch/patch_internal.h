/*
 * patch_internal.h - the pieces of the patch-set signal shared inside
 * src/lib/patch: the scale space and its salient points (patch_detect.c),
 * the patch hash (patch_describe.c). vigie/patch.h describes the method.
 */
#ifndef VIGIE_PATCH_INTERNAL_H
#define VIGIE_PATCH_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vigie/patch.h"

#define PATCH_LEVELS 3           /* DoG levels searched per octave */
#define PATCH_IMAGES (PATCH_LEVELS + 3)
#define PATCH_SIGMA0 1.6f        /* blur of an octave's first image */
#define PATCH_INPUT_BLUR 0.5f    /* blur assumed in the base image */
#define PATCH_MAX_OCTAVES 5
#define PATCH_MIN_OCTAVE_SIDE 12 /* no octave smaller than this */
#define PATCH_CONTRAST 1.5f      /* |DoG| at least, luma 0..255 */
#define PATCH_EDGE_RATIO 20.0f   /* principal curvature ratio at most */
#define PATCH_WINDOW 6.0f        /* window radius in sigmas */
#define PATCH_GRID 16            /* window samples per side */
#define PATCH_DCT 8              /* DCT coefficients kept per side */

/* One octave of the scale space: PATCH_IMAGES blurred images and their
 * PATCH_IMAGES - 1 differences, all w x h floats. */
typedef struct patch_octave {
    uint32_t w, h;
    float *gauss[PATCH_IMAGES];
    float *dog[PATCH_IMAGES - 1];
} patch_octave;

typedef struct patch_space {
    uint32_t octaves;
    uint32_t base_w, base_h;
    patch_octave oct[PATCH_MAX_OCTAVES];
    float *memory; /* one block behind every image */
} patch_space;

/* A salient point, in base-image pixels. */
typedef struct patch_point {
    float x, y, sigma;
    float response; /* |DoG| interpolated */
    bool bright;    /* DoG > 0: a dark blob on bright ground is false */
    uint32_t octave;
    uint32_t level; /* the gauss[] image the point is described from */
} patch_point;

/* Build the scale space of a luma image (0..255) of w x h. */
vg_status patch_space_build(const float *luma, uint32_t w, uint32_t h, patch_space *space,
                            vg_error *err);
void patch_space_free(patch_space *space);

/* Every salient point of the space, unsorted, into a malloc'd array. */
vg_status patch_space_points(const patch_space *space, patch_point **points, size_t *count,
                             vg_error *err);

/* The 64-bit hash of the window around p, and the key bits whose
 * coefficients were the weakest (see vg_patch.weak). False when the window
 * is not inside the picture. */
bool patch_describe(const patch_space *space, const patch_point *p, uint64_t *hash,
                    uint8_t weak[VG_PATCH_WEAK_BITS]);

/* Bits of the hash used as the index key: the lowest frequencies. */
#define PATCH_KEY_BITS 24

/* --- patch_compare.c: geometric consensus ------------------------------ */

/* A close pair of patches, query side and bank side, in units of each
 * picture's longer side (a mirrored query has its x negated). */
typedef struct patch_pair {
    float qx, qy, qsigma, bx, by, bsigma;
    float log2_ratio; /* log2(qsigma / bsigma) */
    uint8_t qi, bi, distance;
} patch_pair;

/* Fill a pair from the two patches (qi, bi: their numbers in their sets). */
void patch_pair_make(const vg_patch *q, uint32_t qi, uint64_t bank_hash, uint32_t bank_geometry,
                     uint32_t bi, bool mirrored, patch_pair *out);
/* The patch geometry packed as in the encoded form: x | y << 12 | scale << 24. */
uint32_t patch_geometry(const vg_patch *p);
/* Sort pairs closest first and find the transform most of them agree with;
 * updates *best when it beats it. pairs is reordered. */
void patch_consensus(patch_pair *pairs, size_t n, bool mirrored, vg_patch_verdict *best);

#endif

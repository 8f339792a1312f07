/*
 * vigie/patch.h - patch sets: a picture described by the hashes of small
 * patches around its salient points, matched geometrically, so that a crop,
 * a picture framed by a screenshot or re-scaled still matches the original.
 *
 * Global hashes such as PDQ describe the whole frame: when a re-shared copy
 * is cropped by a few percent every cell moves and the hash no longer
 * matches. A patch set ("patchset" signal) describes local content that a
 * crop leaves in place:
 *
 *   1. the picture inside its bars (vigie/border.h) is reduced to a base
 *      image whose longer side is at most VG_PATCH_BASE_SIDE pixels;
 *   2. salient points are the extrema of a difference-of-Gaussians scale
 *      space (3 levels per octave), refined to sub-pixel position and
 *      scale, with low-contrast points and points on straight edges
 *      dropped; a point's strength is its interpolated DoG response;
 *   3. each point whose window (VG_PATCH_WINDOW times its scale in radius)
 *      lies inside the picture is described by a 64-bit patch hash: the
 *      window is sampled on a 16x16 grid from the scale-space level of the
 *      point, and the signs of the 63 lowest 2-D DCT coefficients but the
 *      mean (zigzag order, bit 0 the lowest frequency) plus the sign of the
 *      DoG response (bit 63) form the hash;
 *   4. the strongest points are kept (at most `max_patches`), with their
 *      position and scale relative to the picture's longer side.
 *
 * Two patch sets match when enough patch pairs are close in Hamming
 * distance (VG_PATCH_MAX_DISTANCE) AND agree on one similarity transform
 * without rotation (one scale and one translation), checked by consensus:
 * every close pair proposes a transform and the one most pairs agree with
 * wins. The number of agreeing pairs is the match's score; a match needs at
 * least VG_PATCH_MIN_INLIERS. A mirrored picture is matched by testing the
 * query's mirror image too (a horizontal flip negates the DCT coefficients
 * of odd horizontal frequency, so it is a fixed bit mask), which the
 * verdict reports. docs/patchset.md has the reasoning, the parameters and
 * the measured behaviour.
 *
 * Everything here is a pure function of its inputs; thread-safe.
 */
#ifndef VIGIE_PATCH_H
#define VIGIE_PATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vigie/border.h"
#include "vigie/error.h"
#include "vigie/sketch.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VG_PATCH_MAX 64          /* patches a set may hold */
#define VG_PATCH_BANK_COUNT 32   /* patches kept for a bank picture */
#define VG_PATCH_QUERY_COUNT 48  /* patches kept for a query */
#define VG_PATCH_BASE_SIDE 256
#define VG_PATCH_MAX_DISTANCE 14 /* of 64 bits, for a patch pair */
#define VG_PATCH_MIN_INLIERS 4
#define VG_PATCH_WEAK_BITS 8     /* weakest key bits remembered for probing */

/* Positions and scales are fixed-point, relative to the longer side L of
 * the picture inside its bars: x = L * x_q / 4096 (same for y; 0..4095),
 * and the scale (the DoG sigma) is L * 2^(scale_q / 16 - 12). */
typedef struct vg_patch {
    uint64_t hash;
    uint16_t x, y;
    uint8_t scale;
    /* Indexes of the VG_PATCH_WEAK_BITS key bits whose DCT coefficients
     * were the closest to zero, weakest first: where the hash of an edited
     * copy most likely differs. Known only for sets made from pixels, not
     * for decoded ones (then all 255). */
    uint8_t weak[VG_PATCH_WEAK_BITS];
} vg_patch;

typedef struct vg_patchset {
    uint32_t count;
    vg_patch items[VG_PATCH_MAX]; /* strongest first */
} vg_patchset;

/* The patch set of the box (from vg_border_find, or the whole sketch)
 * of a sketch, at most max_patches (<= VG_PATCH_MAX) patches. A picture
 * too small or too flat has an empty set (count 0), which matches nothing. */
vg_status vg_patchset_from_sketch(const vg_sketch_image *sketch, const vg_border_box *box,
                                 uint32_t max_patches, vg_patchset *out, vg_error *err);

/* ---- the signal value ------------------------------------------------- */

/* Encoded form (the bank's `signal` column holds it in hex): a version
 * byte (1), a count byte n (1..VG_PATCH_MAX), then n records of 12 bytes:
 * the hash (8 bytes, little-endian), then x | y << 12 | scale << 24 as 4
 * bytes little-endian. */
#define VG_PATCHSET_VERSION 1
#define VG_PATCHSET_RECORD_BYTES 12
#define VG_PATCHSET_MAX_BYTES (2 + VG_PATCH_MAX * VG_PATCHSET_RECORD_BYTES)

/* Encode into out (VG_PATCHSET_MAX_BYTES at most); returns the length, or
 * 0 for an empty set (which has no encoded form). */
size_t vg_patchset_encode(const vg_patchset *set, uint8_t out[VG_PATCHSET_MAX_BYTES]);
/* Decode, checking everything: VG_ERR_CORRUPT with a reason for a wrong
 * version, count or length. */
vg_status vg_patchset_decode(const uint8_t *data, size_t len, vg_patchset *out, vg_error *err);

/* ---- matching ---------------------------------------------------------- */

typedef struct vg_patch_verdict {
    int inliers;  /* patch pairs agreeing on the transform: the score */
    bool mirrored; /* the query matched as a mirror image */
    /* The transform, query = scale * bank + (tx, ty), in units of the
     * bank picture's longer side (log2 of the scale). */
    double log2_scale, tx, ty;
} vg_patch_verdict;

/* How well query matches bank: the verdict of the best transform, direct
 * or mirrored. Returns verdict->inliers; a match is >= VG_PATCH_MIN_INLIERS. */
int vg_patchset_compare(const vg_patchset *query, const vg_patchset *bank,
                        vg_patch_verdict *verdict);

/* The hash of a patch seen in a mirror (horizontally flipped) picture. */
uint64_t vg_patch_mirror_hash(uint64_t hash);

/* ---- the index --------------------------------------------------------- */

/*
 * An inverted index over the patches of many pictures: every patch is
 * filed in a bucket named by the first key_bits bits of its hash (the
 * lowest DCT frequencies, the steadiest). A query patch visits its own
 * bucket and the buckets its weakest key bits would give if they flipped
 * (VG_PATCH_PROBES in all), keeps the patches within
 * VG_PATCH_MAX_DISTANCE, groups them by picture, and runs the geometric
 * consensus on every picture with at least VG_PATCH_MIN_INLIERS of them.
 * key_bits grows with the index (about eight patches per bucket, at most
 * 24 bits), so a lookup reads a fixed number of short buckets at any size.
 *
 * The index finds a subset of what comparing the query with every picture
 * would (a patch pair whose key differs in a bit that was not probed is not
 * seen), in exchange for not reading the other pictures.
 *
 * Layout (what an index file stores): key_bits; a directory of
 * 2^key_bits + 1 u32 bucket starts; the entries, bucket by bucket: u64
 * hash, u32 picture << 6 | patch number, u32 geometry (as encoded). So at
 * most 2^26 pictures per index, and 16 bytes per patch.
 */
#define VG_PATCH_PROBES 16
#define VG_PATCH_INDEX_MAX_PICTURES (1u << 26)

typedef struct vg_patch_entry {
    uint64_t hash;
    uint32_t ref;      /* picture << 6 | patch number */
    uint32_t geometry; /* x | y << 12 | scale << 24 */
} vg_patch_entry;

/* A read-only view of an index; the arrays are borrowed (from a builder or
 * a mapped file). */
typedef struct vg_patch_index {
    uint32_t key_bits;
    const uint32_t *directory; /* 2^key_bits + 1 entries */
    const vg_patch_entry *entries;
    uint64_t count;
} vg_patch_index;

typedef struct vg_patch_index_builder vg_patch_index_builder;

vg_status vg_patch_index_builder_new(vg_patch_index_builder **out, vg_error *err);
void vg_patch_index_builder_free(vg_patch_index_builder *builder);
/* Make room for `patches` patches in all (optional: saves regrowing). */
vg_status vg_patch_index_builder_reserve(vg_patch_index_builder *builder, uint64_t patches,
                                         vg_error *err);
/* File the patches of picture `picture` (< VG_PATCH_INDEX_MAX_PICTURES). */
vg_status vg_patch_index_builder_add(vg_patch_index_builder *builder, uint32_t picture,
                                     const vg_patchset *set, vg_error *err);
/* Sort the patches into buckets (in place) and give the view; the builder
 * owns the arrays and must outlive the view. Nothing may be added after. */
vg_status vg_patch_index_builder_finish(vg_patch_index_builder *builder, vg_patch_index *out,
                                        vg_error *err);

/* Check a view's invariants (directory ordered and covering the entries,
 * entries in their buckets): for views over untrusted files. */
vg_status vg_patch_index_check(const vg_patch_index *index, vg_error *err);

typedef struct vg_patch_hit {
    uint32_t picture;
    vg_patch_verdict verdict;
} vg_patch_hit;

/* Reusable search state and results; owned by the caller, one per thread. */
typedef struct vg_patch_search {
    vg_patch_hit *hits; /* best first (inliers, then picture number) */
    size_t count;
    /* internal scratch */
    void *scratch;
    size_t scratch_cap, hits_cap;
} vg_patch_search;

void vg_patch_search_free(vg_patch_search *search);

/* Every picture whose patches match the query with at least min_inliers
 * (VG_PATCH_MIN_INLIERS by default). Bounds-checks every read, so a
 * damaged view gives wrong answers at worst. */
vg_status vg_patch_index_search(const vg_patch_index *index, const vg_patchset *query,
                                int min_inliers, vg_patch_search *search, vg_error *err);

#ifdef __cplusplus
}
#endif
#endif

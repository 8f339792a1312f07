/*
 * vigie/border.h - bars and frames around a picture, and the PDQ of what
 * they enclose.
 *
 * Re-shared pictures often gain bars (letterboxing to another aspect
 * ratio, a coloured frame, the flat background of a screenshot). Bars move
 * every cell of a global hash, so canonical PDQ no longer matches. vigie
 * therefore computes, next to canonical PDQ (which stays bit-exact and
 * exchangeable), the PDQ of the picture with its bars removed: the
 * "pdq_trimmed" signal. It is computed the same way for bank pictures and
 * for queries, so a picture that has flat areas along its edges (a clear
 * sky, a studio background) is trimmed alike on both sides.
 *
 * Finding bars works on a sketch (vigie/sketch.h). A row is flat when its
 * pixels (between the side bars found so far) differ from the row's mean
 * colour by at most VG_BORDER_MEAN_DEVIATION on average per channel and at
 * least VG_BORDER_FLAT_SHARE of them lie within VG_BORDER_TOLERANCE of it in
 * every channel: bars may carry noise, JPEG ringing or a small logo, and a
 * bar may change colour from row to row (gradients, nested frames of
 * different colours). From each side, flat rows (top and bottom) and flat
 * columns (left and right) are peeled off until the first one that is not
 * flat (a line that is not flat between a peeled line and a flat one is the
 * seam where the sketch averaged bar and picture, and goes too); this repeats until nothing changes, because side bars keep rows from
 * being flat until they are gone. Nothing is trimmed when that would leave
 * less than VG_BORDER_MIN_KEEP of either side (a flat or nearly flat image
 * has no picture to find), nor when it would take less than
 * VG_BORDER_MIN_TRIM of both sides (a picture's own thin flat edge: its
 * canonical PDQ already says as much, and trimmed PDQ would cost a second
 * hash for nothing).
 */
#ifndef VIGIE_BORDER_H
#define VIGIE_BORDER_H

#include <stdbool.h>
#include <stdint.h>

#include "vigie/error.h"
#include "vigie/pdq.h"
#include "vigie/sketch.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VG_BORDER_MEAN_DEVIATION 10
#define VG_BORDER_TOLERANCE 40
#define VG_BORDER_FLAT_SHARE 0.95
#define VG_BORDER_MIN_KEEP 0.1
#define VG_BORDER_MIN_TRIM 0.02

/* The part of a sketch inside the bars: columns [x0, x1), rows [y0, y1). */
typedef struct vg_border_box {
    uint32_t x0, y0, x1, y1;
} vg_border_box;

/* Find the bars of a sketch. Returns true when some were found (the box
 * is smaller than the sketch); the box is then the picture inside them,
 * else the whole sketch. */
bool vg_border_find(const vg_sketch_image *sketch, vg_border_box *box);

/* PDQ (with the dihedral variants when asked) of the box of the sketch:
 * the pdq_trimmed signal when the box came from vg_border_find. */
vg_status vg_border_pdq(const vg_sketch_image *sketch, const vg_border_box *box, bool dihedral,
                        vg_pdq_result *out, vg_error *err);

#ifdef __cplusplus
}
#endif
#endif

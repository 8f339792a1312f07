/*
 * pdq_internal.h - the pieces of the PDQ hasher shared inside src/lib/pdq.
 *
 * The reference hasher (ThreatExchange pdq/cpp) turns the whole image into
 * float luma, blurs it with two rounds of "box along rows, then box along
 * columns" (a Jarosz tent filter), samples 64x64 points, takes a 16x16 DCT
 * and thresholds it at its median. vigie streams the same arithmetic:
 *
 *   rows in -> luma -> H1 (box along the row) -> V1 (per-column running sums
 *   over a ring of rows) -> H2 (box along the row, kept only at the 64
 *   sampled columns) -> V2 (running sums over those 64 columns) -> 64x64.
 *
 * Every float operation happens on the same operands in the same order as
 * in the reference, so the result is bit-identical; only the order in which
 * independent rows and columns are visited differs. Keep it that way: no
 * reciprocal multiplies, no reassociation, and -ffp-contract=off.
 */
#ifndef VIGIE_PDQ_INTERNAL_H
#define VIGIE_PDQ_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vigie/pdq.h"

/* Side of the sampled image and of the kept DCT block. */
#define PDQ_GRID 64
#define PDQ_DCT 16
/* The reference returns an all-zero hash of quality 0 below this size. */
#define PDQ_MIN_DIM 5
/* Rows filtered together along the row direction (vector lanes). */
#define PDQ_LANES 8

/* Box window length for a dimension of n samples reduced to 64 outputs:
 * half a 64th, rounded up (two passes make a full block). */
static inline uint32_t pdq_window_size(uint32_t n)
{
    return (uint32_t)(((uint64_t)n + 2 * PDQ_GRID - 1) / (2 * PDQ_GRID));
}

/* Index, along a dimension of n, of the sample taken for output i (0..63):
 * the input sample under the centre of output cell i, computed in double
 * exactly as the reference does. */
static inline uint32_t pdq_sample_index(uint32_t i, uint32_t n)
{
    return (uint32_t)(((i + 0.5) * (double)n) / PDQ_GRID);
}

/* Luma coefficients: the reference stores these double constants in float
 * variables, so convert from double (not a float literal) to get the same
 * rounding. */
#define PDQ_LUMA_R ((float)0.299)
#define PDQ_LUMA_G ((float)0.587)
#define PDQ_LUMA_B ((float)0.114)

/* --- pdq_filter.c: the box filters ------------------------------------ */

/*
 * Box pass along rows, on several rows filtered in lock-step. Input and
 * output are interleaved: sample x of lane l is at [x * stride + l], where
 * stride is PDQ_LANES (vector version) or 1 (one plain row). in must hold
 * initialised floats in every lane, used or not.
 *
 * _full writes every output; _sampled writes only the outputs at the ncols
 * sorted columns cols[k], to out[k * stride + l] (the running sum still
 * covers the whole row, as in the reference, so the kept values are the
 * same).
 */
void pdq_box_rows_full(const float *in, uint32_t stride, uint32_t n, uint32_t window,
                       float *out);
void pdq_box_rows_sampled(const float *in, uint32_t stride, uint32_t n, uint32_t window,
                          const uint32_t *cols, uint32_t ncols, float *out);

/* Rows to PDQ_LANES-interleaved form and back (n samples per row). */
void pdq_interleave8(const float *const *rows, uint32_t n, float *out);
/* Writes only the first `lanes` rows. */
void pdq_deinterleave8(const float *in, uint32_t n, float *const *rows, uint32_t lanes);

/*
 * Streaming box pass along columns. Rows of `width` floats are written by
 * the caller into the ring (pdq_vbox_slot(box, box->pushed + i)) and then
 * pushed in order; each output row comes out as soon as its window is
 * complete. With window + k slots a caller may write up to k rows ahead of
 * the last push (the stream uses k = its lane count). sums and ring belong
 * to the caller (the stream's arena).
 */
typedef struct pdq_vbox {
    uint32_t width;   /* floats per row */
    size_t pitch;     /* floats between ring slots (>= width) */
    uint32_t length;  /* rows in the whole column */
    uint32_t window;  /* full window */
    uint32_t half;    /* rows read before the first output, plus one */
    uint32_t slots;   /* rows in the ring */
    uint32_t pushed;  /* rows received so far */
    uint32_t emitted; /* rows output so far */
    float *sums;      /* running sum per column */
    float *ring;      /* slots * pitch floats */
} pdq_vbox;

void pdq_vbox_start(pdq_vbox *box, float *sums, float *ring, uint32_t slots, size_t pitch,
                    uint32_t width, uint32_t length, uint32_t window);
static inline float *pdq_vbox_slot(const pdq_vbox *box, uint32_t index)
{
    return box->ring + (size_t)(index % box->slots) * box->pitch;
}
/* Take the row already stored in slot(pushed). When an output row is ready,
 * write it to out (width floats) and return 1; else return 0. */
int pdq_vbox_push(pdq_vbox *box, float *out);
/* After the last push, emit the next trailing output row (as push does);
 * return 0 once all `length` rows are out. */
int pdq_vbox_drain(pdq_vbox *box, float *out);

/* Luma of one row of n pixels. */
void pdq_luma_rgb(const uint8_t *rgb, uint32_t n, float *out);
/* Grey rows: the luma of R = G = B = v, as the reference would compute it. */
void pdq_luma_gray(const uint8_t *gray, uint32_t n, float *out);

/* --- pdq_stream.c ------------------------------------------------------ */

/* Bytes the stream holds for its current image (its struct and arena), for
 * tests of the memory bound. */
size_t pdq_stream_memory(const vg_pdq_stream *stream);

/* Row y given as luma (width floats) instead of pixels, for producers that
 * compute luma themselves with the reference's expression,
 * (R * PDQ_LUMA_R + G * PDQ_LUMA_G) + B * PDQ_LUMA_B in float (video
 * frames); the same contract as the sink's row(). */
vg_status pdq_stream_luma_row(vg_pdq_stream *stream, uint32_t y, const float *luma,
                              vg_error *err);

/* --- pdq_hash.c: from the 64x64 samples to hashes ---------------------- */

/* The 16x64 DCT-II basis the reference uses (rows 1..16 of the 64-point DCT). */
void pdq_dct_matrix(float matrix[PDQ_DCT][PDQ_GRID]);
int pdq_quality(const float grid[PDQ_GRID][PDQ_GRID]);
void pdq_dct(const float matrix[PDQ_DCT][PDQ_GRID], const float grid[PDQ_GRID][PDQ_GRID],
             float out[PDQ_DCT][PDQ_DCT]);
/* Fill result->hashes from the DCT (all eight when dihedral is set). */
void pdq_hashes_from_dct(const float dct[PDQ_DCT][PDQ_DCT], bool dihedral,
                         vg_pdq_result *result);

#endif

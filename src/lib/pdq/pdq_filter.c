/*
 * pdq_filter.c - luma and the box filters of the PDQ downsampler.
 *
 * Bit-exactness rules (see pdq_internal.h): each output is computed from
 * the same operands, in the same order, as in the reference; vectors only
 * run independent rows or columns side by side.
 */
#include <string.h>

#include "pdq/pdq_internal.h"

/* Hot loops get an AVX2 clone on x86-64 when the toolchain supports it;
 * the result is the same either way (no FMA: -ffp-contract=off). */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PDQ_NO_CLONES 1 /* ifunc resolvers run before the sanitizer starts */
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define PDQ_NO_CLONES 1
#endif
#if defined(__x86_64__) && defined(__has_attribute) && !defined(PDQ_NO_CLONES)
#if __has_attribute(target_clones)
#define TARGET_CLONES __attribute__((target_clones("avx2", "default")))
#endif
#endif
#ifndef TARGET_CLONES
#define TARGET_CLONES
#endif

/* --- luma ------------------------------------------------------------- */

TARGET_CLONES
void pdq_luma_rgb(const uint8_t *rgb, uint32_t n, float *out, size_t stride)
{
    /* Same expression as the reference: (R*kr + G*kg) + B*kb in float. */
    for (uint32_t x = 0; x < n; x++) {
        float r = (float)rgb[3 * (size_t)x];
        float g = (float)rgb[3 * (size_t)x + 1];
        float b = (float)rgb[3 * (size_t)x + 2];
        out[x * stride] = PDQ_LUMA_R * r + PDQ_LUMA_G * g + PDQ_LUMA_B * b;
    }
}

void pdq_gray_table(float table[256])
{
    for (int v = 0; v < 256; v++) {
        float f = (float)v;
        table[v] = PDQ_LUMA_R * f + PDQ_LUMA_G * f + PDQ_LUMA_B * f;
    }
}

void pdq_luma_gray(const uint8_t *gray, uint32_t n, const float table[256], float *out,
                   size_t stride)
{
    for (uint32_t x = 0; x < n; x++)
        out[x * stride] = table[gray[x]];
}

/* --- box along rows --------------------------------------------------- */

typedef float pdq_v8 __attribute__((vector_size(PDQ_LANES * sizeof(float))));
typedef float pdq_v1 __attribute__((vector_size(sizeof(float))));

#define BOX_VEC pdq_v8
#define BOX_LANES PDQ_LANES
#define BOX_FULL box_full8
#define BOX_SAMPLED box_sampled8
#include "pdq/pdq_box_rows.inc"
#undef BOX_VEC
#undef BOX_LANES
#undef BOX_FULL
#undef BOX_SAMPLED

#define BOX_VEC pdq_v1
#define BOX_LANES 1
#define BOX_FULL box_full1
#define BOX_SAMPLED box_sampled1
#include "pdq/pdq_box_rows.inc"
#undef BOX_VEC
#undef BOX_LANES
#undef BOX_FULL
#undef BOX_SAMPLED

void pdq_box_rows_full(const float *in, uint32_t stride, uint32_t n, uint32_t window,
                       float *const *out, uint32_t lanes)
{
    if (stride == PDQ_LANES)
        box_full8(in, n, window, out, lanes);
    else
        box_full1(in, n, window, out, lanes);
}

void pdq_box_rows_sampled(const float *in, uint32_t stride, uint32_t n, uint32_t window,
                          float *const *out, uint32_t lanes, const uint32_t *cols,
                          uint32_t ncols)
{
    if (stride == PDQ_LANES)
        box_sampled8(in, n, window, out, lanes, cols, ncols);
    else
        box_sampled1(in, n, window, out, lanes, cols, ncols);
}

/* --- box along columns ------------------------------------------------ */

void pdq_vbox_start(pdq_vbox *box, float *sums, float *ring, uint32_t slots, uint32_t width,
                    uint32_t length, uint32_t window)
{
    box->width = width;
    box->length = length;
    box->window = window;
    box->half = (window + 2) / 2;
    box->slots = slots;
    box->pushed = 0;
    box->emitted = 0;
    box->sums = sums;
    box->ring = ring;
    memset(sums, 0, (size_t)width * sizeof *sums);
}

TARGET_CLONES
static void column_add(float *restrict sums, const float *restrict entering, uint32_t width)
{
    for (uint32_t x = 0; x < width; x++)
        sums[x] += entering[x];
}

TARGET_CLONES
static void column_sub(float *restrict sums, const float *restrict leaving, uint32_t width)
{
    for (uint32_t x = 0; x < width; x++)
        sums[x] -= leaving[x];
}

/* The phase-3 step fused: add the entering row, subtract the leaving one,
 * output; per column the order is the reference's. */
TARGET_CLONES
static void column_slide(float *restrict sums, const float *restrict entering,
                         const float *restrict leaving, float count, float *restrict out,
                         size_t stride, uint32_t width)
{
    if (stride == 1) {
        for (uint32_t x = 0; x < width; x++) {
            float s = sums[x] + entering[x];
            s -= leaving[x];
            sums[x] = s;
            out[x] = s / count;
        }
    } else {
        for (uint32_t x = 0; x < width; x++) {
            float s = sums[x] + entering[x];
            s -= leaving[x];
            sums[x] = s;
            out[x * stride] = s / count;
        }
    }
}

TARGET_CLONES
static void column_output(const float *restrict sums, float count, float *restrict out,
                          size_t stride, uint32_t width)
{
    if (stride == 1) {
        for (uint32_t x = 0; x < width; x++)
            out[x] = sums[x] / count;
    } else {
        for (uint32_t x = 0; x < width; x++)
            out[x * stride] = sums[x] / count;
    }
}

int pdq_vbox_push(pdq_vbox *box, float *out, size_t stride)
{
    uint32_t ri = box->pushed++;
    const float *entering = pdq_vbox_slot(box, ri);
    if (ri >= box->window) {
        column_slide(box->sums, entering, pdq_vbox_slot(box, ri - box->window),
                     (float)box->window, out, stride, box->width);
        box->emitted++;
        return 1;
    }
    column_add(box->sums, entering, box->width);
    if (ri + 1 < box->half)
        return 0;
    column_output(box->sums, (float)(ri + 1), out, stride, box->width);
    box->emitted++;
    return 1;
}

int pdq_vbox_drain(pdq_vbox *box, float *out, size_t stride)
{
    if (box->emitted >= box->length)
        return 0;
    /* Trailing step k leaves row length - window + k and divides by
     * window - 1 - k. */
    uint32_t k = box->emitted - (box->length - box->half + 1);
    column_sub(box->sums, pdq_vbox_slot(box, box->length - box->window + k), box->width);
    column_output(box->sums, (float)(box->window - 1 - k), out, stride, box->width);
    box->emitted++;
    return 1;
}

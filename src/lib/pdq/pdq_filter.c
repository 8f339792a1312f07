/*
 * pdq_filter.c - luma and the box filters of the PDQ downsampler.
 *
 * Bit-exactness rules (see pdq_internal.h): each output is computed from
 * the same operands, in the same order, as in the reference; vectors only
 * run independent rows or columns side by side.
 */
#include <string.h>

#include "core/target_clones.h"
#include "pdq/pdq_internal.h"

/* Hot loops get an AVX2 clone on x86-64 (core/target_clones.h). */
#define TARGET_CLONES VG_TARGET_CLONES

/* --- luma ------------------------------------------------------------- */

typedef float pdq_v8 __attribute__((vector_size(PDQ_LANES * sizeof(float))));
typedef float pdq_v1 __attribute__((vector_size(sizeof(float))));

#if defined(__has_builtin)
#if __has_builtin(__builtin_shufflevector) && __has_builtin(__builtin_convertvector)
#define PDQ_HAVE_SHUFFLE 1
#endif
#endif

/* The byte-to-int32 widening below relies on little-endian lanes. */
#if defined(PDQ_HAVE_SHUFFLE) && defined(__BYTE_ORDER__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define PDQ_VECTOR_LUMA 1
#endif

#ifdef PDQ_VECTOR_LUMA
typedef uint8_t pdq_u8x16 __attribute__((vector_size(16)));
typedef int32_t pdq_i32x4 __attribute__((vector_size(16)));
typedef float pdq_v4 __attribute__((vector_size(16)));

/* Bytes c, c+3, c+6, c+9 of v widened to four int32 lanes, then to float
 * (index 16 picks a zero byte from the second operand). */
#define PDQ_CHANNEL(v, c)                                                                   \
    __builtin_convertvector(                                                                \
        (pdq_i32x4)__builtin_shufflevector(v, (pdq_u8x16){0}, c, 16, 16, 16, c + 3, 16, 16, \
                                           16, c + 6, 16, 16, 16, c + 9, 16, 16, 16),       \
        pdq_v4)
#endif

TARGET_CLONES
static void luma_rgb_impl(const uint8_t *restrict rgb, uint32_t n, float *restrict out)
{
    /* Same expression as the reference, (R*kr + G*kg) + B*kb in float, for
     * four pixels at a time: split the packed RGB bytes into R, G and B
     * vectors (16 bytes loaded, 12 used, so stop 6 pixels from the end). */
    uint32_t x = 0;
#ifdef PDQ_VECTOR_LUMA
    for (; x + 6 <= n; x += 4) {
        pdq_u8x16 bytes;
        memcpy(&bytes, rgb + 3 * (size_t)x, sizeof bytes);
        pdq_v4 y = PDQ_LUMA_R * PDQ_CHANNEL(bytes, 0) + PDQ_LUMA_G * PDQ_CHANNEL(bytes, 1) +
                   PDQ_LUMA_B * PDQ_CHANNEL(bytes, 2);
        memcpy(out + x, &y, sizeof y);
    }
#endif
    for (; x < n; x++) {
        float r = (float)rgb[3 * (size_t)x];
        float g = (float)rgb[3 * (size_t)x + 1];
        float b = (float)rgb[3 * (size_t)x + 2];
        out[x] = PDQ_LUMA_R * r + PDQ_LUMA_G * g + PDQ_LUMA_B * b;
    }
}

void pdq_luma_rgb(const uint8_t *rgb, uint32_t n, float *out)
{
    luma_rgb_impl(rgb, n, out);
}

/* A grey sample v is luma of R = G = B = v, computed with the same float
 * expression (not v itself: the three rounded products need not sum to v). */
TARGET_CLONES
static void luma_gray_impl(const uint8_t *restrict gray, uint32_t n, float *restrict out)
{
    for (uint32_t x = 0; x < n; x++) {
        float v = (float)gray[x];
        out[x] = PDQ_LUMA_R * v + PDQ_LUMA_G * v + PDQ_LUMA_B * v;
    }
}

void pdq_luma_gray(const uint8_t *gray, uint32_t n, float *out)
{
    luma_gray_impl(gray, n, out);
}

/* --- box along rows --------------------------------------------------- */

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
                       float *out)
{
    if (stride == PDQ_LANES)
        box_full8(in, n, window, out);
    else
        box_full1(in, n, window, out);
}

void pdq_box_rows_sampled(const float *in, uint32_t stride, uint32_t n, uint32_t window,
                          const uint32_t *cols, uint32_t ncols, float *out)
{
    if (stride == PDQ_LANES)
        box_sampled8(in, n, window, out, cols, ncols);
    else
        box_sampled1(in, n, window, out, cols, ncols);
}

/* --- between rows and lanes ------------------------------------------- */

#ifdef PDQ_HAVE_SHUFFLE
/* Transpose the 8x8 block held in m0..m7 (mi = row i) in place: the
 * classic unpack / shuffle / 128-bit-swap sequence, written portably. The
 * block lives in named variables so that it stays in registers. */
#define SHUF __builtin_shufflevector
#define TRANSPOSE8(m0, m1, m2, m3, m4, m5, m6, m7)                                          \
    do {                                                                                    \
        pdq_v8 t0 = SHUF(m0, m1, 0, 8, 1, 9, 4, 12, 5, 13);                                 \
        pdq_v8 t1 = SHUF(m0, m1, 2, 10, 3, 11, 6, 14, 7, 15);                               \
        pdq_v8 t2 = SHUF(m2, m3, 0, 8, 1, 9, 4, 12, 5, 13);                                 \
        pdq_v8 t3 = SHUF(m2, m3, 2, 10, 3, 11, 6, 14, 7, 15);                               \
        pdq_v8 t4 = SHUF(m4, m5, 0, 8, 1, 9, 4, 12, 5, 13);                                 \
        pdq_v8 t5 = SHUF(m4, m5, 2, 10, 3, 11, 6, 14, 7, 15);                               \
        pdq_v8 t6 = SHUF(m6, m7, 0, 8, 1, 9, 4, 12, 5, 13);                                 \
        pdq_v8 t7 = SHUF(m6, m7, 2, 10, 3, 11, 6, 14, 7, 15);                               \
        pdq_v8 u0 = SHUF(t0, t2, 0, 1, 8, 9, 4, 5, 12, 13);                                 \
        pdq_v8 u1 = SHUF(t0, t2, 2, 3, 10, 11, 6, 7, 14, 15);                               \
        pdq_v8 u2 = SHUF(t1, t3, 0, 1, 8, 9, 4, 5, 12, 13);                                 \
        pdq_v8 u3 = SHUF(t1, t3, 2, 3, 10, 11, 6, 7, 14, 15);                               \
        pdq_v8 u4 = SHUF(t4, t6, 0, 1, 8, 9, 4, 5, 12, 13);                                 \
        pdq_v8 u5 = SHUF(t4, t6, 2, 3, 10, 11, 6, 7, 14, 15);                               \
        pdq_v8 u6 = SHUF(t5, t7, 0, 1, 8, 9, 4, 5, 12, 13);                                 \
        pdq_v8 u7 = SHUF(t5, t7, 2, 3, 10, 11, 6, 7, 14, 15);                               \
        m0 = SHUF(u0, u4, 0, 1, 2, 3, 8, 9, 10, 11);                                        \
        m1 = SHUF(u1, u5, 0, 1, 2, 3, 8, 9, 10, 11);                                        \
        m2 = SHUF(u2, u6, 0, 1, 2, 3, 8, 9, 10, 11);                                        \
        m3 = SHUF(u3, u7, 0, 1, 2, 3, 8, 9, 10, 11);                                        \
        m4 = SHUF(u0, u4, 4, 5, 6, 7, 12, 13, 14, 15);                                      \
        m5 = SHUF(u1, u5, 4, 5, 6, 7, 12, 13, 14, 15);                                      \
        m6 = SHUF(u2, u6, 4, 5, 6, 7, 12, 13, 14, 15);                                      \
        m7 = SHUF(u3, u7, 4, 5, 6, 7, 12, 13, 14, 15);                                      \
    } while (0)
#define LOAD8(v, p) memcpy(&(v), (p), sizeof(v))
#define STORE8(p, v) memcpy((p), &(v), sizeof(v))
#endif

TARGET_CLONES
static void interleave8_impl(const float *const *rows, uint32_t n, float *restrict out)
{
    uint32_t x = 0;
#ifdef PDQ_HAVE_SHUFFLE
    const float *r0 = rows[0], *r1 = rows[1], *r2 = rows[2], *r3 = rows[3];
    const float *r4 = rows[4], *r5 = rows[5], *r6 = rows[6], *r7 = rows[7];
    for (; x + 8 <= n; x += 8) {
        pdq_v8 m0, m1, m2, m3, m4, m5, m6, m7;
        LOAD8(m0, r0 + x), LOAD8(m1, r1 + x), LOAD8(m2, r2 + x), LOAD8(m3, r3 + x);
        LOAD8(m4, r4 + x), LOAD8(m5, r5 + x), LOAD8(m6, r6 + x), LOAD8(m7, r7 + x);
        TRANSPOSE8(m0, m1, m2, m3, m4, m5, m6, m7);
        float *o = out + (size_t)x * 8;
        STORE8(o, m0), STORE8(o + 8, m1), STORE8(o + 16, m2), STORE8(o + 24, m3);
        STORE8(o + 32, m4), STORE8(o + 40, m5), STORE8(o + 48, m6), STORE8(o + 56, m7);
    }
#endif
    for (; x < n; x++)
        for (int l = 0; l < 8; l++)
            out[(size_t)x * 8 + l] = rows[l][x];
}

void pdq_interleave8(const float *const *rows, uint32_t n, float *out)
{
    interleave8_impl(rows, n, out);
}

TARGET_CLONES
static void deinterleave8_impl(const float *restrict in, uint32_t n, float *const *rows,
                               uint32_t lanes)
{
    uint32_t x = 0;
#ifdef PDQ_HAVE_SHUFFLE
    if (lanes == 8) {
        float *r0 = rows[0], *r1 = rows[1], *r2 = rows[2], *r3 = rows[3];
        float *r4 = rows[4], *r5 = rows[5], *r6 = rows[6], *r7 = rows[7];
        for (; x + 8 <= n; x += 8) {
            pdq_v8 m0, m1, m2, m3, m4, m5, m6, m7;
            const float *i = in + (size_t)x * 8;
            LOAD8(m0, i), LOAD8(m1, i + 8), LOAD8(m2, i + 16), LOAD8(m3, i + 24);
            LOAD8(m4, i + 32), LOAD8(m5, i + 40), LOAD8(m6, i + 48), LOAD8(m7, i + 56);
            TRANSPOSE8(m0, m1, m2, m3, m4, m5, m6, m7);
            STORE8(r0 + x, m0), STORE8(r1 + x, m1), STORE8(r2 + x, m2), STORE8(r3 + x, m3);
            STORE8(r4 + x, m4), STORE8(r5 + x, m5), STORE8(r6 + x, m6), STORE8(r7 + x, m7);
        }
    }
#endif
    /* The tail, and the last partial group of rows of an image. */
    for (; x < n; x++)
        for (uint32_t l = 0; l < lanes; l++)
            rows[l][x] = in[(size_t)x * 8 + l];
}

void pdq_deinterleave8(const float *in, uint32_t n, float *const *rows, uint32_t lanes)
{
    deinterleave8_impl(in, n, rows, lanes);
}

/* --- box along columns ------------------------------------------------ */

void pdq_vbox_start(pdq_vbox *box, float *sums, float *ring, uint32_t slots, size_t pitch,
                    uint32_t width, uint32_t length, uint32_t window)
{
    box->width = width;
    box->pitch = pitch;
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
                         uint32_t width)
{
    for (uint32_t x = 0; x < width; x++) {
        float s = sums[x] + entering[x];
        s -= leaving[x];
        sums[x] = s;
        out[x] = s / count;
    }
}

TARGET_CLONES
static void column_output(const float *restrict sums, float count, float *restrict out,
                          uint32_t width)
{
    for (uint32_t x = 0; x < width; x++)
        out[x] = sums[x] / count;
}

int pdq_vbox_push(pdq_vbox *box, float *out)
{
    uint32_t ri = box->pushed++;
    const float *entering = pdq_vbox_slot(box, ri);
    if (ri >= box->window) {
        column_slide(box->sums, entering, pdq_vbox_slot(box, ri - box->window),
                     (float)box->window, out, box->width);
        box->emitted++;
        return 1;
    }
    column_add(box->sums, entering, box->width);
    if (ri + 1 < box->half)
        return 0;
    column_output(box->sums, (float)(ri + 1), out, box->width);
    box->emitted++;
    return 1;
}

int pdq_vbox_drain(pdq_vbox *box, float *out)
{
    if (box->emitted >= box->length)
        return 0;
    /* Trailing step k leaves row length - window + k and divides by
     * window - 1 - k. */
    uint32_t k = box->emitted - (box->length - box->half + 1);
    column_sub(box->sums, pdq_vbox_slot(box, box->length - box->window + k), box->width);
    column_output(box->sums, (float)(box->window - 1 - k), out, box->width);
    box->emitted++;
    return 1;
}

/*
 * yuv.c - 8-bit planar YUV to RGB24 with the arithmetic of swscale's
 * portable C converter.
 *
 * The reference vPDQ hash files were made from RGB24 frames that swscale's
 * C path produced. On x86 swscale picks a vector converter instead, whose
 * rounding differs by one here and there, enough to move PDQ hashes by a
 * few bits. The C path is integer arithmetic on tables, so vigie computes
 * the same numbers itself, bit for bit, for the formats that path handles
 * at the same size: 4:2:0 and 4:2:2 planar, limited or full range (the
 * YUVJ formats), BT.601 coefficients (swscale's default, which the
 * reference never changes). tests/unit/video checks every (Y, U, V)
 * against swscale with its vector code switched off.
 *
 * The model: a luma ramp, ramp(k) = clip((k * cy - (384 << 16) - oy +
 * 2^15) >> 16), indexed by Y plus an offset that depends on V for red, on
 * U and V for green and on U for blue. swscale stores the ramp as a table;
 * vigie computes it, which the compiler turns into vector code. Each
 * chroma sample serves two pixels of a row; 4:2:0 rows share the chroma
 * row y / 2, and 4:2:2 rows 2j and 2j+1 both use chroma row 2j (the C path
 * reads 4:2:2 as 4:2:0). The RGB bytes go straight into PDQ's luma
 * expression, so no RGB row is ever stored.
 */
#include <string.h>

#include <libswscale/swscale.h>

#include "core/target_clones.h"
#include "pdq/pdq_internal.h"
#include "video/video_internal.h"

/* floor(v / 2^bits) for any sign (>> on a negative value is
 * implementation-defined in C). */
static int64_t floor_shift(int64_t v, unsigned bits)
{
    int64_t d = (int64_t)1 << bits;
    return v >= 0 ? v / d : -((-v + d - 1) / d);
}

/* Where the table of chroma value c points, relative to the ramp's origin:
 * the step for c minus the step for the middle value. */
static int offset(int64_t step, unsigned c)
{
    return (int)(floor_shift((int64_t)c * step, 16) - floor_shift(step, 9));
}

static int bound(int v, int limit)
{
    return v < -limit ? -limit : v > limit ? limit : v;
}

void video_yuv_table_init(video_yuv_table *t, bool full_range)
{
    const int *coefficients = sws_getCoefficients(SWS_CS_DEFAULT);
    int64_t v_to_r = coefficients[0], u_to_b = coefficients[1];
    int64_t u_to_g = -coefficients[2], v_to_g = -coefficients[3];
    int64_t y_step = 1 << 16, y_offset = 0;
    if (full_range) {
        v_to_r = v_to_r * 224 / 255;
        u_to_b = u_to_b * 224 / 255;
        u_to_g = u_to_g * 224 / 255;
        v_to_g = v_to_g * 224 / 255;
    } else {
        y_step = y_step * 255 / 219;
        y_offset = 16 << 16;
    }
    /* Chroma steps are expressed in luma steps, rounded half up and then
     * truncated toward zero as C's division does. */
    v_to_r = (v_to_r * 65536 + 0x8000) / y_step;
    u_to_b = (u_to_b * 65536 + 0x8000) / y_step;
    u_to_g = (u_to_g * 65536 + 0x8000) / y_step;
    v_to_g = (v_to_g * 65536 + 0x8000) / y_step;

    /* ramp(k) for k = origin + Y + offsets, origin being swscale's index of
     * Y = 0 at neutral chroma. The shift is done on a biased, non-negative
     * value (>> of a negative number is implementation-defined in C). */
    int origin = full_range ? 384 : 326;
    t->y_step = (int32_t)y_step;
    t->level = (int32_t)(-(384 << 16) - y_offset + 0x8000 + VIDEO_YUV_BIAS);
    /* Offsets are within +-230 with any of swscale's coefficient sets;
     * bounding them keeps every intermediate value inside int32 and
     * non-negative by construction. */
    const int limit = 512;
    for (unsigned c = 0; c < 256; c++) {
        t->red[c] = origin + bound(offset(v_to_r, c), limit);
        t->blue[c] = origin + bound(offset(u_to_b, c), limit);
        t->green_u[c] = origin + bound(offset(u_to_g, c), limit);
        t->green_v[c] = bound(offset(v_to_g, c), limit);
    }
}

void video_yuv_chroma(const video_yuv_table *t, const uint8_t *u, const uint8_t *v,
                      uint32_t width, video_yuv_offsets *out)
{
    /* One look-up per chroma sample, for its two pixels. */
    uint32_t pairs = width / 2;
    for (uint32_t c = 0; c < pairs; c++) {
        int32_t r = t->red[v[c]], g = t->green_u[u[c]] + t->green_v[v[c]], b = t->blue[u[c]];
        out->red[2 * c] = out->red[2 * c + 1] = r;
        out->green[2 * c] = out->green[2 * c + 1] = g;
        out->blue[2 * c] = out->blue[2 * c + 1] = b;
    }
    if (width & 1) {
        out->red[width - 1] = t->red[v[pairs]];
        out->green[width - 1] = t->green_u[u[pairs]] + t->green_v[v[pairs]];
        out->blue[width - 1] = t->blue[u[pairs]];
    }
}

static inline int32_t ramp(int32_t k, int32_t step, int32_t level)
{
    int32_t v = ((k * step + level) >> 16) - (VIDEO_YUV_BIAS >> 16);
    v = v < 0 ? 0 : v;
    return v > 255 ? 255 : v;
}

/* The pixel's luma as PDQ computes it from R, G and B bytes: the
 * reference's expression, in float, in this order. */
VG_TARGET_CLONES
static void yuv_row(const uint8_t *restrict y, const int32_t *restrict red,
                    const int32_t *restrict green, const int32_t *restrict blue,
                    int32_t step, int32_t level, uint32_t width, float *restrict luma)
{
    for (size_t x = 0; x < width; x++) {
        int32_t l = y[x];
        float r = (float)ramp(l + red[x], step, level);
        float g = (float)ramp(l + green[x], step, level);
        float b = (float)ramp(l + blue[x], step, level);
        luma[x] = PDQ_LUMA_R * r + PDQ_LUMA_G * g + PDQ_LUMA_B * b;
    }
}

void video_yuv_luma_row(const video_yuv_table *t, const uint8_t *restrict y,
                        const video_yuv_offsets *restrict c, uint32_t width,
                        float *restrict luma)
{
    yuv_row(y, c->red, c->green, c->blue, t->y_step, t->level, width, luma);
}

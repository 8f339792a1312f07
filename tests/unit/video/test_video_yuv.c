/*
 * yuv.c against its reference, swscale's portable C converter: with the
 * process's CPU flags cleared, swscale takes that path, and for every
 * (Y, U, V) the luma yuv.c hands to PDQ must be, bit for bit, PDQ's luma of
 * swscale's RGB bytes, for 4:2:0 and 4:2:2, limited and full range. A
 * second check converts a whole frame both ways, so that the chroma rows
 * and columns each pixel uses are the same too.
 */
#include <libavutil/cpu.h>
#include <libavutil/pixdesc.h>
#include <libavutil/pixfmt.h>
#include <libswscale/swscale.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "pdq/pdq_internal.h"
#include "video/video_internal.h"

/* One (U, V) pair over two rows: Y runs 0..255 on both rows. */
static void check_all_luma(enum AVPixelFormat format, bool full_range)
{
    const int w = 256, h = 2;
    struct SwsContext *sws = sws_getContext(w, h, format, w, h, AV_PIX_FMT_RGB24, SWS_AREA,
                                            NULL, NULL, NULL);
    CHECK(sws != NULL);
    if (!sws)
        return;
    video_yuv_table table;
    video_yuv_table_init(&table, full_range);
    uint8_t y[2 * 256], u[2 * 128], v[2 * 128], rgb[2 * 256 * 3 + 64];
    float want[256], got[256];
    int32_t red[256], green[256], blue[256];
    video_yuv_offsets offsets = {red, green, blue};
    for (int x = 0; x < 256; x++)
        y[x] = y[256 + x] = (uint8_t)x;
    int mismatches = 0;
    for (int cu = 0; cu < 256; cu++) {
        for (int cv = 0; cv < 256; cv++) {
            memset(u, cu, sizeof u);
            memset(v, cv, sizeof v);
            const uint8_t *src[4] = {y, u, v, NULL};
            int src_stride[4] = {256, 128, 128, 0};
            uint8_t *dst[4] = {rgb, NULL, NULL, NULL};
            int dst_stride[4] = {256 * 3, 0, 0, 0};
            sws_scale(sws, src, src_stride, 0, h, dst, dst_stride);
            pdq_luma_rgb(rgb, 256, want);
            video_yuv_chroma(&table, u, v, 256, &offsets);
            video_yuv_luma_row(&table, y, &offsets, 256, got);
            if (memcmp(want, got, sizeof got) != 0 && mismatches++ < 5)
                fprintf(stderr, "%s U=%d V=%d differs\n", av_get_pix_fmt_name(format), cu, cv);
        }
    }
    CHECK_MSG(mismatches == 0, "%s: %d (U, V) pairs differ", av_get_pix_fmt_name(format),
              mismatches);
    sws_freeContext(sws);
}

/* A frame of noise, odd-sized chroma included: which chroma sample each
 * pixel takes must be the C path's. */
static void check_frame(enum AVPixelFormat format, bool full_range, bool chroma_422)
{
    const int w = 98, h = 34, cw = (w + 1) / 2, ch = chroma_422 ? h : (h + 1) / 2;
    uint8_t *y = malloc((size_t)w * h), *u = malloc((size_t)cw * ch), *v = malloc((size_t)cw * ch);
    uint8_t *rgb = malloc((size_t)(w * 3 + 64) * h);
    float want[98], got[98];
    int32_t red[98], green[98], blue[98];
    video_yuv_offsets offsets = {red, green, blue};
    uint32_t state = 12345;
    for (int i = 0; i < w * h; i++)
        y[i] = (uint8_t)((state = state * 1103515245u + 12345u) >> 16);
    for (int i = 0; i < cw * ch; i++) {
        u[i] = (uint8_t)((state = state * 1103515245u + 12345u) >> 16);
        v[i] = (uint8_t)((state = state * 1103515245u + 12345u) >> 16);
    }
    struct SwsContext *sws = sws_getContext(w, h, format, w, h, AV_PIX_FMT_RGB24, SWS_AREA,
                                            NULL, NULL, NULL);
    const uint8_t *src[4] = {y, u, v, NULL};
    int src_stride[4] = {w, cw, cw, 0};
    uint8_t *dst[4] = {rgb, NULL, NULL, NULL};
    int dst_stride[4] = {w * 3 + 64, 0, 0, 0};
    sws_scale(sws, src, src_stride, 0, h, dst, dst_stride);
    video_yuv_table table;
    video_yuv_table_init(&table, full_range);
    int rows_differ = 0;
    for (int row = 0; row < h; row++) {
        int c = chroma_422 ? (row & ~1) : row / 2;
        video_yuv_chroma(&table, u + c * cw, v + c * cw, (uint32_t)w, &offsets);
        video_yuv_luma_row(&table, y + row * w, &offsets, (uint32_t)w, got);
        /* The C path leaves the last column of an odd width unwritten;
         * every width here is even. */
        pdq_luma_rgb(rgb + (size_t)row * (w * 3 + 64), (uint32_t)w, want);
        rows_differ += memcmp(want, got, sizeof got) != 0;
    }
    CHECK_MSG(rows_differ == 0, "%s: %d rows differ", av_get_pix_fmt_name(format), rows_differ);
    sws_freeContext(sws);
    free(y), free(u), free(v), free(rgb);
}

int main(void)
{
    /* The reference's path: swscale's portable C code. */
    av_force_cpu_flags(0);
    check_all_luma(AV_PIX_FMT_YUV420P, false);
    check_all_luma(AV_PIX_FMT_YUVJ420P, true);
    check_frame(AV_PIX_FMT_YUV420P, false, false);
    check_frame(AV_PIX_FMT_YUVJ420P, true, false);
    check_frame(AV_PIX_FMT_YUV422P, false, true);
    check_frame(AV_PIX_FMT_YUVJ422P, true, true);
    return vg_test_exit();
}

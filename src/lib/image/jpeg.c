/*
 * jpeg.c - JPEG through libjpeg-turbo, one scanline at a time.
 *
 * The decompressor keeps libjpeg's defaults (JDCT_ISLOW, fancy upsampling)
 * because the canonical PDQ hashes were computed from pixels decoded that
 * way (Pillow). libjpeg reports fatal errors through error_exit, which here
 * longjmps back to vg_decode_jpeg; warnings are never printed. A premature
 * end of data is fatal, as in Pillow; other warnings (extraneous bytes,
 * ...) are tolerated like every common viewer does.
 */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jerror.h>
#include <jpeglib.h>

#include "image/image_internal.h"

/* Progressive JPEGs can carry thousands of tiny scans, each a full pass
 * over the coefficient buffer: a cheap file, an expensive decode. Real
 * encoders use about ten. */
#define MAX_SCANS 256

typedef struct jpeg_state {
    struct jpeg_error_mgr pub;
    struct jpeg_progress_mgr progress;
    jmp_buf escape;
    vg_status status;
    char message[JMSG_LENGTH_MAX];
} jpeg_state;

static void on_error_exit(j_common_ptr cinfo)
{
    jpeg_state *st = (jpeg_state *)cinfo->err;
    cinfo->err->format_message(cinfo, st->message);
    int code = cinfo->err->msg_code;
    if (code == JERR_NOT_COMPILED || code == JERR_ARITH_NOTIMPL || code == JERR_CCIR601_NOTIMPL ||
        code == JERR_SOF_UNSUPPORTED || code == JERR_NOTIMPL)
        st->status = VG_ERR_UNSUPPORTED;
    else if (code == JERR_IMAGE_TOO_BIG)
        st->status = VG_ERR_TOO_LARGE;
    else if (code == JERR_OUT_OF_MEMORY)
        st->status = VG_ERR_NOMEM;
    else
        st->status = VG_ERR_CORRUPT;
    longjmp(st->escape, 1);
}

static void on_message(j_common_ptr cinfo, int level)
{
    /* Level -1 is a warning about damaged data. Running out of data means
     * the rest of the picture is invented grey: refuse it. */
    if (level == -1 && cinfo->err->msg_code == JWRN_JPEG_EOF) {
        jpeg_state *st = (jpeg_state *)cinfo->err;
        cinfo->err->format_message(cinfo, st->message);
        snprintf(st->message, sizeof st->message, "data is truncated");
        st->status = VG_ERR_CORRUPT;
        longjmp(st->escape, 1);
    }
}

static void on_progress(j_common_ptr cinfo)
{
    if (!cinfo->is_decompressor)
        return;
    j_decompress_ptr d = (j_decompress_ptr)cinfo;
    if (d->input_scan_number > MAX_SCANS) {
        jpeg_state *st = (jpeg_state *)cinfo->err;
        snprintf(st->message, sizeof st->message, "more than %d progressive scans",
                 MAX_SCANS);
        st->status = VG_ERR_UNSUPPORTED;
        longjmp(st->escape, 1);
    }
}

static vg_color_model model_of(J_COLOR_SPACE space)
{
    switch (space) {
    case JCS_GRAYSCALE: return VG_COLOR_GRAY;
    case JCS_RGB: return VG_COLOR_RGB;
    case JCS_CMYK:
    case JCS_YCCK: return VG_COLOR_CMYK;
    default: return VG_COLOR_YCBCR;
    }
}

vg_status vg_decode_jpeg(vg_decoder *dec, const uint8_t *data, size_t len)
{
    struct jpeg_decompress_struct cinfo;
    jpeg_state st;
    memset(&st, 0, sizeof st);
    /* Volatile: these change after setjmp and are read after a longjmp. */
    uint8_t *volatile scanline = NULL;
    uint8_t *volatile converted = NULL;
    volatile vg_status result = VG_OK;

    cinfo.err = jpeg_std_error(&st.pub);
    st.pub.error_exit = on_error_exit;
    st.pub.emit_message = on_message;
    st.progress.progress_monitor = on_progress;

    if (setjmp(st.escape)) {
        jpeg_destroy_decompress(&cinfo);
        free(scanline);
        free(converted);
        if (result != VG_OK) /* a sink failure, already reported */
            return result;
        return vg_decoder_fail(dec, st.status, "JPEG %s", st.message);
    }
    jpeg_create_decompress(&cinfo);
    cinfo.progress = &st.progress;
    jpeg_mem_src(&cinfo, data, (unsigned long)len);
    jpeg_read_header(&cinfo, TRUE);

    vg_color_model model = model_of(cinfo.jpeg_color_space);
    bool cmyk = cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK;
    if (cmyk)
        cinfo.out_color_space = JCS_CMYK;
    else if (cinfo.jpeg_color_space == JCS_GRAYSCALE)
        cinfo.out_color_space = JCS_GRAYSCALE;
    else
        cinfo.out_color_space = JCS_RGB;
    vg_pixel_layout layout = cinfo.out_color_space == JCS_GRAYSCALE ? VG_PIXEL_GRAY8 : VG_PIXEL_RGB8;

    if (!vg_decoder_size_ok(dec, cinfo.image_width, cinfo.image_height)) {
        result = vg_decoder_too_large(dec, cinfo.image_width, cinfo.image_height);
        jpeg_destroy_decompress(&cinfo);
        return result;
    }
    /* A progressive JPEG buffers all its coefficients: cap what libjpeg
     * may take at a little above that need for the largest allowed image. */
    cinfo.mem->max_memory_to_use = (long)(cinfo.image_width * (uint64_t)cinfo.image_height *
                                              (uint64_t)cinfo.num_components * 2u +
                                          (64u << 20));
    jpeg_start_decompress(&cinfo);

    vg_status s = vg_decoder_begin(dec, cinfo.output_width, cinfo.output_height, layout, model, 8);
    if (s != VG_OK) {
        result = s;
        jpeg_destroy_decompress(&cinfo);
        return s;
    }
    size_t in_stride = (size_t)cinfo.output_width * (size_t)cinfo.output_components;
    /* 16 bytes past a 32-byte boundary: on an aligned row libjpeg-turbo's
     * SIMD colour conversion uses non-temporal stores, which push each row
     * out of the cache just before the sink reads it. */
    scanline = malloc(in_stride + 48);
    if (cmyk)
        converted = malloc((size_t)cinfo.output_width * 3);
    if (!scanline || (cmyk && !converted)) {
        result = vg_decoder_fail(dec, VG_ERR_NOMEM, "JPEG: out of memory for a scanline");
        longjmp(st.escape, 1);
    }
    /* Adobe's CMYK JPEGs store inverted inks (0 = full ink), and so does
     * every file that carries the Adobe marker in practice. */
    bool inverted = cmyk && cinfo.saw_Adobe_marker;
    uint8_t *line = (uint8_t *)(((uintptr_t)scanline + 31) & ~(uintptr_t)31) + 16;

    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = line;
        jpeg_read_scanlines(&cinfo, &row, 1);
        const uint8_t *out = line;
        if (cmyk) {
            for (uint32_t x = 0; x < cinfo.output_width; x++) {
                const uint8_t *p = line + 4 * (size_t)x;
                if (inverted)
                    vg_cmyk_to_rgb(255 - p[0], 255 - p[1], 255 - p[2], 255 - p[3],
                                   converted + 3 * (size_t)x);
                else
                    vg_cmyk_to_rgb(p[0], p[1], p[2], p[3], converted + 3 * (size_t)x);
            }
            out = converted;
        }
        s = vg_decoder_row(dec, out);
        if (s != VG_OK) {
            result = s;
            longjmp(st.escape, 1);
        }
    }
    /* Not jpeg_finish_decompress: every row is out, and a missing EOI
     * marker after complete data is common and harmless. */
    jpeg_destroy_decompress(&cinfo);
    free(scanline);
    free(converted);
    return VG_OK;
}

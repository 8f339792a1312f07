/*
 * png.c - PNG through libpng.
 *
 * Non-interlaced images stream one row at a time. Interlaced (Adam7)
 * images spread every row over seven passes, so they are assembled in one
 * buffer of the output layout (at most 3 bytes per pixel) first. No gamma
 * or colour-profile correction is applied: hashes are computed on the
 * stored values, as the reference tools do.
 */
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>

#include "image/image_internal.h"

typedef struct png_reader {
    const uint8_t *data;
    size_t len;
    size_t pos;
    vg_decoder *dec;
    char message[256];
} png_reader;

static void on_read(png_structp png, png_bytep out, size_t n)
{
    png_reader *r = png_get_io_ptr(png);
    if (n > r->len - r->pos)
        png_error(png, "data is truncated");
    memcpy(out, r->data + r->pos, n);
    r->pos += n;
}

static void on_error(png_structp png, png_const_charp msg)
{
    png_reader *r = png_get_error_ptr(png);
    snprintf(r->message, sizeof r->message, "%s", msg);
    png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp msg)
{
    (void)png;
    (void)msg; /* the library never prints; warnings do not change pixels */
}

static vg_color_model model_of(int color_type)
{
    switch (color_type) {
    case PNG_COLOR_TYPE_GRAY: return VG_COLOR_GRAY;
    case PNG_COLOR_TYPE_GRAY_ALPHA: return VG_COLOR_GRAY_ALPHA;
    case PNG_COLOR_TYPE_PALETTE: return VG_COLOR_PALETTE;
    case PNG_COLOR_TYPE_RGB_ALPHA: return VG_COLOR_RGBA;
    default: return VG_COLOR_RGB;
    }
}

vg_status vg_decode_png(vg_decoder *dec, const uint8_t *data, size_t len)
{
    png_reader reader = {.data = data, .len = len, .dec = dec};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &reader, on_error, on_warning);
    if (!png)
        return vg_decoder_fail(dec, VG_ERR_NOMEM, "PNG: cannot create a decoder");
    png_infop pinfo = png_create_info_struct(png);
    if (!pinfo) {
        png_destroy_read_struct(&png, NULL, NULL);
        return vg_decoder_fail(dec, VG_ERR_NOMEM, "PNG: cannot create a decoder");
    }
    uint8_t *volatile pixels = NULL;
    volatile vg_status result = VG_OK;
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &pinfo, NULL);
        free(pixels);
        if (result != VG_OK)
            return result;
        return vg_decoder_fail(dec, VG_ERR_CORRUPT, "PNG %s", reader.message);
    }
    png_set_read_fn(png, &reader, on_read);
    /* Bound what ancillary chunks may cost; pixel limits are ours. */
    png_set_user_limits(png, 0x7fffffff, 0x7fffffff);
    png_set_chunk_cache_max(png, 1000);
    png_set_chunk_malloc_max(png, 16u << 20);
    png_set_option(png, PNG_SKIP_sRGB_CHECK_PROFILE, PNG_OPTION_ON);
    /* A bad CRC in an ancillary chunk loses nothing that matters here.
     * Fuzzing builds ignore every CRC so mutations reach the decoder. */
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
    png_set_crc_action(png, PNG_CRC_QUIET_USE, PNG_CRC_QUIET_USE);
#else
    png_set_crc_action(png, PNG_CRC_DEFAULT, PNG_CRC_QUIET_USE);
#endif
    png_read_info(png, pinfo);

    png_uint_32 width, height;
    int bit_depth, color_type, interlace;
    png_get_IHDR(png, pinfo, &width, &height, &bit_depth, &color_type, &interlace, NULL, NULL);
    if (!vg_decoder_size_ok(dec, width, height)) {
        result = vg_decoder_too_large(dec, width, height);
        png_longjmp(png, 1);
    }
    vg_color_model model = model_of(color_type);
    vg_pixel_layout layout = (color_type & PNG_COLOR_MASK_COLOR) ? VG_PIXEL_RGB8 : VG_PIXEL_GRAY8;

    if (color_type == PNG_COLOR_TYPE_PALETTE)
        png_set_palette_to_rgb(png);
    if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8)
        png_set_expand_gray_1_2_4_to_8(png);
    if (bit_depth == 16)
        png_set_scale_16(png);
    /* Alpha is dropped, whether a channel or a tRNS chunk (which
     * png_set_palette_to_rgb would otherwise turn into a channel). */
    if ((color_type & PNG_COLOR_MASK_ALPHA) || png_get_valid(png, pinfo, PNG_INFO_tRNS))
        png_set_strip_alpha(png);
    int passes = png_set_interlace_handling(png);
    png_read_update_info(png, pinfo);
    if (png_get_rowbytes(png, pinfo) != (size_t)width * layout) {
        snprintf(reader.message, sizeof reader.message, "has an unexpected row layout");
        png_longjmp(png, 1);
    }

    vg_status s = vg_decoder_begin(dec, width, height, layout, model, (uint8_t)bit_depth);
    if (s != VG_OK) {
        result = s;
        png_longjmp(png, 1);
    }
    size_t stride = (size_t)width * layout;
    size_t rows_held = passes > 1 ? height : 1;
    pixels = malloc(stride * rows_held);
    if (!pixels) {
        result = vg_decoder_fail(dec, VG_ERR_NOMEM, "PNG: cannot allocate %zu bytes",
                                 stride * rows_held);
        png_longjmp(png, 1);
    }
    if (passes > 1) {
        memset(pixels, 0, stride * rows_held);
        for (int pass = 0; pass < passes; pass++)
            for (png_uint_32 y = 0; y < height; y++)
                png_read_row(png, pixels + (size_t)y * stride, NULL);
        for (png_uint_32 y = 0; y < height && s == VG_OK; y++)
            s = vg_decoder_row(dec, pixels + (size_t)y * stride);
    } else {
        for (png_uint_32 y = 0; y < height && s == VG_OK; y++) {
            png_read_row(png, pixels, NULL);
            s = vg_decoder_row(dec, pixels);
        }
    }
    /* The chunks after the image data (IEND, text) are not read: every
     * pixel is out. */
    png_destroy_read_struct(&png, &pinfo, NULL);
    free(pixels);
    return s;
}

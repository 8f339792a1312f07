/*
 * webp.c - still WebP (lossy and lossless) through libwebp.
 *
 * libwebp decodes a whole picture at once, so the output is one RGB buffer
 * (3 bytes per pixel), allocated only after the size in the header has
 * been checked. Alpha is dropped by asking for MODE_RGB.
 */
#include <stdlib.h>

#include <webp/decode.h>

#include "image/image_internal.h"

vg_status vg_decode_webp(vg_decoder *dec, const uint8_t *data, size_t len)
{
    WebPDecoderConfig config;
    if (!WebPInitDecoderConfig(&config))
        return vg_decoder_fail(dec, VG_ERR_UNSUPPORTED, "WebP decoder version mismatch");
    VP8StatusCode code = WebPGetFeatures(data, len, &config.input);
    if (code == VP8_STATUS_NOT_ENOUGH_DATA)
        return vg_decoder_fail(dec, VG_ERR_CORRUPT, "WebP data is truncated");
    if (code != VP8_STATUS_OK)
        return vg_decoder_fail(dec, code == VP8_STATUS_UNSUPPORTED_FEATURE ? VG_ERR_UNSUPPORTED
                                                                           : VG_ERR_CORRUPT,
                               "WebP header is invalid or unsupported (status %d)", (int)code);
    const WebPBitstreamFeatures *f = &config.input;
    if (f->has_animation)
        return vg_decoder_fail(dec, VG_ERR_UNSUPPORTED, "animated WebP is not supported");
    if (f->width <= 0 || f->height <= 0)
        return vg_decoder_fail(dec, VG_ERR_CORRUPT, "WebP image has no pixels");
    uint32_t width = (uint32_t)f->width, height = (uint32_t)f->height;
    if (!vg_decoder_size_ok(dec, width, height))
        return vg_decoder_too_large(dec, width, height);

    vg_color_model model = f->has_alpha ? VG_COLOR_RGBA
                           : f->format == 2 ? VG_COLOR_RGB /* lossless */
                                            : VG_COLOR_YCBCR;
    size_t stride = (size_t)width * 3;
    uint8_t *rgb = malloc(stride * height);
    if (!rgb)
        return vg_decoder_fail(dec, VG_ERR_NOMEM, "WebP: cannot allocate %zu bytes",
                               stride * height);
    config.output.colorspace = MODE_RGB;
    config.output.is_external_memory = 1;
    config.output.u.RGBA.rgba = rgb;
    config.output.u.RGBA.stride = (int)stride;
    config.output.u.RGBA.size = stride * height;
    code = WebPDecode(data, len, &config);
    WebPFreeDecBuffer(&config.output);
    if (code != VP8_STATUS_OK) {
        free(rgb);
        if (code == VP8_STATUS_NOT_ENOUGH_DATA)
            return vg_decoder_fail(dec, VG_ERR_CORRUPT, "WebP data is truncated");
        return vg_decoder_fail(dec, code == VP8_STATUS_UNSUPPORTED_FEATURE ? VG_ERR_UNSUPPORTED
                                                                           : VG_ERR_CORRUPT,
                               "WebP data is corrupt (status %d)", (int)code);
    }
    vg_status st = vg_decoder_begin(dec, width, height, VG_PIXEL_RGB8, model, 8);
    for (uint32_t y = 0; y < height && st == VG_OK; y++)
        st = vg_decoder_row(dec, rgb + (size_t)y * stride);
    free(rgb);
    return st;
}

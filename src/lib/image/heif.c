/*
 * heif.c - HEIC/HEIF and AVIF (the primary image) through libheif.
 *
 * libheif decodes a whole picture at once; the decoded image is one
 * interleaved RGB buffer owned by libheif, allocated only after the sizes
 * in the container were checked against max_pixels. Transformations
 * (rotation, mirroring, cropping) are not applied: pixels as stored, like
 * every other format here. Deeper samples are reduced to 8 bits by libheif.
 */
#include <limits.h>
#include <string.h>

#include <libheif/heif.h>

#include "image/image_internal.h"

static vg_status heif_fail(vg_decoder *dec, struct heif_error e, const char *what)
{
    vg_status st = VG_ERR_CORRUPT;
    if (e.code == heif_error_Unsupported_feature || e.code == heif_error_Unsupported_filetype)
        st = VG_ERR_UNSUPPORTED;
    else if (e.subcode == heif_suberror_Security_limit_exceeded)
        st = VG_ERR_TOO_LARGE;
    else if (e.code == heif_error_Memory_allocation_error)
        st = VG_ERR_NOMEM;
    return vg_decoder_fail(dec, st, "%s %s: %s", vg_image_format_name(dec->info.format), what,
                           e.message ? e.message : "unknown error");
}

static bool have_decoder(const char *id)
{
    const struct heif_decoder_descriptor *found[16];
    int n = heif_get_decoder_descriptors(heif_compression_AV1, found, 16);
    for (int i = 0; i < n; i++)
        if (strcmp(heif_decoder_descriptor_get_id_name(found[i]), id) == 0)
            return true;
    return false;
}

static vg_status decode_primary(vg_decoder *dec, struct heif_context *ctx, const uint8_t *data,
                                size_t len)
{
    heif_context_set_maximum_image_size_limit(
        ctx, dec->max_pixels > INT_MAX ? INT_MAX : (int)dec->max_pixels);
    struct heif_error e = heif_context_read_from_memory_without_copy(ctx, data, len, NULL);
    if (e.code != heif_error_Ok)
        return heif_fail(dec, e, "container is invalid");
    struct heif_image_handle *handle = NULL;
    e = heif_context_get_primary_image_handle(ctx, &handle);
    if (e.code != heif_error_Ok)
        return heif_fail(dec, e, "has no primary image");

    vg_status st = VG_OK;
    int w = heif_image_handle_get_width(handle), h = heif_image_handle_get_height(handle);
    int iw = heif_image_handle_get_ispe_width(handle), ih = heif_image_handle_get_ispe_height(handle);
    if (w <= 0 || h <= 0) {
        st = vg_decoder_fail(dec, VG_ERR_CORRUPT, "%s image has no pixels",
                             vg_image_format_name(dec->info.format));
    } else if (!vg_decoder_size_ok(dec, (uint64_t)w, (uint64_t)h)) {
        st = vg_decoder_too_large(dec, (uint64_t)w, (uint64_t)h);
    } else if (iw > 0 && ih > 0 && !vg_decoder_size_ok(dec, (uint64_t)iw, (uint64_t)ih)) {
        st = vg_decoder_too_large(dec, (uint64_t)iw, (uint64_t)ih);
    }
    if (st != VG_OK) {
        heif_image_handle_release(handle);
        return st;
    }
    bool alpha = heif_image_handle_has_alpha_channel(handle);
    int bits = heif_image_handle_get_luma_bits_per_pixel(handle);

    struct heif_decoding_options *opts = heif_decoding_options_alloc();
    if (!opts) {
        heif_image_handle_release(handle);
        return vg_decoder_fail(dec, VG_ERR_NOMEM, "HEIF: out of memory");
    }
    opts->ignore_transformations = 1;
    opts->convert_hdr_to_8bit = 1;
    /* dav1d prints its input validation failures to stderr, and the
     * library must never print: prefer libaom for AV1 when it is there. */
    if (dec->info.format == VG_FORMAT_AVIF && have_decoder("aom"))
        opts->decoder_id = "aom";
    struct heif_image *img = NULL;
    e = heif_decode_image(handle, &img, heif_colorspace_RGB, heif_chroma_interleaved_RGB, opts);
    heif_decoding_options_free(opts);
    heif_image_handle_release(handle);
    if (e.code != heif_error_Ok)
        return heif_fail(dec, e, "image cannot be decoded");

    int stride = 0;
    const uint8_t *pixels = heif_image_get_plane_readonly(img, heif_channel_interleaved, &stride);
    int iwidth = heif_image_get_primary_width(img), iheight = heif_image_get_primary_height(img);
    if (!pixels || iwidth <= 0 || iheight <= 0 || stride < iwidth * 3 ||
        heif_image_get_bits_per_pixel(img, heif_channel_interleaved) != 24) {
        heif_image_release(img);
        return vg_decoder_fail(dec, VG_ERR_CORRUPT, "%s decoder returned no usable pixels",
                               vg_image_format_name(dec->info.format));
    }
    st = vg_decoder_begin(dec, (uint32_t)iwidth, (uint32_t)iheight, VG_PIXEL_RGB8,
                          alpha ? VG_COLOR_RGBA : VG_COLOR_YCBCR,
                          (uint8_t)(bits > 0 && bits < 255 ? bits : 8));
    for (int y = 0; y < iheight && st == VG_OK; y++)
        st = vg_decoder_row(dec, pixels + (size_t)y * (size_t)stride);
    heif_image_release(img);
    return st;
}

vg_status vg_decode_heif(vg_decoder *dec, const uint8_t *data, size_t len)
{
    /* heif_init is reference-counted and locked inside libheif: each
     * decode takes and releases its own reference. */
    struct heif_error e = heif_init(NULL);
    if (e.code != heif_error_Ok)
        return heif_fail(dec, e, "library cannot start");
    struct heif_context *ctx = heif_context_alloc();
    vg_status st;
    if (!ctx)
        st = vg_decoder_fail(dec, VG_ERR_NOMEM, "HEIF: out of memory");
    else
        st = decode_primary(dec, ctx, data, len);
    heif_context_free(ctx);
    heif_deinit();
    return st;
}

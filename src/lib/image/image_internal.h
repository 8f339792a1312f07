/*
 * image_internal.h - what the format decoders of src/lib/image share.
 *
 * Each format lives in its own file and exposes one function,
 * vg_decode_<format>(), that parses data[0..len), calls vg_decoder_begin()
 * once the size is known and then vg_decoder_row() for every row, top to
 * bottom. The dispatcher (image.c) owns the sink, the limits and the
 * vg_error; decoders only borrow the vg_decoder for the duration of a call.
 *
 * Nothing here is global: every decode has its own vg_decoder on the stack
 * of the caller, so decoders can run in any number of threads.
 */
#ifndef VIGIE_IMAGE_INTERNAL_H
#define VIGIE_IMAGE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vigie/error.h"
#include "vigie/image.h"

typedef struct vg_decoder {
    uint64_t max_pixels;      /* already defaulted: never 0 */
    const vg_row_sink *sink;
    vg_image_info info;       /* filled by vg_decoder_begin */
    vg_error *err;            /* never NULL: the dispatcher provides one */
    uint32_t next_row;        /* the row the sink expects next */
    bool begun;
} vg_decoder;

/*
 * Check the dimensions against the limits and announce the image to the
 * sink. Decoders call it before allocating any buffer proportional to the
 * image. Returns VG_ERR_CORRUPT for an empty image, VG_ERR_TOO_LARGE above
 * max_pixels, or whatever the sink's begin() returns.
 */
vg_status vg_decoder_begin(vg_decoder *dec, uint32_t width, uint32_t height,
                           vg_pixel_layout layout, vg_color_model model, uint8_t bits);

/* True when width*height fits in max_pixels (decoders that must allocate
 * before they can call vg_decoder_begin use it to refuse bombs early). */
bool vg_decoder_size_ok(const vg_decoder *dec, uint64_t width, uint64_t height);
/* Set the VG_ERR_TOO_LARGE error for width x height. */
vg_status vg_decoder_too_large(vg_decoder *dec, uint64_t width, uint64_t height);

/* Hand the next row (width * layout bytes) to the sink. */
vg_status vg_decoder_row(vg_decoder *dec, const uint8_t *pixels);

/* Record a failure in dec->err; returns status. */
vg_status vg_decoder_fail(vg_decoder *dec, vg_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Pixel conversions shared by several formats. ---------------------------- */

/* Scale a 16-bit sample to 8 bits, rounding to nearest. */
static inline uint8_t vg_scale16(uint32_t v)
{
    return (uint8_t)((v * 255u + 32767u) / 65535u);
}

/* Scale a sample of maxval to 8 bits, rounding to nearest. */
static inline uint8_t vg_scale_maxval(uint32_t v, uint32_t maxval)
{
    if (v >= maxval)
        return 255;
    return (uint8_t)((v * 255u + maxval / 2u) / maxval);
}

/* CMYK (ink amounts, 0 = no ink) to RGB, the way Pillow converts it so
 * hashes agree with the reference tools. */
static inline void vg_cmyk_to_rgb(uint8_t c, uint8_t m, uint8_t y, uint8_t k, uint8_t *rgb)
{
    uint32_t nk = 255u - k;
    uint32_t t;
    t = c * nk + 128u; rgb[0] = (uint8_t)(nk - (((t >> 8) + t) >> 8));
    t = m * nk + 128u; rgb[1] = (uint8_t)(nk - (((t >> 8) + t) >> 8));
    t = y * nk + 128u; rgb[2] = (uint8_t)(nk - (((t >> 8) + t) >> 8));
}

/* The decoders, one per format. */
vg_status vg_decode_jpeg(vg_decoder *dec, const uint8_t *data, size_t len);
vg_status vg_decode_png(vg_decoder *dec, const uint8_t *data, size_t len);
vg_status vg_decode_gif(vg_decoder *dec, const uint8_t *data, size_t len);
vg_status vg_decode_webp(vg_decoder *dec, const uint8_t *data, size_t len);
vg_status vg_decode_bmp(vg_decoder *dec, const uint8_t *data, size_t len);
vg_status vg_decode_tiff(vg_decoder *dec, const uint8_t *data, size_t len);
vg_status vg_decode_heif(vg_decoder *dec, const uint8_t *data, size_t len);
vg_status vg_decode_pnm(vg_decoder *dec, const uint8_t *data, size_t len);

#endif

/*
 * vigie/image.h - decoding still images, from memory, bounded.
 *
 * Formats: JPEG, PNG, GIF (first frame), WebP, BMP, TIFF, HEIC/HEIF, AVIF,
 * and PNM (PBM/PGM/PPM). The format is recognised from the leading bytes,
 * never from a file name.
 *
 * Pixels are delivered as stored: no EXIF orientation is applied (the PDQ
 * dihedral hashes cover rotations and flips). Every colour model is reduced
 * to one of two layouts:
 *   - VG_PIXEL_GRAY8 for grey, grey+alpha and 1-bit images;
 *   - VG_PIXEL_RGB8 for everything else (palette, RGB, RGBA, CMYK, YCbCr).
 * Alpha is dropped, as image libraries do when converting to RGB. Samples
 * deeper than 8 bits are scaled to 8 bits with rounding. CMYK is converted
 * to RGB (Adobe-inverted CMYK JPEGs are recognised).
 *
 * Decoding is bounded: an image whose width*height exceeds max_pixels is
 * refused before any pixel buffer is allocated (decompression bombs), and a
 * truncated, corrupt or unsupported input yields VG_ERR_CORRUPT or
 * VG_ERR_UNSUPPORTED with the reason, never a crash or a hang.
 *
 * Thread safety: every function may be called from any number of threads at
 * once; nothing is shared between calls.
 */
#ifndef VIGIE_IMAGE_H
#define VIGIE_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "vigie/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum vg_image_format {
    VG_FORMAT_UNKNOWN = 0,
    VG_FORMAT_JPEG,
    VG_FORMAT_PNG,
    VG_FORMAT_GIF,
    VG_FORMAT_WEBP,
    VG_FORMAT_BMP,
    VG_FORMAT_TIFF,
    VG_FORMAT_HEIF, /* HEIC and other HEIF brands */
    VG_FORMAT_AVIF,
    VG_FORMAT_PNM
} vg_image_format;

/* Bytes needed by vg_image_sniff to recognise every format. */
#define VG_IMAGE_SNIFF_BYTES 32

/* Recognise the format from the first bytes (pass at least
 * VG_IMAGE_SNIFF_BYTES when the input is that long). */
vg_image_format vg_image_sniff(const uint8_t *data, size_t len);
/* "jpeg", "png", ...; "unknown" for VG_FORMAT_UNKNOWN. */
const char *vg_image_format_name(vg_image_format format);

typedef enum vg_pixel_layout {
    VG_PIXEL_GRAY8 = 1, /* one byte per pixel */
    VG_PIXEL_RGB8 = 3   /* R, G, B bytes per pixel */
} vg_pixel_layout;

/* How the source stored its pixels, for reporting. */
typedef enum vg_color_model {
    VG_COLOR_GRAY = 0,
    VG_COLOR_GRAY_ALPHA,
    VG_COLOR_PALETTE,
    VG_COLOR_RGB,
    VG_COLOR_RGBA,
    VG_COLOR_CMYK,
    VG_COLOR_YCBCR
} vg_color_model;

const char *vg_color_model_name(vg_color_model model);

#define VG_DEFAULT_MAX_PIXELS 200000000ull

typedef struct vg_decode_options {
    uint64_t max_pixels; /* 0 means VG_DEFAULT_MAX_PIXELS */
} vg_decode_options;

typedef struct vg_image_info {
    uint32_t width;
    uint32_t height;
    vg_image_format format;
    vg_pixel_layout layout;    /* layout of the rows handed to the sink */
    vg_color_model color_model; /* how the source stored them */
    uint8_t bits_per_sample;   /* of the source: 1, 2, 4, 8, 16, ... */
} vg_image_info;

/*
 * Streaming output: begin() is called once, after the header is parsed and
 * the size checked, then row() once per row from top (y = 0) to bottom. The
 * row buffer belongs to the decoder and is valid only during the call. A
 * callback returning anything but VG_OK stops decoding; that status (and
 * the callback's message in err) is returned by the decode call.
 */
typedef struct vg_row_sink {
    vg_status (*begin)(void *user, const vg_image_info *info, vg_error *err);
    vg_status (*row)(void *user, uint32_t y, const uint8_t *pixels, vg_error *err);
    void *user;
} vg_row_sink;

/* Decode data[0..len) into sink. opts may be NULL for the defaults.
 * info, if not NULL, receives the image's description on success. */
vg_status vg_image_decode_rows(const uint8_t *data, size_t len, const vg_decode_options *opts,
                               const vg_row_sink *sink, vg_image_info *info, vg_error *err);

/* A decoded image; pixels are owned by the struct (free with vg_image_free). */
typedef struct vg_image {
    vg_image_info info;
    size_t stride; /* bytes between rows: width * layout */
    uint8_t *pixels;
} vg_image;

vg_status vg_image_decode(const uint8_t *data, size_t len, const vg_decode_options *opts,
                          vg_image *out, vg_error *err);
/* Read the file at path and decode it; errors name the file. */
vg_status vg_image_load_file(const char *path, const vg_decode_options *opts, vg_image *out,
                             vg_error *err);
void vg_image_free(vg_image *img);

#ifdef __cplusplus
}
#endif
#endif

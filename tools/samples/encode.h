/*
 * encode.h - vigie_encode: writes synthetic rasters in every format and
 * colour model the decoders of libvigie read.
 *
 * It exists for tests, fuzzing seeds and the demo folder of vigie-samples:
 * it favours coverage of storage variants (bit depths, palettes, RLE,
 * tiles, interlacing, CMYK, ...) over speed or compression. It is not part
 * of libvigie.
 *
 * Ownership: vg_encode returns a malloc'd buffer the caller frees with
 * free(). The raster is only read.
 */
#ifndef VIGIE_SAMPLES_ENCODE_H
#define VIGIE_SAMPLES_ENCODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vigie/error.h"
#include "vigie/image.h"

/* What a raster holds. Samples are interleaved, rows tightly packed;
 * 16-bit samples are uint16_t in host byte order. */
typedef enum vg_raster_kind {
    VG_RASTER_GRAY8,  /* 1 sample */
    VG_RASTER_GRAYA8, /* grey, alpha */
    VG_RASTER_RGB8,   /* R, G, B */
    VG_RASTER_RGBA8,  /* R, G, B, A */
    VG_RASTER_CMYK8,  /* ink amounts, 0 = no ink */
    VG_RASTER_GRAY16, /* 1 sample, 16 bits */
    VG_RASTER_RGB16   /* R, G, B, 16 bits each */
} vg_raster_kind;

typedef struct vg_raster {
    uint32_t width;
    uint32_t height;
    vg_raster_kind kind;
    const void *pixels;
} vg_raster;

/* Samples per pixel and bytes per sample of a kind. */
unsigned vg_raster_channels(vg_raster_kind kind);
unsigned vg_raster_sample_bytes(vg_raster_kind kind);

/*
 * How to store it. Zeroed options give the most common variant of the
 * format for the raster's kind. Not every combination exists (a CMYK GIF);
 * those fail with VG_ERR_UNSUPPORTED.
 */
typedef struct vg_encode_options {
    vg_image_format format;
    /* Store palette indices (PNG, BMP, TIFF; GIF always does). A raster
     * with at most 256 colours keeps them exactly; otherwise colours are
     * reduced to a fixed 6x7x6 cube. */
    bool palette;
    /* Bits per stored sample or index: PNG grey 1/2/4/8/16, palette
     * 1/2/4/8; BMP 1/2/4/8/16/24/32; TIFF grey 1/8/16; 0 = natural. Grey
     * rasters are quantised to fewer bits by keeping the high bits. */
    unsigned bits;
    int quality;       /* JPEG, lossy WebP, HEIC, AVIF: 1..100; 0 = 90 */
    bool lossless;     /* WebP lossless, AVIF/HEIC lossless */
    bool interlaced;   /* PNG Adam7, GIF interlaced, JPEG progressive */
    bool transparency; /* PNG palette: a tRNS chunk making index 0 transparent */
    bool rle;          /* BMP: RLE8 (8 bits) or RLE4 (4 bits) */
    bool top_down;     /* BMP: negative height, rows stored top first */
    bool os2;          /* BMP: OS/2 1.x core header (12 bytes) */
    bool bitfields;    /* BMP 16/32 bits: BI_BITFIELDS masks (5-6-5 / with alpha) */
    bool tiled;        /* TIFF: 16x16 tiles instead of strips */
    int tiff_compression; /* libtiff COMPRESSION_* value; 0 = none. JPEG
                             stores RGB as YCbCr 2x2 */
    bool plain;        /* PNM: ASCII P1/P2/P3 */
    unsigned maxval;   /* PNM grey/colour: 0 = 255 (65535 for 16-bit rasters) */
} vg_encode_options;

vg_status vg_encode(const vg_raster *raster, const vg_encode_options *opts, uint8_t **out,
                    size_t *out_len, vg_error *err);
vg_status vg_encode_file(const vg_raster *raster, const vg_encode_options *opts,
                         const char *path, vg_error *err);

#endif

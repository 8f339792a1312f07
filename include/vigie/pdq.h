/*
 * vigie/pdq.h - PDQ perceptual hashes of images.
 *
 * PDQ is the open 256-bit perceptual hash of hash-sharing programmes
 * (ThreatExchange, HMA, StopNCII), specified in ThreatExchange's
 * hashing/hashing.pdf. vigie computes *canonical* PDQ: the algorithm run on
 * the full-resolution image, bit-exact with the reference hasher given the
 * same RGB bytes. Two images are usually taken as the same picture when
 * their distance is <= 31 (VG_PDQ_MATCH_THRESHOLD).
 *
 * The hasher is streaming: it consumes decoded rows top to bottom and keeps
 * only a band of rows, so peak memory stays far below the size of the
 * image. It is thread-safe: states are independent and nothing is global.
 */
#ifndef VIGIE_PDQ_H
#define VIGIE_PDQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vigie/error.h"
#include "vigie/image.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VG_PDQ_BYTES 32
#define VG_PDQ_HEX_CHARS 64
#define VG_PDQ_MATCH_THRESHOLD 31

/* The 256 bits, in the byte order of the hex string ("f8f8f0ce..."). */
typedef struct vg_pdq_hash {
    uint8_t bytes[VG_PDQ_BYTES];
} vg_pdq_hash;

/* The eight dihedral variants, in the order reference tools list them. */
typedef enum vg_pdq_dihedral {
    VG_PDQ_ORIGINAL = 0,
    VG_PDQ_ROT90,
    VG_PDQ_ROT180,
    VG_PDQ_ROT270,
    VG_PDQ_FLIPX,
    VG_PDQ_FLIPY,
    VG_PDQ_FLIP_PLUS1,  /* transpose */
    VG_PDQ_FLIP_MINUS1, /* anti-transpose */
    VG_PDQ_DIHEDRAL_COUNT
} vg_pdq_dihedral;

/* Column-style names: "pdq", "pdq_rot90", ..., "pdq_flip_minus1". */
const char *vg_pdq_dihedral_name(vg_pdq_dihedral which);

typedef struct vg_pdq_result {
    int quality;        /* 0..100; below ~50 the hash is unreliable */
    bool has_dihedral;  /* hashes[1..7] are filled */
    vg_pdq_hash hashes[VG_PDQ_DIHEDRAL_COUNT];
} vg_pdq_result;

/* Streaming hasher: feed it as the sink of vg_image_decode_rows. */
typedef struct vg_pdq_stream vg_pdq_stream;

vg_status vg_pdq_stream_new(bool dihedral, vg_pdq_stream **out, vg_error *err);
void vg_pdq_stream_free(vg_pdq_stream *stream);
/* A sink bound to stream; it may be used for one image, then call finish.
 * vg_pdq_stream_reset makes the stream ready for another image and keeps its
 * buffers when the next image is no larger. */
vg_row_sink vg_pdq_stream_sink(vg_pdq_stream *stream);
vg_status vg_pdq_stream_finish(vg_pdq_stream *stream, vg_pdq_result *out, vg_error *err);
void vg_pdq_stream_reset(vg_pdq_stream *stream);

/* One-shot: hash pixels already in memory (rows of width*layout bytes,
 * `stride` bytes apart). */
vg_status vg_pdq_from_pixels(const uint8_t *pixels, uint32_t width, uint32_t height,
                             size_t stride, vg_pixel_layout layout, bool dihedral,
                             vg_pdq_result *out, vg_error *err);
/* One-shot: decode an encoded image (any vg_image format) and hash it. */
vg_status vg_pdq_from_encoded(const uint8_t *data, size_t len, const vg_decode_options *opts,
                              bool dihedral, vg_pdq_result *out, vg_error *err);

int vg_pdq_distance(const vg_pdq_hash *a, const vg_pdq_hash *b);
/* 64 lowercase hex digits plus NUL. */
void vg_pdq_to_hex(const vg_pdq_hash *hash, char out[VG_PDQ_HEX_CHARS + 1]);
/* Exactly 64 hex digits; VG_ERR_INVALID otherwise. */
vg_status vg_pdq_from_hex(const char *hex, vg_pdq_hash *out);

#ifdef __cplusplus
}
#endif
#endif

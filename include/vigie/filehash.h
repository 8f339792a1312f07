/*
 * vigie/filehash.h - everything vigie fingerprints in a file, in one read.
 *
 * A file is read once, sequentially: the digests consume every block, and
 * when the first bytes say "image" the bytes are also kept (up to
 * max_image_bytes) to be decoded and PDQ-hashed from memory afterwards. A
 * non-image file of any size is hashed in constant memory.
 *
 * With the robust option, the same decode also feeds a sketch
 * (vigie/sketch.h), from which come the signals that survive bars and crops:
 * the PDQ of the picture inside its bars (vigie/border.h) and its patch set
 * (vigie/patch.h).
 */
#ifndef VIGIE_FILEHASH_H
#define VIGIE_FILEHASH_H

#include <stdbool.h>
#include <stdint.h>

#include "vigie/digest.h"
#include "vigie/error.h"
#include "vigie/image.h"
#include "vigie/patch.h"
#include "vigie/pdq.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VG_DEFAULT_MAX_IMAGE_BYTES (512ull << 20)

typedef struct vg_filehash_options {
    bool pdq;                   /* compute PDQ for images */
    bool dihedral;              /* and its eight dihedral variants */
    bool robust;                /* and the trimmed PDQ and patch set (needs pdq) */
    uint64_t max_image_bytes;   /* larger images are not decoded; 0 = default */
    vg_decode_options decode;
} vg_filehash_options;

typedef struct vg_filehash {
    uint64_t bytes;
    vg_digests digests;
    vg_image_format format;  /* VG_FORMAT_UNKNOWN for non-images */
    bool has_pdq;            /* pdq is valid */
    vg_pdq_result pdq;
    vg_image_info image;     /* valid when has_pdq */
    /* With the robust option, when has_pdq: */
    bool has_robust;         /* trimmed and patchset below were computed */
    bool has_trimmed;        /* bars were found; trimmed is the PDQ inside them
                                (with dihedral variants when asked) */
    vg_pdq_result trimmed;
    vg_patchset patchset;    /* VG_PATCH_QUERY_COUNT patches at most; may be empty */
} vg_filehash;

/*
 * Reusable per-thread state (read buffer, digest and PDQ contexts), so
 * hashing many files allocates nothing per file beyond image bytes.
 * A hasher is used by one thread at a time.
 */
typedef struct vg_filehasher vg_filehasher;

vg_status vg_filehasher_new(const vg_filehash_options *opts, vg_filehasher **out, vg_error *err);
void vg_filehasher_free(vg_filehasher *h);

/*
 * Hash the file at path. Returns VG_OK when everything was computed.
 * When the file was read but its image could not be decoded, out->bytes and
 * out->digests are still valid, out->format says what it looked like,
 * has_pdq is false, and the decoding error is returned. An error that
 * prevented reading (VG_ERR_IO) leaves out->digests unspecified.
 * Every message names the path.
 */
vg_status vg_filehasher_path(vg_filehasher *h, const char *path, vg_filehash *out,
                             vg_error *err);
/* Same for an open descriptor (read from its current offset to EOF); name
 * is used in messages. The descriptor is not closed. */
vg_status vg_filehasher_fd(vg_filehasher *h, int fd, const char *name, vg_filehash *out,
                           vg_error *err);
/* Same for bytes already in memory (uploads). */
vg_status vg_filehasher_buffer(vg_filehasher *h, const uint8_t *data, size_t len,
                               const char *name, vg_filehash *out, vg_error *err);

#ifdef __cplusplus
}
#endif
#endif

/*
 * vigie/digest.h - MD5, SHA-1 and SHA-256 in one streaming pass.
 *
 * These are the digests that shared hash lists carry. They are computed
 * together over a single read of the data, in constant memory, so a 50 GiB
 * disk image costs one sequential read and a fixed-size buffer.
 */
#ifndef VIGIE_DIGEST_H
#define VIGIE_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vigie/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VG_MD5_BYTES 16
#define VG_SHA1_BYTES 20
#define VG_SHA256_BYTES 32

typedef struct vg_digests {
    uint8_t md5[VG_MD5_BYTES];
    uint8_t sha1[VG_SHA1_BYTES];
    uint8_t sha256[VG_SHA256_BYTES];
} vg_digests;

/* Incremental computation. A context is used by one thread at a time;
 * separate contexts are independent. */
typedef struct vg_digest_ctx vg_digest_ctx;

vg_status vg_digest_new(vg_digest_ctx **out, vg_error *err);
void vg_digest_free(vg_digest_ctx *ctx);
/* Start over; a context can be reused for any number of inputs. */
vg_status vg_digest_reset(vg_digest_ctx *ctx, vg_error *err);
vg_status vg_digest_update(vg_digest_ctx *ctx, const void *data, size_t len, vg_error *err);
/* Write the digests of everything fed since the last reset. */
vg_status vg_digest_final(vg_digest_ctx *ctx, vg_digests *out, vg_error *err);

/* One-shot helpers. */
vg_status vg_digest_buffer(const void *data, size_t len, vg_digests *out, vg_error *err);
/* Reads path sequentially; *bytes receives its length (may be NULL). */
vg_status vg_digest_file(const char *path, vg_digests *out, uint64_t *bytes, vg_error *err);

/* Lowercase hex of len bytes into out, which holds 2*len+1 chars. */
void vg_hex_encode(const uint8_t *bytes, size_t len, char *out);
/* The value of one hex digit (either case), or -1 when c is not one. */
int vg_hex_value(char c);
/* Parse exactly 2*len hex digits (either case) of a NUL-terminated string;
 * VG_ERR_INVALID otherwise. */
vg_status vg_hex_decode(const char *hex, uint8_t *bytes, size_t len);
/* Parse the 2*len hex digits (either case) at hex, which must have that
 * many readable characters (no terminator needed, none looked for): the
 * fast path for long lists of hashes. False when any is not a hex digit
 * (bytes is then unspecified). */
bool vg_hex_parse(const char *hex, size_t len, uint8_t *bytes);

#ifdef __cplusplus
}
#endif
#endif

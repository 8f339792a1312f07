/*
 * vigie/referral.h - referral packages: what a hotline hands the police (or
 * child protection) about a report, in one self-describing JSON document
 * whose manifest is signed (Ed25519), so that the chain of custody can be
 * checked by anyone holding the hotline's public key.
 *
 *   {"format": "vigie-referral/1",
 *    "manifest": "<the manifest: a JSON object, as text>",
 *    "evidence": {"<name>": "<base64 of the bytes>", ...},
 *    "signature": {"algorithm": "ed25519", "public_key": "<64 hex>",
 *                  "value": "<base64 of the 64-byte signature>"}}
 *
 * The signature covers the manifest's bytes exactly as they are in the
 * string (no canonicalisation is needed). The manifest lists every
 * evidence entry in "evidence": [{"name", "sha256", "bytes", ...}]: the
 * SHA-256 and size of the bytes in the package. Evidence is only ever
 * encrypted to the receiver (libsodium sealed boxes): the package never
 * holds material in clear. Everything else in the manifest (the report,
 * the assessment, the URLs, the audit extract) is the writer's, read by
 * people.
 *
 * Threads: no shared state; any thread.
 */
#ifndef VIGIE_REFERRAL_H
#define VIGIE_REFERRAL_H

#include <stddef.h>

#include "vigie/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VG_REFERRAL_FORMAT "vigie-referral/1"
#define VG_REFERRAL_MAX_BYTES (1024ull << 20) /* a package read whole: 1 GiB at most */
#define VG_REFERRAL_MAX_EVIDENCE 1000

typedef struct vg_referral_blob {
    const char *name; /* as the manifest lists it: 1 to 64 of [A-Za-z0-9._/-] */
    const unsigned char *data;
    size_t len;
} vg_referral_blob;

/* Assemble and sign a package: manifest (a JSON object text whose
 * "evidence" list names each blob with its SHA-256 and size), the blobs,
 * and the signer's Ed25519 secret key (64 bytes, libsodium's form).
 * *package (malloc'd, NUL-terminated) and *len. The result is verified
 * before it is returned: an inconsistent manifest is refused
 * (VG_ERR_INVALID). */
vg_status vg_referral_pack(const char *manifest, const vg_referral_blob *blobs, size_t count,
                           const unsigned char secret_key[64], char **package, size_t *len,
                           vg_error *err);

/* What a verified package holds. */
typedef struct vg_referral_check {
    char public_key[65]; /* the signer's, hex */
    size_t evidence;     /* entries checked */
    char *manifest;      /* the manifest text (malloc'd; vg_referral_check_clear) */
} vg_referral_check;
void vg_referral_check_clear(vg_referral_check *check);

/* Check a package: its form, the signature over the manifest (by
 * expected_key when it is not NULL, 32 bytes: the hotline's published key;
 * else by the key the package names, which proves integrity, not origin),
 * and every evidence entry against the manifest (present, same size and
 * SHA-256, none unlisted). VG_ERR_CORRUPT saying what failed. */
vg_status vg_referral_verify(const char *package, size_t len,
                             const unsigned char *expected_key, vg_referral_check *out,
                             vg_error *err);

#ifdef __cplusplus
}
#endif
#endif

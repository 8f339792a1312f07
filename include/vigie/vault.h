/*
 * vigie/vault.h - the evidence vault: files kept encrypted at rest.
 *
 * A file reported to the hotline may be child sexual abuse material (CSAM).
 * Its plaintext must never reach the disk: the vault encrypts it as it
 * arrives and hashes it on the way, so an upload is one pass over the bytes.
 *
 *   - Each file has its own random key (libsodium secretstream,
 *     XChaCha20-Poly1305, in 64 KiB chunks). That key is stored in the
 *     file's header wrapped (XChaCha20-Poly1305 AEAD, bound to the file's
 *     id) by the master key. The master key lives in a key file outside
 *     the database (mode 0600, created on first use), so a copy of the
 *     database and the vault directory alone reveals nothing.
 *   - While writing, MD5, SHA-1 and SHA-256 are computed on the fly. When
 *     the first bytes say "image", the plaintext is also kept in memory
 *     (never on disk) up to max_image_bytes, because PDQ needs the decoded
 *     picture; it is hashed (with the robust option, also for the trimmed
 *     PDQ and patch set of vigie/filehash.h), then wiped, at commit.
 *   - A file is written under a temporary name and renamed into place only
 *     once complete and fsynced: an upload that dies half-way leaves no
 *     evidence file behind (temporary files of crashed processes are swept
 *     when a vault is opened).
 *   - Reading back decrypts into memory and fails with VG_ERR_CORRUPT when
 *     a single byte was altered, truncated, appended, or the file was moved
 *     under another id, or the master key is not the one it was written
 *     with.
 *
 * On-disk layout: DIR/ab/abcdef... (ids are 32 lowercase hex digits, the
 * first two name a subdirectory). File format: "VGVAULT1", the 24-byte
 * wrap nonce, the 48-byte wrapped key, the 24-byte secretstream header,
 * then chunks of at most 64 KiB + 17 bytes, the last one tagged final.
 *
 * Threads: a vg_vault may be shared by any number of threads; a writer
 * belongs to one thread at a time.
 */
#ifndef VIGIE_VAULT_H
#define VIGIE_VAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vigie/error.h"
#include "vigie/filehash.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VG_VAULT_ID_CHARS 32
#define VG_VAULT_DEFAULT_MAX_FILE_BYTES (256ull << 20)
#define VG_VAULT_DEFAULT_MAX_IMAGE_BYTES (64ull << 20)

typedef struct vg_vault_options {
    const char *dir;         /* vault directory, created when missing */
    const char *key_file;    /* master key file, created (mode 0600) when missing */
    uint64_t max_file_bytes; /* a longer file is refused (VG_ERR_TOO_LARGE); 0 = default */
    /* Images up to this size are kept in memory for PDQ; larger ones get
     * digests only. 0 = default. */
    uint64_t max_image_bytes;
    bool pdq;                /* compute PDQ for images */
    /* and, in the same decode, the signals that survive bars and crops:
     * the trimmed PDQ and the patch set (filehash's robust option) */
    bool robust;
} vg_vault_options;

typedef struct vg_vault vg_vault;

/* Open the vault, creating the directory and the key file as needed. A key
 * file readable by group or others is refused (VG_ERR_INVALID): it is the
 * one secret that protects the evidence. */
vg_status vg_vault_open(const vg_vault_options *opts, vg_vault **out, vg_error *err);
void vg_vault_close(vg_vault *vault);

/* ---- writing ------------------------------------------------------------ */

typedef struct vg_vault_writer vg_vault_writer;

/* What a committed file is. */
typedef struct vg_vault_item {
    char id[VG_VAULT_ID_CHARS + 1];
    vg_filehash hash;      /* bytes, digests, format; PDQ when has_pdq; the
                              trimmed PDQ and patch set when has_robust */
    /* Why an image has no PDQ (decoding failed, larger than max_image_bytes,
     * PDQ disabled); empty when it has one or is not an image. The file is
     * kept either way: evidence is never refused for being undecodable. */
    char pdq_note[VG_ERROR_MESSAGE_MAX];
} vg_vault_item;

/* Start a new file. Nothing is visible in the vault until commit. */
vg_status vg_vault_writer_new(vg_vault *vault, vg_vault_writer **out, vg_error *err);
/* Encrypt and hash the next len bytes. VG_ERR_TOO_LARGE past
 * max_file_bytes; after any error the writer only accepts abort. */
vg_status vg_vault_write(vg_vault_writer *writer, const void *data, size_t len, vg_error *err);
/* Finish: seal, fsync, rename into place, fsync the directory, then PDQ.
 * On VG_OK the file is durable and *item describes it. Either way the
 * writer must still be released with vg_vault_writer_free. */
vg_status vg_vault_commit(vg_vault_writer *writer, vg_vault_item *item, vg_error *err);
/* Release the writer. An uncommitted file is removed: nothing of it stays. */
void vg_vault_writer_free(vg_vault_writer *writer);

/* Plaintext bytes written so far. */
uint64_t vg_vault_writer_bytes(const vg_vault_writer *writer);

/* ---- reading ------------------------------------------------------------ */

/* Decrypt the file with this id into memory: *data (released with
 * vg_vault_plain_free, which wipes it) and *len. Files longer than
 * max_bytes are refused (VG_ERR_TOO_LARGE) before any allocation; 0 means
 * max_file_bytes. VG_ERR_INVALID for an id that is not 32 hex digits or is
 * unknown; VG_ERR_CORRUPT when authentication fails. */
vg_status vg_vault_read(vg_vault *vault, const char *id, uint64_t max_bytes, uint8_t **data,
                        size_t *len, vg_error *err);
void vg_vault_plain_free(uint8_t *data, size_t len);

/* Delete a file (retention); VG_OK when it was already absent. */
vg_status vg_vault_remove(vg_vault *vault, const char *id, vg_error *err);

/* True when id is well formed (32 lowercase hex digits). */
bool vg_vault_id_valid(const char *id);

#ifdef __cplusplus
}
#endif
#endif

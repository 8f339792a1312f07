/*
 * src/util/sealed.h - small secrets kept encrypted in the database.
 *
 * A TOTP secret read from a stolen copy of the database must be worth
 * nothing: it is stored sealed (XChaCha20-Poly1305, libsodium) under a key
 * kept in a file of its own (secrets.key_file), which the operator keeps
 * apart from the database (another disk, a secrets mount: docs/security.md).
 * A sealed value is text: "sealed:v1:" followed by the hex of nonce and
 * ciphertext. A value without that prefix is a legacy plaintext value and
 * is read as it is (vg_unseal says so, and the server seals it again).
 */
#ifndef VIGIE_UTIL_SEALED_H
#define VIGIE_UTIL_SEALED_H

#include "vigie/error.h"

typedef struct vg_sealer vg_sealer;

/* Read a 32-byte key kept as 64 hex digits in key_file, creating it first
 * (random, mode 0600, written and synced before use) when it does not
 * exist; what names it in errors ("secrets key"). */
vg_status vg_key_file_load(const char *key_file, unsigned char key[32], const char *what,
                           vg_error *err);
/* The sealer whose key is in key_file (vg_key_file_load). */
vg_status vg_sealer_open(const char *key_file, vg_sealer **out, vg_error *err);
/* A sealer with the 32-byte key given (copied; the caller wipes its own):
 * for keys derived from another secret rather than kept in a file. */
vg_status vg_sealer_from_key(const unsigned char key[32], vg_sealer **out, vg_error *err);
void vg_sealer_free(vg_sealer *sealer);

/* Seal plain into a malloc'd text (NULL when out of memory). */
char *vg_seal(const vg_sealer *sealer, const char *plain);
/* Open a stored value into *plain (malloc'd; wipe it after use). *legacy
 * (may be NULL) gets 1 when the value was not sealed. VG_ERR_CORRUPT when
 * a sealed value does not open under this key (wrong key file, or
 * tampered). */
vg_status vg_unseal(const vg_sealer *sealer, const char *stored, char **plain, int *legacy,
                    vg_error *err);
/* Wipe and free a string from vg_unseal. */
void vg_sealed_free(char *plain);

#endif

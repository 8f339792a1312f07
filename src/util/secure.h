/*
 * src/util/secure.h - the small cryptographic helpers the server shares:
 * random tokens, SHA-256 and HMAC in hex, constant-time comparison,
 * Argon2id password hashing. libsodium must be initialised first
 * (vg_secure_init, idempotent and thread-safe).
 */
#ifndef VIGIE_UTIL_SECURE_H
#define VIGIE_UTIL_SECURE_H

#include <stddef.h>
#include <stdint.h>

#include "vigie/error.h"

vg_status vg_secure_init(vg_error *err);

/* bytes random bytes as 2*bytes hex digits into out (2*bytes+1 chars). */
void vg_random_hex(char *out, size_t bytes);
/* A random token from an alphabet without look-alike characters
 * (for receipt codes people copy by hand): len chars + NUL into out. */
void vg_random_code(char *out, size_t len);
/* SHA-256 of data as 64 hex digits + NUL. */
void vg_sha256_hex(const void *data, size_t len, char out[65]);
/* HMAC-SHA-256(key, data) as 64 hex digits + NUL. */
void vg_hmac_sha256_hex(const void *key, size_t key_len, const void *data, size_t len,
                        char out[65]);
/* Overwrite n bytes at p with zeros, in a way the compiler keeps. */
void vg_secure_wipe(void *p, size_t n);
/* 1 when a and b are equal strings, in time independent of where they differ. */
int vg_secure_equal(const char *a, const char *b);

/* Argon2id hash (crypto_pwhash_str, interactive limits) of password into
 * out (crypto_pwhash_STRBYTES = 128 bytes). */
vg_status vg_password_hash(const char *password, char out[128], vg_error *err);
/* 1 when password matches hash. */
int vg_password_check(const char *hash, const char *password);

#endif

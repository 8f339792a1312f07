/*
 * src/util/sealed.c - secrets sealed under a key file (sealed.h).
 */
#include "util/sealed.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PREFIX "sealed:v1:"
#define KEY_BYTES crypto_aead_xchacha20poly1305_ietf_KEYBYTES
#define NONCE_BYTES crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG_BYTES crypto_aead_xchacha20poly1305_ietf_ABYTES
/* Bound to what it protects: a sealed value moved to another use does not open. */
static const unsigned char AD[] = "vigie sealed secret v1";

struct vg_sealer {
    unsigned char key[KEY_BYTES];
};

static vg_status read_key(const char *path, unsigned char *key, const char *what, vg_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return vg_error_set(err, VG_ERR_IO, "%s: cannot read the %s: %s", path, what,
                            strerror(errno));
    char hex[2 * KEY_BYTES + 2];
    ssize_t n = read(fd, hex, sizeof hex);
    close(fd);
    size_t bin_len = 0;
    if (n < (ssize_t)(2 * KEY_BYTES) ||
        sodium_hex2bin(key, KEY_BYTES, hex, 2 * KEY_BYTES, NULL, &bin_len, NULL) != 0 ||
        bin_len != KEY_BYTES || (n > (ssize_t)(2 * KEY_BYTES) && hex[2 * KEY_BYTES] != '\n')) {
        sodium_memzero(hex, sizeof hex);
        return vg_error_set(err, VG_ERR_CORRUPT,
                            "%s: not a %s (64 hex digits expected)", path, what);
    }
    sodium_memzero(hex, sizeof hex);
    return VG_OK;
}

static vg_status create_key(const char *path, const char *what, vg_error *err)
{
    unsigned char key[KEY_BYTES];
    char hex[2 * KEY_BYTES + 2];
    randombytes_buf(key, sizeof key);
    sodium_bin2hex(hex, sizeof hex, key, sizeof key);
    sodium_memzero(key, sizeof key);
    hex[2 * KEY_BYTES] = '\n';
    /* O_EXCL: two processes starting together keep the first key. */
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        sodium_memzero(hex, sizeof hex);
        return errno == EEXIST ? VG_OK
                               : vg_error_set(err, VG_ERR_IO,
                                              "%s: cannot create the %s: %s", path,
                                              what, strerror(errno));
    }
    int ok = write(fd, hex, 2 * KEY_BYTES + 1) == (ssize_t)(2 * KEY_BYTES + 1) && fsync(fd) == 0;
    sodium_memzero(hex, sizeof hex);
    close(fd);
    if (!ok) {
        unlink(path);
        return vg_error_set(err, VG_ERR_IO, "%s: cannot write the %s", path, what);
    }
    return VG_OK;
}

vg_status vg_key_file_load(const char *key_file, unsigned char key[32], const char *what,
                           vg_error *err)
{
    if (sodium_init() < 0)
        return vg_error_set(err, VG_ERR_IO, "libsodium could not start");
    vg_status st = access(key_file, F_OK) == 0 ? VG_OK : create_key(key_file, what, err);
    return st == VG_OK ? read_key(key_file, key, what, err) : st;
}

vg_status vg_sealer_open(const char *key_file, vg_sealer **out, vg_error *err)
{
    *out = NULL;
    if (sodium_init() < 0)
        return vg_error_set(err, VG_ERR_IO, "libsodium could not start");
    vg_sealer *s = sodium_malloc(sizeof *s);
    if (!s)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    vg_status st;
    if ((st = vg_key_file_load(key_file, s->key, "secrets key", err)) != VG_OK) {
        sodium_free(s);
        return st;
    }
    *out = s;
    return VG_OK;
}

vg_status vg_sealer_from_key(const unsigned char key[32], vg_sealer **out, vg_error *err)
{
    *out = NULL;
    if (sodium_init() < 0)
        return vg_error_set(err, VG_ERR_IO, "libsodium could not start");
    vg_sealer *s = sodium_malloc(sizeof *s);
    if (!s)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    memcpy(s->key, key, KEY_BYTES);
    *out = s;
    return VG_OK;
}

void vg_sealer_free(vg_sealer *sealer)
{
    if (sealer)
        sodium_free(sealer); /* sodium_free wipes it */
}

char *vg_seal(const vg_sealer *sealer, const char *plain)
{
    size_t n = strlen(plain);
    size_t raw_len = NONCE_BYTES + n + TAG_BYTES;
    unsigned char *raw = malloc(raw_len);
    char *out = malloc(sizeof PREFIX - 1 + 2 * raw_len + 1);
    if (!raw || !out) {
        free(raw);
        free(out);
        return NULL;
    }
    randombytes_buf(raw, NONCE_BYTES);
    unsigned long long ct_len = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(raw + NONCE_BYTES, &ct_len,
                                               (const unsigned char *)plain, n, AD,
                                               sizeof AD - 1, NULL, raw, sealer->key);
    memcpy(out, PREFIX, sizeof PREFIX - 1);
    sodium_bin2hex(out + sizeof PREFIX - 1, 2 * raw_len + 1, raw, raw_len);
    free(raw);
    return out;
}

vg_status vg_unseal(const vg_sealer *sealer, const char *stored, char **plain, int *legacy,
                    vg_error *err)
{
    *plain = NULL;
    if (legacy)
        *legacy = 0;
    if (strncmp(stored, PREFIX, sizeof PREFIX - 1) != 0) {
        if (legacy)
            *legacy = 1;
        *plain = strdup(stored);
        return *plain ? VG_OK : vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    const char *hex = stored + sizeof PREFIX - 1;
    size_t hex_len = strlen(hex);
    size_t raw_len = hex_len / 2, got = 0;
    if (hex_len % 2 || raw_len < NONCE_BYTES + TAG_BYTES)
        return vg_error_set(err, VG_ERR_CORRUPT, "a sealed secret is damaged");
    unsigned char *raw = malloc(raw_len);
    char *out = malloc(raw_len - NONCE_BYTES - TAG_BYTES + 1);
    if (!raw || !out) {
        free(raw);
        free(out);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    unsigned long long n = 0;
    if (sodium_hex2bin(raw, raw_len, hex, hex_len, NULL, &got, NULL) != 0 || got != raw_len ||
        crypto_aead_xchacha20poly1305_ietf_decrypt(
            (unsigned char *)out, &n, NULL, raw + NONCE_BYTES, raw_len - NONCE_BYTES, AD,
            sizeof AD - 1, raw, sealer->key) != 0) {
        free(raw);
        free(out);
        return vg_error_set(err, VG_ERR_CORRUPT,
                            "a sealed secret does not open with this secrets key (is "
                            "secrets.key_file the key it was sealed with?)");
    }
    free(raw);
    out[n] = 0;
    *plain = out;
    return VG_OK;
}

void vg_sealed_free(char *plain)
{
    if (!plain)
        return;
    sodium_memzero(plain, strlen(plain));
    free(plain);
}

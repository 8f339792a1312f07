/*
 * src/util/secure.c - random tokens, digests, password hashes.
 */
#include "util/secure.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>
#include <string.h>

vg_status vg_secure_init(vg_error *err)
{
    if (sodium_init() < 0)
        return vg_error_set(err, VG_ERR_IO, "libsodium could not initialise (no random source?)");
    return VG_OK;
}

static void to_hex(const unsigned char *bytes, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[bytes[i] >> 4];
        out[2 * i + 1] = digits[bytes[i] & 15];
    }
    out[2 * n] = 0;
}

void vg_random_hex(char *out, size_t bytes)
{
    unsigned char buf[64];
    while (bytes > 0) {
        size_t n = bytes < sizeof buf ? bytes : sizeof buf;
        randombytes_buf(buf, n);
        to_hex(buf, n, out);
        out += 2 * n;
        bytes -= n;
    }
    *out = 0;
    sodium_memzero(buf, sizeof buf);
}

void vg_random_code(char *out, size_t len)
{
    /* 32 symbols, no 0/O, 1/I/L: each is 5 bits, chosen without bias. */
    static const char alphabet[] = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
    for (size_t i = 0; i < len; i++)
        out[i] = alphabet[randombytes_uniform(sizeof alphabet - 1)];
    out[len] = 0;
}

void vg_sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char md[32];
    unsigned int n = 0;
    if (!EVP_Digest(data, len, md, &n, EVP_sha256(), NULL)) {
        memset(out, 'x', 64); /* never equal to a real digest */
        out[64] = 0;
        return;
    }
    to_hex(md, 32, out);
}

void vg_hmac_sha256_hex(const void *key, size_t key_len, const void *data, size_t len,
                        char out[65])
{
    unsigned char md[32];
    unsigned int n = 0;
    if (!HMAC(EVP_sha256(), key, (int)key_len, data, len, md, &n)) {
        memset(out, 'x', 64);
        out[64] = 0;
        return;
    }
    to_hex(md, 32, out);
}

int vg_secure_equal(const char *a, const char *b)
{
    if (!a || !b)
        return 0;
    size_t la = strlen(a), lb = strlen(b);
    if (la != lb)
        return 0;
    return sodium_memcmp(a, b, la) == 0;
}

vg_status vg_password_hash(const char *password, char out[128], vg_error *err)
{
    if (crypto_pwhash_str(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return vg_error_set(err, VG_ERR_NOMEM, "not enough memory to hash the password");
    return VG_OK;
}

int vg_password_check(const char *hash, const char *password)
{
    if (!hash || !password)
        return 0;
    return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

void vg_secure_wipe(void *p, size_t n)
{
    sodium_memzero(p, n);
}

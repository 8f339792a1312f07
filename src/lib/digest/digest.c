/*
 * MD5, SHA-1 and SHA-256 together over one pass, with OpenSSL's libcrypto
 * (which uses the CPU's SHA extensions when present).
 *
 * The three digests walk the input in slices small enough to stay in the
 * CPU cache: each slice is read from memory once and hashed three times
 * from cache, instead of streaming a large block through memory three
 * times.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "digest/fileio.h"
#include "vigie/digest.h"

#define SLICE_BYTES (32u << 10)

enum { ALG_MD5, ALG_SHA1, ALG_SHA256, ALG_COUNT };

static const char *const alg_names[ALG_COUNT] = {"MD5", "SHA1", "SHA256"};
static const unsigned alg_sizes[ALG_COUNT] = {VG_MD5_BYTES, VG_SHA1_BYTES, VG_SHA256_BYTES};

struct vg_digest_ctx {
    EVP_MD *md[ALG_COUNT];
    EVP_MD_CTX *ctx[ALG_COUNT];
};

void vg_digest_free(vg_digest_ctx *d)
{
    if (!d)
        return;
    for (int i = 0; i < ALG_COUNT; i++) {
        EVP_MD_CTX_free(d->ctx[i]);
        EVP_MD_free(d->md[i]);
    }
    free(d);
}

vg_status vg_digest_new(vg_digest_ctx **out, vg_error *err)
{
    *out = NULL;
    vg_digest_ctx *d = calloc(1, sizeof *d);
    if (!d)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory allocating digest state");
    /* Fetched once per context: an implicit fetch on every reset would cost
     * a provider lookup per file, which shows on trees of small files. */
    for (int i = 0; i < ALG_COUNT; i++) {
        d->md[i] = EVP_MD_fetch(NULL, alg_names[i], NULL);
        d->ctx[i] = EVP_MD_CTX_new();
        if (!d->md[i] || !d->ctx[i]) {
            vg_digest_free(d);
            return vg_error_set(err, VG_ERR_UNSUPPORTED,
                                "OpenSSL cannot provide the %s digest", alg_names[i]);
        }
    }
    vg_status st = vg_digest_reset(d, err);
    if (st != VG_OK) {
        vg_digest_free(d);
        return st;
    }
    *out = d;
    return VG_OK;
}

vg_status vg_digest_reset(vg_digest_ctx *d, vg_error *err)
{
    if (!d)
        return vg_error_set(err, VG_ERR_INVALID, "no digest context given");
    for (int i = 0; i < ALG_COUNT; i++)
        if (EVP_DigestInit_ex2(d->ctx[i], d->md[i], NULL) != 1)
            return vg_error_set(err, VG_ERR_UNSUPPORTED, "OpenSSL cannot start a %s digest",
                                alg_names[i]);
    return VG_OK;
}

vg_status vg_digest_update(vg_digest_ctx *d, const void *data, size_t len, vg_error *err)
{
    if (!d || (!data && len))
        return vg_error_set(err, VG_ERR_INVALID, "no digest context or data given");
    const uint8_t *p = data;
    while (len) {
        size_t n = len < SLICE_BYTES ? len : SLICE_BYTES;
        for (int i = 0; i < ALG_COUNT; i++)
            if (EVP_DigestUpdate(d->ctx[i], p, n) != 1)
                return vg_error_set(err, VG_ERR_UNSUPPORTED, "OpenSSL failed to update %s",
                                    alg_names[i]);
        p += n;
        len -= n;
    }
    return VG_OK;
}

vg_status vg_digest_final(vg_digest_ctx *d, vg_digests *out, vg_error *err)
{
    if (!d || !out)
        return vg_error_set(err, VG_ERR_INVALID, "no digest context or output given");
    uint8_t *dest[ALG_COUNT] = {out->md5, out->sha1, out->sha256};
    for (int i = 0; i < ALG_COUNT; i++) {
        unsigned int n = 0;
        if (EVP_DigestFinal_ex(d->ctx[i], dest[i], &n) != 1 || n != alg_sizes[i])
            return vg_error_set(err, VG_ERR_UNSUPPORTED, "OpenSSL failed to finish %s",
                                alg_names[i]);
    }
    return VG_OK;
}

vg_status vg_digest_buffer(const void *data, size_t len, vg_digests *out, vg_error *err)
{
    vg_digest_ctx *d;
    vg_status st = vg_digest_new(&d, err);
    if (st != VG_OK)
        return st;
    st = vg_digest_update(d, data, len, err);
    if (st == VG_OK)
        st = vg_digest_final(d, out, err);
    vg_digest_free(d);
    return st;
}

vg_status vg_digest_file(const char *path, vg_digests *out, uint64_t *bytes, vg_error *err)
{
    if (bytes)
        *bytes = 0;
    int fd;
    vg_status st = vg_open_for_hashing(path, &fd, err);
    if (st != VG_OK)
        return st;
    vg_advise_sequential(fd);
    uint8_t *buf = vg_read_buffer_new();
    vg_digest_ctx *d = NULL;
    if (!buf) {
        st = vg_error_set(err, VG_ERR_NOMEM, "%s: out of memory for the read buffer", path);
        goto done;
    }
    st = vg_digest_new(&d, err);
    uint64_t total = 0;
    while (st == VG_OK) {
        size_t got;
        st = vg_read_fill(fd, buf, VG_READ_BLOCK, &got, path, err);
        if (st == VG_OK)
            st = vg_digest_update(d, buf, got, err);
        total += got;
        if (got < VG_READ_BLOCK)
            break;
    }
    if (st == VG_OK)
        st = vg_digest_final(d, out, err);
    if (st == VG_OK && bytes)
        *bytes = total;
done:
    vg_digest_free(d);
    free(buf);
    close(fd);
    return st;
}

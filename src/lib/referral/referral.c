/*
 * src/lib/referral/referral.c - signed referral packages (vigie/referral.h).
 */
#include "vigie/referral.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int name_ok(const char *s)
{
    size_t n = strlen(s);
    if (!n || n > 64)
        return 0;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '.' || *p == '_' || *p == '/' || *p == '-'))
            return 0;
    return 1;
}

static char *b64(const unsigned char *data, size_t len)
{
    size_t cap = sodium_base64_encoded_len(len, sodium_base64_VARIANT_ORIGINAL);
    char *out = malloc(cap);
    if (out)
        sodium_bin2base64(out, cap, data, len, sodium_base64_VARIANT_ORIGINAL);
    return out;
}

vg_status vg_referral_pack(const char *manifest, const vg_referral_blob *blobs, size_t count,
                           const unsigned char secret_key[64], char **package, size_t *len,
                           vg_error *err)
{
    *package = NULL;
    *len = 0;
    if (sodium_init() < 0)
        return vg_error_set(err, VG_ERR_UNSUPPORTED, "libsodium cannot start");
    unsigned char sig[crypto_sign_BYTES];
    crypto_sign_detached(sig, NULL, (const unsigned char *)manifest, strlen(manifest),
                         secret_key);
    char pk_hex[2 * crypto_sign_PUBLICKEYBYTES + 1];
    sodium_bin2hex(pk_hex, sizeof pk_hex, secret_key + crypto_sign_SEEDBYTES,
                   crypto_sign_PUBLICKEYBYTES);
    char *sig64 = b64(sig, sizeof sig);
    json_t *evidence = json_object();
    vg_status st = sig64 && evidence ? VG_OK : vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    for (size_t i = 0; st == VG_OK && i < count; i++) {
        char *data = b64(blobs[i].data, blobs[i].len);
        if (!data || !name_ok(blobs[i].name) ||
            json_object_set_new(evidence, blobs[i].name, json_string(data)) != 0)
            st = vg_error_set(err, data ? VG_ERR_INVALID : VG_ERR_NOMEM,
                              "evidence %zu: a bad name or out of memory", i);
        free(data);
    }
    json_t *o = NULL;
    if (st == VG_OK)
        o = json_pack("{s:s, s:s, s:O, s:{s:s, s:s, s:s}}", "format", VG_REFERRAL_FORMAT,
                      "manifest", manifest, "evidence", evidence, "signature", "algorithm",
                      "ed25519", "public_key", pk_hex, "value", sig64);
    json_decref(evidence);
    free(sig64);
    char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (st == VG_OK && !text)
        st = vg_error_set(err, VG_ERR_NOMEM, "out of memory (or the manifest is not UTF-8)");
    if (st != VG_OK) {
        free(text);
        return st;
    }
    /* What is handed over must check: verify it as the receiver will. */
    vg_referral_check check;
    st = vg_referral_verify(text, strlen(text), secret_key + crypto_sign_SEEDBYTES, &check, err);
    vg_referral_check_clear(&check);
    if (st != VG_OK) {
        free(text);
        return vg_error_set(err, VG_ERR_INVALID, "the package would not verify: %s",
                            err ? err->message : "?");
    }
    *package = text;
    *len = strlen(text);
    return VG_OK;
}

void vg_referral_check_clear(vg_referral_check *check)
{
    free(check->manifest);
    memset(check, 0, sizeof *check);
}

static vg_status corrupt(vg_error *err, const char *why)
{
    return vg_error_set(err, VG_ERR_CORRUPT, "not a valid referral package: %s", why);
}

/* Check one evidence entry of the manifest against the package. */
static vg_status check_entry(json_t *entry, json_t *evidence, size_t i, vg_error *err)
{
    const char *name = json_string_value(json_object_get(entry, "name"));
    const char *sha = json_string_value(json_object_get(entry, "sha256"));
    json_t *bytes = json_object_get(entry, "bytes");
    if (!json_is_object(entry) || !name || !name_ok(name) || !sha || strlen(sha) != 64 ||
        !json_is_integer(bytes) || json_integer_value(bytes) < 0)
        return vg_error_set(err, VG_ERR_CORRUPT,
                            "manifest evidence[%zu] is not {name, sha256, bytes}", i);
    const char *data = json_string_value(json_object_get(evidence, name));
    if (!data)
        return vg_error_set(err, VG_ERR_CORRUPT, "evidence '%s' is listed but missing", name);
    size_t dlen = strlen(data), cap = dlen / 4 * 3 + 3, got = 0;
    unsigned char *bin = malloc(cap ? cap : 1);
    if (!bin)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    if (sodium_base642bin(bin, cap, data, dlen, NULL, &got, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0) {
        free(bin);
        return vg_error_set(err, VG_ERR_CORRUPT, "evidence '%s' is not base64", name);
    }
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, bin, got);
    free(bin);
    char hex[65];
    sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
    if ((json_int_t)got != json_integer_value(bytes) || sodium_memcmp(hex, sha, 64) != 0)
        return vg_error_set(err, VG_ERR_CORRUPT,
                            "evidence '%s' does not match its digest in the manifest: altered",
                            name);
    return VG_OK;
}

vg_status vg_referral_verify(const char *package, size_t len,
                             const unsigned char *expected_key, vg_referral_check *out,
                             vg_error *err)
{
    memset(out, 0, sizeof *out);
    if (sodium_init() < 0)
        return vg_error_set(err, VG_ERR_UNSUPPORTED, "libsodium cannot start");
    if (len > VG_REFERRAL_MAX_BYTES)
        return corrupt(err, "larger than 1 GiB");
    json_error_t je;
    json_t *o = json_loadb(package, len, JSON_REJECT_DUPLICATES, &je);
    if (!o)
        return corrupt(err, "not JSON");
    vg_status st = VG_OK;
    const char *format = json_string_value(json_object_get(o, "format"));
    json_t *m = json_object_get(o, "manifest");
    json_t *evidence = json_object_get(o, "evidence");
    json_t *sig = json_object_get(o, "signature");
    const char *alg = json_string_value(json_object_get(sig, "algorithm"));
    const char *pk_hex = json_string_value(json_object_get(sig, "public_key"));
    const char *value = json_string_value(json_object_get(sig, "value"));
    unsigned char pk[crypto_sign_PUBLICKEYBYTES], s[crypto_sign_BYTES + 3];
    size_t pk_len = 0, s_len = 0;
    if (!json_is_object(o) || !format || strcmp(format, VG_REFERRAL_FORMAT))
        st = corrupt(err, "the format is not " VG_REFERRAL_FORMAT);
    else if (!json_is_string(m) || !json_is_object(evidence) || !json_is_object(sig))
        st = corrupt(err, "manifest, evidence or signature is missing");
    else if (json_object_size(evidence) > VG_REFERRAL_MAX_EVIDENCE)
        st = corrupt(err, "too many evidence entries");
    else if (!alg || strcmp(alg, "ed25519") || !pk_hex || !value ||
             sodium_hex2bin(pk, sizeof pk, pk_hex, strlen(pk_hex), NULL, &pk_len, NULL) != 0 ||
             pk_len != sizeof pk || strlen(pk_hex) != 2 * sizeof pk ||
             sodium_base642bin(s, sizeof s, value, strlen(value), NULL, &s_len, NULL,
                               sodium_base64_VARIANT_ORIGINAL) != 0 ||
             s_len != crypto_sign_BYTES)
        st = corrupt(err, "the signature is not an Ed25519 key and signature");
    else if (expected_key && sodium_memcmp(expected_key, pk, sizeof pk) != 0)
        st = vg_error_set(err, VG_ERR_CORRUPT,
                          "signed by key %.64s, not by the key you expect", pk_hex);
    else if (crypto_sign_verify_detached(s, (const unsigned char *)json_string_value(m),
                                         json_string_length(m), pk) != 0)
        st = vg_error_set(err, VG_ERR_CORRUPT,
                          "the signature does not match the manifest: altered, or not signed "
                          "by %.64s",
                          pk_hex);
    json_t *manifest = NULL;
    if (st == VG_OK) {
        manifest = json_loadb(json_string_value(m), json_string_length(m),
                              JSON_REJECT_DUPLICATES, &je);
        if (!json_is_object(manifest))
            st = corrupt(err, "the manifest is not a JSON object");
    }
    json_t *list = manifest ? json_object_get(manifest, "evidence") : NULL;
    if (st == VG_OK && list && !json_is_array(list))
        st = corrupt(err, "the manifest's evidence is not a list");
    size_t listed = json_array_size(list);
    for (size_t i = 0; st == VG_OK && i < listed; i++)
        st = check_entry(json_array_get(list, i), evidence, i, err);
    /* Every entry listed exists and names are keys, so equal counts mean
     * nothing unlisted (a name listed twice would leave one unlisted). */
    if (st == VG_OK && listed != json_object_size(evidence))
        st = corrupt(err, "evidence the manifest does not list (or lists twice)");
    if (st == VG_OK) {
        snprintf(out->public_key, sizeof out->public_key, "%s", pk_hex);
        out->evidence = listed;
        out->manifest = strndup(json_string_value(m), json_string_length(m));
        if (!out->manifest)
            st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    json_decref(manifest);
    json_decref(o);
    return st;
}

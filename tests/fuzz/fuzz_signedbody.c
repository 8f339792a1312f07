/* libFuzzer target: the bodies of signed lists and deltas as a subscriber
 * reads them (vg_signed_verify: hashing, counting, the header and the
 * canonical order line by line; vg_signed_patch: the merge of a delta into
 * the list it applies to). fuzz_signedlist covers the signature files;
 * here each input is signed by a fixed key as what it is (its hash and line
 * count), so that the reading goes past the signature to the bytes. The
 * first byte picks a full list or a delta (to a fixed base list). */
#include <sodium.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "signedlist/signedlist_internal.h"
#include "vigie/signedlist.h"

static const char BASE[] = "signal_type,signal,id\n"
                           "md5,0123456789abcdef0123456789abcdef,a\n"
                           "md5,1123456789abcdef0123456789abcdef,b\n"
                           "pdq,f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22,c\n";

static char dir[] = "/tmp/vigie-fuzz-signedbody-XXXXXX";
static char base_path[128], body_path[128], out_path[128];
static vg_signed_key key;
static vg_signed_keyring *ring;
static uint8_t base_sha[32];

static bool write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    bool ok = f && fwrite(data, 1, len, f) == len;
    return f && fclose(f) == 0 && ok;
}

/* Lines after the first, as a writer counts them (a last line without its
 * LF counts too). */
static uint64_t entries_of(const uint8_t *data, size_t len)
{
    uint64_t lines = 0;
    for (size_t i = 0; i < len; i++)
        lines += data[i] == '\n';
    if (len && data[len - 1] != '\n')
        lines++;
    return lines ? lines - 1 : 0;
}

static bool setup(void)
{
    if (sodium_init() < 0 || !mkdtemp(dir))
        return false;
    snprintf(base_path, sizeof base_path, "%s/base", dir);
    snprintf(body_path, sizeof body_path, "%s/body", dir);
    snprintf(out_path, sizeof out_path, "%s/out", dir);
    /* a fixed key: the same runs whatever the process */
    uint8_t seed[crypto_sign_SEEDBYTES];
    memset(seed, 7, sizeof seed);
    memset(&key, 0, sizeof key);
    snprintf(key.name, sizeof key.name, "fuzz");
    crypto_sign_seed_keypair(key.public_key, key.secret_key, seed);
    key.has_secret = true;
    char line[160];
    vg_signed_key_public_line(&key, line);
    if (vg_signed_keyring_parse(line, strlen(line), &ring, NULL) != VG_OK)
        return false;
    crypto_hash_sha256(base_sha, (const unsigned char *)BASE, strlen(BASE));
    vg_signed_manifest m = {.kind = VG_SIGNED_FULL, .version = 1, .entries = 3};
    snprintf(m.list, sizeof m.list, "known");
    snprintf(m.created, sizeof m.created, "2026-01-01T00:00:00Z");
    memcpy(m.sha256, base_sha, 32);
    char sig[160];
    vg_signed_sig_path(base_path, sig, sizeof sig);
    return write_file(base_path, BASE, strlen(BASE)) && sig_write(sig, &m, &key, NULL) == VG_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool ready;
    if (!ready && !(ready = setup()))
        abort();
    if (size < 1)
        return 0;
    bool delta = data[0] & 1;
    const uint8_t *body = data + 1;
    size_t len = size - 1;
    vg_signed_manifest m = {.kind = delta ? VG_SIGNED_DELTA : VG_SIGNED_FULL, .version = 2,
                            .entries = entries_of(body, len)};
    snprintf(m.list, sizeof m.list, "known");
    snprintf(m.created, sizeof m.created, "2026-01-01T00:00:00Z");
    crypto_hash_sha256(m.sha256, body, len);
    if (delta) {
        m.base_version = 1;
        memcpy(m.base_sha256, base_sha, 32);
        m.result_entries = 3;
        memcpy(m.result_sha256, base_sha, 32); /* the merge runs whatever it makes */
    }
    char sig[160];
    vg_signed_sig_path(body_path, sig, sizeof sig);
    if (!write_file(body_path, body, len) || sig_write(sig, &m, &key, NULL) != VG_OK)
        abort();
    vg_error err;
    vg_signed_manifest got;
    if (delta) {
        vg_signed_delta_stats stats;
        vg_signed_patch(base_path, body_path, ring, out_path, &got, &stats, &err);
        unlink(out_path);
        char out_sig[160];
        vg_signed_sig_path(out_path, out_sig, sizeof out_sig);
        unlink(out_sig);
    } else {
        vg_signed_verify(body_path, NULL, ring, &got, &err);
    }
    return 0;
}

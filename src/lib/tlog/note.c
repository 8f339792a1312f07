/*
 * src/lib/tlog/note.c - C2SP signed notes with Ed25519 keys, and the
 * checkpoints they carry (vigie/tlog.h).
 */
#include "vigie/tlog.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tlog_internal.h"

#define EM_DASH "\xe2\x80\x94"
#define ALG_ED25519 0x01

static int valid_name(const char *name, size_t len)
{
    if (len == 0 || len > VG_NOTE_MAX_NAME)
        return 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        /* no spaces, no '+', no control characters; non-ASCII is refused
         * too, which also keeps out Unicode spaces */
        if (c <= 0x20 || c >= 0x7f || c == '+')
            return 0;
    }
    return 1;
}

uint32_t vg_note_key_id(const char *name, const unsigned char public_key[32])
{
    crypto_hash_sha256_state s;
    unsigned char h[32];
    static const unsigned char sep[2] = {'\n', ALG_ED25519};
    crypto_hash_sha256_init(&s);
    crypto_hash_sha256_update(&s, (const unsigned char *)name, strlen(name));
    crypto_hash_sha256_update(&s, sep, 2);
    crypto_hash_sha256_update(&s, public_key, 32);
    crypto_hash_sha256_final(&s, h);
    return (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
}

vg_status vg_note_signer_init(vg_note_signer *signer, const char *name,
                              const unsigned char seed[32], vg_error *err)
{
    memset(signer, 0, sizeof *signer);
    if (!name || !valid_name(name, strlen(name)))
        return vg_error_set(err, VG_ERR_INVALID,
                            "a key name is 1 to %d printable ASCII characters without "
                            "spaces or '+'",
                            VG_NOTE_MAX_NAME);
    if (sodium_init() < 0)
        return vg_error_set(err, VG_ERR_UNSUPPORTED, "libsodium did not start");
    strcpy(signer->name, name);
    crypto_sign_seed_keypair(signer->public_key, signer->secret_key, seed);
    signer->key_id = vg_note_key_id(name, signer->public_key);
    return VG_OK;
}

void vg_note_signer_clear(vg_note_signer *signer)
{
    sodium_memzero(signer, sizeof *signer);
}

void vg_note_verifier_of(const vg_note_signer *signer, vg_note_verifier *out)
{
    memset(out, 0, sizeof *out);
    strcpy(out->name, signer->name);
    out->key_id = signer->key_id;
    memcpy(out->public_key, signer->public_key, 32);
}

vg_status vg_tlog_base64_decode(const char *s, size_t len, unsigned char *out, size_t cap,
                                size_t *out_len)
{
    const char *end;
    if (sodium_base642bin(out, cap, s, len, NULL, out_len, &end,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        end != s + len)
        return VG_ERR_CORRUPT;
    /* one spelling only: trailing bits must be zero (re-encoding gives
     * the same text) */
    char again[1400];
    if (sodium_base64_ENCODED_LEN(*out_len, sodium_base64_VARIANT_ORIGINAL) > sizeof again)
        return VG_ERR_CORRUPT;
    sodium_bin2base64(again, sizeof again, out, *out_len, sodium_base64_VARIANT_ORIGINAL);
    return strlen(again) == len && !memcmp(again, s, len) ? VG_OK : VG_ERR_CORRUPT;
}

vg_status vg_note_verifier_parse(const char *text, size_t len, vg_note_verifier *out,
                                 vg_error *err)
{
    memset(out, 0, sizeof *out);
    while (len && (text[0] == ' ' || text[0] == '\t' || text[0] == '\n' || text[0] == '\r')) {
        text++;
        len--;
    }
    while (len && (text[len - 1] == ' ' || text[len - 1] == '\t' || text[len - 1] == '\n' ||
                   text[len - 1] == '\r'))
        len--;
    const char *p1 = memchr(text, '+', len);
    const char *p2 = p1 ? memchr(p1 + 1, '+', len - (size_t)(p1 + 1 - text)) : NULL;
    if (!p2)
        return vg_error_set(err, VG_ERR_CORRUPT,
                            "a verifier key is NAME+KEYID+KEY (two '+' at least)");
    size_t nlen = (size_t)(p1 - text);
    if (!valid_name(text, nlen))
        return vg_error_set(err, VG_ERR_CORRUPT, "the verifier key's name is not valid");
    if (p2 - p1 - 1 != 8)
        return vg_error_set(err, VG_ERR_CORRUPT, "the verifier key's ID is not 8 hex digits");
    uint32_t id = 0;
    for (const char *h = p1 + 1; h < p2; h++) {
        int v = (*h >= '0' && *h <= '9') ? *h - '0' : (*h >= 'a' && *h <= 'f') ? *h - 'a' + 10 : -1;
        if (v < 0)
            return vg_error_set(err, VG_ERR_CORRUPT,
                                "the verifier key's ID is not 8 lowercase hex digits");
        id = id << 4 | (uint32_t)v;
    }
    unsigned char key[40];
    size_t klen;
    if (vg_tlog_base64_decode(p2 + 1, len - (size_t)(p2 + 1 - text), key, sizeof key, &klen) !=
        VG_OK)
        return vg_error_set(err, VG_ERR_CORRUPT, "the verifier key is not valid base64");
    if (klen != 33 || key[0] != ALG_ED25519)
        return vg_error_set(err, VG_ERR_CORRUPT, "the verifier key is not an Ed25519 key");
    memcpy(out->name, text, nlen);
    out->name[nlen] = 0;
    memcpy(out->public_key, key + 1, 32);
    out->key_id = id;
    if (vg_note_key_id(out->name, out->public_key) != id) {
        memset(out, 0, sizeof *out);
        return vg_error_set(err, VG_ERR_CORRUPT,
                            "the verifier key's ID does not match its name and key");
    }
    return VG_OK;
}

vg_status vg_note_verifier_format(const vg_note_verifier *verifier, char **out, vg_error *err)
{
    unsigned char key[33];
    key[0] = ALG_ED25519;
    memcpy(key + 1, verifier->public_key, 32);
    char b64[64];
    sodium_bin2base64(b64, sizeof b64, key, sizeof key, sodium_base64_VARIANT_ORIGINAL);
    size_t n = strlen(verifier->name) + 10 + strlen(b64) + 1;
    if (!(*out = malloc(n)))
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    snprintf(*out, n, "%s+%08" PRIx32 "+%s", verifier->name, verifier->key_id, b64);
    return VG_OK;
}

/* Text a note may carry: UTF-8 without control characters but newlines,
 * non-empty, ending with a newline. */
static int valid_text(const char *text, size_t len)
{
    if (len == 0 || text[len - 1] != '\n')
        return 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if ((c < 0x20 && c != '\n') || c == 0x7f)
            return 0;
    }
    return vg_tlog_utf8_valid(text, len);
}

vg_status vg_note_sign(const vg_note_signer *signer, const char *text, size_t len, char **note,
                       size_t *note_len, vg_error *err)
{
    *note = NULL;
    if (!valid_text(text, len))
        return vg_error_set(err, VG_ERR_INVALID,
                            "a note's text is UTF-8 without control characters, ending "
                            "with a newline");
    if (len > VG_NOTE_MAX_BYTES - 512)
        return vg_error_set(err, VG_ERR_TOO_LARGE, "the note's text is too long");
    unsigned char sig[4 + crypto_sign_BYTES];
    sig[0] = (unsigned char)(signer->key_id >> 24);
    sig[1] = (unsigned char)(signer->key_id >> 16);
    sig[2] = (unsigned char)(signer->key_id >> 8);
    sig[3] = (unsigned char)signer->key_id;
    crypto_sign_detached(sig + 4, NULL, (const unsigned char *)text, len, signer->secret_key);
    char b64[sodium_base64_ENCODED_LEN(sizeof sig, sodium_base64_VARIANT_ORIGINAL)];
    sodium_bin2base64(b64, sizeof b64, sig, sizeof sig, sodium_base64_VARIANT_ORIGINAL);
    size_t n = len + 1 + strlen(EM_DASH) + 1 + strlen(signer->name) + 1 + strlen(b64) + 1;
    char *out = malloc(n + 1);
    if (!out)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    memcpy(out, text, len);
    int w = snprintf(out + len, n + 1 - len, "\n" EM_DASH " %s %s\n", signer->name, b64);
    *note = out;
    *note_len = len + (size_t)w;
    return VG_OK;
}

vg_status vg_note_open(const char *note, size_t len, const vg_note_verifier *verifier,
                       size_t *text_len, vg_error *err)
{
    *text_len = 0;
    if (len > VG_NOTE_MAX_BYTES)
        return vg_error_set(err, VG_ERR_TOO_LARGE, "the note is longer than %d bytes",
                            VG_NOTE_MAX_BYTES);
    /* the text ends at the last blank line */
    size_t split = 0;
    int found = 0;
    for (size_t i = len; i >= 2; i--)
        if (note[i - 2] == '\n' && note[i - 1] == '\n') {
            split = i - 1;
            found = 1;
            break;
        }
    if (!found || len == 0 || note[len - 1] != '\n')
        return vg_error_set(err, VG_ERR_CORRUPT,
                            "not a signed note: no blank line before signatures that end "
                            "with a newline");
    if (!valid_text(note, split) || !vg_tlog_utf8_valid(note, len))
        return vg_error_set(err, VG_ERR_CORRUPT,
                            "the note's text has control characters or is not UTF-8");
    const char *p = note + split + 1, *end = note + len;
    int known = 0;
    size_t lines = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t ll = (size_t)(nl - p);
        if (++lines > 100)
            return vg_error_set(err, VG_ERR_CORRUPT, "the note has too many signatures");
        size_t dl = strlen(EM_DASH);
        if (ll < dl + 1 || memcmp(p, EM_DASH " ", dl + 1))
            return vg_error_set(err, VG_ERR_CORRUPT,
                                "a signature line does not start with an em dash and a space");
        const char *name = p + dl + 1;
        const char *sp = memchr(name, ' ', (size_t)(nl - name));
        if (!sp || !valid_name(name, (size_t)(sp - name)))
            return vg_error_set(err, VG_ERR_CORRUPT, "a signature line has no valid key name");
        unsigned char sig[1024];
        size_t slen;
        if (vg_tlog_base64_decode(sp + 1, (size_t)(nl - sp - 1), sig, sizeof sig, &slen) !=
                VG_OK ||
            slen < 5)
            return vg_error_set(err, VG_ERR_CORRUPT, "a signature is not valid base64");
        uint32_t id = (uint32_t)sig[0] << 24 | (uint32_t)sig[1] << 16 | (uint32_t)sig[2] << 8 |
                      sig[3];
        size_t nlen = (size_t)(sp - name);
        if (id == verifier->key_id && nlen == strlen(verifier->name) &&
            !memcmp(name, verifier->name, nlen)) {
            known = 1;
            if (slen != 4 + crypto_sign_BYTES ||
                crypto_sign_verify_detached(sig + 4, (const unsigned char *)note, split,
                                            verifier->public_key) != 0)
                return vg_error_set(err, VG_ERR_CORRUPT, "the signature by %s is not valid",
                                    verifier->name);
        }
        p = nl + 1;
    }
    if (!known)
        return vg_error_set(err, VG_ERR_CORRUPT, "the note is not signed by %s",
                            verifier->name);
    *text_len = split;
    return VG_OK;
}

/* ---- checkpoints ---------------------------------------------------------- */

vg_status vg_tlog_checkpoint_format(const vg_tlog_checkpoint *c, char **text, size_t *len,
                                    vg_error *err)
{
    *text = NULL;
    if (!valid_name(c->origin, strlen(c->origin)))
        return vg_error_set(err, VG_ERR_INVALID,
                            "a log's origin is printable ASCII without spaces or '+'");
    char b64[sodium_base64_ENCODED_LEN(VG_TLOG_HASH_BYTES, sodium_base64_VARIANT_ORIGINAL)];
    sodium_bin2base64(b64, sizeof b64, c->root, VG_TLOG_HASH_BYTES,
                      sodium_base64_VARIANT_ORIGINAL);
    size_t n = strlen(c->origin) + 1 + 21 + 1 + strlen(b64) + 2;
    char *out = malloc(n);
    if (!out)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    int w = snprintf(out, n, "%s\n%" PRIu64 "\n%s\n", c->origin, c->size, b64);
    *text = out;
    *len = (size_t)w;
    return VG_OK;
}

vg_status vg_tlog_checkpoint_parse(const char *text, size_t len, vg_tlog_checkpoint *out,
                                   vg_error *err)
{
    memset(out, 0, sizeof *out);
    const char *line[3];
    size_t ll[3];
    const char *p = text, *end = text + len;
    for (int i = 0; i < 3; i++) {
        const char *nl = p < end ? memchr(p, '\n', (size_t)(end - p)) : NULL;
        if (!nl)
            return vg_error_set(err, VG_ERR_CORRUPT,
                                "a checkpoint has three lines: origin, size, root");
        line[i] = p;
        ll[i] = (size_t)(nl - p);
        p = nl + 1;
    }
    /* extension lines may follow; each must be a non-empty line */
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl || nl == p)
            return vg_error_set(err, VG_ERR_CORRUPT, "a checkpoint's extension line is empty "
                                                     "or does not end with a newline");
        p = nl + 1;
    }
    if (ll[0] == 0 || ll[0] > VG_TLOG_MAX_ORIGIN)
        return vg_error_set(err, VG_ERR_CORRUPT, "the checkpoint's origin is empty or too long");
    for (size_t i = 0; i < ll[0]; i++)
        if ((unsigned char)line[0][i] < 0x20)
            return vg_error_set(err, VG_ERR_CORRUPT, "the checkpoint's origin has control "
                                                     "characters");
    if (ll[1] == 0 || ll[1] > 20 || (ll[1] > 1 && line[1][0] == '0'))
        return vg_error_set(err, VG_ERR_CORRUPT, "the checkpoint's size is not a number");
    uint64_t size = 0;
    for (size_t i = 0; i < ll[1]; i++) {
        char c = line[1][i];
        if (c < '0' || c > '9' || size > (UINT64_MAX - (uint64_t)(c - '0')) / 10)
            return vg_error_set(err, VG_ERR_CORRUPT, "the checkpoint's size is not a number");
        size = size * 10 + (uint64_t)(c - '0');
    }
    size_t rlen;
    unsigned char root[48];
    if (vg_tlog_base64_decode(line[2], ll[2], root, sizeof root, &rlen) != VG_OK ||
        rlen != VG_TLOG_HASH_BYTES)
        return vg_error_set(err, VG_ERR_CORRUPT,
                            "the checkpoint's root is not 32 bytes of base64");
    memcpy(out->origin, line[0], ll[0]);
    out->size = size;
    memcpy(out->root, root, VG_TLOG_HASH_BYTES);
    return VG_OK;
}

vg_status vg_tlog_checkpoint_sign(const vg_tlog_checkpoint *checkpoint,
                                  const vg_note_signer *signer, char **note, size_t *note_len,
                                  vg_error *err)
{
    char *text;
    size_t len;
    vg_status st = vg_tlog_checkpoint_format(checkpoint, &text, &len, err);
    if (st)
        return st;
    st = vg_note_sign(signer, text, len, note, note_len, err);
    free(text);
    return st;
}

vg_status vg_tlog_checkpoint_open(const char *note, size_t len, const vg_note_verifier *verifier,
                                  vg_tlog_checkpoint *out, vg_error *err)
{
    memset(out, 0, sizeof *out);
    size_t text_len;
    vg_status st = vg_note_open(note, len, verifier, &text_len, err);
    if (st)
        return st;
    if ((st = vg_tlog_checkpoint_parse(note, text_len, out, err)))
        return st;
    if (strcmp(out->origin, verifier->name) != 0) {
        vg_error_set(err, VG_ERR_CORRUPT, "the checkpoint's origin '%s' is not the key's name '%s'",
                     out->origin, verifier->name);
        memset(out, 0, sizeof *out);
        return VG_ERR_CORRUPT;
    }
    return VG_OK;
}

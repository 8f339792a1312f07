/*
 * src/lib/tlog/entry.c - the blocking list's log entries and the URL
 * commitments they carry (vigie/tlog.h).
 */
#define _DEFAULT_SOURCE /* timegm */
#include "vigie/tlog.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tlog_internal.h"

static const char *const action_names[] = {
    [VG_TLOG_ADDED] = "added",
    [VG_TLOG_RENEWED] = "renewed",
    [VG_TLOG_REMOVED] = "removed",
    [VG_TLOG_APPEAL_GRANTED] = "appeal-granted",
    [VG_TLOG_APPEAL_REFUSED] = "appeal-refused",
};
#define ACTIONS (sizeof action_names / sizeof action_names[0])

const char *vg_tlog_action_name(vg_tlog_action action)
{
    return (unsigned)action < ACTIONS ? action_names[action] : NULL;
}

vg_tlog_action vg_tlog_action_parse(const char *name)
{
    for (unsigned i = 1; i < ACTIONS; i++)
        if (!strcmp(action_names[i], name))
            return (vg_tlog_action)i;
    return 0;
}

int vg_tlog_utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        unsigned char c = p[i];
        size_t n;
        uint32_t cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xc2 && c <= 0xdf) {
            n = 1;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            n = 2;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 3;
            cp = c & 0x07;
        } else {
            return 0;
        }
        if (len - i <= n)
            return 0;
        for (size_t k = 1; k <= n; k++) {
            if ((p[i + k] & 0xc0) != 0x80)
                return 0;
            cp = cp << 6 | (p[i + k] & 0x3f);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        i += n + 1;
    }
    return 1;
}

/* A value as the format allows it: 1..max bytes of UTF-8, no control
 * characters, no leading or trailing space. */
static int valid_value(const char *v, size_t len, size_t max)
{
    if (len == 0 || len > max || v[0] == ' ' || v[len - 1] == ' ')
        return 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c < 0x20 || c == 0x7f)
            return 0;
    }
    return vg_tlog_utf8_valid(v, len);
}

#define MIN_TIME 0LL
#define MAX_TIME 253402300799LL /* 9999-12-31T23:59:59Z */

static int format_time(int64_t t, char out[21])
{
    if (t < MIN_TIME || t > MAX_TIME)
        return -1;
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm))
        return -1;
    return strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm) == 20 ? 0 : -1;
}

static int parse_time(const char *s, size_t len, int64_t *out)
{
    if (len != 20)
        return -1;
    static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
    for (size_t i = 0; i < 20; i++)
        if (shape[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != shape[i])
            return -1;
#define D2(i) ((s[i] - '0') * 10 + (s[(i) + 1] - '0'))
    struct tm tm = {0};
    tm.tm_year = D2(0) * 100 + D2(2) - 1900;
    tm.tm_mon = D2(5) - 1;
    tm.tm_mday = D2(8);
    tm.tm_hour = D2(11);
    tm.tm_min = D2(14);
    tm.tm_sec = D2(17);
#undef D2
    int64_t t = (int64_t)timegm(&tm);
    /* timegm normalises out-of-range fields: a real date formats back the same */
    char again[21];
    if (format_time(t, again) || memcmp(again, s, 20))
        return -1;
    *out = t;
    return 0;
}

vg_status vg_tlog_entry_encode(const vg_tlog_entry *e, char **text, size_t *len, vg_error *err)
{
    *text = NULL;
    const char *action = vg_tlog_action_name(e->action);
    if (!action)
        return vg_error_set(err, VG_ERR_INVALID, "unknown action %d", (int)e->action);
    char when[21], expires[21] = "-";
    if (format_time(e->time, when))
        return vg_error_set(err, VG_ERR_INVALID, "time: not between 1970 and 9999");
    if (e->expires && format_time(e->expires, expires))
        return vg_error_set(err, VG_ERR_INVALID, "expires: not between 1970 and 9999");
    if (!valid_value(e->basis, strnlen(e->basis, sizeof e->basis), VG_TLOG_MAX_BASIS))
        return vg_error_set(err, VG_ERR_INVALID, "basis: 1 to %d bytes of UTF-8 without control "
                            "characters or surrounding spaces", VG_TLOG_MAX_BASIS);
    if (!valid_value(e->category, strnlen(e->category, sizeof e->category),
                     VG_TLOG_MAX_CATEGORY) ||
        strchr(e->category, ' '))
        return vg_error_set(err, VG_ERR_INVALID, "category: 1 to %d bytes without spaces or "
                            "control characters", VG_TLOG_MAX_CATEGORY);
    if (!valid_value(e->reason, strnlen(e->reason, sizeof e->reason), VG_TLOG_MAX_REASON))
        return vg_error_set(err, VG_ERR_INVALID, "reason: 1 to %d bytes of UTF-8 without control "
                            "characters or surrounding spaces", VG_TLOG_MAX_REASON);
    char hex[65];
    sodium_bin2hex(hex, sizeof hex, e->url_commitment, 32);
    size_t n = 256 + strlen(e->basis) + strlen(e->category) + strlen(e->reason);
    char *out = malloc(n);
    if (!out)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    int w = snprintf(out, n,
                     VG_TLOG_ENTRY_FORMAT "\naction: %s\ntime: %s\nexpires: %s\nbasis: %s\n"
                                          "category: %s\nreason: %s\nurl: %s\n",
                     action, when, expires, e->basis, e->category, e->reason, hex);
    *text = out;
    *len = (size_t)w;
    return VG_OK;
}

vg_status vg_tlog_entry_parse(const char *text, size_t len, vg_tlog_entry *out, vg_error *err)
{
    memset(out, 0, sizeof *out);
    static const char *const keys[] = {"action", "time", "expires", "basis",
                                       "category", "reason", "url"};
    const char *p = text, *end = text + len;
    const char *nl = memchr(p, '\n', len);
    size_t fl = strlen(VG_TLOG_ENTRY_FORMAT);
    if (!nl || (size_t)(nl - p) != fl || memcmp(p, VG_TLOG_ENTRY_FORMAT, fl))
        return vg_error_set(err, VG_ERR_UNSUPPORTED,
                            "not a " VG_TLOG_ENTRY_FORMAT " entry (its first line)");
    p = nl + 1;
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        nl = p < end ? memchr(p, '\n', (size_t)(end - p)) : NULL;
        size_t kl = strlen(keys[k]);
        if (!nl || (size_t)(nl - p) < kl + 2 || memcmp(p, keys[k], kl) || p[kl] != ':' ||
            p[kl + 1] != ' ') {
            memset(out, 0, sizeof *out);
            return vg_error_set(err, VG_ERR_CORRUPT, "line %zu is not \"%s: VALUE\"", k + 2,
                                keys[k]);
        }
        const char *v = p + kl + 2;
        size_t vl = (size_t)(nl - v);
        int ok = 1;
        switch (k) {
        case 0: {
            char name[32];
            ok = vl < sizeof name;
            if (ok) {
                memcpy(name, v, vl);
                name[vl] = 0;
                ok = (out->action = vg_tlog_action_parse(name)) != 0;
            }
            break;
        }
        case 1: ok = !parse_time(v, vl, &out->time); break;
        case 2: ok = (vl == 1 && v[0] == '-') || (!parse_time(v, vl, &out->expires) && out->expires); break;
        case 3:
            ok = valid_value(v, vl, VG_TLOG_MAX_BASIS);
            if (ok)
                memcpy(out->basis, v, vl);
            break;
        case 4:
            ok = valid_value(v, vl, VG_TLOG_MAX_CATEGORY) && !memchr(v, ' ', vl);
            if (ok)
                memcpy(out->category, v, vl);
            break;
        case 5:
            ok = valid_value(v, vl, VG_TLOG_MAX_REASON);
            if (ok)
                memcpy(out->reason, v, vl);
            break;
        case 6:
            ok = vl == 64;
            for (size_t i = 0; ok && i < 64; i++)
                ok = (v[i] >= '0' && v[i] <= '9') || (v[i] >= 'a' && v[i] <= 'f');
            if (ok)
                sodium_hex2bin(out->url_commitment, 32, v, 64, NULL, NULL, NULL);
            break;
        }
        if (!ok) {
            memset(out, 0, sizeof *out);
            return vg_error_set(err, VG_ERR_CORRUPT, "the %s is not valid", keys[k]);
        }
        p = nl + 1;
    }
    if (p != end) {
        memset(out, 0, sizeof *out);
        return vg_error_set(err, VG_ERR_CORRUPT, "text follows the entry's last field");
    }
    return VG_OK;
}

void vg_tlog_url_commitment(const unsigned char url_key[32], const char *url, size_t len,
                            unsigned char opening[32], unsigned char commitment[32])
{
    unsigned char o[32];
    crypto_auth_hmacsha256_state h;
    crypto_auth_hmacsha256_init(&h, url_key, 32);
    crypto_auth_hmacsha256_update(&h, (const unsigned char *)url, len);
    crypto_auth_hmacsha256_final(&h, o);
    crypto_hash_sha256_state s;
    crypto_hash_sha256_init(&s);
    crypto_hash_sha256_update(&s, o, 32);
    crypto_hash_sha256_update(&s, (const unsigned char *)url, len);
    crypto_hash_sha256_final(&s, commitment);
    if (opening)
        memcpy(opening, o, 32);
    sodium_memzero(o, sizeof o);
}

int vg_tlog_url_opens(const unsigned char opening[32], const char *url, size_t len,
                      const unsigned char commitment[32])
{
    unsigned char c[32];
    crypto_hash_sha256_state s;
    crypto_hash_sha256_init(&s);
    crypto_hash_sha256_update(&s, opening, 32);
    crypto_hash_sha256_update(&s, (const unsigned char *)url, len);
    crypto_hash_sha256_final(&s, c);
    return sodium_memcmp(c, commitment, 32) == 0;
}

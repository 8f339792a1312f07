/*
 * tests/mail_header.h - read back a header the hotline wrote
 * (util/mailtext.h) as a mail reader would: unfolded, its RFC 2047
 * encoded-words decoded, holding RFC 2047's limits on the way.
 */
#ifndef VIGIE_TESTS_MAIL_HEADER_H
#define VIGIE_TESTS_MAIL_HEADER_H

#include <sodium.h>
#include <string.h>

/* The value of the header that starts at "Name: " in message (the first
 * one after a line start), decoded into out. Returns the decoded length,
 * or -1 when there is no such header, it breaks RFC 2047 (an encoded-word
 * over 75 characters, a line of encoded-words over 76, a word that does not
 * decode) or out is too small. */
static inline long mh_header(const char *message, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);
    const char *h = NULL;
    for (const char *p = message; p && *p; p = strstr(p, "\r\n"), p = p ? p + 2 : NULL) {
        if (!strncmp(p, name, nl) && p[nl] == ':' && p[nl + 1] == ' ') {
            h = p;
            break;
        }
        if (!strncmp(p, "\r\n", 2))
            break; /* the end of the headers */
    }
    if (!h)
        return -1;
    const char *v = h + nl + 2;
    size_t len = 0, line_start = (size_t)(h - message);
    int last_was_word = 0, line_has_word = 0;
    size_t gap = 0; /* whitespace copied since the last encoded-word */
    const char *p = v;
    while (*p) {
        if (!strncmp(p, "\r\n", 2)) {
            if ((size_t)(p - message) - line_start > 76 && line_has_word)
                return -1;
            if (p[2] != ' ' && p[2] != '\t')
                break;
            p += 2;
            line_start = (size_t)(p - message);
            line_has_word = 0;
            continue;
        }
        if (!strncmp(p, "=?UTF-8?B?", 10)) {
            const char *end = strstr(p + 10, "?=");
            if (!end || end - p + 2 > 75)
                return -1;
            unsigned char bin[64];
            size_t bin_len = 0;
            if (sodium_base642bin(bin, sizeof bin, p + 10, (size_t)(end - p - 10), NULL,
                                  &bin_len, NULL, sodium_base64_VARIANT_ORIGINAL))
                return -1;
            /* whitespace between two encoded-words is not text (6.2) */
            if (last_was_word)
                len -= gap;
            gap = 0;
            if (len + bin_len + 1 > cap)
                return -1;
            memcpy(out + len, bin, bin_len);
            len += bin_len;
            p = end + 2;
            last_was_word = line_has_word = 1;
            continue;
        }
        if (len + 2 > cap)
            return -1;
        if (*p != ' ' && *p != '\t')
            last_was_word = 0;
        gap = last_was_word ? gap + 1 : 0;
        out[len++] = *p++;
    }
    out[len] = 0;
    return (long)len;
}

#endif

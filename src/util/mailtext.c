/*
 * src/util/mailtext.c - templates and header values of the hotline's own
 * e-mail (util/mailtext.h).
 */
#include "util/mailtext.h"

#include <sodium.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* RFC 2047: a line holding encoded-words is at most 76 characters. */
#define LINE_MAX_ENCODED 76
/* Plain text longer than this is encoded, so that it can be folded. */
#define PLAIN_MAX 900

typedef struct buf {
    char *data;
    size_t len, cap;
    int failed;
} buf;

static void put(buf *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = (b->len + n + 1) * 2;
        char *grown = realloc(b->data, cap);
        if (!grown) {
            b->failed = 1;
            return;
        }
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = 0;
}

static void puts_(buf *b, const char *s)
{
    put(b, s, strlen(s));
}

/* The finished string, or NULL (and nothing to free) when out of memory. */
static char *done(buf *b)
{
    if (!b->failed && !b->data)
        put(b, "", 0);
    if (b->failed) {
        free(b->data);
        return NULL;
    }
    return b->data;
}

char *vg_mail_fill_template(const char *template, const vg_mail_fill *fills, size_t n,
                            int crlf)
{
    buf b = {0};
    for (const char *p = template; *p;) {
        size_t k = n;
        if (*p == '{')
            for (k = 0; k < n; k++) {
                size_t len = strlen(fills[k].name);
                if (!strncmp(p + 1, fills[k].name, len) && p[1 + len] == '}')
                    break;
            }
        if (k < n) {
            puts_(&b, fills[k].value ? fills[k].value : "");
            p += strlen(fills[k].name) + 2;
        } else if (*p == '\n' && crlf) {
            put(&b, "\r\n", 2);
            p++;
        } else {
            size_t run = strcspn(p + 1, "{\n") + 1;
            put(&b, p, run);
            p += run;
        }
    }
    return done(&b);
}

static int printable_ascii(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p >= 0x7f)
            return 0;
    return 1;
}

/* Encoded-words for value, the first on a line already holding used
 * characters, each next one on a continuation line. */
static void encode_words(buf *b, const char *value, size_t used)
{
    const unsigned char *s = (const unsigned char *)value;
    size_t len = strlen(value), at = 0;
    int first = 1;
    do {
        size_t room = LINE_MAX_ENCODED > used + 12 ? LINE_MAX_ENCODED - used - 12 : 0;
        size_t bytes = room / 4 * 3;
        if (bytes < 6)
            bytes = 6; /* one character of up to 4 bytes always fits */
        size_t end = at + bytes < len ? at + bytes : len;
        /* never between the bytes of one character (a continuation byte
         * is 10xxxxxx); invalid UTF-8 with no boundary is cut where it is */
        size_t cut = end;
        while (cut < len && cut > at && (s[cut] & 0xC0) == 0x80)
            cut--;
        if (cut == at)
            cut = end;
        char b64[sodium_base64_ENCODED_LEN(48, sodium_base64_VARIANT_ORIGINAL)];
        unsigned char chunk[48];
        size_t take = cut - at;
        if (take > sizeof chunk)
            take = sizeof chunk;
        memcpy(chunk, s + at, take);
        sodium_bin2base64(b64, sizeof b64, chunk, take, sodium_base64_VARIANT_ORIGINAL);
        if (!first)
            put(b, "\r\n ", 3);
        puts_(b, "=?UTF-8?B?");
        puts_(b, b64);
        puts_(b, "?=");
        at += take;
        used = 1;
        first = 0;
    } while (at < len);
}

char *vg_mail_header_text(const char *value, size_t first_line_used)
{
    buf b = {0};
    if (printable_ascii(value) && strlen(value) <= PLAIN_MAX && !strstr(value, "=?"))
        puts_(&b, value);
    else
        encode_words(&b, value, first_line_used);
    return done(&b);
}

/* RFC 5322's specials, which a name must not carry unquoted. */
static int has_specials(const char *s)
{
    return strpbrk(s, "()<>[]:;@\\,.\"") != NULL;
}

char *vg_mail_mailbox(const char *name, const char *address)
{
    buf b = {0};
    if (name && *name) {
        if (!printable_ascii(name) || strlen(name) > PLAIN_MAX || strstr(name, "=?")) {
            encode_words(&b, name, 6); /* "From: " */
        } else if (has_specials(name)) {
            put(&b, "\"", 1);
            for (const char *p = name; *p; p++) {
                if (*p == '"' || *p == '\\')
                    put(&b, "\\", 1);
                put(&b, p, 1);
            }
            put(&b, "\"", 1);
        } else {
            puts_(&b, name);
        }
        put(&b, " ", 1);
    }
    put(&b, "<", 1);
    puts_(&b, address);
    put(&b, ">", 1);
    return done(&b);
}

char *vg_mail_crlf(const char *body)
{
    buf b = {0};
    for (const char *p = body; *p;) {
        size_t run = strcspn(p, "\n");
        put(&b, p, run);
        p += run;
        if (*p == '\n') {
            if (p > body && p[-1] == '\r')
                put(&b, "\n", 1);
            else
                put(&b, "\r\n", 2);
            p++;
        }
    }
    return done(&b);
}

void vg_mail_date(int64_t now, char out[VG_MAIL_DATE_MAX])
{
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t t = (time_t)now;
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(out, VG_MAIL_DATE_MAX, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday],
             tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
             tm.tm_sec);
}

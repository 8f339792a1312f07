/*
 * url.c - canonical form of a web address (vigie/url.h).
 *
 * The address is split once (scheme, authority, path, query; the fragment
 * is discarded) and each part is rewritten into a growing output buffer.
 * The input is bounded (VG_URL_MAX_BYTES), and every rewrite at most
 * triples a byte (percent-encoding), so the output is bounded too.
 */
#include "vigie/url.h"
#include "vigie/digest.h"

#include <arpa/inet.h>
#include <idn2.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct text {
    char *p;
    size_t len, cap;
    bool failed;
} text;

static void text_reserve(text *t, size_t extra)
{
    if (t->failed || t->len + extra + 1 <= t->cap)
        return;
    size_t cap = t->cap ? t->cap : 128;
    while (cap < t->len + extra + 1)
        cap *= 2;
    char *grown = realloc(t->p, cap);
    if (!grown) {
        t->failed = true;
        return;
    }
    t->p = grown;
    t->cap = cap;
}

static void text_add(text *t, const char *s, size_t n)
{
    text_reserve(t, n);
    if (t->failed)
        return;
    memcpy(t->p + t->len, s, n);
    t->len += n;
    t->p[t->len] = '\0';
}

static void text_addc(text *t, char c) { text_add(t, &c, 1); }

static bool is_alpha(unsigned char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }
static bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static char lower(unsigned char c) { return (c >= 'A' && c <= 'Z') ? (char)(c | 0x20) : (char)c; }

static bool is_unreserved(unsigned char c)
{
    return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

/* Bytes that may not appear raw in a canonical path, query or user info. */
static bool must_encode(unsigned char c)
{
    return c <= 0x20 || c >= 0x7f || strchr("\"<>`{}|\\^", c) != NULL;
}

/* Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF. */
static bool valid_utf8(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t more;
        uint32_t cp;
        if (c >= 0xc2 && c <= 0xdf) {
            more = 1;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            more = 2;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            more = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (n - i <= more)
            return false;
        for (size_t k = 1; k <= more; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if ((more == 2 && cp < 0x800) || (more == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += more + 1;
    }
    return true;
}

/* A '%' at i is an escape when two hex digits follow within n. */
static bool escape_at(const char *s, size_t n, size_t i)
{
    return i + 2 < n && vg_hex_value((char)s[i + 1]) >= 0 &&
           vg_hex_value((char)s[i + 2]) >= 0;
}

/* Rewrite s[0..n) with normalised percent-encoding (see url.h); bytes in
 * also_encode are encoded too. */
static void add_normalised(text *out, const char *s, size_t n, const char *also_encode)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '%' && escape_at(s, n, i)) {
            unsigned char v = (unsigned char)(vg_hex_value((char)s[i + 1]) * 16 +
                                              vg_hex_value((char)s[i + 2]));
            i += 2;
            if (is_unreserved(v)) {
                text_addc(out, (char)v);
            } else {
                char esc[3] = {'%', hex[v >> 4], hex[v & 15]};
                text_add(out, esc, 3);
            }
        } else if (c == '%' || must_encode(c) || (c && strchr(also_encode, c))) {
            char esc[3] = {'%', hex[c >> 4], hex[c & 15]};
            text_add(out, esc, 3);
        } else {
            text_addc(out, (char)c);
        }
    }
}

typedef struct scheme_info {
    const char *name;
    const char *default_port;
} scheme_info;

/* Schemes whose paths treat "\" as "/" and whose authority is mandatory. */
static const scheme_info special_schemes[] = {
    {"http", "80"}, {"https", "443"}, {"ws", "80"}, {"wss", "443"}, {"ftp", "21"},
};

static const scheme_info *find_special(const char *scheme, size_t n)
{
    for (size_t i = 0; i < sizeof special_schemes / sizeof special_schemes[0]; i++)
        if (strlen(special_schemes[i].name) == n && memcmp(special_schemes[i].name, scheme, n) == 0)
            return &special_schemes[i];
    return NULL;
}

/* Remove "." and ".." segments from a path that starts with "/" (RFC 3986
 * section 5.2.4, done segment by segment into out). */
static void add_path_without_dots(text *out, const char *path, size_t n)
{
    size_t base = out->len;
    size_t i = 0;
    while (i < n) {
        /* path[i] is '/'; the segment runs to the next '/' or the end. */
        size_t start = i + 1, end = start;
        while (end < n && path[end] != '/')
            end++;
        size_t seg = end - start;
        bool last = end >= n;
        if (seg == 1 && path[start] == '.') {
            if (last)
                text_addc(out, '/');
        } else if (seg == 2 && path[start] == '.' && path[start + 1] == '.') {
            if (!out->failed) {
                while (out->len > base && out->p[out->len - 1] != '/')
                    out->len--;
                if (out->len > base)
                    out->len--; /* the slash before the removed segment */
                out->p[out->len] = '\0';
            }
            if (last)
                text_addc(out, '/');
        } else {
            text_addc(out, '/');
            text_add(out, path + start, seg);
        }
        i = end;
    }
    if (out->len == base)
        text_addc(out, '/');
}

/* Numeric hosts as browsers read them: "0x7f.1", "2130706433" and
 * "0177.0.0.1" all mean 127.0.0.1. When every dot-separated part of host
 * is a number (decimal, 0x hex, or 0-prefixed octal) and the values fit
 * (the last part fills the remaining bytes), write the dotted quad into
 * quad[16] and return true. Anything else is a name. */
static bool ipv4_host(const char *host, size_t len, char quad[16])
{
    uint64_t parts[4];
    size_t count = 0, i = 0;
    while (i < len) {
        if (count == 4)
            return false;
        size_t end = i;
        while (end < len && host[end] != '.')
            end++;
        if (end == i)
            return false;
        unsigned base = 10;
        size_t p = i;
        if (end - p >= 2 && host[p] == '0' && (host[p + 1] == 'x' || host[p + 1] == 'X')) {
            base = 16;
            p += 2;
        } else if (end - p >= 2 && host[p] == '0') {
            base = 8;
            p++;
        }
        uint64_t v = 0;
        for (; p < end; p++) {
            int d = vg_hex_value((char)host[p]);
            if (d < 0 || (unsigned)d >= base)
                return false;
            v = v * base + (unsigned)d;
            if (v > 0xffffffffu)
                return false;
        }
        parts[count++] = v;
        i = end + 1;
        if (end + 1 == len) /* "1.2.3.4." keeps its meaning */
            break;
    }
    if (count == 0)
        return false;
    for (size_t k = 0; k + 1 < count; k++)
        if (parts[k] > 255)
            return false;
    uint64_t last = parts[count - 1];
    if (last >= (uint64_t)1 << (8 * (5 - count)))
        return false;
    uint32_t addr = (uint32_t)last;
    for (size_t k = 0; k + 1 < count; k++)
        addr |= (uint32_t)parts[k] << (24 - 8 * k);
    snprintf(quad, 16, "%u.%u.%u.%u", addr >> 24, (addr >> 16) & 255, (addr >> 8) & 255,
             addr & 255);
    return true;
}

/* An ASCII host name, or its dotted quad when it is numeric. */
static void add_ascii_host(text *out, const char *host, size_t len)
{
    char quad[16];
    if (ipv4_host(host, len, quad))
        text_add(out, quad, strlen(quad));
    else
        text_add(out, host, len);
}

static vg_status add_host(text *out, const char *raw, size_t n, bool host_required,
                          vg_error *err)
{
    if (n > 0 && raw[0] == '[') {
        if (n < 3 || raw[n - 1] != ']' || n - 2 >= INET6_ADDRSTRLEN)
            return vg_error_set(err, VG_ERR_INVALID, "the IPv6 address in the host is malformed");
        char literal[INET6_ADDRSTRLEN];
        memcpy(literal, raw + 1, n - 2);
        literal[n - 2] = '\0';
        struct in6_addr addr;
        char canonical[INET6_ADDRSTRLEN];
        if (inet_pton(AF_INET6, literal, &addr) != 1 ||
            !inet_ntop(AF_INET6, &addr, canonical, sizeof canonical))
            return vg_error_set(err, VG_ERR_INVALID, "the IPv6 address in the host is malformed");
        text_addc(out, '[');
        text_add(out, canonical, strlen(canonical));
        text_addc(out, ']');
        return VG_OK;
    }

    /* Decode percent escapes: "%65xample.com" is example.com. */
    char *host = malloc(n + 1);
    if (!host)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    size_t len = 0;
    bool ascii = true;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)raw[i];
        if (c == '%') {
            if (!escape_at(raw, n, i)) {
                free(host);
                return vg_error_set(err, VG_ERR_INVALID, "the host has a malformed %% escape");
            }
            c = (unsigned char)(vg_hex_value((char)raw[i + 1]) * 16 +
                                vg_hex_value((char)raw[i + 2]));
            i += 2;
        }
        if (c <= 0x20 || c == 0x7f || strchr("#%/:<>?@[\\]^|", c)) {
            free(host);
            return vg_error_set(err, VG_ERR_INVALID,
                                "the host contains a character no host name may contain");
        }
        if (c >= 0x80)
            ascii = false;
        host[len++] = lower(c);
    }
    host[len] = '\0';
    while (len > 0 && host[len - 1] == '.')
        host[--len] = '\0';
    if (len == 0 && host_required) {
        free(host);
        return vg_error_set(err, VG_ERR_INVALID, "the address has no host name");
    }
    if (!valid_utf8((const unsigned char *)host, len)) {
        free(host);
        return vg_error_set(err, VG_ERR_INVALID, "the host name is not valid UTF-8");
    }
    if (!ascii) {
        char *converted = NULL;
        if (idn2_to_ascii_8z(host, &converted, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT) ==
                IDN2_OK ||
            idn2_to_ascii_8z(host, &converted, IDN2_TRANSITIONAL | IDN2_NFC_INPUT) == IDN2_OK) {
            /* IDNA maps some characters to ASCII punctuation (U+3002 to
             * "."): use its answer only when it is a plain host name, so
             * that the canonical form stays canonical. */
            size_t clen = strlen(converted);
            bool plain = clen > 0 && converted[clen - 1] != '.';
            for (size_t i = 0; plain && i < clen; i++) {
                unsigned char c = (unsigned char)converted[i];
                plain = is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_';
                converted[i] = lower(c);
            }
            if (plain) {
                add_ascii_host(out, converted, clen);
                idn2_free(converted);
                free(host);
                return VG_OK;
            }
        }
        idn2_free(converted);
        /* IDNA refused it: keep the name as given, which is still one
         * spelling for one input. */
        text_add(out, host, len);
    } else {
        add_ascii_host(out, host, len);
    }
    free(host);
    return VG_OK;
}

static vg_status add_port(text *out, const char *port, size_t n, const scheme_info *special,
                          vg_error *err)
{
    size_t i = 0;
    while (i < n && port[i] == '0')
        i++;
    unsigned long value = 0;
    for (size_t k = 0; k < n; k++) {
        if (!is_digit((unsigned char)port[k]))
            return vg_error_set(err, VG_ERR_INVALID, "the port is not a number");
        if (k >= i) {
            value = value * 10 + (unsigned long)(port[k] - '0');
            if (value > 65535)
                return vg_error_set(err, VG_ERR_INVALID, "the port is larger than 65535");
        }
    }
    if (n == 0)
        return VG_OK;
    char digits[8];
    int len = snprintf(digits, sizeof digits, "%lu", value);
    if (special && strcmp(digits, special->default_port) == 0)
        return VG_OK;
    text_addc(out, ':');
    text_add(out, digits, (size_t)len);
    return VG_OK;
}

static vg_status canonicalize(const char *s, size_t n, text *out, vg_error *err)
{
    /* Scheme: letters, digits, "+-." up to ':' - but "example.com:8080/x"
     * and "localhost:8080" are hosts with ports, as reporters write them.
     * (Any other "name:1234" is an opaque address of scheme "name".) */
    size_t colon = 0;
    bool has_scheme = false;
    if (n > 0 && is_alpha((unsigned char)s[0])) {
        size_t i = 1;
        bool dotted = false;
        while (i < n && (is_alpha((unsigned char)s[i]) || is_digit((unsigned char)s[i]) ||
                         s[i] == '+' || s[i] == '-' || s[i] == '.')) {
            dotted = dotted || s[i] == '.';
            i++;
        }
        if (i < n && s[i] == ':') {
            size_t digits = i + 1;
            while (digits < n && is_digit((unsigned char)s[digits]))
                digits++;
            bool looks_like_port = digits > i + 1 && (digits == n || strchr("/?#", s[digits])) &&
                                   i == 9 && strncasecmp(s, "localhost", 9) == 0;
            bool authority_follows = i + 2 < n && s[i + 1] == '/' && s[i + 2] == '/';
            if (authority_follows || (!dotted && !looks_like_port)) {
                has_scheme = true;
                colon = i;
            }
        }
    }

    const scheme_info *special = NULL;
    size_t rest;
    if (has_scheme) {
        for (size_t i = 0; i < colon; i++)
            text_addc(out, lower((unsigned char)s[i]));
        special = find_special(out->p ? out->p : "", out->len);
        rest = colon + 1;
        bool authority = rest + 1 < n && s[rest] == '/' && s[rest + 1] == '/';
        if (special) {
            /* Browsers read "http:/x", "http:\\x" and "http:x" as http://x. */
            while (rest < n && (s[rest] == '/' || s[rest] == '\\'))
                rest++;
        } else if (authority) {
            rest += 2;
        } else {
            /* Opaque: mailto:, magnet:, urn:... */
            size_t end = rest;
            while (end < n && s[end] != '#')
                end++;
            text_addc(out, ':');
            add_normalised(out, s + rest, end - rest, "");
            return VG_OK;
        }
    } else {
        text_add(out, "http", 4);
        special = find_special("http", 4);
        rest = 0;
        while (rest < n && (s[rest] == '/' || s[rest] == '\\'))
            rest++;
    }
    text_add(out, "://", 3);

    /* Authority. */
    size_t auth_end = rest;
    while (auth_end < n && s[auth_end] != '/' && s[auth_end] != '?' && s[auth_end] != '#' &&
           !(special && s[auth_end] == '\\'))
        auth_end++;
    size_t host_start = rest;
    for (size_t i = rest; i < auth_end; i++)
        if (s[i] == '@')
            host_start = i + 1;
    if (host_start > rest && host_start - 1 > rest) {
        add_normalised(out, s + rest, host_start - 1 - rest, "@/?#");
        text_addc(out, '@');
    }
    size_t host_end = auth_end, port_start = auth_end;
    if (host_start < auth_end && s[host_start] == '[') {
        size_t close = host_start;
        while (close < auth_end && s[close] != ']')
            close++;
        if (close == auth_end)
            return vg_error_set(err, VG_ERR_INVALID, "the IPv6 address in the host is not closed");
        host_end = close + 1;
        if (host_end < auth_end) {
            if (s[host_end] != ':')
                return vg_error_set(err, VG_ERR_INVALID, "unexpected text after the IPv6 address");
            port_start = host_end + 1;
        }
    } else {
        for (size_t i = host_start; i < auth_end; i++)
            if (s[i] == ':') {
                host_end = i;
                port_start = i + 1;
                break;
            }
    }
    bool host_required = special || out->len != 7 || memcmp(out->p, "file://", 7) != 0;
    vg_status st = add_host(out, s + host_start, host_end - host_start, host_required, err);
    if (st != VG_OK)
        return st;
    st = add_port(out, s + port_start, auth_end - port_start, special, err);
    if (st != VG_OK)
        return st;

    /* Path: what follows the authority starts with "/" or is empty. */
    size_t path_end = auth_end;
    while (path_end < n && s[path_end] != '?' && s[path_end] != '#')
        path_end++;
    text path = {0};
    for (size_t i = auth_end; i < path_end;) {
        /* Normalise escapes piecewise so that "\" can become "/" first. */
        size_t j = i;
        while (j < path_end && !(special && s[j] == '\\'))
            j++;
        add_normalised(&path, s + i, j - i, "");
        if (j < path_end) {
            text_addc(&path, '/');
            j++;
        }
        i = j;
    }
    if (path.failed) {
        free(path.p);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    add_path_without_dots(out, path.p ? path.p : "", path.len);
    free(path.p);

    /* Query; the fragment is dropped. */
    if (path_end < n && s[path_end] == '?') {
        size_t q_end = path_end + 1;
        while (q_end < n && s[q_end] != '#')
            q_end++;
        if (q_end > path_end + 1) {
            text_addc(out, '?');
            add_normalised(out, s + path_end + 1, q_end - path_end - 1, "#");
        }
    }
    return VG_OK;
}

vg_status vg_url_canonicalize(const char *url, size_t len, char **out, vg_error *err)
{
    if (!out)
        return vg_error_set(err, VG_ERR_INVALID, "no place for the canonical address");
    *out = NULL;
    if (!url)
        return vg_error_set(err, VG_ERR_INVALID, "no address given");
    if (len > VG_URL_MAX_BYTES)
        return vg_error_set(err, VG_ERR_TOO_LARGE,
                            "the address is %zu bytes long; at most %d are accepted", len,
                            VG_URL_MAX_BYTES);
    if (!valid_utf8((const unsigned char *)url, len))
        return vg_error_set(err, VG_ERR_INVALID, "the address is not valid UTF-8 text");

    /* Trim spaces and controls at both ends, drop tabs and line breaks. */
    size_t start = 0, end = len;
    while (start < end && (unsigned char)url[start] <= 0x20)
        start++;
    while (end > start && (unsigned char)url[end - 1] <= 0x20)
        end--;
    char *clean = malloc(end - start + 1);
    if (!clean)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    size_t n = 0;
    for (size_t i = start; i < end; i++) {
        unsigned char c = (unsigned char)url[i];
        if (c == '\t' || c == '\n' || c == '\r')
            continue;
        if (c < 0x20 || c == 0x7f) {
            free(clean);
            return vg_error_set(err, VG_ERR_INVALID,
                                "the address contains a control character (byte %zu)", i);
        }
        clean[n++] = (char)c;
    }
    if (n == 0) {
        free(clean);
        return vg_error_set(err, VG_ERR_INVALID, "the address is empty");
    }

    text result = {0};
    vg_status st = canonicalize(clean, n, &result, err);
    free(clean);
    if (st == VG_OK && result.failed)
        st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    if (st != VG_OK) {
        free(result.p);
        return st;
    }
    if (result.len > VG_URL_MAX_BYTES) {
        free(result.p);
        return vg_error_set(err, VG_ERR_TOO_LARGE,
                            "the address is %zu bytes long once encoded; at most %d are accepted",
                            result.len, VG_URL_MAX_BYTES);
    }
    *out = result.p;
    return VG_OK;
}

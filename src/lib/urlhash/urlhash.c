/*
 * src/lib/urlhash/urlhash.c - Safe Browsing v4 canonicalisation, lookup
 * expressions and hashes (vigie/urlhash.h).
 *
 * The address is split into scheme, host, path and query first, on the raw
 * text (tabs and line breaks removed, fragment cut), and each part is then
 * unescaped and normalised on its own: unescaping first would let an
 * escaped "/" or "?" ("%2F", "%3F") move a boundary, which the reference
 * examples do not do ("http://host%23.com/" keeps "#" in its host).
 */
#include "vigie/urlhash.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A growable byte buffer; bytes may include NUL (an unescaped "%00"). */
typedef struct buf {
    char *data;
    size_t len, cap;
} buf;

static int buf_put(buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->data, cap);
        if (!p)
            return -1;
        b->data = p;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = 0;
    return 0;
}

static int buf_putc(buf *b, char c)
{
    return buf_put(b, &c, 1);
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Unescape s[0..*len) in place until no escape is left: each pass decodes
 * every "%XX" once, and stops when a pass changes nothing. Each pass that
 * changes something shortens the text, so there are at most len/3 passes. */
static void unescape_fully(char *s, size_t *len)
{
    for (;;) {
        size_t in = 0, out = 0, n = *len;
        int changed = 0;
        while (in < n) {
            int hi, lo;
            if (s[in] == '%' && in + 2 < n &&
                (hi = hexval((unsigned char)s[in + 1])) >= 0 &&
                (lo = hexval((unsigned char)s[in + 2])) >= 0) {
                s[out++] = (char)(hi << 4 | lo);
                in += 3;
                changed = 1;
            } else {
                s[out++] = s[in++];
            }
        }
        *len = out;
        if (!changed)
            return;
    }
}

/* Append s[0..len) escaping bytes <= 0x20, >= 0x7f, '#' and '%'. */
static int escape_into(buf *b, const char *s, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c >= 0x7f || c == '#' || c == '%') {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            if (buf_put(b, e, 3))
                return -1;
        } else if (buf_putc(b, (char)c)) {
            return -1;
        }
    }
    return 0;
}

/* One part of a numeric IPv4 host: decimal, octal (leading 0) or hex
 * (0x), as inet_aton reads it. -1 when not a number or beyond max. */
static int64_t ip_part(const char *s, size_t len, int64_t max)
{
    int base = 10;
    size_t i = 0;
    if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        i = 2;
    } else if (len >= 2 && s[0] == '0') {
        base = 8;
        i = 1;
    }
    if (len == 0 || (base == 16 && i == len))
        return -1;
    int64_t v = 0;
    for (; i < len; i++) {
        int d = hexval((unsigned char)s[i]);
        if (d < 0 || d >= base)
            return -1;
        v = v * base + d;
        if (v > max)
            return -1;
    }
    return v;
}

/* When host (already lowercased, dots collapsed) is a numeric IPv4
 * address in any of the forms inet_aton accepts, write it as a dotted
 * quad into out (16 bytes) and return 1. */
static int numeric_ipv4(const char *host, size_t len, char out[16])
{
    const char *part[4];
    size_t plen[4];
    size_t parts = 0, start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || host[i] == '.') {
            if (parts == 4 || i == start)
                return 0;
            part[parts] = host + start;
            plen[parts++] = i - start;
            start = i + 1;
        }
    }
    uint32_t addr = 0;
    for (size_t p = 0; p < parts; p++) {
        int last = p == parts - 1;
        int64_t max = last ? (int64_t)(0xffffffffull >> (8 * (parts - 1))) : 255;
        int64_t v = ip_part(part[p], plen[p], max);
        if (v < 0)
            return 0;
        if (last)
            addr |= (uint32_t)v;
        else
            addr |= (uint32_t)v << (8 * (3 - p));
    }
    snprintf(out, 16, "%u.%u.%u.%u", addr >> 24, (addr >> 16) & 255, (addr >> 8) & 255,
             addr & 255);
    return 1;
}

/* Normalise the raw host s[0..len) into out. */
static vg_status canonical_host(const char *s, size_t len, buf *out, vg_error *err)
{
    char *h = malloc(len + 1);
    if (!h)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    memcpy(h, s, len);
    unescape_fully(h, &len);
    /* drop leading and trailing dots, collapse runs, lowercase ASCII */
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        char c = h[i];
        if (c == '.' && (n == 0 || h[n - 1] == '.'))
            continue;
        h[n++] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    }
    while (n && h[n - 1] == '.')
        n--;
    if (n == 0) {
        free(h);
        return vg_error_set(err, VG_ERR_INVALID, "the address has no host");
    }
    /* An escaped slash ("http://%2Fx/") would come out as a slash the
     * canonical form's reader takes for the end of the host: no host name
     * holds one, and a browser refuses it too. */
    if (memchr(h, '/', n)) {
        free(h);
        return vg_error_set(err, VG_ERR_INVALID, "the address's host holds a '/' (%%2F)");
    }
    char quad[16];
    int rc = (h[0] != '[' && numeric_ipv4(h, n, quad)) ? buf_put(out, quad, strlen(quad))
                                                       : escape_into(out, h, n);
    free(h);
    return rc ? vg_error_set(err, VG_ERR_NOMEM, "out of memory") : VG_OK;
}

/* Normalise the raw path s[0..len) (which starts with "/" or is empty)
 * into out: unescape, resolve "." and "..", collapse slashes, escape. */
static vg_status canonical_path(const char *s, size_t len, buf *out, vg_error *err)
{
    char *p = malloc(len + 1);
    if (!p)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    memcpy(p, s, len);
    unescape_fully(p, &len);
    /* segments kept, as offsets into p: at most one per byte */
    size_t *seg = malloc((len / 2 + 2) * 2 * sizeof *seg);
    if (!seg) {
        free(p);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    size_t count = 0, i = 0;
    int trailing = 1; /* the path ends in a directory */
    while (i < len) {
        while (i < len && p[i] == '/')
            i++;
        size_t start = i;
        while (i < len && p[i] != '/')
            i++;
        size_t n = i - start;
        if (n == 0) {
            trailing = 1;
        } else if (n == 1 && p[start] == '.') {
            trailing = 1;
        } else if (n == 2 && p[start] == '.' && p[start + 1] == '.') {
            if (count)
                count--;
            trailing = 1;
        } else {
            seg[2 * count] = start;
            seg[2 * count + 1] = n;
            count++;
            trailing = i < len; /* followed by a slash */
        }
    }
    int rc = buf_putc(out, '/');
    for (size_t k = 0; k < count && !rc; k++) {
        rc = escape_into(out, p + seg[2 * k], seg[2 * k + 1]);
        if (!rc && (k + 1 < count || trailing))
            rc = buf_putc(out, '/');
    }
    free(seg);
    free(p);
    return rc ? vg_error_set(err, VG_ERR_NOMEM, "out of memory") : VG_OK;
}

vg_status vg_urlhash_canonicalize(const char *url, size_t len, char **out, vg_error *err)
{
    *out = NULL;
    if (!url)
        return vg_error_set(err, VG_ERR_INVALID, "no address given");
    if (len > VG_URLHASH_MAX_BYTES)
        return vg_error_set(err, VG_ERR_TOO_LARGE, "the address is longer than %d bytes",
                            VG_URLHASH_MAX_BYTES);
    /* tabs and line breaks go; leading and trailing spaces too */
    char *raw = malloc(len + 1);
    if (!raw)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (url[i] != '\t' && url[i] != '\r' && url[i] != '\n')
            raw[n++] = url[i];
    size_t b = 0;
    while (b < n && raw[b] == ' ')
        b++;
    while (n > b && raw[n - 1] == ' ')
        n--;
    char *s = raw + b;
    n -= b;
    char *hash = memchr(s, '#', n);
    if (hash)
        n = (size_t)(hash - s);

    /* scheme: letters then "://"; none means http */
    buf res = {0};
    vg_status st = VG_OK;
    size_t pos = 0, sl = 0;
    while (sl < n && (isalnum((unsigned char)s[sl]) || s[sl] == '+' || s[sl] == '-' ||
                      s[sl] == '.'))
        sl++;
    if (sl > 0 && isalpha((unsigned char)s[0]) && n - sl >= 3 && !memcmp(s + sl, "://", 3)) {
        for (size_t i = 0; i < sl && !st; i++)
            if (buf_putc(&res, (char)tolower((unsigned char)s[i])))
                st = VG_ERR_NOMEM;
        pos = sl + 3;
    } else if (buf_put(&res, "http", 4)) {
        st = VG_ERR_NOMEM;
    }
    if (!st && buf_put(&res, "://", 3))
        st = VG_ERR_NOMEM;
    if (st) {
        free(raw);
        free(res.data);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }

    /* authority: up to the first "/" or "?"; user information and port go */
    size_t auth_end = pos;
    while (auth_end < n && s[auth_end] != '/' && s[auth_end] != '?')
        auth_end++;
    size_t host_start = pos;
    for (size_t i = pos; i < auth_end; i++)
        if (s[i] == '@')
            host_start = i + 1;
    size_t host_end = auth_end;
    if (host_start < auth_end && s[host_start] == '[') {
        const char *close = memchr(s + host_start, ']', auth_end - host_start);
        if (!close) {
            free(raw);
            free(res.data);
            return vg_error_set(err, VG_ERR_INVALID, "an IPv6 host lacks its closing ']'");
        }
        host_end = (size_t)(close - s) + 1;
        if (host_end < auth_end && s[host_end] != ':') {
            free(raw);
            free(res.data);
            return vg_error_set(err, VG_ERR_INVALID, "text follows an IPv6 host");
        }
    } else {
        for (size_t i = host_start; i < auth_end; i++)
            if (s[i] == ':') {
                host_end = i;
                break;
            }
    }
    for (size_t i = host_end + (host_end < auth_end); i < auth_end; i++)
        if (!isdigit((unsigned char)s[i])) {
            free(raw);
            free(res.data);
            return vg_error_set(err, VG_ERR_INVALID, "the port is not a number");
        }
    st = canonical_host(s + host_start, host_end - host_start, &res, err);
    if (!st) {
        size_t q = auth_end;
        while (q < n && s[q] != '?')
            q++;
        st = canonical_path(s + auth_end, q - auth_end, &res, err);
        if (!st && q < n) {
            /* the query keeps its text: unescaped and escaped again only */
            size_t ql = n - q - 1;
            char *query = malloc(ql + 1);
            if (!query || buf_putc(&res, '?'))
                st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
            else {
                memcpy(query, s + q + 1, ql);
                unescape_fully(query, &ql);
                if (escape_into(&res, query, ql))
                    st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
            }
            free(query);
        }
    }
    free(raw);
    if (!st && res.len > VG_URLHASH_MAX_BYTES)
        st = vg_error_set(err, VG_ERR_TOO_LARGE,
                          "the canonical address is longer than %d bytes", VG_URLHASH_MAX_BYTES);
    if (st) {
        free(res.data);
        return st;
    }
    *out = res.data;
    return VG_OK;
}

void vg_urlhash_expressions_clear(vg_urlhash_expressions *list)
{
    for (size_t i = 0; i < list->count; i++)
        free(list->items[i]);
    memset(list, 0, sizeof *list);
}

/* Add host + path (+ "?" + query) unless already listed. */
static int add_expression(vg_urlhash_expressions *list, const char *host, size_t hlen,
                          const char *path, size_t plen)
{
    char *e = malloc(hlen + plen + 1);
    if (!e)
        return -1;
    memcpy(e, host, hlen);
    memcpy(e + hlen, path, plen);
    e[hlen + plen] = 0;
    for (size_t i = 0; i < list->count; i++)
        if (!strcmp(list->items[i], e)) {
            free(e);
            return 0;
        }
    list->items[list->count++] = e;
    return 0;
}

static int is_ip_host(const char *host, size_t len)
{
    if (len && host[0] == '[')
        return 1;
    char quad[16];
    return numeric_ipv4(host, len, quad) && strlen(quad) == len && !memcmp(quad, host, len);
}

vg_status vg_urlhash_expressions_of(const char *url, size_t len, vg_urlhash_expressions *out,
                                    vg_error *err)
{
    memset(out, 0, sizeof *out);
    char *canon;
    vg_status st = vg_urlhash_canonicalize(url, len, &canon, err);
    if (st)
        return st;
    const char *host = strstr(canon, "://") + 3;
    const char *path = strchr(host, '/'); /* a canonical form always has one */
    size_t hlen = (size_t)(path - host);
    const char *query = strchr(path, '?');
    size_t plen = query ? (size_t)(query - path) : strlen(path);

    /* hosts: the exact one, then suffixes of the last 5 components down to 2 */
    const char *hosts[VG_URLHASH_MAX_HOSTS];
    size_t hlens[VG_URLHASH_MAX_HOSTS], nhosts = 0;
    hosts[nhosts] = host;
    hlens[nhosts++] = hlen;
    if (!is_ip_host(host, hlen)) {
        size_t comps = 1;
        for (size_t i = 0; i < hlen; i++)
            comps += host[i] == '.';
        for (size_t k = comps < 5 ? comps : 5; k >= 2; k--) {
            if (k == comps)
                continue;
            /* the suffix of k components starts after the (comps-k)-th dot */
            size_t dots = 0, i = 0;
            while (dots < comps - k)
                dots += host[i++] == '.';
            hosts[nhosts] = host + i;
            hlens[nhosts++] = hlen - i;
        }
    }

    /* paths: with query, without, then "/" and the first directories (4 in all) */
    const char *paths[VG_URLHASH_MAX_PATHS];
    size_t plens[VG_URLHASH_MAX_PATHS], npaths = 0;
    if (query) {
        paths[npaths] = path;
        plens[npaths++] = strlen(path);
    }
    paths[npaths] = path;
    plens[npaths++] = plen;
    for (size_t i = 0, dirs = 0; i < plen && dirs < 4; i++)
        if (path[i] == '/') {
            paths[npaths] = path;
            plens[npaths++] = i + 1;
            dirs++;
        }

    int rc = 0;
    for (size_t h = 0; h < nhosts && !rc; h++)
        for (size_t p = 0; p < npaths && !rc; p++)
            rc = add_expression(out, hosts[h], hlens[h], paths[p], plens[p]);
    free(canon);
    if (rc) {
        vg_urlhash_expressions_clear(out);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    return VG_OK;
}

void vg_urlhash_full(const char *expression, size_t len, unsigned char out[VG_URLHASH_FULL_BYTES])
{
    crypto_hash_sha256(out, (const unsigned char *)expression, len);
}

uint32_t vg_urlhash_prefix(const unsigned char full[VG_URLHASH_FULL_BYTES])
{
    return (uint32_t)full[0] << 24 | (uint32_t)full[1] << 16 | (uint32_t)full[2] << 8 | full[3];
}

/*
 * tools/po2c/po.c - the PO reader (po.h).
 *
 * One pass over the lines. An entry is complete once its msgstr has begun;
 * whatever starts another entry (a comment, a flags line, msgctxt, msgid,
 * a blank line) then closes it. Strings continue on lines that start with
 * a quote, appended to the field opened last.
 */
#include "po.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct buf {
    char *s;
    size_t len, cap;
} buf;

typedef enum field { F_NONE, F_CTXT, F_ID, F_STR } field;

typedef struct parser {
    const char *origin;
    char *err;
    size_t errcap;
    size_t line;
    vg_po *po;
    size_t cap;
    /* the entry being read */
    buf ctxt, id, str;
    int has_ctxt, has_id, has_str;
    int fuzzy; /* from the flags line before the entry */
    size_t start;
    field open;
} parser;

static int fail(parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(parser *p, const char *fmt, ...)
{
    int n = snprintf(p->err, p->errcap, "%s:%zu: ", p->origin, p->line);
    if (n < 0 || (size_t)n >= p->errcap)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->err + n, p->errcap - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

static int buf_add(buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *grown = realloc(b->s, cap);
        if (!grown)
            return -1;
        b->s = grown;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
    return 0;
}

/* The buffer's text as a string the caller owns ("" when empty). */
static char *buf_take(buf *b)
{
    char *s = b->s ? b->s : calloc(1, 1);
    memset(b, 0, sizeof *b);
    return s;
}

/* Valid UTF-8 (no overlong forms, no surrogates, at most U+10FFFF) and no
 * NUL: the offset of the first bad byte, or len. */
static size_t utf8_bad(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        if (c == 0)
            return i;
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n;
        unsigned cp;
        if (c >= 0xc2 && c <= 0xdf)
            n = 1, cp = c & 0x1f;
        else if (c >= 0xe0 && c <= 0xef)
            n = 2, cp = c & 0x0f;
        else if (c >= 0xf0 && c <= 0xf4)
            n = 3, cp = c & 0x07;
        else
            return i;
        if (len - i <= n)
            return i;
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return i;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return i;
        i += n + 1;
    }
    return len;
}

static void entry_reset(parser *p)
{
    free(p->ctxt.s);
    free(p->id.s);
    free(p->str.s);
    memset(&p->ctxt, 0, sizeof p->ctxt);
    memset(&p->id, 0, sizeof p->id);
    memset(&p->str, 0, sizeof p->str);
    p->has_ctxt = p->has_id = p->has_str = 0;
    p->open = F_NONE;
}

/* Close the entry being read, if it is complete; an incomplete one is an
 * error. */
static int entry_close(parser *p)
{
    if (!p->has_ctxt && !p->has_id && !p->has_str)
        return 0;
    if (!p->has_id || !p->has_str) {
        p->line = p->start;
        return fail(p, "an entry needs a msgid and a msgstr");
    }
    if (p->po->count == VG_PO_MAX_ENTRIES)
        return fail(p, "more than %u entries", VG_PO_MAX_ENTRIES);
    if (p->po->count == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 64;
        vg_po_entry *grown = realloc(p->po->entries, cap * sizeof *grown);
        if (!grown)
            return fail(p, "out of memory");
        p->po->entries = grown;
        p->cap = cap;
    }
    vg_po_entry *e = &p->po->entries[p->po->count];
    e->ctxt = p->has_ctxt ? buf_take(&p->ctxt) : NULL;
    e->id = buf_take(&p->id);
    e->str = buf_take(&p->str);
    e->fuzzy = p->fuzzy;
    e->line = p->start;
    p->po->count++;
    if ((p->has_ctxt && !e->ctxt) || !e->id || !e->str)
        return fail(p, "out of memory");
    p->fuzzy = 0;
    entry_reset(p);
    return 0;
}

/* Append the quoted string at s (the rest of the line, n bytes) to b. */
static int quoted(parser *p, const char *s, size_t n, buf *b)
{
    size_t i = 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    if (i == n || s[i] != '"')
        return fail(p, "expected a quoted string");
    i++;
    for (;;) {
        if (i == n)
            return fail(p, "the string is not closed");
        char c = s[i++];
        if (c == '"')
            break;
        if ((unsigned char)c < 0x20 || c == 0x7f)
            return fail(p, "a control character in a string (write \\n or \\t)");
        if (c != '\\') {
            if (buf_add(b, &c, 1) != 0)
                return fail(p, "out of memory");
            continue;
        }
        if (i == n)
            return fail(p, "the string is not closed");
        char e = s[i++];
        switch (e) {
        case 'n': c = '\n'; break;
        case 't': c = '\t'; break;
        case 'r': c = '\r'; break;
        case '"': c = '"'; break;
        case '\\': c = '\\'; break;
        default:
            return fail(p, "unknown escape \\%c (only \\n \\t \\r \\\" \\\\)",
                        (unsigned char)e >= 0x21 && (unsigned char)e < 0x7f ? e : '?');
        }
        if (buf_add(b, &c, 1) != 0)
            return fail(p, "out of memory");
    }
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    if (i != n)
        return fail(p, "text after the closing quote");
    return 0;
}

static int flags_line(parser *p, const char *s, size_t n)
{
    /* "#, fuzzy, python-brace-format": fuzzy is the only flag that matters */
    size_t i = 2;
    while (i < n) {
        while (i < n && (s[i] == ' ' || s[i] == ',' || s[i] == '\t'))
            i++;
        size_t start = i;
        while (i < n && s[i] != ',' && s[i] != ' ' && s[i] != '\t')
            i++;
        if (i - start == 5 && !memcmp(s + start, "fuzzy", 5))
            p->fuzzy = 1;
    }
    return 0;
}

static int keyword_line(parser *p, const char *s, size_t n)
{
    size_t k = 0;
    while (k < n && s[k] != ' ' && s[k] != '\t' && s[k] != '"')
        k++;
    const char *rest = s + k;
    size_t rest_n = n - k;
    if (k == 7 && !memcmp(s, "msgctxt", 7)) {
        if (p->has_str && entry_close(p) != 0)
            return -1;
        if (p->has_ctxt || p->has_id)
            return fail(p, "msgctxt in the middle of an entry");
        p->has_ctxt = 1;
        p->start = p->line;
        p->open = F_CTXT;
        return quoted(p, rest, rest_n, &p->ctxt);
    }
    if (k == 5 && !memcmp(s, "msgid", 5)) {
        if (p->has_str && entry_close(p) != 0)
            return -1;
        if (p->has_id)
            return fail(p, "a second msgid in one entry");
        if (!p->has_ctxt)
            p->start = p->line;
        p->has_id = 1;
        p->open = F_ID;
        return quoted(p, rest, rest_n, &p->id);
    }
    if (k == 6 && !memcmp(s, "msgstr", 6)) {
        if (!p->has_id || p->has_str)
            return fail(p, "msgstr without its msgid");
        p->has_str = 1;
        p->open = F_STR;
        return quoted(p, rest, rest_n, &p->str);
    }
    if ((k == 12 && !memcmp(s, "msgid_plural", 12)) || (k >= 7 && !memcmp(s, "msgstr[", 7)))
        return fail(p, "plural forms are not used by vigie's catalogues");
    return fail(p, "expected msgctxt, msgid, msgstr, a string or a comment");
}

static int line(parser *p, const char *s, size_t n)
{
    while (n > 0 && (*s == ' ' || *s == '\t'))
        s++, n--;
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        n--;
    if (n == 0) {
        p->open = F_NONE;
        return entry_close(p);
    }
    if (s[0] == '#') {
        if (entry_close(p) != 0)
            return -1;
        if (n >= 2 && s[1] == '~') {
            p->fuzzy = 0; /* an obsolete entry: its flags go with it */
            return 0;
        }
        if (n >= 2 && s[1] == ',')
            return flags_line(p, s, n);
        return 0;
    }
    if (s[0] == '"') {
        buf *b = p->open == F_CTXT ? &p->ctxt : p->open == F_ID ? &p->id
                 : p->open == F_STR ? &p->str
                                    : NULL;
        if (!b)
            return fail(p, "a string that continues nothing");
        return quoted(p, s, n, b);
    }
    return keyword_line(p, s, n);
}

int vg_po_parse(const char *text, size_t len, const char *origin, vg_po *out, char *err,
                size_t errcap)
{
    memset(out, 0, sizeof *out);
    parser p = {.origin = origin, .err = err, .errcap = errcap, .po = out};
    int rc = 0;
    size_t bad;
    if (len > VG_PO_MAX_BYTES) {
        rc = fail(&p, "the file is larger than %u bytes", VG_PO_MAX_BYTES);
    } else if ((bad = utf8_bad((const unsigned char *)text, len)) != len) {
        p.line = 1;
        for (size_t i = 0; i < bad; i++)
            p.line += text[i] == '\n';
        rc = fail(&p, "not UTF-8 text");
    }
    for (size_t pos = 0; rc == 0 && pos < len;) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
        p.line++;
        rc = line(&p, text + pos, n);
        pos += n + 1;
    }
    if (rc == 0) {
        p.line++;
        rc = entry_close(&p);
    }
    char charset[64];
    if (rc == 0 && vg_po_header(out, "Content-Type", charset, sizeof charset)) {
        const char *cs = strcasestr(charset, "charset=");
        if (cs && strcasecmp(cs + 8, "UTF-8") != 0) {
            p.line = out->entries[0].line;
            rc = fail(&p, "the header names charset %s: vigie's catalogues are UTF-8", cs + 8);
        }
    }
    entry_reset(&p);
    if (rc != 0)
        vg_po_free(out);
    return rc;
}

void vg_po_free(vg_po *po)
{
    for (size_t i = 0; i < po->count; i++) {
        free(po->entries[i].ctxt);
        free(po->entries[i].id);
        free(po->entries[i].str);
    }
    free(po->entries);
    memset(po, 0, sizeof *po);
}

const char *vg_po_header(const vg_po *po, const char *field, char *out, size_t cap)
{
    const vg_po_entry *h = NULL;
    for (size_t i = 0; i < po->count && !h; i++)
        if (!po->entries[i].ctxt && !po->entries[i].id[0])
            h = &po->entries[i];
    size_t n = strlen(field);
    for (const char *s = h ? h->str : NULL; s && *s;) {
        size_t line_len = strcspn(s, "\n");
        if (line_len > n + 1 && !strncasecmp(s, field, n) && s[n] == ':') {
            const char *v = s + n + 1;
            while (*v == ' ')
                v++;
            size_t vn = line_len - (size_t)(v - s);
            snprintf(out, cap, "%.*s", (int)vn, v);
            return out;
        }
        s += line_len;
        s += *s == '\n';
    }
    return NULL;
}

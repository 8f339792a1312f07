/*
 * The operator's directory of providers: a CSV file an operator edits by
 * hand, so its errors name the line and say what is expected. Fields may be
 * quoted (RFC 4180) but a row stays on one line: no provider needs a line
 * break in its name or contact.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hosting_internal.h"

#define FIELD_MAX 512
#define FIELDS_MAX 16

enum { COL_MATCH, COL_NAME, COL_CONTACT, COL_LANGUAGE, COL_CDN, COL_COUNT };
static const char *const column_names[COL_COUNT] = {"match", "name", "contact", "language",
                                                    "cdn"};

bool contact_is_email(const char *s)
{
    size_t len = strlen(s);
    const char *at = strchr(s, '@');
    if (len > 254 || !at || at == s || strchr(at + 1, '@') || !strchr(at + 1, '.'))
        return false;
    if (at[1] == '.' || s[len - 1] == '.' || *s == '.' || at[-1] == '.')
        return false;
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (isalnum(c) || c == '@' || c == '.' || c == '-')
            continue;
        if (p < at && strchr("!#$%&'*+/=?^_`{|}~", c))
            continue;
        return false;
    }
    return !strstr(s, "..");
}

bool contact_is_https(const char *s)
{
    if (strncmp(s, "https://", 8) || !s[8] || strlen(s) >= VG_HOSTING_CONTACT_MAX)
        return false;
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f || *p == '"' || *p == '\\')
            return false;
    return true;
}

static vg_status bad(vg_error *err, const char *origin, size_t line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static vg_status bad(vg_error *err, const char *origin, size_t line, const char *fmt, ...)
{
    char why[VG_ERROR_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    return vg_error_set(err, VG_ERR_CORRUPT, "%s:%zu: %s", origin, line, why);
}

/* Split one line into at most FIELDS_MAX fields of FIELD_MAX bytes each. */
static int split(const char *line, size_t len, char fields[FIELDS_MAX][FIELD_MAX],
                 const char **why)
{
    int n = 0;
    size_t i = 0;
    for (;;) {
        if (n == FIELDS_MAX) {
            *why = "too many columns";
            return -1;
        }
        char *out = fields[n++];
        size_t o = 0;
        if (i < len && line[i] == '"') {
            i++;
            for (;;) {
                if (i == len) {
                    *why = "a quoted field is not closed";
                    return -1;
                }
                if (line[i] == '"') {
                    if (i + 1 < len && line[i + 1] == '"') {
                        i++;
                    } else {
                        i++;
                        break;
                    }
                }
                if (o + 1 == FIELD_MAX) {
                    *why = "a field is longer than 511 bytes";
                    return -1;
                }
                out[o++] = line[i++];
            }
            if (i < len && line[i] != ',') {
                *why = "text after a closing quote";
                return -1;
            }
        } else {
            while (i < len && line[i] != ',') {
                if (line[i] == '"') {
                    *why = "a quote inside an unquoted field";
                    return -1;
                }
                if (o + 1 == FIELD_MAX) {
                    *why = "a field is longer than 511 bytes";
                    return -1;
                }
                out[o++] = line[i++];
            }
        }
        out[o] = '\0';
        /* Spaces around a field are the editor's, not the provider's. */
        while (o && (out[o - 1] == ' ' || out[o - 1] == '\t'))
            out[--o] = '\0';
        size_t lead = strspn(out, " \t");
        memmove(out, out + lead, o - lead + 1);
        if (i == len)
            return n;
        i++; /* the comma */
    }
}

static bool printable_utf8ish(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return false;
    return true;
}

static bool parse_asn(const char *s, uint32_t *out)
{
    if ((s[0] != 'A' && s[0] != 'a') || (s[1] != 'S' && s[1] != 's') || !isdigit((unsigned char)s[2]))
        return false;
    uint64_t v = 0;
    for (const char *p = s + 2; *p; p++) {
        if (!isdigit((unsigned char)*p) || (v = v * 10 + (uint64_t)(*p - '0')) > UINT32_MAX)
            return false;
    }
    *out = (uint32_t)v;
    return v != 0;
}

/* A host name: labels of letters, digits, '-' and '_', at least two. */
static bool parse_domain(char *s)
{
    size_t len = strlen(s);
    if (len && s[len - 1] == '.')
        s[--len] = '\0';
    if (!len || len > 253 || !strchr(s, '.') || *s == '.' || strstr(s, ".."))
        return false;
    for (char *p = s; *p; p++) {
        *p = (char)tolower((unsigned char)*p);
        if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.' && *p != '_')
            return false;
    }
    return true;
}

static bool parse_language(const char *s)
{
    size_t len = strlen(s);
    if (len >= 16)
        return false;
    for (const char *p = s; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '-')
            return false;
    return true;
}

void directory_free(directory *d)
{
    for (size_t i = 0; i < d->count; i++) {
        free(d->entries[i].domain);
        free(d->entries[i].name);
        free(d->entries[i].contact);
    }
    free(d->entries);
    *d = (directory){0};
}

vg_status directory_parse(const char *text, size_t len, const char *origin, directory *out,
                          vg_error *err)
{
    *out = (directory){0};
    if (len > DIRECTORY_MAX_BYTES)
        return vg_error_set(err, VG_ERR_TOO_LARGE, "%s: larger than %u bytes", origin,
                            DIRECTORY_MAX_BYTES);
    char (*fields)[FIELD_MAX] = malloc(sizeof(char[FIELDS_MAX][FIELD_MAX]));
    if (!fields)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    /* -1: not in the header; every slot is set when the header is read */
    int column[COL_COUNT];
    for (size_t c = 0; c < COL_COUNT; c++)
        column[c] = -1;
    bool have_header = false;
    size_t cap = 0, line_no = 0;
    vg_status st = VG_OK;
    size_t pos = 0;
    while (pos < len && st == VG_OK) {
        const char *line = text + pos;
        const char *nl = memchr(line, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - line) : len - pos;
        pos += n + (nl ? 1 : 0);
        line_no++;
        if (n && line[n - 1] == '\r')
            n--;
        if (memchr(line, '\0', n)) {
            st = bad(err, origin, line_no, "a NUL byte");
            break;
        }
        size_t blank = 0;
        while (blank < n && (line[blank] == ' ' || line[blank] == '\t'))
            blank++;
        if (blank == n || line[blank] == '#')
            continue;
        const char *why = NULL;
        int count = split(line, n, fields, &why);
        if (count < 0) {
            st = bad(err, origin, line_no, "%s", why);
            break;
        }
        if (!have_header) {
            for (int c = 0; c < COL_COUNT; c++)
                column[c] = -1;
            for (int f = 0; f < count; f++)
                for (int c = 0; c < COL_COUNT; c++)
                    if (!strcasecmp(fields[f], column_names[c])) {
                        if (column[c] >= 0) {
                            st = bad(err, origin, line_no, "the column '%s' is given twice",
                                     column_names[c]);
                            break;
                        }
                        column[c] = f;
                    }
            if (st == VG_OK && (column[COL_MATCH] < 0 || column[COL_NAME] < 0 ||
                                column[COL_CONTACT] < 0))
                st = bad(err, origin, line_no,
                         "the first line must name the columns: match,name,contact "
                         "(and optionally language,cdn)");
            have_header = true;
            continue;
        }
        const char *value[COL_COUNT];
        for (int c = 0; c < COL_COUNT; c++)
            value[c] = column[c] >= 0 && column[c] < count ? fields[column[c]] : "";
        provider p = {0};
        char match[FIELD_MAX];
        memcpy(match, value[COL_MATCH], strlen(value[COL_MATCH]) + 1);
        if (!parse_asn(match, &p.asn) && !parse_domain(match)) {
            st = bad(err, origin, line_no,
                     "match '%.80s' is neither an AS (AS64500) nor a domain (example.net)",
                     value[COL_MATCH]);
            break;
        }
        if (!*value[COL_NAME] || !printable_utf8ish(value[COL_NAME])) {
            st = bad(err, origin, line_no, "a provider needs a name without control characters");
            break;
        }
        if (!contact_is_email(value[COL_CONTACT]) && !contact_is_https(value[COL_CONTACT])) {
            st = bad(err, origin, line_no,
                     "contact '%.80s' is neither an e-mail address nor an https:// URL",
                     value[COL_CONTACT]);
            break;
        }
        if (!parse_language(value[COL_LANGUAGE])) {
            st = bad(err, origin, line_no, "language '%.20s' is not a language tag (de, pt-BR)",
                     value[COL_LANGUAGE]);
            break;
        }
        const char *cdn = value[COL_CDN];
        if (!strcasecmp(cdn, "yes") || !strcasecmp(cdn, "true") || !strcmp(cdn, "1"))
            p.cdn = true;
        else if (*cdn && strcasecmp(cdn, "no") && strcasecmp(cdn, "false") && strcmp(cdn, "0")) {
            st = bad(err, origin, line_no, "cdn must be yes or no, not '%.20s'", cdn);
            break;
        }
        if (out->count == DIRECTORY_MAX_ENTRIES) {
            st = bad(err, origin, line_no, "more than %u providers", DIRECTORY_MAX_ENTRIES);
            break;
        }
        if (out->count == cap) {
            size_t grown = cap ? cap * 2 : 16;
            provider *more = realloc(out->entries, grown * sizeof *more);
            if (!more) {
                st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
                break;
            }
            out->entries = more;
            cap = grown;
        }
        snprintf(p.language, sizeof p.language, "%s", value[COL_LANGUAGE]);
        p.domain = p.asn ? NULL : strdup(match);
        p.name = strdup(value[COL_NAME]);
        p.contact = strdup(value[COL_CONTACT]);
        out->entries[out->count++] = p;
        if ((!p.asn && !p.domain) || !p.name || !p.contact)
            st = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    if (st == VG_OK && !have_header)
        st = vg_error_set(err, VG_ERR_CORRUPT,
                          "%s: empty; the first line must name the columns match,name,contact",
                          origin);
    free(fields);
    if (st != VG_OK)
        directory_free(out);
    return st;
}

static bool domain_covers(const char *domain, const char *host)
{
    size_t d = strlen(domain), h = strlen(host);
    if (h < d || strcasecmp(host + h - d, domain))
        return false;
    return h == d || host[h - d - 1] == '.';
}

const provider *directory_find(const directory *d, const char *host, uint32_t asn)
{
    const provider *best = NULL, *by_asn = NULL;
    for (size_t i = 0; i < d->count; i++) {
        const provider *p = &d->entries[i];
        if (p->domain && host && domain_covers(p->domain, host) &&
            (!best || strlen(p->domain) > strlen(best->domain)))
            best = p;
        if (p->asn && p->asn == asn && !by_asn)
            by_asn = p;
    }
    return best ? best : by_asn;
}

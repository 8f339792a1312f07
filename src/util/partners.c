/*
 * src/util/partners.c - the directory of partner hotlines (partners.h).
 */
#include "util/partners.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define FIELD_MAX 512
#define FILE_MAX (1u << 20)

static vg_status bad(vg_error *err, const char *origin, size_t line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static vg_status bad(vg_error *err, const char *origin, size_t line, const char *fmt, ...)
{
    char why[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    return vg_error_set(err, VG_ERR_INVALID, "%s:%zu: %s", origin, line, why);
}

/* Split line[0..len) into 4 or 5 fields (*count); 0 with *why otherwise. */
static int split(const char *line, size_t len, char fields[5][FIELD_MAX], int *count,
                 const char **why)
{
    size_t i = 0;
    *count = 0;
    fields[4][0] = 0;
    for (int n = 0; n < 5; n++) {
        size_t o = 0;
        int quoted = i < len && line[i] == '"';
        if (quoted)
            i++;
        for (;; i++) {
            if (i == len) {
                if (quoted) {
                    *why = "a quoted field is not closed";
                    return 0;
                }
                break;
            }
            char c = line[i];
            if (quoted && c == '"') {
                if (i + 1 < len && line[i + 1] == '"') {
                    i++;
                } else {
                    quoted = 0;
                    i++;
                    if (i < len && line[i] != ',') {
                        *why = "text after a closing quote";
                        return 0;
                    }
                    break;
                }
            } else if (!quoted && c == ',') {
                break;
            }
            if ((unsigned char)c < 0x20 || c == 0x7f) {
                *why = "a control character";
                return 0;
            }
            if (o + 1 >= FIELD_MAX) {
                *why = "a field longer than 511 bytes";
                return 0;
            }
            fields[n][o++] = c;
        }
        fields[n][o] = 0;
        *count = n + 1;
        if (i == len) {
            if (n < 3) {
                *why = "expected 4 fields: country,name,url,key";
                return 0;
            }
            return 1;
        }
        if (n < 4)
            i++; /* the comma */
    }
    *why = "more than 5 fields: country,name,url,key,key_org";
    return 0;
}

static int url_ok(const char *url, int allow_http)
{
    const char *rest = !strncmp(url, "https://", 8) ? url + 8
                       : allow_http && !strncmp(url, "http://", 7) ? url + 7
                                                                 : NULL;
    if (!rest || !*rest || *rest == '/')
        return 0;
    for (const char *p = url; *p; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f || *p == '"' || *p == '\\' ||
            *p == '?' || *p == '#')
            return 0;
    return 1;
}

static int key_ok(const char *key)
{
    if (!*key || strlen(key) > 255)
        return 0;
    for (const char *p = key; *p; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
            return 0;
    return 1;
}

void vg_partners_free(vg_partner_list *list)
{
    for (size_t i = 0; list->items && i < list->count; i++) {
        free((char *)list->items[i].name);
        free((char *)list->items[i].url);
        free((char *)list->items[i].key);
        free((char *)list->items[i].key_org);
    }
    free(list->items);
    list->items = NULL;
    list->count = 0;
}

vg_status vg_partners_parse(const char *text, size_t len, const char *origin, int allow_http,
                            vg_partner_list *out, vg_error *err)
{
    out->items = NULL;
    out->count = 0;
    vg_partner_list list = {calloc(VG_PARTNERS_MAX, sizeof(vg_partner)), 0};
    if (!list.items)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    char f[5][FIELD_MAX];
    int fields = 0;
    size_t line = 0;
    for (size_t at = 0; at < len;) {
        const char *end = memchr(text + at, '\n', len - at);
        size_t n = end ? (size_t)(end - (text + at)) : len - at;
        const char *s = text + at;
        at += n + (end ? 1 : 0);
        line++;
        if (n && s[n - 1] == '\r')
            n--;
        if (!n || s[0] == '#')
            continue;
        if (memchr(s, 0, n)) {
            vg_partners_free(&list);
            return bad(err, origin, line, "a NUL byte");
        }
        const char *why = NULL;
        if (!split(s, n, f, &fields, &why)) {
            vg_partners_free(&list);
            return bad(err, origin, line, "%s", why);
        }
        if (line == 1 && !strcmp(f[0], "country") && !strcmp(f[1], "name"))
            continue;
        if (strlen(f[0]) != 2 || !isalpha((unsigned char)f[0][0]) ||
            !isalpha((unsigned char)f[0][1])) {
            vg_partners_free(&list);
            return bad(err, origin, line, "the country must be a two-letter code (DE), not '%.20s'",
                       f[0]);
        }
        char cc[3] = {(char)toupper((unsigned char)f[0][0]), (char)toupper((unsigned char)f[0][1]),
                      0};
        const char *problem = !*f[1]                      ? "the name is empty"
                              : !url_ok(f[2], allow_http) ? "the url must be https://HOST[:PORT][/PATH] "
                                                            "(no query, no spaces)"
                              : !key_ok(f[3])             ? "the key must be 1 to 255 visible "
                                                            "ASCII characters"
                                                          : NULL;
        if (!problem && fields == 5 && !*f[4])
            problem = "the key_org is empty (leave the field out: no callbacks)";
        for (size_t i = 0; !problem && i < list.count; i++) {
            if (!strcmp(list.items[i].country, cc))
                problem = "a second partner for the same country";
            else if (fields == 5 && list.items[i].key_org && !strcmp(list.items[i].key_org, f[4]))
                problem = "a second partner with the same key_org";
        }
        if (!problem && list.count == VG_PARTNERS_MAX)
            problem = "more than 256 partners";
        if (problem) {
            vg_partners_free(&list);
            return bad(err, origin, line, "%s", problem);
        }
        vg_partner *p = &list.items[list.count];
        memcpy(p->country, cc, 3);
        size_t ulen = strlen(f[2]);
        while (ulen && f[2][ulen - 1] == '/')
            f[2][--ulen] = 0; /* the API paths are added to it */
        p->name = strdup(f[1]);
        p->url = strdup(f[2]);
        p->key = strdup(f[3]);
        p->key_org = fields == 5 ? strdup(f[4]) : NULL;
        list.count++;
        if (!p->name || !p->url || !p->key || (fields == 5 && !p->key_org)) {
            vg_partners_free(&list);
            return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        }
    }
    *out = list;
    return VG_OK;
}

vg_status vg_partners_load(const char *path, int allow_http, vg_partner_list *out, vg_error *err)
{
    out->items = NULL;
    out->count = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return vg_error_set(err, VG_ERR_IO, "%s: cannot be read", path);
    struct stat sb;
    if (fstat(fileno(f), &sb) == 0 && (sb.st_mode & 0077)) {
        fclose(f);
        return vg_error_set(err, VG_ERR_INVALID,
                            "%s holds partner keys and other users may read it: chmod 600 it",
                            path);
    }
    char *text = malloc(FILE_MAX + 1);
    size_t n = text ? fread(text, 1, FILE_MAX + 1, f) : 0;
    fclose(f);
    if (!text)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    vg_status st = n > FILE_MAX ? vg_error_set(err, VG_ERR_TOO_LARGE, "%s: over 1 MiB", path)
                                : vg_partners_parse(text, n, path, allow_http, out, err);
    free(text);
    return st;
}

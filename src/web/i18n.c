/*
 * src/web/i18n.c - message catalogues (i18n.h).
 *
 * The catalogues are static tables sorted by key (tools/po2c); loading
 * checks them and points at them, and lookups are binary searches:
 * read-only and thread-safe.
 */
#include "web/i18n.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/form.h"
#include "web/i18n_embedded.h"

struct vg_i18n_lang {
    const char *code;
    const vg_i18n_text *texts;
    size_t count;
    int rtl;
    const vg_i18n_lang *fallback; /* English, or NULL for English itself */
};

struct vg_i18n {
    vg_i18n_lang *langs;
    size_t count;
    const vg_i18n_lang *english;
};

static int text_cmp(const void *a, const void *b)
{
    return strcmp(((const vg_i18n_text *)a)->key, ((const vg_i18n_text *)b)->key);
}

static const char *lookup(const vg_i18n_lang *lang, const char *key)
{
    vg_i18n_text probe = {key, NULL};
    const vg_i18n_text *t = bsearch(&probe, lang->texts, lang->count, sizeof *lang->texts, text_cmp);
    return t ? t->text : NULL;
}

/* What the converter promises, checked once: keys in order and unique,
 * texts valid UTF-8, a known direction. */
static vg_status check(vg_i18n_lang *lang, vg_error *err)
{
    for (size_t i = 0; i < lang->count; i++) {
        const vg_i18n_text *t = &lang->texts[i];
        if (!t->key[0] || (i > 0 && strcmp(lang->texts[i - 1].key, t->key) >= 0))
            return vg_error_set(err, VG_ERR_CORRUPT, "catalogue %s: keys out of order at \"%s\"",
                                lang->code, t->key);
        if (!vg_utf8_valid(t->text, strlen(t->text)))
            return vg_error_set(err, VG_ERR_CORRUPT, "catalogue %s: %s is not UTF-8", lang->code,
                                t->key);
    }
    const char *dir = lookup(lang, "language.dir");
    if (dir && strcmp(dir, "ltr") != 0 && strcmp(dir, "rtl") != 0)
        return vg_error_set(err, VG_ERR_CORRUPT,
                            "catalogue %s: language.dir is \"%s\" (ltr or rtl)", lang->code, dir);
    lang->rtl = dir && !strcmp(dir, "rtl");
    return VG_OK;
}

vg_status vg_i18n_load(vg_i18n **out, vg_error *err)
{
    *out = NULL;
    size_t n = 0;
    while (vg_i18n_catalogues[n].code)
        n++;
    vg_i18n *i18n = calloc(1, sizeof *i18n);
    if (!i18n || !(i18n->langs = calloc(n ? n : 1, sizeof *i18n->langs))) {
        free(i18n);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        vg_i18n_lang *lang = &i18n->langs[i];
        lang->code = vg_i18n_catalogues[i].code;
        lang->texts = vg_i18n_catalogues[i].texts;
        lang->count = vg_i18n_catalogues[i].count;
        i18n->count++;
        vg_status st = check(lang, err);
        if (st != VG_OK) {
            vg_i18n_free(i18n);
            return st;
        }
        if (strcmp(lang->code, "en") == 0)
            i18n->english = lang;
    }
    if (!i18n->english) {
        vg_i18n_free(i18n);
        return vg_error_set(err, VG_ERR_CORRUPT, "the English catalogue (i18n/vigie.pot) is missing");
    }
    for (size_t i = 0; i < i18n->count; i++)
        if (&i18n->langs[i] != i18n->english)
            i18n->langs[i].fallback = i18n->english;
    *out = i18n;
    return VG_OK;
}

void vg_i18n_free(vg_i18n *i18n)
{
    if (!i18n)
        return;
    free(i18n->langs);
    free(i18n);
}

const vg_i18n_lang *vg_i18n_find(const vg_i18n *i18n, const char *code)
{
    for (size_t i = 0; code && i < i18n->count; i++)
        if (strcasecmp(i18n->langs[i].code, code) == 0)
            return &i18n->langs[i];
    return NULL;
}

/* The catalogue for a language range ("fr-CA", "fr", "*"): exact first,
 * then its primary subtag. */
static const vg_i18n_lang *match_range(const vg_i18n *i18n, const char *range, size_t n)
{
    char code[16];
    if (n == 0 || n >= sizeof code)
        return NULL;
    memcpy(code, range, n);
    code[n] = '\0';
    const vg_i18n_lang *lang = vg_i18n_find(i18n, code);
    if (lang)
        return lang;
    char *dash = strchr(code, '-');
    if (dash) {
        *dash = '\0';
        return vg_i18n_find(i18n, code);
    }
    return NULL;
}

const vg_i18n_lang *vg_i18n_choose(const vg_i18n *i18n, const char *query_lang,
                                   const char *accept_language)
{
    const vg_i18n_lang *lang = query_lang ? match_range(i18n, query_lang, strlen(query_lang)) : NULL;
    if (lang)
        return lang;
    /* Accept-Language: "fr-CH, fr;q=0.9, en;q=0.8, *;q=0.5". Take the
     * highest q among ranges we have; earlier wins a tie. Bounded by the
     * header's length; malformed members are skipped. */
    const vg_i18n_lang *best = NULL;
    int best_q = 0;
    const char *p = accept_language;
    while (p && *p) {
        while (*p == ' ' || *p == ',')
            p++;
        const char *start = p;
        while (*p && *p != ',' && *p != ';' && *p != ' ')
            p++;
        size_t n = (size_t)(p - start);
        int q = 1000;
        while (*p && *p != ',') {
            if (*p == ';') {
                p++;
                while (*p == ' ')
                    p++;
                if ((p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
                    p += 2;
                    /* A malformed weight is ignored (the range keeps q=1). */
                    if (*p != '0' && *p != '1')
                        continue;
                    int whole = *p++ == '1';
                    int frac = 0, digits = 0;
                    if (*p == '.')
                        for (p++; *p >= '0' && *p <= '9'; p++)
                            if (digits < 3)
                                frac = frac * 10 + (*p - '0'), digits++;
                    while (digits < 3)
                        frac *= 10, digits++;
                    q = whole ? 1000 : frac;
                    continue;
                }
            }
            p++;
        }
        const vg_i18n_lang *candidate = match_range(i18n, start, n);
        if (candidate && q > best_q) {
            best = candidate;
            best_q = q;
        }
    }
    return best ? best : i18n->english;
}

size_t vg_i18n_count(const vg_i18n *i18n) { return i18n->count; }
const vg_i18n_lang *vg_i18n_at(const vg_i18n *i18n, size_t i)
{
    return i < i18n->count ? &i18n->langs[i] : NULL;
}
const char *vg_i18n_code(const vg_i18n_lang *lang) { return lang->code; }
int vg_i18n_rtl(const vg_i18n_lang *lang) { return lang->rtl; }

const char *vg_i18n_get(const vg_i18n_lang *lang, const char *key)
{
    const char *text = lookup(lang, key);
    if (!text && lang->fallback)
        text = lookup(lang->fallback, key);
    return text ? text : key;
}

const char *vg_i18n_lookup(const vg_i18n_lang *lang, const char *key)
{
    const char *text = lookup(lang, key);
    return text || !lang->fallback ? text : lookup(lang->fallback, key);
}

size_t vg_i18n_keys(const vg_i18n_lang *lang) { return lang->count; }
const char *vg_i18n_key_at(const vg_i18n_lang *lang, size_t i)
{
    return i < lang->count ? lang->texts[i].key : NULL;
}

const char *vg_i18n_words(void *ctx, const char *code, const char *key)
{
    const vg_i18n *i18n = ctx;
    const vg_i18n_lang *lang = vg_i18n_find(i18n, code ? code : "en");
    if (!lang)
        lang = vg_i18n_find(i18n, "en");
    return lang ? vg_i18n_get(lang, key) : NULL;
}

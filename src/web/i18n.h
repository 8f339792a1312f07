/*
 * src/web/i18n.h - the public pages' words, in every language shipped.
 *
 * The catalogues are gettext PO files, the format translators' tools read
 * (i18n/README.md): i18n/vigie.pot holds the English texts, each named by
 * its key in msgctxt, and i18n/<code>.po a language's translations. The
 * build converts them into tables embedded in the server (tools/po2c), so
 * adding a language is adding a file: no code changes, nothing read at run
 * time. English (en) is the reference: a key missing from another
 * catalogue is shown in English rather than left blank.
 *
 * Texts are plain text; pages HTML-escape them. "{name}" placeholders are
 * filled by the page. The key "language.dir" says which way a language is
 * written ("ltr", or "rtl" for Arabic, Hebrew, Persian, Urdu...).
 */
#ifndef VIGIE_WEB_I18N_H
#define VIGIE_WEB_I18N_H

#include <stddef.h>

#include "vigie/error.h"

typedef struct vg_i18n vg_i18n;
typedef struct vg_i18n_lang vg_i18n_lang;

/* Index the embedded catalogues. VG_ERR_CORRUPT names the catalogue when
 * one is unusable (no English, keys out of order, an unknown direction). */
vg_status vg_i18n_load(vg_i18n **out, vg_error *err);
void vg_i18n_free(vg_i18n *i18n);

/* The language to answer in: the ?lang= value when it names a catalogue,
 * else the best match of the Accept-Language header (by q value, then
 * order; "fr-CA" matches "fr"), else English. Both may be NULL. */
const vg_i18n_lang *vg_i18n_choose(const vg_i18n *i18n, const char *query_lang,
                                   const char *accept_language);
/* A catalogue by exact code, or NULL. */
const vg_i18n_lang *vg_i18n_find(const vg_i18n *i18n, const char *code);
size_t vg_i18n_count(const vg_i18n *i18n);
const vg_i18n_lang *vg_i18n_at(const vg_i18n *i18n, size_t i);
const char *vg_i18n_code(const vg_i18n_lang *lang);
/* 1 when the language is written right to left (language.dir = rtl). */
int vg_i18n_rtl(const vg_i18n_lang *lang);

/* The text of key (owned by the catalogue): this language's, else
 * English's, else the key itself, so a missing text shows, never crashes. */
const char *vg_i18n_get(const vg_i18n_lang *lang, const char *key);
/* As vg_i18n_get, but NULL when neither the language nor English has key
 * (for keys made from codes, where the caller has a better fallback). */
const char *vg_i18n_lookup(const vg_i18n_lang *lang, const char *key);
/* Number of keys in a catalogue, and the i-th key (tests compare them). */
/* The text of key in the catalogue of language code (English when there
 * is none), for hotline.h's words: ctx is the vg_i18n. */
const char *vg_i18n_words(void *ctx, const char *code, const char *key);
size_t vg_i18n_keys(const vg_i18n_lang *lang);
const char *vg_i18n_key_at(const vg_i18n_lang *lang, size_t i);

#endif

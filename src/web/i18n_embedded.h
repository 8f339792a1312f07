/* src/web/i18n_embedded.h - the catalogues the build embeds: tools/po2c
 * turns the PO files of i18n/ into these tables (src/web/CMakeLists.txt). */
#ifndef VIGIE_WEB_I18N_EMBEDDED_H
#define VIGIE_WEB_I18N_EMBEDDED_H

#include <stddef.h>

typedef struct vg_i18n_text {
    const char *key, *text;
} vg_i18n_text;

typedef struct vg_i18n_embedded {
    const char *code;          /* "en", "fr", ...; NULL ends the table */
    const vg_i18n_text *texts; /* sorted by key (strcmp), keys unique */
    size_t count;
} vg_i18n_embedded;

/* English (the template) first. */
extern const vg_i18n_embedded vg_i18n_catalogues[];

#endif

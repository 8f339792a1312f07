/*
 * src/util/partners.h - the directory of partner hotlines
 * (routing.partners): a CSV file an operator edits by hand, one partner a
 * line,
 *
 *   country,name,url,key,key_org
 *   DE,Example DE hotline,https://hotline.example.de,vg_0123...,Example DE hotline
 *
 * country: ISO 3166-1 alpha-2 (any case); name: how the partner is shown
 * and told about; url: the root of its vigie (or of any server speaking
 * vigie's partner API, docs/api.md), https:// only; key: the partner API
 * key that partner created for this hotline, sent as its bearer; key_org
 * (optional): the organisation ("--org") of the partner API key this
 * hotline gave that partner. key_org is how a caller is known as that
 * partner: reports sent with such a key were forwarded by it (and are
 * called back to it), and callbacks sent with it are its own. Without it
 * the partner is only polled. Two partners cannot share a key_org. A first
 * line "country,name,url,key[,key_org]" is a header; blank lines and lines starting
 * with '#' are skipped; a field may be double-quoted (a comma inside).
 * Errors name the line. The file holds keys: it must not be readable by
 * others (vg_partners_load refuses it otherwise).
 */
#ifndef VIGIE_UTIL_PARTNERS_H
#define VIGIE_UTIL_PARTNERS_H

#include <stddef.h>

#include "vigie/error.h"

/* A partner hotline. */
typedef struct vg_partner {
    char country[3]; /* ISO 3166-1 alpha-2, uppercase */
    const char *name;
    const char *url; /* the root of its partner API (no trailing slash) */
    const char *key; /* the API key it gave this hotline */
    const char *key_org; /* the org of the key this hotline gave it, or NULL */
} vg_partner;

#define VG_PARTNERS_MAX 256

/* The partners, owning their strings (vg_partners_free). */
typedef struct vg_partner_list {
    vg_partner *items;
    size_t count;
} vg_partner_list;

/* Parse len bytes (origin names them in errors, "partners.csv:3: ...").
 * allow_http: tests only, plain http:// URLs. On failure *out is empty. */
vg_status vg_partners_parse(const char *text, size_t len, const char *origin, int allow_http,
                            vg_partner_list *out, vg_error *err);
/* Read and parse the file at path (at most 1 MiB), refusing one that other
 * users may read. */
vg_status vg_partners_load(const char *path, int allow_http, vg_partner_list *out,
                           vg_error *err);
void vg_partners_free(vg_partner_list *list);

#endif

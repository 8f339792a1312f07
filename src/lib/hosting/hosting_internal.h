/*
 * src/lib/hosting/hosting_internal.h - the parts of a hosting lookup:
 * the directory of providers (directory.c), RDAP answers (rdap.c), the
 * location database (location.c) and name resolution (resolve.c), put
 * together by hosting.c.
 */
#ifndef VIGIE_HOSTING_INTERNAL_H
#define VIGIE_HOSTING_INTERNAL_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vigie/hosting.h"

/* ---- the directory of providers (directory.c) ------------------------------------- */

#define DIRECTORY_MAX_BYTES (8u << 20)
#define DIRECTORY_MAX_ENTRIES 100000u

typedef struct provider {
    uint32_t asn;         /* 0 for a domain entry */
    char *domain;         /* lowercase, no trailing dot; NULL for an AS entry */
    char *name;
    char *contact;        /* e-mail or https URL */
    char language[16];
    bool cdn;
} provider;

typedef struct directory {
    provider *entries;
    size_t count;
} directory;

/* Parse the len bytes of a directory file; origin names it in errors
 * ("providers.csv:12: ..."). On failure *out is empty. */
vg_status directory_parse(const char *text, size_t len, const char *origin, directory *out,
                          vg_error *err);
void directory_free(directory *d);
/* The entry for a host (the longest domain that is the host or one of its
 * parents), else for an AS; NULL when neither is known. host and asn may be
 * NULL/0. */
const provider *directory_find(const directory *d, const char *host, uint32_t asn);

/* Whether s is an e-mail address vigie will write to: one '@', a dotted
 * domain, characters of RFC 5322's dot-atom only, at most 254 bytes. */
bool contact_is_email(const char *s);
/* An https:// URL without spaces or control characters. */
bool contact_is_https(const char *s);

/* ---- RDAP answers (rdap.c) ---------------------------------------------------------- */

#define RDAP_MAX_DEPTH 8      /* nested entities followed */
#define RDAP_MAX_ENTITIES 256 /* entities looked at in one answer */

typedef struct rdap_contact {
    char email[VG_HOSTING_CONTACT_MAX]; /* "" when the answer names none */
    char name[256];                     /* the abuse entity's vCard fn */
} rdap_contact;

/* Read an RDAP answer (JSON, RFC 9083): the first entity, depth first, with
 * the role "abuse" that has a usable e-mail. VG_OK with an empty email when
 * the answer has none; VG_ERR_CORRUPT for something that is not an RDAP
 * object (the message says what). */
vg_status rdap_parse(const char *json, size_t len, rdap_contact *out, vg_error *err);

/* ---- the location database (location.c) ------------------------------------------ */

typedef struct location location;

vg_status location_open(const char *path, location **out, vg_error *err);
void location_close(location *l);
/* Fill country, asn, as_name, network and anycast of out for addr (an
 * IPv6 or IPv4-mapped address). Thread-safe. */
void location_find(location *l, const struct in6_addr *addr, vg_hosting_address *out);

/* ---- name resolution (resolve.c) ------------------------------------------------- */

typedef struct resolved {
    struct in6_addr *addrs; /* IPv4 as IPv4-mapped; owned */
    size_t count;
    vg_status status;
    char error[256];
} resolved;

/* Resolve every name at once (A and AAAA), within the configuration's
 * timeouts and deadline; results[i] for names[i]. The results of NULL
 * names are left as they are (the caller's, for IP literals).
 * Fails only when the resolver cannot start. */
vg_status resolve_all(const vg_hosting_config *config, const char *const *names, size_t count,
                      resolved *results, vg_error *err);
void resolved_free(resolved *r);

#endif

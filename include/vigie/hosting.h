/*
 * vigie/hosting.h - where a web address is hosted, and who takes abuse
 * notices for it.
 *
 * Orientation (the "O" of PHAROS) needs, for each reported URL, the
 * country of the machines that serve it and whom to notify. A lookup takes
 * a URL, a host name or an IP address and gives one row per address:
 *
 *   - the addresses of the host, resolved with c-ares (A and AAAA at once,
 *     every input of a call in flight together, each query bounded by a
 *     timeout and the whole call by a deadline); the search list and
 *     /etc/hosts are not used: a reported name is looked up as written;
 *   - for each address, from the IPFire location database (libloc): its
 *     country, its autonomous system and that system's name, and the
 *     anycast flag. An anycast address (a CDN's) is served from many
 *     countries: its country says nothing about where the material is;
 *   - the abuse contact: from the operator's directory of providers when
 *     it knows the host's domain or the address's AS, else from RDAP
 *     (RFC 9083: the entity with the role "abuse" and its vCard e-mail, in
 *     the answer for the address, else for its AS), cached per network
 *     with an expiry.
 *
 * The directory of providers is a CSV file with a header line naming its
 * columns, in any order (others are ignored):
 *
 *   match     "AS64500" (an autonomous system) or a domain ("example.net",
 *             which also covers its subdomains); the most specific domain
 *             wins over an AS, an AS over RDAP
 *   name      the provider's name
 *   contact   an abuse e-mail address, or the https:// URL of a notice API
 *   language  optional: the language notices should be written in ("de")
 *   cdn       optional: "yes" when the provider is a CDN or a reverse
 *             proxy, whose addresses do not tell where the origin is
 *
 * Safety: RDAP is spoken over https only and never to an address that is
 * not public (checked on the address connected to, after resolution); at
 * most three redirects, each held to the same rules; answers are bounded.
 * Addresses that are not public (loopback, private...) are reported as
 * such, without location or contact. allow_private_addresses lifts both
 * rules, and allow_plain_http allows http: for tests against local
 * servers only.
 *
 * A vg_hosting may be used by several threads at once; each call to
 * vg_hosting_lookup makes its own resolver and HTTP handle.
 */
#ifndef VIGIE_HOSTING_H
#define VIGIE_HOSTING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vigie/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vg_hosting_config {
    /* The libloc database (Debian: /usr/share/libloc-location/location.db);
     * NULL: no country, AS nor anycast flag. */
    const char *location_db;
    /* The operator's directory of providers (CSV, above); NULL: none. */
    const char *providers;
    /* The RDAP service asked for contacts, e.g. https://rdap.db.ripe.net
     * ("/ip/ADDR" and "/autnum/N" are appended; registries redirect to the
     * one responsible). NULL: no RDAP. */
    const char *rdap_url;
    /* DNS servers as "ip[:port],ip[:port]"; NULL: the system's
     * (/etc/resolv.conf). */
    const char *dns_servers;
    long dns_timeout_ms;         /* one query, one try; default 2000 */
    unsigned dns_tries;          /* default 2 */
    long deadline_ms;            /* all resolutions of one call; default 10000 */
    long rdap_timeout_seconds;   /* one request; default 10 */
    size_t rdap_max_bytes;       /* one answer; default 1 MiB */
    int64_t rdap_cache_seconds;  /* a contact found; default 1 day */
    int64_t rdap_negative_seconds; /* no contact, or the service failed; default 1 hour */
    size_t rdap_cache_entries;   /* default 4096 */
    const char *ca_file;         /* NULL: the system's certificate authorities */
    /* Test-only: see the top of this file. */
    bool allow_private_addresses;
    bool allow_plain_http;
    /* Test-only: the clock of the cache (seconds); NULL: the real one. */
    int64_t (*now)(void *ctx);
    void *now_ctx;
} vg_hosting_config;

/* Defaults as above; no database, directory nor RDAP. */
void vg_hosting_config_init(vg_hosting_config *config);

typedef struct vg_hosting vg_hosting;

/* Open the database and read the directory (the configuration is copied).
 * Errors name the file and, for the directory, the line. */
vg_status vg_hosting_open(const vg_hosting_config *config, vg_hosting **out, vg_error *err);
void vg_hosting_close(vg_hosting *h);

#define VG_HOSTING_CONTACT_MAX 512

typedef enum vg_contact_source {
    VG_CONTACT_NONE = 0,
    VG_CONTACT_DIRECTORY, /* the operator's directory */
    VG_CONTACT_RDAP
} vg_contact_source;

/* "", "directory", "rdap". */
const char *vg_contact_source_name(vg_contact_source source);

typedef struct vg_hosting_address {
    char ip[46];          /* text form (RFC 5952 for IPv6) */
    bool is_public;       /* false: nothing below was looked up (the test-only
                           * allow_private_addresses counts every address as public) */
    char country[3];      /* ISO 3166-1 alpha-2, "" when unknown */
    uint32_t asn;         /* 0 when unknown */
    char as_name[256];
    char network[64];     /* the database's network holding the address */
    /* An anycast network, or a provider the directory marks as a CDN:
     * the address does not tell where the material is. */
    bool anycast;
    char provider[256];   /* the directory's name, or RDAP's name of the abuse entity */
    char abuse_contact[VG_HOSTING_CONTACT_MAX]; /* e-mail or https URL, "" */
    char language[16];    /* from the directory */
    vg_contact_source contact_source;
    /* Why something is missing ("RDAP: timed out"), "" when nothing is. */
    char note[256];
} vg_hosting_address;

typedef struct vg_hosting_result {
    char *input;          /* as given */
    char *host;           /* the host name or IP looked up, NULL when the input is unusable */
    vg_status status;     /* VG_OK when the host resolved */
    char error[VG_ERROR_MESSAGE_MAX];
    vg_hosting_address *addresses;
    size_t address_count;
} vg_hosting_result;

/*
 * Look up count inputs (URLs, host names or IP addresses). *out receives an
 * array of count results in input order, to free with
 * vg_hosting_results_free. A bad or unresolvable input fails its own
 * result only; the call fails only for lack of memory or a resolver that
 * cannot start.
 */
vg_status vg_hosting_lookup(vg_hosting *h, const char *const *inputs, size_t count,
                            vg_hosting_result **out, vg_error *err);
void vg_hosting_results_free(vg_hosting_result *results, size_t count);

/* The location database alone for one address in text form (no DNS, no
 * RDAP): country, AS, network and anycast of *out; VG_ERR_INVALID when ip
 * is not an address. An address the database does not know gives VG_OK
 * with empty fields. */
vg_status vg_hosting_locate(vg_hosting *h, const char *ip, vg_hosting_address *out,
                            vg_error *err);

#ifdef __cplusplus
}
#endif
#endif

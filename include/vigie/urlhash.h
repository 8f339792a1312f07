/*
 * vigie/urlhash.h - web addresses as Google Safe Browsing (v4) hashes them:
 * the way a blocking list is handed to members (ISPs, resolvers, platforms)
 * without handing them a readable list.
 *
 * Three steps, each the one the Safe Browsing v4 "URLs and Hashing"
 * documentation describes, so that a member already checking addresses
 * against Safe Browsing lists checks ours the same way:
 *
 *   1. Canonicalise the address (vg_urlhash_canonicalize): remove tab, CR
 *      and LF; drop the fragment; percent-unescape repeatedly; in the host,
 *      drop leading and trailing dots, collapse runs of dots, lowercase, and
 *      write a numeric IPv4 host (decimal, octal, hex, fewer than four
 *      parts) as a dotted quad; in the path resolve "/./" and "/../" and
 *      collapse runs of slashes; then percent-escape every byte <= 0x20,
 *      >= 0x7f, "#" and "%". The query is kept (not normalised). This is
 *      NOT vg_url_canonicalize (vigie/url.h), which keeps the scheme, the
 *      port and the escapes a server may care about: the two serve
 *      different comparisons.
 *   2. List the expressions to look up (vg_urlhash_expressions): up to 5
 *      host suffixes (the exact host, then up to 4 made of the last 5
 *      components, removing the leading one each time, never the bare top
 *      level; none for an IP address) times up to 6 path prefixes (the
 *      path with the query, the path without it, then "/" and the first
 *      directories, up to 4). An expression is "host/path[?query]", without
 *      scheme or port. A listed entry is itself one expression ("evil.example/"
 *      lists a whole domain, "evil.example/a/b.html" one page).
 *   3. Hash each expression with SHA-256 (vg_urlhash_full); the first 4
 *      bytes are its prefix (VG_URLHASH_PREFIX_BYTES), what members hold.
 *
 * Everything here is pure and thread-safe; nothing is kept between calls.
 */
#ifndef VIGIE_URLHASH_H
#define VIGIE_URLHASH_H

#include <stddef.h>
#include <stdint.h>

#include "vigie/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VG_URLHASH_MAX_BYTES 8192     /* longest input and canonical form */
#define VG_URLHASH_MAX_HOSTS 5        /* host suffixes of one address */
#define VG_URLHASH_MAX_PATHS 6        /* path prefixes of one address */
#define VG_URLHASH_MAX_EXPRESSIONS 30 /* VG_URLHASH_MAX_HOSTS * VG_URLHASH_MAX_PATHS */
#define VG_URLHASH_FULL_BYTES 32      /* a full hash: SHA-256 */
#define VG_URLHASH_PREFIX_BYTES 4     /* what members hold of it */

/*
 * Canonicalise the len bytes at url (not NUL-terminated necessarily) as
 * Safe Browsing does. The result is a full URL ("http://host/path?query"):
 * the scheme is kept in lowercase ("http" when none is given), the port
 * and user information are dropped (as the documentation's examples do).
 * *out (malloc'd, NUL-terminated) is the caller's to free; NULL on error.
 * Errors: VG_ERR_INVALID for text that has no host or is not an address,
 * VG_ERR_TOO_LARGE beyond VG_URLHASH_MAX_BYTES (input or result),
 * VG_ERR_NOMEM.
 */
vg_status vg_urlhash_canonicalize(const char *url, size_t len, char **out, vg_error *err);

/* The expressions of an address, in the order the documentation lists
 * them (exact host first; for each host, the exact path with query first). */
typedef struct vg_urlhash_expressions {
    size_t count;
    char *items[VG_URLHASH_MAX_EXPRESSIONS]; /* malloc'd; vg_urlhash_expressions_clear */
} vg_urlhash_expressions;

/* The expressions of url, canonicalised first (so any spelling may be
 * given). out is cleared first, and is empty on error (the errors of
 * vg_urlhash_canonicalize). */
vg_status vg_urlhash_expressions_of(const char *url, size_t len, vg_urlhash_expressions *out,
                                    vg_error *err);
void vg_urlhash_expressions_clear(vg_urlhash_expressions *list);

/* The full hash of one expression (its bytes as given: SHA-256). */
void vg_urlhash_full(const char *expression, size_t len,
                     unsigned char out[VG_URLHASH_FULL_BYTES]);

/* The prefix of a full hash as a number (the first 4 bytes, big-endian),
 * convenient for sorted arrays and binary search. */
uint32_t vg_urlhash_prefix(const unsigned char full[VG_URLHASH_FULL_BYTES]);

#ifdef __cplusplus
}
#endif
#endif

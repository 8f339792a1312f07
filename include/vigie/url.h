/*
 * vigie/url.h - one spelling per web address.
 *
 * The same location is reported in many spellings: "HTTP://Example.COM:80/a/./b/../c#top",
 * "http://example.com/a/c". Cross-referencing compares canonical forms, so
 * both must give the same text. vg_url_canonicalize applies the
 * normalisations that do not change which resource a browser fetches:
 *
 *   - leading and trailing spaces and control characters are trimmed, tabs
 *     and line breaks inside are removed (as browsers do with pasted text);
 *   - an address without a scheme ("example.com/x") is taken as http;
 *   - the scheme and host are lowercased; an internationalised host is
 *     converted to its ASCII (punycode) form when IDNA accepts it, and kept
 *     as given (UTF-8) when it does not; a trailing dot is dropped;
 *     a numeric host is written as a dotted quad, as browsers read it
 *     ("http://0x7f.1/" and "http://2130706433/" are http://127.0.0.1/);
 *     an IPv6 literal is written in its standard compressed form;
 *   - the default port of the scheme (http 80, https 443, ftp 21, ws 80,
 *     wss 443) and empty ports are dropped, leading zeros removed;
 *   - for http, https, ws, wss and ftp, backslashes in the path are slashes;
 *   - dot segments ("." and "..", also spelt %2e) are resolved, an empty
 *     path becomes "/";
 *   - percent-encoding: escapes of unreserved characters (letters, digits,
 *     "-", ".", "_", "~") are decoded, the others are written in uppercase
 *     hex; bytes that may not appear raw (spaces, quotes, angle brackets,
 *     non-ASCII bytes, a "%" that starts no escape) are encoded;
 *   - the fragment ("#...") is dropped, and so is an empty query ("?").
 *
 * Query parameters keep their order and the path keeps its case: servers
 * may treat either as meaningful. User information ("user@") is kept.
 * Addresses without "//" after the scheme (mailto:, magnet:...) are opaque:
 * only their scheme is lowercased and their percent-encoding normalised.
 *
 * The result is idempotent: canonicalising a canonical form returns it
 * unchanged. The function is pure and thread-safe.
 */
#ifndef VIGIE_URL_H
#define VIGIE_URL_H

#include <stddef.h>

#include "vigie/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Longest input, and longest canonical form, in bytes; longer addresses
 * are VG_ERR_TOO_LARGE (so a canonical form is always accepted again).
 * Browsers and servers stop well before this. */
#define VG_URL_MAX_BYTES 8192

/*
 * Canonicalise the len bytes at url (not necessarily NUL-terminated).
 * On VG_OK *out receives a malloc'd NUL-terminated string the caller frees.
 * Errors: VG_ERR_INVALID for text that is not a usable address (invalid
 * UTF-8, control characters, a bad port, an empty or malformed host),
 * VG_ERR_TOO_LARGE beyond VG_URL_MAX_BYTES, VG_ERR_NOMEM. *out is NULL on
 * error.
 */
vg_status vg_url_canonicalize(const char *url, size_t len, char **out, vg_error *err);

#ifdef __cplusplus
}
#endif
#endif

/*
 * vigie/fetch.h - the safe fetcher: one URL fetched under the project's
 * rules for talking to the outside, its body handed to the caller as it
 * arrives (into the evidence vault and the hashers), and the chain of
 * custody of what was seen where.
 *
 * Rules, every one of them enforced here rather than by callers:
 *   - https only unless allow_plain_http; no credentials in the URL;
 *   - the address actually connected to, after name resolution and on
 *     every hop of a redirect chain, must be public unicast as
 *     vigie/outbound.h defines it (vg_outbound_address_is_public), but
 *     for loopback with allow_private_addresses (tests only), so that neither a name nor a
 *     redirect can point the fetcher inside the hotline's network;
 *   - redirects are followed here, one hop at a time, at most
 *     max_redirects, only to http(s), never twice to the same URL (a loop
 *     is an error, not a wait);
 *   - the body is bounded in bytes (checked on the Content-Length before
 *     any byte and on the bytes themselves), the transfer in time (one
 *     deadline) and in pace (a server that sends nothing for
 *     stall_seconds is left);
 *   - a content type outside the accepted list stops the transfer before
 *     the first byte of the body reaches the caller;
 *   - no proxy from the environment: only the configured one (proxy, e.g.
 *     a local Tor SOCKS proxy for onion services), to which alone the
 *     fetcher then connects; the URL's host is then resolved by the proxy,
 *     so a URL naming a private address literally is refused beforehand;
 *   - bodies of redirects and error answers are read and dropped, never
 *     handed to the caller: only a 2xx answer's body is "the material".
 *
 * Each hop's record (vg_fetch_hop) is the chain of custody: the URL asked,
 * the address connected to, the status, the answer's header lines and,
 * over TLS, the SHA-256 of the server's certificate (DER).
 *
 * Thread safety: any thread; no shared state but libcurl's global init,
 * done once.
 */
#ifndef VIGIE_FETCH_H
#define VIGIE_FETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vigie/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vg_fetch_options {
    uint64_t max_bytes;           /* bodies larger are refused (VG_ERR_TOO_LARGE) */
    unsigned timeout_seconds;     /* the whole fetch, every hop; 0: 30 */
    bool allow_plain_http;        /* tests: http:// as well */
    /* Tests: loopback addresses (127.0.0.0/8, ::1), so that a test's own
     * server can be fetched; every other private range stays refused,
     * which lets a test on loopback show a redirect into one refused. */
    bool allow_private_addresses;
    unsigned max_redirects;       /* hops followed after the first; 0: none */
    /* Accepted content types, comma-separated: "image/" accepts every
     * image type, "text/html" that type only; NULL or "": any. An answer
     * without a Content-Type is accepted only when the list is empty. */
    const char *content_types;
    const char *proxy;      /* "socks5h://127.0.0.1:9050", "http://proxy:3128"; NULL: none */
    const char *user_agent; /* NULL: "vigie" */
    unsigned stall_seconds; /* leave a server silent this long; 0: 10 */
} vg_fetch_options;

#define VG_FETCH_MAX_HOPS 11 /* the first request and at most 10 redirects */

/* One request and its answer, as seen. */
typedef struct vg_fetch_hop {
    char *url;           /* malloc'd: the URL requested */
    char address[48];    /* the address connected to ("" when none was) */
    long status;         /* HTTP status, 0 when there was no answer */
    char *headers;       /* malloc'd: the answer's header lines, "Name: value\n" each,
                            at most 16 KiB (NULL when there was no answer) */
    char tls_sha256[65]; /* the server certificate's SHA-256, hex; "" without TLS */
} vg_fetch_hop;

/* How a fetch ended, beyond its status code. */
typedef enum vg_fetch_outcome {
    VG_FETCH_BODY = 0,   /* a 2xx answer, its whole body handed over */
    VG_FETCH_HTTP_ERROR, /* the last answer was not 2xx (record.status says which) */
    VG_FETCH_NO_HOST,    /* the host name does not resolve */
    VG_FETCH_REFUSED,    /* the rules refused it (address, scheme, type, size, loop) */
    VG_FETCH_FAILED,     /* the connection or the transfer failed, or timed out */
} vg_fetch_outcome;

typedef struct vg_fetch_record {
    int64_t started_at;    /* Unix time of the first request */
    vg_fetch_outcome outcome;
    long status;           /* the last hop's status */
    char content_type[128]; /* the last answer's Content-Type, or "" */
    uint64_t bytes;        /* body bytes handed to the sink */
    vg_fetch_hop hops[VG_FETCH_MAX_HOPS];
    size_t hop_count;
} vg_fetch_record;

/* Where a body goes as it arrives; a status other than VG_OK stops the
 * transfer and is returned by vg_fetch_stream with its message. */
typedef vg_status (*vg_fetch_sink)(void *ctx, const uint8_t *data, size_t len, vg_error *err);

/* GET url, following redirects within the rules, handing the body of the
 * final 2xx answer to sink (may be NULL: body dropped). *record is filled
 * in every case (vg_fetch_record_free); VG_OK only for VG_FETCH_BODY.
 * Otherwise VG_ERR_INVALID for a URL not allowed, VG_ERR_TOO_LARGE past
 * max_bytes, VG_ERR_IO for everything else, err saying what happened
 * ("the server answered 404", "redirect loop at ...", "the address
 * 10.0.0.1 is not a public one ..."). */
vg_status vg_fetch_stream(const char *url, const vg_fetch_options *opts, vg_fetch_sink sink,
                          void *ctx, vg_fetch_record *record, vg_error *err);
void vg_fetch_record_free(vg_fetch_record *record);

/* The record as JSON (malloc'd; NULL when out of memory): started_at,
 * outcome, status, content_type, bytes, and hops [{url, address, status,
 * headers, tls_sha256}], for storage with the evidence. */
char *vg_fetch_record_json(const vg_fetch_record *record);

/* ---- the whole body in memory (small answers: the HMA API's ?url=) ---- */

typedef struct vg_fetch_result {
    uint8_t *data; /* malloc'd; vg_fetch_result_free wipes and frees it */
    size_t len;
    char content_type[128]; /* the answer's Content-Type, or "" */
} vg_fetch_result;

/* vg_fetch_stream into memory, without the record. */
vg_status vg_fetch(const char *url, const vg_fetch_options *opts, vg_fetch_result *out,
                   vg_error *err);
void vg_fetch_result_free(vg_fetch_result *result);

/* ---- parsers, public for their tests and fuzzers ---------------------- */

/* Whether content_type (an answer's header value, parameters allowed) is
 * in the accepted list (vg_fetch_options.content_types). */
bool vg_fetch_type_accepted(const char *accepted, const char *content_type);

/* The SHA-256 of the first certificate of a PEM text ("-----BEGIN
 * CERTIFICATE-----" base64 "-----END ..."), as 64 hex digits into
 * hex[65]. false when no certificate could be read (hex is then ""). */
bool vg_fetch_pem_sha256(const char *pem, size_t len, char hex[65]);

#ifdef __cplusplus
}
#endif
#endif

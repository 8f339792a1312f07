/*
 * vigie/fetch.h - one URL fetched into memory, held to the project's rules
 * for talking to the outside (the HMA-compatible API's GET /h/hash?url=,
 * when the operator allows it).
 *
 * https only unless allow_plain_http; the address actually connected to,
 * after name resolution, must be public unicast as vigie/outbound.h
 * defines it (vg_outbound_address_is_public) unless
 * allow_private_addresses, so that a name cannot point the fetcher inside
 * the hotline's network; no redirects; no proxy from the environment; no
 * credentials in the URL; the answer is bounded in bytes and in time, and
 * held in memory only. Both allowances are for tests.
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
    uint64_t max_bytes;           /* answers larger are refused (VG_ERR_TOO_LARGE) */
    unsigned timeout_seconds;     /* the whole transfer; 0: 30 */
    bool allow_plain_http;        /* tests: http:// as well */
    bool allow_private_addresses; /* tests: loopback and private addresses */
} vg_fetch_options;

typedef struct vg_fetch_result {
    uint8_t *data; /* malloc'd; vg_fetch_result_free wipes and frees it */
    size_t len;
    char content_type[128]; /* the answer's Content-Type, or "" */
} vg_fetch_result;

/* GET url. VG_OK only for a 2xx answer; VG_ERR_INVALID for a URL that is
 * not allowed, VG_ERR_IO for a refused address, a failed transfer or
 * another status (err says which), VG_ERR_TOO_LARGE past max_bytes. */
vg_status vg_fetch(const char *url, const vg_fetch_options *opts, vg_fetch_result *out,
                   vg_error *err);
void vg_fetch_result_free(vg_fetch_result *result);

#ifdef __cplusplus
}
#endif
#endif

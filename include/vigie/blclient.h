/*
 * vigie/blclient.h - a member's side of the blocking list: the local set of
 * 4-byte prefixes kept in step with a hotline's server, and the decision
 * whether an address is listed, as Safe Browsing v4 clients decide it
 * (vigie/urlhash.h, docs/blocklist.md "Members").
 *
 * The member holds prefixes only, never a readable address:
 *   - vg_blclient_update asks GET /api/v1/blocklist/prefixes?since=VERSION
 *     for the changes since the version it holds (the whole set the first
 *     time), applies them, and checks the new set against the answer's
 *     checksum (SHA-256 of the sorted prefixes). A mismatch throws the set
 *     away and downloads it whole once more.
 *   - vg_blclient_check canonicalises the address, lists its expressions
 *     (host suffixes times path prefixes), looks their prefixes up in the
 *     local set and, only for a prefix the set holds, asks
 *     GET /api/v1/blocklist/full-hashes?prefix=HEX; the address is listed
 *     when one of its expressions' full hashes is in the answer. Answers
 *     are kept for cache_seconds, and forgotten when the set changes.
 *   - vg_blclient_save / vg_blclient_load keep the set in a file between
 *     runs, so that the next run asks only for the update.
 *
 * Requests go through the outbound rules (vigie/outbound.h): https only,
 * public addresses only, no redirects, a deadline; a test-only allowance
 * lifts the first two so that tests talk to a server on loopback.
 *
 * Threads: one vg_blclient may be shared; every call takes its lock for the
 * set and the cache only, never across a request, so checks run in
 * parallel. Updates are serialised among themselves.
 */
#ifndef VIGIE_BLCLIENT_H
#define VIGIE_BLCLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vigie/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vg_blclient vg_blclient;

typedef struct vg_blclient_options {
    const char *server;       /* the hotline's base address, https://HOST[:PORT][/PATH]; copied */
    const char *key;          /* the member's API key (scope blocklist); copied */
    unsigned timeout_seconds; /* each request; 0: 30 seconds */
    unsigned cache_seconds;   /* how long a full-hash answer is kept; 0: 300 */
    const char *ca_file;      /* PEM bundle of trusted authorities; NULL: the system's */
    bool allow_local;         /* tests only: plain http and loopback addresses */
} vg_blclient_options;

/* A new client holding the empty set at version 0. *out is the caller's
 * (vg_blclient_free). VG_ERR_INVALID for a server that is not an http(s)
 * address or a key with characters a header cannot carry. */
vg_status vg_blclient_new(const vg_blclient_options *options, vg_blclient **out, vg_error *err);
void vg_blclient_free(vg_blclient *client);

/* What an update did. */
typedef struct vg_blclient_update_info {
    int64_t from_version, version;
    bool reset;          /* the server sent the whole set */
    bool checksum_reset; /* the applied update did not match its checksum: downloaded again */
    size_t added, removed, count;
    size_t bytes; /* bytes of the answers read */
} vg_blclient_update_info;

/* Bring the set up to the server's version. On failure the set is the one
 * held before (VG_ERR_IO for the server or the connection, naming it;
 * VG_ERR_CORRUPT for an answer that is not a prefix update or whose
 * checksum fails even after a full download). info may be NULL. */
vg_status vg_blclient_update(vg_blclient *client, vg_blclient_update_info *info, vg_error *err);

/* The version of the set held, and its size. */
int64_t vg_blclient_version(vg_blclient *client);
size_t vg_blclient_count(vg_blclient *client);

/* The verdict on one address. expression (malloc'd, the caller's:
 * vg_blclient_verdict_clear) is the listed expression of the address
 * ("host/path") when listed, else NULL. */
typedef struct vg_blclient_verdict {
    bool listed;
    char *expression;
    size_t full_hash_requests; /* requests this check made (0 when the prefixes or the cache decided) */
} vg_blclient_verdict;

/* Decide about the len bytes at url. VG_ERR_INVALID (or TOO_LARGE) for text
 * that is not an address (vg_urlhash_canonicalize), VG_ERR_IO when a full-hash
 * request failed: no verdict then. The address is not kept. */
vg_status vg_blclient_check(vg_blclient *client, const char *url, size_t len,
                            vg_blclient_verdict *out, vg_error *err);
void vg_blclient_verdict_clear(vg_blclient_verdict *verdict);

/* Write the set to path (through a temporary file renamed over it), with
 * the server's address so that a state is never applied to another server. */
vg_status vg_blclient_save(vg_blclient *client, const char *path, vg_error *err);
/* Replace the set with the one saved in path. VG_ERR_IO when it cannot be
 * read (errno ENOENT: *missing is set when missing is not NULL),
 * VG_ERR_CORRUPT when it is not a state file, belongs to another server, or
 * its prefixes do not match its checksum. On error the set is unchanged. */
vg_status vg_blclient_load(vg_blclient *client, const char *path, bool *missing, vg_error *err);

/*
 * The parsers of what comes from outside, for the fuzz targets and tests:
 * each reads len bytes (not NUL-terminated necessarily) and touches only
 * client's state on success.
 */
/* A prefixes answer (the JSON of /prefixes) applied to the set: VG_OK and
 * the set at its version, VG_ERR_CORRUPT when malformed, VG_ERR_INVALID
 * when well formed but the result does not match the checksum (the set is
 * unchanged then). */
vg_status vg_blclient_apply_answer(vg_blclient *client, const char *text, size_t len,
                                   vg_blclient_update_info *info, vg_error *err);
/* A full-hashes answer for prefix: *hashes (malloc'd, 32 bytes each, the
 * caller's) and *count; VG_ERR_CORRUPT when malformed or when a hash does
 * not begin with prefix. */
vg_status vg_blclient_parse_full_hashes(const char *text, size_t len, uint32_t prefix,
                                        unsigned char **hashes, size_t *count, vg_error *err);
/* A state file's bytes, as vg_blclient_load reads them. */
vg_status vg_blclient_load_bytes(vg_blclient *client, const unsigned char *data, size_t len,
                                 vg_error *err);

#ifdef __cplusplus
}
#endif
#endif

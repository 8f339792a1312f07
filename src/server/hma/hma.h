/*
 * src/server/hma/hma.h - an API that clients of Hasher-Matcher-Actioner
 * (HMA, Meta's open-source matcher) call unchanged, below hma.prefix
 * (/hma by default): hashing (/h/hash), matching (/m/lookup,
 * /m/raw_lookup, /m/index/status, /m/compare) and the banks (/c/banks,
 * /c/bank/NAME, its /content and /signal, /c/bank/NAME/content/ID: read,
 * made, changed and deleted), over the server's index, with
 * HMA's JSON shapes, signal type names and status codes, and errors as
 * {"message": "..."}. Partner keys with the scope each part needs (hash,
 * match, curate). docs/interop-server.md says what is kept and what
 * differs.
 *
 * The same banks, content and lookups are answered in vigie's own,
 * consistent form below /api/v1 (v1.c; docs/api.md).
 *
 * The route table (hma.c) names the handlers (hashing.c, matching.c,
 * curation.c, v1.c); what they share (the module state, errors, the uploaded
 * file) is in common.c, so that no two files call each other.
 */
#ifndef VIGIE_SERVER_HMA_H
#define VIGIE_SERVER_HMA_H

#include <stddef.h>
#include <stdint.h>

#include "server/server.h"

typedef struct vg_hma {
    vg_server *srv;
    char prefix[64];           /* hma.prefix, no trailing slash */
    int pdq_threshold;         /* hma.pdq_threshold: PDQ bits within which a lookup matches */
    uint64_t max_upload;       /* hma.max_upload: the one file of /h/hash and /m/lookup */
    int allow_url_fetch;       /* hma.allow_url_fetch: GET /h/hash?url= (off) */
    int fetch_local_for_tests; /* hma.test_fetch_local: plain http, local addresses */
    char paths[16][96];        /* the routes' paths, prefix included */
} vg_hma;

vg_status vg_hma_open(vg_server *srv, void **state, vg_error *err);
vg_status vg_hma_routes(vg_server *srv, void *state, vg_error *err);
void vg_hma_free(void *state);

/* ---- shared by the handlers (common.c) ---- */

/* vigie's own, consistent form of the same answers (v1.c). */
#define VG_HMA_V1 "/api/v1/"
/* Whether the request came to the /api/v1 form (errors are then
 * {"error": {"code", "message"}}, as every /api/v1 answer). */
int vg_hma_is_v1(vg_http_request *req);

/* {"message": text} with status, as HMA's error handler answers (below
 * /api/v1: vigie's {"error": ...}). */
void vg_hma_error(vg_http_request *req, unsigned status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The refusals of the HTTP layer below the prefix, in the same shape. */
void vg_hma_refuse(vg_http_request *req, unsigned status, const char *message);
/* Answer a JSON value (the reference is stolen) with status. */
void vg_hma_json(vg_http_request *req, unsigned status, void *json);

/* The one uploaded file of a request, held in memory (never on disk). */
typedef struct vg_hma_upload {
    char field[32]; /* the multipart field: "photo" or "video" */
    uint8_t *data;
    size_t len, cap;
    int files; /* how many file parts came: HMA takes one */
} vg_hma_upload;
/* on_file of the routes that take a file. */
vg_status vg_hma_receive(vg_http_request *req, const char *field, const char *filename,
                         const char *content_type, const void *data, size_t size, uint64_t offset,
                         vg_error *msg);
/* The request's file (its upload, or for a GET its url= when fetching is
 * allowed), hashed: out gets the signals by HMA's names as a JSON object
 * ({"pdq": ..., "video_md5": ...}). 0 after answering an error. */
int vg_hma_hash_request(vg_http_request *req, void **signals_json);

/* ---- the handlers (hashing.c, matching.c, curation.c) ---- */

void vg_hma_hash_get(vg_http_request *req);
void vg_hma_hash_post(vg_http_request *req);
void vg_hma_lookup_get(vg_http_request *req);
void vg_hma_lookup_post(vg_http_request *req);
void vg_hma_raw_lookup(vg_http_request *req);
void vg_hma_index_status(vg_http_request *req);
void vg_hma_compare(vg_http_request *req);
void vg_hma_banks(vg_http_request *req);
void vg_hma_banks_create(vg_http_request *req);
void vg_hma_bank(vg_http_request *req);
void vg_hma_bank_put(vg_http_request *req);
void vg_hma_bank_delete(vg_http_request *req);
void vg_hma_bank_post(vg_http_request *req);

/* ---- the /api/v1 form (v1.c) ---- */

void vg_v1_bank_get(vg_http_request *req);
void vg_v1_bank_put(vg_http_request *req);
void vg_v1_bank_delete(vg_http_request *req);
void vg_v1_bank_post(vg_http_request *req);
void vg_v1_lookup(vg_http_request *req);

#endif

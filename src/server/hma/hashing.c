/*
 * src/server/hma/hashing.c - HMA's /h/hash: the signals of a photo or a
 * video a partner sends, or, when the operator allows it, of what a URL
 * holds (hma.h). The file is held in memory and hashed there; nothing of
 * it is written or kept.
 */
#include <jansson.h>

#include "server/hma/hma.h"

void vg_hma_hash_post(vg_http_request *req)
{
    json_t *signals = NULL;
    if (vg_hma_hash_request(req, (void **)&signals))
        vg_hma_json(req, 200, signals);
}

void vg_hma_hash_get(vg_http_request *req)
{
    if (!vg_http_query(req, "url")) {
        vg_hma_error(req, 400, "url is required");
        return;
    }
    vg_hma_hash_post(req);
}

/*
 * src/server/hma/hashing.c - HMA's /h/hash: the signals of a photo or a
 * video a partner sends (hma.h). The file is held in memory and hashed
 * there; nothing of it is written or kept.
 */
#include <jansson.h>

#include "server/hma/hma.h"

void vg_hma_hash_post(vg_http_request *req)
{
    json_t *signals = NULL;
    if (vg_hma_hash_upload(req, (void **)&signals))
        vg_hma_json(req, 200, signals);
}

/* HMA fetches the URL it is given. vigie fetches nothing for a partner:
 * a hotline server reaching addresses its callers choose is a way into
 * the networks behind it, and a way to make it download material. */
void vg_hma_hash_get(vg_http_request *req)
{
    if (!vg_http_query(req, "url")) {
        vg_hma_error(req, 400, "url is required");
        return;
    }
    vg_hma_error(req, 403, "Fetching a URL is off on this server: send the file with "
                           "POST /h/hash (multipart field \"photo\" or \"video\")");
}

/*
 * src/server/hma/common.c - what the HMA-compatible handlers share: errors
 * in HMA's shape, the uploaded file, and hashing it (hma.h).
 */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hotline/banks.h"
#include "server/hma/hma.h"
#include "vigie/fetch.h"

void vg_hma_json(vg_http_request *req, unsigned status, void *json)
{
    if (!json) {
        vg_http_respond(req, 500, "application/json", "{\"message\":\"out of memory\"}", 27);
        return;
    }
    vg_http_json(req, status, json);
    json_decref(json);
}

/* vigie's code of a status, for the /api/v1 form of the same answers. */
static const char *v1_code(unsigned status)
{
    switch (status) {
    case 400:
        return "invalid_request";
    case 401:
        return "unauthenticated";
    case 403:
        return "forbidden";
    case 404:
        return "not_found";
    case 409:
        return "conflict";
    case 413:
        return "too_large";
    case 429:
        return "rate_limited";
    case 502:
        return "fetch_failed";
    case 503:
        return "unavailable";
    default:
        return "server_error";
    }
}

void vg_hma_refuse(vg_http_request *req, unsigned status, const char *message)
{
    if (vg_hma_is_v1(req))
        vg_http_json_error(req, status, v1_code(status), "%s", message);
    else
        vg_hma_json(req, status, json_pack("{s:s}", "message", message));
}

int vg_hma_is_v1(vg_http_request *req)
{
    return !strncmp(vg_http_path(req), VG_HMA_V1, strlen(VG_HMA_V1));
}

void vg_hma_error(vg_http_request *req, unsigned status, const char *fmt, ...)
{
    char message[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    vg_hma_refuse(req, status, message);
}

static void upload_free(void *state)
{
    vg_hma_upload *u = state;
    if (u->data) {
        /* what partners send may be abuse material: leave no copy behind */
        memset(u->data, 0, u->cap);
        free(u->data);
    }
    free(u);
}

vg_status vg_hma_receive(vg_http_request *req, const char *field, const char *filename,
                         const char *content_type, const void *data, size_t size, uint64_t offset,
                         vg_error *msg)
{
    (void)filename;
    (void)content_type;
    vg_hma *hma = vg_http_route_ctx(req);
    vg_hma_upload *u = vg_http_state(req);
    if (!u) {
        if (!(u = calloc(1, sizeof *u)))
            return vg_error_set(msg, VG_ERR_NOMEM, "out of memory");
        vg_http_set_state(req, u, upload_free);
    }
    if (offset == 0) {
        u->files++;
        snprintf(u->field, sizeof u->field, "%s", field ? field : "");
    }
    if (u->files > 1)
        return VG_OK; /* refused by the handler; the rest is not kept */
    if (size > hma->max_upload - u->len)
        return vg_error_set(msg, VG_ERR_TOO_LARGE, "the file is larger than hma.max_upload");
    if (u->len + size > u->cap) {
        size_t cap = u->cap ? u->cap : 65536;
        while (cap < u->len + size)
            cap *= 2;
        uint8_t *grown = malloc(cap);
        if (!grown)
            return vg_error_set(msg, VG_ERR_NOMEM, "out of memory");
        if (u->data) {
            memcpy(grown, u->data, u->len);
            memset(u->data, 0, u->cap);
            free(u->data);
        }
        u->data = grown;
        u->cap = cap;
    }
    memcpy(u->data + u->len, data, size);
    u->len += size;
    return VG_OK;
}

/* Whether HMA's `types` query selects name (no `types`: all of them). */
static int wanted(const char *types, const char *name)
{
    if (!types)
        return 1;
    size_t n = strlen(name);
    for (const char *p = types; *p;) {
        while (*p == ' ' || *p == ',')
            p++;
        size_t len = strcspn(p, ",");
        size_t trimmed = len;
        while (trimmed && p[trimmed - 1] == ' ')
            trimmed--;
        if (trimmed == n && !strncmp(p, name, n))
            return 1;
        p += len;
    }
    return 0;
}

/* A `types` word that the content type has no signal of: 400, as HMA. */
static const char *unknown_type(const char *types, const char *const *known, size_t count)
{
    static _Thread_local char word[64];
    for (const char *p = types; p && *p;) {
        while (*p == ' ' || *p == ',')
            p++;
        size_t len = strcspn(p, ",");
        size_t trimmed = len;
        while (trimmed && p[trimmed - 1] == ' ')
            trimmed--;
        if (trimmed) {
            int ok = 0;
            for (size_t i = 0; i < count; i++)
                ok |= strlen(known[i]) == trimmed && !strncmp(p, known[i], trimmed);
            if (!ok) {
                snprintf(word, sizeof word, "%.*s", (int)(trimmed < 60 ? trimmed : 60), p);
                return word;
            }
        }
        p += len;
    }
    return NULL;
}

/* Hash data as a photo or a video into the JSON of its signals; 0 after
 * answering an error. */
static int hash_bytes(vg_http_request *req, const uint8_t *data, size_t len, int video,
                      void **signals_json)
{
    static const char *const photo_types[] = {"pdq"};
    static const char *const video_types[] = {"video_md5", "vpdq"};
    const char *types = vg_http_query(req, "types");
    const char *bad =
        video ? unknown_type(types, video_types, 2) : unknown_type(types, photo_types, 1);
    if (bad) {
        vg_hma_error(req, 400, "signal type '%s' doesn't exist or is disabled", bad);
        return 0;
    }
    vg_media_signals s;
    vg_error err;
    vg_status st = vg_hotline_hash_media(data, len, video, &s, &err);
    if (st != VG_OK) {
        vg_hma_error(req, st == VG_ERR_NOMEM ? 500 : 400, "the %s could not be hashed: %s",
                     video ? "video" : "photo", err.message);
        vg_media_signals_clear(&s);
        return 0;
    }
    json_t *o = json_object();
    if (o && !video && wanted(types, "pdq"))
        json_object_set_new(o, "pdq", json_string(s.pdq));
    if (o && video && wanted(types, "video_md5"))
        json_object_set_new(o, "video_md5", json_string(s.md5));
    if (o && video && wanted(types, "vpdq"))
        json_object_set_new(o, "vpdq", json_string(s.vpdq));
    vg_media_signals_clear(&s);
    if (!o) {
        vg_hma_error(req, 500, "out of memory");
        return 0;
    }
    *signals_json = o;
    return 1;
}

/* GET ...?url=: fetched only when the operator allows it, from public
 * addresses only (vigie/fetch.h), the content type from content_type or
 * the answer's, as HMA does. */
static int hash_url(vg_http_request *req, const char *url, void **signals_json)
{
    vg_hma *hma = vg_http_route_ctx(req);
    if (!hma->allow_url_fetch) {
        vg_hma_error(req, 403,
                     "Fetching a URL is off on this server (hma.allow_url_fetch): "
                     "send the file with POST (multipart field \"photo\" or "
                     "\"video\")");
        return 0;
    }
    const char *asked = vg_http_query(req, "content_type");
    if (asked && *asked && strcmp(asked, "photo") && strcmp(asked, "video")) {
        vg_hma_error(req, 400, "no such content_type: '%.64s'", asked);
        return 0;
    }
    vg_fetch_options opts = {.max_bytes = hma->max_upload,
                             .timeout_seconds = 30,
                             .allow_plain_http = hma->fetch_local_for_tests,
                             .allow_private_addresses = hma->fetch_local_for_tests};
    vg_fetch_result got;
    vg_error err;
    vg_status st = vg_fetch(url, &opts, &got, &err);
    if (st != VG_OK) {
        vg_hma_error(req,
                     st == VG_ERR_INVALID     ? 400
                     : st == VG_ERR_TOO_LARGE ? 413
                                              : 502,
                     "%s", err.message);
        return 0;
    }
    int video;
    if (asked && *asked)
        video = !strcmp(asked, "video");
    else if (!strncasecmp(got.content_type, "image", 5) ||
             !strncasecmp(got.content_type, "video", 5))
        video = !strncasecmp(got.content_type, "video", 5);
    else {
        vg_hma_error(req, 400,
                     "unsupported url ContentType: '%.64s', if you know the expected "
                     "type, provide it with the content_type query param",
                     got.content_type);
        vg_fetch_result_free(&got);
        return 0;
    }
    int ok = hash_bytes(req, got.data, got.len, video, signals_json);
    vg_fetch_result_free(&got);
    return ok;
}

int vg_hma_hash_request(vg_http_request *req, void **signals_json)
{
    *signals_json = NULL;
    const char *url = vg_http_query(req, "url");
    vg_hma_upload *u = vg_http_state(req);
    /* a GET's url=, or a POST's when no file came (HMA's content added by URL) */
    if (url && (!strcmp(vg_http_method(req), "GET") || !u || !u->files))
        return hash_url(req, url, signals_json);
    if (!u || !u->files) {
        vg_hma_error(req, 400, "Missing multipart/form-data file upload");
        return 0;
    }
    if (u->files > 1) {
        vg_hma_error(req, 400, "Only one file allowed per request");
        return 0;
    }
    int video = !strcmp(u->field, "video");
    if (!video && strcmp(u->field, "photo")) {
        vg_hma_error(req, 400, "no such content_type: '%.64s'", u->field);
        return 0;
    }
    return hash_bytes(req, u->data, u->len, video, signals_json);
}

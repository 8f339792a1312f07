/*
 * src/server/api/forwards.c - POST /api/v1/forwards/{id}/fate: a partner
 * hotline calls back with the fate of a report this hotline forwarded to
 * it (hotline/forwarding.h, docs/api.md#callbacks).
 *
 * {id} is the partner's id for the report (its answer to the forward);
 * the body is the JSON its GET /api/v1/reports/{id} answers. The caller's
 * key must be one this hotline issued to that partner: its organisation is
 * the partner's key_org in routing.partners. A caller that is no partner
 * is refused 403, a reference that partner was not sent 404 (both
 * audited), a body that is not a fate document 400; the same callback
 * twice, or callbacks out of order, change nothing more.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "hotline/forwarding.h"
#include "server/api/api.h"

/* "{id}/fate" after the prefix: id (1 to 128 of [A-Za-z0-9_-]) into out. */
static int reference_of(const char *rest, char out[129])
{
    const char *slash = strchr(rest, '/');
    size_t n = slash ? (size_t)(slash - rest) : 0;
    if (!slash || strcmp(slash, "/fate") || n == 0 || n > 128)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((rest[i] >= '0' && rest[i] <= '9') || (rest[i] >= 'a' && rest[i] <= 'z') ||
              (rest[i] >= 'A' && rest[i] <= 'Z') || rest[i] == '-' || rest[i] == '_'))
            return 0;
    memcpy(out, rest, n);
    out[n] = 0;
    return 1;
}

void vg_api_forward_fate(vg_http_request *req)
{
    vg_hotline *h = vg_http_route_ctx(req);
    static const char prefix[] = "/api/v1/forwards/";
    const char *path = vg_http_path(req);
    char reference[129];
    if (strncmp(path, prefix, sizeof prefix - 1) ||
        !reference_of(path + sizeof prefix - 1, reference)) {
        vg_http_json_error(req, 404, "not_found",
                           "Call back at /api/v1/forwards/{id}/fate, {id} being your id for "
                           "the report we forwarded.");
        return;
    }
    if (!vg_http_content_type_is(req, "application/json")) {
        vg_http_json_error(req, 415, "unsupported_media_type",
                           "Send the report's fate as application/json.");
        return;
    }
    size_t len = 0;
    const char *body = vg_http_body(req, &len);
    const vg_http_caller *caller = vg_http_caller_of(req);
    vg_callback_verdict verdict;
    size_t learned = 0;
    vg_error why, err;
    vg_error_clear(&why);
    if (vg_hotline_partner_called_back(h, caller ? caller->org : NULL, vg_http_actor(req),
                                       reference, body, len, (int64_t)time(NULL), &verdict,
                                       &learned, &why, &err) != VG_OK) {
        vg_http_json_error(req, 503, "storage_error", "The callback could not be recorded; "
                                                      "try again.");
        return;
    }
    switch (verdict) {
    case VG_CALLBACK_TAKEN: {
        char answer[64];
        int n = snprintf(answer, sizeof answer, "{\"learned\":%zu}", learned);
        vg_http_respond(req, 200, "application/json", answer, (size_t)n);
        break;
    }
    case VG_CALLBACK_INVALID:
        vg_http_json_error(req, 400, "invalid_fate", "%s.", why.message);
        break;
    case VG_CALLBACK_NOT_PARTNER:
        vg_http_json_error(req, 403, "not_a_partner",
                           "This key was not issued to a partner hotline of ours.");
        break;
    case VG_CALLBACK_NOT_FORWARDED:
        vg_http_json_error(req, 404, "not_found",
                           "We forwarded you no report you know by this id.");
        break;
    }
}

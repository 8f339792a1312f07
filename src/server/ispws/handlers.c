/*
 * src/server/ispws/handlers.c - the CyberTipline-compatible endpoints
 * (ispws.h). Each reads the request, calls the open-report use case
 * (hotline/ispws.h) and answers in the API's XML.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server/ispws/ispws.h"
#include "server/uploads.h"

static int64_t key_of(vg_http_request *req)
{
    const vg_http_caller *c = vg_http_caller_of(req);
    return c ? c->api_key_id : 0;
}

void vg_ispws_status(vg_http_request *req)
{
    const vg_http_caller *c = vg_http_caller_of(req);
    char text[300];
    snprintf(text, sizeof text, "Remote User : %s", c && c->org ? c->org : "");
    vg_ispws_respond(req, VG_ISPWS_OK, text, 0, NULL, NULL);
}

void vg_ispws_submit(vg_http_request *req)
{
    vg_ispws_api *api = vg_http_route_ctx(req);
    vg_hotline *h = api->srv->hotline;
    size_t len = 0;
    const char *body = vg_http_body(req, &len);
    vg_intake_draft *d = malloc(sizeof *d);
    vg_error err;
    if (!d || vg_intake_draft_init(d, "api", &err) != VG_OK) {
        free(d);
        vg_ispws_respond(req, VG_ISPWS_SERVER_ERROR, NULL, 0, NULL, NULL);
        return;
    }
    const vg_http_caller *c = vg_http_caller_of(req);
    d->report.api_key_id = c ? c->api_key_id : 0;
    d->report.receipt_secret_hash = NULL; /* partners track reports by number */
    char *claim = NULL, why[256];
    vg_ispws_code code = vg_ispws_read_report(h, body ? body : "", body ? len : 0,
                                              c && c->org ? c->org : NULL, d, &claim, why);
    if (code != VG_ISPWS_OK) {
        vg_intake_draft_free(h, d);
        free(d);
        free(claim);
        vg_ispws_respond(req, code, why, 0, NULL, NULL);
        return;
    }
    int64_t id = 0;
    code = vg_ispws_open(api->reports, key_of(req), d, claim, (int64_t)time(NULL), &id, &err);
    free(claim);
    vg_ispws_respond(req, code, code == VG_ISPWS_OK ? NULL : err.message, id, NULL, NULL);
}

vg_status vg_ispws_receive(vg_http_request *req, const char *field, const char *filename,
                           const char *content_type, const void *data, size_t size, uint64_t offset,
                           vg_error *msg)
{
    (void)content_type;
    vg_ispws_api *api = vg_http_route_ctx(req);
    return vg_uploads_receive(api->srv->hotline, req, field, filename, data, size, offset, msg);
}

void vg_ispws_upload_file(vg_http_request *req)
{
    vg_ispws_api *api = vg_http_route_ctx(req);
    int64_t id = vg_ispws_id_field(req);
    if (!id) {
        vg_ispws_respond(req, VG_ISPWS_INVALID, "the field \"id\" (the reportId) is required", 0,
                         NULL, NULL);
        return;
    }
    char file_id[33] = "", md5[33] = "";
    vg_error err;
    vg_ispws_code code = vg_ispws_upload(api->reports, key_of(req), id, vg_uploads_set(req),
                                         (int64_t)time(NULL), file_id, md5, &err);
    if (code != VG_ISPWS_OK)
        vg_ispws_respond(req, code, err.message, id, NULL, NULL);
    else
        vg_ispws_respond(req, code, NULL, id, file_id, md5);
}

void vg_ispws_fileinfo(vg_http_request *req)
{
    vg_ispws_api *api = vg_http_route_ctx(req);
    size_t len = 0;
    const char *body = vg_http_body(req, &len);
    int64_t id = 0;
    char file_id[64], *details = NULL, why[256];
    vg_ispws_code code =
        vg_ispws_read_file_details(body ? body : "", body ? len : 0, &id, file_id, &details, why);
    vg_error err;
    if (code == VG_ISPWS_OK) {
        code = vg_ispws_file_details(api->reports, key_of(req), id, file_id, details,
                                     (int64_t)time(NULL), &err);
        if (code != VG_ISPWS_OK)
            snprintf(why, sizeof why, "%.250s", err.message);
    }
    free(details);
    vg_ispws_respond(req, code, code == VG_ISPWS_OK ? NULL : why, id, NULL, NULL);
}

void vg_ispws_finish_report(vg_http_request *req)
{
    vg_ispws_api *api = vg_http_route_ctx(req);
    int64_t id = vg_ispws_id_field(req);
    if (!id) {
        vg_ispws_respond(req, VG_ISPWS_INVALID, "the field \"id\" (the reportId) is required", 0,
                         NULL, NULL);
        return;
    }
    char **files = NULL;
    size_t count = 0;
    vg_error err;
    vg_ispws_code code =
        vg_ispws_finish(api->reports, key_of(req), id, (int64_t)time(NULL), &files, &count, &err);
    if (code != VG_ISPWS_OK) {
        vg_ispws_respond(req, code, code == VG_ISPWS_SERVER_ERROR ? NULL : err.message, id, NULL,
                         NULL);
        return;
    }
    size_t cap = 512 + count * 48, n = 0;
    char *body = malloc(cap);
    if (body) {
        n += (size_t)snprintf(body, cap,
                              "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
                              "<reportDoneResponse><responseCode>0</responseCode>"
                              "<reportId>%" PRId64 "</reportId><files>",
                              id);
        for (size_t i = 0; i < count; i++)
            n += (size_t)snprintf(body + n, cap - n, "<fileId>%s</fileId>", files[i]);
        n += (size_t)snprintf(body + n, cap - n, "</files></reportDoneResponse>\n");
        vg_http_respond(req, 200, "application/xml; charset=utf-8", body, n);
    } else {
        /* the report is stored: say so, even without the list of files */
        vg_ispws_respond(req, VG_ISPWS_OK, NULL, id, NULL, NULL);
    }
    free(body);
    for (size_t i = 0; i < count; i++)
        free(files[i]);
    free(files);
}

void vg_ispws_retract_report(vg_http_request *req)
{
    vg_ispws_api *api = vg_http_route_ctx(req);
    int64_t id = vg_ispws_id_field(req);
    vg_error err;
    vg_ispws_code code =
        id ? vg_ispws_retract(api->reports, key_of(req), id, (int64_t)time(NULL), &err)
           : VG_ISPWS_INVALID;
    vg_ispws_respond(req, code,
                     !id                   ? "the field \"id\" (the reportId) is required"
                     : code == VG_ISPWS_OK ? NULL
                                           : err.message,
                     id, NULL, NULL);
}

/*
 * src/server/ispws/common.c - what the CyberTipline-compatible handlers
 * share: answers in the API's XML, and the report number of a form
 * (ispws.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/ispws/ispws.h"

/* Text for an XML element: &, < and > escaped, control characters
 * dropped (messages may quote what a sender sent). */
static void escape(char *out, size_t cap, const char *text)
{
    size_t n = 0;
    for (const char *p = text; *p && n + 6 < cap; p++) {
        const char *rep = *p == '&' ? "&amp;" : *p == '<' ? "&lt;" : *p == '>' ? "&gt;" : NULL;
        if (rep) {
            memcpy(out + n, rep, strlen(rep));
            n += strlen(rep);
        } else if ((unsigned char)*p >= 0x20 || *p == '\t') {
            out[n++] = *p;
        }
    }
    out[n] = 0;
}

static unsigned http_status(vg_ispws_code code)
{
    switch (code) {
    case VG_ISPWS_OK: return 200;
    case VG_ISPWS_NOT_AUTHENTICATED: return 401;
    case VG_ISPWS_NOT_AUTHORISED: return 403;
    case VG_ISPWS_SERVER_ERROR: return 500;
    default: return 400;
    }
}

void vg_ispws_respond(vg_http_request *req, vg_ispws_code code, const char *message,
                      int64_t report_id, const char *file_id, const char *md5)
{
    char text[600], body[1400];
    escape(text, sizeof text, message && *message ? message : vg_ispws_code_text(code));
    int n = snprintf(body, sizeof body,
                     "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
                     "<reportResponse><responseCode>%d</responseCode>"
                     "<responseDescription>%s</responseDescription>",
                     (int)code, text);
    if (report_id > 0)
        n += snprintf(body + n, sizeof body - (size_t)n, "<reportId>%" PRId64 "</reportId>",
                      report_id);
    if (file_id)
        n += snprintf(body + n, sizeof body - (size_t)n, "<fileId>%s</fileId>", file_id);
    if (md5)
        n += snprintf(body + n, sizeof body - (size_t)n, "<hash>%s</hash>", md5);
    n += snprintf(body + n, sizeof body - (size_t)n, "</reportResponse>\n");
    vg_http_respond(req, http_status(code), "application/xml; charset=utf-8", body, (size_t)n);
}

void vg_ispws_refuse(vg_http_request *req, unsigned status, const char *message)
{
    vg_ispws_code code = status == 401   ? VG_ISPWS_NOT_AUTHENTICATED
                         : status == 403 ? VG_ISPWS_NOT_AUTHORISED
                         : status >= 500 || status == 429 || status == 408 ? VG_ISPWS_SERVER_ERROR
                                                                           : VG_ISPWS_INVALID;
    char body[1000], text[600];
    escape(text, sizeof text, message);
    int n = snprintf(body, sizeof body,
                     "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
                     "<reportResponse><responseCode>%d</responseCode>"
                     "<responseDescription>%s</responseDescription></reportResponse>\n",
                     (int)code, text);
    vg_http_respond(req, status, "application/xml; charset=utf-8", body, (size_t)n);
}

int64_t vg_ispws_id_field(vg_http_request *req)
{
    const char *id = vg_http_param(req, "id");
    if (!id)
        id = vg_http_query(req, "id");
    char *end = NULL;
    long long n = id && *id >= '0' && *id <= '9' ? strtoll(id, &end, 10) : 0;
    return end && !*end && n > 0 ? (int64_t)n : 0;
}

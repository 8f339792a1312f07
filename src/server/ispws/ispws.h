/*
 * src/server/ispws/ispws.h - the CyberTipline-compatible intake, below
 * ispws.prefix (/ispws by default): GET /status, POST /submit (one XML
 * <report>), /upload (multipart "id" and "file"), /fileinfo (XML
 * <fileDetails>), /finish and /retract ("id"), answering
 * <reportResponse>/<reportDoneResponse> with NCMEC's responseCode values,
 * so that a platform's CyberTipline client sends the same reports to the
 * hotline by changing its base URL and credentials (HTTP Basic: any user
 * name, a partner key with the "report" scope as the password).
 * docs/interop-server.md says what is mapped where.
 *
 * The route table (ispws.c) names the handlers (handlers.c); what they
 * share is in common.c; the XML is read by report_xml.c, which knows
 * nothing of HTTP (tests/fuzz/fuzz_ispws.c feeds it).
 */
#ifndef VIGIE_SERVER_ISPWS_H
#define VIGIE_SERVER_ISPWS_H

#include <stddef.h>

#include "hotline/ispws.h"
#include "server/server.h"

typedef struct vg_ispws_api {
    vg_server *srv;
    vg_ispws *reports; /* the open reports */
    char prefix[64];   /* ispws.prefix, no trailing slash */
    char paths[6][96];
} vg_ispws_api;

vg_status vg_ispws_api_open(vg_server *srv, void **state, vg_error *err);
vg_status vg_ispws_api_routes(vg_server *srv, void *state, vg_error *err);
void vg_ispws_api_free(void *state);

/* ---- common.c ---- */

/* <reportResponse> with code, its description (or message when given),
 * and the members given (report_id 0: none; file_id, md5 NULL: none). */
void vg_ispws_respond(vg_http_request *req, vg_ispws_code code, const char *message,
                      int64_t report_id, const char *file_id, const char *md5);
/* The refusals of the HTTP layer below the prefix, in the same shape. */
void vg_ispws_refuse(vg_http_request *req, unsigned status, const char *message);
/* The "id" field of a form or multipart body as a report number; 0 when
 * it is missing or not a positive number. */
int64_t vg_ispws_id_field(vg_http_request *req);

/* ---- report_xml.c: documents to vigie's words ---- */

/* Read a <report> document (len bytes) into d (initialised by the caller)
 * and the sender's claim about it (*claim: a malloc'd JSON object text,
 * the whole document as data). platform is the sender's organisation, the
 * platform when the report names no service. VG_ISPWS_OK, or
 * VG_ISPWS_MALFORMED / VG_ISPWS_INVALID with why[256] saying what. */
vg_ispws_code vg_ispws_read_report(vg_hotline *h, const char *xml, size_t len, const char *platform,
                                   vg_intake_draft *d, char **claim, char why[256]);
/* Read a <fileDetails> document: its reportId, fileId (into file_id[64])
 * and the details as a malloc'd JSON object text. */
vg_ispws_code vg_ispws_read_file_details(const char *xml, size_t len, int64_t *report_id,
                                         char file_id[64], char **details, char why[256]);

/* ---- handlers.c ---- */

void vg_ispws_status(vg_http_request *req);
void vg_ispws_submit(vg_http_request *req);
void vg_ispws_upload_file(vg_http_request *req);
void vg_ispws_fileinfo(vg_http_request *req);
void vg_ispws_finish_report(vg_http_request *req);
void vg_ispws_retract_report(vg_http_request *req);
vg_status vg_ispws_receive(vg_http_request *req, const char *field, const char *filename,
                           const char *content_type, const void *data, size_t size, uint64_t offset,
                           vg_error *msg);

#endif

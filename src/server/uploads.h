/*
 * src/server/uploads.h - files streaming in with a request, for the routes
 * that take them (the report form, the partner API).
 *
 * The HTTP layer hands each chunk of a multipart file part to the route's
 * on_file receiver before the handler runs. These functions keep the
 * request's vg_upload_set (hotline/evidence.h) in request-scoped state, so
 * that whatever ends the request (a refusal, an abort, a reset) removes
 * the files nobody took.
 */
#ifndef VIGIE_SERVER_UPLOADS_H
#define VIGIE_SERVER_UPLOADS_H

#include "hotline/evidence.h"
#include "web/http.h"

/* The body of an on_file receiver (web/http.h) for files of field "file". */
vg_status vg_uploads_receive(vg_hotline *h, vg_http_request *req, const char *field,
                             const char *filename, const void *data, size_t size, uint64_t offset,
                             vg_error *msg);

/* The request's set of files, or NULL when none came. */
vg_upload_set *vg_uploads_set(vg_http_request *req);

/* Hand the request's files to the draft (none: nothing to do). */
vg_status vg_uploads_take(vg_http_request *req, vg_intake_draft *d, vg_error *err);

#endif

/*
 * src/server/uploads.c - a request's files, kept in its state (uploads.h).
 */
#include "server/uploads.h"

#include <string.h>

static void set_free(void *state)
{
    vg_upload_set_free(state);
}

vg_status vg_uploads_receive(vg_hotline *h, vg_http_request *req, const char *field,
                             const char *filename, const void *data, size_t size, uint64_t offset,
                             vg_error *msg)
{
    /* A browser sends the file field even when no file was chosen: an
     * empty part without a name. That is no file. */
    if ((!filename || !filename[0]) && size == 0)
        return VG_OK;
    if (strcmp(field, "file") != 0)
        return vg_error_set(msg, VG_ERR_INVALID, "Files are sent in fields named \"file\".");
    vg_upload_set *set = vg_http_state(req);
    if (!set) {
        vg_status st = vg_upload_set_new(h, &set, msg);
        if (st != VG_OK)
            return st;
        vg_http_set_state(req, set, set_free);
    }
    vg_status st = vg_upload_set_write(set, offset == 0, filename, data, size, msg);
    if (st == VG_ERR_IO)
        vg_http_log(vg_http_server(req), "error", "the vault refused a file");
    return st;
}

vg_status vg_uploads_take(vg_http_request *req, vg_intake_draft *d, vg_error *err)
{
    return vg_upload_set_take(vg_http_state(req), d, err);
}

vg_upload_set *vg_uploads_set(vg_http_request *req)
{
    return vg_http_state(req);
}

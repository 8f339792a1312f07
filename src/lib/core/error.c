/* Error values: a status plus a sentence, owned by the caller. */
#include <stdio.h>
#include <string.h>

#include "vigie/error.h"

const char *vg_status_name(vg_status status)
{
    switch (status) {
    case VG_OK: return "ok";
    case VG_ERR_INVALID: return "invalid";
    case VG_ERR_NOMEM: return "out-of-memory";
    case VG_ERR_IO: return "io";
    case VG_ERR_UNSUPPORTED: return "unsupported";
    case VG_ERR_CORRUPT: return "corrupt";
    case VG_ERR_TOO_LARGE: return "too-large";
    case VG_ERR_ABORTED: return "aborted";
    }
    return "unknown";
}

vg_status vg_error_setv(vg_error *err, vg_status status, const char *fmt, va_list ap)
{
    if (err) {
        err->status = status;
        vsnprintf(err->message, sizeof err->message, fmt, ap);
    }
    return status;
}

vg_status vg_error_set(vg_error *err, vg_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vg_error_setv(err, status, fmt, ap);
    va_end(ap);
    return status;
}

void vg_error_prefix(vg_error *err, const char *fmt, ...)
{
    if (!err)
        return;
    char prefix[VG_ERROR_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    if (n <= 0)
        return;
    size_t plen = strlen(prefix);
    size_t mlen = strnlen(err->message, sizeof err->message - 1);
    if (plen >= sizeof err->message - 1)
        plen = sizeof err->message - 1;
    if (plen + mlen >= sizeof err->message)
        mlen = sizeof err->message - 1 - plen;
    memmove(err->message + plen, err->message, mlen);
    memcpy(err->message, prefix, plen);
    err->message[plen + mlen] = '\0';
}

void vg_error_clear(vg_error *err)
{
    if (err) {
        err->status = VG_OK;
        err->message[0] = '\0';
    }
}

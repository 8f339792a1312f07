/*
 * vigie/error.h - how libvigie reports failure.
 *
 * Every fallible function returns a vg_status and, when the caller passes a
 * vg_error, fills it with a sentence a person can act on ("photo.jpg: JPEG
 * data is truncated (premature end of data segment)"). The library never
 * prints, never exits and keeps no global error state: the vg_error belongs
 * to the caller and may live on its stack. Passing NULL for the error is
 * allowed when only the status matters.
 */
#ifndef VIGIE_ERROR_H
#define VIGIE_ERROR_H

#include <stdarg.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum vg_status {
    VG_OK = 0,
    VG_ERR_INVALID,     /* the caller passed a bad argument */
    VG_ERR_NOMEM,       /* an allocation failed */
    VG_ERR_IO,          /* the operating system refused a read, open or stat */
    VG_ERR_UNSUPPORTED, /* a format or feature vigie does not handle */
    VG_ERR_CORRUPT,     /* the input is malformed or truncated */
    VG_ERR_TOO_LARGE,   /* the input exceeds a configured limit */
    VG_ERR_ABORTED      /* a callback asked to stop */
} vg_status;

#define VG_ERROR_MESSAGE_MAX 512

typedef struct vg_error {
    vg_status status;
    char message[VG_ERROR_MESSAGE_MAX];
} vg_error;

/* A short stable name for a status ("corrupt", "too-large", ...). */
const char *vg_status_name(vg_status status);

/* Record a failure in err (if not NULL) and return status, so that
 * "return vg_error_set(err, VG_ERR_IO, ...);" reads naturally. */
vg_status vg_error_set(vg_error *err, vg_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
vg_status vg_error_setv(vg_error *err, vg_status status, const char *fmt, va_list ap);

/* Prepend context, typically a file name: "x.png: " + existing message. */
void vg_error_prefix(vg_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Reset to VG_OK with an empty message. */
void vg_error_clear(vg_error *err);

#ifdef __cplusplus
}
#endif
#endif

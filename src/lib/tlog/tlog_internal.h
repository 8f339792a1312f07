/*
 * src/lib/tlog/tlog_internal.h - what the files of the tlog module share.
 */
#ifndef VIGIE_TLOG_INTERNAL_H
#define VIGIE_TLOG_INTERNAL_H

#include <stddef.h>

#include "vigie/error.h"

/* Decode standard base64 with padding (len bytes at s) into out (cap
 * bytes), *out_len bytes: VG_ERR_CORRUPT unless s is the one canonical
 * spelling of the bytes. */
vg_status vg_tlog_base64_decode(const char *s, size_t len, unsigned char *out, size_t cap,
                                size_t *out_len);
/* 1 when s[0..len) is valid UTF-8 (no overlong forms, no surrogates). */
int vg_tlog_utf8_valid(const char *s, size_t len);

#endif

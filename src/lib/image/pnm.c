/*
 * pnm.c - Netpbm images (P1..P6), parsed here.
 *
 * Plain (ASCII) and raw variants of PBM, PGM and PPM, comments anywhere in
 * the header, maxval up to 65535 (two big-endian bytes per raw sample
 * above 255). Samples are scaled to 8 bits with rounding; PBM's 1 is black.
 */
#include <stdlib.h>
#include <string.h>

#include "image/image_internal.h"

typedef struct cursor {
    const uint8_t *p, *end;
} cursor;

static bool is_space(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Skip whitespace and '#' comments (which run to the end of the line). */
static void skip_blanks(cursor *c)
{
    while (c->p < c->end) {
        if (is_space(*c->p)) {
            c->p++;
        } else if (*c->p == '#') {
            while (c->p < c->end && *c->p != '\n' && *c->p != '\r')
                c->p++;
        } else {
            break;
        }
    }
}

/* A decimal number no larger than limit; false if absent or too large. */
static bool read_number(cursor *c, uint32_t limit, uint32_t *out)
{
    skip_blanks(c);
    if (c->p >= c->end || *c->p < '0' || *c->p > '9')
        return false;
    uint64_t v = 0;
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
        v = v * 10 + (uint64_t)(*c->p - '0');
        if (v > limit)
            return false;
        c->p++;
    }
    *out = (uint32_t)v;
    return true;
}

vg_status vg_decode_pnm(vg_decoder *dec, const uint8_t *data, size_t len)
{
    cursor c = {data + 2, data + len};
    int kind = data[1] - '0';
    bool plain = kind <= 3;
    bool bitmap = kind == 1 || kind == 4;
    unsigned channels = (kind == 3 || kind == 6) ? 3 : 1;
    uint32_t width, height, maxval = 1;
    if (!read_number(&c, UINT32_MAX, &width) || !read_number(&c, UINT32_MAX, &height))
        return vg_decoder_fail(dec, VG_ERR_CORRUPT, "PNM header is truncated or invalid");
    if (!bitmap && !read_number(&c, 65535, &maxval))
        return vg_decoder_fail(dec, VG_ERR_CORRUPT, "PNM maxval is missing or above 65535");
    if (maxval == 0)
        return vg_decoder_fail(dec, VG_ERR_CORRUPT, "PNM maxval is 0");
    if (width == 0 || height == 0)
        return vg_decoder_fail(dec, VG_ERR_CORRUPT, "PNM image has no pixels");
    if (!vg_decoder_size_ok(dec, width, height))
        return vg_decoder_too_large(dec, width, height);
    if (!plain) {
        /* Exactly one whitespace byte separates the header from raw data. */
        if (c.p >= c.end || !is_space(*c.p))
            return vg_decoder_fail(dec, VG_ERR_CORRUPT, "PNM header is truncated");
        c.p++;
        size_t sample_bytes = maxval > 255 ? 2 : 1;
        size_t row = bitmap ? ((size_t)width + 7) / 8 : (size_t)width * channels * sample_bytes;
        if ((size_t)(c.end - c.p) / row < height)
            return vg_decoder_fail(dec, VG_ERR_CORRUPT, "PNM pixel data is truncated");
    } else if ((size_t)(c.end - c.p) / ((size_t)width * channels) < height) {
        /* Every plain sample takes at least one character. */
        return vg_decoder_fail(dec, VG_ERR_CORRUPT, "PNM pixel data is truncated");
    }

    vg_pixel_layout layout = channels == 3 ? VG_PIXEL_RGB8 : VG_PIXEL_GRAY8;
    vg_color_model model = channels == 3 ? VG_COLOR_RGB : VG_COLOR_GRAY;
    uint8_t bits = 1;
    while (bits < 16 && (1u << bits) - 1 < maxval)
        bits++;
    vg_status st = vg_decoder_begin(dec, width, height, layout, model, bits);
    if (st != VG_OK)
        return st;
    size_t out_len = (size_t)width * channels;
    uint8_t *out = malloc(out_len);
    if (!out)
        return vg_decoder_fail(dec, VG_ERR_NOMEM, "PNM: out of memory");

    for (uint32_t y = 0; y < height && st == VG_OK; y++) {
        if (bitmap && plain) {
            for (uint32_t x = 0; x < width; x++) {
                skip_blanks(&c);
                if (c.p >= c.end || (*c.p != '0' && *c.p != '1')) {
                    st = vg_decoder_fail(dec, VG_ERR_CORRUPT, "PBM data is truncated or invalid");
                    break;
                }
                out[x] = *c.p++ == '1' ? 0 : 255;
            }
        } else if (bitmap) {
            for (uint32_t x = 0; x < width; x++)
                out[x] = (c.p[x / 8] >> (7 - x % 8)) & 1 ? 0 : 255;
            c.p += ((size_t)width + 7) / 8;
        } else if (plain) {
            for (size_t i = 0; i < out_len; i++) {
                uint32_t v;
                if (!read_number(&c, maxval, &v)) {
                    st = vg_decoder_fail(dec, VG_ERR_CORRUPT,
                                         "PNM sample is missing or above maxval");
                    break;
                }
                out[i] = vg_scale_maxval(v, maxval);
            }
        } else if (maxval > 255) {
            for (size_t i = 0; i < out_len; i++, c.p += 2)
                out[i] = vg_scale_maxval((uint32_t)c.p[0] << 8 | c.p[1], maxval);
        } else if (maxval == 255) {
            memcpy(out, c.p, out_len);
            c.p += out_len;
        } else {
            for (size_t i = 0; i < out_len; i++)
                out[i] = vg_scale_maxval(c.p[i], maxval);
            c.p += out_len;
        }
        if (st == VG_OK)
            st = vg_decoder_row(dec, out);
    }
    free(out);
    return st;
}

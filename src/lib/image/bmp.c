/*
 * bmp.c - Windows and OS/2 bitmaps, parsed here.
 *
 * Headers: OS/2 core (12 bytes), OS/2 2.x (16..64), Windows INFO (40) and
 * its extensions v2..v5 (52, 56, 108, 124). Depths 1, 2, 4, 8 (palette),
 * 16 and 32 (bit fields, default 5-5-5 and 8-8-8), 24 (BGR). RLE8 and RLE4
 * are expanded into one byte per pixel first; uncompressed rows are read in
 * place, from the bottom of the file up for the usual bottom-up layout.
 * Embedded JPEG/PNG and OS/2 Huffman bitmaps are refused as unsupported.
 */
#include <stdlib.h>
#include <string.h>

#include "image/image_internal.h"

enum { BI_RGB = 0, BI_RLE8 = 1, BI_RLE4 = 2, BI_BITFIELDS = 3, BI_JPEG = 4, BI_PNG = 5,
       BI_ALPHABITFIELDS = 6 };

static uint32_t u16le(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static uint32_t u32le(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

typedef struct bit_field {
    uint32_t mask;
    unsigned shift;
    uint64_t max; /* the field's largest value */
} bit_field;

static bit_field make_field(uint32_t mask)
{
    bit_field f = {mask, 0, 0};
    if (!mask)
        return f;
    while (!((mask >> f.shift) & 1u))
        f.shift++;
    f.max = mask >> f.shift; /* holes in a mask are kept: a crafted mask still scales */
    return f;
}

static uint8_t field_value(const bit_field *f, uint32_t pixel)
{
    if (!f->max)
        return 0;
    uint64_t v = (pixel & f->mask) >> f->shift;
    return (uint8_t)((v * 255u + f->max / 2u) / f->max);
}

static unsigned field_bits(const bit_field *f)
{
    unsigned n = 0;
    for (uint64_t m = f->max; m; m >>= 1)
        n++;
    return n;
}

typedef struct bmp {
    uint32_t width, height;
    bool top_down;
    unsigned bpp;
    uint32_t compression;
    uint8_t palette[256][3];
    unsigned colors;
    bool gray_palette;
    bit_field fields[4]; /* R, G, B, A */
    size_t stride;       /* bytes per stored row, padded to 4 */
    const uint8_t *pixels;
    size_t pixels_len;
} bmp;

static vg_status parse_header(vg_decoder *dec, const uint8_t *data, size_t len, bmp *b)
{
    if (len < 14 + 12)
        return vg_decoder_fail(dec, VG_ERR_CORRUPT, "BMP header is truncated");
    uint32_t offbits = u32le(data + 10);
    uint32_t hsize = u32le(data + 14);
    const uint8_t *h = data + 14;
    if (hsize < 12 || hsize > len - 14)
        return vg_decoder_fail(dec, VG_ERR_CORRUPT, "BMP header size %u is invalid", hsize);
    int64_t w, hgt;
    unsigned palette_entry = 4;
    bool os2 = false;
    if (hsize == 12) {
        w = u16le(h + 4);
        hgt = (int16_t)u16le(h + 6); /* OS/2 1.x sizes are unsigned in theory, signed in BMPs seen */
        if (hgt < 0)
            hgt = u16le(h + 6);
        b->bpp = u16le(h + 10);
        b->compression = BI_RGB;
        palette_entry = 3;
        os2 = true;
    } else if (hsize >= 16) {
        w = (int32_t)u32le(h + 4);
        hgt = (int32_t)u32le(h + 8);
        b->bpp = u16le(h + 14);
        b->compression = hsize >= 20 ? u32le(h + 16) : BI_RGB;
        os2 = hsize == 16 || hsize == 64;
        if (os2 && (b->compression == 3 || b->compression == 4))
            return vg_decoder_fail(dec, VG_ERR_UNSUPPORTED,
                                   "BMP uses OS/2 Huffman or RLE24 compression");
    } else {
        return vg_decoder_fail(dec, VG_ERR_CORRUPT, "BMP header size %u is invalid", hsize);
    }
    if (w <= 0 || hgt == 0)
        return vg_decoder_fail(dec, VG_ERR_CORRUPT, "BMP image has no pixels");
    b->top_down = hgt < 0;
    uint64_t height = (uint64_t)(hgt < 0 ? -hgt : hgt);
    if (!vg_decoder_size_ok(dec, (uint64_t)w, height))
        return vg_decoder_too_large(dec, (uint64_t)w, height);
    b->width = (uint32_t)w;
    b->height = (uint32_t)height;

    switch (b->compression) {
    case BI_RGB:
    case BI_BITFIELDS:
    case BI_ALPHABITFIELDS:
        break;
    case BI_RLE8:
        if (b->bpp != 8)
            return vg_decoder_fail(dec, VG_ERR_CORRUPT, "BMP RLE8 needs 8 bits per pixel");
        break;
    case BI_RLE4:
        if (b->bpp != 4)
            return vg_decoder_fail(dec, VG_ERR_CORRUPT, "BMP RLE4 needs 4 bits per pixel");
        break;
    case BI_JPEG:
    case BI_PNG:
        return vg_decoder_fail(dec, VG_ERR_UNSUPPORTED, "BMP with embedded JPEG or PNG data");
    default:
        return vg_decoder_fail(dec, VG_ERR_UNSUPPORTED, "BMP compression %u is not supported",
                               b->compression);
    }
    if (b->bpp != 1 && b->bpp != 2 && b->bpp != 4 && b->bpp != 8 && b->bpp != 16 &&
        b->bpp != 24 && b->bpp != 32)
        return vg_decoder_fail(dec, VG_ERR_CORRUPT, "BMP depth of %u bits is invalid", b->bpp);

    /* Bit fields: in the header from v2 on, else just after the 40 bytes. */
    size_t after_header = 14 + (size_t)hsize;
    if (b->compression == BI_BITFIELDS || b->compression == BI_ALPHABITFIELDS) {
        if (b->bpp != 16 && b->bpp != 32)
            return vg_decoder_fail(dec, VG_ERR_CORRUPT, "BMP bit fields need 16 or 32 bits");
        size_t nmasks = b->compression == BI_ALPHABITFIELDS ? 4 : 3;
        const uint8_t *m;
        if (hsize >= 52) {
            m = h + 40;
            if (hsize >= 56)
                nmasks = 4;
        } else {
            if (after_header + 4 * nmasks > len)
                return vg_decoder_fail(dec, VG_ERR_CORRUPT, "BMP bit fields are truncated");
            m = data + after_header;
            after_header += 4 * nmasks;
        }
        for (size_t i = 0; i < nmasks; i++)
            b->fields[i] = make_field(u32le(m + 4 * i));
    } else if (b->bpp == 16) {
        b->fields[0] = make_field(0x7C00);
        b->fields[1] = make_field(0x03E0);
        b->fields[2] = make_field(0x001F);
    } else if (b->bpp == 32) {
        b->fields[0] = make_field(0x00FF0000);
        b->fields[1] = make_field(0x0000FF00);
        b->fields[2] = make_field(0x000000FF);
    }

    b->gray_palette = true;
    if (b->bpp <= 8) {
        uint32_t used = os2 || hsize < 36 ? 0 : u32le(h + 32);
        uint32_t max = 1u << b->bpp;
        b->colors = used && used < max ? used : max;
        size_t avail = offbits > after_header ? (offbits - after_header) / palette_entry : 0;
        if (after_header <= len && avail > (len - after_header) / palette_entry)
            avail = (len - after_header) / palette_entry;
        if (b->colors > avail)
            b->colors = (unsigned)avail; /* short palettes happen; missing entries are black */
        memset(b->palette, 0, sizeof b->palette);
        for (unsigned i = 0; i < b->colors; i++) {
            const uint8_t *e = data + after_header + (size_t)i * palette_entry;
            b->palette[i][0] = e[2];
            b->palette[i][1] = e[1];
            b->palette[i][2] = e[0];
            if (e[0] != e[1] || e[1] != e[2])
                b->gray_palette = false;
        }
    } else {
        b->gray_palette = false;
    }

    if (offbits >= len)
        return vg_decoder_fail(dec, VG_ERR_CORRUPT, "BMP pixel data is missing");
    b->pixels = data + offbits;
    b->pixels_len = len - offbits;
    b->stride = (((size_t)b->width * b->bpp + 31) / 32) * 4;
    return VG_OK;
}

/* Convert one stored row (or a row of RLE indices when `indexed`). */
static void convert_row(const bmp *b, const uint8_t *src, bool indexed, vg_pixel_layout layout,
                        uint8_t *out)
{
    for (uint32_t x = 0; x < b->width; x++) {
        uint8_t rgb[3];
        if (indexed || b->bpp <= 8) {
            unsigned idx;
            if (indexed || b->bpp == 8) {
                idx = src[x];
            } else {
                size_t bit = (size_t)x * b->bpp;
                idx = (src[bit / 8] >> (8 - b->bpp - bit % 8)) & ((1u << b->bpp) - 1);
            }
            memcpy(rgb, b->palette[idx & 0xff], 3);
        } else if (b->bpp == 24) {
            rgb[0] = src[3 * x + 2];
            rgb[1] = src[3 * x + 1];
            rgb[2] = src[3 * x];
        } else {
            uint32_t px = b->bpp == 16 ? u16le(src + 2 * x) : u32le(src + 4 * x);
            for (int c = 0; c < 3; c++)
                rgb[c] = field_value(&b->fields[c], px);
        }
        if (layout == VG_PIXEL_GRAY8)
            out[x] = rgb[0];
        else
            memcpy(out + 3 * (size_t)x, rgb, 3);
    }
}

/* Expand RLE8/RLE4 into indices, stored-row order (bottom-up unless
 * top_down). Pixels the stream skips stay index 0. */
static vg_status expand_rle(vg_decoder *dec, const bmp *b, uint8_t *idx)
{
    const uint8_t *p = b->pixels, *end = b->pixels + b->pixels_len;
    uint32_t x = 0, y = 0;
    bool rle4 = b->compression == BI_RLE4;
    while (y < b->height) {
        if (end - p < 2)
            return vg_decoder_fail(dec, VG_ERR_CORRUPT, "BMP RLE data is truncated");
        unsigned count = p[0], value = p[1];
        p += 2;
        if (count) {
            for (unsigned i = 0; i < count && x < b->width; i++, x++)
                idx[(size_t)y * b->width + x] =
                    rle4 ? (uint8_t)(i & 1 ? value & 0x0f : value >> 4) : (uint8_t)value;
            continue;
        }
        if (value == 0) { /* end of line */
            x = 0;
            y++;
        } else if (value == 1) { /* end of bitmap */
            break;
        } else if (value == 2) { /* delta */
            if (end - p < 2)
                return vg_decoder_fail(dec, VG_ERR_CORRUPT, "BMP RLE data is truncated");
            x += p[0];
            y += p[1];
            p += 2;
        } else { /* absolute run of `value` pixels, padded to 16 bits */
            size_t bytes = rle4 ? (value + 1) / 2 : value;
            size_t padded = (bytes + 1) & ~(size_t)1;
            if ((size_t)(end - p) < bytes)
                return vg_decoder_fail(dec, VG_ERR_CORRUPT, "BMP RLE data is truncated");
            for (unsigned i = 0; i < value && x < b->width; i++, x++) {
                uint8_t v = rle4 ? (uint8_t)(i & 1 ? p[i / 2] & 0x0f : p[i / 2] >> 4) : p[i];
                if (y < b->height)
                    idx[(size_t)y * b->width + x] = v;
            }
            p += (size_t)(end - p) < padded ? bytes : padded;
        }
    }
    return VG_OK;
}

vg_status vg_decode_bmp(vg_decoder *dec, const uint8_t *data, size_t len)
{
    bmp b;
    memset(&b, 0, sizeof b);
    vg_status st = parse_header(dec, data, len, &b);
    if (st != VG_OK)
        return st;

    bool rle = b.compression == BI_RLE8 || b.compression == BI_RLE4;
    size_t row_bytes = ((size_t)b.width * b.bpp + 7) / 8;
    if (!rle && (b.pixels_len < row_bytes ||
                 (b.height > 1 && (b.pixels_len - row_bytes) / b.stride < b.height - 1)))
        return vg_decoder_fail(dec, VG_ERR_CORRUPT, "BMP pixel data is truncated");

    vg_pixel_layout layout = b.gray_palette ? VG_PIXEL_GRAY8 : VG_PIXEL_RGB8;
    vg_color_model model = b.bpp <= 8 ? (b.gray_palette ? VG_COLOR_GRAY : VG_COLOR_PALETTE)
                           : b.fields[3].mask ? VG_COLOR_RGBA
                                              : VG_COLOR_RGB;
    unsigned bits = b.bpp <= 8 ? b.bpp : b.bpp == 24 ? 8 : field_bits(&b.fields[1]);
    if (bits == 0 || bits > 255)
        bits = 8;

    st = vg_decoder_begin(dec, b.width, b.height, layout, model, (uint8_t)bits);
    if (st != VG_OK)
        return st;
    uint8_t *out = malloc((size_t)b.width * layout);
    uint8_t *indices = NULL;
    if (out && rle)
        indices = calloc((size_t)b.width, b.height);
    if (!out || (rle && !indices)) {
        free(out);
        return vg_decoder_fail(dec, VG_ERR_NOMEM, "BMP: out of memory");
    }
    if (rle)
        st = expand_rle(dec, &b, indices);
    for (uint32_t y = 0; y < b.height && st == VG_OK; y++) {
        uint32_t stored = b.top_down ? y : b.height - 1 - y;
        if (rle)
            convert_row(&b, indices + (size_t)stored * b.width, true, layout, out);
        else
            convert_row(&b, b.pixels + (size_t)stored * b.stride, false, layout, out);
        st = vg_decoder_row(dec, out);
    }
    free(indices);
    free(out);
    return st;
}

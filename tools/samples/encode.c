/*
 * encode.c - vigie_encode, the synthetic image writer (see encode.h).
 *
 * Every writer produces the whole file in a growable memory buffer; the
 * codec libraries write through small callbacks into it. Each writer
 * converts the raster to the stored model itself, with the same rules the
 * decoders use in reverse, so tests can predict decoded pixels exactly for
 * lossless variants.
 */
#include "encode.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gif_lib.h>
#include <jpeglib.h>
#include <libheif/heif.h>
#include <png.h>
#include <tiffio.h>
#include <webp/encode.h>

/* Growable output buffer ---------------------------------------------------- */

typedef struct buf {
    uint8_t *data;
    size_t len, cap, pos; /* pos: write position (TIFF seeks) */
    bool failed;
} buf;

static bool buf_reserve(buf *b, size_t need)
{
    if (need <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < need)
        cap *= 2;
    uint8_t *grown = realloc(b->data, cap);
    if (!grown) {
        b->failed = true;
        return false;
    }
    memset(grown + b->cap, 0, cap - b->cap);
    b->data = grown;
    b->cap = cap;
    return true;
}

static void buf_write_at(buf *b, size_t pos, const void *data, size_t n)
{
    if (b->failed || !buf_reserve(b, pos + n))
        return;
    memcpy(b->data + pos, data, n);
    if (pos + n > b->len)
        b->len = pos + n;
}

static void buf_put(buf *b, const void *data, size_t n)
{
    buf_write_at(b, b->len, data, n);
}

static void buf_u8(buf *b, unsigned v)
{
    uint8_t c = (uint8_t)v;
    buf_put(b, &c, 1);
}

static void buf_u16le(buf *b, unsigned v)
{
    uint8_t c[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    buf_put(b, c, 2);
}

static void buf_u32le(buf *b, uint32_t v)
{
    uint8_t c[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    buf_put(b, c, 4);
}

/* Raster access ------------------------------------------------------------- */

unsigned vg_raster_channels(vg_raster_kind kind)
{
    switch (kind) {
    case VG_RASTER_GRAY8:
    case VG_RASTER_GRAY16: return 1;
    case VG_RASTER_GRAYA8: return 2;
    case VG_RASTER_RGB8:
    case VG_RASTER_RGB16: return 3;
    case VG_RASTER_RGBA8:
    case VG_RASTER_CMYK8: return 4;
    }
    return 0;
}

unsigned vg_raster_sample_bytes(vg_raster_kind kind)
{
    return kind == VG_RASTER_GRAY16 || kind == VG_RASTER_RGB16 ? 2 : 1;
}

static bool is_gray(vg_raster_kind kind)
{
    return kind == VG_RASTER_GRAY8 || kind == VG_RASTER_GRAYA8 || kind == VG_RASTER_GRAY16;
}

static bool is_16(vg_raster_kind kind)
{
    return vg_raster_sample_bytes(kind) == 2;
}

/* Sample c of pixel (x, y), at its own depth. */
static unsigned sample(const vg_raster *r, uint32_t x, uint32_t y, unsigned c)
{
    size_t i = ((size_t)y * r->width + x) * vg_raster_channels(r->kind) + c;
    if (is_16(r->kind))
        return ((const uint16_t *)r->pixels)[i];
    return ((const uint8_t *)r->pixels)[i];
}

static uint8_t to8(unsigned v16)
{
    return (uint8_t)((v16 * 255u + 32767u) / 65535u);
}

static uint8_t gray_at(const vg_raster *r, uint32_t x, uint32_t y)
{
    unsigned v = sample(r, x, y, 0);
    return is_16(r->kind) ? to8(v) : (uint8_t)v;
}

/* The RGB a decoder reports for pixel (x, y). */
static void rgb_at(const vg_raster *r, uint32_t x, uint32_t y, uint8_t rgb[3])
{
    switch (r->kind) {
    case VG_RASTER_GRAY8:
    case VG_RASTER_GRAYA8:
    case VG_RASTER_GRAY16:
        rgb[0] = rgb[1] = rgb[2] = gray_at(r, x, y);
        return;
    case VG_RASTER_RGB16:
        for (int c = 0; c < 3; c++)
            rgb[c] = to8(sample(r, x, y, (unsigned)c));
        return;
    case VG_RASTER_CMYK8: {
        unsigned nk = 255u - sample(r, x, y, 3);
        for (int c = 0; c < 3; c++) {
            unsigned t = sample(r, x, y, (unsigned)c) * nk + 128u;
            rgb[c] = (uint8_t)(nk - (((t >> 8) + t) >> 8));
        }
        return;
    }
    default:
        for (int c = 0; c < 3; c++)
            rgb[c] = (uint8_t)sample(r, x, y, (unsigned)c);
        return;
    }
}

/* Palettes ---------------------------------------------------------------- */

typedef struct palette {
    uint8_t colors[256][3];
    unsigned count;
    uint8_t *indices; /* width*height, malloc'd */
} palette;

/* Exact colours when there are few enough, else an even grey ramp for grey
 * rasters, else a 6x7x6 colour cube (which needs 8-bit indices). */
static bool build_palette(const vg_raster *r, unsigned max_colors, palette *p)
{
    size_t n = (size_t)r->width * r->height;
    p->count = 0;
    p->indices = malloc(n ? n : 1);
    if (!p->indices)
        return false;
    bool exact = true;
    for (uint32_t y = 0; y < r->height && exact; y++)
        for (uint32_t x = 0; x < r->width && exact; x++) {
            uint8_t rgb[3];
            rgb_at(r, x, y, rgb);
            unsigned i = 0;
            while (i < p->count && memcmp(p->colors[i], rgb, 3) != 0)
                i++;
            if (i == p->count) {
                if (p->count == max_colors) {
                    exact = false;
                    break;
                }
                memcpy(p->colors[p->count++], rgb, 3);
            }
            p->indices[(size_t)y * r->width + x] = (uint8_t)i;
        }
    if (exact)
        return true;
    if (is_gray(r->kind) && max_colors >= 2) {
        /* Too many greys: an even ramp of max_colors levels. */
        p->count = max_colors;
        for (unsigned i = 0; i < max_colors; i++)
            p->colors[i][0] = p->colors[i][1] = p->colors[i][2] =
                (uint8_t)(i * 255 / (max_colors - 1));
        for (uint32_t y = 0; y < r->height; y++)
            for (uint32_t x = 0; x < r->width; x++)
                p->indices[(size_t)y * r->width + x] =
                    (uint8_t)((gray_at(r, x, y) * (max_colors - 1) + 127) / 255);
        return true;
    }
    if (max_colors < 252)
        max_colors = 0; /* caller asked for too few colours for the cube */
    p->count = 0;
    for (unsigned ri = 0; ri < 6; ri++)
        for (unsigned gi = 0; gi < 7; gi++)
            for (unsigned bi = 0; bi < 6; bi++) {
                p->colors[p->count][0] = (uint8_t)(ri * 255 / 5);
                p->colors[p->count][1] = (uint8_t)(gi * 255 / 6);
                p->colors[p->count][2] = (uint8_t)(bi * 255 / 5);
                p->count++;
            }
    for (uint32_t y = 0; y < r->height; y++)
        for (uint32_t x = 0; x < r->width; x++) {
            uint8_t rgb[3];
            rgb_at(r, x, y, rgb);
            unsigned ri = (rgb[0] * 5u + 127) / 255, gi = (rgb[1] * 6u + 127) / 255,
                     bi = (rgb[2] * 5u + 127) / 255;
            p->indices[(size_t)y * r->width + x] = (uint8_t)((ri * 7 + gi) * 6 + bi);
        }
    return max_colors != 0;
}

/* Pack a row of values of `bits` bits, most significant first. */
static void pack_bits(const uint8_t *values, uint32_t n, unsigned bits, uint8_t *out)
{
    size_t bytes = ((size_t)n * bits + 7) / 8;
    memset(out, 0, bytes);
    for (uint32_t i = 0; i < n; i++) {
        size_t bit = (size_t)i * bits;
        out[bit / 8] |= (uint8_t)(values[i] << (8 - bits - bit % 8));
    }
}

/* PNG ----------------------------------------------------------------------- */

typedef struct png_out {
    buf *b;
    uint8_t *row, *tmp;
    char message[200];
} png_out;

static void png_on_write(png_structp png, png_bytep data, size_t n)
{
    png_out *o = png_get_io_ptr(png);
    buf_put(o->b, data, n);
}

static void png_on_flush(png_structp png)
{
    (void)png;
}

static void png_on_error(png_structp png, png_const_charp msg)
{
    png_out *o = png_get_error_ptr(png);
    snprintf(o->message, sizeof o->message, "%s", msg);
    png_longjmp(png, 1);
}

static void png_on_warning(png_structp png, png_const_charp msg)
{
    (void)png, (void)msg;
}

/* Everything after setjmp lives here, so that no local of the caller is
 * clobbered by libpng's longjmp; buffers hang off `out` to be freed. */
static void png_write_all(png_structp png, png_infop info, const vg_raster *r,
                          const vg_encode_options *o, const palette *pal, int color_type,
                          int depth, png_out *out)
{
    unsigned ch = vg_raster_channels(r->kind);
    png_set_write_fn(png, out, png_on_write, png_on_flush);
    png_set_IHDR(png, info, r->width, r->height, depth, color_type,
                 o->interlaced ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (o->palette) {
        png_color colors[256];
        for (unsigned i = 0; i < pal->count; i++) {
            colors[i].red = pal->colors[i][0];
            colors[i].green = pal->colors[i][1];
            colors[i].blue = pal->colors[i][2];
        }
        png_set_PLTE(png, info, colors, (int)pal->count);
        if (o->transparency) {
            png_byte alpha[1] = {0};
            png_set_tRNS(png, info, alpha, 1, NULL);
        }
    }
    png_write_info(png, info);
    if (depth == 16)
        png_set_swap(png); /* rows are host-order uint16 (little-endian here) */
    int passes = png_set_interlace_handling(png);
    out->row = malloc((size_t)r->width * ch * (depth == 16 ? 2 : 1) + 8);
    out->tmp = malloc((size_t)r->width + 8);
    if (!out->row || !out->tmp)
        png_error(png, "out of memory");
    uint8_t *row = out->row;
    for (int pass = 0; pass < passes; pass++)
        for (uint32_t y = 0; y < r->height; y++) {
            if (o->palette) {
                pack_bits(pal->indices + (size_t)y * r->width, r->width, (unsigned)depth, row);
            } else if (color_type == PNG_COLOR_TYPE_GRAY && depth < 8) {
                for (uint32_t x = 0; x < r->width; x++)
                    out->tmp[x] = (uint8_t)(gray_at(r, x, y) >> (8 - depth));
                pack_bits(out->tmp, r->width, (unsigned)depth, row);
            } else if (depth == 16) {
                memcpy(row, (const uint16_t *)r->pixels + (size_t)y * r->width * ch,
                       (size_t)r->width * ch * 2);
            } else if (r->kind == VG_RASTER_GRAY16) {
                for (uint32_t x = 0; x < r->width; x++)
                    row[x] = gray_at(r, x, y);
            } else {
                memcpy(row, (const uint8_t *)r->pixels + (size_t)y * r->width * ch,
                       (size_t)r->width * ch);
            }
            png_write_row(png, row);
        }
    png_write_end(png, info);
}

static vg_status encode_png(const vg_raster *r, const vg_encode_options *o, buf *b, vg_error *err)
{
    int color_type, depth = 8;
    palette pal = {0};
    if (o->palette) {
        color_type = PNG_COLOR_TYPE_PALETTE;
        depth = o->bits ? (int)o->bits : 8;
        if (depth != 1 && depth != 2 && depth != 4 && depth != 8)
            return vg_error_set(err, VG_ERR_UNSUPPORTED, "PNG palettes have 1, 2, 4 or 8 bits");
        if (!build_palette(r, 1u << depth, &pal)) {
            free(pal.indices);
            return vg_error_set(err, VG_ERR_UNSUPPORTED, "too many colours for %d bits", depth);
        }
    } else if (r->kind == VG_RASTER_GRAY8 || r->kind == VG_RASTER_GRAY16) {
        color_type = PNG_COLOR_TYPE_GRAY;
        depth = o->bits ? (int)o->bits : r->kind == VG_RASTER_GRAY16 ? 16 : 8;
        if (depth != 1 && depth != 2 && depth != 4 && depth != 8 && depth != 16)
            return vg_error_set(err, VG_ERR_UNSUPPORTED, "PNG grey has 1..16 bits");
        if (depth == 16 && r->kind != VG_RASTER_GRAY16)
            return vg_error_set(err, VG_ERR_UNSUPPORTED, "16-bit PNG needs a 16-bit raster");
    } else if (r->kind == VG_RASTER_GRAYA8) {
        color_type = PNG_COLOR_TYPE_GRAY_ALPHA;
    } else if (r->kind == VG_RASTER_RGB8 || r->kind == VG_RASTER_RGB16) {
        color_type = PNG_COLOR_TYPE_RGB;
        depth = r->kind == VG_RASTER_RGB16 ? 16 : 8;
    } else if (r->kind == VG_RASTER_RGBA8) {
        color_type = PNG_COLOR_TYPE_RGB_ALPHA;
    } else {
        return vg_error_set(err, VG_ERR_UNSUPPORTED, "PNG has no CMYK");
    }

    png_out out = {.b = b};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &out, png_on_error,
                                              png_on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!png || !info) {
        png_destroy_write_struct(&png, NULL);
        free(pal.indices);
        return vg_error_set(err, VG_ERR_NOMEM, "PNG: out of memory");
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        free(out.row);
        free(out.tmp);
        free(pal.indices);
        return vg_error_set(err, VG_ERR_INVALID, "PNG: %s", out.message);
    }
    png_write_all(png, info, r, o, &pal, color_type, depth, &out);
    png_destroy_write_struct(&png, &info);
    free(out.row);
    free(out.tmp);
    free(pal.indices);
    return VG_OK;
}

/* JPEG ---------------------------------------------------------------------- */

typedef struct jpeg_fail {
    struct jpeg_error_mgr pub;
    jmp_buf escape;
} jpeg_fail;

static void jpeg_on_error(j_common_ptr cinfo)
{
    longjmp(((jpeg_fail *)cinfo->err)->escape, 1);
}

static void jpeg_on_message(j_common_ptr cinfo, int level)
{
    (void)cinfo, (void)level;
}

static vg_status encode_jpeg(const vg_raster *r, const vg_encode_options *o, buf *b,
                             vg_error *err)
{
    struct jpeg_compress_struct cinfo;
    jpeg_fail fail;
    unsigned char *volatile mem = NULL;
    unsigned long mem_len = 0;
    uint8_t *volatile row = NULL;
    cinfo.err = jpeg_std_error(&fail.pub);
    fail.pub.error_exit = jpeg_on_error;
    fail.pub.emit_message = jpeg_on_message;
    if (setjmp(fail.escape)) {
        jpeg_destroy_compress(&cinfo);
        free(mem);
        free(row);
        return vg_error_set(err, VG_ERR_INVALID, "JPEG encoding failed");
    }
    jpeg_create_compress(&cinfo);
    unsigned char *m = NULL;
    jpeg_mem_dest(&cinfo, &m, &mem_len);
    cinfo.image_width = r->width;
    cinfo.image_height = r->height;
    bool gray = is_gray(r->kind), cmyk = r->kind == VG_RASTER_CMYK8;
    cinfo.input_components = gray ? 1 : cmyk ? 4 : 3;
    cinfo.in_color_space = gray ? JCS_GRAYSCALE : cmyk ? JCS_CMYK : JCS_RGB;
    jpeg_set_defaults(&cinfo);
    if (cmyk)
        jpeg_set_colorspace(&cinfo, JCS_CMYK); /* writes the Adobe marker */
    jpeg_set_quality(&cinfo, o->quality ? o->quality : 90, TRUE);
    if (o->interlaced)
        jpeg_simple_progression(&cinfo);
    jpeg_start_compress(&cinfo, TRUE);
    mem = m;
    row = malloc((size_t)r->width * 4);
    if (!row)
        longjmp(fail.escape, 1);
    while (cinfo.next_scanline < cinfo.image_height) {
        uint32_t y = cinfo.next_scanline;
        for (uint32_t x = 0; x < r->width; x++) {
            if (gray) {
                row[x] = gray_at(r, x, y);
            } else if (cmyk) {
                /* Adobe convention: inks stored inverted. */
                for (unsigned c = 0; c < 4; c++)
                    row[4 * (size_t)x + c] = (uint8_t)(255 - sample(r, x, y, c));
            } else {
                rgb_at(r, x, y, row + 3 * (size_t)x);
            }
        }
        JSAMPROW rows[1] = {row};
        jpeg_write_scanlines(&cinfo, rows, 1);
    }
    jpeg_finish_compress(&cinfo);
    mem = m;
    buf_put(b, m, mem_len);
    jpeg_destroy_compress(&cinfo);
    free(m);
    free(row);
    return VG_OK;
}

/* GIF ----------------------------------------------------------------------- */

static int gif_on_write(GifFileType *gif, const GifByteType *data, int n)
{
    buf_put(gif->UserData, data, (size_t)n);
    return n;
}

static vg_status encode_gif(const vg_raster *r, const vg_encode_options *o, buf *b, vg_error *err)
{
    if (r->width > 65535 || r->height > 65535)
        return vg_error_set(err, VG_ERR_UNSUPPORTED, "GIF is limited to 65535 pixels a side");
    palette pal = {0};
    if (!build_palette(r, 256, &pal)) {
        free(pal.indices);
        return vg_error_set(err, VG_ERR_NOMEM, "GIF: out of memory");
    }
    int code = 0;
    GifFileType *gif = EGifOpen(b, gif_on_write, &code);
    ColorMapObject *map = GifMakeMapObject(256, NULL);
    vg_status st = VG_OK;
    if (!gif || !map) {
        st = vg_error_set(err, VG_ERR_NOMEM, "GIF: out of memory");
    } else {
        for (unsigned i = 0; i < 256; i++) {
            map->Colors[i].Red = i < pal.count ? pal.colors[i][0] : 0;
            map->Colors[i].Green = i < pal.count ? pal.colors[i][1] : 0;
            map->Colors[i].Blue = i < pal.count ? pal.colors[i][2] : 0;
        }
        if (EGifPutScreenDesc(gif, (int)r->width, (int)r->height, 8, 0, map) == GIF_ERROR ||
            EGifPutImageDesc(gif, 0, 0, (int)r->width, (int)r->height, o->interlaced, NULL) ==
                GIF_ERROR) {
            st = vg_error_set(err, VG_ERR_INVALID, "GIF: %s", GifErrorString(gif->Error));
        } else {
            static const int start[4] = {0, 4, 2, 1}, step[4] = {8, 8, 4, 2};
            int passes = o->interlaced ? 4 : 1;
            for (int p = 0; p < passes && st == VG_OK; p++)
                for (uint32_t y = o->interlaced ? (uint32_t)start[p] : 0; y < r->height;
                     y += o->interlaced ? (uint32_t)step[p] : 1)
                    if (EGifPutLine(gif, pal.indices + (size_t)y * r->width, (int)r->width) ==
                        GIF_ERROR) {
                        st = vg_error_set(err, VG_ERR_INVALID, "GIF: cannot write a line");
                        break;
                    }
        }
    }
    if (gif)
        EGifCloseFile(gif, &code);
    GifFreeMapObject(map);
    free(pal.indices);
    return st;
}

/* WebP ---------------------------------------------------------------------- */

static vg_status encode_webp(const vg_raster *r, const vg_encode_options *o, buf *b,
                             vg_error *err)
{
    if (r->width > 16383 || r->height > 16383)
        return vg_error_set(err, VG_ERR_UNSUPPORTED, "WebP is limited to 16383 pixels a side");
    bool alpha = r->kind == VG_RASTER_RGBA8 || r->kind == VG_RASTER_GRAYA8;
    unsigned ch = alpha ? 4 : 3;
    uint8_t *px = malloc((size_t)r->width * r->height * ch);
    if (!px)
        return vg_error_set(err, VG_ERR_NOMEM, "WebP: out of memory");
    for (uint32_t y = 0; y < r->height; y++)
        for (uint32_t x = 0; x < r->width; x++) {
            uint8_t *p = px + ((size_t)y * r->width + x) * ch;
            rgb_at(r, x, y, p);
            if (alpha)
                p[3] = (uint8_t)sample(r, x, y, vg_raster_channels(r->kind) - 1);
        }
    uint8_t *out = NULL;
    size_t n;
    float q = (float)(o->quality ? o->quality : 90);
    int stride = (int)(r->width * ch), w = (int)r->width, h = (int)r->height;
    if (o->lossless)
        n = alpha ? WebPEncodeLosslessRGBA(px, w, h, stride, &out)
                  : WebPEncodeLosslessRGB(px, w, h, stride, &out);
    else
        n = alpha ? WebPEncodeRGBA(px, w, h, stride, q, &out) : WebPEncodeRGB(px, w, h, stride, q, &out);
    free(px);
    if (!n)
        return vg_error_set(err, VG_ERR_INVALID, "WebP encoding failed");
    buf_put(b, out, n);
    WebPFree(out);
    return VG_OK;
}

/* BMP ----------------------------------------------------------------------- */

/* RLE8/RLE4 for one row of indices: runs, and absolute runs (RLE8) for
 * stretches without repeats, so decoders meet both escapes. */
static void rle_row(buf *b, const uint8_t *idx, uint32_t w, bool rle4)
{
    uint32_t x = 0;
    while (x < w) {
        uint32_t run = 1;
        while (x + run < w && run < 255 && idx[x + run] == idx[x])
            run++;
        if (run == 1 && !rle4) {
            uint32_t lit = 1;
            while (x + lit < w && lit < 255 && (x + lit + 1 >= w || idx[x + lit] != idx[x + lit + 1]))
                lit++;
            if (lit >= 3) {
                buf_u8(b, 0);
                buf_u8(b, lit);
                buf_put(b, idx + x, lit);
                if (lit & 1)
                    buf_u8(b, 0);
                x += lit;
                continue;
            }
        }
        buf_u8(b, run);
        buf_u8(b, rle4 ? (unsigned)(idx[x] << 4 | idx[x]) : idx[x]);
        x += run;
    }
    buf_u8(b, 0);
    buf_u8(b, 0);
}

static vg_status encode_bmp(const vg_raster *r, const vg_encode_options *o, buf *b, vg_error *err)
{
    bool alpha = r->kind == VG_RASTER_RGBA8;
    unsigned bits = o->bits ? o->bits : o->palette ? 8 : alpha ? 32 : 24;
    bool indexed = bits <= 8;
    if (bits != 1 && bits != 2 && bits != 4 && bits != 8 && bits != 16 && bits != 24 && bits != 32)
        return vg_error_set(err, VG_ERR_UNSUPPORTED, "BMP has no %u-bit depth", bits);
    if (o->rle && bits != 8 && bits != 4)
        return vg_error_set(err, VG_ERR_UNSUPPORTED, "BMP RLE needs 4 or 8 bits");
    if (o->os2 && (bits == 16 || bits == 32 || o->rle || o->top_down || r->width > 65535 ||
                   r->height > 32767))
        return vg_error_set(err, VG_ERR_UNSUPPORTED, "OS/2 bitmaps are 1..24 bits, bottom-up");
    palette pal = {0};
    if (indexed && !build_palette(r, 1u << bits, &pal)) {
        free(pal.indices);
        return vg_error_set(err, VG_ERR_UNSUPPORTED, "too many colours for %u bits", bits);
    }
    bool fields = o->bitfields && (bits == 16 || bits == 32);
    uint32_t hsize = o->os2 ? 12 : fields && bits == 32 ? 108 : 40;
    unsigned entry = o->os2 ? 3 : 4;
    uint32_t colors = indexed ? 1u << bits : 0;
    uint32_t masks_len = fields && hsize == 40 ? 12 : 0;
    uint32_t offbits = 14 + hsize + masks_len + colors * entry;
    size_t stride = (((size_t)r->width * bits + 31) / 32) * 4;

    buf_put(b, "BM", 2);
    buf_u32le(b, 0); /* file size, patched below */
    buf_u32le(b, 0);
    buf_u32le(b, offbits);
    buf_u32le(b, hsize);
    if (o->os2) {
        buf_u16le(b, r->width);
        buf_u16le(b, r->height);
        buf_u16le(b, 1);
        buf_u16le(b, bits);
    } else {
        buf_u32le(b, r->width);
        buf_u32le(b, o->top_down ? (uint32_t)-(int32_t)r->height : r->height);
        buf_u16le(b, 1);
        buf_u16le(b, bits);
        buf_u32le(b, o->rle ? (bits == 8 ? 1 : 2) : fields ? 3 : 0);
        buf_u32le(b, 0); /* image size: may be 0 for BI_RGB */
        buf_u32le(b, 2835);
        buf_u32le(b, 2835);
        buf_u32le(b, colors);
        buf_u32le(b, 0);
        uint32_t rmask = bits == 16 ? 0xF800 : 0x00FF0000, gmask = bits == 16 ? 0x07E0 : 0x0000FF00,
                 bmask = bits == 16 ? 0x001F : 0x000000FF, amask = bits == 32 ? 0xFF000000 : 0;
        if (fields) {
            buf_u32le(b, rmask);
            buf_u32le(b, gmask);
            buf_u32le(b, bmask);
        }
        if (hsize == 108) {
            buf_u32le(b, amask);
            buf_put(b, "BGRs", 4); /* LCS_WINDOWS_COLOR_SPACE, little-endian 'sRGB' */
            for (int i = 0; i < 12; i++)
                buf_u32le(b, 0); /* endpoints and gamma, unused */
        }
    }
    for (uint32_t i = 0; i < colors; i++) {
        uint8_t e[4] = {0, 0, 0, 0};
        if (i < pal.count) {
            e[0] = pal.colors[i][2];
            e[1] = pal.colors[i][1];
            e[2] = pal.colors[i][0];
        }
        buf_put(b, e, entry);
    }
    uint8_t *row = calloc(stride + 8, 1);
    if (!row) {
        free(pal.indices);
        return vg_error_set(err, VG_ERR_NOMEM, "BMP: out of memory");
    }
    for (uint32_t i = 0; i < r->height; i++) {
        uint32_t y = o->top_down ? i : r->height - 1 - i;
        if (o->rle) {
            rle_row(b, pal.indices + (size_t)y * r->width, r->width, bits == 4);
            continue;
        }
        memset(row, 0, stride);
        if (indexed) {
            pack_bits(pal.indices + (size_t)y * r->width, r->width, bits, row);
        } else {
            for (uint32_t x = 0; x < r->width; x++) {
                uint8_t rgb[3];
                rgb_at(r, x, y, rgb);
                if (bits == 24) {
                    row[3 * x] = rgb[2];
                    row[3 * x + 1] = rgb[1];
                    row[3 * x + 2] = rgb[0];
                } else if (bits == 16) {
                    unsigned v = fields ? (unsigned)(rgb[0] >> 3) << 11 | (unsigned)(rgb[1] >> 2) << 5 | rgb[2] >> 3
                                        : (unsigned)(rgb[0] >> 3) << 10 | (unsigned)(rgb[1] >> 3) << 5 | rgb[2] >> 3;
                    row[2 * x] = (uint8_t)v;
                    row[2 * x + 1] = (uint8_t)(v >> 8);
                } else {
                    row[4 * x] = rgb[2];
                    row[4 * x + 1] = rgb[1];
                    row[4 * x + 2] = rgb[0];
                    row[4 * x + 3] = alpha ? (uint8_t)sample(r, x, y, 3) : 0;
                }
            }
        }
        buf_put(b, row, stride);
    }
    if (o->rle) {
        buf_u8(b, 0);
        buf_u8(b, 1);
    }
    free(row);
    free(pal.indices);
    uint8_t size[4] = {(uint8_t)b->len, (uint8_t)(b->len >> 8), (uint8_t)(b->len >> 16),
                       (uint8_t)(b->len >> 24)};
    buf_write_at(b, 2, size, 4);
    return VG_OK;
}

/* TIFF ---------------------------------------------------------------------- */

static tmsize_t tiff_on_read(thandle_t h, void *data, tmsize_t n)
{
    buf *b = h;
    size_t avail = b->pos < b->len ? b->len - b->pos : 0;
    size_t k = (size_t)n < avail ? (size_t)n : avail;
    memcpy(data, b->data + b->pos, k);
    b->pos += k;
    return (tmsize_t)k;
}

static tmsize_t tiff_on_write(thandle_t h, void *data, tmsize_t n)
{
    buf *b = h;
    buf_write_at(b, b->pos, data, (size_t)n);
    if (b->failed)
        return -1;
    b->pos += (size_t)n;
    return n;
}

static toff_t tiff_on_seek(thandle_t h, toff_t off, int whence)
{
    buf *b = h;
    size_t base = whence == SEEK_CUR ? b->pos : whence == SEEK_END ? b->len : 0;
    b->pos = base + (size_t)off;
    return b->pos;
}

static int tiff_on_close(thandle_t h)
{
    (void)h;
    return 0;
}

static toff_t tiff_on_size(thandle_t h)
{
    return ((buf *)h)->len;
}

static int tiff_on_map(thandle_t h, void **base, toff_t *size)
{
    (void)h, (void)base, (void)size;
    return 0;
}

static void tiff_on_unmap(thandle_t h, void *base, toff_t size)
{
    (void)h, (void)base, (void)size;
}

static int tiff_on_message(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap)
{
    (void)tif, (void)user, (void)module, (void)fmt, (void)ap;
    return 1;
}

/* One stored row of the TIFF (samples as the tags say). */
static void tiff_row(const vg_raster *r, uint32_t y, unsigned bits, const palette *pal,
                     uint8_t *out)
{
    unsigned ch = vg_raster_channels(r->kind);
    if (pal) {
        memcpy(out, pal->indices + (size_t)y * r->width, r->width);
    } else if (bits == 1) {
        uint8_t *vals = out + (r->width + 7) / 8;
        for (uint32_t x = 0; x < r->width; x++)
            vals[x] = gray_at(r, x, y) >> 7;
        pack_bits(vals, r->width, 1, out);
    } else if (bits == 16) {
        memcpy(out, (const uint16_t *)r->pixels + (size_t)y * r->width * ch, (size_t)r->width * ch * 2);
    } else if (is_16(r->kind)) {
        for (size_t i = 0; i < (size_t)r->width * ch; i++)
            out[i] = to8(((const uint16_t *)r->pixels)[(size_t)y * r->width * ch + i]);
    } else {
        memcpy(out, (const uint8_t *)r->pixels + (size_t)y * r->width * ch, (size_t)r->width * ch);
    }
}

static vg_status encode_tiff(const vg_raster *r, const vg_encode_options *o, buf *b,
                             vg_error *err)
{
    unsigned ch = vg_raster_channels(r->kind);
    unsigned bits = o->bits ? o->bits : is_16(r->kind) ? 16 : 8;
    if (bits == 1 && r->kind != VG_RASTER_GRAY8)
        return vg_error_set(err, VG_ERR_UNSUPPORTED, "1-bit TIFF needs a grey raster");
    if (bits == 16 && !is_16(r->kind))
        return vg_error_set(err, VG_ERR_UNSUPPORTED, "16-bit TIFF needs a 16-bit raster");
    palette pal = {0};
    if (o->palette) {
        if (!build_palette(r, 256, &pal)) {
            free(pal.indices);
            return vg_error_set(err, VG_ERR_NOMEM, "TIFF: out of memory");
        }
        ch = 1;
        bits = 8;
    }
    TIFFOpenOptions *opts = TIFFOpenOptionsAlloc();
    TIFFOpenOptionsSetErrorHandlerExtR(opts, tiff_on_message, NULL);
    TIFFOpenOptionsSetWarningHandlerExtR(opts, tiff_on_message, NULL);
    TIFF *tif = TIFFClientOpenExt("encode", "w", b, tiff_on_read, tiff_on_write, tiff_on_seek,
                                  tiff_on_close, tiff_on_size, tiff_on_map, tiff_on_unmap, opts);
    TIFFOpenOptionsFree(opts);
    if (!tif) {
        free(pal.indices);
        return vg_error_set(err, VG_ERR_NOMEM, "TIFF: cannot open a writer");
    }
    int compression = o->tiff_compression ? o->tiff_compression : COMPRESSION_NONE;
    bool jpeg_ycbcr = compression == COMPRESSION_JPEG && !o->palette && ch == 3 && bits == 8;
    TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, r->width);
    TIFFSetField(tif, TIFFTAG_IMAGELENGTH, r->height);
    TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, bits);
    TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, ch);
    TIFFSetField(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
    TIFFSetField(tif, TIFFTAG_COMPRESSION, compression);
    uint16_t photometric = o->palette ? PHOTOMETRIC_PALETTE
                           : r->kind == VG_RASTER_CMYK8 ? PHOTOMETRIC_SEPARATED
                           : is_gray(r->kind) ? PHOTOMETRIC_MINISBLACK
                           : jpeg_ycbcr ? PHOTOMETRIC_YCBCR
                                        : PHOTOMETRIC_RGB;
    TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, photometric);
    if (jpeg_ycbcr) {
        TIFFSetField(tif, TIFFTAG_JPEGQUALITY, o->quality ? o->quality : 90);
        TIFFSetField(tif, TIFFTAG_YCBCRSUBSAMPLING, 2, 2);
        TIFFSetField(tif, TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB);
    }
    if (!o->palette && (r->kind == VG_RASTER_RGBA8 || r->kind == VG_RASTER_GRAYA8)) {
        uint16_t extra[1] = {EXTRASAMPLE_UNASSALPHA};
        TIFFSetField(tif, TIFFTAG_EXTRASAMPLES, 1, extra);
    }
    uint16_t cmap[3][256];
    if (o->palette) {
        memset(cmap, 0, sizeof cmap);
        for (unsigned i = 0; i < pal.count; i++)
            for (int c = 0; c < 3; c++)
                cmap[c][i] = (uint16_t)(pal.colors[i][c] * 257u);
        TIFFSetField(tif, TIFFTAG_COLORMAP, cmap[0], cmap[1], cmap[2]);
    }
    vg_status st = VG_OK;
    size_t row_len = (size_t)r->width * ch * (bits == 16 ? 2 : 1) + (size_t)r->width + 16;
    if (o->tiled) {
        uint32_t tw = 16, th = 16;
        TIFFSetField(tif, TIFFTAG_TILEWIDTH, tw);
        TIFFSetField(tif, TIFFTAG_TILELENGTH, th);
        tmsize_t tsize = TIFFTileSize(tif);
        tmsize_t trow = TIFFTileRowSize(tif);
        uint8_t *tile = tsize > 0 ? malloc((size_t)tsize) : NULL;
        uint8_t *band = malloc(row_len * th);
        size_t line = ((size_t)r->width * ch * bits + 7) / 8;
        if (!tile || !band)
            st = vg_error_set(err, VG_ERR_NOMEM, "TIFF: out of memory");
        for (uint32_t y = 0; y < r->height && st == VG_OK; y += th) {
            for (uint32_t k = 0; k < th; k++)
                if (y + k < r->height)
                    tiff_row(r, y + k, bits, o->palette ? &pal : NULL, band + k * row_len);
            for (uint32_t x = 0; x < r->width && st == VG_OK; x += tw) {
                memset(tile, 0, (size_t)tsize);
                size_t off = (size_t)x * ch * bits / 8;
                for (uint32_t k = 0; k < th && y + k < r->height; k++) {
                    size_t n = (size_t)trow < line - off ? (size_t)trow : line - off;
                    memcpy(tile + k * (size_t)trow, band + k * row_len + off, n);
                }
                if (TIFFWriteTile(tif, tile, x, y, 0, 0) < 0)
                    st = vg_error_set(err, VG_ERR_INVALID, "TIFF: cannot write a tile");
            }
        }
        free(tile);
        free(band);
    } else {
        TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, jpeg_ycbcr ? 16 : 7);
        uint8_t *row = malloc(row_len);
        if (!row)
            st = vg_error_set(err, VG_ERR_NOMEM, "TIFF: out of memory");
        for (uint32_t y = 0; y < r->height && st == VG_OK; y++) {
            tiff_row(r, y, bits, o->palette ? &pal : NULL, row);
            if (TIFFWriteScanline(tif, row, y, 0) < 0)
                st = vg_error_set(err, VG_ERR_INVALID, "TIFF: cannot write a row");
        }
        free(row);
    }
    if (st == VG_OK && !TIFFWriteDirectory(tif))
        st = vg_error_set(err, VG_ERR_INVALID, "TIFF: cannot write the directory");
    TIFFClose(tif);
    free(pal.indices);
    return st;
}

/* HEIC and AVIF ------------------------------------------------------------- */

static struct heif_error heif_on_write(struct heif_context *ctx, const void *data, size_t size,
                                       void *user)
{
    (void)ctx;
    buf *b = user;
    buf_put(b, data, size);
    struct heif_error ok = {heif_error_Ok, heif_suberror_Unspecified, "ok"};
    struct heif_error bad = {heif_error_Encoding_error, heif_suberror_Cannot_write_output_data,
                             "out of memory"};
    return b->failed ? bad : ok;
}

static vg_status encode_heif(const vg_raster *r, const vg_encode_options *o, buf *b,
                             vg_error *err, bool avif)
{
    bool alpha = r->kind == VG_RASTER_RGBA8 || r->kind == VG_RASTER_GRAYA8;
    heif_init(NULL);
    struct heif_context *ctx = heif_context_alloc();
    struct heif_encoder *enc = NULL;
    struct heif_image *img = NULL;
    vg_status st = VG_OK;
    struct heif_error e = heif_context_get_encoder_for_format(
        ctx, avif ? heif_compression_AV1 : heif_compression_HEVC, &enc);
    if (e.code != heif_error_Ok) {
        st = vg_error_set(err, VG_ERR_UNSUPPORTED, "no %s encoder: %s", avif ? "AV1" : "HEVC",
                          e.message);
        goto done;
    }
    if (o->lossless)
        heif_encoder_set_lossless(enc, 1);
    else
        heif_encoder_set_lossy_quality(enc, o->quality ? o->quality : 90);
    e = heif_image_create((int)r->width, (int)r->height, heif_colorspace_RGB,
                          alpha ? heif_chroma_interleaved_RGBA : heif_chroma_interleaved_RGB, &img);
    if (e.code == heif_error_Ok)
        e = heif_image_add_plane(img, heif_channel_interleaved, (int)r->width, (int)r->height, 8);
    if (e.code != heif_error_Ok) {
        st = vg_error_set(err, VG_ERR_NOMEM, "HEIF: %s", e.message);
        goto done;
    }
    int stride = 0;
    uint8_t *plane = heif_image_get_plane(img, heif_channel_interleaved, &stride);
    unsigned pch = alpha ? 4 : 3;
    for (uint32_t y = 0; y < r->height; y++)
        for (uint32_t x = 0; x < r->width; x++) {
            uint8_t *p = plane + (size_t)y * (size_t)stride + (size_t)x * pch;
            rgb_at(r, x, y, p);
            if (alpha)
                p[3] = (uint8_t)sample(r, x, y, vg_raster_channels(r->kind) - 1);
        }
    e = heif_context_encode_image(ctx, img, enc, NULL, NULL);
    if (e.code == heif_error_Ok) {
        struct heif_writer writer = {1, heif_on_write};
        e = heif_context_write(ctx, &writer, b);
    }
    if (e.code != heif_error_Ok)
        st = vg_error_set(err, VG_ERR_INVALID, "%s encoding failed: %s", avif ? "AVIF" : "HEIC",
                          e.message);
done:
    if (img)
        heif_image_release(img);
    if (enc)
        heif_encoder_release(enc);
    heif_context_free(ctx);
    heif_deinit();
    return st;
}

/* PNM ----------------------------------------------------------------------- */

static vg_status encode_pnm(const vg_raster *r, const vg_encode_options *o, buf *b, vg_error *err)
{
    bool bitmap = o->bits == 1;
    bool gray = is_gray(r->kind);
    if (bitmap && !gray)
        return vg_error_set(err, VG_ERR_UNSUPPORTED, "PBM needs a grey raster");
    unsigned maxval = o->maxval ? o->maxval : is_16(r->kind) ? 65535 : 255;
    if (maxval > 65535)
        return vg_error_set(err, VG_ERR_UNSUPPORTED, "PNM maxval is at most 65535");
    unsigned ch = gray ? 1 : 3;
    char header[64];
    int kind = bitmap ? 1 : gray ? 2 : 3;
    if (!o->plain)
        kind += 3;
    int n = bitmap ? snprintf(header, sizeof header, "P%d\n# vigie\n%u %u\n", kind, r->width,
                              r->height)
                   : snprintf(header, sizeof header, "P%d\n# vigie\n%u %u\n%u\n", kind,
                              r->width, r->height, maxval);
    buf_put(b, header, (size_t)n);
    uint8_t *bits = bitmap ? malloc(r->width + 8) : NULL;
    for (uint32_t y = 0; y < r->height; y++) {
        if (bitmap) {
            if (!bits)
                return vg_error_set(err, VG_ERR_NOMEM, "PNM: out of memory");
            for (uint32_t x = 0; x < r->width; x++)
                bits[x] = gray_at(r, x, y) < 128; /* 1 is black */
            if (o->plain) {
                for (uint32_t x = 0; x < r->width; x++)
                    buf_put(b, bits[x] ? "1 " : "0 ", 2);
                buf_put(b, "\n", 1);
            } else {
                uint8_t packed[8192];
                uint8_t *p = r->width <= 8 * sizeof packed ? packed : malloc((r->width + 7) / 8);
                if (!p) {
                    free(bits);
                    return vg_error_set(err, VG_ERR_NOMEM, "PNM: out of memory");
                }
                pack_bits(bits, r->width, 1, p);
                buf_put(b, p, (r->width + 7) / 8);
                if (p != packed)
                    free(p);
            }
            continue;
        }
        for (uint32_t x = 0; x < r->width; x++) {
            for (unsigned c = 0; c < ch; c++) {
                /* Scale the raster's sample to maxval, rounding. */
                unsigned full = is_16(r->kind) ? 65535 : 255;
                unsigned v;
                if (gray || is_16(r->kind)) {
                    v = sample(r, x, y, gray ? 0 : c);
                } else {
                    uint8_t rgb[3]; /* RGBA and CMYK reduced as decoders do */
                    rgb_at(r, x, y, rgb);
                    v = rgb[c];
                }
                uint32_t s = (uint32_t)(((uint64_t)v * maxval + full / 2) / full);
                if (o->plain) {
                    char num[16];
                    int k = snprintf(num, sizeof num, "%u%c", s, c + 1 == ch ? '\n' : ' ');
                    buf_put(b, num, (size_t)k);
                } else if (maxval > 255) {
                    buf_u8(b, s >> 8);
                    buf_u8(b, s & 0xff);
                } else {
                    buf_u8(b, s);
                }
            }
        }
    }
    free(bits);
    return VG_OK;
}

/* Entry points -------------------------------------------------------------- */

vg_status vg_encode(const vg_raster *raster, const vg_encode_options *opts, uint8_t **out,
                    size_t *out_len, vg_error *err)
{
    if (!raster || !opts || !out || !out_len || !raster->pixels || !raster->width ||
        !raster->height || !vg_raster_channels(raster->kind))
        return vg_error_set(err, VG_ERR_INVALID, "vg_encode: bad arguments");
    *out = NULL;
    *out_len = 0;
    buf b = {0};
    vg_status st;
    switch (opts->format) {
    case VG_FORMAT_PNG: st = encode_png(raster, opts, &b, err); break;
    case VG_FORMAT_JPEG: st = encode_jpeg(raster, opts, &b, err); break;
    case VG_FORMAT_GIF: st = encode_gif(raster, opts, &b, err); break;
    case VG_FORMAT_WEBP: st = encode_webp(raster, opts, &b, err); break;
    case VG_FORMAT_BMP: st = encode_bmp(raster, opts, &b, err); break;
    case VG_FORMAT_TIFF: st = encode_tiff(raster, opts, &b, err); break;
    case VG_FORMAT_HEIF: st = encode_heif(raster, opts, &b, err, false); break;
    case VG_FORMAT_AVIF: st = encode_heif(raster, opts, &b, err, true); break;
    case VG_FORMAT_PNM: st = encode_pnm(raster, opts, &b, err); break;
    default: st = vg_error_set(err, VG_ERR_UNSUPPORTED, "vg_encode: unknown format"); break;
    }
    if (st == VG_OK && b.failed)
        st = vg_error_set(err, VG_ERR_NOMEM, "vg_encode: out of memory");
    if (st != VG_OK) {
        free(b.data);
        return st;
    }
    *out = b.data;
    *out_len = b.len;
    return VG_OK;
}

vg_status vg_encode_file(const vg_raster *raster, const vg_encode_options *opts,
                         const char *path, vg_error *err)
{
    uint8_t *data;
    size_t len;
    vg_status st = vg_encode(raster, opts, &data, &len, err);
    if (st != VG_OK)
        return st;
    FILE *f = fopen(path, "wb");
    if (!f) {
        free(data);
        return vg_error_set(err, VG_ERR_IO, "%s: cannot create", path);
    }
    size_t wrote = fwrite(data, 1, len, f);
    int close_failed = fclose(f);
    free(data);
    if (wrote != len || close_failed)
        return vg_error_set(err, VG_ERR_IO, "%s: write failed", path);
    return VG_OK;
}

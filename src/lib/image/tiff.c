/*
 * tiff.c - TIFF through libtiff, read from memory strip by strip.
 *
 * The common layouts (grey, RGB, palette, CMYK, JPEG-compressed YCbCr;
 * 1 to 16 bits per sample, contiguous planes, strips or tiles) are read
 * with TIFFReadScanline/TIFFReadEncodedTile and converted here, holding one
 * row or one row of tiles. Everything else libtiff understands (separate planes,
 * subsampled YCbCr, CIE Lab, signed or float samples, ...) goes through
 * TIFFReadRGBAStrip/Tile, still one strip or row of tiles at a time.
 *
 * libtiff reports through per-handle handlers (TIFFOpenOptions, libtiff
 * 4.5): nothing is printed and nothing global is touched.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tiffio.h>

#include "image/image_internal.h"

typedef struct tiff_src {
    const uint8_t *data;
    uint64_t len;
    uint64_t pos;
    char message[256];
} tiff_src;

static tmsize_t on_read(thandle_t h, void *buf, tmsize_t n)
{
    tiff_src *s = h;
    if (n <= 0 || s->pos >= s->len)
        return 0;
    uint64_t want = (uint64_t)n, left = s->len - s->pos;
    if (want > left)
        want = left;
    memcpy(buf, s->data + s->pos, (size_t)want);
    s->pos += want;
    return (tmsize_t)want;
}

static tmsize_t on_write(thandle_t h, void *buf, tmsize_t n)
{
    (void)h, (void)buf, (void)n;
    return -1;
}

static toff_t on_seek(thandle_t h, toff_t off, int whence)
{
    tiff_src *s = h;
    uint64_t base = whence == SEEK_CUR ? s->pos : whence == SEEK_END ? s->len : 0;
    if (off > UINT64_MAX - base)
        return (toff_t)-1;
    s->pos = base + off;
    return s->pos;
}

static int on_close(thandle_t h)
{
    (void)h;
    return 0;
}

static toff_t on_size(thandle_t h)
{
    return ((tiff_src *)h)->len;
}

/* Mapping hands libtiff the buffer itself: strips are decoded in place. */
static int on_map(thandle_t h, void **base, toff_t *size)
{
    tiff_src *s = h;
    *base = (void *)(uintptr_t)s->data;
    *size = s->len;
    return 1;
}

static void on_unmap(thandle_t h, void *base, toff_t size)
{
    (void)h, (void)base, (void)size;
}

static int on_error(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap)
{
    (void)tif, (void)module;
    tiff_src *s = user;
    if (!s->message[0])
        vsnprintf(s->message, sizeof s->message, fmt, ap);
    return 1; /* handled: do not reach the global (printing) handler */
}

static int on_warning(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap)
{
    (void)tif, (void)user, (void)module, (void)fmt, (void)ap;
    return 1;
}

typedef struct tiff_img {
    TIFF *tif;
    tiff_src *src;
    uint32_t width, height;
    uint16_t bps, spp, photometric, planar, compression, sample_format, extra;
    bool tiled;
    vg_pixel_layout layout;
    vg_color_model model;
    uint8_t palette[256][3];
    uint8_t *out; /* one output row */
} tiff_img;

static vg_status tiff_fail(vg_decoder *dec, tiff_img *t, const char *what)
{
    return vg_decoder_fail(dec, VG_ERR_CORRUPT, "TIFF %s%s%s", what,
                           t->src->message[0] ? ": " : "", t->src->message);
}

/* Sample i of a row of packed samples, scaled to 8 bits (raw for palettes). */
static inline unsigned sample_at(const tiff_img *t, const uint8_t *row, size_t i, bool raw)
{
    switch (t->bps) {
    case 8: return row[i];
    case 16: {
        uint16_t v;
        memcpy(&v, row + 2 * i, 2); /* libtiff has swapped it to host order */
        return raw ? v : vg_scale16(v);
    }
    default: {
        size_t bit = i * t->bps;
        unsigned max = (1u << t->bps) - 1;
        unsigned v = (row[bit / 8] >> (8 - t->bps - bit % 8)) & max;
        return raw ? v : vg_scale_maxval(v, max);
    }
    }
}

static void convert_row(tiff_img *t, const uint8_t *row)
{
    uint8_t *out = t->out;
    for (uint32_t x = 0; x < t->width; x++) {
        size_t i = (size_t)x * t->spp;
        switch (t->photometric) {
        case PHOTOMETRIC_MINISBLACK:
            out[x] = (uint8_t)sample_at(t, row, i, false);
            break;
        case PHOTOMETRIC_MINISWHITE:
            out[x] = (uint8_t)(255 - sample_at(t, row, i, false));
            break;
        case PHOTOMETRIC_PALETTE:
            memcpy(out + 3 * (size_t)x, t->palette[sample_at(t, row, i, true) & 0xff], 3);
            break;
        case PHOTOMETRIC_SEPARATED:
            vg_cmyk_to_rgb((uint8_t)sample_at(t, row, i, false),
                           (uint8_t)sample_at(t, row, i + 1, false),
                           (uint8_t)sample_at(t, row, i + 2, false),
                           (uint8_t)sample_at(t, row, i + 3, false), out + 3 * (size_t)x);
            break;
        default: /* RGB, and YCbCr that libjpeg already turned into RGB */
            for (int c = 0; c < 3; c++)
                out[3 * (size_t)x + c] = (uint8_t)sample_at(t, row, i + c, false);
            break;
        }
    }
}

static bool load_palette(tiff_img *t)
{
    uint16_t *r, *g, *b;
    if (!TIFFGetField(t->tif, TIFFTAG_COLORMAP, &r, &g, &b))
        return false;
    size_t n = (size_t)1 << t->bps;
    /* Some writers store 8-bit values in the 16-bit colour map. */
    bool eight_bit = true;
    for (size_t i = 0; i < n; i++)
        if (r[i] > 255 || g[i] > 255 || b[i] > 255)
            eight_bit = false;
    memset(t->palette, 0, sizeof t->palette);
    for (size_t i = 0; i < n && i < 256; i++) {
        t->palette[i][0] = eight_bit ? (uint8_t)r[i] : vg_scale16(r[i]);
        t->palette[i][1] = eight_bit ? (uint8_t)g[i] : vg_scale16(g[i]);
        t->palette[i][2] = eight_bit ? (uint8_t)b[i] : vg_scale16(b[i]);
    }
    return true;
}

/* Whether the direct path handles this layout; sets layout and model. */
static bool direct_layout(tiff_img *t)
{
    if (t->sample_format != SAMPLEFORMAT_UINT)
        return false;
    if (t->bps != 1 && t->bps != 2 && t->bps != 4 && t->bps != 8 && t->bps != 16)
        return false;
    if (t->planar != PLANARCONFIG_CONTIG && t->spp > 1)
        return false;
    unsigned colour = t->spp > t->extra ? t->spp - t->extra : 0;
    switch (t->photometric) {
    case PHOTOMETRIC_MINISBLACK:
    case PHOTOMETRIC_MINISWHITE:
        if (colour != 1)
            return false;
        t->layout = VG_PIXEL_GRAY8;
        t->model = t->spp > 1 ? VG_COLOR_GRAY_ALPHA : VG_COLOR_GRAY;
        return true;
    case PHOTOMETRIC_RGB:
        if (colour != 3 || t->bps < 8)
            return false;
        t->model = t->spp > 3 ? VG_COLOR_RGBA : VG_COLOR_RGB;
        break;
    case PHOTOMETRIC_PALETTE:
        if (t->spp != 1 || t->bps > 8 || !load_palette(t))
            return false;
        t->model = VG_COLOR_PALETTE;
        break;
    case PHOTOMETRIC_SEPARATED: {
        uint16_t inkset = INKSET_CMYK;
        TIFFGetFieldDefaulted(t->tif, TIFFTAG_INKSET, &inkset);
        if (inkset != INKSET_CMYK || colour != 4 || t->bps < 8)
            return false;
        t->model = VG_COLOR_CMYK;
        break;
    }
    case PHOTOMETRIC_YCBCR:
        /* Only JPEG-in-TIFF: libjpeg upsamples and converts to RGB. */
        if (t->compression != COMPRESSION_JPEG || t->spp != 3 || t->bps != 8)
            return false;
        if (!TIFFSetField(t->tif, TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB))
            return false;
        t->model = VG_COLOR_YCBCR;
        break;
    default:
        return false;
    }
    t->layout = VG_PIXEL_RGB8;
    return true;
}

/* Strips are read one scanline at a time: libtiff decodes rows
 * incrementally, so even a single-strip image needs only one row here. */
static vg_status read_direct_strips(vg_decoder *dec, tiff_img *t)
{
    tmsize_t line = TIFFScanlineSize(t->tif);
    if (line <= 0)
        return tiff_fail(dec, t, "strip layout is invalid");
    uint8_t *buf = malloc((size_t)line);
    if (!buf)
        return vg_decoder_fail(dec, VG_ERR_NOMEM, "TIFF: cannot allocate a row");
    vg_status st = VG_OK;
    for (uint32_t y = 0; y < t->height && st == VG_OK; y++) {
        if (TIFFReadScanline(t->tif, buf, y, 0) < 0) {
            st = tiff_fail(dec, t, "strip is truncated or corrupt");
            break;
        }
        convert_row(t, buf);
        st = vg_decoder_row(dec, t->out);
    }
    free(buf);
    return st;
}

static vg_status read_direct_tiles(vg_decoder *dec, tiff_img *t)
{
    uint32_t tw = 0, th = 0;
    TIFFGetField(t->tif, TIFFTAG_TILEWIDTH, &tw);
    TIFFGetField(t->tif, TIFFTAG_TILELENGTH, &th);
    tmsize_t line = TIFFScanlineSize(t->tif);
    tmsize_t tile_size = TIFFTileSize(t->tif);
    tmsize_t tile_row = TIFFTileRowSize(t->tif);
    uint64_t pixel_bits = (uint64_t)t->bps * t->spp;
    /* A tile may overhang the image, but not absurdly: its buffer must
     * stay in proportion to the pixel limit. */
    if (tw == 0 || th == 0 || line <= 0 || tile_size <= 0 || tile_row <= 0 ||
        (tw * pixel_bits) % 8 != 0 || (uint64_t)tile_size < (uint64_t)tile_row * th ||
        (uint64_t)tw * th > dec->max_pixels + (1u << 20))
        return tiff_fail(dec, t, "tile layout is invalid");
    uint32_t band_rows = th < t->height ? th : t->height;
    uint8_t *tile = malloc((size_t)tile_size);
    uint8_t *band = malloc((size_t)line * band_rows);
    vg_status st = VG_OK;
    if (!tile || !band)
        st = vg_decoder_fail(dec, VG_ERR_NOMEM, "TIFF: cannot allocate a row of tiles");
    for (uint32_t y = 0; y < t->height && st == VG_OK; y += th) {
        uint32_t rows = t->height - y < th ? t->height - y : th;
        for (uint32_t x = 0; x < t->width; x += tw) {
            if (TIFFReadEncodedTile(t->tif, TIFFComputeTile(t->tif, x, y, 0, 0), tile,
                                    tile_size) < 0) {
                st = tiff_fail(dec, t, "tile is truncated or corrupt");
                break;
            }
            size_t offset = (size_t)(x * pixel_bits / 8);
            size_t n = (size_t)tile_row;
            if (n > (size_t)line - offset)
                n = (size_t)line - offset;
            for (uint32_t r = 0; r < rows; r++)
                memcpy(band + (size_t)r * (size_t)line + offset,
                       tile + (size_t)r * (size_t)tile_row, n);
        }
        for (uint32_t r = 0; r < rows && st == VG_OK; r++) {
            convert_row(t, band + (size_t)r * (size_t)line);
            st = vg_decoder_row(dec, t->out);
        }
    }
    free(tile);
    free(band);
    return st;
}

/* RGBA path: libtiff converts any layout it knows to packed ABGR. Its
 * rasters are bottom-up within each strip or tile. */
static void emit_rgba_pixel(tiff_img *t, uint32_t x, uint32_t px)
{
    if (t->layout == VG_PIXEL_GRAY8) {
        t->out[x] = (uint8_t)TIFFGetR(px);
    } else {
        t->out[3 * (size_t)x] = (uint8_t)TIFFGetR(px);
        t->out[3 * (size_t)x + 1] = (uint8_t)TIFFGetG(px);
        t->out[3 * (size_t)x + 2] = (uint8_t)TIFFGetB(px);
    }
}

static vg_status read_rgba_strips(vg_decoder *dec, tiff_img *t)
{
    uint32_t rps = t->height;
    TIFFGetFieldDefaulted(t->tif, TIFFTAG_ROWSPERSTRIP, &rps);
    if (rps == 0 || rps > t->height)
        rps = t->height;
    uint32_t *raster = malloc((size_t)t->width * rps * sizeof *raster);
    if (!raster)
        return vg_decoder_fail(dec, VG_ERR_NOMEM, "TIFF: cannot allocate a strip");
    vg_status st = VG_OK;
    for (uint32_t y = 0; y < t->height && st == VG_OK; y += rps) {
        uint32_t rows = t->height - y < rps ? t->height - y : rps;
        if (!TIFFReadRGBAStrip(t->tif, y, raster)) {
            st = tiff_fail(dec, t, "strip cannot be decoded");
            break;
        }
        for (uint32_t r = 0; r < rows && st == VG_OK; r++) {
            const uint32_t *src = raster + (size_t)(rows - 1 - r) * t->width;
            for (uint32_t x = 0; x < t->width; x++)
                emit_rgba_pixel(t, x, src[x]);
            st = vg_decoder_row(dec, t->out);
        }
    }
    free(raster);
    return st;
}

static vg_status read_rgba_tiles(vg_decoder *dec, tiff_img *t)
{
    uint32_t tw = 0, th = 0;
    TIFFGetField(t->tif, TIFFTAG_TILEWIDTH, &tw);
    TIFFGetField(t->tif, TIFFTAG_TILELENGTH, &th);
    if (tw == 0 || th == 0 || (uint64_t)tw * th > dec->max_pixels + (1u << 20))
        return tiff_fail(dec, t, "tile layout is invalid");
    uint32_t band_rows = th < t->height ? th : t->height;
    uint32_t *tile = malloc((size_t)tw * th * sizeof *tile);
    uint32_t *band = malloc((size_t)t->width * band_rows * sizeof *band);
    vg_status st = VG_OK;
    if (!tile || !band)
        st = vg_decoder_fail(dec, VG_ERR_NOMEM, "TIFF: cannot allocate a row of tiles");
    for (uint32_t y = 0; y < t->height && st == VG_OK; y += th) {
        uint32_t rows = t->height - y < th ? t->height - y : th;
        for (uint32_t x = 0; x < t->width; x += tw) {
            if (!TIFFReadRGBATile(t->tif, x, y, tile)) {
                st = tiff_fail(dec, t, "tile cannot be decoded");
                break;
            }
            uint32_t cols = t->width - x < tw ? t->width - x : tw;
            /* A partial tile at the bottom is returned bottom-up in its
             * first `rows` rows. */
            for (uint32_t r = 0; r < rows; r++)
                memcpy(band + (size_t)r * t->width + x, tile + (size_t)(rows - 1 - r) * tw,
                       (size_t)cols * sizeof *tile);
        }
        for (uint32_t r = 0; r < rows && st == VG_OK; r++) {
            for (uint32_t x = 0; x < t->width; x++)
                emit_rgba_pixel(t, x, band[(size_t)r * t->width + x]);
            st = vg_decoder_row(dec, t->out);
        }
    }
    free(tile);
    free(band);
    return st;
}

static vg_status decode_open(vg_decoder *dec, tiff_img *t)
{
    TIFF *tif = t->tif;
    uint16_t *extra_types = NULL;
    if (!TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &t->width) ||
        !TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &t->height))
        return tiff_fail(dec, t, "has no image size");
    if (!vg_decoder_size_ok(dec, t->width, t->height))
        return vg_decoder_too_large(dec, t->width, t->height);
    TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &t->bps);
    TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &t->spp);
    TIFFGetFieldDefaulted(tif, TIFFTAG_PLANARCONFIG, &t->planar);
    TIFFGetFieldDefaulted(tif, TIFFTAG_COMPRESSION, &t->compression);
    TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLEFORMAT, &t->sample_format);
    TIFFGetFieldDefaulted(tif, TIFFTAG_EXTRASAMPLES, &t->extra, &extra_types);
    if (!TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &t->photometric))
        t->photometric = t->spp >= 3 ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK;
    t->tiled = TIFFIsTiled(tif);
    if (!TIFFIsCODECConfigured(t->compression))
        return vg_decoder_fail(dec, VG_ERR_UNSUPPORTED,
                               "TIFF compression %u is not supported by this build",
                               t->compression);
    if (t->spp == 0 || t->bps == 0)
        return tiff_fail(dec, t, "has no samples");
    /* Buffers grow with the samples per pixel; pictures have at most a
     * few (CMYK plus alpha plus spot colours). */
    if (t->spp > 16 || t->bps > 64)
        return vg_decoder_fail(dec, VG_ERR_UNSUPPORTED,
                               "TIFF with %u samples of %u bits per pixel is not supported",
                               t->spp, t->bps);

    bool direct = direct_layout(t);
    if (!direct) {
        char why[1024];
        if (!TIFFRGBAImageOK(tif, why))
            return vg_decoder_fail(dec, VG_ERR_UNSUPPORTED, "TIFF layout is not supported: %s",
                                   why);
        bool gray = (t->photometric == PHOTOMETRIC_MINISBLACK ||
                     t->photometric == PHOTOMETRIC_MINISWHITE) &&
                    t->spp - (t->extra < t->spp ? t->extra : 0) == 1;
        t->layout = gray ? VG_PIXEL_GRAY8 : VG_PIXEL_RGB8;
        t->model = gray                                        ? (t->spp > 1 ? VG_COLOR_GRAY_ALPHA : VG_COLOR_GRAY)
                   : t->photometric == PHOTOMETRIC_PALETTE     ? VG_COLOR_PALETTE
                   : t->photometric == PHOTOMETRIC_SEPARATED   ? VG_COLOR_CMYK
                   : t->photometric == PHOTOMETRIC_YCBCR       ? VG_COLOR_YCBCR
                   : t->spp > 3                                ? VG_COLOR_RGBA
                                                               : VG_COLOR_RGB;
    }
    vg_status st = vg_decoder_begin(dec, t->width, t->height, t->layout, t->model,
                                    (uint8_t)(t->bps > 255 ? 255 : t->bps));
    if (st != VG_OK)
        return st;
    t->out = malloc((size_t)t->width * t->layout);
    if (!t->out)
        return vg_decoder_fail(dec, VG_ERR_NOMEM, "TIFF: out of memory");
    if (direct)
        return t->tiled ? read_direct_tiles(dec, t) : read_direct_strips(dec, t);
    return t->tiled ? read_rgba_tiles(dec, t) : read_rgba_strips(dec, t);
}

vg_status vg_decode_tiff(vg_decoder *dec, const uint8_t *data, size_t len)
{
    tiff_src src = {.data = data, .len = len};
    TIFFOpenOptions *opts = TIFFOpenOptionsAlloc();
    if (!opts)
        return vg_decoder_fail(dec, VG_ERR_NOMEM, "TIFF: out of memory");
    TIFFOpenOptionsSetErrorHandlerExtR(opts, on_error, &src);
    TIFFOpenOptionsSetWarningHandlerExtR(opts, on_warning, &src);
    /* No single libtiff allocation may exceed what the largest allowed
     * image needs as RGBA (its biggest buffer), plus slack for tables. */
    uint64_t cap = dec->max_pixels * 4u + (16u << 20);
    if (cap > (uint64_t)INT64_MAX / 2)
        cap = (uint64_t)INT64_MAX / 2;
    TIFFOpenOptionsSetMaxSingleMemAlloc(opts, (tmsize_t)cap);
    TIFF *tif = TIFFClientOpenExt("tiff", "r", &src, on_read, on_write, on_seek, on_close,
                                  on_size, on_map, on_unmap, opts);
    TIFFOpenOptionsFree(opts);
    tiff_img t = {.tif = tif, .src = &src};
    if (!tif)
        return tiff_fail(dec, &t, "header is invalid");
    vg_status st = decode_open(dec, &t);
    free(t.out);
    TIFFClose(tif);
    return st;
}
